//! Sending a bulk run's chunks through iVvy's batch namespace: the
//! [`Batched`] sender (see [`BulkOptions::batch`](crate::BulkOptions::batch)
//! for its rules). A chunk of up to
//! [`INVITE_JOBS_A_BATCH`](crate::INVITE_JOBS_A_BATCH) jobs is queued in one request,
//! its progress read until it has run, and its results read back; each
//! job's reply is matched to its contacts as a direct reply is. The run
//! around it (retries, checks, the release in order) is the direct run's,
//! unchanged: a contact whose job failed is handed back without a result,
//! and the run checks and re-sends it as it would a direct one.
//!
//! [`job_outcomes`] is the pure part: what a batch's results say of each
//! contact.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use ivvy_api::types::{BatchJobResult, InviteContactsReply};
use tokio::time::Instant;

use crate::bulk::options::{BatchFn, BulkOptions};
use crate::bulk::sender::Sender;
use crate::client::Client;
use crate::context::{OnCancel, Reporter, RunContext, far};
use crate::error::Error;
use crate::ids::{ContactId, EventId};
use crate::operations::batch::{is_not_completed, is_unknown_batch, job_reply};
use crate::operations::invitations::Found;
use crate::operations::invite::{Invitation, Matched, Outcome, match_results};
use crate::policy::classify::{Next, Request, classify};
use crate::policy::retry::RetryPolicy;

/// The first wait before reading a batch's progress again, the longest,
/// and the shortest when the batch's own pace says it ends sooner.
const FIRST_POLL: Duration = Duration::from_millis(50);
const LAST_POLL: Duration = Duration::from_secs(2);
const SHORTEST_POLL: Duration = Duration::from_millis(10);

/// How long to wait before reading progress again: the time the batch's
/// pace so far says it still needs (`elapsed` for `percent`), when it has
/// moved, kept within [`SHORTEST_POLL`] and the back-off's `delay`;
/// otherwise the back-off's `delay`. A batch of 200 jobs of 1 ms is then
/// seen done within a few milliseconds of its end, not up to a back-off
/// step later (0.5 s to the last row of 20,000 invites, 0.13x of direct
/// at 50 requests/s, with a doubling back-off alone).
pub(crate) fn next_poll(elapsed: Duration, percent: u8, delay: Duration) -> Duration {
    if percent == 0 || percent >= 100 {
        return delay;
    }
    let left = elapsed.mul_f64(f64::from(100 - percent) / f64::from(percent));
    left.clamp(SHORTEST_POLL, delay.max(SHORTEST_POLL))
}

/// Sending each chunk as one batch of inviteContacts jobs; also the
/// waiting for any batch (of adds or page reads too).
pub(crate) struct Batched {
    pub(crate) client: Client,
    /// The run's waits, cancel and reports.
    pub(crate) context: RunContext,
    /// Contacts a job carries.
    pub(crate) job_size: usize,
    /// How long a batch may run before its contacts are left unknown.
    pub(crate) budget: Duration,
    pub(crate) on_batch: Option<BatchFn>,
}

/// How waiting for a batch ended.
pub(crate) enum Waited {
    /// Every job's result, in job order.
    Done(Vec<BatchJobResult>),
    /// The batch may still be running (too long, or cancelled): the
    /// results so far, and why the rest are unknown.
    Unfinished(Vec<BatchJobResult>, Arc<Error>),
}

impl Sender for Batched {
    fn send<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        attempt: u32,
    ) -> BoxFuture<'a, Result<Matched, Error>> {
        Box::pin(self.send_batch(event, contacts, attempt))
    }

    /// Reads the event's invitations until two reads a consistency window
    /// apart agree: a batch whose `run` reply was lost may still be
    /// running, and its contacts must not look missing while it does. A
    /// count still growing when the budget is spent marks the check
    /// unsure, so the contacts not found are left unknown, never re-sent.
    fn invited_among<'a>(
        &'a self,
        event: EventId,
        contacts: &'a [ContactId],
        policy: &'a RetryPolicy,
        reporter: &'a Reporter,
    ) -> BoxFuture<'a, Result<Found, Error>> {
        Box::pin(async move {
            let deadline = far(Instant::now(), self.budget);
            let read = || {
                self.client
                    .invited_among(event, contacts, policy.clone(), reporter.clone())
            };
            let mut found = read().await?;
            loop {
                let window = self.context.consistency_window.max(SHORTEST_POLL);
                let reason = "checking that no batch is still inviting these contacts";
                self.context.sleep(window, reason, OnCancel::Finish).await;
                let again = read().await?;
                if again.invited.len() == found.invited.len() {
                    return Ok(again);
                }
                found = again;
                if Instant::now() >= deadline {
                    found.unreadable = found.unreadable.max(1);
                    return Ok(found);
                }
            }
        })
    }
}

impl Batched {
    /// The sender `options` describe: jobs of its chunk size, waited for
    /// within its retry budget, each queued batch told to its `on_batch`.
    pub(crate) fn new(client: &Client, options: &BulkOptions) -> Self {
        Self {
            client: client.clone(),
            context: options.context(),
            job_size: options.chunk_size,
            budget: options.retry_budget,
            on_batch: options.on_batch.clone(),
        }
    }

    async fn send_batch(
        &self,
        event: EventId,
        contacts: &[ContactId],
        attempt: u32,
    ) -> Result<Matched, Error> {
        let jobs: Vec<&[ContactId]> = contacts.chunks(self.job_size.max(1)).collect();
        // An unclear reply here goes back to the run, which checks before
        // anything is queued again.
        let id = self.client.batch_invites(event, &jobs, attempt).await?;
        if let Some(record) = &self.on_batch {
            record(event, &id, contacts);
        }
        let waited = self.wait_for(&id, Some(jobs.len())).await?;
        let (results, unfinished) = match waited {
            Waited::Done(results) => (results, None),
            Waited::Unfinished(results, why) => (results, Some(why)),
        };
        let pacing = self.client.shared.throttle.pacing();
        Ok(job_outcomes(&jobs, &results, unfinished, |error| {
            classify(error, Request::Write, pacing)
        }))
    }

    /// Reads the batch's progress until it has run, then its results.
    /// `Err` when the batch cannot be read at all (not found, or a read
    /// that fails after its retries): its fate is then unclear, and the
    /// run checks.
    pub(crate) async fn wait_for(&self, id: &str, jobs: Option<usize>) -> Result<Waited, Error> {
        let started = Instant::now();
        let mut deadline = far(started, self.budget);
        let mut drained = false;
        let mut delay = FIRST_POLL;
        let policy = &self.context.retry;
        let reporter = &self.context.reporter;
        let mut done = false;
        loop {
            if !done {
                // Once queued, a batch that cannot be read may still be
                // running: its contacts are left unknown, never re-sent.
                let percent = match self
                    .client
                    .read(policy, 0xba7c, reporter, |a| {
                        self.client.batch_progress(id, a)
                    })
                    .await
                {
                    Ok(percent) => percent,
                    // Read back for a later run (no job count): a batch
                    // iVvy no longer knows has run long ago and expired
                    // (assumed: iVvy knows every batch it has queued), so
                    // its work is for the account's lists to tell.
                    Err(error) if jobs.is_none() && is_unknown_batch(&error) => {
                        return Err(unclear(id, &error));
                    }
                    Err(error) => {
                        let so_far = self.results_so_far(id).await;
                        return Ok(Waited::Unfinished(so_far, unreadable(id, &error)));
                    }
                };
                done = percent >= 100;
                if !done {
                    if let Some(why) = self.gave_up(id, percent, &mut deadline, &mut drained) {
                        let so_far = self.results_so_far(id).await;
                        return Ok(Waited::Unfinished(so_far, why));
                    }
                    let reason = match jobs {
                        Some(jobs) => format!("batch {id} has run {percent}% of its {jobs} jobs"),
                        None => format!("batch {id} has run {percent}% of its jobs"),
                    };
                    let wait = next_poll(started.elapsed(), percent, delay);
                    self.context.sleep(wait, &reason, OnCancel::Finish).await;
                    delay = (delay * 2).min(LAST_POLL);
                    continue;
                }
            }
            match self
                .client
                .read(policy, 0xba7d, reporter, |a| {
                    self.client.batch_results(id, a)
                })
                .await
            {
                Ok(results) if jobs.is_none_or(|jobs| results.len() >= jobs) => {
                    return Ok(Waited::Done(results));
                }
                // Finished by its progress, but not every result is in
                // yet (a server that gives the finished jobs so far, or
                // says 24114 a moment longer): ask again.
                Ok(_) => {}
                Err(error) if is_not_completed(&error) => {}
                // It has run (its progress said so), so nothing of it is
                // still to come: the event's invitations tell the rest.
                Err(error) => return Err(unclear(id, &error)),
            }
            if let Some(why) = self.gave_up(id, 100, &mut deadline, &mut drained) {
                let so_far = self.results_so_far(id).await;
                return Ok(Waited::Unfinished(so_far, why));
            }
            let reason = format!("batch {id}'s results");
            self.context.sleep(delay, &reason, OnCancel::Finish).await;
            delay = (delay * 2).min(LAST_POLL);
        }
    }

    /// Every job's result of a batch an earlier run queued, once it has
    /// finished: a batch still running when the wait ends is
    /// [`Error::BatchUnfinished`], as what it carries may yet be done and
    /// nothing of it may be sent again now.
    pub(crate) async fn read_back(&self, id: &str) -> Result<Vec<BatchJobResult>, Error> {
        match self.wait_for(id, None).await? {
            Waited::Done(results) => Ok(results),
            Waited::Unfinished(_, why) => Err(unfinished(id, &why)),
        }
    }

    /// Why waiting stops now, if it does: the budget is spent, or the run
    /// was cancelled and its drain time has passed.
    fn gave_up(
        &self,
        id: &str,
        percent: u8,
        deadline: &mut Instant,
        drained: &mut bool,
    ) -> Option<Arc<Error>> {
        let now = Instant::now();
        if self.context.is_cancelled() && !*drained {
            *drained = true;
            *deadline = (*deadline).min(far(now, self.context.drain_time));
        }
        (now >= *deadline).then(|| {
            Arc::new(Error::BatchUnfinished {
                id: id.to_string(),
                why: format!("it had run {percent}% of its jobs when the wait for it ended"),
            })
        })
    }

    /// Whatever results the batch gives now (a server may give the
    /// finished jobs' before the end); none when it gives none.
    async fn results_so_far(&self, id: &str) -> Vec<BatchJobResult> {
        self.client.batch_results(id, 1).await.unwrap_or_default()
    }
}

impl Client {
    /// The invitations a batch of inviteContacts jobs made, read back from
    /// the batch (its `asyncId`, as [`BulkOptions::on_batch`] gave it):
    /// waited for as a batch run waits (reads of its progress, each wait
    /// reported, for at most the options' retry budget), then each job's
    /// reply matched to the contacts its request carried. For a run killed
    /// while its batch ran: its contacts' links, without sending anything.
    /// Contacts of a job that failed are left out: their fate is the
    /// event's invitations' to tell. A batch that has not finished by
    /// then (or whose progress cannot be read) is
    /// [`Error::BatchUnfinished`]: nothing may be sent for its contacts
    /// yet. A batch iVvy does not know (expired) or whose results cannot
    /// be read is another error: check the event's invitations instead.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    /// let seen = ids.clone();
    /// let options = ivvy::BulkOptions::for_tests()
    ///     .batch(true)
    ///     .on_batch(move |_, id, _| seen.lock().unwrap().push(id.to_string()));
    /// client.invite_many(4, [1, 2, 3], &options).await?;
    /// let id = ids.lock().unwrap()[0].clone();
    /// let invited = client.batch_invitations(&id, &options).await?;
    /// assert_eq!(invited.len(), 3);
    /// # Ok(()) }
    /// ```
    pub async fn batch_invitations(
        &self,
        async_id: &str,
        options: &BulkOptions,
    ) -> Result<Vec<Invitation>, Error> {
        let results = Batched::new(self, options).read_back(async_id).await?;
        let mut invitations = Vec::new();
        for result in &results {
            let Some(contacts) = job_contacts(result) else {
                continue;
            };
            if let Ok(reply) = job_reply::<InviteContactsReply>(result) {
                let matched = match_results(&contacts, reply);
                invitations.extend(
                    contacts
                        .into_iter()
                        .zip(matched.outcomes)
                        .filter_map(|(contact, outcome)| Some(Invitation::new(contact, outcome?))),
                );
            }
        }
        Ok(invitations)
    }
}

/// The contacts a job's request carried, when it is an inviteContacts
/// job whose request can be read.
fn job_contacts(result: &BatchJobResult) -> Option<Vec<ContactId>> {
    if result.action != "inviteContacts" {
        return None;
    }
    result
        .request
        .get("contacts")?
        .as_array()?
        .iter()
        .map(|c| ContactId::new(c.as_u64()?).ok())
        .collect()
}

/// The error for a batch that had not finished when the wait for it
/// ended, from why it ended (said once, not wrapped in itself).
fn unfinished(id: &str, why: &Error) -> Error {
    match why {
        Error::BatchUnfinished { id, why } => Error::BatchUnfinished {
            id: id.clone(),
            why: why.clone(),
        },
        other => Error::BatchUnfinished {
            id: id.to_string(),
            why: other.to_string(),
        },
    }
}

/// A batch that has run (its progress said 100%) but whose results cannot
/// be read (expired, or a read that failed): its fate is unclear, and the
/// run checks the event's invitations before sending anything again.
fn unclear(id: &str, error: &Error) -> Error {
    Error::UnexpectedReply {
        status: None,
        problem: format!("batch {id} was queued, but cannot be read back ({error})"),
        excerpt: String::new(),
        source: None,
    }
}

/// Why a queued batch whose progress cannot be read leaves its contacts
/// unknown.
fn unreadable(id: &str, error: &Error) -> Arc<Error> {
    Arc::new(Error::BatchUnfinished {
        id: id.to_string(),
        why: format!("its progress cannot be read ({error})"),
    })
}

/// What a batch's results say of each contact, in order: a job's reply
/// matched to its contacts as a direct reply is; a failed job's contacts
/// without a result (the run checks them, then sends the missing again),
/// unless `judge` says its error is never worth retrying (then failed);
/// a job with no result in a batch that did not finish, unknown (never
/// sent again).
pub(crate) fn job_outcomes(
    jobs: &[&[ContactId]],
    results: &[BatchJobResult],
    unfinished: Option<Arc<Error>>,
    judge: impl Fn(&Error) -> Next,
) -> Matched {
    let mut outcomes = Vec::with_capacity(jobs.iter().map(|j| j.len()).sum());
    let mut unexpected = Vec::new();
    // Each result is the job whose contacts its request names; by place
    // only for a result that names none.
    let by_first: HashMap<u64, &BatchJobResult> = results
        .iter()
        .filter_map(|r| Some((job_contacts(r)?.first()?.get(), r)))
        .collect();
    for (i, job) in jobs.iter().enumerate() {
        let named = job
            .first()
            .and_then(|c| by_first.get(&c.get()).copied())
            .filter(|r| job_contacts(r).as_deref() == Some(*job));
        let placed = results.get(i).filter(|r| job_contacts(r).is_none());
        let reply = named
            .or(placed)
            .filter(|r| r.action == "inviteContacts")
            .map(job_reply::<InviteContactsReply>);
        match (reply, &unfinished) {
            (Some(Ok(reply)), _) => {
                let matched = match_results(job, reply);
                outcomes.extend(matched.outcomes);
                unexpected.extend(matched.unexpected);
            }
            (Some(Err(error)), _) => {
                let failed = (judge(&error) == Next::Never).then(|| Arc::new(error));
                outcomes.extend(job.iter().map(|_| failed.clone().map(Outcome::Failed)));
            }
            (None, Some(why)) => {
                outcomes.extend(job.iter().map(|_| Some(Outcome::Unknown(why.clone()))));
            }
            // A finished batch without this job's result: unclear.
            (None, None) => outcomes.extend(job.iter().map(|_| None)),
        }
    }
    Matched {
        outcomes,
        unexpected,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::policy::classify::Pacing;

    fn ids(range: std::ops::RangeInclusive<u64>) -> Vec<ContactId> {
        range.map(|c| ContactId::new(c).expect("id")).collect()
    }

    fn result(response: serde_json::Value) -> BatchJobResult {
        serde_json::from_value(json!({
            "namespace": "event", "action": "inviteContacts", "request": {}, "response": response
        }))
        .expect("a result")
    }

    fn invited(contacts: &[u64]) -> serde_json::Value {
        json!({"results": contacts.iter().map(|c| json!({
            "contact": c, "status": true,
            "inviteLinkYes": format!("https://x.test/{c}/y"), "inviteLinkNo": format!("https://x.test/{c}/n")
        })).collect::<Vec<_>>()})
    }

    fn shown(matched: &Matched) -> Vec<&str> {
        matched
            .outcomes
            .iter()
            .map(|o| match o {
                None => "check",
                Some(Outcome::Invited(_)) => "invited",
                Some(Outcome::Failed(_)) => "failed",
                Some(Outcome::Unknown(_)) => "unknown",
                Some(_) => "other",
            })
            .collect()
    }

    #[test]
    fn progress_is_read_again_when_the_batch_should_be_done() {
        let ms = Duration::from_millis;
        assert_eq!(
            next_poll(ms(50), 25, ms(100)),
            ms(100),
            "150 ms left: the back-off's step"
        );
        assert_eq!(next_poll(ms(100), 50, ms(200)), ms(100), "as long again");
        assert_eq!(next_poll(ms(90), 90, ms(200)), ms(10));
        assert_eq!(
            next_poll(ms(99), 99, ms(200)),
            ms(10),
            "never shorter than the floor"
        );
        assert_eq!(
            next_poll(ms(50), 0, ms(100)),
            ms(100),
            "no pace yet: the back-off"
        );
    }

    #[test]
    fn each_job_settles_its_own_contacts() {
        let (a, b, c, d) = (ids(1..=2), ids(3..=4), ids(5..=6), ids(7..=8));
        let jobs: Vec<&[ContactId]> = vec![&a, &b, &c, &d];
        let results = [
            result(invited(&[1, 2])),
            result(json!({"errorCode": 500, "message": "Internal Server Error"})),
            result(json!({"errorCode": 400, "message": "bad", "specificCode": 23016})),
        ];
        let judge = |e: &Error| classify(e, Request::Write, Pacing::None);
        let matched = job_outcomes(&jobs, &results, None, judge);
        assert_eq!(
            shown(&matched),
            [
                "invited", "invited", "check", "check", "failed", "failed", "check", "check"
            ],
            "a 5xx job and a missing result are checked; a 400 job failed"
        );
        let why = Arc::new(Error::Cancelled);
        let matched = job_outcomes(&jobs, &results[..1], Some(why), judge);
        assert_eq!(
            shown(&matched),
            [
                "invited", "invited", "unknown", "unknown", "unknown", "unknown", "unknown",
                "unknown"
            ],
            "an unfinished batch's other contacts are never sent again"
        );
    }
}
