//! Safe streaming xz: [`XzEncoder`] (a [`Write`] adapter) and [`XzDecoder`] (a [`Read`]
//! adapter), the only liblzma API the rest of the workspace uses.
//!
//! Streams use the CRC64 integrity check, as `xz` writes by default. The output is reproducible:
//! for the same input, level and threading choice the bytes are the same however the input is
//! split across `write` calls.
//!
//! # Finishing
//!
//! An encoder must be finished with [`XzEncoder::finish`], which writes the index and stream
//! footer and reports the last errors. Dropping an encoder without finishing it frees the C state
//! and writes nothing more: the output is then an incomplete stream that every decoder rejects
//! as truncated. It is never a silent success.

use std::ffi::CStr;
use std::fmt;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;

use crate::{ffi, Error};
use syspack_sys_support::stream::{self, Source, Step};

pub use crate::provenance;

/// The compression levels (presets) [`XzEncoder`] accepts, as `xz -0` to `xz -9` (6 is `xz`'s
/// default).
pub const LEVELS: std::ops::RangeInclusive<u32> = 0..=9;

/// `LZMA_CONCATENATED` of `lzma/container.h` (`UINT32_C(0x08)`, a macro bindgen cannot
/// evaluate): decode concatenated streams until LZMA_FINISH.
const LZMA_CONCATENATED: u32 = 0x08;

/// The version of the linked liblzma (`lzma_version_string()`), such as `5.8.1`.
pub fn version() -> &'static str {
    // SAFETY: lzma_version_string takes no arguments and returns a pointer to a static,
    // NUL-terminated string inside the library, valid for the life of the program.
    let version = unsafe { CStr::from_ptr(ffi::lzma_version_string()) };
    version.to_str().unwrap_or("unknown")
}

/// The message for a liblzma return code: the one `xz` prints (liblzma has no message function).
fn message(code: ffi::lzma_ret) -> String {
    match code {
        ffi::LZMA_MEM_ERROR => "cannot allocate memory",
        ffi::LZMA_MEMLIMIT_ERROR => "memory usage limit reached",
        ffi::LZMA_FORMAT_ERROR => "file format not recognized",
        ffi::LZMA_OPTIONS_ERROR => "unsupported options",
        ffi::LZMA_DATA_ERROR => "compressed data is corrupt",
        ffi::LZMA_BUF_ERROR => "unexpected end of input",
        ffi::LZMA_UNSUPPORTED_CHECK => "unsupported type of integrity check",
        ffi::LZMA_PROG_ERROR => "internal error (bug)",
        _ => return format!("unexpected return code {code}"),
    }
    .to_owned()
}

/// A zeroed `lzma_stream` (`LZMA_STREAM_INIT`), boxed so that it never moves while liblzma holds
/// its state.
fn new_stream() -> Box<ffi::lzma_stream> {
    // SAFETY: all-zero bytes are LZMA_STREAM_INIT: null pointers, zero counters and the zero
    // value of the reserved enums.
    Box::new(unsafe { MaybeUninit::<ffi::lzma_stream>::zeroed().assume_init() })
}

/// Compresses everything written to it into one xz stream written to `W`.
///
/// Call [`finish`](XzEncoder::finish) at the end (see the [module docs](self)).
/// [`flush`](Write::flush) flushes `W` only: it does not end a block, so that the output does not
/// depend on when callers flush.
pub struct XzEncoder<W: Write>(stream::Encoder<Compressor, W>);

impl<W: Write> fmt::Debug for XzEncoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XzEncoder").finish_non_exhaustive()
    }
}

impl<W: Write> XzEncoder<W> {
    /// A single-threaded encoder at preset `level` (0 to 9), like `xz -<level>`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`] for a level outside [`LEVELS`]; [`Error::Library`] if liblzma
    /// cannot allocate its state (both inside an [`io::Error`]).
    pub fn new(writer: W, level: u32) -> io::Result<Self> {
        check_level(level)?;
        let mut stream = new_stream();
        // SAFETY: `stream` is LZMA_STREAM_INIT at a stable address; the preset (0..=9) and the
        // check are valid.
        let code = unsafe { ffi::lzma_easy_encoder(&mut *stream, level, ffi::LZMA_CHECK_CRC64) };
        Self::started(stream, code, writer, "initialize the encoder")
    }

    /// A multi-threaded encoder (`lzma_stream_encoder_mt`) at preset `level` with `threads`
    /// worker threads, like `xz -T<threads> -<level>`.
    ///
    /// The input is cut into blocks of liblzma's default size for the preset (three times the
    /// dictionary size), compressed in parallel; the output is the same for every `threads >= 1`
    /// but differs from [`XzEncoder::new`]'s.
    ///
    /// # Errors
    ///
    /// As [`XzEncoder::new`], and [`Error::InvalidThreads`] for `threads == 0`;
    /// [`Error::Library`] if the linked liblzma was built without threads.
    pub fn with_threads(writer: W, level: u32, threads: u32) -> io::Result<Self> {
        check_level(level)?;
        if threads == 0 {
            return Err(Error::InvalidThreads { threads }.into());
        }
        // SAFETY: all-zero bytes are a valid lzma_mt (no flags, null filters, zero reserved
        // fields, as liblzma requires of the reserved ones).
        let mut options = unsafe { MaybeUninit::<ffi::lzma_mt>::zeroed().assume_init() };
        options.threads = threads;
        options.preset = level;
        options.check = ffi::LZMA_CHECK_CRC64;
        let mut stream = new_stream();
        // SAFETY: `stream` is LZMA_STREAM_INIT at a stable address; `options` is a valid lzma_mt
        // that liblzma only reads during the call.
        let code = unsafe { ffi::lzma_stream_encoder_mt(&mut *stream, &options) };
        Self::started(
            stream,
            code,
            writer,
            "initialize the multi-threaded encoder",
        )
    }

    fn started(
        mut stream: Box<ffi::lzma_stream>,
        code: ffi::lzma_ret,
        writer: W,
        context: &'static str,
    ) -> io::Result<Self> {
        if code != ffi::LZMA_OK {
            // SAFETY: lzma_end is safe on a stream whose initialization failed (it frees
            // whatever was allocated, if anything).
            unsafe { ffi::lzma_end(&mut *stream) };
            return Err(Error::Library {
                context,
                code,
                message: message(code),
            }
            .into());
        }
        Ok(XzEncoder(stream::Encoder::new(
            Compressor(stream),
            writer,
            stream::CHUNK,
        )))
    }

    /// The writer the compressed data goes to.
    pub fn get_ref(&self) -> &W {
        self.0.get_ref()
    }

    /// Ends the xz stream, flushes and returns the writer.
    ///
    /// # Errors
    ///
    /// Any error of the library or of the writer; the output is then unusable.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

fn check_level(level: u32) -> Result<(), Error> {
    if LEVELS.contains(&level) {
        Ok(())
    } else {
        Err(Error::InvalidLevel {
            level,
            allowed: LEVELS,
        })
    }
}

impl<W: Write> Write for XzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// An lzma_stream initialized as an encoder (a failed init never makes one), ended on drop.
struct Compressor(Box<ffi::lzma_stream>);

// SAFETY: the lzma_stream is owned by this value alone (its raw pointers point into liblzma's
// state, owned by the stream, or are null) and only used through `&mut self`; liblzma's worker
// threads are internal to the stream.
unsafe impl Send for Compressor {}

impl stream::Compress for Compressor {
    /// Runs `lzma_code` (`LZMA_RUN`, or `LZMA_FINISH` to end) once.
    fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step> {
        let action = if end { ffi::LZMA_FINISH } else { ffi::LZMA_RUN };
        let stream = &mut *self.0;
        stream.next_in = input.as_ptr();
        stream.avail_in = input.len();
        stream.next_out = output.as_mut_ptr();
        stream.avail_out = output.len();
        // SAFETY: the stream is initialized; next_in/avail_in describe `input` (only read by
        // liblzma) and next_out/avail_out describe the output buffer; both outlive the call.
        let code = unsafe { ffi::lzma_code(stream, action) };
        let consumed = input.len() - stream.avail_in;
        let produced = output.len() - stream.avail_out;
        stream.next_in = std::ptr::null();
        stream.avail_in = 0;
        if code != ffi::LZMA_OK && code != ffi::LZMA_STREAM_END {
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
            ended: code == ffi::LZMA_STREAM_END,
        })
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: the stream was initialized (a failed init returns before a Compressor
        // exists) and is ended exactly once, here.
        unsafe { ffi::lzma_end(&mut *self.0) };
    }
}

/// Decompresses xz data read from `R`: one stream or several concatenated streams (as `xz -d`
/// does; `LZMA_CONCATENATED`), with stream padding between them.
///
/// Only the `.xz` format is accepted (not `.lzma` or `.lz`). A stream that ends early is an error
/// ([`Error::Truncated`]), and so is an empty input ([`Error::Empty`]).
pub struct XzDecoder<R: Read> {
    stream: Box<ffi::lzma_stream>,
    memlimit: u64,
    initialized: bool,
    source: Source<R>,
    started: bool,
    done: bool,
}

// SAFETY: the lzma_stream is owned by this value alone and only used through `&mut self`.
unsafe impl<R: Read + Send> Send for XzDecoder<R> {}

impl<R: Read> fmt::Debug for XzDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XzDecoder").finish_non_exhaustive()
    }
}

impl<R: Read> XzDecoder<R> {
    /// A decoder reading xz data from `reader`, with no memory usage limit.
    ///
    /// liblzma allocates its state on the first read; an allocation failure is reported there.
    pub fn new(reader: R) -> Self {
        Self::with_memlimit(reader, u64::MAX)
    }

    /// A decoder that refuses a stream needing more than `memlimit` bytes of decoder memory
    /// (the dictionary, mostly; `xz -9` needs 65 MiB) with a [`Error::Corrupt`]-like error
    /// "memory usage limit reached", as `xz --memlimit` does. For untrusted input, whose header
    /// may ask for a 1.5 GiB dictionary.
    pub fn with_memlimit(reader: R, memlimit: u64) -> Self {
        XzDecoder {
            stream: new_stream(),
            memlimit: memlimit.max(1),
            initialized: false,
            source: Source::new(reader, stream::CHUNK),
            started: false,
            done: false,
        }
    }

    /// The reader the compressed data comes from.
    pub fn get_ref(&self) -> &R {
        self.source.get_ref()
    }

    fn init(&mut self) -> io::Result<()> {
        // SAFETY: the stream is LZMA_STREAM_INIT at a stable address; no memory limit
        // (u64::MAX) and the LZMA_CONCATENATED flag are valid arguments.
        let code = unsafe {
            ffi::lzma_stream_decoder(&mut *self.stream, self.memlimit, LZMA_CONCATENATED)
        };
        if code != ffi::LZMA_OK {
            return Err(Error::Library {
                context: "initialize the decoder",
                code,
                message: message(code),
            }
            .into());
        }
        self.initialized = true;
        Ok(())
    }
}

impl<R: Read> Read for XzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.done {
            return Ok(0);
        }
        if !self.initialized {
            self.init()?;
        }
        let mut stalled = 0;
        loop {
            let at_end = self.source.refill()?;
            if at_end && !self.started {
                return Err(Error::Empty.into());
            }
            // With LZMA_CONCATENATED, LZMA_FINISH tells liblzma that no further stream follows.
            let action = if at_end {
                ffi::LZMA_FINISH
            } else {
                ffi::LZMA_RUN
            };
            let input = self.source.unread();
            self.stream.next_in = input.as_ptr();
            self.stream.avail_in = input.len();
            self.stream.next_out = out.as_mut_ptr();
            self.stream.avail_out = out.len();
            // SAFETY: the stream is initialized; next_in/avail_in describe the unread part of
            // the input buffer (only read by liblzma), next_out/avail_out the caller's buffer; both stay
            // valid for the whole call.
            let code = unsafe { ffi::lzma_code(&mut *self.stream, action) };
            let consumed = input.len() - self.stream.avail_in;
            let produced = out.len() - self.stream.avail_out;
            self.stream.next_in = std::ptr::null();
            self.stream.next_out = std::ptr::null_mut();
            self.source.consume(consumed);
            self.started |= consumed > 0;
            match code {
                ffi::LZMA_OK => {}
                ffi::LZMA_STREAM_END => self.done = true,
                ffi::LZMA_BUF_ERROR if at_end => return Err(Error::Truncated.into()),
                ffi::LZMA_DATA_ERROR
                | ffi::LZMA_MEMLIMIT_ERROR
                | ffi::LZMA_FORMAT_ERROR
                | ffi::LZMA_OPTIONS_ERROR
                | ffi::LZMA_BUF_ERROR => {
                    return Err(Error::Corrupt {
                        code,
                        message: message(code),
                    }
                    .into())
                }
                _ => {
                    return Err(Error::Library {
                        context: "decompress",
                        code,
                        message: message(code),
                    }
                    .into())
                }
            }
            if produced > 0 || self.done {
                return Ok(produced);
            }
            // liblzma answers LZMA_BUF_ERROR (handled above) to the second call in a row that can
            // make no progress; this bound only guards against looping forever if it did not.
            stalled = if consumed == 0 { stalled + 1 } else { 0 };
            if stalled > 2 {
                return Err(Error::Truncated.into());
            }
        }
    }
}

impl<R: Read> Drop for XzDecoder<R> {
    fn drop(&mut self) {
        if self.initialized {
            // SAFETY: the stream was initialized by lzma_stream_decoder and is ended exactly
            // once, here.
            unsafe { ffi::lzma_end(&mut *self.stream) };
        }
    }
}
