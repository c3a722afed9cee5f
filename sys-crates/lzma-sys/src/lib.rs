//! liblzma (xz) for syspack: the raw C API in [`ffi`] and a small safe streaming API in
//! [`safe`], which is the only lzma API the rest of the workspace uses.
//!
//! The build script (through `syspack-build`) links either the system `liblzma` (found by
//! pkg-config, at least 5.2.0) or a static build of the pinned upstream release (`pin.toml`), as
//! chosen by the features `vendored`/`static` and the `SYSPACK_LINK`/`SYSPACK_LZMA_LINK`
//! variables. [`provenance`] tells which one this binary contains.
//!
//! ```
//! use std::io::{Read, Write};
//! use syspack_lzma_sys::safe::{XzDecoder, XzEncoder};
//!
//! # fn main() -> std::io::Result<()> {
//! let mut encoder = XzEncoder::with_threads(Vec::new(), 6, 2)?;
//! encoder.write_all(b"hello, hello, hello, xz")?;
//! let compressed = encoder.finish()?;
//!
//! let mut text = String::new();
//! XzDecoder::new(&compressed[..]).read_to_string(&mut text)?;
//! assert_eq!(text, "hello, hello, hello, xz");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod safe;

syspack_sys_support::stream_error! {
    format: "xz",
    inside: "an xz stream",
    expected: "xz stream",
    code: u32,
    message: "the message `xz` prints for the code",
    threads: "XzEncoder::new",
}

syspack_sys_support::sys_crate_items! {
    library: "lzma",
    header: "lzma.h",
    provenance_env: "SYSPACK_PROVENANCE_LZMA",
}
