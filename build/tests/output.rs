//! The whole `cargo:` output of a probe, compared line by line (`rerun-if-env-changed` included).

use crate::util::{base_env, fixtures, normalize, run, zstd};
use syspack_build::{Library, LinkKind, Provider};

/// The variables every probe of `zstd` for x86_64 Linux declares before it looks for anything.
const DECISION_LINES: &str = "\
cargo:rerun-if-env-changed=SYSPACK_ZSTD_LINK_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=SYSPACK_ZSTD_LINK_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=SYSPACK_ZSTD_LINK
cargo:rerun-if-env-changed=SYSPACK_ZSTD_LIB_DIR
cargo:rerun-if-env-changed=SYSPACK_ZSTD_INCLUDE_DIR
cargo:rerun-if-env-changed=SYSPACK_LINK_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=SYSPACK_LINK_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=SYSPACK_LINK
cargo:rerun-if-env-changed=SYSPACK_ZSTD_STATIC_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=SYSPACK_ZSTD_STATIC_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=SYSPACK_ZSTD_STATIC
";

/// The pkg-config variables, looked up like pkg-config-rs does.
const PKG_CONFIG_LINES: &str = "\
cargo:rerun-if-env-changed=PKG_CONFIG_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=PKG_CONFIG_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=HOST_PKG_CONFIG
cargo:rerun-if-env-changed=PKG_CONFIG
cargo:rerun-if-env-changed=PKG_CONFIG_PATH_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=PKG_CONFIG_PATH_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=HOST_PKG_CONFIG_PATH
cargo:rerun-if-env-changed=PKG_CONFIG_PATH
cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=HOST_PKG_CONFIG_LIBDIR
cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR
cargo:rerun-if-env-changed=PKG_CONFIG_SYSROOT_DIR_x86_64-unknown-linux-gnu
cargo:rerun-if-env-changed=PKG_CONFIG_SYSROOT_DIR_x86_64_unknown_linux_gnu
cargo:rerun-if-env-changed=HOST_PKG_CONFIG_SYSROOT_DIR
cargo:rerun-if-env-changed=PKG_CONFIG_SYSROOT_DIR
";

#[test]
fn system_pkg_config_full_output() {
    let env = base_env(&[("SYSPACK_ZSTD_LINK", "system")]);
    let (r, out) = run(&zstd(), &env);
    let p = r.unwrap();
    assert_eq!(p.version(), Some("1.5.4"));
    let json = r#"{"library":"zstd","mode":"system","decision":{"requested":"system","by":"env","var":"SYSPACK_ZSTD_LINK","value":"system"},"version":"1.5.4","link":"dylib","evidence":{"kind":"pkg-config","package":"libzstd","pc_file":"{fixtures}/pc/libzstd.pc"}}"#;
    let expected = format!(
        "{DECISION_LINES}{PKG_CONFIG_LINES}\
cargo:rerun-if-changed={{fixtures}}/pc/libzstd.pc
cargo:rustc-link-search=native=/opt/fake-zstd/lib
cargo:rustc-link-lib=dylib=zstd
cargo:include=/opt/fake-zstd/include
cargo:root=/opt/fake-zstd
cargo:version=1.5.4
cargo:mode=system
cargo:link=dylib
cargo:provenance={json}
cargo:rustc-env=SYSPACK_PROVENANCE_ZSTD={json}
"
    );
    assert_eq!(normalize(&out, &[]), expected);
    assert_eq!(normalize(&p.to_json(), &[]), json);
}

#[test]
fn system_static_links_the_archive_and_private_deps() {
    let env = base_env(&[("SYSPACK_FOO_STATIC", "1")]);
    let mut lib = Library::new("foo");
    lib.min_version("2.0");
    let (r, out) = run(&lib, &env);
    let p = r.unwrap();
    assert_eq!(
        (p.mode(), p.link(), p.version()),
        (Provider::System, LinkKind::Static, Some("2.0.1"))
    );
    let out = normalize(&out, &[]);
    let links: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("cargo:rustc-link"))
        .collect();
    assert_eq!(
        links,
        [
            "cargo:rustc-link-search=native={fixtures}/pc/../static-root/lib",
            "cargo:rustc-link-lib=static=foo",
            "cargo:rustc-link-lib=dylib=m",
            "cargo:rustc-link-lib=dylib=pthread",
        ]
    );
}

#[test]
fn system_static_without_archive_fails() {
    // `--static` adds Libs.private (`-pthread`); neither the fixture prefix nor the compiler's
    // library path has libzstd.a, so static linking must fail with every place it looked.
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("SYSPACK_ZSTD_STATIC", "1"),
    ]);
    let (r, _) = run(&zstd(), &env);
    let e = normalize(&r.unwrap_err().to_string(), &[]);
    for want in [
        "system library `zstd` cannot be linked statically: `libzstd.a` is in none of the directories searched:\n  \
         /opt/fake-zstd/lib (pkg-config `-L`)\n  \
         {fixtures}/cc-empty/sysroot/usr/lib (the library path of the compiler `{fixtures}/cc-empty/bin/cc`)\n\
         install the development package that ships it",
        "unset `SYSPACK_ZSTD_STATIC` and the `static` feature, or use vendored\n",
        "pkg-config --static --libs --cflags libzstd` succeeded\n  -I/opt/fake-zstd/include -L/opt/fake-zstd/lib -lzstd -pthread",
        "HINT: install (or upgrade) the development package:\n  debian: apt-get install libzstd-dev\n",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
    // No empty `.pc` search path heading.
    assert!(!e.contains("search path was:\nHINT"), "{e}");
}

/// Debian 12's `libzstd.pc` says `libdir=/usr/lib` while `libzstd.a` is in the multiarch
/// directory: the static archive is found in the compiler's library path.
#[test]
fn system_static_finds_the_archive_in_the_compilers_multiarch_dir() {
    let root = fixtures().join("debian-multiarch");
    let pc = root
        .join("sysroot/usr/lib/x86_64-linux-gnu/pkgconfig")
        .display()
        .to_string();
    let cc = root.join("bin/cc").display().to_string();
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("SYSPACK_ZSTD_STATIC", "1"),
        ("PKG_CONFIG_PATH", &pc),
        ("PKG_CONFIG_LIBDIR", &pc),
        ("CC", &cc),
    ]);
    let (r, out) = run(&zstd(), &env);
    let p = r.unwrap();
    assert_eq!(
        (p.mode(), p.link(), p.version()),
        (Provider::System, LinkKind::Static, Some("1.5.4"))
    );
    let out = normalize(&out, &[]);
    let links: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("cargo:rustc-link"))
        .collect();
    assert_eq!(
        links,
        [
            "cargo:rustc-link-search=native={fixtures}/debian-multiarch/sysroot/usr/lib/x86_64-linux-gnu/pkgconfig/../../../../lib",
            "cargo:rustc-link-search=native={fixtures}/debian-multiarch/sysroot/usr/lib/x86_64-linux-gnu",
            "cargo:rustc-link-lib=static=zstd",
            "cargo:rustc-link-lib=dylib=pthread",
        ]
    );

    // When the compiler cannot be asked, the standard directories (multiarch first, under the
    // pkg-config sysroot) are searched instead.
    let sysroot = root.join("sysroot").display().to_string();
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("SYSPACK_ZSTD_STATIC", "1"),
        ("PKG_CONFIG_PATH", &pc),
        ("PKG_CONFIG_LIBDIR", &pc),
        ("PKG_CONFIG_SYSROOT_DIR", &sysroot),
        ("CC", "/nonexistent/cc"),
    ]);
    let (r, out) = run(&zstd(), &env);
    assert_eq!(r.unwrap().link(), LinkKind::Static);
    assert!(
        normalize(&out, &[]).contains(
            "cargo:rustc-link-search=native={fixtures}/debian-multiarch/sysroot/usr/lib/x86_64-linux-gnu\n\
             cargo:rustc-link-lib=static=zstd\n"
        ),
        "{out}"
    );

    // Without the archive anywhere: every directory, where it came from, and the package.
    let empty = tempfile::tempdir().unwrap();
    let sysroot = empty.path().display().to_string();
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("SYSPACK_ZSTD_STATIC", "1"),
        ("PKG_CONFIG_PATH", &pc),
        ("PKG_CONFIG_LIBDIR", &pc),
        ("PKG_CONFIG_SYSROOT_DIR", &sysroot),
        ("CC", "/nonexistent/cc"),
    ]);
    let e = normalize(
        &run(&zstd(), &env).0.unwrap_err().to_string(),
        &[(empty.path(), "{sysroot}")],
    );
    for want in [
        "`libzstd.a` is in none of the directories searched:\n",
        "  {sysroot}/usr/lib/x86_64-linux-gnu (the standard directories (`/nonexistent/cc` could not be started: ",
        "  {sysroot}/usr/lib (the standard directories",
        "debian: apt-get install libzstd-dev",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

#[test]
fn header_probe_full_output() {
    // Debian 12's libbz2-dev ships no bzip2.pc: pkg-config fails, the probe finds the header and
    // the library in the (fake) compiler's search path.
    let cc = fixtures().join("cc/bin/cc").display().to_string();
    let env = base_env(&[("SYSPACK_BZIP2_LINK", "system"), ("CC", &cc)]);
    let mut lib = Library::new("bzip2");
    lib.pkg_config_name("bzip2")
        .link_name("bz2")
        .header("bzlib.h")
        .distro_package("debian", "libbz2-dev");
    let (r, out) = run(&lib, &env);
    let p = r.unwrap();
    assert_eq!(p.mode(), Provider::System);
    assert_eq!(p.version(), None);
    assert_eq!(p.version_display(), "unknown (no .pc file)");
    assert_eq!(p.link(), LinkKind::Dylib);
    let out = normalize(&out, &[]);
    let tail: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("cargo:rerun-if-changed"))
        .collect();
    let json = r#"{"library":"bzip2","mode":"system","decision":{"requested":"system","by":"env","var":"SYSPACK_BZIP2_LINK","value":"system"},"version":null,"link":"dylib","evidence":{"kind":"header-probe","header":"{fixtures}/cc/sysroot/usr/include/bzlib.h","library":"{fixtures}/cc/sysroot/usr/lib/x86_64-linux-gnu/libbz2.so"}}"#;
    assert_eq!(
        tail.join("\n"),
        format!(
            "cargo:rerun-if-changed={{fixtures}}/cc/sysroot/usr/include/bzlib.h
cargo:rerun-if-changed={{fixtures}}/cc/sysroot/usr/lib/x86_64-linux-gnu/libbz2.so
cargo:rustc-link-lib=dylib=bz2
cargo:include={{fixtures}}/cc/sysroot/usr/include
cargo:root={{fixtures}}/cc/sysroot/usr
cargo:version=unknown (no .pc file)
cargo:mode=system
cargo:link=dylib
cargo:provenance={json}
cargo:rustc-env=SYSPACK_PROVENANCE_BZIP2={json}"
        )
    );
    // The compiler variables were declared, cc-rs style.
    for v in [
        "CC_x86_64-unknown-linux-gnu",
        "CC_x86_64_unknown_linux_gnu",
        "HOST_CC",
        "CC",
    ] {
        assert!(
            out.contains(&format!("cargo:rerun-if-env-changed={v}\n")),
            "{v} not declared:\n{out}"
        );
    }
}

#[test]
fn header_probe_static_archive() {
    let cc = fixtures().join("cc/bin/cc").display().to_string();
    let env = base_env(&[("SYSPACK_BZIP2_STATIC", "1"), ("CC", &cc)]);
    let mut lib = Library::new("bzip2");
    lib.link_name("bz2").header("bzlib.h");
    let (r, out) = run(&lib, &env);
    let p = r.unwrap();
    assert_eq!(p.link(), LinkKind::Static);
    let out = normalize(&out, &[]);
    assert!(
        out.contains(
            "cargo:rustc-link-search=native={fixtures}/cc/sysroot/usr/lib/x86_64-linux-gnu\n\
             cargo:rustc-link-lib=static=bz2\n"
        ),
        "{out}"
    );
}

#[test]
fn pkg_config_protocol_is_recorded() {
    // A recording shim in place of pkg-config: which calls, in which order, with which
    // variables (`HOST_PKG_CONFIG_PATH` is passed as `PKG_CONFIG_PATH`; unset ones are removed).
    let log = tempfile::tempdir().unwrap();
    let shim = fixtures()
        .join("pkg-config-shim/pkg-config")
        .display()
        .to_string();
    let d = log.path().display().to_string();
    let env = syspack_build::Env::mock([
        ("TARGET", crate::util::TARGET),
        ("HOST", crate::util::TARGET),
        ("PKG_CONFIG", shim.as_str()),
        ("HOST_PKG_CONFIG_PATH", d.as_str()),
        ("SYSPACK_ZSTD_LINK", "system"),
    ]);
    let (r, out) = run(&zstd(), &env);
    let p = r.unwrap();
    assert_eq!(p.version(), Some("1.5.4"));
    let argv = std::fs::read_to_string(log.path().join("argv.log")).unwrap();
    assert_eq!(
        argv,
        "LIBDIR=unset SYSROOT=unset --modversion libzstd\n\
         LIBDIR=unset SYSROOT=unset --variable=pcfiledir libzstd\n\
         LIBDIR=unset SYSROOT=unset --atleast-version=1.4.0 libzstd\n\
         LIBDIR=unset SYSROOT=unset --libs --cflags libzstd\n\
         LIBDIR=unset SYSROOT=unset --variable=includedir libzstd\n\
         LIBDIR=unset SYSROOT=unset --variable=prefix libzstd\n"
    );
    assert!(
        out.contains("cargo:rerun-if-env-changed=HOST_PKG_CONFIG_PATH\n"),
        "{out}"
    );
    assert!(
        out.contains("cargo:rustc-link-search=native=/fake/lib\ncargo:rustc-link-lib=dylib=zstd\n"),
        "{out}"
    );
    assert!(
        out.contains("cargo:rerun-if-changed=/fake/lib/pkgconfig/libzstd.pc\n"),
        "{out}"
    );
}
