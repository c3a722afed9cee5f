//! What the fuzz targets share: each target is one entry point of syspack called on the fuzzer's
//! bytes. The same functions are called by the main crate's `tests/fuzz_replay.rs` on the
//! committed regressions, on stable.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A scratch directory for this process (the package readers take a path).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("syspack-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

/// Writes `data` to a scratch file named `name` and returns its path.
pub fn file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("write the scratch package");
    path
}

/// Runs the target `target` on `data`. Errors are fine; a panic, a crash, a hang or an
/// allocation beyond the run's memory limit is a finding.
pub fn run(target: &str, data: &[u8]) {
    use syspack_distro::{arch, deb, freebsd, rpm};
    match target {
        "deb" => drop(deb::Reader::open(&file("x.deb", data))),
        "rpm" => drop(rpm::Reader::open(&file("x.rpm", data))),
        "arch" => drop(arch::Reader::open(&file("x.pkg.tar", data))),
        "freebsd" => drop(freebsd::Reader::open(&file("x.pkg", data))),
        "elf" => {
            drop(syspack_distro::elf::ElfInfo::parse_bytes(
                data,
                Path::new("fuzz"),
            ));
            // The bundled-library audit reads the same untrusted bytes (symbols, sections).
            drop(syspack_distro::audit::audit_bytes(data, Path::new("fuzz")));
        }
        "kb" => {
            // Every reader of the knowledge base and of the archive files it is derived from:
            // the TOML data, a release index (`<release>.idx`, from a user's index directory),
            // and what `kb update` parses while it streams a mirror's files (their sha256 is
            // known only at the end): Release, Packages, Contents, shlibs, symbols.
            use syspack_distro::kb::index;
            drop(index::parse_packages("Packages", data));
            drop(index::parse_contents("Contents-amd64", data));
            if let Ok(text) = std::str::from_utf8(data) {
                drop(syspack_distro::kb::KnowledgeBase::parse_file(
                    "debian-12.toml",
                    text,
                ));
                drop(index::ReleaseIndex::parse("debian-12.idx", text));
                drop(index::ReleaseFile::parse("InRelease", text));
                drop(index::parse_shlibs(text));
                drop(index::parse_symbols(text));
            }
        }
        "pin" => {
            if let Ok(text) = std::str::from_utf8(data) {
                drop(syspack_build::pin::Pin::parse(text, Path::new("pin.toml")));
            }
        }
        "library" => {
            if let Ok(text) = std::str::from_utf8(data) {
                drop(syspack_build::Library::from_manifest_str(
                    text,
                    Path::new("library.toml"),
                ));
            }
        }
        "syspack-toml" => {
            // A standalone syspack.toml, read as `syspack package --config` reads it.
            drop(syspack::config::syspack::load_standalone(&file(
                "syspack.toml",
                data,
            )));
        }
        "cargo-toml" => {
            // A Cargo.toml with `[package.metadata.syspack]`, cargo-deb's or
            // cargo-generate-rpm's table, read as `syspack package` reads it (no cargo run).
            let manifest = file("Cargo.toml", data);
            let _ = std::fs::create_dir_all(scratch().join("src"));
            let _ = std::fs::write(scratch().join("src/main.rs"), "fn main() {}\n");
            drop(syspack::config::Config::from_cargo_manifest(&manifest));
        }
        "generated-manifest" => {
            if let Ok(text) = std::str::from_utf8(data) {
                drop(syspack::generated::Manifest::parse(
                    Path::new("generated.toml"),
                    text.to_string(),
                ));
            }
        }
        "s3-listing" => {
            if let Ok(text) = std::str::from_utf8(data) {
                drop(syspack_repo::s3::parse_listing(text, "repo/"));
            }
        }
        "signed-text" => {
            // An InRelease / release-log signature checked against a fixed key: the OpenPGP
            // packet parser reads the bytes before any signature can reject them.
            if let Ok(text) = std::str::from_utf8(data) {
                drop(verifier().verify_cleartext(text, Path::new("InRelease")));
                drop(verifier().verify_detached(b"data", data, Path::new("Release.gpg")));
            }
        }
        "rpm-md" => {
            // The rpm-md metadata `syspack kb import` reads, each parser on the same bytes (the
            // root element decides which one gets past the start).
            use syspack_distro::kb::rpmmd;
            drop(rpmmd::parse_repomd("repomd.xml", data));
            drop(rpmmd::parse_primary("primary.xml", data, |_| Ok(())));
            drop(rpmmd::parse_filelists(
                "filelists.xml",
                data,
                |p| rpmmd::loader_library(p).is_some(),
                |_| Ok(()),
            ));
        }
        "pacman-db" => {
            // An Arch `.files` sync database as `syspack kb import` reads it.
            drop(syspack_distro::kb::archdb::parse_db(
                "core.files",
                data,
                |_| Ok(()),
            ));
        }
        "packagesite" => {
            // A FreeBSD catalogue archive as `syspack kb import` reads it, as either member.
            use syspack_distro::kb::packagesite;
            drop(packagesite::parse_archive(
                "packagesite.pkg",
                data,
                "packagesite.yaml",
                |_| Ok(()),
            ));
            drop(packagesite::parse_archive("data.pkg", data, "data", |_| {
                Ok(())
            }));
        }
        other => panic!("no fuzz target `{other}`"),
    }
}

/// Every target.
pub const TARGETS: [&str; 16] = [
    "deb",
    "rpm",
    "arch",
    "freebsd",
    "elf",
    "kb",
    "pin",
    "library",
    "syspack-toml",
    "cargo-toml",
    "generated-manifest",
    "s3-listing",
    "signed-text",
    "rpm-md",
    "pacman-db",
    "packagesite",
];

/// The public key the `signed-text` target verifies against (an Ed25519 key made once per
/// process; the fuzzer's bytes never carry a valid signature by it, so what is exercised is the
/// parsing before the check).
fn verifier() -> &'static syspack_repo::sign::Verifier {
    static KEY: OnceLock<syspack_repo::sign::Verifier> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = syspack_repo::sign::generate(
            syspack_repo::sign::Algorithm::Ed25519,
            "Fuzz <fuzz@example.org>",
            1_700_000_000,
            None,
        )
        .expect("an Ed25519 key");
        syspack_repo::sign::Verifier::from_armored(&key.public, "fuzz key").expect("its public key")
    })
}
