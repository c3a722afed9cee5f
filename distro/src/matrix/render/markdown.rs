//! A GitHub-flavoured Markdown table that a README can embed.

use super::{cells, HEADERS, LEGEND};
use crate::matrix::Matrix;

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the matrix as a Markdown table followed by the legend.
pub fn render(m: &Matrix) -> String {
    let mut out = String::new();
    if !m.artifact.is_empty() {
        out.push_str(&format!("Compatibility of **{}**", escape(&m.artifact)));
        if !m.needs.is_empty() {
            out.push_str(&format!(" (needs `{}`)", m.needs.join("`, `")));
        }
        if !m.bundled.is_empty() {
            out.push_str(&format!("; bundled: {}", escape(&m.bundled.join(", "))));
        }
        out.push_str("\n\n");
    }
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADERS.len())));
    for row in &m.rows {
        let c = cells(row);
        let mut first = true;
        out.push('|');
        for cell in c.iter() {
            if first {
                out.push_str(&format!(" `{}` |", escape(cell)));
                first = false;
            } else {
                out.push_str(&format!(" {} |", escape(cell)));
            }
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    out
}
