//! `syspack matrix --solve`: the installs cell answered by libsolv against a release's real
//! package index instead of the format check alone.
//!
//! A release's index lives in `<index dir>/<release id>/` (default index dir:
//! `$SYSPACK_INDEX_DIR`, else `$XDG_CACHE_HOME/syspack/index`, else `~/.cache/syspack/index`):
//!
//! | family | files read (each its own repository; plain, `.gz`, `.xz` or `.zst`) | date from |
//! |---|---|---|
//! | Debian | `Packages*`, `*_Packages*` (apt's `lists/` names) | `Release` / `InRelease` `Date:` |
//! | RPM | `*primary.xml*` | — |
//! | Arch | `*.db` | — |
//!
//! FreeBSD's `pkg` repositories have no libsolv reader: the cell keeps the format check and says
//! so. The package under test is added to the pool from its own metadata (the `.deb`'s control
//! stanza; the `.rpm` header's name, version, provides, requires, conflicts and obsoletes;
//! the Arch `.PKGINFO`), after its reader verified its checksums.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::kb::Release;
use syspack_distro::matrix::{Solved, SolvedIndex};
use syspack_distro::Format;
use syspack_solv_sys::solve::{Answer, Dist, IndexKind, Pool};

/// The solver's name in the JSON (`"by"`).
pub const BY: &str = "libsolv";

/// The index directory: `$SYSPACK_INDEX_DIR`, else the per-user cache.
pub fn default_index_dir() -> Option<PathBuf> {
    syspack_distro::kb::index::default_dir()
}

/// A release's index files found on disk.
#[derive(Debug)]
pub struct Index {
    files: Vec<PathBuf>,
    kind: IndexKind,
    date: Option<String>,
}

/// The index of `release` under `root`, if its directory holds any file for its family.
///
/// # Errors
///
/// When the directory exists but cannot be read.
pub fn find_index(root: &Path, release: &Release) -> Result<Option<Index>> {
    let dir = root.join(release.id.to_string());
    let kind = match release.format {
        Some(Format::Deb) => IndexKind::DebianPackages,
        Some(Format::Rpm) => IndexKind::RpmPrimary,
        Some(Format::Arch) => IndexKind::ArchDb,
        _ => return Ok(None),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
    };
    let mut files = Vec::new();
    let mut date = None;
    for e in entries {
        let path = e
            .with_context(|| format!("cannot read `{}`", dir.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let wanted = match kind {
            IndexKind::DebianPackages => {
                (name.starts_with("Packages") || name.contains("_Packages"))
                    && !name.ends_with(".diff")
            }
            IndexKind::RpmPrimary => name.contains("primary.xml"),
            IndexKind::ArchDb => name.ends_with(".db"),
        };
        if wanted && path.is_file() {
            files.push(path);
        } else if kind == IndexKind::DebianPackages && (name == "Release" || name == "InRelease") {
            date = date.or(release_date(&path)?);
        }
    }
    files.sort();
    if files.is_empty() {
        return Ok(None);
    }
    Ok(Some(Index { files, kind, date }))
}

/// The `Date:` of a Debian `Release` file as `YYYY-MM-DD` (`Sat, 17 May 2025 09:12:00 UTC`).
fn release_date(path: &Path) -> Result<Option<String>> {
    let text = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let text = String::from_utf8_lossy(&text[..text.len().min(64 * 1024)]).into_owned();
    let Some(value) = text.lines().find_map(|l| l.strip_prefix("Date:")) else {
        return Ok(None);
    };
    Ok(syspack_distro::date::rfc2822_day(value))
}

/// The solver's answer for one release: what the cell records, the problems (reasons of a no).
pub struct Outcome {
    /// For the JSON.
    pub solved: Solved,
    /// The solver's problems (empty when installable).
    pub problems: Vec<String>,
    /// A note for an installable answer.
    pub note: Option<String>,
}

/// The answer for FreeBSD (no libsolv reader for `pkg` repositories).
pub fn not_solved(release: &Release) -> Outcome {
    Outcome {
        solved: Solved {
            answer: "not solved".into(),
            by: BY.into(),
            index: None,
        },
        problems: Vec::new(),
        note: Some(format!(
            "not solved: libsolv has no reader for {}'s pkg repositories; format check only",
            release.name
        )),
    }
}

/// Solves "install `package`" against `index`.
///
/// # Errors
///
/// When the package cannot be read, or libsolv cannot read the index or the package's data.
pub fn solve(index: &Index, package: &Path, format: Format) -> Result<Outcome> {
    let (dist, candidate_arch) = match format {
        Format::Deb => (Dist::Debian, "amd64"),
        Format::Rpm => (Dist::Rpm, "x86_64"),
        Format::Arch => (Dist::Arch, "x86_64"),
        Format::FreeBsd => bail!("libsolv has no FreeBSD pkg support"),
    };
    let meta = Metadata::read(package, format)?;
    let arch = match meta.arch.as_str() {
        "all" | "noarch" | "any" | "" => candidate_arch.to_string(),
        a => a.to_string(),
    };
    let mut pool = Pool::new(dist, &arch)?;
    let mut packages = 0;
    let mut sha256 = Vec::new();
    for (i, f) in index.files.iter().enumerate() {
        packages += pool
            .load_index(&format!("index-{i}"), f, index.kind)
            .with_context(|| format!("libsolv cannot load the index `{}`", f.display()))?;
        sha256.push(sha256_file(f)?);
    }
    let candidate = match format {
        Format::Deb => pool.add_debian_control(&meta.text),
        Format::Rpm => pool.add_rpm_primary(&meta.text),
        _ => pool.add_arch_desc(&meta.text),
    }
    .with_context(|| {
        format!(
            "libsolv cannot take `{}` as the package under test",
            package.display()
        )
    })?;
    let answer = pool.solve_install(candidate);
    let index = SolvedIndex {
        files: index
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        sha256,
        date: index.date.clone(),
        packages,
    };
    Ok(match answer {
        Answer::Installable { packages: n } => Outcome {
            solved: Solved {
                answer: "installable".into(),
                by: BY.into(),
                index: Some(index),
            },
            problems: Vec::new(),
            note: Some(format!(
                "libsolv: {} installs with {} package(s) from the index",
                pool.describe(candidate),
                n
            )),
        },
        Answer::NotInstallable { problems } => Outcome {
            solved: Solved {
                answer: "not installable".into(),
                by: BY.into(),
                index: Some(index),
            },
            problems,
            note: None,
        },
    })
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(hex::encode(h.finalize()))
}

/// The package under test in its index's own syntax.
struct Metadata {
    arch: String,
    text: String,
}

/// Debian fields that matter to the solver (the description does not).
const DEB_FIELDS: [&str; 11] = [
    "Package",
    "Version",
    "Architecture",
    "Multi-Arch",
    "Essential",
    "Pre-Depends",
    "Depends",
    "Provides",
    "Conflicts",
    "Breaks",
    "Replaces",
];

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Metadata {
    fn read(path: &Path, format: Format) -> Result<Metadata> {
        let ctx = || {
            format!(
                "`{}` failed verification as a {format} package",
                path.display()
            )
        };
        match format {
            Format::Deb => {
                let r = syspack_distro::deb::Reader::open(path).with_context(ctx)?;
                let c = r.metadata();
                let mut text = String::new();
                for f in DEB_FIELDS {
                    if let Some(v) = c.get(f) {
                        // One logical line: continuation lines of a field are folded.
                        let v = v.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
                        let _ = writeln!(text, "{f}: {v}");
                    }
                }
                Ok(Metadata {
                    arch: c.architecture().unwrap_or_default().to_string(),
                    text,
                })
            }
            Format::Rpm => {
                let r = syspack_distro::rpm::Reader::open(path).with_context(ctx)?;
                let m = r.metadata();
                let entries = |tag: &str, deps: &[syspack_distro::rpm::Dependency]| {
                    let mut out = String::new();
                    let list: Vec<_> = deps.iter().filter(|d| !d.is_rpmlib()).collect();
                    if list.is_empty() {
                        return out;
                    }
                    let _ = write!(out, "<rpm:{tag}>");
                    for d in list {
                        let _ = write!(out, "<rpm:entry name=\"{}\"", xml_escape(&d.name));
                        let flags = match d.operator() {
                            Some("<") => Some("LT"),
                            Some("<=") => Some("LE"),
                            Some("=") => Some("EQ"),
                            Some(">=") => Some("GE"),
                            Some(">") => Some("GT"),
                            _ => None,
                        };
                        if let (Some(fl), false) = (flags, d.version.is_empty()) {
                            let (epoch, rest) = match d.version.split_once(':') {
                                Some((e, r)) => (e, r),
                                None => ("0", d.version.as_str()),
                            };
                            let (ver, rel) = match rest.split_once('-') {
                                Some((v, r)) => (v, Some(r)),
                                None => (rest, None),
                            };
                            let _ = write!(
                                out,
                                " flags=\"{fl}\" epoch=\"{}\" ver=\"{}\"",
                                xml_escape(epoch),
                                xml_escape(ver)
                            );
                            if let Some(r) = rel {
                                let _ = write!(out, " rel=\"{}\"", xml_escape(r));
                            }
                        }
                        out.push_str("/>");
                    }
                    let _ = write!(out, "</rpm:{tag}>");
                    out
                };
                let text = format!(
                    "<package type=\"rpm\"><name>{}</name><arch>{}</arch>\
                     <version epoch=\"{}\" ver=\"{}\" rel=\"{}\"/><format>{}{}{}{}</format></package>",
                    xml_escape(&m.name),
                    xml_escape(&m.arch),
                    m.epoch.unwrap_or(0),
                    xml_escape(&m.version),
                    xml_escape(&m.release),
                    entries("provides", &m.provides),
                    entries("requires", &m.requires),
                    entries("conflicts", &m.conflicts),
                    entries("obsoletes", &m.obsoletes),
                );
                Ok(Metadata {
                    arch: m.arch.clone(),
                    text,
                })
            }
            Format::Arch => {
                let r = syspack_distro::arch::Reader::open(path).with_context(ctx)?;
                let p = r.metadata();
                let mut text = String::new();
                let mut section = |name: &str, values: &[String]| {
                    if !values.is_empty() {
                        let _ = writeln!(text, "%{name}%\n{}\n", values.join("\n"));
                    }
                };
                section("NAME", std::slice::from_ref(&p.pkgname));
                section("VERSION", std::slice::from_ref(&p.pkgver));
                section("ARCH", std::slice::from_ref(&p.arch));
                section("DEPENDS", &p.depend);
                section("PROVIDES", &p.provides);
                section("CONFLICTS", &p.conflict);
                section("REPLACES", &p.replaces);
                Ok(Metadata {
                    arch: p.arch.clone(),
                    text,
                })
            }
            Format::FreeBsd => bail!("libsolv has no FreeBSD pkg support"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_date_reads_the_debian_date_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Release");
        std::fs::write(
            &p,
            "Origin: Debian\nDate: Sat, 17 May 2025 09:12:00 UTC\nValid-Until: x\n",
        )
        .unwrap();
        assert_eq!(release_date(&p).unwrap().as_deref(), Some("2025-05-17"));
        std::fs::write(&p, "Date: garbage\n").unwrap();
        assert_eq!(release_date(&p).unwrap(), None);
    }
}
