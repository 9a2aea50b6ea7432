//! One invite run per iVvy host and event on this machine: an OS file lock
//! (released by the OS when the process ends, so a killed run never leaves
//! a stale lock), with the holder's process id written in for the message.
//! Runs on different machines are not coordinated.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::CliError;

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock at `path`; refuses at once when another run holds it,
    /// or waits for it with `wait`.
    pub fn take(path: &Path, what: &str, wait: bool) -> Result<Self, CliError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Input(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| {
                CliError::Input(format!("cannot open the lock {}: {e}", path.display()))
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => {
                eprintln!("ivvy: waiting for the other run for {what} to end");
                file.lock().map_err(|e| {
                    CliError::Failed(format!("cannot lock {}: {e}", path.display()))
                })?;
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
        // The holder's id, for the next run's message.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Self { _file: file })
    }
}
