//! A release index from an rpm-md repository a user downloaded (`syspack kb import --release ID
//! DIR`): the facts `syspack kb update` derives from a Debian archive, derived from what dnf and
//! zypper read.
//!
//! # What is read, and why
//!
//! An rpm-md repository (the format createrepo_c writes; its documentation and the `repomd`,
//! `primary` and `filelists` writers `src/xml_dump_*.c` are the primary source, see
//! `docs/distro-facts.md` §7) is a directory with `repodata/repomd.xml`, which names each metadata
//! file by `<data type="…">`: its `<location href>` (relative to the repository), `<checksum>`
//! and `<size>` of the file as stored, `<open-checksum>` and `<open-size>` of its decompressed
//! content, and a `<timestamp>`. The compression is the one the file name says (`.gz`, `.xz`,
//! `.zst`, `.bz2`, or none), cross-checked with its magic bytes.
//!
//! * `primary` (`<metadata>`): each `<package>`'s `<name>`, `<arch>`, `<version epoch ver rel>`
//!   and the `<rpm:entry name>` of its `<rpm:provides>`. rpmbuild's elfdeps gives every shared
//!   library a Provides of its soname with a `()(64bit)` marker on 64-bit ELF
//!   (`libz.so.1()(64bit)`); those are the sonames the package provides, including sonames
//!   without a version (`libnss3.so`).
//! * `filelists` (`<filelists>`): each `<package name arch>`'s `<file>` paths; the `lib*.so*`
//!   files directly in `/lib64` and `/usr/lib64` (the x86_64 loader's default directories on
//!   Fedora, EL and openSUSE: glibc is configured there with `slibdir=/lib64`) are the library
//!   files the release ships.
//!
//! Only `x86_64` and `noarch` packages count: an x86_64 repository also carries `i686` multilib
//! packages, whose libraries a 64-bit binary cannot load. Of several versions of one package the
//! newest by `rpmvercmp` is kept. A version is written as `rpm -q --qf '%{EVR}'` prints it: the
//! epoch only when it is not 0.
//!
//! Every file is verified before any fact is taken from it: its sha256 and size against
//! `repomd.xml`, to the end of the file, then again while it is decompressed and parsed, with
//! the decompressed sha256 and size against `<open-checksum>`/`<open-size>` when repomd gives them.
//! `repomd.xml` itself is not authenticated here (its detached `repomd.xml.asc` is the
//! repository's business): the index records its sha256, so a reader can check it against the
//! copy they trust.
//!
//! # Untrusted input
//!
//! The XML is read as a stream by quick-xml, which never expands an entity a document declares:
//! a `<!DOCTYPE>` is refused outright, and only the five predefined entities and character
//! references are resolved. `repomd.xml` is at most [`MAX_REPOMD`] bytes; a compressed file at
//! most its declared size; a decompressed one at most its `open-size` and never more than
//! [`crate::kb::index::MAX_DECOMPRESSED`]; one element, text or comment at most [`MAX_EVENT`]
//! bytes; nesting at most [`MAX_DEPTH`]. Names, versions and sonames that would not fit the
//! index's tab-separated records are refused with the package named.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use quick_xml::events::Event;

use crate::compress::Compression;
use crate::error::{Error, Result};
use crate::kb::index::{self, Hashing, IndexFile, ReleaseIndex};
use crate::kb::rpmversion::rpmvercmp;

/// Largest `repomd.xml` read (Fedora's is about 6 KB).
pub const MAX_REPOMD: u64 = 4 << 20;

/// Largest single XML event (a start tag with its attributes, a text, a comment).
pub const MAX_EVENT: u64 = 1 << 20;

/// Deepest element nesting accepted (rpm-md documents nest five deep).
pub const MAX_DEPTH: usize = 32;

/// The loader's default directories for x86_64 on RPM distributions (relative, as in the
/// index's Debian `LIB_DIRS`).
pub const LIB_DIRS: &[&str] = &["lib64", "usr/lib64"];

/// The architectures whose packages count for an x86_64 release.
pub const ARCHES: &[&str] = &["x86_64", "noarch"];

/// The `suite` of an index made from an rpm-md repository (its `codename` is repomd's
/// `revision`).
pub const SUITE: &str = "rpm-md";

const FORMAT: &str = "rpm-md";

fn bad(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::malformed(what, FORMAT, msg.to_string())
}

/// One `<data>` of `repomd.xml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepomdData {
    /// `<location href>`, relative to the repository directory.
    pub href: String,
    /// `<checksum type>` (lower case).
    pub checksum_type: String,
    /// `<checksum>` (lower-case hex).
    pub checksum: String,
    /// `<size>`.
    pub size: Option<u64>,
    /// `<open-checksum type>`.
    pub open_checksum_type: String,
    /// `<open-checksum>`.
    pub open_checksum: Option<String>,
    /// `<open-size>`.
    pub open_size: Option<u64>,
    /// `<timestamp>` (seconds since 1970).
    pub timestamp: Option<u64>,
}

/// What `repomd.xml` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repomd {
    /// `<revision>` (createrepo_c writes the time of the run unless told otherwise).
    pub revision: String,
    /// `<data type>` → its entry.
    pub data: BTreeMap<String, RepomdData>,
}

/// One `<package>` of `primary.xml`, reduced to what the index uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrimaryPackage {
    /// `<name>`.
    pub name: String,
    /// `<arch>`.
    pub arch: String,
    /// `<version epoch ver rel>`.
    pub evr: Evr,
    /// The names of its `<rpm:provides>` entries.
    pub provides: Vec<String>,
}

/// One `<package>` of `filelists.xml`, with the files the caller kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilelistPackage {
    /// `name=`.
    pub name: String,
    /// `arch=`.
    pub arch: String,
    /// The `<file>` paths kept (directories and ghosts are never kept).
    pub files: Vec<String>,
}

/// An RPM epoch, version and release.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evr {
    /// `epoch=` (`0` when absent).
    pub epoch: u64,
    /// `ver=`.
    pub ver: String,
    /// `rel=` (may be empty).
    pub rel: String,
}

impl Evr {
    /// As `rpm -q --qf '%{EVR}'` prints it for a package without an explicit epoch 0:
    /// `2:1.0-3`, `1.0-3`, `1.0` when there is no release.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if self.epoch != 0 {
            s.push_str(&format!("{}:", self.epoch));
        }
        s.push_str(&self.ver);
        if !self.rel.is_empty() {
            s.push('-');
            s.push_str(&self.rel);
        }
        s
    }

    /// rpm's order: epoch, then version and release by `rpmvercmp`.
    pub fn cmp_rpm(&self, other: &Evr) -> std::cmp::Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| rpmvercmp(&self.ver, &other.ver))
            .then_with(|| rpmvercmp(&self.rel, &other.rel))
    }
}

/// A `BufRead` that refuses to hand out more than [`MAX_EVENT`] bytes between two events (the
/// parser resets it after each one), so one element cannot grow quick-xml's buffer without bound.
struct Budget<R> {
    inner: R,
    since_event: u64,
}

impl<R: BufRead> Read for Budget<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Budget<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.since_event > MAX_EVENT {
            return Err(std::io::Error::other(format!(
                "an element, text or comment longer than {MAX_EVENT} bytes: refused"
            )));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.since_event += amt as u64;
        self.inner.consume(amt);
    }
}

/// An element seen by [`walk`]: its local name (namespace prefix dropped), its attributes (local
/// names, values with the predefined entities resolved) and, at its end, its text.
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Which side of an element [`walk`] reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Open,
    Close,
}

fn local(name: &str) -> String {
    name.rsplit_once(':').map_or(name, |(_, l)| l).to_string()
}

/// Streams an XML document: `on(Open, path)` when an element opens (the path is every open
/// element, outermost first), `on(Close, path)` when it closes, with its text. Refuses a DOCTYPE, an entity
/// other than the predefined ones, an event over [`MAX_EVENT`], nesting over [`MAX_DEPTH`], a
/// document without `root` as its root element.
fn walk<R: BufRead>(
    what: &str,
    reader: R,
    root: &str,
    mut on: impl FnMut(Edge, &[Element]) -> Result<()>,
) -> Result<()> {
    let mut xml = quick_xml::Reader::from_reader(Budget {
        inner: reader,
        since_event: 0,
    });
    let config = xml.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut seen_root = false;
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| {
            bad(
                what,
                format!(
                    "not well-formed XML near byte {}: {e}",
                    xml.error_position()
                ),
            )
        })?;
        // A reader that hands out large chunks completes an event before `fill_buf` is asked
        // again: the bound holds for it too.
        if xml.get_ref().since_event > MAX_EVENT {
            return Err(bad(
                what,
                format!("an element, text or comment longer than {MAX_EVENT} bytes: refused"),
            ));
        }
        match event {
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if stack.is_empty() {
                    if seen_root || name != root {
                        return Err(bad(
                            what,
                            format!("the root element is `{name}`, not `{root}`: is this the right file?"),
                        ));
                    }
                    seen_root = true;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(bad(what, format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| bad(what, format!("a malformed attribute of `{name}`: {e}")))?;
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| {
                            bad(what, format!("an attribute of `{name}`: {e} (only the predefined entities are resolved)"))
                        })?;
                    attrs.push((local(a.key.as_ref()), value.into_owned()));
                }
                stack.push(Element {
                    name,
                    attrs,
                    text: String::new(),
                });
                on(Edge::Open, &stack)?;
            }
            Event::End(_) => {
                on(Edge::Close, &stack)?;
                stack.pop();
            }
            Event::Text(t) => push_text(what, &mut stack, &t.xml10_content())?,
            Event::CData(t) => push_text(what, &mut stack, &t.xml10_content())?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(bad(
                                what,
                                format!("the entity `&{};` is not one of XML's predefined entities: refused", crate::text::bounded(&r, 64)),
                            ))
                        }
                    },
                    Err(e) => return Err(bad(what, format!("a bad character reference: {e}"))),
                };
                push_text(what, &mut stack, &c)?;
            }
            Event::DocType(_) => {
                return Err(bad(
                    what,
                    "a <!DOCTYPE> declaration: refused (rpm-md metadata has none; a DTD could declare entities)",
                ))
            }
            Event::Eof => {
                if !seen_root {
                    return Err(bad(what, format!("no `<{root}>` element: the file is empty or not rpm-md metadata")));
                }
                return Ok(());
            }
            Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
        xml.get_mut().since_event = 0;
    }
}

fn push_text(what: &str, stack: &mut [Element], s: &str) -> Result<()> {
    let Some(top) = stack.last_mut() else {
        if s.trim().is_empty() {
            return Ok(());
        }
        return Err(bad(what, "text outside the root element"));
    };
    if (top.text.len() + s.len()) as u64 > MAX_EVENT {
        return Err(bad(
            what,
            format!(
                "the text of `<{}>` is longer than {MAX_EVENT} bytes: refused",
                top.name
            ),
        ));
    }
    top.text.push_str(s);
    Ok(())
}

fn names(stack: &[Element]) -> Vec<&str> {
    stack.iter().map(|e| e.name.as_str()).collect()
}

fn number(what: &str, field: &str, s: &str) -> Result<u64> {
    s.trim().parse().map_err(|_| {
        bad(
            what,
            format!(
                "`<{field}>` is `{}`, not a number",
                crate::text::bounded(s, 64)
            ),
        )
    })
}

/// Parses `repomd.xml`.
///
/// # Errors
///
/// [`Error::Malformed`] naming `what` for anything that is not an rpm-md `repomd`, a `<data>`
/// without a type, location or checksum, or a type named twice.
pub fn parse_repomd(what: &str, bytes: &[u8]) -> Result<Repomd> {
    let mut md = Repomd::default();
    let mut cur = RepomdData::default();
    walk(what, bytes, "repomd", |edge, stack| {
        if edge == Edge::Open {
            return Ok(());
        }
        let e = stack.last().expect("an open element");
        match names(stack).as_slice() {
            ["repomd", "revision"] => md.revision = e.text.trim().to_string(),
            ["repomd", "data", field] => match *field {
                "location" => cur.href = e.attr("href").unwrap_or_default().to_string(),
                "checksum" => {
                    cur.checksum_type = e.attr("type").unwrap_or("sha256").to_ascii_lowercase();
                    cur.checksum = e.text.trim().to_ascii_lowercase();
                }
                "open-checksum" => {
                    cur.open_checksum_type =
                        e.attr("type").unwrap_or("sha256").to_ascii_lowercase();
                    cur.open_checksum = Some(e.text.trim().to_ascii_lowercase());
                }
                "size" => cur.size = Some(number(what, "size", &e.text)?),
                "open-size" => cur.open_size = Some(number(what, "open-size", &e.text)?),
                "timestamp" => cur.timestamp = Some(number(what, "timestamp", &e.text)?),
                _ => {}
            },
            ["repomd", "data"] => {
                let kind = e.attr("type").unwrap_or_default().to_string();
                let d = std::mem::take(&mut cur);
                if kind.is_empty() {
                    return Err(bad(what, "a `<data>` without a `type`"));
                }
                if d.href.is_empty() || d.checksum.is_empty() {
                    return Err(bad(
                        what,
                        format!("`<data type=\"{kind}\">` has no location or no checksum"),
                    ));
                }
                if md.data.insert(kind.clone(), d).is_some() {
                    return Err(bad(what, format!("`<data type=\"{kind}\">` appears twice")));
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(md)
}

fn evr_of(what: &str, e: &Element) -> Result<Evr> {
    let epoch = match e.attr("epoch") {
        None | Some("") => 0,
        Some(v) => number(what, "version epoch", v)?,
    };
    Ok(Evr {
        epoch,
        ver: e.attr("ver").unwrap_or_default().to_string(),
        rel: e.attr("rel").unwrap_or_default().to_string(),
    })
}

/// Streams `primary.xml` (decompressed), calling `each` for every `<package>`.
///
/// # Errors
///
/// [`Error::Malformed`] naming `what` (see the bounds of this module's XML walk), a package without a name or a
/// version, or `each`'s error.
pub fn parse_primary<R: BufRead>(
    what: &str,
    reader: R,
    mut each: impl FnMut(PrimaryPackage) -> Result<()>,
) -> Result<()> {
    let mut cur = PrimaryPackage::default();
    let mut has_version = false;
    walk(what, reader, "metadata", |edge, stack| {
        if edge == Edge::Open {
            return Ok(());
        }
        let e = stack.last().expect("an open element");
        match names(stack).as_slice() {
            ["metadata", "package", "name"] => cur.name = e.text.trim().to_string(),
            ["metadata", "package", "arch"] => cur.arch = e.text.trim().to_string(),
            ["metadata", "package", "version"] => {
                cur.evr = evr_of(what, e)?;
                has_version = true;
            }
            ["metadata", "package", "format", "provides", "entry"] => {
                if let Some(n) = e.attr("name") {
                    cur.provides.push(n.to_string());
                }
            }
            ["metadata", "package"] => {
                let p = std::mem::take(&mut cur);
                if p.name.is_empty() || !std::mem::take(&mut has_version) {
                    return Err(bad(
                        what,
                        format!(
                            "a `<package>` without a name or a version (`{}`)",
                            crate::text::bounded(&p.name, 64)
                        ),
                    ));
                }
                each(p)?;
            }
            _ => {}
        }
        Ok(())
    })
}

/// Streams `filelists.xml` (decompressed), calling `each` for every `<package>` with the
/// `<file>` paths `keep` accepts (entries typed `dir` or `ghost` are never kept).
///
/// # Errors
///
/// [`Error::Malformed`] naming `what` (see the bounds of this module's XML walk), a package without a name, or
/// `each`'s error.
pub fn parse_filelists<R: BufRead>(
    what: &str,
    reader: R,
    keep: impl Fn(&str) -> bool,
    mut each: impl FnMut(FilelistPackage) -> Result<()>,
) -> Result<()> {
    let mut cur = FilelistPackage::default();
    walk(what, reader, "filelists", |edge, stack| {
        let e = stack.last().expect("an open element");
        if edge == Edge::Open {
            if let ["filelists", "package"] = names(stack).as_slice() {
                cur.name = e.attr("name").unwrap_or_default().to_string();
                cur.arch = e.attr("arch").unwrap_or_default().to_string();
                if cur.name.is_empty() {
                    return Err(bad(what, "a `<package>` without a `name`"));
                }
            }
            return Ok(());
        }
        match names(stack).as_slice() {
            ["filelists", "package", "file"] => {
                let plain = e.attr("type").is_none_or(|t| t == "file");
                let path = e.text.trim();
                if plain && keep(path) {
                    cur.files.push(path.to_string());
                }
            }
            ["filelists", "package"] => each(std::mem::take(&mut cur))?,
            _ => {}
        }
        Ok(())
    })
}

/// The soname of a Provides entry a 64-bit library carries (`libz.so.1()(64bit)` → `libz.so.1`);
/// `None` for anything else (symbol-version provides, package names, 32-bit ones).
pub fn soname_provide(entry: &str) -> Option<&str> {
    let so = entry.strip_suffix("()(64bit)")?;
    let plain = (so.starts_with("lib") || so.starts_with("ld-"))
        && (so.ends_with(".so") || so.contains(".so."))
        && !so.contains(['(', ')', '/']);
    plain.then_some(so)
}

/// A file path from filelists that is a library file the loader finds by name: `lib*.so*` (or
/// `ld-*.so.*`, [`index::is_soname_file`]) directly in one of [`LIB_DIRS`].
pub fn loader_library(path: &str) -> Option<&str> {
    let (dir, file) = path.strip_prefix('/')?.rsplit_once('/')?;
    (LIB_DIRS.contains(&dir) && index::is_soname_file(file)).then_some(file)
}

/// A value that goes into a tab-separated index record: printable, no whitespace, not empty,
/// at most 256 bytes, and (for package names and sonames) no `,`, which separates packages.
fn field_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != ',')
}

/// The options of an import.
#[derive(Clone, Debug, Default)]
pub struct Import {
    /// The knowledge-base id the repository is (`fedora-43`).
    pub release: String,
    /// The command recorded as the derivation.
    pub command: String,
    /// Where the repository was downloaded from, as a path a reader can find it under (no
    /// host needed): prefixed to every file's path in the index.
    pub origin: Option<String>,
    /// Packages whose versions are kept besides those shipping a library (the C library, the
    /// package manager, the libraries the knowledge base tracks).
    pub packages: Vec<String>,
}

/// A verified metadata file: opened, its whole content hashed against repomd before anything is
/// parsed.
fn verify_stored(dir: &Path, kind: &str, d: &RepomdData) -> Result<std::path::PathBuf> {
    let what = format!("repodata/repomd.xml ({kind})");
    if d.href.starts_with('/')
        || d.href.contains('\\')
        || d.href
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        || !field_ok(&d.href)
    {
        return Err(bad(
            &what,
            format!(
                "the location `{}` is not a plain relative path: refused",
                crate::text::bounded(&d.href, 200)
            ),
        ));
    }
    if d.checksum_type != "sha256" {
        return Err(bad(&what, format!("the checksum of `{}` is {}; syspack verifies sha256 only (createrepo_c's default; rerun it with `--checksum sha256`)", d.href, d.checksum_type)));
    }
    let Some(size) = d.size else {
        return Err(bad(
            &what,
            format!(
                "`{}` has no `<size>`: it cannot be read with a bound",
                d.href
            ),
        ));
    };
    if size > index::MAX_DECOMPRESSED {
        return Err(bad(
            &what,
            format!(
                "`{}` claims {size} bytes, more than {}: refused",
                d.href,
                index::MAX_DECOMPRESSED
            ),
        ));
    }
    let path = dir.join(&d.href);
    let file = std::fs::File::open(&path).map_err(|e| Error::Io {
        path: path.clone(),
        context:
            "opening the rpm-md file repomd.xml names (download the whole repodata/ directory)",
        source: e,
    })?;
    let (sum, got) = check_hash(&d.href, size, Hashing::new(file, size + 1).finish())?;
    mismatch(&d.href, &sum, got, &d.checksum, size, "")?;
    Ok(path)
}

fn check_hash(href: &str, size: u64, r: std::io::Result<(String, u64)>) -> Result<(String, u64)> {
    r.map_err(|e| {
        bad(
            href,
            format!("cannot be read within the {size} bytes repodata/repomd.xml lists ({e}): download repomd.xml and the files it names again, together"),
        )
    })
}

fn mismatch(
    href: &str,
    sum: &str,
    got: u64,
    want: &str,
    want_size: u64,
    which: &str,
) -> Result<()> {
    if sum != want || got != want_size {
        return Err(bad(
            href,
            format!(
                "{which}sha256 {sum} ({got} bytes), but repodata/repomd.xml lists {want} ({want_size} bytes): the file is damaged or belongs to another revision of the repository; download repomd.xml and the files it names again, together"
            ),
        ));
    }
    Ok(())
}

fn compression_of(href: &str) -> Compression {
    let name = href.rsplit('/').next().unwrap_or(href);
    match name.rsplit_once('.').map(|(_, s)| s) {
        Some("gz") => Compression::Gzip { level: 9 },
        Some("xz") => Compression::Xz {
            level: 6,
            threads: 1,
        },
        Some("zst" | "zstd") => Compression::Zstd {
            level: 19,
            threads: 1,
        },
        Some("bz2") => Compression::Bzip2 { level: 9 },
        _ => Compression::None,
    }
}

/// Decompresses and parses a verified metadata file, hashing both sides again as it goes.
fn read_verified(
    path: &Path,
    d: &RepomdData,
    parse: impl FnOnce(&mut dyn BufRead) -> Result<()>,
) -> Result<()> {
    let size = d.size.unwrap_or(0);
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        context: "opening",
        source: e,
    })?;
    let mut stored = BufReader::new(Hashing::new(file, size + 1));
    let named = compression_of(&d.href);
    let head = stored
        .fill_buf()
        .map_err(|e| bad(&d.href, format!("cannot read: {e}")))?;
    let sniffed = crate::compress::sniff(head);
    if sniffed.name() != named.name() {
        return Err(bad(
            &d.href,
            format!(
                "its name says {} but its content is {}: refused",
                named.name(),
                sniffed.name()
            ),
        ));
    }
    let open_limit = d
        .open_size
        .unwrap_or(index::MAX_DECOMPRESSED)
        .min(index::MAX_DECOMPRESSED);
    {
        let dec = crate::compress::decoder(&mut stored, named)
            .map_err(|e| bad(&d.href, format!("cannot decompress: {e}")))?;
        let mut open = Hashing::new(dec, open_limit);
        parse(&mut BufReader::new(&mut open))?;
        let (sum, got) = open
            .finish()
            .map_err(|e| bad(&d.href, format!("cannot decompress: {e}")))?;
        if d.open_checksum_type == "sha256" {
            if let Some(want) = &d.open_checksum {
                mismatch(
                    &d.href,
                    &sum,
                    got,
                    want,
                    d.open_size.unwrap_or(got),
                    "decompressed: ",
                )?;
            }
        }
        if let Some(want) = d.open_size {
            if got != want {
                return Err(bad(
                    &d.href,
                    format!("decompresses to {got} bytes, but repodata/repomd.xml says {want}"),
                ));
            }
        }
    }
    let (sum, got) = check_hash(&d.href, size, stored.into_inner().finish())?;
    mismatch(&d.href, &sum, got, &d.checksum, size, "")
}

/// Reads the rpm-md repository in `dir` (`dir/repodata/repomd.xml` and the `primary` and
/// `filelists` files it names) into a release index.
///
/// # Errors
///
/// [`Error::Io`] for a file that cannot be read; [`Error::Malformed`] naming the file for a
/// checksum or size that differs from repomd's, a bound exceeded, malformed XML, or a value that
/// cannot be recorded.
pub fn import(dir: &Path, opts: &Import) -> Result<ReleaseIndex> {
    let repomd_path = dir.join("repodata/repomd.xml");
    let mut bytes = Vec::new();
    std::fs::File::open(&repomd_path)
        .and_then(|f| f.take(MAX_REPOMD + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::Io {
            path: repomd_path.clone(),
            context: "reading an rpm-md repository's",
            source: e,
        })?;
    if bytes.len() as u64 > MAX_REPOMD {
        return Err(bad(
            "repodata/repomd.xml",
            format!("larger than {MAX_REPOMD} bytes: refused"),
        ));
    }
    let md = parse_repomd("repodata/repomd.xml", &bytes)?;
    let prefix = |p: &str| match &opts.origin {
        Some(o) => format!("{}/{p}", o.trim_end_matches('/')),
        None => p.to_string(),
    };
    let mut files = vec![IndexFile {
        path: prefix("repodata/repomd.xml"),
        sha256: index::sha256_hex(&bytes),
        size: bytes.len() as u64,
    }];
    let mut date = None::<u64>;
    let mut entries = Vec::new();
    for kind in ["primary", "filelists"] {
        let Some(d) = md.data.get(kind) else {
            return Err(bad("repodata/repomd.xml", format!("names no `{kind}` file; syspack needs `primary` (versions, soname Provides) and `filelists` (library files): download the whole repodata/ directory")));
        };
        let path = verify_stored(dir, kind, d)?;
        files.push(IndexFile {
            path: prefix(&d.href),
            sha256: d.checksum.clone(),
            size: d.size.unwrap_or(0),
        });
        date = date.max(d.timestamp);
        entries.push((path, d));
    }
    let Some(date) = date else {
        return Err(bad("repodata/repomd.xml", "neither `primary` nor `filelists` has a `<timestamp>`: the index would have no as-of date"));
    };
    let arch_ok = |a: &str| ARCHES.contains(&a);
    let mut sonames: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut versions: BTreeMap<String, Evr> = BTreeMap::new();
    let (primary, primary_d) = &entries[0];
    read_verified(primary, primary_d, |r| {
        parse_primary(&primary_d.href, r, |p| {
            if !arch_ok(&p.arch) {
                return Ok(());
            }
            let v = p.evr.display();
            if !field_ok(&p.name) || !field_ok(&v) {
                return Err(bad(&primary_d.href, format!("the package `{}` version `{}` cannot be recorded (a comma, whitespace or control character, or empty)", crate::text::bounded(&p.name, 100), crate::text::bounded(&v, 100))));
            }
            for so in p.provides.iter().filter_map(|e| soname_provide(e)) {
                if field_ok(so) {
                    sonames
                        .entry(so.to_string())
                        .or_default()
                        .insert(p.name.clone());
                }
            }
            match versions.get(&p.name) {
                Some(old) if old.cmp_rpm(&p.evr).is_ge() => {}
                _ => {
                    versions.insert(p.name.clone(), p.evr);
                }
            }
            Ok(())
        })
    })?;
    let (filelists, filelists_d) = &entries[1];
    read_verified(filelists, filelists_d, |r| {
        parse_filelists(
            &filelists_d.href,
            r,
            |path| loader_library(path).is_some(),
            |p| {
                if !arch_ok(&p.arch) {
                    return Ok(());
                }
                if !field_ok(&p.name) {
                    return Err(bad(
                        &filelists_d.href,
                        format!(
                            "the package name `{}` cannot be recorded",
                            crate::text::bounded(&p.name, 100)
                        ),
                    ));
                }
                for f in &p.files {
                    if let Some(so) = loader_library(f).filter(|s| field_ok(s)) {
                        sonames
                            .entry(so.to_string())
                            .or_default()
                            .insert(p.name.clone());
                    }
                }
                Ok(())
            },
        )
    })?;
    let revision = if md.revision.is_empty() {
        "-".to_string()
    } else {
        md.revision.clone()
    };
    if revision.len() > 256 || revision.chars().any(char::is_control) {
        return Err(bad(
            "repodata/repomd.xml",
            "the `<revision>` is longer than 256 bytes or holds a control character: refused",
        ));
    }
    let mut ix = ReleaseIndex {
        release: opts.release.clone(),
        suite: SUITE.to_string(),
        codename: revision,
        date: crate::date::rfc2822(date),
        command: opts.command.clone(),
        signature: format!(
            "none: signature not checked (repomd.xml.asc; no --keyring): repodata/repomd.xml sha256 {} as given to the import",
            files[0].sha256
        ),
        files,
        ..ReleaseIndex::default()
    };
    ix.sonames = sonames
        .into_iter()
        .map(|(so, p)| (so, p.into_iter().collect()))
        .collect();
    let wanted: BTreeSet<&str> = ix
        .sonames
        .values()
        .flatten()
        .map(String::as_str)
        .chain(opts.packages.iter().map(String::as_str))
        .collect();
    for name in wanted {
        if let Some(v) = versions.get(name) {
            ix.packages.insert(name.to_string(), v.display());
        }
    }
    Ok(ix)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPOMD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <data type="primary">
    <checksum type="sha256">AB</checksum>
    <open-checksum type="sha256">cd</open-checksum>
    <location href="repodata/ab-primary.xml.zst"/>
    <timestamp>1700000001</timestamp>
    <size>10</size>
    <open-size>20</open-size>
  </data>
  <data type="primary_db">
    <checksum type="sha256">ef</checksum>
    <location href="repodata/ef-primary.sqlite.bz2"/>
  </data>
</repomd>
"#;

    #[test]
    fn repomd_fields() {
        let md = parse_repomd("repomd.xml", REPOMD.as_bytes()).unwrap();
        assert_eq!(md.revision, "1700000000");
        let p = &md.data["primary"];
        assert_eq!(p.href, "repodata/ab-primary.xml.zst");
        assert_eq!(p.checksum, "ab");
        assert_eq!(p.open_checksum.as_deref(), Some("cd"));
        assert_eq!(
            (p.size, p.open_size, p.timestamp),
            (Some(10), Some(20), Some(1_700_000_001))
        );
        assert_eq!(md.data.len(), 2);
        assert!(matches!(compression_of(&p.href), Compression::Zstd { .. }));
    }

    #[test]
    fn hostile_documents_are_refused() {
        let cases: &[(&str, &str)] = &[
            (
                "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><repomd><revision>&a;</revision></repomd>",
                "DOCTYPE",
            ),
            ("<repomd><revision>&a;</revision></repomd>", "predefined"),
            ("<metadata/>", "root element is `metadata`"),
            ("", "no `<repomd>`"),
            ("<repomd><revision>1</revisio></repomd>", "well-formed"),
            (
                "<repomd><data type=\"primary\"><size>x</size></data></repomd>",
                "not a number",
            ),
            (
                "<repomd><data type=\"p\"><checksum>a</checksum></data></repomd>",
                "no location",
            ),
        ];
        for (doc, want) in cases {
            let err = parse_repomd("repomd.xml", doc.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(want) && err.contains("repomd.xml"),
                "{doc}: {err}"
            );
        }
        let deep = format!("<repomd>{}</repomd>", "<a>".repeat(100));
        let err = parse_repomd("r", deep.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("nested deeper"), "{err}");
        let long = format!(
            "<repomd><revision>{}</revision></repomd>",
            "x".repeat(3 << 20)
        );
        let err = parse_repomd("r", long.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("longer than"), "{err}");
        let tag = format!("<repomd {}=\"1\"/>", "a".repeat(3 << 20));
        let err = parse_repomd("r", tag.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("longer than"), "{err}");
        // Read as a stream in small pieces, an overlong tag is refused before it is buffered
        // whole.
        let tag = format!(
            "<metadata><package {}=\"1\"/></metadata>",
            "a".repeat(3 << 20)
        );
        let reader = std::io::BufReader::with_capacity(64, tag.as_bytes());
        let err = parse_primary("primary.xml", reader, |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("longer than") && err.contains("primary.xml"),
            "{err}"
        );
        // Predefined entities and character references are resolved.
        let md = parse_repomd("r", b"<repomd><revision>a&amp;b&#x41;</revision></repomd>").unwrap();
        assert_eq!(md.revision, "a&bA");
    }

    #[test]
    fn primary_and_filelists() {
        let primary = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
<package type="rpm">
  <name>demo</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="1.2.3" rel="4.fc43"/>
  <format>
    <rpm:provides>
      <rpm:entry name="demo" flags="EQ" epoch="2" ver="1.2.3" rel="4.fc43"/>
      <rpm:entry name="libdemo.so.1()(64bit)"/>
      <rpm:entry name="libdemo.so.1(DEMO_1)(64bit)"/>
    </rpm:provides>
    <rpm:requires><rpm:entry name="libc.so.6()(64bit)"/></rpm:requires>
    <file>/usr/bin/demo</file>
  </format>
</package>
</metadata>"#;
        let mut got = Vec::new();
        parse_primary("primary.xml", primary.as_bytes(), |p| {
            got.push(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].evr.display(), "2:1.2.3-4.fc43");
        let sonames: Vec<_> = got[0]
            .provides
            .iter()
            .filter_map(|e| soname_provide(e))
            .collect();
        assert_eq!(sonames, ["libdemo.so.1"]);
        let filelists = r#"<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="1">
<package pkgid="x" name="demo" arch="x86_64">
  <version epoch="0" ver="1" rel="1"/>
  <file>/usr/lib64/libdemo.so.1</file>
  <file>/usr/lib64/libdemo.so.1.0.0</file>
  <file>/usr/lib64/libdemo.so</file>
  <file>/usr/lib/libdemo.so.1</file>
  <file>/usr/lib64/demo/libplugin.so.1</file>
  <file type="ghost">/usr/lib64/libghost.so.1</file>
  <file type="dir">/usr/lib64</file>
</package>
</filelists>"#;
        let mut files = Vec::new();
        parse_filelists(
            "filelists.xml",
            filelists.as_bytes(),
            |p| loader_library(p).is_some(),
            |p| {
                files = p.files;
                Ok(())
            },
        )
        .unwrap();
        // A bare `.so` is kept too: some sonames end that way (nss's `libnss3.so`).
        assert_eq!(
            files,
            [
                "/usr/lib64/libdemo.so.1",
                "/usr/lib64/libdemo.so.1.0.0",
                "/usr/lib64/libdemo.so"
            ]
        );
    }

    #[test]
    fn evr_order_and_display() {
        let e = |epoch, ver: &str, rel: &str| Evr {
            epoch,
            ver: ver.into(),
            rel: rel.into(),
        };
        assert_eq!(e(0, "1.0", "1").display(), "1.0-1");
        assert!(e(1, "0.1", "1").cmp_rpm(&e(0, "9", "9")).is_gt());
        assert!(e(0, "1.10", "1").cmp_rpm(&e(0, "1.9", "1")).is_gt());
        assert!(e(0, "1.0", "2").cmp_rpm(&e(0, "1.0", "10")).is_lt());
        assert_eq!(soname_provide("libnss3.so()(64bit)"), Some("libnss3.so"));
        assert_eq!(soname_provide("libc.so.6(GLIBC_2.34)(64bit)"), None);
        assert_eq!(soname_provide("libc.so.6"), None);
        assert_eq!(soname_provide("config(demo)"), None);
    }
}
