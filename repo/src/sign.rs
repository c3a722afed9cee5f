//! OpenPGP keys and signatures, in pure Rust (the `pgp` crate, rPGP).
//!
//! # Why rPGP and not Sequoia
//!
//! `sequoia-openpgp` does its cryptography through a backend chosen at build time; its default
//! backend is Nettle (a C library, linked from the system) and the alternatives are OpenSSL
//! (C again) or RustCrypto, which Sequoia marks experimental (it must be enabled with
//! `allow-experimental-crypto`). rPGP (`pgp`) uses the RustCrypto crates only, builds here with
//! no system library, needs no gpg-agent, and is the OpenPGP implementation the `rpm` crate
//! already signs packages with. syspack links every C library once, through its own sys crates,
//! so a second C dependency for signing is not an option.
//!
//! # Keys
//!
//! [`generate`] makes one primary key that certifies and signs (no subkeys): RSA-4096 by default,
//! which every client verifies (apt's gpgv, rpm's own OpenPGP parser in rpm 4.16 and later, pacman
//! through gpgme), or Ed25519 in its v4 "EdDSA legacy" form (algorithm 22, which GnuPG 2.2 —
//! Debian 11's gpgv — reads; the RFC 9580 Ed25519 algorithm 27 is newer than GnuPG 2.2).
//!
//! # Secrets
//!
//! A secret key is held in memory only: it is read from a file or an environment variable,
//! unlocked with the passphrase from `SYSPACK_SIGNING_KEY_PASSPHRASE`, and the texts holding it
//! are zeroed when dropped. [`Signer`]'s `Debug` prints the fingerprint only, and no error
//! message carries key material.
//!
//! # Reproducible signatures
//!
//! Every signature carries the creation time the caller passes (the repository's
//! `SOURCE_DATE_EPOCH` or newest package, raised to the time the key's self-signatures bind it,
//! because gpgv and sqv refuse a signature older than its key). RSA PKCS#1 v1.5 and Ed25519 signatures are
//! deterministic, so the same metadata signed with the same key at the same time gives the same
//! bytes.

use std::fmt;

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, EncryptionCaps,
    KeyType, SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, Password, Timestamp};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The environment variable holding the signing key: an ASCII-armored secret key, or the path
/// of a file holding one.
pub const KEY_ENV: &str = "SYSPACK_SIGNING_KEY";
/// The environment variable holding the signing key's passphrase.
pub const PASSPHRASE_ENV: &str = "SYSPACK_SIGNING_KEY_PASSPHRASE";

/// The public-key algorithm of a generated key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// RSA with a 4096-bit modulus: the safest choice for old clients.
    #[default]
    Rsa4096,
    /// Ed25519 (OpenPGP v4 EdDSA, algorithm 22).
    Ed25519,
}

impl Algorithm {
    /// Parses `rsa4096` or `ed25519`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "rsa4096" | "rsa" => Ok(Algorithm::Rsa4096),
            "ed25519" => Ok(Algorithm::Ed25519),
            _ => Err(Error::Key(format!(
                "unknown key algorithm `{name}`: use rsa4096 (the default) or ed25519"
            ))),
        }
    }
}

/// A key pair made by [`generate`].
pub struct GeneratedKey {
    /// The ASCII-armored secret key (zeroed when dropped).
    pub secret: Zeroizing<String>,
    /// The ASCII-armored public key (certificate).
    pub public: String,
    /// The fingerprint, upper-case hex.
    pub fingerprint: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Generates a key pair that certifies and signs, with `user_id` (`Name <email>`), created at
/// `created` (seconds since the epoch), the secret part protected by `passphrase` when given.
pub fn generate(
    algorithm: Algorithm,
    user_id: &str,
    created: u32,
    passphrase: Option<&str>,
) -> Result<GeneratedKey> {
    let key_type = match algorithm {
        Algorithm::Rsa4096 => KeyType::Rsa(4096),
        Algorithm::Ed25519 => KeyType::Ed25519Legacy,
    };
    let mut params = SecretKeyParamsBuilder::default();
    params
        .key_type(key_type)
        .can_certify(true)
        .can_sign(true)
        .can_encrypt(EncryptionCaps::None)
        .created_at(Timestamp::from_secs(created))
        .preferred_hash_algorithms(
            [HashAlgorithm::Sha256, HashAlgorithm::Sha512]
                .into_iter()
                .collect(),
        )
        .primary_user_id(user_id.to_string())
        .passphrase(passphrase.map(str::to_string));
    let params = params
        .build()
        .map_err(|e| Error::Key(format!("invalid key parameters: {e}")))?;
    let key = params
        .generate(rand::thread_rng())
        .map_err(|e| Error::Key(format!("generating the key failed: {e}")))?;
    let secret = Zeroizing::new(
        key.to_armored_string(ArmorOptions::default())
            .map_err(|e| Error::Key(format!("armoring the secret key failed: {e}")))?,
    );
    let signer = Signer {
        public: key.to_public_key(),
        key,
        password: passphrase.map(Password::from).unwrap_or_default(),
    };
    Ok(GeneratedKey {
        secret,
        public: signer.public_armored()?,
        fingerprint: signer.fingerprint(),
    })
}

/// A secret key unlocked for signing.
pub struct Signer {
    key: SignedSecretKey,
    public: SignedPublicKey,
    password: Password,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads an ASCII-armored secret key and checks that `passphrase` unlocks it.
    ///
    /// `source` names where the key came from, for error messages (a path or the variable name).
    pub fn from_armored(armored: &str, passphrase: Option<&str>, source: &str) -> Result<Self> {
        let (key, _) = SignedSecretKey::from_string(armored).map_err(|_| {
            Error::Key(format!(
                "{source} does not hold an ASCII-armored OpenPGP secret key \
                 (make one with `syspack key generate --out DIR`)"
            ))
        })?;
        let password = passphrase.map(Password::from).unwrap_or_default();
        let signer = Signer {
            public: key.to_public_key(),
            key,
            password,
        };
        // A signature made now proves the passphrase (a locked key fails here, not mid-publish).
        signer
            .signature(SignatureType::Binary, b"", 0)
            .map_err(|_| {
                Error::Key(format!(
                    "the key in {source} cannot sign: wrong or missing passphrase \
                 (set {PASSPHRASE_ENV}) or not a signing key"
                ))
            })?;
        Ok(signer)
    }

    /// Reads the signing key named by `--signing-key FILE` or, without it, by
    /// `SYSPACK_SIGNING_KEY` (the armored key itself, or a path); the passphrase comes from
    /// `SYSPACK_SIGNING_KEY_PASSPHRASE`.
    pub fn from_cli(file: Option<&std::path::Path>) -> Result<Self> {
        let passphrase = std::env::var(PASSPHRASE_ENV).ok().map(Zeroizing::new);
        let passphrase = passphrase.as_ref().map(|p| p.as_str());
        if let Some(path) = file {
            let text = Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| Error::io(path, "reading", e))?,
            );
            return Self::from_armored(&text, passphrase, &path.display().to_string());
        }
        let value = Zeroizing::new(std::env::var(KEY_ENV).map_err(|_| {
            Error::Key(format!(
                "no signing key: pass --signing-key FILE or set {KEY_ENV} \
                 (make a key with `syspack key generate --out DIR`)"
            ))
        })?);
        if value.trim_start().starts_with("-----BEGIN PGP") {
            Self::from_armored(&value, passphrase, KEY_ENV)
        } else {
            let path = std::path::Path::new(value.trim());
            let text = Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| Error::io(path, "reading", e))?,
            );
            Self::from_armored(&text, passphrase, &path.display().to_string())
        }
    }

    /// The fingerprint, upper-case hex.
    pub fn fingerprint(&self) -> String {
        hex::encode_upper(self.key.fingerprint().as_bytes())
    }

    /// When the key was created (seconds since the epoch).
    pub fn created(&self) -> u32 {
        self.key.created_at().as_secs()
    }

    /// A verifier for this key's signatures.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            key: self.public.clone(),
        }
    }

    /// The ASCII-armored public key.
    pub fn public_armored(&self) -> Result<String> {
        self.public
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| Error::Key(format!("armoring the public key failed: {e}")))
    }

    /// The public key in binary form (a keyring of one key, as `gpg --export` writes).
    pub fn public_binary(&self) -> Result<Vec<u8>> {
        use pgp::ser::Serialize;
        self.public
            .to_bytes()
            .map_err(|e| Error::Key(format!("serializing the public key failed: {e}")))
    }

    /// The first time at which the key and its user ids are bound by their self-signatures
    /// (verifiers such as Sequoia's `sqv`, which apt uses from Debian 13 on, refuse a
    /// signature made before that; rPGP makes the binding signatures after the key).
    pub fn bound_since(&self) -> u32 {
        let details = &self.key.details;
        details
            .users
            .iter()
            .flat_map(|u| &u.signatures)
            .chain(&details.direct_signatures)
            .filter_map(|s| s.created())
            .map(|t| t.as_secs())
            .fold(self.created(), u32::max)
    }

    /// The key as a bare RSA private key, for FreeBSD pkg repositories (which are signed with
    /// RSA, not OpenPGP). Only RSA keys qualify; the key stays in memory.
    pub fn rsa_key(&self) -> Result<rsa::RsaPrivateKey> {
        use pgp::types::{PlainSecretParams, PublicParams};
        use rsa::traits::PublicKeyParts;
        let not_rsa = || {
            Error::Key(format!(
                "key {} is not an RSA key: FreeBSD repositories are signed with RSA; make one \
                 with `syspack key generate --algorithm rsa4096`",
                self.fingerprint()
            ))
        };
        self.key
            .primary_key
            .unlock(&self.password, |public, secret| {
                let (PublicParams::RSA(public), PlainSecretParams::RSA(secret)) = (public, secret)
                else {
                    return Ok(None);
                };
                let (d, p, q, _u) = secret.to_bytes();
                let (d, p, q) = (Zeroizing::new(d), Zeroizing::new(p), Zeroizing::new(q));
                let big = |b: &[u8]| rsa::BigUint::from_bytes_be(b);
                Ok(rsa::RsaPrivateKey::from_components(
                    public.key.n().clone(),
                    public.key.e().clone(),
                    big(&d),
                    vec![big(&p), big(&q)],
                )
                .ok())
            })
            .map_err(|_| {
                Error::Key(format!(
                    "the key {} cannot be unlocked: wrong or missing passphrase (set \
                     {PASSPHRASE_ENV})",
                    self.fingerprint()
                ))
            })?
            .map_err(|_| not_rsa())?
            .ok_or_else(not_rsa)
    }

    fn config(&self, typ: SignatureType, time: u32) -> Result<SignatureConfig> {
        let time = time.max(self.bound_since());
        let mut config = SignatureConfig::v4(typ, self.key.algorithm(), HashAlgorithm::Sha256);
        let sub = |d| Subpacket::regular(d).map_err(|e| Error::Key(format!("signing: {e}")));
        config.hashed_subpackets = vec![
            sub(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                time,
            )))?,
            sub(SubpacketData::IssuerFingerprint(self.key.fingerprint()))?,
        ];
        config.unhashed_subpackets =
            vec![sub(SubpacketData::IssuerKeyId(self.key.legacy_key_id()))?];
        Ok(config)
    }

    fn signature(&self, typ: SignatureType, data: &[u8], time: u32) -> Result<DetachedSignature> {
        let config = self.config(typ, time)?;
        let sig = config
            .sign(&self.key.primary_key, &self.password, data)
            .map_err(|e| Error::Key(format!("signing failed: {e}")))?;
        Ok(DetachedSignature::new(sig))
    }

    /// A detached binary-mode signature of `data`, ASCII-armored (`Release.gpg`,
    /// `repomd.xml.asc`).
    pub fn detached_armored(&self, data: &[u8], time: u32) -> Result<String> {
        self.signature(SignatureType::Binary, data, time)?
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| Error::Key(format!("armoring a signature failed: {e}")))
    }

    /// A detached binary-mode signature of `data` as an OpenPGP packet (pacman's `.sig`).
    pub fn detached_binary(&self, data: &[u8], time: u32) -> Result<Vec<u8>> {
        use pgp::ser::Serialize;
        self.signature(SignatureType::Binary, data, time)?
            .to_bytes()
            .map_err(|e| Error::Key(format!("serializing a signature failed: {e}")))
    }

    /// `text` with an inline cleartext signature (`InRelease`).
    pub fn cleartext(&self, text: &str, time: u32) -> Result<String> {
        let config = self.config(SignatureType::Text, time)?;
        CleartextSignedMessage::new(text, config, &self.key.primary_key, &self.password)
            .and_then(|m| m.to_armored_string(ArmorOptions::default()))
            .map_err(|e| Error::Key(format!("signing failed: {e}")))
    }
}

/// A public key to verify signatures with.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: SignedPublicKey,
}

impl Verifier {
    /// Reads an ASCII-armored public key.
    pub fn from_armored(armored: &str, source: &str) -> Result<Self> {
        let (key, _) = SignedPublicKey::from_string(armored).map_err(|_| {
            Error::Key(format!(
                "{source} does not hold an ASCII-armored OpenPGP public key"
            ))
        })?;
        Ok(Verifier { key })
    }

    /// The fingerprint, upper-case hex.
    pub fn fingerprint(&self) -> String {
        hex::encode_upper(self.key.fingerprint().as_bytes())
    }

    /// The key as a bare RSA public key (FreeBSD pkg repositories), if it is an RSA key.
    pub fn rsa_public(&self) -> Result<rsa::RsaPublicKey> {
        use pgp::types::PublicParams;
        match self.key.primary_key.public_params() {
            PublicParams::RSA(p) => Ok(p.key.clone()),
            _ => Err(Error::Key(format!(
                "key {} is not an RSA key: FreeBSD repositories are signed with RSA",
                self.fingerprint()
            ))),
        }
    }

    /// Verifies a detached signature (armored or binary) of `data`; `path` names the signed file.
    pub fn verify_detached(
        &self,
        data: &[u8],
        signature: &[u8],
        path: &std::path::Path,
    ) -> Result<()> {
        let bad = |reason: String| Error::BadSignature {
            path: path.to_path_buf(),
            reason,
        };
        let sig =
            parse_detached(signature).map_err(|e| bad(format!("unreadable signature: {e}")))?;
        sig.verify(&self.key, data).map_err(|_| {
            bad(format!(
                "the signature does not verify with key {}",
                self.fingerprint()
            ))
        })
    }

    /// Verifies a cleartext-signed text (`InRelease`) and returns the signed text.
    pub fn verify_cleartext(&self, signed: &str, path: &std::path::Path) -> Result<String> {
        let bad = |reason: String| Error::BadSignature {
            path: path.to_path_buf(),
            reason,
        };
        let (msg, _) = CleartextSignedMessage::from_string(signed)
            .map_err(|e| bad(format!("not a cleartext-signed message: {e}")))?;
        msg.verify(&self.key).map_err(|_| {
            bad(format!(
                "the signature does not verify with key {}",
                self.fingerprint()
            ))
        })?;
        // The signed form ends lines with CR LF; the files signed here use LF.
        Ok(msg.signed_text().replace("\r\n", "\n"))
    }
}

/// A detached signature, ASCII-armored (`.asc`) or binary (`.sig`, `Release.gpg`).
fn parse_detached(signature: &[u8]) -> pgp::errors::Result<DetachedSignature> {
    if signature.starts_with(b"-----BEGIN PGP SIGNATURE") {
        DetachedSignature::from_armor_single(signature).map(|(s, _)| s)
    } else {
        DetachedSignature::from_bytes(signature)
    }
}

/// The OpenPGP public keys of a keyring file — ASCII-armored or binary, one key or several, as
/// `gpg --export` writes them or a distribution ships them (Fedora's `RPM-GPG-KEY-*`, Arch's
/// `archlinux.gpg`) — for checking detached signatures of index files a user downloaded
/// (`repomd.xml.asc`, a pacman database's `.sig`).
pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.fingerprints())
            .finish()
    }
}

impl Keyring {
    /// Most keys read from one keyring file (Arch's keyring holds a few hundred).
    pub const MAX_KEYS: usize = 4096;

    /// Reads the public keys of `bytes`; `source` names it in errors.
    /// Every key's self-signatures and subkey bindings are checked.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] when it holds no OpenPGP public key, more than
    /// [`Keyring::MAX_KEYS`] keys, or a key whose bindings do not verify.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let unreadable = |e: String| Error::Key(format!("{source} is not an OpenPGP keyring: {e}"));
        // Armored keyrings may be several armor blocks one after another (keys exported one by
        // one and concatenated); each block is read on its own.
        const BEGIN: &[u8] = b"-----BEGIN PGP PUBLIC KEY BLOCK-----";
        let mut chunks = Vec::new();
        let mut rest = bytes;
        while let Some(at) = rest.windows(BEGIN.len()).skip(1).position(|w| w == BEGIN) {
            chunks.push(&rest[..at + 1]);
            rest = &rest[at + 1..];
        }
        chunks.push(rest);
        let mut parsed = Vec::new();
        for chunk in chunks {
            let (iter, _) =
                SignedPublicKey::from_reader_many(chunk).map_err(|e| unreadable(e.to_string()))?;
            parsed.extend(iter.take(Self::MAX_KEYS + 1));
        }
        let mut keys = Vec::new();
        for k in parsed {
            if keys.len() >= Self::MAX_KEYS {
                return Err(Error::Key(format!(
                    "{source} holds more than {} keys: refused",
                    Self::MAX_KEYS
                )));
            }
            let k = k.map_err(|e| unreadable(e.to_string()))?;
            k.verify_bindings().map_err(|e| {
                Error::Key(format!(
                    "{source}: the self-signatures of key {} do not verify: {e}",
                    hex::encode_upper(k.fingerprint().as_bytes())
                ))
            })?;
            keys.push(k);
        }
        if keys.is_empty() {
            return Err(unreadable("no public key in it".into()));
        }
        Ok(Keyring { keys })
    }

    /// The primary keys' fingerprints, upper-case hex.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| hex::encode_upper(k.fingerprint().as_bytes()))
            .collect()
    }

    /// Verifies a detached signature (armored or binary) of `data` with any key of the keyring
    /// or one of its subkeys; returns the fingerprint of the key that made it. `path` names the
    /// signed file.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] when it is unreadable or no key verifies it.
    pub fn verify_detached(
        &self,
        data: &[u8],
        signature: &[u8],
        path: &std::path::Path,
    ) -> Result<String> {
        self.verify_detached_reader(data, signature, path)
    }

    /// As [`Keyring::verify_detached`], reading the signed data from `data` once, to its end:
    /// a file of any size is checked in constant memory. The key is chosen by the signature's
    /// issuer (fingerprint, else key ID), as gpg does, so the data is read only once.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] when the signature is unreadable, names no issuer, names no key
    /// of the keyring, or does not verify (a read error of `data` included).
    pub fn verify_detached_reader(
        &self,
        data: impl std::io::Read,
        signature: &[u8],
        path: &std::path::Path,
    ) -> Result<String> {
        let bad = |reason: String| Error::BadSignature {
            path: path.to_path_buf(),
            reason,
        };
        let sig =
            parse_detached(signature).map_err(|e| bad(format!("unreadable signature: {e}")))?;
        let sig = sig.signature;
        let (fingerprints, key_ids) = (sig.issuer_fingerprint(), sig.issuer_key_id());
        if fingerprints.is_empty() && key_ids.is_empty() {
            return Err(bad(
                "the signature names no issuer key (no issuer fingerprint or key ID subpacket): \
                 it cannot be matched to a key of the keyring"
                    .into(),
            ));
        }
        // Each primary key and subkey the issuer names; by fingerprint first (a key ID may
        // collide).
        let named = |fpr: pgp::types::Fingerprint, id: pgp::types::KeyId| {
            if fingerprints.is_empty() {
                key_ids.contains(&&id)
            } else {
                fingerprints.contains(&&fpr)
            }
        };
        let signer = self.keys.iter().find_map(|k| {
            if named(k.fingerprint(), k.legacy_key_id()) {
                Some((k, None))
            } else {
                k.public_subkeys
                    .iter()
                    .find(|s| named(s.fingerprint(), s.legacy_key_id()))
                    .map(|s| (k, Some(s)))
            }
        });
        if let Some((k, subkey)) = signer {
            let primary = hex::encode_upper(k.fingerprint().as_bytes());
            let checked = match subkey {
                None => sig.verify(k, data),
                Some(s) => sig.verify(s, data),
            };
            return checked.map(|()| primary.clone()).map_err(|e| {
                bad(format!(
                    "the signature does not verify with key {primary}, which made it: the file \
                     was changed after signing ({e})"
                ))
            });
        }
        let named: Vec<String> = if fingerprints.is_empty() {
            key_ids
                .iter()
                .map(|i| hex::encode_upper(i.as_ref()))
                .collect()
        } else {
            fingerprints
                .iter()
                .map(|f| hex::encode_upper(f.as_bytes()))
                .collect()
        };
        Err(bad(format!(
            "the signature was made by key {}, which is not among the {} key(s) of the keyring: \
             another key signed it, or the keyring is not this repository's",
            named.join(" / "),
            self.keys.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_signs_and_verifies_deterministically() {
        let key = generate(
            Algorithm::Ed25519,
            "T <t@example.org>",
            1_700_000_000,
            Some("pw"),
        )
        .unwrap();
        assert!(Signer::from_armored(&key.secret, None, "test").is_err());
        assert!(Signer::from_armored(&key.secret, Some("wrong"), "test").is_err());
        let signer = Signer::from_armored(&key.secret, Some("pw"), "test").unwrap();
        let verifier = Verifier::from_armored(&key.public, "test").unwrap();
        assert_eq!(verifier.fingerprint(), key.fingerprint);
        let a = signer.detached_armored(b"data\n", 1_800_000_000).unwrap();
        assert_eq!(
            a,
            signer.detached_armored(b"data\n", 1_800_000_000).unwrap()
        );
        let p = std::path::Path::new("x");
        verifier
            .verify_detached(b"data\n", a.as_bytes(), p)
            .unwrap();
        assert!(verifier
            .verify_detached(b"datA\n", a.as_bytes(), p)
            .is_err());
        let bin = signer.detached_binary(b"data\n", 0).unwrap();
        verifier.verify_detached(b"data\n", &bin, p).unwrap();
        let text = "Origin: x\nSuite: stable\n";
        let signed = signer.cleartext(text, 0).unwrap();
        assert_eq!(
            verifier.verify_cleartext(&signed, p).unwrap().trim_end(),
            text.trim_end()
        );
        let tampered = signed.replace("stable", "stablE");
        assert!(verifier.verify_cleartext(&tampered, p).is_err());
        assert!(!format!("{signer:?}{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn a_keyring_of_several_keys_armored_or_binary_verifies_each_keys_signatures() {
        let a = generate(Algorithm::Ed25519, "A <a@example.org>", 1_700_000_000, None).unwrap();
        let b = generate(Algorithm::Ed25519, "B <b@example.org>", 1_700_000_000, None).unwrap();
        let c = generate(Algorithm::Ed25519, "C <c@example.org>", 1_700_000_000, None).unwrap();
        let (sa, sc) = (
            Signer::from_armored(&a.secret, None, "a").unwrap(),
            Signer::from_armored(&c.secret, None, "c").unwrap(),
        );
        let p = std::path::Path::new("repomd.xml");
        let armored = format!("{}\n{}", a.public, b.public);
        let mut binary = Signer::from_armored(&b.secret, None, "b")
            .unwrap()
            .public_binary()
            .unwrap();
        binary.extend(sa.public_binary().unwrap());
        for ring in [armored.as_bytes(), &binary[..]] {
            let ring = Keyring::from_bytes(ring, "test").unwrap();
            assert_eq!(ring.fingerprints().len(), 2);
            let sig = sa.detached_armored(b"data\n", 1_800_000_000).unwrap();
            assert_eq!(
                ring.verify_detached(b"data\n", sig.as_bytes(), p).unwrap(),
                a.fingerprint
            );
            let changed = ring
                .verify_detached(b"datA\n", sig.as_bytes(), p)
                .unwrap_err();
            assert!(
                changed.to_string().contains(&format!(
                    "does not verify with key {}, which made it",
                    a.fingerprint
                )),
                "{changed}"
            );
            let other = sc.detached_binary(b"data\n", 1_800_000_000).unwrap();
            let err = ring.verify_detached(b"data\n", &other, p).unwrap_err();
            assert!(matches!(err, Error::BadSignature { .. }));
            assert!(
                err.to_string().contains(&format!(
                    "made by key {}, which is not among the 2 key(s)",
                    c.fingerprint
                )),
                "{err}"
            );
        }
        // A large file is read as a stream, once: a reader that counts its reads.
        struct Counting<R>(R, u64);
        impl<R: std::io::Read> std::io::Read for Counting<R> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.read(buf)?;
                self.1 += n as u64;
                Ok(n)
            }
        }
        let big = vec![7u8; 9 << 20];
        let ring = Keyring::from_bytes(armored.as_bytes(), "test").unwrap();
        let sig = sa.detached_binary(&big, 1_800_000_000).unwrap();
        let mut reader = Counting(&big[..], 0);
        assert_eq!(
            ring.verify_detached_reader(&mut reader, &sig, p).unwrap(),
            a.fingerprint
        );
        assert_eq!(reader.1, big.len() as u64);
        assert!(Keyring::from_bytes(b"not a key", "test").is_err());
    }
}
