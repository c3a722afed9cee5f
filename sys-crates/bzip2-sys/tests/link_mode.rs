//! The library really is linked the way the provenance says, and is the version it says.
use syspack_bzip2_sys::{safe, PROVENANCE_JSON};
use syspack_sys_test_support::common;

#[test]
fn linking_matches_provenance() {
    common::check_linking(PROVENANCE_JSON, "libbz2.so.1.0", "BZ2_bzlibVersion");
}

#[test]
fn runtime_version_matches_provenance() {
    let provenance = common::provenance(PROVENANCE_JSON);
    assert_eq!(provenance["library"], "bzip2");
    match (provenance["mode"].as_str(), provenance["version"].as_str()) {
        (Some("vendored"), version) => {
            assert_eq!(
                version,
                Some(common::pinned_version(syspack_bzip2_sys::PIN).as_str())
            );
            assert_eq!(
                safe::version(),
                common::pinned_version(syspack_bzip2_sys::PIN)
            );
        }
        (Some("system"), Some(version)) => assert_eq!(safe::version(), version),
        // Debian's libbz2-dev has no bzip2.pc: the header+library probe finds no version.
        (Some("system"), None) => {
            assert_eq!(
                provenance["evidence"]["kind"], "header-probe",
                "{provenance}"
            );
            let version = safe::version();
            assert!(
                version.starts_with("1.0."),
                "unexpected libbz2 version {version:?}"
            );
        }
        other => panic!("unexpected mode/version {other:?}"),
    }
    assert_eq!(syspack_bzip2_sys::provenance(), PROVENANCE_JSON);
}
