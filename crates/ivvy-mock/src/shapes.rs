//! Replies in the shapes real iVvy may send that differ from the spec's
//! plainest reading ([`ReplyShape`]): ids as strings, text as numbers,
//! answer letters in another case or unknown, nulls where a value is
//! optional, and rows that cannot be read. Applied to a reply after its
//! handler, by field name, so every operation gets each shape.

use serde_json::{Map, Value};

/// A shape of reply the fake server can send, beside the plain one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[non_exhaustive]
pub enum ReplyShape {
    /// Ids and counts as strings of digits (`"contactId": "17"`), as
    /// iVvy's .NET SDK reads them.
    IdsAsStrings,
    /// `externalId` and `phone` as JSON numbers where they are digits
    /// (a phone's other characters dropped), as iVvy's getContact page
    /// types them.
    TextAsNumbers,
    /// Answer letters in lower case (`"y"`), no answer as `null`, and an
    /// answer iVvy may add (`"M"`) for every fifth contact yet to answer.
    OddAnswers,
    /// `null` for every optional text, date and count.
    Nulls,
    /// Every tenth row of a listing, and every tenth result of an invite,
    /// without its id (`contactId`, `id` or `contact`): a row no client
    /// can use.
    RowsWithoutIds,
}

const ID_FIELDS: [&str; 9] = [
    "id",
    "contactId",
    "eventId",
    "registrationId",
    "contact",
    "totalResults",
    "start",
    "perPage",
    "count",
];
const OPTIONAL_FIELDS: [&str; 11] = [
    "firstName",
    "lastName",
    "phone",
    "registrationId",
    "modifiedDate",
    "startDateTime",
    "endDateTime",
    "title",
    "start",
    "perPage",
    "count",
];

/// Reshapes a successful reply by every shape in `shapes`.
pub(crate) fn reshape(shapes: &[ReplyShape], reply: &mut Value) {
    for shape in shapes {
        apply(*shape, reply);
    }
}

fn apply(shape: ReplyShape, reply: &mut Value) {
    let Some(object) = reply.as_object_mut() else {
        return;
    };
    if let Some(meta) = object.get_mut("meta").and_then(Value::as_object_mut) {
        row(shape, meta);
    }
    match object.get_mut("results").and_then(Value::as_array_mut) {
        Some(rows) => {
            for (i, item) in rows.iter_mut().enumerate() {
                if let Some(fields) = item.as_object_mut() {
                    if shape == ReplyShape::RowsWithoutIds && i % 10 == 9 {
                        for key in ["contactId", "id", "contact"] {
                            fields.remove(key);
                        }
                    }
                    row(shape, fields);
                }
            }
        }
        // A reply that is one record (getEvent, addOrUpdateContact).
        None => row(shape, object),
    }
}

fn row(shape: ReplyShape, fields: &mut Map<String, Value>) {
    match shape {
        ReplyShape::IdsAsStrings => {
            for key in ID_FIELDS {
                if let Some(value) = fields.get_mut(key)
                    && let Some(n) = value.as_u64()
                {
                    *value = Value::String(n.to_string());
                }
            }
        }
        ReplyShape::TextAsNumbers => {
            for key in ["externalId", "phone"] {
                if let Some(value) = fields.get_mut(key)
                    && let Some(text) = value.as_str()
                {
                    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                    let all_digits = key == "phone" || digits.len() == text.len();
                    if let (true, Ok(n)) = (all_digits, digits.parse::<u64>()) {
                        *value = Value::from(n);
                    }
                }
            }
        }
        ReplyShape::OddAnswers => {
            let contact = fields.get("contactId").and_then(Value::as_u64).unwrap_or(0);
            if let Some(value) = fields.get_mut("response") {
                *value = match value.as_str() {
                    Some("U") if contact.is_multiple_of(5) => Value::from("M"),
                    Some("U") => Value::Null,
                    Some(letter) => Value::from(letter.to_ascii_lowercase()),
                    None => Value::Null,
                };
            }
        }
        ReplyShape::Nulls => {
            for key in OPTIONAL_FIELDS {
                if let Some(value) = fields.get_mut(key) {
                    *value = Value::Null;
                }
            }
        }
        ReplyShape::RowsWithoutIds => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_shape_changes_what_it_says() {
        let plain = json!({
            "meta": {"totalResults": 12, "start": 0, "perPage": 100, "count": 2},
            "results": [
                {"contactId": 5, "eventId": 1, "response": "U", "phone": "+61 400 000005", "externalId": "12", "firstName": "A"},
                {"contactId": 6, "eventId": 1, "response": "Y", "phone": null, "externalId": "CRM-6", "firstName": "B"},
            ],
        });
        let mut reply = plain.clone();
        reshape(&[ReplyShape::IdsAsStrings], &mut reply);
        assert_eq!(reply["meta"]["totalResults"], "12");
        assert_eq!(reply["results"][0]["contactId"], "5");
        let mut reply = plain.clone();
        reshape(&[ReplyShape::TextAsNumbers], &mut reply);
        assert_eq!(reply["results"][0]["externalId"], 12);
        assert_eq!(reply["results"][0]["phone"], 61_400_000_005_u64);
        assert_eq!(reply["results"][1]["externalId"], "CRM-6");
        let mut reply = plain.clone();
        reshape(&[ReplyShape::OddAnswers], &mut reply);
        assert_eq!(reply["results"][0]["response"], "M");
        assert_eq!(reply["results"][1]["response"], "y");
        let mut reply = plain.clone();
        reshape(&[ReplyShape::Nulls], &mut reply);
        assert_eq!(reply["results"][0]["firstName"], Value::Null);
        assert_eq!(reply["meta"]["start"], Value::Null);
        assert_eq!(reply["meta"]["totalResults"], 12);
    }
}
