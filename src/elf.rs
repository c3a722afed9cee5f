//! The ELF facts staging needs, from `syspack_distro::elf` (pure Rust: works for cross-compiled
//! binaries, no `ldd`, no `dpkg-shlibdeps`).

use std::path::Path;

use syspack_distro::elf::{ElfInfo, TargetOs};

/// What one ELF file needs from the system.
pub struct Needs {
    /// `DT_NEEDED` sonames.
    pub needed: Vec<String>,
    /// The newest `GLIBC_x.y` symbol version it needs.
    pub glibc: Option<String>,
    /// True for a FreeBSD executable or library, false for Linux.
    pub freebsd: bool,
}

/// Reads `path`'s dynamic section and symbol-version needs.
pub fn parse(path: &Path) -> Result<Needs, syspack_distro::Error> {
    let info = ElfInfo::parse(path)?;
    Ok(Needs {
        glibc: info.max_version("GLIBC_").map(|v| v.to_string()),
        needed: info.needed,
        freebsd: info.os == TargetOs::FreeBsd,
    })
}
