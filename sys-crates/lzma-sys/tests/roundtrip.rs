//! Round trips through the safe API, and against the `xz` command.
#[path = "../../test-support/common.rs"]
mod common;

use std::io::{self, Read, Write};

use syspack_lzma_sys::safe::{XzDecoder, XzEncoder};
use syspack_lzma_sys::Error;

fn compress(data: &[u8], level: u32, threads: u32) -> Vec<u8> {
    let mut encoder = if threads == 0 {
        XzEncoder::new(Vec::new(), level).unwrap()
    } else {
        XzEncoder::with_threads(Vec::new(), level, threads).unwrap()
    };
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    XzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

fn error_of(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("a syspack_lzma_sys::Error inside")
}

/// The number of blocks in an .xz file, as `xz --robot --list` reports it.
fn xz_blocks(compressed: &[u8]) -> u64 {
    let path =
        std::env::temp_dir().join(format!("syspack-lzma-sys-test-{}.xz", std::process::id()));
    std::fs::write(&path, compressed).unwrap();
    let listing = common::run_tool(
        "xz",
        &["--robot", "--list", path.to_str().unwrap()],
        b"",
        "xz-utils",
    );
    std::fs::remove_file(&path).unwrap();
    let listing = String::from_utf8(listing).unwrap();
    let totals = listing
        .lines()
        .find(|l| l.starts_with("file\t"))
        .expect("a `file` line");
    totals.split('\t').nth(2).unwrap().parse().unwrap()
}

#[test]
fn round_trip_default_level() {
    let data = common::corpus();
    let compressed = compress(&data, 6, 0);
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
    let data = common::corpus_of(512 << 10);
    for level in [0, 9] {
        assert_eq!(
            decompress(&compress(&data, level, 0)).unwrap(),
            data,
            "level {level}"
        );
    }
}

#[test]
fn round_trip_empty() {
    for threads in [0, 2] {
        let compressed = compress(b"", 6, threads);
        assert_eq!(compressed.len(), 32, "stream header, empty index, footer");
        assert_eq!(decompress(&compressed).unwrap(), b"");
    }
}

#[test]
fn round_trip_multithreaded() {
    let data = common::corpus();
    // Preset 0: 256 KiB dictionary, so 1 MiB blocks (liblzma's minimum; else 3 x dictionary):
    // 3 MiB make three blocks, compressed in parallel, where the single-threaded encoder writes
    // one.
    let two = compress(&data, 0, 2);
    assert_eq!(decompress(&two).unwrap(), data);
    assert_eq!(
        xz_blocks(&two),
        3,
        "the multi-threaded encoder splits into blocks"
    );
    assert_eq!(xz_blocks(&compress(&data, 0, 0)), 1);
    // liblzma's block splitting does not depend on the thread count.
    assert_eq!(compress(&data, 0, 1), two);
}

#[test]
fn output_does_not_depend_on_write_sizes() {
    let data = common::corpus_of(1 << 20);
    let whole = compress(&data, 1, 0);
    let mut encoder = XzEncoder::new(Vec::new(), 1).unwrap();
    for chunk in data.chunks(997) {
        encoder.write_all(chunk).unwrap();
        encoder.flush().unwrap();
    }
    assert_eq!(encoder.finish().unwrap(), whole);
}

#[test]
fn decoder_reads_concatenated_streams() {
    let a = common::corpus_of(300_000);
    let b = b"second stream".to_vec();
    let mut joined = compress(&a, 1, 0);
    joined.extend(compress(&b, 9, 2));
    joined.extend([0u8; 8]); // stream padding
    joined.extend(compress(b"", 6, 0));
    let mut expected = a;
    expected.extend(b);
    let mut decoder = XzDecoder::new(&joined[..]);
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
    let compressed = compress(&common::corpus_of(100_000), 6, 0);
    let err = decompress(&compressed[..compressed.len() - 5]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    assert!(matches!(error_of(&err), Error::Truncated));
}

#[test]
fn corrupt_and_empty_input_are_errors() {
    let err = decompress(b"this is not xz data at all").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        err.to_string(),
        "xz input is corrupt or not xz data: file format not recognized"
    );
    let mut compressed = compress(&common::corpus_of(100_000), 6, 0);
    compressed[100] ^= 0xff;
    assert_eq!(
        decompress(&compressed).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
    let err = decompress(b"").unwrap_err();
    assert!(matches!(error_of(&err), Error::Empty), "{err}");
}

#[test]
fn bad_arguments_are_errors() {
    let err = XzEncoder::new(Vec::new(), 10).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "xz compression level 10 is out of range: use a level from 0 to 9"
    );
    let err = XzEncoder::with_threads(Vec::new(), 6, 0).unwrap_err();
    assert!(matches!(
        error_of(&err),
        Error::InvalidThreads { threads: 0 }
    ));
}

#[test]
fn xz_command_reads_our_output() {
    let data = common::corpus();
    for (level, threads) in [(6, 0), (6, 2)] {
        let ours = compress(&data, level, threads);
        assert_eq!(
            common::run_tool("xz", &["-d", "-c"], &ours, "xz-utils"),
            data,
            "level {level}, threads {threads}"
        );
        // CRC64, as xz writes by default: stream flags byte 7 is 0x04.
        assert_eq!(ours[7], 0x04);
    }
}

#[test]
fn we_read_xz_command_output() {
    let data = common::corpus();
    for args in [&["-c", "-6"][..], &["-c", "-0", "-T2"][..]] {
        let theirs = common::run_tool("xz", args, &data, "xz-utils");
        assert_eq!(decompress(&theirs).unwrap(), data, "xz {args:?}");
    }
}

#[test]
fn decoder_handles_tiny_reads() {
    let a = common::corpus_of(100_000);
    let b = common::corpus_of(5_000);
    let mut joined = compress(&a, 6, 0);
    joined.extend(compress(&b, 6, 2));
    let mut out = Vec::new();
    XzDecoder::new(common::Trickle::new(&joined))
        .read_to_end(&mut out)
        .unwrap();
    let mut expected = a;
    expected.extend(b);
    assert_eq!(out, expected);
    let err = XzDecoder::new(common::Trickle::new(&joined[..joined.len() - 1]))
        .read_to_end(&mut out)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
}
