//! `.PKGINFO`: the package's metadata, `key = value` lines (PKGINFO(5), format 2 since pacman 6.1).
//!
//! Format 2 is format 1 plus `xdata` lines; the version of a parsed file is
//! [`PkgInfo::format_version`]. Comment lines (`# …`) are accepted and dropped, so
//! [`Display`](std::fmt::Display) and [`FromStr`](std::str::FromStr) are inverses for files without
//! comments (such as the ones [`super::Writer`] writes).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The contents of a `.PKGINFO` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PkgInfo {
    /// `pkgname`.
    pub pkgname: String,
    /// `pkgbase` (the same as `pkgname` for a package that is not split).
    pub pkgbase: String,
    /// `xdata` lines as written, e.g. `pkgtype=pkg` (format 2 only).
    pub xdata: Vec<String>,
    /// `pkgver`: the full version `[epoch:]pkgver-pkgrel`.
    pub pkgver: String,
    /// `pkgdesc`: one line.
    pub pkgdesc: String,
    /// `url` (may be empty).
    pub url: String,
    /// `builddate` in seconds since the epoch.
    pub builddate: u64,
    /// `packager`, `Name <email>`.
    pub packager: String,
    /// `size`: the installed size in bytes.
    pub size: u64,
    /// `arch`, e.g. `x86_64` or `any`.
    pub arch: String,
    /// `license` lines.
    pub license: Vec<String>,
    /// `replaces` lines.
    pub replaces: Vec<String>,
    /// `group` lines.
    pub group: Vec<String>,
    /// `conflict` lines.
    pub conflict: Vec<String>,
    /// `provides` lines.
    pub provides: Vec<String>,
    /// `backup` lines: relative paths of configuration files.
    pub backup: Vec<String>,
    /// `depend` lines.
    pub depend: Vec<String>,
    /// `optdepend` lines (`name` or `name: description`).
    pub optdepend: Vec<String>,
    /// `makedepend` lines.
    pub makedepend: Vec<String>,
    /// `checkdepend` lines.
    pub checkdepend: Vec<String>,
    /// Keys this parser does not know, in file order (pacman ignores them too); written last.
    pub unknown: Vec<(String, String)>,
}

impl PkgInfo {
    /// 2 when the file has an `xdata = pkgtype=…` line (required in format 2), else 1.
    pub fn format_version(&self) -> u32 {
        if self.xdata.iter().any(|x| x.starts_with("pkgtype=")) {
            2
        } else {
            1
        }
    }

    /// The value of `xdata = pkgtype=…` (`pkg`, `split`, `debug`, `src`), if present.
    pub fn pkgtype(&self) -> Option<&str> {
        self.xdata.iter().find_map(|x| x.strip_prefix("pkgtype="))
    }
}

/// Writes one `key = value` line.
fn kv(f: &mut fmt::Formatter<'_>, key: &str, value: &str) -> fmt::Result {
    writeln!(f, "{key} = {value}")
}

impl fmt::Display for PkgInfo {
    /// Writes the keys in makepkg's order (`write_pkginfo`), one space each side of `=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        kv(f, "pkgname", &self.pkgname)?;
        kv(f, "pkgbase", &self.pkgbase)?;
        for x in &self.xdata {
            kv(f, "xdata", x)?;
        }
        kv(f, "pkgver", &self.pkgver)?;
        kv(f, "pkgdesc", &self.pkgdesc)?;
        kv(f, "url", &self.url)?;
        kv(f, "builddate", &self.builddate.to_string())?;
        kv(f, "packager", &self.packager)?;
        kv(f, "size", &self.size.to_string())?;
        kv(f, "arch", &self.arch)?;
        let lists: [(&str, &Vec<String>); 10] = [
            ("license", &self.license),
            ("replaces", &self.replaces),
            ("group", &self.group),
            ("conflict", &self.conflict),
            ("provides", &self.provides),
            ("backup", &self.backup),
            ("depend", &self.depend),
            ("optdepend", &self.optdepend),
            ("makedepend", &self.makedepend),
            ("checkdepend", &self.checkdepend),
        ];
        for (key, values) in lists {
            for v in values {
                kv(f, key, v)?;
            }
        }
        for (k, v) in &self.unknown {
            kv(f, k, v)?;
        }
        Ok(())
    }
}

impl FromStr for PkgInfo {
    type Err = Error;

    /// Parses a `.PKGINFO` of format 1 or 2.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the line for a line without ` = `, a missing or repeated
    /// single-valued key, or a number that is not one.
    fn from_str(s: &str) -> Result<Self> {
        let err = |line: usize, reason: String| Error::Parse {
            what: ".PKGINFO",
            value: format!("line {line}"),
            reason,
        };
        let mut p = PkgInfo::default();
        let mut seen: Vec<&str> = Vec::new();
        for (i, line) in s.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(err(n, format!("expected `key = value`, found `{line}`")));
            };
            let key = key.trim();
            let value = value.strip_prefix(' ').unwrap_or(value).to_string();
            let single = |seen: &mut Vec<&str>, key: &'static str| -> Result<()> {
                if seen.contains(&key) {
                    return Err(err(n, format!("`{key}` appears more than once")));
                }
                seen.push(key);
                Ok(())
            };
            let number = |v: &str| -> Result<u64> {
                v.trim()
                    .parse()
                    .map_err(|_| err(n, format!("`{key}` must be a whole number, found `{v}`")))
            };
            match key {
                "pkgname" => {
                    single(&mut seen, "pkgname")?;
                    p.pkgname = value;
                }
                "pkgbase" => {
                    single(&mut seen, "pkgbase")?;
                    p.pkgbase = value;
                }
                "pkgver" => {
                    single(&mut seen, "pkgver")?;
                    p.pkgver = value;
                }
                "pkgdesc" => {
                    single(&mut seen, "pkgdesc")?;
                    p.pkgdesc = value;
                }
                "url" => {
                    single(&mut seen, "url")?;
                    p.url = value;
                }
                "builddate" => {
                    single(&mut seen, "builddate")?;
                    p.builddate = number(&value)?;
                }
                "packager" => {
                    single(&mut seen, "packager")?;
                    p.packager = value;
                }
                "size" => {
                    single(&mut seen, "size")?;
                    p.size = number(&value)?;
                }
                "arch" => {
                    single(&mut seen, "arch")?;
                    p.arch = value;
                }
                "xdata" => p.xdata.push(value),
                "license" => p.license.push(value),
                "replaces" => p.replaces.push(value),
                "group" => p.group.push(value),
                "conflict" => p.conflict.push(value),
                "provides" => p.provides.push(value),
                "backup" => p.backup.push(value),
                "depend" => p.depend.push(value),
                "optdepend" => p.optdepend.push(value),
                "makedepend" => p.makedepend.push(value),
                "checkdepend" => p.checkdepend.push(value),
                other => p.unknown.push((other.to_string(), value)),
            }
        }
        for required in ["pkgname", "pkgver", "arch"] {
            if !seen.contains(&required) {
                return Err(Error::Parse {
                    what: ".PKGINFO",
                    value: s.lines().next().unwrap_or_default().to_string(),
                    reason: format!("the required key `{required}` is missing"),
                });
            }
        }
        if !seen.contains(&"pkgbase") {
            p.pkgbase = p.pkgname.clone();
        }
        Ok(p)
    }
}
