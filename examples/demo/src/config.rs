//! The config file (`/etc/syspack-demo/demo.conf`): `key = value` lines, `#` comments.

use std::path::{Path, PathBuf};

/// What `scan` does.
#[derive(Debug, PartialEq, Eq)]
pub struct Settings {
    pub directory: PathBuf,
    pub filter: String,
    pub output: PathBuf,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            directory: ".".into(),
            filter: "size >= 0".into(),
            output: "report.zst".into(),
        }
    }
}

impl Settings {
    /// Reads a config file over the defaults.
    pub fn load(path: &Path) -> Result<Settings, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("failed to read `{}`: {e}", path.display()))?;
        Settings::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a config file over the defaults.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let mut settings = Settings::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("line {}: expected `key = value`", number + 1))?;
            settings
                .set(key.trim(), value.trim())
                .map_err(|e| format!("line {}: {e}", number + 1))?;
        }
        Ok(settings)
    }

    /// Sets one key.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "directory" => self.directory = value.into(),
            "filter" => self.filter = value.into(),
            "output" => self.output = value.into(),
            _ => {
                return Err(format!(
                    "unknown key `{key}` (known: directory, filter, output)"
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shipped_config() {
        let text = include_str!("../dist/demo.conf");
        let settings = Settings::parse(text).unwrap();
        assert_eq!(settings.directory, PathBuf::from("/var/log"));
        assert!(
            crate::filter::Filter::new(&settings.filter).is_ok(),
            "{}",
            settings.filter
        );
    }

    #[test]
    fn rejects_unknown_keys_with_the_line() {
        let err = Settings::parse("# c\n\ncolour = blue\n").unwrap_err();
        assert!(err.contains("line 3") && err.contains("colour"), "{err}");
    }
}
