//! The RPM writer: lead, signature header, main header, compressed cpio payload.

use std::collections::BTreeMap;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::PathBuf;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::cpio::{CpioWriter, NewcHeader};
use super::header::{Header, TagValue};
use super::lead::Lead;
use super::scripts::{self, Scriptlet};
use super::tags::{self, fileflags, mode, sense};
use super::Options;
use crate::compress::Compression;
use crate::error::{Error, Result};
use crate::frames::{ContentSink, FileDigests, PayloadEncoder};
use crate::package::{Entry, Package, Relation, VersionOp};

/// The longest Summary rpmlint accepts (its `MaxLineLength`, default 79).
const MAX_SUMMARY: usize = 79;

/// Sizes at or above this need rpm's 64-bit tags (and, for files, the stripped cpio format).
const LARGE: u64 = u32::MAX as u64;

/// Payloads up to this size are assembled in memory; larger ones spill to a temporary file.
const SPOOL_IN_MEMORY: usize = 8 << 20;

/// Writes one RPM package from a staged [`Package`].
///
/// `new` validates everything that can be checked without reading the files; `write_to` streams
/// each file once (hashing it while it goes into the payload), then writes lead, signature,
/// header and payload.
pub struct Writer<'a> {
    pkg: &'a Package,
    opts: Options,
    scriptlets: Vec<Scriptlet>,
    evr: String,
}

impl<'a> Writer<'a> {
    /// Prepares a writer, validating names, versions, relations, scripts and sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidField`] for a name, version, release, summary, licence, relation or
    /// script rpm would reject (with the fix), [`Error::EmptyPackage`] when nothing would be
    /// installed, [`Error::UnsupportedCompression`] for a payload compression rpm cannot read.
    pub fn new(pkg: &'a Package, opts: &Options) -> Result<Self> {
        let m = &pkg.metadata;
        validate_name(&m.name)?;
        validate_version("version", &m.version)?;
        validate_version("release", &m.release)?;
        if m.summary.trim().is_empty() {
            return Err(Error::invalid_field(
                "rpm",
                "summary",
                &m.summary,
                "rpm requires a one-line summary",
                Some(
                    "set `description` in Cargo.toml or `summary` in the package configuration"
                        .into(),
                ),
            ));
        }
        if m.summary.contains('\n') {
            return Err(Error::invalid_field(
                "rpm",
                "summary",
                &m.summary,
                "the summary must be a single line",
                Some("move the rest into the description".into()),
            ));
        }
        if m.license.trim().is_empty() {
            return Err(Error::invalid_field(
                "rpm",
                "license",
                &m.license,
                "rpm requires a License tag",
                Some(
                    "set `license` (an SPDX expression such as `MIT OR Apache-2.0`) in Cargo.toml"
                        .into(),
                ),
            ));
        }
        for (field, value) in [("license", &m.license), ("maintainer", &m.maintainer)] {
            if value.contains('\n') {
                return Err(Error::invalid_field(
                    "rpm",
                    field,
                    value,
                    "must be a single line",
                    None,
                ));
            }
        }
        let r = &m.relations;
        for (field, list) in [
            ("depends", &r.depends),
            ("pre_depends", &r.pre_depends),
            ("recommends", &r.recommends),
            ("suggests", &r.suggests),
            ("conflicts", &r.conflicts),
            ("provides", &r.provides),
            ("replaces", &r.replaces),
        ] {
            for rel in list {
                validate_relation(field, rel)?;
            }
        }
        for b in &m.bundled {
            let rel = if b.version.is_empty() {
                Relation::any(format!("bundled({})", b.name))
            } else {
                Relation::with(format!("bundled({})", b.name), VersionOp::Eq, &b.version)
            };
            validate_relation("bundled", &rel)?;
        }
        if pkg.source_date.secs() > u32::MAX as u64 {
            return Err(Error::invalid_field(
                "rpm",
                "source date",
                pkg.source_date.secs().to_string(),
                "rpm stores times as 32-bit numbers",
                Some("set SOURCE_DATE_EPOCH to a date before 2106".into()),
            ));
        }
        pkg.check_not_empty()?;
        let scriptlets = scripts::scriptlets(pkg)?;
        let evr = match m.epoch {
            Some(e) => format!("{e}:{}-{}", m.version, m.release),
            None => format!("{}-{}", m.version, m.release),
        };
        Ok(Writer {
            pkg,
            opts: opts.clone(),
            scriptlets,
            evr,
        })
    }

    /// `name-version-release.arch.rpm`, as rpmbuild names packages.
    pub fn file_name(&self) -> String {
        let m = &self.pkg.metadata;
        format!(
            "{}-{}-{}.{}.rpm",
            m.name,
            m.version,
            m.release,
            m.arch.rpm()
        )
    }

    /// Writes the package.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when an asset cannot be read (or changed size since it was staged), or the
    /// output cannot be written.
    pub fn write_to(&self, w: &mut dyn Write) -> Result<()> {
        let out_err =
            |e: io::Error| Error::io(PathBuf::from(self.file_name()), "writing rpm package", e);

        // 1. The payload, into a spool, hashing both sides of the compressor.
        let payload = self.write_payload()?;

        // 2. The main header, which carries the file digests and the payload digests.
        let header = self.main_header(&payload).to_bytes();

        // 3. The signature header: sizes and digests of the header and the payload.
        let mut spool = payload.spool;
        let mut md5 = Md5::new();
        md5.update(&header);
        spool.seek(SeekFrom::Start(0)).map_err(out_err)?;
        crate::output::copy_in_bulk(&mut spool, &mut DigestWriter(&mut md5)).map_err(out_err)?;
        let mut sig = Header::new(tags::HEADERSIGNATURES);
        sig.put(
            tags::SIG_SHA1,
            TagValue::String(hex::encode(Sha1::digest(&header))),
        );
        sig.put(
            tags::SIG_SHA256,
            TagValue::String(hex::encode(Sha256::digest(&header))),
        );
        let total = header.len() as u64 + payload.compressed_size;
        if total >= LARGE {
            sig.put(tags::SIG_LONGSIZE, TagValue::Int64(vec![total]));
        } else {
            sig.put(tags::SIG_SIZE, TagValue::Int32(vec![total as u32]));
        }
        sig.put(tags::SIG_MD5, TagValue::Bin(md5.finalize().to_vec()));
        if payload.uncompressed_size >= LARGE {
            sig.put(
                tags::SIG_LONGARCHIVESIZE,
                TagValue::Int64(vec![payload.uncompressed_size]),
            );
        } else {
            sig.put(
                tags::SIG_PAYLOADSIZE,
                TagValue::Int32(vec![payload.uncompressed_size as u32]),
            );
        }
        if let Some(n) = self.opts.reserved_space.filter(|&n| n > 0) {
            sig.put(tags::SIG_RESERVEDSPACE, TagValue::Bin(vec![0; n as usize]));
        }
        let mut sig = sig.to_bytes();
        while !sig.len().is_multiple_of(8) {
            sig.push(0);
        }

        // 4. Everything, in order.
        let lead = Lead::binary(&self.nevr()).to_bytes();
        w.write_all(&lead).map_err(out_err)?;
        w.write_all(&sig).map_err(out_err)?;
        w.write_all(&header).map_err(out_err)?;
        spool.seek(SeekFrom::Start(0)).map_err(out_err)?;
        let copied = crate::output::copy_in_bulk(&mut spool, w).map_err(out_err)?;
        if copied != payload.compressed_size {
            return Err(out_err(io::Error::other("the payload spool changed size")));
        }
        Ok(())
    }

    fn nevr(&self) -> String {
        format!("{}-{}", self.pkg.metadata.name, self.evr)
    }

    /// The files of the header, in path order (the order rpm expects for its binary search).
    fn files(&self) -> Vec<FileRow<'a>> {
        let mut rows = Vec::new();
        for (i, (path, entry)) in self.pkg.entries().iter().enumerate() {
            let (type_bits, size, link) = match entry {
                Entry::File(f) => (mode::S_IFREG, f.size, ""),
                Entry::Dir(_) => (mode::S_IFDIR, 0, ""),
                Entry::Symlink(s) => (mode::S_IFLNK, s.target.len() as u64, s.target.as_str()),
            };
            let mut flags = 0;
            if let Entry::File(f) = entry {
                if f.conffile {
                    flags |= fileflags::CONFIG | fileflags::NOREPLACE;
                }
                // rpmbuild marks everything under its `%__docdir_path` as documentation.
                if f.doc || is_doc_path(&path.absolute()) {
                    flags |= fileflags::DOC;
                }
            }
            rows.push(FileRow {
                path: path.absolute(),
                entry,
                mode: type_bits | (entry.mode() & 0o7777),
                size,
                link,
                flags,
                inode: i as u32 + 1,
            });
        }
        rows
    }

    fn write_payload(&self) -> Result<Payload> {
        let spool = tempfile::spooled_tempfile(SPOOL_IN_MEMORY);
        let out_err = |e: io::Error| {
            Error::io(
                PathBuf::from(self.file_name()),
                "writing the rpm payload",
                e,
            )
        };
        let compressed = HashWriter::new(spool);
        let encoder = PayloadEncoder::new(
            compressed,
            crate::Format::Rpm,
            self.opts.compression,
            self.opts.shared.clone(),
        )
        .map_err(out_err)?;
        let uncompressed = HashWriter::new(encoder);
        let mut cpio = CpioWriter::new(uncompressed);
        let files = self.files();
        let large = files.iter().any(|f| f.size >= LARGE);
        let mtime = self.pkg.source_date.secs() as u32;
        let mut digests = Vec::with_capacity(files.len());
        for (fx, f) in files.iter().enumerate() {
            if large {
                cpio.stripped_header(fx as u32).map_err(out_err)?;
            } else {
                cpio.newc_header(&NewcHeader {
                    ino: f.inode,
                    mode: f.mode,
                    nlink: 1,
                    mtime,
                    size: f.size as u32,
                    name: format!(".{}", f.path),
                })
                .map_err(out_err)?;
            }
            match f.entry {
                Entry::File(file) => {
                    let digest = cpio.write_content_with(file.size, |w| {
                        let (d, _) = w.write_file(file, &f.path)?;
                        Ok((d, d.size))
                    })?;
                    digests.push(digest.sha256_hex());
                }
                Entry::Symlink(s) => {
                    cpio.write_content(s.target.as_bytes()).map_err(out_err)?;
                    digests.push(String::new());
                }
                Entry::Dir(_) => digests.push(String::new()),
            }
        }
        let uncompressed = cpio.finish().map_err(out_err)?;
        let spliced = uncompressed.spliced;
        let (encoder, uncompressed_sha, uncompressed_size) = uncompressed.into_parts();
        let compressed = encoder.finish().map_err(out_err)?;
        let (spool, compressed_sha, compressed_size) = compressed.into_parts();
        Ok(Payload {
            spool,
            file_digests: digests,
            compressed_sha256: hex::encode(compressed_sha),
            compressed_size,
            // With shared frames spliced in, not every byte passed through the hash.
            uncompressed_sha256: (!spliced).then(|| hex::encode(uncompressed_sha)),
            uncompressed_size,
        })
    }

    fn main_header(&self, payload: &Payload) -> Header {
        use TagValue::*;
        let pkg = self.pkg;
        let m = &pkg.metadata;
        let s = |v: &str| String(v.to_string());
        let i18n = |v: &str| I18nString(vec![v.to_string()]);
        let mut h = Header::new(tags::HEADERIMMUTABLE);
        h.put(tags::HEADERI18NTABLE, StringArray(vec!["C".into()]));
        h.put(tags::NAME, s(&m.name));
        h.put(tags::VERSION, s(&m.version));
        h.put(tags::RELEASE, s(&m.release));
        if let Some(e) = m.epoch {
            h.put(tags::EPOCH, Int32(vec![e]));
        }
        // rpmlint's summary-too-long: at most 79 characters; a longer Summary is shortened and
        // leads the description whole (see `shorten_summary`).
        let description = if m.description.trim().is_empty() {
            m.summary.trim()
        } else {
            m.description.trim_end()
        };
        let (summary, description) =
            crate::text::shorten_summary(m.summary.trim(), description, MAX_SUMMARY);
        h.put(tags::SUMMARY, i18n(&summary));
        h.put(tags::DESCRIPTION, i18n(description.trim_end()));
        let date = pkg.source_date.secs() as u32;
        h.put(tags::BUILDTIME, Int32(vec![date]));
        h.put(tags::BUILDHOST, s(&self.opts.build_host));

        let files = self.files();
        let large = files.iter().any(|f| f.size >= LARGE);
        let total: u64 = files.iter().map(|f| f.size).sum();
        if total >= LARGE {
            h.put(tags::LONGSIZE, Int64(vec![total]));
        } else {
            h.put(tags::SIZE, Int32(vec![total as u32]));
        }
        if let Some(v) = &m.vendor {
            h.put(tags::VENDOR, s(v));
        }
        h.put(tags::LICENSE, s(m.license.trim()));
        if !m.maintainer.trim().is_empty() {
            h.put(tags::PACKAGER, s(m.maintainer.trim()));
        }
        let group = super::group::group_of(
            self.opts
                .group
                .as_deref()
                .filter(|g| !g.trim().is_empty())
                .or(m.section.as_deref()),
        );
        h.put(tags::GROUP, i18n(group));
        if let Some(u) = &m.homepage {
            h.put(tags::URL, s(u));
        }
        h.put(tags::OS, s("linux"));
        h.put(tags::ARCH, s(m.arch.rpm()));

        for sc in &self.scriptlets {
            h.put(sc.tag, s(&sc.body));
            if sc.prog.len() == 1 {
                h.put(sc.prog_tag, s(&sc.prog[0]));
            } else {
                h.put(sc.prog_tag, StringArray(sc.prog.clone()));
            }
        }

        // Files.
        if large {
            h.put(
                tags::LONGFILESIZES,
                Int64(files.iter().map(|f| f.size).collect()),
            );
        } else {
            h.put(
                tags::FILESIZES,
                Int32(files.iter().map(|f| f.size as u32).collect()),
            );
        }
        h.put(
            tags::FILEMODES,
            Int16(files.iter().map(|f| f.mode as u16).collect()),
        );
        h.put(tags::FILERDEVS, Int16(vec![0; files.len()]));
        h.put(tags::FILEMTIMES, Int32(vec![date; files.len()]));
        h.put(tags::FILEDIGESTS, StringArray(payload.file_digests.clone()));
        h.put(
            tags::FILELINKTOS,
            StringArray(files.iter().map(|f| f.link.to_string()).collect()),
        );
        h.put(
            tags::FILEFLAGS,
            Int32(files.iter().map(|f| f.flags).collect()),
        );
        h.put(
            tags::FILEUSERNAME,
            StringArray(files.iter().map(|f| f.entry.owner().user.clone()).collect()),
        );
        h.put(
            tags::FILEGROUPNAME,
            StringArray(
                files
                    .iter()
                    .map(|f| f.entry.owner().group.clone())
                    .collect(),
            ),
        );
        h.put(
            tags::SOURCERPM,
            s(&format!("{}-{}-{}.src.rpm", m.name, m.version, m.release)),
        );
        h.put(tags::FILEVERIFYFLAGS, Int32(vec![u32::MAX; files.len()]));
        h.put(tags::FILEDEVICES, Int32(vec![1; files.len()]));
        h.put(
            tags::FILEINODES,
            Int32(files.iter().map(|f| f.inode).collect()),
        );
        h.put(
            tags::FILELANGS,
            StringArray(vec![std::string::String::new(); files.len()]),
        );
        let mut dirs: BTreeMap<std::string::String, u32> = BTreeMap::new();
        for f in &files {
            let (dir, _) = split_path(&f.path);
            dirs.entry(dir.to_string()).or_insert(0);
        }
        for (i, v) in dirs.values_mut().enumerate() {
            *v = i as u32;
        }
        h.put(
            tags::DIRINDEXES,
            Int32(files.iter().map(|f| dirs[split_path(&f.path).0]).collect()),
        );
        h.put(
            tags::BASENAMES,
            StringArray(
                files
                    .iter()
                    .map(|f| split_path(&f.path).1.to_string())
                    .collect(),
            ),
        );
        h.put(tags::DIRNAMES, StringArray(dirs.keys().cloned().collect()));

        // Dependencies.
        self.put_dependencies(&mut h, large);

        h.put(
            tags::RPMVERSION,
            s(concat!("syspack ", env!("CARGO_PKG_VERSION"))),
        );
        let date_text = "- packaged by syspack".to_string();
        let who = if m.maintainer.trim().is_empty() {
            "syspack".to_string()
        } else {
            m.maintainer.trim().to_string()
        };
        h.put(tags::CHANGELOGTIME, Int32(vec![date]));
        h.put(
            tags::CHANGELOGNAME,
            StringArray(vec![format!("{who} - {}", self.evr)]),
        );
        h.put(tags::CHANGELOGTEXT, StringArray(vec![date_text]));

        h.put(tags::PAYLOADFORMAT, s("cpio"));
        let c = self.opts.compression;
        // rpmbuild writes no compressor for an uncompressed (`ufdio`) payload, and an empty level.
        if let Some(name) = compressor_name(c) {
            h.put(tags::PAYLOADCOMPRESSOR, s(name));
            h.put(tags::PAYLOADFLAGS, s(&c.level().to_string()));
        } else {
            h.put(tags::PAYLOADFLAGS, s(""));
        }
        h.put(tags::FILEDIGESTALGO, Int32(vec![tags::DIGEST_SHA256]));
        h.put(tags::ENCODING, s("utf-8"));
        h.put(
            tags::PAYLOADDIGEST,
            StringArray(vec![payload.compressed_sha256.clone()]),
        );
        h.put(tags::PAYLOADDIGESTALGO, Int32(vec![tags::DIGEST_SHA256]));
        if let Some(sha) = &payload.uncompressed_sha256 {
            h.put(tags::PAYLOADDIGESTALT, StringArray(vec![sha.clone()]));
        }
        h
    }

    fn put_dependencies(&self, h: &mut Header, large: bool) {
        let m = &self.pkg.metadata;
        let r = &m.relations;
        let dep = |rel: &Relation, extra: u32| Dep {
            name: rel.name.clone(),
            flags: extra
                | rel
                    .constraint
                    .as_ref()
                    .map(|(op, _)| op_flags(*op))
                    .unwrap_or(0),
            version: rel
                .constraint
                .as_ref()
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        };

        // Provides: the package itself, its ISA-qualified name, the model's, bundled libraries.
        let mut provides = vec![Dep {
            name: m.name.clone(),
            flags: sense::EQUAL,
            version: self.evr.clone(),
        }];
        if let Some(isa) = isa_name(m.arch) {
            provides.push(Dep {
                name: format!("{}({isa})", m.name),
                flags: sense::EQUAL,
                version: self.evr.clone(),
            });
        }
        // rpmbuild marks a package with %config files: it provides and requires
        // `config(name) = [E:]V-R` (rpm's build/files.c), so that its config files are only
        // shared with the very same build.
        let config = self
            .pkg
            .entries()
            .values()
            .any(|e| matches!(e, Entry::File(f) if f.conffile))
            .then(|| Dep {
                name: format!("config({})", m.name),
                flags: sense::EQUAL,
                version: self.evr.clone(),
            });
        provides.extend(config.clone());
        provides.extend(r.provides.iter().map(|p| dep(p, 0)));
        // A copy found by the audit whose version the binary does not say: unversioned.
        provides.extend(m.bundled.iter().map(|b| Dep {
            name: format!("bundled({})", b.name),
            flags: if b.version.is_empty() {
                0
            } else {
                sense::EQUAL
            },
            version: b.version.clone(),
        }));
        put_deps(
            h,
            [tags::PROVIDENAME, tags::PROVIDEFLAGS, tags::PROVIDEVERSION],
            provides,
            false,
        );

        // Requires: the model's, Requires(pre), scriptlet interpreters, rpmlib features.
        let mut requires: Vec<Dep> = config.into_iter().collect();
        requires.extend(r.depends.iter().map(|d| dep(d, 0)));
        requires.extend(r.pre_depends.iter().map(|d| dep(d, sense::SCRIPT_PRE)));
        for sc in &self.scriptlets {
            requires.push(Dep {
                name: sc.prog[0].clone(),
                flags: sense::INTERP | sc.sense,
                version: String::new(),
            });
        }
        let rpmlib = |name: &str, version: &str| Dep {
            name: format!("rpmlib({name})"),
            flags: sense::RPMLIB | sense::LESS | sense::EQUAL,
            version: version.to_string(),
        };
        requires.push(rpmlib("CompressedFileNames", "3.0.4-1"));
        requires.push(rpmlib("FileDigests", "4.6.0-1"));
        requires.push(rpmlib("PayloadFilesHavePrefix", "4.0-1"));
        match self.opts.compression {
            Compression::Zstd { .. } => requires.push(rpmlib("PayloadIsZstd", "5.4.18-1")),
            Compression::Xz { .. } => requires.push(rpmlib("PayloadIsXz", "5.2-1")),
            Compression::Bzip2 { .. } => requires.push(rpmlib("PayloadIsBzip2", "3.0.5-1")),
            Compression::Gzip { .. } | Compression::None => {}
        }
        if large {
            requires.push(rpmlib("LargeFiles", "4.12.0-1"));
        }
        put_deps(
            h,
            [tags::REQUIRENAME, tags::REQUIREFLAGS, tags::REQUIREVERSION],
            requires,
            true,
        );

        let list = |v: &[Relation]| v.iter().map(|d| dep(d, 0)).collect::<Vec<_>>();
        put_deps(
            h,
            [
                tags::CONFLICTNAME,
                tags::CONFLICTFLAGS,
                tags::CONFLICTVERSION,
            ],
            list(&r.conflicts),
            true,
        );
        put_deps(
            h,
            [
                tags::OBSOLETENAME,
                tags::OBSOLETEFLAGS,
                tags::OBSOLETEVERSION,
            ],
            list(&r.replaces),
            true,
        );
        put_deps(
            h,
            [
                tags::RECOMMENDNAME,
                tags::RECOMMENDFLAGS,
                tags::RECOMMENDVERSION,
            ],
            list(&r.recommends),
            true,
        );
        put_deps(
            h,
            [tags::SUGGESTNAME, tags::SUGGESTFLAGS, tags::SUGGESTVERSION],
            list(&r.suggests),
            true,
        );
    }
}

/// One row of the header's file list.
struct FileRow<'a> {
    path: String,
    entry: &'a Entry,
    mode: u32,
    size: u64,
    link: &'a str,
    flags: u32,
    inode: u32,
}

/// The compressed payload and what the headers say about it.
struct Payload {
    spool: tempfile::SpooledTempFile,
    file_digests: Vec<String>,
    compressed_sha256: String,
    compressed_size: u64,
    /// None when shared frames were spliced in (PAYLOADDIGESTALT is then left out: it is
    /// optional, and rpm checks it only when present).
    uncompressed_sha256: Option<String>,
    uncompressed_size: u64,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Dep {
    name: String,
    flags: u32,
    version: String,
}

/// Writes one dependency triplet, sorted by name (as rpmbuild does) when `sort`, duplicates
/// removed.
fn put_deps(
    h: &mut Header,
    [name_tag, flags_tag, version_tag]: [u32; 3],
    mut deps: Vec<Dep>,
    sort: bool,
) {
    if sort {
        deps.sort();
    }
    let mut seen = std::collections::BTreeSet::new();
    deps.retain(|d| seen.insert(d.clone()));
    h.put(
        name_tag,
        TagValue::StringArray(deps.iter().map(|d| d.name.clone()).collect()),
    );
    h.put(
        flags_tag,
        TagValue::Int32(deps.iter().map(|d| d.flags).collect()),
    );
    h.put(
        version_tag,
        TagValue::StringArray(deps.iter().map(|d| d.version.clone()).collect()),
    );
}

fn op_flags(op: VersionOp) -> u32 {
    match op {
        VersionOp::Lt => sense::LESS,
        VersionOp::Le => sense::LESS | sense::EQUAL,
        VersionOp::Eq => sense::EQUAL,
        VersionOp::Ge => sense::GREATER | sense::EQUAL,
        VersionOp::Gt => sense::GREATER,
    }
}

/// Paths under rpm's default `%__docdir_path` (rpm's `macros`: `%{_datadir}/doc`, `…/man`,
/// `…/info`, `…/gtk-doc/html`, `…/gnome/help`, `/usr/doc`, `/usr/man`, `/usr/info`,
/// `/usr/X11R6/man`), whose files rpmbuild flags `%doc` (rpmlint: not-listed-as-documentation
/// otherwise).
fn is_doc_path(path: &str) -> bool {
    [
        "/usr/share/doc/",
        "/usr/share/man/",
        "/usr/share/info/",
        "/usr/share/gtk-doc/html/",
        "/usr/share/gnome/help/",
        "/usr/doc/",
        "/usr/man/",
        "/usr/info/",
        "/usr/X11R6/man/",
    ]
    .iter()
    .any(|d| path.starts_with(d))
}

/// The `%{_isa}` spelling rpm uses in `name(x86-64)` provides; none for noarch.
pub(super) fn isa_name(arch: crate::package::Arch) -> Option<&'static str> {
    use crate::package::Arch;
    Some(match arch {
        Arch::X86_64 => "x86-64",
        Arch::Aarch64 => "aarch-64",
        Arch::I686 => "x86-32",
        Arch::Armv7 => "arm-32",
        Arch::Riscv64 => "riscv-64",
        Arch::Ppc64le => "ppc-64",
        Arch::S390x => "s390-64",
        Arch::All => return None,
    })
}

/// The PAYLOADCOMPRESSOR value (none for an uncompressed payload).
pub(super) fn compressor_name(c: Compression) -> Option<&'static str> {
    match c {
        Compression::None => None,
        Compression::Gzip { .. } => Some("gzip"),
        Compression::Xz { .. } => Some("xz"),
        Compression::Zstd { .. } => Some("zstd"),
        Compression::Bzip2 { .. } => Some("bzip2"),
    }
}

/// `/usr/bin/x` → (`/usr/bin/`, `x`).
fn split_path(path: &str) -> (&str, &str) {
    let i = path.rfind('/').map(|i| i + 1).unwrap_or(0);
    (&path[..i], &path[i..])
}

/// A writer that hashes (SHA-256) and counts what passes through.
struct HashWriter<W: Write> {
    inner: W,
    sha: Sha256,
    len: u64,
    /// Whether bytes were counted that did not pass through the hash (a spliced frame).
    spliced: bool,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            sha: Sha256::new(),
            len: 0,
            spliced: false,
        }
    }

    fn into_parts(self) -> (W, [u8; 32], u64) {
        (self.inner, self.sha.finalize().into(), self.len)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: ContentSink> ContentSink for HashWriter<W> {
    fn known_digests(&self, file: &crate::package::FileEntry) -> Option<FileDigests> {
        self.inner.known_digests(file)
    }

    fn splice_file(&mut self, file: &crate::package::FileEntry, name: &str) -> Result<bool> {
        let spliced = self.inner.splice_file(file, name)?;
        if spliced {
            self.len += file.size;
            self.spliced = true;
        }
        Ok(spliced)
    }
}

/// Feeds a digest from `io::copy`.
struct DigestWriter<'a, D: Digest>(&'a mut D);

impl<D: Digest> Write for DigestWriter<'_, D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// RPM names: letters, digits and `-._+`, not starting with `-` or `.`.
fn validate_name(name: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(Error::invalid_field(
            "rpm",
            "name",
            name,
            reason,
            Some("use letters, digits and `-._+`, e.g. `my-tool`".into()),
        ))
    };
    if name.is_empty() {
        return bad("the name is empty");
    }
    if name.starts_with(['-', '.']) {
        return bad("the name must start with a letter or digit");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._+".contains(*c)))
    {
        return bad(&format!(
            "the character {c:?} is not allowed in rpm package names"
        ));
    }
    Ok(())
}

/// RPM versions and releases: letters, digits and `._+~^`; no `-`, which separates them.
fn validate_version(field: &'static str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::invalid_field("rpm", field, v, "it is empty", None));
    }
    if v.contains('-') {
        let hint = if field == "version" {
            "rpm uses `-` to separate version and release: move the part after `-` into the release \
             (version `1.0`, release `2`), or write a pre-release with `~` (`1.0~rc1`)"
        } else {
            "replace `-` with `.` or `_`"
        };
        return Err(Error::invalid_field(
            "rpm",
            field,
            v,
            "`-` is not allowed in an rpm version or release",
            Some(hint.into()),
        ));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+~^".contains(*c)))
    {
        return Err(Error::invalid_field(
            "rpm",
            field,
            v,
            format!("the character {c:?} is not allowed"),
            Some("use letters, digits and `._+~^`".into()),
        ));
    }
    if !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid_field(
            "rpm",
            field,
            v,
            "it must start with a letter or digit",
            None,
        ));
    }
    Ok(())
}

fn validate_relation(field: &'static str, rel: &Relation) -> Result<()> {
    let shown = match &rel.constraint {
        Some((_, v)) => format!("{} {v}", rel.name),
        None => rel.name.clone(),
    };
    if rel.name.is_empty()
        || rel
            .name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',')
    {
        return Err(Error::invalid_field(
            "rpm",
            field,
            shown,
            "a capability name must be non-empty, without spaces or commas",
            None,
        ));
    }
    if let Some((_, v)) = &rel.constraint {
        if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_field(
                "rpm",
                field,
                shown,
                "the version is empty or has spaces",
                None,
            ));
        }
    }
    Ok(())
}
