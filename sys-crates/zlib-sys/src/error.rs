use std::fmt;
use std::io;
use std::ops::RangeInclusive;

/// What went wrong in a gzip stream. The [`safe`](crate::safe) API returns it inside an
/// [`io::Error`] (see [`Error::kind`]); get it back with `io::Error::get_ref` and `downcast_ref`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A compression level outside the range this API accepts.
    InvalidLevel {
        /// The level asked for.
        level: u32,
        /// The levels accepted.
        allowed: RangeInclusive<u32>,
    },
    /// The C library refused an operation (allocation, a parameter, a compression step).
    Library {
        /// What was being done.
        context: &'static str,
        /// The library's error code.
        code: i32,
        /// The library's message for the code (`strm.msg`, or `zError`).
        message: String,
    },
    /// The compressed input is not valid gzip data.
    Corrupt {
        /// The library's error code.
        code: i32,
        /// The library's message for the code (`strm.msg`, or `zError`).
        message: String,
    },
    /// The compressed input ends inside a gzip member.
    Truncated,
    /// The compressed input has no bytes at all.
    Empty,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidLevel { level, allowed } => write!(
                f,
                "gzip compression level {level} is out of range: use a level from {} to {}",
        allowed.start(),
        allowed.end()
            ),
            Error::Library { context, message, .. } => write!(
                f,
                "gzip failed to {context}: {message}"
            ),
            Error::Corrupt { message, .. } => write!(
                f,
                "gzip input is corrupt or not gzip data: {message}"
            ),
            Error::Truncated => write!(
                f,
                "gzip input is truncated: it ends inside a gzip member; check that it was completely written"
            ),
            Error::Empty => write!(
                f,
                "gzip input is empty: expected at least one gzip member"
            ),
        }
    }
}

impl std::error::Error for Error {}

io_error_impls!(invalid_input: Error::InvalidLevel { .. });
