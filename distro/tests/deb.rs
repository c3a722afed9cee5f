//! The `.deb` writer and reader against the real Debian tools: dpkg-deb reads and extracts what
//! we write (every compression), lintian finds nothing, dpkg installs and removes it in a scratch
//! root, and our reader reads what dpkg-deb builds and catches tampering.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{run, run_status, sample_package, scratch, DATE};
use syspack_distro::deb::{self, EntryKind, Options, Reader, Writer};
use syspack_distro::output::write_atomically;
use syspack_distro::{Compression, Entry, Error, InstallPath, Package, SourceDate};

const DPKG: &str = "apt-get install dpkg";
const LINTIAN: &str = "apt-get install --no-install-recommends lintian";

/// Writes `pkg` into `dir` with `compression` the way the CLI does; returns the file.
fn write_deb(pkg: &Package, compression: Compression, dir: &Path) -> PathBuf {
    let w = Writer::new(
        pkg,
        &Options {
            compression,
            shared: None,
        },
    )
    .unwrap();
    write_atomically(dir, &w.file_name(), |out| w.write_to(out)).unwrap()
}

fn all_compressions() -> Vec<Compression> {
    ["gzip", "xz", "zstd", "none"]
        .iter()
        .map(|c| c.parse().unwrap())
        .collect()
}

/// One line of `dpkg-deb --contents`: (mode bits, owner, size, path, link target).
type Listed = (u32, String, u64, String, Option<String>);

fn parse_contents(text: &str) -> Vec<Listed> {
    text.lines()
        .map(|line| {
            let mut rest = line;
            let mut field = || {
                let t = rest.trim_start();
                let end = t.find(' ').unwrap_or(t.len());
                rest = &t[end..];
                t[..end].to_string()
            };
            let perms = field();
            let owner = field();
            let size: u64 = field().parse().unwrap();
            let _date = field();
            let _time = field();
            let name = rest.trim_start();
            let (name, link) = match name.split_once(" -> ") {
                Some((n, l)) => (n, Some(l.to_string())),
                None => (name, None),
            };
            let mut mode = 0;
            for (i, c) in perms[1..].chars().enumerate() {
                if c != '-' {
                    mode |= 1 << (8 - i);
                }
            }
            let path = format!("/{}", name.trim_start_matches("./").trim_end_matches('/'));
            (mode, owner, size, path, link)
        })
        .collect()
}

fn ours(r: &Reader) -> Vec<Listed> {
    r.entries()
        .iter()
        .map(|e| {
            let link = if e.kind == EntryKind::Symlink {
                e.link_target.clone()
            } else {
                None
            };
            (
                e.mode & 0o777,
                format!("{}/{}", e.user, e.group),
                e.size,
                e.path.clone(),
                link,
            )
        })
        .collect()
}

/// The staged content of each regular file, by absolute install path.
fn staged_files(pkg: &Package) -> BTreeMap<String, Vec<u8>> {
    pkg.entries()
        .iter()
        .filter_map(|(p, e)| match e {
            Entry::File(f) => Some((p.absolute(), f.read_all().unwrap())),
            _ => None,
        })
        .collect()
}

#[test]
fn dpkg_deb_lists_exactly_our_entries_for_every_compression() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    for c in all_compressions() {
        let out = dir.path().join(format!("out-{}", c.name()));
        let deb = write_deb(&pkg, c, &out);
        assert_eq!(deb.file_name().unwrap(), "syspack-sample_1.2.3-1_amd64.deb");
        let info = run(Command::new("dpkg-deb").arg("--info").arg(&deb), DPKG);
        for want in [
            "Package: syspack-sample",
            "Version: 1.2.3-1",
            "Architecture: amd64",
            "Depends: libc6 (>= 2.31)",
            "Conflicts: syspack-sample-legacy",
            "Provides: hello-world",
            "Description: sample package written by syspack's tests",
            " Second paragraph.",
            "postinst",
            "prerm",
        ] {
            assert!(
                info.contains(want),
                "{c}: `{want}` missing from dpkg-deb --info:\n{info}"
            );
        }
        let field = run(
            Command::new("dpkg-deb")
                .arg("--field")
                .arg(&deb)
                .arg("Package"),
            DPKG,
        );
        assert_eq!(field, "syspack-sample\n");
        let listed = parse_contents(&run(
            Command::new("dpkg-deb").arg("--contents").arg(&deb),
            DPKG,
        ));
        let reader = Reader::open(&deb).unwrap();
        assert_eq!(
            listed,
            ours(&reader),
            "{c}: dpkg-deb --contents differs from our reader"
        );
        assert_eq!(listed[0].3, "/", "the root directory comes first");
        assert!(listed.iter().all(|l| l.1 == "root/root"));
        let n = listed.len();
        assert!(
            listed[n - 2..].iter().all(|l| l.4.is_some()),
            "symlinks come last: {listed:?}"
        );
        assert_eq!(
            reader.members(),
            (
                format!("control.tar{}", c.suffix()).as_str(),
                format!("data.tar{}", c.suffix()).as_str()
            )
        );
    }
}

#[test]
fn dpkg_deb_extracts_byte_identical_files_and_md5sums_check() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    let want = staged_files(&pkg);
    for c in all_compressions() {
        let deb = write_deb(&pkg, c, &dir.path().join(format!("out-{}", c.name())));
        let tree = dir.path().join(format!("tree-{}", c.name()));
        run(
            Command::new("dpkg-deb").arg("-R").arg(&deb).arg(&tree),
            DPKG,
        );
        for (path, bytes) in &want {
            let got = std::fs::read(tree.join(path.trim_start_matches('/'))).unwrap();
            assert!(got == *bytes, "{c}: {path} differs after dpkg-deb -R");
        }
        let link = std::fs::read_link(tree.join("usr/bin/hello-sample")).unwrap();
        assert_eq!(link, Path::new("syspack-sample"));
        // md5sums as the real md5sum reads it, from inside the extracted tree.
        let sums = run(
            Command::new("md5sum")
                .arg("-c")
                .arg(tree.join("DEBIAN/md5sums"))
                .current_dir(&tree),
            "apt-get install coreutils",
        );
        assert_eq!(sums.matches(": OK").count(), want.len(), "{sums}");
        let conffiles = std::fs::read_to_string(tree.join("DEBIAN/conffiles")).unwrap();
        assert_eq!(conffiles, "/etc/syspack-sample/hello.conf\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tree.join("DEBIAN/postinst"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        // --fsys-tarfile gives the uncompressed data.tar: same sizes for every compression.
        let tar = Command::new("dpkg-deb")
            .arg("--fsys-tarfile")
            .arg(&deb)
            .output()
            .unwrap();
        assert!(
            tar.status.success(),
            "{}",
            String::from_utf8_lossy(&tar.stderr)
        );
        let mut archive = tar::Archive::new(&tar.stdout[..]);
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| String::from_utf8(e.unwrap().path_bytes().into_owned()).unwrap())
            .collect();
        assert_eq!(names[0], "./");
        assert!(names.contains(&"./usr/bin/syspack-sample".to_string()));
        assert!(
            names.contains(&"./usr/share/syspack-sample/".to_string()),
            "directories end in `/`"
        );
    }
}

/// The sample package plus what a real package has: the docs lintian requires and a man page for
/// each program.
fn lintian_ready_sample(assets: &Path) -> Package {
    let mut pkg = sample_package(assets);
    let added = deb::add_lintian_docs(&mut pkg).unwrap();
    assert_eq!(added.len(), 2);
    let man = ".TH SYSPACK-SAMPLE 1 2023-11-14 \"syspack-sample 1.2.3\" \"User Commands\"\n\
               .SH NAME\nsyspack-sample \\- print a greeting\n.SH SYNOPSIS\n.B syspack-sample\n\
               .SH DESCRIPTION\n.B syspack-sample\nprints a greeting.\n";
    let mut gz =
        syspack_distro::compress::Encoder::new(Vec::new(), Compression::Gzip { level: 9 }).unwrap();
    std::io::Write::write_all(&mut gz, man.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let p = |s: &str| InstallPath::new(s).unwrap();
    pkg.add_bytes(p("/usr/share/man/man1/syspack-sample.1.gz"), gz, 0o644)
        .unwrap();
    pkg.add_symlink(
        p("/usr/share/man/man1/hello-sample.1.gz"),
        "syspack-sample.1.gz",
    )
    .unwrap();
    pkg
}

#[test]
fn lintian_finds_no_error_or_warning() {
    let dir = scratch();
    let pkg = lintian_ready_sample(&dir.path().join("assets"));
    let deb = write_deb(
        &pkg,
        Compression::Xz {
            level: 6,
            threads: 1,
        },
        dir.path(),
    );
    let (ok, stdout, stderr) = run_status(
        Command::new("lintian")
            .args(["--fail-on", "error,warning", "--display-info"])
            // Tags the *sample* causes on purpose; a real package does not have them:
            // - symlink-should-be-relative: the sample has an absolute symlink to test that
            //   absolute targets are stored as given.
            // - non-standard-dir-perm: `/var/lib/syspack-sample` is 0750 to test that directory
            //   modes come from the model.
            // - initial-upload-closes-no-bugs: a one-entry changelog is a first upload to Debian's
            //   archive, which should close an ITP bug; packages built by syspack are not uploads.
            .args([
                "--suppress-tags",
                "symlink-should-be-relative,non-standard-dir-perm,initial-upload-closes-no-bugs",
            ])
            .arg(&deb),
        LINTIAN,
    );
    assert!(
        ok,
        "lintian failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    let tags: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with(['E', 'W']))
        .collect();
    assert!(tags.is_empty(), "lintian errors or warnings: {tags:?}");
    eprintln!("lintian said:\n{stdout}{stderr}");
}

/// A tree for `dpkg-deb --build`: two files, a conffile, a symlink, a postinst.
fn dpkg_deb_tree(root: &Path) {
    let w = |p: &str, data: &str| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    };
    w("usr/bin/tool", "#!/bin/sh\necho tool\n");
    w("etc/tool.conf", "x = 1\n");
    w("usr/share/doc/tool/README", "read me\n");
    std::os::unix::fs::symlink("tool", root.join("usr/bin/tool-alias")).unwrap();
    w(
        "DEBIAN/control",
        "Package: tool\nVersion: 2:0.9-3\nArchitecture: all\nMaintainer: T <t@example.org>\n\
         Description: a tool\n made by dpkg-deb\n",
    );
    w("DEBIAN/conffiles", "/etc/tool.conf\n");
    w("DEBIAN/postinst", "#!/bin/sh\nset -e\n");
    use std::os::unix::fs::PermissionsExt;
    for (p, m) in [
        ("DEBIAN/postinst", 0o755),
        ("usr/bin/tool", 0o755),
        ("DEBIAN", 0o755),
    ] {
        std::fs::set_permissions(root.join(p), std::fs::Permissions::from_mode(m)).unwrap();
    }
}

fn md5_of(path: &Path) -> String {
    let out = run(
        Command::new("md5sum").arg(path),
        "apt-get install coreutils",
    );
    out.split_whitespace().next().unwrap().to_string()
}

#[test]
fn our_reader_reads_packages_built_by_dpkg_deb() {
    let dir = scratch();
    let root = dir.path().join("tree");
    dpkg_deb_tree(&root);
    // dpkg-deb does not compute md5sums: write the real one.
    let sum = md5_of(&root.join("usr/bin/tool"));
    std::fs::write(
        root.join("DEBIAN/md5sums"),
        format!("{sum}  usr/bin/tool\n"),
    )
    .unwrap();
    for (flag, suffix) in [
        ("-Zgzip", ".gz"),
        ("-Zxz", ".xz"),
        ("-Zzstd", ".zst"),
        ("-Znone", ""),
    ] {
        let deb = dir.path().join(format!("tool{suffix}.deb"));
        run(
            Command::new("dpkg-deb")
                .args(["--build", "--root-owner-group", flag])
                .arg(&root)
                .arg(&deb)
                .env("SOURCE_DATE_EPOCH", DATE.to_string()),
            DPKG,
        );
        let r = Reader::open(&deb).unwrap_or_else(|e| panic!("{flag}: {e}"));
        assert_eq!(r.members().1, format!("data.tar{suffix}"));
        assert_eq!(r.metadata().version(), Some("2:0.9-3"));
        assert_eq!(
            r.metadata().get("Description"),
            Some("a tool\n made by dpkg-deb")
        );
        assert_eq!(r.conffiles(), ["/etc/tool.conf"]);
        assert_eq!(r.md5sums().get("/usr/bin/tool"), Some(&sum));
        assert!(r.scripts().contains_key("postinst"));
        let listed = parse_contents(&run(
            Command::new("dpkg-deb").arg("--contents").arg(&deb),
            DPKG,
        ));
        assert_eq!(listed, ours(&r), "{flag}");
        let text = r.to_string();
        assert!(text.contains("/usr/bin/tool-alias -> tool"), "{text}");
    }
}

/// A file with a second name, as dpkg-deb stores it (a tar hard link) and dh_md5sums lists it
/// (both names, each with the content's MD5): read as a hard link that carries its file's size
/// and digest, and that digest is checked. A stock Debian 12 has such packages (bzip2's
/// `bzcat`, gzip's `uncompress`, perl's `perlthanks`, unzip's `zipinfo`).
#[test]
fn a_hard_link_from_dpkg_deb_is_read_with_its_files_digest() {
    let dir = scratch();
    let root = dir.path().join("tree");
    dpkg_deb_tree(&root);
    std::fs::hard_link(root.join("usr/bin/tool"), root.join("usr/bin/tool2")).unwrap();
    let sum = md5_of(&root.join("usr/bin/tool"));
    let build = |md5sums: String, name: &str| {
        std::fs::write(root.join("DEBIAN/md5sums"), md5sums).unwrap();
        let deb = dir.path().join(name);
        run(
            Command::new("dpkg-deb")
                .args(["--build", "--root-owner-group"])
                .arg(&root)
                .arg(&deb)
                .env("SOURCE_DATE_EPOCH", DATE.to_string()),
            DPKG,
        );
        deb
    };
    let deb = build(
        format!("{sum}  usr/bin/tool\n{sum}  usr/bin/tool2\n"),
        "hard.deb",
    );
    let listing = run(Command::new("dpkg-deb").arg("--contents").arg(&deb), DPKG);
    assert!(
        listing.contains("./usr/bin/tool2 link to ./usr/bin/tool"),
        "dpkg-deb did not store a hard link:\n{listing}"
    );
    let r = Reader::open(&deb).unwrap_or_else(|e| panic!("{e}\n{listing}"));
    let entry = |p: &str| r.entries().iter().find(|e| e.path == p).unwrap().clone();
    let (file, link) = (entry("/usr/bin/tool"), entry("/usr/bin/tool2"));
    assert_eq!(file.kind, EntryKind::File);
    assert_eq!(link.kind, EntryKind::Hardlink);
    assert_eq!(link.link_target.as_deref(), Some("/usr/bin/tool"));
    assert_eq!((link.size, &link.digest), (file.size, &Some(sum.clone())));
    assert_eq!(r.md5sums().get("/usr/bin/tool2"), Some(&sum));

    // The link's line is checked against the content like any other.
    let wrong = build(
        format!("{sum}  usr/bin/tool\n{}  usr/bin/tool2\n", "0".repeat(32)),
        "wrong.deb",
    );
    match Reader::open(&wrong) {
        Err(Error::ChecksumMismatch { entry, actual, .. }) => {
            assert_eq!((entry.as_str(), actual), ("/usr/bin/tool2", sum));
        }
        other => panic!("expected a checksum mismatch for the hard link, got {other:?}"),
    }
}

#[test]
fn a_tampered_file_is_a_checksum_mismatch() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    let deb = write_deb(
        &pkg,
        Compression::Xz {
            level: 6,
            threads: 1,
        },
        &dir.path().join("out"),
    );
    let tree = dir.path().join("tree");
    run(
        Command::new("dpkg-deb").arg("-R").arg(&deb).arg(&tree),
        DPKG,
    );
    let target = tree.join("usr/share/syspack-sample/data.bin");
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let tampered = dir.path().join("tampered.deb");
    run(
        Command::new("dpkg-deb")
            .args(["--build", "--root-owner-group"])
            .arg(&tree)
            .arg(&tampered),
        DPKG,
    );
    match Reader::open(&tampered) {
        Err(Error::ChecksumMismatch {
            entry,
            expected,
            actual,
            ..
        }) => {
            assert_eq!(entry, "/usr/share/syspack-sample/data.bin");
            assert_ne!(expected, actual);
        }
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }
    // And a package that is cut short is malformed, not a panic.
    let bytes = std::fs::read(&deb).unwrap();
    let cut = dir.path().join("cut.deb");
    std::fs::write(&cut, &bytes[..(bytes.len() / 2) & !1]).unwrap();
    assert!(matches!(Reader::open(&cut), Err(Error::Malformed { .. })));
}

#[test]
fn two_builds_from_different_places_are_identical() {
    use std::os::unix::fs::PermissionsExt;
    let a = scratch();
    let b = scratch();
    let pkg_a = sample_package(&a.path().join("assets"));
    let pkg_b = sample_package(&b.path().join("elsewhere/assets"));
    for (dir, mode) in [
        (a.path().join("assets"), 0o600),
        (b.path().join("elsewhere/assets"), 0o755),
    ] {
        for f in std::fs::read_dir(dir).unwrap() {
            std::fs::set_permissions(f.unwrap().path(), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
    }
    for c in all_compressions() {
        std::env::set_var("TZ", "Pacific/Kiritimati");
        let one = std::fs::read(write_deb(&pkg_a, c, &a.path().join("out"))).unwrap();
        std::env::set_var("TZ", "America/Adak");
        let two = std::fs::read(write_deb(&pkg_b, c, &b.path().join("out"))).unwrap();
        assert!(one == two, "{c}: the two builds differ");
    }
    std::env::remove_var("TZ");
}

/// Runs the whole write through `write_atomically`, as the CLI does.
fn write_in(dir: &Path, pkg: &Package) -> Result<PathBuf, Error> {
    write_atomically(dir, "out.deb", |w| {
        Writer::new(pkg, &Options::default())?.write_to(w)
    })
}

fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "files left in the output directory: {left:?}"
    );
}

#[test]
fn bad_input_gives_clear_errors_and_leaves_nothing_behind() {
    let dir = scratch();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();

    let mut pkg = sample_package(&dir.path().join("assets"));
    pkg.metadata.version = "1.0 beta".into();
    let err = write_in(&out, &pkg).unwrap_err().to_string();
    assert!(
        err.contains("invalid version `1.0 beta` for deb packages")
            && err.contains("use `1.0~beta`"),
        "{err}"
    );
    assert_empty(&out);

    let mut pkg = sample_package(&dir.path().join("assets"));
    pkg.metadata.name = "Foo_Bar".into();
    let err = write_in(&out, &pkg).unwrap_err().to_string();
    assert!(
        err.contains("invalid name `Foo_Bar`") && err.contains("use `foo-bar`"),
        "{err}"
    );
    assert_empty(&out);

    let empty = Package::new(
        sample_package(&dir.path().join("assets")).metadata,
        SourceDate(DATE),
    );
    let err = write_in(&out, &empty).unwrap_err();
    assert!(matches!(err, Error::EmptyPackage { .. }), "{err}");
    assert_empty(&out);

    // An asset that disappears after staging fails in the middle of the write.
    let assets = dir.path().join("vanishing");
    let pkg = sample_package(&assets);
    std::fs::remove_file(assets.join("data.bin")).unwrap();
    let err = write_in(&out, &pkg).unwrap_err();
    match &err {
        Error::Io { path, .. } => assert_eq!(path, &assets.join("data.bin")),
        other => panic!("expected an I/O error naming the asset, got {other}"),
    }
    assert_empty(&out);

    // A file over the ar size field (sparse, so it costs no disk space).
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(10_000_000_000)
        .unwrap();
    let mut pkg = sample_package(&dir.path().join("assets"));
    pkg.add_file(InstallPath::new("/usr/share/big").unwrap(), &big, 0o644)
        .unwrap();
    let err = write_in(&out, &pkg).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert_empty(&out);

    // Garbage is not a package.
    let junk = dir.path().join("junk.deb");
    std::fs::write(&junk, b"!<arch>\nnot really").unwrap();
    assert!(matches!(Reader::open(&junk), Err(Error::Malformed { .. })));
}

/// An empty root dpkg can install into: its admin directory, and `/bin/sh` (the host's dash
/// with the libraries it needs) so maintainer scripts run chrooted as on a real system.
fn dpkg_root(root: &Path) {
    for d in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
        "bin",
        "dev",
        "tmp",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for f in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
        std::fs::write(root.join(f), "").unwrap();
    }
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    std::fs::copy(&sh, root.join("bin/sh")).unwrap();
    let ldd = run(Command::new("ldd").arg(&sh), "apt-get install libc-bin");
    for lib in ldd.split_whitespace().filter(|w| w.starts_with('/')) {
        let dest = root.join(lib.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(lib, dest).unwrap();
    }
}

fn dpkg(root: &Path, args: &[&str]) -> String {
    run(
        Command::new("dpkg")
            .arg(format!("--root={}", root.display()))
            // --force-depends: the empty root has no libc6 package to satisfy `Depends`.
            .args(["--force-not-root", "--force-bad-path", "--force-depends"])
            .args(args),
        DPKG,
    )
}

#[test]
fn dpkg_installs_and_removes_it_in_a_scratch_root() {
    let uid = run(Command::new("id").arg("-u"), "apt-get install coreutils");
    assert_eq!(
        uid.trim(),
        "0",
        "this test needs root: dpkg chroots into the scratch root to run maintainer scripts"
    );
    let dir = scratch();
    let mut pkg = sample_package(&dir.path().join("assets"));
    // The scratch root only has `sh`: the scripts log with shell builtins.
    pkg.scripts.post_install =
        Some("#!/bin/sh\nset -e\necho \"postinst $1 $2\" >>/tmp/log\n".into());
    pkg.scripts.pre_remove = Some("#!/bin/sh\nset -e\necho \"prerm $1\" >>/tmp/log\n".into());
    pkg.scripts.post_remove = Some("#!/bin/sh\nset -e\necho \"postrm $1\" >>/tmp/log\n".into());
    let deb = write_deb(
        &pkg,
        Compression::Xz {
            level: 6,
            threads: 1,
        },
        &dir.path().join("out"),
    );
    let root = dir.path().join("root");
    dpkg_root(&root);

    dpkg(&root, &["-i", deb.to_str().unwrap()]);
    let status = dpkg(&root, &["-s", "syspack-sample"]);
    assert!(status.contains("Status: install ok installed"), "{status}");
    for (path, bytes) in staged_files(&pkg) {
        assert_eq!(
            std::fs::read(root.join(path.trim_start_matches('/'))).unwrap(),
            bytes,
            "{path}"
        );
    }
    let log = || std::fs::read_to_string(root.join("tmp/log")).unwrap();
    assert_eq!(
        log(),
        "postinst configure \n",
        "postinst ran on `configure` with no previous version"
    );
    let listed = dpkg(&root, &["-L", "syspack-sample"]);
    assert!(listed.contains("/usr/bin/hello-sample"), "{listed}");
    // dpkg verifies installed files against md5sums.
    dpkg(&root, &["--verify", "syspack-sample"]);

    // Reinstalling the same version is an upgrade: the old prerm and postrm run with `upgrade`,
    // the new postinst with `configure <old version>`.
    dpkg(&root, &["-i", deb.to_str().unwrap()]);
    assert_eq!(
        log(),
        "postinst configure \nprerm upgrade\npostrm upgrade\npostinst configure 1.2.3-1\n"
    );

    dpkg(&root, &["-r", "syspack-sample"]);
    assert!(
        log().ends_with("postinst configure 1.2.3-1\nprerm remove\npostrm remove\n"),
        "{}",
        log()
    );
    assert!(!root.join("usr/bin/syspack-sample").exists());
    assert!(!root.join("usr/share/syspack-sample").exists());
    assert!(
        root.join("etc/syspack-sample/hello.conf").exists(),
        "remove keeps conffiles"
    );
    dpkg(&root, &["-P", "syspack-sample"]);
    assert!(
        log().ends_with("prerm remove\npostrm remove\n"),
        "purge does not run the bodies again: {}",
        log()
    );
    assert!(
        !root.join("etc/syspack-sample").exists(),
        "purge removes conffiles"
    );
    let (_, status, _) = run_status(
        Command::new("dpkg")
            .arg(format!("--root={}", root.display()))
            .args(["-s", "syspack-sample"]),
        DPKG,
    );
    assert!(!status.contains("installed"), "{status}");
    for d in [
        "usr/bin",
        "usr/share/syspack-sample",
        "var/lib/syspack-sample",
        "etc",
    ] {
        assert!(!root.join(d).exists(), "`{d}` left behind after purge");
    }
}
