//! Text from the server made safe: escaped for a terminal, and guarded or
//! kept for a spreadsheet ([`Formulas`]).

/// Text for a terminal: control characters and bidi marks escaped.
pub fn safe(text: &str) -> String {
    ivvy::escaped(text).into_owned()
}

/// Whether CSV output guards against formulas (`--csv-formulas`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Formulas {
    /// A value a spreadsheet would run gets a leading `'`.
    #[default]
    Guard,
    /// Values are kept, for imports by programs; only escaping applies.
    Keep,
}

/// Text for a CSV cell: control characters and bidi marks escaped, as in a
/// table. With [`Formulas::Guard`], a value a spreadsheet would run (`=`,
/// `@`, a tab or CR first, or `+`/`-` followed by anything but a phone
/// number or a number) gets a leading `'`; phone numbers such as
/// `+61 400 000001` and numbers such as `-2` are kept as they are, since
/// the guard would corrupt them for a CRM import.
pub fn csv_cell(text: &str, formulas: Formulas) -> String {
    if formulas == Formulas::Guard && runs_as_formula(text) {
        format!("'{}", safe(text))
    } else {
        safe(text)
    }
}

fn runs_as_formula(text: &str) -> bool {
    // At least one digit, and otherwise only the characters allowed.
    let digits_and = |rest: &str, allowed: &str| {
        rest.contains(|c: char| c.is_ascii_digit())
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || allowed.contains(c))
    };
    if let Some(rest) = text.strip_prefix('+') {
        !digits_and(rest, " ()-.")
    } else if let Some(rest) = text.strip_prefix('-') {
        !(digits_and(rest, ".") && rest.matches('.').count() <= 1)
    } else {
        text.starts_with(['=', '@', '\t', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_guard_formulas_but_keep_numbers() {
        for (cell, want) in [
            ("+61 400 000001", "+61 400 000001"),
            ("+1 (555) 010-0000", "+1 (555) 010-0000"),
            ("-2", "-2"),
            ("-3.5", "-3.5"),
            ("Ann", "Ann"),
            ("", ""),
            ("=1+1", "'=1+1"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("+", "'+"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-x", "'-x"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("@x", "'@x"),
            ("\tx", "'\\u{9}x"),
            ("\rx", "'\\u{d}x"),
        ] {
            assert_eq!(csv_cell(cell, Formulas::Guard), want, "{cell:?}");
        }
        assert_eq!(csv_cell("=1+1", Formulas::Keep), "=1+1");
        assert_eq!(csv_cell("\tx", Formulas::Keep), "\\u{9}x");
        assert_eq!(
            csv_cell("Eve\u{1b}]0;x\u{7}", Formulas::Keep),
            "Eve\\u{1b}]0;x\\u{7}"
        );
    }

    #[test]
    fn table_text_is_escaped() {
        assert_eq!(safe("Eve\u{1b}]0;x\u{7}"), "Eve\\u{1b}]0;x\\u{7}");
    }
}
