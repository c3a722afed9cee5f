//! The digests the formats record of each file (MD5 and SHA-256), computed in one pass: a leaf
//! module that the cache, the shared content and the encoders use.

use std::io::{self, Read};

use md5::Md5;
use sha2::{Digest, Sha256};

/// A file's size and the digests the formats record: MD5 (`.deb` md5sums, Arch `.MTREE`) and
/// SHA-256 (RPM, Arch, FreeBSD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileDigests {
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the content; `None` when the digests were made for formats that record SHA-256
    /// only (an rpm or FreeBSD package alone: MD5 cost as much CPU time as SHA-256 with the
    /// CPU's SHA extensions, several times over). `frames::md5_hex` reads the file again if a writer
    /// needs it after all.
    pub md5: Option<[u8; 16]>,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

/// Computes [`FileDigests`] in one pass over the bytes: SHA-256 always, MD5 when asked.
pub(crate) struct Hashers {
    size: u64,
    md5: Option<Md5>,
    sha256: Sha256,
}

impl Hashers {
    /// Hashers for SHA-256, and for MD5 when `md5`.
    pub(crate) fn new(md5: bool) -> Self {
        Hashers {
            size: 0,
            md5: md5.then(Md5::new),
            sha256: Sha256::new(),
        }
    }

    /// Hashes `bytes`, the next bytes of the content.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.size += bytes.len() as u64;
        if let Some(md5) = &mut self.md5 {
            md5.update(bytes);
        }
        self.sha256.update(bytes);
    }

    /// The digests of everything hashed.
    pub(crate) fn finish(self) -> FileDigests {
        FileDigests {
            size: self.size,
            md5: self.md5.map(|m| m.finalize().into()),
            sha256: self.sha256.finalize().into(),
        }
    }
}

impl FileDigests {
    /// The digests (MD5 too) of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self::of_bytes_with(bytes, true)
    }

    /// The digests of `bytes`, MD5 only when `md5`.
    pub fn of_bytes_with(bytes: &[u8], md5: bool) -> Self {
        let mut h = Hashers::new(md5);
        h.update(bytes);
        h.finish()
    }

    /// The digests (MD5 too) of everything `reader` reads.
    ///
    /// # Errors
    ///
    /// The reader's error.
    pub fn of_reader(mut reader: impl Read) -> io::Result<Self> {
        let mut h = Hashers::new(true);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            h.update(&buf[..n]);
        }
        Ok(h.finish())
    }

    /// Digests from their hex forms; an MD5 of `-` is none (see [`FileDigests::md5_hex`]).
    pub(crate) fn from_hex(size: u64, md5: &str, sha256: &str) -> Option<Self> {
        let mut d = FileDigests {
            size,
            md5: None,
            sha256: [0; 32],
        };
        if md5 != "-" {
            let mut m = [0; 16];
            hex::decode_to_slice(md5, &mut m).ok()?;
            d.md5 = Some(m);
        }
        hex::decode_to_slice(sha256, &mut d.sha256).ok()?;
        Some(d)
    }

    /// MD5 in lower-case hex, if it was computed.
    pub fn md5_hex(&self) -> Option<String> {
        self.md5.map(hex::encode)
    }

    /// SHA-256 in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}
