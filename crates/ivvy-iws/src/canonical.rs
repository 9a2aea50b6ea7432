//! The canonical parts of a signature: the body's MD5, the string to sign,
//! the rules for `IVVY*` headers, and HMAC-SHA1 in lowercase hex.
//!
//! The string to sign is the ASCII-lowercased concatenation of the method,
//! the body's MD5, the `Content-Type` as sent, the `Date` header (empty when
//! `IVVY-Date` is sent), the path and query, the API version, and every
//! `IVVY*` header as `name=value` (dashes and underscores removed from the
//! name), sorted and joined with `&`.

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;

/// The parts of a request that its signature covers, as sent.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    /// `POST` for every iVvy call.
    pub method: &'a str,
    /// Lowercase hex MD5 of the body bytes.
    pub content_md5: &'a str,
    /// The `Content-Type` header exactly as sent (`""` when none).
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
///
/// ```
/// assert_eq!(ivvy_iws::content_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
/// ```
pub fn content_md5(body: &[u8]) -> String {
    lower_hex(&Md5::digest(body))
}

pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// True for the headers the signature covers by name: those whose name
/// starts with `ivvy`, in any case.
pub fn is_ivvy_header(name: &str) -> bool {
    name.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("ivvy"))
}

/// A header name as it is signed: dashes and underscores left out,
/// lowercase (`IVVY-Date` becomes `ivvydate`).
pub fn signed_header_name(name: &str) -> String {
    let mut out: String = name.split(['-', '_']).collect();
    out.make_ascii_lowercase();
    out
}

/// The canonical string for `input`, lowercased.
///
/// ```
/// use ivvy_iws::{string_to_sign, SigningInput};
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
    let mut headers: Vec<(String, &str)> = input
        .ivvy_headers
        .iter()
        .map(|(name, value)| (signed_header_name(name), *value))
        .collect();
    headers.sort_unstable();
    let mut out = String::with_capacity(
        input.method.len()
            + input.content_md5.len()
            + input.content_type.len()
            + input.date.len()
            + input.path_and_query.len()
            + input.api_version.len()
            + headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>(),
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
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    // iVvy's SDKs lowercase the whole string; ASCII-only, as header values
    // and paths on the wire are ASCII.
    out.make_ascii_lowercase();
    out
}

pub(crate) fn keyed_mac(secret: &[u8]) -> Hmac<Sha1> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Lowercase hex HMAC-SHA1 of `message` keyed with `secret`.
///
/// ```
/// // the reference value from iVvy's HMAC-SHA1 page
/// assert_eq!(
///     ivvy_iws::hmac_sha1_hex(b"my secret key", b"string to sign"),
///     "a993876ea1218921a1c8551923473da7b310dfae"
/// );
/// ```
pub fn hmac_sha1_hex(secret: &[u8], message: &[u8]) -> String {
    let mut mac = keyed_mac(secret);
    mac.update(message);
    lower_hex(&mac.finalize().into_bytes())
}

/// Checks a hex signature against a keyed MAC in constant time (no early
/// exit on the first differing byte, so timing does not leak how much of a
/// guess was right).
pub(crate) fn signature_matches(mut mac: Hmac<Sha1>, message: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(&signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in iVvy's signing page: the body is these 18 bytes.
    const DOCS_BODY: &[u8] = br#"{"example":"body"}"#;
    const DOCS_STRING_TO_SIGN: &str = "posta09f600c77a6dbd947db24c61e8935caapplication/json/api/1.0/test?action=ping1.0ivvydate=2012-04-03 22:23:24";

    #[test]
    fn md5_of_the_docs_body_and_of_nothing() {
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
        let md5 = content_md5(DOCS_BODY);
        let input = SigningInput {
            method: "POST",
            content_md5: &md5,
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
    fn ivvy_headers_are_recognised_in_any_case() {
        assert!(is_ivvy_header("IVVY-Date"));
        assert!(is_ivvy_header("ivvy_x"));
        assert!(!is_ivvy_header("x-ivvy"));
        assert!(!is_ivvy_header("ivv"));
        assert!(!is_ivvy_header("ıvvy"));
    }

    #[test]
    fn hmac_matches_the_reference_value_and_verifies() {
        let sig = hmac_sha1_hex(b"my secret key", b"string to sign");
        assert_eq!(sig, "a993876ea1218921a1c8551923473da7b310dfae");
        let mac = || keyed_mac(b"my secret key");
        assert!(signature_matches(mac(), b"string to sign", &sig));
        assert!(!signature_matches(mac(), b"string to sign!", &sig));
        assert!(!signature_matches(
            keyed_mac(b"other"),
            b"string to sign",
            &sig
        ));
        assert!(!signature_matches(mac(), b"string to sign", "not hex"));
        assert!(!signature_matches(mac(), b"string to sign", &sig[..38]));
    }
}
