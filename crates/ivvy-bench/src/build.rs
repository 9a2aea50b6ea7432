//! The clean build cost of a small program on ivvy beside progenitor's
//! baseline: `ivvy-bench build`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::stats::{median, report_ratio};

pub fn build_cost(runs: usize) -> Result<(), String> {
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
        ("a CRM sync: ivvy with serde, tokio and csv", "crm", None),
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
    // A user's real program (serde, csv) is held to the tiny program's
    // figure on ivvy's defaults, measured in the same run: what serde and
    // csv add must stay small.
    let ratio = medians[3] / medians[0];
    report_ratio(
        "build time, a CRM sync (ivvy with serde, tokio, csv) vs the tiny program on ivvy",
        ratio,
        "<= 1.1x",
        ratio <= 1.1,
    );
    let ratio = medians[3] / medians[2];
    println!("   a CRM sync vs progenitor's tiny program: {ratio:.3}x");
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
