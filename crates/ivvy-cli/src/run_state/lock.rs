//! One invite run per iVvy host and event on this machine: an OS file lock
//! (released by the OS when the process ends, so a killed run never leaves
//! a stale lock), with the holder's process id written in for the message.
//! Runs on different machines are not coordinated. A run waiting for the
//! lock (`--wait`) stops at the first signal.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::Duration;

use ivvy::CancellationToken;

use crate::error::CliError;
use crate::run_state::dir as state;

/// How often a waiting run tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(100);

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock at `path` (its folder must exist); refuses at once
    /// when another run holds it, or with `wait` tries again until it is
    /// free or `stop` is cancelled (then `Ok(None)`).
    pub async fn take(
        path: &Path,
        what: &str,
        wait: bool,
        stop: &CancellationToken,
    ) -> Result<Option<Self>, CliError> {
        let mut file = state::open(
            path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .map_err(|e| CliError::Input(format!("cannot open the lock {}: {e}", path.display())))?;
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if wait => {
                    if !said {
                        eprintln!("ivvy: waiting for the other run for {what} to end");
                        said = true;
                    }
                    tokio::select! {
                        () = stop.cancelled() => return Ok(None),
                        () = tokio::time::sleep(RETRY_EVERY) => {}
                    }
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let who = if holder.is_empty() {
                        "another process".to_string()
                    } else {
                        format!("process {holder}")
                    };
                    return Err(CliError::Failed(format!(
                        "another ivvy invite ({who}) is running for {what}; wait for it to end, or pass --wait"
                    )));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(CliError::Failed(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        // The holder's id, for the next run's message.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Some(Self { _file: file }))
    }
}
