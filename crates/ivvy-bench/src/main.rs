//! `ivvy-bench [all|per-call|bulk|signing|build] [--runs N]`: prints each
//! figure and each ratio against its baseline, as the median of N runs.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, UNIX_EPOCH};

use futures::{StreamExt, stream};
use ivvy::BulkOptions;
use ivvy_bench::baseline::Baseline;
use ivvy_bench::fixed_server;
use ivvy_bench::stats::{median, report_ratio};
use ivvy_iws::{Credentials, SignableRequest};
use ivvy_mock::{MockConfig, MockServer};

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bulk-child") {
        return bulk_child(&args[1..]);
    }
    let what = args.first().cloned().unwrap_or_else(|| "all".into());
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_usize);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "ivvy-bench: {what}, median of {runs} runs, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let result = match what.as_str() {
        "per-call" => runtime.block_on(per_call(runs)),
        "bulk" => runtime.block_on(bulk(runs.max(9))),
        "signing" => signing(runs),
        "build" => build_cost(runs.min(3)),
        "output" => runtime.block_on(output_memory()),
        "limits" => runtime.block_on(ivvy_bench::quota::quota(runs.min(3))),
        // The quota's four lines in one run: the quota in both modes, no
        // regression on loopback (per-call and bulk), and the build cost.
        "quota" => runtime
            .block_on(ivvy_bench::quota::quota(runs.min(3)))
            .and_then(|()| runtime.block_on(per_call(runs)))
            .and_then(|()| runtime.block_on(bulk(runs.max(9))))
            .and_then(|()| build_cost(runs.min(3))),
        "all" => runtime
            .block_on(per_call(runs))
            .and_then(|()| runtime.block_on(bulk(runs.max(9))))
            .and_then(|()| signing(runs))
            .and_then(|()| build_cost(runs.min(3)))
            .and_then(|()| runtime.block_on(output_memory())),
        other => Err(format!(
            "unknown benchmark {other:?}: all, per-call, bulk, signing, build, output, limits or quota"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivvy-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

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
async fn per_call(runs: usize) -> Result<(), String> {
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

const BULK_CONTACTS: u64 = 100_000;
const BULK_CHUNK: usize = 100;
const BULK_CONCURRENCY: usize = 4;

/// Benchmark 2, bulk: 100,000 contacts against the fake server, each run in a child
/// process so its peak memory is its own.
async fn bulk(runs: usize) -> Result<(), String> {
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
fn bulk_child(args: &[String]) -> ExitCode {
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
            let replies: Vec<Result<Vec<ivvy_bench::baseline::InviteResult>, String>> =
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

/// This process's peak resident set size (VmHWM), in KiB.
fn peak_rss_kib() -> Option<f64> {
    vm_hwm_kib("self")
}

/// A process's peak resident set size (VmHWM) so far, in KiB; `pid` is a
/// process id or `self`.
fn vm_hwm_kib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Benchmark 5, output memory: peak resident memory of the whole `ivvy
/// invite` process (release build) for 1,000,000 contacts against the fake
/// server, with JSON output and with CSV output, and a rerun of the whole
/// list with the journal on. Results are written as they settle, and the
/// journal is read into an index of this run's contacts (not their links),
/// so none of these should grow past the goal.
async fn output_memory() -> Result<(), String> {
    const CONTACTS: u64 = 1_000_000;
    const GOAL_MIB: f64 = 256.0;
    println!("\n5. output memory: ivvy invite of {CONTACTS} contacts, whole process");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "ivvy-cli"])
        .current_dir(&workspace)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building ivvy failed".into());
    }
    let ivvy = workspace.join("target/release/ivvy");
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

/// Runs `command` (its output thrown away) and reads its peak resident
/// memory: MiB, seconds, exit code.
async fn peak_of(mut command: Command) -> Result<(f64, f64, i32), String> {
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start ivvy: {e}"))?;
    let started = Instant::now();
    // VmHWM only grows; the last reading before the exit is the peak,
    // give or take the last few milliseconds.
    let mut peak_kib = 0.0_f64;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(&child.id().to_string()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    Ok((
        peak_kib / 1024.0,
        started.elapsed().as_secs_f64(),
        status.code().unwrap_or(-1),
    ))
}

/// Benchmark 3, signing alone, against computing MD5 + HMAC-SHA1 of the same bytes.
fn signing(runs: usize) -> Result<(), String> {
    println!("\n3. signing one request, against MD5 of the body + HMAC-SHA1 of the string to sign");
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    let credentials = Credentials::new(KEY, SECRET).map_err(|e| e.to_string())?;
    let to_sign = "post58d244a1885867e985f79aff3231f83bapplication/json/api/1.0/event?action=invitecontacts1.0ivvydate=2025-11-24 16:00:00";
    for (label, size, iterations) in [
        ("30 B", 30, 200_000),
        ("1 KB", 1_024, 100_000),
        ("100 KB", 100 * 1_024, 2_000),
    ] {
        let body = vec![b'7'; size];
        // What the client hands to the signer: the request as it will be sent.
        let headers = [
            ("accept", b"application/json".as_slice()),
            ("content-type", b"application/json".as_slice()),
            ("api-version", b"1.0".as_slice()),
        ];
        let request = SignableRequest {
            method: "POST",
            path_and_query: "/api/1.0/event?action=inviteContacts",
            headers: &headers,
            body: &body,
        };
        // Short interleaved blocks, so both sides see the same machine.
        const BLOCKS: usize = 20;
        let per_block = iterations / BLOCKS;
        let (mut ours, mut direct, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let (mut ours_ns, mut direct_ns) = (0.0, 0.0);
            for _ in 0..BLOCKS {
                let start = Instant::now();
                for _ in 0..per_block {
                    black_box(
                        ivvy_iws::sign(black_box(&request), &credentials, now)
                            .map_err(|e| e.to_string())?,
                    );
                }
                ours_ns += start.elapsed().as_nanos() as f64;

                let start = Instant::now();
                for _ in 0..per_block {
                    let md5 = ivvy_iws::content_md5(black_box(&body));
                    let signature =
                        ivvy_iws::hmac_sha1_hex(SECRET.as_bytes(), black_box(to_sign.as_bytes()));
                    black_box((md5, signature));
                }
                direct_ns += start.elapsed().as_nanos() as f64;
            }
            let n = (per_block * BLOCKS) as f64;
            ours.push(ours_ns / n);
            direct.push(direct_ns / n);
            ratios.push(ours_ns / direct_ns);
        }
        let (ours_m, direct_m) = (median(&ours), median(&direct));
        println!("   {label}: sign {ours_m:.0} ns, MD5 + HMAC-SHA1 alone {direct_m:.0} ns");
        let ratio = median(&ratios);
        report_ratio(
            &format!("signing time, {label} body"),
            ratio,
            "<= 1.5x",
            ratio <= 1.5,
        );
    }
    Ok(())
}

/// Benchmark 4, build cost: a clean build of a tiny program using `ivvy`, against the
/// same program generating its client with `progenitor::generate_api!`.
fn build_cost(runs: usize) -> Result<(), String> {
    println!("\n4. build cost: clean `cargo build` of a tiny program (debug profile)");
    let bench_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = bench_dir
        .join("../..")
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let scratch = workspace.join("target/bench-build-cost");
    let programs = [
        ("ivvy (default features: rustls + ring)", "ours", None),
        (
            "ivvy, tls-aws-lc",
            "ours",
            Some(
                "ivvy = { path = \"@WORKSPACE@/crates/ivvy\", default-features = false, features = [\"tls-aws-lc\"] }",
            ),
        ),
        ("progenitor::generate_api!", "progenitor", None),
    ];
    let mut dirs = Vec::new();
    for (i, (label, template, replace_dep)) in programs.iter().enumerate() {
        let dir = scratch.join(format!("program-{i}"));
        std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        let template_dir = bench_dir.join("build-cost").join(template);
        let mut manifest = std::fs::read_to_string(template_dir.join("Cargo.toml.in"))
            .map_err(|e| e.to_string())?;
        if let Some(dep) = replace_dep {
            let line = manifest
                .lines()
                .find(|l| l.starts_with("ivvy = "))
                .ok_or("template has no ivvy line")?
                .to_string();
            manifest = manifest.replace(&line, dep);
        }
        let manifest = manifest.replace("@WORKSPACE@", &workspace.display().to_string());
        std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
        std::fs::copy(template_dir.join("src/main.rs"), dir.join("src/main.rs"))
            .map_err(|e| e.to_string())?;
        std::fs::copy(workspace.join("spec/ivvy.yaml"), dir.join("ivvy.yaml"))
            .map_err(|e| e.to_string())?;
        // Downloads are not part of the build time.
        cargo(&dir, &["fetch", "--quiet"], None)?;
        dirs.push((label, dir));
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); dirs.len()];
    for run in 0..runs {
        for (i, (_, dir)) in dirs.iter().enumerate() {
            let target = dir.join("target");
            let _ = std::fs::remove_dir_all(&target);
            let start = Instant::now();
            cargo(dir, &["build", "--quiet", "--offline"], Some(&target))?;
            times[i].push(start.elapsed().as_secs_f64());
            eprintln!(
                "   run {}: {} built in {:.1} s",
                run + 1,
                dirs[i].0,
                times[i][run]
            );
        }
    }
    let medians: Vec<f64> = times.iter().map(|t| median(t)).collect();
    for ((label, _), m) in dirs.iter().zip(&medians) {
        println!("   {label}: {m:.1} s");
    }
    let ratio = medians[0] / medians[2];
    report_ratio(
        "build time, ivvy (default features: rustls + ring) vs progenitor (reqwest's default: rustls + aws-lc-rs)",
        ratio,
        "<= 0.5x",
        ratio <= 0.5,
    );
    let ratio = medians[1] / medians[2];
    report_ratio(
        "build time, ivvy with tls-aws-lc vs progenitor (both aws-lc-rs)",
        ratio,
        "<= 0.5x",
        ratio <= 0.5,
    );
    Ok(())
}

fn cargo(dir: &PathBuf, args: &[&str], target: Option<&PathBuf>) -> Result<(), String> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(dir);
    if let Some(target) = target {
        command.env("CARGO_TARGET_DIR", target);
    }
    let status = command.status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} failed in {}",
            args.join(" "),
            dir.display()
        ))
    }
}
