//! The Arch package reader and verifier.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};

use super::buildinfo::BuildInfo;
use super::mtree::{Mtree, MtreeType};
use super::pkginfo::PkgInfo;
use crate::compress::{self, Compression};
use crate::error::{Error, Result};
use crate::reader::{self, TarTypes};
pub use crate::reader::{EntryKind, ReadEntry};
use crate::{limits, text};

const FORMAT: &str = "arch";

/// A verified Arch package.
///
/// [`Reader::open`] decompresses (whatever the compression, found by its magic bytes), reads
/// `.PKGINFO`, `.BUILDINFO`, `.MTREE` and `.INSTALL` wherever they are in the archive, and
/// checks: `.PKGINFO` and `.MTREE` are present and parse; every data entry is in the mtree with
/// the same type, mode, size, SHA-256 and link target, and every mtree entry is in the archive;
/// the mtree's digests of the metadata files it lists match.
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    compression: Compression,
    pkginfo: PkgInfo,
    buildinfo: Option<BuildInfo>,
    mtree: Mtree,
    install: Option<String>,
    metadata_names: Vec<String>,
    entries: Vec<ReadEntry>,
}

const METADATA: [&str; 5] = [".BUILDINFO", ".CHANGELOG", ".INSTALL", ".MTREE", ".PKGINFO"];

impl Reader {
    /// Reads and verifies a package file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Malformed`] for a broken archive or
    /// metadata, or an entry missing from the mtree (or the other way round),
    /// [`Error::ChecksumMismatch`] when a size or SHA-256 differs from the mtree.
    pub fn open(path: &Path) -> Result<Self> {
        let (compression, dec) = reader::open_decompressed(path)?;
        let bad = |reason: String| Error::malformed(path, FORMAT, reason);
        let mut archive = tar::Archive::new(dec);

        let mut meta = reader::Metadata::default();
        let mut data: Vec<(ReadEntry, u32, u32, Option<String>)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut guard = reader::PathGuard::default();
        let mut entries = reader::tar_entries(&mut archive, &bad)?;
        for item in &mut entries {
            let mut item = item?;
            let stored = std::mem::take(&mut item.name);
            let clean = install_path(&stored).map_err(|why| bad(format!("entry {why}")))?;
            let name = clean[1..].to_string();
            if METADATA.contains(&name.as_str()) {
                // Anywhere in the archive: libalpm's `_alpm_pkg_load_internal` reads `.PKGINFO`
                // wherever it is, and nfpm writes the metadata after the data (makepkg first).
                meta.read(&mut item.entry, name, &bad)?;
                continue;
            }
            if !seen.insert(name.clone()) {
                return Err(bad(format!("entry `{}` appears twice", text::quote(&name))));
            }
            let uid = item.entry.header().uid().unwrap_or(0) as u32;
            let gid = item.entry.header().gid().unwrap_or(0) as u32;
            let mut sha256 = Sha256::new();
            let mut md5 = Md5::new();
            let mut read = reader::read_tar_entry(
                &mut item,
                clean,
                TarTypes::FilesDirsLinks,
                &bad,
                &mut |chunk| {
                    sha256.update(chunk);
                    md5.update(chunk);
                },
            )?;
            reader::resolve_hardlink(&mut read, install_path).map_err(&bad)?;
            let source = guard
                .admit(&read.path, read.kind, read.link_target.as_deref())
                .map_err(&bad)?;
            let mut md5 = (read.kind == EntryKind::File).then(|| {
                read.digest = Some(hex::encode(sha256.finalize()));
                hex::encode(md5.finalize())
            });
            if let Some((source, _, _, source_md5)) = source.and_then(|i| data.get(i)) {
                // bsdtar's `.MTREE` lists a hard-linked name as a file with its content's sums.
                (read.size, read.digest) = (source.size, source.digest.clone());
                md5.clone_from(source_md5);
            }
            data.push((read, uid, gid, md5));
        }
        reader::finish_tar(archive, &bad)?;
        guard
            .finish(data.iter().map(|(d, ..)| d.path.as_str()))
            .map_err(&bad)?;

        let get = |n: &str| meta.get(n);
        let text = |n: &str, b: &[u8]| -> Result<String> {
            String::from_utf8(b.to_vec()).map_err(|_| bad(format!("`{n}` is not UTF-8 text")))
        };
        let pkginfo_bytes = get(".PKGINFO")
            .ok_or_else(|| bad("no `.PKGINFO` (pacman: missing package metadata)".into()))?;
        let pkginfo: PkgInfo = text(".PKGINFO", pkginfo_bytes)?
            .parse()
            .map_err(|e: Error| bad(e.to_string()))?;
        let buildinfo = match get(".BUILDINFO") {
            Some(b) => Some(
                text(".BUILDINFO", b)?
                    .parse::<BuildInfo>()
                    .map_err(|e| bad(e.to_string()))?,
            ),
            None => None,
        };
        let install = get(".INSTALL").map(|b| text(".INSTALL", b)).transpose()?;
        let mtree_gz = get(".MTREE").ok_or_else(|| {
            bad("no `.MTREE`; pacman -Qkk cannot check the files without it".into())
        })?;
        let decoder = compress::decoder(&mtree_gz[..], compress::sniff(mtree_gz))
            .map_err(|e| bad(format!("`.MTREE` does not decompress: {e}")))?;
        let mtree_text = reader::read_capped(decoder, ".MTREE", limits::MAX_METADATA_MEMBER, &bad)?;
        let mtree: Mtree = text(".MTREE", &mtree_text)?
            .parse()
            .map_err(|e: Error| bad(e.to_string()))?;

        // Metadata consistency.
        super::write::check_pkgname(&pkginfo.pkgname, "pkgname").map_err(|e| bad(e.to_string()))?;
        check_full_version(&pkginfo.pkgver).map_err(|e| bad(e.to_string()))?;
        if let Some(b) = &buildinfo {
            if b.pkgname != pkginfo.pkgname || b.pkgver != pkginfo.pkgver {
                return Err(bad(format!(
                    "`.BUILDINFO` describes `{}-{}` but `.PKGINFO` `{}-{}`",
                    b.pkgname, b.pkgver, pkginfo.pkgname, pkginfo.pkgver
                )));
            }
        }

        // The mtree against the metadata files.
        let mismatch = |entry: &str, expected: String, actual: String| Error::ChecksumMismatch {
            path: path.to_path_buf(),
            entry: entry.to_string(),
            expected,
            actual,
        };
        for (name, bytes) in &meta.files {
            if name == ".MTREE" {
                if mtree.get(name).is_some() {
                    return Err(bad("`.MTREE` lists itself".into()));
                }
                continue;
            }
            // makepkg lists every metadata file but `.MTREE`; nfpm only `.PKGINFO`. pacman does
            // not check them against `.MTREE` (it checks installed files), so an unlisted one is
            // read as it is and a listed one must match.
            let Some(m) = mtree.get(name) else {
                continue;
            };
            if m.size != Some(bytes.len() as u64) {
                return Err(mismatch(
                    name,
                    format!("size {:?}", m.size),
                    format!("size {}", bytes.len()),
                ));
            }
            if let Some(want) = &m.md5 {
                let actual = hex::encode(Md5::digest(bytes));
                if *want != actual {
                    return Err(mismatch(
                        name,
                        format!("md5 {want}"),
                        format!("md5 {actual}"),
                    ));
                }
            }
            let actual = hex::encode(Sha256::digest(bytes));
            if m.sha256.as_deref() != Some(actual.as_str()) {
                return Err(mismatch(
                    name,
                    format!("sha256 {}", m.sha256.clone().unwrap_or_default()),
                    format!("sha256 {actual}"),
                ));
            }
        }
        // The mtree against the data.
        let index: HashMap<&str, &super::mtree::MtreeEntry> =
            mtree.entries.iter().map(|m| (m.path.as_str(), m)).collect();
        for (d, uid, gid, md5) in &data {
            let rel = &d.path[1..];
            let Some(m) = index.get(rel) else {
                return Err(bad(format!(
                    "`{rel}` is in the archive but not in `.MTREE`"
                )));
            };
            let want = match m.kind {
                MtreeType::File => EntryKind::File,
                MtreeType::Dir => EntryKind::Dir,
                MtreeType::Link => EntryKind::Symlink,
            };
            // To the mtree (and to pacman), a hard link is one more name of a regular file.
            let kind = match d.kind {
                EntryKind::Hardlink => EntryKind::File,
                kind => kind,
            };
            if want != kind {
                return Err(bad(format!(
                    "`{rel}` is a {:?} in the archive but a {:?} in `.MTREE`",
                    d.kind, m.kind
                )));
            }
            if d.kind != EntryKind::Symlink && m.mode != d.mode {
                return Err(bad(format!(
                    "`{rel}` has mode {:o} in the archive but {:o} in `.MTREE`",
                    d.mode, m.mode
                )));
            }
            if m.uid != *uid || m.gid != *gid {
                return Err(bad(format!(
                    "`{rel}` is owned by {uid}:{gid} in the archive but {}:{} in `.MTREE`",
                    m.uid, m.gid
                )));
            }
            match kind {
                EntryKind::File => {
                    if m.size != Some(d.size) {
                        return Err(mismatch(
                            rel,
                            format!("size {}", m.size.unwrap_or_default()),
                            format!("size {}", d.size),
                        ));
                    }
                    if m.md5.is_some() && m.md5 != *md5 {
                        return Err(mismatch(
                            rel,
                            format!("md5 {}", m.md5.clone().unwrap_or_default()),
                            format!("md5 {}", md5.clone().unwrap_or_default()),
                        ));
                    }
                    if m.sha256 != d.digest {
                        return Err(mismatch(
                            rel,
                            format!("sha256 {}", m.sha256.clone().unwrap_or_default()),
                            format!("sha256 {}", d.digest.clone().unwrap_or_default()),
                        ));
                    }
                }
                EntryKind::Symlink => {
                    if m.link != d.link_target {
                        return Err(bad(format!(
                            "symlink `{rel}` points to `{}` in the archive but `{}` in `.MTREE`",
                            d.link_target.clone().unwrap_or_default(),
                            m.link.clone().unwrap_or_default()
                        )));
                    }
                }
                // Special files were refused while reading; a hard link is checked as a file.
                EntryKind::Dir | EntryKind::Hardlink | EntryKind::Other => {}
            }
        }
        for m in &mtree.entries {
            let in_meta = meta.get(&m.path).is_some();
            let in_data = seen.contains(&m.path);
            if !in_meta && !in_data {
                return Err(bad(format!(
                    "`{}` is listed in `.MTREE` but missing from the archive",
                    m.path
                )));
            }
        }

        Ok(Reader {
            path: path.to_path_buf(),
            compression,
            pkginfo,
            buildinfo,
            mtree,
            install,
            metadata_names: meta.names(),
            entries: data.into_iter().map(|(d, _, _, _)| d).collect(),
        })
    }

    /// The `.PKGINFO`.
    pub fn metadata(&self) -> &PkgInfo {
        &self.pkginfo
    }

    /// The `.BUILDINFO`, when the package has one.
    pub fn buildinfo(&self) -> Option<&BuildInfo> {
        self.buildinfo.as_ref()
    }

    /// The parsed `.MTREE`.
    pub fn mtree(&self) -> &Mtree {
        &self.mtree
    }

    /// The `.INSTALL` scriptlet, when the package has one.
    pub fn install_script(&self) -> Option<&str> {
        self.install.as_deref()
    }

    /// The metadata entries in archive order (`.BUILDINFO`, `.INSTALL`, `.MTREE`, `.PKGINFO`).
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

impl fmt::Display for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: Arch Linux package ({} compression)",
            self.path.display(),
            self.compression.name()
        )?;
        writeln!(f, "metadata entries: {}", self.metadata_names.join(", "))?;
        writeln!(f, "--- .PKGINFO")?;
        write!(f, "{}", self.pkginfo)?;
        if let Some(b) = &self.buildinfo {
            writeln!(f, "--- .BUILDINFO")?;
            write!(f, "{b}")?;
        }
        if let Some(i) = &self.install {
            writeln!(f, "--- .INSTALL ({} bytes)", i.len())?;
        }
        writeln!(f, "--- files ({})", self.entries.len())?;
        for e in &self.entries {
            e.write_line(f)?;
        }
        Ok(())
    }
}

/// The install path of an archive name (`usr/bin/x` or `./usr/bin/x` → `/usr/bin/x`), also used
/// for a hard link's target, which libarchive reads the same way; or why there is none.
fn install_path(stored: &str) -> std::result::Result<String, String> {
    let name = stored
        .strip_prefix("./")
        .unwrap_or(stored)
        .trim_end_matches('/');
    if name.is_empty() || name.starts_with('/') {
        return Err(format!(
            "`{}` is not a relative path inside the package",
            text::quote(stored)
        ));
    }
    let clean = reader::clean_path(name)?;
    if clean[1..] != *name {
        return Err(format!(
            "`{}` is not a plain relative path (`{}`)",
            text::quote(stored),
            text::quote(&clean[1..])
        ));
    }
    Ok(clean)
}

/// `[epoch:]pkgver-pkgrel` with each part valid.
fn check_full_version(full: &str) -> Result<()> {
    let (epoch, rest) = match full.split_once(':') {
        Some((e, r)) => (Some(e), r),
        None => (None, full),
    };
    if let Some(e) = epoch {
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_field(
                FORMAT,
                "epoch",
                e,
                "must be a number",
                None,
            ));
        }
    }
    let Some((ver, rel)) = rest.rsplit_once('-') else {
        return Err(Error::invalid_field(
            FORMAT,
            "pkgver",
            full,
            "has no `-pkgrel` part",
            None,
        ));
    };
    super::write::check_pkgver(ver)?;
    super::write::check_pkgrel(rel)
}
