//! The RPM reader: parses lead and headers, verifies every digest the package carries, reads the
//! payload and lists the files.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::cpio::{CpioEntry, CpioReader};
use super::header::Header;
use super::lead::{Lead, LEAD_SIZE};
use super::tags::{self, fileflags, mode, sense};
use crate::compress::{self, Compression};
use crate::error::{Error, Result};
use crate::limits;
use crate::reader::{clean_path, PathGuard};
pub use crate::reader::{EntryKind, ReadEntry, RpmFileFlags};
use crate::text::quote;

/// One dependency: a name, `RPMSENSE_*` flags and an optional version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// Capability name.
    pub name: String,
    /// Flags (comparison bits, `Requires(pre)` bits, rpmlib…).
    pub flags: u32,
    /// Version (empty when unversioned).
    pub version: String,
}

impl Dependency {
    /// True for `rpmlib(...)` feature requirements.
    pub fn is_rpmlib(&self) -> bool {
        self.flags & sense::RPMLIB != 0
    }

    /// The comparison operator, if any.
    pub fn operator(&self) -> Option<&'static str> {
        Some(match self.flags & sense::COMPARE {
            f if f == sense::LESS => "<",
            f if f == sense::LESS | sense::EQUAL => "<=",
            f if f == sense::EQUAL => "=",
            f if f == sense::GREATER | sense::EQUAL => ">=",
            f if f == sense::GREATER => ">",
            _ => return None,
        })
    }
}

impl fmt::Display for Dependency {
    /// `name`, or `name >= version`, as `rpm -qR` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match self.operator() {
            Some(op) if !self.version.is_empty() => write!(f, " {op} {}", self.version),
            _ => Ok(()),
        }
    }
}

/// A scriptlet stored in the package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadScriptlet {
    /// `%pre`, `%post`, `%preun` or `%postun`.
    pub name: &'static str,
    /// Interpreter and arguments.
    pub prog: Vec<String>,
    /// The script.
    pub body: String,
}

/// The main header's descriptive tags, decoded. The raw tags are in [`Reader::header`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpmMetadata {
    /// NAME.
    pub name: String,
    /// VERSION.
    pub version: String,
    /// RELEASE.
    pub release: String,
    /// EPOCH.
    pub epoch: Option<u32>,
    /// ARCH.
    pub arch: String,
    /// OS.
    pub os: String,
    /// SUMMARY.
    pub summary: String,
    /// DESCRIPTION.
    pub description: String,
    /// LICENSE.
    pub license: String,
    /// GROUP.
    pub group: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// VENDOR.
    pub vendor: Option<String>,
    /// PACKAGER.
    pub packager: Option<String>,
    /// BUILDTIME.
    pub build_time: u64,
    /// BUILDHOST.
    pub build_host: Option<String>,
    /// SOURCERPM (absent in source packages).
    pub source_rpm: Option<String>,
    /// SIZE or LONGSIZE: installed size in bytes.
    pub installed_size: u64,
    /// PAYLOADCOMPRESSOR as read from the payload (`none` when uncompressed).
    pub payload_compressor: String,
    /// FILEDIGESTALGO (1 MD5, 8 SHA-256).
    pub file_digest_algo: u32,
    /// PROVIDE*.
    pub provides: Vec<Dependency>,
    /// REQUIRE*.
    pub requires: Vec<Dependency>,
    /// CONFLICT*.
    pub conflicts: Vec<Dependency>,
    /// OBSOLETE*.
    pub obsoletes: Vec<Dependency>,
    /// RECOMMEND*.
    pub recommends: Vec<Dependency>,
    /// SUGGEST*.
    pub suggests: Vec<Dependency>,
    /// Scriptlets, in `%pre`, `%post`, `%preun`, `%postun` order.
    pub scripts: Vec<ReadScriptlet>,
}

/// A parsed and verified RPM package.
#[derive(Clone, Debug)]
pub struct Reader {
    path: PathBuf,
    lead: Lead,
    signature: Header,
    header: Header,
    metadata: RpmMetadata,
    entries: Vec<ReadEntry>,
    package_size: u64,
    /// Where the payload starts: after the lead, the signature header and its padding, and the
    /// header.
    payload_offset: u64,
}

impl Reader {
    /// Reads `path`, checks its structure and verifies the header digests (SHA-256, SHA-1), the
    /// MD5 and sizes of header and payload, the payload digests (compressed and uncompressed)
    /// and every file's digest.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, [`Error::Malformed`] for a structural problem
    /// (naming it), [`Error::ChecksumMismatch`] when a digest does not match,
    /// [`Error::UnsupportedPackage`] for a source rpm and a payload compressor syspack cannot
    /// read (lzma).
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, "opening rpm package", e))?;
        let mut raw = BufReader::with_capacity(1 << 16, file);
        let malformed = |reason: String| Error::malformed(path, "rpm", reason);
        let read_err = |e: io::Error| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                Error::malformed(path, "rpm", "the file is truncated")
            } else {
                Error::io(path, "reading rpm package", e)
            }
        };

        let mut head = Vec::with_capacity(LEAD_SIZE);
        (&mut raw)
            .take(LEAD_SIZE as u64)
            .read_to_end(&mut head)
            .map_err(read_err)?;
        if head.len() < 4 || head[..4] != super::lead::MAGIC {
            return Err(malformed(
                "bad lead magic (expected ed ab ee db): this is not an rpm file".into(),
            ));
        }
        let lead: [u8; LEAD_SIZE] = head
            .try_into()
            .map_err(|_| malformed("the file is truncated inside the lead".into()))?;
        let lead = Lead::parse(&lead).map_err(malformed)?;

        let read_header = |raw: &mut BufReader<File>, what: &str| -> Result<Vec<u8>> {
            let mut intro = [0u8; 16];
            raw.read_exact(&mut intro).map_err(read_err)?;
            let (il, dl, total) =
                Header::parse_intro(&intro).map_err(|e| malformed(format!("{what}: {e}")))?;
            let (max_tags, max_data) = if what == "signature header" {
                (limits::MAX_RPM_SIGNATURE_TAGS, limits::MAX_RPM_SIGNATURE)
            } else {
                (u32::MAX, limits::MAX_RPM_HEADER)
            };
            if il > max_tags || dl > max_data {
                return Err(malformed(format!(
                    "{what}: {il} tags and {dl} bytes of data; syspack reads at most {} tags and {max_data} bytes here",
                    if max_tags == u32::MAX { 65535 } else { max_tags }
                )));
            }
            let mut blob = intro.to_vec();
            blob.resize(total, 0);
            raw.read_exact(&mut blob[16..]).map_err(read_err)?;
            Ok(blob)
        };
        let sig_blob = read_header(&mut raw, "signature header")?;
        let signature = Header::parse(&sig_blob, tags::HEADERSIGNATURES)
            .map_err(|e| malformed(format!("signature header: {e}")))?;
        let pad = (8 - sig_blob.len() % 8) % 8;
        raw.read_exact(&mut [0u8; 8][..pad]).map_err(read_err)?;
        let header_blob = read_header(&mut raw, "header")?;
        let header = Header::parse(&header_blob, tags::HEADERIMMUTABLE)
            .map_err(|e| malformed(format!("header: {e}")))?;

        // Header digests.
        let mismatch = |entry: &str, expected: &str, actual: String| Error::ChecksumMismatch {
            path: path.to_path_buf(),
            entry: entry.to_string(),
            expected: expected.to_string(),
            actual,
        };
        let sha256 = signature.string(tags::SIG_SHA256);
        let sha1 = signature.string(tags::SIG_SHA1);
        if sha256.is_none() && sha1.is_none() {
            return Err(malformed(
                "the signature header has no header digest (SHA256 or SHA1)".into(),
            ));
        }
        if let Some(expected) = sha256 {
            let actual = hex::encode(Sha256::digest(&header_blob));
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(mismatch("header (SHA-256)", expected, actual));
            }
        }
        if let Some(expected) = sha1 {
            let actual = hex::encode(Sha1::digest(&header_blob));
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(mismatch("header (SHA-1)", expected, actual));
            }
        }

        if is_source_package(&header) {
            return Err(Error::UnsupportedPackage {
                path: path.to_path_buf(),
                what: "a source rpm (SRPM)",
                hint: "inspect the binary rpms built from it (`rpmbuild --rebuild`), or list it with `rpm -qlp`",
            });
        }
        let metadata = metadata(&header, path)?;
        let mut entries = file_list(&header).map_err(malformed)?;

        // Payload: the compressor named in the header, cross-checked with the stream's magic.
        let head = raw.fill_buf().map_err(read_err)?;
        let sniffed = compress::sniff(&head[..head.len().min(8)]);
        let compression = match header.string(tags::PAYLOADCOMPRESSOR) {
            None => sniffed, // rpmbuild omits it for `ufdio`; rpm itself then tries gzip
            Some("lzma") => {
                return Err(Error::UnsupportedPackage {
                    path: path.to_path_buf(),
                    what: "an rpm whose payload is lzma-compressed (rpm still reads it)",
                    hint: "rebuild it with `%_binary_payload w9.xzdio` (syspack reads none, \
                           gzip, bzip2, xz and zstd payloads)",
                })
            }
            Some(name) => {
                let c = Compression::default_for(name)
                    .map_err(|_| malformed(format!("unknown payload compressor `{name}`")))?;
                if c.name() != sniffed.name() {
                    return Err(malformed(format!(
                        "the header says the payload is {name}-compressed, the payload starts like {}",
                        sniffed.name()
                    )));
                }
                c
            }
        };
        let mut hashing = HashingReader {
            inner: raw,
            md5: Md5::new_with_prefix(&header_blob),
            sha256: Sha256::new(),
            len: 0,
        };
        let payload_err = |e: io::Error| match e.kind() {
            io::ErrorKind::UnexpectedEof => malformed("the payload is truncated".into()),
            io::ErrorKind::InvalidData => malformed(format!("payload: {e}")),
            _ => Error::io(path, "reading the rpm payload", e),
        };
        let (uncompressed_sha256, uncompressed_len) = {
            let decoder = compress::decoder(&mut hashing, compression).map_err(payload_err)?;
            let mut plain = HashingReader {
                inner: decoder,
                md5: Md5::new(),
                sha256: Sha256::new(),
                len: 0,
            };
            read_payload(&header, &mut entries, &metadata, &mut plain, path).map_err(
                |e| match e {
                    PayloadError::Io(e) => payload_err(e),
                    PayloadError::Other(e) => e,
                },
            )?;
            io::copy(&mut plain, &mut io::sink()).map_err(payload_err)?;
            (hex::encode(plain.sha256.finalize()), plain.len)
        };
        io::copy(&mut hashing, &mut io::sink()).map_err(payload_err)?;
        let payload_len = hashing.len;
        let payload_sha256 = hex::encode(hashing.sha256.finalize());
        let md5 = hex::encode(hashing.md5.finalize());

        // Payload digests and sizes.
        let algo = header
            .number(tags::PAYLOADDIGESTALGO)
            .unwrap_or(tags::DIGEST_SHA256 as u64);
        if algo == tags::DIGEST_SHA256 as u64 {
            if let Some(expected) = header.string(tags::PAYLOADDIGEST) {
                if !payload_sha256.eq_ignore_ascii_case(expected) {
                    return Err(mismatch("payload (SHA-256)", expected, payload_sha256));
                }
            }
            if let Some(expected) = header.string(tags::PAYLOADDIGESTALT) {
                if !uncompressed_sha256.eq_ignore_ascii_case(expected) {
                    return Err(mismatch(
                        "uncompressed payload (SHA-256)",
                        expected,
                        uncompressed_sha256,
                    ));
                }
            }
        } else if header.get(tags::PAYLOADDIGEST).is_some() {
            return Err(malformed(format!(
                "unsupported payload digest algorithm {algo} (syspack reads 8, SHA-256)"
            )));
        }
        if let Some(expected) = signature.bin(tags::SIG_MD5) {
            let expected = hex::encode(expected);
            if expected != md5 {
                return Err(mismatch("header and payload (MD5)", &expected, md5));
            }
        }
        let total = header_blob.len() as u64 + payload_len;
        if let Some(size) = signature
            .number(tags::SIG_LONGSIZE)
            .or(signature.number(tags::SIG_SIZE))
        {
            if size != total {
                return Err(malformed(format!(
                    "the signature header says header and payload are {size} bytes, they are {total}"
                )));
            }
        }
        if let Some(size) = signature
            .number(tags::SIG_LONGARCHIVESIZE)
            .or(signature.number(tags::SIG_PAYLOADSIZE))
        {
            if size != uncompressed_len {
                return Err(malformed(format!(
                    "the signature header says the uncompressed payload is {size} bytes, it is {uncompressed_len}"
                )));
            }
        }
        let package_size = LEAD_SIZE as u64 + (sig_blob.len() + pad) as u64 + total;
        Ok(Reader {
            path: path.to_path_buf(),
            lead,
            signature,
            header,
            metadata,
            entries,
            package_size,
            payload_offset: package_size - payload_len,
        })
    }

    /// The decoded descriptive tags.
    pub fn metadata(&self) -> &RpmMetadata {
        &self.metadata
    }

    /// The files, in header order.
    pub fn entries(&self) -> &[ReadEntry] {
        &self.entries
    }

    /// The main header's raw tags.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The signature header's raw tags.
    pub fn signature(&self) -> &Header {
        &self.signature
    }

    /// The lead.
    pub fn lead(&self) -> &Lead {
        &self.lead
    }

    /// The package file that was read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The payload as stored (the compressed cpio archive), read from the file again at the
    /// place [`Reader::open`] found it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be opened or positioned.
    pub fn payload(&self) -> Result<BufReader<File>> {
        let io = |e| Error::io(&self.path, "reading rpm package", e);
        let mut file = File::open(&self.path).map_err(io)?;
        io::Seek::seek(&mut file, io::SeekFrom::Start(self.payload_offset)).map_err(io)?;
        Ok(BufReader::new(file))
    }

    /// Calls `f` with the index, install path and content of each regular file of the payload,
    /// in payload order (a stripped entry's path and size come from the header); returns the
    /// payload's compression.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a read error, a payload entry naming a file the header lacks, or an
    /// error `f` returns.
    pub fn each_file(&self, f: &mut crate::reader::FileVisitor<'_>) -> Result<Compression> {
        let io = |e| Error::io(&self.path, "reading the payload of", e);
        let (c, dec) = crate::reader::sniffed(self.payload()?).map_err(io)?;
        let mut cpio = CpioReader::new(dec);
        let mut i = 0;
        loop {
            i += 1;
            let (path, size) = match cpio.next_entry().map_err(io)? {
                CpioEntry::Trailer => break,
                CpioEntry::Newc(h) => {
                    let regular = h.mode & mode::S_IFMT == mode::S_IFREG;
                    (regular.then(|| h.name.clone()), u64::from(h.size))
                }
                CpioEntry::Stripped(fx) => {
                    let e = self.entries.get(fx as usize).ok_or_else(|| {
                        io(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("payload entry names file #{fx}, which the header lacks"),
                        ))
                    })?;
                    let regular = e.kind == EntryKind::File;
                    (regular.then(|| e.path.clone()), e.size)
                }
            };
            let Some(p) = path else {
                cpio.read_content(size, &mut io::sink()).map_err(io)?;
                continue;
            };
            let p = format!("/{}", p.trim_start_matches("./").trim_start_matches('/'));
            let mut content = CpioContent {
                cpio: &mut cpio,
                left: size,
            };
            f(i, &p, &mut content).map_err(io)?;
            io::copy(&mut content, &mut io::sink()).map_err(io)?;
        }
        Ok(c)
    }
}

/// The next `left` bytes of a cpio entry's content.
struct CpioContent<'a, R: Read> {
    cpio: &'a mut CpioReader<R>,
    left: u64,
}

impl<R: Read> Read for CpioContent<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        self.cpio.read_content(n as u64, &mut &mut buf[..n])?;
        self.left -= n as u64;
        Ok(n)
    }
}

enum PayloadError {
    Io(io::Error),
    Other(Error),
}

impl From<io::Error> for PayloadError {
    fn from(e: io::Error) -> Self {
        PayloadError::Io(e)
    }
}

/// Reads the cpio payload, matching each entry to the header's file list and checking sizes,
/// modes, symlink targets and digests.
fn read_payload(
    header: &Header,
    entries: &mut [ReadEntry],
    meta: &RpmMetadata,
    plain: &mut dyn Read,
    path: &Path,
) -> std::result::Result<(), PayloadError> {
    let malformed = |reason: String| PayloadError::Other(Error::malformed(path, "rpm", reason));
    let by_path: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.clone(), i))
        .collect();
    let inodes = header.numbers(tags::FILEINODES);
    let devices = header.numbers(tags::FILEDEVICES);
    let mut links: HashMap<(u64, u64), usize> = HashMap::new();
    for i in 0..entries.len() {
        if let (Some(&ino), Some(&dev)) = (inodes.get(i), devices.get(i)) {
            *links.entry((dev, ino)).or_default() += 1;
        }
    }
    let hardlinked = |i: usize| match (inodes.get(i), devices.get(i)) {
        (Some(&ino), Some(&dev)) => links.get(&(dev, ino)).copied().unwrap_or(0) > 1,
        _ => false,
    };
    let mut seen = vec![false; entries.len()];
    let mut cpio = CpioReader::new(plain);
    loop {
        let (index, size) = match cpio.next_entry()? {
            CpioEntry::Trailer => break,
            CpioEntry::Stripped(fx) => {
                let i = fx as usize;
                if i >= entries.len() {
                    return Err(malformed(format!(
                        "a stripped payload entry names file #{fx}, the header lists {}",
                        entries.len()
                    )));
                }
                (i, payload_size(&entries[i]))
            }
            CpioEntry::Newc(h) => {
                let name = h.name.strip_prefix('.').unwrap_or(&h.name);
                let name = if name.starts_with('/') {
                    name.to_string()
                } else {
                    format!("/{name}")
                };
                let Some(&i) = by_path.get(&name) else {
                    return Err(malformed(format!(
                        "the payload has `{}`, which the header does not list",
                        h.name
                    )));
                };
                let e = &entries[i];
                if e.is_rpm_ghost() {
                    // rpm before 4.11 sometimes put a %ghost file's content in the payload;
                    // rpm skips it (`iterReadArchiveNext` in lib/rpmfi.c), and so does this.
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(malformed(format!(
                            "`{}` appears twice in the payload",
                            e.path
                        )));
                    }
                    cpio.read_content(h.size as u64, &mut io::sink())?;
                    continue;
                }
                let header_mode = file_mode(e);
                if h.mode != header_mode {
                    return Err(malformed(format!(
                        "`{}`: the payload says mode {:o}, the header {:o}",
                        e.path, h.mode, header_mode
                    )));
                }
                let size = h.size as u64;
                let expected = payload_size(e);
                if size != expected && !(size == 0 && hardlinked(i)) {
                    return Err(malformed(format!(
                        "`{}`: the payload holds {size} bytes, the header's size means {expected}",
                        e.path
                    )));
                }
                (i, size)
            }
        };
        if seen[index] {
            return Err(malformed(format!(
                "`{}` appears twice in the payload",
                entries[index].path
            )));
        }
        seen[index] = true;
        let e = &mut entries[index];
        if e.is_rpm_ghost() {
            // Only a stripped payload gets here: it names a %ghost file by number.
            return Err(malformed(format!(
                "`{}` is a %ghost file but has a stripped payload entry",
                e.path
            )));
        }
        match e.kind {
            EntryKind::File if size > 0 || !hardlinked(index) => {
                let content = |w: &mut dyn Write| cpio.read_content(size, w);
                let actual = match meta.file_digest_algo {
                    tags::DIGEST_SHA256 => hex_digest::<Sha256>(content)?,
                    tags::DIGEST_MD5 => hex_digest::<Md5>(content)?,
                    tags::DIGEST_SHA1 => hex_digest::<Sha1>(content)?,
                    tags::DIGEST_SHA384 => hex_digest::<sha2::Sha384>(content)?,
                    tags::DIGEST_SHA512 => hex_digest::<sha2::Sha512>(content)?,
                    tags::DIGEST_SHA224 => hex_digest::<sha2::Sha224>(content)?,
                    other => {
                        return Err(malformed(format!(
                            "unknown file digest algorithm {other} (rpm's are 1 MD5, 2 SHA-1, \
                             8 SHA-256, 9 SHA-384, 10 SHA-512 and 11 SHA-224)"
                        )))
                    }
                };
                match &e.digest {
                    Some(expected) if !expected.eq_ignore_ascii_case(&actual) => {
                        return Err(PayloadError::Other(Error::ChecksumMismatch {
                            path: path.to_path_buf(),
                            entry: e.path.clone(),
                            expected: expected.clone(),
                            actual,
                        }))
                    }
                    Some(_) => {}
                    None => {
                        return Err(malformed(format!(
                            "`{}` has no file digest in the header",
                            e.path
                        )))
                    }
                }
            }
            EntryKind::Symlink => {
                let mut target = Vec::new();
                cpio.read_content(size, &mut target)?;
                if e.link_target.as_deref().map(str::as_bytes) != Some(&target[..]) {
                    return Err(malformed(format!(
                        "symlink `{}`: the payload says `{}`, the header `{}`",
                        e.path,
                        String::from_utf8_lossy(&target),
                        e.link_target.as_deref().unwrap_or("")
                    )));
                }
            }
            _ => cpio.read_content(size, &mut io::sink())?,
        }
    }
    if let Some(missing) = entries
        .iter()
        .zip(&seen)
        .find(|(e, seen)| !**seen && !e.is_rpm_ghost())
    {
        return Err(malformed(format!(
            "`{}` is listed in the header but missing from the payload",
            missing.0.path
        )));
    }
    Ok(())
}

/// rpm's test for a source package (`headerIsSource` after `applyRetrofits`, lib/package.c): the
/// SOURCEPACKAGE tag, or, in a package too old to have it, no SOURCERPM and a file list whose
/// only directory is "" (sources are stored by bare name).
fn is_source_package(h: &Header) -> bool {
    h.get(tags::SOURCEPACKAGE).is_some()
        || (h.get(tags::SOURCERPM).is_none() && h.strings(tags::DIRNAMES) == [""])
}

/// How many payload bytes rpm expects for a file (`iterReadArchiveNext`, lib/rpmfi.c): a regular
/// file's size (a hard link whose content another name carries holds none, checked by the
/// caller), a symlink's target, and nothing for anything else, whatever FILESIZES says: older
/// rpmbuilds (rpm's own test packages) and nfpm record a directory's `st_size`, 4096, which rpm
/// never reads from the payload.
fn payload_size(e: &ReadEntry) -> u64 {
    match e.kind {
        EntryKind::File | EntryKind::Symlink => e.size,
        EntryKind::Dir | EntryKind::Hardlink | EntryKind::Other => 0,
    }
}

fn file_mode(e: &ReadEntry) -> u32 {
    let kind = match e.kind {
        EntryKind::File => mode::S_IFREG,
        EntryKind::Dir => mode::S_IFDIR,
        EntryKind::Symlink => mode::S_IFLNK,
        EntryKind::Hardlink | EntryKind::Other => 0,
    };
    kind | e.mode
}

fn metadata(h: &Header, path: &Path) -> Result<RpmMetadata> {
    let required = |tag: u32, what: &str| {
        h.string(tag)
            .map(str::to_string)
            .ok_or_else(|| Error::malformed(path, "rpm", format!("the header has no {what} tag")))
    };
    let opt = |tag: u32| h.string(tag).map(str::to_string);
    let deps = |[n, f, v]: [u32; 3]| -> Result<Vec<Dependency>> {
        let names = h.strings(n);
        let flags = h.numbers(f);
        let versions = h.strings(v);
        if flags.len() != names.len() || (versions.len() != names.len() && !versions.is_empty()) {
            return Err(Error::malformed(
                path,
                "rpm",
                format!(
                    "dependency tag {n}: {} names, {} flags, {} versions",
                    names.len(),
                    flags.len(),
                    versions.len()
                ),
            ));
        }
        Ok(names
            .iter()
            .enumerate()
            .map(|(i, name)| Dependency {
                name: name.to_string(),
                flags: flags[i] as u32,
                version: versions.get(i).map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect())
    };
    let mut scripts = Vec::new();
    for (name, tag, prog_tag) in [
        ("%pre", tags::PREIN, tags::PREINPROG),
        ("%post", tags::POSTIN, tags::POSTINPROG),
        ("%preun", tags::PREUN, tags::PREUNPROG),
        ("%postun", tags::POSTUN, tags::POSTUNPROG),
    ] {
        let prog: Vec<String> = h.strings(prog_tag).iter().map(|s| s.to_string()).collect();
        if let Some(body) = h.string(tag) {
            scripts.push(ReadScriptlet {
                name,
                prog: if prog.is_empty() {
                    vec!["/bin/sh".into()]
                } else {
                    prog
                },
                body: body.to_string(),
            });
        }
    }
    Ok(RpmMetadata {
        name: required(tags::NAME, "NAME")?,
        version: required(tags::VERSION, "VERSION")?,
        release: required(tags::RELEASE, "RELEASE")?,
        epoch: h.number(tags::EPOCH).map(|e| e as u32),
        arch: opt(tags::ARCH).unwrap_or_default(),
        os: opt(tags::OS).unwrap_or_default(),
        summary: opt(tags::SUMMARY).unwrap_or_default(),
        description: opt(tags::DESCRIPTION).unwrap_or_default(),
        license: opt(tags::LICENSE).unwrap_or_default(),
        group: opt(tags::GROUP),
        url: opt(tags::URL),
        vendor: opt(tags::VENDOR),
        packager: opt(tags::PACKAGER),
        build_time: h.number(tags::BUILDTIME).unwrap_or(0),
        build_host: opt(tags::BUILDHOST),
        source_rpm: opt(tags::SOURCERPM),
        installed_size: h
            .number(tags::LONGSIZE)
            .or(h.number(tags::SIZE))
            .unwrap_or(0),
        payload_compressor: opt(tags::PAYLOADCOMPRESSOR).unwrap_or_else(|| "none".into()),
        file_digest_algo: h
            .number(tags::FILEDIGESTALGO)
            .map(|n| n as u32)
            .unwrap_or(tags::DIGEST_MD5),
        provides: deps([tags::PROVIDENAME, tags::PROVIDEFLAGS, tags::PROVIDEVERSION])?,
        requires: deps([tags::REQUIRENAME, tags::REQUIREFLAGS, tags::REQUIREVERSION])?,
        conflicts: deps([
            tags::CONFLICTNAME,
            tags::CONFLICTFLAGS,
            tags::CONFLICTVERSION,
        ])?,
        obsoletes: deps([
            tags::OBSOLETENAME,
            tags::OBSOLETEFLAGS,
            tags::OBSOLETEVERSION,
        ])?,
        recommends: deps([
            tags::RECOMMENDNAME,
            tags::RECOMMENDFLAGS,
            tags::RECOMMENDVERSION,
        ])?,
        suggests: deps([tags::SUGGESTNAME, tags::SUGGESTFLAGS, tags::SUGGESTVERSION])?,
        scripts,
    })
}

/// The header's file list (compressed file names: DIRNAMES + DIRINDEXES + BASENAMES).
fn file_list(h: &Header) -> std::result::Result<Vec<ReadEntry>, String> {
    let basenames = h.strings(tags::BASENAMES);
    let n = basenames.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let dirnames = h.strings(tags::DIRNAMES);
    let dirindexes = h.numbers(tags::DIRINDEXES);
    let sizes = match h.get(tags::LONGFILESIZES) {
        Some(_) => h.numbers(tags::LONGFILESIZES),
        None => h.numbers(tags::FILESIZES),
    };
    let modes = h.numbers(tags::FILEMODES);
    let mtimes = h.numbers(tags::FILEMTIMES);
    let digests = h.strings(tags::FILEDIGESTS);
    let links = h.strings(tags::FILELINKTOS);
    let flags = h.numbers(tags::FILEFLAGS);
    let users = h.strings(tags::FILEUSERNAME);
    let groups = h.strings(tags::FILEGROUPNAME);
    for (what, len) in [
        ("DIRINDEXES", dirindexes.len()),
        ("FILESIZES", sizes.len()),
        ("FILEMODES", modes.len()),
        ("FILEDIGESTS", digests.len()),
        ("FILELINKTOS", links.len()),
        ("FILEFLAGS", flags.len()),
        ("FILEUSERNAME", users.len()),
        ("FILEGROUPNAME", groups.len()),
    ] {
        if len != n {
            return Err(format!("the header lists {n} files but {len} {what}"));
        }
    }
    if n > limits::MAX_ENTRIES {
        return Err(format!(
            "the header lists {n} files; syspack reads at most {}",
            limits::MAX_ENTRIES
        ));
    }
    let mut out = Vec::with_capacity(n);
    let mut paths = BTreeMap::new();
    let mut guard = PathGuard::default();
    let mut listing = 0usize;
    for i in 0..n {
        let dir = dirnames.get(dirindexes[i] as usize).ok_or_else(|| {
            format!(
                "file #{i} points at directory #{} of {}",
                dirindexes[i],
                dirnames.len()
            )
        })?;
        let path = format!("{dir}{}", basenames[i]);
        listing += path.len() + links[i].len();
        if listing > limits::MAX_LISTING_BYTES {
            return Err(format!(
                "the file names and link targets add up to more than {} bytes",
                limits::MAX_LISTING_BYTES
            ));
        }
        if path.len() > limits::MAX_PATH {
            return Err(format!(
                "file #{i} `{}` has a name of {} bytes (at most {} accepted)",
                quote(&path),
                path.len(),
                limits::MAX_PATH
            ));
        }
        if !path.starts_with('/') || clean_path(&path)? != path {
            return Err(format!(
                "file #{i} `{}` is not a plain absolute path",
                quote(&path)
            ));
        }
        if paths.insert(path.clone(), i).is_some() {
            return Err(format!("`{}` is listed twice", quote(&path)));
        }
        let m = modes[i] as u32;
        let kind = match m & mode::S_IFMT {
            mode::S_IFREG => EntryKind::File,
            mode::S_IFDIR => EntryKind::Dir,
            mode::S_IFLNK => EntryKind::Symlink,
            _ => EntryKind::Other,
        };
        let f = flags[i] as u32;
        if kind == EntryKind::Symlink
            && (links[i].len() > limits::MAX_LINK_TARGET || sizes[i] != links[i].len() as u64)
        {
            return Err(format!(
                "symlink `{}` has a target of {} bytes and a size of {} (they must agree, at most {} bytes)",
                quote(&path),
                links[i].len(),
                sizes[i],
                limits::MAX_LINK_TARGET
            ));
        }
        if f & fileflags::GHOST == 0 {
            guard.admit(&path, kind, Some(links[i]))?;
        }
        out.push(ReadEntry {
            path,
            kind,
            mode: m & 0o7777,
            size: sizes[i],
            link_target: (kind == EntryKind::Symlink).then(|| links[i].to_string()),
            digest: (kind == EntryKind::File && !digests[i].is_empty())
                .then(|| digests[i].to_string()),
            user: users[i].to_string(),
            group: groups[i].to_string(),
            mtime: mtimes.get(i).copied().unwrap_or(0),
            rpm_flags: Some(RpmFileFlags {
                config: f & fileflags::CONFIG != 0,
                doc: f & fileflags::DOC != 0,
                ghost: f & fileflags::GHOST != 0,
            }),
        });
    }
    guard.finish(out.iter().map(|e| e.path.as_str()))?;
    Ok(out)
}

/// Hashes and counts what is read through it.
struct HashingReader<R: Read> {
    inner: R,
    md5: Md5,
    sha256: Sha256,
    len: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.md5.update(&buf[..n]);
        self.sha256.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

/// The lowercase hex digest with `D` of what `content` writes.
fn hex_digest<D: Digest>(
    content: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<String> {
    let mut sink = DigestSink(D::new());
    content(&mut sink)?;
    Ok(hex::encode(sink.0.finalize()))
}

struct DigestSink<D: Digest>(D);

impl<D: Digest> Write for DigestSink<D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Display for Reader {
    /// A summary in the spirit of `rpm -qip` followed by `rpm -qlv`: metadata, relations,
    /// scriptlets, then the file list in header order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.metadata;
        let row = |f: &mut fmt::Formatter<'_>, k: &str, v: &str| writeln!(f, "{k:<13}: {v}");
        row(f, "Name", &m.name)?;
        if let Some(e) = m.epoch {
            row(f, "Epoch", &e.to_string())?;
        }
        row(f, "Version", &m.version)?;
        row(f, "Release", &m.release)?;
        row(f, "Architecture", &m.arch)?;
        row(f, "Group", m.group.as_deref().unwrap_or("(none)"))?;
        row(f, "Size", &m.installed_size.to_string())?;
        row(f, "License", &m.license)?;
        row(f, "Source RPM", m.source_rpm.as_deref().unwrap_or("(none)"))?;
        row(f, "Build Date", &m.build_time.to_string())?;
        row(f, "Build Host", m.build_host.as_deref().unwrap_or("(none)"))?;
        if let Some(p) = &m.packager {
            row(f, "Packager", p)?;
        }
        if let Some(v) = &m.vendor {
            row(f, "Vendor", v)?;
        }
        if let Some(u) = &m.url {
            row(f, "URL", u)?;
        }
        row(f, "Payload", &m.payload_compressor)?;
        row(f, "Package size", &self.package_size.to_string())?;
        row(f, "Summary", &m.summary)?;
        writeln!(f, "Description  :")?;
        for line in m.description.lines() {
            writeln!(f, "  {line}")?;
        }
        for (what, list) in [
            ("Provides", &m.provides),
            ("Requires", &m.requires),
            ("Conflicts", &m.conflicts),
            ("Obsoletes", &m.obsoletes),
            ("Recommends", &m.recommends),
            ("Suggests", &m.suggests),
        ] {
            if !list.is_empty() {
                writeln!(f, "{what}:")?;
                for d in list {
                    writeln!(f, "  {d}")?;
                }
            }
        }
        for s in &m.scripts {
            writeln!(f, "{} scriptlet (using {}):", s.name, s.prog.join(" "))?;
            for line in s.body.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        writeln!(f, "Files ({}):", self.entries.len())?;
        for e in &self.entries {
            let mut marks = String::new();
            let flags = e.rpm_flags.unwrap_or_default();
            if flags.config {
                marks.push_str(" (config)");
            }
            if flags.doc {
                marks.push_str(" (doc)");
            }
            if flags.ghost {
                // Listed, owned, not in the payload: `rpm -qp --qf '%{FILEFLAGS:fflags}'` says `g`.
                marks.push_str(" (ghost)");
            }
            match &e.link_target {
                Some(t) => writeln!(
                    f,
                    "  {} {} {} {:>10} {} -> {t}",
                    e.mode_string(),
                    e.user,
                    e.group,
                    e.size,
                    e.path
                )?,
                None => writeln!(
                    f,
                    "  {} {} {} {:>10} {}{marks}",
                    e.mode_string(),
                    e.user,
                    e.group,
                    e.size,
                    e.path
                )?,
            }
        }
        Ok(())
    }
}
