//! The library really is linked the way the provenance says, and is the version it says.
use syspack_expat_sys::PROVENANCE_JSON;
use syspack_sys_test_support::common;

#[test]
fn linking_matches_provenance() {
    // A function this test binary calls (through `version()`): a static link keeps only the
    // sections the program uses (`-ffunction-sections` from cc, the linker's `--gc-sections`).
    common::check_linking(PROVENANCE_JSON, "libexpat.so.1", "XML_ExpatVersionInfo");
}

#[test]
fn runtime_version_matches_provenance() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "expat");
    let expected = common::expected_version(&provenance, "expat", syspack_expat_sys::PIN);
    assert_eq!(syspack_expat_sys::version(), expected);
}
