//! Writing results as they come, in every format, with memory bounded by a
//! batch: JSON as one `{"event": N, "results": [...]}` document written
//! piece by piece, NDJSON a line per row, CSV a row per row, and a table
//! with fixed columns (widths cannot wait for the end of a long run). Text
//! from the server is escaped in tables and neutralised in CSV; JSON keeps
//! it exact. What a row holds is its type's [`Row`] implementation.

use std::io::Write;
use std::marker::PhantomData;

use ivvy::{Event, Invitation, InviteLinks, InvitedContact, Outcome, PersonInvitation};
use serde::Serialize;

use crate::args::Format;
use crate::error::CliError;
use crate::output::{Formulas, csv_cell, safe};

/// A kind of output: its CSV header and table columns.
pub trait Columns {
    /// CSV column names.
    const CSV_HEADER: &'static [&'static str];
    /// Table column names with their widths (the last is unbounded).
    const TABLE: &'static [(&'static str, usize)];
}

/// One row of output in each format.
pub trait Row: Serialize {
    /// The columns it fills.
    type Kind: Columns;
    /// The CSV cells, before neutralising.
    fn csv(&self) -> Vec<String>;
    /// The table cells, before escaping.
    fn cells(&self) -> Vec<String>;
}

/// The rows of an invite run.
pub struct Invites;
/// The rows of an event's invitations.
pub struct Invited;
/// The rows of an invite run over people.
pub struct People;
/// The rows of an events listing.
pub struct Events;

/// A results writer partway through its output.
pub struct ResultWriter<W: Write, K: Columns> {
    out: W,
    format: Format,
    formulas: Formulas,
    written: usize,
    kind: PhantomData<K>,
}

impl<W: Write, K: Columns> ResultWriter<W, K> {
    /// Writes the opening (the JSON head, the CSV or table header); the
    /// JSON document names the event, when there is one.
    pub fn start(
        mut out: W,
        format: Format,
        formulas: Formulas,
        event: Option<u64>,
    ) -> Result<Self, CliError> {
        match format {
            Format::Json => match event {
                Some(event) => write!(out, "{{\n  \"event\": {event},\n  \"results\": [")?,
                None => write!(out, "{{\n  \"results\": [")?,
            },
            Format::Csv => writeln!(out, "{}", K::CSV_HEADER.join(","))?,
            Format::Table => {
                let names: Vec<String> = K::TABLE.iter().map(|(n, _)| n.to_string()).collect();
                writeln!(out, "{}", table_line::<K>(&names))?;
            }
            Format::Ndjson => {}
        }
        Ok(Self {
            out,
            format,
            formulas,
            written: 0,
            kind: PhantomData,
        })
    }

    /// Writes rows and flushes them.
    pub fn write<R: Row<Kind = K>>(
        &mut self,
        rows: impl IntoIterator<Item = R>,
    ) -> Result<(), CliError> {
        for row in rows {
            match self.format {
                Format::Json => {
                    let separator = if self.written == 0 {
                        "\n    "
                    } else {
                        ",\n    "
                    };
                    self.out.write_all(separator.as_bytes())?;
                    serde_json::to_writer(&mut self.out, &row)?;
                }
                Format::Ndjson => {
                    serde_json::to_writer(&mut self.out, &row)?;
                    self.out.write_all(b"\n")?;
                }
                Format::Csv => {
                    let mut line = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    line.write_record(row.csv().iter().map(|cell| csv_cell(cell, self.formulas)))?;
                    let bytes = line
                        .into_inner()
                        .map_err(|e| CliError::Output(e.to_string()))?;
                    self.out.write_all(&bytes)?;
                }
                Format::Table => {
                    let cells: Vec<String> = row.cells().iter().map(|c| safe(c)).collect();
                    writeln!(self.out, "{}", table_line::<K>(&cells))?;
                }
            }
            self.written += 1;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Hands a listing's items to `each` (which writes their rows) as the
    /// pages arrive, then closes the document, even when a page failed;
    /// the read's error, if any, comes back after.
    pub async fn write_listing<T, E>(
        mut self,
        items: impl futures::Stream<Item = Result<T, E>>,
        mut each: impl FnMut(&mut Self, T) -> Result<(), CliError>,
    ) -> Result<(), CliError>
    where
        CliError: From<E>,
    {
        use futures::TryStreamExt;
        let mut items = std::pin::pin!(items);
        let read = loop {
            match items.try_next().await {
                Ok(Some(item)) => each(&mut self, item)?,
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        self.finish()?;
        Ok(read?)
    }

    /// Writes the closing (the end of the JSON document).
    pub fn finish(mut self) -> Result<(), CliError> {
        if self.format == Format::Json {
            let close = if self.written == 0 {
                "]\n}\n"
            } else {
                "\n  ]\n}\n"
            };
            self.out.write_all(close.as_bytes())?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// Cells padded to the table's widths, the last as it is.
fn table_line<K: Columns>(cells: &[String]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        match K::TABLE.get(i) {
            Some((_, width)) if i + 1 < K::TABLE.len() => {
                line.push_str(&format!("{cell:<width$} "));
            }
            _ => line.push_str(cell),
        }
    }
    line.trim_end().to_string()
}

/// The CSV cells of the answer links: yes, then no; empty when unknown.
fn link_cells(links: Option<&InviteLinks>) -> (String, String) {
    links.map_or((String::new(), String::new()), |l| {
        (l.yes().to_string(), l.no().to_string())
    })
}

/// A table's detail cell: the links when known, else the note.
fn detail_cell(links: Option<&InviteLinks>, note: Option<String>) -> String {
    match links {
        Some(links) => format!("yes: {}  no: {}", links.yes(), links.no()),
        None => note.unwrap_or_default(),
    }
}

/// The links an earlier run recorded for a contact, when known.
pub type EarlierLinks<'a> = &'a dyn Fn(u64) -> Option<InviteLinks>;

/// The note of a contact already invited whose links an earlier run kept.
const EARLIER_NOTE: &str = "already invited; links from an earlier run";

/// An invite run's row: the library's [`Invitation`], or for a contact
/// already invited, the links an earlier run recorded.
pub struct InviteRow<'a> {
    invitation: &'a Invitation,
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

    fn links(&self) -> Option<&InviteLinks> {
        self.invitation.outcome.links().or(self.recorded.as_ref())
    }

    fn note(&self) -> Option<String> {
        match &self.recorded {
            Some(_) => Some(EARLIER_NOTE.into()),
            None => self.invitation.outcome.note(),
        }
    }
}

/// The earlier run's links, in the same shape and order as the library's
/// rows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EarlierRow<'a> {
    contact: u64,
    status: bool,
    invite_link_yes: &'a str,
    invite_link_no: &'a str,
    note: &'a str,
}

impl Serialize for InviteRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.recorded {
            None => self.invitation.serialize(s),
            Some(links) => EarlierRow {
                contact: self.invitation.contact.get(),
                status: true,
                invite_link_yes: links.yes(),
                invite_link_no: links.no(),
                note: EARLIER_NOTE,
            }
            .serialize(s),
        }
    }
}

impl Columns for Invites {
    const CSV_HEADER: &'static [&'static str] = &[
        "contact",
        "status",
        "inviteLinkYes",
        "inviteLinkNo",
        "error",
    ];
    const TABLE: &'static [(&'static str, usize)] =
        &[("CONTACT", 11), ("STATUS", 16), ("DETAIL", 0)];
}

impl Row for InviteRow<'_> {
    type Kind = Invites;

    fn csv(&self) -> Vec<String> {
        let (yes, no) = link_cells(self.links());
        vec![
            self.invitation.contact.to_string(),
            self.invitation.outcome.is_invited().to_string(),
            yes,
            no,
            self.note().unwrap_or_default(),
        ]
    }

    fn cells(&self) -> Vec<String> {
        let detail = detail_cell(self.links(), self.note());
        vec![
            self.invitation.contact.to_string(),
            self.invitation.outcome.word().to_string(),
            detail,
        ]
    }
}

impl Columns for Invited {
    const CSV_HEADER: &'static [&'static str] = &[
        "contactId",
        "response",
        "firstName",
        "lastName",
        "email",
        "phone",
        "registrationId",
        "modifiedDate",
    ];
    const TABLE: &'static [(&'static str, usize)] = &[
        ("CONTACT", 11),
        ("ANSWER", 10),
        ("NAME", 24),
        ("EMAIL", 32),
        ("MODIFIED", 0),
    ];
}

impl Row for &InvitedContact {
    type Kind = Invited;

    fn csv(&self) -> Vec<String> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.contact.to_string(),
            self.answer.letter().to_string(),
            text(&self.first_name),
            text(&self.last_name),
            text(&self.email),
            text(&self.phone),
            self.registration_id
                .map(|r| r.to_string())
                .unwrap_or_default(),
            self.modified.clone(),
        ]
    }

    fn cells(&self) -> Vec<String> {
        let answer = match self.answer {
            ivvy::Answer::Yes => "yes",
            ivvy::Answer::No => "no",
            ivvy::Answer::Undecided => "undecided",
        };
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        vec![
            self.contact.to_string(),
            answer.to_string(),
            name,
            self.email.clone().unwrap_or_default(),
            self.modified.clone(),
        ]
    }
}

/// A row of an invite run over people: who the person is, the contact
/// found or added, and the invitation (with an earlier run's links when
/// they are known).
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

    fn text(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
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
}

impl Serialize for PersonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let person = &self.row.person;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("externalId", &person.external_id)?;
        map.serialize_entry("email", &person.email)?;
        map.serialize_entry("contact", &self.row.contact())?;
        map.serialize_entry("created", &self.row.resolution.created())?;
        map.serialize_entry("status", &self.is_invited())?;
        if let Some(links) = self.links() {
            map.serialize_entry("inviteLinkYes", links.yes())?;
            map.serialize_entry("inviteLinkNo", links.no())?;
        }
        if let Some(note) = self.note() {
            let key = if self.is_invited() { "note" } else { "error" };
            map.serialize_entry(key, &note)?;
        }
        map.end()
    }
}

impl Columns for People {
    const CSV_HEADER: &'static [&'static str] = &[
        "externalId",
        "email",
        "contact",
        "created",
        "status",
        "inviteLinkYes",
        "inviteLinkNo",
        "error",
    ];
    const TABLE: &'static [(&'static str, usize)] = &[
        ("EXTERNAL ID", 14),
        ("EMAIL", 28),
        ("CONTACT", 11),
        ("STATUS", 16),
        ("DETAIL", 0),
    ];
}

impl Row for PersonRow<'_> {
    type Kind = People;

    fn csv(&self) -> Vec<String> {
        let (yes, no) = link_cells(self.links());
        let person = &self.row.person;
        vec![
            Self::text(&person.external_id),
            Self::text(&person.email),
            self.row
                .contact()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            self.row.resolution.created().to_string(),
            self.is_invited().to_string(),
            yes,
            no,
            self.note().unwrap_or_default(),
        ]
    }

    fn cells(&self) -> Vec<String> {
        let person = &self.row.person;
        let status = match (&self.invite, self.row.resolution.created()) {
            (Some(invite), true) => format!("added, {}", invite.invitation.outcome.word()),
            (Some(invite), false) => invite.invitation.outcome.word().to_string(),
            (None, _) => "no contact".to_string(),
        };
        let detail = detail_cell(self.links(), self.note());
        vec![
            Self::text(&person.external_id),
            Self::text(&person.email),
            self.row
                .contact()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            status,
            detail,
        ]
    }
}

/// An event in iVvy's field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventJson<'a> {
    id: u64,
    code: &'a str,
    title: &'a str,
    start_date_time: Option<&'a str>,
    end_date_time: Option<&'a str>,
    current_status: Option<i64>,
}

/// An events listing's row.
pub struct EventRow<'a>(pub &'a Event);

impl Serialize for EventRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        EventJson {
            id: e.id.get(),
            code: &e.code,
            title: &e.title,
            start_date_time: e.start.as_deref(),
            end_date_time: e.end.as_deref(),
            current_status: e.status,
        }
        .serialize(s)
    }
}

impl Columns for Events {
    const CSV_HEADER: &'static [&'static str] = &["id", "code", "title", "start", "status"];
    const TABLE: &'static [(&'static str, usize)] = &[
        ("ID", 11),
        ("CODE", 14),
        ("START", 24),
        ("STATUS", 9),
        ("TITLE", 0),
    ];
}

impl Row for EventRow<'_> {
    type Kind = Events;

    fn csv(&self) -> Vec<String> {
        let e = self.0;
        vec![
            e.id.to_string(),
            e.code.clone(),
            e.title.clone(),
            e.start.clone().unwrap_or_default(),
            e.status_word(),
        ]
    }

    fn cells(&self) -> Vec<String> {
        let e = self.0;
        vec![
            e.id.to_string(),
            e.code.clone(),
            e.start.clone().unwrap_or_default(),
            e.status_word(),
            e.title.clone(),
        ]
    }
}
