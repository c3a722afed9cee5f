//! One distro release as the knowledge base describes it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::fact::{Confidence, Fact, FactValue, Source, Value};
use super::types::{Architectures, Date, PkgName, ReleaseId, Soname, Version};
use crate::{Compression, Format};

/// A distro family. Releases of one family share package names and tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Debian.
    Debian,
    /// Ubuntu.
    Ubuntu,
    /// Red Hat Enterprise Linux and rebuilds (Rocky, Alma), CentOS.
    El,
    /// Fedora.
    Fedora,
    /// openSUSE.
    Opensuse,
    /// Arch Linux.
    Arch,
    /// Alpine Linux.
    Alpine,
    /// FreeBSD.
    Freebsd,
}

impl Family {
    /// The lower-case name used in the data files.
    pub fn name(self) -> &'static str {
        match self {
            Family::Debian => "debian",
            Family::Ubuntu => "ubuntu",
            Family::El => "el",
            Family::Fedora => "fedora",
            Family::Opensuse => "opensuse",
            Family::Arch => "arch",
            Family::Alpine => "alpine",
            Family::Freebsd => "freebsd",
        }
    }

    /// The archive areas (components) a fresh install's apt sources enable, where a release
    /// index's `area` records are read against: Debian's installer writes `main` (and, since
    /// Debian 12, `non-free-firmware`, which holds firmware, not libraries); Ubuntu's writes
    /// `main restricted universe multiverse`. Empty for families without archive areas.
    pub fn default_areas(self) -> &'static [&'static str] {
        match self {
            Family::Debian => &["main", "non-free-firmware"],
            Family::Ubuntu => &["main", "restricted", "universe", "multiverse"],
            _ => &[],
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The package format a release's package manager installs, as written in the data (`deb`, `rpm`,
/// `arch`, `freebsd`, `apk`). syspack writes the first four ([`Format`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageFormat {
    /// Debian `.deb`.
    Deb,
    /// RPM.
    Rpm,
    /// Arch `.pkg.tar.*`.
    Arch,
    /// FreeBSD `.pkg`.
    Freebsd,
    /// Alpine `.apk` (not written by syspack).
    Apk,
}

impl PackageFormat {
    /// The syspack writer for this format, if there is one.
    pub fn writer(self) -> Option<Format> {
        match self {
            PackageFormat::Deb => Some(Format::Deb),
            PackageFormat::Rpm => Some(Format::Rpm),
            PackageFormat::Arch => Some(Format::Arch),
            PackageFormat::Freebsd => Some(Format::FreeBsd),
            PackageFormat::Apk => None,
        }
    }

    /// The name as written in the data.
    pub fn name(self) -> &'static str {
        match self {
            PackageFormat::Deb => "deb",
            PackageFormat::Rpm => "rpm",
            PackageFormat::Arch => "arch",
            PackageFormat::Freebsd => "freebsd",
            PackageFormat::Apk => "apk",
        }
    }
}

/// A compression codec without settings, as the data files name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompressionKind {
    /// Stored.
    None,
    /// gzip.
    Gzip,
    /// xz.
    Xz,
    /// zstd.
    Zstd,
    /// bzip2.
    Bzip2,
}

impl CompressionKind {
    /// The codec of a [`Compression`].
    pub fn of(c: Compression) -> CompressionKind {
        match c {
            Compression::None => CompressionKind::None,
            Compression::Gzip { .. } => CompressionKind::Gzip,
            Compression::Xz { .. } => CompressionKind::Xz,
            Compression::Zstd { .. } => CompressionKind::Zstd,
            Compression::Bzip2 { .. } => CompressionKind::Bzip2,
        }
    }

    /// The name (`gzip`, `xz`, `zstd`, `bzip2`, `none`).
    pub fn name(self) -> &'static str {
        match self {
            CompressionKind::None => "none",
            CompressionKind::Gzip => "gzip",
            CompressionKind::Xz => "xz",
            CompressionKind::Zstd => "zstd",
            CompressionKind::Bzip2 => "bzip2",
        }
    }

    /// syspack's default settings for this codec (single-threaded; zstd 19, xz 6, gzip 9).
    pub fn default_settings(self) -> Compression {
        match self {
            CompressionKind::None => Compression::None,
            CompressionKind::Gzip => Compression::DEFAULT_GZIP,
            CompressionKind::Xz => Compression::DEFAULT_XZ,
            CompressionKind::Zstd => Compression::DEFAULT_ZSTD,
            CompressionKind::Bzip2 => Compression::DEFAULT_BZIP2,
        }
    }
}

impl fmt::Display for CompressionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FactValue for CompressionKind {
    const EXPECTING: &'static str = "a compression: none, gzip, xz, zstd or bzip2";
    fn from_text(s: &str) -> Result<Self, String> {
        Ok(match s {
            "none" => CompressionKind::None,
            "gzip" => CompressionKind::Gzip,
            "xz" => CompressionKind::Xz,
            "zstd" => CompressionKind::Zstd,
            "bzip2" => CompressionKind::Bzip2,
            _ => {
                return Err(format!(
                    "unknown compression `{s}`; expected none, gzip, xz, zstd or bzip2"
                ))
            }
        })
    }
}

/// The end of a release's support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Eol {
    /// Supported until this date (the last of regular, LTS or ESM support as the note says).
    Date(Date),
    /// A rolling release: no end of life.
    Rolling,
}

impl FactValue for Eol {
    const EXPECTING: &'static str = "a date such as `2026-06-10`, or `rolling`";
    fn from_text(s: &str) -> Result<Self, String> {
        if s == "rolling" {
            return Ok(Eol::Rolling);
        }
        s.parse::<Date>().map(Eol::Date).map_err(|e| e.to_string())
    }
}

/// The kind of C library a release runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibcKind {
    /// GNU C library.
    Glibc,
    /// musl.
    Musl,
    /// FreeBSD's libc.
    Freebsd,
}

impl LibcKind {
    /// `glibc`, `musl` or `freebsd`.
    pub fn name(self) -> &'static str {
        match self {
            LibcKind::Glibc => "glibc",
            LibcKind::Musl => "musl",
            LibcKind::Freebsd => "FreeBSD libc",
        }
    }
}

/// The release's C library and its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibcFact {
    /// glibc, musl or FreeBSD libc.
    pub kind: LibcKind,
    /// Its version (`2.36`; for FreeBSD the release version).
    pub version: Fact<Version>,
}

/// The package manager, its version, and what it reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageManager {
    /// `dpkg`, `rpm`, `pacman`, `pkg`, `apk`.
    pub name: String,
    /// Its version (the newest update seen, with the GA version in the note where it differs).
    pub version: Fact<String>,
    /// For each package compression: does it install such packages (`yes`, `no`, `unknown`)?
    pub reads: BTreeMap<CompressionKind, Fact<bool>>,
    /// The compression syspack writes for this release by default: what the package manager
    /// reads on every point release and what its own tools produce.
    pub default_compression: Fact<CompressionKind>,
}

/// What provides a library on a release: a package, or the base system itself (FreeBSD's `/lib` and
/// `/usr/lib`, which no package owns). Written `base-system` in the data.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Provider {
    /// A package of the release.
    Package(PkgName),
    /// Part of the base system: nothing to depend on.
    BaseSystem,
}

impl Provider {
    /// The package, if it is one.
    pub fn package(&self) -> Option<&PkgName> {
        match self {
            Provider::Package(p) => Some(p),
            Provider::BaseSystem => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provider::Package(p) => p.fmt(f),
            Provider::BaseSystem => f.write_str("base-system"),
        }
    }
}

impl FactValue for Provider {
    const EXPECTING: &'static str = "a package name, or `base-system`";
    fn from_text(s: &str) -> Result<Self, String> {
        if s == "base-system" {
            return Ok(Provider::BaseSystem);
        }
        s.parse::<PkgName>()
            .map(Provider::Package)
            .map_err(|e| e.to_string())
    }
}

/// Where a library comes from when it is not in the release's main repositories.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Repository {
    /// The release's own main/base repositories (or, on FreeBSD, the base system).
    #[default]
    Base,
    /// Fedora EPEL on top of an EL release.
    Epel,
    /// FreeBSD ports/packages (outside the base system).
    Ports,
    /// An add-on repository (backports, extra channels).
    Extra,
}

/// A C library in a release: version, soname and package names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryFact {
    /// Where the library's package comes from (default: the release's base repositories).
    #[serde(default)]
    pub repository: Repository,
    /// The upstream version (distro revision dropped).
    pub version: Fact<Version>,
    /// The soname programs record in `DT_NEEDED`.
    pub soname: Fact<Soname>,
    /// The runtime package (or `base-system`).
    pub runtime: Fact<Provider>,
    /// The headers package (`-dev`/`-devel`; the same as runtime where headers are not split).
    pub dev: Fact<Provider>,
    /// The dependency the package manager's own tooling writes for this soname (Debian's `shlibs`
    /// line, e.g. `zlib1g (>= 1:1.2.3.3.dfsg-1)`), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends: Option<Fact<String>>,
}

/// A soname that is not one of the tracked libraries, with the package providing it (the C
/// library itself, libgcc, libstdc++…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SonameEntry {
    /// The soname.
    pub soname: Soname,
    /// The package that ships it; absent when the base system provides it (FreeBSD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PkgName>,
    /// True when it belongs to the C library (its version constraint follows the binary's
    /// `GLIBC_` needs).
    #[serde(default)]
    pub libc: bool,
    /// The dependency line the distro's tooling writes, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends: Option<String>,
    /// Where this comes from.
    pub source: Source,
    /// `verified` (default) or `unverified`.
    #[serde(default)]
    pub confidence: Confidence,
    /// The day the source was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
}

/// The sonames of glibc's dynamic loader on the architectures syspack packages for (glibc's
/// `shlib-versions` files: `sysdeps/unix/sysv/linux/{x86_64/64,aarch64,i386,arm,riscv,powerpc/
/// powerpc64,s390/s390-64}/shlib-versions`, the `ld=` lines; riscv64 as `lp64d`, ppc64 as the
/// little-endian ELFv2 ABI's). A binary's `DT_NEEDED` names its architecture's.
pub const GLIBC_LOADERS: [&str; 7] = [
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "ld-linux.so.2",
    "ld-linux-armhf.so.3",
    "ld-linux-riscv64-lp64d.so.1",
    "ld64.so.2",
    "ld64.so.1",
];

/// Whether `soname` is glibc's dynamic loader on some architecture ([`GLIBC_LOADERS`]).
pub fn is_glibc_loader(soname: &str) -> bool {
    GLIBC_LOADERS.contains(&soname)
}

/// What provides a soname on a release (the answer of [`Release::package_for_soname`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SonamePackage {
    /// The soname.
    pub soname: Soname,
    /// The runtime package; `None` when the base system provides it (FreeBSD base libraries).
    pub package: Option<PkgName>,
    /// The tracked library it belongs to (`zstd`), if any.
    pub library: Option<String>,
    /// The library version the release ships, when known.
    pub version: Option<Version>,
    /// The dependency line the distro's own tooling writes (`libzstd1 (>= 1.5.2)`), when known.
    pub depends: Option<String>,
    /// True for the C library's own sonames.
    pub libc: bool,
    /// Where the repository comes from.
    pub repository: Repository,
    /// The weakest confidence of the facts used.
    pub confidence: Confidence,
    /// The source of the soname→package fact.
    pub source: Source,
}

fn ser_format<S: serde::Serializer>(f: &Option<Format>, s: S) -> Result<S::Ok, S::Error> {
    match f {
        Some(f) => s.serialize_str(f.name()),
        None => s.serialize_none(),
    }
}

/// One distro release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Release {
    /// `debian-12`.
    pub id: ReleaseId,
    /// `Debian 12 bookworm`.
    pub name: String,
    /// The family.
    pub family: Family,
    /// The syspack writer for this release (`None` for Alpine: syspack writes no `.apk`).
    #[serde(serialize_with = "ser_format")]
    pub format: Option<Format>,
    /// The package format as written in the data (includes `apk`).
    pub package_format: PackageFormat,
    /// Release date (of the first point release).
    pub released: Fact<Date>,
    /// End of life as a date, when known and not rolling.
    pub eol: Option<Date>,
    /// The end-of-life fact itself (date, rolling, or unknown) with its source.
    pub eol_fact: Fact<Eol>,
    /// The machines the release is made for (a package for another one neither installs nor
    /// runs there).
    pub architectures: Fact<Architectures>,
    /// The C library.
    pub libc: LibcFact,
    /// The package manager.
    pub package_manager: PackageManager,
    /// Tracked libraries by syspack name (`zlib`, `bzip2`, `xz`, `zstd`, `openssl`, `sqlite`,
    /// `libarchive`).
    pub libraries: BTreeMap<String, LibraryFact>,
    /// Other sonames (C library, libgcc, libstdc++) by soname.
    pub sonames: BTreeMap<Soname, SonameEntry>,
    /// FreeBSD major version (13, 14) for FreeBSD releases (pkg's ABI string `FreeBSD:14:amd64`).
    pub freebsd_major: Option<u32>,
    /// The data file this release was read from (`debian-12.toml`).
    pub data_file: String,
}

impl Release {
    /// The compression syspack writes for this release: what its package manager reads on every
    /// point release and its own tools use (see each data file's `default_compression` source).
    /// An unknown default falls back to gzip, which every package manager here reads.
    pub fn default_compression(&self) -> Compression {
        match self.package_manager.default_compression.known() {
            Some(k) => k.default_settings(),
            None => CompressionKind::Gzip.default_settings(),
        }
    }

    /// Whether the package manager installs packages compressed with `c`: `Some(true)`/`Some(false)`
    /// when the data knows, `None` when it is unknown.
    pub fn reads(&self, c: Compression) -> Option<bool> {
        self.reads_fact(CompressionKind::of(c))
            .and_then(|f| f.known().copied())
    }

    /// The fact behind [`Release::reads`], with its source and confidence.
    pub fn reads_fact(&self, k: CompressionKind) -> Option<&Fact<bool>> {
        self.package_manager.reads.get(&k)
    }

    /// True only when the data says the package manager reads `c`.
    pub fn can_read(&self, c: Compression) -> bool {
        self.reads(c) == Some(true)
    }

    /// The tracked library `lib` (`zstd`), if the release's data has it.
    pub fn library(&self, lib: &str) -> Option<&LibraryFact> {
        self.libraries.get(lib)
    }

    /// What provides `soname` on this release: a tracked library's runtime package, or one of the
    /// C library / compiler runtime sonames. `None` when the data does not know the soname.
    ///
    /// The data describes the release's x86_64 port; the dynamic loader of another architecture
    /// ([`GLIBC_LOADERS`]: `ld-linux-aarch64.so.1`) is answered as `libc.so.6`, whose package
    /// ships that architecture's loader (Debian's `libc6`, Fedora's `glibc`, Arch's `glibc`).
    pub fn package_for_soname(&self, soname: &str) -> Option<SonamePackage> {
        if is_glibc_loader(soname) && !self.sonames.iter().any(|(s, _)| s.as_str() == soname) {
            return self.package_for_soname("libc.so.6");
        }
        for (name, lib) in &self.libraries {
            if lib.soname.known().map(Soname::as_str) == Some(soname) {
                let package = lib.runtime.known().and_then(Provider::package).cloned();
                let mut confidence = lib.soname.confidence.and(lib.runtime.confidence);
                if lib.runtime.known().is_none() {
                    confidence = Confidence::Unverified;
                }
                return Some(SonamePackage {
                    soname: lib.soname.known()?.clone(),
                    package,
                    library: Some(name.clone()),
                    version: lib.version.known().cloned(),
                    depends: lib.depends.as_ref().and_then(|d| d.known().cloned()),
                    libc: false,
                    repository: lib.repository,
                    confidence,
                    source: lib.soname.source.clone(),
                });
            }
        }
        let entry = self.sonames.iter().find(|(s, _)| s.as_str() == soname)?.1;
        Some(SonamePackage {
            soname: entry.soname.clone(),
            package: entry.package.clone(),
            library: None,
            version: if entry.libc {
                self.libc.version.known().cloned()
            } else {
                None
            },
            depends: entry.depends.clone(),
            libc: entry.libc,
            repository: Repository::Base,
            confidence: entry.confidence,
            source: entry.source.clone(),
        })
    }

    /// Whether the release ships a file named `soname` where the dynamic loader looks, answered
    /// only from a complete file list of the release (its derived index, [`super::index`]):
    /// `Some((ships, source))`, or `None` when no file list is known — then there is no answer.
    pub fn ships_soname(&self, soname: &str) -> Option<(bool, String)> {
        let index = super::index::get(self.id.as_str())?;
        // The file lists are the x86_64 port's: another architecture's loader goes with libc.
        let soname = if is_glibc_loader(soname) && index.provider(soname).is_none() {
            "libc.so.6"
        } else {
            soname
        };
        let ships = index.provider(soname).is_some() || index.is_base(soname);
        if !ships && !index.absent_means_missing() {
            // A FreeBSD catalogue lists packages, not every base-system library: no answer.
            return None;
        }
        Some((ships, index.contents_source()))
    }

    /// The release's glibc version, if it runs glibc and the version is known.
    pub fn glibc(&self) -> Option<&Version> {
        match self.libc.kind {
            LibcKind::Glibc => self.libc.version.known(),
            _ => None,
        }
    }

    /// The number after the family in the id (`12` for `debian-12`, `15.6` for `opensuse-15.6`), used
    /// to order releases of one family; `None` for rolling releases.
    pub fn version_in_id(&self) -> Option<Version> {
        let (_, tail) = self.id.as_str().rsplit_once('-')?;
        tail.parse().ok()
    }

    /// Every fact of this release with a dotted path (`libraries.zstd.version`), for audits and
    /// tests: its value (as text), source and confidence.
    pub fn facts(&self) -> Vec<FactRecord> {
        let mut out = vec![FactRecord::shown("released".into(), &self.released)];
        let eol = match &self.eol_fact.value {
            Value::Known(Eol::Date(d)) => d.to_string(),
            Value::Known(Eol::Rolling) => "rolling".into(),
            Value::Unknown => "unknown".into(),
        };
        out.push(FactRecord::of("eol".into(), eol, &self.eol_fact));
        out.push(FactRecord::shown(
            "architectures".into(),
            &self.architectures,
        ));
        out.push(FactRecord::shown("libc.version".into(), &self.libc.version));
        let pm = &self.package_manager;
        out.push(FactRecord::shown(
            "package_manager.version".into(),
            &pm.version,
        ));
        for (k, f) in &pm.reads {
            let value = match f.value {
                Value::Known(true) => "yes",
                Value::Known(false) => "no",
                Value::Unknown => "unknown",
            };
            out.push(FactRecord::of(
                format!("package_manager.reads.{k}"),
                value.into(),
                f,
            ));
        }
        out.push(FactRecord::shown(
            "package_manager.default_compression".into(),
            &pm.default_compression,
        ));
        for (name, lib) in &self.libraries {
            let p = |field: &str| format!("libraries.{name}.{field}");
            out.push(FactRecord::shown(p("version"), &lib.version));
            out.push(FactRecord::shown(p("soname"), &lib.soname));
            out.push(FactRecord::shown(p("runtime"), &lib.runtime));
            out.push(FactRecord::shown(p("dev"), &lib.dev));
            if let Some(dep) = &lib.depends {
                out.push(FactRecord::shown(p("depends"), dep));
            }
        }
        for (soname, e) in &self.sonames {
            let pkg = e
                .package
                .as_ref()
                .map_or("(base system)".to_string(), |p| p.to_string());
            out.push(FactRecord {
                path: format!("sonames.{soname}"),
                value: pkg,
                source: e.source.clone(),
                confidence: e.confidence,
                as_of: e.as_of.clone(),
            });
        }
        out
    }
}

/// One fact of a release, flattened (see [`Release::facts`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactRecord {
    /// Dotted path in the data file.
    pub path: String,
    /// The value as text (`unknown` when unknown).
    pub value: String,
    /// The source.
    pub source: Source,
    /// The confidence.
    pub confidence: Confidence,
    /// The day the source was read, when the data says.
    pub as_of: Option<Date>,
}

impl FactRecord {
    /// The record of `fact` at `path`, with its value as `value`.
    fn of<T>(path: String, value: String, fact: &Fact<T>) -> FactRecord {
        FactRecord {
            path,
            value,
            source: fact.source.clone(),
            confidence: fact.confidence,
            as_of: fact.as_of.clone(),
        }
    }

    /// The record of `fact` at `path`, with its value as it displays (`unknown` when unknown).
    fn shown<T: fmt::Display>(path: String, fact: &Fact<T>) -> FactRecord {
        FactRecord::of(path, fact.value.to_string(), fact)
    }
}
