//! Keeps the fake server faithful to the spec: every operation's example
//! request, signed, gets a 200 whose body fits the spec's reply schema.

use std::sync::Arc;

use ivvy::signing::{Credentials, Signer};
use ivvy_mock::schema::Operations;
use ivvy_mock::{MockConfig, MockServer};
use serde_json::Value;

/// A fake server, the spec's operations, and a signer for the server's key.
async fn setup() -> (MockServer, Operations, Signer) {
    let server = MockServer::start(MockConfig::new())
        .await
        .expect("server starts");
    let operations = Operations::from_spec().expect("spec loads");
    let signer = Signer::new(
        Credentials::new(server.key(), server.secret()).expect("credentials"),
        Arc::new(ivvy::SystemClock),
    );
    (server, operations, signer)
}

/// Sends `body` to `path`, signed, and returns the status and JSON reply.
async fn post_signed(
    server: &MockServer,
    signer: &Signer,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .json(body)
        .build()
        .expect("request builds");
    signer.sign(&mut request).expect("signs");
    let reply = reqwest::Client::new()
        .execute(request)
        .await
        .expect("reply");
    let status = reply.status().as_u16();
    (status, reply.json().await.expect("JSON reply"))
}

#[tokio::test]
async fn every_operation_and_example_in_the_spec_is_served_as_specified() {
    let (server, operations, signer) = setup().await;
    // The listing example reads event 1: give it invitations to page over.
    let client = server.client_builder().build().expect("client");
    client.invite_contacts(1, [1, 2, 3]).await.expect("invites");
    let mut served = Vec::new();
    for op in operations.iter() {
        let example = op
            .request_example
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no request example", op.path));
        let (status, body) = post_signed(&server, &signer, &op.path, example).await;
        assert_eq!(status, 200, "{}", op.path);
        assert_eq!(
            op.reply_errors(&body),
            Vec::<String>::new(),
            "{}: {body}",
            op.path
        );
        if op.action == "getInvitedContactList" {
            assert!(body["meta"]["totalResults"].as_u64() > Some(0), "{body}");
        }
        served.push(op.action.clone());
    }
    served.sort();
    assert_eq!(served, ["getInvitedContactList", "inviteContacts", "ping"]);
}

#[tokio::test]
async fn every_operation_refuses_an_empty_body_in_ivvy_shape() {
    let (server, operations, signer) = setup().await;
    for op in operations.iter().filter(|op| op.action != "ping") {
        let (status, body) = post_signed(&server, &signer, &op.path, &serde_json::json!({})).await;
        assert_eq!(status, 400, "{}", op.path);
        assert_eq!(body["specificCode"], 23017, "{}: {body}", op.path);
    }
}
