//! Every report type written with serde and read back is the report
//! written, for rows of every status; the status words are the documented
//! codes.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use ivvy::{
    BulkOptions, BulkReport, BulkSummary, HighWaterMark, InviteStatus, InvitedContact,
    PeopleCounts, PeopleOptions, Person, PersonAnswer, PersonInvitation, Resolution,
};
use ivvy_mock::{Faults, MockConfig, MockServer};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Writes `value`, reads it back, and checks the reading writes the same.
fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> Value {
    let json = serde_json::to_value(value).expect("serializes");
    let back: T = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("does not read back ({e}): {json}"));
    assert_eq!(serde_json::to_value(&back).expect("serializes"), json);
    json
}

async fn server() -> MockServer {
    MockServer::start(MockConfig::new().faults(Faults::new()))
        .await
        .expect("server starts")
}

#[tokio::test]
async fn reports_of_every_status_read_back_as_written() {
    let server = server().await;
    let client = server.client_builder().build().expect("client");
    server.seed_invitations(1, [3]);
    let people = vec![
        Person::by_external_id("CRM-00001"),              // invited
        Person::by_email("person2@example.test"),         // invited
        Person::by_external_id("CRM-00003"),              // already invited
        Person::by_email("person99@example.test"),        // ambiguous
        Person::by_email("nobody@example.test"),          // cannot add: no names
        Person::by_email("not an email").named("A", "B"), // cannot add: bad email
        Person::by_email("ann@example.test").named("Ann", "Lee"), // added and invited
        Person::default(),                                // no identity
    ];
    let options = PeopleOptions::new()
        .create_missing(true)
        .bulk(BulkOptions::for_tests());
    let report = client
        .invite_people(1, people.clone(), &options)
        .await
        .expect("runs");
    let json = round_trip(&report);
    let statuses: Vec<&str> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "invited",
            "invited",
            "already_invited",
            "ambiguous",
            "cannot_add",
            "cannot_add",
            "added_and_invited",
            "no_identity"
        ]
    );
    let reasons: Vec<Option<&str>> = report.rows.iter().map(PersonInvitation::reason).collect();
    assert_eq!(
        reasons,
        [
            None,
            None,
            Some("links_unknown"),
            Some("several_match"),
            Some("missing_fields"),
            Some("bad_email"),
            None,
            Some("no_external_id_or_email")
        ]
    );
    assert_eq!(json["rows"][3]["candidates"], serde_json::json!([115, 116]));
    assert_eq!(json["rows"][6]["created"], true);
    for row in &report.rows {
        round_trip(&row.resolution);
        if let Some(outcome) = &row.outcome {
            round_trip(outcome);
        }
    }

    // Not found (nobody is added), and not sent (cancelled first).
    let lookups = client
        .resolve_people(people[4..5].to_vec(), &PeopleOptions::new())
        .await
        .expect("runs");
    assert!(matches!(lookups[0], Resolution::NotFound));
    round_trip(&lookups[0]);
    let cancel = ivvy::CancellationToken::new();
    cancel.cancel();
    let stopped = client
        .invite_people(
            1,
            people[..2].to_vec(),
            &PeopleOptions::new().bulk(BulkOptions::for_tests().cancel_on(cancel)),
        )
        .await
        .expect("runs");
    let json = round_trip(&stopped);
    assert_eq!(json["rows"][0]["status"], "not_sent");
    assert_eq!(json["rows"][0]["reason"], "cancelled");

    // Contacts: invited, already invited, not invited (no such contact).
    let bulk: BulkReport = client
        .invite_many(2, [1_i64, 7, 3], &BulkOptions::for_tests())
        .await
        .expect("runs");
    let json = round_trip(&bulk);
    let statuses: Vec<&str> = json["invitations"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["invited", "not_invited", "invited"]);
    let mut summary = BulkSummary::default();
    summary.invited = 2;
    round_trip(&summary);
    let plan = client
        .plan_people(1, people, &PeopleOptions::new())
        .await
        .expect("plans");
    let counts: PeopleCounts = plan.counts();
    round_trip(&counts);

    // Answers and invitations, and the mark built from them.
    let answers: Vec<PersonAnswer> = client
        .answers(
            1,
            report.rows.iter().map(|r| r.person.clone()),
            &PeopleOptions::new(),
        )
        .try_collect()
        .await
        .expect("reads");
    round_trip(&answers);
    let invited: Vec<InvitedContact> = client
        .invited_contacts(1, None)
        .try_collect()
        .await
        .expect("reads");
    round_trip(&invited);
    let mut mark = HighWaterMark::new();
    for row in &invited {
        mark.observe(row);
    }
    round_trip(&mark);
}

#[test]
fn failed_and_unknown_rows_keep_their_error_code_and_message() {
    for row in [
        r#"{"externalId":"CRM-1","email":null,"firstName":null,"lastName":null,"contact":4,"status":"failed","reason":"timeout","error":"iVvy did not reply in time","note":"iVvy did not reply in time"}"#,
        r#"{"externalId":"CRM-1","email":null,"firstName":null,"lastName":null,"contact":4,"status":"unknown","reason":"api","error":"HTTP 500","note":"outcome unknown: HTTP 500"}"#,
        r#"{"externalId":"CRM-1","email":null,"firstName":null,"lastName":null,"status":"failed","reason":"connect","error":"refused","note":"refused"}"#,
        r#"{"externalId":"CRM-1","email":null,"firstName":null,"lastName":null,"contact":4,"status":"not_sent","reason":"stopped","note":"not invited: the run stopped before inviting"}"#,
    ] {
        let read: PersonInvitation = serde_json::from_str(row).expect("reads");
        let json: Value = serde_json::from_str(row).expect("json");
        assert_eq!(round_trip(&read), json);
        assert_eq!(
            read.status().code(),
            json["status"].as_str().expect("status")
        );
        assert_eq!(read.reason(), json["reason"].as_str());
    }
    let refused = [
        r#"{"status":"cannot_add","reason":"no such reason"}"#,
        r#"{"status":"invited"}"#,
        r#"{"status":"flying","contact":1}"#,
    ];
    for row in refused {
        assert!(
            serde_json::from_str::<PersonInvitation>(row).is_err(),
            "{row}"
        );
    }
}

#[test]
fn every_status_is_a_documented_code() {
    let codes: BTreeSet<&str> = [
        InviteStatus::Invited,
        InviteStatus::AlreadyInvited,
        InviteStatus::AddedAndInvited,
        InviteStatus::NotInvited,
        InviteStatus::NotFound,
        InviteStatus::Ambiguous,
        InviteStatus::CannotAdd,
        InviteStatus::NoIdentity,
        InviteStatus::Failed,
        InviteStatus::Unknown,
        InviteStatus::NotSent,
    ]
    .into_iter()
    .map(InviteStatus::code)
    .collect();
    assert_eq!(codes.len(), 11);
    for code in codes {
        let status = InviteStatus::from_code(code).expect("reads");
        assert_eq!(serde_json::to_value(status).expect("writes"), code);
    }
}
