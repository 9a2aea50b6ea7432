//! The invite journal of one account and event: what earlier runs sent,
//! read back as an index, and the writer for this run's records.
//!
//! Lines (besides `event` and `at`, see the module above):
//! - `{"sending": [contact, …]}`: an inviteContacts request is about to go;
//! - `{"contact": N, "outcome": "invited", "inviteLinkYes": …, "inviteLinkNo": …}`:
//!   the contact's settled outcome (`invited`, `not invited`, `failed`,
//!   `not sent`, or `unknown` when the run could not tell). Lines of older
//!   versions (`"status": true` with the links) read as `invited`.
//!
//! A contact whose last word is `sending` or `unknown` is *in doubt*: the
//! request may have been carried out. Contacts already invited are not
//! written again, so a rerun adds no lines for them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ivvy::{ContactId, EventId, Invitation, InviteLinks, Outcome};
use serde::{Deserialize, Serialize};

use super::{Appender, for_each_line, read_at};
use crate::error::CliError;

/// The default journal for an account and event, in the state folder.
pub fn file_name(account: &str, event: u64) -> String {
    format!("{account}-event-{event}.ndjson")
}

/// One line, as written and read.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    /// The account ([`crate::run_state::dir::account_name`]); older lines have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<std::borrow::Cow<'a, str>>,
    event: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sending: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<std::borrow::Cow<'a, str>>,
    /// Older versions' only word on the outcome.
    #[serde(default, skip_serializing)]
    status: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_link_yes: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_link_no: Option<std::borrow::Cow<'a, str>>,
    /// A batch's `asyncId`, written once iVvy has queued it (its contacts
    /// are the `sending` line before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch: Option<std::borrow::Cow<'a, str>>,
}

/// What the journal says of one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Invited; its outcome line is at this offset, this long.
    Invited { offset: u64, len: u32 },
    /// Sent, outcome never learnt.
    InDoubt,
    /// Settled without an invitation.
    NotInvited,
}

/// What earlier runs recorded for the event, for the contacts asked about.
#[derive(Debug, Default)]
pub struct Earlier {
    known: HashMap<u64, Known>,
    /// The newest line of this event, in milliseconds since 1970.
    pub last_write_ms: Option<u64>,
    /// The batches queued for this event, in the order written.
    pub batches: Vec<String>,
}

impl Earlier {
    /// Reads the journal at `path` for `event`, keeping only `wanted`
    /// contacts (all, for `None`): memory grows with the run, not with the
    /// journal.
    pub fn read(
        path: &Path,
        account: &str,
        event: EventId,
        wanted: Option<&dyn Fn(u64) -> bool>,
    ) -> Result<Self, CliError> {
        let mut earlier = Earlier::default();
        let event = event.get();
        let keep = |c: u64| wanted.is_none_or(|w| w(c));
        for_each_line::<Line<'static>>(path, |line, offset, len| {
            // A journal named with --journal may be shared by accounts.
            if line.event != Some(event) || line.account.as_deref().is_some_and(|a| a != account) {
                return;
            }
            if let Some(at) = line.at {
                earlier.last_write_ms = Some(earlier.last_write_ms.map_or(at, |l| l.max(at)));
            }
            if let Some(batch) = &line.batch {
                earlier.batches.push(batch.to_string());
            }
            for contact in line.sending.iter().flatten().copied().filter(|&c| keep(c)) {
                let known = earlier.known.entry(contact).or_insert(Known::InDoubt);
                if !matches!(known, Known::Invited { .. }) {
                    *known = Known::InDoubt;
                }
            }
            let Some(contact) = line.contact.filter(|&c| keep(c)) else {
                return;
            };
            let now = match (line.outcome.as_deref(), line.status) {
                (Some("invited"), _) | (None, Some(true)) => Known::Invited { offset, len },
                (Some("unknown"), _) => Known::InDoubt,
                _ => Known::NotInvited,
            };
            let known = earlier.known.entry(contact).or_insert(now);
            if !matches!(known, Known::Invited { .. }) {
                *known = now;
            }
        })?;
        Ok(earlier)
    }

    /// Contacts the journal shows invited.
    pub fn invited(&self) -> impl Iterator<Item = ContactId> + '_ {
        self.known.iter().filter_map(|(&c, k)| {
            matches!(k, Known::Invited { .. })
                .then(|| ContactId::new(c).ok())
                .flatten()
        })
    }

    /// How many contacts are in doubt.
    pub fn in_doubt(&self) -> usize {
        self.known
            .values()
            .filter(|k| matches!(k, Known::InDoubt))
            .count()
    }

    /// The answer links an earlier run recorded for `contact`, read back
    /// from the journal's file.
    pub fn links(&self, journal: Option<&Appender>, contact: u64) -> Option<InviteLinks> {
        let Some(Known::Invited { offset, len }) = self.known.get(&contact) else {
            return None;
        };
        let mut text = vec![0u8; *len as usize];
        read_at(journal?.file(), &mut text, *offset).ok()?;
        let line: Line<'_> = serde_json::from_slice(&text).ok()?;
        InviteLinks::new(line.invite_link_yes?.into(), line.invite_link_no?.into())
    }
}

/// This run's records for one event.
#[derive(Debug, Clone)]
pub struct Writer {
    appender: Arc<Appender>,
    account: String,
    event: u64,
}

impl Writer {
    pub fn new(appender: Arc<Appender>, account: &str, event: EventId) -> Self {
        Self {
            appender,
            account: account.to_string(),
            event: event.get(),
        }
    }

    pub fn appender(&self) -> &Appender {
        &self.appender
    }

    /// Records that a request for `contacts` is about to be sent.
    pub fn sending(&self, contacts: &[ContactId]) -> std::io::Result<()> {
        self.appender.append(&Line {
            account: Some(self.account.as_str().into()),
            event: Some(self.event),
            at: Some(self.appender.now_ms()),
            sending: Some(contacts.iter().map(|c| c.get()).collect()),
            ..Line::default()
        })
    }

    /// Records that iVvy queued a batch (its contacts are the `sending`
    /// line before).
    pub fn batch(&self, id: &str) -> std::io::Result<()> {
        self.appender.append(&Line {
            account: Some(self.account.as_str().into()),
            event: Some(self.event),
            at: Some(self.appender.now_ms()),
            batch: Some(id.into()),
            ..Line::default()
        })
    }

    /// Records settled outcomes, in one write where they fit. Contacts
    /// already invited before this run add nothing the journal needs.
    pub fn settled<'a>(
        &self,
        invitations: impl Iterator<Item = &'a Invitation>,
    ) -> std::io::Result<()> {
        let at = self.appender.now_ms();
        let mut lines = Vec::new();
        for invitation in invitations {
            if matches!(invitation.outcome, Outcome::AlreadyInvited) {
                continue;
            }
            let links = invitation.outcome.links();
            serde_json::to_writer(
                &mut lines,
                &Line {
                    account: Some(self.account.as_str().into()),
                    event: Some(self.event),
                    at: Some(at),
                    contact: Some(invitation.contact.get()),
                    outcome: Some(invitation.outcome.word().into()),
                    invite_link_yes: links.map(|l| l.yes().into()),
                    invite_link_no: links.map(|l| l.no().into()),
                    ..Line::default()
                },
            )?;
            lines.push(b'\n');
        }
        self.appender.write_lines(&lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> EventId {
        EventId::new(n).expect("id")
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ivvy-invites-journal-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("j.ndjson")
    }

    #[test]
    fn intents_outcomes_and_older_lines_are_read_back() {
        let path = temp("read");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(
            &path,
            concat!(
                // An older version's line.
                "{\"event\":4,\"contact\":1,\"status\":true,\"inviteLinkYes\":\"https://a.test/y\",\"inviteLinkNo\":\"https://a.test/n\"}\n",
                "{\"event\":5,\"at\":99999,\"sending\":[3]}\n",
                "{\"event\":4,\"at\":1000,\"sending\":[2,3,4,5]}\n",
                "{\"event\":4,\"at\":1500,\"contact\":2,\"outcome\":\"invited\",\"inviteLinkYes\":\"https://a.test/y2\",\"inviteLinkNo\":\"https://a.test/n2\"}\n",
                "{\"event\":4,\"at\":1500,\"contact\":4,\"outcome\":\"failed\"}\n",
                "{\"event\":4,\"at\":1600,\"contact\":5,\"outcome\":\"unknown\"}\n",
                "{\"event\":4,\"contact\":6,\"sta",
            ),
        )
        .expect("writes");
        let earlier = Earlier::read(&path, "acct", event(4), None).expect("reads");
        let mut invited: Vec<u64> = earlier.invited().map(|c| c.get()).collect();
        invited.sort_unstable();
        assert_eq!(invited, [1, 2]);
        // 3 was sent and never settled; 5 settled as unknown.
        assert_eq!(earlier.in_doubt(), 2);
        assert_eq!(earlier.last_write_ms, Some(1600));
        let appender = Appender::open(&path, Arc::new(ivvy::SystemClock)).expect("opens");
        let links = earlier.links(Some(&appender), 2).expect("links");
        assert_eq!(links.yes(), "https://a.test/y2");
        assert!(earlier.links(Some(&appender), 4).is_none());
        // Only the contacts asked about are kept.
        let only_two = |c: u64| c == 2;
        let earlier = Earlier::read(&path, "acct", event(4), Some(&only_two)).expect("reads");
        assert_eq!(earlier.invited().count(), 1);
        assert_eq!(earlier.in_doubt(), 0);
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }

    #[test]
    fn what_a_run_writes_reads_back_and_a_torn_tail_is_mended() {
        let path = temp("write");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, "{\"event\":4,\"contact\":9,\"sta").expect("writes");
        let clock = Arc::new(ivvy::ManualClock::new(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7),
        ));
        let appender = Arc::new(Appender::open(&path, clock).expect("opens"));
        let writer = Writer::new(appender.clone(), "acct", event(4));
        let c = |n: u64| ContactId::new(n).expect("id");
        writer.sending(&[c(1), c(2)]).expect("writes");
        let links = InviteLinks::new("https://a.test/y".into(), "https://a.test/n".into());
        let invited = Invitation::new(c(1), Outcome::Invited(links.expect("links")));
        writer.settled([&invited].into_iter()).expect("writes");
        let earlier = Earlier::read(&path, "acct", event(4), None).expect("reads");
        assert_eq!(earlier.invited().map(|c| c.get()).collect::<Vec<_>>(), [1]);
        assert_eq!(earlier.in_doubt(), 1);
        assert_eq!(earlier.last_write_ms, Some(7_000));
        assert_eq!(
            earlier.links(Some(&appender), 1).expect("links").no(),
            "https://a.test/n"
        );
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(
            text.starts_with("{\"event\":4,\"contact\":9,\"sta\n{"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }
}
