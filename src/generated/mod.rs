//! The generated-source checker: `generated/manifest.toml` records, for every checked-in
//! generated file (bindgen bindings, thrift Rust, flex and bison C), the generator and its
//! version, the inputs and their sha256, the exact arguments and the outputs' sha256.
//!
//! [`check::check`] regenerates each output into a scratch copy of the repository and compares;
//! [`check::update`] rewrites what changed. See [`manifest`] for the file format and
//! [`normalize`] for what may legitimately differ.

pub mod check;
pub mod manifest;
pub mod normalize;

pub use manifest::Manifest;
