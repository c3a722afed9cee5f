//! FreeBSD packages: bsdtar reads them (metadata first, absolute paths, JSON manifests), our
//! reader — the only validator available here, FreeBSD's `pkg` cannot be installed on these
//! machines — accepts them, and rejects a package broken in each way it checks. Broken packages
//! are made from a good one by rewriting its tar stream.
//!
//! Needs `libarchive-tools` (bsdtar); ci/run installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{run, sample_package, sample_pair, scratch, with_tz, DATE};
use syspack_distro::compress::Encoder;
use syspack_distro::freebsd::{EntryKind, Options, Reader, Writer};
use syspack_distro::output::write_atomically;
use syspack_distro::tarball::{TarFlavor, TarWriter};
use syspack_distro::{Arch, Compression, Error, InstallPath, Metadata, Owner, Package, SourceDate};

const BSDTAR: &str = "apt-get install libarchive-tools";

/// The sample package staged the way the CLI stages FreeBSD targets: under `/usr/local`.
fn freebsd_sample(dir: &Path) -> Package {
    let staged = sample_package(dir);
    let mut pkg = Package::new(staged.metadata.clone(), staged.source_date);
    pkg.scripts = staged.scripts.clone();
    for (path, entry) in staged.entries() {
        let dest = InstallPath::new(&format!("/usr/local{}", path.absolute())).unwrap();
        match entry {
            syspack_distro::Entry::File(f) => {
                let conffile = f.conffile;
                pkg.add_bytes(dest.clone(), f.read_all().unwrap(), f.mode)
                    .unwrap();
                if conffile {
                    pkg.mark_conffile(&dest).unwrap();
                }
            }
            syspack_distro::Entry::Dir(d) => pkg.add_dir(dest, d.mode).unwrap(),
            syspack_distro::Entry::Symlink(s) => {
                let target = if s.target.starts_with('/') {
                    format!("/usr/local{}", s.target)
                } else {
                    s.target.clone()
                };
                pkg.add_symlink(dest, &target).unwrap()
            }
        }
    }
    pkg
}

fn write(pkg: &Package, opts: &Options, dir: &Path) -> PathBuf {
    let w = Writer::new(pkg, opts).unwrap();
    write_atomically(dir, &w.file_name(), |out| w.write_to(out)).unwrap()
}

#[test]
fn bsdtar_lists_metadata_first_and_absolute_paths() {
    let dir = scratch();
    let pkg = freebsd_sample(&dir.path().join("assets"));
    let path = write(&pkg, &Options::default(), dir.path());
    assert_eq!(path.file_name().unwrap(), "syspack-sample-1.2.3.pkg");
    let listing = run(
        Command::new("bsdtar")
            .env("TZ", "UTC")
            .arg("-tvf")
            .arg(&path),
        BSDTAR,
    );
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().nth(8).unwrap())
        .collect();
    assert_eq!(names[..2], ["+COMPACT_MANIFEST", "+MANIFEST"], "{listing}");
    assert!(
        names[2..].iter().all(|n| n.starts_with("/usr/local/")),
        "{listing}"
    );
    // Files and symlinks in sorted (manifest) order, then the declared directory.
    assert_eq!(
        names.last(),
        Some(&"/usr/local/var/lib/syspack-sample/"),
        "{listing}"
    );
    let files = &names[2..names.len() - 1];
    assert!(files.windows(2).all(|w| w[0] < w[1]), "{listing}");
    assert_eq!(files.len(), 6, "{listing}");
    assert!(
        listing.lines().all(|l| l.contains(" root   wheel ")),
        "root:wheel owners:\n{listing}"
    );
    assert!(
        listing.contains("/usr/local/usr/bin/hello-sample -> syspack-sample"),
        "{listing}"
    );
}

#[test]
fn the_manifest_is_compact_json_with_pkg_keys() {
    let dir = scratch();
    let pkg = freebsd_sample(&dir.path().join("assets"));
    let path = write(&pkg, &Options::default(), dir.path());
    let text = run(
        Command::new("bsdtar")
            .arg("-xOf")
            .arg(&path)
            .arg("+MANIFEST"),
        BSDTAR,
    );
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "name",
        "origin",
        "version",
        "comment",
        "maintainer",
        "www",
        "abi",
        "arch",
        "prefix",
        "flatsize",
        "licenselogic",
        "licenses",
        "desc",
        "deps",
        "categories",
        "conflicts",
        "files",
        "config",
        "directories",
        "scripts",
    ] {
        assert!(keys.contains(&k), "`{k}` missing from {keys:?}");
    }
    assert_eq!(v["abi"], "FreeBSD:14:amd64");
    assert_eq!(v["arch"], "freebsd:14:x86:64");
    assert_eq!(v["origin"], "sysutils/syspack-sample");
    assert_eq!(v["flatsize"], 300_058);
    let sum = v["files"]["/usr/local/usr/bin/syspack-sample"]
        .as_str()
        .unwrap();
    assert!(sum.starts_with("1$") && sum.len() == 66, "{sum}");
    assert_eq!(v["directories"]["/usr/local/var/lib/syspack-sample"], "y");
    assert!(v["scripts"]["post-install"]
        .as_str()
        .unwrap()
        .contains("post-install ran"));
    assert_eq!(v["config"][0], "/usr/local/etc/syspack-sample/hello.conf");
    let compact = run(
        Command::new("bsdtar")
            .arg("-xOf")
            .arg(&path)
            .arg("+COMPACT_MANIFEST"),
        BSDTAR,
    );
    let c: serde_json::Value = serde_json::from_str(&compact).unwrap();
    assert!(
        c.get("files").is_none() && c.get("scripts").is_none() && c["name"] == v["name"],
        "{compact}"
    );
    assert!(
        !text.contains('\n') && !text.contains(": "),
        "compact JSON on one line: {text}"
    );
}

#[test]
fn our_reader_validates_each_compression() {
    for (c, magic) in [
        ("zstd", &[0x28u8, 0xb5, 0x2f, 0xfd][..]),
        ("xz", &[0xfd, b'7', b'z', b'X'][..]),
    ] {
        let dir = scratch();
        let pkg = freebsd_sample(&dir.path().join("assets"));
        let opts = Options {
            compression: c.parse().unwrap(),
            ..Options::default()
        };
        let path = write(&pkg, &opts, dir.path());
        assert!(std::fs::read(&path).unwrap().starts_with(magic), "{c}");
        let r = Reader::open(&path).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(r.entries().len(), 7);
        assert_eq!(r.metadata().name, "syspack-sample");
    }
}

/// One tar entry of a package being rewritten.
#[derive(Clone)]
struct Item {
    name: String,
    data: Vec<u8>,
    kind: tar::EntryType,
    mode: u32,
    link: Option<String>,
}

/// Writes a good package, lets `edit` change its entries, and writes them back (zstd).
fn broken(edit: impl FnOnce(&mut Vec<Item>)) -> (tempfile::TempDir, PathBuf) {
    let dir = scratch();
    let pkg = freebsd_sample(&dir.path().join("assets"));
    let good = write(
        &pkg,
        &Options {
            compression: Compression::None,
            ..Options::default()
        },
        dir.path(),
    );
    let mut items = Vec::new();
    let mut ar = tar::Archive::new(std::fs::File::open(&good).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let mut data = Vec::new();
        let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
        let kind = e.header().entry_type();
        let mode = e.header().mode().unwrap();
        let link = e
            .link_name_bytes()
            .map(|l| String::from_utf8(l.into_owned()).unwrap());
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        items.push(Item {
            name,
            data,
            kind,
            mode,
            link,
        });
    }
    edit(&mut items);
    let out = dir.path().join("broken.pkg");
    let file = std::fs::File::create(&out).unwrap();
    let enc = Encoder::new(
        file,
        Compression::Zstd {
            level: 3,
            threads: 1,
        },
    )
    .unwrap();
    let wheel = Owner {
        user: "root".into(),
        group: "wheel".into(),
    };
    let mut tar = TarWriter::new(enc, TarFlavor::Pax, DATE);
    for i in &items {
        match i.kind {
            tar::EntryType::Directory => tar.append_dir(&i.name, i.mode, &wheel).unwrap(),
            tar::EntryType::Symlink => tar
                .append_symlink(&i.name, i.link.as_deref().unwrap(), &wheel)
                .unwrap(),
            _ => tar
                .append_file(&i.name, i.data.len() as u64, i.mode, &wheel, &i.data[..])
                .unwrap(),
        }
    }
    tar.finish().unwrap().finish().unwrap();
    (dir, out)
}

/// Edits both manifests as JSON values.
fn edit_manifests(items: &mut [Item], edit: impl Fn(&mut serde_json::Value)) {
    for i in items.iter_mut().filter(|i| i.name.starts_with('+')) {
        let mut v: serde_json::Value = serde_json::from_slice(&i.data).unwrap();
        edit(&mut v);
        i.data = serde_json::to_vec(&v).unwrap();
    }
}

fn fails(edit: impl FnOnce(&mut Vec<Item>)) -> Error {
    let (_dir, path) = broken(edit);
    Reader::open(&path).expect_err("the reader accepted a broken package")
}

fn fails_with(edit: impl FnOnce(&mut Vec<Item>), needle: &str) {
    let err = fails(edit).to_string();
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
}

const BIN: &str = "/usr/local/usr/bin/syspack-sample";

#[test]
fn an_unchanged_rewrite_is_accepted() {
    let (_dir, path) = broken(|_| {});
    Reader::open(&path).unwrap();
}

/// A file with a second name, as `pkg create` packs it: libarchive's link resolver
/// (libpkg/packing.c) stores the second name as a tar hard link to the first, the manifest lists
/// both names with the content's sum, and `flatsize` counts the content once
/// (`check_for_hardlink`, libpkg/pkg_create.c). pkg cannot run here, so bsdtar — the same
/// libarchive — packs the tree, in the package's own order.
#[test]
fn a_hard_link_as_pkg_packs_it_is_read_with_its_files_digest() {
    let dir = scratch();
    let pkg = freebsd_sample(&dir.path().join("assets"));
    let good = write(&pkg, &Options::default(), dir.path());
    let names = run(Command::new("bsdtar").arg("-tf").arg(&good), BSDTAR);
    let stage = dir.path().join("stage");
    std::fs::create_dir(&stage).unwrap();
    run(
        Command::new("bsdtar")
            .arg("-xpf")
            .arg(&good)
            .arg("-C")
            .arg(&stage),
        BSDTAR,
    );
    let second = format!("{BIN}2");
    std::fs::hard_link(stage.join(&BIN[1..]), stage.join(&second[1..])).unwrap();
    let full = stage.join("+MANIFEST");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap();
    let listed = manifest["files"][BIN].clone();
    assert!(!listed.is_null(), "{manifest}");
    manifest["files"][&second] = listed;
    std::fs::write(&full, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let mut list: Vec<&str> = names.lines().map(|n| n.trim_start_matches('/')).collect();
    let at = list.iter().position(|n| *n == &BIN[1..]).unwrap();
    list.insert(at + 1, &second[1..]);
    std::fs::write(dir.path().join("list"), list.join("\n") + "\n").unwrap();
    let out = dir.path().join("hard.pkg");
    run(
        Command::new("bsdtar")
            .args([
                "-c",
                "--zstd",
                "--format=pax",
                "-n",
                "-P",
                "-s",
                ",^usr/,/usr/,",
            ])
            .arg("-f")
            .arg(&out)
            .arg("-C")
            .arg(&stage)
            .arg("-T")
            .arg(dir.path().join("list")),
        BSDTAR,
    );
    let listing = run(Command::new("bsdtar").arg("-tvf").arg(&out), BSDTAR);
    assert!(
        listing.contains(&format!("{second} link to {BIN}")),
        "bsdtar did not store a hard link:\n{listing}"
    );
    let r = Reader::open(&out).unwrap_or_else(|e| panic!("{e}\n{listing}"));
    let entry = |p: &str| r.entries().iter().find(|e| e.path == p).unwrap().clone();
    let (file, link) = (entry(BIN), entry(&second));
    assert_eq!(
        (file.kind, link.kind),
        (EntryKind::File, EntryKind::Hardlink)
    );
    assert_eq!(link.link_target.as_deref(), Some(BIN));
    assert_eq!((link.size, &link.digest), (file.size, &file.digest));
    assert_eq!(
        r.metadata().flatsize,
        Reader::open(&good).unwrap().metadata().flatsize
    );
}

#[test]
fn rejects_manifests_that_are_not_first() {
    fails_with(
        |items| items.rotate_left(2),
        "no manifest found before the first file",
    );
    fails_with(
        |items| {
            let full = items.remove(1);
            items.push(full);
        },
        "metadata entry `+MANIFEST` comes after file entries",
    );
    fails_with(
        |items| items.retain(|i| i.name != "+MANIFEST"),
        "no `+MANIFEST`",
    );
}

#[test]
fn rejects_relative_paths() {
    fails_with(
        |items| items.iter_mut().find(|i| i.name == BIN).unwrap().name = BIN[1..].to_string(),
        "is a relative path",
    );
}

#[test]
fn rejects_a_wrong_sum() {
    let err = fails(|items| {
        let f = items.iter_mut().find(|i| i.name == BIN).unwrap();
        f.data = f.data.iter().map(|b| b.to_ascii_uppercase()).collect(); // same size, other bytes
    });
    assert!(
        matches!(&err, Error::ChecksumMismatch { entry, .. } if entry == BIN),
        "{err}"
    );
    // A symlink's sum covers its target.
    let err = fails(|items| {
        let l = items
            .iter_mut()
            .find(|i| i.name.ends_with("/hello-sample"))
            .unwrap();
        l.link = Some("elsewhere".into());
    });
    assert!(
        matches!(&err, Error::ChecksumMismatch { entry, actual, .. } if entry.ends_with("hello-sample") && actual.contains("link target")),
        "{err}"
    );
}

#[test]
fn rejects_an_unsupported_checksum_type() {
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                if let Some(f) = v.get_mut("files") {
                    f[BIN] = serde_json::Value::String(format!("2${}", "a".repeat(52)));
                }
            })
        },
        "checksum of type 2 (blake2b base32",
    );
}

#[test]
fn rejects_a_wrong_flatsize() {
    fails_with(
        |items| edit_manifests(items, |v| v["flatsize"] = (300_058 + 1).into()),
        "flatsize is 300059 in the manifest but the regular files add up to 300058 bytes",
    );
}

#[test]
fn rejects_bad_abi_strings() {
    fails_with(
        |items| edit_manifests(items, |v| v["abi"] = "FreeBSD:14".into()),
        "invalid abi",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["abi"] = "Linux:14:amd64".into()),
        "expected `FreeBSD`",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["abi"] = "FreeBSD:14:vax".into()),
        "unknown architecture `vax`",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["abi"] = "FreeBSD:14:aarch64".into()),
        "`arch` is `freebsd:14:x86:64` but the abi `FreeBSD:14:aarch64` means `freebsd:14:aarch64:64`",
    );
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                v.as_object_mut().unwrap().remove("abi");
            })
        },
        "has no `abi`",
    );
}

#[test]
fn rejects_bad_versions_and_origins() {
    fails_with(
        |items| edit_manifests(items, |v| v["version"] = "1.2-3".into()),
        "invalid version",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["version"] = "1.2.3_x".into()),
        "port revision",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["origin"] = "syspack-sample".into()),
        "category/portname",
    );
}

#[test]
fn rejects_missing_and_unlisted_files() {
    fails_with(
        |items| items.retain(|i| i.name != BIN),
        &format!("`{BIN}` is listed in the manifest but missing"),
    );
    fails_with(
        |items| items.retain(|i| i.kind != tar::EntryType::Directory),
        "`/usr/local/var/lib/syspack-sample` is listed in the manifest but missing",
    );
    fails_with(
        |items| {
            items.push(Item {
                name: "/usr/local/bin/extra".into(),
                data: b"x".to_vec(),
                kind: tar::EntryType::Regular,
                mode: 0o644,
                link: None,
            })
        },
        "`/usr/local/bin/extra` is in the archive but not specified in the manifest",
    );
    fails_with(
        |items| {
            items.push(Item {
                name: "/usr/local/share/undeclared/".into(),
                data: Vec::new(),
                kind: tar::EntryType::Directory,
                mode: 0o755,
                link: None,
            })
        },
        "directory `/usr/local/share/undeclared` is in the archive but not specified",
    );
    fails_with(
        |items| {
            let dup = items.iter().find(|i| i.name == BIN).unwrap().clone();
            items.push(dup);
        },
        "appears twice",
    );
}

#[test]
fn rejects_a_compact_manifest_that_disagrees() {
    fails_with(
        |items| {
            let c = items
                .iter_mut()
                .find(|i| i.name == "+COMPACT_MANIFEST")
                .unwrap();
            let mut v: serde_json::Value = serde_json::from_slice(&c.data).unwrap();
            v["comment"] = "something else".into();
            c.data = serde_json::to_vec(&v).unwrap();
        },
        "`+COMPACT_MANIFEST` disagrees with `+MANIFEST`: `comment`",
    );
    fails_with(
        |items| {
            let full = items
                .iter()
                .find(|i| i.name == "+MANIFEST")
                .unwrap()
                .data
                .clone();
            items
                .iter_mut()
                .find(|i| i.name == "+COMPACT_MANIFEST")
                .unwrap()
                .data = full;
        },
        "`+COMPACT_MANIFEST` lists files",
    );
    fails_with(
        |items| {
            items
                .iter_mut()
                .find(|i| i.name == "+MANIFEST")
                .unwrap()
                .data = b"{not json".to_vec()
        },
        "`+MANIFEST`: invalid pkg manifest",
    );
}

#[test]
fn identical_bytes_from_other_directories_modes_and_time_zones() {
    let ((a, pa), (b, pb)) = sample_pair();
    for c in ["zstd", "xz"] {
        let opts = Options {
            compression: c.parse().unwrap(),
            ..Options::default()
        };
        let one = with_tz("UTC", || {
            std::fs::read(write(&pa, &opts, &a.path().join("out"))).unwrap()
        });
        let two = with_tz("Asia/Kathmandu", || {
            std::fs::read(write(&pb, &opts, &b.path().join("out"))).unwrap()
        });
        assert!(one == two, "{c}: packages differ between the two builds");
    }
}

#[test]
fn bad_input_is_rejected_and_leaves_nothing_behind() {
    let dir = scratch();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let try_write = |pkg: &Package| -> Error {
        let err = match Writer::new(pkg, &Options::default()) {
            Err(e) => e,
            Ok(w) => write_atomically(&out, &w.file_name(), |o| w.write_to(o)).unwrap_err(),
        };
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "output left behind after: {err}"
        );
        err
    };
    let base = || sample_package(&dir.path().join("assets"));
    for (version, needle) in [("1.2.3-beta", "`-`"), ("1.2_3", "`_`"), ("1,2", "`,`")] {
        let mut pkg = base();
        pkg.metadata.version = version.into();
        let err = try_write(&pkg);
        assert!(
            matches!(
                &err,
                Error::InvalidField {
                    field: "version",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains(needle), "{err}");
    }
    let mut pkg = base();
    pkg.metadata.release = "1.1".into();
    assert!(try_write(&pkg).to_string().contains("PORTREVISION"));
    let mut empty = Package::new(Metadata::new("empty", "1", Arch::X86_64), SourceDate(DATE));
    empty
        .add_dir(InstallPath::new("/usr/local/share/empty").unwrap(), 0o755)
        .unwrap();
    assert!(matches!(try_write(&empty), Error::EmptyPackage { .. }));
    let pkg = base();
    std::fs::remove_file(dir.path().join("assets/hello")).unwrap();
    let err = try_write(&pkg);
    assert!(
        matches!(&err, Error::Io { path, .. } if path.ends_with("hello")),
        "{err}"
    );
}

#[test]
fn rejects_other_malformations() {
    fails_with(
        |items| {
            items.iter_mut().find(|i| i.name == BIN).unwrap().name = "/usr/local/../bin/x".into()
        },
        "has a `..` component",
    );
    fails_with(
        |items| items.insert(1, items[0].clone()),
        "metadata entry `+COMPACT_MANIFEST` appears twice",
    );
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                if let Some(f) = v.get_mut("files") {
                    f[BIN] = "1$nothex".into();
                }
            })
        },
        "is not `1$` followed by 64 hex digits",
    );
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                if let Some(f) = v.get_mut("files") {
                    let files = f.as_object_mut().unwrap();
                    let sum = files.remove(BIN).unwrap();
                    files.insert(format!("usr/local{}", &BIN[10..]), sum);
                }
            })
        },
        "lists the relative path",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["licenselogic"] = "either".into()),
        "unknown licenselogic `either`",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["name"] = "two words".into()),
        "package name `two words`",
    );
    fails_with(
        |items| edit_manifests(items, |v| v["flatsize"] = (-1).into()),
        "negative",
    );
    // The object form of `files` (pkg >= 2.4): permissions and symlink targets are checked too.
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                if let Some(f) = v.get_mut("files") {
                    let sum = f[BIN].clone();
                    f[BIN] = serde_json::json!({ "sum": sum, "uname": "root", "gname": "wheel", "perm": "0644" });
                }
            })
        },
        "has mode 755 in the archive but 0644 in the manifest",
    );
    let link = "/usr/local/usr/bin/hello-sample";
    fails_with(
        |items| {
            edit_manifests(items, |v| {
                if let Some(f) = v.get_mut("files") {
                    let sum = f[link].clone();
                    f[link] = serde_json::json!({ "sum": sum, "symlink_target": "other" });
                }
            })
        },
        "points to `syspack-sample` but the manifest says `other`",
    );
    fails_with(
        |items| {
            items
                .iter_mut()
                .find(|i| i.name == "+MANIFEST")
                .unwrap()
                .data = vec![b'{', 0xff, b'}']
        },
        "`+MANIFEST` is not UTF-8",
    );
    // Not a package at all.
    let dir = scratch();
    let junk = dir.path().join("junk.pkg");
    std::fs::write(&junk, vec![b'x'; 2048]).unwrap();
    let err = Reader::open(&junk).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
}

#[test]
fn object_form_manifests_of_newer_pkg_are_accepted() {
    let (_dir, path) = broken(|items| {
        edit_manifests(items, |v| {
            if let Some(f) = v.get_mut("files") {
                let sum = f[BIN].clone();
                f[BIN] = serde_json::json!({ "sum": sum, "uname": "root", "gname": "wheel", "perm": "0755" });
            }
            if let Some(d) = v.get_mut("directories") {
                d["/usr/local/var/lib/syspack-sample"] =
                    serde_json::json!({ "uname": "root", "gname": "wheel", "perm": "0750" });
            }
        })
    });
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.entries().len(), 7);
}
