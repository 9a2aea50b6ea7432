//! Benchmark 6, an account's quota: `invite_many` against the fake server
//! limited to a rate (a token bucket, burst 10), with default options (the
//! client finds the rate) and with `max_requests_per_second` set to it.
//! Figures: useful requests per second (those not refused) against the
//! limit, and the share of requests refused.

use std::time::Instant;

use ivvy::BulkOptions;
use ivvy_mock::{Faults, MockConfig, MockServer};

use crate::stats::{median, report_ratio};

/// The limits and list lengths of the benchmark.
pub const CASES: [(f64, u64); 3] = [(20.0, 20_000), (100.0, 100_000), (500.0, 200_000)];
/// The quota's burst.
pub const BURST: u32 = 10;

/// One run's figures.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Requests not refused, per second of the run.
    pub useful_per_second: f64,
    /// Refused requests as a share of all sent.
    pub refused_share: f64,
    /// All requests sent.
    pub sent: u64,
    /// Refused requests.
    pub refused: u64,
}

/// Invites contacts 1 to `contacts` to a fresh fake server limited to
/// `limit` requests a second; `paced` sets the client's ceiling to it.
pub async fn run_once(limit: f64, contacts: u64, paced: bool) -> Result<Run, String> {
    let faults = Faults::new().rate_limit(limit, BURST);
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .map_err(|e| e.to_string())?;
    let mut builder = ivvy::Client::builder()
        .base_url(server.base_url())
        .credentials(server.key(), server.secret());
    if paced {
        builder = builder.max_requests_per_second(limit);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut invited = 0;
    let mut rows = std::pin::pin!(client.invite_each(
        4,
        (1..=contacts).filter_map(|c| ivvy::ContactId::new(c).ok()),
        &BulkOptions::new(),
    ));
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows)
        .await
        .map_err(|e| e.to_string())?
    {
        invited += usize::from(row.status().is_invited());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let existing = (1..=contacts).filter(|c| c % 7 != 0).count();
    if invited != existing {
        return Err(format!(
            "{invited} of {existing} contacts invited at {limit} requests/s"
        ));
    }
    let sent = server.request_count();
    let refused = server.refused_count();
    server.stop().await;
    Ok(Run {
        useful_per_second: (sent - refused) as f64 / elapsed,
        refused_share: refused as f64 / sent.max(1) as f64,
        sent,
        refused,
    })
}

/// Runs every case `runs` times in both modes and prints the medians and
/// the ratios against the goals.
pub async fn quota(runs: usize) -> Result<(), String> {
    println!(
        "\n6. quota: invite_many against a fake server limited to a rate (burst {BURST}), median of {runs} runs"
    );
    for (paced, goal_rate, goal_refused) in [(false, 0.9, 0.03), (true, 0.95, 0.01)] {
        let mode = if paced {
            "max_requests_per_second = the limit"
        } else {
            "default options"
        };
        for (limit, contacts) in CASES {
            let mut rates = Vec::new();
            let mut shares = Vec::new();
            for run in 0..runs {
                let r = run_once(limit, contacts, paced).await?;
                eprintln!(
                    "   run {}: {limit} rps, {contacts} contacts, {mode}: {:.1} useful/s, {} of {} refused",
                    run + 1,
                    r.useful_per_second,
                    r.refused,
                    r.sent
                );
                rates.push(r.useful_per_second / limit);
                shares.push(r.refused_share);
            }
            let ratio = median(&rates);
            let share = median(&shares);
            report_ratio(
                &format!(
                    "useful requests/s against a {limit} rps limit, {contacts} contacts, {mode}"
                ),
                ratio,
                &format!(">= {goal_rate}x"),
                ratio >= goal_rate,
            );
            println!(
                "SHARE refused requests, {limit} rps, {mode}: {:.2}% (goal <= {:.0}%) {}",
                share * 100.0,
                goal_refused * 100.0,
                if share <= goal_refused {
                    "MET"
                } else {
                    "MISSED"
                }
            );
        }
    }
    Ok(())
}
