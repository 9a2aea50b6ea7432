//! [`PeopleOptions`]: the settings of a people run that users tune
//! (adding the missing, earlier runs' adds, the add hook) beside the
//! [`BulkOptions`] everything else follows, and [`AddStep`], what the add
//! hook is told.

use std::sync::Arc;

use crate::bulk::options::BulkOptions;
use crate::ids::ContactId;
use crate::operations::contacts::Contact;
use crate::people::person::Person;

#[cfg(doc)]
use crate::{client::Client, people::resolution::Resolution};

/// Settings for [`Client::resolve_people`] and
/// [`Client::invite_people`]: whether to add people not in the account,
/// and the [`BulkOptions`] for everything else (concurrency, retries, the
/// consistency window, cancelling).
#[derive(Clone, Default)]
#[must_use]
pub struct PeopleOptions {
    pub(crate) bulk: BulkOptions,
    pub(crate) create_missing: bool,
    pub(crate) added_earlier: Arc<Vec<Contact>>,
    on_add: Option<AddFn>,
    on_add_batch: Option<AddBatchFn>,
}

type AddFn = Arc<dyn Fn(&Person, AddStep) + Send + Sync>;
type AddBatchFn = Arc<dyn Fn(&str, &[Person]) + Send + Sync>;

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
            .field("on_add_batch", &self.on_add_batch.is_some())
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

    /// Called with each batch of adds' `asyncId` as soon as iVvy has
    /// queued it, and the people it adds, before waiting for it (with
    /// [`BulkOptions::batch`]): the place to record it, so a run killed
    /// while the batch runs can read back whom it added
    /// ([`Client::batch_added`]) instead of adding them again. The batch
    /// waits for the call.
    pub fn on_add_batch(
        mut self,
        record: impl Fn(&str, &[Person]) + Send + Sync + 'static,
    ) -> Self {
        self.on_add_batch = Some(Arc::new(record));
        self
    }

    pub(crate) fn record_add_batch(&self, id: &str, people: &[Person]) {
        if let Some(record) = &self.on_add_batch {
            record(id, people);
        }
    }

    pub(crate) fn record_add(&self, person: &Person, step: AddStep) {
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
