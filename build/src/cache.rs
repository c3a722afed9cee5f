//! The content-addressed source cache.
//!
//! Layout under the root (`SYSPACK_SOURCE_DIR`, default `$CARGO_HOME/syspack/sources`):
//!
//! ```text
//! sha256/<64 hex digits>     the tarball's bytes, named by their sha256
//! by-name/<file>             symlink to ../sha256/<hex> (Unix; for people, never trusted)
//! ```
//!
//! Only bytes that some pin accepts are ever written ([`Cache::import_file`]), always through a
//! temporary file and a rename, and [`Cache::lookup`] hashes the file again before a build uses it.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::env::{Emit, Env, EnvVar};
use crate::pin::{Artifact, Pin};
use crate::Error;

/// The sha256 of a file, as lower-case hex.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    let f = fs::File::open(path).map_err(|e| Error::io(path, "open", e))?;
    read_hashed(path, f, |_| Ok(()))
}

/// Reads `file` (opened from `path`) to its end, handing each chunk to `chunk`; returns the
/// sha256 of all of it as lower-case hex.
fn read_hashed(
    path: &Path,
    mut file: fs::File,
    mut chunk: impl FnMut(&[u8]) -> Result<(), Error>,
) -> Result<String, Error> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(path, "read", e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        chunk(&buf[..n])?;
    }
    Ok(lower_hex(&h.finalize()))
}

/// Bytes as lower-case hex (a digest's usual spelling).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// A source cache rooted at a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

/// A verified artifact in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cached {
    /// The file in the cache (`<root>/sha256/<hex>`).
    pub path: PathBuf,
    /// The pinned artifact it is.
    pub artifact: Artifact,
}

/// The result of importing one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The file that was imported.
    pub from: PathBuf,
    /// Where it now is.
    pub to: PathBuf,
    /// The library and version of the pin that accepted it.
    pub library: String,
    /// The pinned version.
    pub version: String,
    /// The artifact it is.
    pub artifact: Artifact,
    /// `false` when the cache already held it.
    pub newly_written: bool,
}

/// What [`Cache::import_dir`] did with each file of a directory.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Files accepted by a pin, now in the cache.
    pub imported: Vec<Imported>,
    /// Files named like a pinned artifact whose bytes no pin accepts (tampered, truncated,
    /// other version): never written.
    pub rejected: Vec<Error>,
    /// Other files (signatures, `.dsc`, unrelated tarballs): left alone, sorted.
    pub ignored: Vec<PathBuf>,
}

/// One entry of the cache, for `syspack vendor list` / `verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file (`<root>/sha256/<hex>`).
    pub path: PathBuf,
    /// The sha256 its name claims.
    pub sha256: String,
    /// The pin and artifact that accept it, if any of the given pins does.
    pub pinned: Option<(String, String, Artifact)>,
}

impl Cache {
    /// A cache at `root` (nothing is created until something is imported).
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// The cache the environment names: `SYSPACK_SOURCE_DIR`, else
    /// `$CARGO_HOME/syspack/sources`, else `$HOME/.cargo/syspack/sources`.
    ///
    /// # Errors
    ///
    /// [`Error::NoSourceDir`] if none of the three variables is set.
    pub fn from_env(env: &Env, emit: &Emit) -> Result<Cache, Error> {
        if let Some(dir) = env.var(&EnvVar::SourceDir, emit) {
            return Ok(Cache::new(dir));
        }
        if let Some(home) = env.var(&EnvVar::CargoHome, emit) {
            return Ok(Cache::new(Path::new(&home).join("syspack").join("sources")));
        }
        if let Some(home) = env.var(&EnvVar::Home, emit) {
            return Ok(Cache::new(
                Path::new(&home)
                    .join(".cargo")
                    .join("syspack")
                    .join("sources"),
            ));
        }
        Err(Error::NoSourceDir)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the bytes with this sha256 live.
    pub fn path_for(&self, sha256: &str) -> PathBuf {
        self.root.join("sha256").join(sha256)
    }

    /// Imports one file: hashes it, and if one of `pins` accepts the bytes, copies it into the
    /// cache atomically (temporary file, then rename). Writes nothing otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::NotPinned`] if no pin accepts the bytes, [`Error::Io`] on I/O failure.
    pub fn import_file(&self, path: &Path, pins: &[Pin]) -> Result<Imported, Error> {
        self.check_root()?;
        let actual = sha256_file(path)?;
        let Some((pin, artifact)) = pins.iter().find_map(|p| p.accepts(&actual).map(|a| (p, a)))
        else {
            return Err(Error::NotPinned {
                path: path.to_path_buf(),
                actual,
                known: known(pins),
            });
        };
        let dest = self.path_for(&actual);
        let newly_written = if dest.is_file() && sha256_file(&dest)? == actual {
            false
        } else {
            let dir = self.root.join("sha256");
            fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create directory", e))?;
            let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), &actual[..16]));
            let copied = copy_verified(path, &tmp, &actual);
            if let Err(e) = copied {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
            fs::rename(&tmp, &dest).map_err(|e| {
                let _ = fs::remove_file(&tmp);
                Error::io(&dest, "rename into place", e)
            })?;
            true
        };
        self.link_by_name(&artifact.file, &actual)?;
        Ok(Imported {
            from: path.to_path_buf(),
            to: dest,
            library: pin.library.clone(),
            version: pin.version.clone(),
            artifact: artifact.clone(),
            newly_written,
        })
    }

    #[cfg(unix)]
    fn link_by_name(&self, file: &str, sha256: &str) -> Result<(), Error> {
        let dir = self.root.join("by-name");
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "create directory", e))?;
        let link = dir.join(file);
        let tmp = dir.join(format!(".tmp-{}-{file}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(Path::new("..").join("sha256").join(sha256), &tmp)
            .map_err(|e| Error::io(&tmp, "create symlink", e))?;
        fs::rename(&tmp, &link).map_err(|e| Error::io(&link, "rename into place", e))
    }

    #[cfg(not(unix))]
    fn link_by_name(&self, _file: &str, _sha256: &str) -> Result<(), Error> {
        Ok(())
    }

    /// Imports every regular file of `dir` (not recursive) that a pin accepts. A file named
    /// like a pinned artifact but with other bytes is rejected; other files are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the directory cannot be read; per-file failures are in the report.
    pub fn import_dir(&self, dir: &Path, pins: &[Pin]) -> Result<ImportReport, Error> {
        self.check_root()?;
        let mut files = Vec::new();
        for e in fs::read_dir(dir).map_err(|e| Error::io(dir, "read directory", e))? {
            let e = e.map_err(|e| Error::io(dir, "read directory", e))?;
            let p = e.path();
            if p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        let names: Vec<&str> = pins
            .iter()
            .flat_map(|p| p.artifacts.iter().map(|a| a.file.as_str()))
            .collect();
        let mut report = ImportReport::default();
        for f in files {
            match self.import_file(&f, pins) {
                Ok(i) => report.imported.push(i),
                Err(Error::NotPinned { .. })
                    if !f
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| names.contains(&n)) =>
                {
                    report.ignored.push(f)
                }
                Err(e @ (Error::NotPinned { .. } | Error::HashMismatch { .. })) => {
                    report.rejected.push(e)
                }
                // The cache or the file cannot be written or read: that is the cause to report,
                // not a checksum.
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Checks that the cache root is a directory, or does not exist yet.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the root when it is something else (a file: `SYSPACK_SOURCE_DIR`
    /// pointing at a tarball) or cannot be examined.
    pub fn check_root(&self) -> Result<(), Error> {
        match fs::metadata(&self.root) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(Error::io(
                &self.root,
                "use the source cache",
                std::io::Error::other(
                    "it is not a directory (ENOTDIR); point SYSPACK_SOURCE_DIR at a directory",
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&self.root, "use the source cache", e)),
        }
    }

    /// Finds an artifact of `pin` in the cache, in the pin's order, and hashes it again.
    ///
    /// # Errors
    ///
    /// [`Error::SourceMissing`] if no artifact is cached (the message names `syspack vendor
    /// fetch` and `syspack vendor import DIR`), [`Error::HashMismatch`] if a cached file's bytes
    /// changed since it was imported.
    pub fn lookup(&self, pin: &Pin) -> Result<Cached, Error> {
        self.check_root()?;
        if let Some(cached) = first_present(pin, |a| self.path_for(&a.sha256))? {
            return Ok(cached);
        }
        Err(Error::SourceMissing {
            library: pin.library.clone(),
            version: pin.version.clone(),
            cache_dir: self.root.clone(),
            expected: known(std::slice::from_ref(pin)),
        })
    }

    /// Every file under `sha256/`, sorted, with the pin that accepts it (if any of `pins`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the directory exists but cannot be read.
    pub fn entries(&self, pins: &[Pin]) -> Result<Vec<Entry>, Error> {
        self.check_root()?;
        let dir = self.root.join("sha256");
        match fs::metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, "read directory", e)),
            Ok(m) if !m.is_dir() => {
                return Err(Error::io(
                    &dir,
                    "read directory",
                    std::io::Error::other(
                        "it is not a directory: the source cache is broken; move it away and run `syspack vendor fetch` or `import` again",
                    ),
                ))
            }
            Ok(_) => {}
        }
        let mut out = Vec::new();
        for e in fs::read_dir(&dir).map_err(|e| Error::io(&dir, "read directory", e))? {
            let e = e.map_err(|e| Error::io(&dir, "read directory", e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let pinned = pins.iter().find_map(|p| {
                p.accepts(&name)
                    .map(|a| (p.library.clone(), p.version.clone(), a.clone()))
            });
            out.push(Entry {
                path: e.path(),
                sha256: name,
                pinned,
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Hashes every entry again; returns the entries whose bytes do not match their name.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the cache cannot be read.
    pub fn verify_all(&self) -> Result<Vec<Error>, Error> {
        let mut bad = Vec::new();
        for e in self.entries(&[])? {
            let actual = sha256_file(&e.path)?;
            if actual != e.sha256 {
                bad.push(Error::HashMismatch {
                    path: e.path,
                    expected: e.sha256,
                    actual,
                });
            }
        }
        Ok(bad)
    }
}

/// Finds an artifact of `pin` shipped inside a published crate: `<pin directory>/sources/<file>`
/// (put there from the cache at publish time, as `openssl-src` carries its sources), hashed
/// again. `Ok(None)` when there is none.
///
/// # Errors
///
/// [`Error::HashMismatch`] if a shipped file's bytes are not the pinned ones.
pub fn lookup_bundled(pin: &Pin) -> Result<Option<Cached>, Error> {
    let Some(dir) = pin.path.as_deref().and_then(Path::parent) else {
        return Ok(None);
    };
    first_present(pin, |a| dir.join("sources").join(&a.file))
}

/// The first of `pin`'s artifacts whose file exists at `path_of(artifact)`, its bytes checked
/// against the pinned sha256.
fn first_present(
    pin: &Pin,
    path_of: impl Fn(&Artifact) -> PathBuf,
) -> Result<Option<Cached>, Error> {
    for a in &pin.artifacts {
        let path = path_of(a);
        if !path.is_file() {
            continue;
        }
        let actual = sha256_file(&path)?;
        if actual != a.sha256 {
            return Err(Error::HashMismatch {
                path,
                expected: a.sha256.clone(),
                actual,
            });
        }
        return Ok(Some(Cached {
            path,
            artifact: a.clone(),
        }));
    }
    Ok(None)
}

fn known(pins: &[Pin]) -> Vec<(String, String)> {
    pins.iter()
        .flat_map(|p| {
            p.artifacts
                .iter()
                .map(|a| (a.file.clone(), a.sha256.clone()))
        })
        .collect()
}

/// Copies `from` to `to`, hashing what is written, and fails if the bytes changed meanwhile.
fn copy_verified(from: &Path, to: &Path, expected: &str) -> Result<(), Error> {
    let src = fs::File::open(from).map_err(|e| Error::io(from, "open", e))?;
    let mut dst = fs::File::create(to).map_err(|e| Error::io(to, "create", e))?;
    let actual = read_hashed(from, src, |chunk| {
        dst.write_all(chunk).map_err(|e| Error::io(to, "write", e))
    })?;
    dst.sync_all().map_err(|e| Error::io(to, "sync", e))?;
    if actual != expected {
        return Err(Error::HashMismatch {
            path: from.to_path_buf(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}
