//! The fake server's shared state, [`App`]: its configuration, the store
//! of invitations, the account, and the counters tests read. Every step of
//! a request (`routes`) and every handler (`actions`) reads it from here.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use ivvy_iws::Credentials;

use crate::MockConfig;
use crate::account::Account;
use crate::action::Action;
use crate::faults::Bucket;
use crate::schema::Operations;
use crate::state::Store;

pub(crate) struct App {
    pub(crate) config: MockConfig,
    pub(crate) credentials: Credentials,
    pub(crate) operations: Operations,
    pub(crate) store: Mutex<Store>,
    pub(crate) account: Mutex<Account>,
    pub(crate) requests: AtomicU64,
    /// API requests being handled now, and at each arrival: how many were
    /// (this one included) and how many 429s the quota had given before.
    pub(crate) in_flight: AtomicU64,
    pub(crate) arrivals: Mutex<Vec<Arrival>>,
    /// Requests per operation, by [`Action::index`].
    pub(crate) per_action: [AtomicU64; Action::ALL.len()],
    pub(crate) refused: AtomicU64,
    pub(crate) bucket: Mutex<Option<Bucket>>,
    /// Until when a lockout refuses every request, once it has begun.
    pub(crate) closed_until: Mutex<Option<std::time::Instant>>,
    /// Requests that arrived while a lockout held, after the one that
    /// began it.
    pub(crate) lockout_hits: AtomicU64,
    pub(crate) invite_calls: AtomicU64,
    /// Queued batches, and the jobs run.
    pub(crate) batches: Mutex<crate::batches::Batches>,
    /// `batch?action=run` calls that queued a batch.
    pub(crate) batch_runs: AtomicU64,
    /// Held while due batch jobs run, so two requests arriving together
    /// never run one job twice.
    pub(crate) batch_runner: Mutex<()>,
    pub(crate) create_calls: AtomicU64,
    pub(crate) base_url: String,
}

impl App {
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written
        // (each change is one assignment), so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn batches(&self) -> std::sync::MutexGuard<'_, crate::batches::Batches> {
        // As for the store.
        self.batches.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn account(&self) -> std::sync::MutexGuard<'_, Account> {
        // As for the store: each change is whole before the lock is let go.
        self.account.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One API request's arrival, as [`MockServer::arrivals`](crate::MockServer::arrivals) lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// Requests being handled at that moment, this one included.
    pub in_flight: u64,
    /// Requests the quota ([`Faults::rate_limit`](crate::Faults::rate_limit)) had refused before it.
    pub refused_before: u64,
}
