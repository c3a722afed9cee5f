//! Compress once, package many.
//!
//! Packaging one release for four families means compressing the same file contents four times;
//! at the levels distros use (zstd 19, xz 6, gzip 9) that is nearly all of the time. But the
//! formats' compressed streams need not be one compressed frame each:
//!
//! * a zstd stream may be a concatenation of independent frames, and a gzip stream of independent
//!   members; rpm ≥ 4.14 (`rpm2cpio`, `rpm -i`) and libarchive (bsdtar, pacman, FreeBSD's pkg)
//!   read every frame or member of such a stream, and dpkg reads every gzip member;
//! * dpkg (1.21, 1.22) stops at the end of the **first** zstd frame and the first xz stream, so a
//!   `.deb` compressed with zstd or xz needs its own single-frame data.tar (see [`splices`]).
//!
//! A gzip stream made this way is one member of deflate segments rather than a member per frame
//! (see `codec.rs`), which is cheap enough that with two or more gzip packages every file gets a
//! segment of its own ([`deflate_shares_small_files`]).
//!
//! So each large file's content is compressed once into frames of its own ([`SharedContent`],
//! in parallel, while its digests are computed in the same read), and every format that may
//! splice writes its stream as frames of its own bytes (headers and small files, up to
//! [`FRAME_CAP`] uncompressed bytes each) with the shared frames copied in between
//! ([`PayloadEncoder`]). Both kinds of frame are kept in a content-addressed [`FrameCache`],
//! keyed by the SHA-256 of their uncompressed bytes and the codec settings, which makes
//! packaging again (a new target, unchanged files) mostly a matter of copying.
//!
//! The output depends only on the inputs and the settings, never on the cache: a frame is the
//! same bytes whether it was just compressed or found in the cache, zstd frames are always made
//! by the multi-threaded compressor (whose output does not depend on the worker count), and which
//! files get shared frames depends only on their size ([`SHARE_THRESHOLD`]).
//!
//! The size cost: a shared file's frame cannot refer back to earlier files, and per-format
//! frames restart the codec's window every [`FRAME_CAP`] bytes. Measured on the benchmark payload
//! (`bench/packaging.sh`), see `bench/RESULTS.md`.

mod cache;
mod codec;
mod content;
mod deflate;
mod digest;
mod encoder;
mod entry;
mod prune;

pub use cache::{file_stamp, FrameCache, StoredFrame};
pub use codec::SEGMENT_TRAILER;
pub use content::SharedContent;
pub use digest::FileDigests;
pub(crate) use encoder::{file_digests, md5_hex};
pub use encoder::{ContentSink, PayloadEncoder, StreamKey};
pub(crate) use entry::entry_body_len;
pub use entry::ENTRY_CHECKSUM;
pub use prune::{KindUsage, Pruned};

use crate::compress::Compression;
use crate::Format;

/// Files at least this large get frames of their own, shared by every format that splices; smaller
/// files are compressed with their neighbours in each format's own frames, where they compress
/// better.
pub const SHARE_THRESHOLD: u64 = 256 * 1024;

/// Whether every file that is not empty gets a frame of `codec` (not only those of
/// [`SHARE_THRESHOLD`] or more) when `packages` packages splice frames of it: for gzip used by two
/// or more packages (a `.deb` and an rpm at nfpm's settings), yes.
///
/// A small file compressed alone loses the context of its neighbours, but deflate's window is
/// only 32 KiB, so that costs little. In return each small file is compressed once instead of
/// once per package, and alone, which zlib does faster than in a stream (its hash chains stay
/// short). The measured size and CPU time of both ways are in `bench/RESULTS.md`, section 2.1.
/// zstd's windows reach megabytes, and level 19 gains much from neighbouring files, so zstd
/// frames stay for large files.
pub fn deflate_shares_small_files(codec: Compression, packages: usize) -> bool {
    matches!(codec, Compression::Gzip { .. }) && packages >= 2
}

/// The most uncompressed bytes in one frame of a format's own bytes (tar or cpio headers and
/// small files). Bounds memory (one buffer per writer) and gives the cache units that survive a
/// change elsewhere in the package.
pub const FRAME_CAP: usize = 8 << 20;

/// Whether a package of `format` compressed with `compression` may be written as concatenated
/// independent frames (and so use shared frames): zstd and gzip for rpm, Arch and FreeBSD
/// (rpm's and libarchive's readers continue after a frame), gzip only for `.deb` (dpkg stops after
/// the first zstd frame or xz stream, and reads every gzip member).
pub fn splices(format: Format, compression: Compression) -> bool {
    match compression {
        Compression::Gzip { .. } => true,
        Compression::Zstd { .. } => format != Format::Deb,
        Compression::None | Compression::Xz { .. } | Compression::Bzip2 { .. } => false,
    }
}

/// The settings a frame is compressed with, reduced to what changes its bytes: the codec and
/// level (threads never change zstd's multi-threaded output, and frames are always made that way).
pub(crate) fn frame_codec(compression: Compression) -> Option<Compression> {
    match compression {
        Compression::Gzip { level } => Some(Compression::Gzip { level }),
        Compression::Zstd { level, .. } => Some(Compression::Zstd { level, threads: 2 }),
        _ => None,
    }
}
