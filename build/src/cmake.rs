//! The CMake path of a vendored build: a library whose upstream build is CMake says so in its
//! `library.toml` (`build = "cmake"`) with the cache options it needs, and [`VendoredSource::cmake`]
//! configures and builds it with the [`cmake`](https://docs.rs/cmake) crate.
//!
//! ```toml
//! build = "cmake"
//! cmake_targets = ["libsolv", "libsolvext"]  # optional: build these instead of `install`
//! cmake_defines = [                     # `-D<name>=<value>`, in this order
//!     { name = "ENABLE_STATIC", value = "ON" },
//! ]
//! cmake_deps = [                        # a dependency sys crate's library handed to CMake
//!     { links = "zlib", include_var = "ZLIB_INCLUDE_DIR", library_var = "ZLIB_LIBRARY" },
//! ]
//! cmake_libs = [                        # the static archives to link, in link order
//!     { name = "solvext", dir = "build/ext" },   # `dir` relative to the cmake output directory
//! ]
//! cmake_include = ["lib"]               # exported include directories, relative to the source
//! ```
//!
//! A `cmake_deps` entry reads the dependency's metadata `DEP_<LINKS>_INCLUDE` and
//! `DEP_<LINKS>_LIB` (every library built or found by syspack-build exports both: its include
//! directories and the path of the library file it links) and passes them as the two cache
//! variables, so CMake's `find_package` takes exactly the library the workspace links — the
//! workspace's own vendored archive in vendored mode — and the final binary has one copy of it.
//! The sys crate must depend on that dependency's sys crate (cargo only sets `DEP_*` for direct
//! dependencies with a `links` key). A dependency that exported no library path is left to
//! CMake's own search.
//!
//! The build is `Release` whatever the cargo profile (the archives are reproducible and small),
//! shared libraries are never built (`BUILD_SHARED_LIBS=OFF`), and cc-rs's compiler and flags for
//! the target are used (the cmake crate asks cc-rs), so `CC`, `CFLAGS` and cross targets work as
//! in the `cc` path. The cmake crate runs the `cmake` program (`CMAKE` overrides it) and panics
//! on failure; that panic becomes [`Error::Compile`] with its message.

use std::path::{Path, PathBuf};

use crate::env::{Emit, Env, EnvVar};
use crate::tomlite::{self, Fields};
use crate::{Error, VendoredBuild, VendoredSource};

/// How a library's vendored source is built (`library.toml` key `build`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BuildSystem {
    /// The sys crate's build.rs compiles the files with `cc` (the default).
    #[default]
    Cc,
    /// Upstream's CMake build through the `cmake` crate, configured by [`CmakeSpec`].
    Cmake,
}

/// The CMake configuration of a vendored build, from `library.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CmakeSpec {
    /// Build these targets, in order, instead of `install` (`cmake_targets`).
    pub targets: Vec<String>,
    /// Cache options, `-D<name>=<value>` (`cmake_defines`).
    pub defines: Vec<(String, String)>,
    /// Dependency libraries handed to CMake (`cmake_deps`).
    pub deps: Vec<CmakeDep>,
    /// Static archives the build produces: name (`lib<name>.a`) and directory relative to the
    /// cmake output directory (`cmake_libs`), in link order.
    pub libs: Vec<(String, String)>,
    /// Include directories to export, relative to the source tree (`cmake_include`).
    pub include: Vec<String>,
}

/// A dependency sys crate's library handed to CMake as two cache variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmakeDep {
    /// The dependency's `links` key (`zlib`): its metadata is `DEP_ZLIB_INCLUDE`, `DEP_ZLIB_LIB`.
    pub links: String,
    /// The cache variable set to its include directory (`ZLIB_INCLUDE_DIR`).
    pub include_var: String,
    /// The cache variable set to its library file (`ZLIB_LIBRARY`).
    pub library_var: String,
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn relative_ok(s: &str) -> bool {
    !s.is_empty() && !Path::new(s).is_absolute() && !s.split('/').any(|c| c == "..")
}

impl CmakeSpec {
    /// Reads the `cmake_*` keys from the manifest's fields.
    pub(crate) fn from_fields(f: &mut Fields) -> Result<CmakeSpec, String> {
        let mut spec = CmakeSpec::default();
        let (items, line) = f.array("cmake_targets")?;
        for (i, item) in items.into_iter().enumerate() {
            let t = tomlite::item_str(&format!("cmake_targets[{i}]"), item, line)?;
            if !name_ok(&t) {
                return Err(format!(
                    "`cmake_targets[{i}]` = {t:?}: expected a CMake target name"
                ));
            }
            spec.targets.push(t);
        }
        let (items, line) = f.array("cmake_defines")?;
        for (i, item) in items.into_iter().enumerate() {
            let key = format!("cmake_defines[{i}]");
            let mut d = Fields::new(
                tomlite::item_table(&key, item, line)?,
                &["name", "value"],
                &format!("`{key}`"),
            )?;
            let name = d.str("name")?;
            if !name_ok(&name) {
                return Err(format!(
                    "`{key}.name` = {name:?}: expected a CMake variable name (letters, digits, `_`)"
                ));
            }
            spec.defines.push((name, d.str("value")?));
        }
        let (items, line) = f.array("cmake_deps")?;
        for (i, item) in items.into_iter().enumerate() {
            let key = format!("cmake_deps[{i}]");
            let mut d = Fields::new(
                tomlite::item_table(&key, item, line)?,
                &["links", "include_var", "library_var"],
                &format!("`{key}`"),
            )?;
            let dep = CmakeDep {
                links: d.str("links")?,
                include_var: d.str("include_var")?,
                library_var: d.str("library_var")?,
            };
            for v in [&dep.links, &dep.include_var, &dep.library_var] {
                if !name_ok(v) {
                    return Err(format!("`{key}`: {v:?} is not a name"));
                }
            }
            spec.deps.push(dep);
        }
        let (items, line) = f.array("cmake_libs")?;
        for (i, item) in items.into_iter().enumerate() {
            let key = format!("cmake_libs[{i}]");
            let mut d = Fields::new(
                tomlite::item_table(&key, item, line)?,
                &["name", "dir"],
                &format!("`{key}`"),
            )?;
            let (name, dir) = (d.str("name")?, d.str("dir")?);
            if !name_ok(&name) || !relative_ok(&dir) {
                return Err(format!(
                    "`{key}`: expected a library name and a relative directory without `..`"
                ));
            }
            spec.libs.push((name, dir));
        }
        let (items, line) = f.array("cmake_include")?;
        for (i, item) in items.into_iter().enumerate() {
            let dir = tomlite::item_str(&format!("cmake_include[{i}]"), item, line)?;
            if !relative_ok(&dir) {
                return Err(format!(
                    "`cmake_include[{i}]` = {dir:?}: expected a relative directory without `..`"
                ));
            }
            spec.include.push(dir);
        }
        Ok(spec)
    }

    /// Whether any `cmake_*` key was given.
    pub(crate) fn is_empty(&self) -> bool {
        *self == CmakeSpec::default()
    }
}

/// The result of [`VendoredSource::cmake`]: where CMake built, and the [`VendoredBuild`] that
/// links the `cmake_libs` and exports the `cmake_include` directories.
#[derive(Debug)]
pub struct CmakeOutput {
    /// The cmake crate's output directory (`OUT_DIR`, or the install prefix): `cmake_libs`
    /// directories are relative to it; CMake's build tree is its `build/`.
    pub dir: PathBuf,
    /// The build to hand back (add include directories with [`VendoredBuild::include`]).
    pub build: VendoredBuild,
}

impl VendoredSource {
    /// Configures and builds the source with CMake as the `library.toml` says (see the module
    /// [`cmake`](crate::cmake)): its `cmake_defines`, the `cmake_deps` libraries, static only,
    /// `Release`. A build.rs without its own closure gets this build for `build = "cmake"`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a CMake description, [`Error::Compile`] when CMake fails or an
    /// archive named in `cmake_libs` was not produced.
    pub fn cmake(&self) -> Result<CmakeOutput, Error> {
        let Some(spec) = &self.cmake else {
            return Err(Error::Config {
                library: self.pin().library.clone(),
                problem: "`VendoredSource::cmake` needs `build = \"cmake\"` in library.toml".into(),
            });
        };
        let emit = Emit::stdout();
        let env = Env::Process;
        let mut cfg = cmake::Config::new(self.dir());
        cfg.out_dir(self.out_dir().join("cmake"))
            .profile("Release")
            .define("BUILD_SHARED_LIBS", "OFF")
            .define("CMAKE_POSITION_INDEPENDENT_CODE", "ON");
        for (name, value) in &spec.defines {
            cfg.define(name, value);
        }
        if let Some(wrapper) = freebsd_toolchain(&env, &emit, &self.out_dir().join("cmake"))? {
            cfg.define("CMAKE_TOOLCHAIN_FILE", wrapper);
        }
        for dep in &spec.deps {
            let include = env.var(&EnvVar::Dep(dep.links.clone(), "include".into()), &emit);
            let lib = env.var(&EnvVar::Dep(dep.links.clone(), "lib".into()), &emit);
            if let Some(first) = include
                .as_deref()
                .and_then(|i| std::env::split_paths(i).next())
            {
                cfg.define(&dep.include_var, first);
            }
            if let Some(lib) = lib {
                cfg.define(&dep.library_var, lib);
            }
        }
        // One `cmake --build --target` per target (the configure step is cached after the first).
        let run = |cfg: &mut cmake::Config| {
            if spec.targets.is_empty() {
                return cfg.build();
            }
            let mut dir = PathBuf::new();
            for t in &spec.targets {
                dir = cfg.build_target(t).build();
            }
            dir
        };
        let dir = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut cfg)))
            .map_err(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the cmake crate panicked".into());
                Error::Compile(format!(
                    "CMake build of `{}` failed: {msg}",
                    self.pin().library
                ))
            })?;
        let mut build = VendoredBuild::default();
        for (name, rel) in &spec.libs {
            let d = dir.join(rel);
            let archive = d.join(format!("lib{name}.a"));
            if !archive.is_file() {
                return Err(Error::Compile(format!(
                    "the CMake build of `{}` produced no {} (library.toml `cmake_libs`)",
                    self.pin().library,
                    archive.display()
                )));
            }
            build = build.static_lib(d, name);
        }
        for inc in &spec.include {
            build = build.include(self.dir().join(inc));
        }
        Ok(CmakeOutput { dir, build })
    }
}

/// Reads `build` from the manifest fields.
/// For a FreeBSD target built with a CMake toolchain file (cargo-zigbuild's, found as the cmake
/// crate finds it: `CMAKE_TOOLCHAIN_FILE_<target>`, `…_<target_with_underscores>`,
/// `TARGET_CMAKE_TOOLCHAIN_FILE`, `CMAKE_TOOLCHAIN_FILE`), a toolchain file in `dir` that
/// includes it and then names the system `FreeBSD`: CMake's platform names are case-sensitive
/// (its `Modules/Platform/FreeBSD.cmake`), and cargo-zigbuild 0.24.1 writes `freebsd`, which
/// loads no platform file and leaves `UNIX` unset, so that configure checks such as expat's
/// entropy sources find nothing. `None` for other targets or without a toolchain file.
fn freebsd_toolchain(env: &Env, emit: &Emit, dir: &Path) -> Result<Option<PathBuf>, Error> {
    if env.var(&EnvVar::TargetOs, emit).as_deref() != Some("freebsd") {
        return Ok(None);
    }
    let target = env.var(&EnvVar::Target, emit);
    let host = env.var(&EnvVar::Host, emit);
    let cross = target != host;
    let candidates = EnvVar::CmakeToolchainFile.tool_candidates(target.as_deref(), cross);
    let Some((_, file)) = env.first(&candidates, emit) else {
        return Ok(None);
    };
    let wrapper = dir.join("syspack-freebsd-toolchain.cmake");
    let text = format!(
        "# Written by syspack-build: the toolchain file below, with CMake's own name of the \
         system (FreeBSD).\ninclude(\"{}\")\nset(CMAKE_SYSTEM_NAME FreeBSD)\n",
        file.replace('\\', "/").replace('"', "\\\"")
    );
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&wrapper, text))
        .map_err(|e| {
            Error::Compile(format!(
                "cannot write the CMake toolchain file `{}`: {e}",
                wrapper.display()
            ))
        })?;
    Ok(Some(wrapper))
}

pub(crate) fn build_system(f: &mut Fields) -> Result<BuildSystem, String> {
    match f.opt_str("build")?.as_deref() {
        None | Some("cc") => Ok(BuildSystem::Cc),
        Some("cmake") => Ok(BuildSystem::Cmake),
        Some(other) => Err(format!(
            "unknown value `{other}` for `build`, expected `cc` or `cmake`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freebsd_toolchain_file_is_wrapped_with_cmakes_name_of_the_system() {
        let dir = std::env::temp_dir().join(format!("syspack-cmake-wrap-{}", std::process::id()));
        let env = Env::mock([
            ("CARGO_CFG_TARGET_OS", "freebsd"),
            ("TARGET", "x86_64-unknown-freebsd"),
            ("HOST", "x86_64-unknown-linux-gnu"),
            (
                "CMAKE_TOOLCHAIN_FILE_x86_64_unknown_freebsd",
                "/z/x86_64-unknown-freebsd-toolchain.cmake",
            ),
        ]);
        let emit = Emit::capture();
        let wrapper = freebsd_toolchain(&env, &emit, &dir).unwrap().unwrap();
        let text = std::fs::read_to_string(&wrapper).unwrap();
        assert!(
            text.contains("include(\"/z/x86_64-unknown-freebsd-toolchain.cmake\")\nset(CMAKE_SYSTEM_NAME FreeBSD)\n"),
            "{text}"
        );
        assert!(emit.lines().contains(
            &"cargo:rerun-if-env-changed=CMAKE_TOOLCHAIN_FILE_x86_64-unknown-freebsd".to_string()
        ));
        std::fs::remove_dir_all(&dir).unwrap();

        // Other systems, and FreeBSD without a toolchain file: CMake as configured.
        let linux = Env::mock([
            ("CARGO_CFG_TARGET_OS", "linux"),
            ("CMAKE_TOOLCHAIN_FILE", "/z/linux.cmake"),
        ]);
        assert!(freebsd_toolchain(&linux, &emit, &dir).unwrap().is_none());
        let bare = Env::mock([("CARGO_CFG_TARGET_OS", "freebsd")]);
        assert!(freebsd_toolchain(&bare, &emit, &dir).unwrap().is_none());
        assert!(!dir.exists());
    }
}
