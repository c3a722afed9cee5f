//! `syspack matrix --solve`: the installs cell answered by libsolv against the real Debian
//! indexes of bullseye, bookworm and trixie, and apt in debootstrap roots of the same suites
//! agreeing on each answer; rpm-md repositories written by `createrepo_c` and Arch databases
//! written by `repo-add` load and solve.
//!
//! The indexes are downloaded at test time from the Debian archive this machine's apt is
//! configured for (the URI is read from apt's sources, no host is named here), into
//! `$SYSPACK_TEST_INDEX_CACHE` (default `/var/cache/syspack-ci/index`), and each `Packages.xz`
//! is checked against the sha256 its suite's `Release` file lists before use.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{assert_contains, Dir};

const SUITES: [(&str, &str); 3] = [
    ("debian-11", "bullseye"),
    ("debian-12", "bookworm"),
    ("debian-13", "trixie"),
];

/// The archive URI apt is configured with (as ci/debian-root and ci/fetch-sources read it).
fn archive_uri() -> String {
    let sources = std::fs::read_to_string("/etc/apt/sources.list.d/debian.sources")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("URIs:"))
                .and_then(|v| v.split_whitespace().next().map(String::from))
        });
    let list = || {
        std::fs::read_to_string("/etc/apt/sources.list")
            .ok()
            .and_then(|t| {
                t.lines().find_map(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    (w.first() == Some(&"deb")).then(|| w.get(1).map(|s| s.to_string()))?
                })
            })
    };
    sources.or_else(list).expect(
        "no Debian archive URI in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: \
         configure apt (the tests download the release indexes from its archive)",
    )
}

fn get(url: &str) -> Vec<u8> {
    let resp = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("cannot download {url}: {e}"));
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut body)
        .unwrap_or_else(|e| panic!("cannot read {url}: {e}"));
    body
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// `<cache>/<release>/{Release,Packages.xz}` for a suite's `main` amd64, downloaded once and
/// verified against the Release file's SHA256 list every time.
fn debian_index(release: &str, suite: &str) -> PathBuf {
    let cache = std::env::var_os("SYSPACK_TEST_INDEX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/syspack-ci/index"));
    let dir = cache.join(release);
    std::fs::create_dir_all(&dir).unwrap();
    let base = format!("{}/dists/{suite}", archive_uri().trim_end_matches('/'));
    let release_file = dir.join("Release");
    let packages = dir.join("Packages.xz");
    if !release_file.is_file() || !packages.is_file() {
        let rel = get(&format!("{base}/Release"));
        let pk = get(&format!("{base}/main/binary-amd64/Packages.xz"));
        std::fs::write(dir.join("Packages.xz.part"), &pk).unwrap();
        std::fs::rename(dir.join("Packages.xz.part"), &packages).unwrap();
        std::fs::write(&release_file, &rel).unwrap();
    }
    let rel = std::fs::read_to_string(&release_file).unwrap();
    let listed = rel
        .split("\nSHA256:")
        .nth(1)
        .and_then(|sec| {
            sec.lines().find_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                (w.len() == 3 && w[2] == "main/binary-amd64/Packages.xz").then(|| w[0].to_string())
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "{} lists no sha256 for main/binary-amd64/Packages.xz",
                release_file.display()
            )
        });
    let have = sha256(&std::fs::read(&packages).unwrap());
    if have != listed {
        let _ = std::fs::remove_file(&packages);
        panic!(
            "{} has sha256 {have}, the Release file says {listed}: removed; rerun to download again",
            packages.display()
        );
    }
    dir
}

/// syspack's own Debian 12 package: this test build of the syspack executable (linked here,
/// on Debian 12, so it needs `GLIBC_2.34`), packaged by syspack as `syspack 0.1.0-1`.
fn syspack_deb(dir: &Dir) -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_syspack"));
    std::fs::create_dir_all(dir.join("stage/usr/bin")).unwrap();
    std::fs::copy(&exe, dir.join("stage/usr/bin/syspack")).unwrap();
    dir.create(
        "syspack.toml",
        r#"[package]
name = "syspack"
version = "0.1.0"
summary = "ship Rust software that links C libraries to every distribution"
description = "syspack's own package, for the solver tests."
maintainer = "Syspack Tests <tests@example.org>"
license = "MIT"
homepage = "https://example.org/syspack"
assets = [{ source = "stage/usr/bin/syspack", dest = "/usr/bin/syspack", mode = "0755" }]
"#,
    );
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let deb = dir.join("out/syspack_0.1.0-1_amd64.deb");
    assert!(deb.is_file(), "no {}", deb.display());
    deb
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn installs<'a>(m: &'a serde_json::Value, release: &str) -> &'a serde_json::Value {
    &m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == release)
        .unwrap_or_else(|| panic!("no row for {release} in {m:#}"))["installs"]
}

/// `apt-get install --simulate` of the package in a fresh debootstrap root of `suite`: whether
/// apt would install it, and what it said.
fn apt_simulate(suite: &str, deb: &Path) -> (bool, String) {
    let root_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/debian-root");
    let out = Command::new(&root_script)
        .arg(suite)
        .output()
        .unwrap_or_else(|e| panic!("{} cannot run: {e}", root_script.display()));
    assert!(
        out.status.success(),
        "ci/debian-root {suite} failed (needs debootstrap: ci/install-deps installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::copy(deb, root.join("tmp/pkg.deb")).unwrap();
    // The root's package lists are those debootstrap fetched for the suite's main component, the
    // same index the matrix solves against.
    let run = |args: &[&str]| {
        Command::new("chroot")
            .arg(&root)
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .unwrap_or_else(|e| panic!("chroot cannot run: {e}"))
    };
    let lists_empty = std::fs::read_dir(root.join("var/lib/apt/lists"))
        .map(|d| {
            !d.filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with("_Packages"))
        })
        .unwrap_or(true);
    if lists_empty {
        let up = run(&["apt-get", "update", "-qq"]);
        assert!(
            up.status.success(),
            "apt-get update in the {suite} root failed: {}",
            String::from_utf8_lossy(&up.stderr)
        );
    }
    let sim = run(&["apt-get", "install", "--simulate", "-y", "/tmp/pkg.deb"]);
    let _ = std::fs::remove_dir_all(&root);
    (
        sim.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&sim.stdout),
            String::from_utf8_lossy(&sim.stderr)
        ),
    )
}

#[test]
fn own_debian_12_package_installs_on_12_and_13_not_11_and_apt_agrees() {
    let dir = Dir::new("solve-debian");
    let deb = syspack_deb(&dir);
    let index_dir = dir.join("index");
    std::fs::create_dir_all(&index_dir).unwrap();
    for (release, suite) in SUITES {
        let cached = debian_index(release, suite);
        std::os::unix::fs::symlink(&cached, index_dir.join(release)).unwrap();
    }
    let out = dir
        .command()
        .args(["matrix", "--solve", "--package"])
        .args([&deb])
        .args([
            "--target",
            "debian-11,debian-12,debian-13",
            "--format",
            "json",
        ])
        .args(["--index-dir"])
        .args([&index_dir])
        .stdout();
    let m = json(&out);
    let d11 = installs(&m, "debian-11");
    assert_eq!(d11["status"], "no", "{d11:#}");
    assert_eq!(d11["answer"], "not installable", "{d11:#}");
    assert_eq!(d11["by"], "libsolv", "{d11:#}");
    // The libc6 relation the package carries (dpkg-deb reads it), whatever glibc this build needs.
    let depends = run_tool(
        "dpkg-deb",
        &["--field", deb.to_str().unwrap(), "Depends"],
        dir.path(),
        "apt-get install dpkg",
    );
    let libc = depends
        .split(',')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("libc6 (>= ")?.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no `libc6 (>= …)` in Depends: {depends}"))
        .to_string();
    let reasons = d11["reasons"].to_string();
    assert_contains(
        &reasons,
        &[
            &format!("nothing provides libc6 >= {libc} needed by syspack-0.1.0-1"),
            "libc6 2.31-",
        ],
    );
    assert_eq!(
        d11["index"]["files"].as_array().unwrap().len(),
        1,
        "{d11:#}"
    );
    assert!(
        d11["index"]["packages"].as_u64().unwrap() > 50_000,
        "{d11:#}"
    );
    for release in ["debian-12", "debian-13"] {
        let c = installs(&m, release);
        assert_eq!(c["status"], "yes", "{release}: {c:#}");
        assert_eq!(c["answer"], "installable", "{release}: {c:#}");
        assert!(c["index"]["date"].is_string(), "{release}: {c:#}");
    }

    // The table shows the solved answer with the index's date.
    let table = dir
        .command()
        .args(["matrix", "--package"])
        .args([&deb])
        .args(["--target", "debian-11,debian-12"])
        .args(["--index-dir"])
        .args([&index_dir])
        .stdout();
    assert_contains(
        &table,
        &[
            "yes ✓ solved (20",
            &format!("no: nothing provides libc6 >= {libc}"),
        ],
    );

    // apt, in a root of each suite, agrees.
    for (release, suite) in SUITES {
        let (ok, said) = apt_simulate(suite, &deb);
        let solved = installs(&m, release)["answer"] == "installable";
        assert_eq!(
            ok, solved,
            "{release}: libsolv says {solved}, apt says:\n{said}"
        );
        if !ok {
            assert_contains(&said, &[&format!("libc6 (>= {libc})")]);
        }
    }
}

#[test]
fn solve_without_an_index_names_the_directory_and_no_solve_keeps_the_format_check() {
    let dir = Dir::new("solve-missing");
    let deb = syspack_deb(&dir);
    let empty = dir.join("empty-index");
    std::fs::create_dir_all(&empty).unwrap();
    let err = dir
        .command()
        .args(["matrix", "--solve", "--package"])
        .args([&deb])
        .args(["--target", "debian-12"])
        .args(["--index-dir"])
        .args([&empty])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "--solve: no package index for debian-12",
            "empty-index/debian-12",
        ],
    );
    let out = dir
        .command()
        .args(["matrix", "--no-solve", "--package"])
        .args([&deb])
        .args(["--target", "debian-12,freebsd-14", "--format", "json"])
        .args(["--index-dir"])
        .args([&empty])
        .stdout();
    let m = json(&out);
    assert!(installs(&m, "debian-12").get("answer").is_none(), "{m:#}");
}

fn run_tool(program: &str, args: &[&str], cwd: &Path, install: &str) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`{program}` cannot run ({e}): install it with `{install}` (ci/install-deps does)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The test package for `target`, written by syspack (`hello`, from the package fixture).
fn hello_package(dir: &Dir, target: &str, file: &str) -> PathBuf {
    dir.package()
        .args(["--target", target, "--out", "out"])
        .stdout();
    let p = dir.join("out").join(file);
    assert!(p.is_file(), "no {}", p.display());
    p
}

fn matrix_installs(dir: &Dir, package: &Path, release: &str, index: &Path) -> serde_json::Value {
    let out = dir
        .command()
        .args([
            "matrix",
            "--solve",
            "--format",
            "json",
            "--target",
            release,
            "--package",
        ])
        .args([package])
        .args(["--index-dir"])
        .args([index])
        .stdout();
    installs(&json(&out), release).clone()
}

/// An rpm-md repository made by createrepo_c over syspack's rpm: alone, the package's
/// requirements are unmet and libsolv names them; with a package providing exactly what
/// `rpm -qp --requires` lists (rpmlib features aside), it is installable.
#[test]
fn createrepo_c_repository_loads_and_solves() {
    let dir = crate::package::hello("solve-rpm");
    let rpm = hello_package(&dir, "fedora-43", "hello-1.0.0-1.x86_64.rpm");
    let requires: Vec<String> = run_tool(
        "rpm",
        &["-qp", "--requires", rpm.to_str().unwrap()],
        dir.path(),
        "apt-get install rpm",
    )
    .lines()
    .map(str::trim)
    .filter(|l| !l.is_empty() && !l.starts_with("rpmlib("))
    .map(String::from)
    .collect();
    assert!(!requires.is_empty(), "hello.rpm requires nothing");

    let repo = dir.join("index/fedora-43-repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::copy(&rpm, repo.join("hello-1.0.0-1.x86_64.rpm")).unwrap();
    let index = dir.join("index");
    let publish = |repo: &Path| {
        run_tool(
            "createrepo_c",
            &["--quiet", repo.to_str().unwrap()],
            dir.path(),
            "apt-get install createrepo-c",
        );
        let target = index.join("fedora-43");
        let _ = std::fs::remove_dir_all(&target);
        std::fs::create_dir_all(&target).unwrap();
        for e in std::fs::read_dir(repo.join("repodata")).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.contains("primary.xml") {
                std::fs::copy(&p, target.join(&name)).unwrap();
            }
        }
    };
    publish(&repo);
    let c = matrix_installs(&dir, &rpm, "fedora-43", &index);
    assert_eq!(c["answer"], "not installable", "{c:#}");
    assert_contains(
        &c["reasons"].to_string(),
        &[
            &format!(
                "nothing provides {}",
                requires[0].split_whitespace().next().unwrap()
            ),
            "needed by hello-1.0.0-1.x86_64",
        ],
    );

    // A provider of every requirement, built by rpmbuild.
    let top = dir.join("rpmbuild");
    let provides: String = requires
        .iter()
        .map(|r| format!("Provides: {r}\n"))
        .collect();
    let spec = dir.create(
        "provider.spec",
        format!(
            "Name: provider\nVersion: 1\nRelease: 1\nSummary: provides what hello needs\nLicense: MIT\n\
             BuildArch: x86_64\n{provides}\n%description\nTest provider.\n\n%files\n"
        ),
    );
    run_tool(
        "rpmbuild",
        &[
            "-bb",
            "--quiet",
            "--define",
            &format!("_topdir {}", top.display()),
            spec.to_str().unwrap(),
        ],
        dir.path(),
        "apt-get install rpm",
    );
    std::fs::copy(
        top.join("RPMS/x86_64/provider-1-1.x86_64.rpm"),
        repo.join("provider-1-1.x86_64.rpm"),
    )
    .unwrap();
    publish(&repo);
    let c = matrix_installs(&dir, &rpm, "fedora-43", &index);
    assert_eq!(c["answer"], "installable", "{c:#}");
    assert_eq!(c["status"], "yes", "{c:#}");
    assert_eq!(c["index"]["packages"], 2, "{c:#}");
}

/// An Arch repository database made by repo-add over syspack's package: alone, its `depends`
/// are unmet; with a package providing them, it is installable.
#[test]
fn repo_add_database_loads_and_solves() {
    let dir = crate::package::hello("solve-arch");
    let pkg = hello_package(&dir, "arch", "hello-1.0.0-1-x86_64.pkg.tar.zst");
    let pkginfo = run_tool(
        "bsdtar",
        &["-xOf", pkg.to_str().unwrap(), ".PKGINFO"],
        dir.path(),
        "apt-get install libarchive-tools",
    );
    let depends: Vec<&str> = pkginfo
        .lines()
        .filter_map(|l| l.strip_prefix("depend = "))
        .collect();
    assert!(
        !depends.is_empty(),
        "hello's .PKGINFO depends on nothing:\n{pkginfo}"
    );

    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::copy(&pkg, repo.join("hello-1.0.0-1-x86_64.pkg.tar.zst")).unwrap();
    let index = dir.join("index");
    let publish = |files: &[&str]| {
        let _ = std::fs::remove_file(repo.join("test.db.tar.gz"));
        let _ = std::fs::remove_file(repo.join("test.db"));
        let mut args = vec!["--quiet", "test.db.tar.gz"];
        args.extend_from_slice(files);
        run_tool(
            "repo-add",
            &args,
            &repo,
            "apt-get install pacman-package-manager",
        );
        let target = index.join("arch");
        let _ = std::fs::remove_dir_all(&target);
        std::fs::create_dir_all(&target).unwrap();
        std::fs::copy(repo.join("test.db"), target.join("test.db")).unwrap();
    };
    publish(&["hello-1.0.0-1-x86_64.pkg.tar.zst"]);
    let c = matrix_installs(&dir, &pkg, "arch", &index);
    assert_eq!(c["answer"], "not installable", "{c:#}");
    assert_contains(
        &c["reasons"].to_string(),
        &["nothing provides", "needed by hello-1.0.0-1.x86_64"],
    );

    // A provider package: a .PKGINFO providing every depend, packed as Arch packages are.
    let prov = dir.join("provider");
    std::fs::create_dir_all(&prov).unwrap();
    let provides: String = depends
        .iter()
        .map(|d| format!("provides = {d}\n"))
        .collect();
    std::fs::write(
        prov.join(".PKGINFO"),
        format!("pkgname = provider\npkgbase = provider\npkgver = 1-1\npkgdesc = x\nurl = https://example.org\nbuilddate = 1\npackager = t\nsize = 0\narch = x86_64\nlicense = MIT\n{provides}"),
    )
    .unwrap();
    let tarball = repo.join("provider-1-1-x86_64.pkg.tar.zst");
    run_tool(
        "bsdtar",
        &["--zstd", "-cf", tarball.to_str().unwrap(), ".PKGINFO"],
        &prov,
        "apt-get install libarchive-tools",
    );
    publish(&[
        "hello-1.0.0-1-x86_64.pkg.tar.zst",
        "provider-1-1-x86_64.pkg.tar.zst",
    ]);
    let c = matrix_installs(&dir, &pkg, "arch", &index);
    assert_eq!(c["answer"], "installable", "{c:#}");
    assert_eq!(c["index"]["packages"], 2, "{c:#}");
}

/// The syspack executable links libsolv the way its provenance says: a vendored build has no
/// `DT_NEEDED` on libsolv or the compression libraries and defines each one's entry points once
/// (`nm`); a system build needs `libsolv.so.1` and `libsolvext.so.1`. The lock file has the
/// cmake crate the vendored libsolv and expat are built with.
#[test]
fn syspack_links_libsolv_as_its_provenance_says() {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_syspack"));
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    assert!(
        lock.contains("\nname = \"cmake\"\n"),
        "Cargo.lock has no cmake crate"
    );
    let prov = Command::new(&exe).arg("--provenance").output().unwrap();
    let prov: serde_json::Value = serde_json::from_slice(&prov.stdout).unwrap();
    let mode = |lib: &str| {
        prov.as_array()
            .and_then(|a| a.iter().find(|p| p["library"] == lib))
            .unwrap_or_else(|| panic!("no {lib} in the provenance: {prov:#}"))["mode"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let needed = syspack_distro::elf::ElfInfo::parse(&exe).unwrap().needed;
    if mode("libsolv") == "system" {
        for so in ["libsolv.so.1", "libsolvext.so.1"] {
            assert!(
                needed.iter().any(|n| n == so),
                "system libsolv: no DT_NEEDED {so}: {needed:?}"
            );
        }
        return;
    }
    for lib in ["libsolv", "zlib", "lzma", "zstd", "expat", "libdeflate"] {
        assert_eq!(mode(lib), "vendored", "{prov:#}");
    }
    for so in [
        "libsolv",
        "libz.",
        "liblzma",
        "libzstd",
        "libexpat",
        "libdeflate",
    ] {
        assert!(
            !needed.iter().any(|n| n.starts_with(so)),
            "vendored: DT_NEEDED {so}*: {needed:?}"
        );
    }
    let nm = run_tool(
        "nm",
        &[exe.to_str().unwrap()],
        Path::new("."),
        "apt-get install binutils",
    );
    let defined = |sym: &str| {
        nm.lines()
            .filter(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.len() == 3 && w[2] == sym && w[1] != "U" && w[1] != "w"
            })
            .count()
    };
    for sym in [
        "inflate",
        "lzma_code",
        "ZSTD_decompressStream",
        "XML_ParserCreate",
        "solver_solve",
        "repo_add_debpackages",
    ] {
        assert_eq!(
            defined(sym),
            1,
            "`{sym}` is defined {} times in {}",
            defined(sym),
            exe.display()
        );
    }
}
