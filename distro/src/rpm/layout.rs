//! Where the parts of an RPM file are, from its bytes: what a repository needs to re-sign a package
//! (the signature header replaced, the rest kept) and to index it (`<rpm:header-range>`).

use std::ops::Range;

use super::header::Header;
use super::lead::{LEAD_SIZE, MAGIC};

/// The byte ranges of an RPM file's parts: lead, signature header (its padding to 8 bytes not
/// included), main header; the payload runs from the main header's end to the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The signature header, without its padding.
    pub signature: Range<usize>,
    /// The main header.
    pub header: Range<usize>,
}

impl Layout {
    /// Reads the layout of `rpm`; an error says which part is missing or damaged.
    ///
    /// # Errors
    ///
    /// Not an RPM (no lead magic), or a header intro that is damaged or runs past the end.
    pub fn of(rpm: &[u8]) -> Result<Layout, String> {
        if rpm.len() < LEAD_SIZE || rpm[..4] != MAGIC {
            return Err("not an RPM package (no lead)".into());
        }
        let (_, _, sig_len) =
            Header::parse_intro(&rpm[LEAD_SIZE..]).map_err(|e| format!("signature header: {e}"))?;
        let signature = LEAD_SIZE..LEAD_SIZE + sig_len;
        let start = LEAD_SIZE + sig_len.div_ceil(8) * 8;
        let intro = rpm
            .get(start..)
            .ok_or("truncated after the signature header")?;
        let (_, _, header_len) =
            Header::parse_intro(intro).map_err(|e| format!("main header: {e}"))?;
        let header = start..start + header_len;
        if rpm.len() < header.end {
            return Err("truncated main header".into());
        }
        Ok(Layout { signature, header })
    }

    /// What the signatures sign and a re-signed package keeps: main header and payload.
    pub fn signed(&self) -> std::ops::RangeFrom<usize> {
        self.header.start..
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_files_are_errors_not_panics() {
        assert!(Layout::of(b"").is_err());
        assert!(Layout::of(&[0xed, 0xab, 0xee, 0xdb]).is_err());
        let mut lead = vec![0u8; LEAD_SIZE + 8];
        lead[..4].copy_from_slice(&MAGIC);
        assert!(Layout::of(&lead)
            .unwrap_err()
            .starts_with("signature header"));
    }
}
