//! Strict system mode and its errors.

use std::fs;

use crate::util::{base_env, fixtures, normalize, run, zstd, Vendor};
use syspack_build::{Error, Evidence, Library, Provider};

#[test]
fn strict_system_missing_library_tells_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let d = empty.path().display().to_string();
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("PKG_CONFIG_PATH", &d),
        ("PKG_CONFIG_LIBDIR", &d),
    ]);
    let (r, out) = run(&zstd(), &env);
    let e = r.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let text = normalize(&e.to_string(), &[(empty.path(), "{empty}")]);
    for want in [
        "could not find system library `zstd` >= 1.4.0 (pkg-config package `libzstd`)\n",
        "needed by crate `syspack-zstd-sys`\n",
        "`PKG_CONFIG_PATH={empty} PKG_CONFIG_LIBDIR={empty} pkg-config --modversion libzstd` failed (exit status: 1)\n",
        "Package libzstd was not found in the pkg-config search path",
        "the `.pc` search path was:\n  PKG_CONFIG_PATH={empty}\n  PKG_CONFIG_LIBDIR={empty}\n",
        "header `zstd.h` not found in: {fixtures}/cc-empty/sysroot/usr/include\n",
        "library `libzstd.so` or `libzstd.a` not found in: {fixtures}/cc-empty/sysroot/usr/lib\n",
        "HINT: install (or upgrade) the development package:\n  debian: apt-get install libzstd-dev\n  fedora: dnf install libzstd-devel\n  arch: pacman -S zstd\n",
        "or build the pinned source instead: set `SYSPACK_ZSTD_LINK=vendored` or build with `--features vendored`",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Strict system never vendors: nothing about the cache, no link lines.
    assert!(!out.contains("SYSPACK_SOURCE_DIR"), "{out}");
    assert!(!out.contains("rustc-link"), "{out}");
    assert_eq!(format!("{e:?}"), e.to_string());
}

#[test]
fn strict_system_too_old_gives_found_vs_required() {
    let old = fixtures().join("pc-old").display().to_string();
    // The header probe would find a header and a library, but a `.pc` that is too old is final.
    let cc = fixtures().join("cc/bin/cc").display().to_string();
    let env = base_env(&[
        ("SYSPACK_LINK", "system"),
        ("PKG_CONFIG_PATH", &old),
        ("PKG_CONFIG_LIBDIR", &old),
        ("CC", &cc),
    ]);
    let mut lib = zstd();
    lib.header("bzlib.h").link_name("bz2");
    let (r, _) = run(&lib, &env);
    let text = normalize(&r.unwrap_err().to_string(), &[]);
    assert!(
        text.starts_with(
            "system library `zstd` is too old: found version 1.3.8, required >= 1.4.0 (from `{fixtures}/pc-old/libzstd.pc`)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("pkg-config --atleast-version=1.4.0 libzstd` failed (exit status: 1)"),
        "{text}"
    );
    assert!(text.contains("apt-get install libzstd-dev"), "{text}");
    assert!(!text.contains("header/library probe"), "{text}");
}

#[test]
fn strict_system_never_vendors_even_with_a_cached_source() {
    let v = Vendor::new();
    v.import();
    let none = v.path().join("nothing").display().to_string();
    let env = v.env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("PKG_CONFIG_LIBDIR", &none),
        ("PKG_CONFIG_PATH", &none),
    ]);
    let (r, _) = run(&zstd(), &env);
    assert!(matches!(r, Err(Error::NotFound(_))));
    assert!(fs::read_dir(v.out_dir()).unwrap().next().is_none());
}

#[test]
fn explicit_lib_dir_uses_those_dirs_without_pkg_config() {
    let libdir = fixtures().join("cc/sysroot/usr/lib/x86_64-linux-gnu");
    let incdir = fixtures().join("cc/sysroot/usr/include");
    let (l, i) = (libdir.display().to_string(), incdir.display().to_string());
    let env = base_env(&[
        ("SYSPACK_BZIP2_LIB_DIR", &l),
        ("SYSPACK_BZIP2_INCLUDE_DIR", &i),
    ]);
    let mut lib = Library::new("bzip2");
    lib.link_name("bz2").header("bzlib.h");
    let (r, out) = run(&lib, &env);
    let p = r.unwrap();
    assert_eq!(p.mode(), Provider::System);
    assert_eq!(p.version_display(), "unknown (explicit directories)");
    assert_eq!(p.include_dirs(), std::slice::from_ref(&incdir));
    assert!(matches!(p.evidence(), Evidence::ExplicitDirs { .. }));
    let out = normalize(&out, &[]);
    assert!(
        !out.contains("PKG_CONFIG"),
        "pkg-config must not run:\n{out}"
    );
    assert!(out.contains(
        "cargo:rustc-link-search=native={fixtures}/cc/sysroot/usr/lib/x86_64-linux-gnu\ncargo:rustc-link-lib=dylib=bz2\n"
    ), "{out}");
}

#[test]
fn explicit_lib_dir_without_the_library_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let d = empty.path().display().to_string();
    let env = base_env(&[("SYSPACK_ZSTD_LIB_DIR", &d)]);
    let (r, _) = run(&zstd(), &env);
    let text = normalize(&r.unwrap_err().to_string(), &[(empty.path(), "{empty}")]);
    assert_eq!(
        text,
        "library `zstd`: explicit directories do not hold the library: `SYSPACK_ZSTD_LIB_DIR` holds none of \
         `{empty}/libzstd.so`, `{empty}/libzstd.a`; fix the variables or unset them"
    );
}

#[test]
fn cross_build_skips_unconfigured_pkg_config_and_probes_the_target_compiler() {
    let cc = fixtures().join("cc/bin/cc").display().to_string();
    let env = base_env(&[
        ("TARGET", "aarch64-unknown-linux-gnu"),
        ("CC_aarch64-unknown-linux-gnu", &cc),
        ("CC", "/nonexistent/host-cc"),
        ("SYSPACK_BZIP2_LINK", "system"),
    ]);
    let mut lib = Library::new("bzip2");
    lib.pkg_config_name("bzip2")
        .link_name("bz2")
        .header("bzlib.h");
    let (r, out) = run(&lib, &env);
    let p = r.unwrap();
    assert!(matches!(p.evidence(), Evidence::HeaderProbe { .. }), "{p}");
    assert!(
        !out.contains("PKG_CONFIG_PATH"),
        "pkg-config must not run:\n{out}"
    );
    assert!(
        out.contains("cargo:rerun-if-env-changed=PKG_CONFIG_ALLOW_CROSS\n"),
        "{out}"
    );
    // The target's compiler is found first; the host `CC` is never consulted.
    assert!(
        out.contains("cargo:rerun-if-env-changed=CC_aarch64-unknown-linux-gnu\n"),
        "{out}"
    );
    assert!(!out.contains("cargo:rerun-if-env-changed=CC\n"), "{out}");

    // Without the probe's header the error explains why pkg-config was not used.
    let mut lib = Library::new("zstd");
    lib.header("zstd.h");
    let e = lib.explain(&env).error().unwrap().to_string();
    assert!(e.contains("pkg-config was not used: cross build (x86_64-unknown-linux-gnu -> aarch64-unknown-linux-gnu)"), "{e}");
}

#[test]
fn cross_build_with_sysroot_uses_pkg_config() {
    let pc = fixtures().join("pc").display().to_string();
    let env = base_env(&[
        ("TARGET", "aarch64-unknown-linux-gnu"),
        ("PKG_CONFIG_PATH_aarch64-unknown-linux-gnu", &pc),
        ("PKG_CONFIG_SYSROOT_DIR", "/sysroot"),
    ]);
    let (r, out) = run(&zstd(), &env);
    let p = r.unwrap();
    assert_eq!(p.version(), Some("1.5.4"));
    // pkg-config prefixes the sysroot to -L and -I.
    assert!(
        out.contains("cargo:rustc-link-search=native=/sysroot/opt/fake-zstd/lib\n"),
        "{out}"
    );
    assert!(
        out.contains("cargo:include=/sysroot/opt/fake-zstd/include\n"),
        "{out}"
    );
}

#[test]
fn missing_pkg_config_program_falls_back_to_the_probe() {
    let cc = fixtures().join("cc/bin/cc").display().to_string();
    let env = base_env(&[("PKG_CONFIG", "/nonexistent/pkg-config"), ("CC", &cc)]);
    let mut lib = zstd();
    lib.header("zstd.h");
    let e = lib.explain(&env).error().unwrap().to_string();
    assert!(
        e.contains("`/nonexistent/pkg-config` could not be started"),
        "{e}"
    );
    assert!(e.contains("apt-get install pkg-config"), "{e}");
}
