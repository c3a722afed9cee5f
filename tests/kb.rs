//! `syspack kb import` of an rpm-md repository: rpms built here (three by rpmbuild, whose elfdeps
//! writes the soname Provides, one by syspack), repodata written by createrepo_c in each
//! compression, and the index compared with what `rpm -qp` says of the same rpms; damaged
//! repodata refused with nothing written. The same for Arch `.files` databases written by
//! repo-add over packages syspack made, against each package's `.PKGINFO` and file list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::{assert_contains, tool, Dir};

const TOOLS: &str = "gcc rpm createrepo-c xz-utils";

/// A shared library with `soname`, built by gcc.
fn shared_library(dir: &Dir, file: &str, soname: &str) -> PathBuf {
    dir.create("lib.c", "int demo(void) { return 42; }\n");
    let out = dir.join(file);
    tool(
        "gcc",
        &[
            "-shared",
            "-fPIC",
            "-o",
            out.to_str().unwrap(),
            &format!("-Wl,-soname,{soname}"),
            dir.join("lib.c").to_str().unwrap(),
        ],
        TOOLS,
    );
    out
}

/// An rpm made by rpmbuild from `spec_head` (Name/Version/…) installing `install` lines; its
/// Provides are what rpmbuild generates.
fn rpmbuild(dir: &Dir, name: &str, spec_head: &str, install: &str) -> PathBuf {
    let top = dir.join("rpmbuild");
    let spec = dir.create(
        format!("{name}.spec"),
        format!(
            "Name: {name}\n{spec_head}Summary: test library\nLicense: MIT\n\
             %global debug_package %{{nil}}\n%global __os_install_post %{{nil}}\n\
             %description\ntest library\n%install\n{install}\n%files\n/usr/lib*/*\n"
        ),
    );
    tool(
        "rpmbuild",
        &[
            "-bb",
            "--quiet",
            "--nodeps",
            "--define",
            &format!("_topdir {}", top.display()),
            spec.to_str().unwrap(),
        ],
        TOOLS,
    );
    let rpms = crate::util::files_in(&top.join("RPMS/x86_64"));
    let file = rpms
        .iter()
        .find(|f| f.starts_with(&format!("{name}-")))
        .unwrap_or_else(|| panic!("rpmbuild made no {name} rpm: {rpms:?}"));
    top.join("RPMS/x86_64").join(file)
}

/// Four rpms in `dir/repo`: `demo-libs` (epoch 2; libdemo.so.1 → libdemo.so.1.0.0),
/// `other-libs` (libother.so.7 in /usr/lib64, a `libnot.so.1` outside the loader's directories),
/// `openssl-devel` (no library; named by the knowledge base) and syspack's `third` (a library
/// file in /usr/lib64, no Provides).
fn repository(dir: &Dir) -> Vec<PathBuf> {
    let demo = shared_library(dir, "libdemo.so.1.0.0", "libdemo.so.1");
    let other = shared_library(dir, "libother.so.7", "libother.so.7");
    let mut rpms = vec![
        rpmbuild(
            dir,
            "demo-libs",
            "Epoch: 2\nVersion: 1.2.3\nRelease: 4\n",
            &format!(
                "install -D -m 0755 {} %{{buildroot}}/usr/lib64/libdemo.so.1.0.0\n\
                 ln -s libdemo.so.1.0.0 %{{buildroot}}/usr/lib64/libdemo.so.1",
                demo.display()
            ),
        ),
        rpmbuild(
            dir,
            "other-libs",
            "Version: 0.9~rc1\nRelease: 1.fc43\n",
            &format!(
                "install -D -m 0755 {} %{{buildroot}}/usr/lib64/libother.so.7\n\
                 install -d %{{buildroot}}/usr/lib\necho text > %{{buildroot}}/usr/lib/libnot.so.1",
                other.display()
            ),
        ),
        // No library, but a package the knowledge base names for fedora-43 (openssl's `dev`
        // in distro/data/fedora-43.toml): its version is kept too.
        rpmbuild(
            dir,
            "openssl-devel",
            "Version: 3.5.4\nRelease: 2.fc43\n",
            "install -d %{buildroot}/usr/lib64/pkgconfig\n\
             echo x > %{buildroot}/usr/lib64/pkgconfig/openssl.pc",
        ),
    ];
    let third = shared_library(dir, "libthird.so.2", "libthird.so.2");
    dir.create(
        "syspack.toml",
        format!(
            "[package]\nname = \"third\"\nversion = \"3.1.0\"\nlicense = \"MIT\"\n\
             summary = \"a library file packaged by syspack\"\nmaintainer = \"T <t@example.org>\"\n\
             assets = [{{ source = \"{}\", dest = \"/usr/lib64/libthird.so.2\", mode = \"0755\" }}]\n",
            third.display()
        ),
    );
    dir.command()
        .args([
            "package",
            "--config",
            "syspack.toml",
            "--target",
            "fedora-43",
            "--out",
            "out",
        ])
        .stdout();
    rpms.push(dir.join("out/third-3.1.0-1.x86_64.rpm"));
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    for r in &rpms {
        std::fs::copy(r, repo.join(r.file_name().unwrap())).unwrap();
    }
    rpms
}

/// `dir/repo` holding `rpms`, with the repodata createrepo_c writes (gzip).
fn rpm_md_repo(dir: &Dir, rpms: &[&Path]) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    for r in rpms {
        std::fs::copy(r, repo.join(r.file_name().unwrap())).unwrap();
    }
    createrepo(&repo, "gz");
    repo
}

fn createrepo(repo: &Path, compression: &str) {
    let _ = std::fs::remove_dir_all(repo.join("repodata"));
    tool(
        "createrepo_c",
        &[
            "--quiet",
            "--no-database",
            "--general-compress-type",
            compression,
            repo.to_str().unwrap(),
        ],
        TOOLS,
    );
}

/// Recompresses the gzip `primary` and `filelists` of `repo` with the zstd tool and rewrites their
/// `<data>` in repomd.xml: location, checksum and size (the open-checksum stays what it was).
fn to_zstd(repo: &Path) {
    let repodata = repo.join("repodata");
    let mut repomd = std::fs::read_to_string(repodata.join("repomd.xml")).unwrap();
    for name in crate::util::files_in(&repodata) {
        let Some(stem) = name.strip_suffix(".xml.gz") else {
            continue;
        };
        if !(stem.ends_with("-primary") || stem.ends_with("-filelists")) {
            continue;
        }
        let gz = repodata.join(&name);
        let xml = tool("gzip", &["-dc", gz.to_str().unwrap()], "gzip");
        let plain = repodata.join(format!("{stem}.xml"));
        std::fs::write(&plain, xml).unwrap();
        tool(
            "zstd",
            &["-q", "-19", "--rm", plain.to_str().unwrap()],
            "zstd",
        );
        let zst = repodata.join(format!("{stem}.xml.zst"));
        let old_sum = stem.split('-').next().unwrap();
        let new_sum = tool("sha256sum", &[zst.to_str().unwrap()], "coreutils")[..64].to_string();
        let old_size = std::fs::metadata(&gz).unwrap().len();
        let new_size = std::fs::metadata(&zst).unwrap().len();
        let start = repomd
            .find(&format!("<checksum type=\"sha256\">{old_sum}"))
            .unwrap();
        let end = start + repomd[start..].find("</data>").unwrap();
        let block = repomd[start..end]
            .replacen(old_sum, &new_sum, 1)
            .replace(&format!("{name}\""), &format!("{stem}.xml.zst\""))
            .replace(
                &format!("<size>{old_size}</size>"),
                &format!("<size>{new_size}</size>"),
            );
        repomd.replace_range(start..end, &block);
        std::fs::remove_file(&gz).unwrap();
    }
    assert!(repomd.contains("primary.xml.zst") && repomd.contains("filelists.xml.zst"));
    std::fs::write(repodata.join("repomd.xml"), repomd).unwrap();
}

/// The `package` and `soname` records of an index written by `kb import`.
fn records(index: &Path) -> (BTreeMap<String, String>, BTreeMap<String, BTreeSet<String>>) {
    let text = tool("xz", &["-dc", index.to_str().unwrap()], TOOLS);
    let (mut packages, mut sonames) = (BTreeMap::new(), BTreeMap::new());
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        match f[0] {
            "package" => {
                packages.insert(f[1].to_string(), f[2].to_string());
            }
            "soname" => {
                sonames.insert(
                    f[1].to_string(),
                    f[2].split(',').map(String::from).collect(),
                );
            }
            _ => {}
        }
    }
    (packages, sonames)
}

/// What rpm says of the rpms: name → EVR for each one shipping a library (or named by the
/// knowledge base: `openssl-devel`), and soname → packages
/// from `--provides` (`X()(64bit)`) and `-l` (`lib*.so*` directly in /usr/lib64 or /lib64).
fn what_rpm_says(
    rpms: &[PathBuf],
) -> (BTreeMap<String, String>, BTreeMap<String, BTreeSet<String>>) {
    let (mut versions, mut sonames) =
        (BTreeMap::new(), BTreeMap::<String, BTreeSet<String>>::new());
    for r in rpms {
        let r = r.to_str().unwrap();
        let nevr = tool("rpm", &["-qp", "--qf", "%{NAME}\t%{EVR}", r], TOOLS);
        let (name, evr) = nevr.split_once('\t').unwrap();
        let mut ships = false;
        for p in tool("rpm", &["-qp", "--provides", r], TOOLS).lines() {
            if let Some(so) = p.trim().strip_suffix("()(64bit)") {
                sonames.entry(so.into()).or_default().insert(name.into());
                ships = true;
            }
        }
        for f in tool("rpm", &["-qpl", r], TOOLS).lines() {
            let Some((dir, file)) = f.rsplit_once('/') else {
                continue;
            };
            if ["/usr/lib64", "/lib64"].contains(&dir)
                && file.starts_with("lib")
                && file.contains(".so.")
            {
                sonames.entry(file.into()).or_default().insert(name.into());
                ships = true;
            }
        }
        if ships || name == "openssl-devel" {
            versions.insert(name.to_string(), evr.to_string());
        }
    }
    (versions, sonames)
}

/// A GnuPG home `dir/<name>` holding one key without passphrase (Ed25519 primary; with `subkey`
/// also a signing subkey, which gpg then signs with, as Arch packagers' keys do); its public
/// keyring is exported to `dir/<name>.gpg`. The agent it starts is stopped on drop.
struct Gpg {
    home: PathBuf,
    public: PathBuf,
}

impl Gpg {
    fn new(dir: &Dir, name: &str, subkey: bool) -> Gpg {
        let home = dir.join(name);
        std::fs::create_dir_all(&home).unwrap();
        std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let g = Gpg {
            public: dir.join(format!("{name}.gpg")),
            home,
        };
        let uid = format!("{name} <{name}@example.org>");
        g.run(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            &uid,
            "ed25519",
            "sign",
            "never",
        ]);
        if subkey {
            let list = g.run(&["--with-colons", "--list-keys", &uid]);
            let fpr = list
                .lines()
                .find_map(|l| l.strip_prefix("fpr:"))
                .and_then(|l| l.split(':').find(|f| !f.is_empty()))
                .unwrap()
                .to_string();
            g.run(&[
                "--passphrase",
                "",
                "--quick-add-key",
                &fpr,
                "ed25519",
                "sign",
                "never",
            ]);
        }
        g.run(&["--output", g.public.to_str().unwrap(), "--export"]);
        g
    }

    fn run(&self, args: &[&str]) -> String {
        let mut all = vec![
            "--homedir",
            self.home.to_str().unwrap(),
            "--batch",
            "--yes",
            "--pinentry-mode",
            "loopback",
        ];
        all.extend_from_slice(args);
        tool("gpg", &all, "gnupg")
    }

    /// A detached signature of `file` at `sig` (armored or binary).
    fn sign(&self, file: &Path, sig: &Path, armor: bool) {
        let mut args = vec!["--detach-sign", "--output", sig.to_str().unwrap()];
        if armor {
            args.push("--armor");
        }
        args.push(file.to_str().unwrap());
        self.run(&args);
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = std::process::Command::new("gpgconf")
            .arg("--homedir")
            .arg(&self.home)
            .args(["--kill", "all"])
            .output();
    }
}

/// `kb import --keyring` of `repo`: the signature (made by `sign`) verifies with `good`'s keys,
/// is refused with `other`'s, and a missing signature file is refused; nothing is written when
/// refused.
fn keyring_checks(
    dir: &Dir,
    release: &str,
    repo: &Path,
    good: &Gpg,
    other: &Gpg,
    sigs: &[PathBuf],
) {
    let import = |keys: &Path, out: &str| {
        let mut c = dir.command();
        c.args(["kb", "import", "--release", release])
            .args([repo])
            .args([std::ffi::OsStr::new("--keyring"), keys.as_os_str()])
            .args(["--out", out]);
        c
    };
    let summary = import(&good.public, "signed-index").stdout();
    assert_contains(&summary, &["good signature by key", ".gpg)"]);
    let show = dir
        .command()
        .args(["kb", "show", release, "--from", "signed-index"])
        .stdout();
    assert_contains(&show, &["signature: ", "good signature by key"]);
    // Another key's keyring: the signer is named, and said not to be in it.
    let err = import(&other.public, "other-index").stderr_with(2);
    assert_contains(&err, &["made by key", "is not among", "nothing imported"]);
    assert!(!dir.join("other-index").exists(), "{err}");
    for sig in sigs {
        let kept = std::fs::read(sig).unwrap();
        std::fs::remove_file(sig).unwrap();
        let err = import(&good.public, "unsigned-index").stderr_with(2);
        assert_contains(&err, &["not found", "nothing imported"]);
        assert!(!dir.join("unsigned-index").exists(), "{err}");
        std::fs::write(sig, kept).unwrap();
    }
}

#[test]
fn kb_import_of_createrepo_c_repodata_agrees_with_rpm() {
    let dir = Dir::new("kb-import-rpm-md");
    let rpms = repository(&dir);
    let (want_versions, want_sonames) = what_rpm_says(&rpms);
    // The cases the rpms were built for are there: an epoch, a `~`, a symlinked soname, a
    // library without Provides, a file outside the loader's directories.
    assert_eq!(want_versions["demo-libs"], "2:1.2.3-4");
    assert_eq!(want_versions["other-libs"], "0.9~rc1-1.fc43");
    assert!(
        want_sonames.contains_key("libdemo.so.1") && want_sonames.contains_key("libthird.so.2")
    );
    assert!(!want_sonames.contains_key("libnot.so.1"));
    assert_eq!(want_versions["openssl-devel"], "3.5.4-2.fc43");
    assert!(!want_sonames
        .values()
        .flatten()
        .any(|p| p == "openssl-devel"));

    let repo = dir.join("repo");
    // Debian 12's createrepo_c writes no zstd (`Unknown/Unsupported compression type`), which
    // Fedora's repositories use: its gzip files recompressed by the zstd tool, repomd.xml's
    // location, checksum and size changed to match, stand in for them.
    for compression in ["gz", "xz", "bz2", "zstd"] {
        if compression == "zstd" {
            createrepo(&repo, "gz");
            to_zstd(&repo);
        } else {
            createrepo(&repo, compression);
        }
        let out = dir.join(format!("index-{compression}"));
        let summary = dir
            .command()
            .args([
                "kb",
                "import",
                "--release",
                "fedora-43",
                "--origin",
                "f43/os",
            ])
            .args([&repo])
            .args(["--out"])
            .args([&out])
            .stdout();
        assert_contains(
            &summary,
            &[
                "fedora-43: rpm-md revision",
                &format!(
                    "{} packages, {} library files",
                    want_versions.len(),
                    want_sonames.len()
                ),
                "fedora-43: signature: none: signature not checked",
            ],
        );
        let index = out.join("fedora-43.idx.xz");
        let (versions, sonames) = records(&index);
        assert_eq!(sonames, want_sonames, "{compression}: soname → packages");
        assert_eq!(versions, want_versions, "{compression}: versions");

        // Same input, same bytes.
        let again = dir.join(format!("again-{compression}"));
        dir.command()
            .args([
                "kb",
                "import",
                "--release",
                "fedora-43",
                "--origin",
                "f43/os",
            ])
            .args([&repo])
            .args(["--out"])
            .args([&again])
            .stdout();
        let bytes = std::fs::read(&index).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(again.join("fedora-43.idx.xz")).unwrap()
        );
        // The written index is one `kb import` of `.idx` files takes back unchanged.
        let copy = dir.join(format!("copy-{compression}"));
        dir.command()
            .args(["kb", "import"])
            .args([&out])
            .args(["--out"])
            .args([&copy])
            .stdout();
        assert_eq!(bytes, std::fs::read(copy.join("fedora-43.idx.xz")).unwrap());

        // Provenance: repomd's sha256, the files it names, the derivation.
        let repomd = std::fs::read(repo.join("repodata/repomd.xml")).unwrap();
        let repomd_sha = tool(
            "sha256sum",
            &[repo.join("repodata/repomd.xml").to_str().unwrap()],
            "coreutils",
        );
        let primary = crate::util::files_in(&repo.join("repodata"))
            .into_iter()
            .find(|f| f.contains("-primary.xml"))
            .unwrap();
        let show = dir
            .command()
            .args(["kb", "show", "fedora-43", "--from"])
            .args([&out])
            .stdout();
        assert_contains(
            &show,
            &[
                "rpm-md",
                &format!("f43/os/repodata/repomd.xml sha256 {}", &repomd_sha[..64]),
                &format!("({} bytes)", repomd.len()),
                &format!("f43/os/repodata/{primary}"),
                "derived:   `syspack kb import --release fedora-43 DIR`",
                &format!(
                    "{} library files, {} packages",
                    want_sonames.len(),
                    want_versions.len()
                ),
            ],
        );
    }

    // repomd.xml.asc, as `gpg --detach-sign --armor` (what repository tools run) writes it.
    let (good, other) = (
        Gpg::new(&dir, "good", false),
        Gpg::new(&dir, "other", false),
    );
    let repomd = repo.join("repodata/repomd.xml");
    let asc = repo.join("repodata/repomd.xml.asc");
    good.sign(&repomd, &asc, true);
    keyring_checks(
        &dir,
        "fedora-43",
        &repo,
        &good,
        &other,
        std::slice::from_ref(&asc),
    );
    // repomd.xml changed after signing: refused.
    let text = std::fs::read_to_string(&repomd).unwrap();
    std::fs::write(&repomd, text.replacen("<revision>", "<revision>1", 1)).unwrap();
    let err = dir
        .command()
        .args(["kb", "import", "--release", "fedora-43"])
        .args([&repo])
        .args([std::ffi::OsStr::new("--keyring"), good.public.as_os_str()])
        .args(["--out", "changed-index"])
        .stderr_with(2);
    assert_contains(
        &err,
        &["repomd.xml", "does not verify with key", "which made it"],
    );
    assert!(!dir.join("changed-index").exists(), "{err}");
}

#[test]
fn kb_import_refuses_damaged_repodata_and_writes_nothing() {
    let dir = Dir::new("kb-import-damaged");
    let demo = shared_library(&dir, "libdemo.so.1", "libdemo.so.1");
    let rpm = rpmbuild(
        &dir,
        "demo-libs",
        "Version: 1\nRelease: 1\n",
        &format!(
            "install -D -m 0755 {} %{{buildroot}}/usr/lib64/libdemo.so.1",
            demo.display()
        ),
    );
    let repo = rpm_md_repo(&dir, &[&rpm]);
    let file = |kind: &str| {
        let name = crate::util::files_in(&repo.join("repodata"))
            .into_iter()
            .find(|f| f.contains(&format!("-{kind}.xml")))
            .unwrap();
        (repo.join("repodata").join(&name), name)
    };
    let import_to = |out: &str| {
        let mut command = dir.command();
        command
            .args(["kb", "import", "--release", "fedora-43"])
            .args([&repo])
            .args(["--out", out]);
        command
    };
    let import = |out: &str| import_to(out).stderr_with(2);
    // Undamaged, it imports (so the refusals below are the damage's doing).
    import_to("good").stdout();
    assert!(dir.join("good/fedora-43.idx.xz").is_file());

    // One flipped byte in primary.xml.gz.
    let (primary, primary_name) = file("primary");
    let original = std::fs::read(&primary).unwrap();
    let mut flipped = original.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    std::fs::write(&primary, &flipped).unwrap();
    let err = import("bad1");
    assert_contains(
        &err,
        &[
            &primary_name,
            "sha256",
            "but repodata/repomd.xml lists",
            "download repomd.xml and the files it names again",
        ],
    );
    assert!(!dir.join("bad1").exists(), "{err}");
    std::fs::write(&primary, &original).unwrap();

    // filelists.xml.gz one byte longer than repomd says.
    let (filelists, filelists_name) = file("filelists");
    let mut longer = std::fs::read(&filelists).unwrap();
    let size = longer.len();
    longer.push(0);
    std::fs::write(&filelists, &longer).unwrap();
    let err = import("bad2");
    assert_contains(
        &err,
        &[
            &filelists_name,
            &format!("({} bytes)", size + 1),
            &format!("({size} bytes)"),
        ],
    );
    assert!(!dir.join("bad2").exists(), "{err}");

    // A repository without --release is refused, naming the option.
    let err = dir
        .command()
        .args(["kb", "import"])
        .args([&repo])
        .args(["--out", "bad3"])
        .stderr_with(2);
    assert_contains(&err, &["rpm-md repository", "--release"]);
    // A Debian release cannot take an rpm-md index.
    std::fs::write(&filelists, &longer[..size]).unwrap();
    let err = dir
        .command()
        .args(["kb", "import", "--release", "debian-12"])
        .args([&repo])
        .args(["--out", "bad4"])
        .stderr_with(2);
    assert_contains(&err, &["debian-12", "not a `rpm` one"]);
    assert!(!dir.join("bad3").exists() && !dir.join("bad4").exists());

    // An `.idx` file names its release, which names the file written: never a path.
    dir.create(
        "idx/evil.idx",
        "syspack-kb-index\t1\nrelease\t../evil\ndate\tx\ncommand\tc\n",
    );
    let err = dir
        .command()
        .args(["kb", "import", "idx", "--out", "idx-out/sub"])
        .stderr_with(2);
    assert_contains(&err, &["../evil", "not a release id"]);
    assert!(!dir.join("idx-out").exists(), "{err}");
}

/// A package syspack writes for `target` into `dir/<target>-out` from `assets` (`(source,
/// dest)`); `extra` holds more `[package]` lines (`provides = [...]`). The FreeBSD packages hold
/// Linux test binaries, which the packaging must be told to allow.
fn syspack_package(
    dir: &Dir,
    target: &str,
    name: &str,
    version: &str,
    extra: &str,
    assets: &[(&Path, &str)],
) {
    let assets: Vec<String> = assets
        .iter()
        .map(|(s, d)| {
            format!(
                "{{ source = \"{}\", dest = \"{d}\", mode = \"0755\" }}",
                s.display()
            )
        })
        .collect();
    dir.create(
        format!("{name}.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\nlicense = \"MIT\"\n\
             summary = \"test package\"\nmaintainer = \"T <t@example.org>\"\n{extra}\
             assets = [{}]\n",
            assets.join(", ")
        ),
    );
    let foreign = target
        .starts_with("freebsd")
        .then_some(crate::package::FOREIGN);
    dir.command()
        .args(["package", "--config", &format!("{name}.toml")])
        .args(["--target", target, "--out", &format!("{target}-out")])
        .args(foreign)
        .stdout();
}

/// The Arch packages syspack wrote into `dir/arch-out`.
fn arch_packages(dir: &Dir) -> Vec<PathBuf> {
    crate::util::files_in(&dir.join("arch-out"))
        .iter()
        .filter(|f| f.contains(".pkg.tar"))
        .map(|f| dir.join("arch-out").join(f))
        .collect()
}

/// `repo`/test.db.tar.gz and test.files.tar.gz, written by repo-add over copies of `pkgs`.
fn repo_add(repo: &Path, pkgs: &[PathBuf]) {
    repo_add_named(repo, "test", pkgs);
}

/// `repo`/`name`.db.tar.gz and `name`.files.tar.gz, written by repo-add over copies of `pkgs`.
fn repo_add_named(repo: &Path, name: &str, pkgs: &[PathBuf]) {
    std::fs::create_dir_all(repo).unwrap();
    let mut args = vec!["-q".to_string(), format!("{name}.db.tar.gz")];
    for p in pkgs {
        let name = p.file_name().unwrap();
        std::fs::copy(p, repo.join(name)).unwrap();
        args.push(name.to_string_lossy().into_owned());
    }
    let out = std::process::Command::new("repo-add")
        .args(&args)
        .current_dir(repo)
        .output()
        .expect("repo-add runs (apt-get install -y pacman-package-manager)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Arch `.files` databases written by repo-add over packages syspack made: the index agrees with
/// what each package's `.PKGINFO` and file list say; a truncated database is refused.
#[test]
fn kb_import_of_repo_add_files_database_agrees_with_the_packages() {
    let dir = Dir::new("kb-import-arch");
    let demo = shared_library(&dir, "libdemo.so.1.0.0", "libdemo.so.1");
    let other = shared_library(&dir, "libother.so.7", "libother.so.7");
    let doc = dir.create("README", "text\n");
    // The soname from makepkg's provide (`libdemo.so=1-64`), the real file from the list.
    syspack_package(
        &dir,
        "arch",
        "demo-libs",
        "1.2.3",
        "provides = [\"libdemo.so=1-64\"]\n",
        &[(&demo, "/usr/lib/libdemo.so.1.0.0")],
    );
    // A library in the loader's directory and one in lib32, which a 64-bit binary never loads.
    syspack_package(
        &dir,
        "arch",
        "other",
        "0.9.1",
        "",
        &[
            (&other, "/usr/lib/libother.so.7"),
            (&other, "/usr/lib32/libother.so.7"),
        ],
    );
    // No library, but the knowledge base names it (openssl's runtime in distro/data/arch.toml).
    syspack_package(
        &dir,
        "arch",
        "openssl",
        "3.6.0",
        "",
        &[(&doc, "/usr/share/doc/openssl/README")],
    );
    let pkgs = arch_packages(&dir);
    assert_eq!(pkgs.len(), 3, "{pkgs:?}");

    // What the packages say: .PKGINFO's pkgname, pkgver and soname provides; the file list.
    let (mut want_versions, mut want_sonames) =
        (BTreeMap::new(), BTreeMap::<String, BTreeSet<String>>::new());
    for p in &pkgs {
        let p = p.to_str().unwrap();
        let info = tool("bsdtar", &["-xOf", p, ".PKGINFO"], "libarchive-tools");
        let field = |k: &str| -> Vec<String> {
            info.lines()
                .filter_map(|l| l.strip_prefix(&format!("{k} = ")))
                .map(String::from)
                .collect()
        };
        let name = field("pkgname")[0].clone();
        let mut ships = false;
        for prov in field("provides") {
            if let Some((so, ver)) = prov.split_once('=') {
                if let Some(v) = ver.strip_suffix("-64") {
                    sonames_insert(&mut want_sonames, &format!("{so}.{v}"), &name);
                    ships = true;
                }
            }
        }
        for f in tool("bsdtar", &["-tf", p], "libarchive-tools").lines() {
            if let Some(file) = f.strip_prefix("usr/lib/") {
                if file.starts_with("lib") && file.contains(".so.") && !file.contains('/') {
                    sonames_insert(&mut want_sonames, file, &name);
                    ships = true;
                }
            }
        }
        if ships || name == "openssl" {
            want_versions.insert(name, field("pkgver")[0].clone());
        }
    }
    assert_eq!(
        want_sonames.keys().collect::<Vec<_>>(),
        ["libdemo.so.1", "libdemo.so.1.0.0", "libother.so.7"]
    );
    assert_eq!(want_versions.len(), 3);

    let repo = dir.join("arch-repo");
    repo_add(&repo, &pkgs);

    let summary = dir
        .command()
        .args(["kb", "import", "--release", "arch"])
        .args([&repo])
        .args(["--out", "arch-index"])
        .stdout();
    assert_contains(
        &summary,
        &[
            "arch: test.files.tar.gz",
            "3 packages, 3 library files",
            "arch: signature: none: signature not checked",
        ],
    );
    let (versions, sonames) = records(&dir.join("arch-index/arch.idx.xz"));
    assert_eq!(sonames, want_sonames);
    assert_eq!(versions, want_versions);
    let show = show_naming_file(&dir, "arch", "arch-index", &repo.join("test.files.tar.gz"));
    assert_contains(&show, &["pacman-db"]);

    // The database's detached signature, from a signing subkey (binary, as repo-add --sign
    // writes it).
    let (good, other) = (Gpg::new(&dir, "good", true), Gpg::new(&dir, "other", true));
    let sig = repo.join("test.files.tar.gz.sig");
    good.sign(&repo.join("test.files.tar.gz"), &sig, false);
    keyring_checks(
        &dir,
        "arch",
        &repo,
        &good,
        &other,
        std::slice::from_ref(&sig),
    );

    // A truncated database is refused; nothing is written.
    let db = repo.join("test.files.tar.gz");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 2]).unwrap();
    let err = dir
        .command()
        .args(["kb", "import", "--release", "arch"])
        .args([&repo])
        .args(["--out", "arch-bad"])
        .stderr_with(2);
    assert_contains(&err, &["test.files.tar.gz"]);
    assert!(!dir.join("arch-bad").exists(), "{err}");
}

fn sonames_insert(m: &mut BTreeMap<String, BTreeSet<String>>, so: &str, pkg: &str) {
    m.entry(so.to_string()).or_default().insert(pkg.to_string());
}

/// This machine's C library and loader, which the provider packages of the tests below ship
/// (so the imported index knows a provider of `libc.so.6` as a real release's does).
const LIBC: &str = "/lib/x86_64-linux-gnu/libc.so.6";
const LOADER: &str = "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";

/// `dir/name`: a program calling `demo()` from `lib` (its DT_NEEDED is `lib`'s soname).
fn program_linking(dir: &Dir, name: &str, lib: &Path) -> PathBuf {
    dir.create(
        "main.c",
        "int demo(void);\nint main(void) { return demo() == 42 ? 0 : 1; }\n",
    );
    let out = dir.join(name);
    tool(
        "gcc",
        &[
            "-o",
            out.to_str().unwrap(),
            dir.join("main.c").to_str().unwrap(),
            lib.to_str().unwrap(),
        ],
        TOOLS,
    );
    out
}

/// `syspack package` of `bin` as /usr/bin/`name` for `target` into `out`, with the release
/// indexes in `index_dir` and `extra` lines in `[package]`.
fn package_program(
    dir: &Dir,
    index_dir: &Path,
    name: &str,
    bin: &Path,
    target: &str,
    extra: &str,
) -> crate::util::TestCommand {
    dir.create(
        format!("{name}.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nlicense = \"MIT\"\n\
             summary = \"a program\"\nmaintainer = \"T <t@example.org>\"\n{extra}\
             assets = [{{ source = \"{}\", dest = \"{}/bin/{name}\", mode = \"0755\" }}]\n",
            bin.display(),
            if target.starts_with("freebsd") {
                "/usr/local"
            } else {
                "/usr"
            }
        ),
    );
    let mut c = dir.command();
    c.args(["package", "--config", &format!("{name}.toml")])
        .args(["--target", target, "--out", "app-out"])
        .env("SYSPACK_INDEX_DIR", index_dir);
    c
}

/// `rpm -i --test` of `rpms` into an empty root: whether every Requires is resolved among them.
fn rpm_install_test(dir: &Dir, rpms: &[&Path]) -> std::process::Output {
    let root = dir.join("rpm-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    tool(
        "rpm",
        &["--root", root.to_str().unwrap(), "--initdb"],
        TOOLS,
    );
    std::process::Command::new("rpm")
        .args(["--root", root.to_str().unwrap(), "-i", "--test"])
        .args(rpms)
        .output()
        .expect("rpm runs (apt-get install -y rpm)")
}

/// An imported fedora-43 index (createrepo_c repodata of rpms rpmbuild made, one providing
/// libdemo.so.1, one the C library) in the index directory `kb import` writes by default: the
/// package's Requires are the soname dependencies rpm resolves against those providers, and a
/// soname no package of the index provides is refused, naming the soname, the release, the
/// index file and the fix. A damaged index is an error, not a fallback.
#[test]
fn package_for_fedora_uses_the_imported_index() {
    let dir = Dir::new("kb-use-rpm");
    let demo = shared_library(&dir, "libdemo.so.1.0.0", "libdemo.so.1");
    let demo_rpm = rpmbuild(
        &dir,
        "demo-libs",
        "Version: 1.2.3\nRelease: 4\n",
        &format!(
            "install -D -m 0755 {} %{{buildroot}}/usr/lib64/libdemo.so.1.0.0\n\
             ln -s libdemo.so.1.0.0 %{{buildroot}}/usr/lib64/libdemo.so.1",
            demo.display()
        ),
    );
    let libc_rpm = rpmbuild(
        &dir,
        "glibc",
        "Version: 2.42\nRelease: 1.fc43\nProvides: rtld(GNU_HASH)\n",
        &format!(
            "install -D -m 0755 {LIBC} %{{buildroot}}/usr/lib64/libc.so.6\n\
             install -D -m 0755 {LOADER} %{{buildroot}}/usr/lib64/ld-linux-x86-64.so.2"
        ),
    );
    let repo = rpm_md_repo(&dir, &[&demo_rpm, &libc_rpm]);
    // No --out: the index directory, where package and matrix look.
    let index_dir = dir.join("index");
    dir.command()
        .args(["kb", "import", "--release", "fedora-43"])
        .args([&repo])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    let index_file = index_dir.join("fedora-43.idx.xz");
    assert!(index_file.is_file());
    let show = dir
        .command()
        .args(["kb", "show", "fedora-43"])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    assert_contains(
        &show,
        &[&format!("index:     {}", index_file.display()), "rpm-md"],
    );

    let app = program_linking(&dir, "app", &demo);
    package_program(&dir, &index_dir, "app", &app, "fedora-43", "").stdout();
    let app_rpm = dir.join("app-out/app-1.0.0-1.x86_64.rpm");
    let requires = tool(
        "rpm",
        &["-qp", "--requires", app_rpm.to_str().unwrap()],
        TOOLS,
    );
    assert_contains(&requires, &["libdemo.so.1()(64bit)", "libc.so.6()(64bit)"]);
    // rpm resolves them against the providers; without the libdemo one it cannot.
    let ok = rpm_install_test(&dir, &[&app_rpm, &demo_rpm, &libc_rpm]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let without = rpm_install_test(&dir, &[&app_rpm, &libc_rpm]);
    assert!(!without.status.success());
    assert_contains(
        &String::from_utf8_lossy(&without.stderr),
        &["libdemo.so.1()(64bit) is needed by app"],
    );

    // A soname the release's index does not have: the binary cannot run there.
    let lonely = shared_library(&dir, "libmissing.so.3", "libmissing.so.3");
    let lost = program_linking(&dir, "lost", &lonely);
    let err = package_program(&dir, &index_dir, "lost", &lost, "fedora-43", "").stderr_with(2);
    assert_contains(
        &err,
        &[
            "`libmissing.so.3`",
            "no package of fedora-43",
            &index_file.display().to_string(),
            "in `depends`",
        ],
    );
    // Declared, from a third-party repository: a warning, and the package is written.
    package_program(
        &dir,
        &index_dir,
        "lost",
        &lost,
        "fedora-43",
        "depends = [\"missing-provider\"]\n",
    )
    .stdout();
    assert!(dir.join("app-out/lost-1.0.0-1.x86_64.rpm").is_file());
    // Without an index (the built-in data has none for fedora-43) the same binary is packaged.
    package_program(&dir, &dir.join("no-index"), "lost", &lost, "fedora-43", "").stdout();

    // A damaged index is an error naming it and the fix, not the built-in data.
    std::fs::write(&index_file, b"not xz").unwrap();
    let err = package_program(&dir, &index_dir, "app", &app, "fedora-43", "").stderr_with(2);
    assert_contains(
        &err,
        &[
            &index_file.display().to_string(),
            "syspack kb import --release fedora-43",
        ],
    );
    let err = dir
        .command()
        .args(["matrix", "--target", "fedora-43", "--binary"])
        .args([&app])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stderr_with(2);
    assert_contains(&err, &[&index_file.display().to_string(), "kb import"]);
}

/// An imported Arch index (repo-add `.files` databases: `core` with the C library, `extra` with
/// a provider of libdemo.so.1): the package depends on the providers by name, version-free as
/// makepkg writes it, and a soname no package of the index ships is refused. An index of `core`
/// alone cannot say that: there the soname is unknown, a warning, and the matrix says so.
#[test]
fn package_for_arch_depends_on_the_providers_in_the_imported_index() {
    let dir = Dir::new("kb-use-arch");
    let demo = shared_library(&dir, "libdemo.so.1.0.0", "libdemo.so.1");
    syspack_package(
        &dir,
        "arch",
        "demo-libs",
        "1.2.3",
        "provides = [\"libdemo.so=1-64\"]\n",
        &[(&demo, "/usr/lib/libdemo.so.1.0.0")],
    );
    syspack_package(
        &dir,
        "arch",
        "glibc",
        "2.42",
        "",
        &[
            (Path::new(LIBC), "/usr/lib/libc.so.6"),
            (Path::new(LOADER), "/usr/lib/ld-linux-x86-64.so.2"),
        ],
    );
    let repo = dir.join("arch-repo");
    let (core, extra): (Vec<PathBuf>, Vec<PathBuf>) =
        arch_packages(&dir).into_iter().partition(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("glibc-")
        });
    assert_eq!((core.len(), extra.len()), (1, 1));
    repo_add_named(&repo, "core", &core);
    repo_add_named(&repo, "extra", &extra);
    let index_dir = dir.join("index");
    let summary = dir
        .command()
        .args(["kb", "import", "--release", "arch"])
        .args([&repo])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    assert!(!summary.contains("partial"), "{summary}");

    let app = program_linking(&dir, "app", &demo);
    package_program(&dir, &index_dir, "app", &app, "arch", "").stdout();
    let pkg = crate::util::files_in(&dir.join("app-out"))
        .into_iter()
        .find(|f| f.starts_with("app-") && f.contains(".pkg.tar"))
        .expect("an Arch package");
    let info = tool(
        "bsdtar",
        &[
            "-xOf",
            dir.join("app-out").join(pkg).to_str().unwrap(),
            ".PKGINFO",
        ],
        "libarchive-tools",
    );
    let depends: Vec<&str> = info
        .lines()
        .filter_map(|l| l.strip_prefix("depend = "))
        .collect();
    assert_eq!(depends, ["demo-libs", "glibc"], "{info}");

    let lonely = shared_library(&dir, "libmissing.so.3", "libmissing.so.3");
    let lost = program_linking(&dir, "lost", &lonely);
    let err = package_program(&dir, &index_dir, "lost", &lost, "arch", "").stderr_with(2);
    assert_contains(
        &err,
        &[
            "`libmissing.so.3`",
            "no package of arch",
            &index_dir.join("arch.idx.xz").display().to_string(),
        ],
    );

    // The matrix answers from the same index, with its as-of date: a definite yes and no.
    let m = matrix_json(&dir, &index_dir, "arch", &lost);
    let runs = &m["rows"][0]["runs"];
    assert_eq!(runs["status"], "no", "{m:#}");
    assert_contains(
        &runs["reasons"].to_string(),
        &["libmissing.so.3", "does not ship", "core.files.tar.gz"],
    );

    let show = dir
        .command()
        .args(["kb", "show", "arch"])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    let date = show
        .lines()
        .find_map(|l| l.strip_prefix("as of:"))
        .expect("kb show prints the date")
        .trim()
        .to_string();
    assert_eq!(runs["index_as_of"], date.as_str(), "{m:#}");
    let table = dir
        .command()
        .args(["matrix", "--target", "arch", "--binary"])
        .args([&app])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    assert_contains(&table, &["yes", &format!(" (index as of {date})")]);
    let m = matrix_json(&dir, &index_dir, "arch", &app);
    assert_eq!(m["rows"][0]["runs"]["status"], "yes", "{m:#}");
    assert_contains(
        &m["rows"][0]["dependencies"].to_string(),
        &["\"demo-libs\"", "libdemo.so.1"],
    );

    // `core` alone: its file lists cannot say what `extra` ships.
    let core_only = dir.join("core-only");
    std::fs::create_dir_all(&core_only).unwrap();
    std::fs::copy(
        repo.join("core.files.tar.gz"),
        core_only.join("core.files.tar.gz"),
    )
    .unwrap();
    let partial_dir = dir.join("partial-index");
    let summary = dir
        .command()
        .args(["kb", "import", "--release", "arch"])
        .args([&core_only])
        .env("SYSPACK_INDEX_DIR", &partial_dir)
        .stdout();
    assert_contains(
        &summary,
        &[
            "partial: the `extra` database(s) of the release were not imported",
            "unknown, not missing",
        ],
    );
    let warned = package_program(&dir, &partial_dir, "lost", &lost, "arch", "").stderr_with(0);
    assert_contains(&warned, &["libmissing.so.3"]);
    let m = matrix_json(&dir, &partial_dir, "arch", &lost);
    assert_eq!(m["rows"][0]["runs"]["status"], "unknown", "{m:#}");
}

/// `syspack kb show RELEASE --from INDEX_DIR`, checked to name `file` with the sha256
/// `sha256sum` gives it.
fn show_naming_file(dir: &Dir, release: &str, index_dir: &str, file: &Path) -> String {
    let show = dir
        .command()
        .args(["kb", "show", release, "--from", index_dir])
        .stdout();
    let sha = tool("sha256sum", &[file.to_str().unwrap()], "coreutils");
    let name = file.file_name().unwrap().to_string_lossy();
    assert_contains(
        &show,
        &[&format!("file:      {name} sha256 {}", &sha[..64])],
    );
    show
}

/// `syspack matrix --target TARGET --format json --binary BIN` with the indexes of `index_dir`.
fn matrix_json(dir: &Dir, index_dir: &Path, target: &str, bin: &Path) -> serde_json::Value {
    let out = dir
        .command()
        .args(["matrix", "--target", target, "--format", "json", "--binary"])
        .args([bin])
        .env("SYSPACK_INDEX_DIR", index_dir)
        .stdout();
    serde_json::from_str(&out).unwrap()
}

/// A FreeBSD release index (here `<release>.idx` text, as `kb import` accepts it; a packagesite
/// import writes the same records) gives the providing package's name as the dependency; a
/// soname no package provides may be the base system's (packagesite does not list those), so it
/// stays a warning, not an error.
#[test]
fn package_for_freebsd_depends_on_the_provider_in_the_index() {
    let dir = Dir::new("kb-use-freebsd");
    let demo = shared_library(&dir, "libdemo.so.1.0.0", "libdemo.so.1");
    let lonely = shared_library(&dir, "libmissing.so.3", "libmissing.so.3");
    // FreeBSD's C library by soname: a base-system library, no package dependency.
    let libc7 = shared_library(&dir, "libc.so.7", "libc.so.7");
    dir.create(
        "app.c",
        "int demo(void);\nint app(void) { return demo(); }\n",
    );
    let object = |name: &str, lib: &Path| {
        let out = dir.join(name);
        tool(
            "gcc",
            &[
                "-shared",
                "-fPIC",
                "-nostdlib",
                "-o",
                out.to_str().unwrap(),
                dir.join("app.c").to_str().unwrap(),
                lib.to_str().unwrap(),
                libc7.to_str().unwrap(),
            ],
            TOOLS,
        );
        // Branded FreeBSD (EI_OSABI 9), as FreeBSD's linker writes it.
        let mut bytes = std::fs::read(&out).unwrap();
        bytes[7] = 9;
        std::fs::write(&out, bytes).unwrap();
        out
    };
    let app = object("app", &demo);
    let lost = object("lost", &lonely);
    let index_dir = dir.join("index");
    std::fs::create_dir_all(&index_dir).unwrap();
    std::fs::write(
        index_dir.join("freebsd-14.idx"),
        "syspack-kb-index\t1\nrelease\tfreebsd-14\nsuite\tpackagesite\ncodename\tquarterly\n\
         date\tSat, 01 Nov 2025 00:00:00 +0000\ncommand\ta test's hand-written index\n\
         package\tdemo-libs\t1.2.3\nsoname\tlibdemo.so.1\tdemo-libs\n\
         origin\tdemo-libs\tdevel/demo-libs\n",
    )
    .unwrap();

    let manifest = |name: &str| {
        let pkg = crate::util::files_in(&dir.join("app-out"))
            .into_iter()
            .find(|f| f.starts_with(&format!("{name}-")) && f.ends_with(".pkg"))
            .expect("a FreeBSD package");
        tool(
            "bsdtar",
            &[
                "-xOf",
                dir.join("app-out").join(pkg).to_str().unwrap(),
                "+COMPACT_MANIFEST",
            ],
            "libarchive-tools",
        )
    };
    package_program(&dir, &index_dir, "app", &app, "freebsd-14", "").stdout();
    let m: serde_json::Value = serde_json::from_str(&manifest("app")).unwrap();
    let deps: Vec<&String> = m["deps"]
        .as_object()
        .map(|d| d.keys().collect())
        .unwrap_or_default();
    assert_eq!(deps, ["demo-libs"], "{m:#}");
    // With the port origin the index records for it (pkg's `deps`: `name: {origin, version}`).
    assert_eq!(m["deps"]["demo-libs"]["origin"], "devel/demo-libs", "{m:#}");

    let out = package_program(&dir, &index_dir, "lost", &lost, "freebsd-14", "").expect_code(0);
    assert_contains(
        &String::from_utf8_lossy(&out.stderr),
        &["libmissing.so.3", "add it to `depends`"],
    );
    let m: serde_json::Value = serde_json::from_str(&manifest("lost")).unwrap();
    assert!(m["deps"].as_object().is_none_or(|d| d.is_empty()), "{m:#}");
}

/// A FreeBSD repository written by `syspack repo add` over packages syspack made (two shipping
/// shared libraries): `kb import --release freebsd-14` of its ABI directory gives the sonames and
/// versions each package's own `+COMPACT_MANIFEST` says (read by bsdtar), the knowledge base's
/// base-system sonames as `base`, and checks pkg's `pubkey` signature with `--pubkey`: the
/// repository's key accepted, another key refused, a flipped byte refused, nothing written.
#[test]
fn kb_import_of_a_freebsd_repository_agrees_with_the_packages() {
    let dir = Dir::new("kb-import-freebsd");
    // gcc's libraries branded FreeBSD as `brandelf -t FreeBSD` does (EI_OSABI, byte 7, set to
    // ELFOSABI_FREEBSD = 9): pkg counts only those as native; an unbranded one is a Linux compat
    // library for it (`libpkg/pkg_elf.c`), recorded `:Linux`.
    let brand = |p: &Path| {
        let mut b = std::fs::read(p).unwrap();
        b[7] = 9;
        std::fs::write(p, b).unwrap();
    };
    let demo = shared_library(&dir, "libdemo.so.1.0.0", "libdemo.so.1");
    brand(&demo);
    let other = shared_library(&dir, "libother.so.7", "libother.so.7");
    brand(&other);
    let linux = shared_library(&dir, "liblinux.so.2", "liblinux.so.2");
    let doc = dir.create("README", "text\n");
    syspack_package(
        &dir,
        "freebsd-14",
        "demo-libs",
        "1.2.3",
        "",
        &[
            (&demo, "/usr/local/lib/libdemo.so.1.0.0"),
            (&linux, "/compat/linux/usr/lib64/liblinux.so.2"),
        ],
    );
    syspack_package(
        &dir,
        "freebsd-14",
        "other",
        "0.9.1",
        "",
        &[(&other, "/usr/local/lib/libother.so.7")],
    );
    // No library, but the knowledge base names it (the package manager of freebsd-14).
    syspack_package(
        &dir,
        "freebsd-14",
        "pkg",
        "2.1.0",
        "",
        &[(&doc, "/usr/local/share/doc/pkg/README")],
    );
    let pkgs: Vec<String> = crate::util::files_in(&dir.join("freebsd-14-out"))
        .iter()
        .filter(|f| f.ends_with(".pkg"))
        .map(|f| {
            dir.join("freebsd-14-out")
                .join(f)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(pkgs.len(), 3, "{pkgs:?}");

    // What the packages say: +COMPACT_MANIFEST's name, version and shlibs_provided.
    let (mut want_versions, mut want_sonames) =
        (BTreeMap::new(), BTreeMap::<String, BTreeSet<String>>::new());
    let mut all_provided = BTreeSet::new();
    let mut want_origins = BTreeMap::new();
    for p in &pkgs {
        let text = tool(
            "bsdtar",
            &["-xOf", p, "+COMPACT_MANIFEST"],
            "libarchive-tools",
        );
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = m["name"].as_str().unwrap().to_string();
        let provided: Vec<&str> = m["shlibs_provided"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap()).collect())
            .unwrap_or_default();
        all_provided.extend(provided.iter().map(|s| s.to_string()));
        // Compat libraries (`:Linux`, `:32`) are not the release's native sonames.
        let native: Vec<&&str> = provided.iter().filter(|s| !s.contains(':')).collect();
        for so in &native {
            sonames_insert(&mut want_sonames, so, &name);
        }
        if !native.is_empty() || name == "pkg" {
            want_origins.insert(name.clone(), m["origin"].as_str().unwrap().to_string());
            want_versions.insert(name, m["version"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        want_sonames.keys().collect::<Vec<_>>(),
        ["libdemo.so.1", "libother.so.7"],
        "syspack's FreeBSD packages record shlibs_provided"
    );
    assert_eq!(
        all_provided.iter().collect::<Vec<_>>(),
        ["libdemo.so.1", "liblinux.so.2:Linux", "libother.so.7"]
    );
    assert_eq!(want_versions.len(), 3);

    // Two keys: the repository's and another.
    for k in ["keys", "other-keys"] {
        dir.command()
            .args(["key", "generate", "--out", k, "--algorithm", "rsa4096"])
            .stdout();
    }
    let mut add = dir.command();
    add.args(["repo", "add", "repo", "--channel", "stable"])
        .args(["--signing-key", "keys/secret.asc"])
        .args(&pkgs);
    add.stdout();
    let mut other_repo = dir.command();
    other_repo
        .args(["repo", "add", "other-repo", "--channel", "stable"])
        .args(["--signing-key", "other-keys/secret.asc"])
        .args([&pkgs[0]]);
    other_repo.stdout();
    let abi = dir.join("repo/freebsd/stable/FreeBSD:14:amd64");
    let pubkey = dir.join("repo/freebsd/public.pem");
    let other_pubkey = dir.join("other-repo/freebsd/public.pem");

    // Without a key: imported, the signature reported as not checked.
    let summary = dir
        .command()
        .args(["kb", "import", "--release", "freebsd-14"])
        .args([&abi])
        .args(["--out", "unsigned-index"])
        .stdout();
    assert_contains(
        &summary,
        &[
            "freebsd-14: packagesite.yaml",
            "3 packages, 2 library files",
            "signature not checked",
        ],
    );

    let summary = dir
        .command()
        .args(["kb", "import", "--release", "freebsd-14"])
        .args([&abi])
        .args([std::ffi::OsStr::new("--pubkey"), pubkey.as_os_str()])
        .args(["--out", "fbsd-index"])
        .stdout();
    assert_contains(
        &summary,
        &["signature: packagesite.pkg", "public.pem", "good"],
    );
    let index = dir.join("fbsd-index/freebsd-14.idx.xz");
    let (versions, sonames) = records(&index);
    assert_eq!(sonames, want_sonames);
    assert_eq!(versions, want_versions);
    // The base system's libraries, which no package ships, are `base` records.
    let text = tool("xz", &["-dc", index.to_str().unwrap()], TOOLS);
    for so in ["libc.so.7", "libm.so.5", "libthr.so.3"] {
        assert!(text.contains(&format!("\nbase\t{so}\n")), "{so}:\n{text}");
    }
    // Each package's port origin, as its manifest says, for a dependent's `deps`.
    let origins: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("origin\t")?.split_once('\t'))
        .map(|(p, o)| (p.to_string(), o.to_string()))
        .collect();
    assert_eq!(origins, want_origins);
    let show = show_naming_file(
        &dir,
        "freebsd-14",
        "fbsd-index",
        &abi.join("packagesite.pkg"),
    );
    assert_contains(
        &show,
        &["packagesite", "base:      ", "unknown, not missing"],
    );

    // Another key's public half: refused, nothing written.
    let err = dir
        .command()
        .args(["kb", "import", "--release", "freebsd-14"])
        .args([&abi])
        .args([std::ffi::OsStr::new("--pubkey"), other_pubkey.as_os_str()])
        .args(["--out", "fbsd-other"])
        .stderr_with(2);
    assert_contains(&err, &["packagesite.pkg", "nothing imported"]);
    assert!(!dir.join("fbsd-other").exists(), "{err}");

    // A catalogue for another FreeBSD major is not this release's.
    let err = dir
        .command()
        .args(["kb", "import", "--release", "freebsd-13"])
        .args([&abi])
        .args(["--out", "fbsd-13"])
        .stderr_with(2);
    assert_contains(&err, &["FreeBSD:14:amd64", "not FreeBSD 13"]);
    assert!(!dir.join("fbsd-13").exists(), "{err}");

    // `data.pkg` alone (pkg >= 1.20 reads it first), and the catalogue under an older
    // repository's `packagesite.tzst` name, give the same index.
    let only = |keep: &str, as_name: &str, out: &str| {
        let d = dir.join(format!("{out}-src"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(abi.join(keep), d.join(as_name)).unwrap();
        let summary = dir
            .command()
            .args(["kb", "import", "--release", "freebsd-14"])
            .args([&d])
            .args([std::ffi::OsStr::new("--pubkey"), pubkey.as_os_str()])
            .args(["--out", out])
            .stdout();
        assert_contains(&summary, &["good"]);
        records(&dir.join(out).join("freebsd-14.idx.xz"))
    };
    assert_eq!(
        only("data.pkg", "data.pkg", "data-index"),
        (want_versions.clone(), want_sonames.clone())
    );
    assert_eq!(
        only("packagesite.pkg", "packagesite.tzst", "tzst-index"),
        (want_versions.clone(), want_sonames.clone())
    );

    fingerprints_repository_is_checked_as_pkg_does(&dir, &abi, &pubkey);

    // A flipped byte in the archive: refused with the key, nothing written.
    let site = abi.join("packagesite.pkg");
    let mut bytes = std::fs::read(&site).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&site, &bytes).unwrap();
    let err = dir
        .command()
        .args(["kb", "import", "--release", "freebsd-14"])
        .args([&abi])
        .args([std::ffi::OsStr::new("--pubkey"), pubkey.as_os_str()])
        .args(["--out", "fbsd-flipped"])
        .stderr_with(2);
    assert_contains(&err, &["packagesite.pkg"]);
    assert!(!dir.join("fbsd-flipped").exists(), "{err}");
}

/// A `fingerprints` repository, the kind FreeBSD's own are: the catalogue of `abi` signed as
/// `pkg repo` does with a signing command (FreeBSD's `sign.sh`: `openssl dgst -sha256 -sign KEY
/// -binary` over the catalogue's hex sha256, then the certificate), packed as
/// `packagesite.yaml.sig`, `packagesite.yaml.pub` and `packagesite.yaml`. `--fingerprints DIR`
/// accepts it when `DIR/trusted` names the certificate's sha256, and refuses it (nothing written)
/// when none does, when `DIR/revoked` does, when the catalogue changed after signing, and with
/// `--pubkey`; `--fingerprints` on a `pubkey` repository says which option it needs.
fn fingerprints_repository_is_checked_as_pkg_does(dir: &Dir, abi: &Path, pubkey: &Path) {
    const OPENSSL: &str = "openssl libarchive-tools coreutils";
    let stage = dir.join("fp-stage");
    std::fs::create_dir_all(&stage).unwrap();
    let stage_s = stage.to_str().unwrap();
    let site = abi.join("packagesite.pkg");
    tool(
        "bsdtar",
        &[
            "-xf",
            site.to_str().unwrap(),
            "-C",
            stage_s,
            "packagesite.yaml",
        ],
        OPENSSL,
    );
    let key = stage.join("signer.key");
    let cert = stage.join("packagesite.yaml.pub");
    tool(
        "openssl",
        &["genrsa", "-out", key.to_str().unwrap(), "2048"],
        OPENSSL,
    );
    tool(
        "openssl",
        &[
            "rsa",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-out",
            cert.to_str().unwrap(),
        ],
        OPENSSL,
    );
    let sha256 = |p: &Path| -> String {
        tool("sha256sum", &[p.to_str().unwrap()], OPENSSL)[..64].to_string()
    };
    // What sign.sh does with the digest pkg writes to its standard input.
    let sign = |catalogue: &Path, out: &Path| {
        let digest = stage.join("digest");
        std::fs::write(&digest, sha256(catalogue)).unwrap();
        tool(
            "openssl",
            &[
                "dgst",
                "-sha256",
                "-sign",
                key.to_str().unwrap(),
                "-binary",
                "-out",
                out.to_str().unwrap(),
                digest.to_str().unwrap(),
            ],
            OPENSSL,
        );
    };
    let pack = |out: &Path| {
        std::fs::create_dir_all(out).unwrap();
        tool(
            "bsdtar",
            &[
                "--zstd",
                "-cf",
                out.join("packagesite.pkg").to_str().unwrap(),
                "-C",
                stage_s,
                "packagesite.yaml.sig",
                "packagesite.yaml.pub",
                "packagesite.yaml",
            ],
            OPENSSL,
        );
    };
    let catalogue = stage.join("packagesite.yaml");
    sign(&catalogue, &stage.join("packagesite.yaml.sig"));
    let signed = dir.join("fp-repo");
    pack(&signed);
    let fingerprint = sha256(&cert);
    let trust = |name: &str, trusted: &str, revoked: Option<&str>| -> PathBuf {
        let d = dir.join(name);
        std::fs::create_dir_all(d.join("trusted")).unwrap();
        let file = |fp: &str| format!("function: \"sha256\"\nfingerprint: \"{fp}\"\n");
        std::fs::write(d.join("trusted/test.2026"), file(trusted)).unwrap();
        if let Some(r) = revoked {
            std::fs::create_dir_all(d.join("revoked")).unwrap();
            std::fs::write(d.join("revoked/test.2026"), file(r)).unwrap();
        }
        d
    };
    let import = |repo: &Path, option: &str, value: &Path, out: &str| {
        let mut c = dir.command();
        c.args(["kb", "import", "--release", "freebsd-14"])
            .args([repo])
            .args([std::ffi::OsStr::new(option), value.as_os_str()])
            .args(["--out", out]);
        c
    };

    let good = trust("fp-good", &fingerprint, None);
    let summary = import(&signed, "--fingerprints", &good, "fp-index").stdout();
    assert_contains(
        &summary,
        &[
            "signed by `packagesite.yaml`",
            &fingerprint,
            "test.2026 trusts (pkg's `fingerprints` check): good",
        ],
    );
    assert!(dir.join("fp-index/freebsd-14.idx.xz").is_file());

    let refused = |repo: &Path, option: &str, value: &Path, out: &str, needles: &[&str]| {
        let err = import(repo, option, value, out).stderr_with(2);
        assert_contains(&err, needles);
        assert_contains(&err, &["nothing imported"]);
        assert!(!dir.join(out).exists(), "{err}");
    };
    let other = trust("fp-other", &"0".repeat(64), None);
    refused(
        &signed,
        "--fingerprints",
        &other,
        "fp-untrusted",
        &["no certificate is trusted", &fingerprint],
    );
    let revoked = trust("fp-revoked", &fingerprint, Some(&fingerprint));
    refused(
        &signed,
        "--fingerprints",
        &revoked,
        "fp-revoked-index",
        &["is revoked by", "revoked/test.2026"],
    );
    refused(
        &signed,
        "--pubkey",
        pubkey,
        "fp-pubkey",
        &["`fingerprints` repository", "--fingerprints"],
    );
    refused(
        abi,
        "--fingerprints",
        &good,
        "pubkey-fp",
        &["`pubkey` repository", "--pubkey"],
    );
    // The catalogue changed after it was signed: the signature no longer verifies.
    let mut text = std::fs::read(&catalogue).unwrap();
    text.extend_from_slice(b"\n");
    std::fs::write(&catalogue, &text).unwrap();
    let changed = dir.join("fp-changed");
    pack(&changed);
    refused(
        &changed,
        "--fingerprints",
        &good,
        "fp-changed-index",
        &["no trusted certificate signed the catalogue"],
    );
}

/// A Debian dependency outside `main`: with the built-in debian-12 index, a program needing
/// `libOpenCL.so.1` (shipped by `ocl-icd-libopencl1` of `main` and `nvidia-libopencl1` of
/// `non-free`) depends on `main`'s package, and one needing `libcublas.so.11` (only
/// `libcublas11`, in `non-free`) depends on it with a warning that apt installs it only where
/// `non-free` is in the sources.
#[test]
fn a_debian_dependency_outside_main_is_named_with_its_area() {
    let dir = Dir::new("kb-deb-area");
    let opencl = shared_library(&dir, "libOpenCL.so.1", "libOpenCL.so.1");
    let cublas = shared_library(&dir, "libcublas.so.11", "libcublas.so.11");
    dir.create(
        "main.c",
        "int demo(void);\nint main(void) { return demo() == 42 ? 0 : 1; }\n",
    );
    let prog = dir.join("gpu");
    tool(
        "gcc",
        &[
            "-o",
            prog.to_str().unwrap(),
            dir.join("main.c").to_str().unwrap(),
            "-Wl,--no-as-needed",
            opencl.to_str().unwrap(),
            cublas.to_str().unwrap(),
        ],
        TOOLS,
    );
    let out =
        package_program(&dir, &dir.join("no-index"), "gpu", &prog, "debian-12", "").expect_code(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_contains(
        &stderr,
        &[
            "`libcublas11` is in the `non-free` area",
            "where `non-free` is in the sources",
        ],
    );
    assert!(!stderr.contains("ocl-icd-libopencl1"), "{stderr}");
    let debs = crate::util::files_in(&dir.join("app-out"));
    let deb = dir.join("app-out").join(&debs[0]);
    let depends = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Depends"],
        "dpkg",
    );
    assert_contains(&depends, &["libcublas11", "ocl-icd-libopencl1"]);
    assert!(!depends.contains("nvidia"), "{depends}");
}

/// The built-in ubuntu-24.04 index (from noble's release pocket, `syspack kb update`) is the one
/// `syspack package` and `syspack matrix` use for Ubuntu 24.04 when the index directory has
/// none, as debian-12's is for Debian 12: a program needing libssl.so.3 depends on noble's
/// `libssl3t64` with the minimum version of its `symbols` file (bookworm's says `libssl3`), and a
/// soname no noble package ships is refused, citing the suite-level Contents file.
#[test]
fn package_for_ubuntu_24_04_uses_the_built_in_index() {
    let dir = Dir::new("kb-use-ubuntu");
    // Built-in indexes only: an empty index directory.
    let index_dir = dir.join("no-index");
    std::fs::create_dir_all(&index_dir).unwrap();
    let show = dir
        .command()
        .args(["kb", "show", "ubuntu-24.04"])
        .env("SYSPACK_INDEX_DIR", &index_dir)
        .stdout();
    assert_contains(
        &show,
        &[
            "release:   ubuntu-24.04 (noble noble)",
            "index:     built into syspack",
            "as of:     Thu, 25 Apr 2024",
            "derived:   `syspack kb update ubuntu-24.04`",
            "signature: dists/noble/InRelease sha256 ",
            "verified by gpgv with ubuntu-archive-keyring.gpg",
            "file:      dists/noble/Contents-amd64.gz sha256 ",
            "file:      dists/noble/universe/binary-amd64/Packages.xz sha256 ",
            "shlibs:    libssl.so.3 -> libssl3t64 (>= 3.0.13)",
        ],
    );

    let ssl = shared_library(&dir, "libssl.so.3", "libssl.so.3");
    let app = program_linking(&dir, "app", &ssl);
    let depends = |target: &str| {
        let _ = std::fs::remove_dir_all(dir.join("app-out"));
        package_program(&dir, &index_dir, "app", &app, target, "").stdout();
        let deb = crate::util::files_in(&dir.join("app-out"))
            .into_iter()
            .find(|f| f.ends_with(".deb"))
            .expect("a .deb");
        tool(
            "dpkg-deb",
            &[
                "-f",
                dir.join("app-out").join(deb).to_str().unwrap(),
                "Depends",
            ],
            "dpkg",
        )
    };
    let noble = depends("ubuntu-24.04");
    assert_contains(&noble, &["libssl3t64 (>= 3.0.0)", "libc6 (>= "]);
    assert!(!noble.contains("libssl3 "), "{noble}");
    let bookworm = depends("debian-12");
    assert_contains(&bookworm, &["libssl3 (>= 3.0.0)"]);

    let m = matrix_json(&dir, &index_dir, "ubuntu-24.04", &app);
    let relations: Vec<&str> = m["rows"][0]["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["relation"].as_str())
        .collect();
    assert!(relations.contains(&"libssl3t64 (>= 3.0.0)"), "{m:#}");

    let lonely = shared_library(&dir, "libmissing.so.3", "libmissing.so.3");
    let lost = program_linking(&dir, "lost", &lonely);
    let err = package_program(&dir, &index_dir, "lost", &lost, "ubuntu-24.04", "").stderr_with(2);
    assert_contains(
        &err,
        &[
            "`libmissing.so.3`",
            "no package of ubuntu-24.04",
            "dists/noble/Contents-amd64.gz",
        ],
    );
    let m = matrix_json(&dir, &index_dir, "ubuntu-24.04", &lost);
    let runs = &m["rows"][0]["runs"];
    assert_eq!(runs["status"], "no", "{m:#}");
    assert!(
        runs["reasons"].to_string().contains(
            "needs libmissing.so.3, which ubuntu-24.04 does not ship (dists/noble/Contents-amd64.gz sha256"
        ),
        "{m:#}"
    );
}
