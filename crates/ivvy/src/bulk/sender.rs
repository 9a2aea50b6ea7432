//! The sender seam: the one place a bulk run sends a chunk of contacts
//! and, when a send's fate is unclear, checks which of its contacts the
//! event's invitations hold. The run (scheduling, retries, the release in
//! order) never sends on its own, so a second way of sending, such as
//! iVvy's batch namespace, is a second implementation of [`Sender`], not a
//! fork of the run.
//!
//! A sender owes the run two things: [`Sender::send`] gives the results
//! matched to the contacts sent (those it has), or an error that
//! [`classify`](crate::policy::classify) can judge; and
//! [`Sender::invited_among`] reads what iVvy holds, never guessing.

use futures::future::BoxFuture;

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::ids::{ContactId, EventId};
use crate::operations::invitations::Found;
use crate::operations::invite::Matched;
use crate::policy::retry::RetryPolicy;

/// A way of sending a bulk run's chunks (see the module documentation).
pub(crate) trait Sender: Send + Sync {
    /// Sends one chunk of checked, distinct contacts: the results matched
    /// to them (a contact the reply leaves out has none, and its fate is
    /// then checked). `attempt` (from 1) is for tracing.
    fn send<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        attempt: u32,
    ) -> BoxFuture<'a, Result<Matched, Error>>;

    /// Which of `contacts` the event's invitations hold (and whether every
    /// row could be read), each page read under `policy` with its waits
    /// told to `reporter`.
    fn invited_among<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        policy: &'a RetryPolicy,
        reporter: &'a Reporter,
    ) -> BoxFuture<'a, Result<Found, Error>>;
}

/// Sending each chunk as one inviteContacts request.
pub(crate) struct Direct<'c> {
    pub(crate) client: &'c Client,
}

impl Sender for Direct<'_> {
    fn send<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        attempt: u32,
    ) -> BoxFuture<'a, Result<Matched, Error>> {
        Box::pin(self.client.send_invites(event, contacts, attempt))
    }

    fn invited_among<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        policy: &'a RetryPolicy,
        reporter: &'a Reporter,
    ) -> BoxFuture<'a, Result<Found, Error>> {
        Box::pin(
            self.client
                .invited_among(event, contacts, policy.clone(), reporter.clone()),
        )
    }
}
