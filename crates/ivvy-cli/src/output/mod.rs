//! Writing results, in every format, from one description per kind of
//! row: [`table`] says what a column is (its name in JSON, NDJSON and CSV,
//! its title and width in a table, and its cell); [`rows`] holds the
//! columns of each kind of row; [`writer`] writes them as they come;
//! [`text`] makes the server's text safe for a terminal or a spreadsheet.
//!
//! One vocabulary: a field has the same name and the same value in JSON,
//! NDJSON and CSV (iVvy's own field names where iVvy has the field:
//! `contactId`, `response`, `modifiedDate`, `startDateTime`,
//! `currentStatus`; ours in the same camelCase otherwise). The table, for
//! people, may show a field in words.

pub mod rows;
pub mod table;
pub mod text;
pub mod writer;

use std::io::IsTerminal;

pub use text::{Formulas, safe};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// One JSON document, in iVvy's field names.
    Json,
    /// One JSON object per contact per line, as it settles.
    Ndjson,
    /// A header row, then one row per contact. Cells a spreadsheet would run
    /// as a formula get a leading ' (see --csv-formulas); control characters
    /// are escaped.
    Csv,
}

pub use writer::ResultWriter;

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
