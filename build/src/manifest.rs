//! `library.toml`: a sys crate's library description as data, read by its build.rs
//! ([`Library::from_manifest`]) and by `syspack doctor` ([`Library::from_manifest_str`] on the
//! text the sys crate exports), so the two cannot drift apart.
//!
//! ```toml
//! library = "zstd"                # the short name: SYSPACK_ZSTD_*, SYSPACK_PROVENANCE_ZSTD
//! pkg_config_name = "libzstd"     # default: the short name
//! vcpkg_name = "zstd"             # default: the short name
//! min_version = "1.4.0"           # optional
//! link_name = "zstd"              # `-l<link_name>`, `lib<link_name>.a`; default: the short name
//! header = "zstd.h"               # optional: enables the header/library probe
//! pin_file = "pin.toml"           # optional, relative to this file
//! distro_packages = [             # in the order the "not found" hint lists them
//!     { distro = "debian", package = "libzstd-dev" },
//!     { distro = "fedora", package = "libzstd-devel" },
//! ]
//! build = "cc"                    # or "cmake", with the `cmake_*` keys (see the module `cmake`)
//! ```

use std::path::{Path, PathBuf};

use crate::cmake::{build_system, BuildSystem, CmakeSpec};
use crate::env::{Emit, Env, EnvVar};
use crate::tomlite::{self, Fields};
use crate::{Error, Library};

#[derive(Debug)]
struct Manifest {
    library: String,
    pkg_config_name: Option<String>,
    vcpkg_name: Option<String>,
    min_version: Option<String>,
    link_name: Option<String>,
    header: Option<String>,
    pin_file: Option<PathBuf>,
    distro_packages: Vec<DistroPackage>,
    build: BuildSystem,
    cmake: CmakeSpec,
}

#[derive(Debug)]
struct DistroPackage {
    distro: String,
    package: String,
}

impl Manifest {
    /// Reads the TOML text: unknown keys are errors, `library` is required.
    fn from_toml(text: &str) -> Result<Manifest, String> {
        let mut f = Fields::new(
            tomlite::parse(text)?,
            &[
                "library",
                "pkg_config_name",
                "vcpkg_name",
                "min_version",
                "link_name",
                "header",
                "pin_file",
                "distro_packages",
                "build",
                "cmake_targets",
                "cmake_defines",
                "cmake_deps",
                "cmake_libs",
                "cmake_include",
            ],
            "",
        )?;
        let (items, line) = f.array("distro_packages")?;
        let mut distro_packages = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let key = format!("distro_packages[{i}]");
            let mut d = Fields::new(
                tomlite::item_table(&key, item, line)?,
                &["distro", "package"],
                &format!("`{key}`"),
            )?;
            distro_packages.push(DistroPackage {
                distro: d.str("distro")?,
                package: d.str("package")?,
            });
        }
        let build = build_system(&mut f)?;
        let cmake = CmakeSpec::from_fields(&mut f)?;
        if build != BuildSystem::Cmake && !cmake.is_empty() {
            return Err("`cmake_*` keys need `build = \"cmake\"`".into());
        }
        Ok(Manifest {
            build,
            cmake,
            library: f.str("library")?,
            pkg_config_name: f.opt_str("pkg_config_name")?,
            vcpkg_name: f.opt_str("vcpkg_name")?,
            min_version: f.opt_str("min_version")?,
            link_name: f.opt_str("link_name")?,
            header: f.opt_str("header")?,
            pin_file: f.opt_str("pin_file")?.map(PathBuf::from),
            distro_packages,
        })
    }

    fn validate(&self, path: &Path) -> Result<(), Error> {
        let invalid = |key: &str, value: &str, reason: &str| Error::ManifestInvalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        };
        if !name_ok(&self.library) || self.library.contains('.') {
            return Err(invalid(
                "library",
                &self.library,
                "expected a short name of letters, digits, `-` and `_` (it names the \
                 `SYSPACK_<LIB>_*` variables)",
            ));
        }
        for (key, value) in [
            ("pkg_config_name", &self.pkg_config_name),
            ("vcpkg_name", &self.vcpkg_name),
            ("link_name", &self.link_name),
        ] {
            if let Some(v) = value {
                if !name_ok(v) {
                    return Err(invalid(
                        key,
                        v,
                        "expected a name of letters, digits, `-`, `_` and `.`",
                    ));
                }
            }
        }
        if let Some(v) = &self.min_version {
            let ok = !v.is_empty()
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return Err(invalid(
                    "min_version",
                    v,
                    "expected a dotted numeric version such as `1.4.0`",
                ));
            }
        }
        if let Some(h) = &self.header {
            if h.is_empty() || Path::new(h).is_absolute() {
                return Err(invalid(
                    "header",
                    h,
                    "expected a header name relative to the include directory, such as `zstd.h`",
                ));
            }
        }
        for (i, d) in self.distro_packages.iter().enumerate() {
            for (key, value) in [("distro", &d.distro), ("package", &d.package)] {
                if value.trim().is_empty() || value.contains(char::is_whitespace) {
                    return Err(invalid(
                        &format!("distro_packages[{i}].{key}"),
                        value,
                        "expected one word, such as `debian` or `libzstd-dev`",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Library {
    /// Reads the library description from a manifest file (`library.toml`, see the module
    /// [`manifest`](crate::manifest)); a relative `path` is relative to `CARGO_MANIFEST_DIR`. A
    /// relative `pin_file` in it is relative to the manifest's directory. [`Library::probe`]
    /// declares the file with `rerun-if-changed`. Chain [`Library::vendored`] to add the build.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, [`Error::ManifestParse`] for invalid TOML or an
    /// unknown or missing key, [`Error::ManifestInvalid`] for an unacceptable value.
    pub fn from_manifest(path: impl AsRef<Path>) -> Result<Library, Error> {
        let path = path.as_ref();
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            match Env::Process.var(&EnvVar::ManifestDir, &Emit::discard()) {
                Some(d) => Path::new(&d).join(path),
                None => path.to_path_buf(),
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(&path, "read library manifest", e))?;
        let mut lib = Library::from_manifest_str(&text, &path)?;
        lib.manifest_file = Some(path);
        Ok(lib)
    }

    /// Parses manifest text (for a program that embeds it with `include_str!`, as
    /// `syspack doctor` does). `path` names it in messages, and a relative `pin_file` is joined
    /// to `path`'s directory; a program without the files on disk gives the pin with
    /// [`Library::pin`].
    ///
    /// # Errors
    ///
    /// [`Error::ManifestParse`], [`Error::ManifestInvalid`].
    pub fn from_manifest_str(text: &str, path: &Path) -> Result<Library, Error> {
        let m = Manifest::from_toml(text).map_err(|message| Error::ManifestParse {
            path: path.to_path_buf(),
            message,
        })?;
        m.validate(path)?;
        let mut lib = Library::new(&m.library);
        if let Some(v) = &m.pkg_config_name {
            lib.pkg_config_name(v);
        }
        if let Some(v) = &m.vcpkg_name {
            lib.vcpkg_name(v);
        }
        if let Some(v) = &m.min_version {
            lib.min_version(v);
        }
        if let Some(v) = &m.link_name {
            lib.link_name(v);
        }
        if let Some(v) = &m.header {
            lib.header(v);
        }
        if let Some(p) = &m.pin_file {
            let dir = path.parent().unwrap_or(Path::new(""));
            lib.pin_file(dir.join(p));
        }
        for d in &m.distro_packages {
            lib.distro_package(&d.distro, &d.package);
        }
        if m.build == BuildSystem::Cmake {
            lib.cmake = Some(m.cmake.clone());
        }
        Ok(lib)
    }
}
