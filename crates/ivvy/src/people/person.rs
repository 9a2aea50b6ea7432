//! A person as a CRM knows them, [`Person`], and everything about one
//! person's fields: who they are for repeats ([`PersonKey`]), whether they
//! can be added, how a repeat fills in a row ([`merge`]), and the contact
//! they become when added. A new field of a person is added here (and
//! read from an export by the CLI's `export`); nothing else lists them.

use crate::ids::ContactId;
use crate::operations::contacts::{Contact, NewContact};
use crate::status::reason;

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
#[non_exhaustive]
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
            return Some(reason::MISSING_FIELDS.1);
        }
        if !self.email.as_deref().map(str::trim).is_some_and(is_email) {
            return Some(reason::BAD_EMAIL.1);
        }
        None
    }

    /// The new contact that adding them sends: each field trimmed.
    pub(crate) fn to_new_contact(&self) -> NewContact {
        let trimmed = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
        NewContact {
            first_name: trimmed(&self.first_name),
            last_name: trimmed(&self.last_name),
            email: trimmed(&self.email),
            external_id: self.external().map(String::from),
        }
    }

    /// The contact `id` they became when added, as far as it is known
    /// without reading it back (for matching later people against it).
    pub(crate) fn as_added(&self, id: ContactId) -> Contact {
        let mut contact = Contact::new(id);
        contact.external_id = self.external_id.clone();
        contact.email = self.email.clone();
        contact
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

/// A repeat of a person fills in what the first row left out.
pub(crate) fn merge(into: &mut Person, repeat: &Person) {
    let fields = [
        (&mut into.external_id, &repeat.external_id),
        (&mut into.email, &repeat.email),
        (&mut into.first_name, &repeat.first_name),
        (&mut into.last_name, &repeat.last_name),
    ];
    for (field, other) in fields {
        if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
            field.clone_from(other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_needs_names_and_an_address() {
        assert!(Person::by_email("a@x.test").named("A", "B").can_be_added());
        assert!(!Person::by_email("a@x.test").can_be_added());
        assert!(!Person::by_email("a at x").named("A", "B").can_be_added());
        assert!(!Person::by_external_id("A").named("A", "B").can_be_added());
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

    #[test]
    fn a_repeat_fills_in_what_the_first_row_left_out() {
        let mut first = Person::by_external_id("A");
        merge(
            &mut first,
            &Person::by_external_id("A")
                .and_email("a@x.test")
                .named("A", "B"),
        );
        assert_eq!(first.email.as_deref(), Some("a@x.test"));
        assert_eq!(first.last_name.as_deref(), Some("B"));
        assert_eq!(first.external_id.as_deref(), Some("A"));
    }
}
