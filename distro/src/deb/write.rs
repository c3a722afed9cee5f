//! Writing a `.deb`: validate everything in [`Writer::new`], then stream data.tar (hashing each
//! file for `md5sums` on the way), build control.tar, and put both in the ar container.

use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::ar;
use super::control::{file_name_version, Control};
use super::scripts::maintainer_scripts;
use super::Options;
use crate::compress::{Compression, Encoder};
use crate::error::{Error, Result};
use crate::frames::{ContentSink, PayloadEncoder, SharedContent, StreamKey};
use crate::package::{Entry, InstallPath, Owner, Package};
use crate::tarball::{TarFlavor, TarWriter};

/// Compressed members up to this size stay in memory while the package is assembled; larger ones
/// spill to a temporary file (the ar header needs the size before the data).
const SPOOL_IN_MEMORY: usize = 8 << 20;

/// Writes one package as a `.deb`.
///
/// ```
/// use syspack_distro::{deb, Arch, InstallPath, Metadata, Package, SourceDate};
///
/// let mut meta = Metadata::new("hello", "1.0.0", Arch::X86_64);
/// meta.summary = "says hello".into();
/// meta.maintainer = "Jane Doe <jane@example.org>".into();
/// let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
/// pkg.add_bytes(InstallPath::new("/usr/bin/hello")?, b"#!/bin/sh\necho hello\n".to_vec(), 0o755)?;
/// let writer = deb::Writer::new(&pkg, &deb::Options::default())?;
/// assert_eq!(writer.file_name(), "hello_1.0.0-1_amd64.deb");
/// let mut bytes = Vec::new();
/// writer.write_to(&mut bytes)?;
/// assert!(bytes.starts_with(b"!<arch>\ndebian-binary   "));
/// # Ok::<(), syspack_distro::Error>(())
/// ```
pub struct Writer<'a> {
    pkg: &'a Package,
    compression: Compression,
    shared: Option<Arc<SharedContent>>,
    control: Control,
    scripts: Vec<(&'static str, String)>,
    /// data.tar entries in archive order: (tar name, install path, entry).
    entries: Vec<(String, InstallPath, Entry)>,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("deb::Writer")
            .field("package", &self.pkg.metadata.name)
            .field("compression", &self.compression)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl<'a> Writer<'a> {
    /// Checks everything a `.deb` needs before a byte is written: the compression, the name and
    /// version syntax, maintainer and summary, relations, maintainer scripts and systemd units,
    /// that the package is not empty, and that data.tar fits the ar member size field.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedCompression`] for bzip2; [`Error::InvalidField`] for metadata, scripts
    /// and units; [`Error::EmptyPackage`]; [`Error::TooLarge`] when the files together could not
    /// be stored (more than 9 999 999 999 bytes in data.tar).
    pub fn new(pkg: &'a Package, opts: &Options) -> Result<Self> {
        let compression = opts.compression;
        if matches!(compression, Compression::Bzip2 { .. }) {
            return Err(Error::UnsupportedCompression {
                format: "deb",
                compression: compression.to_string(),
                supported: "xz, gzip, zstd (Debian 12 and later, Ubuntu), none",
            });
        }
        let control = Control::for_package(pkg)?;
        pkg.check_not_empty()?;
        let scripts = maintainer_scripts(pkg)?;
        let entries = data_order(pkg);
        check_size(pkg, &entries)?;
        Ok(Writer {
            pkg,
            compression,
            shared: opts.shared.clone(),
            control,
            scripts,
            entries,
        })
    }

    /// The control file that will be written.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// `<name>_<version without epoch>_<arch>.deb`, as `dpkg-deb --build` names it.
    pub fn file_name(&self) -> String {
        let m = &self.pkg.metadata;
        let version = self.control.version().unwrap_or_default();
        format!(
            "{}_{}_{}.deb",
            m.name,
            file_name_version(version),
            m.arch.deb()
        )
    }

    /// Writes the whole package to `w`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the asset that could not be read (or that changed size since it was
    /// staged) or the member that could not be written; [`Error::TooLarge`] if data.tar grew
    /// beyond the ar size field after compression.
    pub fn write_to(&self, w: &mut dyn Write) -> Result<()> {
        let mtime = self.pkg.source_date.secs();
        let (mut data, data_len, sums) = self.data_tar()?;
        let control = self.control_tar(&sums)?;
        let suffix = self.compression.suffix();
        let data_name = format!("data.tar{suffix}");
        if data_len > ar::MAX_MEMBER_SIZE {
            return Err(Error::TooLarge {
                path: format!("{data_name} (all files together; split them into several packages)"),
                size: data_len,
                format: "deb",
                limit: ar::MAX_MEMBER_SIZE,
            });
        }
        let out = |e| Error::io(self.file_name(), "writing", e);
        w.write_all(ar::MAGIC).map_err(out)?;
        ar::write_member(w, "debian-binary", mtime, 4, &mut &b"2.0\n"[..]).map_err(out)?;
        ar::write_member(
            w,
            &format!("control.tar{suffix}"),
            mtime,
            control.len() as u64,
            &mut &control[..],
        )
        .map_err(out)?;
        data.seek(SeekFrom::Start(0)).map_err(out)?;
        ar::write_member(w, &data_name, mtime, data_len, &mut data).map_err(out)?;
        Ok(())
    }

    /// Writes the compressed data.tar into a spool; returns it, its length and the md5sums of
    /// the regular files in archive order.
    ///
    /// With shared content and a codec dpkg reads only as one frame (xz, zstd), the whole
    /// compressed stream is cached: its key is computed from the tar headers and the files'
    /// digests (or, when the shared content has none, their bytes: reading is far cheaper than
    /// compressing), and a hit is copied instead of compressed.
    fn data_tar(&self) -> Result<(tempfile::SpooledTempFile, u64, Md5Sums)> {
        let member = format!("data.tar{}", self.compression.suffix());
        let io = |e| Error::io(&member, "writing", e);
        let mut spool = tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY);
        let cached_stream = self.shared.as_ref().filter(|_| {
            self.compression != Compression::None
                && !crate::frames::splices(crate::Format::Deb, self.compression)
        });
        let mut key = None;
        if let Some(shared) = cached_stream {
            let (k, sums) = self.write_data_tar(StreamKey::new(shared.clone()), io)?;
            let k = k.finish();
            if let Some(hit) = shared.cache().stream(self.compression, &k) {
                let f = std::fs::File::open(&hit).map_err(io)?;
                let size = f.metadata().map_err(io)?.len();
                let body = crate::frames::entry_body_len(size, &hit).map_err(io)?;
                let len = crate::output::copy_in_bulk(&mut f.take(body), &mut spool).map_err(io)?;
                return Ok((spool, len, sums));
            }
            key = Some(k);
        }
        let enc = PayloadEncoder::new(
            &mut spool,
            crate::Format::Deb,
            self.compression,
            self.shared.clone(),
        )
        .map_err(io)?;
        let (enc, sums) = self.write_data_tar(enc, io)?;
        enc.finish().map_err(io)?;
        let len = spool.stream_position().map_err(io)?;
        if let (Some(shared), Some(key)) = (cached_stream, key) {
            // Best effort: a cache that cannot be written only costs time next run.
            spool.seek(SeekFrom::Start(0)).map_err(io)?;
            let _ = shared
                .cache()
                .store_stream(self.compression, &key, &mut spool);
            spool.seek(SeekFrom::Start(len)).map_err(io)?;
        }
        Ok((spool, len, sums))
    }

    /// The data.tar stream into `sink`: `./`, then every entry in dpkg-deb's order.
    fn write_data_tar<W: ContentSink>(
        &self,
        sink: W,
        io: impl Fn(std::io::Error) -> Error,
    ) -> Result<(W, Md5Sums)> {
        let mut sums = Vec::new();
        let mut tar = TarWriter::new(sink, TarFlavor::Gnu, self.pkg.source_date.secs());
        tar.append_dir("./", 0o755, &Owner::root()).map_err(&io)?;
        for (name, path, entry) in &self.entries {
            if let (Some(digests), Entry::File(file)) = (tar.append_staged(name, entry)?, entry) {
                let md5 = crate::frames::md5_hex(&digests, file, name)?;
                sums.push((md5, path.relative().to_string()));
            }
        }
        Ok((tar.finish().map_err(io)?, sums))
    }

    /// The compressed control.tar: `./`, then `conffiles`, `control`, `md5sums` and the maintainer
    /// scripts in name order (as dpkg-deb's sorted tree walk writes them).
    fn control_tar(&self, sums: &[(String, String)]) -> Result<Vec<u8>> {
        let member = format!("control.tar{}", self.compression.suffix());
        let io = |e| Error::io(&member, "writing", e);
        let mut files: Vec<(&str, String, u32)> = Vec::new();
        let conffiles: Vec<String> = self
            .pkg
            .conffiles()
            .iter()
            .map(InstallPath::absolute)
            .collect();
        if !conffiles.is_empty() {
            files.push((
                "conffiles",
                conffiles.iter().map(|c| format!("{c}\n")).collect(),
                0o644,
            ));
        }
        files.push(("control", self.control.to_string(), 0o644));
        if !sums.is_empty() {
            files.push((
                "md5sums",
                sums.iter().map(|(h, p)| format!("{h}  {p}\n")).collect(),
                0o644,
            ));
        }
        for (name, text) in &self.scripts {
            files.push((name, text.clone(), 0o755));
        }
        files.sort_by_key(|(name, _, _)| *name);
        let enc = Encoder::new(Vec::new(), self.compression).map_err(io)?;
        let mut tar = TarWriter::new(enc, TarFlavor::Gnu, self.pkg.source_date.secs());
        tar.append_dir("./", 0o755, &Owner::root()).map_err(io)?;
        for (name, text, mode) in files {
            let bytes = text.as_bytes();
            tar.append_file(
                &format!("./{name}"),
                bytes.len() as u64,
                mode,
                &Owner::root(),
                bytes,
            )
            .map_err(io)?;
        }
        tar.finish().map_err(io)?.finish().map_err(io)
    }
}

/// data.tar order as `dpkg-deb --build` writes it: a depth-first walk with each directory's
/// entries sorted by name (so `a/x` comes before `a-b`), and every symlink moved after all other
/// entries so that it never precedes its target. Directory names end in `/`.
fn data_order(pkg: &Package) -> Vec<(String, InstallPath, Entry)> {
    let mut all: Vec<(InstallPath, Entry)> = pkg.entries_with_parents().into_iter().collect();
    all.sort_by(|(a, _), (b, _)| a.relative().split('/').cmp(b.relative().split('/')));
    let (links, others): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(_, e)| matches!(e, Entry::Symlink(_)));
    others
        .into_iter()
        .chain(links)
        .map(|(p, e)| {
            let name = match e {
                Entry::Dir(_) => format!("./{}/", p.relative()),
                _ => format!("./{}", p.relative()),
            };
            (name, p, e)
        })
        .collect()
}

/// Rejects packages whose uncompressed data.tar would not fit the ar size field. Compression
/// usually shrinks it, but can also grow incompressible data a little, so the uncompressed size
/// is the bound that never lets a write fail at the very end.
fn check_size(pkg: &Package, entries: &[(String, InstallPath, Entry)]) -> Result<()> {
    let blocks = |n: u64| n.div_ceil(512) * 512;
    let long = |s: &str| {
        if s.len() > 100 {
            512 + blocks(s.len() as u64 + 1)
        } else {
            0
        }
    };
    let mut total: u64 = 512 + 1024; // `./` and the end-of-archive blocks
    for (name, path, entry) in entries {
        total += 512 + long(name);
        match entry {
            Entry::File(f) => {
                if f.size > ar::MAX_MEMBER_SIZE {
                    return Err(Error::TooLarge {
                        path: path.absolute(),
                        size: f.size,
                        format: "deb",
                        limit: ar::MAX_MEMBER_SIZE,
                    });
                }
                total = total.saturating_add(blocks(f.size));
            }
            Entry::Symlink(s) => total += long(&s.target),
            Entry::Dir(_) => {}
        }
    }
    if total > ar::MAX_MEMBER_SIZE {
        return Err(Error::TooLarge {
            path: format!(
                "data.tar of `{}` (all files together; split them into several packages)",
                pkg.metadata.name
            ),
            size: total,
            format: "deb",
            limit: ar::MAX_MEMBER_SIZE,
        });
    }
    Ok(())
}

/// `(md5 hex, path without leading slash)` of each regular file, in data.tar order.
type Md5Sums = Vec<(String, String)>;
