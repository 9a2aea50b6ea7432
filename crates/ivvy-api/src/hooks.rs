//! What runs around every generated operation, and nothing else.
//!
//! The generated [`Client`] carries an [`Inner`] value and calls the
//! [`ClientHooks`] implemented here: `pre` hands the final request to
//! [`RequestHooks::before_send`] (signing), `exec` sends it and reads the
//! reply body whole but never past [`RequestHooks::max_reply_bytes`], and
//! `post` hands every reply other than a 200 back to the caller as
//! [`Error::UnexpectedResponse`] with its status, headers and body intact.
//! So a caller's error mapping gets everything by return value; nothing
//! travels on the side. Because the generator runs with
//! `HooksMode::Expected`, removing this implementation is a compile error,
//! never a silently unsigned client.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::Client;

/// Work done around each request: signing it, and the reply-size limit.
pub trait RequestHooks: Send + Sync + std::fmt::Debug + 'static {
    /// Inspects or amends the request just before it is sent; an `Err`
    /// aborts the call with [`Error::Custom`] carrying the message.
    ///
    /// The request is complete when this runs: method, URL, headers and
    /// body bytes are exactly what will go on the wire.
    fn before_send(&self, request: &mut reqwest::Request) -> Result<(), String>;

    /// The largest reply body read, in bytes; reading stops there and the
    /// reply comes back marked [`ReplyTooLarge`].
    fn max_reply_bytes(&self) -> usize;
}

/// The value the generated client hands to the hooks.
pub type Inner = Arc<dyn RequestHooks>;

/// Hooks that leave requests untouched and read replies up to 16 MiB, for
/// tests of the bindings alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl RequestHooks for NoHooks {
    fn before_send(&self, _request: &mut reqwest::Request) -> Result<(), String> {
        Ok(())
    }

    fn max_reply_bytes(&self) -> usize {
        16 << 20
    }
}

/// Response extension: the body as read, so it can be handed back whole in
/// [`Error::UnexpectedResponse`] without reading the network again.
#[derive(Debug, Clone)]
pub struct ReadBody(pub Bytes);

/// Response extension: the HTTP client followed a redirect to this host
/// (only a caller's own client can: this crate's never does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedRedirect {
    /// Where the reply came from.
    pub host: Option<String>,
}

/// Response extension: the body was longer than the limit; [`ReadBody`]
/// holds the part read before reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTooLarge {
    /// The limit, in bytes.
    pub limit: usize,
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner().before_send(request).map_err(Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let asked = request.url().clone();
        let response = self.client().execute(request).await?;
        // A caller's own HTTP client may follow redirects; the reply then
        // comes from elsewhere, and is refused like a 3xx.
        let followed = (response.url() != &asked).then(|| FollowedRedirect {
            host: response.url().host_str().map(str::to_string),
        });
        read_capped(response, self.inner().max_reply_bytes(), followed).await
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        match result {
            Ok(response)
                if response.status() != reqwest::StatusCode::OK
                    || response.extensions().get::<ReplyTooLarge>().is_some()
                    || response.extensions().get::<FollowedRedirect>().is_some() =>
            {
                Err(Error::UnexpectedResponse(copy(response)))
            }
            _ => Ok(()),
        }
    }
}

/// Reads the body into memory, stopping once it passes `limit` bytes (a
/// `Content-Length` over the limit stops it before reading), and returns
/// the reply rebuilt around what was read.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
    followed: Option<FollowedRedirect>,
) -> reqwest::Result<reqwest::Response> {
    let declared = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    let mut too_large = declared.is_some_and(|n| n > limit);
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit).min(1 << 20));
    while !too_large && let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            let room = limit - body.len();
            body.extend_from_slice(&chunk[..room]);
            too_large = true;
        } else {
            body.extend_from_slice(&chunk);
        }
    }
    let headers = std::mem::take(response.headers_mut());
    let marks = Marks {
        too_large: too_large.then_some(ReplyTooLarge { limit }),
        followed,
    };
    Ok(rebuild(&response, headers, body.freeze(), marks))
}

/// What a rebuilt reply carries besides its body.
struct Marks {
    too_large: Option<ReplyTooLarge>,
    followed: Option<FollowedRedirect>,
}

/// A reply with `response`'s status and version, `headers`, `body`
/// (kept in [`ReadBody`] too) and `marks`.
fn rebuild(
    response: &reqwest::Response,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
    marks: Marks,
) -> reqwest::Response {
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = headers;
    let extensions = rebuilt.extensions_mut();
    extensions.insert(ReadBody(body));
    if let Some(too_large) = marks.too_large {
        extensions.insert(too_large);
    }
    if let Some(followed) = marks.followed {
        extensions.insert(followed);
    }
    reqwest::Response::from(rebuilt)
}

/// A copy of a reply that [`read_capped`] rebuilt (cheap: the body is
/// shared, not copied).
fn copy(response: &reqwest::Response) -> reqwest::Response {
    let extensions = response.extensions();
    let body = extensions
        .get::<ReadBody>()
        .map(|read| read.0.clone())
        .unwrap_or_default();
    let marks = Marks {
        too_large: extensions.get::<ReplyTooLarge>().copied(),
        followed: extensions.get::<FollowedRedirect>().cloned(),
    };
    rebuild(response, response.headers().clone(), body, marks)
}
