//! Unit tests: header, lead and cpio round trips; writer → reader round trips for every payload
//! compression; validation errors; tampering detected by the reader.

use super::cpio::{CpioEntry, CpioReader, CpioWriter, NewcHeader};
use super::header::{Header, TagValue};
use super::lead::Lead;
use super::*;
use crate::{
    Arch, Bundled, Error, InstallPath, Metadata, Package, Relation, SourceDate, SystemdUnit,
    VersionOp,
};

fn p(s: &str) -> InstallPath {
    InstallPath::new(s).unwrap()
}

fn sample() -> Package {
    let mut meta = Metadata::new("demo", "1.2.3", Arch::X86_64);
    meta.summary = "a demo package".into();
    meta.description = "Demonstrates the rpm writer.\n\nSecond paragraph.".into();
    meta.maintainer = "Demo <demo@example.invalid>".into();
    meta.license = "MIT".into();
    meta.homepage = Some("https://example.invalid/".into());
    meta.relations
        .depends
        .push(Relation::with("glibc", VersionOp::Ge, "2.28"));
    meta.relations
        .pre_depends
        .push(Relation::any("shadow-utils"));
    meta.relations.recommends.push(Relation::any("demo-extras"));
    meta.relations.suggests.push(Relation::any("demo-docs"));
    meta.relations
        .conflicts
        .push(Relation::with("demo-legacy", VersionOp::Lt, "1.0"));
    meta.relations.replaces.push(Relation::any("demo-old"));
    meta.relations.provides.push(Relation::any("demo-api"));
    meta.bundled.push(Bundled {
        name: "zstd".into(),
        version: "1.5.7".into(),
    });
    let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
    pkg.add_bytes(
        p("/usr/bin/demo"),
        b"#!/bin/sh\necho demo\n".to_vec(),
        0o755,
    )
    .unwrap();
    pkg.add_bytes(p("/etc/demo.conf"), b"key = value\n".to_vec(), 0o644)
        .unwrap();
    pkg.mark_conffile(&p("/etc/demo.conf")).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    pkg.add_bytes(p("/usr/share/demo/data.bin"), data, 0o644)
        .unwrap();
    pkg.add_bytes(p("/usr/share/demo/empty"), Vec::new(), 0o644)
        .unwrap();
    pkg.add_dir(p("/var/lib/demo"), 0o750).unwrap();
    pkg.add_symlink(p("/usr/bin/demo-link"), "demo").unwrap();
    pkg.scripts.post_install = Some("#!/bin/sh\necho installed\n".into());
    pkg.scripts.pre_remove = Some("#!/bin/sh\necho removing\n".into());
    pkg.systemd_units.push(SystemdUnit {
        name: "demo.service".into(),
        enable: true,
        start: true,
    });
    pkg
}

fn write(pkg: &Package, opts: &Options) -> Vec<u8> {
    let w = Writer::new(pkg, opts).unwrap();
    let mut out = Vec::new();
    w.write_to(&mut out).unwrap();
    out
}

fn read(bytes: &[u8]) -> crate::Result<Reader> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.rpm");
    std::fs::write(&path, bytes).unwrap();
    Reader::open(&path)
}

#[test]
fn header_round_trips_with_alignment_and_region() {
    let mut h = Header::new(tags::HEADERIMMUTABLE);
    h.put(tags::NAME, TagValue::String("x".into()));
    h.put(tags::FILEMODES, TagValue::Int16(vec![0o100644, 0o40755]));
    h.put(tags::LONGSIZE, TagValue::Int64(vec![1 << 40]));
    h.put(tags::FILESIZES, TagValue::Int32(vec![1, 2]));
    h.put(
        tags::BASENAMES,
        TagValue::StringArray(vec!["a".into(), "b".into()]),
    );
    h.put(tags::SUMMARY, TagValue::I18nString(vec!["s".into()]));
    h.put(tags::FILELANGS, TagValue::StringArray(Vec::new())); // empty: not stored
    let bytes = h.to_bytes();
    let back = Header::parse(&bytes, tags::HEADERIMMUTABLE).unwrap();
    assert_eq!(back, h);
    assert!(back.get(tags::FILELANGS).is_none());
    // Wrong region tag, broken trailer, unsorted index: rejected with a reason.
    let err = Header::parse(&bytes, tags::HEADERSIGNATURES).unwrap_err();
    assert!(err.contains("region"), "{err}");
    let mut broken = bytes.clone();
    let n = broken.len();
    broken[n - 5] ^= 0x10; // the trailer's offset
    assert!(Header::parse(&broken, tags::HEADERIMMUTABLE)
        .unwrap_err()
        .contains("trailer"));
    // An unsorted index whose data still follows it: rpm sorts it after reading, and so may we.
    let (a, b) = (16 + 16, 16 + 32); // index entries 1 (NAME) and 2 (SUMMARY)
    let mut unsorted = bytes.clone();
    let t1: [u8; 4] = unsorted[a..a + 4].try_into().unwrap();
    let t2: [u8; 4] = unsorted[b..b + 4].try_into().unwrap();
    unsorted[a..a + 4].copy_from_slice(&t2);
    unsorted[b..b + 4].copy_from_slice(&t1);
    let back = Header::parse(&unsorted, tags::HEADERIMMUTABLE).unwrap();
    assert_eq!(back.get(tags::SUMMARY), Some(&TagValue::String("x".into())));
    // The same tag twice in the region: refused (rpm would return either value).
    let mut twice = bytes.clone();
    twice[b..b + 4].copy_from_slice(&t1);
    let err = Header::parse(&twice, tags::HEADERIMMUTABLE).unwrap_err();
    assert!(err.contains("appears twice in the region"), "{err}");
    // Entries swapped whole, so that the data runs backwards: refused, as rpm does.
    let mut backwards = bytes.clone();
    let (e1, e2) = (bytes[a..a + 16].to_vec(), bytes[b..b + 16].to_vec());
    backwards[a..a + 16].copy_from_slice(&e2);
    backwards[b..b + 16].copy_from_slice(&e1);
    let err = Header::parse(&backwards, tags::HEADERIMMUTABLE).unwrap_err();
    assert!(err.contains("overlaps the previous value"), "{err}");
}

#[test]
fn lead_round_trips_and_truncates_long_names() {
    let lead = Lead::binary(&"n".repeat(100));
    let bytes = lead.to_bytes();
    let back = Lead::parse(&bytes).unwrap();
    assert_eq!(back.name.len(), 65);
    assert_eq!(
        (
            back.major,
            back.minor,
            back.archnum,
            back.osnum,
            back.signature_type
        ),
        (3, 0, 1, 1, 5)
    );
    let mut bad = bytes;
    bad[0] = 0;
    assert!(Lead::parse(&bad).unwrap_err().contains("magic"));
}

#[test]
fn cpio_round_trips_newc_and_stripped_entries() {
    let mut w = CpioWriter::new(Vec::new());
    w.newc_header(&NewcHeader {
        ino: 1,
        mode: 0o100644,
        nlink: 1,
        mtime: 5,
        size: 3,
        name: "./a".into(),
    })
    .unwrap();
    w.write_content(b"abc").unwrap();
    w.stripped_header(7).unwrap();
    w.write_content(b"12345").unwrap();
    let bytes = w.finish().unwrap();
    assert_eq!(bytes.len() % 4, 0);
    let mut r = CpioReader::new(&bytes[..]);
    let CpioEntry::Newc(h) = r.next_entry().unwrap() else {
        panic!("expected newc")
    };
    assert_eq!(
        (h.name.as_str(), h.size, h.mode, h.ino),
        ("./a", 3, 0o100644, 1)
    );
    let mut content = Vec::new();
    r.read_content(3, &mut content).unwrap();
    assert_eq!(content, b"abc");
    assert_eq!(r.next_entry().unwrap(), CpioEntry::Stripped(7));
    r.read_content(5, &mut std::io::sink()).unwrap();
    assert_eq!(r.next_entry().unwrap(), CpioEntry::Trailer);
}

#[test]
fn every_compression_round_trips() {
    let pkg = sample();
    for c in ["none", "gzip:6", "xz:1", "zstd:3", "bzip2:1"] {
        let opts = Options {
            compression: c.parse().unwrap(),
            ..Options::default()
        };
        let bytes = write(&pkg, &opts);
        let r = read(&bytes).unwrap_or_else(|e| panic!("{c}: {e}"));
        let m = r.metadata();
        assert_eq!(
            (m.name.as_str(), m.version.as_str(), m.release.as_str()),
            ("demo", "1.2.3", "1")
        );
        assert_eq!(m.arch, "x86_64");
        assert_eq!(
            m.payload_compressor,
            super::write::compressor_name(opts.compression).unwrap_or("none")
        );
        let paths: Vec<&str> = r.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/demo.conf",
                "/usr/bin/demo",
                "/usr/bin/demo-link",
                "/usr/share/demo/data.bin",
                "/usr/share/demo/empty",
                "/var/lib/demo"
            ],
            "only declared entries, sorted"
        );
    }
}

#[test]
fn metadata_and_entries_match_the_model() {
    let bytes = write(&sample(), &Options::default());
    let r = read(&bytes).unwrap();
    let m = r.metadata();
    assert_eq!(m.summary, "a demo package");
    assert_eq!(m.source_rpm.as_deref(), Some("demo-1.2.3-1.src.rpm"));
    assert_eq!(m.build_time, 1_700_000_000);
    assert_eq!(m.build_host.as_deref(), Some("localhost"));
    assert_eq!(m.group.as_deref(), Some("Applications/System"));
    let provides: Vec<String> = m.provides.iter().map(ToString::to_string).collect();
    assert_eq!(
        provides,
        [
            "demo = 1.2.3-1",
            "demo(x86-64) = 1.2.3-1",
            // It has a config file (as rpmbuild writes it).
            "config(demo) = 1.2.3-1",
            "demo-api",
            "bundled(zstd) = 1.5.7"
        ]
    );
    let requires: Vec<String> = m.requires.iter().map(ToString::to_string).collect();
    for want in [
        "config(demo) = 1.2.3-1",
        "glibc >= 2.28",
        "shadow-utils",
        "/bin/sh",
        "rpmlib(CompressedFileNames) <= 3.0.4-1",
        "rpmlib(FileDigests) <= 4.6.0-1",
        "rpmlib(PayloadFilesHavePrefix) <= 4.0-1",
        "rpmlib(PayloadIsZstd) <= 5.4.18-1",
    ] {
        assert!(
            requires.iter().any(|r| r == want),
            "missing {want} in {requires:?}"
        );
    }
    let pre = m
        .requires
        .iter()
        .find(|d| d.name == "shadow-utils")
        .unwrap();
    assert_ne!(
        pre.flags & tags::sense::SCRIPT_PRE,
        0,
        "pre_depends is Requires(pre)"
    );
    assert_eq!(m.conflicts[0].to_string(), "demo-legacy < 1.0");
    assert_eq!(m.obsoletes[0].to_string(), "demo-old");
    assert_eq!(m.recommends[0].to_string(), "demo-extras");
    assert_eq!(m.suggests[0].to_string(), "demo-docs");
    let names: Vec<&str> = m.scripts.iter().map(|s| s.name).collect();
    assert_eq!(names, ["%post", "%preun", "%postun"]);
    assert!(m.scripts[0]
        .body
        .contains("systemctl --no-reload enable demo.service"));
    assert!(m.scripts[1].body.contains("if [ \"$1\" -eq 0 ]; then"));

    let e = |path: &str| r.entries().iter().find(|e| e.path == path).unwrap();
    assert!(e("/etc/demo.conf").rpm_flags.is_some_and(|f| f.config));
    assert_eq!(e("/usr/bin/demo").mode, 0o755);
    assert_eq!(e("/usr/bin/demo").kind, EntryKind::File);
    assert_eq!(
        e("/usr/bin/demo").digest.as_deref(),
        Some(
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                b"#!/bin/sh\necho demo\n"
            ))
            .as_str()
        )
    );
    assert_eq!(e("/usr/bin/demo-link").link_target.as_deref(), Some("demo"));
    assert_eq!(e("/usr/bin/demo-link").size, 4);
    assert_eq!(e("/var/lib/demo").kind, EntryKind::Dir);
    assert_eq!(e("/var/lib/demo").mode, 0o750);
    let shown = r.to_string();
    assert!(shown.contains("Name         : demo"), "{shown}");
    assert!(
        shown.contains("lrwxrwxrwx root root          4 /usr/bin/demo-link -> demo"),
        "{shown}"
    );
}

#[test]
fn noarch_packages_have_no_isa_provide() {
    let mut pkg = sample();
    pkg.metadata.arch = Arch::All;
    let r = read(&write(&pkg, &Options::default())).unwrap();
    assert!(r.metadata().provides.iter().all(|d| !d.name.contains('(')
        || d.name.starts_with("bundled(")
        || d.name.starts_with("config(")));
    assert_eq!(
        Writer::new(&pkg, &Options::default()).unwrap().file_name(),
        "demo-1.2.3-1.noarch.rpm"
    );
}

#[test]
fn output_is_deterministic() {
    let pkg = sample();
    assert_eq!(
        write(&pkg, &Options::default()),
        write(&pkg, &Options::default())
    );
}

#[test]
fn invalid_versions_and_names_are_rejected_with_a_hint() {
    let mut pkg = sample();
    pkg.metadata.version = "1.0-2".into();
    let err = Writer::new(&pkg, &Options::default()).err().unwrap();
    assert!(
        matches!(
            err,
            Error::InvalidField {
                field: "version",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("move the part after `-` into the release"),
        "{err}"
    );

    let mut pkg = sample();
    pkg.metadata.name = "my package".into();
    let err = Writer::new(&pkg, &Options::default()).err().unwrap();
    assert!(
        matches!(err, Error::InvalidField { field: "name", .. }),
        "{err}"
    );

    let mut pkg = sample();
    pkg.metadata.release = "1/2".into();
    assert!(Writer::new(&pkg, &Options::default()).is_err());

    let mut pkg = sample();
    pkg.metadata.summary = String::new();
    assert!(Writer::new(&pkg, &Options::default()).is_err());

    let mut pkg = sample();
    pkg.metadata
        .relations
        .depends
        .push(Relation::any("two words"));
    assert!(Writer::new(&pkg, &Options::default()).is_err());
}

#[test]
fn empty_package_is_an_error() {
    let mut meta = Metadata::new("empty", "1", Arch::X86_64);
    meta.summary = "s".into();
    meta.license = "MIT".into();
    let mut pkg = Package::new(meta, SourceDate(0));
    pkg.add_dir(p("/var/lib/empty"), 0o755).unwrap();
    let err = Writer::new(&pkg, &Options::default()).err().unwrap();
    assert!(matches!(err, Error::EmptyPackage { .. }), "{err}");
}

#[test]
fn tampering_is_detected() {
    let bytes = write(
        &sample(),
        &Options {
            compression: Compression::None,
            ..Options::default()
        },
    );
    // A byte of file content in the uncompressed payload: the payload digest catches it.
    let pos = bytes.windows(9).rposition(|w| w == b"echo demo").unwrap();
    let mut t = bytes.clone();
    t[pos] = b'E';
    let err = read(&t).unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err}");
    // A byte of the main header (the summary): the header digests catch it.
    let pos = bytes
        .windows(14)
        .position(|w| w == b"a demo package")
        .unwrap();
    let mut t = bytes.clone();
    t[pos] = b'A';
    let err = read(&t).unwrap_err();
    assert!(
        matches!(err, Error::ChecksumMismatch { ref entry, .. } if entry.contains("header")),
        "{err}"
    );
    // Truncation.
    let err = read(&bytes[..bytes.len() - 10]).unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    // Not an rpm at all.
    let err = read(
        b"hello world, this is not a package at all, but long enough to fill a lead. 0123456789",
    )
    .unwrap_err();
    assert!(err.to_string().contains("lead magic"), "{err}");
}

/// A Summary longer than rpmlint's 79 characters is shortened (its first sentence here) and the
/// whole text leads the description.
#[test]
fn a_long_summary_is_shortened_and_kept_in_the_description() {
    let mut pkg = sample();
    pkg.metadata.summary =
        "A customizable cross-platform graphical process/system monitor for the \
                            terminal. Supports Linux, macOS, and Windows."
            .into();
    pkg.metadata.description = "Reads ~/.config/bottom/bottom.toml.".into();
    let bytes = write(&pkg, &Options::default());
    let m = read(&bytes).unwrap().metadata().clone();
    assert_eq!(
        m.summary,
        "A customizable cross-platform graphical process/system monitor for the terminal"
    );
    assert!(
        m.description
            .starts_with("A customizable cross-platform graphical process/system monitor for the\nterminal. Supports Linux, macOS, and Windows.\n\nReads"),
        "{}",
        m.description
    );
}

#[test]
fn a_bundled_library_of_unknown_version_is_provided_unversioned() {
    // The audit found a copy whose version the binary does not record.
    let mut pkg = sample();
    pkg.metadata.bundled.push(Bundled {
        name: "oniguruma".into(),
        version: String::new(),
    });
    let bytes = write(&pkg, &Options::default());
    let m = read(&bytes).unwrap().metadata().clone();
    let provides: Vec<String> = m.provides.iter().map(ToString::to_string).collect();
    assert!(
        provides.contains(&"bundled(oniguruma)".to_string()),
        "{provides:?}"
    );
    assert!(
        provides.contains(&"bundled(zstd) = 1.5.7".to_string()),
        "{provides:?}"
    );
}
