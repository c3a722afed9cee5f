//! Renderings of a [`Matrix`]: each is a pure function from the matrix to text.

pub mod html;
pub mod json;
pub mod markdown;
pub mod table;

use super::{Matrix, Row};

/// The output formats of `syspack matrix --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned plain text for a terminal.
    Table,
    /// A GitHub-flavoured Markdown table.
    Markdown,
    /// JSON, layout [`super::SCHEMA`].
    Json,
    /// A standalone HTML page.
    Html,
}

impl std::str::FromStr for OutputFormat {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Ok(match s {
            "table" => OutputFormat::Table,
            "markdown" | "md" => OutputFormat::Markdown,
            "json" => OutputFormat::Json,
            "html" => OutputFormat::Html,
            _ => {
                return Err(crate::Error::Parse {
                    what: "matrix format",
                    value: s.to_string(),
                    reason: "supported: table, markdown, json, html".into(),
                })
            }
        })
    }
}

/// Renders `m` in `format`.
pub fn render(m: &Matrix, format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => table::render(m),
        OutputFormat::Markdown => markdown::render(m),
        OutputFormat::Json => json::render(m),
        OutputFormat::Html => html::render(m),
    }
}

/// The column headers shared by the table-like renderings.
pub(crate) const HEADERS: [&str; 7] = [
    "release",
    "format",
    "installs",
    "runs",
    "builds (system libs)",
    "vendored",
    "depends",
];

/// The text of each column for one row.
pub(crate) fn cells(row: &Row) -> [String; 7] {
    let format = match &row.compression {
        Some(c) => format!("{} ({c})", row.format),
        None => row.format.clone(),
    };
    let deps = row
        .dependencies
        .iter()
        .map(|d| d.relation.clone().unwrap_or_else(|| d.package.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    [
        row.release.to_string(),
        format,
        row.installs.summary(),
        row.runs.summary(),
        row.builds.summary(),
        if row.vendored.is_empty() {
            "-".into()
        } else {
            row.vendored.join(", ")
        },
        if deps.is_empty() { "-".into() } else { deps },
    ]
}

/// The legend printed under the table-like renderings.
pub(crate) const LEGEND: &str =
    "`?` = derived from unverified data; `✓` = proven by a real tool on a real root; other answers are derived from the knowledge base (distro/data).";
