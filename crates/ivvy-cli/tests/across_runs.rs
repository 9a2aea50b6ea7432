//! Exactly once across runs: reruns, crashes, queued runs, two spellings
//! of one URL, shared journals, against a fake server whose lists lag
//! behind its writes (as a replicated store's may). Each test counts, on
//! the server, how often every contact was invited or added.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{code, finish, input_file, mock, state_home, text};
use ivvy_mock::{Faults, MockServer};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const EVENT: u64 = 4;
/// Longer than any lag below, as the promise assumes.
const WINDOW: &str = "4";

/// Existing contacts 1..=n (multiples of 7 do not exist).
fn contacts(n: u64) -> Vec<u64> {
    (1..=n).filter(|c| c % 7 != 0).collect()
}

fn list(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// `ivvy` against `base_url` with the server's credentials.
fn command(server: &MockServer, base_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivvy"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("IVVY_REGION")
        .env("XDG_STATE_HOME", state_home())
        .env("IVVY_BASE_URL", base_url)
        .env("IVVY_API_KEY", server.key())
        .env("IVVY_API_SECRET", server.secret())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn spawn(server: &MockServer, base_url: &str, args: &[&str]) -> std::process::Child {
    command(server, base_url, args)
        .spawn()
        .expect("ivvy starts")
}

async fn run(server: &MockServer, args: &[&str]) -> Output {
    finish(spawn(server, server.base_url(), args)).await
}

fn invite_args<'a>(ids: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "invite",
        "--event",
        "4",
        "--contacts",
        ids,
        "--output",
        "ndjson",
        "--consistency-window",
        WINDOW,
    ];
    args.extend_from_slice(extra);
    args
}

/// Every contact of `ids` invited exactly once on the server.
fn each_invited_once(server: &MockServer, ids: &[u64]) {
    let twice: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|&c| server.invite_count(EVENT, c) > 1)
        .collect();
    assert!(twice.is_empty(), "invited twice: {twice:?}");
    let missing: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|&c| server.invite_count(EVENT, c) == 0)
        .collect();
    assert!(missing.is_empty(), "never invited: {missing:?}");
    assert_eq!(server.max_invite_count(), 1);
}

fn lagging(lag_ms: u64) -> Faults {
    Faults::new().list_lag(Duration::from_millis(lag_ms))
}

#[tokio::test]
async fn two_runs_back_to_back_invite_nobody_twice() {
    let server = mock(lagging(3_000)).await;
    let ids = contacts(350);
    let joined = list(&ids);
    for round in 1..=2 {
        let output = run(&server, &invite_args(&joined, &[])).await;
        assert_eq!(code(&output), 0, "round {round}: {}", text(&output.stderr));
        // The rerun knows every contact from the journal: links included.
        let rows = text(&output.stdout);
        assert_eq!(rows.lines().count(), ids.len());
        if round == 2 {
            assert!(
                rows.lines()
                    .all(|r| r.contains("links from an earlier run")),
                "{rows}"
            );
        }
    }
    each_invited_once(&server, &ids);
    assert_eq!(server.request_count_of("event", "inviteContacts"), 3);
}

#[tokio::test]
async fn a_run_killed_mid_flight_then_run_again_invites_nobody_twice() {
    // Replies held after the work: requests are in flight at the kill,
    // and the server completes them.
    let server = mock(lagging(3_000).reply_after_work(Duration::from_millis(400))).await;
    let ids = contacts(350);
    let joined = list(&ids);
    let args = invite_args(&joined, &["--chunk-size", "10", "--concurrency", "2"]);
    let child = spawn(&server, server.base_url(), &args);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("killed");
    let _ = finish(child).await;
    assert!(server.request_count_of("event", "inviteContacts") > 0);
    let output = run(&server, &args).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("an earlier run left"),
        "{}",
        text(&output.stderr)
    );
    each_invited_once(&server, &ids);
}

#[tokio::test]
async fn a_request_the_server_completes_after_the_kill_is_not_sent_again() {
    // No lag at all: only the request in flight at the kill is at stake.
    let server = mock(Faults::new().reply_after_work(Duration::from_millis(1_500))).await;
    let ids = contacts(120);
    let joined = list(&ids);
    let args = invite_args(&joined, &["--chunk-size", "50", "--concurrency", "1"]);
    let child = spawn(&server, server.base_url(), &args);
    tokio::time::sleep(Duration::from_millis(700)).await;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("killed");
    let _ = finish(child).await;
    let done_at_kill: usize = ids
        .iter()
        .filter(|&&c| server.invite_count(EVENT, c) == 1)
        .count();
    assert!(done_at_kill > 0, "a chunk was carried out at the kill");
    let output = run(&server, &args).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    each_invited_once(&server, &ids);
}

#[tokio::test]
async fn three_runs_queued_with_wait_invite_nobody_twice() {
    let server = mock(lagging(3_000)).await;
    let ids = contacts(300);
    let joined = list(&ids);
    let args = invite_args(&joined, &["--wait"]);
    let children: Vec<_> = (0..3)
        .map(|_| spawn(&server, server.base_url(), &args))
        .collect();
    for child in children {
        let output = finish(child).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    }
    each_invited_once(&server, &ids);
}

#[tokio::test]
async fn localhost_and_127_0_0_1_at_once_are_one_account() {
    let server = mock(lagging(3_000)).await;
    let ids = contacts(300);
    let joined = list(&ids);
    let port = server.addr().port();
    let by_name = format!("http://localhost:{port}");
    let by_address = format!("http://127.0.0.1:{port}/");
    let args = invite_args(&joined, &["--wait"]);
    let a = spawn(&server, &by_name, &args);
    let b = spawn(&server, &by_address, &args);
    for child in [a, b] {
        let output = finish(child).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    }
    each_invited_once(&server, &ids);
}

fn people_args(file: &str) -> Vec<&str> {
    vec![
        "invite",
        "--event",
        "4",
        "--people",
        file,
        "--create-missing",
        "--output",
        "json",
        "--consistency-window",
        WINDOW,
    ]
}

#[tokio::test]
async fn new_people_run_twice_are_added_once() {
    let server = mock(lagging(3_000)).await;
    let mut body = String::from("externalId,email,firstName,lastName\n");
    for n in 1..=40 {
        body.push_str(&format!("NEW-{n},new{n}@new.test,New,Person{n}\n"));
    }
    let file = input_file("forty.csv", &body);
    for round in 1..=2 {
        let output = run(&server, &people_args(&file)).await;
        assert_eq!(code(&output), 0, "round {round}: {}", text(&output.stderr));
    }
    assert_eq!(server.created_count(), 40);
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn three_rows_with_one_email_make_two_contacts_and_one_ambiguous_row() {
    let server = mock(lagging(3_000)).await;
    let file = input_file(
        "one-email.csv",
        "externalId,email,firstName,lastName\n\
         N1,s@new.test,Sam,One\n\
         N2,s@new.test,Sam,Two\n\
         ,s@new.test,Sam,Three\n",
    );
    let mut rows_of_rounds = Vec::new();
    for _ in 1..=2 {
        let output = run(&server, &people_args(&file)).await;
        assert_eq!(code(&output), 3, "{}", text(&output.stderr));
        let doc: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("a JSON document");
        let rows = doc["results"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), 3);
        assert!(
            rows[2]["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("ambiguous")),
            "{}",
            rows[2]
        );
        rows_of_rounds.push(
            rows.iter()
                .map(|r| r["contact"].clone())
                .collect::<Vec<_>>(),
        );
    }
    // Two people, two contacts, whatever the number of runs.
    assert_eq!(server.created_count(), 2);
    assert_eq!(rows_of_rounds[0], rows_of_rounds[1]);
}

#[tokio::test]
async fn three_runs_sharing_one_journal_keep_every_line_whole() {
    let server = mock(Faults::new()).await;
    let dir = std::env::temp_dir().join(format!("ivvy-cli-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let journal = dir.join("shared.ndjson");
    let journal = journal.to_str().expect("utf-8");
    let ids = contacts(2_000);
    let joined = list(&ids);
    let events = ["2", "3", "4"];
    let children: Vec<_> = events
        .iter()
        .map(|event| {
            spawn(
                &server,
                server.base_url(),
                &[
                    "invite",
                    "--event",
                    event,
                    "--contacts",
                    &joined,
                    "--chunk-size",
                    "5",
                    "--concurrency",
                    "8",
                    "--journal",
                    journal,
                    "--output",
                    "ndjson",
                ],
            )
        })
        .collect();
    for child in children {
        let output = finish(child).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    }
    let text = std::fs::read_to_string(journal).expect("reads");
    let mut invited_with_links = std::collections::HashMap::<u64, usize>::new();
    // A run that opens the journal while another's write is under way may
    // see it unfinished and end it with a line end of its own: an empty
    // line, which readers skip. Every other line must be whole.
    for line in text.lines().filter(|line| !line.is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("unreadable line ({e}): {line}"));
        if value["outcome"] == "invited" {
            assert!(value["inviteLinkYes"].is_string(), "{line}");
            *invited_with_links
                .entry(value["event"].as_u64().expect("event"))
                .or_default() += 1;
        }
    }
    for event in events {
        let event: u64 = event.parse().expect("number");
        assert_eq!(
            invited_with_links.get(&event),
            Some(&ids.len()),
            "event {event}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_run_waiting_for_the_lock_ends_on_the_first_signal() {
    let server = mock(Faults::new().reply_after_work(Duration::from_millis(1_500))).await;
    let ids = contacts(60);
    let joined = list(&ids);
    let args = invite_args(&joined, &["--chunk-size", "10", "--concurrency", "1"]);
    let holder = spawn(&server, server.base_url(), &args);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting_args = invite_args(&joined, &["--wait"]);
    let waiting = spawn(&server, server.base_url(), &waiting_args);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = std::time::Instant::now();
    kill(Pid::from_raw(waiting.id() as i32), Signal::SIGTERM).expect("signalled");
    let output = finish(waiting).await;
    let took = signalled.elapsed();
    assert_eq!(code(&output), 143, "{}", text(&output.stderr));
    // The holder still has seconds to go: the waiting run did not wait it out.
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(
        text(&output.stderr).contains("waiting for the other run"),
        "{}",
        text(&output.stderr)
    );
    let output = finish(holder).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    each_invited_once(&server, &ids);
}

#[tokio::test]
async fn the_dry_run_counts_people_as_the_run_does() {
    let server = mock(Faults::new()).await;
    // Repeats by external id, by email in another case, and of a new person.
    let file = input_file(
        "repeats.csv",
        "externalId,email,firstName,lastName\n\
         CRM-00001,,,\n\
         CRM-00001,,,\n\
         ,person2@example.test,,\n\
         ,PERSON2@example.test ,,\n\
         NEW-7,new7@new.test,New,Seven\n\
         NEW-7,new7@new.test,New,Seven\n\
         ,nameless@new.test,,\n",
    );
    let mut dry = people_args(&file);
    dry.push("--dry-run");
    let output = run(&server, &dry).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let plan = text(&output.stderr);
    assert!(
        plan.contains(
            "7 rows, 4 people: 2 found, 0 ambiguous, 1 to add and invite, 1 cannot be added"
        ),
        "{plan}"
    );
    assert!(plan.contains("3 to send"), "{plan}");
    let output = run(&server, &people_args(&file)).await;
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    assert_eq!(server.created_count(), 1, "as the plan said");
    let invited = contacts(250)
        .into_iter()
        .filter(|&c| server.invite_count(EVENT, c) == 1)
        .count();
    assert_eq!(
        server.request_count_of("event", "inviteContacts"),
        1,
        "one request for the three contacts"
    );
    assert_eq!(invited, 2, "two found contacts; the added one is new");
}
