//! The baseline: a minimal hand-written iVvy client with plain reqwest and
//! serde_json, no progenitor. It signs for real (its own MD5, HMAC-SHA1 and
//! string to sign, not the `ivvy` crate's) and decodes the reply for real,
//! so the comparison measures only what our layers add.

use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

#[derive(Serialize)]
struct InviteRequest<'a> {
    contacts: &'a [u64],
    event: u64,
}

/// One result of the reply.
#[derive(Debug, Deserialize)]
pub struct InviteResult {
    /// The contact.
    pub contact: i64,
    /// Invited or not.
    pub status: bool,
    /// Answer-yes link.
    #[serde(rename = "inviteLinkYes")]
    pub invite_link_yes: Option<String>,
    /// Answer-no link.
    #[serde(rename = "inviteLinkNo")]
    pub invite_link_no: Option<String>,
}

#[derive(Deserialize)]
struct InviteReply {
    results: Vec<InviteResult>,
}

/// A hand-written client: base URL, key, secret and a reqwest client set up
/// as the `ivvy` client sets up its own (timeouts, user agent).
#[derive(Clone)]
pub struct Baseline {
    http: reqwest::Client,
    url: String,
    key: String,
    secret: String,
}

impl std::fmt::Debug for Baseline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Baseline")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Baseline {
    /// A client for `base_url`.
    pub fn new(base_url: &str, key: &str, secret: &str) -> Self {
        Self {
            // Only for the same TLS set-up: the benchmark speaks plain HTTP.
            http: ivvy::http_client_builder()
                .unwrap_or_default()
                .connect_timeout(std::time::Duration::from_secs(10))
                .timeout(std::time::Duration::from_secs(30))
                .user_agent(concat!("ivvy-rs/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            url: format!("{base_url}/api/1.0/event?action=inviteContacts"),
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// Sends one signed inviteContacts request and decodes the reply.
    pub async fn invite_contacts(
        &self,
        event: u64,
        contacts: &[u64],
    ) -> Result<Vec<InviteResult>, String> {
        let body =
            serde_json::to_vec(&InviteRequest { contacts, event }).map_err(|e| e.to_string())?;
        let md5 = hex::encode(Md5::digest(&body));
        // A hand-written client reads the clock directly.
        #[allow(clippy::disallowed_methods)]
        let date = ivvy_date(SystemTime::now());
        let to_sign = format!(
            "post{md5}application/json/api/1.0/event?action=invitecontacts1.0ivvydate={date}"
        );
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(self.secret.as_bytes())
            .map_err(|e| e.to_string())?;
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let reply = self
            .http
            .post(&self.url)
            // The same headers the generated client sends, so the server
            // parses the same request.
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("api-version", "1.0")
            .header("content-md5", md5)
            .header("ivvy-date", date)
            .header("x-api-version", "1.0")
            .header(
                "x-api-authorization",
                format!("IWS {}:{signature}", self.key),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !reply.status().is_success() {
            return Err(format!("HTTP {}", reply.status()));
        }
        let bytes = reply.bytes().await.map_err(|e| e.to_string())?;
        let reply: InviteReply = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        Ok(reply.results)
    }
}

/// `yyyy-mm-dd HH:mm:ss` in UTC.
fn ivvy_date(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
