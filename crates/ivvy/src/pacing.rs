//! Pacing requests below an account's quota: [`Pacing`] spaces every
//! request the client sends at least `1 / max_requests_per_second` apart,
//! across all tasks, so a user who knows the quota never meets its 429s.
//!
//! The rule is pure ([`Pacing::slot`]): a request may start at the later of
//! now and the previous request's start plus the interval. The client takes
//! a slot, then sleeps until it, just before signing and sending.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces requests evenly at a set rate.
#[derive(Debug)]
pub(crate) struct Pacing {
    interval: Duration,
    /// When the next request may start.
    next: Mutex<Option<Instant>>,
}

impl Pacing {
    /// Pacing at `per_second` requests a second.
    pub(crate) fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        }
    }

    /// When a request asked for at `now` may start, and when the one after
    /// it may: the later of `now` and `next`, then that plus the interval.
    pub(crate) fn slot(
        next: Option<Instant>,
        now: Instant,
        interval: Duration,
    ) -> (Instant, Instant) {
        let start = next.map_or(now, |next| next.max(now));
        (start, start + interval)
    }

    /// Waits for this request's turn.
    pub(crate) async fn wait_turn(&self) {
        let start = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let (start, after) = Self::slot(*next, Instant::now(), self.interval);
            *next = Some(after);
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_interval_and_never_start_in_the_past() {
        let t0 = Instant::now();
        let gap = Duration::from_millis(50);
        // The first starts at once.
        let (start, next) = Pacing::slot(None, t0, gap);
        assert_eq!((start, next), (t0, t0 + gap));
        // One asked at the same moment waits for the next slot.
        let (start, next) = Pacing::slot(Some(next), t0, gap);
        assert_eq!((start, next), (t0 + gap, t0 + gap * 2));
        // After a pause, a request starts when asked, not in the past.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(Pacing::slot(Some(next), later, gap), (later, later + gap));
    }
}
