//! iVvy's timestamps: `yyyy-mm-dd HH:mm:ss` in UTC, optionally followed by
//! ` UTC` (the `IVVY-Date` header, `ack`, `modifiedDate`), and the `Date`
//! header's `Tue, 03 Apr 2012 22:23:24 UTC` form.
//!
//! Written out by hand rather than with `time`'s format descriptions: the
//! format runs for every signed request, and this keeps `time`'s macro and
//! parsing machinery out of users' builds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Formats a time as `yyyy-mm-dd HH:mm:ss` in UTC, the `IVVY-Date` value.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
/// assert_eq!(ivvy_iws::timestamp::format(at), "2012-04-03 22:23:24");
/// ```
pub fn format(at: SystemTime) -> String {
    // Out of range only for clocks set past 9999: show the last second.
    try_format(at).unwrap_or_else(|| "9999-12-31 23:59:59".into())
}

/// [`format()`], or `None` for a time outside years 0 to 9999 (which the
/// format cannot hold).
pub fn try_format(at: SystemTime) -> Option<String> {
    let seconds = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_secs()).ok()?,
    };
    let at = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let mut out = String::with_capacity(19);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, u8::from(at.month()).into(), 2);
    out.push('-');
    push_digits(&mut out, at.day().into(), 2);
    out.push(' ');
    push_digits(&mut out, at.hour().into(), 2);
    out.push(':');
    push_digits(&mut out, at.minute().into(), 2);
    out.push(':');
    push_digits(&mut out, at.second().into(), 2);
    Some(out)
}

fn push_digits(out: &mut String, value: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (value / 10_u32.pow(i)) % 10;
        out.extend(char::from_digit(digit, 10));
    }
}

/// Parses `yyyy-mm-dd HH:mm:ss`, with or without a ` UTC` suffix, as UTC.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let at = ivvy_iws::timestamp::parse("2012-04-03 22:23:24 UTC");
/// assert_eq!(at, Some(UNIX_EPOCH + Duration::from_secs(1_333_491_804)));
/// ```
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = strip_utc(text.trim());
    let b = text.as_bytes();
    let shape_ok = b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':';
    if !shape_ok {
        return None;
    }
    let num = |from: usize, to: usize| number(text.get(from..to)?);
    let date = Date::from_calendar_date(
        i32::try_from(num(0, 4)?).ok()?,
        month(u8::try_from(num(5, 7)?).ok()?)?,
        u8::try_from(num(8, 10)?).ok()?,
    )
    .ok()?;
    let time = hms(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    to_system_time(PrimitiveDateTime::new(date, time))
}

/// Parses the `Date` header as iVvy's pages write it:
/// `Tue, 03 Apr 2012 22:23:24 UTC` (`GMT` too, any case). The weekday is
/// read but not checked against the date.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let text = strip_utc(text);
    let text = match text.len().checked_sub(4) {
        Some(cut) if text.get(cut..)?.eq_ignore_ascii_case(" gmt") => text.get(..cut)?,
        _ => text,
    };
    let (_weekday, rest) = text.split_once(", ")?;
    let mut parts = rest.split(' ');
    let (Some(day), Some(month_name), Some(year), Some(clock), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month_number = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?;
    let date = Date::from_calendar_date(
        i32::try_from(number(year)?).ok()?,
        month(u8::try_from(month_number + 1).ok()?)?,
        u8::try_from(number(day)?).ok()?,
    )
    .ok()?;
    let mut hms_parts = clock.split(':');
    let (Some(h), Some(m), Some(s), None) = (
        hms_parts.next(),
        hms_parts.next(),
        hms_parts.next(),
        hms_parts.next(),
    ) else {
        return None;
    };
    let time = hms(number(h)?, number(m)?, number(s)?)?;
    to_system_time(PrimitiveDateTime::new(date, time))
}

fn strip_utc(text: &str) -> &str {
    match text.len().checked_sub(4) {
        Some(cut)
            if text
                .get(cut..)
                .is_some_and(|t| t.eq_ignore_ascii_case(" utc")) =>
        {
            text.get(..cut).unwrap_or(text)
        }
        _ => text,
    }
}

/// Digits only (no sign, no spaces), at most 4 of them.
fn number(part: &str) -> Option<u32> {
    if part.is_empty() || part.len() > 4 || !part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn month(number: u8) -> Option<Month> {
    Month::try_from(number).ok()
}

fn hms(h: u32, m: u32, s: u32) -> Option<Time> {
    Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(s).ok()?,
    )
    .ok()
}

fn to_system_time(at: PrimitiveDateTime) -> Option<SystemTime> {
    let seconds = at.assume_utc().unix_timestamp();
    match u64::try_from(seconds) {
        Ok(after) => UNIX_EPOCH.checked_add(Duration::from_secs(after)),
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn formats_the_docs_example_time() {
        assert_eq!(format(at(1_333_491_804)), "2012-04-03 22:23:24");
        assert_eq!(format(UNIX_EPOCH), "1970-01-01 00:00:00");
    }

    #[test]
    fn times_past_9999_are_out_of_range_not_a_panic() {
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert_eq!(try_format(far), None);
        assert_eq!(format(far), "9999-12-31 23:59:59");
    }

    #[test]
    fn parses_with_and_without_utc_suffix() {
        assert_eq!(parse("2021-05-13 07:05:33 UTC"), Some(at(1_620_889_533)));
        assert_eq!(parse("2021-05-13 07:05:33"), Some(at(1_620_889_533)));
        assert_eq!(parse("2021-05-13 07:05:33 utc"), Some(at(1_620_889_533)));
    }

    #[test]
    fn format_and_parse_round_trip() {
        for secs in [
            0_u64,
            951_782_400,
            1_333_491_804,
            1_764_000_000,
            4_102_444_799,
        ] {
            assert_eq!(parse(&format(at(secs))), Some(at(secs)));
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "13/05/2021",
            "2021-13-01 00:00:00",
            "2021-02-30 00:00:00",
            "2021-01-01 24:00:00",
            "",
            "2021-01-01T00:00:00",
            "+021-01-01 00:00:00",
            "2021-01-01 00:00:00 UTCX",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_the_docs_date_header() {
        for text in [
            "Tue, 03 Apr 2012 22:23:24 UTC",
            "Tue, 03 Apr 2012 22:23:24 GMT",
            "tue, 03 apr 2012 22:23:24 utc",
            "Tue, 3 Apr 2012 22:23:24",
        ] {
            assert_eq!(parse_http_date(text), Some(at(1_333_491_804)), "{text}");
        }
        for bad in [
            "yesterday",
            "Tue, 03 Foo 2012 22:23:24 UTC",
            "Tue, 03 Apr 2012 22:23 UTC",
            "",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
