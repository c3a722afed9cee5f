//! RPM's version order (`rpmvercmp`), used by `syspack kb import` of an rpm-md repository to keep
//! the newest of several versions of one package, and by the repository crate.

/// RPM's version order (`rpmvercmp` in rpm's `rpmio/rpmvercmp.c`): alternating runs of digits
/// (compared as numbers, longer wins) and letters (compared bytewise), separators ignored, `~`
/// sorting before anything and `^` after the end but before anything else.
pub fn rpmvercmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    let skip_separators = |s: &mut &[u8]| {
        while let Some((&c, rest)) = s.split_first() {
            if c.is_ascii_alphanumeric() || c == b'~' || c == b'^' {
                break;
            }
            *s = rest;
        }
    };
    loop {
        skip_separators(&mut a);
        skip_separators(&mut b);
        let (x, y) = (a.first().copied(), b.first().copied());
        if x == Some(b'~') || y == Some(b'~') {
            match (x == Some(b'~'), y == Some(b'~')) {
                (false, _) => return Greater,
                (_, false) => return Less,
                _ => {}
            }
        } else if x == Some(b'^') || y == Some(b'^') {
            match (x, y) {
                (None, _) => return Less,
                (_, None) => return Greater,
                (Some(c), _) if c != b'^' => return Greater,
                (_, Some(c)) if c != b'^' => return Less,
                _ => {}
            }
        } else if x.is_none() || y.is_none() {
            return x.is_some().cmp(&y.is_some());
        } else {
            let numeric = a[0].is_ascii_digit();
            let class = |c: &u8| {
                if numeric {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_alphabetic()
                }
            };
            let la = a.iter().take_while(|c| class(c)).count();
            let lb = b.iter().take_while(|c| class(c)).count();
            if lb == 0 {
                // Digits are newer than letters.
                return if numeric { Greater } else { Less };
            }
            let (mut sa, mut sb) = (&a[..la], &b[..lb]);
            let ord = if numeric {
                while sa.first() == Some(&b'0') {
                    sa = &sa[1..];
                }
                while sb.first() == Some(&b'0') {
                    sb = &sb[1..];
                }
                sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
            } else {
                sa.cmp(sb)
            };
            if ord != Equal {
                return ord;
            }
            a = &a[la..];
            b = &b[lb..];
            continue;
        }
        // Both carried the same `~` or `^`: step over it.
        a = &a[1..];
        b = &b[1..];
    }
}
