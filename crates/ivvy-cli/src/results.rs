//! Writing an invite run's results as they settle, in every format, with
//! memory bounded by a batch: JSON as one document written piece by piece,
//! NDJSON a line per contact, CSV a row per contact, and a table with fixed
//! columns (widths cannot wait for the end of a long run).

use std::collections::HashMap;
use std::io::Write;

use ivvy::{Invitation, InviteLinks, Outcome};

use crate::args::Format;
use crate::error::CliError;
use crate::output::{csv_cell, safe};

/// The note of a contact already invited whose links an earlier run kept.
const EARLIER_NOTE: &str = "already invited; links from an earlier run";

/// The row of a contact already invited whose links an earlier run kept,
/// in the same shape and order as the library's rows.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EarlierRow<'a> {
    contact: u64,
    status: bool,
    invite_link_yes: &'a str,
    invite_link_no: &'a str,
    note: &'a str,
}

/// A results writer partway through its output.
pub struct ResultWriter<W: Write> {
    out: W,
    format: Format,
    event: u64,
    written: usize,
}

impl<W: Write> ResultWriter<W> {
    /// Writes the opening (the JSON head, the CSV or table header).
    pub fn start(mut out: W, format: Format, event: u64) -> Result<Self, CliError> {
        match format {
            Format::Json => write!(out, "{{\n  \"event\": {event},\n  \"results\": [")?,
            Format::Csv => writeln!(out, "contact,status,inviteLinkYes,inviteLinkNo,error")?,
            Format::Table => writeln!(out, "{:<12}{:<17}DETAIL", "CONTACT", "STATUS")?,
            Format::Ndjson => {}
        }
        Ok(Self {
            out,
            format,
            event,
            written: 0,
        })
    }

    /// Writes a batch of settled results and flushes them. Contacts already
    /// invited get the links an earlier run recorded in `earlier`.
    pub fn write(
        &mut self,
        batch: &[Invitation],
        earlier: &HashMap<u64, InviteLinks>,
    ) -> Result<(), CliError> {
        for invitation in batch {
            let outcome = &invitation.outcome;
            let recorded = matches!(
                outcome,
                Outcome::AlreadyInvited | Outcome::InvitedLinksUnknown
            )
            .then(|| earlier.get(&invitation.contact.get()))
            .flatten();
            self.row(invitation, recorded)?;
            self.written += 1;
        }
        self.out.flush()?;
        Ok(())
    }

    fn row(
        &mut self,
        invitation: &Invitation,
        recorded: Option<&InviteLinks>,
    ) -> Result<(), CliError> {
        let outcome = &invitation.outcome;
        let links = outcome.links().or(recorded);
        let note = match recorded {
            Some(_) => Some(EARLIER_NOTE.to_string()),
            None => outcome.note(),
        };
        match self.format {
            Format::Json | Format::Ndjson => {
                if self.format == Format::Json {
                    let separator = if self.written == 0 {
                        "\n    "
                    } else {
                        ",\n    "
                    };
                    self.out.write_all(separator.as_bytes())?;
                }
                match recorded {
                    // The row as the library writes it, in its field order.
                    None => serde_json::to_writer(&mut self.out, invitation),
                    Some(links) => serde_json::to_writer(
                        &mut self.out,
                        &EarlierRow {
                            contact: invitation.contact.get(),
                            status: true,
                            invite_link_yes: links.yes(),
                            invite_link_no: links.no(),
                            note: EARLIER_NOTE,
                        },
                    ),
                }?;
                if self.format == Format::Ndjson {
                    self.out.write_all(b"\n")?;
                }
            }
            Format::Csv => {
                let (yes, no) = links.map_or((String::new(), String::new()), |l| {
                    (l.yes().to_string(), l.no().to_string())
                });
                let mut row = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::new());
                row.write_record([
                    invitation.contact.to_string(),
                    outcome.is_invited().to_string(),
                    csv_cell(&yes),
                    csv_cell(&no),
                    csv_cell(&note.unwrap_or_default()),
                ])?;
                let bytes = row
                    .into_inner()
                    .map_err(|e| CliError::Output(e.to_string()))?;
                self.out.write_all(&bytes)?;
            }
            Format::Table => {
                let detail = match (links, note) {
                    (Some(links), _) => format!("yes: {}  no: {}", links.yes(), links.no()),
                    (None, note) => note.unwrap_or_default(),
                };
                writeln!(
                    self.out,
                    "{:<12}{:<17}{}",
                    invitation.contact,
                    outcome.word(),
                    safe(&detail)
                )?;
            }
        }
        Ok(())
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
        tracing::debug!(event = self.event, rows = self.written, "results written");
        Ok(())
    }
}
