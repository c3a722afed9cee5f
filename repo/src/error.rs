//! The crate's error type.

use std::io;
use std::path::PathBuf;

/// What went wrong, with the file it concerns and what to do where that helps.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What syspack was doing (`reading`, `writing`, …).
        action: &'static str,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A key could not be generated, read, unlocked or used. The message never contains key
    /// material.
    #[error("{0}")]
    Key(String),
    /// A signature did not verify.
    #[error("{}: {reason}", path.display())]
    BadSignature {
        /// The signed file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A repository or package file is not what it should be.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and, where it helps, what to do.
        reason: String,
    },
    /// A file's SHA-256 is not the one the release log or a channel's signed metadata records.
    #[error(
        "{}: sha256 mismatch: expected {expected} ({source_of_truth}), actual {actual}; the \
         file changed after it was published: find out why, and publish a new version rather \
         than promoting this one",
        path.display()
    )]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// What recorded the expected hash (`the release log`, `testing's signed metadata`).
        source_of_truth: String,
        /// The recorded SHA-256.
        expected: String,
        /// The file's SHA-256.
        actual: String,
    },
    /// Object storage refused or failed a request. `what` names the operation and object
    /// (`PUT s3://BUCKET/KEY`), never a signed URL or a credential.
    #[error("{what}: {reason}")]
    Remote {
        /// The operation and object.
        what: String,
        /// What went wrong and, where it helps, what to do.
        reason: String,
    },
    /// A package could not be read.
    #[error(transparent)]
    Package(#[from] syspack_distro::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
