use std::path::{Path, PathBuf};
use std::process::Command;

use crate::package::hello;
use crate::util::{assert_contains, files_in, Dir};

/// Compiles a small C program with `cc`. Linked on this Debian 12 machine (glibc 2.36), it needs
/// `GLIBC_2.34` through `__libc_start_main@GLIBC_2.34`.
fn c_program(dir: &Dir) -> PathBuf {
    let src = dir.create(
        "hello.c",
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    );
    let bin = dir.join("hello");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| {
            panic!("`cc` cannot run ({e}); install it with `apt-get install -y gcc`")
        });
    assert!(
        out.status.success(),
        "cc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn row<'a>(m: &'a serde_json::Value, release: &str) -> &'a serde_json::Value {
    m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == release)
        .unwrap_or_else(|| panic!("no row for {release} in {m:#}"))
}

fn matrix(dir: &Dir, args: &[&str]) -> String {
    dir.command().args(["matrix"]).args(args).stdout()
}

/// Builds `dir/<package>_1.0_<arch>.deb` with dpkg-deb from `dir/root` (whose files the caller
/// wrote), declaring `arch`.
fn dpkg_deb(dir: &Dir, package: &str, arch: &str) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: {package}\nVersion: 1.0\nArchitecture: {arch}\n\
             Maintainer: T <t@example.org>\nDescription: a test package\n"
        ),
    )
    .unwrap();
    let deb = dir.join(format!("{package}_1.0_{arch}.deb"));
    crate::util::tool(
        "dpkg-deb",
        &[
            "--root-owner-group",
            "-b",
            root.to_str().unwrap(),
            deb.to_str().unwrap(),
        ],
        "dpkg",
    );
    deb
}

#[test]
fn binary_needing_glibc_2_34_does_not_run_on_debian_11() {
    let dir = Dir::new("matrix-bin");
    let bin = c_program(&dir);
    let bin = bin.to_str().unwrap();
    let out = matrix(
        &dir,
        &[
            "--binary",
            bin,
            "--target",
            "debian-11,debian-12",
            "--format",
            "json",
        ],
    );
    let m = json(&out);
    assert_eq!(m["schema"], "syspack-matrix/1");
    assert_eq!(m["rows"].as_array().unwrap().len(), 2, "{m:#}");
    let d11 = &row(&m, "debian-11")["runs"];
    assert_eq!(d11["status"], "no", "{m:#}");
    let reasons = d11["reasons"].to_string();
    assert_contains(&reasons, &["GLIBC_2.34", "2.31"]);
    let d12 = &row(&m, "debian-12")["runs"];
    assert_eq!(d12["status"], "yes", "{m:#}");
    // The libc dependency carries the newest GLIBC_ version needed, as dpkg-shlibdeps writes.
    assert_contains(
        &row(&m, "debian-12")["dependencies"].to_string(),
        &["libc6 (>= 2.34)"],
    );

    // The table says the same to a person; --require-all turns the no into exit status 1.
    let table = matrix(&dir, &["--binary", bin, "--target", "debian-11,debian-12"]);
    assert_contains(&table, &["debian-11", "needs GLIBC_2.34, has 2.31"]);
    let err = dir
        .command()
        .args([
            "matrix",
            "--binary",
            bin,
            "--target",
            "debian-11,debian-12",
            "--require-all",
        ])
        .stderr_with(1);
    assert_contains(&err, &["--require-all", "debian-11"]);
    assert!(!err.contains("debian-12"), "{err}");
    dir.command()
        .args([
            "matrix",
            "--binary",
            bin,
            "--target",
            "debian-12",
            "--require-all",
        ])
        .expect_code(0);
}

#[test]
fn markdown_is_a_table_a_readme_can_embed() {
    let dir = Dir::new("matrix-md");
    let bin = c_program(&dir);
    let md = matrix(
        &dir,
        &["--binary", bin.to_str().unwrap(), "--format", "markdown"],
    );
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        table[0].contains("| release |") && table[0].contains("runs"),
        "{md}"
    );
    assert!(table[1].chars().all(|c| c == '|' || c == '-'), "{md}");
    let columns = table[0].matches('|').count();
    for line in &table {
        assert_eq!(
            line.matches('|').count() - line.matches("\\|").count(),
            columns,
            "{line}"
        );
    }
    // One row per release in the knowledge base (header and separator aside).
    let releases = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("distro/data"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(table.len(), releases + 2, "{md}");
    assert_contains(&md, &["`debian-11`", "needs GLIBC_2.34, has 2.31"]);
}

#[test]
fn json_is_identical_across_runs_and_out_writes_the_same() {
    let dir = Dir::new("matrix-stable");
    let bin = c_program(&dir);
    let bin = bin.to_str().unwrap();
    let a = matrix(&dir, &["--binary", bin, "--format", "json"]);
    let b = matrix(&dir, &["--binary", bin, "--format", "json"]);
    assert_eq!(a, b);
    assert!(a.ends_with("}\n"), "{a}");
    let printed = matrix(
        &dir,
        &["--binary", bin, "--format", "json", "--out", "m.json"],
    );
    assert_eq!(printed, "");
    assert_eq!(std::fs::read_to_string(dir.join("m.json")).unwrap(), a);
    let html = matrix(&dir, &["--binary", bin, "--format", "html"]);
    assert!(
        html.contains("<table") && html.contains("GLIBC_2.34"),
        "{html}"
    );
}

#[test]
fn a_deb_written_by_syspack_package_is_judged_from_its_contents() {
    let dir = hello("matrix-deb");
    for (target, c, out) in [("debian-12", "xz", "xz"), ("debian-12", "zstd", "zst")] {
        dir.package()
            .args(["--target", target, "--compression", c, "--out", out])
            .stdout();
    }
    let deb = |out: &str| {
        let files = files_in(&dir.join(out));
        assert_eq!(files, ["hello_1.0.0-1_amd64.deb"]);
        dir.join(out).join(&files[0]).to_str().unwrap().to_string()
    };
    let (xz, zst) = (deb("xz"), deb("zst"));
    let m = json(&matrix(
        &dir,
        &[
            "--package",
            &xz,
            "--target",
            "debian-11,debian-12,fedora-43",
            "--format",
            "json",
        ],
    ));
    assert_eq!(m["artifact"], "hello_1.0.0-1_amd64.deb");
    // The deb holds /usr/bin/hello-elf, a copy of /usr/bin/true (GLIBC_2.34), and declares the
    // libc6 it needs, which apt on Debian 11 cannot satisfy.
    assert_eq!(row(&m, "debian-11")["installs"]["status"], "no", "{m:#}");
    assert_contains(
        &row(&m, "debian-11")["installs"].to_string(),
        &[
            "depends on `libc6 (>= 2.34)`",
            "debian-11 has libc6 2.31",
            "Packages",
        ],
    );
    assert_eq!(row(&m, "debian-11")["compression"], "xz");
    assert_eq!(row(&m, "debian-11")["runs"]["status"], "no", "{m:#}");
    assert_contains(
        &row(&m, "debian-11")["runs"].to_string(),
        &["GLIBC_2.34", "2.31"],
    );
    assert_eq!(row(&m, "debian-12")["runs"]["status"], "yes", "{m:#}");
    assert_eq!(row(&m, "fedora-43")["installs"]["status"], "no", "{m:#}");

    // dpkg 1.20 (bullseye) cannot read a zstd .deb; bookworm's can.
    let m = json(&matrix(
        &dir,
        &[
            "--package",
            &zst,
            "--target",
            "debian-11,debian-12",
            "--format",
            "json",
        ],
    ));
    assert_eq!(row(&m, "debian-11")["installs"]["status"], "no", "{m:#}");
    assert_contains(
        &row(&m, "debian-11")["installs"].to_string(),
        &["zstd", "xz"],
    );
    assert_eq!(row(&m, "debian-12")["installs"]["status"], "yes", "{m:#}");

    // A damaged package is refused before anything is taken from it.
    let mut bytes = std::fs::read(&xz).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0xff;
    let bad = dir.create("bad.deb", bytes);
    let err = dir
        .command()
        .args(["matrix", "--package", bad.to_str().unwrap()])
        .stderr_with(2);
    assert_contains(&err, &["bad.deb", "failed verification"]);
}

/// Debian's `libc6-x32` and `libc6-dev-x32` (amd64) carry x32 ELF files (ELFCLASS32 with the
/// x86-64 machine), which syspack does not analyse; dpkg installs them as any file. The matrix
/// of such a package judges its other ELF files and names the ones it left out, where it used
/// to refuse the whole package.
#[test]
fn elf_files_for_a_machine_syspack_does_not_analyse_are_left_out_not_fatal() {
    let dir = Dir::new("matrix-x32");
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::create_dir_all(root.join("usr/libx32")).unwrap();
    std::fs::copy(c_program(&dir), root.join("usr/bin/hello")).unwrap();
    let src = dir.create("x.c", "int x32_value = 1;\n");
    let object = root.join("usr/libx32/x.o");
    crate::util::tool(
        "cc",
        &[
            "-mx32",
            "-c",
            "-o",
            object.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
        "gcc",
    );
    // binutils says what the file is: a 32-bit ELF file for x86-64.
    let header = crate::util::tool("readelf", &["-h", object.to_str().unwrap()], "binutils");
    assert_contains(&header, &["ELF32", "X86-64"]);
    let deb = dpkg_deb(&dir, "mixed", "amd64");

    let out = dir
        .command()
        .args(["matrix", "--package", deb.to_str().unwrap()])
        .args(["--target", "debian-11,debian-12", "--format", "json"])
        .expect_code(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_contains(
        &stderr,
        &[
            "1 ELF file(s)",
            "/usr/libx32/x.o",
            "machine 62 (32-bit)",
            "runs column",
        ],
    );
    let m = json(&String::from_utf8_lossy(&out.stdout));
    // The amd64 program is still judged: it needs GLIBC_2.34, which Debian 11 lacks.
    assert_eq!(m["needs"][0], "GLIBC_2.34", "{m:#}");
    assert_eq!(row(&m, "debian-11")["runs"]["status"], "no", "{m:#}");
    assert_eq!(row(&m, "debian-12")["runs"]["status"], "yes", "{m:#}");
}

/// A `.deb` for riscv64, built by dpkg-deb: Debian 12's archive has no riscv64 (its signed
/// InRelease's `Architectures`), Debian 13's has; the matrix reads the package's own
/// `Architecture` and says so.
#[test]
fn a_package_for_another_machine_is_judged_by_the_releases_architectures() {
    let dir = Dir::new("matrix-riscv64");
    dir.create("root/usr/share/doc/tiny/README", "tiny\n");
    let deb = dpkg_deb(&dir, "tiny", "riscv64");
    let field = crate::util::tool(
        "dpkg-deb",
        &["-f", deb.to_str().unwrap(), "Architecture"],
        "dpkg",
    );
    assert_eq!(field.trim(), "riscv64");

    let m = json(&matrix(
        &dir,
        &[
            "--package",
            deb.to_str().unwrap(),
            "--target",
            "debian-12,debian-13",
            "--format",
            "json",
        ],
    ));
    let bookworm = &row(&m, "debian-12")["installs"];
    assert_eq!(bookworm["status"], "no", "{m:#}");
    assert_contains(
        &bookworm.to_string(),
        &["not riscv64", "dists/bookworm/InRelease", "Architectures:"],
    );
    assert_eq!(row(&m, "debian-13")["installs"]["status"], "yes", "{m:#}");
}

#[test]
fn every_format_gives_its_elf_files_to_the_matrix() {
    let dir = hello("matrix-formats");
    dir.package()
        .args([
            "--target",
            crate::package::ALL,
            "--out",
            "out",
            crate::package::FOREIGN,
        ])
        .stdout();
    for f in files_in(&dir.join("out")) {
        let p = dir.join("out").join(&f);
        let m = json(&matrix(
            &dir,
            &[
                "--package",
                p.to_str().unwrap(),
                "--target",
                "debian-11",
                "--format",
                "json",
            ],
        ));
        assert_eq!(m["needs"][0], "GLIBC_2.34", "{f}: {m:#}");
    }
}

#[test]
fn proofs_mark_cells_verified_or_contradicted() {
    let dir = Dir::new("matrix-proofs");
    let bin = c_program(&dir);
    let bin = bin.to_str().unwrap();
    dir.create(
        "proofs.json",
        r#"[
  {"release": "debian-11", "column": "runs", "package": "hello",
   "step": "chroot ROOT /hello", "date": "2026-11-29", "outcome": "no"},
  {"release": "debian-12", "column": "runs", "package": "hello",
   "step": "chroot ROOT /hello", "date": "2026-11-29", "outcome": "no"},
  {"release": "fedora-43", "column": "runs", "package": "hello",
   "step": "chroot ROOT /hello", "date": "2026-11-29", "outcome": "yes"}
]"#,
    );
    let out = dir
        .command()
        .args([
            "matrix",
            "--binary",
            bin,
            "--target",
            "debian-11,debian-12",
            "--format",
            "json",
            "--proofs",
            "proofs.json",
        ])
        .output();
    assert_eq!(out.status.code(), Some(0));
    let m = json(&String::from_utf8_lossy(&out.stdout));
    let proofs = &row(&m, "debian-11")["runs"]["proofs"];
    assert_eq!(proofs[0]["step"], "chroot ROOT /hello", "{m:#}");
    assert_eq!(proofs[0]["outcome"], "no");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_contains(&stderr, &["fedora-43", "not used"]);
    let table = matrix(
        &dir,
        &[
            "--binary",
            bin,
            "--target",
            "debian-11,debian-12",
            "--proofs",
            "proofs.json",
        ],
    );
    assert_contains(&table, &["no ✓", "yes ✗(proof disagrees)"]);

    dir.create("bad.json", r#"[{"release": "debian-11", "cell": "runs"}]"#);
    let err = dir
        .command()
        .args(["matrix", "--binary", bin, "--proofs", "bad.json"])
        .stderr_with(2);
    assert_contains(
        &err,
        &["bad.json", "not a proofs file", "unknown field `cell`"],
    );
}

#[test]
fn a_project_is_analysed_from_its_assets_with_its_provenance() {
    let dir = hello("matrix-project");
    dir.create(
        "provenance.json",
        r#"[{"library":"zstd","mode":"system","version":"1.5.4"}]"#,
    );
    let m = json(&matrix(
        &dir,
        &[
            "--no-build",
            "--config",
            "syspack.toml",
            "--provenance-file",
            "provenance.json",
            "--target",
            "debian-11,debian-12",
            "--format",
            "json",
        ],
    ));
    assert_eq!(m["artifact"], "hello 1.0.0");
    assert_eq!(row(&m, "debian-11")["runs"]["status"], "no", "{m:#}");
    // libzstd 1.4.8 on bullseye is new enough for the zstd sys crate's minimum (1.4.0).
    assert_eq!(row(&m, "debian-11")["builds"]["status"], "yes", "{m:#}");
    assert_contains(
        &row(&m, "debian-11")["build_dependencies"].to_string(),
        &["libzstd-dev"],
    );

    let err = dir
        .command()
        .args([
            "matrix",
            "--no-build",
            "--config",
            "syspack.toml",
            "--target",
            "debain-11",
        ])
        .stderr_with(2);
    assert_contains(&err, &["debain-11", "debian-11"]);
    let err = dir
        .command()
        .args(["matrix", "--binary", "hello", "--format", "yaml"])
        .stderr_with(2);
    assert_contains(&err, &["yaml", "table, markdown, json, html"]);
}
