//! One fixture directory per case: `tests/fixtures/config/<case>/`.

use std::path::{Path, PathBuf};

use syspack_distro::{Format, Relation, VersionOp};

use super::syspack::load_standalone;
use super::*;

fn fixture(case: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(case)
        .join(file)
}

fn cargo(case: &str) -> Result<Config, ConfigError> {
    Config::from_cargo_manifest(&fixture(case, "Cargo.toml"))
}

fn standalone(case: &str) -> Result<Config, ConfigError> {
    load_standalone(&fixture(case, "syspack.toml"))
}

#[test]
fn syspack_table_is_read_completely() {
    let c = cargo("syspack-full").unwrap();
    assert_eq!(c.origin, Origin::Syspack);
    assert_eq!(c.meta.name, "full");
    assert_eq!(c.meta.version, "1.2.3");
    assert_eq!(c.meta.summary, "fully configured");
    assert_eq!(c.meta.release.as_deref(), Some("2"));
    assert_eq!(c.meta.maintainer, "Jane Doe <jane@example.org>");
    assert_eq!(c.meta.homepage.as_deref(), Some("https://example.org/full"));
    assert_eq!(c.assets.len(), 3);
    assert_eq!(c.assets[0].mode, Some(0o755));
    assert_eq!(c.assets[0].dest, "/usr/bin/");
    assert_eq!(c.assets[1].kind, AssetKind::Config);
    assert_eq!(c.assets[2].kind, AssetKind::Doc);
    assert_eq!(c.assets[1].key, "package.metadata.syspack.assets[1]");
    assert_eq!(c.conffiles, ["/etc/full.conf"]);
    assert!(
        matches!(&c.scripts.post_install, Some(ScriptSource::File(p)) if p.ends_with("pkg/postinst.sh"))
    );
    assert_eq!(c.systemd_units.len(), 1);
    assert!(c.systemd_units[0].enable && !c.systemd_units[0].start);
    assert_eq!(c.targets, ["debian-12", "fedora-43"]);
    assert_eq!(c.freebsd_prefix, "/opt/local");
    assert_eq!(c.cargo.as_ref().unwrap().bins, ["full"]);
    // Format-specific relations replace the generic ones, field by field.
    let deb = c.relations_for(Format::Deb);
    assert_eq!(deb.depends, Some(vec![Relation::any("ca-certificates")]));
    let rpm = c.relations_for(Format::Rpm);
    assert_eq!(
        rpm.depends,
        Some(vec![Relation::with(
            "ca-certificates",
            VersionOp::Ge,
            "2023"
        )])
    );
    assert_eq!(
        rpm.recommends,
        Some(vec![Relation::with("curl", VersionOp::Ge, "7.0")])
    );
}

#[test]
fn unknown_keys_name_the_dotted_path_and_the_closest_key() {
    let e = cargo("unknown-key").unwrap_err().to_string();
    assert!(e.contains("unknown-key/Cargo.toml"), "{e}");
    assert!(
        e.contains("unknown key `package.metadata.syspack.asets` (a array)"),
        "{e}"
    );
    assert!(e.contains("did you mean `assets`?"), "{e}");
    let e = standalone("freebsd-table-typo").unwrap_err().to_string();
    assert!(e.contains("unknown key `package.freebsd.prefx`"), "{e}");
    assert!(e.contains("did you mean `prefix`?"), "{e}");
}

#[test]
fn cargo_deb_table_is_a_fallback() {
    let c = cargo("cargo-deb").unwrap();
    assert_eq!(c.origin, Origin::Fallback(vec!["[package.metadata.deb]"]));
    assert_eq!(c.meta.maintainer, "Deb Maintainer <maint@example.org>");
    assert_eq!(c.meta.description, "A longer description\nover two lines.");
    assert_eq!(c.meta.section.as_deref(), Some("utility"));
    assert!(
        c.auto_depends_for(Format::Deb),
        "`$auto` keeps automatic dependencies"
    );
    assert_eq!(c.assets.len(), 2);
    assert_eq!(c.assets[0].dest, "/usr/bin/");
    assert_eq!(c.assets[0].mode, Some(0o755));
    assert_eq!(c.assets[1].kind, AssetKind::Doc);
    assert_eq!(c.conffiles, ["/etc/debby.conf"]);
    assert!(
        matches!(&c.scripts.post_install, Some(ScriptSource::File(p)) if p.ends_with("postinst"))
    );
    assert!(c.scripts.pre_install.is_none());
    // Debian names apply to Debian targets only.
    assert_eq!(
        c.relations_for(Format::Deb).depends,
        Some(vec![Relation::with("adduser", VersionOp::Ge, "3.0")])
    );
    assert_eq!(c.relations_for(Format::Rpm).depends, None);
    // Carried into the model for the packager (no longer a warning).
    assert!(c.separate_debug_symbols);
    assert!(
        c.warnings.iter().any(|w| w.contains("deb.copyright")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn generate_rpm_table_is_a_fallback() {
    let c = cargo("generate-rpm").unwrap();
    assert_eq!(
        c.origin,
        Origin::Fallback(vec!["[package.metadata.generate-rpm]"])
    );
    assert_eq!(c.meta.release.as_deref(), Some("3"));
    assert_eq!(c.assets.len(), 2);
    assert_eq!(c.assets[1].kind, AssetKind::Config);
    assert_eq!(c.assets[0].mode, Some(0o755));
    assert_eq!(
        c.scripts.post_install,
        Some(ScriptSource::Inline("echo hello".into()))
    );
    let rpm = c.relations_for(Format::Rpm).depends.unwrap();
    assert_eq!(
        rpm,
        [
            Relation::with("openssl-libs", VersionOp::Ge, "3.0"),
            Relation::any("tzdata")
        ]
    );
    assert_eq!(c.relations_for(Format::Deb).depends, None);
}

#[test]
fn nothing_configured_gives_binaries_and_docs() {
    let c = cargo("defaults").unwrap();
    assert_eq!(c.origin, Origin::Defaults);
    assert_eq!(
        c.cargo.as_ref().unwrap().bins,
        ["helper", "plain", "plain-extra"]
    );
    let pairs: Vec<(&str, &str)> = c
        .assets
        .iter()
        .map(|a| (a.source.as_str(), a.dest.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("target/release/helper", "/usr/bin/helper"),
            ("target/release/plain", "/usr/bin/plain"),
            ("target/release/plain-extra", "/usr/bin/plain-extra"),
            ("LICENSE-MIT", "/usr/share/doc/plain/LICENSE-MIT"),
            ("README.md", "/usr/share/doc/plain/README.md"),
        ]
    );
    assert_eq!(c.meta.summary, "nothing configured");
}

#[test]
fn workspace_inheritance_is_resolved() {
    let c = Config::from_cargo_manifest(&fixture("workspace", "member/Cargo.toml")).unwrap();
    assert_eq!(c.meta.version, "3.1.4");
    assert_eq!(c.meta.license, "MIT");
    assert_eq!(c.meta.maintainer, "Work Space <ws@example.org>");
    assert!(c
        .cargo
        .as_ref()
        .unwrap()
        .workspace_root
        .ends_with("workspace"));
}

#[test]
fn standalone_file_needs_no_cargo() {
    let c = standalone("standalone").unwrap();
    assert_eq!(c.origin, Origin::Standalone);
    assert!(c.cargo.is_none());
    assert_eq!(c.meta.version, "5.0.1");
    assert_eq!(c.meta.arch.as_deref(), Some("x86_64"));
    assert_eq!(c.assets[0].source, "stage/usr/**/*");
    assert_eq!(
        c.relations_for(Format::Deb).depends,
        Some(vec![Relation::any("libc6")])
    );
}

#[test]
fn bad_values_name_key_and_fix() {
    let e = standalone("bad-mode").unwrap_err().to_string();
    assert!(e.contains("`package.assets[0].mode`"), "{e}");
    assert!(e.contains("\"0755\""), "{e}");
    let e = cargo("version-in-metadata").unwrap_err().to_string();
    assert!(
        e.contains("`package.metadata.syspack.version` cannot be set here"),
        "{e}"
    );
    assert!(e.contains("release"), "{e}");
    let e = standalone("bad-relation").unwrap_err().to_string();
    assert!(e.contains("`package.depends[0]`"), "{e}");
    assert!(e.contains("libfoo >="), "{e}");
}

#[test]
fn missing_file_and_bad_toml_name_the_file() {
    let e = load_standalone(&fixture("nonexistent", "syspack.toml")).unwrap_err();
    assert!(e.to_string().starts_with("failed to read `"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("syspack.toml");
    std::fs::write(&p, "[package\nname=").unwrap();
    let e = load_standalone(&p).unwrap_err().to_string();
    assert!(e.contains("is not valid TOML"), "{e}");
}

/// A cargo project in a temporary directory: `Cargo.toml` with `extra` appended, a `src/main.rs`.
fn project(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        format!(
            "[package]\nname = \"demo\"\nversion = \"1.0.0\"\nlicense = \"MIT\"\n\
             authors = [\"A <a@example.org>\"]\n{extra}"
        ),
    )
    .unwrap();
    (dir, manifest)
}

#[test]
fn multi_line_description_is_split_as_cargo_deb_does() {
    let (_d, m) = project(
        "description = \"\"\"\nA tool that does things.\nIt does them well,\nand fast.\n\"\"\"\n",
    );
    let c = Config::from_cargo_manifest(&m).unwrap();
    assert_eq!(c.meta.summary, "A tool that does things.");
    assert_eq!(c.meta.description, "It does them well,\nand fast.");
    // With cargo-deb's extended description: the further lines, then the extended text.
    let (_d, m) = project(
        "description = \"line one\\nline two\"\n[package.metadata.deb]\nextended-description = \"more\"\n",
    );
    let c = Config::from_cargo_manifest(&m).unwrap();
    assert_eq!(c.meta.summary, "line one");
    assert_eq!(c.meta.description, "line two\nmore");
    // One line: as before (summary and description the same).
    let (_d, m) = project("description = \"just one\"\n");
    let c = Config::from_cargo_manifest(&m).unwrap();
    assert_eq!(
        (c.meta.summary.as_str(), c.meta.description.as_str()),
        ("just one", "just one")
    );
}

#[test]
fn cargo_deb_features_and_auto_assets_do_not_depend_on_reading_order() {
    let (_d, m) = project(
        "[package.metadata.deb]\nfeatures = [\"pcre\"]\ndefault-features = false\n\
         assets = [\"$auto\", [\"README.md\", \"usr/share/doc/demo/\", \"644\"]]\n",
    );
    let c = Config::from_cargo_manifest(&m).unwrap();
    let cargo = c.cargo.as_ref().unwrap();
    assert_eq!(cargo.features, ["pcre"]);
    assert!(!cargo.default_features);
    assert_eq!(c.assets[0].dest, "/usr/bin/demo", "{:?}", c.assets);
    assert_eq!(c.assets.len(), 2);
}

#[test]
fn every_unused_cargo_deb_and_generate_rpm_key_is_named() {
    let (_d, m) = project(
        "[package.metadata.deb]\nnot-a-key = 1\nvariants.musl = { name = \"x\" }\n\
         systemd-units = { unit-name = \"demo\", frobnicate = true }\n\
         [package.metadata.generate-rpm]\nrequire-sh = false\nweird = \"x\"\n\
         assets = [{ source = \"README.md\", dest = \"/usr/share/doc/demo/\", user = \"root\" }]\n",
    );
    std::fs::write(m.parent().unwrap().join("demo.service"), "[Unit]\n").unwrap();
    let c = Config::from_cargo_manifest(&m).unwrap();
    let all = c.warnings.join("\n");
    for key in [
        "package.metadata.deb.not-a-key",
        "package.metadata.deb.systemd-units.frobnicate",
        "package.metadata.generate-rpm.require-sh",
        "package.metadata.generate-rpm.weird",
        "package.metadata.generate-rpm.assets[0].user",
    ] {
        assert!(all.contains(&format!("`{key}")), "{key} not in:\n{all}");
    }
    // One systemd table, or an array of them.
    assert_eq!(c.systemd_units.len(), 1);
}

#[test]
fn integer_modes_are_refused_not_reinterpreted() {
    let (_d, m) = project(
        "[package.metadata.syspack]\nassets = [{ source = \"Cargo.toml\", dest = \"/x\", mode = 0o644 }]\n",
    );
    let e = Config::from_cargo_manifest(&m).unwrap_err().to_string();
    assert!(
        e.contains("`package.metadata.syspack.assets[0].mode`"),
        "{e}"
    );
    assert!(e.contains("integer 420") && e.contains("\"0644\""), "{e}");
    let (_d, m) = project(
        "[package.metadata.generate-rpm]\nassets = [{ source = \"Cargo.toml\", dest = \"/x\", mode = 755 }]\n",
    );
    assert!(Config::from_cargo_manifest(&m).is_err());
}

#[test]
fn non_regular_and_huge_files_are_refused_before_reading() {
    let chain = |e: ConfigError| {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(x) = src {
            s.push_str(&format!(": {x}"));
            src = x.source();
        }
        s
    };
    let e = chain(load_standalone(Path::new("/dev/zero")).unwrap_err());
    assert!(e.contains("not a regular file"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; (walk::MAX_CONFIG_BYTES + 1) as usize]).unwrap();
    let e = chain(load_standalone(&big).unwrap_err());
    assert!(e.contains("more than"), "{e}");
    assert!(read_bounded(Path::new("/dev/zero"), 10).is_err());
}

#[cfg(unix)]
#[test]
fn scripts_that_resolve_outside_the_project_are_refused_unless_allowed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "root:x\n").unwrap();
    let table = "[package.metadata.syspack]\nscripts = { post_install = \"postinst\" }\n";
    let (d, m) = project(table);
    std::os::unix::fs::symlink(outside.path().join("secret"), d.path().join("postinst")).unwrap();
    let e = Config::from_cargo_manifest(&m).unwrap_err().to_string();
    assert!(
        e.contains("scripts.post_install") && e.contains("allow-external-sources"),
        "{e}"
    );
    std::fs::write(
        &m,
        format!(
            "{}allow-external-sources = true\n",
            std::fs::read_to_string(&m).unwrap()
        ),
    )
    .unwrap();
    assert!(Config::from_cargo_manifest(&m).is_ok());
    // cargo-deb's maintainer-scripts directory: the same check per script.
    let (d, m) = project("[package.metadata.deb]\nmaintainer-scripts = \"debian\"\n");
    std::fs::create_dir(d.path().join("debian")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        d.path().join("debian/postinst"),
    )
    .unwrap();
    let e = Config::from_cargo_manifest(&m).unwrap_err().to_string();
    assert!(e.contains("debian/postinst"), "{e}");
}

#[test]
fn broken_relations_and_long_names_stop_at_the_configuration() {
    let (_d, m) = project("[package.metadata.syspack]\ndepends = [\"foo (>= 1\"]\n");
    let e = Config::from_cargo_manifest(&m).unwrap_err().to_string();
    assert!(
        e.contains("`package.metadata.syspack.depends[0]`") && e.contains("parenthes"),
        "{e}"
    );
    let (_d, m) = project("[package.metadata.deb]\ndepends = \"foo (>= 1\"\n");
    assert!(Config::from_cargo_manifest(&m).is_err());
    let long = "n".repeat(600);
    let (_d, m) = project(&format!("[package.metadata.syspack]\nname = \"{long}\"\n"));
    let e = Config::from_cargo_manifest(&m).unwrap_err().to_string();
    assert!(e.contains("600 characters") && e.contains("name"), "{e}");
}

#[test]
fn strip_comes_from_the_release_profile_and_the_table() {
    let (_d, m) = project("[profile.release]\nstrip = \"none\"\n");
    assert_eq!(Config::from_cargo_manifest(&m).unwrap().strip, Some(false));
    let (_d, m) = project("[package.metadata.syspack]\nstrip = true\nchangelog = \"Cargo.toml\"\n");
    let c = Config::from_cargo_manifest(&m).unwrap();
    assert_eq!(c.strip, Some(true));
    assert!(c.changelog.unwrap().ends_with("Cargo.toml"));
}

/// A Cargo.toml in a scratch directory (with src/main.rs), loaded.
fn scratch_manifest(text: &str) -> (tempfile::TempDir, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), text).unwrap();
    let cfg = Config::from_cargo_manifest(&dir.path().join("Cargo.toml"));
    (dir, cfg)
}

const PACKAGE: &str = "[package]\nname = \"t\"\nversion = \"1.0.0\"\nauthors = [\"A <a@example.org>\"]\nlicense = \"MIT\"\ndescription = \"t\"\n";

#[test]
fn strip_debug_symbols_and_changelog_are_read_from_both_tables_and_the_profile() {
    // cargo-deb's keys: read, not reported as unused.
    let (dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nseparate-debug-symbols = true\nchangelog = \"CHANGELOG.md\"\n"
    ));
    let cfg = cfg.unwrap();
    assert!(cfg.separate_debug_symbols);
    assert_eq!(cfg.strip, None);
    assert_eq!(cfg.changelog, Some(dir.path().join("CHANGELOG.md")));
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);

    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.syspack]\nstrip = false\n"
    ));
    assert_eq!(cfg.unwrap().strip, Some(false));

    // `[profile.release] strip = false` (or "none") keeps the symbols, unless the metadata says.
    for profile in ["strip = false", "strip = \"none\""] {
        let (_dir, cfg) = scratch_manifest(&format!("{PACKAGE}[profile.release]\n{profile}\n"));
        assert_eq!(cfg.unwrap().strip, Some(false), "{profile}");
    }
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.syspack]\nstrip = true\n[profile.release]\nstrip = false\n"
    ));
    assert_eq!(cfg.unwrap().strip, Some(true));
    let (_dir, cfg) = scratch_manifest(&format!("{PACKAGE}[profile.release]\nstrip = true\n"));
    assert_eq!(cfg.unwrap().strip, Some(true));
    // `separate-debug-symbols` strips whatever the profile says.
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nseparate-debug-symbols = true\n[profile.release]\nstrip = false\n"
    ));
    assert_eq!(cfg.unwrap().strip, None);

    // Splitting needs stripping.
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.syspack]\nstrip = false\nseparate-debug-symbols = true\n"
    ));
    let err = cfg.unwrap_err().to_string();
    assert!(
        err.contains("separate-debug-symbols") && err.contains("`strip` is false"),
        "{err}"
    );
}

#[test]
fn publish_table_sets_channels_soak_and_storage() {
    let c = cargo("publish").unwrap();
    assert_eq!(c.publish.channels, ["nightly", "testing", "stable"]);
    assert_eq!(c.publish.min_soak, 7 * 86_400);
    assert_eq!(c.publish.min_soak_text, "7d");
    assert_eq!(
        c.publish.storage.as_deref(),
        Some("s3://example-bucket/apt")
    );
    // `release` stays the packaging revision beside the `publish` table.
    assert_eq!(c.meta.release.as_deref(), Some("2"));
    // Without the table: testing then stable, 14 days, no storage.
    let d = cargo("syspack-full").unwrap();
    assert_eq!(d.publish, PublishSpec::default());
    assert_eq!(d.publish.channels, ["testing", "stable"]);
    assert_eq!(d.publish.min_soak, 14 * 86_400);
}

#[test]
fn publish_table_refuses_unknown_keys_naming_the_closest() {
    let e = cargo("publish-typo").unwrap_err().to_string();
    assert!(
        e.contains("unknown key `package.metadata.syspack.publish.min_soak`"),
        "{e}"
    );
    assert!(e.contains("did you mean `min-soak`?"), "{e}");
    assert!(e.contains("channels, min-soak, storage"), "{e}");
}

#[test]
fn publish_values_are_checked() {
    let base = std::fs::read_to_string(fixture("publish-bad", "syspack.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("syspack.toml");
    for (line, key, words) in [
        (
            r#"channels = ["stable"]"#,
            "package.publish.channels",
            "at least two",
        ),
        (
            r#"channels = ["testing", "testing"]"#,
            "package.publish.channels[1]",
            "repeats `testing`",
        ),
        (
            r#"channels = ["testing", "../stable"]"#,
            "package.publish.channels[1]",
            "is not a channel name",
        ),
        (
            r#"min-soak = "two weeks""#,
            "package.publish.min-soak",
            "e.g. \"14d\"",
        ),
        (
            r#"storage = "https://example.org/x""#,
            "package.publish.storage",
            "s3://BUCKET",
        ),
        (
            r#"storage = "s3://b/../x""#,
            "package.publish.storage",
            "s3://BUCKET",
        ),
        (
            r#"storage = "s3:///x""#,
            "package.publish.storage",
            "s3://BUCKET",
        ),
    ] {
        let text = if line.starts_with("channels") {
            base.replace(r#"channels = ["testing", "stable"]"#, line)
        } else {
            format!("{base}{line}\n")
        };
        std::fs::write(&file, text).unwrap();
        let e = load_standalone(&file).unwrap_err().to_string();
        assert!(
            e.contains(&format!("`{key}`")) && e.contains(words),
            "{line}: {e}"
        );
    }
}

/// With both tables, each tool's table makes its own package: the RPM gets generate-rpm's assets
/// and scripts, the other formats cargo-deb's.
#[test]
fn both_tables_give_each_format_its_own_assets_and_scripts() {
    let (dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\n\
         assets = [[\"target/release/t\", \"usr/bin/\", \"755\"], [\"t.5\", \"usr/share/man/man5/t.toml.5\", \"644\"]]\n\
         maintainer-scripts = \"debian/\"\n\
         [package.metadata.generate-rpm]\n\
         assets = [{{ source = \"target/release/t\", dest = \"/usr/bin/t\", mode = \"755\" }},\n\
                   {{ source = \"t.5\", dest = \"/usr/share/man/man5/t-toml.5\", mode = \"644\", doc = true }}]\n\
         post_install_script = \"echo rpm\"\n"
    ));
    std::fs::create_dir_all(dir.path().join("debian")).unwrap();
    let cfg = cfg.unwrap();
    let dests = |a: &[AssetSpec]| a.iter().map(|a| a.dest.clone()).collect::<Vec<_>>();
    assert_eq!(
        dests(&cfg.assets),
        ["/usr/bin/", "/usr/share/man/man5/t.toml.5"]
    );
    assert!(cfg.has_own_assets(Format::Rpm) && !cfg.has_own_assets(Format::Arch));
    assert_eq!(
        dests(cfg.overrides[&Format::Rpm].assets.as_deref().unwrap()),
        ["/usr/bin/t", "/usr/share/man/man5/t-toml.5"]
    );
    assert!(matches!(
        &cfg.scripts_for(Format::Rpm).post_install,
        Some(ScriptSource::Inline(s)) if s == "echo rpm"
    ));
    assert!(cfg.scripts_for(Format::Deb).post_install.is_none());
}

/// The homepage: `homepage`, else `repository` (not `documentation`).
#[test]
fn homepage_falls_back_to_the_repository() {
    let (_d, cfg) = scratch_manifest(&format!(
        "{PACKAGE}documentation = \"https://docs.example.org/t\"\nrepository = \"https://example.org/t.git\"\n"
    ));
    assert_eq!(
        cfg.unwrap().meta.homepage.as_deref(),
        Some("https://example.org/t.git")
    );
}

/// cargo-deb's `profile` selects the cargo profile; its `strip` follows `inherits` (and the
/// built-in `bench` → `release` inheritance).
#[test]
fn the_profile_and_its_inherited_strip() {
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nprofile = \"dist\"\n[profile.release]\nstrip = true\n\
         [profile.dist]\ninherits = \"release\"\nlto = \"thin\"\n"
    ));
    let cfg = cfg.unwrap();
    let cargo = cfg.cargo.as_ref().unwrap();
    assert_eq!(
        (cargo.profile.as_str(), cargo.profile_dir()),
        ("dist", "dist")
    );
    assert_eq!(cfg.strip, Some(true));
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    // The profile's own strip wins over its parent's.
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nprofile = \"dist\"\n[profile.release]\nstrip = true\n\
         [profile.dist]\ninherits = \"release\"\nstrip = \"none\"\n"
    ));
    assert_eq!(cfg.unwrap().strip, Some(false));
    // `dev` writes to debug/; `bench` inherits release.
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nprofile = \"bench\"\n[profile.release]\nstrip = \"symbols\"\n"
    ));
    let cfg = cfg.unwrap();
    assert_eq!(cfg.strip, Some(true));
    assert_eq!(cfg.cargo.unwrap().profile_dir(), "release");
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nprofile = \"dev\"\n"
    ));
    let cfg = cfg.unwrap();
    assert_eq!(cfg.strip, None);
    assert_eq!(cfg.cargo.unwrap().profile_dir(), "debug");
    // A cycle of `inherits` (cargo refuses it when building) decides nothing here.
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\nprofile = \"a\"\n[profile.a]\ninherits = \"b\"\n\
         [profile.b]\ninherits = \"a\"\n"
    ));
    assert_eq!(cfg.unwrap().strip, None);
}

/// `readme.workspace = true`: the README is the workspace's, its path relative to the workspace
/// root (as cargo reads it), and its first paragraph is the long description.
#[test]
fn an_inherited_readme_is_read_from_the_workspace_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app/src")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\n[workspace.package]\nversion = \"2.0.0\"\n\
         description = \"Does things.\"\nreadme = \"docs/README.md\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion.workspace = true\ndescription.workspace = true\n\
         readme.workspace = true\nlicense = \"MIT\"\nauthors = [\"A <a@example.org>\"]\n",
    )
    .unwrap();
    std::fs::write(root.join("app/src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(root.join("app/README.md"), "The member's own README.\n").unwrap();
    std::fs::write(
        root.join("docs/README.md"),
        "# App\n\nThe workspace's README says more.\n",
    )
    .unwrap();
    let cfg = Config::from_cargo_manifest(&root.join("app/Cargo.toml")).unwrap();
    assert_eq!(cfg.meta.version, "2.0.0");
    assert_eq!(
        cfg.meta.description.trim(),
        "The workspace's README says more."
    );
}

/// An explicit cargo-deb `depends` without `$auto` turns automatic dependencies off for the .deb
/// only (as cargo-deb); cargo-generate-rpm's `auto-req` decides for the RPM, and a `requires`
/// table beside it does not turn them off (as cargo-generate-rpm).
#[test]
fn automatic_dependencies_are_decided_per_format() {
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\ndepends = \"libpcap0.8\"\n\
         [package.metadata.generate-rpm.requires]\nlibpcap = \"*\"\n"
    ));
    let cfg = cfg.unwrap();
    assert!(!cfg.auto_depends_for(Format::Deb));
    assert!(cfg.auto_depends_for(Format::Rpm));
    assert!(cfg.auto_depends_for(Format::Arch));
    let (_dir, cfg) = scratch_manifest(&format!(
        "{PACKAGE}[package.metadata.deb]\ndepends = \"$auto, libpcap0.8\"\n\
         [package.metadata.generate-rpm]\nauto-req = \"no\"\n"
    ));
    let cfg = cfg.unwrap();
    assert!(cfg.auto_depends_for(Format::Deb));
    assert!(!cfg.auto_depends_for(Format::Rpm));
}
