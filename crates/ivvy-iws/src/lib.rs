//! iVvy's IWS request signing, as pure functions.
//!
//! This crate is the one description of the scheme in the workspace: the
//! client signs with [`sign`], the fake server checks with [`verify`], and
//! the code generator checks its paths with [`RpcPath`]. It knows nothing of
//! HTTP clients or async runtimes: a request is described by its method,
//! path, headers and body bytes, and signing returns the headers to add.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use ivvy_iws::{Credentials, SignableRequest, sign, verify};
//!
//! let credentials = Credentials::new("my-key", "my-secret")?;
//! let now = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
//! let body = br#"{"event":4,"contacts":[1,2,3]}"#;
//! let headers = [("Content-Type", b"application/json".as_slice())];
//! let request = SignableRequest {
//!     method: "POST",
//!     path_and_query: "/api/1.0/event?action=inviteContacts",
//!     headers: &headers,
//!     body,
//! };
//! let output = sign(&request, &credentials, now)?;
//! assert_eq!(output.ivvy_date(), "2012-04-03 22:23:24");
//!
//! // What the server receives: the request's headers plus the signed ones.
//! let mut sent: Vec<(&str, &[u8])> = headers.to_vec();
//! sent.extend(output.headers().map(|h| (h.name, h.value.as_bytes())));
//! let received = SignableRequest { headers: &sent, ..request };
//! assert_eq!(verify(&received, &credentials, now), Ok(()));
//! # Ok::<(), ivvy_iws::SigningError>(())
//! ```

mod canonical;
mod clock;
mod path;
mod sign;
pub mod timestamp;
mod verify;

pub use canonical::{
    SigningInput, content_md5, hmac_sha1_hex, is_ivvy_header, signed_header_name, string_to_sign,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use path::{PathError, RpcPath};
pub use sign::{Credentials, SignableRequest, SignedHeader, SigningError, SigningOutput, sign};
pub use verify::{MAX_CLOCK_SKEW, Rejection, verify};

/// The API version this workspace speaks, as it appears in paths and in
/// `X-Api-Version`.
pub const API_VERSION: &str = "1.0";

/// Header names, lowercase as HTTP libraries keep them.
pub mod headers {
    /// `IVVY-Date`: the request time, `yyyy-mm-dd HH:mm:ss` in UTC.
    pub const IVVY_DATE: &str = "ivvy-date";
    /// `Content-MD5`: lowercase hex MD5 of the body.
    pub const CONTENT_MD5: &str = "content-md5";
    /// `X-Api-Version`.
    pub const X_API_VERSION: &str = "x-api-version";
    /// `X-Api-Authorization: IWS {key}:{signature}`.
    pub const X_API_AUTHORIZATION: &str = "x-api-authorization";
    /// `Content-Type`, signed as sent.
    pub const CONTENT_TYPE: &str = "content-type";
    /// `Date`, signed when `IVVY-Date` is not sent.
    pub const DATE: &str = "date";
}
