//! How output is chosen and made safe: the default format, and text from
//! the server escaped for a terminal or neutralised for a spreadsheet.
//! Writing rows is `results`'.

use std::io::IsTerminal;

use crate::args::Format;

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
