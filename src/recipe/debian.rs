//! Debian and Ubuntu: a `debian/` directory for `dpkg-buildpackage`.
//!
//! Design: source format `3.0 (quilt)` with two upstream tarballs, `<name>_<v>.orig.tar.gz` (the
//! same bytes as the tarball the other recipes hash) and `<name>_<v>.orig-vendor.tar.gz` (what
//! `cargo vendor` wrote), which `dpkg-source` unpacks into `vendor/`. The build points cargo at
//! that directory and runs `--frozen`, so it never touches the network.
//!
//! * Not `3.0 (native)`: a native package cannot carry a Debian revision and mixes the packaging
//!   with upstream's code; `quilt` keeps the upstream tarball pristine and verifiable.
//! * Not the Debian Rust team's way (every crate its own Debian package, built with `dh-cargo`):
//!   most crates a project uses are not packaged in Debian at the versions its `Cargo.lock` pins,
//!   and a recipe that needs them all packaged first cannot build today.
//! * Not the crates inside the upstream tarball: the vendored code is then indistinguishable
//!   from upstream's own, and the upstream tarball would differ per family.
//!
//! Generated sources are regenerated in `override_dh_auto_configure` with Debian's generators
//! (Build-Depends), so the binary is built from the preferred form of the source, never from the
//! checked-in output.
//!
//! systemd units are copied into `debian/` as `debian/<package>.<unit>` and installed by
//! `dh_installsystemd --name=<unit stem>`, which puts them where the release's debhelper wants
//! them (`/lib/systemd/system` with bookworm's debhelper 13.11) and writes the `deb-systemd-helper`
//! / `deb-systemd-invoke` snippets; `--no-enable` and `--no-start` follow the unit's `enable` and
//! `start`.

use std::fmt::Write as _;

use anyhow::{bail, Context, Result};
use syspack_distro::kb::Release;
use syspack_distro::{Format, Relation};

use syspack_build::shell;
use syspack_distro::date::{rfc2822, year};

use super::{dev_package, InstallSource, OutFile, Project, Scripts};

/// The Debian package for a generator program.
fn generator_package(program: &str) -> Option<&'static str> {
    match program {
        "thrift" => Some("thrift-compiler"),
        "flex" => Some("flex"),
        "bison" => Some("bison"),
        _ => None,
    }
}

/// The upstream version the Debian way: `-` (a pre-release in semver) becomes `~`, which sorts
/// before the release.
pub fn upstream_version(v: &str) -> String {
    v.replacen('-', "~", 1)
}

/// `<name>_<version>.orig.tar.gz`.
pub fn orig_name(p: &Project) -> String {
    format!("{}_{}.orig.tar.gz", p.name, upstream_version(&p.version))
}

/// `<name>_<version>.orig-vendor.tar.gz`.
pub fn orig_vendor_name(p: &Project) -> String {
    format!(
        "{}_{}.orig-vendor.tar.gz",
        p.name,
        upstream_version(&p.version)
    )
}

/// An SPDX expression in DEP-5's spelling (`MIT OR Apache-2.0` → `MIT or Apache-2.0`).
fn dep5_license(spdx: &str) -> String {
    let s = spdx
        .replace(" OR ", " or ")
        .replace(" AND ", " and ")
        .replace('/', " or ");
    if s.trim().is_empty() {
        "unknown".into()
    } else {
        s
    }
}

fn license_names(expr: &str) -> Vec<String> {
    expr.split([' ', '(', ')'])
        .filter(|w| !w.is_empty() && !matches!(*w, "or" | "and" | "with" | "WITH"))
        .map(str::to_string)
        .collect()
}

fn description(p: &Project) -> String {
    let mut s = format!("Description: {}\n", p.summary.trim());
    let long = p.description.trim();
    if long.is_empty() || long == p.summary.trim() {
        let _ = writeln!(s, " {}", p.summary.trim());
    } else {
        for line in long.lines() {
            if line.trim().is_empty() {
                s.push_str(" .\n");
            } else {
                let _ = writeln!(s, " {}", line.trim_end());
            }
        }
    }
    s
}

/// The unit types `dh_installsystemd` installs from `debian/`.
const UNIT_TYPES: &[&str] = &["service", "socket", "timer", "path", "target", "mount"];

/// `foo.service` → (`foo`, `service`).
pub(super) fn unit_parts(name: &str) -> Result<(&str, &str)> {
    match name.rsplit_once('.') {
        Some((stem, kind)) if !stem.is_empty() && UNIT_TYPES.contains(&kind) => Ok((stem, kind)),
        _ => bail!(
            "systemd unit `{name}`: dh_installsystemd installs only units of the types {}; \
             rename the unit or ship it as an asset",
            UNIT_TYPES.join(", ")
        ),
    }
}

/// Writes `debian/{control,rules,changelog,copyright,source/format}` and maintainer scripts.
///
/// # Errors
///
/// A library the knowledge base does not know on the release.
pub fn write(p: &Project, release: &Release) -> Result<Vec<OutFile>> {
    let rel = p.relations(Format::Deb);
    let mut build_depends = vec![
        "debhelper-compat (= 13)".to_string(),
        "cargo".into(),
        "rustc".into(),
        "pkg-config".into(),
    ];
    for lib in p.system_libraries() {
        if let Some(dev) = dev_package(release, lib)? {
            build_depends.push(dev);
        }
    }
    for g in &p.regenerations {
        if let Some(pkg) = generator_package(&g.program) {
            build_depends.push(pkg.into());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    build_depends.retain(|b| seen.insert(b.clone()));

    // control
    let mut c = String::new();
    let _ = writeln!(c, "Source: {}", p.name);
    let _ = writeln!(c, "Section: {}", p.section.as_deref().unwrap_or("misc"));
    c.push_str("Priority: optional\n");
    let _ = writeln!(c, "Maintainer: {}", p.maintainer);
    let _ = writeln!(c, "Build-Depends:\n {}", build_depends.join(",\n "));
    c.push_str("Standards-Version: 4.6.2\n");
    if let Some(h) = &p.homepage {
        let _ = writeln!(c, "Homepage: {h}");
    }
    c.push_str("Rules-Requires-Root: no\n\n");
    let _ = writeln!(c, "Package: {}", p.name);
    c.push_str("Architecture: any\n");
    let mut depends = vec!["${shlibs:Depends}".to_string(), "${misc:Depends}".into()];
    depends.extend(rel.depends.iter().flatten().map(Relation::debian));
    let _ = writeln!(c, "Depends: {}", depends.join(", "));
    for (k, v) in [
        ("Recommends", &rel.recommends),
        ("Suggests", &rel.suggests),
        ("Conflicts", &rel.conflicts),
        ("Provides", &rel.provides),
        ("Replaces", &rel.replaces),
    ] {
        let items: Vec<String> = v.iter().flatten().map(Relation::debian).collect();
        if !items.is_empty() {
            let _ = writeln!(c, "{k}: {}", items.join(", "));
        }
    }
    c.push_str(&description(p));

    // rules
    let mut r = String::new();
    r.push_str("#!/usr/bin/make -f\n");
    let _ = writeln!(
        r,
        "# Written by `syspack recipe debian` from {} (release data: {}): the same assets and C\n\
         # libraries as `syspack package`, built against the system libraries.\n#\n\
         # Offline build: the crates come from the second upstream tarball\n\
         # {}, the output of `cargo vendor`, which\n\
         # dpkg-source (format 3.0 (quilt)) unpacks into vendor/. Cargo reads them from there through\n\
         # a source replacement in a private CARGO_HOME and builds --frozen: no network. The Debian\n\
         # Rust team's way (each crate its own Debian package, built with dh-cargo) needs every crate\n\
         # of Cargo.lock packaged in Debian at that version, which a project's lock file rarely is.",
        p.manifest_rel,
        release.id,
        orig_vendor_name(p)
    );
    for lib in p.bundled() {
        let _ = writeln!(
            r,
            "# Bundled: the crate `{}` {} builds its own copy of {} (a bundled/vendored feature is on).",
            lib.krate, lib.crate_version, lib.kb_name
        );
    }
    r.push('\n');
    for (k, v) in p.build_env() {
        let _ = writeln!(r, "export {k} = {v}");
    }
    r.push_str("export CARGO_HOME = $(CURDIR)/debian/cargo-home\n");
    r.push_str("export CARGO_TARGET_DIR = $(CURDIR)/target\n");
    r.push_str("export DEB_BUILD_MAINT_OPTIONS = hardening=+all\n\n");
    r.push_str("%:\n\tdh $@\n\n");
    r.push_str("override_dh_auto_configure:\n");
    r.push_str("\tmkdir -p debian/cargo-home\n");
    r.push_str(
        "\tprintf '%s\\n' '[source.crates-io]' 'replace-with = \"vendored-sources\"' '' \
         '[source.vendored-sources]' 'directory = \"$(CURDIR)/vendor\"' > debian/cargo-home/config.toml\n",
    );
    if !p.regenerations.is_empty() {
        r.push_str(
            "\t# Regenerate the checked-in generated sources (generated/manifest.toml) with Debian's\n\
             \t# generators: the build uses what this system's tools produce.\n",
        );
        for g in &p.regenerations {
            let args: Vec<String> = g
                .args
                .iter()
                .map(|a| shell::quote(a).replace('$', "$$"))
                .collect();
            let _ = writeln!(
                r,
                "\tcd {} && {} {}",
                shell::quote(&g.workdir),
                g.program,
                args.join(" ")
            );
        }
    }
    for k in &p.kept_generations {
        let _ = writeln!(
            r,
            "\t# `{k}` (bindgen over the pinned upstream headers) is used as checked in."
        );
    }
    let flags = p.cargo_flags();
    let _ = writeln!(
        r,
        "\noverride_dh_auto_build:\n\tcargo build --frozen {flags}\n"
    );
    let _ = writeln!(
        r,
        "override_dh_auto_test:\nifeq (,$(filter nocheck,$(DEB_BUILD_OPTIONS)))\n\tcargo test --frozen {flags}\nendif\n"
    );
    r.push_str("override_dh_auto_install:\n");
    let pkgdir = format!("debian/{}", p.name);
    for i in &p.installs {
        let dest = shell::quote(&format!("{pkgdir}{}", i.dest));
        match &i.source {
            InstallSource::Symlink(t) => {
                let parent = i.dest.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let _ = writeln!(
                    r,
                    "\tinstall -d -m 0755 {}",
                    shell::quote(&format!("{pkgdir}{parent}"))
                );
                let _ = writeln!(r, "\tln -s {} {dest}", shell::quote(t));
            }
            _ => {
                let src = i.build_path().unwrap_or_default();
                let _ = writeln!(
                    r,
                    "\tinstall -D -m {:04o} {} {dest}",
                    i.mode,
                    shell::quote(&src)
                );
            }
        }
    }
    let mut unit_files = Vec::new();
    if !p.units.is_empty() {
        r.push_str("\noverride_dh_installsystemd:\n");
    }
    for u in &p.units {
        let (stem, kind) = unit_parts(&u.name)?;
        let mut line = format!("\tdh_installsystemd --name={stem}");
        if !u.enable {
            line.push_str(" --no-enable");
        }
        if !u.start {
            line.push_str(" --no-start");
        }
        let _ = writeln!(r, "{line} {}", u.name);
        let file = if stem == p.name {
            format!("debian/{}.{kind}", p.name)
        } else {
            format!("debian/{}.{}", p.name, u.name)
        };
        let src = p.root.join(&u.source);
        let data = std::fs::read(&src)
            .with_context(|| format!("failed to read the systemd unit `{}`", src.display()))?;
        unit_files.push(OutFile {
            path: file,
            data,
            mode: 0o644,
        });
    }
    r.push_str("\noverride_dh_auto_clean:\n\trm -rf target debian/cargo-home\n");
    r.push_str(
        "\n# dh_clean deletes every *.orig file, and each vendored crate lists its Cargo.toml.orig\n\
         # in .cargo-checksum.json: keep them or cargo refuses the vendored sources.\n\
         override_dh_clean:\n\tdh_clean -XCargo.toml.orig\n",
    );

    // changelog
    let codename = release
        .name
        .split_whitespace()
        .last()
        .unwrap_or("unstable")
        .to_ascii_lowercase();
    let mut ch = String::new();
    let _ = writeln!(
        ch,
        "{} ({}-{}) {codename}; urgency=medium\n\n  * Upstream release {} (recipe written by syspack).\n\n -- {}  {}",
        p.name,
        upstream_version(&p.version),
        p.release,
        p.version,
        p.maintainer,
        rfc2822(p.date)
    );

    // copyright (DEP-5)
    let y = year(p.date);
    let mut cp = String::new();
    cp.push_str("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n");
    let _ = writeln!(cp, "Upstream-Name: {}", p.name);
    let _ = writeln!(cp, "Upstream-Contact: {}", p.maintainer);
    if let Some(h) = &p.homepage {
        let _ = writeln!(cp, "Source: {h}");
    }
    let mut names = std::collections::BTreeSet::new();
    let upstream = dep5_license(&p.license);
    names.extend(license_names(&upstream));
    let _ = writeln!(
        cp,
        "\nFiles: *\nCopyright: {y} {}\nLicense: {upstream}",
        p.maintainer
    );
    for k in &p.crates {
        let l = dep5_license(&k.license);
        names.extend(license_names(&l));
        let _ = writeln!(
            cp,
            "\nFiles: vendor/{}-{}/*\nCopyright: the authors of the crate {} {}\nLicense: {l}",
            k.name, k.version, k.name, k.version
        );
    }
    let _ = writeln!(
        cp,
        "\nFiles: debian/*\nCopyright: {y} {}\nLicense: {upstream}",
        p.maintainer
    );
    for n in names {
        let text = if std::path::Path::new("/usr/share/common-licenses")
            .join(&n)
            .exists()
            || matches!(
                n.as_str(),
                "Apache-2.0" | "GPL-2.0" | "GPL-3.0" | "LGPL-2.1" | "MPL-2.0"
            ) {
            format!(" On Debian systems, the full text of the {n} license can be found in\n /usr/share/common-licenses/{n}.")
        } else {
            format!(" The full text of the {n} license is in the LICENSE or COPYING file of the\n upstream source and of each crate under vendor/ that uses it.")
        };
        let _ = writeln!(cp, "\nLicense: {n}\n{text}");
    }

    let mut files = vec![
        OutFile::text("debian/control", c),
        OutFile {
            path: "debian/rules".into(),
            data: r.into_bytes(),
            mode: 0o755,
        },
        OutFile::text("debian/changelog", ch),
        OutFile::text("debian/copyright", cp),
        OutFile::text("debian/source/format", "3.0 (quilt)\n".to_string()),
    ];
    files.extend(unit_files);
    for (suffix, text) in [
        ("preinst", &p.scripts.pre_install),
        ("postinst", &p.scripts.post_install),
        ("prerm", &p.scripts.pre_remove),
        ("postrm", &p.scripts.post_remove),
    ] {
        if let Some(t) = text {
            files.push(OutFile {
                path: format!("debian/{}.{suffix}", p.name),
                data: format!(
                    "#!/bin/sh\nset -e\n{}\n#DEBHELPER#\n",
                    Scripts::body(t).trim_end()
                )
                .into_bytes(),
                mode: 0o755,
            });
        }
    }
    Ok(files)
}
