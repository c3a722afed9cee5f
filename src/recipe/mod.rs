//! Source recipes for distro maintainers: an Arch `PKGBUILD`, a Debian `debian/` directory, an
//! RPM `.spec` and a FreeBSD port, written from the same configuration (`crate::config`) and
//! knowledge base (`syspack_distro::kb`) as `syspack package`.
//!
//! A recipe is what a distro builds from: its own tools, offline, against the system's shared
//! libraries. So every recipe
//!
//! * builds with `SYSPACK_LINK=system` (the syspack sys crates then never vendor: the variable
//!   beats the `vendored` feature) and with the matching knob of the foreign sys crates it knows
//!   (`ZSTD_SYS_USE_PKG_CONFIG=1`…, from the switch table `distro/data/bundling/sys-crates.toml`, as
//!   `--link system` sets them); a foreign crate built with a bundling feature its switch cannot
//!   override is declared (`Provides: bundled(…)` in RPM, a comment elsewhere);
//! * builds `--frozen` from `Cargo.lock`, with the crates fetched the family's way (Arch:
//!   `cargo fetch` in `prepare()`; Debian and RPM: a `cargo vendor` tarball shipped beside the
//!   upstream tarball; FreeBSD: `CARGO_CRATES`, fetched by the ports framework);
//! * names the build dependencies from the knowledge base (`libzstd-dev` on Debian,
//!   `pkgconfig(libzstd)` in RPM, `libzstd.so:archivers/zstd` in a port), and the runtime
//!   dependencies the family's way (Arch: from the knowledge base; Debian: `${shlibs:Depends}`;
//!   RPM: rpm's own soname dependencies; FreeBSD: `LIB_DEPENDS`);
//! * handles the checked-in generated sources listed in `generated/manifest.toml` the family's
//!   way, with the distro's own generators, which become build dependencies:
//!   - Debian, RPM and FreeBSD **regenerate** them before building. Debian (the DFSG's
//!     "preferred form for modification", and the Policy's build-from-source habit) and Fedora
//!     (its packaging guidelines ask that pre-generated code be regenerated where possible) want
//!     the build to use what their own tools make; the ports tree does the same in `pre-build`
//!     (with `USES=bison` and friends). The build then never reads the checked-in copy.
//!   - Arch **checks** them: Arch builds upstream's release as it is ("vanilla" packages), so
//!     `prepare()` replays each generation into a scratch directory and compares the result with
//!     the checked-in output byte for byte (what `syspack generated check` does), failing the
//!     build on drift. A generator of another version than the manifest's is reported and the
//!     comparison skipped, since version skew is not drift (as `syspack generated check` says).
//!
//!   Bindgen bindings are kept as checked in by every family: their inputs are the pinned
//!   upstream headers, which are not part of the source tarball;
//! * installs the same assets as the binary package, with the configured conffiles, maintainer
//!   scripts and relations, and the project's systemd units, each family's way (Debian:
//!   `dh_installsystemd`; RPM: `%{_unitdir}` and the `%systemd_*` scriptlet macros; Arch:
//!   `usr/lib/systemd/system`, enabling left to the administrator as Arch's policy asks;
//!   FreeBSD has no systemd, so the port leaves them out and says so).
//!
//! The upstream source is a reproducible `<name>-<version>.tar.gz` that `syspack recipe` writes
//! next to the recipe (sorted entries, owner root, times from the source date; `target/` and
//! `.git/` left out), and whose sha256 the recipes record.
//!
//! The parts: [`model`] is what a recipe is written from ([`Project`]); `load` reads it from the
//! configuration and the tree, `crates` from `cargo metadata` and `Cargo.lock`, [`knowledge`]
//! looks libraries up in the knowledge base, [`tarball`] writes the files shipped beside a recipe;
//! one module per family writes that family's recipe.

pub mod arch;
mod crates;
pub mod debian;
pub mod freebsd;
pub mod knowledge;
mod load;
pub mod model;
pub mod rpm;
pub mod tarball;

pub use knowledge::*;
pub use load::load;
pub use model::*;
pub use tarball::*;

#[cfg(test)]
use crates::linked_libraries;

#[cfg(test)]
mod tests;
