//! The content-addressed store of compressed frames, and the index that finds a file's digests
//! without reading it again.
//!
//! Layout under the cache root (`v1/` so a later layout can live beside it):
//!
//! ```text
//! v1/frames/zstd-19/ab/ab12…ef      one compressed frame (or gzip member), named by the SHA-256
//!                                    of its uncompressed bytes
//! v1/gaps/zstd-19/12/12ab…cd         a frame of one format's own bytes (headers, small files),
//!                                    named by a digest of its parts (files by their SHA-256)
//! v1/streams/xz-6-mt/ef/ef56…23      a whole single-frame stream (a `.deb`'s data.tar.xz),
//!                                    named by a digest of what it holds (see [`FrameCache::stream`])
//! v1/files.idx                      one line per input path: its device, inode, size, mtime
//!                                    and ctime when last read, and its MD5 and SHA-256
//! ```
//!
//! Entries are written to a temporary file in the same directory and renamed into place, so a
//! reader never sees half an entry and concurrent runs of syspack can share one cache. A frame's
//! name is the hash of what it decompresses to, so whichever run wrote it, it holds the same
//! bytes. The file index is trusted like git's index: a path whose device, inode, size, mtime and
//! ctime (to the nanosecond) are unchanged is taken to have unchanged content. It is one file,
//! read once and rewritten once per run (thousands of tiny files cost more to create than the
//! reads they save); when two runs save at once, one's new entries may be lost, which only costs
//! a read next time.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::content::FileDigests;
use crate::compress::Compression;

/// A directory of compressed frames and file digests; see the module docs.
#[derive(Debug)]
pub struct FrameCache {
    root: PathBuf,
    /// The file index, loaded on first use: hex of the path → (stamp, digests).
    index: Mutex<Option<Index>>,
    /// Keeps a run-local cache alive (and removes it at the end).
    _temporary: Option<tempfile::TempDir>,
}

impl FrameCache {
    /// Opens (creating it if needed) the cache at `dir`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] naming `dir` when it cannot be created.
    pub fn open(dir: &Path) -> crate::Result<Self> {
        let root = dir.join("v1");
        fs::create_dir_all(&root)
            .map_err(|e| crate::Error::io(&root, "creating the frame cache", e))?;
        Ok(FrameCache {
            root,
            index: Mutex::new(None),
            _temporary: None,
        })
    }

    /// A cache for this run only, in the system's temporary directory, removed on drop.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] when no temporary directory can be made.
    pub fn temporary() -> crate::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("syspack-frames-")
            .tempdir()
            .map_err(|e| crate::Error::io(std::env::temp_dir(), "creating a frame cache", e))?;
        let mut cache = FrameCache::open(dir.path())?;
        cache._temporary = Some(dir);
        Ok(cache)
    }

    /// The directory the cache lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn frame_path(&self, codec: Compression, key: &[u8; 32]) -> PathBuf {
        self.keyed_path("frames", codec, key)
    }

    fn keyed_path(&self, kind: &str, codec: Compression, key: &[u8; 32]) -> PathBuf {
        let hex = hex::encode(key);
        // The single-threaded zstd compressor (a libzstd without threads) makes other bytes.
        let mode = match codec {
            Compression::Zstd { .. } if syspack_zstd_sys::safe::max_threads() == 0 => "-st",
            _ => "",
        };
        self.root
            .join(kind)
            .join(format!("{}-{}{mode}", codec.name(), codec.level()))
            .join(&hex[..2])
            .join(hex)
    }

    fn stream_path(&self, compression: Compression, key: &[u8; 32]) -> PathBuf {
        let hex = hex::encode(key);
        let threads = match compression {
            Compression::Xz { threads, .. } if threads > 1 => "-mt",
            Compression::Zstd { threads, .. }
                if threads > 1 && syspack_zstd_sys::safe::max_threads() > 0 =>
            {
                "-mt"
            }
            _ => "",
        };
        self.root
            .join("streams")
            .join(format!(
                "{}-{}{threads}",
                compression.name(),
                compression.level()
            ))
            .join(&hex[..2])
            .join(hex)
    }

    /// A whole compressed stream cached under `key`, a digest of the stream's uncompressed
    /// bytes in which each file with known digests stands as its SHA-256 (so computing the key
    /// need not read it). For payloads that must be one frame (`.deb` with xz or zstd).
    pub fn stream(&self, compression: Compression, key: &[u8; 32]) -> Option<PathBuf> {
        let path = self.stream_path(compression, key);
        path.is_file().then_some(path)
    }

    /// Stores a whole compressed stream read from `source` under `key`, atomically.
    ///
    /// # Errors
    ///
    /// Errors reading `source` or writing the cache.
    pub fn store_stream(
        &self,
        compression: Compression,
        key: &[u8; 32],
        source: &mut dyn io::Read,
    ) -> io::Result<PathBuf> {
        persist_new(self.stream_path(compression, key), |f| {
            crate::output::copy_in_bulk(source, f).map(drop)
        })
    }

    /// The cached frame of `key` (SHA-256 of the uncompressed bytes) for `codec`, if present.
    pub fn frame(&self, codec: Compression, key: &[u8; 32]) -> Option<PathBuf> {
        let path = self.frame_path(codec, key);
        path.is_file().then_some(path)
    }

    /// Stores a frame written by `write`, atomically; returns its path. When another run stored
    /// it meanwhile, the existing file (the same bytes) is kept.
    ///
    /// # Errors
    ///
    /// The error of `write`, or of creating and renaming the file.
    pub fn store_frame(
        &self,
        codec: Compression,
        key: &[u8; 32],
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<PathBuf> {
        persist_new(self.frame_path(codec, key), |f| {
            let mut out = io::BufWriter::with_capacity(1 << 16, f);
            write(&mut out)?;
            out.flush()
        })
    }

    /// A cached frame of a format's own bytes (headers and small files by digest; see
    /// `PayloadEncoder`), kept apart from content frames because its key is not the hash of
    /// its uncompressed bytes.
    pub(crate) fn gap_frame(&self, codec: Compression, key: &[u8; 32]) -> Option<PathBuf> {
        let path = self.keyed_path("gaps", codec, key);
        path.is_file().then_some(path)
    }

    /// Moves a scratch file holding the gap frame of `key` into place.
    pub(crate) fn adopt_gap_frame(
        &self,
        codec: Compression,
        key: &[u8; 32],
        scratch: tempfile::NamedTempFile,
    ) -> io::Result<PathBuf> {
        adopt_at(self.keyed_path("gaps", codec, key), scratch)
    }

    /// A new temporary file in the cache, to be [`FrameCache::adopt`]ed once its key is known.
    pub(crate) fn scratch(&self) -> io::Result<tempfile::NamedTempFile> {
        let dir = self.root.join("frames");
        fs::create_dir_all(&dir)?;
        tempfile::NamedTempFile::new_in(dir)
    }

    /// Moves a scratch file holding the frame of `key` into place.
    pub(crate) fn adopt(
        &self,
        codec: Compression,
        key: &[u8; 32],
        scratch: tempfile::NamedTempFile,
    ) -> io::Result<PathBuf> {
        adopt_at(self.frame_path(codec, key), scratch)
    }

    fn with_index<T>(&self, f: impl FnOnce(&mut Index) -> T) -> T {
        let mut guard = self.index.lock().unwrap_or_else(|e| e.into_inner());
        let index = guard.get_or_insert_with(|| Index::load(&self.root.join("files.idx")));
        f(index)
    }

    /// The digests recorded for `file` when its metadata has not changed since.
    pub fn digests(&self, file: &Path, meta: &fs::Metadata) -> Option<FileDigests> {
        let key = hex::encode(file.as_os_str().as_encoded_bytes());
        self.with_index(|index| {
            let (stamp, digests) = index.entries.get(&key)?;
            (*stamp == file_stamp(meta)).then_some(*digests)
        })
    }

    /// Records `file`'s digests against its current metadata (kept by
    /// [`FrameCache::save_index`]).
    pub fn record_digests(&self, file: &Path, meta: &fs::Metadata, digests: &FileDigests) {
        let key = hex::encode(file.as_os_str().as_encoded_bytes());
        self.with_index(|index| {
            index.entries.insert(key, (file_stamp(meta), *digests));
            index.changed = true;
        });
    }

    /// Writes the file index back, merged with what other runs saved meanwhile. Failures are
    /// ignored: the index only saves reading files next time.
    pub fn save_index(&self) {
        let path = self.root.join("files.idx");
        self.with_index(|index| {
            if !index.changed {
                return;
            }
            let mut merged = Index::load(&path);
            merged.entries.extend(index.entries.drain());
            let mut text = String::with_capacity(merged.entries.len() * 200);
            let mut keys: Vec<&String> = merged.entries.keys().collect();
            keys.sort();
            for k in keys {
                let (stamp, d) = &merged.entries[k];
                text.push_str(&format!(
                    "{k}\t{stamp}\t{}\t{}\t{}\n",
                    d.size,
                    d.md5_hex(),
                    d.sha256_hex()
                ));
            }
            let _ = tempfile::NamedTempFile::new_in(&self.root).and_then(|mut tmp| {
                tmp.write_all(text.as_bytes())?;
                tmp.persist(&path).map_err(|e| e.error)?;
                Ok(())
            });
            *index = merged;
        });
    }
}

/// Creates `path` (and its directory) atomically with what `write` puts in it.
fn persist_new(
    path: PathBuf,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let dir = path.parent().expect("cache paths have a parent");
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    write(tmp.as_file_mut())?;
    adopt_at(path, tmp)
}

/// Renames a finished temporary file to `path`, creating its directory.
fn adopt_at(path: PathBuf, scratch: tempfile::NamedTempFile) -> io::Result<PathBuf> {
    fs::create_dir_all(path.parent().expect("cache paths have a parent"))?;
    scratch.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// The file index in memory.
#[derive(Debug, Default)]
struct Index {
    entries: HashMap<String, (String, FileDigests)>,
    changed: bool,
}

impl Index {
    /// Reads `files.idx`; a missing or damaged file (or line) is an empty index (or is skipped).
    fn load(path: &Path) -> Index {
        let mut index = Index::default();
        let Ok(text) = fs::read_to_string(path) else {
            return index;
        };
        for line in text.lines() {
            let mut fields = line.split('\t');
            let (Some(key), Some(stamp), Some(size), Some(md5), Some(sha256), None) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            let Ok(size) = size.parse() else { continue };
            if let Some(d) = FileDigests::from_hex(size, md5, sha256) {
                index
                    .entries
                    .insert(key.to_string(), (stamp.to_string(), d));
            }
        }
        index
    }
}

/// What must not change for a file's recorded digests to hold.
fn file_stamp(m: &fs::Metadata) -> String {
    format!(
        "{} {} {} {}.{} {}.{}",
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_stored_under_their_key_and_found_again() {
        let cache = FrameCache::temporary().unwrap();
        let codec = Compression::Gzip { level: 6 };
        let key = [7u8; 32];
        assert!(cache.frame(codec, &key).is_none());
        let path = cache
            .store_frame(codec, &key, |w| w.write_all(b"frame"))
            .unwrap();
        assert_eq!(cache.frame(codec, &key), Some(path.clone()));
        assert_eq!(fs::read(&path).unwrap(), b"frame");
        // Another level is another frame.
        assert!(cache.frame(Compression::Gzip { level: 9 }, &key).is_none());
    }

    #[test]
    fn recorded_digests_hold_only_while_the_file_is_unchanged() {
        let cache = FrameCache::temporary().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, b"one").unwrap();
        let meta = fs::metadata(&file).unwrap();
        let digests = FileDigests::of_bytes(b"one");
        cache.record_digests(&file, &meta, &digests);
        cache.save_index();
        // Another handle on the same directory reads the saved index.
        let again = FrameCache::open(cache.root().parent().unwrap()).unwrap();
        assert_eq!(again.digests(&file, &meta), Some(digests));
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&file, b"two").unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert_eq!(again.digests(&file, &meta), None);
    }
}
