//! Hostile packages against `syspack inspect` and `syspack matrix --package`: each bomb class of
//! issue 16 regenerated here (small files that expand to gigabytes, or claim gigabyte-long
//! names), and the real binary must refuse it or analyse it within 256 MB of peak memory, exit
//! non-zero where the input is invalid, and print at most a few KB.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use syspack_distro::compress::{Compression, Encoder};

use crate::util::{assert_contains, Dir};

const GIB: u64 = 1 << 30;
/// The peak resident memory allowed, in KiB.
const MAX_RSS_KIB: u64 = 256 * 1024;
/// The most bytes of output allowed on each of stdout and stderr for a refused package.
const MAX_OUTPUT: usize = 4096;

fn zstd() -> Compression {
    Compression::Zstd {
        level: 1,
        threads: 1,
    }
}

/// A tar stream written by hand, so that it can say what no honest writer would.
struct Tar<W: Write> {
    w: W,
}

impl<W: Write> Tar<W> {
    fn header(&mut self, name: &[u8], kind: tar::EntryType, size: u64, link: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
        h.as_old_mut().linkname[..link.len().min(100)]
            .copy_from_slice(&link[..link.len().min(100)]);
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(0);
        h.set_cksum();
        self.w.write_all(h.as_bytes()).unwrap();
    }

    fn pad(&mut self, size: u64) {
        let pad = (512 - size % 512) % 512;
        self.w.write_all(&vec![0u8; pad as usize]).unwrap();
    }

    fn file(&mut self, name: &str, content: &[u8]) {
        self.header(
            name.as_bytes(),
            tar::EntryType::Regular,
            content.len() as u64,
            b"",
        );
        self.w.write_all(content).unwrap();
        self.pad(content.len() as u64);
    }

    /// An entry of `kind` whose content is `size` copies of `byte` (a bomb's body).
    fn repeated(&mut self, name: &str, kind: tar::EntryType, byte: u8, size: u64) {
        self.header(name.as_bytes(), kind, size, b"");
        let chunk = vec![byte; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64);
            self.w.write_all(&chunk[..n as usize]).unwrap();
            left -= n;
        }
        self.pad(size);
    }

    fn finish(mut self) -> W {
        self.w.write_all(&[0u8; 1024]).unwrap();
        self.w
    }
}

/// A zstd-compressed tar built by `build`.
fn compressed_tar(c: Compression, build: impl FnOnce(&mut Tar<Encoder<Vec<u8>>>)) -> Vec<u8> {
    let mut tar = Tar {
        w: Encoder::new(Vec::new(), c).unwrap(),
    };
    build(&mut tar);
    tar.finish().finish().unwrap()
}

/// An ar archive (a `.deb`) of `members`.
fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"!<arch>\n".to_vec();
    for (name, data) in members {
        let header = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            name,
            0,
            0,
            0,
            "100644",
            data.len()
        );
        assert_eq!(header.len(), 60);
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    out
}

const CONTROL: &str =
    "Package: bomb\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: T <t@example.org>\nDescription: bomb\n";

fn deb(control_tar: Vec<u8>, data_tar: Vec<u8>) -> Vec<u8> {
    ar(&[
        ("debian-binary", b"2.0\n"),
        ("control.tar.zst", &control_tar),
        ("data.tar.zst", &data_tar),
    ])
}

fn good_control() -> Vec<u8> {
    compressed_tar(zstd(), |t| t.file("./control", CONTROL.as_bytes()))
}

/// Runs syspack with `args` under GNU time; returns (exit code, stdout, stderr, peak RSS KiB).
fn measured(dir: &Dir, args: &[&str]) -> (i32, String, String, u64) {
    let rss = dir.join("rss");
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss)
        .arg(env!("CARGO_BIN_EXE_syspack"))
        .args(args)
        .current_dir(dir.path())
        .env("SYSPACK_FRAME_CACHE", "off")
        .output()
        .unwrap_or_else(|e| {
            panic!("/usr/bin/time cannot run ({e}); install it with `apt-get install -y time`")
        });
    let kib = std::fs::read_to_string(&rss)
        .unwrap()
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .parse()
        .expect("GNU time's %M");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        kib,
    )
}

/// `syspack inspect file` refuses the package with exit 1, quickly in memory and words.
#[track_caller]
fn refused(dir: &Dir, file: &Path, needles: &[&str]) {
    let (code, stdout, stderr, kib) = measured(dir, &["inspect", file.to_str().unwrap()]);
    assert_eq!(code, 1, "exit status\n{stderr}");
    assert!(kib < MAX_RSS_KIB, "peak RSS {kib} KiB\n{stderr}");
    assert!(
        stdout.len() < MAX_OUTPUT,
        "{} bytes on stdout",
        stdout.len()
    );
    assert!(
        stderr.len() < MAX_OUTPUT,
        "{} bytes on stderr: {}",
        stderr.len(),
        &stderr[..2000]
    );
    assert_contains(&stderr, needles);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn write(dir: &Dir, name: &str, bytes: &[u8]) -> PathBuf {
    dir.create(name, bytes)
}

#[test]
fn a_deb_whose_control_tar_expands_to_gigabytes() {
    let dir = Dir::new("bomb-control");
    let control = compressed_tar(zstd(), |t| {
        t.repeated("./control", tar::EntryType::Regular, b'x', 4 * GIB)
    });
    assert!(control.len() < 1 << 20, "{}", control.len());
    let data = compressed_tar(zstd(), |t| t.file("./x", b"x"));
    let f = write(&dir, "bomb_1.0-1_amd64.deb", &deb(control, data));
    refused(&dir, &f, &["metadata entry `control` is 4294967296 bytes"]);
}

#[test]
fn a_gnu_long_name_or_pax_record_of_a_gigabyte() {
    let dir = Dir::new("bomb-longname");
    let data = compressed_tar(zstd(), |t| {
        t.repeated("././@LongLink", tar::EntryType::GNULongName, b'a', GIB);
        t.file("short", b"x");
    });
    let f = write(&dir, "long_1.0-1_amd64.deb", &deb(good_control(), data));
    refused(&dir, &f, &["GNU long-name record of 1073741824 bytes"]);

    let pkg = compressed_tar(zstd(), |t| {
        t.file(".PKGINFO", b"pkgname = x\n");
        t.repeated("./PaxHeaders/x", tar::EntryType::XHeader, b'a', GIB);
        t.file("usr/x", b"x");
    });
    let f = write(&dir, "x-1-1-x86_64.pkg.tar.zst", &pkg);
    refused(&dir, &f, &["pax header record of 1073741824 bytes"]);
}

#[test]
fn arch_and_freebsd_metadata_of_a_gigabyte() {
    let dir = Dir::new("bomb-meta");
    let pkg = compressed_tar(zstd(), |t| {
        t.repeated(".PKGINFO", tar::EntryType::Regular, b'#', GIB)
    });
    let f = write(&dir, "x-1-1-x86_64.pkg.tar.zst", &pkg);
    refused(&dir, &f, &["metadata entry `.PKGINFO` is 1073741824 bytes"]);

    // A small `.MTREE` entry that decompresses to a gigabyte.
    let mut mtree = Encoder::new(Vec::new(), zstd()).unwrap();
    let chunk = vec![b'#'; 1 << 20];
    for _ in 0..1024 {
        mtree.write_all(&chunk).unwrap();
    }
    let mtree = mtree.finish().unwrap();
    let pkginfo = "pkgname = x\npkgbase = x\npkgver = 1-1\npkgdesc = x\nurl = https://example.org\nbuilddate = 0\npackager = T <t@example.org>\nsize = 1\narch = x86_64\nlicense = MIT\n";
    let pkg = compressed_tar(zstd(), |t| {
        t.file(".PKGINFO", pkginfo.as_bytes());
        t.file(".MTREE", &mtree);
    });
    let f = write(&dir, "y-1-1-x86_64.pkg.tar.zst", &pkg);
    refused(&dir, &f, &["`.MTREE` decompresses to more than"]);

    let pkg = compressed_tar(zstd(), |t| {
        t.repeated("+MANIFEST", tar::EntryType::Regular, b' ', GIB)
    });
    let f = write(&dir, "z-1.pkg", &pkg);
    refused(
        &dir,
        &f,
        &["metadata entry `+MANIFEST` is 1073741824 bytes"],
    );
}

#[test]
fn terminal_escapes_in_names_are_escaped_in_errors() {
    let dir = Dir::new("escapes");
    let data = compressed_tar(zstd(), |t| {
        t.file("./usr/\x1b]0;pwned\x07/../../etc/passwd", b"x")
    });
    let f = write(&dir, "esc_1.0-1_amd64.deb", &deb(good_control(), data));
    let (code, _, stderr, _) = measured(&dir, &["inspect", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert_contains(&stderr, &["\\x1b]0;pwned\\x07", "`..` component"]);
}

#[test]
fn matrix_reads_a_large_elf_in_bounded_memory() {
    let dir = Dir::new("bomb-elf");
    let elf = std::fs::read("/usr/bin/true")
        .expect("/usr/bin/true is missing; install it with `apt-get install -y coreutils`");
    let zeros = 320u64 << 20;
    let data = compressed_tar(zstd(), |t| {
        t.header(
            b"./usr/bin/big",
            tar::EntryType::Regular,
            elf.len() as u64 + zeros,
            b"",
        );
        t.w.write_all(&elf).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..(zeros >> 20) {
            t.w.write_all(&chunk).unwrap();
        }
        t.pad(elf.len() as u64 + zeros);
    });
    let f = write(&dir, "big_1.0-1_amd64.deb", &deb(good_control(), data));
    let (code, stdout, stderr, kib) = measured(
        &dir,
        &[
            "matrix",
            "--package",
            f.to_str().unwrap(),
            "--target",
            "debian-12",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(kib < MAX_RSS_KIB, "peak RSS {kib} KiB");
    // The real ELF is analysed (it needs glibc 2.34), not called "no ELF magic".
    assert_contains(&stdout, &["GLIBC_2.34"]);
}
