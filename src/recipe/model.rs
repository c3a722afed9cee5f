//! What a recipe is written from: the project as loaded, its libraries, crates, installs,
//! generated sources and units.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use syspack_distro::Format;

use crate::config::{AssetKind, ScriptFiles, ScriptSource};

/// The four recipe families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Family {
    /// Arch Linux: `PKGBUILD` and `.SRCINFO`.
    Arch,
    /// Debian and Ubuntu: a `debian/` directory.
    Debian,
    /// Fedora, RHEL and openSUSE: an RPM `.spec`.
    Rpm,
    /// FreeBSD: a port directory.
    Freebsd,
}

impl Family {
    /// The package format of the family's releases.
    pub fn format(self) -> Format {
        match self {
            Family::Arch => Format::Arch,
            Family::Debian => Format::Deb,
            Family::Rpm => Format::Rpm,
            Family::Freebsd => Format::FreeBsd,
        }
    }

    /// The release whose package names the recipe uses when `--target` is not given.
    pub fn default_release(self) -> &'static str {
        match self {
            Family::Arch => "arch",
            Family::Debian => "debian-13",
            Family::Rpm => "fedora-43",
            Family::Freebsd => "freebsd-14",
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Family::Arch => "arch",
            Family::Debian => "debian",
            Family::Rpm => "rpm",
            Family::Freebsd => "freebsd",
        }
    }
}

/// One file of a recipe, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFile {
    /// Path relative to the output directory (`debian/rules`).
    pub path: String,
    /// Contents.
    pub data: Vec<u8>,
    /// Permission bits.
    pub mode: u32,
}

impl OutFile {
    pub(super) fn text(path: impl Into<String>, text: String) -> OutFile {
        OutFile {
            path: path.into(),
            data: text.into_bytes(),
            mode: 0o644,
        }
    }
}

/// A C library the project links, found through a `links` key in its dependency graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedLib {
    /// The knowledge base's name (`zstd`, `zlib`, `bzip2`, `xz`…).
    pub kb_name: String,
    /// The pkg-config module (`libzstd`).
    pub pkg_config: String,
    /// The crate that links it (`syspack-zstd-sys`).
    pub krate: String,
    /// Version of that crate.
    pub crate_version: String,
    /// True when the crate builds its own copy whatever the environment says (a foreign sys crate
    /// with a `bundled`/`vendored`/`static` feature on).
    pub vendored: bool,
    /// Environment variables that make the crate use the system library.
    pub env: Vec<(String, String)>,
}

/// A crate from a registry, as `Cargo.lock` pins it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockedCrate {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// sha256 of the `.crate` file.
    pub checksum: String,
    /// Its `license` field (empty when unknown).
    pub license: String,
}

/// Where an installed file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallSource {
    /// A binary cargo builds (`target/release/<name>`).
    Built(String),
    /// A file of the source tree, relative to the tarball's top directory.
    Tree(String),
    /// A symbolic link to this target.
    Symlink(String),
}

/// One installed path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    /// What to install.
    pub source: InstallSource,
    /// The absolute install path (Linux layout: `/usr/bin/x`, `/etc/x`).
    pub dest: String,
    /// Permission bits.
    pub mode: u32,
    /// Plain, doc or config.
    pub kind: AssetKind,
}

impl Install {
    /// The source path in the build tree (`target/release/x` or the tree path).
    pub fn build_path(&self) -> Option<String> {
        match &self.source {
            InstallSource::Built(b) => Some(format!("target/release/{b}")),
            InstallSource::Tree(t) => Some(t.clone()),
            InstallSource::Symlink(_) => None,
        }
    }
}

/// A generator run to replay before building.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regeneration {
    /// Its name in the manifest.
    pub name: String,
    /// The program.
    pub program: String,
    /// The working directory relative to the tarball's top directory.
    pub workdir: String,
    /// The arguments.
    pub args: Vec<String>,
    /// The generator version the manifest records (`2.6.4`).
    pub version: String,
    /// The inputs, relative to the tarball's top directory.
    pub inputs: Vec<String>,
    /// The checked-in outputs, relative to the tarball's top directory.
    pub outputs: Vec<String>,
}

/// A systemd unit the package ships (in `/usr/lib/systemd/system` on Linux).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The unit file in the source tree, relative to the tarball's top directory.
    pub source: String,
    /// The unit name (`foo.service`).
    pub name: String,
    /// Enable it on install (where the family's policy allows).
    pub enable: bool,
    /// Start it on install and restart it on upgrade.
    pub start: bool,
}

/// Everything a recipe writer needs, read once from the project.
#[derive(Clone, Debug)]
pub struct Project {
    /// Package name.
    pub name: String,
    /// Upstream version.
    pub version: String,
    /// Packaging revision (`1` unless configured).
    pub release: String,
    /// One-line summary.
    pub summary: String,
    /// Long description.
    pub description: String,
    /// SPDX licence expression.
    pub license: String,
    /// `Name <email>`.
    pub maintainer: String,
    /// Home page.
    pub homepage: Option<String>,
    /// Section / category as configured.
    pub section: Option<String>,
    /// The cargo package (for `-p`) when it is not the workspace root package.
    pub cargo_package: Option<String>,
    /// Extra cargo features.
    pub features: Vec<String>,
    /// The C libraries, sorted by name.
    pub libraries: Vec<LinkedLib>,
    /// The switches of every registry -sys crate of the graph (distro/data/bundling/sys-crates.toml),
    /// including those whose library the knowledge base does not know (`PCRE2_SYS_STATIC=0`):
    /// what `--link system` sets.
    pub switch_env: Vec<(String, String)>,
    /// Registry crates of `Cargo.lock`, in its order.
    pub crates: Vec<LockedCrate>,
    /// What is installed, in configuration order.
    pub installs: Vec<Install>,
    /// Configuration files (install paths).
    pub conffiles: Vec<String>,
    /// Maintainer scripts (texts, with a `#!` line).
    pub scripts: Scripts,
    /// systemd units, in configuration order.
    pub units: Vec<Unit>,
    /// Generated sources to regenerate.
    pub regenerations: Vec<Regeneration>,
    /// Bindgen (or other external-input) generations that are kept as checked in.
    pub kept_generations: Vec<String>,
    /// Relations per format, as configured.
    pub relations: BTreeMap<Format, crate::config::RelationSpecs>,
    /// Licence files in the source tree (`LICENSE`, `COPYING`…).
    pub license_files: Vec<String>,
    /// The source date (seconds).
    pub date: u64,
    /// The source tarball's URL (`--source-url`), `None` for a file beside the recipe.
    pub source_url: Option<String>,
    /// The workspace root (the tarball's contents).
    pub root: PathBuf,
    /// The manifest path relative to the root.
    pub manifest_rel: String,
    /// Warnings for the user.
    pub warnings: Vec<String>,
}

/// The maintainer scripts' texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scripts {
    /// Before unpacking.
    pub pre_install: Option<String>,
    /// After unpacking.
    pub post_install: Option<String>,
    /// Before removal.
    pub pre_remove: Option<String>,
    /// After removal.
    pub post_remove: Option<String>,
}

impl Scripts {
    pub(super) fn read(s: &ScriptFiles) -> Result<Scripts> {
        let one = |s: &Option<ScriptSource>| -> Result<Option<String>> {
            Ok(match s {
                None => None,
                Some(ScriptSource::Inline(t)) => Some(t.clone()),
                Some(ScriptSource::File(p)) => Some(
                    crate::config::read_bounded(p, crate::config::MAX_TEXT_BYTES).with_context(
                        || {
                            format!(
                            "failed to read the maintainer script `{}`; fix the path in `scripts`",
                            p.display()
                        )
                        },
                    )?,
                ),
            })
        };
        Ok(Scripts {
            pre_install: one(&s.pre_install)?,
            post_install: one(&s.post_install)?,
            pre_remove: one(&s.pre_remove)?,
            post_remove: one(&s.post_remove)?,
        })
    }

    /// The body of a script without its `#!` line.
    pub fn body(text: &str) -> &str {
        if text.starts_with("#!") {
            text.split_once('\n').map(|(_, b)| b).unwrap_or("")
        } else {
            text
        }
    }
}

impl Project {
    /// `<name>-<version>`: the tarball's top directory.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// `<name>-<version>.tar.gz`.
    pub fn tarball_name(&self) -> String {
        format!("{}.tar.gz", self.dir_name())
    }

    /// `<name>-<version>-vendor.tar.gz`: the crates `cargo vendor` wrote, under `vendor/`.
    pub fn vendor_tarball_name(&self) -> String {
        format!("{}-vendor.tar.gz", self.dir_name())
    }

    /// The environment every build gets: system libraries only.
    pub fn build_env(&self) -> Vec<(String, String)> {
        let mut env = BTreeMap::new();
        env.insert("SYSPACK_LINK".to_string(), "system".to_string());
        for (k, v) in &self.switch_env {
            env.insert(k.clone(), v.clone());
        }
        for l in &self.libraries {
            for (k, v) in &l.env {
                env.insert(k.clone(), v.clone());
            }
        }
        env.into_iter().collect()
    }

    /// `--release` plus the package and features flags.
    pub fn cargo_flags(&self) -> String {
        let mut s = String::from("--release");
        if self.manifest_rel != "Cargo.toml" && self.cargo_package.is_none() {
            s.push_str(&format!(" --manifest-path {}", self.manifest_rel));
        }
        if let Some(p) = &self.cargo_package {
            s.push_str(&format!(" --package {p}"));
        }
        if !self.features.is_empty() {
            s.push_str(&format!(" --features {}", self.features.join(",")));
        }
        s
    }

    /// The relations configured for a format.
    pub fn relations(&self, f: Format) -> crate::config::RelationSpecs {
        self.relations.get(&f).cloned().unwrap_or_default()
    }

    /// Libraries that are built from a bundled copy.
    pub fn bundled(&self) -> impl Iterator<Item = &LinkedLib> {
        self.libraries.iter().filter(|l| l.vendored)
    }

    /// Libraries linked from the system.
    pub fn system_libraries(&self) -> impl Iterator<Item = &LinkedLib> {
        self.libraries.iter().filter(|l| !l.vendored)
    }
}
