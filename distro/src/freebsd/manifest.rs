//! `+MANIFEST` and `+COMPACT_MANIFEST`: the package's metadata as compact JSON.
//!
//! [`Manifest`] declares its fields in the order `pkg_emit_object` (libpkg/pkg_manifest.c) emits
//! them, skips empty ones as pkg does, and serialises with `serde_json`'s compact writer, which
//! escapes exactly what libucl's `UCL_EMIT_JSON_COMPACT` escapes for the values pkg writes.
//! [`Display`](fmt::Display) and [`FromStr`](std::str::FromStr) are inverses for manifests in
//! that canonical form.
//!
//! Values pkg URL-encodes (`desc`, script bodies, `files`/`directories`/`config` paths: every
//! non-ASCII byte and `%` become `%xx`) are stored encoded here, as in the file; [`urlencode`]
//! and [`urldecode`] convert.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A version that pkg accepts as a JSON string or integer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StrOrInt {
    /// A string, as pkg writes it.
    Str(String),
    /// An integer, as some hand-written manifests have it.
    Int(i64),
}

impl fmt::Display for StrOrInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrOrInt::Str(s) => f.write_str(s),
            StrOrInt::Int(i) => write!(f, "{i}"),
        }
    }
}

/// One `deps` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep {
    /// The dependency's port origin, `category/name`.
    pub origin: String,
    /// The dependency's version (informational for pkg's solver).
    pub version: StrOrInt,
}

/// Attributes of a file in the object form of `files` (pkg ≥ 2.4).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAttrs {
    /// The checksum string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// Owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uname: Option<String>,
    /// Group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gname: Option<String>,
    /// Permissions, octal (`"0755"`) or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perm: Option<StrOrInt>,
    /// File flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fflags: Option<StrOrInt>,
    /// Symlink target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symlink_target: Option<String>,
    /// Modification time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
}

/// A `files` value: the checksum string (every pkg version) or an attribute object (pkg ≥ 2.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileValue {
    /// `"1$<sha256 hex>"` (or `-` when unknown).
    Sum(String),
    /// `{ "sum": …, "uname": …, … }`.
    Attrs(FileAttrs),
}

impl FileValue {
    /// The checksum string, if any.
    pub fn sum(&self) -> Option<&str> {
        match self {
            FileValue::Sum(s) => Some(s),
            FileValue::Attrs(a) => a.sum.as_deref(),
        }
    }
}

/// Attributes of a directory in the object form of `directories`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirAttrs {
    /// Owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uname: Option<String>,
    /// Group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gname: Option<String>,
    /// Permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perm: Option<StrOrInt>,
    /// Legacy "try to remove" flag.
    #[serde(default, rename = "try", skip_serializing_if = "Option::is_none")]
    pub try_remove: Option<bool>,
    /// File flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fflags: Option<StrOrInt>,
}

/// A `directories` value: `"y"`/`"n"` (as pkg ≤ 2.3 writes), a boolean, or an attribute object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DirValue {
    /// `"y"` or `"n"`.
    Flag(String),
    /// `true` / `false`.
    Bool(bool),
    /// `{ "uname": …, "gname": …, "perm": … }`.
    Attrs(DirAttrs),
}

/// The `scripts` object, in the order pkg emits script types.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ManifestScripts {
    /// Runs before the files are extracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_install: Option<String>,
    /// Runs twice, with `PRE-INSTALL` and `POST-INSTALL` (legacy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    /// Runs after the files are extracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_install: Option<String>,
    /// Legacy upgrade script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_upgrade: Option<String>,
    /// Legacy upgrade script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    /// Legacy upgrade script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_upgrade: Option<String>,
    /// Runs before the files are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_deinstall: Option<String>,
    /// Runs twice, with `DEINSTALL` and `POST-DEINSTALL` (legacy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deinstall: Option<String>,
    /// Runs after the files are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_deinstall: Option<String>,
}

impl ManifestScripts {
    /// True when no script is set.
    pub fn is_empty(&self) -> bool {
        self == &ManifestScripts::default()
    }

    /// `(key, urlencoded body)` of each script that is set, in pkg's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("pre-install", &self.pre_install),
            ("install", &self.install),
            ("post-install", &self.post_install),
            ("pre-upgrade", &self.pre_upgrade),
            ("upgrade", &self.upgrade),
            ("post-upgrade", &self.post_upgrade),
            ("pre-deinstall", &self.pre_deinstall),
            ("deinstall", &self.deinstall),
            ("post-deinstall", &self.post_deinstall),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    }
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// A pkg manifest (full or compact: the compact one has no `files`, `config`, `directories`,
/// `scripts` and `lua_scripts`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Package name.
    pub name: String,
    /// Port origin, `category/portname`.
    pub origin: String,
    /// `version[_portrevision][,portepoch]`.
    pub version: String,
    /// One-line summary.
    #[serde(default)]
    pub comment: String,
    /// Maintainer e-mail address.
    #[serde(default)]
    pub maintainer: String,
    /// Home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub www: Option<String>,
    /// `FreeBSD:<major>:<arch>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abi: Option<String>,
    /// Legacy ABI spelling `freebsd:<major>:<legacy arch>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Installation prefix, usually `/usr/local`.
    #[serde(default)]
    pub prefix: String,
    /// Checksum of the package (repository catalogues only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// Sum of the sizes of regular files, bytes.
    #[serde(default)]
    pub flatsize: i64,
    /// Dependency formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dep_formula: Option<String>,
    /// Where the package is in its repository (repository catalogues only; pkg writes the same
    /// value as `path`, for pkg 1.2, then as `repopath`: `pkg_emit_object` in
    /// libpkg/pkg_manifest.c).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Where the package is in its repository, relative to the repository's URL (repository
    /// catalogues only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repopath: Option<String>,
    /// `single`, `and` or `or` (also `dual`, `multi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenselogic: Option<String>,
    /// Licence names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Size of the package file (repository catalogues only).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pkgsize: i64,
    /// Vital package flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vital: Option<bool>,
    /// Long description, URL-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Dependencies by package name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deps: BTreeMap<String, Dep>,
    /// Port categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Users the package creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Groups the package creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Shared libraries the package needs (`libzstd.so.1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shlibs_required: Vec<String>,
    /// Shared libraries the package provides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shlibs_provided: Vec<String>,
    /// Conflicting package name globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// Provided capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    /// Required capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Port options.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Files (and symlinks) by URL-encoded absolute path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileValue>,
    /// Configuration files (URL-encoded absolute paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<String>,
    /// Directories by URL-encoded absolute path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub directories: BTreeMap<String, DirValue>,
    /// Shell scripts.
    #[serde(default, skip_serializing_if = "ManifestScripts::is_empty")]
    pub scripts: ManifestScripts,
    /// Lua scripts (kept as found; syspack writes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lua_scripts: Option<serde_json::Value>,
    /// Install/remove messages (kept as found; syspack writes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<serde_json::Value>,
    /// Keys this type does not model (pkg ignores unknown keys too); written last, sorted.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Manifest {
    /// The compact manifest: this one without `files`, `config`, `directories`, `scripts` and
    /// `lua_scripts` (what `pkg create` writes as `+COMPACT_MANIFEST`).
    pub fn compact(&self) -> Manifest {
        Manifest {
            files: BTreeMap::new(),
            config: Vec::new(),
            directories: BTreeMap::new(),
            scripts: ManifestScripts::default(),
            lua_scripts: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Manifest {
    /// Compact JSON, no trailing newline (as `pkg create` writes it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&s)
    }
}

impl FromStr for Manifest {
    type Err = Error;

    /// Parses a JSON manifest. (pkg also reads UCL config syntax, from `pkg create
    /// --expand-manifest`; syspack reads the JSON that `pkg create` writes by default.)
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] with serde's message (line and column) when the JSON is invalid or a key
    /// has the wrong type.
    fn from_str(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::Parse {
            what: "pkg manifest",
            value: s.chars().take(60).collect(),
            reason: e.to_string(),
        })
    }
}

/// URL-encodes like pkg's `urlencode`: non-ASCII bytes and `%` become `%xx` (lowercase hex).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if !b.is_ascii() || b == b'%' {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Decodes `%xx` sequences (pkg's `url_decode`); a `%` not followed by two hex digits is kept.
pub fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) =
                (b.get(i + 1).and_then(hexval), b.get(i + 2).and_then(hexval))
            {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hexval(c: &u8) -> Option<u8> {
    (*c as char).to_digit(16).map(|d| d as u8)
}

/// The legacy `arch` spelling of an ABI architecture (`pkg_arch_to_legacy` in libpkg/pkg_abi.c):
/// `amd64` → `x86:64`, `aarch64` → `aarch64:64`, `*` → `*`. `None` for an architecture FreeBSD
/// does not have.
pub fn legacy_arch(abi_arch: &str) -> Option<&'static str> {
    Some(match abi_arch {
        "amd64" => "x86:64",
        "i386" => "x86:32",
        "aarch64" => "aarch64:64",
        "armv6" => "armv6:32:el:eabi:hardfp",
        "armv7" => "armv7:32:el:eabi:hardfp",
        "powerpc" => "powerpc:32:eb",
        "powerpc64" => "powerpc:64:eb",
        "powerpc64le" => "powerpc:64:el",
        "riscv64" => "riscv:64:hf",
        "*" => "*",
        _ => return None,
    })
}

/// Splits and checks an ABI string `FreeBSD:<major>:<arch>`, returning `(major, arch)`.
///
/// # Errors
///
/// A reason string when the syntax is wrong or the architecture unknown.
pub fn parse_abi(abi: &str) -> std::result::Result<(u32, &str), String> {
    let parts: Vec<&str> = abi.split(':').collect();
    let [os, major, arch] = parts[..] else {
        return Err(format!(
            "`{abi}` is not of the form `FreeBSD:<major>:<arch>` (e.g. `FreeBSD:14:amd64`)"
        ));
    };
    if os != "FreeBSD" {
        return Err(format!("`{abi}` names the OS `{os}`, expected `FreeBSD`"));
    }
    let major: u32 = match major.parse() {
        Ok(m) if m > 0 && !major.starts_with('0') => m,
        _ => {
            return Err(format!(
                "`{abi}`: the major version `{major}` is not a positive number"
            ))
        }
    };
    if legacy_arch(arch).is_none() {
        return Err(format!(
            "`{abi}`: unknown architecture `{arch}` (known: amd64, i386, aarch64, armv6, armv7, powerpc, powerpc64, powerpc64le, riscv64, *)"
        ));
    }
    Ok((major, arch))
}

/// Checks a full pkg version `version[_portrevision][,portepoch]`.
///
/// # Errors
///
/// A reason string naming the bad part.
pub fn check_version_syntax(full: &str) -> std::result::Result<(), String> {
    let (rest, epoch) = match full.rsplit_once(',') {
        Some((r, e)) => (r, Some(e)),
        None => (full, None),
    };
    let (upstream, revision) = match rest.rsplit_once('_') {
        Some((u, r)) => (u, Some(r)),
        None => (rest, None),
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(e) = epoch {
        if !number(e) {
            return Err(format!(
                "`{full}`: the port epoch after `,` must be a number, found `{e}`"
            ));
        }
    }
    if let Some(r) = revision {
        if !number(r) {
            return Err(format!(
                "`{full}`: the port revision after `_` must be a number, found `{r}`"
            ));
        }
    }
    check_upstream_version(upstream)
}

/// Checks the upstream part of a version: non-empty printable ASCII without `-`, `_`, `,` or
/// whitespace (those separate the name, port revision and port epoch).
///
/// # Errors
///
/// A reason string naming the bad character.
pub fn check_upstream_version(v: &str) -> std::result::Result<(), String> {
    if v.is_empty() {
        return Err("the version is empty".to_string());
    }
    if let Some(c) = v
        .chars()
        .find(|c| matches!(c, '-' | '_' | ',') || !c.is_ascii_graphic())
    {
        return Err(format!(
            "`{v}` contains `{}`; FreeBSD versions may not contain `-` (separates the name), `_` (port revision), `,` (port epoch), whitespace or non-ASCII characters",
            c.escape_debug()
        ));
    }
    Ok(())
}
