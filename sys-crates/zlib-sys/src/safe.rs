//! Safe streaming gzip: [`GzEncoder`] (a [`Write`] adapter) and [`GzDecoder`] (a [`Read`]
//! adapter), the only zlib API the rest of the workspace uses.
//!
//! The output is reproducible: the gzip header has modification time 0, no file name, no
//! comment and operating system 3 (Unix) on every platform, like `gzip -n` on Linux; and for the
//! same input and level the bytes are the same however the input is split across `write` calls.
//!
//! # Finishing
//!
//! An encoder must be finished with [`GzEncoder::finish`], which writes the end of the deflate
//! stream and the gzip trailer and reports the last errors. Dropping an encoder without
//! finishing it frees the C state and writes nothing more: the output is then an incomplete
//! member that every decoder rejects as truncated. It is never a silent success.

use std::ffi::{c_int, CStr};
use std::fmt;
use std::io::{self, Read, Write};
use std::mem::{self, MaybeUninit};

use crate::{ffi, Error};
use syspack_sys_support::stream::{self, Sink, Step};

pub use crate::provenance;

/// The compression levels [`GzEncoder`] accepts (0 stores, 9 compresses best; `gzip` uses 6).
pub const LEVELS: std::ops::RangeInclusive<u32> = 0..=9;

/// `windowBits` for a 32 KiB window with a gzip wrapper (15 + 16).
const GZIP_WINDOW_BITS: c_int = 15 + 16;
/// Operating system 3 (Unix) in the gzip header, whatever the build platform.
const OS_UNIX: c_int = 3;
/// The version of the linked zlib (`zlibVersion()`), such as `1.3.1`.
pub fn version() -> &'static str {
    // SAFETY: zlibVersion takes no arguments and returns a pointer to a static, NUL-terminated
    // string inside the library, valid for the life of the program.
    let version = unsafe { CStr::from_ptr(ffi::zlibVersion()) };
    version.to_str().unwrap_or("unknown")
}

/// The message for a zlib return code: the stream's `msg` if zlib set one, else `zError(code)`.
fn message(stream: &ffi::z_stream, code: c_int) -> String {
    let text = if stream.msg.is_null() {
        // SAFETY: zError accepts any code and returns a pointer to a static, NUL-terminated
        // string.
        unsafe { CStr::from_ptr(ffi::zError(code)) }
    } else {
        // SAFETY: zlib only stores pointers to static, NUL-terminated strings in `msg`.
        unsafe { CStr::from_ptr(stream.msg) }
    };
    text.to_string_lossy().into_owned()
}

/// A library error of `stream` while trying to `context`, with zlib's message for `code`.
fn library_error(stream: &ffi::z_stream, context: &'static str, code: c_int) -> Error {
    Error::Library {
        context,
        code,
        message: message(stream, code),
    }
}

/// A zeroed `z_stream` in a stable heap location (zlib keeps a pointer to it in its state).
fn new_stream() -> Box<ffi::z_stream> {
    // SAFETY: all-zero bytes are a valid z_stream: null pointers, zero counters and `None` for
    // the allocator callbacks (which zlib then replaces with its defaults), i.e. `Z_NULL`.
    Box::new(unsafe { MaybeUninit::<ffi::z_stream>::zeroed().assume_init() })
}

/// A deflate stream initialized by [`deflate_stream`] (a failed init never makes one), ended
/// with `deflateEnd` on drop; it derefs to the `z_stream`.
struct Deflater(Box<ffi::z_stream>);

// SAFETY: the z_stream is owned by this value alone (its raw pointers point into zlib's state,
// owned by the stream, or are null) and only used through `&mut self`; zlib has no thread
// affinity.
unsafe impl Send for Deflater {}

impl std::ops::Deref for Deflater {
    type Target = ffi::z_stream;

    fn deref(&self) -> &ffi::z_stream {
        &self.0
    }
}

impl std::ops::DerefMut for Deflater {
    fn deref_mut(&mut self) -> &mut ffi::z_stream {
        &mut self.0
    }
}

impl Deflater {
    /// Runs `deflate(flush)` once on `input` into `output`; returns the bytes of `input`
    /// consumed, of `output` produced, deflate's return code and whether `output` was filled
    /// (deflate has more to write).
    fn deflate(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        flush: c_int,
    ) -> io::Result<(usize, usize, c_int, bool)> {
        let stream = &mut *self.0;
        let avail_in = u32::try_from(input.len()).unwrap_or(u32::MAX);
        stream.next_in = input.as_ptr().cast_mut();
        stream.avail_in = avail_in;
        stream.next_out = output.as_mut_ptr();
        stream.avail_out = output.len() as u32;
        // SAFETY: the stream is initialized (deflate_stream); next_in/avail_in describe (a
        // prefix of) `input`, which zlib only reads, and next_out/avail_out describe `output`;
        // both outlive the call.
        let code = unsafe { ffi::deflate(stream, flush) };
        let consumed = (avail_in - stream.avail_in) as usize;
        let full = stream.avail_out == 0;
        let produced = output.len() - stream.avail_out as usize;
        // Do not leave pointers to the caller's buffer behind.
        stream.next_in = std::ptr::null_mut();
        stream.avail_in = 0;
        if code != ffi::Z_OK && code != ffi::Z_STREAM_END && code != ffi::Z_BUF_ERROR {
            return Err(library_error(stream, "compress", code).into());
        }
        Ok((consumed, produced, code, full))
    }
}

impl Drop for Deflater {
    fn drop(&mut self) {
        // SAFETY: the stream was initialized by deflateInit2_ in deflate_stream (a failed init
        // returns before a Deflater exists) and is ended exactly once, here.
        unsafe { ffi::deflateEnd(&mut *self.0) };
    }
}

/// A deflate stream initialized at `level` with `window_bits` (15 + 16: gzip wrapper; -15: raw),
/// memory level 8 and the default strategy, as zlib's tools use.
fn deflate_stream(
    level: u32,
    window_bits: c_int,
    context: &'static str,
) -> Result<Deflater, Error> {
    if !LEVELS.contains(&level) {
        return Err(Error::InvalidLevel {
            level,
            allowed: LEVELS,
        });
    }
    let mut stream = new_stream();
    // SAFETY: `stream` is a zeroed z_stream at a stable address; the version string is the
    // NUL-terminated ZLIB_VERSION of the bindings and the size is that of our struct, which zlib
    // checks against its own. Level (0..=9) and the other arguments are valid.
    let code = unsafe {
        ffi::deflateInit2_(
            &mut *stream,
            level as c_int,
            ffi::Z_DEFLATED,
            window_bits,
            8,
            ffi::Z_DEFAULT_STRATEGY,
            ffi::ZLIB_VERSION.as_ptr().cast(),
            stream_size(),
        )
    };
    if code != ffi::Z_OK {
        return Err(library_error(&stream, context, code));
    }
    Ok(Deflater(stream))
}

fn stream_size() -> c_int {
    // The struct is about a hundred bytes, far below c_int::MAX.
    mem::size_of::<ffi::z_stream>() as c_int
}

/// Compresses everything written to it into one gzip member written to `W`.
///
/// Call [`finish`](GzEncoder::finish) at the end (see the [module docs](self)).
/// [`flush`](Write::flush) flushes `W` only: it does not force a deflate block out, so that the
/// output does not depend on when callers flush.
pub struct GzEncoder<W: Write>(stream::Encoder<GzCompressor, W>);

impl<W: Write> fmt::Debug for GzEncoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GzEncoder").finish_non_exhaustive()
    }
}

impl<W: Write> GzEncoder<W> {
    /// An encoder at `level` (0 to 9) writing one gzip member to `writer`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`] for a level outside [`LEVELS`]; [`Error::Library`] if zlib cannot
    /// allocate its state (both inside an [`io::Error`]).
    pub fn new(writer: W, level: u32) -> io::Result<Self> {
        let stream = deflate_stream(level, GZIP_WINDOW_BITS, "initialize the compressor")?;
        let mut codec = GzCompressor {
            stream,
            // SAFETY: all-zero bytes are a valid gz_header: no text flag, time 0, null extra,
            // name and comment pointers, no header CRC.
            _header: Box::new(unsafe { MaybeUninit::<ffi::gz_header>::zeroed().assume_init() }),
        };
        codec._header.os = OS_UNIX;
        // SAFETY: the stream was initialized for gzip above and no data was compressed yet; the
        // header is boxed inside `codec`, so it stays valid and in place until the stream is
        // ended when `codec` drops (the stream is dropped first), after zlib last reads it.
        let code = unsafe { ffi::deflateSetHeader(&mut *codec.stream, &mut *codec._header) };
        if code != ffi::Z_OK {
            return Err(library_error(&codec.stream, "set the gzip header", code).into());
        }
        Ok(GzEncoder(stream::Encoder::new(
            codec,
            writer,
            stream::CHUNK,
        )))
    }

    /// The writer the compressed data goes to.
    pub fn get_ref(&self) -> &W {
        self.0.get_ref()
    }

    /// Ends the gzip member, flushes and returns the writer.
    ///
    /// # Errors
    ///
    /// Any error of the library or of the writer; the output is then unusable.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for GzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A gzip deflate stream and the header it writes.
struct GzCompressor {
    // Declared first, so that the stream is ended before the header it points to is freed.
    stream: Deflater,
    // zlib keeps a pointer to the header until it has written it: it lives (boxed, so it never
    // moves) as long as the stream.
    _header: Box<ffi::gz_header>,
}

// SAFETY: the gz_header is owned by this value alone (its pointers are null) and only used by
// the stream, through `&mut self`; the stream is Send.
unsafe impl Send for GzCompressor {}

impl stream::Compress for GzCompressor {
    /// Runs `deflate` (`Z_NO_FLUSH`, or `Z_FINISH` to end) once.
    fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step> {
        let flush = if end { ffi::Z_FINISH } else { ffi::Z_NO_FLUSH };
        let (consumed, produced, code, _) = self.stream.deflate(input, output, flush)?;
        Ok(Step {
            consumed,
            produced,
            ended: code == ffi::Z_STREAM_END,
        })
    }
}

/// Decompresses gzip data read from `R`: one member or several concatenated members (as
/// `gzip -d` does).
///
/// A stream that ends inside a member is an error ([`Error::Truncated`]), and so is an empty one
/// ([`Error::Empty`]) and anything after the last member that is not another member.
pub struct GzDecoder<R: Read>(stream::Decoder<Inflater, R>);

impl<R: Read> fmt::Debug for GzDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GzDecoder").finish_non_exhaustive()
    }
}

impl<R: Read> GzDecoder<R> {
    /// A decoder reading gzip data from `reader`.
    ///
    /// zlib allocates its state on the first read; an allocation failure is reported there.
    pub fn new(reader: R) -> Self {
        let codec = Inflater {
            stream: new_stream(),
            initialized: false,
        };
        GzDecoder(stream::Decoder::new(codec, reader, stream::CHUNK))
    }

    /// The reader the compressed data comes from.
    pub fn get_ref(&self) -> &R {
        self.0.get_ref()
    }
}

impl<R: Read> Read for GzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

/// A z_stream inflating gzip members, initialized on the first read and reset for each member
/// after the first; ended on drop.
struct Inflater {
    stream: Box<ffi::z_stream>,
    initialized: bool,
}

// SAFETY: the z_stream is owned by this value alone and only used through `&mut self`; zlib has
// no thread affinity.
unsafe impl Send for Inflater {}

impl stream::Decompress for Inflater {
    fn begin(&mut self) -> io::Result<()> {
        if self.initialized {
            return Ok(());
        }
        // SAFETY: the stream is zeroed and at a stable address; version string and struct size
        // as in deflate_stream.
        let code = unsafe {
            ffi::inflateInit2_(
                &mut *self.stream,
                GZIP_WINDOW_BITS,
                ffi::ZLIB_VERSION.as_ptr().cast(),
                stream_size(),
            )
        };
        if code != ffi::Z_OK {
            return Err(library_error(&self.stream, "initialize the decompressor", code).into());
        }
        self.initialized = true;
        Ok(())
    }

    fn next_member(&mut self) -> io::Result<()> {
        // SAFETY: the stream is initialized (a member ended); inflateReset keeps its
        // allocations.
        let code = unsafe { ffi::inflateReset(&mut *self.stream) };
        if code != ffi::Z_OK {
            return Err(library_error(&self.stream, "start the next gzip member", code).into());
        }
        Ok(())
    }

    fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize, io::Result<bool>) {
        let stream = &mut *self.stream;
        let avail_in = u32::try_from(input.len()).unwrap_or(u32::MAX);
        let avail_out = u32::try_from(out.len()).unwrap_or(u32::MAX);
        stream.next_in = input.as_ptr().cast_mut();
        stream.avail_in = avail_in;
        stream.next_out = out.as_mut_ptr();
        stream.avail_out = avail_out;
        // SAFETY: the stream is initialized (begin); next_in/avail_in describe the unread part of
        // the input buffer (only read by zlib), next_out/avail_out the caller's buffer; both stay
        // valid for the whole call.
        let code = unsafe { ffi::inflate(stream, ffi::Z_NO_FLUSH) };
        let consumed = (avail_in - stream.avail_in) as usize;
        let produced = (avail_out - stream.avail_out) as usize;
        stream.next_in = std::ptr::null_mut();
        stream.next_out = std::ptr::null_mut();
        let ended = match code {
            ffi::Z_OK | ffi::Z_BUF_ERROR => Ok(false),
            ffi::Z_STREAM_END => Ok(true),
            ffi::Z_DATA_ERROR | ffi::Z_NEED_DICT => Err(Error::Corrupt {
                code,
                message: message(stream, code),
            }
            .into()),
            _ => Err(library_error(stream, "decompress", code).into()),
        };
        (consumed, produced, ended)
    }

    fn empty() -> io::Error {
        Error::Empty.into()
    }

    fn truncated() -> io::Error {
        Error::Truncated.into()
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        if self.initialized {
            // SAFETY: the stream was initialized by inflateInit2_ and is ended exactly once,
            // here.
            unsafe { ffi::inflateEnd(&mut *self.stream) };
        }
    }
}

/// `windowBits` for a 32 KiB window and no wrapper (raw deflate).
const RAW_WINDOW_BITS: c_int = -15;

/// CRC-32 (the gzip trailer's checksum) of `bytes`, continuing from `crc` (0 to start).
pub fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = ffi::uLong::from(crc);
    // zlib takes at most uInt::MAX bytes at once.
    for chunk in bytes.chunks(1 << 30) {
        // SAFETY: the pointer and length describe `chunk`, which zlib only reads.
        crc = unsafe { ffi::crc32(crc, chunk.as_ptr(), chunk.len() as ffi::uInt) };
    }
    crc as u32
}

/// The CRC-32 of two byte strings one after the other, from the CRC of each and the length of
/// the second (zlib's `crc32_combine`): what a gzip member made of spliced segments records.
pub fn crc32_combine(first: u32, second: u32, second_len: u64) -> u32 {
    // Lengths beyond i64 cannot occur (they are file sizes); saturate rather than wrap.
    let len = std::os::raw::c_long::try_from(second_len).unwrap_or(std::os::raw::c_long::MAX);
    // SAFETY: a pure function of its arguments.
    unsafe { ffi::crc32_combine(ffi::uLong::from(first), ffi::uLong::from(second), len) as u32 }
}

/// What a [`DeflateSegmentEncoder`] compressed: the CRC-32 and length of its uncompressed bytes,
/// which the member it is spliced into must account for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentSummary {
    /// CRC-32 of the uncompressed bytes.
    pub crc: u32,
    /// Number of uncompressed bytes.
    pub len: u64,
}

/// The blocks of input a [`DeflateSegmentEncoder`] decides about: each `PROBE_BLOCK` bytes of its
/// input (and the shorter rest at the end) are either compressed or stored as a whole.
pub const PROBE_BLOCK: usize = 256 * 1024;

/// How much of a block the probe compresses: deflate's window, so that it sees repeats as far
/// back as deflate itself can use them.
const PROBE_SAMPLE: usize = 32 * 1024;

/// Blocks shorter than this (only the last one can be) are not probed: they go on at the level
/// of the block before. Storing them would save little time, and for a few random bytes zlib's
/// fixed Huffman codes beat a stored block's 5-byte header.
const PROBE_MIN: usize = 4 * 1024;

/// Compresses everything written to it into one **segment** of a raw deflate stream: deflate
/// blocks that refer to nothing before them and end on a byte boundary (a sync flush) without
/// ending the stream. Segments compressed separately can be concatenated, in any order, into
/// one deflate stream, and so into one gzip member with [`GzipSplicer`] — the way a file
/// compressed once can sit inside several packages whose headers differ.
///
/// For the same input and level the bytes are the same however the input is split across
/// `write` calls. Dropping the encoder without [`finish`](DeflateSegmentEncoder::finish)
/// leaves an unusable segment.
///
/// # Incompressible input is stored
///
/// Packages hold files deflate cannot shrink (compressed archives and images, random test
/// data), and deflate spends the most time on exactly those: on 7.5 MB of random bytes zlib's
/// level 9 takes about ten times as long as storing them, and its output is even larger (it
/// ends a block, each with its own stored header, every 16 K symbols; level 0 writes blocks of
/// 64 KiB). So the encoder takes its input in blocks of [`PROBE_BLOCK`] bytes, at fixed
/// offsets of the input (it buffers what `write` gives it), and at levels 1 to 9 decides for
/// each block whether to compress it at the level asked for or to store it:
///
/// * A **probe**, a second raw deflate stream at level 1 reused for every block, compresses a
///   sample of the block: its middle 32 KiB (all of it if shorter). The block is stored when
///   that saves less than 1/1024 of the sample. Truly incompressible data saves nothing at all
///   (zlib falls back to a stored block, a few bytes larger than the sample), so the threshold
///   only decides about data that is nearly incompressible, where level 9 gains a percent or
///   so at ten times the cost of storing. The sample is a whole window long because data that
///   looks random byte by byte may still repeat itself at distances up to 32 KiB, and deflate
///   gains from that: the benchmark payload's synthetic object files (random bytes with
///   repeats) come out 5 % smaller at level 9. A sample sees a repeat only if it holds both
///   copies, so a short one underestimates the gain: of those files' 532 blocks, a 16 KiB
///   sample and this threshold would store 127; the 32 KiB sample stores 2 (and with a 1 %
///   threshold, 39). The probe costs about a tenth of a level-1 pass over the block: counted
///   in instructions, level 9 with it does 9 % more work than without on those files, 3 % more
///   on text.
/// * The main stream's level is changed (`deflateParams`, level 0 to store, after ending the
///   current deflate block with `Z_BLOCK`) only when the decision differs from the previous
///   block's. Compressible input is never switched, so its output is what it was without the
///   probe; a random block between compressible ones costs two block boundaries.
/// * A last block shorter than 4 KiB is not probed: it goes on like the block before it (a
///   short input is compressed at the level asked for).
///
/// The decision depends only on the block's bytes, so the output is still a function of the
/// input and the level. Only zlib 1.2.12 and later are trusted to change levels in
/// mid-stream (see `changes_levels_safely`); with an older one nothing is probed and every
/// block is compressed at the level asked for.
pub struct DeflateSegmentEncoder<W: Write> {
    stream: Deflater,
    sink: Sink<W>,
    summary: SegmentSummary,
    /// The level asked for: the stream's level unless `storing`.
    level: u32,
    /// Whether the stream was switched to level 0 for incompressible blocks.
    storing: bool,
    /// Input not compressed yet: the start of the next block, shorter than [`PROBE_BLOCK`].
    pending: Vec<u8>,
    /// Judges the blocks; `None` at level 0 (everything is stored anyway) and with a zlib
    /// that cannot be trusted to change levels in mid-stream.
    probe: Option<Probe>,
}

impl<W: Write> fmt::Debug for DeflateSegmentEncoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeflateSegmentEncoder")
            .field("summary", &self.summary)
            .field("storing", &self.storing)
            .finish_non_exhaustive()
    }
}

impl<W: Write> DeflateSegmentEncoder<W> {
    /// An encoder at `level` (0 to 9) writing one segment to `writer`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`] for a level outside [`LEVELS`]; [`Error::Library`] if zlib cannot
    /// allocate its state.
    pub fn new(writer: W, level: u32) -> io::Result<Self> {
        let stream = deflate_stream(level, RAW_WINDOW_BITS, "initialize the compressor")?;
        let mut encoder = DeflateSegmentEncoder {
            stream,
            sink: Sink::new(writer, stream::CHUNK),
            summary: SegmentSummary { crc: 0, len: 0 },
            level,
            storing: false,
            pending: Vec::new(),
            probe: None,
        };
        if level > 0 && changes_levels_safely(version()) {
            encoder.probe = Some(Probe::new()?);
        }
        Ok(encoder)
    }

    /// Runs `deflate(flush)` once on `input`, writes what it produced and accounts for the
    /// input; returns the bytes consumed and whether the output buffer was filled (deflate has
    /// more to write).
    fn step(&mut self, input: &[u8], flush: c_int) -> io::Result<(usize, bool)> {
        let (consumed, produced, _, full) =
            self.stream.deflate(input, &mut self.sink.buf, flush)?;
        self.sink.write_out(produced)?;
        self.summary.crc = crc32(self.summary.crc, &input[..consumed]);
        self.summary.len += consumed as u64;
        Ok((consumed, full))
    }

    /// Switches the stream to `level` for the input that follows.
    fn set_level(&mut self, level: u32) -> io::Result<()> {
        // deflateParams first compresses what it has at the old level (deflate with Z_BLOCK),
        // and if that does not fit in the output buffer it returns Z_BUF_ERROR and changes
        // nothing. Ending the current deflate block here, until deflate leaves room in the
        // buffer, leaves it nothing to compress (zlib.h: "In order to assure a change in the
        // parameters on the first try ..."); the loop below still retries on Z_BUF_ERROR.
        while self.step(&[], ffi::Z_BLOCK)?.1 {}
        loop {
            self.stream.next_out = self.sink.buf.as_mut_ptr();
            self.stream.avail_out = self.sink.buf.len() as u32;
            // SAFETY: the stream is initialized and has no input (next_in is null, avail_in 0);
            // next_out/avail_out describe the output buffer, which outlives the call. The level is
            // 0 or one from LEVELS, the strategy zlib's default.
            let code = unsafe {
                ffi::deflateParams(&mut *self.stream, level as c_int, ffi::Z_DEFAULT_STRATEGY)
            };
            let produced = self.sink.buf.len() - self.stream.avail_out as usize;
            self.sink.write_out(produced)?;
            match code {
                ffi::Z_OK => {
                    // The Z_BLOCK deflate inside deflateParams, with nothing left to do, sets
                    // `msg` to "buffer error"; do not let it stand for a later error's message.
                    self.stream.msg = std::ptr::null_mut();
                    return Ok(());
                }
                // More of the old level's output to write out: try again with an empty buffer.
                ffi::Z_BUF_ERROR if produced > 0 => {}
                _ => {
                    return Err(
                        library_error(&self.stream, "change the compression level", code).into(),
                    )
                }
            }
        }
    }

    /// Compresses one block of the input ([`PROBE_BLOCK`] bytes, or the rest at the end),
    /// storing it if the probe finds it incompressible.
    fn compress_block(&mut self, block: &[u8]) -> io::Result<()> {
        if let Some(probe) = self.probe.as_mut() {
            if block.len() >= PROBE_MIN {
                let store = probe.incompressible(block)?;
                if store != self.storing {
                    self.set_level(if store { 0 } else { self.level })?;
                    self.storing = store;
                }
            }
        }
        let mut rest = block;
        while !rest.is_empty() {
            let (consumed, _) = self.step(rest, ffi::Z_NO_FLUSH)?;
            rest = &rest[consumed..];
        }
        Ok(())
    }

    /// Ends the segment on a byte boundary (a sync flush; the deflate stream goes on), flushes
    /// and returns the writer with the CRC-32 and length of what was compressed.
    ///
    /// # Errors
    ///
    /// Any error of the library or of the writer; the output is then unusable.
    pub fn finish(mut self) -> io::Result<(W, SegmentSummary)> {
        let rest = mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.compress_block(&rest)?;
        }
        while self.step(&[], ffi::Z_SYNC_FLUSH)?.1 {}
        let summary = self.summary;
        Ok((self.sink.finish()?, summary))
    }
}

impl<W: Write> Write for DeflateSegmentEncoder<W> {
    /// Takes all of `data`; compresses each block of the input as soon as it is complete.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut rest = data;
        if !self.pending.is_empty() {
            let take = rest.len().min(PROBE_BLOCK - self.pending.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < PROBE_BLOCK {
                return Ok(data.len());
            }
            let block = mem::take(&mut self.pending);
            let result = self.compress_block(&block);
            // Keep the allocation for the next block.
            self.pending = block;
            self.pending.clear();
            result?;
        }
        // Whole blocks straight from the caller's buffer.
        let mut blocks = rest.chunks_exact(PROBE_BLOCK);
        for block in &mut blocks {
            self.compress_block(block)?;
        }
        self.pending.extend_from_slice(blocks.remainder());
        Ok(data.len())
    }

    /// Flushes the writer only: buffered input waits for the rest of its block, and deflate
    /// keeps what it has not written out yet, so that the output does not depend on flushes.
    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

/// Whether zlib `version` (as `zlibVersion()` gives it: `1.2.13`, `1.3.1`, `1.3.0.1-motley`,
/// `1.3.0.zlib-ng`) is trusted to change levels in mid-stream: 1.2.12 and later. Level changes
/// and stored deflate were reworked and fixed in 1.2.10, 1.2.11 and 1.2.12 (1.2.10's
/// deflateParams made corrupt data; 1.2.12: "Permit a deflateParams() parameter change as soon
/// as possible", "Fix bug when window full in deflate_stored()"); this encoder is tested with
/// 1.2.13 and 1.3.1.
fn changes_levels_safely(version: &str) -> bool {
    let mut parts = version
        .split(['.', '-'])
        .map(|part| part.parse::<u32>().ok());
    let mut next = || parts.next().flatten().unwrap_or(0);
    (next(), next(), next()) >= (1, 2, 12)
}

/// A raw deflate stream at level 1 that compresses a sample of each block, to tell whether
/// deflate gains anything on it (see [`DeflateSegmentEncoder`]).
struct Probe {
    stream: Deflater,
    /// Room for the compressed sample: `deflateBound` of a whole sample.
    out: Vec<u8>,
}

impl Probe {
    fn new() -> Result<Self, Error> {
        let stream = deflate_stream(1, RAW_WINDOW_BITS, "initialize the incompressibility probe")?;
        let mut probe = Probe {
            stream,
            out: Vec::new(),
        };
        // SAFETY: the stream is initialized; deflateBound only reads its parameters.
        let bound = unsafe { ffi::deflateBound(&mut *probe.stream, PROBE_SAMPLE as ffi::uLong) };
        probe.out = vec![0; (bound as usize).max(PROBE_SAMPLE)];
        Ok(probe)
    }

    /// Whether `block` (not empty) looks incompressible: level-1 deflate of its middle
    /// [`PROBE_SAMPLE`] bytes (all of it if shorter) saves less than 1/1024 of them.
    fn incompressible(&mut self, block: &[u8]) -> Result<bool, Error> {
        let len = block.len().min(PROBE_SAMPLE);
        let start = (block.len() - len) / 2;
        let sample = &block[start..start + len];
        // SAFETY: the stream is initialized; deflateReset keeps its allocations and forgets
        // the previous sample.
        let code = unsafe { ffi::deflateReset(&mut *self.stream) };
        if code != ffi::Z_OK {
            return Err(library_error(
                &self.stream,
                "reset the incompressibility probe",
                code,
            ));
        }
        self.stream.next_in = sample.as_ptr().cast_mut();
        self.stream.avail_in = len as u32;
        self.stream.next_out = self.out.as_mut_ptr();
        self.stream.avail_out = self.out.len() as u32;
        // SAFETY: next_in/avail_in describe `sample` (only read by zlib), next_out/avail_out the
        // probe's buffer; both outlive the call.
        let code = unsafe { ffi::deflate(&mut *self.stream, ffi::Z_FINISH) };
        let produced = self.out.len() - self.stream.avail_out as usize;
        self.stream.next_in = std::ptr::null_mut();
        self.stream.avail_in = 0;
        self.stream.next_out = std::ptr::null_mut();
        self.stream.avail_out = 0;
        match code {
            ffi::Z_STREAM_END => Ok(produced * 1024 >= len * 1023),
            // The buffer, at least as large as the sample, filled up: no gain.
            ffi::Z_OK | ffi::Z_BUF_ERROR => Ok(true),
            _ => Err(library_error(&self.stream, "probe the input", code)),
        }
    }
}

/// Turns the complete raw deflate stream in `buf[start..]` (as a whole-buffer compressor such
/// as libdeflate writes it: its last block is final) into a **segment** like
/// [`DeflateSegmentEncoder`]'s: the last block's final bit is cleared and an empty stored block
/// (what zlib's sync flush writes) ends it on a byte boundary, so that segments can be
/// concatenated into one stream ([`GzipSplicer`]). Returns the number of uncompressed bytes.
///
/// The final block is found by inflating the stream block by block (`inflate` with `Z_BLOCK`,
/// as zlib's `examples/gzappend.c` does), which also proves the stream whole and valid.
///
/// # Errors
///
/// [`Error::Corrupt`] if `buf[start..]` is not one complete raw deflate stream (or has bytes
/// after it), [`Error::Library`] if zlib cannot allocate its state.
pub fn close_into_segment(buf: &mut Vec<u8>, start: usize) -> Result<u64, Error> {
    let data = &buf[start..];
    let mut stream = new_stream();
    // SAFETY: as in GzDecoder::new: a zeroed z_stream at a stable address, the bindings'
    // version string and struct size; -15 asks for raw deflate.
    let code = unsafe {
        ffi::inflateInit2_(
            &mut *stream,
            RAW_WINDOW_BITS,
            ffi::ZLIB_VERSION.as_ptr().cast(),
            stream_size(),
        )
    };
    if code != ffi::Z_OK {
        return Err(library_error(&stream, "initialize the decompressor", code));
    }
    struct End(Box<ffi::z_stream>);
    impl Drop for End {
        fn drop(&mut self) {
            // SAFETY: initialized above, ended exactly once, here.
            unsafe { ffi::inflateEnd(&mut *self.0) };
        }
    }
    let mut stream = End(stream);
    let stream = &mut *stream.0;
    let corrupt = |stream: &ffi::z_stream, code: c_int| Error::Corrupt {
        code,
        message: message(stream, code),
    };
    let mut scratch = vec![0u8; 1 << 16];
    let total_in = u32::try_from(data.len()).map_err(|_| Error::Corrupt {
        code: ffi::Z_DATA_ERROR,
        message: "a segment of 4 GiB or more".to_string(),
    })?;
    stream.next_in = data.as_ptr().cast_mut();
    stream.avail_in = total_in;
    // The byte and bit of the final-block flag of the block inflate reads next: the first
    // block's header starts the stream.
    let mut header = (0usize, 0u8);
    let mut produced = 0u64;
    let unused = loop {
        stream.next_out = scratch.as_mut_ptr();
        stream.avail_out = scratch.len() as u32;
        // SAFETY: next_in/avail_in describe the rest of `data` (only read), next_out/avail_out
        // the scratch buffer; both outlive the call.
        let code = unsafe { ffi::inflate(stream, ffi::Z_BLOCK) };
        produced += (scratch.len() - stream.avail_out as usize) as u64;
        let used = (total_in - stream.avail_in) as usize;
        let unused_bits = (stream.data_type & 7) as u8;
        match code {
            ffi::Z_OK | ffi::Z_STREAM_END => {}
            ffi::Z_BUF_ERROR => {
                return Err(Error::Corrupt {
                    code,
                    message: "the deflate stream ends before its final block".to_string(),
                })
            }
            _ => return Err(corrupt(stream, code)),
        }
        // inflate stops (Z_OK) at the end of every block, before the next header (128 in
        // `data_type`; 64 when the block was the last): the next header starts at the first
        // unused bit of the last byte read, or at the next byte. After the last block it stops
        // there too, with the padding bits still counted (at Z_STREAM_END they are dropped).
        if stream.data_type & 128 != 0 {
            if stream.data_type & 64 != 0 {
                if used != data.len() {
                    return Err(Error::Corrupt {
                        code: ffi::Z_DATA_ERROR,
                        message: format!("{} bytes after the deflate stream", data.len() - used),
                    });
                }
                break unused_bits;
            }
            header = if unused_bits > 0 {
                (used - 1, 8 - unused_bits)
            } else {
                (used, 0)
            };
        } else if code == ffi::Z_STREAM_END {
            return Err(Error::Corrupt {
                code,
                message: "inflate ended the stream without stopping after its last block"
                    .to_string(),
            });
        }
    };
    stream.next_in = std::ptr::null_mut();
    stream.next_out = std::ptr::null_mut();
    let (byte, bit) = header;
    buf[start + byte] &= !(1u8 << bit);
    // Zero the padding after the final block's end code (the new stored block's header bits
    // are zeros), and add a byte if fewer than its 3 header bits are free.
    let last = buf.len() - 1;
    buf[last] &= 0xff >> unused;
    if unused < 3 {
        buf.push(0);
    }
    buf.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
    Ok(produced)
}

/// Writes one gzip member made of [`DeflateSegmentEncoder`] segments: the header (as
/// [`GzEncoder`] writes it for `level`), the segments as they are given, then an empty final
/// block and the trailer (the CRC-32 combined from the segments', and the length mod 2³²).
///
/// Readers see an ordinary single-member gzip file: `gzip -d`, zlib (dpkg, rpm) and libarchive
/// read it like any other.
pub struct GzipSplicer<W: Write> {
    writer: W,
    crc: u32,
    len: u64,
}

impl<W: Write> fmt::Debug for GzipSplicer<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GzipSplicer")
            .field("crc", &self.crc)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl<W: Write> GzipSplicer<W> {
    /// Starts a member on `writer`: writes the gzip header zlib writes at `level` (mtime 0, no
    /// name, OS Unix; the extra-flags byte says 2 at level 9, 4 at levels 0 and 1).
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn new(mut writer: W, level: u32) -> io::Result<Self> {
        let xfl = match level {
            9 => 2,
            0 | 1 => 4,
            _ => 0,
        };
        writer.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, OS_UNIX as u8])?;
        Ok(GzipSplicer {
            writer,
            crc: 0,
            len: 0,
        })
    }

    /// The writer the member goes to, for writing a segment's bytes: after writing them call
    /// [`GzipSplicer::account`] with its summary.
    pub fn writer(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Records a segment just written through [`GzipSplicer::writer`].
    pub fn account(&mut self, segment: SegmentSummary) {
        self.crc = crc32_combine(self.crc, segment.crc, segment.len);
        self.len = self.len.wrapping_add(segment.len);
    }

    /// Ends the member (an empty final block, the trailer) and returns the writer.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn finish(mut self) -> io::Result<W> {
        // A final fixed-Huffman block holding only its end code: the bits 1, 01, 0000000.
        self.writer.write_all(&[0x03, 0x00])?;
        self.writer.write_all(&self.crc.to_le_bytes())?;
        self.writer.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.writer)
    }
}

#[cfg(test)]
mod tests {
    use super::changes_levels_safely;

    #[test]
    fn level_changes_are_trusted_from_zlib_1_2_12() {
        for version in [
            "1.2.12",
            "1.2.13",
            "1.3",
            "1.3.1",
            "1.3.0.1-motley",
            "1.3.1.zlib-ng",
        ] {
            assert!(changes_levels_safely(version), "{version}");
        }
        for version in ["1.2.11", "1.2.8", "1.2.11.1-motley", "unknown", ""] {
            assert!(!changes_levels_safely(version), "{version}");
        }
    }
}
