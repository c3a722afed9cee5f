//! Round trips through the safe API, and against the `zstd` command.
use std::io::{self, Read};

use syspack_sys_test_support::{common, roundtrip};
use syspack_zstd_sys::safe::{ZstdDecoder, ZstdEncoder};
use syspack_zstd_sys::Error;

struct Zstd;

impl roundtrip::Codec for Zstd {
    type Error = Error;
    type Encoder = ZstdEncoder<Vec<u8>>;
    const TOOL: &'static str = "zstd";
    const APT_PACKAGE: &'static str = "zstd";
    const DECOMPRESS_ARGS: &'static [&'static str] = &["-d", "-c", "-q"];

    fn encoder(level: u32, threads: u32) -> io::Result<Self::Encoder> {
        if threads == 0 {
            ZstdEncoder::new(Vec::new(), level)
        } else {
            ZstdEncoder::with_threads(Vec::new(), level, threads)
        }
    }

    fn finish(encoder: Self::Encoder) -> io::Result<Vec<u8>> {
        encoder.finish()
    }

    fn decoder<'a, R: Read + 'a>(input: R) -> impl Read + 'a {
        ZstdDecoder::new(input)
    }
}

fn compress(data: &[u8], level: u32, threads: u32) -> Vec<u8> {
    roundtrip::compress::<Zstd>(data, level, threads)
}

/// The worker count for the tests that use a multi-threaded frame when the linked library can
/// write one: 2, or 0 for a single-threaded library (see `thread_support_matches_the_build`).
fn threads() -> u32 {
    if syspack_zstd_sys::safe::max_threads() > 0 {
        2
    } else {
        0
    }
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    roundtrip::decompress::<Zstd>(data)
}

fn error_of(e: &io::Error) -> &Error {
    roundtrip::error_of::<Zstd>(e)
}

#[test]
fn round_trip_default_level() {
    roundtrip::check_round_trip::<Zstd>(3);
}

#[test]
fn round_trip_level_extremes() {
    let data = common::corpus_of(256 << 10);
    for level in [1, 22] {
        assert_eq!(
            decompress(&compress(&data, level, 0)).unwrap(),
            data,
            "level {level}"
        );
    }
}

#[test]
fn round_trip_empty() {
    for threads in [0, threads()] {
        let compressed = compress(b"", 3, threads);
        assert!(!compressed.is_empty());
        assert_eq!(decompress(&compressed).unwrap(), b"");
    }
}

#[test]
fn thread_support_matches_the_build() {
    let provenance = common::provenance(syspack_zstd_sys::PROVENANCE_JSON);
    let max = syspack_zstd_sys::safe::max_threads();
    if provenance["mode"] == "vendored" {
        // build.rs defines ZSTD_MULTITHREAD.
        assert!(max >= 2, "the vendored zstd must be multi-threaded: {max}");
    }
    let result = ZstdEncoder::with_threads(Vec::new(), 3, 2);
    if max == 0 {
        let Err(err) = result else {
            panic!("a single-threaded zstd must refuse workers");
        };
        assert!(
            matches!(error_of(&err), Error::Library { message, .. } if message == "Unsupported parameter"),
            "{err}"
        );
    } else {
        assert!(result.is_ok(), "max_threads() is {max}");
    }
}

#[test]
fn round_trip_multithreaded() {
    if syspack_zstd_sys::safe::max_threads() == 0 {
        // Checked by `thread_support_matches_the_build`.
        return;
    }
    let data = common::corpus();
    let two = compress(&data, 3, 2);
    assert_eq!(decompress(&two).unwrap(), data);
    // zstd guarantees the same bytes for every worker count >= 1.
    assert_eq!(compress(&data, 3, 1), two);
}

#[test]
fn output_does_not_depend_on_write_sizes() {
    roundtrip::check_write_sizes_do_not_matter::<Zstd>(5);
}

#[test]
fn decoder_reads_concatenated_frames() {
    roundtrip::check_concatenated::<Zstd>(b"second frame", [(1, 0), (19, threads()), (3, 0)], b"");
}

#[test]
fn truncated_input_is_an_error() {
    let err = roundtrip::truncated_error::<Zstd>(3);
    assert!(matches!(error_of(&err), Error::Truncated));
}

#[test]
fn corrupt_and_empty_input_are_errors() {
    let err = decompress(b"this is not zstd data at all").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(
        err.to_string().contains("Unknown frame descriptor"),
        "{err}"
    );
    let mut compressed = compress(&common::corpus_of(100_000), 3, 0);
    let n = compressed.len();
    compressed[n - 2] ^= 0xff; // the content checksum
    let err = decompress(&compressed).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    let err = decompress(b"").unwrap_err();
    assert!(matches!(error_of(&err), Error::Empty), "{err}");
}

#[test]
fn bad_arguments_are_errors() {
    for level in [0, 23] {
        let err = ZstdEncoder::new(Vec::new(), level).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            format!("zstd compression level {level} is out of range: use a level from 1 to 22")
        );
    }
    let err = ZstdEncoder::with_threads(Vec::new(), 3, 0).unwrap_err();
    assert!(matches!(
        error_of(&err),
        Error::InvalidThreads { threads: 0 }
    ));
}

#[test]
fn zstd_command_reads_our_output() {
    roundtrip::check_tool_reads_ours::<Zstd>(&[(3, 0), (19, threads())]);
}

#[test]
fn we_read_zstd_command_output() {
    roundtrip::check_we_read_tool::<Zstd>(&[&["-c", "-q", "-3"], &["-c", "-q", "-19", "-T2"]]);
}

#[test]
fn decoder_handles_tiny_reads() {
    roundtrip::check_tiny_reads::<Zstd>([(3, 0), (19, threads())]);
}

/// Content repeated 4 MiB back: beyond level 3's own 2 MiB window, inside an 8 MiB one.
fn repeated_4_mib_back() -> Vec<u8> {
    let block = common::corpus_of(4 << 20);
    let block = &block[..4 << 20];
    [block, block].concat()
}

/// The window of a frame, from its header (RFC 8878, 3.1.1.1.2: `Window_Descriptor`), for a
/// frame that is not single-segment.
fn declared_window(frame: &[u8]) -> u64 {
    assert_eq!(frame[..4], [0x28, 0xb5, 0x2f, 0xfd], "zstd magic");
    let descriptor = frame[4];
    assert_eq!(
        descriptor & 0x20,
        0,
        "a streamed frame is not single-segment"
    );
    let w = frame[5];
    let base = 1u64 << (10 + (w >> 3));
    base + base / 8 * u64::from(w & 7)
}

#[test]
fn a_wider_window_finds_repeats_beyond_the_levels_own() {
    let data = repeated_4_mib_back();
    let default = compress(&data, 3, threads());
    let mut wide = ZstdEncoder::with_window_log(Vec::new(), 3, threads(), 23).unwrap();
    io::Write::write_all(&mut wide, &data).unwrap();
    let wide = wide.finish().unwrap();
    assert_eq!(declared_window(&default), 2 << 20);
    assert_eq!(declared_window(&wide), 8 << 20);
    // The second copy costs nearly nothing with the wide window, a full copy without it.
    assert!(
        wide.len() < default.len() * 6 / 10,
        "wide {} bytes, default {} bytes, of {}",
        wide.len(),
        default.len(),
        data.len()
    );
    assert_eq!(decompress(&wide).unwrap(), data);
    assert_eq!(
        common::run_tool("zstd", &["-d", "-c", "-q"], &wide, "zstd"),
        data,
        "zstd -d reads an 8 MiB window without options"
    );
    // Outside what the library accepts: its own error, not a panic.
    assert!(ZstdEncoder::with_window_log(Vec::new(), 3, 0, 40).is_err());
}
