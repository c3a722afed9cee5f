//! `library.toml` (`Library::from_manifest`), and `VendoredSource::c_files`.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::util::{base_env, normalize, run, zstd, Vendor};
use syspack_build::{Error, Library, Provider, VendoredBuild, VendoredSource};

/// The description of `util::zstd()`, as a manifest.
const ZSTD: &str = r#"# test manifest
library = "zstd"
pkg_config_name = "libzstd"
vcpkg_name = "zstd"
min_version = "1.4.0"
link_name = "zstd"
header = "zstd.h"
pin_file = "pin.toml"
distro_packages = [
    { distro = "debian", package = "libzstd-dev" },
    { distro = "fedora", package = "libzstd-devel" },
    { distro = "arch", package = "zstd" },
]
"#;

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("library.toml");
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn manifest_describes_the_same_library_as_the_builder() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), ZSTD);
    let mut from_file = Library::from_manifest(&path).unwrap();
    from_file.vendored(|src: &VendoredSource| Ok(VendoredBuild::new(src.dir().join("lib"))));
    let empty = tempfile::tempdir().unwrap();
    let d = empty.path().display().to_string();
    let env = base_env(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        ("PKG_CONFIG_PATH", &d),
        ("PKG_CONFIG_LIBDIR", &d),
    ]);
    // Same names, version, header, packages: the same "not found" text, line for line.
    let (built, _) = run(&zstd(), &env);
    let (read, out) = run(&from_file, &env);
    assert_eq!(
        read.unwrap_err().to_string(),
        built.unwrap_err().to_string()
    );
    // The manifest is declared to cargo, so editing it reruns the build script.
    assert!(
        out.contains(&format!("cargo:rerun-if-changed={}\n", path.display())),
        "{out}"
    );

    // Found through pkg-config (the fixture `.pc`): same provenance.
    let env = base_env(&[("SYSPACK_ZSTD_LINK", "system")]);
    let (a, out_a) = run(&zstd(), &env);
    let (b, out_b) = run(&from_file, &env);
    assert_eq!(a.unwrap().to_json(), b.unwrap().to_json());
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.ends_with("library.toml"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&out_a), strip(&out_b));
}

#[test]
fn manifest_pin_file_is_relative_to_the_manifest() {
    // The vendored fixture's pin is `<tmp>/crate/pin.toml`; the manifest sits beside it and
    // CARGO_MANIFEST_DIR points elsewhere.
    let v = Vendor::new();
    v.import();
    let path = write(&v.path().join("crate"), ZSTD);
    let mut lib = Library::from_manifest(&path).unwrap();
    lib.vendored(|src: &VendoredSource| Ok(VendoredBuild::new(src.dir().join("lib"))));
    let elsewhere = v.path().join("out").display().to_string();
    let env = v.env(&[
        ("SYSPACK_ZSTD_LINK", "vendored"),
        ("CARGO_MANIFEST_DIR", &elsewhere),
    ]);
    let (r, out) = run(&lib, &env);
    assert_eq!(r.unwrap().mode(), Provider::Vendored);
    let out = normalize(&out, &[(v.path(), "{tmp}")]);
    assert!(
        out.contains("cargo:rerun-if-changed={tmp}/crate/library.toml\n"),
        "{out}"
    );
    assert!(
        out.contains("cargo:rerun-if-changed={tmp}/crate/pin.toml\n"),
        "{out}"
    );
}

#[test]
fn manifest_text_with_defaults() {
    // Only `library` is required; the other names default to it.
    let lib = Library::from_manifest_str("library = \"foo\"\n", Path::new("foo.toml")).unwrap();
    assert_eq!(lib.name(), "foo");
    // `foo.pc` of the fixtures: pkg-config name `foo` by default, linked as `-lfoo`.
    let (r, out) = run(&lib, &base_env(&[]));
    assert_eq!(r.unwrap().version(), Some("2.0.1"));
    assert!(out.contains("cargo:rustc-link-lib=dylib=foo\n"), "{out}");
    assert!(!out.contains("rerun-if-changed=foo.toml"), "{out}");
}

#[test]
fn cmake_manifests_carry_targets_defines_deps_libs_and_includes() {
    use syspack_build::{BuildSystem, CmakeDep};
    let p = Path::new("sys/library.toml");
    let lib = Library::from_manifest_str("library = \"foo\"\n", p).unwrap();
    assert_eq!(lib.build_system(), BuildSystem::Cc);
    assert!(lib.cmake_spec().is_none());
    let text = r#"library = "solv"
build = "cmake"
cmake_targets = ["libsolv", "libsolvext"]
cmake_defines = [{ name = "ENABLE_DEBIAN", value = "ON" }, { name = "WITH_LIBXML2", value = "OFF" }]
cmake_deps = [{ links = "zlib", include_var = "ZLIB_INCLUDE_DIR", library_var = "ZLIB_LIBRARY" }]
cmake_libs = [{ name = "solvext", dir = "build/ext" }, { name = "solv", dir = "build/src" }]
cmake_include = ["src"]
"#;
    let lib = Library::from_manifest_str(text, p).unwrap();
    assert_eq!(lib.build_system(), BuildSystem::Cmake);
    let spec = lib.cmake_spec().unwrap();
    assert_eq!(spec.targets, ["libsolv", "libsolvext"]);
    assert_eq!(
        spec.defines,
        [
            ("ENABLE_DEBIAN".to_string(), "ON".to_string()),
            ("WITH_LIBXML2".to_string(), "OFF".to_string())
        ]
    );
    assert_eq!(
        spec.deps,
        [CmakeDep {
            links: "zlib".into(),
            include_var: "ZLIB_INCLUDE_DIR".into(),
            library_var: "ZLIB_LIBRARY".into()
        }]
    );
    assert_eq!(spec.libs[1], ("solv".to_string(), "build/src".to_string()));
    assert_eq!(spec.include, ["src"]);

    let err = |text: &str| Library::from_manifest_str(text, p).unwrap_err().to_string();
    let e = err("library = \"x\"\nbuild = \"meson\"\n");
    assert!(
        e.contains("unknown value `meson` for `build`, expected `cc` or `cmake`"),
        "{e}"
    );
    let e = err("library = \"x\"\ncmake_targets = [\"a\"]\n");
    assert!(e.contains("`cmake_*` keys need `build = \"cmake\"`"), "{e}");
    let e = err(
        "library = \"x\"\nbuild = \"cmake\"\ncmake_libs = [{ name = \"a\", dir = \"../x\" }]\n",
    );
    assert!(
        e.contains("`cmake_libs[0]`") && e.contains("without `..`"),
        "{e}"
    );
    let e = err(
        "library = \"x\"\nbuild = \"cmake\"\ncmake_defines = [{ name = \"A B\", value = \"1\" }]\n",
    );
    assert!(e.contains("`cmake_defines[0].name`"), "{e}");
}

#[test]
fn manifest_errors_name_the_file_the_key_and_what_is_expected() {
    let p = Path::new("sys/library.toml");
    let err = |text: &str| Library::from_manifest_str(text, p).unwrap_err();

    let e = err("library = \"zstd\"\npkg-config = \"libzstd\"\n");
    assert!(matches!(e, Error::ManifestParse { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("invalid library manifest `sys/library.toml`: "),
        "{text}"
    );
    assert!(text.contains("unknown field `pkg-config`"), "{text}");
    assert!(text.contains("pkg_config_name"), "{text}");

    let e = err("pkg_config_name = \"libzstd\"\n").to_string();
    assert!(e.contains("missing field `library`"), "{e}");

    let e = err("library = \"zstd\"\nmin_version = \"1.4\"\nmin_version = \"2\"\n").to_string();
    assert!(e.contains("duplicate key"), "{e}");

    assert_eq!(
        err("library = \"zstd\"\nmin_version = \"v1.4\"\n").to_string(),
        "invalid library manifest `sys/library.toml`: key `min_version` = `v1.4`: \
         expected a dotted numeric version such as `1.4.0`"
    );
    assert_eq!(
        err("library = \"z std\"\n").to_string(),
        "invalid library manifest `sys/library.toml`: key `library` = `z std`: expected a short \
         name of letters, digits, `-` and `_` (it names the `SYSPACK_<LIB>_*` variables)"
    );
    assert_eq!(
        err("library = \"zstd\"\ndistro_packages = [{ distro = \"debian\", package = \"\" }]\n")
            .to_string(),
        "invalid library manifest `sys/library.toml`: key `distro_packages[0].package` = ``: \
         expected one word, such as `debian` or `libzstd-dev`"
    );
    assert_eq!(
        err("library = \"zstd\"\nheader = \"/usr/include/zstd.h\"\n").to_string(),
        "invalid library manifest `sys/library.toml`: key `header` = `/usr/include/zstd.h`: \
         expected a header name relative to the include directory, such as `zstd.h`"
    );
    let e = err("library = \"zstd\"\ndistro_packages = [{ distro = \"debian\" }]\n").to_string();
    assert!(e.contains("missing field `package`"), "{e}");

    let missing = Library::from_manifest("/nonexistent/library.toml").unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("failed to read library manifest `/nonexistent/library.toml`: "),
        "{missing}"
    );
}

#[test]
fn c_files_are_the_sorted_c_files_of_one_directory() {
    let v = Vendor::with_files(&[
        ("zstd-9.9.9/lib/zstd.h", "int b(void);\n"),
        ("zstd-9.9.9/lib/b.c", "int b(void) { return 2; }\n"),
        ("zstd-9.9.9/lib/a.c", "int a(void) { return 1; }\n"),
        ("zstd-9.9.9/lib/notes.txt", "not C\n"),
        ("zstd-9.9.9/lib/x86.S", "\n"),
        ("zstd-9.9.9/lib/sub/c.c", "int c(void) { return 3; }\n"),
    ]);
    v.import();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let missing = Arc::new(Mutex::new(None));
    let mut lib = zstd();
    let (s, m) = (seen.clone(), missing.clone());
    lib.vendored(move |src: &VendoredSource| {
        let names = |files: Vec<std::path::PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|f| f.strip_prefix(src.dir()).unwrap().display().to_string())
                .collect()
        };
        // Relative to the source tree, or absolute.
        s.lock().unwrap().push(names(src.c_files("lib")?));
        s.lock()
            .unwrap()
            .push(names(src.c_files(src.dir().join("lib/sub"))?));
        *m.lock().unwrap() = Some(src.c_files("nope").unwrap_err().to_string());
        Ok(VendoredBuild::new(src.dir().join("lib")))
    });
    let env = v.env(&[("SYSPACK_ZSTD_LINK", "vendored")]);
    let (r, _) = run(&lib, &env);
    r.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [vec!["lib/a.c", "lib/b.c"], vec!["lib/sub/c.c"]]
    );
    let m = missing.lock().unwrap().clone().unwrap();
    let m = normalize(&m, &[(v.path(), "{tmp}")]);
    assert!(
        m.starts_with(&format!(
            "failed to read directory `{{tmp}}/out/src-{}/nope`: ",
            &v.sha256[..16]
        )),
        "{m}"
    );
}

/// bindgen through `Bindings`, on a header found by the probe (needs libclang:
/// `apt-get install libclang-dev`). Run with `cargo test -p syspack-build --features bindgen`.
#[cfg(feature = "bindgen")]
#[test]
fn bindings_follow_the_allowlist_and_blocklist() {
    let inc = tempfile::tempdir().unwrap();
    fs::write(
        inc.path().join("foo.h"),
        "#define FOO_VERSION_MAJOR 2\n#define FOO_LEVEL 3\n#define BAR_LEVEL 4\n\
         typedef struct foo_s { int n; } foo_t;\nint foo_run(foo_t *f);\nint bar_run(void);\n",
    )
    .unwrap();
    let i = inc.path().display().to_string();
    let lib_dir = crate::util::fixtures().join("static-root/lib");
    let l = lib_dir.display().to_string();
    let env = base_env(&[("SYSPACK_FOO_LIB_DIR", &l), ("SYSPACK_FOO_INCLUDE_DIR", &i)]);
    let mut lib = Library::new("foo");
    lib.header("foo.h");
    let (r, _) = run(&lib, &env);
    let p = r.unwrap();
    let text = syspack_build::Bindings::new(&p, "foo.h")
        .allow("foo_.*|FOO_.*")
        .block("FOO_VERSION_.*")
        .generate()
        .unwrap();
    assert!(text.contains("pub const FOO_LEVEL: i32 = 3;"), "{text}");
    assert!(text.contains("pub struct foo_s"), "{text}");
    assert!(text.contains("pub fn foo_run(f: *mut foo_t)"), "{text}");
    for absent in ["FOO_VERSION_MAJOR", "BAR_LEVEL", "bar_run"] {
        assert!(!text.contains(absent), "{absent} in:\n{text}");
    }
    let e = syspack_build::Bindings::new(&p, "missing.h")
        .generate()
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("bindgen failed on `missing.h` (include directories: `"),
        "{e}"
    );
    assert!(e.contains("apt-get install libclang-dev"), "{e}");
}
