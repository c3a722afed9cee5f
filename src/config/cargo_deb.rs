//! cargo-deb's `[package.metadata.deb]`, read as a fallback so projects that already use
//! cargo-deb package sensibly without rewriting their configuration.
//!
//! Used: `name`, `maintainer`, `revision`, `section`, `priority`, `extended-description`,
//! `extended-description-file`, `depends` (with `$auto`), `pre-depends`, `recommends`,
//! `suggests`, `conflicts`, `breaks` (as conflicts), `replaces`, `provides`, `assets`
//! (`[source, dest, mode]`, and `"$auto"`), `conf-files`, `maintainer-scripts`, `systemd-units`,
//! `features`. Relations apply to Debian targets only (they are Debian package names).
//! `copyright`/`license-file` are accepted (syspack writes the copyright file itself). Any other
//! key is reported as a warning, never silently dropped.

use syspack_distro::{Format, Relation};

use super::walk::{resolve, type_name, Table};
use super::{AssetKind, AssetSpec, Config, ConfigError, FormatOverride, ScriptSource, UnitSpec};

pub(crate) fn read(cfg: &mut Config, mut t: Table<'_>) -> Result<(), ConfigError> {
    if let Some(v) = t.string("name")? {
        cfg.meta.name = v;
    }
    if let Some(v) = t.string("maintainer")? {
        cfg.meta.maintainer = v;
    }
    if let Some(v) = t.string_or_int("revision")? {
        if !v.is_empty() {
            cfg.meta.release = Some(v);
        }
    }
    cfg.meta.section = t.string("section")?.or(cfg.meta.section.take());
    cfg.meta.priority = t.string("priority")?.or(cfg.meta.priority.take());
    if let Some(v) = t.string("extended-description")? {
        cfg.meta.description = v;
    }
    if let Some(p) = t.string("extended-description-file")? {
        let path = resolve(&cfg.base_dir, &p);
        cfg.meta.description = std::fs::read_to_string(&path).map_err(|e| {
            t.error(
                "extended-description-file",
                format!(
                    "names `{}`, which cannot be read ({e}); fix the path",
                    path.display()
                ),
            )
        })?;
    }
    let _ = t.get("copyright");
    let _ = t.get("license-file");

    let mut over = FormatOverride::default();
    // cargo-deb adds `$auto` only when `depends` is not set; an explicit list must name it.
    if t.has("depends") {
        cfg.auto_depends = false;
    }
    for (key, slot) in [
        ("depends", &mut over.relations.depends),
        ("recommends", &mut over.relations.recommends),
        ("suggests", &mut over.relations.suggests),
        ("conflicts", &mut over.relations.conflicts),
        ("replaces", &mut over.relations.replaces),
        ("provides", &mut over.relations.provides),
    ] {
        if let Some(list) = relation_list(&mut t, key, cfg)? {
            *slot = Some(list);
        }
    }
    if let Some(breaks) = relation_list(&mut t, "breaks", cfg)? {
        over.relations
            .conflicts
            .get_or_insert_with(Vec::new)
            .extend(breaks);
    }
    if t.has("pre-depends") {
        let extra = relation_list(&mut t, "pre-depends", cfg)?.unwrap_or_default();
        over.relations
            .depends
            .get_or_insert_with(Vec::new)
            .extend(extra);
        cfg.warnings
            .push("`package.metadata.deb.pre-depends` is added to `depends` (syspack has no Pre-Depends key)".into());
    }
    cfg.overrides.insert(Format::Deb, over);

    if let Some(v) = t.get("assets") {
        let toml::Value::Array(items) = v else {
            return Err(t.error(
                "assets",
                format!("expected an array, found a {}", type_name(v)),
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let key = format!("{}[{i}]", t.key_path("assets"));
            match item {
                toml::Value::String(s) if s == "$auto" => {
                    // The defaults are filled in when the list stays empty; with other assets
                    // present, add the binaries explicitly.
                    if let Some(cargo) = &cfg.cargo {
                        for bin in &cargo.bins {
                            cfg.assets.push(default_bin(bin));
                        }
                    }
                }
                toml::Value::Array(parts) => {
                    let s: Vec<&str> = parts.iter().filter_map(|p| p.as_str()).collect();
                    if s.len() < 2 || s.len() != parts.len() {
                        return Err(t.error(
                            &format!("assets[{i}]"),
                            "expected `[\"source\", \"dest\", \"mode\"]` (three strings)",
                        ));
                    }
                    let mode = match s.get(2) {
                        Some(m) => Some(
                            u32::from_str_radix(m.trim(), 8).map_err(|_| {
                                t.error(
                                    &format!("assets[{i}][2]"),
                                    format!("`{m}` is not an octal mode such as \"755\""),
                                )
                            })? & 0o7777,
                        ),
                        None => None,
                    };
                    let dest = if s[1].starts_with('/') {
                        s[1].to_string()
                    } else {
                        format!("/{}", s[1])
                    };
                    let kind = if dest.starts_with("/usr/share/doc/") {
                        AssetKind::Doc
                    } else {
                        AssetKind::Plain
                    };
                    cfg.assets.push(AssetSpec {
                        source: s[0].to_string(),
                        dest,
                        mode,
                        kind,
                        key,
                        symlink: None,
                    });
                }
                toml::Value::Table(_) => {
                    // Newer cargo-deb also accepts `{ source, dest, mode }` tables.
                    let toml::Value::Table(tt) = item else {
                        unreachable!()
                    };
                    let mut a = Table::new(t.file, key.clone(), tt);
                    let source = a.required_string("source", "\"target/release/foo\"")?;
                    let dest = a.required_string("dest", "\"usr/bin/\"")?;
                    let mode = match a.string("mode")? {
                        Some(m) => Some(
                            u32::from_str_radix(m.trim(), 8).map_err(|_| {
                                a.error(
                                    "mode",
                                    format!("`{m}` is not an octal mode such as \"755\""),
                                )
                            })? & 0o7777,
                        ),
                        None => None,
                    };
                    for k in a.unused() {
                        cfg.warnings
                            .push(format!("`{k}` is not used by syspack; ignored"));
                    }
                    let dest = if dest.starts_with('/') {
                        dest
                    } else {
                        format!("/{dest}")
                    };
                    cfg.assets.push(AssetSpec {
                        source,
                        dest,
                        mode,
                        kind: AssetKind::Plain,
                        key,
                        symlink: None,
                    });
                }
                other => {
                    return Err(t.error(
                        &format!("assets[{i}]"),
                        format!(
                            "expected `[\"source\", \"dest\", \"mode\"]`, found a {}",
                            type_name(other)
                        ),
                    ))
                }
            }
        }
    }
    if let Some(list) = t.strings("conf-files")? {
        for c in list {
            cfg.conffiles.push(if c.starts_with('/') {
                c
            } else {
                format!("/{c}")
            });
        }
    }
    let scripts_dir = t
        .string("maintainer-scripts")?
        .map(|d| resolve(&cfg.base_dir, &d));
    if let Some(dir) = &scripts_dir {
        for (file, slot) in [
            ("preinst", &mut cfg.scripts.pre_install),
            ("postinst", &mut cfg.scripts.post_install),
            ("prerm", &mut cfg.scripts.pre_remove),
            ("postrm", &mut cfg.scripts.post_remove),
        ] {
            let p = dir.join(file);
            if p.is_file() {
                *slot = Some(ScriptSource::File(p));
            }
        }
    }
    if let Some(v) = t.get("systemd-units") {
        let tables: Vec<&toml::Table> = match v {
            toml::Value::Table(tt) => vec![tt],
            toml::Value::Array(a) => a.iter().filter_map(|x| x.as_table()).collect(),
            other => {
                return Err(t.error(
                    "systemd-units",
                    format!("expected a table, found a {}", type_name(other)),
                ))
            }
        };
        for (i, u) in tables.into_iter().enumerate() {
            let mut u = Table::new(t.file, format!("{}[{i}]", t.key_path("systemd-units")), u);
            let dir = match u.string("unit-scripts")? {
                Some(d) => resolve(&cfg.base_dir, &d),
                None => scripts_dir.clone().unwrap_or_else(|| cfg.base_dir.clone()),
            };
            let name = u
                .string("unit-name")?
                .unwrap_or_else(|| cfg.meta.name.clone());
            let enable = u.boolean("enable")?.unwrap_or(true);
            let start = u.boolean("start")?.unwrap_or(true);
            for k in u.unused() {
                cfg.warnings
                    .push(format!("`{k}` is not used by syspack; ignored"));
            }
            let found = ["service", "socket", "timer", "path", "target"]
                .iter()
                .map(|ext| dir.join(format!("{name}.{ext}")))
                .find(|p| p.is_file());
            match found {
                Some(unit) => cfg.systemd_units.push(UnitSpec { unit, enable, start }),
                None => {
                    return Err(u.error(
                        "unit-scripts",
                        format!(
                            "no unit file `{name}.service` (or .socket/.timer) in `{}`; add it or set `unit-name`",
                            dir.display()
                        ),
                    ))
                }
            }
        }
    }
    super::syspack::read_debug_keys(cfg, &mut t)?;
    if let Some(f) = t.strings("features")? {
        if let Some(c) = cfg.cargo.as_mut() {
            c.features.extend(f);
        }
    }
    for k in t.unused() {
        cfg.warnings
            .push(format!("`{k}` (cargo-deb) is not used by syspack; ignored"));
    }
    Ok(())
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

/// A cargo-deb relation list: one string, comma-separated (`"libc6 (>= 2.28), $auto"`), or an
/// array of such strings. `$auto` turns on automatic shared-library dependencies; alternatives
/// (`a | b`) keep their first member, with a warning.
fn relation_list(
    t: &mut Table<'_>,
    key: &str,
    cfg: &mut Config,
) -> Result<Option<Vec<Relation>>, ConfigError> {
    let pieces: Vec<String> = match t.get(key) {
        None => return Ok(None),
        Some(toml::Value::String(s)) => s.split(',').map(str::to_string).collect(),
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .flat_map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect(),
        Some(v) => {
            return Err(t.error(
                key,
                format!(
                "expected a comma-separated string such as \"libfoo1 (>= 1.2), bar\", found a {}",
                type_name(v)
            ),
            ))
        }
    };
    let mut out = Vec::new();
    for p in pieces {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        if p == "$auto" {
            cfg.auto_depends = true;
            continue;
        }
        let first = match p.split_once('|') {
            Some((a, _)) => {
                cfg.warnings.push(format!(
                    "`{}`: alternative `{p}` kept as `{}` (syspack writes no alternatives)",
                    t.key_path(key),
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
                .map_err(|e| t.error(key, format!("has an entry syspack cannot read: {e}")))?,
        );
    }
    Ok(Some(out))
}
