//! The `ivvy` binary against hostile servers and hostile input: what it
//! prints is safe for a terminal and a spreadsheet, and input without
//! bounds is refused before anything is sent.

mod common;

use common::{code, ivvy, json, mock, text};
use ivvy_mock::Faults;

#[tokio::test]
async fn hostile_text_is_escaped_in_tables_neutralised_in_csv_and_exact_in_json() {
    let server = mock(Faults::new().hostile_text()).await;
    // `ivvy invited` of event 4 in one format, with its output.
    let invited = async |format: &str| {
        let output = ivvy(
            Some(&server),
            &["invited", "--event", "4", "--output", format],
            None,
        )
        .await;
        assert_eq!(code(&output), 0, "{format}: {}", text(&output.stderr));
        output
    };
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2",
            "--output",
            "table",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("invited; links not known"), "{stdout}");
    assert!(
        !stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );

    let output = invited("table").await;
    let table = text(&output.stdout);
    for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(!table.contains(raw), "{raw:?} reached the table: {table:?}");
    }
    assert!(
        table.contains("Eve\\u{1b}]0;owned\\u{7}\\u{1b}[2J"),
        "{table}"
    );

    let output = invited("csv").await;
    let csv = text(&output.stdout);
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'+1 555"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");

    let output = invited("json").await;
    let results = json(&output)["results"].clone();
    assert_eq!(
        results[0]["firstName"], "Eve\u{1b}]0;owned\u{7}\u{1b}[2J",
        "JSON keeps the exact text"
    );
    assert_eq!(results[0]["email"], "=HYPERLINK(\"http://evil.test\")");
}

#[tokio::test]
async fn a_contacts_file_without_end_is_refused_before_anything_is_sent() {
    let server = mock(Faults::default()).await;
    let output = ivvy(
        Some(&server),
        &["invite", "--event", "4", "--contacts-file", "/dev/zero"],
        None,
    )
    .await;
    assert_eq!(code(&output), 2, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("/dev/zero is larger than 64 MiB"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_base_url_with_a_password_is_refused_and_never_printed() {
    let output = ivvy(
        None,
        &[
            "--base-url",
            "http://user:hunter2pw@127.0.0.1:9",
            "--api-key",
            "k",
            "--api-secret",
            "s",
            "ping",
        ],
        None,
    )
    .await;
    assert_eq!(code(&output), 2);
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(all.contains("user name or password"), "{all}");
    assert!(!all.contains("hunter2pw"), "{all}");
}

#[tokio::test]
async fn a_redirect_fails_the_command_and_names_the_host() {
    let server = mock(Faults::new().redirect_to("http://evil.test/collect")).await;
    let output = ivvy(Some(&server), &["ping"], None).await;
    assert_eq!(code(&output), 1);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("HTTP 307 with a redirect to evil.test"),
        "{stderr}"
    );
    assert!(
        !text(&output.stdout).contains("credentials accepted"),
        "{}",
        text(&output.stdout)
    );
}

#[tokio::test]
async fn a_rate_limit_that_never_lifts_stops_the_run_with_exit_3() {
    // Request 1 (the first read) passes; then every other request is refused.
    let server = mock(Faults::new().rate_limit_every(2).retry_after_secs(6)).await;
    let output = ivvy(
        Some(&server),
        &[
            "invite",
            "--event",
            "4",
            "--contacts",
            "1,2,3",
            "--max-retry-time",
            "1",
            "--no-adaptive-rate",
            "--output",
            "json",
        ],
        None,
    )
    .await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 3, "{stderr}");
    assert!(stderr.contains("no request succeeded for 1 s"), "{stderr}");
    assert!(
        stderr.contains("waiting 6.0 s: iVvy asked us to wait (HTTP 429)"),
        "{stderr}"
    );
    let results = json(&output)["results"].clone();
    assert_eq!(results.as_array().map(Vec::len), Some(3));
    assert!(
        results
            .as_array()
            .into_iter()
            .flatten()
            // Failed when its request was tried, not sent when it never was.
            .all(|r| (r["status"] == "failed" || r["status"] == "not_sent")
                && r["reason"] == "retry_budget_spent"),
        "{results}"
    );
}
