//! The library really is linked the way the provenance says, and is the version it says.
use syspack_lzma_sys::{safe, PROVENANCE_JSON};
use syspack_sys_test_support::common;

#[test]
fn linking_matches_provenance() {
    common::check_linking(PROVENANCE_JSON, "liblzma.so.5", "lzma_version_string");
}

#[test]
fn runtime_version_matches_provenance() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "lzma");
    let expected = common::expected_version(&provenance, "liblzma", syspack_lzma_sys::PIN);
    assert_eq!(safe::version(), expected);
    assert_eq!(syspack_lzma_sys::provenance(), PROVENANCE_JSON);
}
