//! Keeping the frame cache within a size: the least recently used entries go first.
//!
//! Without a bound the cache only grows: every version bump stores the `.deb`'s new data.tar
//! stream (as large as the package), every cold run a pack of small frames. Like ccache, the
//! cache is bounded by size and trimmed by age of last use: an entry's modification time is set
//! to now whenever a run uses it ([`touch`]), so after [`FrameCache::prune`] what remains is what
//! recent runs needed. A removal unit is one file — a frame, a gap frame, a whole stream — or a
//! pack with its index. The index files at the cache root (`*.idx`: the file index, and any a
//! user of the cache keeps beside it) are never removed (they are small and only save reading
//! files; a pruned frame is simply made again).
//!
//! Pruning while another run uses the cache is safe for that run as far as removal can be: an
//! entry is unlinked, so a run that has it open keeps reading it, and a run that looked it up a
//! moment ago touched it, which puts it last in line.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::FrameCache;

/// The directories under the cache root that hold removable entries, with what they hold.
const KINDS: [(&str, &str); 4] = [
    ("frames", "frames of large files"),
    ("packs", "packs of small files' frames"),
    ("gaps", "frames of headers and small files"),
    ("streams", "whole single streams (.deb data.tar)"),
];

/// How much of the cache one kind of entry takes ([`FrameCache::usage`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindUsage {
    /// The directory under the cache root (`frames`, `packs`, `gaps`, `streams`; `index` for
    /// the index files at the root).
    pub kind: &'static str,
    /// What its entries are, for people.
    pub description: &'static str,
    /// Removal units: files, or packs with their index.
    pub entries: u64,
    /// Bytes on disk (file sizes).
    pub bytes: u64,
}

/// What [`FrameCache::prune`] removed and kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Entries removed.
    pub removed: u64,
    /// Their bytes.
    pub removed_bytes: u64,
    /// Bytes left in the cache (entries and indexes).
    pub kept_bytes: u64,
}

/// One removal unit: its files, their total size, and when it was last used.
struct Unit {
    files: Vec<PathBuf>,
    bytes: u64,
    used: SystemTime,
}

impl FrameCache {
    /// How much each kind of entry takes, and the indexes (last, as kind `index`).
    ///
    /// # Errors
    ///
    /// Errors reading the cache's directories (a missing directory is empty).
    pub fn usage(&self) -> io::Result<Vec<KindUsage>> {
        let mut usage = Vec::new();
        for (kind, description) in KINDS {
            let units = units(&self.root().join(kind), kind)?;
            usage.push(KindUsage {
                kind,
                description,
                entries: units.len() as u64,
                bytes: units.iter().map(|u| u.bytes).sum(),
            });
        }
        let indexes = index_files(self.root());
        usage.push(KindUsage {
            kind: "index",
            description: "indexes (file digests, and those kept beside them)",
            entries: indexes.len() as u64,
            bytes: indexes.iter().map(|(_, size)| size).sum(),
        });
        Ok(usage)
    }

    /// Removes the least recently used entries until the cache takes at most `max_bytes`
    /// (the indexes count, but are never removed).
    ///
    /// # Errors
    ///
    /// Errors reading the cache's directories or removing an entry (an entry another run
    /// removed meanwhile is not an error).
    pub fn prune(&self, max_bytes: u64) -> io::Result<Pruned> {
        let mut all = Vec::new();
        for (kind, _) in KINDS {
            all.extend(units(&self.root().join(kind), kind)?);
        }
        let index_bytes: u64 = index_files(self.root()).iter().map(|(_, s)| s).sum();
        let mut total = index_bytes + all.iter().map(|u| u.bytes).sum::<u64>();
        // Oldest use first; the path orders entries used at the same moment.
        all.sort_by(|a, b| a.used.cmp(&b.used).then_with(|| a.files.cmp(&b.files)));
        let mut pruned = Pruned::default();
        for unit in all {
            if total <= max_bytes {
                break;
            }
            for file in &unit.files {
                match fs::remove_file(file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(io::Error::new(
                            e.kind(),
                            format!("cannot remove {}: {e}", file.display()),
                        ))
                    }
                }
            }
            total -= unit.bytes;
            pruned.removed += 1;
            pruned.removed_bytes += unit.bytes;
        }
        pruned.kept_bytes = total;
        Ok(pruned)
    }
}

/// The removal units under `dir` (`v1/<kind>`): every entry file below it, a pack with its
/// index as one. Temporary files (names starting with `.`) of runs in progress are left alone.
fn units(dir: &Path, kind: &str) -> io::Result<Vec<Unit>> {
    let mut units = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.io_error().map(io::Error::kind) == Some(io::ErrorKind::NotFound) => {
                continue
            }
            Err(e) => return Err(e.into()),
        };
        if !entry.file_type().is_file() || entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str());
        if kind == "packs" && extension == Some("idx") {
            // Counted with its pack; an index without a pack is a unit of its own.
            if path.with_extension("pack").is_file() {
                continue;
            }
        }
        let Ok(meta) = entry.metadata() else { continue };
        let mut unit = Unit {
            files: vec![path.to_path_buf()],
            bytes: meta.len(),
            used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        };
        if kind == "packs" && extension == Some("pack") {
            let idx = path.with_extension("idx");
            if let Ok(m) = fs::metadata(&idx) {
                unit.bytes += m.len();
                // The index goes first: a pack without its index is never read.
                unit.files.insert(0, idx);
            }
        }
        units.push(unit);
    }
    Ok(units)
}

/// The index files at the cache root (every regular `*.idx` there: this crate's `files.idx`, and
/// those a user of the cache keeps beside it), with their sizes, sorted by name.
fn index_files(root: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(dir) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, u64)> = dir
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.as_encoded_bytes();
            !name.starts_with(b".") && name.ends_with(b".idx")
        })
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| (e.path(), meta.len()))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::Compression;
    use crate::frames::entry::touch_path;
    use std::time::Duration;

    fn aged(path: &Path, seconds_ago: u64) {
        let f = fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(seconds_ago))
            .unwrap();
    }

    #[test]
    fn the_least_recently_used_entries_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FrameCache::open(dir.path()).unwrap();
        let codec = Compression::Gzip { level: 9 };
        let old = cache
            .store_frame(codec, &[1; 32], |w| w.write_all(&[0; 1000]))
            .unwrap();
        let recent = cache
            .store_frame(codec, &[2; 32], |w| w.write_all(&[0; 1000]))
            .unwrap();
        let pack = cache.new_pack(codec).unwrap();
        pack.append(&[3; 32], &[0; 500]).unwrap();
        pack.finish().unwrap();
        aged(&old, 3000);
        aged(&recent, 1000);
        let pack_files: Vec<PathBuf> = fs::read_dir(dir.path().join("v1/packs"))
            .unwrap()
            .flat_map(|family| fs::read_dir(family.unwrap().path()).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        for f in &pack_files {
            aged(f, 500);
        }
        // A run in progress: its scratch file is not an entry.
        let scratch = cache.scratch().unwrap();
        fs::write(scratch.path(), [0; 4000]).unwrap();

        let usage = cache.usage().unwrap();
        let of = |kind| usage.iter().find(|u| u.kind == kind).unwrap().clone();
        // Each frame file is its 1,000 bytes and a 4-byte checksum.
        const FRAME: u64 = 1000 + crate::frames::ENTRY_CHECKSUM;
        assert_eq!((of("frames").entries, of("frames").bytes), (2, 2 * FRAME));
        assert_eq!(of("packs").entries, 1, "a pack and its index are one entry");
        assert!(of("packs").bytes > 500);
        assert_eq!((of("gaps").entries, of("streams").entries), (0, 0));

        // Room for one frame and the pack: the oldest frame goes.
        let pruned = cache.prune(FRAME + of("packs").bytes).unwrap();
        assert_eq!((pruned.removed, pruned.removed_bytes), (1, FRAME));
        assert!(!old.exists() && recent.exists());
        assert!(pack_files.iter().all(|f| f.exists()));
        // Used now, the older frame is kept over the newer pack.
        touch_path(&recent);
        let pruned = cache.prune(FRAME).unwrap();
        assert_eq!(pruned.removed, 1);
        assert!(recent.exists(), "used last, kept");
        assert!(
            pack_files.iter().all(|f| !f.exists()),
            "pack and index removed"
        );
        assert!(cache.frame(codec, &[3; 32]).is_none());
        assert!(
            scratch.path().exists(),
            "another run's scratch file is kept"
        );
        assert_eq!(pruned.kept_bytes, FRAME);
        // Nothing to do within the bound; zero removes every entry.
        assert_eq!(cache.prune(1 << 30).unwrap().removed, 0);
        assert_eq!(cache.prune(0).unwrap().removed, 1);
        assert!(cache.frame(codec, &[2; 32]).is_none());
    }

    /// Every `*.idx` at the root is an index, whoever keeps it (this crate names none of its
    /// users' files): counted by `usage` and `prune`, never removed.
    #[test]
    fn index_files_at_the_root_are_counted_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FrameCache::open(dir.path()).unwrap();
        let codec = Compression::Gzip { level: 9 };
        let frame = cache
            .store_frame(codec, &[1; 32], |w| w.write_all(&[0; 100]))
            .unwrap();
        fs::write(cache.root().join("somebody-else.idx"), [0; 30]).unwrap();
        fs::write(cache.root().join(".in-progress.idx"), [0; 7]).unwrap();
        fs::write(cache.root().join("notes.txt"), [0; 11]).unwrap();
        let usage = cache.usage().unwrap();
        let index = usage.iter().find(|u| u.kind == "index").unwrap();
        assert_eq!((index.entries, index.bytes), (1, 30));
        let pruned = cache.prune(0).unwrap();
        assert_eq!(pruned.removed, 1);
        assert_eq!(pruned.kept_bytes, 30);
        assert!(!frame.exists());
        assert!(cache.root().join("somebody-else.idx").exists());
    }
}
