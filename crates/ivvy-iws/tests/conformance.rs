//! Conformance: every request iVvy's official JS SDK signed (with a frozen
//! clock) signs to the same headers here and verifies; signing and
//! verifying agree on any request; and any change to what is signed fails.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ivvy_iws::{Credentials, Rejection, SignableRequest, sign, timestamp, verify};
use proptest::prelude::*;
use serde_json::Value;

/// `data/signing-vectors.json`: the SDK's requests, copied from iVvy's
/// reference material.
fn vectors() -> Vec<Value> {
    let text = include_str!("data/signing-vectors.json");
    serde_json::from_str(text).expect("the vectors are JSON")
}

fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} has no {name}", vector["name"]))
}

/// The vector's `time` (`2012-04-03T22:23:24`, UTC).
fn time_of(vector: &Value) -> SystemTime {
    let text = field(vector, "time").replace('T', " ");
    timestamp::parse(&text).unwrap_or_else(|| panic!("bad time {text}"))
}

fn path_of(vector: &Value) -> String {
    let url = field(vector, "url");
    let start = url.find("/api/").expect("an API url");
    url[start..].to_string()
}

#[test]
fn there_are_nine_vectors_with_a_non_ascii_secret_and_an_empty_body() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 9);
    assert!(vectors.iter().any(|v| !field(v, "secret").is_ascii()));
    assert!(vectors.iter().any(|v| field(v, "body").is_empty()));
}

#[test]
fn every_sdk_request_signs_to_the_same_headers() {
    for vector in vectors() {
        let name = field(&vector, "name");
        let credentials =
            Credentials::new(field(&vector, "key"), field(&vector, "secret")).expect(name);
        let path = path_of(&vector);
        let content_type = vector["headers"]["Content-Type"].as_str().expect(name);
        let headers = [("Content-Type", content_type.as_bytes())];
        let request = SignableRequest {
            method: "POST",
            path_and_query: &path,
            headers: &headers,
            body: field(&vector, "body").as_bytes(),
        };
        let output = sign(&request, &credentials, time_of(&vector)).expect(name);
        for header in output.headers() {
            let sent = vector["headers"]
                .as_object()
                .expect(name)
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(header.name))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{name}: the SDK sent no {}", header.name));
            assert_eq!(header.value, sent, "{name}: {}", header.name);
        }
    }
}

#[test]
fn every_sdk_request_verifies_at_its_time_and_not_ten_minutes_later() {
    for vector in vectors() {
        let name = field(&vector, "name");
        let credentials =
            Credentials::new(field(&vector, "key"), field(&vector, "secret")).expect(name);
        let path = path_of(&vector);
        let headers: Vec<(&str, &[u8])> = vector["headers"]
            .as_object()
            .expect(name)
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str().expect(name).as_bytes()))
            .collect();
        let request = SignableRequest {
            method: "POST",
            path_and_query: &path,
            headers: &headers,
            body: field(&vector, "body").as_bytes(),
        };
        let at = time_of(&vector);
        assert_eq!(verify(&request, &credentials, at), Ok(()), "{name}");
        assert_eq!(
            verify(&request, &credentials, at + Duration::from_secs(600)),
            Err(Rejection::Stale),
            "{name}"
        );
    }
}

#[test]
fn the_docs_worked_example_verifies_with_a_date_header_too() {
    // signing-the-request.md: the 18-byte body, Date instead of IVVY-Date.
    let credentials = Credentials::new("key", "my secret key").expect("valid");
    let date = "Tue, 03 Apr 2012 22:23:24 UTC";
    let to_sign = format!(
        "posta09f600c77a6dbd947db24c61e8935caapplication/json{}/api/1.0/test?action=ping1.0",
        date.to_ascii_lowercase()
    );
    let signature = ivvy_iws::hmac_sha1_hex(b"my secret key", to_sign.as_bytes());
    let authorization = format!("IWS key:{signature}");
    let headers = [
        ("Content-Type", b"application/json".as_slice()),
        (
            "Content-MD5",
            b"a09f600c77a6dbd947db24c61e8935ca".as_slice(),
        ),
        ("Date", date.as_bytes()),
        ("X-Api-Authorization", authorization.as_bytes()),
    ];
    let request = SignableRequest {
        method: "POST",
        path_and_query: "/api/1.0/test?action=ping",
        headers: &headers,
        body: br#"{"example":"body"}"#,
    };
    let at = UNIX_EPOCH + Duration::from_secs(1_333_491_804);
    assert_eq!(verify(&request, &credentials, at), Ok(()));
}

/// A signed request, as the server would receive it.
struct Sent {
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Sent {
    fn signed(path: &str, body: &[u8], credentials: &Credentials, at: SystemTime) -> Self {
        let mut headers = vec![("Content-Type".to_string(), b"application/json".to_vec())];
        let borrowed: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let request = SignableRequest {
            method: "POST",
            path_and_query: path,
            headers: &borrowed,
            body,
        };
        let output = sign(&request, credentials, at).expect("signs");
        headers.extend(
            output
                .headers()
                .map(|h| (h.name.to_string(), h.value.as_bytes().to_vec())),
        );
        Self {
            path: path.to_string(),
            headers,
            body: body.to_vec(),
        }
    }

    fn verify(&self, credentials: &Credentials, at: SystemTime) -> Result<(), Rejection> {
        let headers: Vec<(&str, &[u8])> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        verify(
            &SignableRequest {
                method: "POST",
                path_and_query: &self.path,
                headers: &headers,
                body: &self.body,
            },
            credentials,
            at,
        )
    }
}

fn paths() -> impl Strategy<Value = String> {
    ("[a-z]{1,8}", "[a-zA-Z]{1,16}")
        .prop_map(|(ns, action)| format!("/api/1.0/{ns}?action={action}"))
}

/// A different byte at `index` (never the same one).
fn changed(byte: u8, by: u8) -> u8 {
    byte ^ by.max(1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_signed_request_verifies_and_any_change_to_what_is_signed_fails(
        path in paths(),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        key in "[A-Za-z0-9]{1,20}",
        secret in "\\PC{1,24}",
        secs in 0_u64..4_000_000_000,
        index in any::<proptest::sample::Index>(),
        by in any::<u8>(),
    ) {
        let credentials = Credentials::new(key.clone(), secret.clone()).expect("valid");
        let at = UNIX_EPOCH + Duration::from_secs(secs);
        let sent = Sent::signed(&path, &body, &credentials, at);
        prop_assert_eq!(sent.verify(&credentials, at), Ok(()));

        // the body: one byte changed
        if !body.is_empty() {
            let mut tampered = Sent { body: body.clone(), path: path.clone(), headers: sent.headers.clone() };
            let i = index.index(body.len());
            tampered.body[i] = changed(tampered.body[i], by);
            prop_assert!(tampered.verify(&credentials, at).is_err());
        }

        // the path: one byte changed to another that lowercases differently
        // (iVvy signs the lowercased string, so case alone is not a change)
        let i = index.index(path.len());
        let mut bytes = path.clone().into_bytes();
        bytes[i] = changed(bytes[i], by);
        if let Ok(new_path) = String::from_utf8(bytes)
            && !new_path.eq_ignore_ascii_case(&path)
        {
            let tampered = Sent { path: new_path, body: body.clone(), headers: sent.headers.clone() };
            prop_assert!(tampered.verify(&credentials, at).is_err());
        }

        // the date: one digit changed, checked at the changed time so that
        // only the signature can tell
        let mut headers = sent.headers.clone();
        let date = headers.iter_mut().find(|(n, _)| n == "ivvy-date").expect("dated");
        let digits: Vec<usize> = (0..date.1.len()).filter(|&i| date.1[i].is_ascii_digit()).collect();
        let d = digits[index.index(digits.len())];
        date.1[d] = b'0' + (date.1[d] - b'0' + 1 + by % 9) % 10;
        let claimed = std::str::from_utf8(&date.1).ok().and_then(timestamp::parse);
        let tampered = Sent { headers, path: path.clone(), body: body.clone() };
        match claimed {
            Some(then) => prop_assert_eq!(tampered.verify(&credentials, then), Err(Rejection::SignatureMismatch)),
            None => prop_assert_eq!(tampered.verify(&credentials, at), Err(Rejection::BadIvvyDate)),
        }

        // the secret: one character changed
        let chars: Vec<char> = secret.chars().collect();
        let c = index.index(chars.len());
        let mut other: Vec<char> = chars.clone();
        other[c] = if chars[c] == 'x' { 'y' } else { 'x' };
        let wrong = Credentials::new(key, other.into_iter().collect::<String>()).expect("valid");
        prop_assert_eq!(sent.verify(&wrong, at), Err(Rejection::SignatureMismatch));
    }
}
