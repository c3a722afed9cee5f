//! FreeBSD: a port directory (`Makefile`, `distinfo`, `pkg-plist`, `pkg-descr`) for the ports
//! tree's `USES=cargo` (`docs/formats.md` §5).
//!
//! The crates are `CARGO_CRATES`, fetched by the ports framework into `${DISTDIR}/rust/crates`
//! and vendored by `cargo.mk`; `distinfo` carries the sha256 (from `Cargo.lock`) and the size
//! (from the local cargo cache, filled by `cargo fetch --locked`) of each, as `make makesum`
//! would. Base-system libraries (libz, liblzma, libbz2) need no dependency; the others get a
//! `LIB_DEPENDS` line with the port that installs them. Paths move to `${PREFIX}` as in
//! `syspack package --target freebsd-14`, so the `pkg-plist` lists exactly that package's files.
//!
//! What the ports framework's `USES=cargo` expects, as read in the ports tree's
//! `Mk/Uses/cargo.mk` and `Mk/Scripts/cargo-crates.awk` (FreeBSD ports repository) and the
//! Porter's Handbook (chapter "Special Considerations", section "Using Cargo"):
//!
//! * `CARGO_CRATES` lists `<name>-<version>` of every crate `Cargo.lock` takes from the registry,
//!   in `Cargo.lock`'s order, first on the `CARGO_CRATES=` line after a tab and then one per
//!   line after two tabs with ` \` continuations: the exact output of `make cargo-crates`. The
//!   framework splits each entry at the first `-` followed by a digit.
//! * Each crate is a distfile `rust/crates/<name>-<version>.crate` (`CARGO_DIST_SUBDIR`, and
//!   the `.crate` extension `make makesum` uses), so `distinfo` has a `SHA256` and a `SIZE` line
//!   for each.
//! * cargo runs with `CARGO_BUILD_TARGET` (`x86_64-unknown-freebsd`…) and `CARGO_TARGET_DIR`
//!   (`${WRKDIR}/target`) in its environment, and with `--release` unless `WITH_DEBUG` is set:
//!   the binary lands in `${CARGO_TARGET_DIR}/${CARGO_BUILD_TARGET}/release/` (`debug/` with
//!   `WITH_DEBUG`).
//! * The default `do-install` (`CARGO_INSTALL=yes`) runs `cargo install --path
//!   ${CARGO_INSTALL_PATH} --root ${STAGEDIR}${PREFIX}`, which installs only binaries, into
//!   `bin/`, and builds them again. The port sets `CARGO_INSTALL=no` and stages the files itself
//!   in its own `do-install`, where `syspack package` puts them.
//! * `CARGO_ENV` is added to cargo's environment (`SYSPACK_LINK=system` and the foreign sys
//!   crates' knobs); `CARGO_FEATURES` is a space-separated list.
//!
//! Generated sources are regenerated in `pre-build` (flex is in the base system; bison comes
//! with `USES=bison`, thrift with a `BUILD_DEPENDS` on `devel/thrift`). FreeBSD has no systemd:
//! the port installs no unit and says so in a comment; an `rc.d` script (`USE_RC_SUBR`) would be
//! FreeBSD's way and is out of scope.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use syspack_build::shell;
use syspack_distro::kb::{Provider, Release};

use super::{InstallSource, OutFile, Project, Scripts};
use crate::config::AssetKind;

/// The port that installs a library outside the base system (formats-and-distros.md §6).
fn origin(kb_name: &str) -> Option<&'static str> {
    match kb_name {
        "zstd" => Some("archivers/zstd"),
        "sqlite" => Some("databases/sqlite3"),
        "libarchive" => Some("archivers/libarchive"),
        "openssl" => Some("security/openssl"),
        "xz" => Some("archivers/xz"),
        _ => None,
    }
}

/// A generator's build dependency: `(USES entry, BUILD_DEPENDS entry)`.
pub(super) fn generator_dep(program: &str) -> (Option<&'static str>, Option<&'static str>) {
    match program {
        "thrift" => (None, Some("thrift:devel/thrift")),
        // Mk/Uses/bison.mk adds `bison:devel/bison` to BUILD_DEPENDS.
        "bison" => (Some("bison"), None),
        // flex is part of the base system.
        _ => (None, None),
    }
}

/// FreeBSD's licence names for the SPDX identifiers projects use most.
fn license_name(spdx: &str) -> String {
    match spdx {
        "MIT" => "MIT",
        "Apache-2.0" => "APACHE20",
        "BSD-2-Clause" => "BSD2CLAUSE",
        "BSD-3-Clause" => "BSD3CLAUSE",
        "0BSD" => "BSD0CLAUSE",
        "ISC" => "ISCL",
        "MPL-2.0" => "MPL20",
        "GPL-2.0" | "GPL-2.0-only" => "GPLv2",
        "GPL-2.0-or-later" | "GPL-2.0+" => "GPLv2+",
        "GPL-3.0" | "GPL-3.0-only" => "GPLv3",
        "GPL-3.0-or-later" | "GPL-3.0+" => "GPLv3+",
        "LGPL-2.1" | "LGPL-2.1-only" => "LGPL21",
        "LGPL-3.0" | "LGPL-3.0-only" => "LGPL3",
        "Unlicense" => "UNLICENSE",
        "Zlib" => "ZLIB",
        other => other,
    }
    .to_string()
}

/// The install path under `${PREFIX}` (no leading `/`), as `syspack package` remaps it, or an
/// absolute path for files outside the prefix.
pub fn plist_path(dest: &str) -> String {
    if let Some(rest) = dest.strip_prefix("/usr/local/") {
        rest.to_string()
    } else if let Some(rest) = dest.strip_prefix("/usr/") {
        rest.to_string()
    } else if let Some(rest) = dest.strip_prefix("/etc/") {
        format!("etc/{rest}")
    } else {
        dest.to_string()
    }
}

/// Where the cargo cache keeps `.crate` files.
fn crate_cache_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(home) = home else { return Vec::new() };
    let cache = home.join("registry").join("cache");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&cache)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// Size of the `.crate` file whose sha256 is `checksum`.
fn crate_size(dirs: &[PathBuf], name: &str, version: &str, checksum: &str) -> Option<u64> {
    for d in dirs {
        let f = d.join(format!("{name}-{version}.crate"));
        if let Ok(data) = std::fs::read(&f) {
            if super::sha256_hex(&data) == checksum {
                return Some(data.len() as u64);
            }
        }
    }
    None
}

fn fetch(p: &Project) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(&cargo)
        .args(["fetch", "--locked", "--manifest-path"])
        .arg(p.root.join(&p.manifest_rel))
        .output()
        .context("failed to run `cargo fetch`")?;
    if !out.status.success() {
        bail!(
            "`cargo fetch --locked` failed (distinfo needs the size of each crate):\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// Writes the port directory `<name>/`: `Makefile`, `distinfo`, `pkg-plist`, `pkg-descr`.
///
/// # Errors
///
/// A library outside the base system whose port syspack does not know, a crate whose size
/// cannot be found after `cargo fetch --locked`.
pub fn write(p: &Project, release: &Release, tarball: &[u8]) -> Result<Vec<OutFile>> {
    let dir = &p.name;
    let (_, email) = super::split_maintainer(&p.maintainer);
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# Written by `syspack recipe freebsd` from {} (release data: {}): the same assets and C\n\
         # libraries as `syspack package --target {}`, built against the system libraries.\n",
        p.manifest_rel, release.id, release.id
    );
    let _ = writeln!(m, "PORTNAME=\t{}", p.name);
    let _ = writeln!(m, "DISTVERSION=\t{}", p.version);
    let category = match p.section.as_deref() {
        Some("devel") => "devel",
        Some("net") => "net",
        Some("utils") | Some("admin") => "sysutils",
        _ => "misc",
    };
    let _ = writeln!(m, "CATEGORIES=\t{category}");
    match &p.source_url {
        Some(u) => {
            let base = u.rsplit_once('/').map(|(d, _)| d).unwrap_or(u);
            let _ = writeln!(m, "MASTER_SITES=\t{base}/");
        }
        None => {
            let _ = writeln!(
                m,
                "# MASTER_SITES: where {} is published (`syspack recipe --source-url`).",
                p.tarball_name()
            );
        }
    }
    m.push('\n');
    let _ = writeln!(m, "MAINTAINER=\t{email}");
    let comment = p.summary.trim().trim_end_matches('.');
    let _ = writeln!(m, "COMMENT=\t{comment}");
    if let Some(h) = &p.homepage {
        let _ = writeln!(m, "WWW=\t\t{h}");
    }
    m.push('\n');
    let spdx = p.license.replace(['(', ')'], " ");
    let (names, comb): (Vec<String>, Option<&str>) = if spdx.contains(" OR ") || spdx.contains('/')
    {
        (
            spdx.split([' ', '/'])
                .filter(|w| !w.is_empty() && *w != "OR")
                .map(license_name)
                .collect(),
            Some("dual"),
        )
    } else if spdx.contains(" AND ") {
        (
            spdx.split(' ')
                .filter(|w| !w.is_empty() && *w != "AND")
                .map(license_name)
                .collect(),
            Some("multi"),
        )
    } else {
        (vec![license_name(spdx.trim())], None)
    };
    let _ = writeln!(m, "LICENSE=\t{}", names.join(" "));
    if let Some(c) = comb {
        let _ = writeln!(m, "LICENSE_COMB=\t{c}");
    }
    if comb.is_none() {
        if let Some(l) = p.license_files.first() {
            let _ = writeln!(m, "LICENSE_FILE=\t${{WRKSRC}}/{l}");
        }
    }
    m.push('\n');

    let mut lib_depends = Vec::new();
    for lib in p.system_libraries() {
        let fact = release.library(&lib.kb_name).ok_or_else(|| {
            anyhow!(
                "the knowledge base has no entry for library `{}` on `{}`",
                lib.kb_name,
                release.id
            )
        })?;
        match fact.runtime.known() {
            Some(Provider::BaseSystem) => {}
            _ => {
                let soname = fact
                    .soname
                    .known()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| format!("lib{}.so", lib.kb_name));
                let file = match soname.find(".so") {
                    Some(i) => soname[..i + 3].to_string(),
                    None => soname,
                };
                let origin = origin(&lib.kb_name).ok_or_else(|| {
                    anyhow!(
                        "syspack does not know the FreeBSD port that installs `{}`; add it to \
                         src/recipe/freebsd.rs",
                        lib.kb_name
                    )
                })?;
                lib_depends.push(format!("{file}:{origin}"));
            }
        }
    }
    if !lib_depends.is_empty() {
        let _ = writeln!(m, "LIB_DEPENDS=\t{}", lib_depends.join(" \\\n\t\t"));
    }
    let mut build_deps: Vec<&str> = Vec::new();
    let mut uses = vec!["cargo", "pkgconfig"];
    for g in &p.regenerations {
        let (u, b) = generator_dep(&g.program);
        if let Some(u) = u.filter(|u| !uses.contains(u)) {
            uses.push(u);
        }
        if let Some(b) = b.filter(|b| !build_deps.contains(b)) {
            build_deps.push(b);
        }
    }
    if !build_deps.is_empty() {
        let _ = writeln!(m, "BUILD_DEPENDS=\t{}", build_deps.join(" \\\n\t\t"));
    }
    let _ = writeln!(m, "\nUSES=\t\t{}", uses.join(" "));
    let env: Vec<String> = p
        .build_env()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let _ = writeln!(m, "CARGO_ENV+=\t{}", env.join(" "));
    if p.manifest_rel != "Cargo.toml" {
        let _ = writeln!(m, "CARGO_CARGOTOML=\t${{WRKSRC}}/{}", p.manifest_rel);
    }
    if !p.features.is_empty() {
        let _ = writeln!(m, "CARGO_FEATURES=\t{}", p.features.join(" "));
    }
    m.push_str(
        "# do-install below stages the files where `syspack package` places them; cargo.mk's own\n\
         # (`cargo install`) would install only the binaries, into bin/.\nCARGO_INSTALL=\tno\n",
    );
    let has_docs = p.installs.iter().any(|i| is_docsdir(p, &i.dest));
    if has_docs {
        m.push_str("\nOPTIONS_DEFINE=\tDOCS\n");
    }
    m.push('\n');
    let crates: Vec<String> = p
        .crates
        .iter()
        .map(|k| format!("{}-{}", k.name, k.version))
        .collect();
    let _ = writeln!(m, "CARGO_CRATES=\t{}", crates.join(" \\\n\t\t"));

    if !p.regenerations.is_empty() {
        m.push_str("\n# Regenerate the checked-in generated sources (generated/manifest.toml).\npre-build:\n");
        for g in &p.regenerations {
            let args: Vec<String> = g.args.iter().map(|a| shell::quote(a)).collect();
            let _ = writeln!(
                m,
                "\tcd ${{WRKSRC}}/{} && {} {}",
                g.workdir,
                g.program,
                args.join(" ")
            );
        }
    }
    let mut install = String::new();
    let mut docs = String::new();
    for i in &p.installs {
        let rel = plist_path(&i.dest);
        let staged = format!("${{STAGEDIR}}${{PREFIX}}/{rel}");
        let parent = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let target = if is_docsdir(p, &i.dest) {
            &mut docs
        } else {
            &mut install
        };
        let _ = writeln!(target, "\t${{MKDIR}} ${{STAGEDIR}}${{PREFIX}}/{parent}");
        match &i.source {
            InstallSource::Symlink(t) => {
                let _ = writeln!(target, "\t${{LN}} -s {t} {staged}");
            }
            InstallSource::Built(b) => {
                let _ = writeln!(
                    target,
                    "\t${{INSTALL_PROGRAM}} ${{CARGO_TARGET_DIR}}/${{CARGO_BUILD_TARGET}}/${{WITH_DEBUG:Ddebug:Urelease}}/{b} {staged}"
                );
            }
            InstallSource::Tree(t) => {
                let tool = if i.mode & 0o111 != 0 {
                    "${INSTALL_SCRIPT}"
                } else {
                    "${INSTALL_DATA}"
                };
                let _ = writeln!(target, "\t{tool} ${{WRKSRC}}/{t} {staged}");
            }
        }
    }
    let _ = write!(m, "\ndo-install:\n{install}");
    if !p.units.is_empty() {
        let names: Vec<&str> = p.units.iter().map(|u| u.name.as_str()).collect();
        let _ = writeln!(
            m,
            "# The systemd units of the Linux packages ({}) are not installed: FreeBSD has no\n\
             # systemd. An rc.d script (USE_RC_SUBR) would be the FreeBSD way; syspack does not write one.",
            names.join(", ")
        );
    }
    if has_docs {
        let _ = write!(m, "\ndo-install-DOCS-on:\n{docs}");
    }
    m.push_str("\n.include <bsd.port.mk>\n");

    // distinfo
    let mut d = String::new();
    let _ = writeln!(d, "TIMESTAMP = {}", p.date);
    let _ = writeln!(
        d,
        "SHA256 ({}) = {}",
        p.tarball_name(),
        super::sha256_hex(tarball)
    );
    let _ = writeln!(d, "SIZE ({}) = {}", p.tarball_name(), tarball.len());
    let mut dirs = crate_cache_dirs();
    let missing = p
        .crates
        .iter()
        .any(|k| crate_size(&dirs, &k.name, &k.version, &k.checksum).is_none());
    if missing {
        fetch(p)?;
        dirs = crate_cache_dirs();
    }
    for k in &p.crates {
        let size = crate_size(&dirs, &k.name, &k.version, &k.checksum).ok_or_else(|| {
            anyhow!(
                "`{}-{}.crate` with sha256 {} is not in the cargo cache after `cargo fetch \
                 --locked`; set CARGO_HOME to the cargo home that holds it",
                k.name,
                k.version,
                k.checksum
            )
        })?;
        let f = format!("rust/crates/{}-{}.crate", k.name, k.version);
        let _ = writeln!(d, "SHA256 ({f}) = {}", k.checksum);
        let _ = writeln!(d, "SIZE ({f}) = {size}");
    }

    // pkg-plist
    let mut plist = String::new();
    for i in &p.installs {
        let rel = plist_path(&i.dest);
        let conf = p.conffiles.iter().any(|c| c == &i.dest) || i.kind == AssetKind::Config;
        if is_docsdir(p, &i.dest) {
            let file = rel.rsplit('/').next().unwrap_or(&rel);
            let _ = writeln!(plist, "%%PORTDOCS%%%%DOCSDIR%%/{file}");
        } else if conf {
            let _ = writeln!(plist, "@config {rel}");
        } else {
            let _ = writeln!(plist, "{rel}");
        }
    }

    let mut files = vec![
        OutFile::text(format!("{dir}/Makefile"), m),
        OutFile::text(format!("{dir}/distinfo"), d),
        OutFile::text(format!("{dir}/pkg-plist"), plist),
        OutFile::text(
            format!("{dir}/pkg-descr"),
            format!("{}\n", p.description.trim()),
        ),
    ];
    // pkg-install / pkg-deinstall: run with PRE-INSTALL/POST-INSTALL and DEINSTALL/POST-DEINSTALL.
    let script =
        |pre: &Option<String>, post: &Option<String>, a: &str, b: &str| -> Option<String> {
            if pre.is_none() && post.is_none() {
                return None;
            }
            let mut s = String::from("#!/bin/sh\ncase \"$2\" in\n");
            for (arg, body) in [(a, pre), (b, post)] {
                if let Some(t) = body {
                    let _ = writeln!(s, "{arg})\n{}\n;;", Scripts::body(t).trim_end());
                }
            }
            s.push_str("esac\n");
            Some(s)
        };
    if let Some(s) = script(
        &p.scripts.pre_install,
        &p.scripts.post_install,
        "PRE-INSTALL",
        "POST-INSTALL",
    ) {
        files.push(OutFile::text(format!("{dir}/pkg-install"), s));
    }
    if let Some(s) = script(
        &p.scripts.pre_remove,
        &p.scripts.post_remove,
        "DEINSTALL",
        "POST-DEINSTALL",
    ) {
        files.push(OutFile::text(format!("{dir}/pkg-deinstall"), s));
    }
    Ok(files)
}

/// True for a file directly in `/usr/share/doc/<name>/` (the port's `DOCSDIR`).
fn is_docsdir(p: &Project, dest: &str) -> bool {
    dest.strip_prefix(&format!("/usr/share/doc/{}/", p.name))
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}
