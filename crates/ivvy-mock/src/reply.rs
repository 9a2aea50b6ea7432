//! Replies in iVvy's shapes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An iVvy error: HTTP status, `errorCode`, `specificCode`, `message`,
/// `additionalMessages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status (also sent as `errorCode`).
    pub status: StatusCode,
    /// `specificCode`, when there is one.
    pub specific_code: Option<u32>,
    /// `message`.
    pub message: String,
    /// `additionalMessages`.
    pub additional: Vec<String>,
}

impl Refusal {
    pub(crate) fn new(
        status: StatusCode,
        specific_code: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            specific_code,
            message: message.into(),
            additional: Vec::new(),
        }
    }

    /// The JSON body iVvy sends for this error.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "errorCode": self.status.as_u16(),
            "message": self.message,
        });
        if let Some(code) = self.specific_code {
            body["specificCode"] = json!(code);
        }
        if !self.additional.is_empty() {
            body["additionalMessages"] = json!(self.additional);
        }
        body
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        json_reply(self.status, &self.body())
    }
}

pub(crate) fn json_reply(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
