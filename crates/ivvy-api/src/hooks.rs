//! What runs around every generated operation.
//!
//! The generated [`Client`] carries an [`Inner`] value and
//! calls the [`ClientHooks`] implemented here before and after each request.
//! Because the generator runs with `HooksMode::Expected`, removing this
//! implementation is a compile error, never a silently unsigned client.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::Client;

/// Work done on the final request just before it is sent, such as signing.
///
/// The request is complete when this runs: method, URL, headers and body
/// bytes are exactly what will go on the wire.
pub trait RequestHooks: Send + Sync + std::fmt::Debug + 'static {
    /// Inspects or amends the request; an `Err` aborts the call with
    /// [`Error::Custom`] carrying the message.
    fn before_send(&self, request: &mut reqwest::Request) -> Result<(), String>;
}

/// The value the generated client hands to the hooks.
pub type Inner = Arc<dyn RequestHooks>;

/// Hooks that leave requests untouched, for tests of the bindings alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl RequestHooks for NoHooks {
    fn before_send(&self, _request: &mut reqwest::Request) -> Result<(), String> {
        Ok(())
    }
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner().before_send(request).map_err(Error::Custom)
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Ok(response) = result {
            // Outside `with_reply_status` there is nobody to tell; that is fine.
            let _ = REPLY_STATUS.try_with(|cell| cell.set(Some(response.status())));
        }
        Ok(())
    }
}

tokio::task_local! {
    static REPLY_STATUS: Cell<Option<reqwest::StatusCode>>;
}

/// Runs one generated call and also returns the HTTP status of its reply,
/// if a reply came.
///
/// progenitor's `Error::InvalidResponsePayload` keeps the body but not the
/// status; callers that report undecodable replies need both.
pub async fn with_reply_status<F: Future>(call: F) -> (F::Output, Option<reqwest::StatusCode>) {
    REPLY_STATUS
        .scope(Cell::new(None), async move {
            let output = call.await;
            (output, REPLY_STATUS.with(Cell::get))
        })
        .await
}
