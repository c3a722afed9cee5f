//! `generated/manifest.toml`: what each checked-in generated file was made from.
//!
//! ```toml
//! format = 1
//! root = ".."                       # the repository root, relative to this file (default "..")
//!
//! [[generation]]
//! name = "demo-parser"              # unique, for messages and `update NAME`
//! generator = "bison"               # thrift | flex | bison | bindgen | command
//! version = "3.8.2"                 # what `bison --version` said when the outputs were made
//! workdir = "generated/parser"      # where it runs, relative to the root (default: the root)
//! args = ["-l", "-o", "filter.tab.c", "--header=filter.tab.h", "../../examples/demo/parser/filter.y"]
//! normalize = []                    # line-directives | version-banner | leading-comments
//! inputs = [{ path = "examples/demo/parser/filter.y", sha256 = "…" }]
//! outputs = [{ path = "generated/parser/filter.tab.c", sha256 = "…" }]
//! ```
//!
//! `generator = "command"` also takes `program = "name"` (found on `PATH`, its version read from
//! `name --version`). An input outside the repository is written `{ external = "zstd-1.5.7/lib/zstd.h",
//! note = "…", sha256 = "…" }`: it is looked up under the directories of `SYSPACK_GENERATED_INPUTS`
//! and placed at `.external/<external>` (relative to the root) for the generator.
//!
//! Every path is relative to the root and may not leave it, so the manifest is the same in every
//! checkout, wherever it lives.

use std::fmt;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// The only manifest format this syspack reads.
pub const FORMAT: u32 = 1;

/// Where external inputs are placed for the generator, relative to the (mirrored) root.
pub const EXTERNAL_DIR: &str = ".external";

/// A manifest error, printed as `file:line: message`.
#[derive(Debug)]
pub struct ManifestError {
    /// The manifest file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

/// A generator syspack knows how to find and ask for its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Generator {
    /// The Apache Thrift compiler.
    Thrift,
    /// flex, the lexer generator.
    Flex,
    /// GNU Bison.
    Bison,
    /// rust-bindgen's command-line tool.
    Bindgen,
    /// A declared program (`program = "…"`).
    Command(String),
}

impl Generator {
    /// The names accepted in `generator = "…"`.
    pub const NAMES: &'static [&'static str] = &["thrift", "flex", "bison", "bindgen", "command"];

    /// The program looked up on `PATH`.
    pub fn program(&self) -> &str {
        match self {
            Generator::Thrift => "thrift",
            Generator::Flex => "flex",
            Generator::Bison => "bison",
            Generator::Bindgen => "bindgen",
            Generator::Command(p) => p,
        }
    }

    /// How to install it (`version`: the manifest's), for messages.
    pub fn install_hint(&self, version: &str) -> String {
        match self {
            Generator::Thrift => {
                "install it: `apt-get install thrift-compiler` (Fedora/Arch: `thrift`)".into()
            }
            Generator::Flex => "install it: `apt-get install flex`".into(),
            Generator::Bison => "install it: `apt-get install bison`".into(),
            Generator::Bindgen => {
                format!("install it: `cargo install bindgen-cli --version {version}`")
            }
            Generator::Command(p) => format!("put `{p}` on PATH"),
        }
    }
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program())
    }
}

/// A normalisation applied to both sides before comparing (see `normalize.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalization {
    /// The path in `#line N "path"` directives.
    LineDirectives,
    /// The generator's version in comment lines (banners).
    VersionBanner,
    /// `//` comment lines at the top of the file (a provenance header added after generation).
    LeadingComments,
}

impl Normalization {
    /// The names accepted in `normalize = [..]`.
    pub const NAMES: &'static [&'static str] =
        &["line-directives", "version-banner", "leading-comments"];
}

/// Where a hashed file lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the repository, relative to the root.
    Repo(PathBuf),
    /// Outside it: relative to a directory of `SYSPACK_GENERATED_INPUTS`.
    External(PathBuf),
}

/// An input or output with its recorded hash.
#[derive(Clone, Debug)]
pub struct FileEntry {
    /// Where the file is.
    pub location: Location,
    /// What an external input is (for messages).
    pub note: Option<String>,
    /// The sha256 recorded in the manifest (lower-case hex).
    pub sha256: String,
    /// Byte range of the sha256 string (quotes included) in the manifest text.
    pub sha256_span: Range<usize>,
    /// 1-based line of the entry.
    pub line: usize,
}

impl FileEntry {
    /// The path as written in the manifest (for messages): `a/b` or `external:a/b`.
    pub fn display(&self) -> String {
        match &self.location {
            Location::Repo(p) => p.display().to_string(),
            Location::External(p) => format!("{} (external)", p.display()),
        }
    }

    /// Where the file sits relative to a (mirrored) root.
    pub fn rel_path(&self) -> PathBuf {
        match &self.location {
            Location::Repo(p) => p.clone(),
            Location::External(p) => Path::new(EXTERNAL_DIR).join(p),
        }
    }
}

/// One `[[generation]]`: a generator run and the files it reads and writes.
#[derive(Clone, Debug)]
pub struct Generation {
    /// Unique name.
    pub name: String,
    /// 1-based line of `name`.
    pub line: usize,
    /// The generator.
    pub generator: Generator,
    /// The version the outputs were made with.
    pub version: String,
    /// Byte range of the version string (quotes included) in the manifest text.
    pub version_span: Range<usize>,
    /// Where the generator runs, relative to the root.
    pub workdir: PathBuf,
    /// The exact arguments.
    pub args: Vec<String>,
    /// What to normalise before comparing.
    pub normalize: Vec<Normalization>,
    /// Inputs with their hashes.
    pub inputs: Vec<FileEntry>,
    /// Outputs with their hashes.
    pub outputs: Vec<FileEntry>,
}

/// A parsed, validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// The repository root all paths are relative to.
    pub root: PathBuf,
    /// The manifest's text (for in-place updates).
    pub text: String,
    /// The generations, in file order.
    pub generations: Vec<Generation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    format: Spanned<u32>,
    root: Option<Spanned<String>>,
    #[serde(default)]
    generation: Vec<RawGeneration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeneration {
    name: Spanned<String>,
    generator: Spanned<String>,
    program: Option<Spanned<String>>,
    version: Spanned<String>,
    workdir: Option<Spanned<String>>,
    args: Vec<String>,
    #[serde(default)]
    normalize: Vec<Spanned<String>>,
    inputs: Vec<Spanned<RawFile>>,
    outputs: Vec<Spanned<RawFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    path: Option<Spanned<String>>,
    external: Option<Spanned<String>>,
    note: Option<String>,
    sha256: Spanned<String>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    ///
    /// # Errors
    ///
    /// [`ManifestError`] naming the file and line: unreadable file, malformed TOML, unknown key,
    /// unknown generator or normalisation, a path that leaves the root, a bad hash, a duplicate
    /// name. Whether the named files exist is checked later, by the check itself.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            file: path.to_path_buf(),
            line: None,
            message: format!("failed to read the manifest: {e}"),
        })?;
        Manifest::parse(path, text)
    }

    /// Parses manifest text read from `path` (used for messages and to find the root).
    ///
    /// # Errors
    ///
    /// As [`Manifest::load`].
    pub fn parse(path: &Path, text: String) -> Result<Manifest, ManifestError> {
        let err = |span: Option<Range<usize>>, message: String| ManifestError {
            file: path.to_path_buf(),
            line: span.map(|s| line_of(&text, s.start)),
            message,
        };
        let raw: RawManifest = toml::from_str(&text).map_err(|e| {
            err(
                e.span(),
                format!("malformed manifest: {}", e.message().trim_end()),
            )
        })?;
        if *raw.format.get_ref() != FORMAT {
            return Err(err(
                Some(raw.format.span()),
                format!(
                    "unsupported `format = {}`: this syspack reads format {FORMAT}",
                    raw.format.get_ref()
                ),
            ));
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let root = match &raw.root {
            Some(r) => dir.join(r.get_ref()),
            None => dir.join(".."),
        };
        let mut generations: Vec<Generation> = Vec::new();
        for g in raw.generation {
            let line = line_of(&text, g.name.span().start);
            if let Some(first) = generations.iter().find(|o| o.name == *g.name.get_ref()) {
                return Err(err(
                    Some(g.name.span()),
                    format!(
                        "duplicate generation name `{}` (first on line {})",
                        g.name.get_ref(),
                        first.line
                    ),
                ));
            }
            let generator = match (g.generator.get_ref().as_str(), &g.program) {
                ("thrift", None) => Generator::Thrift,
                ("flex", None) => Generator::Flex,
                ("bison", None) => Generator::Bison,
                ("bindgen", None) => Generator::Bindgen,
                ("command", Some(p)) if !p.get_ref().is_empty() => {
                    Generator::Command(p.get_ref().clone())
                }
                ("command", _) => {
                    return Err(err(
                        Some(g.generator.span()),
                        "`generator = \"command\"` needs `program = \"<name on PATH>\"`".into(),
                    ))
                }
                (name, Some(p)) if Generator::NAMES.contains(&name) => {
                    return Err(err(
                        Some(p.span()),
                        format!("`program` is only for `generator = \"command\"`, not `{name}`"),
                    ))
                }
                (other, _) => {
                    return Err(err(
                        Some(g.generator.span()),
                        format!(
                            "unknown generator `{other}`: use one of {}",
                            Generator::NAMES.join(", ")
                        ),
                    ))
                }
            };
            if g.version.get_ref().trim().is_empty() {
                return Err(err(
                    Some(g.version.span()),
                    "empty `version`: write the generator's version, e.g. \"3.8.2\"".into(),
                ));
            }
            let workdir = match &g.workdir {
                Some(w) => relative_path(w.get_ref())
                    .map_err(|m| err(Some(w.span()), format!("`workdir`: {m}")))?,
                None => PathBuf::new(),
            };
            let mut normalize = Vec::new();
            for n in &g.normalize {
                normalize.push(match n.get_ref().as_str() {
                    "line-directives" => Normalization::LineDirectives,
                    "version-banner" => Normalization::VersionBanner,
                    "leading-comments" => Normalization::LeadingComments,
                    other => {
                        return Err(err(
                            Some(n.span()),
                            format!(
                                "unknown normalisation `{other}`: use one of {}",
                                Normalization::NAMES.join(", ")
                            ),
                        ))
                    }
                });
            }
            let files = |list: Vec<Spanned<RawFile>>,
                         kind: &str|
             -> Result<Vec<FileEntry>, ManifestError> {
                let mut out = Vec::new();
                for f in list {
                    let span = f.span();
                    let f = f.into_inner();
                    let location = match (&f.path, &f.external) {
                        (Some(p), None) => Location::Repo(
                            relative_path(p.get_ref()).map_err(|m| err(Some(p.span()), format!("{kind} `path`: {m}")))?,
                        ),
                        (None, Some(x)) if kind == "input" => Location::External(
                            relative_path(x.get_ref()).map_err(|m| err(Some(x.span()), format!("`external`: {m}")))?,
                        ),
                        (None, Some(x)) => {
                            return Err(err(Some(x.span()), "an output must be in the repository: use `path`".into()))
                        }
                        _ => {
                            return Err(err(
                                Some(span),
                                format!("each {kind} needs exactly one of `path = \"…\"` or `external = \"…\"`"),
                            ))
                        }
                    };
                    let sha = f.sha256.get_ref();
                    if sha.len() != 64
                        || !sha
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    {
                        return Err(err(
                            Some(f.sha256.span()),
                            format!("`sha256 = \"{sha}\"` is not 64 lower-case hex digits; run `syspack generated update`"),
                        ));
                    }
                    out.push(FileEntry {
                        location,
                        note: f.note,
                        sha256: sha.clone(),
                        sha256_span: f.sha256.span(),
                        line: line_of(&text, span.start),
                    });
                }
                if out.is_empty() {
                    return Err(err(
                        Some(g.name.span()),
                        format!("generation `{}` lists no {kind}s", g.name.get_ref()),
                    ));
                }
                Ok(out)
            };
            let inputs = files(g.inputs, "input")?;
            let outputs = files(g.outputs, "output")?;
            generations.push(Generation {
                name: g.name.into_inner(),
                line,
                generator,
                version: g.version.get_ref().clone(),
                version_span: g.version.span(),
                workdir,
                args: g.args,
                normalize,
                inputs,
                outputs,
            });
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            root,
            text,
            generations,
        })
    }

    /// An error about this manifest at `line`.
    pub fn error(&self, line: usize, message: String) -> ManifestError {
        ManifestError {
            file: self.path.clone(),
            line: Some(line),
            message,
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Checks that `p` is a relative path that stays below the root.
fn relative_path(p: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(p);
    if p.is_empty() {
        return Err("is empty".into());
    }
    if !path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "`{p}` must be relative to the root and may not contain `..`"
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format = 1

[[generation]]
name = "p"
generator = "bison"
version = "3.8.2"
workdir = "gen"
args = ["-l", "x.y"]
normalize = ["line-directives"]
inputs = [{ path = "src/x.y", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" }]
outputs = [
  { path = "gen/x.c", sha256 = "1111111111111111111111111111111111111111111111111111111111111111" },
]
"#;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("repo/generated/manifest.toml"), text.to_string())
    }

    #[test]
    fn parses_a_manifest() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.root, Path::new("repo/generated/.."));
        let g = &m.generations[0];
        assert_eq!(
            (g.generator.clone(), g.line, g.workdir.clone()),
            (Generator::Bison, 4, PathBuf::from("gen"))
        );
        assert_eq!(g.outputs[0].line, 12);
        assert_eq!(&m.text[g.version_span.clone()], "\"3.8.2\"");
        assert_eq!(&m.text[g.inputs[0].sha256_span.clone()][1..3], "00");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse(&GOOD.replace("\"bison\"", "\"yacc\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("repo/generated/manifest.toml:5: unknown generator `yacc`"),
            "{e}"
        );
        let e = parse(&GOOD.replace("src/x.y", "../x.y"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("repo/generated/manifest.toml:10:") && e.contains("`..`"),
            "{e}"
        );
        let e = parse(&GOOD.replace("args =", "argz ="))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("repo/generated/manifest.toml:8: malformed manifest"),
            "{e}"
        );
        let e = parse(&GOOD.replace("= [\"-l\"", "= [\"-l\" oops"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("repo/generated/manifest.toml:8: malformed manifest"),
            "{e}"
        );
        let e = parse(&GOOD.replace("1111", "11G1"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("repo/generated/manifest.toml:12:") && e.contains("hex"),
            "{e}"
        );
        let e = parse(&GOOD.replace("line-directives", "dates"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(":9: unknown normalisation `dates`"), "{e}");
        let e = parse(&format!("{GOOD}\n{}", &GOOD[11..]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("duplicate generation name `p` (first on line 4)"),
            "{e}"
        );
    }
}
