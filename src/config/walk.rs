//! Reading configuration files into the typed tables of [`super::syspack`],
//! [`super::cargo_deb`] and [`super::generate_rpm`].
//!
//! Each table is a serde struct: the struct's fields are the only list of its keys.
//!
//! * [`strict`] (syspack's own tables, `deny_unknown_fields`): an unknown key is an error naming
//!   the file, the dotted key path, the value's TOML type and — by [`strsim`] distance — the
//!   closest key the struct has.
//! * [`lenient`] (cargo-deb's and cargo-generate-rpm's tables): a key the struct does not have is
//!   reported by its dotted path as a warning ([`serde_ignored`]), never silently dropped.
//!
//! Every value error names the dotted path ([`serde_path_to_error`]). Files are read through
//! [`read_bounded`]: regular files only, at most a fixed size.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use syspack_distro::kb::closest;
use toml::Value;

use super::ConfigError;

/// The largest configuration file read (`Cargo.toml`, `syspack.toml`): 1 MiB. Real manifests are
/// a few KB; cargo itself has no limit, but a file that large is a mistake or an attack.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// The largest text file a configuration names (maintainer script, extended description,
/// changelog): 1 MiB.
pub const MAX_TEXT_BYTES: u64 = 1 << 20;

/// The TOML type name of a value, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Integer(_) => "integer",
        Value::Float(_) => "float",
        Value::Boolean(_) => "boolean",
        Value::Datetime(_) => "datetime",
        Value::Array(_) => "array",
        Value::Table(_) => "table",
    }
}

/// Reads a text file of at most `limit` bytes; refuses anything that is not a regular file
/// (a device such as `/dev/zero`, a FIFO, a directory) before reading a byte.
///
/// # Errors
///
/// An [`std::io::Error`] saying which of these went wrong.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a device, FIFO, socket or directory); name a regular file",
        ));
    }
    if meta.len() > limit {
        return Err(too_big(meta.len(), limit));
    }
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_big(text.len() as u64, limit));
    }
    Ok(text)
}

fn too_big(len: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("the file has {len} bytes or more, more than the {limit} bytes syspack reads"),
    )
}

/// Reads a TOML file into a table, with the file named in every error.
pub fn read_toml(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = read_bounded(path, MAX_CONFIG_BYTES).map_err(|source| ConfigError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Syntax {
            file: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
}

/// Joins a possibly relative path onto a base directory.
pub fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// `prefix` + `.` + `rest` (either may be empty; `rest` may start with `[i]`).
pub fn join_key(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else if rest.is_empty() || rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// Deserializes a syspack table: unknown keys are errors (the struct has `deny_unknown_fields`).
///
/// `prefix` is the dotted path of `value` in the file (`package.metadata.syspack`).
pub fn strict<T: DeserializeOwned>(
    file: &Path,
    prefix: &str,
    value: &Value,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value.clone()).map_err(|e| path_error(file, prefix, value, e))
}

/// Deserializes a lenient (cargo-deb / cargo-generate-rpm) table: every key the struct does not
/// have becomes a warning naming its dotted path and `tool`.
pub fn lenient<T: DeserializeOwned>(
    file: &Path,
    prefix: &str,
    value: &Value,
    tool: &str,
    warnings: &mut Vec<String>,
) -> Result<T, ConfigError> {
    let mut ignored = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| ignored.push(ignored_path(&path));
    let de = serde_ignored::Deserializer::new(value.clone(), &mut record);
    let out = serde_path_to_error::deserialize(de).map_err(|e| path_error(file, prefix, value, e));
    for key in ignored {
        warnings.push(format!(
            "`{}` ({tool}) is not used by syspack; ignored",
            join_key(prefix, &key)
        ));
    }
    out
}

/// `assets[0].user`, as the rest of the messages spell paths.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join_key(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

fn path_error(
    file: &Path,
    prefix: &str,
    value: &Value,
    e: serde_path_to_error::Error<toml::de::Error>,
) -> ConfigError {
    let path = e.path().clone();
    let message = e.into_inner().message().trim_end().to_string();
    let key = join_key(prefix, &path_string(&path));
    // serde's own wording for `deny_unknown_fields`:
    // "unknown field `x`, expected one of `a`, `b`" / "expected `a` or `b`" / "there are no fields".
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default().to_string();
        let allowed: Vec<String> = rest
            .split_once(", expected")
            .map(|(_, list)| {
                list.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let hint = closest(&name, allowed.iter().map(String::as_str)).map(str::to_string);
        let kind = lookup(value, &path).map(type_name).unwrap_or("value");
        return ConfigError::UnknownKey {
            file: file.to_path_buf(),
            key,
            kind,
            hint,
            allowed,
        };
    }
    ConfigError::Invalid {
        file: file.to_path_buf(),
        key,
        problem: problem_text(&message),
    }
}

/// serde's messages, in the words the rest of syspack's errors use.
fn problem_text(message: &str) -> String {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return format!("needs `{field}`; add it");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let found = found.split(' ').next().unwrap_or(found);
            return format!("expected {expected}, found a {found}");
        }
    }
    message.to_string()
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn lookup<'v>(mut v: &'v Value, path: &serde_path_to_error::Path) -> Option<&'v Value> {
    use serde_path_to_error::Segment;
    for seg in path.iter() {
        v = match seg {
            Segment::Seq { index } => v.as_array()?.get(*index)?,
            Segment::Map { key } | Segment::Enum { variant: key } => v.as_table()?.get(key)?,
            Segment::Unknown => return None,
        };
    }
    Some(v)
}

/// A permission mode: a string of octal digits (`"0755"`, `"755"`, `"0o755"`).
///
/// A TOML integer is refused: `mode = 0o644` and `mode = 420` are the same number once parsed,
/// and `mode = 644` (decimal 644 = 0o1204) is another, so no reading of an integer is right for
/// every way people write it. Earlier versions read the integer's decimal digits as octal, which
/// turned `0o644` into `-r---w----` and `0o4755` into setgid 0o2541.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode(pub u32);

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::String(s) => parse_octal(&s).map(Mode).map_err(D::Error::custom),
            Value::Integer(i) => Err(D::Error::custom(format!(
                "is the integer {i}; TOML integers lose how they were written (0o644 and 420 are \
                 the same number), so write the mode as a string of octal digits, e.g. \"0644\" or \"0755\""
            ))),
            other => Err(D::Error::custom(format!(
                "expected an octal mode such as \"0755\", found a {}",
                type_name(&other)
            ))),
        }
    }
}

/// `"0755"`, `"755"` or `"0o755"` as a mode of at most 0o7777.
pub fn parse_octal(s: &str) -> Result<u32, String> {
    let text = s.trim();
    let digits = text.strip_prefix("0o").unwrap_or(text);
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o7777 && !digits.is_empty() => Ok(m),
        _ => Err(format!(
            "`{s}` is not an octal permission mode; write it as a string such as \"0755\" or \"0644\""
        )),
    }
}

/// A string, or an integer taken as its decimal text (`release = 2` or `release = "2"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringOrInt(pub String);

impl<'de> Deserialize<'de> for StringOrInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::String(s) => Ok(StringOrInt(s)),
            Value::Integer(i) => Ok(StringOrInt(i.to_string())),
            other => Err(D::Error::custom(format!(
                "expected a string or an integer, found a {}",
                type_name(&other)
            ))),
        }
    }
}

/// One value or an array of them (cargo-deb's `systemd-units`, relation lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    T::deserialize(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}")))
                })
                .collect::<Result<Vec<T>, _>>()
                .map(OneOrMany),
            v => T::deserialize(v)
                .map(|t| OneOrMany(vec![t]))
                .map_err(|e| D::Error::custom(e.to_string())),
        }
    }
}

/// Refuses a file that a relative path names but that a symlink (itself or a parent directory)
/// takes somewhere else: outside the project `root`, or, for a path that climbs out with `..`
/// (`../pkg/deb/postinst` of a workspace member, as cargo-deb reads it), anywhere but where the
/// written path leads. `allow` (the `allow-external-sources` setting) turns the check off.
/// Absolute paths, like `..` itself, are the author's explicit choice; missing files are left to
/// the reader, which names them.
pub fn check_inside(root: &Path, written: &str, path: &Path, allow: bool) -> Result<(), String> {
    if allow || Path::new(written).is_absolute() {
        return Ok(());
    }
    let (Ok(root), Ok(real)) = (std::path::absolute(root), path.canonicalize()) else {
        return Ok(());
    };
    let Ok(root_real) = root.canonicalize() else {
        return Ok(());
    };
    if real.starts_with(&root_real) {
        return Ok(());
    }
    // Out of the project: only where the written path leads without following a link.
    let lexical = lexically_normal(&root.join(written));
    let mut bound = root.clone();
    while !lexical.starts_with(&bound) && bound.pop() {}
    let leads_to = bound
        .canonicalize()
        .ok()
        .zip(lexical.strip_prefix(&bound).ok())
        .map(|(b, rest)| b.join(rest));
    if leads_to.as_ref() == Some(&real) {
        return Ok(());
    }
    Err(format!(
        "`{written}` resolves to `{}`, outside the project `{}` (through a symlink); copy the \
         file into the project, or set `allow-external-sources = true` if this is intended",
        real.display(),
        root_real.display()
    ))
}

/// `path` with `.` and `a/..` removed without looking at the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
