//! Finding people among the account's contacts, each distinct person
//! once: [`Client::resolve_people`] and each person's [`Resolution`]. The
//! matching rule is [`matching`](super::matching)'s; adding the missing is
//! [`add`](super::add)'s; this module decides how to ask and asks.
//!
//! How the account is read, to keep requests low. Let *L* be the people
//! to look up (repeats counted once) and *P* the pages of the account's
//! contacts:
//! - the first page of the account's contacts is read, which gives *P*;
//! - when *P* ≤ *L*, the rest of the account is read and every person is
//!   matched against it: *P* requests in all;
//! - otherwise each person is looked up on their own, by external id, and
//!   by email only when the external id finds nobody: one lookup a person,
//!   two for one with both whom the external id does not find (a lookup is
//!   one page unless many contacts match).
//!
//! With [`BulkOptions::batch`](crate::BulkOptions::batch), the rest of the
//! account is read 50 pages to a request
//! ([`batch_read`](super::batch_read)); the rule above is unchanged.
//!
//! So reading costs *P* pages when the account is read whole, and otherwise
//! the first page plus *L* to 2*L* lookups, plus retries. A server that
//! ignores a lookup's filter (a result that does not match it) is caught
//! at its first page, and the account is then read whole instead.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use tracing::Instrument;

use crate::client::Client;
use crate::context::{Reporter, RunContext};
use crate::error::Error;
use crate::operations::contacts::Contact;
use crate::operations::filter::Filter;
use crate::people::batch_read::BatchedPages;
use crate::people::matching::{Index, Match, Wanted, match_person};
use crate::people::options::PeopleOptions;
use crate::people::person::{Person, PersonKey};
use crate::people::resolution::{Resolution, not_sent, resolution_of};
use crate::people::roster::Roster;
use crate::policy::retry::RetryPolicy;
use crate::transport::paging::{Page, walk, walk_after};

/// How the account is read (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Read every page and match locally.
    Walk,
    /// Look each person up.
    PerPerson,
}

/// The rule: read the whole account when it takes no more pages than
/// there are people to look up.
pub(crate) fn strategy(people: usize, total: u64, page_size: u32) -> Strategy {
    let pages = total.div_ceil(u64::from(page_size.max(1)));
    if pages <= people as u64 {
        Strategy::Walk
    } else {
        Strategy::PerPerson
    }
}

impl Client {
    /// Finds each person among the account's contacts (see [`Person`] for
    /// the matching rule) and, with
    /// [`create_missing`](PeopleOptions::create_missing), adds those not
    /// there, each at most once. Returns one [`Resolution`] per person, in
    /// order; repeats of a person share one lookup. Fails as a whole only
    /// when the account's listing cannot be read.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use ivvy::{PeopleOptions, Person};
    /// let people = [
    ///     Person::by_external_id("CRM-00001"),
    ///     Person::by_email("new@example.com").named("New", "Person"),
    /// ];
    /// let found = client
    ///     .resolve_people(people.clone(), &PeopleOptions::new().create_missing(true))
    ///     .await?;
    /// for (person, resolution) in people.iter().zip(&found) {
    ///     println!("{person:?}: {:?}", resolution.contact());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resolve_people(
        &self,
        people: impl IntoIterator<Item = Person>,
        options: &PeopleOptions,
    ) -> Result<Vec<Resolution>, Error> {
        options.bulk.check()?;
        let people: Vec<Person> = people.into_iter().collect();
        let roster = Roster::new(&people);
        let context = options.bulk.context();
        let found = self.find_people(&roster, options, &context).await?;
        let found = if options.create_missing {
            self.add_missing(&roster.distinct, found, options, &context)
                .await
        } else {
            found
        };
        Ok(roster.per_row(&found))
    }

    /// Every distinct person of the roster looked up (and matched against
    /// earlier runs' adds), nobody added: one resolution per distinct
    /// person.
    pub(crate) async fn find_people(
        &self,
        roster: &Roster,
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Result<Vec<Resolution>, Error> {
        let span = tracing::info_span!(
            "ivvy.resolve_people",
            people = roster.rows(),
            distinct = roster.distinct.len()
        );
        async {
            let mut found = self.find_all(&roster.distinct, options, context).await?;
            earlier_adds(&roster.distinct, &mut found, &options.added_earlier);
            Ok(found)
        }
        .instrument(span)
        .await
    }

    /// Looks up every distinct person, by the strategy in the module docs,
    /// reporting progress as people are looked up.
    async fn find_all(
        &self,
        people: &[(PersonKey, Person)],
        options: &PeopleOptions,
        context: &RunContext,
    ) -> Result<Vec<Resolution>, Error> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        if context.is_cancelled() {
            return Ok(vec![not_sent(); people.len()]);
        }
        let policy = context.retry.clone();
        let reporter = &context.reporter;
        let first = self
            .read(&policy, 0x100c, reporter, |attempt| {
                self.contact_page(serde_json::Map::new(), 0, attempt)
            })
            .await?;
        let total = people.len();
        let found = match strategy(total, first.total, self.shared.page_size) {
            Strategy::Walk => {
                let pages = self.batched_pages(&options.bulk, first.total);
                self.match_by_walk(people, Some(first), pages, policy, reporter)
                    .await?
            }
            Strategy::PerPerson => {
                let done = std::sync::atomic::AtomicUsize::new(0);
                // Collected first, so the stream holds futures, not a
                // closure over borrowed people (which a spawned task could
                // not hold).
                let lookups: Vec<_> = people
                    .iter()
                    .map(|(_, person)| {
                        self.look_up_reported(person, &policy, context, &done, total)
                    })
                    .collect();
                let found: Option<Vec<Resolution>> = stream::iter(lookups)
                    .buffered(context.concurrency)
                    .collect::<Vec<_>>()
                    .await
                    .into_iter()
                    .collect();
                match found {
                    Some(found) => found,
                    // The server ignored a filter: read the account whole.
                    None => {
                        self.match_by_walk(people, None, None, policy, reporter)
                            .await?
                    }
                }
            }
        };
        context.progress(total, total);
        Ok(found)
    }

    /// One person looked up within a run: `NotSent` once it is cancelled,
    /// progress reported when done; `None` when the server ignored the
    /// filter.
    async fn look_up_reported(
        &self,
        person: &Person,
        policy: &RetryPolicy,
        context: &RunContext,
        done: &std::sync::atomic::AtomicUsize,
        total: usize,
    ) -> Option<Resolution> {
        if context.is_cancelled() {
            return Some(not_sent());
        }
        let found = match self.look_up(person, policy, &context.reporter).await {
            Ok(Some(m)) => Some(resolution_of(m)),
            Ok(None) => None,
            Err(e) => Some(Resolution::Failed(Arc::new(e))),
        };
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        context.progress(done, total);
        found
    }

    /// One person's match, asking by external id, then by email; `None`
    /// when the server ignored the filter (see [`Client::matching`]).
    pub(crate) async fn look_up(
        &self,
        person: &Person,
        policy: &RetryPolicy,
        reporter: &Reporter,
    ) -> Result<Option<Match>, Error> {
        if let Some(external) = person.external() {
            let Some(by_id) = self
                .matching("externalId", external, policy, reporter)
                .await?
            else {
                return Ok(None);
            };
            let m = match_person(person, &by_id);
            if m != Match::NotFound || person.email_key().is_none() {
                return Ok(Some(m));
            }
        }
        let Some(email) = person.email.as_deref().map(str::trim) else {
            return Ok(Some(Match::NotFound));
        };
        let Some(by_email) = self.matching("email", email, policy, reporter).await? else {
            return Ok(None);
        };
        Ok(Some(match_person(person, &by_email)))
    }

    /// The contacts whose `field` is `value` as the server filters them;
    /// `None`, after one page, when a result does not match even without
    /// regard to case: the server ignored the filter, and reading on would
    /// read the whole account once per person.
    async fn matching(
        &self,
        field: &'static str,
        value: &str,
        policy: &RetryPolicy,
        reporter: &Reporter,
    ) -> Result<Option<Vec<Contact>>, Error> {
        let filter = Filter::new().field(field, value);
        let (counting, skipped) = reporter.counting_skips();
        let mut listed = std::pin::pin!(self.contacts_with(filter, policy.clone(), counting));
        let mut found = Vec::new();
        while let Some(contact) = listed.try_next().await? {
            let have = match field {
                "externalId" => contact.external_id.as_deref(),
                _ => contact.email.as_deref(),
            };
            if !have.is_some_and(|h| h.trim().eq_ignore_ascii_case(value.trim())) {
                tracing::warn!(
                    field,
                    "iVvy ignored a contact filter; reading the whole account instead"
                );
                return Ok(None);
            }
            found.push(contact);
        }
        // A row that could not be read may be this person: not found is
        // then not known, and nobody is added on it.
        let unreadable = skipped.load(std::sync::atomic::Ordering::Relaxed);
        if unreadable > 0 {
            return Err(Error::unusable_reply(format!(
                "{unreadable} of the contacts listed for {field} could not be read; the person may be one of them"
            )));
        }
        Ok(Some(found))
    }

    /// Every person matched against the whole account, read from its first
    /// page (`first`, when already read) to its last, through `batched`
    /// pages when given.
    async fn match_by_walk(
        &self,
        people: &[(PersonKey, Person)],
        first: Option<Page<Contact>>,
        batched: Option<BatchedPages>,
        policy: RetryPolicy,
        reporter: &Reporter,
    ) -> Result<Vec<Resolution>, Error> {
        let client = self.clone();
        let fetch = move |start, attempt| {
            let client = client.clone();
            let batched = batched.clone();
            async move {
                match batched {
                    Some(batched) => batched.page(start, attempt).await,
                    None => {
                        client
                            .contact_page(serde_json::Map::new(), start, attempt)
                            .await
                    }
                }
            }
        };
        let mut index = Index::default();
        let wanted = Wanted::of(people.iter().map(|(_, person)| person));
        let (reporter, skipped) = reporter.counting_skips();
        match first {
            Some(first) => {
                let mut contacts = std::pin::pin!(walk_after(
                    policy,
                    reporter,
                    self.shared.listing,
                    first,
                    fetch
                ));
                while let Some(contact) = contacts.try_next().await? {
                    if wanted.admits(&contact) {
                        index.add(contact);
                    }
                }
            }
            None => {
                let mut contacts =
                    std::pin::pin!(walk(policy, reporter, self.shared.listing, fetch));
                while let Some(contact) = contacts.try_next().await? {
                    if wanted.admits(&contact) {
                        index.add(contact);
                    }
                }
            }
        }
        // Rows that could not be read may be people not found: those are
        // then not known to be missing, and are never added.
        let unreadable = skipped.load(std::sync::atomic::Ordering::Relaxed);
        let unknown = Arc::new(Error::unusable_reply(format!(
            "not found, but {unreadable} of the account's contacts could not be read; not added, so as never to add twice"
        )));
        Ok(people
            .iter()
            .map(|(_, person)| match resolution_of(index.find(person)) {
                Resolution::NotFound if unreadable > 0 => Resolution::Failed(unknown.clone()),
                found => found,
            })
            .collect())
    }
}

/// People not found in the account, matched against contacts earlier runs
/// added (see [`PeopleOptions::added_earlier`]).
fn earlier_adds(people: &[(PersonKey, Person)], found: &mut [Resolution], earlier: &[Contact]) {
    if earlier.is_empty() {
        return;
    }
    let mut index = Index::default();
    for contact in earlier {
        index.add(contact.clone());
    }
    for ((_, person), resolution) in people.iter().zip(found.iter_mut()) {
        if matches!(resolution, Resolution::NotFound) {
            *resolution = resolution_of(index.find(person));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_account_is_read_when_it_costs_no_more_pages_than_people() {
        assert_eq!(strategy(5, 500, 100), Strategy::Walk);
        assert_eq!(strategy(5, 501, 100), Strategy::PerPerson);
        assert_eq!(strategy(1, 0, 100), Strategy::Walk);
        assert_eq!(strategy(5_000, 20_000, 100), Strategy::Walk);
        assert_eq!(strategy(3, 50_000, 100), Strategy::PerPerson);
    }
}
