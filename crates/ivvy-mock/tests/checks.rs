//! The fake server's own checks, through real HTTP on 127.0.0.1.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ivvy_iws::{Credentials, ManualClock, SignableRequest};
use ivvy_mock::auth::codes;
use ivvy_mock::schema::{INVALID_PARAMETER, MISSING_PARAMETER};
use ivvy_mock::{Faults, MockConfig, MockServer};
use serde_json::{Value, json};

const NOW: u64 = 1_764_000_000;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW)))
}

async fn server(faults: Faults) -> MockServer {
    MockServer::start(MockConfig::new().clock(clock()).faults(faults))
        .await
        .expect("server starts")
}

/// A request signed as the client signs it, dated `at`.
fn signed(
    server: &MockServer,
    path: &str,
    body: &str,
    secret: &str,
    at: SystemTime,
) -> reqwest::Request {
    let mut request = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client")
        .post(format!("{}{path}", server.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
        .expect("request builds");
    let credentials = Credentials::new(server.key(), secret).expect("valid credentials");
    let output = ivvy_iws::sign(
        &SignableRequest {
            method: "POST",
            path_and_query: path,
            headers: &[("content-type", b"application/json")],
            body: body.as_bytes(),
        },
        &credentials,
        at,
    )
    .expect("signs");
    for header in output.headers() {
        request
            .headers_mut()
            .insert(header.name, header.value.parse().expect("header"));
    }
    request
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

async fn send(request: reqwest::Request) -> (u16, String, Value) {
    let response = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client")
        .execute(request)
        .await
        .expect("reply");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, content_type, json)
}

const INVITE: &str = "/api/1.0/event?action=inviteContacts";
const DOCS_BODY: &str = r#"{"event":4,"contacts":[1,2,3]}"#;

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let server = server(Faults::default()).await;
    let (status, content_type, body) =
        send(signed(&server, INVITE, DOCS_BODY, "test-secret", now())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(body["results"][0]["contact"], 1);
    assert_eq!(body["results"][0]["status"], true);
    assert_eq!(
        body["results"][0]["inviteLinkYes"],
        format!("{}/respond/4/1/yes", server.base_url())
    );
    assert_eq!(server.invite_count(4, 1), 1);
}

async fn refusal(request: reqwest::Request) -> (u16, Value, Value) {
    let (status, _, body) = send(request).await;
    (status, body["specificCode"].clone(), body)
}

#[tokio::test]
async fn each_broken_check_has_its_own_code() {
    let server = server(Faults::default()).await;

    let mut tampered = signed(&server, INVITE, DOCS_BODY, "test-secret", now());
    *tampered.body_mut() = Some(r#"{"event":4,"contacts":[1,2,5]}"#.into());
    let (status, code, body) = refusal(tampered).await;
    assert_eq!(
        (status, code),
        (401, json!(codes::BAD_CONTENT_MD5)),
        "{body}"
    );

    let mut tampered_both = signed(&server, INVITE, DOCS_BODY, "test-secret", now());
    let other = r#"{"event":4,"contacts":[1,2,5]}"#;
    *tampered_both.body_mut() = Some(other.into());
    tampered_both.headers_mut().insert(
        "content-md5",
        ivvy_iws::content_md5(other.as_bytes())
            .parse()
            .expect("header"),
    );
    let (status, code, _) = refusal(tampered_both).await;
    assert_eq!((status, code), (401, json!(codes::BAD_SIGNATURE)));

    let (status, code, body) =
        refusal(signed(&server, INVITE, DOCS_BODY, "wrong-secret", now())).await;
    assert_eq!((status, code), (401, json!(codes::BAD_SIGNATURE)));
    assert_eq!(body["errorCode"], 401);
    assert_eq!(body["message"], "the signature does not match the request");

    let stale = now() - Duration::from_secs(5 * 60 + 1);
    let (status, code, body) =
        refusal(signed(&server, INVITE, DOCS_BODY, "test-secret", stale)).await;
    assert_eq!((status, code), (401, json!(23005)));
    assert_eq!(body["message"], "Request is stale");
    let future = now() + Duration::from_secs(5 * 60 + 1);
    let (_, code, _) = refusal(signed(&server, INVITE, DOCS_BODY, "test-secret", future)).await;
    assert_eq!(code, json!(23005));
    let ping = "/api/1.0/test?action=ping";
    let (status, _, _) = refusal(signed(
        &server,
        ping,
        "{}",
        "test-secret",
        now() - Duration::from_secs(299),
    ))
    .await;
    assert_eq!(status, 200, "a date within 5 minutes is accepted");

    for (header, expected) in [
        ("x-api-authorization", codes::BAD_AUTHORIZATION),
        ("content-md5", codes::BAD_CONTENT_MD5),
        ("ivvy-date", codes::BAD_DATE),
    ] {
        let mut request = signed(&server, INVITE, DOCS_BODY, "test-secret", now());
        request.headers_mut().remove(header);
        let (status, code, body) = refusal(request).await;
        assert_eq!(
            (status, code),
            (401, json!(expected)),
            "without {header}: {body}"
        );
    }

    let mut unknown_key = signed(&server, INVITE, DOCS_BODY, "test-secret", now());
    let auth = unknown_key.headers()["x-api-authorization"]
        .to_str()
        .expect("text")
        .replace("test-key", "other-key");
    unknown_key
        .headers_mut()
        .insert("x-api-authorization", auth.parse().expect("header"));
    let (_, code, _) = refusal(unknown_key).await;
    assert_eq!(code, json!(codes::UNKNOWN_KEY));

    assert_eq!(
        server.max_invite_count(),
        0,
        "no refused request invited anyone"
    );
}

#[tokio::test]
async fn a_date_header_is_accepted_in_place_of_ivvy_date() {
    let server = server(Faults::default()).await;
    let mut request = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client")
        .post(format!("{}/api/1.0/test?action=ping", server.base_url()))
        .header("content-type", "application/json; charset=utf-8")
        .header("date", "Mon, 24 Nov 2025 16:00:00 UTC")
        .body("{}")
        .build()
        .expect("request builds");
    // Sign by hand as the docs describe: the Date value takes the date part.
    let md5 = ivvy_iws::content_md5(b"{}");
    let to_sign = ivvy_iws::string_to_sign(&ivvy_iws::SigningInput {
        method: "POST",
        content_md5: &md5,
        content_type: "application/json; charset=utf-8",
        date: "Mon, 24 Nov 2025 16:00:00 UTC",
        path_and_query: "/api/1.0/test?action=ping",
        api_version: "1.0",
        ivvy_headers: &[],
    });
    let signature = ivvy_iws::hmac_sha1_hex(b"test-secret", to_sign.as_bytes());
    let headers = request.headers_mut();
    headers.insert("content-md5", md5.parse().expect("header"));
    headers.insert(
        "x-api-authorization",
        format!("IWS test-key:{signature}").parse().expect("header"),
    );
    let (status, _, body) = send(request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ack"], "2025-11-24 16:00:00 UTC");
}

#[tokio::test]
async fn bodies_are_checked_against_the_spec() {
    let server = server(Faults::default()).await;
    let (status, code, body) = refusal(signed(
        &server,
        INVITE,
        r#"{"contacts":[1]}"#,
        "test-secret",
        now(),
    ))
    .await;
    assert_eq!((status, code), (400, json!(MISSING_PARAMETER)));
    assert_eq!(body["message"], "'event' is required");

    let (status, code, body) = refusal(signed(
        &server,
        INVITE,
        r#"{"event":"four","contacts":[1]}"#,
        "test-secret",
        now(),
    ))
    .await;
    assert_eq!((status, code), (400, json!(INVALID_PARAMETER)));
    assert_eq!(body["message"], "'event' does not validate");
    assert!(
        body["additionalMessages"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );

    for bad in [
        "not json",
        r#"{"event":1e400,"contacts":[1]}"#,
        r#"{"event":99999999999999999999999,"contacts":[1]}"#,
        "\u{0}\u{1}",
    ] {
        let (status, code, body) =
            refusal(signed(&server, INVITE, bad, "test-secret", now())).await;
        assert_eq!(
            (status, code),
            (400, json!(INVALID_PARAMETER)),
            "{bad:?}: {body}"
        );
    }

    let mut non_utf8 = signed(&server, INVITE, "", "test-secret", now());
    let bytes: &[u8] = &[0xff, 0xfe, b'{'];
    *non_utf8.body_mut() = Some(bytes.into());
    non_utf8.headers_mut().insert(
        "content-md5",
        ivvy_iws::content_md5(bytes).parse().expect("header"),
    );
    let (status, _, _) = refusal(non_utf8).await;
    assert_eq!(status, 401, "re-hashed but not re-signed");
}

#[tokio::test]
async fn routing_answers_404_and_405_in_ivvy_shape() {
    let server = server(Faults::default()).await;
    let client = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client");
    for path in [
        "/api/1.0/event?action=nope",
        "/api/1.0/nope?action=ping",
        "/api/2.0/test?action=ping",
        "/elsewhere",
    ] {
        let reply = client
            .post(format!("{}{path}", server.base_url()))
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status(), 404, "{path}");
        let body: Value = reply.json().await.expect("json");
        assert_eq!(body["errorCode"], 404, "{path}");
    }
    let reply = client
        .get(format!("{}/api/1.0/test?action=ping", server.base_url()))
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), 405);
    assert_eq!(reply.headers()["allow"], "POST");

    let reply = client
        .post(format!("{}{INVITE}", server.base_url()))
        .header("x-api-authorization", "IWS x:y")
        .body(vec![0_u8; 2 * 1024 * 1024])
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.status(), 413, "the body limit holds");
}

#[tokio::test]
async fn state_pages_and_answers() {
    let server = server(Faults::default()).await;
    let client = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), server.secret())
        .clock(clock())
        .page_size(500)
        .build()
        .expect("client");
    let contacts: Vec<i64> = (1..=250).collect();
    let invited = client.invite_contacts(9, contacts).await.expect("invites");
    let existing = (1..=250).filter(|c| c % 7 != 0).count();
    assert_eq!(
        invited.iter().filter(|i| i.outcome.is_invited()).count(),
        existing
    );

    let links = invited[0].outcome.links().expect("links").clone();
    let answered = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client")
        .get(links.yes())
        .send()
        .await
        .expect("reply");
    assert_eq!(answered.status(), 200);
    assert!(server.set_answer(9, 2, ivvy_mock::state::Answer::No));

    use futures::TryStreamExt;
    let listed: Vec<ivvy::InvitedContact> = client
        .invited_contacts(9, None)
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(listed.len(), existing, "paged past the 100-a-page cap");
    assert_eq!(listed[0].answer, ivvy::Answer::Yes);
    assert_eq!(listed[0].registration_id, Some(1));
    assert_eq!(listed[1].answer, ivvy::Answer::No);
    assert_eq!(listed[2].answer, ivvy::Answer::Undecided);
    assert_eq!(listed[1].phone, None);
    assert!(listed.iter().all(|c| c.contact.get() % 7 != 0));
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn faults_behave_as_configured() {
    let faults = Faults::new()
        .rate_limit_every(2)
        .retry_after_secs(3)
        .html_502_every(3)
        .error_in_200_every(5)
        .fail_after_work_every(2);
    let server = server(faults).await;
    let mut seen = Vec::new();
    for n in 1..=7_u64 {
        let body = format!(r#"{{"event":4,"contacts":[{n}]}}"#);
        let response = ivvy::http_client_builder()
            .expect("TLS is set up")
            .build()
            .expect("HTTP client")
            .execute(signed(&server, INVITE, &body, "test-secret", now()))
            .await
            .expect("reply");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap_or("").to_string());
        let text = response.text().await.expect("body");
        seen.push((n, status, retry_after, text));
    }
    // 1: ok (invite call 1); 2: 429; 3: 502 html; 4: 429; 5: error in 200;
    // 6: 429; 7: invite call 2, fails after the work.
    let statuses: Vec<u16> = seen.iter().map(|s| s.1).collect();
    assert_eq!(
        statuses,
        vec![200, 429, 502, 429, 200, 429, 500],
        "{seen:#?}"
    );
    assert_eq!(seen[1].2.as_deref(), Some("3"));
    assert!(seen[2].3.starts_with("<html>"));
    assert!(seen[4].3.contains("\"errorCode\""));
    assert_eq!(server.invite_count(4, 1), 1);
    assert_eq!(
        server.invite_count(4, 5),
        0,
        "an error in a 200 does no work"
    );
    assert_eq!(server.invite_count(4, 7), 0, "7 does not exist");
    assert_eq!(server.request_count(), 7);
}

#[tokio::test]
async fn a_cap_on_contacts_per_call_refuses_longer_lists() {
    let server = server(Faults::new().max_contacts_per_call(2)).await;
    let (status, code, body) =
        refusal(signed(&server, INVITE, DOCS_BODY, "test-secret", now())).await;
    assert_eq!((status, code), (400, json!(INVALID_PARAMETER)), "{body}");
    assert_eq!(
        body["additionalMessages"][0],
        "at most 2 contacts per call, got 3"
    );
    assert_eq!(server.max_invite_count(), 0);
}

#[tokio::test]
async fn the_failure_after_work_did_the_work() {
    let server = server(Faults::new().fail_after_work_every(1)).await;
    let (status, _, _) = send(signed(&server, INVITE, DOCS_BODY, "test-secret", now())).await;
    assert_eq!(status, 500);
    assert_eq!(server.invite_count(4, 1), 1);
    assert_eq!(server.invite_count(4, 3), 1);
}

#[tokio::test]
async fn delays_reorder_concurrent_replies() {
    let server =
        server(Faults::new().delay(Duration::from_millis(1), Duration::from_millis(60))).await;
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (1..=8_u64)
        .map(|n| {
            let request = signed(
                &server,
                "/api/1.0/test?action=ping",
                "{}",
                "test-secret",
                now(),
            );
            let order = order.clone();
            tokio::spawn(async move {
                let reply = ivvy::http_client_builder()
                    .expect("TLS is set up")
                    .build()
                    .expect("HTTP client")
                    .execute(request)
                    .await
                    .expect("reply");
                assert_eq!(reply.status(), 200);
                order.lock().expect("lock").push(n);
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let order = order.lock().expect("lock").clone();
    assert_eq!(order.len(), 8);
    // The delays are a fixed function of the request number, so the
    // replies finish in a different order from the one they were sent in.
    let sorted = {
        let mut s = order.clone();
        s.sort();
        s
    };
    assert_ne!(order, sorted, "replies came back in send order: {order:?}");
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server =
        MockServer::start(MockConfig::new().header_read_timeout(Duration::from_millis(200)))
            .await
            .expect("server starts");
    let mut stream = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("connects");
    stream
        .write_all(b"POST /api/1.0/test?action=ping HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the connection was held open");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_rate_limit_refuses_past_the_burst_and_says_when_to_come_back() {
    let server = server(Faults::new().rate_limit(0.5, 3)).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let response = ivvy::http_client_builder()
            .expect("TLS is set up")
            .build()
            .expect("HTTP client")
            .execute(signed(&server, INVITE, DOCS_BODY, "test-secret", now()))
            .await
            .expect("reply");
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap_or("").to_string());
        }
    }
    // The burst of 3 passes; the rest find the bucket empty (refilling at
    // one every 2 s is far slower than these requests).
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].iter().all(|&s| s == 429), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("2"));
    assert_eq!(server.refused_count(), 3);
    assert_eq!(
        server.invite_count(4, 1),
        3,
        "only the three that passed did work"
    );
}
