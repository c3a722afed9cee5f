//! Which object of a cargo build references a symbol: the members of the static archives the
//! build linked — the C libraries the build scripts made (`<profile>/build/<crate>-<hash>/out/…
//! /libx.a`) and the crates' rlibs (`<profile>/deps/lib<crate>-<hash>.rlib`) — whose symbol
//! tables list the symbol as undefined. Read with the `object` crate, so that the answer does
//! not depend on the linker's messages (lld names only the first few references, and a link that
//! succeeded names none).
//!
//! Used only when a build is refused (a symbol newer than the glibc floor), to say which crate
//! to look at.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

/// Archives larger than this are not read (a bound for the error path only).
const MAX_ARCHIVE_BYTES: u64 = 1 << 30;
/// References named per symbol, at most.
const MAX_PER_SYMBOL: usize = 4;

/// One object that references a symbol.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Referrer {
    /// The crate whose build made the archive (`syspack-zstd-sys`, `std`), when the archive's
    /// place in the target directory tells.
    pub krate: Option<String>,
    /// The archive's file name (`libzstd.a`).
    pub archive: String,
    /// The member (`zstd_compress.o`).
    pub member: String,
}

impl fmt::Display for Referrer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.member, self.archive)?;
        if let Some(c) = &self.krate {
            write!(f, " (crate `{c}`)")?;
        }
        Ok(())
    }
}

/// `name` without cargo's `-<16 hex digits>` suffix, if it has one.
fn without_hash(name: &str) -> Option<&str> {
    let (base, hash) = name.rsplit_once('-')?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(base)
}

/// The crate an archive belongs to, from its place in a cargo target directory: a build
/// script's output (`…/build/<crate>-<hash>/out/…`) or an rlib (`lib<crate>-<hash>.rlib`, the
/// crate's name with `_` as rustc writes it).
pub fn crate_of(archive: &Path) -> Option<String> {
    let parts: Vec<&str> = archive
        .components()
        .map(|c| c.as_os_str().to_str().unwrap_or(""))
        .collect();
    for w in parts.windows(3) {
        if w[0] == "build" && w[2] == "out" {
            if let Some(c) = without_hash(w[1]) {
                return Some(c.to_string());
            }
        }
    }
    let name = archive.file_name()?.to_str()?;
    let stem = name.strip_suffix(".rlib")?.strip_prefix("lib")?;
    without_hash(stem).map(str::to_string)
}

/// The archives of the cargo build that made the executable `exe`: those of its directory (see
/// [`archives_in`]).
pub fn archives_beside(exe: &Path) -> Vec<PathBuf> {
    exe.parent().map(archives_in).unwrap_or_default()
}

/// The archives of a cargo profile directory (`<target>/<triple>/release`): every `.a` under
/// `build/*/out/` and every `.rlib` and `.a` in `deps/`, sorted.
pub fn archives_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir.join("build"))
        .max_depth(6)
        .into_iter()
        .flatten()
    {
        let p = entry.path();
        if entry.file_type().is_file()
            && p.extension().is_some_and(|e| e == "a")
            && p.components().any(|c| c.as_os_str() == "out")
        {
            out.push(p.to_path_buf());
        }
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("deps")) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rlib" || x == "a") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// For each of `symbols`, the members of `archives` that reference it (list it as undefined),
/// at most a few each. Archives or members that cannot be read are passed over.
pub fn find(archives: &[PathBuf], symbols: &BTreeSet<String>) -> BTreeMap<String, Vec<Referrer>> {
    let mut out: BTreeMap<String, Vec<Referrer>> = BTreeMap::new();
    if symbols.is_empty() {
        return out;
    }
    for path in archives {
        if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_ARCHIVE_BYTES) {
            continue;
        }
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        let Ok(archive) = ArchiveFile::parse(&*data) else {
            continue;
        };
        let archive_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let krate = crate_of(path);
        for member in archive.members().flatten() {
            let Ok(bytes) = member.data(&*data) else {
                continue;
            };
            let Ok(obj) = object::File::parse(bytes) else {
                continue;
            };
            let member_name = String::from_utf8_lossy(member.name()).into_owned();
            for sym in obj.symbols() {
                if !sym.is_undefined() {
                    continue;
                }
                let Ok(name) = sym.name() else { continue };
                // An object may name a version itself (`getrandom@GLIBC_2.25`, from `.symver`).
                let bare = name.split('@').next().unwrap_or(name);
                if !symbols.contains(bare) {
                    continue;
                }
                let list = out.entry(bare.to_string()).or_default();
                let r = Referrer {
                    krate: krate.clone(),
                    archive: archive_name.clone(),
                    member: member_name.clone(),
                };
                if list.len() < MAX_PER_SYMBOL && !list.contains(&r) {
                    list.push(r);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_read_from_the_target_directory_layout() {
        assert_eq!(
            crate_of(Path::new(
                "/t/release/build/syspack-zstd-sys-624e09767fcc4302/out/lib/libzstd.a"
            ))
            .as_deref(),
            Some("syspack-zstd-sys")
        );
        assert_eq!(
            crate_of(Path::new("/t/release/deps/libring-0123456789abcdef.rlib")).as_deref(),
            Some("ring")
        );
        assert_eq!(crate_of(Path::new("/usr/lib/libz.a")), None);
        assert_eq!(
            crate_of(Path::new("/t/release/build/not-a-hash/out/libx.a")),
            None
        );
    }
}
