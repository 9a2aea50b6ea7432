//! From a file's bytes to rows of text: the encoding (a byte-order mark,
//! `--encoding`, or UTF-8), the delimiter (`--delimiter`, or the one the
//! header line has most of), and each row's true line number. Pure.

use csv::StringRecord;
use encoding_rs::{Encoding, UTF_8};

use super::{at_line, quoted};
use crate::error::CliError;

/// Reads `--encoding`: a WHATWG label such as `windows-1252`, `latin1`,
/// `utf-16le` or `shift_jis`.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    // Labels of the "replacement" encoding (such as iso-2022-kr) would make
    // any input one error, so they are refused here, where that is clearer.
    Encoding::for_label_no_replacement(label.as_bytes()).ok_or_else(|| {
        format!(
            "unknown encoding {}; use a WHATWG label such as utf-8, utf-16le, \
             windows-1252, iso-8859-1 or shift_jis",
            quoted(label)
        )
    })
}

/// A file's text: a byte-order mark wins and is stripped; otherwise
/// `encoding`; otherwise UTF-8. Bytes not valid in it are an error naming
/// their line.
pub fn decode(
    name: &str,
    bytes: &[u8],
    encoding: Option<&'static Encoding>,
) -> Result<String, CliError> {
    let (chosen, body, by_bom) = match Encoding::for_bom(bytes) {
        Some((found, bom)) => (found, &bytes[bom..], true),
        None => (encoding.unwrap_or(UTF_8), bytes, false),
    };
    let Some(text) = chosen.decode_without_bom_handling_and_without_replacement(body) else {
        let prefix = valid_prefix(chosen, body);
        let line = Lines::new(&prefix).line_at(prefix.len());
        let why = if by_bom {
            ", though it starts with a byte-order mark saying so"
        } else {
            "; if the file is in another encoding, name it with --encoding LABEL \
             (e.g. --encoding windows-1252 for an older Excel export)"
        };
        return Err(at_line(
            name,
            line,
            format!("not valid {} text{why}", chosen.name()),
        ));
    };
    // UTF-16 without a byte-order mark is valid UTF-8 full of NULs: say
    // what it probably is, rather than fail later on the headers.
    if let (None, false, Some(nul)) = (encoding, by_bom, text.find('\0')) {
        let line = Lines::new(&text).line_at(nul);
        let why = "contains NUL characters, as UTF-16 without a byte-order mark does; \
                   if it is UTF-16, say so with --encoding utf-16le (or utf-16be)";
        return Err(at_line(name, line, why.into()));
    }
    Ok(text.into_owned())
}

/// As much of `bytes` as decodes: the text before the first bad byte.
fn valid_prefix(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let room = decoder.max_utf8_buffer_length_without_replacement(bytes.len());
    let mut text = String::with_capacity(room.unwrap_or(bytes.len()));
    // Stops at the first malformed sequence, with what came before in `text`.
    let (_stopped, _read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    text
}

/// The delimiter the header line has most of outside double quotes: comma,
/// semicolon or tab, the earlier on a tie (so comma for one column). Lines
/// of only whitespace, commas and semicolons (blank rows as spreadsheets
/// write them) are passed over.
pub fn detect_delimiter(text: &str) -> u8 {
    let blank = |line: &str| {
        line.chars()
            .all(|c| c.is_whitespace() || c == ',' || c == ';')
    };
    let line = text.split(['\r', '\n']).find(|line| !blank(line));
    let mut counts = [(b',', 0_usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for byte in line.unwrap_or("").bytes() {
        // A quote opens quoting or closes it (`""` inside closes and reopens).
        in_quotes ^= byte == b'"';
        for (delimiter, count) in &mut counts {
            *count += usize::from(!in_quotes && *delimiter == byte);
        }
    }
    // Strictly more to win, so the earlier candidate wins a tie.
    let most = counts
        .into_iter()
        .reduce(|best, next| if next.1 > best.1 { next } else { best });
    most.map_or(b',', |(delimiter, _)| delimiter)
}

/// Line numbers by byte offset, counted forward once, so a whole file costs
/// O(n). The csv crate's own count only `\n`: they stay at 1 in a CR file,
/// and in a CRLF file every row after the first is one short, because it
/// ends a record at the `\r` and takes the next record's position before
/// consuming the `\n`.
#[derive(Debug)]
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    /// The line `offset` is on; offsets must not go backwards.
    fn line_at(&mut self, offset: usize) -> u64 {
        while self.pos < offset.min(self.bytes.len()) {
            let ends_line = match self.bytes[self.pos] {
                b'\n' => true,
                b'\r' => self.bytes.get(self.pos + 1) != Some(&b'\n'),
                _ => false,
            };
            self.line += u64::from(ends_line);
            self.pos += 1;
        }
        self.line
    }

    /// The line a record starts on. The csv crate places a record where the
    /// one before stopped: before any blank lines, and before the `\n` of a
    /// CRLF. Those line breaks are not the record's, so they are skipped.
    fn of_record(&mut self, position: Option<&csv::Position>) -> u64 {
        let offset = position.map_or(0, csv::Position::byte);
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        self.line_at(start)
    }
}

/// The rows of `text` that are not blank, each with the line it starts on.
pub fn rows<'a>(
    name: &'a str,
    text: &'a str,
    delimiter: Option<u8>,
) -> impl Iterator<Item = Result<(u64, StringRecord), CliError>> + 'a {
    let records = csv::ReaderBuilder::new()
        .delimiter(delimiter.unwrap_or_else(|| detect_delimiter(text)))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .into_records();
    let mut lines = Lines::new(text);
    records.filter_map(move |record| match record {
        Ok(record) if record.iter().all(str::is_empty) => None,
        Ok(record) => Some(Ok((lines.of_record(record.position()), record))),
        // Not expected from valid UTF-8 read flexibly; reported all the same.
        Err(e) => {
            let line = lines.of_record(e.position());
            Some(Err(at_line(
                name,
                line,
                format!("not readable as CSV: {e}"),
            )))
        }
    })
}
