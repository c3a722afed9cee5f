//! zstd (Zstandard) for syspack: the raw C API in [`ffi`] and a small safe streaming API in
//! [`safe`], which is the only zstd API the rest of the workspace uses.
//!
//! The build script (through `syspack-build`) links either the system `libzstd` (found by
//! pkg-config, at least 1.4.0) or a static build of the pinned upstream release (`pin.toml`), as
//! chosen by the features `vendored`/`static` and the `SYSPACK_LINK`/`SYSPACK_ZSTD_LINK`
//! variables. [`provenance`] tells which one this binary contains.
//!
//! ```
//! use std::io::{Read, Write};
//! use syspack_zstd_sys::safe::{self, ZstdDecoder, ZstdEncoder};
//!
//! # fn main() -> std::io::Result<()> {
//! // Two worker threads where the linked library is multi-threaded (the vendored build is; a
//! // system static archive may not be).
//! let mut encoder = match safe::max_threads() {
//!     0 => ZstdEncoder::new(Vec::new(), 19)?,
//!     max => ZstdEncoder::with_threads(Vec::new(), 19, max.min(2))?,
//! };
//! encoder.write_all(b"hello, hello, hello, zstd")?;
//! let compressed = encoder.finish()?;
//!
//! let mut text = String::new();
//! ZstdDecoder::new(&compressed[..]).read_to_string(&mut text)?;
//! assert_eq!(text, "hello, hello, hello, zstd");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod safe;

syspack_sys_support::stream_error! {
    format: "zstd",
    inside: "a frame",
    expected: "zstd frame",
    code: usize,
    message: "`ZSTD_getErrorName`",
    threads: "ZstdEncoder::new",
}

syspack_sys_support::sys_crate_items! {
    library: "zstd",
    header: "zstd.h",
    provenance_env: "SYSPACK_PROVENANCE_ZSTD",
}
