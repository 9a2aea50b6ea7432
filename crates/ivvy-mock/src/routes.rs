//! Request handling as named steps, in the order iVvy takes them:
//! route -> faults before -> read body -> verify -> validate -> dispatch
//! (one handler per operation, in `actions`) -> faults after. Each step
//! either passes what the next needs or ends the request with its reply.

// A step's error is the finished reply, built once per request: its size
// costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use ivvy_iws::{RpcPath, SignableRequest};
use serde_json::Value;

use crate::action::Action;
use crate::actions;
use crate::app::{App, Arrival};
use crate::faults::{Bucket, FrontFault};
use crate::reply::{Refusal, json_reply};
use crate::schema::{INVALID_PARAMETER, Operation};

/// Arrivals kept, at most (a long run keeps its first ones).
const MAX_ARRIVALS: usize = 100_000;

/// Counts a request as in flight until dropped.
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A step's early reply.
type Step<T> = Result<T, Response>;

pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(rest) = parts.uri.path().strip_prefix("/respond/") {
        return actions::respond(&app, &parts.method, rest);
    }
    let (Ok(mut response) | Err(mut response)) = api(&app, parts, body).await;
    // The server's own clock, as iVvy's replies carry it: a client whose
    // clock is off can read iVvy's time here.
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(app.config.clock.now())) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

async fn api(app: &App, parts: Parts, body: Body) -> Step<Response> {
    let (operation, action) = route(app, &parts)?;
    let n = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let in_flight = app.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _leaving = InFlight(&app.in_flight);
    {
        let mut arrivals = app.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        if arrivals.len() < MAX_ARRIVALS {
            arrivals.push(Arrival {
                in_flight,
                refused_before: app.refused.load(Ordering::Relaxed),
            });
        }
    }
    app.per_action[action.index()].fetch_add(1, Ordering::Relaxed);
    faults_before(app, n).await?;
    let body = read_body(app, body).await?;
    verify(app, &parts, &body)?;
    if action == Action::BatchRun {
        batch_run_first(app, &body)?;
    }
    let request = validate(operation, &body)?;
    // Batch jobs due by now have run before anything is read or written.
    actions::batch::catch_up(app, std::time::Instant::now());
    let reply = actions::dispatch(app, action, &request)?;
    if let Some(hold) = app.config.faults.reply_after_work
        && matches!(action, Action::InviteContacts | Action::AddOrUpdateContact)
    {
        tokio::time::sleep(hold).await;
    }
    faults_after(app, action)?;
    Ok(json_reply(StatusCode::OK, &reply))
}

/// Finds the operation from the path and `action`; 404 for an unknown one
/// (naming it), 405 for a method other than POST.
fn route<'a>(app: &'a App, parts: &Parts) -> Step<(&'a Operation, Action)> {
    let not_found = |what: String| Refusal::new(StatusCode::NOT_FOUND, None, what).into_response();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |pq| pq.as_str());
    let path = RpcPath::parse(path_and_query)
        .map_err(|e| not_found(format!("no API call at {}: it {e}", parts.uri.path())))?;
    if path.version != ivvy_iws::API_VERSION {
        return Err(not_found(format!(
            "API version {} is not supported; use {}",
            path.version,
            ivvy_iws::API_VERSION
        )));
    }
    let operation = app
        .operations
        .get(path.namespace, path.action)
        .ok_or_else(|| {
            not_found(format!(
                "unknown namespace or action: {}?action={} (this fake server serves only the calls in its spec)",
                path.namespace, path.action
            ))
        })?;
    let action = Action::of(path.namespace, path.action).ok_or_else(|| {
        not_found(format!(
            "{}?action={} is in the spec but not served",
            path.namespace, path.action
        ))
    })?;
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
    Ok((operation, action))
}

/// Delays, then the faults that replace request `n`'s reply before any
/// work: a redirect, an oversized or endless body, 429, an HTML 502, an
/// iVvy error in a 200.
async fn faults_before(app: &App, n: u64) -> Step<()> {
    let faults = &app.config.faults;
    let delay = faults.delay_for(n);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(lockout) = faults.lockout {
        let now = std::time::Instant::now();
        let mut closed = app.closed_until.lock().unwrap_or_else(|p| p.into_inner());
        if closed.is_none() && n >= lockout.after {
            *closed = Some(now + lockout.closed);
        } else if closed.is_some_and(|until| now < until) {
            app.lockout_hits.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(until) = closed.filter(|until| now < *until) {
            app.refused.fetch_add(1, Ordering::Relaxed);
            let left = until - now;
            let mut response =
                Refusal::new(StatusCode::TOO_MANY_REQUESTS, None, "Too Many Requests")
                    .into_response();
            let value = if lockout.as_date {
                let at = app.config.clock.now() + left + Duration::from_secs(1);
                HeaderValue::from_str(&httpdate::fmt_http_date(at))
            } else {
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                Ok(HeaderValue::from(secs))
            };
            if let Ok(value) = value {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Err(response);
        }
    }
    if let Some(limit) = faults.rate_limit {
        let now = std::time::Instant::now();
        let mut bucket = app.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = bucket.get_or_insert_with(|| Bucket::full(limit, now));
        if let Err(wait) = bucket.take(limit, now) {
            app.refused.fetch_add(1, Ordering::Relaxed);
            let mut response =
                Refusal::new(StatusCode::TOO_MANY_REQUESTS, None, "Too Many Requests")
                    .into_response();
            // Whole seconds, rounded up, as the header allows.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            return Err(response);
        }
    }
    if let Some(url) = &faults.redirect_to {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(location) = HeaderValue::from_str(url) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return Err(response);
    }
    if faults.endless_reply {
        return Err(filler(None));
    }
    if let Some(bytes) = faults.oversized_reply {
        return Err(filler(Some(bytes)));
    }
    match faults.front(n) {
        Some(FrontFault::RateLimited) => {
            let mut response =
                Refusal::new(StatusCode::TOO_MANY_REQUESTS, None, "Too Many Requests")
                    .into_response();
            if let Some(secs) = faults.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Err(response)
        }
        Some(FrontFault::Html502) => Err(html_502()),
        Some(FrontFault::ErrorIn200) => {
            let refusal = Refusal::new(
                StatusCode::BAD_REQUEST,
                Some(INVALID_PARAMETER),
                "Simulated error in a 200 reply",
            );
            Err(json_reply(StatusCode::OK, &refusal.body()))
        }
        None => Ok(()),
    }
}

async fn read_body(app: &App, body: Body) -> Step<Bytes> {
    axum::body::to_bytes(body, app.config.body_limit)
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
        })
}

/// The signature, MD5 and date, checked on the request exactly as received.
fn verify(app: &App, parts: &Parts, body: &[u8]) -> Step<()> {
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let request = SignableRequest {
        method: parts.method.as_str(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |pq| pq.as_str()),
        headers: &headers,
        body,
    };
    ivvy_iws::verify(&request, &app.credentials, app.config.clock.now())
        .map_err(|rejection| crate::auth::refusal(&rejection).into_response())
}

/// The body as JSON, checked against the operation's request schema. An
/// empty body is read as `{}` (iVvy's own SDK sends one for ping).
fn validate(operation: &Operation, body: &[u8]) -> Step<Value> {
    let value: Value = if body.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            let mut refusal = Refusal::new(
                StatusCode::BAD_REQUEST,
                Some(INVALID_PARAMETER),
                "the request body is not valid JSON",
            );
            refusal.additional.push(e.to_string());
            refusal.into_response()
        })?
    };
    operation
        .check_request(&value)
        .map_err(IntoResponse::into_response)?;
    Ok(value)
}

/// A batch run's own checks, which iVvy makes before the schema's (the
/// job count and format, with the batch page's codes), and, when the
/// quota counts jobs, the jobs beyond the request's own token.
fn batch_run_first(app: &App, body: &[u8]) -> Step<()> {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let jobs = actions::batch::check_run(&value).map_err(IntoResponse::into_response)?;
    if let Some(limit) = app.config.faults.rate_limit
        && app.config.faults.quota_counts_jobs
    {
        let mut bucket = app.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = bucket
            .get_or_insert_with(|| crate::faults::Bucket::full(limit, std::time::Instant::now()));
        bucket.charge(jobs.len().saturating_sub(1) as f64);
    }
    Ok(())
}

/// Faults that strike after the work is done: a 500 for an invite whose
/// invitations were recorded, or for a contact that was added or updated
/// (ambiguous failures).
fn faults_after(app: &App, action: Action) -> Step<()> {
    let faults = &app.config.faults;
    let failed = match action {
        Action::InviteContacts => {
            faults.fails_after_work(app.invite_calls.fetch_add(1, Ordering::Relaxed) + 1)
        }
        Action::AddOrUpdateContact => {
            faults.create_fails_after_work(app.create_calls.fetch_add(1, Ordering::Relaxed) + 1)
        }
        _ => false,
    };
    if failed {
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Internal Server Error (after the work was done)",
        )
        .into_response());
    }
    Ok(())
}

/// A 200 whose body is `bytes` bytes of filler (without end for `None`),
/// streamed a chunk at a time so the server never holds it.
fn filler(bytes: Option<u64>) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    let body = match bytes {
        None => Body::from_stream(futures::stream::repeat(chunk).map(Ok::<_, std::io::Error>)),
        Some(total) => {
            let full = total / CHUNK as u64;
            let rest = usize::try_from(total % CHUNK as u64).unwrap_or(0);
            let chunks = futures::stream::repeat(chunk.clone())
                .take(usize::try_from(full).unwrap_or(usize::MAX))
                .chain(futures::stream::iter(
                    (rest > 0).then(|| chunk.slice(..rest)),
                ))
                .map(Ok::<_, std::io::Error>);
            Body::from_stream(chunks)
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
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
