//! The one error type of `syspack-distro`.
//!
//! Every variant carries typed fields (the path, the field, what was expected and what was found) so a
//! caller can print it, match on it, or add its own context. Messages say what is wrong, where, and
//! what to do next.

use std::path::PathBuf;

/// Everything that can go wrong while staging, writing or reading a package.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation failed; `context` finishes the sentence "failed while …".
    #[error("failed while {context} `{}`: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What was being done, e.g. "reading asset".
        context: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A metadata value is not valid for a package format.
    #[error(
        "invalid {field} `{value}` for {format} packages: {reason}{}",
        hint_suffix(hint)
    )]
    InvalidField {
        /// The format whose rules were broken (`deb`, `rpm`, `arch`, `freebsd`, or `package` for all).
        format: &'static str,
        /// The field, e.g. `version`.
        field: &'static str,
        /// The value as given.
        value: String,
        /// Why it is invalid.
        reason: String,
        /// What to do instead, if there is a simple fix.
        hint: Option<String>,
    },

    /// An install path is unusable (relative, escaping the root, not UTF-8, containing a newline…).
    #[error("invalid install path `{path}`: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Why it is invalid.
        reason: String,
    },

    /// Two entries want the same install path.
    #[error("two entries install to `{path}`: {first} and {second}; give one of them another destination")]
    DuplicatePath {
        /// The install path.
        path: String,
        /// Where the first entry came from.
        first: String,
        /// Where the second entry came from.
        second: String,
    },

    /// A symlink points outside the package root.
    #[error("symlink `{path}` points to `{target}`, outside the installed file system root; use a target inside it")]
    SymlinkEscapes {
        /// The symlink's install path.
        path: String,
        /// Its target as given.
        target: String,
    },

    /// The package has no content at all.
    #[error("package `{name}` has no files: add at least one asset")]
    EmptyPackage {
        /// The package name.
        name: String,
    },

    /// A file is too large for a format.
    #[error("`{path}` is {size} bytes, more than {format} can store ({limit} bytes)")]
    TooLarge {
        /// The install path.
        path: String,
        /// Its size.
        size: u64,
        /// The format.
        format: &'static str,
        /// The largest size the format stores.
        limit: u64,
    },

    /// A compression is not available for a format.
    #[error("{format} packages cannot use {compression} compression; supported: {supported}")]
    UnsupportedCompression {
        /// The format.
        format: &'static str,
        /// The compression asked for.
        compression: String,
        /// The supported ones, comma-separated.
        supported: &'static str,
    },

    /// A value could not be parsed (a compression name, a format name, a relation…).
    #[error("invalid {what} `{value}`: {reason}")]
    Parse {
        /// What kind of value, e.g. "compression".
        what: &'static str,
        /// The value as given.
        value: String,
        /// Why, including the accepted values when there is a list.
        reason: String,
    },

    /// A release index in the user's index directory cannot be used.
    #[error("cannot use the index of {release} `{}`: {reason}; re-run `syspack kb import --release {release} DIR` (it rewrites that file) or remove the file", path.display())]
    BadIndex {
        /// The index file.
        path: PathBuf,
        /// The release it was looked up for.
        release: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A package file being read is malformed.
    #[error("`{}` is not a valid {format} package: {reason}", path.display())]
    Malformed {
        /// The package file.
        path: PathBuf,
        /// The format it was read as.
        format: &'static str,
        /// What is wrong, as specifically as possible.
        reason: String,
    },

    /// A package file is valid but of a kind syspack does not read: a source rpm, an lzma
    /// payload or `data.tar.lzma` (which rpm and dpkg still read).
    #[error("`{}` is {what}, which syspack does not read: {hint}", path.display())]
    UnsupportedPackage {
        /// The package file.
        path: PathBuf,
        /// What kind of package it is, e.g. "a source rpm (SRPM)".
        what: &'static str,
        /// What to do instead.
        hint: &'static str,
    },

    /// A checksum stored in a package does not match the content.
    #[error("`{}`: checksum mismatch for `{entry}`: the package says {expected}, the content hashes to {actual}", path.display())]
    ChecksumMismatch {
        /// The package file.
        path: PathBuf,
        /// The entry (file path or header name).
        entry: String,
        /// The stored checksum.
        expected: String,
        /// The computed checksum.
        actual: String,
    },

    /// An ELF file could not be analysed.
    #[error("cannot analyse ELF file `{}`: {reason}", path.display())]
    Elf {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// A file is none of the four package formats ([`crate::Format::detect`]).
    #[error(
        "`{}` is not a package syspack recognises: expected a .deb (ar archive), an .rpm (lead \
         magic ed ab ee db), an Arch .pkg.tar.* or a FreeBSD .pkg",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },

    /// A release id is not in the knowledge base (`distro/data/`).
    #[error(
        "unknown target `{id}`: not in syspack's knowledge base{}; known targets: {known}",
        suggestion_suffix(suggestion)
    )]
    UnknownRelease {
        /// The id as given.
        id: String,
        /// The closest known id (edit distance at most 3), if any.
        suggestion: Option<String>,
        /// Every known id, comma-separated.
        known: String,
    },
}

fn suggestion_suffix(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; a target with a similar name exists: `{s}`"),
        None => String::new(),
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(h) => format!("; {h}"),
        None => String::new(),
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// An I/O error with the path and what was being done.
    pub fn io(path: impl Into<PathBuf>, context: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            context,
            source,
        }
    }

    /// A malformed package.
    pub fn malformed(
        path: impl Into<PathBuf>,
        format: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        // A reason may quote what the package says: keep it to a short, printable message.
        let reason: String = reason.into();
        let reason = crate::text::escape_line(&crate::text::bounded(&reason, 2048)).into_owned();
        Error::Malformed {
            path: path.into(),
            format,
            reason,
        }
    }

    /// An invalid metadata field.
    pub fn invalid_field(
        format: &'static str,
        field: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Error::InvalidField {
            format,
            field,
            value: value.into(),
            reason: reason.into(),
            hint,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Error>();
};
