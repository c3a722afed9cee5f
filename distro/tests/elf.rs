//! ELF analysis against real binaries: the system's `/bin/ls` and C programs compiled here with `cc`
//! (dynamic with libz, static, and a shared library).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use syspack_distro::elf::{ElfInfo, Libc, TargetOs};
use syspack_distro::kb::Version;
use syspack_distro::{Arch, Error};

const CC_HINT: &str = "apt-get install -y gcc libc6-dev zlib1g-dev";

/// Compiles `source` into `dir/name` with `cc`, passing `args` after the source file.
fn cc(dir: &Path, name: &str, source: &str, args: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(name);
    common::run(
        Command::new("cc").arg("-o").arg(&out).arg(&src).args(args),
        CC_HINT,
    );
    out
}

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
