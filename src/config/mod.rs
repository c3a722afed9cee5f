//! Package configuration: what goes into the package and its metadata.
//!
//! Read, in this order of preference, from:
//!
//! 1. a standalone `syspack.toml` given with `--config` (for projects that are not cargo packages:
//!    a staged install tree), see [`syspack::load_standalone`];
//! 2. `[package.metadata.syspack]` in `Cargo.toml`, read by `syspack::apply`;
//! 3. cargo-deb's `[package.metadata.deb]` and/or cargo-generate-rpm's
//!    `[package.metadata.generate-rpm]` ([`cargo_deb`], [`generate_rpm`]), read leniently: keys
//!    syspack does not use are reported as warnings;
//! 4. nothing: every binary target goes to `/usr/bin/<name>`, README and licence files to
//!    `/usr/share/doc/<name>/`.
//!
//! Each table is a serde struct (`syspack::SyspackTable`, `cargo_deb::DebTable`,
//! `generate_rpm::RpmTable`): its fields are the one list of its keys, so adding a key is
//! adding a field. The syspack tables are strict: an unknown key is an error naming the file, the
//! dotted key path and the closest known key. The cargo-deb and cargo-generate-rpm tables are
//! lenient: a key syspack does not read is a warning naming it.
//!
//! Order does not matter: `[package]` (including the binaries and the release profile) is read
//! first, then every table is deserialized whole, then the tables are applied to a [`Config`] that
//! already knows the cargo package.

pub mod cargo_deb;
pub mod generate_rpm;
mod readme;
pub mod syspack;
mod variant;
mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syspack_distro::{Format, Relation};

use walk::{lenient, read_toml, strict};
pub use walk::{read_bounded, type_name, MAX_TEXT_BYTES};

/// A configuration error: always names the file and, when there is one, the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("failed to read `{}`", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("`{}` is not valid TOML:\n{message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A key syspack does not know.
    #[error(
        "`{}`: unknown key `{key}` (a {kind}){}\n  allowed keys here: {}",
        file.display(),
        match hint { Some(h) => format!("; did you mean `{h}`?"), None => String::new() },
        allowed.join(", ")
    )]
    UnknownKey {
        /// The file.
        file: PathBuf,
        /// The dotted key path.
        key: String,
        /// The TOML type of its value.
        kind: &'static str,
        /// The closest allowed key.
        hint: Option<String>,
        /// Every allowed key.
        allowed: Vec<String>,
    },
    /// A key has a value syspack cannot use.
    #[error("`{}`: `{key}` {problem}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The dotted key path.
        key: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

/// Where the configuration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `syspack.toml`.
    Standalone,
    /// `[package.metadata.syspack]`.
    Syspack,
    /// `[package.metadata.deb]` and/or `[package.metadata.generate-rpm]`.
    Fallback(Vec<&'static str>),
    /// Nothing configured: defaults from `[package]`.
    Defaults,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Standalone => f.write_str("standalone syspack.toml"),
            Origin::Syspack => f.write_str("[package.metadata.syspack]"),
            Origin::Fallback(t) => write!(f, "{} (fallback)", t.join(" + ")),
            Origin::Defaults => f.write_str("defaults from [package]"),
        }
    }
}

/// What an asset is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AssetKind {
    /// A plain file.
    #[default]
    Plain,
    /// Documentation (RPM `%doc`).
    Doc,
    /// A configuration file (kept when the admin changed it).
    Config,
}

/// One `assets` entry: a source (file, or glob) and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetSpec {
    /// The source as written (relative to [`Config::base_dir`]); may be a glob.
    pub source: String,
    /// The destination; ending in `/` means "into this directory".
    pub dest: String,
    /// Permission bits; `None` means 0755 for executables on disk and 0644 otherwise.
    pub mode: Option<u32>,
    /// Plain, doc or config.
    pub kind: AssetKind,
    /// Where it was configured, for messages (`package.metadata.syspack.assets[1]`).
    pub key: String,
    /// A symlink to create at `dest` instead of copying `source` (`symlink = "syspack"`).
    pub symlink: Option<String>,
}

/// Maintainer scripts, as files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptFiles {
    /// Before unpacking.
    pub pre_install: Option<ScriptSource>,
    /// After unpacking.
    pub post_install: Option<ScriptSource>,
    /// Before removal.
    pub pre_remove: Option<ScriptSource>,
    /// After removal.
    pub post_remove: Option<ScriptSource>,
    /// Debian maintainer scripts (cargo-deb's `maintainer-scripts`): called with dpkg's
    /// arguments and written into `.deb` packages as they are (`#DEBHELPER#` replaced); the other
    /// formats do not run them.
    pub native: bool,
}

/// A maintainer script: a file, or inline text (cargo-generate-rpm allows both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptSource {
    /// A file, relative to the base directory.
    File(PathBuf),
    /// The script text itself.
    Inline(String),
}

/// A systemd unit to ship and manage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitSpec {
    /// The unit file.
    pub unit: PathBuf,
    /// Enable it on install.
    pub enable: bool,
    /// Start it on install.
    pub start: bool,
}

/// Relations as configured (already parsed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelationSpecs {
    /// `depends`.
    pub depends: Option<Vec<Relation>>,
    /// `recommends`.
    pub recommends: Option<Vec<Relation>>,
    /// `suggests`.
    pub suggests: Option<Vec<Relation>>,
    /// `conflicts`.
    pub conflicts: Option<Vec<Relation>>,
    /// `provides`.
    pub provides: Option<Vec<Relation>>,
    /// `replaces`.
    pub replaces: Option<Vec<Relation>>,
}

impl RelationSpecs {
    /// These relations, each replaced by `over`'s where `over` sets it.
    pub fn overridden_by(&self, over: &RelationSpecs) -> RelationSpecs {
        RelationSpecs {
            depends: over.depends.clone().or_else(|| self.depends.clone()),
            recommends: over.recommends.clone().or_else(|| self.recommends.clone()),
            suggests: over.suggests.clone().or_else(|| self.suggests.clone()),
            conflicts: over.conflicts.clone().or_else(|| self.conflicts.clone()),
            provides: over.provides.clone().or_else(|| self.provides.clone()),
            replaces: over.replaces.clone().or_else(|| self.replaces.clone()),
        }
    }
}

/// A relation as written in a configuration (`"foo >= 1.2"`, `"foo (>= 1.2)"`), checked when
/// the configuration is read, so a typo such as `"foo (>= 1"` stops before anything is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rel(pub Relation);

impl<'de> serde::Deserialize<'de> for Rel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let s = String::deserialize(d)?;
        s.parse::<Relation>().map(Rel).map_err(|e| {
            D::Error::custom(format!(
                "is not a relation: {e}; write `name` or `name >= 1.2`"
            ))
        })
    }
}

/// Per-format settings (`[package.metadata.syspack.deb]` etc.).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatOverride {
    /// Relations that replace the generic ones for this format.
    pub relations: RelationSpecs,
    /// A compression for this format (`zstd:19`), overriding the target's default.
    pub compression: Option<String>,
    /// Section / group / category for this format.
    pub section: Option<String>,
    /// Assets for this format instead of the generic ones (cargo-generate-rpm's `assets` when
    /// cargo-deb's table has its own: each tool's package gets its own files).
    pub assets: Option<Vec<AssetSpec>>,
    /// Scripts for this format instead of the generic ones (cargo-generate-rpm's scripts beside
    /// cargo-deb's maintainer scripts).
    pub scripts: Option<ScriptFiles>,
    /// Package identity and text for this format only.
    pub meta: MetaOverride,
    /// Automatic shared-library dependencies for this format, where its table decides (cargo-deb:
    /// an explicit `depends` without `$auto` turns them off for the .deb; cargo-generate-rpm:
    /// `auto-req = "no"` for the RPM).
    pub auto_depends: Option<bool>,
}

/// What one format's table says about its own package only (cargo-generate-rpm's `name`,
/// `release`, `summary`, … beside cargo-deb's table: each tool names, numbers and describes its
/// own package, so an RPM `release = "7"` must not become the .deb's revision).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetaOverride {
    pub name: Option<String>,
    pub release: Option<String>,
    pub epoch: Option<u32>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub homepage: Option<String>,
    pub vendor: Option<String>,
}

impl MetaOverride {
    /// Sets in `m` every field this override sets.
    pub fn apply(&self, m: &mut MetaSpec) {
        for (slot, v) in [
            (&mut m.name, &self.name),
            (&mut m.summary, &self.summary),
            (&mut m.description, &self.description),
            (&mut m.license, &self.license),
        ] {
            if let Some(v) = v {
                slot.clone_from(v);
            }
        }
        for (slot, v) in [
            (&mut m.release, &self.release),
            (&mut m.homepage, &self.homepage),
            (&mut m.vendor, &self.vendor),
        ] {
            if v.is_some() {
                slot.clone_from(v);
            }
        }
        if self.epoch.is_some() {
            m.epoch = self.epoch;
        }
    }
}

/// The package metadata as configured (before a target is chosen).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetaSpec {
    /// Package name.
    pub name: String,
    /// Upstream version.
    pub version: String,
    /// Packaging revision.
    pub release: Option<String>,
    /// Epoch.
    pub epoch: Option<u32>,
    /// Architecture (`None`: the host's).
    pub arch: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// Long description.
    pub description: String,
    /// `Name <email>`.
    pub maintainer: String,
    /// SPDX licence expression.
    pub license: String,
    /// Home page.
    pub homepage: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Section.
    pub section: Option<String>,
    /// Debian priority.
    pub priority: Option<String>,
}

/// The cargo package behind a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CargoProject {
    /// `Cargo.toml`.
    pub manifest: PathBuf,
    /// The binary targets, sorted.
    pub bins: Vec<String>,
    /// The workspace root (where `target/` is by default).
    pub workspace_root: PathBuf,
    /// Features to build with (from cargo-deb's `features`), added to `--features`.
    pub features: Vec<String>,
    /// Build with the default features (cargo-deb's `default-features`; default true).
    pub default_features: bool,
    /// The cargo profile to build with (cargo-deb's `profile`; default `release`).
    pub profile: String,
    /// The crate's `package.name`, the package name unless a table names the package.
    pub crate_name: String,
    /// The crate's README (`package.readme`, inherited or found as cargo finds it), if any.
    pub readme: Option<PathBuf>,
}

impl CargoProject {
    /// The directory of the profile's output under the target directory: cargo writes the `dev`
    /// and `test` profiles to `debug/`, every other profile to a directory of its name.
    pub fn profile_dir(&self) -> &str {
        match self.profile.as_str() {
            "dev" | "test" => "debug",
            "bench" => "release",
            p => p,
        }
    }
}

/// A complete configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Which table.
    pub origin: Origin,
    /// Relative paths resolve here.
    pub base_dir: PathBuf,
    /// The cargo package, for cargo projects.
    pub cargo: Option<CargoProject>,
    /// Metadata.
    pub meta: MetaSpec,
    /// Assets (never empty after loading: defaults are filled in).
    pub assets: Vec<AssetSpec>,
    /// Configuration files (install paths).
    pub conffiles: Vec<String>,
    /// Maintainer scripts.
    pub scripts: ScriptFiles,
    /// systemd units.
    pub systemd_units: Vec<UnitSpec>,
    /// Generic relations.
    pub relations: RelationSpecs,
    /// Per-format overrides.
    pub overrides: BTreeMap<Format, FormatOverride>,
    /// Install prefix on FreeBSD (default `/usr/local`).
    pub freebsd_prefix: String,
    /// Add shared-library dependencies from the ELF files (default true).
    pub auto_depends: bool,
    /// Default targets (empty: the newest release of each family).
    pub targets: Vec<String>,
    /// The oldest glibc the binaries must run on (`glibc = "2.17"`): the build goes through zig
    /// (cargo-zigbuild) for that floor, as with `--glibc`.
    pub glibc: Option<crate::toolchain::GlibcFloor>,
    /// Strip ELF files before packaging (`strip` of the syspack table, else the `strip` of the
    /// cargo profile built with, `[profile.release]` by default, following `inherits`; `None`:
    /// neither says, the packager's default applies).
    pub strip: Option<bool>,
    /// Move debug information out of the ELF files into separate files or a `-dbgsym` package
    /// (cargo-deb's `separate-debug-symbols` or `dbgsym`; default false).
    pub separate_debug_symbols: bool,
    /// An upstream or Debian changelog to ship (cargo-deb's `changelog`), resolved against the
    /// base directory.
    pub changelog: Option<PathBuf>,
    /// Store asset symlinks as symlinks (cargo-deb's `preserve-symlinks`; default false there).
    /// syspack stores a symlink asset as a symlink today either way; the flag is carried for the
    /// packager to honour.
    pub preserve_symlinks: bool,
    /// Let scripts, assets and other files named by relative paths resolve (through symlinks)
    /// outside the project (`allow-external-sources`; default false: such files are refused,
    /// so a link to `/etc/shadow` never ends up in a package).
    pub allow_external_sources: bool,
    /// Release channels and storage (`[package.metadata.syspack.publish]`).
    pub publish: PublishSpec,
    /// Non-fatal remarks (ignored keys of a fallback table…).
    pub warnings: Vec<String>,
}

/// Release channels (`[package.metadata.syspack.publish]`): what `syspack repo promote` and the
/// release workflow of `syspack ci github --release` use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishSpec {
    /// The channels in promotion order: packages enter the first, `repo promote` moves them
    /// to the next (default `testing`, `stable`).
    pub channels: Vec<String>,
    /// How long a package stays in a channel before promotion, in seconds (default 14 days).
    pub min_soak: u64,
    /// `min_soak` as written (`14d`).
    pub min_soak_text: String,
    /// Where the release workflow keeps the repositories (`s3://bucket/prefix`, no trailing
    /// `/`); `None`: the workflow reads the repository variable `SYSPACK_RELEASE_STORAGE`.
    pub storage: Option<String>,
}

impl Default for PublishSpec {
    fn default() -> Self {
        PublishSpec {
            channels: vec!["testing".into(), "stable".into()],
            min_soak: 14 * 86_400,
            min_soak_text: "14d".into(),
            storage: None,
        }
    }
}

impl Config {
    fn empty(file: &Path, origin: Origin, base_dir: &Path, cargo: Option<CargoProject>) -> Config {
        Config {
            file: file.to_path_buf(),
            origin,
            base_dir: base_dir.to_path_buf(),
            cargo,
            meta: MetaSpec::default(),
            assets: Vec::new(),
            conffiles: Vec::new(),
            scripts: ScriptFiles::default(),
            systemd_units: Vec::new(),
            relations: RelationSpecs::default(),
            overrides: BTreeMap::new(),
            freebsd_prefix: "/usr/local".into(),
            auto_depends: true,
            targets: Vec::new(),
            glibc: None,
            strip: None,
            separate_debug_symbols: false,
            changelog: None,
            preserve_symlinks: false,
            allow_external_sources: false,
            publish: PublishSpec::default(),
            warnings: Vec::new(),
        }
    }

    /// The directory files named by the configuration must stay inside: the cargo workspace
    /// root, else the base directory.
    pub fn project_root(&self) -> &Path {
        match &self.cargo {
            Some(c) => &c.workspace_root,
            None => &self.base_dir,
        }
    }

    /// A file named by the configuration at `key`, resolved against the base directory and
    /// refused when a relative name resolves outside the project (see `allow-external-sources`).
    pub(crate) fn project_file(&self, written: &str, key: &str) -> Result<PathBuf, ConfigError> {
        let path = walk::resolve(&self.base_dir, written);
        syspack::inside(self, written, &path, key)?;
        Ok(path)
    }

    /// Reads a text file named by the configuration at `key`: inside the project, a regular
    /// file, at most [`MAX_TEXT_BYTES`].
    pub(crate) fn project_text(&self, written: &str, key: &str) -> Result<String, ConfigError> {
        let path = self.project_file(written, key)?;
        read_bounded(&path, MAX_TEXT_BYTES).map_err(|e| ConfigError::Invalid {
            file: self.file.clone(),
            key: key.to_string(),
            problem: format!(
                "names `{}`, which cannot be read ({e}); fix the path",
                path.display()
            ),
        })
    }

    /// The asset list of `format`'s package: its own where its table has one
    /// ([`FormatOverride::assets`]), else the generic list.
    pub fn assets_for(&self, format: Format) -> &[AssetSpec] {
        match self
            .overrides
            .get(&format)
            .and_then(|o| o.assets.as_deref())
        {
            Some(own) => own,
            None => &self.assets,
        }
    }

    /// True when `format` has assets of its own ([`FormatOverride::assets`]), which replace the
    /// generic ones in its package.
    pub fn has_own_assets(&self, format: Format) -> bool {
        self.overrides
            .get(&format)
            .is_some_and(|o| o.assets.is_some())
    }

    /// The scripts of one format's package: the format's own where set, else the generic ones.
    pub fn scripts_for(&self, format: Format) -> &ScriptFiles {
        match self.overrides.get(&format).and_then(|o| o.scripts.as_ref()) {
            Some(s) => s,
            None => &self.scripts,
        }
    }

    /// The package metadata of one format: the generic one with the format's own
    /// [`MetaOverride`] applied.
    pub fn meta_for(&self, format: Format) -> MetaSpec {
        let mut m = self.meta.clone();
        // A name no table set is the crate's, made valid where the format needs it, as the
        // tools do: cargo-deb lower-cases it and writes `_` as `-` (Debian names allow neither),
        // makepkg wants lower case; rpm and pkg take it as it is (cargo-generate-rpm does).
        if self.cargo.as_ref().is_some_and(|c| c.crate_name == m.name) {
            match format {
                Format::Deb => m.name = m.name.to_lowercase().replace('_', "-"),
                Format::Arch => m.name = m.name.to_lowercase(),
                Format::Rpm | Format::FreeBsd => {}
            }
        }
        if let Some(o) = self.overrides.get(&format) {
            o.meta.apply(&mut m);
        }
        m
    }

    /// Whether `format`'s package gets automatic shared-library dependencies: the format's own
    /// setting where its table has one, else [`Config::auto_depends`].
    pub fn auto_depends_for(&self, format: Format) -> bool {
        self.overrides
            .get(&format)
            .and_then(|o| o.auto_depends)
            .unwrap_or(self.auto_depends)
    }

    /// The relations for one format: the format's own where set, else the generic ones.
    pub fn relations_for(&self, format: Format) -> RelationSpecs {
        match self.overrides.get(&format) {
            Some(o) => self.relations.overridden_by(&o.relations),
            None => self.relations.clone(),
        }
    }

    /// Loads the configuration of a cargo package from its `Cargo.toml`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the file and key.
    pub fn from_cargo_manifest(manifest: &Path) -> Result<Config, ConfigError> {
        Self::from_cargo_manifest_variant(manifest, None)
    }

    /// [`Config::from_cargo_manifest`] with cargo-deb's / cargo-generate-rpm's metadata
    /// variant `variant` applied (`--variant`; see the `variant` module).
    pub fn from_cargo_manifest_variant(
        manifest: &Path,
        variant: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let doc = read_toml(manifest)?;
        let base = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
        let Some(toml::Value::Table(package)) = doc.get("package") else {
            return Err(ConfigError::Invalid {
                file: manifest.to_path_buf(),
                key: "package".into(),
                problem: "is missing: this is not a package manifest (a virtual workspace?); pass the member's \
                          manifest with `--manifest-path`, or describe the package in a syspack.toml and use `--config`"
                    .into(),
            });
        };
        let cargo = cargo_package(manifest, &doc, package, &base)?;
        let metadata = match package.get("metadata") {
            Some(toml::Value::Table(m)) => Some(m),
            _ => None,
        };
        let get = |k: &str| match metadata.and_then(|m| m.get(k)) {
            Some(v @ toml::Value::Table(_)) => Some(v),
            _ => None,
        };
        let mut variant_warnings = Vec::new();
        let (deb_table, rpm_table) = match variant {
            None => (get("deb").cloned(), get("generate-rpm").cloned()),
            Some(name) => {
                let deb = get("deb").and_then(|t| {
                    variant::deb(t.as_table()?, name, &cargo.meta.name, &mut variant_warnings)
                });
                let rpm = get("generate-rpm").and_then(|t| variant::rpm(t.as_table()?, name));
                if get("syspack").is_some() || (deb.is_none() && rpm.is_none()) {
                    let mut offered: Vec<String> = ["deb", "generate-rpm"]
                        .iter()
                        .filter_map(|k| get(k)?.as_table())
                        .flat_map(variant::names)
                        .collect();
                    offered.sort();
                    offered.dedup();
                    return Err(ConfigError::Invalid {
                        file: manifest.to_path_buf(),
                        key: format!("package.metadata.deb.variants.{name}"),
                        problem: if get("syspack").is_some() {
                            "cannot apply: `--variant` selects a cargo-deb or cargo-generate-rpm                              variant, and this manifest is configured by [package.metadata.syspack]"
                                .into()
                        } else if offered.is_empty() {
                            "does not exist (nor a generate-rpm one): the manifest defines no                              variants; drop `--variant`"
                                .into()
                        } else {
                            format!(
                                "does not exist (nor a generate-rpm one); the manifest's variants: {}",
                                offered.join(", ")
                            )
                        },
                    });
                }
                // A table without the variant is used as it is (cargo-deb and
                // cargo-generate-rpm each read only their own table).
                (
                    deb.map(toml::Value::Table).or_else(|| get("deb").cloned()),
                    rpm.map(toml::Value::Table)
                        .or_else(|| get("generate-rpm").cloned()),
                )
            }
        };
        let fresh = |origin: Origin| {
            let mut cfg = Config::empty(manifest, origin, &base, Some(cargo.project.clone()));
            cfg.meta = cargo.meta.clone();
            cfg
        };
        let mut cfg = if let Some(t) = get("syspack") {
            let prefix = "package.metadata.syspack";
            let table: syspack::SyspackTable = strict(manifest, prefix, t)?;
            let mut cfg = fresh(Origin::Syspack);
            syspack::apply(&mut cfg, table, prefix)?;
            cfg
        } else if deb_table.is_some() || rpm_table.is_some() {
            let mut cfg = fresh(Origin::Fallback(Vec::new()));
            cfg.warnings.append(&mut variant_warnings);
            let mut used = Vec::new();
            if let Some(t) = &deb_table {
                used.push("[package.metadata.deb]");
                let prefix = "package.metadata.deb";
                let table: cargo_deb::DebTable =
                    lenient(manifest, prefix, t, "cargo-deb", &mut cfg.warnings)?;
                cargo_deb::apply(&mut cfg, table, prefix)?;
            }
            if let Some(t) = &rpm_table {
                used.push("[package.metadata.generate-rpm]");
                let prefix = "package.metadata.generate-rpm";
                let table: generate_rpm::RpmTable =
                    lenient(manifest, prefix, t, "cargo-generate-rpm", &mut cfg.warnings)?;
                generate_rpm::apply(&mut cfg, table, prefix, deb_table.is_some())?;
            }
            cfg.origin = Origin::Fallback(used);
            cfg
        } else {
            fresh(Origin::Defaults)
        };
        // The profile decides when the metadata does not; `separate-debug-symbols` asks for
        // stripping whatever the profile says (as cargo-deb does).
        if cfg.strip.is_none() && !cfg.separate_debug_symbols {
            let profile = cfg.cargo.as_ref().map_or("release", |c| c.profile.as_str());
            cfg.strip = profile_strip(cargo.profiles.as_ref(), profile);
        }
        if cfg.separate_debug_symbols && cfg.strip == Some(false) {
            return Err(ConfigError::Invalid {
                file: manifest.to_path_buf(),
                key: "strip".into(),
                problem: "is false, but `separate-debug-symbols` needs stripping (the symbols go into the \
                 -dbgsym package); drop one of them"
                    .into(),
            });
        }
        cfg.describe_from_readme(cargo.project.readme.as_deref());
        cfg.fill_defaults()?;
        Ok(cfg)
    }

    /// Without an extended description (none given, or only the summary again), the README's
    /// first paragraph (see [`readme`]).
    pub(crate) fn describe_from_readme(&mut self, readme: Option<&Path>) {
        let m = &mut self.meta;
        if !m.description.trim().is_empty() && m.description.trim() != m.summary.trim() {
            return;
        }
        if let Some(p) = readme.and_then(readme::first_paragraph) {
            if p.trim() != m.summary.trim() {
                m.description = p;
            }
        }
    }

    /// Default assets and the checks every configuration gets.
    fn fill_defaults(&mut self) -> Result<(), ConfigError> {
        if self.assets.is_empty() {
            if let Some(cargo) = &self.cargo {
                for bin in &cargo.bins {
                    self.assets.push(AssetSpec {
                        source: format!("target/release/{bin}"),
                        dest: format!("/usr/bin/{bin}"),
                        mode: Some(0o755),
                        kind: AssetKind::Plain,
                        key: format!("default asset for binary `{bin}`"),
                        symlink: None,
                    });
                }
            }
            for doc in default_docs(&self.base_dir) {
                self.assets.push(AssetSpec {
                    dest: format!("/usr/share/doc/{}/{doc}", self.meta.name),
                    source: doc.clone(),
                    mode: Some(0o644),
                    kind: AssetKind::Doc,
                    key: format!("default documentation `{doc}`"),
                    symlink: None,
                });
            }
        }
        let bad = |key: &str, problem: &str| ConfigError::Invalid {
            file: self.file.clone(),
            key: key.to_string(),
            problem: problem.to_string(),
        };
        if self.meta.maintainer.trim().is_empty() {
            return Err(bad(
                &self.key("maintainer"),
                "is not set and `package.authors` is empty; every format needs a maintainer: \
                 add `maintainer = \"Name <email>\"`",
            ));
        }
        if self.meta.summary.trim().is_empty() {
            self.meta.summary = self.meta.name.clone();
            self.warnings.push(format!(
                "no summary: using the package name; set `{}` (or `package.description`)",
                self.key("summary")
            ));
        }
        if self.meta.license.trim().is_empty() {
            return Err(bad(
                &self.key("license"),
                "is not set; add an SPDX licence expression, e.g. `license = \"MIT\"`",
            ));
        }
        self.check_asset_sources()?;
        // Package files are named `<name>_<version>-<release>_<arch>.deb` and the like, and a
        // file name has at most 255 bytes (NAME_MAX); refuse here, before anything is built or
        // written, rather than after some packages are.
        for (key, value, max) in [
            ("name", self.meta.name.as_str(), MAX_NAME),
            ("version", self.meta.version.as_str(), MAX_VERSION),
            (
                "release",
                self.meta.release.as_deref().unwrap_or(""),
                MAX_VERSION,
            ),
        ] {
            let n = value.chars().count();
            if n > max {
                return Err(bad(
                    &self.key(key),
                    &format!(
                        "is {n} characters long; at most {max} are allowed, because package file names \
                         (name, version, release and architecture) must fit in 255 bytes; shorten it"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuses asset sources written as relative paths that reach outside the project through
    /// a symlinked directory (`conf -> /etc`, then `conf/shadow`). A source that is itself a
    /// symlink is packaged as a symlink (its target is not read), so only the directories
    /// leading to it are checked; for a glob, the directories before the first pattern.
    /// Build outputs (`target/…`) live wherever cargo puts them and are not checked.
    fn check_asset_sources(&self) -> Result<(), ConfigError> {
        for a in &self.assets {
            if a.symlink.is_some()
                || a.source.is_empty()
                || a.source.starts_with("target/")
                || Path::new(&a.source).is_absolute()
            {
                continue;
            }
            let literal: PathBuf = Path::new(&a.source)
                .components()
                .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
                .collect();
            let is_glob = literal.as_os_str().len() < a.source.len();
            let full = self.base_dir.join(&literal);
            let dir = if is_glob {
                full
            } else {
                match full.parent() {
                    Some(p) => p.to_path_buf(),
                    None => continue,
                }
            };
            let shown = if is_glob {
                literal.display().to_string()
            } else {
                a.source.clone()
            };
            let dir_written = if is_glob {
                shown.clone()
            } else {
                Path::new(&a.source)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            };
            if dir_written.is_empty() {
                continue;
            }
            syspack::inside(self, &dir_written, &dir, &format!("{}.source", a.key)).map_err(
                |e| match e {
                    ConfigError::Invalid { file, key, problem } => ConfigError::Invalid {
                        file,
                        key,
                        problem: format!("(`{shown}`): {problem}"),
                    },
                    other => other,
                },
            )?;
        }
        Ok(())
    }

    /// The dotted path of a key in the table this configuration came from.
    pub fn key(&self, key: &str) -> String {
        match self.origin {
            Origin::Standalone => format!("package.{key}"),
            Origin::Syspack | Origin::Defaults => format!("package.metadata.syspack.{key}"),
            Origin::Fallback(_) => format!("package.metadata.syspack.{key} (or package.{key})"),
        }
    }
}

/// The longest package name accepted (dpkg and rpm set no lower limit; 128 leaves room for the
/// version, release, architecture and suffix within a 255-byte file name).
pub const MAX_NAME: usize = 128;
/// The longest version (and release) accepted; see [`MAX_NAME`].
pub const MAX_VERSION: usize = 48;

/// The README cargo packages when the manifest names none.
pub(crate) fn default_readme(dir: &Path) -> Option<PathBuf> {
    ["README.md", "README.txt", "README"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// README, LICENSE, COPYING, NOTICE, CHANGELOG files at the top of a project, sorted.
fn default_docs(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let upper = name.to_ascii_uppercase();
            let is_doc = [
                "README",
                "LICENSE",
                "LICENCE",
                "COPYING",
                "NOTICE",
                "CHANGELOG",
                "AUTHORS",
            ]
            .iter()
            .any(|p| upper.starts_with(p));
            if is_doc && e.file_type().map(|t| t.is_file()).unwrap_or(false) {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

struct CargoInfo {
    meta: MetaSpec,
    /// The `[profile]` table of the workspace root's manifest (cargo reads profiles there only).
    profiles: Option<toml::Table>,
    project: CargoProject,
}

/// The `strip` of cargo profile `name` in the `[profile]` table `profiles`, following
/// `inherits` (custom profiles must name one; `bench` inherits `release`, `test` inherits `dev`,
/// as cargo's built-in profiles do): `true`, `"symbols"` or `"debuginfo"` strip; `false` or
/// `"none"` keep; anything else (or nothing) leaves the packager's default.
fn profile_strip(profiles: Option<&toml::Table>, name: &str) -> Option<bool> {
    let mut name = name;
    // A cycle of `inherits` is cargo's error to report; give up after a few steps.
    for _ in 0..8 {
        let table = profiles
            .and_then(|p| p.get(name))
            .and_then(|t| t.as_table());
        if let Some(strip) = table.and_then(|t| t.get("strip")) {
            return match strip {
                toml::Value::Boolean(b) => Some(*b),
                toml::Value::String(s) if s == "none" => Some(false),
                toml::Value::String(s) if s == "symbols" || s == "debuginfo" => Some(true),
                _ => None,
            };
        }
        name = match (table.and_then(|t| t.get("inherits")?.as_str()), name) {
            (Some(parent), _) => parent,
            (None, "bench") => "release",
            (None, "test") => "dev",
            (None, _) => return None,
        };
    }
    None
}

/// Cargo's `description`, as cargo-deb reads it: the first line is the one-line summary; the
/// lines after it (if any) are the long description, blank lines at either end dropped. A
/// one-line description is both (as before). Real crates write `description = """…"""` over
/// several lines; cargo-deb packages them, so must syspack.
pub(crate) fn split_description(text: &str) -> (String, String) {
    let text = text.trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let summary = first.trim().to_string();
    let rest = rest.trim_matches(|c| c == '\n' || c == '\r');
    let rest = rest.trim_end();
    if rest.trim().is_empty() {
        (summary.clone(), summary)
    } else {
        (summary, rest.to_string())
    }
}

/// Finds the workspace root above (or at) a package manifest: the nearest `Cargo.toml` with a
/// `[workspace]` table, else the package's own directory.
fn find_workspace(base: &Path, doc: &toml::Table) -> Option<(PathBuf, toml::Table)> {
    if doc.contains_key("workspace") {
        return Some((base.to_path_buf(), doc.clone()));
    }
    let mut dir = base.parent();
    while let Some(d) = dir {
        let m = d.join("Cargo.toml");
        if m.is_file() {
            if let Ok(t) = read_toml(&m) {
                if t.contains_key("workspace") {
                    return Some((d.to_path_buf(), t));
                }
            }
        }
        dir = d.parent();
    }
    None
}

/// Reads the `[package]` fields syspack uses, resolving `field.workspace = true`.
fn cargo_package(
    manifest: &Path,
    doc: &toml::Table,
    package: &toml::Table,
    base: &Path,
) -> Result<CargoInfo, ConfigError> {
    let ws = find_workspace(base, doc);
    let ws_package = ws
        .as_ref()
        .and_then(|(_, t)| t.get("workspace"))
        .and_then(|w| w.get("package"))
        .and_then(|p| p.as_table())
        .cloned();
    let field = |k: &str| -> Result<Option<toml::Value>, ConfigError> {
        match package.get(k) {
            Some(toml::Value::Table(t))
                if t.get("workspace").and_then(|v| v.as_bool()) == Some(true) =>
            {
                match ws_package.as_ref().and_then(|p| p.get(k)) {
                    Some(v) => Ok(Some(v.clone())),
                    None => Err(ConfigError::Invalid {
                        file: manifest.to_path_buf(),
                        key: format!("package.{k}"),
                        problem:
                            "says `workspace = true` but no `[workspace.package]` above sets it"
                                .into(),
                    }),
                }
            }
            other => Ok(other.cloned()),
        }
    };
    let string = |k: &str| -> Result<Option<String>, ConfigError> {
        Ok(field(k)?.and_then(|v| v.as_str().map(str::to_string)))
    };
    let name = string("name")?.ok_or_else(|| ConfigError::Invalid {
        file: manifest.to_path_buf(),
        key: "package.name".into(),
        problem: "is missing".into(),
    })?;
    let version = string("version")?.unwrap_or_else(|| "0.0.0".into());
    let authors: Vec<String> = field("authors")?
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let license = match string("license")? {
        Some(l) => l,
        None if field("license-file")?.is_some() => "LicenseRef-custom".into(),
        None => String::new(),
    };
    let (summary, description) = split_description(&string("description")?.unwrap_or_default());
    // Cargo's `readme`: a path, `false` for none, else README.md / README.txt / README in the
    // package's directory. Inherited (`readme.workspace = true`), the path is relative to the
    // workspace root, as cargo reads it.
    let inherited = matches!(package.get("readme"), Some(toml::Value::Table(_)));
    let readme = match field("readme")? {
        Some(toml::Value::String(s)) if inherited => ws.as_ref().map(|(root, _)| root.join(&s)),
        Some(toml::Value::String(s)) => Some(base.join(s)),
        Some(toml::Value::Boolean(false)) => None,
        _ => default_readme(base),
    };
    let meta = MetaSpec {
        name: name.clone(),
        version,
        summary,
        description,
        maintainer: authors.first().cloned().unwrap_or_default(),
        license,
        // The homepage, else the repository, as cargo-generate-rpm (cargo-deb takes the
        // documentation before the repository; Debian Policy §5.6.23 prefers the site the source
        // comes from, which the repository is and docs.rs is not).
        homepage: string("homepage")?.or(string("repository")?),
        ..MetaSpec::default()
    };

    // Binary targets: explicit [[bin]] plus cargo's auto-discovery (src/main.rs, src/bin/*.rs).
    let mut bins = std::collections::BTreeSet::new();
    let autobins = package
        .get("autobins")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    if let Some(toml::Value::Array(list)) = doc.get("bin") {
        for b in list {
            if let Some(n) = b.get("name").and_then(|v| v.as_str()) {
                bins.insert(n.to_string());
            }
        }
    }
    if autobins {
        if base.join("src/main.rs").is_file() {
            bins.insert(name.clone());
        }
        if let Ok(rd) = std::fs::read_dir(base.join("src/bin")) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "rs") {
                    if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                        bins.insert(stem.to_string());
                    }
                } else if p.join("main.rs").is_file() {
                    if let Some(n) = p.file_name().and_then(|s| s.to_str()) {
                        bins.insert(n.to_string());
                    }
                }
            }
        }
    }
    Ok(CargoInfo {
        meta,
        // Cargo reads profiles from the workspace root's manifest only.
        profiles: ws
            .as_ref()
            .map_or(doc, |(_, root)| root)
            .get("profile")
            .and_then(|p| p.as_table())
            .cloned(),
        project: CargoProject {
            manifest: manifest.to_path_buf(),
            bins: bins.into_iter().collect(),
            workspace_root: ws.map(|(d, _)| d).unwrap_or_else(|| base.to_path_buf()),
            features: Vec::new(),
            default_features: true,
            profile: "release".into(),
            crate_name: name.clone(),
            readme: readme.clone(),
        },
    })
}

#[cfg(test)]
mod tests;
