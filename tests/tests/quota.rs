//! An account's request quota (the fake server's token bucket): a bulk run
//! under it still invites every contact exactly once, and a client paced
//! below it is never refused.

use std::time::Duration;

use ivvy::BulkOptions;
use ivvy_mock::{Faults, MockConfig, MockServer};

async fn limited(per_second: f64, burst: u32) -> MockServer {
    MockServer::start(MockConfig::new().faults(Faults::new().rate_limit(per_second, burst)))
        .await
        .expect("server starts")
}

fn existing(contacts: &[i64]) -> usize {
    contacts.iter().filter(|c| *c % 7 != 0).count()
}

#[tokio::test]
async fn under_a_quota_every_contact_is_invited_once() {
    let server = limited(40.0, 5).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=300).collect();
    let options = BulkOptions::new()
        .chunk_size(10)
        .backoff(Duration::from_millis(10), Duration::from_secs(2))
        .max_attempts(100)
        .consistency_window(Duration::ZERO);
    let report = client
        .invite_many(4, contacts.clone(), &options)
        .await
        .expect("runs");
    assert_eq!(
        report
            .invitations
            .iter()
            .filter(|i| i.outcome.is_invited())
            .count(),
        existing(&contacts)
    );
    assert_eq!(server.max_invite_count(), 1);
    assert!(
        server.refused_count() > 0,
        "the quota was met, and retried through"
    );
}

#[tokio::test]
async fn a_client_paced_below_the_quota_is_never_refused() {
    let server = limited(20.0, 5).await;
    let client = server
        .client_builder()
        .max_requests_per_second(15.0)
        .build()
        .expect("client");
    let contacts: Vec<i64> = (1..=300).collect();
    let options = BulkOptions::new().chunk_size(10).concurrency(8);
    let report = client
        .invite_many(4, contacts.clone(), &options)
        .await
        .expect("runs");
    // Every contact that exists is invited (multiples of 7 do not exist).
    assert!(report.not_invited().all(|i| i.contact.get() % 7 == 0));
    assert_eq!(server.max_invite_count(), 1);
    // Unpaced, 8 requests at once would empty a bucket of 5 at once.
    assert_eq!(server.refused_count(), 0);
}

#[test]
fn a_rate_that_is_not_above_zero_is_refused() {
    for rate in [0.0, -1.0, f64::NAN] {
        let e = ivvy::Client::builder()
            .base_url("http://127.0.0.1:9")
            .credentials("k", "s")
            .max_requests_per_second(rate)
            .build()
            .expect_err("refused");
        assert!(
            e.to_string()
                .contains("the request rate must be a number of at least 0.001 a second"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_429_brings_the_requests_in_flight_down_to_one() {
    // A burst of 40 lets the window open up before the quota bites; each
    // reply takes 20 ms, so requests overlap at the server.
    let faults = Faults::new()
        .rate_limit(50.0, 40)
        .delay(Duration::from_millis(20), Duration::from_millis(20));
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=1_000).collect();
    let options = BulkOptions::new()
        .chunk_size(10)
        .concurrency(8)
        .max_attempts(100)
        .consistency_window(Duration::ZERO);
    let report = client
        .invite_many(4, contacts.clone(), &options)
        .await
        .expect("runs");
    assert!(report.all_invited() || report.not_invited().all(|i| i.contact.get() % 7 == 0));
    assert_eq!(server.max_invite_count(), 1);

    let arrivals = server.arrivals();
    let first_refusal = arrivals
        .iter()
        .position(|a| a.refused_before > 0)
        .expect("the quota refused some");
    let before = arrivals[..first_refusal].iter().map(|a| a.in_flight).max();
    assert!(
        before >= Some(3),
        "before the first 429: {before:?} in flight"
    );
    // After it, once the requests already under way are answered, they
    // arrive one at a time.
    let after: Vec<u64> = arrivals[first_refusal..]
        .iter()
        .map(|a| a.in_flight)
        .collect();
    let longest_run_of_one = after
        .split(|&n| n != 1)
        .map(<[u64]>::len)
        .max()
        .unwrap_or(0);
    assert!(
        longest_run_of_one >= 5,
        "after the first 429: {:?}",
        &after[..after.len().min(40)]
    );
}

/// One run against a server that locks the account at its second request
/// for `closed`: returns the run's report and the server.
async fn through_a_lockout(
    adaptive: bool,
    as_date: bool,
    closed: Duration,
) -> (ivvy::BulkReport, MockServer) {
    let faults = Faults::new().lockout(2, closed, as_date);
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    let mut builder = server.client_builder();
    if !adaptive {
        builder = builder.adaptive_rate(None);
    }
    let client = builder.build().expect("client");
    // One request at a time, so every request after the refusal is one the
    // client sent knowing of it.
    let options = BulkOptions::new()
        .concurrency(1)
        .skip_invited(false)
        .consistency_window(Duration::ZERO);
    let contacts: Vec<i64> = (1..=300).collect();
    let report = client
        .invite_many(4, contacts, &options)
        .await
        .expect("runs");
    (report, server)
}

/// A 10 s Retry-After, in seconds and as a date, with the adaptive rate on
/// and off: the run sends nothing into the closed door, then invites every
/// contact once (iVvy's bucket refilling within a second was an
/// assumption; this is what a locked account looks like).
#[tokio::test]
async fn a_long_retry_after_is_waited_out_in_every_mode() {
    let runs = [(true, false), (true, true), (false, false), (false, true)]
        .map(|(adaptive, as_date)| through_a_lockout(adaptive, as_date, Duration::from_secs(10)));
    for (i, (report, server)) in futures::future::join_all(runs)
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            server.lockout_hits(),
            0,
            "case {i}: sent into the closed door"
        );
        assert_eq!(server.refused_count(), 1, "case {i}");
        assert_eq!(server.max_invite_count(), 1, "case {i}");
        let invited = report
            .invitations
            .iter()
            .filter(|i| i.outcome.is_invited())
            .count();
        let contacts: Vec<i64> = (1..=300).collect();
        assert_eq!(invited, existing(&contacts), "case {i}");
    }
}

/// A quota of 12 requests a minute (the bucket's Retry-After up to 5 s):
/// every contact is invited once, none fails.
#[tokio::test]
async fn a_quota_of_twelve_a_minute_fails_nobody() {
    let server = limited(0.2, 1).await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=300).collect();
    let options = BulkOptions::new().consistency_window(Duration::ZERO);
    let report = client
        .invite_many(4, contacts.clone(), &options)
        .await
        .expect("runs");
    assert!(
        report.all_invited() || report.not_invited().all(|i| i.contact.get() % 7 == 0),
        "{:?}",
        report.not_invited().take(3).collect::<Vec<_>>()
    );
    assert_eq!(server.max_invite_count(), 1);
}
