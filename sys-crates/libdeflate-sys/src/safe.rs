//! A safe one-shot raw deflate compressor over libdeflate.

use std::fmt;
use std::ops::RangeInclusive;
use std::ptr::NonNull;

use crate::ffi;

/// The compression levels libdeflate accepts: 0 (store) to 12 (its slowest, smallest).
pub const LEVELS: RangeInclusive<u32> = 0..=12;

/// The version of libdeflate this binary was built against (`1.23`), from [`crate::PROVENANCE_JSON`]:
/// libdeflate has no run-time version call. With a system shared library that is the version
/// pkg-config reported at build time.
pub fn version() -> &'static str {
    const KEY: &str = "\"version\":\"";
    let json = crate::PROVENANCE_JSON;
    json.find(KEY)
        .map(|at| &json[at + KEY.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown")
}

/// What went wrong in a libdeflate call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A compression level outside [`LEVELS`].
    InvalidLevel {
        /// The level asked for.
        level: u32,
    },
    /// libdeflate could not allocate a compressor (out of memory).
    OutOfMemory,
    /// The output did not fit in the bound libdeflate itself gave (a bug in libdeflate or here).
    NoRoom {
        /// Uncompressed bytes.
        input: usize,
        /// The room given.
        room: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidLevel { level } => write!(
                f,
                "libdeflate compression level {level} is out of range: use a level from {} to {}",
                LEVELS.start(),
                LEVELS.end()
            ),
            Error::OutOfMemory => f.write_str(
                "libdeflate could not allocate a compressor: out of memory (free some memory or use fewer cores)",
            ),
            Error::NoRoom { input, room } => write!(
                f,
                "libdeflate's output for {input} bytes did not fit in the {room} bytes of its own bound (a bug; please report it)"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        let kind = match e {
            Error::InvalidLevel { .. } => std::io::ErrorKind::InvalidInput,
            Error::OutOfMemory => std::io::ErrorKind::OutOfMemory,
            Error::NoRoom { .. } => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}

/// CRC-32 (the gzip trailer's checksum, the same function as zlib's `crc32`) of `bytes`,
/// continuing from `crc` (0 to start). libdeflate computes it with the CPU's carry-less multiply
/// (PCLMULQDQ/VPCLMULQDQ on x86-64, PMULL on arm64) when it has one, several times faster than
/// zlib 1.2's table-driven version.
pub fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    // SAFETY: the pointer and length describe `bytes`, which libdeflate only reads; a pure
    // function otherwise.
    unsafe { ffi::libdeflate_crc32(crc, bytes.as_ptr().cast(), bytes.len()) }
}

/// A libdeflate compressor at one level, reused for any number of buffers. Its output for a
/// buffer depends only on the buffer, the level and the libdeflate release (not on what it
/// compressed before).
pub struct Compressor {
    raw: NonNull<ffi::libdeflate_compressor>,
    level: u32,
}

// SAFETY: the compressor is owned by this value alone and used only through `&mut self`;
// libdeflate keeps no thread-local or global state for it.
unsafe impl Send for Compressor {}

impl fmt::Debug for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compressor")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Compressor {
    /// A compressor at `level` ([`LEVELS`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLevel`], or [`Error::OutOfMemory`] when libdeflate cannot allocate it.
    pub fn new(level: u32) -> Result<Self, Error> {
        if !LEVELS.contains(&level) {
            return Err(Error::InvalidLevel { level });
        }
        // SAFETY: any level in 0..=12 is valid; a null result means no memory.
        let raw = unsafe { ffi::libdeflate_alloc_compressor(level as std::os::raw::c_int) };
        NonNull::new(raw)
            .map(|raw| Compressor { raw, level })
            .ok_or(Error::OutOfMemory)
    }

    /// The level.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// The most bytes [`Compressor::deflate`] can write for `len` input bytes.
    pub fn bound(&mut self, len: usize) -> usize {
        // SAFETY: the compressor is valid; the call only reads its parameters.
        unsafe { ffi::libdeflate_deflate_compress_bound(self.raw.as_ptr(), len) }
    }

    /// Appends to `out` one complete raw deflate stream (RFC 1951; its last block is final)
    /// holding `input`.
    ///
    /// # Errors
    ///
    /// [`Error::NoRoom`] if libdeflate broke its own bound (never expected).
    pub fn deflate(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let room = self.bound(input.len());
        out.reserve(room);
        let start = out.len();
        // SAFETY: `input` is readable for its length; `out` has `room` bytes of spare capacity
        // from `start`, which libdeflate writes at most `room` of; the compressor is valid and
        // used by this thread alone (`&mut self`).
        let written = unsafe {
            ffi::libdeflate_deflate_compress(
                self.raw.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().add(start).cast(),
                room,
            )
        };
        if written == 0 {
            return Err(Error::NoRoom {
                input: input.len(),
                room,
            });
        }
        // SAFETY: libdeflate initialised exactly `written` (≤ room) bytes after `start`.
        unsafe { out.set_len(start + written) };
        Ok(())
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_compressor in `new`, freed exactly once, here.
        unsafe { ffi::libdeflate_free_compressor(self.raw.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_gives_the_standard_check_value_and_continues() {
        // The CRC-32 (ISO-HDLC, gzip's) check value of "123456789".
        assert_eq!(crc32(0, b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(crc32(0, b"1234"), b"56789"), 0xCBF4_3926);
        assert_eq!(crc32(0, b""), 0);
        // Long enough for the vectorised path, with a split not on its stride.
        let long: Vec<u8> = (0..100_003u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = crc32(0, &long);
        assert_eq!(crc32(crc32(0, &long[..33_333]), &long[33_333..]), whole);
        assert_ne!(whole, crc32(0, &long[1..]));
    }
}
