//! Links the system zlib or builds the pinned release: the library is described in
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
    // The 15 `.c` files of the library (the top directory holds only those).
    src.cc()
        .files(src.c_files(src.dir())?)
        .define("_LARGEFILE64_SOURCE", "1")
        .define("HAVE_UNISTD_H", None)
        .define("HAVE_STDARG_H", None)
        .try_compile("z")?;
    Ok(VendoredBuild::new(src.dir()))
}

/// The bindgen configuration (feature `bindgen`); `src/bindings.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`). It covers streams,
/// checksums, one-shot calls and the version; not gzFile.
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "zlib.h")
        .allow(
            "z_stream.*|gz_header.*|deflate.*|inflate.*|zlibVersion|zlibCompileFlags|compress.*|\
             uncompress.*|crc32.*|adler32.*|zError|Z_.*|ZLIB_VERSION|MAX_WBITS|MAX_MEM_LEVEL",
        )
        .block("ZLIB_VER(NUM|_.*)")
        .write_to_out_dir()
}
