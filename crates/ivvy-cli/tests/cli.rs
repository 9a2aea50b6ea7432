//! The built `ivvy` binary end to end, against the fake iVvy server.

mod common;

use std::process::{Command, Stdio};

use common::{SECRET, code, ivvy, json, mock, text};
use ivvy_mock::Faults;

#[tokio::test]
async fn help_is_snapshotted() {
    let output = ivvy(None, &["--help"], None).await;
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("help", text(&output.stdout));
    let output = ivvy(None, &["invite", "--help"], None).await;
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("invite_help", text(&output.stdout));
}

#[tokio::test]
async fn help_shows_the_connection_flags_apart_and_only_where_they_are_used() {
    let invite = text(&ivvy(None, &["invite", "--help"], None).await.stdout);
    let (own, connection) = invite
        .split_once("Connection (for every command that talks to iVvy):")
        .expect("a heading of its own");
    assert!(
        own.contains("--chunk-size") && !own.contains("--api-key"),
        "{invite}"
    );
    assert!(
        connection.contains("--api-key") && !connection.contains("--chunk-size"),
        "{invite}"
    );
    let mock = ivvy(None, &["mock", "--help"], None).await;
    assert_eq!(code(&mock), 0);
    let mock = text(&mock.stdout);
    assert!(mock.contains("--key <KEY>"), "{mock}");
    for client_flag in ["--api-key", "--api-secret", "--base-url", "Connection ("] {
        assert!(!mock.contains(client_flag), "{client_flag} in: {mock}");
    }
    let demo = text(&ivvy(None, &["demo", "--help"], None).await.stdout);
    assert!(!demo.contains("--api-key"), "{demo}");
}

#[tokio::test]
async fn ping_prints_the_servers_time_and_the_offset() {
    let server = mock(Faults::default()).await;
    let output = ivvy(Some(&server), &["ping"], None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("iVvy's time:  "), "{stdout}");
    assert!(stdout.contains("local clock:  "), "{stdout}");
    assert!(
        stdout.contains("in step with iVvy")
            || stdout.contains(" s ahead of iVvy")
            || stdout.contains(" s behind iVvy"),
        "{stdout}"
    );
}

#[tokio::test]
async fn invite_json_is_the_api_shape_in_input_order() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "3,1,2,1",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let body = json(&output);
    assert_eq!(body["event"], 4);
    let contacts: Vec<u64> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["contact"].as_u64().expect("id"))
        .collect();
    assert_eq!(contacts, vec![3, 1, 2]);
    assert_eq!(body["results"][0]["status"], "invited");
    assert_eq!(body["results"][0].get("reason"), None);
    assert_eq!(
        body["results"][0]["inviteLinkYes"],
        format!("{}/respond/4/3/yes", server.base_url())
    );
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn stdout_that_is_not_a_terminal_gets_json() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &["invite", "--event", "4", "--contacts", "1"],
        None,
    )
    .await;
    assert_eq!(code(&output), 0);
    assert_eq!(json(&output)["results"][0]["contact"], 1);
}

#[tokio::test]
async fn some_contacts_not_invited_exit_3_and_say_which() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,7,14",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 3);
    let body = json(&output);
    assert_eq!(
        body["results"][1],
        serde_json::json!({"contact": 7, "status": "not_invited", "reason": "refused"})
    );
    assert_eq!(
        text(&output.stderr).trim(),
        "summary: 1 invited, 0 already invited, 2 not invited, 0 failed, 0 unknown, 0 not sent\n  not invited: 7, 14\nivvy: 2 of 3 contacts are not invited (the summary says which)"
    );
}

#[tokio::test]
async fn csv_and_table_outputs() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "5",
            "--contacts",
            "1,7",
            "--output",
            "csv",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 3);
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "contact,status,reason,inviteLinkYes,inviteLinkNo,error,note"
    );
    assert_eq!(
        lines[1],
        format!(
            "1,invited,,{0}/respond/5/1/yes,{0}/respond/5/1/no,,",
            server.base_url()
        )
    );
    assert_eq!(lines[2], "7,not_invited,refused,,,,");

    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "5",
            "--contacts",
            "2",
            "--output",
            "table",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0);
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .starts_with("CONTACT     STATUS           DETAIL\n2           invited          yes: "),
        "{stdout}"
    );

    server.set_answer(5, 1, ivvy_mock::state::Answer::Yes);
    for (format, check) in [
        ("json", "\"response\":\"Y\""),
        (
            "csv",
            "contactId,response,firstName,lastName,email,phone,registrationId,modifiedDate\n1,Y,Person,1,person1@example.test,",
        ),
        (
            "table",
            "CONTACT     ANSWER     NAME                     EMAIL",
        ),
    ] {
        let output = ivvy(
            Some(&server),
            &["invited", "--event", "5", "--output", format],
            None,
        )
        .await;
        assert_eq!(code(&output), 0, "{format}");
        let stdout = text(&output.stdout);
        assert!(stdout.contains(check), "{format}: {stdout}");
    }
    let output = ivvy(
        Some(&server),
        &["invited", "--event", "5", "--output", "json"],
        None,
    )
    .await;
    let listed: Vec<u64> = json(&output)["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["contactId"].as_u64().expect("id"))
        .collect();
    assert_eq!(listed, vec![1, 2]);
}

#[tokio::test]
async fn contacts_from_a_csv_file_and_from_stdin() {
    let server = mock(Faults::default()).await;
    let dir = std::env::temp_dir().join(format!("ivvy-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("contacts.csv");
    std::fs::write(&file, "id,name\n10,Ann\n\n11,\"Bo, Jr\"\n").expect("writes");
    let path = file.to_str().expect("utf-8 path");
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "6",
            "--contacts-file",
            path,
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let contacts: Vec<u64> = json(&output)["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["contact"].as_u64().expect("id"))
        .collect();
    assert_eq!(contacts, vec![10, 11]);

    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "6",
            "--contacts-file",
            "-",
            "--output",
            "json",
        ],
        Some("12\n13\n"),
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(json(&output)["results"][1]["contact"], 13);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bad_input_exits_2_and_reaches_no_server() {
    let server = mock(Faults::default()).await;
    let dir = std::env::temp_dir().join(format!("ivvy-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.txt");
    std::fs::write(&file, "1\n2\nthree\n").expect("writes");
    let bad_file = file.to_str().expect("utf-8 path").to_string();
    let missing = dir
        .join("missing.txt")
        .to_str()
        .expect("utf-8 path")
        .to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["invite", "--event", "0", "--contacts", "1"],
            "\"0\" is not a valid event id".into(),
        ),
        (
            vec!["invite", "--event", "4", "--contacts", "1,x"],
            "--contacts: item 2: \"x\" is not a valid contact id".into(),
        ),
        (
            vec![
                "invite",
                "--event",
                "4",
                "--contacts",
                "99999999999999999999",
            ],
            "is not a valid contact id".into(),
        ),
        (
            vec!["invite", "--event", "4", "--contacts", "-3"],
            "".into(),
        ),
        (
            vec!["invite", "--event", "4", "--contacts", ""],
            "--contacts: item 1".into(),
        ),
        (
            vec!["invite", "--event", "4", "--contacts-file", &bad_file],
            format!("{bad_file}:3: \"three\" is not a valid contact id"),
        ),
        (
            vec!["invite", "--event", "4", "--contacts-file", &missing],
            format!("cannot read {missing}"),
        ),
        (vec!["invite", "--event", "4"], "required".into()),
        (vec!["frobnicate"], "unrecognized subcommand".into()),
    ];
    for (args, message) in cases {
        let output = ivvy(Some(&server), &args, None).await;
        assert_eq!(code(&output), 2, "{args:?}: {}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains(&message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert_eq!(server.request_count(), 0, "no bad input reached the server");
    std::fs::remove_dir_all(&dir).ok();

    let output = ivvy(None, &["ping"], None).await;
    assert_eq!(
        code(&output),
        2,
        "no configuration: {}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stderr).contains("no region or base URL"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn a_wrong_secret_exits_1_with_ivvys_codes_on_one_line() {
    let server = mock(Faults::default()).await;
    let args = [
        "--base-url",
        server.base_url(),
        "--api-key",
        server.key(),
        "--api-secret",
        "wrong",
        "ping",
    ];
    let output = ivvy(None, &args, None).await;
    assert_eq!(code(&output), 1);
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        stderr.trim(),
        "ivvy: iVvy error (HTTP 401, errorCode 401, specificCode 23003): the signature does not match the request. Check IVVY_API_KEY and IVVY_API_SECRET (the secret signs every request); `ivvy ping` checks them"
    );
}

/// A listing that fails before its first row writes nothing to standard
/// output; one that fails later leaves a JSON document no parser takes as
/// complete; both exit 1 with the reason on stderr.
#[tokio::test]
async fn a_failed_listing_never_looks_like_a_result() {
    let server = mock(Faults::default()).await;
    for format in ["json", "csv", "ndjson", "table"] {
        let args = [
            "--base-url",
            server.base_url(),
            "--api-key",
            server.key(),
            "--api-secret",
            "wrong",
            "invited",
            "--event",
            "1",
            "--output",
            format,
        ];
        let output = ivvy(None, &args, None).await;
        assert_eq!(code(&output), 1, "{format}");
        assert_eq!(text(&output.stdout), "", "{format}");
        assert!(text(&output.stderr).contains("IVVY_API_SECRET"), "{format}");
    }
    let mut faults = Faults::default();
    faults.endless_listing = true;
    let server = mock(faults).await;
    server.seed_invitations(1, 1..=3);
    let output = ivvy(
        Some(&server),
        &["invited", "--event", "1", "--output", "json"],
        None,
    )
    .await;
    assert_eq!(code(&output), 1);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("\"contactId\""),
        "the first page's rows: {stdout}"
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout).is_err(),
        "{stdout}"
    );
}

/// Durations and counts past what a clock holds saturate: no panic, and
/// the run's output is whole.
#[tokio::test]
async fn huge_durations_saturate() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2",
            "--max-retry-time",
            "18446744073709551615",
            "--consistency-window",
            "18446744073709551615",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(json(&output)["results"][1]["status"], "invited");
}

/// `--answer` takes iVvy's letters and the words, in any case.
#[tokio::test]
async fn invited_filters_by_an_answer_given_as_a_letter_or_a_word() {
    let server = mock(Faults::default()).await;
    server.seed_invitations(1, 1..=4);
    server.set_answer(1, 1, ivvy_mock::state::Answer::Yes);
    server.set_answer(1, 2, ivvy_mock::state::Answer::No);
    for (answer, want) in [("Y", 1), ("yes", 1), ("no", 2), ("n", 2), ("U", 3)] {
        let output = ivvy(
            Some(&server),
            &[
                "invited", "--event", "1", "--answer", answer, "--output", "json",
            ],
            None,
        )
        .await;
        assert_eq!(code(&output), 0, "{answer}: {}", text(&output.stderr));
        assert_eq!(json(&output)["results"][0]["contactId"], want, "{answer}");
    }
    let output = ivvy(
        Some(&server),
        &["invited", "--event", "1", "--answer", "maybe"],
        None,
    )
    .await;
    assert_eq!(code(&output), 2);
    assert!(text(&output.stderr).contains("give yes, no or undecided"));
}

#[tokio::test]
async fn server_failures_exit_1() {
    let mut faults = Faults::default();
    faults.error_in_200_every = Some(2);
    let server = mock(faults).await;
    // request 1 lists the event's invitations; request 2, the invite, gets the error
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 1);
    let body = json(&output);
    assert_eq!(body["results"][0]["status"], "failed");
    assert_eq!(body["results"][0]["reason"], "api");
    assert!(
        body["results"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("specificCode 23016")),
        "{body}"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "  failed: 1, 2\nivvy: 2 of 2 contacts were not invited because a request failed"
        ),
        "{stderr}"
    );
}

fn has_signature_shaped_token(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .any(|token| token.len() == 40)
}

#[tokio::test]
async fn the_secret_and_signatures_never_reach_the_output_even_at_vv() {
    let server = mock(Faults::default()).await;
    for args in [
        vec!["-vv", "ping"],
        vec![
            "-vv",
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2",
            "--output",
            "json",
        ],
        vec!["-vv", "invited", "--event", "4", "--output", "json"],
    ] {
        let output = ivvy(Some(&server), &args, None).await;
        assert_eq!(code(&output), 0, "{args:?}");
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(
            stderr.contains("signed request"),
            "-vv logs each request: {stderr}"
        );
        for stream in [&stdout, &stderr] {
            assert!(!stream.contains(SECRET), "{args:?}: the secret leaked");
            assert!(
                !has_signature_shaped_token(stream),
                "{args:?}: a signature leaked:\n{stream}"
            );
        }
    }
}

#[tokio::test]
async fn mock_serves_until_stopped() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivvy"))
        .args(["mock", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("reads");
        line
    })
    .await
    .expect("joins");
    let url = first
        .trim()
        .strip_prefix("fake iVvy server listening on ")
        .expect("announces its URL")
        .to_string();
    let client = ivvy::Client::builder()
        .base_url(&url)
        .credentials(ivvy_mock::DEFAULT_KEY, ivvy_mock::DEFAULT_SECRET)
        .build()
        .expect("client");
    let pinged = client.ping().await;
    child.kill().expect("stops");
    let _ = child.wait();
    pinged.expect("the fake server answers");
}

#[tokio::test]
async fn demo_runs_without_credentials() {
    let output = ivvy(None, &["demo"], None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("LAUNCH26       2026-12-01"), "{stdout}");
    for row in [
        "CRM-00001                                   1           invited",
        "person99@example.test                    no contact       ambiguous: contacts 115, 116",
        "NEW-1          ann.lee@example.test         ",
        "nobody@example.test                      no contact       not in the account",
    ] {
        assert!(stdout.contains(row), "{row}: {stdout}");
    }
    assert!(stdout.contains("added, invited"), "{stdout}");
    assert!(stdout.contains("1           yes"), "{stdout}");
    assert!(
        stdout.contains("Contacts added: 1 (once). Contacts invited twice: 0."),
        "{stdout}"
    );
    // The round trip: answers keyed by the CRM's ids, the added person too.
    let (_, answers) = stdout
        .split_once("externalId,email,contact,response,status,")
        .expect("the answers as CSV");
    assert!(answers.contains("\nCRM-00001,,1,Y,invited,"), "{answers}");
    assert!(
        answers.contains("\n,person2@example.test,2,N,invited,"),
        "{answers}"
    );
    assert!(
        answers.contains("\nNEW-1,ann.lee@example.test,"),
        "{answers}"
    );
    assert!(answers.contains(",U,invited,"), "{answers}");
    assert!(answers.contains(",not_found,"), "{answers}");
}

#[tokio::test]
async fn invited_lists_one_answer_when_asked() {
    let server = mock(Faults::default()).await;
    server.seed_invitations(4, [1, 2, 3]);
    server.set_answer(4, 2, ivvy_mock::state::Answer::Yes);
    server.set_answer(4, 3, ivvy_mock::state::Answer::No);
    let output = ivvy(
        Some(&server),
        &[
            "invited", "--event", "4", "--answer", "yes", "--output", "json",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let results = json(&output)["results"].clone();
    assert_eq!(results.as_array().map(Vec::len), Some(1), "{results}");
    assert_eq!(results[0]["contactId"], 2);
    assert_eq!(results[0]["response"], "Y");
    let output = ivvy(
        Some(&server),
        &[
            "invited",
            "--event",
            "4",
            "--answer",
            "undecided",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(json(&output)["results"][0]["contactId"], 1);
}

/// `--event-code` on `invited` as on `invite`; and a code two events have
/// in different cases is refused however it is typed.
#[tokio::test]
async fn event_codes_address_every_listing_and_two_events_are_never_guessed() {
    let account = ivvy_mock::Account::sample().with_event(ivvy_mock::AccountEvent {
        id: 31,
        code: "gala26".into(),
        title: "The other gala".into(),
        start: "2026-12-13 09:00:00 UTC".into(),
        end: "2026-12-13 17:00:00 UTC".into(),
        status: 3,
    });
    let server = ivvy_mock::MockServer::start(
        ivvy_mock::MockConfig::new()
            .credentials("cli-key", common::SECRET)
            .account(account),
    )
    .await
    .expect("server starts");
    server.seed_invitations(1, [5]);
    let output = ivvy(
        Some(&server),
        &["invited", "--event-code", "launch26", "--output", "json"],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(json(&output)["event"], 1);
    assert_eq!(json(&output)["results"][0]["contactId"], 5);
    for typed in ["GALA26", "gala26", " Gala26 "] {
        for command in ["invited", "invite"] {
            let mut args = vec![command, "--event-code", typed];
            if command == "invite" {
                args.extend(["--contacts", "1"]);
            }
            let output = ivvy(Some(&server), &args, None).await;
            assert_eq!(code(&output), 2, "{command} {typed}");
            assert!(
                text(&output.stderr).contains("2 events have the code"),
                "{command} {typed}: {}",
                text(&output.stderr)
            );
        }
    }
    assert_eq!(server.invite_count(2, 1) + server.invite_count(31, 1), 0);
}
