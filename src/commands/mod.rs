//! The command line: one file per subcommand, each a thin wrapper around a library call.

mod audit;
mod build;
mod cache;
mod ci;
mod doctor;
mod generated;
mod inspect;
mod kb;
mod key;
mod matrix;
mod package;
mod recipe;
mod repo;
mod vendor;

use std::ffi::OsString;
use std::io::Write;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::exit;

/// Ship Rust software that links C libraries to every distribution.
#[derive(Debug, Parser)]
#[command(name = "syspack", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// Print the provenance of the C libraries built into this binary (JSON array, sorted by
    /// library) and exit.
    #[arg(long)]
    provenance: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the project and write native packages (.deb, .rpm, Arch, FreeBSD).
    Package(package::Args),
    /// Build the project as `package` does (with `--glibc`, one binary for that glibc and newer).
    Build(build::Args),
    /// Read a package file, verify its checksums, print its metadata and files.
    Inspect(inspect::Args),
    /// Find the C libraries compiled into ELF files (bundled copies), with their versions.
    Audit(audit::Args),
    /// Show which distro releases install, run and build a project, binary or package, and why not.
    Matrix(matrix::Args),
    /// Manage the pinned sources of the vendored C libraries.
    Vendor(vendor::Args),
    /// Show what each C library would use here, and which packaging tools are installed.
    Doctor(doctor::Args),
    /// Check or update the checked-in generated sources against generated/manifest.toml.
    Generated(generated::GeneratedArgs),
    /// Write source recipes for distro maintainers: PKGBUILD, debian/, RPM spec, FreeBSD port.
    Recipe(recipe::Args),
    /// Write CI workflows that build, package, install and run the project across distros.
    Ci(ci::Args),
    /// Show, prune or empty the frame cache that makes packaging again fast.
    Cache(cache::Args),
    /// Build, import, show and check the release indexes derived from the distributions' archives.
    Kb(kb::Args),
    /// Generate the OpenPGP key that signs repositories.
    Key(key::Args),
    /// Publish packages in signed repositories (apt, rpm-md, pacman) with release channels.
    Repo(repo::Args),
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            // Printing help into a closed pipe is not an error worth reporting.
            let _ = e.print();
            return Ok(code);
        }
    };
    if cli.provenance {
        let json = crate::provenance::own_json()?;
        writeln!(std::io::stdout().lock(), "{json}")?;
        return Ok(exit::OK);
    }
    match cli.command {
        Some(Command::Package(a)) => package::run(a),
        Some(Command::Build(a)) => build::run(a),
        Some(Command::Inspect(a)) => inspect::run(a),
        Some(Command::Audit(a)) => audit::run(a),
        Some(Command::Matrix(a)) => matrix::run(a),
        Some(Command::Kb(a)) => kb::run(a),
        Some(Command::Vendor(a)) => vendor::run(a),
        Some(Command::Doctor(a)) => doctor::run(a),
        Some(Command::Generated(a)) => generated::run(a),
        Some(Command::Recipe(a)) => recipe::run(a),
        Some(Command::Cache(a)) => cache::run(a),
        Some(Command::Ci(a)) => ci::run(a),
        Some(Command::Key(a)) => key::run(a),
        Some(Command::Repo(a)) => repo::run(a),
        None => {
            let _ = <Cli as clap::CommandFactory>::command().print_help();
            Ok(exit::ERROR)
        }
    }
}

/// `name` (a relative path) in the current directory or the nearest parent that has it, as
/// cargo finds `Cargo.toml`; else an error naming the directory and, with `hint`, what to do.
pub fn find_upwards(name: &str, hint: &str) -> Result<std::path::PathBuf> {
    use anyhow::Context;
    let cwd = std::env::current_dir().context("failed to read the current directory")?;
    find_in_ancestors(&cwd, name).ok_or_else(|| {
        anyhow::anyhow!(
            "no `{name}` in `{}` or any parent directory; {hint}",
            cwd.display()
        )
    })
}

/// `name` in `dir` or the nearest of its ancestors that has it as a file.
fn find_in_ancestors(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    dir.ancestors().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Splits comma-separated values given once or several times (`--target a,b --target c`).
pub fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The format of the package file `path` ([`syspack_distro::Format::detect`]); a file that
/// cannot be read says so first.
pub fn detect_format(path: &std::path::Path) -> Result<syspack_distro::Format> {
    match syspack_distro::Format::detect(path) {
        Err(e @ syspack_distro::Error::Io { .. }) => {
            Err(anyhow::Error::from(e).context(format!("failed to open `{}`", path.display())))
        }
        r => Ok(r?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_file_in_the_nearest_parent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("generated")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("generated/manifest.toml"), "format = 1\n").unwrap();
        assert_eq!(
            find_in_ancestors(&dir.path().join("a/b"), "generated/manifest.toml"),
            Some(dir.path().join("generated/manifest.toml"))
        );
        assert_eq!(
            find_in_ancestors(std::path::Path::new("/"), "generated/manifest.toml"),
            None
        );
    }

    #[test]
    fn cli_definition_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn lists_split_on_commas_and_repeats() {
        let v = split_list(&["debian-12,fedora-43".into(), " arch ".into()]);
        assert_eq!(v, ["debian-12", "fedora-43", "arch"]);
    }
}
