//! Inviting long lists: the orchestration only. Splits the list into
//! chunks, keeps up to 4 × `concurrency` of them under way with at most
//! `concurrency` requests in flight, and settles every contact.
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

use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
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
type SendFn = Arc<dyn Fn(EventId, &[ContactId]) + Send + Sync>;

/// Settings for [`Client::invite_many`].
#[derive(Clone)]
#[must_use]
pub struct BulkOptions {
    chunk_size: usize,
    pub(crate) concurrency: usize,
    pub(crate) retry: RetryPolicy,
    retry_budget: Duration,
    pub(crate) consistency_window: Duration,
    pub(crate) drain_time: Duration,
    skip_invited: bool,
    known_invited: Arc<HashSet<ContactId>>,
    before_send: Option<SendFn>,
    progress: Option<ProgressFn>,
    wait: Option<WaitFn>,
    pub(crate) cancel: Option<CancellationToken>,
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
/// Default [`BulkOptions::drain_time`]: 10 s for requests under way when
/// a run is cancelled.
pub const DEFAULT_DRAIN_TIME: Duration = Duration::from_secs(10);
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
            drain_time: DEFAULT_DRAIN_TIME,
            skip_invited: true,
            known_invited: Arc::default(),
            before_send: None,
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
            .field("drain_time", &self.drain_time)
            .field("skip_invited", &self.skip_invited)
            .field("known_invited", &self.known_invited.len())
            .field("before_send", &self.before_send.is_some())
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
    /// reported not invited ([`Outcome::Failed`] when refused,
    /// [`Outcome::NotSent`] when never sent, both with
    /// [`Error::RetryBudgetSpent`]), or checked against the event's
    /// invitations when their request was under way.
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

    /// How long a cancelled run waits for the requests under way to finish
    /// (default 10 s); those still under way then are checked against the
    /// event's invitations.
    pub fn drain_time(mut self, time: Duration) -> Self {
        self.drain_time = time;
        self
    }

    /// Read the event's invitations first and skip contacts already invited
    /// (default true), so running the same list twice invites nobody twice.
    pub fn skip_invited(mut self, skip: bool) -> Self {
        self.skip_invited = skip;
        self
    }

    /// Contacts known to be invited to the event already, from a record
    /// kept outside iVvy (an earlier run's journal): they settle as
    /// [`Outcome::AlreadyInvited`] without being sent or looked for. When
    /// every contact of the run is known, the event's invitations are not
    /// read at all.
    pub fn already_invited(mut self, contacts: impl IntoIterator<Item = ContactId>) -> Self {
        self.known_invited = Arc::new(contacts.into_iter().collect());
        self
    }

    /// Called just before each inviteContacts request is sent (every
    /// attempt), with the event and the request's contacts: the place to
    /// write a write-ahead record, so that a run killed while the request
    /// is under way leaves a trace of it. The request waits for the call.
    pub fn before_send(
        mut self,
        record: impl Fn(EventId, &[ContactId]) + Send + Sync + 'static,
    ) -> Self {
        self.before_send = Some(Arc::new(record));
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

    /// Stops the run when the token is cancelled: no new request starts,
    /// requests under way get [`drain_time`](Self::drain_time) to finish,
    /// and every contact still gets its outcome ([`Outcome::NotSent`] for
    /// those never sent; [`Outcome::Unknown`] only where a request was under
    /// way and the event's invitations do not show the contact).
    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
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

/// Counts per outcome of a bulk run ([`Client::invite_each`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
    fn count(&mut self, outcome: &Outcome) {
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

/// A run's contacts and the outcomes not handed over yet: outcomes wait
/// here only until every earlier contact has one, then go out in input
/// order.
struct Settling {
    event: EventId,
    contacts: Vec<ContactId>,
    already: Vec<bool>,
    ready: std::collections::HashMap<usize, Outcome>,
    /// The next position to hand over.
    cursor: usize,
    summary: BulkSummary,
}

impl Settling {
    fn new(event: EventId, contacts: Vec<ContactId>) -> Self {
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

    fn mark_already(&mut self, found: &HashSet<ContactId>) {
        for (flag, contact) in self.already.iter_mut().zip(&self.contacts) {
            *flag |= found.contains(contact);
        }
    }

    /// Positions still to send: not already invited, not settled.
    fn positions_left(&self) -> impl Iterator<Item = usize> + '_ {
        (self.cursor..self.contacts.len())
            .filter(|&i| !self.already[i] && !self.ready.contains_key(&i))
    }

    fn settle(&mut self, outcomes: impl IntoIterator<Item = (usize, Outcome)>) {
        self.ready.extend(outcomes);
    }

    /// Hands over every outcome whose earlier contacts all have theirs.
    fn emit(&mut self, each: &mut (dyn FnMut(Vec<Invitation>) + Send)) {
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
        mut each: impl FnMut(Vec<Invitation>) + Send,
    ) -> Result<BulkSummary, Error> {
        options.check()?;
        let event = checked_event(event)?;
        let contacts = distinct_contacts(contacts)?;
        let span = tracing::info_span!(
            "ivvy.invite_many",
            event = event.get(),
            contacts = contacts.len()
        );
        self.run_bulk(event, contacts, options, &mut each)
            .instrument(span)
            .await
    }

    /// The run itself, for checked input.
    async fn run_bulk(
        &self,
        event: EventId,
        contacts: Vec<ContactId>,
        options: &BulkOptions,
        each: &mut (dyn FnMut(Vec<Invitation>) + Send),
    ) -> Result<BulkSummary, Error> {
        let total = contacts.len();
        let cancel = options.cancel.clone().unwrap_or_default();
        let mut run = Settling::new(event, contacts);
        run.mark_already(&options.known_invited);

        // Contacts not known from the record are looked for on the server.
        if options.skip_invited && run.positions_left().next().is_some() {
            let read = self.invited_among(event, &run.contacts, &options.retry);
            let already = tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    // Nothing was sent: every contact gets its row.
                    let reason = Arc::new(Error::Cancelled);
                    let batch = run.positions_left().map(|i| (i, Outcome::NotSent(reason.clone()))).collect::<Vec<_>>();
                    run.settle(batch);
                    run.emit(each);
                    return Ok(run.summary);
                }
                already = read => already?,
            };
            run.mark_already(&already);
        }
        run.emit(each);
        options.report(run.summary.settled(), total);

        // Positions still to send, in input order; chunk n is
        // pending[n * chunk_size..][..chunk_size].
        let pending: Vec<usize> = run.positions_left().collect();
        let chunks: Vec<&[usize]> = pending.chunks(options.chunk_size).collect();
        tracing::info!(event = %event, contacts = total, requests = chunks.len(), "inviting");
        let tracks: Vec<Track> = chunks.iter().map(|_| Track::default()).collect();
        let mut finished = vec![false; chunks.len()];
        // Chunks may run ahead of the first unfinished one by this many, so
        // results wait in memory for at most this many chunks.
        let window = options.concurrency.saturating_mul(4);
        // Requests in flight are bounded here, not chunks under way: a chunk
        // waiting out a Retry-After holds no place, so the others go on.
        let sending = tokio::sync::Semaphore::new(options.concurrency);
        let mut running = FuturesUnordered::new();
        let mut next = 0;
        let mut deadline = tokio::time::Instant::now() + options.retry_budget;
        let mut stop: Option<(Arc<Error>, tokio::time::Instant)> = None;

        // The first unfinished chunk; it only moves forward.
        let mut head = 0;
        loop {
            while head < chunks.len() && finished[head] {
                head += 1;
            }
            while stop.is_none()
                && !cancel.is_cancelled()
                && running.len() < window
                && next < chunks.len()
                && next < head + window
            {
                let chunk: Vec<_> = chunks[next].iter().map(|&i| (i, run.contacts[i])).collect();
                let span = tracing::info_span!("ivvy.chunk", number = next, contacts = chunk.len());
                let number = next;
                let work = self
                    .run_chunk(
                        event,
                        chunk,
                        options,
                        number as u64,
                        &tracks[number],
                        &sending,
                    )
                    .instrument(span);
                running.push(async move {
                    work.await;
                    number
                });
                next += 1;
            }
            if running.is_empty() {
                break;
            }
            // After a stop, requests under way get until the drain deadline.
            let until = stop.as_ref().map_or(deadline, |(_, drain)| *drain);
            let settled = tokio::select! {
                biased;
                () = cancel.cancelled(), if stop.is_none() => {
                    tracing::warn!("interrupted: sending nothing more, waiting for requests under way");
                    stop = Some((Arc::new(Error::Cancelled), tokio::time::Instant::now() + options.drain_time));
                    continue;
                }
                () = tokio::time::sleep_until(until) => {
                    match stop {
                        // The drain time is up.
                        Some(_) => break,
                        None => {
                            tracing::warn!(budget_s = options.retry_budget.as_secs(), "no request succeeded within the retry budget; stopping");
                            stop = Some((
                                Arc::new(Error::RetryBudgetSpent { budget: options.retry_budget }),
                                tokio::time::Instant::now(),
                            ));
                            break;
                        }
                    }
                }
                settled = running.next() => settled,
            };
            let Some(number) = settled else { break };
            finished[number] = true;
            let outcomes = tracks[number].take();
            if outcomes
                .iter()
                .any(|(_, o)| !matches!(o, Outcome::Failed(_) | Outcome::Unknown(_)))
            {
                deadline = tokio::time::Instant::now() + options.retry_budget;
            }
            run.settle(outcomes);
            run.emit(each);
            options.report(run.summary.settled(), total);
        }
        drop(running);
        // A token cancelled before the loop noticed leaves chunks unstarted
        // with no stop recorded: they still need their rows.
        if stop.is_none() && finished.iter().any(|done| !done) {
            stop = Some((Arc::new(Error::Cancelled), tokio::time::Instant::now()));
        }

        if let Some((reason, _)) = stop {
            self.settle_stopped(
                event, &chunks, &finished, &tracks, &mut run, reason, options,
            )
            .await;
            run.emit(each);
            options.report(run.summary.settled(), total);
        }
        Ok(run.summary)
    }

    /// Gives every contact of the chunks a stopped run left unfinished its
    /// row: what the chunk settled stands; a request that may have been
    /// carried out is checked against the event's invitations (invited, or
    /// unknown); what was refused or never sent is said so.
    #[allow(clippy::too_many_arguments)] // the run's state, handed over once
    async fn settle_stopped(
        &self,
        event: EventId,
        chunks: &[&[usize]],
        finished: &[bool],
        tracks: &[Track],
        run: &mut Settling,
        reason: Arc<Error>,
        options: &BulkOptions,
    ) {
        let mut in_doubt = Vec::new();
        for (number, positions) in chunks.iter().enumerate() {
            if finished[number] {
                continue;
            }
            let track = &tracks[number];
            let phase = track.phase();
            let settled = track.take();
            let mut open: HashSet<usize> = positions.iter().copied().collect();
            for (index, _) in &settled {
                open.remove(index);
            }
            run.settle(settled);
            for &index in positions.iter().filter(|i| open.contains(i)) {
                match phase {
                    Phase::Sent => in_doubt.push(index),
                    Phase::Between => run.settle([(index, Outcome::Failed(reason.clone()))]),
                    Phase::NotSent => run.settle([(index, Outcome::NotSent(reason.clone()))]),
                }
            }
        }
        if in_doubt.is_empty() {
            return;
        }
        let ids: Vec<ContactId> = in_doubt.iter().map(|&i| run.contacts[i]).collect();
        // A stopped run checks within its drain time, in all.
        let policy = options.retry.clone().max_retry_time(options.drain_time);
        let found = match tokio::time::timeout(
            options.drain_time,
            self.invited_among(event, &ids, &policy),
        )
        .await
        {
            Ok(found) => found,
            Err(_) => Err(Error::Cancelled),
        };
        for (&index, contact) in in_doubt.iter().zip(&ids) {
            let outcome = match &found {
                Ok(found) if found.contains(contact) => Outcome::InvitedLinksUnknown,
                _ => Outcome::Unknown(reason.clone()),
            };
            run.settle([(index, outcome)]);
        }
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
        sending: &tokio::sync::Semaphore,
    ) {
        let policy = &options.retry;
        let mut rng = policy.rng(number);
        let first_try = tokio::time::Instant::now();
        let cancel = options.cancel.clone().unwrap_or_default();
        let mut attempt = 0;
        loop {
            // A cancelled run sends nothing more: what is still pending was
            // never sent, refused, or found missing, so it is known not
            // invited, and is not sent again.
            let permit = tokio::select! {
                biased;
                () = cancel.cancelled() => None,
                permit = sending.acquire() => permit.ok(),
            };
            let Some(permit) = permit.filter(|_| !cancel.is_cancelled()) else {
                track.settle_all(&pending, Outcome::NotSent(Arc::new(Error::Cancelled)));
                return;
            };
            attempt += 1;
            let ids: Vec<ContactId> = pending.iter().map(|(_, c)| *c).collect();
            if let Some(record) = &options.before_send {
                record(event, &ids);
            }
            track.set_phase(Phase::Sent);
            let sent_at = tokio::time::Instant::now();
            let sent = self.send_invites(event, &ids, attempt).await;
            drop(permit);
            let error = match sent {
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
                // A read is a request in flight too.
                let reading = sending.acquire().await;
                let found = self.invited_among(event, &ids, policy).await;
                drop(reading);
                match found {
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
                // A 429 under the adaptive throttle is sent again when the
                // throttle allows: it already holds every request to the rate
                // it measured (see `AdaptiveRate`).
                let paced = self.shared.throttle.paces_refusals(&error);
                if paced && self.shared.throttle.succeeded_since(sent_at) {
                    // Other requests get through: the quota is pacing, not
                    // refusing, so no attempt is used up (the request's
                    // retry time still bounds it).
                    attempt -= 1;
                    if first_try.elapsed() > policy.retry_time() {
                        track.settle_all(&pending, Outcome::Failed(error));
                        return;
                    }
                }
                // A paced re-send waits in the throttle, not here, and is
                // not shown as a wait.
                if !paced {
                    tokio::select! {
                        () = options.sleep(wait, wait_reason(&error)) => {}
                        () = cancel.cancelled() => {}
                    }
                }
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
