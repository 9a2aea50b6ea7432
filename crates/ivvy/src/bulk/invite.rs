//! The bulk invite's public calls: [`Client::invite_many`],
//! [`Client::invite_each`] and [`Client::invite_planned`]. Each works out
//! an [`InvitePlan`] (or is given one) and hands it to a
//! [`Run`](super::run::Run) with the direct [`Sender`](super::sender::Sender).

use tracing::Instrument;

use crate::bulk::options::BulkOptions;
use crate::bulk::plan::InvitePlan;
use crate::bulk::report::{BulkReport, BulkSummary};
use crate::bulk::run::Run;
use crate::bulk::sender::Direct;
use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, IntoId};
use crate::operations::checks::checked_event;
use crate::operations::invite::Invitation;

impl Client {
    /// Invites a long list of contacts: split into requests of
    /// `chunk_size`, `concurrency` at once, retried where that is safe,
    /// and reconciled against the event's invitations where a request's
    /// fate is unknown, so no contact is invited twice.
    ///
    /// Returns `Err` only when nothing was sent: bad input, or (with
    /// [`skip_invited`](BulkOptions::skip_invited)) the first read of the
    /// event's invitations failing. Failures after that are reported per
    /// contact in the [`BulkReport`].
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use ivvy::BulkOptions;
    ///
    /// let contacts: Vec<i64> = (1..=5_000).collect();
    /// let options = BulkOptions::new()
    ///     .chunk_size(100)
    ///     .concurrency(4)
    ///     .on_progress(|p| eprintln!("{}/{}", p.done, p.total));
    /// let report = client.invite_many(4, contacts, &options).await?;
    /// for failed in report.not_invited() {
    ///     eprintln!("{}: {:?}", failed.contact, failed.outcome);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn invite_many(
        &self,
        event: impl IntoId<EventId>,
        contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error> {
        let event = checked_event(event)?;
        let mut invitations = Vec::new();
        self.invite_each(event, contacts, options, |batch| {
            invitations.extend(batch);
        })
        .await?;
        Ok(BulkReport { event, invitations })
    }

    /// [`invite_many`](Self::invite_many), handing each contact's
    /// [`Invitation`] to `each` as soon as it settles, in input order, in
    /// batches (at least one per request), and keeping none of them: memory
    /// is bounded by the requests in flight, not by the list. Returns the
    /// counts per outcome.
    ///
    /// When the run is cancelled ([`BulkOptions::cancel_on`]) it sends
    /// nothing more, gives requests under way [`BulkOptions::drain_time`]
    /// to finish, checks the event's invitations for any whose fate is
    /// unknown, and still hands over a row for every contact: a contact the
    /// server invited is never reported not sent or not invited.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// let summary = client
    ///     .invite_each(4, 1..=100_000_i64, &ivvy::BulkOptions::new(), |batch| {
    ///         for invitation in batch {
    ///             println!("{} {}", invitation.contact, invitation.outcome.word());
    ///         }
    ///     })
    ///     .await?;
    /// eprintln!("{} invited", summary.invited);
    /// # Ok(()) }
    /// ```
    pub async fn invite_each(
        &self,
        event: impl IntoId<EventId>,
        contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
        options: &BulkOptions,
        each: impl FnMut(Vec<Invitation>) + Send,
    ) -> Result<BulkSummary, Error> {
        let plan = self.plan_invites(event, contacts, options).await?;
        self.invite_planned(plan, options, each).await
    }

    /// Carries out a plan made by [`plan_invites`](Self::plan_invites), as
    /// [`invite_each`](Self::invite_each) does, without reading anything
    /// the plan has read. Contacts the plan found invited are reported
    /// [`Outcome::AlreadyInvited`](crate::Outcome::AlreadyInvited); the
    /// options' retries, concurrency and callbacks apply (their
    /// `already_invited` and `skip_invited` were the plan's to use).
    pub async fn invite_planned(
        &self,
        plan: InvitePlan,
        options: &BulkOptions,
        mut each: impl FnMut(Vec<Invitation>) + Send,
    ) -> Result<BulkSummary, Error> {
        options.check()?;
        let span = tracing::info_span!(
            "ivvy.invite_many",
            event = plan.event.get(),
            contacts = plan.contacts.len()
        );
        let sender = Direct { client: self };
        let run = Run::new(self, &sender, plan.event, options);
        Ok(run.drive(plan, &mut each).instrument(span).await)
    }
}
