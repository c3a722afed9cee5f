//! `syspack generated check|update`: checked-in generated sources against regeneration.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use crate::generated::check::{self, Options};
use crate::generated::Manifest;

/// The manifest's place in a repository.
const MANIFEST: &str = "generated/manifest.toml";

/// Variable naming directories that hold `external` inputs (colon-separated).
const INPUTS_VAR: &str = "SYSPACK_GENERATED_INPUTS";

/// Check or update the checked-in generated sources (thrift, flex, bison, bindgen output)
/// against `generated/manifest.toml`.
#[derive(Debug, clap::Args)]
pub struct GeneratedArgs {
    #[command(subcommand)]
    command: GeneratedCommand,
}

#[derive(Debug, clap::Subcommand)]
enum GeneratedCommand {
    /// Regenerate every output into a temporary directory and compare it with the checked-in copy.
    ///
    /// Each generator is looked up on PATH and asked for its version. Outputs are regenerated in a
    /// scratch copy of the repository (the working tree is never modified), normalised as the
    /// manifest says, and compared; every drifted file gets a unified diff. Without a generator
    /// the inputs' and outputs' sha256 are checked against the manifest instead, and the output
    /// says regeneration was skipped and why.
    ///
    /// Inputs outside the repository (`external = "…"` in the manifest, e.g. the pinned C headers
    /// the bindings were made from) are looked up under the directories listed in
    /// SYSPACK_GENERATED_INPUTS (colon-separated).
    #[command(after_long_help = "Exit status:
  0  every output matches regeneration (or, where a generator is missing, the manifest's hashes)
  1  a check failed: drift (generated code was edited), input changed but outputs not regenerated,
     or the manifest's hashes are out of date
  2  usage error, malformed manifest, a file the manifest names is missing, I/O error
  3  version skew only: a generator of another version than the manifest's is installed; the
     diff shows what regenerating with it would change (not tampering)")]
    Check {
        #[command(flatten)]
        common: Common,
        /// Show whole diffs (by default at most 200 lines per file).
        #[arg(long)]
        full_diff: bool,
    },
    /// Regenerate the outputs and rewrite those that changed, and the manifest's hashes and versions.
    ///
    /// Files whose content does not change are not touched. A generation whose generator is
    /// missing is left alone if its hashes still match, and is an error otherwise.
    #[command(after_long_help = "Exit status:
  0  updated (or already up to date)
  1  a generation could not be regenerated (its generator is missing and its files changed)
  2  usage error, malformed manifest, a generator failed, I/O error")]
    Update {
        #[command(flatten)]
        common: Common,
        /// Only these generations (by `name`); default: all.
        names: Vec<String>,
        /// Run no generator: record the current files' sha256 in the manifest as they are. For
        /// outputs made another way (generated/regenerate-bindings.sh runs bindgen as a library);
        /// a missing output is then an error.
        #[arg(long)]
        no_regenerate: bool,
    },
}

#[derive(Debug, clap::Args)]
struct Common {
    /// The manifest (default: `generated/manifest.toml` in the current directory or the nearest
    /// parent that has one).
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
}

/// Runs `syspack generated …`; returns the exit code: 0, 1 (a check failed) or 3 (version skew
/// only), as the subcommands' help says.
///
/// # Errors
///
/// No manifest found, a malformed manifest (file and line), a file it names is missing, a
/// generator that fails, I/O errors (a closed standard output included).
pub fn run(args: GeneratedArgs) -> Result<i32> {
    let opts = |max| Options {
        external_dirs: external_dirs(),
        max_diff_lines: max,
    };
    let mut out = std::io::stdout().lock();
    match &args.command {
        GeneratedCommand::Check { common, full_diff } => {
            let manifest = load(common)?;
            let reports = check::check(&manifest, &opts((!full_diff).then_some(200)))?;
            out.write_all(check::render(&reports).as_bytes())?;
            Ok(i32::from(check::exit_code(&reports)))
        }
        GeneratedCommand::Update {
            common,
            names,
            no_regenerate,
        } => {
            let manifest = load(common)?;
            let done = check::update(&manifest, names, &opts(None), !no_regenerate)?;
            for path in &done.outputs {
                writeln!(out, "updated `{path}`")?;
            }
            if done.manifest {
                writeln!(out, "updated `{}`", manifest.path.display())?;
            }
            for (name, why) in &done.skipped {
                writeln!(out, "skipped {name}: {why}")?;
            }
            for (name, why) in &done.failed {
                writeln!(out, "failed {name}: {why}")?;
            }
            if done.outputs.is_empty() && !done.manifest && done.failed.is_empty() {
                writeln!(out, "up to date: nothing changed")?;
            }
            Ok(if done.failed.is_empty() { 0 } else { 1 })
        }
    }
}

fn load(common: &Common) -> Result<Manifest> {
    let path = match &common.manifest {
        Some(p) => p.clone(),
        None => super::find_upwards(
            MANIFEST,
            "run this in a repository that has one, or pass `--manifest PATH`",
        )?,
    };
    Ok(Manifest::load(&path)?)
}

fn external_dirs() -> Vec<PathBuf> {
    std::env::var_os(INPUTS_VAR)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}
