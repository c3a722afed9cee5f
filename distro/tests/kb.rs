//! The knowledge base: every data file parses, every fact has a source, lookups and hints work, and
//! bad data files are refused with errors that name the key.

use std::collections::BTreeSet;
use std::path::Path;

use syspack_distro::kb::{Confidence, KnowledgeBase, Provider, LIBRARIES};
use syspack_distro::{Arch, Compression, Error, Format};

fn data_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

const ZSTD: Compression = Compression::Zstd {
    level: 19,
    threads: 1,
};
const XZ: Compression = Compression::Xz {
    level: 6,
    threads: 1,
};

#[test]
fn every_data_file_parses_and_is_compiled_in() {
    let from_disk = KnowledgeBase::load_dir(data_dir()).unwrap();
    let builtin = KnowledgeBase::load_builtin().unwrap();
    let disk_ids: Vec<_> = from_disk.releases().map(|r| r.id.to_string()).collect();
    let builtin_ids: Vec<_> = builtin.releases().map(|r| r.id.to_string()).collect();
    assert_eq!(
        disk_ids, builtin_ids,
        "a file in distro/data is missing from kb/load.rs BUILTIN (or the reverse)"
    );
    let on_disk: BTreeSet<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let compiled: BTreeSet<String> = KnowledgeBase::builtin_files().map(String::from).collect();
    assert_eq!(on_disk, compiled);
}

#[test]
fn the_releases_of_issue_4_are_all_there() {
    let kb = KnowledgeBase::builtin();
    for id in [
        "debian-11",
        "debian-12",
        "debian-13",
        "ubuntu-22.04",
        "ubuntu-24.04",
        "el-8",
        "el-9",
        "el-10",
        "centos-7",
        "fedora-42",
        "fedora-43",
        "opensuse-15.6",
        "arch",
        "alpine-3.20",
        "freebsd-13",
        "freebsd-14",
    ] {
        let r = kb.release(id).unwrap();
        let libs: Vec<&str> = r.libraries.keys().map(String::as_str).collect();
        assert_eq!(
            libs, LIBRARIES,
            "{id} must list every tracked library (write `unknown` where not known)"
        );
        assert!(!r.package_manager.reads.is_empty(), "{id}");
    }
}

#[test]
fn every_fact_has_a_source() {
    let kb = KnowledgeBase::builtin();
    let mut unverified = 0;
    let mut total = 0;
    for r in kb.releases() {
        for f in r.facts() {
            total += 1;
            assert!(
                !f.source.as_str().trim().is_empty(),
                "{}: {} has no source",
                r.id,
                f.path
            );
            if f.confidence == Confidence::Unverified {
                unverified += 1;
            }
        }
    }
    assert!(total > 500, "{total}");
    // Leads from the reference are kept, and marked.
    assert!(unverified > 0);
    // The Debian suites were read from the archive index on this machine and dpkg's source: no
    // fact is unverified except the release and end-of-life dates, which no primary source
    // opened so far shows.
    for id in ["debian-11", "debian-12", "debian-13"] {
        let r = kb.release(id).unwrap();
        let weak: Vec<_> = r
            .facts()
            .into_iter()
            .filter(|f| f.confidence == Confidence::Unverified)
            .filter(|f| f.path != "released" && f.path != "eol")
            .collect();
        assert!(weak.is_empty(), "{id}: {weak:?}");
    }
}

#[test]
fn unknown_release_gets_a_suggestion() {
    let kb = KnowledgeBase::builtin();
    let err = kb.release("debain-12").unwrap_err();
    assert!(
        matches!(&err, Error::UnknownRelease { suggestion: Some(s), .. } if s == "debian-12"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("a target with a similar name exists: `debian-12`"),
        "{err}"
    );
    let err = kb.release("ubuntu-24.4").unwrap_err().to_string();
    assert!(err.contains("`ubuntu-24.04`"), "{err}");
    let err = kb.release("windows-xp").unwrap_err();
    assert!(
        matches!(
            &err,
            Error::UnknownRelease {
                suggestion: None,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("known targets: alpine-3.20, arch,"),
        "{err}"
    );
}

#[test]
fn default_targets_are_the_newest_of_each_format_family() {
    let kb = KnowledgeBase::builtin();
    let ids: Vec<_> = kb
        .newest_per_family()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(ids, ["debian-13", "fedora-43", "arch", "freebsd-14"]);
}

#[test]
fn compression_facts() {
    let kb = KnowledgeBase::builtin();
    let r = |id| kb.release(id).unwrap();
    assert!(!r("debian-11").can_read(ZSTD));
    assert!(r("debian-11").can_read(XZ));
    assert!(r("debian-12").can_read(ZSTD));
    assert!(!r("centos-7").can_read(ZSTD));
    assert_eq!(
        r("opensuse-15.6").reads(ZSTD),
        None,
        "Leap's zstd support is unknown, not guessed"
    );
    assert_eq!(r("debian-11").default_compression().name(), "xz");
    assert_eq!(r("debian-13").default_compression().name(), "xz");
    assert_eq!(r("centos-7").default_compression().name(), "xz");
    assert_eq!(r("el-8").default_compression().name(), "xz");
    assert_eq!(r("fedora-43").default_compression().name(), "zstd");
    assert_eq!(r("arch").default_compression().name(), "zstd");
    assert_eq!(r("freebsd-14").default_compression().name(), "zstd");
    for rel in kb.releases() {
        if rel.format.is_some() {
            assert!(rel.can_read(rel.default_compression()), "{}", rel.id);
        }
    }
    assert_eq!(r("alpine-3.20").format, None);
    assert_eq!(r("freebsd-14").format, Some(Format::FreeBsd));
    assert_eq!(r("freebsd-14").freebsd_major, Some(14));
}

#[test]
fn sonames_map_to_packages() {
    let kb = KnowledgeBase::builtin();
    let d12 = kb.release("debian-12").unwrap();
    let z = d12.package_for_soname("libzstd.so.1").unwrap();
    assert_eq!(z.package.as_ref().unwrap().as_str(), "libzstd1");
    assert_eq!(z.version.as_ref().unwrap().as_str(), "1.5.4");
    assert_eq!(z.depends.as_deref(), Some("libzstd1 (>= 1.5.2)"));
    let libc = d12.package_for_soname("libc.so.6").unwrap();
    assert!(libc.libc);
    assert_eq!(libc.package.unwrap().as_str(), "libc6");
    assert_eq!(
        d12.package_for_soname("libbz2.so.1.0")
            .unwrap()
            .package
            .unwrap()
            .as_str(),
        "libbz2-1.0"
    );
    assert!(d12.package_for_soname("libfoo.so.9").is_none());
    let d13 = kb.release("debian-13").unwrap();
    assert_eq!(
        d13.package_for_soname("libssl.so.3")
            .unwrap()
            .package
            .unwrap()
            .as_str(),
        "libssl3t64"
    );
    let f43 = kb.release("fedora-43").unwrap();
    assert_eq!(
        f43.package_for_soname("libz.so.1")
            .unwrap()
            .package
            .unwrap()
            .as_str(),
        "zlib-ng-compat"
    );
    let fb = kb.release("freebsd-14").unwrap();
    assert_eq!(
        fb.package_for_soname("libz.so.6").unwrap().package,
        None,
        "base system"
    );
    assert_eq!(
        fb.library("zlib").unwrap().runtime.known(),
        Some(&Provider::BaseSystem)
    );
    assert_eq!(
        kb.release("el-8")
            .unwrap()
            .library("openssl")
            .unwrap()
            .soname
            .known()
            .unwrap()
            .as_str(),
        "libssl.so.1.1"
    );
}

const MINIMAL: &str = r#"
id = "test-1"
name = "Test 1"
family = "debian"
format = "deb"
released = { value = "2024-01-01", source = "test" }
eol = { value = "unknown", source = "test" }
architectures = { value = ["x86_64", "arm64"], source = "test" }
[libc]
kind = "glibc"
version = { value = "2.36", source = "test" }
[package_manager]
name = "dpkg"
version = { value = "1.21.23", source = "test" }
default_compression = { value = "xz", source = "test" }
[package_manager.reads]
xz = { value = "yes", source = "test" }
"#;

#[test]
fn a_minimal_file_parses() {
    let r = KnowledgeBase::parse_file("test-1.toml", MINIMAL).unwrap();
    assert_eq!(r.id.as_str(), "test-1");
    assert_eq!(r.eol, None);
    assert_eq!(r.glibc().unwrap().as_str(), "2.36");
    let archs = r.architectures.known().unwrap();
    assert_eq!(archs.0, [Arch::X86_64, Arch::Aarch64]);
    assert!(archs.has(Arch::All) && !archs.has(Arch::Riscv64));
}

#[test]
fn bad_data_files_are_refused_naming_the_problem() {
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown key",
            MINIMAL.replace("name = \"Test 1\"", "name = \"Test 1\"\ncolour = \"red\""),
            "colour",
        ),
        (
            "missing source",
            MINIMAL.replace(
                "version = { value = \"2.36\", source = \"test\" }",
                "version = { value = \"2.36\" }",
            ),
            "source",
        ),
        (
            "empty source",
            MINIMAL.replace(
                "value = \"2.36\", source = \"test\"",
                "value = \"2.36\", source = \" \"",
            ),
            "never empty",
        ),
        (
            "bad version",
            MINIMAL.replace("\"2.36\"", "\"two\""),
            "version",
        ),
        (
            "bad compression",
            MINIMAL.replace("xz = {", "lz4 = {"),
            "lz4",
        ),
        (
            "id differs from file",
            MINIMAL.replace("id = \"test-1\"", "id = \"test-2\""),
            "test-2.toml",
        ),
        (
            "default not readable",
            MINIMAL.replace(
                "default_compression = { value = \"xz\"",
                "default_compression = { value = \"zstd\"",
            ),
            "default_compression",
        ),
        (
            "architectures: all",
            MINIMAL.replace("[\"x86_64\", \"arm64\"]", "[\"x86_64\", \"all\"]"),
            "not a machine",
        ),
        (
            "architectures: twice",
            MINIMAL.replace("[\"x86_64\", \"arm64\"]", "[\"x86_64\", \"amd64\"]"),
            "`amd64` is listed twice",
        ),
        (
            "architectures: empty",
            MINIMAL.replace("[\"x86_64\", \"arm64\"]", "[]"),
            "unknown",
        ),
        (
            "architectures: unknown machine",
            MINIMAL.replace("[\"x86_64\", \"arm64\"]", "[\"mips64el\"]"),
            "mips64el",
        ),
        (
            "architectures: a string",
            MINIMAL.replace("[\"x86_64\", \"arm64\"]", "\"x86_64\""),
            "a list of architectures",
        ),
        (
            "bad confidence",
            MINIMAL.replace(
                "source = \"test\" }\n[package_manager]",
                "source = \"test\", confidence = \"maybe\" }\n[package_manager]",
            ),
            "maybe",
        ),
    ];
    for (what, text, needle) in cases {
        let err = KnowledgeBase::parse_file("test-1.toml", text)
            .expect_err(what)
            .to_string();
        assert!(err.contains("test-1.toml"), "{what}: {err}");
        assert!(
            err.contains(needle),
            "{what}: expected `{needle}` in: {err}"
        );
    }
}

/// The facts issue 15's audit found wrong, corrected with their primary source and as-of date.
#[test]
fn audited_facts_carry_their_primary_source_and_date() {
    let kb = KnowledgeBase::builtin();
    let arch = kb.release("arch").unwrap();
    assert_eq!(arch.libc.version.known().unwrap().to_string(), "2.44");
    let pkg = |so: &str| {
        arch.package_for_soname(so)
            .unwrap()
            .package
            .unwrap()
            .to_string()
    };
    assert_eq!(pkg("libgcc_s.so.1"), "libgcc");
    assert_eq!(pkg("libstdc++.so.6"), "libstdc++");
    assert_eq!(pkg("libz.so.1"), "zlib");
    let zlib = arch.library("zlib").unwrap();
    assert_eq!(zlib.version.known().unwrap().to_string(), "1.3.2");
    let fb13 = kb.release("freebsd-13").unwrap();
    let ssl = &fb13.library("openssl").unwrap().version;
    assert_eq!(ssl.known().unwrap().to_string(), "1.1.1w");
    for fact in [&arch.libc.version, &zlib.version, ssl] {
        assert!(fact.as_of.is_some(), "{fact:?}");
        assert!(fact.source.as_str().starts_with("https://"), "{fact:?}");
    }
    // The shipped data passes `syspack kb check`: every verified fact is derived from an index
    // or cites a primary source with its date (these four among them).
    let problems = syspack_distro::kb::audit(kb);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// `audit` on a crafted knowledge base: one fact per case, so the rule is tested without pinning
/// the shipped data as good or bad.
#[test]
fn audit_flags_internal_notes_and_undated_sources_only() {
    let text = r#"
id = "alpine-3.99"
name = "Audit fixture"
family = "alpine"
format = "apk"
released = { value = "2026-01-01", source = "docs/distro-facts.md §5" }
eol = { value = "2028-01-01", source = "https://example.org/releases" }
architectures = { value = "unknown", source = "not checked" }

[libc]
kind = "musl"
version = { value = "1.2.5", source = "https://example.org/musl", as_of = "2026-02-01" }

[package_manager]
name = "apk"
version = { value = "2.14", source = "https://example.org/apk (read 2026-02-03)" }
default_compression = { value = "gzip", source = "docs/distro-facts.md §2", confidence = "unverified" }

[package_manager.reads]
none = { value = "unknown", source = "not checked" }
gzip = { value = "yes", source = "https://example.org/apk-format", as_of = "2026-02-01" }
xz = { value = "unknown", source = "not checked" }
zstd = { value = "unknown", source = "not checked" }
bzip2 = { value = "unknown", source = "not checked" }
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alpine-3.99.toml"), text).unwrap();
    let kb = KnowledgeBase::load_dir(dir.path()).unwrap();
    let problems = syspack_distro::kb::audit(&kb);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("alpine-3.99.toml: released: ")
            && problems[0].contains("project-internal note"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("alpine-3.99.toml: eol: ") && problems[1].contains("no as-of date"),
        "{problems:#?}"
    );
    // Not flagged: a dated primary source (`as_of`), a date inside the source text, an unverified
    // fact, and unknown values.
    for path in [
        "libc.version",
        "package_manager.version",
        "package_manager.default_compression",
        "package_manager.reads",
    ] {
        assert!(
            !problems.iter().any(|p| p.contains(&format!(": {path}"))),
            "{path}: {problems:#?}"
        );
    }
}
