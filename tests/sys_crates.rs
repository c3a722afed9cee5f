//! Every sys crate is a self-contained package, as a crate on a registry must be: nothing in it
//! refers to a file outside its directory (what the crates share is in `syspack-sys-support`, the
//! bindings are each crate's `src/bindings.rs`), and `cargo package` of all of them, verified,
//! builds each from its own tarball.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The workspace members under `sys-crates/` that are published (not `publish = false`), as
/// (directory, package name).
fn sys_crates() -> Vec<(PathBuf, String)> {
    let root = manifest(&workspace().join("Cargo.toml"));
    let members = root["workspace"]["members"].as_array().unwrap();
    let mut out = Vec::new();
    for member in members {
        let member = member.as_str().unwrap();
        if !member.starts_with("sys-crates/") {
            continue;
        }
        let dir = workspace().join(member);
        let package = manifest(&dir.join("Cargo.toml"))["package"].clone();
        if package.get("publish").and_then(|p| p.as_bool()) == Some(false) {
            continue;
        }
        out.push((dir, package["name"].as_str().unwrap().to_owned()));
    }
    assert!(
        out.len() >= 8,
        "the sys crates and their support crate: {out:?}"
    );
    out
}

#[test]
fn no_sys_crate_source_refers_outside_its_directory() {
    let mut outside = Vec::new();
    for (dir, _) in sys_crates() {
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            let text = ["rs", "h", "c", "toml"]
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e));
            if !entry.file_type().is_file() || !text {
                continue;
            }
            let content = std::fs::read_to_string(path).unwrap();
            for (n, line) in content.lines().enumerate() {
                if line.contains("../") || line.contains("..\\") {
                    let rel = path.strip_prefix(workspace()).unwrap();
                    outside.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        outside.is_empty(),
        "these lines of sys crates refer to paths outside the crate, which its package would not \
         contain: move the file into the crate, or share the code through syspack-sys-support\n{}",
        outside.join("\n")
    );
}

/// The target directory of the verifying `cargo package`, one per content of the packaged
/// crates. The verification builds unpack each package under
/// `$CARGO_HOME/registry/src/<hash of the temporary registry's path>/` (the registry lives in the
/// target directory) and reuse an unpacked copy of the same name and version without reading it
/// again: with one directory for every run, a changed crate would be built from its old copy.
fn package_target_dir(dirs: &[PathBuf]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            walkdir::WalkDir::new(d)
                .into_iter()
                .filter_entry(|e| e.file_name() != "target")
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
        })
        .collect();
    files.sort();
    let mut sha = Sha256::new();
    for f in &files {
        sha.update(
            f.strip_prefix(workspace())
                .unwrap()
                .to_string_lossy()
                .as_bytes(),
        );
        sha.update([0]);
        sha.update(std::fs::read(f).unwrap());
    }
    let digest = hex::encode(sha.finalize());
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sys-crates-package-{}", &digest[..16]))
}

#[test]
fn every_sys_crate_builds_from_its_package() {
    let crates = sys_crates();
    // The workspace crates they depend on are packaged with them (cargo puts the packages in a
    // temporary registry for the verification builds), as they would be published together.
    let mut packages: Vec<String> = crates.iter().map(|(_, name)| name.clone()).collect();
    for (dir, _) in &crates {
        let m = manifest(&dir.join("Cargo.toml"));
        for table in ["dependencies", "build-dependencies"] {
            for name in m
                .get(table)
                .and_then(|t| t.as_table())
                .into_iter()
                .flat_map(|t| t.keys())
            {
                if name.starts_with("syspack-") && !packages.contains(name) {
                    packages.push(name.clone());
                }
            }
        }
    }
    let mut dirs: Vec<PathBuf> = crates.iter().map(|(dir, _)| dir.clone()).collect();
    dirs.push(workspace().join("build"));
    let target = package_target_dir(&dirs);
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace())
        .args([
            "package",
            "--offline",
            "--locked",
            "--allow-dirty",
            "--target-dir",
        ])
        .arg(&target);
    for p in &packages {
        cmd.args(["-p", p]);
    }
    let out = cmd
        .output()
        .expect("run cargo (install it with rustup: https://rustup.rs)");
    assert!(
        out.status.success(),
        "{cmd:?} failed (offline: with an empty cargo cache run `cargo fetch --locked` first):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each package holds the files generated/manifest.toml proves for it (its bindings, and
    // libsolv's the headers they are generated through) and its library description.
    let generated = manifest(&workspace().join("generated/manifest.toml"));
    let proven: Vec<&str> = generated["generation"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| ["inputs", "outputs"].map(|k| g.get(k).and_then(|v| v.as_array())))
        .flatten()
        .flatten()
        .filter_map(|file| file.get("path").and_then(|p| p.as_str()))
        .collect();
    for (dir, name) in &crates {
        let list = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(workspace())
            .args([
                "package",
                "--offline",
                "--allow-dirty",
                "--list",
                "-p",
                name,
            ])
            .output()
            .unwrap();
        assert!(
            list.status.success(),
            "{}",
            String::from_utf8_lossy(&list.stderr)
        );
        let list = String::from_utf8(list.stdout).unwrap();
        let files: Vec<&str> = list.lines().collect();
        let rel = format!("{}/", dir.strip_prefix(workspace()).unwrap().display());
        let mut expected: Vec<&str> = proven.iter().filter_map(|p| p.strip_prefix(&rel)).collect();
        expected.extend(["Cargo.toml", "src/lib.rs"]);
        if dir.join("library.toml").is_file() {
            expected.extend(["src/bindings.rs", "library.toml", "pin.toml", "build.rs"]);
        }
        for file in expected {
            assert!(
                files.contains(&file),
                "{name}: no {file} in its package: {files:?}"
            );
        }
    }
}
