//! What the four package readers share: the entry type they list, [`ReadEntry`] with its
//! [`EntryKind`], and (inside the crate) opening a compressed tar package and turning its tar
//! entries into `ReadEntry`s.
//!
//! Each format module re-exports these types (`deb::ReadEntry`, `rpm::ReadEntry`,
//! `arch::ReadEntry`, `freebsd::ReadEntry` are all this one type), so code that lists the files of
//! a package reads the same fields whatever the format.
//!
//! # One flat type, not a wrapper per format
//!
//! The formats agree on almost everything an entry is: a path, a kind, permission bits, a size,
//! a link target, an owner, a modification time and a content digest. What only one format
//! carries is small, so it is an optional field rather than a wrapper type (a wrapper would make
//! `entry.path` read differently per format for the sake of three booleans):
//!
//! * [`ReadEntry::rpm_flags`]: RPM's per-file `%config`/`%doc`/`%ghost` flags, `None` elsewhere.
//!   The other formats keep that list in their metadata, and their readers expose it there:
//!   [`deb::Reader::conffiles`](crate::deb::Reader::conffiles), Arch's `backup` in
//!   [`PkgInfo`](crate::arch::PkgInfo), FreeBSD's `config` in the
//!   [`Manifest`](crate::freebsd::Manifest).
//!
//! Where the formats' own data differs, the field says so rather than converting, so that a digest
//! can be compared with the package's own record as is:
//!
//! | field | deb | rpm | arch | freebsd |
//! |---|---|---|---|---|
//! | `digest` | MD5 hex (`md5sums`) | hex, algorithm [`RpmMetadata::file_digest_algo`](crate::rpm::RpmMetadata::file_digest_algo) | SHA-256 hex | the manifest's sum (`1$<sha256 hex>`), also for symlinks |
//! | `size` of a symlink | 0 | the target's length | 0 | 0 |
//! | kinds listed | file, dir, symlink, hard link | file, dir, symlink (hard-linked files are files) | file, dir, symlink, hard link | file, dir, symlink, hard link |
//! | `user`, `group`, `mtime` | tar header | header | tar header | tar header |
//!
//! Every reader verifies each entry against its format's own record (md5sums, the header's file
//! digests, `.MTREE`, `+MANIFEST`) before it lists it.
//!
//! # Untrusted input
//!
//! Packages come from anywhere, so every reader streams and bounds what it holds (the table and
//! the peak-memory bound are in [`crate::limits`]), reads every compressed member to its end so
//! that its checksums are verified and trailing garbage is refused, and refuses the path escapes
//! an installing tool would follow: `..` components, absolute names (deb, Arch), hard links to
//! anything but an earlier regular file of the package, device nodes and FIFOs, and entries that
//! lie under a symlink of the same package. Names quoted in errors go through
//! [`crate::text::quote`] (escaped, cut to a short prefix).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use crate::compress::{self, Compression};
use crate::error::{Error, Result};
use crate::{limits, text};

/// The kind of a package entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier regular file of the same package: a tar entry of a deb, Arch or
    /// FreeBSD package (dpkg-deb, makepkg's bsdtar and `pkg create` store the second name of a
    /// file that way; RPM lists hard-linked files as files). Its `link_target` is that file's
    /// install path, and its `size` and `digest` are that file's: the content is the same, and
    /// md5sums, `.MTREE` and `+MANIFEST` list the name like any regular file.
    Hardlink,
    /// A device, FIFO or another special file. No reader lists one: each refuses the package
    /// (see the module docs), so this kind only names what was refused.
    Other,
}

impl EntryKind {
    /// The type letter of `ls -l`: `-`, `d`, `l`; `h` for a hard link, `?` for anything else.
    pub fn letter(self) -> char {
        match self {
            EntryKind::File => '-',
            EntryKind::Dir => 'd',
            EntryKind::Symlink => 'l',
            EntryKind::Hardlink => 'h',
            EntryKind::Other => '?',
        }
    }
}

/// RPM's per-file flags (`FILEFLAGS`) that the model knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RpmFileFlags {
    /// `%config` file.
    pub config: bool,
    /// `%doc` file.
    pub doc: bool,
    /// `%ghost` file (listed, not in the payload).
    pub ghost: bool,
}

/// One entry of a package, as read and verified. See the [module docs](self) for what differs
/// between formats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadEntry {
    /// The install path, absolute and without a trailing slash (`/usr/bin/x`; the root is `/`).
    pub path: String,
    /// File, directory, symlink…
    pub kind: EntryKind,
    /// Permission bits (without the type bits).
    pub mode: u32,
    /// Size in bytes: a regular file's content length (a hard link's is its file's); 0 for the
    /// rest, except RPM symlinks (the target's length, as RPM records it).
    pub size: u64,
    /// The target of a symlink as stored; for a hard link, the install path of the file it links.
    pub link_target: Option<String>,
    /// The digest the format records for the entry, as the format writes it (see the module
    /// docs): MD5 hex (deb), FILEDIGESTALGO hex (rpm), SHA-256 hex (arch), `1$<sha256 hex>`
    /// (freebsd).
    pub digest: Option<String>,
    /// Owner user name (empty when the archive has none).
    pub user: String,
    /// Owner group name (empty when the archive has none).
    pub group: String,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// RPM's `%config`/`%doc`/`%ghost` flags; `None` for the other formats.
    pub rpm_flags: Option<RpmFileFlags>,
}

impl ReadEntry {
    /// The `ls -l` style mode: type letter then `rwx` triplets with set-user-ID, set-group-ID and
    /// sticky bits (`-rwsr-xr-x`, `drwxrwxrwt`).
    pub fn mode_string(&self) -> String {
        let mode = self.mode;
        let mut s = String::with_capacity(10);
        s.push(self.kind.letter());
        for shift in [6, 3, 0] {
            let bits = (mode >> shift) & 7;
            s.push(if bits & 4 != 0 { 'r' } else { '-' });
            s.push(if bits & 2 != 0 { 'w' } else { '-' });
            let special = match shift {
                6 => mode & 0o4000 != 0,
                3 => mode & 0o2000 != 0,
                _ => mode & 0o1000 != 0,
            };
            s.push(match (bits & 1 != 0, special, shift) {
                (true, true, 0) => 't',
                (false, true, 0) => 'T',
                (true, true, _) => 's',
                (false, true, _) => 'S',
                (true, false, _) => 'x',
                (false, false, _) => '-',
            });
        }
        s
    }

    /// True for an RPM `%ghost` file.
    pub(crate) fn is_rpm_ghost(&self) -> bool {
        self.rpm_flags.is_some_and(|f| f.ghost)
    }

    /// One listing line as the Arch and FreeBSD readers print it: `-0755      1234 /usr/bin/x`,
    /// with ` -> target` for a symlink, and a newline.
    pub(crate) fn write_line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:04o} {:>12} {}",
            self.kind.letter(),
            self.mode,
            self.size,
            self.path
        )?;
        if let Some(l) = &self.link_target {
            write!(f, " -> {l}")?;
        }
        writeln!(f)
    }
}

/// Builds the [`Error::Malformed`] of one reader from a reason.
pub(crate) type Bad<'a> = &'a dyn Fn(String) -> Error;

/// Opens a package file that is one compressed stream, recognises the compression by its magic
/// bytes (whatever the file name says) and returns it with a reader of the decompressed bytes.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened or read, or the decoder cannot start.
pub(crate) fn open_decompressed(path: &Path) -> Result<(Compression, Box<dyn Read>)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, "opening package", e))?;
    let mut head = Vec::with_capacity(8);
    (&mut file)
        .take(8)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, "reading package", e))?;
    let compression = compress::sniff(&head);
    let stream = io::Cursor::new(head).chain(file);
    let decoder = compress::decoder(stream, compression)
        .map_err(|e| Error::io(path, "decompressing package", e))?;
    Ok((compression, decoder))
}

/// What the payload walks (`each_file` of every reader, [`crate::AnyReader::each_file`]) call
/// for each regular file: its index in the archive (the same in every walk of one package), its
/// install path (`/usr/bin/hello`) and its content.
pub type FileVisitor<'a> = dyn FnMut(usize, &str, &mut dyn Read) -> io::Result<()> + 'a;

/// A decoder for a compressed stream, recognised by its first bytes, and that compression.
pub(crate) fn sniffed<'a>(r: impl Read + 'a) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut r = io::BufReader::new(r);
    let head = io::BufRead::fill_buf(&mut r)?.to_vec();
    let c = compress::sniff(&head);
    Ok((c, compress::decoder(r, c)?))
}

/// Calls `f` for each regular file of a (compressed) tar payload, the walk of the deb, Arch and
/// FreeBSD readers' `each_file`; returns the payload's compression. Errors are
/// [`Error::Io`] on `path`.
pub(crate) fn each_tar_file(
    path: &Path,
    raw: impl Read,
    f: &mut FileVisitor<'_>,
) -> Result<Compression> {
    let io = |e| Error::io(path, "reading the payload of", e);
    let (c, dec) = sniffed(raw).map_err(io)?;
    let mut ar = tar::Archive::new(dec);
    for (i, entry) in ar.entries().map_err(io)?.enumerate() {
        let mut entry = entry.map_err(io)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(io)?.to_string_lossy().into_owned();
        let name = format!("/{}", name.trim_start_matches("./").trim_start_matches('/'));
        f(i, &name, &mut entry).map_err(io)?;
    }
    Ok(c)
}

/// One entry of a tar stream with its name and link target resolved from GNU long-name and pax
/// records, each bounded ([`limits`]).
pub(crate) struct TarItem<'a, R: Read> {
    /// The entry; reading it reads its content.
    pub entry: tar::Entry<'a, R>,
    /// The name as stored (UTF-8), at most [`limits::MAX_PATH`] bytes.
    pub name: String,
    /// The link target of a symlink or hard link, at most [`limits::MAX_LINK_TARGET`] bytes.
    pub link: Option<String>,
}

/// The entries of a tar stream, read raw so that no extension record is held unbounded: GNU
/// `L`/`K` records and pax `x` headers are read here, each at most
/// [`limits::MAX_EXTENSION_RECORD`], and applied to the next entry; pax `g` headers are skipped.
pub(crate) struct TarEntries<'a, R: Read> {
    entries: tar::Entries<'a, R>,
    bad: Bad<'a>,
    count: usize,
    listing: usize,
}

/// The entries of a tar stream, a broken stream reported through `bad`.
///
/// # Errors
///
/// `bad("not a tar archive: …")` when the stream cannot start; each item
/// `bad("broken tar stream: …")` or a limit exceeded.
pub(crate) fn tar_entries<'a, R: Read + 'a>(
    archive: &'a mut tar::Archive<R>,
    bad: Bad<'a>,
) -> Result<TarEntries<'a, R>> {
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a tar archive: {e}")))?
        .raw(true);
    Ok(TarEntries {
        entries,
        bad,
        count: 0,
        listing: 0,
    })
}

/// Reads an extension record (at most [`limits::MAX_EXTENSION_RECORD`] bytes).
fn read_record<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    what: &str,
    bad: Bad<'_>,
) -> Result<Vec<u8>> {
    let size = entry.header().entry_size().unwrap_or(u64::MAX);
    if size > limits::MAX_EXTENSION_RECORD {
        return Err(bad(format!(
            "a {what} record of {size} bytes (at most {} accepted, as libarchive)",
            limits::MAX_EXTENSION_RECORD
        )));
    }
    let mut buf = Vec::with_capacity(size as usize);
    entry
        .take(limits::MAX_EXTENSION_RECORD)
        .read_to_end(&mut buf)
        .map_err(|e| bad(format!("reading a {what} record: {e}")))?;
    Ok(buf)
}

/// A GNU long name: the record up to its first NUL.
fn gnu_long(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(nul);
    }
    bytes
}

fn utf8_bounded(bytes: Vec<u8>, what: &str, max: usize, bad: Bad<'_>) -> Result<String> {
    if bytes.len() > max {
        return Err(bad(format!(
            "{what} `{}` is {} bytes long (at most {max} accepted)",
            text::quote_bytes(&bytes),
            bytes.len()
        )));
    }
    if bytes.contains(&0) {
        return Err(bad(format!(
            "{what} `{}` contains a NUL byte",
            text::quote_bytes(&bytes)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "{what} `{}` is not UTF-8",
            text::quote_bytes(e.as_bytes())
        ))
    })
}

impl<'a, R: Read> TarEntries<'a, R> {
    fn next_item(&mut self) -> Result<Option<TarItem<'a, R>>> {
        let bad = self.bad;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax_name: Option<Vec<u8>> = None;
        let mut pax_link: Option<Vec<u8>> = None;
        let mut pending = false;
        loop {
            let Some(entry) = self.entries.next() else {
                if pending {
                    return Err(bad(
                        "the archive ends after an extension record, without its entry".into(),
                    ));
                }
                return Ok(None);
            };
            let mut entry = entry.map_err(|e| bad(format!("broken tar stream: {e}")))?;
            let kind = entry.header().entry_type();
            match kind {
                tar::EntryType::GNULongName => {
                    long_name = Some(gnu_long(read_record(&mut entry, "GNU long-name", bad)?));
                    pending = true;
                    continue;
                }
                tar::EntryType::GNULongLink => {
                    long_link = Some(gnu_long(read_record(&mut entry, "GNU long-link", bad)?));
                    pending = true;
                    continue;
                }
                tar::EntryType::XHeader => {
                    let record = read_record(&mut entry, "pax header", bad)?;
                    for ext in tar::PaxExtensions::new(&record) {
                        let ext = ext.map_err(|e| bad(format!("broken pax header: {e}")))?;
                        match ext.key_bytes() {
                            b"path" => pax_name = Some(ext.value_bytes().to_vec()),
                            b"linkpath" => pax_link = Some(ext.value_bytes().to_vec()),
                            b"size" => {
                                return Err(bad(
                                    "a pax header overrides an entry's size; syspack reads sizes from the tar header only (GNU base-256 for large files)".into(),
                                ))
                            }
                            _ => {}
                        }
                    }
                    pending = true;
                    continue;
                }
                tar::EntryType::XGlobalHeader => {
                    read_record(&mut entry, "pax global header", bad)?;
                    continue;
                }
                tar::EntryType::GNUSparse => {
                    return Err(bad(format!(
                        "entry `{}` is a GNU sparse file, which package archives do not use",
                        text::quote_bytes(&entry.header().path_bytes())
                    )))
                }
                _ => {}
            }
            self.count += 1;
            if self.count > limits::MAX_ENTRIES {
                return Err(bad(format!(
                    "the archive has more than {} entries",
                    limits::MAX_ENTRIES
                )));
            }
            let name = match pax_name.or(long_name) {
                Some(n) => n,
                None => entry.header().path_bytes().into_owned(),
            };
            let name = utf8_bounded(name, "entry name", limits::MAX_PATH, bad)?;
            let link = match pax_link.or(long_link) {
                Some(l) => Some(l),
                None => entry.header().link_name_bytes().map(|l| l.into_owned()),
            };
            let link =
                match (kind, link) {
                    (tar::EntryType::Symlink | tar::EntryType::Link, Some(l)) => Some(
                        utf8_bounded(l, "link target", limits::MAX_LINK_TARGET, bad)?,
                    ),
                    _ => None,
                };
            self.listing += name.len() + link.as_ref().map_or(0, String::len);
            if self.listing > limits::MAX_LISTING_BYTES {
                return Err(bad(format!(
                    "the entry names and link targets add up to more than {} bytes",
                    limits::MAX_LISTING_BYTES
                )));
            }
            return Ok(Some(TarItem { entry, name, link }));
        }
    }
}

impl<'a, R: Read> Iterator for TarEntries<'a, R> {
    type Item = Result<TarItem<'a, R>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

/// Reads what follows a tar archive's end marker to the end of the (decompressed) stream: at
/// most [`limits::MAX_TRAILING_ZEROS`] bytes, all zeros. Reaching the end makes the decoder
/// verify the stream's trailer (gzip CRC-32 and size, xz check and index, zstd frame checksum
/// and content size) and refuse anything after the last stream.
///
/// # Errors
///
/// `bad` when a non-zero byte or too many bytes follow, or the decoder reports an error.
pub(crate) fn finish_tar<R: Read>(archive: tar::Archive<R>, bad: Bad<'_>) -> Result<()> {
    let mut rest = archive.into_inner();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = rest.read(&mut buf).map_err(|e| {
            bad(format!(
                "the compressed stream is damaged after the archive: {e}"
            ))
        })?;
        if n == 0 {
            return Ok(());
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Err(bad("data follows the end of the tar archive".into()));
        }
        total += n as u64;
        if total > limits::MAX_TRAILING_ZEROS {
            return Err(bad(format!(
                "more than {} bytes of padding follow the end of the tar archive",
                limits::MAX_TRAILING_ZEROS
            )));
        }
    }
}

/// Reads a whole compressed stream to its end through `decoder`, at most `max` bytes of output:
/// the content of a compressed metadata file (Arch's `.MTREE`), its checksums verified.
///
/// # Errors
///
/// `bad` when the output exceeds `max` or the decoder reports an error.
pub(crate) fn read_capped(
    mut decoder: impl Read,
    what: &str,
    max: u64,
    bad: Bad<'_>,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    (&mut decoder)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("`{what}` does not decompress: {e}")))?;
    if out.len() as u64 > max {
        return Err(bad(format!(
            "`{what}` decompresses to more than {max} bytes"
        )));
    }
    Ok(out)
}

/// The metadata files of one package, held in memory within [`limits::MAX_METADATA_MEMBER`]
/// each and [`limits::MAX_METADATA_TOTAL`] together.
#[derive(Default)]
pub(crate) struct Metadata {
    /// Name and content, in archive order.
    pub files: Vec<(String, Vec<u8>)>,
    total: u64,
}

impl Metadata {
    /// The content of `name`.
    pub fn get(&self, name: &str) -> Option<&Vec<u8>> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    /// Reads a metadata entry (`.PKGINFO`, `+MANIFEST`, `control`…) whole and adds it.
    ///
    /// # Errors
    ///
    /// `bad` when it appears twice, is larger than a limit, or cannot be read.
    pub fn read<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        name: String,
        bad: Bad<'_>,
    ) -> Result<()> {
        if self.get(&name).is_some() {
            return Err(bad(format!(
                "metadata entry `{}` appears twice",
                text::quote(&name)
            )));
        }
        let size = entry.header().entry_size().unwrap_or(u64::MAX);
        if size > limits::MAX_METADATA_MEMBER {
            return Err(bad(format!(
                "metadata entry `{}` is {size} bytes (at most {} accepted)",
                text::quote(&name),
                limits::MAX_METADATA_MEMBER
            )));
        }
        self.total += size;
        if self.total > limits::MAX_METADATA_TOTAL {
            return Err(bad(format!(
                "the metadata entries add up to more than {} bytes",
                limits::MAX_METADATA_TOTAL
            )));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        entry
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("reading `{}`: {e}", text::quote(&name))))?;
        self.files.push((name, bytes));
        Ok(())
    }

    /// The names, in archive order.
    pub fn names(self) -> Vec<String> {
        self.files.into_iter().map(|(n, _)| n).collect()
    }
}

/// Checks the paths of a package's entries as the installing tools would need them to be: no
/// `..` component, no empty name, each path once, nothing placed under a symlink of the same
/// package (`usr/lnk -> /etc` then `usr/lnk/cron.d/evil` would write through the link), a hard
/// link only to an earlier regular file of the package.
///
/// Paths are kept as 64-bit hashes keyed per run (a listing of 10⁵ entries is not copied
/// again); a collision, which nobody can aim at, could refuse a package or give a hard link the
/// size and digest of another file, which the format's own record must then still match.
#[derive(Default)]
pub(crate) struct PathGuard {
    hasher: std::collections::hash_map::RandomState,
    /// Hash of each path seen; for a regular file, its position among the entries admitted.
    seen: std::collections::HashMap<u64, Option<usize>>,
    admitted: usize,
    symlinks: std::collections::BTreeMap<String, String>,
}

/// The `..`-free, `.`-free form of an install path (`/usr/bin/x`), or why there is none.
pub(crate) fn clean_path(path: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(path.len() + 1);
    for c in path.split('/') {
        match c {
            "" | "." => continue,
            ".." => {
                return Err(format!(
                    "`{}` has a `..` component: it would be installed outside its directory",
                    text::quote(path)
                ))
            }
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

impl PathGuard {
    /// Admits one entry at the install path `path` (absolute, cleaned by [`clean_path`]); the
    /// entries are admitted in the order the reader keeps them. For a hard link, `link` is the
    /// install path it links ([`resolve_hardlink`]), and the answer is the position of that
    /// earlier regular file among the entries admitted.
    ///
    /// # Errors
    ///
    /// Why it is refused.
    pub fn admit(
        &mut self,
        path: &str,
        kind: EntryKind,
        link: Option<&str>,
    ) -> std::result::Result<Option<usize>, String> {
        use std::hash::BuildHasher;
        let key = self.hasher.hash_one(path);
        let position = self.admitted;
        self.admitted += 1;
        let file = (kind == EntryKind::File).then_some(position);
        if self.seen.insert(key, file).is_some() && path != "/" {
            return Err(format!("entry `{}` appears twice", text::quote(path)));
        }
        match kind {
            EntryKind::File => {}
            EntryKind::Symlink => {
                self.symlinks
                    .insert(path.to_string(), link.unwrap_or_default().to_string());
            }
            EntryKind::Hardlink => {
                let target = link.unwrap_or_default();
                return match self.seen.get(&self.hasher.hash_one(target)) {
                    Some(Some(source)) => Ok(Some(*source)),
                    _ => Err(format!(
                        "hard link `{}` points to `{}`, which is not an earlier regular file of the package: it would link a file the package does not own",
                        text::quote(path),
                        text::quote(target)
                    )),
                };
            }
            EntryKind::Other => {
                return Err(format!(
                    "entry `{}` is a device node, FIFO or socket; packages syspack reads carry files, directories and links only",
                    text::quote(path)
                ))
            }
            EntryKind::Dir => {}
        }
        Ok(None)
    }

    /// After every entry: refuses one of `paths` (all the entries admitted) that lies under a
    /// symlink of the same package.
    ///
    /// # Errors
    ///
    /// Why.
    pub fn finish<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p str>,
    ) -> std::result::Result<(), String> {
        if self.symlinks.is_empty() {
            return Ok(());
        }
        for path in paths {
            let mut at = path;
            while let Some((parent, _)) = at.rsplit_once('/') {
                if parent.is_empty() {
                    break;
                }
                if let Some(target) = self.symlinks.get(parent) {
                    return Err(format!(
                        "`{}` lies under `{}`, a symlink of the same package (to `{}`): installing it would write through the link",
                        text::quote(path),
                        text::quote(parent),
                        text::quote(target)
                    ));
                }
                at = parent;
            }
        }
        Ok(())
    }
}

/// Rewrites a hard link's target, as its tar entry names it, into the install path of the file
/// it links, with `rule`: the reader's own rule for entry names, since the installing tools
/// read a hard link's target as they read a name (dpkg `./usr/bin/x`, bsdtar `usr/bin/x`, pkg
/// `/usr/local/bin/x`). Other entries are left as they are.
///
/// # Errors
///
/// Why the target is refused, naming the link.
pub(crate) fn resolve_hardlink(
    read: &mut ReadEntry,
    rule: impl Fn(&str) -> std::result::Result<String, String>,
) -> std::result::Result<(), String> {
    if read.kind != EntryKind::Hardlink {
        return Ok(());
    }
    let stored = read.link_target.take().unwrap_or_default();
    let target = rule(&stored)
        .map_err(|why| format!("hard link `{}`: its target {why}", text::quote(&read.path)))?;
    read.link_target = Some(target);
    Ok(())
}

/// The tar entry types a reader lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TarTypes {
    /// Files, directories, symlinks and hard links; anything else is an error (Arch, FreeBSD:
    /// pacman and pkg install nothing else).
    FilesDirsLinks,
    /// Special files too, as [`EntryKind::Other`] (deb, which dpkg unpacks; [`PathGuard`]
    /// then refuses them).
    All,
}

/// Turns one tar data entry into a [`ReadEntry`] at `path`: kind, permission bits, owner names,
/// mtime and link target from the header, and for a regular file the size of the content it
/// streams through `content` (for the caller's digests). `digest` is left `None`, `rpm_flags`
/// `None`.
///
/// # Errors
///
/// `bad` for a tar type `types` does not list, an unreadable mode, a link without a target, or
/// content that cannot be read.
pub(crate) fn read_tar_entry<R: Read>(
    item: &mut TarItem<'_, R>,
    path: String,
    types: TarTypes,
    bad: Bad<'_>,
    content: &mut dyn FnMut(&[u8]),
) -> Result<ReadEntry> {
    let entry = &mut item.entry;
    let shown = text::quote(&path);
    let header = entry.header();
    let kind = match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link => EntryKind::Hardlink,
        _ if types == TarTypes::All => EntryKind::Other,
        other => {
            return Err(bad(format!(
                "entry `{shown}` has the unsupported tar type {other:?}"
            )))
        }
    };
    let mode = header
        .mode()
        .map_err(|e| bad(format!("entry `{shown}`: bad mode: {e}")))?
        & 0o7777;
    let user = header.username().ok().flatten().unwrap_or("").to_string();
    let group = header.groupname().ok().flatten().unwrap_or("").to_string();
    if user.contains('\0') || group.contains('\0') {
        return Err(bad(format!(
            "entry `{shown}`: its owner name has a NUL byte"
        )));
    }
    let mtime = header.mtime().unwrap_or(0);
    let link_target = match kind {
        EntryKind::Symlink | EntryKind::Hardlink => match item.link.take() {
            Some(l) if !l.is_empty() => Some(l),
            _ => return Err(bad(format!("link `{shown}` has no target"))),
        },
        _ => None,
    };
    let mut size = 0u64;
    if kind == EntryKind::File {
        // Sized to the entry: a package of 10⁵ empty files must not zero 64 KiB for each.
        let declared = entry.header().entry_size().unwrap_or(0);
        let mut buf = vec![0u8; declared.clamp(1, 1 << 16) as usize];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| bad(format!("reading `{shown}`: {e}")))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            content(&buf[..n]);
        }
    }
    Ok(ReadEntry {
        path,
        kind,
        mode,
        size,
        link_target,
        digest: None,
        user,
        group,
        mtime,
        rpm_flags: None,
    })
}
