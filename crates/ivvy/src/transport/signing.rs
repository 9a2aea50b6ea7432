//! The thin step that signs a reqwest request: it describes the request to
//! [`ivvy_iws::sign`], which decides the headers, and writes them on; and
//! the hooks value that hands it to the generated client. The scheme itself
//! (canonical string, HMAC, dates) lives in `ivvy-iws`.

use std::sync::Arc;

use ivvy_iws::{Credentials, SignableRequest, SigningError};
use reqwest::header::{HeaderName, HeaderValue};

use ivvy_iws::Clock;

/// Signs every request the generated client sends, from the final request.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    credentials: Credentials,
    clock: Arc<dyn Clock>,
}

impl Signer {
    pub(crate) fn new(credentials: Credentials, clock: Arc<dyn Clock>) -> Self {
        Self { credentials, clock }
    }

    /// Adds `Content-MD5`, `IVVY-Date`, `X-Api-Version` and
    /// `X-Api-Authorization` to the request, signed as it stands.
    pub(crate) fn sign(&self, request: &mut reqwest::Request) -> Result<(), SigningError> {
        let body: &[u8] = match request.body() {
            None => &[],
            Some(body) => body.as_bytes().ok_or(SigningError::StreamedBody)?,
        };
        let url = request.url();
        let headers: Vec<(&str, &[u8])> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let output = ivvy_iws::sign(
            &SignableRequest {
                method: request.method().as_str(),
                path_and_query: &url[url::Position::BeforePath..url::Position::AfterQuery],
                headers: &headers,
                body,
            },
            &self.credentials,
            self.clock.now(),
        )?;
        // The signature and secret stay out of logs.
        tracing::debug!(method = %request.method(), url = %request.url(), "signed request");
        let target = request.headers_mut();
        for header in output.headers() {
            let mut value =
                HeaderValue::from_str(header.value).map_err(|_| SigningError::HeaderNotText {
                    name: header.name.to_string(),
                })?;
            // Keeps the signature out of reqwest's and hyper's Debug output.
            value.set_sensitive(header.sensitive);
            target.insert(HeaderName::from_static(header.name), value);
        }
        Ok(())
    }
}

/// What the generated client runs around each request: signing, and the
/// reply-size limit its hooks read within.
#[derive(Debug, Clone)]
pub(crate) struct Hooks {
    pub(crate) signer: Signer,
    pub(crate) max_reply_bytes: usize,
}

impl ivvy_api::hooks::RequestHooks for Hooks {
    fn before_send(&self, request: &mut reqwest::Request) -> Result<(), String> {
        self.signer.sign(request).map_err(|e| e.to_string())
    }

    fn max_reply_bytes(&self) -> usize {
        self.max_reply_bytes
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use ivvy_iws::ManualClock;

    fn signer(clock: Arc<ManualClock>) -> Signer {
        let credentials = Credentials::new("key", "my secret key").expect("valid");
        Signer::new(credentials, clock)
    }

    #[test]
    fn signs_the_docs_request_and_marks_the_signature_sensitive() {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_333_491_804),
        ));
        let mut request = crate::transport::tls::test_client()
            .post("https://api.ap-southeast-2.ivvy.com/api/1.0/test?action=ping")
            .header("content-type", "application/json")
            .body(r#"{"example":"body"}"#)
            .build()
            .expect("request builds");
        signer(clock).sign(&mut request).expect("signs");
        let header = |name: &str| request.headers()[name].to_str().expect("text").to_string();
        assert_eq!(header("content-md5"), "a09f600c77a6dbd947db24c61e8935ca");
        assert_eq!(header("ivvy-date"), "2012-04-03 22:23:24");
        assert_eq!(header("x-api-version"), "1.0");
        let expected = ivvy_iws::hmac_sha1_hex(
            b"my secret key",
            b"posta09f600c77a6dbd947db24c61e8935caapplication/json/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24",
        );
        assert_eq!(header("x-api-authorization"), format!("IWS key:{expected}"));
        assert!(request.headers()["x-api-authorization"].is_sensitive());
        assert!(!format!("{request:?}").contains(&expected));
    }

    #[test]
    fn the_date_follows_the_clock() {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_333_491_804),
        ));
        let signer = signer(clock.clone());
        let mut request = crate::transport::tls::test_client()
            .post("http://127.0.0.1:9/api/1.0/test?action=ping")
            .body("{}")
            .build()
            .expect("request builds");
        let mut dates = Vec::new();
        for step in [0, 1, 59] {
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
                "2012-04-03 22:23:25",
                "2012-04-03 22:24:24"
            ]
        );
    }
}
