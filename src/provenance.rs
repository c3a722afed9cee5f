//! Provenance of C libraries: this binary's own (`syspack --provenance`) and a built project's
//! (from the `SYSPACK_PROVENANCE_*` variables its build scripts hand to rustc, which cargo reports
//! in `build-script-executed` messages).

use anyhow::{Context, Result};
use syspack_distro::Bundled;

/// One library's provenance record (the JSON object written by `syspack-build`).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The library's short name.
    pub library: String,
    /// `system` or `vendored`.
    pub mode: String,
    /// The version, when known.
    pub version: Option<String>,
    /// The whole object, as written.
    pub json: serde_json::Value,
}

impl Record {
    /// Parses one provenance object; `what` names where it came from for messages.
    pub fn parse(text: &str, what: &str) -> Result<Record> {
        let json: serde_json::Value = serde_json::from_str(text)
            .with_context(|| format!("the provenance of {what} is not JSON: `{text}`"))?;
        let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Ok(Record {
            library: field("library")
                .with_context(|| format!("the provenance of {what} has no `library` field"))?,
            mode: field("mode").unwrap_or_else(|| "unknown".into()),
            version: field("version"),
            json,
        })
    }

    /// `Some(name, version)` for a vendored library.
    pub fn bundled(&self) -> Option<Bundled> {
        (self.mode == "vendored").then(|| Bundled {
            name: self.library.clone(),
            version: self.version.clone().unwrap_or_else(|| "unknown".into()),
        })
    }
}

/// The provenance of the libraries inside this syspack binary, sorted by library.
pub fn own() -> Result<Vec<Record>> {
    let mut out = crate::sys_crates::ALL
        .iter()
        .map(|c| Record::parse(c.provenance, &format!("`{}` in this binary", c.library)))
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(out)
}

/// `syspack --provenance`: a JSON array, sorted by library, one object per line inside.
pub fn own_json() -> Result<String> {
    let records = own()?;
    let items: Vec<String> = records.iter().map(|r| format!("  {}", r.json)).collect();
    Ok(format!("[\n{}\n]", items.join(",\n")))
}

/// Collects provenance from `(name, value)` environment pairs of build-script messages.
pub fn from_env_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Record>> {
    let mut out: Vec<Record> = Vec::new();
    for (name, value) in pairs {
        if let Some(lib) = name.strip_prefix("SYSPACK_PROVENANCE_") {
            let r = Record::parse(value, &format!("`{}` (from `{name}`)", lib.to_lowercase()))?;
            if !out.iter().any(|o| o.library == r.library) {
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| a.library.cmp(&b.library));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_provenance_lists_seven_sorted_libraries() {
        let own = own().unwrap();
        let names: Vec<&str> = own.iter().map(|r| r.library.as_str()).collect();
        assert_eq!(
            names,
            [
                "bzip2",
                "expat",
                "libdeflate",
                "libsolv",
                "lzma",
                "zlib",
                "zstd"
            ]
        );
        let parsed: serde_json::Value = serde_json::from_str(&own_json().unwrap()).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 7);
    }

    #[test]
    fn vendored_records_become_bundled() {
        let recs = from_env_pairs([
            ("OTHER", "x"),
            (
                "SYSPACK_PROVENANCE_ZSTD",
                r#"{"library":"zstd","mode":"vendored","version":"1.5.7"}"#,
            ),
            (
                "SYSPACK_PROVENANCE_ZLIB",
                r#"{"library":"zlib","mode":"system","version":"1.2.13"}"#,
            ),
        ])
        .unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].library, "zlib");
        assert_eq!(recs[0].bundled(), None);
        assert_eq!(
            recs[1].bundled(),
            Some(Bundled {
                name: "zstd".into(),
                version: "1.5.7".into()
            })
        );
    }
}
