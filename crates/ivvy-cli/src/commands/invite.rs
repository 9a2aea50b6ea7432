//! `ivvy invite`: the bulk invite, of contact ids or of people from a CRM
//! export (found by external id or email, and added when asked). Results are written as they settle and
//! kept in the journal; one run per host and event at a time; a dry run,
//! a question before a large run, signals that stop the run cleanly in
//! every phase, and a summary at the end.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ivvy::{
    BulkOptions, BulkSummary, EventId, Invitation, Outcome, PeopleOptions, Person,
    PersonInvitation, Resolution,
};

use crate::args::InviteArgs;
use crate::contacts;
use crate::error::CliError;
use crate::export::{self, Export};
use crate::journal::invites;
use crate::output;
use crate::results::{Columns, InviteRow, Invites, People, PersonRow, ResultWriter, Row};
use crate::run_state::{self, Places, RunState};
use crate::signals::Interrupts;
use crate::state;

/// From a terminal, a run that would invite more than this asks first.
const ASK_ABOVE: usize = 1_000;
/// Ids of each failing kind named in the summary.
const SHOWN_IDS: usize = 20;

/// What to invite: contact ids, or people to find first.
enum Input {
    Contacts(Vec<ivvy::ContactId>),
    People(Vec<Person>, Export),
}

impl Input {
    /// Reads and checks the list; nothing is sent.
    fn read(args: &InviteArgs) -> Result<Self, CliError> {
        if args.create_missing && args.people.is_none() {
            return Err(CliError::Input(
                "--create-missing adds people from --people; contact ids are never added".into(),
            ));
        }
        match (&args.contacts, &args.contacts_file, &args.people) {
            (Some(list), _, _) => Ok(Input::Contacts(contacts::from_list(list)?)),
            (None, Some(path), _) => Ok(Input::Contacts(contacts::from_file(
                path,
                &args.read.options(),
            )?)),
            (None, None, Some(path)) => {
                let (name, bytes) = contacts::read_input(path)?;
                let mut export = export::read_people(&name, &bytes, &args.read.options())?;
                let people = std::mem::take(&mut export.people);
                Ok(Input::People(
                    people.into_iter().map(|(_, p)| p).collect(),
                    export,
                ))
            }
            (None, None, None) => Err(CliError::Input(
                "give --contacts, --contacts-file or --people".into(),
            )),
        }
    }

    fn len(&self) -> usize {
        match self {
            Input::Contacts(ids) => ids.len(),
            Input::People(people, _) => people.len(),
        }
    }
}

/// Why nobody missing from the account can be added when the export has
/// no column for a name, naming the column and the headers read as it.
fn names_missing(export: &Export) -> Option<String> {
    let missing: Vec<String> = export
        .missing_name_columns
        .iter()
        .map(|field| {
            format!(
                "no {} column (read as one: {})",
                field.name(),
                field.spellings()
            )
        })
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "not in the account, and cannot be added: the file has {}; name it with --column",
            missing.join(" and ")
        )
    })
}

/// The event from `--event`, or found by `--event-code` (an unknown code
/// is the user's to fix: exit 2, nothing sent).
async fn event(client: &ivvy::Client, args: &InviteArgs) -> Result<EventId, CliError> {
    match (args.event, &args.event_code) {
        (Some(event), _) => Ok(event),
        (None, Some(code)) => match client.event_by_code(code).await {
            Ok(event) => {
                tracing::info!(event = event.id.get(), code = %ivvy::escaped(code), "found the event");
                Ok(event.id)
            }
            Err(error @ ivvy::Error::NotFound { .. }) => Err(CliError::Input(error.to_string())),
            Err(error) => Err(error.into()),
        },
        (None, None) => Err(CliError::Input("give --event or --event-code".into())),
    }
}

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
    let event = event(client, args).await?;
    let what = format!("event {event} on {}", client.base_url());
    let account = state::account_name(client.base_url(), api_key);
    let places = Places::find(args, &account, event)?;

    let interrupts = Interrupts::listen();
    let token = interrupts.token();
    if args.dry_run || (input.len() > ASK_ABOVE && !args.yes && is_interactive()) {
        let plan = tokio::select! {
            plan = plan(client, args, (&account, event), &input, places.invites_journal()) => plan?,
            () = token.cancelled() => return Err(interrupted(&interrupts)),
        };
        eprint!("{}", plan.describe(&what));
        if args.dry_run {
            return Ok(());
        }
        if plan.to_send > ASK_ABOVE {
            let answer = tokio::select! {
                answer = confirm(plan.to_send, &what) => answer?,
                () = token.cancelled() => return Err(interrupted(&interrupts)),
            };
            if !answer {
                return Err(CliError::Input("not confirmed; nothing was sent".into()));
            }
        }
    }

    // One run per account and event on this machine, and one that adds
    // per account (a dry run sends nothing, so it needs none).
    let clock = client.clock().clone();
    let taken = RunState::take(&places, &account, event, &what, args, &clock, &token).await?;
    let Some(run_state) = taken else {
        return Err(interrupted(&interrupts));
    };
    let earlier = match &input {
        Input::Contacts(ids) => {
            let wanted: std::collections::HashSet<u64> = ids.iter().map(|c| c.get()).collect();
            run_state.earlier_invites(&account, event, Some(&|c| wanted.contains(&c)))?
        }
        Input::People(..) => run_state.earlier_invites(&account, event, None)?,
    };
    let earlier_adds = match &input {
        Input::People(people, _) => run_state.earlier_adds(people)?,
        Input::Contacts(_) => Default::default(),
    };
    let window = Duration::from_secs(args.consistency_window);
    for (in_doubt, last_write) in [
        (earlier.in_doubt(), earlier.last_write_ms),
        (earlier_adds.in_doubt, earlier_adds.last_write_ms),
    ] {
        if !run_state::wait_for_earlier(in_doubt, last_write, window, &clock, &token).await {
            return Err(interrupted(&interrupts));
        }
    }

    let bar = progress_bar(input.len(), usize::from(args.chunk_size));
    let mut options = options(args, &interrupts, bar.clone()).already_invited(earlier.invited());
    if let Some(journal) = run_state.invites.clone() {
        options = options.before_send(move |_, contacts| {
            if let Err(error) = journal.sending(contacts) {
                tracing::warn!(%error, "could not write to the journal");
            }
        });
    }
    let appender = run_state.invites.as_ref().map(|w| w.appender());
    let links = |contact: u64| earlier.links(appender, contact);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let verdict = match input {
        Input::Contacts(ids) => {
            let mut sink =
                Sink::<Invites>::start(stdout, &args.output, event, run_state.invites.clone())?;
            let mut failing = FailingIds::default();
            let result = client
                .invite_each(event, ids, &options, |batch: Vec<Invitation>| {
                    sink.record(batch.iter());
                    failing.note(&batch);
                    sink.write(batch.iter().map(|i| InviteRow::new(i, &links)));
                })
                .await;
            let summary = finish(bar, sink, result)?;
            eprint!("{}", failing.summary(&summary));
            failing.verdict(&summary)
        }
        Input::People(people, _) => {
            let mut sink =
                Sink::<People>::start(stdout, &args.output, event, run_state.invites.clone())?;
            let mut tally = PeopleTally::default();
            let mut journalled = HashSet::new();
            let mut options = PeopleOptions::new()
                .create_missing(args.create_missing)
                .added_earlier(earlier_adds.added)
                .bulk(options);
            if let Some(adds) = run_state.adds.clone() {
                options = options.on_add(move |person, step| {
                    if let Err(error) = adds.record(person, step) {
                        tracing::warn!(%error, "could not write to the adds journal");
                    }
                });
            }
            let result = client
                .invite_people_each(event, people, &options, |rows: Vec<PersonInvitation>| {
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
                })
                .await;
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

/// Ends the output and the progress bar, then reports the run's error or
/// a write error (a closed stdout, `| head`, is quiet).
fn finish<K: Columns>(
    bar: Option<ProgressBar>,
    sink: Sink<K>,
    result: Result<BulkSummary, ivvy::Error>,
) -> Result<BulkSummary, CliError> {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // The JSON document is closed whatever happened, so stdout stays valid.
    let written = sink.finish();
    let summary = result?;
    written?;
    Ok(summary)
}

/// Where settled results go: the output (until it fails) and the journal.
struct Sink<K: Columns> {
    out: Option<ResultWriter<std::io::BufWriter<std::io::Stdout>, K>>,
    write_error: Option<CliError>,
    journal: Option<invites::Writer>,
}

impl<K: Columns> Sink<K> {
    fn start(
        out: std::io::BufWriter<std::io::Stdout>,
        output: &crate::args::OutputArg,
        event: EventId,
        journal: Option<invites::Writer>,
    ) -> Result<Self, CliError> {
        Ok(Self {
            out: Some(ResultWriter::start(
                out,
                output::choose(output.output),
                output.csv_formulas,
                Some(event.get()),
            )?),
            write_error: None,
            journal,
        })
    }

    /// Keeps settled results in the journal.
    fn record<'a>(&mut self, invitations: impl Iterator<Item = &'a Invitation>) {
        if let Some(journal) = &self.journal
            && let Err(error) = journal.settled(invitations)
        {
            tracing::warn!(%error, "could not append to the journal");
        }
    }

    /// Writes rows. A closed stdout stops the output, not the run: the
    /// journal still gets every result.
    fn write<R: Row<Kind = K>>(&mut self, rows: impl IntoIterator<Item = R>) {
        if let Some(writer) = &mut self.out
            && let Err(error) = writer.write(rows)
        {
            self.out = None;
            self.write_error = Some(error);
        }
    }

    /// Closes the output; a write error other than a closed stdout counts.
    fn finish(self) -> Result<(), CliError> {
        let closed = match self.out {
            Some(out) => out.finish(),
            None => Ok(()),
        };
        for error in [self.write_error, closed.err()].into_iter().flatten() {
            if !error.is_broken_pipe() {
                return Err(error);
            }
        }
        Ok(())
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
    /// For a people list: how they were found.
    people: Option<String>,
    given: usize,
    distinct: usize,
    already: usize,
    to_send: usize,
    requests: usize,
}

impl Plan {
    fn describe(&self, what: &str) -> String {
        format!(
            "plan for {what}:\n{}  {} contacts given, {} repeats dropped\n  {} already invited (skipped)\n  {} to send, in {} request(s)\n",
            self.people.as_deref().unwrap_or_default(),
            self.given,
            self.given - self.distinct,
            self.already,
            self.to_send,
            self.requests
        )
    }
}

/// Reads the event's journal and invitations (and, for people, finds them
/// without adding anyone) and works out the run; sends no invitation.
/// People are counted once each, by the library's rule for repeats
/// ([`Person::key`]), as the run treats them.
async fn plan(
    client: &ivvy::Client,
    args: &InviteArgs,
    (account, event): (&str, EventId),
    input: &Input,
    journal: Option<&std::path::Path>,
) -> Result<Plan, CliError> {
    use futures::TryStreamExt;
    let (ids, people) = match input {
        Input::Contacts(ids) => (ids.clone(), None),
        Input::People(people, _) => {
            // Found without adding anyone; those who would be added are
            // counted apart.
            let found = client.resolve_people(people, &PeopleOptions::new()).await?;
            let mut tally = PeopleTally::default();
            let ids: Vec<ivvy::ContactId> = found.iter().filter_map(|r| r.contact()).collect();
            let mut counted = HashSet::new();
            let mut to_add = 0;
            for (person, resolution) in people.iter().zip(found) {
                // A repeat of a person is the same person: counted once.
                if let Some(key) = person.key()
                    && !counted.insert(key)
                {
                    continue;
                }
                let missing = matches!(resolution, Resolution::NotFound);
                if missing && args.create_missing && !person.can_be_added() {
                    tally.cannot_add.add(person);
                } else if missing && args.create_missing {
                    to_add += 1;
                } else {
                    tally.note_resolution(person, &resolution);
                }
            }
            let missing = if args.create_missing {
                format!("{to_add} to add and invite")
            } else {
                format!(
                    "{} not in the account (--create-missing adds them)",
                    tally.not_found.count
                )
            };
            let line = format!(
                "  {} rows, {} people: {} found, {} ambiguous, {missing}, {} cannot be added\n",
                people.len(),
                counted.len(),
                tally.found,
                tally.ambiguous.count,
                tally.cannot_add.count
            );
            (ids, Some((line, to_add)))
        }
    };
    let mut seen = HashSet::new();
    let distinct: Vec<u64> = ids
        .iter()
        .map(|c| c.get())
        .filter(|c| seen.insert(*c))
        .collect();
    // Contacts the journal shows invited are skipped without asking.
    let mut found: HashSet<u64> = match journal {
        Some(path) => invites::Earlier::read(path, account, event, Some(&|c| seen.contains(&c)))?
            .invited()
            .map(|c| c.get())
            .collect(),
        None => HashSet::new(),
    };
    if !args.no_skip_invited && found.len() < seen.len() {
        let mut invited = std::pin::pin!(client.invited_contacts(event, None));
        while let Some(invitation) = invited.try_next().await? {
            let contact = invitation.contact.get();
            if seen.contains(&contact) {
                found.insert(contact);
            }
        }
    }
    let already = found.len();
    let adding = people.as_ref().map_or(0, |(_, adding)| *adding);
    let to_send = distinct.len() - already + adding;
    Ok(Plan {
        people: people.map(|(line, _)| line),
        given: ids.len(),
        distinct: distinct.len(),
        already,
        to_send,
        requests: to_send.div_ceil(usize::from(args.chunk_size)),
    })
}

/// Asks on the terminal; true for yes. The answer is read off the async
/// runtime, so a signal can end the wait for it.
async fn confirm(count: usize, what: &str) -> Result<bool, CliError> {
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

    /// The exit: 0 when all are invited; 3 when some are not (or the run
    /// gave up); 1 when only failed requests kept some out.
    fn verdict(&self, summary: &BulkSummary) -> Result<(), CliError> {
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
struct PeopleTally {
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
    fn note(&mut self, rows: &[PersonInvitation]) {
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

    fn summary(&self) -> String {
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
    fn verdict(&self) -> Result<(), CliError> {
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
