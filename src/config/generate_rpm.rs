//! cargo-generate-rpm's `[package.metadata.generate-rpm]`, read as a fallback.
//!
//! `RpmTable` has one field per key of cargo-generate-rpm's documented metadata; the README's
//! table says what syspack does with each. Relation tables (`name = "*"` or `name = ">= 1.2"`)
//! apply to RPM targets only. When cargo-deb's table is present too, each tool's table makes its
//! own package, as the two tools do: these assets and scripts are the RPM's
//! ([`super::FormatOverride`]), cargo-deb's the others'.

use std::collections::BTreeMap;

use serde::Deserialize;
use syspack_distro::{Format, Relation};

use super::walk::{join_key, Mode, StringOrInt};
use super::{AssetKind, AssetSpec, Config, ConfigError, FormatOverride, ScriptFiles, ScriptSource};

/// `[package.metadata.generate-rpm]`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct RpmTable {
    pub name: Option<String>,
    pub version: Option<String>,
    pub license: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub vendor: Option<String>,
    pub release: Option<StringOrInt>,
    pub epoch: Option<u32>,
    pub assets: Option<Vec<RpmAsset>>,
    #[serde(rename = "pre_install_script")]
    pub pre_install_script: Option<Script>,
    #[serde(rename = "post_install_script")]
    pub post_install_script: Option<Script>,
    #[serde(rename = "pre_uninstall_script")]
    pub pre_uninstall_script: Option<Script>,
    #[serde(rename = "post_uninstall_script")]
    pub post_uninstall_script: Option<Script>,
    pub requires: Option<BTreeMap<String, String>>,
    pub obsoletes: Option<BTreeMap<String, String>>,
    pub conflicts: Option<BTreeMap<String, String>>,
    pub provides: Option<BTreeMap<String, String>>,
    pub recommends: Option<BTreeMap<String, String>>,
    pub suggests: Option<BTreeMap<String, String>>,
    pub auto_req: Option<String>,
    pub require_sh: Option<bool>,
    /// Alternative tables, applied with `--variant` before this table is read
    /// ([`super::variant`]); the base table is used without it.
    #[allow(dead_code)]
    pub variants: Option<toml::Value>,
}

/// One asset: `{ source, dest, mode, config, doc, user, group, caps }`.
#[derive(Debug, Deserialize)]
pub(crate) struct RpmAsset {
    source: String,
    dest: String,
    mode: Option<Mode>,
    #[serde(default)]
    config: ConfigFlag,
    #[serde(default)]
    doc: bool,
}

/// `config = true` or `config = "noreplace"` (and the other `%config(…)` words).
#[derive(Debug, Default)]
struct ConfigFlag(bool);

impl<'de> Deserialize<'de> for ConfigFlag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(d)? {
            toml::Value::Boolean(b) => Ok(ConfigFlag(b)),
            toml::Value::String(_) => Ok(ConfigFlag(true)),
            v => Err(D::Error::custom(format!(
                "expected true or \"noreplace\", found a {}",
                super::type_name(&v)
            ))),
        }
    }
}

/// A scriptlet: the text, a path to a file, or `{ file = "path" }`.
#[derive(Debug)]
pub(crate) struct Script(String);

impl<'de> Deserialize<'de> for Script {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(d)? {
            toml::Value::String(s) => Ok(Script(s)),
            toml::Value::Table(t) => match t.get("file").and_then(|f| f.as_str()) {
                Some(f) if t.len() == 1 => Ok(Script(f.to_string())),
                _ => Err(D::Error::custom(
                    "expected a script, a path, or `{ file = \"path\" }`",
                )),
            },
            v => Err(D::Error::custom(format!(
                "expected a string, found a {}",
                super::type_name(&v)
            ))),
        }
    }
}

/// `beside_deb`: cargo-deb's table is there too, so these assets and scripts are the RPM's own.
pub(crate) fn apply(
    cfg: &mut Config,
    t: RpmTable,
    prefix: &str,
    beside_deb: bool,
) -> Result<(), ConfigError> {
    let key = |k: &str| join_key(prefix, k);
    // Beside cargo-deb's table these name, number and describe the RPM only; its name and
    // release default to cargo-generate-rpm's (the crate's name, release 1), not cargo-deb's.
    let crate_name = cfg.cargo.as_ref().map(|c| c.crate_name.clone());
    let mut own = super::MetaOverride {
        name: t.name.or(crate_name.filter(|_| beside_deb)),
        release: t
            .release
            .map(|StringOrInt(v)| v)
            .or_else(|| beside_deb.then(|| "1".to_string())),
        epoch: t.epoch,
        summary: t.summary,
        description: t.description,
        license: t.license,
        homepage: t.url,
        vendor: t.vendor,
    };
    // Alone, they are everyone's.
    if !beside_deb {
        std::mem::take(&mut own).apply(&mut cfg.meta);
    }
    if let Some(v) = t.version {
        cfg.warnings.push(format!(
            "`{}` (cargo-generate-rpm) is not used by syspack: every format gets `package.version`; ignored (`{v}`)",
            key("version")
        ));
    }

    if let Some(b) = t.require_sh {
        cfg.warnings.push(format!(
            "`{}` (cargo-generate-rpm) is not used by syspack: the RPM writer decides /bin/sh requirements from the scriptlets; ignored (`{b}`)",
            key("require-sh")
        ));
    }

    let mut over = FormatOverride::default();
    for (k, v, slot) in [
        ("requires", t.requires, &mut over.relations.depends),
        ("conflicts", t.conflicts, &mut over.relations.conflicts),
        ("provides", t.provides, &mut over.relations.provides),
        ("obsoletes", t.obsoletes, &mut over.relations.replaces),
        ("recommends", t.recommends, &mut over.relations.recommends),
        ("suggests", t.suggests, &mut over.relations.suggests),
    ] {
        if let Some(table) = v {
            *slot = Some(relation_table(cfg, &key(k), table)?);
        }
    }
    over.meta = own;
    if let Some(v) = t.auto_req {
        // cargo-generate-rpm's auto-req: "no"/"disabled" off, anything else ("auto", "builtin",
        // a script) on — for the RPM only.
        over.auto_depends = Some(!matches!(v.as_str(), "no" | "disabled"));
    }
    cfg.overrides.insert(Format::Rpm, over);

    let mut rpm_assets = Vec::new();
    for (i, a) in t.assets.unwrap_or_default().into_iter().enumerate() {
        rpm_assets.push(AssetSpec {
            source: a.source,
            dest: a.dest,
            mode: a.mode.map(|m| m.0),
            kind: if a.config.0 {
                AssetKind::Config
            } else if a.doc {
                AssetKind::Doc
            } else {
                AssetKind::Plain
            },
            key: format!("{}[{i}]", key("assets")),
            symlink: None,
        });
    }
    // With cargo-deb's assets present, these are the RPM's own (as each tool packages its own
    // table); alone, they are everyone's.
    let mut rpm_scripts = ScriptFiles::default();
    if beside_deb {
        if !rpm_assets.is_empty() {
            over_of(cfg).assets = Some(rpm_assets);
        }
    } else {
        cfg.assets.extend(rpm_assets);
    }
    for (k, v) in [
        ("pre_install_script", t.pre_install_script),
        ("post_install_script", t.post_install_script),
        ("pre_uninstall_script", t.pre_uninstall_script),
        ("post_uninstall_script", t.post_uninstall_script),
    ] {
        let Some(Script(value)) = v else { continue };
        // As cargo-generate-rpm: a value naming an existing file is that file, else the text.
        let path = super::walk::resolve(&cfg.base_dir, &value);
        let src = if !value.contains('\n') && path.is_file() {
            super::syspack::inside(cfg, &value, &path, &key(k))?;
            ScriptSource::File(path)
        } else {
            ScriptSource::Inline(value)
        };
        let slot = match k {
            "pre_install_script" => &mut rpm_scripts.pre_install,
            "post_install_script" => &mut rpm_scripts.post_install,
            "pre_uninstall_script" => &mut rpm_scripts.pre_remove,
            _ => &mut rpm_scripts.post_remove,
        };
        *slot = Some(src);
    }
    // Beside cargo-deb's maintainer scripts, the RPM runs only its own (none if the table has
    // none), as cargo-generate-rpm's package does.
    if beside_deb {
        over_of(cfg).scripts = Some(rpm_scripts);
    } else {
        cfg.scripts = rpm_scripts;
    }
    Ok(())
}

fn over_of(cfg: &mut Config) -> &mut FormatOverride {
    cfg.overrides.entry(Format::Rpm).or_default()
}

/// `requires = { foo = "*", bar = ">= 1.2" }`.
fn relation_table(
    cfg: &Config,
    key: &str,
    table: BTreeMap<String, String>,
) -> Result<Vec<Relation>, ConfigError> {
    let mut out = Vec::new();
    for (name, spec) in table {
        let spec = spec.trim();
        let text = if spec.is_empty() || spec == "*" {
            name.clone()
        } else {
            format!("{name} {spec}")
        };
        out.push(text.parse::<Relation>().map_err(|e| ConfigError::Invalid {
            file: cfg.file.clone(),
            key: join_key(key, &name),
            problem: format!("is not a version requirement syspack can read: {e}"),
        })?);
    }
    Ok(out)
}
