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
//! glibc = "2.17"                        # build with zig for glibc 2.17 and newer (--glibc)
//!
//! [package.metadata.syspack.rpm]
//! depends = ["ca-certificates >= 2023"]   # replaces the generic list for RPM targets
//!
//! [package.metadata.syspack.freebsd]
//! prefix = "/usr/local"
//!
//! [package.metadata.syspack.publish]
//! channels = ["nightly", "testing", "stable"]   # default ["testing", "stable"]
//! min-soak = "7d"                               # default 14d
//! storage = "s3://example-bucket/repo"          # for `syspack ci github --release`
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use syspack_distro::Format;

use super::walk::{check_inside, join_key, read_toml, strict, Mode, StringOrInt};
use super::{
    AssetKind, AssetSpec, Config, ConfigError, FormatOverride, Origin, PublishSpec, Rel,
    RelationSpecs, ScriptFiles, ScriptSource, UnitSpec,
};

/// `[package.metadata.syspack]`, or `[package]` of a standalone `syspack.toml`. Its fields are the
/// only list of its keys: adding a key is adding a field here (and reading it in [`apply`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SyspackTable {
    /// Package name (default: `package.name`).
    pub name: Option<String>,
    /// Only in a standalone `syspack.toml` (a cargo package's version is `package.version`).
    pub version: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub maintainer: Option<String>,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub vendor: Option<String>,
    pub section: Option<String>,
    pub priority: Option<String>,
    pub release: Option<StringOrInt>,
    pub epoch: Option<StringOrInt>,
    pub architecture: Option<String>,
    #[serde(default)]
    pub assets: Vec<Asset>,
    #[serde(default)]
    pub conffiles: Vec<String>,
    pub scripts: Option<Scripts>,
    #[serde(default)]
    pub systemd_units: Vec<Unit>,
    pub depends: Option<Vec<Rel>>,
    pub recommends: Option<Vec<Rel>>,
    pub suggests: Option<Vec<Rel>>,
    pub conflicts: Option<Vec<Rel>>,
    pub provides: Option<Vec<Rel>>,
    pub replaces: Option<Vec<Rel>>,
    pub auto_depends: Option<bool>,
    pub targets: Option<Vec<String>>,
    /// See [`Config::glibc`].
    pub glibc: Option<String>,
    /// See [`Config::strip`].
    pub strip: Option<bool>,
    /// See [`Config::separate_debug_symbols`].
    pub separate_debug_symbols: Option<bool>,
    /// See [`Config::changelog`].
    pub changelog: Option<String>,
    /// See [`Config::preserve_symlinks`].
    pub preserve_symlinks: Option<bool>,
    /// See [`Config::allow_external_sources`].
    pub allow_external_sources: Option<bool>,
    pub deb: Option<FormatTable>,
    pub rpm: Option<FormatTable>,
    pub arch: Option<FormatTable>,
    pub freebsd: Option<FormatTable>,
    /// See [`Config::publish`]. Not `release`: that key is the packaging revision.
    pub publish: Option<PublishTable>,
}

/// `[package.metadata.syspack.publish]`: release channels and where the release workflow keeps
/// the repositories.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct PublishTable {
    pub channels: Option<Vec<String>>,
    pub min_soak: Option<String>,
    pub storage: Option<String>,
}

/// One `assets` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Asset {
    pub source: Option<String>,
    pub dest: Option<String>,
    pub mode: Option<Mode>,
    #[serde(default)]
    pub doc: bool,
    #[serde(default)]
    pub config: bool,
    pub symlink: Option<String>,
}

/// `scripts = { post_install = "…" }` (snake_case, as cargo-generate-rpm spells them).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scripts {
    pub pre_install: Option<String>,
    pub post_install: Option<String>,
    pub pre_remove: Option<String>,
    pub post_remove: Option<String>,
}

/// One `systemd-units` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Unit {
    pub unit: String,
    #[serde(default = "yes")]
    pub enable: bool,
    #[serde(default)]
    pub start: bool,
}

fn yes() -> bool {
    true
}

/// `[package.metadata.syspack.<format>]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct FormatTable {
    pub depends: Option<Vec<Rel>>,
    pub recommends: Option<Vec<Rel>>,
    pub suggests: Option<Vec<Rel>>,
    pub conflicts: Option<Vec<Rel>>,
    pub provides: Option<Vec<Rel>>,
    pub replaces: Option<Vec<Rel>>,
    pub compression: Option<String>,
    pub section: Option<String>,
    /// FreeBSD only: the install prefix.
    pub prefix: Option<String>,
}

/// The whole standalone file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandaloneFile {
    package: Option<SyspackTable>,
}

fn rels(v: Option<Vec<Rel>>) -> Option<Vec<syspack_distro::Relation>> {
    v.map(|l| l.into_iter().map(|r| r.0).collect())
}

/// Loads a standalone `syspack.toml` (a non-cargo project: no build, sources relative to the file).
///
/// # Errors
///
/// [`ConfigError`] naming the file and key.
pub fn load_standalone(path: &Path) -> Result<Config, ConfigError> {
    let doc = toml::Value::Table(read_toml(path)?);
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    let file: StandaloneFile = strict(path, "", &doc)?;
    let Some(mut pkg) = file.package else {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            key: "package".into(),
            problem: "is missing; a syspack.toml starts with `[package]` and `name = \"…\"`, `version = \"…\"`".into(),
        });
    };
    let mut cfg = Config::empty(path, Origin::Standalone, &base, None);
    let need = |v: Option<String>, key: &str, example: &str| {
        v.ok_or_else(|| ConfigError::Invalid {
            file: path.to_path_buf(),
            key: format!("package.{key}"),
            problem: format!("is missing; add it, e.g. `{key} = {example}`"),
        })
    };
    cfg.meta.name = need(pkg.name.take(), "name", "\"hello\"")?;
    cfg.meta.version = need(pkg.version.take(), "version", "\"1.0.0\"")?;
    apply(&mut cfg, pkg, "package")?;
    if cfg.assets.is_empty() {
        return Err(ConfigError::Invalid {
            file: path.to_path_buf(),
            key: "package.assets".into(),
            problem: "is missing or empty; list what to install, e.g. \
                      `assets = [{ source = \"stage/usr/bin/hello\", dest = \"/usr/bin/\" }]`"
                .into(),
        });
    }
    let readme = super::default_readme(&cfg.base_dir);
    cfg.describe_from_readme(readme.as_deref());
    cfg.fill_defaults()?;
    Ok(cfg)
}

/// Applies a syspack table to `cfg` (metadata defaults already set from `[package]`); `prefix`
/// is the table's dotted path, for messages.
pub(crate) fn apply(cfg: &mut Config, t: SyspackTable, prefix: &str) -> Result<(), ConfigError> {
    let file = cfg.file.clone();
    let err = |key: &str, problem: &str| ConfigError::Invalid {
        file: file.clone(),
        key: join_key(prefix, key),
        problem: problem.to_string(),
    };
    if t.version.is_some() && cfg.origin != Origin::Standalone {
        return Err(err(
            "version",
            "cannot be set here: the version is `package.version`; to add a packaging revision use `release = \"2\"`",
        ));
    }
    let m = &mut cfg.meta;
    if let Some(v) = t.name {
        m.name = v;
    }
    if let Some(v) = t.summary {
        m.summary = v;
    }
    if let Some(v) = t.description {
        m.description = v;
    }
    if let Some(v) = t.maintainer {
        m.maintainer = v;
    }
    if let Some(v) = t.license {
        m.license = v;
    }
    if let Some(v) = t.homepage {
        m.homepage = Some(v);
    }
    m.vendor = t.vendor.or(m.vendor.take());
    m.section = t.section.or(m.section.take());
    m.priority = t.priority.or(m.priority.take());
    m.release = t.release.map(|r| r.0).or(m.release.take());
    if let Some(StringOrInt(e)) = t.epoch {
        m.epoch = Some(e.trim().parse::<u32>().map_err(|_| {
            err(
                "epoch",
                "must be a small non-negative integer, e.g. `epoch = 1`",
            )
        })?);
    }
    m.arch = t.architecture.or(m.arch.take());
    if m.description.is_empty() {
        m.description = m.summary.clone();
    }
    if let Some(b) = t.allow_external_sources {
        cfg.allow_external_sources = b;
    }
    cfg.strip = t.strip.or(cfg.strip);
    if let Some(b) = t.separate_debug_symbols {
        cfg.separate_debug_symbols = b;
    }
    if let Some(b) = t.preserve_symlinks {
        cfg.preserve_symlinks = b;
    }
    if let Some(c) = t.changelog {
        let p = cfg.project_file(&c, &join_key(prefix, "changelog"))?;
        cfg.changelog = Some(p);
    }

    for (i, a) in t.assets.into_iter().enumerate() {
        let key = format!("{}[{i}]", join_key(prefix, "assets"));
        cfg.assets.push(asset(&file, key, a)?);
    }
    cfg.conffiles.extend(t.conffiles);
    if let Some(s) = t.scripts {
        let key = join_key(prefix, "scripts");
        let one = |v: Option<String>, k: &str| -> Result<Option<ScriptSource>, ConfigError> {
            v.map(|p| {
                cfg.project_file(&p, &join_key(&key, k))
                    .map(ScriptSource::File)
            })
            .transpose()
        };
        let scripts = ScriptFiles {
            pre_install: one(s.pre_install, "pre_install")?,
            post_install: one(s.post_install, "post_install")?,
            pre_remove: one(s.pre_remove, "pre_remove")?,
            post_remove: one(s.post_remove, "post_remove")?,
            // Portable bodies, wrapped per format.
            native: false,
        };
        cfg.scripts = scripts;
    }
    for (i, u) in t.systemd_units.into_iter().enumerate() {
        let key = format!("{}[{i}].unit", join_key(prefix, "systemd-units"));
        let unit = cfg.project_file(&u.unit, &key)?;
        cfg.systemd_units.push(UnitSpec {
            unit,
            enable: u.enable,
            start: u.start,
        });
    }
    cfg.relations = RelationSpecs {
        depends: rels(t.depends),
        recommends: rels(t.recommends),
        suggests: rels(t.suggests),
        conflicts: rels(t.conflicts),
        provides: rels(t.provides),
        replaces: rels(t.replaces),
    };
    if let Some(b) = t.auto_depends {
        cfg.auto_depends = b;
    }
    if let Some(list) = t.targets {
        cfg.targets = list;
    }
    if let Some(g) = t.glibc {
        let floor =
            g.parse::<crate::toolchain::GlibcFloor>()
                .map_err(|e| ConfigError::Invalid {
                    file: file.clone(),
                    key: join_key(prefix, "glibc"),
                    problem: e.to_string(),
                })?;
        cfg.glibc = Some(floor);
    }
    if let Some(p) = t.publish {
        cfg.publish = publish(&file, &join_key(prefix, "publish"), p)?;
    }
    for (format, table) in [
        (Format::Deb, t.deb),
        (Format::Rpm, t.rpm),
        (Format::Arch, t.arch),
        (Format::FreeBsd, t.freebsd),
    ] {
        let Some(f) = table else { continue };
        let fkey = join_key(prefix, format.name());
        if let Some(p) = f.prefix {
            if format != Format::FreeBsd {
                return Err(ConfigError::Invalid {
                    file: file.clone(),
                    key: join_key(&fkey, "prefix"),
                    problem: "only applies to FreeBSD packages; move it to the `freebsd` table"
                        .into(),
                });
            }
            if !p.starts_with('/') || p.split('/').any(|c| c == "..") {
                return Err(ConfigError::Invalid {
                    file: file.clone(),
                    key: join_key(&fkey, "prefix"),
                    problem: "must be an absolute path without `..`, e.g. \"/usr/local\"".into(),
                });
            }
            cfg.freebsd_prefix = p.trim_end_matches('/').to_string();
            if cfg.freebsd_prefix.is_empty() {
                cfg.freebsd_prefix = "/".into();
            }
        }
        cfg.overrides.insert(
            format,
            FormatOverride {
                relations: RelationSpecs {
                    depends: rels(f.depends),
                    recommends: rels(f.recommends),
                    suggests: rels(f.suggests),
                    conflicts: rels(f.conflicts),
                    provides: rels(f.provides),
                    replaces: rels(f.replaces),
                },
                compression: f.compression,
                section: f.section,
                ..Default::default()
            },
        );
    }
    Ok(())
}

/// Checks a `publish` table: at least two distinct, valid channel names (the order is the
/// promotion order), a duration, an `s3://bucket[/prefix]` location.
fn publish(file: &Path, key: &str, t: PublishTable) -> Result<PublishSpec, ConfigError> {
    let err = |k: &str, problem: String| ConfigError::Invalid {
        file: file.to_path_buf(),
        key: join_key(key, k),
        problem,
    };
    let mut spec = PublishSpec::default();
    if let Some(channels) = t.channels {
        if channels.len() < 2 {
            return Err(err(
                "channels",
                "needs at least two channels, in promotion order, e.g. `[\"testing\", \"stable\"]`"
                    .into(),
            ));
        }
        for (i, c) in channels.iter().enumerate() {
            if syspack_repo::release::check_channel(c).is_err() {
                return Err(err(
                    &format!("channels[{i}]"),
                    format!(
                        "`{}` is not a channel name: it names an apt suite and a directory, so \
                         letters, digits and `. + - _ ~` only, not starting with `.`",
                        syspack_distro::text::escape_line(c)
                    ),
                ));
            }
            if channels[..i].contains(c) {
                return Err(err(
                    &format!("channels[{i}]"),
                    format!("repeats `{c}`; each channel appears once, in promotion order"),
                ));
            }
        }
        spec.channels = channels;
    }
    if let Some(s) = t.min_soak {
        spec.min_soak = syspack_repo::release::parse_duration(&s).map_err(|_| {
            err(
                "min-soak",
                format!("`{s}` is not a duration: write a number and a unit, e.g. \"14d\", \"36h\", \"90m\", \"3600s\""),
            )
        })?;
        spec.min_soak_text = s.trim().to_string();
    }
    if let Some(s) = t.storage {
        let rest = s.strip_prefix("s3://").unwrap_or("");
        let bucket = rest.split('/').next().unwrap_or("");
        let ok = !bucket.is_empty()
            && rest.len() <= 1024
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
            && !rest.split('/').any(|c| c == "." || c == "..");
        if !ok {
            return Err(err(
                "storage",
                format!(
                    "`{}` is not an object storage location: write `s3://BUCKET` or \
                     `s3://BUCKET/PREFIX` (letters, digits, `.`, `_`, `-`, `/`)",
                    syspack_distro::text::escape_line(&s)
                ),
            ));
        }
        spec.storage = Some(s.trim_end_matches('/').to_string());
    }
    Ok(spec)
}

fn asset(file: &Path, key: String, a: Asset) -> Result<AssetSpec, ConfigError> {
    let err = |k: &str, problem: &str| ConfigError::Invalid {
        file: file.to_path_buf(),
        key: format!("{key}.{k}"),
        problem: problem.to_string(),
    };
    if let Some(link) = &a.symlink {
        if a.source.is_some() {
            return Err(err(
                "symlink",
                "and `source` cannot both be set; an asset is a file or a symlink",
            ));
        }
        if link.is_empty() {
            return Err(err(
                "symlink",
                "is empty; give the link target, e.g. `symlink = \"syspack\"`",
            ));
        }
    }
    let source = match (&a.symlink, a.source) {
        (Some(_), _) => String::new(),
        (None, Some(s)) => s,
        (None, None) => {
            return Err(err(
                "source",
                "is missing; add it, e.g. `source = \"target/release/foo\"`",
            ))
        }
    };
    let Some(dest) = a.dest else {
        return Err(err(
            "dest",
            "is missing; add it, e.g. `dest = \"/usr/bin/\"`",
        ));
    };
    if a.symlink.is_some() && dest.ends_with('/') {
        return Err(err(
            "dest",
            "of a symlink must name the link itself, e.g. `/usr/bin/cargo-foo`",
        ));
    }
    if a.doc && a.config {
        return Err(err(
            "config",
            "and `doc` cannot both be true; an asset is documentation or configuration",
        ));
    }
    Ok(AssetSpec {
        source,
        dest,
        mode: a.mode.map(|m| m.0),
        kind: if a.doc {
            AssetKind::Doc
        } else if a.config {
            AssetKind::Config
        } else {
            AssetKind::Plain
        },
        key,
        symlink: a.symlink,
    })
}

/// Checks that `written` (a path in the configuration, relative to the base directory) does
/// not resolve outside the project; see [`check_inside`].
pub(crate) fn inside(
    cfg: &Config,
    written: &str,
    path: &Path,
    key: &str,
) -> Result<(), ConfigError> {
    check_inside(
        cfg.project_root(),
        written,
        path,
        cfg.allow_external_sources,
    )
    .map_err(|problem| ConfigError::Invalid {
        file: cfg.file.clone(),
        key: key.to_string(),
        problem,
    })
}
