//! The end of an invite run: the summary on stderr (counts, and the first
//! few of each kind not invited) and the exit it gives.

use ivvy::{BulkSummary, Invitation, Outcome, Person, PersonInvitation, Resolution};

use crate::error::CliError;
use crate::output;

/// Ids of each failing kind named in the summary.
const SHOWN_IDS: usize = 20;

/// The first ids of each kind that is not invited, for the summary.
#[derive(Default)]
pub struct FailingIds {
    not_invited: Vec<u64>,
    failed: Vec<u64>,
    unknown: Vec<u64>,
    not_sent: Vec<u64>,
    /// Why the run stopped, when it spent its retry budget.
    budget_spent: Option<String>,
}

impl FailingIds {
    pub fn note(&mut self, batch: &[Invitation]) {
        for invitation in batch {
            if let Some(error @ ivvy::Error::RetryBudgetSpent { .. }) = invitation.outcome.error() {
                self.budget_spent.get_or_insert_with(|| error.to_string());
            }
            let list = match invitation.outcome {
                Outcome::NotInvited => &mut self.not_invited,
                Outcome::Failed(_) => &mut self.failed,
                Outcome::Unknown(_) => &mut self.unknown,
                Outcome::NotSent(_) => &mut self.not_sent,
                _ => continue,
            };
            if list.len() < SHOWN_IDS {
                list.push(invitation.contact.get());
            }
        }
    }

    /// The exit: 0 when all are invited; 3 when some are not (or the run
    /// gave up); 1 when only failed requests kept some out.
    pub fn verdict(&self, summary: &BulkSummary) -> Result<(), CliError> {
        let not = summary.settled() - summary.invited - summary.already_invited;
        if summary.all_invited() {
            Ok(())
        } else if let Some(reason) = &self.budget_spent {
            // The run gave up: the rest are reported not invited, with why.
            Err(CliError::NotAllInvited(format!(
                "{not} of {} contacts are not invited: {reason}",
                summary.settled()
            )))
        } else if summary.failed > 0 && summary.not_invited == 0 && summary.not_sent == 0 {
            Err(CliError::Failed(format!(
                "{} of {} contacts were not invited because a request failed",
                summary.failed + summary.unknown,
                summary.settled()
            )))
        } else {
            Err(CliError::NotAllInvited(format!(
                "{not} of {} contacts are not invited (the summary says which)",
                summary.settled()
            )))
        }
    }

    pub fn summary(&self, s: &BulkSummary) -> String {
        let mut text = format!(
            "summary: {} invited, {} already invited, {} not invited, {} failed, {} unknown, {} not sent\n",
            s.invited, s.already_invited, s.not_invited, s.failed, s.unknown, s.not_sent
        );
        for (label, count, ids) in [
            ("not invited", s.not_invited, &self.not_invited),
            ("failed", s.failed, &self.failed),
            ("unknown", s.unknown, &self.unknown),
            ("not sent", s.not_sent, &self.not_sent),
        ] {
            if count > 0 {
                let shown: Vec<String> = ids.iter().map(ToString::to_string).collect();
                let more = count.saturating_sub(ids.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                text.push_str(&format!("  {label}: {}{more}\n", shown.join(", ")));
            }
        }
        text
    }
}

/// A kind of row in a people run's summary: how many, and the first few.
#[derive(Default)]
struct Shown {
    count: usize,
    first: Vec<String>,
}

impl Shown {
    fn add(&mut self, person: &Person) {
        self.count += 1;
        if self.first.len() < SHOWN_IDS {
            let who = person
                .external_id
                .as_deref()
                .or(person.email.as_deref())
                .unwrap_or("?");
            self.first.push(output::safe(who));
        }
    }

    fn line(&self, label: &str) -> String {
        if self.count == 0 {
            return String::new();
        }
        let more = self.count - self.first.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("  {label}: {}{more}\n", self.first.join(", "))
    }
}

/// What became of the people of a run, for the summary and the exit.
#[derive(Default)]
pub struct PeopleTally {
    rows: usize,
    found: usize,
    added: usize,
    invited: usize,
    ambiguous: Shown,
    not_found: Shown,
    cannot_add: Shown,
    failed: Shown,
    not_sent: Shown,
    not_invited: Shown,
}

impl PeopleTally {
    pub fn note(&mut self, rows: &[PersonInvitation]) {
        for row in rows {
            self.rows += 1;
            self.note_resolution(&row.person, &row.resolution);
            match &row.outcome {
                Some(outcome) if outcome.is_invited() => self.invited += 1,
                Some(Outcome::NotSent(_)) => self.not_sent.add(&row.person),
                Some(_) => self.not_invited.add(&row.person),
                None => {}
            }
        }
    }

    fn note_resolution(&mut self, person: &Person, resolution: &Resolution) {
        match resolution {
            Resolution::Found(_) => self.found += 1,
            Resolution::Created(_) => self.added += 1,
            Resolution::Ambiguous(_) => self.ambiguous.add(person),
            Resolution::NotFound | Resolution::NoIdentity => self.not_found.add(person),
            Resolution::CannotAdd(_) => self.cannot_add.add(person),
            Resolution::NotSent(_) => self.not_sent.add(person),
            _ => self.failed.add(person),
        }
    }

    pub fn summary(&self) -> String {
        let mut text = format!(
            "summary: {} people: {} invited ({} added to the account), {} ambiguous, {} not in the account, {} cannot be added, {} failed, {} not invited, {} not sent\n",
            self.rows,
            self.invited,
            self.added,
            self.ambiguous.count,
            self.not_found.count,
            self.cannot_add.count,
            self.failed.count,
            self.not_invited.count,
            self.not_sent.count,
        );
        for (label, shown) in [
            ("ambiguous", &self.ambiguous),
            ("not in the account", &self.not_found),
            ("cannot be added", &self.cannot_add),
            ("failed", &self.failed),
            ("not invited", &self.not_invited),
            ("not sent", &self.not_sent),
        ] {
            text.push_str(&shown.line(label));
        }
        text
    }

    /// Exit 3 when any person is not invited.
    pub fn verdict(&self) -> Result<(), CliError> {
        if self.invited == self.rows {
            Ok(())
        } else {
            Err(CliError::NotAllInvited(format!(
                "{} of {} people are not invited (the summary says which)",
                self.rows - self.invited,
                self.rows
            )))
        }
    }
}
