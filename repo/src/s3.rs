//! Publishing a repository tree to S3-compatible object storage, and fetching it back.
//!
//! A repository is a tree of files that any static web server can serve; object storage (S3 and
//! its compatibles: MinIO, Ceph RGW, Cloudflare R2, Garage, …) is where many projects host it.
//! [`push`] mirrors a local tree (as `repo add` leaves it) into `s3://BUCKET/PREFIX`, and [`pull`]
//! mirrors it back, so a release job can pull, `repo add`, `repo verify` and push.
//!
//! # Order: what clients read first is written last
//!
//! Object storage has no rename and no multi-object transaction, so a client may read the
//! bucket between two uploads. [`push`] therefore uploads in three ranks (see [`rank`]):
//! everything that is only reached through a signed index (packages, by-hash copies, rpm-md's
//! hashed data files, signatures of packages) first; then the signatures that sit beside an
//! entry file; the entry files themselves (apt's `InRelease`, rpm-md's `repomd.xml`, pacman's
//! databases, FreeBSD's `meta.conf`) last; and only then, with `--delete`, removes what the tree
//! no longer holds. A client that reads the old entry file finds every file it names still
//! there; one that reads the new entry file finds everything new already uploaded. The one
//! window left is a detached signature next to its file (`Release.gpg`, `repomd.xml.asc`,
//! `<repo>.db.sig`): a client reading between those two uploads sees a signature mismatch and
//! retries — apt avoids even that through `InRelease`, which carries its own signature.
//!
//! # What is compared
//!
//! An object is uploaded when it is missing or its ETag is not the MD5 of the local file (S3's
//! ETag of a single-part upload without SSE-KMS is the hex MD5 of the content; every upload here
//! is single-part and sends `Content-MD5`, so the server checks the bytes it stored). Objects
//! whose ETag is not a plain MD5 (multipart uploads, SSE-KMS) are uploaded again.
//!
//! # Configuration
//!
//! The variables the AWS command-line tools and SDKs read: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; `AWS_REGION` (else `AWS_DEFAULT_REGION`, else
//! `us-east-1`); `AWS_ENDPOINT_URL_S3` (else `AWS_ENDPOINT_URL`) for an S3-compatible server,
//! which is then addressed in path style (`ENDPOINT/BUCKET/KEY`, what MinIO, Ceph and Garage
//! expect) unless `SYSPACK_S3_URL_STYLE=virtual-host`. Requests are signed with AWS Signature
//! Version 4 (by the `rusty-s3` crate) and sent with the same HTTP client as `kb update`. No
//! credential, and no signed URL (it carries a signature valid for an hour), is ever printed:
//! errors name the operation as `PUT s3://BUCKET/KEY`.
//!
//! # Untrusted listings
//!
//! [`pull`] trusts nothing the bucket says: every key must be a plain relative path under the
//! prefix (no `..`, no absolute or empty components, no control characters, no temporary-file
//! names), listings and error bodies are read up to a cap, every object is streamed to a
//! temporary file, checked against its listed size and MD5 ETag, and renamed into place.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use md5::{Digest, Md5};
use rusty_s3::actions::{ListObjectsV2, S3Action};
use rusty_s3::{Bucket, Credentials, UrlStyle};

use crate::error::{Error, Result};
use crate::release;
use crate::store::{self, TMP_PREFIX};

/// How long a signed request stays valid; each request is signed just before it is sent.
const SIGNED_FOR: Duration = Duration::from_secs(3600);
/// The largest listing page read (S3 returns at most 1,000 keys, well under 1 MiB).
const MAX_LISTING: u64 = 16 << 20;
/// The largest error body read (S3's are a few hundred bytes of XML).
const MAX_ERROR_BODY: u64 = 64 << 10;
/// The most listing pages followed (1,000 keys each).
const MAX_PAGES: usize = 100_000;

/// `s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without leading or trailing `/` (empty: the bucket's root).
    pub prefix: String,
}

impl Location {
    /// Parses `s3://BUCKET[/PREFIX]`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid(
                s,
                format!(
                    "{why}: write s3://BUCKET or s3://BUCKET/PREFIX (bucket names are lowercase \
                     letters, digits, `.` and `-`)"
                ),
            )
        };
        let rest = s
            .strip_prefix("s3://")
            .ok_or_else(|| bad("not an s3:// location"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket naming rules: 3-63 characters, lowercase letters, digits, `.`, `-`.
        if !(3..=63).contains(&bucket.len())
            || !bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            return Err(bad("not a valid bucket name"));
        }
        let prefix = prefix.trim_matches('/');
        if !prefix.is_empty() && relative_key(prefix).is_none() {
            return Err(bad(
                "the prefix must be a plain path (no `..`, `//` or control characters)",
            ));
        }
        Ok(Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The object key of `rel`, a path inside the repository.
    fn key(&self, rel: &str) -> String {
        if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        }
    }

    /// How errors name an object: `s3://BUCKET/KEY` (never a signed URL).
    fn display(&self, rel: &str) -> String {
        syspack_distro::text::escape_line(&format!("s3://{}/{}", self.bucket, self.key(rel)))
            .into_owned()
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// One page of a listing: the objects by path relative to the prefix, and the continuation
/// token when there is more.
#[derive(Debug, Default)]
pub struct Page {
    /// The objects, by path relative to the listed prefix.
    pub objects: BTreeMap<String, Object>,
    /// The token of the next page.
    pub next: Option<String>,
}

/// Parses a `ListObjectsV2` response listed under `list_prefix` (empty, or ending in `/`). A
/// key outside the prefix or not a plain relative path is refused, named escaped: the server's
/// bytes are untrusted (fuzz target `s3-listing`).
pub fn parse_listing(body: &str, list_prefix: &str) -> std::result::Result<Page, String> {
    let page = ListObjectsV2::parse_response(body).map_err(|e| {
        format!(
            "not an S3 listing: {}",
            syspack_distro::text::escape_line(&syspack_distro::text::bounded(&e.to_string(), 200))
        )
    })?;
    let mut objects = BTreeMap::new();
    for c in page.contents {
        let Some(rel) = c.key.strip_prefix(list_prefix) else {
            return Err("the server listed a key outside the prefix".into());
        };
        let Some(rel) = relative_key(rel) else {
            return Err(format!(
                "refusing the key `{}`: not a plain relative path (`..`, an absolute or empty \
                 component, a control character or a temporary name); remove it from the bucket",
                syspack_distro::text::escape_line(&syspack_distro::text::bounded(&c.key, 200))
            ));
        };
        objects.insert(
            rel.to_string(),
            Object {
                size: c.size,
                etag: c.etag.trim_matches('"').to_string(),
            },
        );
    }
    Ok(Page {
        objects,
        next: page.next_continuation_token.filter(|t| !t.is_empty()),
    })
}

/// `rel` when it is a plain relative path: `/`-separated, no empty, `.` or `..` component, no
/// backslash or control character, no temporary-file name.
fn relative_key(rel: &str) -> Option<&str> {
    let plain = !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.starts_with(TMP_PREFIX))
        && !rel.chars().any(|c| c.is_control() || c == '\\');
    plain.then_some(rel)
}

/// An object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The size in bytes.
    pub size: u64,
    /// The ETag without quotes.
    pub etag: String,
}

/// A bucket location with the credentials and endpoint to reach it.
pub struct Remote {
    location: Location,
    bucket: Bucket,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("Remote")
            .field("location", &self.location)
            .field("endpoint", &self.bucket.base_url().as_str())
            .finish_non_exhaustive()
    }
}

impl Remote {
    /// The remote for `location`, configured from the environment (see the module docs).
    /// Without credentials requests are anonymous (enough to pull a public repository).
    pub fn from_env(location: &Location) -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_string());
        let custom = var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL"));
        let endpoint = custom
            .clone()
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let style = match var("SYSPACK_S3_URL_STYLE").as_deref() {
            Some("path") => UrlStyle::Path,
            Some("virtual-host") => UrlStyle::VirtualHost,
            Some(other) => {
                return Err(Error::invalid(
                    "SYSPACK_S3_URL_STYLE",
                    format!(
                        "`{}` is neither `path` nor `virtual-host`",
                        syspack_distro::text::escape_line(other)
                    ),
                ))
            }
            None if custom.is_some() => UrlStyle::Path,
            None => UrlStyle::VirtualHost,
        };
        let url = endpoint.parse().map_err(|e| {
            Error::invalid(
                "AWS_ENDPOINT_URL",
                format!(
                    "`{}` is not a URL ({e}): write e.g. http://127.0.0.1:9000",
                    syspack_distro::text::escape_line(&endpoint)
                ),
            )
        })?;
        let bucket = Bucket::new(url, style, location.bucket.clone(), region).map_err(|e| {
            Error::invalid(
                "AWS_ENDPOINT_URL",
                format!("cannot address bucket `{}` there: {e}", location.bucket),
            )
        })?;
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(300))
            .timeout_write(Duration::from_secs(300))
            .build();
        Ok(Remote {
            location: location.clone(),
            bucket,
            credentials: Credentials::from_env(),
            agent,
        })
    }

    /// Whether requests are signed.
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// Every object under the prefix, by its path relative to the prefix. Keys that are not
    /// plain relative paths are refused (a tree a client reads never has them).
    pub fn list(&self) -> Result<BTreeMap<String, Object>> {
        let mut out = BTreeMap::new();
        let mut token: Option<String> = None;
        let list_prefix = if self.location.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.location.prefix)
        };
        for _ in 0..MAX_PAGES {
            let mut action = ListObjectsV2::new(&self.bucket, self.credentials.as_ref());
            if !list_prefix.is_empty() {
                action.with_prefix(list_prefix.as_str());
            }
            if let Some(t) = &token {
                action.with_continuation_token(t.as_str());
            }
            let what = format!("LIST {}", self.location);
            let response = self.send(&what, self.agent.get(action.sign(SIGNED_FOR).as_str()))?;
            let mut body = String::new();
            response
                .into_reader()
                .take(MAX_LISTING + 1)
                .read_to_string(&mut body)
                .map_err(|e| remote(&what, format!("reading the listing: {e}")))?;
            if body.len() as u64 > MAX_LISTING {
                return Err(remote(
                    &what,
                    format!("a listing page over {MAX_LISTING} bytes"),
                ));
            }
            let page =
                parse_listing(&body, &list_prefix).map_err(|reason| remote(&what, reason))?;
            out.extend(page.objects);
            match page.next {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
        Err(remote(
            &format!("LIST {}", self.location),
            format!("more than {MAX_PAGES} listing pages"),
        ))
    }

    /// Uploads `bytes` as `rel`, with `Content-MD5` so the server checks what it stored.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        use base64::Engine;
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(bytes));
        let key = self.location.key(rel);
        let mut action = self.bucket.put_object(self.credentials.as_ref(), &key);
        action.headers_mut().insert("content-md5", md5.clone());
        let what = format!("PUT {}", self.location.display(rel));
        self.send_bytes(
            &what,
            self.agent
                .put(action.sign(SIGNED_FOR).as_str())
                .set("Content-MD5", &md5),
            bytes,
        )?;
        Ok(())
    }

    /// Deletes `rel`.
    pub fn delete(&self, rel: &str) -> Result<()> {
        let key = self.location.key(rel);
        let action = self.bucket.delete_object(self.credentials.as_ref(), &key);
        let what = format!("DELETE {}", self.location.display(rel));
        self.send(&what, self.agent.delete(action.sign(SIGNED_FOR).as_str()))?;
        Ok(())
    }

    /// Streams `rel` into `path` (atomically), checking the listed size and MD5 ETag.
    fn get_into(&self, rel: &str, listed: &Object, path: &Path) -> Result<()> {
        let key = self.location.key(rel);
        let action = self.bucket.get_object(self.credentials.as_ref(), &key);
        let what = format!("GET {}", self.location.display(rel));
        let response = self.send(&what, self.agent.get(action.sign(SIGNED_FOR).as_str()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating", e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, "creating a temporary file in", e))?;
        let mut hasher = Md5::new();
        let mut reader = response.into_reader().take(listed.size + 1);
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| remote(&what, format!("reading: {e}")))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > listed.size {
                return Err(remote(
                    &what,
                    format!("more than the {} bytes the listing says", listed.size),
                ));
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(|e| Error::io(tmp.path(), "writing", e))?;
        }
        if total != listed.size {
            return Err(remote(
                &what,
                format!("{total} bytes, the listing says {}", listed.size),
            ));
        }
        let md5 = hex::encode(hasher.finalize());
        if is_md5(&listed.etag) && md5 != listed.etag {
            return Err(remote(
                &what,
                format!(
                    "MD5 {md5} is not the ETag {}: the download is corrupt",
                    listed.etag
                ),
            ));
        }
        store::sync_file(tmp.as_file()).map_err(|e| Error::io(tmp.path(), "writing", e))?;
        tmp.persist(path)
            .map_err(|e| Error::io(path, "renaming into place", e.error))?;
        Ok(())
    }

    fn send(&self, what: &str, request: ureq::Request) -> Result<ureq::Response> {
        check(what, request.call())
    }

    fn send_bytes(
        &self,
        what: &str,
        request: ureq::Request,
        bytes: &[u8],
    ) -> Result<ureq::Response> {
        check(what, request.send_bytes(bytes))
    }
}

/// The response, or an error naming the operation, the HTTP status and S3's `Code` and
/// `Message` (never the signed URL, which ureq's own error would print).
fn check(
    what: &str,
    r: std::result::Result<ureq::Response, ureq::Error>,
) -> Result<ureq::Response> {
    match r {
        Ok(r) => Ok(r),
        Err(ureq::Error::Status(status, response)) => {
            let mut body = String::new();
            let _ = response
                .into_reader()
                .take(MAX_ERROR_BODY)
                .read_to_string(&mut body);
            let field = |tag: &str| {
                let open = format!("<{tag}>");
                let start = body.find(&open)? + open.len();
                let end = body[start..].find('<')? + start;
                Some(syspack_distro::text::escape_line(&body[start..end]).into_owned())
            };
            let detail = match (field("Code"), field("Message")) {
                (Some(c), Some(m)) => format!(": {c}: {m}"),
                (Some(c), None) => format!(": {c}"),
                _ => String::new(),
            };
            let hint = match status {
                403 => "; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the bucket policy",
                404 => "; check the bucket name and AWS_ENDPOINT_URL/AWS_REGION",
                _ => "",
            };
            Err(remote(what, format!("HTTP {status}{detail}{hint}")))
        }
        Err(ureq::Error::Transport(t)) => {
            // The transport error's own text may hold the URL; keep its kind and message only.
            let message = t.message().map(|m| format!(": {m}")).unwrap_or_default();
            Err(remote(
                what,
                format!(
                    "{}{message}; check AWS_ENDPOINT_URL and the network",
                    t.kind()
                ),
            ))
        }
    }
}

fn remote(what: &str, reason: impl Into<String>) -> Error {
    Error::Remote {
        what: what.to_string(),
        reason: reason.into(),
    }
}

fn is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// When a file is uploaded: 0 for what is only reached through a signed index, 1 for the
/// signatures beside an entry file, 2 for the entry files clients read first, 3 for the
/// release log (not read by clients; written after what it describes).
pub fn rank(rel: &str) -> u8 {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let pacman_db = |n: &str| {
        [".db", ".files"].iter().any(|ext| {
            n.ends_with(ext)
                || n.split_once(&format!("{ext}.tar."))
                    .is_some_and(|(_, compression)| !compression.contains('.'))
        })
    };
    if [release::LOG, release::LOG_SIG, release::LOG_SIG_NEXT].contains(&rel) {
        return 3;
    }
    match name {
        "InRelease" | "repomd.xml" | "meta.conf" | "meta" => 2,
        "Release" | "Release.gpg" | "repomd.xml.asc" => 1,
        // FreeBSD's signed catalogue and data, named by meta.conf.
        "packagesite.pkg" | "packagesite.tzst" | "packagesite.txz" | "data.pkg" | "data.tzst"
        | "data.txz" => 1,
        n if n.ends_with(".sig") && pacman_db(n.trim_end_matches(".sig")) => 1,
        n if pacman_db(n) => 2,
        _ => 0,
    }
}

/// A local repository file: its path relative to the tree and the file to read (a symlink
/// inside the tree, like pacman's `<repo>.db`, is uploaded as the file it names).
#[derive(Debug)]
struct LocalFile {
    rel: String,
    path: PathBuf,
}

/// Every file of the tree under `dir`, temporary files left by a killed writer excepted.
fn local_files(dir: &Path) -> Result<Vec<LocalFile>> {
    let root = fs::canonicalize(dir).map_err(|e| Error::io(dir, "reading", e))?;
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| Error::io(&d, "reading", e))? {
            let entry = entry.map_err(|e| Error::io(&d, "reading", e))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TMP_PREFIX) || (d == root && name == store::LOCK_FILE) {
                continue;
            }
            let ty = entry
                .file_type()
                .map_err(|e| Error::io(&path, "reading", e))?;
            if ty.is_dir() {
                stack.push(path);
                continue;
            }
            let target = if ty.is_symlink() {
                let t = fs::canonicalize(&path).map_err(|e| Error::io(&path, "following", e))?;
                if !t.starts_with(&root) || !t.is_file() {
                    return Err(Error::invalid(
                        &path,
                        "is a symbolic link to something that is not a file of the repository; \
                         a repository tree holds files and links between its own files only",
                    ));
                }
                t
            } else if ty.is_file() {
                path.clone()
            } else {
                return Err(Error::invalid(&path, "is not a regular file"));
            };
            let rel = path
                .strip_prefix(&root)
                .expect("walked under the root")
                .to_str()
                .and_then(relative_key)
                .ok_or_else(|| {
                    Error::invalid(&path, "has a name that cannot be an object key (not UTF-8)")
                })?
                .to_string();
            out.push(LocalFile { rel, path: target });
        }
    }
    out.sort_by(|a, b| (rank(&a.rel), &a.rel).cmp(&(rank(&b.rel), &b.rel)));
    Ok(out)
}

/// What [`push`] or [`pull`] did (or, with `dry_run`, would do), in the order done.
#[derive(Debug, Default)]
pub struct Report {
    /// Files uploaded or downloaded, in order.
    pub copied: Vec<String>,
    /// Files deleted, in order.
    pub deleted: Vec<String>,
    /// Files already the same on both sides.
    pub unchanged: usize,
}

/// Mirrors the repository tree under `dir` to `remote`: uploads what is missing or different
/// (entry files last, see the module docs) and, with `delete`, then deletes objects the tree no
/// longer has. `dry_run` only reports.
pub fn push(dir: &Path, remote: &Remote, delete: bool, dry_run: bool) -> Result<Report> {
    let files = local_files(dir)?;
    if delete && !files.iter().any(|f| rank(&f.rel) == 2) {
        return Err(Error::invalid(
            dir,
            "holds no repository index (InRelease, repomd.xml, a pacman database, meta.conf): \
             refusing to push with --delete, which would empty the bucket's copy",
        ));
    }
    if !dry_run && !remote.has_credentials() {
        return Err(Error::invalid(
            "AWS_ACCESS_KEY_ID",
            "is not set: uploading needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ));
    }
    let listed = remote.list()?;
    let mut report = Report::default();
    let mut local = std::collections::BTreeSet::new();
    for f in &files {
        local.insert(f.rel.as_str());
        let bytes = fs::read(&f.path).map_err(|e| Error::io(&f.path, "reading", e))?;
        let same = listed.get(&f.rel).is_some_and(|o| {
            o.size == bytes.len() as u64 && o.etag == hex::encode(Md5::digest(&bytes))
        });
        if same {
            report.unchanged += 1;
            continue;
        }
        if !dry_run {
            remote.put(&f.rel, &bytes)?;
        }
        report.copied.push(f.rel.clone());
    }
    if delete {
        for rel in listed.keys().filter(|k| !local.contains(k.as_str())) {
            if !dry_run {
                remote.delete(rel)?;
            }
            report.deleted.push(rel.clone());
        }
    }
    Ok(report)
}

/// Mirrors `remote` into `dir`: downloads what is missing or different (each file streamed,
/// checked and renamed into place) and, with `delete`, removes local files the bucket does not
/// hold. Entry files come last, as in [`push`], so an interrupted pull never leaves an index
/// naming files that are not there yet.
pub fn pull(remote: &Remote, dir: &Path, delete: bool, dry_run: bool) -> Result<Report> {
    let listed = remote.list()?;
    // A location nothing was pushed to yet pulls nothing and creates nothing.
    let existing: BTreeMap<String, PathBuf> = if dir.exists() {
        local_files(dir)?
            .into_iter()
            .map(|f| (f.rel, f.path))
            .collect()
    } else {
        BTreeMap::new()
    };
    let mut order: Vec<(&String, &Object)> = listed.iter().collect();
    order.sort_by(|a, b| (rank(a.0), a.0).cmp(&(rank(b.0), b.0)));
    let mut report = Report::default();
    for (rel, object) in order {
        let same = existing.get(rel).is_some_and(|p| {
            fs::read(p).is_ok_and(|b| {
                b.len() as u64 == object.size && hex::encode(Md5::digest(&b)) == object.etag
            })
        });
        if same {
            report.unchanged += 1;
            continue;
        }
        if !dry_run {
            let path = dir.join(rel);
            // A file where the key needs a directory, or the reverse, is the tree's own mistake.
            if path.is_dir() {
                return Err(Error::invalid(
                    &path,
                    "is a directory where the bucket has a file",
                ));
            }
            if let Ok(meta) = fs::symlink_metadata(&path) {
                if meta.file_type().is_symlink() {
                    fs::remove_file(&path).map_err(|e| Error::io(&path, "removing", e))?;
                }
            }
            remote.get_into(rel, object, &path)?;
        }
        report.copied.push(rel.clone());
    }
    if delete {
        for rel in existing.keys().filter(|k| !listed.contains_key(*k)) {
            if !dry_run {
                let path = dir.join(rel);
                fs::remove_file(&path).map_err(|e| Error::io(&path, "removing", e))?;
            }
            report.deleted.push(rel.clone());
        }
    }
    if !dry_run && dir.exists() {
        store::sync_dir(dir)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_refuse() {
        let l = Location::parse("s3://my-bucket/apt/stable/").unwrap();
        assert_eq!(l.bucket, "my-bucket");
        assert_eq!(l.prefix, "apt/stable");
        assert_eq!(l.key("dists/x/InRelease"), "apt/stable/dists/x/InRelease");
        assert_eq!(Location::parse("s3://abc").unwrap().prefix, "");
        for bad in [
            "s3://",
            "s3://ab",
            "s3://Upper",
            "s3://b_x/y",
            "https://bucket/x",
            "s3://bucket/a/../b",
            "s3://bucket/a//b",
            "s3://bucket/a\u{1b}]0;x",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_that_escape_are_refused() {
        for bad in [
            "../x",
            "a/../b",
            "/abs",
            "a//b",
            "a/./b",
            "a\\b",
            "a/.tmp-1-x",
            "a\nb",
            "",
        ] {
            assert!(relative_key(bad).is_none(), "{bad:?}");
        }
        assert_eq!(
            relative_key("pool/main/h/hello.deb"),
            Some("pool/main/h/hello.deb")
        );
    }

    #[test]
    fn listings_parse_and_hostile_keys_are_refused() {
        let page = |keys: &[&str], token: Option<&str>| {
            let contents: String = keys
                .iter()
                .map(|k| {
                    format!(
                        "<Contents><Key>{k}</Key><LastModified>2026-12-05T00:00:00.000Z</LastModified>\
                         <ETag>&quot;764efa883dda1e11db47671c4a3bbd9e&quot;</ETag><Size>3</Size></Contents>"
                    )
                })
                .collect();
            let next = token
                .map(|t| format!("<NextContinuationToken>{t}</NextContinuationToken>"))
                .unwrap_or_default();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                 <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <IsTruncated>{}</IsTruncated>{contents}{next}<Name>b</Name><Prefix>repo/</Prefix>\
                 <MaxKeys>1000</MaxKeys><KeyCount>1</KeyCount></ListBucketResult>",
                token.is_some()
            )
        };
        let p = parse_listing(&page(&["repo/dists/x/InRelease"], Some("t1")), "repo/").unwrap();
        assert_eq!(p.next.as_deref(), Some("t1"));
        assert_eq!(
            p.objects["dists/x/InRelease"],
            Object {
                size: 3,
                etag: "764efa883dda1e11db47671c4a3bbd9e".into()
            }
        );
        for bad in [
            "other/x",
            "repo/../x",
            "repo/a//b",
            "repo/.tmp-1-x",
            "repo/&#27;]0;x",
        ] {
            let err = parse_listing(&page(&[bad], None), "repo/").unwrap_err();
            assert!(!err.contains('\u{1b}'), "{err}");
        }
        assert!(parse_listing("<html>", "").is_err());
    }

    #[test]
    fn entry_files_rank_after_what_they_name() {
        for (rel, r) in [
            ("pool/main/h/hello/hello_1.0.0-1_amd64.deb", 0),
            ("dists/testing/main/binary-amd64/Packages.xz", 0),
            ("dists/testing/main/binary-amd64/by-hash/SHA256/ab", 0),
            ("dists/testing/Release", 1),
            ("dists/testing/Release.gpg", 1),
            ("dists/testing/InRelease", 2),
            ("rpm/testing/repodata/abc-primary.xml.gz", 0),
            ("rpm/testing/repodata/repomd.xml.asc", 1),
            ("rpm/testing/repodata/repomd.xml", 2),
            ("arch/testing/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst", 0),
            (
                "arch/testing/x86_64/hello-1.0.0-1-x86_64.pkg.tar.zst.sig",
                0,
            ),
            ("arch/testing/x86_64/syspack.db.tar.zst.sig", 1),
            ("arch/testing/x86_64/syspack.db.sig", 1),
            ("arch/testing/x86_64/syspack.db.tar.zst", 2),
            ("arch/testing/x86_64/syspack.files", 2),
            ("arch/testing/x86_64/syspack.db", 2),
            ("freebsd/testing/FreeBSD:14:amd64/All/hello-1.0.0.pkg", 0),
            ("freebsd/testing/FreeBSD:14:amd64/packagesite.pkg", 1),
            ("freebsd/testing/FreeBSD:14:amd64/meta.conf", 2),
            ("log/release.jsonl", 3),
            ("log/release.jsonl.asc", 3),
        ] {
            assert_eq!(rank(rel), r, "{rel}");
        }
    }
}
