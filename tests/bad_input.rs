use crate::util::{assert_contains, files_in, Dir};

/// A scratch project with `syspack.toml` set to `toml` and a few staged files.
fn project(name: &str, toml: &str) -> Dir {
    let dir = Dir::new(name);
    dir.create("syspack.toml", toml);
    dir.create("stage/usr/bin/tool", "#!/bin/sh\necho tool\n");
    dir.create("stage/README", "readme\n");
    dir
}

const HEAD: &str = r#"
[package]
name = "bad"
version = "1.0.0"
maintainer = "Syspack Tests <tests@example.org>"
license = "MIT"
"#;

/// Runs `syspack package` for `targets`, expects exit 2, checks stderr and that nothing was
/// written. Returns stderr.
fn fails(dir: &Dir, targets: &str, needles: &[&str]) -> String {
    let err = dir
        .package()
        .args(["--target", targets, "--out", "out"])
        .stderr_with(2);
    assert_contains(&err, needles);
    assert!(err.contains("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let left = files_in(&dir.join("out"));
    assert!(
        left.is_empty(),
        "the output directory must stay empty, found {left:?}\n{err}"
    );
    err
}

#[test]
fn missing_asset() {
    let dir = project(
        "missing",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/usr/bin/nosuch\", dest = \"/usr/bin/\" }}]\n"
        ),
    );
    fails(
        &dir,
        "debian-12",
        &["stage/usr/bin/nosuch", "package.assets[0]", "fix `source`"],
    );
}

#[test]
fn glob_matching_nothing() {
    let dir = project(
        "noglob",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/*.nothing\", dest = \"/usr/share/bad/\" }}]\n"
        ),
    );
    fails(&dir, "arch", &["stage/*.nothing", "matches no file"]);
}

#[test]
fn destination_with_dot_dot() {
    let dir = project(
        "dotdot",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/../../etc/evil\" }}]\n"
        ),
    );
    fails(
        &dir,
        "fedora-43",
        &["/usr/../../etc/evil", "..", "fix its `dest`"],
    );
}

#[test]
fn relative_destination() {
    let dir = project(
        "relative",
        &format!("{HEAD}assets = [{{ source = \"stage/README\", dest = \"usr/share/readme\" }}]\n"),
    );
    fails(&dir, "fedora-43", &["usr/share/readme", "must be absolute"]);
}

#[test]
fn symlink_escaping_the_root() {
    let dir = project(
        "symlink",
        &format!("{HEAD}assets = [{{ source = \"stage/usr/**/*\", dest = \"/usr/\" }}]\n"),
    );
    std::os::unix::fs::symlink(
        "../../../../../etc/shadow",
        dir.join("stage/usr/bin/escape"),
    )
    .unwrap();
    fails(
        &dir,
        "debian-12",
        &["/usr/bin/escape", "../../../../../etc/shadow", "outside"],
    );
}

#[test]
fn two_assets_to_one_path() {
    let dir = project(
        "dup",
        &format!(
            "{HEAD}assets = [\n  {{ source = \"stage/usr/bin/tool\", dest = \"/usr/bin/tool\" }},\n  {{ source = \"stage/README\", dest = \"/usr/bin/tool\" }},\n]\n"
        ),
    );
    fails(
        &dir,
        "arch",
        &[
            "/usr/bin/tool",
            "stage/usr/bin/tool",
            "stage/README",
            "another destination",
        ],
    );
}

#[test]
fn invalid_version_for_each_format() {
    let assets = "assets = [{ source = \"stage/usr/bin/tool\", dest = \"/usr/bin/\" }]\n";
    let case = |name: &str, version: &str, target: &str, needles: &[&str]| {
        let toml = format!(
            "[package]\nname = \"bad\"\nversion = \"{version}\"\nmaintainer = \"T <t@example.org>\"\nlicense = \"MIT\"\n{assets}"
        );
        let dir = project(name, &toml);
        let err = fails(&dir, target, needles);
        assert!(
            err.contains(&format!("`{target}`")),
            "the target must be named:\n{err}"
        );
    };
    case(
        "rpm-version",
        "1.0-rc1",
        "fedora-43",
        &["version", "1.0-rc1", "rpm"],
    );
    case(
        "arch-version",
        "1.0-rc1",
        "arch",
        &["version", "1.0-rc1", "arch", "1.0_rc1"],
    );
    case(
        "freebsd-version",
        "1.0-rc1",
        "freebsd-14",
        &["version", "1.0-rc1", "freebsd"],
    );
    case(
        "deb-version",
        "v1.0",
        "debian-12",
        &["version", "v1.0", "deb"],
    );
    // Several targets: one bad format stops them all before anything is written.
    let toml = HEAD.replace("1.0.0", "1.0-rc1") + assets;
    let dir = project("mixed", &toml);
    fails(&dir, "debian-12,fedora-43", &["fedora-43"]);
}

#[test]
fn non_utf8_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = project(
        "nonutf8",
        &format!("{HEAD}assets = [{{ source = \"stage/**/*\", dest = \"/usr/share/bad/\" }}]\n"),
    );
    let name = std::ffi::OsStr::from_bytes(b"stage/caf\xe9.txt");
    std::fs::write(dir.join(name), "latin-1 name\n").unwrap();
    fails(&dir, "debian-12", &["not UTF-8", "rename"]);
}

#[test]
fn empty_package() {
    let dir = project("empty", &format!("{HEAD}assets = []\n"));
    fails(
        &dir,
        "debian-12",
        &["package.assets", "is missing or empty", "source ="],
    );
}

#[test]
fn only_directories_make_an_empty_package() {
    let dir = project(
        "onlydirs",
        &format!("{HEAD}assets = [{{ source = \"stage/usr\", dest = \"/usr/\" }}]\n"),
    );
    fails(&dir, "debian-12", &["is a directory", "stage/usr/**/*"]);
}

#[test]
fn unknown_key_in_the_configuration() {
    let dir = project("typo", &format!("{HEAD}asets = []\n"));
    fails(
        &dir,
        "debian-12",
        &[
            "syspack.toml",
            "unknown key `package.asets`",
            "did you mean `assets`?",
        ],
    );
}

#[test]
fn unknown_target_gets_a_hint() {
    let dir = project(
        "target",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n"
        ),
    );
    fails(
        &dir,
        "debain-12",
        &[
            "unknown target `debain-12`",
            "a target with a similar name exists: `debian-12`",
        ],
    );
    fails(
        &dir,
        "arch,fedora43",
        &["unknown target `fedora43`", "`fedora-43`"],
    );
}

#[test]
fn unknown_format_gets_a_hint() {
    let dir = project(
        "format",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n"
        ),
    );
    let err = dir
        .package()
        .args(["--format", "rmp", "--out", "out"])
        .stderr_with(2);
    assert_contains(&err, &["unknown format `rmp`", "`rpm`"]);
}

#[test]
fn missing_configuration_file() {
    let dir = Dir::new("nofile");
    let err = dir
        .command()
        .args(["package", "--config", "nosuch.toml", "--out", "out"])
        .stderr_with(2);
    assert_contains(&err, &["failed to read `nosuch.toml`"]);
    assert!(files_in(&dir.join("out")).is_empty());
}

#[test]
fn zero_jobs_is_refused_before_anything_is_written() {
    let dir = project(
        "jobs",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n"
        ),
    );
    let err = dir
        .package()
        .args(["--jobs", "0", "--out", "out"])
        .stderr_with(2);
    assert_contains(&err, &["--jobs", "0", "1.."]);
    assert!(files_in(&dir.join("out")).is_empty(), "{err}");
}

#[test]
fn a_device_as_the_configuration_is_refused_without_reading_it() {
    let dir = Dir::new("devzero");
    let err = dir
        .command()
        .args(["package", "--config", "/dev/zero", "--out", "out"])
        .stderr_with(2);
    assert_contains(&err, &["/dev/zero", "not a regular file"]);
    assert!(files_in(&dir.join("out")).is_empty());
}

#[test]
fn a_device_as_a_maintainer_script_is_refused() {
    let dir = project(
        "devscript",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n\
             scripts = {{ post_install = \"/dev/zero\" }}\n"
        ),
    );
    fails(&dir, "debian-12", &["/dev/zero", "not a regular file"]);
}

#[test]
fn an_integer_mode_is_refused_not_reinterpreted() {
    let dir = project(
        "intmode",
        &format!("{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\", mode = 0o644 }}]\n"),
    );
    fails(
        &dir,
        "debian-12",
        &["`package.assets[0].mode`", "integer 420", "\"0644\""],
    );
}

#[test]
fn half_a_relation_is_refused_when_the_configuration_is_read() {
    let dir = project(
        "halfrel",
        &format!(
            "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n\
             depends = [\"foo (>= 1\"]\n"
        ),
    );
    fails(&dir, "debian-12", &["`package.depends[0]`", "parenthesis"]);
}

#[test]
fn an_over_long_name_is_refused_before_anything_is_written() {
    let toml = HEAD.replace("name = \"bad\"", &format!("name = \"{}\"", "n".repeat(600)));
    let dir = project(
        "longname",
        &format!(
            "{toml}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n"
        ),
    );
    fails(
        &dir,
        "debian-12,fedora-43,arch,freebsd-14",
        &["`package.name`", "600 characters", "255 bytes"],
    );
}

#[cfg(unix)]
#[test]
fn a_script_or_asset_linked_outside_the_project_is_refused_unless_allowed() {
    let outside = Dir::new("outside-secret");
    outside.create("secret", "root:x:0:0\n");
    outside.create("etc/shadow", "root:x:0:0\n");
    let body = format!(
        "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n\
         scripts = {{ post_install = \"postinst\" }}\n"
    );
    let dir = project("linkscript", &body);
    std::os::unix::fs::symlink(outside.join("secret"), dir.join("postinst")).unwrap();
    fails(
        &dir,
        "debian-12",
        &[
            "scripts.post_install",
            "outside the project",
            "allow-external-sources",
        ],
    );
    // An asset reached through a symlinked directory.
    let dir = project(
        "linkasset",
        &format!("{HEAD}assets = [{{ source = \"conf/shadow\", dest = \"/etc/bad/\" }}]\n"),
    );
    std::os::unix::fs::symlink(outside.join("etc"), dir.join("conf")).unwrap();
    fails(
        &dir,
        "debian-12",
        &["assets[0].source", "outside the project"],
    );
    // A `..` path is the author's choice (a workspace member's `../pkg/deb/postinst`, as
    // cargo-deb reads it): packaged. A symlink on the way out of where it leads is refused.
    let shared = Dir::new("workspace-shared");
    shared.create("pkg/postinst", "#!/bin/sh\necho hi\n");
    std::os::unix::fs::symlink(outside.join("etc"), shared.join("pkg/etc")).unwrap();
    let member = |name: &str, script: &str| {
        let dir = project(name, HEAD);
        // Both are directories of the same temporary directory: `../<shared>/pkg/…`.
        let up = format!(
            "../{}/pkg/{script}",
            shared.path().file_name().unwrap().to_str().unwrap()
        );
        dir.create(
            "syspack.toml",
            format!(
                "{HEAD}assets = [{{ source = \"stage/README\", dest = \"/usr/share/doc/bad/\" }}]\n\
                 scripts = {{ post_install = \"{up}\" }}\n"
            ),
        );
        dir
    };
    member("dotdot", "postinst")
        .package()
        .args(["--target", "debian-12", "--out", "out"])
        .stderr_with(0);
    fails(
        &member("dotdotlink", "etc/shadow"),
        "debian-12",
        &["scripts.post_install", "through a symlink"],
    );
    // Explicitly allowed: packaged.
    let dir = project(
        "linkallowed",
        &format!("{body}allow-external-sources = true\n"),
    );
    std::os::unix::fs::symlink(outside.join("secret"), dir.join("postinst")).unwrap();
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stderr_with(0);
}
