//! Verification: the checks a server makes of a signed request, each with
//! its own [`Rejection`], in the order iVvy documents them.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::canonical::signature_matches;
use crate::sign::SignableRequest;
use crate::{
    Credentials, PathError, RpcPath, SigningError, SigningInput, content_md5, headers,
    string_to_sign, timestamp,
};

/// How far a request's date may be from the server's clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Why a request's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// `X-Api-Authorization` is missing or not text.
    MissingAuthorization,
    /// `X-Api-Authorization` is not `IWS key:signature`.
    MalformedAuthorization,
    /// The key is not the one the credentials hold.
    UnknownKey,
    /// `Content-MD5` is missing.
    MissingContentMd5,
    /// `Content-MD5` is not the MD5 of the body.
    ContentMd5Mismatch,
    /// `IVVY-Date` is not `yyyy-mm-dd HH:mm:ss`.
    BadIvvyDate,
    /// `Date` is not `Tue, 03 Apr 2012 22:23:24 UTC`.
    BadDate,
    /// Neither `IVVY-Date` nor `Date` was sent.
    NoDate,
    /// The date is more than [`MAX_CLOCK_SKEW`] from the server's clock.
    Stale,
    /// The path is not an iVvy call's.
    BadPath(PathError),
    /// A header the signature covers is not text.
    HeaderNotText {
        /// The header's name, lowercase.
        name: String,
    },
    /// The signature does not match the request.
    SignatureMismatch,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::MissingAuthorization => {
                f.write_str("X-Api-Authorization header is missing or not text")
            }
            Rejection::MalformedAuthorization => {
                f.write_str("X-Api-Authorization is not of the form `IWS key:signature`")
            }
            Rejection::UnknownKey => f.write_str("X-Api-Authorization names an unknown API key"),
            Rejection::MissingContentMd5 => f.write_str("Content-MD5 header is missing"),
            Rejection::ContentMd5Mismatch => f.write_str("Content-MD5 is not the MD5 of the body"),
            Rejection::BadIvvyDate => f.write_str("IVVY-Date is not yyyy-mm-dd HH:mm:ss"),
            Rejection::BadDate => {
                f.write_str("Date is not of the form `Tue, 03 Apr 2012 22:23:24 UTC`")
            }
            Rejection::NoDate => f.write_str("neither IVVY-Date nor Date header is present"),
            // iVvy's own message for its code 23005.
            Rejection::Stale => f.write_str("Request is stale"),
            Rejection::BadPath(error) => write!(f, "the request path {error}"),
            Rejection::HeaderNotText { name } => write!(f, "the {name} header is not text"),
            Rejection::SignatureMismatch => f.write_str("the signature does not match the request"),
        }
    }
}

impl std::error::Error for Rejection {}

impl From<SigningError> for Rejection {
    fn from(error: SigningError) -> Self {
        match error {
            SigningError::HeaderNotText { name } => Rejection::HeaderNotText { name },
            SigningError::Path(error) => Rejection::BadPath(error),
            // Only the two above can arise from reading a received request.
            _ => Rejection::SignatureMismatch,
        }
    }
}

/// Checks a received request against the credentials at the server's time
/// `now`: the authorization header, the key, `Content-MD5`, the date
/// (`IVVY-Date`, else `Date`), its distance from `now`, and the signature,
/// recomputed from the request exactly as received and compared in
/// constant time. The first failed check decides the [`Rejection`].
pub fn verify(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<(), Rejection> {
    let authorization = request
        .header_text(headers::X_API_AUTHORIZATION)
        .ok()
        .flatten()
        .ok_or(Rejection::MissingAuthorization)?;
    let (key, signature) = authorization
        .strip_prefix("IWS ")
        .and_then(|rest| rest.split_once(':'))
        .ok_or(Rejection::MalformedAuthorization)?;
    if key != credentials.key() {
        return Err(Rejection::UnknownKey);
    }

    let sent_md5 = request
        .header_text(headers::CONTENT_MD5)?
        .ok_or(Rejection::MissingContentMd5)?;
    if !sent_md5.eq_ignore_ascii_case(&content_md5(request.body)) {
        return Err(Rejection::ContentMd5Mismatch);
    }

    let ivvy_date = request.header_text(headers::IVVY_DATE)?;
    let date = request.header_text(headers::DATE)?;
    let sent_at = match (ivvy_date, date) {
        (Some(value), _) => timestamp::parse(value).ok_or(Rejection::BadIvvyDate)?,
        (None, Some(value)) => timestamp::parse_http_date(value).ok_or(Rejection::BadDate)?,
        (None, None) => return Err(Rejection::NoDate),
    };
    let skew = match now.duration_since(sent_at) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > MAX_CLOCK_SKEW {
        return Err(Rejection::Stale);
    }

    let path = RpcPath::parse(request.path_and_query).map_err(Rejection::BadPath)?;
    let ivvy_headers = request.ivvy_headers(false)?;
    let to_sign = string_to_sign(&SigningInput {
        method: request.method,
        content_md5: sent_md5,
        content_type: request.header_text(headers::CONTENT_TYPE)?.unwrap_or(""),
        // With IVVY-Date the Date part is empty.
        date: if ivvy_date.is_some() {
            ""
        } else {
            date.unwrap_or("")
        },
        path_and_query: request.path_and_query,
        api_version: path.version,
        ivvy_headers: &ivvy_headers,
    });
    if signature_matches(credentials.mac(), to_sign.as_bytes(), signature) {
        Ok(())
    } else {
        Err(Rejection::SignatureMismatch)
    }
}
