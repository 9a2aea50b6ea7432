//! Writing rows as they come, in every format, with memory bounded by a
//! batch: JSON as one `{"event": N, "results": [...]}` document written
//! piece by piece, NDJSON a line per row, CSV a row per row, and a table
//! with fixed columns (widths cannot wait for the end of a long run). Text
//! from the server is escaped in tables and neutralised in CSV; JSON keeps
//! it exact. What the columns are is each [`Kind`]'s.

use std::io::Write;
use std::marker::PhantomData;

use crate::error::CliError;
use crate::output::Format;
use crate::output::table::{Cell, Column, Kind};
use crate::output::text::{Formulas, csv_cell, safe};

/// A results writer partway through its output. Nothing is written until
/// the first row (or a successful end): a command that fails before it
/// leaves standard output empty, and one that fails later leaves a JSON
/// document unclosed ([`ResultWriter::abandon`]), so that no parser takes
/// either for a complete result.
pub struct ResultWriter<W: Write, K: Kind> {
    out: W,
    format: Format,
    formulas: Formulas,
    event: Option<u64>,
    opened: bool,
    written: usize,
    kind: PhantomData<K>,
}

impl<W: Write, K: Kind> ResultWriter<W, K> {
    /// A writer whose output begins (the JSON head naming the event, when
    /// there is one; the CSV or table header) with its first row.
    pub fn start(
        out: W,
        format: Format,
        formulas: Formulas,
        event: Option<u64>,
    ) -> Result<Self, CliError> {
        Ok(Self {
            out,
            format,
            formulas,
            event,
            opened: false,
            written: 0,
            kind: PhantomData,
        })
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> usize {
        self.written
    }

    /// Writes the opening, once.
    fn open(&mut self) -> Result<(), CliError> {
        if self.opened {
            return Ok(());
        }
        self.opened = true;
        let columns = K::columns();
        match self.format {
            Format::Json => match self.event {
                Some(event) => write!(self.out, "{{\n  \"event\": {event},\n  \"results\": [")?,
                None => write!(self.out, "{{\n  \"results\": [")?,
            },
            Format::Csv => {
                let names: Vec<&str> = columns.iter().filter_map(|c| c.name).collect();
                writeln!(self.out, "{}", names.join(","))?;
            }
            Format::Table => {
                let titles: Vec<String> = columns
                    .iter()
                    .filter_map(|c| c.table)
                    .map(|(title, _)| title.to_string())
                    .collect();
                writeln!(self.out, "{}", table_line(&widths(&columns), &titles))?;
            }
            Format::Ndjson => {}
        }
        Ok(())
    }

    /// Writes rows and flushes them.
    pub fn write<'a>(
        &mut self,
        rows: impl IntoIterator<Item = K::Row<'a>>,
    ) -> Result<(), CliError> {
        let columns = K::columns::<'a>();
        let widths = widths(&columns);
        for row in rows {
            self.open()?;
            match self.format {
                Format::Json => {
                    let separator = if self.written == 0 {
                        "\n    "
                    } else {
                        ",\n    "
                    };
                    self.out.write_all(separator.as_bytes())?;
                    self.json_object(&columns, &row)?;
                }
                Format::Ndjson => {
                    self.json_object(&columns, &row)?;
                    self.out.write_all(b"\n")?;
                }
                Format::Csv => {
                    let cells =
                        columns
                            .iter()
                            .filter(|c| c.name.is_some())
                            .map(|c| match (c.cell)(&row) {
                                Cell::Text(text) => csv_cell(&text, self.formulas),
                                other => other.shown(),
                            });
                    let mut line = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    line.write_record(cells)?;
                    let bytes = line
                        .into_inner()
                        .map_err(|e| CliError::Output(e.to_string()))?;
                    self.out.write_all(&bytes)?;
                }
                Format::Table => {
                    let cells: Vec<String> = columns
                        .iter()
                        .filter(|c| c.table.is_some())
                        .map(|c| safe(&(c.cell)(&row).shown()))
                        .collect();
                    writeln!(self.out, "{}", table_line(&widths, &cells))?;
                }
            }
            self.written += 1;
        }
        self.out.flush()?;
        Ok(())
    }

    /// One row as a JSON object, its fields in column order; a field with
    /// nothing in it is left out (CSV gives it an empty cell).
    fn json_object<R>(&mut self, columns: &[Column<R>], row: &R) -> Result<(), CliError> {
        self.out.write_all(b"{")?;
        let mut first = true;
        for column in columns {
            let Some(name) = column.name else { continue };
            let cell = (column.cell)(row);
            if cell == Cell::Empty {
                continue;
            }
            if !first {
                self.out.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut self.out, name)?;
            self.out.write_all(b":")?;
            serde_json::to_writer(&mut self.out, &cell.json())?;
        }
        self.out.write_all(b"}")?;
        Ok(())
    }

    /// Hands a listing's items to `each` (which writes their rows) as the
    /// pages arrive, then closes the document; a read that fails leaves it
    /// unclosed ([`abandon`](Self::abandon)) and its error comes back.
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
        loop {
            match items.try_next().await {
                Ok(Some(item)) => {
                    if let Err(error) = each(&mut self, item) {
                        self.abandon();
                        return Err(error);
                    }
                }
                Ok(None) => return self.finish(),
                Err(error) => {
                    self.abandon();
                    return Err(error.into());
                }
            }
        }
    }

    /// Writes the closing (the end of the JSON document), opening first
    /// when no row came: a complete result, empty or not.
    pub fn finish(mut self) -> Result<(), CliError> {
        self.open()?;
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

    /// Ends an output that failed: what was written stays (rows that are
    /// true), but a JSON document is left unclosed and nothing is written
    /// when no row came, so that no parser takes it for a whole result.
    pub fn abandon(mut self) {
        // Best effort: the command is failing already.
        let _ = self.out.flush();
    }
}

/// The widths of a table's columns.
fn widths<R>(columns: &[Column<R>]) -> Vec<usize> {
    columns
        .iter()
        .filter_map(|c| c.table)
        .map(|(_, width)| width)
        .collect()
}

/// Cells padded to the table's widths, the last as it is.
fn table_line(widths: &[usize], cells: &[String]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        match widths.get(i) {
            Some(&width) if i + 1 < widths.len() => line.push_str(&format!("{cell:<width$} ")),
            _ => line.push_str(cell),
        }
    }
    line.trim_end().to_string()
}
