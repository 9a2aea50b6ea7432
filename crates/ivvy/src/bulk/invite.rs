//! The bulk invite's public calls: [`Client::invite_many`],
//! [`Client::invite_each`] and [`Client::invite_planned`]. Each works out
//! an [`InvitePlan`] (or is given one) and hands it to a
//! [`Run`](super::run::Run) with the direct [`Sender`](super::sender::Sender),
//! or the batch one ([`BulkOptions::batch`]).

use futures::Stream;
use tracing::Instrument;

use crate::bulk::batch::Batched;
use crate::bulk::options::BulkOptions;
use crate::bulk::plan::InvitePlan;
use crate::bulk::report::{BulkReport, BulkSummary};
use crate::bulk::rows::rows_of;
use crate::bulk::run::Run;
use crate::bulk::sender::{Direct, Sender};
use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, IntoId};
use crate::operations::checks::{checked_event, contact_ids};
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
        let plan = self.plan_invites(event, contacts, options).await?;
        let mut invitations = Vec::new();
        self.run_plan(plan, options, &mut |batch| invitations.extend(batch))
            .await?;
        Ok(BulkReport { event, invitations })
    }

    /// [`invite_many`](Self::invite_many), as a stream of each contact's
    /// [`Invitation`] in input order, each as soon as it and those before
    /// it have settled; none is kept, so memory is bounded by the requests
    /// in flight, not by the list. Bad input, or a first read of the
    /// event's invitations that fails, is the stream's one item (an
    /// `Err`). The run advances as the stream is read, and stops when it
    /// is dropped: requests already on the wire then go unreported, so
    /// stop a run with [`BulkOptions::cancel_on`] instead, which reports
    /// every contact. Its clocks (the retry budget, request timeouts) keep
    /// running while a row is held: keep the work per row short, or hand
    /// rows to a task of their own.
    ///
    /// When the run is cancelled ([`BulkOptions::cancel_on`]) it sends
    /// nothing more, gives requests under way [`BulkOptions::drain_time`]
    /// to finish, checks the event's invitations for any whose fate is
    /// unknown, and still gives a row for every contact: a contact the
    /// server invited is never reported not sent or not invited.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let mut rows = std::pin::pin!(client.invite_each(4, 1..=100_000_i64, &ivvy::BulkOptions::new()));
    /// let mut invited = 0;
    /// while let Some(invitation) = rows.try_next().await? {
    ///     // Short async work per row: the run waits for it.
    ///     println!("{} {}", invitation.contact, invitation.status());
    ///     invited += usize::from(invitation.status().is_invited());
    /// }
    /// eprintln!("{invited} invited");
    /// # Ok(()) }
    /// ```
    pub fn invite_each(
        &self,
        event: impl IntoId<EventId>,
        contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
        options: &BulkOptions,
    ) -> impl Stream<Item = Result<Invitation, Error>> + Send + 'static {
        // Checked now, so the stream owns nothing of the caller's.
        let checked = checked_event(event).and_then(|e| Ok((e, contact_ids(contacts)?)));
        let client = self.clone();
        let options = options.clone();
        rows_of(move |mut each| async move {
            let (event, contacts) = checked?;
            let plan = client.plan_invites(event, contacts, &options).await?;
            client.run_plan(plan, &options, &mut each).await
        })
    }

    /// Carries out a plan made by [`plan_invites`](Self::plan_invites), as
    /// [`invite_each`](Self::invite_each) does (a stream of rows in input
    /// order), without reading anything the plan has read. Contacts the
    /// plan found invited are reported
    /// [`Outcome::AlreadyInvited`](crate::Outcome::AlreadyInvited); the
    /// options' retries, concurrency and callbacks apply (their
    /// `already_invited` and `skip_invited` were the plan's to use).
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let options = ivvy::BulkOptions::new();
    /// let plan = client.plan_invites(4, [1_i64, 2, 3], &options).await?;
    /// eprintln!("{} to send in {} request(s)", plan.to_send(), plan.requests(100));
    /// let rows: Vec<ivvy::Invitation> = client.invite_planned(plan, &options).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn invite_planned(
        &self,
        plan: InvitePlan,
        options: &BulkOptions,
    ) -> impl Stream<Item = Result<Invitation, Error>> + Send + 'static {
        let client = self.clone();
        let options = options.clone();
        rows_of(move |mut each| async move { client.run_plan(plan, &options, &mut each).await })
    }

    /// Carries out `plan`, handing rows to `each` in input order.
    pub(crate) async fn run_plan(
        &self,
        plan: InvitePlan,
        options: &BulkOptions,
        each: &mut (dyn FnMut(Vec<Invitation>) + Send),
    ) -> Result<BulkSummary, Error> {
        options.check()?;
        let span = tracing::info_span!(
            "ivvy.invite_many",
            event = plan.event.get(),
            contacts = plan.contacts.len()
        );
        let direct = Direct { client: self };
        let batched = Batched::new(self, options);
        let sender: &dyn Sender = if options.batch { &batched } else { &direct };
        let run = Run::new(self, sender, plan.event, options);
        Ok(run.drive(plan, each).instrument(span).await)
    }
}
