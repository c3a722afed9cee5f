//! `.MTREE`: the gzip-compressed list of every file with its type, mode, size and SHA-256
//! (ALPM-MTREE(5)); `pacman -Qkk` checks installed files against it.
//!
//! makepkg generates it with `bsdtar --format=mtree --options='!all,use-set,type,uid,gid,mode,
//! time,size,sha256,link'` (makepkg ≤ 6.0 also asked for `md5`). [`Mtree`]'s
//! [`Display`](fmt::Display) writes the same keywords in bsdtar's order, with one
//! `/set type=file uid=0 gid=0 mode=644` line at the top and on each entry only the keywords that
//! differ from it. Names are escaped like bsdtar (`mtree_quote`): every byte that is not printable
//! ASCII, and space, `#`, `=` and `\`, become `\ooo` (octal).
//!
//! [`super::Writer`] gives files both `md5digest` and `sha256digest`: pacman ≤ 6.0 (Debian 12,
//! Ubuntu) checks the MD5 in `pacman -Qkk` and reports every file as altered without it; pacman
//! ≥ 6.1 (ALPM-MTREE v2) checks the SHA-256 and ignores the MD5.
//!
//! [`FromStr`](std::str::FromStr) reads any mtree bsdtar writes: several `/set` and `/unset`
//! lines, line continuations, `md5digest`, unknown keywords (ignored). Display and FromStr are
//! inverses for the canonical form Display writes.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The three entry types ALPM-MTREE allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MtreeType {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Link,
}

impl MtreeType {
    fn keyword(self) -> &'static str {
        match self {
            MtreeType::File => "file",
            MtreeType::Dir => "dir",
            MtreeType::Link => "link",
        }
    }
}

/// One entry of an mtree file, with `/set` defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MtreeEntry {
    /// The path without its leading `./`, unescaped (`usr/bin/my tool`).
    pub path: String,
    /// The type.
    pub kind: MtreeType,
    /// Owner id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Permission bits.
    pub mode: u32,
    /// Modification time: seconds since the epoch; negative before it (nfpm writes Go's zero
    /// time, -62135596800, for the directories it adds; libarchive's mtree reader takes a sign).
    pub time_secs: i64,
    /// Modification time: nanoseconds.
    pub time_nsec: u32,
    /// Size in bytes (files).
    pub size: Option<u64>,
    /// MD5, hex (format 1 only; ignored when verifying).
    pub md5: Option<String>,
    /// SHA-256, hex (files).
    pub sha256: Option<String>,
    /// Link target, unescaped (links).
    pub link: Option<String>,
}

/// A parsed or generated `.MTREE` (uncompressed text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mtree {
    /// The entries in file order.
    pub entries: Vec<MtreeEntry>,
}

impl Mtree {
    /// The entry for `path` (relative, without `./`).
    pub fn get(&self, path: &str) -> Option<&MtreeEntry> {
        self.entries.iter().find(|e| e.path == path)
    }
}

/// Escapes a name like libarchive's `mtree_quote`.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for &b in name.as_bytes() {
        let safe = (0x21..0x7f).contains(&b) && !matches!(b, b'#' | b'=' | b'\\');
        if safe {
            out.push(b as char);
        } else {
            out.push('\\');
            out.push(char::from(b'0' + (b >> 6)));
            out.push(char::from(b'0' + ((b >> 3) & 7)));
            out.push(char::from(b'0' + (b & 7)));
        }
    }
    out
}

/// Undoes [`escape`] and the other escapes libarchive's mtree reader knows (`\s`, `\t`, `\\`…).
///
/// # Errors
///
/// [`Error::Parse`] when the result is not UTF-8 or an escape is cut short.
pub fn unescape(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        if rest.len() >= 3 && rest[..3].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = u32::from(rest[0] - b'0') * 64
                + u32::from(rest[1] - b'0') * 8
                + u32::from(rest[2] - b'0');
            out.push(v as u8);
            i += 4;
            continue;
        }
        let c = match rest.first() {
            Some(b's') => b' ',
            Some(b't') => b'\t',
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b'a') => 7,
            Some(b'b') => 8,
            Some(b'f') => 12,
            Some(b'v') => 11,
            Some(b'\\') => b'\\',
            Some(b'#') => b'#',
            Some(b'=') => b'=',
            _ => {
                return Err(Error::Parse {
                    what: "mtree name",
                    value: s.to_string(),
                    reason: "contains an unknown or incomplete `\\` escape".to_string(),
                })
            }
        };
        out.push(c);
        i += 2;
    }
    String::from_utf8(out).map_err(|_| Error::Parse {
        what: "mtree name",
        value: s.to_string(),
        reason: "is not UTF-8 once unescaped".to_string(),
    })
}

/// The keywords a `/set` line gives every following entry.
#[derive(Clone, Default)]
struct Defaults {
    kind: Option<MtreeType>,
    uid: Option<u32>,
    gid: Option<u32>,
    mode: Option<u32>,
    time: Option<(i64, u32)>,
}

const SET_KIND: MtreeType = MtreeType::File;
const SET_MODE: u32 = 0o644;

impl fmt::Display for Mtree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "#mtree")?;
        writeln!(
            f,
            "/set type={} uid=0 gid=0 mode={:o}",
            SET_KIND.keyword(),
            SET_MODE
        )?;
        for e in &self.entries {
            write!(
                f,
                "./{} time={}.{}",
                escape(&e.path),
                e.time_secs,
                e.time_nsec
            )?;
            if e.mode != SET_MODE {
                write!(f, " mode={:o}", e.mode)?;
            }
            if e.gid != 0 {
                write!(f, " gid={}", e.gid)?;
            }
            if e.uid != 0 {
                write!(f, " uid={}", e.uid)?;
            }
            if e.kind != SET_KIND {
                write!(f, " type={}", e.kind.keyword())?;
            }
            if let Some(l) = &e.link {
                write!(f, " link={}", escape(l))?;
            }
            if let Some(s) = e.size {
                write!(f, " size={s}")?;
            }
            if let Some(m) = &e.md5 {
                write!(f, " md5digest={m}")?;
            }
            if let Some(h) = &e.sha256 {
                write!(f, " sha256digest={h}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl FromStr for Mtree {
    type Err = Error;

    /// Parses mtree text (already decompressed).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] naming the line for a bad keyword value, a type other than `file`, `dir`
    /// or `link`, the relative (`..`) form, or an entry missing a keyword its type needs.
    fn from_str(s: &str) -> Result<Self> {
        let err = |line: usize, reason: String| Error::Parse {
            what: ".MTREE",
            value: format!("line {line}"),
            reason,
        };
        // Join continuation lines (a trailing unescaped backslash).
        let mut lines: Vec<(usize, String)> = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (i, raw) in s.lines().enumerate() {
            let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
            let trailing = raw.len() - raw.trim_end_matches('\\').len();
            if trailing % 2 == 1 {
                acc.push_str(&raw[..raw.len() - 1]);
                acc.push(' ');
                pending = Some((start, acc));
            } else {
                acc.push_str(raw);
                lines.push((start, acc));
            }
        }
        if let Some(p) = pending {
            lines.push(p);
        }

        let mut defaults = Defaults::default();
        let mut entries = Vec::new();
        for (n, line) in lines {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_ascii_whitespace();
            let first = words.next().unwrap_or_default();
            match first {
                "/set" => {
                    for w in words {
                        apply(&mut defaults, w).map_err(|r| err(n, r))?;
                    }
                    continue;
                }
                "/unset" => {
                    for w in words {
                        match w {
                            "all" => defaults = Defaults::default(),
                            "type" => defaults.kind = None,
                            "uid" => defaults.uid = None,
                            "gid" => defaults.gid = None,
                            "mode" => defaults.mode = None,
                            "time" => defaults.time = None,
                            _ => {}
                        }
                    }
                    continue;
                }
                ".." => {
                    return Err(err(
                        n,
                        "the relative `..` form is not used by ALPM packages".into(),
                    ))
                }
                _ => {}
            }
            let name = unescape(first).map_err(|e| err(n, e.to_string()))?;
            // A directory may be written with a trailing slash (nfpm's `./usr/`); the archive's
            // entry names are compared without it.
            let path = name.strip_prefix("./").unwrap_or(&name);
            let path = path.trim_end_matches('/').to_string();
            if path == "." || path.is_empty() {
                continue;
            }
            let mut local = defaults.clone();
            let mut size = None;
            let mut md5 = None;
            let mut sha256 = None;
            let mut link = None;
            for w in words {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                match k {
                    "size" => {
                        size = Some(
                            v.parse::<u64>()
                                .map_err(|_| err(n, format!("bad size `{v}`")))?,
                        )
                    }
                    "md5digest" | "md5" => md5 = Some(v.to_string()),
                    "sha256digest" | "sha256" => sha256 = Some(v.to_string()),
                    "link" => link = Some(unescape(v).map_err(|e| err(n, e.to_string()))?),
                    _ => apply(&mut local, w).map_err(|r| err(n, r))?,
                }
            }
            let kind = local
                .kind
                .ok_or_else(|| err(n, format!("`{path}` has no `type`")))?;
            let mode = local
                .mode
                .ok_or_else(|| err(n, format!("`{path}` has no `mode`")))?;
            match kind {
                MtreeType::File => {
                    if size.is_none() || sha256.is_none() {
                        return Err(err(
                            n,
                            format!("file `{path}` needs `size` and `sha256digest`"),
                        ));
                    }
                }
                MtreeType::Link => {
                    if link.is_none() {
                        return Err(err(n, format!("link `{path}` has no `link` target")));
                    }
                }
                MtreeType::Dir => {}
            }
            let (time_secs, time_nsec) = local.time.unwrap_or((0, 0));
            entries.push(MtreeEntry {
                path,
                kind,
                uid: local.uid.unwrap_or(0),
                gid: local.gid.unwrap_or(0),
                mode,
                time_secs,
                time_nsec,
                size,
                md5,
                sha256,
                link,
            });
        }
        Ok(Mtree { entries })
    }
}

/// Applies one `key=value` keyword to the defaults (unknown keywords are ignored).
fn apply(d: &mut Defaults, word: &str) -> std::result::Result<(), String> {
    let (k, v) = word.split_once('=').unwrap_or((word, ""));
    match k {
        "type" => {
            d.kind = Some(match v {
                "file" => MtreeType::File,
                "dir" => MtreeType::Dir,
                "link" => MtreeType::Link,
                other => {
                    return Err(format!(
                        "type `{other}` is not allowed in packages (only file, dir, link)"
                    ))
                }
            })
        }
        "uid" => d.uid = Some(v.parse().map_err(|_| format!("bad uid `{v}`"))?),
        "gid" => d.gid = Some(v.parse().map_err(|_| format!("bad gid `{v}`"))?),
        "mode" => d.mode = Some(u32::from_str_radix(v, 8).map_err(|_| format!("bad mode `{v}`"))?),
        "time" => {
            let (s, ns) = v.split_once('.').unwrap_or((v, "0"));
            let secs = s.parse().map_err(|_| format!("bad time `{v}`"))?;
            let nsec = ns.parse().map_err(|_| format!("bad time `{v}`"))?;
            d.time = Some((secs, nsec));
        }
        _ => {}
    }
    Ok(())
}
