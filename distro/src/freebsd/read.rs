//! The FreeBSD package reader: the only validator of FreeBSD packages on machines without `pkg`.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{self, DirValue, FileValue, Manifest};
use super::write::symlink_sum;
use crate::compress::Compression;
use crate::error::{Error, Result};
use crate::reader::{self, TarTypes};
pub use crate::reader::{EntryKind, ReadEntry};
use crate::text::quote;

const FORMAT: &str = "freebsd";

/// A verified FreeBSD package.
///
/// [`Reader::open`] checks what `pkg add` and `pkg check -s` check, and more:
///
/// * the metadata entries (names starting with `+`) come before every other entry, and
///   `+MANIFEST` is among them (pkg: "no manifest found" otherwise);
/// * `+MANIFEST` and `+COMPACT_MANIFEST` parse; the compact one has no `files`, `directories`,
///   `config` or `scripts` and otherwise equals the full one;
/// * every data entry has an absolute path and is listed in the manifest (`files` for files and
///   symlinks, `directories` for directories) — pkg: "not specified in the manifest" — and every
///   listed path is in the archive;
/// * every sum `1$<sha256 hex>` (or bare 64-digit hex) matches the content (for symlinks, the
///   target as pkg hashes it); other checksum types are reported as unsupported;
/// * `flatsize` equals the sum of the regular files' sizes, a hard-linked file counted once (as
///   `pkg create` counts it: `check_for_hardlink` in libpkg/pkg_create.c);
/// * `abi` is `FreeBSD:<major>:<arch>` with a known architecture, and `arch` is its legacy
///   spelling (`freebsd:14:x86:64`);
/// * `name`, `origin` (`category/port`) and `version` (`version[_revision][,epoch]`) are valid.
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    compression: Compression,
    manifest: Manifest,
    compact: Option<Manifest>,
    metadata_names: Vec<String>,
    entries: Vec<ReadEntry>,
}

impl Reader {
    /// Reads and verifies a package file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Malformed`] for every rule above that
    /// does not hold, [`Error::ChecksumMismatch`] for a sum that does not match.
    pub fn open(path: &Path) -> Result<Self> {
        let (compression, dec) = reader::open_decompressed(path)?;
        let bad = |reason: String| Error::malformed(path, FORMAT, reason);
        let mut archive = tar::Archive::new(dec);

        let mut meta = reader::Metadata::default();
        let mut data: Vec<ReadEntry> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut guard = reader::PathGuard::default();
        let mut in_metadata = true;
        let has_manifest = |meta: &reader::Metadata| {
            meta.get("+MANIFEST")
                .or(meta.get("+COMPACT_MANIFEST"))
                .is_some()
        };
        let mut entries = reader::tar_entries(&mut archive, &bad)?;
        for item in &mut entries {
            let mut item = item?;
            let name = std::mem::take(&mut item.name);
            if in_metadata && name.starts_with('+') {
                meta.read(&mut item.entry, name, &bad)?;
                continue;
            }
            if in_metadata {
                in_metadata = false;
                if !has_manifest(&meta) {
                    return Err(bad(format!(
                        "no manifest found before the first file `{}`: `+COMPACT_MANIFEST` and `+MANIFEST` must be the first entries",
                        quote(&name)
                    )));
                }
            }
            if name.starts_with('+') {
                return Err(bad(format!(
                    "metadata entry `{}` comes after file entries; metadata must come first",
                    quote(&name)
                )));
            }
            let clean = install_path(&name).map_err(|why| bad(format!("entry {why}")))?;
            if !seen.insert(clean.clone()) {
                return Err(bad(format!("entry `{}` appears twice", quote(&clean))));
            }
            let mut sha256 = Sha256::new();
            let mut read = reader::read_tar_entry(
                &mut item,
                clean,
                TarTypes::FilesDirsLinks,
                &bad,
                &mut |chunk| sha256.update(chunk),
            )?;
            reader::resolve_hardlink(&mut read, install_path).map_err(&bad)?;
            let source = guard
                .admit(&read.path, read.kind, read.link_target.as_deref())
                .map_err(&bad)?;
            // The computed SHA-256 hex for now; replaced by the manifest's sum string below.
            read.digest = match (read.kind, &read.link_target) {
                (EntryKind::File, _) => Some(hex::encode(sha256.finalize())),
                (EntryKind::Symlink, Some(target)) => Some(symlink_sum(target)),
                _ => None,
            };
            if let Some(source) = source.and_then(|i| data.get(i)) {
                // `pkg create` lists a hard-linked name as a file with its content's sum.
                (read.size, read.digest) = (source.size, source.digest.clone());
            }
            data.push(read);
        }
        reader::finish_tar(archive, &bad)?;
        guard
            .finish(data.iter().map(|e| e.path.as_str()))
            .map_err(&bad)?;
        if in_metadata && !has_manifest(&meta) {
            return Err(bad(
                "no manifest found: `+COMPACT_MANIFEST` and `+MANIFEST` must be the first entries"
                    .into(),
            ));
        }

        let text = |n: &str| -> Result<Option<String>> {
            meta.get(n)
                .map(|b| {
                    String::from_utf8(b.clone()).map_err(|_| bad(format!("`{n}` is not UTF-8")))
                })
                .transpose()
        };
        let full_text = text("+MANIFEST")?.ok_or_else(|| {
            bad("has `+COMPACT_MANIFEST` but no `+MANIFEST`; without the full manifest the files cannot be checked".into())
        })?;
        let manifest: Manifest = full_text
            .parse()
            .map_err(|e: Error| bad(format!("`+MANIFEST`: {e}")))?;
        let compact = match text("+COMPACT_MANIFEST")? {
            Some(t) => {
                let c: Manifest = t
                    .parse()
                    .map_err(|e: Error| bad(format!("`+COMPACT_MANIFEST`: {e}")))?;
                if !c.files.is_empty()
                    || !c.directories.is_empty()
                    || !c.config.is_empty()
                    || !c.scripts.is_empty()
                {
                    return Err(bad("`+COMPACT_MANIFEST` lists files, directories, config files or scripts; only `+MANIFEST` may".into()));
                }
                if c != manifest.compact() {
                    return Err(bad(format!(
                        "`+COMPACT_MANIFEST` disagrees with `+MANIFEST`: {}",
                        first_difference(&c, &manifest.compact())
                    )));
                }
                Some(c)
            }
            None => None,
        };

        check_metadata(&manifest).map_err(bad)?;

        // Files and directories against the manifest, both ways.
        let mut files: BTreeMap<String, &FileValue> = BTreeMap::new();
        for (k, v) in &manifest.files {
            let p = manifest::urldecode(k);
            if !p.starts_with('/') {
                return Err(bad(format!(
                    "the manifest lists the relative path `{p}`; paths must be absolute"
                )));
            }
            files.insert(p, v);
        }
        let mut dirs: BTreeMap<String, &DirValue> = BTreeMap::new();
        for (k, v) in &manifest.directories {
            let p = manifest::urldecode(k);
            if !p.starts_with('/') {
                return Err(bad(format!(
                    "the manifest lists the relative directory `{p}`; paths must be absolute"
                )));
            }
            dirs.insert(without_trailing_slash(&p), v);
        }
        let mut flatsize: u64 = 0;
        for e in &mut data {
            match e.kind {
                EntryKind::Dir => {
                    if !dirs.contains_key(&e.path) {
                        return Err(bad(format!(
                            "directory `{}` is in the archive but not specified in the manifest",
                            e.path
                        )));
                    }
                }
                // `TarTypes::FilesDirsLinks` refused these while reading.
                EntryKind::Other => {
                    return Err(bad(format!(
                        "`{}` is neither a file, a directory nor a link",
                        e.path
                    )))
                }
                EntryKind::File | EntryKind::Hardlink | EntryKind::Symlink => {
                    let Some(value) = files.get(&e.path) else {
                        return Err(bad(format!(
                            "`{}` is in the archive but not specified in the manifest",
                            e.path
                        )));
                    };
                    if e.kind == EntryKind::File {
                        flatsize += e.size;
                    }
                    let computed = e.digest.take().unwrap_or_default();
                    if let Some(sum) = value.sum() {
                        verify_sum(path, &e.path, sum, &computed, e.kind)?;
                        e.digest = Some(sum.to_string());
                    }
                    if let FileValue::Attrs(a) = value {
                        let symlink = e.kind == EntryKind::Symlink;
                        if let (Some(t), Some(l), true) =
                            (&a.symlink_target, &e.link_target, symlink)
                        {
                            if t != l {
                                return Err(bad(format!(
                                    "symlink `{}` points to `{l}` but the manifest says `{t}`",
                                    e.path
                                )));
                            }
                        }
                        if let Some(perm) = &a.perm {
                            let want = u32::from_str_radix(&perm.to_string(), 8).ok();
                            if !symlink && want.is_some_and(|w| w & 0o7777 != e.mode) {
                                return Err(bad(format!(
                                    "`{}` has mode {:o} in the archive but {perm} in the manifest",
                                    e.path, e.mode
                                )));
                            }
                        }
                    }
                }
            }
        }
        for p in files.keys().chain(dirs.keys()) {
            if !seen.contains(p) {
                return Err(bad(format!(
                    "`{p}` is listed in the manifest but missing from the archive"
                )));
            }
        }
        if i128::from(manifest.flatsize) != i128::from(flatsize) {
            return Err(bad(format!(
                "flatsize is {} in the manifest but the regular files add up to {flatsize} bytes",
                manifest.flatsize
            )));
        }

        Ok(Reader {
            path: path.to_path_buf(),
            compression,
            manifest,
            compact,
            metadata_names: meta.names(),
            entries: data,
        })
    }

    /// The full manifest (`+MANIFEST`).
    pub fn metadata(&self) -> &Manifest {
        &self.manifest
    }

    /// The compact manifest, when the package has one.
    pub fn compact_manifest(&self) -> Option<&Manifest> {
        self.compact.as_ref()
    }

    /// The metadata entries in archive order (`+COMPACT_MANIFEST`, `+MANIFEST`).
    pub fn metadata_entries(&self) -> &[String] {
        &self.metadata_names
    }

    /// The data entries in archive order.
    pub fn entries(&self) -> &[ReadEntry] {
        &self.entries
    }

    /// The compression of the package file.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The package file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Calls `f` with the index, install path and content of each regular file of the package
    /// (a compressed tar, metadata members included), in archive order; returns its compression.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a read error or an error `f` returns.
    pub fn each_file(&self, f: &mut crate::reader::FileVisitor<'_>) -> Result<Compression> {
        let file = std::fs::File::open(&self.path)
            .map_err(|e| Error::io(&self.path, "opening package", e))?;
        crate::reader::each_tar_file(&self.path, file, f)
    }
}

/// An absolute path without its trailing `/`, the root staying `/`: how archive names and the
/// manifest's directories are compared.
/// The install path of an archive name (`/usr/local/bin/x`), also used for a hard link's
/// target, which `pkg create` stores the same way (pkg looks the target up in the manifest); or
/// why there is none.
fn install_path(name: &str) -> std::result::Result<String, String> {
    if !name.starts_with('/') {
        return Err(format!(
            "`{}` is a relative path; pkg needs absolute paths (`/usr/local/...`), else it fails with \"not specified in the manifest\"",
            quote(name)
        ));
    }
    let clean = without_trailing_slash(name);
    if reader::clean_path(&clean)? != clean {
        return Err(format!("`{}` is not a plain absolute path", quote(name)));
    }
    Ok(clean)
}

fn without_trailing_slash(p: &str) -> String {
    match p.trim_end_matches('/') {
        "" => "/".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// Checks the sum string of one entry against its computed SHA-256.
fn verify_sum(pkg: &Path, entry: &str, sum: &str, sha256_hex: &str, kind: EntryKind) -> Result<()> {
    if sum == "-" {
        return Ok(()); // pkg writes `-` when the sum is unknown; nothing to verify
    }
    let (kind_id, digest) = match sum.split_once('$') {
        Some((k, d)) => (k, d),
        None => ("1", sum), // pkg: a sum without a type prefix is plain SHA-256 hex
    };
    let name = match kind_id {
        "0" => "sha256 base32",
        "1" => "sha256 hex",
        "2" => "blake2b base32 (pkg >= 2.8)",
        "3" => "sha256 raw",
        "4" => "blake2b raw",
        "5" => "blake2s base32",
        "6" => "blake2s raw",
        _ => "unknown",
    };
    if kind_id != "1" {
        return Err(Error::malformed(
            pkg,
            FORMAT,
            format!(
                "`{entry}` has a checksum of type {kind_id} ({name}); syspack verifies only type 1 (sha256 hex), so this package cannot be checked here — use `pkg check -s` on FreeBSD"
            ),
        ));
    }
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::malformed(
            pkg,
            FORMAT,
            format!("`{entry}`: checksum `{sum}` is not `1$` followed by 64 hex digits"),
        ));
    }
    if !digest.eq_ignore_ascii_case(sha256_hex) {
        let what = if kind == EntryKind::Symlink {
            "the link target"
        } else {
            "the content"
        };
        return Err(Error::ChecksumMismatch {
            path: pkg.to_path_buf(),
            entry: entry.to_string(),
            expected: sum.to_string(),
            actual: format!("1${sha256_hex} (sha256 of {what})"),
        });
    }
    Ok(())
}

/// Name, origin, version, ABI and arch.
fn check_metadata(m: &Manifest) -> std::result::Result<(), String> {
    if m.name.is_empty() || m.name.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(format!(
            "the package name `{}` is empty or contains whitespace or `/`",
            m.name
        ));
    }
    let parts: Vec<&str> = m.origin.split('/').collect();
    if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("origin `{}` is not `category/portname`", m.origin));
    }
    manifest::check_version_syntax(&m.version).map_err(|r| format!("invalid version: {r}"))?;
    let Some(abi) = &m.abi else {
        return Err("the manifest has no `abi` (`FreeBSD:<major>:<arch>`)".to_string());
    };
    let (major, arch) = manifest::parse_abi(abi).map_err(|r| format!("invalid abi: {r}"))?;
    if let Some(legacy) = &m.arch {
        let want = format!(
            "freebsd:{major}:{}",
            manifest::legacy_arch(arch).unwrap_or("?")
        );
        if *legacy != want {
            return Err(format!(
                "`arch` is `{legacy}` but the abi `{abi}` means `{want}`"
            ));
        }
    }
    if let Some(logic) = &m.licenselogic {
        if !matches!(logic.as_str(), "single" | "and" | "or" | "dual" | "multi") {
            return Err(format!("unknown licenselogic `{logic}` (single, and, or)"));
        }
    }
    if m.flatsize < 0 {
        return Err(format!("flatsize {} is negative", m.flatsize));
    }
    Ok(())
}

/// The first top-level key whose value differs, for messages.
fn first_difference(a: &Manifest, b: &Manifest) -> String {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return "they differ".to_string();
    };
    for k in x.keys().chain(y.keys()) {
        if x.get(k) != y.get(k) {
            return format!(
                "`{k}` is {} in the compact manifest and {} in the full one",
                x.get(k).map_or("absent".to_string(), |v| v.to_string()),
                y.get(k).map_or("absent".to_string(), |v| v.to_string())
            );
        }
    }
    "they differ".to_string()
}

impl fmt::Display for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.manifest;
        writeln!(
            f,
            "{}: FreeBSD package ({} compression)",
            self.path.display(),
            self.compression.name()
        )?;
        writeln!(f, "metadata entries: {}", self.metadata_names.join(", "))?;
        writeln!(f, "name: {}", m.name)?;
        writeln!(f, "version: {}", m.version)?;
        writeln!(f, "origin: {}", m.origin)?;
        writeln!(f, "comment: {}", m.comment)?;
        writeln!(f, "maintainer: {}", m.maintainer)?;
        if let Some(w) = &m.www {
            writeln!(f, "www: {w}")?;
        }
        writeln!(f, "abi: {}", m.abi.as_deref().unwrap_or("-"))?;
        writeln!(f, "arch: {}", m.arch.as_deref().unwrap_or("-"))?;
        writeln!(f, "prefix: {}", m.prefix)?;
        writeln!(f, "flatsize: {}", m.flatsize)?;
        if !m.licenses.is_empty() {
            writeln!(
                f,
                "licenses ({}): {}",
                m.licenselogic.as_deref().unwrap_or("single"),
                m.licenses.join(", ")
            )?;
        }
        if !m.categories.is_empty() {
            writeln!(f, "categories: {}", m.categories.join(", "))?;
        }
        for (name, d) in &m.deps {
            writeln!(f, "dep: {name} ({}) {}", d.origin, d.version)?;
        }
        for s in &m.shlibs_required {
            writeln!(f, "shlib required: {s}")?;
        }
        for c in &m.conflicts {
            writeln!(f, "conflict: {c}")?;
        }
        for c in &m.config {
            writeln!(f, "config: {}", manifest::urldecode(c))?;
        }
        for (k, v) in m.scripts.iter() {
            writeln!(f, "script {k}: {} bytes", manifest::urldecode(v).len())?;
        }
        if let Some(d) = &m.desc {
            writeln!(f, "desc:")?;
            for line in manifest::urldecode(d).lines() {
                writeln!(f, "  {line}")?;
            }
        }
        writeln!(f, "--- files ({})", self.entries.len())?;
        for e in &self.entries {
            e.write_line(f)?;
        }
        Ok(())
    }
}
