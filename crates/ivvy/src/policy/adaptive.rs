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
///   succeeded (a batch sent before it counts once one has). The rate is
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
///   The rate grows only while requests are being sent (at most two of a
///   request's gaps a reply, a batch's: two gaps a job), never over idle
///   time; among batches, whose successors wait many gaps, it grows more
///   slowly than its growth a second says.
/// - **Batches.** A batch of N jobs is paced as N requests (unless
///   [`ClientBuilder::quota_counts_jobs`](crate::ClientBuilder::quota_counts_jobs)
///   is off): the request after it waits N gaps (at most 60 s more than
///   one gap). A quota that counts jobs lets a batch into debt and refuses
///   what follows until it is paid, so its jobs count in the measure only
///   once a later request has succeeded, and the bucket after a 429 is
///   taken to owe the batches answered (or lost) and not yet seen paid
///   (except at a 429 that starts a fresh measure, or while measuring). A
///   measure that holds fewer than 8 times its costliest batch (either
///   end may be off by one batch) does not replace a rate in force, and
///   once batches are sent, a measure that counted none of them (it says
///   how fast single requests went) sets no rate.
/// - **Starting afresh.** A measure older than 60 s, or one across an idle
///   stretch (no request for 1 s past the time the last one's spacing
///   ended: the bucket refilled, unused), starts again at the next 429
///   from the rate in force, so a quota that changes (or that another
///   program shares) is followed; among large batches, slowly (a measure
///   must hold 8 of them to set the rate again: see BENCHMARKS.md).
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
    /// No reply (a timeout, a connection lost mid-way): says nothing
    /// about the quota, but a batch may have been queued and charged.
    Unknown,
    /// Never sent (no connection, a request that could not be signed or
    /// built): says nothing about the quota, and charged nothing.
    NotSent,
}

/// A measure that sets a rate in force again holds at least this many
/// times its costliest request's worth.
const MEASURE_OVER_COSTLIEST: u32 = 8;

/// The longest a batch's jobs hold the next request back beyond a
/// request's own gap: a longer debt is the quota's `Retry-After` to tell,
/// not a wait the client imposes (a rate measured very low would
/// otherwise hold a batch's successor for an hour).
const MAX_BATCH_HOLD: Duration = Duration::from_secs(60);

/// How long a request costing `cost` holds the next one back at `gap`
/// a request.
fn hold(gap: Duration, cost: u32) -> Duration {
    gap.saturating_add(
        gap.saturating_mul(cost.saturating_sub(1))
            .min(MAX_BATCH_HOLD),
    )
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
    /// The first 429 of the current measure, and successes sent after it:
    /// in requests' worth of the quota (a batch counts its jobs), in
    /// requests, and the costliest request among them.
    measure_from: Option<Instant>,
    successes: u32,
    successful_requests: u32,
    costliest: u32,
    /// Replies to requests sent before this change nothing.
    decided: Option<Instant>,
    grown_at: Option<Instant>,
    /// Replies with a status, and the 429s among them.
    replies: u64,
    refusals: u64,
    /// The successes the rate in force was measured from.
    measured_with: u32,
    /// Whether sending paused long enough since the last request to spoil
    /// the measure.
    idle: bool,
    /// Requests costing more than one (batches) that succeeded, by when
    /// they were sent, with their cost: not yet counted in the measure,
    /// as a quota may have let them into debt. A later request's success
    /// shows the debt was paid by then, and counts them.
    unpaid: Vec<(Instant, u32)>,
    /// Whether a batch (a request costing more than one) was ever sent.
    batches_sent: bool,
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
            successful_requests: 0,
            costliest: 1,
            decided: None,
            grown_at: None,
            replies: 0,
            refusals: 0,
            measured_with: 0,
            idle: false,
            unpaid: Vec::new(),
            batches_sent: false,
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

    /// Takes a place for a request asked for at `now` that costs `cost`
    /// of the quota (1, or a batch's jobs): `None` when the window is full
    /// (wait for a reply); else when it may start. The next request may
    /// start `cost` gaps after it.
    pub(crate) fn admit(&mut self, now: Instant, cost: u32) -> Option<Instant> {
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
        // Idle past the spacing (1 s after the last request admitted could
        // have started and paid its cost): the bucket refilled unused, so
        // the measure since the last 429 no longer tells the refill rate.
        if let (Some(_), Some(next)) = (spacing, self.next)
            && now > next + Duration::from_secs(1)
        {
            self.idle = true;
        }
        let cost = cost.max(1);
        self.batches_sent |= cost > 1;
        let (start, after) = match spacing {
            Some(gap) => crate::policy::pacing::slot(Some(earliest), now, hold(gap, cost)),
            None => (earliest, earliest),
        };
        self.next = Some(after);
        Some(start)
    }

    /// Records the reply to a request that started at `sent`, costing
    /// `cost`, and came back at `now`.
    pub(crate) fn reply(&mut self, sent: Instant, now: Instant, reply: Reply, cost: u32) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match reply {
            Reply::Taken => self.refused_in_a_row = 0,
            Reply::Refused => self.refused_in_a_row = self.refused_in_a_row.saturating_add(1),
            Reply::Unknown | Reply::NotSent => {}
        }
        let Some(policy) = self.policy.clone() else {
            return;
        };
        match reply {
            // A batch without a reply may have been queued and charged.
            Reply::Unknown if cost > 1 => self.unpaid.push((sent, cost)),
            Reply::Unknown | Reply::NotSent => {}
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
                // This success shows every earlier batch's debt paid.
                let (mut paid, mut requests, mut costliest) = (0u32, 0u32, 1u32);
                for (_, cost) in self.unpaid.iter().filter(|(at, _)| *at < sent) {
                    paid = paid.saturating_add(*cost);
                    requests += 1;
                    costliest = costliest.max(*cost);
                }
                self.unpaid.retain(|(at, _)| *at >= sent);
                if cost > 1 {
                    self.unpaid.push((sent, cost));
                } else {
                    paid = paid.saturating_add(1);
                    requests += 1;
                }
                if self.measure_from.is_some_and(|from| sent >= from) {
                    self.successes = self.successes.saturating_add(paid);
                    self.successful_requests = self.successful_requests.saturating_add(requests);
                    self.costliest = self.costliest.max(costliest);
                }
                self.replies += 1;
                let growth = self.growth(&policy);
                if let Some(rate) = &mut self.rate {
                    // Growth accrues per request sent (two of its gaps at
                    // most), never over idle time.
                    let since = self
                        .grown_at
                        .map_or(Duration::ZERO, |at| now.saturating_duration_since(at))
                        .min(spacing(*rate).saturating_mul(cost.max(1).saturating_mul(2)));
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

    /// Starts measuring from a 429 at `now`.
    fn start_measure(&mut self, now: Instant) {
        self.measure_from = Some(now);
        self.successes = 0;
        self.successful_requests = 0;
        self.costliest = 1;
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
            self.start_measure(now);
            let floor = self.floor.unwrap_or(0.0);
            if let Some(rate) = &mut self.rate {
                *rate = (*rate * policy.margin).max(floor);
            }
            return;
        }
        if self.measure_from.is_none() || stale {
            self.start_measure(now);
            self.next_pause = policy.first_pause;
        }
        let from = self.measure_from.unwrap_or(now);
        let span = (now - from).as_secs_f64();
        // The batches answered (or lost) and not yet seen paid. Batches
        // still in flight are not counted: under a quota that counts
        // requests they owe nothing.
        let owed = self
            .unpaid
            .iter()
            .fold(0u32, |sum, (_, cost)| sum.saturating_add(*cost));
        // Once batches are sent, a measure that counted none of them says
        // how fast single requests went, not what the quota holds: it
        // sets no rate (under a quota of requests, such a measure from a
        // few reads had held batches 4.5 s apart for two minutes).
        let blind_to_batches = self.batches_sent && self.costliest == 1;
        // A measure across few batches is off by up to a batch at each end
        // (one counted whole but partly paid before it, one not yet
        // counted but partly paid): the rate in force is kept until the
        // measure holds many times the costliest request.
        let few_batches = self.costliest > 1
            && self.successes < self.costliest.saturating_mul(MEASURE_OVER_COSTLIEST);
        if let Some(rate) = self.rate
            && (blind_to_batches || few_batches)
        {
            self.next = Some(now + hold(spacing(rate), owed));
            return;
        }
        if !blind_to_batches && self.successful_requests >= policy.min_successes && span > 0.0 {
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
            // Spacing starts now: the bucket is empty, and owes the
            // batches not yet seen paid.
            self.next = Some(now + hold(spacing(rate), owed));
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
        assert_eq!(c.admit(t0, 1), Some(t0));
        assert_eq!(c.admit(t0, 1), None, "one in flight at first");
        c.reply(t0, t0 + ms(1), Reply::Taken, 1);
        for _ in 0..7 {
            let start = c.admit(t0, 1).expect("a place");
            c.reply(start, t0 + ms(1), Reply::Taken, 1);
        }
        assert_eq!(c.window(), 2, "8 clean replies: one more in flight");
        for _ in 0..16 {
            let start = c.admit(t0, 1).expect("a place");
            c.reply(start, t0 + ms(1), Reply::Taken, 1);
        }
        assert_eq!(c.window(), 4);
        let a = c.admit(t0, 1).expect("a place");
        let _b = c.admit(t0, 1).expect("a place");
        c.reply(a, t0 + ms(2), Reply::Refused, 1);
        assert_eq!(c.window(), 1, "a 429 leaves one request in flight");
        assert_eq!(c.admit(t0 + ms(2), 1), None, "the other is still out");
    }

    #[test]
    fn the_rate_is_the_successes_between_429s_over_the_time_between() {
        let policy = AdaptiveRate::new().margin(1.0).growth_per_second(0.0);
        let mut c = Controller::new(Some(policy), None);
        let t0 = Instant::now();
        let s = c.admit(t0, 1).expect("a place");
        c.reply(s, t0 + ms(1), Reply::Refused, 1);
        // Measuring: a 10 ms pause first.
        assert_eq!(c.admit(t0 + ms(1), 1), Some(t0 + ms(11)));
        // Four successes sent after the 429 over 200 ms, then a 429: 20/s.
        c.reply(t0 + ms(11), t0 + ms(12), Reply::Taken, 1);
        for n in 0..3 {
            let s = c.admit(t0 + ms(50 * n + 50), 1).expect("a place");
            c.reply(s, s + ms(1), Reply::Taken, 1);
        }
        let s = c.admit(t0 + ms(200), 1).expect("a place");
        c.reply(s, t0 + ms(201), Reply::Refused, 1);
        let rate = c.rate().expect("measured");
        assert!((rate - 20.0).abs() < 0.01, "{rate}");
        // Requests are then spaced 50 ms apart from the 429.
        let first = c.admit(t0 + ms(201), 1).expect("a place");
        let second = {
            c.reply(first, first, Reply::Taken, 1);
            c.admit(first, 1).expect("a place")
        };
        assert_eq!(second - first, ms(50));
    }

    #[test]
    fn pauses_grow_until_enough_succeed_and_old_429s_change_nothing() {
        let mut c = Controller::new(Some(AdaptiveRate::new()), None);
        let t0 = Instant::now();
        let early = c.admit(t0, 1).expect("a place");
        c.reply(early, t0 + ms(1), Reply::Refused, 1);
        assert_eq!(c.pause_until, Some(t0 + ms(11)));
        // A 429 for a request sent before that decision: same event.
        c.reply(early, t0 + ms(2), Reply::Refused, 1);
        assert_eq!(c.pause_until, Some(t0 + ms(11)));
        // The probe after the pause is refused too: a pause 4 times longer.
        let probe = c.admit(t0 + ms(2), 1).expect("a place");
        c.reply(probe, t0 + ms(12), Reply::Refused, 1);
        assert_eq!(c.pause_until, Some(t0 + ms(12) + ms(40)));
        // Never longer than a second.
        for n in 0..6 {
            let probe = c.admit(t0 + ms(100 + n), 1).expect("a place");
            c.reply(probe, t0 + ms(2_000 * (n + 1)), Reply::Refused, 1);
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
        let s = c.admit(t0, 1).expect("a place");
        c.reply(s, t0 + ms(1), Reply::Refused, 1);
        for n in 0..4 {
            let s = c.admit(t0 + ms(50 * n + 11), 1).expect("a place");
            c.reply(s, s + ms(1), Reply::Taken, 1);
        }
        let s = c.admit(t0 + ms(200), 1).expect("a place");
        c.reply(s, t0 + ms(201), Reply::Refused, 1);
        (c, t0 + ms(201))
    }

    #[test]
    fn once_measured_the_window_regrows_fast_and_idle_time_adds_no_growth() {
        let (mut c, t) = measured();
        let rate = c.rate().expect("measured");
        let a = c.admit(t, 1).expect("a place");
        c.reply(a, t, Reply::Taken, 1);
        let a = c.admit(t, 1).expect("a place");
        assert!(
            c.admit(t, 1).is_some(),
            "one clean reply opens a place more"
        );
        // A reply a minute later grows the rate by at most two spacings' worth.
        c.reply(a, t + Duration::from_secs(60), Reply::Taken, 1);
        let grown = c.rate().expect("a rate");
        assert!(grown > rate && grown < rate * 1.01, "{rate} -> {grown}");
    }

    #[test]
    fn refusals_whatever_the_rate_cannot_drive_it_below_a_quarter() {
        let (mut c, mut t) = measured();
        let first = c.rate().expect("measured");
        // Every other request refused, whatever the rate, for a long while.
        for n in 0..200 {
            let s = c.admit(t, 1).expect("a place");
            let reply = if n % 2 == 0 {
                Reply::Taken
            } else {
                Reply::Refused
            };
            t += ms(100);
            c.reply(s, t, reply, 1);
        }
        let rate = c.rate().expect("a rate");
        assert!(rate >= first / 4.0 - 1e-9, "{first} -> {rate}");
    }

    #[test]
    fn a_ceiling_caps_the_rate_from_the_start() {
        let mut c = Controller::new(Some(AdaptiveRate::new()), Some(10.0));
        let t0 = Instant::now();
        let a = c.admit(t0, 1).expect("a place");
        c.reply(a, a, Reply::Taken, 1);
        let b = c.admit(t0, 1).expect("a place");
        assert_eq!(b - a, ms(100));
        // Without the policy, only the ceiling applies and the window is open.
        let mut fixed = Controller::new(None, Some(10.0));
        let a = fixed.admit(t0, 1).expect("a place");
        let b = fixed.admit(t0, 1).expect("no window");
        assert_eq!(b - a, ms(100));
    }

    #[test]
    fn a_batch_is_spaced_by_its_jobs() {
        let (mut c, t) = measured();
        let gap = spacing(c.rate().expect("measured"));
        let a = c.admit(t, 1).expect("a place");
        c.reply(a, a, Reply::Taken, 1);
        let batch = c.admit(t, 4).expect("a place");
        assert_eq!(batch - a, gap, "a request's own gap before the batch");
        let gap = spacing(c.rate().expect("measured"));
        c.reply(batch, batch, Reply::Taken, 4);
        let after = c.admit(t, 1).expect("a place");
        assert_eq!(after - batch, gap * 4, "four jobs' gaps after it");
    }

    #[test]
    fn a_batch_counts_in_the_measure_once_a_later_request_succeeds() {
        let policy = AdaptiveRate::new().margin(1.0).growth_per_second(0.0);
        let mut c = Controller::new(Some(policy), None);
        let t0 = Instant::now();
        let s = c.admit(t0, 1).expect("a place");
        c.reply(s, t0, Reply::Refused, 1);
        // A batch of 50 jobs goes in; the request after it finds the
        // bucket in its debt.
        c.reply(t0 + ms(10), t0 + ms(11), Reply::Taken, 50);
        c.reply(t0 + ms(20), t0 + ms(21), Reply::Refused, 1);
        assert_eq!(c.rate(), None, "nothing measured yet");
        assert_eq!(c.successes, 0, "the batch is not yet seen paid");
        // A second later requests pass again: the batch was paid.
        c.reply(t0 + ms(1_000), t0 + ms(1_001), Reply::Taken, 1);
        assert_eq!(c.successes, 51);
        c.reply(t0 + ms(1_010), t0 + ms(1_011), Reply::Taken, 1);
        c.reply(t0 + ms(1_020), t0 + ms(1_021), Reply::Taken, 50);
        c.reply(t0 + ms(1_030), t0 + ms(1_040), Reply::Refused, 1);
        // 52 requests' worth paid in 1.04 s: 50 a second, not the 3
        // requests that succeeded.
        let rate = c.rate().expect("measured");
        assert!((rate - 50.0).abs() < 0.01, "{rate}");
        // The batch not yet seen paid is owed before the next request.
        let next = c.admit(t0 + ms(1_040), 1).expect("a place");
        assert_eq!(next, t0 + ms(1_040) + spacing(rate) * 50);
    }

    #[test]
    fn a_measure_of_a_few_batches_does_not_replace_the_rate_in_force() {
        let (mut c, t) = measured();
        // A batch of 100 and a request after it, then a 429 a moment
        // later: 101 requests' worth in a short span would say a rate many
        // times higher, but one batch is too few to say.
        c.reply(t + ms(1), t + ms(2), Reply::Taken, 100);
        c.reply(t + ms(60), t + ms(61), Reply::Taken, 1);
        let rate = c.rate().expect("a rate");
        assert!(c.successes > 100, "the batch is counted");
        c.reply(t + ms(70), t + ms(71), Reply::Refused, 1);
        assert_eq!(c.rate(), Some(rate));
        // Once the measure holds many batches, it sets the rate again.
        let mut at = t + ms(100);
        for _ in 0..8 {
            c.reply(at, at + ms(1), Reply::Taken, 100);
            at += ms(5_000);
        }
        c.reply(at, at + ms(1), Reply::Taken, 1);
        let (paid, from) = (c.successes, c.measure_from.expect("measuring"));
        assert!(paid > 800, "{paid}");
        c.reply(at + ms(2), at + ms(3), Reply::Refused, 1);
        let remeasured = c.rate().expect("a rate");
        let measure = f64::from(paid) / (at + ms(3) - from).as_secs_f64();
        assert!(
            (remeasured - measure).abs() < 1e-9,
            "{remeasured} vs {measure}"
        );
    }

    #[test]
    fn idle_counts_from_when_the_last_request_could_start() {
        let (mut c, t) = measured();
        let gap = spacing(c.rate().expect("measured"));
        let batch = c.admit(t, 100).expect("a place");
        c.reply(batch, batch + ms(1), Reply::Taken, 100);
        // Asked long after the batch was, but while its cost is still
        // being paid: not idle.
        let paid = batch + gap * 100;
        let s = c.admit(paid + ms(900), 1).expect("a place");
        assert!(!c.idle);
        c.reply(s, s + ms(1), Reply::Taken, 1);
        c.admit(s + gap + ms(1_100), 1).expect("a place");
        assert!(c.idle, "more than a second past the spacing");
    }

    #[test]
    fn a_lost_batch_is_owed_at_the_next_429_and_one_never_sent_is_not() {
        for (answer, owed) in [(Reply::Unknown, 50), (Reply::NotSent, 1)] {
            let (mut c, t) = measured();
            let a = c.admit(t, 1).expect("a place");
            c.reply(a, a, Reply::Taken, 1);
            // A request and a batch of 50 go out together; the batch gets
            // no reply, then the request is refused.
            let request = c.admit(a, 1).expect("a place");
            let batch = c.admit(a, 50).expect("a place");
            c.reply(batch, batch + ms(1), answer, 50);
            let refused_at = batch + ms(2);
            c.reply(request, refused_at, Reply::Refused, 1);
            let gap = spacing(c.rate().expect("a rate"));
            let next = c.admit(refused_at, 1).expect("a place");
            assert_eq!(next, refused_at + gap * owed, "{answer:?}");
        }
    }

    #[test]
    fn once_batches_are_sent_a_measure_of_single_requests_sets_no_rate() {
        for batches in [false, true] {
            let policy = AdaptiveRate::new().margin(1.0);
            let mut c = Controller::new(Some(policy), None);
            let t0 = Instant::now();
            if batches {
                // A batch goes out and its reply is still to come.
                c.admit(t0, 200).expect("a place");
            }
            c.reply(t0, t0 + ms(1), Reply::Refused, 1);
            for n in 1..=4 {
                c.reply(t0 + ms(10 * n), t0 + ms(10 * n + 1), Reply::Taken, 1);
            }
            c.reply(t0 + ms(50), t0 + ms(51), Reply::Refused, 1);
            // Four reads in 50 ms say 80 a second: a rate for single
            // requests, but nothing of what the batch's jobs may cost.
            assert_eq!(c.rate().is_some(), !batches, "batches: {batches}");
        }
    }

    #[test]
    fn a_batch_in_flight_at_a_429_is_not_waited_for() {
        let (mut c, t) = measured();
        let a = c.admit(t, 1).expect("a place");
        c.reply(a, a, Reply::Taken, 1);
        let request = c.admit(a, 1).expect("a place");
        let batch = c.admit(a, 50).expect("a place");
        let refused_at = batch + ms(2);
        c.reply(request, refused_at, Reply::Refused, 1);
        let gap = spacing(c.rate().expect("a rate"));
        c.reply(batch, refused_at + ms(1), Reply::Taken, 50);
        assert_eq!(c.admit(refused_at + ms(1), 1), Some(refused_at + gap));
    }

    #[test]
    fn a_fresh_measure_after_idle_time_keeps_the_floor() {
        let (mut c, t) = measured();
        let floor = c.floor.expect("set by the first measure");
        c.policy = Some(AdaptiveRate::new());
        c.rate = Some(floor);
        // More than a second past the spacing: idle, then a 429.
        let late = t + Duration::from_secs(5);
        let s = c.admit(late, 1).expect("a place");
        assert!(c.idle);
        c.reply(s, s + ms(1), Reply::Refused, 1);
        assert_eq!(c.rate(), Some(floor), "never below the floor");
    }

    #[test]
    fn a_batch_holds_the_next_request_back_a_minute_past_its_gap_at_most() {
        // A ceiling of one request every 10 s, and a batch of 200.
        let mut c = Controller::new(None, Some(0.1));
        let t = Instant::now();
        let batch = c.admit(t, 200).expect("a place");
        let next = c.admit(t, 1).expect("a place");
        assert_eq!(next - batch, Duration::from_secs(10 + 60));
        let small = c.admit(t, 3).expect("a place");
        assert_eq!(small - next, Duration::from_secs(10));
        let after = c.admit(t, 1).expect("a place");
        assert_eq!(after - small, Duration::from_secs(30));
    }

    /// A quota's token bucket (burst 10) refilled at `rate` a second,
    /// then at `dropped.1` from `dropped.0` on, that a batch's jobs charge
    /// at once (`jobs_count`), into debt, or only as one request; a
    /// refusal's `Retry-After` in whole seconds, rounded up.
    struct Quota {
        tokens: f64,
        at: Instant,
        jobs_count: bool,
        rate: f64,
        dropped: Option<(Instant, f64)>,
    }

    impl Quota {
        const BURST: f64 = 10.0;

        fn take(&mut self, now: Instant, jobs: u32) -> Result<(), Duration> {
            if let Some((from, rate)) = self.dropped
                && now >= from
            {
                self.rate = rate;
            }
            let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + refill).min(Self::BURST);
            self.at = now;
            if self.tokens < 1.0 {
                return Err(Duration::from_secs_f64(
                    ((1.0 - self.tokens) / self.rate).ceil(),
                ));
            }
            self.tokens -= if self.jobs_count {
                f64::from(jobs)
            } else {
                1.0
            };
            Ok(())
        }
    }

    /// Batches of `size` jobs one at a time, each followed by a read of
    /// its progress and of its results, 1 ms a reply, for `run`, against
    /// `quota`, with the batch's cost told to the controller (`weigh`) or
    /// not: the requests and the jobs that went through, and the 429s.
    fn batches(mut quota: Quota, size: u32, run: Duration, weigh: bool) -> (u32, u32, u32) {
        let t0 = quota.at;
        let mut c = Controller::new(Some(AdaptiveRate::new()), None);
        let (mut now, mut requests, mut jobs, mut refused) = (t0, 0, 0, 0);
        let round = [size, 1, 1];
        let mut step = 0;
        while now < t0 + run {
            let jobs_sent = round[step % round.len()];
            let cost = if weigh { jobs_sent } else { 1 };
            let start = c.admit(now, cost).expect("one request at a time");
            let replied = start + ms(1);
            match quota.take(start, jobs_sent) {
                Ok(()) => {
                    c.reply(start, replied, Reply::Taken, cost);
                    requests += 1;
                    jobs += if jobs_sent > 1 { jobs_sent } else { 0 };
                    step += 1;
                    now = replied;
                }
                Err(retry_after) => {
                    c.reply(start, replied, Reply::Refused, cost);
                    refused += 1;
                    now = replied + retry_after;
                }
            }
        }
        (requests, jobs, refused)
    }

    /// A minute of batches of 50 against a quota of 50 a second.
    fn a_minute_of_batches(jobs_count: bool, weigh: bool) -> (u32, u32) {
        let quota = Quota {
            tokens: Quota::BURST,
            at: Instant::now(),
            jobs_count,
            rate: 50.0,
            dropped: None,
        };
        let (requests, jobs, _) = batches(quota, 50, Duration::from_secs(60), weigh);
        (requests, jobs)
    }

    #[test]
    fn batches_paced_by_their_jobs_use_a_quota_of_jobs_and_keep_a_quota_of_requests() {
        // Counting jobs: 50 a second at most, less the reads' share.
        let (_, weighed) = a_minute_of_batches(true, true);
        let (_, unweighed) = a_minute_of_batches(true, false);
        eprintln!("jobs in a minute: {weighed} paced by jobs, {unweighed} by requests");
        assert!(weighed >= 2_400, "{weighed} jobs in a minute");
        assert!(weighed > unweighed * 3 / 2, "{weighed} vs {unweighed}");
        // Counting requests: the assumption's cost (each batch paced as if
        // it took its jobs, from a rate measured in jobs) is bounded: half
        // the requests that pacing batches as one request sends, for this
        // one batch at a time (`ClientBuilder::quota_counts_jobs` says so).
        let (weighed, _) = a_minute_of_batches(false, true);
        let (unweighed, _) = a_minute_of_batches(false, false);
        eprintln!("requests in a minute: {weighed} paced by jobs, {unweighed} by requests");
        assert!(weighed * 2 >= unweighed, "{weighed} vs {unweighed}");
    }

    /// A known limit, pinned so a change to it is seen: batches of 200
    /// one at a time against 50 jobs a second that drop to 40 after the
    /// first minute (3,000 + 8 × 60 × 40 = 22,200 jobs' worth of quota in
    /// 9 min). A measure must hold 8 batches (1,600 jobs) to set the rate
    /// again, which at the pace reached here (each batch's debt waited
    /// for again from the 429 that follows it) barely fits in a minute's
    /// measure, so the rate in force falls mostly by the margin at each
    /// fresh measure.
    #[test]
    fn batches_follow_a_quota_of_jobs_that_drops_slowly() {
        let t0 = Instant::now();
        let quota = Quota {
            tokens: Quota::BURST,
            at: t0,
            jobs_count: true,
            rate: 50.0,
            dropped: Some((t0 + Duration::from_secs(60), 40.0)),
        };
        let (_, jobs, refused) = batches(quota, 200, Duration::from_secs(540), true);
        eprintln!("a quota that drops: {jobs} jobs in 9 minutes, {refused} refused");
        assert!(jobs >= 12_000, "{jobs} jobs of 22,200 allowed");
    }
}
