//! RPM (Fedora, RHEL, openSUSE): `<name>.spec` for `rpmbuild`.
//!
//! The crates come from `Source1`, the `cargo vendor` tarball, unpacked into `vendor/` by
//! `%autosetup -a 1`; cargo reads them through a source replacement in a private `CARGO_HOME`,
//! `--frozen`, so the build runs offline as mock and koji require. The spec uses plain cargo
//! commands, not the `%cargo_*` macros of Fedora's rust-packaging (absent on EL without EPEL and
//! on other rpm systems); the vendored crates are declared as `Provides: bundled(crate(…))`, as
//! Fedora's guidelines ask of vendored Rust dependencies, and a C library built from a bundled
//! copy as `Provides: bundled(<lib>)`. Runtime library dependencies are left to rpm's own
//! soname generator (`libzstd.so.1()(64bit)`).
//!
//! Generated sources are regenerated in `%prep` with the distribution's generators
//! (`BuildRequires`), as Fedora's guidelines prefer, so the build never uses the checked-in
//! output.
//!
//! systemd units are installed into `%{_unitdir}` and managed with `%systemd_post`,
//! `%systemd_preun` and `%systemd_postun_with_restart` (`%systemd_postun` for units that are not
//! started), from `BuildRequires: systemd-rpm-macros`, as Fedora's systemd packaging guidelines
//! describe. Enabling follows the distribution's presets there, not the unit's `enable`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::Result;
use syspack_distro::kb::Release;
use syspack_distro::Format;

use syspack_build::shell;

use super::{InstallSource, OutFile, Project, Scripts};
use crate::config::AssetKind;

fn generator_package(program: &str) -> Option<&'static str> {
    match program {
        "thrift" => Some("thrift"),
        "flex" => Some("flex"),
        "bison" => Some("bison"),
        _ => None,
    }
}

/// An RPM version: no `-` allowed; a semver pre-release becomes `~` (sorts before the release).
pub fn rpm_version(v: &str) -> String {
    v.replace('-', "~")
}

fn changelog_date(secs: u64) -> String {
    syspack_distro::date::rpm_changelog(secs)
}

/// Directories the package owns: those below the standard ones that carry the package's name
/// (`/usr/share/doc/<name>`, `/etc/<name>`).
fn owned_dirs(p: &Project) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    for i in &p.installs {
        let mut path = i.dest.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if parent.is_empty() {
                break;
            }
            if parent.rsplit('/').next() == Some(p.name.as_str()) {
                dirs.insert(parent.to_string());
            }
            path = parent;
        }
    }
    dirs.into_iter().collect()
}

/// Writes `<name>.spec`.
///
/// # Errors
///
/// None today; the signature matches the other writers.
pub fn write(p: &Project, release: &Release) -> Result<Vec<OutFile>> {
    let rel = p.relations(Format::Rpm);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `syspack recipe rpm` from {} (release data: {}): the same assets and C\n\
         # libraries as `syspack package`, built against the system libraries (SYSPACK_LINK=system),\n\
         # offline from the vendored crates of Source1.",
        p.manifest_rel, release.id
    );
    s.push_str(
        "# Plain cargo builds carry no debug information for find-debuginfo to split out.\n\
         %global debug_package %{nil}\n\n",
    );
    let field = |s: &mut String, k: &str, v: &str| {
        let _ = writeln!(s, "{:<16}{v}", format!("{k}:"));
    };
    field(&mut s, "Name", &p.name);
    field(&mut s, "Version", &rpm_version(&p.version));
    field(&mut s, "Release", &format!("{}%{{?dist}}", p.release));
    field(&mut s, "Summary", p.summary.trim());
    field(&mut s, "License", &p.license);
    if let Some(h) = &p.homepage {
        field(&mut s, "URL", h);
    }
    match &p.source_url {
        Some(u) => field(&mut s, "Source0", u),
        None => field(&mut s, "Source0", &p.tarball_name()),
    }
    s.push_str("# The crates of Cargo.lock, as `cargo vendor --versioned-dirs` wrote them.\n");
    field(&mut s, "Source1", &p.vendor_tarball_name());
    s.push('\n');
    let mut br = vec![
        "cargo".to_string(),
        "rust".into(),
        "gcc".into(),
        "pkgconfig".into(),
    ];
    for lib in p.system_libraries() {
        br.push(format!("pkgconfig({})", lib.pkg_config));
    }
    for g in &p.regenerations {
        if let Some(pkg) = generator_package(&g.program) {
            br.push(pkg.into());
        }
    }
    if !p.units.is_empty() {
        br.push("systemd-rpm-macros".into());
    }
    let mut seen = BTreeSet::new();
    br.retain(|b| seen.insert(b.clone()));
    for b in &br {
        field(&mut s, "BuildRequires", b);
    }
    for r in rel.depends.iter().flatten() {
        field(&mut s, "Requires", &r.rpm());
    }
    for (k, v) in [
        ("Recommends", &rel.recommends),
        ("Suggests", &rel.suggests),
        ("Conflicts", &rel.conflicts),
        ("Provides", &rel.provides),
        ("Obsoletes", &rel.replaces),
    ] {
        for r in v.iter().flatten() {
            field(&mut s, k, &r.rpm());
        }
    }
    for lib in p.bundled() {
        let _ = writeln!(
            s,
            "# The crate `{}` {} builds its own copy of {}.",
            lib.krate, lib.crate_version, lib.kb_name
        );
        field(&mut s, "Provides", &format!("bundled({})", lib.kb_name));
    }
    for k in &p.crates {
        field(
            &mut s,
            "Provides",
            &format!("bundled(crate({})) = {}", k.name, rpm_version(&k.version)),
        );
    }
    let _ = writeln!(s, "\n%description\n{}\n", p.description.trim());

    let env: Vec<String> = p
        .build_env()
        .iter()
        .map(|(k, v)| format!("{k}={}", shell::quote(v)))
        .collect();
    let export = format!(
        "export CARGO_HOME=\"$PWD/.cargo-home\" CARGO_TARGET_DIR=target {}",
        env.join(" ")
    );
    let flags = p.cargo_flags();
    let _ = writeln!(s, "%prep\n%autosetup -n {} -a 1", p.dir_name());
    s.push_str("mkdir -p .cargo-home\n");
    let _ = writeln!(
        s,
        "cat > .cargo-home/config.toml <<EOF\n{}EOF",
        super::vendor_config("$PWD/vendor")
    );
    for g in &p.regenerations {
        let args: Vec<String> = g.args.iter().map(|a| shell::quote(a)).collect();
        let _ = writeln!(
            s,
            "# Regenerate `{}` (generated/manifest.toml) with this system's {}.\n(cd {} && {} {})",
            g.name,
            g.program,
            shell::quote(&g.workdir),
            g.program,
            args.join(" ")
        );
    }
    for k in &p.kept_generations {
        let _ = writeln!(
            s,
            "# `{k}` (bindgen over the pinned upstream headers) is used as checked in."
        );
    }
    let _ = writeln!(s, "\n%build\n{export}\ncargo build --frozen {flags}\n");
    s.push_str("%install\n");
    for i in &p.installs {
        let dest = format!("%{{buildroot}}{}", shell::quote(&i.dest));
        match &i.source {
            InstallSource::Symlink(t) => {
                let parent = i.dest.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let _ = writeln!(
                    s,
                    "install -d -m 0755 %{{buildroot}}{}",
                    shell::quote(parent)
                );
                let _ = writeln!(s, "ln -s {} {dest}", shell::quote(t));
            }
            _ => {
                let src = i.build_path().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "install -D -m {:04o} {} {dest}",
                    i.mode,
                    shell::quote(&src)
                );
            }
        }
    }
    for u in &p.units {
        let _ = writeln!(
            s,
            "install -D -m 0644 {} %{{buildroot}}%{{_unitdir}}/{}",
            shell::quote(&u.source),
            shell::quote(&u.name)
        );
    }
    let _ = writeln!(s, "\n%check\n{export}\ncargo test --frozen {flags}\n");
    let names = |f: &dyn Fn(&super::Unit) -> bool| -> String {
        p.units
            .iter()
            .filter(|u| f(u))
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let all = names(&|_| true);
    let restarted = names(&|u| u.start);
    let kept = names(&|u| !u.start);
    for (name, text, systemd) in [
        ("pre", &p.scripts.pre_install, Vec::new()),
        (
            "post",
            &p.scripts.post_install,
            vec![format!("%systemd_post {all}")],
        ),
        (
            "preun",
            &p.scripts.pre_remove,
            vec![format!("%systemd_preun {all}")],
        ),
        (
            "postun",
            &p.scripts.post_remove,
            vec![
                format!("%systemd_postun_with_restart {restarted}"),
                format!("%systemd_postun {kept}"),
            ],
        ),
    ] {
        let macros: Vec<&String> = systemd
            .iter()
            .filter(|m| !all.is_empty() && !m.ends_with(' '))
            .collect();
        if text.is_none() && macros.is_empty() {
            continue;
        }
        let _ = writeln!(s, "%{name}");
        for m in macros {
            let _ = writeln!(s, "{m}");
        }
        if let Some(t) = text {
            let _ = writeln!(s, "{}", Scripts::body(t).trim_end());
        }
        s.push('\n');
    }
    s.push_str("%files\n");
    for l in &p.license_files {
        let _ = writeln!(s, "%license {l}");
    }
    for d in owned_dirs(p) {
        let _ = writeln!(s, "%dir {d}");
    }
    for u in &p.units {
        let _ = writeln!(s, "%{{_unitdir}}/{}", u.name);
    }
    for i in &p.installs {
        let conf = p.conffiles.iter().any(|c| c == &i.dest) || i.kind == AssetKind::Config;
        let prefix = if conf {
            "%config(noreplace) "
        } else if i.kind == AssetKind::Doc {
            "%doc "
        } else {
            ""
        };
        let _ = writeln!(s, "{prefix}{}", i.dest);
    }
    let _ = writeln!(
        s,
        "\n%changelog\n* {} {} - {}-{}\n- Upstream release {} (recipe written by syspack).",
        changelog_date(p.date),
        p.maintainer,
        rpm_version(&p.version),
        p.release,
        p.version
    );
    Ok(vec![OutFile::text(format!("{}.spec", p.name), s)])
}
