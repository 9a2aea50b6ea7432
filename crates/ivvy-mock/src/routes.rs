//! Request handling: routing on path and `action`, the checks, the actions.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::MockConfig;
use crate::auth::{Received, Verifier};
use crate::faults::FrontFault;
use crate::reply::{Refusal, json_reply};
use crate::schema::{INVALID_PARAMETER, Operations};
use crate::state::{self, Answer, Store};

pub(crate) struct App {
    pub(crate) config: MockConfig,
    pub(crate) operations: Operations,
    pub(crate) store: Mutex<Store>,
    pub(crate) requests: AtomicU64,
    pub(crate) invite_calls: AtomicU64,
    pub(crate) base_url: String,
}

impl App {
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written
        // (each change is one assignment), so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/respond/") {
        return respond(&app, &parts.method, rest);
    }
    match api(&app, parts, body).await {
        Ok(response) | Err(response) => response,
    }
}

async fn api(
    app: &App,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<Response, Response> {
    let not_found = |what: String| Refusal::new(StatusCode::NOT_FOUND, None, what).into_response();
    let path = parts.uri.path();
    let mut segments = path.split('/');
    let (Some(""), Some("api"), Some(version), Some(namespace), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(not_found(format!("no API call at {path}")));
    };
    if version != ivvy::signing::API_VERSION {
        return Err(not_found(format!(
            "API version {version} is not supported; use 1.0"
        )));
    }
    let action = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("action="))
        .unwrap_or("");
    let Some(operation) = app.operations.get(namespace, action) else {
        return Err(not_found(format!(
            "unknown namespace or action: {namespace}?action={action}"
        )));
    };
    if parts.method != Method::POST {
        let mut response = Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            format!("{} is not allowed; iVvy calls are POST", parts.method),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(response);
    }

    let n = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let faults = &app.config.faults;
    let delay = faults.delay(n);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let front = faults.front(n);
    match front {
        Some(FrontFault::RateLimited) => {
            let mut response =
                Refusal::new(StatusCode::TOO_MANY_REQUESTS, None, "Too Many Requests")
                    .into_response();
            if let Some(secs) = faults.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return Err(response);
        }
        Some(FrontFault::Html502) => return Err(html_502()),
        _ => {}
    }

    let body = axum::body::to_bytes(body, app.config.body_limit)
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!(
                    "the request body is larger than {} bytes",
                    app.config.body_limit
                ),
            )
            .into_response()
        })?;
    let path_and_query = parts.uri.path_and_query().map_or(path, |pq| pq.as_str());
    let verifier = Verifier {
        key: &app.config.key,
        secret: &app.config.secret,
        now: app.config.clock.now(),
    };
    verifier
        .verify(&Received {
            method: parts.method.as_str(),
            path_and_query,
            version,
            headers: &parts.headers,
            body: &body,
        })
        .map_err(IntoResponse::into_response)?;

    if front == Some(FrontFault::ErrorIn200) {
        let refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "Simulated error in a 200 reply",
        );
        return Err(json_reply(StatusCode::OK, &refusal.body()));
    }

    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "the request body is not valid JSON",
        );
        refusal.additional.push(e.to_string());
        refusal.into_response()
    })?;
    operation
        .check_request(&value)
        .map_err(IntoResponse::into_response)?;

    let reply = match (namespace, action) {
        ("test", "ping") => {
            json!({ "ack": format!("{} UTC", ivvy::timestamp::format(app.config.clock.now())) })
        }
        ("event", "inviteContacts") => {
            let reply = invite(app, &value).map_err(IntoResponse::into_response)?;
            let call = app.invite_calls.fetch_add(1, Ordering::Relaxed) + 1;
            if faults.fails_after_work(call) {
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "Internal Server Error (after the invitations were made)",
                )
                .into_response());
            }
            reply
        }
        ("event", "getInvitedContactList") => {
            invited_list(app, &value).map_err(IntoResponse::into_response)?
        }
        _ => {
            return Err(not_found(format!(
                "{namespace}?action={action} is in the spec but not served"
            )));
        }
    };
    Ok(json_reply(StatusCode::OK, &reply))
}

fn html_502() -> Response {
    let mut response = (
        StatusCode::BAD_GATEWAY,
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// Parses a body the schema has accepted; numbers too large for the field
/// still fail here, and are reported as iVvy would.
fn typed<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, Refusal> {
    T::deserialize(value).map_err(|e| {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "the request body does not validate",
        );
        refusal.additional.push(e.to_string());
        refusal
    })
}

fn unknown_event(event: u64) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        None,
        format!("event {event} was not found"),
    )
}

#[derive(Deserialize)]
struct InviteBody {
    event: u64,
    contacts: Vec<u64>,
}

fn invite(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: InviteBody = typed(value)?;
    if !state::event_exists(body.event) {
        return Err(unknown_event(body.event));
    }
    if let Some(cap) = app.config.faults.max_contacts_per_call
        && body.contacts.len() > cap
    {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "'contacts' does not validate",
        );
        refusal.additional.push(format!(
            "at most {cap} contacts per call, got {}",
            body.contacts.len()
        ));
        return Err(refusal);
    }
    let now = app.config.clock.now();
    let mut store = app.store();
    let results: Vec<Value> = body
        .contacts
        .iter()
        .map(|&contact| {
            if state::contact_exists(contact) {
                store.invite(body.event, contact, now);
                let link = |answer: &str| format!("{}/respond/{}/{contact}/{answer}", app.base_url, body.event);
                json!({ "contact": contact, "status": true, "inviteLinkYes": link("yes"), "inviteLinkNo": link("no") })
            } else {
                json!({ "contact": contact, "status": false })
            }
        })
        .collect();
    Ok(json!({ "results": results }))
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(rename = "eventId")]
    event_id: u64,
    start: u64,
    #[serde(rename = "perPage")]
    per_page: u64,
    #[serde(default)]
    filter: serde_json::Map<String, Value>,
}

fn invited_list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: ListBody = typed(value)?;
    if !state::event_exists(body.event_id) {
        return Err(unknown_event(body.event_id));
    }
    let mut wanted_answer = None;
    for (key, value) in &body.filter {
        match (key.as_str(), value.as_str()) {
            ("response", Some(letter @ ("U" | "Y" | "N"))) => {
                wanted_answer = Some(letter.to_string())
            }
            _ => {
                let mut refusal = Refusal::new(
                    StatusCode::BAD_REQUEST,
                    Some(INVALID_PARAMETER),
                    "'filter' does not validate",
                );
                refusal.additional.push(format!(
                    "the fake server filters only on response (U, Y or N), not {key}"
                ));
                return Err(refusal);
            }
        }
    }
    let per_page = body.per_page.min(state::MAX_PER_PAGE);
    let store = app.store();
    let matching: Vec<&state::Recorded> = store
        .invitations(body.event_id)
        .iter()
        .filter(|r| {
            wanted_answer
                .as_deref()
                .is_none_or(|a| a == r.answer.letter())
        })
        .collect();
    let start = usize::try_from(body.start)
        .unwrap_or(usize::MAX)
        .min(matching.len());
    let page = &matching[start..(start + per_page as usize).min(matching.len())];
    let results: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({
                "eventId": body.event_id,
                "contactId": r.contact,
                "firstName": "Contact",
                "lastName": r.contact.to_string(),
                "email": format!("contact{}@example.test", r.contact),
                // every other contact has no phone, as real records often don't
                "phone": if r.contact % 2 == 1 { json!(format!("+61 400 {:06}", r.contact % 1_000_000)) } else { Value::Null },
                "response": r.answer.letter(),
                "registrationId": if r.answer == Answer::Yes { json!(r.contact) } else { Value::Null },
                "modifiedDate": format!("{} UTC", ivvy::timestamp::format(r.modified)),
            })
        })
        .collect();
    Ok(json!({
        "meta": { "totalResults": matching.len(), "start": body.start, "perPage": per_page, "count": results.len() },
        "results": results,
    }))
}

/// `GET /respond/{event}/{contact}/{yes|no}`: what an invitation link does.
fn respond(app: &App, method: &Method, rest: &str) -> Response {
    if method != Method::GET {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "invitation links are opened with GET\n",
        )
            .into_response();
    }
    let mut parts = rest.split('/');
    let parsed = (
        parts.next().and_then(|e| e.parse::<u64>().ok()),
        parts.next().and_then(|c| c.parse::<u64>().ok()),
        parts.next(),
        parts.next(),
    );
    let (Some(event), Some(contact), Some(answer @ ("yes" | "no")), None) = parsed else {
        return (StatusCode::NOT_FOUND, "no such invitation link\n").into_response();
    };
    let answer = if answer == "yes" {
        Answer::Yes
    } else {
        Answer::No
    };
    if app
        .store()
        .answer(event, contact, answer, app.config.clock.now())
    {
        (StatusCode::OK, "Thank you: your answer is recorded.\n").into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such invitation\n").into_response()
    }
}
