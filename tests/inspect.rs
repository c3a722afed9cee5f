use crate::package::hello;
use crate::util::{assert_contains, Dir};

fn one(dir: &Dir, target: &str) -> std::path::PathBuf {
    dir.package()
        .args(["--target", target, "--out", "out", crate::package::FOREIGN])
        .stdout();
    let name = crate::util::files_in(&dir.join("out")).pop().unwrap();
    dir.join("out").join(name)
}

#[test]
fn metadata_and_files_of_each_format() {
    let dir = hello("inspect");
    for (target, needles) in [
        (
            "debian-12",
            &["format: deb", "Package: hello", "/usr/bin/hello-elf"][..],
        ),
        (
            "fedora-43",
            &["format: rpm", "hello", "/usr/bin/hello-elf"][..],
        ),
        (
            "arch",
            &["format: arch", "pkgname = hello", "/usr/bin/hello-elf"][..],
        ),
        (
            "freebsd-14",
            &["format: freebsd", "hello", "/usr/local/bin/hello-elf"][..],
        ),
    ] {
        let pkg = one(&dir, target);
        let out = dir.command().args(["inspect"]).args([&pkg]).stdout();
        assert_contains(&out, needles);
        std::fs::remove_file(pkg).unwrap();
    }
}

#[test]
fn a_damaged_package_fails_with_exit_1() {
    let dir = hello("damaged");
    let pkg = one(&dir, "fedora-43");
    let mut bytes = std::fs::read(&pkg).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff; // inside the compressed payload, covered by the payload digest
    std::fs::write(&pkg, bytes).unwrap();
    let err = dir.command().args(["inspect"]).args([&pkg]).stderr_with(1);
    assert_contains(&err, &["error: ", "failed verification as a rpm package"]);
}

#[test]
fn not_a_package_is_an_error() {
    let dir = Dir::new("notpkg");
    dir.create("x.txt", "hello\n");
    let err = dir.command().args(["inspect", "x.txt"]).stderr_with(2);
    assert_contains(&err, &["`x.txt` is not a package syspack recognises"]);
    let err = dir.command().args(["inspect", "nosuch.deb"]).stderr_with(2);
    assert_contains(&err, &["failed to open `nosuch.deb`"]);
}
