//! Stripping ELF files, as cargo-deb and debhelper's `dh_strip` do: with the host's GNU binutils
//! (`strip`, `objcopy`), on a copy — the file in the user's `target/` is never changed.
//!
//! `strip --strip-unneeded --remove-section=.comment --remove-section=.note` drops the symbol
//! table and the debugging sections (lintian: `unstripped-binary-or-object`). With
//! `separate-debug-symbols`, `objcopy --only-keep-debug --compress-debug-sections` first keeps
//! them in `<build-id[2..]>.debug`, and `objcopy --add-gnu-debuglink` records that file's name
//! and CRC in the stripped copy: the layout of Debian's `-dbgsym` packages
//! (`/usr/lib/debug/.build-id/xx/yyyy.debug`, see dh_strip(1)).
//!
//! The copies are kept in a directory named by the SHA-256 of the input, written atomically; GNU
//! binutils write the same bytes for the same input, so packages stay reproducible and a second
//! run reuses the copies (and the frame cache's frames of them).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::elf::ElfInfo;
use syspack_distro::Arch;

/// A stripped copy of an ELF file.
#[derive(Clone, Debug)]
pub struct Stripped {
    /// The stripped copy.
    pub path: PathBuf,
    /// With `separate-debug-symbols`: the build ID and the file with the debugging symbols.
    pub debug: Option<(String, PathBuf)>,
}

/// The GNU binutils prefix for ELF files of `machine` when it is not the host's
/// (`aarch64-linux-gnu-` → `aarch64-linux-gnu-strip`), and the Debian package that has them.
fn tool_prefix(machine: Arch) -> (&'static str, &'static str) {
    if machine == Arch::host() {
        return ("", "binutils");
    }
    match machine {
        Arch::X86_64 => ("x86_64-linux-gnu-", "binutils-x86-64-linux-gnu"),
        Arch::Aarch64 => ("aarch64-linux-gnu-", "binutils-aarch64-linux-gnu"),
        Arch::I686 => ("i686-linux-gnu-", "binutils-i686-linux-gnu"),
        Arch::Armv7 => ("arm-linux-gnueabihf-", "binutils-arm-linux-gnueabihf"),
        Arch::Riscv64 => ("riscv64-linux-gnu-", "binutils-riscv64-linux-gnu"),
        Arch::Ppc64le => ("powerpc64le-linux-gnu-", "binutils-powerpc64le-linux-gnu"),
        Arch::S390x => ("s390x-linux-gnu-", "binutils-s390x-linux-gnu"),
        Arch::All => ("", "binutils"),
    }
}

/// Runs one binutils tool; a missing tool is an error naming its package.
fn run(tool: &str, package: &str, args: &[&std::ffi::OsStr], src: &Path) -> Result<()> {
    let out = Command::new(tool).args(args).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!(
                "`{tool}` is not installed; syspack strips ELF files with it, as cargo-deb does. \
                 Install it (`apt-get install {package}`; `dnf install binutils` on Fedora), or \
                 keep the symbols with `strip = false` in `[package.metadata.syspack]`"
            )
        } else {
            anyhow!("cannot run `{tool}`: {e}")
        }
    })?;
    if !out.status.success() {
        bail!(
            "`{tool}` failed on `{}` ({}): {}; set `strip = false` to package it as it is",
            src.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Strips `src` (described by `info`) into `scratch`, keeping its debugging symbols apart when
/// `split`.
///
/// # Errors
///
/// The tool is missing (naming its package) or fails, or `scratch` cannot be written.
pub fn strip(src: &Path, info: &ElfInfo, scratch: &Path, split: bool) -> Result<Stripped> {
    let data = std::fs::read(src).with_context(|| format!("failed to read `{}`", src.display()))?;
    let key = hex::encode(&Sha256::digest(&data)[..16]);
    let dir = scratch.join(format!("{key}{}", if split { "-split" } else { "" }));
    let out = dir.join("stripped");
    let debug = match (&info.build_id, split) {
        (Some(id), true) if id.len() > 2 => {
            Some((id.clone(), dir.join(format!("{}.debug", &id[2..]))))
        }
        _ => None,
    };
    if out.is_file() && debug.as_ref().is_none_or(|(_, d)| d.is_file()) {
        return Ok(Stripped { path: out, debug });
    }
    std::fs::create_dir_all(scratch)
        .with_context(|| format!("failed to create `{}`", scratch.display()))?;
    // Everything is made in a temporary directory renamed into place at the end, so that two
    // runs at once never see half a copy.
    let tmp = tempfile::Builder::new()
        .prefix(".strip-")
        .tempdir_in(scratch)
        .with_context(|| format!("failed to create a directory in `{}`", scratch.display()))?;
    let (prefix, package) = tool_prefix(info.machine);
    let strip_tool = format!("{prefix}strip");
    let objcopy = format!("{prefix}objcopy");
    let stripped = tmp.path().join("stripped");
    if let Some((_, d)) = &debug {
        let name = d.file_name().unwrap_or_default();
        let dbg = tmp.path().join(name);
        run(
            &objcopy,
            package,
            &[
                "--only-keep-debug".as_ref(),
                "--compress-debug-sections".as_ref(),
                src.as_os_str(),
                dbg.as_os_str(),
            ],
            src,
        )?;
    }
    run(
        &strip_tool,
        package,
        &[
            "--strip-unneeded".as_ref(),
            "--remove-section=.comment".as_ref(),
            "--remove-section=.note".as_ref(),
            "-o".as_ref(),
            stripped.as_os_str(),
            src.as_os_str(),
        ],
        src,
    )?;
    if let Some((_, d)) = &debug {
        let dbg = tmp.path().join(d.file_name().unwrap_or_default());
        let mut link = std::ffi::OsString::from("--add-gnu-debuglink=");
        link.push(&dbg);
        // objcopy records the debug file's name (without its directory) and CRC.
        run(
            &objcopy,
            package,
            &[link.as_os_str(), stripped.as_os_str()],
            src,
        )?;
    }
    let kept = tmp.keep();
    match std::fs::rename(&kept, &dir) {
        Ok(()) => {}
        // Another run made the same copy first: use it.
        Err(_) if out.is_file() => {
            let _ = std::fs::remove_dir_all(&kept);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(anyhow!(e).context(format!("failed to create `{}`", dir.display())));
        }
    }
    Ok(Stripped { path: out, debug })
}
