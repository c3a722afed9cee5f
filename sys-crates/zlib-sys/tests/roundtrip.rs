//! Round trips through the safe API, and against the `gzip` command.
#[path = "../../test-support/common.rs"]
mod common;

use std::io::{self, Read, Write};

use syspack_zlib_sys::safe::{GzDecoder, GzEncoder};
use syspack_zlib_sys::Error;

fn compress(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), level).unwrap();
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

fn error_of(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("a syspack_zlib_sys::Error inside")
}

#[test]
fn round_trip_default_level() {
    let data = common::corpus();
    let compressed = compress(&data, 6);
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
    let data = common::corpus_of(1 << 20);
    let stored = compress(&data, 0);
    assert!(stored.len() > data.len(), "level 0 stores");
    assert_eq!(decompress(&stored).unwrap(), data);
    assert_eq!(decompress(&compress(&data, 9)).unwrap(), data);
}

#[test]
fn round_trip_empty() {
    let compressed = compress(b"", 6);
    assert_eq!(compressed.len(), 20, "header, empty final block, trailer");
    assert_eq!(decompress(&compressed).unwrap(), b"");
}

#[test]
fn header_is_reproducible() {
    let compressed = compress(b"hello", 9);
    // ID1 ID2 CM FLG | MTIME (4) | XFL OS
    assert_eq!(
        &compressed[..4],
        &[0x1f, 0x8b, 8, 0],
        "no name, comment, extra or header CRC"
    );
    assert_eq!(&compressed[4..8], &[0, 0, 0, 0], "mtime 0");
    assert_eq!(compressed[9], 3, "OS = Unix");
}

#[test]
fn output_does_not_depend_on_write_sizes() {
    let data = common::corpus_of(1 << 20);
    let whole = compress(&data, 6);
    let mut encoder = GzEncoder::new(Vec::new(), 6).unwrap();
    for chunk in data.chunks(997) {
        encoder.write_all(chunk).unwrap();
        encoder.flush().unwrap();
    }
    assert_eq!(encoder.finish().unwrap(), whole);
}

#[test]
fn decoder_reads_concatenated_members() {
    let a = common::corpus_of(300_000);
    let b = b"second member".to_vec();
    let mut joined = compress(&a, 1);
    joined.extend(compress(&b, 9));
    joined.extend(compress(b"", 6));
    let mut expected = a;
    expected.extend(b);
    let mut decoder = GzDecoder::new(&joined[..]);
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
    let compressed = compress(&common::corpus_of(100_000), 6);
    let err = decompress(&compressed[..compressed.len() - 5]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    assert!(matches!(error_of(&err), Error::Truncated));
}

#[test]
fn corrupt_and_empty_input_are_errors() {
    let err = decompress(b"this is not gzip data at all").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        err.to_string(),
        "gzip input is corrupt or not gzip data: incorrect header check"
    );
    let mut compressed = compress(&common::corpus_of(100_000), 6);
    let n = compressed.len();
    compressed[n - 6] ^= 0xff; // the CRC32
    let err = decompress(&compressed).unwrap_err();
    assert_eq!(
        err.to_string(),
        "gzip input is corrupt or not gzip data: incorrect data check"
    );
    let mut trailing = compress(b"x", 6);
    trailing.extend_from_slice(b"garbage!");
    assert_eq!(
        decompress(&trailing).unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
    let err = decompress(b"").unwrap_err();
    assert!(matches!(error_of(&err), Error::Empty), "{err}");
}

#[test]
fn bad_arguments_are_errors() {
    let err = GzEncoder::new(Vec::new(), 10).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(
        err.to_string(),
        "gzip compression level 10 is out of range: use a level from 0 to 9"
    );
}

#[test]
fn gzip_command_reads_our_output() {
    let data = common::corpus();
    for level in [1, 9] {
        let ours = compress(&data, level);
        assert_eq!(
            common::run_tool("gzip", &["-d", "-c"], &ours, "gzip"),
            data,
            "level {level}"
        );
    }
}

#[test]
fn we_read_gzip_command_output() {
    let data = common::corpus();
    for args in [&["-c", "-1"][..], &["-c", "-9"][..]] {
        let theirs = common::run_tool("gzip", args, &data, "gzip");
        assert_eq!(decompress(&theirs).unwrap(), data, "gzip {args:?}");
    }
}

#[test]
fn decoder_handles_tiny_reads() {
    let a = common::corpus_of(100_000);
    let b = common::corpus_of(5_000);
    let mut joined = compress(&a, 6);
    joined.extend(compress(&b, 9));
    let mut out = Vec::new();
    GzDecoder::new(common::Trickle::new(&joined))
        .read_to_end(&mut out)
        .unwrap();
    let mut expected = a;
    expected.extend(b);
    assert_eq!(out, expected);
    let err = GzDecoder::new(common::Trickle::new(&joined[..joined.len() - 1]))
        .read_to_end(&mut out)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
}
