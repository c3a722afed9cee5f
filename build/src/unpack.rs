//! Unpacking a verified tarball into `OUT_DIR` and applying the pin's patches.
//!
//! Unpacking runs the system `tar` program (`tar -xf FILE -C DIR`): GNU tar and bsdtar both
//! detect gzip, xz and bzip2 by themselves (GNU tar calls the `gzip`, `xz` or `bzip2` program, so
//! a `.tar.xz` needs `xz-utils`). Build scripts cannot use the workspace's own compression crates
//! (they would depend on themselves), and syspack uses no other compression crate.
//!
//! Patches are applied by a small pure-Rust unified-diff applier ([`apply_patch`]): `-p1` paths
//! (`a/…`, `b/…`), exact context (no fuzz), hunks may move by any offset; new and deleted files
//! are supported, binary patches are not.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::cache::sha256_file;
use crate::pin::Artifact;
use crate::Error;

const MARKER: &str = ".syspack-unpacked";

/// Unpacks `tarball` (whose bytes are `artifact`) into `<out_dir>/src-<sha256 prefix>`, strips the
/// `artifact.strip` top directory and applies `patches` in order. Does nothing when that
/// directory already holds the same tarball with the same patches.
///
/// # Errors
///
/// [`Error::Command`] if `tar` fails, [`Error::TopDirMissing`] if the tarball has no `strip`
/// directory, [`Error::Patch`] if a patch does not apply, [`Error::Io`].
pub fn unpack(
    tarball: &Path,
    artifact: &Artifact,
    patches: &[PathBuf],
    out_dir: &Path,
) -> Result<PathBuf, Error> {
    let prefix = &artifact.sha256[..16.min(artifact.sha256.len())];
    let dest = out_dir.join(format!("src-{prefix}"));
    let mut stamp = format!("sha256 {}\nfile {}\n", artifact.sha256, artifact.file);
    for p in patches {
        stamp.push_str(&format!("patch {} {}\n", sha256_file(p)?, p.display()));
    }
    let marker = dest.join(MARKER);
    if fs::read_to_string(&marker).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(dest);
    }
    if dest.exists() {
        fs::remove_dir_all(&dest).map_err(|e| Error::io(&dest, "remove directory", e))?;
    }
    let tmp = out_dir.join(format!(".src-{prefix}.tmp"));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, "remove directory", e))?;
    }
    fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, "create directory", e))?;

    let mut cmd = Command::new("tar");
    cmd.arg("-xf").arg(tarball).arg("-C").arg(&tmp);
    let command = format!("tar -xf {} -C {}", sh(tarball), sh(&tmp));
    let out = cmd.output().map_err(|e| Error::Command {
        command: command.clone(),
        status: format!("could not start: {e}"),
        output: String::new(),
        hint: "install tar: `apt-get install tar`, `dnf install tar`, `pacman -S tar`".into(),
    })?;
    if !out.status.success() {
        let hint = if artifact.file.ends_with(".xz") {
            "GNU tar needs the `xz` program for .tar.xz: `apt-get install xz-utils`, `dnf install xz`, `pacman -S xz`"
        } else if artifact.file.ends_with(".bz2") {
            "GNU tar needs the `bzip2` program for .tar.bz2: `apt-get install bzip2`, `dnf install bzip2`, `pacman -S bzip2`"
        } else {
            ""
        };
        return Err(Error::Command {
            command,
            status: out.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ),
            hint: hint.into(),
        });
    }
    let top = tmp.join(&artifact.strip);
    if !top.is_dir() {
        let mut found: Vec<String> = fs::read_dir(&tmp)
            .map_err(|e| Error::io(&tmp, "read directory", e))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        found.sort();
        return Err(Error::TopDirMissing {
            tarball: tarball.to_path_buf(),
            expected: artifact.strip.clone(),
            found,
        });
    }
    fs::rename(&top, &dest).map_err(|e| Error::io(&dest, "rename into place", e))?;
    let _ = fs::remove_dir_all(&tmp);
    for p in patches {
        apply_patch(p, &dest)?;
    }
    fs::write(&marker, stamp).map_err(|e| Error::io(&marker, "write", e))?;
    Ok(dest)
}

/// Quotes a path for a pasteable command line.
pub(crate) fn sh(p: &Path) -> String {
    crate::shell::quote(&p.display().to_string())
}

struct Hunk {
    old_start: usize,
    old: Vec<String>,
    new: Vec<String>,
}

struct FilePatch {
    old_path: Option<String>,
    new_path: Option<String>,
    hunks: Vec<Hunk>,
}

fn strip1(header: &str) -> Option<String> {
    // `--- a/lib/zstd.h\t2024-01-01 …`: the path ends at a tab.
    let path = header.split('\t').next().unwrap_or("").trim_end();
    if path == "/dev/null" {
        return None;
    }
    let rest = path.split_once('/').map(|(_, r)| r).unwrap_or(path);
    Some(rest.to_string())
}

fn parse_range(s: &str) -> Option<(usize, usize)> {
    let s = &s[1..];
    match s.split_once(',') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => Some((s.parse().ok()?, 1)),
    }
}

fn parse_patch(text: &str, patch: &Path) -> Result<Vec<FilePatch>, Error> {
    let err = |reason: String| Error::Patch {
        patch: patch.to_path_buf(),
        file: String::new(),
        reason,
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let (Some(old), Some(new)) = (
            l.strip_prefix("--- "),
            lines.get(i + 1).and_then(|n| n.strip_prefix("+++ ")),
        ) {
            let mut fp = FilePatch {
                old_path: strip1(old.trim_end_matches(['\n', '\r'])),
                new_path: strip1(new.trim_end_matches(['\n', '\r'])),
                hunks: Vec::new(),
            };
            i += 2;
            while i < lines.len() && lines[i].starts_with("@@ ") {
                let header = lines[i];
                let mut parts = header.split_whitespace().skip(1);
                let (old_start, mut old_left) = parts
                    .next()
                    .and_then(parse_range)
                    .ok_or_else(|| err(format!("bad hunk header `{}`", header.trim_end())))?;
                let (_, mut new_left) = parts
                    .next()
                    .and_then(parse_range)
                    .ok_or_else(|| err(format!("bad hunk header `{}`", header.trim_end())))?;
                let mut h = Hunk {
                    old_start,
                    old: Vec::new(),
                    new: Vec::new(),
                };
                i += 1;
                while (old_left > 0 || new_left > 0) && i < lines.len() {
                    let l = lines[i];
                    let (tag, body) = l.split_at(1.min(l.len()));
                    // An empty line in a hunk is a context line whose space was lost.
                    let (tag, body) = if l == "\n" { (" ", "\n") } else { (tag, body) };
                    match tag {
                        " " => {
                            h.old.push(body.to_string());
                            h.new.push(body.to_string());
                            old_left = old_left.saturating_sub(1);
                            new_left = new_left.saturating_sub(1);
                        }
                        "-" => {
                            h.old.push(body.to_string());
                            old_left = old_left.saturating_sub(1);
                        }
                        "+" => {
                            h.new.push(body.to_string());
                            new_left = new_left.saturating_sub(1);
                        }
                        "\\" => {}
                        _ => {
                            return Err(err(format!("unexpected line in hunk: `{}`", l.trim_end())))
                        }
                    }
                    i += 1;
                }
                // `\ No newline at end of file` after the last line of a hunk.
                while i < lines.len() && lines[i].starts_with('\\') {
                    if let Some(last) = h.new.last_mut() {
                        if lines[i - 1].starts_with('+') || lines[i - 1].starts_with(' ') {
                            *last = last.trim_end_matches('\n').to_string();
                        }
                    }
                    i += 1;
                }
                fp.hunks.push(h);
            }
            files.push(fp);
        } else {
            i += 1;
        }
    }
    if files.is_empty() {
        return Err(err("no `---`/`+++` file headers: not a unified diff".into()));
    }
    Ok(files)
}

fn safe_rel(p: &str) -> bool {
    let path = Path::new(p);
    !path.is_absolute() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Applies a unified diff (`-p1`) to the tree at `dir`.
///
/// # Errors
///
/// [`Error::Patch`] naming the file and hunk that does not apply, [`Error::Io`].
pub fn apply_patch(patch: &Path, dir: &Path) -> Result<(), Error> {
    let text = fs::read_to_string(patch).map_err(|e| Error::io(patch, "read patch", e))?;
    for fp in parse_patch(&text, patch)? {
        let name = fp
            .new_path
            .clone()
            .or_else(|| fp.old_path.clone())
            .unwrap_or_default();
        let fail = |reason: String| Error::Patch {
            patch: patch.to_path_buf(),
            file: name.clone(),
            reason,
        };
        if !safe_rel(&name) {
            return Err(fail("path leaves the source tree".into()));
        }
        let target = dir.join(&name);
        let mut lines: Vec<String> = if fp.old_path.is_none() {
            if target.exists() {
                return Err(fail("creates a file that already exists".into()));
            }
            Vec::new()
        } else {
            let t = fs::read_to_string(&target).map_err(|e| Error::io(&target, "read", e))?;
            t.split_inclusive('\n').map(str::to_string).collect()
        };
        let mut shift: isize = 0;
        for (n, h) in fp.hunks.iter().enumerate() {
            let want = (h.old_start.max(1) as isize - 1 + shift).max(0) as usize;
            let fits = |at: usize| {
                at + h.old.len() <= lines.len() && lines[at..at + h.old.len()] == h.old[..]
            };
            let at = (0..=lines.len())
                .flat_map(|d| [want.checked_add(d), want.checked_sub(d)])
                .flatten()
                .find(|&at| fits(at))
                .ok_or_else(|| {
                    fail(format!(
                        "hunk {} (at line {}) does not match the file",
                        n + 1,
                        h.old_start
                    ))
                })?;
            lines.splice(at..at + h.old.len(), h.new.iter().cloned());
            shift += at as isize - (h.old_start.max(1) as isize - 1 + shift) + h.new.len() as isize
                - h.old.len() as isize;
        }
        if fp.new_path.is_none() {
            fs::remove_file(&target).map_err(|e| Error::io(&target, "remove", e))?;
        } else {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create directory", e))?;
            }
            fs::write(&target, lines.concat()).map_err(|e| Error::io(&target, "write", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_with_offset_and_new_file() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(src.join("lib")).unwrap();
        fs::write(src.join("lib/a.c"), "x\ny\none\ntwo\nthree\n").unwrap();
        let p = d.path().join("0001.patch");
        fs::write(
            &p,
            "diff --git a/lib/a.c b/lib/a.c\n--- a/lib/a.c\n+++ b/lib/a.c\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n\
             --- /dev/null\n+++ b/lib/new.h\n@@ -0,0 +1,1 @@\n+#define NEW 1\n",
        )
        .unwrap();
        apply_patch(&p, &src).unwrap();
        assert_eq!(
            fs::read_to_string(src.join("lib/a.c")).unwrap(),
            "x\ny\none\nTWO\nthree\n"
        );
        assert_eq!(
            fs::read_to_string(src.join("lib/new.h")).unwrap(),
            "#define NEW 1\n"
        );
        // Applying again fails: the context no longer matches, and the new file exists.
        let e = apply_patch(&p, &src).unwrap_err().to_string();
        assert!(e.contains("hunk 1"), "{e}");
    }
}
