//! Stopping a run: signals in every phase, `kill -9` and a rerun, two runs
//! at once, and a dry run. Each compares what `ivvy` printed with what the
//! fake server recorded: a contact the server invited is never reported
//! not sent or not invited.

mod common;

use std::time::Duration;

use common::{code, finish, ivvy, mock, spawn_ivvy, text};
use ivvy_mock::{Faults, MockServer};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

const EVENT: u64 = 4;

/// Contacts that exist (multiples of 7 do not).
fn contacts(n: u64) -> String {
    (1..=n)
        .filter(|c| c % 7 != 0)
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The NDJSON rows printed, by contact.
fn rows(stdout: &[u8]) -> Vec<Value> {
    text(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// True for a row whose status says the contact is invited.
fn is_invited(row: &Value) -> bool {
    ["invited", "already_invited", "added_and_invited"]
        .contains(&row["status"].as_str().unwrap_or_default())
}

/// Every row agrees with the server: invited rows are invited there, and
/// rows not sent or not invited are not.
fn check_rows(server: &MockServer, rows: &[Value], expected: usize) {
    assert_eq!(rows.len(), expected, "a row for every contact");
    for row in rows {
        let contact = row["contact"].as_u64().expect("a contact");
        let count = server.invite_count(EVENT, contact);
        assert!(count <= 1, "{contact} invited {count} times");
        if is_invited(row) {
            assert_eq!(count, 1, "{row}");
        } else if row["status"] == "unknown" {
            // allowed either way
        } else {
            assert_eq!(count, 0, "{contact} is invited but reported: {row}");
        }
    }
    assert!(server.max_invite_count() <= 1);
}

async fn signal_after(child: &std::process::Child, after: Duration, signal: Signal) {
    tokio::time::sleep(after).await;
    kill(Pid::from_raw(child.id() as i32), signal).expect("signal sent");
}

/// `ivvy invite` of `list` to event 4 with NDJSON output.
fn invite_args(list: &str) -> Vec<&str> {
    vec![
        "invite",
        "--event",
        "4",
        "--contacts",
        list,
        "--output",
        "ndjson",
    ]
}

/// Invites `list` to event 4 with `extra` flags and NDJSON output, sends
/// `signal` after `after`, and checks the exit code and every row against
/// the server; returns the rows.
async fn interrupted_run(
    server: &MockServer,
    list: &str,
    extra: &[&str],
    after: Duration,
    signal: Signal,
) -> Vec<Value> {
    let mut args = invite_args(list);
    args.extend_from_slice(extra);
    let child = spawn_ivvy(server, &args);
    signal_after(&child, after, signal).await;
    let output = finish(child).await;
    let expected_code = if signal == Signal::SIGINT { 130 } else { 143 };
    assert_eq!(code(&output), expected_code, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("summary: "),
        "{}",
        text(&output.stderr)
    );
    let rows = rows(&output.stdout);
    check_rows(server, &rows, list.split(',').count());
    rows
}

#[tokio::test]
async fn sigint_during_the_first_read_sends_nothing_and_says_so() {
    let slow = Duration::from_millis(1500);
    let server = mock(Faults::new().delay(slow, slow)).await;
    let rows = interrupted_run(
        &server,
        &contacts(30),
        &[],
        Duration::from_millis(500),
        Signal::SIGINT,
    )
    .await;
    assert!(
        rows.iter().all(|r| r["error"] == "not sent: interrupted"),
        "{rows:?}"
    );
    assert_eq!(server.max_invite_count(), 0);
}

#[tokio::test]
async fn sigterm_mid_invite_lets_requests_under_way_finish() {
    let slow = Duration::from_millis(300);
    let server = mock(Faults::new().delay(slow, slow)).await;
    let flags = ["--chunk-size", "10", "--concurrency", "2"];
    let rows = interrupted_run(
        &server,
        &contacts(200),
        &flags,
        Duration::from_millis(1100),
        Signal::SIGTERM,
    )
    .await;
    let invited = rows.iter().filter(|r| is_invited(r)).count();
    let not_sent = rows
        .iter()
        .filter(|r| r["error"] == "not sent: interrupted")
        .count();
    assert!(
        invited > 0 && not_sent > 0,
        "invited {invited}, not sent {not_sent}"
    );
}

#[tokio::test]
async fn sigint_mid_reconcile_checks_what_landed() {
    // Every invite fails after doing its work; the run waits 2 s before
    // checking the list, and is interrupted while it waits.
    let server = mock(Faults::new().fail_after_work_every(1)).await;
    let flags = ["--chunk-size", "10", "--consistency-window", "2"];
    let rows = interrupted_run(
        &server,
        &contacts(40),
        &flags,
        Duration::from_millis(800),
        Signal::SIGINT,
    )
    .await;
    let invited = rows.iter().filter(|r| is_invited(r)).count();
    assert!(invited > 0, "the chunks under way were checked: {rows:?}");
}

#[tokio::test]
async fn a_killed_run_leaves_its_links_for_the_next() {
    let server =
        mock(Faults::new().delay(Duration::from_millis(200), Duration::from_millis(200))).await;
    let list = contacts(300);
    let mut args = invite_args(&list);
    args.extend_from_slice(&["--chunk-size", "10", "--concurrency", "1"]);
    let mut child = spawn_ivvy(&server, &args);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("kill -9");
    let first = finish(child).await;
    let printed = rows(&first.stdout);
    assert!(!printed.is_empty(), "rows were written as they settled");
    let linked: Vec<&Value> = printed
        .iter()
        .filter(|r| r["inviteLinkYes"].is_string())
        .collect();
    assert!(!linked.is_empty());

    let output = ivvy(Some(&server), &invite_args(&list), None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let again = rows(&output.stdout);
    for row in &linked {
        let contact = &row["contact"];
        let later = again
            .iter()
            .find(|r| &r["contact"] == contact)
            .expect("a row");
        assert_eq!(later["inviteLinkYes"], row["inviteLinkYes"], "{later}");
        assert_eq!(later["note"], "already invited; links from an earlier run");
    }
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn a_second_run_for_the_same_event_refuses() {
    let server =
        mock(Faults::new().delay(Duration::from_millis(500), Duration::from_millis(500))).await;
    let list = contacts(20);
    let first = spawn_ivvy(&server, &invite_args(&list));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = ivvy(Some(&server), &invite_args(&list), None).await;
    assert_eq!(code(&second), 1, "{}", text(&second.stderr));
    let stderr = text(&second.stderr);
    assert!(
        stderr.contains(&format!("process {}", first.id())),
        "{stderr}"
    );
    assert!(stderr.contains("--wait"), "{stderr}");
    let first = finish(first).await;
    assert_eq!(code(&first), 0, "{}", text(&first.stderr));
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn a_dry_run_reads_and_tells_but_invites_nobody() {
    let server = mock(Faults::default()).await;
    server.seed_invitations(EVENT, [1, 2]);
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2,3,3,4",
            "--dry-run",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("5 contacts given, 1 repeats dropped"),
        "{stderr}"
    );
    assert!(stderr.contains("2 already invited"), "{stderr}");
    assert!(stderr.contains("2 to send, in 1 request(s)"), "{stderr}");
    assert_eq!(server.invite_count(EVENT, 3), 0);
    assert_eq!(server.invitations(EVENT).len(), 2);
}

#[tokio::test]
async fn completions_and_a_closed_stdout_are_quiet() {
    let output = ivvy(None, &["completions", "bash"], None).await;
    assert_eq!(code(&output), 0);
    assert!(
        text(&output.stdout).contains("_ivvy()"),
        "{}",
        text(&output.stdout)
    );

    // `ivvy invited ... | head -1`: far more output than a pipe holds.
    let server = mock(Faults::default()).await;
    server.seed_invitations(EVENT, 1..=3_000);
    let mut child = spawn_ivvy(&server, &["invited", "--event", "4", "--output", "csv"]);
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("reads");
        line
    })
    .await
    .expect("joins");
    assert!(first.starts_with("contactId,"), "{first}");
    let output = finish(child).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "quiet");
}

#[tokio::test]
async fn a_closed_stdout_is_quiet_in_json_too() {
    let server = mock(Faults::default()).await;
    server.seed_invitations(EVENT, 1..=3_000);
    for args in [
        vec!["invited", "--event", "4", "--output", "json"],
        vec!["completions", "bash"],
    ] {
        let mut child = spawn_ivvy(&server, &args);
        // Close the reading end at once: every write fails.
        drop(child.stdout.take());
        let output = finish(child).await;
        assert_eq!(code(&output), 0, "{args:?}: {}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "", "{args:?}: quiet");
    }
}

#[tokio::test]
async fn a_run_killed_while_its_batch_runs_reads_the_batch_back_on_the_rerun() {
    // 40 jobs at 50 ms each: the batch runs for 2 s after it is queued.
    let server = ivvy_mock::MockServer::start(
        ivvy_mock::MockConfig::new()
            .credentials("cli-key", common::SECRET)
            .batch_pace(Duration::from_millis(50)),
    )
    .await
    .expect("server starts");
    let list = contacts(4_660); // 3,995 contacts that exist: 40 jobs of 100
    let dir = common::state_home().join("batch-kill");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let journal = dir.join("journal.ndjson");
    let journal_arg = journal.to_str().expect("utf-8").to_string();
    let mut args = invite_args(&list);
    args.extend_from_slice(&[
        "--batch",
        "--journal",
        &journal_arg,
        "--consistency-window",
        "0",
    ]);
    let mut child = spawn_ivvy(&server, &args);
    // Killed once the batch is queued and journalled, long before it ends.
    let mut queued = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        queued = std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("\"batch\""));
        if queued {
            break;
        }
    }
    assert!(queued, "the batch's id reached the journal");
    child.kill().expect("kill -9");
    let first = finish(child).await;
    assert!(rows(&first.stdout).is_empty(), "nothing had settled yet");

    let output = ivvy(Some(&server), &args, None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let again = rows(&output.stdout);
    assert_eq!(again.len(), 3_995);
    for row in &again {
        assert!(
            row["inviteLinkYes"].is_string(),
            "links read back from the batch: {row}"
        );
        assert_eq!(row["status"], "already_invited", "{row}");
    }
    assert_eq!(
        server.request_count_of("batch", "run"),
        1,
        "the batch ran once"
    );
    assert_eq!(server.request_count_of("event", "inviteContacts"), 0);
    assert_eq!(server.max_invite_count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run of `ivvy invite --people --create-missing --batch` of `people`
/// new people, with its own state folder, killed with SIGKILL as soon as a
/// batch of adds is in the adds journal: its arguments (for the rerun)
/// and its state folder.
struct KilledAdds {
    args: Vec<String>,
    dir: std::path::PathBuf,
}

impl KilledAdds {
    fn new(name: &str, people: u32) -> Self {
        let mut body = String::from("externalId,email,firstName,lastName\n");
        for n in 1..=people {
            body.push_str(&format!("NEW-{n},new{n}@new.test,New,Person{n}\n"));
        }
        let file = common::input_file(&format!("{name}.csv"), &body);
        let dir = common::state_home().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let dir_arg = dir.to_str().expect("utf-8").to_string();
        let args = [
            "invite",
            "--event",
            "4",
            "--people",
            &file,
            "--create-missing",
            "--batch",
            "--state-dir",
            &dir_arg,
            "--output",
            "ndjson",
            "--consistency-window",
            "0",
        ]
        .map(String::from)
        .to_vec();
        Self { args, dir }
    }

    fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }

    /// People whose add the adds journal says is a job of a batch.
    fn journalled(&self) -> usize {
        std::fs::read_dir(&self.dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    std::fs::read_to_string(e.path())
                        .map_or(0, |j| j.matches("\"add\":\"batch\"").count())
                })
                .sum()
        })
    }

    /// Starts the run and kills it once every add is journalled as a job
    /// of a batch. (Killed between a `run` and the journalling of its id,
    /// the people it carries are in doubt with no batch to read back:
    /// like a direct add in flight, they are looked up a consistency
    /// window later, which these tests set to 0.)
    async fn kill_once_queued(&self, server: &MockServer, people: usize) {
        let mut child = spawn_ivvy(server, &self.args());
        let mut queued = false;
        for _ in 0..300 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            queued = self.journalled() >= people;
            if queued {
                break;
            }
        }
        assert!(queued, "every add reached the adds journal as a batch job");
        child.kill().expect("kill -9");
        let first = finish(child).await;
        assert!(rows(&first.stdout).is_empty(), "nothing had settled yet");
    }
}

impl Drop for KilledAdds {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_run_killed_while_its_batch_of_adds_runs_reads_whom_it_added_on_the_rerun() {
    // 300 adds in batches of jobs at 20 ms each; contacts a listing shows
    // only 30 s after their add, so a rerun that looked people up instead
    // of reading the batches back would add them all again.
    let server = ivvy_mock::MockServer::start(
        ivvy_mock::MockConfig::new()
            .credentials("cli-key", common::SECRET)
            .batch_pace(Duration::from_millis(20))
            .faults(Faults::new().list_lag(Duration::from_secs(30))),
    )
    .await
    .expect("server starts");
    let run = KilledAdds::new("batch-adds-kill", 300);
    let mut dry = run.args();
    dry.push("--dry-run");
    let planned = ivvy(Some(&server), &dry, None).await;
    assert_eq!(code(&planned), 0, "{}", text(&planned.stderr));
    assert!(
        text(&planned.stderr).contains(
            "300 to add, in 2 batch request(s) (+ at least 4 reads of their progress and results; 300 request(s) without --batch), one more if some are known by email alone"
        ),
        "{}",
        text(&planned.stderr)
    );
    run.kill_once_queued(&server, 300).await;
    assert!(server.created_count() < 300, "killed before the adds ended");

    let output = ivvy(Some(&server), &run.args(), None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let again = rows(&output.stdout);
    assert_eq!(again.len(), 300);
    for row in &again {
        assert!(is_invited(row), "{row}");
        assert!(row["inviteLinkYes"].is_string(), "{row}");
    }
    assert_eq!(server.created_count(), 300, "everyone added once");
    assert_eq!(server.request_count_of("contact", "addOrUpdateContact"), 0);
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn a_rerun_after_a_killed_batch_of_adds_has_expired_looks_its_people_up() {
    // The killed run's batch ends, then iVvy forgets it (24105): the rerun
    // cannot read it back, so it looks its people up instead of waiting
    // for ever, and adds nobody again.
    let server = ivvy_mock::MockServer::start(
        ivvy_mock::MockConfig::new()
            .credentials("cli-key", common::SECRET)
            .batch_pace(Duration::from_millis(5))
            .faults(Faults::new().batch_results_expire(Duration::from_millis(200))),
    )
    .await
    .expect("server starts");
    let run = KilledAdds::new("batch-adds-expired", 150);
    run.kill_once_queued(&server, 150).await;
    // 150 jobs at 5 ms, then kept 200 ms: gone after a second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        server.created_count(),
        150,
        "the killed run's batch ran to its end"
    );

    let output = ivvy(Some(&server), &run.args(), None).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(rows(&output.stdout).len(), 150);
    assert_eq!(server.created_count(), 150, "nobody added again");
    assert_eq!(server.max_invite_count(), 1);
}

#[tokio::test]
async fn ctrl_c_while_an_earlier_batch_is_read_back_is_an_interruption() {
    // The killed run's batch runs 16 s, past the 10 s a stopped run
    // waits for what it has under way; the rerun waits for it, is
    // stopped with SIGINT, and gives up on it: exit 130, not a failure.
    let server = ivvy_mock::MockServer::start(
        ivvy_mock::MockConfig::new()
            .credentials("cli-key", common::SECRET)
            .batch_pace(Duration::from_millis(80)),
    )
    .await
    .expect("server starts");
    let run = KilledAdds::new("batch-adds-ctrl-c", 200);
    run.kill_once_queued(&server, 200).await;
    let child = spawn_ivvy(&server, &run.args());
    signal_after(&child, Duration::from_millis(800), Signal::SIGINT).await;
    let output = finish(child).await;
    assert_eq!(code(&output), 130, "{}", text(&output.stderr));
    assert_eq!(server.request_count_of("contact", "addOrUpdateContact"), 0);
}

#[tokio::test]
async fn a_dry_run_counts_the_requests_each_way() {
    let server = mock(Faults::default()).await;
    let list = contacts(5_000);
    for (flag, said) in [
        (
            "--batch",
            "in 1 batch request(s) (+ at least 2 reads of their progress and results; 43 request(s) without --batch)",
        ),
        (
            "--no-batch",
            "in 43 request(s) (1 batch request(s) + at least 2 reads with --batch)",
        ),
    ] {
        let mut args = invite_args(&list);
        args.extend_from_slice(&[flag, "--dry-run"]);
        let output = ivvy(Some(&server), &args, None).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("4286 to send, {said}")),
            "{stderr}"
        );
    }
    assert_eq!(server.max_invite_count(), 0);
}
