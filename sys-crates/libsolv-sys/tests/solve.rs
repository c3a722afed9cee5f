//! The safe API against small hand-made indexes in each format.
use syspack_solv_sys::solve::{Answer, Dist, Pool};

fn problems(a: Answer) -> Vec<String> {
    match a {
        Answer::NotInstallable { problems } => problems,
        other => panic!("expected not installable, got {other}"),
    }
}

#[test]
fn debian_unmet_version_names_what_is_available() {
    let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
    pool.add_debian_index_text(
        "archive",
        "Package: libc6\nVersion: 2.31-13\nArchitecture: amd64\n\n",
    )
    .unwrap();
    let pkg = pool
        .add_debian_control(
            "Package: hello\nVersion: 1.0-1\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\n",
        )
        .unwrap();
    assert_eq!(
        problems(pool.solve_install(pkg)),
        ["nothing provides libc6 >= 2.34 needed by hello-1.0-1.amd64 (libc6 2.31-13 is available)"]
    );
}

#[test]
fn debian_alternatives_and_versions_are_debian_semantics() {
    let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
    pool.add_debian_index_text(
        "archive",
        "Package: libc6\nVersion: 2.36-9+deb12u1\nArchitecture: amd64\n\n\
         Package: b\nVersion: 1\nArchitecture: all\nDepends: libc6 (>= 2.36~)\n\n",
    )
    .unwrap();
    // `a | b`: b exists; 2.36-9+deb12u1 >= 2.36~ in Debian's ordering (`~` sorts first).
    let pkg = pool
        .add_debian_control("Package: hello\nVersion: 1\nArchitecture: amd64\nDepends: a | b\n")
        .unwrap();
    assert_eq!(pool.solve_install(pkg), Answer::Installable { packages: 3 });
    let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
    pool.add_debian_index_text("archive", "Package: x\nVersion: 1\nArchitecture: amd64\n\n")
        .unwrap();
    let pkg = pool
        .add_debian_control(
            "Package: hello\nVersion: 1\nArchitecture: amd64\nConflicts: x\nDepends: x\n",
        )
        .unwrap();
    let p = problems(pool.solve_install(pkg));
    assert!(p.iter().any(|l| l.contains("conflicts with")), "{p:?}");
}

#[test]
fn rpm_and_arch_candidates_are_read_in_their_index_syntax() {
    let mut pool = Pool::new(Dist::Rpm, "x86_64").unwrap();
    let pkg = pool
        .add_rpm_primary(
            "<package type=\"rpm\"><name>hello</name><arch>x86_64</arch>\
             <version epoch=\"0\" ver=\"1.0\" rel=\"1\"/><format><rpm:requires>\
             <rpm:entry name=\"libc.so.6()(64bit)\"/></rpm:requires></format></package>",
        )
        .unwrap();
    assert_eq!(pool.describe(pkg), "hello-1.0-1.x86_64");
    assert_eq!(
        problems(pool.solve_install(pkg)),
        ["nothing provides libc.so.6()(64bit) needed by hello-1.0-1.x86_64"]
    );

    let mut pool = Pool::new(Dist::Arch, "x86_64").unwrap();
    let pkg = pool
        .add_arch_desc(
            "%NAME%\nhello\n\n%VERSION%\n1.0-1\n\n%ARCH%\nx86_64\n\n%DEPENDS%\nglibc>=2.40\n\n",
        )
        .unwrap();
    let p = problems(pool.solve_install(pkg));
    assert_eq!(
        p,
        ["nothing provides glibc >= 2.40 needed by hello-1.0-1.x86_64"]
    );
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
    assert!(pool.add_debian_control("").is_err());
    assert!(pool.add_debian_control("Package: a\0b\n").is_err());
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("Packages.xz");
    let e = pool
        .load_index(
            "x",
            &missing,
            syspack_solv_sys::solve::IndexKind::DebianPackages,
        )
        .unwrap_err();
    assert!(e.to_string().contains("Packages.xz"), "{e}");
    let bz = dir.path().join("Packages.bz2");
    std::fs::write(&bz, b"BZh91AY&SY").unwrap();
    let e = pool
        .load_index("x", &bz, syspack_solv_sys::solve::IndexKind::DebianPackages)
        .unwrap_err();
    assert!(e.to_string().contains("bzip2"), "{e}");
    let mut rpm = Pool::new(Dist::Rpm, "x86_64").unwrap();
    assert!(rpm.add_rpm_primary("<package><name>unterminated").is_err());
}
