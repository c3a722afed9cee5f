//! `syspack-build` is the library every syspack sys crate's `build.rs` uses to link a C library
//! either from the system (pkg-config, vcpkg on Windows targets, explicit directories, or a
//! header/library probe) or from its pinned, hash-verified source, built with `cc` or with the
//! library's own CMake build ([`cmake`], `build = "cmake"` in `library.toml`) and linked
//! statically. Whatever it chooses, it records the **provenance** (mode, version, evidence) and
//! hands it to cargo, to dependents and to the final binary.
//!
//! # Example
//!
//! A sys crate's `build.rs` (its `Cargo.toml` has `links = "zstd"` and the features
//! `vendored`, `static`, and `bindgen = ["syspack-build/bindgen"]`):
//!
//! ```no_run
//! use syspack_build::{Error, Library, VendoredBuild, VendoredSource};
//!
//! fn main() {
//!     // library.toml: names, minimum version, header, distro packages, pin file.
//!     let provenance = Library::from_manifest("library.toml")
//!         .and_then(|mut lib| lib.vendored(build).probe())
//!         .unwrap_or_else(|e| syspack_build::fail(e));
//!     # let _ = provenance;
//! }
//!
//! fn build(src: &VendoredSource) -> Result<VendoredBuild, Error> {
//!     let lib = src.dir().join("lib");
//!     let mut cc = src.cc();
//!     for dir in ["common", "compress", "decompress"] {
//!         cc.files(src.c_files(lib.join(dir))?);
//!     }
//!     cc.include(&lib).try_compile("zstd")?;
//!     Ok(VendoredBuild::new(lib))
//! }
//! ```
//!
//! where `library.toml` (see [`manifest`]) is
//!
//! ```toml
//! library = "zstd"
//! pkg_config_name = "libzstd"
//! vcpkg_name = "zstd"
//! min_version = "1.4.0"
//! link_name = "zstd"
//! header = "zstd.h"
//! pin_file = "pin.toml"
//! distro_packages = [
//!     { distro = "debian", package = "libzstd-dev" },
//!     { distro = "fedora", package = "libzstd-devel" },
//!     { distro = "arch", package = "zstd" },
//! ]
//! ```
//!
//! The builder methods ([`Library::new`], [`Library::pkg_config_name`], …) describe the same
//! without a file.
//!
//! A library whose upstream build is **CMake** says so in the same file, with the cache options
//! and the workspace libraries CMake must use (module [`cmake`]); its build.rs then needs no
//! closure (`Library::from_manifest("library.toml").and_then(|lib| lib.probe())`), or calls
//! [`VendoredSource::cmake`] in its own closure to add steps around it (libsolv installs its
//! headers as `solv/*.h`):
//!
//! ```toml
//! build = "cmake"
//! cmake_targets = ["libsolv", "libsolvext"]
//! cmake_defines = [{ name = "ENABLE_DEBIAN", value = "ON" }]
//! cmake_deps = [{ links = "zlib", include_var = "ZLIB_INCLUDE_DIR", library_var = "ZLIB_LIBRARY" }]
//! cmake_libs = [{ name = "solvext", dir = "build/ext" }, { name = "solv", dir = "build/src" }]
//! ```
//!
//! `cmake_deps` hands CMake the include directory and library file of a dependency sys crate
//! (`DEP_ZLIB_INCLUDE`, `DEP_ZLIB_LIB`), so a vendored libsolv links the workspace's own vendored
//! zlib and the binary holds one copy of it. The mode, the knobs, the pin and the provenance are
//! the same as for a `cc` build.
//!
//! and its `src/lib.rs` embeds the provenance:
//!
//! ```ignore
//! pub const PROVENANCE_JSON: &str = env!("SYSPACK_PROVENANCE_ZSTD");
//! ```
//!
//! The same description can be explained without building, as `syspack doctor` does; here with
//! a mock environment that asks for strict system mode and hides the system's `.pc` files:
//!
//! ```
//! use syspack_build::{Env, Library};
//!
//! let env = Env::mock([
//!     ("SYSPACK_NOSUCH_LINK", "system"),
//!     ("PKG_CONFIG_LIBDIR", "/nonexistent"),
//!     ("CC", "/nonexistent/cc"),
//! ]);
//! let why = Library::new("nosuch")
//!     .distro_package("debian", "libnosuch-dev")
//!     .header("nosuch.h")
//!     .explain(&env);
//! assert!(why.provider().is_none());
//! assert!(why.to_string().contains("apt-get install libnosuch-dev"));
//! ```
//!
//! # Modes
//!
//! * `system` — strict: the system library must be found at or above the minimum version, else
//!   [`Error::NotFound`] names the command that ran, what it printed, the `.pc` search path, the
//!   package to install per distro and how to switch to vendored. Never vendors, never uses the
//!   network. Search order: `SYSPACK_<LIB>_LIB_DIR`/`_INCLUDE_DIR` if set (nothing else); else
//!   vcpkg (Windows targets), then pkg-config (a `.pc` file that is too old is final), then, when
//!   no `.pc` file exists, the header/library probe: the [`Library::header`] in the target
//!   compiler's include path (`cc -E -v`) and `lib<link_name>.so`/`.a` in its library path
//!   (`cc -print-search-dirs`, which includes the multiarch `/usr/lib/<triplet>`), or in the
//!   standard directories when the compiler cannot be asked. The probe's version is
//!   "unknown (no .pc file)", which is accepted.
//! * `vendored` — the pinned source ([`pin`]) is looked up in the source cache ([`cache`]), or,
//!   for a crate published with its source, in `sources/<file>` beside the pin file; its sha256
//!   is verified again, it is unpacked into `OUT_DIR/src-<sha256 prefix>` with the system `tar`
//!   program (once; a stamp file records tarball and patches), patched, and built by the sys
//!   crate's closure with `cc`; linked statically. An empty cache is an error that names
//!   `syspack vendor fetch` and `syspack vendor import DIR`.
//! * `auto` (the default) — system if found at the minimum version, else vendored, with a
//!   `cargo:warning=` line saying why.
//!
//! Feature `static` (or `SYSPACK_<LIB>_STATIC=1`) links the *system* library statically; the
//! `.a` must exist. It is looked for in pkg-config's `-L` directories and the `.pc` file's
//! `libdir`, then where the linker looks by default: the compiler's library path
//! (`cc -print-search-dirs`, multiarch directories included, since Debian 12's `libzstd.pc`
//! says `libdir=/usr/lib` while `libzstd.a` is in `/usr/lib/x86_64-linux-gnu`), or the standard
//! directories when the compiler cannot be asked. If none has it, the error lists every
//! directory searched and the development package to install.
//!
//! Feature `bindgen` of this crate adds `Bindings`, bindgen run with the include directories of
//! the [`Provenance`] and the options every syspack sys crate uses; a sys crate's own `bindgen`
//! feature enables it (`bindgen = ["syspack-build/bindgen"]`) and [`bindgen_requested`] reports it.
//!
//! # Precedence
//!
//! The first row that applies decides the mode. Each row has a test in `tests/precedence.rs`.
//!
//! | # | when set | mode |
//! |---|---|---|
//! | 1 | `SYSPACK_<LIB>_LINK_<target>` | its value |
//! | 2 | `SYSPACK_<LIB>_LINK_<target_with_underscores>` | its value |
//! | 3 | `SYSPACK_<LIB>_LINK` | its value |
//! | 4 | `SYSPACK_<LIB>_LIB_DIR` or `SYSPACK_<LIB>_INCLUDE_DIR` | `system`, using those directories |
//! | 5 | `SYSPACK_LINK_<target>` | its value |
//! | 6 | `SYSPACK_LINK_<target_with_underscores>` | its value |
//! | 7 | `SYSPACK_LINK` | its value |
//! | 8 | feature `vendored` | `vendored` |
//! | 9 | nothing | `auto` |
//!
//! So per library wins over global, target-specific over plain, environment over features,
//! features over the `auto` default. The link kind of a system library: `SYSPACK_<LIB>_STATIC`
//! (target variants first; `1` static, `0` dynamic), else feature `static`, else dynamic.
//! An explicit directory (row 4) is used in system mode whatever row decided it.
//!
//! # Environment variables
//!
//! Every variable is read through [`Env`] and declared with `cargo:rerun-if-env-changed`, except
//! those cargo sets for build scripts (cargo reruns the script when they change). Names are built
//! only by [`EnvVar`]'s `Display`. `<LIB>` is the short name in upper case (`ZSTD`).
//!
//! | variable | read by | meaning |
//! |---|---|---|
//! | `SYSPACK_<LIB>_LINK[_<target>]` | mode | `system`, `vendored` or `auto` for one library |
//! | `SYSPACK_LINK[_<target>]` | mode | the same for every library |
//! | `SYSPACK_<LIB>_LIB_DIR` | mode, system | directory holding `lib<link_name>.so`/`.a`; no pkg-config |
//! | `SYSPACK_<LIB>_INCLUDE_DIR` | mode, system | directory holding the header |
//! | `SYSPACK_<LIB>_STATIC[_<target>]` | link kind | `1`: link the system library statically; `0`: dynamically |
//! | `SYSPACK_SOURCE_DIR` | vendored | source cache root (default `$CARGO_HOME/syspack/sources`) |
//! | `CARGO_HOME`, `HOME` | vendored | the default cache root (`$HOME/.cargo` when `CARGO_HOME` is unset) |
//! | `PKG_CONFIG` | system | the pkg-config program |
//! | `PKG_CONFIG_PATH`, `PKG_CONFIG_LIBDIR`, `PKG_CONFIG_SYSROOT_DIR` | system | passed to pkg-config |
//! | `PKG_CONFIG_ALLOW_CROSS` | system | use pkg-config in a cross build (as pkg-config-rs) |
//! | `CC` | system | the compiler asked for its search path by the header/library probe (default: cc-rs's choice for the target) |
//! | `CMAKE_TOOLCHAIN_FILE[_<target>]`, `TARGET_CMAKE_TOOLCHAIN_FILE` | vendored, CMake, FreeBSD targets | the toolchain file (cargo-zigbuild's) that a wrapper includes before naming the system `FreeBSD` as CMake spells it; other targets leave it to the cmake crate |
//! | `CARGO_FEATURE_VENDORED`, `_STATIC`, `_BINDGEN` | mode, link kind | the sys crate's features (set by cargo) |
//! | `TARGET`, `HOST`, `CARGO_CFG_TARGET_OS` | all | target and host (set by cargo) |
//! | `OUT_DIR`, `CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` | vendored, messages | set by cargo |
//! | `SYSPACK_MIRROR` | never in build scripts | the CLI's `vendor fetch` mirror base URL ([`pin::Pin::candidate_urls`]) |
//!
//! pkg-config is run as a program (not through the `pkg-config` crate, which reads the process
//! environment itself and could not be given an [`Env`]); the lookup rules below are those of
//! pkg-config-rs. [`Env::Overlay`] lets `syspack doctor` ask "what if" on top of the process
//! environment.
//!
//! The tool variables (`PKG_CONFIG*`, `CC`) are looked up like pkg-config-rs and cc-rs do:
//! `VAR_<target>`, `VAR_<target_with_underscores>`, `HOST_VAR` (native) or `TARGET_VAR` (cross),
//! `VAR`; the value found is given to pkg-config under the plain name. In a cross build
//! pkg-config is only used when `PKG_CONFIG_SYSROOT_DIR`, `PKG_CONFIG_ALLOW_CROSS=1` or
//! `PKG_CONFIG` is set. The `SYSPACK_*` variables have no `HOST_`/`TARGET_` form. Vendored
//! builds use `cc::Build` untouched, so `CC`, `CFLAGS`, `AR` and the rest of cc-rs's variables
//! work as usual (cc-rs declares them itself).
//!
//! # What goes to cargo
//!
//! `rustc-link-lib`, `rustc-link-search`, `rerun-if-env-changed`, `rerun-if-changed` (the pin,
//! the patches, the `.pc` file), `warning` (auto fallback), and the metadata `include`, `root`,
//! `version`, `mode` (`system`/`vendored`), `link` (`dylib`/`static`), `lib` (the path of the
//! library file linked, when known: the vendored archive, or the system `.so`/`.a` in the
//! directories pkg-config named) and `provenance` (one-line JSON) that dependents read as `DEP_<LINKS>_INCLUDE` etc., plus
//! `rustc-env=SYSPACK_PROVENANCE_<LIB>=<json>` for the sys crate's own `env!`.
//!
//! # Requirements
//!
//! Vendored builds run the system `tar` (GNU tar or bsdtar) to unpack; GNU tar needs `xz` for
//! `.tar.xz` and `bzip2` for `.tar.bz2`. Patches are applied in pure Rust ([`unpack::apply_patch`]).
//! Build scripts never use the network; `syspack vendor fetch` (the CLI) fills the cache.

#![deny(missing_docs)]
// The crate-doc example is a whole build.rs, `fn main` included.
#![allow(clippy::needless_doctest_main)]

#[cfg(feature = "bindgen")]
mod bindings;
pub mod cache;
pub mod cmake;
mod env;
mod error;
mod explain;
mod json;
mod library;
pub mod manifest;
mod mode;
pub mod pin;
mod provenance;
pub mod shell;
mod system;
mod tomlite;
pub mod unpack;

#[cfg(feature = "bindgen")]
pub use bindings::Bindings;
pub use cmake::{BuildSystem, CmakeDep, CmakeOutput, CmakeSpec};
pub use env::{Emit, Env, EnvVar};
pub use error::Error;
pub use explain::{Explanation, Outcome};
pub use library::{Library, VendoredBuild, VendoredSource};
pub use mode::{DecidedBy, Decision, LinkKind, Mode, Provider};
pub use provenance::{DecisionRecord, Evidence, Provenance};
pub use system::{HeaderProbeAttempt, NotFound, PkgConfigAttempt};

/// Whether the sys crate's `bindgen` feature is on (`CARGO_FEATURE_BINDGEN`): its build.rs then
/// runs bindgen with [`Provenance::include_dirs`] instead of using the checked-in bindings.
pub fn bindgen_requested() -> bool {
    Env::Process.feature("bindgen")
}

/// Prints the error (its full, multi-line `Display`) to stderr and exits with status 1. Cargo
/// shows a failing build script's stderr.
pub fn fail(error: Error) -> ! {
    eprintln!("error: {error}");
    std::process::exit(1)
}
