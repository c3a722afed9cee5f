//! C toolchains other than the build machine's own: zig as C compiler and linker, driven through
//! cargo-zigbuild ([`zig`]), and the glibc floor a build targets ([`GlibcFloor`]).
//!
//! A build through [`zig::ZigToolchain`] names a [`ZigTarget`]: a Rust target triple and, for
//! `*-linux-gnu` triples, the oldest glibc the binary must run on (`x86_64-unknown-linux-gnu.2.17`).
//! The same toolchain builds for other operating systems (`x86_64-unknown-freebsd`) with no
//! floor; the vendored C libraries are compiled by it too, since cargo-zigbuild sets the target's
//! `CC_<target>`, `CXX_<target>`, `AR_<target>` and `CMAKE_TOOLCHAIN_FILE_<target>`, which cc-rs
//! and the cmake crate read (see `syspack-build`).

pub mod abilist;
pub mod floor;
pub mod refs;
pub mod zig;

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Result};
use syspack_distro::kb::Version;

/// The oldest glibc a build must run on (`--glibc 2.17`): a `2.N` release number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlibcFloor(Version);

impl GlibcFloor {
    /// The version, for comparisons with `GLIBC_x.y` symbol versions.
    pub fn version(&self) -> &Version {
        &self.0
    }
}

impl FromStr for GlibcFloor {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<GlibcFloor> {
        let s = s.trim();
        let ok = s.split_once('.').is_some_and(|(major, minor)| {
            major == "2"
                && !minor.is_empty()
                && minor.len() <= 3
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
        if !ok {
            bail!("`{s}` is not a glibc release number: write it as `2.N`, e.g. `2.17` (CentOS 7)");
        }
        Ok(GlibcFloor(Version::new(s)?))
    }
}

impl fmt::Display for GlibcFloor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// What a zig build targets: a Rust triple and, for glibc triples, the glibc floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZigTarget {
    /// The Rust target triple (`x86_64-unknown-linux-gnu`, `x86_64-unknown-freebsd`).
    pub triple: String,
    /// The oldest glibc to run on (only for `*-linux-gnu*` triples).
    pub glibc: Option<GlibcFloor>,
}

impl ZigTarget {
    /// A glibc target: `triple` must be a `*-linux-gnu*` triple.
    pub fn glibc(triple: &str, floor: GlibcFloor) -> Result<ZigTarget> {
        if !triple.contains("-linux-gnu") {
            bail!("`--glibc {floor}` needs a glibc target triple (`*-linux-gnu`), not `{triple}`");
        }
        Ok(ZigTarget {
            triple: triple.to_string(),
            glibc: Some(floor),
        })
    }

    /// The glibc target of `arch` for `floor`: the host's own triple when `arch` is the host's
    /// (`rustc -vV`), else the Rust triple of `arch`'s GNU/Linux (`aarch64-unknown-linux-gnu`), a
    /// cross build (zig brings the target's glibc stubs and C runtime; rustup the standard
    /// library).
    ///
    /// # Errors
    ///
    /// `arch` is `all`, or `floor` is older than the first glibc release for `arch` (glibc came
    /// to aarch64 in 2.17: its oldest symbol version is `GLIBC_2.17`).
    pub fn linux_gnu(arch: syspack_distro::Arch, floor: GlibcFloor) -> Result<ZigTarget> {
        use syspack_distro::Arch;
        let (triple, first) = match arch {
            Arch::X86_64 => ("x86_64-unknown-linux-gnu", None),
            Arch::Aarch64 => ("aarch64-unknown-linux-gnu", Some("2.17")),
            Arch::I686 => ("i686-unknown-linux-gnu", None),
            Arch::Armv7 => ("armv7-unknown-linux-gnueabihf", None),
            Arch::Riscv64 => ("riscv64gc-unknown-linux-gnu", Some("2.27")),
            Arch::Ppc64le => ("powerpc64le-unknown-linux-gnu", Some("2.17")),
            Arch::S390x => ("s390x-unknown-linux-gnu", None),
            Arch::All => bail!(
                "`--glibc {floor}` builds executables, whose package cannot be architecture \
                 `all`: set `architecture` to the machine the binaries are for (or drop it: the \
                 build machine's), or package existing files with `--no-build`"
            ),
        };
        if let Some(first) = first {
            let first: GlibcFloor = first.parse()?;
            if floor.version() < first.version() {
                bail!(
                    "`--glibc {floor}` is older than glibc on {} (`{triple}`): its first release \
                     there is {first} (the oldest symbol version of its libc is GLIBC_{first}); \
                     ask for `--glibc {first}` or newer",
                    arch.rpm()
                );
            }
        }
        let triple = if arch == Arch::host() {
            ZigTarget::host_triple()?
        } else {
            triple.to_string()
        };
        ZigTarget::glibc(&triple, floor)
    }

    /// The FreeBSD target for `arch` (`x86_64-unknown-freebsd`): zig links it against its
    /// FreeBSD libc stubs, which are FreeBSD 14's (the binaries carry an ABI note of 14.0;
    /// docs/freebsd.md).
    ///
    /// # Errors
    ///
    /// `arch` is not one syspack cross-builds FreeBSD for: `aarch64-unknown-freebsd` is a tier 3
    /// Rust target, for which rustup has no standard library.
    pub fn freebsd(arch: syspack_distro::Arch) -> Result<ZigTarget> {
        let cpu = match arch {
            syspack_distro::Arch::X86_64 => "x86_64",
            syspack_distro::Arch::Aarch64 => bail!(
                "syspack cannot cross-build FreeBSD/arm64 here: `aarch64-unknown-freebsd` is a \
                 tier 3 Rust target, for which rustup ships no standard library (`rustup target \
                 list` does not have it; building it needs a nightly `-Zbuild-std`); build on \
                 FreeBSD/arm64 itself, or package existing binaries with `--no-build`"
            ),
            other => bail!(
                "syspack cross-builds FreeBSD for x86_64 and aarch64, not {} ({}); build on \
                 FreeBSD itself, or package existing binaries with `--no-build`",
                other.rpm(),
                other.freebsd()
            ),
        };
        Ok(ZigTarget {
            triple: format!("{cpu}-unknown-freebsd"),
            glibc: None,
        })
    }

    /// The host's triple as rustc reports it (`rustc -vV`, line `host:`): the triple a
    /// `--glibc` build without `--target` uses.
    pub fn host_triple() -> Result<String> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = std::process::Command::new(&rustc)
            .arg("-vV")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                anyhow::anyhow!(
                    "failed to run `{} -vV`: {e}; is Rust installed?",
                    rustc.to_string_lossy()
                )
            })?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .map(|h| h.trim().to_string())
            .ok_or_else(|| {
                anyhow::anyhow!("`{} -vV` printed no `host:` line", rustc.to_string_lossy())
            })
    }

    /// The target as cargo-zigbuild spells it: the triple with the glibc floor appended
    /// (`x86_64-unknown-linux-gnu.2.17`).
    pub fn zigbuild_triple(&self) -> String {
        match &self.glibc {
            Some(g) => format!("{}.{g}", self.triple),
            None => self.triple.clone(),
        }
    }
}

/// The directory of rustc's standard library for `triple` (`rustc --print target-libdir`), if
/// it holds one (a `libstd-*.rlib`).
pub fn rust_std_dir(triple: &str) -> Option<std::path::PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc)
        .args(["--print", "target-libdir", "--target", triple])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let dir = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let has_std = std::fs::read_dir(&dir).ok()?.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libstd-") && name.ends_with(".rlib")
    });
    has_std.then_some(dir)
}

/// Fails naming the install command when rustc has no standard library for `triple`.
///
/// # Errors
///
/// The target's standard library is not installed.
pub fn check_rust_std(triple: &str) -> Result<()> {
    if rust_std_dir(triple).is_some() {
        return Ok(());
    }
    bail!(
        "rustc has no standard library for `{triple}`: install it with `rustup target add \
         {triple}` (`syspack doctor` shows what a cross build needs)"
    )
}

/// The first thing that looks like a version in a tool's `--version` output (cargo-zigbuild,
/// the packaging tools `syspack doctor` lists).
pub fn version_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .map(|w| w.trim_start_matches('v'))
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(|w| w.trim_end_matches(['.', ':']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_are_glibc_release_numbers() {
        assert_eq!("2.17".parse::<GlibcFloor>().unwrap().to_string(), "2.17");
        for bad in ["", "2", "3.1", "2.", "2.17.1", "2.x", "2.1234", "x.17"] {
            let e = bad.parse::<GlibcFloor>().unwrap_err().to_string();
            assert!(e.contains("2.N"), "{bad}: {e}");
        }
    }

    #[test]
    fn freebsd_is_cross_built_for_x86_64_only() {
        let t = ZigTarget::freebsd(syspack_distro::Arch::X86_64).unwrap();
        assert_eq!(t.zigbuild_triple(), "x86_64-unknown-freebsd");
        let e = ZigTarget::freebsd(syspack_distro::Arch::Aarch64).unwrap_err();
        assert!(e.to_string().contains("tier 3"), "{e}");
    }

    #[test]
    fn glibc_targets_follow_the_package_architecture() {
        use syspack_distro::Arch;
        let f: GlibcFloor = "2.17".parse().unwrap();
        let t = ZigTarget::linux_gnu(Arch::Aarch64, f.clone()).unwrap();
        if Arch::host() != Arch::Aarch64 {
            assert_eq!(t.zigbuild_triple(), "aarch64-unknown-linux-gnu.2.17");
        }
        let e = ZigTarget::linux_gnu(Arch::Aarch64, "2.12".parse().unwrap()).unwrap_err();
        assert!(e.to_string().contains("first release there is 2.17"), "{e}");
        let e = ZigTarget::linux_gnu(Arch::All, f).unwrap_err();
        assert!(e.to_string().contains("architecture"), "{e}");
    }

    #[test]
    fn the_zigbuild_triple_carries_the_floor() {
        let t = ZigTarget::glibc("x86_64-unknown-linux-gnu", "2.17".parse().unwrap()).unwrap();
        assert_eq!(t.zigbuild_triple(), "x86_64-unknown-linux-gnu.2.17");
        let e = ZigTarget::glibc("x86_64-unknown-freebsd", "2.17".parse().unwrap()).unwrap_err();
        assert!(e.to_string().contains("*-linux-gnu"), "{e}");
    }

    #[test]
    fn versions_are_found_in_tool_banners() {
        assert_eq!(
            version_in("Debian dpkg-deb version 1.21.22 (amd64)."),
            Some("1.21.22".into())
        );
        assert_eq!(version_in("RPM version 4.18.1"), Some("4.18.1".into()));
        assert_eq!(
            version_in(" .--.   Pacman v6.0.2 - libalpm v13.0.2"),
            Some("6.0.2".into())
        );
        assert_eq!(
            version_in("bison (GNU Bison) 3.8.2\nWritten by"),
            Some("3.8.2".into())
        );
        assert_eq!(version_in("no digits here"), None);
    }
}
