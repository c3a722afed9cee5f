//! The library really is linked the way the provenance says, and is the version it says.
#[path = "../../test-support/common.rs"]
mod common;

use syspack_expat_sys::PROVENANCE_JSON;

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
    let expected = common::expected_version(&provenance, "expat");
    assert_eq!(syspack_expat_sys::version(), expected);
}
