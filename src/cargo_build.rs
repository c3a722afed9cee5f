//! Running `cargo build --release` (or another profile) and reading its JSON messages: the executables it produced
//! (`compiler-artifact`) and the provenance the sys crates' build scripts reported
//! (`build-script-executed`, `env` pairs named `SYSPACK_PROVENANCE_*`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::provenance::{self, Record};
use crate::toolchain::zig::ZigBuild;

/// What a build produced.
#[derive(Debug, Default)]
pub struct Built {
    /// Executables of the package, by binary name.
    pub executables: BTreeMap<String, PathBuf>,
    /// Provenance of the C libraries (every package of the graph), sorted by library.
    pub provenance: Vec<Record>,
    /// The target directory, derived from the executables' location.
    pub target_dir: Option<PathBuf>,
}

/// The cargo program: `$CARGO` (set when run as `cargo syspack`), else `cargo`.
pub fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Builds the package of `manifest` with cargo profile `profile` (`release`: `--release`), with
/// `features` added and, when `default_features` is false, without the default ones
/// (`--no-default-features`). With `zig`, through cargo-zigbuild for its target (zig compiles
/// the C code and links); a link that fails for symbols the target's glibc lacks is reported
/// naming them. `link` adds the variables of a system build (`--link system`) and removes the
/// ones it must not see.
pub fn build(
    manifest: &Path,
    features: &[String],
    default_features: bool,
    profile: &str,
    zig: Option<&ZigBuild>,
    link: Option<&crate::link::Plan>,
) -> Result<Built> {
    let mut cmd = match zig {
        Some(z) => {
            let mut c = z.toolchain.cargo_command(&z.target);
            c.envs(z.env.iter().map(|(k, v)| (k, v)));
            c
        }
        None => {
            let mut c = Command::new(cargo_program());
            c.arg("build");
            c
        }
    };
    if let Some(plan) = link {
        for k in &plan.unset {
            cmd.env_remove(k);
        }
        cmd.envs(&plan.env);
    }
    if profile == "release" {
        cmd.arg("--release");
    } else {
        cmd.arg("--profile").arg(profile);
    }
    cmd.args([
        "--message-format=json-render-diagnostics",
        "--manifest-path",
    ])
    .arg(manifest);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    if !default_features {
        cmd.arg("--no-default-features");
    }
    if !std::io::stderr().is_terminal() {
        cmd.arg("--quiet");
    }
    let shown = format!("{cmd:?}").replace('"', "");
    // A zig build's diagnostics are read as they are passed on, for the linker's undefined
    // symbols.
    let stderr = if zig.is_some() {
        Stdio::piped()
    } else {
        Stdio::inherit()
    };
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("failed to run `{shown}`; is cargo installed and on PATH?"))?;
    let diagnostics = child.stderr.take().map(|err| {
        std::thread::spawn(move || {
            let mut undefined: Vec<(String, Vec<String>)> = Vec::new();
            let mut current: Option<usize> = None;
            let mut out = std::io::stderr();
            for line in BufReader::new(err)
                .lines()
                .map_while(std::result::Result::ok)
            {
                let _ = writeln!(out, "{line}");
                if let Some(u) = undefined_symbol(&line) {
                    current = Some(match undefined.iter().position(|(s, _)| *s == u) {
                        Some(i) => i,
                        None => {
                            undefined.push((u, Vec::new()));
                            undefined.len() - 1
                        }
                    });
                } else if let (Some(i), Some(at)) = (current, referencing_object(&line)) {
                    let places = &mut undefined[i].1;
                    if places.len() < 3 && !places.contains(&at) {
                        places.push(at);
                    }
                } else if !line.contains(">>>") {
                    current = None;
                }
            }
            undefined
        })
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        lines.push(line.context("failed to read cargo's output")?);
    }
    let status = child
        .wait()
        .with_context(|| format!("failed to wait for `{shown}`"))?;
    let undefined = diagnostics
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    if !status.success() {
        if let (Some(z), false) = (zig, undefined.is_empty()) {
            let floor = z
                .target
                .glibc
                .as_ref()
                .map(|g| format!("glibc {g}"))
                .unwrap_or_else(|| format!("the `{}` libraries", z.target.triple));
            let help = if z.target.glibc.is_some() {
                "raise the floor (x86_64 Rust's standard library needs glibc 2.17), or drop the \
                 crate that calls them"
            } else {
                "zig's stubs of the FreeBSD base libraries define libc, libm, libthr, libdl, \
                 librt, libutil, libexecinfo and libstdthreads only (cargo-zigbuild drops \
                 -lkvm, -lmemstat, -lprocstat and -ldevstat from the link, docs/freebsd.md): a \
                 crate calling other base libraries is built on FreeBSD itself (the FreeBSD VM \
                 job of `syspack ci github`), or drop the crate that calls them"
            };
            bail!(
                "`{shown}` failed ({status}): the link needs {} that {floor} does not define: \
                 {}\n\nhelp: the linker's messages above name the objects that reference them; \
                 {help}",
                if undefined.len() == 1 {
                    "a symbol"
                } else {
                    "symbols"
                },
                undefined
                    .iter()
                    .map(|(s, at)| if at.is_empty() {
                        s.clone()
                    } else {
                        format!("{s} (referenced by {})", at.join("; "))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        bail!("`{shown}` failed ({status}); fix the build errors above, or package existing files with `--no-build`");
    }
    parse_messages(manifest, lines.iter().map(String::as_str))
}

/// The object (and archive) of lld's `>>>               obj.o:(function) in archive /p/libx.a`
/// line, as `obj.o:(function) in libx.a`.
fn referencing_object(line: &str) -> Option<String> {
    let (_, rest) = line.split_once(">>>")?;
    let rest = rest.trim();
    if rest.starts_with("referenced by") || rest.is_empty() {
        return None;
    }
    Some(match rest.split_once(" in archive ") {
        Some((obj, archive)) => {
            let name = archive.rsplit('/').next().unwrap_or(archive);
            format!("{obj} in {name}")
        }
        None => rest.to_string(),
    })
}

/// The symbol of an `ld.lld: error: undefined symbol: NAME` line (lld, as zig links), or of
/// GNU ld's `undefined reference to `NAME'`.
fn undefined_symbol(line: &str) -> Option<String> {
    if let Some((_, rest)) = line.split_once("undefined symbol: ") {
        return Some(rest.trim().to_string());
    }
    let (_, rest) = line.split_once("undefined reference to `")?;
    Some(rest.split('\'').next()?.to_string())
}

/// The messages of `cargo build --message-format json` that syspack reads; the others (and lines
/// that are not cargo's JSON) are skipped.
#[derive(serde::Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
enum Message {
    CompilerArtifact {
        #[serde(default)]
        manifest_path: Option<PathBuf>,
        target: ArtifactTarget,
        #[serde(default)]
        executable: Option<PathBuf>,
    },
    BuildScriptExecuted {
        #[serde(default)]
        env: Vec<(String, String)>,
    },
    #[serde(other)]
    Other,
}

/// The target a compiler artifact was built for.
#[derive(serde::Deserialize)]
struct ArtifactTarget {
    name: String,
    kind: Vec<String>,
}

/// Reads cargo's JSON messages (one per line).
pub fn parse_messages<'a>(
    manifest: &Path,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Built> {
    let want = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_path_buf());
    let mut built = Built::default();
    let mut env: Vec<(String, String)> = Vec::new();
    for line in lines {
        match serde_json::from_str::<Message>(line) {
            Ok(Message::CompilerArtifact {
                manifest_path,
                target,
                executable: Some(exe),
            }) => {
                let ours = manifest_path.is_none_or(|m| m.canonicalize().unwrap_or(m) == want);
                if target.kind.iter().any(|k| k == "bin") && ours {
                    if built.target_dir.is_none() {
                        // <target-dir>/release/<exe>, or <target-dir>/<triple>/release/<exe>
                        built.target_dir =
                            exe.parent().and_then(Path::parent).map(Path::to_path_buf);
                    }
                    built.executables.insert(target.name, exe);
                }
            }
            Ok(Message::BuildScriptExecuted { env: pairs }) => env.extend(pairs),
            _ => {}
        }
    }
    built.provenance =
        provenance::from_env_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_give_executables_and_provenance() {
        let lines = [
            r#"{"reason":"compiler-artifact","manifest_path":"/nonexistent/Cargo.toml","target":{"kind":["bin"],"name":"hello"},"executable":"/t/release/hello"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/nonexistent/Cargo.toml","target":{"kind":["lib"],"name":"x"},"executable":null}"#,
            r#"{"reason":"build-script-executed","env":[["SYSPACK_PROVENANCE_ZSTD","{\"library\":\"zstd\",\"mode\":\"vendored\",\"version\":\"1.5.7\"}"],["OTHER","1"]]}"#,
            "not json",
        ];
        let b = parse_messages(Path::new("/nonexistent/Cargo.toml"), lines).unwrap();
        assert_eq!(b.executables["hello"], PathBuf::from("/t/release/hello"));
        assert_eq!(b.target_dir, Some(PathBuf::from("/t")));
        assert_eq!(b.provenance.len(), 1);
        assert_eq!(b.provenance[0].bundled().unwrap().version, "1.5.7");
    }

    #[test]
    fn undefined_symbols_are_read_from_linker_messages() {
        assert_eq!(
            undefined_symbol("          = note: ld.lld: error: undefined symbol: getauxval"),
            Some("getauxval".into())
        );
        assert_eq!(
            undefined_symbol("x.c:(.text+0x1): undefined reference to `getrandom'"),
            Some("getrandom".into())
        );
        assert_eq!(undefined_symbol("   Compiling floor v0.1.0"), None);
        assert_eq!(
            referencing_object(
                "          >>>               std-d12.rcgu.o:(std::x::drop_handler) in archive /r/lib/libstd-d12.rlib"
            ),
            Some("std-d12.rcgu.o:(std::x::drop_handler) in libstd-d12.rlib".into())
        );
        assert_eq!(
            referencing_object("          >>> referenced by stack_overflow.rs:310 (library/std)"),
            None
        );
    }
}
