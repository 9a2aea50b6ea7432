//! The adds journal of one account: every contact a run on this machine
//! added, keyed by external id and by email as matched, so that no rerun,
//! crash or queued run adds a person again.
//!
//! Lines (besides `at`, see the module above), each naming the person by
//! `externalId` and `email` as the run sent them:
//! - `{"add": "sending"}`: an add is about to go;
//! - `{"add": "added", "contact": N}`: the person is that contact;
//! - `{"add": "refused"}`: iVvy refused the add; nothing was made;
//! - `{"add": "batch", "batch": ID}`: the add is a job of that batch
//!   (`--batch`), queued and not yet read back.
//!
//! A person whose last word is `sending` or `batch` is *in doubt*: the add
//! may have been carried out. A rerun reads the batches of those whose
//! last word is `batch` back first (they may still be running).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use ivvy::{AddStep, Contact, ContactId, Person, PersonKey};
use serde::{Deserialize, Serialize};

use super::{Appender, for_each_line};
use crate::error::CliError;

/// The default adds journal for an account, in the state folder.
pub fn file_name(account: &str) -> String {
    format!("{account}-contacts.ndjson")
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<u64>,
    add: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch: Option<String>,
}

impl Line {
    /// The person the line is about, so that the library's rule for
    /// telling people apart ([`Person::key`]) decides who is who.
    fn person(&self) -> Person {
        let mut person = Person::default();
        person.external_id.clone_from(&self.external_id);
        person.email.clone_from(&self.email);
        person
    }
}

/// The keys a person can be found by: their external id and their email,
/// each as [`Person::key`] makes it.
fn keys_of(person: &Person) -> impl Iterator<Item = PersonKey> {
    let external = person.external_id.as_deref().map(Person::by_external_id);
    let email = person.email.as_deref().map(Person::by_email);
    [external, email]
        .into_iter()
        .flatten()
        .filter_map(|p| p.key())
}

/// What earlier runs added, for the people of this run.
#[derive(Debug, Default)]
pub struct EarlierAdds {
    /// Contacts added, as the library takes them
    /// ([`ivvy::PeopleOptions::added_earlier`]).
    pub added: Vec<Contact>,
    /// People whose add was sent and never settled.
    pub in_doubt: usize,
    /// The batches (their `asyncId`s) that carry adds in doubt.
    pub batches: Vec<String>,
    /// The newest line, in milliseconds since 1970.
    pub last_write_ms: Option<u64>,
}

impl EarlierAdds {
    /// Reads the journal at `path`, keeping what concerns `people`: adds
    /// with one of their external ids or emails.
    pub fn read(path: &Path, people: &[Person]) -> Result<Self, CliError> {
        let wanted: HashSet<PersonKey> = people.iter().flat_map(keys_of).collect();
        let mut last: HashMap<PersonKey, Line> = HashMap::new();
        let mut earlier = EarlierAdds::default();
        for_each_line::<Line>(path, |line, _, _| {
            if let Some(at) = line.at {
                earlier.last_write_ms = Some(earlier.last_write_ms.map_or(at, |l| l.max(at)));
            }
            let person = line.person();
            if !keys_of(&person).any(|k| wanted.contains(&k)) {
                return;
            }
            let Some(key) = person.key() else {
                return;
            };
            // An added person stays added, whatever a later line says.
            if last.get(&key).is_none_or(|l| l.add != "added") {
                last.insert(key, line);
            }
        })?;
        for line in last.into_values() {
            match (
                line.add.as_str(),
                line.contact.and_then(|c| ContactId::new(c).ok()),
            ) {
                ("added", Some(id)) => earlier.added.push(contact(id, line)),
                ("sending", _) => earlier.in_doubt += 1,
                ("batch", _) => {
                    earlier.in_doubt += 1;
                    if let Some(batch) = line.batch
                        && !earlier.batches.contains(&batch)
                    {
                        earlier.batches.push(batch);
                    }
                }
                _ => {}
            }
        }
        Ok(earlier)
    }
}

fn contact(id: ContactId, line: Line) -> Contact {
    let mut contact = Contact::new(id);
    contact.external_id = line.external_id;
    contact.email = line.email;
    contact
}

/// This run's records of adds.
#[derive(Debug, Clone)]
pub struct Writer {
    appender: Arc<Appender>,
}

impl Writer {
    pub fn new(appender: Arc<Appender>) -> Self {
        Self { appender }
    }

    /// Records a step of adding `person`.
    pub fn record(&self, person: &Person, step: AddStep) -> std::io::Result<()> {
        let (add, contact) = match step {
            AddStep::Sending => ("sending", None),
            AddStep::Added(id) => ("added", Some(id.get())),
            AddStep::Refused => ("refused", None),
            // A step a later version reports: nothing to keep.
            _ => return Ok(()),
        };
        self.appender.append(&Line {
            at: Some(self.appender.now_ms()),
            add: add.into(),
            contact,
            // As the library matches it: exactly, unless blank.
            external_id: person.external_id.clone().filter(|e| !e.trim().is_empty()),
            email: person.email.as_deref().map(|e| e.trim().to_string()),
            batch: None,
        })
    }

    /// Records that the adds of `people` are jobs of batch `id`.
    pub fn batch(&self, id: &str, people: &[Person]) -> std::io::Result<()> {
        let at = self.appender.now_ms();
        let lines: Vec<Line> = people
            .iter()
            .map(|person| Line {
                at: Some(at),
                add: "batch".into(),
                contact: None,
                external_id: person.external_id.clone().filter(|e| !e.trim().is_empty()),
                email: person.email.as_deref().map(|e| e.trim().to_string()),
                batch: Some(id.to_string()),
            })
            .collect();
        let mut bytes = Vec::new();
        for line in &lines {
            serde_json::to_writer(&mut bytes, line)?;
            bytes.push(b'\n');
        }
        self.appender.write_lines(&bytes)
    }

    /// Records that `contact` (read back from an earlier batch) was added.
    pub fn added(&self, contact: &Contact) -> std::io::Result<()> {
        let mut person = Person::default();
        person.external_id.clone_from(&contact.external_id);
        person.email.clone_from(&contact.email);
        self.record(&person, AddStep::Added(contact.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_are_read_back_for_the_people_of_the_run() {
        let dir = std::env::temp_dir().join(format!("ivvy-adds-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("contacts.ndjson");
        let clock = Arc::new(ivvy::ManualClock::new(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(5),
        ));
        let writer = Writer::new(Arc::new(Appender::open(&path, clock).expect("opens")));
        let n1 = Person::by_external_id("N1").and_email("s@new.test");
        let n2 = Person::by_external_id("N2").and_email("S@new.test ");
        let other = Person::by_external_id("N9").and_email("o@new.test");
        let doubt = Person::by_email("d@new.test");
        let id = |n: u64| ContactId::new(n).expect("id");
        for (person, step) in [
            (&n1, AddStep::Sending),
            (&n1, AddStep::Added(id(11))),
            (&n2, AddStep::Sending),
            (&n2, AddStep::Added(id(12))),
            (&other, AddStep::Sending),
            (&other, AddStep::Added(id(19))),
            (&doubt, AddStep::Sending),
        ] {
            writer.record(person, step).expect("writes");
        }
        // A row known by the shared email alone sees both adds.
        let run = [
            Person::by_email("s@NEW.test"),
            Person::by_email("d@new.test"),
        ];
        let earlier = EarlierAdds::read(&path, &run).expect("reads");
        let mut ids: Vec<u64> = earlier.added.iter().map(|c| c.id.get()).collect();
        ids.sort_unstable();
        assert_eq!(ids, [11, 12]);
        assert_eq!(earlier.in_doubt, 1);
        assert_eq!(earlier.last_write_ms, Some(5_000));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
