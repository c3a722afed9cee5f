//! Links the system libdeflate or builds the pinned release with its CMake build: the library,
//! and its CMake options, are described in `library.toml`, the release in `pin.toml` (see
//! `syspack-build`).
use syspack_build::Library;

fn main() {
    let provenance = Library::from_manifest("library.toml")
        .and_then(|lib| lib.probe())
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    syspack_build::Bindings::new(&provenance, "libdeflate.h")
        .allow("libdeflate_.*|LIBDEFLATE_.*")
        .block("LIBDEFLATE_VERSION_.*")
        .write_to_out_dir()
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(not(feature = "bindgen"))]
    let _ = provenance;
}
