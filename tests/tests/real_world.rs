//! Real machines and real servers: a clock ten minutes off, a listing
//! that never ends, an event that does not exist.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use ivvy::{BulkOptions, Clock, ManualClock, PeopleOptions, Person, SystemClock};
use ivvy_mock::{Faults, MockConfig, MockServer};

/// A fake server whose clock is ten minutes ahead of this machine's.
async fn ahead() -> (MockServer, SystemTime) {
    let server_time = SystemClock.now() + Duration::from_secs(600);
    let config = MockConfig::new().clock(Arc::new(ManualClock::new(server_time)));
    let server = MockServer::start(config).await.expect("server starts");
    (server, server_time)
}

/// The first request is refused as stale; its reply says iVvy's time; it
/// is signed again by that time and sent once more, and every later
/// request is dated by it: one request more in all.
#[tokio::test]
async fn a_server_ten_minutes_ahead_costs_one_resigned_request() {
    let (server, server_time) = ahead().await;
    let client = server
        .client_builder()
        .clock(Arc::new(SystemClock))
        .build()
        .expect("client");
    let options = BulkOptions::new().consistency_window(Duration::ZERO);
    let report = client
        .invite_many(4, [1, 2, 3], &options)
        .await
        .expect("the run ends");
    assert!(report.all_invited());
    // The already-invited read (refused, then sent again) and one invite.
    assert_eq!(server.request_count(), 3);
    let pinged = client.ping().await.expect("dated by iVvy's time now");
    let off = pinged
        .duration_since(server_time)
        .unwrap_or_else(|e| e.duration());
    assert!(off < Duration::from_secs(2), "{off:?}");
}

#[tokio::test]
async fn without_the_correction_a_skewed_clock_is_refused_with_the_reason() {
    let (server, _) = ahead().await;
    let client = server
        .client_builder()
        .clock(Arc::new(SystemClock))
        .correct_clock_skew(false)
        .build()
        .expect("client");
    let error = client.ping().await.expect_err("stale");
    assert_eq!(
        error.api().and_then(|api| api.kind()),
        Some(ivvy::ApiErrorKind::StaleRequest),
        "{error}"
    );
}

/// A listing that claims 10^15 rows and never repeats ends at the
/// client's row limit, with an error that names it.
#[tokio::test]
async fn an_endless_listing_of_fresh_rows_ends_at_the_row_limit() {
    let mut faults = Faults::new();
    faults.endless_fresh_listing = true;
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    let client = server
        .client_builder()
        .max_listing_rows(2_000)
        .build()
        .expect("client");
    let mut rows = 0;
    let mut listed = std::pin::pin!(client.invited_contacts(1, None));
    let error = loop {
        match listed.try_next().await {
            Ok(Some(_)) => rows += 1,
            Ok(None) => panic!("an endless listing ended after {rows} rows"),
            Err(error) => break error,
        }
    };
    assert!(rows <= 2_000, "{rows}");
    assert!(error.to_string().contains("max_listing_rows"), "{error}");
}

/// With adding asked for, the event is checked first: no contact is added
/// for an event that does not exist.
#[tokio::test]
async fn the_event_is_checked_before_anyone_is_added() {
    let server = MockServer::start(MockConfig::new())
        .await
        .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let people = vec![Person::by_email("new@example.test").named("New", "Person")];
    let options = PeopleOptions::new().create_missing(true);
    let error = client
        .invite_people(2_000_000_000_i64, people, &options)
        .await
        .expect_err("no such event");
    assert!(matches!(error, ivvy::Error::NotFound { .. }), "{error}");
    assert_eq!(server.created_count(), 0);
}

/// A server that ignores a listing's filter: the rows it should have kept
/// out are dropped, never passed on as matches.
#[tokio::test]
async fn rows_a_contact_filter_should_have_kept_out_are_dropped() {
    let mut faults = Faults::new();
    faults.ignore_contact_filters = true;
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let found: Vec<ivvy::Contact> = client
        .contacts(ivvy::Filter::new().field("externalId", "CRM-00001"))
        .try_collect()
        .await
        .expect("the listing reads");
    let ids: Vec<Option<String>> = found.into_iter().map(|c| c.external_id).collect();
    assert_eq!(ids, [Some("CRM-00001".to_string())]);
}
