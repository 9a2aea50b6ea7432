//! Benchmark 7, the batch namespace: one invite run of [`CONTACTS`]
//! contact ids sent directly (inviteContacts, 100 a request) and through
//! iVvy's batch namespace (200 jobs of 100 a request), side by side,
//! against the fake server limited to [`LIMIT`] requests a second (burst
//! [`BURST`]), each batch job taking the server [`PACE`]. Two quota
//! models: one that counts requests, and one that counts each batch job
//! as a request. Figures: requests sent, requests refused, the time to
//! the last row, and the ratios; every run is checked to invite each
//! contact once.
//!
//! Only the invites go through the batch namespace: the people path's
//! account reads and adds are sent directly in both modes, so the run
//! starts from contact ids.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use ivvy::BulkOptions;
use ivvy_mock::{Faults, MockConfig, MockServer};

use crate::stats::{median, report_ratio};

/// Contacts invited per run.
pub const CONTACTS: u64 = 20_000;
/// The quota, in requests (or jobs) a second.
pub const LIMIT: f64 = 50.0;
/// The quota's burst.
pub const BURST: u32 = 10;
/// How long each batch job takes the fake server.
pub const PACE: Duration = Duration::from_millis(1);

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Figures {
    sent: u64,
    refused: u64,
    seconds: f64,
}

async fn run_once(batch: bool, counts_jobs: bool) -> Result<Figures, String> {
    let mut faults = Faults::new().rate_limit(LIMIT, BURST);
    if counts_jobs {
        faults = faults.quota_counts_jobs();
    }
    let server = MockServer::start(MockConfig::new().faults(faults).batch_pace(PACE))
        .await
        .map_err(|e| e.to_string())?;
    let client = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), server.secret())
        .build()
        .map_err(|e| e.to_string())?;
    let options = BulkOptions::new().batch(batch);
    let started = Instant::now();
    let mut rows = std::pin::pin!(client.invite_each(4, 1..=CONTACTS, &options));
    let mut invited = 0;
    let mut last_row = started.elapsed();
    while let Some(row) = rows.try_next().await.map_err(|e| e.to_string())? {
        invited += usize::from(row.status().is_invited());
        last_row = started.elapsed();
    }
    let existing = (1..=CONTACTS).filter(|c| c % 7 != 0).count();
    if invited != existing || server.max_invite_count() != 1 {
        return Err(format!(
            "{invited} of {existing} invited, at most {} times each",
            server.max_invite_count()
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
/// medians and the ratios against the goals.
pub async fn batch(runs: usize) -> Result<(), String> {
    println!(
        "\n7. batch: {CONTACTS} contacts invited directly and through the batch namespace, \
         quota {LIMIT} requests/s (burst {BURST}), each job {} ms, median of {runs} runs",
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
    Ok(())
}
