//! Where one chunk of a run stands ([`Phase`]) and what it has settled so
//! far ([`Track`]): written by the chunk as it goes, read by the run when
//! the chunk finishes or the run stops.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::ids::ContactId;
use crate::operations::invite::Outcome;

/// Where a chunk stands, for a run that stops before it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    /// Nothing sent yet.
    NotSent = 0,
    /// A request is under way, or its fate is not known yet.
    Sent = 1,
    /// Waiting to send again; what was sent is known not to be invited.
    Between = 2,
}

/// A chunk's outcomes so far, and its phase.
#[derive(Debug, Default)]
pub(crate) struct Track {
    phase: AtomicU8,
    /// Waiting out a refusal's `Retry-After` (see `bulk::run`'s run-ahead).
    holding: AtomicBool,
    settled: Mutex<Vec<(usize, Outcome)>>,
}

impl Track {
    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    pub(crate) fn set_holding(&self, holding: bool) {
        self.holding.store(holding, Ordering::Relaxed);
    }

    pub(crate) fn is_holding(&self) -> bool {
        self.holding.load(Ordering::Relaxed)
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            1 => Phase::Sent,
            2 => Phase::Between,
            _ => Phase::NotSent,
        }
    }

    pub(crate) fn settle(&self, outcomes: impl IntoIterator<Item = (usize, Outcome)>) {
        self.settled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(outcomes);
    }

    pub(crate) fn settle_all(&self, pending: &[(usize, ContactId)], outcome: Outcome) {
        self.settle(pending.iter().map(|(i, _)| (*i, outcome.clone())));
    }

    pub(crate) fn take(&self) -> Vec<(usize, Outcome)> {
        std::mem::take(&mut *self.settled.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
