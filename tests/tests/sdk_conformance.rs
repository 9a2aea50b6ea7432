//! The fake server accepts what iVvy accepts: every request iVvy's official
//! JavaScript SDK made (with a frozen clock) is replayed byte for byte
//! against a fake server whose clock and credentials are the vector's.

use std::sync::Arc;

use ivvy_iws::ManualClock;
use ivvy_mock::schema::Operations;
use ivvy_mock::{MockConfig, MockServer};
use ivvy_tests::post_raw;
use serde_json::Value;

/// The SDK's requests, as kept beside the signing crate's own tests.
const VECTORS: &str = include_str!("../../crates/ivvy-iws/tests/data/signing-vectors.json");

fn text<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector {} has no {field}", vector["name"]))
}

#[tokio::test]
async fn every_sdk_request_is_accepted_at_its_time() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("JSON");
    assert_eq!(vectors.len(), 9);
    let operations = Operations::from_spec().expect("spec loads");
    let mut outcomes = Vec::new();
    for vector in &vectors {
        let name = text(vector, "name");
        let time = text(vector, "time").replace('T', " ");
        let at = ivvy_iws::timestamp::parse(&time).expect("a time");
        let server = MockServer::start(
            MockConfig::new()
                .clock(Arc::new(ManualClock::new(at)))
                .credentials(text(vector, "key"), text(vector, "secret")),
        )
        .await
        .expect("server starts");
        let url = text(vector, "url");
        let path = &url[url.find("/api/").expect("an API url")..];
        let headers: Vec<(&str, &str)> = vector["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str().expect("text")))
            .collect();
        let reply = post_raw(
            server.base_url(),
            path,
            &headers,
            text(vector, "body").as_bytes(),
        )
        .await;

        let (namespace, action) = (text(vector, "namespace"), text(vector, "action"));
        match operations.get(namespace, action) {
            Some(op) => {
                assert_eq!(reply.status, 200, "{name}: {}", reply.body);
                assert_eq!(op.reply_errors(&reply.body), Vec::<String>::new(), "{name}");
            }
            None => {
                // Not in the spec yet: a clear 404 naming the call.
                assert_eq!(reply.status, 404, "{name}: {}", reply.body);
                let message = reply.body["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains(&format!("{namespace}?action={action}")),
                    "{name}: {message}"
                );
            }
        }
        outcomes.push((name.to_string(), reply.status));
    }
    let served = outcomes.iter().filter(|(_, status)| *status == 200).count();
    // All nine, the SDK's own batch run among them.
    assert_eq!(served, 9, "{outcomes:?}");
}
