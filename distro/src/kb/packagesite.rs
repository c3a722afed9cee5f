//! A release index from a FreeBSD pkg repository a user downloaded (`syspack kb import
//! --release freebsd-14 DIR`, DIR holding what `pkg update` fetches: `packagesite.pkg` and/or
//! `data.pkg`).
//!
//! What pkg fetches (FreeBSD pkg, `libpkg/repo/binary/update.c`, `libpkg/pkg_repo.c`): the
//! catalogue archive `<name>.pkg`, or when that is absent `<name>.<packing_format>` (`tzst`,
//! `txz`, `tbz`, `tgz`, `tar`, the names older repositories use; `pkg_repo_fetch_extract_to_fd`),
//! where `<name>` is meta's `data` (`data`) or meta's `manifests` without its extension
//! (`packagesite`). pkg ≥ 1.20 reads `data` first and falls back to `packagesite`. Each archive
//! is a tar (compressed as its name says; read here by sniffing) of the catalogue member and its
//! signature: a `signature` member for a `pubkey` repository (`pack_sign`), or for a
//! `fingerprints` repository one `<member>.sig` and `<member>.pub` pair per signer, the signature
//! and the signer's certificate (`pack_command_sign`, `libpkg/pkg_repo_create.c`; pkg reads at
//! most 8 such members of at most 1 MiB each, `pkg_repo_meta_extract_signature_fingerprints`):
//!
//! * `packagesite.yaml`: one compact JSON manifest per line (`pkg_create_repo_thread`,
//!   `libpkg/pkg_repo_create.c`);
//! * `data`: one JSON object, `{"groups":[…],"expired_packages":[…],"packages":[…]}` with the same
//!   manifests.
//!
//! Read from each manifest: `name`, `version` (pkg's version string, `3.0.15_1,1`), `abi`
//! (`FreeBSD:14:amd64`; a manifest for another FreeBSD major is refused) and `shlibs_provided`
//! (the sonames of the package's libraries, `libcurl.so.4`; pkg marks the libraries of Linux and
//! 32-bit compat packages `libfoo.so.1:Linux`, `libfoo.so.1:32`, and those are left out: a native
//! FreeBSD binary never loads them). When both catalogues are present,
//! `packagesite.yaml` is read (the same manifests; one line per package streams with a bound per
//! line).
//!
//! The base system's libraries (`libc.so.7`, `libm.so.5`, `libthr.so.3`, `libz.so.6`…) are
//! installed by the base system, not by packages, so no manifest's `shlibs_provided` names them.
//! The index records the ones the knowledge base names as
//! base (`base` records), and a soname in neither set is *unknown* for a FreeBSD index, never
//! missing: packagesite does not enumerate the base system ([`ReleaseIndex::absent_means_missing`]).
//!
//! The date: a catalogue holds none. pkg takes the repository's time from the fetched file's
//! modification time (`prc.mtime`, the server's `Last-Modified`, `libpkg/pkg_repo.c`); `pkg repo`
//! writes members without a time (`packing_append_iovec`, `libpkg/packing.c`). The index takes the
//! catalogue member's tar mtime when it is set (syspack's repository writer sets it to its
//! newest package), else the archive file's modification time — keep it when downloading (`fetch`
//! does; `curl -R`).
//!
//! The signature: [`Catalogue::digest`] is the sha256 (hex) of the catalogue member, which a
//! `pubkey` repository's `signature` member and each `.sig` of a `fingerprints` repository sign
//! (RSA PKCS#1 v1.5 over SHA-256 of those hex digits; a signature or certificate that starts with
//! `$PKGSIGN:<type>$` names another signer type, else it is `rsa`); checking it needs the key or
//! the trusted fingerprints and is done by the caller (`syspack_repo::freebsd`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::kb::index::{self, Hashing, IndexFile, ReleaseIndex};

/// The `suite` of an index made from a FreeBSD catalogue.
pub const SUITE: &str = index::PACKAGESITE_SUITE;

/// Largest manifest line of `packagesite.yaml` read (compact manifests carry no file list; the
/// largest in FreeBSD's repositories are some tens of kB).
pub const MAX_MANIFEST: usize = 8 << 20;

/// Largest `signature` (or other) member read besides the catalogue (an RSA-4096 signature is
/// 513 bytes; a `fingerprints` repository's certificate a few kB).
pub const MAX_SIGNATURE: u64 = 1 << 20;

/// Most `.sig`/`.pub` members read from one catalogue (pkg's `PKG_REPO_MAX_SIGNATURE_ENTRIES`).
pub const MAX_SIGNATURE_ENTRIES: usize = 8;

/// What starts a signature or certificate that names its signer type (`$PKGSIGN:ecc$…`); without
/// it the type is `rsa` (pkg's `PKGSIGN_HEAD`, `libpkg/private/pkgsign.h`).
const PKGSIGN_HEAD: &[u8] = b"$PKGSIGN:";

/// The catalogue members pkg reads, in the order the import prefers them.
pub const MEMBERS: &[(&str, &str)] = &[("packagesite", "packagesite.yaml"), ("data", "data")];

/// The extensions pkg fetches a catalogue archive under: `.pkg`, then meta's `packing_format`.
pub const EXTENSIONS: &[&str] = &["pkg", "tzst", "txz", "tbz", "tgz", "tar"];

fn bad(what: &str, msg: impl std::fmt::Display) -> Error {
    Error::malformed(what, "FreeBSD catalogue", msg.to_string())
}

/// One manifest of a catalogue, reduced to what the index uses (other fields are ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Entry {
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `origin` (`ftp/curl`): the port it was built from.
    #[serde(default)]
    pub origin: Option<String>,
    /// `abi` (`FreeBSD:14:amd64`).
    #[serde(default)]
    pub abi: Option<String>,
    /// `shlibs_provided`.
    #[serde(default)]
    pub shlibs_provided: Vec<String>,
}

/// Streams the `packages` of pkg's `data` object to a callback, one manifest at a time (the
/// other keys are skipped); the callback's own error is kept in `failed`.
struct DataSeed<'a, F> {
    each: &'a mut F,
    failed: &'a mut Option<Error>,
}

impl<'de, F: FnMut(Entry) -> Result<()>> serde::de::DeserializeSeed<'de> for DataSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(Entry) -> Result<()>> serde::de::Visitor<'de> for DataSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("pkg's `data` object with a `packages` array")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "packages" {
                map.next_value_seed(Packages {
                    each: &mut *self.each,
                    failed: &mut *self.failed,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Packages<'a, F> {
    each: &'a mut F,
    failed: &'a mut Option<Error>,
}

impl<'de, F: FnMut(Entry) -> Result<()>> serde::de::DeserializeSeed<'de> for Packages<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Entry) -> Result<()>> serde::de::Visitor<'de> for Packages<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of package manifests")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(e) = seq.next_element::<Entry>()? {
            if let Err(err) = (self.each)(e) {
                *self.failed = Some(err);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// What was read of a catalogue archive besides its manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// The catalogue member read (`packagesite.yaml` or `data`).
    pub member: String,
    /// sha256 (hex) of that member: what a `pubkey` signature signs.
    pub digest: String,
    /// The `signature` member (a `pubkey` repository's), its `$PKGSIGN:` head removed.
    pub signature: Option<Vec<u8>>,
    /// The signer type the `signature` member names (`rsa` unless its head says otherwise).
    pub signature_kind: String,
    /// A `fingerprints` repository's signers, by name.
    pub signers: Vec<CertSignature>,
    /// The catalogue member's tar mtime (0 when unset, as `pkg repo` writes it).
    pub mtime: u64,
}

/// One signer of a `fingerprints` repository: the `<name>.sig` and `<name>.pub` members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertSignature {
    /// The members' name without `.sig`/`.pub` (`packagesite.yaml` for `pkg repo`'s).
    pub name: String,
    /// The signer type (`rsa` unless the signature's `$PKGSIGN:` head names another).
    pub kind: String,
    /// `<name>.sig`, its head removed.
    pub signature: Option<Vec<u8>>,
    /// `<name>.pub`: the signer's public key (PEM), whose sha256 a client's trusted
    /// fingerprints must name.
    pub certificate: Option<Vec<u8>>,
}

/// Splits pkg's `$PKGSIGN:<type>$` head off a signature or certificate: (type, the rest). A head
/// without its closing `$` is no head, as pkg reads it.
fn split_kind(bytes: Vec<u8>) -> (String, Vec<u8>) {
    if let Some(rest) = bytes.strip_prefix(PKGSIGN_HEAD) {
        if let Some(end) = rest.iter().position(|b| *b == b'$') {
            let kind = String::from_utf8_lossy(&rest[..end]).into_owned();
            return (kind, rest[end + 1..].to_vec());
        }
    }
    ("rsa".to_string(), bytes)
}

/// A signature or certificate member, read whole but bounded as pkg bounds it.
fn read_signature_member(what: &str, name: &str, entry: &mut impl Read) -> Result<Vec<u8>> {
    let shown = crate::text::quote(name);
    let mut bytes = Vec::new();
    entry
        .take(MAX_SIGNATURE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(what, format!("`{shown}`: {e}")))?;
    if bytes.len() as u64 > MAX_SIGNATURE {
        return Err(bad(
            what,
            format!("`{shown}` is larger than {MAX_SIGNATURE} bytes: refused"),
        ));
    }
    if bytes.is_empty() {
        return Err(bad(what, format!("`{shown}` is empty: refused")));
    }
    Ok(bytes)
}

/// Reads a catalogue archive (`packagesite.pkg` or `data.pkg`, any compression pkg reads) and
/// calls `each` per manifest; `member` is `packagesite.yaml` or `data`.
///
/// # Errors
///
/// [`Error::Malformed`] naming `what` for a damaged archive, a manifest that is not JSON or lacks
/// `name`/`version`, a line over [`MAX_MANIFEST`], a `signature` over [`MAX_SIGNATURE`], more
/// than [`index::MAX_DECOMPRESSED`] bytes decompressed, no `member`.
pub fn parse_archive<R: Read>(
    what: &str,
    reader: R,
    member: &str,
    mut each: impl FnMut(Entry) -> Result<()>,
) -> Result<Catalogue> {
    let mut reader = std::io::BufReader::new(reader);
    let head = reader
        .fill_buf()
        .map_err(|e| bad(what, format!("cannot read: {e}")))?;
    let c = crate::compress::sniff(head);
    let dec = crate::compress::decoder(reader, c)
        .map_err(|e| bad(what, format!("cannot decompress: {e}")))?;
    let mut archive = tar::Archive::new(dec.take(index::MAX_DECOMPRESSED));
    let entries = archive
        .entries()
        .map_err(|e| bad(what, format!("not a tar archive: {e}")))?;
    let mut out: Option<Catalogue> = None;
    let mut signature = None;
    let mut signers: BTreeMap<String, CertSignature> = BTreeMap::new();
    let mut pair_members = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            bad(
                what,
                format!("a damaged tar entry: {e}; download the catalogue again"),
            )
        })?;
        let name = entry
            .path()
            .map_err(|e| bad(what, format!("a bad entry name: {e}")))?
            .to_string_lossy()
            .into_owned();
        if name == "signature" {
            signature = Some(split_kind(read_signature_member(what, &name, &mut entry)?));
            continue;
        }
        let pair = name
            .strip_suffix(".sig")
            .map(|n| (n, true))
            .or_else(|| name.strip_suffix(".pub").map(|n| (n, false)));
        if let Some((stem, is_signature)) = pair {
            pair_members += 1;
            if pair_members > MAX_SIGNATURE_ENTRIES {
                return Err(bad(
                    what,
                    format!("more than {MAX_SIGNATURE_ENTRIES} `.sig`/`.pub` members: refused (pkg reads no more)"),
                ));
            }
            let (kind, bytes) = split_kind(read_signature_member(what, &name, &mut entry)?);
            let signer = signers
                .entry(stem.to_string())
                .or_insert_with(|| CertSignature {
                    name: stem.to_string(),
                    kind: "rsa".to_string(),
                    ..CertSignature::default()
                });
            let slot = if is_signature {
                signer.kind = kind;
                &mut signer.signature
            } else {
                &mut signer.certificate
            };
            if slot.replace(bytes).is_some() {
                return Err(bad(
                    what,
                    format!("`{}` appears twice: refused", crate::text::quote(&name)),
                ));
            }
            continue;
        }
        if name != member {
            continue;
        }
        if out.is_some() {
            return Err(bad(what, format!("`{member}` appears twice: refused")));
        }
        let mtime = entry.header().mtime().unwrap_or(0);
        let mut hashing = Hashing::new(&mut entry, index::MAX_DECOMPRESSED);
        if member == "data" {
            // Streamed: a catalogue of tens of thousands of packages is never held whole.
            let mut failed = None;
            let mut de =
                serde_json::Deserializer::from_reader(std::io::BufReader::new(&mut hashing));
            let seed = DataSeed {
                each: &mut each,
                failed: &mut failed,
            };
            let parsed =
                serde::de::DeserializeSeed::deserialize(seed, &mut de).and_then(|()| de.end());
            if let Some(err) = failed {
                return Err(err);
            }
            parsed.map_err(|e| bad(what, format!("`data` is not pkg's catalogue JSON: {e}")))?;
        } else {
            read_lines(
                what,
                member,
                std::io::BufReader::new(&mut hashing),
                &mut each,
            )?;
        }
        let (digest, _) = hashing
            .finish()
            .map_err(|e| bad(what, format!("`{member}`: {e}")))?;
        out = Some(Catalogue {
            member: member.to_string(),
            digest,
            mtime,
            ..Catalogue::default()
        });
    }
    let mut out = out.ok_or_else(|| bad(what, format!("no `{member}` member in the archive")))?;
    if let Some((kind, sig)) = signature {
        out.signature = Some(sig);
        out.signature_kind = kind;
    }
    out.signers = signers.into_values().collect();
    Ok(out)
}

/// The manifests of `packagesite.yaml`, one per line, each line bounded.
fn read_lines<R: BufRead>(
    what: &str,
    member: &str,
    mut r: R,
    each: &mut impl FnMut(Entry) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    for n in 1.. {
        buf.clear();
        (&mut r)
            .take(MAX_MANIFEST as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| bad(what, format!("`{member}` line {n}: {e}")))?;
        if buf.is_empty() {
            break;
        }
        if buf.len() > MAX_MANIFEST {
            return Err(bad(
                what,
                format!("`{member}` line {n} is longer than {MAX_MANIFEST} bytes: refused"),
            ));
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let e: Entry = serde_json::from_slice(&buf).map_err(|e| {
            bad(
                what,
                format!("`{member}` line {n} is not a pkg manifest: {e}"),
            )
        })?;
        each(e)?;
    }
    Ok(())
}

/// The catalogue archive in `dir` that pkg would read for `name` (`packagesite`, `data`): the
/// first of `<name>.pkg`, `<name>.tzst`… that exists.
pub fn archive_in(dir: &Path, name: &str) -> Option<PathBuf> {
    EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.is_file())
}

/// Whether `dir` holds a FreeBSD catalogue archive.
pub fn is_catalogue_dir(dir: &Path) -> bool {
    MEMBERS.iter().any(|(n, _)| archive_in(dir, n).is_some())
}

/// The settings of an import.
#[derive(Clone, Debug, Default)]
pub struct Import {
    /// The release id (`freebsd-14`).
    pub release: String,
    /// The FreeBSD major version its packages' `abi` must name, when known.
    pub major: Option<u32>,
    /// The command recorded as the derivation.
    pub command: String,
    /// Where the repository was downloaded from, recorded before the file's name.
    pub origin: Option<String>,
    /// Packages whose versions are kept even when they ship no library.
    pub packages: Vec<String>,
    /// The sonames the base system provides (from the knowledge base).
    pub base: Vec<String>,
}

/// Reads the catalogue in `dir` (see the module documentation) into a release index; also
/// returns what the caller needs to check the signature.
///
/// # Errors
///
/// [`Error::Io`] for a file that cannot be read; [`Error::Malformed`] naming the archive.
pub fn import(dir: &Path, opts: &Import) -> Result<(ReleaseIndex, Catalogue)> {
    let Some((path, member)) = MEMBERS
        .iter()
        .find_map(|(n, m)| archive_in(dir, n).map(|p| (p, *m)))
    else {
        return Err(bad(
            &dir.to_string_lossy(),
            "no `packagesite.pkg` or `data.pkg` (nor their `.tzst`/`.txz` names): download what `pkg update` fetches from the repository's ABI directory",
        ));
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = std::fs::File::open(&path).map_err(|e| Error::Io {
        path: path.clone(),
        context: "opening",
        source: e,
    })?;
    let file_mtime = f
        .metadata()
        .ok()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let mut sonames: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    let mut origins: BTreeMap<String, String> = BTreeMap::new();
    let mut hashing = Hashing::new(f, index::MAX_DECOMPRESSED);
    let catalogue = parse_archive(&name, &mut hashing, member, |p| {
        if !index::field_ok(&p.name) || !index::field_ok(&p.version) {
            return Err(bad(
                &name,
                format!(
                    "the package `{}` version `{}` cannot be recorded",
                    crate::text::bounded(&p.name, 100),
                    crate::text::bounded(&p.version, 100)
                ),
            ));
        }
        if let (Some(major), Some(abi)) = (opts.major, p.abi.as_deref()) {
            let got = abi.split(':').nth(1).and_then(|m| m.parse::<u32>().ok());
            if got != Some(major) {
                return Err(bad(
                    &name,
                    format!(
                        "`{}` is built for `{}`, not FreeBSD {major}: this catalogue is not {}'s",
                        p.name,
                        crate::text::bounded(abi, 100),
                        opts.release
                    ),
                ));
            }
        }
        let mut ships = false;
        // `libfoo.so.1:Linux`, `libfoo.so.1:32`: compat libraries a native binary never loads.
        for so in p.shlibs_provided.iter().filter(|s| !s.contains(':')) {
            if index::field_ok(so) {
                sonames
                    .entry(so.clone())
                    .or_default()
                    .insert(p.name.clone());
                ships = true;
            }
        }
        if ships || opts.packages.contains(&p.name) {
            // The origin goes with the name into a dependent's `deps` (`name: {origin, version}`).
            if let Some(o) = p.origin.filter(|o| index::field_ok(o)) {
                origins.insert(p.name.clone(), o);
            }
            versions.insert(p.name, p.version);
        }
        Ok(())
    })?;
    let (sha256, size) = hashing
        .finish()
        .map_err(|e| bad(&name, format!("cannot read: {e}")))?;
    let date = if catalogue.mtime > 0 {
        catalogue.mtime
    } else {
        file_mtime
    };
    let ix = ReleaseIndex {
        release: opts.release.clone(),
        suite: SUITE.to_string(),
        codename: catalogue.member.clone(),
        date: crate::date::rfc2822(date),
        command: opts.command.clone(),
        signature: "none: signature not checked (no --pubkey or --fingerprints)".to_string(),
        files: vec![IndexFile {
            path: match &opts.origin {
                Some(o) => format!("{}/{name}", o.trim_end_matches('/')),
                None => name.clone(),
            },
            sha256,
            size,
        }],
        packages: versions,
        origins,
        sonames: sonames
            .into_iter()
            .map(|(s, p)| (s, p.into_iter().collect()))
            .collect(),
        base: opts
            .base
            .iter()
            .filter(|s| index::field_ok(s))
            .cloned()
            .collect(),
        ..ReleaseIndex::default()
    };
    Ok((ix, catalogue))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, bytes) in members {
            let mut h = tar::Header::new_ustar();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_path(name).unwrap();
            h.set_cksum();
            b.append(&h, *bytes).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn packagesite_and_data_give_the_same_manifests() {
        let line = r#"{"name":"curl","origin":"ftp/curl","version":"8.9.1_1","abi":"FreeBSD:14:amd64","shlibs_provided":["libcurl.so.4"],"deps":{"x":{"origin":"y","version":"1"}}}"#;
        let site = format!("{line}\n");
        let data = format!(r#"{{"groups":[],"expired_packages":[],"packages":[{line}]}}"#);
        for (member, text) in [("packagesite.yaml", site), ("data", data)] {
            let archive = tar(&[("signature", b"sig"), (member, text.as_bytes())]);
            let mut got = Vec::new();
            let c = parse_archive("x", &archive[..], member, |e| {
                got.push(e);
                Ok(())
            })
            .unwrap();
            assert_eq!(got.len(), 1, "{member}");
            assert_eq!(got[0].shlibs_provided, ["libcurl.so.4"]);
            assert_eq!(got[0].version, "8.9.1_1");
            assert_eq!(c.signature.as_deref(), Some(&b"sig"[..]));
            assert_eq!(c.digest, index::sha256_hex(text.as_bytes()));
        }
    }

    #[test]
    fn data_streams_and_the_callers_error_is_kept() {
        let data = br#"{"groups":[],"packages":[{"name":"a","version":"1"},{"name":"b","version":"2"}],"expired_packages":[]}"#;
        let archive = tar(&[("data", data)]);
        let mut names = Vec::new();
        let err = parse_archive("x", &archive[..], "data", |e| {
            names.push(e.name.clone());
            if e.name == "b" {
                return Err(bad("x", "the caller refused b"));
            }
            Ok(())
        })
        .unwrap_err()
        .to_string();
        assert_eq!(names, ["a", "b"]);
        assert!(err.contains("the caller refused b"), "{err}");
        let archive = tar(&[("data", b"{\"packages\":[{\"name\":1}]}")]);
        let err = parse_archive("x", &archive[..], "data", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not pkg's catalogue JSON"), "{err}");
    }

    #[test]
    fn a_bad_manifest_and_a_missing_member_are_refused() {
        let archive = tar(&[("packagesite.yaml", b"{\"name\":\"x\"}\n")]);
        let err = parse_archive("x", &archive[..], "packagesite.yaml", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
        let err = parse_archive("x", &archive[..], "data", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `data` member"), "{err}");
        // A line over the bound is refused before it is parsed.
        let long = format!("{{\"name\":\"{}\"}}\n", "a".repeat(MAX_MANIFEST));
        let archive = tar(&[("packagesite.yaml", long.as_bytes())]);
        let err = parse_archive("x", &archive[..], "packagesite.yaml", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("longer than"), "{err}");
        let big = vec![b'x'; MAX_SIGNATURE as usize + 1];
        let archive = tar(&[("signature", &big[..]), ("packagesite.yaml", b"")]);
        let err = parse_archive("x", &archive[..], "packagesite.yaml", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`signature` is larger"), "{err}");
    }

    #[test]
    fn a_fingerprints_repositorys_signers_are_read_as_pkg_reads_them() {
        let archive = tar(&[
            ("packagesite.yaml.sig", b"$PKGSIGN:ecc$SIG"),
            ("packagesite.yaml.pub", b"CERT"),
            ("other.sig", b"RSASIG"),
            ("signature", b"$PKGSIGN:rsa$PUBKEYSIG"),
            ("packagesite.yaml", b""),
        ]);
        let c = parse_archive("x", &archive[..], "packagesite.yaml", |_| Ok(())).unwrap();
        assert_eq!(c.signature.as_deref(), Some(&b"PUBKEYSIG"[..]));
        assert_eq!(c.signature_kind, "rsa");
        let names: Vec<&str> = c.signers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["other", "packagesite.yaml"]);
        assert_eq!(c.signers[1].kind, "ecc");
        assert_eq!(c.signers[1].signature.as_deref(), Some(&b"SIG"[..]));
        assert_eq!(c.signers[1].certificate.as_deref(), Some(&b"CERT"[..]));
        // A head without its closing `$` is no head; a signature alone has no certificate.
        assert_eq!(c.signers[0].kind, "rsa");
        assert_eq!(c.signers[0].certificate, None);
        assert_eq!(split_kind(b"$PKGSIGN:rsa".to_vec()).1, b"$PKGSIGN:rsa");

        // More members than pkg reads, an empty one, one twice: refused.
        let many: Vec<(String, &[u8])> = (0..=MAX_SIGNATURE_ENTRIES)
            .map(|i| (format!("s{i}.sig"), &b"x"[..]))
            .collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        for (members, needle) in [
            (many, "more than 8"),
            (vec![("a.pub", &b""[..])], "is empty"),
            (
                vec![("a.pub", &b"1"[..]), ("a.pub", &b"2"[..])],
                "appears twice",
            ),
        ] {
            let mut members = members;
            members.push(("packagesite.yaml", b""));
            let archive = tar(&members);
            let err = parse_archive("x", &archive[..], "packagesite.yaml", |_| Ok(()))
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
