//! Reading iVvy's replies as leniently as its own SDKs do, in one place
//! for every operation: whole numbers sent as numbers or strings of digits
//! ([`integer`], [`id`]), text sent as strings or numbers ([`text`]), and
//! a listing's rows one at a time ([`rows`]), so that one row that cannot
//! be read is skipped, named in a warning, and the rest of the page is
//! still read. What may arrive in which shape is the spec's
//! (`LooseInteger`, `LooseText`, the `…Row` types).

use ivvy_api::types::{LooseInteger, LooseText};

use crate::error::Error;
use crate::ids::InvalidId;
use crate::transport::excerpt::body_excerpt;

/// Rows of one page that cannot be read, named one by one up to this many.
const NAMED_SKIPS: usize = 5;

/// A whole number sent as a number, or as a string of digits (trimmed).
pub(crate) fn integer(value: &LooseInteger) -> Option<i64> {
    match value {
        LooseInteger::Int64(n) => Some(*n),
        LooseInteger::String(text) => text.trim().parse().ok(),
    }
}

/// An id of kind `T` from a field that may be missing: why not, when not.
pub(crate) fn id<T>(value: Option<&LooseInteger>, field: &str) -> Result<T, String>
where
    T: TryFrom<i64, Error = InvalidId>,
{
    let value = value.ok_or_else(|| format!("no {field}"))?;
    let number = integer(value).ok_or_else(|| format!("{field} {value:?} is not a number"))?;
    T::try_from(number).map_err(|e| format!("{field}: {e}"))
}

/// A count (`totalResults`) from a reply: a number of at least 0.
pub(crate) fn count(value: &LooseInteger, field: &str) -> Result<u64, Error> {
    integer(value)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| Error::unusable_reply(format!("{field} {value:?} is not a count")))
}

/// Text sent as a string or a number (a number becomes its decimal text).
pub(crate) fn text(value: Option<LooseText>) -> Option<String> {
    value.map(|value| match value {
        LooseText::String(text) => text,
        LooseText::Int64(n) => n.to_string(),
    })
}

/// What a listing's page held: the rows read, and how many could not be.
#[derive(Debug)]
pub(crate) struct Rows<T> {
    pub(crate) items: Vec<T>,
    pub(crate) skipped: usize,
}

/// Reads each row of a page that begins at `start` with `read`; a row
/// `read` refuses (saying why) is skipped with a warning naming its place
/// in the listing and the reason, the first few one by one.
pub(crate) fn rows<R, T>(
    kind: &'static str,
    start: u64,
    rows: Vec<R>,
    mut read: impl FnMut(R) -> Result<T, String>,
) -> Rows<T> {
    let mut items = Vec::with_capacity(rows.len());
    let mut skipped = 0;
    for (i, row) in rows.into_iter().enumerate() {
        match read(row) {
            Ok(item) => items.push(item),
            Err(why) => {
                skipped += 1;
                if skipped <= NAMED_SKIPS {
                    let at = start.saturating_add(i as u64);
                    tracing::warn!(
                        kind,
                        at,
                        "skipped a row of the listing that cannot be read: {why}"
                    );
                }
            }
        }
    }
    if skipped > NAMED_SKIPS {
        tracing::warn!(
            kind,
            start,
            skipped,
            "skipped {skipped} rows of one page that cannot be read"
        );
    }
    Rows { items, skipped }
}

/// Why a row is not of its listing's type, with what it held (shortened
/// and made safe to show).
pub(crate) fn unreadable(row: Option<&serde_json::Value>) -> String {
    let held = row.map(serde_json::Value::to_string).unwrap_or_default();
    format!(
        "not the shape the spec describes: {}",
        body_excerpt(held.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContactId;

    #[test]
    fn ids_come_as_numbers_or_digits_and_text_as_strings_or_numbers() {
        let n = LooseInteger::Int64(17);
        let s = LooseInteger::String(" 17 ".into());
        assert_eq!(
            id::<ContactId>(Some(&n), "contactId").map(|c| c.get()),
            Ok(17)
        );
        assert_eq!(
            id::<ContactId>(Some(&s), "contactId").map(|c| c.get()),
            Ok(17)
        );
        assert_eq!(
            id::<ContactId>(None, "contactId").map(|c| c.get()),
            Err("no contactId".into())
        );
        assert!(id::<ContactId>(Some(&LooseInteger::String("x".into())), "contactId").is_err());
        assert!(id::<ContactId>(Some(&LooseInteger::Int64(0)), "contactId").is_err());
        assert_eq!(text(Some(LooseText::Int64(12))).as_deref(), Some("12"));
        assert_eq!(
            text(Some(LooseText::String("CRM-1".into()))).as_deref(),
            Some("CRM-1")
        );
        assert_eq!(text(None), None);
    }

    #[test]
    fn a_row_that_cannot_be_read_is_skipped_and_the_rest_are_kept() {
        let read = rows("things", 100, vec![1, -1, 3], |n: i64| {
            if n > 0 { Ok(n) } else { Err("negative".into()) }
        });
        assert_eq!(read.items, [1, 3]);
        assert_eq!(read.skipped, 1);
    }
}
