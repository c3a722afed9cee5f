//! bzip2 for syspack: the raw C API in [`ffi`] and a small safe streaming API in
//! [`safe`], which is the only bzip2 API the rest of the workspace uses.
//!
//! The build script (through `syspack-build`) links either the system `libbz2` (found by
//! pkg-config, at least 1.0.6) or a static build of the pinned upstream release (`pin.toml`), as
//! chosen by the features `vendored`/`static` and the `SYSPACK_LINK`/`SYSPACK_BZIP2_LINK`
//! variables. [`provenance`] tells which one this binary contains.
//!
//! ```
//! use std::io::{Read, Write};
//! use syspack_bzip2_sys::safe::{BzDecoder, BzEncoder};
//!
//! # fn main() -> std::io::Result<()> {
//! let mut encoder = BzEncoder::new(Vec::new(), 9)?;
//! encoder.write_all(b"hello, hello, hello, bzip2")?;
//! let compressed = encoder.finish()?;
//!
//! let mut text = String::new();
//! BzDecoder::new(&compressed[..]).read_to_string(&mut text)?;
//! assert_eq!(text, "hello, hello, hello, bzip2");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod safe;

syspack_sys_support::stream_error! {
    format: "bzip2",
    inside: "a bzip2 stream",
    expected: "bzip2 stream",
    code: i32,
    message: "bzip2 has no message function: ours for the code",
}

syspack_sys_support::sys_crate_items! {
    library: "bzip2",
    header: "bzlib.h",
    provenance_env: "SYSPACK_PROVENANCE_BZIP2",
}
