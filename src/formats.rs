//! Dispatch over the four formats of `syspack-distro`: one writer per staged package, one
//! reader per package file, and format detection for `syspack inspect`.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use syspack_distro::frames::SharedContent;
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
    ///
    /// `shared` lends digests read once for several packages, and the shared frames of large
    /// files where the format can splice them ([`syspack_distro::frames`]).
    pub fn new(
        staged: &'a Staged,
        compression: Compression,
        shared: Option<Arc<SharedContent>>,
    ) -> Result<Self> {
        let pkg = &staged.package;
        let w = match staged.target.format {
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
            Format::FreeBsd => {
                let defaults = freebsd::Options::default();
                AnyWriter::FreeBsd(freebsd::Writer::new(
                    pkg,
                    &freebsd::Options {
                        compression,
                        os_major: staged.target.freebsd_major().unwrap_or(defaults.os_major),
                        prefix: staged.freebsd_prefix.clone(),
                        shlibs_required: staged.needed_sonames.clone(),
                        shared,
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

/// A file taken out of a package's payload.
pub struct Extracted {
    /// Its install path (`/usr/bin/hello`).
    pub path: String,
    /// Its content.
    pub data: Vec<u8>,
}

/// The ELF files of a package (regular files starting with the ELF magic) and the compression of
/// its payload. The package is opened with its format's reader first, so every checksum it
/// carries is verified before anything is taken from it.
pub fn elf_files(path: &Path, format: Format) -> Result<(Compression, Vec<Extracted>)> {
    open(path, format).with_context(|| {
        format!(
            "`{}` failed verification as a {format} package",
            path.display()
        )
    })?;
    let io = |e: std::io::Error| {
        anyhow::Error::from(e).context(format!(
            "failed to read the payload of `{}`",
            path.display()
        ))
    };
    let mut file = std::io::BufReader::new(
        std::fs::File::open(path)
            .with_context(|| format!("failed to open `{}`", path.display()))?,
    );
    match format {
        Format::Deb => {
            let size = deb_data_member(&mut file).map_err(io)?;
            tar_elf_files((&mut file).take(size)).map_err(io)
        }
        Format::Rpm => {
            skip_rpm_headers(&mut file).map_err(io)?;
            let reader = rpm::Reader::open(path)?;
            cpio_elf_files(file, reader.entries()).map_err(io)
        }
        Format::Arch | Format::FreeBsd => tar_elf_files(file).map_err(io),
    }
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// Walks a `.deb`'s ar members up to `data.tar*`; returns its size, the reader left at its start.
fn deb_data_member(r: &mut impl Read) -> std::io::Result<u64> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    loop {
        let mut h = [0u8; 60];
        r.read_exact(&mut h)?;
        let name = String::from_utf8_lossy(&h[..16]).trim_end().to_string();
        let size: u64 = String::from_utf8_lossy(&h[48..58])
            .trim()
            .parse()
            .map_err(|_| invalid(format!("bad ar size for member `{name}`")))?;
        if name.trim_end_matches('/').starts_with("data.tar") {
            return Ok(size);
        }
        std::io::copy(&mut r.take(size + size % 2), &mut std::io::sink())?;
    }
}

/// Skips an rpm's lead, signature header (with its padding) and header.
fn skip_rpm_headers(r: &mut impl Read) -> std::io::Result<()> {
    std::io::copy(
        &mut r.take(rpm::lead::LEAD_SIZE as u64),
        &mut std::io::sink(),
    )?;
    for pad_to_8 in [true, false] {
        let mut intro = [0u8; 16];
        r.read_exact(&mut intro)?;
        let (_, _, total) = rpm::header::Header::parse_intro(&intro).map_err(invalid)?;
        let pad = if pad_to_8 { (8 - total % 8) % 8 } else { 0 };
        std::io::copy(&mut r.take((total - 16 + pad) as u64), &mut std::io::sink())?;
    }
    Ok(())
}

/// A decoder for a compressed stream, recognised by its first bytes.
fn sniffed<'a>(r: impl Read + 'a) -> std::io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut r = std::io::BufReader::new(r);
    let head = std::io::BufRead::fill_buf(&mut r)?.to_vec();
    let c = syspack_distro::compress::sniff(&head);
    Ok((c, syspack_distro::compress::decoder(r, c)?))
}

/// Reads the rest of an entry if it starts with the ELF magic.
fn read_if_elf(mut entry: impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    (&mut entry).take(4).read_to_end(&mut data)?;
    if data != b"\x7fELF" {
        return Ok(None);
    }
    entry.read_to_end(&mut data)?;
    Ok(Some(data))
}

fn tar_elf_files(r: impl Read) -> std::io::Result<(Compression, Vec<Extracted>)> {
    let (c, dec) = sniffed(r)?;
    let mut out = Vec::new();
    let mut ar = tar::Archive::new(dec);
    for entry in ar.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path()?.to_string_lossy().into_owned();
        let path = format!("/{}", path.trim_start_matches("./").trim_start_matches('/'));
        if let Some(data) = read_if_elf(entry)? {
            out.push(Extracted { path, data });
        }
    }
    Ok((c, out))
}

fn cpio_elf_files(
    r: impl Read,
    entries: &[rpm::ReadEntry],
) -> std::io::Result<(Compression, Vec<Extracted>)> {
    use rpm::cpio::{CpioEntry, CpioReader};
    let (c, dec) = sniffed(r)?;
    let mut cpio = CpioReader::new(dec);
    let mut out = Vec::new();
    loop {
        let (path, size) = match cpio.next_entry()? {
            CpioEntry::Trailer => break,
            CpioEntry::Newc(h) => {
                let regular = h.mode & 0o170000 == 0o100000;
                (regular.then(|| h.name.clone()), u64::from(h.size))
            }
            CpioEntry::Stripped(fx) => {
                let e = entries.get(fx as usize).ok_or_else(|| {
                    invalid(format!(
                        "payload entry names file #{fx}, which the header lacks"
                    ))
                })?;
                let regular = e.kind == rpm::EntryKind::File;
                (regular.then(|| e.path.clone()), e.size)
            }
        };
        let Some(p) = path else {
            cpio.read_content(size, &mut std::io::sink())?;
            continue;
        };
        let mut data = Vec::new();
        cpio.read_content(size, &mut data)?;
        if data.starts_with(b"\x7fELF") {
            let p = format!("/{}", p.trim_start_matches("./").trim_start_matches('/'));
            out.push(Extracted { path: p, data });
        }
    }
    Ok((c, out))
}
