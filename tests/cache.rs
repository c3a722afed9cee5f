//! `syspack cache`: what the frame cache holds, pruning it by last use, and the bound kept after
//! each `syspack package` run.

use std::path::Path;

use crate::package::{hello, ALL, FOREIGN};
use crate::util::{assert_contains, files_in, Dir};

/// `syspack package` of the four formats into `out` with the frame cache `cache`; returns each
/// package's name and bytes.
fn package(dir: &Dir, cache: &Path, out: &str, bound: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let mut cmd = dir.package();
    cmd.env("SYSPACK_FRAME_CACHE", cache);
    if let Some(b) = bound {
        cmd.env("SYSPACK_FRAME_CACHE_MAX_SIZE", b);
    }
    cmd.args(["--target", ALL, "--out", out, FOREIGN]).stdout();
    files_in(&dir.join(out))
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(out).join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// `syspack cache show`'s entry count for `kind`.
fn entries(show: &str, kind: &str) -> u64 {
    let line = show
        .lines()
        .find(|l| l.split_whitespace().next() == Some(kind))
        .unwrap_or_else(|| panic!("no `{kind}` line in:\n{show}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn prune_all(dir: &Dir, cache: &Path) {
    let out = dir
        .command()
        .args(["cache", "prune", "--max-size", "0", "--frame-cache"])
        .args([cache])
        .stdout();
    assert_contains(&out, &["removed ", " entries"]);
}

fn show(dir: &Dir, cache: &Path) -> String {
    dir.command()
        .args(["cache", "show", "--frame-cache"])
        .args([cache])
        .stdout()
}

#[test]
fn the_cache_is_shown_pruned_by_last_use_and_bounded_after_each_run() {
    let dir = hello("cache");
    // Large enough for frames of its own (zstd shares files from 256 KiB).
    dir.create(
        "stage/usr/share/hello/large.txt",
        "a large file\n".repeat(30_000),
    );
    let cache = dir.join("cache");
    // Looking creates nothing.
    assert_contains(&show(&dir, &cache), &["holds no frame cache yet"]);
    assert!(!cache.exists());
    let first = package(&dir, &cache, "o1", None);
    assert_eq!(first.len(), 4);

    let shown = show(&dir, &cache);
    assert_contains(
        &shown,
        &[&cache.display().to_string(), "(from --frame-cache)"],
    );
    assert!(entries(&shown, "frames") >= 1, "{shown}");
    assert!(entries(&shown, "gaps") >= 1, "{shown}");
    assert_eq!(
        entries(&shown, "streams"),
        1,
        "the .deb's single stream:\n{shown}"
    );
    assert_eq!(entries(&shown, "index"), 2, "{shown}");

    // Entries damaged on disk (a bit flipped, the size unchanged) are made again, never spliced.
    let entries_now = walk(&cache.join("v1"));
    let mut damaged = 0;
    for f in &entries_now {
        let kind = f
            .strip_prefix(cache.join("v1"))
            .unwrap()
            .components()
            .next()
            .unwrap();
        if ["frames", "gaps", "streams"].contains(&kind.as_os_str().to_str().unwrap()) {
            let mut bytes = std::fs::read(f).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x10;
            std::fs::write(f, &bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged >= 3, "{entries_now:?}");
    assert_eq!(package(&dir, &cache, "o-damaged", None), first);
    let shown = show(&dir, &cache);
    assert_eq!(
        entries(&shown, "streams"),
        1,
        "the stream was made again:\n{shown}"
    );

    // Pruning to nothing leaves only the indexes; the next run makes the same packages again.
    prune_all(&dir, &cache);
    let shown = show(&dir, &cache);
    for kind in ["frames", "packs", "gaps", "streams"] {
        assert_eq!(entries(&shown, kind), 0, "{kind} left:\n{shown}");
    }
    assert_eq!(package(&dir, &cache, "o2", None), first);

    // Within the default bound nothing goes; a bound of one byte after a run that stored
    // entries keeps none of them, and the packages are the same.
    let kept = show(&dir, &cache);
    assert!(entries(&kept, "frames") >= 1, "{kept}");
    prune_all(&dir, &cache);
    let o3 = package(&dir, &cache, "o3", Some("1"));
    assert_eq!(o3, first, "a run whose cache was pruned under it");
    let shown = show(&dir, &cache);
    for kind in ["frames", "packs", "gaps", "streams"] {
        assert_eq!(
            entries(&shown, kind),
            0,
            "{kind} left after a run bounded to 1 byte:\n{shown}"
        );
    }
    // 0: no bound.
    package(&dir, &cache, "o4", Some("0"));
    assert!(entries(&show(&dir, &cache), "streams") == 1);

    // A bound that is not a size stops the run before anything is written.
    let err = dir
        .package()
        .env("SYSPACK_FRAME_CACHE", &cache)
        .env("SYSPACK_FRAME_CACHE_MAX_SIZE", "lots")
        .args(["--out", "o5"])
        .stderr_with(2);
    assert_contains(&err, &["SYSPACK_FRAME_CACHE_MAX_SIZE", "`lots`", "like 2G"]);
    assert!(files_in(&dir.join("o5")).is_empty(), "{err}");

    // Clear removes the cache syspack made, and only that.
    std::fs::write(cache.join("keep-me"), "not syspack's").unwrap();
    let out = dir
        .command()
        .args(["cache", "clear", "--frame-cache"])
        .args([&cache])
        .stdout();
    assert_contains(&out, &["removed ", "v1"]);
    assert!(!cache.join("v1").exists() && cache.join("keep-me").exists());

    // The cache command has nothing to show when the cache is off.
    let err = dir
        .command()
        .env("SYSPACK_FRAME_CACHE", "off")
        .args(["cache"])
        .stderr_with(2);
    assert_contains(&err, &["frame cache is off", "--frame-cache DIR"]);
}

/// Issue 16: the frame cache is checked, not trusted, and its failures never fail packaging.
#[test]
fn a_lying_or_broken_cache_is_a_miss_never_a_wrong_package() {
    let dir = hello("cache-hostile");
    let cache = dir.join("cache");
    let first = package(&dir, &cache, "out1", None);

    // A zeroed digest in files.idx (line checks kept or not): the next run reads the files
    // again and writes the same, correct packages.
    let idx = cache.join("v1/files.idx");
    let text = std::fs::read_to_string(&idx).unwrap();
    let zeroed: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split('\t').map(str::to_string).collect();
            f[4] = "0".repeat(64);
            f.join("\t") + "\n"
        })
        .collect();
    std::fs::write(&idx, zeroed).unwrap();
    // A directory where an entry should be: healed like a damaged entry.
    let entry = walk(&cache.join("v1/gaps"))
        .into_iter()
        .find(|p| p.is_file())
        .expect("a frame entry");
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir_all(entry.join("in-the-way")).unwrap();
    let second = package(&dir, &cache, "out2", None);
    assert_eq!(first, second, "the same packages from a lying cache");
    assert!(
        entry.is_file(),
        "the directory entry was replaced by the frame"
    );
    for (name, _) in &second {
        dir.command()
            .args([
                std::ffi::OsStr::new("inspect"),
                dir.join("out2").join(name).as_os_str(),
            ])
            .stdout();
    }

    // A cache that cannot be created (a file where its directory should be): one warning, the
    // packages are written all the same.
    let blocked = dir.create("blocked", "not a directory\n");
    let mut cmd = dir.package();
    cmd.env("SYSPACK_FRAME_CACHE", &blocked);
    let out = cmd
        .args(["--target", ALL, "--out", "out3", FOREIGN])
        .expect_code(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("warning: the frame cache").count(),
        1,
        "{stderr}"
    );
    assert_eq!(files_in(&dir.join("out3")).len(), 4, "{stderr}");
}

/// Sets the modification time of `path` (a file or directory) to `secs` seconds ago.
fn age(path: &Path, secs: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    std::fs::File::open(path).unwrap().set_modified(t).unwrap();
}

/// Issue 16: what a killed run leaves (`.partial` packages, `.tmp*` cache files, run-local caches
/// in the temporary directory) is removed by the next run, and what live runs use is not.
#[test]
fn leftovers_of_killed_runs_are_cleaned_by_the_next_run() {
    let dir = hello("leftovers");
    let cache = dir.join("cache");
    package(&dir, &cache, "out", None);
    let stale_partial = dir.create("out/.hello_1.0.0-1_amd64.deb.Ab12Cd.partial", "half");
    let live_partial = dir.create("out/.hello_1.0.0-1_amd64.deb.Zz99Yy.partial", "half");
    age(&stale_partial, 7200);
    let stale_tmp = dir.create("cache/v1/frames/.tmpAbCdEf", "half a frame");
    let live_tmp = dir.create("cache/v1/frames/.tmpLiveOn", "half a frame");
    age(&stale_tmp, 7200);
    // Run-local caches: one whose run was killed (its lock is free), one of a live run (its
    // lock held by `flock`), one of an older syspack without a lock file.
    let tmp = dir.join("tmp");
    let killed = tmp.join("syspack-frames-killed");
    dir.create("tmp/syspack-frames-killed/lock", "");
    dir.create("tmp/syspack-frames-killed/v1/frames/x", "x");
    let live = tmp.join("syspack-frames-live");
    dir.create("tmp/syspack-frames-live/lock", "");
    let old = tmp.join("syspack-frames-old");
    dir.create("tmp/syspack-frames-old/v1/x", "x");
    for d in [&killed, &live, &old] {
        age(d, 7200);
    }
    let mut holder = std::process::Command::new("flock")
        .arg("-x")
        .arg(live.join("lock"))
        .args(["sleep", "120"])
        .spawn()
        .expect("flock(1) is missing; install it with `apt-get install -y util-linux`");
    std::thread::sleep(std::time::Duration::from_millis(300));

    package(&dir, &cache, "out", None);
    // With --frame-cache off, the run-local cache goes to TMPDIR.
    dir.package()
        .env("TMPDIR", &tmp)
        .env("SYSPACK_FRAME_CACHE", "off")
        .args(["--target", "debian-12", "--out", "out-off"])
        .stdout();
    let _ = holder.kill();
    let _ = holder.wait();

    assert!(!stale_partial.exists(), "a stale .partial is removed");
    assert!(
        live_partial.exists(),
        "a fresh .partial (a live run's) is kept"
    );
    assert!(!stale_tmp.exists(), "a stale .tmp in the cache is removed");
    assert!(live_tmp.exists(), "a fresh .tmp in the cache is kept");
    assert!(
        !killed.exists(),
        "the run-local cache of a killed run is removed"
    );
    assert!(live.exists(), "the run-local cache of a live run is kept");
    assert!(
        !old.exists(),
        "an old run-local cache without a lock is removed"
    );
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "this run removed its own cache: {left:?}");
}
