//! The registry's `-sys` crates and the switch that makes each link the system's shared library
//! (`distro/data/bundling/sys-crates.toml`, every row sourced from the crate's `build.rs`): what
//! `syspack build|package --link system` and the recipes set.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::kb::Version;

/// The table, compiled in.
pub const TABLE: &str = include_str!("../data/bundling/sys-crates.toml");

/// What a crate's build script does when its switch is set and the library is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// The build fails.
    Fail,
    /// The bundled copy is built, quietly.
    Fallback,
}

/// One row.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SysCrate {
    /// The crate's name.
    pub name: String,
    /// The knowledge base's library name.
    pub library: String,
    /// The pkg-config module its build script probes.
    pub pkg_config: String,
    /// Variables to set for a system build.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables to remove (their presence asks for a bundled build).
    #[serde(default)]
    pub unset: Vec<String>,
    /// A variable naming the system library's directory (no pkg-config).
    #[serde(default)]
    pub lib_dir: Option<String>,
    /// With the switch set and the library absent.
    pub missing: Missing,
    /// Features that build a bundled copy.
    pub bundling: Vec<String>,
    /// The bundling features the switch overrides.
    pub env_beats: Vec<String>,
    /// The crate always builds its own copy.
    #[serde(default)]
    pub no_switch: bool,
    /// The oldest version whose switch beats `env_beats`.
    #[serde(default)]
    pub since: Option<String>,
    /// The versions read.
    pub read: String,
    /// The line of `build.rs` the row rests on.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(rename = "crate")]
    crates: Vec<SysCrate>,
}

/// The rows, parsed once.
///
/// # Panics
///
/// Only if the compiled-in table is invalid, which the unit tests rule out.
pub fn all() -> &'static [SysCrate] {
    static ROWS: OnceLock<Vec<SysCrate>> = OnceLock::new();
    ROWS.get_or_init(|| {
        toml::from_str::<TableFile>(TABLE)
            .expect("distro/data/bundling/sys-crates.toml is valid (unit-tested)")
            .crates
    })
}

/// The row of crate `name`.
pub fn find(name: &str) -> Option<&'static SysCrate> {
    all().iter().find(|c| c.name == name)
}

impl SysCrate {
    /// True when the switch beats bundling feature `feature` at crate version `version`.
    pub fn env_beats(&self, feature: &str, version: &str) -> bool {
        if !self.env_beats.iter().any(|f| f == feature) {
            return false;
        }
        let Some(since) = &self.since else {
            return true;
        };
        // `2.0.16+zstd.1.5.7`: the build metadata does not order versions.
        let plain = |v: &str| v.split('+').next().unwrap_or(v).to_string();
        match (Version::new(plain(version)), Version::new(plain(since))) {
            (Ok(v), Ok(s)) => v >= s,
            _ => false,
        }
    }

    /// True when `feature` builds a bundled copy.
    pub fn is_bundling(&self, feature: &str) -> bool {
        self.bundling.iter().any(|f| f == feature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_the_issue_crates() {
        let rows = all();
        for name in [
            "openssl-sys",
            "libz-sys",
            "zstd-sys",
            "libsqlite3-sys",
            "libgit2-sys",
            "libssh2-sys",
            "curl-sys",
            "bzip2-sys",
            "lzma-sys",
            "liblzma-sys",
            "onig_sys",
            "pcre2-sys",
            "freetype-sys",
            "libdbus-sys",
            "tikv-jemalloc-sys",
            "librocksdb-sys",
            "gettext-sys",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        // syspack's own, all of them.
        for c in rows.iter().filter(|c| c.name.starts_with("syspack-")) {
            assert_eq!(
                c.env.get("SYSPACK_LINK").map(String::as_str),
                Some("system")
            );
        }
        assert_eq!(
            rows.iter()
                .filter(|c| c.name.starts_with("syspack-"))
                .count(),
            7
        );
        for c in rows {
            for f in &c.env_beats {
                assert!(c.is_bundling(f), "{}: {f} beaten but not bundling", c.name);
            }
            assert!(!c.source.is_empty() && !c.read.is_empty(), "{}", c.name);
        }
    }

    #[test]
    fn the_switch_beats_features_only_from_its_version() {
        let git = find("libgit2-sys").unwrap();
        assert!(git.env_beats("vendored", "0.18.5+1.9.4"));
        assert!(!git.env_beats("vendored", "0.15.2+1.6.4"));
        let pcre = find("pcre2-sys").unwrap();
        assert!(!pcre.env_beats("static", "0.2.10"));
        let sqlite = find("libsqlite3-sys").unwrap();
        assert!(sqlite.env_beats("bundled", "0.30.1"));
        assert!(!sqlite.env_beats("bundled", "0.28.0"));
    }
}
