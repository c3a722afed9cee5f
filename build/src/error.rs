//! The one error type of `syspack-build`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while choosing, probing or building a C library.
///
/// `Debug` prints the same text as `Display`, so `unwrap()` in a build script still shows the
/// whole help text (as pkg-config-rs does).
#[non_exhaustive]
pub enum Error {
    /// An environment variable holds a value that is not one of the allowed ones.
    InvalidMode {
        /// The variable that was read, e.g. `SYSPACK_ZSTD_LINK`.
        var: String,
        /// What it held.
        value: String,
        /// The values it may hold.
        allowed: Vec<String>,
    },

    /// A variable that cargo sets for build scripts is missing.
    MissingCargoVar {
        /// The variable, e.g. `OUT_DIR`.
        var: String,
        /// What it is needed for.
        what: String,
    },

    /// No source cache directory can be derived from the environment.
    NoSourceDir,

    /// The system library could not be found (or is too old) in strict `system` mode.
    NotFound(Box<crate::system::NotFound>),

    /// The library description is incomplete (a programming error in the sys crate's build.rs).
    Config {
        /// The library.
        library: String,
        /// What is wrong, and what to add.
        problem: String,
    },

    /// The vendored source is not in the source cache.
    SourceMissing {
        /// The library.
        library: String,
        /// The pinned version.
        version: String,
        /// The cache root that was searched.
        cache_dir: PathBuf,
        /// `(file name, sha256)` of every acceptable artifact.
        expected: Vec<(String, String)>,
    },

    /// A file does not have the sha256 it must have.
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The sha256 the pin requires.
        expected: String,
        /// The sha256 of the file's bytes.
        actual: String,
    },

    /// A file given to the cache matches no pinned artifact.
    NotPinned {
        /// The file.
        path: PathBuf,
        /// Its sha256.
        actual: String,
        /// `(file name, sha256)` of every artifact of every pin that was considered.
        known: Vec<(String, String)>,
    },

    /// A pin file is not valid TOML or has an unknown or missing key.
    PinParse {
        /// The pin file.
        path: PathBuf,
        /// The parser's message (names the key and the line).
        message: String,
    },

    /// A pin file parsed, but a value is not acceptable.
    PinInvalid {
        /// The pin file.
        path: PathBuf,
        /// The dotted key, e.g. `artifact[1].sha256`.
        key: String,
        /// The value found.
        value: String,
        /// Why it is rejected and what is expected.
        reason: String,
    },

    /// A library manifest (`library.toml`) is not valid TOML or has an unknown or missing key.
    ManifestParse {
        /// The manifest file.
        path: PathBuf,
        /// The parser's message (names the key and the line).
        message: String,
    },

    /// A library manifest parsed, but a value is not acceptable.
    ManifestInvalid {
        /// The manifest file.
        path: PathBuf,
        /// The dotted key, e.g. `distro_packages[1].package`.
        key: String,
        /// The value found.
        value: String,
        /// Why it is rejected and what is expected.
        reason: String,
    },

    /// bindgen could not generate the bindings (feature `bindgen`).
    Bindgen {
        /// The header bindgen was given.
        header: String,
        /// The `-I` directories.
        include_dirs: Vec<PathBuf>,
        /// bindgen's message.
        message: String,
    },

    /// An I/O operation failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. `read`, `create directory`.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },

    /// An external program (tar, the C compiler) failed.
    Command {
        /// The command line, pasteable into a shell.
        command: String,
        /// How it ended (`exit status: 2`, `not found`).
        status: String,
        /// What it printed on stderr (and stdout).
        output: String,
        /// What to do about it.
        hint: String,
    },

    /// A tarball does not have the top directory its pin names (`strip`).
    TopDirMissing {
        /// The tarball.
        tarball: PathBuf,
        /// The pin's `strip`.
        expected: String,
        /// The top-level entries it does have, sorted.
        found: Vec<String>,
    },

    /// A patch does not apply to the vendored source.
    Patch {
        /// The patch file.
        patch: PathBuf,
        /// The file inside the source tree being patched.
        file: String,
        /// Which hunk failed and why.
        reason: String,
    },

    /// The C compiler failed while building the vendored source.
    Compile(String),

    /// `auto` mode: the system library is not usable and the vendored build failed too.
    AutoFailed {
        /// The library.
        library: String,
        /// Why the system library is not usable.
        system: Box<Error>,
        /// Why the vendored build failed.
        vendored: Box<Error>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidMode { var, value, allowed } => write!(
                f,
                "invalid value `{value}` in `{var}`: allowed values are {}",
        allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            ),
            Error::MissingCargoVar { var, what } => write!(
                f,
                "`{var}` is not set: {what} (cargo sets it for build scripts; outside one, set it by hand)"
            ),
            Error::NoSourceDir => write!(
                f,
                "no source cache: set `SYSPACK_SOURCE_DIR` (or `CARGO_HOME` or `HOME`)"
            ),
            Error::NotFound(not_found) => write!(
                f,
                "{not_found}"
            ),
            Error::Config { library, problem } => write!(
                f,
                "library `{library}`: {problem}"
            ),
            Error::SourceMissing { library, version, cache_dir, expected } => write!(
                f,
                "the vendored source of `{library}` {version} is not in the source cache `{}`\n\
         expected one of these files (sha256):\n{}\n\
         fill the cache with one of:\n  \
         syspack vendor fetch            (downloads the pinned tarballs, verifies them)\n  \
         syspack vendor import DIR       (imports tarballs you already have, e.g. a Debian `orig` tarball)\n\
         or point `SYSPACK_SOURCE_DIR` at a cache that has them; build scripts never use the network",
        cache_dir.display(),
        expected.iter().map(|(f, h)| format!("  {f}  {h}")).collect::<Vec<_>>().join("\n")
            ),
            Error::HashMismatch { path, expected, actual } => write!(
                f,
                "sha256 mismatch for `{}`: expected {expected}, found {actual}\n\
         the file was changed or is not the pinned artifact; delete it and import or fetch it again",
        path.display()
            ),
            Error::NotPinned { path, actual, known } => write!(
                f,
                "`{}` (sha256 {actual}) is not accepted by any pin; nothing was written\n\
         accepted artifacts:\n{}\n\
         a tampered, truncated or wrong-version tarball is never imported",
        path.display(),
        if known.is_empty() { "  (no pins given)".to_string() } else {
            known.iter().map(|(f, h)| format!("  {f}  {h}")).collect::<Vec<_>>().join("\n")
        }
            ),
            Error::PinParse { path, message } => write!(
                f,
                "invalid pin file `{}`: {message}", path.display()
            ),
            Error::PinInvalid { path, key, value, reason } => write!(
                f,
                "invalid pin file `{}`: key `{key}` = `{value}`: {reason}", path.display()
            ),
            Error::ManifestParse { path, message } => write!(
                f,
                "invalid library manifest `{}`: {message}", path.display()
            ),
            Error::ManifestInvalid { path, key, value, reason } => write!(
                f,
                "invalid library manifest `{}`: key `{key}` = `{value}`: {reason}", path.display()
            ),
            Error::Bindgen { header, include_dirs, message } => write!(
                f,
                "bindgen failed on `{header}` (include directories: {}): {message}\n\
         hint: bindgen needs libclang (Debian: `apt-get install libclang-dev`); \
         without the `bindgen` feature the checked-in bindings are used",
        if include_dirs.is_empty() { "none".to_string() } else {
            include_dirs.iter().map(|d| format!("`{}`", d.display())).collect::<Vec<_>>().join(", ")
        }
            ),
            Error::Io { path, context, source } => write!(
                f,
                "failed to {context} `{}`: {source}", path.display()
            ),
            Error::Command { command, status, output, hint } => write!(
                f,
                "`{command}` failed ({status}){}{}",
        if output.trim().is_empty() { String::new() } else { format!(":\n{}", output.trim_end()) },
        if hint.is_empty() { String::new() } else { format!("\nhint: {hint}") }
            ),
            Error::TopDirMissing { tarball, expected, found } => write!(
                f,
                "`{}` has no top directory `{expected}` (pin key `strip`); it holds: {}",
        tarball.display(),
        found.join(", ")
            ),
            Error::Patch { patch, file, reason } => write!(
                f,
                "patch `{}` does not apply to `{}`: {reason}", patch.display(), file
            ),
            Error::Compile(message) => write!(
                f,
                "building the vendored source failed: {message}"
            ),
            Error::AutoFailed { library, system, vendored } => write!(
                f,
                "`{library}`: no usable system library and no vendored build\n\
         system:\n{}\n\
         vendored:\n{}",
        indent(&system.to_string()),
        indent(&vendored.to_string())
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<cc::Error> for Error {
    fn from(e: cc::Error) -> Self {
        Error::Compile(e.to_string())
    }
}

impl Error {
    /// [`Error::Io`]: `context` says what was being done to `path` ("read directory"); for a
    /// build script's own file work around a vendored build (libsolv's header layout).
    pub fn io(path: impl Into<PathBuf>, context: &str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            context: context.to_string(),
            source,
        }
    }
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Error>();
};
