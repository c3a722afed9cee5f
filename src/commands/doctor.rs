//! `syspack doctor`: what each C library would use on this machine and why, what this binary
//! contains, and which packaging and generator tools are installed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;
use syspack_build::pin::Pin;
use syspack_build::{Env, Library};

use crate::exit;
use crate::toolchain::version_in;

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

/// The four libraries as their build scripts describe them: each sys crate's `library.toml` and
/// `pin.toml`, compiled into this binary.
fn libraries() -> Result<Vec<Library>> {
    crate::sys_crates::ALL
        .iter()
        .map(|c| {
            let mut lib = Library::from_manifest_str(c.manifest, &c.manifest_path())?;
            lib.pin(Pin::parse(c.pin, &c.pin_path())?);
            // `explain` never builds; the closure only tells it that vendoring is possible.
            lib.vendored(|_| {
                Err(syspack_build::Error::Config {
                    library: "doctor".into(),
                    problem: "syspack doctor does not build".into(),
                })
            });
            Ok(lib)
        })
        .collect()
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
    zig_toolchain(&mut out)?;
    Ok(exit::OK)
}

/// The zig toolchain `--glibc` builds use: where zig and cargo-zigbuild were found, their
/// versions, or how to install them.
fn zig_toolchain(out: &mut impl Write) -> Result<()> {
    use crate::toolchain::zig::{self, CargoZigbuild, Zig};
    writeln!(
        out,
        "\nC toolchain for --glibc builds and FreeBSD cross builds (zig through cargo-zigbuild):"
    )?;
    match Zig::find() {
        Ok(Some(z)) => {
            let clang = z
                .clang_version()
                .map(|c| format!(", clang {c}"))
                .unwrap_or_default();
            writeln!(out, "  {:<14} {:<12} {z}{clang}", "zig", z.version)?;
        }
        Ok(None) => writeln!(
            out,
            "  {:<14} not found: {}",
            "zig",
            zig::zig_install_hint()
        )?,
        Err(e) => writeln!(out, "  {:<14} {e}", "zig")?,
    }
    match CargoZigbuild::find() {
        Some(c) => {
            let note = if c.version == zig::CARGO_ZIGBUILD_VERSION {
                String::new()
            } else {
                format!(" (syspack is tested with {})", zig::CARGO_ZIGBUILD_VERSION)
            };
            writeln!(
                out,
                "  {:<14} {:<12} {}{note}",
                "cargo-zigbuild",
                c.version,
                c.path.display()
            )?;
        }
        None => writeln!(
            out,
            "  {:<14} not found: install it with {}",
            "cargo-zigbuild",
            zig::zigbuild_install_hint()
        )?,
    }
    // `syspack package --target freebsd-N` on another system: the FreeBSD standard library
    // (x86_64 only: aarch64-unknown-freebsd is a tier 3 target without one, see docs/freebsd.md).
    // And `--glibc N --arch arm64`: the aarch64 GNU/Linux one.
    let freebsd = crate::toolchain::ZigTarget::freebsd(syspack_distro::Arch::X86_64)?;
    for (triple, what) in [
        (freebsd.triple.as_str(), "`--target freebsd-14` builds"),
        (
            "aarch64-unknown-linux-gnu",
            "`--glibc 2.17 --arch arm64` builds",
        ),
    ] {
        match crate::toolchain::rust_std_dir(triple) {
            Some(dir) => writeln!(out, "  {:<14} {:<12} {}", "rust std", triple, dir.display())?,
            None => writeln!(
                out,
                "  {:<14} {:<12} not installed: `rustup target add {triple}` (for {what})",
                "rust std", triple
            )?,
        }
    }
    Ok(())
}
