//! Benchmark 7, the batch namespace: one CRM export of [`PEOPLE`] people
//! ([`NEW`] of them not in an account of [`ACCOUNT`] contacts) found,
//! added and invited, directly (a request a page, a request an add, 100
//! invites a request) and through iVvy's batch namespace (200 calls a
//! request), side by side, against the fake server limited to [`LIMIT`]
//! requests a second (burst [`BURST`]), each batch job taking the server
//! [`PACE`]. Two quota models: one that counts requests, and one that
//! counts each batch job as a request. Figures: requests sent, requests
//! refused, the time to the last row, and the ratios; every run is checked
//! to add each new person once and invite everyone once.
//!
//! Then the memory of the whole `ivvy invite --batch` process (release
//! build) for [`MEMORY_PEOPLE`] people, [`MEMORY_NEW`] of them new, against
//! an account of [`MEMORY_ACCOUNT`] contacts, without a quota.

use std::process::Command;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use ivvy::{BulkOptions, InviteStatus, PeopleOptions, Person};
use ivvy_mock::{Account, Faults, MockConfig, MockServer};

use crate::memory::{peak_of, release_ivvy};
use crate::stats::{median, report_ratio};
use crate::{KEY, SECRET};

/// People in the export.
pub const PEOPLE: u64 = 20_000;
/// People of the export the account lacks (added).
pub const NEW: u64 = 6_000;
/// Contacts in the account.
pub const ACCOUNT: usize = 100_000;
/// The quota, in requests (or jobs) a second.
pub const LIMIT: f64 = 50.0;
/// The quota's burst.
pub const BURST: u32 = 10;
/// How long each batch job takes the fake server.
pub const PACE: Duration = Duration::from_millis(1);
/// The memory run: people, new people, and the account's contacts.
pub const MEMORY_PEOPLE: u64 = 100_000;
pub const MEMORY_NEW: u64 = 30_000;
pub const MEMORY_ACCOUNT: usize = 500_000;
/// Peak memory goal of the memory run.
const GOAL_MIB: f64 = 128.0;

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Figures {
    sent: u64,
    refused: u64,
    seconds: f64,
}

/// The export: people of the account by external id (generated contacts
/// `k` with one, `k % 10 != 0`), then the new people, with every field an
/// add needs.
fn export(people: u64, new: u64) -> Vec<Person> {
    let found = usize::try_from(people - new).unwrap_or(usize::MAX);
    let mut export: Vec<Person> = (1..)
        .filter(|k| k % 10 != 0)
        .take(found)
        .map(|k| Person::by_external_id(format!("CRM-{k:05}")))
        .collect();
    export.extend((1..=new).map(|k| {
        Person::by_external_id(format!("NEW-{k}"))
            .and_email(format!("new{k}@example.test"))
            .named("New", k.to_string())
    }));
    export
}

async fn run_once(batch: bool, counts_jobs: bool) -> Result<Figures, String> {
    let mut faults = Faults::new().rate_limit(LIMIT, BURST);
    if counts_jobs {
        faults = faults.quota_counts_jobs();
    }
    let config = MockConfig::new()
        .account(Account::generated(ACCOUNT))
        .faults(faults)
        .batch_pace(PACE);
    let server = MockServer::start(config).await.map_err(|e| e.to_string())?;
    let client = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), server.secret())
        .build()
        .map_err(|e| e.to_string())?;
    let options = PeopleOptions::new()
        .create_missing(true)
        .bulk(BulkOptions::new().batch(batch));
    let started = Instant::now();
    let mut rows = std::pin::pin!(client.invite_people_each(4, export(PEOPLE, NEW), &options));
    let (mut invited, mut rows_seen) = (0, 0);
    let mut last_row = started.elapsed();
    while let Some(row) = rows.try_next().await.map_err(|e| e.to_string())? {
        rows_seen += 1;
        invited += usize::from(matches!(
            row.status(),
            InviteStatus::Invited | InviteStatus::AddedAndInvited
        ));
        last_row = started.elapsed();
    }
    let people = usize::try_from(PEOPLE).unwrap_or(usize::MAX);
    if invited != people || rows_seen != people || server.max_invite_count() != 1 {
        return Err(format!(
            "{invited} of {people} invited, at most {} times each",
            server.max_invite_count()
        ));
    }
    if server.created_count() != NEW {
        return Err(format!(
            "{} contacts added for {NEW} new people",
            server.created_count()
        ));
    }
    let figures = Figures {
        sent: server.request_count(),
        refused: server.refused_count(),
        seconds: last_row.as_secs_f64(),
    };
    server.stop().await;
    Ok(figures)
}

/// Both modes under both quota models, `runs` times each; prints the
/// medians and the ratios against the goals; then the memory run.
pub async fn batch(runs: usize) -> Result<(), String> {
    println!(
        "\n7. batch: an export of {PEOPLE} people ({NEW} new, account of {ACCOUNT}) found, added \
         and invited directly and through the batch namespace, quota {LIMIT} requests/s \
         (burst {BURST}), each job {} ms, median of {runs} run(s)",
        PACE.as_millis()
    );
    for counts_jobs in [false, true] {
        let model = if counts_jobs {
            "a quota that counts jobs"
        } else {
            "a quota that counts requests"
        };
        let mut medians = Vec::new();
        for batch in [false, true] {
            let mode = if batch { "batch" } else { "direct" };
            let mut all = Vec::new();
            for run in 0..runs {
                let f = run_once(batch, counts_jobs).await?;
                eprintln!(
                    "   run {}: {model}, {mode}: {} requests ({} refused), last row at {:.2} s",
                    run + 1,
                    f.sent,
                    f.refused,
                    f.seconds
                );
                all.push(f);
            }
            let sent = median(&all.iter().map(|f| f.sent as f64).collect::<Vec<_>>());
            let refused = median(&all.iter().map(|f| f.refused as f64).collect::<Vec<_>>());
            let seconds = median(&all.iter().map(|f| f.seconds).collect::<Vec<_>>());
            println!(
                "   {model}, {mode}: {sent:.0} requests ({refused:.0} refused), last row at {seconds:.2} s"
            );
            medians.push((sent, seconds));
        }
        let (direct, batched) = (medians[0], medians[1]);
        if counts_jobs {
            let ratio = batched.1 / direct.1;
            report_ratio(
                &format!("time to the last row, batch vs direct, {model}"),
                ratio,
                "<= 1.1x",
                ratio <= 1.1,
            );
        } else {
            let ratio = direct.0 / batched.0;
            report_ratio(
                &format!("requests sent, direct vs batch, {model}"),
                ratio,
                ">= 20x",
                ratio >= 20.0,
            );
            let ratio = batched.1 / direct.1;
            report_ratio(
                &format!("time to the last row, batch vs direct, {model}"),
                ratio,
                "<= 0.1x",
                ratio <= 0.1,
            );
        }
    }
    println!("   every run: each new person added once, everyone invited once");
    batch_memory().await
}

/// Peak memory of `ivvy invite --people --create-missing --batch` (release
/// build, whole process) for [`MEMORY_PEOPLE`] people.
async fn batch_memory() -> Result<(), String> {
    let (workspace, ivvy) = release_ivvy()?;
    let dir = workspace.join("target/bench-batch-memory");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("people.csv");
    let mut csv = String::from("externalId,email,firstName,lastName\n");
    for person in export(MEMORY_PEOPLE, MEMORY_NEW) {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            person.external_id.unwrap_or_default(),
            person.email.unwrap_or_default(),
            person.first_name.unwrap_or_default(),
            person.last_name.unwrap_or_default()
        ));
    }
    std::fs::write(&file, csv).map_err(|e| e.to_string())?;
    let config = MockConfig::new()
        .credentials(KEY, SECRET)
        .account(Account::generated(MEMORY_ACCOUNT))
        .batch_pace(Duration::from_micros(10));
    let server = MockServer::start(config).await.map_err(|e| e.to_string())?;
    let mut command = Command::new(&ivvy);
    command
        .args(["invite", "--event", "4", "--people"])
        .arg(&file)
        .args([
            "--create-missing",
            "--batch",
            "--yes",
            "--output",
            "ndjson",
            "--consistency-window",
            "0",
        ])
        .env("IVVY_BASE_URL", server.base_url())
        .env("IVVY_API_KEY", KEY)
        .env("IVVY_API_SECRET", SECRET)
        .env("XDG_STATE_HOME", &dir);
    let (mib, secs, code) = peak_of(command).await?;
    let added = server.created_count();
    let invited = server.invitations(4).len();
    let once = server.max_invite_count() == 1;
    server.stop().await;
    println!(
        "   ivvy invite --batch of {MEMORY_PEOPLE} people ({MEMORY_NEW} new, account of \
         {MEMORY_ACCOUNT}): peak {mib:.1} MiB in {secs:.1} s (exit {code}); {added} added, \
         {invited} invited{}",
        if once { ", each once" } else { ", SOME TWICE" }
    );
    if code != 0 || added != MEMORY_NEW || invited as u64 != MEMORY_PEOPLE || !once {
        return Err("the memory run did not add and invite each person once".into());
    }
    println!(
        "FIGURE peak memory of ivvy invite --batch, {MEMORY_PEOPLE} people: {mib:.1} MiB (goal < {GOAL_MIB} MiB) {}",
        if mib < GOAL_MIB { "MET" } else { "MISSED" }
    );
    Ok(())
}
