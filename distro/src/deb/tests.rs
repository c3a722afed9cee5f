//! Unit tests: writer → reader round trips for each compression, control file round trips,
//! validation of names, versions and scripts.

use std::io::Write;

use super::*;
use crate::package::{
    Arch, InstallPath, Metadata, Package, Relation, SourceDate, SystemdUnit, VersionOp,
};
use crate::Error;

fn p(s: &str) -> InstallPath {
    InstallPath::new(s).unwrap()
}

fn sample() -> Package {
    let mut meta = Metadata::new("syspack-unit", "1.2.3", Arch::X86_64);
    meta.summary = "unit test package".into();
    meta.description = "First line.\n\nSecond paragraph.".into();
    meta.maintainer = "Unit Tests <unit@syspack.invalid>".into();
    meta.license = "MIT".into();
    meta.section = Some("utils".into());
    meta.relations
        .depends
        .push(Relation::with("libc6", VersionOp::Ge, "2.31"));
    meta.relations.depends.push(Relation::any("python3:any"));
    meta.relations
        .conflicts
        .push(Relation::with("old", VersionOp::Lt, "1.0"));
    let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
    pkg.add_bytes(
        p("/usr/bin/unit"),
        b"#!/bin/sh\necho unit\n".to_vec(),
        0o755,
    )
    .unwrap();
    pkg.add_bytes(p("/etc/unit.conf"), b"a = 1\n".to_vec(), 0o644)
        .unwrap();
    pkg.mark_conffile(&p("/etc/unit.conf")).unwrap();
    pkg.add_bytes(p("/usr/lib/a/x"), vec![7u8; 3000], 0o644)
        .unwrap();
    pkg.add_bytes(p("/usr/lib/a-b"), b"dash".to_vec(), 0o644)
        .unwrap();
    pkg.add_symlink(p("/usr/bin/unit-link"), "unit").unwrap();
    pkg.add_dir(p("/var/lib/unit"), 0o750).unwrap();
    pkg.scripts.post_install = Some("#!/bin/sh\necho configured\n".into());
    pkg
}

fn write(pkg: &Package, compression: Compression) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let w = Writer::new(
        pkg,
        &Options {
            compression,
            shared: None,
        },
    )
    .unwrap();
    let path = dir.path().join(w.file_name());
    let mut f = std::fs::File::create(&path).unwrap();
    w.write_to(&mut f).unwrap();
    f.flush().unwrap();
    (dir, path)
}

#[test]
fn every_compression_round_trips_through_the_reader() {
    let pkg = sample();
    for c in ["xz", "gzip", "zstd", "none"] {
        let c: Compression = c.parse().unwrap();
        let (_dir, path) = write(&pkg, c);
        let r = Reader::open(&path).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(r.members().1, format!("data.tar{}", c.suffix()));
        assert_eq!(r.metadata().package(), Some("syspack-unit"));
        assert_eq!(r.metadata().version(), Some("1.2.3-1"));
        assert_eq!(r.metadata().architecture(), Some("amd64"));
        let paths: Vec<&str> = r.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/",
                "/etc",
                "/etc/unit.conf",
                "/usr",
                "/usr/bin",
                "/usr/bin/unit",
                "/usr/lib",
                "/usr/lib/a",
                "/usr/lib/a/x",
                "/usr/lib/a-b",
                "/var",
                "/var/lib",
                "/var/lib/unit",
                "/usr/bin/unit-link",
            ],
            "dpkg-deb order: per-directory sort, symlinks last"
        );
        let unit = r
            .entries()
            .iter()
            .find(|e| e.path == "/var/lib/unit")
            .unwrap();
        assert_eq!((unit.kind, unit.mode), (EntryKind::Dir, 0o750));
        let link = r
            .entries()
            .iter()
            .find(|e| e.path == "/usr/bin/unit-link")
            .unwrap();
        assert_eq!(link.link_target.as_deref(), Some("unit"));
        assert_eq!(r.md5sums().len(), 4);
        assert_eq!(r.conffiles(), ["/etc/unit.conf"]);
        assert!(r.scripts()["postinst"].contains("echo configured"));
        let shown = r.to_string();
        assert!(
            shown.contains("-rwxr-xr-x root/root         20 /usr/bin/unit\n"),
            "{shown}"
        );
        assert!(
            shown.contains("lrwxrwxrwx root/root          0 /usr/bin/unit-link -> unit\n"),
            "{shown}"
        );
    }
}

#[test]
fn control_file_has_every_field_in_dpkg_order() {
    let c = Control::for_package(&sample()).unwrap();
    // 1 (./) + dirs etc,usr,usr/bin,usr/lib,usr/lib/a,var,var/lib,var/lib/unit (8)
    // + files 1+1+3+1 + symlink 1 = 16
    assert_eq!(c.installed_size(), Some(16));
    assert_eq!(
        c.to_string(),
        "Package: syspack-unit\nVersion: 1.2.3-1\nArchitecture: amd64\nMaintainer: Unit Tests <unit@syspack.invalid>\n\
         Installed-Size: 16\nDepends: libc6 (>= 2.31), python3:any\nConflicts: old (<< 1.0)\nSection: utils\n\
         Priority: optional\nDescription: unit test package\n First line.\n .\n Second paragraph.\n"
    );
}

#[test]
fn control_text_round_trips() {
    let c = Control::for_package(&sample()).unwrap();
    let text = c.to_string();
    let back: Control = text.parse().unwrap();
    assert_eq!(back, c);
    assert_eq!(back.to_string(), text);
    let odd = "Package: x\nDescription:\n only long\n";
    assert_eq!(odd.parse::<Control>().unwrap().to_string(), odd);
    for bad in [
        "",
        " continuation first\n",
        "Package x\n",
        "A: 1\nA: 2\n",
        "A: 1\n\nB: 2\n",
    ] {
        assert!(bad.parse::<Control>().is_err(), "{bad:?}");
    }
}

#[test]
fn invalid_names_and_versions_say_what_to_use() {
    let err = validate_name("Foo_Bar").unwrap_err();
    assert!(matches!(err, Error::InvalidField { field: "name", .. }));
    assert!(err.to_string().contains("use `foo-bar`"), "{err}");
    for (v, release, want) in [
        ("1.0 beta", "1", "spaces"),
        ("v1.0", "1", "start with a digit"),
        ("1.0_1", "1", "`_` is not allowed"),
        ("1.0-rc1", "", "native"),
        ("1:0", "1", "epoch"),
    ] {
        let mut m = Metadata::new("x1", v, Arch::All);
        m.release = release.into();
        let err = full_version(&m).unwrap_err().to_string();
        assert!(err.contains(want), "{v}: {err}");
    }
    let mut m = Metadata::new("x1", "1.0-rc1", Arch::All);
    m.epoch = Some(2);
    m.release = "0ubuntu1~22.04".into();
    assert_eq!(full_version(&m).unwrap(), "2:1.0-rc1-0ubuntu1~22.04");
}

#[test]
fn writer_validates_before_writing() {
    let mut pkg = sample();
    pkg.metadata.maintainer.clear();
    assert!(matches!(
        Writer::new(&pkg, &Options::default()),
        Err(Error::InvalidField {
            field: "maintainer",
            ..
        })
    ));

    let mut pkg = sample();
    pkg.metadata
        .relations
        .provides
        .push(Relation::with("virt", VersionOp::Ge, "1"));
    assert!(matches!(
        Writer::new(&pkg, &Options::default()),
        Err(Error::InvalidField {
            field: "provides",
            ..
        })
    ));

    let pkg = sample();
    let bz = Options {
        compression: "bzip2".parse().unwrap(),
        shared: None,
    };
    assert!(matches!(
        Writer::new(&pkg, &bz),
        Err(Error::UnsupportedCompression { .. })
    ));

    let mut pkg = sample();
    pkg.scripts.pre_install = Some("#!/usr/bin/python3\nprint(1)\n".into());
    let err = Writer::new(&pkg, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("#!/bin/sh"), "{err}");

    let mut pkg = sample();
    pkg.systemd_units.push(SystemdUnit {
        name: "unit.service".into(),
        enable: true,
        start: true,
    });
    let err = Writer::new(&pkg, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/usr/lib/systemd/system/unit.service"),
        "{err}"
    );

    let mut pkg = Package::new(sample().metadata, SourceDate(0));
    pkg.add_dir(p("/usr/share/empty"), 0o755).unwrap();
    assert!(matches!(
        Writer::new(&pkg, &Options::default()),
        Err(Error::EmptyPackage { .. })
    ));
}

/// Debian's own maintainer scripts (cargo-deb's `maintainer-scripts`): written as they are, seeing
/// every dpkg action; `#DEBHELPER#` becomes the unit handling; a missing script the units need is
/// written with the handling alone.
#[test]
fn native_scripts_are_kept_with_debhelper_replaced() {
    let mut pkg = sample();
    let postinst = "#!/bin/sh\nset -e\necho post \"$1\" >>\"$LOG\"\n#DEBHELPER#\nexit 0\n";
    pkg.scripts.post_install = Some(postinst.into());
    pkg.scripts.native = true;
    pkg.add_bytes(
        p("/usr/lib/systemd/system/unit.service"),
        b"[Service]\nExecStart=/bin/true\n".to_vec(),
        0o644,
    )
    .unwrap();
    pkg.systemd_units.push(SystemdUnit {
        name: "unit.service".into(),
        enable: true,
        start: false,
    });
    let scripts = scripts::maintainer_scripts(&pkg).unwrap();
    let names: Vec<&str> = scripts.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["postinst", "postrm", "prerm"]);
    let text = |name: &str| scripts.iter().find(|(n, _)| *n == name).unwrap().1.clone();
    let post = text("postinst");
    assert!(!post.contains("#DEBHELPER#\n"), "{post}");
    assert!(
        post.starts_with("#!/bin/sh\nset -e\necho post \"$1\" >>\"$LOG\"\n# Added by syspack"),
        "{post}"
    );
    assert!(
        post.contains("deb-systemd-helper enable unit.service"),
        "{post}"
    );
    assert!(text("postrm").contains("deb-systemd-helper purge unit.service"));
    // The script sees every action dpkg passes, abort-upgrade included.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let script = dir.path().join("postinst");
    std::fs::write(&script, &post).unwrap();
    for args in [&["configure", ""][..], &["abort-upgrade", "1.0"]] {
        let ok = std::process::Command::new("/bin/sh")
            .arg(&script)
            .args(args)
            .env("LOG", &log)
            // systemctl is made unavailable so the unit handling is a no-op here.
            .env("PATH", "/nonexistent")
            .status()
            .unwrap()
            .success();
        assert!(ok, "{args:?}");
    }
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "post configure\npost abort-upgrade\n"
    );
}

#[test]
fn scripts_run_only_for_their_actions() {
    let mut pkg = sample();
    pkg.scripts.pre_install = Some("echo pre >>\"$LOG\"\n".into());
    pkg.scripts.post_install = Some("#!/bin/sh -e\necho post \"$1\" >>\"$LOG\"\nexit 0\n".into());
    pkg.scripts.pre_remove = Some("#!/bin/sh\nfalse\necho prerm >>\"$LOG\"\n".into());
    pkg.scripts.post_remove = Some("#!/bin/sh\necho postrm >>\"$LOG\"\nexit 3\n".into());
    pkg.add_bytes(
        p("/usr/lib/systemd/system/unit.service"),
        b"[Service]\nExecStart=/bin/true\n".to_vec(),
        0o644,
    )
    .unwrap();
    pkg.systemd_units.push(SystemdUnit {
        name: "unit.service".into(),
        enable: true,
        start: true,
    });
    let scripts = scripts::maintainer_scripts(&pkg).unwrap();
    let names: Vec<&str> = scripts.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["postinst", "postrm", "preinst", "prerm"]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let run = |name: &str, args: &[&str]| -> bool {
        let text = &scripts.iter().find(|(n, _)| *n == name).unwrap().1;
        let script = dir.path().join(name);
        std::fs::write(&script, text).unwrap();
        // systemctl is made unavailable so the unit handling is a no-op here.
        std::process::Command::new("/bin/sh")
            .arg(&script)
            .args(args)
            .env("LOG", &log)
            .env("PATH", "/nonexistent")
            .status()
            .unwrap()
            .success()
    };
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(run("preinst", &["install"]));
    assert!(run("preinst", &["abort-upgrade", "1.0"]));
    assert!(run("postinst", &["configure", ""]));
    assert!(run("postinst", &["abort-remove"]));
    assert!(run("prerm", &["deconfigure"]));
    assert!(
        run("prerm", &["remove"]),
        "the body runs without set -e, like a standalone script"
    );
    assert!(
        !run("postrm", &["remove"]),
        "a failing body fails the script"
    );
    assert!(run("postrm", &["purge"]));
    assert_eq!(read_log(), "pre\npost configure\nprerm\npostrm\n");
    let postinst = &scripts.iter().find(|(n, _)| *n == "postinst").unwrap().1;
    assert!(
        postinst.contains("deb-systemd-helper enable unit.service"),
        "{postinst}"
    );
    assert!(
        postinst.contains("deb-systemd-invoke restart unit.service"),
        "{postinst}"
    );
}

#[test]
fn the_same_package_gives_the_same_bytes() {
    let pkg = sample();
    let (_a, one) = write(
        &pkg,
        Compression::Xz {
            level: 6,
            threads: 1,
        },
    );
    let (_b, two) = write(
        &pkg,
        Compression::Xz {
            level: 6,
            threads: 1,
        },
    );
    assert_eq!(std::fs::read(one).unwrap(), std::fs::read(two).unwrap());
}

#[test]
fn lintian_docs_are_added_once_and_are_reproducible() {
    let mut pkg = sample();
    pkg.metadata.license = "MIT OR Apache-2.0".into();
    let added = add_lintian_docs(&mut pkg).unwrap();
    assert_eq!(added.len(), 2);
    assert!(
        add_lintian_docs(&mut pkg).unwrap().is_empty(),
        "existing docs are kept"
    );
    let crate::Entry::File(f) =
        &pkg.entries()[&p("/usr/share/doc/syspack-unit/changelog.Debian.gz")]
    else {
        panic!("changelog is a file")
    };
    let gz = f.read_all().unwrap();
    assert_eq!(&gz[..4], &[0x1f, 0x8b, 8, 0], "gzip without a file name");
    assert_eq!(&gz[4..8], &[0, 0, 0, 0], "gzip time stamp 0, like gzip -n");
    assert_eq!(
        &gz[8..10],
        &[2, 3],
        "XFL = maximum compression, OS = Unix, as gzip -9n writes"
    );
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut crate::compress::decoder(&gz[..], Compression::Gzip { level: 9 }).unwrap(),
        &mut text,
    )
    .unwrap();
    assert_eq!(
        text,
        "syspack-unit (1.2.3-1) unstable; urgency=medium\n\n  * Package built by syspack.\n\n -- Unit Tests <unit@syspack.invalid>  Tue, 14 Nov 2023 22:13:20 +0000\n"
    );
    let mut native = sample();
    native.metadata.release.clear();
    assert_eq!(
        add_lintian_docs(&mut native).unwrap()[0],
        p("/usr/share/doc/syspack-unit/changelog.gz")
    );
}

#[test]
fn too_large_content_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(10_000_000_000).unwrap(); // sparse: costs no disk space
    let mut pkg = sample();
    pkg.add_file(p("/usr/share/big"), &big, 0o644).unwrap();
    let err = Writer::new(&pkg, &Options::default()).unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { ref path, .. } if path == "/usr/share/big"),
        "{err}"
    );

    let half = dir.path().join("half");
    std::fs::File::create(&half)
        .unwrap()
        .set_len(5_000_000_000)
        .unwrap();
    let mut pkg = sample();
    pkg.add_file(p("/usr/share/one"), &half, 0o644).unwrap();
    pkg.add_file(p("/usr/share/two"), &half, 0o644).unwrap();
    let err = Writer::new(&pkg, &Options::default()).unwrap_err();
    assert!(
        err.to_string().contains("split them into several packages"),
        "{err}"
    );
}

#[test]
fn reader_refuses_what_dpkg_refuses() {
    let (dir, path) = write(
        &sample(),
        Compression::Xz {
            level: 6,
            threads: 1,
        },
    );
    let good = std::fs::read(&path).unwrap();
    let find = |needle: &[u8]| {
        good.windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "magic",
            [b"!<arch>X".as_slice(), &good[8..]].concat(),
            "ar magic",
        ),
        ("odd size", [good.as_slice(), b"x"].concat(), "odd size"),
        (
            "first member",
            {
                let mut b = good.clone();
                b[8..21].copy_from_slice(b"debian-binarz");
                b
            },
            "not `debian-binary`",
        ),
        (
            "terminator",
            {
                let mut b = good.clone();
                b[8 + 58] = b'!';
                b
            },
            "terminator",
        ),
        (
            "format version",
            {
                let mut b = good.clone();
                let at = 8 + 60;
                b[at..at + 4].copy_from_slice(b"3.0\n");
                b
            },
            "only format 2.x",
        ),
        (
            "suffix and content disagree",
            {
                let mut b = good.clone();
                let at = find(b"data.tar.xz ");
                b[at..at + 11].copy_from_slice(b"data.tar.gz");
                b
            },
            "named gzip but its content is xz",
        ),
        (
            "member order",
            {
                let mut b = good.clone();
                let at = find(b"control.tar.xz");
                b[at..at + 14].copy_from_slice(b"extra.member.x");
                b
            },
            "where `control.tar` was expected",
        ),
    ];
    for (what, bytes, want) in cases {
        let p = dir.path().join("bad.deb");
        std::fs::write(&p, bytes).unwrap();
        match Reader::open(&p) {
            Err(e @ Error::Malformed { .. }) => {
                assert!(e.to_string().contains(want), "{what}: {e}")
            }
            other => panic!("{what}: expected a malformed package, got {other:?}"),
        }
    }
    // Members whose name starts with `_` are skipped, as dpkg does.
    let at = 8 + 60 + 4;
    let extra = b"_extra          0           0     0     100644  2         `\nhi";
    let with_extra = [&good[..at], extra.as_slice(), &good[at..]].concat();
    let p = dir.path().join("extra.deb");
    std::fs::write(&p, with_extra).unwrap();
    assert!(Reader::open(&p).is_ok());
    // A legacy `data.tar.lzma`, which dpkg still reads: unsupported here, not malformed.
    let mut lzma = good.clone();
    let at = find(b"data.tar.xz  ");
    lzma[at..at + 13].copy_from_slice(b"data.tar.lzma");
    let p = dir.path().join("lzma.deb");
    std::fs::write(&p, lzma).unwrap();
    match Reader::open(&p) {
        Err(e @ Error::UnsupportedPackage { .. }) => {
            assert!(e.to_string().contains("dpkg still reads it"), "{e}")
        }
        other => panic!("expected an unsupported compression, got {other:?}"),
    }
}

#[test]
fn synopsis_never_starts_with_the_package_name_and_is_never_empty() {
    let cases = [
        (
            "ripgrep",
            "ripgrep - recursively searches directories",
            "",
            "recursively searches directories",
        ),
        (
            "fd-find",
            "fd-find: a simple, fast alternative to find",
            "",
            "a simple, fast alternative to find",
        ),
        (
            "bat",
            "Bat is a cat clone with wings",
            "",
            "cat clone with wings",
        ),
        (
            "hyperfine",
            "hyperfine",
            "A command-line benchmarking tool. It runs commands.",
            "A command-line benchmarking tool",
        ),
        (
            "hyperfine",
            "hyperfine",
            "hyperfine is a benchmarking tool.",
            "benchmarking tool",
        ),
        ("hello", "hello", "", "Package hello"),
        ("hello", "hello hello", "hello", "Package hello"),
        // Not the name as a word: kept as written.
        ("bat", "batch renamer", "", "batch renamer"),
        ("tool", "a tool", "", "a tool"),
        // Not ASCII after the name: no panic, the name is still dropped.
        ("zoxide", "zoxide — a smarter cd", "", "a smarter cd"),
    ];
    for (name, summary, description, want) in cases {
        assert_eq!(
            synopsis_for(name, summary, description),
            want,
            "{name}: {summary}"
        );
    }
    let mut pkg = sample();
    pkg.metadata.name = "ripgrep".into();
    pkg.metadata.summary = "ripgrep is a line-oriented search tool".into();
    let c = Control::for_package(&pkg).unwrap();
    assert!(c
        .get("Description")
        .unwrap()
        .starts_with("line-oriented search tool\n"));
}

/// A synopsis of 80 characters or more (Debian Policy §3.4.1) becomes its first sentence, or its
/// words up to 79 characters; the whole text then leads the long description, which never
/// starts mid-sentence.
#[test]
fn long_synopses_are_shortened_without_losing_text() {
    let bottom =
        "A customizable cross-platform graphical process/system monitor for the terminal. \
                  Supports Linux, macOS, and Windows.";
    let mut pkg = sample();
    pkg.metadata.name = "bottom".into();
    pkg.metadata.summary = bottom.into();
    pkg.metadata.description = "By default, bottom reads ~/.config/bottom/bottom.toml.".into();
    let c = Control::for_package(&pkg).unwrap().to_string();
    assert!(
        c.contains(
            "Description: A customizable cross-platform graphical process/system monitor for the terminal\n \
             A customizable cross-platform graphical process/system monitor for the\n \
             terminal. Supports Linux, macOS, and Windows.\n .\n \
             By default, bottom reads ~/.config/bottom/bottom.toml.\n"
        ),
        "{c}"
    );
    // One sentence too long: its words up to the limit, no trailing comma.
    let ncspot =
        "ncurses Spotify client written in Rust using librespot, inspired by ncmpc and the likes.";
    pkg.metadata.name = "ncspot".into();
    pkg.metadata.summary = ncspot.into();
    pkg.metadata.description = ncspot.into();
    let c = Control::for_package(&pkg).unwrap().to_string();
    let first = c.lines().find(|l| l.starts_with("Description: ")).unwrap();
    assert_eq!(
        first,
        "Description: ncurses Spotify client written in Rust using librespot, inspired by ncmpc and"
    );
    assert!(
        c.contains(" the likes.\n"),
        "the long description keeps it all: {c}"
    );
    // Its first line is not the synopsis again (lintian: description-synopsis-is-duplicated).
    let lines: Vec<&str> = c.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Description: "))
        .unwrap();
    assert_ne!(
        lines[at + 1].trim(),
        first.trim_start_matches("Description: "),
        "{c}"
    );
    for line in c.lines() {
        if let Some(s) = line.strip_prefix("Description: ") {
            assert!(s.chars().count() <= super::control::MAX_SYNOPSIS, "{s}");
        }
    }
}
