//! The fake server's queued batches, as `batch?action=run` left them:
//! their jobs, the results so far, and when they were queued and
//! finished. Running them and answering the batch calls is
//! [`actions::batch`](crate::actions::batch)'s.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use crate::action::Action;

/// One queued batch.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) jobs: Vec<(Action, Value)>,
    pub(crate) results: Vec<Value>,
    /// When its first job is due.
    pub(crate) start: Instant,
    pub(crate) finished: Option<Instant>,
}

/// The server's batches, by `asyncId`.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    pub(crate) next: u64,
    pub(crate) by_id: HashMap<String, Batch>,
    /// Jobs run so far, every batch together.
    pub(crate) jobs_run: u64,
}
