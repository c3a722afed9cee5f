//! One test per fixed bug, named after what went wrong.

use std::io::Read;
use std::process::{Command, Stdio};

/// Output into a closed pipe (`syspack vendor list | head -1`) must end quietly, not panic.
#[test]
fn closed_stdout_ends_quietly() {
    let dir = crate::util::Dir::new("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_syspack"))
        .args(["vendor", "list"])
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The four packages of the hello fixture (without the host's ELF executable, so nothing of the
/// machine enters them) at a fixed SOURCE_DATE_EPOCH, byte for byte as they were recorded before
/// issue 23's refactors (one quoter, one sys-crate list, one relation spelling). A refactor that
/// changes a byte of a package fails here; a deliberate format change records the new hashes and
/// says why in its commit.
#[test]
fn packages_stay_byte_identical_across_refactors() {
    let dir = crate::util::Dir::new("golden");
    dir.copy_fixture("package/hello");
    dir.package()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("TZ", "UTC")
        .args([
            "--target",
            "debian-12,fedora-43,arch,freebsd-14",
            "--out",
            "out",
        ])
        .stdout();
    let recorded = [
        (
            "hello-1.0.0-1-x86_64.pkg.tar.zst",
            "ddd2bf02a9817db6620ed1ec17cce3eb0f35fb8ea251488814f1220fccd420ba",
        ),
        (
            "hello-1.0.0-1.x86_64.rpm",
            "6ecfde514770479c9dcc5c63d933a0c1b53c305da5f6ffa927ee1ed6dbdab802",
        ),
        (
            "hello-1.0.0.pkg",
            "2c7e6ec94133e4c7eee61eaa6ad38aa93dd663af9aa6bd77d9f7cee5f7ee0556",
        ),
        (
            "hello_1.0.0-1_amd64.deb",
            "6147d176b15f83e2024560d326e22f13070b3c57cf31e32702821929cd4f1d8c",
        ),
    ];
    let out = dir.join("out");
    assert_eq!(
        crate::util::files_in(&out),
        recorded.map(|(name, _)| name),
        "the fixture's package names changed"
    );
    let actual: Vec<(&str, String)> = recorded
        .iter()
        .map(|(name, _)| {
            use sha2::Digest;
            let bytes = std::fs::read(out.join(name)).unwrap();
            (*name, hex::encode(sha2::Sha256::digest(bytes)))
        })
        .collect();
    let expected: Vec<(&str, String)> = recorded
        .iter()
        .map(|(name, hash)| (*name, hash.to_string()))
        .collect();
    assert_eq!(actual, expected, "a package's bytes changed");
}
