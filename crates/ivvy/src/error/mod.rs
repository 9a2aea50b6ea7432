//! The crate's one error type, [`Error`], with a complete message for
//! every variant, and the facts about it (whether the request did any
//! work). iVvy's own error body is [`api`]'s. What to do after an error
//! (retry, check first, give up) is not decided here but in
//! [`policy::classify`](crate::policy::classify).

mod api;

use reqwest::StatusCode;

use crate::ids::ContactId;

pub(crate) use api::retry_after;
pub use api::{ApiError, ApiErrorKind, Code};

/// Everything that can go wrong talking to iVvy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was refused before anything was sent.
    #[error("invalid input: {field}: {problem}")]
    InvalidInput {
        /// Where: the argument, or the position in a list (`contacts[3]`).
        field: String,
        /// What was wrong with it.
        problem: String,
    },

    /// The client could not be built from the configuration given.
    #[error("invalid configuration: {problem}")]
    Config {
        /// What was wrong.
        problem: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// iVvy answered with its error body.
    #[error(transparent)]
    Api(#[from] ApiError),

    /// No connection could be made, so the request never left.
    #[error("could not connect to iVvy: {}", crate::transport::excerpt::root_cause(.source))]
    Connect {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// No connection could be made through the proxy the environment names
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`), so the request never
    /// reached iVvy.
    #[error("could not connect to iVvy through the proxy {proxy}: {}", crate::transport::excerpt::root_cause(.source))]
    Proxy {
        /// The proxy, without its user name or password.
        proxy: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// No reply came in time; the request may have reached iVvy.
    #[error("iVvy did not reply in time (the request may have reached it): {}", crate::transport::excerpt::root_cause(.source))]
    Timeout {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke after the request was sent; it may have reached iVvy.
    #[error("the connection to iVvy failed after the request was sent (it may have reached iVvy): {}", crate::transport::excerpt::root_cause(.source))]
    Transport {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// The server answered with a redirect. Redirects are never followed:
    /// the request, its signature included, goes only to the base URL.
    #[error("{}{}; redirects are not followed, so nothing was sent there (check the base URL)", redirect_text(*.status), location_text(.location.as_deref()))]
    Redirected {
        /// The 3xx status; `None` when a caller's own HTTP client followed
        /// the redirect before this crate saw it (then the request did
        /// reach the other host: build that client with
        /// `redirect::Policy::none()`).
        status: Option<StatusCode>,
        /// The host the redirect pointed to, when it named one.
        location: Option<String>,
    },

    /// The reply was longer than the client reads
    /// ([`ClientBuilder::max_reply_bytes`](crate::ClientBuilder::max_reply_bytes)).
    #[error("the reply (HTTP {}) is longer than the {limit} bytes this client reads (ClientBuilder::max_reply_bytes)", .status.as_u16())]
    ReplyTooLarge {
        /// The HTTP status of the reply.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },

    /// A reply that is not what the spec says: an HTML error page, invalid
    /// JSON, or JSON of the wrong shape.
    #[error("unexpected reply from iVvy ({}): {problem}{}", status_text(*.status), excerpt_text(.excerpt))]
    UnexpectedReply {
        /// The HTTP status, when a reply arrived.
        status: Option<StatusCode>,
        /// What was wrong with it.
        problem: String,
        /// The start of the body, with control characters escaped.
        excerpt: String,
        /// The decoding error, when there was one.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// The reply's results do not match the contacts that were sent.
    #[error("iVvy's reply does not match the request: {}", mismatch_text(.missing, .unexpected))]
    ReplyMismatch {
        /// Contacts that were sent but have no result.
        missing: Vec<ContactId>,
        /// Contacts in the reply that were not sent (or were listed twice;
        /// 0 for one whose id cannot be read).
        unexpected: Vec<i64>,
    },

    /// The request could not be signed.
    #[error("could not sign the request: {0}")]
    Signing(String),

    /// The work was cancelled before this request finished.
    #[error("cancelled before the request finished")]
    Cancelled,

    /// A bulk run stopped: no request succeeded within its retry budget
    /// ([`BulkOptions::retry_budget`](crate::BulkOptions::retry_budget)).
    #[error("stopped: no request succeeded for {} s (the run's retry budget)", .budget.as_secs())]
    RetryBudgetSpent {
        /// The budget.
        budget: std::time::Duration,
    },

    /// What was asked for is not in the account, or not just once (an
    /// event code no event has, or two have).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, and what was found instead.
        what: String,
    },

    /// A batch queued with iVvy (its `asyncId`) that had not finished, or
    /// whose progress could not be read, when the wait for it ended: its
    /// contacts may still be invited (or its people added), so none of it
    /// is sent again until it has finished.
    #[error(
        "batch {id} has not finished: {why}; what it carries may still be done (its contacts invited or added), so none of it is sent again until it has"
    )]
    BatchUnfinished {
        /// The batch's `asyncId`.
        id: String,
        /// Where it stood.
        why: String,
    },

    /// An error read back from a saved report (with the `serde` feature):
    /// its [`code`](Error::code) and its message, as they were written.
    #[error("{message}")]
    Reported {
        /// The error's code when it was written.
        code: String,
        /// Its message.
        message: String,
    },
}

fn status_text(status: Option<StatusCode>) -> String {
    match status {
        Some(status) => format!("HTTP {}", status.as_u16()),
        None => "no HTTP status".to_string(),
    }
}

fn redirect_text(status: Option<StatusCode>) -> String {
    match status {
        Some(status) => format!(
            "the server answered HTTP {} with a redirect",
            status.as_u16()
        ),
        None => "the HTTP client followed a redirect".to_string(),
    }
}

fn location_text(location: Option<&str>) -> String {
    match location {
        Some(host) => format!(" to {}", crate::transport::excerpt::escaped(host)),
        None => String::new(),
    }
}

fn excerpt_text(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!("; the body starts {excerpt:?}")
    }
}

fn mismatch_text(missing: &[ContactId], unexpected: &[i64]) -> String {
    let list = |ids: Vec<String>| {
        const SHOWN: usize = 10;
        let more = ids.len().saturating_sub(SHOWN);
        let mut text = ids.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "no result for contact(s) {}",
            list(missing.iter().map(ToString::to_string).collect())
        ));
    }
    if !unexpected.is_empty() {
        parts.push(format!(
            "results for contact(s) not sent or listed twice: {}",
            list(unexpected.iter().map(ToString::to_string).collect())
        ));
    }
    parts.join("; ")
}

impl Error {
    /// A short, stable code for the kind of error, for programs (the
    /// `reason` of a failed row): `invalid_input`, `config`, `api` (iVvy
    /// answered with an error), `connect`, `proxy`, `timeout`, `transport`,
    /// `redirected`, `reply_too_large`, `unexpected_reply`,
    /// `reply_mismatch`, `signing`, `cancelled`, `retry_budget_spent`,
    /// `not_found`, `batch_unfinished`; a [`Reported`](Error::Reported)
    /// error keeps its own.
    pub fn code(&self) -> &str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Config { .. } => "config",
            Error::Api(_) => "api",
            Error::Connect { .. } => "connect",
            Error::Proxy { .. } => "proxy",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Redirected { .. } => "redirected",
            Error::ReplyTooLarge { .. } => "reply_too_large",
            Error::UnexpectedReply { .. } => "unexpected_reply",
            Error::ReplyMismatch { .. } => "reply_mismatch",
            Error::Signing(_) => "signing",
            Error::Cancelled => "cancelled",
            Error::RetryBudgetSpent { .. } => "retry_budget_spent",
            Error::NotFound { .. } => "not_found",
            Error::BatchUnfinished { .. } => "batch_unfinished",
            Error::Reported { code, .. } => code,
        }
    }

    /// The error as a saved report reads it back: [`Error::Cancelled`]
    /// for `cancelled`, else [`Error::Reported`].
    #[cfg(feature = "serde")]
    pub(crate) fn reported(code: &str, message: &str) -> Self {
        match code {
            "cancelled" => Error::Cancelled,
            _ => Error::Reported {
                code: code.to_string(),
                message: message.to_string(),
            },
        }
    }

    /// True when trying the same request again may succeed and cannot
    /// duplicate work: a 429, a 5xx, or a connection that was never made.
    ///
    /// A 5xx may have done the work before failing; callers that are not
    /// idempotent (inviting) should reconcile first, as
    /// [`Client::invite_many`](crate::Client::invite_many) does.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Proxy { .. } => true,
            Error::Api(api) => {
                let code = api.effective_status();
                code == 429 || (500..600).contains(&code)
            }
            Error::UnexpectedReply {
                status: Some(status),
                ..
            } => status.as_u16() == 429 || status.is_server_error(),
            _ => false,
        }
    }

    /// True when the request may or may not have been carried out: a 5xx,
    /// a timeout, a connection broken after sending, or a reply that cannot
    /// be matched to the request.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Transport { .. } | Error::ReplyMismatch { .. } => true,
            Error::Api(api) => (500..600).contains(&api.effective_status()),
            Error::ReplyTooLarge { status, .. } => status.is_success() || status.is_server_error(),
            Error::UnexpectedReply { status, .. } => match status {
                Some(status) => status.is_server_error() || status.is_success(),
                None => true,
            },
            _ => false,
        }
    }

    /// The HTTP status of the reply, when one came.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Redirected { status, .. } => *status,
            Error::ReplyTooLarge { status, .. } => Some(*status),
            Error::UnexpectedReply { status, .. } => *status,
            _ => None,
        }
    }

    /// The iVvy error, when iVvy answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// A 200 reply whose content cannot be used (an id out of range, a
    /// listing that does not add up): what was wrong with it.
    pub(crate) fn unusable_reply(problem: impl Into<String>) -> Self {
        Error::UnexpectedReply {
            status: Some(StatusCode::OK),
            problem: problem.into(),
            excerpt: String::new(),
            source: None,
        }
    }

    pub(crate) fn config(problem: impl Into<String>) -> Self {
        Error::Config {
            problem: problem.into(),
            source: None,
        }
    }
}

/// Errors for the tests of the crate's rules.
#[cfg(test)]
impl Error {
    /// iVvy's error with this HTTP status as its code, and a `Retry-After`.
    pub(crate) fn api_for_tests(status: u16, retry_after: Option<std::time::Duration>) -> Self {
        Error::Api(ApiError {
            status: StatusCode::from_u16(status).expect("a status"),
            error_code: Code::Number(i64::from(status)),
            specific_code: None,
            message: String::new(),
            additional_messages: Vec::new(),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Every variant's message, pinned: each says what happened once, with
    /// its cause.
    #[test]
    fn every_variant_says_each_thing_once() {
        // A reqwest error built without a network, so its text is fixed.
        let source = || {
            crate::transport::tls::test_client()
                .get("not a url")
                .build()
                .expect_err("not a URL")
        };
        let api = ApiError::from_body(
            StatusCode::BAD_REQUEST,
            br#"{"errorCode":400,"message":"'id' does not validate","specificCode":23016}"#,
        )
        .expect("error body");
        let cases: Vec<(Error, &str)> = vec![
            (
                Error::invalid("contacts[3]", "0 is not a valid contact id"),
                "invalid input: contacts[3]: 0 is not a valid contact id",
            ),
            (
                Error::config("the API key is empty"),
                "invalid configuration: the API key is empty",
            ),
            (
                Error::Api(api),
                "iVvy error (HTTP 400, errorCode 400, specificCode 23016): 'id' does not validate",
            ),
            (
                Error::Connect { source: source() },
                "could not connect to iVvy: builder error: relative URL without a base",
            ),
            (
                Error::Timeout { source: source() },
                "iVvy did not reply in time (the request may have reached it): builder error: relative URL without a base",
            ),
            (
                Error::Transport { source: source() },
                "the connection to iVvy failed after the request was sent (it may have reached iVvy): builder error: relative URL without a base",
            ),
            (
                Error::Redirected {
                    status: Some(StatusCode::FOUND),
                    location: Some("evil.test\u{1b}[2J".into()),
                },
                "the server answered HTTP 302 with a redirect to evil.test\\u{1b}[2J; redirects are not followed, so nothing was sent there (check the base URL)",
            ),
            (
                Error::ReplyTooLarge {
                    status: StatusCode::OK,
                    limit: 4096,
                },
                "the reply (HTTP 200) is longer than the 4096 bytes this client reads (ClientBuilder::max_reply_bytes)",
            ),
            (
                Error::UnexpectedReply {
                    status: Some(StatusCode::BAD_GATEWAY),
                    problem: "the spec describes no such reply".into(),
                    excerpt: "<html>".into(),
                    source: None,
                },
                "unexpected reply from iVvy (HTTP 502): the spec describes no such reply; the body starts \"<html>\"",
            ),
            (
                Error::ReplyMismatch {
                    missing: vec![ContactId::new(2).expect("valid")],
                    unexpected: vec![],
                },
                "iVvy's reply does not match the request: no result for contact(s) 2",
            ),
            (
                Error::Signing(
                    ivvy_iws::SigningError::HeaderNotText {
                        name: "content-type".into(),
                    }
                    .to_string(),
                ),
                "could not sign the request: the content-type header is not text",
            ),
            (Error::Cancelled, "cancelled before the request finished"),
            (
                Error::NotFound {
                    what: "no event has the code \"X\"".into(),
                },
                "not found: no event has the code \"X\"",
            ),
            (
                Error::RetryBudgetSpent {
                    budget: Duration::from_secs(300),
                },
                "stopped: no request succeeded for 300 s (the run's retry budget)",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text, "{error:?}");
        }
    }

    #[test]
    fn mismatch_lists_at_most_ten_ids() {
        let missing: Vec<ContactId> = (1..=12)
            .map(|n| ContactId::new(n).expect("valid"))
            .collect();
        let text = Error::ReplyMismatch {
            missing,
            unexpected: vec![99],
        }
        .to_string();
        assert_eq!(
            text,
            "iVvy's reply does not match the request: no result for contact(s) 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more; results for contact(s) not sent or listed twice: 99"
        );
    }
}
