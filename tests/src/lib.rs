//! Helpers for the workspace tests: fixed clocks and credentials, and small
//! servers on 127.0.0.1 that answer a fixed reply or record what they get.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// 2025-11-24 16:00:00 UTC: the fixed time of every snapshot.
pub const FIXED_NOW: u64 = 1_764_000_000;
/// Test credentials used in snapshots (not secret anywhere).
pub const TEST_KEY: &str = "test-key";
/// The secret paired with [`TEST_KEY`].
pub const TEST_SECRET: &str = "test-secret";

/// The fixed time as a `SystemTime`.
pub fn fixed_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(FIXED_NOW)
}

/// A clock stopped at [`FIXED_NOW`].
pub fn fixed_clock() -> Arc<ivvy::ManualClock> {
    Arc::new(ivvy::ManualClock::new(fixed_time()))
}

/// The docs' invite reply, with the comma the docs leave out put back.
pub const DOCS_INVITE_REPLY_CORRECTED: &str = r#"{
    "results":[
        {
            "contact":1,
            "status":true,
            "inviteLinkYes":"http://....",
            "inviteLinkNo":"http://...."
        },
        {   "contact":2,
            "status":false},
        {
            "contact":3,
            "status":true,
            "inviteLinkYes":"http://....",
            "inviteLinkNo":"http://...."
        }
    ]
}"#;

/// The docs' invite reply exactly as printed: not valid JSON.
pub const DOCS_INVITE_REPLY_BROKEN: &str = r#"{
    "results":[
        {
            "contact":1,
            "status":true,
            "inviteLinkYes":"http://....",
            "inviteLinkNo":"http://...."
        },
        {   "contact":2,
            "status":false},
        {
            "contact":3,
            "status":true
            "inviteLinkYes":"http://....",
            "inviteLinkNo":"http://...."
        }
    ]
}"#;

/// The docs' getInvitedContactList sample reply, as printed.
pub const DOCS_INVITED_LIST_REPLY: &str = r#"{
    "meta": {
        "totalResults": 345,
        "start": 0,
        "perPage": 2,
        "count": 2
    },
    "results": [
        {
            "eventId": 1,
            "contactId": 1,
            "firstName": "Test",
            "lastName": "Last",
            "email": "first@test.com",
            "phone": "1346789798",
            "response": "Y",
            "registrationId": 1,
            "modifiedDate": "2018-09-19 09:00:34 UTC"
        },
        {
            "eventId": 1,
            "contactId": 2,
            "firstName": "Test",
            "lastName": "Two",
            "email": "test@two.com",
            "phone": "+61 123456789",
            "response": "U",
            "registrationId": null,
            "modifiedDate": "2018-09-19 08:57:11 UTC"
        }
    ]
}"#;

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Captured {
    /// `POST`.
    pub method: String,
    /// Path and query.
    pub path_and_query: String,
    /// Headers in arrival order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

#[derive(Clone)]
struct Canned {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    seen: Arc<Mutex<Vec<Captured>>>,
}

/// A server that answers every request with one fixed reply and records
/// every request it gets. Stops when dropped.
pub struct FixedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FixedServer {
    /// Starts on an ephemeral port of 127.0.0.1.
    pub async fn start(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let canned = Canned {
            status: StatusCode::from_u16(status).expect("valid status"),
            content_type,
            body: body.into(),
            seen: seen.clone(),
        };
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("address");
        let app = axum::Router::new().fallback(answer).with_state(canned);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, seen, task }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port, to take out of snapshots.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.seen.lock().expect("lock").clone()
    }

    /// A client for this server with the test credentials and fixed clock.
    pub fn client(&self) -> ivvy::Client {
        ivvy::Client::builder()
            .base_url(self.base_url())
            .credentials(TEST_KEY, TEST_SECRET)
            .clock(fixed_clock())
            // Pinned, so the wire snapshot does not move with the version.
            .user_agent("ivvy-rs/test")
            .build()
            .expect("client builds")
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(canned): State<Canned>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    canned.seen.lock().expect("lock").push(Captured {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let mut response = (canned.status, canned.body.clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(canned.content_type),
    );
    response
}

/// A reply as a test reads it: status and JSON body (`Null` when the body
/// is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON.
    pub body: serde_json::Value,
}

/// Posts `body` to `{base_url}{path}` with `headers` exactly as given (no
/// signing here: the caller sends what a client would), and reads the reply.
pub async fn post_raw(base_url: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut request = ivvy::http_client_builder()
        .expect("TLS is set up")
        .build()
        .expect("HTTP client")
        .post(format!("{base_url}{path}"))
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server replies");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("the body arrives");
    Reply {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    }
}

/// Posts `body` to `{base_url}{path}` signed as `ivvy-iws` signs, with
/// `Content-Type: application/json`, dated `at`.
pub async fn post_signed(
    base_url: &str,
    path: &str,
    body: &[u8],
    credentials: &ivvy_iws::Credentials,
    at: SystemTime,
) -> Reply {
    let content_type = ("content-type", "application/json");
    let output = ivvy_iws::sign(
        &ivvy_iws::SignableRequest {
            method: "POST",
            path_and_query: path,
            headers: &[(content_type.0, content_type.1.as_bytes())],
            body,
        },
        credentials,
        at,
    )
    .expect("signs");
    let mut headers = vec![content_type];
    headers.extend(output.headers().map(|h| (h.name, h.value)));
    post_raw(base_url, path, &headers, body).await
}

/// The README's Rust blocks, compiled as doctests so they stay true as
/// written (read only when doctests are collected: the packaged crate has
/// no README beside it).
#[cfg_attr(doctest, doc = include_str!("../../README.md"))]
pub mod readme {}
