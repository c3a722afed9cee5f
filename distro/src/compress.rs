//! Compression of package members and payloads, through the workspace's own sys crates.
//!
//! One native library is linked once in the whole workspace (Cargo allows one package per `links`
//! value), so every gzip, xz, zstd and bzip2 stream syspack writes or reads goes through
//! `syspack-{zlib,lzma,zstd,bzip2}-sys` — and the deflate of the gzip frames that packages
//! splice (`frames/deflate.rs`) through `syspack-libdeflate-sys`. [`Compression`] names a codec and its settings;
//! [`Encoder`] and [`decoder`] turn it into a stream.

use std::fmt;
use std::io::{self, Read, Write};

use crate::error::Error;

/// A compression codec and its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Stored as is.
    None,
    /// gzip (deflate), level 1–9.
    Gzip {
        /// Level 1–9.
        level: u32,
    },
    /// xz (LZMA2), level 0–9.
    Xz {
        /// Level 0–9.
        level: u32,
        /// Worker threads; 1 writes a single-block stream like `xz` without `-T`.
        threads: u32,
    },
    /// Zstandard, level 1–22.
    Zstd {
        /// Level 1–22.
        level: u32,
        /// Worker threads; 1 compresses on the calling thread.
        threads: u32,
    },
    /// bzip2, level 1–9.
    Bzip2 {
        /// Level 1–9.
        level: u32,
    },
}

impl Compression {
    /// gzip at syspack's default level, 9.
    pub const DEFAULT_GZIP: Compression = Compression::Gzip { level: 9 };
    /// xz at syspack's default level, 6 (`xz`'s), single-threaded.
    pub const DEFAULT_XZ: Compression = Compression::Xz {
        level: 6,
        threads: 1,
    };
    /// zstd at syspack's default level, 19, single-threaded: the default of the Arch, FreeBSD
    /// and rpm writers.
    pub const DEFAULT_ZSTD: Compression = Compression::Zstd {
        level: 19,
        threads: 1,
    };
    /// bzip2 at syspack's default level, 9 (`bzip2`'s).
    pub const DEFAULT_BZIP2: Compression = Compression::Bzip2 { level: 9 };

    /// The codec name as used on the command line and in file suffixes' descriptions.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip { .. } => "gzip",
            Compression::Xz { .. } => "xz",
            Compression::Zstd { .. } => "zstd",
            Compression::Bzip2 { .. } => "bzip2",
        }
    }

    /// The file name suffix (`.gz`, `.xz`, `.zst`, `.bz2`, or empty).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip { .. } => ".gz",
            Compression::Xz { .. } => ".xz",
            Compression::Zstd { .. } => ".zst",
            Compression::Bzip2 { .. } => ".bz2",
        }
    }

    /// The level as a number (0 for none).
    pub fn level(self) -> i64 {
        match self {
            Compression::None => 0,
            Compression::Gzip { level } | Compression::Bzip2 { level } => level as i64,
            Compression::Xz { level, .. } => level as i64,
            Compression::Zstd { level, .. } => level as i64,
        }
    }

    /// The default settings for a codec name (`gzip` 9, `xz` 6, `zstd` 19, `bzip2` 9), each
    /// single-threaded so output never depends on the machine's core count.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for an unknown name, listing the known ones.
    pub fn default_for(name: &str) -> Result<Self, Error> {
        Ok(match name {
            "none" => Compression::None,
            "gzip" | "gz" => Compression::DEFAULT_GZIP,
            "xz" => Compression::DEFAULT_XZ,
            "zstd" | "zst" => Compression::DEFAULT_ZSTD,
            "bzip2" | "bz2" => Compression::DEFAULT_BZIP2,
            _ => {
                return Err(Error::Parse {
                    what: "compression",
                    value: name.to_string(),
                    reason:
                        "supported: none, gzip, xz, zstd, bzip2 (optionally with a level: zstd:19)"
                            .to_string(),
                })
            }
        })
    }

    /// The same codec with `threads` workers (xz and zstd; others are unchanged).
    ///
    /// zstd's multi-threaded output is identical whatever the worker count (≥ 1), so it stays
    /// reproducible; xz's block layout depends only on the level, not the number of threads.
    pub fn with_threads(self, threads: u32) -> Self {
        match self {
            Compression::Xz { level, .. } => Compression::Xz {
                level,
                threads: threads.max(1),
            },
            Compression::Zstd { level, .. } => Compression::Zstd {
                level,
                threads: threads.max(1),
            },
            other => other,
        }
    }

    /// How many threads compressing `input` bytes into one stream keeps busy at most: a
    /// multi-threaded xz or zstd stream cuts its input into blocks (jobs) compressed in
    /// parallel, so it never uses more threads than it has blocks; gzip and bzip2 use one.
    ///
    /// The block sizes are the libraries' defaults, mirrored here for scheduling only (see
    /// [`crate::cores`]; they decide nothing about the output): liblzma cuts at three times the
    /// preset's dictionary size, libzstd at four times the level's window for large inputs
    /// (`ZSTDMT_computeTargetJobLog`, windows from its table of default parameters).
    pub fn busy_threads(self, input: u64) -> u32 {
        let (threads, block): (u32, u64) = match self {
            Compression::Xz { level, threads } if threads > 1 => {
                let dictionary_log = match level {
                    0 => 18,
                    1 => 20,
                    2 => 21,
                    3 | 4 => 22,
                    5 | 6 => 23,
                    7 => 24,
                    8 => 25,
                    _ => 26,
                };
                (threads, 3 << dictionary_log)
            }
            Compression::Zstd { level, threads }
                if threads > 1 && syspack_zstd_sys::safe::max_threads() > 0 =>
            {
                (threads, 4 << zstd_window_log(level))
            }
            _ => return 1,
        };
        let blocks = input.div_ceil(block).max(1);
        u32::try_from(blocks).map_or(threads, |b| b.min(threads))
    }
}

/// The window syspack's zstd frames are made with: never below 8 MiB (`2^MIN_ZSTD_WINDOW_LOG`).
///
/// zstd's own table gives levels 3 to 8 a 2 MiB window and level 16 a 4 MiB one (for large
/// inputs: `ZSTD_defaultCParameters` in `lib/compress/clevels.h`), so repeated content 2 to 8 MiB
/// apart in one file — large binaries, data files — is compressed again. An 8 MiB window is
/// what the Go zstd encoder of nfpm's Arch packages uses at its default level (`SpeedDefault`),
/// and costs a decoder 8 MiB, far below the 128 MiB every libzstd decoder accepts by default; on
/// the benchmark payload it makes zstd:3 packages 6.5 % smaller at about the same CPU time
/// (`bench/RESULTS.md`, section 2.11). Levels 17 and above keep their own, larger windows.
pub const MIN_ZSTD_WINDOW_LOG: u32 = 23;

/// The window (as `windowLog`) of syspack's zstd frames at `level`: the level's default for large
/// inputs, at least [`MIN_ZSTD_WINDOW_LOG`].
pub fn zstd_window_log(level: u32) -> u32 {
    zstd_default_window_log(level).max(MIN_ZSTD_WINDOW_LOG)
}

/// The window libzstd gives `level` for inputs above 256 KiB (`ZSTD_defaultCParameters`).
fn zstd_default_window_log(level: u32) -> u32 {
    match level {
        1 => 19,
        2 => 20,
        3..=8 => 21,
        9..=16 => 22,
        17..=19 => 23,
        20 => 25,
        21 => 26,
        _ => 27,
    }
}

/// A zstd encoder at `level` on `threads` workers (0: on the caller's thread) with syspack's
/// window ([`zstd_window_log`]): the one place zstd frames are started.
pub(crate) fn zstd_encoder<W: Write>(
    out: W,
    level: u32,
    threads: u32,
) -> io::Result<syspack_zstd_sys::safe::ZstdEncoder<W>> {
    if zstd_default_window_log(level) < MIN_ZSTD_WINDOW_LOG {
        syspack_zstd_sys::safe::ZstdEncoder::with_window_log(
            out,
            level,
            threads,
            MIN_ZSTD_WINDOW_LOG,
        )
    } else if threads > 0 {
        syspack_zstd_sys::safe::ZstdEncoder::with_threads(out, level, threads)
    } else {
        syspack_zstd_sys::safe::ZstdEncoder::new(out, level)
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            c => write!(f, "{}:{}", c.name(), c.level()),
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = Error;

    /// Parses `zstd`, `zstd:19`, `xz:6`, `gzip:9`, `bzip2`, `none`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, level) = match s.split_once(':') {
            Some((n, l)) => (n, Some(l)),
            None => (s, None),
        };
        let base = Compression::default_for(name)?;
        let Some(level) = level else { return Ok(base) };
        let bad = |range: &str| Error::Parse {
            what: "compression level",
            value: s.to_string(),
            reason: format!("{name} levels are {range}"),
        };
        Ok(match base {
            Compression::None => return Err(bad("not applicable (no compression)")),
            Compression::Gzip { .. } => match level.parse() {
                Ok(l @ 1..=9) => Compression::Gzip { level: l },
                _ => return Err(bad("1 to 9")),
            },
            Compression::Bzip2 { .. } => match level.parse() {
                Ok(l @ 1..=9) => Compression::Bzip2 { level: l },
                _ => return Err(bad("1 to 9")),
            },
            Compression::Xz { threads, .. } => match level.parse() {
                Ok(l @ 0..=9) => Compression::Xz { level: l, threads },
                _ => return Err(bad("0 to 9")),
            },
            Compression::Zstd { threads, .. } => match level.parse() {
                Ok(l @ 1..=22) => Compression::Zstd { level: l, threads },
                _ => return Err(bad("1 to 22")),
            },
        })
    }
}

/// A compressing writer for any [`Compression`]. Call [`Encoder::finish`]: dropping an encoder
/// without finishing leaves a truncated stream.
pub enum Encoder<W: Write> {
    /// No compression.
    None(W),
    /// gzip.
    Gzip(syspack_zlib_sys::safe::GzEncoder<W>),
    /// xz.
    Xz(syspack_lzma_sys::safe::XzEncoder<W>),
    /// zstd.
    Zstd(syspack_zstd_sys::safe::ZstdEncoder<W>),
    /// bzip2.
    Bzip2(syspack_bzip2_sys::safe::BzEncoder<W>),
}

impl<W: Write> Encoder<W> {
    /// Starts a compressed stream into `inner`.
    ///
    /// # Errors
    ///
    /// The codec's initialisation error (invalid level, out of memory).
    pub fn new(inner: W, compression: Compression) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Encoder::None(inner),
            Compression::Gzip { level } => {
                Encoder::Gzip(syspack_zlib_sys::safe::GzEncoder::new(inner, level)?)
            }
            Compression::Xz { level, threads } => {
                if threads > 1 {
                    Encoder::Xz(syspack_lzma_sys::safe::XzEncoder::with_threads(
                        inner, level, threads,
                    )?)
                } else {
                    Encoder::Xz(syspack_lzma_sys::safe::XzEncoder::new(inner, level)?)
                }
            }
            Compression::Zstd { level, threads } => {
                // A libzstd built without threads (Debian's static libzstd.a) rejects workers;
                // compress on this thread then (the bytes differ from a multi-threaded run,
                // whose output is the same for every worker count >= 1).
                let workers = if threads > 1 && syspack_zstd_sys::safe::max_threads() > 0 {
                    threads
                } else {
                    0
                };
                Encoder::Zstd(zstd_encoder(inner, level, workers)?)
            }
            Compression::Bzip2 { level } => {
                Encoder::Bzip2(syspack_bzip2_sys::safe::BzEncoder::new(inner, level)?)
            }
        })
    }

    /// Ends the stream and returns the inner writer.
    ///
    /// # Errors
    ///
    /// The codec's or the inner writer's error.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Xz(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
            Encoder::Bzip2(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Xz(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
            Encoder::Bzip2(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Xz(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
            Encoder::Bzip2(e) => e.flush(),
        }
    }
}

/// A decompressing reader for `compression` (settings other than the codec are ignored).
///
/// # Errors
///
/// The codec's initialisation error.
pub fn decoder<'a, R: Read + 'a>(
    inner: R,
    compression: Compression,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(inner),
        Compression::Gzip { .. } => Box::new(syspack_zlib_sys::safe::GzDecoder::new(inner)),
        Compression::Xz { .. } => Box::new(syspack_lzma_sys::safe::XzDecoder::with_memlimit(
            inner,
            crate::limits::MAX_XZ_DECODER_MEMORY,
        )),
        Compression::Zstd { .. } => Box::new(syspack_zstd_sys::safe::ZstdDecoder::new(inner)),
        Compression::Bzip2 { .. } => Box::new(syspack_bzip2_sys::safe::BzDecoder::new(inner)),
    })
}

/// Recognises a compressed stream by its magic bytes (for readers of members whose name does not
/// say, and to cross-check those whose name does).
pub fn sniff(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::DEFAULT_GZIP
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Compression::DEFAULT_XZ
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::DEFAULT_ZSTD
    } else if head.starts_with(b"BZh") {
        Compression::DEFAULT_BZIP2
    } else {
        Compression::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_keeps_as_many_threads_busy_as_it_has_blocks() {
        const MIB: u64 = 1 << 20;
        let xz = Compression::Xz {
            level: 6,
            threads: 4,
        };
        // xz -6 cuts at 24 MiB (three times its 8 MiB dictionary).
        assert_eq!(xz.busy_threads(10 * MIB), 1);
        assert_eq!(xz.busy_threads(48 * MIB), 2);
        assert_eq!(xz.busy_threads(60 * MIB), 3);
        assert_eq!(xz.busy_threads(1 << 40), 4);
        assert_eq!(xz.with_threads(1).busy_threads(1 << 40), 1);
        assert_eq!(Compression::Gzip { level: 9 }.busy_threads(1 << 40), 1);
        assert_eq!(Compression::None.busy_threads(0), 1);
        let zstd19 = Compression::Zstd {
            level: 19,
            threads: 2,
        };
        if syspack_zstd_sys::safe::max_threads() > 0 {
            // zstd -19 jobs are 32 MiB (four times its 8 MiB window).
            assert_eq!(zstd19.busy_threads(32 * MIB), 1);
            assert_eq!(zstd19.busy_threads(33 * MIB), 2);
            assert_eq!(zstd19.with_threads(8).busy_threads(100 * MIB), 4);
        } else {
            assert_eq!(
                zstd19.busy_threads(1 << 40),
                1,
                "no workers without threads"
            );
        }
    }

    #[test]
    fn names_and_levels_parse() {
        assert_eq!(
            "zstd:3".parse::<Compression>().unwrap(),
            Compression::Zstd {
                level: 3,
                threads: 1
            }
        );
        assert_eq!(
            "xz".parse::<Compression>().unwrap(),
            Compression::Xz {
                level: 6,
                threads: 1
            }
        );
        let err = "zstd:99".parse::<Compression>().unwrap_err().to_string();
        assert!(err.contains("1 to 22"), "{err}");
        let err = "lz4".parse::<Compression>().unwrap_err().to_string();
        assert!(
            err.contains("supported: none, gzip, xz, zstd, bzip2"),
            "{err}"
        );
    }

    #[test]
    fn every_codec_round_trips() {
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for c in ["none", "gzip:6", "xz:1", "zstd:3", "bzip2:1"] {
            let c: Compression = c.parse().unwrap();
            let mut enc = Encoder::new(Vec::new(), c).unwrap();
            enc.write_all(&data).unwrap();
            let out = enc.finish().unwrap();
            assert_eq!(sniff(&out).name(), c.name());
            let mut back = Vec::new();
            decoder(&out[..], c)
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "{c}");
        }
    }
}
