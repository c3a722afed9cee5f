//! Maintainer scripts: the model's plain script bodies wrapped so that each runs only for the
//! dpkg actions that mean "install" or "remove", plus the systemd unit handling.
//!
//! The mapping is documented in the module docs of [`crate::deb`].

use crate::error::{Error, Result};
use crate::package::{Entry, InstallPath, Package};

/// Directories a unit file may be installed in.
const UNIT_DIRS: [&str; 2] = ["/usr/lib/systemd/system", "/lib/systemd/system"];

/// A shell script body with its interpreter line split off.
struct Body<'a> {
    /// The `#!` line to reuse for the wrapper (`#!/bin/sh` when the body has none).
    shebang: String,
    /// `set` options from the `#!` line (`-e` in `#!/bin/sh -e`), applied inside the body.
    options: Option<String>,
    /// The script without its `#!` line.
    text: &'a str,
}

fn parse_body<'a>(which: &'static str, script: &'a str) -> Result<Body<'a>> {
    let (first, rest) = match script.strip_prefix("#!") {
        Some(s) => match s.split_once('\n') {
            Some((l, r)) => (Some(l.trim()), r),
            None => (Some(s.trim()), ""),
        },
        None => (None, script),
    };
    let Some(line) = first else {
        return Ok(Body {
            shebang: "#!/bin/sh".into(),
            options: None,
            text: rest,
        });
    };
    let mut words = line.split_whitespace();
    let interp = words.next().unwrap_or("");
    let options: Vec<&str> = words.collect();
    let shell = [
        "/bin/sh",
        "/bin/bash",
        "/bin/dash",
        "/usr/bin/sh",
        "/usr/bin/bash",
        "/usr/bin/dash",
    ];
    let options_ok = options.iter().all(|o| {
        o.len() >= 2 && o.starts_with(['-', '+']) && o[1..].chars().all(|c| c.is_ascii_alphabetic())
    });
    if !shell.contains(&interp) || !options_ok {
        return Err(Error::invalid_field(
            "deb",
            which,
            format!("#!{line}"),
            "Debian maintainer scripts written by syspack must be POSIX sh or bash scripts",
            Some("start the script with `#!/bin/sh` (or `#!/bin/bash`) and call other interpreters from it".into()),
        ));
    }
    Ok(Body {
        shebang: format!("#!{interp}"),
        options: (!options.is_empty()).then(|| options.join(" ")),
        text: rest,
    })
}

/// Appends the body as a subshell: it sees dpkg's arguments in `"$@"`, starts without the
/// wrapper's `set -e` (as if it were run on its own; its own `set -e` or `#!/bin/sh -e` still
/// applies), an `exit` in it only ends the body, and a non-zero status fails the whole script.
fn push_body(out: &mut String, body: &Body<'_>) {
    out.push_str("(\n");
    match &body.options {
        Some(o) => out.push_str(&format!("set {o}\n")),
        None => out.push_str("set +e\n"),
    }
    out.push_str(body.text);
    if !body.text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(")\n");
}

/// Checks that each unit has a safe name and that its unit file is in the package.
fn check_units(pkg: &Package) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for unit in &pkg.systemd_units {
        let n = &unit.name;
        let safe = !n.is_empty()
            && !n.starts_with('-')
            && n.contains('.')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '@' | '-'));
        if !safe {
            return Err(Error::invalid_field(
                "deb",
                "systemd unit",
                n.clone(),
                "not a valid systemd unit name",
                Some("use a name such as `example.service`".into()),
            ));
        }
        // A template instance (`foo@bar.service`) is shipped as `foo@.service`.
        let file = match n.split_once('@') {
            Some((prefix, rest)) => match rest.rsplit_once('.') {
                Some((_, ext)) => format!("{prefix}@.{ext}"),
                None => n.clone(),
            },
            None => n.clone(),
        };
        let shipped = UNIT_DIRS.iter().any(|d| {
            InstallPath::new(&format!("{d}/{file}"))
                .ok()
                .is_some_and(|p| {
                    matches!(
                        pkg.entries().get(&p),
                        Some(Entry::File(_) | Entry::Symlink(_))
                    )
                })
        });
        if !shipped {
            return Err(Error::invalid_field(
                "deb",
                "systemd unit",
                n.clone(),
                "the package does not install its unit file",
                Some(format!(
                    "add an asset with destination `/usr/lib/systemd/system/{file}`"
                )),
            ));
        }
        names.push(n.clone());
    }
    Ok(names)
}

/// What each maintainer script does for the package's systemd units (empty without units):
/// `postinst configure` reloads, enables on first install and (re)starts; `prerm remove` stops
/// and disables; `postrm remove` reloads.
struct UnitSnippets {
    postinst: String,
    prerm: String,
    postrm: String,
}

impl UnitSnippets {
    fn of(pkg: &Package) -> Result<UnitSnippets> {
        let units = check_units(pkg)?;
        let enable: Vec<&str> = pkg
            .systemd_units
            .iter()
            .filter(|u| u.enable)
            .map(|u| u.name.as_str())
            .collect();
        let start: Vec<&str> = pkg
            .systemd_units
            .iter()
            .filter(|u| u.start)
            .map(|u| u.name.as_str())
            .collect();
        let all: Vec<&str> = units.iter().map(String::as_str).collect();
        if all.is_empty() {
            return Ok(UnitSnippets {
                postinst: String::new(),
                prerm: String::new(),
                postrm: String::new(),
            });
        }
        // What dh_installsystemd's generated snippets do, written here: deb-systemd-helper
        // (init-system-helpers, which the package then depends on) enables a unit on the first
        // install and keeps its state so that the administrator's disable survives upgrades and
        // purge removes every symlink it made; deb-systemd-invoke starts, restarts and stops
        // (honouring policy-rc.d). The postinst part runs for configure and for the abort-*
        // actions that reconfigure an old version.
        let quote = |units: &[&str]| units.join(" ");
        let mut postinst = String::from(
            "if [ \"$1\" = configure ] || [ \"$1\" = abort-upgrade ] || [ \"$1\" = abort-deconfigure ] || [ \"$1\" = abort-remove ]; then\n",
        );
        for unit in &enable {
            postinst.push_str(&format!(
                "    deb-systemd-helper unmask {unit} >/dev/null || true\n    \
                 if deb-systemd-helper --quiet was-enabled {unit}; then\n        \
                 deb-systemd-helper enable {unit} >/dev/null || true\n    \
                 else\n        \
                 deb-systemd-helper update-state {unit} >/dev/null || true\n    \
                 fi\n"
            ));
        }
        postinst.push_str("    if [ -d /run/systemd/system ]; then\n        systemctl --system daemon-reload >/dev/null || true\n");
        if !start.is_empty() {
            postinst.push_str(&format!(
                "        if [ -n \"$2\" ]; then\n            deb-systemd-invoke restart {units} >/dev/null || true\n        else\n            deb-systemd-invoke start {units} >/dev/null || true\n        fi\n",
                units = quote(&start)
            ));
        }
        postinst.push_str("    fi\nfi\n");
        let prerm = format!(
            "if [ -d /run/systemd/system ] && [ \"$1\" = remove ]; then\n    deb-systemd-invoke stop {units} >/dev/null || true\nfi\n",
            units = quote(&all)
        );
        let postrm = format!(
            "if [ -d /run/systemd/system ]; then\n    systemctl --system daemon-reload >/dev/null || true\nfi\n\
             if [ \"$1\" = remove ] && [ -x /usr/bin/deb-systemd-helper ]; then\n    deb-systemd-helper mask {units} >/dev/null || true\nfi\n\
             if [ \"$1\" = purge ] && [ -x /usr/bin/deb-systemd-helper ]; then\n    deb-systemd-helper purge {units} >/dev/null || true\n    deb-systemd-helper unmask {units} >/dev/null || true\nfi\n",
            units = quote(&all)
        );
        Ok(UnitSnippets {
            postinst,
            prerm,
            postrm,
        })
    }
}

/// Debian's own maintainer scripts ([`Scripts::native`](crate::Scripts::native), cargo-deb's
/// `maintainer-scripts`): each is the package's script as written, called by dpkg with dpkg's
/// arguments; a `#DEBHELPER#` line is replaced by the unit handling, as dh_installdeb does. A
/// script the package lacks but the units need is written with the handling alone.
fn native_scripts(s: &crate::Scripts, units: &UnitSnippets) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (name, body, snippet) in [
        ("postinst", &s.post_install, &units.postinst),
        ("postrm", &s.post_remove, &units.postrm),
        ("preinst", &s.pre_install, &String::new()),
        ("prerm", &s.pre_remove, &units.prerm),
    ] {
        let text = match body {
            Some(b) => b
                .split_inclusive('\n')
                .map(|line| {
                    if line.trim() == "#DEBHELPER#" && !snippet.is_empty() {
                        format!("# Added by syspack (for #DEBHELPER#)\n{snippet}")
                    } else {
                        line.to_string()
                    }
                })
                .collect(),
            None if !snippet.is_empty() => {
                format!("#!/bin/sh\nset -e\n# Written by syspack for the systemd units.\n{snippet}exit 0\n")
            }
            None => continue,
        };
        out.push((name, text));
    }
    out
}

/// The maintainer scripts for `pkg`, as `(control member name, content)` in control.tar order.
///
/// # Errors
///
/// [`Error::InvalidField`] for a script that is not a shell script and for a unit that is not
/// valid or not shipped.
pub(crate) fn maintainer_scripts(pkg: &Package) -> Result<Vec<(&'static str, String)>> {
    let s = &pkg.scripts;
    let pre_install = s
        .pre_install
        .as_deref()
        .map(|b| parse_body("pre_install script", b))
        .transpose()?;
    let post_install = s
        .post_install
        .as_deref()
        .map(|b| parse_body("post_install script", b))
        .transpose()?;
    let pre_remove = s
        .pre_remove
        .as_deref()
        .map(|b| parse_body("pre_remove script", b))
        .transpose()?;
    let post_remove = s
        .post_remove
        .as_deref()
        .map(|b| parse_body("post_remove script", b))
        .transpose()?;
    let units = UnitSnippets::of(pkg)?;
    let all = !units.postinst.is_empty();
    if s.native {
        return Ok(native_scripts(s, &units));
    }

    let header =
        |shebang: &str, what: &str| format!("{shebang}\nset -e\n# Written by syspack. {what}\n");
    let shebang_of = |b: &Option<Body<'_>>| {
        b.as_ref()
            .map_or_else(|| "#!/bin/sh".to_string(), |b| b.shebang.clone())
    };

    let mut out = Vec::new();

    if let Some(b) = &pre_install {
        let mut t = header(
            &b.shebang,
            "The package's pre-install script runs on `install` and `upgrade`.",
        );
        t.push_str("case \"$1\" in\ninstall|upgrade)\n");
        push_body(&mut t, b);
        t.push_str(";;\nesac\nexit 0\n");
        out.push(("preinst", t));
    }

    if post_install.is_some() || all {
        let mut t = header(
            &shebang_of(&post_install),
            "The package's post-install script runs on `configure`; then systemd units are\n# enabled on first install (deb-systemd-helper), reloaded and (re)started.",
        );
        if let Some(b) = &post_install {
            t.push_str("if [ \"$1\" = configure ]; then\n");
            push_body(&mut t, b);
            t.push_str("fi\n");
        }
        t.push_str(&units.postinst);
        t.push_str("exit 0\n");
        out.push(("postinst", t));
    }

    if pre_remove.is_some() || all {
        let mut t = header(
            &shebang_of(&pre_remove),
            "On `remove`, systemd units are stopped; the package's pre-remove script runs\n# on `remove` and `upgrade`.",
        );
        t.push_str(&units.prerm);
        if let Some(b) = &pre_remove {
            t.push_str("case \"$1\" in\nremove|upgrade)\n");
            push_body(&mut t, b);
            t.push_str(";;\nesac\n");
        }
        t.push_str("exit 0\n");
        out.push(("prerm", t));
    }

    if post_remove.is_some() || all {
        let mut t = header(
            &shebang_of(&post_remove),
            "The package's post-remove script runs on `remove` and `upgrade`; systemd\n# units are masked on `remove` and forgotten on `purge` (deb-systemd-helper).",
        );
        if let Some(b) = &post_remove {
            t.push_str("case \"$1\" in\nremove|upgrade)\n");
            push_body(&mut t, b);
            t.push_str(";;\nesac\n");
        }
        t.push_str(&units.postrm);
        t.push_str("exit 0\n");
        out.push(("postrm", t));
    }
    out.sort_by_key(|(name, _)| *name);
    Ok(out)
}
