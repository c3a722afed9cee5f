//! Round trips through the safe API, and against the `gzip` command.
use std::io::{self, Read, Write};

use syspack_sys_test_support::{common, roundtrip};
use syspack_zlib_sys::safe::{
    close_into_segment, crc32, crc32_combine, DeflateSegmentEncoder, GzDecoder, GzEncoder,
    GzipSplicer, SegmentSummary, PROBE_BLOCK,
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

/// `len` pseudo-random bytes (xorshift64*), which deflate cannot compress.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// `len` bytes of text: words from a small vocabulary, spaces and newlines.
fn text(len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "package", "version", "depends", "library", "segment", "deflate", "stored", "block", "the",
        "a", "of", "and", "to", "in", "is", "with", "for", "probe", "level", "window",
    ];
    let choices = random_bytes(len, 7);
    let mut out = Vec::with_capacity(len + 16);
    for (i, byte) in choices.iter().enumerate() {
        if out.len() >= len {
            break;
        }
        out.extend_from_slice(WORDS[usize::from(*byte) % WORDS.len()].as_bytes());
        out.push(if i % 11 == 10 { b'\n' } else { b' ' });
    }
    out.truncate(len);
    out
}

/// `data` as one segment at `level`, written in pieces whose sizes cycle through `sizes`; checks
/// the summary.
fn segment_in_pieces(data: &[u8], level: u32, sizes: &[usize]) -> Vec<u8> {
    let mut encoder = DeflateSegmentEncoder::new(Vec::new(), level).unwrap();
    let mut rest = data;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at((*size).min(rest.len()));
        encoder.write_all(piece).unwrap();
        encoder.flush().unwrap();
        rest = tail;
    }
    let (bytes, summary) = encoder.finish().unwrap();
    assert_eq!(summary.len, data.len() as u64, "level {level}");
    assert_eq!(summary.crc, crc32(0, data), "level {level}");
    bytes
}

/// `data` as one segment at `level`, written whole.
fn segment(data: &[u8], level: u32) -> Vec<u8> {
    segment_in_pieces(data, level, &[usize::MAX])
}

/// `data` decompressed from a member spliced of its segment at `level`, by us and by `gzip -d`;
/// returns the segment.
fn check_segment_round_trip(data: &[u8], level: u32) -> Vec<u8> {
    let bytes = segment(data, level);
    let mut member = GzipSplicer::new(Vec::new(), level).unwrap();
    member.writer().extend_from_slice(&bytes);
    member.account(SegmentSummary {
        crc: crc32(0, data),
        len: data.len() as u64,
    });
    let member = member.finish().unwrap();
    assert!(decompress(&member).unwrap() == data, "level {level}");
    let by_gzip = common::run_tool("gzip", &["-d", "-c"], &member, "gzip");
    assert!(by_gzip == data, "gzip -d reads the member, level {level}");
    bytes
}

#[test]
fn random_input_is_stored() {
    // Full blocks and a last block long enough to be probed.
    let data = random_bytes(12 * PROBE_BLOCK + 54_321, 1);
    let stored = segment(&data, 0);
    for level in [1, 6, 9] {
        let bytes = check_segment_round_trip(&data, level);
        // Compressing it at level 9 would come out about 700 bytes above stored.
        assert!(
            bytes.len() <= stored.len() + 16,
            "level {level}: {} bytes, stored {}",
            bytes.len(),
            stored.len()
        );
    }
    // Stored blocks are at most 64 KiB, with a 5-byte header each.
    assert!(stored.len() <= data.len() + 5 * (data.len() / 65_000 + 2));
}

/// What `data` compresses to at `level` without the probe: the deflate data of GzEncoder (which
/// never stores blocks on its own), less its 18 bytes of header and trailer.
fn unprobed_len(data: &[u8], level: u32) -> usize {
    compress(data, level).len() - 18
}

#[test]
fn compressible_input_is_compressed_as_without_probe() {
    let corpus = common::corpus();
    for data in [text(3 << 20), corpus] {
        for level in [1, 9] {
            let bytes = check_segment_round_trip(&data, level);
            // The segment ends with a sync flush (an empty stored block) where the member ends
            // with a final block: a few bytes either way.
            let unprobed = unprobed_len(&data, level);
            assert!(
                bytes.len().abs_diff(unprobed) <= 8,
                "level {level}: {} bytes, {unprobed} without the probe",
                bytes.len()
            );
            assert!(bytes.len() < data.len() * 3 / 4);
        }
    }
}

/// Random blocks, then text, then random blocks and a short random tail.
fn mixed() -> (Vec<u8>, [usize; 3]) {
    let lens = [4 * PROBE_BLOCK, 3 * PROBE_BLOCK, 2 * PROBE_BLOCK + 70_000];
    let mut data = random_bytes(lens[0], 2);
    data.extend(text(lens[1]));
    data.extend(random_bytes(lens[2], 3));
    (data, lens)
}

#[test]
fn mixed_input_stores_only_the_random_blocks() {
    let (data, [first, middle, last]) = mixed();
    let text_alone = segment(&data[first..first + middle], 9).len();
    assert!(text_alone < middle / 2);
    let bytes = check_segment_round_trip(&data, 9);
    // The random parts stored (5 bytes per stored block of up to 64 KiB), the text compressed as
    // if alone (give or take the block boundaries and the restart after stored blocks).
    let random = first + last;
    let expected = random + 5 * (random / 65_000 + 4) + text_alone;
    assert!(
        bytes.len() <= expected + 256,
        "{} bytes, expected about {expected}",
        bytes.len()
    );
    // Stored blocks hold the input as it is: pieces of both random parts are there verbatim,
    // pieces of the text are not.
    let verbatim = |at: usize| bytes.windows(256).any(|w| w == &data[at..at + 256]);
    assert!(verbatim(100_000) && verbatim(first + middle + 100_000));
    assert!(!verbatim(first + 100_000));
}

#[test]
fn segment_output_does_not_depend_on_write_sizes() {
    let (mut data, _) = mixed();
    data.extend(text(100_000));
    for level in [0, 1, 9] {
        let whole = segment(&data, level);
        for sizes in [
            &[1, 7, 4096, 1 << 20][..],
            &[7],
            &[4096],
            &[1 << 20],
            &[PROBE_BLOCK - 1, 2],
        ] {
            assert!(
                segment_in_pieces(&data, level, sizes) == whole,
                "level {level}, writes of {sizes:?}"
            );
        }
    }
    // And byte by byte, on less data.
    let data = &data[3 * PROBE_BLOCK..5 * PROBE_BLOCK + 1000];
    assert!(segment_in_pieces(data, 9, &[1]) == segment(data, 9));
}

/// Complete raw deflate streams made by another compressor (Python's zlib, levels 0, 1 and 9:
/// stored, fixed and dynamic blocks) of inputs of 0 to 299 bytes and a few large ones, so that
/// their final blocks end at every bit position of a byte; each turned into a segment, all
/// spliced into one member that zlib and `gzip -d` read back whole.
#[test]
fn complete_streams_closed_into_segments_splice_at_every_bit_position() {
    const SCRIPT: &str = r#"
import sys, zlib
out = sys.stdout.buffer
def emit(b):
    out.write(len(b).to_bytes(4, "little")); out.write(b)
for level in (0, 1, 9):
    sizes = list(range(300)) + [70000, 200003]
    for n in sizes:
        data = bytes((i * 7 + (i >> 3) * n) % 251 for i in range(n))
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        emit(data); emit(c.compress(data) + c.flush())
"#;
    let raw = common::run_tool("python3", &["-c", SCRIPT], b"", "python3");
    let mut fields = Vec::new();
    let mut rest = &raw[..];
    while !rest.is_empty() {
        let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        fields.push(&rest[4..4 + len]);
        rest = &rest[4 + len..];
    }
    let mut member = GzipSplicer::new(Vec::new(), 9).unwrap();
    let mut whole = Vec::new();
    for pair in fields.chunks(2) {
        let (data, stream) = (pair[0], pair[1]);
        // After other bytes, which are left alone.
        let mut segment = b"before".to_vec();
        segment.extend_from_slice(stream);
        assert_eq!(
            close_into_segment(&mut segment, 6).unwrap(),
            data.len() as u64
        );
        assert_eq!(&segment[..6], b"before");
        assert!(
            segment.ends_with(&[0, 0, 0xff, 0xff]),
            "ends with an empty stored block"
        );
        member.writer().extend_from_slice(&segment[6..]);
        member.account(SegmentSummary {
            crc: crc32(0, data),
            len: data.len() as u64,
        });
        whole.extend_from_slice(data);
    }
    let member = member.finish().unwrap();
    assert!(
        decompress(&member).unwrap() == whole,
        "zlib reads the member"
    );
    let by_gzip = common::run_tool("gzip", &["-d", "-c"], &member, "gzip");
    assert!(by_gzip == whole, "gzip -d reads the member");
}

#[test]
fn closing_refuses_what_is_not_one_complete_stream() {
    let stream = {
        let mut gz = GzEncoder::new(Vec::new(), 6).unwrap();
        gz.write_all(&common::corpus_of(100_000)).unwrap();
        gz.finish().unwrap()
    };
    // A gzip member is not raw deflate: its header is read as a block of a reserved type,
    // or as garbage.
    let mut not_raw = stream.clone();
    assert!(matches!(
        close_into_segment(&mut not_raw, 0),
        Err(Error::Corrupt { .. })
    ));
    // The raw deflate inside, cut short, and with a byte after it.
    let raw = &stream[10..stream.len() - 8];
    let mut cut = raw[..raw.len() / 2].to_vec();
    assert!(matches!(
        close_into_segment(&mut cut, 0),
        Err(Error::Corrupt { .. })
    ));
    let mut longer = raw.to_vec();
    longer.push(0);
    let err = close_into_segment(&mut longer, 0).unwrap_err();
    assert!(err.to_string().contains("1 bytes after"), "{err}");
    let mut exact = raw.to_vec();
    assert_eq!(close_into_segment(&mut exact, 0).unwrap(), 100_000);
}
