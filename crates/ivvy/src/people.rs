//! People as a CRM knows them, and the pure rule that matches a person to
//! the account's contacts: [`Person`], [`Match`], and the index a walk over
//! the account builds. Asking the server is `resolve`'s.
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

use crate::{Contact, ContactId};

/// Someone to find among the account's contacts, by their id in another
/// system and/or their email; names are used only to add them.
///
/// ```
/// let ann = ivvy::Person::by_external_id("CRM-1")
///     .and_email("ann@example.com")
///     .named("Ann", "Lee");
/// assert_eq!(ann.external_id.as_deref(), Some("CRM-1"));
/// assert!(ann.can_be_added());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
#[must_use]
pub struct Person {
    /// Their id in another system, matched exactly.
    pub external_id: Option<String>,
    /// Their email, matched trimmed and without regard to case.
    pub email: Option<String>,
    /// First name, for adding them.
    pub first_name: Option<String>,
    /// Last name, for adding them.
    pub last_name: Option<String>,
}

impl Person {
    /// A person known by their id in another system.
    pub fn by_external_id(id: impl Into<String>) -> Self {
        Self::default().and_external_id(id)
    }

    /// A person known by their email.
    pub fn by_email(email: impl Into<String>) -> Self {
        Self::default().and_email(email)
    }

    /// Adds their id in another system.
    pub fn and_external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Adds their email.
    pub fn and_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Adds their names.
    pub fn named(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// The external id, when not empty.
    pub(crate) fn external(&self) -> Option<&str> {
        self.external_id
            .as_deref()
            .filter(|id| !id.trim().is_empty())
    }

    /// The email as matched: trimmed, lower case; `None` when empty.
    pub(crate) fn email_key(&self) -> Option<String> {
        email_key(self.email.as_deref())
    }

    /// Who this person is, for telling repeats apart: the external id
    /// when there is one, else the email as matched (trimmed, lower case).
    /// Two rows with one key are one person, looked up, added and invited
    /// once; `None` for a row with neither.
    ///
    /// ```
    /// use ivvy::{Person, PersonKey};
    /// let a = Person::by_email(" Ann@X.test");
    /// let b = Person::by_email("ann@x.test").named("Ann", "Lee");
    /// assert_eq!(a.key(), b.key());
    /// assert_eq!(Person::by_external_id("7").and_email("ann@x.test").key(),
    ///            Some(PersonKey::External("7".into())));
    /// ```
    pub fn key(&self) -> Option<PersonKey> {
        match self.external() {
            Some(id) => Some(PersonKey::External(id.to_string())),
            None => self.email_key().map(PersonKey::Email),
        }
    }

    /// True when iVvy would accept them as a new contact: first and last
    /// names and an email that looks like an address.
    pub fn can_be_added(&self) -> bool {
        self.missing_for_adding().is_none()
    }

    /// Why they cannot be added, if they cannot.
    pub(crate) fn missing_for_adding(&self) -> Option<&'static str> {
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !filled(&self.first_name) || !filled(&self.last_name) || !filled(&self.email) {
            return Some(
                "not in the account; adding a contact needs an email, a first and a last name",
            );
        }
        if !self.email.as_deref().map(str::trim).is_some_and(is_email) {
            return Some("not in the account; the email is not an address, so it cannot be added");
        }
        None
    }
}

/// Who a person is, for repeats: two rows with the same key are one person
/// ([`Person::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PersonKey {
    /// Their external id, as given (trimmed of nothing but blank ids).
    External(String),
    /// Their email, trimmed and in lower case.
    Email(String),
}

/// An email as matched: trimmed, lower case; `None` when empty.
pub(crate) fn email_key(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// True for text that can be an email address: something, one `@`, and a
/// domain with a dot inside it; no spaces or control characters.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Which contact a person is, by the rule in this module's documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The account's contacts by external id and by email, from one walk.
#[derive(Debug, Default)]
pub(crate) struct Index {
    contacts: Vec<Contact>,
    by_external: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
}

impl Index {
    pub(crate) fn add(&mut self, contact: Contact) {
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
    fn adding_needs_names_and_an_address() {
        assert!(Person::by_email("a@x.test").named("A", "B").can_be_added());
        assert!(!Person::by_email("a@x.test").can_be_added());
        assert!(!Person::by_email("a at x").named("A", "B").can_be_added());
        assert!(!Person::by_external_id("A").named("A", "B").can_be_added());
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

    #[test]
    fn keys_tell_repeats_apart() {
        assert_eq!(
            Person::by_email(" A@X.test").key(),
            Person::by_email("a@x.test ").key()
        );
        assert_ne!(
            Person::by_external_id("A").and_email("a@x.test").key(),
            Person::by_email("a@x.test").key()
        );
        assert_eq!(Person::default().key(), None);
    }
}
