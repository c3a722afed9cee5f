//! Printing text that came from a package: the one escaping function syspack uses for it.
//!
//! A package is untrusted input. Its names, fields and scripts may carry terminal control
//! sequences (`ESC ] 0 ; … BEL` retitles a terminal, `ESC [ 2 J` clears it, 8-bit `CSI` is
//! U+009B), NUL bytes, or be a gigabyte long. Everything syspack prints that came from a package —
//! `inspect`, `matrix`, error messages — goes through [`escape`] (multi-line text) or [`quote`]
//! (one name in a message, also cut to a short prefix).
//!
//! Escaped are the C0 controls except newline and tab (`\x1b`, `\0`…), DEL, and the C1 controls
//! U+0080–U+009F (`\u{9b}`); a backslash is left as is, so plain text prints unchanged.
//!
//! Also [`wrap`], the word wrap every package description gets.

use std::borrow::Cow;
use std::fmt::Write;

/// How many characters of a name [`quote`] keeps.
pub const QUOTE_CHARS: usize = 160;

fn needs_escape(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => false,
    }
}

fn escape_impl(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c, keep_newlines) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x80 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control character escaped except newline and tab: for multi-line output
/// such as `syspack inspect`'s listing.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_impl(s, true)
}

/// `s` on one line: every control character escaped, newline and tab included.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape_impl(s, false)
}

/// One name or value for a message: escaped onto one line and cut to its first
/// [`QUOTE_CHARS`] characters, saying how long it really was.
pub fn quote(s: &str) -> String {
    let count = s.chars().count();
    if count <= QUOTE_CHARS {
        return escape_line(s).into_owned();
    }
    let end = s
        .char_indices()
        .nth(QUOTE_CHARS)
        .map_or(s.len(), |(i, _)| i);
    format!("{}… ({} bytes in all)", escape_line(&s[..end]), s.len())
}

/// [`quote`] for bytes that may not be UTF-8 (decoded lossily).
pub fn quote_bytes(b: &[u8]) -> String {
    let cut = &b[..b.len().min(QUOTE_CHARS)];
    let decoded = String::from_utf8_lossy(cut);
    if cut.len() < b.len() {
        format!("{}… ({} bytes in all)", escape_line(&decoded), b.len())
    } else {
        escape_line(&decoded).into_owned()
    }
}

/// `s` cut to at most `max` bytes (at a character boundary), saying so when cut.
pub fn bounded(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} bytes in all)", &s[..end], s.len()))
}

/// Word-wraps each line of `text` longer than `width` characters at spaces; lines starting with
/// a space (preformatted in Debian descriptions) and single words longer than `width` stay.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.chars().count() <= width || line.starts_with(' ') {
            out.push(line.to_string());
            continue;
        }
        let mut cur = String::new();
        for word in line.split_whitespace() {
            if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out.join("\n")
}

/// A one-line summary of at most `max` characters for `synopsis` (Debian's synopsis: Policy
/// §3.4.1, "under 80 characters"; RPM's Summary: rpmlint's `MaxLineLength`, 79), with the long
/// description to write under it. A longer one becomes its first sentence if that fits, else its
/// words up to the limit; then the whole text leads the long description as its own paragraph
/// (unless the long description already starts with it), so nothing is lost and the long
/// description never starts mid-sentence.
pub fn shorten_summary<'a>(
    synopsis: &str,
    description: &'a str,
    max: usize,
) -> (String, Cow<'a, str>) {
    if synopsis.chars().count() <= max {
        return (synopsis.to_string(), Cow::Borrowed(description));
    }
    let one_line = synopsis.split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = match one_line.find(". ") {
        Some(i) => one_line[..i].to_string(),
        None => one_line.trim_end_matches('.').to_string(),
    };
    let short = if !sentence.is_empty() && sentence.chars().count() <= max {
        sentence
    } else {
        let mut cut = String::new();
        for word in synopsis.split_whitespace() {
            if cut.chars().count() + 1 + word.chars().count() > max {
                break;
            }
            if !cut.is_empty() {
                cut.push(' ');
            }
            cut.push_str(word);
        }
        if cut.is_empty() {
            synopsis.chars().take(max).collect()
        } else {
            cut.trim_end_matches([',', ';', ':']).to_string()
        }
    };
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat(description).starts_with(&flat(synopsis)) {
        return (short, Cow::Borrowed(description));
    }
    // Wrapped at the synopsis' width, the lead's first line can be the cut synopsis itself,
    // which lintian refuses (description-synopsis-is-duplicated compares the two, letters and
    // digits only): then it is wrapped narrower, so its first line is a shorter prefix.
    let alnum = |t: &str| -> String {
        t.chars()
            .filter(char::is_ascii_alphanumeric)
            .flat_map(|c| c.to_lowercase())
            .collect()
    };
    let mut width = max;
    let mut lead = wrap(synopsis, width);
    while width > 20 && alnum(lead.lines().next().unwrap_or("")) == alnum(&short) {
        width -= 8;
        lead = wrap(synopsis, width);
    }
    let long = if description.trim().is_empty() {
        lead
    } else {
        format!("{lead}\n\n{}", description.trim_matches('\n'))
    };
    (short, Cow::Owned(long))
}

#[cfg(test)]
mod tests {

    #[test]
    fn long_description_lines_are_wrapped() {
        let long = "word ".repeat(30);
        let w = wrap(long.trim(), 79);
        assert!(w.lines().all(|l| l.len() <= 79), "{w}");
        assert_eq!(w.split_whitespace().count(), 30);
        assert_eq!(wrap("short\n\nparagraph", 79), "short\n\nparagraph");
    }
    use super::*;

    #[test]
    fn controls_are_escaped_and_text_is_not() {
        assert_eq!(escape("plain /usr/bin/x ü\n"), "plain /usr/bin/x ü\n");
        assert_eq!(
            escape("a\x1b]0;pwned\x07b\0c\u{9b}2J\r"),
            "a\\x1b]0;pwned\\x07b\\x00c\\u{9b}2J\\x0d"
        );
        assert_eq!(escape_line("a\nb\tc"), "a\\nb\\tc");
        assert!(matches!(escape("no controls"), Cow::Borrowed(_)));
    }

    #[test]
    fn quotes_are_short() {
        let long = "x".repeat(1 << 20);
        let q = quote(&long);
        assert!(q.len() < 300, "{}", q.len());
        assert!(q.contains("1048576 bytes in all"), "{q}");
        assert_eq!(quote("\x1b[2J"), "\\x1b[2J");
        let q = quote_bytes(&vec![0xffu8; 100_000]);
        assert!(q.len() < 1000 && q.contains("100000 bytes in all"), "{q}");
        assert_eq!(bounded("abc", 10), "abc");
        assert!(bounded(&"é".repeat(100), 11).starts_with("ééééé…"));
    }
}
