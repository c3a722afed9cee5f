//! cargo-generate-rpm's `[package.metadata.generate-rpm]`, read as a fallback.
//!
//! Used: `name`, `summary`, `license`, `release`, `epoch`, `url`, `vendor`, `assets`
//! (`{ source, dest, mode, config, doc }`), `requires`/`conflicts`/`provides`/`obsoletes`
//! (as replaces)/`recommends`/`suggests` tables (`name = "*"` or `name = ">= 1.2"`, RPM targets
//! only), `auto-req` (`"no"`/`"disabled"` turns automatic dependencies off) and the four
//! `*_script` keys (a file path, or the script text). Other keys are warnings. When cargo-deb's
//! table is present too, its assets win and these are not added twice.

use syspack_distro::{Format, Relation};

use super::walk::{resolve, type_name, Table};
use super::{AssetKind, AssetSpec, Config, ConfigError, FormatOverride, ScriptSource};

pub(crate) fn read(cfg: &mut Config, mut t: Table<'_>) -> Result<(), ConfigError> {
    let have_deb_assets = !cfg.assets.is_empty();
    if let Some(v) = t.string("name")? {
        cfg.meta.name = v;
    }
    if let Some(v) = t.string("summary")? {
        cfg.meta.summary = v;
    }
    if let Some(v) = t.string("license")? {
        cfg.meta.license = v;
    }
    if let Some(v) = t.string_or_int("release")? {
        cfg.meta.release = Some(v);
    }
    if let Some(e) = t.integer("epoch")? {
        cfg.meta.epoch = u32::try_from(e).ok();
    }
    if let Some(v) = t.string("url")? {
        cfg.meta.homepage = Some(v);
    }
    if let Some(v) = t.string("vendor")? {
        cfg.meta.vendor = Some(v);
    }
    if let Some(v) = t.string("auto-req")? {
        if matches!(v.as_str(), "no" | "disabled") {
            cfg.auto_depends = false;
        }
    }

    let mut over = FormatOverride::default();
    for (key, slot) in [
        ("requires", &mut over.relations.depends),
        ("conflicts", &mut over.relations.conflicts),
        ("provides", &mut over.relations.provides),
        ("obsoletes", &mut over.relations.replaces),
        ("recommends", &mut over.relations.recommends),
        ("suggests", &mut over.relations.suggests),
    ] {
        if let Some(list) = relation_table(&mut t, key)? {
            *slot = Some(list);
        }
    }
    cfg.overrides.insert(Format::Rpm, over);

    if let Some(list) = t.tables("assets")? {
        for mut a in list {
            let source = a.required_string("source", "\"target/release/foo\"")?;
            let dest = a.required_string("dest", "\"/usr/bin/foo\"")?;
            let mode = match a.get("mode") {
                Some(toml::Value::String(m)) => Some(
                    u32::from_str_radix(m.trim(), 8).map_err(|_| {
                        a.error(
                            "mode",
                            format!("`{m}` is not an octal mode such as \"755\""),
                        )
                    })? & 0o7777,
                ),
                Some(toml::Value::Integer(i)) => Some(
                    u32::from_str_radix(&i.to_string(), 8)
                        .map_err(|_| a.error("mode", format!("`{i}` is not an octal mode")))?
                        & 0o7777,
                ),
                Some(v) => {
                    return Err(a.error(
                        "mode",
                        format!(
                            "expected a string such as \"755\", found a {}",
                            type_name(v)
                        ),
                    ))
                }
                None => None,
            };
            let config = match a.get("config") {
                Some(toml::Value::Boolean(b)) => *b,
                Some(toml::Value::String(_)) => true, // "noreplace"
                Some(v) => {
                    return Err(a.error(
                        "config",
                        format!("expected true or \"noreplace\", found a {}", type_name(v)),
                    ))
                }
                None => false,
            };
            let doc = a.boolean("doc")?.unwrap_or(false);
            for k in a.unused() {
                cfg.warnings.push(format!(
                    "`{k}` (cargo-generate-rpm) is not used by syspack; ignored"
                ));
            }
            if have_deb_assets {
                continue;
            }
            cfg.assets.push(AssetSpec {
                source,
                dest,
                mode,
                kind: if config {
                    AssetKind::Config
                } else if doc {
                    AssetKind::Doc
                } else {
                    AssetKind::Plain
                },
                key: a.path.clone(),
                symlink: None,
            });
        }
    }
    for (key, slot) in [
        ("pre_install_script", &mut cfg.scripts.pre_install),
        ("post_install_script", &mut cfg.scripts.post_install),
        ("pre_uninstall_script", &mut cfg.scripts.pre_remove),
        ("post_uninstall_script", &mut cfg.scripts.post_remove),
    ] {
        let value = match t.get(key) {
            None => continue,
            Some(toml::Value::String(s)) => s.clone(),
            Some(toml::Value::Table(tt)) => match tt.get("file").and_then(|f| f.as_str()) {
                Some(f) => f.to_string(),
                None => {
                    return Err(t.error(key, "expected a script, a path, or `{ file = \"path\" }`"))
                }
            },
            Some(v) => {
                return Err(t.error(key, format!("expected a string, found a {}", type_name(v))))
            }
        };
        if slot.is_some() {
            continue; // cargo-deb's maintainer script wins
        }
        let path = resolve(&cfg.base_dir, &value);
        *slot = Some(if !value.contains('\n') && path.is_file() {
            ScriptSource::File(path)
        } else {
            ScriptSource::Inline(value)
        });
    }
    for k in t.unused() {
        cfg.warnings.push(format!(
            "`{k}` (cargo-generate-rpm) is not used by syspack; ignored"
        ));
    }
    Ok(())
}

/// `requires = { foo = "*", bar = ">= 1.2" }`.
fn relation_table(t: &mut Table<'_>, key: &str) -> Result<Option<Vec<Relation>>, ConfigError> {
    let Some(mut tt) = t.table(key)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    let names: Vec<String> = tt.map.keys().cloned().collect();
    for name in names {
        let spec = tt.string(&name)?.unwrap_or_default();
        let spec = spec.trim();
        let text = if spec.is_empty() || spec == "*" {
            name.clone()
        } else {
            format!("{name} {spec}")
        };
        out.push(text.parse::<Relation>().map_err(|e| {
            tt.error(
                &name,
                format!("is not a version requirement syspack can read: {e}"),
            )
        })?);
    }
    Ok(Some(out))
}
