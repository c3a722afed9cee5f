//! What lintian and rpmlint say about the packages of a real-looking project: an unstripped C
//! executable built here with `cc -g`, a man page with a symlink to it, an upstream changelog
//! and a summary that starts with the package name. Stripping, man page compression, the
//! changelog's name and the Debian synopsis are judged by the real tools; and packaging refuses
//! ELF files of another ABI (operating system or machine).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{assert_contains, extract_deb, files_in, tool, Dir};

const LINTIAN: &str = "--no-install-recommends lintian";
const RPMLINT: &str = "--no-install-recommends rpmlint";

/// A project with an unstripped executable (debugging info and a symbol table), a man page, a
/// symlink to it and a changelog. `extra` is added to `[package]`.
fn project(name: &str, extra: &str) -> Dir {
    let dir = Dir::new(name);
    let src = dir.create(
        "tool.c",
        "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n",
    );
    tool(
        "cc",
        &[
            "-g",
            "-O1",
            "-Wl,--build-id",
            "-o",
            dir.join("tool").to_str().unwrap(),
            src.to_str().unwrap(),
        ],
        "gcc",
    );
    dir.create(
        "tool.1",
        ".TH TOOL 1\n.SH NAME\ntool \\- says hello\n.SH SYNOPSIS\n.B tool\n.SH DESCRIPTION\nSays hello.\n",
    );
    dir.create("CHANGELOG.md", "# 1.0.0\n\n* First release.\n");
    dir.create(
        "syspack.toml",
        format!(
            r#"[package]
name = "tool"
version = "1.0.0"
summary = "tool - says hello on the terminal"
description = "Tool says hello, and nothing else. It is a test."
maintainer = "Syspack Tests <tests@example.org>"
license = "MIT"
homepage = "https://example.org/tool"
changelog = "CHANGELOG.md"
assets = [
    {{ source = "tool", dest = "/usr/bin/tool", mode = "0755" }},
    {{ source = "tool.1", dest = "/usr/share/man/man1/tool.1" }},
    {{ symlink = "tool.1", dest = "/usr/share/man/man1/tool-hello.1" }},
]
{extra}
"#
        ),
    );
    dir
}

fn sha256(p: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

fn package(dir: &Dir, targets: &str, out: &str) -> Vec<PathBuf> {
    dir.package()
        .args(["--target", targets, "--out", out])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout();
    files_in(&dir.join(out))
        .iter()
        .map(|f| dir.join(out).join(f))
        .collect()
}

fn find(files: &[PathBuf], suffix: &str) -> PathBuf {
    files
        .iter()
        .find(|f| f.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {files:?}"))
        .clone()
}

/// lintian's tags (`E:` and `W:` lines) for a .deb.
fn lintian(deb: &Path) -> String {
    let out = Command::new("lintian")
        .args([
            "--display-info",
            "--suppress-tags",
            "initial-upload-closes-no-bugs",
        ])
        .arg(deb)
        .output()
        .unwrap_or_else(|e| {
            panic!("lintian cannot run ({e}); install it with `apt-get install {LINTIAN}`")
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.code().is_some(),
        "lintian crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// rpmlint's output for an .rpm, configured as Fedora's rpmlint is for what matters here: MIT
/// as a valid licence, and man pages compressed with gzip (`CompressExtension = "gz"`: Fedora's
/// brp-compress runs `gzip -9 -n`; rpmlint's built-in default, `bz2`, is openSUSE's).
fn rpmlint(dir: &Dir, rpm: &Path) -> String {
    let config = dir.create(
        "rpmlint.toml",
        "ValidLicenses = [\"MIT\"]\nCompressExtension = \"gz\"\n",
    );
    let (signed, home) = signed_as_released(dir, rpm);
    let out = Command::new("rpmlint")
        .arg("-c")
        .arg(&config)
        .arg(&signed)
        .env("LC_ALL", "C.UTF-8")
        .env("HOME", &home)
        .output()
        .unwrap_or_else(|e| {
            panic!("rpmlint cannot run ({e}); install it with `apt-get install {RPMLINT}`")
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("packages and 0 specfiles checked"),
        "rpmlint did not run:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// A copy of `rpm` as a release ships it, signed (`syspack repo sign-rpm`) with a throwaway key,
/// and a HOME whose `~/.rpmmacros` points rpm at a private database holding that key's public
/// half: rpmlint's signature check (`rpm -Kv`) then judges the signature (`no-signature`,
/// `unknown-key` and `invalid-signature` are errors) instead of flagging an unsigned package.
fn signed_as_released(dir: &Dir, rpm: &Path) -> (PathBuf, PathBuf) {
    let keys = dir.join("release-key");
    if !keys.join("secret.asc").is_file() {
        dir.command()
            .args(["key", "generate", "--out", "release-key"])
            .stdout();
    }
    let signed = dir.join("signed").join(rpm.file_name().unwrap());
    std::fs::create_dir_all(signed.parent().unwrap()).unwrap();
    std::fs::copy(rpm, &signed).unwrap();
    dir.command()
        .args(["repo", "sign-rpm"])
        .args([signed.as_os_str()])
        .args(["--signing-key", "release-key/secret.asc"])
        .stdout();
    let home = dir.join("rpm-home");
    let db = home.join("rpmdb");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(
        home.join(".rpmmacros"),
        format!("%_dbpath {}\n", db.display()),
    )
    .unwrap();
    let import = Command::new("rpmkeys")
        .arg("--dbpath")
        .arg(&db)
        .arg("--import")
        .arg(keys.join("public.asc"))
        .output()
        .unwrap_or_else(|e| panic!("rpmkeys cannot run ({e}); apt-get install -y rpm"));
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    (signed, home)
}

fn has_symtab(elf: &Path) -> bool {
    let sections = tool("readelf", &["-S", "-W", elf.to_str().unwrap()], "binutils");
    sections.contains(".symtab") || sections.contains(".debug_")
}

/// A file installed under /etc is a Debian conffile without being listed (dh_installdeb, and so
/// cargo-deb, mark them all), and a file under /usr/share/doc is RPM %doc (rpmbuild's
/// %__docdir_path): dpkg, rpm, lintian and rpmlint agree.
#[test]
fn files_under_etc_are_configuration_files() {
    let dir = project("lint-etc", "");
    dir.create("tool.conf", "greeting = hello\n");
    let toml = std::fs::read_to_string(dir.join("syspack.toml"))
        .unwrap()
        .replace(
            "assets = [",
            "assets = [\n    { source = \"tool.conf\", dest = \"/etc/tool/tool.conf\" },\n    \
             { source = \"tool.conf\", dest = \"/usr/share/doc/tool/NOTES\" },",
        );
    dir.create("syspack.toml", &toml);
    let files = package(&dir, "debian-12,fedora-43", "out");
    let deb = find(&files, ".deb");
    let rpm = find(&files, ".rpm");
    let control = dir.join("control");
    tool(
        "dpkg-deb",
        &[
            "--control",
            deb.to_str().unwrap(),
            control.to_str().unwrap(),
        ],
        "dpkg",
    );
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/tool/tool.conf\n"
    );
    // rpmbuild marks only what %config lists, and so does syspack's RPM; but everything under
    // /usr/share/doc is %doc there, listed or not.
    let config = tool("rpm", &["-qpc", rpm.to_str().unwrap()], "rpm");
    assert_eq!(config.trim(), "", "{config}");
    let docs = tool("rpm", &["-qpd", rpm.to_str().unwrap()], "rpm");
    assert!(
        docs.lines().any(|l| l == "/usr/share/doc/tool/NOTES"),
        "{docs}"
    );
    let tags = lintian(&deb);
    assert!(
        !tags.contains("file-in-etc-not-marked-as-conffile"),
        "{tags}"
    );
    let lint = rpmlint(&dir, &rpm);
    assert!(!lint.contains("not-listed-as-documentation"), "{lint}");
}

/// cargo-deb's `changelog` names a Debian-format changelog: it is the package's
/// `changelog.Debian.gz` (not a second, upstream one beside a generated entry), and dpkg reads it.
#[test]
fn a_debian_format_changelog_is_the_packages_debian_changelog() {
    let dir = project("lint-debchangelog", "");
    dir.create(
        "CHANGELOG.md",
        "tool (1.0.0-1) unstable; urgency=medium\n\n  * First release.\n\n \
         -- Syspack Tests <tests@example.org>  Tue, 14 Nov 2023 22:13:20 +0000\n",
    );
    let files = package(&dir, "debian-12", "out");
    let deb = find(&files, ".deb");
    let root = dir.join("root");
    extract_deb(&deb, &root);
    let docs = files_in(&root.join("usr/share/doc/tool"));
    assert_eq!(docs, ["changelog.Debian.gz", "copyright"], "{docs:?}");
    let text = tool(
        "zcat",
        &[root
            .join("usr/share/doc/tool/changelog.Debian.gz")
            .to_str()
            .unwrap()],
        "gzip",
    );
    assert_eq!(
        text,
        std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap()
    );
    let parsed = tool(
        "dpkg-parsechangelog",
        &[
            "-l",
            dir.join("CHANGELOG.md").to_str().unwrap(),
            "-S",
            "Version",
        ],
        "dpkg-dev",
    );
    assert_eq!(parsed.trim(), "1.0.0-1");
    let tags = lintian(&deb);
    let errors: Vec<&str> = tags.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors: {errors:?}\n{tags}");
}

#[test]
fn a_real_project_is_lintian_and_rpmlint_clean() {
    let dir = project("lint-clean", "");
    let before = sha256(&dir.join("tool"));
    assert!(has_symtab(&dir.join("tool")), "cc -g gave no symbols");
    let files = package(&dir, "debian-12,fedora-43", "out");
    let deb = find(&files, ".deb");
    let rpm = find(&files, ".rpm");

    // Stripped on a copy: the project's file is untouched.
    assert_eq!(
        sha256(&dir.join("tool")),
        before,
        "the source binary was changed"
    );

    let tags = lintian(&deb);
    let errors: Vec<&str> = tags.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors: {errors:?}\n{tags}");
    for tag in [
        "unstripped-binary-or-object",
        "uncompressed-manual-page",
        "description-starts-with-package-name",
        "wrong-name-for-upstream-changelog",
    ] {
        assert!(!tags.contains(tag), "lintian: {tag}\n{tags}");
    }

    let root = dir.join("root");
    extract_deb(&deb, &root);
    assert!(!has_symtab(&root.join("usr/bin/tool")));
    // Man page: gzip -9n (no name, time 0), the symlink follows; the changelog is changelog.gz.
    let gz = std::fs::read(root.join("usr/share/man/man1/tool.1.gz")).unwrap();
    assert_eq!(&gz[..4], b"\x1f\x8b\x08\x00", "gzip with no FNAME flag");
    assert_eq!(&gz[4..8], [0, 0, 0, 0], "gzip header time is 0");
    let link = std::fs::read_link(root.join("usr/share/man/man1/tool-hello.1.gz")).unwrap();
    assert_eq!(link, Path::new("tool.1.gz"));
    let man = tool(
        "zcat",
        &[root.join("usr/share/man/man1/tool.1.gz").to_str().unwrap()],
        "gzip",
    );
    assert_eq!(man, std::fs::read_to_string(dir.join("tool.1")).unwrap());
    let changelog = tool(
        "zcat",
        &[root
            .join("usr/share/doc/tool/changelog.gz")
            .to_str()
            .unwrap()],
        "gzip",
    );
    assert_eq!(changelog, "# 1.0.0\n\n* First release.\n");
    let control = tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Description"],
        "dpkg",
    );
    assert!(
        control.starts_with("says hello on the terminal\n"),
        "{control}"
    );

    let lint = rpmlint(&dir, &rpm);
    let errors: Vec<&str> = lint.lines().filter(|l| l.contains(": E: ")).collect();
    assert!(errors.is_empty(), "rpmlint errors: {errors:?}\n{lint}");
    assert!(!lint.contains("unstripped-binary-or-object"), "{lint}");
    assert!(!lint.contains("manpage-not-compressed"), "{lint}");

    // Reproducible: the same input gives the same bytes (the stripped copies are reused or
    // made again identically).
    let again = package(&dir, "debian-12,fedora-43", "again");
    for (a, b) in files.iter().zip(&again) {
        assert_eq!(sha256(a), sha256(b), "{} differs", a.display());
    }
}

#[test]
fn strip_false_keeps_the_symbols_and_a_missing_strip_is_named() {
    let dir = project("lint-nostrip", "strip = false");
    let files = package(&dir, "debian-12", "out");
    let root = dir.join("root");
    extract_deb(&files[0], &root);
    assert_eq!(
        sha256(&root.join("usr/bin/tool")),
        sha256(&dir.join("tool"))
    );
    assert!(lintian(&files[0]).contains("unstripped-binary-or-object"));

    // Without binutils on PATH: the error names the tool and how to install it; nothing written.
    let dir = project("lint-nobinutils", "");
    let empty = dir.join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let err = dir
        .package()
        .args(["--target", "debian-12", "--out", "out"])
        .env("PATH", &empty)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "`strip` is not installed",
            "apt-get install binutils",
            "strip = false",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty());
}

/// `/usr/bin/true` (a Linux x86_64 executable) with its ELF header patched: OS/ABI byte and
/// machine.
fn patched_true(dir: &Dir, name: &str, osabi: Option<u8>, machine: Option<u16>) -> PathBuf {
    let mut data = std::fs::read("/usr/bin/true").expect("coreutils' /usr/bin/true");
    if let Some(o) = osabi {
        data[7] = o;
    }
    if let Some(m) = machine {
        data[18..20].copy_from_slice(&m.to_le_bytes());
    }
    dir.create(name, data)
}

fn abi_project(name: &str, with_elf: bool) -> Dir {
    let dir = Dir::new(name);
    let asset = if with_elf {
        r#"{ source = "bin/tool", dest = "/usr/bin/tool", mode = "0755" },"#
    } else {
        ""
    };
    dir.create("share/data.txt", "data\n");
    dir.create(
        "syspack.toml",
        format!(
            r#"[package]
name = "tool"
version = "1.0.0"
summary = "says hello"
maintainer = "Syspack Tests <tests@example.org>"
license = "MIT"
assets = [
    {asset}
    {{ source = "share/data.txt", dest = "/usr/share/tool/data.txt" }},
]
"#
        ),
    );
    dir
}

#[test]
fn binaries_of_another_abi_are_refused() {
    // A Linux ELF for FreeBSD.
    let dir = abi_project("abi-linux", true);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::copy("/usr/bin/true", dir.join("bin/tool")).unwrap();
    let err = dir
        .package()
        .args(["--target", "freebsd-14", "--out", "out"])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "cannot package for target `freebsd-14`",
            "bin/tool",
            "is a Linux x86_64 binary",
            "ld-linux",
            "cargo build --release --target x86_64-unknown-freebsd",
            "FreeBSD VM job",
            "--allow-foreign-binaries",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty());
    // Asked for on purpose: written.
    dir.package()
        .args([
            "--target",
            "freebsd-14",
            "--out",
            "out",
            "--allow-foreign-binaries",
        ])
        .stdout();
    assert_eq!(files_in(&dir.join("out")), ["tool-1.0.0.pkg"]);
    // The default targets leave FreeBSD out, and the summary says so.
    let summary = dir.package().args(["--out", "default"]).stdout();
    assert_contains(&summary, &["skipped freebsd-14", "Linux executables"]);
    assert!(
        !files_in(&dir.join("default"))
            .iter()
            .any(|f| f.ends_with(".pkg")),
        "{summary}"
    );

    // A FreeBSD ELF (OS/ABI 9) for Debian.
    let dir = abi_project("abi-freebsd", true);
    patched_true(&dir, "bin/tool", Some(9), None);
    let err = dir
        .package()
        .args(["--target", "debian-12", "--out", "out"])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "cannot package for target `debian-12`",
            "is a FreeBSD x86_64 binary",
            "runs Linux binaries",
            "--allow-foreign-binaries",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty());

    // An aarch64 ELF in an amd64 package.
    let dir = abi_project("abi-aarch64", true);
    patched_true(&dir, "bin/tool", None, Some(183));
    let err = dir
        .package()
        .args(["--target", "debian-12", "--out", "out"])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "is a aarch64 binary, but the package is for x86_64 (amd64)",
            "--allow-foreign-binaries",
        ],
    );
    assert!(files_in(&dir.join("out")).is_empty());

    // Data only: every target, FreeBSD included, by default too.
    let dir = abi_project("abi-data", false);
    dir.package()
        .args(["--target", "debian-12,freebsd-14", "--out", "out"])
        .stdout();
    assert_eq!(files_in(&dir.join("out")).len(), 2);
    let summary = dir.package().args(["--out", "default"]).stdout();
    assert!(!summary.contains("skipped"), "{summary}");
    assert_eq!(files_in(&dir.join("default")).len(), 4, "{summary}");
}

/// A scratch root dpkg can install into: its database, empty.
fn dpkg_root(root: &Path) {
    for d in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for f in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
        std::fs::write(root.join(f), "").unwrap();
    }
}

fn dpkg(root: &Path, args: &[&str]) -> String {
    let mut all = vec![
        format!("--root={}", root.display()),
        // The empty root has no libc6 to satisfy the binary's `Depends`.
        "--force-not-root".to_string(),
        "--force-bad-path".to_string(),
        "--force-depends".to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    tool("dpkg", &all, "dpkg")
}

/// The GNU build ID `readelf -n` prints for a file.
fn build_id(elf: &Path) -> String {
    let notes = tool("readelf", &["-n", elf.to_str().unwrap()], "binutils");
    notes
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .unwrap_or_else(|| panic!("no build ID in {}:\n{notes}", elf.display()))
        .to_string()
}

#[test]
fn separate_debug_symbols_make_a_dbgsym_package() {
    let dir = project("lint-dbgsym", "separate-debug-symbols = true");
    let id = build_id(&dir.join("tool"));
    let files = package(&dir, "debian-12", "out");
    let names: Vec<String> = files_in(&dir.join("out"));
    assert_eq!(
        names,
        ["tool-dbgsym_1.0.0-1_amd64.deb", "tool_1.0.0-1_amd64.deb"]
    );
    let dbgsym = find(&files, "tool-dbgsym_1.0.0-1_amd64.deb");
    let main = find(&files, "tool_1.0.0-1_amd64.deb");
    let field = |f: &str| {
        tool("dpkg-deb", &["-f", dbgsym.to_str().unwrap(), f], "dpkg")
            .trim()
            .to_string()
    };
    assert_eq!(field("Package"), "tool-dbgsym");
    assert_eq!(field("Section"), "debug");
    assert_eq!(field("Priority"), "optional");
    assert_eq!(field("Depends"), "tool (= 1.0.0-1)");
    assert_eq!(field("Auto-Built-Package"), "debug-symbols");
    assert_eq!(field("Build-Ids"), id);

    for deb in [&main, &dbgsym] {
        let tags = lintian(deb);
        let errors: Vec<&str> = tags.lines().filter(|l| l.starts_with("E:")).collect();
        assert!(
            errors.is_empty(),
            "lintian errors on {}: {errors:?}\n{tags}",
            deb.display()
        );
    }

    // dpkg installs both; the debugging symbols are where debuggers look for them (by build ID),
    // and belong to the binary as installed.
    let root = dir.join("root");
    dpkg_root(&root);
    dpkg(
        &root,
        &["-i", main.to_str().unwrap(), dbgsym.to_str().unwrap()],
    );
    let debug = root.join(format!(
        "usr/lib/debug/.build-id/{}/{}.debug",
        &id[..2],
        &id[2..]
    ));
    let listed = dpkg(&root, &["-L", "tool-dbgsym"]);
    assert!(
        listed.contains(&format!(
            "/usr/lib/debug/.build-id/{}/{}.debug",
            &id[..2],
            &id[2..]
        )),
        "{listed}"
    );
    let sections = tool(
        "readelf",
        &["-S", "-W", debug.to_str().unwrap()],
        "binutils",
    );
    assert!(sections.contains(".debug_info"), "{sections}");
    let bin = root.join("usr/bin/tool");
    assert_eq!(build_id(&bin), id);
    assert!(!has_symtab(&bin));
    let link = tool(
        "readelf",
        &["-p", ".gnu_debuglink", bin.to_str().unwrap()],
        "binutils",
    );
    assert!(link.contains(&format!("{}.debug", &id[2..])), "{link}");
    dpkg(&root, &["-r", "tool-dbgsym", "tool"]);
    assert!(!debug.exists());

    // Reproducible.
    let again = package(&dir, "debian-12", "again");
    for (a, b) in files.iter().zip(&again) {
        assert_eq!(sha256(a), sha256(b), "{} differs", a.display());
    }
}
