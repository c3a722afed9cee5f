//! The provenance JSON's writer: one-line objects with fields in the order they are added.
//!
//! Hand-written for the reason [`crate::tomlite`] is: a build script compiles its dependencies
//! from scratch in a cold build, and `serde_json` would cost more than the rest of
//! `syspack-build`. Strings are escaped as `serde_json` escapes them (the test below).

use std::fmt::Write as _;

/// A JSON string, quoted and escaped as serde_json does (short escapes for `"`, `\`, `\n`, `\t`,
/// `\r`, backspace and form feed; `\u00XX` for other control characters; everything else as is).
pub(crate) fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A one-line JSON object with fields in the order they are added.
#[derive(Default)]
pub(crate) struct JsonObject {
    out: String,
}

impl JsonObject {
    /// A field whose value is already JSON.
    pub(crate) fn raw(&mut self, key: &str, json: &str) -> &mut JsonObject {
        self.out
            .push_str(if self.out.is_empty() { "{" } else { "," });
        self.out.push_str(&json_str(key));
        self.out.push(':');
        self.out.push_str(json);
        self
    }

    /// A string field.
    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut JsonObject {
        self.raw(key, &json_str(value))
    }

    /// A string or `null`.
    pub(crate) fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut JsonObject {
        match value {
            Some(v) => self.str(key, v),
            None => self.raw(key, "null"),
        }
    }

    /// An array of strings.
    pub(crate) fn strs(&mut self, key: &str, values: &[String]) -> &mut JsonObject {
        let items: Vec<String> = values.iter().map(|v| json_str(v)).collect();
        self.raw(key, &format!("[{}]", items.join(",")))
    }

    /// The object's JSON text.
    pub(crate) fn finish(&self) -> String {
        if self.out.is_empty() {
            "{}".to_string()
        } else {
            format!("{}}}", self.out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_like_serde_json() {
        assert_eq!(
            json_str("a\"\\\n\t\r\u{8}\u{c}\u{1}é"),
            r#""a\"\\\n\t\r\b\f\u0001é""#
        );
        let mut o = JsonObject::default();
        o.str("a", "b").opt_str("c", None).strs("d", &["e".into()]);
        assert_eq!(o.finish(), r#"{"a":"b","c":null,"d":["e"]}"#);
    }
}
