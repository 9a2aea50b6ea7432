//! Real networks and real machines: proxies in the environment, and a
//! clock that is off.

mod common;

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{mock, state_home};
use ivvy::{Clock, SystemClock};
use ivvy_mock::{Faults, MockConfig, MockServer};

/// Runs `ivvy` with exactly these variables in its environment (besides
/// the state folder), none of the caller's proxies or credentials.
async fn ivvy_with(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivvy"));
    command
        .args(args)
        .env_clear()
        .env("XDG_STATE_HOME", state_home());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || command.output().expect("ivvy runs"))
        .await
        .expect("joins")
}

fn credentials(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("IVVY_BASE_URL", server.base_url().to_string()),
        ("IVVY_API_KEY", server.key().to_string()),
        ("IVVY_API_SECRET", server.secret().to_string()),
    ]
}

/// A loopback run with every proxy variable set to a listening proxy:
/// the proxy receives nothing, and the run completes.
#[tokio::test]
async fn a_loopback_run_never_goes_through_a_proxy() {
    let server = mock(Faults::default()).await;
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("address"));
    let mut env = credentials(&server);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "all_proxy",
    ] {
        env.push((name, proxy_url.clone()));
    }
    let output = ivvy_with(
        &env,
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2",
            "--output",
            "json",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let accepted = tokio::time::timeout(Duration::from_millis(300), proxy.accept()).await;
    assert!(accepted.is_err(), "the proxy was reached");
    assert_eq!(server.invite_count(4, 1), 1);
}

/// A proxy that cannot be reached is named in the error, without its
/// credentials.
#[tokio::test]
async fn a_failing_proxy_is_named_without_its_credentials() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let env = [
        ("IVVY_BASE_URL", "https://ivvy.invalid".to_string()),
        ("IVVY_API_KEY", "key".to_string()),
        ("IVVY_API_SECRET", "secret".to_string()),
        (
            "HTTPS_PROXY",
            format!("http://ann:pr0xy-pw@127.0.0.1:{port}"),
        ),
    ];
    let output = ivvy_with(&env, &["ping"]).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("through the proxy http://127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("pr0xy-pw") && !stderr.contains("ann"),
        "{stderr}"
    );
}

/// With a server ten minutes ahead, `ivvy ping` succeeds (the request is
/// dated again by iVvy's time), shows iVvy's time and the offset, and the
/// warning gives the skew.
#[tokio::test]
async fn ping_shows_ivvys_time_and_the_offset_when_the_clock_is_far_off() {
    let server_time = SystemClock.now() + Duration::from_secs(600);
    let config = MockConfig::new()
        .credentials("cli-key", common::SECRET)
        .clock(Arc::new(ivvy::ManualClock::new(server_time)));
    let server = MockServer::start(config).await.expect("server starts");
    let output = ivvy_with(&credentials(&server), &["ping"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("iVvy's time:"), "{stdout}");
    assert!(stdout.contains("behind iVvy"), "{stdout}");
    assert!(stderr.contains("s behind iVvy's"), "{stderr}");
    assert_eq!(server.request_count(), 2, "one refused, one re-signed");
}
