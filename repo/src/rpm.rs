//! Signed RPM packages: the OpenPGP signatures rpm verifies, added to a package's signature
//! header as `rpmsign --addsign` does (rpm's `sign/rpmgensig.c`; tags in `rpmtag.h`):
//!
//! * `RPMSIGTAG_RSA` (268): a signature of the main header, which rpm 4.14 and later check on
//!   install (the header carries the payload digest, so it covers the payload too);
//! * `RPMSIGTAG_PGP` (1002): a signature of the main header and the payload together, the
//!   "legacy" signature rpm still checks when present.
//!
//! The lead, the main header and the payload are copied unchanged; the signature header is
//! rebuilt with the two tags added, any earlier signature replaced, and `RPMSIGTAG_RESERVEDSPACE`
//! shrunk by what the signatures take where it has room (so the file keeps its size, as rpmsign
//! does), else dropped.

use syspack_distro::rpm::header::{Header, TagValue};
use syspack_distro::rpm::{tags, Layout};

use crate::error::{Error, Result};
use crate::sign::Signer;

/// `RPMSIGTAG_RSA`: OpenPGP signature of the main header.
pub const SIG_RSA: u32 = 268;
/// `RPMSIGTAG_PGP`: OpenPGP signature of the main header and the payload.
pub const SIG_PGP: u32 = 1002;

fn pad8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Signs the RPM package `rpm` (its bytes; `name` for messages) with `signer` at `time`.
pub fn sign_package(rpm: &[u8], name: &str, signer: &Signer, time: u32) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::invalid(name, reason);
    let layout = Layout::of(rpm).map_err(bad)?;
    let sig_len = layout.signature.len();
    let sig = Header::parse(&rpm[layout.signature.clone()], tags::HEADERSIGNATURES)
        .map_err(|e| bad(format!("signature header: {e}")))?;
    let header = &rpm[layout.header.clone()];
    let signed_all = &rpm[layout.signed()];

    let header_sig = signer.detached_binary(header, time)?;
    let all_sig = signer.detached_binary(signed_all, time)?;
    let mut new = Header::new(tags::HEADERSIGNATURES);
    let mut reserved = None;
    for (tag, value) in sig.tags() {
        match tag {
            SIG_RSA | SIG_PGP => {}
            tags::SIG_RESERVEDSPACE => reserved = Some(value.count()),
            _ => new.put(tag, value.clone()),
        }
    }
    new.put(SIG_RSA, TagValue::Bin(header_sig));
    new.put(SIG_PGP, TagValue::Bin(all_sig));
    if reserved.is_some() {
        // A BIN entry of n bytes adds 16 index bytes and n data bytes (no alignment): keep the
        // signature header's padded size when the reserved space has room.
        let base = new.to_bytes().len();
        if let Some(n) = pad8(sig_len).checked_sub(base + 16).filter(|&n| n > 0) {
            new.put(tags::SIG_RESERVEDSPACE, TagValue::Bin(vec![0; n]));
        }
    }
    let mut out = Vec::with_capacity(rpm.len() + 2048);
    out.extend_from_slice(&rpm[..layout.signature.start]);
    let mut sig_bytes = new.to_bytes();
    sig_bytes.resize(pad8(sig_bytes.len()), 0);
    out.extend_from_slice(&sig_bytes);
    out.extend_from_slice(signed_all);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syspack_distro::{Arch, InstallPath, Metadata, Package, SourceDate};

    /// A package written with reserved space keeps its size when signed, and rpm's own reader
    /// (`rpmkeys --checksig`) accepts the result.
    #[test]
    fn reserved_space_keeps_the_size_and_rpm_reads_it() {
        let mut meta = Metadata::new("demo", "1.2.3", Arch::X86_64);
        meta.summary = "a demo package".into();
        meta.description = "Demonstrates signing.".into();
        meta.maintainer = "Demo <demo@example.invalid>".into();
        meta.license = "MIT".into();
        let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
        pkg.add_bytes(
            InstallPath::new("/usr/bin/demo").unwrap(),
            b"#!/bin/sh\necho demo\n".to_vec(),
            0o755,
        )
        .unwrap();
        let opts = syspack_distro::rpm::Options {
            reserved_space: Some(4096),
            ..Default::default()
        };
        let mut unsigned = Vec::new();
        syspack_distro::rpm::Writer::new(&pkg, &opts)
            .unwrap()
            .write_to(&mut unsigned)
            .unwrap();
        let key =
            crate::sign::generate(crate::sign::Algorithm::Ed25519, "T <t@x>", 1, None).unwrap();
        let signer = Signer::from_armored(&key.secret, None, "test").unwrap();
        let signed = sign_package(&unsigned, "demo.rpm", &signer, 0).unwrap();
        assert_eq!(signed.len(), unsigned.len());
        let again = sign_package(&signed, "demo.rpm", &signer, 0).unwrap();
        assert_eq!(again, signed, "signing twice is not idempotent");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.rpm");
        std::fs::write(&path, &signed).unwrap();
        let out = std::process::Command::new("rpmkeys")
            .arg("--checksig")
            .arg("--nosignature")
            .arg(&path)
            .output()
            .expect("rpmkeys runs (apt-get install -y rpm)");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(sign_package(&signed[..200], "demo.rpm", &signer, 0).is_err());
    }
}
