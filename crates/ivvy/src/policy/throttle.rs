//! The one gate every call of a client passes, [`Throttle`]: it waits for
//! what [`Controller`] decides (the [`AdaptiveRate`] rules and the
//! optional `max_requests_per_second` ceiling) and reports each reply to
//! it, with what each reply says about the quota ([`quota_reply`]). The
//! rules themselves are [`adaptive`](super::adaptive)'s.
//!
//! [`AdaptiveRate`]: super::adaptive::AdaptiveRate

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::Error;
use crate::policy::adaptive::{AdaptiveRate, Controller};
use crate::policy::classify::{Pacing, refused};

pub(crate) use crate::policy::adaptive::Reply;

/// The gate every call of a client passes: waits for a place in the window
/// and for the request's start time, then reports the reply.
#[derive(Debug)]
pub(crate) struct Throttle {
    state: Mutex<Controller>,
    /// Woken when a reply frees a place in the window.
    freed: Notify,
    /// Requests waiting for a place.
    waiting: AtomicUsize,
    /// Whether a batch costs its jobs (else one request).
    counts_jobs: bool,
}

/// A request's place in the window, given back with its reply; dropped
/// without one (a call cancelled mid-way), it is given back as
/// [`Reply::Unknown`] (or [`Reply::NotSent`] before its start time), so
/// the window never shrinks for good.
#[derive(Debug)]
pub(crate) struct Place<'a> {
    throttle: &'a Throttle,
    sent: Instant,
    cost: u32,
    left: bool,
}

impl Place<'_> {
    /// Reports the reply to the request that held this place.
    pub(crate) fn leave(mut self, reply: Reply) {
        self.left = true;
        self.throttle.leave(self.sent, self.cost, reply);
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if !self.left {
            // Dropped before its start time, it was never sent.
            let reply = if Instant::now() < self.sent {
                Reply::NotSent
            } else {
                Reply::Unknown
            };
            self.throttle.leave(self.sent, self.cost, reply);
        }
    }
}

impl Throttle {
    pub(crate) fn new(
        policy: Option<AdaptiveRate>,
        ceiling: Option<f64>,
        counts_jobs: bool,
    ) -> Self {
        Self {
            state: Mutex::new(Controller::new(policy, ceiling)),
            freed: Notify::new(),
            waiting: AtomicUsize::new(0),
            counts_jobs,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Controller> {
        // Each change is whole before the lock is let go.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a request that costs `cost` of the quota (1, or a
    /// batch's jobs) may start.
    pub(crate) async fn enter(&self, cost: u32) -> Place<'_> {
        let cost = if self.counts_jobs { cost.max(1) } else { 1 };
        loop {
            if let Some(place) = self.try_enter(cost).await {
                return place;
            }
            // The window is full: wait for a reply, registered before the
            // second look so none is missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let place = self.try_enter(cost).await;
            if place.is_none() {
                freed.await;
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            if let Some(place) = place {
                return place;
            }
        }
    }

    /// A place, after waiting for its start time; `None` when the window is
    /// full.
    async fn try_enter(&self, cost: u32) -> Option<Place<'_>> {
        let start = self.state().admit(Instant::now(), cost)?;
        // Holding the place while waiting: a drop gives it back.
        let place = Place {
            throttle: self,
            sent: start,
            cost,
            left: false,
        };
        // Only a real wait: tokio's timer rounds even a sleep until now up
        // to its next tick (about 1 ms).
        if start > Instant::now() {
            tokio::time::sleep_until(start).await;
        }
        Some(place)
    }

    /// Whether the adaptive rules are on: a 429 is then sent again when the
    /// throttle allows, rather than after the whole `Retry-After`.
    pub(crate) fn pacing(&self) -> Pacing {
        if self.state().policy.is_some() {
            Pacing::ByThrottle
        } else {
            Pacing::None
        }
    }

    /// What a refusal is judged by ([`refusal::judge`]): the gap requests
    /// are spaced by now, if any, and the refusals in a row.
    ///
    /// [`refusal::judge`]: crate::policy::refusal::judge
    pub(crate) fn refusal_signal(&self) -> (Option<std::time::Duration>, u32) {
        let state = self.state();
        (state.spacing(), state.refused_in_a_row)
    }

    fn leave(&self, sent: Instant, cost: u32, reply: Reply) {
        self.state().reply(sent, Instant::now(), reply, cost);
        // Waking is for requests waiting on a full window; most calls have
        // none, and skip it.
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.freed.notify_waiters();
        }
    }
}

/// What a call's result says about the quota, for the throttle.
pub(crate) fn quota_reply<T>(result: &Result<T, Error>) -> Reply {
    match result {
        Ok(_) => Reply::Taken,
        Err(error) if refused(error) => Reply::Refused,
        // Nothing sent: nothing learnt, nothing charged.
        Err(Error::Connect { .. } | Error::Signing(_) | Error::InvalidInput { .. }) => {
            Reply::NotSent
        }
        // No reply: nothing learnt, but it may have been charged.
        Err(
            Error::Proxy { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::Cancelled,
        ) => Reply::Unknown,
        Err(_) => Reply::Taken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> Error {
        Error::api_for_tests(status, None)
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_costs_its_jobs_unless_the_quota_counts_requests() {
        for (counts_jobs, gap_ms) in [(true, 500), (false, 10)] {
            let throttle = Throttle::new(None, Some(100.0), counts_jobs);
            let batch = throttle.enter(50).await;
            let sent = batch.sent;
            batch.leave(Reply::Taken);
            let next = throttle.enter(1).await;
            assert_eq!(
                next.sent - sent,
                std::time::Duration::from_millis(gap_ms),
                "counts jobs: {counts_jobs}"
            );
            next.leave(Reply::Taken);
        }
    }

    #[test]
    fn the_quota_learns_from_replies_only() {
        assert_eq!(quota_reply::<()>(&Ok(())), Reply::Taken);
        assert_eq!(quota_reply::<()>(&Err(api(429))), Reply::Refused);
        assert_eq!(quota_reply::<()>(&Err(api(400))), Reply::Taken);
        assert_eq!(quota_reply::<()>(&Err(Error::Cancelled)), Reply::Unknown);
        let signing = Error::Signing("the API key is empty".into());
        assert_eq!(quota_reply::<()>(&Err(signing)), Reply::NotSent);
    }
}
