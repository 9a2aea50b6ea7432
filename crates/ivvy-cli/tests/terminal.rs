//! Runs on a terminal: the plan said and the question asked before a
//! large run, with the run then carrying that plan out as it is.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use common::{input_file, mock, state_home};
use ivvy_mock::Faults;

/// A people run of 1,100 people to add asks first (more than 1,000 to
/// send), on a terminal; answered yes, it adds and invites them having
/// read the account once: the plan it asked about is the one it carries
/// out, nobody is looked up a second time.
#[tokio::test]
async fn a_people_run_that_asks_first_reads_the_account_once() {
    let server = mock(Faults::default()).await;
    let pages = server
        .account()
        .contacts()
        .len()
        .div_ceil(ivvy::DEFAULT_PAGE_SIZE as usize);
    let mut export = String::from("externalId,email,firstName,lastName\n");
    for k in 1..=1_100 {
        export.push_str(&format!("NEW-{k},new{k}@example.test,New,Person {k}\n"));
    }
    let file = input_file("asks-first.csv", export);
    let pty = nix::pty::openpty(None, None).expect("a terminal");
    let slave = std::fs::File::from(pty.slave);
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivvy"));
    command
        .args([
            "invite",
            "--event",
            "1",
            "--people",
            &file,
            "--create-missing",
            "--output",
            "json",
            "--consistency-window",
            "0",
        ])
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .env("IVVY_BASE_URL", server.base_url())
        .env("IVVY_API_KEY", server.key())
        .env("IVVY_API_SECRET", server.secret())
        .stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave))
        .stdout(Stdio::piped());
    let child = command.spawn().expect("ivvy starts");
    // Our copies of the terminal's run end go with the command, so the
    // other end sees the run close it.
    drop(command);
    // The terminal's other end: answer the question, keep what was said.
    let mut master = std::fs::File::from(pty.master);
    let said = tokio::task::spawn_blocking(move || {
        let mut said = Vec::new();
        let mut buffer = [0_u8; 4096];
        let mut answered = false;
        // Ends when the run closes the terminal (EIO on Linux).
        while let Ok(n) = master.read(&mut buffer) {
            if n == 0 {
                break;
            }
            said.extend_from_slice(&buffer[..n]);
            if !answered && String::from_utf8_lossy(&said).contains("[y/N]") {
                master.write_all(b"y\n").expect("answers");
                answered = true;
            }
        }
        String::from_utf8_lossy(&said).into_owned()
    });
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    let waited = tokio::task::spawn_blocking(move || child.wait_with_output().expect("ends"));
    // A run that never asks, or never ends, fails the test, not the suite.
    let Ok(output) = tokio::time::timeout(std::time::Duration::from_secs(120), waited).await else {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        panic!("the run did not end within 2 minutes");
    };
    let output = output.expect("joins");
    let said = said.await.expect("joins");
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert!(said.contains("1100 rows, 1100 people: 0 found"), "{said}");
    assert!(said.contains("Invite 1100 contacts to event 1"), "{said}");
    assert_eq!(server.created_count(), 1_100);
    assert_eq!(
        server.request_count_of("contact", "getContactList"),
        pages as u64,
        "the account ({pages} pages) is read once"
    );
}
