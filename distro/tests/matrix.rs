//! The compatibility matrix for binaries built here (Debian 12, glibc 2.36) and for packages.

use crate::common::{self, cc, CC_HINT};

use std::collections::BTreeMap;
use std::process::Command;

use syspack_distro::elf::ElfInfo;
use syspack_distro::kb::{Confidence, Date, KnowledgeBase, ReleaseId, Version};
use syspack_distro::matrix::render::{self, OutputFormat};
use syspack_distro::matrix::{
    self, Artifact, Column, PackageArtifact, Proof, Solved, Status, Verification,
};
use syspack_distro::{Arch, Compression, Format};

/// A C program linked with libz; linked on glibc >= 2.34 it needs `__libc_start_main@GLIBC_2.34`.
fn zlib_binary() -> (tempfile::TempDir, ElfInfo) {
    let dir = common::scratch();
    let bin = cc(
        dir.path(),
        "zprog",
        "#include <zlib.h>\n#include <stdio.h>\nint main(void){ puts(zlibVersion()); return 0; }\n",
        &["-lz"],
    );
    let info = ElfInfo::parse(&bin).unwrap();
    (dir, info)
}

fn releases<'a>(kb: &'a KnowledgeBase, ids: &[&str]) -> Vec<&'a syspack_distro::kb::Release> {
    ids.iter().map(|id| kb.release(id).unwrap()).collect()
}

#[test]
fn binary_built_here_does_not_run_on_older_glibc() {
    let (_dir, elf) = zlib_binary();
    let need = elf.max_version("GLIBC_").unwrap();
    assert!(
        need >= Version::new("2.34").unwrap(),
        "the test binary must need GLIBC_2.34 or newer, needs {need}"
    );
    let kb = KnowledgeBase::builtin();
    let rs = releases(
        kb,
        &[
            "debian-11",
            "el-8",
            "centos-7",
            "debian-12",
            "debian-13",
            "alpine-3.20",
            "freebsd-14",
        ],
    );
    let artifact = Artifact {
        name: "zprog".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let m = matrix::compute(&artifact, &BTreeMap::new(), &rs);
    let runs = |id: &str| &m.row(id).unwrap().runs;
    assert_eq!(runs("debian-11").status, Status::No);
    assert_eq!(
        runs("debian-11").reasons,
        vec![format!("needs GLIBC_{need}, has 2.31")]
    );
    assert_eq!(runs("debian-11").confidence, Confidence::Verified);
    assert_eq!(runs("el-8").status, Status::No);
    assert!(runs("el-8")
        .reasons
        .contains(&format!("needs GLIBC_{need}, has 2.28")));
    assert_eq!(runs("centos-7").status, Status::No);
    assert!(
        runs("centos-7").summary().starts_with("no?"),
        "centos-7's glibc is an unverified lead: {}",
        runs("centos-7").summary()
    );
    assert_eq!(
        runs("debian-12").status,
        Status::Yes,
        "{:?}",
        runs("debian-12")
    );
    assert_eq!(runs("debian-12").confidence, Confidence::Verified);
    assert_eq!(runs("debian-13").status, Status::Yes);
    assert_eq!(runs("alpine-3.20").status, Status::No);
    assert!(runs("alpine-3.20")
        .reasons
        .contains(&"needs glibc, has musl".to_string()));
    assert_eq!(runs("freebsd-14").status, Status::No);
    // Dependencies come from DT_NEEDED; on a release whose index has the libraries' symbols
    // files, their versions are dpkg-shlibdeps's for the symbols used: `zlibVersion@Base` is
    // 1:1.1.4 in zlib1g's symbols file (dpkg-shlibdeps says the same for this program), not the
    // 1:1.2.3.3.dfsg-1 of zlib1g's shlibs line.
    let deps = &m.row("debian-12").unwrap().dependencies;
    let rel: Vec<_> = deps.iter().map(|d| d.relation.clone().unwrap()).collect();
    assert_eq!(
        rel,
        vec![
            format!("libc6 (>= {need})"),
            "zlib1g (>= 1:1.1.4)".to_string()
        ]
    );
    // Without an index (Debian 13 here), the soname table's shlibs line.
    let deps = &m.row("debian-13").unwrap().dependencies;
    assert!(
        deps.iter()
            .any(|d| d.relation.as_deref() == Some("zlib1g (>= 1:1.2.3.3.dfsg-1)")),
        "{deps:?}"
    );
    let table = render::table::render(&m);
    assert!(
        table.contains(&format!("no: needs GLIBC_{need}, has 2.31")),
        "{table}"
    );
}

/// An xz `.deb` that declares `depends` (one group of alternatives each).
fn deb_declaring(depends: &[&str]) -> Artifact {
    Artifact {
        name: "x".into(),
        packages: vec![PackageArtifact {
            file: "x_1.0_amd64.deb".into(),
            format: Format::Deb,
            compression: Compression::Xz {
                level: 6,
                threads: 1,
            },
            freebsd_major: None,
            depends: depends.iter().map(|d| d.to_string()).collect(),
            arch: Some(Arch::X86_64),
        }],
        ..Artifact::default()
    }
}

/// A package for a machine the release is not made for neither installs nor runs there, by the
/// `Architectures` of the release's signed `InRelease` (Debian 12 has no riscv64, Debian 13 has);
/// an architecture-independent package fits every release; a binary with no package is judged by
/// its ELF machine (Arch Linux is x86_64 only).
#[test]
fn a_package_for_a_machine_the_release_is_not_made_for_is_a_no() {
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-12", "debian-13", "arch"]);
    let deb_for = |arch: Arch| {
        let mut a = deb_declaring(&[]);
        a.packages[0].arch = Some(arch);
        a
    };
    let m = matrix::compute(&deb_for(Arch::Riscv64), &BTreeMap::new(), &rs);
    let bookworm = m.row("debian-12").unwrap();
    assert_eq!(
        bookworm.installs.status,
        Status::No,
        "{:?}",
        bookworm.installs
    );
    let why = bookworm.installs.reasons.join("; ");
    for part in [
        "debian-12 is made for x86_64, aarch64",
        "not riscv64",
        "dists/bookworm/InRelease",
    ] {
        assert!(why.contains(part), "`{part}` not in: {why}");
    }
    assert_eq!(bookworm.installs.confidence, Confidence::Verified);
    assert_eq!(m.row("debian-13").unwrap().installs.status, Status::Yes);
    for arch in [Arch::All, Arch::X86_64, Arch::Aarch64] {
        let m = matrix::compute(&deb_for(arch), &BTreeMap::new(), &rs);
        assert_eq!(
            m.row("debian-12").unwrap().installs.status,
            Status::Yes,
            "{arch:?}"
        );
    }

    // A binary alone: its machine decides; installs and runs both say why.
    let mut elf = ElfInfo::parse(std::path::Path::new("/bin/true")).unwrap();
    elf.machine = Arch::Aarch64;
    let binary = Artifact {
        name: "x".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let m = matrix::compute(&binary, &BTreeMap::new(), &rs);
    let arch = m.row("arch").unwrap();
    assert_eq!(arch.installs.status, Status::No, "{:?}", arch.installs);
    assert_eq!(arch.runs.status, Status::No, "{:?}", arch.runs);
    assert!(
        arch.runs.reasons.join("; ").contains("not aarch64"),
        "{:?}",
        arch.runs
    );
    assert_ne!(m.row("debian-12").unwrap().runs.status, Status::No);
}

/// A `.deb`'s declared dependencies, judged against each release's built-in index (the versions
/// are those of the archives' own `Packages` files): a group no package of the release
/// satisfies is a no; a group with an alternative the index does not know is not judged.
#[test]
fn a_debs_declared_dependencies_are_judged_against_the_release_index() {
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-11", "debian-12"]);
    let installs = |depends: &[&str], release: &str| {
        let m = matrix::compute(&deb_declaring(depends), &BTreeMap::new(), &rs);
        let cell = m.row(release).unwrap().installs.clone();
        (cell.status, cell.reasons.join("; "))
    };
    let bullseye_libc = "2.31-13+deb11u11";
    let (status, why) = installs(&["adduser", "libc6 (>= 2.34)"], "debian-11");
    assert_eq!(status, Status::No, "{why}");
    for part in [
        "depends on `libc6 (>= 2.34)`",
        &format!("debian-11 has libc6 {bullseye_libc}"),
        "dists/bullseye/main/binary-amd64/Packages",
    ] {
        assert!(why.contains(part), "`{part}` not in: {why}");
    }
    assert_eq!(installs(&["libc6 (>= 2.34)"], "debian-12").0, Status::Yes);
    // dpkg reads the deprecated `>` as `>=` (deb-control(5)); `>>` is strict.
    let equal = |op: &str| format!("libc6 ({op} {bullseye_libc})");
    assert_eq!(installs(&[&equal(">")], "debian-11").0, Status::Yes);
    assert_eq!(installs(&[&equal(">>")], "debian-11").0, Status::No);
    assert_eq!(installs(&[&equal("<<")], "debian-11").0, Status::No);
    assert_eq!(installs(&[&equal("=")], "debian-11").0, Status::Yes);
    // An architecture qualifier names the same package.
    assert_eq!(
        installs(&["libc6:any (>= 2.34)"], "debian-11").0,
        Status::No
    );
    // Alternatives: a no only when none holds; an alternative the index lacks leaves it open.
    let (status, why) = installs(&["libc6 (>= 9) | libc6-i386 (>= 9)"], "debian-11");
    assert_eq!(status, Status::No, "{why}");
    assert!(why.contains("libc6-i386 2.31"), "{why}");
    assert_eq!(
        installs(&["libc6 (>= 9) | libc6 (>= 2.31)"], "debian-11").0,
        Status::Yes
    );
    assert_eq!(
        installs(&["libc6 (>= 9) | not-a-library"], "debian-11").0,
        Status::Yes
    );

    // A solver that read the release's whole index (maybe a newer one) has the last word.
    let m = matrix::compute(&deb_declaring(&["libc6 (>= 2.34)"]), &BTreeMap::new(), &rs);
    let solved = |answer: &str, problems: &[&str]| {
        let mut cell = m.row("debian-11").unwrap().installs.clone();
        assert_eq!(cell.status, Status::No);
        let solved = Solved {
            answer: answer.into(),
            by: "libsolv".into(),
            index: None,
        };
        cell.apply_solved(
            solved,
            problems.iter().map(|p| p.to_string()).collect(),
            None,
        );
        cell
    };
    let cell = solved("installable", &[]);
    assert_eq!(
        (cell.status, cell.reasons.len()),
        (Status::Yes, 0),
        "{cell:?}"
    );
    assert_eq!(cell.index_as_of, None);
    let cell = solved("not installable", &["nothing provides libc6 >= 2.34"]);
    assert_eq!(cell.status, Status::No);
    assert_eq!(cell.reasons, ["nothing provides libc6 >= 2.34"]);
}

/// A soname no package of the release ships in the loader's default directories is a no,
/// unless the binary's RUNPATH adds a directory the index does not list (systemd's private
/// library in `/usr/lib/x86_64-linux-gnu/systemd`): then it is unknown.
#[test]
fn a_soname_the_index_lacks_is_unknown_when_a_runpath_may_hold_it() {
    let dir = common::scratch();
    let lib_dir = dir.path().join("lib");
    std::fs::create_dir(&lib_dir).unwrap();
    common::shared_library(&lib_dir, "libsyspackprivate.so.1", "private_fn");
    let link = format!("-L{}", lib_dir.display());
    let program = "void private_fn(void);\nint main(void){ private_fn(); return 0; }\n";
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-12"]);
    let runs = |name: &str, extra: &[&str]| {
        let mut args = vec![link.as_str(), "-l:libsyspackprivate.so.1"];
        args.extend_from_slice(extra);
        let bin = cc(dir.path(), name, program, &args);
        let artifact = Artifact {
            name: name.into(),
            elf: Some(ElfInfo::parse(&bin).unwrap()),
            ..Artifact::default()
        };
        let m = matrix::compute(&artifact, &BTreeMap::new(), &rs);
        let cell = m.row("debian-12").unwrap().runs.clone();
        (cell.status, cell.reasons.join("; "))
    };
    let (status, why) = runs("plain", &[]);
    assert_eq!(status, Status::No, "{why}");
    assert!(
        why.contains("needs libsyspackprivate.so.1, which debian-12 does not ship"),
        "{why}"
    );
    let (status, why) = runs("standard", &["-Wl,-rpath,/usr/lib/x86_64-linux-gnu/"]);
    assert_eq!(
        status,
        Status::No,
        "a RUNPATH the index covers changes nothing: {why}"
    );
    let (status, why) = runs("private", &["-Wl,-rpath,/usr/lib/x86_64-linux-gnu/syspack"]);
    assert_eq!(status, Status::Unknown, "{why}");
    assert!(
        why.contains("RUNPATH `/usr/lib/x86_64-linux-gnu/syspack`"),
        "{why}"
    );
}

#[test]
fn zstd_deb_is_refused_by_debian_11_and_xz_is_prescribed() {
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-11", "debian-12", "ubuntu-22.04", "fedora-43"]);
    let zstd_deb = Artifact {
        name: "x".into(),
        packages: vec![PackageArtifact {
            file: "x_1.0_amd64.deb".into(),
            format: Format::Deb,
            compression: Compression::Zstd {
                level: 19,
                threads: 1,
            },
            freebsd_major: None,
            depends: Vec::new(),
            arch: Some(Arch::X86_64),
        }],
        ..Artifact::default()
    };
    let m = matrix::compute(&zstd_deb, &BTreeMap::new(), &rs);
    let d11 = &m.row("debian-11").unwrap().installs;
    assert_eq!(d11.status, Status::No);
    assert!(
        d11.reasons[0].contains("dpkg 1.20.14 cannot read zstd"),
        "{:?}",
        d11.reasons
    );
    assert_eq!(m.row("debian-12").unwrap().installs.status, Status::Yes);
    assert_eq!(m.row("ubuntu-22.04").unwrap().installs.status, Status::Yes);
    assert_eq!(
        m.row("fedora-43").unwrap().installs.status,
        Status::No,
        "no rpm given"
    );
    assert_eq!(
        m.row("debian-11").unwrap().runs.status,
        Status::NotApplicable
    );

    let mut xz_deb = zstd_deb.clone();
    xz_deb.packages[0].compression = Compression::Xz {
        level: 6,
        threads: 1,
    };
    let m = matrix::compute(&xz_deb, &BTreeMap::new(), &rs);
    assert_eq!(m.row("debian-11").unwrap().installs.status, Status::Yes);

    // Without a package the matrix prescribes what each release reads.
    let m = matrix::compute(&Artifact::default(), &BTreeMap::new(), &rs);
    assert_eq!(
        m.row("debian-11").unwrap().compression.as_deref(),
        Some("xz")
    );
    assert_eq!(
        m.row("fedora-43").unwrap().compression.as_deref(),
        Some("zstd")
    );
    assert_eq!(m.row("debian-11").unwrap().installs.status, Status::Yes);
}

#[test]
fn builds_from_system_libraries_or_needs_vendored() {
    let kb = KnowledgeBase::builtin();
    let rs = releases(
        kb,
        &[
            "debian-11",
            "debian-12",
            "el-8",
            "centos-7",
            "freebsd-14",
            "ubuntu-24.04",
        ],
    );
    let mut min = BTreeMap::new();
    min.insert("zstd".to_string(), Version::new("1.5.0").unwrap());
    min.insert("zlib".to_string(), Version::new("1.2.11").unwrap());
    let m = matrix::compute(&Artifact::default(), &min, &rs);
    let row = |id: &str| m.row(id).unwrap();
    assert_eq!(row("debian-11").builds.status, Status::No);
    assert_eq!(
        row("debian-11").builds.reasons,
        vec!["zstd 1.4.8 < 1.5.0".to_string()]
    );
    assert_eq!(row("debian-11").vendored, vec!["zstd".to_string()]);
    assert_eq!(row("debian-12").builds.status, Status::Yes);
    assert_eq!(
        row("debian-12").build_dependencies,
        vec!["libzstd-dev".to_string(), "zlib1g-dev".to_string()]
    );
    assert_eq!(row("el-8").vendored, vec!["zstd".to_string()]);
    assert_eq!(row("centos-7").builds.status, Status::No);
    assert_eq!(row("centos-7").vendored, vec!["zlib".to_string()]);
    assert!(row("centos-7")
        .builds
        .reasons
        .contains(&"zlib 1.2.7 < 1.2.11".to_string()));
    assert!(row("centos-7")
        .builds
        .reasons
        .contains(&"zstd from EPEL".to_string()));
    assert_eq!(
        row("centos-7").builds.confidence,
        Confidence::Unverified,
        "zlib 1.2.7 there is a lead"
    );
    assert!(row("centos-7").builds.summary().starts_with("no?"));
    assert_eq!(row("freebsd-14").builds.status, Status::Unknown);
    assert!(
        row("freebsd-14").builds.reasons[0].contains("zstd version unknown"),
        "{:?}",
        row("freebsd-14").builds
    );
    assert!(row("freebsd-14").vendored.is_empty(), "unknown is not no");
}

#[test]
fn json_is_stable_and_follows_the_schema() {
    let (_dir, elf) = zlib_binary();
    let kb = KnowledgeBase::builtin();
    let all: Vec<_> = kb.releases().collect();
    let mut min = BTreeMap::new();
    min.insert("zstd".to_string(), Version::new("1.5.0").unwrap());
    let artifact = Artifact {
        name: "zprog".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let a = render::json::render(&matrix::compute(&artifact, &min, &all));
    let b = render::json::render(&matrix::compute(&artifact, &min, &all));
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["schema"], matrix::SCHEMA);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), all.len());
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["release"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = all.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(ids, expected);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "release",
        "name",
        "format",
        "compression",
        "installs",
        "runs",
        "builds",
        "vendored",
        "dependencies",
        "build_dependencies",
    ] {
        assert!(keys.contains(&k), "missing {k} in {keys:?}");
    }
    for r in rows {
        for c in ["installs", "runs", "builds"] {
            let s = r[c]["status"].as_str().unwrap();
            assert!(["yes", "no", "unknown", "n/a"].contains(&s), "{s}");
            assert!(["verified", "unverified"].contains(&r[c]["confidence"].as_str().unwrap()));
            if s == "no" || s == "unknown" {
                assert!(
                    !r[c]["reasons"].as_array().unwrap().is_empty(),
                    "a {s} without reason: {r}"
                );
            }
        }
    }
}

#[test]
fn markdown_and_html_render_every_row() {
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-11", "debian-12"]);
    let m = matrix::compute(&Artifact::default(), &BTreeMap::new(), &rs);
    let md = render::render(&m, OutputFormat::Markdown);
    let table_lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table_lines.len(), 2 + rs.len(), "{md}");
    assert!(table_lines[1].starts_with("|---|"), "{md}");
    let cols = table_lines[0].matches('|').count();
    assert!(
        table_lines
            .iter()
            .all(|l| l.matches('|').count() - l.matches("\\|").count() == cols),
        "{md}"
    );
    assert!(md.contains("| `debian-11` |"), "{md}");
    let html = render::render(&m, OutputFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<tr>").count(), 1 + rs.len());
    assert!("json".parse::<OutputFormat>().is_ok());
    assert!("yaml".parse::<OutputFormat>().is_err());
}

#[test]
fn proofs_mark_cells_verified_or_contradicted() {
    let (_dir, elf) = zlib_binary();
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-11", "debian-12"]);
    let artifact = Artifact {
        name: "zprog".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let mut m = matrix::compute(&artifact, &BTreeMap::new(), &rs);
    let proof = |release: &str, outcome| Proof {
        release: ReleaseId::new(release).unwrap(),
        column: Column::Runs,
        package: "zprog".into(),
        step: "chroot ROOT /zprog".into(),
        date: Date::new("2026-11-29").unwrap(),
        outcome,
    };
    let unused = m.attach_proofs(&[
        proof("debian-11", Status::No),
        proof("debian-12", Status::No),
        proof("el-9", Status::Yes),
    ]);
    assert_eq!(unused.len(), 1);
    assert_eq!(
        m.row("debian-11").unwrap().runs.verification(),
        Verification::Proven
    );
    assert!(m
        .row("debian-11")
        .unwrap()
        .runs
        .summary()
        .starts_with("no ✓"));
    assert_eq!(
        m.row("debian-12").unwrap().runs.verification(),
        Verification::Contradicted
    );
    assert_eq!(
        m.row("debian-12").unwrap().installs.verification(),
        Verification::Derived
    );
    let json = render::json::render(&m);
    assert!(json.contains("\"step\": \"chroot ROOT /zprog\""), "{json}");
}

/// A binary needing a soname no release ships (`libnowhere.so.7`, built here), Debian's
/// `libbz2.so.1.0` and libgcc_s's `GCC_3.3`.
fn binary_with_unknown_needs() -> (tempfile::TempDir, ElfInfo) {
    let dir = common::scratch();
    let lib = dir.path().join("libnowhere.so.7");
    let src = dir.path().join("nowhere.c");
    std::fs::write(&src, "int nowhere(void) { return 7; }\n").unwrap();
    common::run(
        Command::new("cc")
            .args(["-shared", "-fPIC", "-Wl,-soname,libnowhere.so.7", "-o"])
            .arg(&lib)
            .arg(&src),
        CC_HINT,
    );
    let bin = cc(
        dir.path(),
        "needs",
        "#include <bzlib.h>\n#include <unwind.h>\nint nowhere(void);\n\
         static _Unwind_Reason_Code f(struct _Unwind_Context *c, void *a) { (void)c; (void)a; return _URC_END_OF_STACK; }\n\
         int main(void){ _Unwind_Backtrace(f, 0); return nowhere() + (BZ2_bzlibVersion() == 0); }\n",
        &[
            "-Wl,--no-as-needed",
            lib.to_str().unwrap(),
            "-lbz2",
            "-lgcc_s",
        ],
    );
    let info = ElfInfo::parse(&bin).unwrap();
    (dir, info)
}

/// No data is never a definite no: without a fact (a file list, a version) the answer is unknown.
#[test]
fn missing_data_gives_unknown_never_no() {
    let (_dir, elf) = binary_with_unknown_needs();
    assert!(elf.needed.iter().any(|n| n == "libnowhere.so.7"), "{elf:?}");
    assert!(elf.needed.iter().any(|n| n == "libbz2.so.1.0"), "{elf:?}");
    assert!(elf.max_version("GCC_").is_some(), "{elf:?}");
    let kb = KnowledgeBase::builtin();
    let all: Vec<_> = kb.releases().collect();
    let artifact = Artifact {
        name: "needs".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let m = matrix::compute(&artifact, &BTreeMap::new(), &all);
    for row in &m.rows {
        for col in [Column::Installs, Column::Runs, Column::Builds] {
            let cell = row.cell(col);
            let missing = |r: &String| {
                r.contains("no data") || r.contains("not checked") || r.contains("no file list")
            };
            if cell.status == Status::No {
                assert!(
                    cell.reasons.iter().any(|r| !missing(r)),
                    "{} {}: a no must rest on a fact, not on missing data: {}",
                    row.release,
                    col.name(),
                    cell.summary()
                );
            }
        }
    }
    // Releases without a file list and a new enough glibc: unknown, naming what is missing.
    for id in ["fedora-43", "arch", "debian-13"] {
        let runs = &m.row(id).unwrap().runs;
        assert_eq!(runs.status, Status::Unknown, "{id}: {}", runs.summary());
        let text = runs.reasons.join("; ");
        assert!(text.contains("libnowhere.so.7"), "{id}: {text}");
        assert!(text.contains("GCC_"), "{id}: {text}");
    }
    assert!(
        m.row("fedora-43").unwrap().runs.reasons.contains(
            &"needs libbz2.so.1.0; the data knows only libbz2.so.1 (no file list)".to_string()
        ),
        "{}",
        m.row("fedora-43").unwrap().runs.summary()
    );
    // With the release's own file list (Contents-amd64), a missing soname is a definite no that
    // names the index file it rests on; a soname it ships is not questioned.
    let d12 = &m.row("debian-12").unwrap().runs;
    assert_eq!(d12.status, Status::No, "{}", d12.summary());
    let text = d12.reasons.join("; ");
    assert!(
        text.contains("needs libnowhere.so.7, which debian-12 does not ship (dists/bookworm/main/Contents-amd64.gz sha256"),
        "{text}"
    );
    assert!(!text.contains("libbz2"), "{text}");
    // Ubuntu's Contents is one file for the whole suite (dists/noble/Contents-amd64.gz).
    let noble = &m.row("ubuntu-24.04").unwrap().runs;
    assert_eq!(noble.status, Status::No, "{}", noble.summary());
    let text = noble.reasons.join("; ");
    assert!(
        text.contains("needs libnowhere.so.7, which ubuntu-24.04 does not ship (dists/noble/Contents-amd64.gz sha256"),
        "{text}"
    );
}

/// libgcc's `GCC_` versions are checked against the version nodes of the release's libgcc-s1
/// symbols file where the release has an index (Debian 11 and 12, Ubuntu 22.04 and 24.04): a program using
/// `__popcountdi2@GCC_3.4` runs there (a fact, not "no data"); a node the release's library does
/// not define is a definite no naming the symbols file. Without an index (Debian 13) there is no
/// answer.
#[test]
fn libgcc_versions_are_checked_against_the_release_symbols_file() {
    let dir = common::scratch();
    let bin = cc(
        dir.path(),
        "popcount",
        "#include <stdio.h>\nint main(int argc, char **argv){ (void)argv; printf(\"%d\\n\", __builtin_popcountll((unsigned long long)argc << 33)); return 0; }\n",
        &["-shared-libgcc"],
    );
    let elf = ElfInfo::parse(&bin).unwrap();
    assert!(
        elf.symbol_versions
            .get("libgcc_s.so.1")
            .is_some_and(|v| v.contains("GCC_3.4")),
        "the test program must import __popcountdi2@GCC_3.4: {:?}",
        elf.symbol_versions
    );
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["debian-11", "debian-12", "debian-13"]);
    let judge = |elf: ElfInfo| {
        let artifact = Artifact {
            name: "popcount".into(),
            elf: Some(elf),
            ..Artifact::default()
        };
        matrix::compute(&artifact, &BTreeMap::new(), &rs)
    };
    let m = judge(elf.clone());
    let runs = m.row("debian-12").unwrap().runs.clone();
    assert_eq!(runs.status, Status::Yes, "{runs:?}");
    assert_eq!(runs.confidence, Confidence::Verified, "{runs:?}");
    let deps = &m.row("debian-12").unwrap().dependencies;
    assert!(
        deps.iter()
            .any(|d| d.relation.as_deref() == Some("libgcc-s1 (>= 3.4)")),
        "dpkg-shlibdeps's libgcc-s1 (>= 3.4) for __popcountdi2@GCC_3.4: {deps:?}"
    );
    let runs13 = &m.row("debian-13").unwrap().runs;
    assert_eq!(runs13.status, Status::Unknown, "{runs13:?}");

    let mut newer = elf;
    newer
        .symbol_versions
        .get_mut("libgcc_s.so.1")
        .unwrap()
        .insert("GCC_99.0.0".into());
    let m = judge(newer);
    let runs = &m.row("debian-12").unwrap().runs;
    assert_eq!(runs.status, Status::No, "{runs:?}");
    assert!(
        runs.reasons.iter().any(|r| r.contains("GCC_99.0.0")
            && r.contains("libgcc_s.so.1 of debian-12 does not define")
            && r.contains("libgcc-s1_")),
        "{runs:?}"
    );
}

/// A proof on a cell the knowledge base could not answer is not a contradiction: it answers.
#[test]
fn a_proof_answers_an_unknown_cell() {
    let (_dir, elf) = binary_with_unknown_needs();
    let kb = KnowledgeBase::builtin();
    let rs = releases(kb, &["fedora-43"]);
    let artifact = Artifact {
        name: "needs".into(),
        elf: Some(elf),
        ..Artifact::default()
    };
    let mut m = matrix::compute(&artifact, &BTreeMap::new(), &rs);
    assert_eq!(m.row("fedora-43").unwrap().runs.status, Status::Unknown);
    let proof = |outcome| Proof {
        release: ReleaseId::new("fedora-43").unwrap(),
        column: Column::Runs,
        package: "needs".into(),
        step: "chroot ROOT /needs".into(),
        date: Date::new("2026-12-05").unwrap(),
        outcome,
    };
    m.attach_proofs(&[proof(Status::Yes)]);
    let runs = &m.row("fedora-43").unwrap().runs;
    assert_eq!(runs.verification(), Verification::Answered);
    assert!(
        runs.summary().starts_with("yes ✓ (by proof"),
        "{}",
        runs.summary()
    );
    // Proofs that disagree among themselves still contradict.
    m.attach_proofs(&[proof(Status::No)]);
    assert_eq!(
        m.row("fedora-43").unwrap().runs.verification(),
        Verification::Contradicted
    );
}
