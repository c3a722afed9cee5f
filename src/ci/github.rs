//! The GitHub Actions workflow of a [`Plan`]: one job per package manager (apt, dnf, zypper,
//! pacman: a container per release), each a matrix of the targets it covers × the link modes,
//! plus a `sources` job that fetches the pinned sources of vendored builds into a cache the
//! matrix jobs restore. FreeBSD takes two jobs: `freebsd-package` cross-builds the package on
//! the Linux host (zig through cargo-zigbuild, Rust's FreeBSD standard library, the C libraries
//! vendored: `syspack package --target freebsd-14`, docs/freebsd.md), and `freebsd`, in a VM of
//! the release, installs that package with `pkg add` and runs it, and builds the project
//! against the release's own libraries (system) and runs that build.
//!
//! The output is text written line by line (not a serialised value) so that it can carry
//! comments and stay byte-identical for the same inputs. Nothing from the event that triggered
//! the workflow is ever expanded into a script: matrix values reach scripts through `env:`.

use std::fmt::Write as _;

use syspack_build::shell;

use super::runners::{Manager, Runner};
use super::{Build, Link, Plan, TargetPlan};

/// Actions used, pinned to the commit of a release (the tag is in the trailing comment).
pub(super) const CHECKOUT: &str =
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";
const CACHE: &str = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3";
const CACHE_RESTORE: &str =
    "actions/cache/restore@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3";
pub(super) const UPLOAD: &str =
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2";
pub(super) const DOWNLOAD: &str =
    "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0";
/// The FreeBSD VM action, by its major tag: see the comment written above it.
const FREEBSD_VM: &str = "vmactions/freebsd-vm@v1 # zizmor: ignore[unpinned-uses]";

/// The GitHub-hosted runner every job runs on (the containers' and the VM's host). The
/// `sources` job builds on it directly, with the knowledge base's `ubuntu-24.04` packages.
pub(super) const HOST: &str = "ubuntu-24.04";
pub(super) const HOST_RELEASE: &str = "ubuntu-24.04";

/// Where vendored builds find the pinned sources (`SYSPACK_SOURCE_DIR`), relative to the
/// checkout so that the FreeBSD VM sees it too.
pub(super) const SOURCES: &str = ".syspack/sources";

/// A YAML scalar: plain when that reads back as the same string, else single-quoted.
pub(super) fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

pub(super) struct Out {
    pub(super) text: String,
}

impl Out {
    pub(super) fn line(&mut self, indent: usize, s: &str) {
        if s.is_empty() {
            self.text.push('\n');
        } else {
            let _ = writeln!(self.text, "{:indent$}{s}", "");
        }
    }

    /// A step named `name` that uses `action` with the inputs `with` (`key: value`, in order).
    pub(super) fn uses(&mut self, name: &str, action: &str, with: &[(&str, &str)]) {
        self.line(6, &format!("- name: {name}"));
        self.line(8, &format!("uses: {action}"));
        self.line(8, "with:");
        for (k, v) in with {
            self.line(10, &format!("{k}: {v}"));
        }
    }

    /// A `run: |` block at `indent` (the key's indentation).
    pub(super) fn run(&mut self, indent: usize, lines: &[String]) {
        self.line(indent, "run: |");
        for l in lines {
            self.line(indent + 2, l);
        }
    }
}

/// The `hashFiles(...)` arguments of the pins.
fn pins_hash(plan: &Plan) -> String {
    plan.pin_dirs
        .iter()
        .map(|d| {
            if d == "." {
                "'*/pin.toml'".to_string()
            } else {
                format!("'{d}/*/pin.toml'")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sources_key(plan: &Plan) -> String {
    format!("syspack-sources-${{{{ hashFiles({}) }}}}", pins_hash(plan))
}

/// `cargo install` of the syspack that generated the workflow (projects other than syspack).
pub(super) fn install_syspack_line() -> String {
    format!(
        "cargo install --locked --features vendored syspack --version '={}'",
        env!("CARGO_PKG_VERSION")
    )
}

/// Shell lines that build (syspack itself) and write the package for `$TARGET` into `dist/`,
/// with `$features` holding the cargo feature arguments; `syspack` is the command to run.
pub(super) fn package_lines(plan: &Plan, syspack: &str, features: &str) -> Vec<String> {
    let mut lines = Vec::new();
    match &plan.build {
        Build::Cargo { manifest, .. } => {
            let manifest_arg = manifest
                .as_deref()
                .map(|m| format!(" --manifest-path {}", shell::quote(m)))
                .unwrap_or_default();
            if plan.is_syspack {
                lines.push(format!(
                    "cargo build --release --locked{manifest_arg} {features}"
                ));
            }
            lines.push(format!(
                "{syspack} package{manifest_arg} --target \"$TARGET\" --out dist {features}"
            ));
        }
        Build::Standalone { config } => lines.push(format!(
            "{syspack} package --config {} --target \"$TARGET\" --out dist",
            shell::quote(config)
        )),
    }
    lines
}

/// The script of a "build and package" step on a Linux host or container: `prelude` (what puts
/// cargo or zig on `PATH`), the pinned sources for vendored builds, the feature arguments, then
/// [`package_lines`].
pub(super) fn package_script(plan: &Plan, prelude: Vec<String>) -> Vec<String> {
    let mut lines = prelude;
    if !plan.links.is_empty() {
        lines.push(format!("export SYSPACK_SOURCE_DIR=\"$PWD/{SOURCES}\""));
    }
    let (decl, features) = feature_lines(plan);
    lines.extend(decl);
    let syspack = if plan.is_syspack {
        "target/release/syspack"
    } else {
        "syspack"
    };
    lines.extend(package_lines(plan, syspack, features));
    trim_lines(lines)
}

/// `(declaration lines, expansion)` of the cargo feature arguments of a `run:` step (bash, an
/// array): `--features vendored` in vendored builds of a package that has the feature.
pub(super) fn feature_lines(plan: &Plan) -> (Vec<String>, &'static str) {
    let Build::Cargo {
        vendored_feature: true,
        ..
    } = plan.build
    else {
        return (Vec::new(), "");
    };
    (
        vec![
            "features=()".into(),
            "if [ \"$SYSPACK_LINK\" = vendored ]; then features=(--features vendored); fi".into(),
        ],
        "\"${features[@]}\"",
    )
}

/// Renders the workflow.
pub fn render(plan: &Plan) -> String {
    let mut o = Out {
        text: String::new(),
    };
    header(&mut o, plan);
    if plan.fetches_sources() {
        sources_job(&mut o, plan);
    }
    let mut managers: Vec<Manager> = plan
        .targets
        .iter()
        .filter_map(|t| match t.runner {
            Runner::Container { manager, .. } => Some(manager),
            Runner::FreebsdVm { .. } => None,
        })
        .collect();
    managers.sort();
    managers.dedup();
    for m in managers {
        let targets: Vec<&TargetPlan> = plan
            .targets
            .iter()
            .filter(|t| matches!(t.runner, Runner::Container { manager, .. } if manager == m))
            .collect();
        container_job(&mut o, plan, m, &targets);
    }
    let bsd: Vec<&TargetPlan> = plan
        .targets
        .iter()
        .filter(|t| matches!(t.runner, Runner::FreebsdVm { .. }))
        .collect();
    if !bsd.is_empty() {
        freebsd_package_job(&mut o, plan, &bsd);
        freebsd_job(&mut o, plan, &bsd);
    }
    // One trailing newline.
    while o.text.ends_with("\n\n") {
        o.text.pop();
    }
    o.text
}

fn header(o: &mut Out, plan: &Plan) {
    o.line(
        0,
        "# Generated by `syspack ci github`; do not edit. Regenerate with:",
    );
    o.line(0, &format!("#   {}", plan.regenerate));
    o.line(0, "#");
    let what = match plan.build {
        Build::Cargo { .. } => {
            "Builds, packages, installs and runs the project on each target release: once against the\n\
             release's own C libraries (system) and once with them built from the pinned sources\n\
             (vendored)."
        }
        Build::Standalone { .. } => {
            "Packages the project (a standalone syspack.toml), installs the package with each target\n\
             release's package manager and runs it."
        }
    };
    for l in what.lines() {
        o.line(0, &format!("# {l}"));
    }
    let ids: Vec<&str> = plan.targets.iter().map(|t| t.id.as_str()).collect();
    comment_wrapped(
        o,
        &format!("Targets ({}): {}.", plan.targets_from, ids.join(", ")),
    );
    if !plan.libraries.is_empty() {
        comment_wrapped(
            o,
            &format!(
                "C libraries (the sys crates in Cargo.lock): {}; their development packages \
                 come from syspack's knowledge base.",
                plan.libraries.join(", ")
            ),
        );
    }
    for (id, why) in &plan.skipped {
        o.line(0, &format!("# Left out: {id} ({why})."));
    }
    o.line(0, "name: syspack");
    o.line(0, "");
    o.line(0, "on: [push, pull_request, workflow_dispatch]");
    o.line(0, "");
    o.line(0, "permissions:");
    o.line(2, "contents: read");
    o.line(0, "");
    o.line(0, "concurrency:");
    o.line(2, "group: syspack-${{ github.ref }}");
    o.line(2, "cancel-in-progress: true");
    o.line(0, "");
    o.line(0, "defaults:");
    o.line(2, "run:");
    o.line(4, "shell: bash");
    o.line(0, "");
    o.line(0, "jobs:");
}

/// A `#` comment of several lines, wrapped at 96 columns.
pub(super) fn comment_wrapped(o: &mut Out, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.len() + 1 + word.len() > 96 && line.len() > 1 {
            o.line(0, &line);
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    o.line(0, &line);
}

pub(super) fn checkout(o: &mut Out) {
    o.line(6, &format!("- uses: {CHECKOUT}"));
    o.line(8, "with:");
    o.line(10, "persist-credentials: false");
}

/// The lines that build syspack itself on the host runner against the host's libraries: their
/// development packages (from the knowledge base's host release), then `cargo build`.
pub(super) fn build_syspack_on_host_lines(plan: &Plan) -> Vec<String> {
    let kb = syspack_distro::kb::KnowledgeBase::builtin();
    let mut dev: Vec<String> = kb
        .release(HOST_RELEASE)
        .map(|r| {
            plan.libraries
                .iter()
                .filter_map(|l| r.library(l))
                .filter_map(|f| f.dev.known())
                .filter_map(|p| p.package().map(|p| p.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default();
    dev.sort();
    dev.dedup();
    vec![
        "sudo apt-get update".into(),
        format!(
            "sudo apt-get install -y --no-install-recommends pkg-config {}",
            dev.join(" ")
        ),
        "SYSPACK_LINK=system cargo build --release --locked".into(),
    ]
}

fn sources_job(o: &mut Out, plan: &Plan) {
    o.line(
        2,
        "# Fetches the pinned sources of the vendored C libraries once per change of the pins;",
    );
    o.line(
        2,
        "# the vendored builds restore them (build scripts never download).",
    );
    o.line(2, "sources:");
    o.line(4, "name: pinned sources");
    o.line(4, &format!("runs-on: {HOST}"));
    o.line(4, "steps:");
    checkout(o);
    o.line(6, "- name: Cache the pinned sources");
    o.line(8, "id: cache");
    o.line(8, &format!("uses: {CACHE}"));
    o.line(8, "with:");
    o.line(10, &format!("path: {SOURCES}"));
    o.line(10, &format!("key: {}", sources_key(plan)));
    o.line(6, "- name: Fetch the pinned sources");
    o.line(8, "if: steps.cache.outputs.cache-hit != 'true'");
    o.run(8, &fetch_sources_lines(plan));
    o.line(0, "");
}

/// The script that fetches and verifies the pinned sources into [`SOURCES`].
pub(super) fn fetch_sources_lines(plan: &Plan) -> Vec<String> {
    let mut lines = vec![format!("export SYSPACK_SOURCE_DIR=\"$PWD/{SOURCES}\"")];
    let fetch_pins: Vec<String> = plan
        .pin_dirs
        .iter()
        .map(|d| format!(" --pins {}", shell::quote(d)))
        .collect();
    if plan.is_syspack {
        // Built against the host's libraries: the vendored build is what needs the sources.
        lines.extend(build_syspack_on_host_lines(plan));
        for p in &fetch_pins {
            lines.push(format!("target/release/syspack vendor{p} fetch"));
            lines.push(format!("target/release/syspack vendor{p} verify"));
        }
    } else {
        lines.push(install_syspack_line());
        for p in &fetch_pins {
            lines.push(format!("syspack vendor{p} fetch"));
            lines.push(format!("syspack vendor{p} verify"));
        }
    }
    lines
}

/// `name:`, `needs:`, `runs-on:` and the strategy of a matrix job.
fn matrix_head(o: &mut Out, plan: &Plan) {
    if plan.links.is_empty() {
        o.line(4, "name: ${{ matrix.target }}");
    } else {
        o.line(4, "name: ${{ matrix.target }} (${{ matrix.link }})");
    }
    if plan.fetches_sources() {
        o.line(4, "needs: sources");
    }
    o.line(4, &format!("runs-on: {HOST}"));
}

/// The start of a matrix job's `strategy:`, up to its `target` axis.
fn matrix_targets(o: &mut Out, targets: &[&TargetPlan]) {
    o.line(4, "strategy:");
    o.line(6, "fail-fast: false");
    o.line(6, "matrix:");
    let ids: Vec<String> = targets.iter().map(|t| scalar(&t.id)).collect();
    o.line(8, &format!("target: [{}]", ids.join(", ")));
}

fn strategy(
    o: &mut Out,
    plan: &Plan,
    targets: &[&TargetPlan],
    extra: &dyn Fn(&mut Out, &TargetPlan),
) {
    matrix_targets(o, targets);
    if !plan.links.is_empty() {
        let links: Vec<&str> = plan.links.iter().map(|l| l.name()).collect();
        o.line(8, &format!("link: [{}]", links.join(", ")));
    }
    o.line(8, "include:");
    for t in targets {
        o.line(10, &format!("- target: {}", scalar(&t.id)));
        extra(o, t);
        if !plan.links.is_empty() {
            o.line(
                12,
                &format!("dev-packages: {}", scalar(&t.dev_packages.join(" "))),
            );
        }
    }
    let excluded: Vec<&&TargetPlan> = targets
        .iter()
        .filter(|t| t.no_system.is_some() && plan.links.contains(&Link::System))
        .collect();
    if !excluded.is_empty() {
        o.line(8, "exclude:");
        for t in excluded {
            if let Some(why) = &t.no_system {
                o.line(10, &format!("# No system build: {why}."));
            }
            o.line(10, &format!("- target: {}", scalar(&t.id)));
            o.line(12, "link: system");
        }
    }
}

/// The cache of cargo's downloads and the build, keyed `<kind>-<target>[-<link>]-<lock hash>`;
/// `condition` is the step's `if:`.
fn cargo_cache(o: &mut Out, plan: &Plan, kind: &str, condition: Option<&str>, paths: &[&str]) {
    o.line(6, "- name: Cache cargo's downloads and the build");
    if let Some(c) = condition {
        o.line(8, &format!("if: {c}"));
    }
    o.line(8, &format!("uses: {CACHE}"));
    o.line(8, "with:");
    o.line(10, "path: |");
    for p in paths {
        o.line(12, p);
    }
    let prefix = if plan.links.is_empty() {
        format!("{kind}-${{{{ matrix.target }}}}-")
    } else {
        format!("{kind}-${{{{ matrix.target }}}}-${{{{ matrix.link }}}}-")
    };
    o.line(
        10,
        &format!("key: {prefix}${{{{ hashFiles('**/Cargo.lock') }}}}"),
    );
    o.line(10, &format!("restore-keys: {prefix}"));
}

fn restore_sources(o: &mut Out, plan: &Plan) {
    if !plan.fetches_sources() {
        return;
    }
    o.line(6, "- name: Restore the pinned sources");
    o.line(8, "if: matrix.link == 'vendored'");
    o.line(8, &format!("uses: {CACHE_RESTORE}"));
    o.line(8, "with:");
    o.line(10, &format!("path: {SOURCES}"));
    o.line(10, &format!("key: {}", sources_key(plan)));
    o.line(10, "fail-on-cache-miss: true");
}

fn upload(o: &mut Out, plan: &Plan) {
    o.line(6, "- name: Upload the package");
    o.line(8, &format!("uses: {UPLOAD}"));
    o.line(8, "with:");
    if plan.links.is_empty() {
        o.line(10, &format!("name: {}-${{{{ matrix.target }}}}", plan.name));
    } else {
        o.line(
            10,
            &format!(
                "name: {}-${{{{ matrix.target }}}}-${{{{ matrix.link }}}}",
                plan.name
            ),
        );
    }
    o.line(10, "path: dist/");
    o.line(10, "if-no-files-found: error");
}

/// The `container:` of a job that runs in each target release's image.
pub(super) fn container(o: &mut Out) {
    o.line(4, "container:");
    o.line(
        6,
        "# By release tag, not digest (zizmor's auditor persona asks for digests): the job runs",
    );
    o.line(
        6,
        "# in the release as it installs today, with its current updates.",
    );
    o.line(6, "image: ${{ matrix.image }}");
}

/// The env lines of the build step.
fn build_env(o: &mut Out, plan: &Plan, extra: &[(&str, &str)]) {
    o.line(8, "env:");
    if !plan.links.is_empty() {
        o.line(10, "SYSPACK_LINK: ${{ matrix.link }}");
    }
    o.line(10, "TARGET: ${{ matrix.target }}");
    for (k, v) in extra {
        o.line(10, &format!("{k}: {v}"));
    }
}

fn container_job(o: &mut Out, plan: &Plan, m: Manager, targets: &[&TargetPlan]) {
    o.line(
        2,
        &format!("# {}: each release in its container image.", m.families()),
    );
    o.line(2, &format!("{}:", m.job_id()));
    matrix_head(o, plan);
    container(o);
    let epel = targets.iter().any(|t| t.needs_epel);
    strategy(o, plan, targets, &|o: &mut Out, t: &TargetPlan| {
        if let Runner::Container { image, .. } = t.runner {
            o.line(12, &format!("image: {}", scalar(image)));
        }
        if t.needs_epel {
            o.line(12, "epel: 'true'");
        }
    });
    o.line(4, "steps:");

    // 1. Tools and, for system builds, the libraries' development packages; 2. the checkout,
    // after git is installed (so that it is a git checkout); 3. Rust.
    install_tools_step(o, plan, m, epel);
    checkout(o);
    install_rust_step(o);
    let mut paths = vec!["~/.cargo/registry", "~/.cargo/git"];
    paths.extend(plan.target_dir.as_deref());
    cargo_cache(o, plan, "cargo", None, &paths);
    restore_sources(o, plan);
    if !plan.is_syspack {
        o.line(6, "- name: Install syspack");
        o.run(
            8,
            &[". \"$HOME/.cargo/env\"".into(), install_syspack_line()],
        );
    }

    // 4. Build and package.
    o.line(6, "- name: Build and package");
    build_env(o, plan, &[]);
    o.run(
        8,
        &package_script(plan, vec![". \"$HOME/.cargo/env\"".to_string()]),
    );

    // 5. Install, run, remove.
    o.line(6, "- name: Install the package, run it, remove it");
    let mut lines = vec![m.install_package(m.package_glob())];
    lines.extend(smoke_lines(plan));
    lines.push(m.remove_package(&plan.name));
    o.run(8, &lines);
    upload(o, plan);
    o.line(0, "");
}

/// A container job's first step: the compiler, pkg-config and, for system builds (`LINK` of
/// the matrix), the libraries' development packages, with EPEL enabled first where a target
/// needs it.
pub(super) fn install_tools_step(o: &mut Out, plan: &Plan, m: Manager, epel: bool) {
    o.line(
        6,
        "- name: Install the compiler, pkg-config and the development packages",
    );
    let links = !plan.links.is_empty();
    if links || epel {
        o.line(8, "env:");
    }
    if links {
        o.line(10, "LINK: ${{ matrix.link }}");
        o.line(10, "DEV_PACKAGES: ${{ matrix.dev-packages }}");
    }
    if epel {
        o.line(10, "EPEL: ${{ matrix.epel }}");
    }
    let mut lines = Vec::new();
    if links {
        lines.push(
            "# System builds link the release's libraries; vendored builds must not need them."
                .into(),
        );
        lines.push("dev=\"\"".to_string());
        lines.push("if [ \"$LINK\" = system ]; then dev=\"$DEV_PACKAGES\"; fi".into());
    }
    if epel {
        lines.push("if [ \"$EPEL\" = true ]; then dnf install -y epel-release; fi".into());
    }
    let install = m.install_lines();
    let (last, first) = install.split_last().expect("at least one install line");
    lines.extend(first.iter().cloned());
    if links {
        lines.push("# shellcheck disable=SC2086 # $dev is a list of package names".into());
        lines.push(last.clone());
    } else {
        lines.push(last.trim_end_matches(" $dev").to_string());
    }
    o.run(8, &lines);
}

/// Rust by rustup's installer, minimal profile.
pub(super) fn install_rust_step(o: &mut Out) {
    o.line(6, "- name: Install Rust");
    o.line(
        8,
        "run: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal",
    );
}

/// The commands that run the installed package, or a note when there is none.
fn smoke_lines(plan: &Plan) -> Vec<String> {
    if plan.smoke.is_empty() {
        vec!["# The package installs no program: give one to run with `syspack ci github --run CMD`.".into()]
    } else {
        plan.smoke.clone()
    }
}

pub(super) fn trim_lines(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// The Rust target FreeBSD packages are cross-built for: the GitHub-hosted runner is x86_64,
/// and FreeBSD/arm64 has no rustup standard library (docs/freebsd.md, section 6).
pub(super) fn freebsd_triple() -> String {
    crate::toolchain::ZigTarget::freebsd(syspack_distro::Arch::X86_64)
        .map(|t| t.triple)
        .unwrap_or_else(|_| "x86_64-unknown-freebsd".into())
}

/// Where the cross-build jobs keep zig (PyPI's `ziglang`, in a virtual environment).
const ZIG_VENV: &str = "$RUNNER_TEMP/zig";

/// The steps of a job on the Linux host that cross-build the project's FreeBSD package for
/// `$TARGET` into `dist/` (`syspack package --target freebsd-14`, with `SYSPACK_LINK`
/// vendored): Rust's FreeBSD standard library, zig and cargo-zigbuild at the versions syspack
/// is tested with, syspack itself, then the package. A standalone configuration is packaged as
/// it is (nothing to build). Shared by the CI and the release workflows.
pub(super) fn freebsd_cross_steps(o: &mut Out, plan: &Plan) {
    let cargo = matches!(plan.build, Build::Cargo { .. });
    if cargo {
        o.line(
            6,
            "- name: Install the FreeBSD cross toolchain (Rust's FreeBSD standard library, zig, cargo-zigbuild)",
        );
        o.run(
            8,
            &[
                format!("rustup target add {}", freebsd_triple()),
                "# zig from PyPI's ziglang wheel, in a virtual environment; syspack runs it as `python3 -m ziglang`.".into(),
                format!("python3 -m venv \"{ZIG_VENV}\""),
                format!(
                    "\"{ZIG_VENV}/bin/pip\" install --disable-pip-version-check 'ziglang=={}'",
                    crate::toolchain::zig::ZIGLANG_VERSION
                ),
                format!(
                    "cargo install --locked cargo-zigbuild --version '={}'",
                    crate::toolchain::zig::CARGO_ZIGBUILD_VERSION
                ),
            ],
        );
    }
    if !plan.is_syspack {
        o.line(6, "- name: Install syspack");
        o.run(8, &[install_syspack_line()]);
    }
    o.line(
        6,
        if cargo {
            "- name: Cross-build and package for FreeBSD"
        } else {
            "- name: Package for FreeBSD (a standalone configuration: nothing to build)"
        },
    );
    build_env(o, plan, &[]);
    let prelude = if cargo {
        vec![format!("export PATH=\"{ZIG_VENV}/bin:$PATH\"")]
    } else {
        Vec::new()
    };
    o.run(8, &package_script(plan, prelude));
}

/// The FreeBSD packages, cross-built on the Linux host and uploaded for the `freebsd` job.
fn freebsd_package_job(o: &mut Out, plan: &Plan, targets: &[&TargetPlan]) {
    o.line(
        2,
        "# FreeBSD packages, cross-built on Linux: zig as C compiler and linker (cargo-zigbuild),",
    );
    o.line(
        2,
        "# Rust's FreeBSD standard library, the C libraries vendored (FreeBSD's own are not on",
    );
    o.line(
        2,
        "# Linux). The freebsd job installs and runs each package in a VM of its release.",
    );
    o.line(2, "freebsd-package:");
    o.line(
        4,
        if matches!(plan.build, Build::Cargo { .. }) {
            "name: ${{ matrix.target }} (package cross-built on Linux)"
        } else {
            "name: ${{ matrix.target }} (package made on Linux)"
        },
    );
    if plan.fetches_sources() {
        o.line(4, "needs: sources");
    }
    o.line(4, &format!("runs-on: {HOST}"));
    matrix_targets(o, targets);
    if !plan.links.is_empty() {
        o.line(
            8,
            "# Vendored only: the system build runs in the FreeBSD VM, against its libraries.",
        );
        o.line(8, &format!("link: [{}]", Link::Vendored.name()));
    }
    o.line(4, "steps:");
    checkout(o);
    if matches!(plan.build, Build::Cargo { .. }) {
        let mut paths = vec!["~/.cargo/registry", "~/.cargo/git"];
        paths.extend(plan.target_dir.as_deref());
        cargo_cache(o, plan, "cargo-cross", None, &paths);
    }
    restore_sources(o, plan);
    freebsd_cross_steps(o, plan);
    upload(o, plan);
    o.line(0, "");
}

/// FreeBSD in a VM of each release: the package `freebsd-package` cross-built, installed with
/// `pkg add` and run; and, in system builds, the project built against the release's own
/// libraries and run from the build (a cross build cannot link those).
fn freebsd_job(o: &mut Out, plan: &Plan, targets: &[&TargetPlan]) {
    let links = !plan.links.is_empty();
    o.line(
        2,
        "# FreeBSD, in a VM: vmactions/freebsd-vm boots the newest point release of the major",
    );
    o.line(
        2,
        "# version and runs the script over a copy of the checkout. Where the binary runs: the",
    );
    if links {
        o.line(
            2,
            "# cross-built package is installed and run (vendored), or the project is built against",
        );
        o.line(
            2,
            "# the release's libraries and run from the build (system; no package: see freebsd-package).",
        );
    } else {
        o.line(2, "# cross-built package is installed and run.");
    }
    o.line(2, "freebsd:");
    if links {
        o.line(4, "name: ${{ matrix.target }} (${{ matrix.link }})");
    } else {
        o.line(4, "name: ${{ matrix.target }}");
    }
    o.line(4, "needs: freebsd-package");
    o.line(4, &format!("runs-on: {HOST}"));
    strategy(o, plan, targets, &|o: &mut Out, t: &TargetPlan| {
        if let Runner::FreebsdVm { release } = &t.runner {
            o.line(12, &format!("release: {}", scalar(release)));
        }
    });
    o.line(4, "steps:");
    checkout(o);
    if links {
        // The VM sees only the checkout: cargo's home lives in it.
        let mut paths = vec![".cargo-home/registry", ".cargo-home/git"];
        paths.extend(plan.target_dir.as_deref());
        cargo_cache(o, plan, "cargo", Some("matrix.link == 'system'"), &paths);
    }
    o.line(6, "- name: Download the cross-built package");
    if links {
        o.line(8, "if: matrix.link == 'vendored'");
    }
    o.line(8, &format!("uses: {DOWNLOAD}"));
    o.line(8, "with:");
    if links {
        o.line(
            10,
            &format!(
                "name: {}-${{{{ matrix.target }}}}-{}",
                plan.name,
                Link::Vendored.name()
            ),
        );
    } else {
        o.line(10, &format!("name: {}-${{{{ matrix.target }}}}", plan.name));
    }
    o.line(10, "path: dist");
    freebsd_vm_step(o, plan);
    o.line(0, "");
}

/// The step that runs the project in a FreeBSD VM (`vmactions/freebsd-vm`, which copies the
/// checkout in, `dist/` with it).
fn freebsd_vm_step(o: &mut Out, plan: &Plan) {
    let links = !plan.links.is_empty();
    o.line(
        6,
        if links {
            "- name: Install the package (vendored) or build (system), and run on FreeBSD"
        } else {
            "- name: Install the package and run it on FreeBSD"
        },
    );
    o.line(
        8,
        "# Pinned by tag, not commit: no commit of a release of this action could be confirmed when",
    );
    o.line(
        8,
        "# syspack was written. Pin it to the commit of the release you audited, then drop the ignore.",
    );
    o.line(8, &format!("uses: {FREEBSD_VM}"));
    if links {
        o.line(8, "env:");
        o.line(10, "SYSPACK_LINK: ${{ matrix.link }}");
        o.line(10, "DEV_PACKAGES: ${{ matrix.dev-packages }}");
    }
    o.line(8, "with:");
    o.line(10, "release: ${{ matrix.release }}");
    o.line(10, "usesh: true");
    if links {
        o.line(10, "envs: 'SYSPACK_LINK DEV_PACKAGES'");
    }
    let mut lines = vec!["set -e".to_string()];
    if links {
        let manifest_arg = match &plan.build {
            Build::Cargo {
                manifest: Some(m), ..
            } => format!(" --manifest-path {}", shell::quote(m)),
            _ => String::new(),
        };
        let bin = format!(
            "$PWD/{}/release",
            plan.target_dir.as_deref().unwrap_or("target")
        );
        lines.extend([
            "if [ \"$SYSPACK_LINK\" = system ]; then".to_string(),
            "  # Against the release's own libraries, which a cross build cannot link.".into(),
            "  export CARGO_HOME=\"$PWD/.cargo-home\"".into(),
            "  pkg install -y rust pkgconf git $DEV_PACKAGES".into(),
            format!("  cargo build --release --locked{manifest_arg}"),
            format!("  PATH=\"{bin}:$PATH\""),
            "else".into(),
            "  pkg add ./dist/*.pkg".into(),
            "fi".into(),
        ]);
        lines.extend(smoke_lines(plan));
        lines.push(format!(
            "if [ \"$SYSPACK_LINK\" = vendored ]; then pkg delete -y {}; fi",
            shell::quote(&plan.name)
        ));
    } else {
        lines.push("pkg add ./dist/*.pkg".into());
        lines.extend(smoke_lines(plan));
        lines.push(format!("pkg delete -y {}", shell::quote(&plan.name)));
    }
    o.line(10, "run: |");
    for l in trim_lines(lines) {
        o.line(12, &l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_retype_are_quoted() {
        assert_eq!(scalar("debian-12"), "debian-12");
        assert_eq!(scalar("14"), "'14'");
        assert_eq!(scalar("ubuntu-24.04"), "ubuntu-24.04");
        assert_eq!(scalar("debian:bookworm"), "'debian:bookworm'");
        assert_eq!(scalar("yes"), "'yes'");
        assert_eq!(scalar(""), "''");
        assert_eq!(scalar("it's"), "'it''s'");
    }
}
