//! [`BulkOptions`]: the settings of a bulk invite that users tune, with
//! their defaults. The run's shared context is built from them
//! ([`BulkOptions::context`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::context::{Progress, ProgressFn, RunContext, Wait, WaitFn};
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet};
use crate::policy::retry::RetryPolicy;

#[cfg(doc)]
use crate::{client::Client, operations::invite::Outcome};

/// inviteContacts jobs in one batch, of the 200 iVvy allows: a batch's
/// results come back as one reply, read whole, and 50 jobs of 100
/// contacts keep that to 5,000 invitations. With 200 jobs, `ivvy invite
/// --batch` of 100,000 people peaked at up to 134 MiB, one reply alone
/// holding about 24 MB; with 50, at 115 MiB (`cargo xtask bench batch`,
/// BENCHMARKS.md). It costs three more batch requests per 20,000
/// contacts.
pub const INVITE_JOBS_A_BATCH: usize = 50;

/// What [`BulkOptions::on_batch`] calls.
pub(crate) type BatchFn = Arc<dyn Fn(EventId, &str, &[ContactId]) + Send + Sync>;
type SendFn = Arc<dyn Fn(EventId, &[ContactId]) + Send + Sync>;

/// Settings for [`Client::invite_many`].
#[derive(Clone)]
#[must_use]
pub struct BulkOptions {
    pub(crate) chunk_size: usize,
    pub(crate) concurrency: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_budget: Duration,
    consistency_window: Duration,
    drain_time: Duration,
    pub(crate) skip_invited: bool,
    pub(crate) known_invited: Arc<HashSet<ContactId>>,
    pub(crate) before_send: Option<SendFn>,
    pub(crate) batch: bool,
    pub(crate) on_batch: Option<BatchFn>,
    progress: Option<ProgressFn>,
    wait: Option<WaitFn>,
    cancel: Option<CancellationToken>,
}

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
            batch: false,
            on_batch: None,
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
            .field("batch", &self.batch)
            .field("on_batch", &self.on_batch.is_some())
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

    /// Options for testing one's own code against the fake server
    /// (`ivvy-mock`): no consistency window, no drain time, and back-off of
    /// at most 10 ms, so a test that meets a fault does not wait seconds.
    /// Never for real iVvy, whose lists may lag behind a write.
    ///
    /// ```
    /// let options = ivvy::BulkOptions::for_tests();
    /// assert!(format!("{options:?}").contains("consistency_window: 0ns"));
    /// ```
    pub fn for_tests() -> Self {
        Self::new()
            .consistency_window(Duration::ZERO)
            .drain_time(Duration::ZERO)
            .backoff(Duration::from_millis(1), Duration::from_millis(10))
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

    /// Sends the invites, the adds and the reads of the whole account
    /// through iVvy's batch namespace (default off: one request a call).
    /// Each invite request queues up to [`INVITE_JOBS_A_BATCH`]
    /// inviteContacts jobs of [`chunk_size`](Self::chunk_size) contacts
    /// ([`contacts_a_request`](Self::contacts_a_request)); the people
    /// path queues up to 200 addOrUpdateContact jobs (one person each), or
    /// 50 getContactList jobs (one page each), a request. Each batch's progress is read until
    /// it has run and its results are read back.
    ///
    /// The rules are the direct ones, per job: a batch whose `run` reply
    /// is unclear is never queued again blindly (after the consistency
    /// window the event's invitations are read, or each person looked
    /// up, and only what is missing is sent again); a job that failed is
    /// checked and re-sent the same way, or reported failed when iVvy
    /// refused it outright; a page a batch does not give back is read
    /// directly. Progress is read with a back-off from 50 ms to 2 s, each
    /// wait reported, for at most the [`retry_budget`](Self::retry_budget)
    /// (so a batch longer than the budget is left unfinished: raise the
    /// budget for very large batches); a batch still running then (or
    /// when the run is cancelled and its
    /// [`drain_time`](Self::drain_time) has passed) leaves its contacts
    /// [`Outcome::Unknown`](crate::Outcome::Unknown) and its people
    /// failed, never sent again. Whether a job counts against the
    /// account's quota is iVvy's to say (its pages do not): the client
    /// paces a batch as its jobs unless told otherwise
    /// ([`ClientBuilder::quota_counts_jobs`](crate::ClientBuilder::quota_counts_jobs));
    /// see the README's figures for both cases.
    pub fn batch(mut self, batch: bool) -> Self {
        self.batch = batch;
        self
    }

    /// Called with each batch's `asyncId` as soon as iVvy has queued it,
    /// before waiting for it (with [`batch`](Self::batch)): the place to
    /// record it, so a run killed while the batch runs can read its
    /// results later rather than send its contacts again. The wait begins
    /// after the call.
    pub fn on_batch(
        mut self,
        record: impl Fn(EventId, &str, &[ContactId]) + Send + Sync + 'static,
    ) -> Self {
        self.on_batch = Some(Arc::new(record));
        self
    }

    /// Contacts one invite request carries: [`chunk_size`](Self::chunk_size),
    /// or [`INVITE_JOBS_A_BATCH`] jobs of it with [`batch`](Self::batch).
    ///
    /// ```
    /// let options = ivvy::BulkOptions::new().chunk_size(100);
    /// assert_eq!(options.contacts_a_request(), 100);
    /// assert_eq!(options.batch(true).contacts_a_request(), 5_000);
    /// ```
    pub fn contacts_a_request(&self) -> usize {
        if self.batch {
            self.chunk_size.saturating_mul(INVITE_JOBS_A_BATCH)
        } else {
            self.chunk_size
        }
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

    /// The run's context: retries, concurrency, cancellation, reports, the
    /// consistency window and the drain time.
    pub(crate) fn context(&self) -> RunContext {
        RunContext::new(
            self.retry.clone(),
            self.concurrency,
            self.cancel.clone(),
            self.wait.clone(),
            self.progress.clone(),
            self.consistency_window,
            self.drain_time,
        )
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
