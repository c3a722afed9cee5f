//! The package families a repository holds: one leaf type that the release log, the channels
//! and each family's version order ([`crate::version`]) share.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A package family: how a channel holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `.deb` in an apt suite.
    Deb,
    /// `.rpm` in an rpm-md repository.
    Rpm,
    /// Arch package in a pacman repository.
    Pacman,
    /// FreeBSD package in a pkg repository.
    Freebsd,
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Deb => "deb",
            Family::Rpm => "rpm",
            Family::Pacman => "pacman",
            Family::Freebsd => "freebsd",
        })
    }
}
