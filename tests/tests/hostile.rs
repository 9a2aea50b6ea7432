//! The client against servers that misbehave: huge and endless replies,
//! redirects, listings that never end, lists that lag behind writes, rate
//! limits that never lift, and hostile text.

use std::time::Duration;

use futures::TryStreamExt;
use ivvy::{BulkOptions, Error, Outcome, RetryPolicy};
use ivvy_mock::{Faults, MockConfig, MockServer};
use ivvy_tests::FixedServer;

async fn mock(faults: Faults) -> MockServer {
    MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts")
}

/// A client that reads at most 1 MiB a reply and retries quickly.
fn client(server: &MockServer) -> ivvy::Client {
    server
        .client_builder()
        .max_reply_bytes(1 << 20)
        .retry_policy(
            RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .expect("client")
}

fn quick() -> BulkOptions {
    BulkOptions::new()
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .consistency_window(Duration::ZERO)
}

#[tokio::test]
async fn oversized_and_endless_replies_stop_at_the_limit() {
    for faults in [
        Faults::new().oversized_reply(64 << 20),
        Faults::new().endless_reply(),
    ] {
        let server = mock(faults.clone()).await;
        let e = client(&server).ping().await.expect_err("too large");
        assert!(
            matches!(e, Error::ReplyTooLarge { limit, .. } if limit == 1 << 20),
            "{faults:?}: {e:?}"
        );
        assert!(!e.is_retryable(), "reading it again would not help");
        assert_eq!(server.request_count(), 1, "a read is not retried for it");
    }
}

#[tokio::test]
async fn a_redirect_is_an_error_and_nothing_reaches_its_target() {
    let target = FixedServer::start(
        200,
        "application/json",
        r#"{"ack":"2025-11-24 16:00:00 UTC"}"#,
    )
    .await;
    let server =
        mock(Faults::new().redirect_to(format!("{}/api/1.0/test?action=ping", target.base_url())))
            .await;
    let e = client(&server).ping().await.expect_err("redirected");
    match &e {
        Error::Redirected { status, location } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(307));
            assert_eq!(location.as_deref(), Some("127.0.0.1"));
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert!(e.to_string().contains("redirects are not followed"), "{e}");
    assert!(
        target.requests().is_empty(),
        "the target got {:?}",
        target.requests()
    );
}

#[tokio::test]
async fn an_endless_listing_ends_with_an_error() {
    let server = mock(Faults::new().endless_listing()).await;
    let client = client(&server);
    let contacts: Vec<i64> = (1..=30).collect();
    client.invite_contacts(4, contacts).await.expect("invites");
    let e = client
        .invited_contacts(4, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("the same page again");
    assert!(
        e.to_string().contains("repeats invitations already listed"),
        "{e}"
    );
    assert_eq!(server.request_count(), 3, "the invite and two pages");
}

#[tokio::test]
async fn a_listing_that_claims_more_than_it_holds_is_refused() {
    // 3 results on a page of 100 cannot reach totalResults 5.
    let body = r#"{"meta":{"totalResults":2,"start":0,"perPage":100,"count":3},"results":[
        {"eventId":4,"contactId":1,"firstName":null,"lastName":null,"email":null,"phone":null,"response":"U","registrationId":null,"modifiedDate":"2025-11-24 16:00:00 UTC"},
        {"eventId":4,"contactId":2,"firstName":null,"lastName":null,"email":null,"phone":null,"response":"U","registrationId":null,"modifiedDate":"2025-11-24 16:00:00 UTC"},
        {"eventId":4,"contactId":3,"firstName":null,"lastName":null,"email":null,"phone":null,"response":"U","registrationId":null,"modifiedDate":"2025-11-24 16:00:00 UTC"}]}"#;
    let server = FixedServer::start(200, "application/json", body).await;
    let e = server
        .client()
        .invited_contacts(4, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("past totalResults");
    assert!(
        e.to_string().contains("past the 2 that totalResults gives"),
        "{e}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn re_sends_wait_for_a_list_that_lags() {
    // Every invite fails after doing its work, and the list shows new
    // invitations 400 ms late.
    let faults = Faults::new()
        .fail_after_work_every(1)
        .list_lag(Duration::from_millis(400));
    // Contacts that exist (multiples of 7 do not).
    let contacts: Vec<i64> = (1..=20).filter(|c| c % 7 != 0).collect();

    // Without a window the check reads the list too early and sends again.
    let server = mock(faults.clone()).await;
    let options = quick().max_attempts(2);
    client(&server)
        .invite_many(4, contacts.clone(), &options)
        .await
        .expect("runs");
    assert!(
        server.max_invite_count() > 1,
        "the lag is real: a contact was invited twice"
    );

    // With a window longer than the lag, nobody is invited twice.
    let server = mock(faults).await;
    let options = quick()
        .max_attempts(2)
        .consistency_window(Duration::from_millis(600));
    let report = client(&server)
        .invite_many(4, contacts, &options)
        .await
        .expect("runs");
    assert_eq!(server.max_invite_count(), 1);
    assert!(
        report.all_invited(),
        "{:?}",
        report.not_invited().collect::<Vec<_>>()
    );
    assert!(
        report
            .invitations
            .iter()
            .all(|i| matches!(i.outcome, Outcome::InvitedLinksUnknown))
    );
}

#[tokio::test]
async fn a_rate_limit_that_never_lifts_spends_the_run_budget() {
    // The first read of the event gets through; every request after it is refused.
    let server = mock(Faults::new().rate_limit_every(1).retry_after_secs(0)).await;
    let options = quick()
        .skip_invited(false)
        .max_attempts(1_000)
        .max_retry_time(Duration::from_secs(3_600))
        .retry_budget(Duration::from_millis(300))
        .drain_time(Duration::from_secs(1));
    let contacts: Vec<i64> = (1..=250).collect();
    let started = std::time::Instant::now();
    let report = client(&server)
        .invite_many(4, contacts, &options)
        .await
        .expect("runs");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped by the budget"
    );
    assert_eq!(server.max_invite_count(), 0);
    for invitation in &report.invitations {
        match &invitation.outcome {
            // Refused requests did nothing: known not invited; the rest were
            // never sent. One under way when the run stopped may be unknown.
            Outcome::Failed(e) | Outcome::Unknown(e) | Outcome::NotSent(e) => {
                assert!(matches!(**e, Error::RetryBudgetSpent { .. }), "{e}");
            }
            other => panic!("{}: {other:?}", invitation.contact),
        }
    }
}

#[tokio::test]
async fn links_with_control_or_bidi_characters_are_not_used() {
    let server = mock(Faults::new().hostile_text()).await;
    let invited = client(&server)
        .invite_contacts(4, [1, 2])
        .await
        .expect("invites");
    for invitation in invited {
        assert!(
            matches!(invitation.outcome, Outcome::InvitedLinksUnknown),
            "{invitation:?}"
        );
    }
}

#[tokio::test]
async fn a_callers_own_http_client_signs_and_calls_and_a_redirect_it_follows_is_refused() {
    let server = mock(Faults::default()).await;
    // reqwest's default follows redirects; the client still works...
    let own = ivvy::http_client_builder()
        .expect("TLS is set up")
        .user_agent("my-service/1.0")
        .build()
        .expect("http client");
    let client = server
        .client_builder()
        .http_client(own.clone())
        .build()
        .expect("client");
    client.ping().await.expect("pings");
    let invited = client.invite_contacts(4, [1, 2]).await.expect("invites");
    assert!(invited.iter().all(|i| i.outcome.is_invited()));

    // ...and when it follows a redirect, the reply from elsewhere is refused.
    let target = FixedServer::start(
        200,
        "application/json",
        r#"{"ack":"2025-11-24 16:00:00 UTC"}"#,
    )
    .await;
    let redirecting =
        mock(Faults::new().redirect_to(format!("{}/elsewhere", target.base_url()))).await;
    let client = redirecting
        .client_builder()
        .http_client(own)
        .build()
        .expect("client");
    let e = client.ping().await.expect_err("followed a redirect");
    assert!(matches!(e, Error::Redirected { status: None, .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("the HTTP client followed a redirect to 127.0.0.1"),
        "{e}"
    );
}
