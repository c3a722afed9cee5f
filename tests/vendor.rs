use sha2::Digest;

use crate::util::{assert_contains, files_in, Dir};

fn sha256(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

/// A scratch pin for library `demo` that accepts exactly `bytes` as `demo-1.0.tar.gz`.
fn demo_pin(dir: &Dir, bytes: &[u8]) {
    dir.create(
        "pins/demo-sys/pin.toml",
        format!(
            "library = \"demo\"\nversion = \"1.0\"\nurl = \"https://example.invalid/demo-1.0.tar.gz\"\n\n\
             [[artifact]]\nfile = \"demo-1.0.tar.gz\"\nsha256 = \"{}\"\nkind = \"upstream\"\nstrip = \"demo-1.0\"\n",
            sha256(bytes)
        ),
    );
}

#[test]
fn import_rejects_a_tampered_tarball_of_a_builtin_pin() {
    let dir = Dir::new("tampered");
    dir.create("in/zstd-1.5.7.tar.gz", "not the real zstd tarball");
    dir.create("in/unrelated.txt", "ignored");
    let err = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .args(["vendor", "import", "in"])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "rejected",
            "zstd-1.5.7.tar.gz",
            "is not accepted by any pin",
            "not imported",
        ],
    );
    assert!(
        files_in(&dir.join("cache/sha256")).is_empty(),
        "a rejected file must not enter the cache"
    );
}

#[test]
fn import_verify_and_list_with_scratch_pins() {
    let dir = Dir::new("pins");
    let good = b"pretend this is demo 1.0".to_vec();
    demo_pin(&dir, &good);
    dir.create("in/demo-1.0.tar.gz", &good);
    let cache = dir.join("cache");
    let out = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .args(["vendor", "--pins", "pins", "import", "in"])
        .stdout();
    assert_contains(&out, &["imported demo 1.0 (upstream)"]);
    assert_eq!(files_in(&cache.join("sha256")), [sha256(&good)]);

    let list = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .args(["vendor", "--pins", "pins", "list"])
        .stdout();
    assert_contains(&list, &["demo 1.0", "cached", "demo-1.0.tar.gz"]);
    let verify = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .args(["vendor", "verify", "--pins", "pins"])
        .stdout();
    assert_contains(&verify, &["ok       demo 1.0"]);

    // The cached bytes change behind syspack's back: verify fails with exit 1.
    std::fs::write(cache.join("sha256").join(sha256(&good)), b"changed").unwrap();
    let err = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .args(["vendor", "--pins", "pins", "verify"])
        .stderr_with(1);
    assert_contains(&err, &["sha256 mismatch", "no longer match"]);
}

#[test]
fn fetch_from_a_file_mirror() {
    let dir = Dir::new("fetch");
    let good = b"demo 1.0 from the mirror".to_vec();
    demo_pin(&dir, &good);
    dir.create("mirror/demo-1.0.tar.gz", &good);
    let cache = dir.join("cache");
    let mirror = format!("file://{}", dir.join("mirror").display());
    let out = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .env("SYSPACK_MIRROR", &mirror)
        .args(["vendor", "--pins", "pins", "fetch"])
        .stdout();
    assert_contains(&out, &["fetched  demo 1.0", "mirror/demo-1.0.tar.gz"]);
    assert_eq!(files_in(&cache.join("sha256")), [sha256(&good)]);
    // A second fetch finds it cached.
    let again = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .env("SYSPACK_MIRROR", &mirror)
        .args(["vendor", "--pins", "pins", "fetch"])
        .stdout();
    assert_contains(&again, &["cached   demo 1.0"]);
}

#[test]
fn fetch_rejects_a_mirror_with_wrong_bytes() {
    let dir = Dir::new("badmirror");
    demo_pin(&dir, b"the real bytes");
    dir.create("mirror/demo-1.0.tar.gz", "other bytes");
    let cache = dir.join("cache");
    let err = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &cache)
        .env(
            "SYSPACK_MIRROR",
            format!("file://{}", dir.join("mirror").display()),
        )
        // The upstream URL after the mirror is unreachable here (example.invalid).
        .args(["vendor", "--pins", "pins", "fetch", "demo"])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "could not fetch 1 library",
            "demo 1.0",
            "is not accepted by any pin",
        ],
    );
    assert!(files_in(&cache.join("sha256")).is_empty());
}

#[test]
fn fetch_of_an_unknown_library_gets_a_hint() {
    let dir = Dir::new("unknownlib");
    let err = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .args(["vendor", "fetch", "zst"])
        .stderr_with(2);
    assert_contains(&err, &["no pin for library `zst`", "`zstd`"]);
}

#[test]
fn builtin_pins_are_listed() {
    let dir = Dir::new("list");
    let out = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .args(["vendor", "list"])
        .stdout();
    assert_contains(&out, &["bzip2 ", "lzma ", "zlib ", "zstd 1.5.7", "missing"]);
}

/// Issue 16: a source cache that is a file (or has a file where `sha256/` should be) is named
/// as the cause, never reported as a tarball that matches no pin or as an empty cache.
#[test]
fn a_broken_source_cache_is_named_as_the_cause() {
    let dir = Dir::new("broken-cache");
    let good = b"pretend this is demo 1.0".to_vec();
    demo_pin(&dir, &good);
    dir.create("in/demo-1.0.tar.gz", &good);
    let file = dir.create("cache-is-a-file", "x");
    let err = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", &file)
        .args(["vendor", "--pins", "pins", "import", "in"])
        .stderr_with(2);
    assert_contains(&err, &["cache-is-a-file", "not a directory"]);
    assert!(!err.contains("matches no pin"), "{err}");
    for cmd in ["list", "verify"] {
        let err = dir
            .command()
            .env("SYSPACK_SOURCE_DIR", &file)
            .args(["vendor", "--pins", "pins", cmd])
            .stderr_with(2);
        assert_contains(&err, &["cache-is-a-file", "not a directory"]);
    }
    let cache = dir.join("cache");
    dir.create("cache/sha256", "a file where the directory should be");
    for cmd in ["list", "verify"] {
        let out = dir
            .command()
            .env("SYSPACK_SOURCE_DIR", &cache)
            .args(["vendor", "--pins", "pins", cmd])
            .output();
        assert_ne!(out.status.code(), Some(0), "vendor {cmd} on a broken cache");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("0 file(s)"), "{text}");
    }
}
