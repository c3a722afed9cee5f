//! `--link system`: every C library of the build from the system, for any crate.
//!
//! The registry's `-sys` crates each have their own switch (`distro/data/bundling/sys-crates.toml`, read
//! through [`syspack_distro::sys_crates`]); Cargo cannot turn a dependency's feature off from the
//! outside. So a system build
//!
//! 1. reads the resolved graph (`cargo metadata`, with the build's features, for the build's
//!    platform) and keeps the packages the built package reaches through normal and build
//!    dependencies;
//! 2. sets the switch of every known `-sys` crate present (and removes the variables that ask
//!    for a bundled copy);
//! 3. refuses, before building, a crate that would still bundle: one with no system variant, or
//!    a bundling feature its switch does not beat — naming the crate, its version, the feature,
//!    who turns it on, and the way out;
//! 4. after the build, audits the executables ([`syspack_distro::audit`]): a crate whose build
//!    script quietly fell back to its bundled copy (the library's `-dev` package missing) is an
//!    error too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Result};
use syspack_distro::sys_crates::{self, SysCrate};

use crate::cargo_metadata::Metadata;

/// How the build links the C libraries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Link {
    /// Whatever each crate does by default (often a bundled copy).
    #[default]
    Auto,
    /// Every C library from the system, found by pkg-config; a crate that would bundle is an
    /// error.
    System,
}

/// One package of the resolved graph.
#[derive(Clone, Debug)]
pub struct GraphCrate {
    /// The crate's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its enabled features.
    pub features: Vec<String>,
    /// For each enabled feature, who turns it on (`rusqlite 0.32.1 (its feature `bundled`)`).
    pub enabled_by: BTreeMap<String, Vec<String>>,
    /// The packages of the graph that depend on it (`rusqlite 0.32.1`).
    pub dependents: Vec<String>,
}

/// The graph of `manifest` built with `features` (and without the default ones unless
/// `default_features`): the packages the root package reaches through normal and build
/// dependencies.
pub fn graph(
    manifest: &Path,
    features: &[String],
    default_features: bool,
) -> Result<Vec<GraphCrate>> {
    let mut cmd = crate::cargo_metadata::command(manifest);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    if !default_features {
        cmd.arg("--no-default-features");
    }
    // The platform the build is for: a dependency of another platform's (a Windows-only crate)
    // neither builds nor needs a switch.
    let platform = std::env::var("CARGO_BUILD_TARGET")
        .ok()
        .or_else(|| crate::toolchain::ZigTarget::host_triple().ok());
    if let Some(p) = platform {
        cmd.arg("--filter-platform").arg(p);
    }
    let meta = crate::cargo_metadata::run(cmd)?;
    Ok(from_metadata(&meta, meta.root_id(manifest)))
}

/// [`graph`] from `cargo metadata`'s JSON; `root`: the built package's id (all packages when
/// unknown).
pub fn from_metadata(meta: &Metadata, root: Option<&str>) -> Vec<GraphCrate> {
    let (packages, nodes) = (meta.packages_by_id(), meta.nodes_by_id());
    let reached: BTreeSet<&str> = match root {
        Some(root) => meta.built_from(root),
        None => nodes.keys().copied().collect(),
    };
    let mut out = Vec::new();
    for id in &reached {
        let (Some(p), Some(node)) = (packages.get(id), nodes.get(id)) else {
            continue;
        };
        let name = &p.name;
        // Who turns each feature on: a dependent's `[dependencies]` entry, or one of its enabled
        // features naming `<dep>/<feature>`.
        let mut enabled_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut dependents = Vec::new();
        for (pid, pnode) in &nodes {
            if !reached.contains(pid) {
                continue;
            }
            let Some(dep) = pnode.deps.iter().find(|d| d.pkg == *id) else {
                continue;
            };
            let Some(parent) = packages.get(pid) else {
                continue;
            };
            let (pname, pversion) = (&parent.name, &parent.version);
            dependents.push(format!("{pname} {pversion}"));
            // The name the parent knows the dependency by (a rename).
            let local = dep.name.replace('-', "_");
            for d in &parent.dependencies {
                let dname = d.rename.as_deref().unwrap_or(&d.name);
                if d.name != *name && dname.replace('-', "_") != local {
                    continue;
                }
                for f in &d.features {
                    enabled_by.entry(f.clone()).or_default().push(format!(
                        "{pname} {pversion} (its dependency on {name} lists feature `{f}`)"
                    ));
                }
            }
            for (feat, values) in &parent.features {
                if !pnode.features.contains(feat) {
                    continue;
                }
                for v in values {
                    let Some((dep_name, f)) = v.split_once('/') else {
                        continue;
                    };
                    let dep_name = dep_name.trim_end_matches('?');
                    if dep_name == name || dep_name.replace('-', "_") == local {
                        enabled_by
                            .entry(f.to_string())
                            .or_default()
                            .push(format!("{pname} {pversion} (its feature `{feat}`)"));
                    }
                }
            }
        }
        out.push(GraphCrate {
            name: name.clone(),
            version: p.version.clone(),
            features: node.features.clone(),
            enabled_by,
            dependents,
        });
    }
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    out
}

/// A system build's switches, and where each library comes from.
#[derive(Debug, Default)]
pub struct Plan {
    /// Variables to set.
    pub env: BTreeMap<String, String>,
    /// Variables to remove.
    pub unset: BTreeSet<String>,
    /// One line per `-sys` crate present: `sqlite: system, pkg-config sqlite3 (libsqlite3-sys
    /// 0.30.1: LIBSQLITE3_SYS_USE_PKG_CONFIG=1)`.
    pub lines: Vec<String>,
}

/// The switches for `graph`; an error for every crate that would still bundle.
pub fn plan_system(graph: &[GraphCrate]) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for c in graph {
        let Some(row) = sys_crates::find(&c.name) else {
            continue;
        };
        if row.no_switch {
            problems.push(format!(
                "{} {} always builds its own copy of {} (it has no system variant: {}); drop \
                 the dependency or the feature that pulls it in{}",
                c.name,
                c.version,
                row.library,
                row.source,
                who_pulls(c)
            ));
            continue;
        }
        for f in c.features.iter().filter(|f| row.is_bundling(f)) {
            if row.env_beats(f, &c.version) {
                continue;
            }
            let by = c
                .enabled_by
                .get(f)
                .map(|v| v.join("; "))
                .unwrap_or_else(|| {
                    "the features given to the build (--features, or the package's defaults)".into()
                });
            problems.push(format!(
                "{} {} has its feature `{f}` on, which builds a bundled {}, and {}; it is turned \
                 on by {by}. The way out: build without that feature (a feature of the crate \
                 that turns it on, or `default-features = false` on that dependency), or accept \
                 the bundled copy (build without --link system; `syspack package` then declares \
                 it)",
                c.name,
                c.version,
                row.library,
                if row.env_beats.iter().any(|b| b == f) {
                    format!(
                        "the switch table knows its variable to override that feature from \
                         version {} on (older versions have none, or were not read): update the \
                         crate",
                        row.since.as_deref().unwrap_or("?")
                    )
                } else {
                    "no variable overrides it".to_string()
                }
            ));
        }
        if let Some(var) = &row.lib_dir {
            if std::env::var_os(var).is_none() {
                problems.push(format!(
                    "{} {} builds its bundled {} unless `{var}` names the directory of the \
                     system's library (`{var}=/usr/lib/x86_64-linux-gnu` on Debian amd64); set it",
                    c.name, c.version, row.library
                ));
                continue;
            }
        }
        plan.env
            .extend(row.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        plan.unset.extend(row.unset.iter().cloned());
        plan.lines.push(describe(row, c));
    }
    if !problems.is_empty() {
        bail!(
            "--link system: {} crate{} would still build a bundled C library:\n  * {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("\n  * ")
        );
    }
    Ok(plan)
}

fn describe(row: &SysCrate, c: &GraphCrate) -> String {
    let mut switch: Vec<String> = row.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    switch.extend(row.unset.iter().map(|k| format!("{k} unset")));
    if let Some(v) = &row.lib_dir {
        switch.push(format!("{v} from the environment"));
    }
    let switch = if switch.is_empty() {
        "no variable: its build script tries pkg-config first".to_string()
    } else {
        switch.join(", ")
    };
    format!(
        "{}: system, pkg-config {} ({} {}: {switch}{})",
        row.library,
        row.pkg_config,
        c.name,
        c.version,
        match row.missing {
            sys_crates::Missing::Fail => "",
            sys_crates::Missing::Fallback =>
                "; falls back to its bundled copy when the library is missing, which the audit after the build refuses",
        }
    )
}

/// ` (a dependency of a 1.0, b 2.0)`: the graph's packages depending on `c`.
fn who_pulls(c: &GraphCrate) -> String {
    if c.dependents.is_empty() {
        String::new()
    } else {
        format!(" (a dependency of {})", c.dependents.join(", "))
    }
}

/// The crates of `graph` that build a copy of `library` (by the table), for the audit's
/// attribution: `libsqlite3-sys 0.30.1, bundled feature`.
pub fn attribution(graph: &[GraphCrate], library: &str) -> Vec<String> {
    graph
        .iter()
        .filter_map(|c| {
            let row = sys_crates::find(&c.name).filter(|r| r.library == library)?;
            let on: Vec<&str> = c
                .features
                .iter()
                .filter(|f| row.is_bundling(f))
                .map(String::as_str)
                .collect();
            Some(if on.is_empty() {
                format!("{} {}", c.name, c.version)
            } else {
                format!("{} {}, {} feature", c.name, c.version, on.join("/"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        let json = serde_json::json!({
            "packages": [
                {"id": "app", "name": "app", "version": "0.1.0", "manifest_path": "/p/app/Cargo.toml", "features": {},
                 "dependencies": [{"name": "rusqlite", "features": ["bundled"]}, {"name": "zstd-sys", "features": []}]},
                {"id": "rusqlite", "name": "rusqlite", "version": "0.32.1", "manifest_path": "/p/Cargo.toml",
                 "features": {"bundled": ["libsqlite3-sys/bundled"]},
                 "dependencies": [{"name": "libsqlite3-sys", "features": []}]},
                {"id": "sqlite", "name": "libsqlite3-sys", "version": "0.28.0", "manifest_path": "/p/Cargo.toml", "features": {}, "dependencies": []},
                {"id": "zstd", "name": "zstd-sys", "version": "2.0.16+zstd.1.5.7", "manifest_path": "/p/Cargo.toml", "features": {}, "dependencies": []},
                {"id": "dev", "name": "tikv-jemalloc-sys", "version": "0.6.1", "manifest_path": "/p/Cargo.toml", "features": {}, "dependencies": []}
            ],
            "resolve": {"root": "app", "nodes": [
                {"id": "app", "features": [], "deps": [
                    {"pkg": "rusqlite", "name": "rusqlite", "dep_kinds": [{"kind": null}]},
                    {"pkg": "zstd", "name": "zstd_sys", "dep_kinds": [{"kind": null}]},
                    {"pkg": "dev", "name": "tikv_jemalloc_sys", "dep_kinds": [{"kind": "dev"}]}]},
                {"id": "rusqlite", "features": ["bundled"], "deps": [
                    {"pkg": "sqlite", "name": "libsqlite3_sys", "dep_kinds": [{"kind": null}]}]},
                {"id": "sqlite", "features": ["bundled"], "deps": []},
                {"id": "zstd", "features": [], "deps": []},
                {"id": "dev", "features": [], "deps": []}
            ]}
        });
        crate::cargo_metadata::parse(json.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_bundling_feature_no_switch_beats_names_the_crate_and_who_turns_it_on() {
        let g = from_metadata(&meta(), Some("app"));
        // The dev-dependency is not part of the build.
        assert!(!g.iter().any(|c| c.name == "tikv-jemalloc-sys"));
        let err = plan_system(&g).unwrap_err().to_string();
        assert!(
            err.contains("libsqlite3-sys 0.28.0 has its feature `bundled` on"),
            "{err}"
        );
        assert!(
            err.contains("rusqlite 0.32.1 (its feature `bundled`)"),
            "{err}"
        );
        assert!(err.contains("from version 0.30.1 on"), "{err}");
    }

    #[test]
    fn switches_are_set_for_the_crates_present() {
        let mut m = meta();
        m.packages[2].version = "0.30.1".into();
        let g = from_metadata(&m, Some("app"));
        let plan = plan_system(&g).unwrap();
        assert_eq!(plan.env["LIBSQLITE3_SYS_USE_PKG_CONFIG"], "1");
        assert_eq!(plan.env["ZSTD_SYS_USE_PKG_CONFIG"], "1");
        assert_eq!(
            attribution(&g, "sqlite"),
            ["libsqlite3-sys 0.30.1, bundled feature"]
        );
    }

    #[test]
    fn a_crate_without_a_system_variant_is_an_error() {
        let m = meta();
        let g = from_metadata(&m, None);
        let err = plan_system(&g).unwrap_err().to_string();
        assert!(
            err.contains("tikv-jemalloc-sys 0.6.1 always builds its own copy of jemalloc"),
            "{err}"
        );
    }
}
