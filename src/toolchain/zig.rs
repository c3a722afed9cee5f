//! zig as the C compiler and linker, through cargo-zigbuild: finding both, and the cargo command
//! that builds for a [`ZigTarget`].
//!
//! zig is looked for in this order:
//! 1. `SYSPACK_ZIG`: a zig program;
//! 2. `zig` on `PATH` (the system's, or an unpacked release);
//! 3. `python3` on `PATH` with the `ziglang` module (PyPI's `ziglang` wheel ships zig and runs it
//!    as `python3 -m ziglang`); a virtual environment's `python3` is found when its `bin/` is on
//!    `PATH` (activated), so zig never has to go into the system Python (PEP 668).
//!
//! cargo-zigbuild is `SYSPACK_CARGO_ZIGBUILD`, else `cargo-zigbuild` on `PATH`, else
//! `$CARGO_HOME/bin/cargo-zigbuild` (where `cargo install` puts it).
//!
//! cargo-zigbuild looks for zig itself (`python3 -m ziglang` first, then `zig`, see its
//! `src/zig/locate.rs`); syspack passes the zig it found through cargo-zigbuild's own variables
//! (`CARGO_ZIGBUILD_PYTHON_PATH`, `CARGO_ZIGBUILD_ZIG_PATH`), so that `syspack doctor` and the
//! build agree on which zig is used.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, Result};

use super::ZigTarget;

/// The `ziglang` release ci/install-deps installs and syspack is tested with.
pub const ZIGLANG_VERSION: &str = "0.17.1";
/// The cargo-zigbuild release ci/install-deps installs and syspack is tested with.
pub const CARGO_ZIGBUILD_VERSION: &str = "0.24.1";

/// How to install zig, for messages.
pub fn zig_install_hint() -> String {
    format!(
        "install zig into a virtual environment and put its bin/ on PATH: `python3 -m venv \
         ~/.venvs/zig && ~/.venvs/zig/bin/pip install ziglang=={ZIGLANG_VERSION} && export \
         PATH=~/.venvs/zig/bin:$PATH` (or put a `zig` program on PATH, or set SYSPACK_ZIG to one)"
    )
}

/// How to install cargo-zigbuild, for messages.
pub fn zigbuild_install_hint() -> String {
    format!("`cargo install --locked cargo-zigbuild@{CARGO_ZIGBUILD_VERSION}`")
}

/// Where the zig found comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZigSource {
    /// `SYSPACK_ZIG`.
    EnvVar,
    /// `zig` on PATH.
    Path,
    /// `python3 -m ziglang` (PyPI's `ziglang`), with this Python.
    Python,
}

/// A zig that answers `zig version`.
#[derive(Clone, Debug)]
pub struct Zig {
    /// The program: zig itself, or the Python that has `ziglang`.
    pub program: PathBuf,
    /// Arguments before zig's own (`-m ziglang` for Python).
    pub args: Vec<String>,
    /// What `zig version` printed (`0.17.1`).
    pub version: String,
    /// Where it was found.
    pub source: ZigSource,
}

impl fmt::Display for Zig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            ZigSource::EnvVar => write!(f, "{} (SYSPACK_ZIG)", self.program.display()),
            ZigSource::Path => write!(f, "{} (PATH)", self.program.display()),
            ZigSource::Python => {
                write!(f, "{} -m ziglang (PyPI's ziglang)", self.program.display())
            }
        }
    }
}

/// Runs `program args… version` and returns the version it prints, if it looks like one.
fn zig_version(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .arg("version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && v.chars().next().is_some_and(|c| c.is_ascii_digit())).then_some(v)
}

impl Zig {
    /// Finds zig (see the module documentation for the order); `None` when there is none.
    ///
    /// # Errors
    ///
    /// `SYSPACK_ZIG` is set but does not run as zig.
    pub fn find() -> Result<Option<Zig>> {
        if let Some(p) = std::env::var_os("SYSPACK_ZIG").filter(|p| !p.is_empty()) {
            let program = which::which(&p).unwrap_or_else(|_| PathBuf::from(&p));
            let version = zig_version(&program, &[]).ok_or_else(|| {
                anyhow!(
                    "SYSPACK_ZIG is `{}`, which does not answer `zig version`; point it at a zig \
                     program or unset it",
                    program.display()
                )
            })?;
            return Ok(Some(Zig {
                program,
                args: Vec::new(),
                version,
                source: ZigSource::EnvVar,
            }));
        }
        if let Ok(program) = which::which("zig") {
            if let Some(version) = zig_version(&program, &[]) {
                return Ok(Some(Zig {
                    program,
                    args: Vec::new(),
                    version,
                    source: ZigSource::Path,
                }));
            }
        }
        if let Ok(program) = which::which("python3") {
            if let Some(version) = zig_version(&program, &["-m", "ziglang"]) {
                return Ok(Some(Zig {
                    program,
                    args: vec!["-m".into(), "ziglang".into()],
                    version,
                    source: ZigSource::Python,
                }));
            }
        }
        Ok(None)
    }

    /// A command running this zig; the caller adds zig's arguments (`cc`, `--version`).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        c
    }

    /// The version of the clang inside this zig (`zig cc --version`): what the objects it
    /// compiles carry in their `.comment` section (`clang version 22.1.8`).
    pub fn clang_version(&self) -> Option<String> {
        let out = self
            .command()
            .args(["cc", "--version"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let (_, rest) = text.split_once("clang version ")?;
        rest.split_whitespace().next().map(str::to_string)
    }

    /// zig's library directory (`zig env`: `lib_dir`, written as ZON `.lib_dir = "…"` by
    /// zig 0.14 and later, as JSON `"lib_dir": "…"` before).
    pub fn lib_dir(&self) -> Option<PathBuf> {
        let out = self
            .command()
            .arg("env")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&out.stdout);
        lib_dir_in(&text)
    }

    /// The variables that make cargo-zigbuild use this zig and no other.
    fn zigbuild_env(&self) -> Vec<(&'static str, OsString)> {
        match self.source {
            ZigSource::Python => vec![("CARGO_ZIGBUILD_PYTHON_PATH", self.program.clone().into())],
            // cargo-zigbuild tries `python3 -m ziglang` before `zig`: a Python path that cannot
            // exist makes it take the zig program named here.
            ZigSource::EnvVar | ZigSource::Path => vec![
                ("CARGO_ZIGBUILD_ZIG_PATH", self.program.clone().into()),
                (
                    "CARGO_ZIGBUILD_PYTHON_PATH",
                    "/nonexistent/syspack-uses-a-zig-program".into(),
                ),
            ],
        }
    }
}

/// A cargo-zigbuild that answers `--version`.
#[derive(Clone, Debug)]
pub struct CargoZigbuild {
    /// The program.
    pub path: PathBuf,
    /// What `--version` printed (`0.24.1`).
    pub version: String,
}

impl CargoZigbuild {
    /// Finds cargo-zigbuild (see the module documentation); `None` when there is none.
    pub fn find() -> Option<CargoZigbuild> {
        let candidates = std::env::var_os("SYSPACK_CARGO_ZIGBUILD")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .into_iter()
            .chain(which::which("cargo-zigbuild").ok())
            .chain(cargo_home().map(|h| h.join("bin").join("cargo-zigbuild")));
        for path in candidates {
            let Ok(out) = Command::new(&path)
                .arg("--version")
                .stdin(Stdio::null())
                .output()
            else {
                continue;
            };
            let text = String::from_utf8_lossy(&out.stdout);
            if let Some(version) = super::version_in(&text) {
                return Some(CargoZigbuild { path, version });
            }
        }
        None
    }
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// zig and cargo-zigbuild, both found.
#[derive(Clone, Debug)]
pub struct ZigToolchain {
    /// The C compiler and linker.
    pub zig: Zig,
    /// The cargo wrapper that sets zig up as the target's `CC`, `AR`, linker.
    pub zigbuild: CargoZigbuild,
}

impl ZigToolchain {
    /// Finds both tools.
    ///
    /// # Errors
    ///
    /// Either is missing (the message names both install commands, for what is missing), or
    /// `SYSPACK_ZIG` is not a zig.
    pub fn find() -> Result<ZigToolchain> {
        let zig = Zig::find()?;
        let zigbuild = CargoZigbuild::find();
        match (zig, zigbuild) {
            (Some(zig), Some(zigbuild)) => Ok(ZigToolchain { zig, zigbuild }),
            (zig, zigbuild) => {
                let mut missing = Vec::new();
                if zig.is_none() {
                    missing.push(format!(
                        "zig is not found (SYSPACK_ZIG, `zig` or `python3 -m ziglang` on PATH): {}",
                        zig_install_hint()
                    ));
                }
                if zigbuild.is_none() {
                    missing.push(format!(
                        "cargo-zigbuild is not found (SYSPACK_CARGO_ZIGBUILD, PATH, \
                         $CARGO_HOME/bin): install it with {}",
                        zigbuild_install_hint()
                    ));
                }
                Err(anyhow!("{}", missing.join("\n")).context(
                    "building with zig as the C toolchain needs zig and cargo-zigbuild \
                     (`syspack doctor` shows what is found)",
                ))
            }
        }
    }

    /// `cargo-zigbuild zigbuild --target <target>`, set up to use this zig; the caller adds
    /// cargo's own arguments (`--release`, `--features`…).
    pub fn cargo_command(&self, target: &ZigTarget) -> Command {
        let mut cmd = Command::new(&self.zigbuild.path);
        cmd.arg("zigbuild")
            .arg("--target")
            .arg(target.zigbuild_triple());
        for (k, v) in self.zig.zigbuild_env() {
            cmd.env(k, v);
        }
        cmd
    }
}

/// The toolchain and the target of a zig build.
#[derive(Clone, Debug)]
pub struct ZigBuild {
    /// zig and cargo-zigbuild.
    pub toolchain: ZigToolchain,
    /// What to build for.
    pub target: ZigTarget,
    /// Variables set for the build on top of the toolchain's (`SYSPACK_LINK=vendored`: the
    /// build machine's own C libraries are not for the target).
    pub env: Vec<(String, String)>,
}

/// The `lib_dir` value of `zig env`'s output (ZON or JSON).
fn lib_dir_in(text: &str) -> Option<PathBuf> {
    let (_, rest) = text.split_once("lib_dir")?;
    let sep = rest.find(['=', ':'])?;
    let (_, rest) = rest[sep..].split_once('"')?;
    let (dir, _) = rest.split_once('"')?;
    Some(PathBuf::from(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zig_env_gives_the_library_directory() {
        let zon = ".{\n    .zig_exe = \"/z/zig\",\n    .lib_dir = \"/z/lib\",\n}";
        assert_eq!(lib_dir_in(zon), Some(PathBuf::from("/z/lib")));
        let json = "{\"zig_exe\": \"/z/zig\", \"lib_dir\": \"/z/lib\"}";
        assert_eq!(lib_dir_in(json), Some(PathBuf::from("/z/lib")));
        assert_eq!(lib_dir_in("nothing"), None);
    }
}
