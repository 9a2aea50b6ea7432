//! One generated call, and what its result means in this crate's terms:
//! the reply value, or an [`Error`] that says what happened.
//!
//! The hooks in `ivvy-api` hand back every reply other than a 200 as
//! `UnexpectedResponse`, already read (within the size limit) with its
//! status and headers, so everything needed here arrives by return value.

use std::future::Future;
use std::time::SystemTime;

use ivvy_iws::Clock;

use tracing::Instrument;

use ivvy_api::hooks::{FollowedRedirect, ReadBody, ReplyTooLarge};
use ivvy_api::types::ApiError as ApiErrorBody;
use ivvy_api::{Error as GeneratedError, ResponseValue};
use reqwest::StatusCode;

use crate::client::Client;
use crate::context::Reporter;
use crate::error::{ApiError, Code, Error, retry_after};
use crate::ids::EventId;
use crate::policy::classify::read_may_retry;
use crate::policy::retry::RetryPolicy;
use crate::policy::throttle::quota_reply;
use crate::transport::excerpt::body_excerpt;

/// What a call is, for its tracing span: the operation and what it is
/// about; and what it costs of the quota, for the throttle. Nothing secret
/// goes in (the signature is added later, and only to the request).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallInfo {
    pub(crate) operation: &'static str,
    pub(crate) event: Option<EventId>,
    pub(crate) contacts: Option<usize>,
    pub(crate) attempt: u32,
    /// Requests' worth of the quota it takes: 1, or a batch's jobs.
    pub(crate) cost: u32,
}

impl CallInfo {
    pub(crate) fn new(operation: &'static str, attempt: u32) -> Self {
        Self {
            operation,
            event: None,
            contacts: None,
            attempt,
            cost: 1,
        }
    }

    pub(crate) fn event(self, event: EventId) -> Self {
        Self {
            event: Some(event),
            ..self
        }
    }

    /// A batch of `jobs` jobs: paced as that many requests, on the
    /// assumption that each job counts against the quota (see
    /// [`AdaptiveRate`](crate::AdaptiveRate)).
    pub(crate) fn jobs(self, jobs: usize) -> Self {
        Self {
            cost: u32::try_from(jobs).unwrap_or(u32::MAX).max(1),
            ..self
        }
    }

    pub(crate) fn contacts(self, contacts: usize) -> Self {
        Self {
            contacts: Some(contacts),
            ..self
        }
    }
}

impl Client {
    /// Runs one generated call (made by `request`) in an `ivvy.call` span
    /// (operation, event, contacts, attempt; then the HTTP status and the
    /// duration) and maps its result to this crate's types. A refusal for
    /// the request's timestamp whose reply says iVvy's time is signed
    /// again with the corrected clock and sent once more (see `skew`):
    /// nothing was done, so that is safe.
    pub(crate) async fn call<T, F, Fut>(&self, info: CallInfo, request: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, GeneratedError<ApiErrorBody>>>,
    {
        let span = tracing::info_span!(
            "ivvy.call",
            operation = info.operation,
            event = info.event.map(EventId::get),
            contacts = info.contacts,
            attempt = info.attempt,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let mut resigned = false;
        loop {
            let place = self
                .shared
                .throttle
                .enter(info.cost)
                .instrument(span.clone())
                .await;
            // The skew this request is dated with: if a later reply moved
            // it (several requests refused at once), this one is sent again.
            let dated_with = self.shared.skew.offset_ms();
            let started = tokio::time::Instant::now();
            let (result, server_date) = match request().instrument(span.clone()).await {
                Ok(reply) => (Ok(reply.into_inner()), None),
                Err(error) => {
                    let (error, date) = self.error_from(error);
                    (Err(error), date)
                }
            };
            place.leave(quota_reply(&result));
            let status = match &result {
                Ok(_) => Some(200),
                Err(error) => error.status().map(|s| s.as_u16()),
            };
            span.record("status", status);
            span.record(
                "duration_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            if let Err(error) = &result
                && !resigned
                && self.shared.skew.learn(error, server_date, dated_with)
            {
                resigned = true;
                continue;
            }
            return result;
        }
    }

    /// One read (a page, a ping, an event) retried under `policy` as every
    /// read is, its waits told to `reporter`; `stream` keeps seeded jitter
    /// reproducible. `attempt(n)` sends attempt `n`.
    pub(crate) async fn read<T, F, Fut>(
        &self,
        policy: &RetryPolicy,
        stream: u64,
        reporter: &Reporter,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut rng = policy.rng(stream);
        policy
            .run(
                &mut rng,
                &|d, r| reporter.wait(d, r),
                read_may_retry,
                attempt,
            )
            .await
    }

    /// The error a generated call failed with, and iVvy's time when the
    /// reply gave it (its `Date` header).
    fn error_from(&self, error: GeneratedError<ApiErrorBody>) -> (Error, Option<SystemTime>) {
        match error {
            GeneratedError::UnexpectedResponse(response) => {
                let body = response
                    .extensions()
                    .get::<ReadBody>()
                    .map(|read| read.0.clone())
                    .unwrap_or_default();
                let date = response
                    .headers()
                    .get(reqwest::header::DATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(ivvy_iws::timestamp::parse_http_date);
                if let Some(followed) = response.extensions().get::<FollowedRedirect>() {
                    let error = Error::Redirected {
                        status: None,
                        location: followed.host.clone(),
                    };
                    return (error, date);
                }
                let too_large = response.extensions().get::<ReplyTooLarge>().copied();
                // A Retry-After date is read against the reply's own time,
                // else this client's corrected one: a local clock that is
                // off must not stretch or cancel the wait.
                let now = date.unwrap_or_else(|| self.shared.skew.now());
                let error = self.error_from_reply(
                    response.status(),
                    response.headers(),
                    &body,
                    too_large,
                    now,
                );
                (error, date)
            }
            // The hooks hand back every status but 200, so a body that did
            // not decode came with a 200.
            GeneratedError::InvalidResponsePayload(body, source) => {
                let error = match ApiError::from_body(StatusCode::OK, &body) {
                    Some(api) => Error::Api(api),
                    None => Error::UnexpectedReply {
                        status: Some(StatusCode::OK),
                        problem: format!("the body is not the JSON the spec describes ({source})"),
                        excerpt: body_excerpt(&body),
                        source: Some(source),
                    },
                };
                (error, None)
            }
            // Not produced while the hooks hand back 4xx replies whole; kept
            // for completeness.
            GeneratedError::ErrorResponse(reply) => {
                let error = Error::Api(ApiError {
                    status: reply.status(),
                    retry_after: retry_after(reply.headers(), self.shared.skew.now()),
                    error_code: Code::from(&reply.error_code),
                    specific_code: reply.specific_code.as_ref().map(Code::from),
                    message: reply.message.clone(),
                    additional_messages: reply.additional_messages.clone(),
                });
                (error, None)
            }
            GeneratedError::CommunicationError(e)
            | GeneratedError::InvalidUpgrade(e)
            | GeneratedError::ResponseBodyError(e) => (self.classify_transport(e), None),
            GeneratedError::Custom(problem) => (Error::Signing(problem), None),
            GeneratedError::InvalidRequest(problem) => (Error::invalid("request", problem), None),
        }
    }

    fn error_from_reply(
        &self,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        too_large: Option<ReplyTooLarge>,
        now: SystemTime,
    ) -> Error {
        if let Some(ReplyTooLarge { limit }) = too_large {
            return Error::ReplyTooLarge { status, limit };
        }
        if status.is_redirection() {
            return Error::Redirected {
                status: Some(status),
                location: redirect_host(headers),
            };
        }
        match ApiError::from_body(status, body) {
            Some(api) => Error::Api(ApiError {
                retry_after: retry_after(headers, now),
                ..api
            }),
            None => Error::UnexpectedReply {
                status: Some(status),
                problem: "the spec describes no such reply".into(),
                excerpt: body_excerpt(body),
                source: None,
            },
        }
    }

    /// Sorts a reqwest failure by whether the request can have reached
    /// iVvy; a connection that failed through a proxy names the proxy.
    fn classify_transport(&self, error: reqwest::Error) -> Error {
        match (&self.shared.proxy, classify_transport(error)) {
            (Some(proxy), Error::Connect { source }) => Error::Proxy {
                proxy: proxy.clone(),
                source,
            },
            (_, other) => other,
        }
    }
}

/// The host a redirect points to (never the whole URL: it may carry
/// tokens), when `Location` names one.
fn redirect_host(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    url::Url::parse(location)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
}

/// Sorts a reqwest failure by whether the request can have reached iVvy.
pub(crate) fn classify_transport(error: reqwest::Error) -> Error {
    if error.is_connect() {
        Error::Connect { source: error }
    } else if error.is_timeout() {
        Error::Timeout { source: error }
    } else {
        Error::Transport { source: error }
    }
}
