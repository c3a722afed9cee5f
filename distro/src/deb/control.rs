//! The `control` file (deb822, one paragraph) and the rules for the values that go in it:
//! package names, versions (deb-version(7)), relations and the description.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::package::{Entry, Metadata, Package, Relation, VersionOp};

/// A binary package's `control` file: fields in order, each value as written.
///
/// A value keeps its continuation lines verbatim (each starting with a space), joined with `\n`;
/// the first line is stored without the space after the colon. [`FromStr`] and [`Display`] are
/// inverses on canonical text (`Name: value`, one space after the colon):
///
/// ```
/// use syspack_distro::deb::Control;
///
/// let text = "Package: hello\nVersion: 1.0-1\nDescription: says hello\n long text\n .\n more\n";
/// let control: Control = text.parse()?;
/// assert_eq!(control.get("package"), Some("hello"));
/// assert_eq!(control.to_string(), text);
/// # Ok::<(), syspack_distro::Error>(())
/// ```
///
/// [`Display`]: fmt::Display
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Control {
    fields: Vec<(String, String)>,
}

impl Control {
    /// An empty paragraph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of a field (names compare case-insensitively, as in deb822).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a field, replacing an existing value in place or appending a new field.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .fields
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.to_string(), value)),
        }
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// `Package`.
    pub fn package(&self) -> Option<&str> {
        self.get("Package")
    }

    /// `Version`.
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    /// `Architecture`.
    pub fn architecture(&self) -> Option<&str> {
        self.get("Architecture")
    }

    /// `Installed-Size` in KiB, when present and numeric.
    pub fn installed_size(&self) -> Option<u64> {
        self.get("Installed-Size")
            .and_then(|v| v.trim().parse().ok())
    }

    /// The control file dpkg needs for `pkg`, with every value validated.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidField`] naming the field, the value and the fix: an invalid name or version,
    /// a missing maintainer or summary, a multi-line value, an invalid relation.
    pub fn for_package(pkg: &Package) -> Result<Self> {
        let m = &pkg.metadata;
        validate_name(&m.name)?;
        let version = full_version(m)?;
        let mut c = Control::new();
        c.set("Package", m.name.clone());
        c.set("Version", version);
        c.set("Architecture", m.arch.deb());
        let maintainer = single_line("maintainer", m.maintainer.trim())?;
        if maintainer.is_empty() {
            return Err(Error::invalid_field(
                "deb",
                "maintainer",
                "",
                "Debian packages must name a maintainer",
                Some("set `maintainer = \"Full Name <email@example.org>\"`".into()),
            ));
        }
        c.set("Maintainer", maintainer);
        c.set("Installed-Size", installed_size_kib(pkg).to_string());
        let r = &m.relations;
        // The maintainer scripts' systemd handling runs deb-systemd-helper (see `scripts`), as
        // debhelper's does: the package depends on it as dh_installsystemd makes packages do.
        let mut depends = r.depends.clone();
        if !pkg.systemd_units.is_empty() && !depends.iter().any(|d| d.name == SYSTEMD_HELPERS) {
            depends.push(Relation {
                name: SYSTEMD_HELPERS.into(),
                constraint: Some((VersionOp::Ge, SYSTEMD_HELPERS_MIN.into())),
            });
        }
        let lists: [(&str, &'static str, &Vec<Relation>); 7] = [
            ("Pre-Depends", "pre-depends", &r.pre_depends),
            ("Depends", "depends", &depends),
            ("Recommends", "recommends", &r.recommends),
            ("Suggests", "suggests", &r.suggests),
            ("Conflicts", "conflicts", &r.conflicts),
            ("Provides", "provides", &r.provides),
            ("Replaces", "replaces", &r.replaces),
        ];
        for (field, key, list) in lists {
            if !list.is_empty() {
                c.set(field, format_relations(key, list)?);
            }
        }
        if let Some(section) = &m.section {
            c.set("Section", simple_word("section", section)?);
        }
        let priority = m.priority.as_deref().unwrap_or("optional");
        c.set("Priority", simple_word("priority", priority)?);
        if let Some(home) = &m.homepage {
            c.set("Homepage", simple_word("homepage", home)?);
        }
        c.set("Description", description(m)?);
        for (name, value) in &m.deb_fields {
            let valid_name = !name.is_empty()
                && !name.starts_with(['#', '-'])
                && name.chars().all(|c| c.is_ascii_graphic() && c != ':');
            if !valid_name || c.get(name).is_some() {
                return Err(Error::invalid_field(
                    "deb",
                    "control field",
                    name.clone(),
                    "is not a valid control field name, or a field syspack writes itself",
                    None,
                ));
            }
            c.set(name, single_line("control field", value.trim())?);
        }
        Ok(c)
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.fields {
            let mut lines = value.split('\n');
            let first = lines.next().unwrap_or("");
            if first.is_empty() {
                write!(f, "{name}:")?;
            } else {
                write!(f, "{name}: {first}")?;
            }
            for line in lines {
                write!(f, "\n{line}")?;
            }
            f.write_str("\n")?;
        }
        Ok(())
    }
}

impl FromStr for Control {
    type Err = Error;

    /// Parses one deb822 paragraph. Blank lines before and after are allowed; a second paragraph,
    /// a duplicate field, a line without a colon or a continuation line before any field is an
    /// error.
    fn from_str(s: &str) -> Result<Self> {
        let err = |line_no: usize, reason: String| Error::Parse {
            what: "control file",
            value: s.lines().nth(line_no).unwrap_or("").to_string(),
            reason: format!("line {}: {reason}", line_no + 1),
        };
        let mut c = Control::new();
        let mut ended = false;
        for (i, line) in s.lines().enumerate() {
            if line.trim().is_empty() {
                if !c.fields.is_empty() {
                    ended = true;
                }
                continue;
            }
            if ended {
                return Err(err(
                    i,
                    "a control file holds one paragraph; remove the blank line".into(),
                ));
            }
            if line.starts_with([' ', '\t']) {
                match c.fields.last_mut() {
                    Some((_, v)) => {
                        v.push('\n');
                        v.push_str(line.trim_end());
                    }
                    None => return Err(err(i, "continuation line before the first field".into())),
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(err(i, "expected `Field: value`".into()));
            };
            if name.is_empty() || name.starts_with(['#', '-']) || name.contains(char::is_whitespace)
            {
                return Err(err(i, format!("invalid field name `{name}`")));
            }
            if c.get(name).is_some() {
                return Err(err(i, format!("duplicate field `{name}`")));
            }
            c.fields.push((name.to_string(), value.trim().to_string()));
        }
        if c.fields.is_empty() {
            return Err(Error::Parse {
                what: "control file",
                value: String::new(),
                reason: "it is empty".into(),
            });
        }
        Ok(c)
    }
}

/// Checks a Debian package name: lowercase letters, digits, `+`, `-`, `.`, at least two
/// characters, starting with a letter or digit (Policy §5.6.1).
///
/// # Errors
///
/// [`Error::InvalidField`] with a suggested valid spelling.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    if ok {
        return Ok(());
    }
    let suggestion: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches(['-', '+', '.'])
        .to_string();
    let hint = if suggestion.len() >= 2 {
        Some(format!("use `{suggestion}`"))
    } else {
        Some("use at least two characters".into())
    };
    Err(Error::invalid_field(
        "deb",
        "name",
        name,
        "Debian package names are at least two characters of lowercase letters, digits, `+`, `-` and `.`, starting with a letter or digit",
        hint,
    ))
}

/// The `Version` value, `[epoch:]upstream[-revision]`, checked against deb-version(7): the
/// upstream version starts with a digit and holds only letters, digits, `.`, `+`, `~` (and `-` when
/// there is a revision); the revision holds letters, digits, `.`, `+`, `~`. An empty `release`
/// gives a native version without revision.
///
/// # Errors
///
/// [`Error::InvalidField`] naming the part that is wrong.
pub fn full_version(m: &Metadata) -> Result<String> {
    let upstream = &m.version;
    let has_revision = !m.release.is_empty();
    let bad = |field: &'static str, value: &str, reason: &str, hint: &str| {
        Err(Error::invalid_field(
            "deb",
            field,
            value,
            reason,
            Some(hint.to_string()),
        ))
    };
    if upstream.is_empty() {
        return bad(
            "version",
            upstream,
            "the version is empty",
            "set the package version, e.g. `1.0.0`",
        );
    }
    if upstream.chars().any(char::is_whitespace) {
        return bad(
            "version",
            upstream,
            "Debian versions cannot contain spaces",
            &format!(
                "use `{}`",
                upstream.split_whitespace().collect::<Vec<_>>().join("~")
            ),
        );
    }
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return bad(
            "version",
            upstream,
            "a Debian upstream version must start with a digit",
            "prefix it with a number, e.g. `0~` + the version",
        );
    }
    if upstream.contains(':') {
        return bad(
            "version",
            upstream,
            "`:` separates the epoch",
            "set `epoch` separately and drop the `:`",
        );
    }
    if let Some(c) = upstream
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | '-')))
    {
        return bad(
            "version",
            upstream,
            &format!("`{c}` is not allowed (letters, digits, `.`, `+`, `~`, `-` are)"),
            "replace it with `.` or `~` (`~` sorts before anything, for pre-releases)",
        );
    }
    if upstream.contains('-') && !has_revision {
        return bad(
            "version",
            upstream,
            "a native Debian version (no release) cannot contain `-`",
            "set a release such as `1`, or replace `-` with `~`",
        );
    }
    if has_revision {
        if let Some(c) = m
            .release
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')))
        {
            return bad(
                "release",
                &m.release,
                &format!("`{c}` is not allowed in a Debian revision (letters, digits, `.`, `+`, `~` are)"),
                "use a revision such as `1`",
            );
        }
    }
    let mut v = String::new();
    if let Some(e) = m.epoch {
        v.push_str(&format!("{e}:"));
    }
    v.push_str(upstream);
    if has_revision {
        v.push('-');
        v.push_str(&m.release);
    }
    Ok(v)
}

/// The version as it appears in file names: without the epoch.
pub(crate) fn file_name_version(full: &str) -> &str {
    full.split_once(':').map_or(full, |(_, v)| v)
}

/// `Installed-Size` in KiB with dpkg-gencontrol's rule: every regular file and symlink counts its
/// size (a symlink's size is its target's length) rounded up to whole KiB, every other object
/// (each directory, including the root `./`) counts 1 KiB.
pub fn installed_size_kib(pkg: &Package) -> u64 {
    let kib = |bytes: u64| bytes.div_ceil(1024);
    1 + pkg
        .entries_with_parents()
        .values()
        .map(|e| match e {
            Entry::File(f) => kib(f.size),
            Entry::Symlink(s) => kib(s.target.len() as u64),
            Entry::Dir(_) => 1,
        })
        .sum::<u64>()
}

fn format_relations(field: &'static str, list: &[Relation]) -> Result<String> {
    let mut out = Vec::new();
    for r in list {
        // `name` or `name:arch` (`python3:any`).
        let (base, arch) = match r.name.split_once(':') {
            Some((b, a)) => (b, Some(a)),
            None => (r.name.as_str(), None),
        };
        let arch_ok = match arch {
            None => true,
            Some(a) => !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        };
        if validate_name(base).is_err() || !arch_ok {
            return Err(Error::invalid_field(
                "deb",
                field,
                r.name.clone(),
                "not a Debian package name (lowercase letters, digits, `+`, `-`, `.`; optionally `:arch`)",
                Some("use the Debian package's name, e.g. `libssl3`; alternatives (`a | b`) are not supported".into()),
            ));
        }
        match &r.constraint {
            None => out.push(r.name.clone()),
            Some((op, v)) => {
                if field == "provides" && *op != VersionOp::Eq {
                    return Err(Error::invalid_field(
                        "deb",
                        field,
                        format!("{} {} {v}", r.name, op.debian()),
                        "a versioned Provides may only use `=`",
                        Some(format!("write `{} (= {v})`", r.name)),
                    ));
                }
                let v_ok = !v.is_empty()
                    && v.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | '-' | ':')
                    });
                if !v_ok {
                    return Err(Error::invalid_field(
                        "deb",
                        field,
                        format!("{} {v}", r.name),
                        "the version has characters a Debian version cannot contain",
                        Some("use letters, digits, `.`, `+`, `~`, `-`, `:`".into()),
                    ));
                }
                out.push(format!("{} ({} {v})", r.name, op.debian()));
            }
        }
    }
    Ok(out.join(", "))
}

fn single_line<'a>(field: &'static str, value: &'a str) -> Result<&'a str> {
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_field(
            "deb",
            field,
            value,
            "must be a single line without control characters",
            Some("remove the line breaks".into()),
        ));
    }
    Ok(value)
}

fn simple_word(field: &'static str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_field(
            "deb",
            field,
            value,
            "must be one word without spaces",
            Some(match field {
                "section" => "use a Debian section such as `utils`, `net` or `devel`".into(),
                "priority" => "use `optional` (the default) or another Debian priority".into(),
                _ => "use a single URL".into(),
            }),
        ));
    }
    Ok(v.to_string())
}

/// `Description`: the synopsis, then each line of the long description prefixed with a space; an
/// empty line becomes ` .`. Leading and trailing blank lines are dropped.
/// True when `text` starts with the package name as a word, as lintian's
/// `description-starts-with-package-name` check finds it (case-insensitively).
fn starts_with_name(text: &str, name: &str) -> bool {
    let (Some(head), Some(rest)) = (text.get(..name.len()), text.get(name.len()..)) else {
        return false;
    };
    head.eq_ignore_ascii_case(name)
        && !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The text after a leading package name: `name - x`, `name: x`, `name, x`, `name is a x`,
/// `name is an x`, `name is x`, `name x` all give `x` (empty when nothing is left).
fn drop_name(text: &str, name: &str) -> String {
    let mut rest = text[name.len()..].trim_start();
    rest = rest
        .trim_start_matches(['-', ':', ',', '–', '—', '|'])
        .trim_start();
    for lead in ["is an ", "is a ", "is the ", "is "] {
        if rest.len() >= lead.len() && rest[..lead.len()].eq_ignore_ascii_case(lead) {
            rest = rest[lead.len()..].trim_start();
            break;
        }
    }
    rest.trim().to_string()
}

/// The first sentence of `text` (up to `. ` or the end), on one line.
fn first_sentence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(i) => one_line[..i].to_string(),
        None => one_line.trim_end_matches('.').to_string(),
    }
}

/// The Debian synopsis for `summary`: lintian refuses one that starts with the package name
/// (Developer's Reference §6.2.2: the synopsis is a phrase describing the package, not a
/// sentence naming it). A leading `name - ` / `name: ` / `name is a` is dropped; when nothing is
/// left, the first sentence of the long description that does not start with the name is used;
/// failing that, `Package <name>`. Never empty.
pub fn synopsis_for(name: &str, summary: &str, description: &str) -> String {
    if !starts_with_name(summary, name) {
        return summary.to_string();
    }
    let dropped = drop_name(summary, name);
    if !dropped.is_empty() && !starts_with_name(&dropped, name) {
        return dropped;
    }
    let sentence = first_sentence(description);
    if !sentence.is_empty() && !starts_with_name(&sentence, name) && sentence.len() <= 80 {
        return sentence;
    }
    if starts_with_name(&sentence, name) {
        let dropped = drop_name(&sentence, name);
        if !dropped.is_empty() && !starts_with_name(&dropped, name) && dropped.len() <= 80 {
            return dropped;
        }
    }
    format!("Package {name}")
}

/// The package of `deb-systemd-helper` and `deb-systemd-invoke`, and the oldest version the
/// maintainer scripts' calls work with (what dh_installsystemd of debhelper 13 requires).
const SYSTEMD_HELPERS: &str = "init-system-helpers";
const SYSTEMD_HELPERS_MIN: &str = "1.54~";

/// The longest synopsis Debian Policy §3.4.1 allows ("certainly under 80 characters").
pub const MAX_SYNOPSIS: usize = 79;

fn description(m: &Metadata) -> Result<String> {
    let synopsis = single_line("summary", m.summary.trim())?;
    if synopsis.is_empty() {
        return Err(Error::invalid_field(
            "deb",
            "summary",
            "",
            "Debian packages need a one-line synopsis",
            Some("set `summary` (or the Cargo `description`)".into()),
        ));
    }
    let synopsis = synopsis_for(&m.name, synopsis, &m.description);
    let (mut out, long) = crate::text::shorten_summary(&synopsis, &m.description, MAX_SYNOPSIS);
    let lines: Vec<&str> = long.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    if let (Some(a), Some(b)) = (first, last) {
        for line in &lines[a..=b] {
            if line.chars().any(|c| c.is_control()) {
                return Err(Error::invalid_field(
                    "deb",
                    "description",
                    *line,
                    "contains a control character (tab, escape…)",
                    Some("use spaces instead of tabs".into()),
                ));
            }
            out.push('\n');
            if line.is_empty() {
                out.push_str(" .");
            } else {
                out.push(' ');
                out.push_str(line);
            }
        }
    }
    Ok(out)
}
