//! An invite run's row per contact: the library's [`Invitation`], or for a
//! contact already invited, the links an earlier run recorded. `status`
//! and `reason` are the library's codes ([`ivvy::InviteStatus`]); the
//! table shows the status in words.

use ivvy::{Invitation, InviteLinks, Outcome};

use crate::output::table::{Cell, Column, Kind};

/// The links an earlier run recorded for a contact, when known.
pub type EarlierLinks<'a> = &'a dyn Fn(u64) -> Option<InviteLinks>;

/// The note of a contact already invited whose links an earlier run kept.
const EARLIER_NOTE: &str = "already invited; links from an earlier run";

/// The rows of an invite run.
pub struct Invites;

/// An invite run's row.
pub struct InviteRow<'a> {
    pub(crate) invitation: &'a Invitation,
    recorded: Option<InviteLinks>,
}

impl<'a> InviteRow<'a> {
    /// The row for `invitation`, with `earlier` runs' links when it is
    /// already invited and they are known.
    pub fn new(invitation: &'a Invitation, earlier: EarlierLinks<'_>) -> Self {
        let known = matches!(
            invitation.outcome,
            Outcome::AlreadyInvited | Outcome::InvitedLinksUnknown
        );
        let recorded = known.then(|| earlier(invitation.contact.get())).flatten();
        Self {
            invitation,
            recorded,
        }
    }

    pub(crate) fn links(&self) -> Option<&InviteLinks> {
        self.invitation.outcome.links().or(self.recorded.as_ref())
    }

    /// What to know about the row, in words: why it is not invited, or a
    /// note about the invitation.
    pub(crate) fn note(&self) -> Option<String> {
        match &self.recorded {
            Some(_) => Some(EARLIER_NOTE.into()),
            None => self.invitation.outcome.note(),
        }
    }

    fn is_invited(&self) -> bool {
        self.invitation.outcome.is_invited()
    }

    /// The reason code; none once an earlier run's links fill the gap.
    pub(crate) fn reason(&self) -> Option<&str> {
        match &self.recorded {
            Some(_) => None,
            None => self.invitation.reason(),
        }
    }
}

/// The yes link, when known.
pub(crate) fn yes(links: Option<&InviteLinks>) -> Cell {
    Cell::text(links.map(InviteLinks::yes))
}

/// The no link, when known.
pub(crate) fn no(links: Option<&InviteLinks>) -> Cell {
    Cell::text(links.map(InviteLinks::no))
}

/// A table's detail cell: the links when known, else the note.
pub(crate) fn detail(links: Option<&InviteLinks>, note: Option<String>) -> Cell {
    match links {
        Some(links) => Cell::Text(format!("yes: {}  no: {}", links.yes(), links.no())),
        None => Cell::text(note.as_deref()),
    }
}

/// The note in the `error` field when not invited, in `note` otherwise.
pub(crate) fn error_or_note(invited: bool, note: Option<String>, want_error: bool) -> Cell {
    if invited == want_error {
        Cell::Empty
    } else {
        Cell::text(note.as_deref())
    }
}

impl Kind for Invites {
    type Row<'a> = InviteRow<'a>;

    fn columns<'a>() -> Vec<Column<InviteRow<'a>>> {
        vec![
            Column::both("contact", "CONTACT", 11, |r| {
                Cell::Number(r.invitation.contact.get())
            }),
            Column::data("status", |r| {
                Cell::Text(r.invitation.status().code().into())
            }),
            Column::data("reason", |r| Cell::text(r.reason())),
            Column::shown("STATUS", 16, |r| {
                Cell::Text(r.invitation.outcome.word().into())
            }),
            Column::data("inviteLinkYes", |r| yes(r.links())),
            Column::data("inviteLinkNo", |r| no(r.links())),
            Column::data("error", |r| error_or_note(r.is_invited(), r.note(), true)),
            Column::data("note", |r| error_or_note(r.is_invited(), r.note(), false)),
            Column::shown("DETAIL", 0, |r| detail(r.links(), r.note())),
        ]
    }
}
