//! `syspack package`: build, stage, write one package per target, print a summary.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::Compression;

use crate::cargo_build;
use crate::config::{syspack::load_standalone, Config};
use crate::exit;
use crate::formats::AnyWriter;
use crate::provenance::Record;
use crate::stage::{self, BuildOutputs, Staged};
use crate::target::{self, Target};

/// Build the project and write native packages.
///
/// With no arguments in a cargo project, builds it (`cargo build --release`) and writes a package
/// for the newest release of each family (debian-13, fedora-43, arch, freebsd-14) into
/// `target/syspack/`. The output is reproducible: the date comes from `SOURCE_DATE_EPOCH`, else
/// the last git commit, else 2024-01-01 — never the clock.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Distro releases to package for (comma-separated or repeated), e.g. `debian-12,fedora-43`.
    #[arg(long = "target", value_name = "T,..")]
    targets: Vec<String>,

    /// Only these formats (deb, rpm, arch, freebsd); without --target, the newest release of each.
    #[arg(long = "format", value_name = "F,..")]
    formats: Vec<String>,

    /// Output directory [default: target/syspack in the project].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Do not run `cargo build`; package the files that are already there.
    #[arg(long)]
    no_build: bool,

    /// Cargo features to build with (comma-separated).
    #[arg(long, value_name = "FEATURES")]
    features: Vec<String>,

    /// A standalone syspack.toml (a project that is not a cargo package; implies --no-build).
    #[arg(long, value_name = "FILE", conflicts_with = "manifest_path")]
    config: Option<PathBuf>,

    /// The cargo manifest [default: Cargo.toml in the current directory or above].
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Compression for every target (`xz`, `zstd:19`, `gzip`…), instead of each target's default.
    #[arg(long, value_name = "C")]
    compression: Option<String>,

    /// Provenance of the C libraries in the packaged binaries, as `syspack --provenance` prints
    /// it (used with --no-build; a build reads it from cargo).
    #[arg(long, value_name = "FILE")]
    provenance_file: Option<PathBuf>,
}

fn find_manifest() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("failed to read the current directory")?;
    let mut dir = Some(cwd.as_path());
    while let Some(d) = dir {
        let m = d.join("Cargo.toml");
        if m.is_file() {
            return Ok(m);
        }
        dir = d.parent();
    }
    bail!(
        "no `Cargo.toml` in `{}` or any parent directory; run syspack in a cargo project, pass \
         `--manifest-path`, or describe the package in a syspack.toml and pass `--config`",
        cwd.display()
    )
}

fn read_provenance_file(path: &Path) -> Result<Vec<Record>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not JSON; write it with `syspack --provenance > FILE`",
            path.display()
        )
    })?;
    let items = value.as_array().ok_or_else(|| {
        anyhow!(
            "`{}` must hold a JSON array, as `syspack --provenance` prints",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for item in items {
        out.push(Record::parse(
            &item.to_string(),
            &format!("an entry of `{}`", path.display()),
        )?);
    }
    out.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(out)
}

fn compression_for(args: &Args, cfg: &Config, t: &Target) -> Result<Compression> {
    let asked = args
        .compression
        .clone()
        .map(|c| (c, "--compression".to_string()))
        .or_else(|| {
            cfg.overrides
                .get(&t.format)
                .and_then(|o| o.compression.clone())
                .map(|c| (c, cfg.key(&format!("{}.compression", t.format))))
        });
    let Some((text, from)) = asked else {
        return Ok(t.default_compression());
    };
    let c: Compression = text
        .parse()
        .with_context(|| format!("invalid compression in {from}"))?;
    match t.release.reads(c) {
        Some(false) => bail!(
            "target `{}` cannot install {} packages compressed with {} ({from}); use {} or drop the option",
            t.id,
            t.format,
            c.name(),
            t.default_compression().name()
        ),
        None => exit::warn(format!(
            "syspack does not know whether target `{}` reads {} compression ({from})",
            t.id,
            c.name()
        )),
        Some(true) => {}
    }
    Ok(c)
}

/// The rows of the summary.
struct Row {
    path: PathBuf,
    target: String,
    size: u64,
    sha256: String,
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    let mut h = Sha256::new();
    let size = std::io::copy(&mut f, &mut h)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    Ok((size, hex::encode(h.finalize())))
}

fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

pub fn run(args: Args) -> Result<i32> {
    let features = super::split_list(&args.features);
    let (cfg, project_dir, standalone) = match &args.config {
        Some(path) => {
            let cfg = load_standalone(path)?;
            let dir = cfg.base_dir.clone();
            (cfg, dir, true)
        }
        None => {
            let manifest = match &args.manifest_path {
                Some(m) => m.clone(),
                None => find_manifest()?,
            };
            let cfg = Config::from_cargo_manifest(&manifest)?;
            let dir = cfg
                .cargo
                .as_ref()
                .map(|c| c.workspace_root.clone())
                .unwrap_or_else(|| cfg.base_dir.clone());
            (cfg, dir, false)
        }
    };
    for w in &cfg.warnings {
        exit::warn(w);
    }
    let targets = target::select(
        &super::split_list(&args.targets),
        &super::split_list(&args.formats),
        &cfg.targets,
    )?;
    let compressions = targets
        .iter()
        .map(|t| compression_for(&args, &cfg, t))
        .collect::<Result<Vec<_>>>()?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| project_dir.join("target").join("syspack"));
    let (date, date_from) = stage::source_date(&project_dir)?;
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprintln!("    Date {} (from {date_from})", date.secs());
    }

    let mut build = BuildOutputs::default();
    if let Some(p) = &args.provenance_file {
        build.provenance = read_provenance_file(p)?;
    }
    if let Some(cargo) = &cfg.cargo {
        build.target_dir = Some(match std::env::var_os("CARGO_TARGET_DIR") {
            Some(d) => PathBuf::from(d),
            None => cargo.workspace_root.join("target"),
        });
        if !standalone && !args.no_build {
            let mut all_features = cargo.features.clone();
            all_features.extend(features.iter().cloned());
            if progress {
                eprintln!(
                    "   Building {} (cargo build --release)",
                    cargo.manifest.display()
                );
            }
            let built = cargo_build::build(&cargo.manifest, &all_features)?;
            if built.target_dir.is_some() {
                build.target_dir = built.target_dir;
            }
            build.executables = built.executables;
            if args.provenance_file.is_none() {
                build.provenance = built.provenance;
            }
        }
    } else if !features.is_empty() {
        exit::warn("--features has no effect with --config: a syspack.toml project is not built by syspack");
    }

    // Phase 1: stage and validate every target; nothing is written if any of them fails.
    let assets = stage::resolve_assets(&cfg, &build)?;
    let mut staged: Vec<Staged> = Vec::new();
    for t in &targets {
        let s = stage::stage(&cfg, &assets, &build, t, date)
            .with_context(|| format!("cannot package for target `{}`", t.id))?;
        for w in &s.warnings {
            exit::warn(w);
        }
        staged.push(s);
    }
    let mut writers = Vec::new();
    for (s, c) in staged.iter().zip(&compressions) {
        let w = AnyWriter::new(s, *c)
            .with_context(|| format!("cannot package for target `{}`", s.target.id))?;
        writers.push((s, w));
    }
    // Two targets of one format may give the same file name: those go to <out>/<target>/.
    let names: Vec<String> = writers.iter().map(|(_, w)| w.file_name()).collect();
    let dirs: Vec<PathBuf> = writers
        .iter()
        .zip(&names)
        .map(|((s, _), n)| {
            if names.iter().filter(|m| *m == n).count() > 1 {
                out_dir.join(&s.target.id)
            } else {
                out_dir.clone()
            }
        })
        .collect();

    // Phase 2: write concurrently; a failing target leaves the others' files in place.
    let results: Vec<(String, Result<PathBuf>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .iter()
            .zip(names.iter().zip(&dirs))
            .map(|((s, w), (name, dir))| {
                let id = s.target.id.clone();
                let handle = scope.spawn(move || {
                    if progress {
                        eprintln!("    Writing {name} ({id})");
                    }
                    syspack_distro::output::write_atomically(dir, name, |out| w.write_to(out))
                        .map_err(anyhow::Error::from)
                });
                (s.target.id.clone(), handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(id, h)| {
                let r = h.join().unwrap_or_else(|_| {
                    Err(anyhow!("the writer thread panicked (a bug in syspack)"))
                });
                (id, r)
            })
            .collect()
    });

    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (id, r) in results {
        match r {
            Ok(path) => {
                let (size, sha256) = hash_file(&path)?;
                rows.push(Row {
                    path,
                    target: id,
                    size,
                    sha256,
                });
            }
            Err(e) => failed.push((id, e)),
        }
    }
    print_summary(&rows)?;
    if let Some((id, err)) = failed.into_iter().next() {
        return Err(err.context(format!(
            "writing the package for target `{id}` failed; the packages listed above were written"
        )));
    }
    Ok(exit::OK)
}

fn print_summary(rows: &[Row]) -> Result<()> {
    let files: Vec<String> = rows.iter().map(|r| display_path(&r.path)).collect();
    let wf = files.iter().map(String::len).chain([4]).max().unwrap_or(4);
    let wt = rows
        .iter()
        .map(|r| r.target.len())
        .chain([6])
        .max()
        .unwrap_or(6);
    let ws = rows
        .iter()
        .map(|r| r.size.to_string().len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<wf$}  {:<wt$}  {:>ws$}  sha256",
        "file", "target", "size"
    )?;
    for (r, f) in rows.iter().zip(&files) {
        writeln!(
            out,
            "{f:<wf$}  {:<wt$}  {:>ws$}  {}",
            r.target, r.size, r.sha256
        )?;
    }
    Ok(())
}
