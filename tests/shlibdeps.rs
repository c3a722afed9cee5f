//! The Debian `Depends` syspack derives from the release index, against dpkg-shlibdeps.

use std::process::Command;

use crate::package::hello;
use crate::util::files_in;

const DEV: &str = "apt-get install -y gcc dpkg-dev libpcre2-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libarchive-dev libzstd-dev";

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} cannot run ({e}); install the tools with `{DEV}`"));
    assert!(
        out.status.success(),
        "{cmd:?} failed (install the tools with `{DEV}`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `name (>= v)` items of a Depends field → (name, version).
fn parse(depends: &str) -> Vec<(String, Option<String>)> {
    depends
        .split(',')
        .map(|d| {
            let d = d.trim();
            match d.split_once(" (>= ") {
                Some((n, v)) => (n.to_string(), Some(v.trim_end_matches(')').to_string())),
                None => (d.to_string(), None),
            }
        })
        .collect()
}

/// A C program linking libpcre2-8, libsqlite3, libssl, libcurl, libarchive and libzstd, built on
/// this Debian 12 (bookworm) machine: every package dpkg-shlibdeps names for it is in the
/// debian-12 `Depends` syspack writes, with a version at least as strict.
#[test]
fn debian_12_depends_cover_what_dpkg_shlibdeps_names() {
    let release = std::fs::read_to_string("/etc/debian_version").unwrap_or_default();
    assert!(
        release.starts_with("12."),
        "this test compares with dpkg-shlibdeps on Debian 12 (bookworm); this machine is `{}` — run it in a bookworm root (ci/debian-root bookworm)",
        release.trim()
    );
    let dir = hello("shlibdeps-bookworm");
    let src = dir.create(
        "prog.c",
        "#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\n#include <sqlite3.h>\n\
         #include <openssl/ssl.h>\n#include <curl/curl.h>\n#include <archive.h>\n#include <zstd.h>\n\
         #include <stdio.h>\nint main(void) {\n  printf(\"%s %s %d %s %s %u\\n\", sqlite3_libversion(),\n\
         OpenSSL_version(0), SSL_CTX_new(TLS_method()) != 0, curl_version(),\n\
         archive_version_string(), ZSTD_versionNumber());\n  pcre2_code_free_8(0);\n  return 0;\n}\n",
    );
    let bin = dir.join("stage/usr/bin/hello-elf");
    run(Command::new("cc").arg("-o").arg(&bin).arg(&src).args([
        "-lpcre2-8",
        "-lsqlite3",
        "-lssl",
        "-lcrypto",
        "-lcurl",
        "-larchive",
        "-lzstd",
    ]));
    dir.create(
        "debian/control",
        "Source: x\n\nPackage: x\nArchitecture: any\n",
    );
    let shlibdeps = run(Command::new("dpkg-shlibdeps")
        .current_dir(dir.path())
        .args(["-O", "stage/usr/bin/hello-elf"]));
    let theirs = shlibdeps
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .unwrap_or_else(|| panic!("no shlibs:Depends in {shlibdeps}"));

    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let debs = files_in(&dir.join("out"));
    let deb = dir.join("out").join(&debs[0]);
    let ours = run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"));
    let ours = parse(ours.trim());
    for (name, version) in parse(theirs) {
        let Some((_, mine)) = ours.iter().find(|(n, _)| *n == name) else {
            panic!("dpkg-shlibdeps names `{name}`, syspack's Depends does not: ours {ours:?}, theirs {theirs}");
        };
        if let Some(v) = version {
            let Some(m) = mine else {
                panic!("`{name}`: dpkg-shlibdeps wants >= {v}, syspack writes no version");
            };
            let ok = Command::new("dpkg")
                .args(["--compare-versions", m, "ge", &v])
                .status()
                .unwrap()
                .success();
            assert!(ok, "`{name}`: syspack writes >= {m}, dpkg-shlibdeps >= {v}");
        }
    }
}
