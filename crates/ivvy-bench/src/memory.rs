//! Peak memory of this process or a child, read from `/proc`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// This process's peak resident set size so far, in KiB.
pub fn peak_rss_kib() -> Option<f64> {
    vm_hwm_kib("self")
}

/// A process's peak resident set size (VmHWM) so far, in KiB; `pid` is a
/// process id or `self`.
pub fn vm_hwm_kib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `command` (its output thrown away) and measures its peak resident
/// memory: MiB, seconds, exit code.
pub async fn peak_of(mut command: Command) -> Result<(f64, f64, i32), String> {
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

/// Builds the `ivvy` program with optimisations: the workspace's folder
/// and the program's path.
pub fn release_ivvy() -> Result<(PathBuf, PathBuf), String> {
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
    Ok((workspace, ivvy))
}
