//! `syspack key generate`: an OpenPGP key pair for signing repositories and packages.
//!
//! The secret key goes to `DIR/secret.asc` only (created with mode 0600, never over an existing
//! file, never through a temporary file), the public key to `DIR/public.asc`; only the
//! fingerprint and the paths are printed.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::{Context, Result};
use syspack_repo::sign::{self, Algorithm};

use crate::exit;

/// Manage the OpenPGP keys that sign repositories.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Write a new key pair: DIR/secret.asc (mode 0600; protected by
    /// $SYSPACK_SIGNING_KEY_PASSPHRASE when set) and DIR/public.asc.
    Generate {
        /// The directory to write the keys into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The key's user id.
        #[arg(
            long,
            value_name = "NAME <EMAIL>",
            default_value = "syspack repository signing key"
        )]
        user_id: String,
        /// rsa4096 (read by every apt, rpm and pacman) or ed25519.
        #[arg(long, default_value = "rsa4096")]
        algorithm: String,
    },
}

/// Runs `syspack key`.
pub fn run(args: Args) -> Result<i32> {
    match args.action {
        Action::Generate {
            out,
            user_id,
            algorithm,
        } => generate(&out, &user_id, &algorithm),
    }
}

fn generate(out: &std::path::Path, user_id: &str, algorithm: &str) -> Result<i32> {
    let algorithm = Algorithm::parse(algorithm)?;
    let secret_path = out.join("secret.asc");
    let public_path = out.join("public.asc");
    for p in [&secret_path, &public_path] {
        if p.exists() {
            anyhow::bail!(
                "{} exists already: syspack never overwrites a key; choose another --out",
                p.display()
            );
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let passphrase = std::env::var(sign::PASSPHRASE_ENV)
        .ok()
        .map(zeroize::Zeroizing::new);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let key = sign::generate(
        algorithm,
        user_id,
        u32::try_from(now).unwrap_or(u32::MAX),
        passphrase.as_ref().map(|p| p.as_str()),
    )?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&secret_path)
        .with_context(|| format!("cannot create {}", secret_path.display()))?;
    f.write_all(key.secret.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", secret_path.display()))?;
    std::fs::write(&public_path, &key.public)
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    let mut o = std::io::stdout().lock();
    writeln!(o, "fingerprint {}", key.fingerprint)?;
    writeln!(
        o,
        "secret key  {} (keep it out of the repository)",
        secret_path.display()
    )?;
    writeln!(o, "public key  {}", public_path.display())?;
    Ok(exit::OK)
}
