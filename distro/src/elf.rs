//! ELF analysis in pure Rust: what a binary needs from the system that runs it.
//!
//! [`ElfInfo::parse`] reads an executable or shared library (any architecture, so it works for
//! cross-compiled binaries — no `ldd`, no `dpkg-shlibdeps`) and reports:
//!
//! * `DT_NEEDED` sonames in order, the file's own `DT_SONAME`, and the directories its
//!   `DT_RUNPATH` (else `DT_RPATH`) adds to the loader's search;
//! * symbol-version needs per library from `.gnu.version_r` (`GLIBC_2.34`, `GLIBCXX_3.4.30`,
//!   `CXXABI_1.3.13`, `GCC_4.2.0`…);
//! * the symbols it imports, each with its version (`.dynsym`, `.dynstr`, `.gnu.version`,
//!   `.gnu.version_r`, and the copy relocations of the dynamic relocation sections): what
//!   dpkg-shlibdeps looks up in the libraries' `symbols` files to choose the minimum version of
//!   each dependency (the rule and its sources: [`crate::kb::shlibdeps`]);
//! * the interpreter (`PT_INTERP`), the machine, Linux or FreeBSD, and glibc, musl, FreeBSD libc or
//!   a static binary.
//!
//! ```no_run
//! use syspack_distro::elf::ElfInfo;
//!
//! let info = ElfInfo::parse(std::path::Path::new("/bin/ls"))?;
//! println!("needs glibc {:?}", info.max_version("GLIBC_"));
//! # Ok::<(), syspack_distro::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use std::io::Write;
use std::ops::Range;

use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};
use object::{elf, Endianness, FileKind, ReadRef};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::kb::shlibdeps::Import;
use crate::kb::Version;
use crate::Arch;

/// The operating system ABI a binary was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TargetOs {
    /// Linux (ELF OS ABI `SYSV` or `GNU`).
    Linux,
    /// FreeBSD (ELF OS ABI `FreeBSD`, interpreter `/libexec/ld-elf.so.1`).
    FreeBsd,
}

impl fmt::Display for TargetOs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetOs::Linux => "Linux",
            TargetOs::FreeBsd => "FreeBSD",
        })
    }
}

/// The C library a binary is linked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Libc {
    /// GNU libc (`libc.so.6`, `ld-linux*`, `GLIBC_*` versions).
    Glibc,
    /// musl (`ld-musl-*` interpreter or `libc.musl-*` soname).
    Musl,
    /// FreeBSD's libc (`libc.so.7`).
    FreeBsd,
    /// No dynamic C library at all (statically linked).
    Static,
}

impl fmt::Display for Libc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
            Libc::FreeBsd => "FreeBSD libc",
            Libc::Static => "static",
        })
    }
}

/// What an ELF file needs from the system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElfInfo {
    /// `DT_NEEDED` sonames, in the order the file lists them.
    pub needed: Vec<String>,
    /// Symbol-version needs per library soname (`libc.so.6` → {`GLIBC_2.2.5`, `GLIBC_2.34`}).
    pub symbol_versions: BTreeMap<String, BTreeSet<String>>,
    /// The symbols the file imports, in `.dynsym` order: name and version (`None`: unversioned).
    /// What dpkg-shlibdeps looks up in the libraries' symbols files
    /// ([`crate::kb::shlibdeps`]).
    #[serde(skip)]
    pub imports: Vec<Import>,
    /// The program interpreter (`/lib64/ld-linux-x86-64.so.2`); `None` for static binaries and
    /// most shared libraries.
    pub interpreter: Option<String>,
    /// The machine.
    #[serde(serialize_with = "ser_arch")]
    pub machine: Arch,
    /// Linux or FreeBSD.
    pub os: TargetOs,
    /// The C library.
    pub libc: Libc,
    /// The file's own `DT_SONAME` (shared libraries).
    pub soname: Option<String>,
    /// The directories of `DT_RUNPATH`, else of `DT_RPATH` (the loader ignores `DT_RPATH` when
    /// `DT_RUNPATH` is present, ld.so(8)), in order: where the loader looks for `needed` before
    /// its default directories (`/usr/lib/x86_64-linux-gnu/systemd`, `$ORIGIN/../lib`).
    #[serde(skip)]
    pub runpath: Vec<String>,
    /// True when the file has a `DT_GNU_HASH` table and no `DT_HASH` (rpm's elfdeps then
    /// requires `rtld(GNU_HASH)`).
    #[serde(skip)]
    pub gnu_hash_only: bool,
    /// An executable or a shared object (`ET_EXEC`/`ET_DYN`), as opposed to a relocatable object
    /// or a core file: what `strip` is run on.
    #[serde(skip)]
    pub loadable: bool,
    /// True when the file still has a symbol table (`.symtab`) or debugging sections
    /// (`.debug_*`, `.zdebug_*`): what lintian calls `unstripped-binary-or-object`.
    #[serde(skip)]
    pub unstripped: bool,
    /// The GNU build ID (`.note.gnu.build-id`), lower-case hex: where debuggers look for the
    /// file's separate debugging symbols (`/usr/lib/debug/.build-id/xx/yyyy.debug`).
    #[serde(skip)]
    pub build_id: Option<String>,
    /// The FreeBSD version the file was built for: the value of its `NT_FREEBSD_ABI_TAG` note
    /// (owner `FreeBSD`, type 1, a 32-bit `__FreeBSD_version` such as `1400500` for 14.0), as
    /// the FreeBSD linker's crt objects write it; `None` without that note. FreeBSD runs binaries
    /// of its own and older major versions, never newer ones (docs/freebsd.md).
    pub freebsd_version: Option<u32>,
}

impl ElfInfo {
    /// Reads and analyses the ELF file at `path`, reading only its headers and the sections
    /// the analysis needs (each bounded, see [`crate::limits`]), not the whole file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, [`Error::Elf`] if it is not a usable ELF file.
    pub fn parse(path: &Path) -> Result<ElfInfo> {
        let io = |e| Error::io(path, "reading ELF file", e);
        let mut scan = ElfScan::new(path);
        std::io::copy(&mut std::fs::File::open(path).map_err(io)?, &mut scan).map_err(io)?;
        let Some(plan) = scan.finish()? else {
            return Err(Error::Elf {
                path: path.to_path_buf(),
                reason: "not an ELF file (no ELF magic)".into(),
            });
        };
        let mut collect = plan.collector();
        std::io::copy(&mut std::fs::File::open(path).map_err(io)?, &mut collect).map_err(io)?;
        collect.finish()
    }

    /// Analyses ELF bytes; `path` is only used in error messages.
    ///
    /// # Errors
    ///
    /// [`Error::Elf`] if the bytes are not a 32- or 64-bit ELF file of a known machine, or a table
    /// inside is corrupt.
    pub fn parse_bytes(data: &[u8], path: &Path) -> Result<ElfInfo> {
        let mut scan = ElfScan::new(path);
        scan.write_all(data)
            .map_err(|e| Error::io(path, "reading ELF data", e))?;
        let Some(plan) = scan.finish()? else {
            return Err(Error::Elf {
                path: path.to_path_buf(),
                reason: "not an ELF file (no ELF magic)".into(),
            });
        };
        let mut collect = plan.collector();
        collect
            .write_all(data)
            .map_err(|e| Error::io(path, "reading ELF data", e))?;
        collect.finish()
    }

    /// The FreeBSD major version of the ABI note (`1400500` → 14), if the file has one:
    /// `__FreeBSD_version` is the major times 100000 plus a counter (FreeBSD's `sys/sys/param.h`).
    pub fn freebsd_major(&self) -> Option<u32> {
        self.freebsd_version.map(|v| v / 100_000)
    }

    /// The highest version needed with `prefix` (`"GLIBC_"` → `2.34`), over all libraries.
    /// Versions that are not dotted numbers (`GLIBC_PRIVATE`) are ignored.
    pub fn max_version(&self, prefix: &str) -> Option<Version> {
        self.versions_with_prefix(prefix).into_iter().max()
    }

    /// Every version needed with `prefix`, parsed and sorted, without duplicates.
    pub fn versions_with_prefix(&self, prefix: &str) -> Vec<Version> {
        let mut out: Vec<Version> = self
            .symbol_versions
            .values()
            .flatten()
            .filter_map(|v| v.strip_prefix(prefix))
            .filter_map(|v| v.parse::<Version>().ok())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The highest need for each known version family present: `GLIBC_`, `GLIBCXX_`, `CXXABI_`,
    /// `GCC_` (in that order).
    pub fn version_needs(&self) -> Vec<(&'static str, Version)> {
        ["GLIBC_", "GLIBCXX_", "CXXABI_", "GCC_"]
            .into_iter()
            .filter_map(|p| self.max_version(p).map(|v| (p, v)))
            .collect()
    }

    /// True when the file loads no shared library at all.
    pub fn is_static(&self) -> bool {
        self.libc == Libc::Static
    }
}

fn ser_arch<S: serde::Serializer>(a: &Arch, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(a.rpm())
}

fn machine(e_machine: u16, is_64: bool, little: bool) -> std::result::Result<Arch, String> {
    Ok(match (e_machine, is_64) {
        (elf::EM_X86_64, true) => Arch::X86_64,
        (elf::EM_AARCH64, true) => Arch::Aarch64,
        (elf::EM_386, false) => Arch::I686,
        (elf::EM_ARM, false) => Arch::Armv7,
        (elf::EM_RISCV, true) => Arch::Riscv64,
        (elf::EM_PPC64, true) if little => Arch::Ppc64le,
        (elf::EM_S390, true) => Arch::S390x,
        _ => {
            return Err(format!(
                "machine {e_machine} ({}-bit) is not one syspack packages for",
                if is_64 { 64 } else { 32 }
            ))
        }
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn analyse<'data, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
    data: R,
) -> std::result::Result<ElfInfo, String> {
    let header = Elf::parse(data).map_err(|e| format!("bad ELF header: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("bad ELF header: {e}"))?;
    let is_64 = header.is_type_64();
    let little = endian == Endianness::Little;
    let machine = machine(header.e_machine(endian), is_64, little)?;
    let osabi = header.e_ident().os_abi;

    let mut interpreter = None;
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| format!("bad program headers: {e}"))?;
    for ph in phdrs {
        if let Some(interp) = ph
            .interpreter(endian, data)
            .map_err(|e| format!("bad PT_INTERP: {e}"))?
        {
            interpreter = Some(text(interp));
        }
    }

    let sections = header
        .sections(endian, data)
        .map_err(|e| format!("bad section headers: {e}"))?;
    let mut needed = Vec::new();
    let mut soname = None;
    let (mut runpath, mut rpath) = (None, None);
    let (mut sysv_hash, mut gnu_hash) = (false, false);
    if let Some((dyns, link)) = sections
        .dynamic(endian, data)
        .map_err(|e| format!("bad .dynamic: {e}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad .dynstr: {e}"))?;
        for d in dyns {
            let tag = d.tag32(endian);
            match tag {
                Some(elf::DT_HASH) => sysv_hash = true,
                Some(elf::DT_GNU_HASH) => gnu_hash = true,
                _ => {}
            }
            let string_tags = [
                elf::DT_NEEDED,
                elf::DT_SONAME,
                elf::DT_RUNPATH,
                elf::DT_RPATH,
            ];
            if tag.is_some_and(|t| string_tags.contains(&t)) {
                let offset: u64 = d.d_val(endian).into();
                let s = u32::try_from(offset)
                    .ok()
                    .and_then(|o| strings.get(o).ok())
                    .ok_or_else(|| format!("bad .dynamic string at offset {offset}"))?;
                match tag {
                    Some(elf::DT_NEEDED) => needed.push(text(s)),
                    Some(elf::DT_SONAME) => soname = Some(text(s)),
                    Some(elf::DT_RUNPATH) => runpath = Some(text(s)),
                    _ => rpath = Some(text(s)),
                }
            }
        }
    }

    let mut symbol_versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some((mut iter, link)) = sections
        .gnu_verneed(endian, data)
        .map_err(|e| format!("bad .gnu.version_r: {e}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad .gnu.version_r strings: {e}"))?;
        while let Some((need, mut aux)) = iter
            .next()
            .map_err(|e| format!("bad .gnu.version_r: {e}"))?
        {
            let file = text(
                need.file(endian, strings)
                    .map_err(|e| format!("bad verneed file: {e}"))?,
            );
            let set = symbol_versions.entry(file).or_default();
            while let Some(a) = aux.next().map_err(|e| format!("bad vernaux: {e}"))? {
                set.insert(text(
                    a.name(endian, strings)
                        .map_err(|e| format!("bad vernaux name: {e}"))?,
                ));
            }
        }
    }

    let imports = imports::<Elf, R>(header, endian, &sections, data)?;

    // Section names (symbol table, debugging sections) and notes: the GNU build ID, and the ABI
    // tag — `.note.tag` with owner `FreeBSD` on FreeBSD, `.note.ABI-tag` with owner `GNU` and OS
    // 0 (Linux) on glibc systems.
    let mut unstripped = false;
    let mut build_id = None;
    let mut freebsd_note = false;
    let mut freebsd_version = None;
    for section in sections.iter() {
        let name = sections.section_name(endian, section).unwrap_or_default();
        if section.sh_type(endian) == elf::SHT_SYMTAB
            || name.starts_with(b".debug_")
            || name.starts_with(b".zdebug_")
        {
            unstripped = true;
        }
        if let Ok(Some(mut notes)) = section.notes(endian, data) {
            while let Ok(Some(note)) = notes.next() {
                if note.name() == elf::ELF_NOTE_GNU && note.n_type(endian) == elf::NT_GNU_BUILD_ID {
                    build_id = Some(note.desc().iter().map(|b| format!("{b:02x}")).collect());
                } else if note.name() == b"FreeBSD" && note.n_type(endian) == 1 {
                    // NT_FREEBSD_ABI_TAG: the description is one 32-bit word in the file's
                    // byte order, `__FreeBSD_version` of the release built for.
                    freebsd_note = true;
                    if let Ok(word) = <[u8; 4]>::try_from(note.desc()) {
                        freebsd_version = Some(object::Endian::read_u32_bytes(endian, word));
                    }
                }
            }
        }
    }
    let kind = header.e_type(endian);
    let loadable = kind == elf::ET_EXEC || kind == elf::ET_DYN;

    let interp_name = interpreter.as_deref().unwrap_or("");
    let os = if osabi == elf::ELFOSABI_FREEBSD
        || freebsd_note
        || interp_name.contains("ld-elf.so")
        || needed.iter().any(|n| n == "libc.so.7")
    {
        TargetOs::FreeBsd
    } else {
        TargetOs::Linux
    };
    let libc = if os == TargetOs::FreeBsd {
        if needed.is_empty() && interpreter.is_none() {
            Libc::Static
        } else {
            Libc::FreeBsd
        }
    } else if interp_name.contains("ld-musl")
        || needed
            .iter()
            .any(|n| n.starts_with("libc.musl-") || n == "libc.so")
    {
        Libc::Musl
    } else if interp_name.contains("ld-linux")
        || needed
            .iter()
            .any(|n| n == "libc.so.6" || n.starts_with("ld-linux"))
        || symbol_versions
            .values()
            .flatten()
            .any(|v| v.starts_with("GLIBC_"))
    {
        Libc::Glibc
    } else if needed.is_empty() && interpreter.is_none() {
        Libc::Static
    } else {
        // Dynamic but no C library recorded (a pure shared object): assume glibc only if the
        // interpreter says so; otherwise the binary makes no claim, treat it like static.
        Libc::Static
    };

    let runpath = runpath
        .or(rpath)
        .map(|dirs| {
            dirs.split(':')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(ElfInfo {
        needed,
        symbol_versions,
        imports,
        interpreter,
        machine,
        os,
        libc,
        soname,
        runpath,
        gnu_hash_only: gnu_hash && !sysv_hash,
        loadable,
        unstripped,
        build_id,
        freebsd_version,
    })
}

/// The copy relocation type of a machine: a defined symbol it fills is an import.
fn copy_relocation(e_machine: u16) -> Option<u32> {
    Some(match e_machine {
        elf::EM_X86_64 => elf::R_X86_64_COPY,
        elf::EM_386 => elf::R_386_COPY,
        elf::EM_AARCH64 => elf::R_AARCH64_COPY,
        elf::EM_ARM => elf::R_ARM_COPY,
        elf::EM_RISCV => elf::R_RISCV_COPY,
        elf::EM_PPC64 => elf::R_PPC64_COPY,
        elf::EM_S390 => elf::R_390_COPY,
        _ => return None,
    })
}

/// The symbols the file imports, as dpkg's `Objdump::get_undefined_dynamic_symbols` lists them:
/// each `.dynsym` entry that is undefined (`SHN_UNDEF`) or, unversioned, filled by a copy
/// relocation, with the name of its `.gnu.version` entry (`None` for the local and global
/// indexes: unversioned, looked up as `name@Base`).
fn imports<'data, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
    header: &Elf,
    endian: Endianness,
    sections: &object::read::elf::SectionTable<'data, Elf, R>,
    data: R,
) -> std::result::Result<Vec<Import>, String> {
    use object::read::elf::{Rel, Rela, Sym};
    let symbols = sections
        .symbols(endian, data, elf::SHT_DYNSYM)
        .map_err(|e| format!("bad .dynsym: {e}"))?;
    if symbols.is_empty() {
        return Ok(Vec::new());
    }
    let versions = sections
        .versions(endian, data)
        .map_err(|e| format!("bad .gnu.version: {e}"))?;
    let mut copied = BTreeSet::new();
    if let Some(copy) = copy_relocation(header.e_machine(endian)) {
        for sh in sections.iter() {
            if let Some((rels, link)) = sh
                .rel(endian, data)
                .map_err(|e| format!("bad dynamic relocations: {e}"))?
            {
                if link == symbols.section() {
                    copied.extend(
                        rels.iter()
                            .filter(|r| r.r_type(endian) == copy)
                            .map(|r| r.r_sym(endian) as usize),
                    );
                }
            }
            if let Some((relas, link)) = sh
                .rela(endian, data)
                .map_err(|e| format!("bad dynamic relocations: {e}"))?
            {
                if link == symbols.section() {
                    copied.extend(
                        relas
                            .iter()
                            .filter(|r| r.r_type(endian, false) == copy)
                            .map(|r| r.r_sym(endian, false) as usize),
                    );
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, sym) in symbols.iter().enumerate().skip(1) {
        let undefined = sym.st_shndx(endian) == elf::SHN_UNDEF;
        if !(undefined || copied.contains(&i))
            || matches!(sym.st_type(), elf::STT_SECTION | elf::STT_FILE)
        {
            continue;
        }
        let name = sym
            .name(endian, symbols.strings())
            .map_err(|e| format!("bad .dynsym name of symbol {i}: {e}"))?;
        if name.is_empty() {
            continue;
        }
        let version = match &versions {
            Some(v) => v
                .version(v.version_index(endian, object::SymbolIndex(i)))
                .map_err(|e| format!("bad .gnu.version entry of symbol {i}: {e}"))?
                .map(|v| text(v.name())),
            None => None,
        };
        // dpkg looks a copy relocation up by `name@@VERSION` or `name` in `objdump -R`, which
        // (binutils 2.40, Debian 12) writes `name@VERSION`: only unversioned copied symbols
        // count, as `dpkg-shlibdeps -v` shows on Debian 12.
        if !undefined && version.is_some() {
            continue;
        }
        out.push((text(name), version));
    }
    Ok(out)
}

// Streaming analysis. An ELF file inside a package is a stream that cannot be seeked, and may be
// gigabytes long: the analysis reads it twice, keeping only bounded ranges. The first pass
// ([`ElfScan`]) keeps the file header and the program and section header tables (where the
// header says they are); from them it knows the ranges of `.interp`, `.dynamic`, the notes,
// `.gnu.version_r`, `.gnu.version_d`, `.gnu.version`, `.dynsym`, the relocation sections of
// `.dynsym`, their string tables and the section names (each at most
// `limits::MAX_ELF_SECTION`), which the second pass
// ([`ElfCollect`]) keeps. The analysis then runs on those ranges alone ([`Sparse`]); a read
// outside them is an error.

/// The largest ELF file header (64-bit).
const EHDR: u64 = 64;

/// Bytes of a file at known offsets, the rest absent; what [`analyse`] reads.
#[derive(Debug, Default)]
struct Sparse {
    /// Start offset (a multiple of 8, so that the tables inside stay aligned) and the bytes,
    /// stored in `u64`s for that alignment.
    ranges: Vec<(u64, Vec<u64>, u64)>,
    len: u64,
}

impl Sparse {
    fn bytes(words: &[u64], len: u64) -> &[u8] {
        // SAFETY: a `u64` slice is valid as bytes (alignment 1, no padding), `len` is at most
        // its size in bytes (checked by the constructor).
        let all =
            unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8) };
        &all[..len as usize]
    }

    fn find(&self, offset: u64) -> Option<&[u8]> {
        self.ranges
            .iter()
            .filter(|(start, _, len)| *start <= offset && offset < start + len)
            .max_by_key(|(start, _, len)| start + len)
            .map(|(start, words, len)| &Self::bytes(words, *len)[(offset - start) as usize..])
    }
}

impl<'a> ReadRef<'a> for &'a Sparse {
    fn len(self) -> std::result::Result<u64, ()> {
        Ok(self.len)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> std::result::Result<&'a [u8], ()> {
        if size == 0 {
            return Ok(&[]);
        }
        let rest = self.find(offset).ok_or(())?;
        rest.get(..usize::try_from(size).map_err(|_| ())?).ok_or(())
    }

    fn read_bytes_at_until(
        self,
        range: Range<u64>,
        delimiter: u8,
    ) -> std::result::Result<&'a [u8], ()> {
        let rest = self.find(range.start).ok_or(())?;
        let max = usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(usize::MAX);
        let rest = &rest[..rest.len().min(max)];
        let end = rest.iter().position(|&b| b == delimiter).ok_or(())?;
        Ok(&rest[..end])
    }
}

/// Collects byte ranges from a stream written to it in order.
#[derive(Debug)]
struct Ranges {
    pos: u64,
    /// (start, bytes as words, length, first offset not yet filled)
    wanted: Vec<(u64, Vec<u64>, u64)>,
}

impl Ranges {
    fn new() -> Self {
        Ranges {
            pos: 0,
            wanted: Vec::new(),
        }
    }

    /// Adds `[start, end)` (widened down to a multiple of 8); parts already passed are copied
    /// from `have`.
    fn want(&mut self, start: u64, end: u64, have: Option<&Sparse>) {
        let start = start & !7;
        if end <= start {
            return;
        }
        let len = end - start;
        let mut words = vec![0u64; len.div_ceil(8) as usize];
        if start < self.pos {
            if let Some(have) = have {
                let upto = self.pos.min(end);
                if let Ok(b) = have.read_bytes_at(start, upto - start) {
                    // SAFETY: as in `Sparse::bytes`, mutable.
                    let dst = unsafe {
                        std::slice::from_raw_parts_mut(
                            words.as_mut_ptr().cast::<u8>(),
                            words.len() * 8,
                        )
                    };
                    dst[..b.len()].copy_from_slice(b);
                }
            }
        }
        self.wanted.push((start, words, len));
    }

    fn take(&mut self, buf: &[u8]) {
        let (from, to) = (self.pos, self.pos + buf.len() as u64);
        for (start, words, len) in &mut self.wanted {
            let (a, b) = (from.max(*start), to.min(*start + *len));
            if a < b {
                // SAFETY: as in `Sparse::bytes`, mutable.
                let dst = unsafe {
                    std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8)
                };
                dst[(a - *start) as usize..(b - *start) as usize]
                    .copy_from_slice(&buf[(a - from) as usize..(b - from) as usize]);
            }
        }
        self.pos = to;
    }

    fn into_sparse(self, into: &mut Sparse) {
        let pos = self.pos;
        for (start, words, len) in self.wanted {
            // Ranges past the end of the file are cut to what exists.
            let len = len.min(pos.saturating_sub(start));
            if len > 0 {
                into.ranges.push((start, words, len));
            }
        }
        into.len = pos;
    }
}

/// The first pass over an ELF file: write the whole file into it, then [`ElfScan::finish`].
/// Holds the file header and the header tables (each at most
/// [`crate::limits::MAX_ELF_HEADERS`]).
#[derive(Debug)]
pub struct ElfScan {
    path: PathBuf,
    head: Vec<u8>,
    ranges: Option<Ranges>,
    error: Option<String>,
    not_elf: bool,
}

/// What the first pass learnt: the header tables and the ranges the second pass keeps.
#[derive(Debug)]
pub struct ElfPlan {
    path: PathBuf,
    known: Sparse,
    wanted: Vec<(u64, u64)>,
}

/// The second pass over the same ELF file: write the whole file into it again, then
/// [`ElfCollect::finish`].
#[derive(Debug)]
pub struct ElfCollect {
    plan: ElfPlan,
    ranges: Ranges,
}

fn header_tables<Elf: FileHeader<Endian = Endianness>>(
    head: &[u8],
) -> std::result::Result<Vec<(u64, u64)>, String> {
    let mut sparse = Sparse::default();
    let mut r = Ranges::new();
    r.want(0, head.len() as u64, None);
    r.take(head);
    r.into_sparse(&mut sparse);
    let header = Elf::parse(&sparse).map_err(|e| format!("bad ELF header: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("bad ELF header: {e}"))?;
    let mut out = Vec::new();
    let phoff: u64 = header.e_phoff(endian).into();
    let phnum = u64::from(header.e_phnum(endian));
    if phnum == u64::from(elf::PN_XNUM) {
        return Err("more program headers than the ELF header can count".into());
    }
    let shoff: u64 = header.e_shoff(endian).into();
    let shnum = u64::from(header.e_shnum(endian));
    for (what, off, n, size) in [
        (
            "program",
            phoff,
            phnum,
            u64::from(header.e_phentsize(endian)),
        ),
        (
            "section",
            shoff,
            if shnum == 0 && shoff != 0 { 1 } else { shnum },
            u64::from(header.e_shentsize(endian)),
        ),
    ] {
        if off == 0 || n == 0 {
            continue;
        }
        let len = n * size;
        if len > crate::limits::MAX_ELF_HEADERS {
            return Err(format!(
                "the {what} header table is {len} bytes; syspack reads at most {}",
                crate::limits::MAX_ELF_HEADERS
            ));
        }
        out.push((off, off.checked_add(len).ok_or("bad header table offset")?));
    }
    Ok(out)
}

fn section_ranges<Elf: FileHeader<Endian = Endianness>>(
    known: &Sparse,
) -> std::result::Result<Vec<(u64, u64)>, String> {
    let header = Elf::parse(known).map_err(|e| format!("bad ELF header: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("bad ELF header: {e}"))?;
    let mut out = Vec::new();
    let mut add = |what: &str, range: Option<(u64, u64)>, max: u64| {
        if let Some((off, len)) = range {
            if len > max {
                return Err(format!(
                    "the {what} is {len} bytes; syspack reads at most {max}"
                ));
            }
            out.push((off, off.saturating_add(len)));
        }
        Ok(())
    };
    for ph in header
        .program_headers(endian, known)
        .map_err(|e| format!("bad program headers: {e}"))?
    {
        if ph.p_type(endian) == elf::PT_INTERP {
            let range = (ph.p_offset(endian).into(), ph.p_filesz(endian).into());
            add(
                "interpreter name",
                Some(range),
                crate::limits::MAX_PATH as u64,
            )?;
        }
    }
    let sections = header
        .section_headers(endian, known)
        .map_err(|e| format!("bad section headers: {e}"))?;
    // Section names tell debugging sections (`.debug_*`) apart: keep the names' string table.
    if let Some(names) = sections.get(usize::from(header.e_shstrndx(endian))) {
        add(
            "section-name table",
            names.file_range(endian),
            crate::limits::MAX_ELF_SECTION,
        )?;
    }
    for sh in sections {
        let ty = sh.sh_type(endian);
        if ty == elf::SHT_NOTE {
            // The build ID and the ABI tag (which OS the file is for).
            add(
                "note",
                sh.file_range(endian),
                crate::limits::MAX_ELF_SECTION,
            )?;
        }
        // The dynamic symbols and their versions (what the file imports), and the dynamic
        // relocations, whose copy relocations make a defined symbol an import.
        let dynamic_relocations = (ty == elf::SHT_REL || ty == elf::SHT_RELA)
            && sections
                .get(sh.sh_link(endian) as usize)
                .is_some_and(|l| l.sh_type(endian) == elf::SHT_DYNSYM);
        let of_dynsym = ty == elf::SHT_SYMTAB_SHNDX
            && sections
                .get(sh.sh_link(endian) as usize)
                .is_some_and(|l| l.sh_type(endian) == elf::SHT_DYNSYM);
        if ty == elf::SHT_GNU_VERSYM || dynamic_relocations || of_dynsym {
            add(
                "section",
                sh.file_range(endian),
                crate::limits::MAX_ELF_SECTION,
            )?;
        }
        if ty == elf::SHT_DYNAMIC
            || ty == elf::SHT_GNU_VERNEED
            || ty == elf::SHT_GNU_VERDEF
            || ty == elf::SHT_DYNSYM
        {
            add(
                "section",
                sh.file_range(endian),
                crate::limits::MAX_ELF_SECTION,
            )?;
            if let Some(link) = sections.get(sh.sh_link(endian) as usize) {
                add(
                    "string table",
                    link.file_range(endian),
                    crate::limits::MAX_ELF_SECTION,
                )?;
            }
        }
    }
    let total: u64 = out.iter().map(|(a, b)| b.saturating_sub(*a)).sum();
    if total > crate::limits::MAX_ELF_SECTIONS_TOTAL {
        return Err(format!(
            "the sections the analysis reads are {total} bytes together; syspack reads at most {}",
            crate::limits::MAX_ELF_SECTIONS_TOTAL
        ));
    }
    Ok(out)
}

impl ElfScan {
    /// A first pass over the file shown as `path` in messages.
    pub fn new(path: &Path) -> Self {
        ElfScan {
            path: path.to_path_buf(),
            head: Vec::with_capacity(EHDR as usize),
            ranges: None,
            error: None,
            not_elf: false,
        }
    }

    /// False once the bytes written so far show that this is not an ELF file.
    pub fn is_elf(&self) -> bool {
        !self.not_elf
    }

    fn start(&mut self) {
        let tables = match FileKind::parse(&self.head[..]) {
            Ok(FileKind::Elf32) => header_tables::<elf::FileHeader32<Endianness>>(&self.head),
            Ok(FileKind::Elf64) => header_tables::<elf::FileHeader64<Endianness>>(&self.head),
            Ok(other) => Err(format!("it is a {other:?} file, not ELF")),
            Err(_) => Err("not an ELF file (no ELF magic)".into()),
        };
        let mut ranges = Ranges::new();
        ranges.want(0, self.head.len() as u64, None);
        ranges.take(&std::mem::take(&mut self.head));
        match tables {
            Ok(t) => {
                let mut have = Sparse::default();
                let first = std::mem::replace(&mut ranges, Ranges::new());
                first.into_sparse(&mut have);
                ranges.pos = have.len;
                ranges.want(0, have.len, Some(&have));
                for (a, b) in t {
                    ranges.want(a, b, Some(&have));
                }
            }
            Err(e) => self.error = Some(e),
        }
        self.ranges = Some(ranges);
    }

    /// The plan for the second pass, or `None` when the file is not ELF at all.
    ///
    /// # Errors
    ///
    /// [`Error::Elf`] when the header or a table is broken or beyond a limit.
    pub fn finish(mut self) -> Result<Option<ElfPlan>> {
        if self.ranges.is_none() {
            if self.not_elf || self.head.len() < 4 {
                return Ok(None);
            }
            self.start();
        }
        let err = |reason: String| Error::Elf {
            path: self.path.clone(),
            reason,
        };
        if let Some(e) = self.error.take() {
            return Err(err(e));
        }
        let mut known = Sparse::default();
        if let Some(r) = self.ranges.take() {
            r.into_sparse(&mut known);
        }
        let wanted = match known.read_bytes_at(0, 5).map(|b| b[4]) {
            Ok(elf::ELFCLASS32) => section_ranges::<elf::FileHeader32<Endianness>>(&known),
            Ok(elf::ELFCLASS64) => section_ranges::<elf::FileHeader64<Endianness>>(&known),
            _ => Err("bad ELF header".to_string()),
        }
        .map_err(err)?;
        Ok(Some(ElfPlan {
            path: self.path,
            known,
            wanted,
        }))
    }
}

impl Write for ElfScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        if self.ranges.is_none() {
            let n = (EHDR as usize - self.head.len()).min(rest.len());
            self.head.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            let magic = &self.head[..self.head.len().min(4)];
            if !b"\x7fELF".starts_with(magic) {
                self.not_elf = true;
            }
            if self.head.len() == EHDR as usize && !self.not_elf {
                self.start();
            }
        }
        if let Some(r) = &mut self.ranges {
            r.take(rest);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ElfPlan {
    /// The machine the file is for, from its header.
    ///
    /// # Errors
    ///
    /// Why it is none syspack packages for (`machine 62 (32-bit)`: x32; a DSP's firmware…): the
    /// analysis would refuse the file, so a caller reading someone else's package can set it
    /// aside instead.
    pub fn machine(&self) -> std::result::Result<Arch, String> {
        fn of<Elf: FileHeader<Endian = Endianness>>(
            known: &Sparse,
        ) -> std::result::Result<Arch, String> {
            let header = Elf::parse(known).map_err(|e| format!("bad ELF header: {e}"))?;
            let endian = header
                .endian()
                .map_err(|e| format!("bad ELF header: {e}"))?;
            machine(
                header.e_machine(endian),
                header.is_type_64(),
                endian == Endianness::Little,
            )
        }
        match self.known.read_bytes_at(0, 5).map(|b| b[4]) {
            Ok(elf::ELFCLASS32) => of::<elf::FileHeader32<Endianness>>(&self.known),
            Ok(elf::ELFCLASS64) => of::<elf::FileHeader64<Endianness>>(&self.known),
            _ => Err("bad ELF header".into()),
        }
    }

    /// The second pass.
    pub fn collector(self) -> ElfCollect {
        let mut ranges = Ranges::new();
        for &(a, b) in &self.wanted {
            ranges.want(a, b, None);
        }
        ElfCollect { plan: self, ranges }
    }
}

impl ElfCollect {
    /// Analyses what the two passes kept.
    ///
    /// # Errors
    ///
    /// [`Error::Elf`] if the file is not a 32- or 64-bit ELF file of a known machine, or a table
    /// inside is corrupt.
    pub fn finish(self) -> Result<ElfInfo> {
        let ElfCollect { plan, ranges } = self;
        let mut known = plan.known;
        let len = known.len;
        ranges.into_sparse(&mut known);
        known.len = len.max(known.len);
        let err = |reason: String| Error::Elf {
            path: plan.path.clone(),
            reason,
        };
        match known.read_bytes_at(0, 5).map(|b| b[4]) {
            Ok(elf::ELFCLASS32) => analyse::<elf::FileHeader32<Endianness>, _>(&known).map_err(err),
            Ok(elf::ELFCLASS64) => analyse::<elf::FileHeader64<Endianness>, _>(&known).map_err(err),
            _ => Err(err("bad ELF header".into())),
        }
    }
}

impl Write for ElfCollect {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.ranges.take(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
