//! Safe streaming bzip2: [`BzEncoder`] (a [`Write`] adapter) and [`BzDecoder`] (a [`Read`]
//! adapter), the only bzip2 API the rest of the workspace uses.
//!
//! The output is reproducible: for the same input and level the bytes are the same however the
//! input is split across `write` calls.
//!
//! # Finishing
//!
//! An encoder must be finished with [`BzEncoder::finish`], which writes the end of the stream
//! and reports the last errors. Dropping an encoder without finishing it frees the C state and
//! writes nothing more: the output is then an incomplete stream that every decoder rejects as
//! truncated. It is never a silent success.

use std::ffi::{c_int, c_uint, CStr};
use std::fmt;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;

use crate::{ffi, Error};
use syspack_sys_support::stream::{self, Step};

pub use crate::provenance;

/// The compression levels [`BzEncoder`] accepts: the block size in units of 100 kB, as
/// `bzip2 -1` to `bzip2 -9` (its default).
pub const LEVELS: std::ops::RangeInclusive<u32> = 1..=9;

/// The version of the linked libbz2: the part of `BZ2_bzlibVersion()` before the first comma,
/// such as `1.0.8` (the full string is `1.0.8, 13-Jul-2019`).
pub fn version() -> &'static str {
    // SAFETY: BZ2_bzlibVersion takes no arguments and returns a pointer to a static,
    // NUL-terminated string literal inside the library, valid for the life of the program.
    let full = unsafe { CStr::from_ptr(ffi::BZ2_bzlibVersion()) };
    let full = full.to_str().unwrap_or("unknown");
    full.split(',').next().unwrap_or(full).trim()
}

/// The message for a libbz2 return code (libbz2 has none for its stream API).
fn message(code: c_int) -> String {
    match code {
        ffi::BZ_SEQUENCE_ERROR => "functions called in the wrong order (BZ_SEQUENCE_ERROR)",
        ffi::BZ_PARAM_ERROR => "invalid parameter (BZ_PARAM_ERROR)",
        ffi::BZ_MEM_ERROR => "cannot allocate memory (BZ_MEM_ERROR)",
        ffi::BZ_DATA_ERROR => {
            "data integrity error: the compressed data is corrupt (BZ_DATA_ERROR)"
        }
        ffi::BZ_DATA_ERROR_MAGIC => "bad magic number: not bzip2 data (BZ_DATA_ERROR_MAGIC)",
        ffi::BZ_CONFIG_ERROR => "the library was miscompiled (BZ_CONFIG_ERROR)",
        _ => return format!("unexpected return code {code}"),
    }
    .to_owned()
}

/// A zeroed `bz_stream` in a stable heap location (libbz2 keeps a pointer to it in its state).
fn new_stream() -> Box<ffi::bz_stream> {
    // SAFETY: all-zero bytes are a valid bz_stream: null pointers, zero counters and `None` for
    // the allocator callbacks (which libbz2 then replaces with malloc/free).
    Box::new(unsafe { MaybeUninit::<ffi::bz_stream>::zeroed().assume_init() })
}

/// Compresses everything written to it into one bzip2 stream written to `W`.
///
/// Call [`finish`](BzEncoder::finish) at the end (see the [module docs](self)).
/// [`flush`](Write::flush) flushes `W` only: it does not end a block, so that the output does not
/// depend on when callers flush.
pub struct BzEncoder<W: Write>(stream::Encoder<Compressor, W>);

impl<W: Write> fmt::Debug for BzEncoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BzEncoder").finish_non_exhaustive()
    }
}

impl<W: Write> BzEncoder<W> {
    /// An encoder at `level` (1 to 9) writing one bzip2 stream to `writer`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`] for a level outside [`LEVELS`]; [`Error::Library`] if libbz2
    /// cannot allocate its state (both inside an [`io::Error`]).
    pub fn new(writer: W, level: u32) -> io::Result<Self> {
        if !LEVELS.contains(&level) {
            return Err(Error::InvalidLevel {
                level,
                allowed: LEVELS,
            }
            .into());
        }
        let mut stream = new_stream();
        // SAFETY: `stream` is a zeroed bz_stream at a stable address; the block size (1..=9),
        // verbosity 0 and work factor 0 (the default, 30) are valid.
        let code = unsafe { ffi::BZ2_bzCompressInit(&mut *stream, level as c_int, 0, 0) };
        if code != ffi::BZ_OK {
            return Err(Error::Library {
                context: "initialize the compressor",
                code,
                message: message(code),
            }
            .into());
        }
        Ok(BzEncoder(stream::Encoder::new(
            Compressor(stream),
            writer,
            stream::CHUNK,
        )))
    }

    /// The writer the compressed data goes to.
    pub fn get_ref(&self) -> &W {
        self.0.get_ref()
    }

    /// Ends the bzip2 stream, flushes and returns the writer.
    ///
    /// # Errors
    ///
    /// Any error of the library or of the writer; the output is then unusable.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for BzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A bz_stream initialized by `BZ2_bzCompressInit` (a failed init never makes one), ended on
/// drop.
struct Compressor(Box<ffi::bz_stream>);

// SAFETY: the bz_stream is owned by this value alone (its raw pointers point into libbz2's state,
// owned by the stream, or are null) and only used through `&mut self`; libbz2 has no thread
// affinity.
unsafe impl Send for Compressor {}

impl stream::Compress for Compressor {
    /// Runs `BZ2_bzCompress` (`BZ_RUN`, or `BZ_FINISH` to end) once.
    fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step> {
        let action = if end { ffi::BZ_FINISH } else { ffi::BZ_RUN };
        let stream = &mut *self.0;
        let avail_in = c_uint::try_from(input.len()).unwrap_or(c_uint::MAX);
        stream.next_in = input.as_ptr().cast_mut().cast();
        stream.avail_in = avail_in;
        stream.next_out = output.as_mut_ptr().cast();
        stream.avail_out = output.len() as c_uint;
        // SAFETY: the stream is initialized; next_in/avail_in describe (a prefix of) `input`,
        // which libbz2 only reads, and next_out/avail_out describe the output buffer; both
        // outlive the call.
        let code = unsafe { ffi::BZ2_bzCompress(stream, action) };
        let consumed = (avail_in - stream.avail_in) as usize;
        let produced = output.len() - stream.avail_out as usize;
        stream.next_in = std::ptr::null_mut();
        stream.avail_in = 0;
        if code < 0 {
            return Err(Error::Library {
                context: "compress",
                code,
                message: message(code),
            }
            .into());
        }
        Ok(Step {
            consumed,
            produced,
            ended: code == ffi::BZ_STREAM_END,
        })
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: the stream was initialized by BZ2_bzCompressInit (a failed init returns
        // before a Compressor exists) and is ended exactly once, here.
        unsafe { ffi::BZ2_bzCompressEnd(&mut *self.0) };
    }
}

/// Decompresses bzip2 data read from `R`: one stream or several concatenated streams (as
/// `bzip2 -d` does, and as parallel compressors such as `pbzip2` write).
///
/// A stream that ends early is an error ([`Error::Truncated`]), and so is an empty input
/// ([`Error::Empty`]) and anything after the last stream that is not another stream.
pub struct BzDecoder<R: Read>(stream::Decoder<Decompressor, R>);

impl<R: Read> fmt::Debug for BzDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BzDecoder").finish_non_exhaustive()
    }
}

impl<R: Read> BzDecoder<R> {
    /// A decoder reading bzip2 data from `reader`.
    ///
    /// libbz2 allocates its state on the first read; an allocation failure is reported there.
    pub fn new(reader: R) -> Self {
        let codec = Decompressor {
            stream: new_stream(),
            initialized: false,
        };
        BzDecoder(stream::Decoder::new(codec, reader, stream::CHUNK))
    }

    /// The reader the compressed data comes from.
    pub fn get_ref(&self) -> &R {
        self.0.get_ref()
    }
}

impl<R: Read> Read for BzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

/// A bz_stream for decompressing, initialized on the first read and again for each stream
/// after the first; ended on drop.
struct Decompressor {
    stream: Box<ffi::bz_stream>,
    initialized: bool,
}

// SAFETY: the bz_stream is owned by this value alone and only used through `&mut self`; libbz2
// has no thread affinity.
unsafe impl Send for Decompressor {}

impl Decompressor {
    fn end(&mut self) {
        if self.initialized {
            // SAFETY: the stream was initialized by BZ2_bzDecompressInit and is ended once: the
            // flag is cleared right after.
            unsafe { ffi::BZ2_bzDecompressEnd(&mut *self.stream) };
            self.initialized = false;
            *self.stream = *new_stream();
        }
    }
}

impl stream::Decompress for Decompressor {
    fn begin(&mut self) -> io::Result<()> {
        if self.initialized {
            return Ok(());
        }
        // SAFETY: the stream is zeroed (new, or reset by end()) and at a stable address;
        // verbosity 0 and small 0 (the fast, memory-hungry algorithm) are valid.
        let code = unsafe { ffi::BZ2_bzDecompressInit(&mut *self.stream, 0, 0) };
        if code != ffi::BZ_OK {
            return Err(Error::Library {
                context: "initialize the decompressor",
                code,
                message: message(code),
            }
            .into());
        }
        self.initialized = true;
        Ok(())
    }

    /// Ends the stream; [`begin`](stream::Decompress::begin) initializes it again.
    fn next_member(&mut self) -> io::Result<()> {
        self.end();
        Ok(())
    }

    fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize, io::Result<bool>) {
        let stream = &mut *self.stream;
        let avail_in = c_uint::try_from(input.len()).unwrap_or(c_uint::MAX);
        let avail_out = c_uint::try_from(out.len()).unwrap_or(c_uint::MAX);
        stream.next_in = input.as_ptr().cast_mut().cast();
        stream.avail_in = avail_in;
        stream.next_out = out.as_mut_ptr().cast();
        stream.avail_out = avail_out;
        // SAFETY: the stream is initialized (begin); next_in/avail_in describe the unread part of
        // the input buffer (only read by libbz2), next_out/avail_out the caller's buffer; both
        // stay valid for the whole call.
        let code = unsafe { ffi::BZ2_bzDecompress(stream) };
        let consumed = (avail_in - stream.avail_in) as usize;
        let produced = (avail_out - stream.avail_out) as usize;
        stream.next_in = std::ptr::null_mut();
        stream.next_out = std::ptr::null_mut();
        let ended = match code {
            ffi::BZ_OK => Ok(false),
            ffi::BZ_STREAM_END => Ok(true),
            ffi::BZ_DATA_ERROR | ffi::BZ_DATA_ERROR_MAGIC => Err(Error::Corrupt {
                code,
                message: message(code),
            }
            .into()),
            _ => Err(Error::Library {
                context: "decompress",
                code,
                message: message(code),
            }
            .into()),
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

impl Drop for Decompressor {
    fn drop(&mut self) {
        self.end();
    }
}
