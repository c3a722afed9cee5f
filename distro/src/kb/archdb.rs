//! A release index from Arch Linux `.files` databases a user downloaded (`syspack kb import
//! --release arch DIR`, DIR holding `core.files`, `extra.files`…).
//!
//! A pacman sync database (written by `repo-add`, pacman's `scripts/repo-add.sh.in`) is a tar
//! archive (gzip, zstd, xz or bzip2; pacman sniffs it) with one directory per package,
//! `<name>-<version>/`, holding `desc` and, in the `.files` database, `files`. Both are blocks of
//! `%FIELD%` followed by one value per line and an empty line (`alpm_db_read_desc`,
//! `lib/libalpm/be_sync.c`). Read: `%NAME%`, `%VERSION%` (`epoch:pkgver-pkgrel` as pacman
//! prints it), `%ARCH%` (`x86_64` and `any` count), `%PROVIDES%` (makepkg's soname provides,
//! `libfoo.so=1-64`: the library `libfoo.so.1` for 64-bit, `scripts/libmakepkg/autodep/library_provides.sh.in`)
//! and `%FILES%` (paths without the leading `/`); the `lib*.so*` files directly in `usr/lib`
//! (where Arch installs every library; `/lib` and `/lib64` are symlinks to it) are the library
//! files the release ships.
//!
//! No file of a sync database lists the others' checksums (pacman checks the database's
//! detached `.sig`, which the import does not): the index records each database's sha256 and
//! size, and its date is the newest `%BUILDDATE%` of its packages.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::kb::index::{self, Hashing, IndexFile, ReleaseIndex};

/// The `suite` of an index made from Arch databases.
pub const SUITE: &str = index::PACMAN_DB_SUITE;

/// Largest `desc` or `files` entry read (the files list of the largest Arch package is a few MB).
pub const MAX_ENTRY: u64 = 64 << 20;

/// The loader's directory on Arch (relative, as `%FILES%` writes it).
pub const LIB_DIRS: &[&str] = &["usr/lib"];

/// The architectures whose packages count for an x86_64 release.
pub const ARCHES: &[&str] = &["x86_64", "any"];

fn bad(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::malformed(what, "pacman database", msg.to_string())
}

/// One package of a sync database, reduced to what the index uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbPackage {
    /// `%NAME%`.
    pub name: String,
    /// `%VERSION%`.
    pub version: String,
    /// `%ARCH%`.
    pub arch: String,
    /// `%BUILDDATE%`.
    pub build_date: Option<u64>,
    /// `%PROVIDES%`.
    pub provides: Vec<String>,
    /// The `%FILES%` that are library files ([`loader_library`]).
    pub libraries: Vec<String>,
}

/// Reads the `%FIELD%` blocks of a `desc` or `files` entry into `p`.
pub fn parse_desc(text: &str, p: &mut DbPackage) {
    let mut field = "";
    for line in text.lines() {
        if line.is_empty() {
            field = "";
            continue;
        }
        if line.len() > 2 && line.starts_with('%') && line.ends_with('%') && field.is_empty() {
            field = line;
            continue;
        }
        match field {
            "%NAME%" => p.name = line.to_string(),
            "%VERSION%" => p.version = line.to_string(),
            "%ARCH%" => p.arch = line.to_string(),
            "%BUILDDATE%" => p.build_date = line.trim().parse().ok(),
            "%PROVIDES%" => p.provides.push(line.to_string()),
            "%FILES%" if loader_library(line).is_some() => p.libraries.push(line.to_string()),
            _ => {}
        }
    }
}

/// A `%FILES%` path that is a library file the loader finds by name: `lib*.so*` directly in
/// `usr/lib` ([`index::is_soname_file`]).
pub fn loader_library(path: &str) -> Option<&str> {
    let (dir, file) = path.rsplit_once('/')?;
    (LIB_DIRS.contains(&dir) && index::is_soname_file(file)).then_some(file)
}

/// The soname of a makepkg soname provide (`${soname%.so.*}.so=${soname##*.so.}-64`):
/// `libz.so=1-64` → `libz.so.1`, `libnss3.so=libnss3.so-64` → `libnss3.so`; `None` for anything
/// else (32-bit ones, package names, versioned package provides).
pub fn soname_provide(entry: &str) -> Option<String> {
    let (name, ver) = entry.split_once('=')?;
    let ver = ver.strip_suffix("-64")?;
    if !(name.starts_with("lib") && name.ends_with(".so")) || name.contains('/') {
        return None;
    }
    // An unversioned soname (`libnss3.so`) stands in the version slot: `libnss3.so=libnss3.so-64`.
    Some(if ver.is_empty() || ver == name {
        name.to_string()
    } else {
        format!("{name}.{ver}")
    })
}

/// Reads a sync database (any compression pacman reads) and calls `each` per package directory.
///
/// # Errors
///
/// [`Error::Malformed`] naming `what` for a damaged archive, an entry over [`MAX_ENTRY`],
/// more than [`index::MAX_DECOMPRESSED`] bytes decompressed, text that is not UTF-8.
pub fn parse_db<R: Read>(
    what: &str,
    reader: R,
    mut each: impl FnMut(DbPackage) -> Result<()>,
) -> Result<()> {
    let mut reader = std::io::BufReader::new(reader);
    let head = std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| bad(what, format!("cannot read: {e}")))?;
    let c = crate::compress::sniff(head);
    let dec = crate::compress::decoder(reader, c)
        .map_err(|e| bad(what, format!("cannot decompress: {e}")))?;
    let mut archive = tar::Archive::new(dec.take(index::MAX_DECOMPRESSED));
    let mut packages: BTreeMap<String, DbPackage> = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|e| bad(what, format!("not a tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            bad(
                what,
                format!("a damaged tar entry: {e}; download the database again"),
            )
        })?;
        let path = entry
            .path()
            .map_err(|e| bad(what, format!("a bad entry name: {e}")))?
            .to_string_lossy()
            .into_owned();
        let Some((dir, file)) = path.trim_end_matches('/').split_once('/') else {
            continue;
        };
        if !(file == "desc" || file == "files") {
            continue;
        }
        if entry.header().size().unwrap_or(u64::MAX) > MAX_ENTRY {
            return Err(bad(
                what,
                format!("`{path}` is larger than {MAX_ENTRY} bytes: refused"),
            ));
        }
        let mut text = String::new();
        (&mut entry)
            .take(MAX_ENTRY)
            .read_to_string(&mut text)
            .map_err(|e| bad(what, format!("`{path}`: {e}")))?;
        parse_desc(&text, packages.entry(dir.to_string()).or_default());
    }
    for (dir, p) in packages {
        if p.name.is_empty() || p.version.is_empty() {
            return Err(bad(
                what,
                format!(
                    "`{}/desc` has no %NAME% or %VERSION%",
                    crate::text::bounded(&dir, 100)
                ),
            ));
        }
        each(p)?;
    }
    Ok(())
}

/// Reads every `*.files` database in `dir` (`core.files`, `extra.files`, or their
/// `.files.tar.*` names) into a release index; `origin`, where they were downloaded from, is
/// recorded before each file's name.
///
/// # Errors
///
/// [`Error::Io`] for a file that cannot be read; [`Error::Malformed`] naming the database.
pub fn import(
    dir: &Path,
    release: &str,
    command: &str,
    origin: Option<&str>,
    packages: &[String],
) -> Result<ReleaseIndex> {
    let mut dbs: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            context: "listing",
            source: e,
        })?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_files_db(n))
        .collect();
    dbs.sort();
    // repo-add writes `core.files` as a symlink to `core.files.tar.gz`: read each file once,
    // under its own name.
    let mut by_target: BTreeMap<std::path::PathBuf, String> = BTreeMap::new();
    for name in dbs {
        let path = dir.join(&name);
        let link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        let target = std::fs::canonicalize(&path).unwrap_or(path);
        match by_target.get(&target) {
            Some(_) if link => {}
            _ => {
                by_target.insert(target, name);
            }
        }
    }
    let mut dbs: Vec<String> = by_target.into_values().collect();
    dbs.sort();
    if dbs.is_empty() {
        return Err(bad(&dir.to_string_lossy(), "no `.files` database (`core.files`, `extra.files`): the `.db` ones lack the file lists"));
    }
    let mut files = Vec::new();
    let mut sonames: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    let mut date = None::<u64>;
    for name in &dbs {
        let path = dir.join(name);
        let f = std::fs::File::open(&path).map_err(|e| Error::Io {
            path: path.clone(),
            context: "opening",
            source: e,
        })?;
        let mut hashing = Hashing::new(f, index::MAX_DECOMPRESSED);
        parse_db(name, &mut hashing, |p| {
            if !ARCHES.contains(&p.arch.as_str()) {
                return Ok(());
            }
            if !index::field_ok(&p.name) || !index::field_ok(&p.version) {
                return Err(bad(
                    name,
                    format!(
                        "the package `{}` version `{}` cannot be recorded",
                        crate::text::bounded(&p.name, 100),
                        crate::text::bounded(&p.version, 100)
                    ),
                ));
            }
            date = date.max(p.build_date);
            let mut ships = false;
            for so in p.provides.iter().filter_map(|e| soname_provide(e)).chain(
                p.libraries
                    .iter()
                    .filter_map(|f| loader_library(f).map(String::from)),
            ) {
                if index::field_ok(&so) {
                    sonames.entry(so).or_default().insert(p.name.clone());
                    ships = true;
                }
            }
            if ships || packages.contains(&p.name) {
                versions.insert(p.name.clone(), p.version.clone());
            }
            Ok(())
        })?;
        let (sha256, size) = hashing
            .finish()
            .map_err(|e| bad(name, format!("cannot read: {e}")))?;
        files.push(IndexFile {
            path: match origin {
                Some(o) => format!("{}/{name}", o.trim_end_matches('/')),
                None => name.clone(),
            },
            sha256,
            size,
        });
    }
    let Some(date) = date else {
        return Err(bad(
            &dbs.join(", "),
            "no x86_64 package with a %BUILDDATE%: the index would have no as-of date",
        ));
    };
    Ok(ReleaseIndex {
        release: release.to_string(),
        suite: SUITE.to_string(),
        codename: dbs.join(" "),
        date: crate::date::rfc2822(date),
        command: command.to_string(),
        signature: "none: signature not checked (the databases' .sig; no --keyring)".to_string(),
        files,
        packages: versions,
        sonames: sonames
            .into_iter()
            .map(|(s, p)| (s, p.into_iter().collect()))
            .collect(),
        ..ReleaseIndex::default()
    })
}

/// Whether a file name is a `.files` sync database (`core.files`, `extra.files.tar.zst`); not its
/// detached signature (`.sig`) or repo-add's backup (`.old`).
pub fn is_files_db(name: &str) -> bool {
    name.ends_with(".files")
        || name.split_once(".files.tar").is_some_and(|(_, ext)| {
            [
                "", ".gz", ".zst", ".xz", ".bz2", ".lz4", ".lrz", ".lzo", ".Z", ".lz",
            ]
            .contains(&ext)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desc_and_files() {
        let mut p = DbPackage::default();
        parse_desc("%FILENAME%\nzlib-1:1.3.1-2-x86_64.pkg.tar.zst\n\n%NAME%\nzlib\n\n%VERSION%\n1:1.3.1-2\n\n%ARCH%\nx86_64\n\n%BUILDDATE%\n1700000000\n\n%PROVIDES%\nlibz.so=1-64\n\n", &mut p);
        parse_desc("%FILES%\nusr/\nusr/lib/\nusr/lib/libz.so\nusr/lib/libz.so.1\nusr/lib/libz.so.1.3.1\nusr/lib/pkgconfig/zlib.pc\nusr/lib32/libz.so.1\n\n", &mut p);
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.arch.as_str()),
            ("zlib", "1:1.3.1-2", "x86_64")
        );
        assert_eq!(p.build_date, Some(1_700_000_000));
        // `libz.so` is a development link, but a bare `.so` can be a soname (nss's
        // `libnss3.so`, the provide below): kept like the others (index::is_soname_file).
        assert_eq!(
            p.libraries,
            [
                "usr/lib/libz.so",
                "usr/lib/libz.so.1",
                "usr/lib/libz.so.1.3.1"
            ]
        );
        assert_eq!(soname_provide("libz.so=1-64").as_deref(), Some("libz.so.1"));
        assert_eq!(soname_provide("libz.so=1-32"), None);
        assert_eq!(
            soname_provide("libnss3.so=libnss3.so-64").as_deref(),
            Some("libnss3.so")
        );
        assert_eq!(
            soname_provide("libgegl-0.4.so=0-64").as_deref(),
            Some("libgegl-0.4.so.0")
        );
        assert_eq!(soname_provide("sh"), None);
        for db in [
            "core.files",
            "extra.files.tar.zst",
            "x.files.tar.gz",
            "x.files.tar",
        ] {
            assert!(is_files_db(db), "{db}");
        }
        for not in [
            "core.files.sig",
            "x.files.tar.gz.sig",
            "x.files.tar.gz.old",
            "core.db",
        ] {
            assert!(!is_files_db(not), "{not}");
        }
        assert_eq!(soname_provide("zlib-ng=2.0"), None);
    }
}
