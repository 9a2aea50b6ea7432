//! Walking a paged listing as one stream: `start` moves through
//! `meta.totalResults` a page at a time, each page retried under the
//! client's [`RetryPolicy`](crate::RetryPolicy), and the walk ends with an
//! error when a server's pages cannot be trusted to end.
//!
//! A page is refused when it is empty before `totalResults` is reached,
//! holds nothing but items of the page before (a listing that repeats
//! itself), or runs past `totalResults`; the walk stops after
//! `totalResults / page length + 1` pages (the largest `totalResults` seen,
//! so a list that grows while it is read is still read to its end), and
//! past the client's limits in rows and in time ([`ListingLimits`]). An
//! item of the page before listed again beside new ones is passed over: a
//! list that grows while it is read may shift an item onto the next page.
//! Only the page before is remembered, so memory stays bounded by a page.

use std::future::Future;

use crate::context::Reporter;
use crate::error::Error;
use crate::policy::classify::read_may_retry;
use crate::policy::retry::RetryPolicy;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

/// One page as a listing call returned it.
#[derive(Debug)]
pub(crate) struct Page<T> {
    /// The rows read.
    pub(crate) items: Vec<T>,
    /// Rows the page held that could not be read (skipped, each named in a
    /// warning): they still count towards the page's place in the listing.
    pub(crate) skipped: usize,
    /// `meta.totalResults` as this page gave it.
    pub(crate) total: u64,
}

/// Something listed, with the id that must not repeat within a listing.
pub(crate) trait Listed {
    /// What the items are, for messages ("invitations").
    const KIND: &'static str;
    fn id(&self) -> u64;
}

/// Where a walk stands between pages.
struct Walk<F> {
    policy: RetryPolicy,
    reporter: Reporter,
    fetch: F,
    start: u64,
    pages: u64,
    max_total: u64,
    first_len: u64,
    /// Ids of the page before: a list that grows while it is read shifts
    /// items by less than a page. Only one page is kept, so memory stays
    /// bounded by a page however long the listing. A std (SipHash) set:
    /// the ids are the server's.
    previous: std::collections::HashSet<u64>,
    limits: ListingLimits,
    /// Rows listed so far, and when the walk began.
    rows: u64,
    began: tokio::time::Instant,
    rng: fastrand::Rng,
    done: bool,
}

/// How long a listing may be, in rows and in time
/// ([`ClientBuilder::max_listing_rows`] and
/// [`ClientBuilder::max_listing_time`]): past either, the listing ends
/// with an error that names the limit, so a server that never ends a
/// listing cannot keep a run reading (or its memory growing) for ever.
///
/// [`ClientBuilder::max_listing_rows`]: crate::ClientBuilder::max_listing_rows
/// [`ClientBuilder::max_listing_time`]: crate::ClientBuilder::max_listing_time
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListingLimits {
    pub(crate) rows: u64,
    pub(crate) time: std::time::Duration,
}

impl<F> Walk<F> {
    fn new(policy: RetryPolicy, reporter: Reporter, limits: ListingLimits, fetch: F) -> Self {
        Self {
            rng: policy.rng(0x9a6e),
            policy,
            reporter,
            fetch,
            start: 0,
            pages: 0,
            max_total: 0,
            first_len: 0,
            previous: std::collections::HashSet::new(),
            limits,
            rows: 0,
            began: tokio::time::Instant::now(),
            done: false,
        }
    }
}

/// Every item of a listing, fetching pages as the stream is read, each
/// retried under `policy` with its waits told to `reporter`.
/// `fetch(start, attempt)` requests the page that begins at `start`.
pub(crate) fn walk<T, F, Fut>(
    policy: RetryPolicy,
    reporter: Reporter,
    limits: ListingLimits,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: Listed + Send + 'static,
    F: FnMut(u64, u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let walk = Walk::new(policy, reporter, limits, fetch);
    stream::try_unfold(walk, next_page)
        .map_ok(|items: Vec<T>| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
}

/// [`walk`], given the listing's first page already fetched (for a caller
/// that read it to learn `totalResults`): its items come first, checked as
/// any page is, then the pages after it.
pub(crate) fn walk_after<T, F, Fut>(
    policy: RetryPolicy,
    reporter: Reporter,
    limits: ListingLimits,
    first: Page<T>,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: Listed + Send + 'static,
    F: FnMut(u64, u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let mut walk = Walk::new(policy, reporter, limits, fetch);
    let head = check_page(&mut walk, first).map_err(Error::unusable_reply);
    let (head, rest) = match head {
        Ok(items) => (Ok(items), Some(walk)),
        Err(e) => (Err(e), None),
    };
    let rest = stream::iter(rest)
        .map(|walk| stream::try_unfold(walk, next_page))
        .flatten();
    stream::once(async move { head })
        .chain(rest)
        .map_ok(|items: Vec<T>| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
}

async fn next_page<T, F, Fut>(mut walk: Walk<F>) -> Result<Option<(Vec<T>, Walk<F>)>, Error>
where
    T: Listed,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    if walk.done {
        return Ok(None);
    }
    let start = walk.start;
    let fetch = &mut walk.fetch;
    let page = walk
        .policy
        .run(
            &mut walk.rng,
            &|d, r| walk.reporter.wait(d, r),
            read_may_retry,
            |attempt| fetch(start, attempt),
        )
        .await?;
    let fresh = check_page(&mut walk, page).map_err(Error::unusable_reply)?;
    Ok(Some((fresh, walk)))
}

/// Decides whether a page may be taken; records it, moves `start` past it
/// and marks the walk done at `totalResults`; returns the items not listed
/// before.
fn check_page<T: Listed, F>(walk: &mut Walk<F>, page: Page<T>) -> Result<Vec<T>, String> {
    walk.reporter.skipped_rows(page.skipped);
    let start = walk.start;
    let got = (page.items.len() + page.skipped) as u64;
    walk.pages += 1;
    walk.max_total = walk.max_total.max(page.total);
    if walk.pages == 1 {
        walk.first_len = got.max(1);
    }
    if got == 0 && start < page.total {
        return Err(format!(
            "iVvy reported {} results but the page starting at {start} is empty",
            page.total
        ));
    }
    let end = start.saturating_add(got);
    if end > page.total {
        return Err(format!(
            "the page starting at {start} holds {got} results, past the {} that totalResults gives",
            page.total
        ));
    }
    let limit = walk.max_total.div_ceil(walk.first_len).saturating_add(1);
    if walk.pages > limit {
        return Err(format!(
            "the listing did not end after {limit} pages for {} results",
            walk.max_total
        ));
    }
    let read_any = !page.items.is_empty();
    let ids: std::collections::HashSet<u64> = page.items.iter().map(Listed::id).collect();
    let fresh: Vec<T> = page
        .items
        .into_iter()
        .filter(|item| !walk.previous.contains(&item.id()))
        .collect();
    walk.previous = ids;
    // A page whose rows could none be read is not a repeat.
    if fresh.is_empty() && read_any {
        return Err(format!(
            "the page starting at {start} repeats {} already listed, and nothing new",
            T::KIND
        ));
    }
    walk.rows = walk.rows.saturating_add(fresh.len() as u64);
    if walk.rows > walk.limits.rows {
        return Err(format!(
            "the listing of {} passed {} rows (ClientBuilder::max_listing_rows, ivvy --max-listing-rows) with {} to go by its totalResults",
            T::KIND,
            walk.limits.rows,
            walk.max_total.saturating_sub(end)
        ));
    }
    if walk.began.elapsed() > walk.limits.time {
        return Err(format!(
            "the listing of {} took more than {} s (ClientBuilder::max_listing_time) with {} rows to go by its totalResults",
            T::KIND,
            walk.limits.time.as_secs(),
            walk.max_total.saturating_sub(end)
        ));
    }
    walk.start = end;
    walk.done = end >= page.total;
    Ok(fresh)
}
