//! The compressor every package payload is written through: one stream, or frames with shared
//! ones spliced in.

use std::io::{self, Read, Write};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::codec::{FrameEncoder, FrameStream};
use super::digest::Hashers;
use super::{frame_codec, splices, FileDigests, SharedContent, StoredFrame, FRAME_CAP};
use crate::compress::{Compression, Encoder};
use crate::error::{Error, Result};
use crate::package::{FileEntry, FileSource};
use crate::Format;

/// A writer that can take a file's content whole, so that a ready compressed frame can stand in
/// for its bytes.
pub trait ContentSink: Write {
    /// The digests of `file` read earlier ([`SharedContent`]), if any.
    fn known_digests(&self, file: &FileEntry) -> Option<FileDigests>;

    /// Writes `file`'s shared frame in place of its content, if it has one; `Ok(false)` when it
    /// has none and the content must be written as bytes.
    ///
    /// # Errors
    ///
    /// Output errors, naming `name` (the file's path in the package).
    fn splice_file(&mut self, file: &FileEntry, name: &str) -> Result<bool>;

    /// Writes exactly `file.size` bytes of `file`'s content (`name` is its path in the package):
    /// its shared frame when it has one, else its bytes through [`Write::write`]. Returns its
    /// digests, and whether it was spliced.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the asset when it cannot be read or has changed size, and output
    /// errors.
    fn write_file(&mut self, file: &FileEntry, name: &str) -> Result<(FileDigests, bool)>
    where
        Self: Sized,
    {
        let known = self.known_digests(file);
        if let Some(digests) = known {
            if self.splice_file(file, name)? {
                return Ok((digests, true));
            }
        }
        Ok((copy_content(file, name, self, known)?, false))
    }
}

/// Gzip frames of fewer uncompressed bytes are compressed straight into the stream and not
/// cached: with small files shared ([`super::deflate_shares_small_files`]) most frames of a
/// format's own bytes are one tar or cpio header, and a cache file per header would cost more
/// than compressing it again.
const INLINE_GAP: usize = 64 * 1024;

/// Compresses a package payload: as one stream ([`PayloadEncoder::single`]), or — when the
/// format reads concatenated frames and shared content is at hand — as a run of frames, where a
/// large file's content is a shared frame copied from the cache and the bytes in between
/// (headers, small files) are cut into frames of at most [`FRAME_CAP`] bytes, each also
/// cached by content.
pub struct PayloadEncoder<W: Write> {
    mode: Mode<W>,
}

enum Mode<W: Write> {
    Single {
        encoder: Encoder<W>,
        shared: Option<Arc<SharedContent>>,
    },
    Framed {
        out: FrameStream<W>,
        codec: Compression,
        shared: Arc<SharedContent>,
        pending: Pending,
    },
}

/// The uncompressed content of the frame being built: bytes written, and small files by
/// reference, so that the frame's cache key can be computed from their digests and a cached
/// frame copied without reading them.
#[derive(Default)]
struct Pending {
    segments: Vec<Segment>,
    len: usize,
}

enum Segment {
    Bytes(Vec<u8>),
    File {
        file: FileEntry,
        name: String,
        digests: FileDigests,
    },
}

impl Pending {
    /// The frame's cache key: each segment tagged and length-prefixed, a file as its SHA-256.
    fn key(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for segment in &self.segments {
            match segment {
                Segment::Bytes(b) => {
                    h.update([0u8]);
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                }
                Segment::File { digests, .. } => {
                    h.update([1u8]);
                    h.update(digests.size.to_le_bytes());
                    h.update(digests.sha256);
                }
            }
        }
        h.finalize().into()
    }

    /// Writes the segments' bytes (reading the files) into `enc`.
    fn feed(&self, enc: &mut dyn Write) -> Result<()> {
        let out_err = |e| Error::io("<frame cache>", "compressing a frame", e);
        for segment in &self.segments {
            match segment {
                Segment::Bytes(b) => enc.write_all(b).map_err(out_err)?,
                Segment::File {
                    file,
                    name,
                    digests,
                } => drop(copy_content(file, name, enc, Some(*digests))?),
            }
        }
        Ok(())
    }
}

impl<W: Write> PayloadEncoder<W> {
    /// One compressed stream; `shared` only lends its digests.
    ///
    /// # Errors
    ///
    /// The codec's initialisation error.
    pub fn single(
        inner: W,
        compression: Compression,
        shared: Option<Arc<SharedContent>>,
    ) -> io::Result<Self> {
        Ok(PayloadEncoder {
            mode: Mode::Single {
                encoder: Encoder::new(inner, compression)?,
                shared,
            },
        })
    }

    /// Frames with shared frames spliced in when `format` may be written so with `compression`
    /// (see [`splices`]) and `shared` is given; otherwise one stream.
    ///
    /// # Errors
    ///
    /// The codec's initialisation error.
    pub fn new(
        inner: W,
        format: Format,
        compression: Compression,
        shared: Option<Arc<SharedContent>>,
    ) -> io::Result<Self> {
        match (shared, frame_codec(compression)) {
            (Some(shared), Some(codec)) if splices(format, compression) => Ok(PayloadEncoder {
                mode: Mode::Framed {
                    out: FrameStream::new(inner, codec)?,
                    codec,
                    shared,
                    pending: Pending::default(),
                },
            }),
            (shared, _) => Self::single(inner, compression, shared),
        }
    }

    /// Whether the output is a run of frames.
    pub fn is_framed(&self) -> bool {
        matches!(self.mode, Mode::Framed { .. })
    }

    /// Ends the stream (the last frame) and returns the inner writer.
    ///
    /// # Errors
    ///
    /// The codec's, the cache's or the inner writer's error.
    pub fn finish(mut self) -> io::Result<W> {
        match self.mode {
            Mode::Single { encoder, .. } => encoder.finish(),
            Mode::Framed { .. } => {
                self.end_frame()?;
                match self.mode {
                    Mode::Framed { out, .. } => out.finish(),
                    Mode::Single { .. } => unreachable!("the mode does not change"),
                }
            }
        }
    }

    /// Ends the frame being built: copies it from the cache, or compresses it into the cache
    /// (reading the small files it holds) and copies it from there. A gzip frame under
    /// [`INLINE_GAP`] bytes is compressed straight into the stream instead. Compressing takes a
    /// core of the shared content's (see [`crate::cores`]); a gzip frame of several deflate
    /// chunks takes as many as it can keep busy (its chunks compress in parallel, with the same
    /// bytes whatever their number), which is what keeps every core busy when one package is
    /// written alone after the shared frames are made.
    fn end_frame(&mut self) -> io::Result<()> {
        let Mode::Framed {
            out,
            codec,
            shared,
            pending,
        } = &mut self.mode
        else {
            return Ok(());
        };
        if pending.segments.is_empty() {
            return Ok(());
        }
        let as_io = |e: Error| io::Error::other(format!("{e:#}"));
        if matches!(codec, Compression::Gzip { .. }) && pending.len < INLINE_GAP {
            let _lease = shared.cores().take(1);
            let mut enc = FrameEncoder::new(Vec::with_capacity(pending.len / 2 + 64), *codec, 1)?;
            pending.feed(&mut enc).map_err(as_io)?;
            let (bytes, summary) = enc.finish_inline()?;
            *pending = Pending::default();
            return out.append_inline(&bytes, summary);
        }
        let key = pending.key();
        let cache = shared.cache();
        let frame = match cache.gap_frame(*codec, &key).map(StoredFrame::File) {
            Some(frame) => frame,
            None => {
                let threads = match codec {
                    Compression::Gzip { .. } => shared
                        .cores()
                        .total()
                        .min(pending.len.div_ceil(super::deflate::CHUNK)),
                    _ => 1,
                };
                let lease = shared.cores().take(threads);
                let threads = lease.held().max(1) as u32;
                let mut scratch = cache.scratch()?;
                {
                    let buffered = io::BufWriter::with_capacity(1 << 16, scratch.as_file_mut());
                    let mut enc = FrameEncoder::new(buffered, *codec, threads)?;
                    pending.feed(&mut enc).map_err(as_io)?;
                    enc.finish()?.flush()?;
                }
                StoredFrame::File(cache.adopt_gap_frame(*codec, &key, scratch)?)
            }
        };
        *pending = Pending::default();
        out.append_stored(&frame)
    }

    fn splice(&mut self, frame: &StoredFrame) -> io::Result<()> {
        self.end_frame()?;
        match &mut self.mode {
            Mode::Framed { out, .. } => out.append_stored(frame),
            Mode::Single { .. } => Err(io::Error::other("splicing into a single stream")),
        }
    }
}

impl<W: Write> Write for PayloadEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.mode {
            Mode::Single { encoder, .. } => encoder.write(data),
            Mode::Framed { pending, .. } => {
                let n = data.len().min(FRAME_CAP.saturating_sub(pending.len).max(1));
                match pending.segments.last_mut() {
                    Some(Segment::Bytes(b)) => b.extend_from_slice(&data[..n]),
                    _ => pending.segments.push(Segment::Bytes(data[..n].to_vec())),
                }
                pending.len += n;
                if pending.len >= FRAME_CAP {
                    self.end_frame()?;
                }
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.mode {
            Mode::Single { encoder, .. } => encoder.flush(),
            Mode::Framed { out, .. } => out.flush(),
        }
    }
}

impl<W: Write> ContentSink for PayloadEncoder<W> {
    fn known_digests(&self, file: &FileEntry) -> Option<FileDigests> {
        match &self.mode {
            Mode::Framed { shared, .. } => shared.digests(file).copied(),
            Mode::Single { shared, .. } => shared.as_ref()?.digests(file).copied(),
        }
    }

    /// A file with a shared frame is spliced; another file with known digests is put in the
    /// frame being built by reference (read only if that frame is not in the cache).
    fn splice_file(&mut self, file: &FileEntry, name: &str) -> Result<bool> {
        let out_err = |e| Error::io(name, "writing the package payload", e);
        let Mode::Framed {
            shared,
            codec,
            pending,
            ..
        } = &mut self.mode
        else {
            return Ok(false);
        };
        if let Some(frame) = shared.frame(file, *codec).cloned() {
            self.splice(&frame).map_err(out_err)?;
            return Ok(true);
        }
        let Some(digests) = shared.digests(file).copied() else {
            return Ok(false);
        };
        pending.segments.push(Segment::File {
            file: file.clone(),
            name: name.to_string(),
            digests,
        });
        pending.len = pending.len.saturating_add(file.size as usize);
        if pending.len >= FRAME_CAP {
            self.end_frame().map_err(out_err)?;
        }
        Ok(true)
    }
}

/// Computes a [`FrameCache::stream`](super::FrameCache::stream) key: hashes the bytes written,
/// and each file with known digests as its SHA-256 instead of its content (so it is not read;
/// files without known digests are hashed as they are).
pub struct StreamKey {
    hasher: Sha256,
    shared: Arc<SharedContent>,
}

impl StreamKey {
    /// A key over the digests `shared` holds.
    pub fn new(shared: Arc<SharedContent>) -> Self {
        StreamKey {
            hasher: Sha256::new(),
            shared,
        }
    }

    /// The key.
    pub fn finish(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl Write for StreamKey {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hasher.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ContentSink for StreamKey {
    fn known_digests(&self, file: &FileEntry) -> Option<FileDigests> {
        self.shared.digests(file).copied()
    }

    fn splice_file(&mut self, file: &FileEntry, _name: &str) -> Result<bool> {
        match self.shared.digests(file) {
            Some(d) => {
                self.hasher.update(b"sha256:");
                self.hasher.update(d.sha256);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// `file`'s digests: from `shared` when it read the file, else by reading it now.
///
/// # Errors
///
/// [`Error::Io`] naming the asset when it cannot be read or has changed size.
pub(crate) fn file_digests(
    file: &FileEntry,
    name: &str,
    shared: Option<&SharedContent>,
) -> Result<FileDigests> {
    match shared.and_then(|s| s.digests(file)) {
        Some(d) => Ok(*d),
        None => copy_content(file, name, &mut io::sink(), None),
    }
}

/// Copies `file`'s content into `out`, checking it is exactly the staged size; returns its
/// digests (`known` ones are trusted instead of hashing again).
pub(crate) fn copy_content(
    file: &FileEntry,
    name: &str,
    out: &mut dyn Write,
    known: Option<FileDigests>,
) -> Result<FileDigests> {
    let source = match &file.source {
        FileSource::Path(p) => p.clone(),
        FileSource::Bytes(_) => name.into(),
    };
    let read_err = |e| Error::io(&source, "reading asset", e);
    let mut reader = file.open()?;
    let mut hashers = Hashers::new(true);
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = file.size;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = reader.read(&mut buf[..want]).map_err(read_err)?;
        if n == 0 {
            return Err(read_err(io::Error::other(format!(
                "size changed while packaging: staged {} bytes, read {}",
                file.size,
                file.size - left
            ))));
        }
        if known.is_none() {
            hashers.update(&buf[..n]);
        }
        out.write_all(&buf[..n])
            .map_err(|e| Error::io(name, "writing the package payload", e))?;
        left -= n as u64;
    }
    if reader.read(&mut buf[..1]).map_err(read_err)? != 0 {
        return Err(read_err(io::Error::other(format!(
            "size changed while packaging: staged {} bytes, the file is now longer",
            file.size
        ))));
    }
    Ok(known.unwrap_or_else(|| hashers.finish()))
}

/// The MD5 of `file` in hex: from `digests` when they hold it, else by reading the file again
/// (digests made for formats that need no MD5, see [`FileDigests::md5`]).
///
/// # Errors
///
/// [`Error::Io`] naming the asset when it cannot be read or has changed size.
pub(crate) fn md5_hex(digests: &FileDigests, file: &FileEntry, name: &str) -> Result<String> {
    if let Some(hex) = digests.md5_hex() {
        return Ok(hex);
    }
    let read = copy_content(file, name, &mut io::sink(), None)?;
    Ok(hex::encode(read.md5.unwrap_or_default()))
}
