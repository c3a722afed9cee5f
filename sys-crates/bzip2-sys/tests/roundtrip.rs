//! Round trips through the safe API, and against the `bzip2` command.
use std::io::{self, Read};

use syspack_bzip2_sys::safe::{BzDecoder, BzEncoder};
use syspack_bzip2_sys::Error;
use syspack_sys_test_support::{common, roundtrip};

struct Bzip2;

impl roundtrip::Codec for Bzip2 {
    type Error = Error;
    type Encoder = BzEncoder<Vec<u8>>;
    const TOOL: &'static str = "bzip2";
    const APT_PACKAGE: &'static str = "bzip2";
    const DECOMPRESS_ARGS: &'static [&'static str] = &["-d", "-c"];

    fn encoder(level: u32, threads: u32) -> io::Result<Self::Encoder> {
        assert_eq!(threads, 0, "bzip2 has no worker threads");
        BzEncoder::new(Vec::new(), level)
    }

    fn finish(encoder: Self::Encoder) -> io::Result<Vec<u8>> {
        encoder.finish()
    }

    fn decoder<'a, R: Read + 'a>(input: R) -> impl Read + 'a {
        BzDecoder::new(input)
    }
}

fn compress(data: &[u8], level: u32) -> Vec<u8> {
    roundtrip::compress::<Bzip2>(data, level, 0)
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    roundtrip::decompress::<Bzip2>(data)
}

fn error_of(e: &io::Error) -> &Error {
    roundtrip::error_of::<Bzip2>(e)
}

#[test]
fn round_trip_default_level() {
    roundtrip::check_round_trip::<Bzip2>(9);
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
    roundtrip::check_write_sizes_do_not_matter::<Bzip2>(9);
}

#[test]
fn decoder_reads_concatenated_streams() {
    roundtrip::check_concatenated::<Bzip2>(b"second stream", [(1, 0), (9, 0), (5, 0)], b"");
}

#[test]
fn truncated_input_is_an_error() {
    let err = roundtrip::truncated_error::<Bzip2>(9);
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
    roundtrip::check_tool_reads_ours::<Bzip2>(&[(1, 0), (9, 0)]);
}

#[test]
fn we_read_bzip2_command_output() {
    roundtrip::check_we_read_tool::<Bzip2>(&[&["-c", "-1"], &["-c", "-9"]]);
}

#[test]
fn decoder_handles_tiny_reads() {
    roundtrip::check_tiny_reads::<Bzip2>([(9, 0), (1, 0)]);
}
