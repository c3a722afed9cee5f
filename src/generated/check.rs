//! Checks the checked-in outputs against their manifest by regenerating them into a scratch
//! copy of the root, and rewrites them (`update`).
//!
//! The check never writes into the checkout: the inputs are copied into a temporary directory
//! laid out like the root, the generator runs there with the manifest's `workdir` and `args`,
//! and the outputs it writes are compared (after the manifest's normalisations) with the
//! checked-in ones.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use sha2::{Digest, Sha256};

use super::manifest::{FileEntry, Generation, Generator, Location, Manifest, EXTERNAL_DIR};
use super::normalize;

/// Settings from the command line and environment.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Directories searched for `external` inputs (`SYSPACK_GENERATED_INPUTS`).
    pub external_dirs: Vec<PathBuf>,
    /// Lines of diff shown per file (`None`: all).
    pub max_diff_lines: Option<usize>,
}

/// A file whose content differs from what the generator makes, with a unified diff.
#[derive(Clone, Debug)]
pub struct FileDiff {
    /// Path relative to the root.
    pub path: String,
    /// 1-based line numbers (in the checked-in file) where differing hunks start.
    pub lines: Vec<usize>,
    /// The unified diff, checked-in (`a/`) against regenerated (`b/`).
    pub diff: String,
}

/// What the check found for one generation.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The outputs match regeneration and the manifest's hashes.
    Clean,
    /// The generator (or an external input) is missing; the hashes match the manifest.
    Skipped {
        /// Why regeneration was skipped.
        reason: String,
    },
    /// Someone edited generated code: outputs differ from regeneration (or, without a
    /// generator, from the manifest's hashes).
    Drift {
        /// Diffs against regeneration (empty when regeneration was skipped).
        diffs: Vec<FileDiff>,
        /// Outputs whose hash differs from the manifest's.
        changed: Vec<String>,
        /// Extra explanation (skipped regeneration, version skew).
        note: Option<String>,
    },
    /// Inputs differ from the manifest's hashes but the outputs were not regenerated.
    InputChanged {
        /// The changed inputs.
        inputs: Vec<String>,
        /// What regeneration would change (empty when skipped).
        diffs: Vec<FileDiff>,
        /// Extra explanation.
        note: Option<String>,
    },
    /// Outputs match regeneration but the manifest's hashes are stale.
    ManifestStale {
        /// Files whose recorded hash is out of date.
        files: Vec<String>,
    },
    /// The generator found is another version than the manifest's.
    VersionSkew {
        /// The manifest's version.
        expected: String,
        /// The version found.
        actual: String,
        /// The generator's path.
        path: PathBuf,
        /// What regenerating with it would change.
        diffs: Vec<FileDiff>,
    },
}

impl Outcome {
    /// The exit code this outcome asks for: 0 fine, 1 a check failed, 3 version skew only.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Clean | Outcome::Skipped { .. } => 0,
            Outcome::VersionSkew { .. } => 3,
            _ => 1,
        }
    }
}

/// The result for one generation.
#[derive(Clone, Debug)]
pub struct Report {
    /// The generation's name.
    pub name: String,
    /// Its generator and version as the manifest says.
    pub generator: String,
    /// What was found.
    pub outcome: Outcome,
}

/// The exit code for a whole check: 1 if anything failed, else 3 if anything skewed, else 0.
pub fn exit_code(reports: &[Report]) -> u8 {
    let codes: Vec<u8> = reports.iter().map(|r| r.outcome.exit_code()).collect();
    if codes.contains(&1) {
        1
    } else if codes.contains(&3) {
        3
    } else {
        0
    }
}

/// A generator found on `PATH`, or why none can be used.
enum Tool {
    Found { path: PathBuf, version: String },
    Unusable(String),
}

/// The facts gathered for one generation before comparing.
struct State {
    /// (display, actual sha256 or None if an external input was not found).
    inputs: Vec<(String, Option<String>, bool)>,
    /// (entry, checked-in bytes or None if absent).
    outputs: Vec<(FileEntry, Option<Vec<u8>>)>,
    tool: Tool,
    /// External inputs found, where.
    external: BTreeMap<PathBuf, PathBuf>,
}

impl State {
    fn inputs_changed(&self) -> Vec<String> {
        self.inputs
            .iter()
            .filter(|(_, _, ok)| !ok)
            .map(|(d, _, _)| d.clone())
            .collect()
    }

    fn outputs_changed(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter(|(e, bytes)| bytes.as_deref().map(sha256_hex) != Some(e.sha256.clone()))
            .map(|(e, _)| e.display())
            .collect()
    }
}

/// Checks every generation of `manifest`.
///
/// # Errors
///
/// A manifest naming a missing input or output (with the manifest's file and line), a
/// generator that fails or whose version cannot be read, I/O errors.
pub fn check(manifest: &Manifest, opts: &Options) -> Result<Vec<Report>> {
    let mut reports = Vec::new();
    for g in &manifest.generations {
        let state = gather(manifest, g, opts, false)?;
        let outcome = judge(manifest, g, &state, opts)?;
        reports.push(Report {
            name: g.name.clone(),
            generator: format!("{} {}", g.generator, g.version),
            outcome,
        });
    }
    Ok(reports)
}

fn gather(
    manifest: &Manifest,
    g: &Generation,
    opts: &Options,
    allow_missing_outputs: bool,
) -> Result<State> {
    let mut inputs = Vec::new();
    let mut external = BTreeMap::new();
    let mut missing_external = None;
    for input in &g.inputs {
        match &input.location {
            Location::Repo(rel) => {
                let path = manifest.root.join(rel);
                if !path.is_file() {
                    return Err(manifest
                        .error(
                            input.line,
                            format!(
                                "input `{}` of `{}` does not exist (looked at `{}`); fix the path in the manifest",
                                rel.display(),
                                g.name,
                                path.display()
                            ),
                        )
                        .into());
                }
                let actual = syspack_build::cache::sha256_file(&path)?;
                let ok = actual == input.sha256;
                inputs.push((input.display(), Some(actual), ok));
            }
            Location::External(rel) => {
                let found = opts
                    .external_dirs
                    .iter()
                    .map(|d| d.join(rel))
                    .find(|p| p.is_file());
                match found {
                    Some(path) => {
                        // Found: its content counts like an input in the checkout.
                        let actual = syspack_build::cache::sha256_file(&path)?;
                        let ok = actual == input.sha256;
                        inputs.push((
                            format!("{} (found at `{}`)", input.display(), path.display()),
                            Some(actual),
                            ok,
                        ));
                        external.insert(rel.clone(), path);
                    }
                    None => {
                        if missing_external.is_none() {
                            missing_external = Some(format!(
                                "the external input `{}`{} is not on this machine; set SYSPACK_GENERATED_INPUTS \
                                 to a directory holding it",
                                rel.display(),
                                input.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
                            ));
                        }
                        // Not found: nothing to compare, so not "changed".
                        inputs.push((input.display(), None, true));
                    }
                }
            }
        }
    }
    let mut outputs = Vec::new();
    for output in &g.outputs {
        let path = manifest.root.join(output.rel_path());
        let bytes = match std::fs::read(&path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && allow_missing_outputs => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(manifest
                    .error(
                        output.line,
                        format!(
                            "output `{}` of `{}` does not exist (looked at `{}`); run `syspack generated update` \
                             to create it, or fix the path in the manifest",
                            output.display(),
                            g.name,
                            path.display()
                        ),
                    )
                    .into())
            }
            Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", path.display())),
        };
        outputs.push((output.clone(), bytes));
    }
    let tool = match find_tool(&g.generator, &g.version)? {
        Tool::Found { .. } if missing_external.is_some() => {
            Tool::Unusable(missing_external.unwrap_or_default())
        }
        t => t,
    };
    Ok(State {
        inputs,
        outputs,
        tool,
        external,
    })
}

fn find_tool(generator: &Generator, manifest_version: &str) -> Result<Tool> {
    let program = generator.program();
    let path = match which::which(program) {
        Ok(p) => p,
        Err(_) => {
            return Ok(Tool::Unusable(format!(
                "`{program}` not found on PATH ({})",
                generator.install_hint(manifest_version)
            )));
        }
    };
    let out = Command::new(&path)
        .arg("--version")
        .env("LC_ALL", "C")
        .output()
        .with_context(|| format!("failed to run `{} --version`", path.display()))?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .into_owned();
    match parse_version(&text) {
        Some(version) => Ok(Tool::Found { path, version }),
        None => bail!(
            "could not read a version from `{} --version`, which printed {:?}",
            path.display(),
            text.lines().next().unwrap_or("")
        ),
    }
}

/// The version in a `--version` banner: the last word of the first line that starts with a
/// digit (`bison (GNU Bison) 3.8.2`, `Thrift version 0.17.0`, `flex 2.6.4`, `bindgen 0.71.1`).
pub fn parse_version(text: &str) -> Option<String> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let word = first
        .split_whitespace()
        .rev()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    Some(
        word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string(),
    )
}

/// Runs the generator in a scratch copy of the root; returns each output's bytes.
fn run_generator(
    manifest: &Manifest,
    g: &Generation,
    program: &Path,
    external: &BTreeMap<PathBuf, PathBuf>,
) -> Result<(Vec<Vec<u8>>, PathBuf, tempfile::TempDir)> {
    let scratch = tempfile::Builder::new()
        .prefix("syspack-generated-")
        .tempdir()
        .context("failed to create a temporary directory")?;
    let root = scratch
        .path()
        .canonicalize()
        .context("failed to resolve the temporary directory")?;
    for input in &g.inputs {
        let (from, rel) = match &input.location {
            Location::Repo(rel) => (manifest.root.join(rel), rel.clone()),
            Location::External(rel) => match external.get(rel) {
                Some(p) => (p.clone(), Path::new(EXTERNAL_DIR).join(rel)),
                None => continue,
            },
        };
        let to = root.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        std::fs::copy(&from, &to).with_context(|| {
            format!("failed to copy `{}` to `{}`", from.display(), to.display())
        })?;
    }
    for output in &g.outputs {
        if let Some(parent) = root.join(output.rel_path()).parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
    }
    let workdir = root.join(&g.workdir);
    std::fs::create_dir_all(&workdir)
        .with_context(|| format!("failed to create `{}`", workdir.display()))?;
    let out = Command::new(program)
        .args(&g.args)
        .current_dir(&workdir)
        .env("LC_ALL", "C")
        .output()
        .with_context(|| format!("failed to run `{}`", program.display()))?;
    if !out.status.success() {
        bail!(
            "`{} {}` ({}, in a scratch copy of the root at `{}`) failed with {}:\n{}",
            g.generator,
            g.args.join(" "),
            g.name,
            g.workdir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    let mut bytes = Vec::new();
    for output in &g.outputs {
        let path = root.join(output.rel_path());
        let b = std::fs::read(&path).map_err(|_| {
            manifest.error(
                output.line,
                format!(
                    "`{} {}` did not write the output `{}`; check the manifest's `workdir` and `args` for `{}`",
                    g.generator,
                    g.args.join(" "),
                    output.display(),
                    g.name
                ),
            )
        })?;
        bytes.push(b);
    }
    Ok((bytes, root, scratch))
}

fn judge(manifest: &Manifest, g: &Generation, state: &State, opts: &Options) -> Result<Outcome> {
    let inputs_changed = state.inputs_changed();
    let outputs_changed = state.outputs_changed();
    let (path, version) = match &state.tool {
        Tool::Unusable(reason) => {
            let note = Some(format!("regeneration skipped: {reason}"));
            return Ok(if !outputs_changed.is_empty() {
                Outcome::Drift {
                    diffs: Vec::new(),
                    changed: outputs_changed,
                    note,
                }
            } else if !inputs_changed.is_empty() {
                Outcome::InputChanged {
                    inputs: inputs_changed,
                    diffs: Vec::new(),
                    note,
                }
            } else {
                Outcome::Skipped {
                    reason: reason.clone(),
                }
            });
        }
        Tool::Found { path, version } => (path, version),
    };
    let (fresh, scratch_root, _scratch) = run_generator(manifest, g, path, &state.external)?;
    let diffs = compare(manifest, g, state, &fresh, &scratch_root, version, opts);
    let skew = *version != g.version;
    let skew_note = skew.then(|| {
        format!(
            "`{}` is {} {version}, the manifest says {}, so the diff also shows what the version changes",
            path.display(),
            g.generator,
            g.version
        )
    });
    Ok(match (outputs_changed.is_empty(), inputs_changed.is_empty(), diffs.is_empty()) {
        // Generated code edited by hand (inputs may have changed too).
        (false, inputs_ok, false) => Outcome::Drift {
            diffs,
            changed: outputs_changed,
            note: skew_note.or_else(|| (!inputs_ok).then(|| format!("its inputs changed too: {}", inputs_changed.join(", ")))),
        },
        // Input edited, outputs not regenerated.
        (true, false, false) => Outcome::InputChanged { inputs: inputs_changed, diffs, note: skew_note },
        // Files agree with regeneration, but the manifest's hashes do not.
        (false, _, true) | (true, false, true) => {
            let mut files = inputs_changed;
            files.extend(outputs_changed);
            Outcome::ManifestStale { files }
        }
        (true, true, _) if skew => {
            Outcome::VersionSkew { expected: g.version.clone(), actual: version.clone(), path: path.clone(), diffs }
        }
        (true, true, true) => Outcome::Clean,
        // Same inputs, version and outputs as recorded, and still different: the manifest's
        // arguments changed, or the generator is not deterministic.
        (true, true, false) => Outcome::Drift {
            diffs,
            changed: Vec::new(),
            note: Some("inputs and outputs match the manifest's hashes: its `args` may have been edited, or the generator read a file the manifest does not list as an input".into()),
        },
    })
}

/// Diffs of the outputs that differ from regeneration, after normalisation.
fn compare(
    manifest: &Manifest,
    g: &Generation,
    state: &State,
    fresh: &[Vec<u8>],
    scratch_root: &Path,
    version: &str,
    opts: &Options,
) -> Vec<FileDiff> {
    let mut roots = Vec::new();
    for r in [
        scratch_root.to_path_buf(),
        manifest
            .root
            .canonicalize()
            .unwrap_or_else(|_| manifest.root.clone()),
    ] {
        roots.push(format!("{}/", r.display()));
    }
    let cx = normalize::Context {
        roots,
        versions: vec![g.version.as_str(), version],
    };
    let mut diffs = Vec::new();
    for ((entry, current), new) in state.outputs.iter().zip(fresh) {
        let old = String::from_utf8_lossy(current.as_deref().unwrap_or_default());
        let new = String::from_utf8_lossy(new);
        let old = normalize::apply(&old, &g.normalize, &cx);
        let new = normalize::apply(&new, &g.normalize, &cx);
        if old != new {
            diffs.push(diff(&entry.display(), &old, &new, opts.max_diff_lines));
        }
    }
    diffs
}

fn diff(path: &str, old: &str, new: &str, max_lines: Option<usize>) -> FileDiff {
    let text_diff = similar::TextDiff::from_lines(old, new);
    let lines = text_diff
        .grouped_ops(3)
        .iter()
        .filter_map(|group| group.first())
        .map(|op| op.old_range().start + 1)
        .collect();
    let mut text = text_diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{path} (checked in)"),
            &format!("b/{path} (regenerated)"),
        )
        .to_string();
    if let Some(max) = max_lines {
        let total = text.lines().count();
        if total > max {
            let kept: Vec<&str> = text.lines().take(max).collect();
            text = format!(
                "{}\n… {} more diff lines (use --full-diff to see them)\n",
                kept.join("\n"),
                total - max
            );
        }
    }
    FileDiff {
        path: path.to_string(),
        lines,
        diff: text,
    }
}

/// Renders the reports as the check prints them.
pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    let files = |d: &[FileDiff]| {
        d.iter()
            .map(|f| {
                format!(
                    "`{}` (line {})",
                    f.path,
                    f.lines
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ticks = |v: &[String]| {
        v.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for r in reports {
        let name = &r.name;
        match &r.outcome {
            Outcome::Clean => {
                let _ = writeln!(
                    out,
                    "ok: {name}: outputs match regeneration with {}",
                    r.generator
                );
            }
            Outcome::Skipped { reason } => {
                let _ = writeln!(
                    out,
                    "ok: {name}: regeneration skipped: {reason}; checked the inputs' and outputs' sha256 against the manifest instead, and they match"
                );
            }
            Outcome::Drift {
                diffs,
                changed,
                note,
            } => {
                if diffs.is_empty() {
                    let _ = writeln!(
                        out,
                        "drift: {name}: {} changed since the manifest was written (sha256 differs); generated code was edited, or regenerated without `syspack generated update`",
                        ticks(changed)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "drift: {name}: {} differs from what {} makes from its inputs (edited by hand?); regenerate with `syspack generated update`",
                        files(diffs),
                        r.generator
                    );
                }
                if let Some(n) = note {
                    let _ = writeln!(out, "  note: {n}");
                }
                for d in diffs {
                    out.push_str(&d.diff);
                }
            }
            Outcome::InputChanged {
                inputs,
                diffs,
                note,
            } => {
                let _ = writeln!(
                    out,
                    "input changed: {name}: {} changed since the outputs were generated, but they were not regenerated; run `syspack generated update`",
                    ticks(inputs)
                );
                if let Some(n) = note {
                    let _ = writeln!(out, "  note: {n}");
                }
                if !diffs.is_empty() {
                    let _ = writeln!(out, "  regenerating would change {}:", files(diffs));
                }
                for d in diffs {
                    out.push_str(&d.diff);
                }
            }
            Outcome::ManifestStale { files } => {
                let _ = writeln!(
                    out,
                    "manifest out of date: {name}: the outputs match regeneration, but the manifest's sha256 of {} is stale; run `syspack generated update`",
                    ticks(files)
                );
            }
            Outcome::VersionSkew {
                expected,
                actual,
                path,
                diffs,
            } => {
                let generator = r.generator.split(' ').next().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "version skew: {name}: the outputs were made with {generator} {expected}, but `{}` is {generator} {actual} (not tampering: inputs and outputs match the manifest)",
                    path.display()
                );
                if diffs.is_empty() {
                    let _ = writeln!(
                        out,
                        "  regenerating with {generator} {actual} would change nothing"
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "  regenerating with {generator} {actual} would change {} (`syspack generated update` accepts it):",
                        files(diffs)
                    );
                }
                for d in diffs {
                    out.push_str(&d.diff);
                }
            }
        }
    }
    let count = |code: u8| {
        reports
            .iter()
            .filter(|r| r.outcome.exit_code() == code)
            .count()
    };
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
        .count();
    let _ = writeln!(
        out,
        "{} generations: {} ok ({} by hash only), {} failed, {} version skew",
        reports.len(),
        count(0),
        skipped,
        count(1),
        count(3)
    );
    out
}

/// What `update` did.
#[derive(Debug, Default)]
pub struct Updated {
    /// Outputs rewritten (relative to the root).
    pub outputs: Vec<String>,
    /// Whether the manifest was rewritten.
    pub manifest: bool,
    /// Generations left alone, and why.
    pub skipped: Vec<(String, String)>,
    /// Generations that could not be updated, and why.
    pub failed: Vec<(String, String)>,
}

/// Regenerates the generations named in `only` (all if empty), rewrites the outputs that
/// changed and the manifest's versions and hashes that changed. Files that did not change are
/// not touched.
///
/// With `regenerate = false` no generator runs: the manifest records the current files' hashes
/// as they are (for outputs made another way, such as `generated/regenerate-bindings.sh`).
///
/// # Errors
///
/// An unknown name in `only`, a missing input, a generator that fails, I/O errors.
pub fn update(
    manifest: &Manifest,
    only: &[String],
    opts: &Options,
    regenerate: bool,
) -> Result<Updated> {
    for name in only {
        if !manifest.generations.iter().any(|g| &g.name == name) {
            let names: Vec<&str> = manifest
                .generations
                .iter()
                .map(|g| g.name.as_str())
                .collect();
            bail!(
                "no generation `{name}` in `{}`; it has: {}",
                manifest.path.display(),
                names.join(", ")
            );
        }
    }
    let mut done = Updated::default();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for g in manifest
        .generations
        .iter()
        .filter(|g| only.is_empty() || only.contains(&g.name))
    {
        let state = gather(manifest, g, opts, regenerate)?;
        if !regenerate {
            record_hashes(g, &state, &mut edits);
            continue;
        }
        let (path, version) = match &state.tool {
            Tool::Unusable(reason) => {
                if state.inputs_changed().is_empty() && state.outputs_changed().is_empty() {
                    done.skipped.push((
                        g.name.clone(),
                        format!("regeneration skipped: {reason}; hashes match the manifest"),
                    ));
                } else {
                    done.failed
                        .push((g.name.clone(), format!("cannot regenerate: {reason}")));
                }
                continue;
            }
            Tool::Found { path, version } => (path, version),
        };
        let (fresh, scratch_root, _scratch) = run_generator(manifest, g, path, &state.external)?;
        let diffs = compare(manifest, g, &state, &fresh, &scratch_root, version, opts);
        let differs: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        for ((entry, current), new) in state.outputs.iter().zip(&fresh) {
            let display = entry.display();
            let bytes = if current.is_none() || differs.contains(&display.as_str()) {
                let target = manifest.root.join(entry.rel_path());
                write_atomic(&target, new)?;
                done.outputs.push(display);
                new.clone()
            } else {
                current.clone().unwrap_or_default()
            };
            let sha = sha256_hex(&bytes);
            if sha != entry.sha256 {
                edits.push((entry.sha256_span.clone(), format!("\"{sha}\"")));
            }
        }
        for (entry, (_, actual, _)) in g.inputs.iter().zip(&state.inputs) {
            if let Some(actual) = actual {
                if *actual != entry.sha256 {
                    edits.push((entry.sha256_span.clone(), format!("\"{actual}\"")));
                }
            }
        }
        if *version != g.version {
            edits.push((g.version_span.clone(), format!("\"{version}\"")));
        }
    }
    if !edits.is_empty() {
        edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        let mut text = manifest.text.clone();
        for (span, value) in edits {
            text.replace_range(span, &value);
        }
        write_atomic(&manifest.path, text.as_bytes())?;
        done.manifest = true;
    }
    Ok(done)
}

/// Edits that make the manifest record the files' current hashes.
fn record_hashes(g: &Generation, state: &State, edits: &mut Vec<(std::ops::Range<usize>, String)>) {
    for (entry, (_, actual, _)) in g.inputs.iter().zip(&state.inputs) {
        if let Some(actual) = actual.as_ref().filter(|a| **a != entry.sha256) {
            edits.push((entry.sha256_span.clone(), format!("\"{actual}\"")));
        }
    }
    for (entry, bytes) in &state.outputs {
        let actual = sha256_hex(bytes.as_deref().unwrap_or_default());
        if actual != entry.sha256 {
            edits.push((entry.sha256_span.clone(), format!("\"{actual}\"")));
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("failed to create a temporary file in `{}`", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    // Keep the file's permissions (tempfile creates 0600).
    let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
    let file = tmp
        .persist(path)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    let perms = mode.unwrap_or_else(|| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o644)
    });
    file.set_permissions(perms)
        .with_context(|| format!("failed to set the permissions of `{}`", path.display()))?;
    Ok(())
}

/// The sha256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_generator_versions() {
        assert_eq!(
            parse_version("bison (GNU Bison) 3.8.2\nWritten by …").as_deref(),
            Some("3.8.2")
        );
        assert_eq!(
            parse_version("Thrift version 0.17.0\n").as_deref(),
            Some("0.17.0")
        );
        assert_eq!(parse_version("flex 2.6.4\n").as_deref(), Some("2.6.4"));
        assert_eq!(parse_version("bindgen 0.71.1\n").as_deref(), Some("0.71.1"));
        assert_eq!(parse_version("no version here\n"), None);
    }

    #[test]
    fn diff_names_the_lines() {
        let d = diff("g/x.c", "a\nb\nc\n", "a\nB\nc\n", None);
        assert_eq!(d.lines, vec![1]);
        assert!(d.diff.contains("--- a/g/x.c (checked in)"), "{}", d.diff);
        assert!(d.diff.contains("-b\n+B\n"), "{}", d.diff);
        let d = diff("g/x.c", &"x\n".repeat(100), &"y\n".repeat(100), Some(10));
        assert!(d.diff.contains("more diff lines"), "{}", d.diff);
    }

    #[test]
    fn skew_is_its_own_exit_code_and_failures_win() {
        let r = |outcome| Report {
            name: "n".into(),
            generator: "bison 1".into(),
            outcome,
        };
        let skew = || Outcome::VersionSkew {
            expected: "1".into(),
            actual: "2".into(),
            path: "b".into(),
            diffs: vec![],
        };
        assert_eq!(
            exit_code(&[
                r(Outcome::Clean),
                r(Outcome::Skipped { reason: "x".into() })
            ]),
            0
        );
        assert_eq!(exit_code(&[r(Outcome::Clean), r(skew())]), 3);
        assert_eq!(
            exit_code(&[r(skew()), r(Outcome::ManifestStale { files: vec![] })]),
            1
        );
    }
}
