//! Maintainer scripts and systemd units, mapped onto rpm's scriptlets.
//!
//! rpm runs each scriptlet as `PROG <temp file> $1`, where `$1` counts the instances of the package
//! installed *after* the transaction: 1 on a first install, 2 or more on an upgrade, 0 on removal.
//! An upgrade runs the new package's `%pre`/`%post`, then the old package's `%preun`/`%postun`
//! with `$1 ≥ 1`. The model's scripts have Debian-like meanings, so:
//!
//! | model          | rpm       | when it runs                                              |
//! |----------------|-----------|-----------------------------------------------------------|
//! | `pre_install`  | `%pre`    | before install and upgrade, as is                         |
//! | `post_install` | `%post`   | after install and upgrade, as is                          |
//! | `pre_remove`   | `%preun`  | only when `$1` is 0: a real removal, not the upgrade's    |
//! | `post_remove`  | `%postun` | only when `$1` is 0                                       |
//!
//! A script with no guard and no systemd work is stored verbatim, with its `#!` interpreter as
//! the scriptlet program. Otherwise syspack writes a small sh scriptlet that defines the user's
//! script as a function running in a subshell (so its `exit` and `set -e` behave as in a file of
//! its own), calls it under the guard, and adds the systemd commands:
//!
//! * `%post`: `systemctl daemon-reload` when systemd runs; on first install `systemctl enable`
//!   (works offline) for units with `enable`, `systemctl start` for units with `start`;
//! * `%preun` on removal: `systemctl --no-reload disable` and `systemctl stop`;
//! * `%postun`: `daemon-reload`; on upgrade `systemctl try-restart` for units with `start`.
//!
//! Every systemd command is skipped when `systemctl` is absent and never fails the transaction
//! (`|| :`), as Fedora's `%systemd_*` macros do. Such wrapping needs an sh-family interpreter;
//! a remove script written for another interpreter is rejected with a hint.

use super::tags;
use crate::error::{Error, Result};
use crate::package::{Package, SystemdUnit};

/// One scriptlet as it goes into the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scriptlet {
    /// Body tag (PREIN…).
    pub tag: u32,
    /// Interpreter tag (PREINPROG…).
    pub prog_tag: u32,
    /// Interpreter and its arguments.
    pub prog: Vec<String>,
    /// The script without its `#!` line.
    pub body: String,
    /// The `Requires(…)` sense bit for the interpreter.
    pub sense: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pre,
    Post,
    PreUn,
    PostUn,
}

impl Kind {
    fn tags(self) -> (u32, u32, u32) {
        match self {
            Kind::Pre => (tags::PREIN, tags::PREINPROG, tags::sense::SCRIPT_PRE),
            Kind::Post => (tags::POSTIN, tags::POSTINPROG, tags::sense::SCRIPT_POST),
            Kind::PreUn => (tags::PREUN, tags::PREUNPROG, tags::sense::SCRIPT_PREUN),
            Kind::PostUn => (tags::POSTUN, tags::POSTUNPROG, tags::sense::SCRIPT_POSTUN),
        }
    }

    fn field(self) -> &'static str {
        match self {
            Kind::Pre => "pre_install script",
            Kind::Post => "post_install script",
            Kind::PreUn => "pre_remove script",
            Kind::PostUn => "post_remove script",
        }
    }
}

/// The scriptlets for a package, in tag order.
///
/// # Errors
///
/// [`Error::InvalidField`] for an invalid systemd unit name, or a script that must be wrapped but
/// is not written for an sh-family shell.
pub fn scriptlets(pkg: &Package) -> Result<Vec<Scriptlet>> {
    for u in &pkg.systemd_units {
        if u.name.is_empty()
            || !u.name.contains('.')
            || !u
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":_.@-\\".contains(c))
        {
            return Err(Error::invalid_field(
                "rpm",
                "systemd unit",
                &u.name,
                "not a valid unit name",
                Some("name the unit file, e.g. `example.service`".into()),
            ));
        }
    }
    let s = &pkg.scripts;
    let units = &pkg.systemd_units;
    let mut out = Vec::new();
    for (kind, script, systemd) in [
        (Kind::Pre, &s.pre_install, None),
        (Kind::Post, &s.post_install, systemd_post(units)),
        (Kind::PreUn, &s.pre_remove, systemd_preun(units)),
        (Kind::PostUn, &s.post_remove, systemd_postun(units)),
    ] {
        if let Some(sc) = scriptlet(kind, script.as_deref(), systemd)? {
            out.push(sc);
        }
    }
    Ok(out)
}

fn scriptlet(
    kind: Kind,
    script: Option<&str>,
    systemd: Option<String>,
) -> Result<Option<Scriptlet>> {
    let (tag, prog_tag, sense) = kind.tags();
    let guarded = matches!(kind, Kind::PreUn | Kind::PostUn);
    let parsed = script.map(shebang);
    let make = |prog: Vec<String>, body: String| Scriptlet {
        tag,
        prog_tag,
        prog,
        body,
        sense,
    };
    match (parsed, systemd) {
        (None, None) => Ok(None),
        (Some((prog, body)), None) if !guarded => Ok(Some(make(prog, body.to_string()))),
        (parsed, systemd) => {
            let mut prog = vec!["/bin/sh".to_string()];
            let mut text = String::new();
            if let Some((user_prog, body)) = parsed {
                if !is_sh_family(&user_prog) {
                    return Err(Error::invalid_field(
                        "rpm",
                        kind.field(),
                        user_prog.join(" "),
                        "rpm runs this scriptlet on upgrades too, so syspack wraps it in an sh guard \
                         (and adds the systemd commands), which needs a script written for sh",
                        Some("write the script for /bin/sh or bash".into()),
                    ));
                }
                prog = user_prog;
                text.push_str("syspack_script() (\n");
                text.push_str(body);
                if !body.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(")\n");
                let call = "syspack_script \"$@\"\nsyspack_status=$?\nif [ \"$syspack_status\" -ne 0 ]; then exit \"$syspack_status\"; fi\n";
                if guarded {
                    text.push_str("if [ \"$1\" -eq 0 ]; then\n");
                    text.push_str(call);
                    text.push_str("fi\n");
                } else {
                    text.push_str(call);
                }
            }
            if let Some(sd) = systemd {
                text.push_str(&sd);
            }
            Ok(Some(make(prog, text)))
        }
    }
}

/// Splits `#!/bin/sh -e\n…` into (`["/bin/sh", "-e"]`, body). No `#!` line means `/bin/sh`.
fn shebang(script: &str) -> (Vec<String>, &str) {
    if let Some(rest) = script.strip_prefix("#!") {
        let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
        let prog: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        if !prog.is_empty() {
            return (prog, body);
        }
    }
    (vec!["/bin/sh".to_string()], script)
}

fn is_sh_family(prog: &[String]) -> bool {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut name = base(&prog[0]);
    if name == "env" {
        match prog.get(1) {
            Some(p) => name = base(p),
            None => return false,
        }
    }
    matches!(
        name.as_str(),
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh"
    )
}

fn names(units: &[SystemdUnit], pick: impl Fn(&SystemdUnit) -> bool) -> String {
    units
        .iter()
        .filter(|u| pick(u))
        .map(|u| u.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn systemd_post(units: &[SystemdUnit]) -> Option<String> {
    if units.is_empty() {
        return None;
    }
    let mut t = String::from(
        "# systemd units (added by syspack)\nif command -v systemctl >/dev/null 2>&1; then\n",
    );
    t.push_str("    if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || :; fi\n");
    t.push_str("    if [ \"$1\" -eq 1 ]; then\n");
    let enable = names(units, |u| u.enable);
    if !enable.is_empty() {
        t.push_str(&format!(
            "        systemctl --no-reload enable {enable} >/dev/null 2>&1 || :\n"
        ));
    }
    let start = names(units, |u| u.start);
    if !start.is_empty() {
        t.push_str(&format!(
            "        if [ -d /run/systemd/system ]; then systemctl start {start} >/dev/null 2>&1 || :; fi\n"
        ));
    }
    t.push_str("        :\n    fi\nfi\n");
    Some(t)
}

fn systemd_preun(units: &[SystemdUnit]) -> Option<String> {
    let enable = names(units, |u| u.enable);
    let start = names(units, |u| u.start);
    if enable.is_empty() && start.is_empty() {
        return None;
    }
    let mut t = String::from(
        "# systemd units (added by syspack)\nif [ \"$1\" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then\n",
    );
    if !start.is_empty() {
        t.push_str(&format!(
            "    if [ -d /run/systemd/system ]; then systemctl stop {start} >/dev/null 2>&1 || :; fi\n"
        ));
    }
    if !enable.is_empty() {
        t.push_str(&format!(
            "    systemctl --no-reload disable {enable} >/dev/null 2>&1 || :\n"
        ));
    }
    t.push_str("fi\n");
    Some(t)
}

fn systemd_postun(units: &[SystemdUnit]) -> Option<String> {
    if units.is_empty() {
        return None;
    }
    let mut t = String::from(
        "# systemd units (added by syspack)\nif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then\n",
    );
    t.push_str("    systemctl daemon-reload >/dev/null 2>&1 || :\n");
    let start = names(units, |u| u.start);
    if !start.is_empty() {
        t.push_str(&format!(
            "    if [ \"$1\" -ge 1 ]; then systemctl try-restart {start} >/dev/null 2>&1 || :; fi\n"
        ));
    }
    t.push_str("fi\n");
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines_become_the_program() {
        assert_eq!(
            shebang("#!/bin/bash -e\necho\n"),
            (vec!["/bin/bash".into(), "-e".into()], "echo\n")
        );
        assert_eq!(shebang("echo\n"), (vec!["/bin/sh".into()], "echo\n"));
        assert!(is_sh_family(&["/usr/bin/env".into(), "bash".into()]));
        assert!(!is_sh_family(&["/usr/bin/python3".into()]));
    }

    #[test]
    fn remove_scripts_run_only_on_real_removal() {
        let sc = scriptlet(Kind::PreUn, Some("#!/bin/sh\nexit 3\n"), None)
            .unwrap()
            .unwrap();
        assert_eq!(sc.prog, ["/bin/sh"]);
        assert!(sc.body.contains("if [ \"$1\" -eq 0 ]; then"), "{}", sc.body);
        let sc = scriptlet(Kind::Post, Some("#!/bin/sh\necho hi\n"), None)
            .unwrap()
            .unwrap();
        assert_eq!(sc.body, "echo hi\n");
        let err = scriptlet(Kind::PostUn, Some("#!/usr/bin/python3\nprint()\n"), None).unwrap_err();
        assert!(
            err.to_string().contains("write the script for /bin/sh"),
            "{err}"
        );
    }
}
