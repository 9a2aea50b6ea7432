//! `ivvy invite`: the bulk invite, with progress and a result per contact.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ivvy::{BulkOptions, Outcome};

use crate::args::InviteArgs;
use crate::contacts;
use crate::error::CliError;
use crate::output;

/// A wait this long is printed even without a progress bar.
const LONG_WAIT: Duration = Duration::from_secs(5);

pub async fn run(client: &ivvy::Client, args: &InviteArgs) -> Result<(), CliError> {
    // Read and check every id before anything is sent.
    let ids = match (&args.contacts, &args.contacts_file) {
        (Some(list), _) => contacts::from_list(list)?,
        (None, Some(path)) => contacts::from_file(path)?,
        (None, None) => return Err(CliError::Input("give --contacts or --contacts-file".into())),
    };
    let format = output::choose(args.output.output);
    let chunk_size = usize::from(args.chunk_size);

    let cancel = ivvy::CancellationToken::new();
    let mut options = BulkOptions::new()
        .chunk_size(chunk_size)
        .concurrency(usize::from(args.concurrency))
        .retry_budget(Duration::from_secs(args.max_retry_time))
        .consistency_window(Duration::from_secs(args.consistency_window))
        .cancel_on(cancel.clone());
    let bar = (std::io::stderr().is_terminal() && ids.len() > chunk_size).then(|| {
        let bar = ProgressBar::new(ids.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} contacts ({eta} left) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    if let Some(bar) = bar.clone() {
        options = options.on_progress(move |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        });
    }
    // Every wait shows: on the progress line, or as a line of its own when
    // it is long enough to look like a hang.
    let wait_bar = bar.clone();
    options = options.on_wait(move |wait| {
        let text = format!(
            "waiting {:.0} s: {}",
            wait.delay.as_secs_f64().ceil(),
            ivvy::escaped(&wait.reason)
        );
        match &wait_bar {
            Some(bar) => bar.set_message(text),
            None if wait.delay >= LONG_WAIT => eprintln!("ivvy: {text}"),
            None => {}
        }
    });
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: letting requests under way finish, starting no more");
            cancel.cancel();
        }
    });

    tracing::info!(contacts = ids.len(), event = %args.event, "inviting");
    let result = client.invite_many(args.event, ids, &options).await;
    interrupt.abort();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result?;

    output::invitations(
        &mut std::io::stdout().lock(),
        format,
        args.event.get(),
        &report.invitations,
    )?;

    // A run that gave up on its retry budget reports the rest not invited.
    let gave_up = |i: &&ivvy::Invitation| {
        matches!(
            i.outcome.error(),
            Some(ivvy::Error::RetryBudgetSpent { .. })
        )
    };
    let budget_spent: Vec<&ivvy::Invitation> = report.invitations.iter().filter(gave_up).collect();
    let failed: Vec<&ivvy::Invitation> = report
        .invitations
        .iter()
        .filter(|i| i.outcome.error().is_some() && !gave_up(i))
        .collect();
    if let Some(first) = failed.first() {
        let error = first
            .outcome
            .error()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(CliError::Failed(format!(
            "{} of {} contacts were not invited because a request failed (first: contact {}: {error})",
            failed.len(),
            report.invitations.len(),
            first.contact,
        )));
    }
    if let Some(first) = budget_spent.first() {
        let reason = first
            .outcome
            .error()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(CliError::NotAllInvited(format!(
            "{} of {} contacts were not invited: {reason}",
            budget_spent.len(),
            report.invitations.len(),
        )));
    }
    let refused: Vec<String> = report
        .invitations
        .iter()
        .filter(|i| matches!(i.outcome, Outcome::NotInvited))
        .map(|i| i.contact.to_string())
        .collect();
    if !refused.is_empty() {
        return Err(CliError::NotAllInvited(format!(
            "{} of {} contacts were not invited by iVvy: {}",
            refused.len(),
            report.invitations.len(),
            refused.join(", ")
        )));
    }
    Ok(())
}
