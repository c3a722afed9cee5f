use crate::util::{assert_contains, Dir};

#[test]
fn version_and_help() {
    let dir = Dir::new("version");
    let out = dir.command().args(["--version"]).stdout();
    assert!(out.starts_with("syspack "), "{out}");
    let help = dir.command().args(["--help"]).stdout();
    assert_contains(
        &help,
        &["package", "inspect", "vendor", "doctor", "--provenance"],
    );
}

#[test]
fn no_arguments_is_a_usage_error() {
    let dir = Dir::new("noargs");
    let err = dir.command().stderr_with(2);
    assert_contains(&err, &["Usage: syspack"]);
    let err = dir.command().args(["frobnicate"]).stderr_with(2);
    assert_contains(&err, &["frobnicate"]);
}

#[test]
fn provenance_is_a_json_array_of_seven_libraries() {
    let dir = Dir::new("provenance");
    let out = dir.command().args(["--provenance"]).stdout();
    let v: serde_json::Value = serde_json::from_str(&out).expect("--provenance prints JSON");
    let libs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["library"].as_str().unwrap())
        .collect();
    assert_eq!(
        libs,
        [
            "bzip2",
            "expat",
            "libdeflate",
            "libsolv",
            "lzma",
            "zlib",
            "zstd"
        ]
    );
    for o in v.as_array().unwrap() {
        let mode = o["mode"].as_str().unwrap();
        assert!(mode == "system" || mode == "vendored", "{o}");
    }
}

#[test]
fn runs_as_a_cargo_subcommand() {
    let dir = Dir::new("cargo");
    let out = dir.command().args(["syspack", "--version"]).stdout();
    assert!(out.starts_with("syspack "), "{out}");
}

#[test]
fn doctor_explains_libraries_and_tools() {
    let dir = Dir::new("doctor");
    let out = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .args(["doctor"])
        .stdout();
    assert_contains(
        &out,
        &[
            "bzip2:",
            "lzma:",
            "zlib:",
            "zstd:",
            "mode:",
            "inside this syspack binary",
            "dpkg-deb",
            "rpmbuild",
            "debootstrap",
        ],
    );
    // With a strict mode that cannot be met, doctor says so instead of failing.
    let out = dir
        .command()
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .env("SYSPACK_ZSTD_LINK", "vendored")
        .args(["doctor"])
        .stdout();
    assert_contains(
        &out,
        &["zstd: the build would fail", "syspack vendor fetch"],
    );
}
