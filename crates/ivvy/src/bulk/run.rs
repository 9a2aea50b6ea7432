//! One bulk run carried out: [`Run`] holds what its chunks share (the
//! client, the sender, the event, the options, the run's context and the
//! requests in flight), and [`Run::drive`] schedules the chunks: it keeps
//! up to 4 × `concurrency` of them under way with at most `concurrency`
//! requests in flight, releases outcomes in input order, stops on a
//! cancel or a spent retry budget, and gives every contact an outcome.
//! What one chunk does is [`chunk`](super::chunk)'s.

use std::sync::Arc;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;

use crate::bulk::options::BulkOptions;
use crate::bulk::plan::InvitePlan;
use crate::bulk::release::Settling;
use crate::bulk::report::BulkSummary;
use crate::bulk::sender::Sender;
use crate::bulk::track::{Phase, Track};
use crate::client::Client;
use crate::context::{RunContext, far};
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet};
use crate::operations::invite::{Invitation, Outcome};

/// Contacts whose results may wait in memory, beyond the usual run-ahead,
/// while the first unfinished chunk waits out a Retry-After: about 13 MiB
/// of results with their links, and a second's sending at 600 requests a
/// second (without it, a 1 s Retry-After at the head held a run at a 500
/// requests/s quota to 0.42x of it, by `cargo xtask bench limits`).
const HELD_CONTACTS: usize = 64_000;

/// What every chunk of a run shares.
pub(crate) struct Run<'a> {
    pub(crate) client: &'a Client,
    pub(crate) sender: &'a dyn Sender,
    pub(crate) event: EventId,
    pub(crate) options: &'a BulkOptions,
    pub(crate) context: RunContext,
    /// Requests in flight are bounded here, not chunks under way: a chunk
    /// waiting out a Retry-After holds no place, so the others go on.
    pub(crate) sending: Semaphore,
}

/// The chunks of a run and where each stands.
struct Chunks<'p> {
    /// Chunk n is these positions of the run's contacts.
    positions: Vec<&'p [usize]>,
    tracks: Vec<Track>,
    finished: Vec<bool>,
}

/// Why a run stopped early, and until when requests under way may finish.
struct Stop {
    reason: Arc<Error>,
    drain_until: Instant,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        client: &'a Client,
        sender: &'a dyn Sender,
        event: EventId,
        options: &'a BulkOptions,
    ) -> Self {
        Self {
            client,
            sender,
            event,
            options,
            context: options.context(),
            sending: Semaphore::new(options.concurrency),
        }
    }

    /// Carries out `plan`, handing outcomes to `each` in input order.
    pub(crate) async fn drive(
        &self,
        plan: InvitePlan,
        each: &mut (dyn FnMut(Vec<Invitation>) + Send),
    ) -> BulkSummary {
        let total = plan.contacts.len();
        let mut release = Settling::new(self.event, plan.contacts);
        release.mark_already(&plan.already);
        if let Some(reason) = plan.stopped {
            // Nothing was sent: every contact gets its row.
            let rows: Vec<_> = release
                .positions_left()
                .map(|i| (i, Outcome::NotSent(reason.clone())))
                .collect();
            release.settle(rows);
            release.emit(each);
            return release.summary;
        }
        release.emit(each);
        self.context.progress(release.summary.settled(), total);

        // Positions still to send, in input order.
        let pending: Vec<usize> = release.positions_left().collect();
        let positions: Vec<&[usize]> = pending.chunks(self.options.contacts_a_request()).collect();
        tracing::info!(event = %self.event, contacts = total, requests = positions.len(), "inviting");
        let mut chunks = Chunks {
            tracks: positions.iter().map(|_| Track::default()).collect(),
            finished: vec![false; positions.len()],
            positions,
        };
        let stop = self.schedule(&mut chunks, &mut release, each).await;
        if let Some(stop) = stop {
            self.settle_stopped(&chunks, &mut release, stop.reason)
                .await;
            release.emit(each);
            self.context.progress(release.summary.settled(), total);
        }
        release.summary
    }

    /// Keeps chunks under way until all finish or the run stops; returns
    /// why it stopped, if it did.
    async fn schedule(
        &self,
        chunks: &mut Chunks<'_>,
        release: &mut Settling,
        each: &mut (dyn FnMut(Vec<Invitation>) + Send),
    ) -> Option<Stop> {
        let total = release.contacts.len();
        // Chunks may run ahead of the first unfinished one by this many, so
        // results wait in memory for at most this many chunks; further
        // while that one waits out a refusal's Retry-After, so the others
        // keep the quota busy meanwhile (at most HELD_CONTACTS more
        // contacts' results).
        let window = self.options.concurrency.saturating_mul(4);
        let held_window = window.max(HELD_CONTACTS / self.options.contacts_a_request().max(1));
        let budget = self.options.retry_budget;
        let mut running = FuturesUnordered::new();
        let mut next = 0;
        // A budget a user gives may be past what a clock holds: it saturates.
        let mut deadline = far(Instant::now(), budget);
        let mut stop: Option<Stop> = None;
        // The first unfinished chunk; it only moves forward.
        let mut head = 0;
        loop {
            while head < chunks.positions.len() && chunks.finished[head] {
                head += 1;
            }
            let ahead = match chunks.tracks.get(head) {
                Some(track) if track.is_holding() => held_window,
                _ => window,
            };
            while stop.is_none()
                && !self.context.is_cancelled()
                && running.len() < ahead
                && next < chunks.positions.len()
                && next < head + ahead
            {
                let chunk: Vec<(usize, ContactId)> = chunks.positions[next]
                    .iter()
                    .map(|&i| (i, release.contacts[i]))
                    .collect();
                let span = tracing::info_span!("ivvy.chunk", number = next, contacts = chunk.len());
                let number = next;
                let work = self
                    .run_chunk(chunk, number as u64, &chunks.tracks[number])
                    .instrument(span);
                running.push(async move {
                    work.await;
                    number
                });
                next += 1;
            }
            if running.is_empty() {
                break;
            }
            // After a stop, requests under way get until the drain deadline.
            let until = stop.as_ref().map_or(deadline, |s| s.drain_until);
            let settled = tokio::select! {
                biased;
                () = self.context.cancel.cancelled(), if stop.is_none() => {
                    tracing::warn!("interrupted: sending nothing more, waiting for requests under way");
                    stop = Some(Stop {
                        reason: Arc::new(Error::Cancelled),
                        drain_until: far(Instant::now(), self.context.drain_time),
                    });
                    continue;
                }
                () = tokio::time::sleep_until(until) => {
                    if stop.is_none() {
                        tracing::warn!(budget_s = budget.as_secs(), "no request succeeded within the retry budget; stopping");
                        stop = Some(Stop {
                            reason: Arc::new(Error::RetryBudgetSpent { budget }),
                            drain_until: Instant::now(),
                        });
                    }
                    // Over budget, or the drain time is up.
                    break;
                }
                settled = running.next() => settled,
            };
            let Some(number) = settled else { break };
            chunks.finished[number] = true;
            let outcomes = chunks.tracks[number].take();
            if outcomes
                .iter()
                .any(|(_, o)| !matches!(o, Outcome::Failed(_) | Outcome::Unknown(_)))
            {
                deadline = far(Instant::now(), budget);
            }
            release.settle(outcomes);
            release.emit(each);
            self.context.progress(release.summary.settled(), total);
        }
        drop(running);
        // A token cancelled before the loop noticed leaves chunks unstarted
        // with no stop recorded: they still need their rows.
        if stop.is_none() && chunks.finished.iter().any(|done| !done) {
            stop = Some(Stop {
                reason: Arc::new(Error::Cancelled),
                drain_until: Instant::now(),
            });
        }
        stop
    }

    /// Gives every contact of the chunks a stopped run left unfinished its
    /// row: what the chunk settled stands; a request that may have been
    /// carried out is checked against the event's invitations (invited, or
    /// unknown); what was refused or never sent is said so.
    async fn settle_stopped(
        &self,
        chunks: &Chunks<'_>,
        release: &mut Settling,
        reason: Arc<Error>,
    ) {
        let mut in_doubt = Vec::new();
        for (number, positions) in chunks.positions.iter().enumerate() {
            if chunks.finished[number] {
                continue;
            }
            let track = &chunks.tracks[number];
            let phase = track.phase();
            let settled = track.take();
            let mut open: HashSet<usize> = positions.iter().copied().collect();
            for (index, _) in &settled {
                open.remove(index);
            }
            release.settle(settled);
            for &index in positions.iter().filter(|i| open.contains(i)) {
                match phase {
                    Phase::Sent => in_doubt.push(index),
                    Phase::Between => release.settle([(index, Outcome::Failed(reason.clone()))]),
                    Phase::NotSent => release.settle([(index, Outcome::NotSent(reason.clone()))]),
                }
            }
        }
        if in_doubt.is_empty() {
            return;
        }
        let ids: Vec<ContactId> = in_doubt.iter().map(|&i| release.contacts[i]).collect();
        // A stopped run checks within its drain time, in all.
        let drain = self.context.drain_time;
        let policy = self.options.retry.clone().max_retry_time(drain);
        let check = self
            .sender
            .invited_among(self.event, &ids, &policy, &self.context.reporter);
        let found = match tokio::time::timeout(drain, check).await {
            Ok(found) => found,
            Err(_) => Err(Error::Cancelled),
        };
        for (&index, contact) in in_doubt.iter().zip(&ids) {
            let outcome = match &found {
                Ok(found) if found.invited.contains(contact) => Outcome::InvitedLinksUnknown,
                _ => Outcome::Unknown(reason.clone()),
            };
            release.settle([(index, outcome)]);
        }
    }
}
