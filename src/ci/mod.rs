//! CI across distros: what a generated workflow must do for a project, derived from its
//! configuration and the knowledge base, then written for one CI engine ([`github`]).
//!
//! [`Plan::new`] decides, engine-free: the targets (the project's configured `targets`, else
//! the newest release of each family), where each runs ([`runners`]), the C libraries the
//! project links (its `Cargo.lock`'s sys crates) and, per release, the development packages
//! that provide them (the knowledge base's `dev` package), the link modes (system and
//! vendored), the programs to run once installed, and whether vendored builds need the pinned
//! sources fetched first (the project has `pin.toml` files).

pub mod github;
pub mod release;
pub mod runners;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syspack_build::shell;
use syspack_distro::kb::Provider;

use crate::config::{AssetKind, Config, PublishSpec};
use crate::target::Target;
use runners::Runner;

/// The common sys crates from crates.io whose C library the knowledge base knows, by crate
/// name, sorted (syspack's own come from [`crate::sys_crates::ALL`]).
const FOREIGN_SYS_CRATES: &[(&str, &str)] = &[
    ("bzip2-sys", "bzip2"),
    ("libarchive3-sys", "libarchive"),
    ("liblzma-sys", "xz"),
    ("libsqlite3-sys", "sqlite"),
    ("libz-sys", "zlib"),
    ("lzma-sys", "xz"),
    ("openssl-sys", "openssl"),
    ("zstd-sys", "zstd"),
];

/// The knowledge base's library of the sys crate `name`, if it knows the library: syspack's own
/// sys crates and the common ones from crates.io.
fn sys_crate_library(name: &str) -> Option<&'static str> {
    let own = crate::sys_crates::ALL
        .iter()
        .find(|c| c.krate == name)
        .map(|c| c.kb_name)
        .filter(|lib| syspack_distro::kb::LIBRARIES.contains(lib));
    own.or_else(|| {
        FOREIGN_SYS_CRATES
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, lib)| *lib)
    })
}

/// How a link mode builds the project's C libraries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Link {
    /// Against the release's shared libraries (`SYSPACK_LINK=system`).
    System,
    /// From the pinned sources, statically (`SYSPACK_LINK=vendored`, and the `vendored` feature
    /// where the project has one).
    Vendored,
}

impl Link {
    /// The value of `SYSPACK_LINK`.
    pub fn name(self) -> &'static str {
        match self {
            Link::System => "system",
            Link::Vendored => "vendored",
        }
    }
}

/// How the project is built and packaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Build {
    /// A cargo package: `syspack package` builds it.
    Cargo {
        /// `--manifest-path` relative to the repository root (`None`: `Cargo.toml` at the root).
        manifest: Option<String>,
        /// The package has a `vendored` feature to pass in vendored builds.
        vendored_feature: bool,
    },
    /// A standalone `syspack.toml` over files already in the repository (no build, no link
    /// modes).
    Standalone {
        /// The configuration, relative to the repository root.
        config: String,
    },
}

/// One target in the workflow.
#[derive(Clone, Debug)]
pub struct TargetPlan {
    /// The release id (`debian-12`).
    pub id: String,
    /// Where it runs.
    pub runner: Runner,
    /// Development packages for the project's C libraries (system builds), sorted.
    pub dev_packages: Vec<String>,
    /// Why a system build cannot work there (a library the release does not package).
    pub no_system: Option<String>,
    /// The release needs Fedora EPEL for some of them.
    pub needs_epel: bool,
}

/// Everything a workflow for the project needs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The package name.
    pub name: String,
    /// The project is syspack itself: build syspack from the checkout instead of installing it.
    pub is_syspack: bool,
    /// How it is built.
    pub build: Build,
    /// The link modes (empty for a standalone configuration).
    pub links: Vec<Link>,
    /// The targets, in configured order.
    pub targets: Vec<TargetPlan>,
    /// Where the targets came from, for the workflow's header.
    pub targets_from: &'static str,
    /// cargo's target directory relative to the repository root (cached between runs).
    pub target_dir: Option<String>,
    /// The C libraries (knowledge-base names), sorted.
    pub libraries: Vec<String>,
    /// Directories holding `*/pin.toml` (relative to the repository root), sorted.
    pub pin_dirs: Vec<String>,
    /// Shell commands that prove the installed package runs.
    pub smoke: Vec<String>,
    /// Releases left out, with the reason, for warnings.
    pub skipped: Vec<(String, String)>,
    /// The `syspack ci github` arguments that regenerate the workflow.
    pub regenerate: String,
    /// Release channels and storage, for the release workflows.
    pub publish: PublishSpec,
}

/// What the command was asked.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--target` values (override the configuration).
    pub targets: Vec<String>,
    /// `--run` commands (override `<program> --version`).
    pub run: Vec<String>,
    /// The repository root: paths in the workflow are relative to it.
    pub repo_root: PathBuf,
    /// `--manifest-path` as given, for the regenerate line.
    pub manifest_arg: Option<PathBuf>,
    /// `--config` as given.
    pub config_arg: Option<PathBuf>,
    /// `--release`: the release workflows, not the test workflow.
    pub release: bool,
}

/// `path` relative to `root`, with `/` separators.
fn relative(path: &Path, root: &Path) -> Result<String> {
    let abs = |p: &Path| -> Result<PathBuf> {
        std::fs::canonicalize(p).with_context(|| format!("failed to resolve `{}`", p.display()))
    };
    let (p, r) = (abs(path)?, abs(root)?);
    let rel = p.strip_prefix(&r).map_err(|_| {
        anyhow::anyhow!(
            "`{}` is outside the repository `{}`; run syspack inside the repository",
            path.display(),
            root.display()
        )
    })?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}

/// The C libraries of a `Cargo.lock`'s sys crates, sorted.
pub fn libraries_in_lockfile(lock: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(lock).with_context(|| {
        format!(
            "failed to read `{}`; the workflow derives the C libraries from it: run \
             `cargo generate-lockfile` first",
            lock.display()
        )
    })?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("`{}` is not valid TOML", lock.display()))?;
    let mut libs = BTreeSet::new();
    if let Some(toml::Value::Array(pkgs)) = doc.get("package") {
        for p in pkgs {
            let Some(name) = p.get("name").and_then(|n| n.as_str()) else {
                continue;
            };
            if let Some(lib) = sys_crate_library(name) {
                libs.insert(lib.to_string());
            }
        }
    }
    Ok(libs.into_iter().collect())
}

/// Directories `D` (relative to `root`) with a `D/*/pin.toml`, at most three levels down,
/// skipping `target/` and hidden directories; sorted.
fn pin_dirs(root: &Path) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    let walker = walkdir::WalkDir::new(root)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            e.depth() == 0 || !(n.starts_with('.') || n == "target")
        });
    for e in walker.flatten() {
        if e.file_name() == "pin.toml" && e.depth() >= 2 {
            if let Some(dir) = e.path().parent().and_then(Path::parent) {
                if let Ok(rel) = dir.strip_prefix(root) {
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    dirs.insert(if rel.is_empty() { ".".into() } else { rel });
                }
            }
        }
    }
    dirs.into_iter().collect()
}

/// The programs an installed package puts on `PATH`: plain assets installed into a `bin`
/// directory, by file name; sorted.
fn programs(cfg: &Config) -> Vec<String> {
    let mut out = BTreeSet::new();
    for a in &cfg.assets {
        if a.kind != AssetKind::Plain || a.symlink.is_some() {
            continue;
        }
        let in_bin = |d: &str| d.starts_with("/usr/bin/") || d.starts_with("/usr/sbin/");
        if !in_bin(&a.dest) {
            continue;
        }
        let name = if a.dest.ends_with('/') {
            Path::new(&a.source).file_name()
        } else {
            Path::new(&a.dest).file_name()
        };
        if let Some(n) = name.and_then(|n| n.to_str()) {
            if !n.contains(['*', '?', '[']) {
                out.insert(n.to_string());
            }
        }
    }
    out.into_iter().collect()
}

/// Does the cargo manifest declare a `vendored` feature?
fn has_vendored_feature(manifest: &Path) -> Result<bool> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("failed to read `{}`", manifest.display()))?;
    let doc: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", manifest.display()))?;
    Ok(doc
        .get("features")
        .and_then(|f| f.get("vendored"))
        .is_some())
}

impl Plan {
    /// Derives the plan from a loaded configuration.
    ///
    /// # Errors
    ///
    /// An unknown target (with a hint), an unreadable `Cargo.lock`, a path outside the
    /// repository, or no target left that CI can run.
    pub fn new(cfg: &Config, req: &Request) -> Result<Plan> {
        let root = &req.repo_root;
        let build = match &cfg.cargo {
            Some(cargo) => {
                let rel = relative(&cargo.manifest, root)?;
                Build::Cargo {
                    manifest: (rel != "Cargo.toml").then_some(rel),
                    vendored_feature: has_vendored_feature(&cargo.manifest)?,
                }
            }
            None => Build::Standalone {
                config: relative(&cfg.file, root)?,
            },
        };
        let target_dir = match &cfg.cargo {
            Some(cargo) => {
                let ws = relative(&cargo.workspace_root, root)?;
                Some(if ws.is_empty() {
                    "target".to_string()
                } else {
                    format!("{ws}/target")
                })
            }
            None => None,
        };
        let libraries = match &cfg.cargo {
            Some(cargo) => libraries_in_lockfile(&cargo.workspace_root.join("Cargo.lock"))?,
            None => Vec::new(),
        };
        let links = match build {
            Build::Cargo { .. } => vec![Link::System, Link::Vendored],
            Build::Standalone { .. } => Vec::new(),
        };
        let selected = crate::target::select(&req.targets, &[], &cfg.targets)?;
        let mut targets = Vec::new();
        let mut skipped = Vec::new();
        for t in &selected {
            let Some(runner) = Runner::for_release(t.release) else {
                skipped.push((t.id.clone(), runners::unsupported_reason(t.release)));
                continue;
            };
            targets.push(target_plan(t, runner, &libraries));
        }
        if targets.is_empty() {
            bail!(
                "none of the targets ({}) can run in CI; add a target with a container image or \
                 a FreeBSD VM, e.g. `--target debian-12`",
                selected
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let smoke = if req.run.is_empty() {
            programs(cfg)
                .into_iter()
                .map(|p| format!("{p} --version"))
                .collect()
        } else {
            req.run.clone()
        };
        let pin_dirs = match build {
            Build::Cargo { .. } => pin_dirs(root),
            Build::Standalone { .. } => Vec::new(),
        };
        let mut regenerate = String::from("syspack ci github");
        if req.release {
            regenerate.push_str(" --release");
        }
        if let Some(m) = &req.manifest_arg {
            regenerate.push_str(&format!(" --manifest-path {}", relative(m, root)?));
        }
        if let Some(c) = &req.config_arg {
            regenerate.push_str(&format!(" --config {}", relative(c, root)?));
        }
        for t in &req.targets {
            regenerate.push_str(&format!(" --target {t}"));
        }
        for r in &req.run {
            regenerate.push_str(&format!(" --run {}", shell::quote_always(r)));
        }
        Ok(Plan {
            name: cfg.meta.name.clone(),
            is_syspack: cfg.cargo.is_some() && cfg.meta.name == "syspack",
            build,
            links,
            targets,
            targets_from: if !req.targets.is_empty() {
                "--target"
            } else if !cfg.targets.is_empty() {
                "the project's `targets`"
            } else {
                "no `targets` configured: the newest release of each family"
            },
            target_dir,
            libraries,
            pin_dirs,
            smoke,
            skipped,
            regenerate,
            publish: cfg.publish.clone(),
        })
    }

    /// Vendored builds need the pinned sources fetched by a job of their own.
    pub fn fetches_sources(&self) -> bool {
        self.links.contains(&Link::Vendored) && !self.pin_dirs.is_empty()
    }
}

fn target_plan(t: &Target, runner: Runner, libraries: &[String]) -> TargetPlan {
    let mut dev = BTreeSet::new();
    let mut missing = Vec::new();
    let mut needs_epel = false;
    for lib in libraries {
        match t.release.library(lib).map(|f| (f, f.dev.known())) {
            Some((_, Some(Provider::BaseSystem))) => {}
            Some((fact, Some(Provider::Package(p)))) => {
                needs_epel |= fact.repository == syspack_distro::kb::Repository::Epel;
                dev.insert(p.as_str().to_string());
            }
            _ => missing.push(lib.as_str()),
        }
    }
    TargetPlan {
        id: t.id.clone(),
        runner,
        dev_packages: dev.into_iter().collect(),
        no_system: (!missing.is_empty()).then(|| {
            format!(
                "the knowledge base knows no development package of {} on {}",
                missing.join(", "),
                t.id
            )
        }),
        needs_epel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_crates_are_sorted_and_known_to_the_knowledge_base() {
        let names: Vec<&str> = FOREIGN_SYS_CRATES.iter().map(|(c, _)| *c).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for (c, lib) in FOREIGN_SYS_CRATES {
            assert!(
                syspack_distro::kb::LIBRARIES.contains(lib),
                "{c}: `{lib}` is not a knowledge-base library"
            );
        }
    }

    #[test]
    fn syspack_links_four_libraries() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
        assert_eq!(
            libraries_in_lockfile(&lock).unwrap(),
            ["bzip2", "xz", "zlib", "zstd"]
        );
    }

    #[test]
    fn a_library_the_release_does_not_package_rules_out_the_system_build() {
        let t = Target::resolve("debian-12").unwrap();
        let runner = Runner::for_release(t.release).unwrap();
        let ok = target_plan(&t, runner.clone(), &["zlib".into()]);
        assert_eq!(ok.dev_packages, ["zlib1g-dev"]);
        assert!(ok.no_system.is_none());
        let bad = target_plan(&t, runner, &["zlib".into(), "nosuch".into()]);
        assert!(bad.no_system.unwrap().contains("nosuch"));
        // FreeBSD's zlib is part of the base system: nothing to install.
        let bsd = Target::resolve("freebsd-14").unwrap();
        let p = target_plan(
            &bsd,
            Runner::for_release(bsd.release).unwrap(),
            &["zlib".into()],
        );
        assert!(p.dev_packages.is_empty() && p.no_system.is_none());
    }

    #[test]
    fn pins_are_found_in_sys_crates() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(pin_dirs(root), ["sys-crates"]);
    }
}
