//! Shared fixtures for the format tests: one staged package that exercises every part of the
//! model (files, a conffile, directories, a relative and an absolute symlink, a long path,
//! scripts, relations), built from files in a scratch directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use syspack_distro::{Arch, InstallPath, Metadata, Package, Relation, SourceDate, VersionOp};

/// The SOURCE_DATE_EPOCH every fixture uses (2023-11-14).
pub const DATE: u64 = 1_700_000_000;

/// Writes the sample's asset files into `dir` and returns the staged package.
pub fn sample_package(dir: &Path) -> Package {
    std::fs::create_dir_all(dir).unwrap();
    let bin = dir.join("hello");
    std::fs::write(&bin, "#!/bin/sh\necho \"hello from syspack\"\n").unwrap();
    let conf = dir.join("hello.conf");
    std::fs::write(&conf, "greeting = hello\n").unwrap();
    let big = dir.join("data.bin");
    let bytes: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&big, bytes).unwrap();

    let mut meta = Metadata::new("syspack-sample", "1.2.3", Arch::X86_64);
    meta.summary = "sample package written by syspack's tests".into();
    meta.description = "A package that exercises files, directories, symlinks,\nconffiles and maintainer scripts.\n\nSecond paragraph.".into();
    meta.maintainer = "Syspack Tests <tests@syspack.invalid>".into();
    meta.homepage = Some("https://syspack.invalid/".into());
    meta.license = "MIT".into();
    meta.section = Some("utils".into());
    meta.relations
        .depends
        .push(Relation::with("libc6", VersionOp::Ge, "2.31"));
    meta.relations
        .conflicts
        .push(Relation::any("syspack-sample-legacy"));
    meta.relations.provides.push(Relation::any("hello-world"));

    let mut pkg = Package::new(meta, SourceDate(DATE));
    let p = |s: &str| InstallPath::new(s).unwrap();
    pkg.add_file(p("/usr/bin/syspack-sample"), &bin, 0o755)
        .unwrap();
    pkg.add_file(p("/etc/syspack-sample/hello.conf"), &conf, 0o644)
        .unwrap();
    pkg.mark_conffile(&p("/etc/syspack-sample/hello.conf"))
        .unwrap();
    pkg.add_file(p("/usr/share/syspack-sample/data.bin"), &big, 0o644)
        .unwrap();
    let long = format!(
        "/usr/share/syspack-sample/{}/deep.txt",
        "long-directory-name".repeat(6)
    );
    pkg.add_bytes(p(&long), b"deep\n".to_vec(), 0o644).unwrap();
    pkg.add_dir(p("/var/lib/syspack-sample"), 0o750).unwrap();
    pkg.add_symlink(p("/usr/bin/hello-sample"), "syspack-sample")
        .unwrap();
    pkg.add_symlink(
        p("/usr/share/syspack-sample/abs-link"),
        "/usr/bin/syspack-sample",
    )
    .unwrap();
    pkg.scripts.post_install = Some("#!/bin/sh\nset -e\necho post-install ran >/dev/null\n".into());
    pkg.scripts.pre_remove = Some("#!/bin/sh\nset -e\necho pre-remove ran >/dev/null\n".into());
    pkg
}

/// A scratch directory that lives as long as the value.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Runs a command, returning stdout; panics with the full command, status, stdout and stderr
/// when it fails, and with the install command when the tool is missing.
pub fn run(cmd: &mut std::process::Command, install_hint: &str) -> String {
    let shown = format!("{cmd:?}");
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("{shown}: tool not found; install it with `{install_hint}` (ci/run does)")
        }
        Err(e) => panic!("{shown}: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "command failed: {shown}\nstatus: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout
}

/// Like [`run`] but returns (success, stdout, stderr) instead of asserting success.
pub fn run_status(cmd: &mut std::process::Command, install_hint: &str) -> (bool, String, String) {
    let shown = format!("{cmd:?}");
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("{shown}: tool not found; install it with `{install_hint}` (ci/run does)")
        }
        Err(e) => panic!("{shown}: {e}"),
    };
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The path of a file under the scratch dir.
pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Two copies of the sample package staged from different directories whose asset files have
/// different modes on disk (0600 and 0777): a reproducible writer takes modes from the model,
/// never from the disk. Returns each scratch directory with its package.
pub fn sample_pair() -> ((tempfile::TempDir, Package), (tempfile::TempDir, Package)) {
    use std::os::unix::fs::PermissionsExt;
    let (a, b) = (scratch(), scratch());
    let pa = sample_package(&a.path().join("some/where"));
    let pb = sample_package(&b.path().join("else"));
    for f in ["hello", "hello.conf", "data.bin"] {
        for (dir, mode) in [
            (a.path().join("some/where"), 0o600),
            (b.path().join("else"), 0o777),
        ] {
            std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    ((a, pa), (b, pb))
}

/// Runs `f` with the process-wide `TZ` set to `tz`, then restores the previous value. Other
/// tests of the same binary must not depend on `TZ` (they pin `TZ=UTC` for the tools they run).
pub fn with_tz<T>(tz: &str, f: impl FnOnce() -> T) -> T {
    let old = std::env::var_os("TZ");
    std::env::set_var("TZ", tz);
    let out = f();
    match old {
        Some(v) => std::env::set_var("TZ", v),
        None => std::env::remove_var("TZ"),
    }
    out
}

/// The install command for what [`cc`] needs.
pub const CC_HINT: &str = "apt-get install -y gcc libc6-dev zlib1g-dev";

/// Compiles `source` into `dir/name` with `cc`, passing `args` after the source file.
pub fn cc(dir: &Path, name: &str, source: &str, args: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(name);
    run(
        std::process::Command::new("cc")
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .args(args),
        CC_HINT,
    );
    out
}

/// A shared library `dir/<soname>` with that soname and one function, `void <function>(void)`.
pub fn shared_library(dir: &Path, soname: &str, function: &str) -> PathBuf {
    cc(
        dir,
        soname,
        &format!("void {function}(void){{}}\n"),
        &["-shared", "-fPIC", &format!("-Wl,-soname,{soname}")],
    )
}
