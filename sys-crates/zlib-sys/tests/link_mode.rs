//! The library really is linked the way the provenance says, and is the version it says.
use syspack_sys_test_support::common;
use syspack_zlib_sys::{safe, PROVENANCE_JSON};

#[test]
fn linking_matches_provenance() {
    common::check_linking(PROVENANCE_JSON, "libz.so.1", "zlibVersion");
}

#[test]
fn runtime_version_matches_provenance() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "zlib");
    let expected = common::expected_version(&provenance, "zlib", syspack_zlib_sys::PIN);
    assert_eq!(safe::version(), expected);
    assert_eq!(syspack_zlib_sys::provenance(), PROVENANCE_JSON);
}
