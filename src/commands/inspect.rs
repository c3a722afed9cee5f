//! `syspack inspect FILE`: read a package of any of the four formats, verify its checksums,
//! print its metadata and file list.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::exit::{self, CheckFailed};
use syspack_distro::AnyReader;

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
    let format = super::detect_format(&args.file)?;
    let opened = match AnyReader::open(&args.file, format) {
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
    writeln!(out, "format: {}", opened.format())?;
    // The listing quotes what the package says: escape terminal controls and NUL bytes, as it
    // is written (a listing of 10⁵ entries is not held twice).
    let mut escaped = Escaping {
        out: &mut out,
        error: None,
    };
    if std::fmt::write(&mut escaped, format_args!("{opened}")).is_err() {
        let e = escaped
            .error
            .unwrap_or_else(|| std::io::Error::other("formatting failed"));
        return Err(anyhow::Error::from(e).context("failed to write to standard output"));
    }
    Ok(exit::OK)
}

/// Writes formatted text through [`syspack_distro::text::escape`].
struct Escaping<'a, W: Write> {
    out: &'a mut W,
    error: Option<std::io::Error>,
}

impl<W: Write> std::fmt::Write for Escaping<'_, W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.out
            .write_all(syspack_distro::text::escape(s).as_bytes())
            .map_err(|e| {
                self.error = Some(e);
                std::fmt::Error
            })
    }
}
