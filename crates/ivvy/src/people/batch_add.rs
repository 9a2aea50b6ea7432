//! Adding the missing through iVvy's batch namespace: up to 200
//! addOrUpdateContact jobs a request, each judged by
//! [`add`](super::add)'s rules for a direct add ([`after_add`]), so
//! nobody is added twice:
//!
//! - a `run` whose fate is unclear, a job that failed after it may have
//!   done its work (a 5xx), and a finished batch without a person's result
//!   are all an unclear add: after the consistency window the person is
//!   looked up, and only those not found go into the next batch. After a
//!   lost `run` reply the batch may still be queued, so the people not
//!   found are looked up again a window later until a look finds nobody
//!   new (within the retry budget; past it they fail, never re-sent);
//! - a job refused outright fails that person; a `run` refused before any
//!   work is sent again under the retry policy;
//! - a batch still running when the run's budget is spent (or the run is
//!   cancelled) leaves its people without a result: never sent again, and
//!   [`PeopleOptions::on_add_batch`] has its `asyncId` for a later run to
//!   read back ([`Client::batch_added`]).
//!
//! [`settle_jobs`] is the pure part: what a batch's results say of each
//! person.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use ivvy_api::types::{AddOrUpdateContactReply, BatchJobResult};

use crate::BulkOptions;
use crate::bulk::batch::{Batched, Waited};
use crate::client::Client;
use crate::context::{OnCancel, RunContext};
use crate::error::Error;
use crate::ids::ContactId;
use crate::operations::batch::{MAX_JOBS, job_reply};
use crate::operations::contacts::{Contact, NewContact, added_id};
use crate::people::add::{AfterAdd, after_add};
use crate::people::matching::Match;
use crate::people::options::{AddStep, PeopleOptions};
use crate::people::person::{Person, PersonKey};
use crate::people::resolution::{Resolution, not_sent};
use crate::policy::classify::is_refusal;
use crate::policy::retry::{Decision, wait_reason};

/// What a batch says of one person's add.
#[derive(Debug)]
pub(crate) enum JobStep {
    /// The job's own result: the contact added, or iVvy's error for it.
    Replied(Result<ContactId, Error>),
    /// No result, the batch having finished: unclear.
    Missing,
    /// No result, the batch still running: unknown, never sent again.
    Unfinished(Arc<Error>),
}

/// Who a job adds, as its request names them: its external id and its
/// email (trimmed, in lower case).
fn identity(external_id: Option<&str>, email: Option<&str>) -> (Option<String>, Option<String>) {
    (
        external_id.map(str::to_string),
        email.map(|e| e.trim().to_lowercase()),
    )
}

fn identity_of_result(result: &BatchJobResult) -> (Option<String>, Option<String>) {
    let text = |key: &str| result.request.get(key).and_then(serde_json::Value::as_str);
    identity(text("externalId"), text("email"))
}

/// What a batch's results say of each new contact of it, in order: each
/// result is the job whose request names the same external id and email
/// (by place for results that name nobody, and only when the batch has
/// given every job's result).
pub(crate) fn settle_jobs(
    news: &[&NewContact],
    results: &[BatchJobResult],
    unfinished: Option<&Arc<Error>>,
) -> Vec<JobStep> {
    let adds = |r: &&BatchJobResult| r.action == "addOrUpdateContact";
    let by_identity: HashMap<_, &BatchJobResult> = results
        .iter()
        .filter(adds)
        .filter(|r| !r.request.is_empty())
        .map(|r| (identity_of_result(r), r))
        .collect();
    news.iter()
        .enumerate()
        .map(|(i, new)| {
            let named = by_identity
                .get(&identity(new.external_id.as_deref(), Some(&new.email)))
                .copied();
            // By place only when every job's result is in: results so
            // far need not follow the jobs' order.
            let placed = results
                .get(i)
                .filter(|_| unfinished.is_none() && results.len() == news.len())
                .filter(adds)
                .filter(|r| r.request.is_empty());
            match (named.or(placed), unfinished) {
                (Some(result), _) => JobStep::Replied(
                    job_reply::<AddOrUpdateContactReply>(result).and_then(|r| added_id(&r)),
                ),
                (None, Some(why)) => JobStep::Unfinished(why.clone()),
                (None, None) => JobStep::Missing,
            }
        })
        .collect()
}

/// Where one batch of adds stands between rounds.
struct Round<'p> {
    people: &'p [(PersonKey, Person)],
    options: &'p PeopleOptions,
    /// People whose earlier add's fate was unclear: a stop reports them
    /// failed (they may have been added), never "not sent".
    unclear: HashMap<usize, Arc<Error>>,
    settled: Vec<(usize, Resolution)>,
}

impl Round<'_> {
    fn settle(&mut self, i: usize, resolution: Resolution) {
        if let Resolution::Created(id) = resolution {
            self.options
                .record_add(&self.people[i].1, AddStep::Added(id));
        }
        self.settled.push((i, resolution));
    }

    fn stop(&mut self, pending: &[usize]) {
        for &i in pending {
            let resolution = match self.unclear.get(&i) {
                Some(error) => Resolution::Failed(error.clone()),
                None => not_sent(),
            };
            self.settled.push((i, resolution));
        }
    }
}

impl Client {
    /// Adds the people at `wanted` (each able to be added) in batches of
    /// up to 200 jobs, `concurrency` batches at once: one resolution each.
    pub(crate) async fn add_by_batch(
        &self,
        people: &[(PersonKey, Person)],
        wanted: &[usize],
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Vec<(usize, Resolution)> {
        let batched = Batched::new(self, &options.bulk);
        let chunks: Vec<_> = wanted
            .chunks(MAX_JOBS)
            .map(|chunk| self.add_batch(&batched, people, chunk.to_vec(), options, context))
            .collect();
        stream::iter(chunks)
            .buffer_unordered(context.concurrency)
            .flat_map(stream::iter)
            .collect()
            .await
    }

    /// One batch of adds, queued again for those whose add is known not
    /// to have been made, until each is settled (see the module docs).
    async fn add_batch(
        &self,
        batched: &Batched,
        people: &[(PersonKey, Person)],
        mut pending: Vec<usize>,
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Vec<(usize, Resolution)> {
        let policy = &context.retry;
        let mut rng = policy.rng(0xadd_ba7c);
        let started = tokio::time::Instant::now();
        let (mut attempt, mut refusals) = (0, 0);
        let mut round = Round {
            people,
            options,
            unclear: HashMap::new(),
            settled: Vec::with_capacity(pending.len()),
        };
        while !pending.is_empty() {
            if context.is_cancelled() {
                round.stop(&pending);
                break;
            }
            attempt += 1;
            let news: Vec<NewContact> = pending
                .iter()
                .map(|&i| people[i].1.to_new_contact())
                .collect();
            let news: Vec<&NewContact> = news.iter().collect();
            for &i in &pending {
                options.record_add(&people[i].1, AddStep::Sending);
            }
            // What each pending person's add came to, as after_add judges.
            // A run whose reply was lost: its batch may be queued still.
            let mut queued_unknown = false;
            let afters: Vec<(AfterAdd, Option<Arc<Error>>)> =
                match self.batch_adds(&news, attempt).await {
                    Err(error) => {
                        queued_unknown = true;
                        if is_refusal(&error) {
                            refusals += 1;
                        }
                        let result = Err(error);
                        let after = after_add(
                            &result,
                            attempt,
                            refusals,
                            started.elapsed(),
                            policy,
                            &mut rng,
                        );
                        let error = Arc::new(result.err().unwrap_or(Error::Cancelled));
                        vec![(after, Some(error)); pending.len()]
                    }
                    Ok(id) => {
                        let carried: Vec<Person> =
                            pending.iter().map(|&i| people[i].1.clone()).collect();
                        options.record_add_batch(&id, &carried);
                        let steps = match batched.wait_for(&id, Some(news.len())).await {
                            Ok(Waited::Done(results)) => settle_jobs(&news, &results, None),
                            Ok(Waited::Unfinished(results, why)) => {
                                settle_jobs(&news, &results, Some(&why))
                            }
                            // Run, but unreadable: every add is unclear.
                            Err(_) => news.iter().map(|_| JobStep::Missing).collect(),
                        };
                        steps
                            .into_iter()
                            .map(|step| match step {
                                JobStep::Replied(result) => {
                                    let after = after_add(
                                        &result,
                                        attempt,
                                        refusals,
                                        started.elapsed(),
                                        policy,
                                        &mut rng,
                                    );
                                    (after, result.err().map(Arc::new))
                                }
                                JobStep::Missing => {
                                    let why = Error::unusable_reply(format!(
                                        "batch {id} gave no result for this add"
                                    ));
                                    (AfterAdd::LookFirst, Some(Arc::new(why)))
                                }
                                JobStep::Unfinished(why) => (AfterAdd::Fail, Some(why)),
                            })
                            .collect()
                    }
                };
            let mut again = Vec::new();
            let mut look = Vec::new();
            let mut wait = Duration::ZERO;
            for (&i, (after, error)) in pending.iter().zip(afters) {
                match (after, error) {
                    (AfterAdd::Done(id), _) => round.settle(i, Resolution::Created(id)),
                    (AfterAdd::RetryAfter(w), _) => {
                        wait = wait.max(w);
                        again.push(i);
                    }
                    (AfterAdd::LookFirst, Some(error)) => {
                        round.unclear.insert(i, error.clone());
                        look.push((i, error));
                    }
                    (AfterAdd::Fail | AfterAdd::LookFirst, error) => {
                        let error = error.unwrap_or_else(|| Arc::new(Error::Cancelled));
                        // Refused outright only when no earlier attempt's
                        // fate is in doubt and this batch has finished.
                        if !round.unclear.contains_key(&i)
                            && !matches!(*error, Error::BatchUnfinished { .. })
                        {
                            options.record_add(&people[i].1, AddStep::Refused);
                        }
                        round.settled.push((i, Resolution::Failed(error)));
                    }
                }
            }
            if !look.is_empty() {
                let Some(missing) = self
                    .check_unclear(look, queued_unknown, batched.budget, &mut round, context)
                    .await
                else {
                    round.stop(&again);
                    break;
                };
                for (i, error) in missing {
                    match policy.decide(attempt, refusals, started.elapsed(), &error, &mut rng) {
                        Decision::RetryAfter(w) => {
                            wait = wait.max(w);
                            again.push(i);
                        }
                        Decision::GiveUp => round.settled.push((i, Resolution::Failed(error))),
                    }
                }
            }
            pending = again;
            if !pending.is_empty() && !wait.is_zero() {
                let reason = format!("{} add(s) to send again", pending.len());
                if !context.sleep(wait, &reason, OnCancel::Stop).await {
                    round.stop(&pending);
                    break;
                }
            }
        }
        round.settled
    }

    /// Looks up the people whose add is unclear, a consistency window
    /// after it: those found are settled (added, or ambiguous), those who
    /// cannot be checked fail, and those not found are returned, to be
    /// sent again. After a `run` whose reply was lost (`queued_unknown`)
    /// its batch may still be queued or running, so those not found are
    /// looked up again a window later for as long as the last look found
    /// anyone; once `budget` has passed, the rest fail (never sent again).
    /// `None` when the run was cancelled while waiting: those left are the
    /// caller's to stop.
    async fn check_unclear(
        &self,
        mut look: Vec<(usize, Arc<Error>)>,
        queued_unknown: bool,
        budget: Duration,
        round: &mut Round<'_>,
        context: &RunContext,
    ) -> Option<Vec<(usize, Arc<Error>)>> {
        let deadline = crate::context::far(tokio::time::Instant::now(), budget);
        let mut looks = 0;
        loop {
            looks += 1;
            let first = look.first()?.1.clone();
            let reason = format!("checking whether the adds landed, {}", wait_reason(&first));
            if !context
                .sleep(context.consistency_window, &reason, OnCancel::Stop)
                .await
            {
                round.stop(&look.iter().map(|(i, _)| *i).collect::<Vec<_>>());
                return None;
            }
            let lookups: Vec<_> = look
                .iter()
                .map(|(i, _)| self.look_up(&round.people[*i].1, &context.retry, &context.reporter))
                .collect();
            let found: Vec<_> = stream::iter(lookups)
                .buffered(context.concurrency)
                .collect()
                .await;
            let asked = look.len();
            let mut missing = Vec::new();
            for ((i, error), found) in look.into_iter().zip(found) {
                match found {
                    // Most likely this add: nobody else was there before.
                    Ok(Some(Match::Found(id))) => round.settle(i, Resolution::Created(id)),
                    Ok(Some(Match::Ambiguous(ids))) => {
                        round.settled.push((i, Resolution::Ambiguous(ids)));
                    }
                    // Cannot be checked: not sent again.
                    Ok(None) => round.settled.push((i, Resolution::Failed(error))),
                    Err(e) => round.settled.push((i, Resolution::Failed(Arc::new(e)))),
                    Ok(Some(Match::NotFound)) => missing.push((i, error)),
                }
            }
            let steady = looks > 1 && missing.len() == asked;
            if !queued_unknown || missing.is_empty() || steady {
                return Some(missing);
            }
            if tokio::time::Instant::now() >= deadline {
                for (i, error) in missing {
                    round.settled.push((i, Resolution::Failed(error)));
                }
                return Some(Vec::new());
            }
            look = missing;
        }
    }

    /// The contacts a batch of addOrUpdateContact jobs added, read back
    /// from the batch (its `asyncId`, as [`PeopleOptions::on_add_batch`]
    /// gave it), each with the external id, email and names its job sent:
    /// waited for as a run waits (reads of its progress, each wait
    /// reported, for at most the options' retry budget). For a run killed
    /// while its batch of adds ran: whom it added, to pass to the next run
    /// as [`PeopleOptions::added_earlier`], without adding anyone again.
    /// Jobs that failed are left out. A batch that has not finished by
    /// then (or whose progress cannot be read) is
    /// [`Error::BatchUnfinished`]: nobody it carries may be added until it
    /// has. A batch iVvy does not know (expired) or whose results cannot
    /// be read is another error: look its people up instead, a
    /// consistency window from now.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// use ivvy::{PeopleOptions, Person};
    /// let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    /// let seen = ids.clone();
    /// let bulk = ivvy::BulkOptions::for_tests().batch(true);
    /// let options = PeopleOptions::new()
    ///     .create_missing(true)
    ///     .bulk(bulk.clone())
    ///     .on_add_batch(move |id, _| seen.lock().unwrap().push(id.to_string()));
    /// let people = [Person::by_email("new@example.com").named("New", "Person")];
    /// client.resolve_people(people, &options).await?;
    /// let id = ids.lock().unwrap()[0].clone();
    /// let added = client.batch_added(&id, &bulk).await?;
    /// assert_eq!(added[0].email.as_deref(), Some("new@example.com"));
    /// # Ok(()) }
    /// ```
    pub async fn batch_added(
        &self,
        async_id: &str,
        options: &BulkOptions,
    ) -> Result<Vec<Contact>, Error> {
        let results = Batched::new(self, options).read_back(async_id).await?;
        Ok(results
            .iter()
            .filter(|r| r.action == "addOrUpdateContact")
            .filter_map(|result| {
                let reply = job_reply::<AddOrUpdateContactReply>(result).ok()?;
                let id = added_id(&reply).ok()?;
                let text = |key: &str| {
                    result
                        .request
                        .get(key)
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string)
                };
                let mut contact = Contact::new(id);
                contact.external_id = text("externalId");
                contact.email = text("email");
                contact.first_name = text("firstName");
                contact.last_name = text("lastName");
                Some(contact)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn result(request: serde_json::Value, response: serde_json::Value) -> BatchJobResult {
        serde_json::from_value(json!({
            "namespace": "contact", "action": "addOrUpdateContact",
            "request": request, "response": response
        }))
        .expect("a result")
    }

    fn shown(steps: &[JobStep]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                JobStep::Replied(Ok(id)) => format!("added {id}"),
                JobStep::Replied(Err(e)) => format!("error {}", e.code()),
                JobStep::Missing => "missing".into(),
                JobStep::Unfinished(_) => "unfinished".into(),
            })
            .collect()
    }

    #[test]
    fn each_add_is_settled_by_the_job_that_names_it() {
        let ann = NewContact::new("Ann", "Lee", "Ann@X.test").external_id("A");
        let bo = NewContact::new("Bo", "Li", "bo@x.test");
        let cy = NewContact::new("Cy", "Ng", "cy@x.test");
        let news = [&ann, &bo, &cy];
        let results = [
            // Out of order; the email in another case.
            result(
                json!({"email": "bo@x.test", "firstName": "Bo"}),
                json!({"errorCode": 500, "message": "Internal Server Error"}),
            ),
            result(
                json!({"externalId": "A", "email": "ann@x.test"}),
                json!({"success": true, "id": "41"}),
            ),
        ];
        assert_eq!(
            shown(&settle_jobs(&news, &results, None)),
            ["added 41", "error api", "missing"]
        );
        let why = Arc::new(Error::Cancelled);
        assert_eq!(
            shown(&settle_jobs(&news, &results[1..], Some(&why))),
            ["added 41", "unfinished", "unfinished"]
        );
    }
}
