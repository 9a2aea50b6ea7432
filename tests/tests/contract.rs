//! Keeps the fake server faithful to the spec: every operation's example
//! request, signed, gets a 200 whose body fits the spec's reply schema, and
//! what the spec leaves optional may be left out.

use ivvy_iws::{Clock, Credentials, SystemClock};
use ivvy_mock::schema::Operations;
use ivvy_mock::{MockConfig, MockServer};
use ivvy_tests::{Reply, post_signed};

/// A fake server, the spec's operations, and the server's credentials.
async fn setup() -> (MockServer, Operations, Credentials) {
    let server = MockServer::start(MockConfig::new())
        .await
        .expect("server starts");
    let operations = Operations::from_spec().expect("spec loads");
    let credentials = Credentials::new(server.key(), server.secret()).expect("credentials");
    (server, operations, credentials)
}

async fn post(server: &MockServer, credentials: &Credentials, path: &str, body: &[u8]) -> Reply {
    post_signed(
        server.base_url(),
        path,
        body,
        credentials,
        SystemClock.now(),
    )
    .await
}

#[tokio::test]
async fn every_operation_and_example_in_the_spec_is_served_as_specified() {
    let (server, operations, credentials) = setup().await;
    // The listing example reads event 1: give it invitations to page over.
    let client = server.client_builder().build().expect("client");
    client.invite_contacts(1, [1, 2, 3]).await.expect("invites");
    // The batch examples name a batch: the run example's own, once run.
    let run = operations
        .iter()
        .find(|op| op.action == "run")
        .expect("batch run");
    let queued = post(
        &server,
        &credentials,
        &run.path,
        run.request_example
            .as_ref()
            .expect("example")
            .to_string()
            .as_bytes(),
    )
    .await;
    let async_id = queued.body["asyncId"].clone();
    assert!(async_id.is_string(), "{}", queued.body);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut served = Vec::new();
    for op in operations.iter() {
        let mut example = op
            .request_example
            .clone()
            .unwrap_or_else(|| panic!("{} has no request example", op.path));
        if example.get("async").is_some() {
            example["async"] = async_id.clone();
        }
        let reply = post(
            &server,
            &credentials,
            &op.path,
            example.to_string().as_bytes(),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", op.path);
        assert_eq!(
            op.reply_errors(&reply.body),
            Vec::<String>::new(),
            "{}: {}",
            op.path,
            reply.body
        );
        if op.action == "getInvitedContactList" {
            assert!(
                reply.body["meta"]["totalResults"].as_u64() > Some(0),
                "{}",
                reply.body
            );
        }
        served.push(op.action.clone());
    }
    served.sort();
    assert_eq!(
        served,
        [
            "addOrUpdateContact",
            "getContactList",
            "getEvent",
            "getEventList",
            "getInvitedContactList",
            "inviteContacts",
            "ping",
            "progress",
            "results",
            "run"
        ]
    );
}

#[tokio::test]
async fn an_empty_body_reads_as_an_empty_object() {
    let (server, operations, credentials) = setup().await;
    for op in operations.iter() {
        let empty = post(&server, &credentials, &op.path, b"").await;
        let object = post(&server, &credentials, &op.path, b"{}").await;
        assert_eq!(empty.status, object.status, "{}", op.path);
        // These three have no required field.
        if ["ping", "getContactList", "getEventList"].contains(&op.action.as_str()) {
            assert_eq!(empty.status, 200, "{}: {}", op.path, empty.body);
        } else if op.action == "run" {
            // The batch page's own code for a run without jobs.
            assert_eq!(empty.body["specificCode"], 24093, "{}", empty.body);
        } else {
            // Each has a required field, named in iVvy's missing-field error.
            assert_eq!(empty.status, 400, "{}", op.path);
            assert_eq!(
                empty.body["specificCode"], 23017,
                "{}: {}",
                op.path, empty.body
            );
            assert_eq!(empty.body["message"], object.body["message"], "{}", op.path);
        }
    }
}

#[tokio::test]
async fn paging_fields_default_to_the_first_page_at_the_cap() {
    let (server, _, credentials) = setup().await;
    let client = server.client_builder().build().expect("client");
    let contacts: Vec<i64> = (1..=150).collect();
    client.invite_contacts(5, contacts).await.expect("invites");
    let path = "/api/1.0/event?action=getInvitedContactList";
    let reply = post(&server, &credentials, path, br#"{"eventId":5}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let existing = (1..=150).filter(|c| c % 7 != 0).count();
    assert_eq!(reply.body["meta"]["totalResults"], existing);
    assert_eq!(reply.body["meta"]["start"], 0);
    assert_eq!(
        reply.body["meta"]["perPage"],
        ivvy_mock::state::MAX_PER_PAGE
    );
    assert_eq!(reply.body["results"].as_array().map(Vec::len), Some(100));
    assert_eq!(reply.body["results"][0]["contactId"], 1);
}

#[tokio::test]
async fn filters_take_ivvy_modifiers_and_refuse_unknown_fields() {
    let (server, _, credentials) = setup().await;
    let client = server.client_builder().build().expect("client");
    client.invite_contacts(6, [1, 2, 3]).await.expect("invites");
    assert!(server.set_answer(6, 2, ivvy_mock::state::Answer::Yes));
    let path = "/api/1.0/event?action=getInvitedContactList";
    let reply = post(
        &server,
        &credentials,
        path,
        br#"{"eventId":6,"filter":{"response__NOT":"Y"}}"#,
    )
    .await;
    let ids: Vec<u64> = reply.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["contactId"].as_u64())
        .collect();
    assert_eq!(ids, [1, 3], "{}", reply.body);
    let reply = post(
        &server,
        &credentials,
        path,
        br#"{"eventId":6,"filter":{"shoeSize":"9"}}"#,
    )
    .await;
    assert_eq!(
        (reply.status, reply.body["specificCode"].clone()),
        (400, 23016.into()),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn ids_past_i64_are_refused_and_repeats_are_invited_and_counted() {
    let (server, _, credentials) = setup().await;
    let path = "/api/1.0/event?action=inviteContacts";
    let reply = post(
        &server,
        &credentials,
        path,
        br#"{"event":4,"contacts":[9223372036854775808]}"#,
    )
    .await;
    assert_eq!(
        (reply.status, reply.body["specificCode"].clone()),
        (400, 23016.into()),
        "{}",
        reply.body
    );
    let reply = post(&server, &credentials, path, br#"{"event":4,"contacts":[]}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["results"], serde_json::json!([]));
    let reply = post(
        &server,
        &credentials,
        path,
        br#"{"event":4,"contacts":[2,2]}"#,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        server.invite_count(4, 2),
        2,
        "a repeat in one call is a second invitation"
    );
}

#[tokio::test]
async fn contacts_are_added_only_with_names_and_a_valid_email_and_listed_by_filter() {
    let (server, _, credentials) = setup().await;
    let add = "/api/1.0/contact?action=addOrUpdateContact";
    let list = "/api/1.0/contact?action=getContactList";
    let missing = post(
        &server,
        &credentials,
        add,
        br#"{"firstName":"Ann","lastName":"Lee"}"#,
    )
    .await;
    assert_eq!(
        (missing.status, missing.body["specificCode"].clone()),
        (400, 23017.into()),
        "{}",
        missing.body
    );
    assert!(
        missing.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("email"),
        "{}",
        missing.body
    );
    let bad = post(
        &server,
        &credentials,
        add,
        br#"{"firstName":"Ann","lastName":"Lee","email":"ann at example"}"#,
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["specificCode"].clone()),
        (400, 23016.into()),
        "{}",
        bad.body
    );
    assert_eq!(server.created_count(), 0);

    let added = post(
        &server,
        &credentials,
        add,
        br#"{"firstName":"Ann","lastName":"Lee","email":"Ann@Example.com","externalId":"X-1"}"#,
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let id = added.body["id"].as_u64().expect("an id");
    assert_eq!(server.created_count(), 1);
    // Emails are compared without regard to case.
    let found = post(
        &server,
        &credentials,
        list,
        br#"{"filter":{"email":"ann@example.COM"}}"#,
    )
    .await;
    assert_eq!(found.body["meta"]["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["results"][0]["id"], id);
    assert_eq!(found.body["results"][0]["externalId"], "X-1");

    // An update changes the given fields and adds nobody.
    let body = format!(r#"{{"id":{id},"lastName":"Lee-Smith"}}"#);
    let updated = post(&server, &credentials, add, body.as_bytes()).await;
    assert_eq!(updated.body["id"], id, "{}", updated.body);
    assert_eq!(server.created_count(), 1);
    let by_ext = post(
        &server,
        &credentials,
        list,
        br#"{"filter":{"externalId":"X-1"}}"#,
    )
    .await;
    assert_eq!(by_ext.body["results"][0]["lastName"], "Lee-Smith");
    let unknown = post(&server, &credentials, add, br#"{"id":999999999}"#).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[tokio::test]
async fn events_are_listed_by_code_and_read_by_id() {
    let (server, _, credentials) = setup().await;
    let list = "/api/1.0/event?action=getEventList";
    let get = "/api/1.0/event?action=getEvent";
    let found = post(
        &server,
        &credentials,
        list,
        br#"{"filter":{"code":"gala26"}}"#,
    )
    .await;
    assert_eq!(found.body["meta"]["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["results"][0]["id"], 2);
    let all = post(&server, &credentials, list, b"{}").await;
    assert_eq!(all.body["meta"]["totalResults"], 3, "{}", all.body);
    let one = post(&server, &credentials, get, br#"{"id":3}"#).await;
    assert_eq!(one.body["code"], "SUMMIT27", "{}", one.body);
    let unknown = post(&server, &credentials, get, br#"{"id":1000000001}"#).await;
    assert_eq!(
        (unknown.status, unknown.body["specificCode"].clone()),
        (404, 24097.into()),
        "{}",
        unknown.body
    );
}
