//! The library really is linked the way the provenance says, and is the version it says.
use syspack_sys_test_support::common;
use syspack_zstd_sys::{safe, PROVENANCE_JSON};

#[test]
fn linking_matches_provenance() {
    common::check_linking(PROVENANCE_JSON, "libzstd.so.1", "ZSTD_versionNumber");
}

#[test]
fn runtime_version_matches_provenance() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "zstd");
    let expected = common::expected_version(&provenance, "libzstd", syspack_zstd_sys::PIN);
    assert_eq!(safe::version(), expected);
    let number: Vec<u32> = expected
        .split('.')
        .map(|p| p.parse().expect("numeric version"))
        .collect();
    assert_eq!(
        safe::version_number(),
        number[0] * 10000 + number[1] * 100 + number[2]
    );
    assert_eq!(syspack_zstd_sys::provenance(), PROVENANCE_JSON);
}
