//! The staging model: one description of a package that every format writer reads.
//!
//! A [`Package`] is metadata plus a sorted map of install paths to entries (files, directories,
//! symlinks). It holds values that are valid in *every* format where that is cheap to guarantee
//! (absolute, normalised, UTF-8 install paths; no duplicates; symlinks that stay inside the root);
//! rules that only one format has (RPM versions without `-`, Arch `pkgver` without `-`…) are
//! checked by that format's writer, which names the field and the fix.
//!
//! Time never comes from the clock: every timestamp a writer emits is the package's [`SourceDate`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// A normalised absolute install path, stored without its leading `/` (`usr/bin/foo`).
///
/// Construction rejects what no package format can install safely: relative paths, `..`
/// components, empty paths, newlines, NUL, and names that are not UTF-8.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstallPath(String);

impl InstallPath {
    /// Validates and normalises an install path (`/usr//bin/./x` becomes `/usr/bin/x`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPath`] when the path is relative, empty, the root itself, contains `..`, a
    /// newline, a NUL byte or a backslash-free control character.
    pub fn new(path: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidPath {
            path: path.escape_debug().to_string(),
            reason: reason.to_string(),
        };
        if !path.starts_with('/') {
            return Err(bad("install paths must be absolute, e.g. `/usr/bin/tool`"));
        }
        if path.chars().any(|c| c.is_control()) {
            return Err(bad(
                "contains a control character (newline, tab, NUL…), which package metadata cannot hold",
            ));
        }
        let mut parts = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(bad(
                    "contains `..`; give the destination as a plain absolute path inside the root",
                )),
                p => parts.push(p),
            }
        }
        if parts.is_empty() {
            return Err(bad(
                "is the root directory itself; name a file or directory below `/`",
            ));
        }
        Ok(InstallPath(parts.join("/")))
    }

    /// Converts a file system path (which may not be UTF-8) into an install path.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPath`] for non-UTF-8 names and everything [`InstallPath::new`] rejects.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path.to_str() {
            Some(s) => Self::new(s),
            None => Err(Error::InvalidPath {
                path: path.to_string_lossy().into_owned(),
                reason:
                    "is not valid UTF-8; rename the file (package metadata of every format is text)"
                        .to_string(),
            }),
        }
    }

    /// The path without its leading slash: `usr/bin/foo`.
    pub fn relative(&self) -> &str {
        &self.0
    }

    /// The path with its leading slash: `/usr/bin/foo`.
    pub fn absolute(&self) -> String {
        format!("/{}", self.0)
    }

    /// The parent directory, or `None` for a top-level entry such as `/usr`.
    pub fn parent(&self) -> Option<InstallPath> {
        self.0
            .rfind('/')
            .map(|i| InstallPath(self.0[..i].to_string()))
    }

    /// Every ancestor directory, outermost first (`/usr`, `/usr/bin` for `/usr/bin/x`).
    pub fn ancestors(&self) -> Vec<InstallPath> {
        let mut out = Vec::new();
        let mut cur = self.parent();
        while let Some(p) = cur {
            cur = p.parent();
            out.push(p);
        }
        out.reverse();
        out
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for InstallPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.0)
    }
}

impl fmt::Debug for InstallPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.absolute())
    }
}

/// The owner of an entry. Package managers resolve names on the installing system; `root`/`root`
/// is the default and the only owner with a fixed numeric id (0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// User name.
    pub user: String,
    /// Group name.
    pub group: String,
}

impl Owner {
    /// `root:root`.
    pub fn root() -> Self {
        Owner {
            user: "root".into(),
            group: "root".into(),
        }
    }

    /// The numeric user id written into tar and cpio headers: 0 for `root`, else 0 too (package
    /// managers use the name), documented here so that no writer invents ids.
    pub fn uid(&self) -> u32 {
        0
    }

    /// The numeric group id; see [`Owner::uid`].
    pub fn gid(&self) -> u32 {
        0
    }
}

impl Default for Owner {
    fn default() -> Self {
        Self::root()
    }
}

/// Where a file's bytes come from.
#[derive(Clone)]
pub enum FileSource {
    /// A file on disk, read when the package is written.
    Path(PathBuf),
    /// Bytes made in memory (a generated `changelog.gz`, a copyright file).
    Bytes(Arc<[u8]>),
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileSource::Path(p) => write!(f, "Path({})", p.display()),
            FileSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

impl FileSource {
    /// Where the content comes from, for messages.
    pub fn describe(&self) -> String {
        match self {
            FileSource::Path(p) => format!("`{}`", p.display()),
            FileSource::Bytes(_) => "generated content".to_string(),
        }
    }
}

/// A regular file.
#[derive(Clone, Debug)]
pub struct FileEntry {
    /// The content.
    pub source: FileSource,
    /// Its size in bytes (taken when the entry was added).
    pub size: u64,
    /// Permission bits (`0o755`), without the file-type bits.
    pub mode: u32,
    /// Owner.
    pub owner: Owner,
    /// A configuration file the package manager must not overwrite when the admin changed it.
    pub conffile: bool,
    /// Documentation (RPM `%doc`).
    pub doc: bool,
}

impl FileEntry {
    /// Opens the content for reading.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when a source file cannot be opened.
    pub fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
        match &self.source {
            FileSource::Path(p) => {
                let f = std::fs::File::open(p).map_err(|e| Error::io(p, "opening asset", e))?;
                Ok(Box::new(f))
            }
            FileSource::Bytes(b) => Ok(Box::new(&b[..])),
        }
    }

    /// Reads the whole content (for small files and metadata; big payloads should stream).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the source cannot be read, or has changed size since it was staged.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(self.size as usize);
        let path = match &self.source {
            FileSource::Path(p) => p.clone(),
            FileSource::Bytes(_) => PathBuf::from("<generated>"),
        };
        self.open()?
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(&path, "reading asset", e))?;
        if buf.len() as u64 != self.size {
            return Err(Error::io(
                path,
                "reading asset",
                std::io::Error::other(format!(
                    "size changed while packaging: staged {} bytes, read {}",
                    self.size,
                    buf.len()
                )),
            ));
        }
        Ok(buf)
    }
}

/// A directory the package owns.
#[derive(Clone, Debug)]
pub struct DirEntry {
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub owner: Owner,
}

/// A symbolic link.
#[derive(Clone, Debug)]
pub struct SymlinkEntry {
    /// The link target as stored (relative or absolute).
    pub target: String,
    /// Owner.
    pub owner: Owner,
}

/// One entry of the package's file system tree.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A regular file.
    File(FileEntry),
    /// A directory.
    Dir(DirEntry),
    /// A symbolic link.
    Symlink(SymlinkEntry),
}

impl Entry {
    /// The owner of the entry.
    pub fn owner(&self) -> &Owner {
        match self {
            Entry::File(f) => &f.owner,
            Entry::Dir(d) => &d.owner,
            Entry::Symlink(s) => &s.owner,
        }
    }

    /// Permission bits (`0o777` for symlinks).
    pub fn mode(&self) -> u32 {
        match self {
            Entry::File(f) => f.mode,
            Entry::Dir(d) => d.mode,
            Entry::Symlink(_) => 0o777,
        }
    }
}

/// A dependency-like relation: `name`, or `name (op version)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relation {
    /// The package (or, for RPM, capability) name.
    pub name: String,
    /// Optional version constraint.
    pub constraint: Option<(VersionOp, String)>,
}

impl Relation {
    /// A relation without a version.
    pub fn any(name: impl Into<String>) -> Self {
        Relation {
            name: name.into(),
            constraint: None,
        }
    }

    /// A relation with a version constraint.
    pub fn with(name: impl Into<String>, op: VersionOp, version: impl Into<String>) -> Self {
        Relation {
            name: name.into(),
            constraint: Some((op, version.into())),
        }
    }
}

impl Relation {
    /// The relation as Debian writes it (deb-control(5)): `name`, `name (>= 1.0)`, `name (<< 2)`.
    pub fn debian(&self) -> String {
        match &self.constraint {
            None => self.name.clone(),
            Some((op, v)) => format!("{} ({} {v})", self.name, op.debian()),
        }
    }

    /// The relation as an RPM spec file writes it: `name`, `name >= 1.0`, `name < 2`.
    pub fn rpm(&self) -> String {
        match &self.constraint {
            None => self.name.clone(),
            Some((op, v)) => format!("{} {} {v}", self.name, op.symbol()),
        }
    }

    /// The relation as pacman writes it (PKGBUILD(5), `.PKGINFO`): `name`, `name>=1.0`.
    pub fn arch(&self) -> String {
        match &self.constraint {
            None => self.name.clone(),
            Some((op, v)) => format!("{}{}{v}", self.name, op.symbol()),
        }
    }
}

impl std::str::FromStr for Relation {
    type Err = Error;

    /// Parses `name`, `name >= 1.2`, `name (>= 1.2)` or `name>=1.2`.
    fn from_str(s: &str) -> Result<Self> {
        let err = |reason: &str| Error::Parse {
            what: "relation",
            value: s.to_string(),
            reason: reason.to_string(),
        };
        let t = s.trim();
        let ops = [">=", "<=", ">>", "<<", "=", ">", "<"];
        let pos = t.find(['(', '>', '<', '=']);
        let (name, rest) = match pos {
            None => (t, ""),
            Some(i) => (t[..i].trim(), t[i..].trim()),
        };
        if name.is_empty() || name.contains(char::is_whitespace) || name.contains(',') {
            return Err(err(
                "expected a package name, optionally followed by `>= VERSION`",
            ));
        }
        if rest.is_empty() {
            return Ok(Relation::any(name));
        }
        // `(>= 1.2)` or `>= 1.2`, never half a parenthesis (`foo (>= 1` is a typo, not a relation).
        let rest = match (rest.strip_prefix('('), rest.strip_suffix(')')) {
            (Some(_), Some(_)) => rest[1..rest.len() - 1].trim(),
            (None, None) => rest,
            _ => return Err(err("unbalanced parenthesis; write `name (>= VERSION)`")),
        };
        if rest.contains(['(', ')', ',']) {
            return Err(err(
                "one relation per entry: `name (>= VERSION)`, without nested parentheses or commas",
            ));
        }
        for op in ops {
            if let Some(v) = rest.strip_prefix(op) {
                let v = v.trim();
                if v.is_empty() || v.contains(char::is_whitespace) {
                    return Err(err(
                        "the version after the operator is missing or has spaces",
                    ));
                }
                let op = match op {
                    ">=" => VersionOp::Ge,
                    "<=" => VersionOp::Le,
                    ">>" | ">" => VersionOp::Gt,
                    "<<" | "<" => VersionOp::Lt,
                    _ => VersionOp::Eq,
                };
                return Ok(Relation::with(name, op, v));
            }
        }
        Err(err("unknown operator; use one of >=, <=, >, <, ="))
    }
}

/// A version comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VersionOp {
    /// Strictly less.
    Lt,
    /// Less or equal.
    Le,
    /// Equal.
    Eq,
    /// Greater or equal.
    Ge,
    /// Strictly greater.
    Gt,
}

impl VersionOp {
    /// Debian's spelling: `<<`, `<=`, `=`, `>=`, `>>` (a bare `<` or `>` is deprecated there).
    pub fn debian(self) -> &'static str {
        match self {
            VersionOp::Lt => "<<",
            VersionOp::Gt => ">>",
            other => other.symbol(),
        }
    }

    /// The spelling of RPM, pacman and pkg: `<`, `<=`, `=`, `>=`, `>`.
    pub fn symbol(self) -> &'static str {
        match self {
            VersionOp::Lt => "<",
            VersionOp::Le => "<=",
            VersionOp::Eq => "=",
            VersionOp::Ge => ">=",
            VersionOp::Gt => ">",
        }
    }
}

/// Package relations, already resolved for one target (names are that distro's names).
#[derive(Clone, Debug, Default)]
pub struct Relations {
    /// Needed at run time.
    pub depends: Vec<Relation>,
    /// Needed before unpacking (Debian `Pre-Depends`; RPM `Requires(pre)`).
    pub pre_depends: Vec<Relation>,
    /// Installed by default with the package.
    pub recommends: Vec<Relation>,
    /// Useful with the package.
    pub suggests: Vec<Relation>,
    /// Cannot be installed at the same time.
    pub conflicts: Vec<Relation>,
    /// Virtual names this package provides.
    pub provides: Vec<Relation>,
    /// Packages this one replaces (takes over files / obsoletes).
    pub replaces: Vec<Relation>,
}

/// The CPU architecture of a package, with each format's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    /// x86-64.
    X86_64,
    /// 64-bit ARM.
    Aarch64,
    /// 32-bit x86.
    I686,
    /// 32-bit ARM hard-float.
    Armv7,
    /// 64-bit RISC-V.
    Riscv64,
    /// 64-bit little-endian POWER.
    Ppc64le,
    /// IBM Z.
    S390x,
    /// Architecture-independent content.
    All,
}

impl Arch {
    /// syspack's own name, which every format's parser accepts (`x86_64`, `aarch64`, `i686`,
    /// `armv7`, `riscv64`, `ppc64le`, `s390x`, `all`).
    pub fn canonical(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::I686 => "i686",
            Arch::Armv7 => "armv7",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
            Arch::All => "all",
        }
    }

    /// Debian's name (`amd64`, `arm64`, `all`).
    pub fn deb(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::Aarch64 => "arm64",
            Arch::I686 => "i386",
            Arch::Armv7 => "armhf",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "ppc64el",
            Arch::S390x => "s390x",
            Arch::All => "all",
        }
    }

    /// RPM's name (`x86_64`, `aarch64`, `noarch`).
    pub fn rpm(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::I686 => "i686",
            Arch::Armv7 => "armv7hl",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
            Arch::All => "noarch",
        }
    }

    /// Arch Linux's name (`x86_64`, `aarch64`, `any`).
    pub fn arch_linux(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::I686 => "i686",
            Arch::Armv7 => "armv7h",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "powerpc64le",
            Arch::S390x => "s390x",
            Arch::All => "any",
        }
    }

    /// FreeBSD's `uname -p` style name used in ABI strings (`amd64`, `aarch64`, `*`).
    pub fn freebsd(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::Aarch64 => "aarch64",
            Arch::I686 => "i386",
            Arch::Armv7 => "armv7",
            Arch::Riscv64 => "riscv64",
            Arch::Ppc64le => "powerpc64le",
            Arch::S390x => "s390x",
            Arch::All => "*",
        }
    }

    /// The architecture of the machine syspack itself was compiled for.
    pub fn host() -> Self {
        match std::env::consts::ARCH {
            "aarch64" => Arch::Aarch64,
            "x86" => Arch::I686,
            "arm" => Arch::Armv7,
            "riscv64" => Arch::Riscv64,
            "powerpc64" => Arch::Ppc64le,
            "s390x" => Arch::S390x,
            _ => Arch::X86_64,
        }
    }
}

impl std::str::FromStr for Arch {
    type Err = Error;

    /// Accepts any format's spelling (`x86_64`, `amd64`, `arm64`, `noarch`, `any`, `all`…).
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "x86_64" | "amd64" | "x86-64" => Arch::X86_64,
            "aarch64" | "arm64" => Arch::Aarch64,
            "i686" | "i386" | "x86" => Arch::I686,
            "armv7" | "armhf" | "armv7hl" | "armv7h" | "arm" => Arch::Armv7,
            "riscv64" => Arch::Riscv64,
            "ppc64le" | "ppc64el" | "powerpc64le" => Arch::Ppc64le,
            "s390x" => Arch::S390x,
            "all" | "any" | "noarch" | "*" => Arch::All,
            _ => {
                return Err(Error::Parse {
                    what: "architecture",
                    value: s.to_string(),
                    reason:
                        "expected one of x86_64, aarch64, i686, armv7, riscv64, ppc64le, s390x, all"
                            .to_string(),
                })
            }
        })
    }
}

/// Maintainer scripts, as shell script bodies (each starting with a `#!` line).
///
/// The writers map them onto each format: Debian `preinst`/`postinst`/`prerm`/`postrm`, RPM
/// `%pre`/`%post`/`%preun`/`%postun`, Arch `.INSTALL` functions, FreeBSD `pre-install`…
#[derive(Clone, Debug, Default)]
pub struct Scripts {
    /// Runs before the files are unpacked.
    pub pre_install: Option<String>,
    /// Runs after the files are unpacked.
    pub post_install: Option<String>,
    /// Runs before the files are removed.
    pub pre_remove: Option<String>,
    /// Runs after the files are removed.
    pub post_remove: Option<String>,
    /// The bodies are Debian maintainer scripts (`preinst`, `postinst`, `prerm`, `postrm` as
    /// dpkg calls them, each dispatching on its own `$1`), for `.deb` packages only: the Debian
    /// writer puts them in as written, `#DEBHELPER#` replaced by its unit handling, instead of
    /// wrapping plain bodies (see [`deb`](crate::deb)).
    pub native: bool,
}

impl Scripts {
    /// True when no script is set.
    pub fn is_empty(&self) -> bool {
        self.pre_install.is_none()
            && self.post_install.is_none()
            && self.pre_remove.is_none()
            && self.post_remove.is_none()
    }
}

/// A systemd unit shipped by the package (the unit file itself is a normal [`FileEntry`] under
/// `/usr/lib/systemd/system/`); this records what the scripts should do with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemdUnit {
    /// The unit name, e.g. `example.service`.
    pub name: String,
    /// Enable the unit on install.
    pub enable: bool,
    /// Start (and restart on upgrade) the unit on install.
    pub start: bool,
}

/// A library built into the binary from a vendored source (from the build layer's provenance).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bundled {
    /// The library name, e.g. `zstd`.
    pub name: String,
    /// Its version, e.g. `1.5.7`.
    pub version: String,
}

/// The timestamp every writer uses for build dates and file modification times.
///
/// It comes from `SOURCE_DATE_EPOCH` or from the caller (for instance, the last commit's time),
/// never from the clock, so the same inputs give the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceDate(pub u64);

impl SourceDate {
    /// Seconds since the Unix epoch.
    pub fn secs(self) -> u64 {
        self.0
    }
}

/// Descriptive metadata shared by every format.
#[derive(Clone, Debug)]
pub struct Metadata {
    /// Package name (lowercase letters, digits, `+`, `-`, `.`; starts with a letter or digit).
    pub name: String,
    /// Upstream version, e.g. `1.2.3`.
    pub version: String,
    /// Packaging revision (Debian revision, RPM release, Arch pkgrel, FreeBSD PORTREVISION); `1` by default.
    pub release: String,
    /// Epoch, when the version scheme had to be reset.
    pub epoch: Option<u32>,
    /// Architecture.
    pub arch: Arch,
    /// One-line summary.
    pub summary: String,
    /// Long description (several lines allowed; blank lines separate paragraphs).
    pub description: String,
    /// `Name <email>`.
    pub maintainer: String,
    /// Project home page.
    pub homepage: Option<String>,
    /// SPDX licence expression.
    pub license: String,
    /// Vendor (RPM).
    pub vendor: Option<String>,
    /// Section / group / category (Debian section, RPM group, FreeBSD category).
    pub section: Option<String>,
    /// Debian priority; `optional` by default.
    pub priority: Option<String>,
    /// Relations, already resolved for the target distro.
    pub relations: Relations,
    /// Libraries built into the binary from vendored sources.
    pub bundled: Vec<Bundled>,
    /// Further Debian control fields, written after the others (a `-dbgsym` package's
    /// `Auto-Built-Package` and `Build-Ids`); other formats ignore them.
    pub deb_fields: Vec<(String, String)>,
}

impl Metadata {
    /// Metadata with the required fields set and everything else empty.
    pub fn new(name: impl Into<String>, version: impl Into<String>, arch: Arch) -> Self {
        Metadata {
            name: name.into(),
            version: version.into(),
            release: "1".into(),
            epoch: None,
            arch,
            summary: String::new(),
            description: String::new(),
            maintainer: String::new(),
            homepage: None,
            license: String::new(),
            vendor: None,
            section: None,
            priority: None,
            relations: Relations::default(),
            bundled: Vec::new(),
            deb_fields: Vec::new(),
        }
    }
}

/// A staged package: metadata, entries sorted by install path, scripts, systemd units and the date.
#[derive(Clone, Debug)]
pub struct Package {
    /// Descriptive metadata.
    pub metadata: Metadata,
    /// Maintainer scripts.
    pub scripts: Scripts,
    /// systemd units the scripts manage.
    pub systemd_units: Vec<SystemdUnit>,
    /// The timestamp used everywhere.
    pub source_date: SourceDate,
    entries: BTreeMap<InstallPath, Entry>,
    origins: BTreeMap<InstallPath, String>,
}

impl Package {
    /// An empty package.
    pub fn new(metadata: Metadata, source_date: SourceDate) -> Self {
        Package {
            metadata,
            scripts: Scripts::default(),
            systemd_units: Vec::new(),
            source_date,
            entries: BTreeMap::new(),
            origins: BTreeMap::new(),
        }
    }

    fn insert(&mut self, path: InstallPath, entry: Entry, origin: String) -> Result<()> {
        if let Some(first) = self.origins.get(&path) {
            return Err(Error::DuplicatePath {
                path: path.absolute(),
                first: first.clone(),
                second: origin,
            });
        }
        if let Some(parent) = path.ancestors().into_iter().find(|a| {
            matches!(
                self.entries.get(a),
                Some(Entry::File(_) | Entry::Symlink(_))
            )
        }) {
            return Err(Error::InvalidPath {
                path: path.absolute(),
                reason: format!("its parent `{parent}` is a file or symlink in this package"),
            });
        }
        self.origins.insert(path.clone(), origin);
        self.entries.insert(path, entry);
        Ok(())
    }

    /// Adds a file from disk. The size is taken now; the bytes are read when a writer needs them.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the source is missing or not a regular file, [`Error::DuplicatePath`]
    /// when the destination is taken.
    pub fn add_file(
        &mut self,
        dest: InstallPath,
        source: &Path,
        mode: u32,
    ) -> Result<&mut FileEntry> {
        let meta = std::fs::metadata(source).map_err(|e| Error::io(source, "reading asset", e))?;
        if !meta.is_file() {
            return Err(Error::io(
                source,
                "reading asset",
                std::io::Error::other("not a regular file; list the files inside a directory with a glob such as `dir/**/*`"),
            ));
        }
        self.add_file_of_size(dest, source, meta.len(), mode)
    }

    /// [`Package::add_file`] for a regular file whose size the caller has just read from its
    /// metadata (staging thousands of files for several targets need not stat each one again;
    /// writers check the size when they read the content).
    ///
    /// # Errors
    ///
    /// [`Error::DuplicatePath`] when the destination is taken.
    pub fn add_file_of_size(
        &mut self,
        dest: InstallPath,
        source: &Path,
        size: u64,
        mode: u32,
    ) -> Result<&mut FileEntry> {
        let entry = FileEntry {
            source: FileSource::Path(source.to_path_buf()),
            size,
            mode: mode & 0o7777,
            owner: Owner::root(),
            conffile: false,
            doc: false,
        };
        let key = dest.clone();
        self.insert(dest, Entry::File(entry), format!("`{}`", source.display()))?;
        match self.entries.get_mut(&key) {
            Some(Entry::File(f)) => Ok(f),
            _ => unreachable!("just inserted a file"),
        }
    }

    /// Adds a file with in-memory content.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicatePath`] when the destination is taken.
    pub fn add_bytes(
        &mut self,
        dest: InstallPath,
        bytes: impl Into<Arc<[u8]>>,
        mode: u32,
    ) -> Result<&mut FileEntry> {
        let bytes = bytes.into();
        let entry = FileEntry {
            size: bytes.len() as u64,
            source: FileSource::Bytes(bytes),
            mode: mode & 0o7777,
            owner: Owner::root(),
            conffile: false,
            doc: false,
        };
        let key = dest.clone();
        self.insert(dest, Entry::File(entry), "generated content".to_string())?;
        match self.entries.get_mut(&key) {
            Some(Entry::File(f)) => Ok(f),
            _ => unreachable!("just inserted a file"),
        }
    }

    /// Adds a directory the package owns (RPM `%dir`; created empty if nothing else is in it).
    ///
    /// # Errors
    ///
    /// [`Error::DuplicatePath`] when the destination is taken.
    pub fn add_dir(&mut self, dest: InstallPath, mode: u32) -> Result<()> {
        let entry = Entry::Dir(DirEntry {
            mode: mode & 0o7777,
            owner: Owner::root(),
        });
        self.insert(dest, entry, "a directory entry".to_string())
    }

    /// Adds a symlink. Relative targets are resolved against the link's directory and must stay
    /// inside the root.
    ///
    /// # Errors
    ///
    /// [`Error::SymlinkEscapes`] when the target leaves the root, [`Error::InvalidPath`] for an
    /// empty target or one with control characters, [`Error::DuplicatePath`] when the destination
    /// is taken.
    pub fn add_symlink(&mut self, dest: InstallPath, target: &str) -> Result<()> {
        if target.is_empty() || target.chars().any(|c| c.is_control()) {
            return Err(Error::InvalidPath {
                path: dest.absolute(),
                reason: "symlink target is empty or contains a control character".to_string(),
            });
        }
        let mut depth: Vec<&str> = if target.starts_with('/') {
            Vec::new()
        } else {
            dest.relative().split('/').collect::<Vec<_>>()[..dest.relative().split('/').count() - 1]
                .to_vec()
        };
        for part in target.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if depth.pop().is_none() {
                        return Err(Error::SymlinkEscapes {
                            path: dest.absolute(),
                            target: target.to_string(),
                        });
                    }
                }
                p => depth.push(p),
            }
        }
        let entry = Entry::Symlink(SymlinkEntry {
            target: target.to_string(),
            owner: Owner::root(),
        });
        self.insert(dest, entry, format!("a symlink to `{target}`"))
    }

    /// Marks a staged file as a configuration file.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPath`] when no regular file is staged at `path`.
    pub fn mark_conffile(&mut self, path: &InstallPath) -> Result<()> {
        match self.entries.get_mut(path) {
            Some(Entry::File(f)) => {
                f.conffile = true;
                Ok(())
            }
            _ => Err(Error::InvalidPath {
                path: path.absolute(),
                reason: "is listed as a conffile but no file is installed there; add an asset with this destination"
                    .to_string(),
            }),
        }
    }

    /// The staged entries, sorted by install path.
    pub fn entries(&self) -> &BTreeMap<InstallPath, Entry> {
        &self.entries
    }

    /// The staged entries plus every ancestor directory that was not declared, with mode `0o755`
    /// and root ownership, sorted by path. Formats that list every directory (Debian, Arch) use this;
    /// RPM and FreeBSD list only declared directories.
    pub fn entries_with_parents(&self) -> BTreeMap<InstallPath, Entry> {
        let mut out = self.entries.clone();
        for path in self.entries.keys() {
            for a in path.ancestors() {
                out.entry(a).or_insert_with(|| {
                    Entry::Dir(DirEntry {
                        mode: 0o755,
                        owner: Owner::root(),
                    })
                });
            }
        }
        out
    }

    /// The configuration files, sorted.
    pub fn conffiles(&self) -> BTreeSet<InstallPath> {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::File(f) if f.conffile))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The sum of regular file sizes in bytes.
    pub fn installed_size(&self) -> u64 {
        self.entries
            .values()
            .map(|e| match e {
                Entry::File(f) => f.size,
                _ => 0,
            })
            .sum()
    }

    /// Checks what every format needs before writing: at least one file or symlink.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyPackage`] when nothing would be installed.
    pub fn check_not_empty(&self) -> Result<()> {
        if self.entries.values().any(|e| !matches!(e, Entry::Dir(_))) {
            Ok(())
        } else {
            Err(Error::EmptyPackage {
                name: self.metadata.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_paths_are_normalised_and_validated() {
        assert_eq!(
            InstallPath::new("/usr//bin/./x").unwrap().absolute(),
            "/usr/bin/x"
        );
        for bad in ["usr/bin/x", "/usr/../etc/x", "/", "", "/a\nb"] {
            assert!(InstallPath::new(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn duplicate_destinations_are_rejected_with_both_origins() {
        let mut p = Package::new(Metadata::new("x", "1", Arch::X86_64), SourceDate(0));
        let dest = InstallPath::new("/usr/bin/x").unwrap();
        p.add_bytes(dest.clone(), b"a".to_vec(), 0o755).unwrap();
        let err = p.add_bytes(dest, b"b".to_vec(), 0o755).unwrap_err();
        assert!(matches!(err, Error::DuplicatePath { .. }), "{err}");
    }

    #[test]
    fn symlinks_may_not_leave_the_root() {
        let mut p = Package::new(Metadata::new("x", "1", Arch::X86_64), SourceDate(0));
        p.add_symlink(InstallPath::new("/usr/bin/a").unwrap(), "../lib/a")
            .unwrap();
        p.add_symlink(InstallPath::new("/usr/bin/b").unwrap(), "/usr/lib/b")
            .unwrap();
        let err = p
            .add_symlink(
                InstallPath::new("/usr/bin/c").unwrap(),
                "../../../etc/passwd",
            )
            .unwrap_err();
        assert!(matches!(err, Error::SymlinkEscapes { .. }), "{err}");
    }

    #[test]
    fn parents_are_synthesised_for_formats_that_list_them() {
        let mut p = Package::new(Metadata::new("x", "1", Arch::X86_64), SourceDate(0));
        p.add_bytes(
            InstallPath::new("/usr/share/doc/x/README").unwrap(),
            b"hi".to_vec(),
            0o644,
        )
        .unwrap();
        let all: Vec<String> = p
            .entries_with_parents()
            .keys()
            .map(|k| k.absolute())
            .collect();
        assert_eq!(
            all,
            [
                "/usr",
                "/usr/share",
                "/usr/share/doc",
                "/usr/share/doc/x",
                "/usr/share/doc/x/README"
            ]
        );
    }

    #[test]
    fn relations_parse_common_spellings() {
        let r: Relation = "libzstd1 (>= 1.5.4)".parse().unwrap();
        assert_eq!(r, Relation::with("libzstd1", VersionOp::Ge, "1.5.4"));
        let r: Relation = "glibc>=2.31".parse().unwrap();
        assert_eq!(r, Relation::with("glibc", VersionOp::Ge, "2.31"));
        assert!("a b".parse::<Relation>().is_err());
        assert!("a >=".parse::<Relation>().is_err());
    }

    /// Each family's spelling reads back as the same relation.
    #[test]
    fn relations_are_spelled_per_family_and_read_back() {
        let ge = Relation::with("foo", VersionOp::Ge, "1.2");
        assert_eq!(ge.debian(), "foo (>= 1.2)");
        assert_eq!(ge.rpm(), "foo >= 1.2");
        assert_eq!(ge.arch(), "foo>=1.2");
        let lt = Relation::with("foo", VersionOp::Lt, "2");
        assert_eq!(lt.debian(), "foo (<< 2)");
        assert_eq!(lt.rpm(), "foo < 2");
        assert_eq!(Relation::any("foo").debian(), "foo");
        for op in [
            VersionOp::Lt,
            VersionOp::Le,
            VersionOp::Eq,
            VersionOp::Ge,
            VersionOp::Gt,
        ] {
            let r = Relation::with("foo", op, "1.0-1");
            for text in [r.debian(), r.rpm(), r.arch()] {
                assert_eq!(text.parse::<Relation>().unwrap(), r, "{text}");
            }
        }
    }

    #[test]
    fn relations_with_half_a_parenthesis_are_refused() {
        for bad in ["foo (>= 1", "foo >= 1)", "foo (>= (1))", "foo (>= 1, bar)"] {
            let e = bad.parse::<Relation>().unwrap_err().to_string();
            assert!(
                e.contains("parenthes") || e.contains("one relation"),
                "{bad}: {e}"
            );
        }
        let r: Relation = "foo ( >= 1 )".parse().unwrap();
        assert_eq!(r, Relation::with("foo", VersionOp::Ge, "1"));
    }
}
