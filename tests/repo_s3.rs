//! `syspack repo push|pull`: a repository mirrored to a real S3-compatible server (moto's
//! standalone server, from the CI's virtual environment) on 127.0.0.1, judged by apt and pacman
//! installing over HTTP from the bucket, by `repo verify` on the tree pulled back, and by the
//! order of the uploads; hostile keys in the bucket refused, credentials never printed.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo::{apt_root_with, chroot, pacman_installs_hello, text};
use crate::util::{assert_contains, listing, tree, Dir, TestCommand};

const ACCESS_KEY: &str = "AKIASYSPACKTESTKEY01";
const SECRET_KEY: &str = "syspack-test-secret-never-printed-0123456789";
const BUCKET: &str = "syspack-test";

/// A moto S3 server on a free port of 127.0.0.1, stopped when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl S3Server {
    fn start(log: PathBuf) -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "moto_server cannot run ({e}): ci/install-deps installs it (pip install \
                     'moto[server]' into the CI's virtual environment, whose bin/ ci/run puts \
                     first on PATH)"
                )
            });
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto_server did not listen on {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A raw request, as another client of the bucket would send it (moto does not check
    /// signatures; syspack's own requests are signed).
    fn raw(&self, method: &str, path: &str, body: &[u8]) -> u16 {
        let url = format!("{}/{path}", self.endpoint);
        match ureq::request(method, &url).send_bytes(body) {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(s, _)) => s,
            Err(e) => panic!("{method} {url}: {e}"),
        }
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let url = format!("{}/{path}", self.endpoint);
        match ureq::get(&url).call() {
            Ok(r) => {
                let mut b = Vec::new();
                r.into_reader().read_to_end(&mut b).unwrap();
                (200, b)
            }
            Err(ureq::Error::Status(s, _)) => (s, Vec::new()),
            Err(e) => panic!("GET {url}: {e}"),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `syspack` with the server's endpoint and the test credentials.
fn s3(dir: &Dir, server: &S3Server) -> TestCommand {
    let mut c = dir.command();
    c.env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("SYSPACK_S3_URL_STYLE");
    c
}

/// The line numbers of `uploaded X` lines, by X.
fn order(stdout: &str) -> Vec<(usize, String)> {
    stdout
        .lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("uploaded ").map(|r| (i, r.to_string())))
        .collect()
}

/// Every upload of a file clients read first comes after every upload of a file they reach
/// through it.
fn assert_entries_last(stdout: &str) {
    let lines = order(stdout);
    let is_entry = |r: &str| {
        r.ends_with("/InRelease")
            || r.ends_with("/repomd.xml")
            || r.ends_with("/syspack.db")
            || r.ends_with("/syspack.db.tar.zst")
            || r.ends_with("/syspack.files")
            || r.ends_with("/syspack.files.tar.zst")
            || r.ends_with("/meta.conf")
    };
    let is_named = |r: &str| {
        r.starts_with("pool/")
            || r.contains("/Packages")
            || r.contains("/by-hash/")
            || r.ends_with(".pkg.tar.zst")
            || r.ends_with(".rpm")
            || r.contains("-primary.xml")
            || r.contains("/All/")
            || r.ends_with("packagesite.pkg")
    };
    let first_entry = lines.iter().find(|(_, r)| is_entry(r)).map(|(i, _)| *i);
    let last_named = lines
        .iter()
        .rev()
        .find(|(_, r)| is_named(r))
        .map(|(i, _)| *i);
    if let (Some(e), Some(n)) = (first_entry, last_named) {
        assert!(
            e > n,
            "an index was uploaded before a file it names:\n{stdout}"
        );
    }
}

#[test]
fn repository_pushed_to_s3_installs_with_apt_and_pacman_and_pulls_back() {
    // The fixture without an ELF: the pacman root has no glibc to satisfy a dependency on.
    let dir = Dir::new("repo-s3");
    dir.copy_fixture("package/hello");
    dir.package()
        .args([
            "--target",
            "debian-12,fedora-43,arch,freebsd-14",
            "--out",
            "out",
        ])
        .stdout();
    dir.command()
        .args(["key", "generate", "--out", "keys", "--algorithm", "rsa4096"])
        .stdout();
    let packages = dir.files("out");
    let summary = dir
        .command()
        .args(["repo", "add", "repo", "--signing-key", "keys/secret.asc"])
        .args(&packages)
        .env("SYSPACK_NOW", "1700000000")
        .stdout();

    let server = S3Server::start(dir.join("moto.log"));
    assert_eq!(server.raw("PUT", BUCKET, b""), 200, "creating the bucket");
    // A public-read bucket policy, as a project serving its repository from a bucket sets.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{BUCKET}/*"}}]}}"#
    );
    let status = server.raw("PUT", &format!("{BUCKET}?policy"), policy.as_bytes());
    assert!(
        matches!(status, 200 | 204),
        "setting the bucket policy: HTTP {status}"
    );
    let location = format!("s3://{BUCKET}/repo");

    // Nothing there yet: --delete on a tree that is no repository is refused before any request.
    dir.create("empty/readme.txt", "not a repository\n");
    let refused = s3(&dir, &server)
        .args(["repo", "push", "empty", &location, "--delete"])
        .stderr_with(2);
    assert_contains(&refused, &["no repository index", "--delete"]);

    // The first push uploads the whole tree, indexes last, after verifying it.
    let first = s3(&dir, &server)
        .args([
            "repo",
            "push",
            "repo",
            &location,
            "--key",
            "keys/public.asc",
        ])
        .stdout();
    let local = tree(&dir.join("repo"));
    assert_contains(
        &first,
        &["ok: 1 suite(s)", "uploaded dists/testing/InRelease"],
    );
    assert_eq!(
        order(&first).len(),
        walkdir::WalkDir::new(dir.join("repo"))
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir() && e.file_name() != ".syspack-lock")
            .count(),
        "every file and link of the tree (not its lock file) is uploaded once:\n{first}"
    );
    assert_entries_last(&first);
    let (status, _) = server.get(&format!("{BUCKET}/repo/.syspack-lock"));
    assert_eq!(status, 404, "the lock file was published");
    for (rel, bytes) in local.iter().filter(|(rel, _)| rel != ".syspack-lock") {
        let (status, got) = server.get(&format!("{BUCKET}/repo/{rel}"));
        assert_eq!(status, 200, "{rel} is not readable from the bucket");
        assert!(&got == bytes, "{rel} differs in the bucket");
    }

    // Pushing again changes nothing.
    let again = s3(&dir, &server)
        .args(["repo", "push", "repo", &location])
        .stdout();
    assert!(order(&again).is_empty(), "{again}");
    assert_contains(&again, &[" 0 uploaded, 0 deleted, "]);

    // apt installs over HTTP from the bucket, checking the signature with signed-by.
    let root = apt_root_with("bookworm", &dir.join("keys/public.asc"), &[]);
    std::fs::write(
        root.join("etc/apt/sources.list.d/syspack.list"),
        format!(
            "deb [signed-by=/etc/apt/keyrings/syspack.asc] {}/{BUCKET}/repo testing main\n",
            server.endpoint
        ),
    )
    .unwrap();
    let up = chroot(&root, &["apt-get", "update"]);
    let t = text(&up);
    assert!(
        up.status.success() && !t.contains("W: GPG") && !t.contains("E: "),
        "{t}"
    );
    let inst = chroot(&root, &["apt-get", "install", "-y", "hello"]);
    assert!(
        inst.status.success(),
        "apt-get install hello:\n{}",
        text(&inst)
    );
    let _ = std::fs::remove_dir_all(&root);

    // pacman too, with SigLevel = Required DatabaseRequired: `syspack.db` (a symlink in the
    // tree) is an object of its own in the bucket.
    pacman_installs_hello(
        &dir,
        &dir.join("pacman"),
        &summary,
        &format!("{}/{BUCKET}/repo/arch/testing/$arch", server.endpoint),
    );

    // A new version replaces the old one (--keep 1): the push uploads only what changed, indexes
    // last, and --delete then removes what the tree no longer has.
    dir.set_version("1.0.1");
    dir.package()
        .args(["--target", "debian-12,fedora-43,arch", "--out", "out2"])
        .stdout();
    let new = dir.files("out2");
    dir.command()
        .args([
            "repo",
            "add",
            "repo",
            "--keep",
            "1",
            "--signing-key",
            "keys/secret.asc",
        ])
        .args(&new)
        .env("SYSPACK_NOW", "1700000100")
        .stdout();
    let dry = s3(&dir, &server)
        .args(["repo", "push", "repo", &location, "--delete", "--dry-run"])
        .stdout();
    assert_contains(&dry, &["would upload ", "would delete "]);
    let update = s3(&dir, &server)
        .args(["repo", "push", "repo", &location, "--delete"])
        .stdout();
    assert_entries_last(&update);
    let uploaded = order(&update);
    assert!(
        uploaded.len() < order(&first).len(),
        "the second push uploaded the whole tree again:\n{update}"
    );
    assert!(
        uploaded
            .iter()
            .all(|(_, r)| !r.contains("freebsd/") || r.starts_with("log/")),
        "FreeBSD files did not change but were uploaded:\n{update}"
    );
    let last_upload = uploaded.last().unwrap().0;
    let deletes: Vec<usize> = update
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("deleted "))
        .map(|(i, _)| i)
        .collect();
    assert!(!deletes.is_empty(), "nothing deleted:\n{update}");
    assert!(
        deletes.iter().all(|&d| d > last_upload),
        "a file was deleted before the new indexes were up:\n{update}"
    );
    assert_contains(
        &update,
        &["deleted pool/main/h/hello/hello_1.0.0-1_amd64.deb"],
    );

    // Pulled back into an empty directory, the tree verifies and holds the same files.
    let pulled = s3(&dir, &server)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["repo", "pull", &location, "pulled"])
        .stdout();
    assert_contains(&pulled, &["downloaded dists/testing/InRelease"]);
    dir.command()
        .args(["repo", "verify", "pulled", "--key", "keys/public.asc"])
        .stdout();
    let got = tree(&dir.join("pulled"));
    for entry in tree(&dir.join("repo")) {
        assert!(
            got.contains(&entry),
            "{} missing or different after pull",
            entry.0
        );
    }
    // Pulling again downloads nothing.
    let again = s3(&dir, &server)
        .args(["repo", "pull", &location, "pulled"])
        .stdout();
    assert_contains(&again, &[" 0 downloaded, 0 deleted, "]);

    // A hostile key in the bucket (an empty component; a terminal escape) is refused by pull,
    // named escaped, and nothing is written outside the directory.
    // Each under a prefix of its own.
    for (n, (key, shown)) in [
        ("pool//evil", "pool//evil"),
        ("%1B%5D0%3Bpwn%07", "\\x1b]0;pwn\\x07"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            server.raw("PUT", &format!("{BUCKET}/h{n}/{key}"), b"x"),
            200
        );
        let err = s3(&dir, &server)
            .args(["repo", "pull", &format!("s3://{BUCKET}/h{n}"), "hostile"])
            .stderr_with(2);
        assert_contains(&err, &["not a plain relative path", shown]);
        assert!(!err.contains('\u{1b}'), "a raw escape was printed: {err:?}");
        assert!(
            tree(&dir.join("hostile"))
                .iter()
                .all(|(rel, _)| rel == ".syspack-lock"),
            "{}",
            listing(&dir.join("hostile"))
        );
    }

    // A missing bucket: the error names the operation and the S3 code, and no credential or
    // signed URL is printed.
    let err = s3(&dir, &server)
        .args(["repo", "push", "repo", "s3://no-such-bucket/x"])
        .stderr_with(2);
    assert_contains(&err, &["s3://no-such-bucket", "HTTP 404", "NoSuchBucket"]);
    for secret in [
        SECRET_KEY,
        ACCESS_KEY,
        "X-Amz-Signature",
        "X-Amz-Credential",
    ] {
        for out in [&err, &first, &update, &pulled] {
            assert!(!out.contains(secret), "{secret} printed:\n{out}");
        }
    }
}
