//! zlib (deflate, gzip) for syspack: the raw C API in [`ffi`] and a small safe streaming API in
//! [`safe`], which is the only zlib API the rest of the workspace uses.
//!
//! The build script (through `syspack-build`) links either the system `libz` (found by
//! pkg-config, at least 1.2.11) or a static build of the pinned upstream release (`pin.toml`), as
//! chosen by the features `vendored`/`static` and the `SYSPACK_LINK`/`SYSPACK_ZLIB_LINK`
//! variables. [`provenance`] tells which one this binary contains.
//!
//! ```
//! use std::io::{Read, Write};
//! use syspack_zlib_sys::safe::{GzDecoder, GzEncoder};
//!
//! # fn main() -> std::io::Result<()> {
//! let mut encoder = GzEncoder::new(Vec::new(), 9)?;
//! encoder.write_all(b"hello, hello, hello, gzip")?;
//! let compressed = encoder.finish()?;
//!
//! let mut text = String::new();
//! GzDecoder::new(&compressed[..]).read_to_string(&mut text)?;
//! assert_eq!(text, "hello, hello, hello, gzip");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod safe;

syspack_sys_support::stream_error! {
    format: "gzip",
    inside: "a gzip member",
    expected: "gzip member",
    code: i32,
    message: "`strm.msg`, or `zError`",
}

syspack_sys_support::sys_crate_items! {
    library: "zlib",
    header: "zlib.h",
    provenance_env: "SYSPACK_PROVENANCE_ZLIB",
}
