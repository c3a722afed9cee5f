//! Signed package repositories written and read in Rust.
//!
//! One module per family writes and reads its metadata ([`apt`]); [`sign`] holds the OpenPGP
//! keys and signatures every family uses, [`store`] the atomic file writes that make a
//! publication all-or-nothing for a client reading the tree while it is written, and [`s3`] the
//! mirror of a tree to and from S3-compatible object storage.
//!
//! # One writer at a time
//!
//! Every command that changes a repository holds [`store::lock`] on it (an `flock` on
//! `.syspack-lock` in its top directory) and fails at once when another holds it; readers that
//! need a consistent tree (`repo verify`, `repo push`) share it. A writer removes the temporary
//! files a killed writer left for the files it rewrites; the kernel releases a killed writer's
//! lock.
//!
//! # Channels
//!
//! Every repository has channels (default `testing` and `stable`). In the apt family a channel is
//! a suite: `dists/<channel>/` is a complete, separately signed repository, and all suites share
//! the one `pool/`, so promoting a package between channels never copies its file. rpm-md
//! channels are `rpm/<channel>/` and pacman channels `arch/<channel>/<arch>/`, each signed on its
//! own; a promoted package's file is hard-linked into the target channel. [`release`] keeps the
//! signed release log and promotes packages after a soak.

pub mod apt;
mod error;
pub mod family;
pub mod freebsd;
pub mod pacman;
mod parallel;
pub mod release;
pub mod rpm;
pub mod rpmmd;
pub mod s3;
pub mod sign;
pub mod store;
pub mod version;

pub use error::{Error, Result};

/// The channels a repository has when the configuration names none, in promotion order.
pub const DEFAULT_CHANNELS: [&str; 2] = ["testing", "stable"];
