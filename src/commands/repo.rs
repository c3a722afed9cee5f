//! `syspack repo add|verify`: signed package repositories (see the `syspack_repo` crate).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syspack_repo::sign::{Signer, Verifier};
use syspack_repo::{apt, pacman};

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
        /// The packages (.deb, .rpm, .pkg.tar.*).
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
        /// The pacman repository name (`[NAME]` in pacman.conf).
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
        /// Write `Valid-Until` this many days after `Date`.
        #[arg(long, value_name = "DAYS")]
        valid_days: Option<u64>,
        /// Keep only the N newest versions of each package in the channel (apt for now).
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// Remove a package (every version, or --version) from a channel's apt suite and re-sign it;
    /// pool files no channel names any more are deleted after the new metadata is in place.
    Remove {
        /// The repository.
        dir: PathBuf,
        /// The package name.
        name: String,
        /// Only this version (as in the Packages index, e.g. 1.0.0-1).
        #[arg(long)]
        version: Option<String>,
        /// The channel (apt suite).
        #[arg(long, default_value = "testing")]
        channel: String,
        /// The apt component.
        #[arg(long, default_value = "main")]
        component: String,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// Sign RPM packages in place (header and header+payload OpenPGP signatures, as
    /// `rpmsign --addsign`); `rpmkeys --checksig` verifies them after `rpmkeys --import`.
    SignRpm {
        /// The packages.
        #[arg(required = true)]
        packages: Vec<PathBuf>,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// Check every signature and hash (apt suites, pacman databases), that every referenced file exists, and that nothing in
    /// pool/ is unreferenced. Exit 1 when a check fails.
    Verify {
        /// The repository.
        dir: PathBuf,
        /// The armored public key the repository must be signed with.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The pacman repository name.
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
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
            pacman_repo,
            keep,
        } => {
            let (mut debs, mut arch, mut rpms) = (Vec::new(), Vec::new(), Vec::new());
            for p in &packages {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                if name.ends_with(".deb") {
                    debs.push(p.clone());
                } else if name.contains(".pkg.tar") {
                    arch.push(p.clone());
                } else if name.ends_with(".rpm") {
                    rpms.push(p.clone());
                } else {
                    bail!(
                        "{}: only .deb, .rpm and Arch (.pkg.tar.*) packages can be published yet; \
                         FreeBSD repositories are not written by this version",
                        p.display()
                    );
                }
            }
            let signer = Signer::from_cli(signing_key.as_deref())?;
            let date = source_date_epoch()?;
            let mut added = Vec::new();
            if !debs.is_empty() {
                let mut opts = apt::Options::new(&channel);
                opts.component = component;
                opts.date = date;
                opts.valid_for = valid_days.map(|d| d * 86_400);
                opts.keep = keep;
                added.extend(apt::add(&dir, &debs, &opts, &signer)?);
            }
            if !arch.is_empty() {
                let opts = pacman::Options {
                    channel: channel.clone(),
                    repo: pacman_repo,
                    date,
                };
                added.extend(pacman::add(&dir, &arch, &opts, &signer)?);
            }
            if !rpms.is_empty() {
                added.extend(syspack_repo::rpmmd::add(
                    &dir, &rpms, &channel, date, &signer,
                )?);
            }
            let mut o = std::io::stdout().lock();
            for p in added {
                writeln!(o, "{}", p.display())?;
            }
            writeln!(o, "signed channel {channel} with {}", signer.fingerprint())?;
            Ok(exit::OK)
        }
        Action::Remove {
            dir,
            name,
            version,
            channel,
            component,
            signing_key,
        } => {
            let signer = Signer::from_cli(signing_key.as_deref())?;
            let mut opts = apt::Options::new(&channel);
            opts.component = component;
            opts.date = source_date_epoch()?;
            let removed = apt::remove(&dir, &name, version.as_deref(), &opts, &signer)?;
            let mut o = std::io::stdout().lock();
            for r in removed {
                writeln!(o, "removed {r} from {channel}")?;
            }
            Ok(exit::OK)
        }
        Action::SignRpm {
            packages,
            signing_key,
        } => {
            let signer = Signer::from_cli(signing_key.as_deref())?;
            let time = source_date_epoch()?.unwrap_or(0);
            let mut o = std::io::stdout().lock();
            for p in packages {
                let bytes =
                    std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
                let signed = syspack_repo::rpm::sign_package(
                    &bytes,
                    &p.display().to_string(),
                    &signer,
                    u32::try_from(time).unwrap_or(u32::MAX),
                )?;
                syspack_repo::store::write_atomic(&p, &signed)?;
                writeln!(o, "signed {} with {}", p.display(), signer.fingerprint())?;
            }
            Ok(exit::OK)
        }
        Action::Verify {
            dir,
            key,
            pacman_repo,
        } => verify(&dir, &key, &pacman_repo),
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

fn verify(dir: &Path, key: &Path, pacman_repo: &str) -> Result<i32> {
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
    let mut problems = Vec::new();
    let mut pacman_dirs = Vec::new();
    for channel in sorted_dirs(&dir.join("arch")) {
        for arch in sorted_dirs(&dir.join("arch").join(&channel)) {
            let adir = pacman::arch_dir(dir, &channel, &arch);
            match pacman::verify(dir, &channel, &arch, pacman_repo, &verifier) {
                Ok(named) => {
                    let named: BTreeSet<String> = named.into_iter().collect();
                    for f in sorted_files(&adir) {
                        let listed =
                            named.contains(&f) || f.starts_with(&format!("{pacman_repo}."));
                        if !listed {
                            problems.push(format!(
                                "{}: no database entry names it",
                                adir.join(&f).display()
                            ));
                        }
                    }
                }
                Err(e) => problems.push(e.to_string()),
            }
            pacman_dirs.push(format!("arch/{channel}/{arch}"));
        }
    }
    let mut rpm_channels = Vec::new();
    for channel in sorted_dirs(&dir.join("rpm")) {
        let cdir = dir.join("rpm").join(&channel);
        match syspack_repo::rpmmd::verify(dir, &channel, &verifier) {
            Ok(named) => {
                for f in sorted_files(&cdir.join("Packages")) {
                    if !named.contains(&format!("Packages/{f}")) {
                        problems.push(format!(
                            "{}: primary.xml does not name it",
                            cdir.join("Packages").join(&f).display()
                        ));
                    }
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
        rpm_channels.push(format!("rpm/{channel}"));
    }
    if suites.is_empty() && pacman_dirs.is_empty() && rpm_channels.is_empty() {
        return Err(CheckFailed(format!(
            "{}: no dists/<suite>/, arch/<channel>/<arch>/ or rpm/<channel>/ to verify",
            dir.display()
        ))
        .into());
    }
    let mut referenced = BTreeSet::new();
    for suite in &suites {
        match apt::verify_suite(dir, suite, &verifier) {
            Ok(r) => referenced.extend(r),
            Err(e) => problems.push(e.to_string()),
        }
    }
    let pool = dir.join("pool");
    for entry in walkdir::WalkDir::new(&pool)
        .sort_by_file_name()
        .into_iter()
        .filter(|_| pool.exists())
    {
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
        "ok: {} suite(s) ({}), {} package file(s); pacman: {}; rpm: {}; signed by {}",
        suites.len(),
        suites.join(", "),
        referenced.len(),
        if pacman_dirs.is_empty() {
            "none".to_string()
        } else {
            pacman_dirs.join(", ")
        },
        if rpm_channels.is_empty() {
            "none".to_string()
        } else {
            rpm_channels.join(", ")
        },
        verifier.fingerprint()
    )?;
    Ok(exit::OK)
}

fn sorted_dirs(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn sorted_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_type().map(|t| t.is_dir()).unwrap_or(true))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}
