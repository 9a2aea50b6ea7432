//! The CLI's memory while it writes a long run's output (and a
//! journaled rerun): `ivvy-bench output`.

use std::process::Command;

use ivvy_mock::{MockConfig, MockServer};

use crate::memory::{peak_of, release_ivvy};
use crate::{KEY, SECRET};

/// Benchmark 5, output memory: peak resident memory of the whole `ivvy
/// invite` process (release build) for 1,000,000 contacts against the fake
/// server, with JSON output and with CSV output, and a rerun of the whole
/// list with the journal on. Results are written as they settle, and the
/// journal is read into an index of this run's contacts (not their links),
/// so none of these should grow past the goal.
pub async fn output_memory() -> Result<(), String> {
    const CONTACTS: u64 = 1_000_000;
    const GOAL_MIB: f64 = 256.0;
    println!("\n5. output memory: ivvy invite of {CONTACTS} contacts, whole process");
    let (workspace, ivvy) = release_ivvy()?;
    let dir = workspace.join("target/bench-output-memory");
    // A fresh journal each time: the rerun's figure is for one earlier run.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let list = dir.join("contacts.txt");
    let ids: String = (1..=CONTACTS).map(|c| format!("{c}\n")).collect();
    std::fs::write(&list, ids).map_err(|e| e.to_string())?;
    let server = MockServer::start(MockConfig::new().credentials(KEY, SECRET))
        .await
        .map_err(|e| e.to_string())?;
    let state = dir.join("state");
    let state = state.to_str().ok_or("the state folder is not UTF-8")?;
    let runs: [(&str, u64, &str, &[&str]); 4] = [
        ("json", 10, "json", &["--no-journal"]),
        ("csv", 11, "csv", &["--no-journal"]),
        ("journaled first run", 12, "json", &["--state-dir", state]),
        ("journaled rerun", 12, "json", &["--state-dir", state]),
    ];
    let mut peaks = Vec::new();
    for (label, event, format, extra) in runs {
        let mut command = Command::new(&ivvy);
        command
            .args(["invite", "--event", &event.to_string(), "--contacts-file"])
            .arg(&list)
            .args([
                "--output",
                format,
                "--concurrency",
                "8",
                "--consistency-window",
                "0",
            ])
            .args(extra)
            .env("IVVY_BASE_URL", server.base_url())
            .env("IVVY_API_KEY", KEY)
            .env("IVVY_API_SECRET", SECRET)
            .env("XDG_STATE_HOME", &dir);
        let (mib, secs, code) = peak_of(command).await?;
        println!("   {label}: peak {mib:.1} MiB in {secs:.1} s (exit {code})");
        peaks.push(mib);
    }
    server.stop().await;
    let verdict = |mib: f64| if mib < GOAL_MIB { "MET" } else { "MISSED" };
    let (json, csv, rerun) = (peaks[0], peaks[1], peaks[3]);
    println!(
        "FIGURE peak memory of ivvy invite, {CONTACTS} contacts: JSON {json:.1} MiB (goal < {GOAL_MIB} MiB) {}, CSV {csv:.1} MiB",
        verdict(json)
    );
    println!(
        "FIGURE peak memory of a journaled rerun of {CONTACTS} contacts: {rerun:.1} MiB (goal < {GOAL_MIB} MiB) {}",
        verdict(rerun)
    );
    println!("   JSON/CSV peak: {:.2}x", json / csv);
    Ok(())
}
