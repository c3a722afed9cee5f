//! Links the system libzstd or builds the pinned release: the library is described in
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
    let lib = src.dir().join("lib");
    let mut cc = src.cc();
    for dir in ["common", "compress", "decompress"] {
        cc.files(src.c_files(lib.join(dir))?);
    }
    if src.target().is_some_and(|t| t.contains("msvc")) {
        cc.define("ZSTD_DISABLE_ASM", None); // MSVC cannot assemble the GNU `.S` file
    } else {
        // The x86-64 BMI2 Huffman decoder, as upstream's Makefile builds it (the file
        // assembles to nothing on other targets).
        cc.file(lib.join("decompress/huf_decompress_amd64.S"));
    }
    cc.include(&lib)
        .define("ZSTD_MULTITHREAD", None)
        .define("XXH_NAMESPACE", "ZSTD_")
        .define("ZSTD_LEGACY_SUPPORT", "0")
        .try_compile("zstd")?;
    Ok(VendoredBuild::new(lib))
}

/// The bindgen configuration (feature `bindgen`); `src/bindings.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "zstd.h")
        .allow("ZSTD_.*")
        .block("ZSTD_VERSION_.*")
        .write_to_out_dir()
}
