//! Shared frames ("compress once, package many") against the real tools: packages whose large
//! files are frames compressed once and spliced into every format's stream install and verify
//! with rpm, pacman and dpkg, read back with our readers and bsdtar, are the same bytes whether
//! the frames were just made or came from the cache, and cost little size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use crate::common::{run, sample_package, scratch};
use syspack_distro::cores::Cores;
use syspack_distro::frames::{FrameCache, SharedContent, SEGMENT_TRAILER, SHARE_THRESHOLD};
use syspack_distro::output::write_atomically;
use syspack_distro::{arch, deb, freebsd, rpm, Compression, FileEntry, InstallPath, Package};

const RPM: &str = "apt-get install rpm";
const PACMAN: &str = "apt-get install pacman-package-manager";
const DPKG: &str = "apt-get install dpkg";
const BSDTAR: &str = "apt-get install libarchive-tools";

/// The sample package plus two large files (compressible text, random bytes), so several shared
/// frames sit between per-format frames; scripts removed so the bare roots can install it.
fn big_package(dir: &Path) -> Package {
    let mut pkg = sample_package(dir);
    pkg.scripts = Default::default();
    // Text like a manual: words drawn (by a fixed xorshift) from a small vocabulary.
    const WORDS: [&str; 16] = [
        "package", "install", "the", "of", "library", "system", "vendored", "frame", "and", "to",
        "build", "release", "a", "zstd", "root", "file",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut text = String::new();
    while text.len() < 1_500_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push_str(WORDS[(state % 16) as usize]);
        text.push(if state.is_multiple_of(11) { '\n' } else { ' ' });
    }
    let text_path = dir.join("big.txt");
    std::fs::write(&text_path, text).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..700_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let random_path = dir.join("random.bin");
    std::fs::write(&random_path, random).unwrap();
    let p = |s: &str| InstallPath::new(s).unwrap();
    pkg.add_file(p("/usr/share/syspack-sample/big.txt"), &text_path, 0o644)
        .unwrap();
    pkg.add_file(p("/usr/lib/syspack-sample/random.bin"), &random_path, 0o644)
        .unwrap();
    pkg
}

fn large_files(pkg: &Package) -> Vec<(InstallPath, FileEntry)> {
    pkg.entries()
        .iter()
        .filter_map(|(path, e)| match e {
            syspack_distro::Entry::File(f) if f.size >= SHARE_THRESHOLD => {
                Some((path.clone(), f.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The four packages of `pkg` with `shared` (None: one stream each); the deb splices only with
/// gzip, and is otherwise one stream cached whole.
fn write_all(
    pkg: &Package,
    c: Compression,
    shared: Option<Arc<SharedContent>>,
    out: &Path,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    {
        let w = deb::Writer::new(
            pkg,
            &deb::Options {
                compression: c,
                shared: shared.clone(),
            },
        )
        .unwrap();
        files.push(write_atomically(out, &w.file_name(), |o| w.write_to(o)).unwrap());
    }
    let w = rpm::Writer::new(
        pkg,
        &rpm::Options {
            compression: c,
            shared: shared.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    files.push(write_atomically(out, &w.file_name(), |o| w.write_to(o)).unwrap());
    let w = arch::Writer::new(
        pkg,
        &arch::Options {
            compression: c,
            shared: shared.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    files.push(write_atomically(out, &w.file_name(), |o| w.write_to(o)).unwrap());
    let w = freebsd::Writer::new(
        pkg,
        &freebsd::Options {
            compression: c,
            shared,
            ..Default::default()
        },
    )
    .unwrap();
    files.push(write_atomically(out, &w.file_name(), |o| w.write_to(o)).unwrap());
    files
}

/// The shared content for [`write_all`]: one entry of `c` per package that splices (the four,
/// or three when the `.deb` is one zstd stream).
fn prepare(pkg: &Package, c: Compression, cache: FrameCache) -> Arc<SharedContent> {
    prepare_with(pkg, c, cache, true)
}

/// [`prepare`], computing the files' MD5 only with `md5`.
fn prepare_with(pkg: &Package, c: Compression, cache: FrameCache, md5: bool) -> Arc<SharedContent> {
    let users = if matches!(c, Compression::Gzip { .. }) {
        4
    } else {
        3
    };
    Arc::new(
        SharedContent::prepare(
            &[pkg],
            &vec![c; users],
            Arc::new(cache),
            Arc::new(Cores::new(2)),
            SHARE_THRESHOLD,
            md5,
        )
        .unwrap(),
    )
}

/// The bytes of `file`'s shared frame as they appear in a stream (a stored deflate segment ends
/// with its CRC and length, which the stream does not carry).
fn spliced_frame(shared: &SharedContent, file: &FileEntry, c: Compression) -> Option<Vec<u8>> {
    let mut bytes = shared.frame(file, c)?.read().unwrap();
    if matches!(c, Compression::Gzip { .. }) {
        bytes.truncate(bytes.len() - SEGMENT_TRAILER);
    }
    Some(bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn installed_matches_staged(root: &Path, pkg: &Package, what: &str) {
    for (path, e) in pkg.entries() {
        if let syspack_distro::Entry::File(f) = e {
            let got = std::fs::read(root.join(path.relative())).unwrap();
            assert!(got == f.read_all().unwrap(), "{what}: {path:?} differs");
        }
    }
}

#[test]
fn spliced_packages_install_and_verify_with_every_manager() {
    for c in ["zstd:19", "gzip:9"] {
        let c: Compression = c.parse().unwrap();
        let dir = scratch();
        let pkg = big_package(&dir.path().join("assets"));
        let shared = prepare(&pkg, c, FrameCache::temporary().unwrap());
        let files = write_all(&pkg, c, Some(shared.clone()), &dir.path().join("out"));

        // Every large file's shared frame is in every package, byte for byte; with gzip (four
        // packages using it) every file that is not empty has one.
        let large = large_files(&pkg);
        assert_eq!(large.len(), 3, "data.bin, big.txt, random.bin");
        let gzip = matches!(c, Compression::Gzip { .. });
        let mut with_frames = large.clone();
        for (path, e) in pkg.entries() {
            if let syspack_distro::Entry::File(f) = e {
                if !matches!(f.source, syspack_distro::FileSource::Path(_)) {
                    continue; // contents given as bytes are the writers' own
                }
                let small = f.size > 0 && f.size < SHARE_THRESHOLD;
                assert_eq!(
                    shared.frame(f, c).is_some(),
                    !small || gzip,
                    "{c}: {path:?}"
                );
                if small && gzip {
                    with_frames.push((path.clone(), f.clone()));
                }
            }
        }
        assert!(
            !gzip || with_frames.len() > large.len(),
            "gzip shares small files"
        );
        for f in &files {
            if f.extension().unwrap() == "deb" && !gzip {
                continue; // dpkg reads one zstd frame only: the .deb is one stream
            }
            let bytes = std::fs::read(f).unwrap();
            for (path, entry) in &with_frames {
                let frame = spliced_frame(&shared, entry, c).unwrap();
                assert!(
                    contains(&bytes, &frame),
                    "{c}: {f:?} lacks the frame of {path:?}"
                );
            }
        }
        let find = |suffix: &str| files.iter().find(|f| f.to_string_lossy().ends_with(suffix));

        // rpm: digests, install, verify every file.
        let rpm_file = find(".rpm").unwrap();
        let k = run(Command::new("rpm").arg("-Kv").arg(rpm_file), RPM);
        assert!(k.contains("Payload SHA256 digest: OK"), "{c}: {k}");
        let root = dir.path().join("rpmroot");
        std::fs::create_dir_all(&root).unwrap();
        let rpm_in = |args: &[&str]| {
            let mut cmd = Command::new("rpm");
            cmd.arg("--root")
                .arg(&root)
                .args(["--dbpath", "/var/lib/rpm"])
                .args(args);
            cmd
        };
        run(&mut rpm_in(&["--initdb"]), RPM);
        run(
            rpm_in(&["-i", "--nodeps", "--noscripts", "--nosignature"]).arg(rpm_file),
            RPM,
        );
        assert_eq!(
            run(&mut rpm_in(&["-V", "--nodeps", "syspack-sample"]), RPM),
            ""
        );
        installed_matches_staged(&root, &pkg, "rpm");

        // pacman: install, -Qkk against the .MTREE.
        let arch_file = find(if matches!(c, Compression::Gzip { .. }) {
            ".pkg.tar.gz"
        } else {
            ".pkg.tar.zst"
        })
        .unwrap();
        let root = dir.path().join("pacroot");
        std::fs::create_dir_all(root.join("var/lib/pacman")).unwrap();
        let pacman = || {
            let mut cmd = Command::new("pacman");
            cmd.arg("--root")
                .arg(&root)
                .arg("--dbpath")
                .arg(root.join("var/lib/pacman"));
            cmd
        };
        run(
            pacman()
                .args(["-U", "--noconfirm", "--nodeps", "--nodeps", "--noscriptlet"])
                .arg(arch_file),
            PACMAN,
        );
        let check = run(pacman().args(["-Qkk", "syspack-sample"]), PACMAN);
        assert!(check.contains("0 altered files"), "{c}: {check}");
        installed_matches_staged(&root, &pkg, "pacman");

        // FreeBSD: our reader checks every sum; bsdtar (pkg's libarchive) reads every byte.
        let pkg_file = find(".pkg").unwrap();
        let reader = freebsd::Reader::open(pkg_file).unwrap();
        assert!(reader.entries().len() >= 3, "{c}");
        let tree = dir.path().join("bsdtar");
        std::fs::create_dir_all(&tree).unwrap();
        run(
            Command::new("bsdtar")
                .arg("-xf")
                .arg(pkg_file)
                .arg("-C")
                .arg(&tree),
            BSDTAR,
        );
        installed_matches_staged(&tree, &pkg, "bsdtar");

        // deb: dpkg reads every gzip member (and the zstd .deb is one frame); install it.
        if let Some(deb_file) = find(".deb") {
            let root = dir.path().join("dpkgroot");
            for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
                std::fs::create_dir_all(root.join(d)).unwrap();
            }
            for f in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
                std::fs::write(root.join(f), "").unwrap();
            }
            run(
                Command::new("dpkg")
                    .arg(format!("--root={}", root.display()))
                    .args([
                        "--force-not-root",
                        "--force-bad-path",
                        "--force-depends",
                        "-i",
                    ])
                    .arg(deb_file),
                DPKG,
            );
            installed_matches_staged(&root, &pkg, "dpkg");
            let sums =
                std::fs::read_to_string(root.join("var/lib/dpkg/info/syspack-sample.md5sums"))
                    .unwrap();
            let checked = run(
                Command::new("md5sum")
                    .arg("-c")
                    .arg("-")
                    .current_dir(&root)
                    .stdin(
                        std::fs::File::open(root.join("var/lib/dpkg/info/syspack-sample.md5sums"))
                            .unwrap(),
                    ),
                "apt-get install coreutils",
            );
            assert_eq!(
                checked.matches(": OK").count(),
                sums.lines().count(),
                "{checked}"
            );
        }
    }
}

#[test]
fn frames_from_the_cache_give_the_same_bytes_and_changes_are_seen() {
    cache_gives_the_same_bytes_and_sees_changes("zstd:19", ".pkg.tar.zst");
    cache_gives_the_same_bytes_and_sees_changes("gzip:9", ".pkg.tar.gz");
}

fn cache_gives_the_same_bytes_and_sees_changes(c: &str, arch_suffix: &str) {
    let c: Compression = c.parse().unwrap();
    let dir = scratch();
    let pkg = big_package(&dir.path().join("assets"));
    let cache_dir = dir.path().join("cache");

    let cold = write_all(
        &pkg,
        c,
        Some(prepare(&pkg, c, FrameCache::open(&cache_dir).unwrap())),
        &dir.path().join("cold"),
    );
    let stored: Vec<PathBuf> = walk(&cache_dir);
    let warm = write_all(
        &pkg,
        c,
        Some(prepare(&pkg, c, FrameCache::open(&cache_dir).unwrap())),
        &dir.path().join("warm"),
    );
    let fresh = write_all(
        &pkg,
        c,
        Some(prepare(&pkg, c, FrameCache::temporary().unwrap())),
        &dir.path().join("fresh"),
    );
    for ((a, b), f) in cold.iter().zip(&warm).zip(&fresh) {
        let a_bytes = std::fs::read(a).unwrap();
        assert!(
            a_bytes == std::fs::read(b).unwrap(),
            "{c}: {a:?}: a cache hit changed the bytes"
        );
        assert!(
            a_bytes == std::fs::read(f).unwrap(),
            "{a:?}: another cache changed the bytes"
        );
    }
    assert_eq!(
        walk(&cache_dir),
        stored,
        "the warm run found everything in the cache"
    );

    // A changed file is noticed (its index entry no longer matches) and packaged anew.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let big = dir.path().join("assets/big.txt");
    let mut text = std::fs::read(&big).unwrap();
    text[0] = b'L';
    std::fs::write(&big, &text).unwrap();
    let changed = write_all(
        &pkg,
        c,
        Some(prepare(&pkg, c, FrameCache::open(&cache_dir).unwrap())),
        &dir.path().join("changed"),
    );
    let root = dir.path().join("pacroot");
    std::fs::create_dir_all(root.join("var/lib/pacman")).unwrap();
    let arch_file = changed
        .iter()
        .find(|f| f.to_string_lossy().ends_with(arch_suffix))
        .unwrap();
    let mut pacman = Command::new("pacman");
    pacman
        .arg("--root")
        .arg(&root)
        .arg("--dbpath")
        .arg(root.join("var/lib/pacman"));
    run(
        pacman
            .args(["-U", "--noconfirm", "--nodeps", "--nodeps", "--noscriptlet"])
            .arg(arch_file),
        PACMAN,
    );
    assert_eq!(
        std::fs::read(root.join("usr/share/syspack-sample/big.txt")).unwrap(),
        text
    );
}

/// Digests made without MD5 (a run writing rpm or FreeBSD packages only) give the same packages:
/// the `.deb` (md5sums) and Arch (`.MTREE`) writers read a file again for its MD5; digests
/// recorded in a cache's index without MD5 are a miss for a run that needs it, and that run
/// records them with it.
#[test]
fn digests_without_md5_give_the_same_packages() {
    let c: Compression = "gzip:9".parse().unwrap();
    let dir = scratch();
    let pkg = big_package(&dir.path().join("assets"));
    let cache_dir = dir.path().join("cache");
    let index_path = FrameCache::open(&cache_dir)
        .unwrap()
        .root()
        .join("files.idx");
    let with = write_all(
        &pkg,
        c,
        Some(prepare_with(
            &pkg,
            c,
            FrameCache::temporary().unwrap(),
            true,
        )),
        &dir.path().join("with"),
    );
    let without = write_all(
        &pkg,
        c,
        Some(prepare_with(
            &pkg,
            c,
            FrameCache::open(&cache_dir).unwrap(),
            false,
        )),
        &dir.path().join("without"),
    );
    let index = std::fs::read_to_string(&index_path).unwrap();
    assert!(
        index.lines().all(|l| l.split('\t').nth(3) == Some("-")),
        "recorded without MD5:\n{index}"
    );
    let stored = inodes(&cache_dir);
    let again = write_all(
        &pkg,
        c,
        Some(prepare_with(
            &pkg,
            c,
            FrameCache::open(&cache_dir).unwrap(),
            true,
        )),
        &dir.path().join("again"),
    );
    let index = std::fs::read_to_string(&index_path).unwrap();
    assert!(
        index
            .lines()
            .all(|l| l.split('\t').nth(3).is_some_and(|m| m.len() == 32)),
        "recorded again with MD5:\n{index}"
    );
    assert_eq!(
        inodes(&cache_dir),
        stored,
        "the frames cached by the run without MD5 were used, not made again"
    );
    for ((a, b), d) in with.iter().zip(&without).zip(&again) {
        let a_bytes = std::fs::read(a).unwrap();
        assert!(
            a_bytes == std::fs::read(b).unwrap(),
            "{b:?}: differs without MD5"
        );
        assert!(
            a_bytes == std::fs::read(d).unwrap(),
            "{d:?}: differs after the miss"
        );
    }
}

/// The cache's entries with their inodes (an entry made again is a new file renamed into place),
/// leaving out the file index, which a run rewrites.
fn inodes(dir: &Path) -> Vec<(PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    walk(dir)
        .into_iter()
        .filter(|p| !p.ends_with("files.idx"))
        .map(|p| {
            let ino = std::fs::metadata(&p).unwrap().ino();
            (p, ino)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn sharing_costs_under_two_percent_of_size() {
    let dir = scratch();
    let pkg = big_package(&dir.path().join("assets"));
    for c in ["zstd:19", "gzip:9"] {
        let c: Compression = c.parse().unwrap();
        let single = write_all(
            &pkg,
            c,
            None,
            &dir.path().join(format!("single-{}", c.name())),
        );
        let shared = prepare(&pkg, c, FrameCache::temporary().unwrap());
        let framed = write_all(
            &pkg,
            c,
            Some(shared),
            &dir.path().join(format!("framed-{}", c.name())),
        );
        for f in framed {
            let name = f.file_name().unwrap();
            let s = single
                .iter()
                .find(|p| p.file_name().unwrap() == name)
                .unwrap();
            let (a, b) = (
                std::fs::metadata(s).unwrap().len(),
                std::fs::metadata(&f).unwrap().len(),
            );
            let cost = b as f64 / a as f64 - 1.0;
            assert!(
                cost <= 0.02,
                "{c}: {name:?} is {:.2}% larger shared ({b} vs {a} bytes)",
                cost * 100.0
            );
        }
    }
}
