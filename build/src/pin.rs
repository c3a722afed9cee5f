//! Source pins: `pin.toml` beside each sys crate names the upstream release and the sha256 of
//! every acceptable tarball.
//!
//! ```toml
//! library = "zstd"
//! version = "1.5.7"
//! url = "https://github.com/facebook/zstd/releases/download/v1.5.7/zstd-1.5.7.tar.gz"
//! patches = ["patches/0001-topic.patch"]   # optional, relative to the pin file, applied in order
//!
//! [[artifact]]
//! file = "zstd-1.5.7.tar.gz"
//! sha256 = "eb33e51f49a15e023950cd7825ca74a4a2b43db8354825ac24fc1b7ee09e6fa3"
//! kind = "upstream"          # or "debian-orig"
//! strip = "zstd-1.5.7"       # the top directory inside the tarball (or a path below it:
//!                            # "libexpat-R_2_5_0/expat" builds that subdirectory)
//! ```
//!
//! Unknown keys are errors. The upstream URL's last path segment should be the `file` of an
//! `upstream` artifact; [`Pin::candidate_urls`] lists where `syspack vendor fetch` may download
//! each artifact from.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::tomlite::{self, toml_str, Fields};
use crate::Error;

/// What an artifact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// The release tarball published upstream.
    Upstream,
    /// Debian's `orig` tarball of the same version (may be repacked, e.g. `+dfsg`).
    DebianOrig,
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArtifactKind::Upstream => "upstream",
            ArtifactKind::DebianOrig => "debian-orig",
        })
    }
}

/// One acceptable tarball of a pinned release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// The file name (no directory).
    pub file: String,
    /// The sha256 of its bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// Upstream or Debian `orig`.
    pub kind: ArtifactKind,
    /// The top directory inside the tarball, removed when unpacking.
    pub strip: String,
}

/// A pinned upstream release: `pin.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The library's short name (`zstd`).
    pub library: String,
    /// The upstream version (`1.5.7`).
    pub version: String,
    /// The upstream tarball's URL.
    pub url: String,
    /// Patches applied in order after unpacking, relative to the pin file's directory (key
    /// `patches`, optional).
    pub patches: Vec<PathBuf>,
    /// Every acceptable tarball, in order of preference (the `[[artifact]]` tables).
    pub artifacts: Vec<Artifact>,
    /// The file the pin was read from (not part of the format).
    pub path: Option<PathBuf>,
}

/// Where `syspack vendor fetch` may download an artifact from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateUrl {
    /// The URL.
    pub url: String,
    /// The artifact it should yield (its sha256 decides).
    pub artifact: Artifact,
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_plain_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains('/') && !s.contains('\\')
}

impl Pin {
    /// Reads and validates a pin file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, [`Error::PinParse`] if it is not valid TOML or has an
    /// unknown or missing key, [`Error::PinInvalid`] if a value is not acceptable.
    pub fn from_path(path: &Path) -> Result<Pin, Error> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io(path, "read pin file", e))?;
        Pin::parse(&text, path)
    }

    /// Parses and validates pin text; `path` is used in messages and to resolve patches.
    ///
    /// # Errors
    ///
    /// As [`Pin::from_path`], without the I/O error.
    pub fn parse(text: &str, path: &Path) -> Result<Pin, Error> {
        let mut pin = Pin::from_toml(text).map_err(|message| Error::PinParse {
            path: path.to_path_buf(),
            message,
        })?;
        pin.path = Some(path.to_path_buf());
        pin.validate(path)?;
        Ok(pin)
    }

    /// Reads the TOML text into a pin (unknown keys are errors); [`Pin::validate`] checks the
    /// values.
    fn from_toml(text: &str) -> Result<Pin, String> {
        let mut f = Fields::new(
            tomlite::parse(text)?,
            &["library", "version", "url", "patches", "artifact"],
            "",
        )?;
        let library = f.str("library")?;
        let version = f.str("version")?;
        let url = f.str("url")?;
        let (items, line) = f.array("patches")?;
        let mut patches = Vec::new();
        for item in items {
            patches.push(PathBuf::from(tomlite::item_str("patches", item, line)?));
        }
        let (items, line) = f.required_array("artifact")?;
        let mut artifacts = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let mut a = Fields::new(
                tomlite::item_table("artifact", item, line)?,
                &["file", "sha256", "kind", "strip"],
                &format!("`artifact[{i}]`"),
            )?;
            let file = a.str("file")?;
            let sha256 = a.str("sha256")?;
            let kind = match a.str("kind")?.as_str() {
                "upstream" => ArtifactKind::Upstream,
                "debian-orig" => ArtifactKind::DebianOrig,
                other => {
                    return Err(format!(
                        "`artifact[{i}]`: unknown variant `{other}` for `kind`, expected \
                         `upstream` or `debian-orig`"
                    ))
                }
            };
            artifacts.push(Artifact {
                file,
                sha256,
                kind,
                strip: a.str("strip")?,
            });
        }
        Ok(Pin {
            library,
            version,
            url,
            patches,
            artifacts,
            path: None,
        })
    }

    fn validate(&self, path: &Path) -> Result<(), Error> {
        let bad = |key: String, value: &str, reason: &str| Error::PinInvalid {
            path: path.to_path_buf(),
            key,
            value: value.to_string(),
            reason: reason.to_string(),
        };
        if self.library.is_empty()
            || !self
                .library
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(bad(
                "library".into(),
                &self.library,
                "expected a short name of lower-case letters, digits, `-` or `_`",
            ));
        }
        if self.version.trim().is_empty() || self.version.contains(char::is_whitespace) {
            return Err(bad(
                "version".into(),
                &self.version,
                "expected a version without spaces",
            ));
        }
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(bad("url".into(), &self.url, "expected an `https://` URL"));
        }
        if self.artifacts.is_empty() {
            return Err(bad(
                "artifact".into(),
                "",
                "expected at least one `[[artifact]]` table",
            ));
        }
        for (i, a) in self.artifacts.iter().enumerate() {
            if !is_plain_name(&a.file) {
                return Err(bad(
                    format!("artifact[{i}].file"),
                    &a.file,
                    "expected a file name without directory",
                ));
            }
            if !is_sha256(&a.sha256) {
                return Err(bad(
                    format!("artifact[{i}].sha256"),
                    &a.sha256,
                    "expected 64 lower-case hexadecimal digits",
                ));
            }
            if !a.strip.split('/').all(is_plain_name) {
                return Err(bad(
                    format!("artifact[{i}].strip"),
                    &a.strip,
                    "expected the tarball's top directory, or a path of plain names below it                      (`libexpat-R_2_5_0/expat`), without `.`, `..`, `\\` or empty parts",
                ));
            }
            if let Some((j, _)) = self.artifacts[..i]
                .iter()
                .enumerate()
                .find(|(_, b)| b.sha256 == a.sha256 || b.file == a.file)
            {
                return Err(bad(
                    format!("artifact[{i}]"),
                    &a.file,
                    &format!("same file name or sha256 as artifact[{j}]"),
                ));
            }
        }
        for (i, p) in self.patches.iter().enumerate() {
            if p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(bad(
                    format!("patches[{i}]"),
                    &p.display().to_string(),
                    "expected a path relative to the pin file's directory, without `..`",
                ));
            }
        }
        Ok(())
    }

    /// The patch files, resolved against the pin file's directory, in order.
    pub fn patch_paths(&self) -> Vec<PathBuf> {
        let base = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        self.patches.iter().map(|p| base.join(p)).collect()
    }

    /// The artifact with this sha256, if the pin accepts it.
    pub fn accepts(&self, sha256: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.sha256 == sha256)
    }

    /// Where each artifact may be downloaded from, in the order to try: `<mirror>/<file>` for
    /// every artifact when a mirror base URL is given (from `SYSPACK_MIRROR`), then the pin's
    /// upstream `url` for the upstream artifact whose file name it ends with (or the first
    /// upstream artifact). The sha256 decides, never the URL.
    pub fn candidate_urls(&self, mirror: Option<&str>) -> Vec<CandidateUrl> {
        let mut out = Vec::new();
        if let Some(m) = mirror.map(str::trim).filter(|m| !m.is_empty()) {
            for a in &self.artifacts {
                out.push(CandidateUrl {
                    url: format!("{}/{}", m.trim_end_matches('/'), a.file),
                    artifact: a.clone(),
                });
            }
        }
        let last = self.url.rsplit('/').next().unwrap_or("");
        let upstream = self
            .artifacts
            .iter()
            .find(|a| a.kind == ArtifactKind::Upstream && a.file == last)
            .or_else(|| {
                self.artifacts
                    .iter()
                    .find(|a| a.kind == ArtifactKind::Upstream)
            });
        if let Some(a) = upstream {
            out.push(CandidateUrl {
                url: self.url.clone(),
                artifact: a.clone(),
            });
        }
        out
    }

    /// The pin as TOML (the inverse of [`Pin::parse`]).
    pub fn to_toml(&self) -> String {
        let mut out = format!(
            "library = {}\nversion = {}\nurl = {}\n",
            toml_str(&self.library),
            toml_str(&self.version),
            toml_str(&self.url)
        );
        if !self.patches.is_empty() {
            let patches: Vec<String> = self
                .patches
                .iter()
                .map(|p| toml_str(&p.to_string_lossy()))
                .collect();
            out.push_str(&format!("patches = [{}]\n", patches.join(", ")));
        }
        for a in &self.artifacts {
            out.push_str(&format!(
                "\n[[artifact]]\nfile = {}\nsha256 = {}\nkind = {}\nstrip = {}\n",
                toml_str(&a.file),
                toml_str(&a.sha256),
                toml_str(&a.kind.to_string()),
                toml_str(&a.strip)
            ));
        }
        out
    }
}

impl FromStr for Pin {
    type Err = Error;
    fn from_str(s: &str) -> Result<Pin, Error> {
        let mut pin = Pin::parse(s, Path::new("<string>"))?;
        pin.path = None;
        Ok(pin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
library = "zstd"
version = "1.5.7"
url = "https://example.invalid/zstd-1.5.7.tar.gz"
[[artifact]]
file = "zstd-1.5.7.tar.gz"
sha256 = "eb33e51f49a15e023950cd7825ca74a4a2b43db8354825ac24fc1b7ee09e6fa3"
kind = "upstream"
strip = "zstd-1.5.7"
[[artifact]]
file = "libzstd_1.5.7+dfsg.orig.tar.xz"
sha256 = "0c092ef2e0a4b0e1cea60b2ee5be0f8fb0e9d0f1c2bb8a24b4d81ee0ca0c0a6b"
kind = "debian-orig"
strip = "zstd-1.5.7"
"#;

    #[test]
    fn parses_and_round_trips() {
        let pin: Pin = GOOD.parse().unwrap();
        assert_eq!(pin.artifacts.len(), 2);
        assert_eq!(pin.artifacts[1].kind, ArtifactKind::DebianOrig);
        let again: Pin = pin.to_toml().parse().unwrap();
        assert_eq!(pin, again);
    }

    #[test]
    fn candidate_urls_mirror_first() {
        let pin: Pin = GOOD.parse().unwrap();
        let urls: Vec<String> = pin
            .candidate_urls(Some("http://m.invalid/src/"))
            .into_iter()
            .map(|c| c.url)
            .collect();
        assert_eq!(
            urls,
            [
                "http://m.invalid/src/zstd-1.5.7.tar.gz",
                "http://m.invalid/src/libzstd_1.5.7+dfsg.orig.tar.xz",
                "https://example.invalid/zstd-1.5.7.tar.gz"
            ]
        );
        assert_eq!(pin.candidate_urls(None).len(), 1);
    }
}
