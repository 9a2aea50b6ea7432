//! Per-call throughput on loopback against a minimal hand-written
//! client (the baseline): `ivvy-bench per-call`.

use std::hint::black_box;
use std::time::Instant;

use crate::baseline::Baseline;
use crate::fixed_server;
use crate::stats::{median, report_ratio};
use crate::{KEY, SECRET};

/// Calls per second over `total` calls spread across `tasks` tasks.
async fn throughput<F, Fut>(tasks: usize, total: usize, call: F) -> Result<f64, String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let per_task = total / tasks;
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    call().await?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for handle in handles {
        handle.await.map_err(|e| e.to_string())??;
    }
    Ok((per_task * tasks) as f64 / start.elapsed().as_secs_f64())
}

/// Benchmark 1, per-call overhead: `invite_contacts` through `ivvy` against the
/// hand-written baseline, both against one fixed-reply loopback server.
pub async fn per_call(runs: usize) -> Result<(), String> {
    println!(
        "\n1. per-call overhead: invite_contacts(4, [1, 2, 3]) against a fixed-reply server on 127.0.0.1"
    );
    let addr = fixed_server::start().await.map_err(|e| e.to_string())?;
    let url = format!("http://{addr}");
    let ours = ivvy::Client::builder()
        .base_url(&url)
        .credentials(KEY, SECRET)
        .build()
        .map_err(|e| e.to_string())?;
    let baseline = Baseline::new(&url, KEY, SECRET);

    let ours_call = move || {
        let ours = ours.clone();
        async move {
            let invited = ours
                .invite_contacts(4, [1, 2, 3])
                .await
                .map_err(|e| e.to_string())?;
            black_box(invited);
            Ok(())
        }
    };
    let baseline_call = move || {
        let baseline = baseline.clone();
        async move {
            let invited = baseline.invite_contacts(4, &[1, 2, 3]).await?;
            black_box(invited);
            Ok(())
        }
    };
    // Warm both connection pools.
    throughput(16, 1_600, ours_call.clone()).await?;
    throughput(16, 1_600, baseline_call.clone()).await?;

    // Each run interleaves short blocks of both clients, so a change in the
    // machine's load during a run affects both alike.
    const BLOCKS: usize = 10;
    for (label, tasks, calls) in [("sequential", 1, 3_000), ("16 concurrent tasks", 16, 8_000)] {
        let (mut ours_tp, mut base_tp) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let (mut ours_secs, mut base_secs) = (0.0, 0.0);
            for block in 0..BLOCKS {
                let per_block = calls / BLOCKS;
                let ours_first = (run + block) % 2 == 0;
                for turn in 0..2 {
                    if (turn == 0) == ours_first {
                        ours_secs += per_block as f64
                            / throughput(tasks, per_block, ours_call.clone()).await?;
                    } else {
                        base_secs += per_block as f64
                            / throughput(tasks, per_block, baseline_call.clone()).await?;
                    }
                }
            }
            ours_tp.push(calls as f64 / ours_secs);
            base_tp.push(calls as f64 / base_secs);
        }
        let (ours_m, base_m) = (median(&ours_tp), median(&base_tp));
        println!("   {label}: ivvy {ours_m:.0} calls/s, baseline {base_m:.0} calls/s");
        let ratios: Vec<f64> = ours_tp.iter().zip(&base_tp).map(|(o, b)| o / b).collect();
        let ratio = median(&ratios);
        report_ratio(
            &format!("per-call throughput, {label}"),
            ratio,
            ">= 0.97x",
            ratio >= 0.97,
        );
    }
    Ok(())
}
