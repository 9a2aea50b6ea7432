//! iVvy's timestamp format: `yyyy-mm-dd HH:mm:ss`, UTC, optionally followed
//! by ` UTC`.
//!
//! Written out by hand rather than with `time`'s format descriptions: this
//! runs for every signed request, and it keeps `time`'s macro and parsing
//! machinery out of users' builds.

use std::time::SystemTime;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Formats a time as `yyyy-mm-dd HH:mm:ss` in UTC, the `IVVY-Date` value.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
/// assert_eq!(ivvy::timestamp::format(at), "2012-04-03 22:23:24");
/// ```
pub fn format(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    let mut out = String::with_capacity(19);
    let year = at.year();
    if (0..=9999).contains(&year) {
        push_digits(&mut out, year as u32, 4);
    } else {
        out.push_str(&year.to_string());
    }
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
    out
}

fn push_digits(out: &mut String, value: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (value / 10_u32.pow(i)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Parses `yyyy-mm-dd HH:mm:ss` or `yyyy-mm-dd HH:mm:ss UTC` as a UTC time.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let text = text.strip_suffix(" UTC").unwrap_or(text);
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
    let num = |from: usize, to: usize| -> Option<u32> {
        let part = text.get(from..to)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let month = Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(num(0, 4)?).ok()?,
        month,
        u8::try_from(num(8, 10)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(num(11, 13)?).ok()?,
        u8::try_from(num(14, 16)?).ok()?,
        u8::try_from(num(17, 19)?).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn formats_the_docs_example_time() {
        // Tue, 03 Apr 2012 22:23:24 UTC
        let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
        assert_eq!(format(at), "2012-04-03 22:23:24");
        assert_eq!(format(UNIX_EPOCH), "1970-01-01 00:00:00");
    }

    #[test]
    fn parses_with_and_without_utc_suffix() {
        let with = parse("2021-05-13 07:05:33 UTC").expect("parses");
        let without = parse("2021-05-13 07:05:33").expect("parses");
        assert_eq!(with, without);
        assert_eq!(with.unix_timestamp(), 1_620_889_533);
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
            let at = UNIX_EPOCH + Duration::from_secs(secs);
            let parsed = parse(&format(at)).expect("parses");
            assert_eq!(parsed.unix_timestamp(), secs as i64);
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
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
