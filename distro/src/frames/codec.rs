//! How a frame is made, stored and put into a stream, per codec.
//!
//! * **zstd**: a frame is a whole zstd frame; a stream is frames one after the other.
//! * **gzip**: a frame is a raw deflate *segment* (made by libdeflate in independent chunks, see
//!   [`ChunkedSegmentEncoder`]): blocks that refer to nothing before them and end on a byte
//!   boundary. A stream is **one** gzip member whose
//!   deflate data is the segments one after the other ([`GzipSplicer`]), so a spliced `.deb` or
//!   rpm payload is an ordinary single-member gzip file. Against a member per frame this saves
//!   the 18 bytes of header and trailer per frame, which is what makes sharing small files
//!   worth it (see [`super::deflate_shares_small_files`]). The member's trailer needs each
//!   segment's CRC-32 and length, so a stored segment ends with them ([`SEGMENT_TRAILER`]
//!   bytes: CRC-32, then length, little-endian), and they are stripped when it is copied.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};

use syspack_zlib_sys::safe::{GzipSplicer, SegmentSummary};

use super::deflate::{libdeflate_level, ChunkedSegmentEncoder};

use super::StoredFrame;
use crate::compress::Compression;

/// Bytes after a stored deflate segment: its CRC-32 (u32) and uncompressed length (u64).
pub const SEGMENT_TRAILER: usize = 12;

/// Compresses one frame of `codec` (as [`super::frame_codec`] gives it).
pub(crate) enum FrameEncoder<W: Write> {
    /// A zstd frame, or the single-stream encoder a libzstd without threads falls back to.
    Zstd(crate::compress::Encoder<W>),
    /// A deflate segment, finished with its trailer.
    Deflate(ChunkedSegmentEncoder<W>),
}

impl<W: Write> FrameEncoder<W> {
    /// The encoder every frame of `codec` is made with, so the same content always gives the
    /// same frame: zstd's multi-threaded compressor (its output does not depend on the worker
    /// count) unless the linked libzstd has no threads; a deflate segment for gzip, made by
    /// libdeflate on up to `threads` threads (its bytes do not depend on the thread count either).
    pub(crate) fn new(out: W, codec: Compression, threads: u32) -> io::Result<Self> {
        match codec {
            Compression::Gzip { level } => Ok(FrameEncoder::Deflate(ChunkedSegmentEncoder::new(
                out,
                libdeflate_level(level),
                threads,
            )?)),
            Compression::Zstd { level, .. } if syspack_zstd_sys::safe::max_threads() > 0 => {
                let threads = threads.clamp(1, syspack_zstd_sys::safe::max_threads());
                Ok(FrameEncoder::Zstd(crate::compress::Encoder::Zstd(
                    crate::compress::zstd_encoder(out, level, threads)?,
                )))
            }
            other => Ok(FrameEncoder::Zstd(crate::compress::Encoder::new(
                out, other,
            )?)),
        }
    }

    /// Ends the frame as it is stored: a zstd frame as is, a deflate segment followed by its
    /// trailer.
    pub(crate) fn finish(self) -> io::Result<W> {
        match self {
            FrameEncoder::Zstd(e) => e.finish(),
            FrameEncoder::Deflate(e) => {
                let (mut out, summary) = e.finish()?;
                out.write_all(&summary.crc.to_le_bytes())?;
                out.write_all(&summary.len.to_le_bytes())?;
                Ok(out)
            }
        }
    }

    /// Ends the frame for writing straight into a stream: returns the writer and, for a deflate
    /// segment, its summary (not written; the stream accounts for it).
    pub(crate) fn finish_inline(self) -> io::Result<(W, Option<SegmentSummary>)> {
        match self {
            FrameEncoder::Zstd(e) => Ok((e.finish()?, None)),
            FrameEncoder::Deflate(e) => e.finish().map(|(w, s)| (w, Some(s))),
        }
    }
}

impl<W: Write> Write for FrameEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            FrameEncoder::Zstd(e) => e.write(data),
            FrameEncoder::Deflate(e) => e.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            FrameEncoder::Zstd(e) => e.flush(),
            FrameEncoder::Deflate(e) => e.flush(),
        }
    }
}

/// A compressed stream made of frames: zstd frames one after the other, or one gzip member of
/// deflate segments.
pub(crate) enum FrameStream<W: Write> {
    Zstd(W),
    Gzip(GzipSplicer<W>),
}

impl<W: Write> FrameStream<W> {
    /// Starts a stream of `codec` frames on `inner` (a gzip member writes its header now).
    pub(crate) fn new(inner: W, codec: Compression) -> io::Result<Self> {
        match codec {
            Compression::Gzip { level } => Ok(FrameStream::Gzip(GzipSplicer::new(inner, level)?)),
            _ => Ok(FrameStream::Zstd(inner)),
        }
    }

    /// Appends a frame of the cache.
    pub(crate) fn append_stored(&mut self, frame: &StoredFrame) -> io::Result<()> {
        let frame = match frame {
            StoredFrame::File(path) => path,
            StoredFrame::Packed { .. } => {
                let bytes = frame.read()?;
                return match self {
                    FrameStream::Zstd(out) => out.write_all(&bytes),
                    FrameStream::Gzip(member) => {
                        let (body, summary) = split_segment(&bytes)?;
                        member.writer().write_all(body)?;
                        member.account(summary);
                        Ok(())
                    }
                };
            }
        };
        let with_name =
            |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", frame.display()));
        let mut f = fs::File::open(frame).map_err(with_name)?;
        let size = f.metadata().map_err(with_name)?.len();
        let size = super::entry::entry_body_len(size, frame)?;
        match self {
            FrameStream::Zstd(out) => copy_frame_bytes(&mut f, size, out).map_err(with_name),
            FrameStream::Gzip(member) => {
                let body = size.checked_sub(SEGMENT_TRAILER as u64).ok_or_else(|| {
                    with_name(io::Error::other(
                        "a cached deflate segment is shorter than its trailer (`syspack cache clear` empties the cache)",
                    ))
                })?;
                let mut trailer = [0u8; SEGMENT_TRAILER];
                f.seek(SeekFrom::Start(body)).map_err(with_name)?;
                f.read_exact(&mut trailer).map_err(with_name)?;
                f.seek(SeekFrom::Start(0)).map_err(with_name)?;
                copy_frame_bytes(&mut f, body, member.writer()).map_err(with_name)?;
                member.account(read_trailer(&trailer));
                Ok(())
            }
        }
    }

    /// Appends a frame compressed in memory by [`FrameEncoder::finish_inline`].
    pub(crate) fn append_inline(
        &mut self,
        bytes: &[u8],
        summary: Option<SegmentSummary>,
    ) -> io::Result<()> {
        match (self, summary) {
            (FrameStream::Zstd(out), _) => out.write_all(bytes),
            (FrameStream::Gzip(member), Some(summary)) => {
                member.writer().write_all(bytes)?;
                member.account(summary);
                Ok(())
            }
            (FrameStream::Gzip(_), None) => Err(io::Error::other(
                "a gzip stream takes deflate segments only (a bug in syspack)",
            )),
        }
    }

    /// Ends the stream (a gzip member's final block and trailer) and returns the writer.
    pub(crate) fn finish(self) -> io::Result<W> {
        match self {
            FrameStream::Zstd(out) => Ok(out),
            FrameStream::Gzip(member) => member.finish(),
        }
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match self {
            FrameStream::Zstd(out) => out.flush(),
            FrameStream::Gzip(member) => member.writer().flush(),
        }
    }
}

/// A stored deflate segment's body and summary.
fn split_segment(stored: &[u8]) -> io::Result<(&[u8], SegmentSummary)> {
    let body = stored.len().checked_sub(SEGMENT_TRAILER).ok_or_else(|| {
        io::Error::other("a cached deflate segment is shorter than its trailer (`syspack cache clear` empties the cache)")
    })?;
    let (body, trailer) = stored.split_at(body);
    Ok((
        body,
        read_trailer(trailer.try_into().expect("the trailer's length")),
    ))
}

fn read_trailer(trailer: &[u8; SEGMENT_TRAILER]) -> SegmentSummary {
    SegmentSummary {
        crc: u32::from_le_bytes(trailer[..4].try_into().expect("4 bytes")),
        len: u64::from_le_bytes(trailer[4..].try_into().expect("8 bytes")),
    }
}

/// Copies the first `len` bytes of `f`: small frames in one read (most shared deflate segments
/// are a few KiB; a 1 MiB buffer per copy would cost more than the copy).
fn copy_frame_bytes(f: &mut fs::File, len: u64, out: &mut impl Write) -> io::Result<()> {
    if len <= 256 * 1024 {
        let mut buf = vec![0u8; len as usize];
        f.read_exact(&mut buf)?;
        return out.write_all(&buf);
    }
    let copied = crate::output::copy_in_bulk(&mut f.take(len), out)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "a cached frame is shorter than it was (`syspack cache clear` empties the cache)",
        ));
    }
    Ok(())
}
