//! Release channels: `syspack repo promote|hold|unhold|yank|log` with a fake clock (`--now`,
//! `SYSPACK_NOW`), judged by apt in a Debian root, `repo verify`, and the signed release log.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::repo::{
    apt_root_with, apt_update, chroot, data_rpm, dnf_install, pacman_installs_hello, setup, text,
};
use crate::util::{assert_contains, copy_tree, listing, Dir};

/// When the first package enters testing.
const T: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

/// `repo add DIR DEB --channel testing` at time `at`.
fn add_at(dir: &Dir, deb: &Path, at: u64) {
    dir.command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args([deb])
        .env("SYSPACK_NOW", at.to_string())
        .expect_code(0);
}

/// `repo promote repo --now AT` plus `extra`, expecting `code`; returns stdout and stderr.
fn promote(dir: &Dir, at: u64, extra: &[&str], code: i32) -> String {
    let out = dir
        .command()
        .args([
            "repo", "promote", "repo", "--from", "testing", "--to", "stable",
        ])
        .args(["--min-soak", "14d", "--now", &at.to_string()])
        .args(["--signing-key", "keys/secret.asc"])
        .args(extra)
        .expect_code(code);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hello fixture packaged again as `version`.
fn deb_version(dir: &Dir, version: &str) -> PathBuf {
    let config = std::fs::read_to_string(dir.join("syspack.toml")).unwrap();
    let mut lines: Vec<String> = config.lines().map(str::to_string).collect();
    let line = lines
        .iter_mut()
        .find(|l| l.starts_with("version = "))
        .expect("syspack.toml has a version");
    *line = format!("version = \"{version}\"");
    std::fs::write(dir.join("syspack.toml"), lines.join("\n") + "\n").unwrap();
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let deb = dir.join(format!("out/hello_{version}-1_amd64.deb"));
    assert!(deb.is_file(), "{}", listing(&dir.join("out")));
    deb
}

fn packages(dir: &Dir, channel: &str) -> String {
    std::fs::read_to_string(dir.join(format!("repo/dists/{channel}/main/binary-amd64/Packages")))
        .unwrap_or_default()
}

fn verify(dir: &Dir) -> String {
    dir.command()
        .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
        .stdout()
}

fn log(dir: &Dir, json: bool) -> String {
    let mut cmd = dir.command();
    cmd.args(["repo", "log", "repo", "--key", "keys/public.asc"]);
    if json {
        cmd.args(["--json"]);
    }
    cmd.stdout()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// A package added to testing at T waits at T+13d (exit 0, saying when it becomes eligible),
/// `--dry-run` at T+14d changes nothing, and the promotion at T+14d puts it into stable, where
/// apt in a Debian 12 root sees and installs it; the release log records both entries.
#[test]
fn promotion_waits_for_the_soak_then_apt_sees_stable() {
    let (dir, deb) = setup("channels-soak", "ed25519");
    add_at(&dir, &deb, T);

    let out = promote(&dir, T + 13 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "waiting hello 1.0.0-1 amd64 (deb): in testing since 2023-11-14 22:13:20 UTC, \
             eligible at 2023-11-28 22:13:20 UTC (in 1d)",
            "0 package(s) moved from testing to stable (minimum soak 14d)",
        ],
    );
    assert!(!dir.join("repo/dists/stable").exists(), "{out}");

    let out = promote(&dir, T + 14 * DAY, &["--dry-run"], 0);
    assert_contains(&out, &["would promote hello 1.0.0-1 amd64 (deb) to stable"]);
    assert!(!dir.join("repo/dists/stable").exists(), "{out}");

    let out = promote(&dir, T + 14 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "promoted hello 1.0.0-1 amd64 (deb) to stable: in testing since 2023-11-14 \
             22:13:20 UTC (14d soaked)",
            "1 package(s) moved",
        ],
    );
    assert_contains(&packages(&dir, "stable"), &["Version: 1.0.0-1\n"]);
    // The pool is shared: one file for both channels.
    assert_contains(
        &verify(&dir),
        &[
            "ok: 2 suite(s) (stable, testing), 1 package file(s)",
            "release log: 2 record(s)",
        ],
    );
    // Promoting again moves nothing.
    let out = promote(&dir, T + 15 * DAY, &[], 0);
    assert_contains(
        &out,
        &["already in stable: hello 1.0.0-1", "0 package(s) moved"],
    );

    let log_text = log(&dir, false);
    assert_contains(
        &log_text,
        &[
            "channel stable\n  2023-11-28 22:13:20 UTC  + hello 1.0.0-1 amd64 (deb) promoted from testing",
            "channel testing\n  2023-11-14 22:13:20 UTC  + hello 1.0.0-1 amd64 (deb) added",
        ],
    );
    let records: serde_json::Value = serde_json::from_str(&log(&dir, true)).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let sha = sha256(&deb);
    for r in records {
        assert_eq!(r["sha256"], sha.as_str(), "{r}");
        assert_eq!(r["path"], "pool/main/h/hello/hello_1.0.0-1_amd64.deb");
    }
    assert_eq!(records[1]["event"], "promote");
    assert_eq!(records[1]["from"], "testing");
    assert_eq!(records[1]["time"], T + 14 * DAY);

    let root = apt_root_with("bookworm", &dir.join("keys/public.asc"), &["stable"]);
    let up = apt_update(&root, &dir.join("repo"));
    let t = text(&up);
    assert!(
        up.status.success() && !t.contains("W: GPG") && !t.contains("E: "),
        "apt-get update on stable:\n{t}"
    );
    let policy = text(&chroot(&root, &["apt-cache", "policy", "hello"]));
    assert_contains(&policy, &["Candidate: 1.0.0-1", "/srv/repo stable/main"]);
    let inst = chroot(&root, &["apt-get", "install", "-y", "hello"]);
    assert!(inst.status.success(), "{}", text(&inst));
    let _ = std::fs::remove_dir_all(&root);
}

/// A package whose pool file changed after it entered testing is refused (exit 1) with the
/// file, the hash the log recorded and the file's hash named, and nothing moves.
#[test]
fn promotion_refuses_a_file_changed_after_it_entered_testing() {
    let (dir, deb) = setup("channels-tamper", "ed25519");
    add_at(&dir, &deb, T);
    let pool = dir.join("repo/pool/main/h/hello/hello_1.0.0-1_amd64.deb");
    let expected = sha256(&pool);
    let mut bytes = std::fs::read(&pool).unwrap();
    bytes.extend_from_slice(b"evil");
    std::fs::write(&pool, &bytes).unwrap();
    let actual = sha256(&pool);
    for extra in [&[][..], &["--dry-run"][..]] {
        let out = promote(&dir, T + 14 * DAY, extra, 1);
        assert_contains(
            &out,
            &[
                "pool/main/h/hello/hello_1.0.0-1_amd64.deb: sha256 mismatch",
                &format!("expected {expected}"),
                &format!("actual {actual}"),
                "release log",
            ],
        );
    }
    assert!(!dir.join("repo/dists/stable").exists());
    assert!(!dir.join("repo/.syspack/apt/stable").exists());
}

/// A held package stays in testing; a newer version supersedes the older one's clock; a
/// yanked package leaves its channel and the log keeps the reason, escaped when printed.
#[test]
fn holds_supersession_and_yanks() {
    let (dir, deb1) = setup("channels-hold", "ed25519");
    add_at(&dir, &deb1, T);
    dir.command()
        .args(["repo", "hold", "repo", "hello", "--version", "1.0.0-1"])
        .args([
            "--reason",
            "waiting for upstream",
            "--signing-key",
            "keys/secret.asc",
        ])
        .env("SYSPACK_NOW", (T + DAY).to_string())
        .stdout();
    let out = promote(&dir, T + 14 * DAY, &[], 0);
    assert_contains(
        &out,
        &["held hello 1.0.0-1 amd64 (deb)", "0 package(s) moved"],
    );
    assert!(!dir.join("repo/dists/stable").exists(), "{out}");
    // Another version's hold is not this one's.
    let err = dir
        .command()
        .args([
            "repo",
            "unhold",
            "repo",
            "hello",
            "--signing-key",
            "keys/secret.asc",
        ])
        .stderr_with(2);
    assert_contains(&err, &["no hold on hello", "held: version 1.0.0-1"]);

    // 1.0.1 enters testing at T+15d: 1.0.0 is superseded, 1.0.1 waits until T+29d.
    let deb2 = deb_version(&dir, "1.0.1");
    add_at(&dir, &deb2, T + 15 * DAY);
    dir.command()
        .args(["repo", "unhold", "repo", "hello", "--version", "1.0.0-1"])
        .args(["--signing-key", "keys/secret.asc"])
        .stdout();
    let out = promote(&dir, T + 20 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "superseded hello 1.0.0-1 amd64 (deb): 1.0.1-1 is newer in testing",
            "waiting hello 1.0.1-1 amd64 (deb)",
            "eligible at 2023-12-13 22:13:20 UTC (in 9d)",
        ],
    );
    let out = promote(&dir, T + 29 * DAY, &[], 0);
    assert_contains(&out, &["promoted hello 1.0.1-1 amd64 (deb) to stable"]);
    let stable = packages(&dir, "stable");
    assert_contains(&stable, &["Version: 1.0.1-1\n"]);
    assert!(!stable.contains("Version: 1.0.0-1"), "{stable}");

    // Yanked from stable: gone from its index, still in testing's, the reason in the log.
    let reason = "CVE-2099-0001 \u{1b}]0;owned\u{7} \u{9b}2J";
    let out = dir
        .command()
        .args(["repo", "yank", "repo", "hello", "--version", "1.0.1-1"])
        .args(["--channel", "stable", "--reason", reason])
        .args(["--signing-key", "keys/secret.asc"])
        .env("SYSPACK_NOW", (T + 30 * DAY).to_string())
        .stdout();
    assert_contains(&out, &["yanked hello 1.0.1-1 amd64 (deb) from stable"]);
    assert!(packages(&dir, "stable").is_empty());
    assert_contains(&packages(&dir, "testing"), &["Version: 1.0.1-1\n"]);
    verify(&dir);
    let log_text = log(&dir, false);
    assert_contains(
        &log_text,
        &[
            "- hello 1.0.1-1 amd64 (deb) yanked: CVE-2099-0001 \\x1b]0;owned\\x07 \\u{9b}2J",
            "+ hello 1.0.1-1 amd64 (deb) promoted from testing",
            "hold hello 1.0.0-1: waiting for upstream",
            "unhold hello 1.0.0-1",
        ],
    );
    assert!(!log_text.contains('\u{1b}'), "{log_text}");
    let json = log(&dir, true);
    // JSON escapes the C0 controls; the C1 ones (U+009B is CSI to some terminals) too.
    assert!(
        !json.contains('\u{1b}') && !json.contains('\u{9b}') && json.contains("\\u009b"),
        "{json}"
    );
    let records: serde_json::Value = serde_json::from_str(&json).unwrap();
    let yank = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event"] == "yank")
        .expect("a yank record");
    assert_eq!(yank["reason"], reason);
    assert_eq!(yank["channel"], "stable");
    // A version yanked from stable is not promoted into it again.
    let out = promote(&dir, T + 31 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "yanked hello 1.0.1-1 amd64 (deb): yanked from stable at 2023-12-14 22:13:20 UTC",
            "0 package(s) moved",
        ],
    );
    assert!(packages(&dir, "stable").is_empty());
}

/// The log's signature is checked by every reader and writer: a changed record, a dropped
/// record or a missing signature is refused (exit 1) naming the log, and nothing is published.
#[test]
fn a_tampered_log_is_refused() {
    let (dir, deb) = setup("channels-log", "ed25519");
    add_at(&dir, &deb, T);
    dir.command()
        .args([
            "repo",
            "hold",
            "repo",
            "other",
            "--signing-key",
            "keys/secret.asc",
        ])
        .env("SYSPACK_NOW", (T + 1).to_string())
        .stdout();
    let good = dir.join("good");
    copy_tree(&dir.join("repo/log"), &good);
    let jsonl = dir.join("repo/log/release.jsonl");
    let original = std::fs::read_to_string(&jsonl).unwrap();
    let changed = original.replacen("\"time\":1700000000", "\"time\":1600000000", 1);
    assert_ne!(changed, original);
    let dropped: String = original.lines().take(1).map(|l| format!("{l}\n")).collect();
    for (what, bytes) in [("changed", changed), ("dropped", dropped)] {
        std::fs::write(&jsonl, bytes).unwrap();
        let err = dir
            .command()
            .args(["repo", "log", "repo", "--key", "keys/public.asc"])
            .stderr_with(1);
        assert_contains(
            &err,
            &[
                "log/release.jsonl",
                "signature does not verify",
                "restore log/",
            ],
        );
        let err = promote(&dir, T + 14 * DAY, &[], 1);
        assert_contains(&err, &["log/release.jsonl", "does not verify"]);
        let err = dir
            .command()
            .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
            .stderr_with(1);
        assert_contains(&err, &["log/release.jsonl", "does not verify"]);
        assert!(!dir.join("repo/dists/stable").exists(), "{what}: {err}");
    }
    std::fs::remove_file(dir.join("repo/log/release.jsonl.asc")).unwrap();
    std::fs::write(&jsonl, &original).unwrap();
    let err = dir
        .command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args([&deb])
        .stderr_with(1);
    assert_contains(&err, &["release.jsonl.asc is missing"]);
    // Restored, it verifies again, also with gpgv-style detached verification by another reader.
    copy_tree(&good, &dir.join("repo/log"));
    log(&dir, false);
    // Signed by another key: refused.
    dir.command()
        .args([
            "key",
            "generate",
            "--out",
            "other",
            "--algorithm",
            "ed25519",
        ])
        .stdout();
    let err = dir
        .command()
        .args(["repo", "log", "repo", "--key", "other/public.asc"])
        .stderr_with(1);
    assert_contains(&err, &["does not verify with key"]);
}

/// A promotion aborted at every step of its publication (the fault hook aborts the process as
/// `kill -9` would) leaves both channels valid for apt; running it again completes it, and the
/// repository and its log verify.
#[test]
fn a_promotion_killed_at_any_step_leaves_both_channels_valid() {
    let (dir, deb) = setup("channels-crash", "ed25519");
    add_at(&dir, &deb, T);
    let root = apt_root_with(
        "bookworm",
        &dir.join("keys/public.asc"),
        &["testing", "stable"],
    );
    let original = dir.join("original");
    copy_tree(&dir.join("repo"), &original);
    let mut crashed = 0;
    for at in 1.. {
        let work = dir.join("repo");
        let _ = std::fs::remove_dir_all(&work);
        copy_tree(&original, &work);
        let out = dir
            .command()
            .args([
                "repo",
                "promote",
                "repo",
                "--now",
                &(T + 14 * DAY).to_string(),
            ])
            .args(["--signing-key", "keys/secret.asc"])
            .env("SYSPACK_REPO_FAULT_AT", at.to_string())
            .output();
        if out.status.success() {
            break;
        }
        assert!(at < 200, "repo promote never completes:\n{}", text(&out));
        crashed += 1;
        // Promotion writes nothing in the source channel's metadata.
        for d in ["dists/testing", ".syspack/apt/testing", "pool"] {
            assert!(
                crate::util::tree_bytes(&original.join(d))
                    == crate::util::tree_bytes(&work.join(d)),
                "step {at}: {d} changed"
            );
        }
        if dir.join("repo/dists/stable/InRelease").exists() {
            let up = apt_update(&root, &work);
            assert!(
                up.status.success()
                    && !["W: GPG", "OpenPGP", "E: ", "mismatch"]
                        .iter()
                        .any(|w| text(&up).contains(w)),
                "apt-get update after a crash at step {at}:\n{}",
                text(&up)
            );
            let policy = text(&chroot(&root, &["apt-cache", "policy", "hello"]));
            assert_contains(&policy, &["Candidate: 1.0.0-1", "/srv/repo testing/main"]);
        }
        // The log still verifies; the rerun completes the promotion.
        log(&dir, false);
        let out = promote(&dir, T + 14 * DAY, &[], 0);
        assert!(
            out.contains("promoted hello") || out.contains("already in stable: hello"),
            "step {at}: {out}"
        );
        verify(&dir);
        assert_contains(&packages(&dir, "stable"), &["Version: 1.0.0-1\n"]);
        assert_contains(&log(&dir, false), &["promoted from testing"]);
    }
    assert!(crashed >= 10, "only {crashed} crash points");
    let up = apt_update(&root, &dir.join("repo"));
    assert!(up.status.success(), "{}", text(&up));
    let policy = text(&chroot(&root, &["apt-cache", "policy", "hello"]));
    assert_contains(
        &policy,
        &["/srv/repo stable/main", "/srv/repo testing/main"],
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// rpm-md and pacman channels promote the same way: after the soak the package's file is
/// hard-linked (not copied) into the stable channel, whose signed metadata dnf and pacman
/// install from; a yank removes it from stable only.
#[test]
fn rpm_and_pacman_packages_are_promoted_by_hard_link() {
    use std::os::unix::fs::MetadataExt;
    let dir = Dir::new("channels-rpm-pacman");
    let rpm = data_rpm(&dir);
    dir.copy_fixture("package/hello");
    dir.package()
        .args(["--target", "arch", "--out", "out"])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    let pkg = dir.join("out/hello-1.0.0-1-x86_64.pkg.tar.zst");
    add_at(&dir, &rpm, T);
    add_at(&dir, &pkg, T);
    let out = promote(&dir, T + 13 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "waiting hi 1.0.0-1 x86_64 (rpm)",
            "waiting hello 1.0.0-1 x86_64 (pacman)",
        ],
    );
    let out = promote(&dir, T + 14 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            "promoted hi 1.0.0-1 x86_64 (rpm) to stable",
            "promoted hello 1.0.0-1 x86_64 (pacman) to stable",
            "2 package(s) moved",
        ],
    );
    assert_contains(
        &verify(&dir),
        &["pacman: arch/stable/x86_64, arch/testing/x86_64; rpm: rpm/stable, rpm/testing"],
    );
    for f in [
        "rpm/{}/Packages/hi-1.0.0-1.x86_64.rpm",
        "arch/{}/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst",
        "arch/{}/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst.sig",
    ] {
        let a = std::fs::metadata(dir.join("repo").join(f.replace("{}", "testing"))).unwrap();
        let b = std::fs::metadata(dir.join("repo").join(f.replace("{}", "stable"))).unwrap();
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "{f} is not one file"
        );
    }

    // dnf installs from rpm/stable.
    let key = dir.join("keys/public.asc");
    let out = dnf_install(&dir.join("dnf"), &dir.join("repo/rpm/stable"), &key);
    assert!(out.status.success(), "dnf install hi:\n{}", text(&out));
    assert!(dir.join("dnf/root/usr/share/hi/hi.txt").is_file());

    // pacman installs from arch/stable.
    let summary = dir
        .command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args([&pkg])
        .stdout();
    let base = dir.join("pacman");
    pacman_installs_hello(
        &dir,
        &base,
        &summary,
        &crate::repo::pacman_server(&dir, "stable"),
    );

    // Yanked from stable: its files there go, testing keeps its own.
    for (name, gone, kept) in [
        (
            "hi",
            "rpm/stable/Packages/hi-1.0.0-1.x86_64.rpm",
            "rpm/testing/Packages/hi-1.0.0-1.x86_64.rpm",
        ),
        (
            "hello",
            "arch/stable/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst",
            "arch/testing/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst",
        ),
    ] {
        dir.command()
            .args(["repo", "yank", "repo", name, "--version", "1.0.0-1"])
            .args(["--channel", "stable", "--reason", "test"])
            .args(["--signing-key", "keys/secret.asc"])
            .stdout();
        assert!(!dir.join("repo").join(gone).exists(), "{gone}");
        assert!(dir.join("repo").join(kept).is_file(), "{kept}");
    }
    verify(&dir);
    assert_contains(
        &log(&dir, false),
        &[
            "- hi 1.0.0-1 x86_64 (rpm) yanked: test",
            "- hello 1.0.0-1 x86_64 (pacman) yanked: test",
        ],
    );
}

/// Where files live per channel, the target can hold the same version with other bytes (here
/// an rpm signed at a later time than the key was made): it is reported and left alone.
#[test]
fn a_version_that_differs_in_the_target_is_left_alone() {
    let dir = Dir::new("channels-differs");
    let rpm = data_rpm(&dir);
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "ed25519"])
        .stdout();
    add_at(&dir, &rpm, T);
    dir.command()
        .args(["repo", "add", "repo", "--channel", "stable"])
        .args(["--signing-key", "keys/secret.asc"])
        .args([&rpm])
        .env("SOURCE_DATE_EPOCH", "4000000000")
        .env("SYSPACK_NOW", T.to_string())
        .expect_code(0);
    let stable = dir.join("repo/rpm/stable/Packages/hi-1.0.0-1.x86_64.rpm");
    let before = sha256(&stable);
    assert_ne!(
        before,
        sha256(&dir.join("repo/rpm/testing/Packages/hi-1.0.0-1.x86_64.rpm"))
    );
    let out = promote(&dir, T + 14 * DAY, &[], 0);
    assert_contains(
        &out,
        &[
            &format!(
                "differs hi 1.0.0-1 x86_64 (rpm): stable has this version with sha256 {before}"
            ),
            "0 package(s) moved",
        ],
    );
    assert_eq!(sha256(&stable), before);
    verify(&dir);
}

/// Without `--min-soak`, `repo promote --config` takes the soak from the project's `publish`
/// table (7d here), and promotes along configured channels (nightly, then testing); without
/// either, 14 days.
#[test]
fn min_soak_defaults_to_the_configured_one() {
    let (dir, deb) = setup("channels-config", "ed25519");
    let config = std::fs::read_to_string(dir.join("syspack.toml")).unwrap();
    std::fs::write(
        dir.join("syspack.toml"),
        format!("{config}\n[package.publish]\nchannels = [\"nightly\", \"testing\", \"stable\"]\nmin-soak = \"7d\"\n"),
    )
    .unwrap();
    dir.command()
        .args(["repo", "add", "repo", "--channel", "nightly"])
        .args(["--signing-key", "keys/secret.asc"])
        .args([&deb])
        .env("SYSPACK_NOW", T.to_string())
        .expect_code(0);
    let run = |at: u64, extra: &[&str]| {
        let o = dir
            .command()
            .args([
                "repo", "promote", "repo", "--from", "nightly", "--to", "testing",
            ])
            .args(["--now", &at.to_string(), "--signing-key", "keys/secret.asc"])
            .args(extra)
            .expect_code(0);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // No configuration named: 14 days.
    let out = run(T + 7 * DAY, &["--dry-run"]);
    assert_contains(&out, &["waiting hello 1.0.0-1", "(minimum soak 14d)"]);
    let out = run(T + 6 * DAY, &["--config", "syspack.toml"]);
    assert_contains(&out, &["eligible at", "(minimum soak 7d)"]);
    let out = run(T + 7 * DAY, &["--config", "syspack.toml"]);
    assert_contains(
        &out,
        &[
            "promoted hello 1.0.0-1 amd64 (deb) to testing",
            "1 package(s) moved from nightly to testing (minimum soak 7d)",
        ],
    );
    assert_contains(&packages(&dir, "testing"), &["Version: 1.0.0-1\n"]);
    // --min-soak wins over the configuration.
    let out = run(
        T + 8 * DAY,
        &["--config", "syspack.toml", "--min-soak", "30d"],
    );
    assert_contains(&out, &["(minimum soak 30d)"]);
    // A broken configuration is refused, naming the key.
    std::fs::write(
        dir.join("syspack.toml"),
        format!("{config}\n[package.publish]\nmin-soak = \"soon\"\n"),
    )
    .unwrap();
    let err = dir
        .command()
        .args([
            "repo", "promote", "repo", "--from", "nightly", "--to", "testing",
        ])
        .args([
            "--config",
            "syspack.toml",
            "--signing-key",
            "keys/secret.asc",
        ])
        .stderr_with(2);
    assert_contains(
        &err,
        &["`package.publish.min-soak`", "`soon` is not a duration"],
    );
}
