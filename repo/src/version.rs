//! Version order per family, as each package manager decides which version is newest (used by
//! `--keep N` and `repo remove`):
//!
//! * Debian: dpkg's order ([`syspack_distro::kb::debversion::compare`]);
//! * RPM and pacman: `[epoch:]version[-release]`, epoch as a number, then version and release by
//!   `rpmvercmp` ([`crate::rpmmd::rpmvercmp`]); a side without a release compares by version
//!   only (rpm's `rpmVersionCompare`, pacman's `alpm_pkg_vercmp` in `lib/libalpm/version.c`);
//! * FreeBSD: `pkg_version_cmp` of pkg's `libpkg/pkg_version.c`: `version[_revision][,epoch]`,
//!   epoch first, then the dot-separated components of the version (number, letter, patch
//!   level; `pl` before everything, `alpha`/`beta`/`pre`/`rc` as their first letter, `*` the
//!   smallest), then the revision.

use std::cmp::Ordering;

use crate::family::Family;

/// `a` against `b` in `family`'s order.
pub fn compare(family: Family, a: &str, b: &str) -> Ordering {
    match family {
        Family::Deb => syspack_distro::kb::debversion::compare(a, b),
        Family::Rpm | Family::Pacman => compare_evr(a, b),
        Family::Freebsd => compare_freebsd(a, b),
    }
}

fn compare_evr(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, Option<&str>) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => {
                (e.parse().unwrap_or(u64::MAX), r)
            }
            _ => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((v, r)) => (epoch, v, Some(r)),
            None => (epoch, rest, None),
        }
    }
    let (ea, va, ra) = split(a);
    let (eb, vb, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| crate::rpmmd::rpmvercmp(va, vb))
        .then_with(|| match (ra, rb) {
            (Some(x), Some(y)) => crate::rpmmd::rpmvercmp(x, y),
            _ => Ordering::Equal,
        })
}

/// One component of a FreeBSD version: number, letter (stage) and patch level.
#[derive(Default, PartialEq, Eq, PartialOrd, Ord)]
struct Component {
    n: i64,
    a: i64,
    pl: i64,
}

/// The stages that sort specially: `pl` before every letter, the others as their first letter.
const STAGES: &[(&str, i64)] = &[
    ("pl", 0),
    ("snap", (b's' - b'a') as i64 + 2),
    ("alpha", 2),
    ("beta", 3),
    ("pre", (b'p' - b'a') as i64 + 2),
    ("rc", (b'r' - b'a') as i64 + 2),
];

fn number(s: &[u8]) -> (i64, &[u8]) {
    let end = s
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let n = std::str::from_utf8(&s[..end])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(i64::MAX);
    (n, &s[end..])
}

/// The next component of `s` and what follows its trailing separators (`get_component`).
fn component(mut s: &[u8]) -> (Component, &[u8]) {
    let mut c = Component::default();
    let mut has_stage = false;
    if s.first().is_some_and(u8::is_ascii_digit) {
        (c.n, s) = number(s);
    } else if s.first() == Some(&b'*') {
        c.n = -2;
        while let Some((&x, rest)) = s.split_first() {
            if x == b'+' {
                break;
            }
            s = rest;
        }
    } else {
        c.n = -1;
        has_stage = true;
    }
    let mut has_patch_level = false;
    if let Some(&first) = s.first().filter(|x| x.is_ascii_alphabetic()) {
        let mut letter = Some(first.to_ascii_lowercase());
        has_patch_level = true;
        if s.get(1).is_some_and(u8::is_ascii_alphabetic) {
            for (name, value) in STAGES {
                let len = name.len();
                let matches = s.len() >= len
                    && s[..len].eq_ignore_ascii_case(name.as_bytes())
                    && !s.get(len).is_some_and(u8::is_ascii_alphabetic);
                if matches {
                    if has_stage {
                        c.a = *value;
                        s = &s[len..];
                    } else {
                        // A stage after a number starts a new component: `10alpha` = `10.a`.
                        c.a = 0;
                        has_patch_level = false;
                    }
                    letter = None;
                    break;
                }
            }
        }
        if let Some(l) = letter {
            c.a = i64::from(l - b'a') + 2;
            while s.first().is_some_and(u8::is_ascii_alphabetic) {
                s = &s[1..];
            }
        }
    }
    if has_patch_level {
        if s.first().is_some_and(u8::is_ascii_digit) {
            (c.pl, s) = number(s);
        } else {
            c.pl = -1;
        }
    }
    while let Some(&x) = s.first() {
        if x.is_ascii_alphanumeric() || x == b'+' || x == b'*' {
            break;
        }
        s = &s[1..];
    }
    (c, s)
}

fn compare_freebsd(a: &str, b: &str) -> Ordering {
    /// `(version, revision, epoch)` of `version[_revision][,epoch]`.
    fn split(v: &str) -> (&str, u64, u64) {
        let num = |s: &str| -> u64 {
            let end = s
                .bytes()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(s.len());
            s[..end].parse().unwrap_or(0)
        };
        let (head, revision) = match v.rfind('_') {
            Some(i) => (&v[..i], num(&v[i + 1..])),
            None => (v, 0),
        };
        // The epoch follows the revision (`1.0_1,2`), or the version when there is none.
        let after = v.rfind('_').map_or(v, |i| &v[i + 1..]);
        let epoch = after.rfind(',').map_or(0, |i| num(&after[i + 1..]));
        let version = match head.rfind(',') {
            Some(i) if v.rfind('_').is_none() => &head[..i],
            _ => head,
        };
        (version, revision, epoch)
    }
    let (va, ra, ea) = split(a);
    let (vb, rb, eb) = split(b);
    let mut result = ea.cmp(&eb);
    if result == Ordering::Equal && !va.eq_ignore_ascii_case(vb) {
        let (mut x, mut y) = (va.as_bytes(), vb.as_bytes());
        while result == Ordering::Equal && (!x.is_empty() || !y.is_empty()) {
            let (mut cx, mut cy) = (Component::default(), Component::default());
            let block_x = x.is_empty() || x[0] == b'+';
            let block_y = y.is_empty() || y[0] == b'+';
            if !block_x {
                (cx, x) = component(x);
            }
            if !block_y {
                (cy, y) = component(y);
            }
            if block_x && block_y {
                x = x.get(1..).unwrap_or_default();
                y = y.get(1..).unwrap_or_default();
            } else {
                result = cx.cmp(&cy);
            }
        }
    }
    result.then(ra.cmp(&rb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// Cases from pkg's own tests (`tests/lib/pkg_version.c`) and the rules in
    /// `libpkg/pkg_version.c`'s comments.
    #[test]
    fn freebsd_order_follows_pkg() {
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "1.0.0", Equal),
            ("1.0", "1.1", Less),
            ("1.10", "1.9", Greater),
            ("1.0_1", "1.0", Greater),
            ("1.0_1", "1.0_2", Less),
            ("1.0,1", "2.0", Greater),
            ("1.0_5,1", "1.0_6,1", Less),
            ("1.0,1", "1.0_9", Greater),
            ("10", "10a", Less),
            ("10a", "10b", Less),
            ("10alpha", "10", Less),
            ("10", "10alpha", Greater),
            ("0.1beta2", "0.1", Less),
            ("pl11", "alpha3", Less),
            ("alpha3", "0.1beta2", Less),
            ("1.d2", "1.dev2", Equal),
            ("2.*", "2pl1", Less),
            ("2pl1", "2alpha3", Less),
            ("2alpha3", "2.9f7", Less),
            ("2.9f7", "3.*", Less),
            ("1.0rc1", "1.0", Less),
            ("1.0.1:2003.09.16", "1.0:2003.09.16", Less),
            ("1.0+2", "1.0+10", Less),
            ("1.0_9", "1.0_10", Less),
            ("2.0", "1.0,1", Less),
            ("1.0.9", "1.0.10_1", Less),
        ] {
            assert_eq!(compare(Family::Freebsd, a, b), want, "{a} vs {b}");
            assert_eq!(compare(Family::Freebsd, b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn rpm_and_pacman_order_epoch_version_release() {
        for family in [Family::Rpm, Family::Pacman] {
            for (a, b, want) in [
                ("1.0-1", "1.0-2", Less),
                ("1:1.0-1", "2.0-1", Greater),
                ("1.10-1", "1.9-1", Greater),
                ("1.0~rc1-1", "1.0-1", Less),
                ("1.0", "1.0-5", Equal),
                ("2.0-1", "2.0-1", Equal),
            ] {
                assert_eq!(compare(family, a, b), want, "{family:?} {a} vs {b}");
            }
        }
        assert_eq!(compare(Family::Deb, "1.0-1", "1.0~rc1-1"), Greater);
    }
}
