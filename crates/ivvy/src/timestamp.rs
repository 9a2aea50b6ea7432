//! iVvy's timestamp format: `yyyy-mm-dd HH:mm:ss`, UTC, optionally followed
//! by ` UTC`.

use std::time::SystemTime;

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Formats a time as `yyyy-mm-dd HH:mm:ss` in UTC, the `IVVY-Date` value.
pub fn format(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    // The format has only numeric fields, which every UTC time can fill.
    at.format(FORMAT).unwrap_or_default()
}

/// Parses `yyyy-mm-dd HH:mm:ss` or `yyyy-mm-dd HH:mm:ss UTC` as a UTC time.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let text = text.strip_suffix(" UTC").unwrap_or(text);
    PrimitiveDateTime::parse(text, FORMAT)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
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
    }

    #[test]
    fn parses_with_and_without_utc_suffix() {
        let with = parse("2021-05-13 07:05:33 UTC").expect("parses");
        let without = parse("2021-05-13 07:05:33").expect("parses");
        assert_eq!(with, without);
        assert_eq!(with.unix_timestamp(), 1_620_889_533);
    }

    #[test]
    fn rejects_other_shapes() {
        assert_eq!(parse("13/05/2021"), None);
        assert_eq!(parse("2021-13-01 00:00:00"), None);
        assert_eq!(parse(""), None);
    }
}
