//! `syspack matrix`: which releases install, run and build a project, a binary or a package —
//! and, for every no, why.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syspack_distro::elf::{ElfInfo, Libc};
use syspack_distro::kb::{KnowledgeBase, Release, Version};
use syspack_distro::matrix::render::{self, OutputFormat};
use syspack_distro::matrix::{
    self, Artifact, Column, LibraryProvenance, LinkMode, Matrix, PackageArtifact, Proof, Status,
};

use super::package::{read_provenance_file, ProjectArgs};
use crate::exit::{self, CheckFailed};
use crate::provenance::Record;
use crate::stage;
use crate::sys_crates::SysCrate;

/// Show which distro releases install, run and build a project, a binary or a package.
///
/// One row per release: installs? (the package format and compression its package manager
/// reads; for a .deb also its declared dependencies against the release's index), runs? (glibc symbol versions and sonames), builds from system libraries? (each sys
/// crate's minimum version against the release's), the libraries to vendor there, and the
/// dependencies the package gets. Every no comes with its reason (`needs GLIBC_2.34, has 2.31`).
///
/// Without --binary or --package, the project is built as `syspack package` builds it (or, with
/// --no-build, its existing files are used) and its ELF assets are analysed. The minimum library
/// versions are those of the sys crates named in the provenance (from the build, or
/// --provenance-file). Exit status 0, or 1 with --require-all when a release says no.
///
/// With --package, the installs cell is solved by libsolv wherever the release's package index
/// is in the index directory (`<dir>/<release>/Packages*`, `*primary.xml*`, `*.db`): installable
/// (with the index's date), or not installable with the solver's reasons. --solve requires an
/// index for every release judged; --no-solve keeps the format check alone.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Releases to judge (comma-separated or repeated) [default: every release syspack knows].
    #[arg(long = "target", value_name = "T,..")]
    targets: Vec<String>,

    /// Output: table, markdown, json or html.
    #[arg(long, value_name = "F", default_value = "table")]
    format: String,

    /// Write the output to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,

    /// Judge this ELF binary instead of the project.
    #[arg(long, value_name = "FILE", conflicts_with = "packages")]
    binary: Option<PathBuf>,

    /// Judge this package (.deb, .rpm, Arch, FreeBSD; repeat for several) instead of the project:
    /// its checksums are verified and its ELF files analysed.
    #[arg(long = "package", value_name = "FILE")]
    packages: Vec<PathBuf>,

    /// Proofs from install tests (a JSON array of proof objects, see `Proof` in
    /// syspack_distro::matrix): the cells they prove are marked verified.
    #[arg(long, value_name = "FILE")]
    proofs: Option<PathBuf>,

    /// Exit with status 1 when any cell of a selected release says no.
    #[arg(long)]
    require_all: bool,

    /// Solve the installs cell with libsolv against each release's package index, and fail when
    /// a release's index is missing [default: solve where the index is present].
    #[arg(long, conflicts_with = "no_solve")]
    solve: bool,

    /// Keep the installs cell to the format check; do not run the solver.
    #[arg(long)]
    no_solve: bool,

    /// The package indexes: `<DIR>/<release>/…` for --solve, `<DIR>/<release>.idx.xz` (from
    /// `syspack kb import`) for the sonames a release ships [default: $SYSPACK_INDEX_DIR, else
    /// $XDG_CACHE_HOME/syspack/index, else ~/.cache/syspack/index].
    #[arg(long, value_name = "DIR")]
    index_dir: Option<PathBuf>,

    #[command(flatten)]
    project: ProjectArgs,
}

pub fn run(args: Args) -> Result<i32> {
    let format: OutputFormat = args
        .format
        .parse()
        .with_context(|| format!("invalid --format `{}`", args.format))?;
    let kb = KnowledgeBase::builtin();
    let releases: Vec<&Release> = if args.targets.is_empty() {
        kb.releases().collect()
    } else {
        let mut out: Vec<&Release> = Vec::new();
        for id in super::split_list(&args.targets) {
            let r = kb.release(&id)?;
            if !out.iter().any(|o| o.id == r.id) {
                out.push(r);
            }
        }
        out
    };
    // The release indexes (`<index dir>/<release>.idx.xz`, else the built-in ones) answer the
    // runs cell's soname check: a damaged one is an error here, not a silently missing fact.
    syspack_distro::kb::index::use_dir(
        args.index_dir
            .clone()
            .or_else(syspack_distro::kb::index::default_dir),
    );
    for r in &releases {
        let id = r.id.as_str();
        if syspack_distro::kb::index::dir()
            .and_then(|d| syspack_distro::kb::index::user_file(d, id))
            .is_some()
        {
            syspack_distro::kb::index::lookup(id)?;
        }
    }
    let proofs = match &args.proofs {
        Some(p) => read_proofs(p)?,
        None => Vec::new(),
    };

    let (artifact, records) = if let Some(bin) = &args.binary {
        binary_artifact(&args, bin)?
    } else if !args.packages.is_empty() {
        package_artifact(&args, &args.packages)?
    } else {
        project_artifact(&args)?
    };
    let min_versions = min_versions(&records)?;
    let mut m = matrix::compute(&artifact, &min_versions, &releases);
    if !args.no_solve && !args.packages.is_empty() {
        solve_installs(&args, &mut m, &releases)?;
    }
    for unused in m.attach_proofs(&proofs) {
        exit::warn(format!(
            "proof for `{}` ({}) is not used: that release is not in the matrix",
            unused.release,
            unused.column.name()
        ));
    }

    // Sonames and file names come from the artifact: escape terminal controls (JSON output
    // has none left raw, so it is unchanged).
    let text = syspack_distro::text::escape(&render::render(&m, format)).into_owned();
    match &args.out {
        Some(path) => write_out(path, &text)?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("failed to write to standard output")?,
    }
    if args.require_all {
        let refused = refusing(&m);
        if !refused.is_empty() {
            return Err(anyhow::Error::new(CheckFailed(format!(
                "--require-all: {} say no",
                refused.join(", ")
            ))));
        }
    }
    Ok(exit::OK)
}

/// Answers each row's installs cell with libsolv where the release's index is present.
fn solve_installs(args: &Args, m: &mut Matrix, releases: &[&Release]) -> Result<()> {
    let root = args
        .index_dir
        .clone()
        .or_else(crate::solve::default_index_dir);
    for (row, release) in m.rows.iter_mut().zip(releases) {
        let given = |f| {
            args.packages
                .iter()
                .any(|p| syspack_distro::Format::detect(p).ok() == Some(f))
        };
        if release.format == Some(syspack_distro::Format::FreeBsd)
            && given(syspack_distro::Format::FreeBsd)
        {
            let o = crate::solve::not_solved(release);
            row.installs.apply_solved(o.solved, o.problems, o.note);
            continue;
        }
        let index = match &root {
            Some(r) => crate::solve::find_index(r, release)?,
            None => None,
        };
        let Some(index) = index else {
            if args.solve {
                anyhow::bail!(
                    "--solve: no package index for {} in `{}`: put its index files there                      (Debian `Packages.xz` and `Release`, rpm-md `primary.xml.gz`, Arch `.db`),                      or drop --solve",
                    release.id,
                    root.as_deref()
                        .map(|r| r.join(release.id.to_string()).display().to_string())
                        .unwrap_or_else(|| "(no index directory: set --index-dir)".into())
                );
            }
            continue;
        };
        let Some(package) = args
            .packages
            .iter()
            .find(|p| syspack_distro::Format::detect(p).ok() == release.format)
        else {
            continue;
        };
        let format = super::detect_format(package)?;
        let o = crate::solve::solve(&index, package, format).with_context(|| {
            format!(
                "solving the install of `{}` on {}",
                package.display(),
                release.id
            )
        })?;
        row.installs.apply_solved(o.solved, o.problems, o.note);
    }
    Ok(())
}

/// The releases with a no in any cell.
fn refusing(m: &Matrix) -> Vec<String> {
    m.rows
        .iter()
        .filter(|r| {
            [Column::Installs, Column::Runs, Column::Builds]
                .iter()
                .any(|c| r.cell(*c).status == Status::No)
        })
        .map(|r| r.release.to_string())
        .collect()
}

fn write_out(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("--out `{}` has no UTF-8 file name", path.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    syspack_distro::output::write_atomically(&dir, name, |out| {
        out.write_all(text.as_bytes())
            .map_err(|e| syspack_distro::Error::io(path, "writing", e))
    })?;
    Ok(())
}

/// Reads `--proofs FILE`: a JSON array of [`Proof`] objects.
fn read_proofs(path: &Path) -> Result<Vec<Proof>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the proofs file `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not a proofs file: expected a JSON array of objects with the keys release, \
             column (installs, runs, builds), package, step, date (YYYY-MM-DD) and outcome (yes, \
             no, unknown, n/a)",
            path.display()
        )
    })
}

/// The minimum versions of the sys crates named in the provenance, by knowledge-base name.
fn min_versions(records: &[Record]) -> Result<BTreeMap<String, Version>> {
    let mut out = BTreeMap::new();
    for r in records {
        match SysCrate::find(&r.library) {
            Some(c) => {
                out.insert(c.kb_name.to_string(), c.min_version()?);
            }
            None => exit::warn(format!(
                "the provenance names `{}`, which is not one of syspack's sys crates; its \
                 minimum version is not checked",
                r.library
            )),
        }
    }
    Ok(out)
}

fn provenance(records: &[Record]) -> Vec<LibraryProvenance> {
    records
        .iter()
        .filter_map(|r| {
            let mode = match r.mode.as_str() {
                "system" => LinkMode::System,
                "vendored" => LinkMode::Vendored,
                _ => return None,
            };
            let library =
                SysCrate::find(&r.library).map_or(r.library.clone(), |c| c.kb_name.to_string());
            Some(LibraryProvenance {
                library,
                mode,
                version: r.version.as_deref().and_then(|v| v.parse().ok()),
            })
        })
        .collect()
}

/// Adds the bundled copies the audit finds in `files` ([`syspack_distro::audit`]) that the
/// provenance does not name, as vendored; a file the audit cannot read adds nothing.
fn with_audit<'a>(
    mut out: Vec<LibraryProvenance>,
    files: impl IntoIterator<Item = &'a Path>,
) -> Vec<LibraryProvenance> {
    for f in files {
        let Ok(audit) = syspack_distro::audit::audit(f) else {
            continue;
        };
        for b in audit.bundled {
            if !out.iter().any(|p| p.library == b.library) {
                out.push(LibraryProvenance {
                    library: b.library,
                    mode: LinkMode::Vendored,
                    version: b.version.as_deref().and_then(|v| v.parse().ok()),
                });
            }
        }
    }
    out
}

fn records(args: &Args) -> Result<Vec<Record>> {
    match &args.project.provenance_file {
        Some(p) => read_provenance_file(p),
        None => Ok(Vec::new()),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn binary_artifact(args: &Args, bin: &Path) -> Result<(Artifact, Vec<Record>)> {
    let info = ElfInfo::parse(bin)?;
    let records = records(args)?;
    Ok((
        Artifact {
            name: file_name(bin),
            elf: Some(info),
            packages: Vec::new(),
            provenance: with_audit(provenance(&records), [bin]),
        },
        records,
    ))
}

fn package_artifact(args: &Args, files: &[PathBuf]) -> Result<(Artifact, Vec<Record>)> {
    let mut packages = Vec::new();
    let mut elves = Vec::new();
    for f in files {
        let format = super::detect_format(f)?;
        let package = syspack_distro::AnyReader::open(f, format).with_context(|| {
            format!(
                "`{}` failed verification as a {format} package",
                f.display()
            )
        })?;
        let payload = package.elf_files()?;
        if let Some((path, why)) = payload.unknown_machine.first() {
            exit::warn(format!(
                "{} ELF file(s) of `{}` are for a machine syspack does not analyse and are left \
                 out of the runs column: `{path}` ({why}){}",
                payload.unknown_machine.len(),
                f.display(),
                if payload.unknown_machine.len() > 1 {
                    " and others"
                } else {
                    ""
                }
            ));
        }
        let (compression, extracted) = (payload.compression, payload.files);
        let freebsd_major = match &package {
            syspack_distro::AnyReader::FreeBsd(reader) => reader
                .metadata()
                .abi
                .as_deref()
                .and_then(|a| syspack_distro::freebsd::parse_abi(a).ok())
                .map(|(major, _)| major),
            _ => None,
        };
        let depends = match &package {
            syspack_distro::AnyReader::Deb(reader) => ["Pre-Depends", "Depends"]
                .iter()
                .filter_map(|field| reader.metadata().get(field))
                .flat_map(|value| value.split(','))
                .map(|group| group.trim().to_string())
                .filter(|group| !group.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        packages.push(PackageArtifact {
            file: file_name(f),
            format,
            compression,
            freebsd_major,
            depends,
            arch: package.arch(),
        });
        for e in extracted {
            let info = e.info;
            if !elves.iter().any(|(p, _): &(String, ElfInfo)| *p == e.path) {
                elves.push((e.path, info));
            }
        }
    }
    let records = records(args)?;
    Ok((
        Artifact {
            name: packages
                .iter()
                .map(|p| p.file.clone())
                .collect::<Vec<_>>()
                .join(", "),
            elf: merge(elves),
            packages,
            provenance: provenance(&records),
        },
        records,
    ))
}

fn project_artifact(args: &Args) -> Result<(Artifact, Vec<Record>)> {
    let project = args.project.load()?;
    let build = args
        .project
        .build(&project, std::io::stderr().is_terminal())?;
    let assets = stage::resolve_assets(&project.cfg, &build)?;
    let mut elves = Vec::new();
    for a in assets.iter().filter(|a| a.link.is_none()) {
        if stage::is_elf(&a.source) {
            elves.push((a.dest.clone(), ElfInfo::parse(&a.source)?));
        }
    }
    if elves.is_empty() {
        exit::warn(format!(
            "no asset of `{}` is an ELF file: the runs column does not apply",
            project.cfg.file.display()
        ));
    }
    let meta = &project.cfg.meta;
    Ok((
        Artifact {
            name: format!("{} {}", meta.name, meta.version),
            elf: merge(elves),
            packages: Vec::new(),
            provenance: with_audit(
                provenance(&build.provenance),
                assets
                    .iter()
                    .filter(|a| a.link.is_none() && stage::is_elf(&a.source))
                    .map(|a| a.source.as_path()),
            ),
        },
        build.provenance,
    ))
}

/// What a set of ELF files (executables and the libraries shipped with them) needs together:
/// the union of their needs, less the sonames they provide themselves.
fn merge(mut elves: Vec<(String, ElfInfo)>) -> Option<ElfInfo> {
    elves.sort_by(|a, b| {
        // An executable (with an interpreter) describes the artifact best; then by path.
        (a.1.interpreter.is_none(), &a.0).cmp(&(b.1.interpreter.is_none(), &b.0))
    });
    let provided: Vec<String> = elves
        .iter()
        .flat_map(|(path, info)| {
            let base = path.rsplit('/').next().unwrap_or(path).to_string();
            info.soname.iter().cloned().chain([base])
        })
        .collect();
    let mut iter = elves.into_iter();
    let (_, mut out) = iter.next()?;
    for (_, info) in iter {
        for n in info.needed {
            if !out.needed.contains(&n) {
                out.needed.push(n);
            }
        }
        for (lib, versions) in info.symbol_versions {
            out.symbol_versions.entry(lib).or_default().extend(versions);
        }
        out.imports.extend(info.imports);
        for dir in info.runpath {
            if !out.runpath.contains(&dir) {
                out.runpath.push(dir);
            }
        }
        if info.libc == Libc::Glibc {
            out.libc = Libc::Glibc;
        }
    }
    out.needed.retain(|n| !provided.contains(n));
    out.symbol_versions.retain(|lib, _| !provided.contains(lib));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_parse_and_reject_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("proofs.json");
        std::fs::write(
            &p,
            r#"[{"release": "debian-11", "column": "runs", "package": "hello",
                 "step": "chroot R /usr/bin/hello", "date": "2026-11-29", "outcome": "no"}]"#,
        )
        .unwrap();
        let proofs = read_proofs(&p).unwrap();
        assert_eq!(proofs[0].column, Column::Runs);
        assert_eq!(proofs[0].outcome, Status::No);
        std::fs::write(&p, r#"[{"release": "debian-11", "colum": "runs"}]"#).unwrap();
        let err = format!("{:#}", read_proofs(&p).unwrap_err());
        assert!(err.contains("not a proofs file"), "{err}");
    }

    #[test]
    fn min_versions_use_kb_names() {
        let r = Record::parse(
            r#"{"library":"lzma","mode":"system","version":"5.4.1"}"#,
            "test",
        )
        .unwrap();
        let m = min_versions(std::slice::from_ref(&r)).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["xz"]);
        assert_eq!(provenance(&[r])[0].library, "xz");
    }

    #[test]
    fn merged_needs_drop_sonames_the_set_provides() {
        let exe = ElfInfo::parse(Path::new("/usr/bin/true")).unwrap();
        let mut lib = exe.clone();
        lib.interpreter = None;
        lib.soname = Some("libown.so.1".into());
        let mut exe2 = exe.clone();
        exe2.needed.push("libown.so.1".into());
        let m = merge(vec![
            ("/usr/lib/libown.so.1".into(), lib),
            ("/usr/bin/x".into(), exe2),
        ])
        .unwrap();
        assert!(m.interpreter.is_some());
        assert!(!m.needed.contains(&"libown.so.1".to_string()));
        assert!(m.needed.contains(&"libc.so.6".to_string()));
    }
}
