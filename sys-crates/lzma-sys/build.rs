//! Links the system liblzma or builds the pinned release: the library is described in
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

/// The directories of `src/liblzma` whose `.c` files make up the library.
const DIRS: [&str; 7] = [
    "check",
    "common",
    "delta",
    "lz",
    "lzma",
    "rangecoder",
    "simple",
];

fn build(src: &VendoredSource) -> Result<VendoredBuild, Error> {
    let liblzma = src.dir().join("src/liblzma");
    let common = src.dir().join("src/common");
    let mut cc = src.cc();
    for dir in DIRS {
        // Table generators, the small-size CRC variants and the CLMUL constant generator are
        // build tools or alternatives, not part of the library.
        cc.files(src.c_files(liblzma.join(dir))?.into_iter().filter(|f| {
            let name = f.file_name().unwrap_or_default().to_string_lossy();
            !["_tablegen.c", "_small.c", "_gen.c"]
                .iter()
                .any(|s| name.ends_with(s))
        }));
    }
    // config.h (beside this file) stands in for the output of xz's configure.
    cc.file(common.join("tuklib_physmem.c"))
        .file(common.join("tuklib_cpucores.c"))
        .include(env!("CARGO_MANIFEST_DIR"))
        .include(&common)
        .include(liblzma.join("api"))
        .includes(DIRS.map(|d| liblzma.join(d)))
        .define("HAVE_CONFIG_H", None)
        .define("LZMA_API_STATIC", None)
        .try_compile("lzma")?;
    Ok(VendoredBuild::new(liblzma.join("api")))
}

/// The bindgen configuration (feature `bindgen`); `generated/bindings/lzma.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "lzma.h")
        .allow("lzma_.*|LZMA_.*")
        .block("LZMA_VERSION.*")
        .write_to_out_dir()
}
