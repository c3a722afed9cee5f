//! `syspack generated check|update` on a scratch copy of the repository's `generated/` and the
//! demo's inputs, with the real thrift, flex and bison (and fake ones on `PATH`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository this test binary was built from.
const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A line of `generated/parser/filter.tab.c` that the tests edit.
const TAB_C_LINE: &str = "#define YYBISON_VERSION \"3.8.2\"";

/// A temporary checkout holding `generated/` and the demo's generator inputs.
struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::Builder::new()
            .prefix("syspack-generated-test-")
            .tempdir()
            .unwrap();
        for sub in [
            "generated",
            "examples/demo/idl",
            "examples/demo/parser",
            "sys-crates/libsolv-sys/bindgen",
        ] {
            copy_dir(&Path::new(REPO).join(sub), &dir.path().join(sub));
        }
        // The bindgen bindings, which live in their sys crates.
        for entry in std::fs::read_dir(Path::new(REPO).join("sys-crates")).unwrap() {
            let krate = entry.unwrap().path();
            let bindings = krate.join("src/bindings.rs");
            if bindings.is_file() {
                let rel = bindings.strip_prefix(REPO).unwrap();
                std::fs::create_dir_all(dir.path().join(rel).parent().unwrap()).unwrap();
                std::fs::copy(&bindings, dir.path().join(rel)).unwrap();
            }
        }
        Checkout { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Replaces the one occurrence of `from` in `rel` by `to`.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` should occur once in {rel}"
        );
        std::fs::write(self.path(rel), text.replace(from, to)).unwrap();
    }

    /// Every file below the root with its content and modification time.
    fn snapshot(&self) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.root().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
                    out.insert(path.clone(), (std::fs::read(&path).unwrap(), modified));
                }
            }
        }
        out
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("failed to read `{}`: {e}", from.display()))
    {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// The real generators; fails (never skips) with the install command when one is missing.
fn real_tool(name: &str) -> PathBuf {
    which::which(name).unwrap_or_else(|_| {
        panic!("`{name}` is not installed; these tests need thrift, flex and bison: `apt-get install thrift-compiler flex bison`")
    })
}

/// A `PATH` with the real thrift, flex and bison (linked into a directory), and nothing else.
fn tools_path(dir: &Path, except: &[&str]) -> OsString {
    std::fs::create_dir_all(dir).unwrap();
    for tool in ["thrift", "flex", "bison"] {
        if !except.contains(&tool) {
            std::os::unix::fs::symlink(real_tool(tool), dir.join(tool)).unwrap();
        }
    }
    dir.as_os_str().to_owned()
}

/// Runs `syspack generated ARGS` in `cwd` with `PATH` set to `path` (the real one if `None`).
fn syspack(args: &[&str], cwd: &Path, path: Option<&OsString>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_syspack"));
    cmd.arg("generated")
        .args(args)
        .current_dir(cwd)
        .env_remove("SYSPACK_GENERATED_INPUTS");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().unwrap();
    eprintln!(
        "$ (cd {} && PATH={:?} syspack generated {})\nexit: {:?}\n--- stdout\n{}--- stderr\n{}",
        cwd.display(),
        path,
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clean_checkout_matches_regeneration() {
    let co = Checkout::new();
    let tools = tempfile::tempdir().unwrap();
    let path = tools_path(tools.path(), &[]);
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("ok: demo-thrift: outputs match regeneration with thrift 0.17.0"),
        "{text}"
    );
    assert!(
        text.contains("ok: demo-lexer: outputs match regeneration with flex 2.6.4"),
        "{text}"
    );
    assert!(
        text.contains("ok: demo-parser: outputs match regeneration with bison 3.8.2"),
        "{text}"
    );
    // bindgen is not on this PATH: the bindings are checked by hash, and it says so.
    assert!(
        text.contains("ok: zstd-bindings: regeneration skipped: `bindgen` not found on PATH"),
        "{text}"
    );
}

#[test]
fn edited_output_is_drift_with_a_diff_naming_file_and_line() {
    let co = Checkout::new();
    let line = co
        .read("generated/parser/filter.tab.c")
        .lines()
        .position(|l| l == TAB_C_LINE)
        .unwrap()
        + 1;
    co.edit(
        "generated/parser/filter.tab.c",
        TAB_C_LINE,
        "#define YYBISON_VERSION \"9.9.9\"",
    );
    let before = co.snapshot();
    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("drift: demo-parser: `generated/parser/filter.tab.c` (line "),
        "{text}"
    );
    assert!(text.contains("edited by hand?"), "{text}");
    assert!(
        text.contains("--- a/generated/parser/filter.tab.c (checked in)"),
        "{text}"
    );
    assert!(
        text.contains("+++ b/generated/parser/filter.tab.c (regenerated)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("@@ -{},", line - 3)),
        "hunk should start 3 lines above line {line}: {text}"
    );
    assert!(
        text.contains("-#define YYBISON_VERSION \"9.9.9\"\n+#define YYBISON_VERSION \"3.8.2\"\n"),
        "{text}"
    );
    assert!(
        text.contains("ok: demo-lexer"),
        "other generations are unaffected: {text}"
    );
    assert_eq!(
        co.snapshot(),
        before,
        "the check must not modify the working tree"
    );
}

#[test]
fn edited_input_without_regenerating_is_input_changed() {
    let co = Checkout::new();
    co.edit(
        "examples/demo/parser/filter.y",
        "\"comparison\"",
        "\"comparison operator\"",
    );
    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "input changed: demo-parser: `examples/demo/parser/filter.y` changed since the outputs were generated, \
             but they were not regenerated; run `syspack generated update`"
        ),
        "{text}"
    );
    assert!(
        text.contains("regenerating would change `generated/parser/filter.tab.c` (line"),
        "{text}"
    );
    assert!(
        text.contains("\"comparison operator\""),
        "the diff shows the regenerated text: {text}"
    );
    assert!(
        !text.contains("drift:"),
        "an input change is not drift: {text}"
    );
}

#[test]
fn without_generators_only_hashes_are_checked_and_it_says_so() {
    let co = Checkout::new();
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().as_os_str().to_owned();
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for (name, tool) in [
        ("demo-thrift", "thrift"),
        ("demo-lexer", "flex"),
        ("demo-parser", "bison"),
    ] {
        assert!(
            text.contains(&format!(
                "ok: {name}: regeneration skipped: `{tool}` not found on PATH"
            )),
            "{text}"
        );
    }
    assert!(
        text.contains(
            "checked the inputs' and outputs' sha256 against the manifest instead, and they match"
        ),
        "{text}"
    );
    // Every generation of the manifest, each by hash only.
    let manifest = std::fs::read_to_string(co.root().join("generated/manifest.toml")).unwrap();
    let n = manifest
        .lines()
        .filter(|l| l.trim() == "[[generation]]")
        .count();
    assert!(
        text.contains(&format!("{n} generations: {n} ok ({n} by hash only)")),
        "{text}"
    );

    // Hash-only still catches an edited output and an edited input.
    co.edit(
        "generated/parser/filter.tab.c",
        TAB_C_LINE,
        "#define YYBISON_VERSION \"9.9.9\"",
    );
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("drift: demo-parser: `generated/parser/filter.tab.c` changed since the manifest was written"), "{text}");
    assert!(
        text.contains("note: regeneration skipped: `bison` not found on PATH"),
        "{text}"
    );

    co.edit(
        "examples/demo/idl/demo.thrift",
        "2: required i64 size",
        "2: required i32 size",
    );
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("input changed: demo-thrift: `examples/demo/idl/demo.thrift` changed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn other_generator_version_is_skew_not_tampering() {
    let co = Checkout::new();
    let tools = tempfile::tempdir().unwrap();
    let path = tools_path(tools.path(), &["bison"]);
    // A bison that says it is 3.8.3 and writes one more line than the real one.
    let shim = tools.path().join("bison");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bison (GNU Bison) 3.8.3'; exit 0; fi\n\
             {} \"$@\" || exit $?\necho '/* made by the 3.8.3 shim */' >> filter.tab.c\n",
            real_tool("bison").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(
        out.status.code(),
        Some(3),
        "version skew has its own exit code"
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "version skew: demo-parser: the outputs were made with bison 3.8.2, but `{}` is bison 3.8.3 (not tampering",
            shim.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("+/* made by the 3.8.3 shim */"),
        "the diff it would cause: {text}"
    );
    assert!(!text.contains("drift:"), "{text}");
    assert!(text.contains("ok: demo-lexer"), "{text}");

    // Accepting the new version: update records it, and the check is clean with it.
    let out = syspack(&["update", "demo-parser"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(0));
    assert!(co
        .read("generated/manifest.toml")
        .contains("version = \"3.8.3\""));
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn update_then_check_is_clean_and_touches_only_what_changed() {
    let co = Checkout::new();
    co.edit(
        "examples/demo/parser/filter.y",
        "\"comparison\"",
        "\"comparison operator\"",
    );
    let manifest_before = co.read("generated/manifest.toml");
    let before = co.snapshot();
    let out = syspack(&["update"], co.root(), None);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("updated `generated/parser/filter.tab.c`"),
        "{text}"
    );
    assert!(text.contains("manifest.toml`"), "{text}");
    assert!(
        text.contains("skipped zstd-bindings: regeneration skipped: "),
        "{text}"
    );

    let after = co.snapshot();
    let changed: Vec<String> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p.strip_prefix(co.root()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        changed,
        [
            "generated/manifest.toml",
            "generated/parser/filter.tab.c",
            "generated/parser/filter.tab.h"
        ],
        "only the regenerated outputs and the manifest change"
    );
    // The manifest keeps its comments and layout; only demo-parser's hashes differ.
    let manifest_after = co.read("generated/manifest.toml");
    let differing: Vec<(&str, &str)> = manifest_before
        .lines()
        .zip(manifest_after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        manifest_before.lines().count(),
        manifest_after.lines().count()
    );
    assert_eq!(differing.len(), 3, "input and two outputs: {differing:?}");
    assert!(
        differing
            .iter()
            .all(|(a, _)| a.contains("filter.y") || a.contains("filter.tab.")),
        "{differing:?}"
    );

    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("ok: demo-parser: outputs match regeneration"),
        "{}",
        stdout(&out)
    );

    // A second update changes nothing.
    let settled = co.snapshot();
    let out = syspack(&["update"], co.root(), None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(co.snapshot(), settled);
    assert!(!stdout(&out).contains("updated"), "{}", stdout(&out));
}

#[test]
fn check_passes_from_any_directory() {
    let co = Checkout::new();
    // From a subdirectory: the manifest is found in a parent.
    let out = syspack(&["check"], &co.path("examples/demo/parser"), None);
    assert_eq!(out.status.code(), Some(0));
    // From elsewhere, with --manifest (relative to that directory, too).
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = co.path("generated/manifest.toml");
    let out = syspack(
        &["check", "--manifest", manifest.to_str().unwrap()],
        elsewhere.path(),
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let out = syspack(
        &["check", "--manifest", "manifest.toml"],
        &co.path("generated"),
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    // Without a manifest anywhere above: a clear error.
    let out = syspack(&["check"], elsewhere.path(), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `generated/manifest.toml` in"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--manifest PATH"), "{}", stderr(&out));
}

#[test]
fn bad_manifests_are_errors_with_file_and_line() {
    let co = Checkout::new();
    let manifest = co.read("generated/manifest.toml");
    let line_of = |needle: &str| manifest.lines().position(|l| l.contains(needle)).unwrap() + 1;

    // A missing output.
    std::fs::remove_file(co.path("generated/parser/filter.lex.h")).unwrap();
    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "manifest.toml:{}: output `generated/parser/filter.lex.h` of `demo-lexer` does not exist",
        line_of("path = \"generated/parser/filter.lex.h\"")
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));

    // An unknown generator.
    let bad = manifest.replacen("generator = \"flex\"", "generator = \"lex\"", 1);
    std::fs::write(co.path("generated/manifest.toml"), &bad).unwrap();
    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "manifest.toml:{}: unknown generator `lex`",
        line_of("generator = \"flex\"")
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));

    // Malformed TOML.
    std::fs::write(
        co.path("generated/manifest.toml"),
        manifest.replacen("[[generation]]", "[[generation]", 1),
    )
    .unwrap();
    let out = syspack(&["check"], co.root(), None);
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "manifest.toml:{}: malformed manifest",
        line_of("[[generation]]")
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
}

#[test]
fn bindings_made_by_the_script_are_recorded_without_regenerating() {
    let co = Checkout::new();
    // What generated/regenerate-bindings.sh does: rewrite a binding with bindgen-as-a-library.
    let mut text = co.read("sys-crates/zstd-sys/src/bindings.rs");
    text.push_str("pub const ZSTD_NEW_IN_THIS_RELEASE: i32 = 1;\n");
    std::fs::write(co.path("sys-crates/zstd-sys/src/bindings.rs"), text).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().as_os_str().to_owned();
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("drift: zstd-bindings: `sys-crates/zstd-sys/src/bindings.rs` changed since the manifest was written"),
        "{}",
        stdout(&out)
    );
    let out = syspack(
        &["update", "--no-regenerate", "zstd-bindings"],
        co.root(),
        Some(&path),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = syspack(&["check"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(0));
    // Without --no-regenerate, update refuses to bless files it cannot regenerate.
    std::fs::write(co.path("sys-crates/zstd-sys/src/bindings.rs"), "edited\n").unwrap();
    let out = syspack(&["update"], co.root(), Some(&path));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("failed zstd-bindings: cannot regenerate: `bindgen` not found on PATH"),
        "{}",
        stdout(&out)
    );
}
