//! `ivvy invite`: the bulk invite. Results are written as they settle and
//! kept in the journal; one run per host and event at a time; a dry run,
//! a question before a large run, signals that stop the run cleanly in
//! every phase, and a summary at the end.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ivvy::{BulkOptions, BulkSummary, Invitation, Outcome};

use crate::args::InviteArgs;
use crate::contacts;
use crate::error::CliError;
use crate::journal::{self, Journal};
use crate::lock::RunLock;
use crate::output;
use crate::results::{InviteRow, Invites, ResultWriter};
use crate::signals::Interrupts;

/// From a terminal, a run that would invite more than this asks first.
const ASK_ABOVE: usize = 1_000;
/// Ids of each failing kind named in the summary.
const SHOWN_IDS: usize = 20;

pub async fn run(client: &ivvy::Client, args: &InviteArgs) -> Result<(), CliError> {
    // Read and check every id before anything is sent.
    let ids = match (&args.contacts, &args.contacts_file) {
        (Some(list), _) => contacts::from_list(list)?,
        (None, Some(path)) => contacts::from_file(path)?,
        (None, None) => return Err(CliError::Input("give --contacts or --contacts-file".into())),
    };
    let format = output::choose(args.output.output);
    let event = args.event;
    let what = format!("event {event} on {}", client.base_url());

    let journal_path = match (&args.journal, args.no_journal) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) => journal::default_path(client.base_url(), event.get()),
    };
    let interrupts = Interrupts::listen();
    if args.dry_run || (ids.len() > ASK_ABOVE && !args.yes && is_interactive()) {
        let token = interrupts.token();
        let plan = tokio::select! {
            plan = plan(client, args, &ids) => plan?,
            () = token.cancelled() => return Err(interrupted(&interrupts)),
        };
        eprint!("{}", plan.describe(&what));
        if args.dry_run {
            return Ok(());
        }
        if plan.to_send > ASK_ABOVE && !confirm(plan.to_send, &what)? {
            return Err(CliError::Input("not confirmed; nothing was sent".into()));
        }
    }

    // One run per host and event on this machine (a dry run sends nothing,
    // so it needs none).
    let name = journal::run_name(client.base_url(), event.get());
    let lock_dir = journal::state_dir().unwrap_or_else(std::env::temp_dir);
    let _lock = RunLock::take(&lock_dir.join(format!("{name}.lock")), &what, args.wait)?;

    let earlier = journal_path
        .as_deref()
        .map(|path| journal::earlier_links(path, event.get()))
        .unwrap_or_default();
    let mut journal = journal_path
        .as_deref()
        .map(|path| Journal::open(path, event.get()))
        .transpose()?;
    let bar = progress_bar(ids.len(), usize::from(args.chunk_size));
    let options = options(args, &interrupts, bar.clone());

    let mut out = Some(ResultWriter::<_, Invites>::start(
        std::io::BufWriter::new(std::io::stdout()),
        format,
        event.get(),
    )?);
    let mut write_error = None;
    let mut failing = FailingIds::default();
    let result = client
        .invite_each(event, ids, &options, |batch: Vec<Invitation>| {
            // Contacts already invited add nothing the journal lacks, and
            // would make it grow with every rerun.
            let news: Vec<&Invitation> = batch
                .iter()
                .filter(|i| !matches!(i.outcome, Outcome::AlreadyInvited))
                .collect();
            if let Some(journal) = &mut journal
                && let Err(error) = journal.append(&news)
            {
                tracing::warn!(%error, "could not append to the journal");
            }
            failing.note(&batch);
            // A closed stdout stops the output, not the run: the journal
            // still gets every result.
            if let Some(writer) = &mut out
                && let Err(error) = writer.write(batch.iter().map(|i| InviteRow::new(i, &earlier)))
            {
                out = None;
                write_error = Some(error);
            }
        })
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // The JSON document is closed whatever happened, so stdout stays valid.
    let closed = match out {
        Some(out) => out.finish(),
        None => Ok(()),
    };
    let summary = result?;
    // A closed stdout (`| head`) is quiet; any other write error counts.
    for error in [write_error, closed.err()].into_iter().flatten() {
        if !error.is_broken_pipe() {
            return Err(error);
        }
    }

    eprint!("{}", failing.summary(&summary));
    if interrupts.received().is_some() {
        return Err(interrupted(&interrupts));
    }
    if summary.all_invited() {
        Ok(())
    } else if let Some(reason) = &failing.budget_spent {
        // The run gave up: the rest are reported not invited, with why.
        Err(CliError::NotAllInvited(format!(
            "{} of {} contacts are not invited: {reason}",
            summary.settled() - summary.invited - summary.already_invited,
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
            "{} of {} contacts are not invited (the summary says which)",
            summary.settled() - summary.invited - summary.already_invited,
            summary.settled()
        )))
    }
}

/// The exit for a run a signal stopped.
fn interrupted(interrupts: &Interrupts) -> CliError {
    CliError::Interrupted(
        interrupts
            .received()
            .unwrap_or(crate::signals::Signal::Interrupt),
    )
}

fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn options(args: &InviteArgs, interrupts: &Interrupts, bar: Option<ProgressBar>) -> BulkOptions {
    let mut options = BulkOptions::new()
        .chunk_size(usize::from(args.chunk_size))
        .concurrency(usize::from(args.concurrency))
        .max_attempts(args.max_attempts)
        .skip_invited(!args.no_skip_invited)
        .retry_budget(Duration::from_secs(args.max_retry_time))
        .consistency_window(Duration::from_secs(args.consistency_window))
        .cancel_on(interrupts.token());
    if let Some(bar) = bar.clone() {
        options = options.on_progress(move |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        });
    }
    // Every wait shows on the progress line; a long one is also logged as
    // a warning by the library, so it shows without a bar too.
    options.on_wait(move |wait| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "waiting {:.0} s: {}",
                wait.delay.as_secs_f64().ceil(),
                ivvy::escaped(&wait.reason)
            ));
        }
    })
}

fn progress_bar(contacts: usize, chunk_size: usize) -> Option<ProgressBar> {
    (std::io::stderr().is_terminal() && contacts > chunk_size).then(|| {
        let bar = ProgressBar::new(contacts as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} contacts ({eta} left) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    })
}

/// What a run would do.
struct Plan {
    given: usize,
    distinct: usize,
    already: usize,
    to_send: usize,
    requests: usize,
}

impl Plan {
    fn describe(&self, what: &str) -> String {
        format!(
            "plan for {what}:\n  {} contacts given, {} repeats dropped\n  {} already invited (skipped)\n  {} to send, in {} request(s)\n",
            self.given,
            self.given - self.distinct,
            self.already,
            self.to_send,
            self.requests
        )
    }
}

/// Reads the event's invitations and works out the run; sends nothing.
async fn plan(
    client: &ivvy::Client,
    args: &InviteArgs,
    ids: &[ivvy::ContactId],
) -> Result<Plan, CliError> {
    use futures::TryStreamExt;
    let mut seen = HashSet::new();
    let distinct: Vec<u64> = ids
        .iter()
        .map(|c| c.get())
        .filter(|c| seen.insert(*c))
        .collect();
    let mut found = HashSet::new();
    if !args.no_skip_invited {
        let mut invited = std::pin::pin!(client.invited_contacts(args.event, None));
        while let Some(invitation) = invited.try_next().await? {
            let contact = invitation.contact.get();
            if seen.contains(&contact) {
                found.insert(contact);
            }
        }
    }
    let already = found.len();
    let to_send = distinct.len() - already;
    Ok(Plan {
        given: ids.len(),
        distinct: distinct.len(),
        already,
        to_send,
        requests: to_send.div_ceil(usize::from(args.chunk_size)),
    })
}

/// Asks on the terminal; true for yes.
fn confirm(count: usize, what: &str) -> Result<bool, CliError> {
    eprint!("Invite {count} contacts to {what}? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// The first ids of each kind that is not invited, for the summary.
#[derive(Default)]
struct FailingIds {
    not_invited: Vec<u64>,
    failed: Vec<u64>,
    unknown: Vec<u64>,
    not_sent: Vec<u64>,
    /// Why the run stopped, when it spent its retry budget.
    budget_spent: Option<String>,
}

impl FailingIds {
    fn note(&mut self, batch: &[Invitation]) {
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

    fn summary(&self, s: &BulkSummary) -> String {
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
