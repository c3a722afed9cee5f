//! Round trips through the safe API, and against the `gzip` command.
#[path = "../../test-support/common.rs"]
mod common;
#[path = "../../test-support/roundtrip.rs"]
mod roundtrip;

use std::io::{self, Read, Write};

use syspack_zlib_sys::safe::{
    crc32, crc32_combine, DeflateSegmentEncoder, GzDecoder, GzEncoder, GzipSplicer,
};
use syspack_zlib_sys::Error;

struct Gzip;

impl roundtrip::Codec for Gzip {
    type Error = Error;
    type Encoder = GzEncoder<Vec<u8>>;
    const TOOL: &'static str = "gzip";
    const APT_PACKAGE: &'static str = "gzip";
    const DECOMPRESS_ARGS: &'static [&'static str] = &["-d", "-c"];

    fn encoder(level: u32, threads: u32) -> io::Result<Self::Encoder> {
        assert_eq!(threads, 0, "gzip has no worker threads");
        GzEncoder::new(Vec::new(), level)
    }

    fn finish(encoder: Self::Encoder) -> io::Result<Vec<u8>> {
        encoder.finish()
    }

    fn decoder<'a, R: Read + 'a>(input: R) -> impl Read + 'a {
        GzDecoder::new(input)
    }
}

fn compress(data: &[u8], level: u32) -> Vec<u8> {
    roundtrip::compress::<Gzip>(data, level, 0)
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    roundtrip::decompress::<Gzip>(data)
}

fn error_of(e: &io::Error) -> &Error {
    roundtrip::error_of::<Gzip>(e)
}

#[test]
fn round_trip_default_level() {
    roundtrip::check_round_trip::<Gzip>(6);
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
    roundtrip::check_write_sizes_do_not_matter::<Gzip>(6);
}

#[test]
fn decoder_reads_concatenated_members() {
    roundtrip::check_concatenated::<Gzip>(b"second member", [(1, 0), (9, 0), (6, 0)], b"");
}

#[test]
fn truncated_input_is_an_error() {
    let err = roundtrip::truncated_error::<Gzip>(6);
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
    roundtrip::check_tool_reads_ours::<Gzip>(&[(1, 0), (9, 0)]);
}

#[test]
fn we_read_gzip_command_output() {
    roundtrip::check_we_read_tool::<Gzip>(&[&["-c", "-1"], &["-c", "-9"]]);
}

#[test]
fn decoder_handles_tiny_reads() {
    roundtrip::check_tiny_reads::<Gzip>([(6, 0), (9, 0)]);
}

/// A member spliced from separately compressed segments, with `parts` in the given order.
fn spliced(parts: &[&[u8]], level: u32) -> Vec<u8> {
    let mut member = GzipSplicer::new(Vec::new(), level).unwrap();
    for part in parts {
        let mut segment = DeflateSegmentEncoder::new(Vec::new(), level).unwrap();
        segment.write_all(part).unwrap();
        let (bytes, summary) = segment.finish().unwrap();
        assert_eq!(summary.len, part.len() as u64);
        assert_eq!(summary.crc, crc32(0, part));
        member.writer().extend_from_slice(&bytes);
        member.account(summary);
    }
    member.finish().unwrap()
}

#[test]
fn spliced_segments_are_one_member_that_gzip_and_we_read() {
    let corpus = common::corpus();
    let (a, b) = corpus.split_at(corpus.len() / 3);
    let parts: [&[u8]; 4] = [b"a header of its own\n", a, b"", b];
    for level in [1, 6, 9] {
        let member = spliced(&parts, level);
        let whole: Vec<u8> = parts.concat();
        assert_eq!(decompress(&member).unwrap(), whole, "level {level}");
        let by_gzip = common::run_tool("gzip", &["-d", "-c"], &member, "gzip");
        assert!(by_gzip == whole, "gzip -d reads the spliced member");
        // The header is the one GzEncoder writes at that level.
        assert_eq!(member[..10], compress(b"x", level)[..10], "level {level}");
    }
    // The same segment bytes whatever surrounds them: a segment refers to nothing before it.
    let mut seg = DeflateSegmentEncoder::new(Vec::new(), 9).unwrap();
    seg.write_all(b).unwrap();
    let (alone, _) = seg.finish().unwrap();
    let member = spliced(&parts, 9);
    assert!(member.windows(alone.len()).any(|w| w == alone));
}

#[test]
fn crc_combines_like_one_pass() {
    let corpus = common::corpus();
    let (a, b) = corpus.split_at(1234);
    assert_eq!(
        crc32_combine(crc32(0, a), crc32(0, b), b.len() as u64),
        crc32(0, &corpus)
    );
    assert_eq!(
        crc32(0, b"123456789"),
        0xcbf4_3926,
        "the CRC-32 check value"
    );
}
