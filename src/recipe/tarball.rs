//! The files a recipe ships beside itself: the reproducible source and vendor tarballs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};
use syspack_distro::tarball::{TarFlavor, TarWriter};
use syspack_distro::Compression;
use syspack_distro::Owner;

use super::model::{OutFile, Project};

/// A reproducible `.tar.gz` of `dir`'s files under `prefix/`, skipping top-level names in
/// `skip`; entries sorted, owner root, time `date`.
pub fn tar_gz(dir: &Path, prefix: &str, skip: &[&Path], date: u64) -> Result<Vec<u8>> {
    let enc = syspack_distro::compress::Encoder::new(Vec::new(), Compression::Gzip { level: 9 })
        .context("failed to start gzip")?;
    let mut tar = TarWriter::new(enc, TarFlavor::Pax, date);
    let owner = Owner::root();
    tar.append_dir(&format!("{prefix}/"), 0o755, &owner)?;
    let walker = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip.iter().any(|s| e.path() == *s));
    for e in walker {
        let e = e.with_context(|| format!("failed to read `{}`", dir.display()))?;
        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
        let rel = rel
            .to_str()
            .ok_or_else(|| anyhow!("`{}` is not UTF-8", e.path().display()))?;
        let name = format!("{prefix}/{rel}");
        let ft = e.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(e.path())
                .with_context(|| format!("failed to read `{}`", e.path().display()))?;
            tar.append_symlink(&name, &target.to_string_lossy(), &owner)?;
        } else if ft.is_dir() {
            tar.append_dir(&format!("{name}/"), 0o755, &owner)?;
        } else {
            let f = std::fs::File::open(e.path())
                .with_context(|| format!("failed to read `{}`", e.path().display()))?;
            let size = f.metadata()?.len();
            tar.append_file(&name, size, file_mode(e.path()), &owner, f)
                .with_context(|| format!("failed to archive `{}`", e.path().display()))?;
        }
    }
    let enc = tar.finish()?;
    Ok(enc.finish()?)
}

/// The upstream source tarball: the workspace without `target/`, `.git/` and `exclude`.
pub fn source_tarball(p: &Project, exclude: &[&Path]) -> Result<Vec<u8>> {
    let target = p.root.join("target");
    let git = p.root.join(".git");
    let mut skip: Vec<&Path> = vec![&target, &git];
    skip.extend(exclude);
    tar_gz(&p.root, &p.dir_name(), &skip, p.date)
}

/// Runs `cargo vendor --locked --versioned-dirs` and returns the tarball of `vendor/`.
pub fn vendor_tarball(p: &Project) -> Result<Vec<u8>> {
    let tmp = tempfile::Builder::new()
        .prefix("syspack-vendor-")
        .tempdir()
        .context("failed to create a temporary directory")?;
    let dir = tmp.path().join("vendor");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["vendor", "--locked", "--versioned-dirs", "--manifest-path"])
        .arg(p.root.join(&p.manifest_rel))
        .arg(&dir)
        .output()
        .context("failed to run `cargo vendor`")?;
    if !out.status.success() {
        bail!(
            "`cargo vendor --locked` failed:\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    if !dir.exists() {
        std::fs::create_dir_all(&dir)?;
    }
    tar_gz(&dir, "vendor", &[], p.date)
}

/// sha256 in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The cargo source replacement that points the registry at `dir` (an absolute path or a shell
/// expression the recipe expands).
pub fn vendor_config(dir: &str) -> String {
    format!(
        "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"{dir}\"\n"
    )
}

/// Writes every file below `out`, each atomically.
///
/// # Errors
///
/// An I/O error naming the file.
pub fn write_files(out: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for f in files {
        let path = out.join(&f.path);
        let dir = path.parent().unwrap_or(out);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow!("bad output name `{}`", f.path))?;
        let p = syspack_distro::output::write_atomically(dir, name, |w| {
            w.write_all(&f.data)
                .map_err(|e| syspack_distro::Error::io(&path, "writing", e))
        })?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f.mode))
                .with_context(|| format!("failed to set the mode of `{}`", p.display()))?;
        }
        written.push(p);
    }
    Ok(written)
}

/// Splits `Name <email>` into its parts.
pub fn split_maintainer(m: &str) -> (String, String) {
    match (m.find('<'), m.rfind('>')) {
        (Some(a), Some(b)) if a < b => (m[..a].trim().to_string(), m[a + 1..b].trim().to_string()),
        _ => (m.trim().to_string(), String::new()),
    }
}

pub(super) fn file_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(p) {
        Ok(m) if m.permissions().mode() & 0o111 != 0 => 0o755,
        _ => 0o644,
    }
}
