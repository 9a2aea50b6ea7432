//! `ivvy invited --since last`'s high-water marks: one file per account,
//! event and kind of listing in the state folder, beside the journals.
//! Belongs here: where a mark lives, reading it, and saving it atomically.
//! What a mark keeps and drops is the library's
//! ([`ivvy::HighWaterMark`]).
//!
//! A mark is saved only once the run's output has been written in full,
//! to a file beside it that then replaces it (`rename`, atomic on one
//! file system): a run that fails or is killed leaves the last mark as it
//! was, so the next run repeats the rows rather than skip them.

use std::io::Write;
use std::path::{Path, PathBuf};

use ivvy::{Answer, EventId, HighWaterMark};

use crate::error::CliError;
use crate::run_state::dir;

/// The mark file of an account's event, for one kind of listing: the
/// invitations (`invited`), or the answers of an export (`answers`), each
/// with the answer filtered for, if any; two kinds never share a mark.
pub fn path(
    folder: &Path,
    account: &str,
    event: EventId,
    kind: &str,
    answer: Option<&Answer>,
) -> PathBuf {
    let answer = answer.map_or(String::new(), |a| format!("-{}", file_safe(a.letter())));
    folder.join(format!(
        "{account}-event-{}-{kind}{answer}.since.json",
        event.get()
    ))
}

/// The saved mark; a new one (nothing seen, every row kept) when there is
/// no file yet.
pub fn read(path: &Path) -> Result<HighWaterMark, CliError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HighWaterMark::new()),
        Err(e) => {
            return Err(CliError::Input(format!(
                "cannot read the --since mark {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        CliError::Input(format!(
            "the --since mark {} is not one this program wrote ({e}); \
             delete it to list every invitation once more",
            path.display()
        ))
    })
}

/// Saves the mark: written whole to a private file beside `path`, flushed
/// to disk, then renamed over it.
pub fn save(path: &Path, mark: &HighWaterMark) -> Result<(), CliError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".{}.partial", std::process::id()));
    let partial = PathBuf::from(partial);
    let write = || -> std::io::Result<()> {
        let mut file = dir::open(
            &partial,
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true),
        )?;
        file.write_all(&serde_json::to_vec(mark).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        CliError::Input(format!(
            "the rows were written, but the --since mark {} could not be saved ({e}); \
             the next run lists them again",
            path.display()
        ))
    })
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_saved_whole_and_read_back() {
        let dir = std::env::temp_dir().join(format!("ivvy-marks-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let folder = dir::ready_folder(Some(&dir)).expect("folder");
        let event = EventId::new(4).expect("id");
        let file = path(&folder, "acct", event, "invited", Some(&Answer::Yes));
        assert!(
            file.ends_with("acct-event-4-invited-Y.since.json"),
            "{file:?}"
        );
        assert_eq!(read(&file).expect("no file yet"), HighWaterMark::new());
        let at = ivvy_iws::timestamp::parse("2026-11-29 10:00:00").expect("time");
        let mark = HighWaterMark::since(at);
        save(&file, &mark).expect("saves");
        assert_eq!(read(&file).expect("reads"), mark);
        let left: Vec<_> = std::fs::read_dir(&folder)
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left.len(), 1, "no partial file is left: {left:?}");
        std::fs::write(&file, "{").expect("writes");
        let error = read(&file).expect_err("refused").to_string();
        assert!(error.contains("delete it"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
