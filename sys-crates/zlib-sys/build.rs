//! Links the system zlib or builds the pinned release (`pin.toml`); see `syspack-build`.
use std::path::{Path, PathBuf};

fn main() {
    let provenance = syspack_build::Library::new("zlib")
        .pkg_config_name("zlib")
        .vcpkg_name("zlib")
        .min_version("1.2.11")
        .link_name("z")
        .header("zlib.h")
        .distro_package("debian", "zlib1g-dev")
        .distro_package("fedora", "zlib-devel")
        .distro_package("arch", "zlib")
        .pin_file("pin.toml")
        .vendored(|src: &syspack_build::VendoredSource| {
            // The 15 `.c` files of the library (the directory also holds only those).
            let mut cc = src.cc();
            cc.files(c_files(src.dir())?)
                .define("_LARGEFILE64_SOURCE", "1")
                .define("HAVE_UNISTD_H", None)
                .define("HAVE_STDARG_H", None)
                .compile("z");
            Ok(syspack_build::VendoredBuild::new(src.dir()))
        })
        .probe()
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    bindings(&provenance, "zlib.h", ALLOW, &["ZLIB_VER(NUM|_.*)"]);
    #[cfg(not(feature = "bindgen"))]
    let _ = provenance;
}

/// The API the bindings cover: streams, checksums, one-shot calls, version; not gzFile.
#[cfg(feature = "bindgen")]
const ALLOW: &str = "z_stream.*|gz_header.*|deflate.*|inflate.*|zlibVersion|zlibCompileFlags|compress.*|\
                     uncompress.*|crc32.*|adler32.*|zError|Z_.*|ZLIB_VERSION|MAX_WBITS|MAX_MEM_LEVEL";

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
/// `generated/bindings/zlib.rs` is this output for the pinned headers (see
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
