//! Inviting long lists: chunks, concurrency, safe retries, reconciliation.
//!
//! inviteContacts is not idempotent, so a request whose fate is unknown (a
//! 5xx, a timeout, a broken connection, a reply that does not match) is never
//! sent again blindly: the event's invitations are read first, the contacts
//! found there are marked invited, and only the rest are sent again.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;

use crate::invite::{HashSet, checked_event, distinct_contacts};
use crate::invited::next_start;
use crate::{Client, ContactId, Error, EventId, InvalidId, Invitation, Outcome};

/// How far a bulk invite has got: contacts with a final outcome, of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    max_attempts: u32,
    max_retry_time: Duration,
    base_delay: Duration,
    max_delay: Duration,
    skip_invited: bool,
    seed: Option<u64>,
    progress: Option<ProgressFn>,
    cancel: Option<CancellationToken>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            chunk_size: 100,
            concurrency: 4,
            max_attempts: 6,
            max_retry_time: Duration::from_secs(120),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            skip_invited: true,
            seed: None,
            progress: None,
            cancel: None,
        }
    }
}

impl fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkOptions")
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("max_retry_time", &self.max_retry_time)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("skip_invited", &self.skip_invited)
            .field("seed", &self.seed)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

impl BulkOptions {
    /// The defaults: 100 contacts a request, 4 requests at once, up to 6
    /// attempts and 2 minutes of retrying per request, back-off from 250 ms
    /// to 20 s, contacts already invited to the event skipped.
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

    /// Attempts per request, the first included (default 6).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Time after a request's first attempt past which it is not retried
    /// (default 2 minutes), measured on the client's clock.
    pub fn max_retry_time(mut self, time: Duration) -> Self {
        self.max_retry_time = time;
        self
    }

    /// Back-off bounds: the first retry waits up to `base`, doubling per
    /// attempt, never more than `max` (defaults 250 ms and 20 s). A
    /// `Retry-After` from iVvy is honoured, capped at `max`.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// Read the event's invitations first and skip contacts already invited
    /// (default true), so running the same list twice invites nobody twice.
    pub fn skip_invited(mut self, skip: bool) -> Self {
        self.skip_invited = skip;
        self
    }

    /// Seeds the back-off jitter, so a run's delays can be reproduced.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Called with the progress after each request settles.
    pub fn on_progress(mut self, progress: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
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
        if self.max_attempts == 0 {
            return Err(Error::invalid("max_attempts", "must be at least 1"));
        }
        Ok(())
    }

    /// Full-jitter exponential back-off, or the server's `Retry-After`.
    fn delay(&self, attempt: u32, error: &Error, rng: &mut fastrand::Rng) -> Duration {
        if let Some(after) = error.api().and_then(|api| api.retry_after) {
            return after.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        ceiling.mul_f64(rng.f64())
    }
}

/// The result of [`Client::invite_many`]: one invitation per distinct
/// contact, in the order given.
#[derive(Debug, Clone)]
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
    pub async fn invite_many<E, I>(
        &self,
        event: E,
        contacts: I,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error>
    where
        E: TryInto<EventId>,
        E::Error: Into<InvalidId>,
        I: IntoIterator,
        I::Item: TryInto<ContactId>,
        <I::Item as TryInto<ContactId>>::Error: Into<InvalidId>,
    {
        options.check()?;
        let event = checked_event(event)?;
        let contacts = distinct_contacts(contacts)?;
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
        let seed = options.seed.unwrap_or_else(|| fastrand::u64(..));

        if options.skip_invited {
            let mut rng = fastrand::Rng::with_seed(seed);
            let already = self
                .invited_among(event, &contacts, options, &mut rng)
                .await?;
            for invitation in &mut invitations {
                if already.contains(&invitation.contact) {
                    invitation.outcome = Outcome::AlreadyInvited;
                    done += 1;
                }
            }
        }
        report_progress(options, done, total);

        // Positions of the contacts still to send; chunk n is
        // pending[n * chunk_size..][..chunk_size].
        let pending: Vec<usize> = invitations
            .iter()
            .enumerate()
            .filter(|(_, i)| !matches!(i.outcome, Outcome::AlreadyInvited))
            .map(|(i, _)| i)
            .collect();
        let chunk_count = pending.len().div_ceil(options.chunk_size);
        tracing::info!(event = %event, contacts = total, requests = chunk_count, "inviting");
        let mut settled_chunks = vec![false; chunk_count];

        let started_flags: Arc<[AtomicBool]> =
            (0..chunk_count).map(|_| AtomicBool::new(false)).collect();
        let mut settled = stream::iter(pending.chunks(options.chunk_size).enumerate())
            .map(|(number, positions)| {
                started_flags[number].store(true, Ordering::Relaxed);
                let chunk = positions.iter().map(|&i| (i, contacts[i])).collect();
                let rng = fastrand::Rng::with_seed(seed ^ number as u64);
                let run = self.run_chunk(event, chunk, options, rng);
                async move { (number, run.await) }
            })
            .buffer_unordered(options.concurrency);

        let cancel = options.cancel.clone().unwrap_or_default();
        loop {
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                next = settled.next() => next,
            };
            let Some((number, results)) = next else { break };
            settled_chunks[number] = true;
            for (index, outcome) in results {
                invitations[index].outcome = outcome;
                done += 1;
            }
            report_progress(options, done, total);
        }
        drop(settled);

        // Only a cancelled run leaves chunks unsettled. Those that started
        // may have been carried out: unknown, never invited. Those that did
        // not start were not sent.
        let cancelled_error = Arc::new(Error::Cancelled);
        for (number, positions) in pending.chunks(options.chunk_size).enumerate() {
            if settled_chunks[number] {
                continue;
            }
            let outcome = if started_flags[number].load(Ordering::Relaxed) {
                Outcome::Unknown(cancelled_error.clone())
            } else {
                Outcome::Failed(cancelled_error.clone())
            };
            for &i in positions {
                invitations[i].outcome = outcome.clone();
            }
        }
        Ok(BulkReport { event, invitations })
    }

    /// Sends one chunk until every contact in it has an outcome.
    async fn run_chunk(
        &self,
        event: EventId,
        mut pending: Vec<(usize, ContactId)>,
        options: &BulkOptions,
        mut rng: fastrand::Rng,
    ) -> Vec<(usize, Outcome)> {
        let mut settled = Vec::with_capacity(pending.len());
        let first_try = self.shared.clock.now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ids: Vec<ContactId> = pending.iter().map(|(_, c)| *c).collect();
            let error = match self.send_invites(event, &ids).await {
                Ok(outcomes) => {
                    settled.extend(pending.iter().map(|(i, _)| *i).zip(outcomes));
                    return settled;
                }
                Err(error) => Arc::new(error),
            };
            let elapsed = self
                .shared
                .clock
                .now()
                .duration_since(first_try)
                .unwrap_or_default();
            let may_retry = attempt < options.max_attempts && elapsed < options.max_retry_time;

            if error.is_ambiguous() {
                tracing::debug!(%error, contacts = ids.len(), "request fate unknown; reconciling");
                // Give a request that is still being processed time to land.
                tokio::time::sleep(options.delay(attempt, &error, &mut rng)).await;
                match self.invited_among(event, &ids, options, &mut rng).await {
                    Ok(found) => {
                        pending.retain(|(i, c)| {
                            let invited = found.contains(c);
                            if invited {
                                settled.push((*i, Outcome::InvitedLinksUnknown));
                            }
                            !invited
                        });
                        if pending.is_empty() {
                            return settled;
                        }
                        if !may_retry {
                            // Reconciled: the rest are known not to be invited.
                            settle_all(&mut settled, &pending, Outcome::Failed(error));
                            return settled;
                        }
                    }
                    Err(reconcile_error) => {
                        tracing::warn!(%error, %reconcile_error, "could not reconcile; outcomes unknown");
                        settle_all(&mut settled, &pending, Outcome::Unknown(error));
                        return settled;
                    }
                }
            } else if error.is_retryable() && may_retry {
                tracing::debug!(%error, attempt, "retrying");
                tokio::time::sleep(options.delay(attempt, &error, &mut rng)).await;
            } else {
                settle_all(&mut settled, &pending, Outcome::Failed(error));
                return settled;
            }
        }
    }

    /// Which of `contacts` the event's invitations hold. The set of contacts
    /// to look for is built only once the event turns out to have any.
    async fn invited_among(
        &self,
        event: EventId,
        contacts: &[ContactId],
        options: &BulkOptions,
        rng: &mut fastrand::Rng,
    ) -> Result<HashSet<ContactId>, Error> {
        let mut wanted: Option<HashSet<ContactId>> = None;
        let mut found = HashSet::default();
        self.walk_invitations(event, options, rng, |invited| {
            let wanted = wanted.get_or_insert_with(|| contacts.iter().copied().collect());
            found.extend(
                invited
                    .iter()
                    .map(|c| c.contact)
                    .filter(|c| wanted.contains(c)),
            );
        })
        .await?;
        Ok(found)
    }

    /// Reads every page of the event's invitations, handing each non-empty
    /// page to `on_page`. Each page is retried on its own (reading is safe to
    /// repeat) within the same limits, so a long listing survives the odd 429.
    async fn walk_invitations(
        &self,
        event: EventId,
        options: &BulkOptions,
        rng: &mut fastrand::Rng,
        mut on_page: impl FnMut(&[crate::InvitedContact]),
    ) -> Result<(), Error> {
        let mut start = 0;
        loop {
            let mut attempt = 0;
            let page = loop {
                attempt += 1;
                match self.invitation_page(event, start).await {
                    Ok(page) => break page,
                    Err(error)
                        if attempt < options.max_attempts
                            && (error.is_retryable() || error.is_ambiguous()) =>
                    {
                        tokio::time::sleep(options.delay(attempt, &error, rng)).await;
                    }
                    Err(error) => return Err(error),
                }
            };
            if !page.contacts.is_empty() {
                on_page(&page.contacts);
            }
            start = next_start(start, page.contacts.len());
            if start >= page.total {
                return Ok(());
            }
        }
    }
}

fn settle_all(
    settled: &mut Vec<(usize, Outcome)>,
    pending: &[(usize, ContactId)],
    outcome: Outcome,
) {
    settled.extend(pending.iter().map(|(i, _)| (*i, outcome.clone())));
}

fn report_progress(options: &BulkOptions, done: usize, total: usize) {
    if let Some(progress) = &options.progress {
        progress(Progress { done, total });
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
    fn backoff_doubles_within_bounds_and_is_reproducible() {
        let options =
            BulkOptions::new().backoff(Duration::from_millis(100), Duration::from_millis(350));
        let error = Error::Cancelled;
        let mut a = fastrand::Rng::with_seed(7);
        let mut b = fastrand::Rng::with_seed(7);
        for attempt in 1..=6 {
            let ceiling =
                Duration::from_millis(100 * 2_u64.pow(attempt - 1)).min(Duration::from_millis(350));
            let delay = options.delay(attempt, &error, &mut a);
            assert!(
                delay <= ceiling,
                "attempt {attempt}: {delay:?} > {ceiling:?}"
            );
            assert_eq!(delay, options.delay(attempt, &error, &mut b));
        }
    }

    #[test]
    fn debug_does_not_print_the_callback() {
        let options = BulkOptions::new().on_progress(|_| {});
        assert!(format!("{options:?}").contains("progress: true"));
    }
}
