//! The crates of the build: the C libraries it links (from `cargo metadata`'s graph and the
//! sys crates' switch tables) and the registry crates `Cargo.lock` pins.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cargo_metadata::Metadata;

use super::model::{LinkedLib, LockedCrate};

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
pub(super) fn cargo_metadata(manifest: &Path) -> Result<Metadata> {
    let mut cmd = crate::cargo_metadata::command(manifest);
    cmd.arg("--locked");
    crate::cargo_metadata::run(cmd).context(
        "recipes build --locked: commit an up-to-date `Cargo.lock` (`cargo generate-lockfile`)",
    )
}

/// The C libraries reachable from `root_id` through normal and build dependencies.
pub(super) fn linked_libraries(meta: &Metadata, root_id: &str) -> Result<Vec<LinkedLib>> {
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

pub(super) fn locked_crates(root: &Path, meta: &Metadata) -> Result<Vec<LockedCrate>> {
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
