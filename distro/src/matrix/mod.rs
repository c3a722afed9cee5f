//! The compatibility matrix: which releases install, run and build an artifact, and why not.
//!
//! [`compute`] crosses an [`Artifact`] (the ELF analysis of the binary, the packages written for
//! it, and the provenance of each C library) and the project's minimum library versions with
//! releases of the [knowledge base](crate::kb). It returns a [`Matrix`] with one [`Row`] per
//! release; the engine never prints — [`render`] turns a matrix into a terminal table, Markdown,
//! JSON or HTML.
//!
//! Each [`Cell`] says yes, no, unknown or not applicable, gives a short reason for every answer
//! that is not a plain yes (`needs GLIBC_2.34, has 2.28`), carries the weakest
//! [`Confidence`] of the facts it was derived from, and can hold [`Proof`]s: results of a real tool
//! on a real root (an install test), supplied by the caller with [`Matrix::attach_proofs`].
//!
//! On a Debian release with a shipped index ([`crate::kb::index`]), the *runs* cell checks the
//! binary's `GLIBCXX_`/`CXXABI_`/`GCC_` needs against the version nodes of the release's
//! libstdc++/libgcc symbols files (elsewhere those needs are unknown: no data), a soname the
//! release's `Contents` file names is a fact, and each dependency's relation is the one
//! dpkg-shlibdeps writes for the symbols the binary imports ([`crate::kb::shlibdeps`]); the
//! *installs* cell of a given `.deb` checks its declared dependencies against the index's
//! package versions.
//!
//! ```
//! use std::collections::BTreeMap;
//! use syspack_distro::kb::{KnowledgeBase, Version};
//! use syspack_distro::matrix::{self, Artifact, Status};
//!
//! let kb = KnowledgeBase::builtin();
//! let releases = [kb.release("debian-11")?, kb.release("debian-12")?];
//! let mut min = BTreeMap::new();
//! min.insert("zstd".to_string(), Version::new("1.5.0")?);
//! let m = matrix::compute(&Artifact::default(), &min, &releases);
//! assert_eq!(m.rows[0].builds.status, Status::No);          // bullseye has zstd 1.4.8
//! assert_eq!(m.rows[0].vendored, vec!["zstd".to_string()]);
//! assert_eq!(m.rows[1].builds.status, Status::Yes);
//! # Ok::<(), syspack_distro::Error>(())
//! ```

pub mod render;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::elf::{ElfInfo, Libc, TargetOs};
use crate::kb::{
    CompressionKind, Confidence, Date, Family, LibcKind, Release, ReleaseId, Repository, Version,
};
use crate::{Arch, Compression, Format};

/// The version of the JSON layout ([`render::json`]); bumped on any incompatible change.
pub const SCHEMA: &str = "syspack-matrix/1";

/// How a C library got into the artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// Linked against the system's shared library.
    System,
    /// Built from the pinned source and linked statically.
    Vendored,
}

/// The provenance of one C library in the artifact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LibraryProvenance {
    /// syspack's library name (`zstd`).
    pub library: String,
    /// System or vendored.
    pub mode: LinkMode,
    /// The version built against or bundled, when known.
    pub version: Option<Version>,
}

/// A package file written for the artifact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageArtifact {
    /// Its file name.
    pub file: String,
    /// Its format.
    #[serde(serialize_with = "ser_display")]
    pub format: Format,
    /// The compression of its payload.
    #[serde(serialize_with = "ser_display")]
    pub compression: Compression,
    /// The FreeBSD major version of a FreeBSD package's `abi` (`FreeBSD:14:amd64` → 14): pkg
    /// installs only packages of its own system's ABI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freebsd_major: Option<u32>,
    /// What a `.deb` declares it needs: one entry per group of alternatives of its `Pre-Depends`
    /// and `Depends` (`libc6 (>= 2.34)`, `libssl3 | libssl3t64`), as its control file writes
    /// them; empty for the other formats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<String>,
    /// The architecture it declares (`Architecture`, rpm's `ARCH`, `.PKGINFO`'s `arch`, the
    /// machine of a FreeBSD `abi`); `None` when syspack does not know the spelling.
    #[serde(skip)]
    pub arch: Option<Arch>,
}

fn ser_display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// What is being judged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// A display name (`syspack 0.1.0`, a file name).
    pub name: String,
    /// The analysed binary, if there is one (a package of scripts has none).
    pub elf: Option<ElfInfo>,
    /// Packages already written. Empty: the matrix prescribes the format and compression each
    /// release reads (what `syspack package` would write).
    pub packages: Vec<PackageArtifact>,
    /// How each C library was linked.
    pub provenance: Vec<LibraryProvenance>,
}

/// The answer of one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Yes.
    Yes,
    /// No; the reasons say why.
    No,
    /// The data does not say; the reasons say what is missing.
    Unknown,
    /// The question does not apply (no binary, no sys crates).
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    /// `yes`, `no`, `unknown`, `n/a`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Yes => "yes",
            Status::No => "no",
            Status::Unknown => "unknown",
            Status::NotApplicable => "n/a",
        }
    }

    fn worst(self, other: Status) -> Status {
        let rank = |s: Status| match s {
            Status::NotApplicable => 0,
            Status::Yes => 1,
            Status::Unknown => 2,
            Status::No => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The three questions of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Column {
    /// Does the package manager accept the package?
    Installs,
    /// Does the binary run (libc, sonames)?
    Runs,
    /// Can the project build against the release's own libraries?
    Builds,
}

impl Column {
    /// `installs`, `runs`, `builds`.
    pub fn name(self) -> &'static str {
        match self {
            Column::Installs => "installs",
            Column::Runs => "runs",
            Column::Builds => "builds",
        }
    }
}

/// A result proven by running a real tool (for example `dpkg -i` in a debootstrap root).
///
/// Serialised (and read back by `syspack matrix --proofs FILE`) as a JSON object with exactly
/// these keys: `{"release": "debian-11", "column": "runs", "package": "hello", "step": "chroot
/// ROOT /usr/bin/hello", "date": "2026-11-29", "outcome": "no"}` — `column` is `installs`,
/// `runs` or `builds`; `outcome` is `yes`, `no`, `unknown` or `n/a`; `date` is `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The release whose root was used.
    pub release: ReleaseId,
    /// The cell it proves.
    pub column: Column,
    /// The package or binary tested.
    pub package: String,
    /// The step, as a command a person can repeat (`chroot ROOT dpkg -i x.deb`).
    pub step: String,
    /// When it ran.
    pub date: Date,
    /// What the tool showed.
    pub outcome: Status,
}

/// How a cell's answer is backed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    /// Derived from the knowledge base only.
    Derived,
    /// Every proof agrees with the derived answer.
    Proven,
    /// The knowledge base could not tell (unknown) and the proofs, agreeing, answer.
    Answered,
    /// A proof disagrees: the data (or the engine) is wrong.
    Contradicted,
}

/// One answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The answer.
    pub status: Status,
    /// Why (always given for no and unknown; notes for yes).
    pub reasons: Vec<String>,
    /// The weakest confidence of the facts used.
    pub confidence: Confidence,
    /// Proofs attached by the caller.
    pub proofs: Vec<Proof>,
    /// The strongest confidence among the reasons for a no: one verified reason proves a no, even
    /// when other facts of the cell are leads.
    #[serde(skip)]
    no_confidence: Option<Confidence>,
    /// The installs cell only: the reasons [`declared_depends`] added, which a solver's
    /// installable answer (it reads every package of the release) takes back.
    #[serde(skip)]
    declared_refusals: Vec<String>,
    /// The runs cell only: the as-of date of the release index (`syspack kb`) whose file list
    /// answered which sonames the release ships.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_as_of: Option<String>,
    /// The installs cell only: a dependency solver's answer against the release's real index
    /// ([`Cell::apply_solved`]); its keys `answer`, `by`, `index` sit beside `status`.
    #[serde(flatten)]
    pub solved: Option<Solved>,
}

/// A dependency solver's answer to "install this package on that release", computed against
/// the release's package index (the installs cell of `syspack matrix --solve`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Solved {
    /// `installable`, `not installable`, or `not solved` (no solver support for the format).
    pub answer: String,
    /// The solver (`libsolv`).
    pub by: String,
    /// The index solved against (absent when not solved).
    pub index: Option<SolvedIndex>,
}

/// The index a [`Solved`] answer was computed against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SolvedIndex {
    /// The index files read, as given (`…/debian-11/Packages.xz`).
    pub files: Vec<String>,
    /// The sha256 of each file, in the same order.
    pub sha256: Vec<String>,
    /// The archive's date for the index (Debian `Release` `Date:`), `YYYY-MM-DD`, when known.
    pub date: Option<String>,
    /// How many packages the index holds.
    pub packages: usize,
}

impl Cell {
    fn new(status: Status) -> Cell {
        Cell {
            status,
            reasons: Vec::new(),
            confidence: Confidence::Verified,
            proofs: Vec::new(),
            no_confidence: None,
            declared_refusals: Vec::new(),
            solved: None,
            index_as_of: None,
        }
    }

    /// Takes a solver's answer into the cell. An answer replaces what the declared-dependency
    /// check said (the solver read every package; the built-in index only the libraries): an
    /// installable one keeps the format check's status, a not-installable one makes the cell no
    /// with the solver's `problems` as reasons (verified: the release's own index says so).
    /// `not solved` adds `note` as a reason and leaves the status.
    pub fn apply_solved(&mut self, solved: Solved, problems: Vec<String>, note: Option<String>) {
        // The solver read every package of the release's index (maybe a newer one): its answer
        // replaces the declared-dependency check's, which knew the library packages alone.
        let answered = ["installable", "not installable"].contains(&solved.answer.as_str());
        if answered && !self.declared_refusals.is_empty() {
            let refusals = std::mem::take(&mut self.declared_refusals);
            self.reasons.retain(|r| !refusals.contains(r));
            (self.status, self.no_confidence, self.index_as_of) = (Status::Yes, None, None);
        }
        match solved.answer.as_str() {
            "not installable" => {
                for p in problems {
                    self.add(Status::No, p, Confidence::Verified);
                }
                if let Some(c) = self.no_confidence {
                    self.confidence = c;
                }
            }
            _ => self.reasons.extend(note),
        }
        self.solved = Some(solved);
    }

    fn with(status: Status, reason: impl Into<String>, confidence: Confidence) -> Cell {
        let mut cell = Cell::new(status);
        cell.reasons.push(reason.into());
        cell.confidence = confidence;
        cell
    }

    fn add(&mut self, status: Status, reason: impl Into<String>, confidence: Confidence) {
        self.status = self.status.worst(status);
        self.reasons.push(reason.into());
        self.confidence = self.confidence.and(confidence);
        if status == Status::No {
            self.no_confidence = Some(self.no_confidence.map_or(confidence, |c| c.min(confidence)));
        }
    }

    /// Settles the confidence of a no on its strongest reason.
    fn finish(mut self) -> Cell {
        if let (Status::No, Some(c)) = (self.status, self.no_confidence) {
            self.confidence = c;
        }
        self
    }

    /// Whether proofs back the answer.
    pub fn verification(&self) -> Verification {
        if self.proofs.is_empty() {
            Verification::Derived
        } else if self.proofs.iter().all(|p| p.outcome == self.status) {
            Verification::Proven
        } else if self.status == Status::Unknown
            && self
                .proofs
                .iter()
                .all(|p| p.outcome == self.proofs[0].outcome)
        {
            Verification::Answered
        } else {
            Verification::Contradicted
        }
    }

    /// The short text used by the renderers: `yes`, `no: needs GLIBC_2.34, has 2.28`, with `?` for
    /// an answer resting on unverified data and `✓` for a proven one.
    pub fn summary(&self) -> String {
        let mut s = self.status.name().to_string();
        match self.verification() {
            Verification::Proven => s.push_str(" ✓"),
            Verification::Answered => {
                // A real tool on a real root answered what the data could not.
                return format!(
                    "{} ✓ (by proof; the knowledge base could not tell: {})",
                    self.proofs[0].outcome.name(),
                    self.reasons.join("; ")
                );
            }
            Verification::Contradicted => s.push_str(" ✗(proof disagrees)"),
            Verification::Derived if self.confidence == Confidence::Unverified => s.push('?'),
            Verification::Derived => {}
        }
        if let Some(solved) = self.solved.as_ref().filter(|_| self.status == Status::Yes) {
            if let Some(index) = &solved.index {
                s.push_str(&format!(
                    " ✓ solved ({})",
                    index.date.as_deref().unwrap_or("index of unknown date")
                ));
            }
        }
        if let Some(date) = self
            .index_as_of
            .as_ref()
            .filter(|_| self.status == Status::Yes)
        {
            s.push_str(&format!(" (index as of {date})"));
        }
        if !self.reasons.is_empty() && self.status != Status::Yes {
            s.push_str(": ");
            s.push_str(&self.reasons.join("; "));
        }
        s
    }
}

/// A package the artifact depends on at run time on one release.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dependency {
    /// The package name.
    pub package: String,
    /// The relation the distro's tooling would write (`libc6 (>= 2.34)`), when known.
    pub relation: Option<String>,
    /// The sonames that pulled it in.
    pub sonames: Vec<String>,
}

/// One release's answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The release id.
    pub release: ReleaseId,
    /// Its display name.
    pub name: String,
    /// The package format syspack writes for it (`deb`…), or `apk` (not written).
    pub format: String,
    /// The compression of the package that installs (given or prescribed).
    pub compression: Option<String>,
    /// Installs?
    pub installs: Cell,
    /// Runs?
    pub runs: Cell,
    /// Builds from system libraries?
    pub builds: Cell,
    /// Libraries that must be vendored to build there.
    pub vendored: Vec<String>,
    /// Run-time package dependencies, sorted by package.
    pub dependencies: Vec<Dependency>,
    /// Packages holding the headers a system build needs.
    pub build_dependencies: Vec<String>,
}

impl Row {
    /// The cell of `column`.
    pub fn cell(&self, column: Column) -> &Cell {
        match column {
            Column::Installs => &self.installs,
            Column::Runs => &self.runs,
            Column::Builds => &self.builds,
        }
    }

    fn cell_mut(&mut self, column: Column) -> &mut Cell {
        match column {
            Column::Installs => &mut self.installs,
            Column::Runs => &mut self.runs,
            Column::Builds => &mut self.builds,
        }
    }
}

/// The whole matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The artifact's name.
    pub artifact: String,
    /// What the binary needs (`GLIBC_` 2.34, …), for the header of a rendering.
    pub needs: Vec<String>,
    /// The C libraries compiled into the artifact (`sqlite 3.46.0`): its vendored provenance and
    /// what the bundled-library audit found ([`crate::audit`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundled: Vec<String>,
    /// One row per release, in the order the releases were given.
    pub rows: Vec<Row>,
}

impl Matrix {
    /// Attaches proofs to the cells they prove; a proof for a release not in the matrix is
    /// returned unused.
    pub fn attach_proofs(&mut self, proofs: &[Proof]) -> Vec<Proof> {
        let mut unused = Vec::new();
        for proof in proofs {
            match self.rows.iter_mut().find(|r| r.release == proof.release) {
                Some(row) => {
                    let cell = row.cell_mut(proof.column);
                    cell.proofs.push(proof.clone());
                    cell.proofs.sort_by(|a, b| {
                        (&a.date, &a.step, &a.package).cmp(&(&b.date, &b.step, &b.package))
                    });
                }
                None => unused.push(proof.clone()),
            }
        }
        unused
    }

    /// The row of `release`.
    pub fn row(&self, release: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.release.as_str() == release)
    }

    /// True when every applicable cell of every row is yes (for `syspack matrix`'s exit code).
    pub fn all_yes(&self) -> bool {
        self.rows.iter().all(|r| {
            [&r.installs, &r.runs, &r.builds]
                .iter()
                .all(|c| matches!(c.status, Status::Yes | Status::NotApplicable))
        })
    }
}

/// Computes the matrix. `min_versions` maps syspack library names (`zstd`) to the minimum version
/// the project's sys crates accept.
pub fn compute(
    artifact: &Artifact,
    min_versions: &BTreeMap<String, Version>,
    releases: &[&Release],
) -> Matrix {
    let needs = artifact
        .elf
        .as_ref()
        .map(|e| {
            e.version_needs()
                .into_iter()
                .map(|(p, v)| format!("{p}{v}"))
                .collect()
        })
        .unwrap_or_default();
    let bundled = artifact
        .provenance
        .iter()
        .filter(|p| p.mode == LinkMode::Vendored)
        .map(|p| match &p.version {
            Some(v) => format!("{} {v}", p.library),
            None => p.library.clone(),
        })
        .collect();
    Matrix {
        schema: SCHEMA,
        artifact: artifact.name.clone(),
        needs,
        bundled,
        rows: releases
            .iter()
            .map(|r| row(artifact, min_versions, r))
            .collect(),
    }
}

fn row(artifact: &Artifact, min_versions: &BTreeMap<String, Version>, release: &Release) -> Row {
    let (installs, compression) = installs(artifact, release);
    let (runs, dependencies) = runs(artifact, release);
    let (builds, vendored, build_dependencies) = builds(min_versions, release);
    Row {
        release: release.id.clone(),
        name: release.name.clone(),
        format: release.package_format.name().to_string(),
        compression,
        installs,
        runs,
        builds,
        vendored,
        dependencies,
        build_dependencies,
    }
}

fn pm_label(release: &Release) -> String {
    match release.package_manager.version.known() {
        Some(v) => format!("{} {v}", release.package_manager.name),
        None => release.package_manager.name.clone(),
    }
}

/// The machine the artifact is for, as far as `release` is concerned: the architecture its
/// packages of the release's format declare (given packages), else its ELF binary's machine.
/// `None` when nothing says (an unknown spelling, no binary).
fn artifact_arch(artifact: &Artifact, release: &Release) -> Option<Arch> {
    if artifact.packages.is_empty() {
        return artifact.elf.as_ref().map(|e| e.machine);
    }
    let format = release.format?;
    let declared: Vec<Arch> = artifact
        .packages
        .iter()
        .filter(|p| p.format == format)
        .filter_map(|p| p.arch)
        .collect();
    // Packages for several machines: judged by the one the release has, if any.
    declared
        .iter()
        .copied()
        .find(|a| release.architectures.known().is_some_and(|k| k.has(*a)))
        .or(declared.first().copied())
}

/// A no when the release is not made for the artifact's machine (`arch` has x86_64 only; Debian
/// 12 has no riscv64): its package manager refuses the package, and nothing there runs it.
fn foreign_machine(artifact: &Artifact, release: &Release) -> Option<Cell> {
    let arch = artifact_arch(artifact, release)?;
    let have = release.architectures.known()?;
    if have.has(arch) {
        return None;
    }
    Some(Cell::with(
        Status::No,
        format!(
            "{} is made for {have}, not {} ({})",
            release.id,
            arch.canonical(),
            release.architectures.source
        ),
        release.architectures.confidence,
    ))
}

fn installs(artifact: &Artifact, release: &Release) -> (Cell, Option<String>) {
    if let Some(cell) = foreign_machine(artifact, release) {
        return (cell, None);
    }
    let Some(format) = release.format else {
        return (
            Cell::with(
                Status::No,
                format!(
                    "syspack writes no {} package",
                    release.package_format.name()
                ),
                Confidence::Verified,
            ),
            None,
        );
    };
    if artifact.packages.is_empty() {
        let c = release.default_compression();
        let kind = CompressionKind::of(c);
        let fact_conf = release
            .reads_fact(kind)
            .map_or(Confidence::Unverified, |f| f.confidence)
            .and(release.package_manager.default_compression.confidence);
        let mut cell = Cell::new(if release.can_read(c) {
            Status::Yes
        } else {
            Status::Unknown
        });
        cell.confidence = fact_conf;
        cell.reasons
            .push(format!("{} with {} (prescribed)", format.name(), kind));
        return (cell, Some(kind.name().to_string()));
    }
    let candidates: Vec<&PackageArtifact> = artifact
        .packages
        .iter()
        .filter(|p| p.format == format)
        .collect();
    if candidates.is_empty() {
        return (
            Cell::with(
                Status::No,
                format!("no {} package given", format.name()),
                Confidence::Verified,
            ),
            None,
        );
    }
    // pkg refuses a package whose ABI is not its system's (freebsd/pkg `libpkg/pkg_abi.c`).
    let other_abi: Vec<u32> = candidates
        .iter()
        .filter_map(|p| p.freebsd_major)
        .filter(|m| release.freebsd_major.is_some_and(|have| have != *m))
        .collect();
    if !other_abi.is_empty() && other_abi.len() == candidates.len() {
        let have = release.freebsd_major.unwrap_or_default();
        return (
            Cell::with(
                Status::No,
                format!(
                    "package ABI FreeBSD:{}, pkg on FreeBSD {have} installs FreeBSD:{have} packages only",
                    other_abi[0]
                ),
                Confidence::Verified,
            ),
            None,
        );
    }
    let mut unknown = None;
    let mut refused = Vec::new();
    for p in &candidates {
        let kind = CompressionKind::of(p.compression);
        let fact = release.reads_fact(kind);
        match fact.and_then(|f| f.known().copied()) {
            Some(true) => {
                let mut cell = Cell::new(Status::Yes);
                cell.confidence = fact.map_or(Confidence::Unverified, |f| f.confidence);
                declared_depends(&mut cell, p, release);
                return (cell.finish(), Some(kind.name().to_string()));
            }
            Some(false) => {
                refused.push((kind, fact.map_or(Confidence::Unverified, |f| f.confidence)))
            }
            None => unknown = Some(kind),
        }
    }
    if let Some(kind) = unknown {
        return (
            Cell::with(
                Status::Unknown,
                format!("not known whether {} reads {kind}", pm_label(release)),
                Confidence::Unverified,
            ),
            Some(kind.name().to_string()),
        );
    }
    let readable: Vec<&str> = release
        .package_manager
        .reads
        .iter()
        .filter(|(_, f)| f.known() == Some(&true))
        .map(|(k, _)| k.name())
        .filter(|k| *k != "none")
        .collect();
    let (kind, conf) = refused[0];
    (
        Cell::with(
            Status::No,
            format!(
                "{} cannot read {kind}; use {}",
                pm_label(release),
                readable.join(" or ")
            ),
            conf,
        ),
        Some(kind.name().to_string()),
    )
}

/// A `.deb`'s declared dependencies against the release's index: a group of alternatives that
/// no package of the release satisfies is a definite no (`libc6 (>= 2.34)` on Debian 11, which
/// has 2.31), citing the index's `Packages` file and date. The index lists the library
/// packages, not `Provides`: a group is judged only when every alternative names a package the
/// index has (a renamed library's old name, which the new package provides, is not one: the
/// shipped indexes have `libssl3t64` but no `libssl3` for Ubuntu 24.04, `libgcc-s1` but no
/// `libgcc1`). The rest is left to the solver (`--solve` with the release's `Packages`), which
/// reads every package.
fn declared_depends(cell: &mut Cell, package: &PackageArtifact, release: &Release) {
    let index = crate::kb::index::get(release.id.as_str());
    let Some(ix) = index.filter(|_| package.format == Format::Deb) else {
        return;
    };
    for group in &package.depends {
        let mut have = Vec::new();
        for alternative in group.split('|') {
            let Some((name, constraint)) = deb_relation(alternative) else {
                break;
            };
            let Some(version) = ix.version(name) else {
                break;
            };
            let holds = constraint.is_none_or(|(op, want)| {
                op_holds(op, crate::kb::debversion::compare(version, want))
            });
            if holds {
                break;
            }
            have.push(format!("{name} {version}"));
        }
        if have.len() == group.split('|').count() {
            let reason = format!(
                "depends on `{}`, and {} has {} ({})",
                group.trim(),
                release.id,
                have.join(", "),
                ix.packages_source()
            );
            cell.index_as_of = Some(ix.date.clone());
            cell.declared_refusals.push(reason.clone());
            cell.add(Status::No, reason, Confidence::Verified);
        }
    }
}

/// One alternative of a Debian relation field (`libc6 (>= 2.34)`, `python3:any`): the package
/// name without its architecture qualifier and the constraint, with dpkg's meaning of the
/// deprecated `<` and `>` (or equal, deb-control(5)); `None` for what is not one.
fn deb_relation(text: &str) -> Option<(&str, Option<(&str, &str)>)> {
    let text = text.trim();
    let (name, rest) = match text.split_once('(') {
        Some((n, r)) => (n.trim(), Some(r.strip_suffix(')')?.trim())),
        None => (text, None),
    };
    let name = name.split_once(':').map_or(name, |(n, _)| n);
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let Some(rest) = rest else {
        return Some((name, None));
    };
    let op_len = rest
        .find(|c: char| !matches!(c, '<' | '>' | '='))
        .unwrap_or(rest.len());
    let (op, version) = (&rest[..op_len], rest[op_len..].trim());
    let op = match op {
        "<<" => "<<",
        "<=" | "<" => "<=",
        "=" => "=",
        ">=" | ">" => ">=",
        ">>" => ">>",
        _ => return None,
    };
    (!version.is_empty()).then_some((name, Some((op, version))))
}

/// Whether `have` compared with the wanted version (`ordering`) satisfies Debian's `op`.
fn op_holds(op: &str, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        "<<" => ordering == Less,
        "<=" => ordering != Greater,
        "=" => ordering == Equal,
        ">=" => ordering != Less,
        _ => ordering == Greater,
    }
}

/// A definite no from the release's index: no package of it ships `soname` (`source` names the
/// index file); the cell carries the index's as-of date. The index lists the library
/// directories the loader searches by default ([`crate::kb::index::LIB_DIRS`]); when the binary
/// also searches a `DT_RUNPATH` outside them (systemd's `/usr/lib/x86_64-linux-gnu/systemd`,
/// `$ORIGIN/../lib`), a soname the index lacks may be there: unknown, not no.
fn not_shipped(cell: &mut Cell, release: &Release, elf: &ElfInfo, soname: &str, source: &str) {
    cell.index_as_of = crate::kb::index::get(release.id.as_str()).map(|ix| ix.date.clone());
    let elsewhere: Vec<&str> = elf
        .runpath
        .iter()
        .map(String::as_str)
        .filter(|dir| {
            let dir = dir.trim_end_matches('/');
            !crate::kb::index::LIB_DIRS
                .iter()
                .any(|lib| dir.strip_prefix('/') == Some(lib))
        })
        .collect();
    if !elsewhere.is_empty() {
        cell.add(
            Status::Unknown,
            format!(
                "needs {soname}, which {} does not ship in its library directories ({source}); \
                 the binary also searches its RUNPATH `{}`, which the index does not list",
                release.id,
                elsewhere.join(":")
            ),
            Confidence::Unverified,
        );
        return;
    }
    cell.add(
        Status::No,
        format!(
            "needs {soname}, which {} does not ship ({source})",
            release.id
        ),
        Confidence::Verified,
    );
}

fn runs(artifact: &Artifact, release: &Release) -> (Cell, Vec<Dependency>) {
    let Some(elf) = &artifact.elf else {
        return (
            Cell::with(Status::NotApplicable, "no ELF binary", Confidence::Verified),
            Vec::new(),
        );
    };
    if let Some(cell) = foreign_machine(artifact, release) {
        return (cell, Vec::new());
    }
    let on_freebsd = release.family == Family::Freebsd;
    match (elf.os, on_freebsd) {
        (TargetOs::FreeBsd, false) => {
            return (
                Cell::with(Status::No, "FreeBSD binary", Confidence::Verified),
                Vec::new(),
            );
        }
        (TargetOs::Linux, true) => {
            return (
                Cell::with(
                    Status::No,
                    "Linux binary; build for FreeBSD",
                    Confidence::Verified,
                ),
                Vec::new(),
            );
        }
        (TargetOs::FreeBsd, true) => {
            // FreeBSD runs binaries built for its own and older major versions (with the
            // compat libraries of older ones), never for a newer one: the ABI note's
            // `__FreeBSD_version` says which it was built for (docs/freebsd.md).
            if let (Some(built), Some(have)) = (elf.freebsd_major(), release.freebsd_major) {
                if built > have {
                    return (
                        Cell::with(
                            Status::No,
                            format!(
                                "built for FreeBSD {built} (ABI note {}), runs on {built} and newer",
                                elf.freebsd_version.unwrap_or_default()
                            ),
                            Confidence::Verified,
                        ),
                        Vec::new(),
                    );
                }
            }
        }
        _ => {}
    }
    let mut cell = Cell::new(Status::Yes);
    match (elf.libc, release.libc.kind) {
        (Libc::Glibc, LibcKind::Musl) => {
            return (
                Cell::with(Status::No, "needs glibc, has musl", Confidence::Verified),
                Vec::new(),
            );
        }
        (Libc::Musl, LibcKind::Glibc) => {
            return (
                Cell::with(Status::No, "needs musl, has glibc", Confidence::Verified),
                Vec::new(),
            );
        }
        (Libc::Glibc, LibcKind::Glibc) => {
            if let Some(need) = elf.max_version("GLIBC_") {
                let conf = release.libc.version.confidence;
                match release.libc.version.known() {
                    Some(have) if &need > have => {
                        cell.add(Status::No, format!("needs GLIBC_{need}, has {have}"), conf)
                    }
                    Some(_) => cell.confidence = cell.confidence.and(conf),
                    None => cell.add(
                        Status::Unknown,
                        format!("needs GLIBC_{need}; glibc version unknown"),
                        conf,
                    ),
                }
            }
        }
        _ => {}
    }
    // Where the release's index has the library's symbols file, its version nodes say whether
    // the library defines every version the binary needs (a symbols file lists each node as a
    // symbol `NODE@NODE`, and dpkg-gensymbols keeps it complete).
    let index =
        crate::kb::index::get(release.id.as_str()).filter(|_| release.format == Some(Format::Deb));
    let mut checked: Vec<&str> = Vec::new();
    if let Some(ix) = index {
        for (so, versions) in &elf.symbol_versions {
            let Some(o) = ix.symbols.get(so) else {
                continue;
            };
            for prefix in ["GLIBCXX_", "CXXABI_", "GCC_"] {
                let wanted: Vec<&String> =
                    versions.iter().filter(|v| v.starts_with(prefix)).collect();
                if wanted.is_empty() {
                    continue;
                }
                checked.push(prefix);
                for v in wanted.into_iter().filter(|v| !o.nodes.contains(*v)) {
                    cell.add(
                        Status::No,
                        format!(
                            "needs {v}, which {so} of {} does not define (symbols file of {})",
                            release.id,
                            o.deb.rsplit('/').next().unwrap_or(&o.deb)
                        ),
                        Confidence::Verified,
                    );
                }
            }
        }
    }
    for prefix in ["GLIBCXX_", "CXXABI_", "GCC_"] {
        if checked.contains(&prefix) {
            continue;
        }
        if let Some(v) = elf.max_version(prefix) {
            // The data has no libstdc++/libgcc version nodes: without a fact there is no answer.
            cell.add(
                Status::Unknown,
                format!("needs {prefix}{v}; not checked (no data)"),
                Confidence::Unverified,
            );
        }
    }
    let max_glibc = elf.max_version("GLIBC_");
    // Where the release has an index with the libraries' symbols files: what dpkg-shlibdeps
    // writes for the symbols the artifact imports (crate::kb::shlibdeps).
    let shlibdeps: Vec<String> = match crate::kb::index::get(release.id.as_str()) {
        Some(ix) if release.format == Some(Format::Deb) => {
            let needed: Vec<String> = elf
                .needed
                .iter()
                .filter(|so| ix.provider(so).is_some())
                .cloned()
                .collect();
            let mut d = crate::kb::shlibdeps::DebDepends::default();
            d.add_file(ix, &needed, &elf.imports, &elf.symbol_versions);
            d.relations()
        }
        _ => Vec::new(),
    };
    let mut deps: BTreeMap<String, Dependency> = BTreeMap::new();
    let index_date = || crate::kb::index::get(release.id.as_str()).map(|ix| ix.date.clone());
    for soname in &elf.needed {
        let table = release.package_for_soname(soname);
        // The release's complete file list (its index) decides before the hand-kept table:
        // a soname it shows no package ships is a definite no, whatever the table says (the
        // base system's libraries, which a FreeBSD packagesite does not list, excepted).
        if let Some((false, source)) = release.ships_soname(soname) {
            if table.as_ref().is_none_or(|p| p.package.is_some()) {
                not_shipped(&mut cell, release, elf, soname, &source);
                continue;
            }
        }
        match table {
            Some(p) => {
                cell.confidence = cell.confidence.and(p.confidence);
                match p.repository {
                    Repository::Epel => cell.reasons.push(format!("{soname} from EPEL")),
                    Repository::Ports => cell.reasons.push(format!("{soname} from ports")),
                    Repository::Extra => cell
                        .reasons
                        .push(format!("{soname} from an extra repository")),
                    Repository::Base => {}
                }
                let Some(table_pkg) = p.package else { continue };
                // The package the index says ships it, where it names another than the table.
                let from_index = crate::kb::index::get(release.id.as_str())
                    .and_then(|ix| ix.provider(soname))
                    .filter(|i| *i != table_pkg.as_str());
                if from_index.is_some() {
                    cell.index_as_of = index_date();
                }
                let pkg = match from_index {
                    Some(i) => i.to_string(),
                    None => table_pkg.to_string(),
                };
                let computed: Vec<&str> = shlibdeps
                    .iter()
                    .map(String::as_str)
                    .filter(|r| r.split([' ', '(']).next() == Some(pkg.as_str()))
                    .collect();
                let relation = if !computed.is_empty() {
                    Some(computed.join(", "))
                } else if p.libc && release.format == Some(Format::Deb) {
                    max_glibc.as_ref().map(|v| format!("{pkg} (>= {v})"))
                } else if from_index.is_none() {
                    p.depends.clone()
                } else {
                    None
                };
                let dep = deps.entry(pkg.to_string()).or_insert_with(|| Dependency {
                    package: pkg.to_string(),
                    relation: None,
                    sonames: Vec::new(),
                });
                if dep.relation.is_none() {
                    dep.relation = relation;
                }
                dep.sonames.push(soname.clone());
            }
            None => {
                let stem = soname.split(".so").next().unwrap_or(soname);
                let other = release
                    .libraries
                    .values()
                    .filter_map(|l| l.soname.known())
                    .find(|s| s.as_str().split(".so").next() == Some(stem) && s.as_str() != soname);
                // A definite no needs a fact: the release's complete file list (a derived soname
                // index). Another soname of the same library in the data is only a hint.
                let from_index =
                    crate::kb::index::get(release.id.as_str()).and_then(|ix| ix.provider(soname));
                match (release.ships_soname(soname), other) {
                    // The release's file list names the package: a fact, as good as the table's.
                    (Some((true, source)), _) if from_index.is_some() => {
                        let pkg = from_index.unwrap_or_default().to_string();
                        // A yes from the index: its source and as-of date go with the cell.
                        cell.index_as_of = index_date();
                        cell.reasons.push(format!("{soname} from {pkg} ({source})"));
                        let computed: Vec<&str> = shlibdeps
                            .iter()
                            .map(String::as_str)
                            .filter(|r| r.split([' ', '(']).next() == Some(pkg.as_str()))
                            .collect();
                        let dep = deps.entry(pkg.clone()).or_insert_with(|| Dependency {
                            package: pkg,
                            relation: None,
                            sonames: Vec::new(),
                        });
                        if dep.relation.is_none() && !computed.is_empty() {
                            dep.relation = Some(computed.join(", "));
                        }
                        dep.sonames.push(soname.clone());
                    }
                    (Some((false, source)), _) => {
                        not_shipped(&mut cell, release, elf, soname, &source)
                    }
                    (_, Some(s)) => cell.add(
                        Status::Unknown,
                        format!("needs {soname}; the data knows only {s} (no file list)"),
                        Confidence::Unverified,
                    ),
                    (_, None) => cell.add(
                        Status::Unknown,
                        format!("no data for {soname}"),
                        Confidence::Unverified,
                    ),
                }
            }
        }
    }
    (cell.finish(), deps.into_values().collect())
}

fn builds(
    min_versions: &BTreeMap<String, Version>,
    release: &Release,
) -> (Cell, Vec<String>, Vec<String>) {
    if min_versions.is_empty() {
        return (
            Cell::with(Status::NotApplicable, "no sys crates", Confidence::Verified),
            Vec::new(),
            Vec::new(),
        );
    }
    let mut cell = Cell::new(Status::Yes);
    let mut vendored = Vec::new();
    let mut build_deps = Vec::new();
    for (lib, min) in min_versions {
        let Some(fact) = release.library(lib) else {
            cell.add(
                Status::Unknown,
                format!("no data for {lib}"),
                Confidence::Unverified,
            );
            continue;
        };
        let conf = fact.version.confidence;
        match fact.version.known() {
            Some(have) if have < min => {
                cell.add(Status::No, format!("{lib} {have} < {min}"), conf);
                vendored.push(lib.clone());
                continue;
            }
            Some(_) => cell.confidence = cell.confidence.and(conf),
            None => {
                cell.add(
                    Status::Unknown,
                    format!("{lib} version unknown (needs {min})"),
                    conf,
                );
                continue;
            }
        }
        match fact.repository {
            Repository::Epel => cell.reasons.push(format!("{lib} from EPEL")),
            Repository::Ports => cell.reasons.push(format!("{lib} from ports")),
            Repository::Extra => cell.reasons.push(format!("{lib} from an extra repository")),
            Repository::Base => {}
        }
        if let Some(dev) = fact.dev.known().and_then(|d| d.package()) {
            build_deps.push(dev.to_string());
        }
    }
    build_deps.sort();
    build_deps.dedup();
    (cell.finish(), vendored, build_deps)
}
