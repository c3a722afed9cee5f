//! The library really is linked the way the provenance says, and its output is deflate that
//! zlib (an independent implementation) reads back.
use syspack_libdeflate_sys::safe::{Compressor, Error, LEVELS};
use syspack_libdeflate_sys::PROVENANCE_JSON;
use syspack_sys_test_support::common;

#[test]
fn linking_matches_provenance() {
    // Calls the function the check looks for, so that a static link keeps it.
    let mut out = Vec::new();
    Compressor::new(6).unwrap().deflate(b"x", &mut out).unwrap();
    common::check_linking(
        PROVENANCE_JSON,
        "libdeflate.so.0",
        "libdeflate_deflate_compress",
    );
}

#[test]
fn provenance_names_the_library() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "libdeflate");
    assert_eq!(
        syspack_libdeflate_sys::safe::version(),
        provenance["version"].as_str().unwrap()
    );
    assert!(syspack_libdeflate_sys::safe::version().starts_with("1."));
}

/// Raw deflate of every level and of empty, tiny and mixed input inflates back (through
/// Python's zlib, not this crate) to the input.
#[test]
fn raw_deflate_inflates_back_with_zlib() {
    let corpus = common::corpus_of(1 << 20);
    for level in [0, 1, 6, 9, 12] {
        let mut c = Compressor::new(level).unwrap();
        for input in [&b""[..], b"a", &corpus[..]] {
            let mut out = b"prefix".to_vec();
            c.deflate(input, &mut out).unwrap();
            assert_eq!(&out[..6], b"prefix", "appends");
            let back = common::run_tool(
                "python3",
                &[
                    "-c",
                    "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(), -15))",
                ],
                &out[6..],
                "python3",
            );
            assert!(back == input, "level {level}, {} bytes", input.len());
        }
    }
}

#[test]
fn levels_outside_the_range_are_refused() {
    assert_eq!(LEVELS, 0..=12);
    let err = Compressor::new(13).unwrap_err();
    assert_eq!(err, Error::InvalidLevel { level: 13 });
    assert!(err.to_string().contains("from 0 to 12"), "{err}");
}
