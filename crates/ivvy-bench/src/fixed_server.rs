//! A loopback server that answers every request with one fixed reply, so
//! the server's cost is small and the same for every client measured.

use std::net::{Ipv4Addr, SocketAddr};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// The reply to an invite of contacts 1, 2 and 3.
pub const INVITE_REPLY: &str = r#"{"results":[{"contact":1,"status":true,"inviteLinkYes":"https://example.test/4/1/yes","inviteLinkNo":"https://example.test/4/1/no"},{"contact":2,"status":false},{"contact":3,"status":true,"inviteLinkYes":"https://example.test/4/3/yes","inviteLinkNo":"https://example.test/4/3/no"}]}"#;

/// Serves [`INVITE_REPLY`] on an ephemeral port of 127.0.0.1 until the
/// runtime stops; returns the address.
pub async fn start() -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(answer);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

async fn answer(body: Bytes) -> Response {
    // Read the body, as a real server must.
    drop(body);
    let mut response = INVITE_REPLY.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
