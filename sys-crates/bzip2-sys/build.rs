//! Links the system libbz2 or builds the pinned release (`pin.toml`); see `syspack-build`.
fn main() {
    let provenance = syspack_build::Library::new("bzip2")
        .pkg_config_name("bzip2")
        .vcpkg_name("bzip2")
        .min_version("1.0.6")
        .link_name("bz2")
        .header("bzlib.h")
        .distro_package("debian", "libbz2-dev")
        .distro_package("fedora", "bzip2-devel")
        .distro_package("arch", "bzip2")
        .pin_file("pin.toml")
        .vendored(|src: &syspack_build::VendoredSource| {
            let dir = src.dir();
            let mut cc = src.cc();
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
                .compile("bz2");
            Ok(syspack_build::VendoredBuild::new(dir))
        })
        .probe()
        .unwrap_or_else(|e| syspack_build::fail(e));
    #[cfg(feature = "bindgen")]
    bindings(
        &provenance,
        "bzlib.h",
        "bz_stream|BZ2_bzCompress.*|BZ2_bzDecompress.*|BZ2_bzBuffToBuff.*|BZ2_bzlibVersion|BZ_.*",
        &[],
    );
    #[cfg(not(feature = "bindgen"))]
    let _ = provenance;
}

/// Regenerates the bindings into `$OUT_DIR/bindings.rs` (feature `bindgen`); the checked-in
/// `generated/bindings/bzip2.rs` is this output for the pinned headers (see
/// `generated/regenerate-bindings.sh`).
#[cfg(feature = "bindgen")]
fn bindings(provenance: &syspack_build::Provenance, header: &str, allow: &str, block: &[&str]) {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
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
