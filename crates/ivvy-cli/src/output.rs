//! Printing results as a table, JSON in the API's own shape, or CSV, with
//! text from the server made safe for where it goes: escaped in tables,
//! neutralised against formulas in CSV, exact in JSON (which escapes it).

use std::io::{IsTerminal, Write};

use ivvy::{Invitation, InvitedContact};
use serde::Serialize;

use crate::args::Format;
use crate::error::CliError;

/// The format asked for, or table on a terminal and JSON elsewhere.
pub fn choose(format: Option<Format>) -> Format {
    format.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

/// Writes the outcome of an invite run.
pub fn invitations(
    out: &mut impl Write,
    format: Format,
    event: u64,
    invitations: &[Invitation],
) -> Result<(), CliError> {
    match format {
        Format::Json => write_json(out, event, invitations)?,
        Format::Ndjson => write_ndjson(out, invitations)?,
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record([
                "contact",
                "status",
                "inviteLinkYes",
                "inviteLinkNo",
                "error",
            ])?;
            for i in invitations {
                let (yes, no) = i
                    .outcome
                    .links()
                    .map_or((String::new(), String::new()), |l| {
                        (l.yes().to_string(), l.no().to_string())
                    });
                let error = i.outcome.note().unwrap_or_default();
                csv.write_record([
                    i.contact.to_string(),
                    i.outcome.is_invited().to_string(),
                    csv_cell(&yes),
                    csv_cell(&no),
                    csv_cell(&error),
                ])?;
            }
            csv.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 3]> = invitations
                .iter()
                .map(|i| {
                    let detail = match (i.outcome.links(), i.outcome.note()) {
                        (Some(links), _) => format!("yes: {}  no: {}", links.yes(), links.no()),
                        (None, note) => note.unwrap_or_default(),
                    };
                    [
                        i.contact.to_string(),
                        i.outcome.word().to_string(),
                        safe(&detail),
                    ]
                })
                .collect();
            table(out, ["CONTACT", "STATUS", "DETAIL"], &rows)?;
        }
    }
    Ok(())
}

/// Writes an event's invitations with the answers.
pub fn invited(
    out: &mut impl Write,
    format: Format,
    event: u64,
    contacts: &[InvitedContact],
) -> Result<(), CliError> {
    match format {
        Format::Json => write_json(out, event, contacts)?,
        Format::Ndjson => write_ndjson(out, contacts)?,
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record([
                "contactId",
                "response",
                "firstName",
                "lastName",
                "email",
                "phone",
                "registrationId",
                "modifiedDate",
            ])?;
            for c in contacts {
                let text = |v: &Option<String>| csv_cell(v.as_deref().unwrap_or_default());
                csv.write_record([
                    c.contact.to_string(),
                    c.answer.letter().to_string(),
                    text(&c.first_name),
                    text(&c.last_name),
                    text(&c.email),
                    text(&c.phone),
                    c.registration_id.map(|r| r.to_string()).unwrap_or_default(),
                    csv_cell(&c.modified),
                ])?;
            }
            csv.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 5]> = contacts
                .iter()
                .map(|c| {
                    let answer = match c.answer {
                        ivvy::Answer::Yes => "yes",
                        ivvy::Answer::No => "no",
                        ivvy::Answer::Undecided => "undecided",
                    };
                    let name = [c.first_name.as_deref(), c.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    [
                        c.contact.to_string(),
                        answer.to_string(),
                        safe(&name),
                        safe(c.email.as_deref().unwrap_or_default()),
                        safe(&c.modified),
                    ]
                })
                .collect();
            table(
                out,
                ["CONTACT", "ANSWER", "NAME", "EMAIL", "MODIFIED"],
                &rows,
            )?;
        }
    }
    Ok(())
}

/// One JSON object per line.
fn write_ndjson(out: &mut impl Write, results: &[impl Serialize]) -> Result<(), CliError> {
    for result in results {
        serde_json::to_writer(&mut *out, result)?;
        writeln!(out)?;
    }
    Ok(())
}

/// Text for a terminal: control characters and bidi marks escaped.
pub fn safe(text: &str) -> String {
    ivvy::escaped(text).into_owned()
}

/// Text for a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`, so no program runs it as a
/// formula; control characters and bidi marks are escaped, as in a table.
pub fn csv_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{}", safe(text))
    } else {
        safe(text)
    }
}

/// `{"event": N, "results": [...]}`, the API's own collection shape, each
/// result as the library serializes it.
fn write_json(
    out: &mut impl Write,
    event: u64,
    results: &[impl Serialize],
) -> Result<(), CliError> {
    #[derive(Serialize)]
    struct Document<'a, T: Serialize> {
        event: u64,
        results: &'a [T],
    }
    serde_json::to_writer_pretty(&mut *out, &Document { event, results })?;
    writeln!(out)?;
    Ok(())
}

fn table<const N: usize>(
    out: &mut impl Write,
    header: [&str; N],
    rows: &[[String; N]],
) -> Result<(), CliError> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_other_text_kept() {
        for (cell, expected) in [
            ("=1+1", "'=1+1"),
            ("+61 400", "'+61 400"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\\u{9}x"),
            ("\rx", "'\\u{d}x"),
            ("Ann", "Ann"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), expected, "{cell:?}");
        }
    }

    #[test]
    fn table_text_is_escaped() {
        assert_eq!(safe("Eve\u{1b}]0;x\u{7}"), "Eve\\u{1b}]0;x\\u{7}");
    }
}
