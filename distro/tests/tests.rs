//! syspack-distro's integration tests: one binary, one module per topic (as the workspace's
//! `tests/tests.rs`), so the crate links once and every test shares `common`'s fixtures.
//!
//! The split: what needs nothing but this crate — writer → reader round trips, control-file and
//! header parsing, validation of names, versions and scripts — is a unit test beside the code
//! (`src/<format>/tests.rs`, `#[cfg(test)] mod tests`). What is judged by a real tool — dpkg,
//! lintian, rpm, rpmlint, pacman, makepkg, bsdtar, cc — or by the shipped data files lives here.
//! A missing tool fails the test with the command that installs it (ci/install-deps installs
//! them all); nothing is skipped.

// The staged sample package, scratch directories and the tool runners every topic uses.
mod common;

// `.deb`: dpkg-deb reads and extracts every compression, lintian, dpkg installs and removes.
mod deb;
// `.rpm`: rpm queries, verifies, installs into an empty root and removes; rpmlint.
mod rpm;
// Arch: pacman installs, verifies (`-Qkk`) and removes; bsdtar order; makepkg's packages read.
mod arch;
// FreeBSD: bsdtar reads them; our reader accepts them and refuses each kind of damage.
mod freebsd;
// Shared frames compressed once and spliced into every format, installed by the real tools.
mod frames;
// ELF analysis of the system's binaries and of C programs compiled here with `cc`.
mod elf;
// The knowledge base's data files: every one parses, every fact has a source.
mod kb;
// The compatibility matrix for binaries compiled here and for packages.
mod matrix;
