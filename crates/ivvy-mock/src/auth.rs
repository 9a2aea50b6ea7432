//! The signature check, as iVvy makes it: [`ivvy_iws::verify`] decides, and
//! this module turns its verdict into iVvy's error reply.
//!
//! Each failed check has its own `specificCode`. 23005 (stale request) is
//! iVvy's documented code; the others are this fake server's own, listed in
//! [`codes`], so tests can tell the checks apart.

use axum::http::StatusCode;
use ivvy_iws::Rejection;

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

/// The 401 reply for a rejected signature.
pub(crate) fn refusal(rejection: &Rejection) -> Refusal {
    let code = match rejection {
        Rejection::MissingAuthorization | Rejection::MalformedAuthorization => {
            codes::BAD_AUTHORIZATION
        }
        Rejection::UnknownKey => codes::UNKNOWN_KEY,
        Rejection::MissingContentMd5 | Rejection::ContentMd5Mismatch => codes::BAD_CONTENT_MD5,
        Rejection::BadIvvyDate | Rejection::BadDate | Rejection::NoDate => codes::BAD_DATE,
        Rejection::Stale => codes::STALE_REQUEST,
        _ => codes::BAD_SIGNATURE,
    };
    Refusal::new(StatusCode::UNAUTHORIZED, Some(code), rejection.to_string())
}
