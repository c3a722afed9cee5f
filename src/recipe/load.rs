//! Loading a project for a recipe: its installs, generated sources, units and license files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use syspack_distro::Format;

use crate::config::Config;
use crate::generated::manifest::{Generator, Location, Manifest};

use super::model::{Install, InstallSource, Project, Regeneration, Scripts, Unit};

use super::crates::{cargo_metadata, linked_libraries, locked_crates};
use super::tarball::file_mode;

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
