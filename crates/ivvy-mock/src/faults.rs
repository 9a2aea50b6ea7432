//! Faults the fake server can inject, to test retries and reconciliation:
//! the [`Faults`] settings and the pure rules that say which request meets
//! which fault. Injecting them is `routes`'.

use std::time::Duration;

use crate::shapes::ReplyShape;

/// Which faults to inject. Counting starts at 1 with the first API request.
///
/// Each fault has one name: the method here, and the same words as a flag
/// of `ivvy mock` / `ivvy-mock` (`create_fail_after_work_every` is
/// `--create-fail-after-work-every`), with the flag's unit added where the
/// method takes a `Duration` (`list_lag` is `--list-lag-ms`).
///
/// ```
/// use std::time::Duration;
/// let faults = ivvy_mock::Faults::new()
///     .rate_limit_every(3)
///     .retry_after_secs(1)
///     .fail_after_work_every(4)
///     .delay(Duration::ZERO, Duration::from_millis(15));
/// assert_eq!(faults.rate_limit_every, Some(3));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Faults {
    /// Answer every Nth API request with 429 Too Many Requests, before any
    /// work or checks.
    pub rate_limit_every: Option<u64>,
    /// The `Retry-After` seconds sent with a 429, if any.
    pub retry_after_secs: Option<u64>,
    /// Fail every Nth inviteContacts call with a 500 *after* recording the
    /// invitations: an ambiguous failure.
    pub fail_after_work_every: Option<u64>,
    /// Fail every Nth addOrUpdateContact call with a 500 *after* adding or
    /// updating the contact: an ambiguous failure.
    pub create_fail_after_work_every: Option<u64>,
    /// getContactList ignores its `filter` and lists every contact, as a
    /// server that does not know a filter key might.
    pub ignore_contact_filters: bool,
    /// getInvitedContactList ignores its `filter` (`response`, say) and
    /// lists every invitation.
    pub ignore_listing_filters: bool,
    /// getInvitedContactList lists this event's invitations whatever event
    /// is asked for (each row's `eventId` says which), as a server that
    /// mixes events up might.
    pub lists_event: Option<u64>,
    /// Answer every Nth API request with an iVvy error body and HTTP 200.
    pub error_in_200_every: Option<u64>,
    /// Answer every Nth API request with an HTML 502 page, as a proxy would.
    pub html_502_every: Option<u64>,
    /// Delay every reply by a time between these bounds, varying from
    /// request to request, so concurrent replies come back out of order.
    pub delay: Option<(Duration, Duration)>,
    /// Refuse inviteContacts calls with more contacts than this.
    pub max_contacts_per_call: Option<usize>,
    /// Answer every API request with `307 Temporary Redirect` to this URL,
    /// as a misconfigured proxy or a captive portal would.
    pub redirect_to: Option<String>,
    /// Answer every API request with a 200 whose body is this many bytes of
    /// filler, streamed (never held whole), before any work.
    pub oversized_reply: Option<u64>,
    /// Answer every API request with a 200 whose body never ends.
    pub endless_reply: bool,
    /// getInvitedContactList claims 10^15 results and sends its first page
    /// again whatever `start` asks for.
    pub endless_listing: bool,
    /// getInvitedContactList claims 10^15 results and sends fresh, made-up
    /// invitations on every page: a listing that never ends and never
    /// repeats.
    pub endless_fresh_listing: bool,
    /// New invitations show in getInvitedContactList, and new contacts in
    /// getContactList, only this long after they are made, as a replicated
    /// store might.
    pub list_lag: Option<Duration>,
    /// Names, emails, dates and invitation links carry terminal escape
    /// sequences, C1 controls, bidi overrides and spreadsheet formulas.
    pub hostile_text: bool,
    /// inviteContacts and addOrUpdateContact replies are held this long
    /// *after* the work is done, so a client stopped meanwhile (killed, or
    /// timed out) leaves work it never heard of.
    pub reply_after_work: Option<Duration>,
    /// An account's request quota: a token bucket over all API requests,
    /// refilled at `per_second` up to `burst`; a request that finds it
    /// empty is answered 429 with `Retry-After` (whole seconds, rounded up).
    pub rate_limit: Option<RateLimit>,
    /// Replies in these shapes as well as the plain one (see
    /// [`ReplyShape`]).
    pub reply_shapes: Vec<ReplyShape>,
    /// A door closed for a while: from API request `after` on, every
    /// request for `closed` is answered 429 with the time left as
    /// `Retry-After` (see [`Lockout`]).
    pub lockout: Option<Lockout>,
    /// Queue every Nth `batch?action=run`, then answer it with a 500 (the
    /// ambiguous case: the batch runs).
    pub batch_run_fail_after_queuing_every: Option<u64>,
    /// Refuse every Nth `batch?action=run` with 24091, not queued.
    pub batch_not_saved_every: Option<u64>,
    /// Every Nth batch job does its work, then answers with a 500 inside
    /// the batch's results.
    pub batch_job_fail_after_work_every: Option<u64>,
    /// Each batch stops half way for this long (progress stalls).
    pub batch_stall: Option<Duration>,
    /// A finished batch's results (and progress) are kept this long, then
    /// the batch is not found (24115, 24105); iVvy keeps them two days.
    pub batch_results_expire: Option<Duration>,
    /// `results` before the end gives the jobs finished so far instead of
    /// 24114.
    pub batch_partial_results: bool,
    /// The rate limit counts each batch job as a request (a batch of 200
    /// jobs takes 200 of the quota), instead of each request.
    pub quota_counts_jobs: bool,
}

/// A lockout ([`Faults::lockout`]): iVvy refusing every request for a
/// while, saying until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// The API request (from 1) that closes the door.
    pub after: u64,
    /// How long it stays closed.
    pub closed: Duration,
    /// `Retry-After` as an HTTP date rather than seconds.
    pub as_date: bool,
}

/// A quota of requests per second with a burst (see [`Faults::rate_limit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, refilled continuously.
    pub per_second: f64,
    /// Requests the bucket holds when full.
    pub burst: u32,
}

impl Eq for RateLimit {}

/// The bucket of a [`RateLimit`]: tokens left, and when it was last
/// refilled. Pure: the caller passes the time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    at: std::time::Instant,
}

impl Bucket {
    pub(crate) fn full(limit: RateLimit, now: std::time::Instant) -> Self {
        Self {
            tokens: f64::from(limit.burst),
            at: now,
        }
    }

    /// Takes `extra` more tokens at once, into debt if need be (a batch's
    /// jobs, when the quota counts jobs): later requests wait until the
    /// debt is paid off at the limit's rate.
    pub(crate) fn charge(&mut self, extra: f64) {
        self.tokens -= extra;
    }

    /// Takes a token for a request at `now`; `Err` with the wait until
    /// the next token when there is none.
    pub(crate) fn take(
        &mut self,
        limit: RateLimit,
        now: std::time::Instant,
    ) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.per_second).min(f64::from(limit.burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / limit.per_second,
            ))
        }
    }
}

/// What the faults say about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrontFault {
    RateLimited,
    Html502,
    ErrorIn200,
}

impl Faults {
    /// True when batch run number `n` (from 1) fails after queuing.
    pub(crate) fn batch_run_fails(&self, n: u64) -> bool {
        every(n, self.batch_run_fail_after_queuing_every)
    }

    /// True when batch run number `n` is not saved.
    pub(crate) fn batch_not_saved(&self, n: u64) -> bool {
        every(n, self.batch_not_saved_every)
    }

    /// True when batch job number `n` (from 1) fails after its work.
    pub(crate) fn batch_job_fails(&self, n: u64) -> bool {
        every(n, self.batch_job_fail_after_work_every)
    }
}

fn every(n: u64, every: Option<u64>) -> bool {
    every.is_some_and(|k| k > 0 && n.is_multiple_of(k))
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers every `n`th API request with 429, before any work or checks.
    pub fn rate_limit_every(mut self, n: u64) -> Self {
        self.rate_limit_every = Some(n);
        self
    }

    /// Sends `Retry-After: secs` with each 429.
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Fails every `n`th inviteContacts call with a 500 after recording it.
    pub fn fail_after_work_every(mut self, n: u64) -> Self {
        self.fail_after_work_every = Some(n);
        self
    }

    /// Fails every `n`th addOrUpdateContact call with a 500 after doing it.
    pub fn create_fail_after_work_every(mut self, n: u64) -> Self {
        self.create_fail_after_work_every = Some(n);
        self
    }

    /// getContactList ignores its `filter`.
    pub fn ignore_contact_filters(mut self) -> Self {
        self.ignore_contact_filters = true;
        self
    }

    /// Answers every `n`th API request with an iVvy error body and HTTP 200.
    pub fn error_in_200_every(mut self, n: u64) -> Self {
        self.error_in_200_every = Some(n);
        self
    }

    /// Answers every `n`th API request with an HTML 502 page.
    pub fn html_502_every(mut self, n: u64) -> Self {
        self.html_502_every = Some(n);
        self
    }

    /// Delays every reply by a time between `min` and `max`.
    pub fn delay(mut self, min: Duration, max: Duration) -> Self {
        self.delay = Some((min, max));
        self
    }

    /// Refuses inviteContacts calls with more than `cap` contacts.
    pub fn max_contacts_per_call(mut self, cap: usize) -> Self {
        self.max_contacts_per_call = Some(cap);
        self
    }

    /// Answers every API request with a redirect to `url`.
    pub fn redirect_to(mut self, url: impl Into<String>) -> Self {
        self.redirect_to = Some(url.into());
        self
    }

    /// Answers every API request with `bytes` bytes of filler.
    pub fn oversized_reply(mut self, bytes: u64) -> Self {
        self.oversized_reply = Some(bytes);
        self
    }

    /// Answers every API request with a body that never ends.
    pub fn endless_reply(mut self) -> Self {
        self.endless_reply = true;
        self
    }

    /// Makes getInvitedContactList repeat one page without end.
    pub fn endless_listing(mut self) -> Self {
        self.endless_listing = true;
        self
    }

    /// Shows new invitations in listings only `lag` after they are made.
    pub fn list_lag(mut self, lag: Duration) -> Self {
        self.list_lag = Some(lag);
        self
    }

    /// Holds write replies `hold` after the work is done.
    pub fn reply_after_work(mut self, hold: Duration) -> Self {
        self.reply_after_work = Some(hold);
        self
    }

    /// Puts hostile text in names, emails, dates and links.
    pub fn hostile_text(mut self) -> Self {
        self.hostile_text = true;
        self
    }

    /// Sends replies in this shape too (see [`ReplyShape`]).
    pub fn reply_shape(mut self, shape: ReplyShape) -> Self {
        if !self.reply_shapes.contains(&shape) {
            self.reply_shapes.push(shape);
        }
        self
    }

    /// Closes the door at API request `after` (from 1) for `closed`: that
    /// request and every one arriving before the door opens get 429 with
    /// the time left as `Retry-After`, in seconds (rounded up) or, with
    /// `as_date`, as an HTTP date.
    pub fn lockout(mut self, after: u64, closed: Duration, as_date: bool) -> Self {
        self.lockout = Some(Lockout {
            after,
            closed,
            as_date,
        });
        self
    }

    /// Queues every Nth batch run, then answers it with a 500.
    pub fn batch_run_fail_after_queuing_every(mut self, n: u64) -> Self {
        self.batch_run_fail_after_queuing_every = Some(n);
        self
    }

    /// Refuses every Nth batch run with 24091, not queued.
    pub fn batch_not_saved_every(mut self, n: u64) -> Self {
        self.batch_not_saved_every = Some(n);
        self
    }

    /// Every Nth batch job does its work, then answers with a 500.
    pub fn batch_job_fail_after_work_every(mut self, n: u64) -> Self {
        self.batch_job_fail_after_work_every = Some(n);
        self
    }

    /// Stops each batch half way for `stall`.
    pub fn batch_stall(mut self, stall: Duration) -> Self {
        self.batch_stall = Some(stall);
        self
    }

    /// Keeps a finished batch's results only `keep` long.
    pub fn batch_results_expire(mut self, keep: Duration) -> Self {
        self.batch_results_expire = Some(keep);
        self
    }

    /// Answers `results` before the end with the jobs finished so far.
    pub fn batch_partial_results(mut self) -> Self {
        self.batch_partial_results = true;
        self
    }

    /// Counts each batch job against the rate limit, not each request.
    pub fn quota_counts_jobs(mut self) -> Self {
        self.quota_counts_jobs = true;
        self
    }

    /// Limits all API requests to `per_second`, with bursts of `burst`.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(RateLimit {
            per_second: per_second.max(f64::MIN_POSITIVE),
            burst: burst.max(1),
        });
        self
    }

    /// The fault that replaces request `n`'s reply, if any; rate limiting
    /// wins over a 502, which wins over an error in a 200.
    pub(crate) fn front(&self, n: u64) -> Option<FrontFault> {
        if every(n, self.rate_limit_every) {
            Some(FrontFault::RateLimited)
        } else if every(n, self.html_502_every) {
            Some(FrontFault::Html502)
        } else if every(n, self.error_in_200_every) {
            Some(FrontFault::ErrorIn200)
        } else {
            None
        }
    }

    /// True when invite call `n` fails after doing its work.
    pub(crate) fn fails_after_work(&self, n: u64) -> bool {
        every(n, self.fail_after_work_every)
    }

    /// True when addOrUpdateContact call `n` fails after its work.
    pub(crate) fn create_fails_after_work(&self, n: u64) -> bool {
        every(n, self.create_fail_after_work_every)
    }

    /// The delay for request `n`: spread over the bounds by a fixed hash, so
    /// runs repeat exactly.
    pub(crate) fn delay_for(&self, n: u64) -> Duration {
        let Some((min, max)) = self.delay else {
            return Duration::ZERO;
        };
        let span = max.saturating_sub(min).as_micros() as u64;
        if span == 0 {
            return min;
        }
        // splitmix64 step: a cheap, well-spread hash of the request number
        let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        min + Duration::from_micros(z % (span + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_request_and_priorities() {
        let faults = Faults::new()
            .rate_limit_every(3)
            .html_502_every(2)
            .error_in_200_every(5);
        let seen: Vec<Option<FrontFault>> = (1..=6).map(|n| faults.front(n)).collect();
        assert_eq!(
            seen,
            vec![
                None,
                Some(FrontFault::Html502),
                Some(FrontFault::RateLimited),
                Some(FrontFault::Html502),
                Some(FrontFault::ErrorIn200),
                Some(FrontFault::RateLimited),
            ]
        );
        assert_eq!(Faults::default().front(1), None);
    }

    #[test]
    fn the_bucket_refills_at_the_rate_up_to_the_burst() {
        let limit = RateLimit {
            per_second: 10.0,
            burst: 3,
        };
        let start = std::time::Instant::now();
        let mut bucket = Bucket::full(limit, start);
        for _ in 0..3 {
            assert_eq!(bucket.take(limit, start), Ok(()));
        }
        let wait = bucket.take(limit, start).expect_err("empty");
        assert_eq!(wait, Duration::from_millis(100));
        // 250 ms later two tokens have come back (not more: 2.5, floor 2).
        let later = start + Duration::from_millis(250);
        assert_eq!(bucket.take(limit, later), Ok(()));
        assert_eq!(bucket.take(limit, later), Ok(()));
        assert!(bucket.take(limit, later).is_err());
        // Long idle: full again, never more than the burst.
        let idle = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.take(limit, idle), Ok(()));
        }
        assert!(bucket.take(limit, idle).is_err());
    }

    #[test]
    fn delays_stay_within_bounds_and_vary() {
        let faults = Faults::new().delay(Duration::from_millis(1), Duration::from_millis(9));
        let delays: Vec<Duration> = (1..=50).map(|n| faults.delay_for(n)).collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= Duration::from_millis(1) && *d <= Duration::from_millis(9))
        );
        assert!(delays.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(faults.delay_for(7), faults.delay_for(7));
    }
}
