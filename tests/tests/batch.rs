//! Bulk invites through iVvy's batch namespace against the fake server:
//! far fewer requests, and the exactly-once promise kept through batches
//! whose `run` reply is lost, jobs that fail after their work, progress
//! that stalls, and results that expire.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ivvy::{BulkOptions, BulkReport, Outcome};
use ivvy_mock::{Faults, MockConfig, MockServer};

const EVENT: u64 = 4;

async fn mock(faults: Faults) -> MockServer {
    MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts")
}

fn batch() -> BulkOptions {
    BulkOptions::for_tests()
        .batch(true)
        .consistency_window(Duration::from_millis(300))
}

fn existing(contacts: &[i64]) -> usize {
    contacts.iter().filter(|c| *c % 7 != 0).count()
}

/// Every contact once, in order; the invitable ones invited (once) and
/// the others not.
fn check(server: &MockServer, contacts: &[i64], report: &BulkReport) {
    let reported: Vec<i64> = report
        .invitations
        .iter()
        .map(|i| i64::try_from(i.contact.get()).expect("id"))
        .collect();
    assert_eq!(reported, contacts);
    for invitation in &report.invitations {
        let contact = invitation.contact.get();
        let expected = contact % 7 != 0;
        assert_eq!(
            invitation.outcome.is_invited(),
            expected,
            "{contact}: {:?}",
            invitation.outcome
        );
    }
    assert_eq!(server.max_invite_count(), 1, "nobody is invited twice");
    assert_eq!(server.invitations(EVENT).len(), existing(contacts));
}

#[tokio::test]
async fn a_batch_carries_200_requests_worth_of_invites_in_one() {
    let server = mock(Faults::new()).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=5_000).collect();
    let batches = Arc::new(Mutex::new(Vec::new()));
    let seen = batches.clone();
    let options = batch().on_batch(move |event, id, sent| {
        seen.lock()
            .expect("lock")
            .push((event.get(), id.to_string(), sent.len()));
    });
    let report = client
        .invite_many(EVENT, contacts.clone(), &options)
        .await
        .expect("runs");
    check(&server, &contacts, &report);
    let with_links = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::Invited(_)))
        .count();
    assert_eq!(with_links, existing(&contacts), "every link comes back");
    // One batch of 50 jobs of 100, recorded before it was waited for.
    let batches = batches.lock().expect("lock");
    assert_eq!(batches.len(), 1);
    assert_eq!((batches[0].0, batches[0].2), (EVENT, 5_000));
    assert_eq!(server.request_count_of("batch", "run"), 1);
    assert_eq!(server.request_count_of("event", "inviteContacts"), 0);
    assert_eq!(server.batch_jobs_run(), 50);
    let direct_requests = 50 + 1;
    assert!(
        server.request_count() * 5 <= direct_requests,
        "{} requests against {direct_requests} sent directly",
        server.request_count()
    );
}

/// Records what each batch carried.
fn recording(options: BulkOptions) -> (BulkOptions, Arc<Mutex<Vec<Vec<u64>>>>) {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let seen = batches.clone();
    let options = options.on_batch(move |_, _, sent| {
        seen.lock()
            .expect("lock")
            .push(sent.iter().map(|c| c.get()).collect());
    });
    (options, batches)
}

/// The first batch recorded carries `first` contacts; every later one
/// carries contacts the check found not invited (multiples of 7, which
/// the fake server never invites).
fn queued_again_only_what_was_missing(batches: &[Vec<u64>], first: usize) {
    assert_eq!(batches[0].len(), first);
    for later in &batches[1..] {
        assert!(later.iter().all(|c| c % 7 == 0), "{later:?}");
    }
}

#[tokio::test]
async fn a_run_whose_reply_is_lost_is_checked_not_queued_again() {
    // Every other batch is queued, then its reply is a 500.
    let server = mock(Faults::new().batch_run_fail_after_queuing_every(2)).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=3_000).collect();
    let (options, batches) = recording(batch().max_attempts(2));
    // The second batch's reply is lost: its contacts are checked.
    let first: Vec<i64> = (1..=10).collect();
    client
        .invite_many(EVENT + 1, first, &options)
        .await
        .expect("runs");
    let report = client
        .invite_many(EVENT, contacts.clone(), &options)
        .await
        .expect("runs");
    check(&server, &contacts, &report);
    // The lost batch gave no asyncId, so it is not among those recorded:
    // after the first run's, only the missing ones were queued again.
    let batches = batches.lock().expect("lock");
    queued_again_only_what_was_missing(&batches[..], 10);
    // Jobs run: the first run's one, the lost batch's 30, then the 428
    // contacts found missing in 5.
    assert_eq!(server.batch_jobs_run(), 1 + 30 + 5);
    assert!(
        server.request_count_of("event", "getInvitedContactList") >= 3,
        "checked"
    );
}

#[tokio::test]
async fn jobs_that_fail_after_their_work_are_checked_and_nobody_is_invited_twice() {
    let server = mock(Faults::new().batch_job_fail_after_work_every(3)).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=4_000).rev().collect();
    let report = client
        .invite_many(EVENT, contacts.clone(), &batch().chunk_size(50))
        .await
        .expect("runs");
    check(&server, &contacts, &report);
    let unsure = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::InvitedLinksUnknown))
        .count();
    assert!(
        unsure > 0,
        "the failed jobs' contacts were found by the check"
    );
}

#[tokio::test]
async fn a_stalled_batch_is_waited_for_with_each_wait_reported() {
    let server = mock(Faults::new().batch_stall(Duration::from_millis(400))).await;
    let client = server.client_builder().build().expect("client");
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = waits.clone();
    let options = batch().on_wait(move |wait| seen.lock().expect("lock").push(wait.reason.clone()));
    let contacts: Vec<i64> = (1..=2_000).collect();
    let report = client
        .invite_many(EVENT, contacts.clone(), &options)
        .await
        .expect("runs");
    check(&server, &contacts, &report);
    let waits = waits.lock().expect("lock");
    assert!(
        waits
            .iter()
            .any(|w| w.contains("has run 50% of its 20 jobs")),
        "{waits:?}"
    );
}

#[tokio::test]
async fn expired_results_and_results_before_the_end_are_coped_with() {
    // A batch gone as soon as it has run: it cannot be told from one still
    // running, so its contacts are left unknown, never sent again; the
    // next run finds them invited.
    let server = mock(Faults::new().batch_results_expire(Duration::ZERO)).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=1_000).collect();
    let report = client
        .invite_many(EVENT, contacts.clone(), &batch())
        .await
        .expect("runs");
    assert!(
        report
            .invitations
            .iter()
            .all(|i| matches!(i.outcome, Outcome::Unknown(_))),
        "unknown, not re-sent"
    );
    assert_eq!(server.request_count_of("batch", "run"), 1);
    let again = client
        .invite_many(EVENT, contacts.clone(), &batch())
        .await
        .expect("runs");
    check(&server, &contacts, &again);
    assert!(
        again
            .invitations
            .iter()
            .filter(|i| i.contact.get() % 7 != 0)
            .all(|i| matches!(i.outcome, Outcome::AlreadyInvited))
    );

    // A server that answers `results` with the jobs finished so far.
    let server = MockServer::start(
        MockConfig::new()
            .faults(Faults::new().batch_partial_results())
            .batch_pace(Duration::from_millis(5)),
    )
    .await
    .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let report = client
        .invite_many(EVENT, contacts.clone(), &batch())
        .await
        .expect("runs");
    check(&server, &contacts, &report);
}

#[tokio::test]
async fn a_batch_still_running_when_the_budget_ends_leaves_its_contacts_unknown() {
    let server = MockServer::start(MockConfig::new().batch_pace(Duration::from_secs(3_600)))
        .await
        .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let options = batch().retry_budget(Duration::from_millis(300));
    let report = client
        .invite_many(EVENT, [1_i64, 2, 3], &options)
        .await
        .expect("runs");
    for invitation in &report.invitations {
        assert!(
            matches!(invitation.outcome, Outcome::Unknown(_)),
            "{:?}",
            invitation.outcome
        );
    }
    assert_eq!(
        server.request_count_of("batch", "run"),
        1,
        "never queued again"
    );
}

#[tokio::test]
async fn a_lost_run_reply_while_the_batch_still_runs_is_checked_until_it_stops_growing() {
    // 30 jobs at 30 ms: the batch runs for 0.9 s, three times as long as
    // the consistency window, and its `run` reply is lost.
    let server = MockServer::start(
        MockConfig::new()
            .faults(Faults::new().batch_run_fail_after_queuing_every(1))
            .batch_pace(Duration::from_millis(30)),
    )
    .await
    .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=3_000).collect();
    let report = client
        .invite_many(EVENT, contacts.clone(), &batch().max_attempts(2))
        .await
        .expect("runs");
    check(&server, &contacts, &report);
    // The lost batch's 30 jobs, then only the contacts that do not exist
    // (428, in 5 jobs, lost again, then given up).
    assert_eq!(server.batch_jobs_run(), 30 + 5);
}

/// A CRM export of `existing` people of a generated account (by external
/// id) and `new` people it lacks (with names, external id and email).
fn export(existing: u64, new: u64) -> Vec<ivvy::Person> {
    let mut people: Vec<ivvy::Person> = (1..)
        .filter(|k| k % 10 != 0)
        .take(usize::try_from(existing).expect("small"))
        .map(|k| ivvy::Person::by_external_id(format!("CRM-{k:05}")))
        .collect();
    people.extend((1..=new).map(|k| {
        ivvy::Person::by_external_id(format!("NEW-{k}"))
            .and_email(format!("new{k}@example.test"))
            .named("New", k.to_string())
    }));
    people
}

/// Each new person of the export is one contact of the account, and every
/// person of the export was invited once.
fn check_people(server: &MockServer, report: &ivvy::PeopleReport, new: u64) {
    let account = server.account();
    for k in 1..=new {
        let email = format!("new{k}@example.test");
        let made = account
            .contacts()
            .iter()
            .filter(|c| c.email == email)
            .count();
        assert_eq!(made, 1, "{email} is one contact");
    }
    assert_eq!(server.created_count(), new, "nobody added twice");
    assert_eq!(server.max_invite_count(), 1, "nobody invited twice");
    for row in &report.rows {
        let new = row
            .person
            .external_id
            .as_deref()
            .is_some_and(|e| e.starts_with("NEW-"));
        let expected = if new {
            ivvy::InviteStatus::AddedAndInvited
        } else {
            ivvy::InviteStatus::Invited
        };
        assert_eq!(row.status(), expected, "{row:?}");
    }
}

/// Every row's invitation came with its links.
fn with_links(report: &ivvy::PeopleReport) -> usize {
    report
        .rows
        .iter()
        .filter(|row| matches!(row.outcome, Some(Outcome::Invited(_))))
        .count()
}

#[tokio::test]
async fn an_export_reads_adds_and_invites_200_calls_to_a_request() {
    let config = MockConfig::new().account(ivvy_mock::Account::generated(3_000));
    let server = MockServer::start(config).await.expect("server starts");
    let client = server.client_builder().build().expect("client");
    let added = Arc::new(Mutex::new(Vec::new()));
    let seen = added.clone();
    let options = ivvy::PeopleOptions::new()
        .create_missing(true)
        .bulk(batch())
        .on_add_batch(move |id, people| {
            seen.lock()
                .expect("lock")
                .push((id.to_string(), people.len()));
        });
    let report = client
        .invite_people(EVENT, export(1_000, 500), &options)
        .await
        .expect("runs");
    check_people(&server, &report, 500);
    assert_eq!(with_links(&report), 1_500);
    // The first page directly (it says how many there are), the other 29
    // in one batch; 500 adds in three; 1,500 invites in one.
    assert_eq!(server.request_count_of("contact", "getContactList"), 1);
    assert_eq!(server.request_count_of("contact", "addOrUpdateContact"), 0);
    assert_eq!(server.request_count_of("event", "inviteContacts"), 0);
    assert_eq!(server.request_count_of("batch", "run"), 1 + 3 + 1);
    let added = added.lock().expect("lock").clone();
    let sizes: Vec<usize> = added.iter().map(|(_, n)| *n).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 500);
    // Whom each batch added reads back from it.
    let mut read_back = 0;
    for (id, _) in added.iter() {
        read_back += client
            .batch_added(id, &batch())
            .await
            .expect("reads back")
            .len();
    }
    assert_eq!(read_back, 500);
}

#[tokio::test]
async fn lost_runs_failed_jobs_and_stalls_add_and_invite_each_person_once() {
    let faults = Faults::new()
        .batch_run_fail_after_queuing_every(3)
        .batch_job_fail_after_work_every(7)
        .batch_stall(Duration::from_millis(100))
        .list_lag(Duration::from_millis(50));
    let config = MockConfig::new()
        .account(ivvy_mock::Account::generated(2_000))
        .faults(faults);
    let server = MockServer::start(config).await.expect("server starts");
    let client = server.client_builder().build().expect("client");
    let options = ivvy::PeopleOptions::new()
        .create_missing(true)
        .bulk(batch().max_attempts(8));
    let report = client
        .invite_people(EVENT, export(600, 450), &options)
        .await
        .expect("runs");
    check_people(&server, &report, 450);
    assert!(
        server.request_count_of("contact", "getContactList") > 1,
        "unclear adds were looked up, failed page jobs read directly"
    );
}

#[tokio::test]
async fn a_lost_run_reply_while_its_adds_still_run_is_looked_up_until_nobody_new_appears() {
    // Every run's reply is lost after queuing, and 100 adds at 5 ms each
    // outlast the consistency window: one look would find only the first
    // of them, and queuing the rest again would add them twice.
    let config = MockConfig::new()
        .account(ivvy_mock::Account::generated(50))
        .batch_pace(Duration::from_millis(5))
        .faults(Faults::new().batch_run_fail_after_queuing_every(1));
    let server = MockServer::start(config).await.expect("server starts");
    let client = server.client_builder().build().expect("client");
    let options = ivvy::PeopleOptions::new().create_missing(true).bulk(
        BulkOptions::for_tests()
            .batch(true)
            .consistency_window(Duration::from_millis(100)),
    );
    let report = client
        .invite_people(EVENT, export(0, 100), &options)
        .await
        .expect("runs");
    check_people(&server, &report, 100);
    assert_eq!(
        server.request_count_of("batch", "run"),
        2,
        "one batch of adds and one of invites, neither queued again"
    );
}
