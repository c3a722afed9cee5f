//! FreeBSD `pkg` packages (`.pkg`), written and verified without FreeBSD's `pkg`.
//!
//! Format facts, with their sources: `docs/formats.md` §4 (layout, compression, manifest, and
//! what `pkg` 2.8.4 was seen to accept).
//!
//! A package is a tar stream (restricted pax) compressed with zstd (`tzst`, default) or xz
//! (`txz`), holding, in `pkg create`'s order:
//!
//! 1. `+COMPACT_MANIFEST` then `+MANIFEST`: compact JSON [`Manifest`]s, keys in
//!    `pkg_emit_object`'s order; the compact one lacks `files`, `config`, `directories`, `scripts`;
//! 2. every file and symlink under its **absolute** path (`/usr/local/bin/foo`), in manifest
//!    order (sorted), then every declared directory.
//!
//! Paths are written as the model gives them: the model's install paths are what gets installed,
//! and the CLI stages FreeBSD targets under `/usr/local`. Parent directories that the model does
//! not declare are neither listed nor archived (pkg creates them, as it does for ports).
//!
//! Field mapping: `name`; `origin` = `<category>/<name>` (category from
//! [`Options::category`], else from the model's section, else `sysutils`); `version` =
//! `version[_release][,epoch]` (see [`Writer::new`] for the release → PORTREVISION rule);
//! `comment` = summary; `maintainer` = the e-mail address of the model's maintainer; `www` =
//! homepage; `abi` = `FreeBSD:<Options::os_major>:<arch>`, `arch` its legacy spelling; `prefix`
//! = [`Options::prefix`]; `flatsize` = sum of regular file sizes; `licenselogic`/`licenses` from
//! the SPDX expression (`MIT OR Apache-2.0` → `or`, `[MIT, APACHE20]`); `desc` = description
//! (URL-encoded); `deps` from `depends` and `pre_depends` (origins from
//! [`Options::dep_origins`], version from the constraint); `categories`; `shlibs_required` =
//! [`Options::shlibs_required`]; `conflicts` = conflicting names; `files` = `"1$<sha256 hex>"` per
//! file and symlink (symlinks: over the target, as pkg computes it); `config` = conffiles;
//! `directories` = `"y"` per declared directory; `scripts` = `pre-install`, `post-install`,
//! `pre-deinstall`, `post-deinstall` from the model's scripts (pkg runs them with `/bin/sh`;
//! a `#!` line is a comment there). Recommends, suggests, provides, replaces and systemd units
//! have no FreeBSD equivalent here and are left out. Entries owned by group `root` are archived
//! as group `wheel` (FreeBSD's group 0).
//!
//! [`Reader`] is strict: see its docs for every check.

mod manifest;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use manifest::{
    check_upstream_version, check_version_syntax, legacy_arch, parse_abi, urldecode, urlencode,
    Dep, DirAttrs, DirValue, FileAttrs, FileValue, Manifest, ManifestScripts, StrOrInt,
};
pub use read::{EntryKind, ReadEntry, Reader};
pub use write::{symlink_sum, Options, Writer};
