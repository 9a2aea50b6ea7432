//! `ivvy invite --people` and `--event-code`, and `ivvy events`, run as a
//! user runs them against the fake server's sample account (250 contacts:
//! contact k has external id CRM-k, every 10th none; email personk@...;
//! contacts 99 and 100 share an email; events LAUNCH26, GALA26, SUMMIT27).

mod common;

use common::{code, input_file, ivvy, json, mock, text};
use ivvy_mock::Faults;

#[tokio::test]
async fn people_are_invited_by_event_code_one_row_each_in_order() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "crm.csv",
        "Email,Owner,externalId,FirstName,LastName,Notes\n\
         ,,CRM-00001,,,by external id\n\
         PERSON2@example.test,,,,,by email\n\
         person99@example.test,,,,,shared with contact 100\n\
         new@example.test,,NEW-1,New,Person,not in the account\n\
         nameless@example.test,,,,,cannot be added\n\
         ,,CRM-00001,,,a repeat\n",
    );
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event-code",
            "launch26",
            "--people",
            &file,
            "--create-missing",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    let rows = json(&output)["results"].as_array().expect("rows").clone();
    assert_eq!(json(&output)["event"], 1);
    let summary: Vec<(serde_json::Value, serde_json::Value, bool, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["externalId"].clone(),
                r["contact"].clone(),
                r["created"].as_bool().expect("created"),
                r["status"].as_str().expect("status"),
            )
        })
        .collect();
    let new_id = rows[3]["contact"].clone();
    assert!(new_id.is_u64(), "{}", rows[3]);
    assert_eq!(
        summary,
        [
            ("CRM-00001".into(), 1.into(), false, "invited"),
            (serde_json::Value::Null, 2.into(), false, "invited"),
            (
                serde_json::Value::Null,
                serde_json::Value::Null,
                false,
                "ambiguous"
            ),
            ("NEW-1".into(), new_id.clone(), true, "added_and_invited"),
            (
                serde_json::Value::Null,
                serde_json::Value::Null,
                false,
                "cannot_add"
            ),
            ("CRM-00001".into(), 1.into(), false, "invited"),
        ]
    );
    assert_eq!(rows[2]["reason"], "several_match");
    assert_eq!(rows[2]["candidates"], "115 116");
    assert_eq!(rows[4]["reason"], "missing_fields");
    assert!(rows[0]["inviteLinkYes"].is_string());
    assert_eq!(rows[1]["email"], "PERSON2@example.test");
    let ambiguous = rows[2]["error"].as_str().expect("a reason");
    // Contacts 99 and 100 have ids 115 and 116 (multiples of 7 are skipped).
    assert!(
        ambiguous.contains("ambiguous") && ambiguous.contains("115, 116"),
        "{ambiguous}"
    );
    assert!(
        rows[4]["error"]
            .as_str()
            .expect("a reason")
            .contains("first and a last name")
    );
    // Each contact invited once; the repeat is the same invitation.
    assert_eq!(server.max_invite_count(), 1);
    assert_eq!(server.invitations(1).len(), 3);
    assert_eq!(server.created_count(), 1);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("summary: 6 people: 4 invited (1 added"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ambiguous: person99@example.test"),
        "{stderr}"
    );

    // Again: found now, nobody added or invited twice, the same contact.
    let again = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "1",
            "--people",
            &file,
            "--create-missing",
            "--output",
            "csv",
        ],
        None,
    )
    .await;
    assert_eq!(code(&again), 3, "{}", text(&again.stderr));
    let csv = text(&again.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "externalId,email,contact,created,status,reason,candidates,inviteLinkYes,inviteLinkNo,error,note"
        )
    );
    assert!(
        lines.nth(3).is_some_and(|l| l.starts_with(&format!(
            "NEW-1,new@example.test,{new_id},false,already_invited,,,"
        ))),
        "{csv}"
    );
    assert_eq!(server.created_count(), 1);
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn a_dry_run_finds_people_but_adds_and_invites_nobody() {
    let server = mock(Faults::default()).await;
    let file = input_file(
        "dry.csv",
        "externalId,email,firstName,lastName\nCRM-00001,,,\nNEW-1,new@example.test,New,One\nNEW-2,,,\n",
    );
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "1",
            "--people",
            &file,
            "--create-missing",
            "--dry-run",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "3 rows, 3 people: 1 found, 0 ambiguous, 1 to add and invite, 1 cannot be added"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("2 to send"), "{stderr}");
    assert_eq!(server.created_count(), 0);
    assert_eq!(server.request_count_of("event", "inviteContacts"), 0);
}

#[tokio::test]
async fn bad_people_files_and_unknown_codes_exit_2_before_any_invite() {
    let server = mock(Faults::default()).await;
    let cases = [
        ("empty.csv", "", "is empty"),
        ("header-only.csv", "externalId,email\n", "no people in it"),
        ("no-header.csv", "ann@x.test,Ann\n", ":1: no header row"),
        (
            "no-column.csv",
            "name,phone\nAnn,1\n",
            ":1: no usable column",
        ),
        (
            "no-id.csv",
            "email,firstName\nann@x.test,Ann\n,Bo\n",
            ":3: the row has neither",
        ),
        (
            "bad-email.csv",
            "email\nann@x.test\nbo at x\n",
            ":3: \"bo at x\" is not an email address",
        ),
    ];
    for (name, body, message) in cases {
        let file = input_file(name, body);
        let output = ivvy(
            Some(&server),
            &["invite", "--event-code", "LAUNCH26", "--people", &file],
            None,
        )
        .await;
        assert_eq!(code(&output), 2, "{name}: {}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains(message),
            "{name}: {}",
            text(&output.stderr)
        );
    }
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "1",
            "--contacts",
            "1",
            "--create-missing",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 2, "{}", text(&output.stderr));
    assert_eq!(server.request_count(), 0, "bad files reach no server");

    let file = input_file("ok.csv", "externalId\nCRM-00001\n");
    let output = ivvy(
        Some(&server),
        &["invite", "--event-code", "NOPE", "--people", &file],
        None,
    )
    .await;
    assert_eq!(code(&output), 2, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("no event has the code \"NOPE\""),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(server.request_count_of("event", "inviteContacts"), 0);
    assert_eq!(server.request_count_of("contact", "getContactList"), 0);
}

#[tokio::test]
async fn events_are_listed_in_every_format() {
    let server = mock(Faults::default()).await;
    let output = ivvy(Some(&server), &["events", "--output", "csv"], None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "id,code,title,startDateTime,endDateTime,currentStatus\n\
         1,LAUNCH26,Product launch,2026-12-01 09:00:00 UTC,2026-12-01 17:00:00 UTC,3\n\
         2,GALA26,Winter gala,2026-12-12 09:00:00 UTC,2026-12-12 17:00:00 UTC,3\n\
         3,SUMMIT27,Partner summit,2027-03-04 09:00:00 UTC,2027-03-04 17:00:00 UTC,0\n"
    );
    let output = ivvy(
        Some(&server),
        &["events", "--code", "gala26", "--output", "json"],
        None,
    )
    .await;
    let results = json(&output)["results"].clone();
    assert_eq!(results.as_array().map(Vec::len), Some(1), "{results}");
    assert_eq!(results[0]["id"], 2);
    let output = ivvy(Some(&server), &["events", "--output", "table"], None).await;
    let table = text(&output.stdout);
    assert!(table.starts_with("ID          CODE"), "{table}");
    assert!(
        table.contains("SUMMIT27") && table.contains("Partner summit"),
        "{table}"
    );
    let output = ivvy(Some(&server), &["events", "--output", "ndjson"], None).await;
    assert_eq!(text(&output.stdout).lines().count(), 3);
}
