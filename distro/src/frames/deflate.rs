//! Deflate segments compressed by libdeflate, in independent chunks that several cores can share.
//!
//! A gzip frame is a raw deflate *segment* (see `codec.rs`): blocks that refer to nothing before
//! them and end on a byte boundary without ending the stream. zlib makes one as a stream
//! ([`syspack_zlib_sys::safe::DeflateSegmentEncoder`]); libdeflate compresses whole buffers only,
//! but several times faster at a similar ratio (measured in bench/RESULTS.md). So
//! [`ChunkedSegmentEncoder`] cuts its input into chunks of [`CHUNK`] bytes at fixed offsets,
//! compresses each alone with libdeflate (a complete stream), and turns each into a segment
//! ([`close_into_segment`]: the final block's flag cleared, an empty stored block after it).
//! Segments one after the other are a segment, so the frame is their concatenation.
//!
//! Chunks refer to nothing before them, which is what lets them be compressed on several
//! threads at once — pigz's way of using every core for one gzip stream, without its primed
//! dictionary (libdeflate takes none): a chunk starts with an empty window, which costs a few
//! hundred bytes per MiB on compressible data. The output depends only on the input and the
//! level: the chunks' offsets are fixed, never the thread count's or the writes'.
//!
//! Incompressible input (compressed archives, random test data) is stored rather than searched
//! for matches, as zlib's segment encoder does it: each [`PROBE_BLOCK`] of a chunk is judged by
//! a level-1 compression of its middle 32 KiB, and runs of blocks judged alike are compressed
//! (or stored, libdeflate level 0) together.

use std::io::{self, Write};

use syspack_libdeflate_sys::safe::{crc32, Compressor};
use syspack_zlib_sys::safe::{close_into_segment, crc32_combine, SegmentSummary, PROBE_BLOCK};

/// The uncompressed bytes of one independently compressed chunk.
pub const CHUNK: usize = 1 << 20;

/// How much of a block the probe compresses: deflate's window.
const PROBE_SAMPLE: usize = 32 * 1024;

/// Blocks shorter than this are compressed without probing.
const PROBE_MIN: usize = 4 * 1024;

/// The libdeflate level that stands for gzip level `level` (1–9): the same number up to 7, and 7
/// for 8 and 9. libdeflate compresses better than zlib at the same number; on the benchmark
/// payload (bench/RESULTS.md, issue 22) its level 7 is already smaller than zlib's 9 (rpm
/// 216.14 MB against 216.36 MB, deb 215.73 MB against 215.9 MB), while its 8 and 9 save another
/// 0.01–0.02 % for 15–16 % more CPU time. `SYSPACK_LIBDEFLATE_LEVEL` (0–12) overrides it, a
/// tuning knob for those measurements (the frame cache keys frames by the level used, so it
/// never mixes levels).
pub fn libdeflate_level(level: u32) -> u32 {
    match std::env::var("SYSPACK_LIBDEFLATE_LEVEL").map(|v| v.parse::<u32>()) {
        Ok(Ok(l @ 0..=12)) => l,
        _ => level.min(7),
    }
}

/// One thread's compressors and output buffer.
struct Worker {
    main: Compressor,
    store: Compressor,
    probe: Compressor,
    out: Vec<u8>,
    summary: SegmentSummary,
}

impl Worker {
    fn new(level: u32) -> io::Result<Self> {
        Ok(Worker {
            main: Compressor::new(level)?,
            store: Compressor::new(0)?,
            probe: Compressor::new(1)?,
            out: Vec::new(),
            summary: SegmentSummary { crc: 0, len: 0 },
        })
    }

    /// Whether `block` looks incompressible: level-1 deflate of its middle [`PROBE_SAMPLE`]
    /// bytes saves less than 1/1024 of them.
    fn incompressible(&mut self, block: &[u8], scratch: &mut Vec<u8>) -> io::Result<bool> {
        if block.len() < PROBE_MIN {
            return Ok(false);
        }
        let len = block.len().min(PROBE_SAMPLE);
        let start = (block.len() - len) / 2;
        scratch.clear();
        self.probe.deflate(&block[start..start + len], scratch)?;
        Ok(scratch.len() * 1024 >= len * 1023)
    }

    /// Compresses `chunk` into `self.out` as one segment, and records its CRC-32 and length.
    fn compress(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.out.clear();
        let mut scratch = Vec::new();
        let mut decisions = Vec::with_capacity(chunk.len().div_ceil(PROBE_BLOCK));
        for block in chunk.chunks(PROBE_BLOCK) {
            decisions.push(self.incompressible(block, &mut scratch)?);
        }
        let mut first = 0;
        while first < decisions.len() {
            let store = decisions[first];
            let end = decisions[first..]
                .iter()
                .position(|d| *d != store)
                .map_or(decisions.len(), |n| first + n);
            let run = &chunk[first * PROBE_BLOCK..(end * PROBE_BLOCK).min(chunk.len())];
            let compressor = if store {
                &mut self.store
            } else {
                &mut self.main
            };
            let start = self.out.len();
            compressor.deflate(run, &mut self.out)?;
            close_into_segment(&mut self.out, start)
                .map_err(|e| io::Error::other(format!("libdeflate's output: {e}")))?;
            first = end;
        }
        self.summary = SegmentSummary {
            crc: crc32(0, chunk),
            len: chunk.len() as u64,
        };
        Ok(())
    }
}

/// Compresses everything written to it into one deflate segment, chunk by chunk with libdeflate,
/// on up to `threads` threads (see the module docs). Call [`ChunkedSegmentEncoder::finish`].
pub struct ChunkedSegmentEncoder<W: Write> {
    out: W,
    level: u32,
    threads: usize,
    /// Input not compressed yet: fewer than `threads` whole chunks, or the last chunk.
    pending: Vec<u8>,
    workers: Vec<Worker>,
    summary: SegmentSummary,
}

impl<W: Write> ChunkedSegmentEncoder<W> {
    /// An encoder at libdeflate `level` (0–12) writing one segment to `out`, compressing up to
    /// `threads` chunks at once.
    ///
    /// # Errors
    ///
    /// An invalid level, or libdeflate out of memory.
    pub fn new(out: W, level: u32, threads: u32) -> io::Result<Self> {
        Ok(ChunkedSegmentEncoder {
            out,
            level,
            threads: threads.max(1) as usize,
            pending: Vec::new(),
            workers: vec![Worker::new(level)?],
            summary: SegmentSummary { crc: 0, len: 0 },
        })
    }

    /// Compresses the whole chunks of `pending` (all of it when `last`), in order.
    fn drain(&mut self, last: bool) -> io::Result<()> {
        let whole = if last {
            self.pending.len()
        } else {
            self.pending.len() / CHUNK * CHUNK
        };
        let chunks: Vec<&[u8]> = self.pending[..whole].chunks(CHUNK).collect();
        while self.workers.len() < chunks.len().min(self.threads) {
            self.workers.push(Worker::new(self.level)?);
        }
        for batch in chunks.chunks(self.workers.len()) {
            let workers = &mut self.workers[..batch.len()];
            if batch.len() == 1 {
                workers[0].compress(batch[0])?;
            } else {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = workers
                        .iter_mut()
                        .zip(batch)
                        .map(|(w, chunk)| scope.spawn(move || w.compress(chunk)))
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("a compressing thread panicked"))
                        .collect::<io::Result<Vec<()>>>()
                })?;
            }
            for w in workers.iter() {
                self.out.write_all(&w.out)?;
                self.summary.crc = crc32_combine(self.summary.crc, w.summary.crc, w.summary.len);
                self.summary.len += w.summary.len;
            }
        }
        self.pending.drain(..whole);
        Ok(())
    }

    /// Ends the segment: compresses what is left and returns the writer with the CRC-32 and
    /// length of everything written.
    ///
    /// # Errors
    ///
    /// libdeflate's or the writer's error; the output is then unusable.
    pub fn finish(mut self) -> io::Result<(W, SegmentSummary)> {
        if !self.pending.is_empty() {
            self.drain(true)?;
        }
        self.out.flush()?;
        Ok((self.out, self.summary))
    }
}

impl<W: Write> Write for ChunkedSegmentEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(data);
        if self.pending.len() >= CHUNK * self.threads {
            self.drain(false)?;
        }
        Ok(data.len())
    }

    /// Flushes the writer only: the output does not depend on flushes.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use syspack_zlib_sys::safe::{GzDecoder, GzipSplicer};

    use super::*;

    /// Text-like lines, random bytes and runs, interleaved (deterministic).
    fn corpus(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut out = Vec::with_capacity(len + 8192);
        while out.len() < len {
            match next() % 3 {
                0 => {
                    for _ in 0..(next() % 4000) {
                        out.extend_from_slice(format!("word{} ", next() % 300).as_bytes());
                    }
                }
                1 => {
                    for _ in 0..(next() % 60_000) {
                        out.extend_from_slice(&next().to_le_bytes());
                    }
                }
                _ => out.extend(std::iter::repeat_n(
                    (next() % 256) as u8,
                    (next() % 9000) as usize,
                )),
            }
        }
        out.truncate(len);
        out
    }

    fn segment(
        data: &[u8],
        level: u32,
        threads: u32,
        write_size: usize,
    ) -> (Vec<u8>, SegmentSummary) {
        let mut enc = ChunkedSegmentEncoder::new(Vec::new(), level, threads).unwrap();
        for piece in data.chunks(write_size.max(1)) {
            enc.write_all(piece).unwrap();
        }
        enc.finish().unwrap()
    }

    fn member(segments: &[(Vec<u8>, SegmentSummary)]) -> Vec<u8> {
        let mut splicer = GzipSplicer::new(Vec::new(), 9).unwrap();
        for (bytes, summary) in segments {
            splicer.writer().write_all(bytes).unwrap();
            splicer.account(*summary);
        }
        splicer.finish().unwrap()
    }

    #[test]
    fn segments_splice_into_a_member_zlib_and_gzip_read() {
        let data = corpus(5 * CHUNK + 12_345);
        let parts: [&[u8]; 5] = [
            &data[..0],
            &data[..1],
            &data[1..70_000],
            &data[70_000..],
            b"tail",
        ];
        for level in [1, 6, 9] {
            let segments: Vec<_> = parts
                .iter()
                .map(|p| segment(p, level, 2, 100_000))
                .collect();
            let gz = member(&segments);
            let mut back = Vec::new();
            GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
            assert!(back == parts.concat(), "level {level}");
            let mut gzip = std::process::Command::new("gzip")
                .args(["-t"])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .expect("gzip is missing: apt-get install gzip");
            gzip.stdin.take().unwrap().write_all(&gz).unwrap();
            assert!(gzip.wait().unwrap().success(), "gzip -t, level {level}");
        }
    }

    #[test]
    fn output_is_the_same_whatever_the_threads_and_write_sizes() {
        let data = corpus(3 * CHUNK + 777);
        let one = segment(&data, 9, 1, 1 << 30);
        for (threads, write) in [(2, 4096), (3, 1 << 20), (8, 123_457)] {
            assert!(
                segment(&data, 9, threads, write) == one,
                "{threads} threads, writes of {write}"
            );
        }
    }

    #[test]
    fn random_blocks_are_stored_and_still_read_back() {
        let mut state = 1u64;
        let random: Vec<u8> = (0..CHUNK + 5000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) as u8
            })
            .collect();
        let (bytes, summary) = segment(&random, 9, 1, 1 << 20);
        // Stored blocks: 5 bytes of header per 64 KiB at most, plus the segments' ends.
        assert!(
            bytes.len() < random.len() + random.len() / 1000,
            "{}",
            bytes.len()
        );
        let gz = member(&[(bytes, summary)]);
        let mut back = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert!(back == random);
    }
}
