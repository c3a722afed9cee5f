use std::path::{Path, PathBuf};

use crate::util::{assert_contains, extract_deb, files_in, listing, tool, Dir};

/// The hello fixture in a scratch directory, with an ELF executable added for the automatic
/// shared-library dependencies.
pub fn hello(name: &str) -> Dir {
    let dir = Dir::new(name);
    dir.copy_fixture("package/hello");
    let elf = Path::new("/usr/bin/true");
    assert!(
        elf.is_file(),
        "/usr/bin/true is missing; install it with `apt-get install -y coreutils`"
    );
    std::fs::copy(elf, dir.join("stage/usr/bin/hello-elf")).unwrap();
    dir
}

pub const ALL: &str = "debian-12,fedora-43,arch,freebsd-14";

/// The hello fixture ships the host's (Linux) `/usr/bin/true`, which a FreeBSD package refuses
/// unless asked: the tests that write all four formats from it ask.
pub const FOREIGN: &str = "--allow-foreign-binaries";

fn sha256(p: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

/// Packages the fixture for all four formats and returns the written files.
fn package_all(dir: &Dir, extra_args: &[&str], extra_env: &[(&str, &str)]) -> Vec<PathBuf> {
    let mut cmd = dir.package();
    cmd.args(["--target", ALL, "--out", "out", FOREIGN]);
    cmd.args(extra_args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let stdout = cmd.stdout();
    let files = files_in(&dir.join("out"));
    assert_eq!(
        files,
        [
            "hello-1.0.0-1-x86_64.pkg.tar.zst",
            "hello-1.0.0-1.x86_64.rpm",
            "hello-1.0.0.pkg",
            "hello_1.0.0-1_amd64.deb"
        ],
        "{stdout}"
    );
    for f in &files {
        assert!(
            stdout.contains(&format!("out/{f}")),
            "summary lacks {f}:\n{stdout}"
        );
    }
    files.iter().map(|f| dir.join("out").join(f)).collect()
}

#[test]
fn four_formats_are_written_and_read_back() {
    let dir = hello("four");
    let files = package_all(&dir, &[], &[]);
    let summary_header = dir
        .package()
        .args(["--target", "arch", "--out", "out2"])
        .stdout();
    assert!(summary_header.starts_with("file"), "{summary_header}");
    assert_contains(&summary_header, &["target", "size", "sha256", "arch"]);

    for f in &files {
        let out = dir.command().args(["inspect"]).args([f]).stdout();
        assert_contains(&out, &["hello", "1.0.0"]);
        let name = f.file_name().unwrap().to_string_lossy();
        if name.ends_with(".pkg") {
            // FreeBSD: /usr is remapped to /usr/local, /etc to /usr/local/etc.
            assert_contains(
                &out,
                &[
                    "/usr/local/bin/hello",
                    "/usr/local/etc/hello.conf",
                    "/usr/local/bin/hello-link",
                ],
            );
        } else {
            assert_contains(
                &out,
                &[
                    "/usr/bin/hello",
                    "/usr/bin/hi",
                    "/usr/bin/hello-link",
                    "/etc/hello.conf",
                ],
            );
        }
    }
    // The real tools agree.
    let deb = &files[3];
    let info = tool("dpkg-deb", &["--info", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &info,
        &["Package: hello", "Version: 1.0.0-1", "libc6 (>= 2."],
    );
    let contents = tool("dpkg-deb", &["--contents", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &contents,
        &[
            "./usr/bin/hello-elf",
            "./usr/share/doc/hello/copyright",
            "./etc/hello.conf",
        ],
    );
    let rpm = tool(
        "rpm",
        &["-qp", "--requires", files[1].to_str().unwrap()],
        "rpm",
    );
    // Soname dependencies exactly as rpm's own elfdeps writes them for the same binary.
    let elf = dir.join("stage/usr/bin/hello-elf");
    let mut elfdeps = std::process::Command::new("/usr/lib/rpm/elfdeps")
        .arg("--requires")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("rpm's elfdeps cannot run ({e}); install it with `apt-get install -y rpm`")
        });
    use std::io::Write;
    writeln!(elfdeps.stdin.take().unwrap(), "{}", elf.display()).unwrap();
    let out = elfdeps.wait_with_output().unwrap();
    let theirs = String::from_utf8(out.stdout).unwrap();
    assert!(theirs.contains("libc.so.6(GLIBC_"), "{theirs}");
    let ours: std::collections::BTreeSet<&str> = rpm
        .lines()
        // elfdeps answers for the ELF files; rpmlib() features, scriptlet interpreters and
        // rpmbuild's config(name) for the config file are the package's own.
        .filter(|l| !l.starts_with("rpmlib(") && !l.starts_with('/') && !l.starts_with("config("))
        .collect();
    let theirs: std::collections::BTreeSet<&str> = theirs.lines().collect();
    assert_eq!(
        ours, theirs,
        "syspack's Requires against elfdeps --requires"
    );
}

#[test]
fn packages_are_reproducible_across_directories_time_zones_and_core_counts() {
    let a = hello("repro-a");
    let b = hello("repro-b");
    // Different permissions on disk for a file whose mode the configuration fixes.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        b.join("stage/etc/hello.conf"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    // One compressing thread against three: the multi-threaded xz and zstd streams get another
    // worker count, and the cores are leased in another order.
    let fa = package_all(&a, &["--jobs", "1"], &[("TZ", "UTC")]);
    let fb = package_all(&b, &["--jobs", "3"], &[("TZ", "Asia/Kolkata")]);
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(
            sha256(x),
            sha256(y),
            "{} differs from {}",
            x.display(),
            y.display()
        );
    }
}

#[test]
fn source_date_comes_from_git_then_a_fixed_default() {
    let dir = hello("date");
    let run = |dir: &Dir, out: &str| {
        dir.package()
            .env_remove("SOURCE_DATE_EPOCH")
            .args(["--target", "arch", "--out", out])
            .stdout();
        sha256(&dir.join(out).join("hello-1.0.0-1-x86_64.pkg.tar.zst"))
    };
    // No git repository, no SOURCE_DATE_EPOCH: the fixed default, the same every run.
    let first = run(&dir, "o1");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        first,
        run(&dir, "o2"),
        "the wall clock leaked into the package"
    );
    // With SOURCE_DATE_EPOCH: another date, another package.
    dir.package()
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .args(["--target", "arch", "--out", "o3"])
        .stdout();
    assert_ne!(
        first,
        sha256(&dir.join("o3/hello-1.0.0-1-x86_64.pkg.tar.zst"))
    );
}

#[test]
fn format_selects_the_newest_release_of_that_family() {
    let dir = hello("format");
    let out = dir
        .package()
        .args(["--format", "deb,rpm", "--out", "out"])
        .stdout();
    assert_contains(&out, &["debian-13", "fedora-43"]);
    assert_eq!(files_in(&dir.join("out")).len(), 2);
}

#[test]
fn two_targets_of_one_format_get_their_own_directories() {
    let dir = hello("samename");
    dir.package()
        .args(["--target", "debian-12,debian-13", "--out", "out"])
        .stdout();
    assert_eq!(files_in(&dir.join("out")), ["debian-12", "debian-13"]);
    assert_eq!(
        files_in(&dir.join("out/debian-12")),
        ["hello_1.0.0-1_amd64.deb"]
    );
}

#[test]
fn compression_option_is_checked_against_the_target() {
    let dir = hello("compression");
    dir.package()
        .args(["--target", "arch", "--compression", "xz", "--out", "out"])
        .stdout();
    assert_eq!(
        files_in(&dir.join("out")),
        ["hello-1.0.0-1-x86_64.pkg.tar.xz"]
    );
    let err = dir
        .package()
        .args([
            "--target",
            "debian-11",
            "--compression",
            "zstd",
            "--out",
            "bad",
        ])
        .stderr_with(2);
    assert_contains(&err, &["debian-11", "zstd"]);
    assert!(files_in(&dir.join("bad")).is_empty());
}

#[test]
fn vendored_provenance_gives_rpm_bundled_provides() {
    let dir = hello("bundled");
    dir.create(
        "prov.json",
        r#"[{"library":"zstd","mode":"vendored","version":"1.5.7"},{"library":"zlib","mode":"system","version":"1.2.13"}]"#,
    );
    dir.package()
        .args(["--target", "fedora-43", "--out", "out"])
        .args(["--provenance-file", "prov.json"])
        .stdout();
    let rpm = dir.join("out/hello-1.0.0-1.x86_64.rpm");
    let provides = tool("rpm", &["-qp", "--provides", rpm.to_str().unwrap()], "rpm");
    assert_contains(&provides, &["bundled(zstd) = 1.5.7"]);
    assert!(!provides.contains("bundled(zlib)"), "{provides}");
}

#[test]
fn a_cargo_project_is_built_and_packaged_with_the_defaults() {
    let dir = Dir::new("cargo");
    dir.copy_fixture("package/cargo-hello");
    let out = dir
        .command()
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .args(["package", "--target", "debian-12,arch"])
        .stdout();
    assert_contains(
        &out,
        &["target/syspack/cargo-hello_0.2.0-1_amd64.deb", "arch"],
    );
    let deb = dir.join("target/syspack/cargo-hello_0.2.0-1_amd64.deb");
    let contents = tool("dpkg-deb", &["--contents", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &contents,
        &[
            "./usr/bin/cargo-hello",
            "./usr/share/doc/cargo-hello/README.md",
        ],
    );
    let info = tool("dpkg-deb", &["--info", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &info,
        &[
            "Depends: libc6 (>= 2.",
            "Maintainer: Syspack Tests <tests@example.org>",
        ],
    );
    // The packaged binary is the one cargo built.
    let inspect = dir.command().args(["inspect"]).args([&deb]).stdout();
    assert_contains(&inspect, &["/usr/bin/cargo-hello"]);
}

/// The members of an ar archive (a .deb), in order.
fn ar_members(p: &Path) -> Vec<String> {
    let b = std::fs::read(p).unwrap();
    assert!(b.starts_with(b"!<arch>\n"));
    let mut out = Vec::new();
    let mut at = 8;
    while at + 60 <= b.len() {
        let h = &b[at..at + 60];
        out.push(String::from_utf8_lossy(&h[..16]).trim_end().to_string());
        let size: usize = String::from_utf8_lossy(&h[48..58]).trim().parse().unwrap();
        at += 60 + size + size % 2;
    }
    out
}

#[test]
fn debian_11_gets_an_xz_deb_and_refuses_zstd() {
    let dir = hello("bullseye");
    let run = |extra: &[&str]| {
        let mut cmd = dir.package();
        cmd.args(["--target", "debian-11", "--out", "out"])
            .args(extra);
        cmd
    };
    run(&[]).stdout();
    let files = files_in(&dir.join("out"));
    assert_eq!(files, ["hello_1.0.0-1_amd64.deb"]);
    let deb = dir.join("out").join(&files[0]);
    assert_eq!(
        ar_members(&deb),
        ["debian-binary", "control.tar.xz", "data.tar.xz"]
    );
    let info = tool("dpkg-deb", &["--info", deb.to_str().unwrap()], "dpkg");
    assert_contains(&info, &["Package: hello"]);
    let contents = tool("dpkg-deb", &["--contents", deb.to_str().unwrap()], "dpkg");
    assert_contains(&contents, &["./usr/bin/hello-elf"]);

    std::fs::remove_dir_all(dir.join("out")).unwrap();
    let err = run(&["--compression", "zstd"]).stderr_with(2);
    assert_contains(
        &err,
        &[
            "target `debian-11` cannot install deb packages compressed with zstd",
            "use xz",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty(), "{err}");
}

#[test]
fn min_glibc_refuses_a_binary_too_new_for_the_oldest_target() {
    // hello-elf is /usr/bin/true of this Debian 12 machine: it needs GLIBC_2.34.
    let dir = hello("min-glibc");
    let err = dir
        .package()
        .args([
            "--target",
            "debian-12,debian-11,fedora-43",
            "--out",
            "out",
            "--min-glibc",
        ])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "--min-glibc",
            "stage/usr/bin/hello-elf",
            "/usr/bin/hello-elf",
            "needs GLIBC_2.34",
            "target `debian-11` has glibc 2.31",
            "build on a system with glibc 2.31 or older",
            "drop `debian-11`",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty(), "{err}");
    // Without the old target the same binary passes.
    dir.package()
        .args([
            "--target",
            "debian-12,fedora-43",
            "--out",
            "out",
            "--min-glibc",
        ])
        .stdout();
    assert_eq!(files_in(&dir.join("out")).len(), 2);
}

/// The frame cache: packaging unchanged inputs again gives the same bytes and adds nothing to
/// the cache; `--single-stream` writes packages that the readers accept too; a bad cache
/// directory is a clear error that writes nothing.
#[test]
fn frame_cache_reuse_single_stream_and_a_bad_cache() {
    let dir = hello("frames");
    // Large enough for shared frames (256 KiB and up), compressible.
    let text: String = (0..40_000)
        .map(|i| format!("{i} of a large file\n"))
        .collect();
    dir.create("stage/usr/share/hello/large.txt", text);
    let cache = dir.join("cache");
    let package = |out: &str, extra: &[&str]| {
        let mut cmd = dir.package();
        cmd.env("SYSPACK_FRAME_CACHE", &cache)
            .args(["--target", ALL, "--out", out, FOREIGN]);
        cmd.args(extra).stdout();
        files_in(&dir.join(out))
            .iter()
            .map(|f| (f.clone(), sha256(&dir.join(out).join(f))))
            .collect::<Vec<_>>()
    };
    let cold = package("cold", &[]);
    let cached = listing(&cache);
    assert!(
        cached.contains("frames/zstd-19-"),
        "shared zstd frames were cached:\n{cached}"
    );
    assert!(
        cached.contains("streams/xz-6"),
        "the .deb's data.tar.xz was cached whole:\n{cached}"
    );
    let warm = package("warm", &[]);
    assert_eq!(cold, warm, "a cache hit changed a package");
    assert_eq!(
        listing(&cache),
        cached,
        "the second run compressed nothing new"
    );

    // One stream per format: other bytes, same contents.
    let single = package("single", &["--single-stream"]);
    for ((name, a), (_, b)) in cold.iter().zip(&single) {
        if !name.ends_with(".deb") {
            assert_ne!(a, b, "{name}: --single-stream should not splice frames");
        }
        dir.command()
            .args(["inspect", dir.join("single").join(name).to_str().unwrap()])
            .stdout();
    }

    // A cache path that is a file: one warning saying what, where and what to do, and the
    // packages written all the same, with a cache for the run (issue 16: a cache problem is a
    // miss, never a failed packaging).
    dir.create("not-a-dir", "x");
    let out = dir
        .package()
        .args([
            "--target",
            ALL,
            FOREIGN,
            "--out",
            "bad",
            "--frame-cache",
            "not-a-dir",
        ])
        .expect_code(0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_contains(
        &err,
        &["warning: the frame cache `not-a-dir`", "--frame-cache"],
    );
    assert_eq!(files_in(&dir.join("bad")).len(), 4, "{err}");
}

/// Each output's identity on disk: inode and modification time (a rewritten package is a new
/// file, renamed into place).
fn identities(dir: &Path) -> Vec<(String, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    files_in(dir)
        .into_iter()
        .map(|f| {
            let m = std::fs::metadata(dir.join(&f)).unwrap();
            (f, m.ino(), m.mtime(), m.mtime_nsec())
        })
        .collect()
}

#[test]
fn unchanged_packages_are_not_written_again() {
    let dir = hello("fresh");
    dir.create(
        "stage/usr/share/hello/large.txt",
        "a large file\n".repeat(30_000),
    );
    let cache = dir.join("cache");
    let package = |cache: &Path| {
        dir.package()
            .env("SYSPACK_FRAME_CACHE", cache)
            .args(["--target", ALL, "--out", "out", FOREIGN])
            .stdout()
    };
    let out = dir.join("out");
    let first_summary = package(&cache);
    let first = identities(&out);
    assert_eq!(first.len(), 4);

    // Same inputs, same syspack: nothing is written, the summary is the same.
    assert_eq!(package(&cache), first_summary);
    assert_eq!(
        identities(&out),
        first,
        "an up-to-date package was written again"
    );

    // A damaged output is written again (and only that one).
    let deb = files_in(&out)
        .into_iter()
        .find(|f| f.ends_with(".deb"))
        .unwrap();
    std::fs::write(out.join(&deb), "not a package").unwrap();
    assert_eq!(package(&cache), first_summary, "the same bytes again");
    let after = identities(&out);
    for (a, b) in first.iter().zip(&after) {
        assert_eq!(a == b, a.0 != deb, "{a:?} -> {b:?}");
    }
    dir.command()
        .args(["inspect", out.join(&deb).to_str().unwrap()])
        .stdout();

    // A changed input file changes every package.
    std::thread::sleep(std::time::Duration::from_millis(20));
    dir.create(
        "stage/usr/share/hello/large.txt",
        "A large file\n".repeat(30_000),
    );
    let changed_summary = package(&cache);
    let changed = identities(&out);
    for (a, b) in after.iter().zip(&changed) {
        assert_ne!(a, b, "a package with a changed file was not written");
    }
    for line in changed_summary.lines().skip(1) {
        assert!(!first_summary.contains(line), "same digest: {line}");
    }

    // Without a lasting cache every run writes every package.
    let off = Path::new("off");
    package(off);
    let again = identities(&out);
    for (a, b) in changed.iter().zip(&again) {
        assert_ne!(a, b, "--frame-cache off must write every package");
    }
}

/// A crate configured for cargo-deb, unchanged: a multi-line `description`, `features` and a
/// `$auto` asset list. Packaged as cargo-deb would: the first line is the synopsis / RPM Summary.
#[test]
fn a_cargo_deb_crate_with_a_multi_line_description_packages_unchanged() {
    let dir = Dir::new("multiline");
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "multi"
version = "1.0.0"
edition = "2021"
license = "MIT"
authors = ["Syspack Tests <tests@example.org>"]
description = """
Searches files quickly.
It reads many files at once,
and prints what matches.
"""

[features]
pcre = []

[package.metadata.deb]
features = ["pcre"]
assets = ["$auto", ["README.md", "usr/share/doc/multi/", "644"]]
"#,
    );
    dir.create("src/main.rs", "fn main() {}\n");
    dir.create("README.md", "multi\n");
    let target = dir.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy("/usr/bin/true", target.join("release/multi")).unwrap();
    dir.command()
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "package",
            "--no-build",
            "--target",
            "debian-12,fedora-43",
            "--out",
            "out",
        ])
        .stdout();
    let deb = dir.join("out/multi_1.0.0-1_amd64.deb");
    let info = tool("dpkg-deb", &["--info", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &info,
        &[
            "Description: Searches files quickly.\n  It reads many files at once,\n  and prints what matches.\n",
        ],
    );
    let contents = tool("dpkg-deb", &["--contents", deb.to_str().unwrap()], "dpkg");
    assert_contains(
        &contents,
        &["./usr/bin/multi", "./usr/share/doc/multi/README.md"],
    );
    let rpm = files_in(&dir.join("out"))
        .into_iter()
        .find(|p| p.ends_with(".rpm"))
        .expect("an rpm was written");
    let rpm = dir.join("out").join(rpm);
    let summary = tool(
        "rpm",
        &["-qp", "--qf", "%{SUMMARY}\n", rpm.to_str().unwrap()],
        "rpm",
    );
    assert_eq!(summary.trim(), "Searches files quickly.");
}

/// cargo-deb's `profile`: the crate is built with that cargo profile (here a `dist` profile
/// inheriting `release`, as cargo-dist writes it, with debug assertions turned on so the binary
/// shows which profile built it), `target/release/` in assets means that profile's output, and
/// the profile's `strip` (inherited from `release`) decides stripping.
#[test]
fn a_cargo_deb_profile_is_the_profile_built_with() {
    let dir = Dir::new("deb-profile");
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "prof"
version = "1.0.0"
edition = "2021"
license = "MIT"
authors = ["Syspack Tests <tests@example.org>"]
description = "Says which profile built it."

[package.metadata.deb]
profile = "dist"
assets = [["target/release/prof", "usr/bin/", "755"]]

[profile.release]
strip = false

[profile.dist]
inherits = "release"
debug-assertions = true

[workspace]
"#,
    );
    dir.create(
        "src/main.rs",
        "fn main() { println!(\"debug assertions: {}\", cfg!(debug_assertions)); }\n",
    );
    let target = dir.join("target");
    let out = dir
        .command()
        .env("CARGO_TARGET_DIR", &target)
        .args(["package", "--target", "debian-12", "--out", "out"])
        .expect_code(0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.lines()
            .any(|l| l.contains("warning") && l.contains("profile")),
        "{err}"
    );
    assert!(target.join("dist/prof").is_file(), "built into target/dist");
    assert!(
        !target.join("release/prof").exists(),
        "not built with --release"
    );
    let root = dir.join("root");
    extract_deb(&dir.join("out/prof_1.0.0-1_amd64.deb"), &root);
    let bin = root.join("usr/bin/prof");
    let said = std::process::Command::new(&bin).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&said.stdout),
        "debug assertions: true\n"
    );
    // `strip = false`, inherited from `release`: the symbols are kept.
    let symbols = tool("nm", &[bin.to_str().unwrap()], "binutils");
    assert!(symbols.contains(" main"), "{symbols}");
}

/// cargo-deb's and cargo-generate-rpm's `--variant`: the variant's keys over the base table,
/// cargo-deb's `<crate>-<variant>` package name and `merge-assets`; an unknown variant is refused
/// naming the ones there are.
#[test]
fn a_metadata_variant_is_applied_as_cargo_deb_and_generate_rpm_apply_it() {
    let dir = Dir::new("variant");
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "var_app"
version = "1.0.0"
edition = "2021"
license = "MIT"
authors = ["Syspack Tests <tests@example.org>"]
description = "Has variants."

[package.metadata.deb]
section = "utils"
assets = [["target/release/var_app", "usr/bin/", "755"], ["base.conf", "etc/var_app.conf", "644"]]

[package.metadata.deb.variants.lite]
section = "net"
merge-assets = { by = { dest = [["lite.conf", "etc/var_app.conf", "644"]] }, append = [["README", "usr/share/doc/var-app-lite/README", "644"]] }

[package.metadata.generate-rpm]
assets = [{ source = "target/release/var_app", dest = "/usr/bin/var_app", mode = "755" }]

[package.metadata.generate-rpm.variants.lite]
release = "7"
"#,
    );
    dir.create("src/main.rs", "fn main() {}\n");
    dir.create("base.conf", "base\n");
    dir.create("lite.conf", "lite\n");
    dir.create("README", "readme\n");
    let target = dir.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy("/usr/bin/true", target.join("release/var_app")).unwrap();
    let package = |variant: &str, out: &str| {
        dir.command()
            .env("CARGO_TARGET_DIR", &target)
            .args(["package", "--no-build", "--variant", variant])
            .args(["--target", "debian-12,fedora-43", "--out", out])
            .expect_code(0)
    };
    package("lite", "out");
    let deb = dir.join("out/var-app-lite_1.0.0-1_amd64.deb");
    assert!(deb.is_file(), "{}", listing(&dir.join("out")));
    let section = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Section"],
        "dpkg",
    );
    assert_eq!(section.trim(), "net");
    let root = dir.join("root");
    extract_deb(&deb, &root);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/var_app.conf")).unwrap(),
        "lite\n"
    );
    assert!(root.join("usr/share/doc/var-app-lite/README").is_file());
    // generate-rpm's variant sets the RPM's release only (the .deb keeps revision 1); the RPM's
    // name stays the crate's, as cargo-generate-rpm names it.
    let version = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Version"],
        "dpkg",
    );
    assert_eq!(version.trim(), "1.0.0-1");
    let rpm = dir.join("out/var_app-1.0.0-7.x86_64.rpm");
    assert!(rpm.is_file(), "{}", listing(&dir.join("out")));

    // Without a variant: the base tables, and the crate's name made a valid Debian name
    // (`var-app`) as cargo-deb makes it; the RPM keeps `var_app`.
    package_base(&dir, &target);

    let err = String::from_utf8_lossy(
        &dir.command()
            .env("CARGO_TARGET_DIR", &target)
            .args(["package", "--no-build", "--variant", "heavy", "--out", "x"])
            .expect_code(2)
            .stderr,
    )
    .into_owned();
    assert_contains(
        &err,
        &["variants.heavy", "does not exist", "variants: lite"],
    );
}

fn package_base(dir: &Dir, target: &Path) {
    dir.command()
        .env("CARGO_TARGET_DIR", target)
        .args([
            "package",
            "--no-build",
            "--target",
            "debian-12,fedora-43,arch",
        ])
        .args(["--out", "base"])
        .expect_code(0);
    let names = files_in(&dir.join("base"));
    for want in [
        "var-app_1.0.0-1_amd64.deb",
        "var_app-1.0.0-1.x86_64.rpm",
        "var_app-1.0.0-1-x86_64.pkg.tar.zst",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    let root = dir.join("base-root");
    extract_deb(&dir.join("base/var-app_1.0.0-1_amd64.deb"), &root);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/var_app.conf")).unwrap(),
        "base\n"
    );
}

/// cargo-deb parity on what real crates rely on: `revision = ""` is a native Debian version (the
/// RPM keeps release 1), `"$auto"` brings the README as cargo-deb does, and NEWS and info pages
/// are compressed where each format's tools compress them (dh_compress / cargo-deb: NEWS and
/// changelog in /usr/share/doc; brp-compress and makepkg: info pages).
#[test]
fn native_revision_auto_readme_and_compressed_docs_follow_the_tools() {
    let dir = Dir::new("deb-parity");
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "par"
version = "2.0.0"
edition = "2021"
license = "MIT"
authors = ["Syspack Tests <tests@example.org>"]
description = "Checks parity with cargo-deb."
readme = "README.md"

[package.metadata.deb]
revision = ""
assets = ["$auto", ["NEWS", "usr/share/doc/par/NEWS", "644"], ["par.info", "usr/share/info/par.info", "644"]]
"#,
    );
    dir.create("src/main.rs", "fn main() {}\n");
    dir.create("README.md", "# par\n\nChecks parity.\n");
    dir.create("NEWS", "2.0.0: first.\n");
    dir.create("par.info", "This is par.info.\n");
    let target = dir.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy("/usr/bin/true", target.join("release/par")).unwrap();
    dir.command()
        .env("CARGO_TARGET_DIR", &target)
        .args(["package", "--no-build", "--target", "debian-12,fedora-43"])
        .args(["--out", "out"])
        .expect_code(0);
    let deb = dir.join("out/par_2.0.0_amd64.deb");
    assert!(deb.is_file(), "{}", listing(&dir.join("out")));
    let root = dir.join("root");
    extract_deb(&deb, &root);
    let docs = files_in(&root.join("usr/share/doc/par"));
    assert_eq!(
        docs,
        ["NEWS.gz", "README.md", "changelog.gz", "copyright"],
        "{docs:?}"
    );
    assert!(root.join("usr/share/info/par.info.gz").is_file());
    let news = tool(
        "zcat",
        &[root.join("usr/share/doc/par/NEWS.gz").to_str().unwrap()],
        "gzip",
    );
    assert_eq!(news, "2.0.0: first.\n");
    // The RPM: release 1, info page compressed, NEWS as it is (rpmbuild leaves docs alone).
    let rpm = dir.join("out/par-2.0.0-1.x86_64.rpm");
    let list = tool("rpm", &["-qpl", rpm.to_str().unwrap()], "rpm");
    assert_contains(
        &list,
        &[
            "/usr/share/doc/par/NEWS\n",
            "/usr/share/doc/par/README.md\n",
            "/usr/share/info/par.info.gz\n",
        ],
    );
}

/// Adds `count` small text files and one large file (compressible text, then random bytes)
/// under `stage/usr/share/hello/`: several MiB, so that both the shared frames of large files
/// and the package's own frames of small files span several libdeflate chunks (1 MiB each).
fn add_mixed_payload(dir: &Dir, count: usize) {
    let share = dir.join("stage/usr/share/hello");
    std::fs::create_dir_all(&share).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const WORDS: [&str; 8] = [
        "gzip", "deflate", "chunk", "core", "rpm", "deb", "the", "of",
    ];
    for i in 0..count {
        let mut text = String::new();
        while text.len() < 12_000 {
            text.push_str(WORDS[(next() % 8) as usize]);
            text.push(if next() % 9 == 0 { '\n' } else { ' ' });
        }
        std::fs::write(share.join(format!("note-{i:04}.txt")), text).unwrap();
    }
    let mut big = Vec::new();
    while big.len() < 3 << 20 {
        big.extend_from_slice(WORDS[(next() % 8) as usize].as_bytes());
        big.push(b' ');
    }
    big.extend((0..(1 << 20) + 4321).map(|_| next() as u8));
    std::fs::write(share.join("big.bin"), big).unwrap();
}

#[test]
fn a_lone_gzip_package_has_the_same_bytes_on_one_core_or_three_and_its_tools_read_it() {
    let dir = hello("gzip-cores");
    add_mixed_payload(&dir, 400);
    for (target, file) in [
        ("fedora-43", "hello-1.0.0-1.x86_64.rpm"),
        ("debian-12", "hello_1.0.0-1_amd64.deb"),
        ("arch", "hello-1.0.0-1-x86_64.pkg.tar.gz"),
        ("freebsd-14", "hello-1.0.0.pkg"),
    ] {
        let mut written = Vec::new();
        for jobs in ["1", "3"] {
            let out = format!("out-{target}-{jobs}");
            dir.package()
                .args([
                    "--target",
                    target,
                    "--compression",
                    "gzip:9",
                    "--jobs",
                    jobs,
                ])
                .args(["--out", &out, FOREIGN])
                .stdout();
            written.push(dir.join(&out).join(file));
        }
        assert_eq!(
            sha256(&written[0]),
            sha256(&written[1]),
            "{file}: --jobs 1 and --jobs 3 differ"
        );
        let path = written[0].to_str().unwrap();
        match target {
            "fedora-43" => {
                let k = tool("rpm", &["-Kv", path], "rpm");
                assert_contains(&k, &["Payload SHA256 digest: OK"]);
                let files = tool("rpm", &["-qlp", path], "rpm");
                assert_contains(
                    &files,
                    &["/usr/share/hello/note-0399.txt", "/usr/share/hello/big.bin"],
                );
                // The payload itself is one valid gzip stream: rpm2cpio | gzip -t.
                let payload = std::process::Command::new("rpm2cpio")
                    .arg(path)
                    .output()
                    .expect("rpm2cpio: apt-get install -y rpm");
                assert!(payload.status.success());
                let cpio = tool(
                    "sh",
                    &["-c", &format!("rpm2cpio {path} | cpio -t --quiet")],
                    "cpio",
                );
                assert_contains(&cpio, &["./usr/share/hello/big.bin"]);
            }
            "debian-12" => {
                let info = tool("dpkg-deb", &["--info", path], "dpkg");
                assert_contains(&info, &["Package: hello"]);
                let root = dir.join("dpkg-x");
                tool("dpkg-deb", &["-x", path, root.to_str().unwrap()], "dpkg");
                assert_eq!(
                    std::fs::read(root.join("usr/share/hello/big.bin")).unwrap(),
                    std::fs::read(dir.join("stage/usr/share/hello/big.bin")).unwrap()
                );
                // data.tar.gz passes gzip -t.
                let members = tool("ar", &["t", path], "binutils");
                assert_contains(&members, &["data.tar.gz"]);
                tool(
                    "sh",
                    &["-c", &format!("ar p {path} data.tar.gz | gzip -t")],
                    "gzip",
                );
            }
            _ => {
                tool("gzip", &["-t", path], "gzip").to_string();
                let list = tool("bsdtar", &["-tf", path], "libarchive-tools");
                assert_contains(&list, &["usr/", "big.bin", "note-0399.txt"]);
            }
        }
    }
}

/// A .deb's systemd unit is handled as dh_installsystemd's packages handle theirs, judged by dpkg
/// and deb-systemd-helper in a bookworm root: installing enables it (the wants symlink and
/// deb-systemd-helper's state), removing masks it, purging leaves nothing behind; the package
/// depends on init-system-helpers, which provides the helpers.
#[test]
fn deb_systemd_units_are_enabled_masked_and_purged_by_deb_systemd_helper() {
    let dir = Dir::new("deb-units");
    std::fs::copy("/usr/bin/true", dir.join("unitd")).unwrap();
    dir.create(
        "unitd.service",
        "[Unit]\nDescription=unitd\n\n[Service]\nExecStart=/usr/bin/unitd\n\n[Install]\nWantedBy=multi-user.target\n",
    );
    dir.create(
        "syspack.toml",
        "[package]\nname = \"unitd\"\nversion = \"1.0.0\"\nlicense = \"MIT\"\n\
         summary = \"runs a systemd unit\"\nmaintainer = \"T <t@example.org>\"\n\
         assets = [{ source = \"unitd\", dest = \"/usr/bin/unitd\", mode = \"0755\" }]\n\
         systemd-units = [{ unit = \"unitd.service\", enable = true, start = false }]\n",
    );
    dir.command()
        .args([
            "package",
            "--config",
            "syspack.toml",
            "--target",
            "debian-12",
        ])
        .args(["--out", "out"])
        .stdout();
    let deb = dir.join("out/unitd_1.0.0-1_amd64.deb");
    let depends = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Depends"],
        "dpkg",
    );
    assert!(
        depends.contains("init-system-helpers (>= 1.54~)"),
        "{depends}"
    );

    let root = std::process::Command::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ci/debian-root"),
    )
    .arg("bookworm")
    .output()
    .expect("ci/debian-root runs");
    assert!(
        root.status.success(),
        "ci/debian-root bookworm failed (apt-get install -y debootstrap):\n{}",
        String::from_utf8_lossy(&root.stderr)
    );
    let root = PathBuf::from(String::from_utf8(root.stdout).unwrap().trim());
    std::fs::copy(&deb, root.join("tmp/unitd.deb")).unwrap();
    let dpkg = |args: &[&str]| {
        let out = std::process::Command::new("chroot")
            .arg(&root)
            .arg("dpkg")
            .args(args)
            .output()
            .expect("chroot runs (as root)");
        assert!(
            out.status.success(),
            "dpkg {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let wants = root.join("etc/systemd/system/multi-user.target.wants/unitd.service");
    let mask = root.join("etc/systemd/system/unitd.service");
    let state = root.join("var/lib/systemd/deb-systemd-helper-enabled/unitd.service.dsh-also");
    dpkg(&["-i", "/tmp/unitd.deb"]);
    let target = std::fs::read_link(&wants).expect("enabled: the wants symlink");
    assert!(
        target.ends_with("systemd/system/unitd.service"),
        "{}",
        target.display()
    );
    assert!(state.is_file(), "deb-systemd-helper keeps the unit's state");
    dpkg(&["-r", "unitd"]);
    assert_eq!(
        std::fs::read_link(&mask).unwrap(),
        PathBuf::from("/dev/null"),
        "masked on remove"
    );
    dpkg(&["--purge", "unitd"]);
    for gone in [&wants, &mask, &state] {
        assert!(
            std::fs::symlink_metadata(gone).is_err(),
            "{} is left after purge",
            gone.display()
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
