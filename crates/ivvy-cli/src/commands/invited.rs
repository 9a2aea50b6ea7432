//! `ivvy invited`: the event's invitations with the answers, written as the
//! pages arrive; with `--people`, each person of a CRM export with their
//! answer; with `--since`, only what changed. This module is the sequence:
//!
//! 1. read and check the export, if any; find the event;
//! 2. with `--since last`, read the mark ([`marks`]);
//! 3. write the rows the mark keeps, while a copy of the mark observes
//!    every row read;
//! 4. once the output is complete, save that copy as the next mark.

use futures::{StreamExt, TryStreamExt, future};
use ivvy::{HighWaterMark, PeopleOptions, Person};

use crate::args::{InvitedArgs, Since};
use crate::commands::event;
use crate::contacts;
use crate::error::CliError;
use crate::export;
use crate::output;
use crate::output::ResultWriter;
use crate::output::rows::answers::Answers;
use crate::output::rows::invited::Invited;
use crate::run_state::journal::adds;
use crate::run_state::{dir, marks};

pub async fn run(client: &ivvy::Client, args: &InvitedArgs, api_key: &str) -> Result<(), CliError> {
    // The whole export is read and checked before anything is sent.
    let people = match &args.people {
        Some(path) => {
            let (name, bytes) = contacts::read_input(path)?;
            let export = export::read_people(&name, &bytes, &args.read.options())?;
            let people: Vec<Person> = export.people.into_iter().map(|(_, p)| p).collect();
            Some(people)
        }
        None => None,
    };
    let event = event::find(client, args.event, args.event_code.as_deref()).await?;
    let account = dir::account_name(client.base_url(), api_key);
    let mark_file = match args.since {
        Some(Since::Last) => {
            let folder = dir::ready_folder(args.state_dir.as_deref())?;
            let kind = if people.is_some() {
                "answers"
            } else {
                "invited"
            };
            Some(marks::path(
                &folder,
                &account,
                event,
                kind,
                args.answer.as_ref(),
            ))
        }
        _ => None,
    };
    let earlier = match (args.since, &mark_file) {
        (Some(Since::Time(at)), _) => HighWaterMark::since(at),
        (_, Some(file)) => marks::read(file)?,
        _ => HighWaterMark::new(),
    };
    let mut next = earlier.clone();
    let started = std::time::Instant::now();
    // People whose row says nothing of their answer (a lookup that failed,
    // a run interrupted): always written, and the mark is then left where
    // it was, so the next run gives their answers too.
    let mut unsettled = 0_usize;
    // Rows of the listing that could not be read: one may be a change.
    let mut skipped: Option<ivvy::SkippedRows> = None;

    let format = output::choose(args.output.output);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let answer = args.answer.clone();
    match people {
        None => {
            let (rows, counted) = client.invited_contacts_counted(event, answer);
            skipped = Some(counted);
            let rows = rows
                .inspect_ok(|row| next.observe(row))
                .try_filter(|row| future::ready(earlier.admits(row)));
            ResultWriter::<_, Invited>::start(
                stdout,
                format,
                args.output.csv_formulas,
                Some(event.get()),
            )?
            .write_listing(rows, |out, row| out.write([&row]))
            .await?;
        }
        Some(people) => {
            // Contacts added by earlier runs, which iVvy's listing may not
            // show yet.
            let added = match dir::folder(args.state_dir.as_deref()) {
                Some(folder) => {
                    adds::EarlierAdds::read(&folder.join(adds::file_name(&account)), &people)?.added
                }
                None => Vec::new(),
            };
            let options = PeopleOptions::new().added_earlier(added);
            let filtered = args.since.is_some() || answer.is_some();
            let rows = client
                .answers(event, people, &options)
                .inspect_ok(|row| {
                    next.observe(row);
                    unsettled += usize::from(unsettled_row(row));
                })
                .try_filter(move |row| {
                    let wanted = answer
                        .as_ref()
                        .is_none_or(|a| row.answer.as_ref() == Some(a));
                    let keep = !filtered || unsettled_row(row) || (wanted && earlier.admits(row));
                    future::ready(keep)
                })
                .boxed();
            ResultWriter::<_, Answers>::start(
                stdout,
                format,
                args.output.csv_formulas,
                Some(event.get()),
            )?
            .write_listing(rows, |out, row| out.write([&row]))
            .await?;
        }
    }
    // Only now is every row out: the next run may start after them.
    if let Some(file) = mark_file {
        let holes = skipped.as_ref().map_or(0, ivvy::SkippedRows::get);
        if unsettled > 0 {
            eprintln!(
                "ivvy: {unsettled} people could not be looked up (their rows say why); \
                 the --since mark is left where it was, so the next run gives their answers"
            );
        } else if holes > 0 {
            eprintln!(
                "ivvy: {holes} rows of the listing could not be read (see the warnings); \
                 the --since mark is left where it was, so none of them is passed over"
            );
        } else {
            next.finish(started.elapsed());
            marks::save(&file, &next)?;
        }
    }
    Ok(())
}

/// A row that says nothing of the person's answer, for want of a lookup.
fn unsettled_row(row: &ivvy::PersonAnswer) -> bool {
    matches!(
        row.status,
        ivvy::AnswerStatus::Failed | ivvy::AnswerStatus::NotSent
    )
}
