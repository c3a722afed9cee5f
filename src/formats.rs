//! Dispatch over the four formats of `syspack-distro`: one writer per staged package, one
//! reader per package file, and format detection for `syspack inspect`.

use std::fmt;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use syspack_distro::{arch, deb, freebsd, rpm, Compression, Format};

use crate::stage::Staged;

/// A writer of any format, validated up front. One exists per target for the length of a run,
/// so the size difference between the variants does not matter.
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
    /// Creates the writer for a staged package: every field, path and size is checked now, so
    /// nothing is written for a package that would fail.
    pub fn new(staged: &'a Staged, compression: Compression) -> Result<Self> {
        let pkg = &staged.package;
        let w = match staged.target.format {
            Format::Deb => AnyWriter::Deb(deb::Writer::new(pkg, &deb::Options { compression })?),
            Format::Rpm => AnyWriter::Rpm(rpm::Writer::new(
                pkg,
                &rpm::Options {
                    compression,
                    ..rpm::Options::default()
                },
            )?),
            Format::Arch => AnyWriter::Arch(arch::Writer::new(
                pkg,
                &arch::Options {
                    compression,
                    ..arch::Options::default()
                },
            )?),
            Format::FreeBsd => {
                let defaults = freebsd::Options::default();
                AnyWriter::FreeBsd(freebsd::Writer::new(
                    pkg,
                    &freebsd::Options {
                        compression,
                        os_major: staged.target.freebsd_major().unwrap_or(defaults.os_major),
                        prefix: staged.freebsd_prefix.clone(),
                        shlibs_required: staged.needed_sonames.clone(),
                        ..defaults
                    },
                )?)
            }
        };
        Ok(w)
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
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> syspack_distro::Result<()> {
        match self {
            AnyWriter::Deb(w) => w.write_to(out),
            AnyWriter::Rpm(w) => w.write_to(out),
            AnyWriter::Arch(w) => w.write_to(out),
            AnyWriter::FreeBsd(w) => w.write_to(out),
        }
    }
}

/// Finds a package file's format from its first bytes, else its name.
pub fn detect(path: &Path) -> Result<Format> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?
        .take(512)
        .read_to_end(&mut head)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if head.starts_with(b"!<arch>\n") {
        return Ok(Format::Deb);
    }
    if head.starts_with(&[0xed, 0xab, 0xee, 0xdb]) {
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
    let c = syspack_distro::compress::sniff(&head);
    if c != Compression::None || head.len() >= 262 {
        let f = std::fs::File::open(path)
            .with_context(|| format!("failed to open `{}`", path.display()))?;
        if let Ok(dec) = syspack_distro::compress::decoder(f, c) {
            let mut ar = tar::Archive::new(dec);
            if let Some(Ok(entry)) = ar.entries().ok().and_then(|mut e| e.next()) {
                let first = entry
                    .path()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if first.trim_start_matches("./") == ".PKGINFO" {
                    return Ok(Format::Arch);
                }
                if first.trim_start_matches('/') == "+COMPACT_MANIFEST" {
                    return Ok(Format::FreeBsd);
                }
            }
        }
    }
    bail!(
        "`{}` is not a package syspack recognises: expected a .deb (ar archive), an .rpm (lead magic \
         ed ab ee db), an Arch .pkg.tar.* or a FreeBSD .pkg",
        path.display()
    )
}

/// A package file opened with its format's reader (which verifies every checksum it carries).
pub struct Opened {
    /// The format.
    pub format: Format,
    summary: Box<dyn fmt::Display>,
}

impl fmt::Display for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.summary.fmt(f)
    }
}

/// Opens and verifies a package of a known format.
pub fn open(path: &Path, format: Format) -> syspack_distro::Result<Opened> {
    let summary: Box<dyn fmt::Display> = match format {
        Format::Deb => Box::new(deb::Reader::open(path)?),
        Format::Rpm => Box::new(rpm::Reader::open(path)?),
        Format::Arch => Box::new(arch::Reader::open(path)?),
        Format::FreeBsd => Box::new(freebsd::Reader::open(path)?),
    };
    Ok(Opened { format, summary })
}
