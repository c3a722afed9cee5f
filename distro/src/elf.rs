//! ELF analysis in pure Rust: what a binary needs from the system that runs it.
//!
//! [`ElfInfo::parse`] reads an executable or shared library (any architecture, so it works for
//! cross-compiled binaries — no `ldd`, no `dpkg-shlibdeps`) and reports:
//!
//! * `DT_NEEDED` sonames in order, and the file's own `DT_SONAME`;
//! * symbol-version needs per library from `.gnu.version_r` (`GLIBC_2.34`, `GLIBCXX_3.4.30`,
//!   `CXXABI_1.3.13`, `GCC_4.2.0`…);
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

use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};
use object::{elf, Endianness, FileKind};
use serde::Serialize;

use crate::error::{Error, Result};
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
}

impl ElfInfo {
    /// Reads and analyses the ELF file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, [`Error::Elf`] if it is not a usable ELF file.
    pub fn parse(path: &Path) -> Result<ElfInfo> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, "reading ELF file", e))?;
        ElfInfo::parse_bytes(&data, path)
    }

    /// Analyses ELF bytes; `path` is only used in error messages.
    ///
    /// # Errors
    ///
    /// [`Error::Elf`] if the bytes are not a 32- or 64-bit ELF file of a known machine, or a table
    /// inside is corrupt.
    pub fn parse_bytes(data: &[u8], path: &Path) -> Result<ElfInfo> {
        let err = |reason: String| Error::Elf {
            path: PathBuf::from(path),
            reason,
        };
        match FileKind::parse(data) {
            Ok(FileKind::Elf32) => analyse::<elf::FileHeader32<Endianness>>(data).map_err(err),
            Ok(FileKind::Elf64) => analyse::<elf::FileHeader64<Endianness>>(data).map_err(err),
            Ok(other) => Err(err(format!("it is a {other:?} file, not ELF"))),
            Err(_) => Err(err("not an ELF file (no ELF magic)".into())),
        }
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

fn analyse<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
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
    if let Some((dyns, link)) = sections
        .dynamic(endian, data)
        .map_err(|e| format!("bad .dynamic: {e}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad .dynstr: {e}"))?;
        for d in dyns {
            let tag = d.tag32(endian);
            if tag == Some(elf::DT_NEEDED) || tag == Some(elf::DT_SONAME) {
                let s = d
                    .string(endian, strings)
                    .map_err(|e| format!("bad .dynamic string: {e}"))?;
                if tag == Some(elf::DT_NEEDED) {
                    needed.push(text(s));
                } else {
                    soname = Some(text(s));
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

    // Section names (symbol table, debugging sections) and notes: the GNU build ID, and the ABI
    // tag — `.note.tag` with owner `FreeBSD` on FreeBSD, `.note.ABI-tag` with owner `GNU` and OS
    // 0 (Linux) on glibc systems.
    let mut unstripped = false;
    let mut build_id = None;
    let mut freebsd_note = false;
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
                    // NT_FREEBSD_ABI_TAG
                    freebsd_note = true;
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

    Ok(ElfInfo {
        needed,
        symbol_versions,
        interpreter,
        machine,
        os,
        libc,
        soname,
        loadable,
        unstripped,
        build_id,
    })
}
