use super::*;

#[test]
fn freebsd_paths_move_under_the_prefix() {
    assert_eq!(freebsd::plist_path("/usr/bin/x"), "bin/x");
    assert_eq!(freebsd::plist_path("/etc/x.conf"), "etc/x.conf");
    assert_eq!(freebsd::plist_path("/usr/local/share/x"), "share/x");
}

#[test]
fn freebsd_generators_come_from_uses_or_build_depends() {
    // Mk/Uses/bison.mk adds bison:devel/bison; flex is in the base system.
    assert_eq!(freebsd::generator_dep("bison"), (Some("bison"), None));
    assert_eq!(
        freebsd::generator_dep("thrift"),
        (None, Some("thrift:devel/thrift"))
    );
    assert_eq!(freebsd::generator_dep("flex"), (None, None));
}

#[test]
fn versions_lose_their_dash() {
    assert_eq!(debian::upstream_version("1.0.0-beta.1"), "1.0.0~beta.1");
    assert_eq!(rpm::rpm_version("1.0.0-beta.1"), "1.0.0~beta.1");
}

#[test]
fn release_must_match_the_family() {
    assert!(release_for(Family::Debian, Some("fedora-43")).is_err());
    assert_eq!(
        release_for(Family::Debian, None).unwrap().id.as_str(),
        "debian-13"
    );
}

#[test]
fn debian_units_are_split_into_stem_and_type() {
    assert_eq!(
        debian::unit_parts("hello.service").unwrap(),
        ("hello", "service")
    );
    assert_eq!(debian::unit_parts("a.b.timer").unwrap(), ("a.b", "timer"));
    let err = debian::unit_parts("user.slice").unwrap_err().to_string();
    assert!(
        err.contains("user.slice") && err.contains("service"),
        "{err}"
    );
    assert!(debian::unit_parts("service").is_err());
}

/// The PKGBUILD's generated-source check, run by bash on a scratch tree with a fake generator
/// (`gen`, which copies its input): it passes on a matching output, skips on another generator
/// version and fails, naming the file, on a drifted one.
#[test]
fn arch_generated_check_passes_skips_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(root.join("in dir")).unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    let gen = bin.join("gen");
    std::fs::write(
        &gen,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo \"gen ${GEN_VERSION:-1.2}\"; exit 0; fi\ncp \"$1\" \"$2\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gen, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(root.join("in dir/x.in"), "text\n").unwrap();
    std::fs::write(root.join("out/x.out"), "text\n").unwrap();
    let g = Regeneration {
        name: "x".into(),
        program: "gen".into(),
        workdir: "out".into(),
        args: vec!["../in dir/x.in".into(), "x.out".into()],
        version: "1.2".into(),
        inputs: vec!["in dir/x.in".into()],
        outputs: vec!["out/x.out".into()],
    };
    let mut script = String::from("check() {\n");
    arch::generated_check(&mut script, &g);
    script.push_str("}\ncheck\n");
    let run = |version: &str| {
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(root)
            .env("PATH", path)
            .env("GEN_VERSION", version)
            .output()
            .expect("bash runs")
    };
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let ok = run("1.2");
    assert!(ok.status.success(), "{}\n{script}", text(&ok));
    assert!(
        text(&ok).contains("check of `x' passed (gen 1.2)"),
        "{}",
        text(&ok)
    );
    let skew = run("1.3");
    assert!(skew.status.success(), "{}", text(&skew));
    assert!(
        text(&skew).contains("skipped: gen 1.3 here, 1.2 in"),
        "{}",
        text(&skew)
    );
    std::fs::write(root.join("out/x.out"), "edited\n").unwrap();
    let drift = run("1.2");
    assert!(!drift.status.success(), "{}", text(&drift));
    assert!(
        text(&drift).contains("generated source out/x.out differs from what gen 1.2 makes"),
        "{}",
        text(&drift)
    );
    assert!(text(&drift).contains("-edited"), "{}", text(&drift));
}

#[test]
fn foreign_sys_crates_take_the_switch_table() {
    let meta = |sqlite: &str| {
        let json = serde_json::json!({
            "packages": [
                {"id": "app", "name": "app", "version": "0.1.0",
                 "manifest_path": "/nonexistent/app/Cargo.toml"},
                {"id": "sq", "name": "libsqlite3-sys", "version": sqlite, "links": "sqlite3",
                 "manifest_path": "/nonexistent/sq/Cargo.toml"},
                {"id": "z", "name": "libz-sys", "version": "1.1.23", "links": "z",
                 "manifest_path": "/nonexistent/z/Cargo.toml"}
            ],
            "resolve": {"nodes": [
                {"id": "app", "features": [], "deps": [
                    {"pkg": "sq", "name": "libsqlite3_sys", "dep_kinds": [{"kind": null}]},
                    {"pkg": "z", "name": "libz_sys", "dep_kinds": [{"kind": null}]}]},
                {"id": "sq", "features": ["bundled"], "deps": []},
                {"id": "z", "features": ["libc"], "deps": []}
            ]}
        });
        crate::cargo_metadata::parse(json.to_string().as_bytes()).unwrap()
    };
    let libs = super::linked_libraries(&meta("0.30.1"), "app").unwrap();
    let sqlite = libs.iter().find(|l| l.kb_name == "sqlite").unwrap();
    // LIBSQLITE3_SYS_USE_PKG_CONFIG beats `bundled` in 0.30.1's build.rs.
    assert!(!sqlite.vendored);
    assert_eq!(
        sqlite.env,
        [("LIBSQLITE3_SYS_USE_PKG_CONFIG".to_string(), "1".to_string())]
    );
    let zlib = libs.iter().find(|l| l.kb_name == "zlib").unwrap();
    assert_eq!(zlib.env, [("LIBZ_SYS_STATIC".to_string(), "0".to_string())]);
    assert!(!zlib.vendored);
    // 0.26.0 has no variable: `bundled` bundles.
    let libs = super::linked_libraries(&meta("0.26.0"), "app").unwrap();
    assert!(
        libs.iter()
            .find(|l| l.kb_name == "sqlite")
            .unwrap()
            .vendored
    );
}
