//! The layout of the workspace's own sources: no import cycle between the modules of a crate.
//!
//! A cycle (`cache` uses `content`, which uses `cache`) makes two modules one in all but name:
//! neither can be read, tested or moved alone. The check reads the paths the code names —
//! `crate::a::b` and `super::…` — outside comments and unit-test modules, resolves each to the
//! deepest module that exists as a file, and lifts every edge to the two siblings under the
//! modules' common ancestor (`frames::cache` → `frames::content`; a child's use of its parent,
//! which declares it, is no edge). A name re-exported with `pub use` counts where it is used
//! from, so a re-export cannot hide a cycle by moving one end.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One module: its path in the crate (`["frames", "cache"]`) and its file.
type ModPath = Vec<String>;

fn modules(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            if parts.iter().any(|p| p == "tests") {
                continue;
            }
            found.insert(parts, path);
        }
    }
    found
}

/// The code of a module file without comments and without its trailing unit-test module.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        lines.push((n + 1, code));
    }
    lines
}

/// Every `crate::…` and `super::…` path on a line, as the words after the keyword.
fn named_paths(line: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (keyword, from_crate) in [("crate::", true), ("super::", false)] {
        let mut rest = line;
        while let Some(i) = rest.find(keyword) {
            let before = rest[..i].chars().next_back();
            let after = &rest[i + keyword.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let words: Vec<String> = after
                .split("::")
                .map(|w| {
                    w.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|w| !w.is_empty())
                .collect();
            out.push((from_crate, words));
        }
    }
    out
}

/// The module edges of one crate, lifted to siblings, each with where it is made.
fn sibling_edges(src: &Path) -> BTreeMap<(ModPath, ModPath), String> {
    let mods = modules(src);
    let mut edges = BTreeMap::new();
    for (module, file) in &mods {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in code_lines(&text) {
            for (from_crate, words) in named_paths(line) {
                let mut path: ModPath = if from_crate {
                    Vec::new()
                } else {
                    // `super` of `a/b.rs` and of `a/b/mod.rs` is `a`.
                    let mut p = module.clone();
                    p.pop();
                    p
                };
                let mut words = words.into_iter().peekable();
                while words.peek().is_some_and(|w| w == "super") {
                    words.next();
                    path.pop();
                }
                path.extend(words);
                // The deepest module the path names.
                let Some(target) = (0..=path.len())
                    .rev()
                    .map(|k| path[..k].to_vec())
                    .find(|p| mods.contains_key(p))
                else {
                    continue;
                };
                let common = module
                    .iter()
                    .zip(&target)
                    .take_while(|(a, b)| a == b)
                    .count();
                if common >= module.len() || common >= target.len() {
                    continue; // the module itself, an ancestor or a descendant
                }
                let key = (module[..=common].to_vec(), target[..=common].to_vec());
                edges
                    .entry(key)
                    .or_insert_with(|| format!("{}:{n}", file.display()));
            }
        }
    }
    edges
}

/// A cycle of the graph, as its modules in order, if there is one.
fn find_cycle(edges: &BTreeMap<(ModPath, ModPath), String>) -> Option<Vec<ModPath>> {
    let mut next: BTreeMap<&ModPath, Vec<&ModPath>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    fn visit<'a>(
        node: &'a ModPath,
        next: &BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
        stack: &mut Vec<&'a ModPath>,
        done: &mut BTreeSet<&'a ModPath>,
    ) -> Option<Vec<ModPath>> {
        if let Some(i) = stack.iter().position(|m| *m == node) {
            return Some(stack[i..].iter().map(|m| (*m).clone()).collect());
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node);
        for n in next.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(n, next, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for start in next.keys() {
        if let Some(cycle) = visit(start, &next, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

fn crate_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = ["src", "distro/src", "repo/src", "build/src"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    for entry in fs::read_dir(root.join("sys-crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            dirs.push(src);
        }
    }
    dirs
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let mut report = Vec::new();
    for src in crate_sources() {
        let edges = sibling_edges(&src);
        if let Some(cycle) = find_cycle(&edges) {
            let mut lines = vec![format!("import cycle in {}:", src.display())];
            for (i, from) in cycle.iter().enumerate() {
                let to = &cycle[(i + 1) % cycle.len()];
                lines.push(format!(
                    "  {} -> {} ({})",
                    from.join("::"),
                    to.join("::"),
                    edges[&(from.clone(), to.clone())]
                ));
            }
            report.push(lines.join("\n"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    // The check itself: two sibling modules naming each other, and one through a parent.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir_all(src.join("frames")).unwrap();
    fs::write(src.join("lib.rs"), "mod frames;\nmod other;\n").unwrap();
    fs::write(src.join("frames/mod.rs"), "mod cache;\nmod content;\n").unwrap();
    fs::write(
        src.join("frames/cache.rs"),
        "// crate::other::X in a comment is no edge\nuse super::content::Y;\n",
    )
    .unwrap();
    fs::write(
        src.join("frames/content.rs"),
        "use crate::frames::cache::Z;\n",
    )
    .unwrap();
    fs::write(src.join("other.rs"), "use crate::frames::Thing;\n").unwrap();
    let edges = sibling_edges(src);
    let cycle = find_cycle(&edges).expect("the cycle cache <-> content");
    let mut names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
    names.sort();
    assert_eq!(names, ["frames::cache", "frames::content"]);
    // Without the back edge there is none.
    fs::write(src.join("frames/content.rs"), "pub struct Y;\n").unwrap();
    assert_eq!(find_cycle(&sibling_edges(src)), None);
}
