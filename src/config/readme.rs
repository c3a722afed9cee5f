//! The extended description a package gets when its configuration gives none: the first
//! paragraph of prose in the project's README.
//!
//! Debian's `Description` needs an extended description that is neither empty nor the synopsis
//! again (lintian: `extended-description-is-empty`, `description-synopsis-is-duplicated`, both
//! errors; Debian Policy §3.4). cargo-deb pastes the whole README, Markdown, badges and HTML
//! included (lintian then reports `description-contains-invalid-control-statement` on many
//! crates). syspack reads the README as Markdown and takes its first paragraph of text: headings,
//! badges, images, HTML blocks, code, lists, tables and quotes are skipped, links keep their text.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The longest README read; a README is documentation, not data.
const MAX_README: u64 = 1024 * 1024;

/// The column the paragraph is wrapped at (Debian's control files are read on 80-column
/// terminals; lintian's `extended-description-line-too-long` is over 80).
const WRAP: usize = 79;

/// The first prose paragraph of the README at `path`, wrapped at 79 columns; `None` when the file
/// is missing, unreadable, too large, or has no paragraph of at least three words.
pub(crate) fn first_paragraph(path: &std::path::Path) -> Option<String> {
    let text = super::read_bounded(path, MAX_README).ok()?;
    first_paragraph_of(&text)
}

fn first_paragraph_of(markdown: &str) -> Option<String> {
    // Depth of containers whose paragraphs are not prose of their own (lists, quotes, tables…).
    let mut nested = 0usize;
    let mut in_paragraph = false;
    let mut in_image = 0usize;
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Paragraph) if nested == 0 => {
                in_paragraph = true;
                text.clear();
            }
            Event::End(TagEnd::Paragraph) if in_paragraph => {
                in_paragraph = false;
                let words: Vec<&str> = text.split_whitespace().collect();
                if words.len() >= 3 {
                    return Some(wrap(&words));
                }
            }
            Event::Start(
                Tag::List(_)
                | Tag::BlockQuote(_)
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_)
                | Tag::HtmlBlock
                | Tag::CodeBlock(_)
                | Tag::Heading { .. },
            ) => nested += 1,
            Event::End(
                TagEnd::List(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::Table
                | TagEnd::FootnoteDefinition
                | TagEnd::HtmlBlock
                | TagEnd::CodeBlock
                | TagEnd::Heading(_),
            ) => nested = nested.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if in_paragraph && in_image == 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    None
}

/// Greedy wrapping of `words` at [`WRAP`] columns (a longer word stays whole on its line).
fn wrap(words: &[&str]) -> String {
    let mut out = String::new();
    let mut column = 0;
    for w in words {
        let len = w.chars().count();
        if column > 0 && column + 1 + len > WRAP {
            out.push('\n');
            column = 0;
        } else if column > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(w);
        column += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::first_paragraph_of;

    #[test]
    fn skips_badges_headings_html_and_code_and_keeps_link_text() {
        let readme = "![checks](https://example.org/badge.svg)\n\
            [![Docs](https://example.org/d.svg)](https://example.org/docs)\n\n\
            # tool\n\n\
            <img alt=\"logo\" src=\"logo.svg\"/>\n\n\
            ```console\n$ tool --help\n```\n\n\
            - a list item of several words\n\n\
            > a quote of several words\n\n\
            **tool** is a [tool](https://example.org) for `synchronizing`\n\
            your computer's clock.\n\nSecond paragraph.\n";
        assert_eq!(
            first_paragraph_of(readme).as_deref(),
            Some("tool is a tool for synchronizing your computer's clock.")
        );
    }

    #[test]
    fn wraps_at_79_columns_and_needs_three_words() {
        let long = "word ".repeat(40);
        let p = first_paragraph_of(&format!("Too short.\n\n{long}\n")).unwrap();
        assert!(p.lines().all(|l| l.len() <= 79), "{p}");
        assert_eq!(p.split_whitespace().count(), 40);
        assert_eq!(first_paragraph_of("# Title\n\nShort.\n"), None);
        assert_eq!(first_paragraph_of(""), None);
    }
}
