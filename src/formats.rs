//! Dispatch over the four formats of `syspack-distro`: one writer per staged package, one
//! reader per package file, and format detection for `syspack inspect`.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use syspack_distro::elf::{ElfInfo, ElfPlan, ElfScan};
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

/// An ELF file of a package's payload, analysed.
pub struct Extracted {
    /// Its install path (`/usr/bin/hello`).
    pub path: String,
    /// What it needs.
    pub info: ElfInfo,
}

/// The ELF files of a package (regular files starting with the ELF magic), analysed, and the
/// compression of its payload. The package is opened with its format's reader first, so every
/// checksum it carries is verified (and every size bounded) before anything is taken from it.
///
/// The payload is streamed twice and no file is held whole: the first pass finds each ELF
/// file's header tables, the second keeps the few sections the analysis reads
/// ([`syspack_distro::elf::ElfScan`]).
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
    let rpm_entries = match format {
        Format::Rpm => rpm::Reader::open(path)?.entries().to_vec(),
        _ => Vec::new(),
    };
    let payload = || -> Result<Box<dyn Read>> {
        let mut file = std::io::BufReader::new(
            std::fs::File::open(path)
                .with_context(|| format!("failed to open `{}`", path.display()))?,
        );
        Ok(match format {
            Format::Deb => {
                let size = deb_data_member(&mut file).map_err(io)?;
                Box::new(file.take(size))
            }
            Format::Rpm => {
                skip_rpm_headers(&mut file).map_err(io)?;
                Box::new(file)
            }
            Format::Arch | Format::FreeBsd => Box::new(file),
        })
    };
    let shown = |p: &str| PathBuf::from(format!("{}:{p}", path.display()));
    let mut plans: Vec<(usize, String, ElfPlan)> = Vec::new();
    let compression = each_file(payload()?, &rpm_entries, &mut |i, p, content| {
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
            plans.push((i, p.to_string(), plan));
        }
        Ok(())
    })
    .map_err(io)?;
    let mut out = Vec::new();
    let mut next = plans.into_iter().peekable();
    each_file(payload()?, &rpm_entries, &mut |i, _, content| {
        if next.peek().is_some_and(|(at, _, _)| *at == i) {
            let (_, p, plan) = next.next().expect("peeked");
            let mut collect = plan.collector();
            std::io::copy(content, &mut collect)?;
            let info = collect.finish().map_err(std::io::Error::other)?;
            out.push(Extracted { path: p, info });
        }
        Ok(())
    })
    .map_err(io)?;
    Ok((compression, out))
}

/// Calls `f` with the index, install path and content of each regular file of a payload (a tar
/// stream, or an rpm's cpio stream described by `rpm_entries`).
fn each_file(
    r: impl Read,
    rpm_entries: &[rpm::ReadEntry],
    f: &mut dyn FnMut(usize, &str, &mut dyn Read) -> std::io::Result<()>,
) -> std::io::Result<Compression> {
    let (c, dec) = sniffed(r)?;
    if rpm_entries.is_empty() {
        let mut ar = tar::Archive::new(dec);
        for (i, entry) in ar.entries()?.enumerate() {
            let mut entry = entry?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path()?.to_string_lossy().into_owned();
            let path = format!("/{}", path.trim_start_matches("./").trim_start_matches('/'));
            f(i, &path, &mut entry)?;
        }
        return Ok(c);
    }
    use rpm::cpio::{CpioEntry, CpioReader};
    let mut cpio = CpioReader::new(dec);
    let mut i = 0;
    loop {
        i += 1;
        let (path, size) = match cpio.next_entry()? {
            CpioEntry::Trailer => break,
            CpioEntry::Newc(h) => {
                let regular = h.mode & 0o170000 == 0o100000;
                (regular.then(|| h.name.clone()), u64::from(h.size))
            }
            CpioEntry::Stripped(fx) => {
                let e = rpm_entries.get(fx as usize).ok_or_else(|| {
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
        let p = format!("/{}", p.trim_start_matches("./").trim_start_matches('/'));
        let mut reader = ChunkReader {
            cpio: &mut cpio,
            left: size,
        };
        f(i, &p, &mut reader)?;
        std::io::copy(&mut reader, &mut std::io::sink())?;
    }
    Ok(c)
}

/// Reads `left` bytes of cpio content.
struct ChunkReader<'a, R: Read> {
    cpio: &'a mut rpm::cpio::CpioReader<R>,
    left: u64,
}

impl<R: Read> Read for ChunkReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        self.cpio.read_content(n as u64, &mut &mut buf[..n])?;
        self.left -= n as u64;
        Ok(n)
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
