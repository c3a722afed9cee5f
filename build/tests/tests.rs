//! Integration tests of `syspack-build`, one binary (as ripgrep does).

// Shared helpers: fixtures, the mock environment, the vendored-source fixture.
mod util;

// The source cache: import, rejection of unpinned bytes, lookup, verification.
mod cache;
// The whole `cargo:` output of a probe, `rerun-if-env-changed` lines included.
mod output;
// `library.toml` manifests, `VendoredSource::c_files`, `Bindings` (feature `bindgen`).
mod manifest;
// Pin files: parsing and every kind of error.
mod pin;
// One test per row of the precedence table in the crate docs.
mod precedence;
// Strict system mode and its errors (missing, too old, explicit dirs, cross).
mod system;
// Vendored builds and the `auto` fallback.
mod vendored;
