//! Provenance: which library was used, from where, and why.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::json::JsonObject;
use crate::mode::{DecidedBy, LinkKind, Mode, Provider};
use crate::pin::ArtifactKind;

/// The evidence for a library's version and origin.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// pkg-config found it.
    PkgConfig {
        /// The pkg-config package.
        package: String,
        /// The `.pc` file that described it.
        pc_file: PathBuf,
    },
    /// vcpkg found it (Windows targets).
    Vcpkg {
        /// The vcpkg port.
        package: String,
        /// Its library directory.
        lib_dir: Option<PathBuf>,
    },
    /// `SYSPACK_<LIB>_LIB_DIR` / `_INCLUDE_DIR`.
    ExplicitDirs {
        /// `SYSPACK_<LIB>_LIB_DIR`.
        lib_dir: Option<PathBuf>,
        /// `SYSPACK_<LIB>_INCLUDE_DIR`.
        include_dir: Option<PathBuf>,
    },
    /// The header and library files were found in the compiler's search path (no `.pc` file).
    HeaderProbe {
        /// The header.
        header: PathBuf,
        /// The library file.
        library: PathBuf,
    },
    /// Built from a pinned source.
    Pin {
        /// The pinned version.
        pin_version: String,
        /// The artifact's file name.
        file: String,
        /// The artifact's sha256 (verified before unpacking).
        sha256: String,
        /// Upstream or Debian `orig`.
        artifact_kind: ArtifactKind,
        /// The patches applied, in order (`<file name> <sha256>`).
        patches: Vec<String>,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::PkgConfig { package, pc_file } => {
                write!(f, "pkg-config `{package}`: `{}`", pc_file.display())
            }
            Evidence::Vcpkg { package, lib_dir } => write!(
                f,
                "vcpkg `{package}`{}",
                lib_dir
                    .as_ref()
                    .map(|d| format!(" in `{}`", d.display()))
                    .unwrap_or_default()
            ),
            Evidence::ExplicitDirs {
                lib_dir,
                include_dir,
            } => {
                let mut parts = Vec::new();
                if let Some(d) = lib_dir {
                    parts.push(format!("library directory `{}`", d.display()));
                }
                if let Some(d) = include_dir {
                    parts.push(format!("include directory `{}`", d.display()));
                }
                write!(f, "explicit {}", parts.join(", "))
            }
            Evidence::HeaderProbe { header, library } => write!(
                f,
                "no `.pc` file; header `{}`, library `{}`",
                header.display(),
                library.display()
            ),
            Evidence::Pin {
                pin_version,
                file,
                sha256,
                artifact_kind,
                patches,
            } => {
                write!(
                    f,
                    "pin {pin_version}: {artifact_kind} `{file}` sha256 {sha256}"
                )?;
                if !patches.is_empty() {
                    write!(f, ", patches: {}", patches.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// How the mode was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    /// The mode asked for.
    pub requested: Mode,
    /// What asked for it.
    pub by: DecidedBy,
    /// In `auto` mode, why the system library was not used (`None` when it was).
    pub fallback: Option<String>,
}

/// The provenance of one library: what was used, from where, and why.
///
/// Only [`crate::Library::probe`] makes one. Its JSON ([`Provenance::to_json`]) has a fixed field
/// order and holds no time stamps and no build-directory paths, so it is reproducible and can be
/// embedded in the final binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub(crate) library: String,
    pub(crate) mode: Provider,
    pub(crate) decision: DecisionRecord,
    pub(crate) version: Option<String>,
    pub(crate) link: LinkKind,
    pub(crate) evidence: Evidence,
    pub(crate) include_dirs: Vec<PathBuf>,
    pub(crate) root: Option<PathBuf>,
}

impl Provenance {
    /// The library's short name.
    pub fn library(&self) -> &str {
        &self.library
    }

    /// System or vendored.
    pub fn mode(&self) -> Provider {
        self.mode
    }

    /// The requested mode, what decided it, and the `auto` fallback reason.
    pub fn decision(&self) -> &DecisionRecord {
        &self.decision
    }

    /// The version, when known (pkg-config, or the pin). `None` for the header probe and
    /// explicit directories.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The version as shown to people: `unknown (no .pc file)` when not known.
    pub fn version_display(&self) -> String {
        match (&self.version, &self.evidence) {
            (Some(v), _) => v.clone(),
            (None, Evidence::HeaderProbe { .. }) => "unknown (no .pc file)".into(),
            (None, Evidence::ExplicitDirs { .. }) => "unknown (explicit directories)".into(),
            (None, _) => "unknown".into(),
        }
    }

    /// Dynamic or static.
    pub fn link(&self) -> LinkKind {
        self.link
    }

    /// The evidence: `.pc` file, directories, or pin hash.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// The include directories, in order (for bindgen's `-I`).
    pub fn include_dirs(&self) -> &[PathBuf] {
        &self.include_dirs
    }

    /// The install prefix (system) or the unpacked source tree (vendored), when known.
    pub fn root(&self) -> Option<&PathBuf> {
        self.root.as_ref()
    }

    /// One-line JSON with a fixed field order: `library`, `mode`, `decision` (`requested`,
    /// `by` and its fields, `fallback` when there is one), `version` (or `null`), `link`,
    /// `evidence` (`kind` and its fields; paths as strings, `null` when absent).
    pub fn to_json(&self) -> String {
        let mut decision = JsonObject::default();
        decision.str("requested", &self.decision.requested.to_string());
        match &self.decision.by {
            DecidedBy::Env { var, value } => decision
                .str("by", "env")
                .str("var", var)
                .str("value", value),
            DecidedBy::ExplicitDirs { var } => decision.str("by", "explicit-dirs").str("var", var),
            DecidedBy::Feature { name } => decision.str("by", "feature").str("name", name),
            DecidedBy::Default => decision.str("by", "default"),
        };
        if let Some(f) = &self.decision.fallback {
            decision.str("fallback", f);
        }
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let opt_path = |p: &Option<PathBuf>| p.as_deref().map(path);
        let mut evidence = JsonObject::default();
        match &self.evidence {
            Evidence::PkgConfig { package, pc_file } => evidence
                .str("kind", "pkg-config")
                .str("package", package)
                .str("pc_file", &path(pc_file)),
            Evidence::Vcpkg { package, lib_dir } => evidence
                .str("kind", "vcpkg")
                .str("package", package)
                .opt_str("lib_dir", opt_path(lib_dir).as_deref()),
            Evidence::ExplicitDirs {
                lib_dir,
                include_dir,
            } => evidence
                .str("kind", "explicit-dirs")
                .opt_str("lib_dir", opt_path(lib_dir).as_deref())
                .opt_str("include_dir", opt_path(include_dir).as_deref()),
            Evidence::HeaderProbe { header, library } => evidence
                .str("kind", "header-probe")
                .str("header", &path(header))
                .str("library", &path(library)),
            Evidence::Pin {
                pin_version,
                file,
                sha256,
                artifact_kind,
                patches,
            } => evidence
                .str("kind", "pin")
                .str("pin_version", pin_version)
                .str("file", file)
                .str("sha256", sha256)
                .str("artifact_kind", &artifact_kind.to_string())
                .strs("patches", patches),
        };
        JsonObject::default()
            .str("library", &self.library)
            .str("mode", &self.mode.to_string())
            .raw("decision", &decision.finish())
            .opt_str("version", self.version.as_deref())
            .str("link", &self.link.to_string())
            .raw("evidence", &evidence.finish())
            .finish()
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}, {}): {}",
            self.library,
            self.version_display(),
            self.mode,
            self.link,
            self.evidence
        )
    }
}
