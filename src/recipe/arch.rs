//! Arch Linux: `PKGBUILD` and `.SRCINFO`, following the Arch Rust package guidelines
//! (`docs/formats.md` §5): crates fetched in `prepare()` with
//! `cargo fetch --locked`, then `--frozen` builds and tests, `options=('!lto')`.
//!
//! `.SRCINFO` is what `makepkg --printsrcinfo` prints for the PKGBUILD (attribute order from
//! makepkg's `srcinfo.sh`); the tests compare the two.
//!
//! Generated sources: Arch packages build upstream's release as it is, so the PKGBUILD does not
//! regenerate the checked-in outputs of `generated/manifest.toml`; `prepare()` runs the
//! generated-source check instead: each generation is replayed with Arch's generator in a
//! scratch directory holding only its inputs, and every output must equal the checked-in one
//! byte for byte, or the build fails naming the file, with a diff. When the generator's version
//! differs from the manifest's, the comparison is skipped with a message (version skew is not
//! drift, as `syspack generated check` says). The generators are `makedepends`.
//!
//! systemd units go to `usr/lib/systemd/system` in `package()`. They are not enabled or started
//! by an install script: Arch's policy leaves that to the administrator (`systemctl enable`).

use std::fmt::Write as _;

use anyhow::Result;
use syspack_build::shell;
use syspack_distro::kb::Release;
use syspack_distro::{Format, Relation};

use super::{
    runtime_package, soname_package, InstallSource, OutFile, Project, Regeneration, Scripts,
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
        let s = r.arch();
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
        v.iter().flatten().map(Relation::arch).collect()
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
    let quoted: Vec<String> = items.iter().map(|i| shell::quote_always(i)).collect();
    format!("{name}=({})\n", quoted.join(" "))
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
    let _ = writeln!(s, "pkgdesc={}", shell::quote_always(&a.pkgdesc));
    s.push_str(&bash_array("arch", &a.arch));
    if let Some(url) = &a.url {
        let _ = writeln!(s, "url={}", shell::quote_always(url));
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
        shell::quote(&p.dir_name())
    };
    let env: Vec<String> = p
        .build_env()
        .iter()
        .map(|(k, v)| format!("{k}={}", shell::quote(v)))
        .collect();
    let flags = p.cargo_flags();

    s.push_str("\nprepare() {\n");
    let _ = writeln!(s, "  cd {dir}");
    s.push_str("  export RUSTUP_TOOLCHAIN=stable\n");
    s.push_str("  cargo fetch --locked --target \"$(rustc -vV | sed -n 's/host: //p')\"\n");
    if !p.regenerations.is_empty() {
        s.push_str(
            "  # The generated-source check (generated/manifest.toml): replay each generation with\n  \
             # Arch's generator in a scratch directory and compare the outputs with the checked-in\n  \
             # ones. The build uses the checked-in outputs, so a drifted one fails it here.\n",
        );
        for g in &p.regenerations {
            generated_check(&mut s, g);
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
        let dest = format!("\"$pkgdir\"{}", shell::quote(&i.dest));
        match &i.source {
            InstallSource::Symlink(t) => {
                let parent = i.dest.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let _ = writeln!(s, "  install -dm0755 \"$pkgdir\"{}", shell::quote(parent));
                let _ = writeln!(s, "  ln -s {} {dest}", shell::quote(t));
            }
            _ => {
                let src = i.build_path().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  install -Dm{:04o} {} {dest}",
                    i.mode,
                    shell::quote(&src)
                );
            }
        }
    }
    if !p.units.is_empty() {
        s.push_str(
            "  # systemd units; enabling them is left to the administrator (Arch policy).\n",
        );
    }
    for u in &p.units {
        let _ = writeln!(
            s,
            "  install -Dm0644 {} \"$pkgdir\"/usr/lib/systemd/system/{}",
            shell::quote(&u.source),
            shell::quote(&u.name)
        );
    }
    if !p.license_files.is_empty() {
        let files: Vec<String> = p.license_files.iter().map(|l| shell::quote(l)).collect();
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

/// The shell lines of `prepare()` that check one generation (see the module docs).
pub(super) fn generated_check(s: &mut String, g: &Regeneration) {
    let name = &g.name;
    let program = &g.program;
    let version = &g.version;
    let _ = writeln!(
        s,
        "  # `{name}`: {program} {version} in generated/manifest.toml.\n  \
         _found=\"$({program} --version | head -n1 | awk '{{print $NF}}')\"\n  \
         if [ \"$_found\" != {v} ]; then\n    \
         echo \"syspack: generated-source check of \\`{name}' skipped: {program} $_found here, \
         {version} in generated/manifest.toml (version skew, not drift)\" >&2\n  \
         else\n    \
         _scratch=\"$(mktemp -d)\"",
        v = shell::quote(version),
    );
    for i in &g.inputs {
        let _ = writeln!(
            s,
            "    install -Dm0644 {i} \"$_scratch\"/{i}",
            i = shell::quote(i)
        );
    }
    let args: Vec<String> = g.args.iter().map(|a| shell::quote(a)).collect();
    let _ = writeln!(
        s,
        "    mkdir -p \"$_scratch\"/{w}\n    (cd \"$_scratch\"/{w} && {program} {})",
        args.join(" "),
        w = shell::quote(&g.workdir),
    );
    for o in &g.outputs {
        let q = shell::quote(o);
        let _ = writeln!(
            s,
            "    if ! cmp -s {q} \"$_scratch\"/{q}; then\n      \
             echo \"syspack: generated source {o} differs from what {program} $_found makes from its \
             inputs (\\`{name}' in generated/manifest.toml): it was edited by hand or not regenerated \
             after an input changed; run \\`syspack generated update' upstream\" >&2\n      \
             diff -u {q} \"$_scratch\"/{q} | head -n 40 >&2 || true\n      \
             rm -rf \"$_scratch\"\n      \
             return 1\n    \
             fi"
        );
    }
    let _ = writeln!(
        s,
        "    rm -rf \"$_scratch\"\n    \
         echo \"syspack: generated-source check of \\`{name}' passed ({program} $_found)\"\n  \
         fi"
    );
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
