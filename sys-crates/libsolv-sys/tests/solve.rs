//! The safe API against small hand-made indexes in each format.
use syspack_solv_sys::solve::{Answer, Dist, Pool};

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
    let a = pool.solve_install(pkg);
    eprintln!("{a}");
}
