//! Where an invite run's settled results go: the output (until it fails)
//! and the journal; and how the output ends.

use indicatif::ProgressBar;
use ivvy::{BulkSummary, EventId, Invitation};

use crate::error::CliError;
use crate::output::table::Kind;
use crate::output::{self, ResultWriter};
use crate::run_state::journal::invites;

/// Hands a run's rows to `each` in batches of those ready together (so
/// the output and the journal are written per batch, not per row), until
/// the stream ends or fails.
pub async fn each_batch<T>(
    rows: impl futures::Stream<Item = Result<T, ivvy::Error>>,
    mut each: impl FnMut(Vec<T>),
) -> Result<(), ivvy::Error> {
    use futures::StreamExt;
    let mut batches = std::pin::pin!(rows.ready_chunks(BATCH_AT_MOST));
    while let Some(batch) = batches.next().await {
        let mut rows = Vec::with_capacity(batch.len());
        let mut failed = None;
        for row in batch {
            match row {
                Ok(row) => rows.push(row),
                Err(error) => failed = Some(error),
            }
        }
        if !rows.is_empty() {
            each(rows);
        }
        if let Some(error) = failed {
            return Err(error);
        }
    }
    Ok(())
}

/// Rows written at once at most: a batch stays small next to the run.
const BATCH_AT_MOST: usize = 4096;

/// Ends the output and the progress bar, then reports the run's error or
/// a write error (a closed stdout, `| head`, is quiet).
pub fn finish<K: Kind>(
    bar: Option<ProgressBar>,
    sink: Sink<K>,
    result: Result<BulkSummary, ivvy::Error>,
) -> Result<BulkSummary, CliError> {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Every row written is true, so once a row is out the document is
    // closed whatever happened; a run that failed before any row writes
    // nothing, so it cannot pass for an empty result.
    let written = if result.is_ok() || sink.wrote_rows() {
        sink.finish()
    } else {
        sink.abandon();
        Ok(())
    };
    let summary = result?;
    written?;
    Ok(summary)
}

/// Where settled results go: the output (until it fails) and the journal.
pub struct Sink<K: Kind> {
    out: Option<ResultWriter<std::io::BufWriter<std::io::Stdout>, K>>,
    write_error: Option<CliError>,
    journal: Option<invites::Writer>,
}

impl<K: Kind> Sink<K> {
    pub fn start(
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
    pub fn record<'a>(&mut self, invitations: impl Iterator<Item = &'a Invitation>) {
        if let Some(journal) = &self.journal
            && let Err(error) = journal.settled(invitations)
        {
            tracing::warn!(%error, "could not append to the journal");
        }
    }

    /// Writes rows. A closed stdout stops the output, not the run: the
    /// journal still gets every result.
    pub fn write<'a>(&mut self, rows: impl IntoIterator<Item = K::Row<'a>>) {
        if let Some(writer) = &mut self.out
            && let Err(error) = writer.write(rows)
        {
            self.out = None;
            self.write_error = Some(error);
        }
    }

    /// True once a row has gone to the output.
    fn wrote_rows(&self) -> bool {
        self.out.as_ref().is_some_and(|out| out.rows_written() > 0) || self.write_error.is_some()
    }

    /// Leaves the output as it is (nothing, when no row came).
    fn abandon(self) {
        if let Some(out) = self.out {
            out.abandon();
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
