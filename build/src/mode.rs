//! The mode policy: which of system or vendored a library uses, and why.

use std::fmt;
use std::str::FromStr;

use crate::env::{Emit, Env, EnvVar};
use crate::Error;

/// The mode asked for: `system`, `vendored` or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Strict: the system library must be found at the minimum version; never vendors.
    System,
    /// Build the pinned source and link it statically.
    Vendored,
    /// System if found at the minimum version, else vendored.
    Auto,
}

impl Mode {
    /// The values accepted by `SYSPACK_LINK` and `SYSPACK_<LIB>_LINK`.
    pub const ALLOWED: [&'static str; 3] = ["system", "vendored", "auto"];

    fn parse_var(var: &EnvVar, value: &str) -> Result<Mode, Error> {
        value.parse().map_err(|()| Error::InvalidMode {
            var: var.to_string(),
            value: value.to_string(),
            allowed: Mode::ALLOWED.iter().map(|s| s.to_string()).collect(),
        })
    }
}

impl FromStr for Mode {
    type Err = ();
    fn from_str(s: &str) -> Result<Mode, ()> {
        match s.trim() {
            "system" => Ok(Mode::System),
            "vendored" => Ok(Mode::Vendored),
            "auto" => Ok(Mode::Auto),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::System => "system",
            Mode::Vendored => "vendored",
            Mode::Auto => "auto",
        })
    }
}

/// The mode actually used: where the library came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// The system's library (pkg-config, vcpkg, explicit dirs or the header/library probe).
    System,
    /// Built from the pinned, hash-verified source.
    Vendored,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::System => "system",
            Provider::Vendored => "vendored",
        })
    }
}

/// How the library is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A shared library (`rustc-link-lib=dylib=…`).
    Dylib,
    /// A static archive (`rustc-link-lib=static=…`).
    Static,
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkKind::Dylib => "dylib",
            LinkKind::Static => "static",
        })
    }
}

/// What decided the requested mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// An environment variable (`SYSPACK_<LIB>_LINK…` or `SYSPACK_LINK…`).
    Env {
        /// Its name, as read (target-specific variants included).
        var: String,
        /// Its value.
        value: String,
    },
    /// `SYSPACK_<LIB>_LIB_DIR` or `SYSPACK_<LIB>_INCLUDE_DIR` is set.
    ExplicitDirs {
        /// The variable that was set.
        var: String,
    },
    /// A cargo feature of the sys crate (`vendored`).
    Feature {
        /// The feature.
        name: String,
    },
    /// Nothing was set: `auto`.
    Default,
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::Env { var, value } => write!(f, "environment `{var}={value}`"),
            DecidedBy::ExplicitDirs { var } => write!(f, "`{var}` is set"),
            DecidedBy::Feature { name } => write!(f, "cargo feature `{name}`"),
            DecidedBy::Default => {
                f.write_str("the default: no `vendored` feature, no `SYSPACK_*LINK` variable")
            }
        }
    }
}

/// The requested mode and what decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The mode asked for.
    pub mode: Mode,
    /// What asked for it.
    pub by: DecidedBy,
    /// Whether the system library must be linked statically, and what said so.
    pub link: LinkKind,
    /// What decided [`Decision::link`] (`None`: the default, dynamic).
    pub link_by: Option<DecidedBy>,
}

/// Applies the precedence table of the crate docs.
pub(crate) fn decide(lib: &str, env: &Env, emit: &Emit) -> Result<Decision, Error> {
    let target = env.var(&EnvVar::Target, emit);
    let target = target.as_deref();

    let per_lib = env.first(
        &EnvVar::Link(lib.to_string()).syspack_candidates(target),
        emit,
    );
    let lib_dir = env.var(&EnvVar::LibDir(lib.to_string()), emit);
    let include_dir = env.var(&EnvVar::IncludeDir(lib.to_string()), emit);
    let global = env.first(&EnvVar::GlobalLink.syspack_candidates(target), emit);

    let (mode, by) = if let Some((var, value)) = per_lib {
        (
            Mode::parse_var(&var, &value)?,
            DecidedBy::Env {
                var: var.to_string(),
                value,
            },
        )
    } else if lib_dir.is_some() || include_dir.is_some() {
        let var = if lib_dir.is_some() {
            EnvVar::LibDir(lib.to_string())
        } else {
            EnvVar::IncludeDir(lib.to_string())
        };
        (
            Mode::System,
            DecidedBy::ExplicitDirs {
                var: var.to_string(),
            },
        )
    } else if let Some((var, value)) = global {
        // Parse the global value even when a per-library one wins would hide a typo; it is
        // only reached here, when it is the deciding value.
        (
            Mode::parse_var(&var, &value)?,
            DecidedBy::Env {
                var: var.to_string(),
                value,
            },
        )
    } else if env.feature("vendored") {
        (
            Mode::Vendored,
            DecidedBy::Feature {
                name: "vendored".into(),
            },
        )
    } else {
        (Mode::Auto, DecidedBy::Default)
    };

    let static_var = env.first(
        &EnvVar::Static(lib.to_string()).syspack_candidates(target),
        emit,
    );
    let (link, link_by) = if let Some((var, value)) = static_var {
        let kind = match value.trim() {
            "1" | "true" | "yes" => LinkKind::Static,
            "0" | "false" | "no" => LinkKind::Dylib,
            _ => {
                return Err(Error::InvalidMode {
                    var: var.to_string(),
                    value,
                    allowed: ["1", "0"].iter().map(|s| s.to_string()).collect(),
                })
            }
        };
        (
            kind,
            Some(DecidedBy::Env {
                var: var.to_string(),
                value,
            }),
        )
    } else if env.feature("static") {
        (
            LinkKind::Static,
            Some(DecidedBy::Feature {
                name: "static".into(),
            }),
        )
    } else {
        (LinkKind::Dylib, None)
    };

    Ok(Decision {
        mode,
        by,
        link,
        link_by,
    })
}
