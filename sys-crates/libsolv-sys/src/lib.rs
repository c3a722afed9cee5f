//! libsolv for syspack: the raw C API in [`ffi`] and a small safe API in [`solve`] — a pool,
//! repositories read from a release's index files (Debian `Packages`, rpm-md `primary.xml`, Arch
//! `.db`), the package under test, and the job "install this", answered *installable* or with
//! the solver's problems in words.
//!
//! The build script (through `syspack-build`) links either the system `libsolv` + `libsolvext`
//! (found by pkg-config, at least 0.7.17) or a static build of the pinned upstream release
//! (`pin.toml`) made by upstream's CMake build against the workspace's own zlib, xz, zstd and
//! expat sys crates, as chosen by the features `vendored`/`static` and the
//! `SYSPACK_LINK`/`SYSPACK_LIBSOLV_LINK` variables. [`provenance`] tells which one this binary
//! contains.
#![deny(missing_docs)]

pub mod solve;

syspack_sys_support::sys_crate_items! {
    library: "libsolv",
    header: "solv/solver.h",
    provenance_env: "SYSPACK_PROVENANCE_LIBSOLV",
}

// The compression libraries and the XML parser libsolv uses are linked through these crates
// (one copy each in the binary); `use` them so that rustc links them even when nothing else
// in the dependency graph names them.
use syspack_expat_sys as _;
use syspack_lzma_sys as _;
use syspack_zlib_sys as _;
use syspack_zstd_sys as _;
