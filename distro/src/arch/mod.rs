//! Arch Linux packages (`.pkg.tar.zst`), written and read without makepkg or pacman.
//!
//! Format facts, with their sources: `docs/formats.md` §3 (archive layout, `.PKGINFO`,
//! `.BUILDINFO`, `.MTREE`, and what pacman 6.0.2 was seen to do).
//!
//! A package is a tar stream (restricted pax, like bsdtar) compressed with zstd (default, level
//! 19), xz, gzip, bzip2 or nothing, holding, in makepkg's order:
//!
//! 1. `.BUILDINFO` ([`BuildInfo`], format 2), `.INSTALL` (only with scripts or systemd units; see
//!    [`install`] for the mapping), `.MTREE` (gzip'd [`Mtree`]), `.PKGINFO`
//!    ([`PkgInfo`], format 2 with `xdata = pkgtype=pkg`);
//! 2. every entry of the package, parent directories included, under its relative path
//!    (`usr/`, `usr/bin/foo`), byte-sorted.
//!
//! Every timestamp is the package's [`SourceDate`](crate::SourceDate); owners are numeric 0 with
//! the model's names; nothing depends on the build machine, so the output is reproducible.
//!
//! Field mapping from the staging model: `version`/`release`/`epoch` → `pkgver =
//! [epoch:]version-release` (the version may not contain `-`, `:`, `/` or whitespace); `summary`
//! → `pkgdesc` (whitespace collapsed to single spaces); `homepage` → `url`; `maintainer` →
//! `packager` (`Unknown Packager` when empty, like makepkg); `license` → one `license` line
//! (an SPDX expression, as Arch uses since RFC 16); `depends` and `pre_depends` → `depend`;
//! `recommends` and `suggests` → `optdepend` (no description: the model has none); `conflicts`
//! → `conflict`; `provides` → `provides` (only `=` allowed); `replaces` → `replaces`;
//! conffiles → `backup`; the installed size in bytes → `size`.
//!
//! [`Reader`] verifies a package the way `pacman -Qkk` would check an installation: see its docs.

mod buildinfo;
pub mod install;
mod mtree;
mod pkginfo;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use buildinfo::BuildInfo;
pub use mtree::{escape as mtree_escape, unescape as mtree_unescape, Mtree, MtreeEntry, MtreeType};
pub use pkginfo::PkgInfo;
pub use read::{EntryKind, ReadEntry, Reader};
pub use write::{Options, Writer};
