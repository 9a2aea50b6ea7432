//! Spacing requests evenly: the pure slot rule the throttle uses for a
//! fixed ceiling (`max_requests_per_second`) and for a rate it found. A
//! request may start at the later of now and the previous request's start
//! plus the interval.

use std::time::Duration;

use tokio::time::Instant;

/// When a request asked for at `now` may start, given when the next may
/// (`next`), and when the one after it may: the later of `now` and `next`,
/// then that plus the interval.
pub(crate) fn slot(next: Option<Instant>, now: Instant, interval: Duration) -> (Instant, Instant) {
    let start = next.map_or(now, |next| next.max(now));
    (start, start + interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_spaced_by_the_interval_and_never_start_in_the_past() {
        let t0 = Instant::now();
        let gap = Duration::from_millis(50);
        // The first starts at once.
        let (start, next) = slot(None, t0, gap);
        assert_eq!((start, next), (t0, t0 + gap));
        // One asked at the same moment waits for the next slot.
        let (start, next) = slot(Some(next), t0, gap);
        assert_eq!((start, next), (t0 + gap, t0 + gap * 2));
        // After a pause, a request starts when asked, not in the past.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(slot(Some(next), later, gap), (later, later + gap));
    }
}
