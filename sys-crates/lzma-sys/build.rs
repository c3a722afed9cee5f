//! Links the system liblzma or builds the pinned release: the library is described in
//! `library.toml`, the release in `pin.toml` (see `syspack-build`).
use syspack_build::{Error, Library, VendoredBuild, VendoredSource};

fn main() {
    // The vendored build's own files (cargo reruns the script when build.rs itself changes).
    println!("cargo:rerun-if-changed=config.h");
    println!("cargo:rerun-if-changed=x86-intrin/immintrin.h");
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
    // xz's configure defines NDEBUG unless `--enable-debug`: assertions follow the profile's
    // debug assertions, as for the Rust code (off in release builds, like a default build).
    if std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_none() {
        cc.define("NDEBUG", None);
    }
    // x86 with GCC or Clang: a small <immintrin.h> with just the SSE2/SSSE3/SSE4.1/CLMUL
    // headers liblzma uses (see x86-intrin/immintrin.h); the compiler's own declares every
    // extension and dominated the compile time of the files that include it.
    let target = src.target().unwrap_or_default();
    if (target.starts_with("x86_64") || target.starts_with("i686") || target.starts_with("i586"))
        && !target.ends_with("-msvc")
    {
        cc.include(concat!(env!("CARGO_MANIFEST_DIR"), "/x86-intrin"));
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

/// The bindgen configuration (feature `bindgen`); `src/bindings.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "lzma.h")
        .allow("lzma_.*|LZMA_.*")
        .block("LZMA_VERSION.*")
        .write_to_out_dir()
}
