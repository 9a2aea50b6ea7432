//! A person of a CRM export with their answer (`ivvy invited --people`):
//! the CRM's keys, the contact, and the invitation's fields under the
//! names `invited` gives them (`response`, `modifiedDate`,
//! `registrationId`), with the status code and the reason.

use ivvy::PersonAnswer;

use crate::output::table::{Cell, Column, Kind};

/// The rows of an export's answers.
pub struct Answers;

impl Kind for Answers {
    type Row<'a> = &'a PersonAnswer;

    fn columns<'a>() -> Vec<Column<&'a PersonAnswer>> {
        vec![
            Column::both("externalId", "EXTERNAL ID", 14, |r| {
                Cell::text(r.external_id.as_deref())
            }),
            Column::both("email", "EMAIL", 28, |r| Cell::text(r.email.as_deref())),
            Column::both("contact", "CONTACT", 11, |r| {
                r.contact.map_or(Cell::Empty, |c| Cell::Number(c.get()))
            }),
            Column::data("response", |r| {
                Cell::text(r.answer.as_ref().map(ivvy::Answer::letter))
            }),
            Column::shown("ANSWER", 10, |r| {
                Cell::text(r.answer.as_ref().map(ivvy::Answer::word))
            }),
            Column::both("status", "STATUS", 12, |r| {
                Cell::Text(r.status.code().into())
            }),
            Column::data("modifiedDate", |r| Cell::text(r.modified.as_deref())),
            Column::data("registrationId", |r| {
                r.registration_id
                    .and_then(|id| u64::try_from(id).ok())
                    .map_or(Cell::Empty, Cell::Number)
            }),
            Column::data("candidates", |r| {
                if r.candidates.is_empty() {
                    Cell::Empty
                } else {
                    let ids: Vec<String> = r.candidates.iter().map(ToString::to_string).collect();
                    Cell::Text(ids.join(" "))
                }
            }),
            Column::both("reason", "DETAIL", 0, |r| Cell::text(r.reason.as_deref())),
        ]
    }
}
