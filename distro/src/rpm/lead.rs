//! The 96-byte lead that starts every RPM file.
//!
//! rpm ≥ 4 checks only its magic (and that the signature type is 5, header-style), but `file(1)`
//! and old tools read the rest. syspack writes `major 3, minor 0, type 0 (binary), archnum 1,
//! name = N-[E:]V-R, osnum 1 (Linux), signature type 5`, the values older rpm builds wrote for
//! x86 Linux, for the widest compatibility (§2.1 of the reference).

/// Size of the lead in bytes.
pub const LEAD_SIZE: usize = 96;
/// The lead magic.
pub const MAGIC: [u8; 4] = [0xed, 0xab, 0xee, 0xdb];
/// Header-style signature (the only kind rpm ≥ 4 reads).
pub const SIGNATURE_TYPE_HEADER: u16 = 5;

/// The fields of a lead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lead {
    /// Format major version (3 for v4 packages).
    pub major: u8,
    /// Format minor version.
    pub minor: u8,
    /// 0 binary, 1 source.
    pub kind: u16,
    /// Architecture number (historical; rpm ≥ 4 ignores it).
    pub archnum: u16,
    /// `name-[epoch:]version-release`, truncated to 65 bytes.
    pub name: String,
    /// Operating system number (1 = Linux).
    pub osnum: u16,
    /// Signature type (5).
    pub signature_type: u16,
}

impl Lead {
    /// The lead syspack writes for a binary package.
    pub fn binary(nevr: &str) -> Self {
        Lead {
            major: 3,
            minor: 0,
            kind: 0,
            archnum: 1,
            name: nevr.to_string(),
            osnum: 1,
            signature_type: SIGNATURE_TYPE_HEADER,
        }
    }

    /// The 96 bytes.
    pub fn to_bytes(&self) -> [u8; LEAD_SIZE] {
        let mut b = [0u8; LEAD_SIZE];
        b[0..4].copy_from_slice(&MAGIC);
        b[4] = self.major;
        b[5] = self.minor;
        b[6..8].copy_from_slice(&self.kind.to_be_bytes());
        b[8..10].copy_from_slice(&self.archnum.to_be_bytes());
        // 66 bytes, NUL-terminated: at most 65 bytes of name, cut on a character boundary.
        let mut end = self.name.len().min(65);
        while !self.name.is_char_boundary(end) {
            end -= 1;
        }
        b[10..10 + end].copy_from_slice(&self.name.as_bytes()[..end]);
        b[76..78].copy_from_slice(&self.osnum.to_be_bytes());
        b[78..80].copy_from_slice(&self.signature_type.to_be_bytes());
        b
    }

    /// Parses a lead.
    ///
    /// # Errors
    ///
    /// A message when the magic, major version or signature type is not what rpm accepts.
    pub fn parse(b: &[u8; LEAD_SIZE]) -> Result<Self, String> {
        if b[0..4] != MAGIC {
            return Err(format!(
                "bad lead magic {:02x?} (expected ed ab ee db); not an rpm file",
                &b[0..4]
            ));
        }
        let lead = Lead {
            major: b[4],
            minor: b[5],
            kind: u16::from_be_bytes([b[6], b[7]]),
            archnum: u16::from_be_bytes([b[8], b[9]]),
            name: String::from_utf8_lossy(b[10..76].split(|&c| c == 0).next().unwrap_or_default())
                .into_owned(),
            osnum: u16::from_be_bytes([b[76], b[77]]),
            signature_type: u16::from_be_bytes([b[78], b[79]]),
        };
        if !(3..=4).contains(&lead.major) {
            return Err(format!(
                "unsupported lead major version {} (rpm reads 3 and 4)",
                lead.major
            ));
        }
        if lead.signature_type != SIGNATURE_TYPE_HEADER {
            return Err(format!(
                "lead signature type is {}, expected {SIGNATURE_TYPE_HEADER} (header-style)",
                lead.signature_type
            ));
        }
        Ok(lead)
    }
}
