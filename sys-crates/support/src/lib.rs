//! The code syspack's sys crates (`syspack-zlib-sys`, `syspack-zstd-sys`, …) share, so that each
//! of them is a self-contained package: nothing in a sys crate refers to a file outside its own
//! directory, and what they have in common lives here, in one place.
//!
//! * [`sys_crate_items!`] declares what every sys crate exports: the module `ffi` (its checked-in
//!   `src/bindings.rs`, or the bindings its `bindgen` feature generates), `PROVENANCE_JSON`,
//!   `LIBRARY_MANIFEST`, `PIN` and `provenance()`.
//! * [`stream_error!`] declares the `Error` of a compression crate's safe streaming API: one
//!   definition of the variants, their [`std::io::ErrorKind`]s and their messages, parametrised
//!   by the format's name and what the crates differ in.
//! * [`stream`] is the buffer handling of those crates' encoders and decoders, and the drivers
//!   ([`stream::Encoder`], [`stream::Decoder`]) that run a library's compress or decompress call
//!   as a `Write` or `Read` adapter.
//!
//! This crate has no dependencies beyond std and no C code.
#![deny(missing_docs)]

mod macros;
pub mod stream;
