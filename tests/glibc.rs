//! `--glibc`: one binary for a glibc floor, built with zig through cargo-zigbuild. A small crate
//! linking the four vendored compression libraries is built for glibc 2.17 and judged by readelf
//! (symbol versions, DT_NEEDED, the compilers in `.comment`), by dpkg-deb and rpm (the libc
//! dependency), by `syspack matrix`, and by running it in Debian 11 and 13 roots. A floor below
//! what Rust's standard library needs fails naming the symbol; system mode and a missing
//! toolchain are refused with the reason and the install commands.
//!
//! The builds need the vendored sources in the source cache: those tests run in ci/run's
//! vendored stage (`--features vendored`), after the cache is filled. zig and cargo-zigbuild come
//! from ci/install-deps (ci/run puts them on PATH).

use std::path::PathBuf;

use crate::util::{assert_contains, Dir};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A crate printing the versions of the four vendored compression libraries it links.
fn floor_crate(name: &str) -> Dir {
    let dir = Dir::new(name);
    let ws = workspace();
    let dep = |c: &str| {
        format!(
            "syspack-{c}-sys = {{ path = \"{}\" }}\n",
            ws.join("sys-crates").join(format!("{c}-sys")).display()
        )
    };
    let deps: String = ["zlib", "bzip2", "lzma", "zstd"].map(dep).concat();
    dir.create(
        "Cargo.toml",
        format!(
            r#"[package]
name = "floor"
version = "0.1.0"
edition = "2021"
license = "MIT"
description = "prints the versions of the vendored compression libraries it links"
authors = ["syspack tests <tests@example.org>"]

[workspace]

[dependencies]
{deps}
[features]
vendored = ["syspack-zlib-sys/vendored", "syspack-bzip2-sys/vendored", "syspack-lzma-sys/vendored", "syspack-zstd-sys/vendored"]
"#
        ),
    );
    dir.create(
        "src/main.rs",
        r#"fn main() {
    println!(
        "zlib {} bzip2 {} xz {} zstd {}",
        syspack_zlib_sys::safe::version(),
        syspack_bzip2_sys::safe::version(),
        syspack_lzma_sys::safe::version(),
        syspack_zstd_sys::safe::version()
    );
}
"#,
    );
    // The workspace's lock file: the same crate versions, no registry needed.
    std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// The builds (they need the vendored sources: ci/run's vendored stage).
#[cfg(feature = "vendored")]
mod built {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    /// A target directory kept between runs (per floor: the C libraries' build scripts rerun when
    /// the compiler wrapper changes).
    fn target_dir(floor: &str) -> PathBuf {
        workspace()
            .join("target")
            .join(format!("glibc-{floor}-test"))
    }

    fn run(program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("`{program}` cannot run ({e}); ci/install-deps installs it")
            });
        assert!(
            out.status.success(),
            "`{program} {}` failed: {}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `(major, minor)` of every `PREFIX2.N` word in `text`.
    fn versions(text: &str, prefix: &str) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
            .filter_map(|w| w.strip_prefix(prefix))
            .filter_map(|v| {
                let mut p = v.split('.');
                Some((p.next()?.parse().ok()?, p.next()?.parse().ok()?))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The clang version inside the zig on PATH (`zig cc --version`, or `python3 -m ziglang`).
    fn zig_clang_version() -> String {
        let text = Command::new("zig")
            .args(["cc", "--version"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .or_else(|| {
                Command::new("python3")
                    .args(["-m", "ziglang", "cc", "--version"])
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
            })
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .expect("no zig on PATH: ci/install-deps installs PyPI's ziglang into its venv, ci/run puts it on PATH");
        let (_, rest) = text
            .split_once("clang version ")
            .expect("zig cc --version names clang");
        rest.split_whitespace().next().unwrap().to_string()
    }

    /// Installs `deb` into a fresh root of `suite` and runs `/usr/bin/floor` there.
    fn run_in_debian_root(suite: &str, deb: &Path) -> String {
        let scratch = Dir::new(&format!("glibc-root-{suite}"));
        let root = scratch.join("root");
        let out = Command::new(workspace().join("ci/debian-root"))
            .arg(suite)
            .arg(&root)
            .output()
            .expect("ci/debian-root runs");
        assert!(
            out.status.success(),
            "ci/debian-root {suite} failed (apt-get install -y debootstrap; ci/install-deps): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::copy(deb, root.join("tmp/floor.deb")).unwrap();
        run(
            "chroot",
            &[root.to_str().unwrap(), "dpkg", "-i", "/tmp/floor.deb"],
        );
        run("chroot", &[root.to_str().unwrap(), "/usr/bin/floor"])
    }

    #[test]
    fn a_glibc_2_17_build_runs_on_every_newer_glibc() {
        let dir = floor_crate("glibc-217");
        let target = target_dir("2.17");
        let out = dir
            .command()
            .args([
                "package",
                "--glibc",
                "2.17",
                "--features",
                "vendored",
                "--target",
                "debian-11,el-8,debian-13",
                "--out",
                "out",
            ])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("SYSPACK_LINK")
            .stdout();
        assert_contains(&out, &["debian-11", "el-8", "debian-13"]);
        let bin = target.join("x86_64-unknown-linux-gnu/release/floor");
        let bin_s = bin.to_str().unwrap();

        // readelf: no glibc symbol version above 2.17, none of libgcc_s/libstdc++, and the
        // compression libraries linked in (no DT_NEEDED on them).
        let needs = run("readelf", &["-V", "-W", bin_s]);
        let glibc = versions(&needs, "GLIBC_");
        assert!(!glibc.is_empty(), "{needs}");
        assert!(glibc.iter().all(|v| *v <= (2, 17)), "{glibc:?}\n{needs}");
        assert!(
            !needs.contains("GCC_") && !needs.contains("GLIBCXX_"),
            "{needs}"
        );
        let dynamic = run("readelf", &["-d", "-W", bin_s]);
        for lib in ["libz.so", "libzstd.so", "liblzma.so", "libbz2.so"] {
            assert!(!dynamic.contains(lib), "{lib} is needed:\n{dynamic}");
        }

        // The C code was compiled by zig's clang, not the machine's gcc: the vendored archives and
        // the binary name zig's clang in `.comment`, and nothing names GCC (the host's crt objects
        // and a gcc-compiled library would).
        let clang = format!("clang version {}", zig_clang_version());
        let release = target.join("x86_64-unknown-linux-gnu/release/build");
        let mut archives = Vec::new();
        for entry in std::fs::read_dir(&release).unwrap() {
            let out_dir = entry.unwrap().path().join("out");
            for a in ["libz.a", "libbz2.a", "liblzma.a", "libzstd.a"] {
                if out_dir.join(a).is_file() {
                    archives.push(out_dir.join(a));
                }
            }
        }
        let mut names: Vec<String> = archives
            .iter()
            .map(|a| a.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["libbz2.a", "liblzma.a", "libz.a", "libzstd.a"]);
        for a in archives.iter().chain([&bin]) {
            let comment = run("readelf", &["-p", ".comment", a.to_str().unwrap()]);
            assert!(comment.contains(&clang), "{}: {comment}", a.display());
            assert!(!comment.contains("GCC:"), "{}: {comment}", a.display());
        }

        // The packages' libc dependency: never above the floor for the releases at or near it.
        let deb11 = dir.join("out/debian-11/floor_0.1.0-1_amd64.deb");
        let depends = run("dpkg-deb", &["-f", deb11.to_str().unwrap(), "Depends"]);
        let libc6 = versions(&depends.replace("libc6 (>= ", "libc6_"), "libc6_");
        assert!(
            !libc6.is_empty() && libc6.iter().all(|v| *v <= (2, 17)),
            "{depends}"
        );
        let rpm = dir.join("out/floor-0.1.0-1.x86_64.rpm");
        let requires = run("rpm", &["-qp", "--requires", rpm.to_str().unwrap()]);
        let rpm_glibc = versions(&requires, "GLIBC_");
        assert!(
            !rpm_glibc.is_empty() && rpm_glibc.iter().all(|v| *v <= (2, 17)),
            "{requires}"
        );

        // The matrix: runs on CentOS 7 (glibc 2.17) and every newer glibc release.
        let json = dir
            .command()
            .args(["matrix", "--binary", bin_s, "--format", "json"])
            .stdout();
        let m: serde_json::Value = serde_json::from_str(&json).unwrap();
        let rows = m["rows"].as_array().unwrap();
        let mut glibc_rows = 0;
        for row in rows {
            let id = row["release"].as_str().unwrap();
            if id.starts_with("alpine") || id.starts_with("freebsd") {
                continue;
            }
            glibc_rows += 1;
            assert_eq!(row["runs"]["status"], "yes", "{id}: {}", row["runs"]);
        }
        assert!(glibc_rows >= 10, "{json}");
        assert!(rows.iter().any(|r| r["release"] == "centos-7"));

        // Debian 11 (glibc 2.31) and Debian 13 install the package and run the binary; what
        // they showed goes to the matrix as proofs, which mark its cells verified.
        let mut proofs = Vec::new();
        for (release, suite, deb) in [
            ("debian-11", "bullseye", deb11),
            (
                "debian-13",
                "trixie",
                dir.join("out/debian-13/floor_0.1.0-1_amd64.deb"),
            ),
        ] {
            let printed = run_in_debian_root(suite, &deb);
            assert!(
                printed.starts_with("zlib 1.") && printed.contains(" zstd 1."),
                "{suite}: {printed}"
            );
            let name = deb.file_name().unwrap().to_str().unwrap();
            proofs.push(proof(
                release,
                "installs",
                name,
                &format!("chroot {suite}-root dpkg -i {name} (debootstrap minbase root)"),
            ));
            proofs.push(proof(
                release,
                "runs",
                name,
                &format!("chroot {suite}-root /usr/bin/floor (--glibc 2.17 build) after dpkg -i"),
            ));
        }
        let table = matrix_with_proofs(&dir, &bin, &proofs, "debian-11,debian-13,centos-7");
        for release in ["debian-11", "debian-13"] {
            let line = table
                .lines()
                .find(|l| l.contains(&format!("`{release}`")))
                .unwrap_or_else(|| panic!("no {release} row:\n{table}"));
            assert!(line.matches("yes ✓").count() >= 2, "{line}\n{table}");
        }
        assert!(!table.contains("proof disagrees"), "{table}");
    }

    /// One proof object (see `syspack matrix --proofs`) that `column` of `release` is `yes`,
    /// dated today.
    fn proof(release: &str, column: &str, package: &str, step: &str) -> serde_json::Value {
        let date = run("date", &["-u", "+%F"]);
        serde_json::json!({
            "release": release,
            "column": column,
            "package": package,
            "step": step,
            "date": date.trim(),
            "outcome": "yes",
        })
    }

    /// The markdown matrix of `bin` for `targets` with `proofs` attached; the proofs are kept in
    /// the workspace's `target/syspack/` (as ci/install-tests keeps its own) and the table is
    /// printed, for the test log.
    fn matrix_with_proofs(
        dir: &Dir,
        bin: &Path,
        proofs: &[serde_json::Value],
        targets: &str,
    ) -> String {
        let file = dir.join("proofs.json");
        let text = serde_json::to_string_pretty(proofs).unwrap();
        std::fs::write(&file, &text).unwrap();
        let kept = workspace().join("target/syspack");
        std::fs::create_dir_all(&kept).unwrap();
        let stem = bin.parent().unwrap().parent().unwrap().file_name().unwrap();
        std::fs::write(
            kept.join(format!("proofs-glibc-{}.json", stem.to_string_lossy())),
            &text,
        )
        .unwrap();
        let table = dir
            .command()
            .args([
                "matrix",
                "--binary",
                bin.to_str().unwrap(),
                "--target",
                targets,
                "--proofs",
                file.to_str().unwrap(),
                "--format",
                "markdown",
            ])
            .stdout();
        println!("{table}");
        table
    }

    #[test]
    fn an_arm64_glibc_2_17_build_is_packaged_for_arm64_and_runs_in_an_arm64_root() {
        let dir = floor_crate("glibc-arm64");
        let target = target_dir("2.17-arm64");
        let out = dir
            .command()
            .args([
                "package",
                "--glibc",
                "2.17",
                "--arch",
                "arm64",
                "--features",
                "vendored",
                "--target",
                "debian-11,debian-12,el-9,arch",
                "--out",
                "out",
            ])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("SYSPACK_LINK")
            .stdout();
        assert_contains(&out, &["arm64.deb", "aarch64.rpm", "aarch64.pkg.tar.zst"]);
        let bin = target.join("aarch64-unknown-linux-gnu/release/floor");
        let bin_s = bin.to_str().unwrap();

        // readelf: an AArch64 executable needing GLIBC_2.17 at most (aarch64's oldest), nothing
        // of libgcc_s, no compression library; the vendored archives are AArch64 objects too.
        let header = run("readelf", &["-h", "-W", bin_s]);
        assert!(header.contains("AArch64"), "{header}");
        let needs = run("readelf", &["-V", "-W", bin_s]);
        let glibc = versions(&needs, "GLIBC_");
        assert_eq!(glibc, [(2, 17)], "{needs}");
        assert!(!needs.contains("GCC_"), "{needs}");
        let dynamic = run("readelf", &["-d", "-W", bin_s]);
        for lib in ["libz.so", "libzstd.so", "liblzma.so", "libbz2.so"] {
            assert!(!dynamic.contains(lib), "{lib} is needed:\n{dynamic}");
        }
        let build = target.join("aarch64-unknown-linux-gnu/release/build");
        let mut archives = 0;
        for entry in std::fs::read_dir(&build).unwrap() {
            let out_dir = entry.unwrap().path().join("out");
            for a in ["libz.a", "libbz2.a", "liblzma.a", "libzstd.a"] {
                let a = out_dir.join(a);
                if a.is_file() {
                    archives += 1;
                    let h = run("readelf", &["-h", "-W", a.to_str().unwrap()]);
                    assert!(
                        h.contains("AArch64") && !h.contains("X86-64"),
                        "{}: {h}",
                        a.display()
                    );
                }
            }
        }
        assert!(archives >= 4, "{}", build.display());

        // The packages' architecture fields and libc dependencies.
        let deb11 = dir.join("out/debian-11/floor_0.1.0-1_arm64.deb");
        let deb12 = dir.join("out/debian-12/floor_0.1.0-1_arm64.deb");
        for deb in [&deb11, &deb12] {
            let d = deb.to_str().unwrap();
            assert_eq!(run("dpkg-deb", &["-f", d, "Architecture"]).trim(), "arm64");
            let depends = run("dpkg-deb", &["-f", d, "Depends"]);
            assert!(depends.contains("libc6 (>= 2.17)"), "{depends}");
        }
        let rpm = dir.join("out/floor-0.1.0-1.aarch64.rpm");
        let rpm_s = rpm.to_str().unwrap();
        assert_eq!(run("rpm", &["-qp", "--qf", "%{ARCH}", rpm_s]), "aarch64");
        let requires = run("rpm", &["-qp", "--requires", rpm_s]);
        assert!(
            requires.contains("libc.so.6(GLIBC_2.17)(64bit)"),
            "{requires}"
        );
        let pkginfo = run(
            "bsdtar",
            &[
                "-xOf",
                dir.join("out/floor-0.1.0-1-aarch64.pkg.tar.zst")
                    .to_str()
                    .unwrap(),
                ".PKGINFO",
            ],
        );
        assert!(
            pkginfo.contains("arch = aarch64") && pkginfo.contains("depend = glibc>=2.17"),
            "{pkginfo}"
        );

        // Stripped by aarch64-linux-gnu-strip: the packaged binary has no symbol table.
        let unpacked = dir.join("unpacked");
        run(
            "dpkg-deb",
            &["-x", deb11.to_str().unwrap(), unpacked.to_str().unwrap()],
        );
        let sections = run(
            "readelf",
            &["-S", "-W", unpacked.join("usr/bin/floor").to_str().unwrap()],
        );
        assert!(!sections.contains(".symtab"), "{sections}");

        // Debian 11's arm64 port (glibc 2.31) runs it, through qemu's user-mode emulator: the
        // package unpacked into a root made by debootstrap's first stage (no binfmt_misc, so
        // dpkg, whose scripts would run arm64 programs, is not run there).
        let scratch = Dir::new("glibc-arm64-root");
        let root = scratch.join("root");
        let made = Command::new(workspace().join("ci/debian-root"))
            .args(["--arch", "arm64", "bullseye"])
            .arg(&root)
            .output()
            .expect("ci/debian-root runs");
        assert!(
            made.status.success(),
            "ci/debian-root --arch arm64 bullseye failed (ci/install-deps installs debootstrap \
             and qemu-user-static): {}",
            String::from_utf8_lossy(&made.stderr)
        );
        run(
            "dpkg-deb",
            &["-x", deb11.to_str().unwrap(), root.to_str().unwrap()],
        );
        let printed = run(
            "chroot",
            &[
                root.to_str().unwrap(),
                "/usr/bin/qemu-aarch64-static",
                "/usr/bin/floor",
            ],
        );
        assert!(
            printed.starts_with("zlib 1.") && printed.contains(" zstd 1."),
            "{printed}"
        );
        let libc = run(
            "chroot",
            &[
                root.to_str().unwrap(),
                "/usr/bin/qemu-aarch64-static",
                "/lib/aarch64-linux-gnu/libc.so.6",
            ],
        );
        assert!(libc.contains("release version 2.31"), "{libc}");

        // The matrix: runs on every glibc release from 2.17 on; the Debian 11 run proves it.
        let name = deb11.file_name().unwrap().to_str().unwrap();
        let proofs = [proof(
            "debian-11",
            "runs",
            name,
            &format!(
                "chroot bullseye-arm64-root /usr/bin/qemu-aarch64-static /usr/bin/floor \
                 (debootstrap --foreign --arch=arm64, {name} unpacked by dpkg-deb -x)"
            ),
        )];
        let table = matrix_with_proofs(&dir, &bin, &proofs, "debian-11,el-9,centos-7");
        let line = table
            .lines()
            .find(|l| l.contains("`debian-11`"))
            .unwrap_or_else(|| panic!("no debian-11 row:\n{table}"));
        assert!(line.contains("yes ✓"), "{line}\n{table}");
        assert!(!table.contains("proof disagrees"), "{table}");
        for l in table
            .lines()
            .filter(|l| l.contains("`centos-7`") || l.contains("`el-9`"))
        {
            assert!(l.contains("yes"), "{l}\n{table}");
        }
    }

    #[test]
    fn a_floor_below_what_the_code_needs_fails_naming_the_symbols() {
        let dir = floor_crate("glibc-212");
        let err = dir
            .command()
            .args(["build", "--glibc", "2.12", "--features", "vendored"])
            .env("CARGO_TARGET_DIR", target_dir("2.12"))
            .env_remove("SYSPACK_LINK")
            .stderr_with(2);
        // Rust's standard library calls getauxval (glibc 2.16).
        assert_contains(
            &err,
            &[
                "does not define",
                "glibc 2.12",
                "getauxval@GLIBC_2.16 (referenced by",
                "in libstd-",
                "raise the floor",
            ],
        );
    }
}

/// A crate whose C code (compiled by its build script with cc into `libnewer.a`) calls
/// `getrandom`, which glibc has from 2.25 on.
fn newer_c_crate(name: &str) -> Dir {
    let dir = Dir::new(name);
    dir.create(
        "Cargo.toml",
        r#"[package]
name = "newer"
version = "0.1.0"
edition = "2021"
license = "MIT"
description = "calls getrandom from C"
authors = ["syspack tests <tests@example.org>"]

[workspace]

[build-dependencies]
cc = "1"
"#,
    );
    dir.create(
        "build.rs",
        "fn main() {\n    cc::Build::new().file(\"pick.c\").compile(\"newer\");\n}\n",
    );
    // Declared here, not from <sys/random.h>: the compile must not depend on the headers.
    dir.create(
        "pick.c",
        "#include <stddef.h>\nextern long getrandom(void *buf, size_t n, unsigned int flags);\n\
         int pick(void) { unsigned char b = 0; return getrandom(&b, 1, 0) == 1 ? b : -1; }\n",
    );
    dir.create(
        "src/main.rs",
        "extern \"C\" {\n    fn pick() -> i32;\n}\nfn main() {\n    println!(\"{}\", unsafe { pick() });\n}\n",
    );
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

#[test]
fn a_symbol_beyond_the_floor_is_named_with_its_version_and_object() {
    let dir = newer_c_crate("glibc-newer");
    let target = workspace().join("target").join("glibc-newer-test");
    // zig links against glibc 2.17's stubs, which have no getrandom: the link fails, and the
    // error gives the version zig's glibc tables know it from and the object and crate that call
    // it.
    let err = dir
        .command()
        .args(["build", "--glibc", "2.17"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "does not define",
            "glibc 2.17",
            "getrandom@GLIBC_2.25 (referenced by",
            "pick.o",
            "in libnewer.a (crate `newer`)",
        ],
    );
    // The same for aarch64, where zig's tables are aarch64's.
    let err = dir
        .command()
        .args(["build", "--glibc", "2.17", "--arch", "arm64"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "getrandom@GLIBC_2.25 (referenced by",
            "in libnewer.a (crate `newer`)",
        ],
    );

    // Linked by the machine's own toolchain (glibc 2.36), the binary carries
    // getrandom@GLIBC_2.25: packaging it for 2.17 is refused after the fact, naming the symbol,
    // its version and the archive member of the build that references it.
    let out = std::process::Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = dir
        .command()
        .args([
            "package",
            "--no-build",
            "--glibc",
            "2.17",
            "--target",
            "debian-11",
            "--out",
            "out",
        ])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "--glibc 2.17: 1 binary needs more than glibc 2.17; nothing was packaged",
            "getrandom@GLIBC_2.25: referenced by ",
            "pick.o in libnewer.a (crate `newer`)",
        ],
    );
}

#[test]
fn another_architecture_needs_a_floor_it_has() {
    let dir = floor_crate("glibc-arm64-refused");
    // Without --glibc the build would be this machine's architecture's.
    let err = dir
        .command()
        .args(["build", "--arch", "arm64"])
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(
        &err,
        &["the package is for aarch64", "--glibc 2.17", "--no-build"],
    );
    // glibc on aarch64 begins with 2.17.
    let err = dir
        .command()
        .args(["build", "--arch", "aarch64", "--glibc", "2.12"])
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(&err, &["first release there is 2.17", "GLIBC_2.17"]);
    let err = dir
        .command()
        .args(["build", "--arch", "sparc", "--glibc", "2.17"])
        .stderr_with(2);
    assert_contains(&err, &["invalid --arch `sparc`", "aarch64"]);
}

#[test]
fn system_mode_is_refused_with_the_reason() {
    let dir = floor_crate("glibc-system");
    let err = dir
        .command()
        .args(["build", "--glibc", "2.17"])
        .env("SYSPACK_LINK", "system")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "cannot link the system's C libraries (SYSPACK_LINK=system)",
            "built against this machine's glibc",
            "--features vendored",
        ],
    );
    // And from the syspack table, with a per-library variable.
    let err = dir
        .command()
        .args(["package", "--glibc", "2.17", "--target", "debian-11"])
        .env("SYSPACK_ZLIB_LINK", "system")
        .stderr_with(2);
    assert_contains(&err, &["SYSPACK_ZLIB_LINK=system"]);
}

#[test]
fn a_missing_toolchain_names_both_install_commands() {
    let dir = floor_crate("glibc-missing");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = dir
        .command()
        .args(["build", "--glibc", "2.17"])
        .env("PATH", &empty)
        .env("CARGO_HOME", &empty)
        .env_remove("SYSPACK_ZIG")
        .env_remove("SYSPACK_CARGO_ZIGBUILD")
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "zig is not found",
            "pip install ziglang==",
            "cargo-zigbuild is not found",
            "cargo install --locked cargo-zigbuild@",
        ],
    );
    // doctor says the same, and where the tools are when they are on PATH (ci/run's PATH).
    let doctor = dir.command().args(["doctor"]).env("PATH", &empty).stdout();
    assert_contains(
        &doctor,
        &[
            "pip install ziglang==",
            "cargo install --locked cargo-zigbuild@",
        ],
    );
    let doctor = dir.command().args(["doctor"]).stdout();
    assert!(
        doctor.lines().any(|l| l.contains("rust std")
            && l.contains("aarch64-unknown-linux-gnu")
            && !l.contains("not installed")),
        "rustup's aarch64-unknown-linux-gnu std is missing (ci/install-deps adds it):\n{doctor}"
    );
    let zig_line = doctor
        .lines()
        .find(|l| l.trim_start().starts_with("zig "))
        .unwrap_or_else(|| panic!("{doctor}"));
    assert!(
        zig_line.contains("clang"),
        "zig is not on PATH (ci/install-deps puts PyPI's ziglang into its venv; ci/run adds its bin/ to PATH): {zig_line}"
    );
    assert!(
        doctor
            .lines()
            .any(|l| l.trim_start().starts_with("cargo-zigbuild") && !l.contains("not found")),
        "cargo-zigbuild is not on PATH (ci/install-deps installs it; ci/run adds it to PATH):\n{doctor}"
    );
}

#[test]
fn the_floor_is_read_from_the_syspack_table() {
    let dir = floor_crate("glibc-table");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    dir.create(
        "Cargo.toml",
        format!("{manifest}\n[package.metadata.syspack]\nglibc = \"2.17\"\n"),
    );
    let err = dir
        .command()
        .args(["build"])
        .env("SYSPACK_LINK", "system")
        .stderr_with(2);
    assert_contains(
        &err,
        &["`--glibc 2.17` cannot link the system's C libraries"],
    );
    dir.create(
        "Cargo.toml",
        format!("{manifest}\n[package.metadata.syspack]\nglibc = \"2.17.1\"\n"),
    );
    let err = dir.command().args(["build"]).stderr_with(2);
    assert_contains(&err, &["package.metadata.syspack.glibc", "2.N"]);
}

#[test]
fn a_binary_beyond_the_floor_is_refused_naming_its_symbols() {
    // hello-elf is /usr/bin/true of this Debian 12 machine: __libc_start_main@GLIBC_2.34.
    let dir = crate::package::hello("glibc-beyond");
    let err = dir
        .package()
        .args(["--glibc", "2.17", "--target", "debian-11", "--out", "out"])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "--glibc 2.17: 1 binary needs more than glibc 2.17; nothing was packaged",
            "/usr/bin/hello-elf",
            "__libc_start_main@GLIBC_2.34",
        ],
    );
    assert!(crate::util::files_in(&dir.join("out")).is_empty(), "{err}");
}
