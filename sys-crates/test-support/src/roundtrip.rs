//! Round-trip test bodies shared by the four compression sys crates' `tests/roundtrip.rs`, generic
//! over the codec. Each crate's test file keeps what is its own: levels, headers, error messages,
//! threads.

use std::io::{self, Read, Write};

use crate::common;

/// A compression format's safe API, as the shared test bodies use it.
pub trait Codec {
    /// The crate's error type, inside the `io::Error`s of the safe API.
    type Error: std::error::Error + 'static;
    /// The encoder type.
    type Encoder: Write;
    /// The command-line tool for the format, and the package that installs it.
    const TOOL: &'static str;
    /// The package that installs [`Codec::TOOL`].
    const APT_PACKAGE: &'static str;
    /// The tool's arguments to decompress stdin to stdout.
    const DECOMPRESS_ARGS: &'static [&'static str];

    /// An encoder at `level` writing to a `Vec`, with `threads` worker threads (0: the
    /// single-threaded constructor).
    fn encoder(level: u32, threads: u32) -> io::Result<Self::Encoder>;
    /// Finishes the encoder.
    fn finish(encoder: Self::Encoder) -> io::Result<Vec<u8>>;
    /// A decoder reading `input`.
    fn decoder<'a, R: Read + 'a>(input: R) -> impl Read + 'a;
}

/// `data` compressed at `level` with `threads` worker threads.
pub fn compress<C: Codec>(data: &[u8], level: u32, threads: u32) -> Vec<u8> {
    let mut encoder = C::encoder(level, threads).unwrap();
    encoder.write_all(data).unwrap();
    C::finish(encoder).unwrap()
}

/// `data` decompressed.
pub fn decompress<C: Codec>(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    C::decoder(data).read_to_end(&mut out)?;
    Ok(out)
}

/// The crate's error inside `e`.
pub fn error_of<C: Codec>(e: &io::Error) -> &C::Error {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<C::Error>())
        .unwrap_or_else(|| panic!("a {} inside", std::any::type_name::<C::Error>()))
}

/// The corpus compresses to less than three quarters at `level` and decompresses to itself.
pub fn check_round_trip<C: Codec>(level: u32) {
    let data = common::corpus();
    let compressed = compress::<C>(&data, level, 0);
    assert!(
        compressed.len() < data.len() * 3 / 4,
        "{} -> {}",
        data.len(),
        compressed.len()
    );
    assert_eq!(decompress::<C>(&compressed).unwrap(), data);
}

/// The output is the same whether the input is written whole or in small pieces with flushes.
pub fn check_write_sizes_do_not_matter<C: Codec>(level: u32) {
    let data = common::corpus_of(1 << 20);
    let whole = compress::<C>(&data, level, 0);
    let mut encoder = C::encoder(level, 0).unwrap();
    for chunk in data.chunks(997) {
        encoder.write_all(chunk).unwrap();
        encoder.flush().unwrap();
    }
    assert_eq!(C::finish(encoder).unwrap(), whole);
}

/// The decoder reads three concatenated streams (300 000 bytes of corpus, `second`, nothing)
/// compressed with `(level, threads)` from `settings`, with `padding` after the second, through
/// a small buffer so that streams end in the middle of reads.
pub fn check_concatenated<C: Codec>(second: &[u8], settings: [(u32, u32); 3], padding: &[u8]) {
    let a = common::corpus_of(300_000);
    let mut joined = compress::<C>(&a, settings[0].0, settings[0].1);
    joined.extend(compress::<C>(second, settings[1].0, settings[1].1));
    joined.extend(padding);
    joined.extend(compress::<C>(b"", settings[2].0, settings[2].1));
    let mut expected = a;
    expected.extend(second);
    let mut decoder = C::decoder(&joined[..]);
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

/// The error for a stream compressed at `level` without its last 5 bytes, checked to be
/// `UnexpectedEof`.
pub fn truncated_error<C: Codec>(level: u32) -> io::Error {
    let compressed = compress::<C>(&common::corpus_of(100_000), level, 0);
    let err = decompress::<C>(&compressed[..compressed.len() - 5]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    err
}

/// The decoder reads two concatenated streams, compressed with `(level, threads)` from
/// `settings`, from a reader that hands out a few bytes at a time, and reports the second one
/// cut short by a byte as `UnexpectedEof`.
pub fn check_tiny_reads<C: Codec>(settings: [(u32, u32); 2]) {
    let a = common::corpus_of(100_000);
    let b = common::corpus_of(5_000);
    let mut joined = compress::<C>(&a, settings[0].0, settings[0].1);
    joined.extend(compress::<C>(&b, settings[1].0, settings[1].1));
    let mut out = Vec::new();
    C::decoder(common::Trickle::new(&joined))
        .read_to_end(&mut out)
        .unwrap();
    let mut expected = a;
    expected.extend(b);
    assert_eq!(out, expected);
    let err = C::decoder(common::Trickle::new(&joined[..joined.len() - 1]))
        .read_to_end(&mut out)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
}

/// The format's tool decompresses the corpus compressed with each `(level, threads)` of
/// `settings`; returns the compressed outputs.
pub fn check_tool_reads_ours<C: Codec>(settings: &[(u32, u32)]) -> Vec<Vec<u8>> {
    let data = common::corpus();
    let mut outputs = Vec::new();
    for &(level, threads) in settings {
        let ours = compress::<C>(&data, level, threads);
        assert_eq!(
            common::run_tool(C::TOOL, C::DECOMPRESS_ARGS, &ours, C::APT_PACKAGE),
            data,
            "level {level}, threads {threads}"
        );
        outputs.push(ours);
    }
    outputs
}

/// We decompress the corpus as the format's tool compresses it with each of `arg_sets`.
pub fn check_we_read_tool<C: Codec>(arg_sets: &[&[&str]]) {
    let data = common::corpus();
    for args in arg_sets {
        let theirs = common::run_tool(C::TOOL, args, &data, C::APT_PACKAGE);
        assert_eq!(
            decompress::<C>(&theirs).unwrap(),
            data,
            "{} {args:?}",
            C::TOOL
        );
    }
}
