//! A run's rows as a [`Stream`]: the `_each` and `_planned` calls hand
//! their rows over in input order through a callback inside the library;
//! [`rows_of`] turns that into a stream a caller can `await` row by row,
//! with a run that fails as the stream's last item.
//!
//! The run is driven by polling the stream, not by a spawned task: it
//! needs no runtime of its own and stops when the stream is dropped. Rows
//! wait in an unbounded queue between polls; a run only produces rows
//! while it is polled, so the queue holds at most what one poll settles.

use std::future::Future;

use futures::channel::mpsc;
use futures::stream::{self, PollNext, Stream, StreamExt};

use crate::bulk::report::BulkSummary;
use crate::error::Error;

/// What the run puts in the queue.
enum Message<T> {
    Rows(Vec<T>),
    Failed(Error),
}

/// Hands the rows `drive`'s callback is given to a stream, in the order
/// given, and the error `drive` ends with, if any, after them.
pub(crate) fn rows_of<T, F, Fut>(drive: F) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: Send + 'static,
    F: FnOnce(Box<dyn FnMut(Vec<T>) + Send>) -> Fut,
    Fut: Future<Output = Result<BulkSummary, Error>> + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded::<Message<T>>();
    let failed = tx.clone();
    // The receiver is only dropped with the stream, and then nobody reads.
    let run = drive(Box::new(move |rows| {
        let _ = tx.unbounded_send(Message::Rows(rows));
    }));
    let run = stream::once(async move {
        if let Err(error) = run.await {
            let _ = failed.unbounded_send(Message::Failed(error));
        }
    })
    .filter_map(|()| std::future::ready(None));
    let queued = rx.flat_map(|message| match message {
        Message::Rows(rows) => stream::iter(rows.into_iter().map(Ok)).left_stream(),
        Message::Failed(error) => stream::iter([Err(error)]).right_stream(),
    });
    // What is queued goes out first; the run is polled when nothing is.
    stream::select_with_strategy(queued, run, |_: &mut ()| PollNext::Left)
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    #[tokio::test]
    async fn rows_come_in_order_and_a_failure_after_them() {
        let rows: Vec<Result<u32, Error>> = rows_of(|mut each| async move {
            each(vec![1, 2]);
            tokio::task::yield_now().await;
            each(vec![3]);
            Err(Error::Cancelled)
        })
        .collect()
        .await;
        let shown: Vec<String> = rows
            .iter()
            .map(|r| match r {
                Ok(n) => n.to_string(),
                Err(e) => e.code().to_string(),
            })
            .collect();
        assert_eq!(shown, ["1", "2", "3", "cancelled"]);
        let fine: Vec<u32> = rows_of(|mut each| async move {
            each(vec![7]);
            Ok(BulkSummary::default())
        })
        .try_collect()
        .await
        .expect("no error");
        assert_eq!(fine, [7]);
    }
}
