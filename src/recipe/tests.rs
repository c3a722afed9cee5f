use super::*;

#[test]
fn dates_are_civil_and_rfc2822() {
    assert_eq!(civil(0), (1970, 1, 1, 0));
    assert_eq!(civil(951_782_400), (2000, 2, 29, 0));
    assert_eq!(
        debian::rfc2822(1_700_000_000),
        "Tue, 14 Nov 2023 22:13:20 +0000"
    );
}

#[test]
fn relations_are_spelled_per_family() {
    let r = Relation::with("foo", VersionOp::Ge, "1.2");
    assert_eq!(deb_relation(&r), "foo (>= 1.2)");
    assert_eq!(rpm_relation(&r), "foo >= 1.2");
    assert_eq!(arch_relation(&r), "foo>=1.2");
    let lt = Relation::with("foo", VersionOp::Lt, "2");
    assert_eq!(deb_relation(&lt), "foo (<< 2)");
    assert_eq!(rpm_relation(&lt), "foo < 2");
}

#[test]
fn shell_words_are_quoted_only_when_needed() {
    assert_eq!(shell_quote("target/release/x"), "target/release/x");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), "'it'\\''s'");
    assert_eq!(shell_quote(""), "''");
}

#[test]
fn freebsd_paths_move_under_the_prefix() {
    assert_eq!(freebsd::plist_path("/usr/bin/x"), "bin/x");
    assert_eq!(freebsd::plist_path("/etc/x.conf"), "etc/x.conf");
    assert_eq!(freebsd::plist_path("/usr/local/share/x"), "share/x");
}

#[test]
fn versions_lose_their_dash() {
    assert_eq!(debian::upstream_version("1.0.0-beta.1"), "1.0.0~beta.1");
    assert_eq!(rpm::rpm_version("1.0.0-beta.1"), "1.0.0~beta.1");
}

#[test]
fn release_must_match_the_family() {
    assert!(release_for(Family::Debian, Some("fedora-43")).is_err());
    assert_eq!(
        release_for(Family::Debian, None).unwrap().id.as_str(),
        "debian-13"
    );
}
