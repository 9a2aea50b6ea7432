//! A people run's row per person: who the person is, the contact found or
//! added, and the invitation (with an earlier run's links when they are
//! known).

use ivvy::{Invitation, InviteLinks, PersonInvitation};

use crate::output::rows::invites::{EarlierLinks, InviteRow, detail, error_or_note, no, yes};
use crate::output::table::{Cell, Column, Kind};

/// The rows of an invite run over people.
pub struct People;

/// A people run's row.
pub struct PersonRow<'a> {
    row: &'a PersonInvitation,
    invite: Option<InviteRow<'a>>,
    /// Why nobody without names can be added: the file's missing column.
    names_missing: Option<&'a str>,
}

impl<'a> PersonRow<'a> {
    /// The row, given the invitation it shows
    /// ([`PersonInvitation::invitation`]).
    pub fn new(
        row: &'a PersonInvitation,
        invitation: Option<&'a Invitation>,
        earlier: EarlierLinks<'_>,
    ) -> Self {
        Self {
            row,
            invite: invitation.map(|i| InviteRow::new(i, earlier)),
            names_missing: None,
        }
    }

    /// Names the file's missing name column as the reason a person without
    /// names cannot be added.
    pub fn names_missing(mut self, reason: Option<&'a str>) -> Self {
        self.names_missing = reason;
        self
    }

    fn links(&self) -> Option<&InviteLinks> {
        self.invite.as_ref().and_then(InviteRow::links)
    }

    fn note(&self) -> Option<String> {
        let person = &self.row.person;
        let nameless = person.first_name.is_none() || person.last_name.is_none();
        match (&self.invite, &self.row.resolution, self.names_missing) {
            (Some(invite), _, _) => invite.note(),
            (None, ivvy::Resolution::CannotAdd(_), Some(reason)) if nameless => {
                Some(reason.to_string())
            }
            (None, _, _) => self.row.note(),
        }
    }

    fn is_invited(&self) -> bool {
        self.row.is_invited()
    }

    /// The reason code; an earlier run's links fill a gap in the links.
    fn reason(&self) -> Option<&str> {
        match &self.invite {
            Some(invite) if self.row.resolution.status().is_none() => invite.reason(),
            _ => self.row.reason(),
        }
    }

    fn contact(&self) -> Cell {
        self.row
            .contact()
            .map_or(Cell::Empty, |c| Cell::Number(c.get()))
    }

    /// The status in words, for a table.
    fn status_words(&self) -> String {
        match (&self.invite, self.row.resolution.created()) {
            (Some(invite), true) => format!("added, {}", invite.invitation.outcome.word()),
            (Some(invite), false) => invite.invitation.outcome.word().to_string(),
            (None, _) => "no contact".to_string(),
        }
    }
}

impl Kind for People {
    type Row<'a> = PersonRow<'a>;

    fn columns<'a>() -> Vec<Column<PersonRow<'a>>> {
        vec![
            Column::both("externalId", "EXTERNAL ID", 14, |r| {
                Cell::text(r.row.person.external_id.as_deref())
            }),
            Column::both("email", "EMAIL", 28, |r| {
                Cell::text(r.row.person.email.as_deref())
            }),
            Column::both("contact", "CONTACT", 11, PersonRow::contact),
            Column::data("created", |r| Cell::Bool(r.row.resolution.created())),
            Column::data("status", |r| Cell::Text(r.row.status().code().into())),
            Column::data("reason", |r| Cell::text(r.reason())),
            Column::data("candidates", |r| match &r.row.resolution {
                ivvy::Resolution::Ambiguous(ids) => Cell::Text(
                    ids.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => Cell::Empty,
            }),
            Column::shown("STATUS", 16, |r| Cell::Text(r.status_words())),
            Column::data("inviteLinkYes", |r| yes(r.links())),
            Column::data("inviteLinkNo", |r| no(r.links())),
            Column::data("error", |r| error_or_note(r.is_invited(), r.note(), true)),
            Column::data("note", |r| error_or_note(r.is_invited(), r.note(), false)),
            Column::shown("DETAIL", 0, |r| detail(r.links(), r.note())),
        ]
    }
}
