//! Handing outcomes over in input order, as soon as every earlier
//! contact has one: [`Settling`]. Outcomes wait here only that long, so
//! memory is bounded by the requests under way, not by the list.

use crate::bulk::report::BulkSummary;
use crate::ids::{ContactId, EventId, HashSet};
use crate::operations::invite::{Invitation, Outcome};

/// A run's contacts and the outcomes not handed over yet: outcomes wait
/// here only until every earlier contact has one, then go out in input
/// order.
pub(crate) struct Settling {
    event: EventId,
    pub(crate) contacts: Vec<ContactId>,
    already: Vec<bool>,
    ready: std::collections::HashMap<usize, Outcome>,
    /// The next position to hand over.
    cursor: usize,
    pub(crate) summary: BulkSummary,
}

impl Settling {
    pub(crate) fn new(event: EventId, contacts: Vec<ContactId>) -> Self {
        let already = vec![false; contacts.len()];
        Self {
            event,
            contacts,
            already,
            ready: std::collections::HashMap::new(),
            cursor: 0,
            summary: BulkSummary::default(),
        }
    }

    pub(crate) fn mark_already(&mut self, found: &HashSet<ContactId>) {
        for (flag, contact) in self.already.iter_mut().zip(&self.contacts) {
            *flag |= found.contains(contact);
        }
    }

    /// Positions still to send: not already invited, not settled.
    pub(crate) fn positions_left(&self) -> impl Iterator<Item = usize> + '_ {
        (self.cursor..self.contacts.len())
            .filter(|&i| !self.already[i] && !self.ready.contains_key(&i))
    }

    pub(crate) fn settle(&mut self, outcomes: impl IntoIterator<Item = (usize, Outcome)>) {
        self.ready.extend(outcomes);
    }

    /// Hands over every outcome whose earlier contacts all have theirs.
    pub(crate) fn emit(&mut self, each: &mut (dyn FnMut(Vec<Invitation>) + Send)) {
        let mut batch = Vec::new();
        while self.cursor < self.contacts.len() {
            let outcome = if self.already[self.cursor] {
                Outcome::AlreadyInvited
            } else {
                match self.ready.remove(&self.cursor) {
                    Some(outcome) => outcome,
                    None => break,
                }
            };
            self.summary.count(&outcome);
            batch.push(Invitation {
                contact: self.contacts[self.cursor],
                outcome,
            });
            self.cursor += 1;
        }
        if !batch.is_empty() {
            tracing::debug!(event = %self.event, contacts = batch.len(), "settled");
            each(batch);
        }
    }
}
