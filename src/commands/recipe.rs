//! `syspack recipe arch|debian|rpm|freebsd`: write a source recipe for distro maintainers.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::exit;
use crate::recipe::{self, Family, OutFile};

/// Write source recipes for distro maintainers: PKGBUILD, debian/, RPM spec, FreeBSD port.
///
/// The recipe builds offline, against the system's shared libraries (`SYSPACK_LINK=system`),
/// from a reproducible source tarball written beside it, and installs the same assets as
/// `syspack package`. Debian and RPM recipes also get the `cargo vendor` tarball they build
/// from; the FreeBSD port lists the crates in `CARGO_CRATES` and `distinfo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The distro family.
    #[arg(value_enum)]
    family: Family,

    /// Output directory [default: target/syspack/recipe/<family> in the project].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// The release whose package names to use [default: the newest of the family: arch,
    /// debian-13, fedora-43, freebsd-14].
    #[arg(long, value_name = "RELEASE")]
    target: Option<String>,

    /// Where the source tarball is published (the recipe downloads it from there); without it
    /// the recipe expects the tarball beside it.
    #[arg(long, value_name = "URL")]
    source_url: Option<String>,

    /// Cargo features to build with (comma-separated).
    #[arg(long, value_name = "FEATURES")]
    features: Vec<String>,

    /// The cargo manifest [default: Cargo.toml in the current directory or above].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
}

fn display(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

pub fn run(args: Args) -> Result<i32> {
    let manifest = match &args.manifest_path {
        Some(m) => m.clone(),
        None => super::find_upwards(
            "Cargo.toml",
            "run syspack in a cargo project or pass `--manifest-path`",
        )?,
    };
    let release = recipe::release_for(args.family, args.target.as_deref())?;
    let features = super::split_list(&args.features);
    let project = recipe::load(
        &manifest,
        args.family.format(),
        args.source_url.clone(),
        &features,
    )?;
    for w in &project.warnings {
        exit::warn(w);
    }
    if args.family == Family::Freebsd && !project.units.is_empty() {
        exit::warn(
            "the systemd units are not put in the FreeBSD port (no systemd on FreeBSD); write an \
             rc.d script for it by hand if the service is needed there",
        );
    }
    let out = match &args.out {
        Some(o) => {
            std::fs::create_dir_all(o)
                .with_context(|| format!("failed to create `{}`", o.display()))?;
            o.canonicalize()
                .with_context(|| format!("failed to read `{}`", o.display()))?
        }
        None => project
            .root
            .join("target")
            .join("syspack")
            .join("recipe")
            .join(args.family.name()),
    };
    let tarball = recipe::source_tarball(&project, &[out.as_path()])?;
    let sha = recipe::sha256_hex(&tarball);
    let bin = |path: String, data: Vec<u8>| OutFile {
        path,
        data,
        mode: 0o644,
    };
    let mut files = match args.family {
        Family::Arch => recipe::arch::write(&project, release, &sha)?,
        Family::Debian => recipe::debian::write(&project, release)?,
        Family::Rpm => recipe::rpm::write(&project, release)?,
        Family::Freebsd => recipe::freebsd::write(&project, release, &tarball)?,
    };
    match args.family {
        Family::Debian => {
            let vendor = recipe::vendor_tarball(&project)?;
            files.push(bin(recipe::debian::orig_name(&project), tarball));
            files.push(bin(recipe::debian::orig_vendor_name(&project), vendor));
        }
        Family::Rpm => {
            let vendor = recipe::vendor_tarball(&project)?;
            files.push(bin(project.tarball_name(), tarball));
            files.push(bin(project.vendor_tarball_name(), vendor));
        }
        Family::Arch | Family::Freebsd => files.push(bin(project.tarball_name(), tarball)),
    }
    let written = recipe::write_files(&out, &files)?;
    let mut stdout = std::io::stdout().lock();
    for p in written {
        writeln!(stdout, "{}", display(&p))?;
    }
    Ok(exit::OK)
}
