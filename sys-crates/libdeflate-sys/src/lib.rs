//! libdeflate (whole-buffer deflate, fast) for syspack: the raw C API in [`ffi`] and a safe
//! one-shot compressor in [`safe`], which is the only libdeflate API the rest of the workspace
//! uses.
//!
//! libdeflate compresses a whole buffer at once (no streaming, no preset dictionary), and does so
//! several times faster than zlib at a comparable ratio; syspack's package writers use it for the
//! deflate segments they compress from memory and keep zlib for true streams.
//!
//! The build script (through `syspack-build`) links either the system `libdeflate` (found by
//! pkg-config, at least 1.14) or a static build of the pinned upstream release (`pin.toml`)
//! made by upstream's CMake build, as chosen by the features `vendored`/`static` and the
//! `SYSPACK_LINK`/`SYSPACK_LIBDEFLATE_LINK` variables. [`provenance`] tells which one this binary
//! contains.
//!
//! ```
//! use syspack_libdeflate_sys::safe::Compressor;
//!
//! let mut compressor = Compressor::new(9).unwrap();
//! let mut raw = Vec::new();
//! compressor.deflate(&b"hello, hello, hello, deflate".repeat(100), &mut raw).unwrap();
//! assert!(!raw.is_empty() && raw.len() < 100);
//! ```
#![deny(missing_docs)]

pub mod safe;

syspack_sys_support::sys_crate_items! {
    library: "libdeflate",
    header: "libdeflate.h",
    provenance_env: "SYSPACK_PROVENANCE_LIBDEFLATE",
}
