//! A small TOML reader for `library.toml` and `pin.toml`, and the string quoting of the pin's TOML
//! writer (the provenance JSON's writer is [`crate::json`]).
//!
//! Build scripts compile everything they depend on from scratch in a cold build: a TOML crate
//! with serde, its derive macros (syn) and a JSON crate cost more CPU time than the rest of
//! `syspack-build` together. These two files need only part of TOML: comments, bare or quoted
//! keys, basic and literal strings, arrays (across lines, trailing comma allowed), inline tables,
//! `[table]` and `[[array-of-tables]]` headers. Anything else (numbers, booleans, dates,
//! multi-line strings, dotted keys) is an error that names the line and what was found, and so
//! is a duplicate key.

use std::fmt::Write as _;

/// A value: all that the two files use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Str(String),
    Array(Vec<Value>),
    Table(Table),
}

impl Value {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// A table in file order; each key with the line it is on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) entries: Vec<(String, Value, usize)>,
    /// The line of the table's header or opening brace (1 for the root table).
    pub(crate) line: usize,
}

impl Table {
    fn insert(&mut self, key: String, value: Value, line: usize) -> Result<(), String> {
        if self.entries.iter().any(|(k, _, _)| *k == key) {
            return Err(format!("line {line}: duplicate key `{key}`"));
        }
        self.entries.push((key, value, line));
        Ok(())
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    depth: usize,
}

/// The deepest nesting of arrays and inline tables accepted (the files use two).
const MAX_DEPTH: usize = 32;

/// Parses the text into its root table; the error names the line.
pub(crate) fn parse(text: &str) -> Result<Table, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        line: 1,
        depth: 0,
    };
    let mut root = Table {
        entries: Vec::new(),
        line: 1,
    };
    // Where `key = value` lines go: the root, `[name]` or the last table of `[[name]]`.
    let mut current: Option<(String, bool)> = None;
    loop {
        p.skip_blank_lines();
        let Some(c) = p.peek() else { break };
        if c == b'[' {
            let line = p.line;
            p.pos += 1;
            let array = p.eat(b'[');
            p.skip_ws();
            let name = p.key()?;
            p.skip_ws();
            if !(p.eat(b']') && (!array || p.eat(b']'))) {
                return Err(p.err(if array {
                    "expected `]]` after the table name"
                } else {
                    "expected `]` after the table name"
                }));
            }
            p.end_of_line()?;
            let table = Value::Table(Table {
                entries: Vec::new(),
                line,
            });
            if array {
                match root.get_mut(&name) {
                    Some(Value::Array(items))
                        if items.iter().all(|v| matches!(v, Value::Table(_))) =>
                    {
                        items.push(table)
                    }
                    Some(_) => return Err(format!("line {line}: duplicate key `{name}`")),
                    None => root.insert(name.clone(), Value::Array(vec![table]), line)?,
                }
            } else {
                root.insert(name.clone(), table, line)?;
            }
            current = Some((name, array));
        } else {
            let line = p.line;
            let key = p.key()?;
            p.skip_ws();
            if !p.eat(b'=') {
                return Err(p.err(&format!("expected `=` after the key `{key}`")));
            }
            p.skip_ws();
            let value = p.value()?;
            p.end_of_line()?;
            let table = match &current {
                None => &mut root,
                Some((name, array)) => match root.get_mut(name) {
                    Some(Value::Table(t)) if !array => t,
                    Some(Value::Array(items)) => match items.last_mut() {
                        Some(Value::Table(t)) => t,
                        _ => unreachable!("an array of tables holds tables"),
                    },
                    _ => unreachable!("the current table exists"),
                },
            };
            table.insert(key, value, line)?;
        }
    }
    Ok(root)
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn err(&self, what: &str) -> String {
        let found = match self.text[self.pos..].chars().next() {
            None => "the end of the file".to_string(),
            Some('\n') | Some('\r') => "the end of the line".to_string(),
            Some(c) => format!("`{c}`"),
        };
        format!("line {}: {what}, found {found}", self.line)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.pos += 1;
            }
        }
    }

    fn newline(&mut self) -> bool {
        if self.peek() == Some(b'\r') && self.s.get(self.pos + 1) == Some(&b'\n') {
            self.pos += 1;
        }
        if self.eat(b'\n') {
            self.line += 1;
            true
        } else {
            false
        }
    }

    /// Spaces, comments and line ends (between top-level items and inside arrays).
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_ws();
            self.skip_comment();
            if !self.newline() {
                break;
            }
        }
    }

    fn end_of_line(&mut self) -> Result<(), String> {
        self.skip_ws();
        self.skip_comment();
        if self.peek().is_none() || self.newline() {
            Ok(())
        } else {
            Err(self.err("expected the end of the line after the value"))
        }
    }

    fn key(&mut self) -> Result<String, String> {
        let key = match self.peek() {
            Some(b'"') => self.basic_string()?,
            Some(b'\'') => self.literal_string()?,
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    self.pos += 1;
                }
                if start == self.pos {
                    return Err(self.err("expected a key"));
                }
                self.text[start..self.pos].to_string()
            }
        };
        self.skip_ws();
        if self.peek() == Some(b'.') {
            return Err(self.err("dotted keys are not supported in this file; expected `=`"));
        }
        Ok(key)
    }

    /// A value, nested at most [`MAX_DEPTH`] arrays and inline tables deep (deeper input would
    /// recurse until the stack overflows; found by fuzzing).
    fn value(&mut self) -> Result<Value, String> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(&format!(
                "arrays and inline tables nested more than {MAX_DEPTH} deep"
            )));
        }
        self.depth += 1;
        let v = self.value_inner();
        self.depth -= 1;
        v
    }

    fn value_inner(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'"') => {
                if self.text[self.pos..].starts_with("\"\"\"") {
                    return Err(self.err("multi-line strings are not supported in this file"));
                }
                Ok(Value::Str(self.basic_string()?))
            }
            Some(b'\'') => {
                if self.text[self.pos..].starts_with("'''") {
                    return Err(self.err("multi-line strings are not supported in this file"));
                }
                Ok(Value::Str(self.literal_string()?))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blank_lines();
                    if self.eat(b']') {
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_blank_lines();
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b']') {
                        break;
                    }
                    return Err(self.err("expected `,` or `]` in the array"));
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                let mut t = Table {
                    entries: Vec::new(),
                    line: self.line,
                };
                self.pos += 1;
                self.skip_ws();
                if self.eat(b'}') {
                    return Ok(Value::Table(t));
                }
                loop {
                    self.skip_ws();
                    let line = self.line;
                    let key = self.key()?;
                    self.skip_ws();
                    if !self.eat(b'=') {
                        return Err(self.err(&format!("expected `=` after the key `{key}`")));
                    }
                    self.skip_ws();
                    let v = self.value()?;
                    t.insert(key, v, line)?;
                    self.skip_ws();
                    if self.eat(b',') {
                        continue;
                    }
                    if self.eat(b'}') {
                        break;
                    }
                    return Err(self.err("expected `,` or `}` in the inline table"));
                }
                Ok(Value::Table(t))
            }
            _ => Err(self.err(
                "expected a string, an array or an inline table (other TOML values are not used \
                 in this file)",
            )),
        }
    }

    fn literal_string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                b'\'' => {
                    let s = self.text[start..self.pos].to_string();
                    self.pos += 1;
                    return Ok(s);
                }
                b'\n' => break,
                _ => self.pos += 1,
            }
        }
        Err(self.err("unterminated string: expected `'`"))
    }

    fn basic_string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else { break };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\n' => break,
                '\\' => {
                    self.pos += 1;
                    let e = self.peek().map(char::from);
                    self.pos += 1;
                    match e {
                        Some('"') => out.push('"'),
                        Some('\\') => out.push('\\'),
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some(u @ ('u' | 'U')) => {
                            let n = if u == 'u' { 4 } else { 8 };
                            let hex = self.text.get(self.pos..self.pos + n).unwrap_or("");
                            let ch = u32::from_str_radix(hex, 16)
                                .ok()
                                .filter(|_| hex.len() == n)
                                .and_then(char::from_u32);
                            match ch {
                                Some(ch) => {
                                    out.push(ch);
                                    self.pos += n;
                                }
                                None => {
                                    self.pos -= 2;
                                    return Err(self.err("invalid unicode escape in the string"));
                                }
                            }
                        }
                        _ => {
                            self.pos -= 2;
                            return Err(self.err("invalid escape in the string"));
                        }
                    }
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        Err(self.err("unterminated string: expected `\"`"))
    }
}

/// Reads the fields of one table by name, and reports what serde would: an unknown field with
/// the expected ones, a missing field, a value of the wrong type. `what` names the table in
/// messages (empty for the root).
pub(crate) struct Fields {
    table: Table,
    expected: &'static [&'static str],
    what: String,
}

impl Fields {
    pub(crate) fn new(
        table: Table,
        expected: &'static [&'static str],
        what: &str,
    ) -> Result<Fields, String> {
        for (k, _, line) in &table.entries {
            if !expected.contains(&k.as_str()) {
                let list = expected
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(format!(
                    "line {line}: unknown field `{k}`{}, expected one of {list}",
                    in_what(what)
                ));
            }
        }
        Ok(Fields {
            table,
            expected,
            what: what.to_string(),
        })
    }

    fn take(&mut self, key: &str) -> Option<(Value, usize)> {
        debug_assert!(self.expected.contains(&key));
        let i = self.table.entries.iter().position(|(k, _, _)| k == key)?;
        let (_, v, line) = self.table.entries.remove(i);
        Some((v, line))
    }

    fn missing(&self, key: &str) -> String {
        format!(
            "line {}: missing field `{key}`{}",
            self.table.line,
            in_what(&self.what)
        )
    }

    /// An optional string field.
    pub(crate) fn opt_str(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.take(key) {
            None => Ok(None),
            Some((Value::Str(s), _)) => Ok(Some(s)),
            Some((v, line)) => Err(wrong_type(key, &v, line, "a string")),
        }
    }

    /// A required string field.
    pub(crate) fn str(&mut self, key: &str) -> Result<String, String> {
        self.opt_str(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional array field (empty when absent); each item with the array's line.
    pub(crate) fn array(&mut self, key: &str) -> Result<(Vec<Value>, usize), String> {
        match self.take(key) {
            None => Ok((Vec::new(), self.table.line)),
            Some((Value::Array(a), line)) => Ok((a, line)),
            Some((v, line)) => Err(wrong_type(key, &v, line, "an array")),
        }
    }

    /// A required array field.
    pub(crate) fn required_array(&mut self, key: &str) -> Result<(Vec<Value>, usize), String> {
        if !self.table.entries.iter().any(|(k, _, _)| k == key) {
            return Err(self.missing(key));
        }
        self.array(key)
    }
}

fn in_what(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!(" in {what}")
    }
}

fn wrong_type(key: &str, v: &Value, line: usize, expected: &str) -> String {
    format!(
        "line {line}: invalid type for `{key}`: {}, expected {expected}",
        v.type_name()
    )
}

/// An array item that must be a string.
pub(crate) fn item_str(key: &str, v: Value, line: usize) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s),
        v => Err(wrong_type(key, &v, line, "a string")),
    }
}

/// An array item that must be a table.
pub(crate) fn item_table(key: &str, v: Value, line: usize) -> Result<Table, String> {
    match v {
        Value::Table(t) => Ok(t),
        v => Err(wrong_type(key, &v, line, "a table")),
    }
}

/// A TOML basic string, quoted.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset() {
        let t = parse(
            "# c\na = \"x\\\"y\\u00e9\" # c\n'b' = 'lit\\'\nc = [\n  \"1\", # one\n  { d = \"e\", f = [] },\n]\n\
             [[t]]\nk = \"1\"\n[[t]]\nk = \"2\"\n[s]\nk = \"3\"\n",
        )
        .unwrap();
        assert_eq!(t.entries[0].1, Value::Str("x\"y\u{e9}".into()));
        assert_eq!(t.entries[1].1, Value::Str("lit\\".into()));
        let Value::Array(c) = &t.entries[2].1 else {
            panic!()
        };
        assert_eq!(c.len(), 2);
        let Value::Array(ts) = &t.entries[3].1 else {
            panic!()
        };
        assert_eq!(ts.len(), 2);
        assert_eq!(t.entries[3].2, 8);
        assert!(matches!(&t.entries[4].1, Value::Table(s) if s.entries.len() == 1));
    }

    #[test]
    fn errors_name_the_line() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e("a = \"1\"\na = \"2\"\n"), "line 2: duplicate key `a`");
        assert!(
            e("a = 1\n").starts_with("line 1: expected a string"),
            "{}",
            e("a = 1\n")
        );
        assert!(e("a = \"1\" b\n").contains("end of the line"));
        assert!(e("a.b = \"1\"\n").contains("dotted keys"));
        assert!(e("a = \"1\n").contains("unterminated string"));
        assert!(e("a = [\"1\"\n").contains("line 2"));
    }
}
