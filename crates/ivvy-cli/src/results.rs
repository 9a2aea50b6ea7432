//! Writing an invite run's results as they settle, in every format, with
//! memory bounded by a batch: JSON as one document written piece by piece,
//! NDJSON a line per contact, CSV a row per contact, and a table with fixed
//! columns (widths cannot wait for the end of a long run).

use std::collections::HashMap;
use std::io::Write;

use ivvy::{Invitation, InviteLinks, Outcome};
use serde_json::Value;

use crate::args::Format;
use crate::error::CliError;
use crate::output::{csv_cell, safe};

/// The note of a contact already invited whose links an earlier run kept.
const EARLIER_NOTE: &str = "already invited; links from an earlier run";

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
                let mut row = serde_json::to_value(invitation)
                    .map_err(|e| CliError::Output(e.to_string()))?;
                if let (Some(links), Value::Object(map)) = (recorded, &mut row) {
                    map.insert("inviteLinkYes".into(), links.yes().into());
                    map.insert("inviteLinkNo".into(), links.no().into());
                    map.insert("note".into(), EARLIER_NOTE.into());
                }
                if self.format == Format::Json {
                    let separator = if self.written == 0 {
                        "\n    "
                    } else {
                        ",\n    "
                    };
                    self.out.write_all(separator.as_bytes())?;
                    serde_json::to_writer(&mut self.out, &row)
                } else {
                    serde_json::to_writer(&mut self.out, &row)
                }
                .map_err(|e| CliError::Output(e.to_string()))?;
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
