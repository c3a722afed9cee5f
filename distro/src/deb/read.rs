//! Reading a `.deb` the way dpkg does, and verifying what it carries.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use super::ar;
use super::control::Control;
use crate::compress::{self, Compression};
use crate::error::{Error, Result};
use crate::reader::{self, TarTypes};
pub use crate::reader::{EntryKind, ReadEntry};
use crate::text;

/// A `.deb` read and verified: the ar layout, the compression of both members, the control file,
/// every `md5sums` line against the content, and every conffile present in data.tar.
///
/// ```no_run
/// let deb = syspack_distro::deb::Reader::open("hello_1.0.0-1_amd64.deb".as_ref())?;
/// println!("{} {}", deb.metadata().package().unwrap_or("?"), deb.entries().len());
/// # Ok::<(), syspack_distro::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Reader {
    path: PathBuf,
    control: Control,
    control_member: String,
    data_member: String,
    /// Where data.tar's bytes are in the file, and how many.
    data_offset: u64,
    data_size: u64,
    conffiles: Vec<String>,
    md5sums: BTreeMap<String, String>,
    scripts: BTreeMap<String, String>,
    entries: Vec<ReadEntry>,
}

struct Member {
    name: String,
    offset: u64,
    size: u64,
}

impl Reader {
    /// Opens, parses and verifies a `.deb`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; [`Error::Malformed`] for anything dpkg would
    /// refuse (wrong magic, odd size, bad member header, `debian-binary` not first or not 2.x,
    /// a member out of order, an empty or unknown-compression member, a compression that does not
    /// match the suffix, a control file without `Package`/`Version`/`Architecture`, an `md5sums`
    /// line for a file that is not there, a conffile that is not a regular file in data.tar);
    /// [`Error::ChecksumMismatch`] when a file's content does not match `md5sums`;
    /// [`Error::UnsupportedPackage`] for a `data.tar.lzma`.
    pub fn open(path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::malformed(path, "deb", reason);
        let io = |e| Error::io(path, "reading", e);
        let mut file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic)
            .map_err(|_| bad("too short for an ar archive".into()))?;
        if &magic != ar::MAGIC {
            return Err(bad("does not start with the ar magic `!<arch>\\n`".into()));
        }
        if len % 2 == 1 {
            return Err(bad(format!(
                "has an odd size ({len} bytes); ar archives are padded to even sizes"
            )));
        }

        let mut offset = 8u64;
        let mut next = |file: &mut File| -> Result<Option<Member>> {
            if offset >= len {
                return Ok(None);
            }
            let mut h = [0u8; ar::HEADER_LEN];
            file.seek(SeekFrom::Start(offset)).map_err(io)?;
            file.read_exact(&mut h)
                .map_err(|_| bad(format!("truncated ar member header at offset {offset}")))?;
            let hdr = ar::parse_header(&h).map_err(bad)?;
            let start = offset + ar::HEADER_LEN as u64;
            let end = start + hdr.size + hdr.size % 2;
            if start + hdr.size > len {
                return Err(bad(format!(
                    "ar member `{}` claims {} bytes but the file ends {} bytes after its header",
                    hdr.name,
                    hdr.size,
                    len - start
                )));
            }
            offset = end;
            Ok(Some(Member {
                name: hdr.name,
                offset: start,
                size: hdr.size,
            }))
        };

        let Some(first) = next(&mut file)? else {
            return Err(bad("has no members".into()));
        };
        if first.name != "debian-binary" {
            return Err(bad(format!(
                "the first member is `{}`, not `debian-binary` (not a Debian binary archive)",
                first.name
            )));
        }
        let version = read_member(&mut file, &first, 4096).map_err(io)?;
        let version = String::from_utf8_lossy(&version).into_owned();
        let Some(line) = version.split_once('\n').map(|(l, _)| l) else {
            return Err(bad(format!(
                "debian-binary is {version:?}; expected `2.0` and a newline"
            )));
        };
        if line.split('.').next() != Some("2")
            || line
                .split('.')
                .nth(1)
                .is_some_and(|m| m.parse::<u32>().is_err())
        {
            return Err(bad(format!(
                "debian-binary says format `{line}`; only format 2.x exists"
            )));
        }

        let mut control_member: Option<Member> = None;
        let mut data_member: Option<Member> = None;
        while let Some(m) = next(&mut file)? {
            if m.name.starts_with('_') {
                continue;
            }
            if control_member.is_none() {
                if !m.name.starts_with("control.tar") {
                    return Err(bad(format!(
                        "member `{}` where `control.tar` was expected",
                        m.name
                    )));
                }
                control_member = Some(m);
            } else if m.name.starts_with("control.tar") {
                return Err(bad("has a second control member".into()));
            } else if m.name.starts_with("data.tar") {
                data_member = Some(m);
                break; // members after data.tar are ignored, as dpkg does
            } else {
                return Err(bad(format!(
                    "premature member `{}` before `data.tar`",
                    m.name
                )));
            }
        }
        let control_member =
            control_member.ok_or_else(|| bad("has no control.tar member".into()))?;
        let data_member = data_member.ok_or_else(|| bad("has no data.tar member".into()))?;
        for m in [&control_member, &data_member] {
            if m.size == 0 {
                return Err(bad(format!("member `{}` is empty", m.name)));
            }
        }
        let control_c = member_compression(path, &mut file, &control_member, false)?;
        let data_c = member_compression(path, &mut file, &data_member, true)?;

        // control.tar, streamed: each member at most `limits::MAX_METADATA_MEMBER`.
        let mut control_files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        {
            file.seek(SeekFrom::Start(control_member.offset))
                .map_err(io)?;
            let dec = compress::decoder(
                io::BufReader::new((&mut file).take(control_member.size)),
                control_c,
            )
            .map_err(io)?;
            let mut tar = tar::Archive::new(dec);
            let control_bad = |reason: String| bad(format!("`{}`: {reason}", control_member.name));
            let mut meta = reader::Metadata::default();
            let mut entries = reader::tar_entries(&mut tar, &control_bad)?;
            for item in &mut entries {
                let mut item = item?;
                if item.entry.header().entry_type() != tar::EntryType::Regular {
                    continue;
                }
                let name = item.name.trim_start_matches("./").to_string();
                meta.read(&mut item.entry, name, &control_bad)?;
            }
            reader::finish_tar(tar, &control_bad)?;
            control_files.extend(meta.files);
        }
        let text = |name: &str| -> Result<Option<String>> {
            match control_files.get(name) {
                None => Ok(None),
                Some(b) => String::from_utf8(b.clone())
                    .map(Some)
                    .map_err(|_| bad(format!("control member `{name}` is not UTF-8"))),
            }
        };
        let control_text =
            text("control")?.ok_or_else(|| bad("control.tar has no `control` file".into()))?;
        let control: Control = control_text
            .parse()
            .map_err(|e| bad(format!("its `control` file does not parse: {e}")))?;
        for field in ["Package", "Version", "Architecture"] {
            if control.get(field).is_none() {
                return Err(bad(format!("its `control` file has no `{field}` field")));
            }
        }
        let mut md5sums = BTreeMap::new();
        for line in text("md5sums")?.unwrap_or_default().lines() {
            if line.trim().is_empty() {
                continue;
            }
            let (hash, p) = line
                .split_once("  ")
                .or_else(|| line.split_once(' '))
                .ok_or_else(|| bad(format!("md5sums line `{line}` is not `<md5>  <path>`")))?;
            if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(format!(
                    "md5sums line `{line}` does not start with 32 hex digits"
                )));
            }
            md5sums.insert(
                absolute(p.trim_start_matches("./")),
                hash.to_ascii_lowercase(),
            );
        }
        let mut conffiles = Vec::new();
        let mut must_exist = Vec::new();
        for line in text("conffiles")?.unwrap_or_default().lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some((p, flags)) = words.split_last() else {
                continue;
            };
            if !p.starts_with('/') {
                return Err(bad(format!("conffile `{p}` is not an absolute path")));
            }
            if !flags.contains(&"remove-on-upgrade") {
                must_exist.push(p.to_string());
            }
            conffiles.push(line.trim().to_string());
        }
        let mut scripts = BTreeMap::new();
        for name in [
            "preinst", "postinst", "prerm", "postrm", "config", "triggers",
        ] {
            if let Some(t) = control_files.get(name) {
                scripts.insert(name.to_string(), String::from_utf8_lossy(t).into_owned());
            }
        }

        // data.tar, streamed.
        file.seek(SeekFrom::Start(data_member.offset)).map_err(io)?;
        let dec = compress::decoder(
            io::BufReader::new((&mut file).take(data_member.size)),
            data_c,
        )
        .map_err(io)?;
        let mut tar = tar::Archive::new(dec);
        let data_bad = |reason: String| bad(format!("`{}`: {reason}", data_member.name));
        let mut entries = Vec::new();
        let mut guard = reader::PathGuard::default();
        let mut items = reader::tar_entries(&mut tar, &data_bad)?;
        for item in &mut items {
            let mut item = item?;
            let name = std::mem::take(&mut item.name);
            let path = install_path(&name).map_err(|why| data_bad(format!("entry {why}")))?;
            let mut md5 = Md5::new();
            let mut read =
                reader::read_tar_entry(&mut item, path, TarTypes::All, &data_bad, &mut |chunk| {
                    md5.update(chunk)
                })?;
            reader::resolve_hardlink(&mut read, install_path).map_err(&data_bad)?;
            let source = guard
                .admit(&read.path, read.kind, read.link_target.as_deref())
                .map_err(&data_bad)?;
            if read.kind == EntryKind::File {
                read.digest = Some(hex::encode(md5.finalize()));
            }
            if let Some(source) = source.and_then(|i| entries.get(i)) {
                // md5sums lists a hard-linked name with its content's digest, as dh_md5sums does.
                let ReadEntry { size, digest, .. } = source;
                (read.size, read.digest) = (*size, digest.clone());
            }
            entries.push(read);
        }
        reader::finish_tar(tar, &data_bad)?;
        guard
            .finish(entries.iter().map(|e| e.path.as_str()))
            .map_err(&data_bad)?;

        let by_path: BTreeMap<&str, &ReadEntry> =
            entries.iter().map(|e| (e.path.as_str(), e)).collect();
        for (p, expected) in &md5sums {
            let Some(e) = by_path.get(p.as_str()) else {
                return Err(bad(format!(
                    "md5sums lists `{p}`, which is not in data.tar"
                )));
            };
            let actual = e.digest.as_deref().unwrap_or("(not a regular file)");
            if actual != expected {
                return Err(Error::ChecksumMismatch {
                    path: path.to_path_buf(),
                    entry: p.clone(),
                    expected: expected.clone(),
                    actual: actual.to_string(),
                });
            }
        }
        for c in &must_exist {
            if !by_path
                .get(c.as_str())
                .is_some_and(|e| e.kind == EntryKind::File)
            {
                return Err(bad(format!(
                    "conffile `{c}` is not a regular file in data.tar"
                )));
            }
        }

        Ok(Reader {
            path: path.to_path_buf(),
            control,
            control_member: control_member.name,
            data_offset: data_member.offset,
            data_size: data_member.size,
            data_member: data_member.name,
            conffiles,
            md5sums,
            scripts,
            entries,
        })
    }

    /// The control file.
    pub fn metadata(&self) -> &Control {
        &self.control
    }

    /// The data.tar entries in archive order.
    pub fn entries(&self) -> &[ReadEntry] {
        &self.entries
    }

    /// The package file that was read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Calls `f` with the index, install path and content of each regular file of
    /// data.tar, in archive order; returns its compression.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a read error or an error `f` returns.
    pub fn each_file(&self, f: &mut crate::reader::FileVisitor<'_>) -> Result<Compression> {
        crate::reader::each_tar_file(&self.path, self.data_tar()?, f)
    }

    /// The names of the compressed members, e.g. `("control.tar.xz", "data.tar.xz")`.
    pub fn members(&self) -> (&str, &str) {
        (&self.control_member, &self.data_member)
    }

    /// The `data.tar*` member as stored (still compressed), read from the file again: the
    /// payload, from the place [`Reader::open`] found it at.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be opened or positioned.
    pub fn data_tar(&self) -> Result<io::Take<io::BufReader<File>>> {
        let io = |e| Error::io(&self.path, "reading", e);
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(self.data_offset)).map_err(io)?;
        Ok(io::BufReader::new(file).take(self.data_size))
    }

    /// The `conffiles` lines (absolute paths, possibly preceded by flags).
    pub fn conffiles(&self) -> &[String] {
        &self.conffiles
    }

    /// `md5sums`: absolute path to hex digest (every line was verified).
    pub fn md5sums(&self) -> &BTreeMap<String, String> {
        &self.md5sums
    }

    /// Maintainer scripts and other executable control members by name (`postinst`, …).
    pub fn scripts(&self) -> &BTreeMap<String, String> {
        &self.scripts
    }
}

/// The install path of a `data.tar` name (`./usr/bin/x` → `/usr/bin/x`), also used for a hard
/// link's target, which dpkg reads the same way; or why there is none.
fn install_path(name: &str) -> std::result::Result<String, String> {
    if name.starts_with('/') {
        return Err(format!(
            "`{}` is an absolute path; dpkg-deb writes `./`-relative names",
            text::quote(name)
        ));
    }
    reader::clean_path(name)
}

fn absolute(p: &str) -> String {
    format!("/{}", p.trim_start_matches('/'))
}

fn read_member(file: &mut File, m: &Member, limit: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(m.offset))?;
    let mut buf = Vec::with_capacity(m.size.min(limit) as usize);
    file.take(m.size.min(limit)).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The compression a member's suffix names, checked against the stream's magic bytes.
fn member_compression(path: &Path, file: &mut File, m: &Member, data: bool) -> Result<Compression> {
    let base = if data { "data.tar" } else { "control.tar" };
    let suffix = m.name.strip_prefix(base).unwrap_or("");
    let c = match suffix {
        "" => Compression::None,
        ".gz" => Compression::DEFAULT_GZIP,
        ".xz" => Compression::DEFAULT_XZ,
        ".zst" => Compression::DEFAULT_ZSTD,
        ".bz2" if data => Compression::DEFAULT_BZIP2,
        // dpkg still reads the LZMA-alone format of dpkg 1.13-era packages (lib/dpkg/compress.c,
        // `.lzma`); syspack has no decoder for it, and says so rather than call it invalid (as
        // the rpm reader does for an lzma payload).
        ".lzma" if data => {
            return Err(Error::UnsupportedPackage {
                path: path.to_path_buf(),
                what: "a .deb with data.tar.lzma (dpkg still reads it)",
                hint: "repack it with `dpkg-deb -R PKG DIR && dpkg-deb -Zxz -b DIR` (syspack \
                       reads none, gzip, xz and zstd members, and bzip2 for data.tar)",
            })
        }
        _ => {
            let reason = format!(
                "member `{}` has a compression dpkg does not accept there",
                m.name
            );
            return Err(Error::malformed(path, "deb", reason));
        }
    };
    let mut head = [0u8; 8];
    file.seek(SeekFrom::Start(m.offset))
        .map_err(|e| Error::io(path, "reading", e))?;
    let n = file
        .take(8)
        .read(&mut head)
        .map_err(|e| Error::io(path, "reading", e))?;
    let sniffed = compress::sniff(&head[..n]);
    if sniffed.name() != c.name() {
        return Err(Error::malformed(
            path,
            "deb",
            format!(
                "member `{}` is named {} but its content is {}",
                m.name,
                c.name(),
                sniffed.name()
            ),
        ));
    }
    Ok(c)
}

impl fmt::Display for Reader {
    /// The control file, the members, conffiles and scripts, then one line per data.tar entry in
    /// archive order (`ls -l` style).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.control)?;
        writeln!(f)?;
        writeln!(
            f,
            "members: debian-binary, {}, {}",
            self.control_member, self.data_member
        )?;
        if !self.scripts.is_empty() {
            let names: Vec<&str> = self.scripts.keys().map(String::as_str).collect();
            writeln!(f, "scripts: {}", names.join(", "))?;
        }
        if !self.conffiles.is_empty() {
            writeln!(f, "conffiles:")?;
            for c in &self.conffiles {
                writeln!(f, "  {c}")?;
            }
        }
        writeln!(f, "md5sums: {} files verified", self.md5sums.len())?;
        writeln!(f, "files:")?;
        for e in &self.entries {
            write!(
                f,
                "  {} {}/{} {:>10} {}",
                e.mode_string(),
                e.user,
                e.group,
                e.size,
                e.path
            )?;
            match (&e.kind, &e.link_target) {
                (EntryKind::Symlink, Some(t)) => writeln!(f, " -> {t}")?,
                (EntryKind::Hardlink, Some(t)) => writeln!(f, " link to {t}")?,
                _ => writeln!(f)?,
            }
        }
        Ok(())
    }
}
