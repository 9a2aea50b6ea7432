//! The account's contacts and events, as getContactList and getEventList
//! list them and addOrUpdateContact changes them.
//!
//! [`Account::generated`] builds an account by a fixed rule, so tests can
//! rely on it. Contact number `k` (from 1) has:
//! - the `k`th id that is not a multiple of 7 (so it can be invited);
//! - first name `Person`, last name `k`;
//! - external id `CRM-{k:05}`, except every 10th contact, which has none;
//! - email `person{k}@example.test`, written `Person{k}@Example.TEST` for
//!   every 3rd contact (iVvy keeps the case given), except every 100th
//!   contact, which shares the email of contact `k - 1` (in lower case).
//!
//! The sample events ([`Account::sample`]) are `LAUNCH26` (id 1),
//! `GALA26` (id 2) and `SUMMIT27` (id 3, a draft). Invitations do not
//! depend on the account: inviteContacts accepts any id of the rule in
//! [`state`](crate::state), listed here or not.

use std::collections::HashMap;

/// The sample event `LAUNCH26`'s id ([`Account::sample`]).
pub const LAUNCH26: u64 = 1;
/// The sample event `GALA26`'s id.
pub const GALA26: u64 = 2;
/// The sample event `SUMMIT27`'s id (a draft).
pub const SUMMIT27: u64 = 3;
use std::time::{Instant, SystemTime};

/// A contact as the account holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountContact {
    /// The contact's id.
    pub id: u64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, in the case it was given.
    pub email: String,
    /// The id in another system, if set.
    pub external_id: Option<String>,
    /// When it last changed.
    pub modified: SystemTime,
    /// When listings start to show it (see `Faults::list_lag`).
    pub(crate) visible_at: Instant,
}

/// An event as the account holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEvent {
    /// The event's id.
    pub id: u64,
    /// Its code.
    pub code: String,
    /// Its title.
    pub title: String,
    /// Start, `yyyy-mm-dd HH:mm:ss UTC`.
    pub start: String,
    /// End, `yyyy-mm-dd HH:mm:ss UTC`.
    pub end: String,
    /// 0 draft, 1 closed, 3 launched.
    pub status: i64,
}

/// What a new contact is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// The id in another system.
    pub external_id: Option<String>,
}

/// The account's contacts (in id order) and events.
#[derive(Debug, Clone, Default)]
pub struct Account {
    contacts: Vec<AccountContact>,
    index: HashMap<u64, usize>,
    events: Vec<AccountEvent>,
    created: u64,
}

impl Account {
    /// No contacts and no events.
    pub fn empty() -> Self {
        Self::default()
    }

    /// `contacts` contacts by the rule in this module's documentation, and
    /// the sample events.
    pub fn generated(contacts: usize) -> Self {
        let mut account = Self::empty().with_sample_events();
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_763_942_400);
        let visible = Instant::now();
        let mut id: u64 = 0;
        for k in 1..=contacts {
            id += 1;
            if id.is_multiple_of(7) {
                id += 1;
            }
            let email = if k % 100 == 0 {
                format!("person{}@example.test", k - 1)
            } else if k % 3 == 0 {
                format!("Person{k}@Example.TEST")
            } else {
                format!("person{k}@example.test")
            };
            account.push(AccountContact {
                id,
                first_name: "Person".into(),
                last_name: k.to_string(),
                email,
                external_id: (k % 10 != 0).then(|| format!("CRM-{k:05}")),
                modified: now,
                visible_at: visible,
            });
        }
        account
    }

    /// The default account of a fake server: 250 contacts by the rule
    /// (so emails 99 and 199 are each shared by two contacts) and the
    /// sample events.
    pub fn sample() -> Self {
        Self::generated(250)
    }

    /// Adds the sample events (`LAUNCH26`, `GALA26`, `SUMMIT27`).
    pub fn with_sample_events(mut self) -> Self {
        for (id, code, title, day, status) in [
            (LAUNCH26, "LAUNCH26", "Product launch", "2026-12-01", 3),
            (GALA26, "GALA26", "Winter gala", "2026-12-12", 3),
            (SUMMIT27, "SUMMIT27", "Partner summit", "2027-03-04", 0),
        ] {
            self = self.with_event(AccountEvent {
                id,
                code: code.into(),
                title: title.into(),
                start: format!("{day} 09:00:00 UTC"),
                end: format!("{day} 17:00:00 UTC"),
                status,
            });
        }
        self
    }

    /// Adds an event (replacing one with the same id).
    pub fn with_event(mut self, event: AccountEvent) -> Self {
        self.events.retain(|e| e.id != event.id);
        self.events.push(event);
        self.events.sort_by_key(|e| e.id);
        self
    }

    /// Adds a contact as if made before the test, with the next free id;
    /// returns the id.
    pub fn seed_contact(&mut self, contact: NewContact) -> u64 {
        self.insert(contact, SystemTime::UNIX_EPOCH, Instant::now())
    }

    fn push(&mut self, contact: AccountContact) {
        self.index.insert(contact.id, self.contacts.len());
        self.contacts.push(contact);
    }

    fn insert(&mut self, contact: NewContact, now: SystemTime, visible_at: Instant) -> u64 {
        let mut id = self.contacts.last().map_or(0, |c| c.id) + 1;
        if id.is_multiple_of(7) {
            id += 1;
        }
        self.push(AccountContact {
            id,
            first_name: contact.first_name,
            last_name: contact.last_name,
            email: contact.email,
            external_id: contact.external_id,
            modified: now,
            visible_at,
        });
        id
    }

    /// Adds a contact for addOrUpdateContact and counts it.
    pub(crate) fn create(
        &mut self,
        contact: NewContact,
        now: SystemTime,
        visible_at: Instant,
    ) -> u64 {
        self.created += 1;
        self.insert(contact, now, visible_at)
    }

    /// The contact with this id.
    pub fn contact(&self, id: u64) -> Option<&AccountContact> {
        self.index.get(&id).and_then(|&i| self.contacts.get(i))
    }

    pub(crate) fn contact_mut(&mut self, id: u64) -> Option<&mut AccountContact> {
        let i = *self.index.get(&id)?;
        self.contacts.get_mut(i)
    }

    /// Every contact, in id order.
    pub fn contacts(&self) -> &[AccountContact] {
        &self.contacts
    }

    /// Every event, in id order.
    pub fn events(&self) -> &[AccountEvent] {
        &self.events
    }

    /// The event with this id.
    pub fn event(&self, id: u64) -> Option<&AccountEvent> {
        self.events.iter().find(|e| e.id == id)
    }

    /// How many contacts addOrUpdateContact has added.
    pub fn created(&self) -> u64 {
        self.created
    }
}

impl AccountContact {
    pub(crate) fn visible(&self, now: Instant) -> bool {
        self.visible_at <= now
    }
}

/// True for text that can be an email address: one `@` between a local
/// part and a domain with a dot, and no spaces or controls.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_account_follows_its_rule() {
        let account = Account::generated(200);
        let c = account.contacts();
        assert_eq!(c.len(), 200);
        assert!(c.iter().all(|c| c.id % 7 != 0));
        assert_eq!(c[6].id, 8, "id 7 is skipped");
        assert_eq!(c[0].external_id.as_deref(), Some("CRM-00001"));
        assert_eq!(c[9].external_id, None, "every 10th has no external id");
        assert_eq!(c[2].email, "Person3@Example.TEST");
        assert_eq!(
            c[99].email,
            c[98].email.to_lowercase(),
            "contact 100 shares 99's email"
        );
        assert_eq!(account.events().len(), 3);
    }

    #[test]
    fn created_contacts_take_fresh_ids_and_are_counted() {
        let mut account = Account::generated(6);
        let id = account.create(
            NewContact::default(),
            SystemTime::UNIX_EPOCH,
            Instant::now(),
        );
        assert_eq!(id, 7 + 1, "after 6, skipping 7");
        assert_eq!(account.created(), 1);
        assert_eq!(account.contact(id).map(|c| c.id), Some(id));
    }

    #[test]
    fn emails_are_checked_for_their_shape() {
        assert!(is_email("ann@example.com"));
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "a@b@c.com",
            "ann@.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
