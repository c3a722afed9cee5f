//! Packages already up to date are not written again.
//!
//! A package's bytes are a function of the staged package (metadata, entries, scripts, dates),
//! the writer's settings, every file's content and the syspack binary that writes it (known by
//! its version and its executable's stamp). Their digest, the package's *fingerprint*, is
//! computed without reading files whose digests the frame cache's index holds (trusted while a
//! file's device, inode, size, mtime and ctime are unchanged, like git's index). Each package written is recorded in `outputs.idx` beside that
//! index, with its output file's stamp, size and SHA-256. Packaging again with a fingerprint
//! whose output file is still there, untouched since (the same stamp), skips the writer and
//! reports the recorded size and SHA-256: re-packaging unchanged inputs costs stat calls, not
//! compression or writing hundreds of megabytes again.
//!
//! Without a lasting cache (`--frame-cache off`, `--single-stream`) every package is written.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};
use syspack_distro::frames::{file_stamp, FileDigests, FrameCache};
use syspack_distro::output::write_atomically;
use syspack_distro::{Compression, DirEntry, Entry, FileEntry, FileSource, Owner, SymlinkEntry};

use crate::stage::Staged;

/// The up-to-date check of one `syspack package` run: which packages need not be written, and
/// the record of those that were.
pub struct Check<'a> {
    outputs: Outputs,
    fingerprints: Fingerprints<'a>,
    settings: Vec<WriterSettings>,
    /// Each package's fingerprint before writing, if every digest was known then.
    before: Vec<Option<[u8; 32]>>,
}

impl<'a> Check<'a> {
    /// The check for the packages of one run, each written with `writers`' compression and
    /// splicing frames or not, with the frame cache `cache`; `None` without a lasting cache
    /// (nothing is recorded).
    pub fn new(
        cache: Option<&'a FrameCache>,
        writers: &[(Compression, bool)],
        share_threshold: u64,
        stamps: HashMap<PathBuf, String>,
    ) -> Option<Self> {
        let cache = cache.filter(|c| !c.is_temporary())?;
        let settings = writers
            .iter()
            .map(|(c, splices)| WriterSettings {
                compression: *c,
                splices: *splices,
                share_threshold,
                codec_users: writers.iter().filter(|(d, s)| *s && d == c).count(),
            })
            .collect();
        Some(Check {
            outputs: Outputs::load(cache),
            fingerprints: Fingerprints::new(cache, stamps),
            settings,
            before: Vec::new(),
        })
    }

    /// For each package (staged, to be written to its output path), in the order of the
    /// writers given to [`Check::new`], what was recorded for it if it is up to date. Reads no
    /// file.
    pub fn up_to_date(&mut self, packages: &[(&Staged, &Path)]) -> Vec<Option<Written>> {
        self.before = packages
            .iter()
            .zip(&self.settings)
            .map(|((s, _), settings)| self.fingerprints.of(s, settings, false).ok().flatten())
            .collect();
        self.before
            .iter()
            .zip(packages)
            .map(|(fp, (_, out))| fp.as_ref().and_then(|fp| self.outputs.fresh(fp, out)))
            .collect()
    }

    /// Records package `index` (`staged`), just written to `output`; digests still unknown
    /// (files the writer read itself) are read now, from the page cache by then.
    pub fn record(&self, index: usize, staged: &Staged, output: &Path, written: Written) {
        let fp = match self.before.get(index).copied().flatten() {
            Some(fp) => Some(fp),
            None => self
                .fingerprints
                .of(staged, &self.settings[index], true)
                .ok()
                .flatten(),
        };
        if let Some(fp) = fp {
            self.outputs.record(&fp, output, written);
        }
    }

    /// Saves the record and the cache's file index.
    pub fn save(&self) {
        self.outputs.save();
        self.fingerprints.cache.save_index();
    }
}

/// What makes a package's bytes, besides the staged package: how it is compressed and whether
/// its stream is spliced from shared frames (and which files have them).
#[derive(Debug)]
struct WriterSettings {
    /// The compression, threads included.
    compression: Compression,
    /// Whether the stream is made of shared frames.
    splices: bool,
    /// The size from which files have shared frames (`SYSPACK_SHARE_THRESHOLD`).
    share_threshold: u64,
    /// How many packages of this run splice frames of the same codec (gzip shares small files
    /// when there are two or more).
    codec_users: usize,
}

/// Computes fingerprints, looking each file's digests up once however many packages hold it.
struct Fingerprints<'a> {
    cache: &'a FrameCache,
    /// The files' stamps taken while staging (saves a `stat` each).
    stamps: HashMap<PathBuf, String>,
    known: Mutex<HashMap<PathBuf, FileDigests>>,
}

impl<'a> Fingerprints<'a> {
    /// Fingerprints with the digests `cache`'s index holds for files with the stamps
    /// `stamps` (other files are stat'ed).
    fn new(cache: &'a FrameCache, stamps: HashMap<PathBuf, String>) -> Self {
        Fingerprints {
            cache,
            stamps,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The digests of `file`: known, from the index, or (with `read`) read now.
    fn digests(&self, file: &Path, read: bool) -> io::Result<Option<FileDigests>> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = known.get(file) {
            return Ok(Some(*d));
        }
        let found = if read {
            Some(
                self.cache
                    .digests_reading(file)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?,
            )
        } else if let Some(stamp) = self.stamps.get(file) {
            self.cache.digests_if_stamped(file, stamp)
        } else {
            fs::metadata(file)
                .ok()
                .and_then(|m| self.cache.digests(file, &m))
        };
        if let Some(d) = found {
            known.insert(file.to_path_buf(), d);
        }
        Ok(found)
    }

    /// The fingerprint of `staged` written with `settings`, or `None` when a file's digests are
    /// not known without reading it and `read` is false. With `read`, such files are read (and
    /// their digests recorded in the cache's index).
    ///
    /// # Errors
    ///
    /// Errors reading a file (only with `read`).
    fn of(
        &self,
        staged: &Staged,
        settings: &WriterSettings,
        read: bool,
    ) -> io::Result<Option<[u8; 32]>> {
        fingerprint(staged, settings, |p| self.digests(p, read))
    }
}

fn fingerprint(
    staged: &Staged,
    settings: &WriterSettings,
    digests_of: impl Fn(&Path) -> io::Result<Option<FileDigests>>,
) -> io::Result<Option<[u8; 32]>> {
    let Some(binary) = binary_identity() else {
        return Ok(None);
    };
    let mut h = Sha256::new();
    h.update(b"syspack package fingerprint 1\n");
    h.update(binary.as_bytes());
    let WriterSettings {
        compression,
        splices,
        share_threshold,
        codec_users,
    } = settings;
    // Debug output is deterministic for one binary, and the binary is part of the fingerprint.
    let pkg = &staged.package;
    h.update(
        format!(
            "{compression:?} {splices} {share_threshold} {codec_users}\n{:?}\n{:?}\n{}\n\
             {:?}\n{:?}\n{:?}\n{:?}\n",
            staged.target,
            staged.needed_sonames,
            staged.freebsd_prefix,
            pkg.metadata,
            pkg.scripts,
            pkg.systemd_units,
            pkg.source_date,
        )
        .as_bytes(),
    );
    // The entries one by one, compactly (thousands of them; their Debug output was a tenth of
    // an up-to-date run). Destructured in full, so a new field cannot be forgotten here.
    let owner = |h: &mut Sha256, Owner { user, group }: &Owner| {
        h.update(user.as_bytes());
        h.update(b":");
        h.update(group.as_bytes());
    };
    for (path, entry) in pkg.entries() {
        h.update(b"\n");
        h.update(path.to_string().as_bytes());
        match entry {
            Entry::Dir(DirEntry { mode, owner: o }) => {
                h.update(format!(" dir {mode:o} ").as_bytes());
                owner(&mut h, o);
            }
            Entry::Symlink(SymlinkEntry { target, owner: o }) => {
                h.update(b" link ");
                h.update(target.as_bytes());
                h.update(b" ");
                owner(&mut h, o);
            }
            Entry::File(FileEntry {
                source,
                size,
                mode,
                owner: o,
                conffile,
                doc,
            }) => {
                h.update(format!(" file {size} {mode:o} {conffile} {doc} ").as_bytes());
                owner(&mut h, o);
                match source {
                    FileSource::Bytes(bytes) => h.update(Sha256::digest(bytes)),
                    FileSource::Path(p) => {
                        h.update(p.as_os_str().as_encoded_bytes());
                        let Some(digests) = digests_of(p)? else {
                            return Ok(None);
                        };
                        h.update(digests.size.to_le_bytes());
                        h.update(digests.sha256);
                    }
                }
            }
        }
    }
    Ok(Some(h.finalize().into()))
}

/// The running syspack binary's identity: its version and its file's stamp (device, inode,
/// size, times), so that another build of syspack never takes a package written by this one as
/// up to date. (Hashing the binary's bytes would cost more than the rest of an up-to-date run.)
fn binary_identity() -> Option<String> {
    static IDENTITY: OnceLock<Option<String>> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let meta = fs::metadata(&exe).ok()?;
            Some(format!(
                "{} {} {}",
                env!("CARGO_PKG_VERSION"),
                exe.display(),
                file_stamp(&meta)
            ))
        })
        .clone()
}

/// An output file recorded after writing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The record's file name, in the frame cache's directory.
const OUTPUTS_FILE: &str = "outputs.idx";

/// The record of packages written (`outputs.idx` in the frame cache): fingerprint and output
/// path → the output's stamp, size and SHA-256.
struct Outputs {
    file: PathBuf,
    records: Mutex<HashMap<String, (String, Written)>>,
}

impl Outputs {
    /// Loads the record kept in `cache` (a missing or damaged record is empty).
    fn load(cache: &FrameCache) -> Outputs {
        let file = cache.root().join(OUTPUTS_FILE);
        let records = read_records(&file);
        Outputs {
            file,
            records: Mutex::new(records),
        }
    }

    /// The recorded size and SHA-256 of `output` if it was written for `fingerprint` and has not
    /// changed since.
    fn fresh(&self, fingerprint: &[u8; 32], output: &Path) -> Option<Written> {
        let meta = fs::symlink_metadata(output).ok()?;
        if !meta.is_file() {
            return None;
        }
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let (stamp, written) = records.get(&key(fingerprint, output))?;
        // The stamp holds the size, so a recorded output that was changed in any way is not
        // taken.
        (*stamp == file_stamp(&meta)).then(|| written.clone())
    }

    /// Records `output`, just written for `fingerprint`.
    fn record(&self, fingerprint: &[u8; 32], output: &Path, written: Written) {
        let Ok(meta) = fs::metadata(output) else {
            return;
        };
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.insert(key(fingerprint, output), (file_stamp(&meta), written));
    }

    /// Writes the record back, merged with what other runs saved meanwhile. Failures are
    /// ignored: the record only saves writing packages again.
    fn save(&self) {
        let mut merged = read_records(&self.file);
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        merged.extend(records.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut keys: Vec<&String> = merged.keys().collect();
        keys.sort();
        let mut text = String::new();
        for k in keys {
            let (stamp, w) = &merged[k];
            text.push_str(&format!("{k}\t{stamp}\t{}\t{}\n", w.size, w.sha256));
        }
        let Some(dir) = self.file.parent() else {
            return;
        };
        let _ = write_atomically(dir, OUTPUTS_FILE, |w| {
            w.write_all(text.as_bytes())
                .map_err(|e| syspack_distro::Error::io(&self.file, "writing", e))
        });
    }
}

fn key(fingerprint: &[u8; 32], output: &Path) -> String {
    let absolute = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    format!(
        "{}\t{}",
        hex::encode(fingerprint),
        hex::encode(absolute.as_os_str().as_encoded_bytes())
    )
}

fn read_records(file: &Path) -> HashMap<String, (String, Written)> {
    let mut records = HashMap::new();
    let Ok(text) = fs::read_to_string(file) else {
        return records;
    };
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [fp, path, stamp, size, sha256] = fields[..] else {
            continue;
        };
        let Ok(size) = size.parse() else { continue };
        records.insert(
            format!("{fp}\t{path}"),
            (
                stamp.to_string(),
                Written {
                    size,
                    sha256: sha256.to_string(),
                },
            ),
        );
    }
    records
}
