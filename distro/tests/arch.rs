//! Arch packages checked with the real tools: pacman reads, installs, verifies (`-Qkk`, which
//! proves `.MTREE`) and removes them; bsdtar lists them in makepkg's order; a package made by
//! makepkg itself is read by our reader and laid out the same way as ours.
//!
//! Needs `pacman-package-manager`, `makepkg` and `libarchive-tools` (ci/run installs them) and
//! root (pacman runs scriptlets in a chroot; makepkg is run as `nobody` through `runuser`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{run, run_status, sample_package, sample_pair, scratch, with_tz, DATE};
use syspack_distro::arch::{self, EntryKind, Mtree, Options, PkgInfo, Reader, Writer};
use syspack_distro::output::write_atomically;
use syspack_distro::{Arch, Compression, Error, InstallPath, Metadata, Package, SourceDate};

const PACMAN: &str = "apt-get install pacman-package-manager";
const BSDTAR: &str = "apt-get install libarchive-tools";
const MAKEPKG: &str = "apt-get install makepkg";

fn write(pkg: &Package, opts: &Options, dir: &Path) -> PathBuf {
    let w = Writer::new(pkg, opts).unwrap();
    write_atomically(dir, &w.file_name(), |out| w.write_to(out)).unwrap()
}

/// `pacman` against an alternative root, with its database inside it.
fn pacman(root: &Path) -> Command {
    let mut c = Command::new("pacman");
    c.arg("--root")
        .arg(root)
        .arg("--dbpath")
        .arg(root.join("var/lib/pacman"));
    c
}

fn empty_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("var/lib/pacman")).unwrap();
    root
}

/// The `Key : value` fields of `pacman -Qip`.
fn fields(info: &str) -> Vec<(String, String)> {
    info.lines()
        .filter_map(|l| l.split_once(" : "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn field<'a>(f: &'a [(String, String)], key: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{key}` in {f:?}"))
}

#[test]
fn pacman_reads_the_metadata_and_file_list() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    let path = write(&pkg, &Options::default(), dir.path());
    assert_eq!(
        path.file_name().unwrap(),
        "syspack-sample-1.2.3-1-x86_64.pkg.tar.zst"
    );

    let info = run(Command::new("pacman").arg("-Qip").arg(&path), PACMAN);
    let f = fields(&info);
    assert_eq!(field(&f, "Name"), "syspack-sample");
    assert_eq!(field(&f, "Version"), "1.2.3-1");
    assert_eq!(
        field(&f, "Description"),
        "sample package written by syspack's tests"
    );
    assert_eq!(field(&f, "Architecture"), "x86_64");
    assert_eq!(field(&f, "URL"), "https://syspack.invalid/");
    assert_eq!(field(&f, "Licenses"), "MIT");
    assert_eq!(field(&f, "Provides"), "hello-world");
    assert_eq!(field(&f, "Depends On"), "libc6>=2.31");
    assert_eq!(field(&f, "Conflicts With"), "syspack-sample-legacy");
    assert_eq!(
        field(&f, "Packager"),
        "Syspack Tests <tests@syspack.invalid>"
    );
    assert_eq!(field(&f, "Install Script"), "Yes");
    assert!(field(&f, "Build Date").contains("2023"), "{info}");

    let list = run(Command::new("pacman").arg("-Qlp").arg(&path), PACMAN);
    let listed: Vec<String> = list
        .lines()
        .map(|l| {
            l.strip_prefix("syspack-sample ")
                .unwrap_or_else(|| panic!("{l}"))
                .to_string()
        })
        .collect();
    let expected: Vec<String> = pkg
        .entries_with_parents()
        .iter()
        .map(|(p, e)| match e {
            syspack_distro::Entry::Dir(_) => format!("{}/", p.absolute()),
            _ => p.absolute(),
        })
        .collect();
    assert_eq!(listed, expected);
}

#[test]
fn bsdtar_lists_metadata_first_then_sorted_relative_paths() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    let path = write(&pkg, &Options::default(), dir.path());
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
    assert_eq!(
        &names[..4],
        [".BUILDINFO", ".INSTALL", ".MTREE", ".PKGINFO"],
        "{listing}"
    );
    let data: Vec<String> = pkg
        .entries_with_parents()
        .iter()
        .map(|(p, e)| match e {
            syspack_distro::Entry::Dir(_) => format!("{}/", p.relative()),
            _ => p.relative().to_string(),
        })
        .collect();
    assert_eq!(
        names[4..],
        data.iter().map(String::as_str).collect::<Vec<_>>()[..],
        "{listing}"
    );
    assert!(
        listing.lines().all(|l| l.contains(" root   root ")),
        "owners must be root/root:\n{listing}"
    );
    assert!(
        listing.contains("drwxr-x---  0 root   root        0 Nov 14  2023 var/lib/syspack-sample/"),
        "{listing}"
    );
    assert!(
        listing.contains("usr/bin/hello-sample -> syspack-sample"),
        "{listing}"
    );
}

#[test]
fn pacman_installs_verifies_and_removes_each_compression() {
    for compression in ["zstd", "xz", "gzip", "none"] {
        let dir = scratch();
        let pkg = sample_package(&dir.path().join("assets"));
        let opts = Options {
            compression: compression.parse().unwrap(),
            ..Options::default()
        };
        let path = write(&pkg, &opts, dir.path());
        let root = empty_root(dir.path());
        // The bare root has no /bin/sh, so pacman could not run the scriptlet (it logs "call to
        // execv failed" and carries on); scriptlets are tested with a shell in the root below.
        run(
            pacman(&root)
                .args(["-U", "--noconfirm", "--nodeps", "--nodeps", "--noscriptlet"])
                .arg(&path),
            PACMAN,
        );
        let bin = root.join("usr/bin/syspack-sample");
        assert_eq!(
            std::fs::read_to_string(&bin).unwrap(),
            "#!/bin/sh\necho \"hello from syspack\"\n"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&bin).unwrap().permissions().mode() & 0o7777,
            0o755,
            "{compression}"
        );
        assert_eq!(
            std::fs::metadata(root.join("var/lib/syspack-sample"))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777,
            0o750
        );
        assert_eq!(
            std::fs::read_link(root.join("usr/bin/hello-sample")).unwrap(),
            Path::new("syspack-sample")
        );

        // -Qkk compares every installed file with .MTREE: nothing altered.
        let check = run(pacman(&root).args(["-Qkk", "syspack-sample"]), PACMAN);
        assert!(check.contains("0 altered files"), "{compression}: {check}");

        // … and it does notice a change, so the clean result above means something.
        std::fs::write(root.join("usr/share/syspack-sample/data.bin"), b"tampered").unwrap();
        let (ok, out, err) = run_status(pacman(&root).args(["-Qkk", "syspack-sample"]), PACMAN);
        assert!(
            !ok && out.contains("1 altered file"),
            "{compression}: {out}{err}"
        );

        run(
            pacman(&root).args(["-R", "--noconfirm", "--noscriptlet", "syspack-sample"]),
            PACMAN,
        );
        assert!(!bin.exists(), "{compression}: removed package left {bin:?}");
        assert!(!root.join("usr/share/syspack-sample").exists());
        let (ok, _, _) = run_status(pacman(&root).args(["-Q", "syspack-sample"]), PACMAN);
        assert!(!ok, "{compression}: still registered after -R");
    }
}

/// nfpm's Arch packages: the metadata after the data, and a `.MTREE` that lists directories
/// with a trailing slash and Go's zero time (-62135596800) and leaves `.INSTALL` out. pacman
/// installs such a package; our reader reads it as the package it was made from.
#[test]
fn an_nfpm_style_package_installs_and_reads_as_the_original() {
    let dir = scratch();
    let pkg = sample_package(&dir.path().join("assets"));
    let original = write(&pkg, &Options::default(), dir.path());
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    run(
        Command::new("bsdtar")
            .arg("-xpf")
            .arg(&original)
            .arg("-C")
            .arg(&tree),
        BSDTAR,
    );
    assert!(tree.join(".INSTALL").exists(), "the sample has no .INSTALL");
    let gzip = "apt-get install gzip";
    let mtree = run(
        Command::new("gzip").arg("-dc").arg(tree.join(".MTREE")),
        gzip,
    );
    let nfpm_mtree: String = mtree
        .lines()
        .filter(|l| !l.starts_with("./.INSTALL "))
        .map(|l| match l.split_once(' ') {
            Some((path, rest)) if rest.contains("type=dir") => {
                let rest: Vec<&str> = rest
                    .split(' ')
                    .map(|w| {
                        if w.starts_with("time=") {
                            "time=-62135596800.0"
                        } else {
                            w
                        }
                    })
                    .collect();
                format!("{path}/ {}\n", rest.join(" "))
            }
            _ => format!("{l}\n"),
        })
        .collect();
    assert!(nfpm_mtree.contains("/ time=-62135596800.0"), "{nfpm_mtree}");
    // `gzip -n` as makepkg compresses `.MTREE`: `.MTREE.txt` becomes `.MTREE.txt.gz`.
    std::fs::write(tree.join(".MTREE.txt"), nfpm_mtree).unwrap();
    run(
        Command::new("gzip").arg("-9n").arg(tree.join(".MTREE.txt")),
        gzip,
    );
    std::fs::rename(tree.join(".MTREE.txt.gz"), tree.join(".MTREE")).unwrap();
    let mut data: Vec<String> = std::fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    data.sort();
    let nfpm_style = dir.path().join("nfpm-style-1-1-x86_64.pkg.tar.zst");
    run(
        Command::new("bsdtar")
            .args(["--zstd", "-cf"])
            .arg(&nfpm_style)
            .arg("-C")
            .arg(&tree)
            .args(&data)
            .args([".PKGINFO", ".BUILDINFO", ".MTREE", ".INSTALL"]),
        BSDTAR,
    );
    let listing = run(Command::new("bsdtar").arg("-tf").arg(&nfpm_style), BSDTAR);
    assert!(
        listing
            .trim_end()
            .ends_with(".PKGINFO\n.BUILDINFO\n.MTREE\n.INSTALL"),
        "{listing}"
    );

    let root = empty_root(dir.path());
    run(
        pacman(&root)
            .args(["-U", "--noconfirm", "--nodeps", "--nodeps", "--noscriptlet"])
            .arg(&nfpm_style),
        PACMAN,
    );
    assert!(root.join("usr/bin/syspack-sample").is_file());

    let (before, after) = (
        Reader::open(&original).unwrap(),
        Reader::open(&nfpm_style).unwrap(),
    );
    let summary = |r: &Reader| -> Vec<_> {
        let mut entries: Vec<_> = r
            .entries()
            .iter()
            .map(|e| (e.path.clone(), e.kind, e.mode, e.size, e.digest.clone()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0)); // bsdtar archives in readdir order
        entries
    };
    assert_eq!(summary(&before), summary(&after));
    let usr = after.mtree().get("usr").expect("`./usr/` read as `usr`");
    assert_eq!(usr.time_secs, -62_135_596_800);
}

/// A root with `/bin/sh` (the host's dash and the libraries it links), for pacman's scriptlets.
fn root_with_shell(dir: &Path) -> PathBuf {
    let root = empty_root(dir);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    std::fs::copy(&sh, root.join("bin/sh")).unwrap();
    let ldd = run(Command::new("ldd").arg(&sh), "apt-get install libc-bin");
    for lib in ldd.split_whitespace().filter(|w| w.starts_with('/')) {
        let dest = root.join(lib.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(lib, dest).unwrap();
    }
    root
}

#[test]
fn pacman_runs_the_install_scriptlets() {
    let dir = scratch();
    let mut pkg = Package::new(
        Metadata::new("scripted", "2.0", Arch::X86_64),
        SourceDate(DATE),
    );
    pkg.add_bytes(
        InstallPath::new("/usr/share/scripted/file").unwrap(),
        b"x\n".to_vec(),
        0o644,
    )
    .unwrap();
    pkg.scripts.pre_install = Some("#!/bin/sh\necho \"pre $1\" >> /var/lib/scripted.log\n".into());
    pkg.scripts.post_install =
        Some("#!/bin/sh\necho \"post $1\" >> /var/lib/scripted.log\n".into());
    pkg.scripts.pre_remove = Some("#!/bin/sh\necho \"prerm $1\" >> /var/lib/scripted.log\n".into());
    pkg.scripts.post_remove =
        Some("#!/bin/sh\necho \"postrm $1\" >> /var/lib/scripted.log\n".into());
    let path = write(&pkg, &Options::default(), dir.path());
    let root = root_with_shell(dir.path());
    let (ok, out, err) = run_status(
        pacman(&root)
            .args(["-U", "--noconfirm", "--nodeps", "--nodeps"])
            .arg(&path),
        PACMAN,
    );
    assert!(ok && !err.contains("error"), "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("var/lib/scripted.log")).unwrap(),
        "pre 2.0-1\npost 2.0-1\n"
    );
    let (ok, out, err) = run_status(
        pacman(&root).args(["-R", "--noconfirm", "scripted"]),
        PACMAN,
    );
    assert!(ok && !err.contains("error"), "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("var/lib/scripted.log")).unwrap(),
        "pre 2.0-1\npost 2.0-1\nprerm 2.0-1\npostrm 2.0-1\n"
    );
}

/// Builds, as `nobody`, a makepkg package with the same content as [`same_as_makepkg`].
fn makepkg_reference(dir: &Path) -> PathBuf {
    makepkg(
        dir,
        r#"pkgname=mkref
pkgver=1.2.3
pkgrel=1
pkgdesc='reference package made by makepkg'
arch=('x86_64')
url='https://example.invalid/'
license=('MIT')
depends=('glibc>=2.31')
conflicts=('mkref-legacy')
provides=('hello-world')
backup=('etc/mkref/mkref.conf')
install=mkref.install
options=('!strip' '!debug')
package() {
  install -Dm755 /dev/stdin "$pkgdir/usr/bin/mkref" <<<'#!/bin/sh
echo hi'
  install -Dm644 /dev/stdin "$pkgdir/etc/mkref/mkref.conf" <<<'x = 1'
  install -Dm644 /dev/stdin "$pkgdir/usr/share/mkref/odd name#1" <<<'odd'
  ln -s mkref "$pkgdir/usr/bin/mk"
  install -dm750 "$pkgdir/var/lib/mkref"
}
"#,
        &[("mkref.install", "post_install() {\n  :\n}\n")],
        "mkref-1.2.3-1-x86_64.pkg.tar.zst",
    )
}

/// Runs makepkg as `nobody` in `dir/makepkg` on `pkgbuild` (and the other files it names) and
/// returns the path of the package it writes, `package`.
fn makepkg(dir: &Path, pkgbuild: &str, files: &[(&str, &str)], package: &str) -> PathBuf {
    let build = dir.join("makepkg");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("PKGBUILD"), pkgbuild).unwrap();
    for (name, content) in files {
        std::fs::write(build.join(name), content).unwrap();
    }
    for p in std::fs::read_dir(&build).unwrap() {
        std::os::unix::fs::chown(p.unwrap().path(), Some(65534), Some(65534)).unwrap();
    }
    for p in [dir, &build] {
        std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    run(
        Command::new("runuser")
            .args(["-u", "nobody", "--", "env"])
            .arg(format!("HOME={}", build.display()))
            .arg("PKGEXT=.pkg.tar.zst")
            .arg(format!("SOURCE_DATE_EPOCH={DATE}"))
            .args(["makepkg", "--force", "--nodeps", "--noconfirm"])
            .current_dir(&build),
        MAKEPKG,
    );
    build.join(package)
}

/// A file with a second name, as makepkg packs it: bsdtar stores the second name as a tar hard
/// link and lists both in `.MTREE` as files with the content's digests. Arch's own packages
/// have such files (a program under two names); our reader lists the link with its file's
/// size and SHA-256, and checks them against `.MTREE`.
#[test]
fn a_hard_link_from_makepkg_is_read_with_its_files_digest() {
    let dir = scratch();
    let package = makepkg(
        dir.path(),
        r#"pkgname=mkhard
pkgver=1.0
pkgrel=1
pkgdesc='a file under two names'
arch=('x86_64')
license=('MIT')
options=('!strip' '!debug')
package() {
  install -Dm755 /dev/stdin "$pkgdir/usr/bin/mkhard" <<<'#!/bin/sh
echo two names'
  ln "$pkgdir/usr/bin/mkhard" "$pkgdir/usr/bin/mkhard2"
}
"#,
        &[],
        "mkhard-1.0-1-x86_64.pkg.tar.zst",
    );
    let listing = run(Command::new("bsdtar").arg("-tvf").arg(&package), BSDTAR);
    // makepkg archives its sorted file list: the first name is the file, the second the link.
    assert!(
        listing.contains("usr/bin/mkhard2 link to usr/bin/mkhard"),
        "makepkg did not store a hard link:\n{listing}"
    );
    let r = Reader::open(&package)
        .unwrap_or_else(|e| panic!("our reader rejects makepkg's package: {e}\n{listing}"));
    let entry = |p: &str| r.entries().iter().find(|e| e.path == p).unwrap().clone();
    let (file, link) = (entry("/usr/bin/mkhard"), entry("/usr/bin/mkhard2"));
    assert_eq!(
        (file.kind, link.kind),
        (EntryKind::File, EntryKind::Hardlink)
    );
    assert_eq!(link.link_target.as_deref(), Some("/usr/bin/mkhard"));
    assert_eq!((link.size, &link.digest), (file.size, &file.digest));
    let mtree = |p: &str| r.mtree().get(p).and_then(|m| m.sha256.clone());
    assert_eq!(mtree("usr/bin/mkhard2"), file.digest);
    assert_eq!(mtree("usr/bin/mkhard"), file.digest);
}

/// The model of the makepkg reference package.
fn same_as_makepkg() -> Package {
    let mut meta = Metadata::new("mkref", "1.2.3", Arch::X86_64);
    meta.summary = "reference package made by makepkg".into();
    meta.homepage = Some("https://example.invalid/".into());
    meta.license = "MIT".into();
    meta.relations.depends.push("glibc>=2.31".parse().unwrap());
    meta.relations
        .conflicts
        .push("mkref-legacy".parse().unwrap());
    meta.relations.provides.push("hello-world".parse().unwrap());
    let mut pkg = Package::new(meta, SourceDate(DATE));
    let p = |s: &str| InstallPath::new(s).unwrap();
    pkg.add_bytes(p("/usr/bin/mkref"), b"#!/bin/sh\necho hi\n".to_vec(), 0o755)
        .unwrap();
    pkg.add_bytes(p("/etc/mkref/mkref.conf"), b"x = 1\n".to_vec(), 0o644)
        .unwrap();
    pkg.mark_conffile(&p("/etc/mkref/mkref.conf")).unwrap();
    pkg.add_bytes(p("/usr/share/mkref/odd name#1"), b"odd\n".to_vec(), 0o644)
        .unwrap();
    pkg.add_symlink(p("/usr/bin/mk"), "mkref").unwrap();
    pkg.add_dir(p("/var/lib/mkref"), 0o750).unwrap();
    pkg.scripts.post_install = Some(":\n".into());
    pkg
}

#[test]
fn makepkg_packages_read_back_and_match_our_layout() {
    let dir = scratch();
    let reference = makepkg_reference(dir.path());
    let theirs = Reader::open(&reference)
        .unwrap_or_else(|e| panic!("our reader rejects makepkg's package: {e}"));
    let ours_path = write(
        &same_as_makepkg(),
        &Options::default(),
        &dir.path().join("ours"),
    );
    let ours = Reader::open(&ours_path).unwrap();

    // Same archive order: metadata entries, then the same data entries with the same modes.
    assert_eq!(theirs.metadata_entries(), ours.metadata_entries());
    assert_eq!(
        theirs.entries(),
        ours.entries(),
        "data entries (path, kind, mode, size, link, sha256)"
    );
    let tv = |p: &Path| -> Vec<String> {
        run(
            Command::new("bsdtar").env("TZ", "UTC").arg("-tvf").arg(p),
            BSDTAR,
        )
        .lines()
        .filter(|l| !l.contains(" ."))
        .map(String::from)
        .collect()
    };
    assert_eq!(
        tv(&reference),
        tv(&ours_path),
        "bsdtar -tv listing of the data entries"
    );

    // Same .MTREE entries for the data (type, owner, mode, time, size, digests, link).
    let data = |m: &Mtree| {
        m.entries
            .iter()
            .filter(|e| !e.path.starts_with('.'))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(data(theirs.mtree()), data(ours.mtree()));

    // .PKGINFO: the same keys in the same order (ours adds format 2's `xdata`), same values
    // where the model says the same thing.
    let keys = |p: &PkgInfo| {
        p.to_string()
            .lines()
            .map(|l| l.split(" = ").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let mut our_keys = keys(ours.metadata());
    our_keys.retain(|k| k != "xdata");
    assert_eq!(keys(theirs.metadata()), our_keys);
    let (t, o) = (theirs.metadata(), ours.metadata());
    assert_eq!(
        (&t.pkgver, &t.pkgdesc, &t.url, t.builddate),
        (&o.pkgver, &o.pkgdesc, &o.url, o.builddate)
    );
    assert_eq!(
        (&t.depend, &t.conflict, &t.provides, &t.backup, t.size),
        (&o.depend, &o.conflict, &o.provides, &o.backup, o.size)
    );
    // .BUILDINFO: the same keys in the same order up to the lists makepkg adds.
    let bkeys = |r: &Reader| {
        r.buildinfo()
            .unwrap()
            .to_string()
            .lines()
            .map(|l| l.split(" = ").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(bkeys(&theirs)[..12], bkeys(&ours)[..]);
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
        let two = with_tz("Pacific/Chatham", || {
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

    let mut pkg = base();
    pkg.metadata.version = "1.2.3-beta".into();
    let err = try_write(&pkg).to_string();
    assert!(
        err.contains("pkgver may not contain `-`") && err.contains("1.2.3_beta"),
        "{err}"
    );

    let mut pkg = base();
    pkg.metadata.name = "Syspack".into();
    let err = try_write(&pkg).to_string();
    assert!(
        err.contains("lowercase") && err.contains("use `syspack`"),
        "{err}"
    );

    let mut pkg = base();
    pkg.metadata.name = "-syspack".into();
    assert!(try_write(&pkg)
        .to_string()
        .contains("may not start with `-`"));

    let mut empty = Package::new(Metadata::new("empty", "1", Arch::All), SourceDate(DATE));
    empty
        .add_dir(InstallPath::new("/usr/share/empty").unwrap(), 0o755)
        .unwrap();
    assert!(matches!(try_write(&empty), Error::EmptyPackage { .. }));

    // An asset that disappears between staging and writing: an I/O error naming it, no output.
    let pkg = base();
    std::fs::remove_file(dir.path().join("assets/data.bin")).unwrap();
    let err = try_write(&pkg);
    assert!(
        matches!(&err, Error::Io { path, .. } if path.ends_with("data.bin")),
        "{err}"
    );
}

#[test]
fn compressions_get_their_file_suffix() {
    let pkg = same_as_makepkg();
    for (c, suffix) in [
        ("zstd", ".pkg.tar.zst"),
        ("xz", ".pkg.tar.xz"),
        ("gzip", ".pkg.tar.gz"),
        ("none", ".pkg.tar"),
    ] {
        let opts = Options {
            compression: c.parse::<Compression>().unwrap(),
            ..Options::default()
        };
        let name = arch::Writer::new(&pkg, &opts).unwrap().file_name();
        assert_eq!(name, format!("mkref-1.2.3-1-x86_64{suffix}"));
    }
}
