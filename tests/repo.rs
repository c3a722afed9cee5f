//! `syspack key generate` and `syspack repo add|verify`: signed apt repositories judged by real
//! apt (`apt-get update` / `install` in debootstrap roots), by `repo verify`, and for secrecy of
//! the signing key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{assert_contains, copy_tree, listing, tree, Dir};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory with a key pair in `keys/` and the hello fixture's .deb in `out/`.
pub(crate) fn setup(name: &str, algorithm: &str) -> (Dir, PathBuf) {
    let dir = Dir::new(name);
    dir.copy_fixture("package/hello");
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", algorithm])
        .stdout();
    let deb = dir.join("out/hello_1.0.0-1_amd64.deb");
    assert!(deb.is_file(), "{}", listing(dir.path()));
    (dir, deb)
}

/// `repo add`, at a fixed time: the release log records when a package enters a channel, and
/// two repositories compared byte for byte must have the same history.
fn add(dir: &Dir, repo: &str, key: &str, deb: &Path) -> Output {
    dir.command()
        .args(["repo", "add", repo, "--signing-key", key])
        .args([deb])
        .env("SYSPACK_NOW", "1700000000")
        .expect_code(0)
}

#[test]
fn the_secret_key_never_leaves_its_file() {
    let (dir, deb) = setup("repo-secret", "ed25519");
    let secret = std::fs::read_to_string(dir.join("keys/secret.asc")).unwrap();
    assert!(secret.contains("PRIVATE KEY BLOCK"), "{secret}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("keys/secret.asc"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The key itself in the variable, as a CI secret is passed.
    let out = dir
        .command()
        .args(["repo", "add", "repo"])
        .args([&deb])
        .env("SYSPACK_SIGNING_KEY", &secret)
        .expect_code(0);
    // A wrong passphrase on an unprotected key is ignored; a generated key with a passphrase
    // refuses to sign without it.
    let out2 = dir
        .command()
        .args([
            "key",
            "generate",
            "--out",
            "keys2",
            "--algorithm",
            "ed25519",
        ])
        .env("SYSPACK_SIGNING_KEY_PASSPHRASE", "correct horse")
        .expect_code(0);
    let locked = dir
        .command()
        .args(["repo", "add", "repo2", "--signing-key", "keys2/secret.asc"])
        .args([&deb])
        .stderr_with(2);
    assert_contains(&locked, &["passphrase", "SYSPACK_SIGNING_KEY_PASSPHRASE"]);
    dir.command()
        .args(["repo", "add", "repo2", "--signing-key", "keys2/secret.asc"])
        .args([&deb])
        .env("SYSPACK_SIGNING_KEY_PASSPHRASE", "correct horse")
        .expect_code(0);
    let secret2 = std::fs::read_to_string(dir.join("keys2/secret.asc")).unwrap();

    // No line of either armored secret key (beyond the armor header) shows up anywhere.
    let lines: Vec<&str> = secret
        .lines()
        .chain(secret2.lines())
        .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
        .collect();
    assert!(lines.len() > 3);
    let mut haystacks = vec![
        ("add stdout".to_string(), out.stdout.clone()),
        ("add stderr".to_string(), out.stderr.clone()),
        ("generate stdout".to_string(), out2.stdout.clone()),
        ("generate stderr".to_string(), out2.stderr.clone()),
        ("locked stderr".to_string(), locked.into_bytes()),
    ];
    for r in ["repo", "repo2"] {
        for (path, bytes) in tree(&dir.join(r)) {
            assert!(!path.contains(".tmp-"), "temporary file left: {r}/{path}");
            haystacks.push((format!("{r}/{path}"), bytes));
        }
    }
    for (name, bytes) in &haystacks {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("PRIVATE KEY"), "{name} holds a secret key");
        for l in &lines {
            assert!(!text.contains(l), "{name} holds a line of the secret key");
        }
    }
}

#[test]
fn apt_metadata_is_reproducible_and_verifies() {
    let (dir, deb) = setup("repo-repro", "rsa4096");
    add(&dir, "a", "keys/secret.asc", &deb);
    add(&dir, "b", "keys/secret.asc", &deb);
    let a = tree(&dir.join("a"));
    assert!(
        a == tree(&dir.join("b")),
        "two repositories of the same package differ"
    );
    // Adding the same package again changes nothing.
    add(&dir, "a", "keys/secret.asc", &deb);
    assert!(
        a == tree(&dir.join("a")),
        "adding the same package again changed the tree"
    );
    let release =
        String::from_utf8(std::fs::read(dir.join("a/dists/testing/Release")).unwrap()).unwrap();
    assert_contains(
        &release,
        &[
            "Acquire-By-Hash: yes\n",
            "Suite: testing\n",
            "main/binary-amd64/Packages.xz\n",
        ],
    );
    let ok = dir
        .command()
        .args(["repo", "verify", "a", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(
        &ok,
        &["ok: 1 suite(s) (testing), 1 package file(s); pacman: none; rpm: none"],
    );

    // Removing the package from a second channel keeps its pool file for the first; removing it
    // from the last channel deletes it, and the repository still verifies.
    dir.command()
        .args([
            "repo",
            "add",
            "a",
            "--channel",
            "stable",
            "--signing-key",
            "keys/secret.asc",
        ])
        .args([&deb])
        .expect_code(0);
    let pool = dir.join("a/pool/main/h/hello/hello_1.0.0-1_amd64.deb");
    let remove = |channel: &str| {
        dir.command()
            .args(["repo", "remove", "a", "hello", "--channel", channel])
            .args(["--signing-key", "keys/secret.asc"])
            .stdout()
    };
    assert_contains(
        &remove("stable"),
        &["removed hello 1.0.0-1 amd64 (deb) from stable"],
    );
    assert!(pool.is_file());
    let packages =
        std::fs::read_to_string(dir.join("a/dists/stable/main/binary-amd64/Packages")).unwrap();
    assert!(packages.is_empty(), "{packages}");
    dir.command()
        .args(["repo", "verify", "a", "--key", "keys/public.asc"])
        .stdout();
    let err = dir
        .command()
        .args(["repo", "remove", "a", "hello", "--channel", "stable"])
        .args(["--signing-key", "keys/secret.asc"])
        .stderr_with(2);
    assert_contains(&err, &["no package hello in channel stable"]);
    remove("testing");
    assert!(!pool.exists());
    let ok = dir
        .command()
        .args(["repo", "verify", "a", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(
        &ok,
        &["ok: 2 suite(s) (stable, testing), 0 package file(s)"],
    );
    add(&dir, "a", "keys/secret.asc", &deb);
    // Adding it back publishes the same signed metadata as before (old by-hash files stay).
    for f in ["dists/testing/InRelease", "dists/testing/Release.gpg"] {
        let before = &a.iter().find(|(p, _)| p == f).unwrap().1;
        assert!(
            before == &std::fs::read(dir.join("a").join(f)).unwrap(),
            "{f} differs after remove and add"
        );
    }

    // A file in the pool that no index names, and a tampered index, are both reported.
    std::fs::write(dir.join("a/pool/main/h/hello/stray.deb"), b"x").unwrap();
    let packages = dir.join("a/dists/testing/main/binary-amd64/Packages");
    let text = std::fs::read_to_string(&packages).unwrap();
    std::fs::write(
        &packages,
        text.replace("Version: 1.0.0-1", "Version: 1.0.0-9"),
    )
    .unwrap();
    let err = dir
        .command()
        .args(["repo", "verify", "a", "--key", "keys/public.asc"])
        .stderr_with(1);
    assert_contains(
        &err,
        &[
            "binary-amd64/Packages: expected",
            "pool/main/h/hello/stray.deb: in pool/",
        ],
    );
    // Signed by another key.
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
        .args(["repo", "verify", "b", "--key", "other/public.asc"])
        .stderr_with(1);
    assert_contains(&err, &["InRelease", "does not verify with key"]);
}

/// Runs a command in `root`, returning its output.
pub(crate) fn chroot(root: &Path, args: &[&str]) -> Output {
    Command::new("chroot")
        .arg(root)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("chroot cannot run ({e}); run the tests as root"))
}

pub(crate) fn text(out: &Output) -> String {
    format!(
        "{}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// apt-get update in `root` against `repo` (copied to /srv/repo) with fresh lists.
pub(crate) fn apt_update(root: &Path, repo: &Path) -> Output {
    let srv = root.join("srv/repo");
    let _ = std::fs::remove_dir_all(&srv);
    std::fs::create_dir_all(&srv).unwrap();
    copy_tree(repo, &srv);
    let lists = root.join("var/lib/apt/lists");
    let _ = std::fs::remove_dir_all(&lists);
    std::fs::create_dir_all(lists.join("partial")).unwrap();
    chroot(root, &["apt-get", "update"])
}

/// A fresh Debian root for `suite` whose only apt source is `file:/srv/repo testing main`,
/// signed by `key`.
fn apt_root(suite: &str, key: &Path) -> PathBuf {
    apt_root_with(suite, key, &["testing"])
}

/// A fresh Debian root for `suite` whose only apt sources are `file:/srv/repo CHANNEL main` for
/// each of `channels`, signed by `key`.
pub(crate) fn apt_root_with(suite: &str, key: &Path, channels: &[&str]) -> PathBuf {
    let root = Command::new(workspace().join("ci/debian-root"))
        .arg(suite)
        .output()
        .expect("ci/debian-root runs");
    assert!(
        root.status.success(),
        "ci/debian-root {suite} failed (apt-get install -y debootstrap; ci/install-deps):\n{}",
        text(&root)
    );
    let root = PathBuf::from(String::from_utf8(root.stdout).unwrap().trim());
    // Only our repository: the root has no network.
    let _ = std::fs::remove_file(root.join("etc/apt/sources.list"));
    let _ = std::fs::remove_file(root.join("etc/apt/sources.list.d/debian.sources"));
    std::fs::create_dir_all(root.join("etc/apt/keyrings")).unwrap();
    std::fs::copy(key, root.join("etc/apt/keyrings/syspack.asc")).unwrap();
    let sources: String = channels
        .iter()
        .map(|c| format!("deb [signed-by=/etc/apt/keyrings/syspack.asc] file:/srv/repo {c} main\n"))
        .collect();
    std::fs::write(root.join("etc/apt/sources.list.d/syspack.list"), sources).unwrap();

    root
}

fn apt_round_trip(suite: &str) {
    let (dir, deb) = setup(&format!("repo-apt-{suite}"), "rsa4096");
    add(&dir, "repo", "keys/secret.asc", &deb);
    let root = apt_root(suite, &dir.join("keys/public.asc"));

    let up = apt_update(&root, &dir.join("repo"));
    assert!(up.status.success(), "apt-get update failed:\n{}", text(&up));
    let up_text = text(&up);
    assert!(
        !up_text.contains("W: GPG") && !up_text.contains("E: "),
        "{up_text}"
    );
    let inst = chroot(&root, &["apt-get", "install", "-y", "hello"]);
    assert!(
        inst.status.success(),
        "apt-get install hello failed:\n{}",
        text(&inst)
    );
    let run = chroot(&root, &["/usr/bin/hello"]);
    assert!(
        run.status.success(),
        "/usr/bin/hello failed:\n{}",
        text(&run)
    );

    // A tampered Packages (every copy: plain, compressed and by-hash, as an attacker serving the
    // tree would) fails the update.
    let tampered = dir.join("tampered");
    copy_tree(&dir.join("repo"), &tampered);
    let arch = tampered.join("dists/testing/main/binary-amd64");
    let plain = std::fs::read_to_string(arch.join("Packages")).unwrap();
    let evil = plain.replace("Version: 1.0.0-1", "Version: 1.0.0-9");
    for (path, _) in tree(&arch) {
        std::fs::write(arch.join(path), &evil).unwrap();
    }
    let up = apt_update(&root, &tampered);
    let t = text(&up);
    assert!(
        !up.status.success(),
        "apt-get update accepted a tampered Packages:\n{t}"
    );
    assert!(
        t.contains("mismatch") || t.contains("unexpected size"),
        "apt-get update failed for another reason than the hash:\n{t}"
    );

    // The same repository signed by another key fails the update.
    let other = dir.join("other");
    copy_tree(&dir.join("repo"), &other);
    // Its release log is signed by the first key, which `repo add` with another key refuses.
    std::fs::remove_dir_all(other.join("log")).unwrap();
    dir.command()
        .args([
            "key",
            "generate",
            "--out",
            "keys-other",
            "--algorithm",
            "ed25519",
        ])
        .stdout();
    add(&dir, "other", "keys-other/secret.asc", &deb);
    let up = apt_update(&root, &other);
    let t = text(&up);
    assert!(
        !up.status.success(),
        "apt-get update accepted another key's signature:\n{t}"
    );
    assert!(t.contains("NO_PUBKEY") || t.contains("not signed"), "{t}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn apt_installs_from_the_signed_repository_debian_12() {
    apt_round_trip("bookworm");
}

#[test]
fn apt_installs_from_the_signed_repository_debian_11() {
    apt_round_trip("bullseye");
}

#[test]
fn apt_installs_from_the_signed_repository_debian_13() {
    apt_round_trip("trixie");
}

pub(crate) fn pacman(conf: &Path, base: &Path, args: &[&str]) -> Output {
    Command::new("pacman")
        .arg("--root")
        .arg(base.join("root"))
        .arg("--dbpath")
        .arg(base.join("root/var/lib/pacman"))
        .arg("--gpgdir")
        .arg(base.join("gnupg"))
        .arg("--cachedir")
        .arg(base.join("cache"))
        .arg("--config")
        .arg(conf)
        .arg("--noconfirm")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("pacman cannot run ({e}); apt-get install -y pacman-package-manager")
        })
}

pub(crate) fn pacman_key(gnupg: &Path, args: &[&str]) {
    let out = Command::new("pacman-key")
        .arg("--gpgdir")
        .arg(gnupg)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("pacman-key cannot run ({e}); apt-get install -y pacman-package-manager")
        });
    assert!(out.status.success(), "pacman-key {args:?}:\n{}", text(&out));
}

/// The pacman `Server` of channel `channel` of the repository `dir/repo`.
pub(crate) fn pacman_server(dir: &Dir, channel: &str) -> String {
    format!("file://{}/repo/arch/{channel}/$arch", dir.path().display())
}

/// A pacman root under `base` whose keyring (made with `pacman-key`) trusts `keys/public.asc`
/// of `dir` — its fingerprint is the last word of `repo add`'s `summary` — and whose
/// pacman.conf names `server` (see [`pacman_server`]) with `SigLevel = Required
/// DatabaseRequired`; `pacman -Sy` and `pacman -S hello` there must succeed. Returns the
/// pacman.conf.
pub(crate) fn pacman_installs_hello(
    dir: &Dir,
    base: &Path,
    summary: &str,
    server: &str,
) -> PathBuf {
    std::fs::create_dir_all(base.join("root/var/lib/pacman")).unwrap();
    std::fs::create_dir_all(base.join("cache")).unwrap();
    let gnupg = base.join("gnupg");
    pacman_key(&gnupg, &["--init"]);
    pacman_key(
        &gnupg,
        &["--add", dir.join("keys/public.asc").to_str().unwrap()],
    );
    let fingerprint = summary.rsplit(' ').next().unwrap().trim().to_string();
    pacman_key(&gnupg, &["--lsign-key", &fingerprint]);
    let conf = base.join("pacman.conf");
    std::fs::write(
        &conf,
        format!(
            "[options]\nArchitecture = x86_64\nSigLevel = Required DatabaseRequired\n\n\
             [syspack]\nServer = {server}\n"
        ),
    )
    .unwrap();
    let sy = pacman(&conf, base, &["-Sy"]);
    assert!(sy.status.success(), "pacman -Sy:\n{}", text(&sy));
    let s = pacman(&conf, base, &["-S", "--noscriptlet", "hello"]);
    assert!(s.status.success(), "pacman -S hello:\n{}", text(&s));
    assert!(base.join("root/usr/bin/hello").is_file());
    conf
}

#[test]
fn pacman_installs_from_the_signed_repository() {
    let dir = Dir::new("repo-pacman");
    dir.copy_fixture("package/hello");
    dir.package()
        .args(["--target", "arch", "--out", "out"])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    let pkg = dir.join("out/hello-1.0.0-1-x86_64.pkg.tar.zst");
    add(&dir, "repo", "keys/secret.asc", &pkg);
    let adir = dir.join("repo/arch/testing/x86_64");
    for f in [
        "syspack.db",
        "syspack.db.sig",
        "syspack.files",
        "syspack.files.sig",
        "hello-1.0.0-1-x86_64.pkg.tar.zst.sig",
    ] {
        assert!(adir.join(f).exists(), "{f} missing:\n{}", listing(&adir));
    }
    assert!(std::fs::symlink_metadata(adir.join("syspack.db"))
        .unwrap()
        .file_type()
        .is_symlink());
    let ok = dir
        .command()
        .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(&ok, &["pacman: arch/testing/x86_64"]);

    // The fingerprint of the signing key, from `repo add`'s summary.
    let added = add(&dir, "repo", "keys/secret.asc", &pkg);
    let summary = String::from_utf8_lossy(&added.stdout).into_owned();
    let base = dir.join("pacman");
    let conf = pacman_installs_hello(&dir, &base, &summary, &pacman_server(&dir, "testing"));

    // A tampered database is refused.
    let db = adir.join("syspack.db.tar.zst");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.push(0);
    std::fs::write(&db, bytes).unwrap();
    let sy = pacman(&conf, &base, &["-Syy"]);
    let t = text(&sy);
    assert!(
        t.contains("signature") && t.contains("invalid"),
        "pacman accepted a tampered database:\n{t}"
    );
    let err = dir
        .command()
        .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
        .stderr_with(1);
    assert_contains(&err, &["syspack.db.tar.zst", "does not verify"]);
}

/// `repo add` aborted at every step of its publication (the fault hook aborts the process, as
/// `kill -9` would, after each temporary file is written and after each rename) leaves a
/// repository real apt updates from, showing the old or the new version; running `repo add`
/// again completes it and `repo verify` passes.
#[test]
fn apt_repository_survives_a_crash_at_every_step() {
    let (dir, deb1) = setup("repo-crash", "ed25519");
    add(&dir, "repo", "keys/secret.asc", &deb1);
    dir.set_version("1.0.1");
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let deb2 = dir.join("out/hello_1.0.1-1_amd64.deb");
    assert!(deb2.is_file(), "{}", listing(&dir.join("out")));
    let root = apt_root("bookworm", &dir.join("keys/public.asc"));
    let mut crashed = 0;
    for at in 1.. {
        let work = dir.join(format!("crash-{at}"));
        copy_tree(&dir.join("repo"), &work);
        let out = dir
            .command()
            .args([
                "repo",
                "add",
                work.to_str().unwrap(),
                "--signing-key",
                "keys/secret.asc",
            ])
            .args([&deb2])
            .env("SYSPACK_REPO_FAULT_AT", at.to_string())
            .output();
        if out.status.success() {
            break;
        }
        assert!(at < 200, "repo add never completes:\n{}", text(&out));
        crashed += 1;
        let up = apt_update(&root, &work);
        assert!(
            up.status.success()
                && !["W: GPG", "OpenPGP", "E: ", "mismatch"]
                    .iter()
                    .any(|w| text(&up).contains(w)),
            "apt-get update after a crash at step {at}:\n{}",
            text(&up)
        );
        let policy = chroot(&root, &["apt-cache", "policy", "hello"]);
        let p = text(&policy);
        assert!(
            p.contains("Candidate: 1.0.0-1") || p.contains("Candidate: 1.0.1-1"),
            "step {at}:\n{p}"
        );
        dir.command()
            .args([
                "repo",
                "add",
                work.to_str().unwrap(),
                "--signing-key",
                "keys/secret.asc",
            ])
            .args([&deb2])
            .expect_code(0);
        let ok = dir
            .command()
            .args([
                "repo",
                "verify",
                work.to_str().unwrap(),
                "--key",
                "keys/public.asc",
            ])
            .output();
        assert!(
            ok.status.success(),
            "step {at}: verify after the rerun:\n{}",
            text(&ok)
        );
        std::fs::remove_dir_all(&work).unwrap();
    }
    assert!(crashed >= 20, "only {crashed} crash points");
    let _ = std::fs::remove_dir_all(&root);
}

fn rpmkeys(args: &[&str]) -> Output {
    Command::new("rpmkeys")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("rpmkeys cannot run ({e}); apt-get install -y rpm"))
}

#[test]
fn signed_rpm_passes_rpmkeys_checksig() {
    let dir = Dir::new("repo-rpm");
    dir.copy_fixture("package/hello");
    dir.package()
        .args(["--target", "fedora-43", "--out", "out"])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys"])
        .stdout();
    let rpm = dir.join("out/hello-1.0.0-1.x86_64.rpm");
    let rpm_s = rpm.to_str().unwrap();
    let db = dir.join("rpmdb");
    std::fs::create_dir_all(&db).unwrap();
    let db_s = db.to_str().unwrap();
    dir.command()
        .args([
            "repo",
            "sign-rpm",
            rpm_s,
            "--signing-key",
            "keys/secret.asc",
        ])
        .stdout();
    // Without the key imported, the signatures cannot be checked.
    let nokey = rpmkeys(&["--dbpath", db_s, "--checksig", rpm_s]);
    assert!(!nokey.status.success(), "{}", text(&nokey));
    let public = dir.join("keys/public.asc");
    let import = rpmkeys(&["--dbpath", db_s, "--import", public.to_str().unwrap()]);
    assert!(import.status.success(), "{}", text(&import));
    let ok = rpmkeys(&["--dbpath", db_s, "--checksig", "-v", rpm_s]);
    let t = text(&ok);
    assert!(ok.status.success(), "{t}");
    assert_contains(
        &t,
        &[
            "Header V4 RSA/SHA256 Signature, key ID",
            "    V4 RSA/SHA256 Signature, key ID",
        ],
    );
    assert!(!t.contains("NOKEY") && !t.contains("BAD"), "{t}");
    // Signing again replaces the signatures rather than adding more.
    dir.command()
        .args([
            "repo",
            "sign-rpm",
            rpm_s,
            "--signing-key",
            "keys/secret.asc",
        ])
        .stdout();
    let again = rpmkeys(&["--dbpath", db_s, "--checksig", "-v", rpm_s]);
    assert_eq!(
        text(&again).matches("Signature, key ID").count(),
        2,
        "{}",
        text(&again)
    );
    // A tampered payload is refused.
    let mut bytes = std::fs::read(&rpm).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&rpm, bytes).unwrap();
    let bad = rpmkeys(&["--dbpath", db_s, "--checksig", rpm_s]);
    assert!(
        !bad.status.success(),
        "a tampered rpm passed:\n{}",
        text(&bad)
    );
}

pub(crate) fn dnf_install(base: &Path, repo_url: &Path, key: &Path) -> Output {
    let root = base.join("root");
    let _ = std::fs::remove_dir_all(base);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(base.join("repos")).unwrap();
    std::fs::write(
        base.join("repos/syspack.repo"),
        format!(
            "[syspack]\nname=syspack\nbaseurl=file://{}\ngpgcheck=1\nrepo_gpgcheck=1\n\
             gpgkey=file://{}\n",
            repo_url.display(),
            key.display()
        ),
    )
    .unwrap();
    Command::new("dnf")
        .args(["-y", "--installroot"])
        .arg(&root)
        .arg(format!(
            "--setopt=reposdir={}",
            base.join("repos").display()
        ))
        .args(["--releasever", "43", "--setopt=install_weak_deps=False"])
        .arg(format!(
            "--setopt=cachedir={}",
            base.join("cache").display()
        ))
        .args(["install", "hi"])
        .output()
        .unwrap_or_else(|e| panic!("dnf cannot run ({e}); apt-get install -y dnf python3-dnf"))
}

/// A data-only package (an empty install root has no shell for scriptlets or programs).
pub(crate) fn data_rpm(dir: &Dir) -> PathBuf {
    dir.create("m/stage/usr/share/hi/hi.txt", "hi\n");
    dir.create(
        "m/syspack.toml",
        "[package]\nname = \"hi\"\nversion = \"1.0.0\"\nsummary = \"says hi\"\n\
         description = \"A data-only package.\"\n\
         maintainer = \"Syspack Tests <tests@example.org>\"\nlicense = \"MIT\"\n\
         assets = [{ source = \"stage/usr/**/*\", dest = \"/usr/\" }]\n",
    );
    let mut cmd = dir.command();
    cmd.args(["package", "--no-build", "--config", "m/syspack.toml"])
        .args(["--target", "fedora-43", "--out", "m/out"]);
    cmd.stdout();
    let rpm = dir.join("m/out/hi-1.0.0-1.x86_64.rpm");
    assert!(rpm.is_file(), "{}", listing(&dir.join("m")));
    rpm
}

#[test]
fn dnf_installs_from_the_signed_rpm_repository() {
    let dir = Dir::new("repo-dnf");
    let rpm = data_rpm(&dir);
    dir.command()
        .args(["key", "generate", "--out", "keys"])
        .stdout();
    add(&dir, "repo", "keys/secret.asc", &rpm);
    let chan = dir.join("repo/rpm/testing");
    assert!(
        chan.join("repodata/repomd.xml.asc").is_file(),
        "{}",
        listing(&chan)
    );
    let key = dir.join("keys/public.asc");
    let out = dnf_install(&dir.join("dnf"), &chan, &key);
    let t = text(&out);
    assert!(out.status.success(), "dnf install hi:\n{t}");
    assert_eq!(
        std::fs::read_to_string(dir.join("dnf/root/usr/share/hi/hi.txt")).unwrap(),
        "hi\n"
    );
    // The published package is signed: rpmkeys --checksig passes with the key imported.
    let db = dir.join("rpmdb");
    std::fs::create_dir_all(&db).unwrap();
    let db_s = db.to_str().unwrap();
    let published = chan.join("Packages/hi-1.0.0-1.x86_64.rpm");
    assert!(
        rpmkeys(&["--dbpath", db_s, "--import", key.to_str().unwrap()])
            .status
            .success()
    );
    let ok = rpmkeys(&["--dbpath", db_s, "--checksig", published.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", text(&ok));

    let ok = dir
        .command()
        .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(&ok, &["rpm: rpm/testing"]);

    // A tampered rpm is refused.
    let tampered = dir.join("tampered");
    copy_tree(&dir.join("repo"), &tampered);
    let p = tampered.join("rpm/testing/Packages/hi-1.0.0-1.x86_64.rpm");
    let mut bytes = std::fs::read(&p).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&p, bytes).unwrap();
    let out = dnf_install(&dir.join("dnf2"), &tampered.join("rpm/testing"), &key);
    assert!(
        !out.status.success(),
        "dnf installed a tampered rpm:\n{}",
        text(&out)
    );
    assert!(!dir.join("dnf2/root/usr/share/hi/hi.txt").exists());
    let err = dir
        .command()
        .args(["repo", "verify", "tampered", "--key", "keys/public.asc"])
        .stderr_with(1);
    assert_contains(&err, &["hi-1.0.0-1.x86_64.rpm: sha256", "primary says"]);

    // repomd.xml signed by another key is refused.
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
    add(&dir, "other-repo", "other/secret.asc", &rpm);
    let out = dnf_install(&dir.join("dnf3"), &dir.join("other-repo/rpm/testing"), &key);
    assert!(
        !out.status.success(),
        "dnf accepted another key's repomd.xml:\n{}",
        text(&out)
    );
}

/// The uncompressed `kind` document (`primary`, …) that `repodata/repomd.xml` names.
fn repodata(dir: &Path, kind: &str) -> String {
    let repomd = std::fs::read_to_string(dir.join("repodata/repomd.xml")).unwrap();
    let data = repomd
        .split(&format!("<data type=\"{kind}\">"))
        .nth(1)
        .unwrap_or_else(|| panic!("repomd.xml names no {kind}:\n{repomd}"));
    let href = data
        .split("<location href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(dir.join(href))
        .output()
        .expect("gzip runs (apt-get install -y gzip)");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The same signed packages through `createrepo_c` give the same primary, filelists and other
/// documents, but for what differs by design: the location (syspack keeps packages under
/// `Packages/`) and `time file` (syspack writes the build time, createrepo_c the file's mtime).
#[test]
fn rpm_metadata_matches_createrepo_c() {
    let dir = Dir::new("repo-createrepo");
    // Names XML must escape, a directory and a config file.
    dir.create("m/stage/usr/share/hi/x & <y>.txt", "x\n");
    dir.create("m/stage/usr/share/hi/sub/z.txt", "z\n");
    dir.create("m/stage/usr/bin/hi", "#!/bin/sh\necho hi\n");
    let rpm = data_rpm(&dir);
    // And the hello fixture: requirements, a config file, symlinks, a scriptlet, an ELF.
    dir.copy_fixture("package/hello");
    std::fs::copy("/usr/bin/true", dir.join("stage/usr/bin/hello-elf")).unwrap();
    dir.package()
        .args(["--target", "fedora-43", "--out", "out"])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "ed25519"])
        .stdout();
    add(&dir, "repo", "keys/secret.asc", &rpm);
    add(
        &dir,
        "repo",
        "keys/secret.asc",
        &dir.join("out/hello-1.0.0-1.x86_64.rpm"),
    );
    let ours = dir.join("repo/rpm/testing");
    let theirs = dir.join("createrepo");
    copy_tree(&ours.join("Packages"), &theirs);
    let out = Command::new("createrepo_c")
        .args(["--general-compress-type", "gz"])
        .arg(&theirs)
        .output()
        .unwrap_or_else(|e| {
            panic!("createrepo_c cannot run ({e}); apt-get install -y createrepo-c")
        });
    assert!(out.status.success(), "{}", text(&out));
    let normalize = |s: String| {
        s.lines()
            .filter(|l| !l.contains("<time file="))
            .map(|l| l.replace("href=\"Packages/", "href=\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for doc in ["primary", "filelists", "other"] {
        let a = normalize(repodata(&ours, doc));
        let b = normalize(repodata(&theirs, doc));
        let diff = similar::TextDiff::from_lines(a.trim_end(), b.trim_end())
            .unified_diff()
            .header("syspack", "createrepo_c")
            .to_string();
        assert!(
            diff.is_empty(),
            "{doc} differs from createrepo_c's:\n{diff}"
        );
    }
}

/// `--keep 1` drops the older version from the suite and its file from the pool; `--valid-days`
/// writes `Valid-Until`.
#[test]
fn keep_retains_the_newest_versions() {
    let (dir, deb1) = setup("repo-keep", "ed25519");
    dir.set_version("1.0.10");
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let deb2 = dir.join("out/hello_1.0.10-1_amd64.deb");
    let keep = |deb: &Path| {
        dir.command()
            .args(["repo", "add", "repo", "--keep", "1", "--valid-days", "7"])
            .args(["--signing-key", "keys/secret.asc"])
            .args([deb])
            .expect_code(0);
    };
    // The newer version first: adding the older one after it must not evict it.
    keep(&deb2);
    keep(&deb1);
    let packages =
        std::fs::read_to_string(dir.join("repo/dists/testing/main/binary-amd64/Packages")).unwrap();
    assert_contains(&packages, &["Version: 1.0.10-1\n"]);
    assert!(!packages.contains("Version: 1.0.0-1\n"), "{packages}");
    assert!(!dir
        .join("repo/pool/main/h/hello/hello_1.0.0-1_amd64.deb")
        .exists());
    assert!(dir
        .join("repo/pool/main/h/hello/hello_1.0.10-1_amd64.deb")
        .is_file());
    let release = std::fs::read_to_string(dir.join("repo/dists/testing/Release")).unwrap();
    assert_contains(&release, &["Valid-Until: "]);
    dir.command()
        .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
        .stdout();
}

/// `--keep N` and `repo remove` in the rpm-md, pacman and FreeBSD families too: each keeps the
/// newest version in its own order (1.0.10 after 1.0.9, added newest first), the log records
/// why, and a removal takes the package out of every family, leaving repositories that verify.
#[test]
fn keep_and_remove_work_in_every_family() {
    let dir = crate::package::hello("repo-keep-all");
    let targets = "fedora-43,arch,freebsd-14";
    for (version, out) in [("1.0.10", "new"), ("1.0.9", "old")] {
        dir.set_version(version);
        dir.package()
            .args(["--target", targets, "--out", out, crate::package::FOREIGN])
            .stdout();
    }
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    let add = |out: &str| {
        let files = dir.files(out);
        dir.command()
            .args(["repo", "add", "repo", "--keep", "1"])
            .args(["--signing-key", "keys/secret.asc"])
            .args(&files)
            .stdout()
    };
    add("new");
    let second = add("old");
    // The older version just added is the one that goes, in each family.
    assert_contains(
        &second,
        &[
            "removed hello 1.0.9-1 x86_64 (rpm) from testing",
            "removed hello 1.0.9-1 x86_64 (pacman) from testing",
            "removed hello 1.0.9 ",
        ],
    );
    let repo = dir.join("repo");
    for (kept, gone) in [
        (
            "rpm/testing/Packages/hello-1.0.10-1.x86_64.rpm",
            "rpm/testing/Packages/hello-1.0.9-1.x86_64.rpm",
        ),
        (
            "arch/testing/x86_64/hello-1.0.10-1-x86_64.pkg.tar.zst",
            "arch/testing/x86_64/hello-1.0.9-1-x86_64.pkg.tar.zst",
        ),
    ] {
        assert!(repo.join(kept).is_file(), "{kept}:\n{}", listing(&repo));
        assert!(!repo.join(gone).exists(), "{gone}:\n{}", listing(&repo));
    }
    let bsd: Vec<String> = tree(&repo.join("freebsd"))
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.contains("/All/"))
        .collect();
    assert!(
        bsd.len() == 1 && bsd[0].ends_with("hello-1.0.10.pkg"),
        "{bsd:?}"
    );
    let verify = || {
        dir.command()
            .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
            .stdout()
    };
    verify();
    let log = dir
        .command()
        .args(["repo", "log", "repo", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(&log, &["--keep 1"]);

    // `repo remove` takes the package out of every family of the channel.
    let removed = dir
        .command()
        .args(["repo", "remove", "repo", "hello", "--channel", "testing"])
        .args(["--reason", "withdrawn", "--signing-key", "keys/secret.asc"])
        .stdout();
    for family in ["(rpm)", "(pacman)", "(freebsd)"] {
        assert_contains(&removed, &[family]);
    }
    verify();
    let files: Vec<String> = tree(&repo)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            p.ends_with(".rpm") || p.ends_with(".pkg.tar.zst") || p.ends_with("hello-1.0.10.pkg")
        })
        .collect();
    assert!(files.is_empty(), "{files:?}");
    let log = dir
        .command()
        .args(["repo", "log", "repo", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(&log, &["withdrawn"]);
    let err = dir
        .command()
        .args(["repo", "remove", "repo", "hello", "--channel", "testing"])
        .args(["--signing-key", "keys/secret.asc"])
        .stderr_with(2);
    assert_contains(&err, &["no package hello in channel testing"]);

    // `--keep` prunes only the families the run adds to: an RPM added with --keep 1 leaves the
    // pacman channel's older version alone.
    for (out, file) in [
        ("old", "hello-1.0.9-1-x86_64.pkg.tar.zst"),
        ("new", "hello-1.0.10-1-x86_64.pkg.tar.zst"),
    ] {
        dir.command()
            .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
            .args([dir.join(out).join(file)])
            .stdout();
    }
    dir.command()
        .args(["repo", "add", "repo", "--keep", "1"])
        .args(["--signing-key", "keys/secret.asc"])
        .args([dir.join("new/hello-1.0.10-1.x86_64.rpm")])
        .stdout();
    assert!(repo
        .join("arch/testing/x86_64/hello-1.0.9-1-x86_64.pkg.tar.zst")
        .is_file());
    verify();
}

/// One writer at a time: while another process holds the repository's lock, `repo add` fails at
/// once naming why and changes nothing; a shared (reader's) hold lets `repo verify` run but not
/// `repo add`; once released, `repo add` works.
#[test]
fn a_second_writer_is_refused_while_the_lock_is_held() {
    let (dir, deb) = setup("repo-lock", "ed25519");
    add(&dir, "repo", "keys/secret.asc", &deb);
    let before = tree(&dir.join("repo"));
    let lock = dir.join("repo/.syspack-lock");
    assert!(lock.is_file(), "{}", listing(&dir.join("repo")));
    for mode in ["-x", "-s"] {
        // flock(1) holds the lock for as long as its `sleep` runs (-o: the lock stays with
        // flock itself, so killing it releases the lock).
        let mut holder = Command::new("flock")
            .arg(mode)
            .arg("-o")
            .arg(&lock)
            .args(["sleep", "60"])
            .spawn()
            .expect("flock(1) runs (apt-get install -y util-linux)");
        let start = std::time::Instant::now();
        loop {
            let probe = Command::new("flock")
                .arg("-xn")
                .arg(&lock)
                .arg("true")
                .status()
                .unwrap();
            if !probe.success() || start.elapsed().as_secs() > 30 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let err = dir
            .command()
            .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
            .args([&deb])
            .stderr_with(2);
        assert_contains(&err, &["another syspack is", "try again"]);
        let verify = dir
            .command()
            .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
            .output();
        assert_eq!(
            verify.status.success(),
            mode == "-s",
            "repo verify under a {mode} hold:\n{}",
            text(&verify)
        );
        holder.kill().unwrap();
        holder.wait().unwrap();
        assert!(
            before == tree(&dir.join("repo")),
            "the refused writer changed the tree"
        );
    }
    add(&dir, "repo", "keys/secret.asc", &deb);
}

/// A published package never changes, in any family: the same file again is a no-op, an RPM
/// signed again at another date keeps the published file (its hash is in clients' cached
/// metadata), and other bytes under a published name — the same version built for another
/// target release, or rebuilt — are refused with both hashes and what to do, leaving the tree
/// as it was.
#[test]
fn a_published_package_is_never_replaced() {
    let dir = crate::package::hello("repo-immutable");
    let targets = "debian-12,fedora-43,arch,freebsd-14";
    for (epoch, out) in [("1700000000", "first"), ("1700000500", "rebuilt")] {
        dir.package()
            .args(["--target", targets, "--out", out, crate::package::FOREIGN])
            .env("SOURCE_DATE_EPOCH", epoch)
            .stdout();
    }
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    let add = |files: &[PathBuf], epoch: &str, code: i32| {
        let out = dir
            .command()
            .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
            .args(files)
            .env("SOURCE_DATE_EPOCH", epoch)
            .env("SYSPACK_NOW", "1700000000")
            .expect_code(code);
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = dir.files("first");
    assert_eq!(first.len(), 4, "{first:?}");
    add(&first, "1700000000", 0);
    let repo = dir.join("repo");
    let rpm = repo.join("rpm/testing/Packages/hello-1.0.0-1.x86_64.rpm");
    let published = std::fs::read(&rpm).unwrap();

    // Added again with another date: the RPM would be signed with another signature time; the
    // published file stays, and the metadata still names its hash.
    add(&first, "1800000000", 0);
    assert!(
        std::fs::read(&rpm).unwrap() == published,
        "the published rpm changed"
    );
    let verify = || {
        dir.command()
            .args(["repo", "verify", "repo", "--key", "keys/public.asc"])
            .stdout()
    };
    verify();

    let before = tree(&repo);
    for file in dir.files("rebuilt") {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let err = add(std::slice::from_ref(&file), "1700000000", 2);
        assert_contains(
            &err,
            &[
                "is already in the repository with other contents (sha256 ",
                "publish a new version instead of replacing one",
                "that release's own repository",
            ],
        );
        assert!(
            tree(&repo) == before,
            "refusing {name} changed the repository"
        );
    }
    verify();
}

/// `SYSPACK_REPO_UNSAFE_IO=1` turns every fsync off (counted by strace) and changes nothing
/// else: the same tree, byte for byte, and it verifies.
#[test]
fn unsafe_io_skips_every_fsync_and_writes_the_same_tree() {
    let (dir, deb) = setup("repo-unsafe-io", "rsa4096");
    let fsyncs = |repo: &str, unsafe_io: bool| -> u64 {
        let log = dir.join(format!("{repo}.strace"));
        let mut cmd = Command::new("strace");
        cmd.args(["-f", "-c", "-e", "trace=fsync,fdatasync,syncfs,sync", "-o"])
            .arg(&log)
            .arg(env!("CARGO_BIN_EXE_syspack"))
            .args(["repo", "add", repo, "--signing-key", "keys/secret.asc"])
            .arg(&deb)
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env("SYSPACK_NOW", "1700000000");
        if unsafe_io {
            cmd.env("SYSPACK_REPO_UNSAFE_IO", "1");
        } else {
            cmd.env_remove("SYSPACK_REPO_UNSAFE_IO");
        }
        let out = cmd
            .output()
            .expect("strace is missing: apt-get install -y strace (ci/install-deps installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // strace -c: one line per traced call made, `calls` in the fourth column.
        let table = std::fs::read_to_string(&log).unwrap();
        table
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .last()
                    .is_some_and(|s| s.contains("sync"))
            })
            .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
            .sum()
    };
    let durable = fsyncs("durable", false);
    assert!(durable >= 10, "only {durable} fsync calls by default");
    assert_eq!(
        fsyncs("unsafe", true),
        0,
        "fsync with SYSPACK_REPO_UNSAFE_IO=1"
    );
    assert!(
        tree(&dir.join("durable")) == tree(&dir.join("unsafe")),
        "unsafe I/O changed the repository"
    );
    dir.command()
        .args(["repo", "verify", "unsafe", "--key", "keys/public.asc"])
        .stdout();
}
