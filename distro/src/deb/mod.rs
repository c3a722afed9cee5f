//! Debian binary packages (`.deb`), written and read without dpkg.
//!
//! Format facts, with their sources: `docs/formats.md` §1.
//!
//! # Layout
//!
//! An `ar` archive exactly as `dpkg-deb --build` writes it — member names without `/`,
//! mtime = [`SourceDate`](crate::SourceDate), uid/gid 0, mode `100644`, odd members padded with
//! `\n` — holding, in this order:
//!
//! 1. `debian-binary`: `2.0\n`;
//! 2. `control.tar<ext>`: `./`, `./conffiles` (absolute paths), `./control` ([`Control`]),
//!    `./md5sums` (`<md5>  <path without leading slash>`, regular files only) and the maintainer
//!    scripts (mode 0755), all `root:root`;
//! 3. `data.tar<ext>`: GNU tar, `./` first, then `./usr/`, `./usr/bin/x`… in the order of a
//!    depth-first walk with each directory sorted by name, symlinks after every other entry (as
//!    dpkg-deb does, so a link never precedes its target), mtime = source date, owners from the
//!    model (root by default).
//!
//! Both tar members use the same [`Compression`]: xz (the default; every dpkg reads it), gzip,
//! zstd (dpkg ≥ 1.21.18: Debian 12+, Ubuntu) or none. xz and zstd are written as one stream — dpkg
//! stops at the end of the first xz stream or zstd frame. bzip2 is refused (dpkg does not accept it
//! for control.tar).
//!
//! The ar size field has 10 decimal digits, so data.tar can hold at most 9 999 999 999 bytes
//! (≈ 9.3 GiB); [`Writer::new`] refuses a package whose *uncompressed* data.tar could exceed that
//! ([`Error::TooLarge`](crate::Error::TooLarge)): split such content into several packages.
//!
//! # Maintainer scripts
//!
//! The model's [`Scripts`](crate::Scripts) are plain bodies (`#!/bin/sh` or `#!/bin/bash`, or no
//! `#!` line for sh). dpkg calls its four scripts for many actions; each body is wrapped so it runs
//! only for the actions that mean what its name says, in a subshell that sees dpkg's arguments in
//! `"$@"` (so a body may still look at `$1`), starts with `set +e` like a standalone script (its own
//! `set -e` or `#!/bin/sh -e` applies), and whose failure fails the dpkg action:
//!
//! | model script | dpkg script | runs on | not on |
//! |---|---|---|---|
//! | `pre_install` | `preinst` | `install`, `upgrade` | `abort-upgrade` |
//! | `post_install` | `postinst` | `configure` | `abort-upgrade`, `abort-remove`, `abort-deconfigure`, `triggered` |
//! | `pre_remove` | `prerm` | `remove`, `upgrade` | `deconfigure` (files stay), `failed-upgrade` |
//! | `post_remove` | `postrm` | `remove`, `upgrade` | `purge` (already ran on `remove`), `disappear`, `abort-install`, `abort-upgrade`, `failed-upgrade` |
//!
//! [`Scripts::native`](crate::Scripts::native) scripts are Debian maintainer scripts already
//! (cargo-deb's `maintainer-scripts`): they go in as written, each line `#DEBHELPER#` replaced by
//! the unit handling below (what dh_installdeb does with debhelper's snippets), so they see every
//! action dpkg passes.
//!
//! An upgrade therefore runs the old package's `pre_remove` (`prerm upgrade`), the new
//! `pre_install`, the old `post_remove` (`postrm upgrade`) and the new `post_install`, as dpkg
//! documents. RPM and Arch packages differ: syspack's `%preun`/`%postun` run the remove scripts
//! only when `$1` is 0, so never on an upgrade (see [`rpm::scripts`](crate::rpm::scripts)), and
//! pacman does not call `pre_remove`/`post_remove` on an upgrade at all (see
//! [`arch::install`](crate::arch::install)). Each format follows its own package manager's
//! documented behaviour, so the model's `pre_remove` means "before this version's files go, on
//! removal *or* upgrade" in a `.deb` but "before the package is removed" in an RPM or Arch
//! package. A `.deb` body that must not run on an upgrade tests dpkg's `$1` (`remove` or
//! `upgrade`).
//!
//! [`SystemdUnit`](crate::SystemdUnit)s are handled as the snippets dh_installsystemd generates
//! handle them (debhelper's `autoscripts/*-systemd*`), written here: the package depends on
//! `init-system-helpers (>= 1.54~)` for `deb-systemd-helper` and `deb-systemd-invoke`.
//! `postinst` — for `configure` and the `abort-*` actions, after the body — unmasks each unit
//! marked `enable` and enables it when `deb-systemd-helper was-enabled` says so (true on the first
//! install; an administrator's disable survives upgrades), else updates its state; then, when
//! systemd runs (`[ -d /run/systemd/system ]`), reloads and starts the units marked `start`
//! (restarts them on upgrade) through `deb-systemd-invoke` (which honours policy-rc.d); `prerm
//! remove` stops every unit before the body runs; `postrm` reloads systemd, masks the units on
//! `remove` and purges their state (every symlink deb-systemd-helper made) and the mask on `purge`.
//! Every call is `|| true`, as in debhelper: a unit that fails to start does not leave the package
//! half-configured. The unit file itself must be in the
//! package under `/usr/lib/systemd/system/` (or `/lib/systemd/system/`).
//!
//! # Documentation
//!
//! [`add_lintian_docs`] adds the changelog and DEP-5 copyright file lintian requires; the CLI
//! calls it before writing, so the [`Writer`] never adds files behind the caller's back.
//!
//! # Not written
//!
//! `Built-Using`/`Static-Built-Using` name Debian *source* packages at exact Debian versions
//! (`libzstd (= 1.5.4+dfsg2-5)`), so the archive keeps those sources. syspack's vendored libraries
//! ([`Bundled`](crate::Bundled)) come from upstream tarballs, not Debian sources, so writing them
//! there would name sources that do not exist; they are not written.

pub(crate) mod ar;
mod control;
mod docs;
mod read;
mod scripts;
mod write;

#[cfg(test)]
mod tests;

pub use control::{full_version, installed_size_kib, synopsis_for, validate_name, Control};
pub use docs::add_lintian_docs;
pub use read::{EntryKind, ReadEntry, Reader};
pub use write::Writer;

use crate::compress::Compression;

/// How to write a `.deb`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Compression of control.tar and data.tar: xz (default, level 6, single-threaded), gzip,
    /// zstd (Debian 12+ / Ubuntu only) or none.
    pub compression: Compression,
    /// Digests read once for several packages ([`crate::frames`]): `md5sums` comes from it, and
    /// with gzip data.tar is written as members with large files' shared members spliced in
    /// (dpkg reads every gzip member; it stops after the first zstd frame or xz stream, so those
    /// stay one stream). None by default (one stream, files read here).
    pub shared: Option<std::sync::Arc<crate::frames::SharedContent>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compression: Compression::DEFAULT_XZ,
            shared: None,
        }
    }
}
