//! `syspack build`: the build `syspack package` runs, without packaging: `cargo build --release`,
//! or with `--glibc` a zig build for that glibc floor, checked against it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};

use super::package::ProjectArgs;
use crate::exit;

/// Build the project as `syspack package` would, and print the executables.
///
/// With `--glibc 2.17` (or `glibc` in the syspack table), zig compiles the C code (the vendored
/// libraries too) and links for that glibc, through cargo-zigbuild; every executable is then
/// checked to need no glibc symbol newer than the floor. Prints one line per executable: its
/// name and path.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Cargo features to build with (comma-separated).
    #[arg(long, value_name = "FEATURES")]
    features: Vec<String>,

    /// The cargo manifest [default: Cargo.toml in the current directory or above].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Build for glibc VERSION and newer (`2.17`) with zig [default: `glibc` of the syspack
    /// table; without either, a plain `cargo build --release`].
    #[arg(long, value_name = "VERSION")]
    glibc: Option<String>,

    /// The machine to build for (`arm64`, `aarch64`, `x86_64`…), with --glibc [default:
    /// `architecture` of the syspack table, else the build machine's].
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,

    /// `system`: every C library from the system, for any crate: the switch of each registry
    /// -sys crate in the graph is set, a crate that would still bundle is an error, and the
    /// executables are audited after the build (see `syspack audit`). `auto`: each crate's
    /// default [default: `system` when SYSPACK_LINK=system and no --glibc, else `auto`].
    #[arg(long, value_name = "MODE", value_enum)]
    link: Option<crate::link::Link>,
}

pub fn run(args: Args) -> Result<i32> {
    let project_args = ProjectArgs {
        no_build: false,
        features: args.features,
        config: None,
        manifest_path: args.manifest_path,
        variant: None,
        provenance_file: None,
        glibc: args.glibc,
        arch: args.arch,
        link: args.link,
    };
    let project = project_args.load()?;
    if project.cfg.cargo.is_none() {
        bail!(
            "`syspack build` builds a cargo package; `{}` is not one",
            project.cfg.file.display()
        );
    }
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let built = project_args.build(&project, progress)?;
    let mut out = std::io::stdout().lock();
    for (name, path) in &built.executables {
        writeln!(out, "{name}\t{}", path.display())?;
    }
    Ok(exit::OK)
}
