//! pacman repositories, laid out as `repo-add` writes them (pacman's `scripts/repo-add.sh.in`,
//! functions `db_write_entry` and `create_db`; the format is described in `alpm-repo-db(5)`):
//!
//! ```text
//! arch/<channel>/<arch>/<pkg>-<ver>-<arch>.pkg.tar.zst{,.sig}
//! arch/<channel>/<arch>/<repo>.db.tar.zst{,.sig}      <repo>.db{,.sig} -> symlinks to them
//! arch/<channel>/<arch>/<repo>.files.tar.zst{,.sig}   <repo>.files{,.sig} -> symlinks
//! .syspack/pacman/<channel>/<arch>/<name>-<ver>/{desc,files}
//! ```
//!
//! The database is a tar of one directory per package (`<name>-<version>/`) holding `desc`
//! (sections `%NAME%` … each followed by its values, one per line, and an empty line); the files
//! database adds `files` (`%FILES%` then every path without the leading `/`, directories with a
//! trailing `/`). Each package has a detached binary signature `<file>.sig`, and its base64 is
//! also in `%PGPSIG%`. The per-package `desc`/`files` are kept under `.syspack/` so adding a
//! package reads only that package.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use md5::Md5;
use sha2::{Digest, Sha256};
use syspack_distro::arch;
use syspack_distro::compress::Compression;
use syspack_distro::EntryKind;

use crate::error::{Error, Result};
use crate::sign::{Signer, Verifier};
use crate::store;

/// Where the per-package entries live, relative to the repository.
pub const ENTRY_DIR: &str = ".syspack/pacman";

/// The settings of one publication.
#[derive(Clone, Debug)]
pub struct Options {
    /// The channel (`testing`, `stable`).
    pub channel: String,
    /// The repository name pacman.conf uses (`[syspack]`).
    pub repo: String,
    /// The time written into the database tarballs; `None` takes the newest package's build date.
    pub date: Option<u64>,
}

fn v(x: &[String]) -> Vec<&str> {
    x.iter().map(String::as_str).collect()
}

fn section(out: &mut String, name: &str, values: &[&str]) {
    let values: Vec<&&str> = values.iter().filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return;
    }
    out.push_str(&format!("%{name}%\n"));
    for v in values {
        out.push_str(v);
        out.push('\n');
    }
    out.push('\n');
}

fn safe(what: &str, value: &str) -> Result<()> {
    crate::store::check_name(what, value, ".+-_@:")
}

/// The directory of one channel and architecture.
pub fn arch_dir(dir: &Path, channel: &str, arch: &str) -> PathBuf {
    dir.join("arch").join(channel).join(arch)
}

/// Adds Arch packages (signing each) and republishes the databases of their architectures.
pub fn add(
    dir: &Path,
    packages: &[PathBuf],
    opts: &Options,
    signer: &Signer,
) -> Result<Vec<PathBuf>> {
    safe("channel", &opts.channel)?;
    safe("repository name", &opts.repo)?;
    let mut added = Vec::new();
    let mut archs = std::collections::BTreeSet::new();
    // Reading and signing each package on every core; the rest in order.
    crate::parallel::in_batches(
        packages,
        |path| prepare(path, opts, signer),
        |path, prepared| {
            let (p, arch) = add_one(dir, path, prepared?, opts)?;
            added.push(p);
            archs.insert(arch);
            Ok::<(), Error>(())
        },
    )?;
    for arch in archs {
        publish(dir, &arch, opts, signer)?;
    }
    Ok(added)
}

/// A package read and signed, ready to be added.
struct Prepared {
    reader: arch::Reader,
    bytes: Vec<u8>,
    sig: Vec<u8>,
}

fn prepare(path: &Path, opts: &Options, signer: &Signer) -> Result<Prepared> {
    let reader = arch::Reader::open(path)?;
    let bytes = fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    let time = u32::try_from(opts.date.unwrap_or(reader.metadata().builddate)).unwrap_or(u32::MAX);
    let sig = signer.detached_binary(&bytes, time)?;
    Ok(Prepared { reader, bytes, sig })
}

fn add_one(
    dir: &Path,
    path: &Path,
    prepared: Prepared,
    opts: &Options,
) -> Result<(PathBuf, String)> {
    let Prepared { reader, bytes, sig } = prepared;
    let info = reader.metadata();
    safe("package name", &info.pkgname)?;
    safe("version", &info.pkgver)?;
    safe("architecture", &info.arch)?;
    // pacman's `any` packages go in every architecture's repository; this version publishes them
    // under x86_64.
    let repo_arch = if info.arch == "any" {
        "x86_64"
    } else {
        &info.arch
    };
    let file_name = format!(
        "{}-{}-{}.pkg.tar{}",
        info.pkgname,
        info.pkgver,
        info.arch,
        reader.compression().suffix()
    );
    let adir = arch_dir(dir, &opts.channel, repo_arch);
    let target = adir.join(&file_name);
    store::put_package(path, &target, &bytes, |_| false)?;
    store::write_once(&adir.join(format!("{file_name}.sig")), &sig)?;

    let mut desc = String::new();
    let csize = bytes.len().to_string();
    let isize = info.size.to_string();
    let md5 = format!("{:x}", Md5::digest(&bytes));
    let sha = format!("{:x}", Sha256::digest(&bytes));
    let pgpsig = base64::engine::general_purpose::STANDARD.encode(&sig);
    let builddate = info.builddate.to_string();
    section(&mut desc, "FILENAME", &[&file_name]);
    section(&mut desc, "NAME", &[&info.pkgname]);
    section(&mut desc, "BASE", &[&info.pkgbase]);
    section(&mut desc, "VERSION", &[&info.pkgver]);
    section(&mut desc, "DESC", &[&info.pkgdesc]);
    section(&mut desc, "GROUPS", &v(&info.group));
    section(&mut desc, "CSIZE", &[&csize]);
    section(&mut desc, "ISIZE", &[&isize]);
    section(&mut desc, "MD5SUM", &[&md5]);
    section(&mut desc, "SHA256SUM", &[&sha]);
    section(&mut desc, "PGPSIG", &[&pgpsig]);
    section(&mut desc, "URL", &[&info.url]);
    section(&mut desc, "LICENSE", &v(&info.license));
    section(&mut desc, "ARCH", &[&info.arch]);
    section(&mut desc, "BUILDDATE", &[&builddate]);
    section(&mut desc, "PACKAGER", &[&info.packager]);
    section(&mut desc, "REPLACES", &v(&info.replaces));
    section(&mut desc, "CONFLICTS", &v(&info.conflict));
    section(&mut desc, "PROVIDES", &v(&info.provides));
    section(&mut desc, "DEPENDS", &v(&info.depend));
    section(&mut desc, "OPTDEPENDS", &v(&info.optdepend));
    section(&mut desc, "MAKEDEPENDS", &v(&info.makedepend));
    section(&mut desc, "CHECKDEPENDS", &v(&info.checkdepend));

    let mut paths: Vec<String> = reader
        .entries()
        .iter()
        .filter(|e| e.path != "/")
        .map(|e| {
            let p = e.path.trim_start_matches('/').to_string();
            if e.kind == EntryKind::Dir {
                p + "/"
            } else {
                p
            }
        })
        .collect();
    paths.sort();
    let mut files = String::from("%FILES%\n");
    for p in paths {
        files.push_str(&p);
        files.push('\n');
    }
    let edir = dir
        .join(ENTRY_DIR)
        .join(&opts.channel)
        .join(repo_arch)
        .join(format!("{}-{}", info.pkgname, info.pkgver));
    store::write_atomic(&edir.join("files"), files.as_bytes())?;
    store::write_atomic(&edir.join("desc"), desc.as_bytes())?;
    Ok((target, repo_arch.to_string()))
}

fn builddate(desc: &str) -> u64 {
    desc.split("%BUILDDATE%\n")
        .nth(1)
        .and_then(|r| r.lines().next())
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

fn tarball(entries: &[(String, String, String)], with_files: bool, mtime: u64) -> Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let io = |e| Error::io("(memory)", "writing a database", e);
    for (dir, desc, files) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_mtime(mtime);
        h.set_size(0);
        h.set_path(format!("{dir}/")).map_err(io)?;
        h.set_cksum();
        b.append(&h, std::io::empty()).map_err(io)?;
        let mut members = vec![("desc", desc)];
        if with_files {
            members.push(("files", files));
        }
        for (name, text) in members {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_mtime(mtime);
            h.set_size(text.len() as u64);
            h.set_path(format!("{dir}/{name}")).map_err(io)?;
            h.set_cksum();
            b.append(&h, text.as_bytes()).map_err(io)?;
        }
    }
    let tar = b.into_inner().map_err(io)?;
    // Level 3, as repo-add compresses (`zstd -c -z -q -`, the default of pacman's
    // scripts/libmakepkg/util/compress.sh): the databases hold every package's base64
    // signature, which no level compresses, and level 19 made adding one package to a
    // repository of 5,000 take 5.7 s of CPU instead of 0.1 s for 0.6 % fewer bytes
    // (bench/RESULTS.md, section 6).
    crate::apt::compress(
        &tar,
        Compression::Zstd {
            level: 3,
            threads: 1,
        },
    )
}

/// Points `link` at `target` atomically (a new symlink renamed over the old one).
fn symlink_atomic(target: &str, link: &Path) -> Result<()> {
    if fs::read_link(link).ok().as_deref() == Some(Path::new(target)) {
        return Ok(());
    }
    let dir = link.parent().unwrap_or(Path::new("."));
    let name = link.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(
        "{}{}-{name}",
        store::TMP_PREFIX,
        std::process::id()
    ));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(|e| Error::io(&tmp, "creating", e))?;
    store::step();
    fs::rename(&tmp, link).map_err(|e| Error::io(link, "renaming into place", e))?;
    store::step();
    store::sync_dir(dir)
}

/// Rewrites `<repo>.db` and `<repo>.files` (and their signatures) of one architecture from the
/// per-package entries: packages first, the files database next, the package database and its
/// signature last.
pub fn publish(dir: &Path, arch: &str, opts: &Options, signer: &Signer) -> Result<()> {
    let edir = dir.join(ENTRY_DIR).join(&opts.channel).join(arch);
    let mut entries = Vec::new();
    let list = fs::read_dir(&edir).map_err(|e| Error::io(&edir, "listing", e))?;
    for e in list {
        let e = e.map_err(|e| Error::io(&edir, "listing", e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let read = |f: &str| {
            let p = e.path().join(f);
            fs::read_to_string(&p).map_err(|err| Error::io(&p, "reading", err))
        };
        entries.push((name, read("desc")?, read("files")?));
    }
    entries.sort();
    let date = opts.date.unwrap_or_else(|| {
        entries
            .iter()
            .map(|(_, d, _)| builddate(d))
            .max()
            .unwrap_or(0)
    });
    let time = u32::try_from(date).unwrap_or(u32::MAX);
    let adir = arch_dir(dir, &opts.channel, arch);
    for (kind, with_files) in [("files", true), ("db", false)] {
        let bytes = tarball(&entries, with_files, date)?;
        let sig = signer.detached_binary(&bytes, time)?;
        let file = format!("{}.{kind}.tar.zst", opts.repo);
        store::write_once(&adir.join(format!("{file}.sig")), &sig)?;
        store::write_once(&adir.join(&file), &bytes)?;
        symlink_atomic(
            &format!("{file}.sig"),
            &adir.join(format!("{}.{kind}.sig", opts.repo)),
        )?;
        symlink_atomic(&file, &adir.join(format!("{}.{kind}", opts.repo)))?;
    }
    Ok(())
}

/// Reads one channel and architecture's signed databases: both signatures verify. Returns
/// `(file name, size, sha256)` of every package the package database names; the packages are
/// not read.
pub fn signed_packages(
    dir: &Path,
    channel: &str,
    arch: &str,
    repo: &str,
    verifier: &Verifier,
) -> Result<Vec<(String, String, String)>> {
    let adir = arch_dir(dir, channel, arch);
    let mut named = Vec::new();
    for kind in ["files", "db"] {
        let path = adir.join(format!("{repo}.{kind}.tar.zst"));
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, "reading", e))?;
        let sig_path = adir.join(format!("{repo}.{kind}.tar.zst.sig"));
        let sig = fs::read(&sig_path).map_err(|e| Error::io(&sig_path, "reading", e))?;
        verifier.verify_detached(&bytes, &sig, &path)?;
        if kind == "files" {
            continue;
        }
        let mut dec = syspack_distro::compress::decoder(
            std::io::Cursor::new(bytes),
            Compression::DEFAULT_ZSTD,
        )
        .map_err(|e| Error::invalid(&path, format!("cannot decompress: {e}")))?;
        let mut tar = Vec::new();
        std::io::Read::read_to_end(&mut dec, &mut tar)
            .map_err(|e| Error::io(&path, "decompressing", e))?;
        let mut archive = tar::Archive::new(&tar[..]);
        for entry in archive
            .entries()
            .map_err(|e| Error::io(&path, "reading", e))?
        {
            let mut entry = entry.map_err(|e| Error::io(&path, "reading", e))?;
            if !entry.path().map(|p| p.ends_with("desc")).unwrap_or(false) {
                continue;
            }
            let mut desc = String::new();
            std::io::Read::read_to_string(&mut entry, &mut desc)
                .map_err(|e| Error::io(&path, "reading", e))?;
            let get = |name: &str| {
                desc.split(&format!("%{name}%\n"))
                    .nth(1)
                    .and_then(|r| r.lines().next())
                    .map(str::to_string)
                    .ok_or_else(|| Error::invalid(&path, format!("an entry without %{name}%")))
            };
            let file = get("FILENAME")?;
            safe("file name", &file)?;
            named.push((file, get("CSIZE")?, get("SHA256SUM")?));
        }
    }
    Ok(named)
}

/// Checks one channel and architecture: both databases' signatures, and for every package its
/// file, size, SHA-256 and detached signature. Returns the package files named (relative to
/// the architecture directory).
pub fn verify(
    dir: &Path,
    channel: &str,
    arch: &str,
    repo: &str,
    verifier: &Verifier,
) -> Result<Vec<String>> {
    let adir = arch_dir(dir, channel, arch);
    let path = adir.join(format!("{repo}.db.tar.zst"));
    let mut named = Vec::new();
    for (file, size, sha) in signed_packages(dir, channel, arch, repo, verifier)? {
        let p = adir.join(&file);
        let b = fs::read(&p).map_err(|e| Error::io(&p, "reading", e))?;
        let actual = hex::encode(Sha256::digest(&b));
        if size != b.len().to_string() || sha != actual {
            return Err(Error::invalid(
                &p,
                format!("size or sha256 ({actual}) differs from {}", path.display()),
            ));
        }
        let sp = adir.join(format!("{file}.sig"));
        let s = fs::read(&sp).map_err(|e| Error::io(&sp, "reading", e))?;
        verifier.verify_detached(&b, &s, &p)?;
        named.push(file.clone());
        named.push(format!("{file}.sig"));
    }
    Ok(named)
}
