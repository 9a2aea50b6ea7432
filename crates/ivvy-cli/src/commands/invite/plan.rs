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
                let mut line = format!(
                    "  {} rows, {} people: {} found, {} ambiguous, {missing}, {} cannot be added\n",
                    c.rows, c.people, c.found, c.ambiguous, c.cannot_add
                );
                if create_missing && c.to_add > 0 {
                    // People known by email alone are added after the
                    // others, in batches of their own.
                    line.push_str(&format!(
                        "  {} to add, {}{}\n",
                        c.to_add,
                        requests_each_way(c.to_add, 1, ADDS_A_BATCH, batch),
                        if batch {
                            ", one more if some are known by email alone"
                        } else {
                            ""
                        }
                    ));
                }
                (line, c.contacts_given, c.contacts, c.already_invited)
            }
        };
        let to_send = self.to_send();
        let how = requests_each_way(to_send, chunk_size, ivvy::INVITE_JOBS_A_BATCH, batch);
        format!(
            "plan for {what}:\n{people}  {given} contacts given, {} repeats dropped\n  {already} already invited (skipped)\n  {to_send} to send, {how}\n",
            given - distinct,
        )
    }
}

/// addOrUpdateContact jobs in one batch: iVvy's limit.
const ADDS_A_BATCH: usize = 200;

/// The requests `items` take at `per_request` a call, directly and
/// through batches of `per_batch` calls, the way the run goes first. Each
/// batch is also read back at least twice (its progress, then its
/// results).
fn requests_each_way(items: usize, per_request: usize, per_batch: usize, batch: bool) -> String {
    let direct = items.div_ceil(per_request.max(1));
    let batches = direct.div_ceil(per_batch.max(1));
    let reads = 2 * batches;
    if batch {
        format!(
            "in {batches} batch request(s) (+ at least {reads} reads of their progress and results; {direct} request(s) without --batch)"
        )
    } else {
        format!(
            "in {direct} request(s) ({batches} batch request(s) + at least {reads} reads with --batch)"
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
