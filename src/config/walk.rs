//! A strict walker over TOML tables: every key that is read is remembered, and [`Table::finish`]
//! rejects the rest with the dotted key path, the value's TOML type and, when a known key is
//! close, a "did you mean" hint (as system-deps does for its metadata).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syspack_distro::kb::closest;
use toml::Value;

use super::ConfigError;

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

/// A table being read, with its dotted path (`package.metadata.syspack.assets[0]`).
pub struct Table<'a> {
    pub file: &'a Path,
    pub path: String,
    pub map: &'a toml::Table,
    used: BTreeSet<String>,
}

impl<'a> Table<'a> {
    pub fn new(file: &'a Path, path: impl Into<String>, map: &'a toml::Table) -> Self {
        Table {
            file,
            path: path.into(),
            map,
            used: BTreeSet::new(),
        }
    }

    /// The dotted path of a key of this table.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn error(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_path_buf(),
            key: self.key_path(key),
            problem: problem.into(),
        }
    }

    fn wrong_type(&self, key: &str, expected: &str, v: &Value) -> ConfigError {
        self.error(
            key,
            format!("expected {expected}, found a {}", type_name(v)),
        )
    }

    pub fn get(&mut self, key: &str) -> Option<&'a Value> {
        let v = self.map.get(key);
        if v.is_some() {
            self.used.insert(key.to_string());
        }
        v
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.wrong_type(key, "a string", v)),
        }
    }

    /// A string, or an integer written as a string (`release = 2` or `release = "2"`).
    pub fn string_or_int(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Integer(i)) => Ok(Some(i.to_string())),
            Some(v) => Err(self.wrong_type(key, "a string or an integer", v)),
        }
    }

    pub fn integer(&mut self, key: &str) -> Result<Option<i64>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) => Ok(Some(*i)),
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
            Some(v) => Err(self.wrong_type(key, "an integer", v)),
        }
    }

    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong_type(key, "`true` or `false`", v)),
        }
    }

    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        v => {
                            return Err(self.error(
                                &format!("{key}[{i}]"),
                                format!("expected a string, found a {}", type_name(v)),
                            ))
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(v) => Err(self.wrong_type(key, "an array of strings", v)),
        }
    }

    pub fn table(&mut self, key: &str) -> Result<Option<Table<'a>>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(Table::new(self.file, self.key_path(key), t))),
            Some(v) => Err(self.wrong_type(key, "a table", v)),
        }
    }

    /// An array of tables (`[[x]]` or `x = [{..}, {..}]`).
    pub fn tables(&mut self, key: &str) -> Result<Option<Vec<Table<'a>>>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Table(t) => out.push(Table::new(self.file, format!("{}[{i}]", self.key_path(key)), t)),
                        v => {
                            return Err(self.error(
                                &format!("{key}[{i}]"),
                                format!("expected a table such as `{{ source = \"…\", dest = \"…\" }}`, found a {}", type_name(v)),
                            ))
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(v) => Err(self.wrong_type(key, "an array of tables", v)),
        }
    }

    /// A required string.
    pub fn required_string(&mut self, key: &str, example: &str) -> Result<String, ConfigError> {
        match self.string(key)? {
            Some(s) => Ok(s),
            None => Err(self.error(key, format!("is missing; add it, e.g. `{key} = {example}`"))),
        }
    }

    /// Rejects every key that was not read, naming the closest allowed key.
    pub fn finish(self, allowed: &[&str]) -> Result<(), ConfigError> {
        for (key, value) in self.map {
            if self.used.contains(key) || allowed.contains(&key.as_str()) {
                continue;
            }
            return Err(ConfigError::UnknownKey {
                file: self.file.to_path_buf(),
                key: self.key_path(key),
                kind: type_name(value),
                hint: closest(key, allowed.iter().copied()).map(str::to_string),
                allowed: allowed.iter().map(|s| s.to_string()).collect(),
            });
        }
        Ok(())
    }

    /// The keys not read so far (for lenient fallbacks that warn instead of failing).
    pub fn unused(&self) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !self.used.contains(*k))
            .map(|k| self.key_path(k))
            .collect()
    }
}

/// Reads a TOML file into a table, with the file named in every error.
pub fn read_toml(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
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
