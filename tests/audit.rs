//! `syspack audit` and `--link system` on test projects (tests/fixtures/unbundle/, copied into a
//! scratch directory, with their Cargo.lock) using registry -sys crates:
//! libsqlite3-sys with its `bundled` feature, zstd-sys, libz-sys, pcre2-sys and openssl-sys.
//!
//! Built plainly, sqlite and zstd are compiled in (the audit names them with their versions, the
//! binary has no DT_NEEDED on them, the RPM declares `bundled(…)`); built with `--link system`,
//! every library is a DT_NEEDED of the Debian 12 system's, the audit finds nothing and the .deb
//! depends on the Debian packages. A crate with no system variant, or a bundling feature no
//! switch beats, fails `--link system` naming it, before anything is built. The audit's versions
//! of the system's own shared libraries agree with dpkg's.
//!
//! The builds keep their target directories under the workspace's `target/` between runs (one
//! per variant, since the switches rerun the build scripts): the first run compiles SQLite and
//! zstd once (about a minute on two cores), later runs are incremental.

use std::path::{Path, PathBuf};

use crate::util::{assert_contains, tool, Dir};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every variable of the -sys crates' switches: the plain build must not inherit one.
const SWITCHES: &[&str] = &[
    "LIBSQLITE3_SYS_USE_PKG_CONFIG",
    "ZSTD_SYS_USE_PKG_CONFIG",
    "LIBZ_SYS_STATIC",
    "PCRE2_SYS_STATIC",
    "OPENSSL_NO_VENDOR",
    "OPENSSL_STATIC",
    "SYSPACK_LINK",
];

/// A copy of the test project `tests/fixtures/unbundle/<variant>` (its own workspace, with the
/// Cargo.lock whose crates ci/run fetches): `bundled` (libsqlite3-sys 0.30.1 with `bundled`,
/// zstd-sys, libz-sys, pcre2-sys, openssl-sys), `refused` (libsqlite3-sys 0.26.0 with
/// `bundled`, and tikv-jemalloc-sys), `fallback` (libz-sys and pcre2-sys).
fn project(name: &str, variant: &str) -> Dir {
    let dir = Dir::new(name);
    dir.copy_fixture(&format!("unbundle/{variant}"));
    dir
}

fn needed(binary: &Path) -> Vec<String> {
    tool("readelf", &["-d", binary.to_str().unwrap()], "binutils")
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_string()))
        .collect()
}

#[test]
fn a_plain_build_bundles_sqlite_and_zstd_and_link_system_links_all_five_from_the_system() {
    let dir = project("unbundle", "bundled");
    let targets = workspace().join("target").join("unbundle-test");

    // Plain: the crates' defaults. SQLite (`bundled`) and zstd (zstd-sys's default) are compiled
    // in; zlib, PCRE2 and OpenSSL are found by pkg-config.
    let plain = targets.join("plain");
    let mut cmd = dir.command();
    for v in SWITCHES {
        cmd.env_remove(v);
    }
    let summary = cmd
        .env("CARGO_TARGET_DIR", &plain)
        .args(["package", "--target", "debian-12,fedora-43", "--out", "out"])
        .stdout();
    assert_contains(
        &summary,
        &[
            "bundled: sqlite 3.46.0 (libsqlite3-sys 0.30.1, bundled feature) in /usr/bin/unbundle",
            "bundled: zstd 1.5.7 (zstd-sys 2.0.16+zstd.1.5.7) in /usr/bin/unbundle",
        ],
    );
    let binary = plain.join("release/unbundle");
    let audit = dir
        .command()
        .args(["audit", "--manifest-path", "Cargo.toml"])
        .args([&binary])
        .stdout();
    assert_contains(
        &audit,
        &[
            "bundled: sqlite 3.46.0 (libsqlite3-sys 0.30.1, bundled feature)\n",
            "bundled: zstd 1.5.7 (zstd-sys 2.0.16+zstd.1.5.7)\n",
            "dynamic: zlib (libz.so.1)\n",
            "dynamic: pcre2 (libpcre2-8.so.0)\n",
        ],
    );
    assert_eq!(audit.matches("bundled:").count(), 2, "{audit}");
    let plain_needed = needed(&binary);
    assert!(
        !plain_needed
            .iter()
            .any(|n| n.starts_with("libsqlite3") || n.starts_with("libzstd")),
        "{plain_needed:?}"
    );
    // The program reports the versions the audit read.
    let run = tool(binary.to_str().unwrap(), &[], "(the test project)");
    assert_contains(&run, &["sqlite \"3.46.0\"", "zstd 10507"]);
    // The matrix says it too.
    let matrix = dir
        .command()
        .args(["matrix", "--target", "debian-12", "--binary"])
        .args([&binary])
        .stdout();
    assert_contains(&matrix, &["\nbundled: sqlite 3.46.0, zstd 1.5.7\n"]);
    // --deny-bundled: a check that failed (1).
    let err = dir
        .command()
        .args(["audit", "--deny-bundled"])
        .args([&binary])
        .stderr_with(1);
    assert_contains(&err, &["--deny-bundled", "2 bundled copies"]);
    // JSON, for scripts.
    let json = dir
        .command()
        .args(["audit", "--json"])
        .args([&binary])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["bundled"][0]["library"], "sqlite");
    assert_eq!(v[0]["bundled"][0]["version"], "3.46.0");
    // Fedora's bundling guideline: the RPM provides bundled(<lib>) = <version>.
    let rpm = dir.join("out/unbundle-0.1.0-1.x86_64.rpm");
    let provides = tool("rpm", &["-qp", "--provides", rpm.to_str().unwrap()], "rpm");
    assert_contains(
        &provides,
        &["bundled(sqlite) = 3.46.0", "bundled(zstd) = 1.5.7"],
    );

    // --link system: every switch set; the same crates, `bundled` included, from the system.
    let system = targets.join("system");
    let out = dir
        .command()
        .env("CARGO_TARGET_DIR", &system)
        .env_remove("LIBSQLITE3_SYS_USE_PKG_CONFIG")
        .args([
            "package",
            "--link",
            "system",
            "--target",
            "debian-12",
            "--out",
            "out-system",
        ])
        .expect_code(0);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!stdout.contains("bundled:"), "{stdout}");
    assert_contains(
        &stderr,
        &[
            "Linking sqlite: system, pkg-config sqlite3 (libsqlite3-sys 0.30.1: LIBSQLITE3_SYS_USE_PKG_CONFIG=1)",
            "Linking zstd: system, pkg-config libzstd (zstd-sys 2.0.16+zstd.1.5.7: ZSTD_SYS_USE_PKG_CONFIG=1)",
            "Linking zlib: system, pkg-config zlib (libz-sys 1.1.23: LIBZ_SYS_STATIC=0",
            "Linking pcre2: system, pkg-config libpcre2-8 (pcre2-sys 0.2.10: PCRE2_SYS_STATIC=0",
            "Linking openssl: system, pkg-config openssl (openssl-sys 0.9.118: OPENSSL_NO_VENDOR=1)",
        ],
    );
    let binary = system.join("release/unbundle");
    let sys_needed = needed(&binary);
    for soname in [
        "libsqlite3.so.0",
        "libzstd.so.1",
        "libz.so.1",
        "libpcre2-8.so.0",
        "libssl.so.3",
        "libcrypto.so.3",
    ] {
        assert!(
            sys_needed.iter().any(|n| n == soname),
            "{soname} not in {sys_needed:?}"
        );
    }
    // The false-positive check: a binary importing all of them defines none.
    let audit = dir.command().args(["audit"]).args([&binary]).stdout();
    assert_contains(&audit, &["no bundled copy of a known C library"]);
    assert!(!audit.contains("bundled:"), "{audit}");
    for lib in ["sqlite", "zstd", "zlib", "pcre2", "openssl"] {
        assert!(
            audit.contains(&format!("dynamic: {lib} (")),
            "{lib}: {audit}"
        );
    }
    // A recipe sets the same switches (and declares no bundled sqlite: the switch beats
    // `bundled` in libsqlite3-sys 0.30.1).
    dir.command()
        .args(["recipe", "arch", "--out", "recipe"])
        .stdout();
    let pkgbuild = std::fs::read_to_string(dir.join("recipe/PKGBUILD")).unwrap();
    assert_contains(
        &pkgbuild,
        &[
            "LIBSQLITE3_SYS_USE_PKG_CONFIG=1",
            "LIBZ_SYS_STATIC=0",
            "OPENSSL_NO_VENDOR=1",
            "PCRE2_SYS_STATIC=0",
            "ZSTD_SYS_USE_PKG_CONFIG=1",
        ],
    );
    assert!(!pkgbuild.contains("# Bundled"), "{pkgbuild}");
    let deb = dir.join("out-system/unbundle_0.1.0-1_amd64.deb");
    let depends = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Depends"],
        "dpkg",
    );
    for package in [
        "libsqlite3-0",
        "libzstd1",
        "zlib1g",
        "libpcre2-8-0",
        "libssl3",
    ] {
        assert!(
            depends.split(", ").any(|d| d.starts_with(package)),
            "{package} not in Depends: {depends}"
        );
    }
}

#[test]
fn link_system_refuses_crates_that_would_still_bundle_before_building() {
    // libsqlite3-sys 0.26.0 has no variable that beats `bundled` (its build.rs goes straight to
    // build_bundled), and tikv-jemalloc-sys always builds jemalloc.
    let dir = project("unbundle-refused", "refused");
    let target = dir.join("target");
    let err = dir
        .command()
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--link", "system"])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "--link system: 2 crates would still build a bundled C library",
            "libsqlite3-sys 0.26.0 has its feature `bundled` on, which builds a bundled sqlite",
            "unbundle 0.1.0 (its dependency on libsqlite3-sys lists feature `bundled`)",
            "tikv-jemalloc-sys 0.6.1+5.3.0-1-ge13ca993e8ccb9ba9847cc330696e02839f328f7 always builds its own copy of jemalloc",
            "(a dependency of unbundle 0.1.0)",
            "The way out",
        ],
    );
    // Refused before building: cargo never ran.
    assert!(!target.join("release").exists());
    // SYSPACK_LINK=system (the generated CI's system leg) means --link system for `package`.
    let err = dir
        .command()
        .env("CARGO_TARGET_DIR", &target)
        .env("SYSPACK_LINK", "system")
        .args(["package", "--target", "debian-12"])
        .stderr_with(2);
    assert_contains(
        &err,
        &["--link system: 2 crates would still build a bundled C library"],
    );
    assert!(!target.join("release").exists());
}

#[test]
fn the_audit_reads_the_versions_dpkg_knows_from_the_system_libraries() {
    // Each shared library defines its own API: the audit finds "a copy" in it, and the version
    // it reads must be the upstream version of the Debian package that ships it.
    for (package, soname, library) in [
        ("zlib1g", "libz.so.1", "zlib"),
        ("libzstd1", "libzstd.so.1", "zstd"),
        ("libsqlite3-0", "libsqlite3.so.0", "sqlite"),
        ("libpcre2-8-0", "libpcre2-8.so.0", "pcre2"),
        ("libssl3", "libcrypto.so.3", "openssl"),
        ("libbz2-1.0", "libbz2.so.1.0", "bzip2"),
        ("liblzma5", "liblzma.so.5", "xz"),
        ("libexpat1", "libexpat.so.1", "expat"),
        ("libarchive13", "libarchive.so.13", "libarchive"),
        ("libcurl4", "libcurl.so.4", "curl"),
        // libcurl4 depends on libssh2-1; libsolv-dev (ci/install-deps) on libsolv1.
        ("libssh2-1", "libssh2.so.1", "libssh2"),
        ("libsolv1", "libsolv.so.1", "libsolv"),
    ] {
        let files = tool("dpkg", &["-L", package], "dpkg");
        let path = files
            .lines()
            .find(|l| l.ends_with(&format!("/{soname}")))
            .unwrap_or_else(|| panic!("{package} ships no {soname}; ci/install-deps installs it"));
        let version = tool("dpkg-query", &["-W", "-f", "${Version}", package], "dpkg");
        // 1:1.2.13.dfsg-1 → 1.2.13
        let upstream = version.split_once(':').map_or(version.as_str(), |(_, v)| v);
        let upstream = upstream
            .split(['-', '+', '~'])
            .next()
            .unwrap()
            .trim_end_matches(".dfsg");
        let out = Dir::new("audit-lib")
            .command()
            .args(["audit", path])
            .stdout();
        assert!(
            out.contains(&format!("bundled: {library} {upstream}")),
            "{package} {version} ({path}):\n{out}"
        );
    }
}

#[test]
fn the_audit_refuses_what_it_cannot_read_without_panicking() {
    let dir = Dir::new("audit-bounds");
    // Larger than the 1 GiB it reads (a sparse file: nothing is written or read).
    let big = dir.join("big");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len((1 << 30) + 1).unwrap();
    let err = dir.command().args(["audit", "big"]).stderr_with(2);
    assert_contains(
        &err,
        &[
            "cannot audit `big`",
            "larger than the 1024 MiB the audit reads",
        ],
    );
    dir.create("text", "#!/bin/sh\necho hi\n");
    let err = dir.command().args(["audit", "text"]).stderr_with(2);
    assert_contains(&err, &["cannot audit `text`", "not an ELF file"]);
    // Every prefix of a real binary: an error or an answer, never a panic (exit 101).
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_syspack")).unwrap();
    for len in [4, 16, 64, 100, 4096, 65536, bytes.len() / 2] {
        dir.create("cut", &bytes[..len.min(bytes.len())]);
        let out = dir.command().args(["audit", "cut"]).output();
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{len} bytes: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_crate_falling_back_to_its_bundled_copy_fails_link_system_after_the_build() {
    // pcre2-sys builds its own copy when pkg-config finds nothing, whatever its switch says:
    // with pkg-config looking in an empty directory, the audit after the build catches it.
    let dir = project("unbundle-fallback", "fallback");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let err = dir
        .command()
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/unbundle-test/fallback"),
        )
        .env("PKG_CONFIG_LIBDIR", dir.join("empty"))
        .env_remove("PKG_CONFIG_PATH")
        .args(["build", "--link", "system"])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "--link system: the build still bundled a C library",
            "fallback: pcre2 10.",
            "(pcre2-sys 0.2.10): its pkg-config module `libpcre2-8` was not found",
            "install its development package",
        ],
    );
    // libz-sys, without pkg-config, still finds the installed zlib by compiling a test
    // program, and links it: nothing to report.
    assert!(!err.contains("fallback: zlib"), "{err}");
}

#[test]
fn text_quoting_version_strings_is_not_a_copy() {
    // syspack carries its own signature file (every pattern's example, `OpenSSL 3.0.13 30 Jan
    // 2024` and the rest, as comments) and none of these libraries: the NUL-bounded patterns
    // must not take the quoted text for a copy. (Its compression libraries may be vendored.)
    let out = Dir::new("audit-self")
        .command()
        .args(["audit", env!("CARGO_BIN_EXE_syspack")])
        .stdout();
    for lib in [
        "openssl",
        "curl",
        "libssh2",
        "libgit2",
        "sqlite",
        "pcre2",
        "oniguruma",
        "libarchive",
    ] {
        assert!(!out.contains(&format!("bundled: {lib}")), "{lib}:\n{out}");
    }
}
