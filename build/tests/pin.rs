//! Pin files: parsing and every kind of error names the file and the key.

use std::path::Path;

use crate::util::{run, zstd, Vendor};
use syspack_build::pin::{ArtifactKind, Pin};
use syspack_build::Error;

const SHA: &str = "eb33e51f49a15e023950cd7825ca74a4a2b43db8354825ac24fc1b7ee09e6fa3";

fn pin_text(extra_top: &str, artifact: &str) -> String {
    format!(
        "library = \"zstd\"\nversion = \"1.5.7\"\nurl = \"https://example.invalid/zstd-1.5.7.tar.gz\"\n{extra_top}\n\
         [[artifact]]\n{artifact}\n"
    )
}

const ART: &str = "file = \"zstd-1.5.7.tar.gz\"\nsha256 = \"eb33e51f49a15e023950cd7825ca74a4a2b43db8354825ac24fc1b7ee09e6fa3\"\nkind = \"upstream\"\nstrip = \"zstd-1.5.7\"";

fn parse(text: &str) -> Result<Pin, Error> {
    Pin::parse(text, Path::new("sys/zstd/pin.toml"))
}

#[test]
fn good_pin() {
    let p = parse(&pin_text("patches = [\"patches/0001-a.patch\"]", ART)).unwrap();
    assert_eq!(p.artifacts[0].kind, ArtifactKind::Upstream);
    assert_eq!(p.artifacts[0].sha256, SHA);
    assert_eq!(
        p.patch_paths(),
        [Path::new("sys/zstd/patches/0001-a.patch")]
    );
}

#[test]
fn unknown_top_level_key() {
    let e = parse(&pin_text("sha = \"x\"", ART))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("invalid pin file `sys/zstd/pin.toml`: "),
        "{e}"
    );
    assert!(e.contains("unknown field `sha`"), "{e}");
}

#[test]
fn unknown_artifact_key() {
    let e = parse(&pin_text("", &format!("{ART}\nmd5 = \"x\"")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field `md5`"), "{e}");
}

#[test]
fn missing_key() {
    let e = parse("library = \"zstd\"\nversion = \"1\"\n[[artifact]]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing field `url`") || e.contains("missing field `file`"),
        "{e}"
    );
}

#[test]
fn bad_sha256_names_the_key() {
    let e = parse(&pin_text("", &ART.replace(SHA, "ABC"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid pin file `sys/zstd/pin.toml`: key `artifact[0].sha256` = `ABC`: expected 64 lower-case hexadecimal digits"
    );
}

#[test]
fn bad_kind() {
    let e = parse(&pin_text("", &ART.replace("upstream", "fedora")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown variant `fedora`"), "{e}");
    assert!(e.contains("upstream") && e.contains("debian-orig"), "{e}");
}

#[test]
fn bad_file_strip_and_patch_paths() {
    let e = parse(&pin_text(
        "",
        &ART.replace("file = \"zstd", "file = \"../zstd"),
    ))
    .unwrap_err();
    assert!(
        matches!(e, Error::PinInvalid { ref key, .. } if key == "artifact[0].file"),
        "{e}"
    );
    let e = parse(&pin_text(
        "",
        &ART.replace("strip = \"zstd-1.5.7\"", "strip = \"a/../b\""),
    ))
    .unwrap_err();
    assert!(
        matches!(e, Error::PinInvalid { ref key, .. } if key == "artifact[0].strip"),
        "{e}"
    );
    let e = parse(&pin_text("patches = [\"../x.patch\"]", ART)).unwrap_err();
    assert!(
        matches!(e, Error::PinInvalid { ref key, .. } if key == "patches[0]"),
        "{e}"
    );
}

#[test]
fn no_artifacts_and_duplicates() {
    let e = parse(
        "library = \"zstd\"\nversion = \"1\"\nurl = \"https://x.invalid/a\"\nartifact = []\n",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("expected at least one `[[artifact]]` table"),
        "{e}"
    );
    let two = format!("{ART}\n[[artifact]]\n{ART}");
    let e = parse(&pin_text("", &two)).unwrap_err();
    assert!(e.to_string().contains("key `artifact[1]`"), "{e}");
}

#[test]
fn missing_pin_file_and_wrong_library() {
    let v = Vendor::new();
    v.import();
    std::fs::remove_file(v.path().join("crate/pin.toml")).unwrap();
    let e = run(&zstd(), &v.env(&[("SYSPACK_LINK", "vendored")]))
        .0
        .unwrap_err();
    assert!(
        e.to_string().starts_with("failed to read pin file `"),
        "{e}"
    );

    let v = Vendor::new();
    v.import();
    let mut lib = zstd();
    let mut pin = v.pin.clone();
    pin.library = "bzip2".into();
    lib.pin(pin);
    let e = run(&lib, &v.env(&[("SYSPACK_LINK", "vendored")]))
        .0
        .unwrap_err();
    assert!(
        e.to_string().contains("this pin is for another library"),
        "{e}"
    );
}
