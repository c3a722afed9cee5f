//! One read of every input file: its digests for every format's metadata, and the compressed
//! frames of the large ones for every format that splices.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::cache::{PackWriter, StoredFrame};
use super::codec::FrameEncoder;
use super::digest::{FileDigests, Hashers};
use super::{deflate_shares_small_files, frame_codec, FrameCache, SHARE_THRESHOLD};
use crate::compress::Compression;
use crate::cores::Cores;
use crate::error::{Error, Result};
use crate::package::{Entry, FileEntry, FileSource, Package};

/// Digests and shared frames of the files of one or more packages, made by
/// [`SharedContent::prepare`] before the writers run and used by all of them.
#[derive(Debug)]
pub struct SharedContent {
    cache: Arc<FrameCache>,
    cores: Arc<Cores>,
    digests: HashMap<PathBuf, FileDigests>,
    frames: HashMap<(PathBuf, Compression), StoredFrame>,
}

/// Files this large are compressed by several zstd workers at once (smaller ones would be one
/// zstd job anyway; the bytes are the same either way).
const MULTI_WORKER_SIZE: u64 = 64 << 20;

impl SharedContent {
    /// Reads every file of `packages` once, on as many threads as `cores` has: records its
    /// digests and, for files of at least `threshold` bytes ([`super::SHARE_THRESHOLD`] unless
    /// tuning), compresses it into one frame per codec of `compressions` (one entry per package)
    /// that can be shared (gzip, zstd; see [`super::splices`]) — for a gzip codec that several
    /// packages use, every file that is not empty (see [`super::deflate_shares_small_files`]).
    /// Files whose digests and frames are already in `cache` are not read at all. MD5 is computed
    /// only with `md5` (a `.deb` or Arch package among the writers; see [`FileDigests::md5`]), in
    /// the same pass as SHA-256 and the compression. Each file is
    /// compressed under a lease of `cores` (see [`crate::cores`]), which the writers given this
    /// content use too: one core, or all of them for a file that zstd's workers share (the
    /// encoders of one file run together, but a fast zstd -3 frame beside a deflate -9 segment
    /// keeps a second core busy only briefly; leasing it for the whole file measured slower at
    /// nfpm's settings: `bench/RESULTS.md`, section 2.7).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file that cannot be read, has changed size since it was staged,
    /// or cannot be compressed into the cache.
    pub fn prepare(
        packages: &[&Package],
        compressions: &[Compression],
        cache: Arc<FrameCache>,
        cores: Arc<Cores>,
        threshold: u64,
        md5: bool,
    ) -> Result<Self> {
        let mut used: Vec<Compression> = compressions
            .iter()
            .filter_map(|c| frame_codec(*c))
            .collect();
        used.sort_by_key(|c| (c.name(), c.level()));
        // Each codec with the size from which a file gets a frame of it.
        let mut codecs: Vec<(Compression, u64)> = Vec::new();
        for c in &used {
            if codecs.last().is_some_and(|(last, _)| last == c) {
                continue;
            }
            let users = used.iter().filter(|u| *u == c).count();
            let from = if deflate_shares_small_files(*c, users) {
                1
            } else {
                threshold
            };
            codecs.push((*c, from));
        }

        let mut files: BTreeMap<&Path, u64> = BTreeMap::new();
        for pkg in packages {
            for entry in pkg.entries().values() {
                if let Entry::File(FileEntry {
                    source: FileSource::Path(p),
                    size,
                    ..
                }) = entry
                {
                    files.insert(p, *size);
                }
            }
        }
        // Largest first, so the long jobs start early and the small ones fill in.
        let mut queue: Vec<(&Path, u64)> = files.into_iter().collect();
        queue.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

        // Small files' frames go to one pack per codec (see `PackWriter`).
        let cache_err = |e| Error::io(cache.root(), "writing the frame cache", e);
        let mut packs = HashMap::new();
        for (c, from) in &codecs {
            if *from < SHARE_THRESHOLD {
                packs.insert(*c, cache.new_pack(*c).map_err(cache_err)?);
            }
        }

        let next = AtomicUsize::new(0);
        let results = Mutex::new(Vec::with_capacity(queue.len()));
        let failed = Mutex::new(None);
        let workers = cores.total().clamp(1, queue.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(path, size)) = queue.get(i) else {
                        return;
                    };
                    if failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                        return;
                    }
                    match prepare_file(&cache, &cores, &packs, path, size, &codecs, md5) {
                        Ok(done) => results.lock().expect("no worker panics").push(done),
                        Err(e) => {
                            let mut f = failed.lock().expect("no worker panics");
                            f.get_or_insert(e);
                            return;
                        }
                    }
                });
            }
        });
        if let Some(e) = failed.into_inner().expect("no worker panicked") {
            return Err(e);
        }
        for pack in packs.into_values() {
            pack.finish().map_err(cache_err)?;
        }
        cache.save_index();
        let mut shared = SharedContent {
            cache,
            cores,
            digests: HashMap::new(),
            frames: HashMap::new(),
        };
        for (path, digests, frames) in results.into_inner().expect("no worker panicked") {
            for (codec, frame) in frames {
                shared.frames.insert((path.clone(), codec), frame);
            }
            shared.digests.insert(path, digests);
        }
        Ok(shared)
    }

    /// Shared content that knows no file yet, only the cache: for a writer that must compress
    /// its own single stream and should not wait for [`SharedContent::prepare`] (it reads the
    /// files itself, and still finds and stores its whole stream in the cache).
    pub fn cache_only(cache: Arc<FrameCache>, cores: Arc<Cores>) -> Self {
        SharedContent {
            cache,
            cores,
            digests: HashMap::new(),
            frames: HashMap::new(),
        }
    }

    /// The digests of a staged file read by [`SharedContent::prepare`] (none for contents given
    /// as bytes, which writers hash themselves).
    pub fn digests(&self, file: &FileEntry) -> Option<&FileDigests> {
        match &file.source {
            FileSource::Path(p) => self.digests.get(p.as_path()),
            FileSource::Bytes(_) => None,
        }
    }

    /// The shared frame holding `file`'s content compressed with `compression`'s codec and level,
    /// if the file has one (see [`SharedContent::prepare`]).
    pub fn frame(&self, file: &FileEntry, compression: Compression) -> Option<&StoredFrame> {
        let FileSource::Path(p) = &file.source else {
            return None;
        };
        let codec = frame_codec(compression)?;
        self.frames.get(&(p.clone(), codec))
    }

    /// The cache the frames live in (writers put their own frames there too).
    pub fn cache(&self) -> &FrameCache {
        &self.cache
    }

    /// The cores the writers lease to compress their own frames (see [`crate::cores`]).
    pub fn cores(&self) -> &Cores {
        &self.cores
    }
}

type Prepared = (PathBuf, FileDigests, Vec<(Compression, StoredFrame)>);

fn prepare_file(
    cache: &FrameCache,
    cores: &Cores,
    packs: &HashMap<Compression, PackWriter>,
    path: &Path,
    staged_size: u64,
    codecs: &[(Compression, u64)],
    md5: bool,
) -> Result<Prepared> {
    let read_err = |e| Error::io(path, "reading asset", e);
    let meta = fs::metadata(path).map_err(read_err)?;
    check_size(path, staged_size, meta.len())?;
    let wanted: Vec<Compression> = codecs
        .iter()
        .filter(|(_, from)| staged_size >= *from)
        .map(|(c, _)| *c)
        .collect();

    let mut recorded = cache.digests(path, &meta);
    if let Some(d) = recorded.filter(|d| d.md5.is_none() && md5) {
        // Recorded by a run that needed no MD5 (an rpm alone): the file is read for it, but its
        // frames, cached under its SHA-256, are not made again.
        let read = fs::File::open(path)
            .and_then(FileDigests::of_reader)
            .map_err(read_err)?;
        check_size(path, staged_size, read.size)?;
        recorded = (read.sha256 == d.sha256).then_some(read);
        if let Some(r) = &recorded {
            cache.record_digests(path, &meta, r);
        }
    }
    if let Some(digests) = recorded {
        let found: Option<Vec<_>> = wanted
            .iter()
            .map(|c| cache.frame(*c, &digests.sha256).map(|f| (*c, f)))
            .collect();
        if let Some(frames) = found {
            return Ok((path.to_path_buf(), digests, frames));
        }
    }

    let cache_err = |e| Error::io(cache.root(), "writing the frame cache", e);
    if staged_size < SHARE_THRESHOLD {
        // A small file: read whole, its frames made in memory and put in the codec's pack.
        let bytes = fs::read(path).map_err(read_err)?;
        check_size(path, staged_size, bytes.len() as u64)?;
        let digests = FileDigests::of_bytes_with(&bytes, md5);
        let mut frames = Vec::with_capacity(wanted.len());
        let _lease = (!wanted.is_empty()).then(|| cores.take(1));
        for c in wanted {
            let mut enc = FrameEncoder::new(Vec::with_capacity(bytes.len() / 2 + 64), c, 1)
                .map_err(cache_err)?;
            enc.write_all(&bytes).map_err(cache_err)?;
            let frame = enc.finish().map_err(cache_err)?;
            let pack = packs
                .get(&c)
                .expect("a pack for every codec small files use");
            let stored = pack.append(&digests.sha256, &frame).map_err(cache_err)?;
            frames.push((c, stored));
        }
        cache.record_digests(path, &meta, &digests);
        return Ok((path.to_path_buf(), digests, frames));
    }

    // One read: digests, and every codec's frame at once.
    let threads = if staged_size >= MULTI_WORKER_SIZE {
        cores.total()
    } else {
        1
    };
    let _lease = (!wanted.is_empty()).then(|| cores.take(threads));
    let threads = threads as u32;
    let mut encoders = Vec::with_capacity(wanted.len());
    for c in &wanted {
        let scratch = cache.scratch().map_err(cache_err)?;
        let out = io::BufWriter::with_capacity(1 << 16, scratch);
        encoders.push((*c, FrameEncoder::new(out, *c, threads).map_err(cache_err)?));
    }
    let mut file = fs::File::open(path).map_err(read_err)?;
    let mut hashers = Hashers::new(md5);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        hashers.update(&buf[..n]);
        for (_, enc) in &mut encoders {
            enc.write_all(&buf[..n]).map_err(cache_err)?;
        }
    }
    let digests = hashers.finish();
    check_size(path, staged_size, digests.size)?;
    let mut frames = Vec::with_capacity(encoders.len());
    for (c, enc) in encoders {
        let scratch = enc
            .finish()
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(cache_err)?;
        let frame = cache
            .adopt(c, &digests.sha256, scratch)
            .map_err(cache_err)?;
        frames.push((c, StoredFrame::File(frame)));
    }
    cache.record_digests(path, &meta, &digests);
    Ok((path.to_path_buf(), digests, frames))
}

fn check_size(path: &Path, staged: u64, now: u64) -> Result<()> {
    if staged == now {
        return Ok(());
    }
    Err(Error::io(
        path,
        "reading asset",
        io::Error::other(format!(
            "size changed while packaging: staged {staged} bytes, now {now}"
        )),
    ))
}
