//! The bundled-library audit: which well-known C libraries an ELF file carries a copy of.
//!
//! A Rust program that depends on a registry `-sys` crate may compile the C library into itself
//! (a `bundled` or `vendored` feature, or a build script that falls back to its own copy when
//! pkg-config finds nothing). [`audit`] answers "what did this binary bundle?" from the binary
//! alone:
//!
//! * the symbols it **defines** (`.symtab` and `.dynsym`; an imported, undefined symbol never
//!   counts: a binary linking `libsqlite3.so.0` imports `sqlite3_open`, it does not define it);
//! * the version strings in its read-only data (`deflate 1.3.1 Copyright …`, the SQLite source
//!   id, `OpenSSL 3.0.13 30 Jan 2024`…), counted only when no `DT_NEEDED` entry names the
//!   library;
//! * the version, where the binary says it ([`Signature`]).
//!
//! The signatures are data, `distro/data/bundling/signatures.toml`, each with the upstream file that defines
//! its symbols and strings. The file is read whole, up to [`crate::limits::MAX_AUDIT_FILE`];
//! every string read from it is bounded.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use object::{Object, ObjectSection, ObjectSymbol, ReadRef, SectionKind};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The signatures file, compiled in.
pub const SIGNATURES: &str = include_str!("../data/bundling/signatures.toml");

/// How one library is recognised (one `[[library]]` of `distro/data/bundling/signatures.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The knowledge base's library name (`zlib`, `sqlite`).
    pub name: String,
    /// Prefixes of the `DT_NEEDED` sonames that mean the library is linked dynamically.
    pub sonames: Vec<String>,
    /// Distinguishing symbols, exact names.
    #[serde(default)]
    pub symbols: Vec<String>,
    /// Distinguishing symbol name prefixes.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// How many distinguishing symbols must be defined.
    pub min_symbols: usize,
    /// A pattern of read-only data whose first group is the version (or, with
    /// `version_pattern_is_id`, an identifier that only proves the library is there).
    #[serde(default)]
    pub version_pattern: Option<String>,
    /// The pattern's group is an identifier (SQLite's source id), not the version.
    #[serde(default)]
    pub version_pattern_is_id: bool,
    /// A data symbol holding the version as a NUL-terminated string.
    #[serde(default)]
    pub version_symbol: Option<String>,
    /// A function returning the version as one number.
    #[serde(default)]
    pub version_number_function: Option<String>,
    /// The number's scale: `10000` for MAJOR*10000 + MINOR*100 + PATCH; `10000000` for xz's
    /// MAJOR*10000000 + MINOR*10000 + PATCH*10 + STABILITY.
    #[serde(default)]
    pub version_number_scale: Option<u32>,
    /// The registry crates that build a copy of the library.
    #[serde(default)]
    pub crates: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureFile {
    library: Vec<Signature>,
}

/// The compiled-in signatures, parsed once.
///
/// # Panics
///
/// Never on user input: only if the compiled-in file is invalid, which the unit tests rule out.
pub fn signatures() -> &'static [(Signature, Option<regex::bytes::Regex>)] {
    static SIGS: OnceLock<Vec<(Signature, Option<regex::bytes::Regex>)>> = OnceLock::new();
    SIGS.get_or_init(|| {
        let file: SignatureFile = toml::from_str(SIGNATURES)
            .expect("distro/data/bundling/signatures.toml is valid (unit-tested)");
        file.library
            .into_iter()
            .map(|s| {
                let re = s.version_pattern.as_deref().map(|p| {
                    regex::bytes::Regex::new(p).expect(
                        "distro/data/bundling/signatures.toml's patterns are valid (unit-tested)",
                    )
                });
                (s, re)
            })
            .collect()
    })
}

/// One library found compiled into the binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The knowledge base's library name.
    pub library: String,
    /// The version, when the binary says it.
    pub version: Option<String>,
    /// How many distinguishing symbols the binary defines.
    pub defined_symbols: usize,
    /// A few of them.
    pub examples: Vec<String>,
    /// The version string or identifier found in read-only data.
    pub string: Option<String>,
    /// A `DT_NEEDED` entry naming the library as well (two copies: one bundled, one loaded).
    pub also_needed: Option<String>,
    /// The registry crates that build a copy of it.
    pub crates: Vec<String>,
}

/// A library the binary loads dynamically.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dynamic {
    /// The knowledge base's library name.
    pub library: String,
    /// The `DT_NEEDED` soname.
    pub soname: String,
}

/// What [`audit`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// Libraries compiled in, sorted by name.
    pub bundled: Vec<Finding>,
    /// Known libraries loaded dynamically, sorted by name.
    pub dynamic: Vec<Dynamic>,
    /// Every `DT_NEEDED` entry, in order.
    pub needed: Vec<String>,
    /// True when the file has a `.symtab` (a stripped binary keeps only `.dynsym`: then most
    /// libraries are recognised by their strings only).
    pub symtab: bool,
}

/// Audits the ELF file at `path`.
///
/// # Errors
///
/// [`Error::Io`] if it cannot be read, [`Error::Elf`] if it is larger than
/// [`crate::limits::MAX_AUDIT_FILE`] or not an ELF file.
pub fn audit(path: &Path) -> Result<Audit> {
    let io = |e| Error::io(path, "reading ELF file", e);
    let file = std::fs::File::open(path).map_err(io)?;
    let max = crate::limits::MAX_AUDIT_FILE;
    let too_large = || Error::Elf {
        path: path.to_path_buf(),
        reason: format!("larger than the {} MiB the audit reads", max >> 20),
    };
    if file.metadata().map_err(io)?.len() > max {
        return Err(too_large());
    }
    // Only the ranges the audit looks at are read (headers, symbol tables, read-only data),
    // each once.
    let needed = crate::elf::ElfInfo::parse(path)
        .map(|i| i.needed)
        .unwrap_or_default();
    let cache = object::ReadCache::new(file);
    audit_data(&cache, needed, path)
}

/// Audits ELF bytes; `path` is only used in error messages.
///
/// # Errors
///
/// [`Error::Elf`] if the bytes are not an ELF file `object` can read.
pub fn audit_bytes(data: &[u8], path: &Path) -> Result<Audit> {
    let needed = crate::elf::ElfInfo::parse_bytes(data, path)
        .map(|i| i.needed)
        .unwrap_or_default();
    audit_data(data, needed, path)
}

/// The largest read-only data section the audit reads, in bytes (a larger one is skipped: those
/// of the largest real executables are a few tens of MB).
const MAX_SECTION: u64 = 256 << 20;

fn audit_data<'d, R: ReadRef<'d>>(data: R, needed: Vec<String>, path: &Path) -> Result<Audit> {
    let elf_error = |reason: String| Error::Elf {
        path: path.to_path_buf(),
        reason,
    };
    if data.read_bytes_at(0, 4).ok() != Some(&b"\x7fELF"[..]) {
        return Err(elf_error("not an ELF file (no ELF magic)".into()));
    }
    let file = object::File::parse(data).map_err(|e| elf_error(e.to_string()))?;

    // Defined symbols, by name, with address and size.
    let mut defined: Vec<(&str, u64, u64)> = Vec::new();
    let mut symtab = false;
    for sym in file.symbols().chain(file.dynamic_symbols()) {
        if sym.is_undefined() {
            continue;
        }
        if let Ok(name) = sym.name() {
            if !name.is_empty() {
                defined.push((name, sym.address(), sym.size()));
            }
        }
    }
    if file.section_by_name(".symtab").is_some() {
        symtab = true;
    }
    defined.sort_unstable();
    defined.dedup_by(|a, b| a.0 == b.0);

    // Read-only data, for the version strings.
    let rodata: Vec<&[u8]> = file
        .sections()
        .filter(|s| {
            matches!(
                s.kind(),
                SectionKind::ReadOnlyData
                    | SectionKind::ReadOnlyString
                    | SectionKind::ReadOnlyDataWithRel
            )
        })
        .filter(|s| s.size() <= MAX_SECTION)
        .filter_map(|s| s.data().ok())
        .collect();

    let mut out = Audit {
        needed: needed.clone(),
        symtab,
        ..Audit::default()
    };
    for (sig, re) in signatures() {
        let soname = needed
            .iter()
            .find(|n| sig.sonames.iter().any(|p| n.starts_with(p.as_str())))
            .cloned();
        let matching: Vec<&str> = defined
            .iter()
            .map(|(n, ..)| *n)
            .filter(|n| {
                sig.symbols.iter().any(|s| s == n)
                    || sig.prefixes.iter().any(|p| n.starts_with(p.as_str()))
            })
            .collect();
        let string = re.as_ref().and_then(|re| {
            rodata.iter().find_map(|d| {
                re.captures(d)
                    .and_then(|c| c.get(1))
                    .map(|m| String::from_utf8_lossy(&m.as_bytes()[..m.len().min(80)]).into_owned())
            })
        });
        let by_symbols = matching.len() >= sig.min_symbols.max(1);
        let by_string = string.is_some() && soname.is_none();
        if !by_symbols && !by_string {
            if let Some(so) = soname {
                out.dynamic.push(Dynamic {
                    library: sig.name.clone(),
                    soname: so,
                });
            }
            continue;
        }
        let version = sig
            .version_symbol
            .as_deref()
            .and_then(|s| symbol_string(&file, &defined, s))
            .or_else(|| string.clone().filter(|_| !sig.version_pattern_is_id))
            .or_else(|| {
                let f = sig.version_number_function.as_deref()?;
                let n = symbol_number(&file, &defined, f)?;
                Some(split_version(n, sig.version_number_scale.unwrap_or(10000)))
            });
        out.bundled.push(Finding {
            library: sig.name.clone(),
            version,
            defined_symbols: matching.len(),
            examples: matching.iter().take(3).map(|s| s.to_string()).collect(),
            string,
            also_needed: soname,
            crates: sig.crates.clone(),
        });
    }
    out.bundled.sort_by(|a, b| a.library.cmp(&b.library));
    out.dynamic.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(out)
}

/// The bytes at virtual address `addr`, at most `len` of them, from the section holding it.
fn bytes_at<'d, R: ReadRef<'d>>(
    file: &object::File<'d, R>,
    addr: u64,
    len: u64,
) -> Option<&'d [u8]> {
    let s = file
        .sections()
        .find(|s| addr >= s.address() && addr - s.address() < s.size())?;
    let data = s.data().ok()?;
    let start = usize::try_from(addr - s.address()).ok()?;
    let end = start
        .saturating_add(usize::try_from(len).ok()?)
        .min(data.len());
    data.get(start..end)
}

/// The NUL-terminated string (at most 64 bytes, printable) a defined data symbol holds.
fn symbol_string<'d, R: ReadRef<'d>>(
    file: &object::File<'d, R>,
    defined: &[(&str, u64, u64)],
    name: &str,
) -> Option<String> {
    let (_, addr, _) = defined.iter().find(|(n, ..)| *n == name)?;
    let bytes = bytes_at(file, *addr, 64)?;
    let end = bytes.iter().position(|b| *b == 0)?;
    let s = std::str::from_utf8(&bytes[..end]).ok()?;
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_string())
}

/// The constant a defined function returns, read from x86-64 code (`[endbr64;] mov eax, imm32;
/// ret`); `None` on other machines or code.
fn symbol_number<'d, R: ReadRef<'d>>(
    file: &object::File<'d, R>,
    defined: &[(&str, u64, u64)],
    name: &str,
) -> Option<u32> {
    if file.architecture() != object::Architecture::X86_64 {
        return None;
    }
    let (_, addr, _) = defined.iter().find(|(n, ..)| *n == name)?;
    let code = bytes_at(file, *addr, 16)?;
    let code = code.strip_prefix(&[0xf3, 0x0f, 0x1e, 0xfa]).unwrap_or(code);
    match code {
        [0xb8, a, b, c, d, 0xc3, ..] => Some(u32::from_le_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// `10600` with scale 10000 → `1.6.0`; `50040012` with scale 10000000 → `5.4.1`.
fn split_version(n: u32, scale: u32) -> String {
    if scale >= 10_000_000 {
        format!("{}.{}.{}", n / 10_000_000, n / 10_000 % 1000, n / 10 % 1000)
    } else {
        format!("{}.{}.{}", n / 10_000, n / 100 % 100, n % 100)
    }
}

/// The library names the signatures know, sorted.
pub fn known_libraries() -> BTreeSet<&'static str> {
    signatures().iter().map(|(s, _)| s.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse_and_every_library_is_recognisable() {
        let sigs = signatures();
        assert!(sigs.len() >= 14, "{}", sigs.len());
        for (s, _) in sigs {
            assert!(!s.sonames.is_empty(), "{}", s.name);
            assert!(
                !s.symbols.is_empty() || !s.prefixes.is_empty(),
                "{} has no symbols",
                s.name
            );
            assert!(s.min_symbols >= 1, "{}", s.name);
        }
        let names = known_libraries();
        for lib in [
            "zlib",
            "bzip2",
            "xz",
            "zstd",
            "sqlite",
            "openssl",
            "libgit2",
            "libssh2",
            "curl",
            "pcre2",
            "oniguruma",
            "expat",
            "libarchive",
            "libsolv",
        ] {
            assert!(names.contains(lib), "{lib}");
        }
    }

    #[test]
    fn version_patterns_read_the_upstream_strings() {
        let find = |lib: &str, text: &[u8]| -> Option<String> {
            let (_, re) = signatures().iter().find(|(s, _)| s.name == lib).unwrap();
            let c = re.as_ref().unwrap().captures(text)?;
            Some(String::from_utf8_lossy(c.get(1)?.as_bytes()).into_owned())
        };
        assert_eq!(
            find(
                "zlib",
                b"\0 deflate 1.3.1 Copyright 1995-2024 Jean-loup Gailly and Mark Adler \0"
            )
            .as_deref(),
            Some("1.3.1")
        );
        assert_eq!(
            find("openssl", b"\0OpenSSL 3.0.13 30 Jan 2024\0").as_deref(),
            Some("3.0.13")
        );
        assert_eq!(
            find("pcre2", b"\x0010.42 2022-12-11\0").as_deref(),
            Some("10.42")
        );
        assert_eq!(
            find("bzip2", b"\x001.0.8, 13-Jul-2019\0").as_deref(),
            Some("1.0.8")
        );
        assert_eq!(
            find("libssh2", b"\0SSH-2.0-libssh2_1.11.0\0").as_deref(),
            Some("1.11.0")
        );
        assert_eq!(find("expat", b"\0expat_2.6.2\0").as_deref(), Some("2.6.2"));
        assert_eq!(
            find("libarchive", b"\0libarchive 3.7.2\0").as_deref(),
            Some("3.7.2")
        );
        assert_eq!(find("curl", b"\0libcurl/8.5.0\0").as_deref(), Some("8.5.0"));
        assert!(find(
            "sqlite",
            b"\x002024-05-23 13:25:27 96c92aba00c8375bc32fafcdf12429c58bd8aabfcaab6e4f2c6a8c3f5c3e4acf\0"
        )
        .is_some());
        // Quoted in text (as this crate's own signature file is), not a C string: no match.
        assert_eq!(find("openssl", b"`OpenSSL 3.0.13 30 Jan 2024`"), None);
        // A zlib version number alone (what a caller of deflateInit_ passes) is no evidence.
        assert_eq!(find("zlib", b"\x001.2.13\0"), None);
    }

    #[test]
    fn version_numbers_are_split() {
        assert_eq!(split_version(10600, 10000), "1.6.0");
        assert_eq!(split_version(10507, 10000), "1.5.7");
        assert_eq!(split_version(50040012, 10_000_000), "5.4.1");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for data in [
            &b""[..],
            b"\x7fELF",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\xff\xff",
            b"MZ",
        ] {
            assert!(audit_bytes(data, Path::new("x")).is_err());
        }
    }
}
