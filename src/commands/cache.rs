//! `syspack cache`: where the frame cache is, what it holds, and keeping it within a size.
//!
//! The cache (see `syspack_distro::frames`) holds compressed frames, whole `.deb` streams and
//! file digests, so that packaging unchanged files again copies instead of compressing. It is
//! bounded like ccache's: after a `syspack package` run that stored new entries, the least
//! recently used are removed until it takes at most `SYSPACK_FRAME_CACHE_MAX_SIZE`
//! ([`DEFAULT_MAX_SIZE`] unless set; `0` for no bound). This command shows it, prunes it to
//! another size, or empties it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use syspack_distro::frames::FrameCache;

use crate::exit;

/// The bound of the frame cache when `SYSPACK_FRAME_CACHE_MAX_SIZE` is not set: 5 GiB, like
/// ccache's default.
pub const DEFAULT_MAX_SIZE: u64 = 5 << 30;

/// Show, prune or empty the frame cache of `syspack package`.
///
/// The cache keeps compressed frames, whole `.deb` streams and file digests between runs. After a
/// run that stored new entries, the least recently used are removed until the cache takes at most
/// $SYSPACK_FRAME_CACHE_MAX_SIZE (default 5G; 0: no bound).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cache [default: $SYSPACK_FRAME_CACHE, else $XDG_CACHE_HOME/syspack/frames, else
    /// ~/.cache/syspack/frames].
    #[arg(long, value_name = "DIR", global = true)]
    frame_cache: Option<String>,

    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Where the cache is and how much each kind of entry takes (the default).
    Show,
    /// Remove the least recently used entries until the cache takes at most SIZE.
    Prune {
        /// The size to keep within: bytes, or with a suffix K, M, G, T (powers of 1024), e.g. 2G.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: u64,
    },
    /// Remove every entry and both indexes (the cache directory's `v1/`, nothing else).
    Clear,
}

/// Runs `syspack cache`.
pub fn run(args: Args) -> Result<i32> {
    let Some((dir, from)) = cache_dir(args.frame_cache.as_deref()) else {
        bail!(
            "the frame cache is off (--frame-cache off, SYSPACK_FRAME_CACHE=off, or no HOME): \
             name one with --frame-cache DIR"
        );
    };
    let mut out = std::io::stdout().lock();
    let action = args.action.unwrap_or(Action::Show);
    // Looking is no reason to create a cache.
    if !matches!(action, Action::Clear) && !dir.join("v1").is_dir() {
        writeln!(
            out,
            "{} holds no frame cache yet (from {from})",
            dir.display()
        )?;
        return Ok(exit::OK);
    }
    match action {
        Action::Show => {
            let cache = open(&dir, from)?;
            let usage = cache
                .usage()
                .with_context(|| format!("cannot read the frame cache {}", dir.display()))?;
            writeln!(out, "frame cache {} (from {from})", dir.display())?;
            for u in &usage {
                writeln!(
                    out,
                    "  {:<8} {:>7} entries {:>10}  {}",
                    u.kind,
                    u.entries,
                    human(u.bytes),
                    u.description
                )?;
            }
            let total: u64 = usage.iter().map(|u| u.bytes).sum();
            let bound = match max_size_from_env()? {
                0 => "no bound (SYSPACK_FRAME_CACHE_MAX_SIZE=0)".to_string(),
                n => format!("pruned to {} after each run that adds to it", human(n)),
            };
            writeln!(out, "  total    {:>26}  {bound}", human(total))?;
        }
        Action::Prune { max_size } => {
            let cache = open(&dir, from)?;
            let pruned = cache
                .prune(max_size)
                .with_context(|| format!("cannot prune the frame cache {}", dir.display()))?;
            writeln!(
                out,
                "removed {} entries ({}) from {}; {} left",
                pruned.removed,
                human(pruned.removed_bytes),
                dir.display(),
                human(pruned.kept_bytes)
            )?;
        }
        Action::Clear => {
            // Only what syspack put there: the versioned layout directory.
            let layout = dir.join("v1");
            match std::fs::remove_dir_all(&layout) {
                Ok(()) => writeln!(out, "removed {}", layout.display())?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    writeln!(out, "{} holds no cache", dir.display())?
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot remove the frame cache {}", layout.display())
                    })
                }
            }
        }
    }
    Ok(exit::OK)
}

fn open(dir: &Path, from: &str) -> Result<FrameCache> {
    FrameCache::open(dir).with_context(|| {
        format!(
            "cannot open the frame cache {} (from {from})",
            dir.display()
        )
    })
}

/// Where the frame cache is: `--frame-cache`, else `SYSPACK_FRAME_CACHE`, else
/// `$XDG_CACHE_HOME/syspack/frames`, else `~/.cache/syspack/frames`; with what chose it. `None`
/// when it is off (`off`, or no home directory to put it in).
pub fn cache_dir(flag: Option<&str>) -> Option<(PathBuf, &'static str)> {
    let (dir, from) = match flag {
        Some(f) => (PathBuf::from(f), "--frame-cache"),
        None => match std::env::var_os("SYSPACK_FRAME_CACHE") {
            Some(v) if !v.is_empty() => (PathBuf::from(v), "SYSPACK_FRAME_CACHE"),
            _ => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
                (base.join("syspack").join("frames"), "default")
            }
        },
    };
    (dir.as_os_str() != "off").then_some((dir, from))
}

/// The frame cache for a `syspack package` run: the one [`cache_dir`] names, or one for this
/// run only when that is off.
pub fn frame_cache(flag: Option<&str>) -> Result<FrameCache> {
    let Some((dir, from)) = cache_dir(flag) else {
        return FrameCache::temporary().context("cannot make a frame cache for this run");
    };
    // A cache that cannot be opened or written (read-only, full, a file where its directory
    // should be) costs speed, never the packages: warn once and use one for this run only.
    let fallback = |why: String| -> Result<FrameCache> {
        crate::exit::warn(format!(
            "the frame cache `{}` (from {from}) cannot be used ({why}); this run uses a cache \
             of its own. Fix the directory, give another with --frame-cache DIR, or use \
             --frame-cache off to silence this",
            dir.display()
        ));
        FrameCache::temporary().context("cannot make a frame cache for this run")
    };
    match FrameCache::open(&dir) {
        Ok(cache) => match cache.check_writable() {
            Ok(()) => Ok(cache),
            Err(e) => fallback(format!("writing an entry: {e}")),
        },
        Err(e) => fallback(format!("{e}")),
    }
}

/// `SYSPACK_FRAME_CACHE_MAX_SIZE` ([`DEFAULT_MAX_SIZE`] when unset or empty; 0: no bound).
///
/// # Errors
///
/// A value that is not a size, naming the variable and the accepted forms.
pub fn max_size_from_env() -> Result<u64> {
    match std::env::var("SYSPACK_FRAME_CACHE_MAX_SIZE") {
        Ok(v) if !v.is_empty() => parse_size(&v)
            .map_err(|e| anyhow!("SYSPACK_FRAME_CACHE_MAX_SIZE=`{v}`: {e} (0 for no bound)")),
        _ => Ok(DEFAULT_MAX_SIZE),
    }
}

/// Parses a size: bytes, or a number with K, M, G or T (powers of 1024, an optional `iB` or `B`
/// after it, any case), like `500M` or `2GiB`.
fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = t.split_at(digits);
    let bad =
        || format!("`{text}` is not a size: give bytes, or a number with K, M, G or T (like 2G)");
    let number: u64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(bad()),
    };
    number.checked_mul(1 << shift).ok_or_else(bad)
}

/// A size for people: `512 B`, `3.2 MiB`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bytes_or_powers_of_1024() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("500m"), Ok(500 << 20));
        assert_eq!(parse_size("5G"), Ok(5 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1 TB"), Ok(1 << 40));
        for bad in ["", "G", "1.5G", "5X", "-1", "99999999999T"] {
            let e = parse_size(bad).unwrap_err();
            assert!(e.contains("is not a size"), "{bad}: {e}");
        }
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 << 20), "3.0 MiB");
    }
}
