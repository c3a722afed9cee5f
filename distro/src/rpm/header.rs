//! The RPM header structure, shared by the signature header and the main header.
//!
//! A header is an intro (`8E AD E8 01`, four reserved bytes, the index entry count and the data
//! length), an index of 16-byte entries `{tag, type, offset, count}`, and a data store. syspack
//! writes the index sorted by tag (rpm sorts it after reading, so [`Header::parse`] does not
//! require it), and always an *immutable region*: the first entry is the region tag (62 for
//! the signature header, 63 for the main header) pointing at a 16-byte trailer at the end of the
//! store whose offset is `-(16 × entries)`. Data is stored in index order, each value aligned to
//! its type (2, 4 or 8 bytes for INT16/32/64), which is what rpm's `hdrblobVerifyInfo` checks on
//! import.

use std::collections::BTreeMap;

use super::tags::TagType;

/// The header magic, version 1, and four reserved bytes.
pub const MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

/// Largest index count rpm accepts (`hdrchkTags`).
const MAX_ENTRIES: u32 = 0xffff;
/// Largest data store rpm accepts (`hdrchkData`, 256 MiB).
const MAX_DATA: u32 = 0x0fff_ffff;

/// One tag's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagValue {
    /// CHAR data.
    Char(Vec<u8>),
    /// INT8 data.
    Int8(Vec<u8>),
    /// INT16 data.
    Int16(Vec<u16>),
    /// INT32 data.
    Int32(Vec<u32>),
    /// INT64 data.
    Int64(Vec<u64>),
    /// One string.
    String(String),
    /// Bytes.
    Bin(Vec<u8>),
    /// Several strings.
    StringArray(Vec<String>),
    /// Localised strings (one per locale of HEADERI18NTABLE).
    I18nString(Vec<String>),
}

impl TagValue {
    /// The header data type of this value.
    pub fn tag_type(&self) -> TagType {
        match self {
            TagValue::Char(_) => TagType::Char,
            TagValue::Int8(_) => TagType::Int8,
            TagValue::Int16(_) => TagType::Int16,
            TagValue::Int32(_) => TagType::Int32,
            TagValue::Int64(_) => TagType::Int64,
            TagValue::String(_) => TagType::String,
            TagValue::Bin(_) => TagType::Bin,
            TagValue::StringArray(_) => TagType::StringArray,
            TagValue::I18nString(_) => TagType::I18nString,
        }
    }

    /// The index entry's count.
    pub fn count(&self) -> usize {
        match self {
            TagValue::Char(v) | TagValue::Int8(v) | TagValue::Bin(v) => v.len(),
            TagValue::Int16(v) => v.len(),
            TagValue::Int32(v) => v.len(),
            TagValue::Int64(v) => v.len(),
            TagValue::String(_) => 1,
            TagValue::StringArray(v) | TagValue::I18nString(v) => v.len(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            TagValue::Char(v) | TagValue::Int8(v) | TagValue::Bin(v) => out.extend_from_slice(v),
            TagValue::Int16(v) => v
                .iter()
                .for_each(|n| out.extend_from_slice(&n.to_be_bytes())),
            TagValue::Int32(v) => v
                .iter()
                .for_each(|n| out.extend_from_slice(&n.to_be_bytes())),
            TagValue::Int64(v) => v
                .iter()
                .for_each(|n| out.extend_from_slice(&n.to_be_bytes())),
            TagValue::String(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            TagValue::StringArray(v) | TagValue::I18nString(v) => {
                for s in v {
                    out.extend_from_slice(s.as_bytes());
                    out.push(0);
                }
            }
        }
    }

    /// The strings of a string-class value (STRING, STRING_ARRAY, I18NSTRING).
    pub fn as_strings(&self) -> Option<Vec<&str>> {
        match self {
            TagValue::String(s) => Some(vec![s.as_str()]),
            TagValue::StringArray(v) | TagValue::I18nString(v) => {
                Some(v.iter().map(String::as_str).collect())
            }
            _ => None,
        }
    }

    /// The numbers of an integer value, widened to u64.
    pub fn as_numbers(&self) -> Option<Vec<u64>> {
        match self {
            TagValue::Char(v) | TagValue::Int8(v) => Some(v.iter().map(|&n| n as u64).collect()),
            TagValue::Int16(v) => Some(v.iter().map(|&n| n as u64).collect()),
            TagValue::Int32(v) => Some(v.iter().map(|&n| n as u64).collect()),
            TagValue::Int64(v) => Some(v.clone()),
            _ => None,
        }
    }
}

/// A parsed or to-be-written header: its region tag and its tags, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    region: u32,
    tags: BTreeMap<u32, TagValue>,
}

/// Why a header could not be parsed (turned into [`crate::Error::Malformed`] by the reader).
pub type ParseError = String;

impl Header {
    /// An empty header with the given region tag (62 or 63).
    pub fn new(region: u32) -> Self {
        Header {
            region,
            tags: BTreeMap::new(),
        }
    }

    /// The region tag.
    pub fn region(&self) -> u32 {
        self.region
    }

    /// Sets a tag. Empty arrays are not stored: rpm rejects entries with a count of zero.
    pub fn put(&mut self, tag: u32, value: TagValue) {
        if value.count() > 0 {
            self.tags.insert(tag, value);
        }
    }

    /// A tag's value.
    pub fn get(&self, tag: u32) -> Option<&TagValue> {
        self.tags.get(&tag)
    }

    /// Every tag, sorted by number.
    pub fn tags(&self) -> impl Iterator<Item = (u32, &TagValue)> {
        self.tags.iter().map(|(k, v)| (*k, v))
    }

    /// The first string of a string-class tag.
    pub fn string(&self, tag: u32) -> Option<&str> {
        self.get(tag)
            .and_then(|v| v.as_strings())
            .and_then(|v| v.first().copied())
    }

    /// The strings of a string-class tag (empty when absent).
    pub fn strings(&self, tag: u32) -> Vec<&str> {
        self.get(tag)
            .and_then(|v| v.as_strings())
            .unwrap_or_default()
    }

    /// The numbers of an integer tag (empty when absent).
    pub fn numbers(&self, tag: u32) -> Vec<u64> {
        self.get(tag)
            .and_then(|v| v.as_numbers())
            .unwrap_or_default()
    }

    /// The first number of an integer tag.
    pub fn number(&self, tag: u32) -> Option<u64> {
        self.numbers(tag).first().copied()
    }

    /// The bytes of a BIN tag.
    pub fn bin(&self, tag: u32) -> Option<&[u8]> {
        match self.get(tag) {
            Some(TagValue::Bin(b)) => Some(b),
            _ => None,
        }
    }

    /// Serialises the header: intro, index (region entry first, then tags in order) and the
    /// data store (values in index order, aligned, then the region trailer).
    pub fn to_bytes(&self) -> Vec<u8> {
        let entries = self.tags.len() + 1;
        let mut index: Vec<[u8; 16]> = Vec::with_capacity(entries);
        let mut store = Vec::new();
        for (&tag, value) in &self.tags {
            let ty = value.tag_type();
            while store.len() % ty.alignment() != 0 {
                store.push(0);
            }
            index.push(entry(
                tag,
                ty as u32,
                store.len() as i32,
                value.count() as u32,
            ));
            value.encode(&mut store);
        }
        // The region entry points at the trailer; the trailer's negative offset says how many
        // index entries (the region entry included) the region covers.
        let region_entry = entry(self.region, TagType::Bin as u32, store.len() as i32, 16);
        let trailer = entry(self.region, TagType::Bin as u32, -(entries as i32 * 16), 16);
        store.extend_from_slice(&trailer);

        let mut out = Vec::with_capacity(16 + entries * 16 + store.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&(entries as u32).to_be_bytes());
        out.extend_from_slice(&(store.len() as u32).to_be_bytes());
        out.extend_from_slice(&region_entry);
        for e in &index {
            out.extend_from_slice(e);
        }
        out.extend_from_slice(&store);
        out
    }

    /// Reads the intro of a header: returns (index count, data length, total size in bytes).
    ///
    /// # Errors
    ///
    /// A message when the magic is wrong or the sizes are beyond rpm's limits.
    pub fn parse_intro(intro: &[u8]) -> Result<(u32, u32, usize), ParseError> {
        if intro.len() < 16 {
            return Err("the header is truncated".into());
        }
        if intro[..3] != MAGIC[..3] {
            return Err(format!(
                "bad header magic {:02x?} (expected 8e ad e8)",
                &intro[..3]
            ));
        }
        if intro[3] != 1 {
            return Err(format!("unsupported header version {}", intro[3]));
        }
        let il = be32(&intro[8..12]);
        let dl = be32(&intro[12..16]);
        if il == 0 || il > MAX_ENTRIES {
            return Err(format!(
                "the header has {il} index entries (rpm accepts 1 to {MAX_ENTRIES})"
            ));
        }
        if dl > MAX_DATA {
            return Err(format!(
                "the header data store is {dl} bytes (rpm accepts at most {MAX_DATA})"
            ));
        }
        Ok((il, dl, 16 + il as usize * 16 + dl as usize))
    }

    /// Parses a complete header blob (intro, index, store) and validates it as rpm's
    /// `hdrblobInit` does (`lib/header.c`): the region entry and its trailer; then every entry's
    /// tag, type, count, alignment and bounds, data in index order without overlap, and
    /// NUL-terminated UTF-8 strings.
    ///
    /// What rpm accepts, this accepts too, though syspack never writes it:
    ///
    /// * **Unsorted tags.** rpm sorts the index after reading it (`headerSort`); only the data
    ///   must follow the index order. A tag twice in one region is refused: rpm's lookup would
    ///   return either value.
    /// * **"Dribble" entries in the signature header**: index entries after the region, with
    ///   their data after the region trailer, as older `rpmsign` appended them (rpm's own test
    ///   package `hello-2.0-1.x86_64-badima.rpm`). rpm reads the signature header with
    ///   `exact_size` 0 (`lib/signature.c`) and the main header with 1 (`lib/package.c`), so
    ///   only the signature header may have them. A dribble of a tag the region has must repeat
    ///   its value: rpm verifies the region's (`hdrblobGet` takes the first) but shows the
    ///   dribble's (`hdrblobImport` replaces it), so two values are refused as ambiguous.
    /// * A signature region trailer tagged `HEADERIMAGE` (61), as some old packages have.
    ///
    /// # Errors
    ///
    /// A message naming the first problem found.
    pub fn parse(blob: &[u8], region: u32) -> Result<Header, ParseError> {
        let (il, dl, total) = Self::parse_intro(blob)?;
        if blob.len() != total {
            return Err(format!(
                "the header is {} bytes, its intro says {total}",
                blob.len()
            ));
        }
        let index = &blob[16..16 + il as usize * 16];
        let store = &blob[16 + il as usize * 16..];
        let read_entry = |i: usize| {
            let e = &index[i * 16..i * 16 + 16];
            (
                be32(&e[0..4]),
                be32(&e[4..8]),
                be32(&e[8..12]) as i32,
                be32(&e[12..16]),
            )
        };

        // Region entry and trailer (rpm's hdrblobVerifyRegion).
        let (tag, ty, off, count) = read_entry(0);
        if tag != region {
            if tag >= super::tags::HEADERI18NTABLE {
                return Err(format!(
                    "the header has no immutable region (its first tag is {tag}): an rpm v3 \
                     header, written by rpm 3 and older, which syspack does not read"
                ));
            }
            return Err(format!(
                "the first index entry is tag {tag}, expected the region tag {region}"
            ));
        }
        if ty != TagType::Bin as u32 || count != 16 {
            return Err(format!(
                "region tag {region} has type {ty} and count {count}, expected BIN and 16"
            ));
        }
        if off < 0 || off as u64 + 16 > dl as u64 {
            return Err(format!(
                "region trailer at offset {off} does not fit in the {dl}-byte data store"
            ));
        }
        let t = &store[off as usize..off as usize + 16];
        let (ttag, tty, toff, tcount) = (
            be32(&t[0..4]),
            be32(&t[4..8]),
            be32(&t[8..12]) as i32,
            be32(&t[12..16]),
        );
        let trailer_tag_ok = ttag == region
            || (region == super::tags::HEADERSIGNATURES && ttag == super::tags::HEADERIMAGE);
        if !trailer_tag_ok || tty != TagType::Bin as u32 || tcount != 16 {
            return Err(format!("region trailer is {{tag {ttag}, type {tty}, count {tcount}}}, expected {{tag {region}, type 7, count 16}}"));
        }
        // The trailer's negative offset: how many index entries the region covers.
        let region_entries = toff
            .checked_neg()
            .filter(|n| *n > 0 && n % 16 == 0)
            .map(|n| n as u32 / 16)
            .filter(|n| *n <= il)
            .ok_or_else(|| {
                format!("region trailer offset {toff} does not describe 1 to {il} index entries")
            })?;
        let trailer_at = off as usize;
        let region_end = trailer_at + 16;
        let whole = region_entries == il && region_end == dl as usize;
        if !whole && region != super::tags::HEADERSIGNATURES {
            return Err(format!(
                "the region covers {region_entries} of {il} index entries and {region_end} of {dl} \
                 bytes; rpm requires a package's main header to be one region"
            ));
        }

        let mut header = Header::new(region);
        let mut dribbled = std::collections::HashSet::new();
        let mut prev_end = 0usize;
        let mut strings = 0usize;
        for i in 1..il as usize {
            let (tag, ty, off, count) = read_entry(i);
            let dribble = i >= region_entries as usize;
            let what = format!("tag {tag}");
            if tag < 100 {
                return Err(format!(
                    "{what}: tags below 100 other than the region are invalid"
                ));
            }
            let ty =
                TagType::from_u32(ty).ok_or_else(|| format!("{what}: unknown data type {ty}"))?;
            if ty == TagType::Null {
                return Err(format!("{what}: NULL data type"));
            }
            if count == 0 || count > MAX_DATA {
                return Err(format!("{what}: invalid count {count}"));
            }
            if matches!(ty, TagType::StringArray | TagType::I18nString) {
                strings += count as usize;
                if strings > crate::limits::MAX_RPM_STRINGS {
                    return Err(format!(
                        "{what}: the header holds more than {} strings",
                        crate::limits::MAX_RPM_STRINGS
                    ));
                }
            }
            if ty == TagType::String && count != 1 {
                return Err(format!(
                    "{what}: a STRING value must have count 1, found {count}"
                ));
            }
            // A region entry's value lies before the trailer, a dribble's after it.
            let (lo, hi) = if dribble {
                (region_end, dl as usize)
            } else {
                (0, trailer_at)
            };
            if off < 0 || (off as usize) < lo || off as usize > hi {
                return Err(format!(
                    "{what}: data offset {off} is outside its part of the data store ({lo} to {hi})"
                ));
            }
            let off = off as usize;
            if !off.is_multiple_of(ty.alignment()) {
                return Err(format!(
                    "{what}: data offset {off} is not aligned to {} bytes",
                    ty.alignment()
                ));
            }
            if off < prev_end {
                return Err(format!(
                    "{what}: data at offset {off} overlaps the previous value (ends at {prev_end})"
                ));
            }
            let data = &store[off..hi];
            let (value, len) =
                decode(ty, count as usize, data).map_err(|e| format!("{what}: {e}"))?;
            prev_end = off + len;
            let twice = if dribble {
                !dribbled.insert(tag)
            } else {
                header.tags.contains_key(&tag)
            };
            if twice {
                return Err(format!(
                    "{what} appears twice in the {}",
                    if dribble { "dribble entries" } else { "region" }
                ));
            }
            if dribble && header.tags.get(&tag).is_some_and(|v| *v != value) {
                // rpm verifies the first entry of a tag (`hdrblobGet`) but shows the dribble's
                // (`hdrblobImport`): two answers for one tag.
                return Err(format!(
                    "{what} has one value in the region and another in a dribble entry; rpm would \
                     verify the first and show the second"
                ));
            }
            header.tags.insert(tag, value);
        }
        Ok(header)
    }
}

fn entry(tag: u32, ty: u32, offset: i32, count: u32) -> [u8; 16] {
    let mut e = [0u8; 16];
    e[0..4].copy_from_slice(&tag.to_be_bytes());
    e[4..8].copy_from_slice(&ty.to_be_bytes());
    e[8..12].copy_from_slice(&offset.to_be_bytes());
    e[12..16].copy_from_slice(&count.to_be_bytes());
    e
}

/// Reads a big-endian u32 from a 4-byte slice.
pub fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Decodes `count` values of type `ty` from the start of `data`; returns the value and the
/// number of bytes it used.
fn decode(ty: TagType, count: usize, data: &[u8]) -> Result<(TagValue, usize), String> {
    let need = |size: usize| -> Result<usize, String> {
        let len = count.checked_mul(size).ok_or("size overflow")?;
        if len > data.len() {
            Err(format!(
                "{count} values of {size} bytes run past the end of the data store"
            ))
        } else {
            Ok(len)
        }
    };
    Ok(match ty {
        TagType::Null => unreachable!("rejected by the caller"),
        TagType::Char | TagType::Int8 | TagType::Bin => {
            let len = need(1)?;
            let v = data[..len].to_vec();
            let value = match ty {
                TagType::Char => TagValue::Char(v),
                TagType::Int8 => TagValue::Int8(v),
                _ => TagValue::Bin(v),
            };
            (value, len)
        }
        TagType::Int16 => {
            let len = need(2)?;
            let v = data[..len]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            (TagValue::Int16(v), len)
        }
        TagType::Int32 => {
            let len = need(4)?;
            let v = data[..len].chunks_exact(4).map(be32).collect();
            (TagValue::Int32(v), len)
        }
        TagType::Int64 => {
            let len = need(8)?;
            let v = data[..len]
                .chunks_exact(8)
                .map(|c| u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect();
            (TagValue::Int64(v), len)
        }
        TagType::String | TagType::StringArray | TagType::I18nString => {
            let mut strings = Vec::with_capacity(count.min(4096));
            let mut pos = 0;
            for _ in 0..count {
                let rest = &data[pos..];
                let nul = rest
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or("a string is not NUL-terminated inside the data store")?;
                let s =
                    std::str::from_utf8(&rest[..nul]).map_err(|_| "a string is not valid UTF-8")?;
                strings.push(s.to_string());
                pos += nul + 1;
            }
            let value = match ty {
                TagType::String => TagValue::String(strings.pop().unwrap_or_default()),
                TagType::StringArray => TagValue::StringArray(strings),
                _ => TagValue::I18nString(strings),
            };
            (value, pos)
        }
    })
}
