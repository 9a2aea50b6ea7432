//! Answers back to the CRM: `ivvy invited --people` (each person of an
//! export with their answer, in file order) and `--since` (only what
//! changed), against the fake server.

mod common;

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::Duration;

use common::{SECRET, code, finish, input_file, ivvy, json, spawn_ivvy, state_home, text};
use ivvy::{Clock, ManualClock};
use ivvy_mock::state::Answer;
use ivvy_mock::{Account, Faults, MockConfig, MockServer};
use serde_json::Value;

async fn server_with(
    account: Account,
    faults: Faults,
    clock: Option<Arc<ManualClock>>,
) -> MockServer {
    let mut config = MockConfig::new()
        .credentials("cli-key", SECRET)
        .account(account)
        .faults(faults);
    if let Some(clock) = clock {
        config = config.clock(clock);
    }
    MockServer::start(config).await.expect("server starts")
}

/// What a row of the export should come back as.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    status: &'static str,
    contact: Option<u64>,
    response: Option<&'static str>,
}

fn ndjson(stdout: &[u8]) -> Vec<Value> {
    text(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[tokio::test]
async fn an_export_of_2000_gets_each_persons_answer_in_file_order_within_the_bound() {
    const EVENT: u64 = 4;
    let server = server_with(Account::generated(2_400), Faults::default(), None).await;
    let contacts = server.account().contacts().to_vec();
    let mut lines = vec!["External ID,Email Address".to_string()];
    let mut expected = Vec::new();
    let mut to_invite = Vec::new();
    // 1,500 by external id and 216 by email alone (every 10th contact has
    // no external id; those whose email is their own), all invited.
    let by_external: Vec<_> = contacts
        .iter()
        .filter(|c| c.external_id.is_some())
        .collect();
    for c in &by_external[..1_500] {
        lines.push(format!("{},", c.external_id.as_deref().expect("id")));
        to_invite.push(c.id);
        expected.push(Expected {
            status: "invited",
            contact: Some(c.id),
            response: None,
        });
    }
    let shared = |email: &str| {
        contacts
            .iter()
            .filter(|o| o.email.eq_ignore_ascii_case(email))
            .count()
            > 1
    };
    let by_email: Vec<_> = contacts
        .iter()
        .filter(|c| c.external_id.is_none() && !shared(&c.email))
        .collect();
    assert_eq!(by_email.len(), 216);
    for (i, c) in by_email.iter().enumerate() {
        // Some in another case: emails are matched without regard to it.
        let email = if i % 2 == 0 {
            c.email.to_uppercase()
        } else {
            c.email.clone()
        };
        lines.push(format!(",{email}"));
        to_invite.push(c.id);
        expected.push(Expected {
            status: "invited",
            contact: Some(c.id),
            response: None,
        });
    }
    for i in 0..100 {
        lines.push(if i % 2 == 0 {
            format!("NOPE-{i},")
        } else {
            format!(",nobody{i}@example.test")
        });
        expected.push(Expected {
            status: "not_found",
            contact: None,
            response: None,
        });
    }
    // Every shared email, twice: ambiguous, never guessed.
    let mut pairs: Vec<String> = contacts
        .iter()
        .filter(|c| shared(&c.email))
        .map(|c| c.email.to_lowercase())
        .collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), 24);
    for email in pairs.iter().chain(&pairs) {
        lines.push(format!(",{email}"));
        expected.push(Expected {
            status: "ambiguous",
            contact: None,
            response: None,
        });
    }
    for c in &by_external[1_500..1_636] {
        lines.push(format!("{},", c.external_id.as_deref().expect("id")));
        expected.push(Expected {
            status: "not_invited",
            contact: Some(c.id),
            response: None,
        });
    }
    assert_eq!(expected.len(), 2_000);

    // Invite, then answer through the invitation links: every 3rd yes,
    // the next no, the rest left undecided.
    let ids = input_file(
        "answers-ids.txt",
        to_invite
            .iter()
            .map(|c| format!("{c}\n"))
            .collect::<String>(),
    );
    let event = EVENT.to_string();
    let invited = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            &event,
            "--contacts-file",
            &ids,
            "--no-journal",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&invited), 0, "{}", text(&invited.stderr));
    let links: std::collections::HashMap<u64, (String, String)> = json(&invited)["results"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["contact"].as_u64().expect("id"),
                (
                    r["inviteLinkYes"].as_str().expect("yes").to_string(),
                    r["inviteLinkNo"].as_str().expect("no").to_string(),
                ),
            )
        })
        .collect();
    let http = ivvy::http_client_builder()
        .expect("tls")
        .build()
        .expect("http client");
    for (i, row) in expected.iter_mut().enumerate() {
        let Some(contact) = row.contact.filter(|_| row.status == "invited") else {
            continue;
        };
        let (yes, no) = &links[&contact];
        row.response = Some(match i % 3 {
            0 => {
                http.get(yes)
                    .send()
                    .await
                    .expect("link")
                    .error_for_status()
                    .expect("yes");
                "Y"
            }
            1 => {
                http.get(no)
                    .send()
                    .await
                    .expect("link")
                    .error_for_status()
                    .expect("no");
                "N"
            }
            _ => "U",
        });
    }

    let export = input_file("answers-2000.csv", lines.join("\n"));
    let before = server.request_count();
    let contact_pages = server.request_count_of("contact", "getContactList");
    let invitation_reads = server.request_count_of("event", "getInvitedContactList");
    let output = ivvy(
        Some(&server),
        &[
            "invited", "--event", &event, "--people", &export, "--output", "ndjson",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let rows = ndjson(&output.stdout);
    assert_eq!(rows.len(), 2_000);
    for (i, (row, want)) in rows.iter().zip(&expected).enumerate() {
        let got = Expected {
            status: match row["status"].as_str().expect("status") {
                "invited" => "invited",
                "not_found" => "not_found",
                "ambiguous" => "ambiguous",
                "not_invited" => "not_invited",
                other => panic!("row {i}: unexpected status {other}: {row}"),
            },
            contact: row["contact"].as_u64(),
            response: match row["response"].as_str() {
                Some("Y") => Some("Y"),
                Some("N") => Some("N"),
                Some("U") => Some("U"),
                None => None,
                Some(other) => panic!("row {i}: answer {other}"),
            },
        };
        assert_eq!(&got, want, "row {i}: {row} for line {}", lines[i + 1]);
        let has_reason = row.get("reason").is_some();
        assert_eq!(has_reason, want.status != "invited", "row {i}: {row}");
        if want.status == "invited" {
            assert!(
                row["modifiedDate"]
                    .as_str()
                    .is_some_and(|d| d.ends_with("UTC")),
                "{row}"
            );
        }
        if want.status == "ambiguous" {
            assert_eq!(
                row["candidates"].as_str().map(|c| c.split(' ').count()),
                Some(2),
                "{row}"
            );
        }
    }
    // The export's keys come back as written.
    assert_eq!(
        rows[0]["externalId"],
        by_external[0].external_id.as_deref().expect("id")
    );
    assert_eq!(rows[1_500]["email"], by_email[0].email.to_uppercase());

    // The bound: the account read whole (it has fewer pages than there
    // are people), plus one read of the event's invitations; nothing
    // added, nothing invited.
    let account_pages = 2_400_u64.div_ceil(100);
    let invitation_pages = (to_invite.len() as u64).div_ceil(100);
    let sent = server.request_count() - before;
    assert_eq!(
        server.request_count_of("contact", "getContactList") - contact_pages,
        account_pages
    );
    assert_eq!(
        server.request_count_of("event", "getInvitedContactList") - invitation_reads,
        invitation_pages
    );
    assert_eq!(sent, account_pages + invitation_pages, "requests: {sent}");
    assert_eq!(server.created_count(), 0);
    assert_eq!(server.max_invite_count(), 1);
}

/// `ivvy invited` of event 1, `--since last` with its own state folder,
/// as NDJSON.
fn since_last(state: &str) -> Vec<&str> {
    vec![
        "invited",
        "--event",
        "1",
        "--since",
        "last",
        "--state-dir",
        state,
        "--output",
        "ndjson",
    ]
}

/// Lists `--since last` with its own state folder; the rows' contacts.
async fn changed(server: &MockServer, state: &str, extra: &[&str]) -> Vec<(u64, String)> {
    let mut args = since_last(state);
    args.extend_from_slice(extra);
    let output = ivvy(Some(server), &args, None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    ndjson(&output.stdout)
        .iter()
        .map(|r| {
            let contact = r["contactId"]
                .as_u64()
                .or_else(|| r["contact"].as_u64())
                .expect("contact");
            (contact, r["response"].as_str().expect("answer").to_string())
        })
        .collect()
}

fn unique_state(name: &str) -> String {
    let dir = state_home().join(format!("since-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir.to_str().expect("utf-8").to_string()
}

#[tokio::test]
async fn since_last_three_times_gives_exactly_what_changed_even_in_the_marks_second() {
    // The server's clock stands still unless moved, so "the same second"
    // is exact.
    let clock = Arc::new(ManualClock::new(ivvy::SystemClock.now()));
    let server = server_with(Account::sample(), Faults::default(), Some(clock.clone())).await;
    assert_eq!(server.seed_invitations(1, [1, 2, 3, 4, 5]), 5);
    let state = unique_state("three");

    let first = changed(&server, &state, &[]).await;
    assert_eq!(first.len(), 5, "a first run lists everything: {first:?}");

    // Answered in the very second of the mark, and one second later.
    assert!(server.set_answer(1, 2, Answer::Yes));
    clock.advance(Duration::from_secs(1));
    assert!(server.set_answer(1, 4, Answer::No));
    assert_eq!(
        changed(&server, &state, &[]).await,
        [(2, "Y".to_string()), (4, "N".to_string())]
    );

    // Again in the mark's second (now the second of contact 4's answer),
    // and contact 2 changes its mind later.
    assert!(server.set_answer(1, 5, Answer::Yes));
    clock.advance(Duration::from_secs(2));
    assert!(server.set_answer(1, 2, Answer::No));
    assert_eq!(
        changed(&server, &state, &[]).await,
        [(2, "N".to_string()), (5, "Y".to_string())]
    );
    assert_eq!(
        changed(&server, &state, &[]).await,
        [],
        "nothing changed since"
    );

    // An explicit time keeps that second and later, and moves no mark.
    let since = ivvy_iws::timestamp::format(clock.now());
    let output = ivvy(
        Some(&server),
        &[
            "invited", "--event", "1", "--since", &since, "--output", "ndjson",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let rows = ndjson(&output.stdout);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["contactId"], 2);
}

#[tokio::test]
async fn since_last_with_an_export_gives_the_changed_people_by_their_crm_keys() {
    let clock = Arc::new(ManualClock::new(ivvy::SystemClock.now()));
    let server = server_with(Account::sample(), Faults::default(), Some(clock.clone())).await;
    server.seed_invitations(1, [1, 2, 3]);
    let export = input_file(
        "since-people.csv",
        "externalId,email\nCRM-00001,\nCRM-00002,\nCRM-00003,\nNOPE,\n",
    );
    let state = unique_state("people");
    let people = ["--people", export.as_str()];
    assert_eq!(
        changed(&server, &state, &people).await.len(),
        3,
        "not found is never a change"
    );
    assert!(server.set_answer(1, 3, Answer::Yes));
    clock.advance(Duration::from_secs(1));
    assert!(server.set_answer(1, 1, Answer::No));
    assert_eq!(
        changed(&server, &state, &people).await,
        [(1, "N".to_string()), (3, "Y".to_string())]
    );
    // The export's listing has its own mark: the plain listing still
    // starts from the beginning.
    assert_eq!(changed(&server, &state, &[]).await.len(), 3);
}

#[tokio::test]
async fn a_run_killed_before_its_output_is_complete_gives_the_same_rows_again() {
    let server = server_with(
        Account::sample(),
        Faults::default().delay(Duration::from_millis(300), Duration::from_millis(300)),
        None,
    )
    .await;
    let contacts: Vec<u64> = (1..=450).filter(|c| c % 7 != 0).collect();
    server.seed_invitations(1, contacts.iter().copied());
    let state = unique_state("killed");
    let args = since_last(&state);

    let mut child = spawn_ivvy(&server, &args);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let child = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("reads");
        assert!(line.contains("contactId"), "{line}");
        child.kill().expect("killed"); // SIGKILL: no chance to tidy up
        child
    })
    .await
    .expect("joins");
    let output = finish(child).await;
    assert!(!output.status.success());

    let again = changed(&server, &state, &[]).await;
    let listed: Vec<u64> = again.iter().map(|(c, _)| *c).collect();
    assert_eq!(listed, contacts, "every row again, once");
    assert_eq!(changed(&server, &state, &[]).await, [], "and then nothing");
}

#[tokio::test]
async fn a_listing_with_rows_that_cannot_be_read_leaves_the_mark_where_it_was() {
    // Every 10th row comes without its contact id: unreadable, skipped.
    let server = server_with(
        Account::sample(),
        Faults::default().reply_shape(ivvy_mock::ReplyShape::RowsWithoutIds),
        None,
    )
    .await;
    server.seed_invitations(1, 1..=30);
    let state = unique_state("holes");
    let args = since_last(&state);
    let output = ivvy(Some(&server), &args, None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("rows of the listing could not be read"),
        "{stderr}"
    );
    let marks: Vec<_> = std::fs::read_dir(&state)
        .expect("state dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".since.json"))
        .collect();
    assert!(marks.is_empty(), "no mark saved");
    // The next run lists the readable rows again, so nothing is passed over.
    let again = ivvy(Some(&server), &args, None).await;
    assert_eq!(ndjson(&again.stdout).len(), ndjson(&output.stdout).len());
}
