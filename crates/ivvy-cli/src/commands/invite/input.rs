//! What an invite run is given: contact ids (`--contacts`,
//! `--contacts-file`) or people from a CRM export (`--people`), read and
//! checked whole before anything is sent.

use ivvy::Person;

use crate::args::InviteArgs;
use crate::contacts;
use crate::error::CliError;
use crate::export::{self, Export};

/// What to invite: contact ids, or people to find first.
pub enum Input {
    Contacts(Vec<ivvy::ContactId>),
    People(Vec<Person>, Export),
}

impl Input {
    /// Reads and checks the list; nothing is sent.
    pub fn read(args: &InviteArgs) -> Result<Self, CliError> {
        if args.create_missing && args.people.is_none() {
            return Err(CliError::Input(
                "--create-missing adds people from --people; contact ids are never added".into(),
            ));
        }
        match (&args.contacts, &args.contacts_file, &args.people) {
            (Some(list), _, _) => Ok(Input::Contacts(contacts::from_list(list)?)),
            (None, Some(path), _) => Ok(Input::Contacts(contacts::from_file(
                path,
                &args.read.options(),
            )?)),
            (None, None, Some(path)) => {
                let (name, bytes) = contacts::read_input(path)?;
                let mut export = export::read_people(&name, &bytes, &args.read.options())?;
                let people = std::mem::take(&mut export.people);
                Ok(Input::People(
                    people.into_iter().map(|(_, p)| p).collect(),
                    export,
                ))
            }
            (None, None, None) => Err(CliError::Input(
                "give --contacts, --contacts-file or --people".into(),
            )),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Input::Contacts(ids) => ids.len(),
            Input::People(people, _) => people.len(),
        }
    }
}

/// Why nobody missing from the account can be added when the export has
/// no column for a name, naming the column and the headers read as it.
pub fn names_missing(export: &Export) -> Option<String> {
    let missing: Vec<String> = export
        .missing_name_columns
        .iter()
        .map(|field| {
            format!(
                "no {} column (read as one: {})",
                field.name(),
                field.spellings()
            )
        })
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "not in the account, and cannot be added: the file has {}; name it with --column",
            missing.join(" and ")
        )
    })
}
