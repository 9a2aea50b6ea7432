//! Snapshots of the generated shapes: one per operation and shape, named
//! after the operationId. A spec change shows up here as a reviewable diff.

use ivvy_api::types;
use ivvy_tests::{DOCS_INVITE_REPLY_CORRECTED, DOCS_INVITED_LIST_REPLY, FixedServer};
use schemars::schema_for;

#[test]
fn ping_schemas() {
    insta::assert_json_snapshot!("ping_request_schema", schema_for!(types::PingRequest));
    insta::assert_json_snapshot!("ping_reply_schema", schema_for!(types::PingReply));
}

#[test]
fn invite_contacts_schemas() {
    insta::assert_json_snapshot!(
        "inviteContacts_request_schema",
        schema_for!(types::InviteContactsRequest)
    );
    insta::assert_json_snapshot!(
        "inviteContacts_reply_schema",
        schema_for!(types::InviteContactsReply)
    );
}

#[test]
fn get_invited_contact_list_schemas() {
    insta::assert_json_snapshot!(
        "getInvitedContactList_request_schema",
        schema_for!(types::GetInvitedContactListRequest)
    );
    insta::assert_json_snapshot!(
        "getInvitedContactList_reply_schema",
        schema_for!(types::GetInvitedContactListReply)
    );
}

#[test]
fn api_error_schema() {
    insta::assert_json_snapshot!("ApiError_schema", schema_for!(types::ApiError));
}

#[test]
fn invite_contacts_docs_example_request_body() {
    let body = types::InviteContactsRequest {
        event: 4.try_into().expect("non-zero"),
        contacts: [1, 2, 3]
            .map(|c: u64| c.try_into().expect("non-zero"))
            .to_vec(),
    };
    // The exact bytes that are hashed and signed.
    insta::assert_snapshot!(
        "inviteContacts_request_body",
        serde_json::to_string(&body).expect("serializes")
    );
}

#[test]
fn invite_contacts_docs_sample_reply_decodes() {
    let reply: types::InviteContactsReply =
        serde_json::from_str(DOCS_INVITE_REPLY_CORRECTED).expect("the corrected sample decodes");
    insta::assert_debug_snapshot!("inviteContacts_reply_decoded", reply);
}

#[test]
fn get_invited_contact_list_docs_sample_reply_decodes() {
    let reply: types::GetInvitedContactListReply =
        serde_json::from_str(DOCS_INVITED_LIST_REPLY).expect("the sample decodes");
    insta::assert_debug_snapshot!("getInvitedContactList_reply_decoded", reply);
}

#[test]
fn replies_tolerate_new_fields() {
    let reply: types::InviteContactsReply = serde_json::from_str(
        r#"{"results":[{"contact":1,"status":false,"note":"new"}],"extra":1}"#,
    )
    .expect("unknown fields are ignored");
    assert_eq!(reply.results.len(), 1);
}

/// The whole signed request as it reaches the server, with a fixed clock
/// and the test credentials, so the signature is stable.
#[tokio::test]
async fn invite_contacts_signed_wire_request() {
    let server = FixedServer::start(200, "application/json", DOCS_INVITE_REPLY_CORRECTED).await;
    let invited = server
        .client()
        .invite_contacts(4, [1, 2, 3])
        .await
        .expect("invites");
    assert_eq!(invited.len(), 3);

    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("expected one request, got {}", requests.len());
    };
    let host = format!("127.0.0.1:{}", server.port());
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if name == "host" {
                value.replace(&host, "127.0.0.1:[port]")
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect();
    headers.sort();
    insta::assert_json_snapshot!(
        "inviteContacts_signed_request",
        serde_json::json!({
            "method": request.method,
            "path_and_query": request.path_and_query,
            "headers": headers,
            "body": request.body,
        })
    );
}

#[test]
fn contact_and_event_schemas() {
    insta::assert_json_snapshot!(
        "getContactList_request_schema",
        schema_for!(types::GetContactListRequest)
    );
    insta::assert_json_snapshot!(
        "getContactList_reply_schema",
        schema_for!(types::GetContactListReply)
    );
    insta::assert_json_snapshot!(
        "addOrUpdateContact_request_schema",
        schema_for!(types::AddOrUpdateContactRequest)
    );
    insta::assert_json_snapshot!(
        "addOrUpdateContact_reply_schema",
        schema_for!(types::AddOrUpdateContactReply)
    );
    insta::assert_json_snapshot!(
        "getEventList_request_schema",
        schema_for!(types::GetEventListRequest)
    );
    insta::assert_json_snapshot!(
        "getEventList_reply_schema",
        schema_for!(types::GetEventListReply)
    );
    insta::assert_json_snapshot!(
        "getEvent_request_schema",
        schema_for!(types::GetEventRequest)
    );
    insta::assert_json_snapshot!("getEvent_reply_schema", schema_for!(types::Event));
}

/// A fixed server answering with the spec's reply example for `action`.
async fn serving_example(action: &str) -> FixedServer {
    let operations = ivvy_mock::schema::Operations::from_spec().expect("spec loads");
    let op = operations
        .iter()
        .find(|op| op.action == action)
        .unwrap_or_else(|| panic!("{action} is in the spec"));
    let example = op.reply_example.clone().expect("a reply example");
    FixedServer::start(200, "application/json", example.to_string()).await
}

/// The one request the library sent: path and body, as they went.
fn sent(server: &FixedServer) -> serde_json::Value {
    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("expected one request, got {}", requests.len());
    };
    serde_json::json!({ "path_and_query": request.path_and_query, "body": request.body })
}

/// Each new call as the library sends it, and the spec's reply example as
/// the library reads it.
#[tokio::test]
async fn contact_and_event_calls_on_the_wire() {
    use futures::TryStreamExt;

    let server = serving_example("getContactList").await;
    let contacts: Vec<ivvy::Contact> = server
        .client()
        .contacts(ivvy::Filter::new().field("externalId", "CRM-00001"))
        .try_collect()
        .await
        .expect("lists");
    insta::assert_json_snapshot!("getContactList_request", sent(&server));
    insta::assert_debug_snapshot!("getContactList_reply_decoded", contacts);

    let server = serving_example("addOrUpdateContact").await;
    let id = server
        .client()
        .add_contact(
            &ivvy::NewContact::new("Bobby", "Smith", "bobbysmith@example.com").external_id("12345"),
        )
        .await
        .expect("adds");
    insta::assert_json_snapshot!("addOrUpdateContact_request", sent(&server));
    assert_eq!(id.get(), 33884);

    let server = serving_example("getEventList").await;
    let events: Vec<ivvy::Event> = server
        .client()
        .events(ivvy::Filter::new().field("code", "LAUNCH26"))
        .try_collect()
        .await
        .expect("lists");
    insta::assert_json_snapshot!("getEventList_request", sent(&server));
    insta::assert_debug_snapshot!("getEventList_reply_decoded", events);

    let server = serving_example("getEvent").await;
    let event = server.client().event(1).await.expect("reads");
    insta::assert_json_snapshot!("getEvent_request", sent(&server));
    insta::assert_debug_snapshot!("getEvent_reply_decoded", event);
}

/// Replies in the shapes real iVvy may send (ids as strings, text as
/// numbers, an answer letter the spec does not list, nulls, a row that is
/// not the listing's type): each decodes, row by row.
#[test]
fn lenient_reply_shapes_decode() {
    let invited: types::GetInvitedContactListReply = serde_json::from_str(
        r#"{"meta":{"totalResults":"3","start":null},"results":[
            {"eventId":"1","contactId":"17","firstName":null,"phone":61400000017,"response":"m","registrationId":null,"modifiedDate":null},
            {"eventId":1,"contactId":{"unexpected":true}}]}"#,
    )
    .expect("decodes");
    insta::assert_debug_snapshot!("getInvitedContactList_lenient_reply", invited);
    let contacts: types::GetContactListReply = serde_json::from_str(
        r#"{"meta":{"totalResults":2},"results":[
            {"id":"5","externalId":12,"email":null,"phone":"+61 400 000005"},
            {"externalId":"CRM-9"}]}"#,
    )
    .expect("decodes");
    insta::assert_debug_snapshot!("getContactList_lenient_reply", contacts);
}
