//! syspack's own schema: `[package.metadata.syspack]` in `Cargo.toml`, or `[package]` in a
//! standalone `syspack.toml`.
//!
//! ```toml
//! [package.metadata.syspack]
//! summary = "one line"                 # default: package.description
//! maintainer = "Name <mail@example.org>"   # default: the first of package.authors
//! assets = [
//!   { source = "target/release/foo", dest = "/usr/bin/", mode = "0755" },
//!   { source = "doc/*.md", dest = "/usr/share/doc/foo/", doc = true },
//!   { source = "foo.conf", dest = "/etc/foo.conf", config = true },
//!   { symlink = "foo", dest = "/usr/bin/cargo-foo" },
//! ]
//! conffiles = ["/etc/foo.conf"]
//! scripts = { post_install = "pkg/postinst.sh" }
//! systemd-units = [{ unit = "pkg/foo.service", enable = true, start = false }]
//! depends = ["ca-certificates"]
//! targets = ["debian-12", "fedora-43"]
//!
//! [package.metadata.syspack.rpm]
//! depends = ["ca-certificates >= 2023"]   # replaces the generic list for RPM targets
//!
//! [package.metadata.syspack.freebsd]
//! prefix = "/usr/local"
//! ```

use std::path::{Path, PathBuf};

use syspack_distro::Format;

use super::walk::{read_toml, resolve, Table};
use super::{
    parse_mode, AssetKind, AssetSpec, Config, ConfigError, FormatOverride, Origin, RelationSpecs,
    ScriptFiles, ScriptSource, UnitSpec, RELATION_KEYS,
};

/// Keys of the syspack table (both forms).
const KEYS: &[&str] = &[
    "name",
    "summary",
    "description",
    "maintainer",
    "license",
    "homepage",
    "vendor",
    "section",
    "priority",
    "release",
    "epoch",
    "architecture",
    "assets",
    "conffiles",
    "scripts",
    "systemd-units",
    "depends",
    "recommends",
    "suggests",
    "conflicts",
    "provides",
    "replaces",
    "auto-depends",
    "targets",
    "strip",
    "separate-debug-symbols",
    "changelog",
    "deb",
    "rpm",
    "arch",
    "freebsd",
];

/// Extra keys of a standalone `syspack.toml`'s `[package]`.
const STANDALONE_KEYS: &[&str] = &["version"];

const SCRIPT_KEYS: &[&str] = &["pre_install", "post_install", "pre_remove", "post_remove"];

/// Loads a standalone `syspack.toml` (a non-cargo project: no build, sources relative to the file).
///
/// # Errors
///
/// [`ConfigError`] naming the file and key.
pub fn load_standalone(path: &Path) -> Result<Config, ConfigError> {
    let doc = read_toml(path)?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    let mut root = Table::new(path, "", &doc);
    let Some(mut pkg) = root.table("package")? else {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            key: "package".into(),
            problem: "is missing; a syspack.toml starts with `[package]` and `name = \"…\"`, `version = \"…\"`".into(),
        });
    };
    root.finish(&["package"])?;
    let mut cfg = Config::empty(path, Origin::Standalone, &base);
    cfg.meta.name = pkg.required_string("name", "\"hello\"")?;
    cfg.meta.version = pkg.required_string("version", "\"1.0.0\"")?;
    read_table(&mut cfg, pkg, true)?;
    if cfg.assets.is_empty() {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            key: "package.assets".into(),
            problem: "is missing or empty; list what to install, e.g. \
                      `assets = [{ source = \"stage/usr/bin/hello\", dest = \"/usr/bin/\" }]`"
                .into(),
        });
    }
    cfg.fill_defaults()?;
    Ok(cfg)
}

/// Reads the syspack keys of `t` into `cfg` (metadata defaults already set from `[package]`).
pub(crate) fn read_table(
    cfg: &mut Config,
    mut t: Table<'_>,
    standalone: bool,
) -> Result<(), ConfigError> {
    if !standalone && t.has("version") {
        return Err(t.error(
            "version",
            "cannot be set here: the version is `package.version`; to add a packaging revision use `release = \"2\"`",
        ));
    }
    if let Some(v) = t.string("name")? {
        cfg.meta.name = v;
    }
    if let Some(v) = t.string("summary")? {
        cfg.meta.summary = v;
    }
    if let Some(v) = t.string("description")? {
        cfg.meta.description = v;
    }
    if let Some(v) = t.string("maintainer")? {
        cfg.meta.maintainer = v;
    }
    if let Some(v) = t.string("license")? {
        cfg.meta.license = v;
    }
    if let Some(v) = t.string("homepage")? {
        cfg.meta.homepage = Some(v);
    }
    cfg.meta.vendor = t.string("vendor")?.or(cfg.meta.vendor.take());
    cfg.meta.section = t.string("section")?.or(cfg.meta.section.take());
    cfg.meta.priority = t.string("priority")?.or(cfg.meta.priority.take());
    cfg.meta.release = t.string_or_int("release")?.or(cfg.meta.release.take());
    if let Some(e) = t.integer("epoch")? {
        cfg.meta.epoch = Some(u32::try_from(e).map_err(|_| {
            t.error(
                "epoch",
                "must be a small non-negative integer, e.g. `epoch = 1`",
            )
        })?);
    }
    cfg.meta.arch = t.string("architecture")?.or(cfg.meta.arch.take());
    if cfg.meta.description.is_empty() {
        cfg.meta.description = cfg.meta.summary.clone();
    }

    if let Some(list) = t.tables("assets")? {
        for a in list {
            cfg.assets.push(read_asset(a)?);
        }
    }
    if let Some(list) = t.strings("conffiles")? {
        cfg.conffiles.extend(list);
    }
    if let Some(mut s) = t.table("scripts")? {
        cfg.scripts = read_scripts(&mut s, &cfg.base_dir)?;
        s.finish(SCRIPT_KEYS)?;
    }
    if let Some(list) = t.tables("systemd-units")? {
        for mut u in list {
            let unit = u.required_string("unit", "\"pkg/foo.service\"")?;
            let enable = u.boolean("enable")?.unwrap_or(true);
            let start = u.boolean("start")?.unwrap_or(false);
            u.finish(&["unit", "enable", "start"])?;
            cfg.systemd_units.push(UnitSpec {
                unit: resolve(&cfg.base_dir, &unit),
                enable,
                start,
            });
        }
    }
    cfg.relations = RelationSpecs::read(&mut t)?;
    if let Some(b) = t.boolean("auto-depends")? {
        cfg.auto_depends = b;
    }
    if let Some(list) = t.strings("targets")? {
        cfg.targets = list;
    }
    read_debug_keys(cfg, &mut t)?;
    for format in Format::ALL {
        if let Some(mut f) = t.table(format.name())? {
            let over = FormatOverride {
                relations: RelationSpecs::read(&mut f)?,
                compression: f.string("compression")?,
                section: f.string("section")?,
            };
            let mut allowed: Vec<&str> = RELATION_KEYS.to_vec();
            allowed.extend(["compression", "section"]);
            if format == Format::FreeBsd {
                if let Some(p) = f.string("prefix")? {
                    if !p.starts_with('/') || p.split('/').any(|c| c == "..") {
                        return Err(f.error(
                            "prefix",
                            "must be an absolute path without `..`, e.g. \"/usr/local\"",
                        ));
                    }
                    cfg.freebsd_prefix = p.trim_end_matches('/').to_string();
                    if cfg.freebsd_prefix.is_empty() {
                        cfg.freebsd_prefix = "/".into();
                    }
                }
                allowed.push("prefix");
            }
            f.finish(&allowed)?;
            cfg.overrides.insert(format, over);
        }
    }
    let mut keys: Vec<&str> = KEYS.to_vec();
    if standalone {
        keys.extend(STANDALONE_KEYS);
    }
    t.finish(&keys)
}

/// `strip`, `separate-debug-symbols` and `changelog`: the same keys in syspack's table and in
/// cargo-deb's.
pub(crate) fn read_debug_keys(cfg: &mut Config, t: &mut Table<'_>) -> Result<(), ConfigError> {
    if let Some(b) = t.boolean("strip")? {
        cfg.strip = Some(b);
    }
    if let Some(b) = t.boolean("separate-debug-symbols")? {
        cfg.separate_debug_symbols = b;
    }
    if let Some(p) = t.string("changelog")? {
        cfg.changelog = Some(resolve(&cfg.base_dir, &p));
    }
    if cfg.separate_debug_symbols && cfg.strip == Some(false) {
        return Err(t.error(
            "separate-debug-symbols",
            "needs stripping, but `strip = false` keeps the symbols in the binaries; drop one of them",
        ));
    }
    Ok(())
}

fn read_asset(mut a: Table<'_>) -> Result<AssetSpec, ConfigError> {
    let symlink = a.string("symlink")?;
    if let Some(link) = &symlink {
        if a.has("source") {
            return Err(a.error(
                "symlink",
                "and `source` cannot both be set; an asset is a file or a symlink",
            ));
        }
        if link.is_empty() {
            return Err(a.error(
                "symlink",
                "is empty; give the link target, e.g. `symlink = \"syspack\"`",
            ));
        }
    }
    let source = match &symlink {
        Some(_) => String::new(),
        None => a.required_string("source", "\"target/release/foo\"")?,
    };
    let dest = a.required_string("dest", "\"/usr/bin/\"")?;
    if symlink.is_some() && dest.ends_with('/') {
        return Err(a.error(
            "dest",
            "of a symlink must name the link itself, e.g. `/usr/bin/cargo-foo`",
        ));
    }
    let mode = match a.get("mode") {
        Some(v) => Some(parse_mode(&a, "mode", v)?),
        None => None,
    };
    let doc = a.boolean("doc")?.unwrap_or(false);
    let config = a.boolean("config")?.unwrap_or(false);
    if doc && config {
        return Err(a.error(
            "config",
            "and `doc` cannot both be true; an asset is documentation or configuration",
        ));
    }
    let key = a.path.clone();
    a.finish(&["source", "dest", "mode", "doc", "config", "symlink"])?;
    Ok(AssetSpec {
        source,
        dest,
        mode,
        kind: if doc {
            AssetKind::Doc
        } else if config {
            AssetKind::Config
        } else {
            AssetKind::Plain
        },
        key,
        symlink,
    })
}

fn read_scripts(s: &mut Table<'_>, base: &Path) -> Result<ScriptFiles, ConfigError> {
    let mut out = ScriptFiles::default();
    for key in SCRIPT_KEYS {
        if let Some(p) = s.string(key)? {
            let src = Some(ScriptSource::File(resolve(base, &p)));
            match *key {
                "pre_install" => out.pre_install = src,
                "post_install" => out.post_install = src,
                "pre_remove" => out.pre_remove = src,
                _ => out.post_remove = src,
            }
        }
    }
    Ok(out)
}
