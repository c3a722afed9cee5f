//! Validated value types of the knowledge base: release ids, sonames, versions, package names, dates.
//!
//! Each type checks its text when it is made (from TOML through `serde(try_from)`, or with
//! `FromStr`), so the rest of the crate never sees an empty package name or a soname with a slash.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

fn parse_error(what: &'static str, value: &str, reason: impl Into<String>) -> Error {
    Error::Parse {
        what,
        value: value.to_string(),
        reason: reason.into(),
    }
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps `s`.
            ///
            /// # Errors
            ///
            /// [`Error::Parse`] when `s` breaks the rules in the type's documentation.
            pub fn new(s: impl Into<String>) -> Result<Self, Error> {
                let s = s.into();
                let check: fn(&str) -> Result<(), String> = $check;
                match check(&s) {
                    Ok(()) => Ok($name(s)),
                    Err(reason) => Err(parse_error($what, &s, reason)),
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// A release id such as `debian-12`, `el-9`, `arch`, `freebsd-14`: lower-case ASCII letters,
    /// digits, `.` and `-`, starting with a letter.
    ReleaseId,
    "release id",
    |s| {
        if s.is_empty() {
            return Err("a release id is not empty (e.g. `debian-12`)".into());
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err("a release id starts with a lower-case letter (e.g. `debian-12`)".into());
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-')) {
            return Err(format!("`{c}` is not allowed; use lower-case letters, digits, `.` and `-`"));
        }
        Ok(())
    }
);

string_newtype!(
    /// A shared-library soname as found in `DT_NEEDED` (`libz.so.1`, `ld-linux-x86-64.so.2`,
    /// `libc.musl-x86_64.so.1`): no slash, no white space, contains `.so`.
    Soname,
    "soname",
    |s| {
        if !s.contains(".so") {
            return Err("a soname contains `.so` (e.g. `libz.so.1`)".into());
        }
        if s.contains('/') || s.chars().any(char::is_whitespace) {
            return Err("a soname is a file name: no `/` and no white space".into());
        }
        Ok(())
    }
);

string_newtype!(
    /// A distro package name (`zlib1g`, `libzstd-devel`, `zstd-libs`) or a FreeBSD port origin
    /// (`archivers/zstd`): ASCII letters, digits and `+ . _ - /`, starting with a letter or digit.
    PkgName,
    "package name",
    |s| {
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("a package name starts with a letter or digit".into());
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '_' | '-' | '/')))
        {
            return Err(format!("`{c}` is not allowed in a package name"));
        }
        Ok(())
    }
);

string_newtype!(
    /// A calendar date written `YYYY-MM-DD`.
    Date,
    "date",
    |s| {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
            return Err("write dates as YYYY-MM-DD".into());
        }
        let month: u32 = s[5..7].parse().unwrap_or(0);
        let day: u32 = s[8..10].parse().unwrap_or(0);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err("month 01–12, day 01–31".into());
        }
        Ok(())
    }
);

/// A dotted version such as `2.36`, `1.5.4` or `1.1.1w`: numeric components separated by `.`,
/// the last one optionally followed by letters (OpenSSL's `1.1.1w`).
///
/// Ordering is numeric component by component (missing components count as 0, so `2.34` equals
/// `2.34.0`), then by the letter suffix.
#[derive(Clone, Debug, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version {
    text: String,
    parts: Vec<u64>,
    suffix: String,
}

impl Version {
    /// Parses a dotted version.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for anything but digits and dots (plus a trailing letter suffix).
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let text = s.into();
        let bad = |reason: &str| parse_error("version", &text, reason.to_string());
        if text.is_empty() {
            return Err(bad("a version is not empty (e.g. `1.5.4`)"));
        }
        let mut parts = Vec::new();
        let mut suffix = String::new();
        let pieces: Vec<&str> = text.split('.').collect();
        for (i, piece) in pieces.iter().enumerate() {
            let digits_end = piece
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(piece.len());
            if digits_end == 0 {
                return Err(bad("each dot-separated part starts with a digit"));
            }
            let rest = &piece[digits_end..];
            if !rest.is_empty() {
                if i + 1 != pieces.len() || !rest.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(bad(
                        "only the last part may end in letters (as in `1.1.1w`)",
                    ));
                }
                suffix = rest.to_string();
            }
            let n = piece[..digits_end]
                .parse::<u64>()
                .map_err(|_| bad("a version part is too large"))?;
            parts.push(n);
        }
        Ok(Version {
            text,
            parts,
            suffix,
        })
    }

    /// The numeric components.
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Consistent with `Eq`: trailing zero components do not count (`2.34` == `2.34.0`).
        let end = self
            .parts
            .iter()
            .rposition(|&p| p != 0)
            .map_or(0, |i| i + 1);
        self.parts[..end].hash(state);
        self.suffix.hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        self.suffix.cmp(&other.suffix)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Version::new(s)
    }
}

impl TryFrom<String> for Version {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Version::new(s)
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.text
    }
}

/// A glibc version (`2.17`, `2.36`): a [`Version`] with exactly two or three numeric parts and no
/// suffix, as glibc writes its `GLIBC_x.y` symbol versions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GlibcVersion(Version);

impl GlibcVersion {
    /// Parses `2.36` (or `GLIBC_2.36`).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for anything but `2.N` or `2.N.M`.
    pub fn new(s: &str) -> Result<Self, Error> {
        let text = s.strip_prefix("GLIBC_").unwrap_or(s);
        let v = Version::new(text)?;
        if !(2..=3).contains(&v.parts.len()) || !v.suffix.is_empty() {
            return Err(parse_error(
                "glibc version",
                s,
                "glibc versions look like `2.36`",
            ));
        }
        Ok(GlibcVersion(v))
    }

    /// As a plain [`Version`].
    pub fn version(&self) -> &Version {
        &self.0
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for GlibcVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        GlibcVersion::new(s)
    }
}

impl TryFrom<String> for GlibcVersion {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        GlibcVersion::new(&s)
    }
}

impl From<GlibcVersion> for String {
    fn from(v: GlibcVersion) -> String {
        v.0.text
    }
}

/// The machines a release is made for: the architectures its archive builds packages for
/// (Debian's `Architectures` field of a suite's `Release` file), in syspack's names
/// (`x86_64`, `aarch64`, `i686`, `armv7`, `riscv64`, `ppc64le`, `s390x`). Machines syspack does
/// not package for (`armel`, `mips64el`…) are left out of the data; the fact's source names
/// them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Architectures(pub Vec<crate::package::Arch>);

impl Architectures {
    /// Whether the release is made for `arch`; an architecture-independent package (`all`,
    /// `noarch`, `any`) fits every release.
    pub fn has(&self, arch: crate::package::Arch) -> bool {
        arch == crate::package::Arch::All || self.0.contains(&arch)
    }
}

impl fmt::Display for Architectures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|a| a.canonical()).collect();
        f.write_str(&names.join(", "))
    }
}

impl Serialize for Architectures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|a| a.canonical()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s: &str| Version::new(s).unwrap();
        assert!(v("2.34") > v("2.9"));
        assert_eq!(v("2.34"), v("2.34.0"));
        assert!(v("1.1.1w") > v("1.1.1k"));
        assert!(v("1.1.1") < v("1.1.1a"));
        assert!(v("3.0.2") > v("1.1.1w"));
        assert!(Version::new("x1").is_err());
        assert!(Version::new("1..2").is_err());
        assert!(Version::new("1.a.2").is_err());
    }

    #[test]
    fn newtypes_reject_bad_text() {
        assert!(ReleaseId::new("debian-12").is_ok());
        assert!(ReleaseId::new("Debian 12").is_err());
        assert!(Soname::new("libz.so.1").is_ok());
        assert!(Soname::new("/lib/libz.so.1").is_err());
        assert!(PkgName::new("archivers/zstd").is_ok());
        assert!(PkgName::new("-bad").is_err());
        assert!(Date::new("2026-04-30").is_ok());
        assert!(Date::new("2026-4-30").is_err());
        assert!(GlibcVersion::new("GLIBC_2.34").is_ok());
        assert!(GlibcVersion::new("2").is_err());
    }
}
