//! Signing: from a description of a request, the credentials and the time,
//! to the headers to add. Applying them to an HTTP request is the caller's
//! thin step; nothing here touches the network.

use std::fmt;
use std::time::SystemTime;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

use crate::canonical::{keyed_mac, lower_hex};
use crate::{
    PathError, RpcPath, SigningInput, content_md5, headers, is_ivvy_header, signed_header_name,
    string_to_sign, timestamp,
};

/// An API key and its secret. `Debug` shows the key only.
#[derive(Clone)]
pub struct Credentials {
    key: String,
    secret: SecretString,
    /// HMAC keyed with the secret once: each signature starts from a copy
    /// instead of hashing the key again.
    keyed: Hmac<Sha1>,
}

impl Credentials {
    /// Checks that the key can go in a header and that neither part is empty.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Result<Self, SigningError> {
        let key = key.into();
        let secret = SecretString::from(secret.into());
        if key.is_empty() {
            return Err(SigningError::EmptyKey);
        }
        if !key.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(SigningError::BadKey);
        }
        if secret.expose_secret().is_empty() {
            return Err(SigningError::EmptySecret);
        }
        let keyed = keyed_mac(secret.expose_secret().as_bytes());
        Ok(Self { key, secret, keyed })
    }

    /// The API key (not secret: it travels in every request).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn mac(&self) -> Hmac<Sha1> {
        self.keyed.clone()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &self.secret)
            .finish()
    }
}

/// A request as it will be sent (for [`sign`]) or as it was received (for
/// [`verify`](crate::verify)).
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The method, `POST` for every iVvy call.
    pub method: &'a str,
    /// Path and query exactly as sent, e.g. `/api/1.0/test?action=ping`.
    pub path_and_query: &'a str,
    /// Every header, names in any case. When signing, these are the headers
    /// before signing; an `IVVY-Date` among them is replaced.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body bytes exactly as sent (empty for no body).
    pub body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// The first header of that name (any case).
    pub(crate) fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The header's value as text; `Ok(None)` when absent.
    pub(crate) fn header_text(&self, name: &str) -> Result<Option<&'a str>, SigningError> {
        self.header(name).map(|value| text(name, value)).transpose()
    }

    /// Every `IVVY*` header as text, in the order given; `IVVY-Date` left
    /// out when `leave_out_date` (signing replaces it).
    pub(crate) fn ivvy_headers(
        &self,
        leave_out_date: bool,
    ) -> Result<Vec<(&'a str, &'a str)>, SigningError> {
        self.headers
            .iter()
            .filter(|(name, _)| {
                is_ivvy_header(name) && !(leave_out_date && signed_header_name(name) == "ivvydate")
            })
            .map(|(name, value)| Ok((*name, text(name, value)?)))
            .collect()
    }
}

fn text<'a>(name: &str, value: &'a [u8]) -> Result<&'a str, SigningError> {
    std::str::from_utf8(value).map_err(|_| SigningError::HeaderNotText {
        name: name.to_ascii_lowercase(),
    })
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The API key is empty.
    EmptyKey,
    /// The API key has a character that cannot go in the header.
    BadKey,
    /// The API secret is empty.
    EmptySecret,
    /// The path is not an iVvy call's.
    Path(PathError),
    /// A header the signature covers is not text.
    HeaderNotText {
        /// The header's name, lowercase.
        name: String,
    },
    /// The body is streamed, so it cannot be hashed before it is sent.
    StreamedBody,
    /// The clock shows a time iVvy's date format cannot hold (past 9999).
    ClockOutOfRange,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::EmptyKey => f.write_str("the API key is empty"),
            SigningError::BadKey => {
                f.write_str("the API key may hold only visible ASCII characters other than ':'")
            }
            SigningError::EmptySecret => f.write_str("the API secret is empty"),
            SigningError::Path(error) => write!(f, "the request path {error}"),
            SigningError::HeaderNotText { name } => write!(f, "the {name} header is not text"),
            SigningError::StreamedBody => {
                f.write_str("the body is streamed, so it cannot be hashed before it is sent")
            }
            SigningError::ClockOutOfRange => {
                f.write_str("the clock shows a time outside years 0 to 9999")
            }
        }
    }
}

impl std::error::Error for SigningError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SigningError::Path(error) => Some(error),
            _ => None,
        }
    }
}

/// The headers [`sign`] computed. `Debug` leaves the signature out.
#[derive(Clone)]
pub struct SigningOutput {
    content_md5: String,
    ivvy_date: String,
    api_version: String,
    authorization: SecretString,
}

/// One header to set on the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedHeader<'a> {
    /// The header name, lowercase.
    pub name: &'static str,
    /// Its value.
    pub value: &'a str,
    /// True for the header that carries the signature: mark it sensitive so
    /// HTTP libraries keep it out of their logs.
    pub sensitive: bool,
}

impl SigningOutput {
    /// `Content-MD5`.
    pub fn content_md5(&self) -> &str {
        &self.content_md5
    }

    /// `IVVY-Date`.
    pub fn ivvy_date(&self) -> &str {
        &self.ivvy_date
    }

    /// The four headers to set: `Content-MD5`, `IVVY-Date`, `X-Api-Version`
    /// and `X-Api-Authorization` (the last one sensitive).
    pub fn headers(&self) -> impl Iterator<Item = SignedHeader<'_>> {
        let plain = |name, value| SignedHeader {
            name,
            value,
            sensitive: false,
        };
        [
            plain(headers::CONTENT_MD5, self.content_md5.as_str()),
            plain(headers::IVVY_DATE, self.ivvy_date.as_str()),
            plain(headers::X_API_VERSION, self.api_version.as_str()),
            SignedHeader {
                name: headers::X_API_AUTHORIZATION,
                value: self.authorization.expose_secret(),
                sensitive: true,
            },
        ]
        .into_iter()
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("content_md5", &self.content_md5)
            .field("ivvy_date", &self.ivvy_date)
            .field("api_version", &self.api_version)
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// Computes the headers that sign `request` at time `now`.
///
/// The request is signed as it will be sent: `Content-Type` and any other
/// `IVVY*` headers exactly as given, the path and query as given, and an
/// `IVVY-Date` for `now` (so the `Date` part of the string is empty).
pub fn sign(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<SigningOutput, SigningError> {
    let path = RpcPath::parse(request.path_and_query).map_err(SigningError::Path)?;
    let content_type = request.header_text(headers::CONTENT_TYPE)?.unwrap_or("");
    let ivvy_date = timestamp::try_format(now).ok_or(SigningError::ClockOutOfRange)?;
    let mut ivvy_headers = request.ivvy_headers(true)?;
    ivvy_headers.push(("ivvy-date", &ivvy_date));
    let content_md5 = content_md5(request.body);
    let to_sign = string_to_sign(&SigningInput {
        method: request.method,
        content_md5: &content_md5,
        content_type,
        date: "",
        path_and_query: request.path_and_query,
        api_version: path.version,
        ivvy_headers: &ivvy_headers,
    });
    let mut mac = credentials.mac();
    mac.update(to_sign.as_bytes());
    let signature = lower_hex(&mac.finalize().into_bytes());
    let authorization = format!("IWS {}:{signature}", credentials.key);
    Ok(SigningOutput {
        content_md5,
        api_version: path.version.to_string(),
        ivvy_date,
        authorization: SecretString::from(authorization),
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::hmac_sha1_hex;

    const DOCS_STRING_TO_SIGN: &str = "posta09f600c77a6dbd947db24c61e8935caapplication/json/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24";

    fn docs_request<'a>(headers: &'a [(&'a str, &'a [u8])]) -> SignableRequest<'a> {
        SignableRequest {
            method: "POST",
            path_and_query: "/api/1.0/test?action=ping",
            headers,
            body: br#"{"example":"body"}"#,
        }
    }

    #[test]
    fn signs_the_docs_worked_example() {
        let credentials = Credentials::new("key", "my secret key").expect("valid");
        let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
        let headers = [("Content-Type", b"application/json".as_slice())];
        let output = sign(&docs_request(&headers), &credentials, at).expect("signs");
        let expected = hmac_sha1_hex(b"my secret key", DOCS_STRING_TO_SIGN.as_bytes());
        let got: Vec<(&str, String, bool)> = output
            .headers()
            .map(|h| (h.name, h.value.to_string(), h.sensitive))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "content-md5",
                    "a09f600c77a6dbd947db24c61e8935ca".into(),
                    false
                ),
                ("ivvy-date", "2012-04-03 22:23:24".into(), false),
                ("x-api-version", "1.0".into(), false),
                ("x-api-authorization", format!("IWS key:{expected}"), true),
            ]
        );
    }

    #[test]
    fn an_old_ivvy_date_is_replaced_and_other_ivvy_headers_are_signed() {
        let credentials = Credentials::new("key", "secret").expect("valid");
        let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
        let stale = [
            ("Content-Type", b"application/json".as_slice()),
            ("IVVY-Date", b"1999-01-01 00:00:00".as_slice()),
        ];
        let fresh = [("Content-Type", b"application/json".as_slice())];
        let a = sign(&docs_request(&stale), &credentials, at).expect("signs");
        let other_spelling = [
            ("Content-Type", b"application/json".as_slice()),
            ("Ivvy_Date", b"1999-01-01 00:00:00".as_slice()),
        ];
        let d = sign(&docs_request(&other_spelling), &credentials, at).expect("signs");
        assert_eq!(
            a.authorization.expose_secret(),
            d.authorization.expose_secret()
        );
        let b = sign(&docs_request(&fresh), &credentials, at).expect("signs");
        assert_eq!(
            a.authorization.expose_secret(),
            b.authorization.expose_secret()
        );

        let extra = [
            ("Content-Type", b"application/json".as_slice()),
            ("IVVY-Trace", b"abc".as_slice()),
        ];
        let c = sign(&docs_request(&extra), &credentials, at).expect("signs");
        assert_ne!(
            a.authorization.expose_secret(),
            c.authorization.expose_secret()
        );
    }

    #[test]
    fn debug_output_keeps_secret_and_signature_out() {
        let credentials = Credentials::new("public-key", "hunter2-secret").expect("valid");
        assert!(!format!("{credentials:?}").contains("hunter2"));
        let output = sign(&docs_request(&[]), &credentials, UNIX_EPOCH).expect("signs");
        let signature = output.authorization.expose_secret().to_string();
        let debug = format!("{output:?}");
        assert!(!debug.contains(&signature[16..]), "{debug}");
    }

    #[test]
    fn credentials_refuse_unusable_keys() {
        assert_eq!(
            Credentials::new("", "s").err(),
            Some(SigningError::EmptyKey)
        );
        assert_eq!(
            Credentials::new("a:b", "s").err(),
            Some(SigningError::BadKey)
        );
        assert_eq!(
            Credentials::new("a b", "s").err(),
            Some(SigningError::BadKey)
        );
        assert_eq!(
            Credentials::new("k", "").err(),
            Some(SigningError::EmptySecret)
        );
    }

    #[test]
    fn errors_say_what_is_wrong_once() {
        let cases = [
            (SigningError::EmptyKey, "the API key is empty"),
            (
                SigningError::BadKey,
                "the API key may hold only visible ASCII characters other than ':'",
            ),
            (SigningError::EmptySecret, "the API secret is empty"),
            (
                SigningError::Path(PathError::NoAction),
                "the request path is not of the form /api/{version}/{namespace}?action={action}: no ?action=",
            ),
            (
                SigningError::HeaderNotText {
                    name: "content-type".into(),
                },
                "the content-type header is not text",
            ),
            (
                SigningError::StreamedBody,
                "the body is streamed, so it cannot be hashed before it is sent",
            ),
            (
                SigningError::ClockOutOfRange,
                "the clock shows a time outside years 0 to 9999",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
    }
}
