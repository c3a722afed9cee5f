//! Links the system libsolv + libsolvext or builds the pinned release with its CMake build
//! against the workspace's own zlib, xz, zstd and expat: the library and its CMake options are
//! described in `library.toml`, the release in `pin.toml` (see `syspack-build`).
use std::path::Path;

use syspack_build::{Error, Evidence, Library, Provider, VendoredBuild, VendoredSource};

fn main() {
    let provenance = Library::from_manifest("library.toml")
        .and_then(|mut lib| lib.vendored(build).probe())
        .unwrap_or_else(|e| syspack_build::fail(e));
    // Explicit directories and the header/library probe know one `-l` name (`solvext`);
    // libsolvext needs libsolv after it (pkg-config says so itself through `Requires`).
    if provenance.mode() == Provider::System
        && !matches!(provenance.evidence(), Evidence::PkgConfig { .. })
    {
        println!("cargo:rustc-link-lib={}=solv", provenance.link());
    }
    #[cfg(feature = "bindgen")]
    bindings(&provenance).unwrap_or_else(|e| syspack_build::fail(e));
}

/// Upstream's CMake build (library.toml), then the public headers in the layout the system
/// installs them (`<include>/solv/*.h`), so the bindings and C code include `<solv/pool.h>` in
/// either mode.
fn build(src: &VendoredSource) -> Result<VendoredBuild, Error> {
    let out = src.cmake()?;
    let include = src.out_dir().join("include");
    let dest = include.join("solv");
    std::fs::create_dir_all(&dest).map_err(|e| Error::io(&dest, "create directory", e))?;
    let generated = out.dir.join("build/src/solvversion.h");
    for dir in [src.dir().join("src"), src.dir().join("ext")] {
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, "read directory", e))? {
            let path = entry
                .map_err(|e| Error::io(&dir, "read directory", e))?
                .path();
            if path.extension().is_some_and(|e| e == "h") {
                copy(&path, &dest)?;
            }
        }
    }
    copy(&generated, &dest)?;
    Ok(out.build.include(include))
}

fn copy(file: &Path, dir: &Path) -> Result<(), Error> {
    let to = dir.join(file.file_name().unwrap_or_default());
    std::fs::copy(file, &to).map_err(|e| Error::io(file, "copy header", e))?;
    Ok(())
}

/// The bindgen configuration (feature `bindgen`); `src/bindings.rs` is its output
/// for the pinned headers (see `generated/regenerate-bindings.sh`): the pool, repositories and
/// their readers, the solver and its problems, selections, queues.
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance) -> Result<std::path::PathBuf, Error> {
    syspack_build::Bindings::new(provenance, "solv/pool.h")
        .also("solv/repo.h")
        .also("solv/solver.h")
        .also("solv/solverdebug.h")
        .also("solv/selection.h")
        .also("solv/knownid.h")
        .also("solv/repo_deb.h")
        .also("solv/repo_rpmmd.h")
        .also("solv/repo_arch.h")
        .also("solv/solv_xfopen.h")
        .allow(
            "pool_.*|repo_.*|solver_.*|solvable_.*|selection_.*|queue_.*|solv_xfopen.*|\
             Pool|Repo|Solver|Solvable|Queue|Id|Offset|SOLVER_.*|SELECTION_.*|DISTTYPE_.*|\
             REL_.*|SOLVID_META|SOLVID_POS|REPO_.*|SOLV_ADD_NO_STUBS|testcase_.*",
        )
        .block("LIBSOLV_VERSION.*|solv_version.*")
        .write_to_out_dir()
}
