//! Round trips through the safe API, and against the `bzip2` command.
#[path = "../../test-support/common.rs"]
mod common;

use std::io::{self, Read, Write};

use syspack_bzip2_sys::safe::{BzDecoder, BzEncoder};
use syspack_bzip2_sys::Error;

fn compress(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = BzEncoder::new(Vec::new(), level).unwrap();
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    BzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

fn error_of(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<Error>())
        .expect("a syspack_bzip2_sys::Error inside")
}

#[test]
fn round_trip_default_level() {
    let data = common::corpus();
    let compressed = compress(&data, 9);
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
    for level in [1, 9] {
        let compressed = compress(&data, level);
        assert_eq!(
            compressed[3],
            b'0' + level as u8,
            "block size in the header"
        );
        assert_eq!(decompress(&compressed).unwrap(), data, "level {level}");
    }
}

#[test]
fn round_trip_empty() {
    let compressed = compress(b"", 9);
    assert_eq!(compressed.len(), 14, "header and end-of-stream marker");
    assert_eq!(decompress(&compressed).unwrap(), b"");
}

#[test]
fn output_does_not_depend_on_write_sizes() {
    let data = common::corpus_of(1 << 20);
    let whole = compress(&data, 9);
    let mut encoder = BzEncoder::new(Vec::new(), 9).unwrap();
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
    let mut joined = compress(&a, 1);
    joined.extend(compress(&b, 9));
    joined.extend(compress(b"", 5));
    let mut expected = a;
    expected.extend(b);
    let mut decoder = BzDecoder::new(&joined[..]);
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
    let compressed = compress(&common::corpus_of(100_000), 9);
    let err = decompress(&compressed[..compressed.len() - 5]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    assert!(matches!(error_of(&err), Error::Truncated));
}

#[test]
fn corrupt_and_empty_input_are_errors() {
    let err = decompress(b"this is not bzip2 data at all").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(
        matches!(error_of(&err), Error::Corrupt { code: -5, .. }),
        "{err}"
    );
    let mut compressed = compress(&common::corpus_of(100_000), 9);
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
    for level in [0, 10] {
        let err = BzEncoder::new(Vec::new(), level).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            format!("bzip2 compression level {level} is out of range: use a level from 1 to 9")
        );
    }
}

#[test]
fn bzip2_command_reads_our_output() {
    let data = common::corpus();
    for level in [1, 9] {
        let ours = compress(&data, level);
        assert_eq!(
            common::run_tool("bzip2", &["-d", "-c"], &ours, "bzip2"),
            data,
            "level {level}"
        );
    }
}

#[test]
fn we_read_bzip2_command_output() {
    let data = common::corpus();
    for args in [&["-c", "-1"][..], &["-c", "-9"][..]] {
        let theirs = common::run_tool("bzip2", args, &data, "bzip2");
        assert_eq!(decompress(&theirs).unwrap(), data, "bzip2 {args:?}");
    }
}

#[test]
fn decoder_handles_tiny_reads() {
    let a = common::corpus_of(100_000);
    let b = common::corpus_of(5_000);
    let mut joined = compress(&a, 9);
    joined.extend(compress(&b, 1));
    let mut out = Vec::new();
    BzDecoder::new(common::Trickle::new(&joined))
        .read_to_end(&mut out)
        .unwrap();
    let mut expected = a;
    expected.extend(b);
    assert_eq!(out, expected);
    let err = BzDecoder::new(common::Trickle::new(&joined[..joined.len() - 1]))
        .read_to_end(&mut out)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
}
