//! Reading the whole account through iVvy's batch namespace: the pages a
//! walk of the account asks for are fetched [`PAGES_A_BATCH`] at a time,
//! as getContactList jobs of one batch, instead of one request a page.
//!
//! Reads change nothing, so nothing here can happen twice: a page that a
//! batch does not give back (a job that failed, a batch that could not be
//! queued, read or finished within the run's budget) is read directly,
//! under the same retry rules as every direct read. The walk checks each
//! page (its length, repeats, `totalResults`) the same way whichever way it
//! came. At most one batch of pages is held at a time: [`PAGES_A_BATCH`]
//! pages of the client's page size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ivvy_api::types::{BatchJobResult, GetContactListReply};

use crate::bulk::batch::{Batched, Waited};
use crate::client::Client;
use crate::error::Error;
use crate::operations::batch::{MAX_JOBS, job_reply};
use crate::operations::contacts::{Contact, contact_page_of};
use crate::transport::paging::Page;

/// The pages of the account fetched by batch and not yet taken by the
/// walk, and where the next batch starts.
#[derive(Default)]
struct Held {
    pages: HashMap<u64, Page<Contact>>,
    /// The first start no batch has asked for yet.
    asked_up_to: u64,
}

/// A source of the account's unfiltered pages for a walk (see the module
/// documentation). Clones share what they hold.
#[derive(Clone)]
pub(crate) struct BatchedPages {
    batched: Arc<Batched>,
    held: Arc<Mutex<Held>>,
    /// `totalResults` as the first page gave it: no batch asks past it.
    total: u64,
}

/// Pages a batch reads: a quarter of the 200 jobs a batch may hold. A
/// batch's results arrive as one reply, held whole while read: 50 pages of
/// 100 contacts keep that to 5,000 contacts (see
/// [`INVITE_JOBS_A_BATCH`](crate::INVITE_JOBS_A_BATCH) for the figures),
/// for 4 times the read requests, which are few beside a request a page.
pub(crate) const PAGES_A_BATCH: usize = MAX_JOBS / 4;

/// The starts of the pages a batch asks for: from `start`, a page at a
/// time, at most [`PAGES_A_BATCH`], none at or past `total`.
pub(crate) fn batch_starts(start: u64, page_size: u32, total: u64) -> Vec<u64> {
    let step = u64::from(page_size.max(1));
    (0..PAGES_A_BATCH as u64)
        .map(|k| start.saturating_add(k.saturating_mul(step)))
        .take_while(|&s| s < total)
        .collect()
}

impl BatchedPages {
    pub(crate) fn new(batched: Batched, total: u64) -> Self {
        Self {
            batched: Arc::new(batched),
            held: Arc::default(),
            total,
        }
    }

    /// The page at `start`: from a batch when one gave it, read directly
    /// otherwise. A page past every batch asked so far asks a new batch
    /// first (on the walk's first attempt only: a retry reads directly).
    pub(crate) async fn page(&self, start: u64, attempt: u32) -> Result<Page<Contact>, Error> {
        let client = &self.batched.client;
        let ask = {
            let mut held = lock(&self.held);
            if let Some(page) = held.pages.remove(&start) {
                return Ok(page);
            }
            let starts = if attempt == 1 && start >= held.asked_up_to {
                batch_starts(start, client.shared.page_size, self.total)
            } else {
                Vec::new()
            };
            if let Some(&last) = starts.last() {
                held.asked_up_to = last.saturating_add(1);
                // Pages of an earlier batch the walk passed over are of no
                // use now: memory stays at one batch.
                held.pages.clear();
            }
            starts
        };
        if ask.len() > 1 {
            match self.fetch(&ask).await {
                Ok(pages) => {
                    let mut held = lock(&self.held);
                    held.pages.extend(pages);
                    if let Some(page) = held.pages.remove(&start) {
                        return Ok(page);
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "a batch of the account's pages could not be read; reading them directly");
                }
            }
        }
        client
            .contact_page(serde_json::Map::new(), start, attempt)
            .await
    }

    /// One batch of page reads, queued and waited for: the pages it gave,
    /// by start.
    async fn fetch(&self, starts: &[u64]) -> Result<Vec<(u64, Page<Contact>)>, Error> {
        let client = &self.batched.client;
        let id = client
            .read(
                &self.batched.context.retry,
                0xba7e,
                &self.batched.context.reporter,
                |a| client.batch_contact_pages(starts, a),
            )
            .await?;
        let results = match self.batched.wait_for(&id, Some(starts.len())).await? {
            Waited::Done(results) | Waited::Unfinished(results, _) => results,
        };
        Ok(pages_of(starts, results))
    }
}

/// The pages a batch's results give, by the start each job's request
/// names (by place for a result that names none); a job that failed or
/// whose reply cannot be read gives none (its page is read directly).
pub(crate) fn pages_of(starts: &[u64], results: Vec<BatchJobResult>) -> Vec<(u64, Page<Contact>)> {
    // Each result is let go once read, so a batch's replies and its pages
    // are not all held at once.
    results
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.action == "getContactList")
        .filter_map(|(i, result)| {
            let start = match result.request.get("start") {
                Some(start) => start.as_u64()?,
                None => *starts.get(i)?,
            };
            if !starts.contains(&start) {
                return None;
            }
            let reply = job_reply::<GetContactListReply>(&result)
                .map_err(|error| tracing::info!(%error, start, "a page's job failed; reading it directly"))
                .ok()?;
            Some((start, contact_page_of(reply, start).ok()?))
        })
        .collect()
}

fn lock(held: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    // A walk that panicked left nothing half-written that matters here.
    held.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Client {
    /// Whether reads of the whole account go through batches.
    pub(crate) fn batched_pages(
        &self,
        options: &crate::BulkOptions,
        total: u64,
    ) -> Option<BatchedPages> {
        options
            .batch
            .then(|| BatchedPages::new(Batched::new(self, options), total))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_batch_asks_for_at_most_50_pages_and_none_past_the_end() {
        assert_eq!(batch_starts(100, 100, 450), [100, 200, 300, 400]);
        assert_eq!(batch_starts(0, 100, 0), Vec::<u64>::new());
        let many = batch_starts(100, 100, 100_000);
        assert_eq!(many.len(), 50);
        assert_eq!(many.last(), Some(&5_000));
    }

    #[test]
    fn each_page_is_the_one_its_request_names_and_a_failed_job_gives_none() {
        let page = |start: u64, ids: &[u64]| -> BatchJobResult {
            serde_json::from_value(json!({
                "namespace": "contact", "action": "getContactList",
                "request": {"start": start, "perPage": 2},
                "response": {"meta": {"totalResults": 6, "start": start, "perPage": 2, "count": ids.len()},
                    "results": ids.iter().map(|id| json!({"id": id, "email": format!("{id}@x.test")})).collect::<Vec<_>>()}
            }))
            .expect("a result")
        };
        let failed: BatchJobResult = serde_json::from_value(json!({
            "namespace": "contact", "action": "getContactList", "request": {"start": 2},
            "response": {"errorCode": 500, "message": "Internal Server Error"}
        }))
        .expect("a result");
        // Out of order, one failed, one for a page never asked.
        let results = [page(4, &[5, 6]), failed, page(0, &[1, 2]), page(8, &[9])];
        let pages = pages_of(&[0, 2, 4], results.to_vec());
        let got: Vec<(u64, Vec<u64>)> = pages
            .iter()
            .map(|(s, p)| (*s, p.items.iter().map(|c| c.id.get()).collect()))
            .collect();
        assert_eq!(got, [(4, vec![5, 6]), (0, vec![1, 2])]);
    }
}
