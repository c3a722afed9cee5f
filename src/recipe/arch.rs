//! Arch Linux: `PKGBUILD` and `.SRCINFO`, following the Arch Rust package guidelines
//! (shared/reference/formats-and-distros.md §3.6): crates fetched in `prepare()` with
//! `cargo fetch --locked`, then `--frozen` builds and tests, `options=('!lto')`.
//!
//! `.SRCINFO` is what `makepkg --printsrcinfo` prints for the PKGBUILD (attribute order from
//! makepkg's `srcinfo.sh`); the tests compare the two.

use std::fmt::Write as _;

use anyhow::Result;
use syspack_distro::kb::Release;
use syspack_distro::Format;

use super::{
    arch_relation, runtime_package, shell_quote, soname_package, InstallSource, OutFile, Project,
    Scripts,
};

/// The Arch package for a generator program.
fn generator_package(program: &str) -> Option<&'static str> {
    match program {
        "thrift" => Some("thrift"),
        "flex" => Some("flex"),
        "bison" => Some("bison"),
        _ => None,
    }
}

/// The PKGBUILD's attributes, shared by the PKGBUILD and `.SRCINFO` writers.
struct Attrs {
    pkgname: String,
    pkgver: String,
    pkgrel: String,
    pkgdesc: String,
    url: Option<String>,
    install: Option<String>,
    arch: Vec<String>,
    license: Vec<String>,
    makedepends: Vec<String>,
    depends: Vec<String>,
    optdepends: Vec<String>,
    provides: Vec<String>,
    conflicts: Vec<String>,
    replaces: Vec<String>,
    options: Vec<String>,
    backup: Vec<String>,
    source: Vec<String>,
    sha256sums: Vec<String>,
}

fn attrs(p: &Project, release: &Release, tarball_sha256: &str) -> Result<Attrs> {
    let rel = p.relations(Format::Arch);
    let mut depends: Vec<String> = Vec::new();
    // Every Rust binary links the C library and libgcc_s (unwinding).
    for soname in ["libgcc_s.so.1", "libc.so.6"] {
        if let Some(pkg) = soname_package(release, soname) {
            depends.push(pkg);
        }
    }
    for lib in p.system_libraries() {
        if let Some(pkg) = runtime_package(release, lib)? {
            depends.push(pkg);
        }
    }
    depends.sort();
    depends.dedup();
    for r in rel.depends.iter().flatten() {
        let s = arch_relation(r);
        if !depends.contains(&s) {
            depends.push(s);
        }
    }
    let mut makedepends = vec!["cargo".to_string(), "pkgconf".to_string()];
    for g in &p.regenerations {
        if let Some(pkg) = generator_package(&g.program) {
            makedepends.push(pkg.to_string());
        }
    }
    makedepends.dedup();
    let list = |v: &Option<Vec<syspack_distro::Relation>>| -> Vec<String> {
        v.iter().flatten().map(arch_relation).collect()
    };
    let mut optdepends: Vec<String> = list(&rel.recommends);
    optdepends.extend(list(&rel.suggests));
    let source = match &p.source_url {
        Some(url) => format!("{}::{url}", p.tarball_name()),
        None => p.tarball_name(),
    };
    let has_scripts = p.scripts != Scripts::default();
    Ok(Attrs {
        pkgname: p.name.clone(),
        pkgver: p.version.replace('-', "_"),
        pkgrel: p.release.clone(),
        pkgdesc: p.summary.split_whitespace().collect::<Vec<_>>().join(" "),
        url: p.homepage.clone(),
        install: has_scripts.then(|| format!("{}.install", p.name)),
        arch: vec!["x86_64".into(), "aarch64".into()],
        license: vec![p.license.clone()],
        makedepends,
        depends,
        optdepends,
        provides: list(&rel.provides),
        conflicts: list(&rel.conflicts),
        replaces: list(&rel.replaces),
        options: vec!["!lto".into()],
        backup: p
            .conffiles
            .iter()
            .map(|c| c.trim_start_matches('/').to_string())
            .collect(),
        source: vec![source],
        sha256sums: vec![tarball_sha256.to_string()],
    })
}

fn bash_array(name: &str, items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| shell_quote_always(i)).collect();
    format!("{name}=({})\n", quoted.join(" "))
}

fn shell_quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Writes `PKGBUILD`, `.SRCINFO` and, with maintainer scripts, `<name>.install`.
///
/// # Errors
///
/// A library the knowledge base does not know on the release.
pub fn write(p: &Project, release: &Release, tarball_sha256: &str) -> Result<Vec<OutFile>> {
    let a = attrs(p, release, tarball_sha256)?;
    let mut s = String::new();
    let (name, email) = super::split_maintainer(&p.maintainer);
    let _ = writeln!(s, "# Maintainer: {name} <{email}>");
    let _ = writeln!(
        s,
        "# Written by `syspack recipe arch` from {} (release data: {}): the same assets and\n\
         # C libraries as `syspack package`, built against the system libraries (SYSPACK_LINK=system).",
        p.manifest_rel, release.id
    );
    for lib in p.bundled() {
        let _ = writeln!(
            s,
            "# Bundled: the crate `{}` {} builds its own copy of {} (a bundled/vendored feature is on).",
            lib.krate, lib.crate_version, lib.kb_name
        );
    }
    s.push('\n');
    let _ = writeln!(s, "pkgname={}", a.pkgname);
    let _ = writeln!(s, "pkgver={}", a.pkgver);
    let _ = writeln!(s, "pkgrel={}", a.pkgrel);
    let _ = writeln!(s, "pkgdesc={}", shell_quote_always(&a.pkgdesc));
    s.push_str(&bash_array("arch", &a.arch));
    if let Some(url) = &a.url {
        let _ = writeln!(s, "url={}", shell_quote_always(url));
    }
    s.push_str(&bash_array("license", &a.license));
    s.push_str(&bash_array("depends", &a.depends));
    s.push_str(&bash_array("makedepends", &a.makedepends));
    for (k, v) in [
        ("optdepends", &a.optdepends),
        ("provides", &a.provides),
        ("conflicts", &a.conflicts),
        ("replaces", &a.replaces),
        ("backup", &a.backup),
    ] {
        if !v.is_empty() {
            s.push_str(&bash_array(k, v));
        }
    }
    s.push_str("# Some cargo projects fail to link with makepkg's -flto=auto.\n");
    s.push_str(&bash_array("options", &a.options));
    if let Some(i) = &a.install {
        let _ = writeln!(s, "install={i}");
    }
    s.push_str(&bash_array("source", &a.source));
    s.push_str(&bash_array("sha256sums", &a.sha256sums));

    let dir = if a.pkgver == p.version {
        "\"$pkgname-$pkgver\"".to_string()
    } else {
        shell_quote(&p.dir_name())
    };
    let env: Vec<String> = p
        .build_env()
        .iter()
        .map(|(k, v)| format!("{k}={}", shell_quote(v)))
        .collect();
    let flags = p.cargo_flags();

    s.push_str("\nprepare() {\n");
    let _ = writeln!(s, "  cd {dir}");
    s.push_str("  export RUSTUP_TOOLCHAIN=stable\n");
    s.push_str("  cargo fetch --locked --target \"$(rustc -vV | sed -n 's/host: //p')\"\n");
    if !p.regenerations.is_empty() {
        s.push_str(
            "  # Regenerate the checked-in generated sources (generated/manifest.toml) with Arch's\n  # generators: the build uses what this system's tools produce.\n",
        );
        for g in &p.regenerations {
            let args: Vec<String> = g.args.iter().map(|a| shell_quote(a)).collect();
            let _ = writeln!(
                s,
                "  (cd {} && {} {})",
                shell_quote(&g.workdir),
                g.program,
                args.join(" ")
            );
        }
    }
    for k in &p.kept_generations {
        let _ = writeln!(
            s,
            "  # `{k}` (bindgen over the pinned upstream headers) is used as checked in."
        );
    }
    s.push_str("}\n\nbuild() {\n");
    let _ = writeln!(s, "  cd {dir}");
    let _ = writeln!(
        s,
        "  export RUSTUP_TOOLCHAIN=stable CARGO_TARGET_DIR=target {}",
        env.join(" ")
    );
    let _ = writeln!(s, "  cargo build --frozen {flags}");
    s.push_str("}\n\ncheck() {\n");
    let _ = writeln!(s, "  cd {dir}");
    let _ = writeln!(
        s,
        "  export RUSTUP_TOOLCHAIN=stable CARGO_TARGET_DIR=target {}",
        env.join(" ")
    );
    let _ = writeln!(s, "  cargo test --frozen {flags}");
    s.push_str("}\n\npackage() {\n");
    let _ = writeln!(s, "  cd {dir}");
    for i in &p.installs {
        let dest = format!("\"$pkgdir\"{}", shell_quote(&i.dest));
        match &i.source {
            InstallSource::Symlink(t) => {
                let parent = i.dest.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let _ = writeln!(s, "  install -dm0755 \"$pkgdir\"{}", shell_quote(parent));
                let _ = writeln!(s, "  ln -s {} {dest}", shell_quote(t));
            }
            _ => {
                let src = i.build_path().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  install -Dm{:04o} {} {dest}",
                    i.mode,
                    shell_quote(&src)
                );
            }
        }
    }
    if !p.license_files.is_empty() {
        let files: Vec<String> = p.license_files.iter().map(|l| shell_quote(l)).collect();
        let _ = writeln!(
            s,
            "  install -Dm0644 -t \"$pkgdir/usr/share/licenses/$pkgname/\" {}",
            files.join(" ")
        );
    }
    s.push_str("}\n");

    let mut files = vec![
        OutFile::text("PKGBUILD", s),
        OutFile::text(".SRCINFO", srcinfo(&a)),
    ];
    if let Some(i) = &a.install {
        files.push(OutFile::text(i.clone(), install_script(&p.scripts)));
    }
    Ok(files)
}

/// The `.install` file: pacman's scriptlet functions.
fn install_script(s: &Scripts) -> String {
    let mut out = String::new();
    let mut f = |name: &str, body: &Option<String>, also: Option<&str>| {
        if let Some(b) = body {
            let _ = writeln!(out, "{name}() {{\n{}\n}}\n", Scripts::body(b).trim_end());
            if let Some(also) = also {
                let _ = writeln!(out, "{also}() {{\n  {name} \"$@\"\n}}\n");
            }
        }
    };
    f("pre_install", &s.pre_install, Some("pre_upgrade"));
    f("post_install", &s.post_install, Some("post_upgrade"));
    f("pre_remove", &s.pre_remove, None);
    f("post_remove", &s.post_remove, None);
    out
}

fn srcinfo(a: &Attrs) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "pkgbase = {}", a.pkgname);
    let mut one = |k: &str, v: &str| {
        let _ = writeln!(s, "\t{k} = {v}");
    };
    one("pkgdesc", &a.pkgdesc);
    one("pkgver", &a.pkgver);
    one("pkgrel", &a.pkgrel);
    if let Some(u) = &a.url {
        one("url", u);
    }
    if let Some(i) = &a.install {
        one("install", i);
    }
    for (k, v) in [
        ("arch", &a.arch),
        ("license", &a.license),
        ("makedepends", &a.makedepends),
        ("depends", &a.depends),
        ("optdepends", &a.optdepends),
        ("provides", &a.provides),
        ("conflicts", &a.conflicts),
        ("replaces", &a.replaces),
        ("options", &a.options),
        ("backup", &a.backup),
        ("source", &a.source),
        ("sha256sums", &a.sha256sums),
    ] {
        for item in v {
            one(k, item);
        }
    }
    let _ = writeln!(s, "\npkgname = {}", a.pkgname);
    s
}
