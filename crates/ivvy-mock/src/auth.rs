//! Checks a request the way iVvy documents: the IWS signature recomputed
//! from the request exactly as received, the body's MD5, and the date.
//!
//! Each failed check has its own `specificCode`. 23005 (stale request) is
//! iVvy's documented code; the others are this fake server's own, listed in
//! [`codes`], so tests can tell the checks apart.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, StatusCode};
use ivvy::signing::{self, SigningInput};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::reply::Refusal;

/// The `specificCode` of each failed check.
pub mod codes {
    /// `X-Api-Authorization` is missing or not `IWS key:signature`.
    pub const BAD_AUTHORIZATION: u32 = 23001;
    /// The API key is not known.
    pub const UNKNOWN_KEY: u32 = 23002;
    /// The signature does not match the request.
    pub const BAD_SIGNATURE: u32 = 23003;
    /// `Content-MD5` is missing or is not the MD5 of the body.
    pub const BAD_CONTENT_MD5: u32 = 23004;
    /// The date is more than 5 minutes from the server's clock (iVvy's code).
    pub const STALE_REQUEST: u32 = 23005;
    /// Neither `IVVY-Date` nor `Date` is present and readable.
    pub const BAD_DATE: u32 = 23006;
}

/// How far a request's date may be from the server's clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// What the checks need from the server.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'a> {
    /// The one known API key.
    pub key: &'a str,
    /// Its secret.
    pub secret: &'a str,
    /// The server's time.
    pub now: SystemTime,
}

/// The parts of a received request that the checks read.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// The method as received.
    pub method: &'a str,
    /// Path and query as received.
    pub path_and_query: &'a str,
    /// The API version from the path.
    pub version: &'a str,
    /// Every header.
    pub headers: &'a HeaderMap,
    /// The body bytes.
    pub body: &'a [u8],
}

fn refuse(code: u32, message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::UNAUTHORIZED, Some(code), message)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl Verifier<'_> {
    /// Runs every check in turn; the first that fails decides the reply.
    pub fn verify(&self, request: &Received<'_>) -> Result<(), Refusal> {
        let authorization = header(request.headers, "x-api-authorization").ok_or_else(|| {
            refuse(
                codes::BAD_AUTHORIZATION,
                "X-Api-Authorization header is missing or not text",
            )
        })?;
        let (key, signature) = authorization
            .strip_prefix("IWS ")
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(|| {
                refuse(
                    codes::BAD_AUTHORIZATION,
                    "X-Api-Authorization is not of the form `IWS key:signature`",
                )
            })?;
        if key != self.key {
            return Err(refuse(
                codes::UNKNOWN_KEY,
                "X-Api-Authorization names an unknown API key",
            ));
        }

        let content_md5 = header(request.headers, "content-md5")
            .ok_or_else(|| refuse(codes::BAD_CONTENT_MD5, "Content-MD5 header is missing"))?;
        if !content_md5.eq_ignore_ascii_case(&signing::content_md5(request.body)) {
            return Err(refuse(
                codes::BAD_CONTENT_MD5,
                "Content-MD5 is not the MD5 of the body",
            ));
        }

        // IVVY-Date wins; with it the date part of the string to sign is empty.
        let ivvy_date = header(request.headers, "ivvy-date");
        let date_header = header(request.headers, "date");
        let sent_at = match (ivvy_date, date_header) {
            (Some(value), _) => ivvy::timestamp::parse(value)
                .ok_or_else(|| refuse(codes::BAD_DATE, "IVVY-Date is not yyyy-mm-dd HH:mm:ss"))?,
            (None, Some(value)) => parse_http_date(value).ok_or_else(|| {
                refuse(
                    codes::BAD_DATE,
                    "Date is not of the form `Tue, 03 Apr 2012 22:23:24 UTC`",
                )
            })?,
            (None, None) => {
                return Err(refuse(
                    codes::BAD_DATE,
                    "neither IVVY-Date nor Date header is present",
                ));
            }
        };
        let sent_at = SystemTime::from(sent_at);
        let skew = match self.now.duration_since(sent_at) {
            Ok(behind) => behind,
            Err(ahead) => ahead.duration(),
        };
        if skew > MAX_CLOCK_SKEW {
            return Err(refuse(codes::STALE_REQUEST, "Request is stale"));
        }

        let mut ivvy_headers = Vec::new();
        for (name, value) in request.headers {
            if name.as_str().starts_with("ivvy") {
                let value = value.to_str().map_err(|_| {
                    refuse(
                        codes::BAD_SIGNATURE,
                        format!("the {name} header is not text"),
                    )
                })?;
                ivvy_headers.push((name.as_str(), value));
            }
        }
        let to_sign = signing::string_to_sign(&SigningInput {
            method: request.method,
            content_md5,
            content_type: header(request.headers, "content-type").unwrap_or(""),
            date: if ivvy_date.is_some() {
                ""
            } else {
                date_header.unwrap_or("")
            },
            path_and_query: request.path_and_query,
            api_version: request.version,
            ivvy_headers: &ivvy_headers,
        });
        if !signing::verify_hmac_sha1_hex(self.secret.as_bytes(), to_sign.as_bytes(), signature) {
            return Err(refuse(
                codes::BAD_SIGNATURE,
                "the signature does not match the request",
            ));
        }
        Ok(())
    }
}

/// `Tue, 03 Apr 2012 22:23:24 UTC` (or `GMT`), as iVvy's Date example.
fn parse_http_date(text: &str) -> Option<time::OffsetDateTime> {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second]"
    );
    let text = text.trim();
    let text = text
        .strip_suffix(" UTC")
        .or_else(|| text.strip_suffix(" GMT"))
        .unwrap_or(text);
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_docs_date_header() {
        let at = parse_http_date("Tue, 03 Apr 2012 22:23:24 UTC").expect("parses");
        assert_eq!(at.unix_timestamp(), 1_333_491_804);
        assert!(parse_http_date("yesterday").is_none());
    }
}
