//! What a refusal with a `Retry-After` means for a run: a floor for the
//! request it refused, or a lockout of the whole run. A pure rule, so it
//! can be tested exactly; the run applies it (`bulk::chunk`, the run
//! context's gate).
//!
//! The rules:
//! - a request refused with 429 or 503 is never sent again before its
//!   `Retry-After` has passed (seconds, or an HTTP date), in every mode:
//!   adaptive rate, a fixed ceiling, or none. That wait uses none of the
//!   request's attempts; the run's time budget bounds it;
//! - a refusal is a **lockout**, and the whole run stops sending until its
//!   `Retry-After` has passed, when the wait is longer than the pacing
//!   explains (over [`LOCKOUT_OVER`] and over twice the gap the rate in
//!   force spaces requests by), or when the client's last
//!   [`LOCKOUT_AFTER`] replies were all refusals (every request refused,
//!   however paced). A quota's bucket running dry says "wait about one
//!   gap" (iVvy rounds up to a whole second); a door closed for longer is
//!   not a bucket, and sending into it only spends the quota;
//! - any other refusal is a bucket running dry: only the request refused
//!   waits its `Retry-After`, and the others go on at the pacing (a few
//!   refusals in a row are the adaptive rate measuring the bucket, and
//!   holding the whole run back for each would cost a third of the
//!   throughput at 20 requests a second, by `cargo xtask bench limits`).

use std::time::Duration;

/// A `Retry-After` at most this long can be a bucket running dry.
pub(crate) const LOCKOUT_OVER: Duration = Duration::from_secs(2);
/// Refusals in a row that mean every request is refused, whatever the
/// pacing: more than a bucket gives a client that, after a 429, sends one
/// request at a time and pauses while it measures.
pub(crate) const LOCKOUT_AFTER: u32 = 10;

/// What a refusal with a `Retry-After` asks of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// This request waits this long; the others go on.
    Floor(Duration),
    /// The whole run stops sending for this long.
    Lockout(Duration),
}

/// Judges a refusal that said `retry_after`, given the gap the rate in
/// force spaces requests by (if any) and the refusals in a row so far
/// (this one included).
pub(crate) fn judge(
    retry_after: Duration,
    spacing: Option<Duration>,
    refused_in_a_row: u32,
) -> Refusal {
    let explained = spacing
        .map_or(LOCKOUT_OVER, |gap| gap.saturating_mul(2))
        .max(LOCKOUT_OVER);
    if retry_after > explained || refused_in_a_row >= LOCKOUT_AFTER {
        Refusal::Lockout(retry_after)
    } else {
        Refusal::Floor(retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn a_bucket_running_dry_holds_back_only_the_request_refused() {
        assert_eq!(judge(s(1), None, 1), Refusal::Floor(s(1)));
        assert_eq!(
            judge(s(2), Some(Duration::from_millis(50)), 2),
            Refusal::Floor(s(2))
        );
        // A slow quota (12 a minute) explains a 5 s wait.
        assert_eq!(judge(s(5), Some(s(5)), 1), Refusal::Floor(s(5)));
    }

    #[test]
    fn a_wait_longer_than_the_pacing_explains_is_a_lockout() {
        assert_eq!(judge(s(3), None, 1), Refusal::Lockout(s(3)));
        assert_eq!(
            judge(s(10), Some(Duration::from_millis(100)), 1),
            Refusal::Lockout(s(10))
        );
        assert_eq!(judge(s(11), Some(s(5)), 1), Refusal::Lockout(s(11)));
    }

    #[test]
    fn every_request_refused_in_a_row_is_a_lockout() {
        assert_eq!(judge(s(1), None, LOCKOUT_AFTER - 1), Refusal::Floor(s(1)));
        assert_eq!(judge(s(1), None, LOCKOUT_AFTER), Refusal::Lockout(s(1)));
    }
}
