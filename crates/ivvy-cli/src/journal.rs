//! The journal of an event's invite runs on this machine: every settled
//! result appended as one JSON line (the `--output ndjson` shape: contact,
//! status, links, error or note), so a later run can give the links of
//! contacts an earlier run invited. Never holds credentials. A torn last
//! line (a run killed mid-write) is skipped with a warning.
//!
//! Where: `--journal PATH`, or `ivvy/{host}-{port}-event-{event}.ndjson` in
//! the user's state directory (`$XDG_STATE_HOME`, else `~/.local/state`;
//! the local data directory on other systems).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ivvy::{Invitation, InviteLinks};

use crate::error::CliError;

/// The folder for journals and run locks.
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "ivvy")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// `{host}-{port}-event-{event}`: one name per iVvy host and event.
pub fn run_name(base_url: &str, event: u64) -> String {
    let url = url_host(base_url);
    format!("{url}-event-{event}")
}

/// The name of the lock taken while contacts are added to an account:
/// adding is account-wide, whatever the event.
pub fn contacts_lock_name(base_url: &str) -> String {
    format!("{}-contacts", url_host(base_url))
}

fn url_host(base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = rest.split('/').next().unwrap_or(rest);
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The default journal file for a host and event.
pub fn default_path(base_url: &str, event: u64) -> Option<PathBuf> {
    Some(state_dir()?.join(format!("{}.ndjson", run_name(base_url, event))))
}

/// The answer links earlier runs recorded for `event`, by contact.
pub fn earlier_links(path: &Path, event: u64) -> HashMap<u64, InviteLinks> {
    let mut links = HashMap::new();
    let Ok(file) = File::open(path) else {
        return links;
    };
    for (number, line) in BufReader::new(file).split(b'\n').enumerate() {
        let Ok(line) = line else { break };
        match serde_json::from_slice::<serde_json::Value>(&line) {
            // Rows of another event (a journal named with --journal may be
            // shared) are not this run's.
            Ok(row) if row["event"].as_u64() != Some(event) => {}
            Ok(row) => {
                let text = |key: &str| row[key].as_str().map(str::to_string);
                if let (Some(contact), Some(yes), Some(no)) = (
                    row["contact"].as_u64(),
                    text("inviteLinkYes"),
                    text("inviteLinkNo"),
                ) && let Some(pair) = InviteLinks::new(yes, no)
                {
                    links.insert(contact, pair);
                }
            }
            Err(_) => tracing::warn!(
                path = %path.display(),
                line = number + 1,
                "skipping an unreadable journal line (a run stopped mid-write?)"
            ),
        }
    }
    links
}

/// Appends results to a journal.
pub struct Journal {
    out: BufWriter<File>,
    event: u64,
}

impl Journal {
    /// Opens the journal for appending, creating it and its folder; a torn
    /// last line left by a killed run is ended first, so it stays the only
    /// unreadable one.
    pub fn open(path: &Path, event: u64) -> Result<Self, CliError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Input(format!("cannot create {}: {e}", dir.display())))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                CliError::Input(format!("cannot open the journal {}: {e}", path.display()))
            })?;
        let torn = std::fs::read(path).is_ok_and(|text| !text.is_empty() && !text.ends_with(b"\n"));
        let mut out = BufWriter::new(file);
        if torn {
            out.write_all(b"\n").map_err(|e| {
                CliError::Input(format!("cannot write the journal {}: {e}", path.display()))
            })?;
        }
        Ok(Self { out, event })
    }

    /// Appends a batch, one line per result (with its event), and flushes
    /// it to the file.
    pub fn append(&mut self, batch: &[&Invitation]) -> std::io::Result<()> {
        for invitation in batch {
            let mut row = serde_json::to_value(invitation)?;
            if let serde_json::Value::Object(map) = &mut row {
                map.insert("event".into(), self.event.into());
            }
            serde_json::to_writer(&mut self.out, &row)?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(
            run_name("http://127.0.0.1:8080", 4),
            "127.0.0.1-8080-event-4"
        );
        assert_eq!(
            run_name("https://api.ap-southeast-2.ivvy.com", 9),
            "api.ap-southeast-2.ivvy.com-event-9"
        );
    }

    #[test]
    fn a_torn_last_line_is_skipped() {
        let dir = std::env::temp_dir().join(format!("ivvy-journal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("j.ndjson");
        std::fs::write(
            &path,
            "{\"event\":4,\"contact\":1,\"status\":true,\"inviteLinkYes\":\"https://a.test/y\",\"inviteLinkNo\":\"https://a.test/n\"}\n{\"event\":5,\"contact\":3,\"status\":true,\"inviteLinkYes\":\"https://a.test/y\",\"inviteLinkNo\":\"https://a.test/n\"}\n{\"event\":4,\"contact\":2,\"status\":fal",
        )
        .expect("writes");
        let links = earlier_links(&path, 4);
        assert_eq!(links.len(), 1);
        assert_eq!(links[&1].yes(), "https://a.test/y");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
