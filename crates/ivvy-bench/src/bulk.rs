//! Bulk invite throughput and memory against the baseline, each run in
//! a child process of its own: `ivvy-bench bulk`.

use std::process::{Command, ExitCode};
use std::time::Instant;

use futures::{StreamExt, stream};
use ivvy::BulkOptions;
use ivvy_mock::{MockConfig, MockServer};

use crate::baseline::Baseline;
use crate::memory::peak_rss_kib;
use crate::stats::{median, report_ratio};
use crate::{KEY, SECRET};

const BULK_CONTACTS: u64 = 100_000;
const BULK_CHUNK: usize = 100;
const BULK_CONCURRENCY: usize = 4;

/// Benchmark 2, bulk: 100,000 contacts against the fake server, each run in a child
/// process so its peak memory is its own.
pub async fn bulk(runs: usize) -> Result<(), String> {
    println!(
        "\n2. bulk: invite {BULK_CONTACTS} contacts, {BULK_CHUNK} a request, {BULK_CONCURRENCY} at once, against the fake server"
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let (mut ours_tp, mut base_tp, mut ours_mem, mut base_mem) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let order: [&str; 2] = if run % 2 == 0 {
            ["ours", "baseline"]
        } else {
            ["baseline", "ours"]
        };
        for which in order {
            // A fresh server per run: no run pays for another's state.
            let server = MockServer::start(MockConfig::new().credentials(KEY, SECRET))
                .await
                .map_err(|e| e.to_string())?;
            let event = 4;
            let base_url = server.base_url().to_string();
            let exe = exe.clone();
            let output = tokio::task::spawn_blocking(move || {
                Command::new(exe)
                    .args(["bulk-child", which, &base_url, &event.to_string()])
                    .output()
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            if server.max_invite_count() > 1 {
                return Err(format!("{which}: a contact was invited twice"));
            }
            server.stop().await;
            let stdout = String::from_utf8_lossy(&output.stdout).to_string();
            if !output.status.success() {
                return Err(format!(
                    "bulk-child {which} failed: {stdout}{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            let mut fields = stdout.split_whitespace();
            let rate: f64 = fields
                .next()
                .and_then(|f| f.parse().ok())
                .ok_or("bad child output")?;
            let peak_kib: f64 = fields
                .next()
                .and_then(|f| f.parse().ok())
                .ok_or("bad child output")?;
            if which == "ours" {
                ours_tp.push(rate);
                ours_mem.push(peak_kib);
            } else {
                base_tp.push(rate);
                base_mem.push(peak_kib);
            }
        }
    }
    let (ours_m, base_m) = (median(&ours_tp), median(&base_tp));
    let ours_mib = median(&ours_mem) / 1024.0;
    println!("   ivvy invite_many {ours_m:.0} contacts/s, baseline {base_m:.0} contacts/s");
    println!(
        "   peak memory of the whole process: ivvy {ours_mib:.1} MiB, baseline {:.1} MiB",
        median(&base_mem) / 1024.0
    );
    let ratios: Vec<f64> = ours_tp.iter().zip(&base_tp).map(|(o, b)| o / b).collect();
    let ratio = median(&ratios);
    report_ratio("bulk throughput", ratio, ">= 0.95x", ratio >= 0.95);
    println!(
        "RATIO bulk peak memory: {ours_mib:.1} MiB (goal < 64 MiB) {}",
        if ours_mib < 64.0 { "MET" } else { "MISSED" }
    );
    Ok(())
}

/// `bulk-child ours|baseline BASE_URL EVENT`: prints contacts/s and peak RSS in KiB.
pub fn bulk_child(args: &[String]) -> ExitCode {
    let (Some(which), Some(url), Some(event)) = (
        args.first(),
        args.get(1),
        args.get(2).and_then(|e| e.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: bulk-child ours|baseline BASE_URL EVENT");
        return ExitCode::FAILURE;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::FAILURE;
    };
    let result = runtime.block_on(async {
        let contacts: Vec<i64> = (1..=BULK_CONTACTS as i64).collect();
        let start = Instant::now();
        let invited = if which == "ours" {
            let client = ivvy::Client::builder()
                .base_url(url)
                .credentials(KEY, SECRET)
                .build()
                .map_err(|e| e.to_string())?;
            let options = BulkOptions::new()
                .chunk_size(BULK_CHUNK)
                .concurrency(BULK_CONCURRENCY);
            let report = client
                .invite_many(event as i64, contacts, &options)
                .await
                .map_err(|e| e.to_string())?;
            report
                .invitations
                .iter()
                .filter(|i| i.outcome.is_invited())
                .count()
        } else {
            let baseline = Baseline::new(url, KEY, SECRET);
            let ids: Vec<u64> = contacts.iter().map(|&c| c as u64).collect();
            // The same chunked, concurrent requests, with no retries, keeping input order.
            let replies: Vec<Result<Vec<crate::baseline::InviteResult>, String>> =
                stream::iter(ids.chunks(BULK_CHUNK))
                    .map(|chunk| baseline.invite_contacts(event, chunk))
                    .buffered(BULK_CONCURRENCY)
                    .collect()
                    .await;
            let mut invited = 0;
            for reply in replies {
                invited += reply?.iter().filter(|r| r.status).count();
            }
            invited
        };
        let elapsed = start.elapsed().as_secs_f64();
        let expected = (1..=BULK_CONTACTS).filter(|c| c % 7 != 0).count();
        if invited != expected {
            return Err(format!("{which}: {invited} invited, expected {expected}"));
        }
        Ok(BULK_CONTACTS as f64 / elapsed)
    });
    match result {
        Ok(rate) => {
            println!("{rate:.1} {}", peak_rss_kib().unwrap_or(f64::NAN));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
