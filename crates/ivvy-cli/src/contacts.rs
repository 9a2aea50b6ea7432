//! Reading contact ids from `--contacts` or `--contacts-file`, with the
//! place of every bad id; and reading any input file within its bound.

use std::io::Read;
use std::path::Path;

use ivvy::ContactId;

use crate::error::CliError;

/// Parses `1,2,3`.
pub fn from_list(text: &str) -> Result<Vec<ContactId>, CliError> {
    let ids = text
        .split(',')
        .enumerate()
        .map(|(i, item)| {
            item.parse::<ContactId>()
                .map_err(|e| CliError::Input(format!("--contacts: item {}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(CliError::Input("--contacts: the list is empty".into()));
    }
    Ok(ids)
}

/// The largest contacts file read: 64 MiB, room for millions of ids. A
/// larger input (or an endless one, such as `/dev/zero`) is refused before
/// anything is sent.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads ids from a file, or from standard input for `-`.
pub fn from_file(path: &Path) -> Result<Vec<ContactId>, CliError> {
    let (name, text) = read_input(path)?;
    parse_file(&name, &text)
}

/// A file's bytes (standard input for `-`) and its name for messages,
/// refused past [`MAX_FILE_BYTES`].
pub fn read_input(path: &Path) -> Result<(String, Vec<u8>), CliError> {
    let name = path.display().to_string();
    let mut text = Vec::new();
    // One byte past the limit tells a file at the limit from a larger one.
    let read = if name == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut text))
    };
    read.map_err(|e| CliError::Input(format!("cannot read {name}: {e}")))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(CliError::Input(format!(
            "{name} is larger than {} MiB; split it into smaller files",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok((name, text))
}

/// One id per line, or CSV with the id in the first column; a first row
/// whose first field is not a number is a header; blank lines are skipped.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Vec<ContactId>, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut ids = Vec::new();
    let mut first_row = true;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            CliError::Input(format!("{name}:{line}: not readable as text or CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = record.get(0).unwrap_or("");
        if record.iter().all(str::is_empty) {
            continue;
        }
        let is_header = first_row
            && !field.is_empty()
            && !field.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
        first_row = false;
        if is_header {
            continue;
        }
        let id = field
            .parse::<ContactId>()
            .map_err(|e| CliError::Input(format!("{name}:{line}: {e}")))?;
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(CliError::Input(format!("{name}: no contact ids in it")));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[ContactId]) -> Vec<u64> {
        list.iter().map(|c| c.get()).collect()
    }

    #[test]
    fn one_per_line_with_blank_lines() {
        let got = parse_file("f", b"1\n\n 2 \r\n3\n").expect("parses");
        assert_eq!(ids(&got), vec![1, 2, 3]);
    }

    #[test]
    fn csv_with_a_header_row() {
        let got = parse_file("f", b"id,name\n5,Ann\n6,\"Bo, Jr\"\n").expect("parses");
        assert_eq!(ids(&got), vec![5, 6]);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse_file("list.txt", b"1\n2\nx3\n").expect_err("bad id");
        assert_eq!(
            e.to_string(),
            "list.txt:3: \"x3\" is not a valid contact id: ids are whole numbers from 1 to 9223372036854775807"
        );
        let e = parse_file("list.txt", b"1\n0\n").expect_err("zero");
        assert!(e.to_string().starts_with("list.txt:2: "), "{e}");
        let e = parse_file("list.txt", b"1\n-5\n").expect_err("negative");
        assert!(e.to_string().starts_with("list.txt:2: "), "{e}");
        let e = parse_file("list.txt", b"99999999999999999999\n").expect_err("too large");
        assert!(e.to_string().starts_with("list.txt:1: "), "{e}");
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(parse_file("f", b"\n\n").is_err());
        assert!(parse_file("f", b"id\n").is_err());
    }

    #[test]
    fn comma_lists() {
        assert_eq!(ids(&from_list("1,2, 3").expect("parses")), vec![1, 2, 3]);
        let e = from_list("1,,3").expect_err("empty item");
        assert!(e.to_string().starts_with("--contacts: item 2: "), "{e}");
    }
}
