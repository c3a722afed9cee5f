//! Hostile input against every package reader (issue 16): a flipped byte anywhere in a compressed
//! member, every path-escape shape, bombs and over-long names. The packages are written by the
//! crate's own writers and then damaged, or built by hand where no writer would produce them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::compress::{Compression, Encoder};
use crate::package::{Arch, InstallPath, Metadata, Package, SourceDate};
use crate::{arch, deb, freebsd, rpm, Error};

fn sample(prefix: &str) -> Package {
    let mut meta = Metadata::new("hostile", "1.0.0", Arch::X86_64);
    meta.summary = "a sample".into();
    meta.maintainer = "Tests <tests@syspack.invalid>".into();
    meta.license = "MIT".into();
    let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
    let p = |s: &str| InstallPath::new(&format!("{prefix}{s}")).unwrap();
    pkg.add_bytes(
        p("/bin/hello"),
        b"#!/bin/sh\necho hello\n".repeat(40),
        0o755,
    )
    .unwrap();
    pkg.add_bytes(
        p("/share/hello/data"),
        (0..3000u32)
            .flat_map(|i| i.to_le_bytes())
            .collect::<Vec<u8>>(),
        0o644,
    )
    .unwrap();
    pkg.add_symlink(p("/bin/hi"), "hello").unwrap();
    pkg
}

#[derive(Clone, Copy, Debug)]
enum Fmt {
    Deb,
    Rpm,
    Arch,
    FreeBsd,
}

fn write(fmt: Fmt, c: Compression, dir: &Path) -> PathBuf {
    let mut out = Vec::new();
    let name = match fmt {
        Fmt::Deb => {
            let pkg = sample("/usr");
            let w = deb::Writer::new(
                &pkg,
                &deb::Options {
                    compression: c,
                    shared: None,
                },
            )
            .unwrap();
            w.write_to(&mut out).unwrap();
            "x.deb"
        }
        Fmt::Rpm => {
            let pkg = sample("/usr");
            let w = rpm::Writer::new(
                &pkg,
                &rpm::Options {
                    compression: c,
                    ..rpm::Options::default()
                },
            )
            .unwrap();
            w.write_to(&mut out).unwrap();
            "x.rpm"
        }
        Fmt::Arch => {
            let pkg = sample("/usr");
            let w = arch::Writer::new(
                &pkg,
                &arch::Options {
                    compression: c,
                    ..arch::Options::default()
                },
            )
            .unwrap();
            w.write_to(&mut out).unwrap();
            "x.pkg.tar"
        }
        Fmt::FreeBsd => {
            let pkg = sample("/usr/local");
            let w = freebsd::Writer::new(
                &pkg,
                &freebsd::Options {
                    compression: c,
                    ..freebsd::Options::default()
                },
            )
            .unwrap();
            w.write_to(&mut out).unwrap();
            "x.pkg"
        }
    };
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn open(fmt: Fmt, path: &Path) -> crate::Result<()> {
    match fmt {
        Fmt::Deb => deb::Reader::open(path).map(drop),
        Fmt::Rpm => rpm::Reader::open(path).map(drop),
        Fmt::Arch => arch::Reader::open(path).map(drop),
        Fmt::FreeBsd => freebsd::Reader::open(path).map(drop),
    }
}

/// The byte ranges of the compressed members of a package file.
fn members(fmt: Fmt, bytes: &[u8]) -> Vec<(usize, usize)> {
    match fmt {
        Fmt::Arch | Fmt::FreeBsd => vec![(0, bytes.len())],
        Fmt::Deb => {
            let mut out = Vec::new();
            let mut at = 8;
            while at + 60 <= bytes.len() {
                let name = String::from_utf8_lossy(&bytes[at..at + 16])
                    .trim()
                    .to_string();
                let size: usize = String::from_utf8_lossy(&bytes[at + 48..at + 58])
                    .trim()
                    .parse()
                    .unwrap();
                if name.starts_with("control.tar") || name.starts_with("data.tar") {
                    out.push((at + 60, at + 60 + size));
                }
                at += 60 + size + size % 2;
            }
            out
        }
        Fmt::Rpm => {
            let mut at = 96;
            for pad in [true, false] {
                let (_, _, total) = rpm::header::Header::parse_intro(&bytes[at..at + 16]).unwrap();
                at += total;
                if pad {
                    at += (8 - total % 8) % 8;
                }
            }
            vec![(at, bytes.len())]
        }
    }
}

/// The decompressed content of a member, or `None` when it does not decompress.
fn inflate(member: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    crate::compress::decoder(member, crate::compress::sniff(member))
        .ok()?
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

#[test]
fn a_flipped_byte_in_any_compressed_member_is_rejected_by_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut accepted = Vec::new();
    for fmt in [Fmt::Deb, Fmt::Rpm, Fmt::Arch, Fmt::FreeBsd] {
        for c in ["gzip:6", "xz:1", "zstd:3", "bzip2:9"] {
            let c: Compression = c.parse().unwrap();
            if matches!(fmt, Fmt::Deb) && matches!(c, Compression::Bzip2 { .. }) {
                continue; // dpkg reads no bzip2 control member; the writer refuses it
            }
            let path = write(fmt, c, dir.path());
            let good = std::fs::read(&path).unwrap();
            open(fmt, &path).unwrap_or_else(|e| panic!("{fmt:?} {c}: {e}"));
            for (start, end) in members(fmt, &good) {
                let plain = inflate(&good[start..end]).expect("the good member decompresses");
                // Every byte of the first and last 64 (headers, trailers, checksums, index),
                // every 29th in between: a sample that keeps the test fast.
                let len = end - start;
                let picked = (0..len).filter(|i| *i < 64 || len - i <= 64 || i % 29 == 0);
                for i in picked {
                    let mut bad = good.clone();
                    bad[start + i] ^= 0x01;
                    std::fs::write(&path, &bad).unwrap();
                    if open(fmt, &path).is_err() {
                        continue;
                    }
                    // Accepted: only right if the flip changed nothing the stream carries
                    // (gzip's FTEXT flag, a zstd window larger than needed, padding bits, an
                    // unused code) — what `gzip -t`, `zstd -t` and `bzip2 -t` accept too.
                    if inflate(&bad[start..end]).as_ref() != Some(&plain) {
                        accepted.push(format!("{fmt:?} {c}: byte {i} of the member at {start}"));
                    }
                }
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "{} flips accepted:\n{}",
        accepted.len(),
        accepted.join("\n")
    );
}
