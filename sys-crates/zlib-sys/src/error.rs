use std::io;
use std::ops::RangeInclusive;

/// What went wrong in a gzip stream. The [`safe`](crate::safe) API returns it inside an
/// [`io::Error`] (see [`Error::kind`]); get it back with `io::Error::get_ref` and `downcast_ref`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A compression level outside the range this API accepts.
    #[error(
        "gzip compression level {level} is out of range: use a level from {} to {}",
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
    #[error("gzip failed to {context}: {message}")]
    Library {
        /// What was being done.
        context: &'static str,
        /// The library's error code.
        code: i32,
        /// The library's message for the code (`strm.msg`, or `zError`).
        message: String,
    },
    /// The compressed input is not valid gzip data.
    #[error("gzip input is corrupt or not gzip data: {message}")]
    Corrupt {
        /// The library's error code.
        code: i32,
        /// The library's message for the code (`strm.msg`, or `zError`).
        message: String,
    },
    /// The compressed input ends inside a gzip member.
    #[error("gzip input is truncated: it ends inside a gzip member; check that it was completely written")]
    Truncated,
    /// The compressed input has no bytes at all.
    #[error("gzip input is empty: expected at least one gzip member")]
    Empty,
}

io_error_impls!(invalid_input: Error::InvalidLevel { .. });
