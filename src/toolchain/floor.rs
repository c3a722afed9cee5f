//! The check after a build for a glibc floor: every symbol version an ELF file needs from
//! glibc must exist in the floor release, and nothing may need libgcc_s's or libstdc++'s
//! version nodes (those libraries are not part of glibc, and zig links its own unwinder and
//! libc++ statically, so such a need came from an object zig did not build).

use std::path::Path;

use anyhow::{anyhow, Result};
use syspack_distro::elf::{ElfInfo, Libc};
use syspack_distro::kb::Version;

use super::GlibcFloor;
use crate::exit::CheckFailed;

/// The version families that are not glibc's (libstdc++, its ABI, libgcc_s).
const NOT_GLIBC: [&str; 3] = ["GLIBCXX_", "CXXABI_", "GCC_"];

/// What one ELF file needs beyond the floor: `symbol@VERSION` lines (or the bare version, for a
/// version needed with no symbol the file names), sorted.
pub fn beyond(info: &ElfInfo, floor: &GlibcFloor) -> Vec<String> {
    let too_new = |v: &str| -> bool {
        if NOT_GLIBC.iter().any(|p| v.starts_with(p)) {
            return true;
        }
        v.strip_prefix("GLIBC_")
            .and_then(|n| n.parse::<Version>().ok())
            .is_some_and(|n| &n > floor.version())
    };
    let mut out: Vec<String> = info
        .imports
        .iter()
        .filter_map(|(name, v)| v.as_deref().filter(|v| too_new(v)).map(|v| (name, v)))
        .map(|(name, v)| format!("{name}@{v}"))
        .collect();
    for v in info.symbol_versions.values().flatten() {
        if too_new(v) && !out.iter().any(|s| s.ends_with(&format!("@{v}"))) {
            out.push(v.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Checks every glibc-linked executable of `files` (name, path) against the floor.
///
/// # Errors
///
/// A file cannot be read as ELF, or one needs more than the floor ([`CheckFailed`], naming the
/// symbols).
pub fn check<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a Path)>,
    floor: &GlibcFloor,
) -> Result<()> {
    let mut problems = Vec::new();
    for (name, path) in files {
        let info = ElfInfo::parse(path)?;
        if info.libc != Libc::Glibc {
            continue;
        }
        let beyond = beyond(&info, floor);
        if !beyond.is_empty() {
            problems.push(format!(
                "`{name}` ({}) needs {}{}",
                path.display(),
                beyond.join(", "),
                referrers(path, &beyond)
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "{}\n\nhelp: these symbols are newer than glibc {floor} (or come from libgcc_s/libstdc++, \
         which are not part of glibc): the objects named above call them (when the build's \
         archives are still beside the binary); build that crate with zig too (no prebuilt \
         objects, SYSPACK_LINK=vendored), drop it, or raise --glibc",
        problems.join("\n")
    )
    .context(CheckFailed(format!(
        "--glibc {floor}: {} binar{} need{} more than glibc {floor}; nothing was packaged",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        if problems.len() == 1 { "s" } else { "" },
    ))))
}

/// The objects of the cargo build beside `exe` that reference the glibc symbols of `beyond`
/// (`symbol@GLIBC_x.y` lines), one indented line per symbol; empty when none is found. The
/// libgcc_s/libstdc++ ones are left out: every Rust object references the unwinder's
/// `_Unwind_*`, and their cause is the toolchain that linked, not a crate.
fn referrers(exe: &Path, beyond: &[String]) -> String {
    let wanted: std::collections::BTreeSet<String> = beyond
        .iter()
        .filter_map(|s| s.split_once('@'))
        .filter(|(_, v)| v.starts_with("GLIBC_"))
        .map(|(name, _)| name.to_string())
        .collect();
    let found = super::refs::find(&super::refs::archives_beside(exe), &wanted);
    let mut out = String::new();
    for line in beyond {
        let Some((name, _)) = line
            .split_once('@')
            .filter(|(_, v)| v.starts_with("GLIBC_"))
        else {
            continue;
        };
        if let Some(rs) = found.get(name) {
            let rs: Vec<String> = rs.iter().map(ToString::to_string).collect();
            out.push_str(&format!("\n    {line}: referenced by {}", rs.join("; ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn info(imports: &[(&str, &str)]) -> ElfInfo {
        let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (_, v) in imports {
            versions
                .entry("libc.so.6".into())
                .or_default()
                .insert(v.to_string());
        }
        let mut i = ElfInfo::parse_bytes(
            &std::fs::read("/proc/self/exe").expect("own executable"),
            Path::new("/proc/self/exe"),
        )
        .expect("own executable is ELF");
        i.imports = imports
            .iter()
            .map(|(n, v)| (n.to_string(), Some(v.to_string())))
            .collect();
        i.symbol_versions = versions;
        i
    }

    #[test]
    fn symbols_above_the_floor_and_libgcc_needs_are_named() {
        let floor: GlibcFloor = "2.17".parse().unwrap();
        let i = info(&[
            ("memcpy", "GLIBC_2.14"),
            ("getrandom", "GLIBC_2.25"),
            ("secure_getenv", "GLIBC_2.17"),
            ("_Unwind_Resume", "GCC_3.0"),
        ]);
        assert_eq!(
            beyond(&i, &floor),
            ["_Unwind_Resume@GCC_3.0", "getrandom@GLIBC_2.25"]
        );
        let i = info(&[("memcpy", "GLIBC_2.14"), ("secure_getenv", "GLIBC_2.17")]);
        assert!(beyond(&i, &floor).is_empty());
    }
}
