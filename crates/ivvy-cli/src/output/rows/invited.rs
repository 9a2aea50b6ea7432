//! An event's invitation with the contact's answer, in iVvy's own field
//! names (getInvitedContactList's).

use ivvy::InvitedContact;

use crate::output::table::{Cell, Column, Kind};

/// The rows of an event's invitations.
pub struct Invited;

impl Kind for Invited {
    type Row<'a> = &'a InvitedContact;

    fn columns<'a>() -> Vec<Column<&'a InvitedContact>> {
        vec![
            Column::both("contactId", "CONTACT", 11, |r| {
                Cell::Number(r.contact.get())
            }),
            Column::data("response", |r| Cell::Text(r.answer.letter().into())),
            // An answer iVvy may add later is shown as it came.
            Column::shown("ANSWER", 10, |r| Cell::Text(r.answer.word().into())),
            Column::data("firstName", |r| Cell::text(r.first_name.as_deref())),
            Column::data("lastName", |r| Cell::text(r.last_name.as_deref())),
            Column::shown("NAME", 24, |r| {
                let name: Vec<&str> = [r.first_name.as_deref(), r.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                Cell::Text(name.join(" "))
            }),
            Column::both("email", "EMAIL", 32, |r| Cell::text(r.email.as_deref())),
            Column::data("phone", |r| Cell::text(r.phone.as_deref())),
            Column::data("registrationId", |r| {
                r.registration_id
                    .and_then(|id| u64::try_from(id).ok())
                    .map_or(Cell::Empty, Cell::Number)
            }),
            Column::both("modifiedDate", "MODIFIED", 0, |r| {
                Cell::Text(r.modified.clone())
            }),
        ]
    }
}
