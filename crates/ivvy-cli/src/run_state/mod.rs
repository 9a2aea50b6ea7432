//! What an invite run keeps on this machine, together: where it lives
//! ([`dir`], [`Places`]), the locks that keep runs of one account apart
//! ([`lock`]), and the journals that keep a person from being invited or
//! added twice across runs ([`journal`]).
//!
//! The across-runs rule: a run skips the contacts its event's journal
//! shows invited, and the people the account's adds journal shows added,
//! without asking iVvy. When an earlier run left a request whose outcome
//! it never learnt (killed, or its reply unclear), this run first waits
//! until the consistency window has passed since that run's last journal
//! line, then reads iVvy's lists before sending anything (unless
//! `--no-skip-invited`, which sends every contact): checking the
//! journal alone cannot tell whether such a request was carried out, and
//! iVvy's lists may show it only once the window has passed. A rerun with
//! nothing in doubt waits for nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ivvy::{CancellationToken, Clock, EventId, Person};

use crate::args::InviteArgs;
use crate::error::CliError;
pub mod dir;
pub mod journal;
pub mod lock;
pub mod marks;

use crate::run_state::dir as state;
use crate::run_state::journal::{Appender, adds, invites};
use crate::run_state::lock::RunLock;

/// The locks and journals of one run.
#[derive(Debug)]
pub struct RunState {
    _locks: Vec<RunLock>,
    /// The event's journal, unless `--no-journal`.
    pub invites: Option<invites::Writer>,
    /// The account's adds journal, for a run that adds people.
    pub adds: Option<adds::Writer>,
}

/// Where a run's state goes, before any lock is taken.
#[derive(Debug)]
pub struct Places {
    /// The folder for locks; `None` only with `--no-journal` and no
    /// private folder to be had.
    lock_dir: Option<PathBuf>,
    invites: Option<PathBuf>,
    adds: Option<PathBuf>,
}

impl Places {
    /// Finds (and creates, private) the folders; refuses clearly when a
    /// journal is wanted and there is nowhere to keep it.
    pub fn find(args: &InviteArgs, account: &str, event: EventId) -> Result<Self, CliError> {
        if args.no_journal {
            // The lock still wants a private place; never a shared /tmp.
            let lock_dir = state::ready_folder(args.state_dir.as_deref())
                .ok()
                .or_else(runtime_folder);
            if lock_dir.is_none() {
                tracing::warn!(
                    "no private folder for the run lock (no usable home, no XDG_RUNTIME_DIR): \
                     runs on this machine are not kept apart; give --state-dir DIR to keep them so"
                );
            }
            return Ok(Self {
                lock_dir,
                invites: None,
                adds: None,
            });
        }
        let dir = state::ready_folder(args.state_dir.as_deref())?;
        let invites = args
            .journal
            .clone()
            .unwrap_or_else(|| dir.join(invites::file_name(account, event.get())));
        Ok(Self {
            invites: Some(invites),
            adds: Some(dir.join(adds::file_name(account))),
            lock_dir: Some(dir),
        })
    }

    /// What the event's journal holds for the contacts `wanted` accepts
    /// (all, for `None`). Read without a lock, so a dry run sees it too.
    pub fn earlier_invites(
        &self,
        account: &str,
        event: EventId,
        wanted: Option<&dyn Fn(u64) -> bool>,
    ) -> Result<invites::Earlier, CliError> {
        match &self.invites {
            Some(path) => invites::Earlier::read(path, account, event, wanted),
            None => Ok(invites::Earlier::default()),
        }
    }

    /// What the account's adds journal holds for `people` (read even when
    /// this run adds nobody: it may know contacts iVvy's list does not
    /// show yet).
    pub fn earlier_adds(&self, people: &[Person]) -> Result<adds::EarlierAdds, CliError> {
        match &self.adds {
            Some(path) => adds::EarlierAdds::read(path, people),
            None => Ok(adds::EarlierAdds::default()),
        }
    }
}

/// `$XDG_RUNTIME_DIR/ivvy`: private to the user by the base-directory
/// specification.
fn runtime_folder() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?).join("ivvy");
    state::ready_folder(Some(&dir)).ok()
}

impl RunState {
    /// Takes the event's lock (and, for a run that adds people, the
    /// account's adds lock) and opens the journals. `Ok(None)` when `stop`
    /// was cancelled while waiting for a lock.
    pub async fn take(
        places: &Places,
        account: &str,
        event: EventId,
        what: &str,
        args: &InviteArgs,
        clock: &Arc<dyn Clock>,
        stop: &CancellationToken,
    ) -> Result<Option<Self>, CliError> {
        let mut locks = Vec::new();
        if let Some(dir) = &places.lock_dir {
            let event_lock = dir.join(format!("{account}-event-{}.lock", event.get()));
            let Some(lock) = RunLock::take(&event_lock, what, args.wait, stop).await? else {
                return Ok(None);
            };
            locks.push(lock);
            // Adding touches the whole account: one such run at a time,
            // whatever its event, so two runs never add the same person.
            if args.create_missing {
                let adds_lock = dir.join(format!("{account}-contacts.lock"));
                let what = format!("the contacts of account {account}");
                let Some(lock) = RunLock::take(&adds_lock, &what, args.wait, stop).await? else {
                    return Ok(None);
                };
                locks.push(lock);
            }
        }
        let open = |path: &Path| Appender::open(path, clock.clone()).map(Arc::new);
        let invites = places
            .invites
            .as_deref()
            .map(open)
            .transpose()?
            .map(|a| invites::Writer::new(a, account, event));
        let adds = match (&places.adds, args.create_missing) {
            (Some(path), true) => Some(adds::Writer::new(open(path)?)),
            _ => None,
        };
        Ok(Some(Self {
            _locks: locks,
            invites,
            adds,
        }))
    }
}

/// Now, as the journals write times (milliseconds since 1970).
pub fn journal_now(clock: &Arc<dyn Clock>) -> u64 {
    journal::millis(clock.now())
}

/// Waits out the rest of the consistency window when an earlier run left
/// requests in doubt (the rule in this module's docs). False when `stop`
/// was cancelled first.
pub async fn wait_for_earlier(
    in_doubt: usize,
    last_write_ms: Option<u64>,
    window: Duration,
    clock: &Arc<dyn Clock>,
    stop: &CancellationToken,
) -> bool {
    let now = journal::millis(clock.now());
    let Some(wait) = journal::wait_for_doubt(in_doubt > 0, last_write_ms, window, now) else {
        return true;
    };
    eprintln!(
        "ivvy: an earlier run left {in_doubt} invitation(s) or add(s) whose outcome it never \
         learnt; waiting {:.1} s, until iVvy's lists show them, before anything is sent",
        wait.as_secs_f64()
    );
    tokio::select! {
        () = stop.cancelled() => false,
        () = tokio::time::sleep(wait) => true,
    }
}
