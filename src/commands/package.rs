//! `syspack package`: build, stage, write one package per target, print a summary.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::cores::Cores;
use syspack_distro::elf::{ElfInfo, Libc, TargetOs};
use syspack_distro::frames::{self, FrameCache, SharedContent};
use syspack_distro::Compression;

use crate::cargo_build;
use crate::config::{syspack::load_standalone, Config};
use crate::exit::{self, CheckFailed};
use crate::fresh;
use crate::link::{self, Link};
use crate::provenance::Record;
use crate::stage::{self, BuildOutputs, Staged};
use crate::target::{self, Target};
use crate::toolchain::zig::{ZigBuild, ZigToolchain};
use crate::toolchain::{floor, GlibcFloor, ZigTarget};
use syspack_distro::AnyWriter;

/// Build the project and write native packages.
///
/// With no arguments in a cargo project, builds it (`cargo build --release`) and writes a package
/// for the newest release of each family (debian-13, fedora-43, arch, freebsd-14) into
/// `target/syspack/`. The output is reproducible: the date comes from `SOURCE_DATE_EPOCH`, else
/// the last git commit, else 2024-01-01 — never the clock.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Distro releases to package for (comma-separated or repeated), e.g. `debian-12,fedora-43`.
    #[arg(long = "target", value_name = "T,..")]
    targets: Vec<String>,

    /// Only these formats (deb, rpm, arch, freebsd); without --target, the newest release of each.
    #[arg(long = "format", value_name = "F,..")]
    formats: Vec<String>,

    /// Output directory [default: target/syspack in the project].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    #[command(flatten)]
    project: ProjectArgs,

    /// Compression for every target (`xz`, `zstd:19`, `gzip`…), instead of each target's default.
    #[arg(long, value_name = "C")]
    compression: Option<String>,

    /// Fail when a binary needs a newer glibc (`GLIBC_x.y` symbol versions) than the oldest
    /// selected target has, instead of writing a package that will not run there.
    #[arg(long)]
    min_glibc: bool,

    /// Where compressed frames and file digests are kept between runs, so that packaging
    /// unchanged files again copies instead of compressing them, and a package whose inputs are
    /// all unchanged (and its file untouched) is not written again [default: $SYSPACK_FRAME_CACHE,
    /// else $XDG_CACHE_HOME/syspack/frames, else ~/.cache/syspack/frames]. `off` keeps them for
    /// this run only. Kept within $SYSPACK_FRAME_CACHE_MAX_SIZE (default 5G; see `syspack cache`).
    #[arg(long, value_name = "DIR|off")]
    frame_cache: Option<String>,

    /// Compress each package as one stream, sharing nothing between formats: slower, and at
    /// most a few per mille smaller (see bench/RESULTS.md).
    #[arg(long)]
    single_stream: bool,

    /// Package ELF executables and libraries even for a target that cannot run them (another
    /// operating system or machine): for packages that carry such files as data, on purpose.
    #[arg(long)]
    allow_foreign_binaries: bool,

    /// Compress on at most N threads at once [default: the cores this process may run on]. The
    /// packages are the same whatever N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,

    /// Fail, writing nothing, when the audit finds a C library compiled into an ELF file (see
    /// `syspack audit`).
    #[arg(long)]
    deny_bundled: bool,
}

/// How to find and build the project: shared by `syspack package` and `syspack matrix`.
#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    /// Do not run `cargo build`; use the files that are already there.
    #[arg(long)]
    pub no_build: bool,

    /// Cargo features to build with (comma-separated).
    #[arg(long, value_name = "FEATURES")]
    pub features: Vec<String>,

    /// A standalone syspack.toml (a project that is not a cargo package; implies --no-build).
    #[arg(long, value_name = "FILE", conflicts_with = "manifest_path")]
    pub config: Option<PathBuf>,

    /// The cargo manifest [default: Cargo.toml in the current directory or above].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// A cargo-deb / cargo-generate-rpm metadata variant: `[package.metadata.deb.variants.NAME]`
    /// and `[package.metadata.generate-rpm.variants.NAME]` applied over their base tables, as
    /// `cargo deb --variant` and `cargo generate-rpm --variant` do.
    #[arg(long, value_name = "NAME", conflicts_with = "config")]
    pub variant: Option<String>,

    /// Provenance of the C libraries in the binaries, as `syspack --provenance` prints it (used
    /// with --no-build; a build reads it from cargo).
    #[arg(long, value_name = "FILE")]
    pub provenance_file: Option<PathBuf>,

    /// Build one binary for glibc VERSION and every newer release (`2.17`: CentOS 7 on): zig
    /// compiles the C code and links, through cargo-zigbuild; the binaries are then checked to
    /// need no newer glibc symbol [default: `glibc` of the syspack table].
    #[arg(long, value_name = "VERSION")]
    pub glibc: Option<String>,

    /// The machine the packages are for (`arm64`, `aarch64`, `x86_64`…) [default:
    /// `architecture` of the configuration, else the build machine's]. With --glibc, the binaries
    /// are cross-built for it (`--arch arm64 --glibc 2.17`: cargo-zigbuild for
    /// `aarch64-unknown-linux-gnu.2.17`); without, they must already be for it (--no-build).
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,

    /// `system`: link every C library from the system, for any crate: sets the switch of each
    /// registry -sys crate in the graph (distro/data/bundling/sys-crates.toml), refuses a crate that
    /// would still bundle, and audits the executables after the build. `auto`: each crate's
    /// default [default: `system` when SYSPACK_LINK=system and no --glibc, else `auto`].
    #[arg(long, value_name = "MODE", value_enum)]
    pub link: Option<Link>,
}

/// A loaded project: its configuration and its directory.
pub struct Project {
    /// The configuration.
    pub cfg: Config,
    /// The workspace root (cargo) or the directory of syspack.toml.
    pub dir: PathBuf,
    /// True for a standalone syspack.toml.
    pub standalone: bool,
}

impl ProjectArgs {
    /// Reads the configuration (syspack.toml or Cargo.toml) and prints its warnings.
    pub fn load(&self) -> Result<Project> {
        let mut project = load_project_variant(
            self.config.as_deref(),
            self.manifest_path.as_deref(),
            self.variant.as_deref(),
        )?;
        if let Some(a) = &self.arch {
            a.parse::<syspack_distro::Arch>()
                .with_context(|| format!("invalid --arch `{a}`"))?;
            project.cfg.meta.arch = Some(a.clone());
        }
        Ok(project)
    }

    /// The glibc floor: `--glibc`, else `glibc` of the configuration.
    pub fn glibc_floor(&self, project: &Project) -> Result<Option<GlibcFloor>> {
        match &self.glibc {
            Some(g) => Ok(Some(g.parse().context("invalid --glibc")?)),
            None => Ok(project.cfg.glibc.clone()),
        }
    }

    /// Builds the project (unless `--no-build` or a standalone configuration) and collects the
    /// executables, the target directory and the provenance. With a glibc floor the build goes
    /// through zig, and the executables it produced are checked against the floor.
    pub fn build(&self, project: &Project, progress: bool) -> Result<BuildOutputs> {
        self.build_for(project, progress, Platform::Host)
    }

    /// [`ProjectArgs::build`] for `platform`: FreeBSD is cross-built with zig (no glibc floor
    /// applies to it).
    pub fn build_for(
        &self,
        project: &Project,
        progress: bool,
        platform: Platform,
    ) -> Result<BuildOutputs> {
        let features = super::split_list(&self.features);
        let floor = match platform {
            Platform::Host => self.glibc_floor(project)?,
            Platform::FreeBsd => None,
        };
        // SYSPACK_LINK=system asks for system libraries: for every -sys crate too (the CI's
        // system leg sets it), except in a --glibc build, which refuses it on its own.
        let link_mode = self.link.unwrap_or_else(|| {
            let system = std::env::var("SYSPACK_LINK").is_ok_and(|v| v.trim() == "system");
            if system && floor.is_none() {
                Link::System
            } else {
                Link::Auto
            }
        });
        let mut build = BuildOutputs {
            glibc: floor.clone(),
            ..BuildOutputs::default()
        };
        if let Some(p) = &self.provenance_file {
            build.provenance = read_provenance_file(p)?;
        }
        if self.link == Some(Link::System) && (self.no_build || project.standalone) {
            exit::warn(
                "--link system has no effect without a build (--no-build, --config): nothing is \
                 built; `--deny-bundled` refuses binaries with bundled copies",
            );
        }
        if let Some(cargo) = &project.cfg.cargo {
            build.target_dir = Some(match std::env::var_os("CARGO_TARGET_DIR") {
                Some(d) => PathBuf::from(d),
                None => cargo.workspace_root.join("target"),
            });
            if !project.standalone && !self.no_build {
                let mut all_features = cargo.features.clone();
                all_features.extend(features.iter().cloned());
                if let (Link::System, Some(f)) = (link_mode, &floor) {
                    bail!(
                        "`--link system` and `--glibc {f}` do not go together: the system's \
                         libraries were built against this machine's glibc; build on the oldest \
                         release without --glibc for a system build"
                    );
                }
                // (SYSPACK_LINK=system is refused by `freebsd_zig_build`, naming the variable.)
                if self.link == Some(Link::System) && platform == Platform::FreeBsd {
                    bail!(
                        "`--link system` cannot build for FreeBSD here: this machine's libraries \
                         are {}'s, and syspack has no FreeBSD sysroot to take them from; use the \
                         vendored libraries (`--features vendored`), or build on FreeBSD itself \
                         (`syspack package` there, or the port `syspack recipe freebsd` writes; \
                         the FreeBSD VM job of `syspack ci github` builds and runs that way)",
                        std::env::consts::OS
                    );
                }
                let zig = match (platform, &floor) {
                    (Platform::FreeBsd, _) => {
                        Some(freebsd_zig_build(stage::package_arch(&project.cfg)?)?)
                    }
                    (Platform::Host, Some(f)) => {
                        Some(zig_build(f, stage::package_arch(&project.cfg)?)?)
                    }
                    (Platform::Host, None) => {
                        let arch = stage::package_arch(&project.cfg)?;
                        if arch != syspack_distro::Arch::host() && arch != syspack_distro::Arch::All
                        {
                            bail!(
                                "the package is for {} (`architecture`, --arch) but this machine \
                                 builds for {}: cross-build with a glibc floor (`--glibc 2.17`: \
                                 zig and cargo-zigbuild for {}), or package binaries built \
                                 elsewhere with `--no-build`",
                                arch.rpm(),
                                syspack_distro::Arch::host().rpm(),
                                arch.rpm()
                            );
                        }
                        None
                    }
                };
                // The resolved graph: the switches of a system build, and who bundles what.
                let graph = link::graph(&cargo.manifest, &all_features, cargo.default_features);
                let plan = match (link_mode, graph) {
                    (Link::System, graph) => {
                        let graph = graph?;
                        let plan = link::plan_system(&graph)?;
                        for l in &plan.lines {
                            eprintln!("     Linking {l}");
                        }
                        build.graph = graph;
                        Some(plan)
                    }
                    (Link::Auto, Ok(graph)) => {
                        build.graph = graph;
                        None
                    }
                    (Link::Auto, Err(e)) => {
                        exit::warn(format!(
                            "cannot read the crate graph, so the audit will not name the crates \
                             that bundle: {e:#}"
                        ));
                        None
                    }
                };
                if progress {
                    match &zig {
                        Some(z) => eprintln!(
                            "   Building {} (cargo-zigbuild {} for {}, zig {} from {})",
                            cargo.manifest.display(),
                            z.toolchain.zigbuild.version,
                            z.target.zigbuild_triple(),
                            z.toolchain.zig.version,
                            z.toolchain.zig
                        ),
                        None => eprintln!(
                            "   Building {} (cargo build --profile {})",
                            cargo.manifest.display(),
                            cargo.profile
                        ),
                    }
                }
                let built = cargo_build::build(
                    &cargo.manifest,
                    &all_features,
                    cargo.default_features,
                    &cargo.profile,
                    zig.as_ref(),
                    plan.as_ref(),
                )?;
                if built.target_dir.is_some() {
                    build.target_dir = built.target_dir;
                }
                build.executables = built.executables;
                if link_mode == Link::System {
                    refuse_bundled_after_system_build(&build)?;
                }
                if self.provenance_file.is_none() {
                    build.provenance = built.provenance;
                }
                if platform == Platform::FreeBsd {
                    refuse_system_libraries(&build.provenance, "a FreeBSD build", "Linux")?;
                }
                if let Some(f) = &floor {
                    refuse_system_libraries(
                        &build.provenance,
                        &format!("`--glibc {f}`"),
                        "this machine's glibc",
                    )?;
                    floor::check(
                        build
                            .executables
                            .iter()
                            .map(|(n, p)| (n.as_str(), p.as_path())),
                        f,
                    )?;
                }
            }
        } else if !features.is_empty() {
            exit::warn("--features has no effect with --config: a syspack.toml project is not built by syspack");
        }
        Ok(build)
    }
}

/// After a `--link system` build, the executables must carry no bundled copy: a build script
/// that fell back to its own (the library's `-dev` package missing) is an error.
fn refuse_bundled_after_system_build(build: &BuildOutputs) -> Result<()> {
    let mut problems = Vec::new();
    for (name, path) in &build.executables {
        let audit = syspack_distro::audit::audit(path)
            .with_context(|| format!("cannot audit `{}`", path.display()))?;
        for f in &audit.bundled {
            let pc = syspack_distro::sys_crates::all()
                .iter()
                .find(|r| r.library == f.library)
                .map(|r| format!(": its pkg-config module `{}` was not found", r.pkg_config))
                .unwrap_or_default();
            problems.push(format!(
                "{name}: {}{pc}",
                super::audit::describe(f, &link::attribution(&build.graph, &f.library))
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "{}\n\nhelp: a -sys crate's build script fell back to its bundled copy, most often \
         because pkg-config did not find the library: install its development package (the one \
         shipping that pkg-config module: `apt-get install libpcre2-dev`, `dnf install \
         'pkgconfig(libpcre2-8)'`…), check PKG_CONFIG_PATH, and build again",
        problems.join("\n")
    )
    .context(CheckFailed(
        "--link system: the build still bundled a C library".into(),
    )))
}

/// What the binaries of a group of targets run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// The build machine's own operating system: a plain cargo build (or `--glibc`'s zig build).
    Host,
    /// FreeBSD, cross-built on another system with zig as C compiler and linker.
    FreeBsd,
}

impl Platform {
    /// The platform `target` needs: FreeBSD for a FreeBSD release when the project is built
    /// here (`cross`) and this machine is not FreeBSD, else the host.
    pub fn of(target: &Target, cross: bool) -> Platform {
        if cross && target.format == syspack_distro::Format::FreeBsd && !cfg!(target_os = "freebsd")
        {
            Platform::FreeBsd
        } else {
            Platform::Host
        }
    }
}

/// One build and the assets resolved against it, for the targets of one platform.
struct Group {
    platform: Platform,
    build: BuildOutputs,
    assets: Vec<stage::Resolved>,
}

/// The toolchain and target of a FreeBSD cross build for `arch`, after refusing system mode:
/// this machine's C libraries are Linux libraries. Without `SYSPACK_LINK`, the build gets
/// `SYSPACK_LINK=vendored`, so that the sys crates compile their pinned sources with zig for
/// FreeBSD.
pub fn freebsd_zig_build(arch: syspack_distro::Arch) -> Result<ZigBuild> {
    let target = ZigTarget::freebsd(arch)?;
    let vars = system_link_vars();
    if !vars.is_empty() {
        bail!(
            "a FreeBSD build on this machine cannot link system C libraries ({}): the system's \
             libraries here are {}'s, not FreeBSD's, and syspack has no FreeBSD sysroot to take \
             them from; use the vendored libraries (`--features vendored`, SYSPACK_LINK=vendored), \
             or build on FreeBSD itself for a package against FreeBSD's libraries (`syspack \
             package` there, or the port `syspack recipe freebsd` writes; the FreeBSD VM job of \
             `syspack ci github` builds and runs that way)",
            vars.join(", "),
            std::env::consts::OS
        );
    }
    let toolchain = ZigToolchain::find()?;
    crate::toolchain::check_rust_std(&target.triple)?;
    Ok(vendoring_zig_build(toolchain, target))
}

/// A zig build that vendors the C libraries unless the user chose (`SYSPACK_LINK`): the sys
/// crates' auto mode would find this machine's libraries, which zig cannot link for another
/// glibc or system.
fn vendoring_zig_build(toolchain: ZigToolchain, target: ZigTarget) -> ZigBuild {
    let env = if std::env::var_os("SYSPACK_LINK").is_none() {
        vec![("SYSPACK_LINK".to_string(), "vendored".to_string())]
    } else {
        Vec::new()
    };
    ZigBuild {
        toolchain,
        target,
        env,
    }
}

/// The names of the variables that ask for system libraries (`SYSPACK_LINK=system`,
/// `SYSPACK_ZLIB_LINK=system`, and their per-target forms), as set in this process.
fn system_link_vars() -> Vec<String> {
    std::env::vars()
        .filter(|(k, v)| {
            let Some(rest) = k.strip_prefix("SYSPACK_") else {
                return false;
            };
            (rest.starts_with("LINK") || rest.contains("_LINK")) && v.trim() == "system"
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// The toolchain and target of a build for `floor` on `arch` (the package's architecture: the
/// host's, or another one, cross-built), after refusing system mode (the system libraries of
/// this machine were built against its own glibc, and linking them would tie the binary to it).
/// Without `SYSPACK_LINK`, the build gets `SYSPACK_LINK=vendored`.
pub fn zig_build(floor: &GlibcFloor, arch: syspack_distro::Arch) -> Result<ZigBuild> {
    let vars = system_link_vars();
    if !vars.is_empty() {
        bail!(
            "`--glibc {floor}` cannot link the system's C libraries ({}): they were built against \
             this machine's glibc and need its symbol versions, and the package would depend on \
             this machine's library packages; use the vendored libraries (`--features vendored`, \
             SYSPACK_LINK=vendored), or build on the oldest release without --glibc \
             (distribution builds)",
            vars.join(", ")
        );
    }
    let toolchain = ZigToolchain::find()?;
    let target = ZigTarget::linux_gnu(arch, floor.clone())?;
    crate::toolchain::check_rust_std(&target.triple)?;
    Ok(vendoring_zig_build(toolchain, target))
}

/// A build for a glibc floor or for FreeBSD whose C libraries came from the system (auto mode
/// found them) is refused: see [`zig_build`] and [`freebsd_zig_build`].
fn refuse_system_libraries(provenance: &[Record], what: &str, built_for: &str) -> Result<()> {
    let system: Vec<&str> = provenance
        .iter()
        .filter(|r| r.mode == "system")
        .map(|r| r.library.as_str())
        .collect();
    if system.is_empty() {
        return Ok(());
    }
    bail!(
        "{what}: the build linked the system's {} (found by the sys crates' auto mode), built \
         for {built_for}; build the vendored libraries instead: \
         `--features vendored` or SYSPACK_LINK=vendored",
        system.join(", ")
    )
}

/// Reads a project's configuration — the standalone syspack.toml `config`, else the cargo
/// manifest `manifest_path`, else the nearest `Cargo.toml` at or above the current directory —
/// and prints its warnings.
pub fn load_project(config: Option<&Path>, manifest_path: Option<&Path>) -> Result<Project> {
    load_project_variant(config, manifest_path, None)
}

/// [`load_project`] with a cargo-deb / cargo-generate-rpm metadata `variant` applied.
fn load_project_variant(
    config: Option<&Path>,
    manifest_path: Option<&Path>,
    variant: Option<&str>,
) -> Result<Project> {
    let (cfg, dir, standalone) = match config {
        Some(path) => {
            let cfg = load_standalone(path)?;
            let dir = cfg.base_dir.clone();
            (cfg, dir, true)
        }
        None => {
            let manifest = match manifest_path {
                Some(m) => m.to_path_buf(),
                None => super::find_upwards(
                    "Cargo.toml",
                    "run syspack in a cargo project, pass `--manifest-path`, or describe the \
                     package in a syspack.toml and pass `--config`",
                )?,
            };
            let cfg = Config::from_cargo_manifest_variant(&manifest, variant)?;
            let dir = cfg
                .cargo
                .as_ref()
                .map(|c| c.workspace_root.clone())
                .unwrap_or_else(|| cfg.base_dir.clone());
            (cfg, dir, false)
        }
    };
    for w in &cfg.warnings {
        exit::warn(w);
    }
    Ok(Project {
        cfg,
        dir,
        standalone,
    })
}

/// Reads a provenance file as `syspack --provenance` prints it, sorted by library.
pub fn read_provenance_file(path: &Path) -> Result<Vec<Record>> {
    let text = crate::config::read_bounded(path, crate::config::MAX_TEXT_BYTES)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not JSON; write it with `syspack --provenance > FILE`",
            path.display()
        )
    })?;
    let items = value.as_array().ok_or_else(|| {
        anyhow!(
            "`{}` must hold a JSON array, as `syspack --provenance` prints",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for item in items {
        out.push(Record::parse(
            &item.to_string(),
            &format!("an entry of `{}`", path.display()),
        )?);
    }
    out.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(out)
}

/// The size from which files get shared frames: `SYSPACK_SHARE_THRESHOLD` (bytes; a tuning knob
/// for measurements, see bench/), else [`frames::SHARE_THRESHOLD`].
fn share_threshold() -> Result<u64> {
    match std::env::var("SYSPACK_SHARE_THRESHOLD") {
        Ok(v) if !v.is_empty() => v.parse().map_err(|_| {
            anyhow!("SYSPACK_SHARE_THRESHOLD must be a size in bytes (like 262144), not `{v}`")
        }),
        _ => Ok(frames::SHARE_THRESHOLD),
    }
}

fn compression_for(args: &Args, cfg: &Config, t: &Target) -> Result<Compression> {
    let asked = args
        .compression
        .clone()
        .map(|c| (c, "--compression".to_string()))
        .or_else(|| {
            cfg.overrides
                .get(&t.format)
                .and_then(|o| o.compression.clone())
                .map(|c| (c, cfg.key(&format!("{}.compression", t.format))))
        });
    let Some((text, from)) = asked else {
        return Ok(t.default_compression());
    };
    let c: Compression = text
        .parse()
        .with_context(|| format!("invalid compression in {from}"))?;
    match t.release.reads(c) {
        Some(false) => bail!(
            "target `{}` cannot install {} packages compressed with {} ({from}); use {} or drop the option",
            t.id,
            t.format,
            c.name(),
            t.default_compression().name()
        ),
        None => exit::warn(format!(
            "syspack does not know whether target `{}` reads {} compression ({from})",
            t.id,
            c.name()
        )),
        Some(true) => {}
    }
    Ok(c)
}

/// The rows of the summary.
struct Row {
    path: PathBuf,
    target: String,
    size: u64,
    sha256: String,
}

/// Hashes and counts what a writer writes, for the summary (reading every package back
/// afterwards would cost as much again).
struct Summing<'a> {
    inner: &'a mut dyn Write,
    sha: Sha256,
    size: u64,
}

impl Write for Summing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one package atomically; returns its summary row.
fn write_package(w: &AnyWriter<'_>, dir: &Path, name: &str, target: &str) -> Result<Row> {
    let mut summary = (0, String::new());
    let path = syspack_distro::output::write_atomically(dir, name, |out| {
        let mut summing = Summing {
            inner: out,
            sha: Sha256::new(),
            size: 0,
        };
        w.write_to(&mut summing)?;
        summary = (summing.size, hex::encode(summing.sha.finalize()));
        Ok(())
    })?;
    Ok(Row {
        path,
        target: target.to_string(),
        size: summary.0,
        sha256: summary.1,
    })
}

fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

pub fn run(args: Args) -> Result<i32> {
    let project = args.project.load()?;
    let cfg = &project.cfg;
    let asked_targets = super::split_list(&args.targets);
    let asked_formats = super::split_list(&args.formats);
    let mut targets = target::select(&asked_targets, &asked_formats, &cfg.targets)?;
    let defaulted = asked_targets.is_empty() && asked_formats.is_empty() && cfg.targets.is_empty();
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| project.dir.join("target").join("syspack"));
    let cache_bound = super::cache::max_size_from_env()?;
    let (date, date_from) = stage::source_date(&project.dir)?;
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprintln!("    Date {} (from {date_from})", date.secs());
    }

    // One build per platform the targets run: this machine's own, and FreeBSD cross-built with
    // zig when a FreeBSD release is asked for by name (the default targets skip FreeBSD, see
    // `skip_foreign_defaults`; `--allow-foreign-binaries` packages this machine's build as it
    // is, on purpose).
    let cross = cfg.cargo.is_some()
        && !project.standalone
        && !args.project.no_build
        && !defaulted
        && !args.allow_foreign_binaries;
    let (mut groups, audit_lines) = build_platforms(&args, &project, &targets, cross, progress)?;

    // Phase 1: stage and validate every target; nothing is written if any of them fails.
    let skipped = if defaulted && !args.allow_foreign_binaries {
        skip_foreign_defaults(&groups[0].assets, &mut targets)
    } else {
        Vec::new()
    };
    check_groups(&args, cfg, &mut groups, &targets, cross)?;
    let staged = stage_targets(&args, cfg, &groups, &targets, cross, date)?;
    let plan = Plan::new(&args, staged, &out_dir)?;

    // Packages already written from the same inputs by this syspack, and untouched since, are
    // not written again (see fresh.rs); finding them reads no file.
    let stamps = groups
        .iter()
        .flat_map(|g| &g.assets)
        .filter_map(|a| Some((a.source.clone(), a.stamp.clone()?)))
        .collect();
    let mut fresh = plan.fresh_check(stamps);
    let up_to_date = plan.up_to_date(fresh.as_mut(), progress);

    // Phase 2: write concurrently; a failing target leaves the others' files in place.
    let mut results = plan.write(&up_to_date, progress);
    plan.record(fresh.as_ref(), &results, cache_bound, progress);
    results.extend(up_to_date.into_iter().map(|(i, row)| (i, Ok(row))));
    // The summary lists targets in the order they were asked for.
    results.sort_by_key(|(i, _)| *i);
    report(&plan, results, &audit_lines, &skipped)
}

/// Builds the project once per platform that `targets` run on, resolves the assets against
/// each build and audits them for bundled libraries; returns the builds and the audit's
/// summary lines.
fn build_platforms(
    args: &Args,
    project: &Project,
    targets: &[Target],
    cross: bool,
    progress: bool,
) -> Result<(Vec<Group>, Vec<String>)> {
    let mut groups: Vec<Group> = Vec::new();
    let mut audit_lines = Vec::new();
    for t in targets {
        let platform = Platform::of(t, cross);
        if groups.iter().any(|g| g.platform == platform) {
            continue;
        }
        let mut build = args.project.build_for(project, progress, platform)?;
        let assets = stage::resolve_assets(&project.cfg, &build)?;
        // The audit reads the symbol tables, so it comes before stripping.
        audit_lines.extend(audit_assets(&assets, &mut build, args.deny_bundled)?);
        groups.push(Group {
            platform,
            build,
            assets,
        });
    }
    Ok((groups, audit_lines))
}

/// The checks of each platform's binaries against its targets (ABI, `--min-glibc`, the
/// `--glibc` floor), and their stripping.
fn check_groups(
    args: &Args,
    cfg: &Config,
    groups: &mut [Group],
    targets: &[Target],
    cross: bool,
) -> Result<()> {
    for g in groups {
        let mine: Vec<Target> = targets
            .iter()
            .filter(|t| Platform::of(t, cross) == g.platform)
            .cloned()
            .collect();
        if !args.allow_foreign_binaries {
            check_abi(cfg, &g.assets, &mine)?;
        }
        stage::strip_assets(cfg, &g.build, &mut g.assets)?;
        if args.min_glibc {
            check_min_glibc(&g.assets, &mine)?;
        }
        if let Some(f) = &g.build.glibc {
            let elf: Vec<(&str, &Path)> = g
                .assets
                .iter()
                .filter(|a| a.link.is_none() && stage::is_elf(&a.source))
                // The file as built (beside its build's archives, which name the objects).
                .map(|a| {
                    let built = a.stripped_from.as_ref().unwrap_or(&a.source);
                    (a.dest.as_str(), built.as_path())
                })
                .collect();
            floor::check(elf, f)?;
        }
    }
    Ok(())
}

/// Stages one package per target, and for Debian targets with `separate-debug-symbols` its
/// `-dbgsym` package right after it, each with the compression its target asks for.
fn stage_targets(
    args: &Args,
    cfg: &Config,
    groups: &[Group],
    targets: &[Target],
    cross: bool,
    date: syspack_distro::SourceDate,
) -> Result<Vec<(Staged, Compression)>> {
    let group_of = |t: &Target| -> &Group {
        let platform = Platform::of(t, cross);
        groups
            .iter()
            .find(|g| g.platform == platform)
            .expect("every target's platform was built")
    };
    let compressions = targets
        .iter()
        .map(|t| compression_for(args, cfg, t))
        .collect::<Result<Vec<_>>>()?;
    if cfg.separate_debug_symbols
        && targets
            .iter()
            .any(|t| t.format != syspack_distro::Format::Deb)
    {
        exit::warn(
            "`separate-debug-symbols`: only Debian targets get a debug package (`-dbgsym`); the \
             other formats' packages are stripped and their debugging symbols are not packaged",
        );
    }
    let mut staged = Vec::new();
    for (t, c) in targets.iter().zip(compressions) {
        let g = group_of(t);
        let s = stage::stage(cfg, &g.assets, &g.build, t, date)
            .with_context(|| format!("cannot package for target `{}`", t.id))?;
        for w in &s.warnings {
            exit::warn(w);
        }
        let debug = if cfg.separate_debug_symbols && t.format == syspack_distro::Format::Deb {
            stage::dbgsym(&s, &g.assets)
                .with_context(|| format!("cannot package for target `{}`", t.id))?
        } else {
            None
        };
        staged.push((s, c));
        if let Some(d) = debug {
            staged.push((d, c));
        }
    }
    Ok(staged)
}

/// One package to write: what is staged for its target, how it is compressed and where it goes.
struct Job {
    staged: Staged,
    compression: Compression,
    /// Whether its stream is spliced from the run's shared frames.
    splices: bool,
    /// The file name, and the directory it is written to.
    name: String,
    dir: PathBuf,
}

impl Job {
    fn id(&self) -> &str {
        &self.staged.target.id
    }

    fn output(&self) -> PathBuf {
        self.dir.join(&self.name)
    }
}

/// What a writer gave: the index of its job, and the package written or why not.
type Outcome = (usize, Result<Row>);

/// The packages of one run and what they share: the frame cache, the machine's cores.
struct Plan {
    jobs: Vec<Job>,
    cache: Option<Arc<FrameCache>>,
    cores: Arc<Cores>,
    /// The size from which files' frames are shared (`SYSPACK_SHARE_THRESHOLD`).
    threshold: u64,
}

impl Plan {
    /// Decides each package's compression, splicing, file name and directory, and opens the
    /// frame cache.
    ///
    /// Formats that read concatenated frames share the compressed frames of large files, made
    /// in one read of every file that also gives the digests; the others get one multi-threaded
    /// stream each (two workers at least, so the bytes never depend on the machine's core
    /// count), cached whole. `--single-stream` turns all of that off. Every part compresses
    /// under a lease of the machine's cores, so that no more threads compress at once than
    /// there are cores.
    fn new(args: &Args, staged: Vec<(Staged, Compression)>, out_dir: &Path) -> Result<Plan> {
        let cores = Arc::new(match args.jobs {
            Some(n) => Cores::new(n.into()),
            None => Cores::of_machine(),
        });
        let workers = cores.total();
        let mut named = Vec::new();
        for (s, c) in staged {
            let splicing_format = !args.single_stream && frames::splices(s.target.format, c);
            let c = if splicing_format {
                c
            } else {
                c.with_threads(workers.max(2) as u32)
            };
            let name = s
                .writer(c, None)
                .with_context(|| format!("cannot package for target `{}`", s.target.id))?
                .file_name();
            named.push((s, c, splicing_format, name));
        }
        let cache = if args.single_stream {
            None
        } else {
            Some(Arc::new(super::cache::frame_cache(
                args.frame_cache.as_deref(),
            )?))
        };
        // Two targets of one format may give the same file name: those go to <out>/<target>/.
        let names: Vec<String> = named.iter().map(|(.., n)| n.clone()).collect();
        let jobs: Vec<Job> = named
            .into_iter()
            .map(|(staged, compression, splicing_format, name)| {
                let dir = if names.iter().filter(|m| **m == name).count() > 1 {
                    out_dir.join(&staged.target.id)
                } else {
                    out_dir.to_path_buf()
                };
                Job {
                    splices: cache.is_some() && splicing_format,
                    staged,
                    compression,
                    name,
                    dir,
                }
            })
            .collect();
        // The `.partial` files a killed run left (issue 16); a live run's are fresh and stay.
        for j in &jobs {
            syspack_distro::output::remove_stale_partials(&j.dir);
        }
        Ok(Plan {
            jobs,
            cache,
            cores,
            threshold: share_threshold()?,
        })
    }

    /// The up-to-date check of this run's packages; `None` without a lasting cache.
    fn fresh_check(
        &self,
        stamps: std::collections::HashMap<PathBuf, String>,
    ) -> Option<fresh::Check<'_>> {
        let settings: Vec<(Compression, bool)> = self
            .jobs
            .iter()
            .map(|j| (j.compression, j.splices))
            .collect();
        fresh::Check::new(self.cache.as_deref(), &settings, self.threshold, stamps)
    }

    /// The jobs whose package is up to date, with the row recorded for it.
    fn up_to_date(
        &self,
        check: Option<&mut fresh::Check<'_>>,
        progress: bool,
    ) -> Vec<(usize, Row)> {
        let Some(check) = check else {
            return Vec::new();
        };
        let outputs: Vec<PathBuf> = self.jobs.iter().map(Job::output).collect();
        let packages: Vec<(&Staged, &Path)> = self
            .jobs
            .iter()
            .zip(&outputs)
            .map(|(j, o)| (&j.staged, o.as_path()))
            .collect();
        let mut rows = Vec::new();
        for (i, written) in check.up_to_date(&packages).into_iter().enumerate() {
            let Some(w) = written else { continue };
            let path = outputs[i].clone();
            if progress {
                eprintln!(
                    "       Fresh {} ({}): unchanged inputs",
                    display_path(&path),
                    self.jobs[i].id()
                );
            }
            let row = Row {
                path,
                target: self.jobs[i].id().to_string(),
                size: w.size,
                sha256: w.sha256,
            };
            rows.push((i, row));
        }
        rows
    }

    /// Writes every package not in `up_to_date`, concurrently. Writers of one stream start at
    /// once (they read their files themselves), each first in line for the cores its stream
    /// keeps busy; the splicing ones once every file has been read and the shared frames are
    /// made.
    fn write(&self, up_to_date: &[(usize, Row)], progress: bool) -> Vec<Outcome> {
        let pending = |i: &usize| !up_to_date.iter().any(|(f, _)| f == i);
        let write = |j: &Job, w: AnyWriter<'_>| {
            if progress {
                eprintln!("    Writing {} ({})", j.name, j.id());
            }
            write_package(&w, &j.dir, &j.name, j.id())
        };
        std::thread::scope(|scope| {
            let mut handles = Vec::new();
            let mut waiting = Vec::new();
            for (i, j) in self.jobs.iter().enumerate().filter(|(i, _)| pending(i)) {
                if j.splices {
                    waiting.push((i, j));
                    continue;
                }
                let own = self.cache.as_ref().map(|cache| {
                    Arc::new(SharedContent::cache_only(cache.clone(), self.cores.clone()))
                });
                let place = self.cores.queue(
                    j.compression
                        .busy_threads(j.staged.package.installed_size())
                        as usize,
                );
                let handle = match j.staged.writer(j.compression, own) {
                    Ok(w) => scope.spawn(move || {
                        let _lease = place.wait();
                        write(j, w)
                    }),
                    Err(e) => scope.spawn(move || Err(e)),
                };
                handles.push((i, handle));
            }
            let mut results = Vec::new();
            if !waiting.is_empty() {
                match self.prepare_shared(&waiting, progress) {
                    Ok(shared) => {
                        for (i, j) in waiting {
                            let handle = match j.staged.writer(j.compression, Some(shared.clone()))
                            {
                                Ok(w) => scope.spawn(move || write(j, w)),
                                Err(e) => scope.spawn(move || Err(e)),
                            };
                            handles.push((i, handle));
                        }
                    }
                    Err(e) => {
                        for (i, _) in waiting {
                            results.push((i, Err(anyhow!("{e:#}"))));
                        }
                    }
                }
            }
            for (i, h) in handles {
                let r = h.join().unwrap_or_else(|_| {
                    Err(anyhow!("the writer thread panicked (a bug in syspack)"))
                });
                results.push((i, r));
            }
            results
        })
    }

    /// Reads every file of the splicing jobs once, making their shared frames and digests. A
    /// cache that fails while being written (it filled up, or changed under us) gives a warning
    /// and a cache for this run only.
    fn prepare_shared(
        &self,
        waiting: &[(usize, &Job)],
        progress: bool,
    ) -> Result<Arc<SharedContent>> {
        let cache = self
            .cache
            .as_ref()
            .expect("only a run with a frame cache splices");
        if progress {
            eprintln!(
                "    Reading the files once (frame cache {})",
                cache.root().display()
            );
        }
        let packages: Vec<&syspack_distro::Package> =
            waiting.iter().map(|(_, j)| &j.staged.package).collect();
        let used: Vec<Compression> = waiting.iter().map(|(_, j)| j.compression).collect();
        // MD5 only for the formats that record it (an rpm or FreeBSD package alone does not).
        let md5 = waiting.iter().any(|(_, j)| {
            matches!(
                j.staged.target.format,
                syspack_distro::Format::Deb | syspack_distro::Format::Arch
            )
        });
        let prepare = |cache: Arc<FrameCache>| {
            SharedContent::prepare(
                &packages,
                &used,
                cache,
                self.cores.clone(),
                self.threshold,
                md5,
            )
        };
        let mut prepared = prepare(cache.clone());
        if let Err(syspack_distro::Error::Io { path, source, .. }) = &prepared {
            if path.starts_with(cache.root()) && !cache.is_temporary() {
                exit::warn(format!(
                    "the frame cache `{}` failed while being written ({source}); this run \
                     uses a cache of its own",
                    cache.root().display()
                ));
                prepared = FrameCache::temporary().and_then(|tmp| prepare(Arc::new(tmp)));
            }
        }
        Ok(Arc::new(
            prepared.context("cannot read the files to package")?,
        ))
    }

    /// Records the packages just written (`results`) for the next run, then tidies the frame cache: what killed
    /// runs left behind (issue 16), then the size bound.
    fn record(
        &self,
        check: Option<&fresh::Check<'_>>,
        results: &[Outcome],
        cache_bound: u64,
        progress: bool,
    ) {
        if let Some(check) = check {
            for (i, r) in results {
                if let Ok(row) = r {
                    let written = fresh::Written {
                        size: row.size,
                        sha256: row.sha256.clone(),
                    };
                    check.record(*i, &self.jobs[*i].staged, &row.path, written);
                }
            }
            check.save();
        }
        if let Some(cache) = self.cache.as_deref().filter(|c| !c.is_temporary()) {
            cache.remove_stale_temporaries();
            if cache.grew() {
                prune_frame_cache(cache, cache_bound, progress);
            }
        }
    }
}

/// Prints the summary, the audit's and the skipped targets' lines; the first failure, if any,
/// is the run's error.
fn report(
    plan: &Plan,
    results: Vec<Outcome>,
    audit_lines: &[String],
    skipped: &[String],
) -> Result<i32> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (i, r) in results {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => failed.push((plan.jobs[i].id().to_string(), e)),
        }
    }
    print_summary(&rows)?;
    let mut out = std::io::stdout().lock();
    for line in audit_lines {
        writeln!(out, "{line}")?;
    }
    for line in skipped {
        writeln!(out, "skipped {line}")?;
    }
    if let Some((id, err)) = failed.into_iter().next() {
        return Err(err.context(format!(
            "writing the package for target `{id}` failed; the packages listed above were written"
        )));
    }
    Ok(exit::OK)
}

/// Audits every ELF asset for bundled C libraries ([`syspack_distro::audit`]): adds what it finds
/// to the packages' bundled libraries (RPM `Provides: bundled(sqlite) = 3.46.0`) and returns the
/// summary's lines; with `deny`, anything bundled is an error.
fn audit_assets(
    assets: &[stage::Resolved],
    build: &mut BuildOutputs,
    deny: bool,
) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for a in assets
        .iter()
        .filter(|a| a.link.is_none() && stage::is_elf(&a.source))
    {
        // An ELF file the audit cannot read is packaged as it is (the ELF analysis that gives
        // the dependencies has its own errors).
        let audit = match syspack_distro::audit::audit(&a.source) {
            Ok(audit) => audit,
            Err(e) => {
                exit::warn(format!("no bundled-library audit of `{}`: {e}", a.dest));
                continue;
            }
        };
        for f in &audit.bundled {
            let by = link::attribution(&build.graph, &f.library);
            lines.push(format!(
                "bundled: {} in {}",
                super::audit::describe(f, &by),
                a.dest
            ));
            if !build.audited.iter().any(|b| b.name == f.library) {
                build.audited.push(syspack_distro::Bundled {
                    name: f.library.clone(),
                    version: f.version.clone().unwrap_or_default(),
                });
            }
        }
    }
    if deny && !lines.is_empty() {
        return Err(anyhow!(
            "{}\n\nhelp: build with `--link system` (every -sys crate's switch set, see \
             `syspack audit --help`), or drop --deny-bundled to package the bundled copies (they \
             are declared: RPM `Provides: bundled(…)`)",
            lines.join("\n")
        )
        .context(CheckFailed(
            "--deny-bundled: C libraries are compiled into the binaries; nothing was written"
                .into(),
        )));
    }
    Ok(lines)
}

/// Keeps the frame cache within `bound` bytes (0: no bound) after a run that added to it; the
/// packages are written, so a failure is only a warning.
fn prune_frame_cache(cache: &FrameCache, bound: u64, progress: bool) {
    if bound == 0 {
        return;
    }
    match cache.prune(bound) {
        Ok(p) if p.removed > 0 && progress => eprintln!(
            "     Pruned {} least recently used entries ({} bytes) from the frame cache, to stay \
             within SYSPACK_FRAME_CACHE_MAX_SIZE ({bound} bytes)",
            p.removed, p.removed_bytes
        ),
        Ok(_) => {}
        Err(e) => exit::warn(format!(
            "cannot keep the frame cache {} within {bound} bytes: {e} (`syspack cache clear` \
             empties it)",
            cache.root().display()
        )),
    }
}

/// The targets a project's binaries cannot run on are dropped from the default targets (a
/// FreeBSD package of a Linux build, on a Linux host); returns a line per dropped target, for the
/// summary. Data-only packages keep every target.
fn skip_foreign_defaults(assets: &[stage::Resolved], targets: &mut Vec<Target>) -> Vec<String> {
    let oses = stage::binary_oses(assets);
    if oses.is_empty() {
        return Vec::new();
    }
    let mut skipped = Vec::new();
    targets.retain(|t| {
        let os = if t.format == syspack_distro::Format::FreeBsd {
            TargetOs::FreeBsd
        } else {
            TargetOs::Linux
        };
        if oses.contains(&os) {
            return true;
        }
        let built: Vec<String> = oses.iter().map(ToString::to_string).collect();
        let how = if os == TargetOs::FreeBsd && !cfg!(target_os = "freebsd") {
            format!(
                "pass `--target {}` to cross-build a cargo project for FreeBSD with zig (see \
                 `syspack doctor`)",
                t.id
            )
        } else {
            format!("build them for {os} and pass `--target {}`", t.id)
        };
        skipped.push(format!(
            "{}: the binaries are {} executables; {how}",
            t.id,
            built.join(" and "),
        ));
        false
    });
    skipped
}

/// Refuses targets whose ABI the ELF assets do not match (see [`stage::foreign_binaries`]).
fn check_abi(cfg: &Config, assets: &[stage::Resolved], targets: &[Target]) -> Result<()> {
    let arch = stage::package_arch(cfg)?;
    for t in targets {
        let problems = stage::foreign_binaries(assets, t, arch);
        if problems.is_empty() {
            continue;
        }
        let rust_arch = match arch {
            syspack_distro::Arch::Armv7 => "armv7",
            syspack_distro::Arch::Ppc64le => "powerpc64le",
            a => a.rpm(),
        };
        let how = if t.format == syspack_distro::Format::FreeBsd {
            format!(
                "build the binaries for FreeBSD: `syspack package --target {}` builds a cargo \
                 project for FreeBSD 14 with zig (FreeBSD 14 and newer run it); for an older \
                 release, or `--no-build`, build with `cargo build --release --target \
                 {rust_arch}-unknown-freebsd` on FreeBSD itself (the FreeBSD VM job of the CI \
                 workflow `syspack ci` generates) and point the assets at them \
                 (`target/{rust_arch}-unknown-freebsd/release/...`)",
                t.id
            )
        } else {
            format!(
                "build the binaries for this target (`cargo build --release --target \
                 {rust_arch}-unknown-linux-gnu`) and point the assets at them, or set \
                 `architecture` to the binaries' machine"
            )
        };
        return Err(anyhow!(
            "{}\n\nhelp: {how}; or pass `--allow-foreign-binaries` if the package is meant to \
             carry these files as data",
            problems.join("\n")
        )
        .context(format!(
            "cannot package for target `{}`: {} ELF file{} will not run there; nothing was written",
            t.id,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// `--min-glibc`: every glibc-linked ELF asset must run on the oldest selected glibc target.
fn check_min_glibc(assets: &[stage::Resolved], targets: &[Target]) -> Result<()> {
    let Some((oldest, have)) = targets
        .iter()
        .filter_map(|t| t.release.glibc().map(|v| (t, v)))
        .min_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.id.cmp(&b.0.id)))
    else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for a in assets.iter().filter(|a| a.link.is_none()) {
        if !stage::is_elf(&a.source) {
            continue;
        }
        let info = ElfInfo::parse(&a.source)?;
        if info.libc != Libc::Glibc {
            continue;
        }
        if let Some(need) = info.max_version("GLIBC_") {
            if &need > have {
                problems.push(format!(
                    "`{}` (installed as `{}`) needs GLIBC_{need}, but target `{}` has glibc {have}",
                    a.source.display(),
                    a.dest,
                    oldest.id
                ));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "{}\n\nhelp: build on a system with glibc {have} or older (e.g. a `{}` container), or drop \
         `{}` from --target",
        problems.join("\n"),
        oldest.id,
        oldest.id
    )
    .context(CheckFailed(format!(
        "--min-glibc: {} binar{} will not run on `{}`; nothing was written",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        oldest.id
    ))))
}

fn print_summary(rows: &[Row]) -> Result<()> {
    let files: Vec<String> = rows.iter().map(|r| display_path(&r.path)).collect();
    let wf = files.iter().map(String::len).chain([4]).max().unwrap_or(4);
    let wt = rows
        .iter()
        .map(|r| r.target.len())
        .chain([6])
        .max()
        .unwrap_or(6);
    let ws = rows
        .iter()
        .map(|r| r.size.to_string().len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<wf$}  {:<wt$}  {:>ws$}  sha256",
        "file", "target", "size"
    )?;
    for (r, f) in rows.iter().zip(&files) {
        writeln!(
            out,
            "{f:<wf$}  {:<wt$}  {:>ws$}  {}",
            r.target, r.size, r.sha256
        )?;
    }
    Ok(())
}
