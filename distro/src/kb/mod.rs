//! The distro knowledge base: what each release ships, with a source for every fact.
//!
//! The data lives in `distro/data/<release>.toml`, one file per release, and is compiled into the
//! crate, so [`KnowledgeBase::builtin`] needs no file at run time. Every value is a [`Fact`]: the
//! value (or `unknown`), its [`Source`] and a [`Confidence`]. Facts whose primary source was not
//! read carry `confidence = "unverified"`, and the matrix shows cells derived from them as
//! unverified.
//!
//! Beside the hand-kept data, [`index`] holds what `syspack kb update` derives from a Debian
//! release's own archive files (Contents, Packages, the libraries' `shlibs` and `symbols` control
//! files), and [`shlibdeps`] computes from it the `Depends` dpkg-shlibdeps would write for the
//! symbols a binary imports (dpkg-shlibdeps(1), deb-symbols(5)).
//!
//! ```
//! use syspack_distro::kb::KnowledgeBase;
//! use syspack_distro::Compression;
//!
//! let kb = KnowledgeBase::builtin();
//! let bullseye = kb.release("debian-11")?;
//! assert!(!bullseye.can_read(Compression::Zstd { level: 19, threads: 1 }));
//! assert_eq!(bullseye.package_for_soname("libzstd.so.1").unwrap().package.unwrap().as_str(), "libzstd1");
//! let err = kb.release("debain-12").unwrap_err().to_string();
//! assert!(err.contains("a target with a similar name exists: `debian-12`"));
//! # Ok::<(), syspack_distro::Error>(())
//! ```
//!
//! # Data file layout
//!
//! ```toml
//! id = "debian-12"                       # file name without .toml
//! name = "Debian 12 bookworm"
//! family = "debian"                      # debian ubuntu el fedora opensuse arch alpine freebsd
//! format = "deb"                         # deb rpm arch freebsd apk
//! released = { value = "2023-06-10", source = "…" }
//! eol = { value = "2028-06-30", source = "…", note = "LTS" }   # or "rolling" / "unknown"
//! architectures = { value = ["x86_64", "aarch64"], source = "dists/bookworm/InRelease: …" }
//!
//! [libc]
//! kind = "glibc"                         # glibc musl freebsd
//! version = { value = "2.36", source = "Debian archive index: …" }
//!
//! [package_manager]
//! name = "dpkg"
//! version = { value = "1.21.23", source = "…" }
//! default_compression = { value = "xz", source = "…" }
//! [package_manager.reads]               # one fact per compression: yes / no / unknown
//! zstd = { value = "yes", source = "…" }
//!
//! [libraries.zstd]                       # bzip2 libarchive openssl sqlite xz zlib zstd
//! version = { value = "1.5.4", source = "…" }
//! soname = { value = "libzstd.so.1", source = "…" }
//! runtime = { value = "libzstd1", source = "…" }
//! dev = { value = "libzstd-dev", source = "…" }
//! depends = { value = "libzstd1 (>= 1.5.2)", source = "…" }   # optional
//!
//! [[sonames]]                            # C library and compiler runtime sonames
//! soname = "libc.so.6"
//! package = "libc6"
//! libc = true
//! source = "…"
//! ```
//!
//! Every table refuses unknown keys; every fact needs a non-empty `source`.

pub mod archdb;
pub mod debversion;
mod fact;
pub mod index;
mod load;
pub mod packagesite;
mod release;
pub mod rpmmd;
pub mod rpmversion;
pub mod shlibdeps;
mod types;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

pub use fact::{Confidence, Fact, FactValue, Source, Value};
pub use load::LIBRARIES;
pub use release::{
    is_glibc_loader, CompressionKind, Eol, FactRecord, Family, LibcFact, LibcKind, LibraryFact,
    PackageFormat, PackageManager, Provider, Release, Repository, SonameEntry, SonamePackage,
    GLIBC_LOADERS,
};
pub use types::{Architectures, Date, GlibcVersion, PkgName, ReleaseId, Soname, Version};

use crate::error::{Error, Result};
use crate::Format;

/// Every release syspack knows, keyed by id.
#[derive(Clone, Debug)]
pub struct KnowledgeBase {
    releases: BTreeMap<ReleaseId, Release>,
}

impl KnowledgeBase {
    /// The data compiled into the crate (`distro/data/*.toml`), parsed once.
    ///
    /// # Panics
    ///
    /// Only if the compiled-in data is invalid, which the crate's tests rule out
    /// (`tests/kb.rs`); use [`KnowledgeBase::load_builtin`] to get the error instead.
    pub fn builtin() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| match KnowledgeBase::load_builtin() {
            Ok(kb) => kb,
            Err(e) => panic!(
                "syspack's built-in knowledge base is invalid (a bug; please report it): {e}"
            ),
        })
    }

    /// Parses the data compiled into the crate.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the data file and the key that is wrong.
    pub fn load_builtin() -> Result<KnowledgeBase> {
        load::from_texts(load::BUILTIN.iter().copied())
    }

    /// The names of the compiled-in data files.
    pub fn builtin_files() -> impl Iterator<Item = &'static str> {
        load::BUILTIN.iter().map(|(name, _)| *name)
    }

    /// Reads every `*.toml` file of a directory laid out like `distro/data/`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the directory cannot be read, [`Error::Parse`] for an invalid file.
    pub fn load_dir(dir: &Path) -> Result<KnowledgeBase> {
        load::from_dir(dir)
    }

    /// Parses a single data file's text (`file` is its name, `debian-12.toml`).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the file and the key that is wrong.
    pub fn parse_file(file: &str, text: &str) -> Result<Release> {
        load::parse_release(file, text)
    }

    /// The release `id`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRelease`] with the closest id (edit distance at most 3) and the full list.
    pub fn release(&self, id: &str) -> Result<&Release> {
        if let Some(r) = self
            .releases
            .iter()
            .find(|(k, _)| k.as_str() == id)
            .map(|(_, r)| r)
        {
            return Ok(r);
        }
        let suggestion = self
            .releases
            .keys()
            .map(|k| (edit_distance(id, k.as_str()), k))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, k)| k.to_string());
        Err(Error::UnknownRelease {
            id: id.to_string(),
            suggestion,
            known: self
                .releases
                .keys()
                .map(ReleaseId::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Every release, ordered by id.
    pub fn releases(&self) -> impl Iterator<Item = &Release> {
        self.releases.values()
    }

    /// The default targets: the newest release of the lead family of each package format syspack
    /// writes — Debian for deb, Fedora for rpm, Arch, FreeBSD — in [`Format::ALL`] order
    /// (`debian-13`, `fedora-43`, `arch`, `freebsd-14` with the current data).
    pub fn newest_per_family(&self) -> Vec<&Release> {
        let lead = |f: Format| match f {
            Format::Deb => Family::Debian,
            Format::Rpm => Family::Fedora,
            Format::Arch => Family::Arch,
            Format::FreeBsd => Family::Freebsd,
        };
        Format::ALL
            .into_iter()
            .filter_map(|f| {
                self.releases
                    .values()
                    .filter(|r| r.family == lead(f) && r.format == Some(f))
                    .max_by(|a, b| {
                        a.version_in_id()
                            .cmp(&b.version_in_id())
                            .then_with(|| a.id.cmp(&b.id))
                    })
            })
            .collect()
    }
}

/// Verified facts that have neither a derivation (an index file and command) nor a primary source
/// with an as-of date (`as_of`, or a `YYYY-MM-DD` date in the source text); a source pointing into
/// the project's own lead list, docs/distro-facts.md, is not primary. One line per problem: `file: path: why`.
pub fn audit(kb: &KnowledgeBase) -> Vec<String> {
    let mut out = Vec::new();
    for r in kb.releases() {
        for f in r.facts() {
            if f.confidence != Confidence::Verified || f.value == "unknown" {
                continue;
            }
            let src = f.source.as_str();
            let why = if src.contains("docs/distro-facts.md") {
                "its source is a project-internal note, not a primary source"
            } else if f.as_of.is_none() && !has_date(src) {
                "its source has no as-of date"
            } else {
                continue;
            };
            out.push(format!("{}: {}: {why} ({src})", r.data_file, f.path));
        }
    }
    out
}

/// Whether `s` holds a `YYYY-MM-DD` date.
fn has_date(s: &str) -> bool {
    s.as_bytes().windows(10).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    })
}

/// The edit distance between two strings (by `char`), for "did you mean" hints: insertions,
/// deletions, substitutions and transpositions of two neighbours (`rmp` → `rpm`) each count 1
/// (optimal string alignment, [`strsim::osa_distance`]).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The candidate closest to `word` by [`edit_distance`], if it is within 3 edits and a third of
/// the word's length (as cargo suggests), the smallest such candidate on a tie.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count().max(3) / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod edit_distance_tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("debian-12", "debian-12"), 0);
        assert_eq!(edit_distance("rmp", "rpm"), 1);
    }

    #[test]
    fn closest_suggests_only_near_words() {
        let c = ["debian-12", "debian-13", "fedora-43", "arch"];
        assert_eq!(closest("debain-12", c), Some("debian-12"));
        assert_eq!(closest("fedora43", c), Some("fedora-43"));
        assert_eq!(closest("gentoo", c), None);
        assert_eq!(closest("asets", ["assets", "scripts"]), Some("assets"));
    }
}
