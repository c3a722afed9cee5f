//! `syspack repo add|verify`: signed package repositories (see the `syspack_repo` crate).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syspack_repo::apt;
use syspack_repo::sign::{Signer, Verifier};

use crate::exit::{self, CheckFailed};

/// Publish packages in signed repositories that apt (and, later, dnf, pacman, pkg) install from.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add packages to the repository under DIR and re-sign its metadata.
    ///
    /// The signing key comes from --signing-key FILE or $SYSPACK_SIGNING_KEY (the armored key
    /// itself, or a path), its passphrase from $SYSPACK_SIGNING_KEY_PASSPHRASE. Dates come from
    /// $SOURCE_DATE_EPOCH, else the newest file in the packages.
    Add {
        /// The repository.
        dir: PathBuf,
        /// The packages (.deb for now).
        #[arg(required = true)]
        packages: Vec<PathBuf>,
        /// The channel the packages enter (an apt suite).
        #[arg(long, default_value = "testing")]
        channel: String,
        /// The apt component.
        #[arg(long, default_value = "main")]
        component: String,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// Write `Valid-Until` this many days after `Date`.
        #[arg(long, value_name = "DAYS")]
        valid_days: Option<u64>,
    },
    /// Check every signature and hash, that every referenced file exists, and that nothing in
    /// pool/ is unreferenced. Exit 1 when a check fails.
    Verify {
        /// The repository.
        dir: PathBuf,
        /// The armored public key the repository must be signed with.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
}

/// Runs `syspack repo`.
pub fn run(args: Args) -> Result<i32> {
    match args.action {
        Action::Add {
            dir,
            packages,
            channel,
            component,
            signing_key,
            valid_days,
        } => {
            for p in &packages {
                if p.extension().and_then(|e| e.to_str()) != Some("deb") {
                    bail!(
                        "{}: only .deb packages can be published yet (apt); rpm, pacman and \
                         FreeBSD repositories are not written by this version",
                        p.display()
                    );
                }
            }
            let signer = Signer::from_cli(signing_key.as_deref())?;
            let mut opts = apt::Options::new(&channel);
            opts.component = component;
            opts.date = source_date_epoch()?;
            opts.valid_for = valid_days.map(|d| d * 86_400);
            let added = apt::add(&dir, &packages, &opts, &signer)?;
            let mut o = std::io::stdout().lock();
            for p in added {
                writeln!(o, "{}", p.display())?;
            }
            writeln!(
                o,
                "signed dists/{channel}/InRelease with {}",
                signer.fingerprint()
            )?;
            Ok(exit::OK)
        }
        Action::Verify { dir, key } => verify(&dir, &key),
    }
}

fn source_date_epoch() -> Result<Option<u64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Ok(Some(v.trim().parse().with_context(|| {
            format!(
                "`SOURCE_DATE_EPOCH={v}` is not a number of seconds since 1970; unset it or fix it"
            )
        })?)),
        Err(_) => Ok(None),
    }
}

fn verify(dir: &Path, key: &Path) -> Result<i32> {
    let text =
        std::fs::read_to_string(key).with_context(|| format!("cannot read {}", key.display()))?;
    let verifier = Verifier::from_armored(&text, &key.display().to_string())?;
    let dists = dir.join("dists");
    let mut suites = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dists) {
        for e in entries.flatten() {
            suites.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    suites.sort();
    if suites.is_empty() {
        return Err(CheckFailed(format!("{}: no dists/<suite>/ to verify", dir.display())).into());
    }
    let mut referenced = BTreeSet::new();
    let mut problems = Vec::new();
    for suite in &suites {
        match apt::verify_suite(dir, suite, &verifier) {
            Ok(r) => referenced.extend(r),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for entry in walkdir::WalkDir::new(dir.join("pool")).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot list {}", dir.join("pool").display()))?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .into_owned();
            if !referenced.contains(&rel) {
                problems.push(format!("{rel}: in pool/ but no suite's index names it"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(CheckFailed(problems.join("\n")).into());
    }
    writeln!(
        std::io::stdout().lock(),
        "ok: {} suite(s) ({}), {} package file(s), signed by {}",
        suites.len(),
        suites.join(", "),
        referenced.len(),
        verifier.fingerprint()
    )?;
    Ok(exit::OK)
}
