//! The crate's one error type, [`Error`], and iVvy's error body,
//! [`ApiError`], read from a reply without trusting its size or shape.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

use crate::ContactId;

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
    #[error("could not connect to iVvy: {}", crate::excerpt::root_cause(.source))]
    Connect {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// No reply came in time; the request may have reached iVvy.
    #[error("iVvy did not reply in time (the request may have reached it): {}", crate::excerpt::root_cause(.source))]
    Timeout {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke after the request was sent; it may have reached iVvy.
    #[error("the connection to iVvy failed after the request was sent (it may have reached iVvy): {}", crate::excerpt::root_cause(.source))]
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
        /// Contacts in the reply that were not sent (or were listed twice).
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
        Some(host) => format!(" to {}", crate::excerpt::escaped(host)),
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
    /// True when trying the same request again may succeed and cannot
    /// duplicate work: a 429, a 5xx, or a connection that was never made.
    ///
    /// A 5xx may have done the work before failing; callers that are not
    /// idempotent (inviting) should reconcile first, as
    /// [`Client::invite_many`](crate::Client::invite_many) does.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
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

    pub(crate) fn config(problem: impl Into<String>) -> Self {
        Error::Config {
            problem: problem.into(),
            source: None,
        }
    }
}

/// A code iVvy sent as a JSON number or as a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Sent as a number, or as a string of digits.
    Number(i64),
    /// Sent as a string that is not a number.
    Text(String),
}

impl Code {
    /// The code as a number, if it is one.
    pub fn number(&self) -> Option<i64> {
        match self {
            Code::Number(n) => Some(*n),
            Code::Text(_) => None,
        }
    }

    pub(crate) fn from_json(value: &serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => n.as_i64().map(Code::Number),
            serde_json::Value::String(s) => Some(match s.trim().parse() {
                Ok(n) => Code::Number(n),
                Err(_) => Code::Text(s.clone()),
            }),
            _ => None,
        }
    }
}

impl From<&ivvy_api::types::ErrorCode> for Code {
    fn from(code: &ivvy_api::types::ErrorCode) -> Self {
        match code {
            ivvy_api::types::ErrorCode::Int64(n) => Code::Number(*n),
            ivvy_api::types::ErrorCode::String(s) => match s.trim().parse() {
                Ok(n) => Code::Number(n),
                Err(_) => Code::Text(s.clone()),
            },
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Number(n) => n.fmt(f),
            // A server's text: escaped so it cannot rewrite a terminal.
            Code::Text(s) => f.write_str(&crate::escaped(s)),
        }
    }
}

/// The specific codes iVvy documents, recognisable without matching text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 23005: the request's date is more than 5 minutes from iVvy's clock.
    StaleRequest,
    /// 23016: a parameter did not validate.
    InvalidParameter,
    /// 23017: a required parameter is missing.
    MissingParameter,
}

impl ApiErrorKind {
    /// The specific code iVvy uses for this kind.
    pub fn specific_code(self) -> i64 {
        match self {
            ApiErrorKind::StaleRequest => 23005,
            ApiErrorKind::InvalidParameter => 23016,
            ApiErrorKind::MissingParameter => 23017,
        }
    }
}

/// iVvy's error body, with the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status. An error body can arrive with 200.
    pub status: StatusCode,
    /// `errorCode`, usually an HTTP-like code such as 400 or 401.
    pub error_code: Code,
    /// `specificCode`, iVvy's finer code (for example 23005).
    pub specific_code: Option<Code>,
    /// `message`.
    pub message: String,
    /// `additionalMessages`, e.g. why a parameter did not validate.
    pub additional_messages: Vec<String>,
    /// The reply's `Retry-After` as a wait, when it gave one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The documented kind, from the specific code.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        let code = self.specific_code.as_ref()?.number()?;
        [
            ApiErrorKind::StaleRequest,
            ApiErrorKind::InvalidParameter,
            ApiErrorKind::MissingParameter,
        ]
        .into_iter()
        .find(|kind| kind.specific_code() == code)
    }

    /// The status to judge the error by: the HTTP status, or `errorCode`
    /// when the error body came with a 2xx.
    pub fn effective_status(&self) -> u16 {
        if self.status.is_success() {
            self.error_code
                .number()
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(self.status.as_u16())
        } else {
            self.status.as_u16()
        }
    }

    /// Reads an error body out of a reply: an object with `errorCode` is an
    /// error, whatever the HTTP status (iVvy's own SDK decides the same way).
    ///
    /// Only a body of at most [`MAX_ERROR_BODY`] bytes is looked at, and it is
    /// read into the few fields an error has, never into a tree of the whole
    /// body.
    pub(crate) fn from_body(status: StatusCode, body: &[u8]) -> Option<Self> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Probe {
            error_code: Option<serde_json::Value>,
            specific_code: Option<serde_json::Value>,
            message: Option<serde_json::Value>,
            additional_messages: Option<Vec<serde_json::Value>>,
        }
        if body.len() > MAX_ERROR_BODY {
            return None;
        }
        let probe: Probe = serde_json::from_slice(body).ok()?;
        let error_code = Code::from_json(probe.error_code.as_ref()?)?;
        let text = |value: &serde_json::Value| {
            value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string)
        };
        Some(Self {
            retry_after: None,
            status,
            error_code,
            specific_code: probe.specific_code.as_ref().and_then(Code::from_json),
            message: probe.message.as_ref().map(text).unwrap_or_default(),
            additional_messages: probe
                .additional_messages
                .unwrap_or_default()
                .iter()
                .map(text)
                .collect(),
        })
    }
}

/// The longest body looked at for an iVvy error: iVvy's are a few hundred
/// bytes, so anything longer is some other page.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// `Retry-After`, in either form: delay-seconds, or an HTTP date (read
/// against `now`; a date in the past means no wait).
pub(crate) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = ivvy_iws::timestamp::parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "iVvy error (HTTP {}, errorCode {}",
            self.status.as_u16(),
            self.error_code
        )?;
        if let Some(specific) = &self.specific_code {
            write!(f, ", specificCode {specific}")?;
        }
        // The server's own words, with anything that could rewrite a
        // terminal escaped.
        if self.message.is_empty() {
            f.write_str("): (no message)")?;
        } else {
            write!(f, "): {}", crate::escaped(&self.message))?;
        }
        if !self.additional_messages.is_empty() {
            write!(
                f,
                " ({})",
                crate::escaped(&self.additional_messages.join("; "))
            )?;
        }
        if self.kind() == Some(ApiErrorKind::StaleRequest) {
            f.write_str(
                ". This machine's clock is more than 5 minutes away from iVvy's: \
                 set it right (`ping` shows iVvy's time)",
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_sent_as_numbers_or_strings() {
        let numbers = br#"{"errorCode":400,"message":"'id' does not validate","specificCode":23016,"additionalMessages":["Value must be a whole number"]}"#;
        let strings = br#"{"errorCode":"400","message":"'id' does not validate","specificCode":"23016","additionalMessages":["Value must be a whole number"]}"#;
        let a = ApiError::from_body(StatusCode::BAD_REQUEST, numbers).expect("error body");
        let b = ApiError::from_body(StatusCode::BAD_REQUEST, strings).expect("error body");
        assert_eq!(a, b);
        assert_eq!(a.kind(), Some(ApiErrorKind::InvalidParameter));
        assert_eq!(
            a.to_string(),
            "iVvy error (HTTP 400, errorCode 400, specificCode 23016): 'id' does not validate (Value must be a whole number)"
        );
    }

    #[test]
    fn codes_and_messages_from_the_server_are_escaped() {
        let e = ApiError::from_body(
            StatusCode::BAD_REQUEST,
            "{\"errorCode\":\"\\u001b[2J400\",\"specificCode\":\"\\u001b]0;PWN\\u0007\",\"message\":\"a\\nb\"}".as_bytes(),
        )
        .expect("error body");
        let text = e.to_string();
        assert!(!text.chars().any(crate::is_unsafe_char), "{text:?}");
        assert!(text.contains("\\u{1b}[2J400"), "{text}");
    }

    #[test]
    fn a_body_without_error_code_is_not_an_error() {
        assert_eq!(
            ApiError::from_body(StatusCode::OK, br#"{"results":[]}"#),
            None
        );
        assert_eq!(ApiError::from_body(StatusCode::OK, b"<html>"), None);
    }

    #[test]
    fn stale_request_says_the_clock_is_off() {
        let e = ApiError::from_body(
            StatusCode::UNAUTHORIZED,
            br#"{"errorCode":401,"message":"Request is stale","specificCode":23005}"#,
        )
        .expect("error body");
        assert_eq!(e.kind(), Some(ApiErrorKind::StaleRequest));
        assert!(
            e.to_string().contains("clock is more than 5 minutes away"),
            "{e}"
        );
    }

    #[test]
    fn error_in_a_200_body_is_judged_by_its_error_code() {
        let e = ApiError::from_body(
            StatusCode::OK,
            br#"{"errorCode":"429","message":"slow down"}"#,
        )
        .expect("error body");
        assert_eq!(e.effective_status(), 429);
        assert!(Error::Api(e).is_retryable());
        let e = ApiError::from_body(StatusCode::OK, br#"{"errorCode":401,"message":"no"}"#)
            .expect("error body");
        assert!(!Error::Api(e).is_retryable());
    }

    /// Every variant's message, pinned: each says what happened once, with
    /// its cause.
    #[test]
    fn every_variant_says_each_thing_once() {
        // A reqwest error built without a network, so its text is fixed.
        let source = || {
            crate::tls::test_client()
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
