//! Reading contact ids from `--contacts` or `--contacts-file` (read as
//! `export` reads files), with the place of every bad id; and reading any
//! input file within its bound.

use std::io::Read;
use std::path::Path;

use ivvy::ContactId;

use crate::error::CliError;
use crate::export::{self, ReadOptions};

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

/// Reads ids from a file, or from standard input for `-`, as
/// [`export::read_contact_ids`] reads them.
pub fn from_file(path: &Path, options: &ReadOptions) -> Result<Vec<ContactId>, CliError> {
    let (name, bytes) = read_input(path)?;
    export::read_contact_ids(&name, &bytes, options)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[ContactId]) -> Vec<u64> {
        list.iter().map(|c| c.get()).collect()
    }

    #[test]
    fn comma_lists() {
        assert_eq!(ids(&from_list("1,2, 3").expect("parses")), vec![1, 2, 3]);
        let e = from_list("1,,3").expect_err("empty item");
        assert!(e.to_string().starts_with("--contacts: item 2: "), "{e}");
    }
}
