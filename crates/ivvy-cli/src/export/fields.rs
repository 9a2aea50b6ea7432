//! The fields a column of an export can hold, the header spellings read as
//! each, and `--column FIELD=HEADER`. Pure; which column a file's header
//! names is decided here, reading rows is `export`'s.

use std::str::FromStr;

use super::quoted;

/// A person's field that a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ExternalId,
    Email,
    FirstName,
    LastName,
}

impl Field {
    /// Every field, in the order they are reported.
    pub const ALL: [Field; 4] = [
        Self::ExternalId,
        Self::Email,
        Self::FirstName,
        Self::LastName,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        self.words().0
    }

    /// The header spellings read as this field ([`SPELLINGS`]), listed.
    pub fn spellings(self) -> String {
        let of_field = SPELLINGS.iter().filter(|(f, _)| *f == self);
        of_field
            .flat_map(|(_, s)| s.iter().copied())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The command-line name, and how a row's error says there is no column.
    pub(super) fn words(self) -> (&'static str, &'static str) {
        match self {
            Field::ExternalId => ("externalId", "no external-id column"),
            Field::Email => ("email", "no email column"),
            Field::FirstName => ("firstName", "no first-name column"),
            Field::LastName => ("lastName", "no last-name column"),
        }
    }
}

impl FromStr for Field {
    type Err = String;

    /// A field's name, compared as headers are (`external_id` works too).
    fn from_str(text: &str) -> Result<Self, String> {
        let key = normalise(text);
        let known = Field::ALL.into_iter().find(|f| normalise(f.name()) == key);
        known.ok_or_else(|| {
            format!(
                "unknown field {}; the fields are externalId, email, firstName and lastName",
                quoted(text)
            )
        })
    }
}

/// The header spellings read as each field, compared after [`normalise`]
/// (so `EMAIL`, `e_mail` and `E-mail Address` count too). A CRM's own
/// record id (HubSpot's `Record ID`, Salesforce's `Id`) is left out on
/// purpose: only the user can say it is the external id, with
/// `--column externalId="Record ID"`.
#[rustfmt::skip]
pub const SPELLINGS: &[(Field, &[&str])] = &[
    (Field::ExternalId, &["externalId", "External ID", "external_id", "ExternalID"]),
    (Field::Email, &["email", "Email", "E-mail", "Email Address", "email_address"]),
    (Field::FirstName, &["firstName", "First Name", "first_name", "FirstName", "Given Name"]),
    (Field::LastName, &["lastName", "Last Name", "last_name", "LastName", "Surname", "Family Name"]),
];

/// A header as compared: lower case, without whitespace, `_`, `-` or `.`.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses `--column FIELD=HEADER`, e.g. `externalId=Record ID`.
pub fn parse_column(text: &str) -> Result<(Field, String), String> {
    let Some((field, header)) = text.split_once('=') else {
        let text = quoted(text);
        return Err(format!(
            "{text} is not FIELD=HEADER, e.g. externalId=\"Record ID\""
        ));
    };
    let (field, header) = (field.trim().parse::<Field>()?, header.trim());
    if normalise(header).is_empty() {
        let name = field.name();
        return Err(format!("{name}= names no header; write {name}=HEADER"));
    }
    Ok((field, header.to_string()))
}

/// The field a header names by [`SPELLINGS`], if any.
pub fn table_field(header: &str) -> Option<Field> {
    let key = normalise(header);
    let mut table = SPELLINGS.iter();
    let found = table.find(|(_, spellings)| spellings.iter().any(|s| normalise(s) == key));
    found.map(|&(field, _)| field)
}
