//! How long to wait before a failed request is tried again, and when to
//! give up: the [`RetryPolicy`], and the one loop that applies it to reads.
//!
//! The policy is pure (it decides from the attempt number, the time spent
//! and the error); the loop only sleeps and calls again. Whether a request
//! may be tried again at all is [`classify`](super::classify)'s.

use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::policy::classify::{is_refusal, retry_after};

/// How failed requests are retried.
///
/// The rules:
/// - a request is tried at most [`max_attempts`](Self::max_attempts) times,
///   the first included (default 6); a **refusal** (a 429, or a 503 with
///   `Retry-After`) is not counted among them: the request was not taken,
///   and only time bounds it;
/// - no new attempt starts later than [`max_retry_time`](Self::max_retry_time)
///   after the first one (default 2 minutes): a wait that would end past
///   it is not begun (a bulk run bounds refused invites by its own
///   [retry budget](crate::BulkOptions::retry_budget) instead);
/// - before attempt *n + 1* it waits the server's `Retry-After` when the
///   reply gave one (seconds or an HTTP date): a floor, never shortened;
///   otherwise a random time between zero and `min(base × 2^(n-1), max)`
///   ("full jitter"; defaults 250 ms and 20 s), *n* counting refusals too;
/// - the jitter is random unless [seeded](Self::jitter_seed), so a run's
///   waits can be reproduced;
/// - times are measured and slept on tokio's clock, so
///   `tokio::time::pause` makes them exact in tests (the wall
///   [`Clock`](crate::Clock) only dates requests).
///
/// ```
/// use std::time::Duration;
/// let policy = ivvy::RetryPolicy::new()
///     .max_attempts(4)
///     .backoff(Duration::from_millis(100), Duration::from_secs(5));
/// assert_eq!(policy.attempts(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    max_retry_time: Duration,
    base_delay: Duration,
    max_delay: Duration,
    seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            max_retry_time: Duration::from_secs(120),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            seed: None,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop: the attempts or the time are used up.
    GiveUp,
}

impl RetryPolicy {
    /// The defaults: 6 attempts within 2 minutes, back-off from 250 ms to 20 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attempts per request, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Time after a request's first attempt past which no new attempt starts.
    pub fn max_retry_time(mut self, time: Duration) -> Self {
        self.max_retry_time = time;
        self
    }

    /// Back-off bounds: the first retry waits up to `base`, doubling per
    /// attempt, never more than `max`. A `Retry-After` is waited in full,
    /// whatever `max` is.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// Seeds the jitter, so the waits can be reproduced.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The attempts allowed per request.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::invalid("max_attempts", "must be at least 1"));
        }
        Ok(())
    }

    /// A jitter source for one stream of retries; `stream` tells streams
    /// apart so seeded runs stay reproducible however tasks interleave.
    pub(crate) fn rng(&self, stream: u64) -> fastrand::Rng {
        match self.seed {
            Some(seed) => fastrand::Rng::with_seed(seed ^ stream),
            None => fastrand::Rng::new(),
        }
    }

    /// Decides what follows failed attempt number `attempt` (from 1; of
    /// them, `refusals` were refused), made `elapsed` after the first, that
    /// failed with `error`.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        refusals: u32,
        elapsed: Duration,
        error: &Error,
        rng: &mut fastrand::Rng,
    ) -> Decision {
        if attempt.saturating_sub(refusals) >= self.max_attempts {
            return Decision::GiveUp;
        }
        let wait = self.wait(attempt, error, rng);
        if elapsed.saturating_add(wait) > self.max_retry_time {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(wait)
    }

    /// The wait before the attempt after `attempt`: `Retry-After` (a
    /// floor, whatever its length), or full-jitter exponential back-off.
    pub(crate) fn wait(&self, attempt: u32, error: &Error, rng: &mut fastrand::Rng) -> Duration {
        if let Some(after) = retry_after(error) {
            return after;
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        ceiling.mul_f64(rng.f64())
    }

    /// Runs `attempt` (given its number, from 1) until it succeeds, fails
    /// with an error `retry` does not accept, or the policy gives up;
    /// tells `report` each wait and its reason before sleeping it.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        rng: &mut fastrand::Rng,
        report: &(dyn Fn(Duration, &str) + Sync),
        retry: impl Fn(&Error) -> bool,
        mut attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let first = tokio::time::Instant::now();
        let mut number = 0;
        let mut refusals = 0;
        loop {
            number += 1;
            let error = match attempt(number).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !retry(&error) {
                return Err(error);
            }
            if is_refusal(&error) {
                refusals += 1;
            }
            match self.decide(number, refusals, first.elapsed(), &error, rng) {
                Decision::GiveUp => return Err(error),
                Decision::RetryAfter(wait) => {
                    report(wait, &wait_reason(&error));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Why a retry waits, in words: iVvy's own request, or the error.
pub(crate) fn wait_reason(error: &Error) -> String {
    match error.api().filter(|api| api.retry_after.is_some()) {
        Some(api) => format!("iVvy asked us to wait (HTTP {})", api.status.as_u16()),
        None => format!("after: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds_and_is_reproducible() {
        let policy = RetryPolicy::new()
            .backoff(Duration::from_millis(100), Duration::from_millis(350))
            .jitter_seed(7);
        let error = Error::Cancelled;
        let (mut a, mut b) = (policy.rng(1), policy.rng(1));
        for attempt in 1..=5 {
            let ceiling =
                Duration::from_millis(100 * 2_u64.pow(attempt - 1)).min(Duration::from_millis(350));
            let wait = policy.wait(attempt, &error, &mut a);
            assert!(wait <= ceiling, "attempt {attempt}: {wait:?} > {ceiling:?}");
            assert_eq!(wait, policy.wait(attempt, &error, &mut b));
        }
    }

    #[test]
    fn gives_up_on_attempts_or_time() {
        let policy = RetryPolicy::new()
            .max_attempts(3)
            .max_retry_time(Duration::from_secs(10));
        let mut rng = policy.rng(0);
        let e = Error::Cancelled;
        assert!(matches!(
            policy.decide(2, 0, Duration::from_secs(9), &e, &mut rng),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(3, 0, Duration::ZERO, &e, &mut rng),
            Decision::GiveUp
        );
        assert_eq!(
            policy.decide(1, 0, Duration::from_secs(10), &e, &mut rng),
            Decision::GiveUp
        );
        // A wait that would end past the time limit is not begun.
        let slow = RetryPolicy::new()
            .max_retry_time(Duration::from_secs(10))
            .backoff(Duration::from_secs(30), Duration::from_secs(30))
            .jitter_seed(1);
        let mut rng = slow.rng(0);
        let decisions: Vec<Decision> = (0..20)
            .map(|_| slow.decide(1, 0, Duration::from_secs(9), &e, &mut rng))
            .collect();
        assert!(decisions.iter().all(|d| match d {
            Decision::RetryAfter(wait) => *wait <= Duration::from_secs(1),
            Decision::GiveUp => true,
        }));
    }

    #[test]
    fn retry_after_is_a_floor_and_refusals_use_no_attempt() {
        let policy = RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_secs(20));
        let api = |secs| Error::api_for_tests(429, Some(Duration::from_secs(secs)));
        let mut rng = policy.rng(0);
        assert_eq!(policy.wait(1, &api(3), &mut rng), Duration::from_secs(3));
        // Longer than the back-off's maximum: still waited in full.
        assert_eq!(policy.wait(1, &api(60), &mut rng), Duration::from_secs(60));
        // Six refusals in a row, then an error: the attempts left are the
        // policy's six, all but the one just failed.
        let limited = policy.clone().max_retry_time(Duration::from_secs(3_600));
        assert!(matches!(
            limited.decide(7, 6, Duration::ZERO, &api(1), &mut rng),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            limited.decide(12, 6, Duration::ZERO, &api(1), &mut rng),
            Decision::GiveUp
        );
        // A wait past the retry time is not begun.
        assert_eq!(
            limited.decide(1, 1, Duration::ZERO, &api(999_999), &mut rng),
            Decision::GiveUp
        );
    }

    #[test]
    fn zero_attempts_are_refused() {
        let e = RetryPolicy::new()
            .max_attempts(0)
            .check()
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "invalid input: max_attempts: must be at least 1"
        );
    }

    /// 429s without a `Retry-After` on a read (the first page of a list)
    /// use no attempt: eight in a row, then the page, is a page.
    #[tokio::test(start_paused = true)]
    async fn a_read_outlasts_more_refusals_than_it_has_attempts() {
        let policy = RetryPolicy::new().jitter_seed(3);
        let mut rng = policy.rng(0);
        let refused = || Error::api_for_tests(429, None);
        let read = policy
            .run(
                &mut rng,
                &|_, _| {},
                |_| true,
                |number| {
                    let result = if number <= 8 {
                        Err(refused())
                    } else {
                        Ok(number)
                    };
                    std::future::ready(result)
                },
            )
            .await;
        assert_eq!(read.ok(), Some(9));
    }
}
