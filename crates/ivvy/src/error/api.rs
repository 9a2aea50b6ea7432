//! iVvy's error body, [`ApiError`], read from a reply without trusting
//! its size or shape, and the `Retry-After` that comes with it.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

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
            Code::Text(s) => f.write_str(&crate::transport::excerpt::escaped(s)),
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
#[non_exhaustive]
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
            write!(
                f,
                "): {}",
                crate::transport::excerpt::escaped(&self.message)
            )?;
        }
        if !self.additional_messages.is_empty() {
            write!(
                f,
                " ({})",
                crate::transport::excerpt::escaped(&self.additional_messages.join("; "))
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
    use crate::error::Error;

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
        assert!(
            !text.chars().any(crate::transport::excerpt::is_unsafe_char),
            "{text:?}"
        );
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
}
