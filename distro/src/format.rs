//! The four formats side by side: [`Format`] names one and recognises a package file's,
//! [`AnyWriter`] writes a staged [`Package`] in any of them, [`AnyReader`] opens, verifies and
//! walks a package of any of them (as rpm-rs's library opens and reads its format, so that a
//! caller never parses a container itself).
//!
//! ```no_run
//! use syspack_distro::{AnyReader, Format};
//!
//! let path = std::path::Path::new("hello_1.0.0-1_amd64.deb");
//! let package = AnyReader::open(path, Format::detect(path)?)?; // every checksum verified
//! let elves = package.elf_files()?;
//! for elf in &elves.files {
//!     println!("{} needs {:?} ({:?} payload)", elf.path, elf.info.needed, elves.compression);
//! }
//! # Ok::<(), syspack_distro::Error>(())
//! ```

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compress::{self, Compression};
use crate::elf::{ElfInfo, ElfPlan, ElfScan};
use crate::error::{Error, Result};
use crate::frames::SharedContent;
use crate::reader::FileVisitor;
use crate::{arch, deb, freebsd, rpm, Package};

/// The four package formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Debian `.deb`.
    Deb,
    /// RPM v4.
    Rpm,
    /// Arch Linux `.pkg.tar.*`.
    Arch,
    /// FreeBSD `.pkg`.
    FreeBsd,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 4] = [Format::Deb, Format::Rpm, Format::Arch, Format::FreeBsd];

    /// The short name used on the command line (`deb`, `rpm`, `arch`, `freebsd`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Deb => "deb",
            Format::Rpm => "rpm",
            Format::Arch => "arch",
            Format::FreeBsd => "freebsd",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| Error::Parse {
                what: "package format",
                value: s.to_string(),
                reason: "supported: deb, rpm, arch, freebsd".to_string(),
            })
    }
}

impl Format {
    /// Recognises a package file's format from its first bytes (the ar magic of a `.deb`, the
    /// lead magic of an `.rpm`), else its name (`.pkg.tar.*`: Arch, `.pkg`: FreeBSD), else the
    /// first member of the compressed tar it is (`.PKGINFO`, `.BUILDINFO`, `.MTREE` or
    /// `.INSTALL`: Arch, `+COMPACT_MANIFEST`: FreeBSD). Nothing is verified: [`AnyReader::open`] does that.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; [`Error::UnknownFormat`] when it is none of
    /// the four.
    pub fn detect(path: &Path) -> Result<Format> {
        let mut head = Vec::new();
        std::fs::File::open(path)
            .map_err(|e| Error::io(path, "opening", e))?
            .take(512)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(path, "reading", e))?;
        if head.starts_with(deb::ar::MAGIC) {
            return Ok(Format::Deb);
        }
        if head.starts_with(&rpm::lead::MAGIC) {
            return Ok(Format::Rpm);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains(".pkg.tar") {
            return Ok(Format::Arch);
        }
        if name.ends_with(".pkg") {
            return Ok(Format::FreeBsd);
        }
        // A compressed tar without a telling name: the first member decides.
        let c = compress::sniff(&head);
        if c != Compression::None || head.len() >= 262 {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, "opening", e))?;
            if let Ok(dec) = compress::decoder(f, c) {
                let mut ar = tar::Archive::new(dec);
                if let Some(Ok(entry)) = ar.entries().ok().and_then(|mut e| e.next()) {
                    let first = entry
                        .path()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    // pacman's metadata members; which comes first differs between makepkg
                    // releases and this crate's writer (`.BUILDINFO`).
                    if matches!(
                        first.trim_start_matches("./"),
                        ".PKGINFO" | ".BUILDINFO" | ".MTREE" | ".INSTALL"
                    ) {
                        return Ok(Format::Arch);
                    }
                    if first.trim_start_matches('/') == "+COMPACT_MANIFEST" {
                        return Ok(Format::FreeBsd);
                    }
                }
            }
        }
        Err(Error::UnknownFormat {
            path: path.to_path_buf(),
        })
    }
}

/// What [`AnyWriter::new`] needs beyond the package: the settings every format takes, and the
/// FreeBSD writer's own.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The compression (of the payload; for a `.deb`, of data.tar).
    pub compression: Compression,
    /// Digests read once for several packages, and the shared frames of large files where the
    /// format can splice them ([`crate::frames`]).
    pub shared: Option<Arc<SharedContent>>,
    /// The FreeBSD writer's settings; its `compression` and `shared` are the two above.
    pub freebsd: freebsd::Options,
}

impl WriteOptions {
    /// `compression`, nothing shared, FreeBSD's defaults.
    pub fn new(compression: Compression) -> WriteOptions {
        WriteOptions {
            compression,
            shared: None,
            freebsd: freebsd::Options::default(),
        }
    }
}

/// The writer of any format, validated up front. One exists per target for the length of a
/// run, so the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AnyWriter<'a> {
    /// `.deb`.
    Deb(deb::Writer<'a>),
    /// `.rpm`.
    Rpm(rpm::Writer<'a>),
    /// Arch `.pkg.tar.*`.
    Arch(arch::Writer<'a>),
    /// FreeBSD `.pkg`.
    FreeBsd(freebsd::Writer<'a>),
}

impl<'a> AnyWriter<'a> {
    /// The writer of `pkg` in `format`: every field, path and size is checked now, so nothing
    /// is written for a package that would fail.
    ///
    /// # Errors
    ///
    /// What the format's `Writer::new` refuses (see each).
    pub fn new(pkg: &'a Package, format: Format, opts: WriteOptions) -> Result<Self> {
        let WriteOptions {
            compression,
            shared,
            freebsd,
        } = opts;
        Ok(match format {
            Format::Deb => AnyWriter::Deb(deb::Writer::new(
                pkg,
                &deb::Options {
                    compression,
                    shared,
                },
            )?),
            Format::Rpm => AnyWriter::Rpm(rpm::Writer::new(
                pkg,
                &rpm::Options {
                    compression,
                    shared,
                    ..rpm::Options::default()
                },
            )?),
            Format::Arch => AnyWriter::Arch(arch::Writer::new(
                pkg,
                &arch::Options {
                    compression,
                    shared,
                    ..arch::Options::default()
                },
            )?),
            Format::FreeBsd => AnyWriter::FreeBsd(freebsd::Writer::new(
                pkg,
                &freebsd::Options {
                    compression,
                    shared,
                    ..freebsd
                },
            )?),
        })
    }

    /// The format.
    pub fn format(&self) -> Format {
        match self {
            AnyWriter::Deb(_) => Format::Deb,
            AnyWriter::Rpm(_) => Format::Rpm,
            AnyWriter::Arch(_) => Format::Arch,
            AnyWriter::FreeBsd(_) => Format::FreeBsd,
        }
    }

    /// The canonical file name.
    pub fn file_name(&self) -> String {
        match self {
            AnyWriter::Deb(w) => w.file_name(),
            AnyWriter::Rpm(w) => w.file_name(),
            AnyWriter::Arch(w) => w.file_name(),
            AnyWriter::FreeBsd(w) => w.file_name(),
        }
    }

    /// Writes the package.
    ///
    /// # Errors
    ///
    /// Output errors, and what the format's `write_to` reports.
    pub fn write_to(&self, out: &mut dyn Write) -> Result<()> {
        match self {
            AnyWriter::Deb(w) => w.write_to(out),
            AnyWriter::Rpm(w) => w.write_to(out),
            AnyWriter::Arch(w) => w.write_to(out),
            AnyWriter::FreeBsd(w) => w.write_to(out),
        }
    }
}

/// A package file of any format, opened and verified by its format's reader. A caller holds
/// one or a few at a time, so the size difference between the variants does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum AnyReader {
    /// `.deb`.
    Deb(deb::Reader),
    /// `.rpm`.
    Rpm(rpm::Reader),
    /// Arch `.pkg.tar.*`.
    Arch(arch::Reader),
    /// FreeBSD `.pkg`.
    FreeBsd(freebsd::Reader),
}

/// An ELF file of a package's payload, analysed ([`AnyReader::elf_files`]).
#[derive(Clone, Debug)]
pub struct PayloadElf {
    /// Its install path (`/usr/bin/hello`).
    pub path: String,
    /// What it needs.
    pub info: ElfInfo,
}

/// The ELF files of a package's payload ([`AnyReader::elf_files`]).
#[derive(Clone, Debug)]
pub struct PayloadElves {
    /// The payload's compression, as its first bytes say.
    pub compression: Compression,
    /// The ELF files analysed, in archive order.
    pub files: Vec<PayloadElf>,
    /// ELF files for a machine the analysis does not know, which it sets aside rather than
    /// refusing the package: their install paths, and why (`machine 62 (32-bit)…`). Debian's
    /// x32 libraries (`libc6-x32`, `libc6-dev-x32`) and firmware for other processors are such.
    pub unknown_machine: Vec<(String, String)>,
}

impl AnyReader {
    /// Opens a package of a known format (see [`Format::detect`]) with that format's reader,
    /// which verifies every checksum it carries and bounds every size.
    ///
    /// # Errors
    ///
    /// What the format's `Reader::open` reports: [`Error::Io`], [`Error::Malformed`],
    /// [`Error::ChecksumMismatch`], [`Error::UnsupportedPackage`].
    pub fn open(path: &Path, format: Format) -> Result<AnyReader> {
        Ok(match format {
            Format::Deb => AnyReader::Deb(deb::Reader::open(path)?),
            Format::Rpm => AnyReader::Rpm(rpm::Reader::open(path)?),
            Format::Arch => AnyReader::Arch(arch::Reader::open(path)?),
            Format::FreeBsd => AnyReader::FreeBsd(freebsd::Reader::open(path)?),
        })
    }

    /// The format.
    pub fn format(&self) -> Format {
        match self {
            AnyReader::Deb(_) => Format::Deb,
            AnyReader::Rpm(_) => Format::Rpm,
            AnyReader::Arch(_) => Format::Arch,
            AnyReader::FreeBsd(_) => Format::FreeBsd,
        }
    }

    /// The package file.
    pub fn path(&self) -> &Path {
        match self {
            AnyReader::Deb(r) => r.path(),
            AnyReader::Rpm(r) => r.path(),
            AnyReader::Arch(r) => r.path(),
            AnyReader::FreeBsd(r) => r.path(),
        }
    }

    /// The architecture the package declares: a `.deb`'s `Architecture`, rpm's `ARCH`,
    /// `.PKGINFO`'s `arch`, the machine of a FreeBSD package's `abi` (`*`: any). `None` when the
    /// package names none or one syspack does not know (`armel`, `mips64el`…).
    pub fn arch(&self) -> Option<crate::Arch> {
        let declared = match self {
            AnyReader::Deb(r) => r.metadata().get("Architecture")?.to_string(),
            AnyReader::Rpm(r) => r.metadata().arch.clone(),
            AnyReader::Arch(r) => r.metadata().arch.clone(),
            AnyReader::FreeBsd(r) => {
                let abi = r.metadata().abi.as_deref()?;
                freebsd::parse_abi(abi).ok()?.1.to_string()
            }
        };
        declared.parse().ok()
    }

    /// Calls `f` with the index, install path and content of each regular file of the payload
    /// (a `.deb`'s data.tar, an rpm's cpio archive, the whole tar of Arch and FreeBSD packages,
    /// their metadata members included), in archive order; returns the payload's compression
    /// as its first bytes say. The package is read again from its file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a read error or an error `f` returns.
    pub fn each_file(&self, f: &mut FileVisitor<'_>) -> Result<Compression> {
        match self {
            AnyReader::Deb(r) => r.each_file(f),
            AnyReader::Rpm(r) => r.each_file(f),
            AnyReader::Arch(r) => r.each_file(f),
            AnyReader::FreeBsd(r) => r.each_file(f),
        }
    }

    /// The ELF files of the payload (regular files starting with the ELF magic), analysed, and
    /// the payload's compression. An ELF file for a machine the analysis does not know is set
    /// aside in [`PayloadElves::unknown_machine`], as the package managers install it as any
    /// other file.
    ///
    /// The payload is streamed twice and no file is held whole: the first pass finds each ELF
    /// file's header tables, the second keeps the few sections the analysis reads
    /// ([`ElfScan`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a read error or an ELF file the analysis refuses (named
    /// `<package>:<path>`).
    pub fn elf_files(&self) -> Result<PayloadElves> {
        let package = self.path();
        let shown = |p: &str| PathBuf::from(format!("{}:{p}", package.display()));
        let mut plans: Vec<(usize, String, ElfPlan)> = Vec::new();
        let mut unknown_machine = Vec::new();
        let compression = self.each_file(&mut |i, p, content| {
            let mut scan = ElfScan::new(&shown(p));
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = content.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                scan.write_all(&buf[..n])?;
                if !scan.is_elf() {
                    return Ok(());
                }
            }
            if let Some(plan) = scan.finish().map_err(std::io::Error::other)? {
                match plan.machine() {
                    Ok(_) => plans.push((i, p.to_string(), plan)),
                    Err(why) => unknown_machine.push((p.to_string(), why)),
                }
            }
            Ok(())
        })?;
        let mut out = Vec::new();
        let mut next = plans.into_iter().peekable();
        self.each_file(&mut |i, _, content| {
            if next.peek().is_some_and(|(at, _, _)| *at == i) {
                let (_, path, plan) = next.next().expect("peeked");
                let mut collect = plan.collector();
                std::io::copy(content, &mut collect)?;
                let info = collect.finish().map_err(std::io::Error::other)?;
                out.push(PayloadElf { path, info });
            }
            Ok(())
        })?;
        Ok(PayloadElves {
            compression,
            files: out,
            unknown_machine,
        })
    }
}

impl fmt::Display for AnyReader {
    /// The format reader's own listing: metadata, then one line per entry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyReader::Deb(r) => r.fmt(f),
            AnyReader::Rpm(r) => r.fmt(f),
            AnyReader::Arch(r) => r.fmt(f),
            AnyReader::FreeBsd(r) => r.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{Arch, InstallPath, Metadata, SourceDate};

    /// A package holding the system's `/bin/ls` (an ELF file), a script and a symlink.
    fn sample() -> Package {
        let mut meta = Metadata::new("any", "1.0.0", Arch::X86_64);
        meta.summary = "a sample".into();
        meta.maintainer = "Tests <tests@syspack.invalid>".into();
        meta.license = "MIT".into();
        let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
        let ls = std::fs::read("/bin/ls").expect("/bin/ls, an ELF file of this system");
        pkg.add_bytes(InstallPath::new("/usr/bin/ls").unwrap(), ls, 0o755)
            .unwrap();
        pkg.add_bytes(
            InstallPath::new("/usr/bin/hello").unwrap(),
            b"#!/bin/sh\necho hello\n".to_vec(),
            0o755,
        )
        .unwrap();
        pkg.add_symlink(InstallPath::new("/usr/bin/hi").unwrap(), "hello")
            .unwrap();
        pkg
    }

    /// Every format: written by `AnyWriter`, recognised by its bytes or, for the two compressed
    /// tars, by its first member when the name says nothing; opened by `AnyReader`; its
    /// payload's regular files walked in the same order twice; its one ELF file analysed as
    /// `ElfInfo::parse` analyses the original.
    #[test]
    fn every_format_is_written_detected_walked_and_its_elf_files_read() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = sample();
        let expected = ElfInfo::parse(Path::new("/bin/ls")).unwrap();
        let zstd = Compression::Zstd {
            level: 3,
            threads: 1,
        };
        for format in Format::ALL {
            let w = AnyWriter::new(&pkg, format, WriteOptions::new(zstd)).unwrap();
            assert_eq!(w.format(), format);
            let mut bytes = Vec::new();
            w.write_to(&mut bytes).unwrap();
            let named = dir.path().join(w.file_name());
            std::fs::write(&named, &bytes).unwrap();
            let unnamed = dir.path().join(format!("{format}-no-telling-name"));
            std::fs::write(&unnamed, &bytes).unwrap();
            assert_eq!(Format::detect(&named).unwrap(), format);
            assert_eq!(Format::detect(&unnamed).unwrap(), format, "by content");

            let r = AnyReader::open(&named, format).unwrap();
            assert_eq!((r.format(), r.path()), (format, named.as_path()));
            let walk = |r: &AnyReader| {
                let mut seen = Vec::new();
                let c = r
                    .each_file(&mut |i, p, content| {
                        let mut n = Vec::new();
                        content.read_to_end(&mut n)?;
                        seen.push((i, p.to_string(), n.len()));
                        Ok(())
                    })
                    .unwrap();
                (c, seen)
            };
            let (c, files) = walk(&r);
            assert_eq!(c.name(), "zstd", "{format}");
            assert_eq!(walk(&r).1, files, "{format}: the same walk twice");
            let payload: Vec<(&str, usize)> = files
                .iter()
                .filter(|(_, p, _)| p.starts_with("/usr/"))
                .map(|(_, p, n)| (p.as_str(), *n))
                .collect();
            let mut sorted = payload.clone();
            sorted.sort();
            assert_eq!(
                sorted,
                [("/usr/bin/hello", 21), ("/usr/bin/ls", expected_len())],
                "{format}: regular files only, at their install paths"
            );

            let elves = r.elf_files().unwrap();
            assert_eq!(elves.compression.name(), "zstd");
            assert!(elves.unknown_machine.is_empty(), "{format}");
            let elves = elves.files;
            assert_eq!(elves.len(), 1, "{format}");
            assert_eq!(elves[0].path, "/usr/bin/ls");
            assert_eq!(elves[0].info.needed, expected.needed, "{format}");
            assert_eq!(
                elves[0].info.symbol_versions, expected.symbol_versions,
                "{format}"
            );
        }
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello\n").unwrap();
        assert!(matches!(
            Format::detect(&text),
            Err(Error::UnknownFormat { .. })
        ));
        assert!(matches!(
            Format::detect(&dir.path().join("missing.deb")),
            Err(Error::Io { .. })
        ));
    }

    fn expected_len() -> usize {
        std::fs::metadata("/bin/ls").unwrap().len() as usize
    }
}
