//! What a bulk run hands back: [`BulkSummary`] (counts per outcome) and
//! [`BulkReport`] (every contact's [`Invitation`], in input order).

use crate::ids::EventId;
use crate::operations::invite::{Invitation, Outcome};

#[cfg(doc)]
use crate::client::Client;

/// Counts per outcome of a bulk run ([`Client::invite_each`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct BulkSummary {
    /// Invited by this run (links known or not).
    pub invited: usize,
    /// Invited before this run; nothing sent for them.
    pub already_invited: usize,
    /// iVvy answered that it did not invite them.
    pub not_invited: usize,
    /// Their request failed; not invited.
    pub failed: usize,
    /// Whether they were invited is not known.
    pub unknown: usize,
    /// Never sent: the run stopped first.
    pub not_sent: usize,
}

impl BulkSummary {
    /// Counts one contact's outcome (as a caller reading
    /// [`Client::invite_each`]'s stream keeps its own tally).
    pub fn count(&mut self, outcome: &Outcome) {
        let slot = match outcome {
            Outcome::Invited(_) | Outcome::InvitedLinksUnknown => &mut self.invited,
            Outcome::AlreadyInvited => &mut self.already_invited,
            Outcome::NotInvited => &mut self.not_invited,
            Outcome::Failed(_) => &mut self.failed,
            Outcome::Unknown(_) => &mut self.unknown,
            Outcome::NotSent(_) => &mut self.not_sent,
        };
        *slot += 1;
    }

    /// Contacts with an outcome.
    pub fn settled(&self) -> usize {
        self.invited
            + self.already_invited
            + self.not_invited
            + self.failed
            + self.unknown
            + self.not_sent
    }

    /// True when every contact is invited (now or before).
    pub fn all_invited(&self) -> bool {
        self.settled() == self.invited + self.already_invited
    }
}

/// The result of [`Client::invite_many`]: one invitation per distinct
/// contact, in the order given. With the `serde` feature it serializes as
/// `{"event": 4, "invitations": [...]}`, each invitation a flat record
/// (see [`Invitation`]).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct BulkReport {
    /// The event.
    pub event: EventId,
    /// One per distinct contact, in input order.
    pub invitations: Vec<Invitation>,
}

impl BulkReport {
    /// True when every contact is invited (now or before).
    pub fn all_invited(&self) -> bool {
        self.invitations.iter().all(|i| i.outcome.is_invited())
    }

    /// The contacts that are not known to be invited.
    pub fn not_invited(&self) -> impl Iterator<Item = &Invitation> {
        self.invitations.iter().filter(|i| !i.outcome.is_invited())
    }
}
