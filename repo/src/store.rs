//! Atomic writes: every file of a repository appears whole or not at all.
//!
//! A file is written under a temporary name in its own directory (same file system), flushed to
//! disk and renamed over its final name; the directory is synced so the rename survives a crash.
//! A writer killed at any point leaves at most a `.tmp-*` file behind, never a half-written file
//! under a name a client reads. Temporary files never hold secret keys: keys are only ever in
//! memory (see [`crate::sign`]).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The prefix of temporary files; `repo verify` reports leftovers, and the next write removes
/// its own.
pub const TMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename, directory fsync).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::invalid(path, "has no parent directory"))?;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating", e))?;
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(path, "has no file name"))?
        .to_string_lossy();
    let tmp = dir.join(format!("{TMP_PREFIX}{}-{name}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, "creating", e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(&tmp, "writing", e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io(path, "renaming into place", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir)
}

/// Writes `bytes` to `path` unless a file with exactly these bytes is there already (content-
/// addressed files such as `by-hash/` entries and pool files never change once written).
pub fn write_once(path: &Path, bytes: &[u8]) -> Result<()> {
    match fs::read(path) {
        Ok(old) if old == bytes => Ok(()),
        _ => write_atomic(path, bytes),
    }
}

/// Makes the renames in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, "syncing", e))
}
