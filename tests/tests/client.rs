//! The `ivvy` client end to end, through the real HTTP stack: against the
//! fake iVvy server, and against fixed replies for what it cannot produce.

use futures::TryStreamExt;
use std::time::{Duration, UNIX_EPOCH};

use ivvy::{Answer, ApiErrorKind, Error, Outcome, RetryPolicy};
use ivvy_mock::{Faults, MockConfig, MockServer};
use ivvy_tests::{DOCS_INVITE_REPLY_BROKEN, DOCS_INVITE_REPLY_CORRECTED, FixedServer, fixed_clock};

async fn mock(faults: Faults) -> MockServer {
    MockServer::start(MockConfig::new().clock(fixed_clock()).faults(faults))
        .await
        .expect("server starts")
}

fn client(server: &MockServer) -> ivvy::Client {
    server
        .client_builder()
        .clock(fixed_clock())
        .build()
        .expect("client")
}

/// A client that tries each read once, for tests of one reply's meaning.
/// A client that sends each request once: one attempt, and no time to
/// retry in (a refusal uses no attempt; only time bounds it).
fn one_try(builder: ivvy::ClientBuilder) -> ivvy::Client {
    builder
        .clock(fixed_clock())
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(1)
                .max_retry_time(std::time::Duration::ZERO),
        )
        .build()
        .expect("client")
}

#[tokio::test]
async fn ping_returns_the_servers_time() {
    let server = mock(Faults::default()).await;
    let time = client(&server).ping().await.expect("pings");
    assert_eq!(
        time,
        UNIX_EPOCH + Duration::from_secs(ivvy_tests::FIXED_NOW)
    );
}

#[tokio::test]
async fn invite_returns_one_outcome_per_distinct_contact_in_input_order() {
    let server = mock(Faults::default()).await;
    let invited = client(&server)
        .invite_contacts(4, [3, 7, 1, 3, 2])
        .await
        .expect("invites");
    let contacts: Vec<u64> = invited.iter().map(|i| i.contact.get()).collect();
    assert_eq!(contacts, vec![3, 7, 1, 2]);
    assert!(
        matches!(invited[1].outcome, Outcome::NotInvited),
        "7 does not exist"
    );
    for i in [0, 2, 3] {
        let links = invited[i].outcome.links().expect("links");
        let contact = invited[i].contact;
        assert_eq!(
            links.yes(),
            format!("{}/respond/4/{contact}/yes", server.base_url())
        );
        assert_eq!(
            links.no(),
            format!("{}/respond/4/{contact}/no", server.base_url())
        );
    }
    assert_eq!(server.invite_count(4, 3), 1, "the repeated 3 was sent once");
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let server = mock(Faults::default()).await;
    let client = client(&server);
    let e = client.invite_contacts(0, [1]).await.expect_err("event 0");
    assert!(
        matches!(e, Error::InvalidInput { ref field, .. } if field == "event"),
        "{e}"
    );
    let e = client
        .invite_contacts(4, [1, -2])
        .await
        .expect_err("negative contact");
    assert!(
        e.to_string()
            .starts_with("invalid input: contacts[1]: -2 is not a valid contact id"),
        "{e}"
    );
    let e = client
        .invite_contacts(4, Vec::<i64>::new())
        .await
        .expect_err("empty");
    assert!(matches!(e, Error::InvalidInput { .. }));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_wrong_secret_is_a_401_and_invites_nobody() {
    let server = mock(Faults::default()).await;
    let client = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), "not-the-secret")
        .clock(fixed_clock())
        .build()
        .expect("client");
    let e = client
        .invite_contacts(4, [1, 2])
        .await
        .expect_err("refused");
    let api = e.api().expect("an iVvy error");
    assert_eq!(api.status.as_u16(), 401);
    assert_eq!(
        api.specific_code.as_ref().and_then(|c| c.number()),
        Some(i64::from(ivvy_mock::auth::codes::BAD_SIGNATURE))
    );
    assert!(!e.is_retryable());
    assert!(!e.to_string().contains("not-the-secret"), "{e}");
    assert_eq!(server.max_invite_count(), 0);
}

#[tokio::test]
async fn a_stale_clock_says_so() {
    let server = mock(Faults::default()).await;
    let late = std::sync::Arc::new(ivvy::ManualClock::new(ivvy_tests::fixed_time()));
    late.advance(std::time::Duration::from_secs(3600));
    // Without the correction (on by default; see `real_world`), the
    // refusal says what to do.
    let client = server
        .client_builder()
        .clock(late)
        .correct_clock_skew(false)
        .build()
        .expect("client");
    let e = client.ping().await.expect_err("stale");
    assert_eq!(
        e.api().and_then(|a| a.kind()),
        Some(ApiErrorKind::StaleRequest)
    );
    assert!(
        e.to_string()
            .contains("clock is more than 5 minutes away from iVvy's"),
        "{e}"
    );
}

#[tokio::test]
async fn an_error_body_in_a_200_reply_is_an_error() {
    let faults = Faults::new().error_in_200_every(1);
    let server = mock(faults).await;
    let e = client(&server)
        .invite_contacts(4, [1])
        .await
        .expect_err("error body");
    let api = e.api().expect("an iVvy error");
    assert_eq!(api.status.as_u16(), 200);
    assert_eq!(api.effective_status(), 400);
    assert_eq!(api.kind(), Some(ApiErrorKind::InvalidParameter));
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn an_error_body_with_string_codes_is_read() {
    let body = r#"{"errorCode":"401","message":"Unauthorized","specificCode":"23005"}"#;
    let server = FixedServer::start(200, "application/json", body).await;
    let e = server.client().ping().await.expect_err("error body");
    let api = e.api().expect("an iVvy error");
    assert_eq!(api.error_code.number(), Some(401));
    assert_eq!(api.kind(), Some(ApiErrorKind::StaleRequest));
}

#[tokio::test]
async fn an_html_502_page_is_an_unexpected_retryable_reply() {
    let faults = Faults::new().html_502_every(1);
    let server = mock(faults).await;
    let e = client(&server)
        .invite_contacts(4, [1])
        .await
        .expect_err("502");
    match &e {
        Error::UnexpectedReply {
            status, excerpt, ..
        } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(502));
            assert!(
                excerpt.starts_with("<html><head><title>502 Bad Gateway"),
                "{excerpt}"
            );
        }
        other => panic!("expected an unexpected reply, got {other:?}"),
    }
    assert!(e.is_retryable());
    assert!(e.is_ambiguous());
    assert!(e.to_string().starts_with("unexpected reply from iVvy (HTTP 502): the spec describes no such reply; the body starts \"<html>"), "{e}");
}

#[tokio::test]
async fn the_docs_broken_sample_is_an_unexpected_reply() {
    let server = FixedServer::start(200, "application/json", DOCS_INVITE_REPLY_BROKEN).await;
    let e = server
        .client()
        .invite_contacts(4, [1, 2, 3])
        .await
        .expect_err("invalid JSON");
    match &e {
        Error::UnexpectedReply { status, source, .. } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert!(source.is_some(), "the JSON error is kept");
        }
        other => panic!("expected an unexpected reply, got {other:?}"),
    }
    assert!(std::error::Error::source(&e).is_some());
    assert!(e.is_ambiguous(), "the server may have invited them");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn the_corrected_sample_decodes_to_outcomes() {
    let server = FixedServer::start(200, "application/json", DOCS_INVITE_REPLY_CORRECTED).await;
    let invited = server
        .client()
        .invite_contacts(4, [1, 2, 3])
        .await
        .expect("decodes");
    let contacts: Vec<u64> = invited.iter().map(|i| i.contact.get()).collect();
    assert_eq!(contacts, vec![1, 2, 3]);
    assert!(invited[0].outcome.is_invited());
    assert!(matches!(invited[1].outcome, Outcome::NotInvited));
    assert!(invited[2].outcome.is_invited());
}

/// A reply that adds a contact not sent, or leaves one out, is said so;
/// the contacts it does answer for keep their results and links.
#[tokio::test]
async fn a_reply_that_drops_or_adds_a_contact_keeps_the_results_that_match() {
    let server = FixedServer::start(200, "application/json", DOCS_INVITE_REPLY_CORRECTED).await;
    let invited = server
        .client()
        .invite_contacts(4, [1, 2])
        .await
        .expect("3 was not sent: its result is set aside");
    assert!(invited[0].outcome.links().is_some());
    assert!(matches!(invited[1].outcome, Outcome::NotInvited));
    let invited = server
        .client()
        .invite_contacts(4, [1, 2, 3, 5])
        .await
        .expect("5 is missing: said in its row");
    assert!(invited[0].outcome.links().is_some());
    assert!(invited[2].outcome.links().is_some());
    match &invited[3].outcome {
        Outcome::Unknown(e) => assert!(
            matches!(&**e, Error::ReplyMismatch { missing, .. } if missing.len() == 1 && missing[0].get() == 5),
            "{e}"
        ),
        other => panic!("5 should be unknown, not {other:?}"),
    }
}

#[tokio::test]
async fn a_429_is_retryable_and_keeps_retry_after() {
    let faults = Faults::new().rate_limit_every(1).retry_after_secs(7);
    let server = mock(faults).await;
    let e = one_try(server.client_builder())
        .ping()
        .await
        .expect_err("rate limited");
    assert!(e.is_retryable());
    assert_eq!(
        e.api().and_then(|a| a.retry_after),
        Some(std::time::Duration::from_secs(7))
    );
}

#[tokio::test]
async fn a_refused_connection_is_retryable_and_not_ambiguous() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port();
    let client = one_try(
        ivvy::Client::builder()
            .base_url(format!("http://127.0.0.1:{port}"))
            .credentials("k", "s"),
    );
    let e = client.ping().await.expect_err("refused");
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(!e.is_ambiguous());
    assert!(
        e.to_string().starts_with("could not connect to iVvy: "),
        "{e}"
    );
}

#[tokio::test]
async fn a_slow_reply_is_an_ambiguous_timeout() {
    let faults = Faults::new().delay(Duration::from_millis(500), Duration::from_millis(500));
    let server = mock(faults).await;
    let client = one_try(server.client_builder().timeout(Duration::from_millis(100)));
    let e = client.ping().await.expect_err("times out");
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.is_ambiguous());
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn invited_contacts_streams_every_page_with_answers() {
    let server = mock(Faults::default()).await;
    let client = server
        .client_builder()
        .clock(fixed_clock())
        .page_size(7)
        .build()
        .expect("client");
    let contacts: Vec<i64> = (1..=40).collect();
    client.invite_contacts(5, contacts).await.expect("invites");
    server.set_answer(5, 1, ivvy_mock::state::Answer::Yes);
    server.set_answer(5, 2, ivvy_mock::state::Answer::No);
    let listed: Vec<ivvy::InvitedContact> = client
        .invited_contacts(5, None)
        .try_collect()
        .await
        .expect("lists");
    let ids: Vec<u64> = listed.iter().map(|c| c.contact.get()).collect();
    let expected: Vec<u64> = (1..=40).filter(|c| c % 7 != 0).collect();
    assert_eq!(ids, expected);
    assert_eq!(listed[0].answer, Answer::Yes);
    assert_eq!(listed[1].answer, Answer::No);
    assert_eq!(listed[2].answer, Answer::Undecided);
    // The account's contact 1 (see ivvy_mock::account).
    assert_eq!(listed[0].email.as_deref(), Some("person1@example.test"));
    assert_eq!(listed[0].modified_at(), Some(ivvy_tests::fixed_time()));
    assert_eq!(
        server.request_count(),
        1 + 5,
        "one invite, then 34 invitations in pages of 7"
    );
}

#[tokio::test]
async fn invited_contacts_of_an_empty_event_is_empty_and_bad_event_errors() {
    let server = mock(Faults::default()).await;
    let client = client(&server);
    let listed: Vec<ivvy::InvitedContact> = client
        .invited_contacts(6, None)
        .try_collect()
        .await
        .expect("lists");
    assert!(listed.is_empty());
    let e = client
        .invited_contacts(0, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("event 0");
    assert!(matches!(e, Error::InvalidInput { .. }));
    let e = client
        .invited_contacts(2_000_000_000, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no such event");
    assert_eq!(e.api().map(|a| a.status.as_u16()), Some(404));
}

#[tokio::test]
async fn debug_and_errors_never_show_the_secret() {
    let server = mock(Faults::default()).await;
    let client = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), "s3cr3t-value")
        .build()
        .expect("client");
    assert!(!format!("{client:?}").contains("s3cr3t-value"));
    let e = client.ping().await.expect_err("wrong secret");
    assert!(!format!("{e:?}").contains("s3cr3t-value"));
    assert!(!e.to_string().contains("s3cr3t-value"));
}

#[tokio::test]
async fn reads_retry_a_429_and_a_502_then_succeed() {
    // Requests 2 and 4 get a 429 (Retry-After 0), request 3 an HTML 502.
    let faults = Faults::new()
        .rate_limit_every(2)
        .retry_after_secs(0)
        .html_502_every(3);
    let server = mock(faults).await;
    let client = server
        .client_builder()
        .clock(fixed_clock())
        .retry_policy(
            RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .expect("client");
    client.ping().await.expect("request 1");
    client
        .ping()
        .await
        .expect("requests 2 to 4 fail, 5 succeeds");
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn every_page_of_a_listing_is_retried_on_its_own() {
    // Every 3rd request is refused with a 429: the invite is request 1, and
    // the 43 pages of 6 invitations need 65 requests in all.
    let server = mock(Faults::new().rate_limit_every(3).retry_after_secs(0)).await;
    let contacts: Vec<i64> = (1..=300).collect();
    client(&server)
        .invite_contacts(8, contacts)
        .await
        .expect("invites");
    let reader = server
        .client_builder()
        .clock(fixed_clock())
        .page_size(6)
        .retry_policy(
            RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .expect("client");
    let listed: Vec<_> = reader
        .invited_contacts(8, None)
        .try_collect()
        .await
        .expect("lists");
    let existing = (1..=300).filter(|c| c % 7 != 0).count();
    assert_eq!(listed.len(), existing);
    let pages = existing.div_ceil(6) as u64;
    // The requests it takes for 1 + pages to get through when every 3rd is refused.
    let needed = (1..)
        .scan(0, |ok, n: u64| {
            if !n.is_multiple_of(3) {
                *ok += 1;
            }
            Some((n, *ok))
        })
        .find(|(_, ok)| *ok == 1 + pages)
        .map(|(n, _)| n);
    assert_eq!(Some(server.request_count()), needed);
}
