//! A fact and its source: the unit of the knowledge base.
//!
//! Every value in `distro/data/*.toml` is written as an inline table
//! `{ value = "…", source = "…" }`, optionally with `confidence = "unverified"` (a lead that was
//! not checked against a primary source) and a `note`. A value nobody could confirm is written
//! `value = "unknown"` — still with a `source` saying where it was looked for — and is never
//! guessed.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::types::{Date, GlibcVersion, PkgName, Soname, Version};

/// How far a fact was checked.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Read from the cited primary source (a package index, a package file, upstream source).
    #[default]
    Verified,
    /// A lead: the source is where the value came from, but it was not re-checked.
    Unverified,
}

impl Confidence {
    /// `verified` or `unverified`.
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::Unverified => "unverified",
        }
    }

    /// The weaker of two confidences (for a cell derived from several facts).
    pub fn and(self, other: Confidence) -> Confidence {
        self.max(other)
    }
}

/// Where a fact comes from: a URL, `owner/repo:path`, "Debian archive index: …", or a command run on
/// this project's machines. Never empty.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Source(String);

impl Source {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Source {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("a `source` is never empty: cite a URL, `owner/repo:path` or the command that showed it".into());
        }
        Ok(Source(s))
    }
}

impl From<Source> for String {
    fn from(s: Source) -> String {
        s.0
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value that may be unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value<T> {
    /// Known.
    Known(T),
    /// Written as `unknown` in the data: nobody confirmed it.
    Unknown,
}

impl<T> Value<T> {
    /// The value if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Value::Known(v) => Some(v),
            Value::Unknown => None,
        }
    }
}

impl<T: fmt::Display> fmt::Display for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Known(v) => v.fmt(f),
            Value::Unknown => f.write_str("unknown"),
        }
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Known(v) => v.serialize(s),
            Value::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// A type that can stand in a fact's `value`.
pub trait FactValue: Sized {
    /// What the data file should hold, for error messages.
    const EXPECTING: &'static str;
    /// Parses the text form.
    fn from_text(s: &str) -> Result<Self, String>;
    /// Parses a list form (only for list-valued facts).
    fn from_list(_items: Vec<String>) -> Result<Self, String> {
        Err(format!("expected {}, found a list", Self::EXPECTING))
    }
}

macro_rules! fact_value_via_fromstr {
    ($t:ty, $expecting:literal) => {
        impl FactValue for $t {
            const EXPECTING: &'static str = $expecting;
            fn from_text(s: &str) -> Result<Self, String> {
                s.parse::<$t>().map_err(|e| e.to_string())
            }
        }
    };
}

fact_value_via_fromstr!(Version, "a dotted version such as `1.5.4`");
fact_value_via_fromstr!(GlibcVersion, "a glibc version such as `2.36`");
fact_value_via_fromstr!(Soname, "a soname such as `libz.so.1`");
fact_value_via_fromstr!(PkgName, "a package name such as `zlib1g`");
fact_value_via_fromstr!(Date, "a date such as `2026-06-10`");

impl FactValue for String {
    const EXPECTING: &'static str = "a string";
    fn from_text(s: &str) -> Result<Self, String> {
        Ok(s.to_string())
    }
}

/// A list of architectures, each in any format's spelling (`amd64`, `x86_64`); `all` is not one.
impl FactValue for super::types::Architectures {
    const EXPECTING: &'static str = "a list of architectures such as `[\"x86_64\", \"aarch64\"]`";
    fn from_text(s: &str) -> Result<Self, String> {
        Err(format!(
            "expected {}, found the string `{s}`",
            Self::EXPECTING
        ))
    }
    fn from_list(items: Vec<String>) -> Result<Self, String> {
        let mut out = Vec::new();
        for item in items {
            let arch: crate::package::Arch = item.parse().map_err(|e| format!("{e}"))?;
            if arch == crate::package::Arch::All {
                return Err(format!(
                    "`{item}` is not a machine: list the architectures the release is made for"
                ));
            }
            if out.contains(&arch) {
                return Err(format!("`{item}` is listed twice"));
            }
            out.push(arch);
        }
        if out.is_empty() {
            return Err("the list is empty: write `unknown` if nobody confirmed it".into());
        }
        Ok(super::types::Architectures(out))
    }
}

/// `yes` or `no`.
impl FactValue for bool {
    const EXPECTING: &'static str = "`yes` or `no`";
    fn from_text(s: &str) -> Result<Self, String> {
        match s {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(format!("expected `yes`, `no` or `unknown`, found `{s}`")),
        }
    }
}

impl<'de, T: FactValue> Deserialize<'de> for Value<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: FactValue> Visitor<'de> for V<T> {
            type Value = Value<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} or \"unknown\"", T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value<T>, E> {
                if s == "unknown" {
                    return Ok(Value::Unknown);
                }
                T::from_text(s).map(Value::Known).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                T::from_list(items)
                    .map(Value::Known)
                    .map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One fact: a value, its source, how far it was checked, and an optional note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    bound(deserialize = "T: FactValue", serialize = "T: Serialize")
)]
pub struct Fact<T> {
    /// The value, or unknown.
    pub value: Value<T>,
    /// Where it comes from.
    pub source: Source,
    /// `verified` (default) or `unverified`.
    #[serde(default)]
    pub confidence: Confidence,
    /// A remark (a caveat, the point release it applies to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The day the primary source was read: facts of rolling and point releases go stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
}

impl<T> Fact<T> {
    /// The value if known.
    pub fn known(&self) -> Option<&T> {
        self.value.known()
    }

    /// True for a known value read from a primary source.
    pub fn is_verified(&self) -> bool {
        matches!(self.value, Value::Known(_)) && self.confidence == Confidence::Verified
    }
}
