use std::io;
use std::ops::RangeInclusive;

/// What went wrong in a bzip2 stream. The [`safe`](crate::safe) API returns it inside an
/// [`io::Error`] (see [`Error::kind`]); get it back with `io::Error::get_ref` and `downcast_ref`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A compression level outside the range this API accepts.
    #[error(
        "bzip2 compression level {level} is out of range: use a level from {} to {}",
        allowed.start(),
        allowed.end()
    )]
    InvalidLevel {
        /// The level asked for.
        level: u32,
        /// The levels accepted.
        allowed: RangeInclusive<u32>,
    },
    /// The C library refused an operation (allocation, a parameter, a compression step).
    #[error("bzip2 failed to {context}: {message}")]
    Library {
        /// What was being done.
        context: &'static str,
        /// The library's error code.
        code: i32,
        /// The library's message for the code (bzip2 has no message function: ours for the code).
        message: String,
    },
    /// The compressed input is not valid bzip2 data.
    #[error("bzip2 input is corrupt or not bzip2 data: {message}")]
    Corrupt {
        /// The library's error code.
        code: i32,
        /// The library's message for the code (bzip2 has no message function: ours for the code).
        message: String,
    },
    /// The compressed input ends inside a bzip2 stream.
    #[error("bzip2 input is truncated: it ends inside a bzip2 stream; check that it was completely written")]
    Truncated,
    /// The compressed input has no bytes at all.
    #[error("bzip2 input is empty: expected at least one bzip2 stream")]
    Empty,
}

io_error_impls!(invalid_input: Error::InvalidLevel { .. });
