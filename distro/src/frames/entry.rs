//! What every cache entry file shares: the CRC-32 sealed after its content, and the modification
//! time that marks it used. A leaf module: the cache writes and reads entries, the codecs size
//! them, pruning orders them by the mark.

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

/// Bytes after every entry file (frames, gap frames, streams): the CRC-32 of the bytes before
/// it, little-endian. An entry is checked when it is found (`found_entry` in the cache), so that one damaged
/// on disk is a miss — made again — and never spliced into a package (whose own digests would
/// then vouch for the damage). Pack entries keep theirs in the pack's index.
pub const ENTRY_CHECKSUM: u64 = 4;

/// The length of an entry file's content: its size less the checksum.
pub(crate) fn entry_body_len(size: u64, path: &Path) -> io::Result<u64> {
    size.checked_sub(ENTRY_CHECKSUM).ok_or_else(|| {
        io::Error::other(format!(
            "{}: a cache entry shorter than its checksum (remove it, or run `syspack cache clear`)",
            path.display()
        ))
    })
}

/// Marks a cache entry as used now (pruning removes the least recently marked first). Failures are ignored: the mark only
/// orders pruning.
pub(crate) fn touch(file: &fs::File) {
    let _ = file.set_modified(SystemTime::now());
}

/// [`touch`] by path.
pub(crate) fn touch_path(path: &Path) {
    if let Ok(f) = fs::File::open(path) {
        touch(&f);
    }
}
