use std::fmt;
use std::io;
use std::ops::RangeInclusive;

/// What went wrong in a xz stream. The [`safe`](crate::safe) API returns it inside an
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
    /// A thread count of zero.
    InvalidThreads {
        /// The thread count asked for.
        threads: u32,
    },
    /// The C library refused an operation (allocation, a parameter, a compression step).
    Library {
        /// What was being done.
        context: &'static str,
        /// The library's error code.
        code: u32,
        /// The library's message for the code (the message `xz` prints for the code).
        message: String,
    },
    /// The compressed input is not valid xz data.
    Corrupt {
        /// The library's error code.
        code: u32,
        /// The library's message for the code (the message `xz` prints for the code).
        message: String,
    },
    /// The compressed input ends inside an xz stream.
    Truncated,
    /// The compressed input has no bytes at all.
    Empty,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidLevel { level, allowed } => write!(
                f,
                "xz compression level {level} is out of range: use a level from {} to {}",
        allowed.start(),
        allowed.end()
            ),
            Error::InvalidThreads { threads } => write!(
                f,
                "xz thread count {threads} is invalid: use at least 1, or `XzEncoder::new` for single-threaded compression"
            ),
            Error::Library { context, message, .. } => write!(
                f,
                "xz failed to {context}: {message}"
            ),
            Error::Corrupt { message, .. } => write!(
                f,
                "xz input is corrupt or not xz data: {message}"
            ),
            Error::Truncated => write!(
                f,
                "xz input is truncated: it ends inside an xz stream; check that it was completely written"
            ),
            Error::Empty => write!(
                f,
                "xz input is empty: expected at least one xz stream"
            ),
        }
    }
}

impl std::error::Error for Error {}

io_error_impls!(invalid_input: Error::InvalidLevel { .. } | Error::InvalidThreads { .. });
