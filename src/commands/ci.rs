//! `syspack ci github`: write the CI workflow that builds, packages, installs and runs the
//! project on each of its target releases (see `crate::ci`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::ci::{github, Plan, Request};
use crate::exit;

/// Write CI workflows that build, package, install and run the project across distros.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    engine: Engine,
}

#[derive(Debug, clap::Subcommand)]
enum Engine {
    /// Write a GitHub Actions workflow: a container per Linux release (a VM for FreeBSD) ×
    /// {system, vendored}; each job installs the build dependencies by their package names from
    /// the knowledge base, builds, packages with syspack, installs the package with the
    /// release's package manager and runs the installed program. FreeBSD packages are
    /// cross-built on the Linux host (zig, vendored) and installed and run in the VM, where
    /// the system build is built and run too.
    ///
    /// The targets are the project's `targets` (else the newest release of each family); the C
    /// libraries are the sys crates in its Cargo.lock.
    Github(GithubArgs),
}

#[derive(Debug, clap::Args)]
struct GithubArgs {
    /// Where to write the workflow (`-`: standard output) [default:
    /// .github/workflows/syspack.yml in the repository].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,

    /// The cargo manifest [default: Cargo.toml in the current directory or above].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// A standalone syspack.toml (a project that is not a cargo package).
    #[arg(long, value_name = "FILE", conflicts_with = "manifest_path")]
    config: Option<PathBuf>,

    /// Distro releases to run on (comma-separated or repeated), instead of the configured
    /// `targets`.
    #[arg(long = "target", value_name = "T,..")]
    targets: Vec<String>,

    /// A shell command that proves the installed package works (repeatable) [default:
    /// `<program> --version` for each program the package installs in a bin directory].
    #[arg(long, value_name = "CMD")]
    run: Vec<String>,

    /// Write nothing; exit with status 1 and show the difference if the file is not what
    /// syspack would write.
    #[arg(long)]
    check: bool,

    /// Write the release workflows instead: syspack-release.yml (on a `v*` tag: build and
    /// package once per target, then verify the hashes, sign and add the packages to the first
    /// channel, upload the repositories to object storage) and syspack-promote.yml (daily:
    /// `syspack repo promote` along the channels). --out is then their directory [default:
    /// .github/workflows in the repository]. Channels, soak and storage come from the
    /// project's `publish` table.
    #[arg(long)]
    release: bool,
}

/// The repository: the nearest directory at or above `dir` with a `.git`, else `dir`.
fn repo_root(dir: &Path) -> PathBuf {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

pub fn run(args: Args) -> Result<i32> {
    match args.engine {
        Engine::Github(a) => github_run(a),
    }
}

fn github_run(args: GithubArgs) -> Result<i32> {
    let project =
        super::package::load_project(args.config.as_deref(), args.manifest_path.as_deref())?;
    let (cfg, project_dir) = (project.cfg, project.dir);
    let root = repo_root(if project_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &project_dir
    });
    let req = Request {
        targets: super::split_list(&args.targets),
        run: args.run.clone(),
        repo_root: root.clone(),
        manifest_arg: args.manifest_path.clone(),
        config_arg: args.config.clone(),
        release: args.release,
    };
    let plan = Plan::new(&cfg, &req)?;
    for (id, why) in &plan.skipped {
        exit::warn(format!("target `{id}` is left out of the workflow: {why}"));
    }
    let workflows = root.join(".github").join("workflows");
    let (files, summary) = if args.release {
        let release = crate::ci::release::Release::new(&plan);
        let dir = args.out.clone().unwrap_or(workflows);
        let files = vec![
            (dir.join("syspack-release.yml"), release.render_release()),
            (dir.join("syspack-promote.yml"), release.render_promote()),
        ];
        let summary = format!(
            "{} build jobs, publish to {}, promotion {}",
            release.targets.len(),
            plan.publish.channels[0],
            plan.publish.channels.join(" → ")
        );
        (files, summary)
    } else {
        let out = args.out.clone().unwrap_or(workflows.join("syspack.yml"));
        let jobs = plan.targets.len() * plan.links.len().max(1);
        let mut summary = format!(
            "{} targets × {} link modes = {jobs} matrix jobs",
            plan.targets.len(),
            plan.links.len().max(1)
        );
        let bsd = plan
            .targets
            .iter()
            .filter(|t| matches!(t.runner, crate::ci::runners::Runner::FreebsdVm { .. }))
            .count();
        if bsd > 0 {
            summary.push_str(&format!(
                ", and {bsd} FreeBSD package{} cross-built on Linux for the FreeBSD VM",
                if bsd == 1 { "" } else { "s" }
            ));
        }
        (vec![(out, github::render(&plan))], summary)
    };
    if args.out.as_deref() == Some(Path::new("-")) {
        let mut stdout = std::io::stdout().lock();
        for (i, (_, text)) in files.iter().enumerate() {
            if i > 0 {
                stdout.write_all(b"---\n")?;
            }
            stdout.write_all(text.as_bytes())?;
        }
        return Ok(exit::OK);
    }
    if args.check {
        let mut code = exit::OK;
        for (out, text) in &files {
            let current = match std::fs::read_to_string(out) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => {
                    return Err(e).with_context(|| format!("failed to read `{}`", out.display()))
                }
            };
            let mut stdout = std::io::stdout().lock();
            if &current == text {
                writeln!(stdout, "{} is up to date ({summary})", out.display())?;
                continue;
            }
            let diff = similar::TextDiff::from_lines(&current, text);
            write!(
                stdout,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&out.display().to_string(), "syspack ci github")
            )?;
            writeln!(
                stdout,
                "`{}` differs from what `syspack ci github` writes; regenerate it with `{}`",
                out.display(),
                plan.regenerate
            )?;
            code = exit::FAILED;
        }
        return Ok(code);
    }
    for (out, text) in &files {
        write_file(out, text)?;
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| out.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| out.clone());
        writeln!(
            std::io::stdout().lock(),
            "wrote {}: {summary}",
            shown.display()
        )?;
    }
    Ok(exit::OK)
}

/// Writes through a temporary file in the same directory, renamed into place.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create the directory `{}`", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("failed to create a temporary file in `{}`", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    // A workflow is an ordinary checked-in file, not a private one.
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}
