//! ELF analysis against real binaries: the system's `/bin/ls` and C programs compiled here with `cc`
//! (dynamic with libz, static, and a shared library).

use crate::common::{self, cc, CC_HINT};

use std::path::Path;
use std::process::Command;

use syspack_distro::elf::{ElfInfo, Libc, TargetOs};
use syspack_distro::kb::Version;
use syspack_distro::{Arch, Error};

const ZLIB_PROGRAM: &str =
    "#include <zlib.h>\n#include <stdio.h>\nint main(void){ puts(zlibVersion()); return 0; }\n";

#[test]
fn bin_ls_is_a_dynamic_glibc_binary() {
    let info = ElfInfo::parse(Path::new("/bin/ls")).unwrap();
    assert_eq!(info.os, TargetOs::Linux);
    assert_eq!(info.libc, Libc::Glibc);
    assert!(
        info.needed.iter().any(|n| n == "libc.so.6"),
        "{:?}",
        info.needed
    );
    let interp = info.interpreter.as_deref().unwrap();
    assert!(interp.contains("ld-linux"), "{interp}");
    assert!(info.max_version("GLIBC_").is_some());
    #[cfg(target_arch = "x86_64")]
    assert_eq!(info.machine, Arch::X86_64);
}

#[test]
fn c_program_linked_with_zlib() {
    let dir = common::scratch();
    let bin = cc(dir.path(), "zprog", ZLIB_PROGRAM, &["-lz"]);
    let info = ElfInfo::parse(&bin).unwrap();
    assert_eq!(
        info.needed,
        vec!["libz.so.1".to_string(), "libc.so.6".to_string()]
    );
    assert_eq!(info.libc, Libc::Glibc);
    let libc = info
        .symbol_versions
        .get("libc.so.6")
        .expect("libc.so.6 version needs");
    assert!(libc.iter().all(|v| v.starts_with("GLIBC_")), "{libc:?}");
    // Every program linked against glibc >= 2.34 references __libc_start_main@GLIBC_2.34.
    assert!(libc.contains("GLIBC_2.34"), "{libc:?}");
    assert!(info.max_version("GLIBC_").unwrap() >= Version::new("2.34").unwrap());
    assert_eq!(info.max_version("NOPE_"), None);
    assert_eq!(info.soname, None);
    // The program really runs and the parse did not depend on running it.
    let out = common::run(&mut Command::new(&bin), CC_HINT);
    assert!(out.starts_with("1."), "{out}");
}

#[test]
fn static_binary_has_no_interpreter_and_no_needs() {
    let libc_a = Path::new("/usr/lib/x86_64-linux-gnu/libc.a");
    assert!(
        libc_a.exists() || cfg!(not(target_arch = "x86_64")),
        "{} is missing; install it with `{CC_HINT}`",
        libc_a.display()
    );
    let dir = common::scratch();
    let bin = cc(
        dir.path(),
        "static",
        "int main(void){return 0;}\n",
        &["-static"],
    );
    let info = ElfInfo::parse(&bin).unwrap();
    assert_eq!(info.interpreter, None);
    assert!(info.needed.is_empty(), "{:?}", info.needed);
    assert!(info.symbol_versions.is_empty());
    assert_eq!(info.libc, Libc::Static);
    assert!(info.is_static());
}

#[test]
fn shared_library_reports_its_soname() {
    let dir = common::scratch();
    let lib = cc(
        dir.path(),
        "libdemo.so.1.2",
        "#include <stdio.h>\nvoid demo(const char *s){ puts(s); }\n",
        &["-shared", "-fPIC", "-Wl,-soname,libdemo.so.1"],
    );
    let info = ElfInfo::parse(&lib).unwrap();
    assert_eq!(info.soname.as_deref(), Some("libdemo.so.1"));
    assert_eq!(info.interpreter, None);
    assert!(info.needed.iter().any(|n| n == "libc.so.6"));
}

/// The directories `DT_RUNPATH` (the linker's default) or `DT_RPATH` (`--disable-new-dtags`)
/// add to the loader's search, as `readelf -d` shows them.
#[test]
fn runpath_and_rpath_are_read_as_readelf_shows_them() {
    let dir = common::scratch();
    let lib_dir = dir.path().join("lib");
    std::fs::create_dir(&lib_dir).unwrap();
    common::shared_library(&lib_dir, "libdemo.so.1", "demo");
    let link = format!("-L{}", lib_dir.display());
    let program = "void demo(void);\nint main(void){ demo(); return 0; }\n";
    for (name, dtags, tag) in [
        ("with-runpath", "-Wl,--enable-new-dtags", "RUNPATH"),
        ("with-rpath", "-Wl,--disable-new-dtags", "RPATH"),
    ] {
        let bin = cc(
            dir.path(),
            name,
            program,
            &[
                &link,
                "-l:libdemo.so.1",
                dtags,
                "-Wl,-rpath,/opt/demo/lib:$ORIGIN/../lib",
            ],
        );
        let readelf = common::run(
            Command::new("readelf").arg("-d").arg(&bin),
            "apt-get install -y binutils",
        );
        let line = readelf
            .lines()
            .find(|l| l.contains(&format!("({tag})")))
            .unwrap_or_else(|| panic!("no {tag} in readelf -d:\n{readelf}"));
        let shown = line.rsplit_once('[').unwrap().1.trim_end_matches(']');
        let info = ElfInfo::parse(&bin).unwrap();
        assert_eq!(info.runpath.join(":"), shown, "{name}");
        assert_eq!(info.runpath, ["/opt/demo/lib", "$ORIGIN/../lib"], "{name}");
    }
    let plain = cc(dir.path(), "plain", "int main(void){ return 0; }\n", &[]);
    assert!(ElfInfo::parse(&plain).unwrap().runpath.is_empty());
}

#[test]
fn not_an_elf_file_is_an_error_naming_the_file() {
    let dir = common::scratch();
    let path = dir.path().join("script.sh");
    std::fs::write(&path, "#!/bin/sh\necho hi\n").unwrap();
    let err = ElfInfo::parse(&path).unwrap_err();
    assert!(matches!(err, Error::Elf { .. }), "{err}");
    assert!(err.to_string().contains("script.sh"), "{err}");
    let missing = ElfInfo::parse(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing}");
}

#[test]
fn truncated_or_corrupt_elf_is_an_error_not_a_panic() {
    let data = std::fs::read("/bin/ls").unwrap();
    for len in [4usize, 16, 52, 64, 200, 4096] {
        let _ = ElfInfo::parse_bytes(&data[..len.min(data.len())], Path::new("cut"));
    }
    let mut corrupt = data.clone();
    // Scribble over the section header offset and count.
    for b in corrupt.iter_mut().skip(0x28).take(8) {
        *b = 0xff;
    }
    let err = ElfInfo::parse_bytes(&corrupt, Path::new("corrupt")).unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
}

/// The imported symbols as dpkg's `Dpkg::Shlibs::Objdump` reads them from `objdump -w -T -R`
/// (dpkg 1.21–1.22): `*UND*` dynamic symbols, and defined ones whose `name@@VERSION` or `name`
/// has a `R_*_COPY` record — each as `name@VERSION`, or `name@Base` unversioned.
fn objdump_imports(file: &Path) -> std::collections::BTreeSet<String> {
    let out = common::run(
        Command::new("objdump").args(["-w", "-T", "-R"]).arg(file),
        "apt-get install -y binutils",
    );
    let mut syms = Vec::new();
    let mut copies = std::collections::BTreeSet::new();
    let mut section = "";
    for line in out.lines() {
        if line.starts_with("DYNAMIC SYMBOL TABLE") {
            section = "dynsym";
            continue;
        }
        if line.starts_with("DYNAMIC RELOCATION RECORDS") {
            section = "dynreloc";
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        match section {
            // `addr flags… section size [version] name`: the section is the first field with
            // a `*` or a dot.
            "dynsym" if f.len() >= 4 => {
                let Some(sec) = f
                    .iter()
                    .position(|w| w.starts_with('*') || w.starts_with('.'))
                else {
                    continue;
                };
                let rest = &f[sec + 2..];
                let (version, name) = match rest {
                    [v, n] => (v.trim_matches(['(', ')']).to_string(), n.to_string()),
                    [n] => ("Base".to_string(), n.to_string()),
                    _ => continue,
                };
                let version = if version.is_empty() {
                    "Base".into()
                } else {
                    version
                };
                syms.push((name, version, f[sec] == "*UND*"));
            }
            "dynreloc" if f.len() >= 3 && f[1].ends_with("_COPY") => {
                copies.insert(f[2].to_string());
            }
            _ => {}
        }
    }
    syms.into_iter()
        .filter(|(n, v, und)| *und || copies.contains(&format!("{n}@@{v}")) || copies.contains(n))
        .map(|(n, v, _)| format!("{n}@{v}"))
        .collect()
}

fn imports(info: &ElfInfo) -> std::collections::BTreeSet<String> {
    info.imports
        .iter()
        .map(|(n, v)| format!("{n}@{}", v.as_deref().unwrap_or("Base")))
        .collect()
}

/// The imported symbols and their versions are those dpkg-shlibdeps reads with objdump: undefined
/// symbols (versioned, unversioned, weak) and copy-relocated data, for a non-PIE program using
/// glibc's `stdout` and a library's unversioned variable, a PIE program with libz, and `/bin/ls`.
#[test]
fn imported_symbols_are_those_dpkg_reads_with_objdump() {
    let dir = common::scratch();
    let lib = cc(
        dir.path(),
        "libcounter.so.1",
        "int counter = 1;\nint bump(void){ return ++counter; }\n",
        &["-shared", "-fPIC", "-Wl,-soname,libcounter.so.1"],
    );
    assert!(lib.is_file());
    let src = "#include <stdio.h>\n#include <zlib.h>\nextern int counter; int bump(void);\nextern char **environ;\n\
               int main(void){ fprintf(stdout, \"%s %d %d %p\\n\", zlibVersion(), bump(), counter, (void *)environ); return 0; }\n";
    let libdir = format!("-L{}", dir.path().display());
    let nopie = cc(
        dir.path(),
        "nopie",
        src,
        &["-no-pie", &libdir, "-l:libcounter.so.1", "-lz"],
    );
    let pie = cc(dir.path(), "pie", ZLIB_PROGRAM, &["-lz"]);
    for file in [nopie.as_path(), pie.as_path(), Path::new("/bin/ls")] {
        let info = ElfInfo::parse(file).unwrap();
        let expected = objdump_imports(file);
        assert!(expected.len() > 2, "{}: {expected:?}", file.display());
        assert_eq!(imports(&info), expected, "{}", file.display());
    }
    let info = ElfInfo::parse(&nopie).unwrap();
    let got = imports(&info);
    // Copy-relocated: the unversioned `counter` counts, glibc's versioned `stdout` does not (as
    // dpkg 1.21 reads binutils 2.40's `stdout@GLIBC_2.2.5`).
    assert!(got.contains("counter@Base"), "{got:?}");
    assert!(!got.iter().any(|s| s.starts_with("stdout@")), "{got:?}");
    assert!(got.contains("fprintf@GLIBC_2.2.5"), "{got:?}");
    assert!(got.contains("zlibVersion@Base"), "{got:?}");
}

/// Sections each under the per-section limit but together over [`MAX_ELF_SECTIONS_TOTAL`] are
/// refused before anything is held: four note sections claiming 30 MiB each.
///
/// [`MAX_ELF_SECTIONS_TOTAL`]: syspack_distro::limits::MAX_ELF_SECTIONS_TOTAL
#[test]
fn sections_over_the_total_limit_are_refused() {
    let mut data = std::fs::read("/bin/true").unwrap();
    assert_eq!(
        &data[..5],
        b"\x7fELF\x02",
        "/bin/true must be a 64-bit ELF file"
    );
    let u64_at = |d: &[u8], o: usize| u64::from_le_bytes(d[o..o + 8].try_into().unwrap());
    let shoff = u64_at(&data, 0x28) as usize;
    let shentsize = u16::from_le_bytes([data[0x3a], data[0x3b]]) as usize;
    for i in 1..=4 {
        let sh = shoff + i * shentsize;
        data[sh + 4..sh + 8].copy_from_slice(&7u32.to_le_bytes()); // SHT_NOTE
        data[sh + 0x18..sh + 0x20].copy_from_slice(&0u64.to_le_bytes());
        data[sh + 0x20..sh + 0x28].copy_from_slice(&(30u64 << 20).to_le_bytes());
    }
    let err = ElfInfo::parse_bytes(&data, Path::new("many-notes"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("many-notes") && err.contains("together"),
        "{err}"
    );
}
