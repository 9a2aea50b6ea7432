//! Helpers shared by the binary's test files: a fake server, and running
//! the built `ivvy` with its settings.

#![allow(dead_code)] // each test file uses its own subset

use std::io::Write;
use std::process::{Command, Output, Stdio};

use ivvy_mock::{Faults, MockConfig, MockServer};
use serde_json::Value;

pub const SECRET: &str = "s3cr3t-of-the-cli-tests";

/// Where the tests' runs keep journals and locks: never the user's own.
pub fn state_home() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ivvy-cli-tests-{}", std::process::id()))
}

/// Writes an input file (an export, a list of ids) for a test and returns
/// its path; one folder per test binary.
pub fn input_file(name: &str, body: impl AsRef<[u8]>) -> String {
    let dir = std::env::temp_dir().join(format!("ivvy-cli-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, body).expect("writes");
    path.to_str().expect("utf-8 path").to_string()
}

pub async fn mock(faults: Faults) -> MockServer {
    MockServer::start(
        MockConfig::new()
            .credentials("cli-key", SECRET)
            .faults(faults),
    )
    .await
    .expect("server starts")
}

/// Runs `ivvy` with the server's settings in the environment.
pub async fn ivvy(server: Option<&MockServer>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivvy"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home());
    for var in [
        "IVVY_BASE_URL",
        "IVVY_REGION",
        "IVVY_API_KEY",
        "IVVY_API_SECRET",
    ] {
        command.env_remove(var);
    }
    if let Some(server) = server {
        command
            .env("IVVY_BASE_URL", server.base_url())
            .env("IVVY_API_KEY", server.key())
            .env("IVVY_API_SECRET", server.secret());
    }
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("ivvy starts");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("writes");
        }
        child.wait_with_output().expect("ivvy finishes")
    })
    .await
    .expect("joins")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&output.stdout)))
}

/// Starts `ivvy` with the server's settings, stdout and stderr piped; the
/// caller waits for it.
pub fn spawn_ivvy(server: &MockServer, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ivvy"))
        .args(args)
        .env_remove("RUST_LOG")
        .env("XDG_STATE_HOME", state_home())
        .env("IVVY_BASE_URL", server.base_url())
        .env("IVVY_API_KEY", server.key())
        .env("IVVY_API_SECRET", server.secret())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ivvy starts")
}

/// Waits for a spawned `ivvy` off the async runtime.
pub async fn finish(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("ivvy finishes"))
        .await
        .expect("joins")
}
