//! Dates as packages and repositories write them: UTC, from a Unix time (`SOURCE_DATE_EPOCH` or
//! a package's newest file, never the clock). One place for every spelling, on `jiff`'s calendar
//! arithmetic rather than a hand-written one.

use jiff::Timestamp;

/// The instant of `secs` seconds since 1970 (clamped to jiff's range, years up to 9999).
fn instant(secs: u64) -> Timestamp {
    i64::try_from(secs)
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
        .unwrap_or(Timestamp::MAX)
}

/// RFC 2822, as Debian changelogs and apt's `Release` write it: `Tue, 14 Nov 2023 22:13:20 +0000`.
pub fn rfc2822(secs: u64) -> String {
    instant(secs)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// An RPM `%changelog` date: `Tue Nov 14 2023`.
pub fn rpm_changelog(secs: u64) -> String {
    instant(secs).strftime("%a %b %d %Y").to_string()
}

/// `2023-11-14 22:13:20 UTC`, as syspack's own messages and release log show times.
pub fn utc(secs: u64) -> String {
    instant(secs).strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The year, for copyright lines.
pub fn year(secs: u64) -> i16 {
    instant(secs).to_zoned(jiff::tz::TimeZone::UTC).year()
}

/// `YYYY-MM-DD` of an RFC 2822 date as a Debian `Release` file's `Date:` writes it
/// (`Sat, 17 May 2025 09:12:00 UTC`); `None` when it is not one.
pub fn rfc2822_day(value: &str) -> Option<String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, ..] = words.as_slice() else {
        return None;
    };
    let date = jiff::civil::Date::strptime("%d %b %Y", format!("{day} {month} {year}")).ok()?;
    Some(date.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
        assert_eq!(rfc2822(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rpm_changelog(1_700_000_000), "Tue Nov 14 2023");
        assert_eq!(rpm_changelog(951_782_400), "Tue Feb 29 2000");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(year(951_782_400), 2000);
        assert_eq!(year(u64::MAX), 9999);
        assert_eq!(
            rfc2822_day("Sat, 17 May 2025 09:12:00 UTC").as_deref(),
            Some("2025-05-17")
        );
        assert_eq!(rfc2822_day("Sat, 31 Feb 2025 09:12:00 UTC"), None);
        assert_eq!(rfc2822_day("yesterday"), None);
    }
}
