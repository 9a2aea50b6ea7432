//! `ivvy-bench [all|per-call|bulk|signing|build|output|limits|quota|batch] [--runs N]`: prints each
//! figure and each ratio against its baseline, as the median of N runs.

use std::process::ExitCode;

use ivvy_bench::{build, bulk, output, per_call, signing};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bulk-child") {
        return bulk::bulk_child(&args[1..]);
    }
    let what = args.first().cloned().unwrap_or_else(|| "all".into());
    let runs_given: Option<usize> = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());
    // A direct run of the batch benchmark takes minutes under its quota:
    // one run a case unless asked for more.
    let runs = match what.as_str() {
        "batch" => runs_given.unwrap_or(1),
        _ => runs_given.unwrap_or(5),
    };
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
        "per-call" => runtime.block_on(per_call::per_call(runs)),
        "bulk" => runtime.block_on(bulk::bulk(runs.max(9))),
        "signing" => signing::signing(runs),
        "build" => build::build_cost(runs.min(3)),
        "output" => runtime.block_on(output::output_memory()),
        "limits" => runtime.block_on(ivvy_bench::quota::quota(runs.min(3))),
        "batch" => runtime.block_on(ivvy_bench::batch::batch(runs)),
        // The quota's four lines in one run: the quota in both modes, no
        // regression on loopback (per-call and bulk), and the build cost.
        "quota" => runtime
            .block_on(ivvy_bench::quota::quota(runs.min(3)))
            .and_then(|()| runtime.block_on(per_call::per_call(runs)))
            .and_then(|()| runtime.block_on(bulk::bulk(runs.max(9))))
            .and_then(|()| build::build_cost(runs.min(3))),
        "all" => runtime
            .block_on(per_call::per_call(runs))
            .and_then(|()| runtime.block_on(bulk::bulk(runs.max(9))))
            .and_then(|()| signing::signing(runs))
            .and_then(|()| build::build_cost(runs.min(3)))
            .and_then(|()| runtime.block_on(output::output_memory())),
        other => Err(format!(
            "unknown benchmark {other:?}: all, per-call, bulk, signing, build, output, limits, quota or batch"
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
