//! Reading `distro/data/*.toml` into a [`KnowledgeBase`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::fact::{Fact, Value};
use super::release::{
    Eol, Family, LibcFact, LibraryFact, PackageFormat, PackageManager, Release, SonameEntry,
};
use super::types::{Architectures, Date, ReleaseId};
use super::KnowledgeBase;
use crate::error::{Error, Result};

/// The data files compiled into the binary, so `syspack` needs no file at run time.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    (
        "alpine-3.20.toml",
        include_str!("../../data/alpine-3.20.toml"),
    ),
    ("arch.toml", include_str!("../../data/arch.toml")),
    ("centos-7.toml", include_str!("../../data/centos-7.toml")),
    ("debian-11.toml", include_str!("../../data/debian-11.toml")),
    ("debian-12.toml", include_str!("../../data/debian-12.toml")),
    ("debian-13.toml", include_str!("../../data/debian-13.toml")),
    ("el-10.toml", include_str!("../../data/el-10.toml")),
    ("el-8.toml", include_str!("../../data/el-8.toml")),
    ("el-9.toml", include_str!("../../data/el-9.toml")),
    ("fedora-42.toml", include_str!("../../data/fedora-42.toml")),
    ("fedora-43.toml", include_str!("../../data/fedora-43.toml")),
    (
        "freebsd-13.toml",
        include_str!("../../data/freebsd-13.toml"),
    ),
    (
        "freebsd-14.toml",
        include_str!("../../data/freebsd-14.toml"),
    ),
    (
        "opensuse-15.6.toml",
        include_str!("../../data/opensuse-15.6.toml"),
    ),
    (
        "ubuntu-22.04.toml",
        include_str!("../../data/ubuntu-22.04.toml"),
    ),
    (
        "ubuntu-24.04.toml",
        include_str!("../../data/ubuntu-24.04.toml"),
    ),
];

/// The library names the data may list (one per syspack sys crate, present or planned).
pub const LIBRARIES: &[&str] = &[
    "bzip2",
    "libarchive",
    "openssl",
    "sqlite",
    "xz",
    "zlib",
    "zstd",
];

/// The layout of one data file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseFile {
    id: ReleaseId,
    name: String,
    family: Family,
    format: PackageFormat,
    #[serde(default)]
    freebsd_major: Option<u32>,
    released: Fact<Date>,
    eol: Fact<Eol>,
    architectures: Fact<Architectures>,
    libc: LibcFact,
    package_manager: PackageManager,
    #[serde(default)]
    libraries: BTreeMap<String, LibraryFact>,
    #[serde(default)]
    sonames: Vec<SonameEntry>,
}

fn invalid(file: &str, reason: impl Into<String>) -> Error {
    Error::Parse {
        what: "knowledge base file",
        value: file.to_string(),
        reason: reason.into(),
    }
}

/// Parses one data file; `file` is its name (`debian-12.toml`), which must match the id.
pub(crate) fn parse_release(file: &str, text: &str) -> Result<Release> {
    let raw: ReleaseFile =
        toml::from_str(text).map_err(|e| invalid(file, e.to_string().trim_end().to_string()))?;
    let stem = file.strip_suffix(".toml").unwrap_or(file);
    if raw.id.as_str() != stem {
        return Err(invalid(
            file,
            format!("its id is `{}`; name the file `{}.toml`", raw.id, raw.id),
        ));
    }
    if raw.name.trim().is_empty() {
        return Err(invalid(
            file,
            "`name` is empty; write the release's display name (`Debian 12 bookworm`)",
        ));
    }
    match (raw.family, raw.freebsd_major) {
        (Family::Freebsd, None) => {
            return Err(invalid(
                file,
                "FreeBSD releases need `freebsd_major` (13, 14…)",
            ))
        }
        (f, Some(_)) if f != Family::Freebsd => {
            return Err(invalid(
                file,
                "`freebsd_major` is only for FreeBSD releases; remove it",
            ))
        }
        _ => {}
    }
    for name in raw.libraries.keys() {
        if !LIBRARIES.contains(&name.as_str()) {
            return Err(invalid(
                file,
                format!(
                    "unknown library `{name}` in [libraries]; known: {}",
                    LIBRARIES.join(", ")
                ),
            ));
        }
    }
    let default = &raw.package_manager.default_compression;
    if let Value::Known(k) = default.value {
        let read = raw
            .package_manager
            .reads
            .get(&k)
            .and_then(|f| f.known().copied());
        if read != Some(true) {
            return Err(invalid(
                file,
                format!("default_compression is `{k}` but package_manager.reads.{k} is not `yes`"),
            ));
        }
    }
    let mut sonames = BTreeMap::new();
    for entry in raw.sonames {
        let clash = raw
            .libraries
            .values()
            .any(|l| l.soname.known() == Some(&entry.soname));
        if clash || sonames.contains_key(&entry.soname) {
            return Err(invalid(
                file,
                format!("soname `{}` is listed twice", entry.soname),
            ));
        }
        sonames.insert(entry.soname.clone(), entry);
    }
    let eol = match &raw.eol.value {
        Value::Known(Eol::Date(d)) => Some(d.clone()),
        _ => None,
    };
    Ok(Release {
        id: raw.id,
        name: raw.name,
        family: raw.family,
        format: raw.format.writer(),
        package_format: raw.format,
        released: raw.released,
        eol,
        eol_fact: raw.eol,
        architectures: raw.architectures,
        libc: raw.libc,
        package_manager: raw.package_manager,
        libraries: raw.libraries,
        sonames,
        freebsd_major: raw.freebsd_major,
        data_file: file.to_string(),
    })
}

/// Builds a knowledge base from `(file name, text)` pairs.
pub(crate) fn from_texts<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<KnowledgeBase> {
    let mut releases = BTreeMap::new();
    for (file, text) in files {
        let release = parse_release(file, text)?;
        if releases.contains_key(&release.id) {
            return Err(invalid(
                file,
                format!("release `{}` is defined twice", release.id),
            ));
        }
        releases.insert(release.id.clone(), release);
    }
    Ok(KnowledgeBase { releases })
}

/// Reads every `*.toml` in `dir`.
pub(crate) fn from_dir(dir: &Path) -> Result<KnowledgeBase> {
    let mut files = Vec::new();
    let read_dir = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "reading knowledge base directory", e))?;
    for entry in read_dir {
        let entry = entry.map_err(|e| Error::io(dir, "reading knowledge base directory", e))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| invalid(&path.display().to_string(), "file name is not UTF-8"))?
            .to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(&path, "reading knowledge base file", e))?;
        files.push((name, text));
    }
    files.sort();
    from_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
}
