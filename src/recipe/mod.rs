//! Source recipes for distro maintainers: an Arch `PKGBUILD`, a Debian `debian/` directory, an
//! RPM `.spec` and a FreeBSD port, written from the same configuration (`crate::config`) and
//! knowledge base (`syspack_distro::kb`) as `syspack package`.
//!
//! A recipe is what a distro builds from: its own tools, offline, against the system's shared
//! libraries. So every recipe
//!
//! * builds with `SYSPACK_LINK=system` (the syspack sys crates then never vendor: the variable
//!   beats the `vendored` feature) and with the matching knob of the foreign sys crates it knows
//!   (`ZSTD_SYS_USE_PKG_CONFIG=1`…, from the switch table `distro/data/bundling/sys-crates.toml`, as
//!   `--link system` sets them); a foreign crate built with a bundling feature its switch cannot
//!   override is declared (`Provides: bundled(…)` in RPM, a comment elsewhere);
//! * builds `--frozen` from `Cargo.lock`, with the crates fetched the family's way (Arch:
//!   `cargo fetch` in `prepare()`; Debian and RPM: a `cargo vendor` tarball shipped beside the
//!   upstream tarball; FreeBSD: `CARGO_CRATES`, fetched by the ports framework);
//! * names the build dependencies from the knowledge base (`libzstd-dev` on Debian,
//!   `pkgconfig(libzstd)` in RPM, `libzstd.so:archivers/zstd` in a port), and the runtime
//!   dependencies the family's way (Arch: from the knowledge base; Debian: `${shlibs:Depends}`;
//!   RPM: rpm's own soname dependencies; FreeBSD: `LIB_DEPENDS`);
//! * handles the checked-in generated sources listed in `generated/manifest.toml` the family's
//!   way, with the distro's own generators, which become build dependencies:
//!   - Debian, RPM and FreeBSD **regenerate** them before building. Debian (the DFSG's
//!     "preferred form for modification", and the Policy's build-from-source habit) and Fedora
//!     (its packaging guidelines ask that pre-generated code be regenerated where possible) want
//!     the build to use what their own tools make; the ports tree does the same in `pre-build`
//!     (with `USES=bison` and friends). The build then never reads the checked-in copy.
//!   - Arch **checks** them: Arch builds upstream's release as it is ("vanilla" packages), so
//!     `prepare()` replays each generation into a scratch directory and compares the result with
//!     the checked-in output byte for byte (what `syspack generated check` does), failing the
//!     build on drift. A generator of another version than the manifest's is reported and the
//!     comparison skipped, since version skew is not drift (as `syspack generated check` says).
//!
//!   Bindgen bindings are kept as checked in by every family: their inputs are the pinned
//!   upstream headers, which are not part of the source tarball;
//! * installs the same assets as the binary package, with the configured conffiles, maintainer
//!   scripts and relations, and the project's systemd units, each family's way (Debian:
//!   `dh_installsystemd`; RPM: `%{_unitdir}` and the `%systemd_*` scriptlet macros; Arch:
//!   `usr/lib/systemd/system`, enabling left to the administrator as Arch's policy asks;
//!   FreeBSD has no systemd, so the port leaves them out and says so).
//!
//! The upstream source is a reproducible `<name>-<version>.tar.gz` that `syspack recipe` writes
//! next to the recipe (sorted entries, owner root, times from the source date; `target/` and
//! `.git/` left out), and whose sha256 the recipes record.

pub mod arch;
pub mod debian;
pub mod freebsd;
pub mod rpm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::kb::{KnowledgeBase, LibraryFact, Provider, Release};
use syspack_distro::tarball::{TarFlavor, TarWriter};
use syspack_distro::Owner;
use syspack_distro::{Compression, Format};

use crate::cargo_metadata::Metadata;
use crate::config::{AssetKind, Config, ScriptFiles, ScriptSource};
use crate::generated::manifest::{Generator, Location, Manifest};

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
    fn text(path: impl Into<String>, text: String) -> OutFile {
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
    fn read(s: &ScriptFiles) -> Result<Scripts> {
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

/// The kb release a recipe uses, checked against the family.
pub fn release_for(family: Family, target: Option<&str>) -> Result<&'static Release> {
    let id = target.unwrap_or(family.default_release());
    let r = KnowledgeBase::builtin().release(id)?;
    if r.format != Some(family.format()) {
        bail!(
            "target `{id}` does not use {} packages; pick a release of that family, e.g. `{}`",
            family.format().name(),
            family.default_release()
        );
    }
    Ok(r)
}

/// The knowledge base's entry for `lib` on `release`, or an error naming the data file to edit.
fn library_fact<'r>(release: &'r Release, lib: &LinkedLib) -> Result<&'r LibraryFact> {
    release.library(&lib.kb_name).ok_or_else(|| {
        anyhow!(
            "the knowledge base has no entry for library `{}` on `{}`; add it to distro/data/{}",
            lib.kb_name,
            release.id,
            release.data_file
        )
    })
}

/// The package providing `lib`'s headers on `release`: `Ok(None)` for the base system.
pub fn dev_package(release: &Release, lib: &LinkedLib) -> Result<Option<String>> {
    match library_fact(release, lib)?.dev.known() {
        Some(Provider::Package(p)) => Ok(Some(p.as_str().to_string())),
        Some(Provider::BaseSystem) => Ok(None),
        None => bail!(
            "the knowledge base does not know the headers package of `{}` on `{}`; add `dev` to \
             [libraries.{}] in distro/data/{}",
            lib.kb_name,
            release.id,
            lib.kb_name,
            release.data_file
        ),
    }
}

/// The runtime package of `lib` on `release`: `Ok(None)` for the base system.
pub fn runtime_package(release: &Release, lib: &LinkedLib) -> Result<Option<String>> {
    match library_fact(release, lib)?.runtime.known() {
        Some(Provider::Package(p)) => Ok(Some(p.as_str().to_string())),
        Some(Provider::BaseSystem) => Ok(None),
        None => bail!(
            "the knowledge base does not know the runtime package of `{}` on `{}`",
            lib.kb_name,
            release.id
        ),
    }
}

/// The package providing a soname on `release` (`libc.so.6` → `glibc`), if the data knows it.
pub fn soname_package(release: &Release, soname: &str) -> Option<String> {
    release
        .package_for_soname(soname)
        .and_then(|p| p.package)
        .map(|p| p.as_str().to_string())
}

// ---------------------------------------------------------------------------------------------
// Loading.

/// What is known of the sys crates that are not syspack's: the `links` value, the library, its
/// pkg-config module and the variable that makes the crate use the system copy.
/// `(links, library, pkg-config module, variables)`.
type ForeignSys = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const FOREIGN_SYS: &[ForeignSys] = &[
    (
        "zstd",
        "zstd",
        "libzstd",
        &[("ZSTD_SYS_USE_PKG_CONFIG", "1")],
    ),
    ("z", "zlib", "zlib", &[]),
    ("bzip2", "bzip2", "bzip2", &[]),
    ("lzma", "xz", "liblzma", &[]),
    (
        "openssl",
        "openssl",
        "openssl",
        &[("OPENSSL_NO_VENDOR", "1")],
    ),
    (
        "sqlite3",
        "sqlite",
        "sqlite3",
        &[("LIBSQLITE3_SYS_USE_PKG_CONFIG", "1")],
    ),
    ("archive", "libarchive", "libarchive", &[]),
];

/// `cargo metadata --locked`: recipes build what `Cargo.lock` pins.
fn cargo_metadata(manifest: &Path) -> Result<Metadata> {
    let mut cmd = crate::cargo_metadata::command(manifest);
    cmd.arg("--locked");
    crate::cargo_metadata::run(cmd).context(
        "recipes build --locked: commit an up-to-date `Cargo.lock` (`cargo generate-lockfile`)",
    )
}

/// The C libraries reachable from `root_id` through normal and build dependencies.
fn linked_libraries(meta: &Metadata, root_id: &str) -> Result<Vec<LinkedLib>> {
    let (packages, nodes) = (meta.packages_by_id(), meta.nodes_by_id());
    let mut out: BTreeMap<String, LinkedLib> = BTreeMap::new();
    for id in meta.built_from(root_id) {
        let Some(p) = packages.get(id) else { continue };
        let Some(links) = p.links.as_deref() else {
            continue;
        };
        let (name, version) = (p.name.clone(), p.version.clone());
        let features: Vec<&str> = nodes
            .get(id)
            .into_iter()
            .flat_map(|n| &n.features)
            .map(String::as_str)
            .collect();
        let dir = p.manifest_path.parent().map(Path::to_path_buf);
        let library_toml = dir.as_ref().map(|d| d.join("library.toml"));
        let lib = match library_toml.filter(|f| f.is_file()) {
            // A syspack sys crate: its library.toml names the library; SYSPACK_LINK=system rules.
            Some(file) => {
                let text = crate::config::read_bounded(&file, crate::config::MAX_TEXT_BYTES)
                    .with_context(|| format!("failed to read `{}`", file.display()))?;
                let t: toml::Table = toml::from_str(&text)
                    .with_context(|| format!("`{}` is not valid TOML", file.display()))?;
                let library = t
                    .get("library")
                    .and_then(|v| v.as_str())
                    .unwrap_or(links)
                    .to_string();
                let pc = t
                    .get("pkg_config_name")
                    .and_then(|v| v.as_str())
                    .unwrap_or(&library)
                    .to_string();
                LinkedLib {
                    kb_name: crate::sys_crates::SysCrate::find(&library)
                        .map_or(library.as_str(), |c| c.kb_name)
                        .to_string(),
                    pkg_config: pc,
                    krate: name,
                    crate_version: version,
                    vendored: false,
                    env: Vec::new(),
                }
            }
            // A registry -sys crate of the switch table (distro/data/bundling/sys-crates.toml) whose
            // library the knowledge base knows: its switch, and whether a feature it cannot
            // override still bundles.
            None if syspack_distro::sys_crates::find(&name)
                .is_some_and(|r| syspack_distro::kb::LIBRARIES.contains(&r.library.as_str())) =>
            {
                let row = syspack_distro::sys_crates::find(&name).expect("checked above");
                let vendored = row.no_switch
                    || features
                        .iter()
                        .any(|f| row.is_bundling(f) && !row.env_beats(f, &version));
                LinkedLib {
                    kb_name: row.library.clone(),
                    pkg_config: row.pkg_config.clone(),
                    krate: name,
                    crate_version: version,
                    vendored,
                    env: row
                        .env
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                }
            }
            None => {
                let Some((_, lib, pc, env)) = FOREIGN_SYS.iter().find(|(l, ..)| *l == links) else {
                    // A `links` key syspack does not know (a Rust-only `links` such as rayon's):
                    // nothing to depend on.
                    continue;
                };
                let vendored = features.iter().any(|f| {
                    ["bundled", "vendored", "static"]
                        .iter()
                        .any(|b| f.starts_with(b))
                });
                LinkedLib {
                    kb_name: lib.to_string(),
                    pkg_config: pc.to_string(),
                    krate: name,
                    crate_version: version,
                    vendored,
                    env: env
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                }
            }
        };
        out.entry(lib.kb_name.clone()).or_insert(lib);
    }
    Ok(out.into_values().collect())
}

fn locked_crates(root: &Path, meta: &Metadata) -> Result<Vec<LockedCrate>> {
    let lock_path = root.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock_path).with_context(|| {
        format!(
            "failed to read `{}`; distro builds are --locked: run `cargo generate-lockfile` and \
             ship `Cargo.lock` in the source",
            lock_path.display()
        )
    })?;
    let lock: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", lock_path.display()))?;
    let licenses: BTreeMap<(&str, &str), &str> = meta
        .packages
        .iter()
        .map(|p| {
            let license = p.license.as_deref().unwrap_or_default();
            ((p.name.as_str(), p.version.as_str()), license)
        })
        .collect();
    let mut out = Vec::new();
    for p in lock
        .get("package")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let get = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let source = get("source");
        if source.is_empty() {
            continue; // a path dependency: part of the source tarball
        }
        if source.starts_with("git+") {
            bail!(
                "`Cargo.lock` pins `{}` from git ({source}); syspack recipes support registry and \
                 path dependencies only: publish the crate or vendor it as a path dependency",
                get("name")
            );
        }
        let (name, version) = (get("name").to_string(), get("version").to_string());
        out.push(LockedCrate {
            license: licenses
                .get(&(name.as_str(), version.as_str()))
                .map_or_else(String::new, |l| l.to_string()),
            checksum: get("checksum").to_string(),
            name,
            version,
        });
    }
    // Cargo.lock's own order (by name, then version): `make cargo-crates` lists them so.
    Ok(out)
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn rel_to(root: &Path, p: &Path) -> Result<String> {
    let rel = p.strip_prefix(root).map_err(|_| {
        anyhow!(
            "`{}` is outside the project directory `{}`: a recipe can only install files of the \
             source tarball",
            p.display(),
            root.display()
        )
    })?;
    rel.to_str()
        .map(|s| s.to_string())
        .ok_or_else(|| anyhow!("`{}` is not UTF-8", p.display()))
}

fn file_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(p) {
        Ok(m) if m.permissions().mode() & 0o111 != 0 => 0o755,
        _ => 0o644,
    }
}

fn installs(
    assets: &[crate::config::AssetSpec],
    base_dir: &Path,
    root: &Path,
) -> Result<Vec<Install>> {
    let mut out = Vec::new();
    for a in assets {
        let into_dir = |file: &str| {
            if a.dest.ends_with('/') {
                format!("{}{file}", a.dest)
            } else {
                a.dest.clone()
            }
        };
        if let Some(link) = &a.symlink {
            out.push(Install {
                source: InstallSource::Symlink(link.clone()),
                dest: a.dest.clone(),
                mode: 0o777,
                kind: a.kind,
            });
            continue;
        }
        if let Some(bin) = a.source.strip_prefix("target/release/") {
            out.push(Install {
                source: InstallSource::Built(bin.to_string()),
                dest: into_dir(bin),
                mode: a.mode.unwrap_or(0o755),
                kind: a.kind,
            });
            continue;
        }
        let abs = |s: &str| {
            let p = Path::new(s);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };
        let files: Vec<PathBuf> = if is_glob(&a.source) {
            let pattern = abs(&a.source);
            let mut v: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
                .with_context(|| format!("bad glob in asset `{}`", a.key))?
                .filter_map(|r| r.ok())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            if v.is_empty() {
                bail!("asset `{}`: the glob `{}` matches no file", a.key, a.source);
            }
            v
        } else {
            let p = abs(&a.source);
            if !p.is_file() {
                bail!(
                    "asset `{}`: `{}` is not a file of the source tree; fix `source`",
                    a.key,
                    p.display()
                );
            }
            vec![p]
        };
        for f in files {
            let rel = rel_to(root, &f)?;
            let file_name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            out.push(Install {
                mode: a.mode.unwrap_or_else(|| file_mode(&f)),
                source: InstallSource::Tree(rel),
                dest: into_dir(&file_name),
                kind: a.kind,
            });
        }
    }
    Ok(out)
}

fn regenerations(root: &Path) -> Result<(Vec<Regeneration>, Vec<String>)> {
    let path = root.join("generated").join("manifest.toml");
    if !path.is_file() {
        return Ok((Vec::new(), Vec::new()));
    }
    let m = Manifest::load(&path).map_err(|e| anyhow!("{e}"))?;
    let mroot = m.root.canonicalize().unwrap_or(m.root.clone());
    let mut regen = Vec::new();
    let mut kept = Vec::new();
    for g in &m.generations {
        let external = g
            .inputs
            .iter()
            .any(|i| matches!(i.location, Location::External(_)));
        if external || g.generator == Generator::Bindgen {
            kept.push(g.name.clone());
            continue;
        }
        let wd = mroot.join(&g.workdir);
        let workdir = match wd.strip_prefix(root) {
            Ok(r) if r.as_os_str().is_empty() => ".".to_string(),
            Ok(r) => r.to_string_lossy().into_owned(),
            Err(_) => bail!(
                "generation `{}` of `{}` runs in `{}`, outside the project `{}`",
                g.name,
                path.display(),
                wd.display(),
                root.display()
            ),
        };
        // Manifest paths are relative to its root; the recipes' are relative to the project's.
        let rel = |e: &crate::generated::manifest::FileEntry| -> Result<String> {
            let abs = mroot.join(e.rel_path());
            let r = abs.strip_prefix(root).map_err(|_| {
                anyhow!(
                    "`{}` of generation `{}` in `{}` is outside the project `{}`",
                    abs.display(),
                    g.name,
                    path.display(),
                    root.display()
                )
            })?;
            r.to_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("`{}` is not UTF-8", abs.display()))
        };
        regen.push(Regeneration {
            name: g.name.clone(),
            program: g.generator.program().to_string(),
            workdir,
            args: g.args.clone(),
            version: g.version.clone(),
            inputs: g.inputs.iter().map(rel).collect::<Result<_>>()?,
            outputs: g.outputs.iter().map(rel).collect::<Result<_>>()?,
        });
    }
    Ok((regen, kept))
}

fn units(cfg: &Config, root: &Path) -> Result<Vec<Unit>> {
    let mut out: Vec<Unit> = Vec::new();
    for u in &cfg.systemd_units {
        if !u.unit.is_file() {
            bail!(
                "systemd unit `{}` of `{}` is not a file; fix `unit` in `systemd-units`",
                u.unit.display(),
                cfg.file.display()
            );
        }
        let source = rel_to(root, &u.unit)?;
        let name = crate::stage::unit_name(&u.unit)?;
        if out.iter().any(|o| o.name == name) {
            bail!(
                "two systemd units are named `{name}` in `{}`; unit names must be unique",
                cfg.file.display()
            );
        }
        out.push(Unit {
            source,
            name,
            enable: u.enable,
            start: u.start,
        });
    }
    Ok(out)
}

fn license_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| {
            let u = n.to_ascii_uppercase();
            u.starts_with("LICENSE") || u.starts_with("LICENCE") || u.starts_with("COPYING")
        })
        .collect();
    v.sort();
    v
}

/// Reads a cargo project into a [`Project`].
///
/// # Errors
///
/// A configuration error, a missing `Cargo.lock`, a failing `cargo metadata`, an asset outside
/// the project, a git dependency, a bad `generated/manifest.toml`.
pub fn load(
    manifest: &Path,
    format: Format,
    source_url: Option<String>,
    features: &[String],
) -> Result<Project> {
    let manifest = manifest
        .canonicalize()
        .with_context(|| format!("failed to read `{}`", manifest.display()))?;
    let cfg = Config::from_cargo_manifest(&manifest)?;
    let cargo = cfg.cargo.clone().ok_or_else(|| {
        anyhow!("`syspack recipe` needs a cargo package: distros build recipes with cargo")
    })?;
    let root = cargo
        .workspace_root
        .canonicalize()
        .with_context(|| format!("failed to read `{}`", cargo.workspace_root.display()))?;
    let meta = cargo_metadata(&manifest)?;
    let root_id = meta
        .package_at(&manifest)
        .map(|p| p.id.clone())
        .ok_or_else(|| anyhow!("`cargo metadata` does not list `{}`", manifest.display()))?;
    let libraries = linked_libraries(&meta, &root_id)?;
    let switch_env: Vec<(String, String)> = crate::link::from_metadata(&meta, Some(&root_id))
        .iter()
        .filter_map(|c| syspack_distro::sys_crates::find(&c.name))
        .filter(|r| !r.no_switch)
        .flat_map(|r| r.env.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    let crates = locked_crates(&root, &meta)?;
    let manifest_rel = rel_to(&root, &manifest)?;
    let (regen, kept) = regenerations(&root)?;
    let (date, _) = crate::stage::source_date(&root)?;
    let warnings = cfg.warnings.clone();
    let units = units(&cfg, &root)?;
    let mut feats = cargo.features.clone();
    feats.extend(features.iter().cloned());
    let mut relations = BTreeMap::new();
    for f in Format::ALL {
        relations.insert(f, cfg.relations_for(f));
    }
    // The format's own view: each tool's table names, describes and fills its own package.
    let m = cfg.meta_for(format);
    Ok(Project {
        name: m.name.clone(),
        version: m.version.clone(),
        release: m.release.clone().unwrap_or_else(|| "1".into()),
        summary: m.summary.clone(),
        description: if m.description.trim().is_empty() {
            m.summary.clone()
        } else {
            m.description.clone()
        },
        license: m.license.clone(),
        maintainer: m.maintainer.clone(),
        homepage: m.homepage.clone(),
        section: cfg
            .overrides
            .get(&format)
            .and_then(|o| o.section.clone())
            .or(m.section),
        // `cargo build -p` takes the crate's name, whatever a table names the package.
        cargo_package: (manifest.parent() != Some(root.as_path()))
            .then(|| cargo.crate_name.clone()),
        features: feats,
        libraries,
        switch_env,
        crates,
        installs: installs(cfg.assets_for(format), &cfg.base_dir, &root)?,
        conffiles: cfg.conffiles.clone(),
        scripts: Scripts::read(cfg.scripts_for(format))?,
        units,
        regenerations: regen,
        kept_generations: kept,
        relations,
        license_files: license_files(&root),
        date: date.secs(),
        source_url,
        root,
        manifest_rel,
        warnings,
    })
}

// ---------------------------------------------------------------------------------------------
// Tarballs.

/// A reproducible `.tar.gz` of `dir`'s files under `prefix/`, skipping top-level names in
/// `skip`; entries sorted, owner root, time `date`.
pub fn tar_gz(dir: &Path, prefix: &str, skip: &[&Path], date: u64) -> Result<Vec<u8>> {
    let enc = syspack_distro::compress::Encoder::new(Vec::new(), Compression::Gzip { level: 9 })
        .context("failed to start gzip")?;
    let mut tar = TarWriter::new(enc, TarFlavor::Pax, date);
    let owner = Owner::root();
    tar.append_dir(&format!("{prefix}/"), 0o755, &owner)?;
    let walker = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip.iter().any(|s| e.path() == *s));
    for e in walker {
        let e = e.with_context(|| format!("failed to read `{}`", dir.display()))?;
        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
        let rel = rel
            .to_str()
            .ok_or_else(|| anyhow!("`{}` is not UTF-8", e.path().display()))?;
        let name = format!("{prefix}/{rel}");
        let ft = e.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(e.path())
                .with_context(|| format!("failed to read `{}`", e.path().display()))?;
            tar.append_symlink(&name, &target.to_string_lossy(), &owner)?;
        } else if ft.is_dir() {
            tar.append_dir(&format!("{name}/"), 0o755, &owner)?;
        } else {
            let f = std::fs::File::open(e.path())
                .with_context(|| format!("failed to read `{}`", e.path().display()))?;
            let size = f.metadata()?.len();
            tar.append_file(&name, size, file_mode(e.path()), &owner, f)
                .with_context(|| format!("failed to archive `{}`", e.path().display()))?;
        }
    }
    let enc = tar.finish()?;
    Ok(enc.finish()?)
}

/// The upstream source tarball: the workspace without `target/`, `.git/` and `exclude`.
pub fn source_tarball(p: &Project, exclude: &[&Path]) -> Result<Vec<u8>> {
    let target = p.root.join("target");
    let git = p.root.join(".git");
    let mut skip: Vec<&Path> = vec![&target, &git];
    skip.extend(exclude);
    tar_gz(&p.root, &p.dir_name(), &skip, p.date)
}

/// Runs `cargo vendor --locked --versioned-dirs` and returns the tarball of `vendor/`.
pub fn vendor_tarball(p: &Project) -> Result<Vec<u8>> {
    let tmp = tempfile::Builder::new()
        .prefix("syspack-vendor-")
        .tempdir()
        .context("failed to create a temporary directory")?;
    let dir = tmp.path().join("vendor");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["vendor", "--locked", "--versioned-dirs", "--manifest-path"])
        .arg(p.root.join(&p.manifest_rel))
        .arg(&dir)
        .output()
        .context("failed to run `cargo vendor`")?;
    if !out.status.success() {
        bail!(
            "`cargo vendor --locked` failed:\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    if !dir.exists() {
        std::fs::create_dir_all(&dir)?;
    }
    tar_gz(&dir, "vendor", &[], p.date)
}

/// sha256 in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The cargo source replacement that points the registry at `dir` (an absolute path or a shell
/// expression the recipe expands).
pub fn vendor_config(dir: &str) -> String {
    format!(
        "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"{dir}\"\n"
    )
}

/// Writes every file below `out`, each atomically.
///
/// # Errors
///
/// An I/O error naming the file.
pub fn write_files(out: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for f in files {
        let path = out.join(&f.path);
        let dir = path.parent().unwrap_or(out);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow!("bad output name `{}`", f.path))?;
        let p = syspack_distro::output::write_atomically(dir, name, |w| {
            w.write_all(&f.data)
                .map_err(|e| syspack_distro::Error::io(&path, "writing", e))
        })?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f.mode))
                .with_context(|| format!("failed to set the mode of `{}`", p.display()))?;
        }
        written.push(p);
    }
    Ok(written)
}

/// Splits `Name <email>` into its parts.
pub fn split_maintainer(m: &str) -> (String, String) {
    match (m.find('<'), m.rfind('>')) {
        (Some(a), Some(b)) if a < b => (m[..a].trim().to_string(), m[a + 1..b].trim().to_string()),
        _ => (m.trim().to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests;
