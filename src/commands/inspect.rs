//! `syspack inspect FILE`: read a package of any of the four formats, verify its checksums,
//! print its metadata and file list.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::exit::{self, CheckFailed};
use crate::formats;

/// Read a package file, verify its checksums, print its metadata and files.
///
/// The format is recognised from the file's first bytes (or its name). Exit status 1 when a
/// checksum does not match or the package is malformed, 2 when the file cannot be read.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package: .deb, .rpm, .pkg.tar.zst (Arch) or .pkg (FreeBSD).
    file: PathBuf,
}

pub fn run(args: Args) -> Result<i32> {
    let format = formats::detect(&args.file)?;
    let opened = match formats::open(&args.file, format) {
        Ok(o) => o,
        Err(
            e @ (syspack_distro::Error::ChecksumMismatch { .. }
            | syspack_distro::Error::Malformed { .. }),
        ) => {
            return Err(anyhow::Error::from(e).context(CheckFailed(format!(
                "`{}` failed verification as a {format} package",
                args.file.display()
            ))));
        }
        Err(e) => {
            return Err(
                anyhow::Error::from(e).context(format!("failed to read `{}`", args.file.display()))
            );
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "format: {}", opened.format)?;
    // The listing quotes what the package says: escape terminal controls and NUL bytes.
    let listing = opened.to_string();
    write!(out, "{}", syspack_distro::text::escape(&listing))
        .context("failed to write to standard output")?;
    Ok(exit::OK)
}
