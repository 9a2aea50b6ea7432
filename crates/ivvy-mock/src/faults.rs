//! Faults the fake server can inject, to test retries and reconciliation.

use std::time::Duration;

/// Which faults to inject. Counting starts at 1 with the first API request.
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
    /// Answer every Nth API request with an iVvy error body and HTTP 200.
    pub error_in_200_every: Option<u64>,
    /// Answer every Nth API request with an HTML 502 page, as a proxy would.
    pub html_502_every: Option<u64>,
    /// Delay every reply by a time between these bounds, varying from
    /// request to request, so concurrent replies come back out of order.
    pub delay: Option<(Duration, Duration)>,
    /// Refuse inviteContacts calls with more contacts than this.
    pub max_contacts_per_call: Option<usize>,
}

/// What the faults say about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrontFault {
    RateLimited,
    Html502,
    ErrorIn200,
}

fn every(n: u64, every: Option<u64>) -> bool {
    every.is_some_and(|k| k > 0 && n.is_multiple_of(k))
}

impl Faults {
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

    /// The delay for request `n`: spread over the bounds by a fixed hash, so
    /// runs repeat exactly.
    pub(crate) fn delay(&self, n: u64) -> Duration {
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
        let faults = Faults {
            rate_limit_every: Some(3),
            html_502_every: Some(2),
            error_in_200_every: Some(5),
            ..Faults::default()
        };
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
    fn delays_stay_within_bounds_and_vary() {
        let faults = Faults {
            delay: Some((Duration::from_millis(1), Duration::from_millis(9))),
            ..Faults::default()
        };
        let delays: Vec<Duration> = (1..=50).map(|n| faults.delay(n)).collect();
        assert!(
            delays
                .iter()
                .all(|d| *d >= Duration::from_millis(1) && *d <= Duration::from_millis(9))
        );
        assert!(delays.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(faults.delay(7), faults.delay(7));
    }
}
