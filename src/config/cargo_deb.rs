//! cargo-deb's `[package.metadata.deb]`, read as a fallback so projects that already use
//! cargo-deb package sensibly without rewriting their configuration.
//!
//! `DebTable` has one field per key of cargo-deb's documented metadata; the README's table says
//! what syspack does with each. Keys it does not have are warnings naming them (lenient, as the
//! module docs of [`super`] say). Relations apply to Debian targets only (they are Debian
//! package names).

use serde::Deserialize;
use syspack_distro::{Format, Relation};

use super::walk::{join_key, parse_octal, OneOrMany, StringOrInt};
use super::{AssetKind, AssetSpec, Config, ConfigError, FormatOverride, ScriptSource, UnitSpec};

/// `[package.metadata.deb]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct DebTable {
    pub name: Option<String>,
    pub maintainer: Option<String>,
    pub copyright: Option<String>,
    pub license_file: Option<toml::Value>,
    pub changelog: Option<String>,
    pub depends: Option<OneOrMany<String>>,
    pub pre_depends: Option<OneOrMany<String>>,
    pub recommends: Option<OneOrMany<String>>,
    pub suggests: Option<OneOrMany<String>>,
    pub enhances: Option<OneOrMany<String>>,
    pub conflicts: Option<OneOrMany<String>>,
    pub breaks: Option<OneOrMany<String>>,
    pub replaces: Option<OneOrMany<String>>,
    pub provides: Option<OneOrMany<String>>,
    pub extended_description: Option<String>,
    pub extended_description_file: Option<String>,
    pub revision: Option<StringOrInt>,
    pub section: Option<String>,
    pub priority: Option<String>,
    pub conf_files: Option<Vec<String>>,
    pub assets: Option<Vec<toml::Value>>,
    pub merge_assets: Option<toml::Value>,
    pub triggers_file: Option<String>,
    pub maintainer_scripts: Option<String>,
    pub features: Option<Vec<String>>,
    pub default_features: Option<bool>,
    pub separate_debug_symbols: Option<bool>,
    pub dbgsym: Option<bool>,
    pub compress_debug_symbols: Option<bool>,
    pub preserve_symlinks: Option<bool>,
    /// One table or an array of tables, each a [`DebUnit`] (read leniently in [`apply`]).
    pub systemd_units: Option<toml::Value>,
    /// Alternative tables, applied with `--variant` before this table is read
    /// ([`super::variant`]); the base table is used without it.
    #[allow(dead_code)]
    pub variants: Option<toml::Value>,
    pub profile: Option<String>,
}

/// One `systemd-units` table (cargo-deb's systemd.md).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct DebUnit {
    pub unit_scripts: Option<String>,
    pub unit_name: Option<String>,
    pub enable: Option<bool>,
    pub start: Option<bool>,
    pub restart_after_upgrade: Option<bool>,
    pub stop_on_upgrade: Option<bool>,
}

/// An asset as a table: `{ source, dest, mode, preserve-symlinks }` or a symlink
/// `{ dest = "target", link_name = "path" }`.
#[derive(Debug, Default, Deserialize)]
struct DebAssetTable {
    source: Option<String>,
    dest: Option<String>,
    mode: Option<String>,
    #[serde(rename = "preserve-symlinks", alias = "preserve_symlinks")]
    preserve_symlinks: Option<bool>,
    link_name: Option<String>,
}

pub(crate) fn apply(cfg: &mut Config, t: DebTable, prefix: &str) -> Result<(), ConfigError> {
    let file = cfg.file.clone();
    let key = |k: &str| join_key(prefix, k);
    let err = |k: &str, problem: String| ConfigError::Invalid {
        file: file.clone(),
        key: join_key(prefix, k),
        problem,
    };
    let mut warnings = Vec::new();
    if let Some(v) = t.name {
        cfg.meta.name = v;
    }
    if let Some(v) = t.maintainer {
        cfg.meta.maintainer = v;
    }
    // `revision = ""`: a native Debian version (no `-revision`), for the .deb only: RPM needs a
    // Release and Arch a pkgrel, so those keep the default.
    let native = match t.revision {
        Some(StringOrInt(v)) if v.is_empty() => true,
        Some(StringOrInt(v)) => {
            cfg.meta.release = Some(v);
            false
        }
        None => false,
    };
    cfg.meta.section = t.section.or(cfg.meta.section.take());
    cfg.meta.priority = t.priority.or(cfg.meta.priority.take());
    // cargo-deb writes the lines of a multi-line Cargo `description` after the first, then the
    // extended description.
    let rest = if cfg.meta.description != cfg.meta.summary {
        cfg.meta.description.clone()
    } else {
        String::new()
    };
    let extended = match (t.extended_description, t.extended_description_file) {
        (Some(d), _) => Some(d),
        (None, Some(p)) => Some(cfg.project_text(&p, &key("extended-description-file"))?),
        (None, None) => None,
    };
    if let Some(ext) = extended {
        cfg.meta.description = if rest.is_empty() {
            ext
        } else {
            format!("{rest}\n{ext}")
        };
    }
    if t.copyright.is_some() {
        cfg_warn(
            &mut warnings,
            &key("copyright"),
            "syspack writes the copyright file from `license` and the maintainer",
        );
    }
    if t.license_file.is_some() {
        cfg_warn(&mut warnings, &key("license-file"), "syspack writes the copyright file from `license`; list the licence file in `assets` to ship it");
    }
    if let Some(c) = t.changelog {
        cfg.changelog = Some(cfg.project_file(&c, &key("changelog"))?);
    }

    // cargo-deb adds `$auto` only when `depends` is not set; an explicit list must name it. This
    // is the .deb's choice: the other formats keep their automatic dependencies.
    let mut over = FormatOverride {
        auto_depends: t.depends.as_ref().map(|d| {
            d.0.iter()
                .any(|s| s.split(',').any(|p| p.trim() == "$auto"))
        }),
        ..FormatOverride::default()
    };
    for (k, v, slot) in [
        ("depends", t.depends, &mut over.relations.depends),
        ("recommends", t.recommends, &mut over.relations.recommends),
        ("suggests", t.suggests, &mut over.relations.suggests),
        ("conflicts", t.conflicts, &mut over.relations.conflicts),
        ("replaces", t.replaces, &mut over.relations.replaces),
        ("provides", t.provides, &mut over.relations.provides),
    ] {
        if let Some(list) = v {
            *slot = Some(relation_list(cfg, &mut warnings, &key(k), list)?);
        }
    }
    if let Some(list) = t.breaks {
        let breaks = relation_list(cfg, &mut warnings, &key("breaks"), list)?;
        over.relations
            .conflicts
            .get_or_insert_with(Vec::new)
            .extend(breaks);
    }
    if let Some(list) = t.pre_depends {
        let extra = relation_list(cfg, &mut warnings, &key("pre-depends"), list)?;
        over.relations
            .depends
            .get_or_insert_with(Vec::new)
            .extend(extra);
        warnings.push(format!(
            "`{}` is added to `depends` (syspack has no Pre-Depends key)",
            key("pre-depends")
        ));
    }
    if t.enhances.is_some() {
        cfg_warn(
            &mut warnings,
            &key("enhances"),
            "syspack writes no Enhances field",
        );
    }
    if native {
        over.meta.release = Some(String::new());
    }
    cfg.overrides.insert(Format::Deb, over);

    // The README `"$auto"` brings, added after the list unless an asset installs that path.
    let mut auto_readme = None;
    if let Some(items) = t.assets {
        for (i, item) in items.into_iter().enumerate() {
            let akey = format!("{}[{i}]", key("assets"));
            match item {
                toml::Value::String(s) if s == "$auto" => {
                    // With other assets present, add the binaries explicitly (the defaults are
                    // filled in only when the list stays empty), and the README as cargo-deb
                    // does: `/usr/share/doc/<package>/<its file name>`.
                    if let Some(cargo) = &cfg.cargo {
                        for bin in &cargo.bins {
                            cfg.assets.push(default_bin(bin));
                        }
                        if let Some(readme) = cargo.readme.clone().filter(|r| r.is_file()) {
                            let file = readme.file_name().unwrap_or_default().to_string_lossy();
                            auto_readme = Some(AssetSpec {
                                dest: format!(
                                    "/usr/share/doc/{}/{file}",
                                    cfg.meta_for(Format::Deb).name
                                ),
                                source: readme.display().to_string(),
                                mode: Some(0o644),
                                kind: AssetKind::Doc,
                                key: format!("{akey} (the README)"),
                                symlink: None,
                            });
                        }
                    }
                }
                toml::Value::Array(parts) => {
                    let s: Vec<&str> = parts.iter().filter_map(|p| p.as_str()).collect();
                    if s.len() < 2 || s.len() > 3 || s.len() != parts.len() {
                        return Err(err(
                            &format!("assets[{i}]"),
                            "expected `[\"source\", \"dest\", \"mode\"]` (three strings)".into(),
                        ));
                    }
                    let mode = s
                        .get(2)
                        .map(|m| parse_octal(m))
                        .transpose()
                        .map_err(|e| err(&format!("assets[{i}][2]"), e))?;
                    cfg.assets.push(plain_asset(s[0], s[1], mode, akey));
                }
                toml::Value::Table(tt) => {
                    let a: DebAssetTable = super::walk::lenient(
                        &file,
                        &akey,
                        &toml::Value::Table(tt),
                        "cargo-deb",
                        &mut warnings,
                    )?;
                    if let (Some(target), Some(link)) = (&a.dest, &a.link_name) {
                        cfg.assets.push(AssetSpec {
                            source: String::new(),
                            dest: absolute(link),
                            mode: None,
                            kind: AssetKind::Plain,
                            key: akey,
                            symlink: Some(target.clone()),
                        });
                        continue;
                    }
                    let (Some(source), Some(dest)) = (a.source, a.dest) else {
                        return Err(err(
                            &format!("assets[{i}]"),
                            "needs `source` and `dest` (or `dest` and `link_name` for a symlink)"
                                .into(),
                        ));
                    };
                    let mode = a
                        .mode
                        .map(|m| parse_octal(&m))
                        .transpose()
                        .map_err(|e| err(&format!("assets[{i}].mode"), e))?;
                    if let Some(b) = a.preserve_symlinks {
                        cfg_warn(&mut warnings, &format!("{akey}.preserve-symlinks"), &format!("syspack applies `preserve-symlinks` to the whole package (it is {b} here)"));
                    }
                    cfg.assets.push(plain_asset(&source, &dest, mode, akey));
                }
                other => {
                    return Err(err(
                        &format!("assets[{i}]"),
                        format!(
                            "expected `[\"source\", \"dest\", \"mode\"]`, found a {}",
                            super::type_name(&other)
                        ),
                    ))
                }
            }
        }
    }
    if let Some(readme) = auto_readme {
        let dest = readme.dest.trim_start_matches('/');
        let taken = cfg.assets.iter().any(|a| {
            let d = a.dest.trim_start_matches('/');
            let file = std::path::Path::new(&a.source)
                .file_name()
                .unwrap_or_default();
            d == dest || (d.ends_with('/') && format!("{d}{}", file.to_string_lossy()) == dest)
        });
        if !taken {
            cfg.assets.push(readme);
        }
    }
    if t.merge_assets.is_some() {
        cfg_warn(
            &mut warnings,
            &key("merge-assets"),
            "it applies only inside a variant (`variants.<name>`, selected with `--variant`)",
        );
    }
    if let Some(list) = t.conf_files {
        for c in list {
            cfg.conffiles.push(absolute(&c));
        }
    }
    if t.triggers_file.is_some() {
        cfg_warn(
            &mut warnings,
            &key("triggers-file"),
            "syspack writes no dpkg triggers",
        );
    }
    let scripts_dir = match &t.maintainer_scripts {
        Some(d) => Some(cfg.project_file(d, &key("maintainer-scripts"))?),
        None => None,
    };
    if let Some(dir) = &scripts_dir {
        let written = t.maintainer_scripts.clone().unwrap_or_default();
        let mut found = Vec::new();
        for name in ["preinst", "postinst", "prerm", "postrm"] {
            let p = dir.join(name);
            if p.is_file() {
                let shown = format!("{}/{name}", written.trim_end_matches('/'));
                super::syspack::inside(cfg, &shown, &p, &key("maintainer-scripts"))?;
                found.push((name, ScriptSource::File(p)));
            }
        }
        for (name, src) in found {
            let slot = match name {
                "preinst" => &mut cfg.scripts.pre_install,
                "postinst" => &mut cfg.scripts.post_install,
                "prerm" => &mut cfg.scripts.pre_remove,
                _ => &mut cfg.scripts.post_remove,
            };
            *slot = Some(src);
            cfg.scripts.native = true;
        }
        for name in ["templates", "config", "triggers"] {
            if dir.join(name).is_file() {
                warnings.push(format!(
                    "`{}`: `{name}` in `{}` is not used by syspack (no debconf, no triggers); ignored",
                    key("maintainer-scripts"),
                    dir.display()
                ));
            }
        }
    }
    if let Some(units) = t.systemd_units {
        let listed: Vec<(String, toml::Value)> = match units {
            toml::Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", key("systemd-units")), v))
                .collect(),
            one => vec![(key("systemd-units"), one)],
        };
        for (ukey, v) in listed {
            let u: DebUnit = super::walk::lenient(&file, &ukey, &v, "cargo-deb", &mut warnings)?;
            let dir = match &u.unit_scripts {
                Some(d) => cfg.project_file(d, &format!("{ukey}.unit-scripts"))?,
                None => scripts_dir.clone().unwrap_or_else(|| cfg.base_dir.clone()),
            };
            let name = u.unit_name.clone().unwrap_or_else(|| cfg.meta.name.clone());
            for (k, v) in [
                ("restart-after-upgrade", u.restart_after_upgrade),
                ("stop-on-upgrade", u.stop_on_upgrade),
            ] {
                if v.is_some() {
                    cfg_warn(
                        &mut warnings,
                        &format!("{ukey}.{k}"),
                        "syspack restarts units the way its generated scripts do",
                    );
                }
            }
            let found = ["service", "socket", "timer", "path", "target"]
                .iter()
                .map(|ext| dir.join(format!("{name}.{ext}")))
                .find(|p| p.is_file());
            match found {
                Some(unit) => cfg.systemd_units.push(UnitSpec {
                    unit,
                    enable: u.enable.unwrap_or(true),
                    start: u.start.unwrap_or(true),
                }),
                None => {
                    return Err(ConfigError::Invalid {
                        file: file.clone(),
                        key: format!("{ukey}.unit-scripts"),
                        problem: format!(
                            "no unit file `{name}.service` (or .socket/.timer) in `{}`; add it or set `unit-name`",
                            dir.display()
                        ),
                    })
                }
            }
        }
    }
    if let Some(f) = t.features {
        if let Some(c) = cfg.cargo.as_mut() {
            c.features.extend(f);
        }
    }
    if let Some(d) = t.default_features {
        if let Some(c) = cfg.cargo.as_mut() {
            c.default_features = d;
        }
    }
    if t.separate_debug_symbols == Some(true) || t.dbgsym == Some(true) {
        cfg.separate_debug_symbols = true;
    }
    if t.compress_debug_symbols.is_some() {
        cfg_warn(
            &mut warnings,
            &key("compress-debug-symbols"),
            "debug files are stored as objcopy writes them",
        );
    }
    if let Some(b) = t.preserve_symlinks {
        cfg.preserve_symlinks = b;
    }
    if let Some(p) = t.profile {
        if let Some(cargo) = cfg.cargo.as_mut() {
            cargo.profile = p;
        }
    }
    cfg.warnings.extend(warnings);
    Ok(())
}

fn cfg_warn(warnings: &mut Vec<String>, key: &str, why: &str) {
    warnings.push(format!(
        "`{key}` (cargo-deb) is not used by syspack: {why}; ignored"
    ));
}

fn absolute(p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

fn plain_asset(source: &str, dest: &str, mode: Option<u32>, key: String) -> AssetSpec {
    let dest = absolute(dest);
    let kind = if dest.starts_with("/usr/share/doc/") {
        AssetKind::Doc
    } else {
        AssetKind::Plain
    };
    AssetSpec {
        source: source.to_string(),
        dest,
        mode,
        kind,
        key,
        symlink: None,
    }
}

pub(crate) fn default_bin(bin: &str) -> AssetSpec {
    AssetSpec {
        source: format!("target/release/{bin}"),
        dest: format!("/usr/bin/{bin}"),
        mode: Some(0o755),
        kind: AssetKind::Plain,
        key: format!("default asset for binary `{bin}`"),
        symlink: None,
    }
}

/// A cargo-deb relation list: strings, each comma-separated (`"libc6 (>= 2.28), $auto"`).
/// `$auto` turns on automatic shared-library dependencies; alternatives (`a | b`) keep their
/// first member, with a warning.
fn relation_list(
    cfg: &mut Config,
    warnings: &mut Vec<String>,
    key: &str,
    list: OneOrMany<String>,
) -> Result<Vec<Relation>, ConfigError> {
    let mut out = Vec::new();
    for s in &list.0 {
        for p in s.split(',') {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            if p == "$auto" {
                continue;
            }
            let first = match p.split_once('|') {
                Some((a, _)) => {
                    warnings.push(format!(
                        "`{key}`: alternative `{p}` kept as `{}` (syspack writes no alternatives)",
                        a.trim()
                    ));
                    a.trim()
                }
                None => p,
            };
            // cargo-deb allows `[arch]` qualifiers; syspack packages one architecture at a time.
            let first = first.split('[').next().unwrap_or(first).trim();
            out.push(
                first
                    .parse::<Relation>()
                    .map_err(|e| ConfigError::Invalid {
                        file: cfg.file.clone(),
                        key: key.to_string(),
                        problem: format!("has an entry syspack cannot read: {e}"),
                    })?,
            );
        }
    }
    Ok(out)
}
