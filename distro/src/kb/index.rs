//! Release indexes derived from a distribution's own archive files.
//!
//! A [`ReleaseIndex`] is what `syspack kb update` keeps of one Debian or Ubuntu release: from the
//! suite's `Release` file its date, suite and codename and the sha256 of every index file used;
//! from `Packages` the versions of `libc6`, `dpkg`, `apt` and of every package that ships a
//! library; from `Contents-<arch>` which package ships each `lib*.so.*` and `lib*.so` file where
//! the dynamic loader looks (`lib`, `usr/lib`, their `x86_64-linux-gnu` and `64` variants; a bare
//! `lib*.so` is mostly a development link, but some sonames end that way, [`is_soname_file`]).
//! Each fact of the index carries
//! the file it came from (path relative to the mirror base, sha256) and the command that made it.
//!
//! The shipped indexes live in `distro/data/index/<release>.idx.xz`, are compiled in and
//! decompressed only when a release's index is first asked for ([`builtin`]). Imported ones live
//! in the user's index directory ([`default_dir`]); [`lookup`] prefers those, once per release.
//!
//! # Text format (`syspack-kb-index 1`), one record per line, fields separated by a tab (shown `→`)
//!
//! ```text
//! syspack-kb-index → 1
//! release → debian-12
//! suite → oldstable
//! codename → bookworm
//! date → Sat, 11 Jul 2026 10:16:37 UTC
//! command → syspack kb update debian-12
//! signature → InRelease: gpgv with debian-archive-keyring: good
//! file → dists/bookworm/main/binary-amd64/Packages.xz → <sha256> → <size>
//! file → dists/bookworm/main/Contents-amd64.gz → <sha256> → <size>
//! package → libc6 → 2.36-9+deb12u13
//! soname → libz.so.1 → zlib1g
//! base → libc.so.7
//! origin → curl → ftp/curl
//! area → nvidia-libopencl1 → non-free
//! shlibs → libz.so.1 → zlib1g (>= 1:1.2.3.3.dfsg-1) → pool/main/z/zlib/zlib1g_….deb → <sha256>
//! symbols → libpcre2-8.so.0 → pool/main/p/pcre2/libpcre2-8-0_….deb → <sha256> → 10.22
//! template → libpcre2-8.so.0 → libpcre2-8-0 #MINVER#
//! nodes → libgcc_s.so.1 → GCC_3.0 GCC_3.3 GCC_4.2.0 …
//! symbol → libpcre2-8.so.0 → pcre2_serialize_decode_8@Base → 10.34 → 0
//! ```
//!
//! `symbols` is the library's `symbols` control file (deb-symbols(5)) reduced to what
//! dpkg-shlibdeps computes with: its smallest minimum version (`-` when none), its dependency
//! templates in order (the first from the soname line, then the `|` alternatives; a symbol's
//! dependency id indexes them), and only the symbols whose minimum version is above the smallest
//! or whose dependency id is not 0 (plus same-named symbols of other libraries, which decide
//! where dpkg-shlibdeps looks a symbol up), and the version nodes its symbols carry (an import
//! of another node is unknown to the release); see [`crate::kb::shlibdeps`] for the rule.
//!
//! `area` records name the archive area (component) of the packages outside `main`, which apt
//! installs only where that area is in the sources.
//!
//! Records are sorted within their kind, so the same archive files give the same bytes.
//!
//! An index can also come from an rpm-md repository a user downloaded (`syspack kb import
//! --release fedora-43 DIR`, [`crate::kb::rpmmd`]): then `suite` is `rpm-md`, `codename` is
//! repomd's `revision`, `date` the newest `<timestamp>` of the files read, the `file` records
//! are `repodata/repomd.xml`, `primary` and `filelists`, `package` versions are rpm's `EVR`, and
//! there are no `shlibs` or `symbols` records (RPM dependencies name sonames, not packages).
//! From Arch `.files` databases ([`crate::kb::archdb`]) `suite` is `pacman-db`, `codename` the
//! databases' names and `date` the newest `%BUILDDATE%`. From a FreeBSD catalogue
//! ([`crate::kb::packagesite`]) `suite` is `packagesite`, `codename` the catalogue member read
//! (`packagesite.yaml` or `data`), `soname` records come from `shlibs_provided`, and `base`
//! records (`base → libc.so.7`) name the sonames the base system provides, which no package
//! ships.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The first line of every index.
pub const MAGIC: &str = "syspack-kb-index\t1";

/// Largest line accepted in any archive index file (Packages descriptions, Contents paths).
pub const MAX_LINE: usize = 1 << 20;

/// Largest decompressed archive index file read (Contents-amd64 of trixie is about 0.2 GB).
pub const MAX_DECOMPRESSED: u64 = 4 << 30;

/// The `suite` of an index made from a FreeBSD catalogue ([`crate::kb::packagesite`]).
pub const PACKAGESITE_SUITE: &str = "packagesite";

/// The `suite` of an index made from pacman sync databases ([`crate::kb::archdb`]).
pub const PACMAN_DB_SUITE: &str = "pacman-db";

/// The sync repositories that together hold every package of an Arch release: the official
/// repositories pacman.conf enables by default (`[core]`, `[extra]`; `[multilib]` holds 32-bit
/// libraries only). An index of some of them cannot say a soname is missing.
pub const ARCH_RELEASE_REPOS: &[&str] = &["core", "extra"];

/// A value that goes into a tab-separated index record.
pub(crate) fn field_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != ',')
}

/// An index file used, as the suite's `Release` lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexFile {
    /// Path relative to the mirror base (`dists/bookworm/main/Contents-amd64.gz`).
    pub path: String,
    /// Its sha256 (hex), checked against the `Release` file.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The `shlibs` line of one soname (what `dpkg-shlibdeps` falls back on), with the package file
/// it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shlibs {
    /// The dependency (`zlib1g (>= 1:1.2.3.3.dfsg-1)`).
    pub depends: String,
    /// The `.deb` it came from, relative to the mirror base.
    pub deb: String,
    /// That `.deb`'s sha256, as the verified `Packages` lists it.
    pub sha256: String,
}

/// What one release's archive says, reduced to what syspack uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseIndex {
    /// The knowledge-base id (`debian-12`).
    pub release: String,
    /// `Suite:` of the Release file (`oldstable`).
    pub suite: String,
    /// `Codename:` (`bookworm`).
    pub codename: String,
    /// `Date:` of the Release file: the as-of date of every fact here.
    pub date: String,
    /// The command that made it.
    pub command: String,
    /// How the Release file was authenticated.
    pub signature: String,
    /// The index files read.
    pub files: Vec<IndexFile>,
    /// Package versions (`libc6` → `2.36-9+deb12u13`).
    pub packages: BTreeMap<String, String>,
    /// File name under a library directory → packages shipping it (sorted).
    pub sonames: BTreeMap<String, Vec<String>>,
    /// Soname → its `shlibs` line, for the libraries whose control files were read.
    pub shlibs: BTreeMap<String, Shlibs>,
    /// Soname → what its package's `symbols` file says, for the libraries whose control files
    /// were read; where present, dpkg-shlibdeps uses it rather than `shlibs`.
    pub symbols: BTreeMap<String, SymbolsObject>,
    /// Sonames the base system provides (FreeBSD's `libc.so.7`): no package ships them and
    /// none is needed.
    pub base: std::collections::BTreeSet<String>,
    /// Package → its port origin (FreeBSD's `ftp/curl`), which a FreeBSD manifest's `deps`
    /// record beside each dependency's name; from a packagesite import.
    pub origins: BTreeMap<String, String>,
    /// Package → the archive area (component) it is in, for the packages outside `main`
    /// (Debian's `contrib`, `non-free`, `non-free-firmware`; Ubuntu's `restricted`, `universe`,
    /// `multiverse`): apt installs them only where that area is in the sources, which for a
    /// fresh install means [`crate::kb::Family::default_areas`].
    pub areas: BTreeMap<String, String>,
}

fn bad(what: &str, line: usize, msg: impl std::fmt::Display) -> Error {
    Error::malformed(what, "archive index", format!("line {line}: {msg}"))
}

impl ReleaseIndex {
    /// The package shipping `file` (a soname): when several do, the first by name of those in
    /// the default archive area (`main`), else the first by name — `libOpenCL.so.1` is
    /// `ocl-icd-libopencl1` of `main`, not `nvidia-libopencl1` of `non-free`.
    pub fn provider(&self, file: &str) -> Option<&str> {
        let pkgs = self.sonames.get(file)?;
        pkgs.iter()
            .find(|p| !self.areas.contains_key(*p))
            .or_else(|| pkgs.first())
            .map(String::as_str)
    }

    /// Whether the base system provides `soname` (a FreeBSD index's `base` records).
    pub fn is_base(&self, soname: &str) -> bool {
        self.base.contains(soname)
    }

    /// Whether a soname that no package of the index ships and that is not [`base`] is one the
    /// release does not have: true when the index's file lists cover every library the release
    /// installs (Debian, rpm-md, and Arch with both `core` and `extra`); see
    /// [`ReleaseIndex::partial`] for when they do not.
    ///
    /// [`base`]: ReleaseIndex::base
    pub fn absent_means_missing(&self) -> bool {
        self.partial().is_none()
    }

    /// Why a soname the index does not list is unknown rather than missing: a FreeBSD catalogue
    /// lists packages, not the base system's libraries (beyond the `base` records); an Arch
    /// index made from only some of [`ARCH_RELEASE_REPOS`] lacks the others' packages. `None`
    /// when the index lists every library file of the release.
    pub fn partial(&self) -> Option<String> {
        match self.suite.as_str() {
            PACKAGESITE_SUITE => Some("the catalogue does not list the base system".to_string()),
            PACMAN_DB_SUITE => {
                let missing: Vec<&str> = ARCH_RELEASE_REPOS
                    .iter()
                    .copied()
                    .filter(|repo| !self.files.iter().any(|f| pacman_repo(&f.path) == *repo))
                    .collect();
                (!missing.is_empty()).then(|| {
                    format!(
                        "the `{}` database(s) of the release were not imported",
                        missing.join("`, `")
                    )
                })
            }
            _ => None,
        }
    }

    /// The version of `package` in the release.
    pub fn version(&self, package: &str) -> Option<&str> {
        self.packages.get(package).map(String::as_str)
    }

    /// Where the soname facts come from, for a reason a reader can check: the Contents (or, for
    /// an rpm-md import, filelists) file's path, sha256 prefix and the index's date.
    pub fn contents_source(&self) -> String {
        self.source_of(&["Contents-", "filelists", ".files", "packagesite.", "data."])
    }

    /// Where the package versions come from (the Packages file, or rpm-md's primary).
    pub fn packages_source(&self) -> String {
        self.source_of(&["Packages", "primary", ".files", "packagesite.", "data."])
    }

    fn source_of(&self, kinds: &[&str]) -> String {
        let name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let mut matching: Vec<&IndexFile> = self
            .files
            .iter()
            .filter(|f| kinds.iter().any(|k| name(&f.path).contains(k)))
            .collect();
        // A Debian index has one such file per component: `main`'s is named, the others
        // counted.
        matching.sort_by_key(|f| !f.path.contains("/main/"));
        match matching.split_first() {
            Some((f, others)) => format!(
                "{} sha256 {}{} of {} (`{}`)",
                f.path,
                &f.sha256[..f.sha256.len().min(16)],
                match others.len() {
                    0 => String::new(),
                    n => format!(" and {n} other component file(s)"),
                },
                self.date,
                self.command
            ),
            None => format!("index of {} ({})", self.release, self.command),
        }
    }

    /// Writes the text form (see the module documentation); deterministic.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut line = |fields: &[&str]| {
            s.push_str(&fields.join("\t"));
            s.push('\n');
        };
        line(&[MAGIC]);
        line(&["release", &self.release]);
        line(&["suite", &self.suite]);
        line(&["codename", &self.codename]);
        line(&["date", &self.date]);
        line(&["command", &self.command]);
        line(&["signature", &self.signature]);
        let mut files = self.files.clone();
        files.sort();
        for f in &files {
            line(&["file", &f.path, &f.sha256, &f.size.to_string()]);
        }
        for (p, v) in &self.packages {
            line(&["package", p, v]);
        }
        for (so, pkgs) in &self.sonames {
            line(&["soname", so, &pkgs.join(",")]);
        }
        for so in &self.base {
            line(&["base", so]);
        }
        for (p, o) in &self.origins {
            line(&["origin", p, o]);
        }
        for (p, a) in &self.areas {
            line(&["area", p, a]);
        }
        for (so, sh) in &self.shlibs {
            line(&["shlibs", so, &sh.depends, &sh.deb, &sh.sha256]);
        }
        for (so, o) in &self.symbols {
            let smallest = o.smallest.as_deref().unwrap_or("-");
            line(&["symbols", so, &o.deb, &o.sha256, smallest]);
            for t in &o.templates {
                line(&["template", so, t]);
            }
            if !o.nodes.is_empty() {
                let nodes: Vec<&str> = o.nodes.iter().map(String::as_str).collect();
                line(&["nodes", so, &nodes.join(" ")]);
            }
            for (name, (minver, dep)) in &o.symbols {
                line(&["symbol", so, name, minver, &dep.to_string()]);
            }
        }
        s
    }

    /// Parses the text form; `what` names it in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] with the line number for anything not in the format.
    pub fn parse(what: &str, text: &str) -> Result<ReleaseIndex> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l == MAGIC => {}
            _ => {
                return Err(bad(
                    what,
                    1,
                    format!(
                        "not a syspack index (expected `{}`)",
                        MAGIC.replace('\t', " ")
                    ),
                ))
            }
        }
        let mut ix = ReleaseIndex::default();
        for (n, l) in lines {
            let n = n + 1;
            let f: Vec<&str> = l.split('\t').collect();
            let want = |k: usize| -> Result<()> {
                if f.len() == k {
                    Ok(())
                } else {
                    Err(bad(
                        what,
                        n,
                        format!("`{}` takes {} fields, found {}", f[0], k - 1, f.len() - 1),
                    ))
                }
            };
            match f[0] {
                "release" | "suite" | "codename" | "date" | "command" | "signature" => {
                    want(2)?;
                    let v = f[1].to_string();
                    match f[0] {
                        "release" => ix.release = v,
                        "suite" => ix.suite = v,
                        "codename" => ix.codename = v,
                        "date" => ix.date = v,
                        "command" => ix.command = v,
                        _ => ix.signature = v,
                    }
                }
                "file" => {
                    want(4)?;
                    let size = f[3]
                        .parse()
                        .map_err(|_| bad(what, n, format!("size `{}` is not a number", f[3])))?;
                    ix.files.push(IndexFile {
                        path: f[1].into(),
                        sha256: f[2].into(),
                        size,
                    });
                }
                "package" => {
                    want(3)?;
                    ix.packages.insert(f[1].into(), f[2].into());
                }
                "soname" => {
                    want(3)?;
                    ix.sonames
                        .insert(f[1].into(), f[2].split(',').map(String::from).collect());
                }
                "base" => {
                    want(2)?;
                    ix.base.insert(f[1].into());
                }
                "origin" => {
                    want(3)?;
                    ix.origins.insert(f[1].into(), f[2].into());
                }
                "area" => {
                    want(3)?;
                    ix.areas.insert(f[1].into(), f[2].into());
                }
                "shlibs" => {
                    want(5)?;
                    ix.shlibs.insert(
                        f[1].into(),
                        Shlibs {
                            depends: f[2].into(),
                            deb: f[3].into(),
                            sha256: f[4].into(),
                        },
                    );
                }
                "symbols" => {
                    want(5)?;
                    ix.symbols.insert(
                        f[1].into(),
                        SymbolsObject {
                            smallest: (f[4] != "-").then(|| f[4].to_string()),
                            deb: f[2].into(),
                            sha256: f[3].into(),
                            ..SymbolsObject::default()
                        },
                    );
                }
                "template" | "symbol" | "nodes" => {
                    want(if f[0] == "symbol" { 5 } else { 3 })?;
                    let Some(o) = ix.symbols.get_mut(f[1]) else {
                        return Err(bad(
                            what,
                            n,
                            format!("`{}` of `{}` before its `symbols` record", f[0], f[1]),
                        ));
                    };
                    if f[0] == "template" {
                        o.templates.push(f[2].into());
                    } else if f[0] == "nodes" {
                        o.nodes.extend(f[2].split(' ').map(String::from));
                    } else {
                        let dep = f[4].parse().map_err(|_| {
                            bad(what, n, format!("dependency id `{}` is not a number", f[4]))
                        })?;
                        if dep >= o.templates.len() {
                            return Err(bad(
                                what,
                                n,
                                format!(
                                    "`{}` names template {dep}, which `{}` does not have",
                                    f[2], f[1]
                                ),
                            ));
                        }
                        o.symbols.insert(f[2].into(), (f[3].into(), dep));
                    }
                }
                other => return Err(bad(what, n, format!("unknown record `{other}`"))),
            }
        }
        if ix.release.is_empty() || ix.date.is_empty() || ix.command.is_empty() {
            return Err(bad(
                what,
                1,
                "an index needs `release`, `date` and `command` records",
            ));
        }
        Ok(ix)
    }
}

/// The shipped indexes, compiled in (xz-compressed text).
const BUILTIN: &[(&str, &[u8])] = &[
    (
        "debian-11",
        include_bytes!("../../data/index/debian-11.idx.xz"),
    ),
    (
        "debian-12",
        include_bytes!("../../data/index/debian-12.idx.xz"),
    ),
    (
        "ubuntu-22.04",
        include_bytes!("../../data/index/ubuntu-22.04.idx.xz"),
    ),
    (
        "ubuntu-24.04",
        include_bytes!("../../data/index/ubuntu-24.04.idx.xz"),
    ),
];

/// The ids of the releases with a shipped index.
pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(id, _)| *id)
}

/// The compressed size of a shipped index.
pub fn builtin_size(id: &str) -> Option<usize> {
    BUILTIN.iter().find(|(i, _)| *i == id).map(|(_, b)| b.len())
}

/// Decompresses and parses a shipped index.
///
/// # Errors
///
/// [`Error::Malformed`] when it is damaged (a bug: the crate's tests read every shipped index).
pub fn load_builtin(id: &str) -> Result<Option<ReleaseIndex>> {
    let Some((_, bytes)) = BUILTIN.iter().find(|(i, _)| *i == id) else {
        return Ok(None);
    };
    let what = format!("distro/data/index/{id}.idx.xz");
    let text = decompress_to_string(&what, bytes)?;
    ReleaseIndex::parse(&what, &text).map(Some)
}

fn decompress_to_string(what: &str, bytes: &[u8]) -> Result<String> {
    let mut text = String::new();
    syspack_lzma_sys::safe::XzDecoder::new(bytes)
        .take(64 << 20)
        .read_to_string(&mut text)
        .map_err(|e| Error::malformed(what, "archive index", format!("cannot decompress: {e}")))?;
    Ok(text)
}

/// The shipped index of `id`, decompressed on first use; `None` when there is none.
pub fn builtin(id: &str) -> Option<&'static ReleaseIndex> {
    static CACHE: OnceLock<BTreeMap<&'static str, OnceLock<Option<ReleaseIndex>>>> =
        OnceLock::new();
    let cache =
        CACHE.get_or_init(|| BTreeMap::from_iter(builtin_ids().map(|i| (i, OnceLock::new()))));
    cache
        .get(id)?
        .get_or_init(|| match load_builtin(id) {
            Ok(ix) => ix,
            Err(e) => panic!("syspack's shipped index is invalid (a bug; please report it): {e}"),
        })
        .as_ref()
}

/// Largest decompressed index read from a user's index directory (the shipped trixie index is
/// about 10 MB as text).
pub const MAX_INDEX_TEXT: u64 = 64 << 20;

/// Where the index a release's facts come from was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `<index dir>/<release>.idx.xz` (or `.idx`), written by `syspack kb import`.
    User(PathBuf),
    /// The index compiled into syspack (`distro/data/index/<release>.idx.xz`).
    Builtin,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::User(p) => write!(f, "{} (user index directory)", p.display()),
            Origin::Builtin => f.write_str("built into syspack"),
        }
    }
}

/// A release's index and where it was found.
#[derive(Debug)]
pub struct Found {
    /// The index.
    pub index: &'static ReleaseIndex,
    /// Its file.
    pub origin: Origin,
}

/// The per-user index directory: `$SYSPACK_INDEX_DIR`, else `$XDG_CACHE_HOME/syspack/index`,
/// else `~/.cache/syspack/index`. `syspack kb import` writes `<release>.idx.xz` there and
/// `syspack matrix --solve` reads `<release>/` (the archive's own index files) there.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SYSPACK_INDEX_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(cache.join("syspack").join("index"))
}

static USER_DIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Sets the index directory [`lookup`] reads (`matrix --index-dir`); without a call,
/// [`default_dir`]. Only the first call, made before any lookup, counts: returns whether it did.
pub fn use_dir(dir: Option<PathBuf>) -> bool {
    USER_DIR.set(dir).is_ok()
}

/// The index directory [`lookup`] reads.
pub fn dir() -> Option<&'static Path> {
    USER_DIR.get_or_init(default_dir).as_deref()
}

/// The index file of `id` in `dir`, if there is one: `<id>.idx.xz`, else `<id>.idx`.
pub fn user_file(dir: &Path, id: &str) -> Option<PathBuf> {
    [format!("{id}.idx.xz"), format!("{id}.idx")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
}

/// Reads an index file (`.idx.xz` or plain text), at most [`MAX_INDEX_TEXT`] bytes of text, and
/// checks it describes `id`.
///
/// # Errors
///
/// [`Error::Io`] when it cannot be read, [`Error::Malformed`] when it is not a complete index
/// of `id`; both name the file.
pub fn read_file(path: &Path, id: &str) -> Result<ReleaseIndex> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "opening index", e))?;
    let what = path.to_string_lossy().into_owned();
    let mut bytes = Vec::new();
    let xz = path.extension().is_some_and(|e| e == "xz");
    let read = if xz {
        syspack_lzma_sys::safe::XzDecoder::new(file)
            .take(MAX_INDEX_TEXT + 1)
            .read_to_end(&mut bytes)
    } else {
        file.take(MAX_INDEX_TEXT + 1).read_to_end(&mut bytes)
    };
    read.map_err(|e| Error::malformed(&what, "syspack index", format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INDEX_TEXT {
        return Err(Error::malformed(
            &what,
            "syspack index",
            format!("larger than {MAX_INDEX_TEXT} bytes of text: refused"),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::malformed(&what, "syspack index", "not UTF-8 text"))?;
    let ix = ReleaseIndex::parse(&what, &text)?;
    if ix.release != id {
        return Err(Error::malformed(
            &what,
            "syspack index",
            format!(
                "it describes `{}`, not `{id}`",
                crate::text::escape_line(&crate::text::bounded(&ix.release, 64))
            ),
        ));
    }
    Ok(ix)
}

type Loaded = std::result::Result<Option<Found>, (PathBuf, String)>;

/// The index of release `id`: `<index dir>/<id>.idx.xz` (or `.idx`) when that file exists, else
/// the built-in one, else `None`. Each release's is read once per process. A user file that
/// cannot be read or parsed is an error naming the file and the fix, never a fallback to the
/// built-in index.
///
/// # Errors
///
/// [`Error::BadIndex`] for a damaged or foreign index file in the index directory.
pub fn lookup(id: &str) -> Result<Option<&'static Found>> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, &'static Loaded>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let loaded: &'static Loaded = {
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(id) {
            Some(l) => l,
            None => {
                let l: &'static Loaded = Box::leak(Box::new(load(id)));
                map.insert(id.to_string(), l);
                l
            }
        }
    };
    match loaded {
        Ok(f) => Ok(f.as_ref()),
        Err((path, reason)) => Err(Error::BadIndex {
            path: path.clone(),
            release: id.to_string(),
            reason: reason.clone(),
        }),
    }
}

fn load(id: &str) -> Loaded {
    if let Some(path) = dir().and_then(|d| user_file(d, id)) {
        return match read_file(&path, id) {
            Ok(index) => Ok(Some(Found {
                index: Box::leak(Box::new(index)),
                origin: Origin::User(path),
            })),
            // The error names the file already: keep only what is wrong with it.
            Err(Error::Malformed { reason, .. }) => Err((path, reason)),
            Err(e) => Err((path, e.to_string())),
        };
    }
    Ok(builtin(id).map(|index| Found {
        index,
        origin: Origin::Builtin,
    }))
}

/// The index of release `id` ([`lookup`]), `None` when there is none or the user's file is
/// broken (callers that can report errors check [`lookup`] first).
pub fn get(id: &str) -> Option<&'static ReleaseIndex> {
    lookup(id).ok().flatten().map(|f| f.index)
}

/// The sync repository a pacman database file belongs to: `core` for `mirror/core.files` or
/// `core.files.tar.zst`.
fn pacman_repo(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split_once(".files").map_or(name, |(repo, _)| repo)
}

/// A reader that hashes what passes through it and refuses to read more than a bound.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
    limit: u64,
}

impl<R: Read> Hashing<R> {
    /// Wraps `inner`; reading past `limit` bytes is an error.
    pub fn new(inner: R, limit: u64) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            read: 0,
            limit,
        }
    }

    /// Reads what is left (so the digest covers the whole file) and returns (sha256 hex, size).
    ///
    /// # Errors
    ///
    /// The reader's error, or the bound.
    pub fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((hex::encode(self.hasher.finalize()), self.read))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(format!(
                "more than {} bytes: refusing to read further",
                self.limit
            )));
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// What a suite's `Release` file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseFile {
    /// `Suite:`.
    pub suite: String,
    /// `Codename:`.
    pub codename: String,
    /// `Date:`.
    pub date: String,
    /// `Components:` (`main contrib non-free-firmware non-free`): the archive areas, each with
    /// its own Packages and Contents files; together they are the release.
    pub components: Vec<String>,
    /// `SHA256:` entries: path (relative to the suite directory) → (sha256, size).
    pub sha256: BTreeMap<String, (String, u64)>,
    /// `Acquire-By-Hash: yes`: every index is also at `<its directory>/by-hash/SHA256/<sha256>`,
    /// which a mirror never rewrites in place (the Debian repository format).
    pub acquire_by_hash: bool,
}

impl ReleaseFile {
    /// Parses a `Release` file (or the signed text of an `InRelease`).
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when a field is missing or an entry is malformed.
    pub fn parse(what: &str, text: &str) -> Result<ReleaseFile> {
        let mut r = ReleaseFile::default();
        let mut in_sha256 = false;
        for (n, l) in text.lines().enumerate() {
            if let Some(rest) = l.strip_prefix(' ') {
                if !in_sha256 {
                    continue;
                }
                let f: Vec<&str> = rest.split_whitespace().collect();
                let [sum, size, path] = f[..] else {
                    return Err(bad(what, n + 1, "a SHA256 entry is `sha256 size path`"));
                };
                let size = size
                    .parse()
                    .map_err(|_| bad(what, n + 1, format!("size `{size}` is not a number")))?;
                if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad(what, n + 1, format!("`{sum}` is not a sha256")));
                }
                r.sha256
                    .insert(path.to_string(), (sum.to_ascii_lowercase(), size));
                continue;
            }
            in_sha256 = false;
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let v = v.trim().to_string();
            match k {
                "Suite" => r.suite = v,
                "Codename" => r.codename = v,
                "Date" => r.date = v,
                "Components" => {
                    r.components = v.split_whitespace().map(str::to_string).collect();
                    if let Some(c) = r.components.iter().find(|c| !component_ok(c)) {
                        return Err(bad(
                            what,
                            n + 1,
                            format!("component `{}` is not a name", c.escape_debug()),
                        ));
                    }
                }
                "Acquire-By-Hash" => r.acquire_by_hash = v.eq_ignore_ascii_case("yes"),
                "SHA256" => in_sha256 = true,
                _ => {}
            }
        }
        for (field, v) in [("Codename", &r.codename), ("Date", &r.date)] {
            if v.is_empty() {
                return Err(bad(what, 1, format!("no `{field}:` field")));
            }
        }
        if r.sha256.is_empty() {
            return Err(bad(what, 1, "no `SHA256:` entries"));
        }
        Ok(r)
    }

    /// The components whose files make up the release, `main` first; `main` alone when the
    /// file names none (a `Release` without `Components:`).
    pub fn areas(&self) -> Vec<&str> {
        let mut areas: Vec<&str> = vec!["main"];
        areas.extend(
            self.components
                .iter()
                .map(String::as_str)
                .filter(|c| *c != "main"),
        );
        areas
    }

    /// The (sha256, size) `Release` lists for `path` (relative to the suite directory).
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when the file is not listed.
    pub fn expect(&self, what: &str, path: &str) -> Result<&(String, u64)> {
        self.sha256.get(path).ok_or_else(|| {
            Error::malformed(
                what,
                "Release",
                format!("`{path}` is not listed under SHA256: it cannot be verified"),
            )
        })
    }
}

/// A component name as the Debian archive spells them (`main`, `non-free-firmware`): nothing
/// that could leave the suite directory when it becomes part of a path.
fn component_ok(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 64
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn read_lines<R: Read>(
    what: &str,
    reader: R,
    mut each: impl FnMut(usize, &str) -> Result<()>,
) -> Result<()> {
    let mut r = BufReader::new(reader.take(MAX_DECOMPRESSED + 1));
    let mut buf = Vec::new();
    let mut n = 0usize;
    let mut total = 0u64;
    loop {
        buf.clear();
        let got = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| bad(what, n + 1, format!("cannot read: {e}")))?;
        if got == 0 {
            return Ok(());
        }
        n += 1;
        total += got as u64;
        if total > MAX_DECOMPRESSED {
            return Err(bad(
                what,
                n,
                format!("larger than {MAX_DECOMPRESSED} bytes decompressed: refused"),
            ));
        }
        if buf.len() > MAX_LINE {
            return Err(bad(what, n, format!("line longer than {MAX_LINE} bytes")));
        }
        let line = String::from_utf8_lossy(&buf);
        each(n, line.trim_end_matches(['\n', '\r']))?;
    }
}

/// Reads a `Packages` file: package → version (the highest by Debian order is not needed: one
/// suite lists each package once per architecture).
///
/// # Errors
///
/// [`Error::Malformed`] for a line over [`MAX_LINE`], input over [`MAX_DECOMPRESSED`], a stanza
/// without `Version`.
pub fn parse_packages<R: Read>(what: &str, reader: R) -> Result<BTreeMap<String, PackageEntry>> {
    let mut out = BTreeMap::new();
    let mut cur = PackageEntry::default();
    let mut name = String::new();
    let mut start = 0;
    let mut flush = |name: &mut String, cur: &mut PackageEntry, line: usize| -> Result<()> {
        if name.is_empty() {
            return Ok(());
        }
        if cur.version.is_empty() {
            return Err(bad(what, line, format!("package `{name}` has no Version")));
        }
        out.insert(std::mem::take(name), std::mem::take(cur));
        Ok(())
    };
    read_lines(what, reader, |n, l| {
        if l.is_empty() {
            return flush(&mut name, &mut cur, start);
        }
        if name.is_empty() && cur.version.is_empty() {
            start = n;
        }
        if let Some(v) = l.strip_prefix("Package:") {
            name = v.trim().to_string();
        } else if let Some(v) = l.strip_prefix("Version:") {
            cur.version = v.trim().to_string();
        } else if let Some(v) = l.strip_prefix("Filename:") {
            cur.filename = v.trim().to_string();
        } else if let Some(v) = l.strip_prefix("SHA256:") {
            cur.sha256 = v.trim().to_string();
        }
        Ok(())
    })?;
    flush(&mut name, &mut cur, start)?;
    Ok(out)
}

/// One package of a `Packages` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageEntry {
    /// `Version:`.
    pub version: String,
    /// `Filename:` (relative to the mirror base).
    pub filename: String,
    /// `SHA256:` of the `.deb`.
    pub sha256: String,
}

/// The directories the dynamic loader searches on Debian and Ubuntu amd64 (relative paths as
/// Contents writes them).
pub const LIB_DIRS: &[&str] = &[
    "lib",
    "lib64",
    "usr/lib",
    "usr/lib64",
    "lib/x86_64-linux-gnu",
    "usr/lib/x86_64-linux-gnu",
];

/// Whether a file name can be a soname a binary needs: `lib*.so.*`, the dynamic loader's
/// `ld-*.so.*`, or `lib*.so`. Most `lib*.so` files are development links (`libz.so`), which no
/// binary needs, but some libraries' sonames end that way (Debian 12's `libdb-5.3.so` of
/// libdb5.3, `libbfd-2.40-system.so` of libbinutils): without them, every package needing one
/// was judged not to run.
pub fn is_soname_file(name: &str) -> bool {
    let versioned = (name.starts_with("lib") || name.starts_with("ld-"))
        && name.contains(".so.")
        && !name.ends_with('.');
    let bare = name.starts_with("lib") && name.len() > "lib.so".len() && name.ends_with(".so");
    versioned || bare
}

/// Reads a `Contents-<arch>` file: every file directly under a [`LIB_DIRS`] directory that
/// [`is_soname_file`] accepts → the packages shipping it.
///
/// # Errors
///
/// [`Error::Malformed`] for a line over [`MAX_LINE`], input over [`MAX_DECOMPRESSED`], a line without
/// a location.
pub fn parse_contents<R: Read>(what: &str, reader: R) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    read_lines(what, reader, |n, l| {
        // Old Contents files start with a free-text header ending in `FILE  LOCATION`.
        if !(l.starts_with("lib") || l.starts_with("usr/lib")) {
            return Ok(());
        }
        let Some((path, locations)) = l.trim_end().rsplit_once([' ', '\t']) else {
            return Err(bad(what, n, "a Contents line is `path  section/package,…`"));
        };
        let path = path.trim_end();
        let Some((dir, file)) = path.rsplit_once('/') else {
            return Ok(());
        };
        if !LIB_DIRS.contains(&dir) || !is_soname_file(file) {
            return Ok(());
        }
        let entry = out.entry(file.to_string()).or_default();
        for loc in locations.split(',') {
            let pkg = loc.rsplit('/').next().unwrap_or(loc).to_string();
            if !pkg.is_empty() && !entry.contains(&pkg) {
                entry.push(pkg);
            }
        }
        entry.sort();
        Ok(())
    })?;
    Ok(out)
}

/// Reads a `shlibs` control file: soname → dependency (`libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)`
/// gives `libz.so.1`). Lines with a type (`udeb:`) are left out.
pub fn parse_shlibs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for l in text.lines().take(10_000) {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut f = l.splitn(3, char::is_whitespace);
        let (Some(lib), Some(ver), Some(dep)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if lib.ends_with(':') {
            continue;
        }
        // `libfoo 1` → libfoo.so.1; `libfoo-1.2 0` style with a version in the name is
        // `libfoo-1.2.so.0` as well.
        let soname = if ver.is_empty() {
            format!("{lib}.so")
        } else {
            format!("{lib}.so.{ver}")
        };
        out.insert(soname, dep.trim().to_string());
    }
    out
}

/// The control files `shlibs` and `symbols` of a `.deb` (bytes already verified by sha256), read
/// from its `control.tar.*` member; absent files are `None`.
///
/// # Errors
///
/// [`Error::Malformed`] when the ar archive or the control tarball is damaged.
pub fn deb_control_files(what: &str, deb: &[u8]) -> Result<(Option<String>, Option<String>)> {
    let bad = |m: String| Error::malformed(what, "deb", m);
    let mut rest = deb
        .strip_prefix(b"!<arch>\n")
        .ok_or_else(|| bad("not an ar archive".into()))?;
    while rest.len() >= 60 {
        let (head, body) = rest.split_at(60);
        let name = String::from_utf8_lossy(&head[..16])
            .trim()
            .trim_end_matches('/')
            .to_string();
        let size: usize = String::from_utf8_lossy(&head[48..58])
            .trim()
            .parse()
            .map_err(|_| bad(format!("member `{name}` has no size")))?;
        if size > body.len() {
            return Err(bad(format!("member `{name}` is truncated")));
        }
        let data = &body[..size];
        rest = &body[(size + size % 2).min(body.len())..];
        if !name.starts_with("control.tar") {
            continue;
        }
        let dec = crate::compress::decoder(data, crate::compress::sniff(data))
            .map_err(|e| bad(format!("{name}: {e}")))?;
        let mut tar = tar::Archive::new(dec.take(64 << 20));
        let (mut shlibs, mut symbols) = (None, None);
        for entry in tar.entries().map_err(|e| bad(format!("{name}: {e}")))? {
            let mut entry = entry.map_err(|e| bad(format!("{name}: {e}")))?;
            let path = entry
                .path()
                .map_err(|e| bad(format!("{name}: {e}")))?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_string();
            let slot = match path.as_str() {
                "shlibs" => &mut shlibs,
                "symbols" => &mut symbols,
                _ => continue,
            };
            let mut text = String::new();
            (&mut entry)
                .take(16 << 20)
                .read_to_string(&mut text)
                .map_err(|e| bad(format!("{name}/{path}: {e}")))?;
            *slot = Some(text);
        }
        return Ok((shlibs, symbols));
    }
    Err(bad("no control.tar member".into()))
}

/// What a `symbols` control file (deb-symbols(5)) says of one library, reduced to what
/// dpkg-shlibdeps uses (see [`crate::kb::shlibdeps`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymbolsObject {
    /// The dependency templates: the first from the soname's line (`libpcre2-8-0 #MINVER#`),
    /// then the alternative ones (`| …` lines), indexed by a symbol's dependency id.
    pub templates: Vec<String>,
    /// The smallest minimum version of the symbols of the first template (dpkg's
    /// `get_smallest_version`); `None` when no symbol uses that template.
    pub smallest: Option<String>,
    /// `name@version` → (minimum version, dependency id). In a shipped index only the symbols
    /// that can change the answer are kept ([`SymbolsObject::reduce`]).
    pub symbols: BTreeMap<String, (String, usize)>,
    /// Every symbol version node the file's symbols carry (`GLIBC_2.34`, `GCC_3.0`; not
    /// `Base`), whether or not the symbols are kept: a versioned import of a node not here is
    /// one the release's library does not know.
    pub nodes: std::collections::BTreeSet<String>,
    /// The `.deb` the file was read from, relative to the mirror base.
    pub deb: String,
    /// That `.deb`'s sha256, as the verified `Packages` lists it.
    pub sha256: String,
}

impl SymbolsObject {
    /// Keeps only the symbols that can raise the dependency above [`SymbolsObject::smallest`] or
    /// select another template, and those of the same name in another library of `keep`
    /// (dpkg-shlibdeps attributes a symbol to the first needed library whose file lists it, so a
    /// symbol at the smallest version still decides where a same-named one is looked up).
    pub fn reduce(all: &mut BTreeMap<String, SymbolsObject>) {
        let raises = |o: &SymbolsObject, minver: &str, dep: usize| {
            dep != 0
                || o.smallest
                    .as_deref()
                    .is_none_or(|s| crate::kb::debversion::compare(minver, s).is_gt())
        };
        let mut kept: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for o in all.values() {
            for (name, (minver, dep)) in &o.symbols {
                if raises(o, minver, *dep) {
                    kept.insert(name.clone());
                }
            }
        }
        for o in all.values_mut() {
            let smallest = o.smallest.clone();
            let probe = SymbolsObject {
                smallest,
                ..SymbolsObject::default()
            };
            o.symbols
                .retain(|name, (minver, dep)| raises(&probe, minver, *dep) || kept.contains(name));
        }
    }
}

/// Reads a `symbols` control file as dpkg's `Dpkg::Shlibs::SymbolFile` does: soname →
/// its templates, smallest minimum version and symbols.
///
/// Patterns — symbols tagged `c++`, `symver` or `regex`, and the old `*@VERSION` form — are
/// left out: dpkg-shlibdeps looks symbols up by exact `name@version` only (`lookup_symbol`
/// reads the object's plain symbols) and computes the smallest version over the plain symbols
/// (`get_smallest_version`), so a pattern in an installed symbols file never changes its answer.
/// `#MISSING: v#` and `#DEPRECATED: v#` lines count for the smallest version but are not
/// looked up, as in dpkg. `#include` (only in source packages' templates) is not followed.
pub fn parse_symbols(text: &str) -> BTreeMap<String, SymbolsObject> {
    let mut out: BTreeMap<String, SymbolsObject> = BTreeMap::new();
    // Deprecated symbols take part in the smallest version only.
    let mut deprecated: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    let mut cur: Option<String> = None;
    for l in text.lines().take(2_000_000) {
        let (spec, is_deprecated) = if let Some(rest) = l.strip_prefix(|c: char| c.is_whitespace())
        {
            (rest.trim_start(), false)
        } else if let Some(rest) = l
            .strip_prefix("#MISSING: ")
            .or_else(|| l.strip_prefix("#DEPRECATED: "))
        {
            match rest.split_once('#') {
                Some((_, spec)) => (spec.trim_start(), true),
                None => continue,
            }
        } else if l.starts_with('#') || l.is_empty() {
            continue;
        } else if let Some(alt) = l.strip_prefix('|') {
            if let Some(o) = cur.as_ref().and_then(|c| out.get_mut(c)) {
                o.templates.push(alt.trim().to_string());
            }
            continue;
        } else if l.starts_with('*') {
            continue;
        } else {
            let Some((so, template)) = l.split_once(char::is_whitespace) else {
                continue;
            };
            let o = out.entry(so.to_string()).or_default();
            o.templates = vec![template.trim().to_string()];
            cur = Some(so.to_string());
            continue;
        };
        let Some(so) = &cur else { continue };
        let Some((name, minver, dep, pattern)) = symbol_spec(spec) else {
            continue;
        };
        if pattern {
            continue;
        }
        let o = out.get_mut(so).expect("the current object exists");
        if is_deprecated {
            o.symbols.remove(&name);
            deprecated
                .entry(so.clone())
                .or_default()
                .push((minver, dep));
        } else {
            if let Some((_, node)) = name.rsplit_once('@') {
                if node != "Base" {
                    o.nodes.insert(node.to_string());
                }
            }
            o.symbols.insert(name, (minver, dep));
        }
    }
    for (so, o) in &mut out {
        let mut smallest: Option<String> = None;
        let versions = o
            .symbols
            .values()
            .chain(deprecated.get(so).into_iter().flatten());
        for (minver, dep) in versions {
            if *dep == 0
                && smallest
                    .as_deref()
                    .is_none_or(|s| crate::kb::debversion::compare(s, minver).is_gt())
            {
                smallest = Some(minver.clone());
            }
        }
        o.smallest = smallest;
    }
    out
}

/// One symbol line after the leading space (deb-symbols(5)): `[(tags)]name@version minver
/// [dep_id]`, the name quoted when tags are present and it holds spaces. Returns (name, minimum
/// version, dependency id, whether it is a pattern).
fn symbol_spec(spec: &str) -> Option<(String, String, usize, bool)> {
    let (tags, rest) = match spec.strip_prefix('(') {
        Some(r) => {
            let (tags, rest) = r.split_once(')')?;
            (tags, rest)
        }
        None => ("", spec),
    };
    let (name, rest) = match rest.chars().next() {
        Some(q @ ('"' | '\'')) if !tags.is_empty() => {
            let inner = &rest[1..];
            let end = inner.find(q)?;
            (&inner[..end], &inner[end + 1..])
        }
        _ => rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(n, r)| (n, r)),
    };
    // dpkg: `^\s(\S+)(?:\s(\d+))?` after the name.
    let mut f = rest.split_whitespace();
    let minver = f.next()?.to_string();
    let dep = f.next().and_then(|d| d.parse().ok()).unwrap_or(0);
    let pattern = tags
        .split('|')
        .map(|t| t.split('=').next().unwrap_or(t).trim())
        .any(|t| matches!(t, "c++" | "symver" | "regex"))
        || name.starts_with("*@");
    Some((name.to_string(), minver, dep, pattern))
}

/// Hashes bytes as hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_index_files_are_checked_before_use() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(user_file(dir.path(), "fedora-43"), None);
        let ix = ReleaseIndex {
            release: "fedora-43".into(),
            date: "Fri, 07 Nov 2025 00:00:00 +0000".into(),
            command: "syspack kb import --release fedora-43 os".into(),
            ..ReleaseIndex::default()
        };
        let plain = dir.path().join("fedora-43.idx");
        std::fs::write(&plain, ix.to_text()).unwrap();
        assert_eq!(user_file(dir.path(), "fedora-43"), Some(plain.clone()));
        assert_eq!(read_file(&plain, "fedora-43").unwrap(), ix);
        // Another release's index under this name, a damaged xz, a truncated text: refused,
        // naming the file.
        let err = read_file(&plain, "fedora-42").unwrap_err().to_string();
        assert!(
            err.contains("fedora-43.idx") && err.contains("`fedora-43`, not `fedora-42`"),
            "{err}"
        );
        let xz = dir.path().join("fedora-43.idx.xz");
        std::fs::write(&xz, b"not xz").unwrap();
        assert_eq!(user_file(dir.path(), "fedora-43"), Some(xz.clone()));
        let err = read_file(&xz, "fedora-43").unwrap_err().to_string();
        assert!(err.contains("fedora-43.idx.xz"), "{err}");
        std::fs::write(&plain, "release\tfedora-43\n").unwrap();
        let err = read_file(&plain, "fedora-43").unwrap_err().to_string();
        assert!(err.contains("not a syspack index"), "{err}");
    }

    #[test]
    fn contents_keeps_only_sonames_under_library_directories() {
        let text = "\
usr/lib/x86_64-linux-gnu/libz.so.1                     libs/zlib1g
usr/lib/x86_64-linux-gnu/libz.so.1.2.13                libs/zlib1g
usr/lib/x86_64-linux-gnu/libz.so                       libdevel/zlib1g-dev
usr/lib/x86_64-linux-gnu/libdb-5.3.so                  libs/libdb5.3
usr/lib/x86_64-linux-gnu/perl5/libfoo.so.1             perl/libfoo-perl
usr/lib/x86_64-linux-gnu/lib.so                        oldlibs/odd
usr/share/doc/libz.so.1                                doc/x
lib/x86_64-linux-gnu/libc.so.6                         libs/libc6,libs/libc6-hack
lib64/ld-linux-x86-64.so.2                             libs/libc6
usr/bin/zcat                                           utils/gzip
";
        let m = parse_contents("Contents", text.as_bytes()).unwrap();
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            [
                "ld-linux-x86-64.so.2",
                "libc.so.6",
                "libdb-5.3.so",
                "libz.so",
                "libz.so.1",
                "libz.so.1.2.13"
            ]
        );
        // A soname that ends in `.so` is one (libdb5.3's); a development link is recorded as
        // well, under its own package, and no binary asks for it.
        assert_eq!(m["libdb-5.3.so"], ["libdb5.3"]);
        assert_eq!(m["libz.so"], ["zlib1g-dev"]);
        assert_eq!(m["libc.so.6"], ["libc6", "libc6-hack"]);
        assert_eq!(m["libz.so.1"], ["zlib1g"]);
    }

    #[test]
    fn an_overlong_line_is_refused() {
        let text = format!("usr/lib/{}\n", "a".repeat(MAX_LINE + 10));
        let err = parse_contents("Contents-amd64", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1") && err.contains("longer than"),
            "{err}"
        );
    }

    #[test]
    fn packages_and_shlibs() {
        let text = "Package: zlib1g\nVersion: 1:1.2.13.dfsg-1\nFilename: pool/main/z/zlib/zlib1g.deb\nSHA256: ab\nDescription: x\n multi\n\nPackage: dpkg\nVersion: 1.21.22\n";
        let p = parse_packages("Packages", text.as_bytes()).unwrap();
        assert_eq!(p["zlib1g"].version, "1:1.2.13.dfsg-1");
        assert_eq!(p["zlib1g"].filename, "pool/main/z/zlib/zlib1g.deb");
        assert_eq!(p["dpkg"].version, "1.21.22");
        let err = parse_packages("Packages", "Package: x\n\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no Version"), "{err}");
        let s = parse_shlibs("libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\nudeb: libz 1 zlib1g-udeb\n");
        assert_eq!(s["libz.so.1"], "zlib1g (>= 1:1.2.3.3.dfsg-1)");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn release_file_and_round_trip() {
        let sum = "a".repeat(64);
        let text = format!("Origin: Debian\nSuite: stable\nCodename: trixie\nDate: Sat, 01 Nov 2025 09:00:00 UTC\nMD5Sum:\n 00 1 main/x\nSHA256:\n {sum} 12 main/binary-amd64/Packages.xz\n");
        let r = ReleaseFile::parse("Release", &text).unwrap();
        assert_eq!(r.codename, "trixie");
        assert!(!r.acquire_by_hash);
        let by_hash = ReleaseFile::parse("Release", &format!("Acquire-By-Hash: yes\n{text}"));
        assert!(by_hash.unwrap().acquire_by_hash);
        assert_eq!(
            r.expect("Release", "main/binary-amd64/Packages.xz")
                .unwrap()
                .1,
            12
        );
        assert!(r.expect("Release", "main/x").is_err());
        // No `Components:`: main alone; otherwise main first, then the others as listed.
        assert_eq!(r.areas(), ["main"]);
        let areas = ReleaseFile::parse(
            "Release",
            &format!("Components: contrib main non-free-firmware non-free\n{text}"),
        )
        .unwrap();
        assert_eq!(
            areas.areas(),
            ["main", "contrib", "non-free-firmware", "non-free"]
        );
        for evil in ["../x", "main/../../etc", "Main", "a b/c"] {
            let err = ReleaseFile::parse("Release", &format!("Components: main {evil}\n{text}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("is not a name"), "{evil}: {err}");
        }
        let mut ix = ReleaseIndex {
            release: "debian-13".into(),
            suite: r.suite,
            codename: r.codename,
            date: r.date,
            command: "syspack kb update debian-13".into(),
            signature: "none".into(),
            ..ReleaseIndex::default()
        };
        ix.packages.insert("libc6".into(), "2.41-12".into());
        ix.sonames.insert("libc.so.6".into(), vec!["libc6".into()]);
        ix.symbols = parse_symbols(
            "libc.so.6 libc6 #MINVER#\n| libc6 (>> 2.41), libc6 (<< 2.42)\n GLIBC_PRIVATE@GLIBC_PRIVATE 0 1\n printf@GLIBC_2.2.5 2.2.5\n __libc_start_main@GLIBC_2.34 2.34\n",
        );
        SymbolsObject::reduce(&mut ix.symbols);
        let libc = &ix.symbols["libc.so.6"];
        assert_eq!(libc.smallest.as_deref(), Some("2.2.5"));
        assert_eq!(
            libc.symbols.keys().collect::<Vec<_>>(),
            [
                "GLIBC_PRIVATE@GLIBC_PRIVATE",
                "__libc_start_main@GLIBC_2.34"
            ]
        );
        assert_eq!(libc.nodes.len(), 3);
        // Of two providers, the one in the default area, whatever the names' order.
        ix.sonames.insert(
            "libOpenCL.so.1".into(),
            vec!["a-icd".into(), "b-icd".into()],
        );
        ix.areas.insert("a-icd".into(), "non-free".into());
        assert_eq!(ix.provider("libOpenCL.so.1"), Some("b-icd"));
        let again = ReleaseIndex::parse("x", &ix.to_text()).unwrap();
        assert_eq!(again, ix);
        // A symbol needs its library's record first, and a template it names.
        let text = ix.to_text();
        let err = ReleaseIndex::parse(
            "x",
            &text.replace("symbols\tlibc.so.6", "symbols\tlibd.so.6"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("before its `symbols` record"), "{err}");
        let err = ReleaseIndex::parse("x", &text.replace("\t0\t1\n", "\t0\t7\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("template 7"), "{err}");
        assert!(ReleaseIndex::parse("x", "hello\n").is_err());
    }
}
