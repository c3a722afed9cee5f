//! [`Explanation`]: what [`crate::Library::explain`] found, for `syspack doctor`.

use std::fmt;
use std::path::PathBuf;

use crate::mode::{Decision, LinkKind, Mode, Provider};
use crate::pin::Artifact;
use crate::provenance::Evidence;
use crate::Error;

/// What a library would use here.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The system library.
    System {
        /// Its version (`None`: no `.pc` file or explicit directories).
        version: Option<String>,
        /// Where it was found.
        evidence: Evidence,
        /// Dynamic or static.
        link: LinkKind,
        /// Its include directories.
        include_dirs: Vec<PathBuf>,
    },
    /// The vendored source, found in the cache with the right hash.
    Vendored {
        /// The pinned version.
        version: String,
        /// The cached artifact.
        artifact: Artifact,
        /// The verified file (in the cache, or shipped in the crate's `sources/`).
        path: PathBuf,
    },
    /// The build would fail with this error.
    Fails(Error),
}

/// Which mode a library would take, why, and what it would find (see
/// [`crate::Library::explain`]). `Display` gives a few lines for people.
#[derive(Debug)]
pub struct Explanation {
    pub(crate) library: String,
    pub(crate) decision: Option<Decision>,
    pub(crate) fallback: Option<String>,
    pub(crate) outcome: Outcome,
}

impl Explanation {
    /// The library's short name.
    pub fn library(&self) -> &str {
        &self.library
    }

    /// The requested mode and what decided it (`None` when the variables are invalid).
    pub fn decision(&self) -> Option<&Decision> {
        self.decision.as_ref()
    }

    /// In `auto` mode, why the system library would not be used.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// What would be used, or the error.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// System or vendored, `None` when the build would fail.
    pub fn provider(&self) -> Option<Provider> {
        match self.outcome {
            Outcome::System { .. } => Some(Provider::System),
            Outcome::Vendored { .. } => Some(Provider::Vendored),
            Outcome::Fails(_) => None,
        }
    }

    /// The version that would be used, when known.
    pub fn version(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::System { version, .. } => version.as_deref(),
            Outcome::Vendored { version, .. } => Some(version),
            Outcome::Fails(_) => None,
        }
    }

    /// The error, when the build would fail.
    pub fn error(&self) -> Option<&Error> {
        match &self.outcome {
            Outcome::Fails(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::System {
                version,
                evidence,
                link,
                ..
            } => {
                let v = match (version, evidence) {
                    (Some(v), _) => v.clone(),
                    (None, Evidence::HeaderProbe { .. }) => "unknown (no .pc file)".into(),
                    (None, _) => "unknown".into(),
                };
                writeln!(f, "{}: system {v} ({link})", self.library)?;
            }
            Outcome::Vendored { version, .. } => {
                writeln!(f, "{}: vendored {version} (static)", self.library)?
            }
            Outcome::Fails(_) => writeln!(f, "{}: the build would fail", self.library)?,
        }
        if let Some(d) = &self.decision {
            write!(f, "  mode: {} (from {})", d.mode, d.by)?;
            if d.mode != Mode::Vendored {
                match &d.link_by {
                    Some(by) => write!(f, ", link {} (from {by})", d.link)?,
                    None => write!(f, ", link {}", d.link)?,
                }
            }
            writeln!(f)?;
        }
        if let Some(r) = &self.fallback {
            writeln!(f, "  auto fallback: {r}")?;
        }
        match &self.outcome {
            Outcome::System { evidence, .. } => write!(f, "  found: {evidence}"),
            Outcome::Vendored { artifact, path, .. } => write!(
                f,
                "  source: {} `{}` sha256 {} (verified: `{}`)",
                artifact.kind,
                artifact.file,
                artifact.sha256,
                path.display()
            ),
            Outcome::Fails(e) => {
                let text = e.to_string();
                let mut first = true;
                for l in text.lines() {
                    if !first {
                        writeln!(f)?;
                    }
                    first = false;
                    write!(f, "  {l}")?;
                }
                Ok(())
            }
        }
    }
}
