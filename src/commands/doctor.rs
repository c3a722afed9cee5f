//! `syspack doctor`: what each C library would use on this machine and why, what this binary
//! contains, and which packaging and generator tools are installed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;
use syspack_build::{Env, Library};

use crate::exit;
use crate::pins;

/// Show what each C library would use here, and which packaging tools are installed.
///
/// For each library: the mode a build would take here (system, vendored) and what decided it,
/// the version found and where (the `.pc` file, or the cached source and its hash) — the same
/// decision the sys crates' build scripts make, without building. Then the provenance of the
/// libraries inside this syspack binary, and the tools found on PATH with their versions.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Explain as if the sys crates were built with these cargo features (`vendored`, `static`).
    #[arg(long, value_name = "FEATURES")]
    features: Vec<String>,
}

/// The four libraries as their build scripts describe them (`sys-crates/*/build.rs`).
fn libraries() -> Result<Vec<Library>> {
    let pins = pins::embedded()?;
    // (library, pkg-config name, minimum version, link name, header, package per distro)
    type Spec = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        [(&'static str, &'static str); 3],
    );
    let specs: [Spec; 4] = [
        (
            "bzip2",
            "bzip2",
            "1.0.6",
            "bz2",
            "bzlib.h",
            [
                ("debian", "libbz2-dev"),
                ("fedora", "bzip2-devel"),
                ("arch", "bzip2"),
            ],
        ),
        (
            "lzma",
            "liblzma",
            "5.2.0",
            "lzma",
            "lzma.h",
            [
                ("debian", "liblzma-dev"),
                ("fedora", "xz-devel"),
                ("arch", "xz"),
            ],
        ),
        (
            "zlib",
            "zlib",
            "1.2.11",
            "z",
            "zlib.h",
            [
                ("debian", "zlib1g-dev"),
                ("fedora", "zlib-devel"),
                ("arch", "zlib"),
            ],
        ),
        (
            "zstd",
            "libzstd",
            "1.4.0",
            "zstd",
            "zstd.h",
            [
                ("debian", "libzstd-dev"),
                ("fedora", "libzstd-devel"),
                ("arch", "zstd"),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (name, pc, min, link, header, distro) in specs {
        let mut lib = Library::new(name);
        lib.pkg_config_name(pc)
            .min_version(min)
            .link_name(link)
            .header(header);
        for (d, p) in distro {
            lib.distro_package(d, p);
        }
        if let Some(pin) = pins.iter().find(|p| p.library == name) {
            lib.pin(pin.clone());
        }
        // `explain` never builds; the closure only tells it that vendoring is possible.
        lib.vendored(|_| {
            Err(syspack_build::Error::Config {
                library: "doctor".into(),
                problem: "syspack doctor does not build".into(),
            })
        });
        out.push(lib);
    }
    Ok(out)
}

/// The tools syspack's packaging, checks and generators use.
const TOOLS: [&str; 13] = [
    "dpkg-deb",
    "dpkg",
    "rpm",
    "rpmbuild",
    "pacman",
    "makepkg",
    "bsdtar",
    "lintian",
    "rpmlint",
    "thrift",
    "flex",
    "bison",
    "debootstrap",
];

/// The first thing that looks like a version in a tool's `--version` output.
pub fn version_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .map(|w| w.trim_start_matches('v'))
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(|w| w.trim_end_matches(['.', ':']).to_string())
}

fn tool_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    version_in(&text)
}

pub fn run(args: Args) -> Result<i32> {
    let mut vars: BTreeMap<String, String> = std::env::vars().collect();
    for f in super::split_list(&args.features) {
        vars.insert(
            format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_")),
            "1".into(),
        );
    }
    let env = Env::Mock(vars);
    let mut out = std::io::stdout().lock();
    writeln!(out, "syspack {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "\nC libraries (what a build would use here):")?;
    for lib in libraries()? {
        let why = lib.explain(&env);
        for line in why.to_string().lines() {
            writeln!(out, "  {line}")?;
        }
    }
    writeln!(out, "\nC libraries inside this syspack binary:")?;
    for r in crate::provenance::own()? {
        writeln!(
            out,
            "  {}: {} {}",
            r.library,
            r.mode,
            r.version.as_deref().unwrap_or("(version unknown)")
        )?;
    }
    writeln!(out, "\nTools:")?;
    for tool in TOOLS {
        match which::which(tool) {
            Ok(path) => {
                let v = tool_version(&path).unwrap_or_else(|| "version unknown".into());
                writeln!(out, "  {tool:<12} {v:<12} {}", path.display())?;
            }
            Err(_) => writeln!(out, "  {tool:<12} not found")?,
        }
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

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
