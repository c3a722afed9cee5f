//! Atomic writes: every file of a repository appears whole or not at all.
//!
//! A file is written under a temporary name in its own directory (same file system), flushed to
//! disk and renamed over its final name; the directory is synced so the rename survives a crash.
//! A writer killed at any point leaves at most a `.tmp-*` file behind, never a half-written file
//! under a name a client reads. Temporary files never hold secret keys: keys are only ever in
//! memory (see [`crate::sign`]).
//!
//! # Unsafe I/O
//!
//! With `SYSPACK_REPO_UNSAFE_IO=1` ([`UNSAFE_IO_ENV`]) nothing is fsynced — as dpkg's
//! `--force-unsafe-io`, and as pacman's repo-add always writes (reprepro and createrepo_c
//! fdatasync some of their files). The temporary files and renames
//! stay, so a client reading the tree still never sees a half-written file, and a killed writer
//! still leaves a valid tree (the kernel keeps what was written); only a power cut or a kernel
//! crash can lose the last publication. For a tree that is a staging copy (the release workflow
//! pulls the repository from object storage, adds and pushes it back): fsync there protects
//! nothing and costs most of a one-package publication's wall time on a busy disk
//! (`bench/RESULTS.md`, section 6).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The prefix of temporary files; `repo verify` reports leftovers, and the next write removes
/// its own.
pub const TMP_PREFIX: &str = ".tmp-";

/// Fault injection for the crash-safety tests: with `SYSPACK_REPO_FAULT_AT=N` set, the process
/// aborts (no cleanup, as a `kill -9` or a power cut would leave it) at the Nth step, counting two
/// steps per atomic write: the temporary file written, and the rename done.
pub const FAULT_ENV: &str = "SYSPACK_REPO_FAULT_AT";

/// Counts a step towards `SYSPACK_REPO_FAULT_AT` and aborts when it is reached.
pub(crate) fn step() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STEPS: AtomicU64 = AtomicU64::new(0);
    let Some(at) = std::env::var(FAULT_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    if STEPS.fetch_add(1, Ordering::SeqCst) + 1 == at {
        std::process::abort();
    }
}

/// The variable that turns fsync off (`1`); see the module docs.
pub const UNSAFE_IO_ENV: &str = "SYSPACK_REPO_UNSAFE_IO";

/// Whether writes are made durable: unless `SYSPACK_REPO_UNSAFE_IO=1`. Read once per process.
fn durable() -> bool {
    static DURABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DURABLE.get_or_init(|| std::env::var_os(UNSAFE_IO_ENV).is_none_or(|v| v != "1"))
}

/// Flushes `file` to disk, unless unsafe I/O was asked for.
pub(crate) fn sync_file(file: &File) -> std::io::Result<()> {
    if durable() {
        file.sync_all()
    } else {
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename, directory fsync).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if d.as_os_str().is_empty() => Path::new("."),
        Some(d) => d,
        None => return Err(Error::invalid(path, "has no parent directory")),
    };
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating", e))?;
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(path, "has no file name"))?
        .to_string_lossy();
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
    remove_stale(dir, &name);
    let result: Result<()> = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, "creating", e))?;
        f.write_all(bytes)
            .and_then(|()| sync_file(&f))
            .map_err(|e| Error::io(&tmp, "writing", e))?;
        step();
        fs::rename(&tmp, path).map_err(|e| Error::io(path, "renaming into place", e))?;
        step();
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir)
}

/// The entries of `dir`, a directory of the repository's tree that may not exist yet (no entries
/// then); a read error names the directory.
pub(crate) fn list_dir(dir: &Path) -> Result<impl Iterator<Item = Result<fs::DirEntry>> + '_> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => Some(e),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(dir, "listing", e)),
    };
    Ok(entries
        .into_iter()
        .flatten()
        .map(move |e| e.map_err(|e| Error::io(dir, "listing", e))))
}

/// True for a name that is safe as one path component of the repository's tree and in its
/// indexes: not empty, not starting with `.`, only ASCII letters, digits and `punctuation`.
pub(crate) fn is_safe_name(value: &str, punctuation: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || punctuation.contains(c))
}

/// [`is_safe_name`], or an error "`value` is not a valid name" about `what`.
pub(crate) fn check_name(what: &str, value: &str, punctuation: &str) -> Result<()> {
    if is_safe_name(value, punctuation) {
        Ok(())
    } else {
        Err(Error::invalid(
            what,
            format!("`{value}` is not a valid name"),
        ))
    }
}

/// Removes the temporary files a killed writer left for `name` in `dir` (one writer at a time
/// publishes a repository; see the crate docs).
fn remove_stale(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let stale = file
            .strip_prefix(TMP_PREFIX)
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(pid, rest)| pid.bytes().all(|b| b.is_ascii_digit()) && rest == name);
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Writes `bytes` to `path` unless a file with exactly these bytes is there already (content-
/// addressed files such as `by-hash/` entries and pool files never change once written).
pub fn write_once(path: &Path, bytes: &[u8]) -> Result<()> {
    match fs::read(path) {
        Ok(old) if old == bytes => Ok(()),
        _ => write_atomic(path, bytes),
    }
}

/// Puts the package file `bytes` (read from `source`) into the repository at `target`. A
/// published package never changes: clients hold its hash in their cached indexes, and mirrors
/// keep the first copy they saw. The same package again changes nothing; when a file is there
/// already and `same_package(old)` says it is the same package (an RPM signed again at another
/// time), the published file stays and is returned; anything else under a published name is
/// refused, naming both hashes.
pub fn put_package(
    source: &Path,
    target: &Path,
    bytes: &[u8],
    same_package: impl Fn(&[u8]) -> bool,
) -> Result<Option<Vec<u8>>> {
    match fs::read(target) {
        Ok(old) if old == bytes => Ok(None),
        Ok(old) if same_package(&old) => Ok(Some(old)),
        Ok(old) => Err(Error::invalid(
            source,
            format!(
                "{} is already in the repository with other contents (sha256 {} there, {} \
                 here): {REPUBLISH_HINT}",
                target.display(),
                hex::encode(Sha256::digest(&old)),
                hex::encode(Sha256::digest(bytes)),
            ),
        )),
        Err(_) => write_atomic(target, bytes).map(|()| None),
    }
}

/// What to do instead of replacing a published package.
pub(crate) const REPUBLISH_HINT: &str = "publish a new version instead of replacing one; the \
    same version built for another target release goes into that release's own repository (one \
    per target, as `syspack ci github --release` keeps them)";

/// Makes `dst` a hard link to `src` atomically (a link under a temporary name, renamed into
/// place): promotion shares a package file between channels that keep files per channel, without
/// copying it. An existing `dst` with the same bytes is left alone; one with other bytes is
/// refused.
pub fn link_atomic(src: &Path, dst: &Path) -> Result<()> {
    if let Ok(old) = fs::read(dst) {
        let new = fs::read(src).map_err(|e| Error::io(src, "reading", e))?;
        if old == new {
            return Ok(());
        }
        return Err(Error::invalid(
            dst,
            format!(
                "is already there with other contents than {}: {REPUBLISH_HINT}",
                src.display()
            ),
        ));
    }
    let dir = match dst.parent() {
        Some(d) if d.as_os_str().is_empty() => Path::new("."),
        Some(d) => d,
        None => return Err(Error::invalid(dst, "has no parent directory")),
    };
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating", e))?;
    let name = dst
        .file_name()
        .ok_or_else(|| Error::invalid(dst, "has no file name"))?
        .to_string_lossy();
    remove_stale(dir, &name);
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    fs::hard_link(src, &tmp).map_err(|e| Error::io(&tmp, "linking", e))?;
    step();
    if let Err(e) = fs::rename(&tmp, dst) {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(dst, "renaming into place", e));
    }
    step();
    sync_dir(dir)
}

/// Makes the renames in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    if !durable() {
        return Ok(());
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, "syncing", e))
}

/// The lock file in a repository's top directory (never published: [`crate::s3`] skips it).
pub const LOCK_FILE: &str = ".syspack-lock";

/// How a command holds a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads a consistent tree (`repo verify`, `repo push`): any number at once, no writer.
    Read,
    /// Changes the tree (`repo add`, `remove`, `promote`, …, `pull`): alone.
    Write,
}

/// A held repository lock; released when dropped (or when the process dies: the kernel drops
/// `flock` locks with the last descriptor, so a killed writer never leaves a stale lock).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Locks the repository under `dir` (created if missing) for `access`, failing at once — as
/// apt and dpkg do — when another syspack holds it in a conflicting way.
pub fn lock(dir: &Path, access: Access) -> Result<Lock> {
    use rustix::fs::{flock, FlockOperation};
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating", e))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, "opening the lock file", e))?;
    let op = match access {
        Access::Read => FlockOperation::NonBlockingLockShared,
        Access::Write => FlockOperation::NonBlockingLockExclusive,
    };
    match flock(&file, op) {
        Ok(()) => Ok(Lock { _file: file }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(Error::invalid(
            dir,
            match access {
                Access::Read => {
                    "another syspack is writing this repository: try again when it is done"
                }
                Access::Write => {
                    "another syspack is reading or writing this repository (repo add, promote, \
                     push, …): try again when it is done"
                }
            },
        )),
        Err(e) => Err(Error::io(&path, "locking", e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safe_name_is_one_plain_path_component() {
        for ok in ["stable", "libfoo-1.2+b1", "a_b:c"] {
            assert!(is_safe_name(ok, ".+-_:"), "{ok}");
        }
        for bad in ["", ".hidden", "..", "a/b", "a b", "a~b", "é"] {
            assert!(!is_safe_name(bad, ".+-_:"), "{bad}");
        }
        assert!(is_safe_name("a~b", "~"));
        assert_eq!(
            check_name("channel", "a/b", ".").unwrap_err().to_string(),
            Error::invalid("channel", "`a/b` is not a valid name").to_string()
        );
    }

    #[test]
    fn a_missing_directory_lists_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(list_dir(&dir.path().join("absent")).unwrap().count(), 0);
        fs::write(dir.path().join("f"), b"").unwrap();
        let names: Vec<_> = list_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f"]);
        let file = dir.path().join("f");
        let error = list_dir(&file).err().unwrap().to_string();
        assert!(error.contains("listing"), "{error}");
    }
}
