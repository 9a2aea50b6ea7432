//! Reading people from `--people`: a CSV export with a header row naming
//! `externalId`, `email`, `firstName` and `lastName` in any case (other
//! columns are ignored). Every problem is reported with its line, before
//! anything is sent.

use std::path::Path;

use ivvy::Person;

use crate::contacts::read_input;
use crate::error::CliError;

/// The columns read, as matched (lower case).
const COLUMNS: [&str; 4] = ["externalid", "email", "firstname", "lastname"];

/// Reads people from a file, or from standard input for `-`.
pub fn from_file(path: &Path) -> Result<Vec<Person>, CliError> {
    let (name, bytes) = read_input(path)?;
    parse(&name, &bytes)
}

/// Parses a people CSV; `name` is used in messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Vec<Person>, CliError> {
    // Spreadsheets often start a UTF-8 export with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bad = |line: u64, what: String| CliError::Input(format!("{name}:{line}: {what}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut records = reader.records();
    let mut header = None;
    for record in records.by_ref() {
        let record = record.map_err(|e| unreadable(name, &e))?;
        if !record.iter().all(str::is_empty) {
            header = Some(record);
            break;
        }
    }
    let Some(header) = header else {
        return Err(CliError::Input(format!(
            "{name} is empty; it needs a header row naming externalId and/or email"
        )));
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let mut place: Vec<Option<usize>> = Vec::new();
    for column in COLUMNS {
        let mut at = header
            .iter()
            .enumerate()
            .filter(|(_, cell)| cell.to_lowercase() == column)
            .map(|(i, _)| i);
        let first = at.next();
        if let (Some(a), Some(b)) = (first, at.next()) {
            return Err(bad(
                header_line,
                format!(
                    "two columns are named {column:?} (columns {} and {}); keep one",
                    a + 1,
                    b + 1
                ),
            ));
        }
        place.push(first);
    }
    if place[0].is_none() && place[1].is_none() {
        let looks_like_data = header.iter().any(|cell| cell.contains('@'));
        let why = if looks_like_data {
            "no header row: the first line must name the columns (externalId, email, firstName, lastName)".to_string()
        } else {
            format!(
                "no usable column: the header ({}) names neither externalId nor email",
                header
                    .iter()
                    .map(crate::output::safe)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(bad(header_line, why));
    }
    let mut people = Vec::new();
    for record in records {
        let record = record.map_err(|e| unreadable(name, &e))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| {
            place[i]
                .and_then(|at| record.get(at))
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let person = Person {
            external_id: cell(0),
            email: cell(1),
            first_name: cell(2),
            last_name: cell(3),
        };
        if person.external_id.is_none() && person.email.is_none() {
            return Err(bad(
                line,
                "the row has neither an external id nor an email".into(),
            ));
        }
        if let Some(email) = person.email.as_deref()
            && !ivvy::is_email(email)
        {
            return Err(bad(
                line,
                format!("{:?} is not an email address", crate::output::safe(email)),
            ));
        }
        people.push(person);
    }
    if people.is_empty() {
        return Err(CliError::Input(format!(
            "{name}: no people in it (only the header row)"
        )));
    }
    Ok(people)
}

fn unreadable(name: &str, e: &csv::Error) -> CliError {
    let line = e.position().map_or(0, |p| p.line());
    CliError::Input(format!("{name}:{line}: not readable as CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_in_any_case_and_others_ignored() {
        let text = "\u{feff}Email,notes,EXTERNALID,firstname,LastName\n ann@x.test ,hi,A1,Ann,Lee\n\n,,B2,,\n";
        let people = parse("p.csv", text.as_bytes()).expect("parses");
        assert_eq!(
            people,
            [
                Person::by_external_id("A1")
                    .and_email("ann@x.test")
                    .named("Ann", "Lee"),
                Person::by_external_id("B2"),
            ]
        );
    }

    #[test]
    fn bad_input_names_its_line() {
        let cases: [(&str, &str); 7] = [
            (
                "email,EMAIL\na@x.test,b@x.test\n",
                "p.csv:1: two columns are named \"email\"",
            ),
            ("", "p.csv is empty"),
            ("email\n", "p.csv: no people in it"),
            ("ann@x.test,Ann\n", "p.csv:1: no header row"),
            ("name,phone\nAnn,1\n", "p.csv:1: no usable column"),
            (
                "email,firstName\nann@x.test,Ann\n,Bo\n",
                "p.csv:3: the row has neither",
            ),
            (
                "email\nann@x.test\nbo at x\n",
                "p.csv:3: \"bo at x\" is not an email",
            ),
        ];
        for (text, want) in cases {
            let error = parse("p.csv", text.as_bytes()).expect_err(text);
            assert!(error.to_string().starts_with(want), "{text:?}: {error}");
        }
    }
}
