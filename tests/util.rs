//! The harness: [`Dir`] is a scratch directory, [`TestCommand`] runs the `syspack` binary in it.
//! When an expectation fails, the panic message shows the command, its working directory, the
//! directory listing, the exit status, stdout and stderr.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    /// A new empty directory; `name` only helps when reading failures.
    pub fn new(name: &str) -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("syspack-test-{name}-"))
            .tempdir()
            .expect("create a temporary directory");
        Dir { tmp }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// `rel` inside the directory.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes a file (creating parent directories).
    pub fn create(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// Copies `tests/fixtures/<rel>` (a directory) into this directory.
    pub fn copy_fixture(&self, rel: &str) {
        let src = fixtures().join(rel);
        copy_tree(&src, self.path());
    }

    /// Sets the package version in `syspack.toml` (its first `version = ` line).
    pub fn set_version(&self, version: &str) {
        let path = self.join("syspack.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        let at = config.find("\nversion = ").expect("a `version = ` line") + 1;
        let end = at + config[at..].find('\n').unwrap();
        let config = format!("{}version = \"{version}\"{}", &config[..at], &config[end..]);
        std::fs::write(path, config).unwrap();
    }

    /// The files directly in `rel`, as paths, sorted.
    pub fn files(&self, rel: &str) -> Vec<PathBuf> {
        files_in(&self.join(rel))
            .into_iter()
            .map(|f| self.join(rel).join(f))
            .collect()
    }

    /// A `syspack` command running in this directory.
    pub fn command(&self) -> TestCommand {
        TestCommand::new(self.path())
    }

    /// `syspack package --no-build --config syspack.toml` in this directory (add the targets,
    /// `--out` and the rest).
    pub fn package(&self) -> TestCommand {
        let mut cmd = self.command();
        cmd.args(["package", "--no-build", "--config", "syspack.toml"]);
        cmd
    }
}

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// Copies a directory tree, keeping symlinks as symlinks and the executable bit.
pub fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let to = dst.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(target, &to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every path below `dir`, sorted, one per line.
pub fn listing(dir: &Path) -> String {
    let mut out = String::new();
    if !dir.exists() {
        return format!("  ({} does not exist)\n", dir.display());
    }
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            out,
            "  {}",
            e.path().strip_prefix(dir).unwrap_or(e.path()).display()
        );
    }
    out
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The files directly in `dir` (none when it does not exist), sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// A run of the `syspack` binary.
pub struct TestCommand {
    cmd: Command,
    cwd: PathBuf,
}

impl TestCommand {
    fn new(cwd: &Path) -> TestCommand {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_syspack"));
        cmd.current_dir(cwd).stdin(Stdio::null());
        // A stable date unless a test sets its own; no terminal progress.
        cmd.env("SOURCE_DATE_EPOCH", "1700000000");
        cmd.env_remove("SYSPACK_MIRROR");
        // Shared frames live in a cache for the run only, unless a test gives one.
        cmd.env("SYSPACK_FRAME_CACHE", "off");
        cmd.env_remove("SYSPACK_FRAME_CACHE_MAX_SIZE");
        // No release index from the user's cache: the built-in ones unless a test gives a
        // directory.
        cmd.env("SYSPACK_INDEX_DIR", cwd.join(".no-index-dir"));
        TestCommand {
            cmd,
            cwd: cwd.to_path_buf(),
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, k: &str, v: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.env(k, v);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(&mut self, k: &str) -> &mut Self {
        self.cmd.env_remove(k);
        self
    }

    /// Runs the command.
    pub fn output(&mut self) -> Output {
        self.cmd.output().expect("run syspack")
    }

    /// Describes a finished run for a failure message.
    pub fn describe(&self, out: &Output) -> String {
        format!(
            "command: {:?}\ncwd: {}\nfiles:\n{}status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmd,
            self.cwd.display(),
            listing(&self.cwd),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Runs, expects exit status `code`, returns the output.
    pub fn expect_code(&mut self, code: i32) -> Output {
        let out = self.output();
        if out.status.code() != Some(code) {
            panic!("expected exit status {code}\n{}", self.describe(&out));
        }
        out
    }

    /// Runs, expects success, returns stdout.
    pub fn stdout(&mut self) -> String {
        let out = self.expect_code(0);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs, expects exit status `code`, returns stderr.
    pub fn stderr_with(&mut self, code: i32) -> String {
        let out = self.expect_code(code);
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// Asserts `haystack` contains every needle, printing it otherwise.
#[track_caller]
pub fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            haystack.contains(n),
            "expected to find {n:?} in:\n{haystack}"
        );
    }
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The files of a .deb, extracted with dpkg-deb into `into`.
pub fn extract_deb(deb: &Path, into: &Path) {
    tool(
        "dpkg-deb",
        &["-x", deb.to_str().unwrap(), into.to_str().unwrap()],
        "dpkg",
    );
}

/// Runs an external tool; a missing tool fails with the command that installs it.
pub fn tool(program: &str, args: &[&str], package: &str) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("`{program}` cannot run ({e}); install it with `apt-get install -y {package}`")
        });
    assert!(
        out.status.success(),
        "`{program} {}` failed ({})\n{}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
