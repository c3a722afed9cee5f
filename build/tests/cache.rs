//! The source cache: only pinned bytes get in, and they are checked again on the way out.

use std::fs;

use crate::util::{normalize, Vendor};
use syspack_build::cache::{sha256_file, Cache};
use syspack_build::{Emit, Env, Error};

fn tree(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd {
            let p = e.unwrap().path();
            out.push(p.display().to_string());
            if p.is_dir() {
                out.extend(tree(&p));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn tampered_tarball_is_rejected_and_nothing_written() {
    let v = Vendor::new();
    let bad = v.path().join("zstd-9.9.9.tar.gz.bad");
    let mut bytes = fs::read(&v.tarball).unwrap();
    bytes.push(0);
    fs::write(&bad, &bytes).unwrap();
    let e = v
        .cache()
        .import_file(&bad, std::slice::from_ref(&v.pin))
        .unwrap_err();
    let actual = sha256_file(&bad).unwrap();
    match &e {
        Error::NotPinned { actual: a, .. } => assert_eq!(a, &actual),
        e => panic!("{e}"),
    }
    assert_eq!(
        normalize(&e.to_string(), &[(v.path(), "{tmp}")]),
        format!(
            "`{{tmp}}/zstd-9.9.9.tar.gz.bad` (sha256 {actual}) is not accepted by any pin; nothing was written\n\
             accepted artifacts:\n  zstd-9.9.9.tar.gz  {}\n\
             a tampered, truncated or wrong-version tarball is never imported",
            v.sha256
        )
    );
    assert_eq!(tree(v.cache().root()), Vec::<String>::new());
    assert!(!v.cache().root().exists());
}

#[test]
fn verified_tarball_is_imported_and_looked_up() {
    let v = Vendor::new();
    let cache = v.cache();
    let imported = cache
        .import_file(&v.tarball, std::slice::from_ref(&v.pin))
        .unwrap();
    assert!(imported.newly_written);
    assert_eq!(imported.to, cache.path_for(&v.sha256));
    assert_eq!(
        (imported.library.as_str(), imported.version.as_str()),
        ("zstd", "9.9.9")
    );
    assert_eq!(
        fs::read(&imported.to).unwrap(),
        fs::read(&v.tarball).unwrap()
    );
    let by_name = cache.root().join("by-name/zstd-9.9.9.tar.gz");
    assert_eq!(fs::read(&by_name).unwrap(), fs::read(&v.tarball).unwrap());
    // No temporary file is left behind.
    let names: Vec<String> = tree(cache.root())
        .into_iter()
        .map(|p| p.replace(&cache.root().display().to_string(), ""))
        .collect();
    assert_eq!(
        names,
        [
            "/by-name".to_string(),
            "/by-name/zstd-9.9.9.tar.gz".to_string(),
            "/sha256".to_string(),
            format!("/sha256/{}", v.sha256)
        ]
    );
    let found = cache.lookup(&v.pin).unwrap();
    assert_eq!(found.path, cache.path_for(&v.sha256));
    assert_eq!(found.artifact.file, "zstd-9.9.9.tar.gz");
    // Importing again is a no-op.
    assert!(
        !cache
            .import_file(&v.tarball, std::slice::from_ref(&v.pin))
            .unwrap()
            .newly_written
    );
    // Listing and verifying.
    let entries = cache.entries(std::slice::from_ref(&v.pin)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].pinned.as_ref().unwrap().0, "zstd");
    assert!(cache.verify_all().unwrap().is_empty());
}

#[test]
fn lookup_and_verify_catch_a_file_changed_in_the_cache() {
    let v = Vendor::new();
    v.import();
    let cache = v.cache();
    fs::write(cache.path_for(&v.sha256), b"not the tarball").unwrap();
    assert!(matches!(
        cache.lookup(&v.pin),
        Err(Error::HashMismatch { .. })
    ));
    let bad = cache.verify_all().unwrap();
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].to_string().starts_with("sha256 mismatch for `"),
        "{}",
        bad[0]
    );
}

#[test]
fn import_dir_sorts_files_into_imported_rejected_ignored() {
    let v = Vendor::new();
    let dir = v.path().join("incoming");
    fs::create_dir_all(&dir).unwrap();
    fs::copy(&v.tarball, dir.join("renamed.tar.gz")).unwrap();
    fs::write(dir.join("zstd-9.9.9.tar.gz"), b"truncated").unwrap();
    fs::write(dir.join("zstd-9.9.9.tar.gz.asc"), b"signature").unwrap();
    let report = v
        .cache()
        .import_dir(&dir, std::slice::from_ref(&v.pin))
        .unwrap();
    assert_eq!(report.imported.len(), 1);
    assert_eq!(report.imported[0].from, dir.join("renamed.tar.gz"));
    assert_eq!(report.rejected.len(), 1);
    assert!(report.rejected[0]
        .to_string()
        .contains("zstd-9.9.9.tar.gz` (sha256"));
    assert_eq!(report.ignored, [dir.join("zstd-9.9.9.tar.gz.asc")]);
}

#[test]
fn cache_root_from_the_environment() {
    let emit = Emit::capture();
    let c = Cache::from_env(
        &Env::mock([("SYSPACK_SOURCE_DIR", "/s"), ("CARGO_HOME", "/c")]),
        &emit,
    )
    .unwrap();
    assert_eq!(c.root(), std::path::Path::new("/s"));
    let c = Cache::from_env(&Env::mock([("CARGO_HOME", "/c"), ("HOME", "/h")]), &emit).unwrap();
    assert_eq!(c.root(), std::path::Path::new("/c/syspack/sources"));
    let c = Cache::from_env(&Env::mock([("HOME", "/h")]), &emit).unwrap();
    assert_eq!(c.root(), std::path::Path::new("/h/.cargo/syspack/sources"));
    assert_eq!(
        emit.output(),
        "cargo:rerun-if-env-changed=SYSPACK_SOURCE_DIR\n\
         cargo:rerun-if-env-changed=CARGO_HOME\n\
         cargo:rerun-if-env-changed=HOME\n"
    );
}
