//! This machine's clock against iVvy's, measured and corrected as the AWS
//! SDKs do: when iVvy refuses a request for its timestamp (23005, more
//! than 5 minutes off), the client takes iVvy's time from the reply's
//! `Date` header, dates every later request by it (a [`SkewedClock`]),
//! and sends the refused one once more. A refusal for the timestamp means
//! nothing was done, so sending again is safe. The skew is logged once, as
//! a warning; [`ClientBuilder::correct_clock_skew`] turns the correction
//! off.
//!
//! [`ClientBuilder::correct_clock_skew`]: crate::ClientBuilder::correct_clock_skew

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use ivvy_iws::Clock;

use crate::error::{ApiErrorKind, Error};

/// Skews smaller than this are left alone: iVvy's `Date` has whole seconds.
const NOT_WORTH_IT: Duration = Duration::from_secs(2);

/// The wall clock requests are dated by: the client's clock, moved by the
/// skew last measured against iVvy's.
#[derive(Debug)]
pub(crate) struct SkewedClock {
    inner: Arc<dyn Clock>,
    /// iVvy's time minus ours, in milliseconds.
    offset_ms: AtomicI64,
    correct: bool,
    warned: AtomicBool,
}

impl Clock for SkewedClock {
    fn now(&self) -> SystemTime {
        shifted(self.inner.now(), self.offset_ms.load(Ordering::Relaxed))
    }
}

impl SkewedClock {
    pub(crate) fn new(inner: Arc<dyn Clock>, correct: bool) -> Self {
        Self {
            inner,
            offset_ms: AtomicI64::new(0),
            correct,
            warned: AtomicBool::new(false),
        }
    }

    /// The skew requests are dated with now, in milliseconds.
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Learns from a refusal of a request dated with skew `dated_with`:
    /// true when it was for the timestamp, the reply said iVvy's time, and
    /// the clock now differs from the one the request was dated by (this
    /// reply moved it, or another's did), so the request should be signed
    /// and sent once more.
    pub(crate) fn learn(
        &self,
        error: &Error,
        server_date: Option<SystemTime>,
        dated_with: i64,
    ) -> bool {
        let stale = error
            .api()
            .is_some_and(|api| api.kind() == Some(ApiErrorKind::StaleRequest));
        let (true, true, Some(server)) = (self.correct, stale, server_date) else {
            return false;
        };
        let offset = offset_ms(server, self.inner.now());
        let before = self.offset_ms.swap(offset, Ordering::Relaxed);
        let moved = offset.abs_diff(dated_with) >= NOT_WORTH_IT.as_millis() as u64;
        let first = offset.abs_diff(before) >= NOT_WORTH_IT.as_millis() as u64;
        if first && !self.warned.swap(true, Ordering::Relaxed) {
            let secs = offset as f64 / 1000.0;
            let side = if secs > 0.0 { "behind" } else { "ahead of" };
            tracing::warn!(
                skew_s = secs,
                "this machine's clock is {:.0} s {side} iVvy's; requests are dated by iVvy's clock from now on",
                secs.abs()
            );
        }
        moved
    }
}

/// `server - local`, in milliseconds, saturating.
pub(crate) fn offset_ms(server: SystemTime, local: SystemTime) -> i64 {
    match server.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

fn shifted(at: SystemTime, offset_ms: i64) -> SystemTime {
    let by = Duration::from_millis(offset_ms.unsigned_abs());
    let moved = if offset_ms >= 0 {
        at.checked_add(by)
    } else {
        at.checked_sub(by)
    };
    moved.unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, Code};

    fn stale() -> Error {
        Error::Api(ApiError {
            status: reqwest::StatusCode::UNAUTHORIZED,
            error_code: Code::Number(401),
            specific_code: Some(Code::Number(23005)),
            message: String::new(),
            additional_messages: Vec::new(),
            retry_after: None,
        })
    }

    #[test]
    fn a_stale_refusal_with_ivvys_time_moves_the_clock_once() {
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = SkewedClock::new(Arc::new(ivvy_iws::ManualClock::new(local)), true);
        let server = local + Duration::from_secs(600);
        assert!(clock.learn(&stale(), Some(server), 0));
        assert_eq!(clock.now(), server);
        // Another request dated before the correction, refused at once:
        // sent again too.
        assert!(clock.learn(&stale(), Some(server), 0));
        // One dated with the correction: nothing moved since, not again.
        assert!(!clock.learn(&stale(), Some(server), clock.offset_ms()));
        // No date, or another refusal: nothing learnt.
        assert!(!clock.learn(&stale(), None, 0));
        assert!(!clock.learn(&Error::Cancelled, Some(local), 0));
    }

    #[test]
    fn the_correction_can_be_turned_off() {
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = SkewedClock::new(Arc::new(ivvy_iws::ManualClock::new(local)), false);
        assert!(!clock.learn(&stale(), Some(local + Duration::from_secs(600)), 0));
        assert_eq!(clock.now(), local);
    }
}
