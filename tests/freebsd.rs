//! FreeBSD packages built on Linux: `syspack package --target freebsd-14` cross-builds the
//! project for `x86_64-unknown-freebsd` with zig (through cargo-zigbuild), the vendored C
//! libraries compiled by the same zig. The package is judged by readelf and file(1) (FreeBSD ELF,
//! FreeBSD's interpreter, FreeBSD's ABI note), against the FreeBSD base libraries of the
//! knowledge base (`distro/data/freebsd-14.toml`), the symbol version nodes FreeBSD 14's libc and
//! libthr define and libthr's own version script (docs/freebsd.md), and by its manifest; the same run's Debian package keeps
//! the Linux binary. A binary built for FreeBSD 14 is refused for FreeBSD 13 and shown as not
//! running there by the matrix; system mode and a missing FreeBSD standard library are refused
//! with the reason and the install command, which `syspack doctor` names too.
//!
//! The build needs the vendored sources in the source cache, so it runs in ci/run's vendored
//! stage (`--features vendored`); zig, cargo-zigbuild and the FreeBSD standard library come from
//! ci/install-deps (ci/run puts the tools on PATH).

use std::path::PathBuf;

use crate::util::{assert_contains, Dir};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo's manifest: syspack's own worked example (a flex/bison parser in C, thrift, zstd
/// through the sys crates).
fn demo() -> PathBuf {
    workspace().join("examples/demo/Cargo.toml")
}

#[test]
fn system_mode_is_refused_for_a_freebsd_build() {
    let dir = Dir::new("freebsd-system");
    let err = dir
        .command()
        .args(["package", "--target", "freebsd-14", "--out", "out"])
        .args(["--manifest-path", demo().to_str().unwrap()])
        .env("SYSPACK_LINK", "system")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "a FreeBSD build on this machine cannot link system C libraries (SYSPACK_LINK=system)",
            "--features vendored",
            "FreeBSD VM job",
        ],
    );
    assert!(!dir.join("out").exists());
}

#[cfg(unix)]
#[test]
fn a_missing_freebsd_standard_library_names_rustup_target_add() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("freebsd-std");
    // A rustc that has no library directory for any target, and is the real one otherwise.
    let shim = dir.create(
        "bin/rustc",
        "#!/bin/sh\ncase \"$*\" in *target-libdir*) echo /nonexistent/syspack-test; exit 0;; esac\nexec rustc \"$@\"\n",
    );
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = dir
        .command()
        .args(["package", "--target", "freebsd-14", "--out", "out"])
        .args(["--manifest-path", demo().to_str().unwrap()])
        .env("RUSTC", &shim)
        .env_remove("SYSPACK_LINK")
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "rustc has no standard library for `x86_64-unknown-freebsd`",
            "rustup target add x86_64-unknown-freebsd",
        ],
    );
    assert!(!dir.join("out").exists());
    // doctor says the same; with the real rustc it shows where the library is (ci/install-deps
    // adds the target).
    let doctor = dir.command().args(["doctor"]).env("RUSTC", &shim).stdout();
    assert_contains(
        &doctor,
        &["x86_64-unknown-freebsd not installed: `rustup target add x86_64-unknown-freebsd`"],
    );
    let doctor = dir.command().args(["doctor"]).stdout();
    let line = doctor
        .lines()
        .find(|l| l.trim_start().starts_with("rust std") && l.contains("x86_64-unknown-freebsd"))
        .unwrap_or_else(|| panic!("{doctor}"));
    assert!(
        line.contains("rustlib/x86_64-unknown-freebsd"),
        "the FreeBSD standard library is not installed (ci/install-deps runs `rustup target add \
         x86_64-unknown-freebsd`): {line}"
    );
}

/// The builds (they need the vendored sources: ci/run's vendored stage).
#[cfg(feature = "vendored")]
mod built {
    use super::*;
    use crate::util::tool;
    use std::path::Path;

    /// The version nodes of FreeBSD 14's libc, which libthr shares (its Makefile sets
    /// `VERSION_DEF=${SRCTOP}/lib/libc/Versions.def`): `freebsd/freebsd-src:lib/libc/Versions.def`
    /// at commit 023fc80ee38a117fa65b2ccb2abf8bdc7dbd6fd9 ends at FBSD_1.7, "first added to
    /// 14.0-current" (FBSD_1.8 is FreeBSD 15's); FBSDprivate_1.0 is FreeBSD's private namespace,
    /// not for programs outside the base system. See docs/freebsd.md.
    const FREEBSD_14_NODES: [&str; 8] = [
        "FBSD_1.0", "FBSD_1.1", "FBSD_1.2", "FBSD_1.3", "FBSD_1.4", "FBSD_1.5", "FBSD_1.6",
        "FBSD_1.7",
    ];

    /// The base-system sonames of the knowledge base: `[[sonames]]` of `distro/data/freebsd-14.toml`
    /// without a package.
    fn base_sonames() -> Vec<String> {
        let text =
            std::fs::read_to_string(workspace().join("distro/data/freebsd-14.toml")).unwrap();
        let value: toml::Value = text.parse().unwrap();
        value["sonames"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("package").is_none())
            .map(|s| s["soname"].as_str().unwrap().to_string())
            .collect()
    }

    /// The `DT_NEEDED` sonames readelf shows.
    fn needed(bin: &Path) -> Vec<String> {
        tool("readelf", &["-d", "-W", bin.to_str().unwrap()], "binutils")
            .lines()
            .filter(|l| l.contains("(NEEDED)"))
            .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_string()))
            .collect()
    }

    /// The undefined, non-weak dynamic symbols readelf shows, as `name@VERSION` (or the bare name).
    fn strong_imports(bin: &Path) -> Vec<String> {
        tool(
            "readelf",
            &["--dyn-syms", "-W", bin.to_str().unwrap()],
            "binutils",
        )
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Num: Value Size Type Bind Vis Ndx Name
            (f.len() >= 8 && f[6] == "UND" && f[4] != "WEAK").then(|| f[7].to_string())
        })
        .collect()
    }

    /// A target directory kept between runs.
    fn target_dir() -> PathBuf {
        workspace().join("target").join("freebsd-test")
    }

    #[test]
    fn a_freebsd_package_built_on_linux_holds_a_freebsd_binary() {
        let dir = Dir::new("freebsd-cross");
        let target = target_dir();
        let out = dir
            .command()
            .args([
                "package",
                "--target",
                "freebsd-14,debian-12",
                "--features",
                "vendored",
                "--out",
                "out",
            ])
            .args(["--manifest-path", demo().to_str().unwrap()])
            .env("CARGO_TARGET_DIR", &target)
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env_remove("SYSPACK_LINK")
            .stdout();
        assert_contains(&out, &["freebsd-14", "debian-12"]);

        // The FreeBSD package: extracted with libarchive's bsdtar, as pkg reads it.
        let pkg = dir.join("out/syspack-demo-0.1.0.pkg");
        let root = dir.join("pkg");
        std::fs::create_dir_all(&root).unwrap();
        tool(
            "bsdtar",
            &["-xf", pkg.to_str().unwrap(), "-C", root.to_str().unwrap()],
            "libarchive-tools",
        );
        let bin = root.join("usr/local/bin/syspack-demo");
        let bin_s = bin.to_str().unwrap();
        let file = tool("file", &["-b", bin_s], "file");
        assert_contains(
            &file,
            &[
                "ELF 64-bit",
                "x86-64",
                "interpreter /libexec/ld-elf.so.1",
                "for FreeBSD 14",
            ],
        );
        // The ABI note: owner FreeBSD, type 1 (NT_FREEBSD_ABI_TAG), __FreeBSD_version 14xxxxx.
        let notes = tool("readelf", &["-n", "-W", bin_s], "binutils");
        assert!(notes.contains("FreeBSD"), "{notes}");
        let headers = tool("readelf", &["-l", "-W", bin_s], "binutils");
        assert!(
            headers.contains("[Requesting program interpreter: /libexec/ld-elf.so.1]"),
            "{headers}"
        );

        // Only FreeBSD base libraries are needed (the C libraries are linked in).
        let base = base_sonames();
        let needs = needed(&bin);
        assert!(needs.contains(&"libc.so.7".to_string()), "{needs:?}");
        for n in &needs {
            assert!(
                base.contains(n),
                "{n} is not a base library of freebsd-14 ({base:?})"
            );
        }

        // Every symbol it takes from them exists in FreeBSD 14: versioned, at a node FreeBSD
        // 14's libc/libthr define, none private to the base system.
        let imports = strong_imports(&bin);
        assert!(imports.len() > 20, "{imports:?}");
        let bad: Vec<&String> = imports
            .iter()
            .filter(|s| {
                s.split_once('@')
                    .is_none_or(|(_, v)| !FREEBSD_14_NODES.contains(&v.trim_start_matches('@')))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "imports FreeBSD 14 does not define: {bad:?}"
        );
        // And those libthr's own version script lists are imported at the node it gives them
        // (tests/fixtures/freebsd/libthr-pthread.map.symbols, from FreeBSD's pthread.map).
        let listed = std::fs::read_to_string(
            workspace().join("tests/fixtures/freebsd/libthr-pthread.map.symbols"),
        )
        .unwrap();
        let libthr: std::collections::BTreeMap<&str, &str> = listed
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(' '))
            .collect();
        let mut checked = 0;
        for import in &imports {
            let Some((name, node)) = import.split_once('@') else {
                continue;
            };
            if let Some(want) = libthr.get(name) {
                checked += 1;
                assert_eq!(node.trim_start_matches('@'), *want, "{import}: pthread.map");
            }
        }
        assert!(
            checked >= 10,
            "only {checked} imports are in pthread.map: {imports:?}"
        );

        // The manifest: FreeBSD 14's ABI; base libraries are not recorded as shlibs_required
        // (pkg's ALLOW_BASE_SHLIBS is off by default).
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("+MANIFEST")).unwrap())
                .unwrap();
        assert_eq!(manifest["abi"], "FreeBSD:14:amd64", "{manifest}");
        assert_eq!(manifest["arch"], "freebsd:14:x86:64", "{manifest}");
        let shlibs: Vec<&str> = manifest
            .get("shlibs_required")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for s in &shlibs {
            assert!(!base.iter().any(|b| b == s), "{s} is base: {manifest}");
        }
        // syspack's reader agrees.
        let inspect = dir
            .command()
            .args(["inspect"])
            .args([pkg.to_str().unwrap()])
            .stdout();
        assert_contains(
            &inspect,
            &["abi: FreeBSD:14:amd64", "/usr/local/bin/syspack-demo"],
        );

        // The Debian package of the same run holds the Linux build.
        let deb = dir.join("out/syspack-demo_0.1.0-1_amd64.deb");
        let x = dir.join("deb");
        crate::util::extract_deb(&deb, &x);
        let linux = x.join("usr/bin/syspack-demo");
        let file = tool("file", &["-b", linux.to_str().unwrap()], "file");
        assert_contains(
            &file,
            &["ELF 64-bit", "interpreter /lib64/ld-linux-x86-64.so.2"],
        );
        assert!(!file.contains("FreeBSD"), "{file}");
        assert!(needed(&linux).contains(&"libc.so.6".to_string()));

        // The matrix reads the ABI note: built for 14, it does not run on 13.
        let matrix = dir
            .command()
            .args([
                "matrix",
                "--target",
                "freebsd-13,freebsd-14,debian-12",
                "--binary",
            ])
            .args([bin_s])
            .stdout();
        let row = |id: &str| {
            matrix
                .lines()
                .find(|l| l.starts_with(id))
                .unwrap_or_else(|| panic!("{matrix}"))
                .to_string()
        };
        assert_contains(
            &row("freebsd-13"),
            &["no: built for FreeBSD 14 (ABI note 14"],
        );
        assert!(!row("freebsd-14").contains("no:"), "{matrix}");
        assert_contains(&row("debian-12"), &["no: FreeBSD binary"]);
        // And on the package: pkg on FreeBSD 13 does not install a FreeBSD:14 package.
        let matrix = dir
            .command()
            .args([
                "matrix",
                "--no-solve",
                "--target",
                "freebsd-13,freebsd-14",
                "--package",
                pkg.to_str().unwrap(),
            ])
            .stdout();
        let row = |id: &str| {
            matrix
                .lines()
                .find(|l| l.starts_with(id))
                .unwrap_or_else(|| panic!("{matrix}"))
                .to_string()
        };
        assert_contains(
            &row("freebsd-13"),
            &[
                "no: package ABI FreeBSD:14, pkg on FreeBSD 13",
                "no: built for FreeBSD 14",
            ],
        );
        assert!(!row("freebsd-14").contains("no:"), "{matrix}");

        // A package for FreeBSD 13 of the same build is refused: FreeBSD runs binaries of its
        // own and older major versions only.
        let err = dir
            .command()
            .args([
                "package",
                "--target",
                "freebsd-13",
                "--features",
                "vendored",
                "--out",
                "out13",
            ])
            .args(["--manifest-path", demo().to_str().unwrap()])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("SYSPACK_LINK")
            .stderr_with(2);
        assert_contains(
            &err,
            &[
                "cannot package for target `freebsd-13`",
                "was built for FreeBSD 14 (ABI note 14",
                "target `freebsd-13` runs FreeBSD 13",
            ],
        );
        assert!(
            !dir.join("out13").exists() || crate::util::files_in(&dir.join("out13")).is_empty()
        );
    }
}
