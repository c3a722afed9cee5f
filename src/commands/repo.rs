//! `syspack repo add|remove|verify|push|pull|promote|hold|unhold|yank|log`: signed package repositories
//! with release channels (see the `syspack_repo` crate).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syspack_distro::text::escape_line;
use syspack_repo::release::{self, Change, Decision, Event, Log, PromoteOptions, Publish};
use syspack_repo::sign::{Signer, Verifier};
use syspack_repo::{apt, freebsd, pacman, s3, store};

use crate::exit::{self, CheckFailed};

/// Publish packages in signed repositories that apt, dnf and pacman install from, with release
/// channels promoted after a soak.
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
        /// The packages (.deb, .rpm, .pkg.tar.*, FreeBSD .pkg; FreeBSD needs an RSA key).
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
        /// Keep only the N newest versions of each package in the channel (per family and
        /// architecture, in the family's version order); the others are removed, with
        /// `--keep N` as the reason in the release log.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// Remove a package (every version, or --version) from a channel in every family that has
    /// it and re-sign the channel; package files the channel no longer names are deleted after
    /// the new metadata is in place (apt's pool keeps what another suite names). The release log
    /// records the removal. (`repo yank` is the same for one version, with a required reason.)
    Remove {
        /// The repository.
        dir: PathBuf,
        /// The package name.
        name: String,
        /// Only this version (as the channel's metadata spells it, e.g. 1.0.0-1).
        #[arg(long)]
        version: Option<String>,
        /// The channel.
        #[arg(long, default_value = "testing")]
        channel: String,
        /// Why (recorded in the release log).
        #[arg(long)]
        reason: Option<String>,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// The pacman repository name.
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
    },
    /// Promote the packages of one channel that have soaked long enough to another.
    ///
    /// A package's soak counts from when it entered --from, as the signed release log
    /// (log/release.jsonl) records it. Only the newest version of each package in --from is
    /// promoted: a newer version entering --from supersedes the older one's clock. Held
    /// packages, and versions yanked from --to, stay. Each package's sha256 is checked against
    /// the log and --from's signed metadata first; any mismatch refuses the promotion (exit 1)
    /// and nothing moves. The clock (--now, else $SYSPACK_NOW, else the system clock) is used
    /// for the log only, never for package contents or metadata dates.
    Promote {
        /// The repository.
        dir: PathBuf,
        /// The source channel.
        #[arg(long, default_value = "testing")]
        from: String,
        /// The target channel.
        #[arg(long, default_value = "stable")]
        to: String,
        /// How long a package must have been in --from (e.g. 14d, 36h, 90m, 3600s) [default:
        /// `min-soak` of the project's `publish` table with --manifest-path/--config, else 14d].
        #[arg(long, value_name = "DURATION")]
        min_soak: Option<String>,
        /// A cargo manifest whose `[package.metadata.syspack.publish]` gives the default
        /// --min-soak.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// A standalone syspack.toml whose `[package.publish]` gives the default --min-soak.
        #[arg(long, value_name = "FILE", conflicts_with = "manifest_path")]
        config: Option<PathBuf>,
        /// The time now, in seconds since 1970 [default: $SYSPACK_NOW, else the clock].
        #[arg(long, value_name = "EPOCH_SECONDS")]
        now: Option<u64>,
        /// Only show what would move, and when the rest becomes eligible.
        #[arg(long)]
        dry_run: bool,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// The pacman repository name.
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
    },
    /// Hold a package (every version, or --version): `repo promote` leaves it where it is.
    Hold {
        /// The repository.
        dir: PathBuf,
        /// The package name.
        name: String,
        /// Only this version.
        #[arg(long)]
        version: Option<String>,
        /// Why, for the release log.
        #[arg(long)]
        reason: Option<String>,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// Take off a hold put with `repo hold` (the same name and --version).
    Unhold {
        /// The repository.
        dir: PathBuf,
        /// The package name.
        name: String,
        /// The version held.
        #[arg(long)]
        version: Option<String>,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
    },
    /// Remove one version of a package from a channel, recording why in the release log.
    Yank {
        /// The repository.
        dir: PathBuf,
        /// The package name.
        name: String,
        /// The version.
        #[arg(long, required = true)]
        version: String,
        /// The channel.
        #[arg(long, required = true)]
        channel: String,
        /// Why (recorded in the release log).
        #[arg(long, required = true)]
        reason: String,
        /// The armored secret key [default: $SYSPACK_SIGNING_KEY].
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// The pacman repository name.
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
    },
    /// Print how a machine adds the repository, for each family DIR holds in --channel: an apt
    /// .sources file with Signed-By, a dnf .repo with gpgcheck and repo_gpgcheck, a pacman.conf
    /// section with SigLevel, a FreeBSD pkg repository file with signature_type pubkey.
    ///
    /// The OpenPGP public key is expected at URL/public.asc (publish keys/public.asc there);
    /// the FreeBSD one is freebsd/public.pem, which `repo add` writes.
    Snippet {
        /// The repository.
        dir: PathBuf,
        /// Where the repository is served from (https://example.org/repo).
        #[arg(long)]
        url: String,
        /// The channel clients follow.
        #[arg(long, default_value = "stable")]
        channel: String,
        /// The name of the repository on the client (file names, pacman section, pkg name).
        #[arg(long, default_value = "syspack")]
        name: String,
        /// The apt component.
        #[arg(long, default_value = "main")]
        component: String,
    },
    /// Show the release log: what entered and left each channel and when, and the holds.
    /// The log's signature is checked first (exit 1 when it fails).
    Log {
        /// The repository.
        dir: PathBuf,
        /// The armored public key the log must be signed with.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Print the records as a JSON array.
        #[arg(long)]
        json: bool,
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
    /// Mirror the repository under DIR to S3-compatible object storage (s3://BUCKET[/PREFIX]).
    ///
    /// Uploads what is missing or different there, the files clients read first (InRelease,
    /// repomd.xml, the pacman databases, meta.conf) last, so a client reading during the push
    /// sees the old or the new repository, each complete. Credentials, region and endpoint come
    /// from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and
    /// AWS_ENDPOINT_URL (an S3-compatible server, addressed in path style unless
    /// SYSPACK_S3_URL_STYLE=virtual-host).
    Push {
        /// The repository.
        dir: PathBuf,
        /// Where: s3://BUCKET or s3://BUCKET/PREFIX.
        to: String,
        /// Verify the tree with this armored public key first (as `repo verify`), and push
        /// nothing if a check fails.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// The pacman repository name (for --key).
        #[arg(long, value_name = "NAME", default_value = "syspack")]
        pacman_repo: String,
        /// Then delete the objects under the prefix that DIR does not hold.
        #[arg(long)]
        delete: bool,
        /// Only show what would be uploaded and deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Mirror a repository from S3-compatible object storage into DIR (to `repo add` to it and
    /// push it back). Every key must be a plain path under the prefix; every file is checked
    /// against the listed size and MD5 and renamed into place, index files last. The same
    /// variables as `repo push`; without credentials the requests are anonymous.
    Pull {
        /// Where from: s3://BUCKET or s3://BUCKET/PREFIX.
        from: String,
        /// The local repository.
        dir: PathBuf,
        /// Then delete the local files the bucket does not hold.
        #[arg(long)]
        delete: bool,
        /// Only show what would be downloaded and deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check every signature and hash (apt suites, rpm-md, pacman databases, FreeBSD
    /// packagesite/data), that every referenced file exists, and that nothing in pool/ (or a
    /// FreeBSD All/) is unreferenced. Exit 1 when a check fails.
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

/// `<verb> NAME VERSION ARCH (FAMILY) from CHANNEL`, escaped.
fn print_item(o: &mut impl Write, verb: &str, i: &release::Item, channel: &str) -> Result<()> {
    writeln!(
        o,
        "{verb} {} {} {} ({}) from {}",
        escape_line(&i.package),
        escape_line(&i.version),
        escape_line(&i.arch),
        i.family,
        escape_line(channel)
    )?;
    Ok(())
}

/// Prints `verb` and each item taken out of `channel`, one per line.
fn print_items(verb: &str, items: Vec<release::Item>, channel: &str) -> Result<()> {
    let mut o = std::io::stdout().lock();
    for i in items {
        print_item(&mut o, verb, &i, channel)?;
    }
    Ok(())
}

/// Prints what a hold or unhold applies to: a package, or one of its versions.
fn print_hold(verb: &str, name: &str, version: Option<&str>) -> Result<()> {
    let version = version
        .map(|v| format!(" {}", escape_line(v)))
        .unwrap_or_default();
    writeln!(
        std::io::stdout().lock(),
        "{verb} {}{version}",
        escape_line(name)
    )?;
    Ok(())
}

/// The signer of a change to the repository in `dir`, once the release log verifies with its
/// key: a log that does not verify stops the change before anything is written.
fn signer_for_change(dir: &Path, signing_key: Option<&Path>) -> Result<Signer> {
    let signer = Signer::from_cli(signing_key)?;
    read_log(dir, &signer.verifier())?;
    Ok(signer)
}

/// Runs `syspack repo`.
pub fn run(args: Args) -> Result<i32> {
    // One writer per repository; readers that need a consistent tree share the lock.
    let _lock = match &args.action {
        Action::Add { dir, .. }
        | Action::Remove { dir, .. }
        | Action::Pull { dir, .. }
        | Action::Promote { dir, .. }
        | Action::Hold { dir, .. }
        | Action::Unhold { dir, .. }
        | Action::Yank { dir, .. } => Some(store::lock(dir, store::Access::Write)?),
        Action::Push { dir, .. } | Action::Verify { dir, .. } if dir.is_dir() => {
            Some(store::lock(dir, store::Access::Read)?)
        }
        _ => None,
    };
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
            let (mut debs, mut arch, mut rpms, mut bsd) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for p in &packages {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                if name.ends_with(".deb") {
                    debs.push(p.clone());
                } else if name.contains(".pkg.tar") {
                    arch.push(p.clone());
                } else if name.ends_with(".rpm") {
                    rpms.push(p.clone());
                } else if name.ends_with(".pkg") {
                    bsd.push(p.clone());
                } else {
                    bail!(
                        "{}: not a package syspack publishes: .deb, .rpm, Arch (.pkg.tar.*) and \
                         FreeBSD (.pkg) packages are",
                        p.display()
                    );
                }
            }
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let date = source_date_epoch()?;
            let now = release::now(None)?;
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
                    repo: pacman_repo.clone(),
                    date,
                };
                added.extend(pacman::add(&dir, &arch, &opts, &signer)?);
            }
            if !rpms.is_empty() {
                added.extend(syspack_repo::rpmmd::add(
                    &dir, &rpms, &channel, date, &signer,
                )?);
            }
            if !bsd.is_empty() {
                let opts = freebsd::Options {
                    channel: channel.clone(),
                    date,
                };
                added.extend(freebsd::add(&dir, &bsd, &opts, &signer)?);
            }
            // What the adds published enters the log (apt's --keep removals, made in its own
            // publication, with their reason); then the other families' --keep removals, as
            // removals of packages that were published.
            let mut change = Change::add(now);
            change.reason = keep.map(|n| format!("--keep {n}"));
            release::reconcile(&dir, &channel, &change, &signer)?;
            // Like apt's, only in the families this run adds to.
            let mut dropped = Vec::new();
            let families: Vec<release::Family> = [
                (release::Family::Pacman, &arch),
                (release::Family::Rpm, &rpms),
                (release::Family::Freebsd, &bsd),
            ]
            .into_iter()
            .filter(|(_, added)| !added.is_empty())
            .map(|(family, _)| family)
            .collect();
            if let Some(n) = keep.filter(|_| !families.is_empty()) {
                let publish = Publish {
                    date,
                    pacman_repo: pacman_repo.clone(),
                };
                dropped =
                    release::keep_newest(&dir, &channel, &families, n, now, &publish, &signer)?;
            }
            let mut o = std::io::stdout().lock();
            for p in added {
                writeln!(o, "{}", p.display())?;
            }
            for i in dropped {
                print_item(&mut o, "removed", &i, &channel)?;
            }
            writeln!(o, "signed channel {channel} with {}", signer.fingerprint())?;
            Ok(exit::OK)
        }
        Action::Remove {
            dir,
            name,
            version,
            channel,
            reason,
            signing_key,
            pacman_repo,
        } => {
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let now = release::now(None)?;
            let publish = publish_settings(pacman_repo)?;
            let removed = release::remove(
                &dir,
                &name,
                version.as_deref(),
                &channel,
                reason.as_deref(),
                now,
                &publish,
                &signer,
            )?;
            print_items("removed", removed, &channel)?;
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
        Action::Push {
            dir,
            to,
            key,
            pacman_repo,
            delete,
            dry_run,
        } => {
            if let Some(key) = key {
                verify(&dir, &key, &pacman_repo)?;
            }
            let location = s3::Location::parse(&to)?;
            let remote = s3::Remote::from_env(&location)?;
            let report = s3::push(&dir, &remote, delete, dry_run)?;
            print_mirror(
                &report,
                if dry_run { "would upload" } else { "uploaded" },
                &location,
            )?;
            Ok(0)
        }
        Action::Pull {
            from,
            dir,
            delete,
            dry_run,
        } => {
            let location = s3::Location::parse(&from)?;
            let remote = s3::Remote::from_env(&location)?;
            let report = s3::pull(&remote, &dir, delete, dry_run)?;
            print_mirror(
                &report,
                if dry_run {
                    "would download"
                } else {
                    "downloaded"
                },
                &location,
            )?;
            Ok(0)
        }
        Action::Promote {
            dir,
            from,
            to,
            min_soak,
            manifest_path,
            config,
            now,
            dry_run,
            signing_key,
            pacman_repo,
        } => {
            let min_soak = match (min_soak, &config, &manifest_path) {
                (Some(s), _, _) => release::parse_duration(&s)?,
                (None, None, None) => crate::config::PublishSpec::default().min_soak,
                (None, c, m) => {
                    super::package::load_project(c.as_deref(), m.as_deref())?
                        .cfg
                        .publish
                        .min_soak
                }
            };
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let opts = PromoteOptions {
                from,
                to,
                min_soak,
                now: release::now(now)?,
                dry_run,
                publish: publish_settings(pacman_repo)?,
            };
            let candidates = release::promote(&dir, &opts, &signer).map_err(check_failed)?;
            print_promotion(&opts, &candidates)?;
            Ok(exit::OK)
        }
        Action::Hold {
            dir,
            name,
            version,
            reason,
            signing_key,
        } => {
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let now = release::now(None)?;
            release::hold(
                &dir,
                &name,
                version.as_deref(),
                reason.as_deref(),
                now,
                &signer,
            )?;
            print_hold("held", &name, version.as_deref())?;
            Ok(exit::OK)
        }
        Action::Unhold {
            dir,
            name,
            version,
            signing_key,
        } => {
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let now = release::now(None)?;
            release::unhold(&dir, &name, version.as_deref(), now, &signer)?;
            print_hold("unheld", &name, version.as_deref())?;
            Ok(exit::OK)
        }
        Action::Yank {
            dir,
            name,
            version,
            channel,
            reason,
            signing_key,
            pacman_repo,
        } => {
            let signer = signer_for_change(&dir, signing_key.as_deref())?;
            let now = release::now(None)?;
            let publish = publish_settings(pacman_repo)?;
            let yanked = release::yank(
                &dir, &name, &version, &channel, &reason, now, &publish, &signer,
            )?;
            print_items("yanked", yanked, &channel)?;
            Ok(exit::OK)
        }
        Action::Snippet {
            dir,
            url,
            channel,
            name,
            component,
        } => {
            let text = snippet(&dir, &url, &channel, &name, &component)?;
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(exit::OK)
        }
        Action::Log { dir, key, json } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let verifier = Verifier::from_armored(&text, &key.display().to_string())?;
            let log = read_log(&dir, &verifier)?;
            print_log(&log, json)?;
            Ok(exit::OK)
        }
    }
}

/// Reads and verifies the release log; a signature that fails is a failed check (exit 1).
fn read_log(dir: &Path, verifier: &Verifier) -> Result<Log> {
    Log::read(dir, verifier).map_err(check_failed)
}

/// Tampering (a signature or hash that does not verify) exits 1; the rest 2.
/// One line per file copied or deleted, in the order done, then a count.
fn print_mirror(report: &s3::Report, verb: &str, location: &s3::Location) -> Result<()> {
    let mut o = std::io::stdout().lock();
    for rel in &report.copied {
        writeln!(o, "{verb} {}", escape_line(rel))?;
    }
    let deleted = verb
        .strip_prefix("would ")
        .map_or("deleted", |_| "would delete");
    for rel in &report.deleted {
        writeln!(o, "{deleted} {}", escape_line(rel))?;
    }
    writeln!(
        o,
        "{location}: {} {verb}, {} {deleted}, {} unchanged",
        report.copied.len(),
        report.deleted.len(),
        report.unchanged
    )?;
    Ok(())
}

fn check_failed(e: syspack_repo::Error) -> anyhow::Error {
    match e {
        syspack_repo::Error::BadSignature { .. } | syspack_repo::Error::HashMismatch { .. } => {
            CheckFailed(e.to_string()).into()
        }
        e => e.into(),
    }
}

fn describe(i: &release::Item) -> String {
    format!(
        "{} {} {} ({})",
        escape_line(&i.package),
        escape_line(&i.version),
        escape_line(&i.arch),
        i.family
    )
}

fn print_promotion(opts: &PromoteOptions, candidates: &[release::Candidate]) -> Result<()> {
    let mut o = std::io::stdout().lock();
    let verb = if opts.dry_run {
        "would promote"
    } else {
        "promoted"
    };
    let mut moved = 0;
    for c in candidates {
        let what = describe(&c.item);
        let since = format!(
            "in {} since {}",
            escape_line(&opts.from),
            release::format_time(c.entered)
        );
        match &c.decision {
            Decision::Promote => {
                moved += 1;
                writeln!(
                    o,
                    "{verb} {what} to {}: {since} ({} soaked)",
                    escape_line(&opts.to),
                    release::format_duration(opts.now.saturating_sub(c.entered))
                )?
            }
            Decision::Present => writeln!(o, "already in {}: {what}", escape_line(&opts.to))?,
            Decision::Differs { sha256 } => writeln!(
                o,
                "differs {what}: {} has this version with sha256 {}, {} with {}; not promoted \
                 (yank one of them)",
                escape_line(&opts.to),
                escape_line(sha256),
                escape_line(&opts.from),
                escape_line(&c.item.sha256)
            )?,
            Decision::Wait { eligible_at } => writeln!(
                o,
                "waiting {what}: {since}, eligible at {} (in {})",
                release::format_time(*eligible_at),
                release::format_duration(eligible_at - opts.now)
            )?,
            Decision::Held => writeln!(o, "held {what}: not promoted until `syspack repo unhold`")?,
            Decision::Yanked { at } => writeln!(
                o,
                "yanked {what}: yanked from {} at {}, not promoted into it again",
                escape_line(&opts.to),
                release::format_time(*at)
            )?,
            Decision::Superseded { by } => writeln!(
                o,
                "superseded {what}: {} is newer in {}",
                escape_line(by),
                escape_line(&opts.from)
            )?,
        }
    }
    writeln!(
        o,
        "{moved} package(s) {} from {} to {} (minimum soak {})",
        if opts.dry_run { "would move" } else { "moved" },
        escape_line(&opts.from),
        escape_line(&opts.to),
        release::format_duration(opts.min_soak)
    )?;
    Ok(())
}

/// JSON text with the C1 controls (which JSON leaves raw) escaped too, so it is safe to print.
fn json_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if ('\u{7f}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn print_log(log: &Log, json: bool) -> Result<()> {
    let mut o = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(&log.records)?;
        writeln!(o, "{}", json_safe(&text))?;
        return Ok(());
    }
    let channels: BTreeSet<&str> = log
        .records
        .iter()
        .filter_map(|r| r.channel.as_deref())
        .collect();
    for channel in channels {
        writeln!(o, "channel {}", escape_line(channel))?;
        for r in log
            .records
            .iter()
            .filter(|r| r.channel.as_deref() == Some(channel))
        {
            let (sign, what) = match r.event {
                Event::Add => ("+", "added".to_string()),
                Event::Promote => (
                    "+",
                    format!(
                        "promoted from {}",
                        escape_line(r.from.as_deref().unwrap_or("?"))
                    ),
                ),
                Event::Remove => ("-", "removed".to_string()),
                Event::Yank => ("-", "yanked".to_string()),
                Event::Hold | Event::Unhold => continue,
            };
            write!(
                o,
                "  {}  {sign} {} {} {}",
                release::format_time(r.time),
                escape_line(&r.package),
                escape_line(r.version.as_deref().unwrap_or("?")),
                escape_line(r.arch.as_deref().unwrap_or("?")),
            )?;
            if let Some(f) = r.family {
                write!(o, " ({f})")?;
            }
            write!(o, " {what}")?;
            if let Some(reason) = &r.reason {
                write!(o, ": {}", escape_line(reason))?;
            }
            writeln!(
                o,
                "  sha256 {}",
                escape_line(r.sha256.as_deref().unwrap_or("?"))
            )?;
        }
    }
    let holds: Vec<&release::Record> = log
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::Hold | Event::Unhold))
        .collect();
    if !holds.is_empty() {
        writeln!(o, "holds")?;
        for r in holds {
            write!(
                o,
                "  {}  {} {} {}",
                release::format_time(r.time),
                if r.event == Event::Hold {
                    "hold"
                } else {
                    "unhold"
                },
                escape_line(&r.package),
                r.version
                    .as_deref()
                    .map_or("(every version)".to_string(), |v| escape_line(v)
                        .into_owned())
            )?;
            if let Some(reason) = &r.reason {
                write!(o, ": {}", escape_line(reason))?;
            }
            writeln!(o)?;
        }
    }
    Ok(())
}

/// How the indexes are written: dated by `SOURCE_DATE_EPOCH` when it is set, and the pacman
/// database's name.
fn publish_settings(pacman_repo: String) -> Result<Publish> {
    Ok(Publish {
        date: source_date_epoch()?,
        pacman_repo,
    })
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

/// Adds a problem for each file of `dir` that the verified index does not name (`listed`
/// false): a package no client would find, `why` saying which index.
fn unnamed_files(dir: &Path, listed: impl Fn(&str) -> bool, why: &str, problems: &mut Vec<String>) {
    for f in sorted_files(dir) {
        if !listed(&f) {
            problems.push(format!("{}: {why}", dir.join(&f).display()));
        }
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
                    let database = format!("{pacman_repo}.");
                    let listed = |f: &str| named.contains(f) || f.starts_with(&database);
                    unnamed_files(&adir, listed, "no database entry names it", &mut problems);
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
                let listed = |f: &str| named.contains(&format!("Packages/{f}"));
                let packages = cdir.join("Packages");
                unnamed_files(
                    &packages,
                    listed,
                    "primary.xml does not name it",
                    &mut problems,
                );
            }
            Err(e) => problems.push(e.to_string()),
        }
        rpm_channels.push(format!("rpm/{channel}"));
    }
    let mut freebsd_dirs = Vec::new();
    for channel in sorted_dirs(&dir.join("freebsd")) {
        for abi in sorted_dirs(&dir.join("freebsd").join(&channel)) {
            let adir = freebsd::abi_dir(dir, &channel, &abi);
            match freebsd::verify(dir, &channel, &abi, &verifier) {
                Ok(named) => {
                    let listed = |f: &str| named.contains(&format!("All/{f}"));
                    let all = adir.join("All");
                    unnamed_files(
                        &all,
                        listed,
                        "packagesite.yaml does not name it",
                        &mut problems,
                    );
                }
                Err(e) => problems.push(e.to_string()),
            }
            freebsd_dirs.push(format!("freebsd/{channel}/{abi}"));
        }
    }
    if suites.is_empty()
        && pacman_dirs.is_empty()
        && rpm_channels.is_empty()
        && freebsd_dirs.is_empty()
    {
        return Err(CheckFailed(format!(
            "{}: no dists/<suite>/, arch/<channel>/<arch>/, rpm/<channel>/ or \
             freebsd/<channel>/<ABI>/ to verify",
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
    // The release log, when there is one, is signed by the same key.
    let log = match Log::read(dir, &verifier) {
        Ok(log) if log.records.is_empty() => "none".to_string(),
        Ok(log) => format!("{} record(s)", log.records.len()),
        Err(e) => {
            problems.push(e.to_string());
            String::new()
        }
    };
    if !problems.is_empty() {
        return Err(CheckFailed(problems.join("\n")).into());
    }
    writeln!(
        std::io::stdout().lock(),
        "ok: {} suite(s) ({}), {} package file(s); pacman: {}; rpm: {}; freebsd: {}; release \
         log: {log}; signed by {}",
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
        if freebsd_dirs.is_empty() {
            "none".to_string()
        } else {
            freebsd_dirs.join(", ")
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

/// The client configuration of every family `dir` holds in `channel`.
fn snippet(dir: &Path, url: &str, channel: &str, name: &str, component: &str) -> Result<String> {
    release::check_channel(channel)?;
    let plain = |what: &str, v: &str| -> Result<()> {
        let ok = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            bail!(
                "--{what} `{}`: use letters, digits, `-`, `_` and `.`",
                escape_line(v)
            );
        }
        Ok(())
    };
    plain("name", name)?;
    plain("component", component)?;
    let url = url.trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with("file://"))
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'))
    {
        bail!(
            "--url `{}`: give the http(s):// or file:// address the repository is served from",
            escape_line(url)
        );
    }
    let mut out = String::new();
    let key = format!("{url}/public.asc");
    if dir.join("dists").join(channel).is_dir() {
        out.push_str(&format!(
            "# apt (Debian, Ubuntu)\n\
             sudo install -d /etc/apt/keyrings\n\
             curl -fsSL {key} | sudo tee /etc/apt/keyrings/{name}.asc >/dev/null\n\
             sudo tee /etc/apt/sources.list.d/{name}.sources >/dev/null <<'EOT'\n\
             Types: deb\n\
             URIs: {url}\n\
             Suites: {channel}\n\
             Components: {component}\n\
             Signed-By: /etc/apt/keyrings/{name}.asc\n\
             EOT\n\n"
        ));
    }
    if dir.join("rpm").join(channel).is_dir() {
        out.push_str(&format!(
            "# dnf / yum (Fedora, RHEL, openSUSE with zypper reads it too)\n\
             sudo tee /etc/yum.repos.d/{name}.repo >/dev/null <<'EOT'\n\
             [{name}]\n\
             name={name} ({channel})\n\
             baseurl={url}/rpm/{channel}\n\
             enabled=1\n\
             gpgcheck=1\n\
             repo_gpgcheck=1\n\
             gpgkey={key}\n\
             EOT\n\n"
        ));
    }
    let arch_dir = dir.join("arch").join(channel);
    if arch_dir.is_dir() {
        out.push_str(&format!(
            "# pacman (Arch Linux); the key: curl -fsSL {key} -o {name}.asc && \
             sudo pacman-key --add {name}.asc && sudo pacman-key --lsign-key FINGERPRINT\n\
             [{name}]\n\
             SigLevel = Required DatabaseRequired\n\
             Server = {url}/arch/{channel}/$arch\n\n"
        ));
    }
    if dir.join("freebsd").join(channel).is_dir() {
        out.push_str(&format!(
            "# FreeBSD pkg\n\
             fetch -o /usr/local/etc/ssl/{name}.pem {url}/{pem}\n\
             mkdir -p /usr/local/etc/pkg/repos\n\
             cat > /usr/local/etc/pkg/repos/{name}.conf <<'EOT'\n\
             {name}: {{\n\
            \x20 url: \"{url}/freebsd/{channel}/${{ABI}}\",\n\
            \x20 signature_type: \"pubkey\",\n\
            \x20 pubkey: \"/usr/local/etc/ssl/{name}.pem\",\n\
            \x20 enabled: yes\n\
             }}\n\
             EOT\n\n",
            pem = freebsd::PUBLIC_KEY
        ));
    }
    if out.is_empty() {
        bail!(
            "{}: no repository of channel `{c}` (dists/{c}, rpm/{c}, arch/{c}, freebsd/{c}); \
             add packages with `syspack repo add --channel`",
            dir.display(),
            c = escape_line(channel)
        );
    }
    Ok(out)
}
