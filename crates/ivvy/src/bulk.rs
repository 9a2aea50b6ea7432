//! Inviting long lists: the orchestration only. Splits the list into
//! chunks, runs them `concurrency` at a time, and settles every contact.
//! When to retry is [`RetryPolicy`]'s; reading the event's invitations is
//! `invitations`'.
//!
//! inviteContacts is not idempotent, so a request whose fate is unknown (a
//! 5xx, a timeout, a broken connection, a reply that does not match) is never
//! sent again blindly: the event's invitations are read first, the contacts
//! found there are marked invited, and only the rest are sent again.

use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::ids::HashSet;
use crate::ids::IntoId;
use crate::invite::{checked_event, distinct_contacts};
use crate::retry::{Decision, log_wait, wait_reason};
use crate::{Client, ContactId, Error, EventId, Invitation, Outcome, RetryPolicy};

/// How far a bulk invite has got: contacts with a final outcome, of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Progress {
    /// Contacts whose outcome is settled.
    pub done: usize,
    /// Distinct contacts in the list.
    pub total: usize,
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Settings for [`Client::invite_many`].
#[derive(Clone)]
#[must_use]
pub struct BulkOptions {
    chunk_size: usize,
    concurrency: usize,
    retry: RetryPolicy,
    retry_budget: Duration,
    consistency_window: Duration,
    skip_invited: bool,
    progress: Option<ProgressFn>,
    wait: Option<WaitFn>,
    cancel: Option<CancellationToken>,
}

/// A wait before a request is tried again, as [`BulkOptions::on_wait`]
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// How long.
    pub delay: Duration,
    /// Why, e.g. "iVvy asked us to wait (HTTP 429)".
    pub reason: String,
}

type WaitFn = Arc<dyn Fn(&Wait) + Send + Sync>;

/// Default [`BulkOptions::retry_budget`]: 5 minutes without a request
/// succeeding.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(5 * 60);
/// Default [`BulkOptions::consistency_window`]: room for iVvy's invitation
/// list to show an invitation up to 5 s after it was made.
pub const DEFAULT_CONSISTENCY_WINDOW: Duration = Duration::from_secs(6);

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            chunk_size: 100,
            concurrency: 4,
            retry: RetryPolicy::default(),
            retry_budget: DEFAULT_RETRY_BUDGET,
            consistency_window: DEFAULT_CONSISTENCY_WINDOW,
            skip_invited: true,
            progress: None,
            wait: None,
            cancel: None,
        }
    }
}

impl fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkOptions")
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("consistency_window", &self.consistency_window)
            .field("skip_invited", &self.skip_invited)
            .field("progress", &self.progress.is_some())
            .field("wait", &self.wait.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

impl BulkOptions {
    /// The defaults: 100 contacts a request, 4 requests at once, the default
    /// [`RetryPolicy`], contacts already invited to the event skipped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Contacts per request (default 100; iVvy documents no cap).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Requests in flight at once (default 4).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// How each request is retried (see [`RetryPolicy`] for the rules).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Attempts per request, the first included (default 6); see
    /// [`RetryPolicy::max_attempts`].
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry = self.retry.max_attempts(attempts);
        self
    }

    /// Time after a request's first attempt past which it is not retried
    /// (default 2 minutes); see [`RetryPolicy::max_retry_time`].
    pub fn max_retry_time(mut self, time: Duration) -> Self {
        self.retry = self.retry.max_retry_time(time);
        self
    }

    /// Back-off bounds (defaults 250 ms and 20 s); see [`RetryPolicy::backoff`].
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.retry = self.retry.backoff(base, max);
        self
    }

    /// Seeds the back-off jitter; see [`RetryPolicy::jitter_seed`].
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.retry = self.retry.jitter_seed(seed);
        self
    }

    /// The longest a run goes on with no request succeeding (default 5
    /// minutes). Past it the run stops: contacts not yet settled are
    /// reported not invited ([`Outcome::Failed`] with
    /// [`Error::RetryBudgetSpent`]), or [`Outcome::Unknown`] when their
    /// request was under way.
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = budget;
        self
    }

    /// How long to wait after a request whose fate is unknown (a 5xx, a
    /// timeout) before reading the event's invitations to decide what to
    /// send again (default 6 s). iVvy's list may show a new invitation only
    /// some time after it is made; a contact is sent again only if it is
    /// still missing after this window, so set it above the longest lag
    /// you expect.
    pub fn consistency_window(mut self, window: Duration) -> Self {
        self.consistency_window = window;
        self
    }

    /// Read the event's invitations first and skip contacts already invited
    /// (default true), so running the same list twice invites nobody twice.
    pub fn skip_invited(mut self, skip: bool) -> Self {
        self.skip_invited = skip;
        self
    }

    /// Called with the progress after each request settles.
    pub fn on_progress(mut self, progress: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Called before each wait for a retry, with its length and reason
    /// (also logged at info level).
    pub fn on_wait(mut self, wait: impl Fn(&Wait) + Send + Sync + 'static) -> Self {
        self.wait = Some(Arc::new(wait));
        self
    }

    /// Stops the run when the token is cancelled: no new requests start;
    /// contacts whose requests were under way are reported
    /// [`Outcome::Unknown`], the others [`Outcome::Failed`] with
    /// [`Error::Cancelled`].
    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    fn check(&self) -> Result<(), Error> {
        if self.chunk_size == 0 {
            return Err(Error::invalid("chunk_size", "must be at least 1"));
        }
        if self.concurrency == 0 {
            return Err(Error::invalid("concurrency", "must be at least 1"));
        }
        self.retry.check()
    }

    /// Logs and reports a wait, then sleeps it.
    async fn sleep(&self, delay: Duration, reason: String) {
        log_wait(delay, &reason);
        if let Some(on_wait) = &self.wait {
            on_wait(&Wait {
                delay,
                reason: reason.clone(),
            });
        }
        tokio::time::sleep(delay).await;
    }

    fn report(&self, done: usize, total: usize) {
        if let Some(progress) = &self.progress {
            progress(Progress { done, total });
        }
    }
}

/// The result of [`Client::invite_many`]: one invitation per distinct
/// contact, in the order given. With the `serde` feature it serializes as
/// `{"event": 4, "invitations": [...]}`, each invitation in iVvy's result
/// shape (see [`Invitation`]).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
        options.check()?;
        let event = checked_event(event)?;
        let contacts = distinct_contacts(contacts)?;
        let span = tracing::info_span!(
            "ivvy.invite_many",
            event = event.get(),
            contacts = contacts.len()
        );
        self.run_bulk(event, contacts, options)
            .instrument(span)
            .await
    }

    /// The run itself, for checked input.
    async fn run_bulk(
        &self,
        event: EventId,
        contacts: Vec<ContactId>,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error> {
        let total = contacts.len();
        // A placeholder outcome: every contact's is set below, by its chunk
        // or, for chunks a cancellation left unsettled, at the end.
        let mut invitations: Vec<Invitation> = contacts
            .iter()
            .map(|&contact| Invitation {
                contact,
                outcome: Outcome::NotInvited,
            })
            .collect();
        let mut done = 0;

        if options.skip_invited {
            let already = self.invited_among(event, &contacts, &options.retry).await?;
            for invitation in &mut invitations {
                if already.contains(&invitation.contact) {
                    invitation.outcome = Outcome::AlreadyInvited;
                    done += 1;
                }
            }
        }
        options.report(done, total);

        // Positions of the contacts still to send; chunk n is
        // pending[n * chunk_size..][..chunk_size].
        let pending: Vec<usize> = invitations
            .iter()
            .enumerate()
            .filter(|(_, i)| !matches!(i.outcome, Outcome::AlreadyInvited))
            .map(|(i, _)| i)
            .collect();
        let chunks: Vec<&[usize]> = pending.chunks(options.chunk_size).collect();
        tracing::info!(event = %event, contacts = total, requests = chunks.len(), "inviting");
        let tracks: Vec<Track> = chunks.iter().map(|_| Track::default()).collect();
        let mut finished = vec![false; chunks.len()];

        let mut settled = stream::iter(chunks.iter().enumerate())
            .map(|(number, positions)| {
                let chunk: Vec<_> = positions.iter().map(|&i| (i, contacts[i])).collect();
                let span = tracing::info_span!("ivvy.chunk", number, contacts = chunk.len());
                let run = self
                    .run_chunk(event, chunk, options, number as u64, &tracks[number])
                    .instrument(span);
                async move {
                    run.await;
                    number
                }
            })
            .buffer_unordered(options.concurrency);

        let cancel = options.cancel.clone().unwrap_or_default();
        let mut deadline = tokio::time::Instant::now() + options.retry_budget;
        let stopped = loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => break Some(Arc::new(Error::Cancelled)),
                () = tokio::time::sleep_until(deadline) => {
                    break Some(Arc::new(Error::RetryBudgetSpent { budget: options.retry_budget }));
                }
                next = settled.next() => next,
            };
            let Some(number) = next else { break None };
            finished[number] = true;
            let mut answered = false;
            for (index, outcome) in tracks[number].take() {
                answered |= !matches!(outcome, Outcome::Failed(_) | Outcome::Unknown(_));
                invitations[index].outcome = outcome;
                done += 1;
            }
            if answered {
                deadline = tokio::time::Instant::now() + options.retry_budget;
            }
            options.report(done, total);
        };
        drop(settled);

        // Only a stopped run leaves chunks unfinished. What they settled
        // stands; a request under way may have been carried out (unknown);
        // the rest were not sent, or were refused and not sent again.
        if let Some(reason) = stopped {
            tracing::warn!(%reason, "stopping the run");
            for (number, positions) in chunks.iter().enumerate() {
                if finished[number] {
                    continue;
                }
                let track = &tracks[number];
                let unsettled = track.phase() == Phase::Sent;
                let mut open: HashSet<usize> = positions.iter().copied().collect();
                for (index, outcome) in track.take() {
                    open.remove(&index);
                    invitations[index].outcome = outcome;
                }
                for &index in positions.iter().filter(|i| open.contains(i)) {
                    invitations[index].outcome = if unsettled {
                        Outcome::Unknown(reason.clone())
                    } else {
                        Outcome::Failed(reason.clone())
                    };
                }
            }
        }
        Ok(BulkReport { event, invitations })
    }

    /// Sends one chunk until every contact in it has an outcome, recording
    /// outcomes and where it stands in `track` as it goes (so a stopped run
    /// keeps what was learnt).
    async fn run_chunk(
        &self,
        event: EventId,
        mut pending: Vec<(usize, ContactId)>,
        options: &BulkOptions,
        number: u64,
        track: &Track,
    ) {
        let policy = &options.retry;
        let mut rng = policy.rng(number);
        let first_try = tokio::time::Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ids: Vec<ContactId> = pending.iter().map(|(_, c)| *c).collect();
            track.set_phase(Phase::Sent);
            let error = match self.send_invites(event, &ids, attempt).await {
                Ok(outcomes) => {
                    track.settle(pending.iter().map(|(i, _)| *i).zip(outcomes));
                    return;
                }
                Err(error) => Arc::new(error),
            };
            let decision = policy.decide(attempt, first_try.elapsed(), &error, &mut rng);

            if error.is_ambiguous() {
                tracing::debug!(%error, contacts = ids.len(), "request fate unknown; reconciling");
                // Let the request land and iVvy's list catch up with it.
                let wait = policy
                    .wait(attempt, &error, &mut rng)
                    .max(options.consistency_window);
                options
                    .sleep(
                        wait,
                        format!("checking which invitations landed, {}", wait_reason(&error)),
                    )
                    .await;
                match self.invited_among(event, &ids, policy).await {
                    Ok(found) => {
                        track.settle(
                            pending
                                .iter()
                                .filter(|(_, c)| found.contains(c))
                                .map(|(i, _)| (*i, Outcome::InvitedLinksUnknown)),
                        );
                        pending.retain(|(_, c)| !found.contains(c));
                        // The rest are known not to be invited.
                        track.set_phase(Phase::Between);
                        if pending.is_empty() {
                            return;
                        }
                        if decision == Decision::GiveUp {
                            track.settle_all(&pending, Outcome::Failed(error));
                            return;
                        }
                    }
                    Err(reconcile_error) => {
                        tracing::warn!(%error, %reconcile_error, "could not reconcile; outcomes unknown");
                        track.settle_all(&pending, Outcome::Unknown(error));
                        return;
                    }
                }
            } else if let (true, Decision::RetryAfter(wait)) = (error.is_retryable(), decision) {
                track.set_phase(Phase::Between);
                options.sleep(wait, wait_reason(&error)).await;
            } else {
                track.settle_all(&pending, Outcome::Failed(error));
                return;
            }
        }
    }

    /// Which of `contacts` the event's invitations hold. The set of contacts
    /// to look for is built only once the event turns out to have any.
    async fn invited_among(
        &self,
        event: EventId,
        contacts: &[ContactId],
        policy: &RetryPolicy,
    ) -> Result<HashSet<ContactId>, Error> {
        let mut wanted: Option<HashSet<ContactId>> = None;
        let mut found = HashSet::default();
        let mut invited = std::pin::pin!(self.invitations_with(event, None, policy.clone()));
        while let Some(invitation) = invited.try_next().await? {
            let wanted = wanted.get_or_insert_with(|| contacts.iter().copied().collect());
            if wanted.contains(&invitation.contact) {
                found.insert(invitation.contact);
            }
        }
        Ok(found)
    }
}

/// Where a chunk stands, for a run that stops before it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// Nothing sent yet.
    NotSent = 0,
    /// A request is under way, or its fate is not known yet.
    Sent = 1,
    /// Waiting to send again; what was sent is known not to be invited.
    Between = 2,
}

/// A chunk's outcomes so far, and its phase.
#[derive(Debug, Default)]
struct Track {
    phase: AtomicU8,
    settled: Mutex<Vec<(usize, Outcome)>>,
}

impl Track {
    fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            1 => Phase::Sent,
            2 => Phase::Between,
            _ => Phase::NotSent,
        }
    }

    fn settle(&self, outcomes: impl IntoIterator<Item = (usize, Outcome)>) {
        self.settled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(outcomes);
    }

    fn settle_all(&self, pending: &[(usize, ContactId)], outcome: Outcome) {
        self.settle(pending.iter().map(|(i, _)| (*i, outcome.clone())));
    }

    fn take(&self) -> Vec<(usize, Outcome)> {
        std::mem::take(&mut *self.settled.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sizes_are_refused() {
        for (options, field) in [
            (BulkOptions::new().chunk_size(0), "chunk_size"),
            (BulkOptions::new().concurrency(0), "concurrency"),
            (BulkOptions::new().max_attempts(0), "max_attempts"),
        ] {
            let e = options.check().expect_err("refused");
            assert_eq!(
                e.to_string(),
                format!("invalid input: {field}: must be at least 1")
            );
        }
    }

    #[test]
    fn debug_does_not_print_the_callback() {
        let options = BulkOptions::new().on_progress(|_| {});
        assert!(format!("{options:?}").contains("progress: true"));
    }
}
