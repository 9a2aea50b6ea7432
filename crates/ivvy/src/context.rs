//! What a long run (a bulk invite, a people run) carries from start to
//! end, shared by [`bulk`](crate::bulk) and [`people`](crate::people)
//! alike: its retry policy and concurrency, its cancellation, its reports
//! ([`Progress`] and [`Wait`]), the consistency window and the drain time, and the one sleep every wait of
//! a run goes through, so each wait is logged, reported and (where that is
//! safe) ended by a cancel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::policy::retry::RetryPolicy;

/// How far a run has got: items with a final outcome, of all. In a bulk
/// invite the items are contacts; in a people run, people while they are
/// looked up and added, then contacts while they are invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Progress {
    /// Items whose outcome is settled.
    pub done: usize,
    /// Items in the step.
    pub total: usize,
}

/// A wait before a request is tried again (or before what iVvy holds is
/// checked), as [`BulkOptions::on_wait`](crate::BulkOptions::on_wait)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wait {
    /// How long.
    pub delay: Duration,
    /// Why, e.g. "iVvy asked us to wait (HTTP 429)".
    pub reason: String,
}

pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;
pub(crate) type WaitFn = Arc<dyn Fn(&Wait) + Send + Sync>;

/// Where a read tells what it met: its waits (the log always, and the
/// caller's `on_wait` when there is one; a listing read outside a run has
/// only the log), and the rows it could not read, counted when a caller
/// asks ([`Reporter::counting_skips`]).
#[derive(Clone, Default)]
pub(crate) struct Reporter {
    on_wait: Option<WaitFn>,
    skipped: Option<Arc<AtomicUsize>>,
}

impl Reporter {
    pub(crate) fn new(on_wait: Option<WaitFn>) -> Self {
        Self {
            on_wait,
            skipped: None,
        }
    }

    /// This reporter, also counting the rows skipped, and the count.
    pub(crate) fn counting_skips(&self) -> (Self, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        let reporter = Self {
            on_wait: self.on_wait.clone(),
            skipped: Some(count.clone()),
        };
        (reporter, count)
    }

    /// Counts rows a listing skipped (each already named in a warning).
    pub(crate) fn skipped_rows(&self, rows: usize) {
        if let Some(count) = &self.skipped {
            count.fetch_add(rows, Ordering::Relaxed);
        }
    }

    /// Logs a wait (a warning when long) and hands it to `on_wait`.
    pub(crate) fn wait(&self, delay: Duration, reason: &str) {
        log_wait(delay, reason);
        if let Some(on_wait) = &self.on_wait {
            on_wait(&Wait {
                delay,
                reason: reason.to_string(),
            });
        }
    }
}

/// What a cancel does to a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnCancel {
    /// The wait ends: nothing is sent after it.
    Stop,
    /// The wait goes on. For the wait before checking a request whose fate
    /// is unknown: ending it early would only make the check less sure,
    /// and the run's drain time bounds it.
    Finish,
}

/// One run's context (see the module documentation).
#[derive(Clone)]
pub(crate) struct RunContext {
    /// Until when the run sends nothing: a lockout's `Retry-After`
    /// (see `policy::refusal`).
    closed_until: Arc<Mutex<Option<Instant>>>,
    /// How each request of the run is retried.
    pub(crate) retry: RetryPolicy,
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    pub(crate) cancel: CancellationToken,
    pub(crate) reporter: Reporter,
    progress: Option<ProgressFn>,
    pub(crate) consistency_window: Duration,
    pub(crate) drain_time: Duration,
}

impl RunContext {
    pub(crate) fn new(
        retry: RetryPolicy,
        concurrency: usize,
        cancel: Option<CancellationToken>,
        on_wait: Option<WaitFn>,
        progress: Option<ProgressFn>,
        consistency_window: Duration,
        drain_time: Duration,
    ) -> Self {
        Self {
            closed_until: Arc::default(),
            retry,
            concurrency,
            // A run nobody can cancel still has a token: one never cancelled.
            cancel: cancel.unwrap_or_default(),
            reporter: Reporter::new(on_wait),
            progress,
            consistency_window,
            drain_time,
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Reports progress.
    pub(crate) fn progress(&self, done: usize, total: usize) {
        if let Some(progress) = &self.progress {
            progress(Progress { done, total });
        }
    }

    /// Stops the whole run sending for `wait` (a lockout), reported once
    /// however many requests meet it; a later end wins.
    pub(crate) fn close_for(&self, wait: Duration, reason: &str) {
        let until = far(Instant::now(), wait);
        let mut closed = self.closed_until.lock().unwrap_or_else(|p| p.into_inner());
        if closed.is_none_or(|at| until > at) {
            *closed = Some(until);
            drop(closed);
            self.reporter
                .wait(wait, &format!("{reason}; nothing is sent meanwhile"));
        }
    }

    /// True while a lockout holds.
    pub(crate) fn is_closed(&self) -> bool {
        let until = *self.closed_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|at| at > Instant::now())
    }

    /// Waits until the run may send again (at once, unless a lockout
    /// holds); false when a cancel ended the wait.
    pub(crate) async fn open(&self) -> bool {
        loop {
            let until = *self.closed_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(at) if at > Instant::now() => {
                    tokio::select! {
                        biased;
                        () = self.cancel.cancelled() => return false,
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
                _ => return true,
            }
        }
    }

    /// Logs and reports a wait, then sleeps it; false when a cancel ended
    /// it (with [`OnCancel::Stop`]).
    pub(crate) async fn sleep(&self, delay: Duration, reason: &str, on_cancel: OnCancel) -> bool {
        self.reporter.wait(delay, reason);
        match on_cancel {
            OnCancel::Finish => {
                tokio::time::sleep(delay).await;
                true
            }
            OnCancel::Stop => tokio::select! {
                biased;
                () = self.cancel.cancelled() => false,
                () = tokio::time::sleep(delay) => true,
            },
        }
    }
}

/// `now + wait`, or a time far enough ahead when that is past what a
/// clock can hold (a `Retry-After` of years is a door closed, not a date).
pub(crate) fn far(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3_600))
}

/// A wait at least this long is logged as a warning, so it shows without
/// asking for progress logs: a silent pause this long looks like a hang.
const LONG_WAIT: Duration = Duration::from_secs(5);

/// Says how long and why a wait lasts: at info level, or as a warning
/// when it is long.
fn log_wait(wait: Duration, reason: &str) {
    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    let secs = wait.as_secs_f64();
    if wait >= LONG_WAIT {
        tracing::warn!(wait_ms, "waiting {secs:.1} s: {reason}");
    } else {
        tracing::info!(wait_ms, "waiting {secs:.1} s: {reason}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn context(waits: Arc<Mutex<Vec<Wait>>>) -> RunContext {
        RunContext::new(
            RetryPolicy::new(),
            1,
            None,
            Some(Arc::new(move |w: &Wait| {
                waits.lock().expect("lock").push(w.clone())
            })),
            None,
            Duration::ZERO,
            Duration::ZERO,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn every_sleep_is_reported_and_a_cancel_ends_only_those_that_may_end() {
        let waits = Arc::new(Mutex::new(Vec::new()));
        let run = context(waits.clone());
        assert!(
            run.sleep(Duration::from_secs(2), "why", OnCancel::Stop)
                .await
        );
        run.cancel.cancel();
        let start = tokio::time::Instant::now();
        assert!(
            !run.sleep(Duration::from_secs(3), "stopped", OnCancel::Stop)
                .await
        );
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert!(
            run.sleep(Duration::from_secs(4), "kept", OnCancel::Finish)
                .await
        );
        assert_eq!(start.elapsed(), Duration::from_secs(4));
        let reasons: Vec<(u64, String)> = waits
            .lock()
            .expect("lock")
            .iter()
            .map(|w| (w.delay.as_secs(), w.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            [(2, "why".into()), (3, "stopped".into()), (4, "kept".into())]
        );
    }
}
