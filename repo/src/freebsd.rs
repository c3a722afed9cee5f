//! FreeBSD pkg repositories, laid out as `pkg repo` writes them (FreeBSD pkg's
//! `libpkg/pkg_repo_create.c`, `libpkg/pkg_repo_meta.c`, `docs/pkg-repo.8`,
//! `docs/pkg-repository.5`), one per channel and ABI:
//!
//! ```text
//! freebsd/public.pem                                  the RSA public key (client's `pubkey`)
//! freebsd/<channel>/<ABI>/All/<name>-<version>.pkg    the packages (flat layout, not `Hashed/`)
//! freebsd/<channel>/<ABI>/packagesite.pkg             signature + packagesite.yaml
//! freebsd/<channel>/<ABI>/data.pkg                    signature + data
//! freebsd/<channel>/<ABI>/meta.conf, meta             the repository's meta (unsigned, as pkg)
//! .syspack/freebsd/<channel>/<ABI>/<name>-<version>   per-package entries
//! ```
//!
//! `<ABI>` is the packages' `abi` (`FreeBSD:14:amd64`), so a client's `url:
//! "…/freebsd/stable/${ABI}"` finds its repository.
//!
//! * `packagesite.yaml`: one compact JSON manifest per line (`pkg_create_repo_thread`:
//!   `pkg_emit_object(pkg, PKG_MANIFEST_EMIT_COMPACT)` emitted `UCL_EMIT_JSON_COMPACT`, plus `sum`,
//!   `pkgsize`, `path` and `repopath` = the package's path relative to the repository).
//! * `data`: the same manifests as one JSON object on one line, `{"groups":[],
//!   "expired_packages":[],"packages":[…]}` (`pkg_repo_create`; pkg ≥ 1.20 reads it first and
//!   falls back to `packagesite`, `libpkg/repo/binary/update.c`, which reads it with `getline`).
//! * `sum` is the package file's SHA-256 in hex without a type prefix: pkg validates a sum without
//!   `$` as SHA-256 hex (`pkg_checksum_validate_fileat`, `libpkg/pkg_checksum.c`); recent `pkg repo`
//!   writes BLAKE2 instead, which every client reads too.
//! * Each archive (`packagesite.pkg`, `data.pkg`) is a zstd-compressed tar of `signature` then the
//!   file, each `root:wheel 0644` (`pkg_repo_pack_db`, `pack_sign`, `packing_append_iovec`);
//!   the client takes the member named `signature` when the repository is configured with
//!   `signature_type: "pubkey"` (`pkg_repo_meta_extract_signature_pubkey`, `libpkg/pkg_repo.c`).
//!   The public key is not in the archive: the client's configuration names it.
//! * The signature: RSA PKCS#1 v1.5 with SHA-256 over the 64 ASCII hex digits of the file's
//!   SHA-256, followed by one NUL byte (`ossl_sign`/`ossl_sign_data` with OpenSSL 3 in
//!   `libpkg/pkgsign_ossl.c`; `ossl_verify` drops a trailing NUL, `ossl_verify_cert_cb` checks
//!   SHA-256 over the hex digest). pkg's `rsa` signer has no type prefix (`pack_sign`).
//! * `meta.conf` is `pkg_repo_meta_to_ucl` of the default meta, emitted as UCL config.
//!
//! The key is the repository's OpenPGP key when that is RSA (the default of `syspack key
//! generate`): one key signs every family; `freebsd/public.pem` is its public half as PEM
//! (SubjectPublicKeyInfo, which pkg reads with `PEM_read_bio_PUBKEY`).
//!
//! Order of writes: packages, entries, `public.pem`, `data.pkg`, `packagesite.pkg`, `meta`,
//! `meta.conf`, each by temporary file and rename.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rsa::pkcs8::EncodePublicKey;
use rsa::signature::hazmat::PrehashVerifier;
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use syspack_distro::compress::Compression;
use syspack_distro::freebsd::{self, Manifest};

use crate::error::{Error, Result};
use crate::sign::{Signer, Verifier};
use crate::store;

/// Where the per-package entries live, relative to the repository.
pub const ENTRY_DIR: &str = ".syspack/freebsd";
/// The public key, relative to the repository.
pub const PUBLIC_KEY: &str = "freebsd/public.pem";
/// The most bytes `repo verify` reads from one metadata archive once decompressed.
const MAX_METADATA: u64 = 1 << 30;

/// `meta.conf` as `pkg repo` writes it for the default meta (version 2, zstd): the fields
/// `pkg_repo_meta_to_ucl` exports, in its order.
const META: &str = "version = 2;\npacking_format = \"tzst\";\nmanifests = \"packagesite.yaml\";\n\
data = \"data\";\nfilesite = \"files\";\nmanifests_archive = \"packagesite\";\n\
filesite_archive = \"files\";\n";

/// The settings of one publication.
#[derive(Clone, Debug)]
pub struct Options {
    /// The channel (`testing`, `stable`).
    pub channel: String,
    /// The time written into the archives; `None` takes the newest file time in the packages.
    pub date: Option<u64>,
}

/// The directory of one channel and ABI.
pub fn abi_dir(dir: &Path, channel: &str, abi: &str) -> PathBuf {
    dir.join("freebsd").join(channel).join(abi)
}

fn safe(what: &str, value: &str) -> Result<()> {
    crate::store::check_name(what, value, ".+-_@:,")
}

/// A path inside the repository, as `repopath` names it: relative, no `..`, no empty or hidden
/// components (a client joins it to its URL and its cache directory).
fn check_repopath(path: &Path, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && !value.starts_with('/')
        && !value.contains('\\')
        && value
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.starts_with('.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            path,
            format!(
                "repopath `{}` leaves the repository or is not a plain relative path",
                value.escape_debug()
            ),
        ))
    }
}

/// pkg's RSA signature of `data`: PKCS#1 v1.5, SHA-256 over the hex SHA-256 of `data`, then NUL.
fn sign(key: &rsa::RsaPrivateKey, data: &[u8]) -> Result<Vec<u8>> {
    let hex = hex::encode(Sha256::digest(data));
    let hash = Sha256::digest(hex.as_bytes());
    let mut sig = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &hash)
        .map_err(|e| Error::Key(format!("RSA signing failed: {e}")))?;
    sig.push(0);
    Ok(sig)
}

fn verify_signature(
    key: &rsa::RsaPublicKey,
    data: &[u8],
    sig: &[u8],
    path: &Path,
    who: &str,
) -> Result<()> {
    verify_digest(
        key,
        &hex::encode(Sha256::digest(data)),
        without_nul(sig),
        path,
        who,
    )
}

/// Checks pkg's `pubkey` signature of a catalogue whose sha256 is `digest_hex` (64 hex digits),
/// with the PEM public key (SubjectPublicKeyInfo, or PKCS#1 `RSA PUBLIC KEY`) a client's
/// `pubkey` names; `path` names the archive in errors. This is the check `pkg update` makes of a
/// repository configured with `signature_type: "pubkey"`.
///
/// # Errors
///
/// [`Error::Key`] for a key that is not an RSA public key in PEM; [`Error::BadSignature`] when
/// the signature does not verify.
pub fn verify_pubkey_signature(pem: &str, digest_hex: &str, sig: &[u8], path: &Path) -> Result<()> {
    verify_digest(
        &public_key_from_pem(pem)?,
        digest_hex,
        without_nul(sig),
        path,
        "given",
    )
}

/// A `pubkey` repository's signature as `ossl_verify` checks it: pkg writes a trailing NUL after
/// it, which is dropped (a `fingerprints` repository's `.sig` is checked as it is,
/// `ossl_verify_cert`).
fn without_nul(sig: &[u8]) -> &[u8] {
    sig.strip_suffix(&[0]).unwrap_or(sig)
}

/// pkg's RSA check: PKCS#1 v1.5 over SHA-256 of the hex digest.
fn verify_digest(
    key: &rsa::RsaPublicKey,
    hex: &str,
    sig: &[u8],
    path: &Path,
    who: &str,
) -> Result<()> {
    let hash = Sha256::digest(hex.as_bytes());
    let verifying = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone());
    let bad = |reason: String| Error::BadSignature {
        path: path.to_path_buf(),
        reason,
    };
    let sig = rsa::pkcs1v15::Signature::try_from(sig)
        .map_err(|e| bad(format!("unreadable signature: {e}")))?;
    verifying.verify_prehash(&hash, &sig).map_err(|_| {
        bad(format!(
            "the signature does not verify with the RSA key {who}: the file was changed \
                 after signing, or another key signed it"
        ))
    })
}

/// An RSA public key in PEM: SubjectPublicKeyInfo, or PKCS#1 `RSA PUBLIC KEY`.
fn public_key_from_pem(pem: &str) -> Result<rsa::RsaPublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    rsa::RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| Error::Key(format!("not an RSA public key in PEM: {e}")))
}

/// Largest fingerprint file read (FreeBSD's are two lines).
const MAX_FINGERPRINT_FILE: u64 = 64 << 10;

/// Most files read from one of the `trusted`/`revoked` directories.
const MAX_FINGERPRINT_FILES: usize = 1000;

/// The certificates a pkg client trusts for a `signature_type: "fingerprints"` repository: the
/// files of `<fingerprints>/trusted` and `<fingerprints>/revoked` (FreeBSD's own are in
/// `/usr/share/keys/pkg`), each a UCL object `function: "sha256"` and `fingerprint: "<hex>"` —
/// the sha256 of a signer's certificate as the catalogue carries it
/// (`pkg_repo_load_fingerprints`, `pkg_repo_parse_fingerprint`, `libpkg/pkg_repo.c`). A file
/// without both keys is skipped, as pkg skips it; only `sha256` is a function pkg knows.
#[derive(Clone, Debug, Default)]
pub struct Fingerprints {
    /// Trusted sha256 (lowercase hex) → the file that names it.
    trusted: std::collections::BTreeMap<String, PathBuf>,
    /// Revoked sha256 → the file that names it.
    revoked: std::collections::BTreeMap<String, PathBuf>,
}

impl Fingerprints {
    /// Reads `dir/trusted` (which must name at least one fingerprint) and `dir/revoked` (which
    /// may be absent).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] for a directory or file that cannot be read; [`Error::Key`] when
    /// `dir/trusted` names no fingerprint or a file is larger than 64 KiB.
    pub fn load(dir: &Path) -> Result<Self> {
        let trusted = Self::read_dir(&dir.join("trusted"))?;
        if trusted.is_empty() {
            return Err(Error::Key(format!(
                "`{}` names no trusted fingerprint (files of `function: \"sha256\"` and                  `fingerprint: \"<hex>\"`, as pkg reads them)",
                dir.join("trusted").display()
            )));
        }
        let revoked_dir = dir.join("revoked");
        let revoked = if revoked_dir.exists() {
            Self::read_dir(&revoked_dir)?
        } else {
            Default::default()
        };
        Ok(Fingerprints { trusted, revoked })
    }

    fn read_dir(dir: &Path) -> Result<std::collections::BTreeMap<String, PathBuf>> {
        let io = |path: &Path, action, source| Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(dir, "reading the directory", e))? {
            let entry = entry.map_err(|e| io(dir, "reading the directory", e))?;
            names.push(entry.path());
            if names.len() > MAX_FINGERPRINT_FILES {
                return Err(Error::Key(format!(
                    "`{}` holds more than {MAX_FINGERPRINT_FILES} files: not a fingerprints directory",
                    dir.display()
                )));
            }
        }
        names.sort();
        let mut out = std::collections::BTreeMap::new();
        for path in names {
            if !path.is_file() {
                continue;
            }
            let mut text = String::new();
            std::fs::File::open(&path)
                .and_then(|f| f.take(MAX_FINGERPRINT_FILE + 1).read_to_string(&mut text))
                .map_err(|e| io(&path, "reading", e))?;
            if text.len() as u64 > MAX_FINGERPRINT_FILE {
                return Err(Error::Key(format!(
                    "`{}` is larger than {MAX_FINGERPRINT_FILE} bytes: not a fingerprint file",
                    path.display()
                )));
            }
            if let Some(fp) = parse_fingerprint(&text) {
                out.entry(fp).or_insert(path);
            }
        }
        Ok(out)
    }
}

/// The sha256 fingerprint a pkg fingerprint file names (lowercase hex), when it has
/// `function: "sha256"` and a `fingerprint` of 64 hex digits. The file is UCL; the subset read is
/// one `key: "value"` (or `key = "value"`, `;`/`,` after it allowed) per line, keys compared
/// without case as pkg does, `#` comments. A hand-written reader of these two keys rather than a
/// UCL library: no maintained Rust UCL crate exists, and nothing else of UCL is read.
fn parse_fingerprint(text: &str) -> Option<String> {
    let (mut function, mut fingerprint) = (None, None);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(at) = line.find([':', '=']) else {
            continue;
        };
        let key = line[..at].trim().trim_matches('"');
        let value = line[at + 1..]
            .trim()
            .trim_end_matches([';', ','])
            .trim()
            .trim_matches('"');
        if key.eq_ignore_ascii_case("function") {
            function = Some(value.to_ascii_lowercase());
        } else if key.eq_ignore_ascii_case("fingerprint") {
            fingerprint = Some(value.to_ascii_lowercase());
        }
    }
    let fp = fingerprint?;
    (function.as_deref() == Some("sha256")
        && fp.len() == 64
        && fp.bytes().all(|b| b.is_ascii_hexdigit()))
    .then_some(fp)
}

/// Checks a `fingerprints` repository's catalogue as `pkg update` does
/// (`pkg_repo_check_fingerprint` and the verification after it, `libpkg/pkg_repo.c`): every
/// signer has both its `.sig` and `.pub`; no certificate is revoked; at least one is trusted; and
/// a trusted one's signature verifies over `digest_hex`, the catalogue member's sha256. Returns
/// the trusted signer's name, its certificate's fingerprint and the file that trusts it.
///
/// # Errors
///
/// [`Error::BadSignature`] naming `path` for each way the check fails, saying which.
pub fn verify_fingerprint_signatures(
    fingerprints: &Fingerprints,
    signers: &[syspack_distro::kb::packagesite::CertSignature],
    digest_hex: &str,
    path: &Path,
) -> Result<(String, String, PathBuf)> {
    let bad = |reason: String| Error::BadSignature {
        path: path.to_path_buf(),
        reason,
    };
    if signers.is_empty() {
        return Err(bad(
            "no `.sig`/`.pub` members: the catalogue is not signed for a `fingerprints` \
             repository"
                .to_string(),
        ));
    }
    let mut checked = Vec::new();
    for s in signers {
        let name = syspack_distro::text::quote(&s.name);
        let (Some(sig), Some(cert)) = (&s.signature, &s.certificate) else {
            let (has, lacks) = if s.signature.is_some() {
                ("sig", "pub")
            } else {
                ("pub", "sig")
            };
            return Err(bad(format!(
                "`{name}.{has}` has no `{name}.{lacks}` beside it (a certificate carried only in \
                 the repository's meta is not read)"
            )));
        };
        let fp = hex::encode(Sha256::digest(cert));
        if let Some(file) = fingerprints.revoked.get(&fp) {
            return Err(bad(format!(
                "the certificate `{name}.pub` (sha256 {fp}) is revoked by `{}`",
                file.display()
            )));
        }
        checked.push((s, name, sig, cert, fp));
    }
    if !checked
        .iter()
        .any(|(.., fp)| fingerprints.trusted.contains_key(fp))
    {
        let list: Vec<String> = checked
            .iter()
            .map(|(_, name, .., fp)| format!("`{name}.pub` sha256 {fp}"))
            .collect();
        return Err(bad(format!(
            "no certificate is trusted: {}, which no trusted fingerprint names",
            list.join(", ")
        )));
    }
    let mut tried = Vec::new();
    for (s, name, sig, cert, fp) in checked {
        let Some(file) = fingerprints.trusted.get(&fp) else {
            continue;
        };
        if s.kind != "rsa" {
            tried.push(format!(
                "`{name}.sig` is a `{}` signature, which syspack does not check (only `rsa`)",
                syspack_distro::text::quote(&s.kind)
            ));
            continue;
        }
        let verified = std::str::from_utf8(cert)
            .map_err(|_| Error::Key("not an RSA public key in PEM".to_string()))
            .and_then(public_key_from_pem)
            .and_then(|key| {
                verify_digest(&key, digest_hex, sig, path, &format!("of `{name}.pub`"))
            });
        match verified {
            Ok(()) => return Ok((s.name.clone(), fp, file.clone())),
            Err(e) => tried.push(format!("`{name}`: {e}")),
        }
    }
    Err(bad(format!(
        "no trusted certificate signed the catalogue: {}",
        tried.join("; ")
    )))
}

/// The public key as PEM (SubjectPublicKeyInfo), the file a client's `pubkey` names.
pub fn public_pem(key: &rsa::RsaPublicKey) -> Result<String> {
    key.to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .map_err(|e| Error::Key(format!("encoding the RSA public key failed: {e}")))
}

/// Adds FreeBSD packages and republishes the repositories of their ABIs in the channel.
pub fn add(
    dir: &Path,
    packages: &[PathBuf],
    opts: &Options,
    signer: &Signer,
) -> Result<Vec<PathBuf>> {
    safe("channel", &opts.channel)?;
    // The key is checked before anything is written.
    let key = signer.rsa_key()?;
    let mut added = Vec::new();
    let mut abis = std::collections::BTreeSet::new();
    for path in packages {
        let (p, abi) = add_one(dir, path, opts)?;
        added.push(p);
        abis.insert(abi);
    }
    store::write_once(
        &dir.join(PUBLIC_KEY),
        public_pem(&key.to_public_key())?.as_bytes(),
    )?;
    for abi in abis {
        publish(dir, &abi, opts, &key)?;
    }
    Ok(added)
}

fn add_one(dir: &Path, path: &Path, opts: &Options) -> Result<(PathBuf, String)> {
    let reader = freebsd::Reader::open(path)?;
    let m = reader.metadata();
    safe("package name", &m.name)?;
    safe("version", &m.version)?;
    let abi = m
        .abi
        .clone()
        .ok_or_else(|| Error::invalid(path, "the manifest has no `abi`"))?;
    freebsd::parse_abi(&abi).map_err(|e| Error::invalid(path, e))?;
    safe("ABI (publish `*` packages per architecture)", &abi)?;
    let file_name = format!("{}-{}.pkg", m.name, m.version);
    let repopath = format!("All/{file_name}");
    let adir = abi_dir(dir, &opts.channel, &abi);
    let bytes = fs::read(path).map_err(|e| Error::io(path, "reading", e))?;
    let target = adir.join(&repopath);
    store::put_package(path, &target, &bytes, |_| false)?;
    let mut entry = m.compact();
    entry.sum = Some(hex::encode(Sha256::digest(&bytes)));
    entry.pkgsize = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    entry.path = Some(repopath.clone());
    entry.repopath = Some(repopath);
    let time = reader.entries().iter().map(|e| e.mtime).max().unwrap_or(0);
    let text = format!("{time}\n{entry}\n");
    let edir = dir.join(ENTRY_DIR).join(&opts.channel).join(&abi);
    store::write_atomic(
        &edir.join(format!("{}-{}", m.name, m.version)),
        text.as_bytes(),
    )?;
    Ok((target, abi))
}

/// A tar of `signature` then `name`, root:wheel 0644, compressed with zstd.
fn archive(name: &str, data: &[u8], signature: &[u8], mtime: u64) -> Result<Vec<u8>> {
    let io = |e| Error::io("(memory)", "writing an archive", e);
    let mut b = tar::Builder::new(Vec::new());
    for (member, bytes) in [("signature", signature), (name, data)] {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("root").map_err(io)?;
        h.set_groupname("wheel").map_err(io)?;
        h.set_size(bytes.len() as u64);
        h.set_path(member).map_err(io)?;
        h.set_cksum();
        b.append(&h, bytes).map_err(io)?;
    }
    let tar = b.into_inner().map_err(io)?;
    crate::apt::compress(&tar, Compression::DEFAULT_ZSTD)
}

/// The per-package entries of one channel and ABI, sorted: `(entry name, newest file time,
/// manifest as the catalogue lists it)`.
fn read_entries(dir: &Path, channel: &str, abi: &str) -> Result<Vec<(String, u64, Manifest)>> {
    let edir = dir.join(ENTRY_DIR).join(channel).join(abi);
    let mut entries = Vec::new();
    for e in crate::store::list_dir(&edir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        let text = fs::read_to_string(&p).map_err(|err| Error::io(&p, "reading", err))?;
        let (time, manifest) = text
            .split_once('\n')
            .ok_or_else(|| Error::invalid(&p, "not a syspack entry: remove it and add again"))?;
        let time: u64 = time
            .parse()
            .map_err(|_| Error::invalid(&p, "not a syspack entry: remove it and add again"))?;
        let manifest: Manifest = manifest.trim_end().parse()?;
        entries.push((name, time, manifest));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The packages the next publication of one channel and ABI lists: `(entry name, manifest)`.
pub fn entries(dir: &Path, channel: &str, abi: &str) -> Result<Vec<(String, Manifest)>> {
    Ok(read_entries(dir, channel, abi)?
        .into_iter()
        .map(|(n, _, m)| (n, m))
        .collect())
}

/// Rewrites one ABI's metadata from the per-package entries.
pub fn publish(dir: &Path, abi: &str, opts: &Options, key: &rsa::RsaPrivateKey) -> Result<()> {
    let entries = read_entries(dir, &opts.channel, abi)?;
    let date = opts
        .date
        .unwrap_or_else(|| entries.iter().map(|e| e.1).max().unwrap_or(0));
    let mut site = String::new();
    let mut packages = Vec::new();
    for (_, _, m) in &entries {
        let line = m.to_string();
        site.push_str(&line);
        site.push('\n');
        packages.push(line);
    }
    let data = format!(
        "{{\"groups\":[],\"expired_packages\":[],\"packages\":[{}]}}",
        packages.join(",")
    );
    let adir = abi_dir(dir, &opts.channel, abi);
    for (archive_name, member, bytes) in [
        ("data.pkg", "data", data.as_bytes()),
        ("packagesite.pkg", "packagesite.yaml", site.as_bytes()),
    ] {
        let sig = sign(key, bytes)?;
        store::write_once(
            &adir.join(archive_name),
            &archive(member, bytes, &sig, date)?,
        )?;
    }
    store::write_once(&adir.join("meta"), META.as_bytes())?;
    store::write_once(&adir.join("meta.conf"), META.as_bytes())?;
    Ok(())
}

/// Reads `member` from a metadata archive and checks its `signature` with `key`.
fn signed_member(path: &Path, member: &str, key: &rsa::RsaPublicKey, who: &str) -> Result<Vec<u8>> {
    let file = fs::File::open(path).map_err(|e| Error::io(path, "reading", e))?;
    let dec =
        syspack_distro::compress::decoder(std::io::BufReader::new(file), Compression::DEFAULT_ZSTD)
            .map_err(|e| Error::invalid(path, format!("cannot decompress: {e}")))?;
    let mut archive = tar::Archive::new(dec.take(MAX_METADATA));
    let (mut sig, mut data) = (None, None);
    for entry in archive
        .entries()
        .map_err(|e| Error::io(path, "reading", e))?
    {
        let mut entry = entry.map_err(|e| Error::io(path, "reading", e))?;
        let name = entry
            .path()
            .map_err(|e| Error::io(path, "reading", e))?
            .to_string_lossy()
            .into_owned();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, "reading", e))?;
        if name == "signature" {
            sig = Some(bytes);
        } else if name == member {
            data = Some(bytes);
        }
    }
    let sig = sig.ok_or_else(|| Error::BadSignature {
        path: path.to_path_buf(),
        reason: "no `signature` member: the repository is not signed".into(),
    })?;
    let data =
        data.ok_or_else(|| Error::invalid(path, format!("no `{member}` member in the archive")))?;
    verify_signature(key, &data, &sig, path, who)?;
    Ok(data)
}

/// The packages one channel and ABI's signed `packagesite.yaml` names: `(repopath, sum)`.
/// The signature is checked; the packages are not read.
pub fn signed_packages(
    dir: &Path,
    channel: &str,
    abi: &str,
    verifier: &Verifier,
) -> Result<Vec<(String, String)>> {
    let key = verifier.rsa_public()?;
    let site_path = abi_dir(dir, channel, abi).join("packagesite.pkg");
    let who = format!("of OpenPGP key {}", verifier.fingerprint());
    let site = signed_member(&site_path, "packagesite.yaml", &key, &who)?;
    let site = String::from_utf8(site)
        .map_err(|_| Error::invalid(&site_path, "packagesite.yaml is not UTF-8"))?;
    let mut out = Vec::new();
    for line in site.lines() {
        let m: Manifest = line.parse()?;
        let repopath = m.repopath.unwrap_or_default();
        check_repopath(&site_path, &repopath)?;
        out.push((repopath, m.sum.unwrap_or_default()));
    }
    Ok(out)
}

/// Checks one channel and ABI: both archives' signatures with the repository's RSA key, and for
/// each catalogue every package's `repopath` stays in the repository and its file has
/// the size and SHA-256 the catalogue names. Returns the package files (relative to the ABI
/// directory).
pub fn verify(dir: &Path, channel: &str, abi: &str, verifier: &Verifier) -> Result<Vec<String>> {
    let key = verifier.rsa_public()?;
    let adir = abi_dir(dir, channel, abi);
    let site_path = adir.join("packagesite.pkg");
    let who = format!("of OpenPGP key {}", verifier.fingerprint());
    let site = signed_member(&site_path, "packagesite.yaml", &key, &who)?;
    let data_path = adir.join("data.pkg");
    let data = signed_member(&data_path, "data", &key, &who)?;
    let site = String::from_utf8(site)
        .map_err(|_| Error::invalid(&site_path, "packagesite.yaml is not UTF-8"))?;
    let mut manifests = Vec::new();
    for line in site.lines() {
        let m: Manifest = line.parse()?;
        manifests.push((site_path.clone(), m));
    }
    let data: serde_json::Value = serde_json::from_slice(&data)
        .map_err(|e| Error::invalid(&data_path, format!("data is not JSON: {e}")))?;
    let listed = data
        .get("packages")
        .and_then(|p| p.as_array())
        .ok_or_else(|| Error::invalid(&data_path, "data has no `packages` array"))?;
    // Each catalogue is checked on its own: a writer killed between the renames of data.pkg and
    // packagesite.pkg leaves two catalogues, each valid and signed, one newer (pkg reads one).
    for p in listed {
        let m: Manifest = serde_json::from_value(p.clone())
            .map_err(|e| Error::invalid(&data_path, format!("a package entry: {e}")))?;
        manifests.push((data_path.clone(), m));
    }
    // Each file is read and hashed once, whichever catalogues name it.
    let mut files: std::collections::BTreeMap<String, (String, usize)> = Default::default();
    for (site_path, m) in manifests {
        let repopath = m
            .repopath
            .as_deref()
            .ok_or_else(|| Error::invalid(&site_path, format!("{} has no repopath", m.name)))?;
        check_repopath(&site_path, repopath)?;
        let p = adir.join(repopath);
        if !files.contains_key(repopath) {
            let b = fs::read(&p).map_err(|e| Error::io(&p, "reading", e))?;
            let sum = hex::encode(Sha256::digest(&b));
            files.insert(repopath.to_string(), (sum, b.len()));
        }
        let (actual, len) = &files[repopath];
        let sum = m.sum.as_deref().unwrap_or("");
        // A bare 64-digit hex sum is SHA-256 for pkg (`pkg_checksum_validate_fileat`).
        if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(
                &site_path,
                format!(
                    "{repopath}: sum `{}` is not a SHA-256 hex digest (syspack checks those only; \
                     pkg's typed BLAKE2 sums are not supported yet)",
                    sum.escape_debug()
                ),
            ));
        }
        if sum != actual {
            return Err(Error::HashMismatch {
                path: p,
                source_of_truth: site_path.display().to_string(),
                expected: sum.to_string(),
                actual: actual.clone(),
            });
        }
        if m.pkgsize != i64::try_from(*len).unwrap_or(-1) {
            return Err(Error::invalid(
                &p,
                format!(
                    "{len} bytes, but {} says {}",
                    site_path.display(),
                    m.pkgsize
                ),
            ));
        }
    }
    let named = files.into_keys().collect();
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repopaths_that_leave_the_repository_are_refused() {
        let p = Path::new("packagesite.yaml");
        check_repopath(p, "All/hello-1.0.pkg").unwrap();
        for bad in [
            "",
            "/etc/passwd",
            "../x.pkg",
            "All/../../x.pkg",
            "All//x.pkg",
            "All/.hidden.pkg",
            "All\\x.pkg",
        ] {
            assert!(check_repopath(p, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprint_files_are_read_as_pkg_reads_them() {
        let fp = "B0170035AF3ACC5F3F3AE1859DC717101B4E6C1D0A794AD554928CA0CBB2F438";
        let want = Some(fp.to_ascii_lowercase());
        // FreeBSD's own layout, then the other spellings UCL allows.
        for text in [
            format!("function: \"sha256\"\nfingerprint: \"{fp}\"\n"),
            format!("# a key\nFunction = \"sha256\";\n\"fingerprint\" = \"{fp}\",\n"),
        ] {
            assert_eq!(parse_fingerprint(&text), want, "{text}");
        }
        // Another function, a short value, a missing key: skipped, as pkg skips them.
        for text in [
            format!("function: \"sha1\"\nfingerprint: \"{fp}\"\n"),
            "function: \"sha256\"\nfingerprint: \"abc\"\n".to_string(),
            format!("fingerprint: \"{fp}\"\n"),
        ] {
            assert_eq!(parse_fingerprint(&text), None, "{text}");
        }
    }

    #[test]
    fn a_fingerprints_directory_needs_a_trusted_fingerprint() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("trusted")).unwrap();
        std::fs::write(d.path().join("trusted/junk"), "not ucl").unwrap();
        let err = Fingerprints::load(d.path()).unwrap_err().to_string();
        assert!(err.contains("names no trusted fingerprint"), "{err}");
        let err = Fingerprints::load(&d.path().join("absent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("absent/trusted"), "{err}");
    }

    #[test]
    fn signatures_are_pkgs_rsa_over_the_hex_digest() {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
        let public = key.to_public_key();
        let sig = sign(&key, b"packagesite\n").unwrap();
        assert_eq!(sig.last(), Some(&0), "pkg writes a trailing NUL");
        assert_eq!(sig.len(), 128 + 1);
        // PKCS#1 v1.5 over SHA-256 of the 64 hex digits, as OpenSSL 3's EVP_PKEY_sign in
        // pkgsign_ossl.c computes it.
        let hash = Sha256::digest(hex::encode(Sha256::digest(b"packagesite\n")).as_bytes());
        public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &sig[..128])
            .unwrap();
        let p = Path::new("x");
        verify_signature(&public, b"packagesite\n", &sig, p, "k").unwrap();
        assert!(verify_signature(&public, b"packagesitE\n", &sig, p, "k").is_err());
        assert_eq!(sig, sign(&key, b"packagesite\n").unwrap(), "deterministic");
        // The check `kb import --pubkey` makes, from the PEM a client's `pubkey` names.
        let pem = public_pem(&public).unwrap();
        let digest = hex::encode(Sha256::digest(b"packagesite\n"));
        verify_pubkey_signature(&pem, &digest, &sig, p).unwrap();
        let other = hex::encode(Sha256::digest(b"packagesitE\n"));
        assert!(matches!(
            verify_pubkey_signature(&pem, &other, &sig, p),
            Err(Error::BadSignature { .. })
        ));
        assert!(matches!(
            verify_pubkey_signature("not a key", &digest, &sig, p),
            Err(Error::Key(_))
        ));
    }
}
