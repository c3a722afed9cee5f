//! Vendored builds and the `auto` fallback.

use std::fs;

use crate::util::{normalize, run, zstd, Vendor};
use syspack_build::{Error, Evidence, Library, LinkKind, Provider, VendoredBuild, VendoredSource};

/// No system zstd at all: empty `.pc` directory and a compiler with empty search paths.
fn no_system(v: &Vendor) -> Vec<(String, String)> {
    let none = v.path().join("no-pc").display().to_string();
    vec![
        ("PKG_CONFIG_PATH".into(), none.clone()),
        ("PKG_CONFIG_LIBDIR".into(), none),
    ]
}

fn env_of(v: &Vendor, extra: &[(&str, &str)]) -> syspack_build::Env {
    let ns = no_system(v);
    let mut all: Vec<(&str, &str)> = ns.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    all.extend_from_slice(extra);
    v.env(&all)
}

#[test]
fn auto_falls_back_to_vendored_and_warns() {
    let v = Vendor::new();
    v.import();
    let (r, out) = run(&zstd(), &env_of(&v, &[]));
    let p = r.unwrap();
    assert_eq!(
        (p.mode(), p.link(), p.version()),
        (Provider::Vendored, LinkKind::Static, Some("9.9.9"))
    );
    assert_eq!(
        p.decision().fallback.as_deref(),
        Some("no system `libzstd` >= 1.4.0 found (pkg-config, header/library probe)")
    );
    let out = normalize(&out, &[(v.path(), "{tmp}")]);
    let src = format!("{{tmp}}/out/src-{}", &v.sha256[..16]);
    let json = format!(
        r#"{{"library":"zstd","mode":"vendored","decision":{{"requested":"auto","by":"default","fallback":"no system `libzstd` >= 1.4.0 found (pkg-config, header/library probe)"}},"version":"9.9.9","link":"static","evidence":{{"kind":"pin","pin_version":"9.9.9","file":"zstd-9.9.9.tar.gz","sha256":"{}","artifact_kind":"upstream","patches":[]}}}}"#,
        v.sha256
    );
    let tail: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("cargo:rerun-if-changed"))
        .collect();
    assert_eq!(
        tail.join("\n"),
        format!(
            "cargo:rerun-if-changed={{tmp}}/crate/pin.toml
cargo:rerun-if-env-changed=SYSPACK_SOURCE_DIR
cargo:warning=syspack: `zstd`: no system `libzstd` >= 1.4.0 found (pkg-config, header/library probe); built the vendored source 9.9.9 instead (set `SYSPACK_ZSTD_LINK=system` to require the system library)
cargo:include={src}/lib
cargo:root={src}
cargo:version=9.9.9
cargo:mode=vendored
cargo:link=static
cargo:provenance={json}
cargo:rustc-env=SYSPACK_PROVENANCE_ZSTD={json}"
        )
    );
    assert!(fs::read_to_string(format!(
        "{}/out/src-{}/lib/zstd.h",
        v.path().display(),
        &v.sha256[..16]
    ))
    .is_ok());
}

#[test]
fn auto_too_old_system_falls_back_too() {
    let v = Vendor::new();
    v.import();
    let old = crate::util::fixtures().join("pc-old").display().to_string();
    let env = v.env(&[("PKG_CONFIG_PATH", &old), ("PKG_CONFIG_LIBDIR", &old)]);
    let (r, out) = run(&zstd(), &env);
    assert_eq!(r.unwrap().mode(), Provider::Vendored);
    assert!(
        out.contains("cargo:warning=syspack: `zstd`: the system `libzstd` is 1.3.8, older than required >= 1.4.0; built the vendored source 9.9.9 instead"),
        "{out}"
    );
}

#[test]
fn vendored_compiles_with_cc_and_records_the_pin() {
    let v = Vendor::new();
    v.import();
    let mut lib = zstd();
    lib.vendored(|src: &VendoredSource| {
        assert_eq!(src.version(), "9.9.9");
        let mut cc = src.cc();
        cc.file(src.dir().join("lib/zstd.c"));
        cc.try_compile("fakezstd")?;
        Ok(VendoredBuild::new(src.dir().join("lib")).system_lib("pthread"))
    });
    let (r, out) = run(&lib, &env_of(&v, &[("CARGO_FEATURE_VENDORED", "1")]));
    let p = r.unwrap();
    assert!(
        v.out_dir().join("libfakezstd.a").is_file(),
        "cc built nothing"
    );
    match p.evidence() {
        Evidence::Pin { sha256, file, .. } => {
            assert_eq!(
                (sha256.as_str(), file.as_str()),
                (v.sha256.as_str(), "zstd-9.9.9.tar.gz")
            )
        }
        e => panic!("{e}"),
    }
    assert!(
        out.contains("cargo:rustc-link-lib=dylib=pthread\n"),
        "{out}"
    );
    assert!(
        !out.contains("cargo:warning"),
        "no fallback, no warning:\n{out}"
    );
    assert!(
        !out.contains("PKG_CONFIG"),
        "vendored never asks pkg-config:\n{out}"
    );
}

#[test]
fn provenance_json_is_reproducible() {
    // Same inputs in two different scratch directories: byte-identical JSON (no paths of the
    // build directory, no time stamps).
    let a = Vendor::new();
    a.import();
    let b = Vendor::new();
    b.import();
    let env_a = env_of(&a, &[("SYSPACK_LINK", "vendored")]);
    let env_b = env_of(&b, &[("SYSPACK_LINK", "vendored")]);
    let ja = run(&zstd(), &env_a).0.unwrap().to_json();
    let jb = run(&zstd(), &env_b).0.unwrap().to_json();
    assert_eq!(ja, jb);
}

#[test]
fn empty_cache_names_the_commands_that_fill_it() {
    let v = Vendor::new();
    let (r, _) = run(&zstd(), &env_of(&v, &[("SYSPACK_ZSTD_LINK", "vendored")]));
    let e = r.unwrap_err();
    let text = normalize(&e.to_string(), &[(v.path(), "{tmp}")]);
    assert_eq!(
        text,
        format!(
            "the vendored source of `zstd` 9.9.9 is not in the source cache `{{tmp}}/cache`\n\
             expected one of these files (sha256):\n  zstd-9.9.9.tar.gz  {}\n\
             fill the cache with one of:\n  \
             syspack vendor fetch            (downloads the pinned tarballs, verifies them)\n  \
             syspack vendor import DIR       (imports tarballs you already have, e.g. a Debian `orig` tarball)\n\
             or point `SYSPACK_SOURCE_DIR` at a cache that has them; build scripts never use the network",
            v.sha256
        )
    );
}

#[test]
fn tampered_cache_file_is_rejected_at_build_time() {
    let v = Vendor::new();
    v.import();
    let cached = v.cache().path_for(&v.sha256);
    let mut bytes = fs::read(&cached).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 0xff;
    fs::write(&cached, bytes).unwrap();
    let (r, _) = run(&zstd(), &env_of(&v, &[("SYSPACK_ZSTD_LINK", "vendored")]));
    match r.unwrap_err() {
        Error::HashMismatch { path, expected, .. } => {
            assert_eq!((path, expected), (cached, v.sha256.clone()))
        }
        e => panic!("{e}"),
    }
    assert!(
        fs::read_dir(v.out_dir()).unwrap().next().is_none(),
        "nothing unpacked"
    );
}

#[test]
fn auto_with_neither_reports_both() {
    let v = Vendor::new();
    let (r, _) = run(&zstd(), &env_of(&v, &[]));
    let text = r.unwrap_err().to_string();
    assert!(text.starts_with("`zstd`: no usable system library and no vendored build\nsystem:\n  could not find system library `zstd`"), "{text}");
    assert!(
        text.contains("  apt-get install libzstd-dev")
            || text.contains("debian: apt-get install libzstd-dev"),
        "{text}"
    );
    assert!(
        text.contains(
            "vendored:\n  the vendored source of `zstd` 9.9.9 is not in the source cache"
        ),
        "{text}"
    );
}

#[test]
fn auto_without_vendored_closure_is_strict_system() {
    let v = Vendor::new();
    v.import();
    let mut lib = Library::new("zstd");
    lib.pkg_config_name("libzstd").pin_file("pin.toml");
    let (r, _) = run(&lib, &env_of(&v, &[]));
    assert!(matches!(r, Err(Error::NotFound(_))));
    let (r, _) = run(&lib, &env_of(&v, &[("SYSPACK_LINK", "vendored")]));
    assert!(r
        .unwrap_err()
        .to_string()
        .contains("gives no `.vendored(|src| …)` build"));
}

#[test]
fn patches_are_applied_in_order_and_recorded() {
    let v = Vendor::new();
    v.import();
    let krate = v.path().join("crate");
    fs::create_dir_all(krate.join("patches")).unwrap();
    fs::write(
        krate.join("patches/0001-version.patch"),
        "--- a/lib/zstd.c\n+++ b/lib/zstd.c\n@@ -1,2 +1,2 @@\n #include \"zstd.h\"\n-int fake_zstd_version(void) { return 90909; }\n+int fake_zstd_version(void) { return 90910; }\n",
    )
    .unwrap();
    fs::write(
        krate.join("patches/0002-again.patch"),
        "--- a/lib/zstd.c\n+++ b/lib/zstd.c\n@@ -2 +2 @@\n-int fake_zstd_version(void) { return 90910; }\n+int fake_zstd_version(void) { return 90911; }\n",
    )
    .unwrap();
    let pin = fs::read_to_string(krate.join("pin.toml")).unwrap();
    fs::write(
        krate.join("pin.toml"),
        pin.replace(
            "url = ",
            "patches = [\"patches/0001-version.patch\", \"patches/0002-again.patch\"]\nurl = ",
        ),
    )
    .unwrap();
    let env = env_of(&v, &[("SYSPACK_LINK", "vendored")]);
    let p = run(&zstd(), &env).0.unwrap();
    let src = p.root().unwrap().clone();
    assert_eq!(
        fs::read_to_string(src.join("lib/zstd.c")).unwrap(),
        "#include \"zstd.h\"\nint fake_zstd_version(void) { return 90911; }\n"
    );
    match p.evidence() {
        Evidence::Pin { patches, .. } => {
            assert_eq!(patches.len(), 2);
            assert!(patches[0].starts_with("0001-version.patch "), "{patches:?}");
        }
        e => panic!("{e}"),
    }
    // A second probe reuses the tree (the patches are not applied twice).
    fs::write(src.join("sentinel"), "kept").unwrap();
    let (r, out) = run(&zstd(), &env);
    r.unwrap();
    assert!(src.join("sentinel").is_file());
    assert!(out.contains("/crate/patches/0002-again.patch\n"), "{out}");
}

#[test]
fn a_patch_that_does_not_apply_names_file_and_hunk() {
    let v = Vendor::new();
    v.import();
    let krate = v.path().join("crate");
    fs::write(
        krate.join("bad.patch"),
        "--- a/lib/zstd.c\n+++ b/lib/zstd.c\n@@ -1 +1 @@\n-not in the file\n+x\n",
    )
    .unwrap();
    let pin = fs::read_to_string(krate.join("pin.toml")).unwrap();
    fs::write(
        krate.join("pin.toml"),
        pin.replace("url = ", "patches = [\"bad.patch\"]\nurl = "),
    )
    .unwrap();
    let (r, _) = run(&zstd(), &env_of(&v, &[("SYSPACK_LINK", "vendored")]));
    let text = normalize(&r.unwrap_err().to_string(), &[(v.path(), "{tmp}")]);
    assert_eq!(
        text,
        "patch `{tmp}/crate/bad.patch` does not apply to `lib/zstd.c`: hunk 1 (at line 1) does not match the file"
    );
}

#[test]
fn wrong_top_directory_is_reported() {
    let v = Vendor::with_files(&[("other-1.0/x.c", "int x;\n")]);
    v.import();
    let (r, _) = run(&zstd(), &env_of(&v, &[("SYSPACK_LINK", "vendored")]));
    let text = normalize(&r.unwrap_err().to_string(), &[(v.path(), "{tmp}")]);
    assert_eq!(
        text,
        format!(
            "`{{tmp}}/cache/sha256/{}` has no top directory `zstd-9.9.9` (pin key `strip`); it holds: other-1.0",
            v.sha256
        )
    );
}

#[test]
fn missing_out_dir_is_explained() {
    let v = Vendor::new();
    v.import();
    let env = env_of(&v, &[("SYSPACK_LINK", "vendored"), ("OUT_DIR", "")]);
    let text = run(&zstd(), &env).0.unwrap_err().to_string();
    assert!(text.starts_with("`OUT_DIR` is not set"), "{text}");
}

#[test]
fn explain_vendored_checks_the_cache_without_unpacking() {
    let v = Vendor::new();
    v.import();
    let why = zstd().explain(&env_of(&v, &[("CARGO_FEATURE_VENDORED", "1")]));
    assert_eq!(why.provider(), Some(Provider::Vendored));
    let text = normalize(&why.to_string(), &[(v.path(), "{tmp}")]);
    assert_eq!(
        text,
        format!(
            "zstd: vendored 9.9.9 (static)\n  mode: vendored (from cargo feature `vendored`)\n  \
             source: upstream `zstd-9.9.9.tar.gz` sha256 {0} (verified: `{{tmp}}/cache/sha256/{0}`)",
            v.sha256
        )
    );
    assert!(fs::read_dir(v.out_dir()).unwrap().next().is_none());
    // auto: says why the system library was not taken.
    let why = zstd().explain(&env_of(&v, &[]));
    assert_eq!(
        why.fallback(),
        Some("no system `libzstd` >= 1.4.0 found (pkg-config, header/library probe)")
    );
}

#[test]
fn a_published_crate_ships_its_source_beside_the_pin() {
    let v = Vendor::new();
    let shipped = v.path().join("crate/sources");
    fs::create_dir_all(&shipped).unwrap();
    fs::copy(&v.tarball, shipped.join("zstd-9.9.9.tar.gz")).unwrap();
    let p = run(&zstd(), &env_of(&v, &[("SYSPACK_LINK", "vendored")]))
        .0
        .unwrap();
    assert_eq!(p.version(), Some("9.9.9"));
    // The shipped copy is verified like the cache.
    fs::write(shipped.join("zstd-9.9.9.tar.gz"), b"changed").unwrap();
    let e = run(&zstd(), &env_of(&v, &[("SYSPACK_LINK", "vendored")]))
        .0
        .unwrap_err();
    assert!(matches!(e, Error::HashMismatch { .. }), "{e}");
}

#[test]
fn explicit_dirs_are_ignored_with_a_warning_when_vendored_wins() {
    let v = Vendor::new();
    v.import();
    let env = env_of(
        &v,
        &[
            ("SYSPACK_ZSTD_LINK", "vendored"),
            ("SYSPACK_ZSTD_LIB_DIR", "/opt/zstd/lib"),
        ],
    );
    let (r, out) = run(&zstd(), &env);
    assert_eq!(r.unwrap().mode(), Provider::Vendored);
    assert!(
        out.contains(
            "cargo:warning=syspack: `SYSPACK_ZSTD_LIB_DIR` is ignored: `zstd` is built from its vendored source \
             (environment `SYSPACK_ZSTD_LINK=vendored`)\n"
        ),
        "{out}"
    );
}
