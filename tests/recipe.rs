//! `syspack recipe` with the real distro tools: the PKGBUILD is built by `makepkg`, the debian/
//! directory by `dpkg-source` + `dpkg-buildpackage`, the spec by `rpmbuild`, each offline and
//! against the system libzstd, and the results installed with `pacman --root`, in a debootstrap
//! root and with `rpm --root`. The FreeBSD port is checked against the Porter's Handbook's
//! required variables and against the package `syspack package --target freebsd-14` writes.
//!
//! The fixture is a tiny binary (`hello-zstd`) that prints the version of the zstd it linked,
//! through the workspace's own `syspack-zstd-sys`: the test copies that crate (with its checked-in
//! bindings), `syspack-sys-support` and `syspack-build` into the fixture as path dependencies
//! (their dev-dependencies and the optional bindgen dropped), with the workspace's `Cargo.lock`
//! pruned to the fixture. The other
//! crates come from the local cargo cache (`cargo vendor`), so the recipes' builds are offline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::{assert_contains, listing, Dir};

const NAME: &str = "hello-zstd";
const VERSION: &str = "0.1.0";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command, failing with everything it printed; a missing program fails with `install`.
fn run(cmd: &mut Command, install: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{:?} cannot run ({e}); install it: {install}",
            cmd.get_program()
        )
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must succeed and returns stdout and stderr together (build logs).
fn run_log(cmd: &mut Command, install: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{:?} cannot run ({e}); install it: {install}",
            cmd.get_program()
        )
    });
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed ({})\n{log}",
        out.status
    );
    log
}

/// Runs a command that must fail and returns stdout and stderr together.
fn run_failing(cmd: &mut Command, install: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{:?} cannot run ({e}); install it: {install}",
            cmd.get_program()
        )
    });
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "{cmd:?} succeeded but must fail\n{log}"
    );
    log
}

/// The checked-in generated source of the fixture (tests/fixtures/recipe).
const GENERATED: &str = "generated/lexer/words.lex.c";

/// Replaces a file inside a source tarball (`<NAME>-<VERSION>/…`), writing the result to `to`.
fn tampered_tarball(tarball: &Path, rel: &str, contents: &str, to: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    tar_x(tarball, tmp.path());
    let top = format!("{NAME}-{VERSION}");
    std::fs::write(tmp.path().join(&top).join(rel), contents).unwrap();
    run(
        Command::new("tar")
            .arg("-czf")
            .arg(to)
            .arg("-C")
            .arg(tmp.path())
            .arg(&top),
        "apt-get install -y tar gzip",
    );
}

/// A checked-in output that does not compile: a build that uses it instead of regenerating fails.
const UNCOMPILABLE: &str =
    "#error \"the checked-in flex output was compiled: the recipe did not regenerate it\"\n";

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.env_remove("CARGO_TARGET_DIR");
    c
}

/// Drops the dev-dependencies, the `[[test]]` targets and the optional bindgen of a copied
/// workspace crate (none is needed to build the crate as a dependency).
fn strip_manifest(path: &Path) {
    let mut t: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    t.remove("dev-dependencies");
    t.remove("test");
    if let Some(toml::Value::Table(d)) = t.get_mut("dependencies") {
        d.remove("bindgen");
    }
    if let Some(toml::Value::Table(f)) = t.get_mut("features") {
        f.insert("bindgen".into(), toml::Value::Array(Vec::new()));
    }
    std::fs::write(path, toml::to_string(&t).unwrap()).unwrap();
}

fn copy_dir(src: &Path, dst: &Path, skip: &[&str]) {
    for e in walkdir::WalkDir::new(src).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(src).unwrap();
        if rel
            .components()
            .next()
            .is_some_and(|c| skip.contains(&c.as_os_str().to_str().unwrap_or("")))
        {
            continue;
        }
        let to = dst.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// The fixture project (made once per test run) and a `cargo vendor` directory of its crates.
struct Fixture {
    root: PathBuf,
    vendor: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // Shared (read-only) by the tests of this run; replaced by the next run.
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("recipe-fixture");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let root = base.join(NAME);
        let ws = workspace();
        copy_dir(
            &ws.join("sys-crates/zstd-sys"),
            &root.join("sys-crates/zstd-sys"),
            &["tests"],
        );
        copy_dir(&ws.join("build"), &root.join("build"), &["tests"]);
        // The crate the sys crates share code through.
        copy_dir(
            &ws.join("sys-crates/support"),
            &root.join("sys-crates/support"),
            &[],
        );
        strip_manifest(&root.join("sys-crates/zstd-sys/Cargo.toml"));
        strip_manifest(&root.join("build/Cargo.toml"));
        // The generated source (a flex scanner, built by build.rs) and the systemd unit.
        copy_dir(
            &workspace().join("tests/fixtures/recipe"),
            &root,
            &["README.fixture.md"],
        );
        std::fs::create_dir_all(root.join("generated/lexer")).unwrap();
        // The workspace's dependency versions, so the pruned Cargo.lock keeps them.
        let wst: toml::Table =
            toml::from_str(&std::fs::read_to_string(ws.join("Cargo.toml")).unwrap()).unwrap();
        let wdeps = wst["workspace"]["dependencies"].as_table().unwrap();
        let mut deps = String::new();
        for d in [
            "thiserror",
            "cc",
            "cmake",
            "vcpkg",
            "sha2",
            "hex",
            "serde",
            "serde_json",
            "toml",
        ] {
            deps.push_str(&format!("{d} = {}\n", wdeps[d]));
        }
        let manifest = format!(
            r#"[package]
name = "{NAME}"
version = "{VERSION}"
edition = "2021"
license = "MIT"
description = "Prints the version of the zstd library it links"
authors = ["syspack tests <tests@example.org>"]
homepage = "https://example.org/{NAME}"

[package.metadata.syspack]
summary = "print the version of the linked zstd"
maintainer = "syspack tests <tests@example.org>"
section = "utils"
assets = [
    {{ source = "target/release/{NAME}", dest = "/usr/bin/", mode = "0755" }},
    {{ symlink = "{NAME}", dest = "/usr/bin/hzstd" }},
    {{ source = "README.md", dest = "/usr/share/doc/{NAME}/", doc = true }},
    {{ source = "{NAME}.conf", dest = "/etc/{NAME}.conf", config = true }},
]
conffiles = ["/etc/{NAME}.conf"]
systemd-units = [{{ unit = "{NAME}.service", enable = true, start = false }}]

[dependencies]
syspack-zstd-sys = {{ path = "sys-crates/zstd-sys" }}

[build-dependencies]
cc = {{ workspace = true }}

[workspace]
members = ["build", "sys-crates/support", "sys-crates/zstd-sys"]

[workspace.package]
version = "0.1.0"
edition = "2021"
license = "MIT"
repository = "https://example.org/{NAME}"
rust-version = "1.80"

[workspace.dependencies]
syspack-build = {{ path = "build", version = "0.1.0" }}
syspack-sys-support = {{ path = "sys-crates/support", version = "0.1.0" }}
{deps}"#
        );
        std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("src/main.rs"),
            "use std::ffi::{c_char, c_int, CString};\n\n\
             extern \"C\" {\n    fn hello_count_words(text: *const c_char) -> c_int;\n}\n\n\
             /// Counts words with the flex scanner of generated/lexer/words.lex.c.\n\
             fn count_words(text: &str) -> i32 {\n    let text = CString::new(text).unwrap();\n    \
             // SAFETY: a NUL-terminated string that outlives the call.\n    \
             unsafe { hello_count_words(text.as_ptr()) }\n}\n\n\
             fn main() {\n    println!(\"hello-zstd: zstd {}\", syspack_zstd_sys::safe::version());\n    \
             println!(\"hello-zstd: {} words\", count_words(\"counted by a flex scanner\"));\n}\n\n\
             #[test]\nfn zstd_is_linked() {\n    assert!(syspack_zstd_sys::safe::version_number() >= 10400);\n}\n\n\
             #[test]\nfn the_scanner_counts_words() {\n    assert_eq!(count_words(\"a bc, d!\"), 3);\n}\n",
        )
        .unwrap();
        std::fs::write(root.join("README.md"), "# hello-zstd\n\nA test fixture.\n").unwrap();
        std::fs::write(root.join("LICENSE"), "MIT License\n\nCopyright (c) syspack tests\n").unwrap();
        std::fs::write(root.join(format!("{NAME}.conf")), "level = 3\n").unwrap();
        // Make the checked-in output and its hash with this machine's flex, as a project does.
        let mut update = Command::new(env!("CARGO_BIN_EXE_syspack"));
        update
            .args(["generated", "update", "--manifest"])
            .arg(root.join("generated/manifest.toml"));
        run(&mut update, "apt-get install -y flex");
        assert!(root.join(GENERATED).is_file(), "no {GENERATED}");
        // The workspace's lock file, pruned to this project by cargo. Offline: ci/run's `cargo fetch
        // --locked` stage fetched every platform's crates of that lock file (with an empty registry
        // cache, run it first).
        std::fs::copy(ws.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
        run(
            cargo()
                .args(["metadata", "--offline", "--format-version", "1", "--manifest-path"])
                .arg(root.join("Cargo.toml")),
            "rustup (https://rustup.rs)",
        );
        let vendor = base.join("vendor");
        run(
            cargo()
                .args(["vendor", "--offline", "--locked", "--versioned-dirs", "--manifest-path"])
                .arg(root.join("Cargo.toml"))
                .arg(&vendor),
            "rustup (https://rustup.rs)",
        );
        Fixture { root, vendor }
    })
}

/// `syspack recipe <family>` into a new directory.
fn recipe(family: &str, extra: &[&str]) -> Dir {
    let f = fixture();
    let out = Dir::new(&format!("recipe-{family}"));
    let mut cmd = out.command();
    cmd.args(["recipe", family, "--out", "out", "--manifest-path"])
        .args([f.root.join("Cargo.toml")])
        .args(extra)
        .env_remove("CARGO_TARGET_DIR");
    let stdout = cmd.stdout();
    assert!(!stdout.is_empty(), "no files listed");
    out
}

/// A cargo home whose registry is the fixture's vendor directory: `cargo fetch` and `--frozen`
/// builds are then served locally, as a maintainer's prepared machine would.
fn local_cargo_home(dir: &Dir) -> PathBuf {
    let home = dir.join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[source.crates-io]\nreplace-with = \"local\"\n\n[source.local]\ndirectory = \"{}\"\n\n[net]\noffline = true\n",
            fixture().vendor.display()
        ),
    )
    .unwrap();
    home
}

fn needed(binary: &Path) -> Vec<String> {
    syspack_distro::elf::ElfInfo::parse(binary)
        .unwrap_or_else(|e| panic!("{} is not a readable ELF file: {e}", binary.display()))
        .needed
}

/// The binary links the system libzstd (DT_NEEDED), so no vendored copy slipped in.
fn assert_links_system_zstd(binary: &Path) {
    let n = needed(binary);
    assert!(
        n.iter().any(|s| s == "libzstd.so.1"),
        "{} does not link libzstd.so.1: DT_NEEDED {n:?}",
        binary.display()
    );
}

fn assert_runs(binary: &Path) {
    let out = run(&mut Command::new(binary), "the package's binary");
    assert!(out.starts_with("hello-zstd: zstd 1."), "{out}");
    // The flex scanner (the generated source) is compiled in.
    assert!(out.contains("\nhello-zstd: 5 words\n"), "{out}");
}

fn tar_x(tarball: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    run(
        Command::new("tar")
            .arg("-xzf")
            .arg(tarball)
            .arg("-C")
            .arg(into),
        "apt-get install -y tar gzip",
    );
}

/// makepkg refuses to run as root. The rustup toolchain lives under /root (mode 0700), which
/// `runuser -u nobody` cannot traverse; an unprivileged user namespace where this process is
/// `nobody` (uid 65534) passes makepkg's check and keeps read access to the toolchain.
fn as_nobody(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new("unshare");
    c.args([
        "--user",
        "--map-user=65534",
        "--map-group=65534",
        "--",
        program,
    ])
    .args(args);
    c
}

#[test]
fn arch_pkgbuild_builds_with_makepkg_and_installs_with_pacman() {
    let dir = recipe("arch", &["--target", "arch"]);
    let out = dir.join("out");
    let pkgbuild = std::fs::read_to_string(out.join("PKGBUILD")).unwrap();
    assert_contains(
        &pkgbuild,
        &[
            "depends=('glibc' 'libgcc' 'zstd')",
            // The generated-source check needs the generator.
            "makedepends=('cargo' 'pkgconf' 'flex')",
            "install -Dm0644 hello-zstd.service \"$pkgdir\"/usr/lib/systemd/system/hello-zstd.service",
            "backup=('etc/hello-zstd.conf')",
            "cargo fetch --locked --target",
            "cargo build --frozen --release",
            "SYSPACK_LINK=system",
            "cargo test --frozen --release",
        ],
    );
    // .SRCINFO is exactly what makepkg derives from the PKGBUILD.
    let printed = run(
        as_nobody("makepkg", &["--printsrcinfo"]).current_dir(&out),
        "apt-get install -y makepkg pacman-package-manager",
    );
    let printed: String = printed
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let ours = std::fs::read_to_string(out.join(".SRCINFO")).unwrap();
    assert_eq!(
        printed.trim(),
        ours.trim(),
        "makepkg --printsrcinfo differs from .SRCINFO"
    );

    // Build offline: cargo fetch in prepare() is served by the local vendor directory.
    // `--nodeps`: the makedepends and depends (cargo, pkgconf, zstd, glibc) are Debian packages
    // here, unknown to this machine's empty pacman database.
    let home = local_cargo_home(&dir);
    let makepkg = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["--nodeps", "--noconfirm", "--noprogressbar"];
        args.extend(extra);
        let mut c = as_nobody("makepkg", &args);
        c.current_dir(dir)
            .env("CARGO_HOME", &home)
            .env("PKGEXT", ".pkg.tar.zst")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env_remove("CARGO_TARGET_DIR");
        c
    };
    let install = "apt-get install -y makepkg pacman-package-manager fakeroot flex";

    // The generated-source check runs in prepare(): a hand-edited checked-in output (one that
    // still compiles) fails the build there, with the check's message.
    let tampered = dir.join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    std::fs::copy(out.join("PKGBUILD"), tampered.join("PKGBUILD")).unwrap();
    let generated = std::fs::read_to_string(fixture().root.join(GENERATED)).unwrap();
    tampered_tarball(
        &out.join(format!("{NAME}-{VERSION}.tar.gz")),
        GENERATED,
        &format!("{generated}/* edited by hand */\n"),
        &tampered.join(format!("{NAME}-{VERSION}.tar.gz")),
    );
    let log = run_failing(&mut makepkg(&tampered, &["--skipchecksums"]), install);
    assert_contains(
        &log,
        &[
            "syspack: generated source generated/lexer/words.lex.c differs from what flex 2.6.4 makes",
            "`hello-lexer' in generated/manifest.toml",
            "-/* edited by hand */",
            "A failure occurred in prepare()",
        ],
    );
    assert!(
        !log.contains("Compiling"),
        "the build went past prepare():\n{log}"
    );

    let log = run_log(&mut makepkg(&out, &[]), install);
    assert_contains(
        &log,
        &["syspack: generated-source check of `hello-lexer' passed (flex 2.6.4)"],
    );
    let pkg = out.join(format!("{NAME}-{VERSION}-1-x86_64.pkg.tar.zst"));
    assert!(pkg.is_file(), "makepkg wrote no {}", pkg.display());
    let files = run(
        Command::new("pacman").arg("-Qlp").arg(&pkg),
        "apt-get install -y pacman-package-manager",
    );
    assert_contains(
        &files,
        &[&format!("{NAME} /usr/lib/systemd/system/{NAME}.service\n")],
    );

    let root = dir.join("root");
    std::fs::create_dir_all(root.join("var/lib/pacman")).unwrap();
    run(
        Command::new("pacman")
            .arg("--root")
            .arg(&root)
            .arg("--dbpath")
            .arg(root.join("var/lib/pacman"))
            .args(["-U", "--noconfirm", "--nodeps", "--nodeps"])
            .arg(&pkg),
        "apt-get install -y pacman-package-manager",
    );
    let bin = root.join(format!("usr/bin/{NAME}"));
    assert_links_system_zstd(&bin);
    assert_runs(&bin);
    assert_eq!(
        std::fs::read(root.join(format!("usr/lib/systemd/system/{NAME}.service"))).unwrap(),
        std::fs::read(fixture().root.join(format!("{NAME}.service"))).unwrap()
    );
    assert_eq!(
        std::fs::read_link(root.join("usr/bin/hzstd")).unwrap(),
        Path::new(NAME)
    );
    assert!(root
        .join(format!("usr/share/doc/{NAME}/README.md"))
        .is_file());
    assert!(root
        .join(format!("usr/share/licenses/{NAME}/LICENSE"))
        .is_file());
    // -Qii on the installed package shows the backup (conffile) list.
    let info = run(
        Command::new("pacman")
            .arg("--root")
            .arg(&root)
            .arg("--dbpath")
            .arg(root.join("var/lib/pacman"))
            .args(["-Qii", NAME]),
        "apt-get install -y pacman-package-manager",
    );
    assert_contains(&info, &["zstd", "etc/hello-zstd.conf"]);
}

#[test]
fn debian_directory_builds_with_dpkg_buildpackage_and_runs_in_bookworm() {
    let dir = recipe("debian", &["--target", "debian-12"]);
    let out = dir.join("out");
    let control = std::fs::read_to_string(out.join("debian/control")).unwrap();
    assert_contains(
        &control,
        &[
            "debhelper-compat (= 13)",
            "cargo,",
            "rustc,",
            "pkg-config,",
            "libzstd-dev",
            // Debian regenerates the generated source, with Debian's flex.
            "flex",
            "Depends: ${shlibs:Depends}, ${misc:Depends}",
        ],
    );
    let rules = std::fs::read_to_string(out.join("debian/rules")).unwrap();
    assert_contains(
        &rules,
        &[
            "\tcd generated/lexer && flex -L -o words.lex.c ../../src/words.l\n",
            "override_dh_installsystemd:\n\tdh_installsystemd --name=hello-zstd --no-start hello-zstd.service\n",
        ],
    );
    assert_eq!(
        std::fs::read(out.join(format!("debian/{NAME}.service"))).unwrap(),
        std::fs::read(fixture().root.join(format!("{NAME}.service"))).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("debian/source/format")).unwrap(),
        "3.0 (quilt)\n"
    );
    let copyright = std::fs::read_to_string(out.join("debian/copyright")).unwrap();
    assert_contains(
        &copyright,
        &[
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
            "Files: vendor/cc-",
        ],
    );

    // The source package as a Debian maintainer gets it: orig + vendor component + debian/.
    let src = out.join(format!("{NAME}-{VERSION}"));
    // The build must regenerate the flex output: the upstream tarball's copy does not compile.
    let orig = out.join(format!("{NAME}_{VERSION}.orig.tar.gz"));
    tampered_tarball(&orig.clone(), GENERATED, UNCOMPILABLE, &orig);
    tar_x(&out.join(format!("{NAME}_{VERSION}.orig.tar.gz")), &out);
    tar_x(
        &out.join(format!("{NAME}_{VERSION}.orig-vendor.tar.gz")),
        &src,
    );
    crate::util::copy_tree(&out.join("debian"), &src.join("debian"));
    run(
        Command::new("dpkg-source")
            .args(["-b"])
            .arg(&src)
            .current_dir(&out),
        "apt-get install -y dpkg-dev",
    );
    let dsc = out.join(format!("{NAME}_{VERSION}-1.dsc"));
    let dsc_text = std::fs::read_to_string(&dsc).unwrap();
    assert_contains(
        &dsc_text,
        &[&format!("{NAME}_{VERSION}.orig-vendor.tar.gz")],
    );
    let extracted = dir.join("extracted");
    run(
        Command::new("dpkg-source")
            .arg("-x")
            .arg(&dsc)
            .arg(&extracted),
        "apt-get install -y dpkg-dev",
    );
    assert!(
        extracted.join("vendor").is_dir(),
        "dpkg-source -x did not unpack the vendor component into vendor/"
    );
    // `-d`: cargo and rustc are rustup's here, not Debian packages (bookworm's rustc 1.63 is
    // older than the crates' minimum); every other build dependency is checked.
    let no_network = "http://127.0.0.1:9";
    let log = run_log(
        Command::new("dpkg-buildpackage")
            .args(["-b", "-us", "-uc", "-d"])
            .current_dir(&extracted)
            .env_remove("CARGO_TARGET_DIR")
            .env("http_proxy", no_network)
            .env("https_proxy", no_network),
        "apt-get install -y dpkg-dev debhelper fakeroot flex",
    );
    assert_contains(
        &log,
        &["cd generated/lexer && flex -L -o words.lex.c ../../src/words.l"],
    );
    let deb = dir.join(format!("{NAME}_{VERSION}-1_amd64.deb"));
    assert!(
        deb.is_file(),
        "dpkg-buildpackage wrote no {}",
        deb.display()
    );
    let depends = run(
        Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"),
        "apt-get install -y dpkg",
    );
    assert!(depends.contains("libzstd1"), "Depends: {depends}");
    // dh_installsystemd put the unit where bookworm's debhelper installs units, and wrote the
    // snippets that enable it (no start: `start = false`).
    let contents = run(
        Command::new("dpkg-deb").arg("-c").arg(&deb),
        "apt-get install -y dpkg",
    );
    assert_contains(
        &contents,
        &[&format!(" ./lib/systemd/system/{NAME}.service\n")],
    );
    let postinst = run(
        Command::new("dpkg-deb").arg("-I").arg(&deb).arg("postinst"),
        "apt-get install -y dpkg",
    );
    assert_contains(
        &postinst,
        &[&format!("deb-systemd-helper enable '{NAME}.service'")],
    );
    assert!(
        !postinst.contains("deb-systemd-invoke"),
        "the unit is started although `start = false`:\n{postinst}"
    );

    // Install it in a Debian 12 root and run it there.
    let root = run(
        Command::new(workspace().join("ci/debian-root")).arg("bookworm"),
        "apt-get install -y debootstrap (ci/install-deps)",
    );
    let root = PathBuf::from(root.trim());
    std::fs::copy(&deb, root.join("tmp/p.deb")).unwrap();
    // libzstd1 is part of a minbase bookworm root (apt needs it), so dpkg -i succeeds offline.
    run(
        Command::new("chroot")
            .arg(&root)
            .args(["dpkg", "-i", "/tmp/p.deb"]),
        "coreutils",
    );
    let bin = root.join(format!("usr/bin/{NAME}"));
    assert_links_system_zstd(&bin);
    let printed = run(
        Command::new("chroot")
            .arg(&root)
            .arg(format!("/usr/bin/{NAME}")),
        "coreutils",
    );
    assert!(printed.starts_with("hello-zstd: zstd 1.5.4"), "{printed}");
    assert!(printed.contains("hello-zstd: 5 words"), "{printed}");
    assert!(
        root.join(format!("lib/systemd/system/{NAME}.service"))
            .is_file(),
        "the unit is not installed"
    );
    let status = run(
        Command::new("chroot")
            .arg(&root)
            .args(["dpkg-query", "-W", "-f", "${Conffiles}", NAME]),
        "coreutils",
    );
    assert!(
        status.contains("/etc/hello-zstd.conf"),
        "conffiles: {status}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn rpm_spec_builds_with_rpmbuild_and_installs_with_rpm() {
    let dir = recipe("rpm", &[]);
    let out = dir.join("out");
    let spec = std::fs::read_to_string(out.join(format!("{NAME}.spec"))).unwrap();
    assert_contains(
        &spec,
        &[
            "BuildRequires:  pkgconfig(libzstd)",
            "Source1:        hello-zstd-0.1.0-vendor.tar.gz",
            "Provides:       bundled(crate(cc)) = ",
            "%config(noreplace) /etc/hello-zstd.conf",
            "cargo build --frozen --release",
            // Fedora regenerates the generated source, with its flex.
            "BuildRequires:  flex\n",
            "(cd generated/lexer && flex -L -o words.lex.c ../../src/words.l)",
            "BuildRequires:  systemd-rpm-macros\n",
            "install -D -m 0644 hello-zstd.service %{buildroot}%{_unitdir}/hello-zstd.service\n",
            "%post\n%systemd_post hello-zstd.service\n",
            "%preun\n%systemd_preun hello-zstd.service\n",
            // Not started on install, so not restarted on upgrade.
            "%postun\n%systemd_postun hello-zstd.service\n",
            "%{_unitdir}/hello-zstd.service\n",
        ],
    );
    assert!(!spec.contains("%systemd_postun_with_restart"), "{spec}");
    let top = dir.join("rpmbuild");
    for d in ["SOURCES", "SPECS"] {
        std::fs::create_dir_all(top.join(d)).unwrap();
    }
    let f = format!("{NAME}-{VERSION}-vendor.tar.gz");
    std::fs::copy(out.join(&f), top.join("SOURCES").join(&f)).unwrap();
    // The build must regenerate the flex output: the upstream tarball's copy does not compile.
    let f = format!("{NAME}-{VERSION}.tar.gz");
    tampered_tarball(
        &out.join(&f),
        GENERATED,
        UNCOMPILABLE,
        &top.join("SOURCES").join(&f),
    );
    // `--nodeps`: BuildRequires (cargo, rust, pkgconfig(libzstd)) are satisfied by Debian
    // packages and rustup here, which this machine's empty rpm database does not know.
    // Debian's rpm lacks Fedora's systemd-rpm-macros (the spec's `BuildRequires:
    // systemd-rpm-macros`): stand-ins with the same names and the same `%{_unitdir}` record in
    // the scriptlets which macro ran for which units.
    let mut macros = Vec::new();
    macros.push("_unitdir /usr/lib/systemd/system".to_string());
    for m in [
        "systemd_post",
        "systemd_preun",
        "systemd_postun",
        "systemd_postun_with_restart",
    ] {
        macros.push(format!("{m}() echo {m} %*"));
    }
    let no_network = "http://127.0.0.1:9";
    let mut rpmbuild = Command::new("rpmbuild");
    rpmbuild.args(["-bb", "--nodeps", "--define"]);
    rpmbuild.arg(format!("_topdir {}", top.display()));
    for m in &macros {
        rpmbuild.arg("--define").arg(m);
    }
    let log = run_log(
        rpmbuild
            .arg(out.join(format!("{NAME}.spec")))
            .env_remove("CARGO_TARGET_DIR")
            .env("http_proxy", no_network)
            .env("https_proxy", no_network),
        "apt-get install -y rpm flex",
    );
    assert_contains(&log, &["+ flex -L -o words.lex.c ../../src/words.l"]);
    let rpm = top.join(format!("RPMS/x86_64/{NAME}-{VERSION}-1.x86_64.rpm"));
    assert!(rpm.is_file(), "rpmbuild wrote no {}", rpm.display());
    let requires = run(
        Command::new("rpm").args(["-qp", "--requires"]).arg(&rpm),
        "apt-get install -y rpm",
    );
    assert!(requires.contains("libzstd.so.1()(64bit)"), "{requires}");
    let files = run(
        Command::new("rpm").args(["-qlp"]).arg(&rpm),
        "apt-get install -y rpm",
    );
    assert_contains(
        &files,
        &[&format!("/usr/lib/systemd/system/{NAME}.service\n")],
    );
    let scripts = run(
        Command::new("rpm").args(["-qp", "--scripts"]).arg(&rpm),
        "apt-get install -y rpm",
    );
    assert_contains(
        &scripts,
        &[
            "systemd_post hello-zstd.service",
            "systemd_preun hello-zstd.service",
            "systemd_postun hello-zstd.service",
        ],
    );
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let rpm_root = |args: &[&str]| {
        let mut c = Command::new("rpm");
        c.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(args);
        c
    };
    run(&mut rpm_root(&["--initdb"]), "apt-get install -y rpm");
    // `--noscripts`: the root has no shell to run the (stand-in) systemd scriptlets.
    run(
        rpm_root(&["-i", "--nodeps", "--noscripts"]).arg(&rpm),
        "apt-get install -y rpm",
    );
    let config = run(&mut rpm_root(&["-qc", NAME]), "apt-get install -y rpm");
    assert!(config.contains("/etc/hello-zstd.conf"), "{config}");
    let bin = root.join(format!("usr/bin/{NAME}"));
    assert_links_system_zstd(&bin);
    assert_runs(&bin);
    assert!(root
        .join(format!("usr/lib/systemd/system/{NAME}.service"))
        .is_file());
    // %license: where depends on the rpm build (Fedora /usr/share/licenses, Debian's rpm the doc dir).
    let licenses = run(&mut rpm_root(&["-qL", NAME]), "apt-get install -y rpm");
    assert!(licenses.trim_end().ends_with("/LICENSE"), "{licenses}");
}

#[test]
fn freebsd_port_has_the_required_parts_and_the_packages_files() {
    let dir = recipe("freebsd", &[]);
    let port = dir.join(format!("out/{NAME}"));
    let makefile = std::fs::read_to_string(port.join("Makefile")).unwrap();
    // Porter's Handbook: the required header variables, USES=cargo, the crate list, the include.
    for var in [
        "PORTNAME=",
        "DISTVERSION=",
        "CATEGORIES=",
        "MAINTAINER=",
        "COMMENT=",
        "WWW=",
        "LICENSE=",
        "USES=",
        "CARGO_CRATES=",
    ] {
        assert!(
            makefile.lines().any(|l| l.starts_with(var)),
            "Makefile lacks {var}\n{makefile}"
        );
    }
    // What Mk/Uses/cargo.mk of the ports tree expects (see src/recipe/freebsd.rs): the default
    // do-install would `cargo install` the binaries only, so the port stages its files itself,
    // taking the binary from where cargo.mk's CARGO_BUILD_TARGET/CARGO_TARGET_DIR put it.
    assert_contains(
        &makefile,
        &[
            // flex is in the base system: no USES=bison, no BUILD_DEPENDS.
            "\nUSES=\t\tcargo pkgconfig\n",
            "LIB_DEPENDS=\tlibzstd.so:archivers/zstd",
            "CARGO_ENV+=\tSYSPACK_LINK=system",
            "\nCARGO_INSTALL=\tno\n",
            "\ndo-install:\n",
            "\t${INSTALL_PROGRAM} ${CARGO_TARGET_DIR}/${CARGO_BUILD_TARGET}/${WITH_DEBUG:Ddebug:Urelease}/hello-zstd ${STAGEDIR}${PREFIX}/bin/hello-zstd\n",
            // The port regenerates the generated source before building.
            "\npre-build:\n\tcd ${WRKSRC}/generated/lexer && flex -L -o words.lex.c ../../src/words.l\n",
            // No systemd on FreeBSD: said, not installed.
            "are not installed: FreeBSD has no\n# systemd.",
        ],
    );
    assert!(!makefile.contains("BUILD_DEPENDS"), "{makefile}");
    assert!(makefile.trim_end().ends_with(".include <bsd.port.mk>"));
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(fixture().root.join("Cargo.lock")).unwrap())
            .unwrap();
    // CARGO_CRATES is what `make cargo-crates` prints (Mk/Scripts/cargo-crates.awk): the
    // registry crates of Cargo.lock in its order as `<name>-<version>`, the first after
    // `CARGO_CRATES=` and a tab, the others after two tabs, joined by ` \` line continuations.
    let crates: Vec<String> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p.get("source")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.starts_with("registry+"))
        })
        .map(|p| {
            format!(
                "{}-{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert!(crates.len() > 5, "the fixture has few crates: {crates:?}");
    let block = format!("\nCARGO_CRATES=\t{}\n", crates.join(" \\\n\t\t"));
    assert_contains(&makefile, &[&block]);
    let distinfo = std::fs::read_to_string(port.join("distinfo")).unwrap();
    assert!(distinfo.starts_with("TIMESTAMP = "), "{distinfo}");
    assert_contains(&distinfo, &[&format!("SIZE ({NAME}-{VERSION}.tar.gz) = ")]);
    for p in lock["package"].as_array().unwrap() {
        let Some(sum) = p.get("checksum").and_then(|v| v.as_str()) else {
            continue;
        };
        let id = format!(
            "{}-{}",
            p["name"].as_str().unwrap(),
            p["version"].as_str().unwrap()
        );
        assert!(makefile.contains(&id), "CARGO_CRATES lacks {id}");
        assert_contains(
            &distinfo,
            &[
                &format!("SHA256 (rust/crates/{id}.crate) = {sum}"),
                &format!("SIZE (rust/crates/{id}.crate) = "),
            ],
        );
    }
    let descr = std::fs::read_to_string(port.join("pkg-descr")).unwrap();
    assert!(!descr.trim().is_empty());

    // pkg-plist lists exactly the files of the FreeBSD package `syspack package` writes.
    let proj = fixture();
    let target = dir.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy("/usr/bin/true", target.join(format!("release/{NAME}"))).unwrap();
    let mut cmd = dir.command();
    cmd.args([
        "package",
        "--no-build",
        "--target",
        "freebsd-14",
        // A Linux ELF stands in for the FreeBSD binary the port would build.
        "--allow-foreign-binaries",
        "--out",
        "pkg",
        "--manifest-path",
    ])
    .args([proj.root.join("Cargo.toml")])
    .env("CARGO_TARGET_DIR", &target);
    cmd.stdout();
    let pkg = dir.join(format!("pkg/{NAME}-{VERSION}.pkg"));
    let reader = syspack_distro::freebsd::Reader::open(&pkg).unwrap();
    let in_package: BTreeSet<String> = reader
        .entries()
        .iter()
        .filter(|e| !e.path.ends_with('/') && e.kind != syspack_distro::freebsd::EntryKind::Dir)
        .map(|e| e.path.trim_start_matches('/').to_string())
        .collect();
    let plist = std::fs::read_to_string(port.join("pkg-plist")).unwrap();
    let in_plist: BTreeSet<String> = plist
        .lines()
        .map(|l| {
            let l = l
                .replace("%%PORTDOCS%%", "")
                .replace("%%DOCSDIR%%", &format!("share/doc/{NAME}"));
            format!("usr/local/{}", l.trim_start_matches("@config "))
        })
        .collect();
    assert_eq!(in_plist, in_package, "pkg-plist:\n{plist}");
    assert!(plist.contains("@config etc/hello-zstd.conf"), "{plist}");
    assert!(!plist.contains("systemd"), "{plist}");
}

#[test]
fn a_project_without_cargo_lock_is_refused() {
    let dir = Dir::new("recipe-nolock");
    dir.create(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"MIT\"\nauthors = [\"A <a@example.org>\"]\n",
    );
    dir.create("src/main.rs", "fn main() {}\n");
    let err = dir
        .command()
        .args(["recipe", "arch", "--out", "out"])
        .env("CARGO_NET_OFFLINE", "true")
        .stderr_with(2);
    assert_contains(&err, &["Cargo.lock", "generate-lockfile"]);
    assert!(!dir.join("out").exists(), "files were written");
}

/// Beside cargo-deb's table, cargo-generate-rpm's assets, scripts and name are the RPM's own in a
/// recipe too, as in a package: the spec installs what generate-rpm lists and runs its script,
/// while debian/ installs what cargo-deb lists. `cargo build -p` names the crate, not a package.
#[test]
fn each_recipe_takes_its_own_formats_table() {
    let dir = Dir::new("recipe-per-format");
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "two_tables"
version = "1.0.0"
edition = "2021"
license = "MIT"
authors = ["A <a@example.org>"]
description = "Packaged by two tools."

[package.metadata.deb]
name = "two-tables-deb"
assets = [["target/release/two_tables", "usr/bin/", "755"]]

[package.metadata.generate-rpm]
name = "two-tables-rpm"
assets = [{ source = "target/release/two_tables", dest = "/usr/libexec/two_tables", mode = "755" }]
post_install_script = "echo rpm-only-post-install"
"#,
    );
    dir.create("src/main.rs", "fn main() {}\n");
    let lock = cargo()
        .current_dir(dir.path())
        .args(["generate-lockfile", "--offline"])
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    for family in ["rpm", "debian"] {
        dir.command()
            .args(["recipe", family, "--out", family])
            .env("CARGO_NET_OFFLINE", "true")
            .stdout();
    }
    let spec = std::fs::read_to_string(dir.join("rpm/two-tables-rpm.spec")).unwrap_or_else(|e| {
        panic!("{e}: {}", listing(&dir.join("rpm")));
    });
    assert_contains(
        &spec,
        &[
            "Name:",
            "two-tables-rpm",
            "/usr/libexec/two_tables",
            "rpm-only-post-install",
        ],
    );
    assert!(!spec.contains("%{_bindir}/two_tables\n"), "{spec}");
    let control = std::fs::read_to_string(dir.join("debian/debian/control")).unwrap_or_else(|e| {
        panic!("{e}: {}", listing(&dir.join("debian")));
    });
    assert_contains(&control, &["Package: two-tables-deb"]);
    let all: String = crate::util::tree(&dir.join("debian"))
        .into_iter()
        .map(|(p, b)| format!("{p}\n{}\n", String::from_utf8_lossy(&b)))
        .collect();
    assert!(!all.contains("rpm-only-post-install"), "{all}");
    assert!(!all.contains("libexec"), "{all}");
}
