//! Finding the system library: vcpkg (Windows targets), explicit directories, pkg-config, and the
//! header/library probe for libraries that ship no `.pc` file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env::{Emit, Env, EnvVar};
use crate::mode::LinkKind;
use crate::provenance::Evidence;
use crate::shell;
use crate::{Error, Library};

/// What the system probe found.
#[derive(Clone, Debug)]
pub(crate) struct SystemFound {
    pub version: Option<String>,
    pub evidence: Evidence,
    pub include_dirs: Vec<PathBuf>,
    pub root: Option<PathBuf>,
    pub link: LinkKind,
    /// `rustc-link-search=native=` directories.
    pub search: Vec<PathBuf>,
    /// `rustc-link-lib` lines: (kind, name).
    pub libs: Vec<(LinkKind, String)>,
    /// Raw `cargo:` lines a helper crate (vcpkg) produced.
    pub extra_lines: Vec<String>,
}

/// What running pkg-config showed, for the "not found" message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkgConfigAttempt {
    /// The command, pasteable into a shell (with the `PKG_CONFIG_*` variables it was given).
    pub command: String,
    /// How it ended.
    pub status: String,
    /// What it printed.
    pub output: String,
    /// The `.pc` search path: `PKG_CONFIG_PATH`, `PKG_CONFIG_LIBDIR`, pkg-config's default.
    pub search_path: Vec<String>,
}

/// What the header/library probe searched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderProbeAttempt {
    /// The compiler asked for its search path (and how that went).
    pub compiler: String,
    /// The header looked for.
    pub header: String,
    /// Where it was found, if it was.
    pub header_found: Option<PathBuf>,
    /// Directories searched for the header.
    pub include_dirs: Vec<PathBuf>,
    /// The library files looked for (`libzstd.so`, `libzstd.a`).
    pub library_files: Vec<String>,
    /// Where the library was found, if it was.
    pub library_found: Option<PathBuf>,
    /// Directories searched for the library.
    pub lib_dirs: Vec<PathBuf>,
}

/// Why the system library cannot be used: everything that was tried, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotFound {
    /// The library's short name.
    pub library: String,
    /// Its pkg-config package name.
    pub pkg_config_name: String,
    /// The crate whose build script asked (`CARGO_PKG_NAME`), if known.
    pub crate_name: Option<String>,
    /// The minimum version.
    pub min_version: Option<String>,
    /// The version found, when it is older than the minimum.
    pub found_version: Option<String>,
    /// The `.pc` file of the too-old version.
    pub found_pc: Option<PathBuf>,
    /// Static linking was asked for but the system has no static archive: where it looked.
    pub static_archive_missing: Option<String>,
    /// pkg-config's run, if it ran.
    pub pkg_config: Option<PkgConfigAttempt>,
    /// Why pkg-config did not run or was not enough (not installed, cross build).
    pub notes: Vec<String>,
    /// The header/library probe, if it ran.
    pub header_probe: Option<HeaderProbeAttempt>,
    /// `(distro, package)` to install.
    pub distro_packages: Vec<(String, String)>,
    /// The variable that switches this library to vendored.
    pub switch_var: String,
}

fn install_command(distro: &str, pkg: &str) -> String {
    match distro {
        "debian" | "ubuntu" => format!("apt-get install {pkg}"),
        "fedora" | "rhel" | "centos" | "rocky" | "alma" => format!("dnf install {pkg}"),
        "arch" => format!("pacman -S {pkg}"),
        "alpine" => format!("apk add {pkg}"),
        "opensuse" | "suse" => format!("zypper install {pkg}"),
        "freebsd" => format!("pkg install {pkg}"),
        "macos" | "homebrew" => format!("brew install {pkg}"),
        _ => format!("install {pkg}"),
    }
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let min = self
            .min_version
            .as_deref()
            .map(|m| format!(" >= {m}"))
            .unwrap_or_default();
        match &self.found_version {
            _ if self.static_archive_missing.is_some() => writeln!(
                f,
                "system library `{}` cannot be linked statically: {}",
                self.library,
                self.static_archive_missing.as_deref().unwrap_or_default()
            )?,
            Some(found) => writeln!(
                f,
                "system library `{}` is too old: found version {found}, required{min}{}",
                self.library,
                self.found_pc
                    .as_deref()
                    .map(|p| format!(" (from `{}`)", p.display()))
                    .unwrap_or_default()
            )?,
            None => writeln!(
                f,
                "could not find system library `{}`{min} (pkg-config package `{}`)",
                self.library, self.pkg_config_name
            )?,
        }
        if let Some(c) = &self.crate_name {
            writeln!(f, "needed by crate `{c}`")?;
        }
        if let Some(p) = &self.pkg_config {
            writeln!(f, "`{}` {}", p.command, p.status)?;
            for l in p.output.lines().filter(|l| !l.trim().is_empty()) {
                writeln!(f, "  {l}")?;
            }
            if !p.search_path.is_empty() {
                writeln!(f, "the `.pc` search path was:")?;
                for s in &p.search_path {
                    writeln!(f, "  {s}")?;
                }
            }
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        if let Some(h) = &self.header_probe {
            writeln!(
                f,
                "header/library probe (for systems without a `.pc` file), compiler {}:",
                h.compiler
            )?;
            match &h.header_found {
                Some(p) => writeln!(f, "  header `{}` found: `{}`", h.header, p.display())?,
                None => writeln!(
                    f,
                    "  header `{}` not found in: {}",
                    h.header,
                    join_paths(&h.include_dirs)
                )?,
            }
            match &h.library_found {
                Some(p) => writeln!(f, "  library found: `{}`", p.display())?,
                None => writeln!(
                    f,
                    "  library {} not found in: {}",
                    h.library_files
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    join_paths(&h.lib_dirs)
                )?,
            }
        }
        if !self.distro_packages.is_empty() {
            writeln!(f, "HINT: install (or upgrade) the development package:")?;
            for (d, p) in &self.distro_packages {
                writeln!(f, "  {d}: {}", install_command(d, p))?;
            }
        }
        write!(
            f,
            "or build the pinned source instead: set `{}=vendored` or build with `--features vendored`",
            self.switch_var
        )
    }
}

fn join_paths(p: &[PathBuf]) -> String {
    if p.is_empty() {
        return "(no directories)".into();
    }
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything the system probe needs to know about the build.
pub(crate) struct Ctx<'a> {
    pub env: &'a Env,
    pub emit: &'a Emit,
    pub target: Option<String>,
    pub host: Option<String>,
}

impl Ctx<'_> {
    fn cross(&self) -> bool {
        matches!((&self.target, &self.host), (Some(t), Some(h)) if t != h)
    }

    fn tool_var(&self, var: EnvVar) -> Option<String> {
        self.env
            .first(
                &var.tool_candidates(self.target.as_deref(), self.cross()),
                self.emit,
            )
            .map(|(_, v)| v)
    }
}

fn base_not_found(lib: &Library, ctx: &Ctx<'_>) -> NotFound {
    NotFound {
        library: lib.name.clone(),
        pkg_config_name: lib.pc_name(),
        crate_name: ctx.env.var(&EnvVar::PkgName, ctx.emit),
        min_version: lib.min_version.clone(),
        found_version: None,
        found_pc: None,
        static_archive_missing: None,
        pkg_config: None,
        notes: Vec::new(),
        header_probe: None,
        distro_packages: lib.distro_packages.clone(),
        switch_var: EnvVar::Link(lib.name.clone()).to_string(),
    }
}

/// Finds the system library. Does not emit link lines (the caller does, so `explain` can reuse
/// this); it does declare the variables it reads.
pub(crate) fn probe(lib: &Library, ctx: &Ctx<'_>, link: LinkKind) -> Result<SystemFound, Error> {
    let lib_dir = ctx.env.var(&EnvVar::LibDir(lib.name.clone()), ctx.emit);
    let include_dir = ctx.env.var(&EnvVar::IncludeDir(lib.name.clone()), ctx.emit);
    if lib_dir.is_some() || include_dir.is_some() {
        return explicit_dirs(
            lib,
            ctx,
            link,
            lib_dir.map(PathBuf::from),
            include_dir.map(PathBuf::from),
        );
    }
    let mut nf = base_not_found(lib, ctx);

    let target_os = ctx.env.var(&EnvVar::TargetOs, ctx.emit);
    if target_os.as_deref() == Some("windows") {
        match vcpkg_probe(lib, link) {
            Ok(found) => return Ok(found),
            Err(e) => nf.notes.push(format!("vcpkg: {e}")),
        }
    }

    match pkg_config(lib, ctx, link, &mut nf)? {
        PkgOutcome::Found(found) => return Ok(*found),
        PkgOutcome::TooOld => return Err(Error::NotFound(Box::new(nf))),
        PkgOutcome::Missing => {}
    }

    match header_probe(lib, ctx, link, &mut nf) {
        Some(found) => Ok(found),
        None => Err(Error::NotFound(Box::new(nf))),
    }
}

fn lib_files(link_name: &str, link: LinkKind, target_os: Option<&str>) -> Vec<String> {
    let shared = match target_os {
        Some("macos") | Some("ios") => format!("lib{link_name}.dylib"),
        Some("windows") => format!("{link_name}.lib"),
        _ => format!("lib{link_name}.so"),
    };
    let stat = match target_os {
        Some("windows") => format!("{link_name}.lib"),
        _ => format!("lib{link_name}.a"),
    };
    match link {
        LinkKind::Static => vec![stat],
        LinkKind::Dylib => {
            let mut v = vec![shared];
            if !v.contains(&stat) {
                v.push(stat);
            }
            v
        }
    }
}

fn explicit_dirs(
    lib: &Library,
    ctx: &Ctx<'_>,
    link: LinkKind,
    lib_dir: Option<PathBuf>,
    include_dir: Option<PathBuf>,
) -> Result<SystemFound, Error> {
    let name = lib.lib_name();
    let target_os = ctx.env.var(&EnvVar::TargetOs, ctx.emit);
    let mut problems = Vec::new();
    if let Some(dir) = &lib_dir {
        let files = lib_files(&name, link, target_os.as_deref());
        if !files.iter().any(|f| dir.join(f).is_file()) {
            problems.push(format!(
                "`{}` holds none of {}",
                EnvVar::LibDir(lib.name.clone()),
                files
                    .iter()
                    .map(|f| format!("`{}`", dir.join(f).display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let (Some(dir), Some(h)) = (&include_dir, &lib.header) {
        if !dir.join(h).is_file() {
            problems.push(format!(
                "`{}` has no `{}`",
                EnvVar::IncludeDir(lib.name.clone()),
                dir.join(h).display()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Config {
            library: lib.name.clone(),
            problem: format!(
                "explicit directories do not hold the library: {}; fix the variables or unset them",
                problems.join("; ")
            ),
        });
    }
    let mut search = Vec::new();
    if let Some(d) = &lib_dir {
        search.push(d.clone());
    }
    Ok(SystemFound {
        version: None,
        evidence: Evidence::ExplicitDirs {
            lib_dir: lib_dir.clone(),
            include_dir: include_dir.clone(),
        },
        include_dirs: include_dir.iter().cloned().collect(),
        root: lib_dir
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf),
        link,
        search,
        libs: vec![(link, name)],
        extra_lines: Vec::new(),
    })
}

fn vcpkg_probe(lib: &Library, link: LinkKind) -> Result<SystemFound, String> {
    let name = lib.vcpkg_name.clone().unwrap_or_else(|| lib.name.clone());
    let found = vcpkg::Config::new()
        .cargo_metadata(false)
        .emit_includes(false)
        .find_package(&name)
        .map_err(|e| e.to_string())?;
    Ok(SystemFound {
        version: None,
        evidence: Evidence::Vcpkg {
            package: name,
            lib_dir: found.link_paths.first().cloned(),
        },
        include_dirs: found.include_paths.clone(),
        root: found
            .link_paths
            .first()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf),
        link: if found.is_static {
            LinkKind::Static
        } else {
            link
        },
        search: Vec::new(),
        libs: Vec::new(),
        extra_lines: found.cargo_metadata.clone(),
    })
}

enum PkgOutcome {
    Found(Box<SystemFound>),
    TooOld,
    Missing,
}

struct PkgConfig {
    program: String,
    /// (name, value) passed to the child.
    vars: Vec<(String, Option<String>)>,
}

impl PkgConfig {
    fn command(&self, args: &[String]) -> (Command, String) {
        let mut cmd = Command::new(&self.program);
        let mut shown = Vec::new();
        for (name, value) in &self.vars {
            match value {
                Some(v) => {
                    cmd.env(name, v);
                    shown.push(format!("{name}={}", shell::quote(v)));
                }
                None => {
                    cmd.env_remove(name);
                }
            }
        }
        cmd.args(args);
        shown.push(shell::quote(&self.program));
        shown.extend(args.iter().map(|a| shell::quote(a)));
        cmd.stdin(Stdio::null());
        (cmd, shown.join(" "))
    }

    /// Runs pkg-config; `Err` when it could not be started.
    fn run(&self, args: &[String]) -> Result<(bool, String, String, String), std::io::Error> {
        let (mut cmd, shown) = self.command(args);
        let out = cmd.output()?;
        Ok((
            out.status.success(),
            out.status.to_string(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            shown,
        ))
    }

    fn stdout(&self, args: &[String]) -> Option<String> {
        let (mut cmd, _) = self.command(args);
        let out = cmd.output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn search_path(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (name, value) in &self.vars {
            if name == "PKG_CONFIG_PATH" || name == "PKG_CONFIG_LIBDIR" {
                v.push(format!("{name}={}", value.as_deref().unwrap_or("(unset)")));
            }
        }
        let libdir_set = self
            .vars
            .iter()
            .any(|(n, v)| n == "PKG_CONFIG_LIBDIR" && v.is_some());
        if !libdir_set {
            if let Some(d) =
                self.stdout(&["--variable".into(), "pc_path".into(), "pkg-config".into()])
            {
                v.push(format!("pkg-config's default: {d}"));
            }
        }
        v
    }
}

fn pkg_config(
    lib: &Library,
    ctx: &Ctx<'_>,
    link: LinkKind,
    nf: &mut NotFound,
) -> Result<PkgOutcome, Error> {
    let program = ctx.tool_var(EnvVar::PkgConfig);
    if ctx.cross() {
        let allow = ctx.tool_var(EnvVar::PkgConfigAllowCross);
        let sysroot = ctx.tool_var(EnvVar::PkgConfigSysrootDir);
        let ok = match allow.as_deref() {
            Some("0") => false,
            Some(_) => true,
            None => program.is_some() || sysroot.is_some(),
        };
        if !ok {
            nf.notes.push(format!(
                "pkg-config was not used: cross build ({} -> {}) and neither `PKG_CONFIG_SYSROOT_DIR`, \
                 `PKG_CONFIG_ALLOW_CROSS=1` nor `PKG_CONFIG` is set (the rules of pkg-config-rs)",
                ctx.host.as_deref().unwrap_or("?"),
                ctx.target.as_deref().unwrap_or("?")
            ));
            return Ok(PkgOutcome::Missing);
        }
    }
    let pc = PkgConfig {
        program: program.unwrap_or_else(|| "pkg-config".into()),
        vars: [
            ("PKG_CONFIG_PATH", EnvVar::PkgConfigPath),
            ("PKG_CONFIG_LIBDIR", EnvVar::PkgConfigLibdir),
            ("PKG_CONFIG_SYSROOT_DIR", EnvVar::PkgConfigSysrootDir),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), ctx.tool_var(v)))
        .collect(),
    };
    let name = lib.pc_name();

    let args = vec!["--modversion".to_string(), name.clone()];
    let (ok, status, output, shown) = match pc.run(&args) {
        Ok(r) => r,
        Err(e) => {
            nf.notes.push(format!(
                "`{}` could not be started ({e}): install pkg-config (`apt-get install pkg-config`, \
                 `dnf install pkgconf-pkg-config`, `pacman -S pkgconf`) or set `PKG_CONFIG`",
                pc.program
            ));
            return Ok(PkgOutcome::Missing);
        }
    };
    if !ok {
        nf.pkg_config = Some(PkgConfigAttempt {
            command: shown,
            status: format!("failed ({status})"),
            output,
            search_path: pc.search_path(),
        });
        return Ok(PkgOutcome::Missing);
    }
    let version = output.trim().to_string();
    let pc_dir = pc.stdout(&["--variable=pcfiledir".into(), name.clone()]);
    let pc_file = pc_dir.map(|d| Path::new(&d).join(format!("{name}.pc")));

    if let Some(min) = &lib.min_version {
        let args = vec![format!("--atleast-version={min}"), name.clone()];
        let (ok, status, output, shown) = pc.run(&args).map_err(|e| Error::Command {
            command: pc.program.clone(),
            status: format!("could not start: {e}"),
            output: String::new(),
            hint: String::new(),
        })?;
        if !ok {
            nf.found_version = Some(version);
            nf.found_pc = pc_file;
            nf.pkg_config = Some(PkgConfigAttempt {
                command: shown,
                status: format!("failed ({status})"),
                output,
                search_path: pc.search_path(),
            });
            return Ok(PkgOutcome::TooOld);
        }
    }

    let mut args = vec!["--libs".to_string(), "--cflags".to_string()];
    if link == LinkKind::Static {
        args.insert(0, "--static".into());
    }
    args.push(name.clone());
    let (ok, status, output, shown) = pc.run(&args).map_err(|e| Error::Command {
        command: pc.program.clone(),
        status: format!("could not start: {e}"),
        output: String::new(),
        hint: String::new(),
    })?;
    if !ok {
        return Err(Error::Command {
            command: shown,
            status,
            output,
            hint: format!(
                "the `.pc` file of `{name}` is broken; reinstall its development package"
            ),
        });
    }
    let mut search = Vec::new();
    let mut include_dirs = Vec::new();
    let mut names = Vec::new();
    for word in output.split_whitespace() {
        if let Some(d) = word.strip_prefix("-L") {
            push_unique(&mut search, PathBuf::from(d));
        } else if let Some(l) = word.strip_prefix("-l") {
            if !names.contains(&l.to_string()) {
                names.push(l.to_string());
            }
        } else if let Some(d) = word.strip_prefix("-I") {
            push_unique(&mut include_dirs, PathBuf::from(d));
        } else if word == "-pthread" && !names.iter().any(|n| n == "pthread") {
            names.push("pthread".into());
        }
    }
    let sysroot = pc
        .vars
        .iter()
        .find(|(n, _)| n == "PKG_CONFIG_SYSROOT_DIR")
        .and_then(|(_, v)| v.clone());
    if include_dirs.is_empty() {
        if let Some(d) = pc.stdout(&["--variable=includedir".into(), name.clone()]) {
            if !d.is_empty() {
                include_dirs.push(with_sysroot(sysroot.as_deref(), &d));
            }
        }
    }
    let root = pc
        .stdout(&["--variable=prefix".into(), name.clone()])
        .filter(|p| !p.is_empty())
        .map(|p| with_sysroot(sysroot.as_deref(), &p));
    let main = lib.lib_name();
    let mut libs = Vec::new();
    for n in names {
        if link == LinkKind::Static && n == main {
            let libdir = pc
                .stdout(&["--variable=libdir".into(), name.clone()])
                .filter(|d| !d.is_empty())
                .map(|d| with_sysroot(sysroot.as_deref(), &d));
            let target_os = ctx.env.var(&EnvVar::TargetOs, ctx.emit);
            let file = lib_files(&n, LinkKind::Static, target_os.as_deref()).remove(0);
            match find_static_archive(ctx, &file, &search, libdir) {
                Ok(d) => push_unique(&mut search, d),
                Err(searched) => {
                    nf.static_archive_missing = Some(format!(
                        "`{file}` is in none of the directories searched:\n{searched}\n\
                         install the development package that ships it (below; some distributions \
                         ship static archives in a separate `-static` package), \
                         or unset `{}` and the `static` feature, or use vendored",
                        EnvVar::Static(lib.name.clone())
                    ));
                    nf.pkg_config = Some(PkgConfigAttempt {
                        command: shown,
                        status: "succeeded".into(),
                        output,
                        search_path: Vec::new(),
                    });
                    nf.found_pc = pc_file;
                    return Ok(PkgOutcome::TooOld);
                }
            }
            libs.push((LinkKind::Static, n));
        } else {
            libs.push((LinkKind::Dylib, n));
        }
    }
    let pc_file = pc_file.unwrap_or_else(|| PathBuf::from(format!("{name}.pc")));
    Ok(PkgOutcome::Found(Box::new(SystemFound {
        version: Some(version),
        evidence: Evidence::PkgConfig {
            package: name,
            pc_file,
        },
        include_dirs,
        root,
        link,
        search,
        libs,
        extra_lines: Vec::new(),
    })))
}

fn with_sysroot(sysroot: Option<&str>, path: &str) -> PathBuf {
    match sysroot {
        Some(s) if !path.starts_with(s) => Path::new(s).join(path.trim_start_matches('/')),
        _ => PathBuf::from(path),
    }
}

/// The directory holding the static archive `file`: first the `-L` directories pkg-config printed
/// and the `.pc` file's `libdir`, then the directories the linker searches by default (the
/// compiler's library path, multiarch directories included: Debian 12's `libzstd.pc` says
/// `libdir=/usr/lib` while `libzstd.a` is in `/usr/lib/x86_64-linux-gnu`). `Err` lists every
/// directory searched, one per line, with where it came from.
fn find_static_archive(
    ctx: &Ctx<'_>,
    file: &str,
    pc_search: &[PathBuf],
    pc_libdir: Option<PathBuf>,
) -> Result<PathBuf, String> {
    fn add(searched: &mut Vec<(PathBuf, String)>, dirs: Vec<PathBuf>, origin: &str) {
        for d in dirs {
            // `/usr/lib/x/../lib` from a `.pc` file and `/usr/lib` from the compiler are one.
            let real = std::fs::canonicalize(&d).unwrap_or_else(|_| d.clone());
            let seen = |s: &PathBuf| std::fs::canonicalize(s).unwrap_or_else(|_| s.clone()) == real;
            if !searched.iter().any(|(s, _)| seen(s)) {
                searched.push((d, origin.to_string()));
            }
        }
    }
    let mut searched = Vec::new();
    add(&mut searched, pc_search.to_vec(), "pkg-config `-L`");
    add(
        &mut searched,
        pc_libdir.into_iter().collect(),
        "the `.pc` file's libdir",
    );
    if let Some((d, _)) = searched.iter().find(|(d, _)| d.join(file).is_file()) {
        return Ok(d.clone());
    }
    let (defaults, origin) = default_lib_dirs(ctx);
    add(&mut searched, defaults, &origin);
    if let Some((d, _)) = searched.iter().find(|(d, _)| d.join(file).is_file()) {
        return Ok(d.clone());
    }
    Err(searched
        .iter()
        .map(|(d, origin)| format!("  {} ({origin})", d.display()))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn push_unique(v: &mut Vec<PathBuf>, p: PathBuf) {
    if !v.contains(&p) {
        v.push(p);
    }
}

/// The target compiler's search directories.
pub(crate) struct CompilerDirs {
    pub compiler: String,
    pub include: Vec<PathBuf>,
    pub lib: Vec<PathBuf>,
    pub problem: Option<String>,
}

fn normalize(p: &str) -> PathBuf {
    let p = p.trim().trim_end_matches(" (framework directory)");
    std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p))
}

/// The target's C compiler as `CC` (or cc-rs) names it, possibly with arguments.
fn compiler(ctx: &Ctx<'_>) -> String {
    ctx.tool_var(EnvVar::Cc)
        .unwrap_or_else(|| match (&ctx.target, &ctx.host) {
            (Some(t), Some(h)) => cc::Build::new()
                .cargo_metadata(false)
                .cargo_warnings(false)
                .emit_rerun_if_env_changed(false)
                .target(t)
                .host(h)
                .opt_level(0)
                .debug(false)
                .try_get_compiler()
                .map(|c| c.path().display().to_string())
                .unwrap_or_else(|_| "cc".into()),
            _ => "cc".into(),
        })
}

/// Runs the compiler `cc` (which may carry arguments: `ccache gcc`, `gcc -m32`) with `args`.
fn run_compiler(cc: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    let mut words = cc.split_whitespace();
    let program = words.next().unwrap_or("cc");
    Command::new(program)
        .args(words)
        .args(args)
        .stdin(Stdio::null())
        .output()
}

/// The library directories of `cc -print-search-dirs` that exist, or why there are none.
fn print_search_dirs(cc: &str) -> Result<Vec<PathBuf>, String> {
    let o = run_compiler(cc, &["-print-search-dirs"])
        .map_err(|e| format!("`{cc}` could not be started: {e}"))?;
    if !o.status.success() {
        return Err(format!("`{cc} -print-search-dirs` failed ({})", o.status));
    }
    let mut dirs = Vec::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        if let Some(rest) = l.strip_prefix("libraries: =") {
            for d in rest.split(':').filter(|d| !d.is_empty()) {
                let n = normalize(d);
                if n.is_dir() {
                    push_unique(&mut dirs, n);
                }
            }
        }
    }
    if dirs.is_empty() {
        return Err(format!(
            "`{cc} -print-search-dirs` listed no library directory"
        ));
    }
    Ok(dirs)
}

pub(crate) fn compiler_dirs(ctx: &Ctx<'_>) -> CompilerDirs {
    let cc = compiler(ctx);
    let mut dirs = CompilerDirs {
        compiler: format!("`{cc}`"),
        include: Vec::new(),
        lib: Vec::new(),
        problem: None,
    };
    match run_compiler(&cc, &["-E", "-v", "-x", "c", "-"]) {
        Ok(o) if o.status.success() => {
            let err = String::from_utf8_lossy(&o.stderr);
            let mut inside = false;
            for l in err.lines() {
                if l.starts_with("#include <...> search starts here") {
                    inside = true;
                } else if l.starts_with("End of search list") {
                    inside = false;
                } else if inside && l.starts_with(' ') {
                    push_unique(&mut dirs.include, normalize(l));
                }
            }
        }
        Ok(o) => dirs.problem = Some(format!("`{cc} -E -v -x c -` failed ({})", o.status)),
        Err(e) => dirs.problem = Some(format!("`{cc}` could not be started: {e}")),
    }
    if let Ok(lib) = print_search_dirs(&cc) {
        dirs.lib = lib;
    }
    dirs
}

/// The standard include directories of a Unix-like target (under the pkg-config sysroot, if
/// set), for when the compiler cannot be asked.
fn standard_include_dirs(ctx: &Ctx<'_>) -> Vec<PathBuf> {
    let sysroot = ctx.tool_var(EnvVar::PkgConfigSysrootDir);
    let ma = target_multiarch(ctx);
    [
        "/usr/local/include",
        &format!("/usr/include/{ma}"),
        "/usr/include",
    ]
    .iter()
    .map(|p| with_sysroot(sysroot.as_deref(), p))
    .collect()
}

/// The standard library directories of a Unix-like target, the multiarch ones (Debian's
/// `/usr/lib/x86_64-linux-gnu`) included, under the pkg-config sysroot if set; for when the
/// compiler cannot be asked.
fn standard_lib_dirs(ctx: &Ctx<'_>) -> Vec<PathBuf> {
    let sysroot = ctx.tool_var(EnvVar::PkgConfigSysrootDir);
    let ma = target_multiarch(ctx);
    [
        format!("/usr/local/lib/{ma}"),
        "/usr/local/lib".into(),
        format!("/lib/{ma}"),
        format!("/usr/lib/{ma}"),
        "/lib64".into(),
        "/usr/lib64".into(),
        "/lib".into(),
        "/usr/lib".into(),
    ]
    .iter()
    .map(|p| with_sysroot(sysroot.as_deref(), p))
    .collect()
}

fn target_multiarch(ctx: &Ctx<'_>) -> String {
    ctx.target
        .as_deref()
        .map(multiarch)
        .unwrap_or_else(|| "x86_64-linux-gnu".into())
}

/// Where the linker looks for libraries by default: the target compiler's library path
/// (`cc -print-search-dirs`, multiarch directories included), or the standard directories when
/// the compiler cannot be asked; with a description of where the list came from.
fn default_lib_dirs(ctx: &Ctx<'_>) -> (Vec<PathBuf>, String) {
    let cc = compiler(ctx);
    match print_search_dirs(&cc) {
        Ok(dirs) => (dirs, format!("the library path of the compiler `{cc}`")),
        Err(problem) => (
            standard_lib_dirs(ctx),
            format!("the standard directories ({problem})"),
        ),
    }
}

/// `x86_64-unknown-linux-gnu` → `x86_64-linux-gnu` (Debian's multiarch tuple).
pub(crate) fn multiarch(target: &str) -> String {
    let parts: Vec<&str> = target.split('-').collect();
    let arch = match parts.first().copied().unwrap_or("") {
        "i586" | "i686" => "i386",
        a if a.starts_with("armv7") || a.starts_with("arm") => "arm",
        a => a,
    };
    let rest: Vec<&str> = parts
        .iter()
        .skip(1)
        .copied()
        .filter(|p| *p != "unknown" && *p != "pc")
        .collect();
    format!("{arch}-{}", rest.join("-"))
}

fn header_probe(
    lib: &Library,
    ctx: &Ctx<'_>,
    link: LinkKind,
    nf: &mut NotFound,
) -> Option<SystemFound> {
    let header = lib.header.clone()?;
    let dirs = compiler_dirs(ctx);
    let mut include = dirs.include.clone();
    let mut libdirs = dirs.lib.clone();
    let mut compiler = dirs.compiler.clone();
    if let Some(p) = &dirs.problem {
        compiler = format!("{compiler} ({p}; searched the standard directories instead)");
        if include.is_empty() {
            include = standard_include_dirs(ctx);
        }
        if libdirs.is_empty() {
            libdirs = standard_lib_dirs(ctx);
        }
    }
    let target_os = ctx.env.var(&EnvVar::TargetOs, ctx.emit);
    let name = lib.lib_name();
    let files = lib_files(&name, link, target_os.as_deref());
    let header_found = include
        .iter()
        .map(|d| d.join(&header))
        .find(|p| p.is_file());
    let library_found = libdirs
        .iter()
        .flat_map(|d| files.iter().map(move |f| d.join(f)))
        .find(|p| p.is_file());
    nf.header_probe = Some(HeaderProbeAttempt {
        compiler,
        header: header.clone(),
        header_found: header_found.clone(),
        include_dirs: include,
        library_files: files,
        library_found: library_found.clone(),
        lib_dirs: libdirs,
    });
    let (h, l) = (header_found?, library_found?);
    let lib_dir = l.parent().map(Path::to_path_buf).unwrap_or_default();
    let kind = if l.extension().is_some_and(|e| e == "a") {
        LinkKind::Static
    } else {
        LinkKind::Dylib
    };
    // Static archives are bundled by rustc, which needs the directory; a shared library in the
    // compiler's own search path needs no `-L`.
    let search = if kind == LinkKind::Static || !dirs.lib.contains(&lib_dir) {
        vec![lib_dir.clone()]
    } else {
        Vec::new()
    };
    let inc = h.parent().map(Path::to_path_buf).unwrap_or_default();
    let inc = match Path::new(&header).parent() {
        // `header("foo/bar.h")`: the include dir is above `foo/`.
        Some(sub) if !sub.as_os_str().is_empty() => {
            let mut d = inc.clone();
            for _ in sub.components() {
                d.pop();
            }
            d
        }
        _ => inc,
    };
    Some(SystemFound {
        version: None,
        evidence: Evidence::HeaderProbe {
            header: h,
            library: l,
        },
        include_dirs: vec![inc.clone()],
        root: inc.parent().map(Path::to_path_buf),
        link: kind,
        search,
        libs: vec![(kind, name)],
        extra_lines: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiarch_tuples() {
        assert_eq!(multiarch("x86_64-unknown-linux-gnu"), "x86_64-linux-gnu");
        assert_eq!(multiarch("aarch64-unknown-linux-gnu"), "aarch64-linux-gnu");
        assert_eq!(multiarch("i686-unknown-linux-gnu"), "i386-linux-gnu");
        assert_eq!(
            multiarch("armv7-unknown-linux-gnueabihf"),
            "arm-linux-gnueabihf"
        );
    }
}
