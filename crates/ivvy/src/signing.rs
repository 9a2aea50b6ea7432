//! IWS request signing: HMAC-SHA1 over a canonical string of the request.
//!
//! The string to sign is the lowercase concatenation of the method, the
//! body's MD5, the `Content-Type` as sent, the `Date` header (empty when
//! `IVVY-Date` is used), the path and query, the API version, and every
//! `IVVY*` header as `name=value` (dashes and underscores removed from the
//! name), sorted and joined with `&`. The pure functions here are shared by
//! the client and by the fake server that verifies it.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

use crate::{Clock, Error, timestamp};

/// The API version every request is made against.
pub const API_VERSION: &str = "1.0";

/// `IVVY-Date`: the request time, `yyyy-mm-dd HH:mm:ss` in UTC.
pub const IVVY_DATE: HeaderName = HeaderName::from_static("ivvy-date");
/// `Content-MD5`: lowercase hex MD5 of the body.
pub const CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");
/// `X-Api-Version`.
pub const X_API_VERSION: HeaderName = HeaderName::from_static("x-api-version");
/// `X-Api-Authorization: IWS {key}:{signature}`.
pub const X_API_AUTHORIZATION: HeaderName = HeaderName::from_static("x-api-authorization");

/// The parts of a request that its signature covers, as sent.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    /// `POST` for every iVvy call.
    pub method: &'a str,
    /// Lowercase hex MD5 of the body bytes.
    pub content_md5: &'a str,
    /// The `Content-Type` header exactly as sent.
    pub content_type: &'a str,
    /// The `Date` header, or `""` when `IVVY-Date` is sent.
    pub date: &'a str,
    /// Path and query as sent, e.g. `/api/1.0/test?action=ping`.
    pub path_and_query: &'a str,
    /// The API version, `1.0`.
    pub api_version: &'a str,
    /// Every header whose name starts with `ivvy` (any case), with its value.
    pub ivvy_headers: &'a [(&'a str, &'a str)],
}

/// Lowercase hex MD5 of the body (of `""` for an empty body).
pub fn content_md5(body: &[u8]) -> String {
    let mut hex = [0; 32];
    lower_hex(&Md5::digest(body), &mut hex).to_string()
}

/// Lowercase hex of `bytes` written into `out` (twice as long), without
/// allocating.
fn lower_hex<'a>(bytes: &[u8], out: &'a mut [u8]) -> &'a str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    // Only ASCII digits were written.
    std::str::from_utf8(out).unwrap_or_default()
}

/// The canonical string for `input`, lowercased.
///
/// ```
/// use ivvy::signing::{string_to_sign, SigningInput};
/// let input = SigningInput {
///     method: "POST",
///     content_md5: "a09f600c77a6dbd947db24c61e8935ca",
///     content_type: "application/json",
///     date: "",
///     path_and_query: "/api/1.0/test?action=ping",
///     api_version: "1.0",
///     ivvy_headers: &[("IVVY-Date", "2012-04-03 22:23:24")],
/// };
/// assert_eq!(
///     string_to_sign(&input),
///     "posta09f600c77a6dbd947db24c61e8935caapplication/json/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24"
/// );
/// ```
pub fn string_to_sign(input: &SigningInput<'_>) -> String {
    let headers_len: usize = input
        .ivvy_headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 2)
        .sum();
    let mut out = String::with_capacity(
        input.method.len()
            + input.content_md5.len()
            + input.content_type.len()
            + input.date.len()
            + input.path_and_query.len()
            + input.api_version.len()
            + headers_len,
    );
    for part in [
        input.method,
        input.content_md5,
        input.content_type,
        input.date,
        input.path_and_query,
        input.api_version,
    ] {
        out.push_str(part);
    }
    match input.ivvy_headers {
        [] => {}
        // The usual case, IVVY-Date alone: nothing to sort.
        [(name, value)] => push_ivvy_header(&mut out, name, value),
        many => {
            let mut sorted: Vec<(String, &str)> = many
                .iter()
                .map(|(name, value)| (ivvy_header_name(name), *value))
                .collect();
            sorted.sort();
            for (i, (name, value)) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                push_ivvy_header(&mut out, name, value);
            }
        }
    }
    // iVvy lowercases with an ASCII-only rule; do the same.
    out.make_ascii_lowercase();
    out
}

/// The header name as signed, lowercase, for sorting.
fn ivvy_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_header_name(&mut out, name);
    out.make_ascii_lowercase();
    out
}

/// The header name with its dashes and underscores left out.
fn push_header_name(out: &mut String, name: &str) {
    out.extend(name.split(['-', '_']));
}

fn push_ivvy_header(out: &mut String, name: &str, value: &str) {
    push_header_name(out, name);
    out.push('=');
    out.push_str(value);
}

fn mac(secret: &[u8]) -> Hmac<Sha1> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Lowercase hex HMAC-SHA1 of `message` keyed with `secret`.
///
/// ```
/// // the reference value from iVvy's HMAC-SHA1 page
/// assert_eq!(
///     ivvy::signing::hmac_sha1_hex(b"my secret key", b"string to sign"),
///     "a993876ea1218921a1c8551923473da7b310dfae"
/// );
/// ```
pub fn hmac_sha1_hex(secret: &[u8], message: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(message);
    let mut hex = [0; 40];
    lower_hex(&mac.finalize().into_bytes(), &mut hex).to_string()
}

/// Checks a hex signature in constant time (no early exit on the first
/// differing byte, so timing does not leak how much of a guess was right).
pub fn verify_hmac_sha1_hex(secret: &[u8], message: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(message);
    mac.verify_slice(&signature).is_ok()
}

/// An API key and its secret. `Debug` shows the key only.
#[derive(Clone)]
pub struct Credentials {
    key: String,
    secret: SecretString,
}

impl Credentials {
    /// Checks that the key can go in a header and that neither part is empty.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let secret: String = secret.into();
        if key.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::config(
                "the API key may hold only visible ASCII characters other than ':'",
            ));
        }
        if secret.is_empty() {
            return Err(Error::config("the API secret is empty"));
        }
        Ok(Self {
            key,
            secret: SecretString::from(secret),
        })
    }

    /// The API key (not secret: it travels in every request).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The secret, for code that must sign by hand (such as a fake server).
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Signs every request the generated client sends, from the final request.
#[derive(Clone)]
pub struct Signer {
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    /// HMAC keyed with the secret once: each signature starts from a copy
    /// instead of hashing the key again.
    keyed: Hmac<Sha1>,
    /// The last `IVVY-Date` made, by Unix second: requests in the same
    /// second share it instead of formatting it again.
    date: Arc<std::sync::Mutex<Option<(u64, HeaderValue)>>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer that dates requests with `clock`.
    pub fn new(credentials: Credentials, clock: Arc<dyn Clock>) -> Self {
        let keyed = mac(credentials.secret.expose_secret().as_bytes());
        Self {
            credentials,
            clock,
            keyed,
            date: Arc::default(),
        }
    }

    /// `IVVY-Date` for now, from the clock.
    fn date_header(&self) -> Result<HeaderValue, Error> {
        let now = self.clock.now();
        let second = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut cache = self.date.lock().unwrap_or_else(|p| p.into_inner());
        match &*cache {
            Some((cached, value)) if *cached == second => Ok(value.clone()),
            _ => {
                let value = header_value(timestamp::format(now))?;
                *cache = Some((second, value.clone()));
                Ok(value)
            }
        }
    }

    /// Adds `Content-MD5`, `IVVY-Date`, `X-Api-Version` and
    /// `X-Api-Authorization` to the request, signing it as it stands.
    pub fn sign(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let body: &[u8] = match request.body() {
            None => &[],
            Some(body) => body.as_bytes().ok_or_else(|| {
                Error::Signing("a streamed body cannot be hashed before it is sent".into())
            })?,
        };
        let mut md5 = [0; 32];
        let md5 = lower_hex(&Md5::digest(body), &mut md5);
        request.headers_mut().insert(IVVY_DATE, self.date_header()?);

        let headers = request.headers();
        let content_type = match headers.get(CONTENT_TYPE) {
            Some(value) => value
                .to_str()
                .map_err(|_| Error::Signing("the Content-Type header is not text".into()))?,
            None => "",
        };
        let mut ivvy = headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("ivvy"));
        // IVVY-Date is usually the only IVVY header: sign it without collecting.
        let (first, rest): (Option<_>, Vec<_>) = (ivvy.next(), ivvy.collect());
        let mut ivvy_headers = Vec::new();
        let single;
        let ivvy_headers: &[(&str, &str)] = match (first, rest.is_empty()) {
            (None, _) => &[],
            (Some((name, value)), true) => {
                single = [(name.as_str(), header_text(name, value)?)];
                &single
            }
            (Some(first), false) => {
                for (name, value) in std::iter::once(first).chain(rest) {
                    ivvy_headers.push((name.as_str(), header_text(name, value)?));
                }
                &ivvy_headers
            }
        };
        let url = request.url();
        let path_and_query = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let to_sign = string_to_sign(&SigningInput {
            method: request.method().as_str(),
            content_md5: md5,
            content_type,
            // IVVY-Date is sent, so the Date part is empty.
            date: "",
            path_and_query,
            api_version: API_VERSION,
            ivvy_headers,
        });
        let mut mac = self.keyed.clone();
        mac.update(to_sign.as_bytes());
        let mut signature = [0; 40];
        let signature = lower_hex(&mac.finalize().into_bytes(), &mut signature);
        let mut authorization =
            String::with_capacity(5 + self.credentials.key.len() + signature.len());
        authorization.push_str("IWS ");
        authorization.push_str(&self.credentials.key);
        authorization.push(':');
        authorization.push_str(signature);
        let mut authorization = header_value(authorization)?;
        // Keeps the signature out of reqwest's and hyper's Debug output.
        authorization.set_sensitive(true);
        // The signature and secret stay out of logs.
        tracing::debug!(method = %request.method(), url = %request.url(), "signed request");
        let headers = request.headers_mut();
        headers.insert(
            CONTENT_MD5,
            HeaderValue::from_str(md5).map_err(|e| Error::Signing(e.to_string()))?,
        );
        headers.insert(X_API_VERSION, HeaderValue::from_static(API_VERSION));
        headers.insert(X_API_AUTHORIZATION, authorization);
        Ok(())
    }
}

fn header_text<'a>(name: &HeaderName, value: &'a HeaderValue) -> Result<&'a str, Error> {
    value
        .to_str()
        .map_err(|_| Error::Signing(format!("the {name} header is not text")))
}

/// Takes the string without copying it.
fn header_value(text: String) -> Result<HeaderValue, Error> {
    HeaderValue::try_from(text)
        .map_err(|e| Error::Signing(format!("a header value is not valid: {e}")))
}

impl ivvy_api::hooks::RequestHooks for Signer {
    fn before_send(&self, request: &mut reqwest::Request) -> Result<(), String> {
        self.sign(request).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::ManualClock;

    /// The worked example in iVvy's signing page.
    const DOCS_BODY: &[u8] = br#"{"example":"body"}"#;
    const DOCS_STRING_TO_SIGN: &str = "posta09f600c77a6dbd947db24c61e8935caapplication/json/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24";

    #[test]
    fn md5_of_the_docs_body_and_of_nothing() {
        assert_eq!(DOCS_BODY.len(), 18);
        assert_eq!(content_md5(DOCS_BODY), "a09f600c77a6dbd947db24c61e8935ca");
        assert_eq!(content_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
        // calculating-md5.md: `echo -e "string to hash" | md5sum` (with its newline)
        assert_eq!(
            content_md5(b"string to hash\n"),
            "2fcc83d76f9b2d8ef372271d807a3364"
        );
    }

    #[test]
    fn string_to_sign_matches_the_docs_example() {
        let input = SigningInput {
            method: "POST",
            content_md5: &content_md5(DOCS_BODY),
            content_type: "application/json",
            date: "",
            path_and_query: "/api/1.0/test?action=ping",
            api_version: "1.0",
            ivvy_headers: &[("IVVY-Date", "2012-04-03 22:23:24")],
        };
        assert_eq!(string_to_sign(&input), DOCS_STRING_TO_SIGN);
    }

    #[test]
    fn ivvy_headers_are_sorted_stripped_and_joined() {
        let input = SigningInput {
            method: "POST",
            content_md5: "m",
            content_type: "t",
            date: "Tue, 03 Apr 2012 22:23:24 UTC",
            path_and_query: "/p",
            api_version: "1.0",
            ivvy_headers: &[("IVVY_Zeta", "Z"), ("ivvy-date", "d"), ("IVVY-A_b", "x")],
        };
        assert_eq!(
            string_to_sign(&input),
            "postmttue, 03 apr 2012 22:23:24 utc/p1.0ivvyab=x&ivvydate=d&ivvyzeta=z"
        );
    }

    #[test]
    fn hmac_matches_the_reference_value_and_verifies() {
        let sig = hmac_sha1_hex(b"my secret key", b"string to sign");
        assert_eq!(sig, "a993876ea1218921a1c8551923473da7b310dfae");
        assert!(verify_hmac_sha1_hex(
            b"my secret key",
            b"string to sign",
            &sig
        ));
        assert!(!verify_hmac_sha1_hex(
            b"my secret key",
            b"string to sign!",
            &sig
        ));
        assert!(!verify_hmac_sha1_hex(b"other", b"string to sign", &sig));
        assert!(!verify_hmac_sha1_hex(
            b"my secret key",
            b"string to sign",
            "not hex"
        ));
    }

    #[test]
    fn signer_signs_the_docs_request() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_333_491_804));
        let credentials = Credentials::new("key", "my secret key").expect("valid");
        let signer = Signer::new(credentials, Arc::new(clock));
        let mut request = reqwest::Client::new()
            .post("https://api.ap-southeast-2.ivvy.com/api/1.0/test?action=ping")
            .header(CONTENT_TYPE, "application/json")
            .body(DOCS_BODY)
            .build()
            .expect("request builds");
        signer.sign(&mut request).expect("signs");

        let header = |name: &str| request.headers()[name].to_str().expect("text").to_string();
        assert_eq!(header("content-md5"), "a09f600c77a6dbd947db24c61e8935ca");
        assert_eq!(header("ivvy-date"), "2012-04-03 22:23:24");
        assert_eq!(header("x-api-version"), "1.0");
        let expected = hmac_sha1_hex(b"my secret key", DOCS_STRING_TO_SIGN.as_bytes());
        assert_eq!(header("x-api-authorization"), format!("IWS key:{expected}"));
        assert!(request.headers()["x-api-authorization"].is_sensitive());
    }

    #[test]
    fn the_date_follows_the_clock_from_second_to_second() {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_333_491_804),
        ));
        let signer = Signer::new(
            Credentials::new("key", "secret").expect("valid"),
            clock.clone(),
        );
        let mut request = reqwest::Client::new()
            .post("http://127.0.0.1:9/api/1.0/test?action=ping")
            .body("{}")
            .build()
            .expect("request builds");
        let mut dates = Vec::new();
        for step in [0, 0, 1, 59] {
            clock.advance(Duration::from_secs(step));
            signer.sign(&mut request).expect("signs");
            dates.push(
                request.headers()["ivvy-date"]
                    .to_str()
                    .expect("text")
                    .to_string(),
            );
        }
        assert_eq!(
            dates,
            [
                "2012-04-03 22:23:24",
                "2012-04-03 22:23:24",
                "2012-04-03 22:23:25",
                "2012-04-03 22:24:24"
            ]
        );
    }

    #[test]
    fn credentials_debug_hides_the_secret() {
        let credentials = Credentials::new("public-key", "hunter2-secret").expect("valid");
        let debug = format!("{credentials:?}");
        assert!(debug.contains("public-key"));
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn credentials_refuse_unusable_keys() {
        assert!(Credentials::new("", "s").is_err());
        assert!(Credentials::new("a:b", "s").is_err());
        assert!(Credentials::new("a b", "s").is_err());
        assert!(Credentials::new("k", "").is_err());
    }
}
