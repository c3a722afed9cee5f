//! Release channels: the signed, append-only release log, promotion after a soak, holds and
//! yanks.
//!
//! # The release log
//!
//! `log/release.jsonl` holds one JSON object per line, one line per event, oldest first: a
//! package entering a channel (`add`, `promote`), leaving it (`remove`, `yank` with its reason),
//! or a hold put on or taken off (`hold`, `unhold`). Each record names the time, the channel
//! (and for a promotion the channel it came `from`), the package, version, architecture,
//! family (`deb`, `rpm`, `pacman`, `freebsd`), the file (relative to the repository) and its
//! SHA-256, and `by`, the fingerprint of the key that signed the log when the record was appended.
//!
//! `log/release.jsonl.asc` is a detached OpenPGP signature of the whole file, made again with the
//! repository key on every append (`gpgv --keyring KEY log/release.jsonl.asc log/release.jsonl`
//! checks it). syspack only ever appends: every writer first verifies the log it extends and
//! refuses a log whose signature fails. A log is not proof against rollback: an older log with
//! its older signature still verifies.
//!
//! An append writes the new signature to `log/release.jsonl.next.asc` first, then the log, then
//! `log/release.jsonl.asc`, each atomically ([`crate::store`]), and removes the `.next.asc` last;
//! a reader accepts either signature when it verifies the log's exact bytes, so a writer killed
//! between two of these renames leaves a log that still verifies.
//!
//! # The log follows the channels
//!
//! After each change to a channel (`repo add`, `remove`, `promote`, `yank`), the channel's
//! packages are compared with what the log says is in it, and the differences are appended.
//! A writer killed after publishing a channel but before appending to the log therefore leaves
//! records missing only until the next command on that channel, which appends them with its own
//! time (later than the real one: the soak only gets longer). Packages published before a
//! repository had a log enter it the same way.
//!
//! # Promotion
//!
//! [`promote`] moves the packages of one channel to another once they have soaked: for each
//! package (family, name, architecture), only the newest version in the source channel is a
//! candidate, and its soak counts from the time that version entered the source channel. A
//! newer version entering the source channel therefore supersedes the older one's clock: the
//! older one is never promoted on its own, and the newer one waits its full soak. A hold on the
//! package (every version, or the one held) keeps it where it is.
//!
//! Before anything moves, each candidate's file is hashed and compared with the SHA-256 the log
//! recorded when it entered the source channel and with the one the source channel's signed
//! metadata names; any difference refuses the whole promotion ([`Error::HashMismatch`]). The
//! same file then enters the target channel without a copy (apt's shared `pool/`; a hard link
//! for rpm-md and pacman, whose files live per channel), and the target's metadata is published
//! as `repo add` publishes it: all-or-nothing for a client, so a promotion killed at any point
//! leaves both channels valid.
//!
//! # Time
//!
//! The log's times come from the clock ([`now`]: a given time, else `SYSPACK_NOW`, else the
//! system clock); they are the only thing in a repository that does. Package contents and
//! channel metadata keep their reproducible dates.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use crate::family::Family;
use crate::sign::{Signer, Verifier};
use crate::{apt, freebsd, pacman, rpmmd, store};

/// The release log, relative to the repository.
pub const LOG: &str = "log/release.jsonl";
/// Its detached signature.
pub const LOG_SIG: &str = "log/release.jsonl.asc";
/// The signature of an append in progress (see the module docs).
pub const LOG_SIG_NEXT: &str = "log/release.jsonl.next.asc";
/// The largest log read (bytes).
pub const MAX_LOG_BYTES: u64 = 256 << 20;
/// The longest reason accepted (characters).
pub const MAX_REASON_CHARS: usize = 1000;
/// The environment variable that sets the clock (seconds since the epoch) for tests.
pub const NOW_ENV: &str = "SYSPACK_NOW";

/// What a record says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// A package entered a channel through `repo add`.
    Add,
    /// A package entered a channel through `repo promote` (`from` names the source).
    Promote,
    /// A package left a channel (`repo remove`, `repo add --keep`).
    Remove,
    /// A package was yanked from a channel (`reason` says why).
    Yank,
    /// A package (or one version) is held: not promoted.
    Hold,
    /// A hold was taken off.
    Unhold,
}

/// One line of the release log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// When (seconds since the epoch).
    pub time: u64,
    /// What happened.
    pub event: Event,
    /// The channel entered or left (none for holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The channel a promoted package came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The package name.
    pub package: String,
    /// The version (none for a hold on every version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// The package file, relative to the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The package file's SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Why (yank, hold, remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The fingerprint of the key that signed the log when this record was appended.
    pub by: String,
}

/// The time to record: `given`, else `SYSPACK_NOW`, else the system clock.
///
/// # Errors
///
/// `SYSPACK_NOW` is set but not a number.
pub fn now(given: Option<u64>) -> Result<u64> {
    if let Some(t) = given {
        return Ok(t);
    }
    if let Ok(v) = std::env::var(NOW_ENV) {
        return v.trim().parse().map_err(|_| {
            Error::invalid(
                NOW_ENV,
                format!("`{v}` is not a number of seconds since 1970: unset it or fix it"),
            )
        });
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0))
}

/// Parses a duration such as `14d`, `36h`, `90m` or `3600s` into seconds.
///
/// # Errors
///
/// No unit, an unknown unit, or not a number.
pub fn parse_duration(s: &str) -> Result<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let scale = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => 0,
    };
    match n.parse::<u64>() {
        Ok(n) if scale > 0 => n
            .checked_mul(scale)
            .ok_or_else(|| Error::invalid("--min-soak", format!("`{s}` is too long a duration"))),
        _ => Err(Error::invalid(
            "--min-soak",
            format!(
                "`{s}` is not a duration: write a number and a unit, e.g. 14d, 36h, 90m, 3600s"
            ),
        )),
    }
}

/// `2023-11-14 22:13:20 UTC`.
pub fn format_time(secs: u64) -> String {
    syspack_distro::date::utc(secs)
}

/// `14d`, `13d 4h 5m`, `2h 30s`, `0s`: the non-zero units, largest first, at most three.
pub fn format_duration(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "d"),
        (secs / 3600 % 24, "h"),
        (secs / 60 % 60, "m"),
        (secs % 60, "s"),
    ];
    let shown: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .take(3)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if shown.is_empty() {
        "0s".to_string()
    } else {
        shown.join(" ")
    }
}

/// The release log, read and verified.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// The records, oldest first.
    pub records: Vec<Record>,
}

fn read_log_bytes(dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = dir.join(LOG);
    let f = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.join(LOG_SIG).exists() {
                return Err(Error::invalid(
                    &path,
                    format!(
                        "is missing but {LOG_SIG} is there: the log was removed; restore it from \
                         a backup or the published copy"
                    ),
                ));
            }
            return Ok(None);
        }
        Err(e) => return Err(Error::io(&path, "reading", e)),
    };
    let mut bytes = Vec::new();
    f.take(MAX_LOG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&path, "reading", e))?;
    if bytes.len() as u64 > MAX_LOG_BYTES {
        return Err(Error::invalid(
            &path,
            format!("is larger than {MAX_LOG_BYTES} bytes: not a release log syspack wrote"),
        ));
    }
    Ok(Some(bytes))
}

fn verify_log(dir: &Path, bytes: &[u8], verifier: &Verifier) -> Result<()> {
    let path = dir.join(LOG);
    let mut reason = format!("{LOG_SIG} is missing");
    if let Ok(sig) = fs::read(dir.join(LOG_SIG)) {
        match verifier.verify_detached(bytes, &sig, &path) {
            Ok(()) => return Ok(()),
            Err(Error::BadSignature { reason: r, .. }) => reason = format!("{LOG_SIG}: {r}"),
            Err(e) => reason = e.to_string(),
        }
    }
    // An append killed between writing the log and its signature (see the module docs).
    if let Ok(sig) = fs::read(dir.join(LOG_SIG_NEXT)) {
        if verifier.verify_detached(bytes, &sig, &path).is_ok() {
            return Ok(());
        }
    }
    Err(Error::BadSignature {
        path,
        reason: format!(
            "the release log's signature does not verify ({reason}): a record was changed, added \
             or removed by something other than syspack, or the log was signed with another key; \
             restore log/ from a backup or the published copy (syspack only appends to it, \
             never rewrites it)"
        ),
    })
}

/// Completes an append killed after its log was in place (the `.next.asc` signature becomes
/// the signature), or removes the `.next.asc` of one killed before.
fn finish_interrupted(dir: &Path, bytes: &[u8], verifier: &Verifier) -> Result<()> {
    let next = dir.join(LOG_SIG_NEXT);
    let Ok(sig) = fs::read(&next) else {
        return Ok(());
    };
    if verifier.verify_detached(bytes, &sig, &next).is_ok() {
        store::write_once(&dir.join(LOG_SIG), &sig)?;
    }
    fs::remove_file(&next).map_err(|e| Error::io(&next, "removing", e))
}

impl Log {
    /// Reads `log/release.jsonl` of the repository under `dir` and verifies its signature with
    /// `verifier`; a repository without a log has an empty one.
    ///
    /// # Errors
    ///
    /// The signature is missing or does not verify ([`Error::BadSignature`]), a line is not a
    /// record, the file is too large or unreadable.
    pub fn read(dir: &Path, verifier: &Verifier) -> Result<Log> {
        let Some(bytes) = read_log_bytes(dir)? else {
            return Ok(Log::default());
        };
        verify_log(dir, &bytes, verifier)?;
        let path = dir.join(LOG);
        let text =
            std::str::from_utf8(&bytes).map_err(|_| Error::invalid(&path, "is not UTF-8"))?;
        let mut records = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let r: Record = serde_json::from_str(line).map_err(|e| {
                Error::invalid(&path, format!("line {}: not a release record: {e}", i + 1))
            })?;
            records.push(r);
        }
        Ok(Log { records })
    }

    /// Appends `records` to the log of the repository under `dir` and signs it again with
    /// `signer`, after verifying the log as it is.
    ///
    /// # Errors
    ///
    /// As [`Log::read`], and when a file cannot be written.
    pub fn append(dir: &Path, records: &[Record], signer: &Signer) -> Result<()> {
        let mut bytes = read_log_bytes(dir)?.unwrap_or_default();
        if !bytes.is_empty() {
            verify_log(dir, &bytes, &signer.verifier())?;
            finish_interrupted(dir, &bytes, &signer.verifier())?;
        }
        if records.is_empty() {
            return Ok(());
        }
        for r in records {
            let line = serde_json::to_string(r)
                .map_err(|e| Error::invalid(dir.join(LOG), format!("serializing: {e}")))?;
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        let time = records.iter().map(|r| r.time).max().unwrap_or(0);
        let sig = signer.detached_armored(&bytes, u32::try_from(time).unwrap_or(u32::MAX))?;
        store::write_atomic(&dir.join(LOG_SIG_NEXT), sig.as_bytes())?;
        store::write_atomic(&dir.join(LOG), &bytes)?;
        store::write_once(&dir.join(LOG_SIG), sig.as_bytes())?;
        let next = dir.join(LOG_SIG_NEXT);
        fs::remove_file(&next).map_err(|e| Error::io(&next, "removing", e))?;
        store::sync_dir(&dir.join("log"))
    }

    /// The holds in force: `(package, version)`, `None` for every version.
    pub fn holds(&self) -> BTreeSet<(String, Option<String>)> {
        let mut holds = BTreeSet::new();
        for r in &self.records {
            let key = (r.package.clone(), r.version.clone());
            match r.event {
                Event::Hold => {
                    holds.insert(key);
                }
                Event::Unhold => {
                    holds.remove(&key);
                }
                _ => {}
            }
        }
        holds
    }

    /// What the log says is in `channel`: each package with the record of its entry.
    pub fn channel(&self, channel: &str) -> BTreeMap<Key, Record> {
        let mut state: BTreeMap<Key, Record> = BTreeMap::new();
        for r in &self.records {
            if r.channel.as_deref() != Some(channel) {
                continue;
            }
            let (Some(family), Some(version), Some(arch)) = (r.family, &r.version, &r.arch) else {
                continue;
            };
            let key = (family, r.package.clone(), version.clone(), arch.clone());
            match r.event {
                Event::Add | Event::Promote => {
                    let same = state.get(&key).is_some_and(|e| e.sha256 == r.sha256);
                    if !same {
                        state.insert(key, r.clone());
                    }
                }
                Event::Remove | Event::Yank => {
                    state.remove(&key);
                }
                Event::Hold | Event::Unhold => {}
            }
        }
        state
    }
}

/// A package in a channel: `(family, name, version, architecture)`.
pub type Key = (Family, String, String, String);

/// A package as a channel holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The family.
    pub family: Family,
    /// The name.
    pub package: String,
    /// The version.
    pub version: String,
    /// The architecture.
    pub arch: String,
    /// The file, relative to the repository.
    pub path: String,
    /// The SHA-256 the channel's per-package metadata records.
    pub sha256: String,
    /// Where the per-package metadata is: apt component and stanza stem; rpm NEVRA; pacman
    /// repository architecture and entry.
    place: (String, String),
}

impl Item {
    /// The item's key.
    pub fn key(&self) -> Key {
        (
            self.family,
            self.package.clone(),
            self.version.clone(),
            self.arch.clone(),
        )
    }
}

fn sorted_subdirs(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in crate::store::list_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && e.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn xml_field(text: &str, open: &str, close: &str) -> Option<String> {
    let v = text.split(open).nth(1)?.split(close).next()?;
    Some(
        v.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

fn desc_field(desc: &str, name: &str) -> Option<String> {
    desc.split(&format!("%{name}%\n"))
        .nth(1)
        .and_then(|r| r.lines().next())
        .map(str::to_string)
}

/// The packages `channel` holds, in every family, from the per-package metadata under
/// `.syspack/` (what the next publication of the channel lists).
///
/// # Errors
///
/// A per-package file cannot be read or lacks a field.
pub fn contents(dir: &Path, channel: &str) -> Result<Vec<Item>> {
    let mut out = Vec::new();
    for component in apt::components(dir, channel)? {
        let mut opts = apt::Options::new(channel);
        opts.component = component.clone();
        for (stem, text) in apt::stanzas(dir, &opts)? {
            let path = apt::stanza_path(dir, &opts, &stem);
            let get = |name: &str| {
                apt::field(&text, name)
                    .map(str::to_string)
                    .ok_or_else(|| Error::invalid(&path, format!("a stanza without {name}")))
            };
            out.push(Item {
                family: Family::Deb,
                package: get("Package")?,
                version: get("Version")?,
                arch: get("Architecture")?,
                path: get("Filename")?,
                sha256: get("SHA256")?,
                place: (component.clone(), stem.clone()),
            });
        }
    }
    let fdir = dir.join(rpmmd::FRAGMENT_DIR).join(channel);
    for nevra in sorted_subdirs(&fdir)? {
        let path = fdir.join(&nevra).join("primary.xml");
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, "reading", e))?;
        let get = |open: &str, close: &str| {
            xml_field(&text, open, close)
                .ok_or_else(|| Error::invalid(&path, format!("no `{open}`")))
        };
        let epoch = get("<version epoch=\"", "\"")?;
        let ver = get(" ver=\"", "\"")?;
        let rel = get(" rel=\"", "\"")?;
        let version = if epoch == "0" {
            format!("{ver}-{rel}")
        } else {
            format!("{epoch}:{ver}-{rel}")
        };
        let loc = get("<location href=\"", "\"")?;
        out.push(Item {
            family: Family::Rpm,
            package: get("<name>", "<")?,
            version,
            arch: get("<arch>", "<")?,
            path: format!("rpm/{channel}/{loc}"),
            sha256: get("pkgid=\"YES\">", "<")?,
            place: (String::new(), nevra),
        });
    }
    let edir = dir.join(pacman::ENTRY_DIR).join(channel);
    for arch in sorted_subdirs(&edir)? {
        for entry in sorted_subdirs(&edir.join(&arch))? {
            let path = edir.join(&arch).join(&entry).join("desc");
            let desc = fs::read_to_string(&path).map_err(|e| Error::io(&path, "reading", e))?;
            let get = |name: &str| {
                desc_field(&desc, name).ok_or_else(|| Error::invalid(&path, format!("no %{name}%")))
            };
            out.push(Item {
                family: Family::Pacman,
                package: get("NAME")?,
                version: get("VERSION")?,
                arch: get("ARCH")?,
                path: format!("arch/{channel}/{arch}/{}", get("FILENAME")?),
                sha256: get("SHA256SUM")?,
                place: (arch.clone(), entry),
            });
        }
    }
    let edir = dir.join(freebsd::ENTRY_DIR).join(channel);
    for abi in sorted_subdirs(&edir)? {
        for (entry, m) in freebsd::entries(dir, channel, &abi)? {
            let path = edir.join(&abi).join(&entry);
            let missing = |what: &str| Error::invalid(&path, format!("no `{what}`"));
            out.push(Item {
                family: Family::Freebsd,
                package: m.name.clone(),
                version: m.version.clone(),
                arch: abi.clone(),
                path: format!(
                    "freebsd/{channel}/{abi}/{}",
                    m.repopath.as_deref().ok_or_else(|| missing("repopath"))?
                ),
                sha256: m.sum.clone().ok_or_else(|| missing("sum"))?,
                place: (abi.clone(), entry),
            });
        }
    }
    Ok(out)
}

/// How a package's arrival in or departure from a channel is recorded when [`reconcile`] finds
/// it.
#[derive(Clone, Debug)]
pub struct Change {
    /// The event for a package that entered.
    pub entered: Event,
    /// The source channel of a promotion.
    pub from: Option<String>,
    /// The event for a package that left.
    pub left: Event,
    /// Why it left.
    pub reason: Option<String>,
    /// The time recorded.
    pub time: u64,
}

impl Change {
    /// Packages that entered were added, packages that left were removed.
    pub fn add(time: u64) -> Self {
        Change {
            entered: Event::Add,
            from: None,
            left: Event::Remove,
            reason: None,
            time,
        }
    }
}

fn record(item: &Item, event: Event, channel: &str, change: &Change, by: &str) -> Record {
    Record {
        time: change.time,
        event,
        channel: Some(channel.to_string()),
        from: if event == Event::Promote {
            change.from.clone()
        } else {
            None
        },
        package: item.package.clone(),
        version: Some(item.version.clone()),
        arch: Some(item.arch.clone()),
        family: Some(item.family),
        path: Some(item.path.clone()),
        sha256: Some(item.sha256.clone()),
        reason: if matches!(event, Event::Remove | Event::Yank) {
            change.reason.clone()
        } else {
            None
        },
        by: by.to_string(),
    }
}

/// Appends to the log whatever differs between `channel` and what the log says is in it
/// (see the module docs); returns the records appended.
///
/// # Errors
///
/// As [`Log::read`], [`contents`] and [`Log::append`].
pub fn reconcile(
    dir: &Path,
    channel: &str,
    change: &Change,
    signer: &Signer,
) -> Result<Vec<Record>> {
    let log = Log::read(dir, &signer.verifier())?;
    let state = log.channel(channel);
    let items = contents(dir, channel)?;
    let by = signer.fingerprint();
    let mut new = Vec::new();
    let present: BTreeSet<Key> = items.iter().map(Item::key).collect();
    for item in &items {
        let logged = state
            .get(&item.key())
            .is_some_and(|r| r.sha256.as_deref() == Some(item.sha256.as_str()));
        if !logged {
            new.push(record(item, change.entered, channel, change, &by));
        }
    }
    for (key, r) in &state {
        if !present.contains(key) {
            let item = Item {
                family: key.0,
                package: key.1.clone(),
                version: key.2.clone(),
                arch: key.3.clone(),
                path: r.path.clone().unwrap_or_default(),
                sha256: r.sha256.clone().unwrap_or_default(),
                place: Default::default(),
            };
            new.push(record(&item, change.left, channel, change, &by));
        }
    }
    Log::append(dir, &new, signer)?;
    Ok(new)
}

/// The longest package name accepted on the command line (characters).
pub const MAX_NAME_CHARS: usize = 256;

fn check_name(what: &str, value: &str) -> Result<()> {
    if value.is_empty()
        || value.chars().count() > MAX_NAME_CHARS
        || value.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid(
            what,
            format!(
                "`{value}` is not a package name or version (1 to {MAX_NAME_CHARS} characters, \
                 no spaces or control characters)"
            ),
        ));
    }
    Ok(())
}

fn check_reason(reason: Option<&str>) -> Result<()> {
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(Error::invalid(
            "--reason",
            format!("is longer than {MAX_REASON_CHARS} characters: say it in fewer words"),
        ));
    }
    Ok(())
}

/// Checks a channel name: letters, digits and `. + - _ ~`, not starting with `.` (it names an
/// apt suite and a directory).
///
/// # Errors
///
/// [`Error::Invalid`] naming the channel.
pub fn check_channel(channel: &str) -> Result<()> {
    let ok = !channel.is_empty()
        && !channel.starts_with('.')
        && channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_' | '~'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "channel",
            format!("`{channel}` is not a valid channel name (letters, digits, . + - _ ~ only)"),
        ))
    }
}

/// Holds `package` (every version, or `version`): [`promote`] leaves it where it is until
/// [`unhold`].
///
/// # Errors
///
/// The log does not verify or cannot be written; the reason is too long.
pub fn hold(
    dir: &Path,
    package: &str,
    version: Option<&str>,
    reason: Option<&str>,
    time: u64,
    signer: &Signer,
) -> Result<()> {
    check_reason(reason)?;
    check_name("package", package)?;
    version.map(|v| check_name("--version", v)).transpose()?;
    let log = Log::read(dir, &signer.verifier())?;
    let key = (package.to_string(), version.map(str::to_string));
    if log.holds().contains(&key) {
        return Ok(());
    }
    Log::append(
        dir,
        &[hold_record(
            Event::Hold,
            package,
            version,
            reason,
            time,
            signer,
        )],
        signer,
    )
}

/// Takes off the hold [`hold`] put on `package` (and `version`).
///
/// # Errors
///
/// No such hold; the log does not verify or cannot be written.
pub fn unhold(
    dir: &Path,
    package: &str,
    version: Option<&str>,
    time: u64,
    signer: &Signer,
) -> Result<()> {
    let log = Log::read(dir, &signer.verifier())?;
    let key = (package.to_string(), version.map(str::to_string));
    if !log.holds().contains(&key) {
        let held: Vec<String> = log
            .holds()
            .into_iter()
            .filter(|(p, _)| p == package)
            .map(|(_, v)| v.map_or("every version".to_string(), |v| format!("version {v}")))
            .collect();
        return Err(Error::invalid(
            dir.join(LOG),
            format!(
                "no hold on {package}{}; held: {}",
                version.map(|v| format!(" version {v}")).unwrap_or_default(),
                if held.is_empty() {
                    "none".to_string()
                } else {
                    held.join(", ")
                }
            ),
        ));
    }
    Log::append(
        dir,
        &[hold_record(
            Event::Unhold,
            package,
            version,
            None,
            time,
            signer,
        )],
        signer,
    )
}

fn hold_record(
    event: Event,
    package: &str,
    version: Option<&str>,
    reason: Option<&str>,
    time: u64,
    signer: &Signer,
) -> Record {
    Record {
        time,
        event,
        channel: None,
        from: None,
        package: package.to_string(),
        version: version.map(str::to_string),
        arch: None,
        family: None,
        path: None,
        sha256: None,
        reason: reason.map(str::to_string),
        by: signer.fingerprint(),
    }
}

/// The settings of a publication a release operation makes.
#[derive(Clone, Debug)]
pub struct Publish {
    /// The metadata date (as `repo add`: `SOURCE_DATE_EPOCH`, else the newest package).
    pub date: Option<u64>,
    /// The pacman repository name.
    pub pacman_repo: String,
}

fn republish(
    dir: &Path,
    channel: &str,
    touched: &BTreeSet<(Family, String)>,
    publish: &Publish,
    signer: &Signer,
) -> Result<()> {
    for (family, place) in touched {
        match family {
            Family::Deb => {
                let mut opts = apt::Options::new(channel);
                opts.component = place.clone();
                opts.date = publish.date;
                apt::publish(dir, &opts, signer)?;
            }
            Family::Rpm => rpmmd::publish(dir, channel, publish.date, signer)?,
            Family::Pacman => {
                let opts = pacman::Options {
                    channel: channel.to_string(),
                    repo: publish.pacman_repo.clone(),
                    date: publish.date,
                };
                pacman::publish(dir, place, &opts, signer)?;
            }
            Family::Freebsd => {
                let opts = freebsd::Options {
                    channel: channel.to_string(),
                    date: publish.date,
                };
                freebsd::publish(dir, place, &opts, &signer.rsa_key()?)?;
            }
        }
    }
    Ok(())
}

/// Yanks `package` `version` from `channel`: removes it from the channel's metadata (every
/// family that has it), republishes, and records the reason. The log keeps every earlier record.
///
/// # Errors
///
/// The channel has no such package; the log does not verify; a file cannot be written.
#[allow(clippy::too_many_arguments)]
pub fn yank(
    dir: &Path,
    package: &str,
    version: &str,
    channel: &str,
    reason: &str,
    time: u64,
    publish: &Publish,
    signer: &Signer,
) -> Result<Vec<Item>> {
    check_channel(channel)?;
    check_reason(Some(reason))?;
    check_name("package", package)?;
    check_name("--version", version)?;
    Log::read(dir, &signer.verifier())?;
    let items: Vec<Item> = contents(dir, channel)?
        .into_iter()
        .filter(|i| i.package == package && i.version == version)
        .collect();
    if items.is_empty() {
        return Err(Error::invalid(
            dir,
            format!("no package {package} version {version} in channel {channel}"),
        ));
    }
    remove_items(dir, channel, &items, publish, signer)?;
    let change = Change {
        entered: Event::Add,
        from: None,
        left: Event::Yank,
        reason: Some(reason.to_string()),
        time,
    };
    reconcile(dir, channel, &change, signer)?;
    Ok(items)
}

/// Removes package `package` from `channel` — every version, or only `version` — in every family
/// that has it, republishes the channel, and records the removal (with `reason`, if any) in the
/// log. The log keeps every earlier record.
///
/// # Errors
///
/// The channel has no such package; the log does not verify; a file cannot be written.
#[allow(clippy::too_many_arguments)]
pub fn remove(
    dir: &Path,
    package: &str,
    version: Option<&str>,
    channel: &str,
    reason: Option<&str>,
    time: u64,
    publish: &Publish,
    signer: &Signer,
) -> Result<Vec<Item>> {
    check_channel(channel)?;
    check_reason(reason)?;
    check_name("package", package)?;
    if let Some(v) = version {
        check_name("--version", v)?;
    }
    Log::read(dir, &signer.verifier())?;
    let items: Vec<Item> = contents(dir, channel)?
        .into_iter()
        .filter(|i| i.package == package && version.is_none_or(|v| i.version == v))
        .collect();
    if items.is_empty() {
        return Err(Error::invalid(
            dir,
            format!(
                "no package {package}{} in channel {channel}",
                version.map(|v| format!(" version {v}")).unwrap_or_default()
            ),
        ));
    }
    remove_items(dir, channel, &items, publish, signer)?;
    let mut change = Change::add(time);
    change.reason = reason.map(str::to_string);
    reconcile(dir, channel, &change, signer)?;
    Ok(items)
}

/// Keeps the `keep` newest versions (at least one) of each package of `channel` in `families`,
/// per family and architecture, in the family's version order ([`crate::version`]), and removes
/// the others as [`remove`] does, recording `--keep N` as the reason. Returns what was removed.
///
/// # Errors
///
/// As [`remove`].
pub fn keep_newest(
    dir: &Path,
    channel: &str,
    families: &[Family],
    keep: usize,
    time: u64,
    publish: &Publish,
    signer: &Signer,
) -> Result<Vec<Item>> {
    check_channel(channel)?;
    Log::read(dir, &signer.verifier())?;
    let mut groups: BTreeMap<(Family, String, String), Vec<Item>> = BTreeMap::new();
    for item in contents(dir, channel)?
        .into_iter()
        .filter(|i| families.contains(&i.family))
    {
        groups
            .entry((item.family, item.package.clone(), item.arch.clone()))
            .or_default()
            .push(item);
    }
    let mut old = Vec::new();
    for ((family, ..), mut versions) in groups {
        versions.sort_by(|a, b| crate::version::compare(family, &b.version, &a.version));
        old.extend(versions.into_iter().skip(keep.max(1)));
    }
    if !old.is_empty() {
        remove_items(dir, channel, &old, publish, signer)?;
    }
    let mut change = Change::add(time);
    change.reason = Some(format!("--keep {keep}"));
    reconcile(dir, channel, &change, signer)?;
    Ok(old)
}

/// Takes `items` (of `channel`) out of the channel's metadata in every family, republishes what
/// changed, then deletes the package files the channel no longer names (apt's pool is cleaned
/// by [`apt::remove`], which keeps what another suite still names).
fn remove_items(
    dir: &Path,
    channel: &str,
    items: &[Item],
    publish: &Publish,
    signer: &Signer,
) -> Result<()> {
    let mut files = Vec::new();
    let mut touched = BTreeSet::new();
    let mut apt_done = BTreeSet::new();
    for item in items {
        match item.family {
            Family::Deb => {
                // One removal per component, package and version takes every architecture.
                let key = (
                    item.place.0.clone(),
                    item.package.clone(),
                    item.version.clone(),
                );
                if !apt_done.insert(key) {
                    continue;
                }
                let mut opts = apt::Options::new(channel);
                opts.component = item.place.0.clone();
                opts.date = publish.date;
                apt::remove(dir, &item.package, Some(&item.version), &opts, signer)?;
            }
            Family::Rpm => {
                let f = dir
                    .join(rpmmd::FRAGMENT_DIR)
                    .join(channel)
                    .join(&item.place.1);
                fs::remove_dir_all(&f).map_err(|e| Error::io(&f, "removing", e))?;
                touched.insert((Family::Rpm, String::new()));
                files.push(dir.join(&item.path));
            }
            Family::Pacman => {
                let (arch, entry) = &item.place;
                let f = dir
                    .join(pacman::ENTRY_DIR)
                    .join(channel)
                    .join(arch)
                    .join(entry);
                fs::remove_dir_all(&f).map_err(|e| Error::io(&f, "removing", e))?;
                touched.insert((Family::Pacman, arch.clone()));
                files.push(dir.join(&item.path));
                files.push(dir.join(format!("{}.sig", item.path)));
            }
            Family::Freebsd => {
                let (abi, entry) = &item.place;
                let f = dir
                    .join(freebsd::ENTRY_DIR)
                    .join(channel)
                    .join(abi)
                    .join(entry);
                fs::remove_file(&f).map_err(|e| Error::io(&f, "removing", e))?;
                touched.insert((Family::Freebsd, abi.clone()));
                files.push(dir.join(&item.path));
            }
        }
    }
    republish(dir, channel, &touched, publish, signer)?;
    // Files kept per channel go once the metadata no longer names them (apt's pool is cleaned
    // by `apt::remove`).
    for f in files {
        match fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&f, "removing", e)),
        }
    }
    Ok(())
}

/// The settings of [`promote`].
#[derive(Clone, Debug)]
pub struct PromoteOptions {
    /// The source channel (`testing`).
    pub from: String,
    /// The target channel (`stable`).
    pub to: String,
    /// How long a package must have been in `from` (seconds).
    pub min_soak: u64,
    /// The time now (seconds since the epoch).
    pub now: u64,
    /// Only say what would happen.
    pub dry_run: bool,
    /// How the target channel is published.
    pub publish: Publish,
}

/// What [`promote`] decided for one package of the source channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Promoted (or, with `dry_run`, would be).
    Promote,
    /// Already in the target channel.
    Present,
    /// The target channel has the same version with another file (possible where files live per
    /// channel): left alone; yank one of them.
    Differs {
        /// The target's SHA-256.
        sha256: String,
    },
    /// Not soaked yet: eligible at this time.
    Wait {
        /// When the soak ends.
        eligible_at: u64,
    },
    /// Held.
    Held,
    /// Yanked from the target channel before: not promoted into it again (`repo add --channel`
    /// puts it back deliberately).
    Yanked {
        /// When it was yanked.
        at: u64,
    },
    /// A newer version is in the source channel.
    Superseded {
        /// That version.
        by: String,
    },
}

/// One package of the source channel and what happened to it.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The package.
    pub item: Item,
    /// When it entered the source channel.
    pub entered: u64,
    /// The decision.
    pub decision: Decision,
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).map_err(|e| Error::io(path, "reading", e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, "reading", e))?;
    Ok(hex::encode(h.finalize()))
}

/// The SHA-256 the source channel's signed metadata names for each file (relative to the
/// repository), read once per family and architecture.
#[derive(Default)]
struct Signed {
    apt: Option<BTreeMap<String, String>>,
    rpm: Option<BTreeMap<String, String>>,
    pacman: BTreeMap<String, BTreeMap<String, String>>,
    freebsd: BTreeMap<String, BTreeMap<String, String>>,
}

impl Signed {
    fn sha(
        &mut self,
        dir: &Path,
        channel: &str,
        item: &Item,
        publish: &Publish,
        verifier: &Verifier,
    ) -> Result<Option<String>> {
        let map = match item.family {
            Family::Deb => {
                if self.apt.is_none() {
                    self.apt = Some(
                        apt::signed_packages(dir, channel, verifier)?
                            .into_iter()
                            .map(|p| (p.filename, p.sha256))
                            .collect(),
                    );
                }
                self.apt.as_ref()
            }
            Family::Rpm => {
                if self.rpm.is_none() {
                    self.rpm = Some(
                        rpmmd::signed_packages(dir, channel, verifier)?
                            .into_iter()
                            .map(|(loc, sha)| (format!("rpm/{channel}/{loc}"), sha))
                            .collect(),
                    );
                }
                self.rpm.as_ref()
            }
            Family::Pacman => {
                let arch = &item.place.0;
                if !self.pacman.contains_key(arch) {
                    let named = pacman::signed_packages(
                        dir,
                        channel,
                        arch,
                        &publish.pacman_repo,
                        verifier,
                    )?
                    .into_iter()
                    .map(|(file, _, sha)| (format!("arch/{channel}/{arch}/{file}"), sha))
                    .collect();
                    self.pacman.insert(arch.clone(), named);
                }
                self.pacman.get(arch)
            }
            Family::Freebsd => {
                let abi = &item.place.0;
                if !self.freebsd.contains_key(abi) {
                    let named = freebsd::signed_packages(dir, channel, abi, verifier)?
                        .into_iter()
                        .map(|(file, sha)| (format!("freebsd/{channel}/{abi}/{file}"), sha))
                        .collect();
                    self.freebsd.insert(abi.clone(), named);
                }
                self.freebsd.get(abi)
            }
        };
        Ok(map.and_then(|m| m.get(&item.path).cloned()))
    }
}

fn signed_metadata_name(family: Family, channel: &str) -> String {
    match family {
        Family::Deb => format!("dists/{channel}/InRelease"),
        Family::Rpm => format!("rpm/{channel}/repodata/repomd.xml"),
        Family::Pacman => format!("arch/{channel}/<arch>/<repo>.db"),
        Family::Freebsd => format!("freebsd/{channel}/<ABI>/packagesite.pkg"),
    }
}

/// Promotes the packages of `opts.from` that have soaked `opts.min_soak` to `opts.to` (see the
/// module docs), or with `dry_run` only says what would move. Returns every package of the
/// source channel with its decision, in order.
///
/// # Errors
///
/// The log does not verify; a candidate's file differs from the log or the signed metadata
/// ([`Error::HashMismatch`]; nothing moves then); a file cannot be read or written.
pub fn promote(dir: &Path, opts: &PromoteOptions, signer: &Signer) -> Result<Vec<Candidate>> {
    check_channel(&opts.from)?;
    check_channel(&opts.to)?;
    if opts.from == opts.to {
        return Err(Error::invalid(
            dir,
            format!(
                "--from and --to are both `{}`: name two channels",
                opts.from
            ),
        ));
    }
    let verifier = signer.verifier();
    if !opts.dry_run {
        // Packages the log does not know yet (published before the log, or by a writer killed
        // before it appended) enter the source channel now.
        reconcile(dir, &opts.from, &Change::add(opts.now), signer)?;
    }
    let log = Log::read(dir, &verifier)?;
    let state = log.channel(&opts.from);
    let holds = log.holds();
    let items = contents(dir, &opts.from)?;
    let target: BTreeMap<Key, Item> = contents(dir, &opts.to)?
        .into_iter()
        .map(|i| (i.key(), i))
        .collect();
    // The newest version of each (family, name, architecture).
    let mut newest: BTreeMap<(Family, String, String), String> = BTreeMap::new();
    for i in &items {
        let k = (i.family, i.package.clone(), i.arch.clone());
        match newest.get(&k) {
            Some(v)
                if crate::version::compare(i.family, v, &i.version) != std::cmp::Ordering::Less => {
            }
            _ => {
                newest.insert(k, i.version.clone());
            }
        }
    }
    let yanked: BTreeMap<Key, u64> = log
        .records
        .iter()
        .filter(|r| r.event == Event::Yank && r.channel.as_deref() == Some(opts.to.as_str()))
        .filter_map(|r| {
            Some((
                (
                    r.family?,
                    r.package.clone(),
                    r.version.clone()?,
                    r.arch.clone()?,
                ),
                r.time,
            ))
        })
        .collect();
    let mut out = Vec::new();
    for item in items {
        let entered = state.get(&item.key()).map_or(opts.now, |r| r.time);
        let newest = &newest[&(item.family, item.package.clone(), item.arch.clone())];
        let held = holds.contains(&(item.package.clone(), None))
            || holds.contains(&(item.package.clone(), Some(item.version.clone())));
        let decision = if let Some(t) = target.get(&item.key()) {
            if t.sha256 == item.sha256 {
                Decision::Present
            } else {
                Decision::Differs {
                    sha256: t.sha256.clone(),
                }
            }
        } else if newest != &item.version {
            Decision::Superseded { by: newest.clone() }
        } else if let Some(at) = yanked.get(&item.key()) {
            Decision::Yanked { at: *at }
        } else if held {
            Decision::Held
        } else if opts.now < entered.saturating_add(opts.min_soak) {
            Decision::Wait {
                eligible_at: entered.saturating_add(opts.min_soak),
            }
        } else {
            Decision::Promote
        };
        out.push(Candidate {
            item,
            entered,
            decision,
        });
    }

    // Verify every candidate before anything moves.
    let mut signed = Signed::default();
    for c in out.iter().filter(|c| c.decision == Decision::Promote) {
        let item = &c.item;
        let path = dir.join(&item.path);
        let actual = sha256_file(&path)?;
        // Only a dry run sees a package the log does not know yet (see above): it has no
        // recorded hash to compare.
        let logged = state
            .get(&item.key())
            .and_then(|r| r.sha256.clone())
            .unwrap_or_else(|| actual.clone());
        let mismatch = |source_of_truth: String, expected: &str| Error::HashMismatch {
            path: path.clone(),
            source_of_truth,
            expected: expected.to_string(),
            actual: actual.clone(),
        };
        if logged != actual {
            return Err(mismatch(
                format!(
                    "the release log {LOG}, entered {} at {}",
                    opts.from,
                    format_time(c.entered)
                ),
                &logged,
            ));
        }
        let meta = signed_metadata_name(item.family, &opts.from);
        let Some(sha) = signed.sha(dir, &opts.from, item, &opts.publish, &verifier)? else {
            return Err(Error::invalid(
                &path,
                format!(
                    "{meta} does not name it yet: run `syspack repo add` on {} again to publish \
                     the channel, then promote",
                    opts.from
                ),
            ));
        };
        if sha != actual {
            return Err(mismatch(
                format!("{}'s signed metadata {meta}", opts.from),
                &sha,
            ));
        }
        if item.sha256 != actual {
            return Err(mismatch(
                format!("{}'s per-package metadata in .syspack/", opts.from),
                &item.sha256,
            ));
        }
    }

    if opts.dry_run {
        return Ok(out);
    }

    // The same files enter the target channel; then its metadata is published. Packages already
    // in the target are published again too: a promotion killed after their per-package
    // metadata was written but before the target's index was signed is completed this way.
    let mut touched = BTreeSet::new();
    for c in out.iter().filter(|c| c.decision == Decision::Present) {
        if let Some(t) = target.get(&c.item.key()) {
            touched.insert((t.family, t.place.0.clone()));
        }
    }
    for c in out.iter().filter(|c| c.decision == Decision::Promote) {
        let item = &c.item;
        match item.family {
            Family::Deb => {
                let component = &item.place.0;
                let mut src = apt::Options::new(&opts.from);
                src.component = component.clone();
                let mut dst = apt::Options::new(&opts.to);
                dst.component = component.clone();
                let from = apt::stanza_path(dir, &src, &item.place.1);
                let bytes = fs::read(&from).map_err(|e| Error::io(&from, "reading", e))?;
                store::write_atomic(&apt::stanza_path(dir, &dst, &item.place.1), &bytes)?;
                touched.insert((Family::Deb, component.clone()));
            }
            Family::Rpm => {
                let rel = item
                    .path
                    .strip_prefix(&format!("rpm/{}/", opts.from))
                    .unwrap_or(&item.path);
                store::link_atomic(
                    &dir.join(&item.path),
                    &rpmmd::channel_dir(dir, &opts.to).join(rel),
                )?;
                copy_files(
                    &dir.join(rpmmd::FRAGMENT_DIR)
                        .join(&opts.from)
                        .join(&item.place.1),
                    &dir.join(rpmmd::FRAGMENT_DIR)
                        .join(&opts.to)
                        .join(&item.place.1),
                    // `primary.xml` last: the fragment is whole once it is there.
                    &["filelists.xml", "other.xml", "time", "primary.xml"],
                )?;
                touched.insert((Family::Rpm, String::new()));
            }
            Family::Pacman => {
                let (arch, entry) = &item.place;
                let file = item.path.rsplit('/').next().unwrap_or_default();
                let src = pacman::arch_dir(dir, &opts.from, arch);
                let dst = pacman::arch_dir(dir, &opts.to, arch);
                store::link_atomic(&src.join(file), &dst.join(file))?;
                let sig = format!("{file}.sig");
                store::link_atomic(&src.join(&sig), &dst.join(&sig))?;
                copy_files(
                    &dir.join(pacman::ENTRY_DIR)
                        .join(&opts.from)
                        .join(arch)
                        .join(entry),
                    &dir.join(pacman::ENTRY_DIR)
                        .join(&opts.to)
                        .join(arch)
                        .join(entry),
                    &["files", "desc"],
                )?;
                touched.insert((Family::Pacman, arch.clone()));
            }
            Family::Freebsd => {
                let (abi, entry) = &item.place;
                let rel = item
                    .path
                    .strip_prefix(&format!("freebsd/{}/{abi}/", opts.from))
                    .unwrap_or(&item.path);
                store::link_atomic(
                    &dir.join(&item.path),
                    &freebsd::abi_dir(dir, &opts.to, abi).join(rel),
                )?;
                let from = dir
                    .join(freebsd::ENTRY_DIR)
                    .join(&opts.from)
                    .join(abi)
                    .join(entry);
                let bytes = fs::read(&from).map_err(|e| Error::io(&from, "reading", e))?;
                store::write_atomic(
                    &dir.join(freebsd::ENTRY_DIR)
                        .join(&opts.to)
                        .join(abi)
                        .join(entry),
                    &bytes,
                )?;
                touched.insert((Family::Freebsd, abi.clone()));
            }
        }
    }
    republish(dir, &opts.to, &touched, &opts.publish, signer)?;
    let change = Change {
        entered: Event::Promote,
        from: Some(opts.from.clone()),
        left: Event::Remove,
        reason: None,
        time: opts.now,
    };
    reconcile(dir, &opts.to, &change, signer)?;
    Ok(out)
}

fn copy_files(from: &Path, to: &Path, names: &[&str]) -> Result<()> {
    for name in names {
        let src: PathBuf = from.join(name);
        let bytes = fs::read(&src).map_err(|e| Error::io(&src, "reading", e))?;
        store::write_atomic(&to.join(name), &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        let key = crate::sign::generate(
            crate::sign::Algorithm::Ed25519,
            "T <t@example.org>",
            1_600_000_000,
            None,
        )
        .unwrap();
        Signer::from_armored(&key.secret, None, "test").unwrap()
    }

    fn hold_at(time: u64, signer: &Signer) -> Record {
        hold_record(Event::Hold, "p", None, Some("r"), time, signer)
    }

    /// Every state a killed append can leave verifies, and the next append completes it; a
    /// changed, dropped or unsigned log does not.
    #[test]
    fn log_appends_survive_interruption_and_refuse_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let s = signer();
        let v = s.verifier();
        assert!(Log::read(d, &v).unwrap().records.is_empty());
        Log::append(d, &[hold_at(1, &s)], &s).unwrap();
        let sig1 = fs::read(d.join(LOG_SIG)).unwrap();
        Log::append(d, &[hold_at(2, &s)], &s).unwrap();
        assert!(!d.join(LOG_SIG_NEXT).exists());
        let sig2 = fs::read(d.join(LOG_SIG)).unwrap();
        assert_ne!(sig1, sig2);
        assert_eq!(Log::read(d, &v).unwrap().records.len(), 2);

        // Killed after the log was renamed, before its signature: the next signature verifies.
        fs::write(d.join(LOG_SIG), &sig1).unwrap();
        fs::write(d.join(LOG_SIG_NEXT), &sig2).unwrap();
        assert_eq!(Log::read(d, &v).unwrap().records.len(), 2);
        Log::append(d, &[], &s).unwrap();
        assert_eq!(fs::read(d.join(LOG_SIG)).unwrap(), sig2);
        assert!(!d.join(LOG_SIG_NEXT).exists());
        // Killed before the log was renamed: a stale next signature is ignored, then removed.
        fs::write(d.join(LOG_SIG_NEXT), &sig1).unwrap();
        assert_eq!(Log::read(d, &v).unwrap().records.len(), 2);
        Log::append(d, &[hold_at(3, &s)], &s).unwrap();
        assert!(!d.join(LOG_SIG_NEXT).exists());
        assert_eq!(Log::read(d, &v).unwrap().records.len(), 3);

        let good = fs::read(d.join(LOG)).unwrap();
        let text = String::from_utf8(good.clone()).unwrap();
        let bad_cases = [
            text.replacen("\"time\":2", "\"time\":9", 1),
            text.lines().skip(1).map(|l| format!("{l}\n")).collect(),
            format!(
                "{text}{}\n",
                serde_json::to_string(&hold_at(4, &s)).unwrap()
            ),
        ];
        for bad in bad_cases {
            assert_ne!(bad.as_bytes(), &good[..]);
            fs::write(d.join(LOG), &bad).unwrap();
            let err = Log::read(d, &v).unwrap_err();
            assert!(matches!(err, Error::BadSignature { .. }), "{err}");
            assert!(Log::append(d, &[hold_at(5, &s)], &s).is_err());
            assert_eq!(fs::read(d.join(LOG)).unwrap(), bad.as_bytes());
        }
        fs::write(d.join(LOG), &good).unwrap();
        // Another key's verifier refuses it.
        assert!(Log::read(d, &signer().verifier()).is_err());
        // A signature without a log, or a log without a signature, is refused.
        fs::remove_file(d.join(LOG)).unwrap();
        assert!(Log::read(d, &v).is_err());
        fs::write(d.join(LOG), &good).unwrap();
        fs::remove_file(d.join(LOG_SIG)).unwrap();
        assert!(Log::read(d, &v)
            .unwrap_err()
            .to_string()
            .contains("is missing"));
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("14d").unwrap(), 14 * 86_400);
        assert_eq!(parse_duration("36h").unwrap(), 36 * 3_600);
        assert_eq!(parse_duration("90m").unwrap(), 5_400);
        assert_eq!(parse_duration("3600s").unwrap(), 3_600);
        for bad in ["14", "d", "14w", "-1d", "1.5d", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(86_400 + 3_600 + 60 + 1), "1d 1h 1m");
        assert_eq!(format_duration(14 * 86_400), "14d");
        assert_eq!(format_duration(7_230), "2h 30s");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn the_log_replays_entries_and_holds() {
        let r = |event, channel: Option<&str>, version: Option<&str>| Record {
            time: 1,
            event,
            channel: channel.map(str::to_string),
            from: None,
            package: "hello".into(),
            version: version.map(str::to_string),
            arch: Some("amd64".into()),
            family: Some(Family::Deb),
            path: Some("pool/x.deb".into()),
            sha256: Some("00".into()),
            reason: None,
            by: "F".into(),
        };
        let log = Log {
            records: vec![
                r(Event::Add, Some("testing"), Some("1")),
                r(Event::Add, Some("testing"), Some("2")),
                r(Event::Yank, Some("testing"), Some("1")),
                r(Event::Hold, None, None),
                r(Event::Hold, None, Some("2")),
                r(Event::Unhold, None, None),
            ],
        };
        let testing = log.channel("testing");
        assert_eq!(testing.len(), 1);
        assert!(testing.keys().all(|k| k.2 == "2"));
        assert!(log.channel("stable").is_empty());
        let holds: Vec<_> = log.holds().into_iter().collect();
        assert_eq!(holds, vec![("hello".to_string(), Some("2".to_string()))]);
        let line = serde_json::to_string(&log.records[0]).unwrap();
        assert_eq!(
            serde_json::from_str::<Record>(&line).unwrap(),
            log.records[0]
        );
        assert!(serde_json::from_str::<Record>(&line.replace("\"by\"", "\"who\"")).is_err());
    }
}
