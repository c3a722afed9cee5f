//! Round trips through the safe API, and against the `xz` command.
use std::io::{self, Read};

use syspack_lzma_sys::safe::{XzDecoder, XzEncoder};
use syspack_lzma_sys::Error;
use syspack_sys_test_support::{common, roundtrip};

struct Xz;

impl roundtrip::Codec for Xz {
    type Error = Error;
    type Encoder = XzEncoder<Vec<u8>>;
    const TOOL: &'static str = "xz";
    const APT_PACKAGE: &'static str = "xz-utils";
    const DECOMPRESS_ARGS: &'static [&'static str] = &["-d", "-c"];

    fn encoder(level: u32, threads: u32) -> io::Result<Self::Encoder> {
        if threads == 0 {
            XzEncoder::new(Vec::new(), level)
        } else {
            XzEncoder::with_threads(Vec::new(), level, threads)
        }
    }

    fn finish(encoder: Self::Encoder) -> io::Result<Vec<u8>> {
        encoder.finish()
    }

    fn decoder<'a, R: Read + 'a>(input: R) -> impl Read + 'a {
        XzDecoder::new(input)
    }
}

fn compress(data: &[u8], level: u32, threads: u32) -> Vec<u8> {
    roundtrip::compress::<Xz>(data, level, threads)
}

fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    roundtrip::decompress::<Xz>(data)
}

fn error_of(e: &io::Error) -> &Error {
    roundtrip::error_of::<Xz>(e)
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
    roundtrip::check_round_trip::<Xz>(6);
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
    roundtrip::check_write_sizes_do_not_matter::<Xz>(1);
}

#[test]
fn decoder_reads_concatenated_streams() {
    // With stream padding between the second and the third.
    roundtrip::check_concatenated::<Xz>(b"second stream", [(1, 0), (9, 2), (6, 0)], &[0u8; 8]);
}

#[test]
fn truncated_input_is_an_error() {
    let err = roundtrip::truncated_error::<Xz>(6);
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
    for ours in roundtrip::check_tool_reads_ours::<Xz>(&[(6, 0), (6, 2)]) {
        // CRC64, as xz writes by default: stream flags byte 7 is 0x04.
        assert_eq!(ours[7], 0x04);
    }
}

#[test]
fn we_read_xz_command_output() {
    roundtrip::check_we_read_tool::<Xz>(&[&["-c", "-6"], &["-c", "-0", "-T2"]]);
}

#[test]
fn decoder_handles_tiny_reads() {
    roundtrip::check_tiny_reads::<Xz>([(6, 0), (6, 2)]);
}
