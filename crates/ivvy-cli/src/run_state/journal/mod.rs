//! The journals: write-ahead records of what runs on this machine sent,
//! so that no later run sends it again. Belongs here: the file both kinds
//! share (whole lines appended safely, a torn tail mended, lines read
//! back one at a time). What a line means is `invites`' and `adds`'.
//!
//! - [`invites`]: one file per account and event. Before each invite
//!   request, a line names its contacts; when the request settles, a line
//!   per contact gives its outcome (and answer links).
//! - [`adds`]: one file per account. Before each add, a line names the
//!   person; when the add settles, a line gives the contact made.
//!
//! Every line is JSON with the time it was written (`at`, milliseconds
//! since 1970) and is appended by one `write` to a file opened with
//! `O_APPEND`, so runs sharing a journal never splice their lines. A line
//! left torn by a killed run is ended before the next append and skipped
//! when read. Journals never hold credentials.

pub mod adds;
pub mod invites;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ivvy::Clock;

use crate::error::CliError;
use crate::run_state::dir as state;

/// Bytes written by one `write`: whole lines only, so a larger batch is
/// split between lines, never inside one.
const WRITE_AT_MOST: usize = 64 << 10;

/// A journal file open for appending whole lines.
#[derive(Debug)]
pub struct Appender {
    file: File,
    clock: Arc<dyn Clock>,
}

impl Appender {
    /// Opens (or creates) the journal at `path` for appending, in a folder
    /// made private if it is missing; a torn last line is ended first.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, CliError> {
        let cannot = |e: std::io::Error| {
            CliError::Input(format!("cannot open the journal {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            state::ready_folder(Some(dir))?;
        }
        let file = state::open(
            path,
            OpenOptions::new().create(true).append(true).read(true),
        )
        .map_err(cannot)?;
        let appender = Self { file, clock };
        if ends_torn(&appender.file).map_err(cannot)? {
            // Its own write: another run's next line then starts afresh.
            appender.write_lines(b"\n").map_err(cannot)?;
        }
        Ok(appender)
    }

    /// Milliseconds since 1970 by the journal's clock.
    pub fn now_ms(&self) -> u64 {
        millis(self.clock.now())
    }

    /// Appends `lines` (each ending in `\n`) with as few writes as whole
    /// lines allow.
    pub fn write_lines(&self, lines: &[u8]) -> std::io::Result<()> {
        let mut rest = lines;
        while !rest.is_empty() {
            let cut = if rest.len() <= WRITE_AT_MOST {
                rest.len()
            } else {
                // The last line end within the limit, or the first after it
                // when one line is longer.
                rest[..WRITE_AT_MOST]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .or_else(|| rest.iter().position(|&b| b == b'\n'))
                    .map_or(rest.len(), |i| i + 1)
            };
            (&self.file).write_all(&rest[..cut])?;
            rest = &rest[cut..];
        }
        Ok(())
    }

    /// Appends one value as a line.
    pub fn append(&self, value: &impl serde::Serialize) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        self.write_lines(&line)
    }

    /// The file, for reading a line back at a known offset.
    pub fn file(&self) -> &File {
        &self.file
    }
}

/// True when the file is not empty and does not end with a line end:
/// reads its last byte only.
fn ends_torn(file: &File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    read_at(file, &mut last, len - 1)?;
    Ok(last[0] != b'\n')
}

/// Reads `buf.len()` bytes at `offset`.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// Calls `each` with every readable JSON line of the journal at `path`
/// and its byte offset, one line in memory at a time; unreadable lines
/// (a torn one, another program's) are counted and skipped. A missing
/// file has no lines.
pub fn for_each_line<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut each: impl FnMut(T, u64, u32),
) -> Result<(), CliError> {
    let cannot = |e: std::io::Error| {
        CliError::Input(format!("cannot read the journal {}: {e}", path.display()))
    };
    let file = match state::open(path, OpenOptions::new().read(true)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(cannot(e)),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut offset = 0u64;
    let mut skipped = 0usize;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(cannot)?;
        if read == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if !text.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<T>(text) {
                Ok(value) => each(value, offset, u32::try_from(text.len()).unwrap_or(u32::MAX)),
                Err(_) => skipped += 1,
            }
        }
        offset += read as u64;
    }
    if skipped > 0 {
        tracing::warn!(
            path = %path.display(),
            lines = skipped,
            "skipped unreadable journal lines (a run stopped mid-write?)"
        );
    }
    Ok(())
}

/// Milliseconds since 1970; 0 for a clock before it.
pub fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// How long a run must still wait before it may trust iVvy's lists, by
/// the across-runs rule: when an earlier run left a request whose outcome
/// it never learnt, its effect may not show in iVvy's lists until the
/// consistency window has passed since that run's last write. `None`
/// when nothing is in doubt or the window has passed.
pub fn wait_for_doubt(
    in_doubt: bool,
    last_write_ms: Option<u64>,
    window: Duration,
    now_ms: u64,
) -> Option<Duration> {
    if !in_doubt {
        return None;
    }
    let ends = last_write_ms?.saturating_add(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
    // Never more than the window: a line from a clock set ahead (or
    // another machine's) must not hold the run longer.
    (ends > now_ms).then(|| Duration::from_millis(ends - now_ms).min(window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_only_for_doubt_within_the_window() {
        let window = Duration::from_secs(6);
        assert_eq!(wait_for_doubt(false, Some(1_000), window, 2_000), None);
        assert_eq!(
            wait_for_doubt(true, Some(1_000), window, 2_000),
            Some(Duration::from_millis(5_000))
        );
        assert_eq!(wait_for_doubt(true, Some(1_000), window, 7_000), None);
        assert_eq!(wait_for_doubt(true, None, window, 7_000), None);
        // A clock that went back waits the window, no more.
        assert_eq!(
            wait_for_doubt(true, Some(9_000), window, 8_000),
            Some(window)
        );
        assert_eq!(
            wait_for_doubt(true, Some(u64::MAX), window, 0),
            Some(window)
        );
    }

    #[test]
    fn long_batches_are_written_in_whole_lines() {
        let dir = std::env::temp_dir().join(format!("ivvy-append-test-{}", std::process::id()));
        let path = dir.join("j.ndjson");
        let _ = std::fs::remove_dir_all(&dir);
        let appender = Appender::open(&path, Arc::new(ivvy::SystemClock)).expect("opens");
        let line = format!("{{\"x\":\"{}\"}}\n", "a".repeat(1000));
        let batch = line.repeat(200);
        appender.write_lines(batch.as_bytes()).expect("writes");
        let mut count = 0;
        for_each_line::<serde_json::Value>(&path, |_, _, _| count += 1).expect("reads");
        assert_eq!(count, 200);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
