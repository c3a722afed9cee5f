//! Shared helpers: fixture paths, the base mock environment, a vendored-source fixture.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use syspack_build::cache::{sha256_file, Cache};
use syspack_build::pin::Pin;
use syspack_build::{Emit, Env, Error, Library, Provenance, VendoredBuild, VendoredSource};

pub const TARGET: &str = "x86_64-unknown-linux-gnu";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// A native build for x86_64 Linux that sees only the fixture `.pc` files and a fake compiler
/// whose search path is empty, so nothing of the real system leaks in.
pub fn base_env(extra: &[(&str, &str)]) -> Env {
    let pc = fixtures().join("pc").display().to_string();
    let cc = fixtures().join("cc-empty/bin/cc").display().to_string();
    let mut vars: Vec<(String, String)> = vec![
        ("TARGET".into(), TARGET.into()),
        ("HOST".into(), TARGET.into()),
        ("CARGO_CFG_TARGET_OS".into(), "linux".into()),
        ("CARGO_PKG_NAME".into(), "syspack-zstd-sys".into()),
        ("PKG_CONFIG_PATH".into(), pc.clone()),
        ("PKG_CONFIG_LIBDIR".into(), pc),
        ("CC".into(), cc),
    ];
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push((k.to_string(), v.to_string()));
    }
    Env::mock(vars)
}

/// The zstd description of the contract, with a vendored closure that builds nothing.
pub fn zstd() -> Library {
    let mut l = Library::new("zstd");
    l.pkg_config_name("libzstd")
        .vcpkg_name("zstd")
        .min_version("1.4.0")
        .link_name("zstd")
        .header("zstd.h")
        .distro_package("debian", "libzstd-dev")
        .distro_package("fedora", "libzstd-devel")
        .distro_package("arch", "zstd")
        .pin_file("pin.toml")
        .vendored(|src: &VendoredSource| Ok(VendoredBuild::new(src.dir().join("lib"))));
    l
}

pub fn run(lib: &Library, env: &Env) -> (Result<Provenance, Error>, String) {
    let emit = Emit::capture();
    let r = lib.probe_with(env, &emit);
    (r, emit.output())
}

/// Replaces machine-specific paths with placeholders so whole outputs can be compared.
pub fn normalize(s: &str, dirs: &[(&Path, &str)]) -> String {
    let mut s = s.replace(&fixtures().display().to_string(), "{fixtures}");
    for (d, name) in dirs {
        s = s.replace(&d.display().to_string(), name);
    }
    s
}

/// A scratch directory with a small C library `zstd` 9.9.9 packed as a tarball, its pin file
/// (`<dir>/crate/pin.toml`), an empty cache and an `OUT_DIR`.
pub struct Vendor {
    pub dir: tempfile::TempDir,
    pub tarball: PathBuf,
    pub sha256: String,
    pub pin: Pin,
}

impl Vendor {
    pub fn new() -> Vendor {
        Vendor::with_files(&[
            ("zstd-9.9.9/lib/zstd.h", "int fake_zstd_version(void);\n"),
            (
                "zstd-9.9.9/lib/zstd.c",
                "#include \"zstd.h\"\nint fake_zstd_version(void) { return 90909; }\n",
            ),
        ])
    }

    pub fn with_files(files: &[(&str, &str)]) -> Vendor {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        for (name, text) in files {
            let p = tree.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, text).unwrap();
        }
        let tarball = dir.path().join("zstd-9.9.9.tar.gz");
        let top: Vec<&str> = {
            let mut t: Vec<&str> = files
                .iter()
                .map(|(n, _)| n.split('/').next().unwrap())
                .collect();
            t.dedup();
            t
        };
        // Reproducible bytes (GNU tar): the same files give the same sha256 in every run.
        let st = Command::new("tar")
            .args([
                "--mtime=@0",
                "--sort=name",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
            ])
            .arg("-czf")
            .arg(&tarball)
            .arg("-C")
            .arg(&tree)
            .args(&top)
            .status()
            .expect("GNU tar is needed by these tests: apt-get install tar");
        assert!(st.success());
        let sha256 = sha256_file(&tarball).unwrap();
        let krate = dir.path().join("crate");
        fs::create_dir_all(&krate).unwrap();
        fs::create_dir_all(dir.path().join("out")).unwrap();
        let text = format!(
            "library = \"zstd\"\nversion = \"9.9.9\"\nurl = \"https://example.invalid/zstd-9.9.9.tar.gz\"\n\n\
             [[artifact]]\nfile = \"zstd-9.9.9.tar.gz\"\nsha256 = \"{sha256}\"\nkind = \"upstream\"\nstrip = \"zstd-9.9.9\"\n"
        );
        fs::write(krate.join("pin.toml"), &text).unwrap();
        let pin = Pin::from_path(&krate.join("pin.toml")).unwrap();
        Vendor {
            dir,
            tarball,
            sha256,
            pin,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cache(&self) -> Cache {
        Cache::new(self.path().join("cache"))
    }

    pub fn out_dir(&self) -> PathBuf {
        self.path().join("out")
    }

    /// Imports the tarball into the cache.
    pub fn import(&self) -> &Vendor {
        self.cache()
            .import_file(&self.tarball, std::slice::from_ref(&self.pin))
            .unwrap();
        self
    }

    /// The base environment plus the variables of a vendored build in this scratch directory.
    pub fn env(&self, extra: &[(&str, &str)]) -> Env {
        let manifest = self.path().join("crate").display().to_string();
        let cache = self.path().join("cache").display().to_string();
        let out = self.out_dir().display().to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("CARGO_MANIFEST_DIR", &manifest),
            ("SYSPACK_SOURCE_DIR", &cache),
            ("OUT_DIR", &out),
        ];
        all.extend_from_slice(extra);
        base_env(&all)
    }
}
