//! Reading the environment ([`Env`], [`EnvVar`]) and talking to cargo ([`Emit`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// An environment variable that `syspack-build` reads.
///
/// Its `Display` is the only place where the names are built: `SYSPACK_LINK`,
/// `SYSPACK_<LIB>_LINK`, `SYSPACK_<LIB>_LIB_DIR`, `…_INCLUDE_DIR`, `…_STATIC`,
/// `SYSPACK_SOURCE_DIR` and the `_<target>` variants. `<LIB>` is the library's short name in
/// shouty snake case (`zstd` → `ZSTD`, `my-lib` → `MY_LIB`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EnvVar {
    /// `SYSPACK_LINK`: the mode of every library (`system`, `vendored`, `auto`).
    GlobalLink,
    /// `SYSPACK_<LIB>_LINK`: the mode of one library; wins over `SYSPACK_LINK`.
    Link(String),
    /// `SYSPACK_<LIB>_LIB_DIR`: use the library in this directory (system mode, no pkg-config).
    LibDir(String),
    /// `SYSPACK_<LIB>_INCLUDE_DIR`: its headers (system mode, no pkg-config).
    IncludeDir(String),
    /// `SYSPACK_<LIB>_STATIC`: `1` links the system library statically, `0` dynamically.
    Static(String),
    /// `SYSPACK_SOURCE_DIR`: root of the source cache.
    SourceDir,
    /// `SYSPACK_MIRROR`: base URL the CLI's `vendor fetch` tries first (never read by build scripts).
    Mirror,
    /// `CARGO_HOME`: the default source cache is `$CARGO_HOME/syspack/sources`.
    CargoHome,
    /// `HOME`: `CARGO_HOME` defaults to `$HOME/.cargo`.
    Home,
    /// `PKG_CONFIG`: the pkg-config program.
    PkgConfig,
    /// `PKG_CONFIG_PATH`: extra `.pc` directories.
    PkgConfigPath,
    /// `PKG_CONFIG_LIBDIR`: replaces pkg-config's default `.pc` directories.
    PkgConfigLibdir,
    /// `PKG_CONFIG_SYSROOT_DIR`: sysroot that pkg-config prefixes to paths (cross builds).
    PkgConfigSysrootDir,
    /// `PKG_CONFIG_ALLOW_CROSS`: use pkg-config although target ≠ host.
    PkgConfigAllowCross,
    /// `CC`: the C compiler (for the header/library fallback probe).
    Cc,
    /// `CMAKE_TOOLCHAIN_FILE`: the CMake toolchain file the cmake crate passes (a FreeBSD one is
    /// wrapped, see [`crate::cmake`]).
    CmakeToolchainFile,
    /// `CARGO_FEATURE_<NAME>`: a feature of the sys crate being built (set by cargo).
    CargoFeature(String),
    /// `TARGET` (set by cargo).
    Target,
    /// `HOST` (set by cargo).
    Host,
    /// `OUT_DIR` (set by cargo).
    OutDir,
    /// `CARGO_MANIFEST_DIR` (set by cargo).
    ManifestDir,
    /// `CARGO_CFG_TARGET_OS` (set by cargo).
    TargetOs,
    /// `CARGO_PKG_NAME`: the crate whose build script runs (set by cargo).
    PkgName,
    /// `DEP_<LINKS>_<KEY>`: metadata of a dependency's build script (set by cargo), such as
    /// `DEP_ZLIB_INCLUDE`.
    Dep(String, String),
    /// `<VAR>_<suffix>`: a target-specific variant of another variable.
    WithSuffix(Box<EnvVar>, String),
    /// `<prefix>_<VAR>`: `HOST_` or `TARGET_` variant of a tool variable (pkg-config-rs, cc-rs).
    WithPrefix(String, Box<EnvVar>),
}

/// `zstd` → `ZSTD`, `lib-foo.bar` → `LIB_FOO_BAR`.
pub(crate) fn shouty(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

impl fmt::Display for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvVar::GlobalLink => f.write_str("SYSPACK_LINK"),
            EnvVar::Link(lib) => write!(f, "SYSPACK_{}_LINK", shouty(lib)),
            EnvVar::LibDir(lib) => write!(f, "SYSPACK_{}_LIB_DIR", shouty(lib)),
            EnvVar::IncludeDir(lib) => write!(f, "SYSPACK_{}_INCLUDE_DIR", shouty(lib)),
            EnvVar::Static(lib) => write!(f, "SYSPACK_{}_STATIC", shouty(lib)),
            EnvVar::SourceDir => f.write_str("SYSPACK_SOURCE_DIR"),
            EnvVar::Mirror => f.write_str("SYSPACK_MIRROR"),
            EnvVar::CargoHome => f.write_str("CARGO_HOME"),
            EnvVar::Home => f.write_str("HOME"),
            EnvVar::PkgConfig => f.write_str("PKG_CONFIG"),
            EnvVar::PkgConfigPath => f.write_str("PKG_CONFIG_PATH"),
            EnvVar::PkgConfigLibdir => f.write_str("PKG_CONFIG_LIBDIR"),
            EnvVar::PkgConfigSysrootDir => f.write_str("PKG_CONFIG_SYSROOT_DIR"),
            EnvVar::PkgConfigAllowCross => f.write_str("PKG_CONFIG_ALLOW_CROSS"),
            EnvVar::Cc => f.write_str("CC"),
            EnvVar::CmakeToolchainFile => f.write_str("CMAKE_TOOLCHAIN_FILE"),
            EnvVar::CargoFeature(name) => write!(f, "CARGO_FEATURE_{}", shouty(name)),
            EnvVar::Target => f.write_str("TARGET"),
            EnvVar::Host => f.write_str("HOST"),
            EnvVar::OutDir => f.write_str("OUT_DIR"),
            EnvVar::ManifestDir => f.write_str("CARGO_MANIFEST_DIR"),
            EnvVar::TargetOs => f.write_str("CARGO_CFG_TARGET_OS"),
            EnvVar::PkgName => f.write_str("CARGO_PKG_NAME"),
            EnvVar::Dep(links, key) => write!(f, "DEP_{}_{}", shouty(links), shouty(key)),
            EnvVar::WithSuffix(var, suffix) => write!(f, "{var}_{suffix}"),
            EnvVar::WithPrefix(prefix, var) => write!(f, "{prefix}_{var}"),
        }
    }
}

impl EnvVar {
    /// Variables that cargo itself sets for a build script. Cargo reruns the script when they
    /// change, so reading them emits no `rerun-if-env-changed` line (as cc-rs does).
    pub fn is_set_by_cargo(&self) -> bool {
        matches!(
            self,
            EnvVar::CargoFeature(_)
                | EnvVar::Target
                | EnvVar::Host
                | EnvVar::OutDir
                | EnvVar::ManifestDir
                | EnvVar::TargetOs
                | EnvVar::PkgName
                | EnvVar::Dep(..)
        )
    }

    /// The names looked up for a `SYSPACK_*` variable, first hit wins:
    /// `VAR_<target>`, `VAR_<target_with_underscores>`, `VAR`.
    pub fn syspack_candidates(&self, target: Option<&str>) -> Vec<EnvVar> {
        let mut out = Vec::new();
        if let Some(t) = target {
            out.push(EnvVar::WithSuffix(Box::new(self.clone()), t.to_string()));
            let us = t.replace('-', "_");
            if us != t {
                out.push(EnvVar::WithSuffix(Box::new(self.clone()), us));
            }
        }
        out.push(self.clone());
        out
    }

    /// The names looked up for a tool variable (`PKG_CONFIG_PATH`, `CC`), as pkg-config-rs and
    /// cc-rs do: `VAR_<target>`, `VAR_<target_with_underscores>`, `HOST_VAR` (native build) or
    /// `TARGET_VAR` (cross build), `VAR`.
    pub fn tool_candidates(&self, target: Option<&str>, cross: bool) -> Vec<EnvVar> {
        let mut out = self.syspack_candidates(target);
        let plain = out.pop().expect("candidates end with the plain name");
        if target.is_some() {
            let kind = if cross { "TARGET" } else { "HOST" };
            out.push(EnvVar::WithPrefix(
                kind.to_string(),
                Box::new(plain.clone()),
            ));
        }
        out.push(plain);
        out
    }
}

/// Where environment variables come from.
#[derive(Clone, Debug)]
pub enum Env {
    /// The process environment (a real build script).
    Process,
    /// A fixed map (tests). Child processes (pkg-config, the C compiler) get the variables of
    /// this map that syspack passes them, and nothing else of the process's `PKG_CONFIG_*`.
    Mock(BTreeMap<String, String>),
    /// The process environment with some variables replaced: `syspack doctor` uses it to say
    /// what a build with `TARGET=…` or `CARGO_FEATURE_VENDORED=1` would do. An empty value in
    /// the map hides the process's variable.
    Overlay(BTreeMap<String, String>),
}

impl Env {
    /// The process environment with `(name, value)` pairs on top (see [`Env::Overlay`]).
    pub fn overlay<I, K, V>(vars: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env::Overlay(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A mock environment from `(name, value)` pairs.
    pub fn mock<I, K, V>(vars: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env::Mock(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The raw value of a variable, without telling cargo. Empty values count as unset.
    fn raw(&self, name: &str) -> Option<String> {
        let v = match self {
            // The one place that reads the process environment; every caller goes through
            // `Env::var`, which declares the read to cargo.
            #[allow(clippy::disallowed_methods)]
            Env::Process => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
            Env::Mock(map) => map.get(name).cloned(),
            Env::Overlay(map) => match map.get(name) {
                Some(v) => Some(v.clone()),
                None => Env::Process.raw(name),
            },
        };
        v.filter(|v| !v.is_empty())
    }

    /// Reads `var`, declaring it to cargo with `cargo:rerun-if-env-changed` (unless cargo sets
    /// it itself, see [`EnvVar::is_set_by_cargo`]).
    pub fn var(&self, var: &EnvVar, emit: &Emit) -> Option<String> {
        let name = var.to_string();
        if !var.is_set_by_cargo() {
            emit.rerun_if_env_changed(&name);
        }
        self.raw(&name)
    }

    /// Reads the first set variable among `candidates`, declaring each name read.
    pub fn first(&self, candidates: &[EnvVar], emit: &Emit) -> Option<(EnvVar, String)> {
        candidates
            .iter()
            .find_map(|c| self.var(c, emit).map(|v| (c.clone(), v)))
    }

    /// Whether cargo feature `name` of the crate being built is on (`CARGO_FEATURE_<NAME>`).
    pub fn feature(&self, name: &str) -> bool {
        self.raw(&EnvVar::CargoFeature(name.to_string()).to_string())
            .is_some()
    }
}

/// Where the `cargo:` lines go.
#[derive(Debug)]
enum Sink {
    Stdout,
    Capture,
    Discard,
}

/// The one way `syspack-build` talks to cargo: every `cargo:` line goes through an `Emit`.
///
/// A build script uses [`Emit::stdout`]; tests use [`Emit::capture`] and compare
/// [`Emit::output`] with the expected lines; `explain` uses [`Emit::discard`].
/// `rerun-if-env-changed` lines are written once per variable.
#[derive(Debug)]
pub struct Emit {
    sink: Sink,
    lines: RefCell<Vec<String>>,
    declared: RefCell<BTreeSet<String>>,
}

impl Emit {
    fn with(sink: Sink) -> Emit {
        Emit {
            sink,
            lines: RefCell::new(Vec::new()),
            declared: RefCell::new(BTreeSet::new()),
        }
    }

    /// Prints each line to stdout, for cargo.
    pub fn stdout() -> Emit {
        Emit::with(Sink::Stdout)
    }

    /// Keeps the lines; read them with [`Emit::lines`] or [`Emit::output`].
    pub fn capture() -> Emit {
        Emit::with(Sink::Capture)
    }

    /// Drops every line (dry runs).
    pub fn discard() -> Emit {
        Emit::with(Sink::Discard)
    }

    /// The lines captured so far (empty unless made with [`Emit::capture`]).
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }

    /// The captured lines joined with `\n`, with a final newline.
    pub fn output(&self) -> String {
        self.lines
            .borrow()
            .iter()
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Writes a raw `cargo:` line (without the `cargo:` prefix).
    pub fn line(&self, body: &str) {
        let line = format!("cargo:{body}");
        match self.sink {
            Sink::Stdout => println!("{line}"),
            Sink::Capture => self.lines.borrow_mut().push(line),
            Sink::Discard => {}
        }
    }

    /// `cargo:rerun-if-env-changed=NAME`, once per name.
    pub fn rerun_if_env_changed(&self, name: &str) {
        if self.declared.borrow_mut().insert(format!("env:{name}")) {
            self.line(&format!("rerun-if-env-changed={name}"));
        }
    }

    /// `cargo:rerun-if-changed=PATH`, once per path.
    pub fn rerun_if_changed(&self, path: &Path) {
        if self
            .declared
            .borrow_mut()
            .insert(format!("path:{}", path.display()))
        {
            self.line(&format!("rerun-if-changed={}", path.display()));
        }
    }

    /// `cargo:warning=…`, one line per line of `msg`.
    pub fn warning(&self, msg: &str) {
        for l in msg.lines() {
            self.line(&format!("warning={l}"));
        }
    }

    /// `cargo:rustc-link-lib=KIND=NAME`.
    pub fn link_lib(&self, kind: &str, name: &str) {
        self.line(&format!("rustc-link-lib={kind}={name}"));
    }

    /// `cargo:rustc-link-search=native=PATH`.
    pub fn link_search(&self, path: &Path) {
        self.line(&format!("rustc-link-search=native={}", path.display()));
    }

    /// `cargo:KEY=VALUE`: metadata that dependents read as `DEP_<LINKS>_<KEY>`.
    pub fn metadata(&self, key: &str, value: &str) {
        self.line(&format!("{key}={value}"));
    }

    /// `cargo:rustc-env=NAME=VALUE`.
    pub fn rustc_env(&self, name: &str, value: &str) {
        self.line(&format!("rustc-env={name}={value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(EnvVar::Link("zstd".into()).to_string(), "SYSPACK_ZSTD_LINK");
        assert_eq!(
            EnvVar::LibDir("my-lib".into()).to_string(),
            "SYSPACK_MY_LIB_LIB_DIR"
        );
        let c: Vec<String> = EnvVar::GlobalLink
            .syspack_candidates(Some("aarch64-unknown-linux-gnu"))
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(
            c,
            [
                "SYSPACK_LINK_aarch64-unknown-linux-gnu",
                "SYSPACK_LINK_aarch64_unknown_linux_gnu",
                "SYSPACK_LINK"
            ]
        );
        let c: Vec<String> = EnvVar::PkgConfigPath
            .tool_candidates(Some("aarch64-unknown-linux-gnu"), true)
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(
            c,
            [
                "PKG_CONFIG_PATH_aarch64-unknown-linux-gnu",
                "PKG_CONFIG_PATH_aarch64_unknown_linux_gnu",
                "TARGET_PKG_CONFIG_PATH",
                "PKG_CONFIG_PATH"
            ]
        );
    }

    #[test]
    fn overlay_replaces_and_hides() {
        let e = Env::overlay([("TARGET", "aarch64-unknown-linux-gnu"), ("PATH", "")]);
        let emit = Emit::discard();
        assert_eq!(
            e.var(&EnvVar::Target, &emit).as_deref(),
            Some("aarch64-unknown-linux-gnu")
        );
        assert_eq!(e.raw("PATH"), None);
    }

    #[test]
    fn rerun_lines_once_and_not_for_cargo_vars() {
        let env = Env::mock([("SYSPACK_LINK", "system"), ("TARGET", "x")]);
        let emit = Emit::capture();
        assert_eq!(
            env.var(&EnvVar::GlobalLink, &emit).as_deref(),
            Some("system")
        );
        assert_eq!(
            env.var(&EnvVar::GlobalLink, &emit).as_deref(),
            Some("system")
        );
        assert_eq!(env.var(&EnvVar::Target, &emit).as_deref(), Some("x"));
        assert_eq!(emit.output(), "cargo:rerun-if-env-changed=SYSPACK_LINK\n");
    }
}
