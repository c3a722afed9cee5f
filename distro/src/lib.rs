//! `syspack-distro`: one staging model, four native package formats.
//!
//! A [`Package`] describes what to install — files, directories, symlinks, modes, owners,
//! conffiles, maintainer scripts, systemd units and metadata — and each format module turns it into
//! the bytes its package manager expects, with no external tool:
//!
//! * [`deb`]: Debian and Ubuntu `.deb` (ar + control.tar + data.tar);
//! * [`rpm`]: RPM v4 (lead, signature header, header, cpio payload);
//! * [`arch`]: Arch Linux `.pkg.tar.zst` (`.PKGINFO`, `.BUILDINFO`, `.MTREE`, tar);
//! * [`freebsd`]: FreeBSD `pkg` `.pkg` (`+COMPACT_MANIFEST`, `+MANIFEST`, tar).
//!
//! Each format has a `Writer` and a `Reader` side by side. Writers are reproducible: the same
//! package and [`SourceDate`] give the same bytes, whatever the directory, umask, locale or time
//! zone. Readers verify the checksums a package carries, and are the only validator for FreeBSD
//! packages on machines without FreeBSD's `pkg`. [`Format`] recognises a package file
//! ([`Format::detect`]); [`AnyWriter`] and [`AnyReader`] dispatch over the four, and the readers
//! walk their own payloads ([`AnyReader::each_file`], [`AnyReader::elf_files`]), so a caller never
//! parses a container.
//!
//! ```
//! use syspack_distro::{Arch, InstallPath, Metadata, Package, SourceDate};
//!
//! let mut meta = Metadata::new("hello", "1.0.0", Arch::X86_64);
//! meta.summary = "says hello".into();
//! let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
//! pkg.add_bytes(InstallPath::new("/usr/bin/hello")?, b"#!/bin/sh\necho hello\n".to_vec(), 0o755)?;
//! assert_eq!(pkg.installed_size(), 21);
//! # Ok::<(), syspack_distro::Error>(())
//! ```
#![deny(missing_docs)]

pub mod arch;
pub mod audit;
pub mod compress;
pub mod cores;
pub mod date;
pub mod deb;
pub mod elf;
mod error;
mod format;
pub mod frames;
pub mod freebsd;
#[cfg(test)]
mod hostile_tests;
pub mod kb;
pub mod limits;
pub mod matrix;
pub mod output;
mod package;
pub mod reader;
pub mod rpm;
pub mod sys_crates;
pub mod tarball;
pub mod text;

pub use compress::Compression;
pub use error::{Error, Result};
pub use format::{AnyReader, AnyWriter, Format, PayloadElf, PayloadElves, WriteOptions};
pub use package::{
    Arch, Bundled, DirEntry, Entry, FileEntry, FileSource, InstallPath, Metadata, Owner, Package,
    Relation, Relations, Scripts, SourceDate, SymlinkEntry, SystemdUnit, VersionOp,
};
pub use reader::{EntryKind, ReadEntry, RpmFileFlags};
