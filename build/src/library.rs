//! [`Library`]: the description a sys crate's build.rs gives, and [`Library::probe`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::{Cache, Cached};
use crate::cmake::CmakeSpec;
use crate::env::{shouty, Emit, Env, EnvVar};
use crate::explain::{Explanation, Outcome};
use crate::mode::{decide, Decision, LinkKind, Mode, Provider};
use crate::pin::{Artifact, Pin};
use crate::provenance::{DecisionRecord, Evidence, Provenance};
use crate::system::{self, Ctx, SystemFound};
use crate::unpack::unpack;
use crate::Error;

type VendoredFn = dyn Fn(&VendoredSource) -> Result<VendoredBuild, Error> + Send + Sync;

/// A C library that a sys crate links: how to find it on the system and how to build it.
///
/// Setters take `&mut self` (like `cc::Build` and `pkg_config::Config`), so a build script can
/// chain them on `Library::new(..)` and finish with [`Library::probe`].
#[derive(Clone)]
pub struct Library {
    pub(crate) name: String,
    pub(crate) pkg_config_name: Option<String>,
    pub(crate) vcpkg_name: Option<String>,
    pub(crate) min_version: Option<String>,
    pub(crate) link_name: Option<String>,
    pub(crate) header: Option<String>,
    pub(crate) distro_packages: Vec<(String, String)>,
    pub(crate) pin_file: Option<PathBuf>,
    pub(crate) pin: Option<Pin>,
    pub(crate) vendored: Option<Arc<VendoredFn>>,
    /// The `library.toml` this description was read from ([`Library::from_manifest`]).
    pub(crate) manifest_file: Option<PathBuf>,
    /// `build = "cmake"`: how CMake builds the vendored source.
    pub(crate) cmake: Option<CmakeSpec>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Library")
            .field("name", &self.name)
            .field("pkg_config_name", &self.pkg_config_name)
            .field("vcpkg_name", &self.vcpkg_name)
            .field("min_version", &self.min_version)
            .field("link_name", &self.link_name)
            .field("header", &self.header)
            .field("distro_packages", &self.distro_packages)
            .field("pin_file", &self.pin_file)
            .field("manifest_file", &self.manifest_file)
            .field("vendored", &self.vendored.is_some())
            .field("cmake", &self.cmake)
            .finish()
    }
}

/// The unpacked, verified, patched source tree handed to the vendored build closure.
#[derive(Debug)]
pub struct VendoredSource {
    dir: PathBuf,
    out_dir: PathBuf,
    pin: Pin,
    artifact: Artifact,
    target: Option<String>,
    host: Option<String>,
    mock: bool,
    pub(crate) cmake: Option<CmakeSpec>,
}

impl VendoredSource {
    /// The source tree (in `OUT_DIR`, top directory stripped, patches applied).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The pinned version.
    pub fn version(&self) -> &str {
        &self.pin.version
    }

    /// The build script's `OUT_DIR`.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// The pin the source was checked against.
    pub fn pin(&self) -> &Pin {
        &self.pin
    }

    /// The artifact that was unpacked.
    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }

    /// The target triple (`TARGET`), if known.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The `.c` files directly in `dir` (not in its subdirectories), sorted by name so that the
    /// archive is reproducible. A relative `dir` is relative to the source tree ([`Self::dir`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the directory cannot be read.
    pub fn c_files(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, Error> {
        let dir = self.dir.join(dir);
        let io = |e| Error::io(&dir, "read directory", e);
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "c") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// A `cc::Build` set up for the vendored library: static archive (cc's default), warnings on,
    /// the source directory on the include path, objects compiled in parallel (the workspace
    /// enables cc's `parallel` feature). `CC`, `CFLAGS`, `AR` and the rest keep working, since cc
    /// reads them as usual.
    pub fn cc(&self) -> cc::Build {
        let mut b = cc::Build::new();
        b.warnings(true).include(&self.dir);
        if self.mock {
            // Outside a build script (tests): do not depend on cargo's variables.
            b.cargo_metadata(false)
                .emit_rerun_if_env_changed(false)
                .out_dir(&self.out_dir)
                .opt_level(2)
                .debug(false);
            if let Some(t) = &self.target {
                b.target(t);
            }
            if let Some(h) = &self.host {
                b.host(h);
            }
        }
        b
    }
}

/// What a vendored build produced: the include directories to export (`cargo:include=`), and
/// system libraries the static archive needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VendoredBuild {
    include_dirs: Vec<PathBuf>,
    system_libs: Vec<String>,
    static_libs: Vec<(PathBuf, String)>,
}

impl VendoredBuild {
    /// A build exporting one include directory.
    pub fn new(include_dir: impl Into<PathBuf>) -> VendoredBuild {
        VendoredBuild {
            include_dirs: vec![include_dir.into()],
            system_libs: Vec::new(),
            static_libs: Vec::new(),
        }
    }

    /// Exports one more include directory.
    pub fn include(mut self, dir: impl Into<PathBuf>) -> VendoredBuild {
        self.include_dirs.push(dir.into());
        self
    }

    /// Links a system library the archive needs (`pthread`, `m`): `rustc-link-lib=dylib=NAME`.
    pub fn system_lib(mut self, name: impl Into<String>) -> VendoredBuild {
        self.system_libs.push(name.into());
        self
    }

    /// Links the static archive `<dir>/lib<name>.a` that the build produced outside cc's
    /// control (a CMake build): `rustc-link-search=native=<dir>`, `rustc-link-lib=static=<name>`.
    /// The first one is exported as the library file (`DEP_<LINKS>_LIB`).
    pub fn static_lib(mut self, dir: impl Into<PathBuf>, name: impl Into<String>) -> VendoredBuild {
        self.static_libs.push((dir.into(), name.into()));
        self
    }

    /// The include directories.
    pub fn include_dirs(&self) -> &[PathBuf] {
        &self.include_dirs
    }
}

impl Library {
    /// A library with its short name (`zstd`, `zlib`, `bzip2`, `lzma`): the `<LIB>` of the
    /// environment variables (`SYSPACK_ZSTD_LINK`) and the default of every other name.
    pub fn new(name: &str) -> Library {
        Library {
            name: name.to_string(),
            pkg_config_name: None,
            vcpkg_name: None,
            min_version: None,
            link_name: None,
            header: None,
            distro_packages: Vec::new(),
            pin_file: None,
            pin: None,
            vendored: None,
            manifest_file: None,
            cmake: None,
        }
    }

    /// The pkg-config package (`libzstd`); default: the short name.
    pub fn pkg_config_name(&mut self, name: &str) -> &mut Library {
        self.pkg_config_name = Some(name.to_string());
        self
    }

    /// The vcpkg port (Windows targets); default: the short name.
    pub fn vcpkg_name(&mut self, name: &str) -> &mut Library {
        self.vcpkg_name = Some(name.to_string());
        self
    }

    /// The minimum acceptable system version (`pkg-config --atleast-version`).
    pub fn min_version(&mut self, version: &str) -> &mut Library {
        self.min_version = Some(version.to_string());
        self
    }

    /// The `-l` name for explicit directories and the header/library probe; default: the short
    /// name.
    pub fn link_name(&mut self, name: &str) -> &mut Library {
        self.link_name = Some(name.to_string());
        self
    }

    /// The main header (`zstd.h`), looked for by the header/library probe when there is no
    /// `.pc` file (Debian 12's `libbz2-dev` ships none). Without it the probe is not run.
    pub fn header(&mut self, header: &str) -> &mut Library {
        self.header = Some(header.to_string());
        self
    }

    /// The development package on a distribution (`"debian", "libzstd-dev"`), named in the
    /// "not found" message with its install command. Known distros: `debian`, `ubuntu`,
    /// `fedora`, `rhel`, `arch`, `alpine`, `opensuse`, `freebsd`, `macos`.
    pub fn distro_package(&mut self, distro: &str, package: &str) -> &mut Library {
        self.distro_packages
            .push((distro.to_string(), package.to_string()));
        self
    }

    /// The pin file, relative to `CARGO_MANIFEST_DIR` (or absolute).
    pub fn pin_file(&mut self, path: impl AsRef<Path>) -> &mut Library {
        self.pin_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// An already-parsed pin (instead of [`Library::pin_file`]).
    pub fn pin(&mut self, pin: Pin) -> &mut Library {
        self.pin = Some(pin);
        self
    }

    /// How to build the vendored source. Without it, `vendored` is an error and `auto` is
    /// strict `system`.
    pub fn vendored<F>(&mut self, build: F) -> &mut Library
    where
        F: Fn(&VendoredSource) -> Result<VendoredBuild, Error> + Send + Sync + 'static,
    {
        self.vendored = Some(Arc::new(build));
        self
    }

    /// How the vendored source is built: [`crate::BuildSystem::Cmake`] when `library.toml` says
    /// `build = "cmake"`, else [`crate::BuildSystem::Cc`] (the build.rs compiles with `cc`).
    pub fn build_system(&self) -> crate::BuildSystem {
        if self.cmake.is_some() {
            crate::BuildSystem::Cmake
        } else {
            crate::BuildSystem::Cc
        }
    }

    /// The CMake configuration (`build = "cmake"`), if any.
    pub fn cmake_spec(&self) -> Option<&CmakeSpec> {
        self.cmake.as_ref()
    }

    /// The short name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn pc_name(&self) -> String {
        self.pkg_config_name
            .clone()
            .unwrap_or_else(|| self.name.clone())
    }

    pub(crate) fn lib_name(&self) -> String {
        self.link_name.clone().unwrap_or_else(|| self.name.clone())
    }

    /// Decides the mode, finds or builds the library, and tells cargo: `rustc-link-lib`,
    /// `rustc-link-search`, `rerun-if-*`, the metadata `include`, `root`, `version`, `mode`,
    /// `link`, `provenance` (read by dependents as `DEP_<LINKS>_*`) and
    /// `rustc-env=SYSPACK_PROVENANCE_<LIB>=<json>`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMode`] for a bad `SYSPACK_*LINK`/`_STATIC` value; [`Error::NotFound`] in
    /// strict system mode; [`Error::SourceMissing`], [`Error::HashMismatch`], pin, unpack, patch
    /// and compile errors in vendored mode; [`Error::AutoFailed`] when `auto` finds neither.
    pub fn probe(&self) -> Result<Provenance, Error> {
        self.probe_with(&Env::Process, &Emit::stdout())
    }

    /// [`Library::probe`] with an explicit environment and output (tests).
    ///
    /// # Errors
    ///
    /// As [`Library::probe`].
    pub fn probe_with(&self, env: &Env, emit: &Emit) -> Result<Provenance, Error> {
        if let Some(m) = &self.manifest_file {
            emit.rerun_if_changed(m);
        }
        let decision = decide(&self.name, env, emit)?;
        let ctx = Ctx {
            env,
            emit,
            target: env.var(&EnvVar::Target, emit),
            host: env.var(&EnvVar::Host, emit),
        };
        let record = |fallback: Option<String>| DecisionRecord {
            requested: decision.mode,
            by: decision.by.clone(),
            fallback,
        };
        if decision.mode == Mode::Vendored {
            for var in [
                EnvVar::LibDir(self.name.clone()),
                EnvVar::IncludeDir(self.name.clone()),
            ] {
                if env.var(&var, emit).is_some() {
                    emit.warning(&format!(
                        "syspack: `{var}` is ignored: `{}` is built from its vendored source ({})",
                        self.name, decision.by
                    ));
                }
            }
        }
        let prov = match decision.mode {
            Mode::System => {
                let found = system::probe(self, &ctx, decision.link)?;
                self.system_provenance(found, record(None), emit)
            }
            Mode::Vendored => self.build_vendored(&ctx, record(None))?,
            Mode::Auto if self.vendored.is_none() && self.cmake.is_none() => {
                let found = system::probe(self, &ctx, decision.link)?;
                self.system_provenance(found, record(None), emit)
            }
            Mode::Auto => match system::probe(self, &ctx, decision.link) {
                Ok(found) => self.system_provenance(found, record(None), emit),
                Err(Error::NotFound(nf)) => {
                    let reason = fallback_reason(&nf);
                    match self.build_vendored(&ctx, record(Some(reason.clone()))) {
                        Ok(p) => {
                            emit.warning(&format!(
                                "syspack: `{}`: {reason}; built the vendored source {} instead \
                                 (set `{}=system` to require the system library)",
                                self.name,
                                p.version_display(),
                                EnvVar::Link(self.name.clone())
                            ));
                            p
                        }
                        Err(vendored) => {
                            return Err(Error::AutoFailed {
                                library: self.name.clone(),
                                system: Box::new(Error::NotFound(nf)),
                                vendored: Box::new(vendored),
                            })
                        }
                    }
                }
                Err(e) => return Err(e),
            },
        };
        self.emit_provenance(&prov, emit);
        Ok(prov)
    }

    fn system_provenance(
        &self,
        found: SystemFound,
        decision: DecisionRecord,
        emit: &Emit,
    ) -> Provenance {
        for l in &found.extra_lines {
            emit.line(l.trim_start_matches("cargo:"));
        }
        match &found.evidence {
            Evidence::PkgConfig { pc_file, .. } if pc_file.is_absolute() => {
                emit.rerun_if_changed(pc_file)
            }
            Evidence::HeaderProbe { header, library } => {
                emit.rerun_if_changed(header);
                emit.rerun_if_changed(library);
            }
            _ => {}
        }
        for d in &found.search {
            emit.link_search(d);
        }
        for (kind, name) in &found.libs {
            emit.link_lib(&kind.to_string(), name);
        }
        // The library file dependents hand to their own builds (`DEP_<LINKS>_LIB`, see `cmake`).
        let file = match found.link {
            LinkKind::Static => format!("lib{}.a", self.lib_name()),
            _ => format!("lib{}.so", self.lib_name()),
        };
        if let Some(p) = found
            .search
            .iter()
            .map(|d| d.join(&file))
            .find(|p| p.is_file())
        {
            emit.metadata("lib", &p.display().to_string());
        }
        Provenance {
            library: self.name.clone(),
            mode: Provider::System,
            decision,
            version: found.version,
            link: found.link,
            evidence: found.evidence,
            include_dirs: found.include_dirs,
            root: found.root,
        }
    }

    fn emit_provenance(&self, p: &Provenance, emit: &Emit) {
        if !p.include_dirs.is_empty() {
            let joined = std::env::join_paths(&p.include_dirs)
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|_| p.include_dirs[0].display().to_string());
            emit.metadata("include", &joined);
        }
        if let Some(r) = &p.root {
            emit.metadata("root", &r.display().to_string());
        }
        emit.metadata("version", &p.version_display());
        emit.metadata("mode", &p.mode.to_string());
        emit.metadata("link", &p.link.to_string());
        let json = p.to_json();
        emit.metadata("provenance", &json);
        emit.rustc_env(&format!("SYSPACK_PROVENANCE_{}", shouty(&self.name)), &json);
    }

    /// Reads and checks the pin.
    pub(crate) fn load_pin(&self, env: &Env, emit: &Emit) -> Result<Pin, Error> {
        let (pin, path) = match &self.pin {
            Some(p) => (
                p.clone(),
                p.path.clone().unwrap_or_else(|| PathBuf::from("<pin>")),
            ),
            None => {
                let path = self.pin_path(env, emit)?;
                emit.rerun_if_changed(&path);
                (Pin::from_path(&path)?, path)
            }
        };
        if pin.library != self.name {
            return Err(Error::PinInvalid {
                path,
                key: "library".into(),
                value: pin.library,
                reason: format!("this pin is for another library; expected `{}`", self.name),
            });
        }
        Ok(pin)
    }

    fn pin_path(&self, env: &Env, emit: &Emit) -> Result<PathBuf, Error> {
        let Some(file) = &self.pin_file else {
            return Err(Error::Config {
                library: self.name.clone(),
                problem: "no pin: call `.pin_file(\"pin.toml\")` in build.rs".into(),
            });
        };
        Ok(if file.is_absolute() {
            file.clone()
        } else {
            match env.var(&EnvVar::ManifestDir, emit) {
                Some(d) => Path::new(&d).join(file),
                None => file.clone(),
            }
        })
    }

    /// Finds the pinned source in the cache (hash verified). Used by `probe` and `explain`.
    pub(crate) fn cached_source(
        &self,
        env: &Env,
        emit: &Emit,
    ) -> Result<(Pin, Cache, Cached), Error> {
        if self.vendored.is_none() && self.cmake.is_none() {
            return Err(Error::Config {
                library: self.name.clone(),
                problem:
                    "vendored mode asked for, but build.rs gives no `.vendored(|src| …)` build"
                        .into(),
            });
        }
        let pin = self.load_pin(env, emit)?;
        let cache = Cache::from_env(env, emit)?;
        let cached = match cache.lookup(&pin) {
            Ok(c) => c,
            Err(missing @ Error::SourceMissing { .. }) => {
                crate::cache::lookup_bundled(&pin)?.ok_or(missing)?
            }
            Err(e) => return Err(e),
        };
        Ok((pin, cache, cached))
    }

    fn build_vendored(&self, ctx: &Ctx<'_>, decision: DecisionRecord) -> Result<Provenance, Error> {
        let (pin, _cache, cached) = self.cached_source(ctx.env, ctx.emit)?;
        let out_dir = ctx
            .env
            .var(&EnvVar::OutDir, ctx.emit)
            .map(PathBuf::from)
            .ok_or_else(|| Error::MissingCargoVar {
                var: EnvVar::OutDir.to_string(),
                what: "the vendored source is unpacked and built there".into(),
            })?;
        let patches = pin.patch_paths();
        for p in &patches {
            ctx.emit.rerun_if_changed(p);
        }
        let dir = unpack(&cached.path, &cached.artifact, &patches, &out_dir)?;
        let src = VendoredSource {
            dir: dir.clone(),
            out_dir,
            pin: pin.clone(),
            artifact: cached.artifact.clone(),
            target: ctx.target.clone(),
            host: ctx.host.clone(),
            mock: matches!(ctx.env, Env::Mock(_)),
            cmake: self.cmake.clone(),
        };
        let build = match &self.vendored {
            Some(f) => f(&src)?,
            None => src.cmake()?.build,
        };
        for (dir, name) in &build.static_libs {
            ctx.emit.link_search(dir);
            ctx.emit.link_lib("static", name);
        }
        for l in &build.system_libs {
            ctx.emit.link_lib("dylib", l);
        }
        // The archive dependents hand to their own builds (`DEP_<LINKS>_LIB`, see `cmake`).
        let archive = match build.static_libs.first() {
            Some((dir, name)) => Some(dir.join(format!("lib{name}.a"))),
            None => Some(src.out_dir.join(format!("lib{}.a", self.lib_name()))),
        };
        if let Some(a) = archive.filter(|a| a.is_file()) {
            ctx.emit.metadata("lib", &a.display().to_string());
        }
        let mut patch_ids = Vec::new();
        for p in &patches {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            patch_ids.push(format!("{name} {}", crate::cache::sha256_file(p)?));
        }
        Ok(Provenance {
            library: self.name.clone(),
            mode: Provider::Vendored,
            decision,
            version: Some(pin.version.clone()),
            link: LinkKind::Static,
            evidence: Evidence::Pin {
                pin_version: pin.version.clone(),
                file: cached.artifact.file.clone(),
                sha256: cached.artifact.sha256.clone(),
                artifact_kind: cached.artifact.kind,
                patches: patch_ids,
            },
            include_dirs: build.include_dirs,
            root: Some(dir),
        })
    }

    /// Explains which mode this library would take in `env` and why, the version found and
    /// where — without emitting any `cargo:` line and without building (`syspack doctor`).
    /// The vendored source is looked up in the cache and its hash verified, not unpacked.
    pub fn explain(&self, env: &Env) -> Explanation {
        let emit = Emit::discard();
        let decision = match decide(&self.name, env, &emit) {
            Ok(d) => d,
            Err(e) => {
                return Explanation {
                    library: self.name.clone(),
                    decision: None,
                    fallback: None,
                    outcome: Outcome::Fails(e),
                }
            }
        };
        let ctx = Ctx {
            env,
            emit: &emit,
            target: env.var(&EnvVar::Target, &emit),
            host: env.var(&EnvVar::Host, &emit),
        };
        let system = |d: &Decision| match system::probe(self, &ctx, d.link) {
            Ok(found) => Ok(Outcome::System {
                version: found.version.clone(),
                evidence: found.evidence,
                link: found.link,
                include_dirs: found.include_dirs,
            }),
            Err(e) => Err(e),
        };
        let vendored = || match self.cached_source(env, &emit) {
            Ok((pin, _cache, cached)) => Ok(Outcome::Vendored {
                version: pin.version,
                artifact: cached.artifact,
                path: cached.path,
            }),
            Err(e) => Err(e),
        };
        let mut fallback = None;
        let outcome = match decision.mode {
            Mode::System => system(&decision).unwrap_or_else(Outcome::Fails),
            Mode::Vendored => vendored().unwrap_or_else(Outcome::Fails),
            Mode::Auto if self.vendored.is_none() && self.cmake.is_none() => {
                system(&decision).unwrap_or_else(Outcome::Fails)
            }
            Mode::Auto => match system(&decision) {
                Ok(o) => o,
                Err(Error::NotFound(nf)) => {
                    fallback = Some(fallback_reason(&nf));
                    match vendored() {
                        Ok(o) => o,
                        Err(v) => Outcome::Fails(Error::AutoFailed {
                            library: self.name.clone(),
                            system: Box::new(Error::NotFound(nf)),
                            vendored: Box::new(v),
                        }),
                    }
                }
                Err(e) => Outcome::Fails(e),
            },
        };
        Explanation {
            library: self.name.clone(),
            decision: Some(decision),
            fallback,
            outcome,
        }
    }
}

/// One line saying why `auto` did not use the system library.
fn fallback_reason(nf: &system::NotFound) -> String {
    let min = nf
        .min_version
        .as_deref()
        .map(|m| format!(" >= {m}"))
        .unwrap_or_default();
    match (&nf.found_version, &nf.static_archive_missing) {
        (_, Some(_)) => format!("the system `{}` has no static archive", nf.library),
        (Some(v), None) => format!(
            "the system `{}` is {v}, older than required{min}",
            nf.pkg_config_name
        ),
        (None, None) => format!(
            "no system `{}`{min} found (pkg-config{})",
            nf.pkg_config_name,
            if nf.header_probe.is_some() {
                ", header/library probe"
            } else {
                ""
            }
        ),
    }
}
