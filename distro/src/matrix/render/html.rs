//! A standalone HTML page.

use super::{cells, HEADERS, LEGEND};
use crate::matrix::{Matrix, Status};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn class(s: Status) -> &'static str {
    match s {
        Status::Yes => "yes",
        Status::No => "no",
        Status::Unknown => "unknown",
        Status::NotApplicable => "na",
    }
}

/// Renders the matrix as an HTML document with one table; cells carry a class (`yes`, `no`,
/// `unknown`, `na`) for styling.
pub fn render(m: &Matrix) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>compatibility of {}</title>\n",
        escape(&m.artifact)
    ));
    out.push_str("<style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;text-align:left}.yes{background:#dfd}.no{background:#fdd}.unknown{background:#ffd}.na{color:#777}</style>\n");
    out.push_str("</head>\n<body>\n");
    out.push_str(&format!(
        "<h1>Compatibility of {}</h1>\n",
        escape(&m.artifact)
    ));
    if !m.needs.is_empty() {
        out.push_str(&format!("<p>needs {}</p>\n", escape(&m.needs.join(", "))));
    }
    if !m.bundled.is_empty() {
        out.push_str(&format!(
            "<p>bundled: {}</p>\n",
            escape(&m.bundled.join(", "))
        ));
    }
    out.push_str("<table>\n<tr>");
    for h in HEADERS {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr>\n");
    for row in &m.rows {
        let c = cells(row);
        let statuses = [
            None,
            None,
            Some(row.installs.status),
            Some(row.runs.status),
            Some(row.builds.status),
            None,
            None,
        ];
        out.push_str("<tr>");
        for (text, status) in c.iter().zip(statuses) {
            match status {
                Some(s) => {
                    out.push_str(&format!("<td class=\"{}\">{}</td>", class(s), escape(text)))
                }
                None => out.push_str(&format!("<td>{}</td>", escape(text))),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out.push_str(&format!("<p>{}</p>\n", escape(&LEGEND.replace('`', ""))));
    out.push_str("</body>\n</html>\n");
    out
}
