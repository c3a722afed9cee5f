//! apt repositories: `dists/<suite>/`, `pool/`, signed `Release`/`InRelease`.
//!
//! The layout is the Debian archive format (<https://wiki.debian.org/DebianRepository/Format>):
//!
//! ```text
//! pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb
//! dists/<suite>/{InRelease,Release,Release.gpg}
//! dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}
//! dists/<suite>/<component>/binary-<arch>/by-hash/SHA256/<sha256 of an index>
//! .syspack/apt/<suite>/<component>/<package>_<version>_<arch>.stanza
//! ```
//!
//! A suite is a channel (`testing`, `stable`): each is a complete repository signed on its own,
//! and all share `pool/`.
//!
//! # Adding reads only the new packages
//!
//! Each package's `Packages` stanza is kept in `.syspack/apt/` when it is added, so rewriting a
//! suite's indexes reads those small files, never the packages already in the pool.
//!
//! # Publication order
//!
//! New pool files and stanzas first; then every index under its `by-hash/SHA256/` name (apt reads
//! indexes by hash when `Release` says `Acquire-By-Hash: yes`, so a client holding the previous
//! `InRelease` still finds the indexes it names: old by-hash files are kept); then the indexes
//! under their plain names; then `Release` and `Release.gpg`; `InRelease` last. Every file is
//! written atomically ([`crate::store`]), so a writer killed at any point leaves the previous
//! `InRelease` and everything it names intact.
//!
//! # Reproducible
//!
//! `Date` is `SOURCE_DATE_EPOCH` when set, else the newest file time inside the suite's packages;
//! the signatures carry the same time (raised to the time the key is bound, see [`crate::sign`]), so the same packages
//! and key give byte-identical metadata.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};
use syspack_distro::compress::{Compression, Encoder};
use syspack_distro::deb;

use crate::error::{Error, Result};
use crate::sign::{Signer, Verifier};
use crate::store;

/// Where the per-package stanzas live, relative to the repository.
pub const STANZA_DIR: &str = ".syspack/apt";

/// The settings of one suite's publication.
#[derive(Clone, Debug)]
pub struct Options {
    /// The suite (a channel: `testing`, `stable`, …).
    pub suite: String,
    /// The component (`main`).
    pub component: String,
    /// `Origin` and `Label` of `Release`.
    pub origin: String,
    /// `Date` (seconds since the epoch); `None` takes the newest package's time.
    pub date: Option<u64>,
    /// `Valid-Until` is `Date` plus this many seconds, when set.
    pub valid_for: Option<u64>,
    /// Keep at most this many versions of each package and architecture (newest by dpkg's
    /// version order) when adding; older ones leave the suite, and their pool files go when no
    /// suite names them.
    pub keep: Option<usize>,
}

impl Options {
    /// `suite` with component `main`, origin `syspack`, dates from the packages.
    pub fn new(suite: &str) -> Self {
        Options {
            suite: suite.to_string(),
            component: "main".to_string(),
            origin: "syspack".to_string(),
            date: None,
            valid_for: None,
            keep: None,
        }
    }
}

/// One stanza file: the package's newest file time on the first line, then the stanza.
struct Stanza {
    time: u64,
    arch: String,
    text: String,
}

fn name_ok(what: &str, value: &str) -> Result<()> {
    if crate::store::is_safe_name(value, ".+-_~:") {
        Ok(())
    } else {
        Err(Error::invalid(
            what,
            format!("`{value}` is not a valid name (letters, digits, . + - _ ~ only)"),
        ))
    }
}

/// Adds `.deb` files to the repository under `dir` and republishes the suite.
///
/// Each package is read and verified (its md5sums), copied into `pool/` under its canonical name
/// and recorded as a stanza. The same file added again changes nothing; a different file with
/// the same name, version and architecture is refused.
pub fn add(
    dir: &Path,
    packages: &[PathBuf],
    opts: &Options,
    signer: &Signer,
) -> Result<Vec<PathBuf>> {
    name_ok("suite", &opts.suite)?;
    name_ok("component", &opts.component)?;
    let mut added = Vec::new();
    for path in packages {
        added.push(add_one(dir, path, opts)?);
    }
    let mut dropped = Vec::new();
    if let Some(keep) = opts.keep {
        // (package, architecture) -> [(version, stanza stem, pool file)]
        type Versions = Vec<(String, String, Option<String>)>;
        let mut by_name: BTreeMap<(String, String), Versions> = BTreeMap::new();
        for (stem, stanza) in read_stanzas(dir, opts)? {
            let f = |name: &str| field(&stanza.text, name).map(str::to_string);
            let key = (f("Package").unwrap_or_default(), stanza.arch.clone());
            by_name.entry(key).or_default().push((
                f("Version").unwrap_or_default(),
                stem,
                f("Filename"),
            ));
        }
        for versions in by_name.values_mut() {
            versions.sort_by(|a, b| compare_versions(&b.0, &a.0));
            for (_, stem, file) in versions.iter().skip(keep.max(1)) {
                let p = stanza_path(dir, opts, stem);
                fs::remove_file(&p).map_err(|e| Error::io(&p, "removing", e))?;
                dropped.extend(file.clone());
            }
        }
    }
    publish(dir, opts, signer)?;
    delete_unreferenced(dir, opts, dropped)?;
    Ok(added)
}

pub(crate) fn field<'a>(stanza: &'a str, name: &str) -> Option<&'a str> {
    stanza
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(": ")))
        .map(str::trim)
}

/// dpkg's version order (deb-version(7), dpkg's `lib/dpkg/version.c`), shared with the
/// knowledge base.
pub use syspack_distro::kb::debversion::compare as compare_versions;

fn add_one(dir: &Path, path: &Path, opts: &Options) -> Result<PathBuf> {
    let reader = deb::Reader::open(path)?;
    let control = reader.metadata();
    let field = |name: &str| {
        control
            .get(name)
            .map(str::trim)
            .ok_or_else(|| Error::invalid(path, format!("the control file has no {name} field")))
    };
    let package = field("Package")?;
    let version = field("Version")?;
    let arch = field("Architecture")?;
    name_ok("package name", package)?;
    name_ok("version", version)?;
    name_ok("architecture", arch)?;
    let source = control
        .get("Source")
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or(package);
    name_ok("source name", source)?;
    let prefix = if source.starts_with("lib") && source.len() > 3 {
        &source[..4]
    } else {
        &source[..1]
    };
    let upstream = version.split_once(':').map_or(version, |(_, v)| v);
    let file_name = format!("{package}_{upstream}_{arch}.deb");
    let rel = format!("pool/{}/{prefix}/{source}/{file_name}", opts.component);
    let bytes = fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let pool = dir.join(&rel);
    store::put_package(path, &pool, &bytes, |_| false)?;
    let mut text = String::new();
    let mut description = None;
    for (name, value) in control.fields() {
        if name.eq_ignore_ascii_case("Description") {
            description = Some(value);
        } else {
            text.push_str(&format!("{name}: {value}\n"));
        }
    }
    text.push_str(&format!(
        "Filename: {rel}\nSize: {}\nMD5sum: {:x}\nSHA256: {sha256}\n",
        bytes.len(),
        Md5::digest(&bytes)
    ));
    if let Some(d) = description {
        text.push_str(&format!("Description: {d}\n"));
    }
    let time = reader.entries().iter().map(|e| e.mtime).max().unwrap_or(0);
    let stanza = stanza_path(dir, opts, &format!("{package}_{upstream}_{arch}"));
    store::write_atomic(&stanza, format!("{time}\n{text}").as_bytes())?;
    Ok(pool)
}

pub(crate) fn stanza_path(dir: &Path, opts: &Options, stem: &str) -> PathBuf {
    dir.join(STANZA_DIR)
        .join(&opts.suite)
        .join(&opts.component)
        .join(format!("{stem}.stanza"))
}

/// The components of a suite that have stanzas.
pub(crate) fn components(dir: &Path, suite: &str) -> Result<Vec<String>> {
    let sdir = dir.join(STANZA_DIR).join(suite);
    let mut out = Vec::new();
    for e in crate::store::list_dir(&sdir)? {
        let e = e?;
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// The stanzas of one suite and component: stanza file stem -> stanza text (without the time).
pub(crate) fn stanzas(dir: &Path, opts: &Options) -> Result<BTreeMap<String, String>> {
    Ok(read_stanzas(dir, opts)?
        .into_iter()
        .map(|(stem, s)| (stem, s.text))
        .collect())
}

fn read_stanzas(dir: &Path, opts: &Options) -> Result<BTreeMap<String, Stanza>> {
    let sdir = dir.join(STANZA_DIR).join(&opts.suite).join(&opts.component);
    let mut out = BTreeMap::new();
    for entry in crate::store::list_dir(&sdir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".stanza") else {
            continue;
        };
        let path = entry.path();
        let raw = fs::read_to_string(&path).map_err(|e| Error::io(&path, "reading", e))?;
        let (time, text) = raw
            .split_once('\n')
            .and_then(|(t, rest)| Some((t.parse().ok()?, rest)))
            .ok_or_else(|| {
                Error::invalid(
                    &path,
                    "not a syspack stanza file (remove it and add its package again)",
                )
            })?;
        let arch = stem.rsplit('_').next().unwrap_or("").to_string();
        out.insert(
            stem.to_string(),
            Stanza {
                time,
                arch,
                text: text.to_string(),
            },
        );
    }
    Ok(out)
}

pub(crate) fn compress(data: &[u8], compression: Compression) -> Result<Vec<u8>> {
    let mut enc = Encoder::new(Vec::new(), compression)
        .map_err(|e| Error::io("(memory)", "compressing", e))?;
    enc.write_all(data)
        .map_err(|e| Error::io("(memory)", "compressing", e))?;
    enc.finish()
        .map_err(|e| Error::io("(memory)", "compressing", e))
}

/// An RFC 1123 date in UTC as Debian's `Release` files write it.
fn release_date(secs: u64) -> String {
    let d = syspack_distro::date::rfc2822(secs);
    format!("{} UTC", d.trim_end_matches(" +0000"))
}

/// Rewrites the indexes and signed `Release` files of a suite from its stanzas.
pub fn publish(dir: &Path, opts: &Options, signer: &Signer) -> Result<()> {
    let stanzas = read_stanzas(dir, opts)?;
    let mut archs: BTreeSet<String> = stanzas
        .values()
        .filter(|s| s.arch != "all")
        .map(|s| s.arch.clone())
        .collect();
    if archs.is_empty() {
        archs.insert("amd64".to_string());
    }
    let date = opts
        .date
        .unwrap_or_else(|| stanzas.values().map(|s| s.time).max().unwrap_or(0));
    let suite_dir = dir.join("dists").join(&opts.suite);
    // (path relative to the suite, bytes)
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for arch in &archs {
        let mut packages = String::new();
        for s in stanzas
            .values()
            .filter(|s| &s.arch == arch || s.arch == "all")
        {
            if !packages.is_empty() {
                packages.push('\n');
            }
            packages.push_str(&s.text);
        }
        let base = format!("{}/binary-{arch}", opts.component);
        let plain = packages.into_bytes();
        // xz -6 is most of a publication's CPU (0.4 s for 5,000 packages); gzip runs beside it.
        let (gz, xz) = std::thread::scope(|scope| {
            let xz = scope.spawn(|| compress(&plain, Compression::DEFAULT_XZ));
            let gz = compress(&plain, Compression::Gzip { level: 9 });
            (
                gz,
                xz.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        let (gz, xz) = (gz?, xz?);
        files.push((format!("{base}/Packages"), plain));
        files.push((format!("{base}/Packages.gz"), gz));
        files.push((format!("{base}/Packages.xz"), xz));
    }
    // Indexes by hash first: nothing names them until the new InRelease is in place.
    for (rel, bytes) in &files {
        let parent = Path::new(rel).parent().unwrap_or(Path::new(""));
        let by_hash = suite_dir
            .join(parent)
            .join("by-hash/SHA256")
            .join(hex::encode(Sha256::digest(bytes)));
        store::write_once(&by_hash, bytes)?;
    }
    for (rel, bytes) in &files {
        store::write_once(&suite_dir.join(rel), bytes)?;
    }
    let mut release = format!(
        "Origin: {origin}\nLabel: {origin}\nSuite: {suite}\nCodename: {suite}\nDate: {date}\n",
        origin = opts.origin,
        suite = opts.suite,
        date = release_date(date),
    );
    if let Some(valid) = opts.valid_for {
        release.push_str(&format!("Valid-Until: {}\n", release_date(date + valid)));
    }
    release.push_str(&format!(
        "Acquire-By-Hash: yes\nArchitectures: {}\nComponents: {}\nDescription: {} packages published by syspack\n",
        archs.iter().cloned().collect::<Vec<_>>().join(" "),
        opts.component,
        opts.suite,
    ));
    release.push_str("MD5Sum:\n");
    for (rel, bytes) in &files {
        release.push_str(&format!(
            " {:x} {:>16} {rel}\n",
            Md5::digest(bytes),
            bytes.len()
        ));
    }
    release.push_str("SHA256:\n");
    for (rel, bytes) in &files {
        release.push_str(&format!(
            " {:x} {:>16} {rel}\n",
            Sha256::digest(bytes),
            bytes.len()
        ));
    }
    let time = u32::try_from(date).unwrap_or(u32::MAX);
    let detached = signer.detached_armored(release.as_bytes(), time)?;
    let inline = signer.cleartext(&release, time)?;
    store::write_once(&suite_dir.join("Release"), release.as_bytes())?;
    store::write_once(&suite_dir.join("Release.gpg"), detached.as_bytes())?;
    store::write_once(&suite_dir.join("InRelease"), inline.as_bytes())?;
    Ok(())
}

/// A package as a suite's signed index names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPackage {
    /// `Package`.
    pub package: String,
    /// `Version`.
    pub version: String,
    /// `Architecture`.
    pub arch: String,
    /// `Filename`, relative to the repository (`pool/…`).
    pub filename: String,
    /// `Size`.
    pub size: String,
    /// `SHA256`.
    pub sha256: String,
}

/// Reads a suite's signed metadata: `InRelease` and `Release.gpg` verify with `verifier` and say
/// the same, and every index `Release` names exists with its size and SHA-256 (and under
/// `by-hash/`). Returns the packages the indexes name; their pool files are not read.
pub fn signed_packages(dir: &Path, suite: &str, verifier: &Verifier) -> Result<Vec<SignedPackage>> {
    let suite_dir = dir.join("dists").join(suite);
    let in_path = suite_dir.join("InRelease");
    let inline = fs::read_to_string(&in_path).map_err(|e| Error::io(&in_path, "reading", e))?;
    let release = verifier.verify_cleartext(&inline, &in_path)?;
    let rel_path = suite_dir.join("Release");
    let plain = fs::read(&rel_path).map_err(|e| Error::io(&rel_path, "reading", e))?;
    let gpg_path = suite_dir.join("Release.gpg");
    let sig = fs::read(&gpg_path).map_err(|e| Error::io(&gpg_path, "reading", e))?;
    verifier.verify_detached(&plain, &sig, &gpg_path)?;
    if plain.trim_ascii_end() != release.trim_end().as_bytes() {
        return Err(Error::invalid(
            &rel_path,
            "differs from the text signed in InRelease",
        ));
    }
    let mut out = Vec::new();
    let mut in_sha = false;
    for line in release.lines() {
        if !line.starts_with(' ') {
            in_sha = line == "SHA256:";
            continue;
        }
        if !in_sha {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [hash, size, rel] = parts[..] else {
            return Err(Error::invalid(
                &in_path,
                format!("malformed SHA256 line `{line}`"),
            ));
        };
        let path = suite_dir.join(rel);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, "reading", e))?;
        check(&path, &bytes, size, hash)?;
        let by_hash = path
            .parent()
            .unwrap_or(&suite_dir)
            .join("by-hash/SHA256")
            .join(hash);
        let b = fs::read(&by_hash).map_err(|e| Error::io(&by_hash, "reading", e))?;
        check(&by_hash, &b, size, hash)?;
        if rel.ends_with("/Packages") {
            let text =
                String::from_utf8(bytes).map_err(|_| Error::invalid(&path, "is not UTF-8"))?;
            for stanza in text.split("\n\n").filter(|s| !s.trim().is_empty()) {
                let get = |name: &str| {
                    field(stanza, name)
                        .map(str::to_string)
                        .ok_or_else(|| Error::invalid(&path, format!("a stanza without {name}")))
                };
                let file = get("Filename")?;
                if file.split('/').any(|c| c == ".." || c.is_empty()) {
                    return Err(Error::invalid(&path, format!("unsafe Filename `{file}`")));
                }
                let p = SignedPackage {
                    package: get("Package")?,
                    version: get("Version")?,
                    arch: get("Architecture")?,
                    filename: file,
                    size: get("Size")?,
                    sha256: get("SHA256")?,
                };
                // `all` packages appear in every architecture's index.
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    Ok(out)
}

/// Checks a suite: its signed metadata ([`signed_packages`]), and every package an index names
/// exists in the pool with its size and SHA-256. Returns the pool files the suite references
/// (relative to `dir`).
pub fn verify_suite(dir: &Path, suite: &str, verifier: &Verifier) -> Result<BTreeSet<String>> {
    let mut referenced = BTreeSet::new();
    for p in signed_packages(dir, suite, verifier)? {
        let pool = dir.join(&p.filename);
        let b = fs::read(&pool).map_err(|e| Error::io(&pool, "reading", e))?;
        check(&pool, &b, &p.size, &p.sha256)?;
        referenced.insert(p.filename);
    }
    Ok(referenced)
}

fn check(path: &Path, bytes: &[u8], size: &str, sha256: &str) -> Result<()> {
    let actual = hex::encode(Sha256::digest(bytes));
    if size != bytes.len().to_string() || actual != sha256 {
        return Err(Error::invalid(
            path,
            format!(
                "expected {size} bytes with sha256 {sha256}, found {} bytes with sha256 {actual}",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// Removes package `name` (every version, or only `version`) from a suite and republishes it;
/// pool files no suite names any more are deleted after the new `InRelease` is in place.
/// Returns the stanzas removed (`<package>_<version>_<arch>`).
pub fn remove(
    dir: &Path,
    name: &str,
    version: Option<&str>,
    opts: &Options,
    signer: &Signer,
) -> Result<Vec<String>> {
    name_ok("suite", &opts.suite)?;
    let stanzas = read_stanzas(dir, opts)?;
    let mut removed = Vec::new();
    let mut files = Vec::new();
    for (stem, stanza) in &stanzas {
        let field = |f: &str| {
            stanza
                .text
                .lines()
                .find_map(|l| l.strip_prefix(f).and_then(|v| v.strip_prefix(": ")))
                .map(str::trim)
        };
        if field("Package") == Some(name) && version.is_none_or(|v| field("Version") == Some(v)) {
            removed.push(stem.clone());
            files.extend(field("Filename").map(str::to_string));
        }
    }
    if removed.is_empty() {
        return Err(Error::invalid(
            dir.join("dists").join(&opts.suite),
            format!(
                "no package {name}{} in suite {}",
                version.map(|v| format!(" version {v}")).unwrap_or_default(),
                opts.suite
            ),
        ));
    }
    for stem in &removed {
        let p = stanza_path(dir, opts, stem);
        fs::remove_file(&p).map_err(|e| Error::io(&p, "removing", e))?;
    }
    publish(dir, opts, signer)?;
    delete_unreferenced(dir, opts, files)?;
    Ok(removed)
}

/// Deletes the pool `files` no suite's stanza names any more (channels share the pool); runs
/// after the new `InRelease` is in place.
fn delete_unreferenced(dir: &Path, opts: &Options, files: Vec<String>) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let mut still = BTreeSet::new();
    let root = dir.join(STANZA_DIR);
    for suite in fs::read_dir(&root).into_iter().flatten().flatten() {
        let mut o = opts.clone();
        o.suite = suite.file_name().to_string_lossy().into_owned();
        for s in read_stanzas(dir, &o)?.values() {
            if let Some(f) = field(&s.text, "Filename") {
                still.insert(f.to_string());
            }
        }
    }
    for f in files {
        if !still.contains(&f) {
            let p = dir.join(&f);
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&p, "removing", e)),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::compare_versions;

    /// The order agrees with `dpkg --compare-versions` on the cases deb-version(7) describes.
    #[test]
    fn versions_sort_as_dpkg_sorts_them() {
        let pairs = [
            ("1.0", "1.0"),
            ("1.0-1", "1.0-2"),
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0+b1"),
            ("1:0.9", "2.0"),
            ("1.0a", "1.0"),
            ("1.01", "1.1"),
            ("1.10", "1.9"),
            ("2.0-1~bpo", "2.0-1"),
            ("1.0-1.1", "1.0-1"),
            ("0:1.0", "1.0"),
            ("1.0.0-1", "1.0.1-1"),
            ("1.2-a", "1.2-~"),
        ];
        for (a, b) in pairs {
            for (x, y) in [(a, b), (b, a)] {
                let ours = compare_versions(x, y);
                let mut theirs = None;
                for (op, ord) in [
                    ("lt", std::cmp::Ordering::Less),
                    ("eq", std::cmp::Ordering::Equal),
                    ("gt", std::cmp::Ordering::Greater),
                ] {
                    let st = std::process::Command::new("dpkg")
                        .args(["--compare-versions", x, op, y])
                        .status()
                        .expect("dpkg runs (apt-get install -y dpkg)");
                    if st.success() {
                        theirs = Some(ord);
                    }
                }
                assert_eq!(Some(ours), theirs, "{x} vs {y}");
            }
        }
    }
}
