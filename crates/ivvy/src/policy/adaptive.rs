//! Finding the request rate iVvy allows from its 429s: the
//! [`AdaptiveRate`] policy users tune, and [`Controller`], the pure state
//! of its rules (given the time and what came back, it says when the next
//! request may start and how many may be in flight). Waiting for it is
//! [`throttle`](super::throttle)'s.

use std::time::Duration;

use tokio::time::Instant;

/// How the client finds the request rate iVvy allows without being told,
/// from its 429 replies. On by default
/// ([`ClientBuilder::adaptive_rate`](crate::ClientBuilder::adaptive_rate)).
///
/// iVvy's quota behaves as a bucket of tokens refilled at a steady rate: a
/// request takes a token, and one that finds none is refused with 429. A
/// 429 therefore says the bucket is empty at that moment, and the requests
/// that succeed between two 429s are exactly what it was refilled with. The
/// rules:
/// - **Before any 429**, requests go as fast as the caller sends them; only
///   the requests in flight are limited: 1 at first, one more for every
///   [`growth_batch`](Self::growth_batch) replies (default 8) without a 429,
///   up to the caller's own concurrency. So the first 429 finds few
///   requests in flight, and a server without a quota soon sees them all.
///   (With a ceiling set, they are not limited: the ceiling paces.)
/// - **Every 429** sets the requests in flight back to 1, so only those
///   already out are refused with it. They grow again by the rule above
///   while measuring, and by one a clean reply once a rate is found (the
///   spacing paces then, so a far server's latency soon stops limiting).
/// - **Measuring.** After the first 429, sending pauses for 10 ms, then
///   goes on until the next 429; each later pause is 4 times the one before
///   (at most 1 s), until 3 requests sent after the first 429 have
///   succeeded. The rate is
///   then [`margin`](Self::margin) (default 0.97) × those successes / the
///   time since the first 429: the refill rate, measured over empty-to-empty.
/// - **Keeping to it.** Requests are spaced evenly at that rate. It grows
///   while no 429 comes: by [`growth_per_second`](Self::growth_per_second)
///   (default 1%) a second; or, while 429s are at most 2% of the replies so
///   far, by the measure's own uncertainty (1 / the successes it counted) a
///   second if that is more, so a rate measured from a few requests is
///   soon checked. A 429 sets it again from the same measure, which grows
///   more exact as time passes. A 429 for a request sent before the
///   last decision does not change the rate (it belongs to the same event).
///   The rate grows only while requests are being sent, never over idle
///   time.
/// - **Starting afresh.** A measure older than 60 s, or one across an idle
///   stretch (no request for 1 s beyond the spacing: the bucket refilled,
///   unused), starts again at the next 429 from the rate in force, so a
///   quota that changes (or that another program shares) is followed.
/// - **A floor.** The rate never falls below a quarter of the first rate
///   measured: 429s that come whatever the rate (a proxy refusing every
///   Nth request, say) are not the quota's bucket, and must not drive the
///   rate to nothing. For such a server, turn the rules off.
/// - A set `max_requests_per_second` caps the rate from the start.
/// - **Retry-After is a floor**, with the rules on or off: a request
///   refused with 429 (or 503) and a `Retry-After` is not sent again before
///   it has passed, then waits its turn in the throttle; the others go on
///   at the rate. A refusal spends none of a request's attempts: the run's
///   retry budget bounds it. When the refusal is a lockout rather than the
///   bucket running dry (a `Retry-After` over 2 s and over twice the
///   spacing, or ten refusals in a row), the whole run sends nothing
///   until it has passed (see `policy::refusal` for the rule). The
///   measure above is kept meanwhile.
///
/// ```
/// let policy = ivvy::AdaptiveRate::new().margin(0.95).growth_per_second(0.02);
/// let client = ivvy::Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .credentials("key", "secret")
///     .adaptive_rate(Some(policy))
///     .build();
/// assert!(client.is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct AdaptiveRate {
    growth_batch: u32,
    first_pause: Duration,
    pause_factor: f64,
    max_pause: Duration,
    min_successes: u32,
    margin: f64,
    growth_per_second: f64,
    refusal_share: f64,
    measure_for: Duration,
}

impl Default for AdaptiveRate {
    fn default() -> Self {
        Self {
            growth_batch: 8,
            first_pause: Duration::from_millis(10),
            pause_factor: 4.0,
            max_pause: Duration::from_secs(1),
            min_successes: 3,
            margin: 0.97,
            growth_per_second: 0.01,
            refusal_share: 0.02,
            measure_for: Duration::from_secs(60),
        }
    }
}

impl AdaptiveRate {
    /// The default rules (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// Replies without a 429 for each further request in flight (at least 1).
    pub fn growth_batch(mut self, replies: u32) -> Self {
        self.growth_batch = replies.max(1);
        self
    }

    /// The share of the measured rate to send at (0.5 to 1; default 0.97).
    pub fn margin(mut self, margin: f64) -> Self {
        self.margin = if margin.is_finite() {
            margin.clamp(0.5, 1.0)
        } else {
            0.97
        };
        self
    }

    /// How much the rate grows each second without a 429 (0 to 1; default
    /// 0.01).
    pub fn growth_per_second(mut self, growth: f64) -> Self {
        self.growth_per_second = if growth.is_finite() {
            growth.clamp(0.0, 1.0)
        } else {
            0.01
        };
        self
    }
}

/// What came back for a request, as the throttle sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Anything but a 429: the request took a token.
    Taken,
    /// 429: the quota's bucket was empty.
    Refused,
    /// No reply (the connection failed): says nothing about the quota.
    Unknown,
}

/// The gap between requests at `rate` (a rate too small to space by is
/// taken as one request an hour).
fn spacing(rate: f64) -> Duration {
    Duration::try_from_secs_f64(1.0 / rate)
        .unwrap_or(Duration::from_secs(3_600))
        .min(Duration::from_secs(3_600))
}

/// The pure state of the rules in [`AdaptiveRate`], plus the ceiling.
#[derive(Debug)]
pub(crate) struct Controller {
    pub(super) policy: Option<AdaptiveRate>,
    ceiling: Option<f64>,
    /// Requests per second found, once measured.
    rate: Option<f64>,
    /// Requests that may be in flight, and those that are.
    window: u32,
    in_flight: u32,
    clean_replies: u32,
    /// When the next request may start.
    next: Option<Instant>,
    pause_until: Option<Instant>,
    next_pause: Duration,
    /// The first 429 of the current measure, and successes sent after it.
    measure_from: Option<Instant>,
    successes: u32,
    /// Replies to requests sent before this change nothing.
    decided: Option<Instant>,
    grown_at: Option<Instant>,
    /// Replies with a status, and the 429s among them.
    replies: u64,
    refusals: u64,
    /// The successes the rate in force was measured from.
    measured_with: u32,
    /// When the last request was admitted, and whether sending paused
    /// long enough since then to spoil the measure.
    last_admitted: Option<Instant>,
    idle: bool,
    /// Replies and 429s since the last decision, the 429s' share then, and
    /// whether the 429s were found not to follow the rate.
    /// The lowest rate allowed: a quarter of the first measured.
    floor: Option<f64>,
    /// Refusals since the last reply that was not one.
    pub(super) refused_in_a_row: u32,
}

impl Controller {
    pub(crate) fn new(policy: Option<AdaptiveRate>, ceiling: Option<f64>) -> Self {
        let first_pause = policy.as_ref().map_or(Duration::ZERO, |p| p.first_pause);
        Self {
            window: if policy.is_some() && ceiling.is_none() {
                1
            } else {
                u32::MAX
            },
            policy,
            ceiling,
            rate: None,
            in_flight: 0,
            clean_replies: 0,
            next: None,
            pause_until: None,
            next_pause: first_pause,
            measure_from: None,
            successes: 0,
            decided: None,
            grown_at: None,
            replies: 0,
            refusals: 0,
            measured_with: 0,
            last_admitted: None,
            idle: false,
            floor: None,
            refused_in_a_row: 0,
        }
    }

    /// The rate requests are spaced at, if any.
    pub(crate) fn rate(&self) -> Option<f64> {
        match (self.rate, self.ceiling) {
            (Some(r), Some(c)) => Some(r.min(c)),
            (r, c) => r.or(c),
        }
    }

    /// The gap the rate in force spaces requests by, if any.
    pub(crate) fn spacing(&self) -> Option<Duration> {
        self.rate().map(spacing)
    }

    /// Requests that may be in flight now.
    #[cfg(test)]
    pub(crate) fn window(&self) -> u32 {
        self.window
    }

    /// Takes a place for a request asked for at `now`: `None` when the
    /// window is full (wait for a reply); else when it may start.
    pub(crate) fn admit(&mut self, now: Instant) -> Option<Instant> {
        if self.in_flight >= self.window {
            return None;
        }
        self.in_flight += 1;
        let earliest = [Some(now), self.next, self.pause_until]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(now);
        let spacing = self.rate().map(spacing);
        // Idle past the spacing: the bucket refilled unused, so the measure
        // since the last 429 no longer tells the refill rate.
        if let (Some(gap), Some(last)) = (spacing, self.last_admitted)
            && now.saturating_duration_since(last) > gap + Duration::from_secs(1)
        {
            self.idle = true;
        }
        self.last_admitted = Some(now);
        let (start, after) = match spacing {
            Some(gap) => crate::policy::pacing::slot(Some(earliest), now, gap),
            None => (earliest, earliest),
        };
        self.next = Some(after);
        Some(start)
    }

    /// Records the reply to a request that started at `sent` and came back
    /// at `now`.
    pub(crate) fn reply(&mut self, sent: Instant, now: Instant, reply: Reply) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match reply {
            Reply::Taken => self.refused_in_a_row = 0,
            Reply::Refused => self.refused_in_a_row = self.refused_in_a_row.saturating_add(1),
            Reply::Unknown => {}
        }
        let Some(policy) = self.policy.clone() else {
            return;
        };
        match reply {
            Reply::Unknown => {}
            Reply::Taken => {
                self.clean_replies += 1;
                // Once a rate is found the spacing paces, so the window may
                // regrow fast (one a reply) without flooding the quota.
                let batch = if self.rate.is_some() {
                    1
                } else {
                    policy.growth_batch
                };
                if self.clean_replies >= batch {
                    self.clean_replies = 0;
                    self.window = self.window.saturating_add(1);
                }
                if self.measure_from.is_some_and(|from| sent >= from) {
                    self.successes = self.successes.saturating_add(1);
                }
                self.replies += 1;
                let growth = self.growth(&policy);
                if let Some(rate) = &mut self.rate {
                    // Growth accrues per request sent, never over idle time.
                    let since = self
                        .grown_at
                        .map_or(Duration::ZERO, |at| now.saturating_duration_since(at))
                        .min(spacing(*rate) * 2);
                    *rate *= 1.0 + growth * since.as_secs_f64();
                }
                self.grown_at = Some(now);
            }
            Reply::Refused => {
                self.replies += 1;
                self.refusals += 1;
                // One request at a time until replies come back clean, so
                // the requests already out are the only ones refused.
                self.window = 1;
                self.clean_replies = 0;
                if self.decided.is_some_and(|at| sent < at) {
                    return;
                }
                self.decide_after_refusal(&policy, now);
            }
        }
    }

    /// How much the rate grows a second now (see [`AdaptiveRate`]).
    fn growth(&self, policy: &AdaptiveRate) -> f64 {
        let within_share = self.refusals as f64 <= policy.refusal_share * self.replies as f64;
        if within_share && self.measured_with > 0 {
            policy
                .growth_per_second
                .max(1.0 / f64::from(self.measured_with))
        } else {
            policy.growth_per_second
        }
    }

    /// A 429 for a request sent since the last decision: measure, or set
    /// the rate from the measure.
    fn decide_after_refusal(&mut self, policy: &AdaptiveRate, now: Instant) {
        self.decided = Some(now);
        self.grown_at = Some(now);
        let stale = self
            .measure_from
            .is_some_and(|from| now - from > policy.measure_for);
        if (stale || self.idle) && self.rate.is_some() {
            // Measure afresh from this 429, a little below the rate in force.
            self.idle = false;
            self.measure_from = Some(now);
            self.successes = 0;
            if let Some(rate) = &mut self.rate {
                *rate *= policy.margin;
            }
            return;
        }
        if self.measure_from.is_none() || stale {
            self.measure_from = Some(now);
            self.successes = 0;
            self.next_pause = policy.first_pause;
        }
        let from = self.measure_from.unwrap_or(now);
        let span = (now - from).as_secs_f64();
        if self.successes >= policy.min_successes && span > 0.0 {
            let rate = policy.margin * f64::from(self.successes) / span;
            let floor = *self.floor.get_or_insert(rate / 4.0);
            let rate = rate.max(floor);
            self.rate = Some(rate);
            self.measured_with = self.successes;
            tracing::info!(
                requests_per_second = rate,
                measured_from = self.successes,
                "keeping to the account's measured request rate"
            );
            // Spacing starts now: the bucket is empty.
            self.next = Some(now + Duration::from_secs_f64(1.0 / rate));
        } else {
            tracing::debug!(
                pause_ms = self.next_pause.as_millis(),
                "429: measuring the account's rate"
            );
            self.pause_until = Some(now + self.next_pause);
            self.next_pause = self
                .next_pause
                .mul_f64(policy.pause_factor)
                .min(policy.max_pause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_window_starts_at_one_grows_with_clean_replies_and_a_429_resets_it() {
        let mut c = Controller::new(Some(AdaptiveRate::new()), None);
        let t0 = Instant::now();
        assert_eq!(c.admit(t0), Some(t0));
        assert_eq!(c.admit(t0), None, "one in flight at first");
        c.reply(t0, t0 + ms(1), Reply::Taken);
        for _ in 0..7 {
            let start = c.admit(t0).expect("a place");
            c.reply(start, t0 + ms(1), Reply::Taken);
        }
        assert_eq!(c.window(), 2, "8 clean replies: one more in flight");
        for _ in 0..16 {
            let start = c.admit(t0).expect("a place");
            c.reply(start, t0 + ms(1), Reply::Taken);
        }
        assert_eq!(c.window(), 4);
        let a = c.admit(t0).expect("a place");
        let _b = c.admit(t0).expect("a place");
        c.reply(a, t0 + ms(2), Reply::Refused);
        assert_eq!(c.window(), 1, "a 429 leaves one request in flight");
        assert_eq!(c.admit(t0 + ms(2)), None, "the other is still out");
    }

    #[test]
    fn the_rate_is_the_successes_between_429s_over_the_time_between() {
        let policy = AdaptiveRate::new().margin(1.0).growth_per_second(0.0);
        let mut c = Controller::new(Some(policy), None);
        let t0 = Instant::now();
        let s = c.admit(t0).expect("a place");
        c.reply(s, t0 + ms(1), Reply::Refused);
        // Measuring: a 10 ms pause first.
        assert_eq!(c.admit(t0 + ms(1)), Some(t0 + ms(11)));
        // Four successes sent after the 429 over 200 ms, then a 429: 20/s.
        c.reply(t0 + ms(11), t0 + ms(12), Reply::Taken);
        for n in 0..3 {
            let s = c.admit(t0 + ms(50 * n + 50)).expect("a place");
            c.reply(s, s + ms(1), Reply::Taken);
        }
        let s = c.admit(t0 + ms(200)).expect("a place");
        c.reply(s, t0 + ms(201), Reply::Refused);
        let rate = c.rate().expect("measured");
        assert!((rate - 20.0).abs() < 0.01, "{rate}");
        // Requests are then spaced 50 ms apart from the 429.
        let first = c.admit(t0 + ms(201)).expect("a place");
        let second = {
            c.reply(first, first, Reply::Taken);
            c.admit(first).expect("a place")
        };
        assert_eq!(second - first, ms(50));
    }

    #[test]
    fn pauses_grow_until_enough_succeed_and_old_429s_change_nothing() {
        let mut c = Controller::new(Some(AdaptiveRate::new()), None);
        let t0 = Instant::now();
        let early = c.admit(t0).expect("a place");
        c.reply(early, t0 + ms(1), Reply::Refused);
        assert_eq!(c.pause_until, Some(t0 + ms(11)));
        // A 429 for a request sent before that decision: same event.
        c.reply(early, t0 + ms(2), Reply::Refused);
        assert_eq!(c.pause_until, Some(t0 + ms(11)));
        // The probe after the pause is refused too: a pause 4 times longer.
        let probe = c.admit(t0 + ms(2)).expect("a place");
        c.reply(probe, t0 + ms(12), Reply::Refused);
        assert_eq!(c.pause_until, Some(t0 + ms(12) + ms(40)));
        // Never longer than a second.
        for n in 0..6 {
            let probe = c.admit(t0 + ms(100 + n)).expect("a place");
            c.reply(probe, t0 + ms(2_000 * (n + 1)), Reply::Refused);
        }
        let last = t0 + ms(12_000);
        assert_eq!(c.pause_until, Some(last + ms(1_000)));
        assert_eq!(c.rate(), None);
    }

    /// A controller that has measured 20 requests a second.
    fn measured() -> (Controller, Instant) {
        let policy = AdaptiveRate::new().margin(1.0).growth_per_second(0.01);
        let mut c = Controller::new(Some(policy), None);
        let t0 = Instant::now();
        let s = c.admit(t0).expect("a place");
        c.reply(s, t0 + ms(1), Reply::Refused);
        for n in 0..4 {
            let s = c.admit(t0 + ms(50 * n + 11)).expect("a place");
            c.reply(s, s + ms(1), Reply::Taken);
        }
        let s = c.admit(t0 + ms(200)).expect("a place");
        c.reply(s, t0 + ms(201), Reply::Refused);
        (c, t0 + ms(201))
    }

    #[test]
    fn once_measured_the_window_regrows_fast_and_idle_time_adds_no_growth() {
        let (mut c, t) = measured();
        let rate = c.rate().expect("measured");
        let a = c.admit(t).expect("a place");
        c.reply(a, t, Reply::Taken);
        let a = c.admit(t).expect("a place");
        assert!(c.admit(t).is_some(), "one clean reply opens a place more");
        // A reply a minute later grows the rate by at most two spacings' worth.
        c.reply(a, t + Duration::from_secs(60), Reply::Taken);
        let grown = c.rate().expect("a rate");
        assert!(grown > rate && grown < rate * 1.01, "{rate} -> {grown}");
    }

    #[test]
    fn refusals_whatever_the_rate_cannot_drive_it_below_a_quarter() {
        let (mut c, mut t) = measured();
        let first = c.rate().expect("measured");
        // Every other request refused, whatever the rate, for a long while.
        for n in 0..200 {
            let s = c.admit(t).expect("a place");
            let reply = if n % 2 == 0 {
                Reply::Taken
            } else {
                Reply::Refused
            };
            t += ms(100);
            c.reply(s, t, reply);
        }
        let rate = c.rate().expect("a rate");
        assert!(rate >= first / 4.0 - 1e-9, "{first} -> {rate}");
    }

    #[test]
    fn a_ceiling_caps_the_rate_from_the_start() {
        let mut c = Controller::new(Some(AdaptiveRate::new()), Some(10.0));
        let t0 = Instant::now();
        let a = c.admit(t0).expect("a place");
        c.reply(a, a, Reply::Taken);
        let b = c.admit(t0).expect("a place");
        assert_eq!(b - a, ms(100));
        // Without the policy, only the ceiling applies and the window is open.
        let mut fixed = Controller::new(None, Some(10.0));
        let a = fixed.admit(t0).expect("a place");
        let b = fixed.admit(t0).expect("no window");
        assert_eq!(b - a, ms(100));
    }
}
