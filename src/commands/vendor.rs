//! `syspack vendor fetch | import DIR | verify | list`: the pinned sources of the vendored C
//! libraries, in the content-addressed cache of `syspack-build`.
//!
//! The cache is `SYSPACK_SOURCE_DIR`, else `$CARGO_HOME/syspack/sources`, else
//! `$HOME/.cargo/syspack/sources`. Only bytes a pin accepts are ever written to it. Network
//! access happens here only, never in a build script.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use syspack_build::cache::Cache;
use syspack_build::pin::Pin;
use syspack_build::{Emit, Env};

use crate::exit::{self, CheckFailed};
use crate::pins;

/// Manage the pinned sources of the vendored C libraries.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use the `pin.toml` files of this directory (`DIR/*/pin.toml`, like `sys-crates/`) instead
    /// of the pins built into syspack.
    #[arg(long, value_name = "DIR", global = true)]
    pins: Option<PathBuf>,

    #[command(subcommand)]
    command: VendorCommand,
}

#[derive(Debug, clap::Subcommand)]
enum VendorCommand {
    /// Download every pinned tarball that is not cached yet, from `$SYSPACK_MIRROR/<file>` then
    /// the pin's upstream URL, and import the ones whose sha256 a pin accepts.
    Fetch {
        /// Only these libraries (default: all).
        libraries: Vec<String>,
    },
    /// Import every tarball of DIR that a pin accepts (a Debian `orig` tarball, an Arch `src/`);
    /// exit status 1 if a file named like a pinned artifact has other bytes.
    Import {
        /// The directory holding the tarballs (not searched recursively).
        dir: PathBuf,
    },
    /// Hash every cached file again; exit status 1 if any changed.
    Verify,
    /// Show the pins, their artifacts and what the cache holds.
    List,
}

fn cache() -> Result<Cache> {
    Ok(Cache::from_env(&Env::Process, &Emit::discard())?)
}

pub fn run(args: Args) -> Result<i32> {
    let pins = pins::load(args.pins.as_deref())?;
    let cache = cache()?;
    match args.command {
        VendorCommand::Fetch { libraries } => fetch(&cache, &pins, &libraries),
        VendorCommand::Import { dir } => import(&cache, &pins, &dir),
        VendorCommand::Verify => verify(&cache, &pins),
        VendorCommand::List => list(&cache, &pins),
    }
}

fn import(cache: &Cache, pins: &[Pin], dir: &Path) -> Result<i32> {
    let report = cache
        .import_dir(dir, pins)
        .with_context(|| format!("failed to import the tarballs of `{}`", dir.display()))?;
    let mut out = std::io::stdout().lock();
    for i in &report.imported {
        writeln!(
            out,
            "imported {} {} ({}) `{}` -> `{}`{}",
            i.library,
            i.version,
            i.artifact.kind,
            i.from.display(),
            i.to.display(),
            if i.newly_written {
                ""
            } else {
                " (already cached)"
            }
        )?;
    }
    for f in &report.ignored {
        writeln!(
            out,
            "ignored `{}`: not named like a pinned artifact",
            f.display()
        )?;
    }
    drop(out);
    for e in &report.rejected {
        eprintln!("rejected: {e}");
    }
    if !report.rejected.is_empty() {
        return Err(anyhow!(CheckFailed(format!(
            "{} file(s) in `{}` are named like a pinned artifact but their sha256 matches no pin; they were not \
             imported. Get the exact tarball the pin names (see `syspack vendor list`)",
            report.rejected.len(),
            dir.display()
        ))));
    }
    if report.imported.is_empty() {
        exit::warn(format!(
            "nothing imported: no file of `{}` is a pinned artifact (see `syspack vendor list` for the file names)",
            dir.display()
        ));
    }
    Ok(exit::OK)
}

fn verify(cache: &Cache, pins: &[Pin]) -> Result<i32> {
    let bad = cache.verify_all()?;
    let entries = cache.entries(pins)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "cache `{}`: {} file(s)",
        cache.root().display(),
        entries.len()
    )?;
    for pin in pins {
        match cache.lookup(pin) {
            Ok(c) => writeln!(
                out,
                "ok       {} {}: `{}` ({})",
                pin.library, pin.version, c.artifact.file, c.artifact.kind
            )?,
            Err(syspack_build::Error::SourceMissing { .. }) => writeln!(
                out,
                "missing  {} {}: not cached (`syspack vendor fetch`)",
                pin.library, pin.version
            )?,
            Err(e) => writeln!(out, "BAD      {} {}: {e}", pin.library, pin.version)?,
        }
    }
    drop(out);
    if bad.is_empty() {
        return Ok(exit::OK);
    }
    for e in &bad {
        eprintln!("changed: {e}");
    }
    Err(anyhow!(CheckFailed(format!(
        "{} cached file(s) no longer match their sha256; delete them and run `syspack vendor fetch` or `import` again",
        bad.len()
    ))))
}

fn list(cache: &Cache, pins: &[Pin]) -> Result<i32> {
    let entries = cache.entries(pins)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "cache: {}", cache.root().display())?;
    for pin in pins {
        writeln!(out, "\n{} {}  ({})", pin.library, pin.version, pin.url)?;
        for a in &pin.artifacts {
            let state = if entries.iter().any(|e| e.sha256 == a.sha256) {
                "cached"
            } else {
                "missing"
            };
            writeln!(
                out,
                "  {state:<8} {:<12} {}  sha256 {}",
                a.kind.to_string(),
                a.file,
                a.sha256
            )?;
        }
        for p in pin.patch_paths() {
            writeln!(out, "  patch    {}", p.display())?;
        }
    }
    let unpinned: Vec<_> = entries.iter().filter(|e| e.pinned.is_none()).collect();
    if !unpinned.is_empty() {
        writeln!(out, "\nnot accepted by any current pin (safe to delete):")?;
        for e in unpinned {
            writeln!(out, "  {}", e.path.display())?;
        }
    }
    Ok(exit::OK)
}

/// Downloads `url` into `to`: `file://` paths are copied, `http(s)://` fetched with ureq.
fn download(url: &str, to: &Path) -> Result<()> {
    if let Some(path) = url.strip_prefix("file://") {
        std::fs::copy(path, to).with_context(|| format!("failed to copy `{path}`"))?;
        return Ok(());
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("unsupported URL `{url}`: use http://, https:// or file://");
    }
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(20))
        .timeout(Duration::from_secs(600))
        .build();
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| anyhow!("download of `{url}` failed: {e}"))?;
    let mut file = std::fs::File::create(to)
        .with_context(|| format!("failed to create `{}`", to.display()))?;
    std::io::copy(&mut resp.into_reader(), &mut file)
        .with_context(|| format!("download of `{url}` was interrupted"))?;
    file.sync_all()
        .with_context(|| format!("failed to write `{}`", to.display()))?;
    Ok(())
}

fn fetch(cache: &Cache, pins: &[Pin], only: &[String]) -> Result<i32> {
    for lib in only {
        if !pins.iter().any(|p| &p.library == lib) {
            let names: Vec<&str> = pins.iter().map(|p| p.library.as_str()).collect();
            let hint = match syspack_distro::kb::closest(lib, names.iter().copied()) {
                Some(h) => format!("\n\nhelp: a library with a similar name exists: `{h}`"),
                None => String::new(),
            };
            bail!(
                "no pin for library `{lib}`{hint}\n\npinned libraries: {}",
                names.join(", ")
            );
        }
    }
    let mirror = std::env::var("SYSPACK_MIRROR").ok();
    let tmp_dir = cache.root().join("downloads");
    std::fs::create_dir_all(&tmp_dir)
        .with_context(|| format!("failed to create `{}`", tmp_dir.display()))?;
    let mut mismatched = Vec::new();
    let mut unreachable = Vec::new();
    let mut out = std::io::stdout().lock();
    for pin in pins
        .iter()
        .filter(|p| only.is_empty() || only.contains(&p.library))
    {
        if let Ok(c) = cache.lookup(pin) {
            writeln!(
                out,
                "cached   {} {}: `{}`",
                pin.library, pin.version, c.artifact.file
            )?;
            continue;
        }
        let mut done = false;
        let mut tried = Vec::new();
        for cand in pin.candidate_urls(mirror.as_deref()) {
            let tmp = tmp_dir.join(format!(".{}.part", cand.artifact.file));
            let got = download(&cand.url, &tmp);
            let result = got.and_then(|()| Ok(cache.import_file(&tmp, std::slice::from_ref(pin))?));
            let _ = std::fs::remove_file(&tmp);
            match result {
                Ok(i) => {
                    writeln!(
                        out,
                        "fetched  {} {}: `{}` from {}",
                        pin.library, pin.version, i.artifact.file, cand.url
                    )?;
                    done = true;
                    break;
                }
                Err(e) => {
                    if matches!(
                        e.downcast_ref::<syspack_build::Error>(),
                        Some(syspack_build::Error::NotPinned { .. })
                    ) {
                        mismatched.push(format!("{}: {e}", cand.url));
                    }
                    tried.push(format!("  {}: {e:#}", cand.url));
                }
            }
        }
        if !done {
            unreachable.push(format!(
                "{} {}:\n{}",
                pin.library,
                pin.version,
                tried.join("\n")
            ));
        }
    }
    drop(out);
    let _ = std::fs::remove_dir(&tmp_dir);
    if unreachable.is_empty() {
        return Ok(exit::OK);
    }
    let msg = format!(
        "could not fetch {} librar{}:\n{}\n\nset `SYSPACK_MIRROR` to a base URL that serves the pinned files, or \
         download them yourself and run `syspack vendor import DIR`",
        unreachable.len(),
        if unreachable.len() == 1 { "y" } else { "ies" },
        unreachable.join("\n")
    );
    if !mismatched.is_empty() {
        return Err(anyhow!(CheckFailed(msg)));
    }
    bail!(msg)
}
