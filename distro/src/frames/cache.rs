//! The content-addressed store of compressed frames, and the index that finds a file's digests
//! without reading it again.
//!
//! Layout under the cache root (`v1/` so a later layout can live beside it):
//!
//! ```text
//! v1/frames/zstd-19-1.5.4/ab/ab12…ef    one compressed frame (for gzip, under
//!                                       deflate-9-libdeflate1.23-L7-c1024k/: a deflate segment
//!                                       and its CRC and length), named by the SHA-256 of its
//!                                       uncompressed bytes; the directory names the
//!                                       library release
//! v1/gaps/zstd-19-1.5.4/12/12ab…cd      a frame of one format's own bytes (headers, small
//!                                       files), named by a digest of its parts (files by
//!                                       their SHA-256)
//! v1/packs/deflate-9-…/3f2a…9c.pack     the frames of small files made in one run, and their
//! v1/packs/deflate-9-…/3f2a…9c.idx      index (see [`PackWriter`])
//! v1/streams/xz-6-mt-xz5.4.1/ef/ef56…23 a whole single-frame stream (a `.deb`'s data.tar.xz),
//!                                       named by a digest of what it holds (see
//!                                       [`FrameCache::stream`])
//! v1/files.idx                          one line per input path: its device, inode, size, mtime
//!                                       and ctime when last read, and its MD5 (`-` when
//!                                       the run needed none) and SHA-256
//! v1/*.idx                              indexes a user of the cache keeps beside it (counted
//!                                       by [`FrameCache::usage`], never pruned)
//! ```
//!
//! Every entry file (frame, gap frame, stream) ends with the CRC-32 of its content
//! ([`ENTRY_CHECKSUM`]; a pack's index holds its frames'), checked when the entry is found: an
//! entry damaged on disk is removed and made again, never spliced into a package.
//!
//! Entries are written to a temporary file in the same directory and renamed into place, so a
//! reader never sees half an entry and concurrent runs of syspack can share one cache. A frame's
//! name is the hash of what it decompresses to, so whichever run wrote it, it holds the same
//! bytes. The file index is trusted like git's index: a path whose device, inode, size, mtime and
//! ctime (to the nanosecond) are unchanged is taken to have unchanged content. It is one file,
//! read once and rewritten once per run (thousands of tiny files cost more to create than the
//! reads they save); when two runs save at once, one's new entries may be lost, which only costs
//! a read next time.
//!
//! Every entry a run finds has its modification time set to now, so that the cache can be kept
//! within a size by removing the least recently used entries first ([`FrameCache::prune`]).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::digest::FileDigests;
use super::entry::{entry_body_len, touch, touch_path, ENTRY_CHECKSUM};
use crate::compress::Compression;

/// A directory of compressed frames and file digests; see the module docs.
#[derive(Debug)]
pub struct FrameCache {
    root: PathBuf,
    /// The file index, loaded on first use: hex of the path → (stamp, digests).
    index: Mutex<Option<Index>>,
    /// The packs' indexes, per codec family, loaded on first use.
    packs: Mutex<HashMap<String, PackIndex>>,
    /// Whether this run stored an entry (so the cache may have outgrown its bound).
    grew: AtomicBool,
    /// Keeps a run-local cache alive (and removes it at the end).
    _temporary: Option<tempfile::TempDir>,
    /// The lock a run-local cache holds for its whole run (see [`FrameCache::temporary`]).
    _lock: Option<fs::File>,
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
            packs: Mutex::new(HashMap::new()),
            grew: AtomicBool::new(false),
            _temporary: None,
            _lock: None,
        })
    }

    /// A cache for this run only, in the system's temporary directory, removed on drop.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] when no temporary directory can be made.
    ///
    /// The run holds an exclusive `flock` on its `lock` file until it ends; the directories of
    /// runs that were killed (`kill -9` leaves them, tens of MB each) are removed here, by the
    /// next run: a directory whose lock can be taken has no live owner. (A lock, not an age: a
    /// run-local cache may go unmodified for long while its packages are written from it.) A
    /// directory without a lock file (made by an older syspack) goes when it is older than
    /// [`crate::output::STALE_AGE`].
    pub fn temporary() -> crate::Result<Self> {
        remove_abandoned_temporaries(&std::env::temp_dir());
        let dir = tempfile::Builder::new()
            .prefix(TEMPORARY_PREFIX)
            .tempdir()
            .map_err(|e| crate::Error::io(std::env::temp_dir(), "creating a frame cache", e))?;
        let lock_path = dir.path().join("lock");
        let lock = fs::File::create(&lock_path)
            .map_err(|e| crate::Error::io(&lock_path, "creating the frame cache lock", e))?;
        lock_exclusive(&lock, true)
            .map_err(|e| crate::Error::io(&lock_path, "locking the frame cache", e))?;
        let mut cache = FrameCache::open(dir.path())?;
        cache._temporary = Some(dir);
        cache._lock = Some(lock);
        Ok(cache)
    }

    /// Removes the temporary files (names starting with `.`) that killed runs left in the cache,
    /// once unmodified for [`crate::output::STALE_AGE`]. Failures are ignored.
    pub fn remove_stale_temporaries(&self) {
        for entry in walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .into_iter()
            .flatten()
        {
            if !entry.file_type().is_file()
                || !entry.file_name().as_encoded_bytes().starts_with(b".")
            {
                continue;
            }
            if entry.metadata().is_ok_and(|m| crate::output::is_stale(&m)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Checks that entries can be written here: a scratch file is created, written and
    /// removed. A cache that fails this (read-only, full) should not be used for the run.
    ///
    /// # Errors
    ///
    /// The error creating or writing the scratch file.
    pub fn check_writable(&self) -> io::Result<()> {
        let mut f = self.scratch()?;
        f.write_all(&[0u8; 4096])?;
        f.as_file().sync_data()?;
        Ok(())
    }

    /// The directory the cache lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this is a cache for this run only ([`FrameCache::temporary`]).
    pub fn is_temporary(&self) -> bool {
        self._temporary.is_some()
    }

    /// Whether this handle stored an entry since it was opened (see [`FrameCache::prune`]).
    pub fn grew(&self) -> bool {
        self.grew.load(Ordering::Relaxed)
    }

    fn mark_grown(&self) {
        self.grew.store(true, Ordering::Relaxed);
    }

    fn frame_path(&self, codec: Compression, key: &[u8; 32]) -> PathBuf {
        self.keyed_path("frames", codec, key)
    }

    fn keyed_path(&self, kind: &str, codec: Compression, key: &[u8; 32]) -> PathBuf {
        let hex = hex::encode(key);
        self.root
            .join(kind)
            .join(codec_family(codec))
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
        // zstd's window decides the bytes as much as its level (see `compress::zstd_window_log`).
        let window = match compression {
            Compression::Zstd { level, .. } => {
                format!("-w{}", crate::compress::zstd_window_log(level))
            }
            _ => String::new(),
        };
        self.root
            .join("streams")
            .join(format!(
                "{}-{}{threads}{window}-{}",
                compression.name(),
                compression.level(),
                library_release(compression)
            ))
            .join(&hex[..2])
            .join(hex)
    }

    /// A whole compressed stream cached under `key`, a digest of the stream's uncompressed
    /// bytes in which each file with known digests stands as its SHA-256 (so computing the key
    /// need not read it). For payloads that must be one frame (`.deb` with xz or zstd).
    /// The file ends with its checksum ([`ENTRY_CHECKSUM`] bytes; found intact, or removed and
    /// not found).
    pub fn stream(&self, compression: Compression, key: &[u8; 32]) -> Option<PathBuf> {
        found_entry(self.stream_path(compression, key))
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
        self.mark_grown();
        persist_entry(self.stream_path(compression, key), |f| {
            crate::output::copy_in_bulk(source, f).map(drop)
        })
    }

    /// The cached frame of `key` (SHA-256 of the uncompressed bytes) for `codec`, if present:
    /// a file of its own, or a place in a pack. Marks it used (see [`FrameCache::prune`]).
    pub fn frame(&self, codec: Compression, key: &[u8; 32]) -> Option<StoredFrame> {
        let family = codec_family(codec);
        let packed = {
            let mut packs = self.packs.lock().unwrap_or_else(|e| e.into_inner());
            let index = packs
                .entry(family.clone())
                .or_insert_with(|| PackIndex::load(&self.root.join("packs").join(&family)));
            let mut found = index.frames.get(key).cloned();
            if let Some((StoredFrame::Packed { pack, offset, len }, crc)) = &found {
                if !packed_intact(pack, *offset, *len, *crc) {
                    // Damaged on disk: a miss (the frame is made again, into a new pack).
                    index.frames.remove(key);
                    found = None;
                } else if index.touched.insert(Arc::as_ptr(pack) as usize) {
                    // Once per pack and run.
                    touch(pack);
                }
            }
            found.map(|(frame, _)| frame)
        };
        packed.or_else(|| found_entry(self.frame_path(codec, key)).map(StoredFrame::File))
    }

    /// A new pack for the small frames of `codec` this run makes; see [`PackWriter`].
    ///
    /// # Errors
    ///
    /// Errors creating the pack's temporary file.
    pub(crate) fn new_pack(&self, codec: Compression) -> io::Result<PackWriter> {
        self.mark_grown();
        let dir = self.root.join("packs").join(codec_family(codec));
        fs::create_dir_all(&dir)?;
        let file = tempfile::Builder::new().prefix(".new-").tempfile_in(&dir)?;
        let handle = Arc::new(file.reopen()?);
        Ok(PackWriter {
            dir,
            state: Mutex::new(PackState {
                file,
                len: 0,
                entries: Vec::new(),
            }),
            handle,
        })
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
        self.mark_grown();
        persist_entry(self.frame_path(codec, key), |f| {
            let mut out = io::BufWriter::with_capacity(1 << 16, f);
            write(&mut out)?;
            out.flush()
        })
    }

    /// A cached frame of a format's own bytes (headers and small files by digest; see
    /// `PayloadEncoder`), kept apart from content frames because its key is not the hash of
    /// its uncompressed bytes.
    pub(crate) fn gap_frame(&self, codec: Compression, key: &[u8; 32]) -> Option<PathBuf> {
        found_entry(self.keyed_path("gaps", codec, key))
    }

    /// Moves a scratch file holding the gap frame of `key` into place.
    pub(crate) fn adopt_gap_frame(
        &self,
        codec: Compression,
        key: &[u8; 32],
        scratch: tempfile::NamedTempFile,
    ) -> io::Result<PathBuf> {
        self.mark_grown();
        adopt_entry(self.keyed_path("gaps", codec, key), scratch)
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
        self.mark_grown();
        adopt_entry(self.frame_path(codec, key), scratch)
    }

    fn with_index<T>(&self, f: impl FnOnce(&mut Index) -> T) -> T {
        let mut guard = self.index.lock().unwrap_or_else(|e| e.into_inner());
        let index = guard.get_or_insert_with(|| Index::load(&self.root.join("files.idx")));
        f(index)
    }

    /// The digests recorded for `file` when its metadata has not changed since.
    pub fn digests(&self, file: &Path, meta: &fs::Metadata) -> Option<FileDigests> {
        self.digests_if_stamped(file, &file_stamp(meta))
    }

    /// The digests recorded for `file` if they were recorded against `stamp` (a [`file_stamp`]
    /// taken a moment ago).
    pub fn digests_if_stamped(&self, file: &Path, stamp: &str) -> Option<FileDigests> {
        let key = hex::encode(file.as_os_str().as_encoded_bytes());
        self.with_index(|index| {
            let (recorded, digests) = index.entries.get(&key)?;
            (recorded == stamp).then_some(*digests)
        })
    }

    /// `file`'s digests: from the index when it is unchanged since it was last read, else read
    /// now (and recorded; [`FrameCache::save_index`] keeps them).
    ///
    /// # Errors
    ///
    /// Errors reading the file.
    pub fn digests_reading(&self, file: &Path) -> io::Result<FileDigests> {
        let meta = fs::metadata(file)?;
        if let Some(d) = self.digests(file, &meta) {
            return Ok(d);
        }
        let digests = FileDigests::of_reader(fs::File::open(file)?)?;
        self.record_digests(file, &meta, &digests);
        Ok(digests)
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
                let line = format!(
                    "{k}\t{stamp}\t{}\t{}\t{}",
                    d.size,
                    d.md5_hex().as_deref().unwrap_or("-"),
                    d.sha256_hex()
                );
                text.push_str(&format!("{line}\t{}\n", line_check(&line)));
            }
            let _ = persist_new(path, |f| f.write_all(text.as_bytes()));
            *index = merged;
        });
    }
}

/// The name prefix of run-local caches in the temporary directory.
const TEMPORARY_PREFIX: &str = "syspack-frames-";

/// `flock(LOCK_EX)`, without waiting when `wait` is false.
fn lock_exclusive(file: &fs::File, wait: bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let op = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock on a valid, open descriptor owned by `file`; no memory is involved.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Removes the run-local caches in `tmp` whose run is gone (see [`FrameCache::temporary`]).
fn remove_abandoned_temporaries(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        if !e
            .file_name()
            .as_encoded_bytes()
            .starts_with(TEMPORARY_PREFIX.as_bytes())
            || !e.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let dir = e.path();
        // A run creates its directory, then its lock file, then locks it: a directory younger
        // than a minute may be one caught in between.
        let settled = e
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 60);
        let abandoned = match fs::OpenOptions::new().write(true).open(dir.join("lock")) {
            Ok(lock) => settled && lock_exclusive(&lock, false).is_ok(),
            Err(_) => e.metadata().is_ok_and(|m| crate::output::is_stale(&m)),
        };
        if abandoned {
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

/// The directory name of `codec`'s frames: codec, level, the library release that made them and
/// what else changes their bytes. Two libzstd or zlib releases may compress the same input into
/// other bytes, so a cache shared by a system-library build and a vendored build of syspack keeps
/// their frames apart: a frame found in the cache is always the frame this binary would make.
fn codec_family(codec: Compression) -> String {
    match codec {
        Compression::Zstd { level, .. } => {
            // The single-threaded compressor (a libzstd without threads) makes other bytes.
            let mode = if syspack_zstd_sys::safe::max_threads() == 0 {
                "-st"
            } else {
                ""
            };
            format!(
                "zstd-{level}{mode}-w{}-{}",
                crate::compress::zstd_window_log(level),
                library_release(codec)
            )
        }
        // gzip frames are deflate segments with a trailer (see codec.rs), compressed by
        // libdeflate in chunks of a fixed size (see deflate.rs): the release and the chunk size
        // decide the bytes.
        Compression::Gzip { level } => format!(
            "deflate-{level}-libdeflate{}-L{}-c{}k",
            syspack_libdeflate_sys::safe::version(),
            super::deflate::libdeflate_level(level),
            super::deflate::CHUNK >> 10
        ),
        _ => format!(
            "{}-{}-{}",
            codec.name(),
            codec.level(),
            library_release(codec)
        ),
    }
}

/// The release of the library that compresses with `compression`, as it names itself
/// (`zlib1.3.1`, `1.5.7` for zstd, `xz5.6.4`, `bzip2-1.0.8`).
fn library_release(compression: Compression) -> String {
    match compression {
        Compression::Gzip { .. } => format!("zlib{}", syspack_zlib_sys::safe::version()),
        Compression::Zstd { .. } => syspack_zstd_sys::safe::version().to_string(),
        Compression::Xz { .. } => format!("xz{}", syspack_lzma_sys::safe::version()),
        Compression::Bzip2 { .. } => {
            let v = syspack_bzip2_sys::safe::version();
            format!("bzip2-{}", v.split(',').next().unwrap_or(v))
        }
        Compression::None => String::new(),
    }
}

/// Where a cached frame is: a file of its own (large files' frames, gap frames), or a byte range
/// of a pack (small files' frames).
#[derive(Clone, Debug)]
pub enum StoredFrame {
    /// The whole file.
    File(PathBuf),
    /// `len` bytes at `offset` of an open pack.
    Packed {
        /// The pack, open for reading.
        pack: Arc<fs::File>,
        /// Where the frame starts.
        offset: u64,
        /// Its length in bytes.
        len: u64,
    },
}

impl StoredFrame {
    /// The frame's stored bytes (for a deflate segment, with its trailer).
    ///
    /// # Errors
    ///
    /// Errors reading the cache.
    pub fn read(&self) -> io::Result<Vec<u8>> {
        match self {
            StoredFrame::File(path) => {
                let mut bytes = fs::read(path)?;
                let body = entry_body_len(bytes.len() as u64, path)?;
                bytes.truncate(body as usize);
                Ok(bytes)
            }
            StoredFrame::Packed { pack, offset, len } => {
                let mut buf = vec![0u8; *len as usize];
                pack.read_exact_at(&mut buf, *offset)?;
                Ok(buf)
            }
        }
    }
}

/// Collects the frames of small files made in one run into one file, a *pack*: thousands of
/// small frames as files of their own cost more to create, rename, open and delete than
/// compressing them (measured: `bench/RESULTS.md`, section 2.7). The pack becomes visible to other runs, with its index, when
/// [`PackWriter::finish`] renames it into place:
///
/// ```text
/// v1/packs/deflate-9-libdeflate1.23-L7-c1024k/3f2a…9c.pack   the frames, one after the other
/// v1/packs/deflate-9-libdeflate1.23-L7-c1024k/3f2a…9c.idx    one line per frame: SHA-256 of its uncompressed
///                                             bytes, offset, length, CRC-32 of the frame
/// ```
pub(crate) struct PackWriter {
    dir: PathBuf,
    state: Mutex<PackState>,
    handle: Arc<fs::File>,
}

struct PackState {
    file: tempfile::NamedTempFile,
    len: u64,
    /// Key, offset, length and CRC-32 of each frame.
    entries: Vec<([u8; 32], u64, u64, u32)>,
}

impl PackWriter {
    /// Appends a frame whose uncompressed bytes hash to `key`; returns where it is.
    pub(crate) fn append(&self, key: &[u8; 32], frame: &[u8]) -> io::Result<StoredFrame> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let offset = state.len;
        state.file.as_file_mut().write_all(frame)?;
        state.len += frame.len() as u64;
        let crc = syspack_libdeflate_sys::safe::crc32(0, frame);
        state.entries.push((*key, offset, frame.len() as u64, crc));
        Ok(StoredFrame::Packed {
            pack: self.handle.clone(),
            offset,
            len: frame.len() as u64,
        })
    }

    /// Puts the pack and its index in place (the index last: a pack without one is ignored).
    /// An empty pack is removed.
    pub(crate) fn finish(self) -> io::Result<()> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if state.entries.is_empty() {
            return Ok(());
        }
        let mut index = String::with_capacity(state.entries.len() * 90);
        for (key, offset, len, crc) in &state.entries {
            index.push_str(&format!(
                "{}\t{offset}\t{len}\t{crc:08x}\n",
                hex::encode(key)
            ));
        }
        let name = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(index.as_bytes())[..16]);
        state.file.as_file().sync_data().ok();
        state
            .file
            .persist(self.dir.join(format!("{name}.pack")))
            .map_err(|e| e.error)?;
        persist_new(self.dir.join(format!("{name}.idx")), |f| {
            f.write_all(index.as_bytes())
        })?;
        Ok(())
    }
}

/// The `N` tab-separated fields of an index line, or `None` when it has more or fewer (a damaged
/// line, skipped).
fn tab_fields<const N: usize>(line: &str) -> Option<[&str; N]> {
    let mut fields = line.split('\t');
    let mut out = [""; N];
    for slot in &mut out {
        *slot = fields.next()?;
    }
    fields.next().is_none().then_some(out)
}

/// The frames of every finished pack of one codec family.
#[derive(Debug, Default)]
struct PackIndex {
    /// Each frame, with its CRC-32 (checked when it is found).
    frames: HashMap<[u8; 32], (StoredFrame, u32)>,
    /// The packs this run used (by the address of their open file), marked used once.
    touched: HashSet<usize>,
}

impl PackIndex {
    /// Reads every `*.idx` in `dir` with its pack; unreadable packs and damaged lines are skipped
    /// (a miss only costs compressing again).
    fn load(dir: &Path) -> PackIndex {
        let mut index = PackIndex::default();
        let Ok(entries) = fs::read_dir(dir) else {
            return index;
        };
        for entry in entries.flatten() {
            let idx = entry.path();
            if idx.extension().and_then(|e| e.to_str()) != Some("idx") {
                continue;
            }
            let (Ok(text), Ok(pack)) = (
                fs::read_to_string(&idx),
                fs::File::open(idx.with_extension("pack")),
            ) else {
                continue;
            };
            // A frame must lie inside its pack (a truncated pack loses its frames, not a package).
            let pack_len = pack.metadata().map(|m| m.len()).unwrap_or(0);
            let pack = Arc::new(pack);
            for line in text.lines() {
                let Some([key, offset, len, crc]) = tab_fields(line) else {
                    continue;
                };
                let mut k = [0u8; 32];
                let (Ok(()), Ok(offset), Ok(len), Ok(crc)) = (
                    hex::decode_to_slice(key, &mut k),
                    offset.parse::<u64>(),
                    len.parse::<u64>(),
                    u32::from_str_radix(crc, 16),
                ) else {
                    continue;
                };
                if !matches!(offset.checked_add(len), Some(end) if end <= pack_len) {
                    continue;
                }
                index.frames.insert(
                    k,
                    (
                        StoredFrame::Packed {
                            pack: pack.clone(),
                            offset,
                            len,
                        },
                        crc,
                    ),
                );
            }
        }
        index
    }
}

/// The CRC-32 of the first `len` bytes `reader` gives.
fn crc_of(reader: impl Read, len: u64) -> io::Result<u32> {
    let mut reader = reader.take(len);
    let mut buf = vec![0u8; (len as usize).min(1 << 20)];
    let mut crc = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(crc),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        crc = syspack_libdeflate_sys::safe::crc32(crc, &buf[..n]);
    }
}

/// Removes whatever is at `path` when it is not a regular file (a directory, a symlink, a
/// FIFO where an entry should be): it is healed like a damaged entry.
fn clear_non_file(path: &Path) {
    if let Ok(m) = fs::symlink_metadata(path) {
        if m.is_dir() {
            let _ = fs::remove_dir_all(path);
        } else if !m.is_file() {
            let _ = fs::remove_file(path);
        }
    }
}

/// `path` if it holds an intact entry (marked used); a damaged entry is removed.
fn found_entry(path: PathBuf) -> Option<PathBuf> {
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
        clear_non_file(&path);
        return None;
    }
    let intact = (|| -> io::Result<bool> {
        let f = fs::File::open(&path)?;
        let size = f.metadata()?.len();
        let Some(body) = size.checked_sub(ENTRY_CHECKSUM) else {
            return Ok(false);
        };
        let mut trailer = [0u8; ENTRY_CHECKSUM as usize];
        f.read_exact_at(&mut trailer, body)?;
        Ok(crc_of(&f, body)? == u32::from_le_bytes(trailer))
    })();
    match intact {
        Ok(true) => {
            touch_path(&path);
            Some(path)
        }
        Ok(false) => {
            let _ = fs::remove_file(&path);
            None
        }
        Err(_) => None,
    }
}

/// Whether `len` bytes at `offset` of `pack` have the CRC-32 `crc`.
fn packed_intact(pack: &fs::File, offset: u64, len: u64, crc: u32) -> bool {
    let mut bytes = vec![0u8; len as usize];
    pack.read_exact_at(&mut bytes, offset).is_ok()
        && syspack_libdeflate_sys::safe::crc32(0, &bytes) == crc
}

/// Ends a finished entry file with its checksum ([`ENTRY_CHECKSUM`]).
fn seal(file: &mut fs::File) -> io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let crc = crc_of(&mut *file, len)?;
    file.seek(SeekFrom::End(0))?;
    file.write_all(&crc.to_le_bytes())
}

/// Creates the entry `path` atomically with what `write` puts in it, and its checksum.
fn persist_entry(
    path: PathBuf,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<PathBuf> {
    persist_new(path, |f| {
        write(f)?;
        seal(f)
    })
}

/// Seals a finished scratch file and renames it to the entry `path`.
fn adopt_entry(path: PathBuf, mut scratch: tempfile::NamedTempFile) -> io::Result<PathBuf> {
    seal(scratch.as_file_mut())?;
    adopt_at(path, scratch)
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
    clear_non_file(&path);
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
            // A line whose check does not match (damaged, edited, or of an older syspack) is
            // a miss: the file is read again, never trusted.
            let Some((body, check)) = line.rsplit_once('\t') else {
                continue;
            };
            if line_check(body) != check {
                continue;
            }
            let Some([key, stamp, size, md5, sha256]) = tab_fields(body) else {
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

/// The check that ends each line of `files.idx`: the first 16 hex digits of the SHA-256 of the
/// rest of the line, so that a damaged or edited line (a zeroed digest) is a miss, not a digest
/// written into a package.
fn line_check(line: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(line.as_bytes())[..8])
}

/// What must not change for a file's recorded digests to hold: device, inode, size, and
/// modification and status-change times to the nanosecond (like git's index).
pub fn file_stamp(m: &fs::Metadata) -> String {
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
    fn an_index_line_has_exactly_its_fields() {
        assert_eq!(tab_fields::<3>("a\tb\tc"), Some(["a", "b", "c"]));
        assert_eq!(tab_fields::<3>("a\t\tc"), Some(["a", "", "c"]));
        assert_eq!(tab_fields::<3>("a\tb"), None);
        assert_eq!(tab_fields::<3>("a\tb\tc\td"), None);
        assert_eq!(tab_fields::<1>(""), Some([""]));
    }

    #[test]
    fn frames_are_stored_under_their_key_and_found_again() {
        let cache = FrameCache::temporary().unwrap();
        let codec = Compression::Gzip { level: 6 };
        let key = [7u8; 32];
        assert!(cache.frame(codec, &key).is_none());
        let path = cache
            .store_frame(codec, &key, |w| w.write_all(b"frame"))
            .unwrap();
        let found = cache.frame(codec, &key);
        assert!(matches!(&found, Some(StoredFrame::File(p)) if *p == path));
        assert_eq!(found.unwrap().read().unwrap(), b"frame");
        assert_eq!(fs::read(&path).unwrap().len(), 5 + ENTRY_CHECKSUM as usize);
        // Another level is another frame.
        assert!(cache.frame(Compression::Gzip { level: 9 }, &key).is_none());
    }

    #[test]
    fn packed_frames_are_found_by_later_runs_once_the_pack_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let codec = Compression::Gzip { level: 9 };
        let cache = FrameCache::open(dir.path()).unwrap();
        let pack = cache.new_pack(codec).unwrap();
        let a = pack.append(&[1; 32], b"first frame").unwrap();
        let b = pack.append(&[2; 32], b"second").unwrap();
        assert_eq!(a.read().unwrap(), b"first frame");
        assert_eq!(b.read().unwrap(), b"second");
        // Unfinished, the pack is not visible to another run.
        assert!(FrameCache::open(dir.path())
            .unwrap()
            .frame(codec, &[2; 32])
            .is_none());
        pack.finish().unwrap();
        let later = FrameCache::open(dir.path()).unwrap();
        let found = later.frame(codec, &[2; 32]).expect("in the finished pack");
        assert!(matches!(
            found,
            StoredFrame::Packed {
                offset: 11,
                len: 6,
                ..
            }
        ));
        assert_eq!(found.read().unwrap(), b"second");
        assert!(later
            .frame(Compression::Gzip { level: 6 }, &[2; 32])
            .is_none());
        // An empty pack leaves nothing behind.
        cache.new_pack(codec).unwrap().finish().unwrap();
        let family = codec_family(codec);
        let packs: Vec<_> = fs::read_dir(dir.path().join("v1/packs").join(&family))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(packs.len(), 2, "one .pack and its .idx: {packs:?}");

        // A truncated pack loses the frames beyond its end, not a package's bytes.
        let pack_file = packs.iter().find(|p| p.ends_with(".pack")).unwrap();
        let pack_path = dir.path().join("v1/packs").join(&family).join(pack_file);
        fs::OpenOptions::new()
            .write(true)
            .open(&pack_path)
            .unwrap()
            .set_len(14)
            .unwrap();
        let after = FrameCache::open(dir.path()).unwrap();
        assert!(
            after.frame(codec, &[1; 32]).is_some(),
            "bytes 0..11 are whole"
        );
        assert!(
            after.frame(codec, &[2; 32]).is_none(),
            "bytes 11..17 are cut"
        );
    }

    /// Flips one bit in the middle of `path` (the size stays).
    fn damage(path: &Path, at: u64) {
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let mut byte = [0u8; 1];
        f.read_exact_at(&mut byte, at).unwrap();
        f.write_all_at(&[byte[0] ^ 0x10], at).unwrap();
    }

    #[test]
    fn entries_damaged_on_disk_are_misses_never_frames() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FrameCache::open(dir.path()).unwrap();
        let codec = Compression::Zstd {
            level: 3,
            threads: 2,
        };
        // A loose frame: its checksum follows it, and reading gives the frame alone.
        let path = cache
            .store_frame(codec, &[1; 32], |w| w.write_all(b"a loose frame"))
            .unwrap();
        assert_eq!(fs::metadata(&path).unwrap().len(), 13 + ENTRY_CHECKSUM);
        let found = cache.frame(codec, &[1; 32]).unwrap();
        assert_eq!(found.read().unwrap(), b"a loose frame");
        damage(&path, 5);
        assert!(cache.frame(codec, &[1; 32]).is_none());
        assert!(!path.exists(), "a damaged entry is removed");
        // A damaged checksum is damage too.
        let path = cache
            .store_frame(codec, &[2; 32], |w| w.write_all(b"another frame"))
            .unwrap();
        damage(&path, 14);
        assert!(cache.frame(codec, &[2; 32]).is_none());

        // A stream, and a gap frame adopted from a scratch file.
        let mut source: &[u8] = b"a whole stream";
        let stream = cache.store_stream(codec, &[3; 32], &mut source).unwrap();
        assert_eq!(cache.stream(codec, &[3; 32]), Some(stream.clone()));
        damage(&stream, 0);
        assert_eq!(cache.stream(codec, &[3; 32]), None);
        let mut scratch = cache.scratch().unwrap();
        scratch.write_all(b"a gap frame").unwrap();
        let gap = cache.adopt_gap_frame(codec, &[4; 32], scratch).unwrap();
        assert_eq!(cache.gap_frame(codec, &[4; 32]), Some(gap.clone()));
        damage(&gap, 3);
        assert_eq!(cache.gap_frame(codec, &[4; 32]), None);

        // A pack's frames carry their CRC in its index.
        let pack = cache.new_pack(codec).unwrap();
        pack.append(&[5; 32], b"first packed").unwrap();
        pack.append(&[6; 32], b"second packed").unwrap();
        pack.finish().unwrap();
        let later = FrameCache::open(dir.path()).unwrap();
        assert!(later.frame(codec, &[6; 32]).is_some());
        let pack_file = walk_files(&dir.path().join("v1/packs"))
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "pack"))
            .unwrap();
        damage(&pack_file, 14);
        let after = FrameCache::open(dir.path()).unwrap();
        assert!(
            after.frame(codec, &[5; 32]).is_some(),
            "bytes 0..12 are whole"
        );
        assert!(
            after.frame(codec, &[6; 32]).is_none(),
            "bytes 12..25 are damaged"
        );
    }

    fn walk_files(dir: &Path) -> Vec<PathBuf> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect()
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
