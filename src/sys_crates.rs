//! The workspace's seven sys crates as they describe themselves: each exports its `library.toml`
//! (`LIBRARY_MANIFEST`) and `pin.toml` (`PIN`), so `syspack doctor`, `syspack vendor` and
//! `syspack matrix` read one description of each C library, compiled into the binary.

use std::path::Path;

use anyhow::{Context, Result};
use syspack_distro::kb::Version;

/// One sys crate.
pub struct SysCrate {
    /// syspack's library name (`lzma`), as in provenance records and pins.
    pub library: &'static str,
    /// The knowledge base's name for the same library (`xz`).
    pub kb_name: &'static str,
    /// The text of its `library.toml`.
    pub manifest: &'static str,
    /// The text of its `pin.toml`.
    pub pin: &'static str,
    /// Its directory in the repository (for messages and relative paths).
    pub dir: &'static str,
}

/// The sys crates, sorted by library.
pub const ALL: [SysCrate; 7] = [
    SysCrate {
        library: "bzip2",
        kb_name: "bzip2",
        manifest: syspack_bzip2_sys::LIBRARY_MANIFEST,
        pin: syspack_bzip2_sys::PIN,
        dir: "sys-crates/bzip2-sys",
    },
    SysCrate {
        library: "expat",
        kb_name: "expat",
        manifest: syspack_expat_sys::LIBRARY_MANIFEST,
        pin: syspack_expat_sys::PIN,
        dir: "sys-crates/expat-sys",
    },
    SysCrate {
        library: "libdeflate",
        kb_name: "libdeflate",
        manifest: syspack_libdeflate_sys::LIBRARY_MANIFEST,
        pin: syspack_libdeflate_sys::PIN,
        dir: "sys-crates/libdeflate-sys",
    },
    SysCrate {
        library: "libsolv",
        kb_name: "libsolv",
        manifest: syspack_solv_sys::LIBRARY_MANIFEST,
        pin: syspack_solv_sys::PIN,
        dir: "sys-crates/libsolv-sys",
    },
    SysCrate {
        library: "lzma",
        kb_name: "xz",
        manifest: syspack_lzma_sys::LIBRARY_MANIFEST,
        pin: syspack_lzma_sys::PIN,
        dir: "sys-crates/lzma-sys",
    },
    SysCrate {
        library: "zlib",
        kb_name: "zlib",
        manifest: syspack_zlib_sys::LIBRARY_MANIFEST,
        pin: syspack_zlib_sys::PIN,
        dir: "sys-crates/zlib-sys",
    },
    SysCrate {
        library: "zstd",
        kb_name: "zstd",
        manifest: syspack_zstd_sys::LIBRARY_MANIFEST,
        pin: syspack_zstd_sys::PIN,
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

    /// The oldest version of the library the sys crate accepts (`min_version` in
    /// `library.toml`).
    pub fn min_version(&self) -> Result<Version> {
        let bug = || {
            format!(
                "the built-in `{}` has no valid `min_version` (a bug in syspack)",
                self.manifest_path().display()
            )
        };
        let table: toml::Table = self.manifest.parse().with_context(bug)?;
        let text = table
            .get("min_version")
            .and_then(|v| v.as_str())
            .with_context(bug)?;
        Version::new(text).with_context(bug)
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
            // The knowledge base has no release data for expat, libdeflate and libsolv yet: the matrix's
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
