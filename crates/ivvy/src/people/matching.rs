//! The pure rule that matches a person to the account's contacts,
//! [`Match`], and the [`Index`] a walk over the account builds. Asking the
//! server is [`resolve`](super::resolve)'s.
//!
//! The rule, for a person and the contacts that share their external id or
//! email:
//! 1. by external id, exactly: one contact with it is the person; two or
//!    more are [`Match::Ambiguous`];
//! 2. otherwise by email, trimmed and without regard to case, among the
//!    contacts with no external id of their own (when the person has one,
//!    a contact with a different external id is someone else): one is the
//!    person; two or more are [`Match::Ambiguous`], never a guess;
//! 3. otherwise the person is not in the account.

use std::collections::HashMap;

use crate::ids::ContactId;
use crate::operations::contacts::Contact;
use crate::people::person::{Person, email_key};

/// Which contact a person is, by the rule in this module's documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Match {
    /// This contact.
    Found(ContactId),
    /// These contacts could each be the person; none is chosen.
    Ambiguous(Vec<ContactId>),
    /// No contact is the person.
    NotFound,
}

/// Applies the rule to `candidates` (any contacts; those that share
/// nothing with the person are passed over).
pub(crate) fn match_person<'a>(
    person: &Person,
    candidates: impl IntoIterator<Item = &'a Contact>,
) -> Match {
    let candidates: Vec<&Contact> = candidates.into_iter().collect();
    if let Some(external) = person.external() {
        let ids = distinct(
            candidates
                .iter()
                .filter(|c| c.external_id.as_deref() == Some(external)),
        );
        if let Some(found) = one_or_many(ids) {
            return found;
        }
    }
    if let Some(email) = person.email_key() {
        let ids = distinct(candidates.iter().filter(|c| {
            let free = c.external_id.as_deref().is_none_or(|e| e.trim().is_empty());
            email_key(c.email.as_deref()).as_deref() == Some(email.as_str())
                && (person.external().is_none() || free)
        }));
        if let Some(found) = one_or_many(ids) {
            return found;
        }
    }
    Match::NotFound
}

fn distinct<'a>(contacts: impl Iterator<Item = &'a &'a Contact>) -> Vec<ContactId> {
    let mut ids: Vec<ContactId> = contacts.map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn one_or_many(ids: Vec<ContactId>) -> Option<Match> {
    match ids.len() {
        0 => None,
        1 => Some(Match::Found(ids[0])),
        _ => Some(Match::Ambiguous(ids)),
    }
}

/// The external ids and emails of the people looked for: a contact with
/// neither cannot match any of them, so a walk of the account keeps only
/// those that can (its memory then grows with the people, not with the
/// account).
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    external: std::collections::HashSet<String>,
    email: std::collections::HashSet<String>,
}

impl Wanted {
    pub(crate) fn of<'a>(people: impl IntoIterator<Item = &'a Person>) -> Self {
        let mut wanted = Self::default();
        for person in people {
            if let Some(external) = person.external() {
                wanted.external.insert(external.to_string());
            }
            if let Some(email) = person.email_key() {
                wanted.email.insert(email);
            }
        }
        wanted
    }

    /// True when the contact may be one of the people.
    pub(crate) fn admits(&self, contact: &Contact) -> bool {
        contact
            .external_id
            .as_deref()
            .is_some_and(|e| self.external.contains(e))
            || email_key(contact.email.as_deref()).is_some_and(|e| self.email.contains(&e))
    }
}

/// The account's contacts by external id and by email, from one walk.
#[derive(Debug, Default)]
pub(crate) struct Index {
    contacts: Vec<Contact>,
    by_external: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
}

impl Index {
    /// Keeps what matching reads (the id, external id and email): a walk
    /// of a large account can index tens of thousands of contacts.
    pub(crate) fn add(&mut self, mut contact: Contact) {
        contact.first_name = None;
        contact.last_name = None;
        contact.phone = None;
        let at = self.contacts.len();
        if let Some(external) = contact
            .external_id
            .as_deref()
            .filter(|e| !e.trim().is_empty())
        {
            self.by_external
                .entry(external.to_string())
                .or_default()
                .push(at);
        }
        if let Some(email) = email_key(contact.email.as_deref()) {
            self.by_email.entry(email).or_default().push(at);
        }
        self.contacts.push(contact);
    }

    /// The person's match among every contact indexed.
    pub(crate) fn find(&self, person: &Person) -> Match {
        let by_external = person
            .external()
            .and_then(|e| self.by_external.get(e))
            .into_iter()
            .flatten();
        let by_email = person
            .email_key()
            .and_then(|e| self.by_email.get(&e))
            .into_iter()
            .flatten();
        match_person(
            person,
            by_external.chain(by_email).map(|&i| &self.contacts[i]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: u64, external: Option<&str>, email: &str) -> Contact {
        Contact {
            id: ContactId::new(id).expect("valid"),
            external_id: external.map(String::from),
            email: Some(email.into()),
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    #[test]
    fn a_walk_keeps_only_contacts_that_may_be_someone_looked_for() {
        let people = [
            Person::by_external_id("A-1"),
            Person::by_email(" Ann@X.test "),
        ];
        let wanted = Wanted::of(&people);
        assert!(wanted.admits(&contact(1, Some("A-1"), "other@x.test")));
        assert!(wanted.admits(&contact(2, None, "ann@x.TEST")));
        assert!(!wanted.admits(&contact(3, Some("A-2"), "bo@x.test")));
        // Kept contacts match as before: the index finds what it holds.
        let mut index = Index::default();
        for c in [
            contact(1, Some("A-1"), "o@x.test"),
            contact(3, Some("A-2"), "bo@x.test"),
        ] {
            if wanted.admits(&c) {
                index.add(c);
            }
        }
        assert_eq!(
            index.find(&people[0]),
            Match::Found(ContactId::new(1).expect("valid"))
        );
        assert_eq!(index.find(&Person::by_external_id("A-2")), Match::NotFound);
    }

    fn id(n: u64) -> ContactId {
        ContactId::new(n).expect("valid")
    }

    fn index(contacts: &[Contact]) -> Index {
        let mut index = Index::default();
        for c in contacts {
            index.add(c.clone());
        }
        index
    }

    #[test]
    fn external_ids_match_exactly_and_win_over_email() {
        let account = [
            contact(1, Some("A"), "ann@x.test"),
            contact(2, None, "ann@x.test"),
        ];
        let index = index(&account);
        let ann = Person::by_external_id("A").and_email("ann@x.test");
        assert_eq!(index.find(&ann), Match::Found(id(1)));
        // Case counts in external ids.
        assert_eq!(index.find(&Person::by_external_id("a")), Match::NotFound);
    }

    #[test]
    fn emails_match_trimmed_and_without_case_and_two_are_ambiguous() {
        let account = [
            contact(1, None, "Bob@X.test"),
            contact(2, None, "bob@x.test"),
            contact(3, None, "cy@x.test"),
        ];
        let index = index(&account);
        assert_eq!(
            index.find(&Person::by_email("  BOB@x.TEST ")),
            Match::Ambiguous(vec![id(1), id(2)])
        );
        assert_eq!(
            index.find(&Person::by_email("Cy@X.test")),
            Match::Found(id(3))
        );
        assert_eq!(index.find(&Person::by_email("dee@x.test")), Match::NotFound);
    }

    #[test]
    fn a_contact_with_another_external_id_is_someone_else() {
        let account = [
            contact(1, Some("B"), "shared@x.test"),
            contact(2, None, "shared@x.test"),
        ];
        let index = index(&account);
        // An external id decides between two contacts sharing the email.
        let person = Person::by_external_id("C").and_email("shared@x.test");
        assert_eq!(index.find(&person), Match::Found(id(2)));
        let only_b = index_of_one(contact(1, Some("B"), "shared@x.test"));
        assert_eq!(only_b.find(&person), Match::NotFound);
        // Without an external id, both are candidates.
        assert_eq!(
            index.find(&Person::by_email("shared@x.test")),
            Match::Ambiguous(vec![id(1), id(2)])
        );
    }

    fn index_of_one(c: Contact) -> Index {
        index(&[c])
    }

    #[test]
    fn two_contacts_with_one_external_id_are_ambiguous() {
        let account = [
            contact(4, Some("A"), "a@x.test"),
            contact(9, Some("A"), "b@x.test"),
        ];
        assert_eq!(
            index(&account).find(&Person::by_external_id("A")),
            Match::Ambiguous(vec![id(4), id(9)])
        );
    }

    #[test]
    fn a_blank_external_id_is_no_external_id() {
        let blank = Person::by_external_id("  ").and_email("a@x.test");
        assert_eq!(blank.key(), Person::by_email("a@x.test").key());
        let account = [contact(1, Some(" "), "a@x.test")];
        assert_eq!(
            index(&account).find(&Person::by_email("a@x.test")),
            Match::Found(id(1))
        );
    }
}
