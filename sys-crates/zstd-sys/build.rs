//! Links the system libzstd or builds the pinned release (`pin.toml`); see `syspack-build`.
use std::path::{Path, PathBuf};

fn main() {
    let provenance = syspack_build::Library::new("zstd")
        .pkg_config_name("libzstd")
        .vcpkg_name("zstd")
        .min_version("1.4.0")
        .link_name("zstd")
        .header("zstd.h")
        .distro_package("debian", "libzstd-dev")
        .distro_package("fedora", "libzstd-devel")
        .distro_package("arch", "zstd")
        .pin_file("pin.toml")
        .vendored(|src: &syspack_build::VendoredSource| {
            let lib = src.dir().join("lib");
            let mut cc = src.cc();
            for dir in ["common", "compress", "decompress"] {
                cc.files(c_files(&lib.join(dir))?);
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
                .compile("zstd");
            Ok(syspack_build::VendoredBuild::new(lib))
        })
        .probe()
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    bindings(&provenance, "zstd.h", "ZSTD_.*", &["ZSTD_VERSION_.*"]);
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
/// `generated/bindings/zstd.rs` is this output for the pinned headers (see
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
