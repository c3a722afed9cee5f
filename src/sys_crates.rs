//! The workspace's seven sys crates as they describe themselves: each exports its `library.toml`
//! (`LIBRARY_MANIFEST`), `pin.toml` (`PIN`) and the provenance its build recorded
//! (`PROVENANCE_JSON`), so `syspack doctor`, `syspack vendor`, `syspack matrix`,
//! `syspack --provenance`, the shared-library dependencies and the recipes read one description
//! of each C library, compiled into the binary. This table is the one list of them: adding a sys
//! crate is adding an entry here (and to the workspace).

use std::path::Path;

use anyhow::{Context, Result};
use syspack_distro::kb::Version;

/// One sys crate.
pub struct SysCrate {
    /// The crate's name (`syspack-lzma-sys`), as in a `Cargo.lock`.
    pub krate: &'static str,
    /// syspack's library name (`lzma`), as in provenance records and pins.
    pub library: &'static str,
    /// The knowledge base's name for the same library (`xz`).
    pub kb_name: &'static str,
    /// The text of its `library.toml`.
    pub manifest: &'static str,
    /// The text of its `pin.toml`.
    pub pin: &'static str,
    /// The provenance JSON its build script recorded for this binary.
    pub provenance: &'static str,
    /// Its directory in the repository (for messages and relative paths).
    pub dir: &'static str,
}

/// The sys crates, sorted by library.
pub const ALL: [SysCrate; 7] = [
    SysCrate {
        krate: "syspack-bzip2-sys",
        library: "bzip2",
        kb_name: "bzip2",
        manifest: syspack_bzip2_sys::LIBRARY_MANIFEST,
        pin: syspack_bzip2_sys::PIN,
        provenance: syspack_bzip2_sys::PROVENANCE_JSON,
        dir: "sys-crates/bzip2-sys",
    },
    SysCrate {
        krate: "syspack-expat-sys",
        library: "expat",
        kb_name: "expat",
        manifest: syspack_expat_sys::LIBRARY_MANIFEST,
        pin: syspack_expat_sys::PIN,
        provenance: syspack_expat_sys::PROVENANCE_JSON,
        dir: "sys-crates/expat-sys",
    },
    SysCrate {
        krate: "syspack-libdeflate-sys",
        library: "libdeflate",
        kb_name: "libdeflate",
        manifest: syspack_libdeflate_sys::LIBRARY_MANIFEST,
        pin: syspack_libdeflate_sys::PIN,
        provenance: syspack_libdeflate_sys::PROVENANCE_JSON,
        dir: "sys-crates/libdeflate-sys",
    },
    SysCrate {
        krate: "syspack-solv-sys",
        library: "libsolv",
        kb_name: "libsolv",
        manifest: syspack_solv_sys::LIBRARY_MANIFEST,
        pin: syspack_solv_sys::PIN,
        provenance: syspack_solv_sys::PROVENANCE_JSON,
        dir: "sys-crates/libsolv-sys",
    },
    SysCrate {
        krate: "syspack-lzma-sys",
        library: "lzma",
        kb_name: "xz",
        manifest: syspack_lzma_sys::LIBRARY_MANIFEST,
        pin: syspack_lzma_sys::PIN,
        provenance: syspack_lzma_sys::PROVENANCE_JSON,
        dir: "sys-crates/lzma-sys",
    },
    SysCrate {
        krate: "syspack-zlib-sys",
        library: "zlib",
        kb_name: "zlib",
        manifest: syspack_zlib_sys::LIBRARY_MANIFEST,
        pin: syspack_zlib_sys::PIN,
        provenance: syspack_zlib_sys::PROVENANCE_JSON,
        dir: "sys-crates/zlib-sys",
    },
    SysCrate {
        krate: "syspack-zstd-sys",
        library: "zstd",
        kb_name: "zstd",
        manifest: syspack_zstd_sys::LIBRARY_MANIFEST,
        pin: syspack_zstd_sys::PIN,
        provenance: syspack_zstd_sys::PROVENANCE_JSON,
        dir: "sys-crates/zstd-sys",
    },
];

impl SysCrate {
    /// The sys crate of `library` (syspack's name, `lzma`, or the knowledge base's, `xz`).
    pub fn find(library: &str) -> Option<&'static SysCrate> {
        ALL.iter()
            .find(|c| c.library == library || c.kb_name == library)
    }

    /// `library.toml`'s path in the repository (used in messages only).
    pub fn manifest_path(&self) -> std::path::PathBuf {
        Path::new(self.dir).join("library.toml")
    }

    /// `pin.toml`'s path in the repository (used in messages only).
    pub fn pin_path(&self) -> std::path::PathBuf {
        Path::new(self.dir).join("pin.toml")
    }

    /// A string key of its `library.toml`.
    fn manifest_str(&self, key: &str) -> Result<String> {
        let bug = || {
            format!(
                "the built-in `{}` has no valid `{key}` (a bug in syspack)",
                self.manifest_path().display()
            )
        };
        let table: toml::Table = self.manifest.parse().with_context(bug)?;
        table
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .with_context(bug)
    }

    /// The oldest version of the library the sys crate accepts (`min_version` in
    /// `library.toml`).
    pub fn min_version(&self) -> Result<Version> {
        let text = self.manifest_str("min_version")?;
        Version::new(&text).with_context(|| {
            format!(
                "the built-in `{}` has no valid `min_version` (a bug in syspack)",
                self.manifest_path().display()
            )
        })
    }

    /// The start of its shared library's soname (`libz.so`): `lib` + `link_name` + `.so`, as
    /// the linker looks it up for `-l<link_name>`.
    pub fn soname_prefix(&self) -> Result<String> {
        Ok(format!("lib{}.so", self.manifest_str("link_name")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sys_crate_has_a_minimum_version_and_a_kb_name() {
        let kb = syspack_distro::kb::LIBRARIES;
        for c in &ALL {
            assert!(c.min_version().is_ok(), "{}", c.library);
            assert!(c.soname_prefix().is_ok(), "{}", c.library);
            // The table's names are the ones the crate's own files give.
            assert_eq!(c.manifest_str("library").unwrap(), c.library);
            // The knowledge base has no release data for expat, libdeflate and libsolv yet: the
            // matrix's
            // builds column says "no data for libsolv" rather than guessing.
            assert!(
                kb.contains(&c.kb_name) || ["expat", "libdeflate", "libsolv"].contains(&c.kb_name),
                "{} is not in the kb",
                c.kb_name
            );
            assert!(c.manifest.contains(&format!("library = \"{}\"", c.library)));
        }
        assert_eq!(SysCrate::find("xz").map(|c| c.library), Some("lzma"));
    }
}
