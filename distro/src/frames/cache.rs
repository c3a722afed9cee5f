//! The content-addressed store of compressed frames, and the index that finds a file's digests
//! without reading it again.
//!
//! Layout under the cache root (`v1/` so a later layout can live beside it):
//!
//! ```text
//! v1/frames/zstd-19/ab/ab12…ef      one compressed frame (or gzip member), named by the SHA-256
//!                                    of its uncompressed bytes
//! v1/streams/xz-6-mt/ef/ef56…23      a whole single-frame stream (a `.deb`'s data.tar.xz),
//!                                    named by a digest of what it holds (see [`FrameCache::stream`])
//! v1/files/cd/cd34…01               "dev ino size mtime ctime md5 sha256" of one input path
//! ```
//!
//! Entries are written to a temporary file in the same directory and renamed into place, so a
//! reader never sees half an entry and concurrent runs of syspack can share one cache. A frame's
//! name is the hash of what it decompresses to, so whichever run wrote it, it holds the same
//! bytes. The file index is trusted like git's index: a path whose device, inode, size, mtime and
//! ctime (to the nanosecond) are unchanged is taken to have unchanged content.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::content::FileDigests;
use crate::compress::Compression;

/// A directory of compressed frames and file digests; see the module docs.
#[derive(Debug)]
pub struct FrameCache {
    root: PathBuf,
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
        let hex = hex::encode(key);
        // The single-threaded zstd compressor (a libzstd without threads) makes other bytes.
        let mode = match codec {
            Compression::Zstd { .. } if syspack_zstd_sys::safe::max_threads() == 0 => "-st",
            _ => "",
        };
        self.root
            .join("frames")
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
    /// bytes in which each file's content stands as its SHA-256 (so computing the key reads no
    /// file). For payloads that must be one frame (`.deb` with xz or zstd).
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
        let path = self.stream_path(compression, key);
        let dir = path.parent().expect("stream paths have a parent");
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        io::copy(source, tmp.as_file_mut())?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
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
        let path = self.frame_path(codec, key);
        let dir = path.parent().expect("frame paths have a parent");
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
            write(&mut out)?;
            out.flush()?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
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
        let path = self.frame_path(codec, key);
        fs::create_dir_all(path.parent().expect("frame paths have a parent"))?;
        scratch.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }

    fn index_path(&self, file: &Path) -> PathBuf {
        let hex = hex::encode(Sha256::digest(file.as_os_str().as_encoded_bytes()));
        self.root.join("files").join(&hex[..2]).join(hex)
    }

    /// The digests recorded for `file` when its metadata has not changed since.
    pub fn digests(&self, file: &Path, meta: &fs::Metadata) -> Option<FileDigests> {
        let text = fs::read_to_string(self.index_path(file)).ok()?;
        let (stamp, sums) = text.trim_end().rsplit_once(' ')?;
        let (stamp, md5) = stamp.rsplit_once(' ')?;
        if stamp != file_stamp(meta) {
            return None;
        }
        FileDigests::from_hex(meta.len(), md5, sums)
    }

    /// Records `file`'s digests against its current metadata. Failures are ignored: the index
    /// only saves reading the file next time.
    pub fn record_digests(&self, file: &Path, meta: &fs::Metadata, digests: &FileDigests) {
        let path = self.index_path(file);
        let Some(dir) = path.parent() else { return };
        let line = format!(
            "{} {} {}\n",
            file_stamp(meta),
            hex::encode(digests.md5),
            hex::encode(digests.sha256)
        );
        let _ = fs::create_dir_all(dir)
            .and_then(|()| tempfile::NamedTempFile::new_in(dir))
            .and_then(|mut tmp| {
                tmp.write_all(line.as_bytes())?;
                tmp.persist(&path).map_err(|e| e.error)?;
                Ok(())
            });
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
        assert_eq!(cache.digests(&file, &meta), Some(digests));
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&file, b"two").unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert_eq!(cache.digests(&file, &meta), None);
    }
}
