//! The Arch package writer.

use std::io::Write;
use std::sync::Arc;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::buildinfo::BuildInfo;
use super::install;
use super::mtree::{Mtree, MtreeEntry, MtreeType};
use super::pkginfo::PkgInfo;
use crate::compress::{Compression, Encoder};
use crate::error::{Error, Result};
use crate::frames::{file_digests, PayloadEncoder, SharedContent};
use crate::package::{Entry, Package, Relation};
use crate::tarball::{TarFlavor, TarWriter};

const FORMAT: &str = "arch";

/// Settings of the Arch writer.
#[derive(Clone, Debug)]
pub struct Options {
    /// Compression of the whole tar stream; zstd level 19, single-threaded, by default
    /// (`.pkg.tar.zst`, what Arch ships since 2019-12-27).
    pub compression: Compression,
    /// `group` lines of `.PKGINFO` (pacman groups such as `base-devel`); none by default.
    pub groups: Vec<String>,
    /// Digests and shared frames read once for several packages ([`crate::frames`]): the
    /// `.MTREE` digests come from it, and with zstd or gzip the stream is written as frames with
    /// large files' shared frames spliced in. None by default (one stream, files read here).
    pub shared: Option<Arc<SharedContent>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compression: Compression::DEFAULT_ZSTD,
            groups: Vec::new(),
            shared: None,
        }
    }
}

/// Writes one `.pkg.tar.*` for a [`Package`].
///
/// ```
/// use syspack_distro::{arch, Arch, InstallPath, Metadata, Package, SourceDate};
///
/// let mut pkg = Package::new(Metadata::new("hello", "1.0.0", Arch::X86_64), SourceDate(1_700_000_000));
/// pkg.add_bytes(InstallPath::new("/usr/bin/hello")?, b"#!/bin/sh\necho hello\n".to_vec(), 0o755)?;
/// let writer = arch::Writer::new(&pkg, &arch::Options::default())?;
/// assert_eq!(writer.file_name(), "hello-1.0.0-1-x86_64.pkg.tar.zst");
/// let mut bytes = Vec::new();
/// writer.write_to(&mut bytes)?;
/// # Ok::<(), syspack_distro::Error>(())
/// ```
pub struct Writer<'a> {
    pkg: &'a Package,
    opts: Options,
    pkginfo: PkgInfo,
}

impl<'a> Writer<'a> {
    /// Validates the package for Arch and prepares `.PKGINFO`.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidField`] for a name that is not a valid pacman package name (lowercase
    ///   letters, digits, `@._+-`, not starting with `-` or `.`), a version with `-`, `:`, `/` or
    ///   whitespace, a release that is not `N` or `N.M`, a `provides` with an operator other
    ///   than `=`, a relation name pacman cannot parse, or a multi-line url/packager/license;
    /// * [`Error::EmptyPackage`] when nothing would be installed.
    pub fn new(pkg: &'a Package, opts: &Options) -> Result<Self> {
        let m = &pkg.metadata;
        check_pkgname(&m.name, "name")?;
        check_pkgver(&m.version)?;
        check_pkgrel(&m.release)?;
        pkg.check_not_empty()?;
        let single_line = |field: &'static str, v: &str| -> Result<()> {
            if v.contains(['\n', '\r']) {
                return Err(Error::invalid_field(
                    FORMAT,
                    field,
                    v,
                    ".PKGINFO values are single lines",
                    Some("remove the line break".into()),
                ));
            }
            Ok(())
        };
        single_line("homepage", m.homepage.as_deref().unwrap_or(""))?;
        single_line("maintainer", &m.maintainer)?;
        single_line("license", &m.license)?;
        for g in &opts.groups {
            check_pkgname(g, "group")?;
        }
        let r = &m.relations;
        let rel = |rs: &[Relation], field: &'static str, eq_only: bool| -> Result<Vec<String>> {
            rs.iter().map(|x| relation(x, field, eq_only)).collect()
        };
        let mut depend = rel(&r.pre_depends, "depends", false)?;
        depend.extend(rel(&r.depends, "depends", false)?);
        dedup_keep_order(&mut depend);
        let mut optdepend = rel(&r.recommends, "recommends", false)?;
        optdepend.extend(rel(&r.suggests, "suggests", false)?);
        dedup_keep_order(&mut optdepend);
        let fullver = full_version(m.epoch, &m.version, &m.release);
        let pkginfo = PkgInfo {
            pkgname: m.name.clone(),
            pkgbase: m.name.clone(),
            xdata: vec!["pkgtype=pkg".to_string()],
            pkgver: fullver,
            pkgdesc: one_line(&m.summary),
            url: m.homepage.clone().unwrap_or_default(),
            builddate: pkg.source_date.secs(),
            packager: if m.maintainer.trim().is_empty() {
                "Unknown Packager".to_string()
            } else {
                m.maintainer.trim().to_string()
            },
            size: pkg.installed_size(),
            arch: m.arch.arch_linux().to_string(),
            license: if m.license.trim().is_empty() {
                Vec::new()
            } else {
                vec![m.license.trim().to_string()]
            },
            replaces: rel(&r.replaces, "replaces", false)?,
            group: opts.groups.clone(),
            conflict: rel(&r.conflicts, "conflicts", false)?,
            provides: rel(&r.provides, "provides", true)?,
            backup: pkg
                .conffiles()
                .iter()
                .map(|p| p.relative().to_string())
                .collect(),
            depend,
            optdepend,
            makedepend: Vec::new(),
            checkdepend: Vec::new(),
            unknown: Vec::new(),
        };
        Ok(Writer {
            pkg,
            opts: opts.clone(),
            pkginfo,
        })
    }

    /// `<name>-[<epoch>:]<pkgver>-<pkgrel>-<arch>.pkg.tar<ext>`, e.g.
    /// `hello-1.0.0-1-x86_64.pkg.tar.zst`.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}-{}.pkg.tar{}",
            self.pkginfo.pkgname,
            self.pkginfo.pkgver,
            self.pkginfo.arch,
            self.opts.compression.suffix()
        )
    }

    /// The `.PKGINFO` this writer emits.
    pub fn pkginfo(&self) -> &PkgInfo {
        &self.pkginfo
    }

    /// The `.BUILDINFO` this writer emits (see [`BuildInfo`] for the choice of values).
    pub fn buildinfo(&self) -> BuildInfo {
        let p = &self.pkginfo;
        BuildInfo {
            format: 2,
            pkgname: p.pkgname.clone(),
            pkgbase: p.pkgbase.clone(),
            pkgver: p.pkgver.clone(),
            pkgarch: p.arch.clone(),
            pkgbuild_sha256sum: hex::encode(Sha256::digest(p.to_string().as_bytes())),
            packager: p.packager.clone(),
            builddate: p.builddate,
            builddir: "/build".to_string(),
            startdir: "/startdir".to_string(),
            buildtool: "syspack".to_string(),
            buildtoolver: env!("CARGO_PKG_VERSION").to_string(),
            buildenv: Vec::new(),
            options: Vec::new(),
            installed: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Writes the package: the compressed tar with `.BUILDINFO`, `.INSTALL` (when there are
    /// scripts), `.MTREE`, `.PKGINFO`, then every entry (directories included) under its
    /// relative path, byte-sorted, as makepkg orders them.
    ///
    /// Without [`Options::shared`], each asset is read twice: once for the `.MTREE` digests, once
    /// into the archive.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the asset when it cannot be read or changed size, and output errors.
    pub fn write_to(&self, w: &mut dyn Write) -> Result<()> {
        let date = self.pkg.source_date.secs();
        // `.MTREE` times are signed (before 1970 they are negative); a u64 beyond i64 is no date.
        let mtree_date = i64::try_from(date).unwrap_or(i64::MAX);
        let entries = self.pkg.entries_with_parents();

        let pkginfo = self.pkginfo.to_string().into_bytes();
        let buildinfo = self.buildinfo().to_string().into_bytes();
        let install =
            install::render(&self.pkg.scripts, &self.pkg.systemd_units).map(String::into_bytes);

        // The mtree: metadata files first (byte order: .BUILDINFO, .INSTALL, .PKGINFO), then data.
        let mut mtree = Mtree::default();
        let mut meta_files: Vec<(&str, &[u8])> = vec![(".BUILDINFO", &buildinfo)];
        if let Some(i) = &install {
            meta_files.push((".INSTALL", i));
        }
        meta_files.push((".PKGINFO", &pkginfo));
        for (name, bytes) in &meta_files {
            let digests = (
                hex::encode(Md5::digest(bytes)),
                hex::encode(Sha256::digest(bytes)),
            );
            mtree.entries.push(file_mtree(
                name,
                0o644,
                mtree_date,
                bytes.len() as u64,
                digests,
            ));
        }
        for (path, entry) in &entries {
            let rel = path.relative().to_string();
            let m = match entry {
                Entry::File(f) => {
                    let d = file_digests(f, path.relative(), self.opts.shared.as_deref())?;
                    let md5 = crate::frames::md5_hex(&d, f, path.relative())?;
                    file_mtree(&rel, f.mode, mtree_date, f.size, (md5, d.sha256_hex()))
                }
                Entry::Dir(d) => MtreeEntry {
                    path: rel,
                    kind: MtreeType::Dir,
                    uid: d.owner.uid(),
                    gid: d.owner.gid(),
                    mode: d.mode,
                    time_secs: mtree_date,
                    time_nsec: 0,
                    size: None,
                    md5: None,
                    sha256: None,
                    link: None,
                },
                Entry::Symlink(s) => MtreeEntry {
                    path: rel,
                    kind: MtreeType::Link,
                    uid: s.owner.uid(),
                    gid: s.owner.gid(),
                    mode: 0o777,
                    time_secs: mtree_date,
                    time_nsec: 0,
                    size: None,
                    md5: None,
                    sha256: None,
                    link: Some(s.target.clone()),
                },
            };
            mtree.entries.push(m);
        }
        let mut gz = Encoder::new(Vec::new(), Compression::Gzip { level: 9 })
            .map_err(|e| Error::io(".MTREE", "compressing", e))?;
        gz.write_all(mtree.to_string().as_bytes())
            .map_err(|e| Error::io(".MTREE", "compressing", e))?;
        let mtree_gz = gz
            .finish()
            .map_err(|e| Error::io(".MTREE", "compressing", e))?;

        let out_err = |e| Error::io("<output>", "writing the arch package", e);
        let enc = PayloadEncoder::new(
            w,
            crate::Format::Arch,
            self.opts.compression,
            self.opts.shared.clone(),
        )
        .map_err(out_err)?;
        let mut tar = TarWriter::new(enc, TarFlavor::Pax, date);
        let root = crate::Owner::root();
        let mut metadata: Vec<(&str, &[u8])> = vec![(".BUILDINFO", &buildinfo)];
        if let Some(i) = &install {
            metadata.push((".INSTALL", i));
        }
        metadata.push((".MTREE", &mtree_gz));
        metadata.push((".PKGINFO", &pkginfo));
        for (name, bytes) in metadata {
            tar.append_file(name, bytes.len() as u64, 0o644, &root, bytes)
                .map_err(out_err)?;
        }
        for (path, entry) in &entries {
            match entry {
                Entry::Dir(d) => tar
                    .append_dir(&format!("{}/", path.relative()), d.mode, &d.owner)
                    .map_err(out_err)?,
                other => drop(tar.append_staged(path.relative(), other)?),
            }
        }
        let enc = tar.finish().map_err(out_err)?;
        enc.finish().map_err(out_err)?;
        Ok(())
    }
}

/// A file's mtree entry; `digests` is (MD5, SHA-256) in hex.
fn file_mtree(
    path: &str,
    mode: u32,
    date: i64,
    size: u64,
    digests: (String, String),
) -> MtreeEntry {
    MtreeEntry {
        path: path.to_string(),
        kind: MtreeType::File,
        uid: 0,
        gid: 0,
        mode,
        time_secs: date,
        time_nsec: 0,
        size: Some(size),
        md5: Some(digests.0),
        sha256: Some(digests.1),
        link: None,
    }
}

fn dedup_keep_order(v: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// Collapses whitespace: `pkgdesc` is one line without repeated or surrounding blanks.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `[epoch:]pkgver-pkgrel`.
pub(crate) fn full_version(epoch: Option<u32>, version: &str, release: &str) -> String {
    match epoch {
        Some(e) if e > 0 => format!("{e}:{version}-{release}"),
        _ => format!("{version}-{release}"),
    }
}

/// A relation as pacman writes it: `name`, `name>=1.0`, `name=1.0`.
fn relation(r: &Relation, field: &'static str, eq_only: bool) -> Result<String> {
    let bad_name = r.name.is_empty()
        || r.name.starts_with('-')
        || r.name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '=' | ':'));
    if bad_name {
        return Err(Error::invalid_field(
            FORMAT,
            field,
            &r.name,
            "is not a pacman package name",
            Some("use the Arch package name, e.g. `glibc`".into()),
        ));
    }
    let Some((op, ver)) = &r.constraint else {
        return Ok(r.name.clone());
    };
    if ver.is_empty() || ver.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_field(
            FORMAT,
            field,
            format!("{} {ver}", r.name),
            "the version is empty or has spaces",
            None,
        ));
    }
    let op = op.symbol();
    if eq_only && op != "=" {
        return Err(Error::invalid_field(
            FORMAT,
            field,
            format!("{}{op}{ver}", r.name),
            "pacman `provides` take no operator other than `=`",
            Some(format!("write `{}` or `{}={ver}`", r.name, r.name)),
        ));
    }
    Ok(format!("{}{op}{ver}", r.name))
}

/// A pacman package name (alpm-package-name): `[a-z0-9@._+-]`, not starting with `-` or `.`.
pub(crate) fn check_pkgname(name: &str, field: &'static str) -> Result<()> {
    let bad = |reason: &str, hint: Option<String>| {
        Err(Error::invalid_field(FORMAT, field, name, reason, hint))
    };
    if name.is_empty() {
        return bad("is empty", Some("give the package a name".into()));
    }
    if name.starts_with('-') || name.starts_with('.') {
        return bad(
            "may not start with `-` or `.`",
            Some(format!("use `{}`", name.trim_start_matches(['-', '.']))),
        );
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return bad(
            "has uppercase letters; pacman package names are lowercase",
            Some(format!("use `{}`", name.to_ascii_lowercase())),
        );
    }
    if let Some(c) = name.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '@' | '.' | '_' | '+' | '-'))
    }) {
        return bad(
            &format!(
                "contains `{}`; allowed are lowercase letters, digits and `@._+-`",
                c.escape_debug()
            ),
            None,
        );
    }
    Ok(())
}

/// A pkgver (alpm-pkgver): no `-`, `:`, `/` or whitespace (makepkg's `lint_pkgver`), printable ASCII.
pub(crate) fn check_pkgver(v: &str) -> Result<()> {
    let bad = |reason: &str, hint: Option<String>| {
        Err(Error::invalid_field(FORMAT, "version", v, reason, hint))
    };
    if v.is_empty() {
        return bad(
            "is empty",
            Some("set the package version, e.g. `1.0.0`".into()),
        );
    }
    if let Some(c) = v
        .chars()
        .find(|c| matches!(c, '-' | ':' | '/') || c.is_whitespace())
    {
        let hint = match c {
            '-' => Some(format!(
                "pacman splits `pkgver-pkgrel` at the last `-`; write `{}` (or `{}`) instead",
                v.replace('-', "_"),
                v.replace('-', "")
            )),
            ':' => Some("an epoch goes in the separate `epoch` field, not in the version".into()),
            _ => None,
        };
        return bad(
            &format!("pkgver may not contain `{}` (hyphens, colons, slashes and whitespace are reserved)", c.escape_debug()),
            hint,
        );
    }
    if let Some(c) = v.chars().find(|c| !c.is_ascii_graphic()) {
        return bad(
            &format!("contains `{}`; use printable ASCII only", c.escape_debug()),
            None,
        );
    }
    Ok(())
}

/// A pkgrel: `N` or `N.M` (makepkg's `lint_pkgrel`).
pub(crate) fn check_pkgrel(rel: &str) -> Result<()> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match rel.split_once('.') {
        None => digits(rel),
        Some((a, b)) => digits(a) && digits(b),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_field(
            FORMAT,
            "release",
            rel,
            "pkgrel must be a number, optionally with one `.N` sub-release (`1`, `2.1`)",
            Some("set the release to `1` for the first build of a version".into()),
        ))
    }
}
