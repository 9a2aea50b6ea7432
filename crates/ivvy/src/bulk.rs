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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use tokio_util::sync::CancellationToken;

use crate::ids::IntoId;
use crate::invite::{HashSet, checked_event, distinct_contacts};
use crate::retry::{Decision, log_wait};
use crate::{Client, ContactId, Error, EventId, Invitation, Outcome, RetryPolicy};

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
    retry: RetryPolicy,
    skip_invited: bool,
    progress: Option<ProgressFn>,
    cancel: Option<CancellationToken>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            chunk_size: 100,
            concurrency: 4,
            retry: RetryPolicy::default(),
            skip_invited: true,
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
            .field("retry", &self.retry)
            .field("skip_invited", &self.skip_invited)
            .field("progress", &self.progress.is_some())
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

    fn report(&self, done: usize, total: usize) {
        if let Some(progress) = &self.progress {
            progress(Progress { done, total });
        }
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
    pub async fn invite_many<I>(
        &self,
        event: impl IntoId<EventId>,
        contacts: I,
        options: &BulkOptions,
    ) -> Result<BulkReport, Error>
    where
        I: IntoIterator,
        I::Item: IntoId<ContactId>,
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
        let chunk_count = pending.len().div_ceil(options.chunk_size);
        tracing::info!(event = %event, contacts = total, requests = chunk_count, "inviting");
        let mut settled_chunks = vec![false; chunk_count];

        let started_flags: Arc<[AtomicBool]> =
            (0..chunk_count).map(|_| AtomicBool::new(false)).collect();
        let mut settled = stream::iter(pending.chunks(options.chunk_size).enumerate())
            .map(|(number, positions)| {
                started_flags[number].store(true, Ordering::Relaxed);
                let chunk = positions.iter().map(|&i| (i, contacts[i])).collect();
                let run = self.run_chunk(event, chunk, options, number as u64);
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
            options.report(done, total);
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
        number: u64,
    ) -> Vec<(usize, Outcome)> {
        let policy = &options.retry;
        let mut rng = policy.rng(number);
        let mut settled = Vec::with_capacity(pending.len());
        let first_try = tokio::time::Instant::now();
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
            let decision = policy.decide(attempt, first_try.elapsed(), &error, &mut rng);

            if error.is_ambiguous() {
                tracing::debug!(%error, contacts = ids.len(), "request fate unknown; reconciling");
                // Give a request that is still being processed time to land.
                let wait = policy.wait(attempt, &error, &mut rng);
                log_wait(wait, &error);
                tokio::time::sleep(wait).await;
                match self.invited_among(event, &ids, policy).await {
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
                        if decision == Decision::GiveUp {
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
            } else if let (true, Decision::RetryAfter(wait)) = (error.is_retryable(), decision) {
                log_wait(wait, &error);
                tokio::time::sleep(wait).await;
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
        policy: &RetryPolicy,
    ) -> Result<HashSet<ContactId>, Error> {
        let mut wanted: Option<HashSet<ContactId>> = None;
        let mut found = HashSet::default();
        let mut invited = std::pin::pin!(self.invitations_with(event, policy.clone()));
        while let Some(invitation) = invited.try_next().await? {
            let wanted = wanted.get_or_insert_with(|| contacts.iter().copied().collect());
            if wanted.contains(&invitation.contact) {
                found.insert(invitation.contact);
            }
        }
        Ok(found)
    }
}

fn settle_all(
    settled: &mut Vec<(usize, Outcome)>,
    pending: &[(usize, ContactId)],
    outcome: Outcome,
) {
    settled.extend(pending.iter().map(|(i, _)| (*i, outcome.clone())));
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
