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
