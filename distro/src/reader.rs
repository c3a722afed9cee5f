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
//! | kinds listed | all | file, dir, symlink, other | file, dir, symlink | file, dir, symlink |
//! | `user`, `group`, `mtime` | tar header | header | tar header | tar header |
//!
//! Every reader verifies each entry against its format's own record (md5sums, the header's file
//! digests, `.MTREE`, `+MANIFEST`) before it lists it.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use crate::compress::{self, Compression};
use crate::error::{Error, Result};

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
    /// A hard link to an earlier entry (deb only: the other readers refuse tar hard links, and
    /// RPM lists hard-linked files as files).
    Hardlink,
    /// A device, FIFO or another special file (deb and rpm only; the Arch and FreeBSD readers
    /// refuse them).
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
    /// Size in bytes: a regular file's content length; 0 for the rest, except RPM symlinks
    /// (the target's length, as RPM records it).
    pub size: u64,
    /// The target of a symlink (or, in a `.deb`, of a hard link).
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

/// The entries of a tar stream, a broken stream reported through `bad`.
///
/// # Errors
///
/// `bad("not a tar archive: …")` when the stream cannot start; each item
/// `bad("broken tar stream: …")`.
pub(crate) fn tar_entries<'a, R: Read + 'a>(
    archive: &'a mut tar::Archive<R>,
    bad: Bad<'a>,
) -> Result<impl Iterator<Item = Result<tar::Entry<'a, R>>> + 'a> {
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a tar archive: {e}")))?;
    Ok(entries.map(move |e| e.map_err(|e| bad(format!("broken tar stream: {e}")))))
}

/// An entry's name as stored, which must be UTF-8.
///
/// # Errors
///
/// `bad` naming the (lossily decoded) name when it is not UTF-8.
pub(crate) fn entry_name<R: Read>(entry: &tar::Entry<'_, R>, bad: Bad<'_>) -> Result<String> {
    String::from_utf8(entry.path_bytes().into_owned()).map_err(|e| {
        bad(format!(
            "entry name `{}` is not UTF-8",
            String::from_utf8_lossy(e.as_bytes())
        ))
    })
}

/// Reads a metadata entry (`.PKGINFO`, `+MANIFEST`…) whole and adds it to `meta`.
///
/// # Errors
///
/// `bad` when `meta` already has an entry of that name or the content cannot be read.
pub(crate) fn read_metadata<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    name: String,
    meta: &mut Vec<(String, Vec<u8>)>,
    bad: Bad<'_>,
) -> Result<()> {
    if meta.iter().any(|(n, _)| *n == name) {
        return Err(bad(format!("metadata entry `{name}` appears twice")));
    }
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("reading `{name}`: {e}")))?;
    meta.push((name, bytes));
    Ok(())
}

/// The tar entry types a reader lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TarTypes {
    /// Files, directories and symlinks; anything else is an error (Arch, FreeBSD).
    FileDirSymlink,
    /// Hard links and special files too, as [`EntryKind::Hardlink`] and [`EntryKind::Other`]
    /// (deb, as dpkg unpacks them).
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
    entry: &mut tar::Entry<'_, R>,
    path: String,
    types: TarTypes,
    bad: Bad<'_>,
    content: &mut dyn FnMut(&[u8]),
) -> Result<ReadEntry> {
    let header = entry.header();
    let kind = match header.entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link if types == TarTypes::All => EntryKind::Hardlink,
        _ if types == TarTypes::All => EntryKind::Other,
        other => {
            return Err(bad(format!(
                "entry `{path}` has the unsupported tar type {other:?}"
            )))
        }
    };
    let mode = header
        .mode()
        .map_err(|e| bad(format!("entry `{path}`: bad mode: {e}")))?
        & 0o7777;
    let user = header.username().ok().flatten().unwrap_or("").to_string();
    let group = header.groupname().ok().flatten().unwrap_or("").to_string();
    let mtime = header.mtime().unwrap_or(0);
    let link_target = match kind {
        EntryKind::Symlink | EntryKind::Hardlink => Some(
            entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .ok_or_else(|| bad(format!("link `{path}` has no target")))?,
        ),
        _ => None,
    };
    let mut size = 0u64;
    if kind == EntryKind::File {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| bad(format!("reading `{path}`: {e}")))?;
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
