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
            let mut c = Command::new(crate::cargo_metadata::cargo_program());
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
            let undefined = explain_undefined(z, undefined);
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
                undefined.join(", ")
            );
        }
        bail!("`{shown}` failed ({status}); fix the build errors above, or package existing files with `--no-build`");
    }
    parse_messages(manifest, lines.iter().map(String::as_str))
}

/// The object (and archive) of lld's `>>>               obj.o:(function) in archive /p/libx.a`
/// line, as `obj.o:(function) in /p/libx.a`.
fn referencing_object(line: &str) -> Option<String> {
    let (_, rest) = line.split_once(">>>")?;
    let rest = rest.trim();
    if rest.starts_with("referenced by") || rest.is_empty() {
        return None;
    }
    Some(match rest.split_once(" in archive ") {
        Some((obj, archive)) => format!("{obj} in {archive}"),
        None => rest.to_string(),
    })
}

/// A reference lld named (`obj.o:(function) in /p/libx.a`), shown with the archive's file name
/// and, when its place in the target directory tells, its crate.
fn shown_reference(at: &str) -> String {
    match at.rsplit_once(" in ") {
        Some((obj, archive)) => {
            let path = Path::new(archive);
            let name = path
                .file_name()
                .map_or_else(|| archive.into(), |n| n.to_string_lossy());
            match crate::toolchain::refs::crate_of(path) {
                Some(c) => format!("{obj} in {name} (crate `{c}`)"),
                None => format!("{obj} in {name}"),
            }
        }
        None => at.to_string(),
    }
}

/// The cargo profile directory (`<target>/<triple>/release`) of an archive lld named, when it
/// is in one (`…/release/build/<crate>-<hash>/out/libx.a`, `…/release/deps/libc-<hash>.rlib`).
fn profile_dir(archive: &Path) -> Option<PathBuf> {
    archive
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "build" || n == "deps"))
        .and_then(Path::parent)
        .map(Path::to_path_buf)
}

/// Each undefined symbol of a failed zig link as `symbol@GLIBC_x.y (referenced by …)`: its
/// version from zig's glibc tables (the release from which it exists for the target's
/// architecture, [`crate::toolchain::abilist`]), and the objects that reference it: the ones lld
/// named, and the members of the build's own archives that list it as undefined
/// ([`crate::toolchain::refs`]; lld names only the first few).
fn explain_undefined(z: &ZigBuild, undefined: Vec<(String, Vec<String>)>) -> Vec<String> {
    use crate::toolchain::{abilist, refs};
    let names: std::collections::BTreeSet<String> =
        undefined.iter().map(|(s, _)| s.clone()).collect();
    let versions = match (
        z.target.glibc.is_some(),
        abilist::zig_target(&z.target.triple),
    ) {
        (true, Some(t)) => z
            .toolchain
            .zig
            .lib_dir()
            .and_then(|d| abilist::read(&d))
            .map(|data| abilist::oldest_versions(&data, &t, &names))
            .unwrap_or_default(),
        _ => Default::default(),
    };
    // The build's archives: in the profile directory of the archives lld named.
    let mut dirs: Vec<PathBuf> = undefined
        .iter()
        .flat_map(|(_, at)| at.iter())
        .filter_map(|at| at.rsplit_once(" in ").map(|(_, a)| PathBuf::from(a)))
        .filter_map(|a| profile_dir(&a))
        .collect();
    dirs.sort();
    dirs.dedup();
    let archives: Vec<PathBuf> = dirs.iter().flat_map(|d| refs::archives_in(d)).collect();
    let found = refs::find(&archives, &names);
    undefined
        .into_iter()
        .map(|(s, at)| {
            let mut shown: Vec<String> = at.iter().map(|a| shown_reference(a)).collect();
            for r in found.get(&s).into_iter().flatten() {
                let is_named = at.iter().any(|a| {
                    a.starts_with(&format!("{}:", r.member))
                        && a.ends_with(&format!("/{}", r.archive))
                });
                if !is_named && shown.len() < 6 {
                    shown.push(r.to_string());
                }
            }
            let name = match versions.get(&s) {
                Some(v) => format!("{s}@{v}"),
                None => s,
            };
            if shown.is_empty() {
                name
            } else {
                format!("{name} (referenced by {})", shown.join("; "))
            }
        })
        .collect()
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
            Some("std-d12.rcgu.o:(std::x::drop_handler) in /r/lib/libstd-d12.rlib".into())
        );
        assert_eq!(
            referencing_object("          >>> referenced by stack_overflow.rs:310 (library/std)"),
            None
        );
        assert_eq!(
            shown_reference("rnd.o:(pick) in /t/x/release/build/rnd-0123456789abcdef/out/librnd.a"),
            "rnd.o:(pick) in librnd.a (crate `rnd`)"
        );
        assert_eq!(
            profile_dir(Path::new(
                "/t/x/release/build/rnd-0123456789abcdef/out/librnd.a"
            )),
            Some(PathBuf::from("/t/x/release"))
        );
    }
}
