//! `cargo metadata --format-version 1`, typed: the fields syspack reads, and the walks over the
//! resolved graph that `--link system` ([`crate::link`]) and `syspack recipe` share.
//!
//! Own structs rather than the `cargo_metadata` crate, as cargo-deb does: syspack reads a dozen
//! fields, and the crate would add `camino`, `cargo-platform` and `semver` to the build for them.
//! Fields cargo may leave out are optional or default; anything else missing is an error naming
//! the command, never a silently empty graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// What `cargo metadata --format-version 1` prints.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    /// Every package of the workspace and its dependencies.
    pub packages: Vec<Package>,
    /// The resolved graph (absent with `--no-deps`).
    #[serde(default)]
    pub resolve: Option<Resolve>,
}

/// One package.
#[derive(Debug, Deserialize)]
pub struct Package {
    /// Cargo's package id: the key of [`Node::id`] and [`NodeDep::pkg`].
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// The SPDX expression of `package.license`.
    #[serde(default)]
    pub license: Option<String>,
    /// `package.links`: the native library a `-sys` crate links.
    #[serde(default)]
    pub links: Option<String>,
    /// The `[dependencies]` entries as written (before resolution).
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// The `[features]` table: each feature and what it turns on.
    #[serde(default)]
    pub features: BTreeMap<String, Vec<String>>,
}

/// A `[dependencies]` entry.
#[derive(Debug, Deserialize)]
pub struct Dependency {
    /// The package name depended on.
    pub name: String,
    /// The name the dependent uses for it (`package = "…"` renames).
    #[serde(default)]
    pub rename: Option<String>,
    /// The features the entry turns on.
    #[serde(default)]
    pub features: Vec<String>,
}

/// The resolved graph.
#[derive(Debug, Deserialize)]
pub struct Resolve {
    /// The package built from the given manifest (none in a virtual workspace).
    #[serde(default)]
    pub root: Option<String>,
    pub nodes: Vec<Node>,
}

/// A package in the resolved graph.
#[derive(Debug, Deserialize)]
pub struct Node {
    pub id: String,
    #[serde(default)]
    pub deps: Vec<NodeDep>,
    /// The features enabled on it in this resolution.
    #[serde(default)]
    pub features: Vec<String>,
}

/// An edge of the resolved graph.
#[derive(Debug, Deserialize)]
pub struct NodeDep {
    /// The package id depended on.
    pub pkg: String,
    /// The name the dependent's code uses (`-` as `_`, after renames).
    pub name: String,
    #[serde(default)]
    pub dep_kinds: Vec<DepKind>,
}

/// How a dependency is used: `kind` is `null` (normal), `"build"` or `"dev"`.
#[derive(Debug, Deserialize)]
pub struct DepKind {
    #[serde(default)]
    pub kind: Option<String>,
}

impl NodeDep {
    /// Whether the dependency is part of a build: a normal or build dependency, not only a
    /// dev-dependency.
    pub fn is_built(&self) -> bool {
        self.dep_kinds
            .iter()
            .any(|k| matches!(k.kind.as_deref(), None | Some("build")))
    }
}

/// The cargo program, for `cargo metadata` and for builds ([`crate::cargo_build`]): `$CARGO`
/// (set when run as `cargo syspack`), else `cargo`.
pub fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo metadata --format-version 1 --manifest-path MANIFEST`, to which callers add their
/// arguments before [`run`].
pub fn command(manifest: &Path) -> Command {
    let mut cmd = Command::new(cargo_program());
    cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest);
    cmd
}

/// Runs `cmd` (from [`command`]) and reads what it prints.
pub fn run(mut cmd: Command) -> Result<Metadata> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd
        .output()
        .with_context(|| format!("failed to run `{shown}`; is cargo installed and on PATH?"))?;
    if !out.status.success() {
        bail!(
            "`{shown}` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    parse(&out.stdout).with_context(|| format!("`{shown}` printed something syspack cannot read"))
}

/// Reads `cargo metadata`'s JSON.
pub fn parse(json: &[u8]) -> Result<Metadata> {
    Ok(serde_json::from_slice(json)?)
}

impl Metadata {
    /// The package whose manifest is `manifest` (compared canonicalized).
    pub fn package_at(&self, manifest: &Path) -> Option<&Package> {
        let want = manifest.canonicalize().ok()?;
        self.packages
            .iter()
            .find(|p| p.manifest_path.canonicalize().is_ok_and(|m| m == want))
    }

    /// The id of the package built from `manifest`: the resolve's root, or in a virtual
    /// workspace the member whose manifest it is.
    pub fn root_id(&self, manifest: &Path) -> Option<&str> {
        self.resolve
            .as_ref()
            .and_then(|r| r.root.as_deref())
            .or_else(|| self.package_at(manifest).map(|p| p.id.as_str()))
    }

    /// The packages by id.
    pub fn packages_by_id(&self) -> BTreeMap<&str, &Package> {
        self.packages.iter().map(|p| (p.id.as_str(), p)).collect()
    }

    /// The resolve's nodes by id (none without a resolve).
    pub fn nodes_by_id(&self) -> BTreeMap<&str, &Node> {
        self.resolve
            .iter()
            .flat_map(|r| &r.nodes)
            .map(|n| (n.id.as_str(), n))
            .collect()
    }

    /// The ids of the packages `root` reaches through normal and build dependencies (itself
    /// included): what a build of `root` compiles and links.
    pub fn built_from(&self, root: &str) -> BTreeSet<&str> {
        let nodes = self.nodes_by_id();
        let mut seen = BTreeSet::new();
        let mut todo = vec![root];
        while let Some(id) = todo.pop() {
            let Some((&id, node)) = nodes.get_key_value(id) else {
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            todo.extend(
                node.deps
                    .iter()
                    .filter(|d| d.is_built())
                    .map(|d| d.pkg.as_str()),
            );
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_dependencies_are_not_built() {
        let m = parse(
            br#"{"packages": [], "resolve": {"root": "a", "nodes": [
                {"id": "a", "features": [], "deps": [
                    {"pkg": "b", "name": "b", "dep_kinds": [{"kind": null}]},
                    {"pkg": "c", "name": "c", "dep_kinds": [{"kind": "dev"}]},
                    {"pkg": "d", "name": "d", "dep_kinds": [{"kind": "dev"}, {"kind": "build"}]}]},
                {"id": "b", "deps": [{"pkg": "a", "name": "a", "dep_kinds": [{"kind": null}]}]},
                {"id": "c"}, {"id": "d"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            m.built_from("a").into_iter().collect::<Vec<_>>(),
            ["a", "b", "d"]
        );
    }

    #[test]
    fn a_package_without_its_id_is_an_error_not_an_empty_graph() {
        let err = parse(br#"{"packages": [{"name": "x", "version": "1"}]}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `id`"), "{err}");
    }
}
