//! iVvy's `filter` argument, applied to a listing's results the way
//! iVvy's filtering page describes: a key is a result field, optionally
//! followed by a modifier (`firstName__BEGINS`), and the special value
//! `ISNULL` (or `__ISNULL__`) matches null. Text compares without regard to
//! case. A key naming no field of the results is refused (23016), so a
//! test cannot believe it filtered on something that was ignored.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::reply::Refusal;
use crate::schema::INVALID_PARAMETER;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equals,
    Contains,
    NotContains,
    Begins,
    Ends,
    AtMost,
    AtLeast,
    Not,
    Empty,
}

const MODIFIERS: [(&str, Op); 8] = [
    ("__NOTCONTAINS", Op::NotContains),
    ("__CONTAINS", Op::Contains),
    ("__BEGINS", Op::Begins),
    ("__ENDS", Op::Ends),
    ("__LESSTHAN", Op::AtMost),
    ("__GREATERTHAN", Op::AtLeast),
    ("__NOT", Op::Not),
    ("__EMPTY", Op::Empty),
];

#[derive(Debug, Clone)]
struct Clause {
    field: String,
    op: Op,
    value: Value,
}

/// A parsed filter: every clause must hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    clauses: Vec<Clause>,
}

impl Filter {
    /// Reads a `filter` object; `fields` are the result fields it may name.
    pub(crate) fn parse(filter: &Map<String, Value>, fields: &[&str]) -> Result<Self, Refusal> {
        let mut clauses = Vec::new();
        for (key, value) in filter {
            let (field, op) = MODIFIERS
                .iter()
                .find_map(|(suffix, op)| key.strip_suffix(suffix).map(|f| (f, *op)))
                .unwrap_or((key.as_str(), Op::Equals));
            if !fields.contains(&field) {
                let mut refusal = Refusal::new(
                    StatusCode::BAD_REQUEST,
                    Some(INVALID_PARAMETER),
                    "'filter' does not validate",
                );
                refusal.additional.push(format!(
                    "`{key}` filters on `{field}`, which is not a field of these results ({})",
                    fields.join(", ")
                ));
                return Err(refusal);
            }
            clauses.push(Clause {
                field: field.to_string(),
                op,
                value: value.clone(),
            });
        }
        Ok(Self { clauses })
    }

    /// True when the filter has no clause (everything matches).
    pub(crate) fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// True when `item` (a result object) meets every clause.
    pub(crate) fn matches(&self, item: &Value) -> bool {
        self.clauses.iter().all(|clause| {
            let field = item.get(&clause.field).unwrap_or(&Value::Null);
            clause.holds(field)
        })
    }
}

fn is_null_marker(value: &Value) -> bool {
    matches!(value.as_str(), Some("ISNULL" | "__ISNULL__"))
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Clause {
    fn holds(&self, field: &Value) -> bool {
        if self.op == Op::Empty {
            return field.is_null() || field.as_str().is_some_and(str::is_empty);
        }
        if is_null_marker(&self.value) {
            return match self.op {
                Op::Not => !field.is_null(),
                _ => field.is_null(),
            };
        }
        let (Some(have), Some(want)) = (text(field), text(&self.value)) else {
            // A null field matches only "not equal" filters.
            return matches!(self.op, Op::Not | Op::NotContains);
        };
        let numbers = field
            .as_f64()
            .zip(self.value.as_f64().or_else(|| want.parse().ok()));
        match self.op {
            Op::Equals => have == want,
            Op::Not => have != want,
            Op::Contains => have.contains(&want),
            Op::NotContains => !have.contains(&want),
            Op::Begins => have.starts_with(&want),
            Op::Ends => have.ends_with(&want),
            Op::AtMost => numbers.map_or(have <= want, |(h, w)| h <= w),
            Op::AtLeast => numbers.map_or(have >= want, |(h, w)| h >= w),
            Op::Empty => unreachable!("handled above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filter(value: Value) -> Filter {
        let Value::Object(map) = value else {
            panic!("an object")
        };
        Filter::parse(
            &map,
            &["firstName", "response", "registrationId", "contactId"],
        )
        .expect("valid filter")
    }

    #[test]
    fn modifiers_follow_the_filtering_page() {
        let bob =
            json!({"firstName": "Bob", "response": "Y", "registrationId": null, "contactId": 12});
        assert!(filter(json!({"firstName": "bob"})).matches(&bob));
        assert!(filter(json!({"firstName__BEGINS": "B"})).matches(&bob));
        assert!(!filter(json!({"firstName__ENDS": "x"})).matches(&bob));
        assert!(filter(json!({"response__NOT": "N"})).matches(&bob));
        assert!(filter(json!({"registrationId": "ISNULL"})).matches(&bob));
        assert!(filter(json!({"registrationId__EMPTY": true})).matches(&bob));
        assert!(
            filter(json!({"contactId__GREATERTHAN": 12, "contactId__LESSTHAN": "12"}))
                .matches(&bob)
        );
        assert!(!filter(json!({"contactId__GREATERTHAN": 13})).matches(&bob));
        assert!(filter(json!({"firstName__NOTCONTAINS": "z"})).matches(&bob));
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let Value::Object(map) = json!({"shoeSize__NOT": 3}) else {
            panic!()
        };
        let refusal = Filter::parse(&map, &["firstName"]).expect_err("unknown field");
        assert_eq!(refusal.specific_code, Some(INVALID_PARAMETER));
        assert!(
            refusal.additional[0].contains("`shoeSize`"),
            "{:?}",
            refusal.additional
        );
    }
}
