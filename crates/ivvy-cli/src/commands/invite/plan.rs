//! The run worked out before anything is sent, as the library plans it
//! ([`ivvy::InvitePlan`], [`ivvy::PeoplePlan`]): said for a dry run and
//! before a large run, asked about on a terminal, then carried out as it
//! is, so nobody is looked up twice.

use std::io::Write;

use ivvy::{InvitePlan, PeoplePlan};

use crate::error::CliError;

/// The plan of a contacts run or of a people run.
pub enum Plan {
    Contacts(InvitePlan),
    People(PeoplePlan),
}

impl Plan {
    /// Contacts to send (those to add included).
    pub fn to_send(&self) -> usize {
        match self {
            Plan::Contacts(plan) => plan.to_send(),
            Plan::People(plan) => plan.counts().to_send,
        }
    }

    /// True when the run was cancelled while it was planned.
    pub fn is_stopped(&self) -> bool {
        match self {
            Plan::Contacts(plan) => plan.is_stopped(),
            Plan::People(plan) => plan.is_stopped(),
        }
    }

    /// The plan in words, for stderr.
    pub fn describe(
        &self,
        what: &str,
        chunk_size: usize,
        create_missing: bool,
        batch: bool,
    ) -> String {
        let (people, given, distinct, already) = match self {
            Plan::Contacts(plan) => (
                String::new(),
                plan.given,
                plan.distinct(),
                plan.already_invited(),
            ),
            Plan::People(plan) => {
                let c = plan.counts();
                let missing = if create_missing {
                    format!("{} to add and invite", c.to_add)
                } else {
                    format!(
                        "{} not in the account (--create-missing adds them)",
                        c.not_found
                    )
                };
                let line = format!(
                    "  {} rows, {} people: {} found, {} ambiguous, {missing}, {} cannot be added\n",
                    c.rows, c.people, c.found, c.ambiguous, c.cannot_add
                );
                (line, c.contacts_given, c.contacts, c.already_invited)
            }
        };
        let to_send = self.to_send();
        let direct = to_send.div_ceil(chunk_size.max(1));
        // A batch holds 200 jobs; each is also read back at least twice
        // (its progress, then its results).
        let batches = direct.div_ceil(200);
        let how = if batch {
            format!(
                "in {batches} batch request(s) (+ at least {} reads of their progress and results; {direct} request(s) without --batch)",
                2 * batches
            )
        } else {
            format!(
                "in {direct} request(s) ({batches} batch request(s) + at least {} reads with --batch)",
                2 * batches
            )
        };
        format!(
            "plan for {what}:\n{people}  {given} contacts given, {} repeats dropped\n  {already} already invited (skipped)\n  {to_send} to send, {how}\n",
            given - distinct,
        )
    }
}

/// Asks on the terminal; true for yes. The answer is read off the async
/// runtime, so a signal can end the wait for it.
pub async fn confirm(count: usize, what: &str) -> Result<bool, CliError> {
    eprint!("Invite {count} contacts to {what}? [y/N] ");
    std::io::stderr().flush()?;
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map(|_| answer)
    })
    .await
    .map_err(|e| CliError::Failed(format!("cannot read the answer: {e}")))??;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
