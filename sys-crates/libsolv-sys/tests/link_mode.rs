//! The library really is linked the way the provenance says, and is the version it says; a
//! vendored libsolv uses the workspace's own zlib, xz, zstd and expat: one copy of each.
use std::io::Write;

use syspack_solv_sys::solve::{Dist, IndexKind, Pool};
use syspack_solv_sys::PROVENANCE_JSON;
use syspack_sys_test_support::common;

const PACKAGES: &str = "Package: b\nVersion: 2\nArchitecture: amd64\n\n";
const PRIMARY: &str = "<?xml version=\"1.0\"?>\n<metadata packages=\"1\"><package type=\"rpm\">\
    <name>b</name><arch>x86_64</arch><version epoch=\"0\" ver=\"2\" rel=\"1\"/></package></metadata>\n";

/// Runs the solver once and reads a gzip, an xz and a zstd `Packages` file (compressed by the
/// workspace's sys crates) and an rpm-md `primary.xml`, so that the executable links libsolv's
/// solver, its decompressors and its XML reader, and they work.
fn use_the_solver() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut gz = syspack_zlib_sys::safe::GzEncoder::new(Vec::new(), 6).unwrap();
    gz.write_all(PACKAGES.as_bytes()).unwrap();
    let mut xz = syspack_lzma_sys::safe::XzEncoder::new(Vec::new(), 6).unwrap();
    xz.write_all(PACKAGES.as_bytes()).unwrap();
    let mut zst = syspack_zstd_sys::safe::ZstdEncoder::new(Vec::new(), 3).unwrap();
    zst.write_all(PACKAGES.as_bytes()).unwrap();
    for (name, bytes) in [
        ("Packages.gz", gz.finish().unwrap()),
        ("Packages.xz", xz.finish().unwrap()),
        ("Packages.zst", zst.finish().unwrap()),
    ] {
        let path = write(name, bytes);
        let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
        assert_eq!(
            pool.load_index("i", &path, IndexKind::DebianPackages)
                .unwrap(),
            1,
            "{name}"
        );
    }
    let mut pool = Pool::new(Dist::Rpm, "x86_64").unwrap();
    let path = write("primary.xml", PRIMARY.as_bytes().to_vec());
    assert_eq!(
        pool.load_index("i", &path, IndexKind::RpmPrimary).unwrap(),
        1
    );

    let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
    let c = pool
        .add_debian_control("Package: a\nVersion: 1\nArchitecture: amd64\n")
        .unwrap();
    assert!(pool.solve_install(c).to_string().starts_with("installable"));
}

#[test]
fn linking_matches_provenance() {
    use_the_solver();
    let p = common::check_linking(PROVENANCE_JSON, "libsolv.so.1", "solver_solve");
    assert_eq!(p["library"], "libsolv");
    if p["mode"] == "system" && p["link"] == "dylib" {
        let exe = std::env::current_exe().unwrap();
        let needed = common::needed_libraries(&exe);
        assert!(needed.iter().any(|l| l == "libsolvext.so.1"), "{needed:?}");
    }
}

#[test]
fn version_matches_provenance() {
    let p = common::provenance(PROVENANCE_JSON);
    let expected = common::expected_version(&p, "libsolv", syspack_solv_sys::PIN);
    assert!(expected.starts_with("0.7."), "{expected}");
}

/// In a vendored build, libsolv's compression and XML calls resolve to the archives of the
/// workspace's zlib, xz, zstd and expat sys crates: no shared library of theirs is needed, and
/// each of their entry points is defined exactly once in the executable.
#[test]
fn vendored_libsolv_shares_one_copy_of_each_dependency() {
    use_the_solver();
    let p = common::provenance(PROVENANCE_JSON);
    if p["mode"] != "vendored" {
        // System libsolv brings the system's libraries; `linking_matches_provenance` covers it.
        assert_eq!(p["mode"], "system");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let needed = common::needed_libraries(&exe);
    for lib in [
        "libsolv",
        "libsolvext",
        "libz.",
        "liblzma",
        "libzstd",
        "libexpat",
    ] {
        assert!(
            !needed.iter().any(|n| n.starts_with(lib)),
            "vendored build needs {lib}: {needed:?}"
        );
    }
    let data = std::fs::read(&exe).unwrap();
    let file = object::File::parse(&*data).unwrap();
    for sym in [
        "inflate",
        "lzma_code",
        "ZSTD_decompressStream",
        "XML_ParserCreate",
        "solver_solve",
        "repo_add_debpackages",
    ] {
        use object::{Object, ObjectSymbol};
        let defs = file
            .symbols()
            .filter(|s| s.name() == Ok(sym) && !s.is_undefined())
            .count();
        assert_eq!(
            defs,
            1,
            "`{sym}` is defined {defs} times in {}",
            exe.display()
        );
    }
}
