//! Links the system libbz2 or builds the pinned release: the library is described in
//! `library.toml`, the release in `pin.toml` (see `syspack-build`).
use syspack_build::{Error, Library, VendoredBuild, VendoredSource};

fn main() {
    let provenance = Library::from_manifest("library.toml")
        .and_then(|mut lib| lib.vendored(build).probe())
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    bindings(&provenance).unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(not(feature = "bindgen"))]
    let _ = provenance;
}

fn build(src: &VendoredSource) -> Result<VendoredBuild, Error> {
    let dir = src.dir();
    let mut cc = src.cc();
    // The library's files; the directory also holds the `bzip2` and `bzip2recover` programs.
    for file in [
        "blocksort",
        "huffman",
        "crctable",
        "randtable",
        "compress",
        "decompress",
        "bzlib",
    ] {
        cc.file(dir.join(format!("{file}.c")));
    }
    // The decoder is a state machine whose `case`s fall through on purpose.
    cc.define("_FILE_OFFSET_BITS", "64")
        .flag_if_supported("-Wno-implicit-fallthrough")
        .try_compile("bz2")?;
    Ok(VendoredBuild::new(dir))
}

/// The bindgen configuration (feature `bindgen`); `src/bindings.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "bzlib.h")
        .allow("bz_stream|BZ2_bzCompress.*|BZ2_bzDecompress.*|BZ2_bzBuffToBuff.*|BZ2_bzlibVersion|BZ_.*")
        .write_to_out_dir()
}
