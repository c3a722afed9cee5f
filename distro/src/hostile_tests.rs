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

/// A tar stream written by hand, so that it can say what no writer of this crate would.
struct Tar(Vec<u8>);

impl Tar {
    fn entry(&mut self, name: &str, kind: tar::EntryType, link: &str, content: &[u8]) {
        let mut h = tar::Header::new_gnu();
        let n = name.as_bytes();
        h.as_old_mut().name[..n.len()].copy_from_slice(n);
        let l = link.as_bytes();
        h.as_old_mut().linkname[..l.len()].copy_from_slice(l);
        h.set_entry_type(kind);
        h.set_size(content.len() as u64);
        h.set_mode(0o755);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        self.0.extend_from_slice(h.as_bytes());
        self.0.extend_from_slice(content);
        self.0
            .resize(self.0.len() + (512 - content.len() % 512) % 512, 0);
    }

    fn zstd(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0u8; 1024]);
        let mut e = Encoder::new(Vec::new(), "zstd:3".parse().unwrap()).unwrap();
        e.write_all(&self.0).unwrap();
        e.finish().unwrap()
    }
}

fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, data) in members {
        let h = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            name,
            0,
            0,
            0,
            "100644",
            data.len()
        );
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

/// One shape of escape: named for messages, its entries (name, kind, link target), and the
/// words of which one must be in the refusal (so that the escape check refused it, not another).
type Shape = (
    &'static str,
    Vec<(&'static str, tar::EntryType, &'static str)>,
    &'static [&'static str],
);

fn shapes(prefix: &'static str) -> Vec<Shape> {
    use tar::EntryType::*;
    let p =
        |s: &'static str| -> &'static str { Box::leak(format!("{prefix}{s}").into_boxed_str()) };
    const HARD_LINK: &[&str] = &["hard link `"];
    const SPECIAL: &[&str] = &["device node", "unsupported tar type"];
    vec![
        (
            "dot-dot",
            vec![(p("usr/../../etc/cron.d/evil"), Regular, "")],
            &["`..` component"],
        ),
        (
            "through a symlink",
            vec![
                (p("usr/lnk"), Symlink, "/etc"),
                (p("usr/lnk/cron.d/evil"), Regular, ""),
            ],
            &["a symlink of the same package"],
        ),
        (
            "through a symlink listed later",
            vec![
                (p("usr/lnk/cron.d/evil"), Regular, ""),
                (p("usr/lnk"), Symlink, "../etc"),
            ],
            &["a symlink of the same package"],
        ),
        (
            "hard link to an absolute path",
            vec![(p("usr/pw"), Link, "/etc/passwd")],
            HARD_LINK,
        ),
        (
            "hard link outside",
            vec![(p("usr/pw"), Link, "../../etc/passwd")],
            HARD_LINK,
        ),
        (
            "hard link to nothing here",
            vec![(p("usr/pw"), Link, "etc/passwd")],
            HARD_LINK,
        ),
        (
            "hard link to a symlink of the package",
            vec![
                (p("usr/s"), Symlink, "/etc/passwd"),
                (p("usr/pw"), Link, p("usr/s")),
            ],
            &["not an earlier regular file"],
        ),
        (
            "hard link to a file listed later",
            vec![(p("usr/pw"), Link, p("usr/f")), (p("usr/f"), Regular, "")],
            &["not an earlier regular file"],
        ),
        ("character device", vec![(p("usr/mem"), Char, "")], SPECIAL),
        ("fifo", vec![(p("usr/fifo"), Fifo, "")], SPECIAL),
        (
            "duplicate",
            vec![(p("usr/a"), Regular, ""), (p("usr/a"), Regular, "")],
            &["appears twice"],
        ),
    ]
}

fn refused(what: &str, needles: &[&str], result: crate::Result<()>) {
    match result {
        Err(Error::Malformed { reason, .. }) => {
            eprintln!("{what}: {reason}");
            assert!(reason.len() < 2100, "{what}: {reason}");
            assert!(
                needles.iter().any(|n| reason.contains(n)),
                "{what}: refused, but not by the escape check (expected one of {needles:?}): {reason}"
            );
        }
        other => panic!("{what}: expected a malformed-package error, got {other:?}"),
    }
}

#[test]
fn every_path_escape_is_refused_by_the_tar_readers() {
    let dir = tempfile::tempdir().unwrap();
    let control = {
        let mut t = Tar(Vec::new());
        t.entry(
            "./control",
            tar::EntryType::Regular,
            "",
            b"Package: x\nVersion: 1-1\nArchitecture: amd64\n",
        );
        t.zstd()
    };
    let mut shapes_deb = shapes("./");
    shapes_deb.push((
        "absolute name",
        vec![("/etc/cron.d/evil", tar::EntryType::Regular, "")],
        &["absolute path"],
    ));
    for (what, entries, needles) in shapes_deb {
        let mut t = Tar(Vec::new());
        for (n, k, l) in &entries {
            t.entry(n, *k, l, b"");
        }
        let deb = ar(&[
            ("debian-binary", b"2.0\n"),
            ("control.tar.zst", &control),
            ("data.tar.zst", &t.zstd()),
        ]);
        let path = dir.path().join("x.deb");
        std::fs::write(&path, deb).unwrap();
        refused(&format!("deb: {what}"), needles, open(Fmt::Deb, &path));
    }
    let mut shapes_arch = shapes("");
    shapes_arch.push((
        "absolute name",
        vec![("/etc/cron.d/evil", tar::EntryType::Regular, "")],
        &["not a relative path"],
    ));
    for (what, entries, needles) in shapes_arch {
        let mut t = Tar(Vec::new());
        t.entry(".PKGINFO", tar::EntryType::Regular, "", b"pkgname = x\n");
        for (n, k, l) in &entries {
            t.entry(n, *k, l, b"");
        }
        let path = dir.path().join("x.pkg.tar.zst");
        std::fs::write(&path, t.zstd()).unwrap();
        refused(&format!("arch: {what}"), needles, open(Fmt::Arch, &path));
    }
    for (what, entries, needles) in shapes("/") {
        let mut t = Tar(Vec::new());
        t.entry("+MANIFEST", tar::EntryType::Regular, "", b"{}");
        for (n, k, l) in &entries {
            t.entry(n, *k, l, b"");
        }
        let path = dir.path().join("x.pkg");
        std::fs::write(&path, t.zstd()).unwrap();
        refused(
            &format!("freebsd: {what}"),
            needles,
            open(Fmt::FreeBsd, &path),
        );
    }
}

/// Rewrites an rpm's header with `edit`, keeping its header digests and sizes valid.
fn rpm_with_header(good: &[u8], path: &Path, edit: impl FnOnce(&mut rpm::header::Header)) {
    use rpm::tags;
    use sha2::Digest;
    let r = rpm::Reader::open(path).unwrap();
    let old = r.header().to_bytes();
    let start = good.windows(old.len()).position(|w| w == old).unwrap();
    let payload = &good[start + old.len()..];
    let mut h = r.header().clone();
    edit(&mut h);
    let header = h.to_bytes();
    let mut sig = r.signature().clone();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    sig.put(
        tags::SIG_SHA256,
        rpm::header::TagValue::String(hex(&sha2::Sha256::digest(&header))),
    );
    sig.put(
        tags::SIG_SHA1,
        rpm::header::TagValue::String(hex(&sha1::Sha1::digest(&header))),
    );
    let mut md5 = md5::Md5::new();
    md5.update(&header);
    md5.update(payload);
    sig.put(
        tags::SIG_MD5,
        rpm::header::TagValue::Bin(md5.finalize().to_vec()),
    );
    sig.put(
        tags::SIG_SIZE,
        rpm::header::TagValue::Int32(vec![(header.len() + payload.len()) as u32]),
    );
    let mut sig = sig.to_bytes();
    while !sig.len().is_multiple_of(8) {
        sig.push(0);
    }
    let mut out = good[..96].to_vec();
    out.extend_from_slice(&sig);
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    std::fs::write(path, out).unwrap();
}

/// Sets the header's file names to `paths` (as many as it lists).
fn set_paths(h: &mut rpm::header::Header, paths: &[String]) {
    use rpm::header::TagValue;
    use rpm::tags;
    let mut dirs: Vec<String> = Vec::new();
    let mut index = Vec::new();
    let mut base = Vec::new();
    for p in paths {
        let (d, b) = p.rsplit_once('/').map_or(("", p.as_str()), |(d, b)| (d, b));
        let d = format!("{d}/");
        let i = dirs.iter().position(|x| *x == d).unwrap_or_else(|| {
            dirs.push(d.clone());
            dirs.len() - 1
        });
        index.push(i as u32);
        base.push(b.to_string());
    }
    h.put(tags::DIRNAMES, TagValue::StringArray(dirs));
    h.put(tags::DIRINDEXES, TagValue::Int32(index));
    h.put(tags::BASENAMES, TagValue::StringArray(base));
}

#[test]
fn every_path_escape_is_refused_by_the_rpm_reader() {
    use rpm::header::TagValue;
    use rpm::tags;
    let dir = tempfile::tempdir().unwrap();
    let path = write(Fmt::Rpm, "gzip:6".parse().unwrap(), dir.path());
    let good = std::fs::read(&path).unwrap();
    let r = rpm::Reader::open(&path).unwrap();
    let paths: Vec<String> = r.entries().iter().map(|e| e.path.clone()).collect();
    let link = r
        .entries()
        .iter()
        .position(|e| e.kind == crate::EntryKind::Symlink)
        .unwrap();
    let file = r
        .entries()
        .iter()
        .position(|e| e.kind == crate::EntryKind::File)
        .unwrap();
    let with = |i: usize, p: &str| {
        let mut v = paths.clone();
        v[i] = p.to_string();
        v
    };
    type Edit<'a> = Box<dyn Fn(&mut rpm::header::Header) + 'a>;
    // Each case with what the refusal must say: the old reader refused them too, but only later,
    // because the payload no longer matched the header.
    let cases: Vec<(&str, Edit)> = vec![
        (
            "dot-dot: has a `..` component",
            Box::new(|h| set_paths(h, &with(file, "/usr/../etc/cron.d/evil"))),
        ),
        (
            "relative: is not a plain absolute path",
            Box::new(|h| set_paths(h, &with(file, "etc/cron.d/evil"))),
        ),
        (
            "through a symlink: a symlink of the same package",
            Box::new(|h| {
                let mut v = with(link, "/usr/lnk");
                v[file] = "/usr/lnk/cron.d/evil".into();
                set_paths(h, &v)
            }),
        ),
        (
            "device node: is a device node",
            Box::new(|h| {
                let mut modes = h.numbers(tags::FILEMODES);
                modes[file] = 0o020644; // S_IFCHR
                h.put(
                    tags::FILEMODES,
                    TagValue::Int16(modes.iter().map(|&m| m as u16).collect()),
                );
            }),
        ),
        (
            "symlink target larger than its size: they must agree",
            Box::new(|h| {
                let mut sizes = h.numbers(tags::FILESIZES);
                sizes[link] = 1 << 30;
                h.put(
                    tags::FILESIZES,
                    TagValue::Int32(sizes.iter().map(|&m| m as u32).collect()),
                );
            }),
        ),
    ];
    for (what, edit) in cases {
        std::fs::write(&path, &good).unwrap();
        rpm_with_header(&good, &path, |h| edit(h));
        let needle = what.split_once(": ").map_or(what, |(_, n)| n);
        match open(Fmt::Rpm, &path) {
            Err(Error::Malformed { reason, .. }) => {
                assert!(reason.contains(needle), "rpm: {what}: {reason}")
            }
            other => panic!("rpm: {what}: expected a malformed-package error, got {other:?}"),
        }
    }
}
