//! Bulk invites against the fake server under faults: every contact comes
//! back once, in input order, and nobody is invited twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ivvy::{BulkOptions, BulkReport, Outcome, Progress};
use ivvy_mock::{Faults, MockConfig, MockServer};
use proptest::prelude::*;
use tokio_util::sync::CancellationToken;

const EVENT: u64 = 4;

async fn mock(faults: Faults) -> MockServer {
    MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts")
}

/// Short waits; no consistency window, as the fake server's list shows
/// invitations at once unless told to lag.
fn fast_retries() -> BulkOptions {
    BulkOptions::new()
        .backoff(Duration::from_millis(1), Duration::from_millis(10))
        .max_attempts(30)
        .jitter_seed(42)
        .consistency_window(Duration::ZERO)
}

/// The invariants every run must keep, whatever the faults.
fn check_invariants(server: &MockServer, input: &[i64], report: &BulkReport) {
    let mut distinct = Vec::new();
    for c in input {
        if !distinct.contains(c) {
            distinct.push(*c);
        }
    }
    let reported: Vec<i64> = report
        .invitations
        .iter()
        .map(|i| i.contact.get() as i64)
        .collect();
    assert_eq!(
        reported, distinct,
        "one outcome per distinct contact, in input order"
    );
    assert!(
        server.max_invite_count() <= 1,
        "a contact was invited twice"
    );
    for invitation in &report.invitations {
        let contact = invitation.contact.get();
        let count = server.invite_count(EVENT, contact);
        match &invitation.outcome {
            o if o.is_invited() => assert_eq!(count, 1, "{contact} reported invited: {o:?}"),
            Outcome::NotInvited => {
                assert_eq!(count, 0, "{contact}");
                assert_eq!(contact % 7, 0, "{contact} exists but was not invited");
            }
            Outcome::Failed(e) => assert_eq!(count, 0, "{contact} failed ({e}) but is invited"),
            Outcome::NotSent(e) => assert_eq!(count, 0, "{contact} not sent ({e}) but is invited"),
            Outcome::Unknown(_) => assert!(count <= 1),
            other => panic!("unexpected outcome {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_thousand_contacts_through_rate_limits_failures_and_reordering() {
    let faults = Faults::new()
        .max_contacts_per_call(100)
        .rate_limit_every(3)
        .fail_after_work_every(4)
        .delay(Duration::ZERO, Duration::from_millis(15));
    let server = mock(faults).await;
    let client = server.client_builder().build().expect("client");

    let progress: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen = progress.clone();
    let options = fast_retries()
        .chunk_size(100)
        .concurrency(4)
        .on_progress(move |p| seen.lock().expect("lock").push(p));
    let input: Vec<i64> = (1..=1000).collect();
    let report = client
        .invite_many(EVENT as i64, input.clone(), &options)
        .await
        .expect("runs");

    check_invariants(&server, &input, &report);
    for invitation in &report.invitations {
        let exists = invitation.contact.get() % 7 != 0;
        assert_eq!(invitation.outcome.is_invited(), exists, "{:?}", invitation);
    }
    let reconciled = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::InvitedLinksUnknown))
        .count();
    assert!(
        reconciled > 0,
        "every 4th invite call failed after the work, so some contacts were found by reconciling"
    );
    let with_links = report
        .invitations
        .iter()
        .filter(|i| i.outcome.links().is_some())
        .count();
    assert_eq!(with_links + reconciled, 1000 - 1000 / 7);

    let progress = progress.lock().expect("lock");
    let done_of = |p: Option<&Progress>| p.map(|p| (p.done, p.total));
    assert_eq!(done_of(progress.first()), Some((0, 1000)));
    assert_eq!(done_of(progress.last()), Some((1000, 1000)));
    assert!(progress.windows(2).all(|w| w[0].done <= w[1].done));
}

#[tokio::test]
async fn running_the_same_list_twice_invites_nobody_twice() {
    let server = mock(Faults::default()).await;
    let client = server.client_builder().build().expect("client");
    let input: Vec<i64> = (1..=250).collect();
    let first = client
        .invite_many(EVENT as i64, input.clone(), &fast_retries())
        .await
        .expect("runs");
    let second = client
        .invite_many(EVENT as i64, input.clone(), &fast_retries())
        .await
        .expect("runs");
    check_invariants(&server, &input, &second);
    assert!(
        first
            .invitations
            .iter()
            .all(|i| !matches!(i.outcome, Outcome::AlreadyInvited))
    );
    for invitation in &second.invitations {
        if invitation.contact.get() % 7 != 0 {
            assert!(
                matches!(invitation.outcome, Outcome::AlreadyInvited),
                "{invitation:?}"
            );
        }
    }
}

#[tokio::test]
async fn other_4xx_errors_fail_their_chunk_and_the_rest_go_on() {
    let faults = Faults::new().error_in_200_every(3);
    let server = mock(faults).await;
    let client = server.client_builder().build().expect("client");
    let input: Vec<i64> = (1..=600).collect();
    let report = client
        .invite_many(
            EVENT as i64,
            input.clone(),
            &fast_retries().chunk_size(100).concurrency(1),
        )
        .await
        .expect("runs");
    check_invariants(&server, &input, &report);
    let failed: Vec<&ivvy::Invitation> = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Failed(_)))
        .collect();
    // requests: 1 listing, then invites 2, 3 (error), 4, 5, 6 (error), 7
    assert_eq!(failed.len(), 200, "two chunks of 100 failed");
    let message = failed[0].outcome.error().expect("error").to_string();
    assert!(
        message.contains("Simulated error in a 200 reply"),
        "{message}"
    );
    assert!(!report.all_invited());
}

/// A server that refuses every request (429) spends no attempts, since
/// nothing was done: the run's retry budget ends it, and every contact is
/// reported failed with why.
#[tokio::test]
async fn refusals_are_bounded_by_the_run_budget_not_by_attempts() {
    let faults = Faults::new().rate_limit_every(1);
    let server = mock(faults).await;
    let client = server
        .client_builder()
        .adaptive_rate(None)
        .build()
        .expect("client");
    let options = fast_retries()
        .max_attempts(3)
        .skip_invited(false)
        .retry_budget(Duration::from_millis(400));
    let report = client
        .invite_many(EVENT as i64, [1, 2, 3], &options)
        .await
        .expect("runs");
    assert!(
        server.request_count() > 3,
        "refusals are not attempts: {} requests",
        server.request_count()
    );
    for invitation in &report.invitations {
        let e = invitation.outcome.error().expect("failed");
        assert!(matches!(e, ivvy::Error::RetryBudgetSpent { .. }), "{e}");
    }
    assert_eq!(server.max_invite_count(), 0);
}

#[tokio::test]
async fn cancelling_lets_requests_under_way_finish_and_reports_the_rest_not_sent() {
    let faults = Faults::new().delay(Duration::from_millis(200), Duration::from_millis(200));
    let server = mock(faults).await;
    let client = server.client_builder().build().expect("client");
    let token = CancellationToken::new();
    let cancel = token.clone();
    let options = fast_retries()
        .chunk_size(10)
        .concurrency(2)
        .skip_invited(false)
        .cancel_on(token)
        .on_progress(move |p| {
            if p.done >= 20 {
                cancel.cancel();
            }
        });
    let input: Vec<i64> = (1..=100).map(|c| c * 7 + 1).collect();
    let report = client
        .invite_many(EVENT as i64, input.clone(), &options)
        .await
        .expect("runs");
    check_invariants(&server, &input, &report);
    let count =
        |f: fn(&Outcome) -> bool| report.invitations.iter().filter(|i| f(&i.outcome)).count();
    // Two chunks had settled when the token was cancelled (from the
    // progress callback); the one under way then finished, none started.
    assert_eq!(count(|o| o.is_invited()), 30);
    assert_eq!(count(|o| matches!(o, Outcome::Unknown(_))), 0);
    assert!(
        count(|o| matches!(o, Outcome::NotSent(e) if matches!(**e, ivvy::Error::Cancelled))) > 0
    );
    assert!(report.invitations.len() == 100);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = server.request_count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.request_count(),
        after,
        "no request starts after cancelling"
    );
}

#[tokio::test]
async fn requests_still_under_way_after_the_drain_are_checked_not_guessed() {
    let faults = Faults::new().delay(Duration::from_millis(400), Duration::from_millis(400));
    let server = mock(faults).await;
    let client = server.client_builder().build().expect("client");
    let token = CancellationToken::new();
    let options = fast_retries()
        .chunk_size(10)
        .concurrency(2)
        .skip_invited(false)
        .drain_time(Duration::ZERO)
        .cancel_on(token.clone());
    let input: Vec<i64> = (1..=100).map(|c| c * 7 + 1).collect();
    let run = client.invite_many(EVENT as i64, input.clone(), &options);
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        token.cancel();
    };
    let (report, ()) = tokio::join!(run, cancel);
    let report = report.expect("runs");
    check_invariants(&server, &input, &report);
    let unknown = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Unknown(_)))
        .count();
    let not_sent = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::NotSent(_)))
        .count();
    assert_eq!(unknown, 20, "the two chunks under way");
    assert_eq!(not_sent, 80);
}

#[tokio::test]
async fn a_token_cancelled_before_the_run_still_gives_every_contact_a_row() {
    let server = mock(Faults::default()).await;
    let client = server.client_builder().build().expect("client");
    let token = CancellationToken::new();
    token.cancel();
    let options = fast_retries().skip_invited(false).cancel_on(token);
    let input: Vec<i64> = (1..=25).collect();
    let report = client
        .invite_many(EVENT as i64, input.clone(), &options)
        .await
        .expect("runs");
    check_invariants(&server, &input, &report);
    assert!(
        report
            .invitations
            .iter()
            .all(|i| matches!(i.outcome, Outcome::NotSent(_)))
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn dropping_the_future_stops_new_requests() {
    let faults = Faults::new().delay(Duration::from_millis(50), Duration::from_millis(50));
    let server = mock(faults).await;
    let client = server.client_builder().build().expect("client");
    let input: Vec<i64> = (1..=1000).collect();
    let options = fast_retries().chunk_size(10).concurrency(2);
    let run = client.invite_many(EVENT as i64, input, &options);
    assert!(
        tokio::time::timeout(Duration::from_millis(220), run)
            .await
            .is_err(),
        "still running"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = server.request_count();
    assert!(after < 20, "{after} requests");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.request_count(), after);
    assert!(server.max_invite_count() <= 1);
}

#[derive(Debug, Clone)]
struct Schedule {
    rate_limit_every: Option<u64>,
    fail_after_work_every: Option<u64>,
    error_in_200_every: Option<u64>,
    html_502_every: Option<u64>,
    chunk_size: usize,
    concurrency: usize,
}

fn schedules() -> impl Strategy<Value = Schedule> {
    let every = || proptest::option::of(2_u64..6);
    (
        every(),
        every(),
        every(),
        every(),
        10_usize..400,
        1_usize..6,
    )
        .prop_map(
            |(
                rate_limit_every,
                fail_after_work_every,
                error_in_200_every,
                html_502_every,
                chunk_size,
                concurrency,
            )| {
                Schedule {
                    rate_limit_every,
                    fail_after_work_every,
                    error_in_200_every,
                    html_502_every,
                    chunk_size,
                    concurrency,
                }
            },
        )
}

fn contact_lists() -> impl Strategy<Value = Vec<i64>> {
    // Ids from a small range so that lists carry duplicates and ids that do not exist.
    (1_usize..=5_000).prop_flat_map(|len| proptest::collection::vec(1_i64..3_000, len))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_random_lists_and_faults(input in contact_lists(), schedule in schedules()) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(async {
            let mut faults = Faults::default();
            faults.rate_limit_every = schedule.rate_limit_every;
            faults.fail_after_work_every = schedule.fail_after_work_every;
            faults.error_in_200_every = schedule.error_in_200_every;
            faults.html_502_every = schedule.html_502_every;
            let server = mock(faults).await;
            // These 429s come every Nth request whatever the rate: not a
            // quota to pace by (see `AdaptiveRate`), so the rules are off.
            let client = server.client_builder().adaptive_rate(None).build().expect("client");
            let options = fast_retries().chunk_size(schedule.chunk_size).concurrency(schedule.concurrency);
            match client.invite_many(EVENT as i64, input.clone(), &options).await {
                Ok(report) => check_invariants(&server, &input, &report),
                // Only the first read of the event's invitations can fail the
                // whole run, and then nothing was sent.
                Err(e) => {
                    assert!(e.api().is_some(), "{e}");
                    assert_eq!(server.max_invite_count(), 0);
                }
            }
        });
    }
}

#[tokio::test]
async fn the_each_forms_are_streams_in_input_order_that_wait_for_their_reader() {
    use futures::TryStreamExt;
    let server = mock(Faults::new().fail_after_work_every(3)).await;
    let client = server.client_builder().build().expect("client");
    let input: Vec<i64> = (1..=300).rev().collect();
    let mut rows = std::pin::pin!(client.invite_each(
        EVENT,
        input.clone(),
        &fast_retries().chunk_size(10).concurrency(4)
    ));
    let mut seen = Vec::new();
    while let Some(row) = rows.try_next().await.expect("no error") {
        // Async work per row: the run waits for the reader.
        if seen.len() % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        seen.push(i64::try_from(row.contact.get()).expect("id"));
    }
    assert_eq!(seen, input);
    assert_eq!(server.max_invite_count(), 1);

    // Bad input is the stream's one item, an error.
    let bad: Vec<Result<ivvy::Invitation, ivvy::Error>> =
        futures::StreamExt::collect(client.invite_each(EVENT, [1_i64, 0], &fast_retries())).await;
    assert_eq!(bad.len(), 1);
    let error = bad[0].as_ref().expect_err("refused");
    assert!(error.to_string().contains("contacts[1]"), "{error}");

    // Dropped half way, the run stops: nothing more is sent.
    let mut rows = Box::pin(client.invite_each(
        EVENT + 1,
        1..=1_000_i64,
        &fast_retries().chunk_size(10).concurrency(1),
    ));
    rows.try_next().await.expect("no error").expect("a row");
    drop(rows);
    // A request already on the wire may still arrive; nothing after it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = server.request_count();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.request_count(),
        sent,
        "a dropped stream sends nothing"
    );
    assert!(server.invitations(EVENT + 1).len() < 1_000 - 1_000 / 7);
}
