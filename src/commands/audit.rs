//! `syspack audit BINARY…`: which well-known C libraries each ELF file carries a copy of.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use syspack_distro::audit::{self, Finding};

use crate::exit::{self, CheckFailed};
use crate::link;

/// Find the C libraries compiled into ELF files.
///
/// Recognises zlib, bzip2, xz, zstd, SQLite, OpenSSL, PCRE2, libgit2, libssh2, curl, Oniguruma,
/// expat, libarchive and libsolv (distro/data/bundling/signatures.toml) by the symbols the file defines and
/// the version strings in its read-only data, with the version where the file says it; a
/// library the file loads (DT_NEEDED) and only imports from is not bundled. Prints one line per
/// finding (`bundled: sqlite 3.46.0 (libsqlite3-sys 0.30.1, bundled feature)`) and the known
/// libraries loaded dynamically. With `--manifest-path`, the findings name the crates of that
/// project's graph that build each copy.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ELF files (executables, shared libraries).
    #[arg(required = true, value_name = "BINARY")]
    files: Vec<PathBuf>,

    /// Exit 1 when any file carries a bundled copy.
    #[arg(long)]
    deny_bundled: bool,

    /// Print a JSON array, one object per file.
    #[arg(long)]
    json: bool,

    /// A cargo manifest whose resolved graph names the crates that bundle.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,

    /// Cargo features of that build (comma-separated).
    #[arg(long, value_name = "FEATURES", requires = "manifest_path")]
    features: Vec<String>,
}

/// `sqlite 3.46.0 (libsqlite3-sys 0.30.1, bundled feature)`, with what else the finding says.
pub fn describe(f: &Finding, crates: &[String]) -> String {
    let mut s = f.library.clone();
    if let Some(v) = &f.version {
        s.push(' ');
        s.push_str(v);
    }
    let mut notes: Vec<String> = crates.to_vec();
    if f.version.is_none() {
        notes.push("version not recorded in the binary".into());
    }
    if let Some(so) = &f.also_needed {
        notes.push(format!("also loads {so}: two copies"));
    }
    if !notes.is_empty() {
        s.push_str(&format!(" ({})", notes.join("; ")));
    }
    s
}

pub fn run(args: Args) -> Result<i32> {
    let graph = match &args.manifest_path {
        Some(m) => link::graph(m, &super::split_list(&args.features), true)?,
        None => Vec::new(),
    };
    let mut results = Vec::new();
    for f in &args.files {
        let a = audit::audit(f).with_context(|| format!("cannot audit `{}`", f.display()))?;
        results.push((f, a));
    }
    let mut out = std::io::stdout().lock();
    let bundled: usize = results.iter().map(|(_, a)| a.bundled.len()).sum();
    if args.json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .map(|(f, a)| {
                let mut v = serde_json::to_value(a).unwrap_or_default();
                v["file"] = f.display().to_string().into();
                if let Some(list) = v["bundled"].as_array_mut() {
                    for item in list {
                        let lib = item["library"].as_str().unwrap_or_default().to_string();
                        item["crates"] = link::attribution(&graph, &lib).into();
                    }
                }
                v
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
    } else {
        for (f, a) in &results {
            let prefix = if results.len() > 1 {
                format!("{}: ", f.display())
            } else {
                String::new()
            };
            for b in &a.bundled {
                let crates = if graph.is_empty() {
                    Vec::new()
                } else {
                    link::attribution(&graph, &b.library)
                };
                writeln!(out, "{prefix}bundled: {}", describe(b, &crates))?;
            }
            for d in &a.dynamic {
                writeln!(out, "{prefix}dynamic: {} ({})", d.library, d.soname)?;
            }
            if a.bundled.is_empty() {
                writeln!(out, "{prefix}no bundled copy of a known C library")?;
            }
            if !a.symtab {
                writeln!(
                    out,
                    "{prefix}note: no .symtab (stripped): recognised by exported symbols and \
                     version strings only"
                )?;
            }
        }
    }
    if args.deny_bundled && bundled > 0 {
        return Err(anyhow!(
            "{bundled} bundled cop{} found",
            if bundled == 1 { "y" } else { "ies" }
        )
        .context(CheckFailed(
            "--deny-bundled: C libraries are compiled into the binary".into(),
        )));
    }
    Ok(exit::OK)
}
