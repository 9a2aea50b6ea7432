//! The library's options for an invite run, from its arguments, and the
//! progress line every step reports to.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ivvy::BulkOptions;

use crate::args::InviteArgs;
use crate::signals::Interrupts;

pub fn bulk(args: &InviteArgs, interrupts: &Interrupts, bar: Option<ProgressBar>) -> BulkOptions {
    let mut options = BulkOptions::new()
        .chunk_size(usize::from(args.chunk_size))
        .concurrency(usize::from(args.concurrency))
        .max_attempts(args.max_attempts)
        .skip_invited(!args.no_skip_invited)
        .retry_budget(Duration::from_secs(args.max_retry_time))
        .consistency_window(Duration::from_secs(args.consistency_window))
        .batch(args.batch && !args.no_batch)
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

pub fn progress_bar(contacts: usize, chunk_size: usize) -> Option<ProgressBar> {
    (std::io::stderr().is_terminal() && contacts > chunk_size).then(|| {
        let bar = ProgressBar::new(contacts as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} ({eta} left) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    })
}
