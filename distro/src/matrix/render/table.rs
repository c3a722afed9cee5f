//! Aligned plain text for a terminal.

use super::{cells, HEADERS, LEGEND};
use crate::matrix::Matrix;

/// Renders the matrix as an aligned table (columns padded to the widest cell).
pub fn render(m: &Matrix) -> String {
    let rows: Vec<[String; 7]> = m.rows.iter().map(cells).collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(&widths).enumerate() {
            if i + 1 == cols.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = String::new();
    if !m.artifact.is_empty() {
        out.push_str(&format!("compatibility of {}", m.artifact));
        if !m.needs.is_empty() {
            out.push_str(&format!(" (needs {})", m.needs.join(", ")));
        }
        out.push('\n');
        if !m.bundled.is_empty() {
            out.push_str(&format!("bundled: {}\n", m.bundled.join(", ")));
        }
    }
    out.push_str(&line(HEADERS.to_vec()));
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out.push_str(&LEGEND.replace('`', ""));
    out.push('\n');
    out
}
