//! `.BUILDINFO`: how the package was built (BUILDINFO(5), format 2 since pacman 6.0).
//!
//! syspack does not run makepkg, so several values describe syspack rather than a makepkg run;
//! [`super::Writer`] fills them deterministically:
//!
//! * `buildtool = syspack`, `buildtoolver` = the version of `syspack-distro` (the *minimal* form
//!   the format allows for makepkg-like tools);
//! * `builddir = /build` and `startdir = /startdir`, fixed so the build directory never leaks
//!   into the package (two builds from different directories give the same bytes);
//! * `pkgbuild_sha256sum`: there is no PKGBUILD, so it is the SHA-256 of the package's own
//!   `.PKGINFO` text — a stand-in that changes exactly when the package metadata changes;
//! * no `buildenv`, `options` or `installed` lines (none of makepkg's settings applied).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The contents of a `.BUILDINFO` file.
///
/// What [`super::Writer`] puts in the fields that describe a makepkg run: `buildtool = syspack`,
/// `buildtoolver` = syspack-distro's version, `builddir = /build`, `startdir = /startdir`, and
/// as `pkgbuild_sha256sum` (there is no PKGBUILD) the SHA-256 of the package's `.PKGINFO` text;
/// no `buildenv`, `options` or `installed` lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// `format` (2 for the files syspack writes).
    pub format: u32,
    /// `pkgname`.
    pub pkgname: String,
    /// `pkgbase`.
    pub pkgbase: String,
    /// `pkgver`: `[epoch:]pkgver-pkgrel`.
    pub pkgver: String,
    /// `pkgarch`.
    pub pkgarch: String,
    /// `pkgbuild_sha256sum`: 64 hex digits.
    pub pkgbuild_sha256sum: String,
    /// `packager`.
    pub packager: String,
    /// `builddate`.
    pub builddate: u64,
    /// `builddir`.
    pub builddir: String,
    /// `startdir`.
    pub startdir: String,
    /// `buildtool` (format 2).
    pub buildtool: String,
    /// `buildtoolver` (format 2).
    pub buildtoolver: String,
    /// `buildenv` lines.
    pub buildenv: Vec<String>,
    /// `options` lines.
    pub options: Vec<String>,
    /// `installed` lines (`name-version-arch`).
    pub installed: Vec<String>,
    /// Keys this parser does not know, in file order; written last. pacman does not read
    /// `.BUILDINFO` at all, and a later makepkg may add keys: they are kept, not refused.
    pub unknown: Vec<(String, String)>,
}

impl fmt::Display for BuildInfo {
    /// Writes the keys in makepkg's order (`write_buildinfo`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "format = {}", self.format)?;
        writeln!(f, "pkgname = {}", self.pkgname)?;
        writeln!(f, "pkgbase = {}", self.pkgbase)?;
        writeln!(f, "pkgver = {}", self.pkgver)?;
        writeln!(f, "pkgarch = {}", self.pkgarch)?;
        writeln!(f, "pkgbuild_sha256sum = {}", self.pkgbuild_sha256sum)?;
        writeln!(f, "packager = {}", self.packager)?;
        writeln!(f, "builddate = {}", self.builddate)?;
        writeln!(f, "builddir = {}", self.builddir)?;
        writeln!(f, "startdir = {}", self.startdir)?;
        if self.format >= 2 {
            writeln!(f, "buildtool = {}", self.buildtool)?;
            writeln!(f, "buildtoolver = {}", self.buildtoolver)?;
        }
        for v in &self.buildenv {
            writeln!(f, "buildenv = {v}")?;
        }
        for v in &self.options {
            writeln!(f, "options = {v}")?;
        }
        for v in &self.installed {
            writeln!(f, "installed = {v}")?;
        }
        for (k, v) in &self.unknown {
            writeln!(f, "{k} = {v}")?;
        }
        Ok(())
    }
}

/// The keys of `.BUILDINFO` format 2 (`BUILDINFO(5)`).
const KNOWN_KEYS: [&str; 15] = [
    "format",
    "pkgname",
    "pkgbase",
    "pkgver",
    "pkgarch",
    "pkgbuild_sha256sum",
    "packager",
    "builddate",
    "builddir",
    "startdir",
    "buildtool",
    "buildtoolver",
    "buildenv",
    "options",
    "installed",
];

impl FromStr for BuildInfo {
    type Err = Error;

    /// Parses a `.BUILDINFO` of format 1 or 2.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the line for malformed lines, repeated keys, a
    /// `pkgbuild_sha256sum` that is not 64 hex digits, and missing required keys.
    fn from_str(s: &str) -> Result<Self> {
        let err = |line: usize, reason: String| Error::Parse {
            what: ".BUILDINFO",
            value: format!("line {line}"),
            reason,
        };
        let mut b = BuildInfo::default();
        let mut seen: Vec<String> = Vec::new();
        for (i, line) in s.lines().enumerate() {
            let n = i + 1;
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(err(n, format!("expected `key = value`, found `{line}`")));
            };
            let key = key.trim();
            let value = value.strip_prefix(' ').unwrap_or(value).to_string();
            let single = !matches!(key, "buildenv" | "options" | "installed");
            if single && KNOWN_KEYS.contains(&key) {
                if seen.iter().any(|k| k == key) {
                    return Err(err(n, format!("`{key}` appears more than once")));
                }
                seen.push(key.to_string());
            }
            let number = |v: &str| -> Result<u64> {
                v.trim()
                    .parse()
                    .map_err(|_| err(n, format!("`{key}` must be a whole number, found `{v}`")))
            };
            match key {
                "format" => {
                    b.format = u32::try_from(number(&value)?)
                        .map_err(|_| err(n, format!("format `{value}` is out of range")))?
                }
                "pkgname" => b.pkgname = value,
                "pkgbase" => b.pkgbase = value,
                "pkgver" => b.pkgver = value,
                "pkgarch" => b.pkgarch = value,
                "pkgbuild_sha256sum" => {
                    if value.len() != 64 || !value.bytes().all(|c| c.is_ascii_hexdigit()) {
                        return Err(err(
                            n,
                            format!("`pkgbuild_sha256sum` must be 64 hex digits, found `{value}`"),
                        ));
                    }
                    b.pkgbuild_sha256sum = value
                }
                "packager" => b.packager = value,
                "builddate" => b.builddate = number(&value)?,
                "builddir" => b.builddir = value,
                "startdir" => b.startdir = value,
                "buildtool" => b.buildtool = value,
                "buildtoolver" => b.buildtoolver = value,
                "buildenv" => b.buildenv.push(value),
                "options" => b.options.push(value),
                "installed" => b.installed.push(value),
                other => b.unknown.push((other.to_string(), value)),
            }
        }
        let mut required = vec![
            "format",
            "pkgname",
            "pkgbase",
            "pkgver",
            "pkgarch",
            "builddate",
        ];
        if b.format >= 2 {
            required.extend(["buildtool", "buildtoolver"]);
        }
        for r in required {
            if !seen.iter().any(|k| k == r) {
                return Err(Error::Parse {
                    what: ".BUILDINFO",
                    value: s.lines().next().unwrap_or_default().to_string(),
                    reason: format!("the required key `{r}` is missing"),
                });
            }
        }
        Ok(b)
    }
}
