//! Round trips through the safe API, and against the `zstd` command.
#[path = "../../test-support/common.rs"]
mod common;

use std::io::{self, Read, Write};

use syspack_zstd_sys::safe::{ZstdDecoder, ZstdEncoder};
use syspack_zstd_sys::Error;

fn compress(data: &[u8], level: u32, threads: u32) -> Vec<u8> {
    let mut encoder = if threads == 0 {
        ZstdEncoder::new(Vec::new(), level).unwrap()
    } else {
        ZstdEncoder::with_threads(Vec::new(), level, threads).unwrap()
    };
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
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
    let mut out = Vec::new();
    ZstdDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

fn error_of(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("a syspack_zstd_sys::Error inside")
}

#[test]
fn round_trip_default_level() {
    let data = common::corpus();
    let compressed = compress(&data, 3, 0);
    assert!(
        compressed.len() < data.len() * 3 / 4,
        "{} -> {}",
        data.len(),
        compressed.len()
    );
    assert_eq!(decompress(&compressed).unwrap(), data);
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
    let data = common::corpus_of(1 << 20);
    let whole = compress(&data, 5, 0);
    let mut encoder = ZstdEncoder::new(Vec::new(), 5).unwrap();
    for chunk in data.chunks(997) {
        encoder.write_all(chunk).unwrap();
        encoder.flush().unwrap();
    }
    assert_eq!(encoder.finish().unwrap(), whole);
}

#[test]
fn decoder_reads_concatenated_frames() {
    let a = common::corpus_of(300_000);
    let b = b"second frame".to_vec();
    let mut joined = compress(&a, 1, 0);
    joined.extend(compress(&b, 19, threads()));
    joined.extend(compress(b"", 3, 0));
    let mut expected = a;
    expected.extend(b);
    // Read through a small buffer, so frames end in the middle of reads.
    let mut decoder = ZstdDecoder::new(&joined[..]);
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = decoder.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, expected);
}

#[test]
fn truncated_input_is_an_error() {
    let compressed = compress(&common::corpus_of(100_000), 3, 0);
    let err = decompress(&compressed[..compressed.len() - 5]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
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
    let data = common::corpus();
    for (level, threads) in [(3, 0), (19, threads())] {
        let ours = compress(&data, level, threads);
        assert_eq!(
            common::run_tool("zstd", &["-d", "-c", "-q"], &ours, "zstd"),
            data,
            "level {level}, threads {threads}"
        );
    }
}

#[test]
fn we_read_zstd_command_output() {
    let data = common::corpus();
    for args in [&["-c", "-q", "-3"][..], &["-c", "-q", "-19", "-T2"][..]] {
        let theirs = common::run_tool("zstd", args, &data, "zstd");
        assert_eq!(decompress(&theirs).unwrap(), data, "zstd {args:?}");
    }
}

#[test]
fn decoder_handles_tiny_reads() {
    let a = common::corpus_of(100_000);
    let b = common::corpus_of(5_000);
    let mut joined = compress(&a, 3, 0);
    joined.extend(compress(&b, 19, threads()));
    let mut out = Vec::new();
    ZstdDecoder::new(common::Trickle::new(&joined))
        .read_to_end(&mut out)
        .unwrap();
    let mut expected = a;
    expected.extend(b);
    assert_eq!(out, expected);
    let err = ZstdDecoder::new(common::Trickle::new(&joined[..joined.len() - 1]))
        .read_to_end(&mut out)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
}
