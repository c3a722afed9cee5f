//! Safe streaming zstd: [`ZstdEncoder`] (a [`Write`] adapter) and [`ZstdDecoder`] (a [`Read`]
//! adapter), the only zstd API the rest of the workspace uses.
//!
//! The output is reproducible: for the same input, level and threading choice the bytes are the
//! same however the input is split across `write` calls. Frames carry a content checksum (as the
//! `zstd` command writes by default) and no content size.
//!
//! # Finishing
//!
//! An encoder must be finished with [`ZstdEncoder::finish`], which writes the end of the frame and
//! reports the last errors. Dropping an encoder without finishing it frees the C state and writes
//! nothing more: the output is then an incomplete frame that every decoder rejects as truncated.
//! It is never a silent success.

use std::ffi::CStr;
use std::fmt;
use std::io::{self, Read, Write};
use std::ptr::NonNull;

use crate::{ffi, Error};
use syspack_sys_support::stream::{self, Source, Step};

pub use crate::provenance;

/// The compression levels [`ZstdEncoder`] accepts.
pub const LEVELS: std::ops::RangeInclusive<u32> = 1..=22;

/// The version of the linked zstd library (`ZSTD_versionString()`), such as `1.5.7`.
pub fn version() -> &'static str {
    // SAFETY: ZSTD_versionString takes no arguments and returns a pointer to a static,
    // NUL-terminated string literal inside the library, valid for the life of the program.
    let version = unsafe { CStr::from_ptr(ffi::ZSTD_versionString()) };
    version.to_str().unwrap_or("unknown")
}

/// The version of the linked zstd library as a number (`ZSTD_versionNumber()`):
/// `major * 10000 + minor * 100 + patch`, such as `10507`.
pub fn version_number() -> u32 {
    // SAFETY: ZSTD_versionNumber takes no arguments and only returns a constant.
    unsafe { ffi::ZSTD_versionNumber() }
}

/// The largest worker count [`ZstdEncoder::with_threads`] accepts with the linked library
/// (`ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)`), or 0 if it was built without multi-threading.
///
/// The vendored build is always multi-threaded. A system library may not be: Debian's static
/// `libzstd.a` (feature `static`) is single-threaded while its `libzstd.so` is not, as zstd's own
/// Makefile builds them by default.
pub fn max_threads() -> u32 {
    // SAFETY: ZSTD_cParam_getBounds accepts any parameter value and returns a plain struct.
    let bounds = unsafe { ffi::ZSTD_cParam_getBounds(ffi::ZSTD_c_nbWorkers) };
    if is_error(bounds.error) {
        return 0;
    }
    u32::try_from(bounds.upperBound).unwrap_or(0)
}

fn error_message(code: usize) -> String {
    // SAFETY: ZSTD_getErrorName accepts any code and returns a pointer to a static,
    // NUL-terminated string.
    let name = unsafe { CStr::from_ptr(ffi::ZSTD_getErrorName(code)) };
    name.to_string_lossy().into_owned()
}

fn is_error(code: usize) -> bool {
    // SAFETY: ZSTD_isError is a pure function of its integer argument.
    unsafe { ffi::ZSTD_isError(code) != 0 }
}

fn check(code: usize, context: &'static str) -> Result<usize, Error> {
    if is_error(code) {
        Err(Error::Library {
            context,
            code,
            message: error_message(code),
        })
    } else {
        Ok(code)
    }
}

/// An owned `ZSTD_CCtx`, freed on drop.
struct CCtx(NonNull<ffi::ZSTD_CCtx>);

// SAFETY: a ZSTD_CCtx has no thread affinity (its worker threads are internal to it); we only
// use it through `&mut self`, so it is never used from two threads at once.
unsafe impl Send for CCtx {}

impl CCtx {
    fn new() -> Result<CCtx, Error> {
        // SAFETY: ZSTD_createCCtx has no preconditions; it returns NULL when allocation fails.
        let ctx = unsafe { ffi::ZSTD_createCCtx() };
        NonNull::new(ctx).map(CCtx).ok_or(Error::Library {
            context: "allocate a compression context",
            code: 0,
            message: "out of memory".to_owned(),
        })
    }

    fn set(
        &mut self,
        param: ffi::ZSTD_cParameter,
        value: i32,
        context: &'static str,
    ) -> Result<(), Error> {
        // SAFETY: self.0 is a live context from ZSTD_createCCtx; the library validates the
        // parameter and value and reports an error code for bad ones.
        let code = unsafe { ffi::ZSTD_CCtx_setParameter(self.0.as_ptr(), param, value) };
        check(code, context).map(drop)
    }
}

impl Drop for CCtx {
    fn drop(&mut self) {
        // SAFETY: self.0 came from ZSTD_createCCtx and is freed exactly once, here.
        unsafe { ffi::ZSTD_freeCCtx(self.0.as_ptr()) };
    }
}

/// An owned `ZSTD_DCtx`, freed on drop.
struct DCtx(NonNull<ffi::ZSTD_DCtx>);

// SAFETY: a ZSTD_DCtx has no thread affinity; we only use it through `&mut self`.
unsafe impl Send for DCtx {}

impl Drop for DCtx {
    fn drop(&mut self) {
        // SAFETY: self.0 came from ZSTD_createDCtx and is freed exactly once, here.
        unsafe { ffi::ZSTD_freeDCtx(self.0.as_ptr()) };
    }
}

/// Compresses everything written to it into one zstd frame written to `W`.
///
/// Call [`finish`](ZstdEncoder::finish) at the end (see the [module docs](self)).
/// [`flush`](Write::flush) flushes `W` only: it does not end a block, so that the output does not
/// depend on when callers flush.
pub struct ZstdEncoder<W: Write>(stream::Encoder<CCtx, W>);

impl<W: Write> fmt::Debug for ZstdEncoder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZstdEncoder").finish_non_exhaustive()
    }
}

impl<W: Write> ZstdEncoder<W> {
    /// A single-threaded encoder at `level` (1 to 22; 3 is zstd's default, 19 its highest
    /// non-`--ultra` level).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`] for a level outside [`LEVELS`], [`Error::Library`] if the context
    /// cannot be allocated or configured (both inside an [`io::Error`]).
    pub fn new(writer: W, level: u32) -> io::Result<Self> {
        Self::build(writer, level, 0, None)
    }

    /// An encoder at `level` that compresses with `threads` worker threads
    /// (`ZSTD_c_nbWorkers`), like `zstd -T<threads>`.
    ///
    /// The output is the same for every `threads >= 1` (zstd guarantees it), but differs from
    /// [`ZstdEncoder::new`]'s.
    ///
    /// # Errors
    ///
    /// As [`ZstdEncoder::new`], and [`Error::InvalidThreads`] for `threads == 0`;
    /// [`Error::Library`] if the linked zstd was built without multi-threading support
    /// ([`max_threads`] is then 0).
    pub fn with_threads(writer: W, level: u32, threads: u32) -> io::Result<Self> {
        if threads == 0 {
            return Err(Error::InvalidThreads { threads }.into());
        }
        Self::build(writer, level, threads, None)
    }

    /// An encoder at `level` on `threads` worker threads (0: on the caller's thread, as
    /// [`ZstdEncoder::new`]) whose window is `2^window_log` bytes instead of the level's default
    /// (`ZSTD_c_windowLog`, like `zstd --zstd=wlog=N`). The level's other parameters stay.
    ///
    /// A decoder needs a buffer of the window's size: windows up to 2^27 (128 MiB) are what
    /// libzstd's decoder accepts by default (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`), so `zstd -d`,
    /// libarchive and rpm read them without options.
    ///
    /// # Errors
    ///
    /// As [`ZstdEncoder::with_threads`]; [`Error::Library`] for a `window_log` outside what the
    /// library accepts (10 to 31 on 64-bit systems).
    pub fn with_window_log(
        writer: W,
        level: u32,
        threads: u32,
        window_log: u32,
    ) -> io::Result<Self> {
        Self::build(writer, level, threads, Some(window_log))
    }

    fn build(writer: W, level: u32, threads: u32, window_log: Option<u32>) -> io::Result<Self> {
        if !LEVELS.contains(&level) {
            return Err(Error::InvalidLevel {
                level,
                allowed: LEVELS,
            }
            .into());
        }
        let mut ctx = CCtx::new()?;
        // Both values are small (checked above, or bounded by the library), so `as i32` is exact
        // for level; threads above i32::MAX are clamped and then refused by the library.
        ctx.set(
            ffi::ZSTD_c_compressionLevel,
            level as i32,
            "set the compression level",
        )?;
        ctx.set(ffi::ZSTD_c_checksumFlag, 1, "enable the content checksum")?;
        if let Some(log) = window_log {
            ctx.set(
                ffi::ZSTD_c_windowLog,
                i32::try_from(log).unwrap_or(i32::MAX),
                "set the window size (windowLog)",
            )?;
        }
        if threads > 0 {
            let workers = i32::try_from(threads).unwrap_or(i32::MAX);
            ctx.set(
                ffi::ZSTD_c_nbWorkers,
                workers,
                "set the number of worker threads (is the library built with multi-threading?)",
            )?;
        }
        // SAFETY: ZSTD_CStreamOutSize is a pure function with no preconditions.
        let out_size = unsafe { ffi::ZSTD_CStreamOutSize() };
        Ok(ZstdEncoder(stream::Encoder::new(ctx, writer, out_size)))
    }

    /// The writer the compressed data goes to.
    pub fn get_ref(&self) -> &W {
        self.0.get_ref()
    }

    /// Ends the frame, flushes and returns the writer.
    ///
    /// # Errors
    ///
    /// Any error of the library or of the writer; the output is then unusable.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

impl<W: Write> Write for ZstdEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl stream::Compress for CCtx {
    /// Runs `ZSTD_compressStream2` (`ZSTD_e_continue`, or `ZSTD_e_end` to end) once; the frame
    /// is ended when the library has nothing left to flush.
    fn compress(&mut self, input: &[u8], output: &mut [u8], end: bool) -> io::Result<Step> {
        let mode = if end {
            ffi::ZSTD_e_end
        } else {
            ffi::ZSTD_e_continue
        };
        let mut input = ffi::ZSTD_inBuffer {
            src: input.as_ptr().cast(),
            size: input.len(),
            pos: 0,
        };
        let mut output = ffi::ZSTD_outBuffer {
            dst: output.as_mut_ptr().cast(),
            size: output.len(),
            pos: 0,
        };
        // SAFETY: the context is live; `output` describes the output buffer (writable, `size`
        // bytes), `input` a live readable slice; both outlive the call.
        let code =
            unsafe { ffi::ZSTD_compressStream2(self.0.as_ptr(), &mut output, &mut input, mode) };
        let remaining = check(code, "compress")?;
        Ok(Step {
            consumed: input.pos,
            produced: output.pos,
            ended: remaining == 0,
        })
    }
}

/// Decompresses a zstd stream read from `R`: one frame or several concatenated frames (as
/// `zstd -d` does), skipping skippable frames.
///
/// A stream that ends inside a frame is an error ([`Error::Truncated`]), and so is an empty one
/// ([`Error::Empty`]).
pub struct ZstdDecoder<R: Read> {
    ctx: DCtx,
    source: Source<R>,
    started: bool,
    in_frame: bool,
    done: bool,
}

impl<R: Read> fmt::Debug for ZstdDecoder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZstdDecoder").finish_non_exhaustive()
    }
}

impl<R: Read> ZstdDecoder<R> {
    /// A decoder reading compressed data from `reader`.
    ///
    /// # Panics
    ///
    /// If the library cannot allocate a decompression context (out of memory), as `Vec` does.
    pub fn new(reader: R) -> Self {
        Self::try_new(reader)
            .expect("zstd failed to allocate a decompression context: out of memory")
    }

    /// As [`ZstdDecoder::new`], reporting an allocation failure as an error.
    ///
    /// # Errors
    ///
    /// [`Error::Library`] if the decompression context cannot be allocated.
    pub fn try_new(reader: R) -> io::Result<Self> {
        // SAFETY: ZSTD_createDCtx has no preconditions; it returns NULL when allocation fails.
        let ctx = NonNull::new(unsafe { ffi::ZSTD_createDCtx() }).ok_or(Error::Library {
            context: "allocate a decompression context",
            code: 0,
            message: "out of memory".to_owned(),
        })?;
        // SAFETY: ZSTD_DStreamInSize is a pure function with no preconditions.
        let in_size = unsafe { ffi::ZSTD_DStreamInSize() };
        Ok(ZstdDecoder {
            ctx: DCtx(ctx),
            source: Source::new(reader, in_size),
            started: false,
            in_frame: false,
            done: false,
        })
    }

    /// The reader the compressed data comes from.
    pub fn get_ref(&self) -> &R {
        self.source.get_ref()
    }

    /// Returns the reader. Input read ahead into the decoder's buffer is lost.
    pub fn into_inner(self) -> R {
        self.source.into_inner()
    }
}

impl<R: Read> Read for ZstdDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.done {
            return Ok(0);
        }
        loop {
            let at_end = self.source.refill()?;
            if at_end && !self.in_frame {
                if !self.started {
                    return Err(Error::Empty.into());
                }
                self.done = true;
                return Ok(0);
            }
            let mut input = ffi::ZSTD_inBuffer {
                src: self.source.unread().as_ptr().cast(),
                size: self.source.unread().len(),
                pos: 0,
            };
            let mut output = ffi::ZSTD_outBuffer {
                dst: out.as_mut_ptr().cast(),
                size: out.len(),
                pos: 0,
            };
            // SAFETY: the context is live; `input` describes the unread part of the input buffer and
            // `output` the caller's writable buffer, both valid for the whole call.
            let code =
                unsafe { ffi::ZSTD_decompressStream(self.ctx.0.as_ptr(), &mut output, &mut input) };
            if is_error(code) {
                return Err(Error::Corrupt {
                    code,
                    message: error_message(code),
                }
                .into());
            }
            self.source.consume(input.pos);
            self.started |= input.pos > 0;
            self.in_frame = code != 0;
            if output.pos > 0 {
                return Ok(output.pos);
            }
            if at_end && input.pos == 0 {
                // No input left, none consumed, nothing produced, and the frame is not complete.
                return Err(Error::Truncated.into());
            }
        }
    }
}
