//! Finding people among the account's contacts and adding the missing
//! ones, each at most once: [`Client::resolve_people`], its
//! [`PeopleOptions`] and each person's [`Resolution`]. The matching rule is
//! `people`'s; this module decides how to ask and asks.
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
//! So reading costs *P* pages when the account is read whole, and otherwise
//! the first page plus *L* to 2*L* lookups, plus retries. A server that
//! ignores a lookup's filter (a result that does not match it) is caught
//! at its first page, and the account is then read whole instead.
//!
//! Adding a contact is not idempotent. After an add whose fate is unknown
//! (a 5xx, a timeout), the person is looked up again, after the
//! [consistency window](crate::BulkOptions::consistency_window), before
//! anything is sent again: found, they count as added; not found, the add
//! is sent again under the retry policy. People whose external id
//! is unknown are added first; a person known only by an email that one of
//! them was just added with is that contact, not a second one.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use tracing::Instrument;

use crate::directory::NewContact;
use crate::ids::HashMap;
use crate::paging::walk_after;
use crate::people::{Index, Match, Person, PersonKey, match_person};
use crate::retry::{Decision, log_wait, read_may_retry, wait_reason};
use crate::{BulkOptions, Client, Contact, ContactId, Error, Filter, RetryPolicy};

/// Settings for [`Client::resolve_people`] and
/// [`Client::invite_people`]: whether to add people not in the account,
/// and the [`BulkOptions`] for everything else (concurrency, retries, the
/// consistency window, cancelling).
#[derive(Clone, Default)]
#[must_use]
pub struct PeopleOptions {
    pub(crate) bulk: BulkOptions,
    pub(crate) create_missing: bool,
    added_earlier: Arc<Vec<Contact>>,
    on_add: Option<AddFn>,
}

type AddFn = Arc<dyn Fn(&Person, AddStep) + Send + Sync>;

/// A step of adding one person, as [`PeopleOptions::on_add`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddStep {
    /// An add is about to be sent (each attempt).
    Sending,
    /// The person is now this contact: added, or found after an add whose
    /// fate was unclear.
    Added(ContactId),
    /// iVvy refused the add: nothing was made.
    Refused,
}

impl std::fmt::Debug for PeopleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeopleOptions")
            .field("bulk", &self.bulk)
            .field("create_missing", &self.create_missing)
            .field("added_earlier", &self.added_earlier.len())
            .field("on_add", &self.on_add.is_some())
            .finish()
    }
}

impl PeopleOptions {
    /// Adds nobody; default [`BulkOptions`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Add people who are not in the account (those with an email and both
    /// names), each at most once. Looking people up by email relies on
    /// iVvy's `email` filter comparing without regard to case (assumed;
    /// its pages do not say): were it to compare case, a contact stored as
    /// `Ann@X.com` would not be found for `ann@x.com`, and would be added
    /// again. For a long list the account is read whole and matched here,
    /// which does not rely on the filter.
    pub fn create_missing(mut self, create: bool) -> Self {
        self.create_missing = create;
        self
    }

    /// Contacts that earlier runs added (from a record kept outside iVvy,
    /// such as a journal), which the account's listing may not show yet.
    /// A person not found in the account is matched against them as
    /// against this run's own adds: one match is that contact; two or
    /// more are [`Resolution::Ambiguous`], and nobody is added.
    pub fn added_earlier(mut self, contacts: impl IntoIterator<Item = Contact>) -> Self {
        self.added_earlier = Arc::new(contacts.into_iter().collect());
        self
    }

    /// Called at each step of adding a person: before an add is sent, and
    /// when its outcome is known. The place to keep a write-ahead record of
    /// adds, so that no later run adds the person again. The add waits for
    /// the call.
    pub fn on_add(mut self, record: impl Fn(&Person, AddStep) + Send + Sync + 'static) -> Self {
        self.on_add = Some(Arc::new(record));
        self
    }

    fn record_add(&self, person: &Person, step: AddStep) {
        if let Some(record) = &self.on_add {
            record(person, step);
        }
    }

    /// Concurrency, retries, the consistency window and cancelling, for the
    /// lookups, the adds and the invites.
    pub fn bulk(mut self, bulk: BulkOptions) -> Self {
        self.bulk = bulk;
        self
    }
}

/// What was found for one person.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Resolution {
    /// This contact of the account.
    Found(ContactId),
    /// Added as this contact by this run.
    Created(ContactId),
    /// Several contacts could be the person (listed); none was chosen.
    Ambiguous(Vec<ContactId>),
    /// Not in the account (and adding was not asked for).
    NotFound,
    /// Not in the account, and cannot be added: why.
    CannotAdd(&'static str),
    /// Neither an external id nor an email to look for.
    NoIdentity,
    /// Looking up or adding failed.
    Failed(Arc<Error>),
    /// Not looked up or not added: the run was cancelled first.
    NotSent(Arc<Error>),
}

impl Resolution {
    /// The contact, when there is exactly one.
    pub fn contact(&self) -> Option<ContactId> {
        match self {
            Resolution::Found(id) | Resolution::Created(id) => Some(*id),
            _ => None,
        }
    }

    /// True when this run added the contact.
    pub fn created(&self) -> bool {
        matches!(self, Resolution::Created(_))
    }

    /// Why there is no contact, in words; `None` when there is one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Resolution::Found(_) | Resolution::Created(_) => None,
            Resolution::Ambiguous(ids) => Some(format!(
                "ambiguous: contacts {} all match; fix the data or give an external id",
                ids.iter()
                    .map(ContactId::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Resolution::NotFound => Some("not in the account".into()),
            Resolution::CannotAdd(why) => Some((*why).into()),
            Resolution::NoIdentity => Some("no external id or email to look for".into()),
            Resolution::Failed(e) => Some(e.to_string()),
            Resolution::NotSent(e) => Some(match **e {
                Error::Cancelled => "not looked up: interrupted".into(),
                ref other => format!("not looked up: {other}"),
            }),
        }
    }
}

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

/// What to do after an add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AfterAdd {
    /// Added.
    Done(ContactId),
    /// Its fate is unknown: look the person up before sending again.
    LookFirst,
    /// Not done (refused before any work): wait, then send again.
    RetryAfter(std::time::Duration),
    /// Give up with this error.
    Fail,
}

/// Decides from an add's result, the attempt number and the time spent.
pub(crate) fn after_add(
    result: &Result<ContactId, Error>,
    attempt: u32,
    elapsed: std::time::Duration,
    policy: &RetryPolicy,
    rng: &mut fastrand::Rng,
) -> AfterAdd {
    match result {
        Ok(id) => AfterAdd::Done(*id),
        Err(e) if e.is_ambiguous() => AfterAdd::LookFirst,
        Err(e) if e.is_retryable() => match policy.decide(attempt, elapsed, e, rng) {
            Decision::RetryAfter(wait) => AfterAdd::RetryAfter(wait),
            Decision::GiveUp => AfterAdd::Fail,
        },
        Err(_) => AfterAdd::Fail,
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
    ///     .resolve_people(&people, &PeopleOptions::new().create_missing(true))
    ///     .await?;
    /// for (person, resolution) in people.iter().zip(&found) {
    ///     println!("{person:?}: {:?}", resolution.contact());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn resolve_people(
        &self,
        people: &[Person],
        options: &PeopleOptions,
    ) -> Result<Vec<Resolution>, Error> {
        options.bulk.check()?;
        let keys: Vec<Option<PersonKey>> = people.iter().map(Person::key).collect();
        let mut distinct: Vec<(PersonKey, Person)> = Vec::new();
        let mut at: HashMap<PersonKey, usize> = HashMap::default();
        for (key, person) in keys.iter().zip(people) {
            if let Some(key) = key {
                match at.get(key) {
                    Some(&i) => merge(&mut distinct[i].1, person),
                    None => {
                        at.insert(key.clone(), distinct.len());
                        distinct.push((key.clone(), person.clone()));
                    }
                }
            }
        }
        let span = tracing::info_span!(
            "ivvy.resolve_people",
            people = people.len(),
            distinct = distinct.len()
        );
        let found = async {
            let mut found = self.find_all(&distinct, options).await?;
            earlier_adds(&distinct, &mut found, &options.added_earlier);
            Ok::<_, Error>(if options.create_missing {
                self.add_missing(&distinct, found, options).await
            } else {
                found
            })
        }
        .instrument(span)
        .await?;
        Ok(keys
            .iter()
            .map(|key| match key {
                Some(key) => found[at[key]].clone(),
                None => Resolution::NoIdentity,
            })
            .collect())
    }

    /// Looks up every distinct person, by the strategy in the module docs.
    async fn find_all(
        &self,
        people: &[(PersonKey, Person)],
        options: &PeopleOptions,
    ) -> Result<Vec<Resolution>, Error> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(cancelled) = cancelled(&options.bulk) {
            return Ok(vec![cancelled; people.len()]);
        }
        let policy = options.bulk.retry.clone();
        let mut rng = policy.rng(0x100c);
        let first = policy
            .run(&mut rng, read_may_retry, |attempt| {
                self.contact_page(serde_json::Map::new(), 0, attempt)
            })
            .await?;
        match strategy(people.len(), first.total, self.shared.page_size) {
            Strategy::Walk => self.match_by_walk(people, Some(first), policy).await,
            Strategy::PerPerson => {
                let lookups = people.iter().map(|(_, person)| async move {
                    if let Some(cancelled) = cancelled(&options.bulk) {
                        return Some(cancelled);
                    }
                    match self.look_up(person, &options.bulk.retry).await {
                        Ok(Some(m)) => Some(resolution_of(m)),
                        Ok(None) => None,
                        Err(e) => Some(Resolution::Failed(Arc::new(e))),
                    }
                });
                let found: Option<Vec<Resolution>> = stream::iter(lookups)
                    .buffered(options.bulk.concurrency)
                    .collect::<Vec<_>>()
                    .await
                    .into_iter()
                    .collect();
                match found {
                    Some(found) => Ok(found),
                    // The server ignored a filter: read the account whole.
                    None => self.match_by_walk(people, None, policy).await,
                }
            }
        }
    }

    /// One person's match, asking by external id, then by email; `None`
    /// when the server ignored the filter (see [`Client::matching`]).
    pub(crate) async fn look_up(
        &self,
        person: &Person,
        policy: &RetryPolicy,
    ) -> Result<Option<Match>, Error> {
        if let Some(external) = person.external() {
            let Some(by_id) = self.matching("externalId", external, policy).await? else {
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
        let Some(by_email) = self.matching("email", email, policy).await? else {
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
    ) -> Result<Option<Vec<Contact>>, Error> {
        let mut listed =
            std::pin::pin!(self.contacts_with(Filter::new().field(field, value), policy.clone()));
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
        Ok(Some(found))
    }

    /// Every person matched against the whole account, read from its first
    /// page (`first`, when already read) to its last.
    async fn match_by_walk(
        &self,
        people: &[(PersonKey, Person)],
        first: Option<crate::paging::Page<Contact>>,
        policy: RetryPolicy,
    ) -> Result<Vec<Resolution>, Error> {
        let client = self.clone();
        let fetch = move |start, attempt| {
            let client = client.clone();
            async move {
                client
                    .contact_page(serde_json::Map::new(), start, attempt)
                    .await
            }
        };
        let mut index = Index::default();
        match first {
            Some(first) => {
                let mut contacts = std::pin::pin!(walk_after(policy, first, fetch));
                while let Some(contact) = contacts.try_next().await? {
                    index.add(contact);
                }
            }
            None => {
                let mut contacts = std::pin::pin!(crate::paging::walk(policy, fetch));
                while let Some(contact) = contacts.try_next().await? {
                    index.add(contact);
                }
            }
        }
        Ok(people
            .iter()
            .map(|(_, person)| resolution_of(index.find(person)))
            .collect())
    }

    /// Adds the people not found, those with an external id first; a
    /// person known only by email takes a contact just added with that
    /// email.
    async fn add_missing(
        &self,
        people: &[(PersonKey, Person)],
        mut found: Vec<Resolution>,
        options: &PeopleOptions,
    ) -> Vec<Resolution> {
        let missing = |found: &[Resolution], external: bool| -> Vec<usize> {
            (0..people.len())
                .filter(|&i| matches!(found[i], Resolution::NotFound))
                .filter(|&i| matches!(people[i].0, PersonKey::External(_)) == external)
                .collect()
        };
        for external in [true, false] {
            let wanted = missing(&found, external);
            if !external {
                // Those just added, by email, for people known by email only.
                let mut added = Index::default();
                for (i, (_, person)) in people.iter().enumerate() {
                    if let Resolution::Created(id) = found[i] {
                        added.add(Contact {
                            id,
                            external_id: person.external_id.clone(),
                            email: person.email.clone(),
                            first_name: None,
                            last_name: None,
                            phone: None,
                        });
                    }
                }
                // Emails whose add ended in doubt: adding again could
                // make a second contact for the same person.
                let doubtful: std::collections::HashSet<String> = people
                    .iter()
                    .zip(&found)
                    .filter(|(_, r)| matches!(r, Resolution::Failed(_) | Resolution::NotSent(_)))
                    .filter_map(|((_, p), _)| p.email_key())
                    .collect();
                for &i in &wanted {
                    // Earlier runs' adds were matched before adding began
                    // (`earlier_adds`): only this run's are left to match.
                    let m = added.find(&people[i].1);
                    if m != Match::NotFound {
                        // Two adds with the email are two people: a third
                        // row known by that email alone is neither of them
                        // for sure, and adding it would make a third.
                        found[i] = resolution_of(m);
                    } else if people[i]
                        .1
                        .email_key()
                        .is_some_and(|e| doubtful.contains(&e))
                    {
                        found[i] = Resolution::CannotAdd(
                            "not added: adding a contact with this email just failed, and adding again could make a second one",
                        );
                    }
                }
            }
            let wanted: Vec<usize> = wanted
                .into_iter()
                .filter(|&i| matches!(found[i], Resolution::NotFound))
                .collect();
            let adds = wanted.iter().map(|&i| {
                let person = &people[i].1;
                async move {
                    match person.missing_for_adding() {
                        Some(why) => (i, Resolution::CannotAdd(why)),
                        None => (i, self.add_once(person, options).await),
                    }
                }
            });
            let results: Vec<(usize, Resolution)> = stream::iter(adds)
                .buffer_unordered(options.bulk.concurrency)
                .collect()
                .await;
            for (i, resolution) in results {
                found[i] = resolution;
            }
        }
        found
    }

    /// Adds one person, never twice: an add whose fate is unknown is
    /// followed by a fresh lookup before anything is sent again.
    async fn add_once(&self, person: &Person, people_options: &PeopleOptions) -> Resolution {
        let options = &people_options.bulk;
        let trimmed = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
        let new = NewContact {
            first_name: trimmed(&person.first_name),
            last_name: trimmed(&person.last_name),
            email: trimmed(&person.email),
            external_id: person.external().map(String::from),
        };
        let policy = &options.retry;
        let mut rng = policy.rng(0xadd);
        let started = tokio::time::Instant::now();
        let mut attempt = 0;
        // An add sent whose fate is unknown: a stop then reports it failed
        // (it may have worked), never "not sent".
        let mut unclear: Option<Arc<Error>> = None;
        let stopped = |unclear: &Option<Arc<Error>>| match unclear {
            Some(error) => Resolution::Failed(error.clone()),
            None => Resolution::NotSent(Arc::new(Error::Cancelled)),
        };
        loop {
            if cancelled(options).is_some() {
                return stopped(&unclear);
            }
            attempt += 1;
            people_options.record_add(person, AddStep::Sending);
            let Some(result) = self.add_within_drain(&new, attempt, options).await else {
                // Stopped while the add was under way: its fate is unknown.
                return Resolution::Failed(Arc::new(Error::Cancelled));
            };
            match after_add(&result, attempt, started.elapsed(), policy, &mut rng) {
                AfterAdd::Done(id) => {
                    people_options.record_add(person, AddStep::Added(id));
                    return Resolution::Created(id);
                }
                AfterAdd::RetryAfter(wait) => {
                    if let Err(e) = &result {
                        log_wait(wait, &wait_reason(e));
                    }
                    if !pause(options, wait).await {
                        return stopped(&unclear);
                    }
                }
                AfterAdd::Fail => {
                    // Refused outright only when no earlier attempt's fate
                    // is in doubt.
                    if unclear.is_none() {
                        people_options.record_add(person, AddStep::Refused);
                    }
                    return Resolution::Failed(Arc::new(result.err().unwrap_or(Error::Cancelled)));
                }
                AfterAdd::LookFirst => {
                    let error = Arc::new(result.err().unwrap_or(Error::Cancelled));
                    unclear = Some(error.clone());
                    tracing::info!(%error, "an add's fate is unknown; looking the person up before sending it again");
                    if !pause(options, options.consistency_window).await {
                        return stopped(&unclear);
                    }
                    match self.look_up(person, policy).await {
                        // Most likely our add: nobody else was there before.
                        Ok(Some(Match::Found(id))) => {
                            people_options.record_add(person, AddStep::Added(id));
                            return Resolution::Created(id);
                        }
                        Ok(Some(Match::Ambiguous(ids))) => return Resolution::Ambiguous(ids),
                        // Cannot be checked: not sent again.
                        Ok(None) => return Resolution::Failed(error),
                        Err(e) => return Resolution::Failed(Arc::new(e)),
                        Ok(Some(Match::NotFound)) => {
                            match policy.decide(attempt, started.elapsed(), &error, &mut rng) {
                                Decision::RetryAfter(wait) => {
                                    log_wait(wait, &wait_reason(&error));
                                    if !pause(options, wait).await {
                                        return stopped(&unclear);
                                    }
                                }
                                Decision::GiveUp => return Resolution::Failed(error),
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Client {
    /// One add; once the run is cancelled, it gets the drain time to
    /// finish, then `None` (its fate unknown).
    async fn add_within_drain(
        &self,
        new: &NewContact,
        attempt: u32,
        options: &BulkOptions,
    ) -> Option<Result<ContactId, Error>> {
        let add = self.add_contact_attempt(new, attempt);
        let Some(token) = &options.cancel else {
            return Some(add.await);
        };
        let drained = async {
            token.cancelled().await;
            tokio::time::sleep(options.drain_time).await;
        };
        tokio::select! {
            result = add => Some(result),
            () = drained => None,
        }
    }
}

/// A repeat of a person fills in what the first row left out.
fn merge(into: &mut Person, repeat: &Person) {
    let fields = [
        (&mut into.external_id, &repeat.external_id),
        (&mut into.email, &repeat.email),
        (&mut into.first_name, &repeat.first_name),
        (&mut into.last_name, &repeat.last_name),
    ];
    for (field, other) in fields {
        if field.as_deref().is_none_or(|v| v.trim().is_empty()) {
            field.clone_from(other);
        }
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

fn resolution_of(m: Match) -> Resolution {
    match m {
        Match::Found(id) => Resolution::Found(id),
        Match::Ambiguous(ids) => Resolution::Ambiguous(ids),
        Match::NotFound => Resolution::NotFound,
    }
}

/// Sleeps for `wait`, or until the run is cancelled; false when cancelled.
async fn pause(options: &BulkOptions, wait: std::time::Duration) -> bool {
    match &options.cancel {
        Some(token) => tokio::select! {
            () = token.cancelled() => false,
            () = tokio::time::sleep(wait) => true,
        },
        None => {
            tokio::time::sleep(wait).await;
            true
        }
    }
}

/// `NotSent` when the run is cancelled.
fn cancelled(options: &BulkOptions) -> Option<Resolution> {
    options
        .cancel
        .as_ref()
        .filter(|token| token.is_cancelled())
        .map(|_| Resolution::NotSent(Arc::new(Error::Cancelled)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_whole_account_is_read_when_it_costs_no_more_pages_than_people() {
        assert_eq!(strategy(5, 500, 100), Strategy::Walk);
        assert_eq!(strategy(5, 501, 100), Strategy::PerPerson);
        assert_eq!(strategy(1, 0, 100), Strategy::Walk);
        assert_eq!(strategy(5_000, 20_000, 100), Strategy::Walk);
        assert_eq!(strategy(3, 50_000, 100), Strategy::PerPerson);
    }

    #[test]
    fn an_unclear_add_is_looked_up_and_a_refused_one_fails() {
        let policy = RetryPolicy::new().jitter_seed(1);
        let mut rng = policy.rng(0);
        let ok = Ok(ContactId::new(5).expect("valid"));
        assert_eq!(
            after_add(&ok, 1, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Done(ContactId::new(5).expect("valid"))
        );
        let timeout = Err(Error::Timeout {
            source: reqwest_error(),
        });
        assert_eq!(
            after_add(&timeout, 1, Duration::ZERO, &policy, &mut rng),
            AfterAdd::LookFirst
        );
        let refused = Err(Error::invalid("email", "bad"));
        assert_eq!(
            after_add(&refused, 1, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Fail
        );
        let connect = Err(Error::Connect {
            source: reqwest_error(),
        });
        assert!(matches!(
            after_add(&connect, 1, Duration::ZERO, &policy, &mut rng),
            AfterAdd::RetryAfter(_)
        ));
        assert_eq!(
            after_add(&connect, 6, Duration::ZERO, &policy, &mut rng),
            AfterAdd::Fail
        );
    }

    fn reqwest_error() -> reqwest::Error {
        // A builder error: a real reqwest::Error without a network.
        crate::tls::test_client()
            .get("not a url")
            .build()
            .expect_err("a relative URL does not build")
    }

    #[test]
    fn a_repeat_fills_in_what_the_first_row_left_out() {
        let mut first = Person::by_external_id("A");
        merge(
            &mut first,
            &Person::by_external_id("A")
                .and_email("a@x.test")
                .named("A", "B"),
        );
        assert_eq!(first.email.as_deref(), Some("a@x.test"));
        assert_eq!(first.last_name.as_deref(), Some("B"));
        assert_eq!(first.external_id.as_deref(), Some("A"));
    }
}
