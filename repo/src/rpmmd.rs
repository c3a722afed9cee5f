//! rpm-md repositories (dnf, yum, zypper): `repodata/repomd.xml` (+ detached
//! `repomd.xml.asc`) naming `primary`, `filelists` and `other`, as createrepo_c writes them
//! (schema: the rpm-md format of createrepo_c's `src/xml_dump_*.c`), gzip-compressed, which every
//! dnf reads. Packages are signed on the way in ([`crate::rpm`]), so `gpgcheck=1` and
//! `repo_gpgcheck=1` both hold.
//!
//! The one deliberate difference from createrepo_c: `<time file=…>` is the build time, not the
//! file's modification time, so that the same packages give the same metadata.
//!
//! ```text
//! rpm/<channel>/Packages/<name>-<version>-<release>.<arch>.rpm
//! rpm/<channel>/repodata/repomd.xml{,.asc}
//! rpm/<channel>/repodata/<sha256>-{primary,filelists,other}.xml.gz
//! .syspack/rpm/<channel>/<nevra>/{primary,filelists,other}.xml   per-package fragments
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use syspack_distro::compress::Compression;
use syspack_distro::rpm::{tags, Dependency, Layout};
use syspack_distro::EntryKind;

use crate::error::{Error, Result};
use crate::sign::Signer;
use crate::store;

/// Where the per-package fragments live, relative to the repository.
pub const FRAGMENT_DIR: &str = ".syspack/rpm";

/// The requirement bits createrepo_c writes as `pre="1"`: `%pre`, `%post` and the old PREREQ.
const PRE: u32 = (1 << 6) | tags::sense::SCRIPT_PRE | tags::sense::SCRIPT_POST;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn channel_dir(dir: &Path, channel: &str) -> PathBuf {
    dir.join("rpm").join(channel)
}

/// RPM's version order, shared with the knowledge base's rpm-md import.
pub use syspack_distro::kb::rpmversion::rpmvercmp;

/// The files primary.xml lists (createrepo_c's `cr_is_primary`): `/etc/…`, `/usr/lib/sendmail`
/// and any path containing `bin/` (so `/opt/x/sbin/y` too), which yum and dnf expect.
fn is_primary(path: &str) -> bool {
    path.starts_with("/etc/") || path == "/usr/lib/sendmail" || path.contains("bin/")
}

/// The requirements createrepo_c writes into primary.xml (its `cr_package_from_header`): no
/// `rpmlib()` features, no path this package itself carries among the primary files, none the
/// package provides itself, no exact duplicate, and of the `libc.so.6…` requirements only the one
/// with the highest symbol version, moved to the end.
fn primary_requires<'a>(
    requires: &'a [Dependency],
    provides: &[Dependency],
    primary_files: &std::collections::BTreeSet<&str>,
) -> Vec<&'a Dependency> {
    let same = |a: &Dependency, b: &Dependency| {
        a.name == b.name && a.operator() == b.operator() && a.version == b.version
    };
    let mut out: Vec<&Dependency> = Vec::new();
    let mut libc: Option<&Dependency> = None;
    for d in requires {
        if d.is_rpmlib()
            || primary_files.contains(d.name.as_str())
            || provides.iter().any(|p| same(p, d))
            // createrepo_c compares with the last kept requirement of the same name.
            || out.iter().rev().find(|o| o.name == d.name).is_some_and(|o| {
                same(o, d) && (o.flags & PRE != 0) == (d.flags & PRE != 0)
            })
        {
            continue;
        }
        if d.name.starts_with("libc.so.6") {
            // The first of equals stays, as in createrepo_c.
            if libc.is_none_or(|best| compare_libc(best, d) == std::cmp::Ordering::Less) {
                libc = Some(d);
            }
            continue;
        }
        out.push(d);
    }
    out.extend(libc);
    out
}

/// The symbol version inside the first parentheses of `libc.so.6(GLIBC_2.34)(64bit)`, from its
/// first digit (`2.34`); `None` for `libc.so.6()(64bit)` or a name without a version.
fn libc_symbol_version(name: &str) -> Option<&str> {
    let inner = &name[name.find('(')? + 1..];
    let inner = &inner[..inner.find(')')?];
    let start = inner.find(|c: char| c.is_ascii_digit())?;
    Some(&inner[start..])
}

/// createrepo_c's order of two `libc.so.6` requirements: no version below any version, versions by
/// `rpmvercmp`.
fn compare_libc(a: &Dependency, b: &Dependency) -> std::cmp::Ordering {
    match (libc_symbol_version(&a.name), libc_symbol_version(&b.name)) {
        (Some(x), Some(y)) => rpmvercmp(x, y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

fn entries(tag: &str, deps: &[&Dependency]) -> String {
    if deps.is_empty() {
        return String::new();
    }
    let mut out = format!("    <rpm:{tag}>\n");
    for d in deps {
        out.push_str(&format!("      <rpm:entry name=\"{}\"", esc(&d.name)));
        let flag = match d.operator() {
            Some("<") => "LT",
            Some("<=") => "LE",
            Some("=") => "EQ",
            Some(">=") => "GE",
            Some(">") => "GT",
            _ => "",
        };
        if !flag.is_empty() && !d.version.is_empty() {
            let (epoch, rest) = d.version.split_once(':').unwrap_or(("0", &d.version));
            let (ver, rel) = match rest.rsplit_once('-') {
                Some((v, r)) => (v, Some(r)),
                None => (rest, None),
            };
            out.push_str(&format!(
                " flags=\"{flag}\" epoch=\"{epoch}\" ver=\"{}\"",
                esc(ver)
            ));
            if let Some(r) = rel {
                out.push_str(&format!(" rel=\"{}\"", esc(r)));
            }
        }
        // createrepo_c marks requirements needed by %pre or %post (and the old PREREQ bit).
        if tag == "requires" && d.flags & PRE != 0 {
            out.push_str(" pre=\"1\"");
        }
        out.push_str("/>\n");
    }
    out.push_str(&format!("    </rpm:{tag}>\n"));
    out
}

/// Signs and adds RPM packages to `channel`, then republishes its metadata.
pub fn add(
    dir: &Path,
    packages: &[PathBuf],
    channel: &str,
    date: Option<u64>,
    signer: &Signer,
) -> Result<Vec<PathBuf>> {
    let mut added = Vec::new();
    // Signing is the costly part of each package: done on every core, the rest in order.
    crate::parallel::in_batches(
        packages,
        |p| sign(p, date, signer),
        |p, signed| {
            added.push(add_one(dir, p, &signed?, channel)?);
            Ok::<(), Error>(())
        },
    )?;
    publish(dir, channel, date, signer)?;
    Ok(added)
}

/// The package at `path` with its header and header+payload signatures.
fn sign(path: &Path, date: Option<u64>, signer: &Signer) -> Result<Vec<u8>> {
    let build_time = syspack_distro::rpm::Reader::open(path)?
        .metadata()
        .build_time;
    let raw = fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    let time = u32::try_from(date.unwrap_or(build_time)).unwrap_or(u32::MAX);
    crate::rpm::sign_package(&raw, &path.display().to_string(), signer, time)
}

fn add_one(dir: &Path, path: &Path, signed: &[u8], channel: &str) -> Result<PathBuf> {
    let reader = syspack_distro::rpm::Reader::open(path)?;
    let m = reader.metadata();
    let epoch = m.epoch.unwrap_or(0);
    let nevra = format!("{}-{}-{}.{}", m.name, m.version, m.release, m.arch);
    if nevra.contains('/') || nevra.starts_with('.') {
        return Err(Error::invalid(
            path,
            format!("`{nevra}` is not a valid package name"),
        ));
    }
    let rel = format!("Packages/{nevra}.rpm");
    let target = channel_dir(dir, channel).join(&rel);
    let layout = Layout::of(signed).map_err(|e| Error::invalid(path, e))?;
    // The same package signed again (another date, another key) is the package already
    // published: its file stays, and the metadata describes that file.
    let kept = store::put_package(path, &target, signed, |old| {
        Layout::of(old).is_ok_and(|l| old[l.signed()] == signed[layout.signed()])
    })?;
    let signed = kept.as_deref().unwrap_or(signed);
    let layout = Layout::of(signed).map_err(|e| Error::invalid(path, e))?;
    let sha = hex::encode(Sha256::digest(signed));
    let version = format!(
        "<version epoch=\"{epoch}\" ver=\"{}\" rel=\"{}\"/>",
        esc(&m.version),
        esc(&m.release)
    );
    let mut files = String::new();
    let mut primary_files = String::new();
    let mut primary_paths = std::collections::BTreeSet::new();
    for e in reader.entries() {
        let p = esc(&e.path);
        let line = if e.kind == EntryKind::Dir {
            format!("  <file type=\"dir\">{p}</file>\n")
        } else {
            format!("  <file>{p}</file>\n")
        };
        if is_primary(&e.path) {
            primary_files.push_str(&format!("  {line}"));
            primary_paths.insert(e.path.as_str());
        }
        files.push_str(&line);
    }
    let opt = |o: &Option<String>| o.as_deref().map(esc).unwrap_or_default();
    // The uncompressed payload size, as createrepo_c takes it from the signature header.
    let sig = reader.signature();
    let archive = sig
        .number(syspack_distro::rpm::tags::SIG_LONGARCHIVESIZE)
        .or_else(|| sig.number(syspack_distro::rpm::tags::SIG_PAYLOADSIZE))
        .unwrap_or(0);
    let primary = format!(
        "<package type=\"rpm\">\n  <name>{name}</name>\n  <arch>{arch}</arch>\n  {version}\n  \
         <checksum type=\"sha256\" pkgid=\"YES\">{sha}</checksum>\n  <summary>{summary}</summary>\n  \
         <description>{description}</description>\n  <packager>{packager}</packager>\n  <url>{url}</url>\n  \
         <time file=\"{time}\" build=\"{build}\"/>\n  <size package=\"{psize}\" installed=\"{isize}\" archive=\"{archive}\"/>\n  \
         <location href=\"{rel}\"/>\n  <format>\n    <rpm:license>{license}</rpm:license>\n    \
         <rpm:vendor>{vendor}</rpm:vendor>\n    <rpm:group>{group}</rpm:group>\n    <rpm:buildhost>{host}</rpm:buildhost>\n    \
         <rpm:sourcerpm>{srpm}</rpm:sourcerpm>\n    <rpm:header-range start=\"{start}\" end=\"{end}\"/>\n\
         {provides}{requires}{conflicts}{obsoletes}{primary_files}  </format>\n</package>\n",
        name = esc(&m.name),
        arch = esc(&m.arch),
        summary = esc(&m.summary),
        description = esc(&m.description),
        packager = opt(&m.packager),
        url = opt(&m.url),
        time = m.build_time,
        build = m.build_time,
        psize = signed.len(),
        isize = m.installed_size,
        license = esc(&m.license),
        vendor = opt(&m.vendor),
        group = opt(&m.group),
        host = opt(&m.build_host),
        srpm = opt(&m.source_rpm),
        start = layout.header.start,
        end = layout.header.end,
        provides = entries("provides", &m.provides.iter().collect::<Vec<_>>()),
        requires = entries(
            "requires",
            &primary_requires(&m.requires, &m.provides, &primary_paths)
        ),
        conflicts = entries("conflicts", &m.conflicts.iter().collect::<Vec<_>>()),
        obsoletes = entries("obsoletes", &m.obsoletes.iter().collect::<Vec<_>>()),
    );
    let id = format!(
        "pkgid=\"{sha}\" name=\"{}\" arch=\"{}\"",
        esc(&m.name),
        esc(&m.arch)
    );
    let filelists = format!("<package {id}>\n  {version}\n{files}</package>\n");
    let h = reader.header();
    let mut changelog = String::new();
    let (times, names, texts) = (h.numbers(1080), h.strings(1081), h.strings(1082));
    for ((t, n), x) in times.iter().zip(&names).zip(&texts) {
        changelog.push_str(&format!(
            "  <changelog author=\"{}\" date=\"{t}\">{}</changelog>\n",
            esc(n),
            esc(x)
        ));
    }
    let other = format!("<package {id}>\n  {version}\n{changelog}</package>\n");
    let fdir = dir.join(FRAGMENT_DIR).join(channel).join(&nevra);
    store::write_atomic(&fdir.join("filelists.xml"), filelists.as_bytes())?;
    store::write_atomic(&fdir.join("other.xml"), other.as_bytes())?;
    store::write_atomic(&fdir.join("primary.xml"), primary.as_bytes())?;
    store::write_atomic(&fdir.join("time"), m.build_time.to_string().as_bytes())?;
    Ok(target)
}

/// Rewrites `repodata/` of a channel from its fragments; `repomd.xml.asc` then `repomd.xml`
/// last. Old data files stay (a client holding the previous repomd.xml still finds them).
pub fn publish(dir: &Path, channel: &str, date: Option<u64>, signer: &Signer) -> Result<()> {
    let fdir = dir.join(FRAGMENT_DIR).join(channel);
    let mut names: Vec<String> = fs::read_dir(&fdir)
        .map_err(|e| Error::io(&fdir, "listing", e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let read = |n: &str, f: &str| {
        let p = fdir.join(n).join(f);
        fs::read_to_string(&p).map_err(|e| Error::io(&p, "reading", e))
    };
    let mut newest = 0u64;
    let (mut primary, mut filelists, mut other) = (String::new(), String::new(), String::new());
    for n in &names {
        primary.push_str(&read(n, "primary.xml")?);
        filelists.push_str(&read(n, "filelists.xml")?);
        other.push_str(&read(n, "other.xml")?);
        newest = newest.max(read(n, "time")?.trim().parse().unwrap_or(0));
    }
    let date = date.unwrap_or(newest);
    let count = names.len();
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let docs = [
        ("primary", format!("{head}<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"{count}\">\n{primary}</metadata>\n")),
        ("filelists", format!("{head}<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"{count}\">\n{filelists}</filelists>\n")),
        ("other", format!("{head}<otherdata xmlns=\"http://linux.duke.edu/metadata/other\" packages=\"{count}\">\n{other}</otherdata>\n")),
    ];
    let cdir = channel_dir(dir, channel);
    let mut repomd = format!("{head}<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n  <revision>{date}</revision>\n");
    for (kind, text) in docs {
        let gz = crate::apt::compress(text.as_bytes(), Compression::Gzip { level: 9 })?;
        let sha = hex::encode(Sha256::digest(&gz));
        let href = format!("repodata/{sha}-{kind}.xml.gz");
        store::write_once(&cdir.join(&href), &gz)?;
        repomd.push_str(&format!(
            "  <data type=\"{kind}\">\n    <checksum type=\"sha256\">{sha}</checksum>\n    \
             <open-checksum type=\"sha256\">{}</open-checksum>\n    <location href=\"{href}\"/>\n    \
             <timestamp>{date}</timestamp>\n    <size>{}</size>\n    <open-size>{}</open-size>\n  </data>\n",
            hex::encode(Sha256::digest(text.as_bytes())),
            gz.len(),
            text.len()
        ));
    }
    repomd.push_str("</repomd>\n");
    let sig =
        signer.detached_armored(repomd.as_bytes(), u32::try_from(date).unwrap_or(u32::MAX))?;
    store::write_once(&cdir.join("repodata/repomd.xml.asc"), sig.as_bytes())?;
    store::write_once(&cdir.join("repodata/repomd.xml"), repomd.as_bytes())?;
    Ok(())
}

/// Reads a channel's signed metadata: `repomd.xml.asc` verifies `repomd.xml`, and every document
/// it names has its size and SHA-256 (compressed and not). Returns `(location, sha256)` of every
/// package `primary` names (location relative to the channel directory); the packages are not
/// read.
pub fn signed_packages(
    dir: &Path,
    channel: &str,
    verifier: &crate::sign::Verifier,
) -> Result<Vec<(String, String)>> {
    let cdir = channel_dir(dir, channel);
    let path = cdir.join("repodata/repomd.xml");
    let repomd = fs::read(&path).map_err(|e| Error::io(&path, "reading", e))?;
    let sig_path = cdir.join("repodata/repomd.xml.asc");
    let sig = fs::read(&sig_path).map_err(|e| Error::io(&sig_path, "reading", e))?;
    verifier.verify_detached(&repomd, &sig, &path)?;
    let repomd = String::from_utf8(repomd).map_err(|_| Error::invalid(&path, "is not UTF-8"))?;
    let field = |text: &str, open: &str, close: &str| -> Option<String> {
        Some(text.split(open).nth(1)?.split(close).next()?.to_string())
    };
    let mut named = Vec::new();
    for data in repomd.split("<data type=\"").skip(1) {
        let missing = |what: &str| Error::invalid(&path, format!("a <data> without {what}"));
        let kind = data.split('"').next().unwrap_or("").to_string();
        let href = field(data, "<location href=\"", "\"").ok_or_else(|| missing("location"))?;
        let sha =
            field(data, "<checksum type=\"sha256\">", "<").ok_or_else(|| missing("checksum"))?;
        let open_sha = field(data, "<open-checksum type=\"sha256\">", "<")
            .ok_or_else(|| missing("open-checksum"))?;
        if href.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(Error::invalid(&path, format!("unsafe location `{href}`")));
        }
        let p = cdir.join(&href);
        let gz = fs::read(&p).map_err(|e| Error::io(&p, "reading", e))?;
        let actual = hex::encode(Sha256::digest(&gz));
        if actual != sha {
            return Err(Error::invalid(
                &p,
                format!("sha256 {actual}, repomd.xml says {sha}"),
            ));
        }
        let mut text = Vec::new();
        let mut dec = syspack_distro::compress::decoder(
            std::io::Cursor::new(gz),
            Compression::Gzip { level: 9 },
        )
        .map_err(|e| Error::invalid(&p, format!("cannot decompress: {e}")))?;
        std::io::Read::read_to_end(&mut dec, &mut text)
            .map_err(|e| Error::io(&p, "decompressing", e))?;
        let actual = hex::encode(Sha256::digest(&text));
        if actual != open_sha {
            return Err(Error::invalid(
                &p,
                format!("uncompressed sha256 {actual}, repomd.xml says {open_sha}"),
            ));
        }
        if kind != "primary" {
            continue;
        }
        let text = String::from_utf8(text).map_err(|_| Error::invalid(&p, "is not UTF-8"))?;
        for pkg in text.split("<package type=\"rpm\">").skip(1) {
            let sum = field(pkg, "pkgid=\"YES\">", "<")
                .ok_or_else(|| Error::invalid(&p, "a package without checksum"))?;
            let loc = field(pkg, "<location href=\"", "\"")
                .ok_or_else(|| Error::invalid(&p, "a package without location"))?;
            if loc.split('/').any(|c| c == ".." || c.is_empty()) {
                return Err(Error::invalid(&p, format!("unsafe location `{loc}`")));
            }
            named.push((loc, sum));
        }
    }
    Ok(named)
}

/// Checks a channel: its signed metadata ([`signed_packages`]), and every package `primary` names
/// exists with its SHA-256 (which `repomd.xml`'s signature thereby covers). Returns the package
/// files named, relative to the channel directory.
pub fn verify(dir: &Path, channel: &str, verifier: &crate::sign::Verifier) -> Result<Vec<String>> {
    let cdir = channel_dir(dir, channel);
    let mut named = Vec::new();
    for (loc, sum) in signed_packages(dir, channel, verifier)? {
        let file = cdir.join(&loc);
        let bytes = fs::read(&file).map_err(|e| Error::io(&file, "reading", e))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != sum {
            return Err(Error::invalid(
                &file,
                format!("sha256 {actual}, primary says {sum}"),
            ));
        }
        named.push(loc);
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    /// Cases from rpm's own suite (`tests/rpmvercmp.at`).
    #[test]
    fn rpmvercmp_agrees_with_rpms_test_suite() {
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0", Greater),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p2", Less),
            ("5.5p10", "5.5p1", Greater),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("xyz.4", "8", Less),
            ("a", "1", Less),
            ("2_0", "2_0", Equal),
            ("2.0", "2_0", Equal),
            ("6.0.rc1", "6.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.01", Less),
            ("1.0^git1", "1.0.1", Less),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^", "1.0^git1", Less),
            ("2.34", "2.4", Greater),
            ("007", "7", Equal),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    fn dep(name: &str, flags: u32, version: &str) -> Dependency {
        Dependency {
            name: name.into(),
            flags,
            version: version.into(),
        }
    }

    #[test]
    fn primary_requires_drops_what_createrepo_c_drops() {
        let requires = [
            dep(
                "rpmlib(CompressedFileNames)",
                tags::sense::RPMLIB,
                "3.0.4-1",
            ),
            dep("libc.so.6()(64bit)", 0, ""),
            dep("libc.so.6(GLIBC_2.4)(64bit)", 0, ""),
            dep("/usr/bin/hello", 0, ""),
            dep("/bin/sh", tags::sense::SCRIPT_POST, ""),
            dep("libc.so.6(GLIBC_2.34)(64bit)", 0, ""),
            dep("hello-data", 0, ""),
            dep("libc.so.6(GLIBC_2.14)(64bit)", 0, ""),
            dep("/bin/sh", tags::sense::SCRIPT_POST, ""),
            dep("rtld(GNU_HASH)", 0, ""),
        ];
        let provides = [dep("hello-data", 0, "")];
        let primary = ["/usr/bin/hello"].into_iter().collect();
        let kept: Vec<&str> = primary_requires(&requires, &provides, &primary)
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(
            kept,
            ["/bin/sh", "rtld(GNU_HASH)", "libc.so.6(GLIBC_2.34)(64bit)"]
        );
    }
}
