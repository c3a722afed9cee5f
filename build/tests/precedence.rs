//! One test per row of the precedence table in the crate docs (`src/lib.rs`), plus the link kind.

use crate::util::{base_env, fixtures, zstd, TARGET};
use syspack_build::{DecidedBy, LinkKind, Mode};

fn decided(extra: &[(&str, &str)]) -> (Mode, DecidedBy) {
    let why = zstd().explain(&base_env(extra));
    let d = why
        .decision()
        .unwrap_or_else(|| panic!("no decision: {why}"));
    (d.mode, d.by.clone())
}

fn env_by(var: &str, value: &str) -> DecidedBy {
    DecidedBy::Env {
        var: var.into(),
        value: value.into(),
    }
}

const LIB_TARGET: &str = "SYSPACK_ZSTD_LINK_x86_64-unknown-linux-gnu";
const LIB_TARGET_US: &str = "SYSPACK_ZSTD_LINK_x86_64_unknown_linux_gnu";
const GLOBAL_TARGET: &str = "SYSPACK_LINK_x86_64-unknown-linux-gnu";
const GLOBAL_TARGET_US: &str = "SYSPACK_LINK_x86_64_unknown_linux_gnu";

#[test]
fn row1_per_library_target_beats_everything() {
    let got = decided(&[
        (LIB_TARGET, "vendored"),
        (LIB_TARGET_US, "system"),
        ("SYSPACK_ZSTD_LINK", "system"),
        ("SYSPACK_ZSTD_LIB_DIR", "/x"),
        ("SYSPACK_LINK", "system"),
    ]);
    assert_eq!(got, (Mode::Vendored, env_by(LIB_TARGET, "vendored")));
}

#[test]
fn row2_per_library_target_with_underscores() {
    let got = decided(&[(LIB_TARGET_US, "vendored"), ("SYSPACK_ZSTD_LINK", "system")]);
    assert_eq!(got, (Mode::Vendored, env_by(LIB_TARGET_US, "vendored")));
}

#[test]
fn row3_per_library_beats_global_and_features() {
    let got = decided(&[
        ("SYSPACK_ZSTD_LINK", "system"),
        (GLOBAL_TARGET, "vendored"),
        ("SYSPACK_LINK", "vendored"),
        ("CARGO_FEATURE_VENDORED", "1"),
    ]);
    assert_eq!(got, (Mode::System, env_by("SYSPACK_ZSTD_LINK", "system")));
}

#[test]
fn row4_explicit_dirs_mean_system_and_beat_global() {
    let got = decided(&[
        ("SYSPACK_ZSTD_INCLUDE_DIR", "/x/include"),
        ("SYSPACK_LINK", "vendored"),
        ("CARGO_FEATURE_VENDORED", "1"),
    ]);
    assert_eq!(
        got,
        (
            Mode::System,
            DecidedBy::ExplicitDirs {
                var: "SYSPACK_ZSTD_INCLUDE_DIR".into()
            }
        )
    );
}

#[test]
fn row5_global_target() {
    let got = decided(&[
        (GLOBAL_TARGET, "system"),
        (GLOBAL_TARGET_US, "vendored"),
        ("SYSPACK_LINK", "vendored"),
    ]);
    assert_eq!(got, (Mode::System, env_by(GLOBAL_TARGET, "system")));
}

#[test]
fn row6_global_target_with_underscores() {
    let got = decided(&[(GLOBAL_TARGET_US, "auto"), ("SYSPACK_LINK", "vendored")]);
    assert_eq!(got, (Mode::Auto, env_by(GLOBAL_TARGET_US, "auto")));
}

#[test]
fn row7_global_beats_features() {
    let got = decided(&[("SYSPACK_LINK", "system"), ("CARGO_FEATURE_VENDORED", "1")]);
    assert_eq!(got, (Mode::System, env_by("SYSPACK_LINK", "system")));
}

#[test]
fn row8_feature_vendored() {
    let got = decided(&[("CARGO_FEATURE_VENDORED", "1")]);
    assert_eq!(
        got,
        (
            Mode::Vendored,
            DecidedBy::Feature {
                name: "vendored".into()
            }
        )
    );
}

#[test]
fn row9_default_is_auto() {
    assert_eq!(decided(&[]), (Mode::Auto, DecidedBy::Default));
}

#[test]
fn target_variants_of_another_target_are_ignored() {
    let got = decided(&[("SYSPACK_ZSTD_LINK_aarch64-unknown-linux-gnu", "vendored")]);
    assert_eq!(got, (Mode::Auto, DecidedBy::Default));
}

fn link_of(extra: &[(&str, &str)]) -> LinkKind {
    zstd().explain(&base_env(extra)).decision().unwrap().link
}

#[test]
fn link_static_env_beats_feature() {
    assert_eq!(
        link_of(&[("SYSPACK_ZSTD_STATIC", "0"), ("CARGO_FEATURE_STATIC", "1")]),
        LinkKind::Dylib
    );
    let t = format!("SYSPACK_ZSTD_STATIC_{TARGET}");
    assert_eq!(
        link_of(&[(&t, "1"), ("SYSPACK_ZSTD_STATIC", "0")]),
        LinkKind::Static
    );
}

#[test]
fn link_feature_static_then_default_dylib() {
    assert_eq!(link_of(&[("CARGO_FEATURE_STATIC", "1")]), LinkKind::Static);
    assert_eq!(link_of(&[]), LinkKind::Dylib);
}

#[test]
fn invalid_global_value_lists_the_valid_ones() {
    let (r, out) = crate::util::run(&zstd(), &base_env(&[("SYSPACK_LINK", "static")]));
    let e = r.unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value `static` in `SYSPACK_LINK`: allowed values are `system`, `vendored`, `auto`"
    );
    // Debug prints the same text, so `unwrap()` in a build script shows it.
    assert_eq!(format!("{e:?}"), e.to_string());
    assert!(
        out.contains("cargo:rerun-if-env-changed=SYSPACK_LINK\n"),
        "{out}"
    );
}

#[test]
fn invalid_per_library_and_static_values() {
    let e = zstd()
        .explain(&base_env(&[(LIB_TARGET, "yes")]))
        .error()
        .map(|e| e.to_string())
        .unwrap();
    assert!(e.contains(&format!("`{LIB_TARGET}`")), "{e}");
    assert!(e.contains("`system`, `vendored`, `auto`"), "{e}");
    let e = zstd()
        .explain(&base_env(&[("SYSPACK_ZSTD_STATIC", "maybe")]))
        .error()
        .map(|e| e.to_string())
        .unwrap();
    assert!(
        e.contains("`SYSPACK_ZSTD_STATIC`: allowed values are `1`, `0`"),
        "{e}"
    );
}

#[test]
fn explain_emits_nothing_and_reports_pkg_config() {
    // `explain` takes no `Emit`: it cannot print; this checks what it says.
    let why = zstd().explain(&base_env(&[]));
    let text = why
        .to_string()
        .replace(&fixtures().display().to_string(), "{fixtures}");
    assert_eq!(
        text,
        "zstd: system 1.5.4 (dylib)\n  \
         mode: auto (from the default: no `vendored` feature, no `SYSPACK_*LINK` variable), link dylib\n  \
         found: pkg-config `libzstd`: `{fixtures}/pc/libzstd.pc`"
    );
}
