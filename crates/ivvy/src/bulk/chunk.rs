//! One chunk of a bulk run, from its first send until every contact in it
//! has an outcome: the per-chunk state machine. It sends through the
//! run's [`Sender`](crate::bulk::sender::Sender), asks
//! [`classify`] what each failure means, and records what it learns in
//! its [`Track`] as it goes, so a run that stops keeps it.
//!
//! inviteContacts is not idempotent, so a send whose fate is unknown is
//! never repeated blindly: after the consistency window the event's
//! invitations are read, the contacts found there are marked invited, and
//! only the rest are sent again.

use std::sync::Arc;

use crate::bulk::run::Run;
use crate::bulk::track::{Phase, Track};
use crate::context::OnCancel;
use crate::error::Error;
use crate::ids::ContactId;
use crate::operations::invite::Outcome;
use crate::policy::classify::{Next, Request, classify, is_refusal, retry_after};
use crate::policy::refusal::{self, Refusal};
use crate::policy::retry::{Decision, wait_reason};

impl Run<'_> {
    /// Sends one chunk (its positions in the run and their contacts) until
    /// every contact in it has an outcome, recording outcomes and where it
    /// stands in `track`.
    pub(crate) async fn run_chunk(
        &self,
        mut pending: Vec<(usize, ContactId)>,
        number: u64,
        track: &Track,
    ) {
        let policy = &self.options.retry;
        let throttle = &self.client.shared.throttle;
        let mut rng = policy.rng(number);
        let first_try = tokio::time::Instant::now();
        let mut attempt = 0;
        let mut refusals = 0;
        loop {
            // A cancelled run sends nothing more: what is still pending was
            // never sent, refused, or found missing, so it is known not
            // invited, and is not sent again.
            // A lockout holds every request of the run back (see
            // `policy::refusal`): looked at before and after waiting for a
            // place, since one may begin meanwhile.
            let permit = loop {
                let open = self.context.open().await;
                let permit = tokio::select! {
                    biased;
                    () = self.context.cancel.cancelled() => None,
                    permit = self.sending.acquire(), if open => permit.ok(),
                };
                match permit {
                    Some(_) if self.context.is_closed() => {}
                    permit => break permit,
                }
            };
            let Some(permit) = permit.filter(|_| !self.context.is_cancelled()) else {
                track.settle_all(&pending, Outcome::NotSent(Arc::new(Error::Cancelled)));
                return;
            };
            attempt += 1;
            let ids: Vec<ContactId> = pending.iter().map(|(_, c)| *c).collect();
            if let Some(record) = &self.options.before_send {
                record(self.event, &ids);
            }
            track.set_phase(Phase::Sent);
            let sent = self.sender.send(self.event, &ids, attempt).await;
            // A lockout closes the door before this place is given up, so
            // no request waiting for it goes out into a closed door.
            if let Err(error) = &sent
                && let Some(after) = retry_after(error)
            {
                let (spacing, in_a_row) = throttle.refusal_signal();
                if let Refusal::Lockout(wait) = refusal::judge(after, spacing, in_a_row) {
                    self.context.close_for(wait, &wait_reason(error));
                }
            }
            drop(permit);
            let error = match sent {
                Ok(matched) => {
                    // The results that match settle now, with their links;
                    // a contact the reply left out is in doubt, and checked.
                    let mismatch = matched.mismatch(&ids);
                    let mut left = Vec::new();
                    for ((i, contact), outcome) in pending.iter().zip(matched.outcomes) {
                        match outcome {
                            Some(outcome) => track.settle([(*i, outcome)]),
                            None => left.push((*i, *contact)),
                        }
                    }
                    pending = left;
                    match mismatch {
                        Some(mismatch) if !pending.is_empty() => Arc::new(mismatch),
                        Some(mismatch) => {
                            tracing::warn!(%mismatch, "iVvy's reply held results for contacts not sent; every contact sent has its own");
                            return;
                        }
                        None => return,
                    }
                }
                Err(error) => Arc::new(error),
            };
            // What the checks and re-sends below concern.
            let ids: Vec<ContactId> = pending.iter().map(|(_, c)| *c).collect();
            // A refusal is not an attempt; its Retry-After is a floor for
            // this request, or, when it is a lockout, for the whole run.
            let refused = is_refusal(&error);
            if refused {
                refusals += 1;
            }
            let floor = retry_after(&error);
            let decision = policy.decide(attempt, refusals, first_try.elapsed(), &error, &mut rng);
            match classify(&error, Request::Write, throttle.pacing()) {
                Next::CheckFirst => {
                    tracing::debug!(%error, contacts = ids.len(), "request fate unknown; reconciling");
                    // Let the request land and iVvy's list catch up with it.
                    let wait = policy
                        .wait(attempt, &error, &mut rng)
                        .max(self.context.consistency_window);
                    let reason =
                        format!("checking which invitations landed, {}", wait_reason(&error));
                    self.context.sleep(wait, &reason, OnCancel::Finish).await;
                    // A read is a request in flight too, and waits out a
                    // lockout like any.
                    self.context.open().await;
                    let reading = self.sending.acquire().await;
                    let found = self
                        .sender
                        .invited_among(self.event, &ids, policy, &self.context.reporter)
                        .await;
                    drop(reading);
                    match found {
                        // Rows that could not be read may be these contacts':
                        // a contact not found is then in doubt, never sent
                        // again.
                        Ok(found) if found.unreadable > 0 => {
                            tracing::warn!(%error, unreadable = found.unreadable, "could not read every invitation; those not found are unknown");
                            for (i, contact) in &pending {
                                let outcome = if found.invited.contains(contact) {
                                    Outcome::InvitedLinksUnknown
                                } else {
                                    Outcome::Unknown(error.clone())
                                };
                                track.settle([(*i, outcome)]);
                            }
                            return;
                        }
                        Ok(found) => {
                            let found = found.invited;
                            track.settle(
                                pending
                                    .iter()
                                    .filter(|(_, c)| found.contains(c))
                                    .map(|(i, _)| (*i, Outcome::InvitedLinksUnknown)),
                            );
                            pending.retain(|(_, c)| !found.contains(c));
                            // The rest are known not to be invited.
                            track.set_phase(Phase::Between);
                            if pending.is_empty() {
                                return;
                            }
                            if decision == Decision::GiveUp {
                                track.settle_all(&pending, Outcome::Failed(error));
                                return;
                            }
                        }
                        Err(reconcile_error) => {
                            tracing::warn!(%error, %reconcile_error, "could not reconcile; outcomes unknown");
                            track.settle_all(&pending, Outcome::Unknown(error));
                            return;
                        }
                    }
                }
                Next::Paced => {
                    // The throttle already holds every request to the rate
                    // it measured (see `AdaptiveRate`), so the re-send waits
                    // there, after this request's own Retry-After, if any.
                    track.set_phase(Phase::Between);
                    if let Some(after) = floor {
                        self.hold(track, after, &error).await;
                    }
                }
                Next::Retry if refused => {
                    // Bounded by the run's budget, not by attempts.
                    track.set_phase(Phase::Between);
                    let wait = policy.wait(attempt, &error, &mut rng);
                    self.hold(track, wait, &error).await;
                }
                Next::Retry => {
                    track.set_phase(Phase::Between);
                    let Decision::RetryAfter(wait) = decision else {
                        track.settle_all(&pending, Outcome::Failed(error));
                        return;
                    };
                    // A cancel ends the wait; the loop's top then settles
                    // what is pending as not sent.
                    self.context
                        .sleep(wait, &wait_reason(&error), OnCancel::Stop)
                        .await;
                }
                Next::Never => {
                    track.settle_all(&pending, Outcome::Failed(error));
                    return;
                }
            }
        }
    }

    /// Waits out a refusal (a cancel ends it), marked on the track so the
    /// run lets other chunks run further ahead meanwhile.
    async fn hold(&self, track: &Track, wait: std::time::Duration, error: &Error) {
        track.set_holding(true);
        self.context
            .sleep(wait, &wait_reason(error), OnCancel::Stop)
            .await;
        track.set_holding(false);
    }
}
