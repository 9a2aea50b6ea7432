//! Adding the people not in the account, each at most once.
//!
//! Adding a contact is not idempotent. After an add whose fate is unknown
//! (a 5xx, a timeout), the person is looked up again, after the
//! [consistency window](crate::BulkOptions::consistency_window), before
//! anything is sent again: found, they count as added; not found, the add
//! is sent again under the retry policy. People whose external id is
//! unknown are added first; a person known only by an email that one of
//! them was just added with is that contact, not a second one. With
//! [`BulkOptions::batch`](crate::BulkOptions::batch) the adds go 200 to a
//! request ([`batch_add`](super::batch_add)), by the same rules.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::client::Client;
use crate::context::{OnCancel, RunContext};
use crate::error::Error;
use crate::ids::ContactId;
use crate::operations::contacts::NewContact;
use crate::people::matching::{Index, Match};
use crate::people::options::{AddStep, PeopleOptions};
use crate::people::person::{Person, PersonKey};
use crate::people::resolution::{Resolution, not_sent, resolution_of};
use crate::policy::classify::{Next, Pacing, Request, classify, is_refusal};
use crate::policy::retry::{Decision, RetryPolicy, wait_reason};

/// What to do after an add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterAdd {
    /// Added.
    Done(ContactId),
    /// Its fate is unknown: look the person up before sending again.
    LookFirst,
    /// Not done (refused before any work): wait, then send again.
    RetryAfter(Duration),
    /// Give up with this error.
    Fail,
}

/// Decides from an add's result, the attempt number (of which `refusals`
/// were refused: they use no attempt) and the time spent, by
/// [`classify`]'s rules for a request that is not idempotent. (Adds are
/// not paced by the throttle: a refused add waits its `Retry-After`.)
pub(crate) fn after_add(
    result: &Result<ContactId, Error>,
    attempt: u32,
    refusals: u32,
    elapsed: Duration,
    policy: &RetryPolicy,
    rng: &mut fastrand::Rng,
) -> AfterAdd {
    let error = match result {
        Ok(id) => return AfterAdd::Done(*id),
        Err(error) => error,
    };
    match classify(error, Request::Write, Pacing::None) {
        Next::CheckFirst => AfterAdd::LookFirst,
        Next::Retry | Next::Paced => match policy.decide(attempt, refusals, elapsed, error, rng) {
            Decision::RetryAfter(wait) => AfterAdd::RetryAfter(wait),
            Decision::GiveUp => AfterAdd::Fail,
        },
        Next::Never => AfterAdd::Fail,
    }
}

/// Why a person known by an email whose add just ended in doubt is not
/// added.
const EMAIL_IN_DOUBT: &str = crate::status::reason::EMAIL_IN_DOUBT.1;

impl Client {
    /// Adds the people not found (one resolution per distinct person),
    /// those with an external id first; a person known only by email takes
    /// a contact just added with that email.
    pub(crate) async fn add_missing(
        &self,
        people: &[(PersonKey, Person)],
        mut found: Vec<Resolution>,
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Vec<Resolution> {
        let missing = |found: &[Resolution], external: bool| -> Vec<usize> {
            (0..people.len())
                .filter(|&i| matches!(found[i], Resolution::NotFound))
                .filter(|&i| matches!(people[i].0, PersonKey::External(_)) == external)
                .collect()
        };
        let total = found
            .iter()
            .filter(|r| matches!(r, Resolution::NotFound))
            .count();
        let mut done = 0;
        for external in [true, false] {
            let wanted = missing(&found, external);
            if !external {
                match_this_runs_adds(people, &wanted, &mut found);
            }
            let wanted: Vec<usize> = wanted
                .into_iter()
                .filter(|&i| matches!(found[i], Resolution::NotFound))
                .collect();
            if options.bulk.batch {
                let (can, cannot): (Vec<usize>, Vec<usize>) = wanted
                    .iter()
                    .partition(|&&i| people[i].1.missing_for_adding().is_none());
                for i in cannot {
                    if let Some(why) = people[i].1.missing_for_adding() {
                        found[i] = Resolution::CannotAdd(why);
                    }
                }
                for (i, resolution) in self.add_by_batch(people, &can, options, context).await {
                    found[i] = resolution;
                }
                done += wanted.len();
                context.progress(done, total);
                continue;
            }
            // Collected first, so the stream holds futures, not a closure
            // over borrowed people (which a spawned task could not hold).
            let adds: Vec<_> = wanted
                .iter()
                .map(|&i| self.add_if_possible(i, &people[i].1, options, context))
                .collect();
            let mut results = stream::iter(adds).buffer_unordered(context.concurrency);
            while let Some((i, resolution)) = results.next().await {
                found[i] = resolution;
                done += 1;
                context.progress(done, total);
            }
        }
        found
    }

    async fn add_if_possible(
        &self,
        i: usize,
        person: &Person,
        options: &PeopleOptions,
        context: &RunContext,
    ) -> (usize, Resolution) {
        match person.missing_for_adding() {
            Some(why) => (i, Resolution::CannotAdd(why)),
            None => (i, self.add_once(person, options, context).await),
        }
    }

    /// Adds one person, never twice: an add whose fate is unknown is
    /// followed by a fresh lookup before anything is sent again.
    async fn add_once(
        &self,
        person: &Person,
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Resolution {
        let new = person.to_new_contact();
        let policy = &context.retry;
        let mut rng = policy.rng(0xadd);
        let started = tokio::time::Instant::now();
        let mut attempt = 0;
        let mut refusals = 0;
        // An add sent whose fate is unknown: a stop then reports it failed
        // (it may have worked), never "not sent".
        let mut unclear: Option<Arc<Error>> = None;
        let stopped = |unclear: &Option<Arc<Error>>| match unclear {
            Some(error) => Resolution::Failed(error.clone()),
            None => not_sent(),
        };
        loop {
            if context.is_cancelled() {
                return stopped(&unclear);
            }
            attempt += 1;
            options.record_add(person, AddStep::Sending);
            let Some(result) = self.add_within_drain(&new, attempt, context).await else {
                // Stopped while the add was under way: its fate is unknown.
                return Resolution::Failed(Arc::new(Error::Cancelled));
            };
            if result.as_ref().err().is_some_and(is_refusal) {
                refusals += 1;
            }
            match after_add(
                &result,
                attempt,
                refusals,
                started.elapsed(),
                policy,
                &mut rng,
            ) {
                AfterAdd::Done(id) => {
                    options.record_add(person, AddStep::Added(id));
                    return Resolution::Created(id);
                }
                AfterAdd::RetryAfter(wait) => {
                    let reason = result.as_ref().err().map(wait_reason).unwrap_or_default();
                    if !context.sleep(wait, &reason, OnCancel::Stop).await {
                        return stopped(&unclear);
                    }
                }
                AfterAdd::Fail => {
                    // Refused outright only when no earlier attempt's fate
                    // is in doubt.
                    if unclear.is_none() {
                        options.record_add(person, AddStep::Refused);
                    }
                    return Resolution::Failed(Arc::new(result.err().unwrap_or(Error::Cancelled)));
                }
                AfterAdd::LookFirst => {
                    let error = Arc::new(result.err().unwrap_or(Error::Cancelled));
                    unclear = Some(error.clone());
                    tracing::info!(%error, "an add's fate is unknown; looking the person up before sending it again");
                    let reason =
                        format!("checking whether the add landed, {}", wait_reason(&error));
                    if !context
                        .sleep(context.consistency_window, &reason, OnCancel::Stop)
                        .await
                    {
                        return stopped(&unclear);
                    }
                    match self.look_up(person, policy, &context.reporter).await {
                        // Most likely our add: nobody else was there before.
                        Ok(Some(Match::Found(id))) => {
                            options.record_add(person, AddStep::Added(id));
                            return Resolution::Created(id);
                        }
                        Ok(Some(Match::Ambiguous(ids))) => return Resolution::Ambiguous(ids),
                        // Cannot be checked: not sent again.
                        Ok(None) => return Resolution::Failed(error),
                        Err(e) => return Resolution::Failed(Arc::new(e)),
                        Ok(Some(Match::NotFound)) => {
                            match policy.decide(
                                attempt,
                                refusals,
                                started.elapsed(),
                                &error,
                                &mut rng,
                            ) {
                                Decision::RetryAfter(wait) => {
                                    if !context
                                        .sleep(wait, &wait_reason(&error), OnCancel::Stop)
                                        .await
                                    {
                                        return stopped(&unclear);
                                    }
                                }
                                Decision::GiveUp => return Resolution::Failed(error),
                            }
                        }
                    }
                }
            }
        }
    }

    /// One add; once the run is cancelled, it gets the drain time to
    /// finish, then `None` (its fate unknown).
    async fn add_within_drain(
        &self,
        new: &NewContact,
        attempt: u32,
        context: &RunContext,
    ) -> Option<Result<ContactId, Error>> {
        let add = self.add_contact_attempt(new, attempt);
        let drained = async {
            context.cancel.cancelled().await;
            tokio::time::sleep(context.drain_time).await;
        };
        tokio::select! {
            result = add => Some(result),
            () = drained => None,
        }
    }
}

/// For people known by email only (`wanted`), the contacts this run just
/// added: one with their email is them. An email whose add ended in doubt
/// is not added again. (Earlier runs' adds were matched before adding
/// began.)
fn match_this_runs_adds(
    people: &[(PersonKey, Person)],
    wanted: &[usize],
    found: &mut [Resolution],
) {
    let mut added = Index::default();
    for (i, (_, person)) in people.iter().enumerate() {
        if let Resolution::Created(id) = found[i] {
            added.add(person.as_added(id));
        }
    }
    // Emails whose add ended in doubt: adding again could make a second
    // contact for the same person.
    let doubtful: std::collections::HashSet<String> = people
        .iter()
        .zip(found.iter())
        .filter(|(_, r)| matches!(r, Resolution::Failed(_) | Resolution::NotSent(_)))
        .filter_map(|((_, p), _)| p.email_key())
        .collect();
    for &i in wanted {
        let m = added.find(&people[i].1);
        if m != Match::NotFound {
            // Two adds with the email are two people: a third row known by
            // that email alone is neither of them for sure, and adding it
            // would make a third.
            found[i] = resolution_of(m);
        } else if people[i]
            .1
            .email_key()
            .is_some_and(|e| doubtful.contains(&e))
        {
            found[i] = Resolution::CannotAdd(EMAIL_IN_DOUBT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclear_add_is_looked_up_and_a_refused_one_fails() {
        let policy = RetryPolicy::new().jitter_seed(1);
        let mut rng = policy.rng(0);
        let ok = Ok(ContactId::new(5).expect("valid"));
        assert_eq!(
            after_add(&ok, 1, 0, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Done(ContactId::new(5).expect("valid"))
        );
        let timeout = Err(Error::Timeout {
            source: reqwest_error(),
        });
        assert_eq!(
            after_add(&timeout, 1, 0, Duration::ZERO, &policy, &mut rng),
            AfterAdd::LookFirst
        );
        let refused = Err(Error::invalid("email", "bad"));
        assert_eq!(
            after_add(&refused, 1, 0, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Fail
        );
        let connect = Err(Error::Connect {
            source: reqwest_error(),
        });
        assert!(matches!(
            after_add(&connect, 1, 0, Duration::ZERO, &policy, &mut rng),
            AfterAdd::RetryAfter(_)
        ));
        assert_eq!(
            after_add(&connect, 6, 0, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Fail
        );
    }

    fn reqwest_error() -> reqwest::Error {
        // A builder error: a real reqwest::Error without a network.
        crate::transport::tls::test_client()
            .get("not a url")
            .build()
            .expect_err("a relative URL does not build")
    }
}
