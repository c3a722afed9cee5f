//! The documentation every Debian binary package ships (Policy §12.5, §12.7): a Debian changelog
//! and a machine-readable (DEP-5) copyright file in `/usr/share/doc/<package>/`.

use std::io::Write;

use crate::compress::{Compression, Encoder};
use crate::deb::control::full_version;
use crate::error::{Error, Result};
use crate::package::{FileEntry, InstallPath, Package};

/// Adds `/usr/share/doc/<name>/changelog.Debian.gz` (`changelog.gz` for a native version, that
/// is with an empty `release`) and `/usr/share/doc/<name>/copyright` to `pkg`, each unless the
/// package already has it, and returns the paths it added. Call it before [`super::Writer::new`]
/// when the package does not bring its own; the writer itself never adds files.
///
/// The changelog is one entry for the package's version, dated with the package's
/// [`SourceDate`](crate::SourceDate) (RFC 2822, UTC), signed by the maintainer, compressed like
/// `gzip -9n` (no name, time stamp 0). The copyright file is DEP-5, naming the maintainer as
/// copyright holder and the package's licence: licences in Debian's `/usr/share/common-licenses`
/// (Apache-2.0, GPL, LGPL, MPL-2.0, CC0-1.0…) are referenced there, MIT and ISC carry their text,
/// and any other licence points to its SPDX page.
///
/// ```
/// use syspack_distro::{deb, Arch, InstallPath, Metadata, Package, SourceDate};
///
/// let mut meta = Metadata::new("hello", "1.0.0", Arch::X86_64);
/// meta.maintainer = "Jane Doe <jane@example.org>".into();
/// meta.license = "MIT OR Apache-2.0".into();
/// let mut pkg = Package::new(meta, SourceDate(1_700_000_000));
/// let added = deb::add_lintian_docs(&mut pkg)?;
/// assert_eq!(added[0], InstallPath::new("/usr/share/doc/hello/changelog.Debian.gz")?);
/// assert_eq!(added[1], InstallPath::new("/usr/share/doc/hello/copyright")?);
/// # Ok::<(), syspack_distro::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidField`] when the name, version, maintainer or licence is missing or invalid;
/// [`Error::Io`] if compression fails.
pub fn add_lintian_docs(pkg: &mut Package) -> Result<Vec<InstallPath>> {
    let m = &pkg.metadata;
    super::control::validate_name(&m.name)?;
    let version = full_version(m)?;
    if m.maintainer.trim().is_empty() || m.maintainer.contains('\n') {
        return Err(Error::invalid_field(
            "deb",
            "maintainer",
            m.maintainer.clone(),
            "the Debian changelog and copyright file name the maintainer",
            Some("set `maintainer = \"Full Name <email@example.org>\"`".into()),
        ));
    }
    if m.license.trim().is_empty() || m.license.contains('\n') {
        return Err(Error::invalid_field(
            "deb",
            "license",
            m.license.clone(),
            "the Debian copyright file states the licence",
            Some("set `license` to an SPDX expression such as `MIT OR Apache-2.0`".into()),
        ));
    }
    let dir = format!("/usr/share/doc/{}", m.name);
    let native = m.release.is_empty();
    let changelog_name = if native {
        "changelog.gz"
    } else {
        "changelog.Debian.gz"
    };
    let changelog_path = InstallPath::new(&format!("{dir}/{changelog_name}"))?;
    let copyright_path = InstallPath::new(&format!("{dir}/copyright"))?;

    let changelog = changelog_gz(
        &m.name,
        &version,
        m.maintainer.trim(),
        pkg.source_date.secs(),
    )?;
    let copyright = copyright(
        &m.name,
        m.homepage.as_deref(),
        m.maintainer.trim(),
        m.license.trim(),
        pkg.source_date.secs(),
    );

    let mut added = Vec::new();
    for (path, bytes) in [
        (changelog_path, changelog),
        (copyright_path, copyright.into_bytes()),
    ] {
        if pkg.entries().contains_key(&path) {
            continue;
        }
        let f: &mut FileEntry = pkg.add_bytes(path.clone(), bytes, 0o644)?;
        f.doc = true;
        added.push(path);
    }
    Ok(added)
}

/// A one-entry Debian changelog, compressed like `gzip -9n`.
fn changelog_gz(name: &str, version: &str, maintainer: &str, date: u64) -> Result<Vec<u8>> {
    let text = format!(
        "{name} ({version}) unstable; urgency=medium\n\n  * Package built by syspack.\n\n -- {maintainer}  {}\n",
        crate::date::rfc2822(date)
    );
    let io = |e| Error::io("changelog.gz", "compressing", e);
    let mut enc = Encoder::new(Vec::new(), Compression::Gzip { level: 9 }).map_err(io)?;
    enc.write_all(text.as_bytes()).map_err(io)?;
    enc.finish().map_err(io)
}

/// Licences whose full text Debian ships in `/usr/share/common-licenses`, by SPDX id, with the
/// DEP-5 short name and the file name there.
const COMMON: &[(&str, &str, &str)] = &[
    ("Apache-2.0", "Apache-2.0", "Apache-2.0"),
    ("Artistic-1.0", "Artistic", "Artistic"),
    ("CC0-1.0", "CC0-1.0", "CC0-1.0"),
    ("GPL-1.0-only", "GPL-1", "GPL-1"),
    ("GPL-1.0-or-later", "GPL-1+", "GPL-1"),
    ("GPL-2.0", "GPL-2", "GPL-2"),
    ("GPL-2.0-only", "GPL-2", "GPL-2"),
    ("GPL-2.0-or-later", "GPL-2+", "GPL-2"),
    ("GPL-3.0", "GPL-3", "GPL-3"),
    ("GPL-3.0-only", "GPL-3", "GPL-3"),
    ("GPL-3.0-or-later", "GPL-3+", "GPL-3"),
    ("LGPL-2.0-only", "LGPL-2", "LGPL-2"),
    ("LGPL-2.0-or-later", "LGPL-2+", "LGPL-2"),
    ("LGPL-2.1", "LGPL-2.1", "LGPL-2.1"),
    ("LGPL-2.1-only", "LGPL-2.1", "LGPL-2.1"),
    ("LGPL-2.1-or-later", "LGPL-2.1+", "LGPL-2.1"),
    ("LGPL-3.0", "LGPL-3", "LGPL-3"),
    ("LGPL-3.0-only", "LGPL-3", "LGPL-3"),
    ("LGPL-3.0-or-later", "LGPL-3+", "LGPL-3"),
    ("MPL-1.1", "MPL-1.1", "MPL-1.1"),
    ("MPL-2.0", "MPL-2.0", "MPL-2.0"),
];

const MIT: &str = "Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the \"Software\"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.";

const ISC: &str = "Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED \"AS IS\" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.";

/// Turns an SPDX expression into DEP-5 syntax (`MIT OR Apache-2.0` → `MIT or Apache-2.0`) and
/// lists the DEP-5 licence names it uses, each with its SPDX id.
fn dep5_expression(spdx: &str) -> (String, Vec<(String, String)>) {
    let mut words = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    let spaced = spdx.replace('(', " ( ").replace(')', " ) ");
    for w in spaced.split_whitespace() {
        match w {
            "OR" | "or" => words.push("or".to_string()),
            "AND" | "and" => words.push("and".to_string()),
            "WITH" | "with" => words.push("with".to_string()),
            "(" | ")" => words.push(w.to_string()),
            id => {
                let after_with = words.last().is_some_and(|l| l == "with");
                let short = COMMON
                    .iter()
                    .find(|(s, _, _)| *s == id)
                    .map_or(id.to_string(), |(_, d, _)| d.to_string());
                if after_with {
                    words.push(format!("{short} exception"));
                    continue;
                }
                if !names.iter().any(|(n, _)| *n == short) {
                    names.push((short.clone(), id.to_string()));
                }
                words.push(short);
            }
        }
    }
    let text = words.join(" ").replace("( ", "(").replace(" )", ")");
    (text, names)
}

/// Formats licence text as a DEP-5 field continuation: each line indented, blank lines as ` .`.
fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                " .".to_string()
            } else {
                format!(" {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn copyright(
    name: &str,
    homepage: Option<&str>,
    maintainer: &str,
    license: &str,
    date: u64,
) -> String {
    let year = crate::date::year(date);
    let (expr, names) = dep5_expression(license);
    let mut out = String::from(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
    );
    out.push_str(&format!("Upstream-Name: {name}\n"));
    if let Some(h) = homepage {
        out.push_str(&format!("Source: {h}\n"));
    }
    out.push_str(&format!(
        "\nFiles: *\nCopyright: {year} {maintainer}\nLicense: {expr}\n"
    ));
    for (short, spdx) in names {
        let text = if let Some((_, _, file)) = COMMON.iter().find(|(s, _, _)| *s == spdx) {
            format!(
                "On Debian systems, the complete text of this licence can be found in\n\"/usr/share/common-licenses/{file}\"."
            )
        } else if spdx == "MIT" || spdx == "Expat" {
            MIT.to_string()
        } else if spdx == "ISC" {
            ISC.to_string()
        } else {
            format!("The complete text of this licence is at https://spdx.org/licenses/{spdx}.html")
        };
        out.push_str(&format!("\nLicense: {short}\n{}\n", indent(&text)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_expressions_become_dep5() {
        let (e, names) = dep5_expression("MIT OR Apache-2.0");
        assert_eq!(e, "MIT or Apache-2.0");
        assert_eq!(names.len(), 2);
        let (e, _) = dep5_expression("GPL-2.0-or-later WITH Classpath-exception-2.0");
        assert_eq!(e, "GPL-2+ with Classpath-exception-2.0 exception");
        let c = copyright("x", None, "A <a@b.c>", "MIT OR Apache-2.0", 1_700_000_000);
        assert!(
            c.contains("Copyright: 2023 A <a@b.c>\nLicense: MIT or Apache-2.0\n"),
            "{c}"
        );
        assert!(
            c.contains("\nLicense: Apache-2.0\n On Debian systems"),
            "{c}"
        );
        assert!(c.contains("\n .\n The above copyright notice"), "{c}");
    }
}
