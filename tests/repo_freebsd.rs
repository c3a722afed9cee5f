//! `syspack repo add|verify` for FreeBSD packages: the layout and field names FreeBSD pkg's
//! source describes, the signature checked by OpenSSL (what pkg verifies with), reproducibility,
//! and `repo verify` refusing a tampered package, a tampered catalogue and another key's
//! signature.
//!
//! There is no FreeBSD `pkg` client on this Debian machine, so no test installs from the
//! repository; the facts come from pkg's source (files named below) and OpenSSL's verdict.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use syspack_distro::compress::{decoder, Compression, Encoder};

use crate::util::{assert_contains, copy_tree, listing, tree, Dir};

const ABI: &str = "FreeBSD:14:amd64";
const ZSTD: Compression = Compression::Zstd {
    level: 19,
    threads: 1,
};

/// The hello fixture's FreeBSD package and an RSA key pair in `keys/`.
fn setup(name: &str) -> (Dir, PathBuf) {
    let dir = crate::package::hello(name);
    dir.package()
        .args([
            "--target",
            "freebsd-14",
            "--out",
            "out",
            crate::package::FOREIGN,
        ])
        .stdout();
    let pkg = dir
        .join("out")
        .join(crate::util::files_in(&dir.join("out")).pop().unwrap());
    assert!(
        pkg.to_string_lossy().ends_with(".pkg"),
        "{}",
        listing(dir.path())
    );
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    (dir, pkg)
}

fn add(dir: &Dir, repo: &str, key: &str, pkg: &Path) -> String {
    dir.command()
        .args([
            "repo",
            "add",
            repo,
            "--channel",
            "stable",
            "--signing-key",
            key,
        ])
        .args([pkg])
        .env("SYSPACK_NOW", "1700000000")
        .stdout()
}

/// The members of a metadata archive (`packagesite.pkg`, `data.pkg`), in order.
fn members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(decoder(file, ZSTD).unwrap());
    let mut out = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header();
        assert_eq!(h.username().unwrap(), Some("root"));
        assert_eq!(h.groupname().unwrap(), Some("wheel"));
        assert_eq!(h.mode().unwrap(), 0o644);
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        out.push((name, b));
    }
    out
}

fn write_members(path: &Path, members: &[(String, Vec<u8>)]) {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o644);
        h.set_size(bytes.len() as u64);
        h.set_path(name).unwrap();
        h.set_cksum();
        b.append(&h, &bytes[..]).unwrap();
    }
    let mut enc = Encoder::new(Vec::new(), ZSTD).unwrap();
    enc.write_all(&b.into_inner().unwrap()).unwrap();
    std::fs::write(path, enc.finish().unwrap()).unwrap();
}

fn verify(dir: &Dir, repo: &str, code: i32) -> String {
    let out = dir
        .command()
        .args(["repo", "verify", repo, "--key", "keys/public.asc"])
        .expect_code(code);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_freebsd_repository_is_laid_out_signed_and_verified_as_pkg_expects() {
    let (dir, pkg) = setup("repo-freebsd");
    let out = add(&dir, "repo", "keys/secret.asc", &pkg);
    let adir = dir.join("repo/freebsd/stable").join(ABI);
    let file = pkg.file_name().unwrap().to_string_lossy().into_owned();
    assert_contains(&out, &[&format!("All/{file}"), "signed channel stable"]);
    // pkg_repo_create.c / pkg_repo_meta.c: meta (and meta.conf) as UCL config, version 2;
    // packagesite.pkg and data.pkg; the packages where repopath says (flat All/, not Hashed/).
    for f in ["meta", "meta.conf", "packagesite.pkg", "data.pkg"] {
        assert!(
            adir.join(f).is_file(),
            "{f}\n{}",
            listing(&dir.join("repo"))
        );
    }
    let meta = std::fs::read_to_string(adir.join("meta.conf")).unwrap();
    assert_contains(
        &meta,
        &[
            "version = 2;",
            "packing_format = \"tzst\";",
            "manifests = \"packagesite.yaml\";",
            "data = \"data\";",
            "manifests_archive = \"packagesite\";",
        ],
    );
    let bytes = std::fs::read(adir.join("All").join(&file)).unwrap();
    assert_eq!(bytes, std::fs::read(&pkg).unwrap());

    // pkg_repo_pack_db / pack_sign: `signature` first, then the catalogue; pkg's rsa signer
    // writes no type prefix and a trailing NUL (pkgsign_ossl.c, ossl_sign_data).
    let site = members(&adir.join("packagesite.pkg"));
    let names: Vec<&str> = site.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(names, ["signature", "packagesite.yaml"]);
    let (sig, yaml) = (&site[0].1, &site[1].1);
    assert_eq!(sig.len(), 512 + 1, "RSA-4096 signature and NUL");
    assert_eq!(sig.last(), Some(&0));
    let yaml = String::from_utf8(yaml.clone()).unwrap();
    assert_eq!(yaml.lines().count(), 1, "{yaml}");
    let line = yaml.lines().next().unwrap();
    let m: serde_json::Value = serde_json::from_str(line).unwrap();
    let sha = hex::encode(Sha256::digest(&bytes));
    let repopath = format!("All/{file}");
    assert_eq!(m["sum"], sha.as_str());
    assert_eq!(m["pkgsize"], bytes.len() as u64);
    assert_eq!(m["repopath"], repopath.as_str());
    assert_eq!(m["path"], repopath.as_str());
    assert_eq!(m["name"], "hello");
    assert_eq!(m["abi"], ABI);
    assert!(m.get("files").is_none(), "compact manifests only: {line}");
    // pkg_emit_object's key order: ... prefix, sum, flatsize, path, repopath, licenselogic ...
    let pos = |k: &str| {
        line.find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("{k}: {line}"))
    };
    assert!(pos("prefix") < pos("sum") && pos("sum") < pos("flatsize"));
    assert!(pos("flatsize") < pos("path") && pos("path") < pos("repopath"));
    assert!(pos("repopath") < pos("licenselogic") && pos("licenses") < pos("pkgsize"));

    // data: one JSON object on one line with the same manifests (update.c reads it by getline).
    let data = members(&adir.join("data.pkg"));
    assert_eq!(data[0].0, "signature");
    assert_eq!(data[1].0, "data");
    let text = String::from_utf8(data[1].1.clone()).unwrap();
    assert!(!text.trim_end().contains('\n'), "{text}");
    assert_eq!(
        text,
        format!("{{\"groups\":[],\"expired_packages\":[],\"packages\":[{line}]}}")
    );

    // OpenSSL, which pkg verifies with, accepts the signature: RSA PKCS#1 v1.5, SHA-256 over the
    // hex SHA-256 of packagesite.yaml (ossl_verify_cert_cb), with freebsd/public.pem.
    let work = dir.join("openssl");
    std::fs::create_dir_all(&work).unwrap();
    let hexfile = work.join("digest");
    std::fs::write(&hexfile, hex::encode(Sha256::digest(yaml.as_bytes()))).unwrap();
    std::fs::write(work.join("sig"), &sig[..512]).unwrap();
    let openssl = |public: &Path| {
        Command::new("openssl")
            .args(["dgst", "-sha256", "-verify"])
            .arg(public)
            .arg("-signature")
            .arg(work.join("sig"))
            .arg(&hexfile)
            .output()
            .expect("openssl is missing: apt-get install -y openssl")
    };
    let pem = dir.join("repo/freebsd/public.pem");
    assert!(std::fs::read_to_string(&pem)
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    let ok = openssl(&pem);
    assert!(ok.status.success(), "{ok:?}");
    assert_contains(&String::from_utf8_lossy(&ok.stdout), &["Verified OK"]);
    std::fs::write(&hexfile, "0".repeat(64)).unwrap();
    assert!(!openssl(&pem).status.success());

    let v = verify(&dir, "repo", 0);
    assert_contains(&v, &[&format!("freebsd: freebsd/stable/{ABI}")]);
    // The RSA key is taken from the OpenPGP key in memory: nothing secret in the tree or output.
    for (path, bytes) in tree(&dir.join("repo")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("PRIVATE KEY"), "{path}");
    }
    assert!(!out.contains("PRIVATE") && !v.contains("PRIVATE"));

    // The same package again: byte-identical repository.
    let before = tree(&dir.join("repo"));
    add(&dir, "repo", "keys/secret.asc", &pkg);
    assert!(
        before == tree(&dir.join("repo")),
        "repo add is not reproducible"
    );
    // And a second repository from scratch is the same too (the release log apart).
    add(&dir, "repo2", "keys/secret.asc", &pkg);
    let strip = |t: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        t.into_iter()
            .filter(|(p, _)| !p.starts_with("log/"))
            .collect()
    };
    assert!(strip(before) == strip(tree(&dir.join("repo2"))));

    // A package changed by one byte.
    copy_tree(&dir.join("repo"), &dir.join("bad-pkg"));
    let p = dir
        .join("bad-pkg/freebsd/stable")
        .join(ABI)
        .join("All")
        .join(&file);
    let mut b = std::fs::read(&p).unwrap();
    let i = b.len() / 2;
    b[i] ^= 1;
    std::fs::write(&p, b).unwrap();
    assert_contains(&verify(&dir, "bad-pkg", 1), &["sha256 mismatch", &file]);

    // packagesite.yaml changed, the signature kept.
    copy_tree(&dir.join("repo"), &dir.join("bad-site"));
    let sp = dir
        .join("bad-site/freebsd/stable")
        .join(ABI)
        .join("packagesite.pkg");
    let mut m = members(&sp);
    m[1].1 = String::from_utf8(m[1].1.clone())
        .unwrap()
        .replace(&sha, &hex::encode(Sha256::digest(b"other")))
        .into_bytes();
    write_members(&sp, &m);
    assert_contains(
        &verify(&dir, "bad-site", 1),
        &["packagesite.pkg", "does not verify"],
    );

    // Signed by another key.
    dir.command()
        .args([
            "key",
            "generate",
            "--out",
            "other",
            "--algorithm",
            "rsa4096",
        ])
        .stdout();
    add(&dir, "other-repo", "other/secret.asc", &pkg);
    copy_tree(&dir.join("repo"), &dir.join("bad-key"));
    for f in ["packagesite.pkg", "data.pkg"] {
        std::fs::copy(
            dir.join("other-repo/freebsd/stable").join(ABI).join(f),
            dir.join("bad-key/freebsd/stable").join(ABI).join(f),
        )
        .unwrap();
    }
    assert_contains(&verify(&dir, "bad-key", 1), &["does not verify"]);

    // A file nobody names in All/.
    copy_tree(&dir.join("repo"), &dir.join("extra"));
    std::fs::write(
        dir.join("extra/freebsd/stable")
            .join(ABI)
            .join("All/stray-1.0.pkg"),
        b"x",
    )
    .unwrap();
    assert_contains(
        &verify(&dir, "extra", 1),
        &["stray-1.0.pkg", "does not name it"],
    );
}

#[test]
fn an_ed25519_key_cannot_sign_a_freebsd_repository() {
    let dir = crate::package::hello("repo-freebsd-ed25519");
    dir.package()
        .args([
            "--target",
            "freebsd-14",
            "--out",
            "out",
            crate::package::FOREIGN,
        ])
        .stdout();
    let pkg = dir
        .join("out")
        .join(crate::util::files_in(&dir.join("out")).pop().unwrap());
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "ed25519"])
        .stdout();
    let err = dir
        .command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args([&pkg])
        .stderr_with(2);
    assert_contains(&err, &["not an RSA key", "--algorithm rsa4096"]);
    assert!(
        !dir.join("repo/freebsd").exists(),
        "{}",
        listing(dir.path())
    );
}

#[test]
fn the_snippet_configures_each_family_with_its_key() {
    let dir = crate::package::hello("repo-snippet");
    dir.package()
        .args([
            "--target",
            crate::package::ALL,
            "--out",
            "out",
            crate::package::FOREIGN,
        ])
        .stdout();
    let packages: Vec<PathBuf> = crate::util::files_in(&dir.join("out"))
        .into_iter()
        .map(|f| dir.join("out").join(f))
        .collect();
    assert_eq!(packages.len(), 4, "{}", listing(dir.path()));
    dir.command()
        .args(["key", "generate", "--out", "keys"])
        .stdout();
    dir.command()
        .args(["repo", "add", "repo", "--channel", "stable"])
        .args(["--signing-key", "keys/secret.asc"])
        .args(&packages)
        .env("SYSPACK_NOW", "1700000000")
        .stdout();
    assert_contains(
        &verify(&dir, "repo", 0),
        &[
            "1 suite(s) (stable)",
            "arch/stable/x86_64",
            "rpm/stable",
            ABI,
        ],
    );
    let out = dir
        .command()
        .args(["repo", "snippet", "repo", "--url", "https://example.org/r/"])
        .stdout();
    assert_contains(
        &out,
        &[
            // apt: a deb822 .sources file with the key it is signed with.
            "curl -fsSL https://example.org/r/public.asc | sudo tee /etc/apt/keyrings/syspack.asc",
            "URIs: https://example.org/r\nSuites: stable\nComponents: main\n\
             Signed-By: /etc/apt/keyrings/syspack.asc\n",
            // dnf: package and repository metadata signatures both checked.
            "[syspack]\nname=syspack (stable)\nbaseurl=https://example.org/r/rpm/stable\n\
             enabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=https://example.org/r/public.asc\n",
            // pacman.
            "[syspack]\nSigLevel = Required DatabaseRequired\n\
             Server = https://example.org/r/arch/stable/$arch\n",
            // FreeBSD pkg (pkg-repository(5): url, signature_type, pubkey, enabled).
            "fetch -o /usr/local/etc/ssl/syspack.pem https://example.org/r/freebsd/public.pem",
            "syspack: {\n  url: \"https://example.org/r/freebsd/stable/${ABI}\",\n  \
             signature_type: \"pubkey\",\n  pubkey: \"/usr/local/etc/ssl/syspack.pem\",\n  \
             enabled: yes\n}\n",
        ],
    );
    // A channel the repository does not have, and a URL that would break the files written.
    let err = dir
        .command()
        .args([
            "repo",
            "snippet",
            "repo",
            "--url",
            "https://x",
            "--channel",
            "nightly",
        ])
        .stderr_with(2);
    assert_contains(&err, &["no repository of channel `nightly`"]);
    let err = dir
        .command()
        .args(["repo", "snippet", "repo", "--url", "https://x\"\nEOT"])
        .stderr_with(2);
    assert_contains(&err, &["--url"]);
}

/// A writer killed at each write step leaves a repository whose catalogues still verify (the old
/// or the new one); a package written before its catalogue is the only complaint; running
/// `repo add` again completes it.
#[test]
fn a_writer_killed_at_any_step_leaves_signed_catalogues_that_verify() {
    let (dir, pkg) = setup("repo-freebsd-crash");
    add(&dir, "repo", "keys/secret.asc", &pkg);
    dir.set_version("1.0.1");
    std::fs::remove_dir_all(dir.join("out")).unwrap();
    dir.package()
        .args([
            "--target",
            "freebsd-14",
            "--out",
            "out",
            crate::package::FOREIGN,
        ])
        .stdout();
    let pkg2 = dir
        .join("out")
        .join(crate::util::files_in(&dir.join("out")).pop().unwrap());
    assert!(
        pkg2.to_string_lossy().contains("1.0.1"),
        "{}",
        pkg2.display()
    );
    let mut crashed = 0;
    for at in 1.. {
        let work = format!("crash-{at}");
        copy_tree(&dir.join("repo"), &dir.join(&work));
        let out = dir
            .command()
            .args(["repo", "add", &work, "--channel", "stable"])
            .args(["--signing-key", "keys/secret.asc"])
            .args([&pkg2])
            .env("SYSPACK_REPO_FAULT_AT", at.to_string())
            .output();
        if out.status.success() {
            break;
        }
        assert!(at < 100, "repo add never completes");
        crashed += 1;
        let out = dir
            .command()
            .args(["repo", "verify", &work, "--key", "keys/public.asc"])
            .output();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "step {at}: {out:?}"
        );
        let v = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for line in v.lines().filter(|l| !l.starts_with("ok:")) {
            let line = line.trim_start_matches("error: ");
            assert!(
                line.contains("does not name it") && line.contains("hello-1.0.1.pkg")
                    || line.starts_with("Caused by")
                    || line.trim().is_empty(),
                "step {at}: {v}"
            );
        }
        add(&dir, &work, "keys/secret.asc", &pkg2);
        assert_contains(&verify(&dir, &work, 0), &[ABI]);
        let site = members(
            &dir.join(&work)
                .join("freebsd/stable")
                .join(ABI)
                .join("packagesite.pkg"),
        );
        let yaml = String::from_utf8(site[1].1.clone()).unwrap();
        assert_eq!(yaml.lines().count(), 2, "step {at}: {yaml}");
    }
    assert!(crashed >= 8, "only {crashed} steps");
}

/// FreeBSD packages enter the signed release log, are promoted (the file hard-linked, the
/// target channel re-signed) and yanked like the other families.
#[test]
fn freebsd_packages_are_logged_promoted_and_yanked() {
    let (dir, pkg) = setup("repo-freebsd-channels");
    dir.command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args([&pkg])
        .env("SYSPACK_NOW", "1700000000")
        .stdout();
    let log = dir
        .command()
        .args(["repo", "log", "repo", "--key", "keys/public.asc"])
        .stdout();
    assert_contains(
        &log,
        &["channel testing", "+ hello 1.0.0", ABI, "(freebsd) added"],
    );
    let out = dir
        .command()
        .args([
            "repo",
            "promote",
            "repo",
            "--min-soak",
            "1d",
            "--now",
            "1700100000",
        ])
        .args(["--signing-key", "keys/secret.asc"])
        .stdout();
    assert_contains(&out, &["promoted hello 1.0.0", "(freebsd) to stable"]);
    let stable = dir.join("repo/freebsd/stable").join(ABI);
    let file = pkg.file_name().unwrap().to_string_lossy().into_owned();
    assert!(stable.join("All").join(&file).is_file());
    assert_contains(
        &verify(&dir, "repo", 0),
        &[&format!("freebsd/stable/{ABI}")],
    );
    let out = dir
        .command()
        .args([
            "repo",
            "yank",
            "repo",
            "hello",
            "--version",
            "1.0.0",
            "--channel",
            "stable",
        ])
        .args(["--reason", "test", "--signing-key", "keys/secret.asc"])
        .env("SYSPACK_NOW", "1700200000")
        .stdout();
    assert_contains(&out, &["yanked hello 1.0.0", "(freebsd) from stable"]);
    assert!(!stable.join("All").join(&file).exists());
    let site = members(&stable.join("packagesite.pkg"));
    assert!(
        site[1].1.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&site[1].1)
    );
    assert_contains(
        &verify(&dir, "repo", 0),
        &[&format!("freebsd/testing/{ABI}")],
    );
}
