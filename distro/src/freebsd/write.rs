//! The FreeBSD package writer.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::manifest::{self, Dep, DirValue, FileValue, Manifest, ManifestScripts, StrOrInt};
use crate::compress::Compression;
use crate::error::{Error, Result};
use crate::frames::{file_digests, PayloadEncoder, SharedContent};
use crate::package::{Entry, FileEntry, Owner, Package, Relation};
use crate::tarball::{TarFlavor, TarWriter};

const FORMAT: &str = "freebsd";

/// Settings of the FreeBSD writer.
#[derive(Clone, Debug)]
pub struct Options {
    /// Compression of the tar stream: zstd level 19 single-threaded (`tzst`, pkg's default since
    /// 2.0, readable by pkg ≥ 1.12) by default; xz (`txz`) for older pkg. gzip, bzip2 and none
    /// are accepted too (pkg reads `tgz`, `tbz`, `tar`).
    pub compression: Compression,
    /// The FreeBSD major version in `abi` (`FreeBSD:14:amd64`); 14 by default.
    pub os_major: u32,
    /// `prefix`; `/usr/local` by default. Informational: files are installed at the paths the
    /// model gives (the CLI stages FreeBSD targets under `/usr/local`).
    pub prefix: String,
    /// The port category (`sysutils`); by default derived from the model's `section` (Debian
    /// section names are mapped: `utils`/`admin` → `sysutils`, `web` → `www`…), else `sysutils`.
    pub category: Option<String>,
    /// The port origin; `<category>/<name>` by default.
    pub origin: Option<String>,
    /// `shlibs_required`: sonames the binaries need (`libzstd.so.1`); sorted and deduplicated.
    pub shlibs_required: Vec<String>,
    /// Port origins of dependencies, by package name (`zstd` → `archivers/zstd`). A dependency
    /// without an entry gets `misc/<name>`; pkg resolves dependencies by name, the origin is
    /// informational.
    pub dep_origins: BTreeMap<String, String>,
    /// Digests and shared frames read once for several packages ([`crate::frames`]): the
    /// manifest's sums come from it, and with zstd or gzip the stream is written as frames with
    /// large files' shared frames spliced in. None by default (one stream, files read here).
    pub shared: Option<Arc<SharedContent>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compression: Compression::DEFAULT_ZSTD,
            os_major: 14,
            prefix: "/usr/local".to_string(),
            category: None,
            origin: None,
            shlibs_required: Vec::new(),
            dep_origins: BTreeMap::new(),
            shared: None,
        }
    }
}

/// Writes one FreeBSD `.pkg` for a [`Package`].
///
/// ```
/// use syspack_distro::{freebsd, Arch, InstallPath, Metadata, Package, SourceDate};
///
/// let mut pkg = Package::new(Metadata::new("hello", "1.0.0", Arch::X86_64), SourceDate(1_700_000_000));
/// pkg.add_bytes(InstallPath::new("/usr/local/bin/hello")?, b"#!/bin/sh\necho hello\n".to_vec(), 0o755)?;
/// let writer = freebsd::Writer::new(&pkg, &freebsd::Options::default())?;
/// assert_eq!(writer.file_name(), "hello-1.0.0.pkg");
/// assert_eq!(writer.manifest().abi.as_deref(), Some("FreeBSD:14:amd64"));
/// # Ok::<(), syspack_distro::Error>(())
/// ```
pub struct Writer<'a> {
    pkg: &'a Package,
    opts: Options,
    manifest: Manifest,
}

impl<'a> Writer<'a> {
    /// Validates the package for FreeBSD and prepares the manifest (without file sums, which
    /// [`Writer::write_to`] computes).
    ///
    /// Version mapping: `version[_release][,epoch]`, where the model's release becomes the
    /// PORTREVISION: release `0` or `1` (the first packaging of a version) is left out, like
    /// PORTREVISION 0; a higher number is kept as is (`1.2.3` release 2 → `1.2.3_2`), which keeps
    /// the order of releases. A non-numeric release is an error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidField`] for a name with characters pkg cannot use, an upstream version with
    /// `-`, `_`, `,` or whitespace, a non-numeric release, an architecture FreeBSD does not have
    /// (`s390x`), a bad category/origin or OS major; [`Error::EmptyPackage`] when nothing would be
    /// installed.
    pub fn new(pkg: &'a Package, opts: &Options) -> Result<Self> {
        let m = &pkg.metadata;
        check_name(&m.name)?;
        manifest::check_upstream_version(&m.version).map_err(|reason| {
            let hint = if m.version.contains(['-', '_']) {
                Some(format!(
                    "write `{}` instead (e.g. `1.0.r1` for `1.0-rc1`)",
                    m.version.replace(['-', '_'], ".")
                ))
            } else {
                None
            };
            Error::invalid_field(FORMAT, "version", &m.version, reason, hint)
        })?;
        let release = m.release.trim();
        if release.is_empty() || !release.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_field(
                FORMAT,
                "release",
                &m.release,
                "the release becomes the PORTREVISION, which must be a whole number",
                Some("use `1` for the first packaging of a version, `2`, `3`… after that".into()),
            ));
        }
        let revision: u64 = release.parse().map_err(|_| {
            Error::invalid_field(FORMAT, "release", &m.release, "is too large", None)
        })?;
        let mut version = m.version.clone();
        if revision > 1 {
            version.push_str(&format!("_{revision}"));
        }
        if let Some(e) = m.epoch.filter(|e| *e > 0) {
            version.push_str(&format!(",{e}"));
        }
        let abi_arch = m.arch.freebsd();
        let Some(legacy) = manifest::legacy_arch(abi_arch) else {
            return Err(Error::invalid_field(
                FORMAT,
                "arch",
                abi_arch,
                "FreeBSD has no such architecture",
                Some("build for amd64, aarch64, i386, armv7, powerpc64le or riscv64".into()),
            ));
        };
        if opts.os_major == 0 {
            return Err(Error::invalid_field(
                FORMAT,
                "os_major",
                "0",
                "must be a FreeBSD major version such as 14",
                None,
            ));
        }
        if !opts.prefix.starts_with('/') {
            return Err(Error::invalid_field(
                FORMAT,
                "prefix",
                &opts.prefix,
                "must be an absolute path",
                Some("use `/usr/local`".into()),
            ));
        }
        pkg.check_not_empty()?;
        let category = match &opts.category {
            Some(c) => c.clone(),
            None => category_for(m.section.as_deref()),
        };
        check_category(&category)?;
        let origin = opts
            .origin
            .clone()
            .unwrap_or_else(|| format!("{category}/{}", m.name));
        if origin.split('/').count() != 2
            || origin.split('/').any(str::is_empty)
            || origin.contains(char::is_whitespace)
        {
            return Err(Error::invalid_field(
                FORMAT,
                "origin",
                origin,
                "a port origin is `category/portname`",
                Some("e.g. `sysutils/hello`".into()),
            ));
        }
        for line in [&m.summary, &m.maintainer] {
            if line.contains(['\n', '\r']) {
                return Err(Error::invalid_field(
                    FORMAT,
                    "summary",
                    line.as_str(),
                    "must be a single line",
                    None,
                ));
            }
        }

        let r = &m.relations;
        let mut deps = BTreeMap::new();
        for d in r.pre_depends.iter().chain(&r.depends) {
            check_relation_name(d, "depends")?;
            let origin = opts
                .dep_origins
                .get(&d.name)
                .cloned()
                .unwrap_or_else(|| format!("misc/{}", d.name));
            let version = d
                .constraint
                .as_ref()
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            deps.insert(
                d.name.clone(),
                Dep {
                    origin,
                    version: StrOrInt::Str(version),
                },
            );
        }
        let mut conflicts = Vec::new();
        for c in &r.conflicts {
            check_relation_name(c, "conflicts")?;
            // pkg records conflicts by package name (its `uid`); versions are not expressible.
            conflicts.push(c.name.clone());
        }
        conflicts.sort();
        conflicts.dedup();
        let mut shlibs: Vec<String> = opts.shlibs_required.clone();
        shlibs.sort();
        shlibs.dedup();
        for s in &shlibs {
            if s.is_empty() || s.contains(char::is_whitespace) {
                return Err(Error::invalid_field(
                    FORMAT,
                    "shlibs_required",
                    s.as_str(),
                    "is not a soname",
                    Some("e.g. `libzstd.so.1`".into()),
                ));
            }
        }
        let shlibs_provided = shlibs_provided(pkg)?;
        let (licenselogic, licenses) = licenses(&m.license);
        let summary = m.summary.split_whitespace().collect::<Vec<_>>().join(" ");
        let desc = if m.description.trim().is_empty() {
            summary.clone()
        } else {
            m.description.trim().to_string()
        };

        let mut scripts = ManifestScripts::default();
        let s = &pkg.scripts;
        let enc = |v: &Option<String>| v.as_ref().map(|x| manifest::urlencode(x.trim()));
        scripts.pre_install = enc(&s.pre_install);
        scripts.post_install = enc(&s.post_install);
        scripts.pre_deinstall = enc(&s.pre_remove);
        scripts.post_deinstall = enc(&s.post_remove);

        let mut directories = BTreeMap::new();
        let mut config = Vec::new();
        for (path, entry) in pkg.entries() {
            match entry {
                Entry::Dir(_) => {
                    directories.insert(
                        manifest::urlencode(&path.absolute()),
                        DirValue::Flag("y".into()),
                    );
                }
                Entry::File(f) if f.conffile => config.push(manifest::urlencode(&path.absolute())),
                _ => {}
            }
        }

        let manifest = Manifest {
            name: m.name.clone(),
            origin,
            version,
            comment: summary,
            maintainer: email(&m.maintainer),
            www: m.homepage.clone().filter(|h| !h.trim().is_empty()),
            abi: Some(format!("FreeBSD:{}:{abi_arch}", opts.os_major)),
            arch: Some(format!("freebsd:{}:{legacy}", opts.os_major)),
            prefix: opts.prefix.clone(),
            flatsize: i64::try_from(pkg.installed_size()).unwrap_or(i64::MAX),
            licenselogic: Some(licenselogic.to_string()),
            licenses,
            desc: Some(manifest::urlencode(&desc)),
            deps,
            categories: vec![category],
            shlibs_required: shlibs,
            shlibs_provided,
            conflicts,
            config,
            directories,
            scripts,
            ..Manifest::default()
        };
        Ok(Writer {
            pkg,
            opts: opts.clone(),
            manifest,
        })
    }

    /// `<name>-<version>.pkg` (pkg ≥ 1.17 names every package `.pkg`, whatever the compression).
    pub fn file_name(&self) -> String {
        format!("{}-{}.pkg", self.manifest.name, self.manifest.version)
    }

    /// The manifest without `files` (their sums are computed while writing).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Writes the package: `+COMPACT_MANIFEST`, `+MANIFEST`, every file and symlink under its
    /// absolute path in manifest order, then every declared directory, as `pkg create` does.
    /// Without [`Options::shared`], each asset is read twice: once for its sum, once into the
    /// archive.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the asset when it cannot be read or changed size, and output errors.
    pub fn write_to(&self, w: &mut dyn Write) -> Result<()> {
        let mut full = self.manifest.clone();
        for (path, entry) in self.pkg.entries() {
            let sum = match entry {
                Entry::File(f) => format!(
                    "1${}",
                    file_digests(f, &path.absolute(), self.opts.shared.as_deref())?.sha256_hex()
                ),
                Entry::Symlink(s) => format!("1${}", symlink_sum(&s.target)),
                Entry::Dir(_) => continue,
            };
            full.files
                .insert(manifest::urlencode(&path.absolute()), FileValue::Sum(sum));
        }
        let compact = full.compact().to_string().into_bytes();
        let full = full.to_string().into_bytes();

        let date = self.pkg.source_date.secs();
        let out_err = |e| Error::io("<output>", "writing the freebsd package", e);
        let enc = PayloadEncoder::new(
            w,
            crate::Format::FreeBsd,
            self.opts.compression,
            self.opts.shared.clone(),
        )
        .map_err(out_err)?;
        let mut tar = TarWriter::new(enc, TarFlavor::Pax, date);
        let wheel = Owner {
            user: "root".into(),
            group: "wheel".into(),
        };
        tar.append_file(
            "+COMPACT_MANIFEST",
            compact.len() as u64,
            0o644,
            &wheel,
            &compact[..],
        )
        .map_err(out_err)?;
        tar.append_file("+MANIFEST", full.len() as u64, 0o644, &wheel, &full[..])
            .map_err(out_err)?;
        for (path, entry) in self.pkg.entries() {
            let entry = freebsd_owner(entry);
            match &entry {
                Entry::Dir(_) => {}
                e => drop(tar.append_staged(&path.absolute(), e)?),
            }
        }
        for (path, entry) in self.pkg.entries() {
            if let Entry::Dir(d) = freebsd_owner(entry) {
                tar.append_dir(&format!("{}/", path.absolute()), d.mode, &d.owner)
                    .map_err(out_err)?;
            }
        }
        let enc = tar.finish().map_err(out_err)?;
        enc.finish().map_err(out_err)?;
        Ok(())
    }
}

/// FreeBSD's group 0 is `wheel`: an entry owned by group `root` is written as `wheel`.
fn freebsd_owner(entry: &Entry) -> Entry {
    let fix = |o: &Owner| Owner {
        user: o.user.clone(),
        group: if o.group == "root" {
            "wheel".to_string()
        } else {
            o.group.clone()
        },
    };
    match entry {
        Entry::File(f) => Entry::File(FileEntry {
            owner: fix(&f.owner),
            ..f.clone()
        }),
        Entry::Dir(d) => Entry::Dir(crate::DirEntry {
            owner: fix(&d.owner),
            ..d.clone()
        }),
        Entry::Symlink(s) => Entry::Symlink(crate::SymlinkEntry {
            owner: fix(&s.owner),
            ..s.clone()
        }),
    }
}

/// The sum pkg computes for a symlink (`pkg_checksum_symlink_readlink`): SHA-256 over the
/// target; for an absolute target the leading `/` is skipped but the length is kept, so the
/// terminating NUL byte is hashed too ("kept for compat" in pkg's source).
pub fn symlink_sum(target: &str) -> String {
    let digest = match target.strip_prefix('/') {
        Some(rest) => {
            let mut bytes = rest.as_bytes().to_vec();
            bytes.push(0);
            Sha256::digest(&bytes)
        }
        None => Sha256::digest(target.as_bytes()),
    };
    hex::encode(digest)
}

fn email(maintainer: &str) -> String {
    match (maintainer.find('<'), maintainer.rfind('>')) {
        (Some(a), Some(b)) if a < b => maintainer[a + 1..b].trim().to_string(),
        _ => maintainer.trim().to_string(),
    }
}

/// The port category for a Debian-style section name.
fn category_for(section: Option<&str>) -> String {
    let Some(s) = section.map(str::trim).filter(|s| !s.is_empty()) else {
        return "sysutils".to_string();
    };
    let s = s.rsplit('/').next().unwrap_or(s); // `contrib/utils`
    match s {
        "utils" | "admin" | "otherosfs" => "sysutils",
        "web" | "httpd" => "www",
        "database" => "databases",
        "libs" | "libdevel" | "rust" | "vcs" => "devel",
        "sound" => "audio",
        "text" | "tex" => "textproc",
        "video" => "multimedia",
        "doc" => "misc",
        other => other,
    }
    .to_string()
}

fn check_category(c: &str) -> Result<()> {
    if c.is_empty()
        || !c
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(Error::invalid_field(
            FORMAT,
            "category",
            c,
            "a port category is lowercase letters, digits and `-`",
            Some("set the FreeBSD category explicitly, e.g. `sysutils`".into()),
        ));
    }
    Ok(())
}

/// Package names: printable ASCII without whitespace, `/`, `,` or glob characters, not starting
/// with `-` (pkg splits `name-version` at the last `-`, so `-` inside the name is fine).
fn check_name(name: &str) -> Result<()> {
    let bad = |reason: String| Err(Error::invalid_field(FORMAT, "name", name, reason, None));
    if name.is_empty() {
        return bad("is empty".into());
    }
    if name.starts_with('-') {
        return bad("may not start with `-`".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '@')))
    {
        return bad(format!(
            "contains `{}`; use letters, digits and `-_.+@`",
            c.escape_debug()
        ));
    }
    Ok(())
}

fn check_relation_name(r: &Relation, field: &'static str) -> Result<()> {
    if r.name.is_empty()
        || r.name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(Error::invalid_field(
            FORMAT,
            field,
            &r.name,
            "is not a FreeBSD package name",
            Some("use the FreeBSD package name, e.g. `zstd`".into()),
        ));
    }
    Ok(())
}

/// `licenselogic` and `licenses` from an SPDX expression: `A OR B` → `or`, `A AND B` → `and`, a
/// single id → `single`; a mixed expression is kept whole as one licence. SPDX ids that the
/// ports tree spells differently are mapped (`Apache-2.0` → `APACHE20`, …).
fn licenses(expr: &str) -> (&'static str, Vec<String>) {
    let expr = expr.trim();
    if expr.is_empty() {
        return ("single", Vec::new());
    }
    let words: Vec<&str> = expr.split_whitespace().collect();
    let has = |op: &str| words.iter().any(|w| w.eq_ignore_ascii_case(op));
    let (logic, sep) = match (has("OR"), has("AND")) {
        (true, false) => ("or", "OR"),
        (false, true) => ("and", "AND"),
        (false, false) if words.len() == 1 => ("single", ""),
        _ => return ("single", vec![expr.to_string()]),
    };
    if expr.contains(['(', ')']) || has("WITH") {
        return ("single", vec![expr.to_string()]);
    }
    let ids: Vec<String> = if sep.is_empty() {
        vec![ports_license(expr)]
    } else {
        words
            .iter()
            .filter(|w| !w.eq_ignore_ascii_case(sep))
            .map(|w| ports_license(w))
            .collect()
    };
    (logic, ids)
}

fn ports_license(spdx: &str) -> String {
    match spdx {
        "Apache-2.0" => "APACHE20",
        "BSD-2-Clause" => "BSD2CLAUSE",
        "BSD-3-Clause" => "BSD3CLAUSE",
        "GPL-2.0-only" | "GPL-2.0" => "GPLv2",
        "GPL-2.0-or-later" | "GPL-2.0+" => "GPLv2+",
        "GPL-3.0-only" | "GPL-3.0" => "GPLv3",
        "GPL-3.0-or-later" | "GPL-3.0+" => "GPLv3+",
        "LGPL-2.1-only" | "LGPL-2.1" => "LGPL21",
        "LGPL-2.1-or-later" | "LGPL-2.1+" => "LGPL21+",
        "LGPL-3.0-only" | "LGPL-3.0" => "LGPL3",
        "LGPL-3.0-or-later" | "LGPL-3.0+" => "LGPL3+",
        "MPL-2.0" => "MPL20",
        "ISC" => "ISCL",
        "Zlib" => "ZLIB",
        "Unlicense" => "UNLICENSE",
        "BSL-1.0" => "BSL",
        other => other,
    }
    .to_string()
}

/// `shlibs_provided` as `pkg create` computes it (`pkg_analyse_files`, `libpkg/pkg_abi.c`;
/// `analyse_elf`, `libpkg/pkg_elf.c`; `pkg_shlib_name_with_flags`, `libpkg/pkg.c`): the
/// `DT_SONAME` of every regular ELF file of the package whose soname starts with `lib` (pkg's
/// default `SHLIB_PROVIDE_PATHS_NATIVE` is empty: no path filter), sorted and without
/// duplicates. A library not branded FreeBSD (no `ELFOSABI_FREEBSD`, no FreeBSD note) counts as a
/// Linux one, as pkg and the FreeBSD kernel assume, and is recorded `libfoo.so.1:Linux`; a 32-bit
/// library in a 64-bit package (i386 in amd64, armv7 in aarch64) gets `:32`; another
/// architecture provides nothing. Files that are not ELF, or not readable as ELF, provide nothing.
///
/// # Errors
///
/// [`Error::Io`] when an asset cannot be read.
fn shlibs_provided(pkg: &Package) -> Result<Vec<String>> {
    use crate::package::Arch;
    let arch = pkg.metadata.arch;
    let mut out = std::collections::BTreeSet::new();
    for (path, entry) in pkg.entries() {
        let Entry::File(f) = entry else { continue };
        let at = std::path::PathBuf::from(path.absolute());
        let io = |e| Error::io(&at, "reading ELF file", e);
        let mut magic = Vec::with_capacity(4);
        std::io::Read::read_to_end(&mut std::io::Read::take(f.open()?, 4), &mut magic)
            .map_err(io)?;
        if magic != b"\x7fELF" {
            continue;
        }
        let mut scan = crate::elf::ElfScan::new(&at);
        std::io::copy(&mut f.open()?, &mut scan).map_err(io)?;
        let Ok(Some(plan)) = scan.finish() else {
            continue;
        };
        let mut collect = plan.collector();
        std::io::copy(&mut f.open()?, &mut collect).map_err(io)?;
        let Ok(info) = collect.finish() else { continue };
        let Some(so) = info
            .soname
            .filter(|s| s.starts_with("lib") && !s.contains(char::is_whitespace))
        else {
            continue;
        };
        let compat_32 = matches!(
            (arch, info.machine),
            (Arch::X86_64, Arch::I686) | (Arch::Aarch64, Arch::Armv7)
        );
        if info.machine != arch && arch != Arch::All && !compat_32 {
            continue;
        }
        let linux = if info.os == crate::elf::TargetOs::FreeBsd {
            ""
        } else {
            ":Linux"
        };
        out.insert(format!("{so}{linux}{}", if compat_32 { ":32" } else { "" }));
    }
    Ok(out.into_iter().collect())
}
