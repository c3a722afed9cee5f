//! Staging: from a [`Config`] (and what the build produced) to one [`Package`] per target.
//!
//! Asset sources are resolved once ([`resolve_assets`]: globs expanded, `target/release/`
//! pointed at the real cargo target directory, symlinks kept as symlinks); each target then
//! gets its own package ([`stage`]): FreeBSD prefix remapping, the format's relations,
//! automatic shared-library dependencies from the ELF files, bundled libraries, and for Debian
//! the changelog and copyright files lintian wants.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, bail, Context, Result};
use syspack_distro::elf::{ElfInfo, TargetOs};
use syspack_distro::frames::file_stamp;
use syspack_distro::kb::Version;
use syspack_distro::{
    Arch, Entry, Format, InstallPath, Metadata, Package, Relation, Relations, SourceDate,
    SystemdUnit, VersionOp,
};

use crate::config::{AssetKind, AssetSpec, Config, RelationSpecs, ScriptSource};
use crate::provenance::Record;
use crate::target::{SonameDep, Target};

/// What the build (or its absence) contributes.
#[derive(Clone, Debug, Default)]
pub struct BuildOutputs {
    /// The cargo target directory (`target/release/x` in assets is looked up below it).
    pub target_dir: Option<PathBuf>,
    /// Executables by binary name, from cargo's `compiler-artifact` messages.
    pub executables: BTreeMap<String, PathBuf>,
    /// The provenance of the C libraries the build linked.
    pub provenance: Vec<Record>,
    /// The glibc floor the binaries were built for (`--glibc`), if any.
    pub glibc: Option<crate::toolchain::GlibcFloor>,
    /// The resolved crate graph of the build (empty without a build).
    pub graph: Vec<crate::link::GraphCrate>,
    /// Bundled copies of C libraries the audit found in the ELF assets.
    pub audited: Vec<syspack_distro::Bundled>,
}

/// An asset with its source found on disk.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The file (or symlink) on disk.
    pub source: PathBuf,
    /// The install path, before any per-target remapping.
    pub dest: String,
    /// Permission bits.
    pub mode: u32,
    /// Plain, doc or config.
    pub kind: AssetKind,
    /// For a symlink: its target, as stored.
    pub link: Option<String>,
    /// For a regular file: its size when it was resolved.
    pub size: Option<u64>,
    /// For a regular file: its stamp when it was resolved ([`file_stamp`]), which finds its
    /// digests in the frame cache's index without another `stat`.
    pub stamp: Option<String>,
    /// Where it was configured.
    pub key: String,
    /// `Some(format)`: an asset of that format's own list ([`Config::has_own_assets`]), packaged for
    /// it alone; `None`: a generic asset, packaged for every format without a list of its own.
    pub only_for: Option<Format>,
    /// For a stripped ELF file (`source` is then the stripped copy): the file it was made from,
    /// and with `separate-debug-symbols` its build ID and debugging symbols.
    pub stripped_from: Option<PathBuf>,
    /// The build ID and the file with the debugging symbols split off.
    pub debug_symbols: Option<(String, PathBuf)>,
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Resolves every asset's source, in configuration order.
///
/// # Errors
///
/// A missing source, a glob that matches nothing, a directory given as a file, a non-UTF-8 file
/// name: each names the configuration key and the fix.
pub fn resolve_assets(cfg: &Config, build: &BuildOutputs) -> Result<Vec<Resolved>> {
    let mut out = Vec::new();
    let own = cfg
        .overrides
        .iter()
        .filter_map(|(f, o)| o.assets.as_ref().map(|a| (Some(*f), a)));
    for (only_for, list) in std::iter::once((None, &cfg.assets)).chain(own) {
        for a in list {
            let first = out.len();
            resolve_one(cfg, build, a, &mut out)
                .with_context(|| format!("in asset `{}` of `{}`", a.key, cfg.file.display()))?;
            for r in &mut out[first..] {
                r.only_for = only_for;
            }
        }
    }
    Ok(out)
}

/// Where a source written as `target/release/…` really is: the executable cargo reported, else
/// the file under the target directory's directory of the profile built with (cargo-deb reads
/// `target/release/` in assets as "the build's output" too, whatever the profile).
fn source_path(cfg: &Config, build: &BuildOutputs, source: &str) -> PathBuf {
    if let Some(rest) = source.strip_prefix("target/release/") {
        if let Some(exe) = build.executables.get(rest) {
            return exe.clone();
        }
        if let Some(dir) = &build.target_dir {
            let profile = cfg.cargo.as_ref().map_or("release", |c| c.profile_dir());
            return dir.join(profile).join(rest);
        }
    }
    let p = Path::new(source);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cfg.base_dir.join(p)
    }
}

fn default_mode(meta: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            return 0o755;
        }
    }
    let _ = meta;
    0o644
}

fn resolve_one(
    cfg: &Config,
    build: &BuildOutputs,
    a: &AssetSpec,
    out: &mut Vec<Resolved>,
) -> Result<()> {
    if let Some(link) = &a.symlink {
        out.push(Resolved {
            source: PathBuf::from(format!("symlink to `{link}`")),
            dest: a.dest.clone(),
            mode: 0o777,
            kind: a.kind,
            link: Some(link.clone()),
            size: None,
            stamp: None,
            key: a.key.clone(),
            only_for: None,
            stripped_from: None,
            debug_symbols: None,
        });
        return Ok(());
    }
    if !is_glob(&a.source) {
        let path = source_path(cfg, build, &a.source);
        let meta = std::fs::symlink_metadata(&path).map_err(|e| {
            let hint = if a.source.starts_with("target/") {
                "build it first (`cargo build --release`, or run `syspack package` without `--no-build`)"
            } else {
                "fix `source` (relative paths start at the directory of the configuration file)"
            };
            anyhow!("asset source `{}` cannot be read: {e}; {hint}", path.display())
        })?;
        if meta.is_dir() {
            bail!(
                "asset source `{}` is a directory; list its files with a glob such as `{}/**/*` and a `dest` ending in `/`",
                path.display(),
                a.source.trim_end_matches('/')
            );
        }
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            anyhow!(
                "asset source `{}` has a file name that is not UTF-8; rename it",
                path.display()
            )
        })?;
        let dest = if a.dest.ends_with('/') {
            format!("{}{name}", a.dest)
        } else {
            a.dest.clone()
        };
        out.push(make(a, path, dest, &meta)?);
        return Ok(());
    }

    // A glob: walk from its literal prefix, keep the path below that prefix under `dest`.
    let pattern_path = source_path(cfg, build, &a.source);
    let pattern_str = pattern_path
        .to_str()
        .ok_or_else(|| anyhow!("asset glob `{}` is not UTF-8", pattern_path.display()))?
        .to_string();
    let pattern = glob::Pattern::new(&pattern_str).map_err(|e| {
        anyhow!(
            "`{}` is not a valid glob: {e}; see `source` of this asset",
            a.source
        )
    })?;
    let mut prefix = PathBuf::new();
    for c in pattern_path.components() {
        if is_glob(&c.as_os_str().to_string_lossy()) {
            break;
        }
        prefix.push(c);
    }
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let mut matches = Vec::new();
    if prefix.is_dir() {
        for entry in walkdir::WalkDir::new(&prefix)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry
                .with_context(|| format!("failed to read the directory `{}`", prefix.display()))?;
            if entry.file_type().is_dir() {
                continue;
            }
            let path = entry.path();
            let lossy = path.to_string_lossy();
            if !pattern.matches_with(&lossy, opts) {
                continue;
            }
            if path.to_str().is_none() {
                bail!(
                    "asset source `{}` has a file name that is not UTF-8, which no package format can hold; rename it",
                    lossy
                );
            }
            matches.push(path.to_path_buf());
        }
    }
    if matches.is_empty() {
        bail!(
            "asset glob `{}` matches no file; fix `source` or create the files first",
            pattern_str
        );
    }
    if !a.dest.ends_with('/') && matches.len() > 1 {
        bail!(
            "asset glob `{}` matches {} files but `dest` `{}` names one file; end `dest` with `/` to install them into a directory",
            a.source,
            matches.len(),
            a.dest
        );
    }
    for path in matches {
        let meta = std::fs::symlink_metadata(&path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        let rel = path.strip_prefix(&prefix).unwrap_or(&path);
        let rel = rel.to_str().unwrap_or_default().to_string();
        let dest = if a.dest.ends_with('/') {
            format!("{}{rel}", a.dest)
        } else {
            a.dest.clone()
        };
        out.push(make(a, path, dest, &meta)?);
    }
    Ok(())
}

fn make(
    a: &AssetSpec,
    source: PathBuf,
    dest: String,
    meta: &std::fs::Metadata,
) -> Result<Resolved> {
    let link = if meta.file_type().is_symlink() {
        let t = std::fs::read_link(&source)
            .with_context(|| format!("failed to read the symlink `{}`", source.display()))?;
        Some(
            t.to_str()
                .ok_or_else(|| {
                    anyhow!(
                        "symlink `{}` points to a name that is not UTF-8",
                        source.display()
                    )
                })?
                .to_string(),
        )
    } else {
        None
    };
    Ok(Resolved {
        mode: a.mode.unwrap_or_else(|| default_mode(meta)),
        source,
        dest,
        kind: a.kind,
        link,
        size: meta.is_file().then_some(meta.len()),
        stamp: meta.is_file().then(|| file_stamp(meta)),
        key: a.key.clone(),
        only_for: None,
        stripped_from: None,
        debug_symbols: None,
    })
}

/// Maps an install path for a target: on FreeBSD, `/usr/x` → `<prefix>/x` and `/etc/x` →
/// `<prefix>/etc/x` (hier(7): third-party software lives under `/usr/local`).
pub fn remap(dest: &str, target: &Target, cfg: &Config) -> String {
    if target.format != Format::FreeBsd {
        return dest.to_string();
    }
    let prefix = cfg.freebsd_prefix.trim_end_matches('/');
    if dest.starts_with(&format!("{prefix}/")) {
        return dest.to_string();
    }
    if let Some(rest) = dest.strip_prefix("/usr/") {
        format!("{prefix}/{rest}")
    } else if let Some(rest) = dest.strip_prefix("/etc/") {
        format!("{prefix}/etc/{rest}")
    } else {
        dest.to_string()
    }
}

/// The source date: `SOURCE_DATE_EPOCH`, else the last commit's time in `dir`, else
/// [`FALLBACK_SOURCE_DATE`] — never the clock.
pub fn source_date(dir: &Path) -> Result<(SourceDate, &'static str)> {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") {
        let secs = v.trim().parse::<u64>().map_err(|_| {
            anyhow!(
                "`SOURCE_DATE_EPOCH={v}` is not a number of seconds since 1970; unset it or fix it"
            )
        })?;
        return Ok((SourceDate(secs), "SOURCE_DATE_EPOCH"));
    }
    let git = std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output();
    if let Ok(o) = git {
        if o.status.success() {
            if let Ok(secs) = String::from_utf8_lossy(&o.stdout).trim().parse::<u64>() {
                return Ok((SourceDate(secs), "the last git commit"));
            }
        }
    }
    Ok((
        SourceDate(FALLBACK_SOURCE_DATE),
        "the fixed default (no SOURCE_DATE_EPOCH, no git commit)",
    ))
}

/// The date used when neither `SOURCE_DATE_EPOCH` nor a git commit gives one:
/// 2024-01-01T00:00:00Z.
pub const FALLBACK_SOURCE_DATE: u64 = 1_704_067_200;

fn read_script(s: &ScriptSource) -> Result<String> {
    let text = match s {
        ScriptSource::Inline(t) => t.clone(),
        ScriptSource::File(p) => crate::config::read_bounded(p, crate::config::MAX_TEXT_BYTES)
            .with_context(|| {
                format!(
                    "failed to read the maintainer script `{}`; fix the path in `scripts`",
                    p.display()
                )
            })?,
    };
    Ok(if text.starts_with("#!") {
        text
    } else {
        format!("#!/bin/sh\n{text}")
    })
}

/// The package's architecture: `architecture` if configured, else the host's.
pub fn package_arch(cfg: &Config) -> Result<Arch> {
    match &cfg.meta.arch {
        Some(a) => a.parse::<Arch>().map_err(|e| {
            anyhow!(
                "`{}` in `{}`: {e}",
                cfg.key("architecture"),
                cfg.file.display()
            )
        }),
        None => Ok(Arch::host()),
    }
}

/// The ELF executables and shared libraries among the assets that `target` cannot run in a
/// package for `arch`: another operating system (ELF OS/ABI, ABI note, interpreter, C library)
/// or another machine. One line per file.
pub fn foreign_binaries(assets: &[Resolved], target: &Target, arch: Arch) -> Vec<String> {
    let mut out = Vec::new();
    let wants = if target.format == Format::FreeBsd {
        TargetOs::FreeBsd
    } else {
        TargetOs::Linux
    };
    for a in assets.iter().filter(|a| a.link.is_none()) {
        let src = a.stripped_from.as_ref().unwrap_or(&a.source);
        let Some(Ok(info)) = analysed_elf(src) else {
            continue;
        };
        if !info.loadable {
            continue;
        }
        let how = match &info.interpreter {
            Some(i) => format!(" (interpreter `{i}`)"),
            None => String::new(),
        };
        // A FreeBSD binary for a newer major version than the target's.
        let too_new = match (
            info.freebsd_major()
                .filter(|_| info.os == TargetOs::FreeBsd),
            target.freebsd_major(),
        ) {
            (Some(built), Some(have)) if built > have => Some((built, have)),
            _ => None,
        };
        if info.os != wants {
            out.push(format!(
                "`{}` (installed as `{}`) is a {} {} binary{how}, but target `{}` runs {wants} binaries",
                src.display(),
                a.dest,
                info.os,
                info.machine.rpm(),
                target.id
            ));
        } else if let Some((built, have)) = too_new {
            out.push(format!(
                "`{}` (installed as `{}`) was built for FreeBSD {built} (ABI note {}), but \
                 target `{}` runs FreeBSD {have}, which runs binaries of its own and older \
                 major versions only",
                src.display(),
                a.dest,
                info.freebsd_version.unwrap_or_default(),
                target.id
            ));
        } else if info.machine != arch {
            out.push(format!(
                "`{}` (installed as `{}`) is a {} binary, but the package is for {} ({})",
                src.display(),
                a.dest,
                info.machine.rpm(),
                arch.rpm(),
                arch.deb()
            ));
        }
    }
    out
}

/// The OS of the ELF executables and libraries among the assets (empty: a data-only package).
pub fn binary_oses(assets: &[Resolved]) -> Vec<TargetOs> {
    let mut out = Vec::new();
    for a in assets.iter().filter(|a| a.link.is_none()) {
        if let Some(Ok(info)) = analysed_elf(&a.source) {
            if info.loadable && !out.contains(&info.os) {
                out.push(info.os);
            }
        }
    }
    out
}

/// Strips the ELF executables and shared libraries among the assets that still have symbols
/// (see [`crate::strip`]), replacing each one's source by its stripped copy, unless
/// `strip = false`. Documentation is left alone.
///
/// # Errors
///
/// `strip`/`objcopy` missing (named with its package) or failing.
pub fn strip_assets(cfg: &Config, build: &BuildOutputs, assets: &mut [Resolved]) -> Result<()> {
    if cfg.strip == Some(false) {
        return Ok(());
    }
    let scratch = match &build.target_dir {
        Some(d) => d.join("syspack-strip"),
        None => std::env::temp_dir().join("syspack-strip"),
    };
    for a in assets.iter_mut() {
        if a.link.is_some() || a.kind == AssetKind::Doc {
            continue;
        }
        let Some(Ok(info)) = analysed_elf(&a.source) else {
            continue;
        };
        if !info.loadable || !info.unstripped {
            continue;
        }
        let s = crate::strip::strip(&a.source, &info, &scratch, cfg.separate_debug_symbols)
            .with_context(|| format!("stripping asset `{}`", a.key))?;
        if cfg.separate_debug_symbols && s.debug.is_none() {
            exit_warn(format!(
                "`{}` has no GNU build ID, so its debugging symbols cannot go into a -dbgsym package; link with `-C link-arg=-Wl,--build-id`",
                a.source.display()
            ));
        }
        let meta = std::fs::metadata(&s.path)
            .with_context(|| format!("failed to read `{}`", s.path.display()))?;
        a.stripped_from = Some(std::mem::replace(&mut a.source, s.path));
        a.size = Some(meta.len());
        a.stamp = Some(file_stamp(&meta));
        a.debug_symbols = s.debug;
    }
    Ok(())
}

fn exit_warn(msg: String) {
    crate::exit::warn(msg);
}

/// True for a file the packaging tools of `format` compress on install (`gzip -9n`, renamed
/// `.gz`): manual pages (`…/share/man/man1/x.1`, `…/share/man/de/man1/x.1`) and info pages
/// (`…/share/info/x.info`, not on FreeBSD), as dh_compress, rpm's brp-compress and makepkg do; in a
/// .deb also `usr/share/doc/…/NEWS` and `…/changelog`, as dh_compress and cargo-deb do.
fn compressed_on_install(path: &InstallPath, format: Format) -> bool {
    let rel = path.relative();
    if is_compressed_name(rel) {
        return false;
    }
    if let Some((_, below)) = rel.split_once("share/man/") {
        return below.split('/').any(|c| c.starts_with("man"));
    }
    // FreeBSD's ports compress manual pages but leave info pages as they are.
    if let Some((_, below)) = rel.split_once("share/info/") {
        return format != Format::FreeBsd && (below.ends_with(".info") || below.contains(".info-"));
    }
    format == Format::Deb
        && rel.starts_with("usr/share/doc/")
        && (rel.ends_with("/NEWS") || rel.ends_with("/changelog"))
}

fn is_compressed_name(name: &str) -> bool {
    [".gz", ".bz2", ".xz", ".zst", ".lzma", ".Z"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// `bytes` compressed like `gzip -9n`: deterministic, with no name and no time in the header.
fn gzip(bytes: &[u8], what: &Path) -> Result<Vec<u8>> {
    use std::io::Write;
    let err = |e| anyhow!("failed to compress `{}`: {e}", what.display());
    let mut enc = syspack_distro::compress::Encoder::new(
        Vec::new(),
        syspack_distro::Compression::Gzip { level: 9 },
    )
    .map_err(err)?;
    enc.write_all(bytes).map_err(err)?;
    enc.finish().map_err(err)
}

/// One staged package, ready for a writer.
pub struct Staged {
    /// The target.
    pub target: Target,
    /// The package.
    pub package: Package,
    /// Remarks (unknown sonames…).
    pub warnings: Vec<String>,
    /// Sonames the package's ELF files need from outside the package and the base system
    /// (FreeBSD `shlibs_required`), sorted.
    pub needed_sonames: Vec<String>,
    /// The FreeBSD install prefix.
    pub freebsd_prefix: String,
}

impl Staged {
    /// The writer of this package for its target: `compression`, what `shared` lends (file
    /// digests, the shared frames of large files), and for FreeBSD the target's major version,
    /// the install prefix and the sonames for `shlibs_required`.
    ///
    /// # Errors
    ///
    /// What the format's writer refuses (checked now, before anything is written).
    pub fn writer(
        &self,
        compression: syspack_distro::Compression,
        shared: Option<std::sync::Arc<syspack_distro::frames::SharedContent>>,
    ) -> Result<syspack_distro::AnyWriter<'_>> {
        let defaults = syspack_distro::freebsd::Options::default();
        // A FreeBSD dependency names its port origin too: the release index's (a packagesite
        // import) where it has one, else the writer's placeholder.
        let dep_origins = match self.target.index()? {
            Some(ix) if self.target.format == syspack_distro::Format::FreeBsd => {
                let r = &self.package.metadata.relations;
                r.pre_depends
                    .iter()
                    .chain(&r.depends)
                    .filter_map(|d| Some((d.name.clone(), ix.origins.get(&d.name)?.clone())))
                    .collect()
            }
            _ => defaults.dep_origins.clone(),
        };
        let opts = syspack_distro::WriteOptions {
            compression,
            shared,
            freebsd: syspack_distro::freebsd::Options {
                os_major: self.target.freebsd_major().unwrap_or(defaults.os_major),
                prefix: self.freebsd_prefix.clone(),
                shlibs_required: self.needed_sonames.clone(),
                dep_origins,
                ..defaults
            },
        };
        Ok(syspack_distro::AnyWriter::new(
            &self.package,
            self.target.format,
            opts,
        )?)
    }
}

/// Stages the package for one target.
///
/// # Errors
///
/// Invalid install paths, duplicate destinations, escaping symlinks, unreadable scripts, an
/// empty package: each names the asset and the fix.
pub fn stage(
    cfg: &Config,
    assets: &[Resolved],
    build: &BuildOutputs,
    target: &Target,
    date: SourceDate,
) -> Result<Staged> {
    let m = &cfg.meta_for(target.format);
    let arch = package_arch(cfg)?;
    let mut meta = Metadata::new(&m.name, &m.version, arch);
    if let Some(r) = &m.release {
        meta.release = r.clone();
    }
    meta.epoch = m.epoch;
    meta.summary = m.summary.clone();
    meta.description = syspack_distro::text::wrap(&m.description, 79);
    meta.maintainer = m.maintainer.clone();
    meta.license = m.license.clone();
    meta.homepage = m.homepage.clone();
    meta.vendor = m.vendor.clone();
    meta.priority = m.priority.clone();
    meta.section = cfg
        .overrides
        .get(&target.format)
        .and_then(|o| o.section.clone())
        .or_else(|| m.section.clone());
    meta.bundled = build
        .provenance
        .iter()
        .filter_map(Record::bundled)
        .collect();
    // The audit's findings, unless the provenance already declares the library (under
    // syspack's name: `lzma` is the audit's `xz`).
    for b in &build.audited {
        let known = meta.bundled.iter().any(|m| {
            m.name == b.name
                || crate::sys_crates::SysCrate::find(&m.name).is_some_and(|c| c.kb_name == b.name)
        });
        if !known {
            meta.bundled.push(b.clone());
        }
    }

    let mut pkg = Package::new(meta, date);
    let mut warnings = Vec::new();
    let own_list = cfg.has_own_assets(target.format);
    let assets = assets.iter().filter(|a| match a.only_for {
        Some(f) => f == target.format,
        None => !own_list,
    });
    for a in assets {
        let dest = remap(&a.dest, target, cfg);
        let path = InstallPath::new(&dest).with_context(|| {
            format!(
                "asset `{}` (source `{}`): fix its `dest`",
                a.key,
                a.source.display()
            )
        })?;
        let ctx = || format!("asset `{}` (source `{}`)", a.key, a.source.display());
        // Manual and info pages (and a .deb's NEWS and changelog) are compressed and renamed
        // `.gz`; symlinks to them follow.
        let man = compressed_on_install(&path, target.format);
        let path = if man {
            InstallPath::new(&format!("{}.gz", path.absolute()))?
        } else {
            path
        };
        match &a.link {
            Some(link) if man && !is_compressed_name(link) => pkg
                .add_symlink(path, &format!("{link}.gz"))
                .with_context(ctx)?,
            Some(link) => pkg.add_symlink(path, link).with_context(ctx)?,
            None if man => {
                let text = std::fs::read(&a.source)
                    .with_context(|| format!("failed to read `{}`", a.source.display()))?;
                let f = pkg
                    .add_bytes(path, gzip(&text, &a.source)?, a.mode)
                    .with_context(ctx)?;
                // rpmbuild marks manual and info pages `%doc` (rpmlint:
                // not-listed-as-documentation), and NEWS and changelog are documentation.
                f.doc = a.kind != AssetKind::Config;
                f.conffile = a.kind == AssetKind::Config;
            }
            None => {
                let f = match a.size {
                    Some(size) => pkg.add_file_of_size(path, &a.source, size, a.mode),
                    None => pkg.add_file(path, &a.source, a.mode),
                }
                .with_context(ctx)?;
                f.doc = a.kind == AssetKind::Doc;
                f.conffile = a.kind == AssetKind::Config;
            }
        }
    }
    // rpmbuild owns a package's documentation directory (`%doc`); so do we, or `rpm -e` leaves
    // /usr/share/doc/<name> behind. The other formats list or remove parent directories themselves.
    if target.format == Format::Rpm {
        let doc_dirs: Vec<InstallPath> = pkg
            .entries()
            .iter()
            .filter(|(_, e)| matches!(e, Entry::File(f) if f.doc))
            .filter_map(|(p, _)| p.parent())
            .filter(|d| d.relative().starts_with("usr/share/doc/"))
            .collect();
        for dir in doc_dirs {
            if !pkg.entries().contains_key(&dir) {
                pkg.add_dir(dir, 0o755)?;
            }
        }
    }
    if let Some(changelog) = &cfg.changelog {
        add_changelog(&mut pkg, changelog, target, cfg)?;
    }
    for c in &cfg.conffiles {
        let path = InstallPath::new(&remap(c, target, cfg))
            .with_context(|| format!("`conffiles` entry `{c}` in `{}`", cfg.file.display()))?;
        pkg.mark_conffile(&path)
            .with_context(|| format!("`conffiles` entry `{c}` in `{}`", cfg.file.display()))?;
    }
    // Debian: every regular file under /etc is a conffile, as dh_installdeb (and so cargo-deb)
    // marks it (lintian E: file-in-etc-not-marked-as-conffile). rpmbuild, makepkg and pkg mark
    // only what the packager lists, so the other formats do too.
    let in_etc: Vec<InstallPath> = pkg
        .entries()
        .iter()
        .filter(|(p, e)| {
            target.format == Format::Deb
                && matches!(e, Entry::File(_))
                && p.absolute().starts_with("/etc/")
        })
        .map(|(p, _)| p.clone())
        .collect();
    for p in &in_etc {
        pkg.mark_conffile(p)?;
    }
    for u in &cfg.systemd_units {
        if target.format == Format::FreeBsd {
            warnings.push(format!(
                "systemd unit `{}` is not installed on FreeBSD (no systemd)",
                u.unit.display()
            ));
            continue;
        }
        let name = unit_name(&u.unit)?;
        let dest = InstallPath::new(&format!("/usr/lib/systemd/system/{name}"))?;
        pkg.add_file(dest, &u.unit, 0o644)
            .with_context(|| format!("systemd unit `{}` from `{}`", name, cfg.file.display()))?;
        pkg.systemd_units.push(SystemdUnit {
            name,
            enable: u.enable,
            start: u.start,
        });
    }
    let s = cfg.scripts_for(target.format);
    if s.native && target.format != Format::Deb {
        // Debian maintainer scripts dispatch on dpkg's arguments (`configure`, `abort-upgrade`…),
        // which rpm, pacman and pkg never pass.
        warnings.push(format!(
            "the Debian maintainer scripts (`maintainer-scripts`) are not run by {} packages; \
             write portable ones under `scripts` in [package.metadata.syspack] (or \
             cargo-generate-rpm's `post_install_script`…) for them",
            target.format.name()
        ));
    } else {
        pkg.scripts.pre_install = s.pre_install.as_ref().map(read_script).transpose()?;
        pkg.scripts.post_install = s.post_install.as_ref().map(read_script).transpose()?;
        pkg.scripts.pre_remove = s.pre_remove.as_ref().map(read_script).transpose()?;
        pkg.scripts.post_remove = s.post_remove.as_ref().map(read_script).transpose()?;
        pkg.scripts.native = s.native;
    }

    pkg.check_not_empty().with_context(|| {
        format!(
            "nothing to package from `{}`: add an `assets` entry",
            cfg.file.display()
        )
    })?;

    let mut relations = to_relations(&cfg.relations_for(target.format));
    let mut needed_sonames = Vec::new();
    if cfg.auto_depends_for(target.format) {
        let (deps, needed) = shlib_depends(&pkg, build, target, &relations.depends, &mut warnings)?;
        needed_sonames = needed;
        // A package the configuration names keeps the configured relation; the automatic ones
        // are all kept (dpkg-shlibdeps can give one package several: `libc6 (>= 2.34),
        // libc6 (>> 2.36), libc6 (<< 2.37)` for a GLIBC_PRIVATE user).
        let declared: Vec<String> = relations.depends.iter().map(|r| r.name.clone()).collect();
        for dep in deps {
            if !declared.contains(&dep.name) {
                relations.depends.push(dep);
            }
        }
    }
    pkg.metadata.relations = relations;

    if target.format == Format::Deb {
        syspack_distro::deb::add_lintian_docs(&mut pkg).with_context(|| {
            format!(
                "adding the Debian changelog and copyright for target `{}`",
                target.id
            )
        })?;
    }
    Ok(Staged {
        target: target.clone(),
        package: pkg,
        warnings,
        needed_sonames,
        freebsd_prefix: cfg.freebsd_prefix.clone(),
    })
}

/// The configured changelog. For Debian, compressed (Policy §12.7): a file in the Debian changelog
/// format (what cargo-deb's `changelog` names; see [`is_debian_changelog`]) is the package's
/// `changelog.Debian.gz` (`changelog.gz` for a native version), in place of the one syspack would
/// generate; any other file is the upstream changelog, `changelog.gz` (`changelog.upstream.gz`
/// for a native version, whose `changelog.gz` is the Debian one). For the other formats the file
/// as it is, as documentation.
fn add_changelog(pkg: &mut Package, changelog: &Path, target: &Target, cfg: &Config) -> Result<()> {
    let ctx = || {
        format!(
            "the changelog `{}` (`{}` in `{}`)",
            changelog.display(),
            cfg.key("changelog"),
            cfg.file.display()
        )
    };
    let text = std::fs::read(changelog).with_context(ctx)?;
    let name = &pkg.metadata.name;
    let (dest, bytes) = if target.format == Format::Deb {
        let native = pkg.metadata.release.is_empty();
        let file = match (is_debian_changelog(&text), native) {
            (true, true) => "changelog.gz",
            (true, false) => "changelog.Debian.gz",
            (false, true) => "changelog.upstream.gz",
            (false, false) => "changelog.gz",
        };
        (
            format!("/usr/share/doc/{name}/{file}"),
            gzip(&text, changelog)?,
        )
    } else {
        let file = changelog
            .file_name()
            .and_then(|f| f.to_str())
            .ok_or_else(|| anyhow!("{} has no UTF-8 file name", ctx()))?;
        (
            remap(&format!("/usr/share/doc/{name}/{file}"), target, cfg),
            text,
        )
    };
    let path = InstallPath::new(&dest).with_context(ctx)?;
    if pkg.entries().contains_key(&path) {
        return Ok(());
    }
    pkg.add_bytes(path, bytes, 0o644).with_context(ctx)?.doc = true;
    Ok(())
}

/// True when `text` starts (after blank lines) like a Debian changelog entry,
/// `package (version) distribution; urgency=…` (deb-changelog(5)).
fn is_debian_changelog(text: &[u8]) -> bool {
    let first = text
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let Some((head, rest)) = first.split_once(" (") else {
        return false;
    };
    let Some((version, rest)) = rest.split_once(") ") else {
        return false;
    };
    !head.is_empty()
        && !head.contains(char::is_whitespace)
        && !version.is_empty()
        && rest.contains(';')
        && rest.contains("urgency=")
}

/// The Debian `-dbgsym` package of `main`: the debugging symbols split off its ELF files
/// (`separate-debug-symbols`), at `/usr/lib/debug/.build-id/xx/yyyy.debug`, as debhelper's
/// dh_strip makes it — Section debug, Priority optional, `Depends: <name> (= <version>)`,
/// `Auto-Built-Package: debug-symbols` and `Build-Ids:` (deb-src-control(5) and
/// Debian's DebugPackage wiki page); its documentation directory is a symlink to the main
/// package's. `None` when no asset had symbols to split.
///
/// # Errors
///
/// An invalid name or version (already refused for the main package).
pub fn dbgsym(main: &Staged, assets: &[Resolved]) -> Result<Option<Staged>> {
    let mut debug: Vec<&(String, PathBuf)> = assets
        .iter()
        .filter_map(|a| a.debug_symbols.as_ref())
        .collect();
    debug.sort();
    debug.dedup_by(|a, b| a.0 == b.0);
    if debug.is_empty() {
        return Ok(None);
    }
    let m = &main.package.metadata;
    let name = format!("{}-dbgsym", m.name);
    let mut meta = Metadata::new(&name, &m.version, m.arch);
    meta.release = m.release.clone();
    meta.epoch = m.epoch;
    meta.maintainer = m.maintainer.clone();
    meta.license = m.license.clone();
    meta.homepage = m.homepage.clone();
    meta.summary = format!("debug symbols for {}", m.name);
    meta.section = Some("debug".into());
    meta.priority = Some("optional".into());
    let version = syspack_distro::deb::full_version(m)?;
    meta.relations.depends = vec![Relation::with(
        &m.name,
        syspack_distro::VersionOp::Eq,
        version,
    )];
    let ids: Vec<&str> = debug.iter().map(|(id, _)| id.as_str()).collect();
    meta.deb_fields = vec![
        ("Auto-Built-Package".into(), "debug-symbols".into()),
        ("Build-Ids".into(), ids.join(" ")),
    ];
    let mut pkg = Package::new(meta, main.package.source_date);
    for (id, path) in debug {
        let dest = InstallPath::new(&format!(
            "/usr/lib/debug/.build-id/{}/{}.debug",
            &id[..2],
            &id[2..]
        ))?;
        pkg.add_file(dest, path, 0o644)?;
    }
    pkg.add_symlink(
        InstallPath::new(&format!("/usr/share/doc/{name}"))?,
        &main.package.metadata.name,
    )?;
    let mut target = main.target.clone();
    target.id = format!("{}-dbgsym", target.id);
    Ok(Some(Staged {
        target,
        package: pkg,
        warnings: Vec::new(),
        needed_sonames: Vec::new(),
        freebsd_prefix: main.freebsd_prefix.clone(),
    }))
}

fn to_relations(r: &RelationSpecs) -> Relations {
    let get = |v: &Option<Vec<Relation>>| v.clone().unwrap_or_default();
    Relations {
        depends: get(&r.depends),
        recommends: get(&r.recommends),
        suggests: get(&r.suggests),
        conflicts: get(&r.conflicts),
        provides: get(&r.provides),
        replaces: get(&r.replaces),
        ..Relations::default()
    }
}

/// A systemd unit's name: its file name, which must be UTF-8.
pub fn unit_name(unit: &Path) -> Result<String> {
    unit.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!(
            "systemd unit `{}` has no UTF-8 file name; rename it (systemd unit names are ASCII, like `app.service`)",
            unit.display()
        ))
}

/// True when `path` starts with the ELF magic.
pub fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// `path`'s ELF analysis (None: not ELF), computed once per run however many targets ask: with
/// thousands of assets and four targets, opening every file once per target costs seconds.
fn analysed_elf(path: &Path) -> Option<std::result::Result<ElfInfo, String>> {
    type Memo = Mutex<HashMap<PathBuf, Option<std::result::Result<ElfInfo, String>>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let memo = MEMO.get_or_init(Memo::default);
    if let Some(known) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return known.clone();
    }
    let result = is_elf(path).then(|| ElfInfo::parse(path).map_err(|e| e.to_string()));
    memo.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_path_buf(), result.clone());
    result
}

/// A soname the release's index shows no package ships: an error (the binary cannot run
/// there) unless the package declares a dependency on a package the release does not have
/// (a third-party repository's, which may provide it).
fn missing_soname(
    target: &Target,
    soname: &str,
    users: &[String],
    source: &str,
    declared: &[Relation],
    warnings: &mut Vec<String>,
) -> Result<()> {
    let declared = declared
        .iter()
        .any(|d| target.has_package(&d.name) == Some(false));
    let msg = format!(
        "target `{}`: no package of {} ships `{soname}` (needed by {}; {source}): the binary cannot run there; ship the library in the package, vendor it, or declare the third-party package providing it in `depends`",
        target.id,
        target.id,
        users.join(", ")
    );
    if declared {
        warnings.push(msg);
        Ok(())
    } else {
        bail!(msg)
    }
}

/// The shared-library dependencies of the package's ELF files for one target, sorted by name.
fn shlib_depends(
    pkg: &Package,
    build: &BuildOutputs,
    target: &Target,
    declared: &[Relation],
    warnings: &mut Vec<String>,
) -> Result<(Vec<Relation>, Vec<String>)> {
    // A vendored sys crate's library is linked into the binary: its soname is no dependency.
    let vendored: Vec<String> = build
        .provenance
        .iter()
        .filter(|r| r.mode == "vendored")
        .filter_map(|r| crate::sys_crates::SysCrate::find(&r.library))
        .map(|c| c.soname_prefix())
        .collect::<Result<_>>()?;
    // Libraries the package ships itself satisfy their own sonames.
    let own: Vec<&str> = pkg.entries().keys().map(|p| p.file_name()).collect();
    let mut needed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut glibc: Option<Version> = None;
    let mut rpm_requires: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    // Each ELF file's DT_NEEDED sonames (in order) and imported symbols.
    type FileNeeds = (
        Vec<String>,
        Vec<syspack_distro::kb::shlibdeps::Import>,
        BTreeMap<String, std::collections::BTreeSet<String>>,
    );
    let mut files: Vec<FileNeeds> = Vec::new();
    for (path, entry) in pkg.entries() {
        let Entry::File(f) = entry else { continue };
        let syspack_distro::FileSource::Path(src) = &f.source else {
            continue;
        };
        let info = match analysed_elf(src) {
            None => continue,
            Some(Ok(i)) => i,
            Some(Err(e)) => {
                warnings.push(format!("`{}` looks like ELF but cannot be analysed ({e}); no dependencies taken from it", src.display()));
                continue;
            }
        };
        if (info.os == TargetOs::FreeBsd) != (target.format == Format::FreeBsd) {
            warnings.push(format!(
                "target `{}`: `{path}` is a {} executable, which will not run there; no dependencies taken from it",
                target.id, info.os
            ));
            continue;
        }
        glibc = glibc.max(info.max_version("GLIBC_"));
        if target.format == Format::Rpm && f.mode & 0o111 != 0 {
            rpm_requires.extend(elfdeps_requires(&info));
        }
        for n in &info.needed {
            needed.entry(n.clone()).or_default().push(path.absolute());
        }
        files.push((info.needed, info.imports, info.symbol_versions));
    }
    if target.format == Format::Rpm {
        // rpmbuild's own way: soname dependencies, resolved by the providers' automatic
        // Provides; no package names needed. Sonames the package ships or vendors are left out.
        let skip = |dep: &str| {
            let so = dep.split('(').next().unwrap_or(dep);
            vendored.iter().any(|v| so.starts_with(v)) || own.contains(&so)
        };
        let out: Vec<Relation> = rpm_requires
            .into_iter()
            .filter(|d| !skip(d))
            .map(Relation::any)
            .collect();
        // With the release's index, a soname no package provides cannot be resolved there.
        if target.index()?.is_some() {
            for (soname, users) in needed.iter().filter(|(so, _)| !skip(so)) {
                if let SonameDep::Missing(source) = target.dependency_for(soname, None) {
                    missing_soname(target, soname, users, &source, declared, warnings)?;
                }
            }
        }
        let external = needed.into_keys().filter(|so| !skip(so)).collect();
        return Ok((out, external));
    }
    // A damaged index in the user's index directory is an error, not a fallback to other data.
    target.index()?;
    let mut out: Vec<Relation> = Vec::new();
    let mut external = Vec::new();
    let skipped = |so: &str| vendored.iter().any(|v| so.starts_with(v)) || own.contains(&so);
    // Debian with a release index: what dpkg-shlibdeps computes from the libraries' symbols
    // files (or shlibs lines) and the symbols each file imports; the sonames the index does not
    // describe go the per-soname way below.
    let mut answered = std::collections::BTreeSet::new();
    if let Some(ix) = target.deb_index() {
        let mut deb = syspack_distro::kb::shlibdeps::DebDepends::default();
        for (file_needed, imports, versions) in &files {
            let file_needed: Vec<String> = file_needed
                .iter()
                .filter(|so| !skipped(so) && ix.provider(so).is_some())
                .cloned()
                .collect();
            answered.extend(deb.add_file(ix, &file_needed, imports, versions));
        }
        for text in deb.relations() {
            match text.parse::<Relation>() {
                Ok(r) => out.push(r),
                Err(_) => warnings.push(format!(
                    "target `{}`: the dependency `{text}` from a library's symbols file is not a single package relation, which syspack cannot write; add it to `depends` by hand",
                    target.id
                )),
            }
        }
    }
    for (soname, users) in needed {
        if skipped(&soname) {
            continue;
        }
        if answered.contains(&soname) {
            external.push(soname.clone());
            continue;
        }
        match target.dependency_for(&soname, glibc.as_ref().map(Version::as_str)) {
            SonameDep::Package(r) => {
                external.push(soname.clone());
                if let Some(o) = out.iter_mut().find(|o| o.name == r.name) {
                    // Keep the stronger of two constraints on one package (libc6 for libc and libm).
                    if o.constraint.is_none() {
                        *o = r;
                    }
                } else {
                    out.push(r);
                }
            }
            SonameDep::Base => {}
            SonameDep::Missing(source) => {
                external.push(soname.clone());
                missing_soname(target, &soname, &users, &source, declared, warnings)?;
            }
            SonameDep::Unknown => {
                external.push(soname.clone());
                warnings.push(format!(
                "target `{}`: no package known for shared library `{soname}` (needed by {}); add it to `depends` by hand",
                target.id,
                users.join(", ")
                ))
            }
        }
    }
    if target.format == Format::Deb {
        // In dpkg's order (Dpkg::Deps::deps_compare): by name, then `>=`, `>>`, `=`, `<<`, `<=`.
        let rank = |r: &Relation| match r.constraint.as_ref().map(|c| c.0) {
            None => 0,
            Some(VersionOp::Ge) => 1,
            Some(VersionOp::Gt) => 2,
            Some(VersionOp::Eq) => 3,
            Some(VersionOp::Lt) => 4,
            Some(VersionOp::Le) => 5,
        };
        out.sort_by(|a, b| {
            let v = |r: &Relation| {
                r.constraint
                    .as_ref()
                    .map(|c| c.1.clone())
                    .unwrap_or_default()
            };
            (a.name.as_str(), rank(a), v(a)).cmp(&(b.name.as_str(), rank(b), v(b)))
        });
        out.dedup();
        // A dependency outside the archive areas a fresh install enables installs only where
        // its area is in apt's sources: say so (dpkg-shlibdeps writes it without a word).
        if let Some(ix) = target.deb_index() {
            let enabled = target.release.family.default_areas();
            for r in &out {
                if let Some(area) = ix
                    .areas
                    .get(&r.name)
                    .filter(|a| !enabled.contains(&a.as_str()))
                {
                    warnings.push(format!(
                        "target `{}`: the dependency `{}` is in the `{area}` area of the archive: apt installs it only where `{area}` is in the sources",
                        target.id, r.name
                    ));
                }
            }
        }
    } else {
        out.sort();
    }
    Ok((out, external))
}

/// The `Requires` rpmbuild's elfdeps (rpm `tools/elfdeps.c`) writes for an executable ELF file:
/// `soname()(64bit)` for each `DT_NEEDED`, and `soname(VERSION)(64bit)` for each version it needs
/// of a library (`libc.so.6(GLIBC_2.34)(64bit)`); 32-bit files carry no marker (`libc.so.6`,
/// `libc.so.6(GLIBC_2.34)`). `rtld(GNU_HASH)`, which elfdeps adds for files with only a GNU hash
/// table, is not written: every glibc release syspack targets provides it.
fn elfdeps_requires(info: &ElfInfo) -> Vec<String> {
    use syspack_distro::Arch;
    let marker = match info.machine {
        Arch::X86_64 | Arch::Aarch64 | Arch::Riscv64 | Arch::Ppc64le | Arch::S390x => "(64bit)",
        _ => "",
    };
    let mut out = Vec::new();
    for n in &info.needed {
        out.push(if marker.is_empty() {
            n.clone()
        } else {
            format!("{n}(){marker}")
        });
    }
    for (so, versions) in &info.symbol_versions {
        for v in versions {
            out.push(format!("{so}({v}){marker}"));
        }
    }
    if info.gnu_hash_only {
        out.push("rtld(GNU_HASH)".to_string());
    }
    out
}
