//! Links the system liblzma or builds the pinned release (`pin.toml`); see `syspack-build`.
use std::path::{Path, PathBuf};

fn main() {
    let provenance = syspack_build::Library::new("lzma")
        .pkg_config_name("liblzma")
        .vcpkg_name("liblzma")
        .min_version("5.2.0")
        .link_name("lzma")
        .header("lzma.h")
        .distro_package("debian", "liblzma-dev")
        .distro_package("fedora", "xz-devel")
        .distro_package("arch", "xz")
        .pin_file("pin.toml")
        .vendored(|src: &syspack_build::VendoredSource| {
            let liblzma = src.dir().join("src/liblzma");
            let mut cc = src.cc();
            for dir in [
                "check",
                "common",
                "delta",
                "lz",
                "lzma",
                "rangecoder",
                "simple",
            ] {
                let files = c_files(&liblzma.join(dir))?;
                // Table generators, the small-size CRC variants and the CLMUL constant generator
                // are build tools or alternatives, not part of the library.
                cc.files(files.into_iter().filter(|f| {
                    let name = f.file_name().unwrap_or_default().to_string_lossy();
                    !(name.ends_with("_tablegen.c")
                        || name.ends_with("_small.c")
                        || name.ends_with("_gen.c"))
                }));
            }
            let common = src.dir().join("src/common");
            // config.h (beside this file) stands in for the output of xz's configure.
            cc.file(common.join("tuklib_physmem.c"))
                .file(common.join("tuklib_cpucores.c"))
                .include(env!("CARGO_MANIFEST_DIR"))
                .include(&common)
                .include(liblzma.join("api"))
                .includes(
                    [
                        "check",
                        "common",
                        "delta",
                        "lz",
                        "lzma",
                        "rangecoder",
                        "simple",
                    ]
                    .map(|d| liblzma.join(d)),
                )
                .define("HAVE_CONFIG_H", None)
                .define("LZMA_API_STATIC", None)
                .compile("lzma");
            Ok(syspack_build::VendoredBuild::new(liblzma.join("api")))
        })
        .probe()
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    bindings(
        &provenance,
        "lzma.h",
        "lzma_.*|LZMA_.*",
        &["LZMA_VERSION.*"],
    );
    #[cfg(not(feature = "bindgen"))]
    let _ = provenance;
}

/// The `.c` files of `dir`, sorted so that the archive is reproducible.
fn c_files(dir: &Path) -> Result<Vec<PathBuf>, syspack_build::Error> {
    let io = |source| syspack_build::Error::Io {
        path: dir.to_path_buf(),
        context: "read directory".to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "c") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Regenerates the bindings into `$OUT_DIR/bindings.rs` (feature `bindgen`); the checked-in
/// `generated/bindings/lzma.rs` is this output for the pinned headers (see
/// `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance, header: &str, allow: &str, block: &[&str]) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target =
        bindgen::RustTarget::stable(80, 0).unwrap_or_else(|_| unreachable!("1.80 is known"));
    let mut builder = bindgen::Builder::default();
    for item in block {
        builder = builder.blocklist_item(*item);
    }
    let generated = builder
        .header_contents("wrapper.h", &format!("#include <{header}>\n"))
        .clang_args(
            provenance
                .include_dirs()
                .iter()
                .map(|d| format!("-I{}", d.display())),
        )
        .allowlist_item(allow)
        .prepend_enum_name(false)
        .generate_comments(false)
        .layout_tests(false)
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        .rust_target(target)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on `{header}`: {e}"));
    let path = out.join("bindings.rs");
    generated
        .write_to_file(&path)
        .unwrap_or_else(|e| panic!("failed to write `{}`: {e}", path.display()));
}
