//! The fake server's data: which ids exist, and the invitations made.
//!
//! The rule for which ids exist is fixed, so tests can rely on it:
//! - events 1 to 1,000,000,000 exist;
//! - contacts 1 to 1,000,000,000 exist, except multiples of 7, which never
//!   do (inviting one gives `status: false`).

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

/// Largest event id that exists.
pub const LAST_EVENT: u64 = 1_000_000_000;
/// Largest contact id that exists (multiples of 7 excepted).
pub const LAST_CONTACT: u64 = 1_000_000_000;
/// getInvitedContactList returns at most this many invitations a page.
pub const MAX_PER_PAGE: u64 = 100;

/// True when the event exists.
pub fn event_exists(event: u64) -> bool {
    (1..=LAST_EVENT).contains(&event)
}

/// True when the contact exists.
pub fn contact_exists(contact: u64) -> bool {
    (1..=LAST_CONTACT).contains(&contact) && !contact.is_multiple_of(7)
}

/// A contact's answer, as iVvy writes it. With the `client` feature,
/// `ivvy::Answer` converts into it, so a test sets answers in the client's
/// own words (`server.set_answer(4, 2, ivvy::Answer::Yes)`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// `U`.
    Undecided,
    /// `Y`.
    Yes,
    /// `N`.
    No,
    /// A letter iVvy may add later, listed as given.
    Other(String),
}

impl Answer {
    /// `U`, `Y`, `N`, or the other letter as given.
    pub fn letter(&self) -> &str {
        match self {
            Answer::Undecided => "U",
            Answer::Yes => "Y",
            Answer::No => "N",
            Answer::Other(letter) => letter,
        }
    }
}

#[cfg(feature = "client")]
impl From<ivvy::Answer> for Answer {
    fn from(answer: ivvy::Answer) -> Self {
        match answer {
            ivvy::Answer::Yes => Answer::Yes,
            ivvy::Answer::No => Answer::No,
            ivvy::Answer::Undecided => Answer::Undecided,
            other => Answer::Other(other.letter().to_string()),
        }
    }
}

/// An event or contact id as the fake server's methods take it: any
/// common integer type (a plain literal needs no annotation) and, with the
/// `client` feature, `ivvy::EventId` and `ivvy::ContactId`. A negative
/// number is an id no event or contact has.
pub trait Id {
    /// The id as a number; 0 (never an id) for a negative one.
    fn id(self) -> u64;
}

macro_rules! integer_id {
    ($($t:ty),*) => {$(
        impl Id for $t {
            fn id(self) -> u64 {
                u64::try_from(self).unwrap_or(0)
            }
        }
    )*};
}
integer_id!(u64, u32, usize, i64, i32);

#[cfg(feature = "client")]
impl Id for ivvy::EventId {
    fn id(self) -> u64 {
        self.get()
    }
}

#[cfg(feature = "client")]
impl Id for ivvy::ContactId {
    fn id(self) -> u64 {
        self.get()
    }
}

/// One invitation as the fake server recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The contact.
    pub contact: u64,
    /// How many times the contact was invited to the event; more than one
    /// means a duplicate invitation.
    pub count: u32,
    /// The answer so far.
    pub answer: Answer,
    /// When the invitation last changed.
    pub modified: SystemTime,
    /// When listings start to show it (see `Faults::list_lag`).
    pub(crate) visible_at: Instant,
}

impl Recorded {
    /// True once listings may show the invitation.
    pub(crate) fn visible(&self, now: Instant) -> bool {
        self.visible_at <= now
    }
}

/// Invitations per event, in the order they were first made.
#[derive(Debug, Default)]
pub struct Store {
    events: HashMap<u64, Vec<Recorded>>,
    // (event, contact) -> index in the event's list
    index: HashMap<(u64, u64), usize>,
}

impl Store {
    /// Records an invitation and returns how many times it has now been
    /// made. A first invitation shows in listings from `visible_at`.
    pub fn invite(
        &mut self,
        event: u64,
        contact: u64,
        now: SystemTime,
        visible_at: Instant,
    ) -> u32 {
        let list = self.events.entry(event).or_default();
        match self.index.get(&(event, contact)) {
            Some(&i) => {
                let record = &mut list[i];
                record.count += 1;
                record.modified = now;
                record.count
            }
            None => {
                self.index.insert((event, contact), list.len());
                list.push(Recorded {
                    contact,
                    count: 1,
                    answer: Answer::Undecided,
                    modified: now,
                    visible_at,
                });
                1
            }
        }
    }

    /// The event's invitations, in the order first made.
    pub fn invitations(&self, event: u64) -> &[Recorded] {
        self.events.get(&event).map_or(&[], Vec::as_slice)
    }

    /// How many times the contact was invited to the event.
    pub fn count(&self, event: u64, contact: u64) -> u32 {
        self.index
            .get(&(event, contact))
            .and_then(|&i| self.events.get(&event)?.get(i))
            .map_or(0, |r| r.count)
    }

    /// The most times any contact was invited to any event.
    pub fn max_count(&self) -> u32 {
        self.events
            .values()
            .flatten()
            .map(|r| r.count)
            .max()
            .unwrap_or(0)
    }

    /// Sets an invited contact's answer; false when there is no invitation.
    pub fn answer(&mut self, event: u64, contact: u64, answer: Answer, now: SystemTime) -> bool {
        let Some(&i) = self.index.get(&(event, contact)) else {
            return false;
        };
        match self.events.get_mut(&event).and_then(|list| list.get_mut(i)) {
            Some(record) => {
                record.answer = answer;
                record.modified = now;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_documented_rule() {
        assert!(
            event_exists(1)
                && event_exists(LAST_EVENT)
                && !event_exists(0)
                && !event_exists(LAST_EVENT + 1)
        );
        assert!(
            contact_exists(1) && contact_exists(6) && !contact_exists(7) && !contact_exists(14)
        );
        assert!(!contact_exists(0) && !contact_exists(LAST_CONTACT + 1));
    }

    #[test]
    fn repeated_invitations_are_counted_and_keep_their_place() {
        let mut store = Store::default();
        let now = SystemTime::UNIX_EPOCH;
        let visible = Instant::now();
        assert_eq!(store.invite(4, 2, now, visible), 1);
        assert_eq!(store.invite(4, 1, now, visible), 1);
        assert_eq!(store.invite(4, 2, now, visible), 2);
        assert_eq!(store.count(4, 2), 2);
        assert_eq!(store.max_count(), 2);
        let order: Vec<u64> = store.invitations(4).iter().map(|r| r.contact).collect();
        assert_eq!(order, vec![2, 1]);
        assert!(store.answer(4, 1, Answer::Yes, now));
        assert!(!store.answer(4, 3, Answer::Yes, now));
        assert_eq!(store.invitations(4)[1].answer, Answer::Yes);
    }
}
