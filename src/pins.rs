//! The source pins of the workspace's sys crates, compiled into the binary so that
//! `syspack vendor` and `syspack doctor` work from any directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syspack_build::pin::Pin;

/// The pins compiled into this binary (the sys crates' `PIN` texts), sorted by library.
pub fn embedded() -> Result<Vec<Pin>> {
    crate::sys_crates::ALL
        .iter()
        .map(|c| {
            Pin::parse(c.pin, &c.pin_path()).with_context(|| {
                format!(
                    "the built-in pin of `{}` is invalid (a bug in syspack)",
                    c.library
                )
            })
        })
        .collect()
}

/// Pins read from a directory instead: every `pin.toml` in it or one level below
/// (`DIR/pin.toml`, `DIR/*/pin.toml`, as in `sys-crates/`), sorted by library.
pub fn from_dir(dir: &Path) -> Result<Vec<Pin>> {
    let mut files: Vec<PathBuf> = Vec::new();
    if dir.join("pin.toml").is_file() {
        files.push(dir.join("pin.toml"));
    }
    let rd = std::fs::read_dir(dir)
        .with_context(|| format!("failed to read the pin directory `{}`", dir.display()))?;
    for e in rd {
        let e =
            e.with_context(|| format!("failed to read the pin directory `{}`", dir.display()))?;
        let p = e.path().join("pin.toml");
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        anyhow::bail!("no `pin.toml` in `{}` or its subdirectories; point `--pins` at a directory like `sys-crates/`", dir.display());
    }
    let mut pins = files
        .iter()
        .map(|f| Ok(Pin::from_path(f)?))
        .collect::<Result<Vec<_>>>()?;
    pins.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(pins)
}

/// The pins to use: `--pins DIR` if given, else the built-in ones.
pub fn load(dir: Option<&Path>) -> Result<Vec<Pin>> {
    match dir {
        Some(d) => from_dir(d),
        None => embedded(),
    }
}
