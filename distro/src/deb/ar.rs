//! The `ar` container of a `.deb`, exactly as dpkg writes and reads it.
//!
//! Common ar format only (no GNU/BSD long-name tables): the global magic `!<arch>\n`, then for each
//! member a 60-byte header — name (16, no trailing `/`), mtime (12, decimal), uid (6), gid (6),
//! mode (8, octal), size (10, decimal), terminator `` `\n `` — followed by the data and one `\n` when
//! the size is odd. See `docs/formats.md` §1.1 (dpkg's deb(5) and `lib/dpkg/ar.c`).

use std::io::{self, Read, Write};

/// The global header of every ar archive.
pub const MAGIC: &[u8; 8] = b"!<arch>\n";

/// Length of a member header.
pub const HEADER_LEN: usize = 60;

/// The largest member size the 10-digit decimal size field holds.
pub const MAX_MEMBER_SIZE: u64 = 9_999_999_999;

/// Writes the header of one member, as dpkg's `"%-16s%-12jd%-6lu%-6lu%-8lo%-10jd`\n"` does
/// (uid and gid 0, mode `100644`).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] when the name does not fit in 15 bytes or the size in 10
/// digits; output errors.
pub fn write_header(w: &mut dyn Write, name: &str, mtime: u64, size: u64) -> io::Result<()> {
    if name.len() > 15 || name.contains('/') || name.contains(' ') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("ar member name `{name}` does not fit the common ar format"),
        ));
    }
    if size > MAX_MEMBER_SIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("ar member `{name}` is {size} bytes, more than the 10-digit size field holds"),
        ));
    }
    let mtime = mtime.min(999_999_999_999);
    let header = format!(
        "{name:<16}{mtime:<12}{:<6}{:<6}{:<8o}{size:<10}`\n",
        0, 0, 0o100644
    );
    debug_assert_eq!(header.len(), HEADER_LEN);
    w.write_all(header.as_bytes())
}

/// Writes a whole member: header, data from `data` (exactly `size` bytes) and the even padding.
///
/// # Errors
///
/// See [`write_header`]; [`io::ErrorKind::UnexpectedEof`] when `data` is shorter than `size`.
pub fn write_member(
    w: &mut dyn Write,
    name: &str,
    mtime: u64,
    size: u64,
    data: &mut dyn Read,
) -> io::Result<()> {
    write_header(w, name, mtime, size)?;
    let copied = crate::output::copy_in_bulk(&mut data.take(size), w)?;
    if copied != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("ar member `{name}`: expected {size} bytes, got {copied}"),
        ));
    }
    if size % 2 == 1 {
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// A parsed member header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberHeader {
    /// The name, without padding and without the optional GNU `/`.
    pub name: String,
    /// Modification time.
    pub mtime: u64,
    /// Mode (octal in the header).
    pub mode: u32,
    /// Size of the data, without padding.
    pub size: u64,
}

/// Parses a 60-byte member header as dpkg does (`lib/dpkg/ar.c`, `src/deb/extract.c`): the
/// terminator must be `` `\n ``, the size decimal digits after optional leading spaces.
///
/// # Errors
///
/// A description of what is wrong, for [`crate::Error::Malformed`].
pub fn parse_header(h: &[u8; HEADER_LEN]) -> Result<MemberHeader, String> {
    if &h[58..60] != b"`\n" {
        return Err(format!(
            "ar member header has terminator {:?} instead of \"`\\n\"",
            String::from_utf8_lossy(&h[58..60])
        ));
    }
    let text = |r: std::ops::Range<usize>| String::from_utf8_lossy(&h[r]).into_owned();
    let raw_name = text(0..16);
    let name = raw_name.trim_end_matches(' ');
    let name = name.strip_suffix('/').unwrap_or(name).to_string();
    if name.is_empty() {
        return Err(
            "ar member has an empty name (GNU/BSD long-name tables are not allowed in .deb)"
                .to_string(),
        );
    }
    let number = |field: &str, r: std::ops::Range<usize>, radix: u32| -> Result<u64, String> {
        let raw = text(r);
        let t = raw.trim_start_matches(' ').trim_end_matches(' ');
        if t.is_empty() {
            return Ok(0);
        }
        if !t.chars().all(|c| c.is_digit(radix)) {
            return Err(format!(
                "ar member `{name}` has an invalid {field} field {raw:?}"
            ));
        }
        u64::from_str_radix(t, radix)
            .map_err(|e| format!("ar member `{name}`: {field} {raw:?}: {e}"))
    };
    let mtime = number("mtime", 16..28, 10)?;
    let mode = number("mode", 40..48, 8)? as u32;
    let raw_size = text(48..58);
    let size_text = raw_size.trim_start_matches(' ').trim_end_matches(' ');
    if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "ar member `{name}` has an invalid size field {raw_size:?}"
        ));
    }
    let size = size_text
        .parse()
        .map_err(|e| format!("ar member `{name}`: size {raw_size:?}: {e}"))?;
    Ok(MemberHeader {
        name,
        mtime,
        mode,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_exactly_what_dpkg_writes() {
        let mut out = Vec::new();
        write_member(
            &mut out,
            "debian-binary",
            1_700_000_000,
            4,
            &mut &b"2.0\n"[..],
        )
        .unwrap();
        assert_eq!(
            &out[..60],
            b"debian-binary   1700000000  0     0     100644  4         `\n"
        );
        assert_eq!(&out[60..], b"2.0\n");
        let mut odd = Vec::new();
        write_member(&mut odd, "x", 0, 3, &mut &b"abc"[..]).unwrap();
        assert_eq!(odd.len(), 64, "odd members are padded with a newline");
        assert_eq!(odd[63], b'\n');
    }

    #[test]
    fn headers_parse_back_and_bad_ones_are_named() {
        let mut out = Vec::new();
        write_header(&mut out, "data.tar.xz", 5, 12345).unwrap();
        let h: [u8; 60] = out.try_into().unwrap();
        let parsed = parse_header(&h).unwrap();
        assert_eq!(
            parsed,
            MemberHeader {
                name: "data.tar.xz".into(),
                mtime: 5,
                mode: 0o100644,
                size: 12345
            }
        );
        let mut bad = h;
        bad[59] = b'x';
        assert!(parse_header(&bad).unwrap_err().contains("terminator"));
        let mut bad = h;
        bad[50] = b'z';
        assert!(parse_header(&bad).unwrap_err().contains("size"));
    }

    #[test]
    fn names_and_sizes_beyond_the_fields_are_refused() {
        assert!(write_header(&mut Vec::new(), "a-very-long-member-name", 0, 1).is_err());
        assert!(write_header(&mut Vec::new(), "data.tar", 0, MAX_MEMBER_SIZE + 1).is_err());
        assert!(write_header(&mut Vec::new(), "data.tar", 0, MAX_MEMBER_SIZE).is_ok());
    }
}
