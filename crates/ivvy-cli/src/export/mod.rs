//! Reading the files a user hands over (`--people` exports and
//! `--contacts-file` lists) as CRMs and spreadsheets write them, and
//! writing CSV cells a spreadsheet will not run. Pure: bytes in, people or
//! ids out, every problem with its file and line; reading the file itself
//! is `contacts::read_input`'s.
//!
//! - Encoding: a byte-order mark (UTF-8, UTF-16LE/BE) decides; otherwise
//!   `--encoding` (a WHATWG label); otherwise UTF-8.
//! - Delimiter: comma, semicolon or tab, whichever the header line has most
//!   of outside quotes (ties in that order); `--delimiter` forces one.
//! - Headers: matched to fields ignoring case, spaces, `_`, `-` and `.`,
//!   through [`SPELLINGS`](fields::SPELLINGS), or as named by `--column FIELD=HEADER`.
//! - Lines: `\r\n`, `\n` and a lone `\r` each end one; a row is reported on
//!   the line where it starts.

mod fields;
mod text;

use csv::StringRecord;
use encoding_rs::Encoding;
use ivvy::{ContactId, Person, is_email};

pub use fields::{Field, normalise, parse_column};
pub use text::{decode, encoding_for_label};

use crate::error::CliError;
use crate::output::safe;
#[cfg(test)]
use fields::SPELLINGS;
use fields::table_field;
#[cfg(test)]
use text::detect_delimiter;
use text::rows;

/// How to read a file: `--delimiter`, `--encoding` and `--column`.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The delimiter; detected from the header line when `None`.
    pub delimiter: Option<u8>,
    /// The encoding of a file without a byte-order mark; UTF-8 when `None`.
    pub encoding: Option<&'static Encoding>,
    /// Headers named for fields, in place of [`SPELLINGS`](fields::SPELLINGS) (people only).
    pub columns: Vec<(Field, String)>,
}

/// The people in an export, and what the caller says once, up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Each person with the line their row starts on.
    pub people: Vec<(u64, Person)>,
    /// `FirstName` and/or `LastName` when no column holds them: then no
    /// one in the file can be added with `--create-missing`.
    pub missing_name_columns: Vec<Field>,
    /// The header read for each field found, spelled as in the file.
    pub headers_used: Vec<(Field, String)>,
}

/// Reads people from an export: a header row, then one person a row.
pub fn read_people(name: &str, bytes: &[u8], options: &ReadOptions) -> Result<Export, CliError> {
    let text = decode(name, bytes, options.encoding)?;
    let mut table = rows(name, &text, options.delimiter);
    let Some(first) = table.next() else {
        return Err(CliError::Input(format!(
            "{name} is empty; it needs a header row naming an external id and/or email column"
        )));
    };
    let (header_line, header) = first?;
    let headers: Vec<&str> = header.iter().collect();
    let columns = Columns::find(&headers, &options.columns).map_err(|why| {
        // A first row with an address in it is data, whatever else is wrong.
        let data = headers.iter().any(|cell| cell.contains('@'));
        at_line(name, header_line, if data { NO_HEADER.into() } else { why })
    })?;
    let mut people = Vec::new();
    for row in table {
        let (line, record) = row?;
        let person = columns
            .person(&record)
            .map_err(|why| at_line(name, line, why))?;
        people.push((line, person));
    }
    if people.is_empty() {
        return Err(CliError::Input(format!(
            "{name}: no people in it (only the header row)"
        )));
    }
    let missing = [Field::FirstName, Field::LastName].into_iter();
    Ok(Export {
        people,
        missing_name_columns: missing.filter(|&f| columns.column(f).is_none()).collect(),
        headers_used: Field::ALL
            .into_iter()
            .filter_map(|f| Some((f, columns.column(f)?.1.to_string())))
            .collect(),
    })
}

const NO_HEADER: &str = "no header row: the first line must name the columns (e.g. externalId, email, firstName, lastName)";

/// Where each field is in a people file, with its header as spelled there.
#[derive(Debug)]
struct Columns {
    found: [Option<(usize, String)>; 4],
}

impl Columns {
    fn find(headers: &[&str], named: &[(Field, String)]) -> Result<Self, String> {
        let mut found: [Option<(usize, String)>; 4] = Default::default();
        for field in Field::ALL {
            let mut names = named
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, h)| h.as_str());
            let wanted = names.next();
            if names.next().is_some() {
                return Err(format!(
                    "--column names {} twice; give one header",
                    field.name()
                ));
            }
            let at: Vec<usize> = (0..headers.len())
                .filter(|&i| match wanted {
                    Some(header) => normalise(headers[i]) == normalise(header),
                    None => table_field(headers[i]) == Some(field),
                })
                .collect();
            found[field as usize] = match (at.as_slice(), wanted) {
                ([], None) => None,
                ([], Some(header)) => return Err(not_in_file(field, header, headers)),
                (&[i], _) => Some((i, headers[i].to_string())),
                (&[a, b, ..], _) => return Err(two_columns(field, wanted, headers, a, b)),
            };
        }
        let columns = Self { found };
        if columns.column(Field::ExternalId).is_none() && columns.column(Field::Email).is_none() {
            return Err(no_usable_column(headers));
        }
        Ok(columns)
    }

    /// The column of `field`, and its header.
    fn column(&self, field: Field) -> Option<(usize, &str)> {
        let (at, header) = self.found[field as usize].as_ref()?;
        Some((*at, header.as_str()))
    }

    /// How a row's error names the column of `field`.
    fn described(&self, field: Field) -> String {
        match self.column(field) {
            Some((_, header)) => format!("column {}", quoted(header)),
            None => field.words().1.to_string(),
        }
    }

    /// The person in a row; blank cells are `None`.
    fn person(&self, record: &StringRecord) -> Result<Person, String> {
        let cell = |field: Field| {
            let (at, _) = self.column(field)?;
            record
                .get(at)
                .filter(|value| !value.is_empty())
                .map(String::from)
        };
        let mut person = Person::default();
        person.external_id = cell(Field::ExternalId);
        person.email = cell(Field::Email);
        person.first_name = cell(Field::FirstName);
        person.last_name = cell(Field::LastName);
        if person.external_id.is_none() && person.email.is_none() {
            return Err(format!(
                "the row has neither an external id ({}) nor an email ({})",
                self.described(Field::ExternalId),
                self.described(Field::Email)
            ));
        }
        if let Some(email) = person.email.as_deref()
            && !is_email(email)
        {
            let column = self.described(Field::Email);
            return Err(format!(
                "{} is not an email address ({column})",
                quoted(email)
            ));
        }
        Ok(person)
    }
}

fn not_in_file(field: Field, header: &str, headers: &[&str]) -> String {
    let (name, there) = (field.name(), listed(headers));
    format!(
        "--column {name}={}: the file has no column {}; its columns are {there}",
        safe(header),
        quoted(header)
    )
}

fn two_columns(field: Field, wanted: Option<&str>, headers: &[&str], a: usize, b: usize) -> String {
    let name = field.name();
    let fix = match wanted {
        Some(header) => format!("both match --column {name}={}; rename one", safe(header)),
        None => format!(
            "both hold {name}; keep one, or name the one to read with --column {name}=HEADER"
        ),
    };
    let (first, second) = (quoted(headers[a]), quoted(headers[b]));
    format!("columns {} ({first}) and {} ({second}) {fix}", a + 1, b + 1)
}

fn no_usable_column(headers: &[&str]) -> String {
    format!(
        "no usable column: none of {} is an external id or an email. Read as externalId: {}; \
         as email: {} (case, spaces, _ and - aside); or name the column with \
         --column externalId=HEADER or --column email=HEADER",
        listed(headers),
        Field::ExternalId.spellings(),
        Field::Email.spellings()
    )
}

/// Reads contact ids: one a line, or CSV with the id in the first column;
/// a first row whose first field is not a number is a header; blank lines
/// are skipped. `options.columns` does not apply.
pub fn read_contact_ids(
    name: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Vec<ContactId>, CliError> {
    let text = decode(name, bytes, options.encoding)?;
    let mut ids = Vec::new();
    for (i, row) in rows(name, &text, options.delimiter).enumerate() {
        let (line, record) = row?;
        let field = record.get(0).unwrap_or("");
        // `-5` and `+5` are bad ids, not headers.
        let number_like = field.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
        if i == 0 && !field.is_empty() && !number_like {
            continue;
        }
        let id = field.parse::<ContactId>();
        ids.push(id.map_err(|e| at_line(name, line, e.to_string()))?);
    }
    if ids.is_empty() {
        return Err(CliError::Input(format!("{name}: no contact ids in it")));
    }
    Ok(ids)
}

fn at_line(name: &str, line: u64, what: String) -> CliError {
    CliError::Input(format!("{name}:{line}: {what}"))
}

/// Text from a file, escaped and in quotes, for a message.
fn quoted(text: &str) -> String {
    format!("\"{}\"", safe(text))
}

fn listed(headers: &[&str]) -> String {
    let all: Vec<String> = headers.iter().copied().map(quoted).collect();
    all.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Export {
        read_people("p.csv", text.as_bytes(), &ReadOptions::default()).expect(text)
    }

    fn read_with(bytes: &[u8], options: &ReadOptions) -> Export {
        read_people("p.csv", bytes, options).expect("reads")
    }

    fn error(bytes: &[u8], options: &ReadOptions) -> String {
        read_people("p.csv", bytes, options)
            .expect_err("an error")
            .to_string()
    }

    fn named(columns: &[(Field, &str)]) -> ReadOptions {
        ReadOptions {
            columns: columns
                .iter()
                .map(|&(field, header)| (field, header.to_string()))
                .collect(),
            ..ReadOptions::default()
        }
    }

    fn lines(export: &Export) -> Vec<u64> {
        export.people.iter().map(|(line, _)| *line).collect()
    }

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes
    }

    fn ann() -> Person {
        Person::by_email("ann@x.test").named("Ann", "Lee")
    }

    #[test]
    fn every_listed_spelling_is_read_as_its_field() {
        for &(field, spellings) in SPELLINGS {
            for &spelling in spellings {
                // A name column needs an id column beside it.
                let text = match field {
                    Field::ExternalId | Field::Email => format!("{spelling}\nann@x.test\n"),
                    Field::FirstName | Field::LastName => {
                        format!("Email,{spelling}\nann@x.test,Ann\n")
                    }
                };
                let export = read(&text);
                assert!(
                    export.headers_used.contains(&(field, spelling.to_string())),
                    "{spelling}: {:?}",
                    export.headers_used
                );
            }
        }
        for (other, field) in [
            ("EMAIL", Field::Email),
            ("E-Mail Address", Field::Email),
            ("e.mail", Field::Email),
            ("FIRST_NAME", Field::FirstName),
            ("family-name", Field::LastName),
        ] {
            assert_eq!(table_field(other), Some(field), "{other}");
        }
        for unlisted in ["Id", "Record ID", "Name", "Address", "Phone Number"] {
            assert_eq!(table_field(unlisted), None, "{unlisted}");
        }
    }

    #[test]
    fn hubspot_export() {
        let text = "Record ID,First Name,Last Name,Email,Phone Number\n\
                    101,Ann,Lee,ann@x.test,+61 400 000001\n";
        let export = read(text);
        assert_eq!(export.people, [(2, ann())]);
        assert!(export.missing_name_columns.is_empty());
        let export = read_with(text.as_bytes(), &named(&[(Field::ExternalId, "Record ID")]));
        assert_eq!(export.people, [(2, ann().and_external_id("101"))]);
        assert_eq!(
            export.headers_used[0],
            (Field::ExternalId, "Record ID".to_string())
        );
    }

    #[test]
    fn salesforce_export_reads_id_only_when_named() {
        let text = "Id,First Name,Last Name,Email,Mailing City\n\
                    003xx000004TmiQ,Ann,Lee,ann@x.test,Sydney\n";
        assert_eq!(read(text).people, [(2, ann())]);
        let export = read_with(text.as_bytes(), &named(&[(Field::ExternalId, "Id")]));
        assert_eq!(
            export.people,
            [(2, ann().and_external_id("003xx000004TmiQ"))]
        );
    }

    #[test]
    fn mailchimp_export() {
        let text = "Email Address,First Name,Last Name,Address,Phone Number,TAGS\n\
                    ann@x.test,Ann,Lee,\"1 Main St, Sydney\",+61 400 000001,\"vip\"\n";
        let export = read(text);
        assert_eq!(export.people, [(2, ann())]);
        assert_eq!(
            export.headers_used,
            [
                (Field::Email, "Email Address".to_string()),
                (Field::FirstName, "First Name".to_string()),
                (Field::LastName, "Last Name".to_string()),
            ]
        );
    }

    #[test]
    fn external_id_spellings() {
        let export = read("External ID,Email\nA1,ann@x.test\n");
        assert_eq!(
            export.people,
            [(2, Person::by_external_id("A1").and_email("ann@x.test"))]
        );
        let export = read("external_id,email,first_name,last_name\nA1,ann@x.test,Ann,Lee\n");
        assert_eq!(export.people, [(2, ann().and_external_id("A1"))]);
    }

    #[test]
    fn missing_name_columns_are_listed_once() {
        let export = read("email\nann@x.test\n");
        assert_eq!(
            export.missing_name_columns,
            [Field::FirstName, Field::LastName]
        );
        let export = read("email,First Name\nann@x.test,Ann\n");
        assert_eq!(export.missing_name_columns, [Field::LastName]);
    }

    #[test]
    fn excel_unicode_text_utf16le_with_bom_and_tabs() {
        let text = "Email\tFirst Name\tLast Name\r\nann@x.test\tJosé\tLee\r\n";
        let export = read_with(&utf16le_with_bom(text), &ReadOptions::default());
        assert_eq!(
            export.people,
            [(2, Person::by_email("ann@x.test").named("José", "Lee"))]
        );
    }

    #[test]
    fn semicolons() {
        let text = "Email;First Name;Last Name\r\nann@x.test;Ann;\"Lee, Jr; Esq\"\r\n";
        let export = read(text);
        assert_eq!(
            export.people,
            [(
                2,
                Person::by_email("ann@x.test").named("Ann", "Lee, Jr; Esq")
            )]
        );
        // Forced: the header's one comma does not decide.
        let options = ReadOptions {
            delimiter: Some(b';'),
            ..ReadOptions::default()
        };
        let export = read_with(b"Email;Notes, more\nann@x.test;x\n", &options);
        assert_eq!(export.people, [(2, Person::by_email("ann@x.test"))]);
    }

    #[test]
    fn windows_1252_with_its_label() {
        let bytes = b"Email,First Name,Last Name\r\njose@x.test,Jos\xE9,Lee\r\n";
        let options = ReadOptions {
            encoding: Some(encoding_for_label("windows-1252").expect("a label")),
            ..ReadOptions::default()
        };
        let export = read_with(bytes, &options);
        assert_eq!(
            export.people,
            [(2, Person::by_email("jose@x.test").named("José", "Lee"))]
        );
        let e = error(bytes, &ReadOptions::default());
        assert!(e.starts_with("p.csv:2: not valid UTF-8"), "{e}");
        assert!(e.contains("--encoding windows-1252"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let e = error(
            b"email\nann@x.test\r\n\nbo@x.test\rJos\xE9@x.test\n",
            &ReadOptions::default(),
        );
        assert!(e.starts_with("p.csv:5: "), "{e}");
        assert!(e.contains("--encoding"), "{e}");
    }

    #[test]
    fn crlf_rows_are_on_their_own_lines() {
        let text = "email,First Name\r\nann@x.test,Ann\r\n\r\nbo@x.test,Bo\r\n";
        assert_eq!(lines(&read(text)), [2, 4]);
        let text = "email,First Name\r\nann@x.test,Ann\r\nbo@x.test,Bo\r\nnot an email,Cy\r\n";
        let e = error(text.as_bytes(), &ReadOptions::default());
        assert!(
            e.starts_with("p.csv:4: \"not an email\" is not an email address (column \"email\")"),
            "{e}"
        );
    }

    #[test]
    fn lone_cr_and_blank_lines_first() {
        let text = "email\rann@x.test\r\rbo@x.test\rbad\r";
        let e = error(text.as_bytes(), &ReadOptions::default());
        assert!(e.starts_with("p.csv:5: "), "{e}");
        assert_eq!(lines(&read("email\rann@x.test\r\rbo@x.test\r")), [2, 4]);
        assert_eq!(lines(&read("\r\n\r\nemail\r\n\r\nann@x.test\r\n")), [5]);
        assert_eq!(lines(&read("\n,,\nemail,x\n\nann@x.test,1\n")), [5]);
    }

    #[test]
    fn a_quoted_field_spanning_lines_then_a_bad_row() {
        let text = "email,notes\r\nann@x.test,\"one\r\ntwo\nthree\"\r\nbad,x\r\n";
        let e = error(text.as_bytes(), &ReadOptions::default());
        assert!(e.starts_with("p.csv:5: \"bad\" is not"), "{e}");
        let export = read("email,notes\nann@x.test,\"one\ntwo\"\nbo@x.test,\n");
        assert_eq!(lines(&export), [2, 4]);
    }

    #[test]
    fn a_row_with_neither_id_names_the_headers_looked_for() {
        let e = error(b"Email,First Name\n,Bo\n", &ReadOptions::default());
        assert_eq!(
            e,
            "p.csv:2: the row has neither an external id (no external-id column) nor an email (column \"Email\")"
        );
        let options = named(&[(Field::ExternalId, "Record ID")]);
        let e = error(b"Record ID,Email,First Name\n,,Bo\n", &options);
        assert_eq!(
            e,
            "p.csv:2: the row has neither an external id (column \"Record ID\") nor an email (column \"Email\")"
        );
    }

    #[test]
    fn a_named_header_must_be_in_the_file() {
        let options = named(&[(Field::ExternalId, "Record ID")]);
        let e = error(b"Id,Email\n1,ann@x.test\n", &options);
        assert!(
            e.starts_with("p.csv:1: --column externalId=Record ID: "),
            "{e}"
        );
        assert!(e.contains("its columns are \"Id\", \"Email\""), "{e}");
        // Matched as headers are, so spelling need not be exact.
        let export = read_with(b"record_id,Email\n7,ann@x.test\n", &options);
        assert_eq!(
            export.people,
            [(2, Person::by_external_id("7").and_email("ann@x.test"))]
        );
    }

    #[test]
    fn a_named_header_replaces_the_table_for_its_field() {
        let options = named(&[(Field::Email, "Work Email")]);
        let text = b"Email,Work Email\nann@home.test,ann@x.test\n";
        let export = read_with(text, &options);
        assert_eq!(export.people, [(2, Person::by_email("ann@x.test"))]);
    }

    #[test]
    fn two_headers_for_one_field_are_refused() {
        let e = error(
            b"Email,notes,E-mail\na@x.test,,b@x.test\n",
            &ReadOptions::default(),
        );
        assert!(
            e.starts_with("p.csv:1: columns 1 (\"Email\") and 3 (\"E-mail\") both hold email"),
            "{e}"
        );
        let e = error(b"First Name,first_name,email\n", &ReadOptions::default());
        assert!(
            e.starts_with("p.csv:1: columns 1 (\"First Name\") and 2"),
            "{e}"
        );
        let options = named(&[(Field::Email, "x"), (Field::Email, "y")]);
        let e = error(b"x,y\na@x.test,b@x.test\n", &options);
        assert!(e.contains("--column names email twice"), "{e}");
    }

    #[test]
    fn other_bad_files() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "p.csv is empty"),
            (b"\r\n\n", "p.csv is empty"),
            (b"email\n", "p.csv: no people in it"),
            (b"ann@x.test,Ann\n", "p.csv:1: no header row"),
            (
                b"name,phone\nAnn,1\n",
                "p.csv:1: no usable column: none of \"name\", \"phone\"",
            ),
            (
                b"na\x1bme\nx\n",
                "p.csv:1: no usable column: none of \"na\\u{1b}me\"",
            ),
        ];
        for (bytes, want) in cases {
            let e = error(bytes, &ReadOptions::default());
            assert!(e.starts_with(want), "{bytes:?}: {e}");
        }
        let e = error(b"Id,Name\n1,Ann\n", &ReadOptions::default());
        assert!(e.contains("Email Address") && e.contains("--column"), "{e}");
        let e = error(b"email\nx\x1b@y\n", &ReadOptions::default());
        assert!(e.starts_with("p.csv:2: \"x\\u{1b}@y\" is not"), "{e}");
    }

    #[test]
    fn decoding() {
        let text = decode("f", b"\xEF\xBB\xBFemail", None).expect("utf-8");
        assert_eq!(text, "email");
        let text = decode("f", b"\xFE\xFF\0a\0\xE9", None).expect("utf-16be");
        assert_eq!(text, "aé");
        // A byte-order mark wins over --encoding.
        let latin = encoding_for_label("latin1").expect("a label");
        let text = decode("f", b"\xEF\xBB\xBFJos\xC3\xA9", Some(latin)).expect("bom");
        assert_eq!(text, "José");
        let e = decode("f", b"a\0b\0", None).expect_err("nul");
        assert!(e.to_string().contains("--encoding utf-16le"), "{e}");
        let e = decode("f", b"\xFF\xFEa", None).expect_err("odd utf-16");
        assert!(e.to_string().starts_with("f:1: not valid UTF-16LE"), "{e}");
    }

    #[test]
    fn encoding_labels() {
        assert_eq!(
            encoding_for_label("windows-1252"),
            Ok(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            encoding_for_label(" Latin1 "),
            Ok(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(encoding_for_label("utf-16le"), Ok(encoding_rs::UTF_16LE));
        let e = encoding_for_label("klingon").expect_err("unknown");
        assert!(e.contains("windows-1252"), "{e}");
        assert!(encoding_for_label("iso-2022-kr").is_err());
    }

    #[test]
    fn delimiters() {
        for (text, want) in [
            ("a,b,c", b','),
            ("a;b;c,d", b';'),
            ("a\tb\tc;d", b'\t'),
            ("a;b,c", b','),
            ("a;b\tc", b';'),
            ("\"a;b;c\",d", b','),
            ("\n ; ,\r\na;b", b';'),
            ("id", b','),
            ("", b','),
        ] {
            assert_eq!(detect_delimiter(text), want, "{text:?}");
        }
    }

    #[test]
    fn fields_and_column_options() {
        assert_eq!("externalId".parse::<Field>(), Ok(Field::ExternalId));
        assert_eq!("external_id".parse::<Field>(), Ok(Field::ExternalId));
        assert_eq!("EMAIL".parse::<Field>(), Ok(Field::Email));
        assert_eq!("firstName".parse::<Field>(), Ok(Field::FirstName));
        assert_eq!("last-name".parse::<Field>(), Ok(Field::LastName));
        assert!("phone".parse::<Field>().is_err());
        for field in Field::ALL {
            assert_eq!(field.name().parse::<Field>(), Ok(field));
        }
        assert_eq!(
            parse_column("externalId=Record ID"),
            Ok((Field::ExternalId, "Record ID".to_string()))
        );
        assert_eq!(
            parse_column(" email = Work Email "),
            Ok((Field::Email, "Work Email".to_string()))
        );
        let e = parse_column("Record ID").expect_err("no =");
        assert!(e.contains("FIELD=HEADER"), "{e}");
        let e = parse_column("phone=Phone").expect_err("bad field");
        assert!(e.contains("the fields are externalId"), "{e}");
        assert!(parse_column("email=").is_err());
        assert!(parse_column("email= - ").is_err());
    }

    fn ids(bytes: &[u8]) -> Result<Vec<u64>, String> {
        read_contact_ids("list.txt", bytes, &ReadOptions::default())
            .map(|ids| ids.iter().map(|id| id.get()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn contact_ids_as_today() {
        assert_eq!(ids(b"1\n\n 2 \r\n3\n"), Ok(vec![1, 2, 3]));
        assert_eq!(ids(b"id,name\n5,Ann\n6,\"Bo, Jr\"\n"), Ok(vec![5, 6]));
        let e = ids(b"1\n2\nx3\n").expect_err("bad id");
        assert_eq!(
            e,
            "list.txt:3: \"x3\" is not a valid contact id: ids are whole numbers from 1 to 9223372036854775807"
        );
        let cases: [(&[u8], &str); 5] = [
            (b"1\n0\n", "list.txt:2: "),
            (b"1\n-5\n", "list.txt:2: "),
            (b"99999999999999999999\n", "list.txt:1: "),
            (b"\n\n", "list.txt: no contact ids"),
            (b"id\n", "list.txt: no contact ids"),
        ];
        for (bytes, want) in cases {
            let e = ids(bytes).expect_err("bad");
            assert!(e.starts_with(want), "{bytes:?}: {e}");
        }
    }

    #[test]
    fn contact_ids_share_lines_delimiters_and_encodings() {
        let e = ids(b"1\r\n2\r\nx3\r\n").expect_err("crlf");
        assert!(e.starts_with("list.txt:3: "), "{e}");
        let e = ids(b"1\r2\r\rx3\r").expect_err("cr");
        assert!(e.starts_with("list.txt:4: "), "{e}");
        assert_eq!(ids(b"id;name\r\n5;Ann\r\n6;\"Bo; Jr\"\r\n"), Ok(vec![5, 6]));
        assert_eq!(
            ids(&utf16le_with_bom("Contact\tName\r\n7\tAnn\r\n")),
            Ok(vec![7])
        );
        let e = ids(b"1\n2\n\xFF\n").expect_err("not utf-8");
        assert!(
            e.starts_with("list.txt:3: ") && e.contains("--encoding"),
            "{e}"
        );
    }
}
