//! Unit tests of the FreeBSD format: manifest round trips, version/ABI/licence mapping, writer →
//! reader round trips for every compression. The reader's negative cases are in
//! `distro/tests/freebsd.rs`.

use super::*;
use crate::compress::Compression;
use crate::error::Error;
use crate::package::{Arch, InstallPath, Metadata, Package, Relation, SourceDate, VersionOp};

fn sample() -> Package {
    let mut meta = Metadata::new("hello-bsd", "1.2.3", Arch::X86_64);
    meta.summary = "says hello on FreeBSD".into();
    meta.description = "Long text with 100% coverage and ünïcode.".into();
    meta.maintainer = "Tests <tests@syspack.invalid>".into();
    meta.homepage = Some("https://syspack.invalid/".into());
    meta.license = "MIT OR Apache-2.0".into();
    meta.section = Some("utils".into());
    meta.relations
        .depends
        .push(Relation::with("zstd", VersionOp::Ge, "1.5.5"));
    meta.relations.depends.push(Relation::any("libarchive"));
    meta.relations.conflicts.push(Relation::any("hello-legacy"));
    let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
    let p = |s: &str| InstallPath::new(s).unwrap();
    pkg.add_bytes(
        p("/usr/local/bin/hello"),
        b"#!/bin/sh\necho hello\n".to_vec(),
        0o755,
    )
    .unwrap();
    pkg.add_bytes(
        p("/usr/local/etc/hello.conf.sample"),
        b"greeting = hi\n".to_vec(),
        0o644,
    )
    .unwrap();
    pkg.mark_conffile(&p("/usr/local/etc/hello.conf.sample"))
        .unwrap();
    pkg.add_bytes(p("/usr/local/share/hello/100%/ünï"), b"odd".to_vec(), 0o644)
        .unwrap();
    pkg.add_dir(p("/var/db/hello"), 0o750).unwrap();
    pkg.add_symlink(p("/usr/local/bin/hi"), "hello").unwrap();
    pkg.add_symlink(p("/usr/local/bin/abs"), "/usr/local/bin/hello")
        .unwrap();
    pkg.scripts.post_install = Some("#!/bin/sh\necho installed\n".into());
    pkg.scripts.pre_remove = Some("echo bye\n".into());
    pkg
}

fn write(pkg: &Package, opts: &Options) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let w = Writer::new(pkg, opts).unwrap();
    let path =
        crate::output::write_atomically(dir.path(), &w.file_name(), |out| w.write_to(out)).unwrap();
    (dir, path)
}

#[test]
fn manifest_display_and_fromstr_are_inverses() {
    let pkg = sample();
    let (_d, path) = write(&pkg, &Options::default());
    let r = Reader::open(&path).unwrap();
    let text = r.metadata().to_string();
    let parsed: Manifest = text.parse().unwrap();
    assert_eq!(&parsed, r.metadata());
    assert_eq!(parsed.to_string(), text);
    let compact = r.compact_manifest().unwrap();
    assert_eq!(
        compact.to_string().parse::<Manifest>().unwrap().to_string(),
        compact.to_string()
    );
    // Keys in pkg_emit_object's order.
    let order = [
        "\"name\"",
        "\"origin\"",
        "\"version\"",
        "\"comment\"",
        "\"maintainer\"",
        "\"www\"",
        "\"abi\"",
        "\"arch\"",
        "\"prefix\"",
        "\"flatsize\"",
        "\"licenselogic\"",
        "\"licenses\"",
        "\"desc\"",
        "\"deps\"",
        "\"categories\"",
        "\"conflicts\"",
        "\"files\"",
        "\"config\"",
        "\"directories\"",
        "\"scripts\"",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| {
            text.find(&format!("{k}:"))
                .unwrap_or_else(|| panic!("{k} in {text}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        !text.contains('\n') && !text.contains(": "),
        "compact JSON: {text}"
    );
}

#[test]
fn the_manifest_maps_the_model() {
    let pkg = sample();
    let w = Writer::new(&pkg, &Options::default()).unwrap();
    let m = w.manifest();
    assert_eq!(m.origin, "sysutils/hello-bsd");
    assert_eq!(m.version, "1.2.3");
    assert_eq!(m.maintainer, "tests@syspack.invalid");
    assert_eq!(m.abi.as_deref(), Some("FreeBSD:14:amd64"));
    assert_eq!(m.arch.as_deref(), Some("freebsd:14:x86:64"));
    assert_eq!(m.prefix, "/usr/local");
    assert_eq!(m.flatsize, 21 + 14 + 3);
    assert_eq!(
        (m.licenselogic.as_deref(), &m.licenses[..]),
        (Some("or"), &["MIT".to_string(), "APACHE20".to_string()][..])
    );
    assert_eq!(
        m.desc.as_deref(),
        Some("Long text with 100%25 coverage and %c3%bcn%c3%afcode.")
    );
    assert_eq!(
        m.deps["zstd"],
        Dep {
            origin: "misc/zstd".into(),
            version: StrOrInt::Str("1.5.5".into())
        }
    );
    assert_eq!(m.conflicts, ["hello-legacy"]);
    assert_eq!(m.config, ["/usr/local/etc/hello.conf.sample"]);
    assert_eq!(m.directories.keys().collect::<Vec<_>>(), ["/var/db/hello"]);
    assert_eq!(
        m.scripts.post_install.as_deref(),
        Some("#!/bin/sh\necho installed")
    );
    assert_eq!(m.scripts.pre_deinstall.as_deref(), Some("echo bye"));
    assert!(m.files.is_empty(), "sums are computed while writing");

    let opts = Options {
        os_major: 13,
        category: Some("net".into()),
        shlibs_required: vec!["libz.so.6".into(), "libc.so.7".into(), "libz.so.6".into()],
        dep_origins: [("zstd".to_string(), "archivers/zstd".to_string())].into(),
        ..Options::default()
    };
    let mut pkg = sample();
    pkg.metadata.arch = Arch::Aarch64;
    let w = Writer::new(&pkg, &opts).unwrap();
    let m = w.manifest();
    assert_eq!(m.abi.as_deref(), Some("FreeBSD:13:aarch64"));
    assert_eq!(m.arch.as_deref(), Some("freebsd:13:aarch64:64"));
    assert_eq!(m.origin, "net/hello-bsd");
    assert_eq!(m.shlibs_required, ["libc.so.7", "libz.so.6"]);
    assert_eq!(m.deps["zstd"].origin, "archivers/zstd");
}

#[test]
fn versions_follow_freebsd_rules() {
    let version = |v: &str, rel: &str, epoch: Option<u32>| {
        let mut pkg = sample();
        pkg.metadata.version = v.into();
        pkg.metadata.release = rel.into();
        pkg.metadata.epoch = epoch;
        Writer::new(&pkg, &Options::default())
            .map(|w| (w.manifest().version.clone(), w.file_name()))
    };
    assert_eq!(
        version("1.2.3", "1", None).unwrap(),
        ("1.2.3".into(), "hello-bsd-1.2.3.pkg".into())
    );
    assert_eq!(version("1.2.3", "0", None).unwrap().0, "1.2.3");
    assert_eq!(version("1.2.3", "2", None).unwrap().0, "1.2.3_2");
    assert_eq!(version("1.2.3", "3", Some(1)).unwrap().0, "1.2.3_3,1");
    assert_eq!(version("1.2.3", "1", Some(2)).unwrap().0, "1.2.3,2");
    for (bad, needle) in [
        ("1.2-rc1", "write `1.2.rc1`"),
        ("1_2", "port revision"),
        ("1,2", "port epoch"),
        ("1 2", "whitespace"),
        ("", "empty"),
    ] {
        let err = version(bad, "1", None).err().unwrap().to_string();
        assert!(err.contains(needle), "{bad:?}: {err}");
    }
    let err = version("1.2.3", "1.el9", None).err().unwrap().to_string();
    assert!(err.contains("PORTREVISION"), "{err}");
    assert!(check_version_syntax("1.2.3_2,1").is_ok());
    assert!(check_version_syntax("1.2.3_x").is_err());
    assert!(check_version_syntax("1.2.3,").is_err());
}

#[test]
fn abi_strings_are_checked() {
    assert_eq!(parse_abi("FreeBSD:14:amd64").unwrap(), (14, "amd64"));
    assert_eq!(parse_abi("FreeBSD:13:*").unwrap(), (13, "*"));
    for bad in [
        "FreeBSD:14",
        "Linux:14:amd64",
        "FreeBSD:x:amd64",
        "FreeBSD:14:s390x",
        "FreeBSD:14:amd64:extra",
        "FreeBSD:014:amd64",
    ] {
        assert!(parse_abi(bad).is_err(), "{bad}");
    }
    assert_eq!(legacy_arch("amd64"), Some("x86:64"));
    assert_eq!(legacy_arch("riscv64"), Some("riscv:64:hf"));
    let mut pkg = sample();
    pkg.metadata.arch = Arch::S390x;
    let err = Writer::new(&pkg, &Options::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("FreeBSD has no such architecture"), "{err}");
    pkg.metadata.arch = Arch::All;
    let w = Writer::new(&pkg, &Options::default()).unwrap();
    assert_eq!(
        (w.manifest().abi.as_deref(), w.manifest().arch.as_deref()),
        (Some("FreeBSD:14:*"), Some("freebsd:14:*"))
    );
}

#[test]
fn url_encoding_matches_pkg() {
    assert_eq!(urlencode("a%b ü"), "a%25b %c3%bc");
    assert_eq!(urldecode("a%25b %c3%bc"), "a%b ü");
    assert_eq!(urldecode("100%"), "100%");
    assert_eq!(urldecode("%zz"), "%zz");
}

#[test]
fn symlink_sums_follow_pkg() {
    use sha2::{Digest, Sha256};
    assert_eq!(symlink_sum("hello"), hex::encode(Sha256::digest(b"hello")));
    // Absolute targets: the leading `/` is skipped and the terminating NUL hashed.
    assert_eq!(
        symlink_sum("/usr/local/bin/hello"),
        hex::encode(Sha256::digest(b"usr/local/bin/hello\0"))
    );
}

#[test]
fn every_compression_round_trips_through_the_reader() {
    let pkg = sample();
    for c in ["zstd:3", "xz:1", "gzip:6", "bzip2:1", "none"] {
        let opts = Options {
            compression: c.parse().unwrap(),
            ..Options::default()
        };
        let (_d, path) = write(&pkg, &opts);
        let r = Reader::open(&path).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(r.compression().name(), opts.compression.name());
        assert_eq!(r.metadata_entries(), ["+COMPACT_MANIFEST", "+MANIFEST"]);
        let paths: Vec<&str> = r.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/usr/local/bin/abs",
                "/usr/local/bin/hello",
                "/usr/local/bin/hi",
                "/usr/local/etc/hello.conf.sample",
                "/usr/local/share/hello/100%/ünï",
                "/var/db/hello"
            ],
            "{c}: files in manifest order, then directories"
        );
        let abs = &r.entries()[0];
        assert_eq!(abs.link_target.as_deref(), Some("/usr/local/bin/hello"));
        assert_eq!(
            abs.digest.as_deref(),
            Some(format!("1${}", symlink_sum("/usr/local/bin/hello")).as_str())
        );
        assert_eq!(
            (r.entries()[5].kind, r.entries()[5].mode),
            (EntryKind::Dir, 0o750)
        );
        assert_eq!(r.metadata().files.len(), 5);
        let shown = r.to_string();
        assert!(
            shown.contains("abi: FreeBSD:14:amd64")
                && shown.contains("/usr/local/share/hello/100%/ünï"),
            "{shown}"
        );
    }
}

#[test]
fn output_is_reproducible() {
    let pkg = sample();
    let (_a, a) = write(&pkg, &Options::default());
    let (_b, b) = write(&pkg, &Options::default());
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn bad_names_categories_and_empty_packages_are_rejected() {
    let mut pkg = sample();
    pkg.metadata.name = "hello world".into();
    assert!(Writer::new(&pkg, &Options::default())
        .err()
        .unwrap()
        .to_string()
        .contains("contains ` `"));
    let pkg = sample();
    let opts = Options {
        category: Some("Sys Utils".into()),
        ..Options::default()
    };
    assert!(Writer::new(&pkg, &opts)
        .err()
        .unwrap()
        .to_string()
        .contains("port category"));
    let opts = Options {
        compression: Compression::None,
        origin: Some("nocategory".into()),
        ..Options::default()
    };
    assert!(Writer::new(&pkg, &opts)
        .err()
        .unwrap()
        .to_string()
        .contains("category/portname"));
    let mut empty = Package::new(Metadata::new("empty", "1", Arch::X86_64), SourceDate(0));
    empty
        .add_dir(InstallPath::new("/usr/local/share/empty").unwrap(), 0o755)
        .unwrap();
    assert!(matches!(
        Writer::new(&empty, &Options::default()).err().unwrap(),
        Error::EmptyPackage { .. }
    ));
}

#[test]
fn newer_manifest_forms_parse() {
    let text = r#"{"name":"x","origin":"misc/x","version":"1","abi":"FreeBSD:14:amd64","prefix":"/usr/local","flatsize":3,"deps":{"y":{"origin":"misc/y","version":2}},"files":{"/usr/local/x":{"sum":"1$ab","uname":"root","gname":"wheel","perm":"0644"}},"directories":{"/usr/local/d":{"uname":"root","gname":"wheel","perm":"0755"},"/usr/local/e":true},"vital":false,"annotations":{"a":"b"},"unknown_future_key":[1]}"#;
    let m: Manifest = text.parse().unwrap();
    assert_eq!(m.deps["y"].version, StrOrInt::Int(2));
    assert_eq!(m.files["/usr/local/x"].sum(), Some("1$ab"));
    assert!(matches!(
        m.directories["/usr/local/e"],
        DirValue::Bool(true)
    ));
    assert!(m.extra.contains_key("unknown_future_key"));
    let err = r#"{"name":"x","scripts":{"post-frobnicate":"x"}}"#
        .parse::<Manifest>()
        .unwrap_err()
        .to_string();
    assert!(err.contains("post-frobnicate"), "{err}");
}
