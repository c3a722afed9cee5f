//! Test helpers shared by the tests of syspack's sys crates (a dev-dependency of each; never
//! published): [`common`] for every sys crate's tests, [`roundtrip`] for the compression crates'
//! round-trip tests, generic over the codec.

pub mod common;
pub mod roundtrip;
