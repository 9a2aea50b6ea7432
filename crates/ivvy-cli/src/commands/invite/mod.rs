//! `ivvy invite`: the bulk invite, of contact ids or of people from a CRM
//! export (found by external id or email, and added when asked). This
//! module is the sequence only:
//!
//! 1. read and check the input ([`input`]); find the event;
//! 2. take the run's locks and read its journals ([`crate::run_state`]);
//!    a dry run reads them without a lock;
//! 3. plan with the library ([`plan`]): said for a dry run, asked about
//!    before a large run, then carried out as it is;
//! 4. carry it out, writing rows as they settle to the output and the
//!    journal ([`sink`]), with the options and progress line of
//!    [`options`];
//! 5. end with the summary and the exit ([`summary`]).

mod input;
mod options;
mod plan;
mod sink;
mod summary;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::Duration;

use ivvy::{BulkSummary, Invitation, PeopleOptions, PersonInvitation};

use crate::args::InviteArgs;
use crate::commands::event;
use crate::error::CliError;
use crate::output::rows::invites::{InviteRow, Invites};
use crate::output::rows::people::{People, PersonRow};
use crate::run_state::{self, Places, RunState, dir};
use crate::signals::Interrupts;

use input::{Input, names_missing};
use plan::Plan;
use sink::{Sink, each_batch, finish};
use summary::{FailingIds, PeopleTally};

/// An earlier run's batch `id`, read back by `read`: what it did, or
/// `None` when it cannot be read (a warning; what it carried is then
/// checked against iVvy's lists instead). A batch still running refuses
/// the run: what it carries may yet be done, so nothing may be sent for
/// it now.
async fn read_back<T>(
    id: &str,
    read: impl std::future::Future<Output = Result<T, ivvy::Error>>,
    interrupts: &Interrupts,
) -> Result<Option<T>, CliError> {
    let read = read.await;
    // Stopped while waiting for it: an interruption, not a failure.
    if interrupts.received().is_some() {
        return Err(interrupted(interrupts));
    }
    match read {
        Ok(done) => Ok(Some(done)),
        Err(error @ ivvy::Error::BatchUnfinished { .. }) => Err(CliError::Failed(format!(
            "{error}; run again once it has finished"
        ))),
        Err(error) => {
            tracing::warn!(
                %error,
                batch = %ivvy::escaped(id),
                "could not read an earlier batch back; what it carried is checked instead"
            );
            Ok(None)
        }
    }
}

/// From a terminal, a run that would invite more than this asks first.
const ASK_ABOVE: usize = 1_000;

pub async fn run(client: &ivvy::Client, args: &InviteArgs, api_key: &str) -> Result<(), CliError> {
    // Read and check the whole list before anything is sent.
    let input = Input::read(args)?;
    // Said once, up front; each person it keeps out names it too.
    let names_missing = match &input {
        Input::People(_, export) if args.create_missing => names_missing(export),
        _ => None,
    };
    if let Some(reason) = &names_missing {
        eprintln!("ivvy: {reason}");
    }
    let event = event::find(client, args.event, args.event_code.as_deref()).await?;
    let what = format!("event {event} on {}", client.base_url());
    let account = dir::account_name(client.base_url(), api_key);
    let places = Places::find(args, &account, event)?;
    let interrupts = Interrupts::listen();
    let token = interrupts.token();
    let clock = client.clock().clone();

    // One run per account and event on this machine, and one that adds
    // per account. It plans under its locks, so the plan it carries out
    // still holds; a dry run sends nothing, so it takes none.
    let run_state = if args.dry_run {
        None
    } else {
        let taken = RunState::take(&places, &account, event, &what, args, &clock, &token).await?;
        let Some(run_state) = taken else {
            return Err(interrupted(&interrupts));
        };
        Some(run_state)
    };
    let wanted: Option<HashSet<u64>> = match &input {
        Input::Contacts(ids) => Some(ids.iter().map(|c| c.get()).collect()),
        Input::People(..) => None,
    };
    let read_earlier = || match &wanted {
        Some(wanted) => places.earlier_invites(&account, event, Some(&|c| wanted.contains(&c))),
        None => places.earlier_invites(&account, event, None),
    };
    let mut earlier = read_earlier()?;
    // An earlier run killed while its batches ran: what they did is read
    // back from them (links included), so those contacts are neither sent
    // again nor left in doubt.
    if let Some(journal) = run_state.as_ref().and_then(|s| s.invites.as_ref())
        && earlier.in_doubt() > 0
        && !earlier.batches.is_empty()
    {
        let options = options::bulk(args, &interrupts, None);
        for id in &earlier.batches {
            if let Some(invitations) =
                read_back(id, client.batch_invitations(id, &options), &interrupts).await?
            {
                journal.settled(invitations.iter())?;
            }
        }
        earlier = read_earlier()?;
        if earlier.in_doubt() > 0 {
            earlier.last_write_ms = Some(run_state::journal_now(&clock));
        }
    }
    let read_earlier_adds = || match &input {
        Input::People(people, _) => places.earlier_adds(people),
        Input::Contacts(_) => Ok(Default::default()),
    };
    let mut earlier_adds = read_earlier_adds()?;
    // The same for an earlier run's batches of adds: whom they added is
    // read back, so nobody they carry is looked for before they finish,
    // or added again.
    if let Some(journal) = run_state.as_ref().and_then(|s| s.adds.as_ref())
        && !earlier_adds.batches.is_empty()
    {
        let options = options::bulk(args, &interrupts, None);
        for id in &earlier_adds.batches {
            for contact in read_back(id, client.batch_added(id, &options), &interrupts)
                .await?
                .unwrap_or_default()
            {
                journal.added(&contact)?;
            }
        }
        earlier_adds = read_earlier_adds()?;
        // A batch just read back may have finished a moment ago: people
        // still in doubt are looked up a full window from now, not from
        // the last line the killed run wrote.
        if earlier_adds.in_doubt > 0 {
            earlier_adds.last_write_ms = Some(run_state::journal_now(&clock));
        }
    }
    if run_state.is_some() {
        let window = Duration::from_secs(args.consistency_window);
        for (in_doubt, last_write) in [
            (earlier.in_doubt(), earlier.last_write_ms),
            (earlier_adds.in_doubt, earlier_adds.last_write_ms),
        ] {
            if !run_state::wait_for_earlier(in_doubt, last_write, window, &clock, &token).await {
                return Err(interrupted(&interrupts));
            }
        }
    }

    let bar = options::progress_bar(input.len(), usize::from(args.chunk_size));
    let mut bulk = options::bulk(args, &interrupts, bar.clone()).already_invited(earlier.invited());
    let invites_journal = run_state.as_ref().and_then(|s| s.invites.clone());
    if let Some(journal) = invites_journal.clone() {
        let batches = journal.clone();
        bulk = bulk
            .before_send(move |_, contacts| {
                if let Err(error) = journal.sending(contacts) {
                    tracing::warn!(%error, "could not write to the journal");
                }
            })
            .on_batch(move |_, id, _| {
                if let Err(error) = batches.batch(id) {
                    tracing::warn!(%error, "could not write to the journal");
                }
            });
    }
    let mut people_options = PeopleOptions::new()
        .create_missing(args.create_missing)
        .added_earlier(earlier_adds.added)
        .bulk(bulk.clone());
    if let Some(adds) = run_state.as_ref().and_then(|s| s.adds.clone()) {
        let batches = adds.clone();
        people_options = people_options
            .on_add(move |person, step| {
                if let Err(error) = adds.record(person, step) {
                    tracing::warn!(%error, "could not write to the adds journal");
                }
            })
            .on_add_batch(move |id, people| {
                if let Err(error) = batches.batch(id, people) {
                    tracing::warn!(%error, "could not write to the adds journal");
                }
            });
    }

    let plan = match input {
        Input::Contacts(ids) => Plan::Contacts(client.plan_invites(event, ids, &bulk).await?),
        Input::People(people, _) => {
            Plan::People(client.plan_people(event, people, &people_options).await?)
        }
    };
    let chunk_size = usize::from(args.chunk_size);
    let batch = args.batch && !args.no_batch;
    if args.dry_run {
        if plan.is_stopped() || interrupts.received().is_some() {
            return Err(interrupted(&interrupts));
        }
        eprint!(
            "{}",
            plan.describe(&what, chunk_size, args.create_missing, batch)
        );
        return Ok(());
    }
    let given = match &plan {
        Plan::Contacts(p) => p.given,
        Plan::People(p) => p.counts().rows,
    };
    if given > ASK_ABOVE && !args.yes && is_interactive() && !plan.is_stopped() {
        if let Some(bar) = &bar {
            bar.suspend(|| {
                eprint!(
                    "{}",
                    plan.describe(&what, chunk_size, args.create_missing, batch)
                )
            });
        } else {
            eprint!(
                "{}",
                plan.describe(&what, chunk_size, args.create_missing, batch)
            );
        }
        if plan.to_send() > ASK_ABOVE {
            let answer = tokio::select! {
                answer = plan::confirm(plan.to_send(), &what) => answer?,
                () = token.cancelled() => return Err(interrupted(&interrupts)),
            };
            if !answer {
                return Err(CliError::Input("not confirmed; nothing was sent".into()));
            }
        }
    }

    let appender = invites_journal.as_ref().map(|w| w.appender());
    let links = |contact: u64| earlier.links(appender, contact);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let verdict = match plan {
        Plan::Contacts(plan) => {
            let mut sink =
                Sink::<Invites>::start(stdout, &args.output, event, invites_journal.clone())?;
            let mut failing = FailingIds::default();
            let mut summary = BulkSummary::default();
            let result = each_batch(
                client.invite_planned(plan, &bulk),
                |batch: Vec<Invitation>| {
                    batch.iter().for_each(|i| summary.count(&i.outcome));
                    sink.record(batch.iter());
                    failing.note(&batch);
                    sink.write(batch.iter().map(|i| InviteRow::new(i, &links)));
                },
            )
            .await
            .map(|()| summary);
            let summary = finish(bar, sink, result)?;
            eprint!("{}", failing.summary(&summary));
            failing.verdict(&summary)
        }
        Plan::People(plan) => {
            let mut sink =
                Sink::<People>::start(stdout, &args.output, event, invites_journal.clone())?;
            let mut tally = PeopleTally::default();
            let mut journalled = HashSet::new();
            let result = each_batch(
                client.invite_people_planned(plan, &people_options),
                |rows: Vec<PersonInvitation>| {
                    let invitations: Vec<Option<Invitation>> =
                        rows.iter().map(PersonInvitation::invitation).collect();
                    // Two people may share a contact: it is journalled once.
                    sink.record(
                        invitations
                            .iter()
                            .flatten()
                            .filter(|i| journalled.insert(i.contact)),
                    );
                    tally.note(&rows);
                    sink.write(rows.iter().zip(&invitations).map(|(row, i)| {
                        PersonRow::new(row, i.as_ref(), &links)
                            .names_missing(names_missing.as_deref())
                    }));
                },
            )
            .await
            .map(|()| BulkSummary::default());
            finish(bar, sink, result)?;
            eprint!("{}", tally.summary());
            tally.verdict()
        }
    };
    if interrupts.received().is_some() {
        return Err(interrupted(&interrupts));
    }
    verdict
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
