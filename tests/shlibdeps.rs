//! The Debian `Depends` syspack derives from the release index, against dpkg-shlibdeps; the RPM
//! `Requires`, resolved by `rpm -i --test` against what rpmbuild provides.

use std::process::Command;

use crate::package::hello;
use crate::util::files_in;

const DEV: &str = "apt-get install -y gcc g++ dpkg-dev libpcre2-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libarchive-dev libzstd-dev";

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

fn assert_bookworm() {
    let release = std::fs::read_to_string("/etc/debian_version").unwrap_or_default();
    assert!(
        release.starts_with("12."),
        "this test compares with dpkg-shlibdeps on Debian 12 (bookworm); this machine is `{}` — run it in a bookworm root (ci/debian-root bookworm)",
        release.trim()
    );
}

/// Builds `source` with `compiler` and `args` into the hello fixture as its only ELF file, then
/// returns (dpkg-shlibdeps's `shlibs:Depends`, the `Depends` syspack writes for debian-12).
fn both_depends(
    name: &str,
    compiler: &str,
    ext: &str,
    source: &str,
    args: &[&str],
) -> (String, String) {
    let dir = hello(name);
    let src = dir.create(format!("prog.{ext}"), source);
    let bin = dir.join("stage/usr/bin/hello-elf");
    run(Command::new(compiler)
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .args(args));
    depends_of_hello_elf(&dir)
}

/// dpkg-shlibdeps's `shlibs:Depends` and syspack's debian-12 `Depends` for the hello fixture's
/// `stage/usr/bin/hello-elf`.
fn depends_of_hello_elf(dir: &crate::util::Dir) -> (String, String) {
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
        .unwrap_or_else(|| panic!("no shlibs:Depends in {shlibdeps}"))
        .to_string();
    dir.package()
        .args(["--target", "debian-12", "--out", "out"])
        .stdout();
    let debs = files_in(&dir.join("out"));
    let deb = dir.join("out").join(&debs[0]);
    let ours = run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"));
    (theirs, ours.trim().to_string())
}

/// A C program linking libpcre2-8, libsqlite3, libssl, libcurl, libarchive and libzstd, built on
/// this Debian 12 (bookworm) machine: the debian-12 `Depends` syspack writes is the one
/// dpkg-shlibdeps computes, package by package and version by version.
#[test]
fn debian_12_depends_are_what_dpkg_shlibdeps_computes() {
    assert_bookworm();
    let (theirs, ours) = both_depends(
        "shlibdeps-bookworm",
        "cc",
        "c",
        "#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\n#include <sqlite3.h>\n\
         #include <openssl/ssl.h>\n#include <curl/curl.h>\n#include <archive.h>\n#include <zstd.h>\n\
         #include <stdio.h>\nint main(void) {\n  printf(\"%s %s %d %s %s %u\\n\", sqlite3_libversion(),\n\
         OpenSSL_version(0), SSL_CTX_new(TLS_method()) != 0, curl_version(),\n\
         archive_version_string(), ZSTD_versionNumber());\n  pcre2_code_free_8(0);\n  return 0;\n}\n",
        &[
            "-lpcre2-8",
            "-lsqlite3",
            "-lssl",
            "-lcrypto",
            "-lcurl",
            "-larchive",
            "-lzstd",
        ],
    );
    assert_eq!(
        ours, theirs,
        "syspack's Depends (left) against dpkg-shlibdeps's (right)"
    );
    // Every package dpkg-shlibdeps names is there with a version at least as strict (the weaker
    // promise that held before symbols were read).
    let ours = parse(&ours);
    for (name, version) in parse(&theirs) {
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

/// The ripgrep case (issue 15): a program using only old symbols of libraries whose symbols
/// files list newer ones gets the versions of the symbols it uses — libpcre2-8-0 (>= 10.22), not
/// the 10.34 of the newest pcre2 symbol; libgcc-s1 from `__popcountdi2@GCC_3.4` and
/// `_Unwind_Backtrace@GCC_3.3`, not the 12 of `GCC_12.0.0` — exactly as dpkg-shlibdeps says.
#[test]
fn old_symbols_give_old_minimum_versions_as_dpkg_shlibdeps_says() {
    assert_bookworm();
    let (theirs, ours) = both_depends(
        "shlibdeps-old-symbols",
        "cc",
        "c",
        "#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\n#include <unwind.h>\n#include <stdio.h>\n\
         static _Unwind_Reason_Code step(struct _Unwind_Context *c, void *n) { (void)c; ++*(int *)n; return _URC_NO_REASON; }\n\
         int main(int argc, char **argv) {\n  (void)argv;\n  int e; PCRE2_SIZE off; int frames = 0;\n\
         pcre2_code *re = pcre2_compile((PCRE2_SPTR)\"a+\", PCRE2_ZERO_TERMINATED, 0, &e, &off, 0);\n\
         pcre2_match_data *m = pcre2_match_data_create_from_pattern(re, 0);\n\
         int r = pcre2_match(re, (PCRE2_SPTR)\"baa\", 3, 0, 0, m, 0);\n\
         _Unwind_Backtrace(step, &frames);\n\
         printf(\"%d %d %d\\n\", r, __builtin_popcountll((unsigned long long)argc * 0x10001ULL), frames > 0);\n\
         return 0;\n}\n",
        // -shared-libgcc: libgcc's helpers come from libgcc_s.so.1, not the static libgcc.a.
        &["-shared-libgcc", "-lpcre2-8"],
    );
    assert!(
        theirs.contains("libgcc-s1 (>= 3.4)") && theirs.contains("libpcre2-8-0 (>= 10.22)"),
        "the program no longer exercises old symbols: dpkg-shlibdeps says {theirs}"
    );
    assert_eq!(
        ours, theirs,
        "syspack's Depends (left) against dpkg-shlibdeps's (right)"
    );
}

/// A C++ program using old libstdc++ symbols (iostreams, std::string): libstdc++6's minimum
/// version is the one of the symbols it uses, not the newest of the library.
#[test]
fn old_libstdcxx_symbols_give_old_minimum_versions_as_dpkg_shlibdeps_says() {
    assert_bookworm();
    let (theirs, ours) = both_depends(
        "shlibdeps-cxx",
        "g++",
        "cc",
        "#include <iostream>\n#include <string>\n\
         int main(int argc, char **) {\n  std::string s(argc, 'x');\n  std::cout << s << std::endl;\n  return 0;\n}\n",
        &[],
    );
    assert!(
        theirs.contains("libstdc++6 (>= ") && !theirs.contains("libstdc++6 (>= 12)"),
        "the program no longer exercises old symbols: dpkg-shlibdeps says {theirs}"
    );
    assert_eq!(
        ours, theirs,
        "syspack's Depends (left) against dpkg-shlibdeps's (right)"
    );
}

/// A real binary using glibc's private symbols (`getent`, from libc-bin): they select the
/// alternative template of libc6's symbols file, and all three libc6 relations are written, in
/// dpkg's order (`>=`, `>>`, `<<`), as dpkg-shlibdeps writes them.
#[test]
fn private_glibc_symbols_give_the_alternative_template_as_dpkg_shlibdeps_says() {
    assert_bookworm();
    let dir = hello("shlibdeps-getent");
    std::fs::copy("/usr/bin/getent", dir.join("stage/usr/bin/hello-elf"))
        .expect("/usr/bin/getent is missing; install it with `apt-get install -y libc-bin`");
    let (theirs, ours) = depends_of_hello_elf(&dir);
    assert!(
        theirs.contains("libc6 (>> "),
        "getent no longer uses GLIBC_PRIVATE symbols: dpkg-shlibdeps says {theirs}"
    );
    assert_eq!(
        ours, theirs,
        "syspack's Depends (left) against dpkg-shlibdeps's (right)"
    );
}

/// The RPM side of the same question: syspack's `Requires` for an ELF are the soname and symbol
/// version dependencies rpmbuild's `elfdeps` writes (`libzstd.so.1()(64bit)`,
/// `libc.so.6(GLIBC_2.34)(64bit)`), so `rpm -i --test` resolves them against a provider package
/// that rpmbuild made from the real library files (its Provides generated by rpmbuild, not
/// written here); without the provider the same transaction fails naming what is missing.
#[test]
fn fedora_requires_resolve_against_what_rpmbuild_provides() {
    let dir = crate::util::Dir::new("rpm-requires");
    dir.create(
        "app.c",
        "#include <zstd.h>\n#include <zlib.h>\n#include <stdio.h>\n\
         int main(void) { printf(\"%u %s\\n\", ZSTD_versionNumber(), zlibVersion()); return 0; }\n",
    );
    run(Command::new("gcc")
        .current_dir(dir.path())
        .args(["-O2", "-o", "app", "app.c", "-lzstd", "-lz"]));
    dir.create(
        "syspack.toml",
        "[package]\nname = \"rqapp\"\nversion = \"1.0.0\"\nlicense = \"MIT\"\n\
         summary = \"needs zstd and zlib\"\nmaintainer = \"T <t@example.org>\"\n\
         assets = [{ source = \"app\", dest = \"/usr/bin/rqapp\", mode = \"0755\" }]\n",
    );
    dir.command()
        .args([
            "package",
            "--config",
            "syspack.toml",
            "--target",
            "fedora-43",
        ])
        .args(["--out", "out"])
        .stdout();
    let app = dir.join("out/rqapp-1.0.0-1.x86_64.rpm");
    let requires = run(Command::new("rpm").args(["-qp", "--requires"]).arg(&app));
    for want in [
        "libzstd.so.1()(64bit)",
        "libz.so.1()(64bit)",
        "libc.so.6(GLIBC_2.34)(64bit)",
    ] {
        assert!(requires.lines().any(|l| l == want), "{want}:\n{requires}");
    }

    // The provider: the real library files, packaged by rpmbuild, which generates their
    // Provides with elfdeps (rtld(GNU_HASH) is what Fedora's glibc spec declares by hand).
    let top = dir.join("rpmbuild");
    let libdir = std::path::Path::new("/lib/x86_64-linux-gnu");
    let libs = ["libc.so.6", "libz.so.1", "libzstd.so.1"];
    let install: Vec<String> = libs
        .iter()
        .map(|l| {
            format!(
                "install -D -m 0755 {} %{{buildroot}}/usr/lib64/{l}",
                libdir.join(l).display()
            )
        })
        .collect();
    dir.create(
        "provider.spec",
        format!(
            "Name: provider\nVersion: 1\nRelease: 1\nSummary: the host's libraries\nLicense: MIT\n\
             AutoReq: no\nProvides: rtld(GNU_HASH)\n%global debug_package %{{nil}}\n\
             %global __os_install_post %{{nil}}\n%description\nlibraries\n\
             %install\n{}\n%files\n/usr/lib64/*\n",
            install.join("\n")
        ),
    );
    run(Command::new("rpmbuild")
        .args(["-bb", "--nodeps", "--define"])
        .arg(format!("_topdir {}", top.display()))
        .arg(dir.join("provider.spec")));
    let provider = top.join("RPMS/x86_64/provider-1-1.x86_64.rpm");
    let provides = run(Command::new("rpm")
        .args(["-qp", "--provides"])
        .arg(&provider));
    assert!(
        provides.contains("libc.so.6(GLIBC_2.34)(64bit)"),
        "{provides}"
    );

    let db = dir.join("rpmdb");
    std::fs::create_dir_all(&db).unwrap();
    let test = |rpms: &[&std::path::Path]| {
        Command::new("rpm")
            .arg("--dbpath")
            .arg(&db)
            .args(["-i", "--test", "--ignoreos"])
            .args(rpms)
            .output()
            .expect("rpm runs (apt-get install -y rpm)")
    };
    let ok = test(&[&app, &provider]);
    assert!(
        ok.status.success(),
        "rpm -i --test with the provider:\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let alone = test(&[&app]);
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(!alone.status.success(), "resolved without the provider");
    assert!(
        err.contains("libzstd.so.1()(64bit) is needed by rqapp"),
        "{err}"
    );
}
