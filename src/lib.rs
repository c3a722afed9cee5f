//! The `syspack` command line as a library: the commands ([`commands::run`]), the readers of a
//! project's configuration ([`config`]: `[package.metadata.syspack]`, cargo-deb's and
//! cargo-generate-rpm's tables, a standalone `syspack.toml`) and how errors end a run
//! ([`exit`]). `src/main.rs` only calls [`commands::run`]; the fuzz targets (`fuzz/`) call the
//! configuration readers, which is why they are a library at all.
//!
//! Underneath are the workspace's libraries: `syspack-distro` writes and reads packages and
//! holds the knowledge base, `syspack-repo` the signed repositories, `syspack-build` the source
//! pins and cache, and the sys crates report the provenance of the C libraries inside the binary.

mod cargo_build;
mod cargo_metadata;
mod ci;
pub mod commands;
pub mod config;
pub mod exit;
mod fresh;
pub mod generated;
mod link;
mod pins;
mod provenance;
mod recipe;
mod solve;
mod stage;
mod strip;
mod sys_crates;
mod target;
mod toolchain;
