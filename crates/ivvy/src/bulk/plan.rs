//! What a bulk invite would do, worked out before anything is sent:
//! [`InvitePlan`] and [`Client::plan_invites`]. The same plan serves a dry
//! run, a question before a large run, and the run itself
//! ([`Client::invite_planned`]), so nothing is read twice.

use std::sync::Arc;

use crate::bulk::options::BulkOptions;
use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};
use crate::operations::checks::{checked_event, distinct_contacts};

/// A bulk invite worked out before anything is sent: the distinct
/// contacts in input order, and which of them are invited already (from
/// [`BulkOptions::already_invited`] and, with
/// [`BulkOptions::skip_invited`], from the event's invitations, read once).
///
/// ```no_run
/// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
/// let options = ivvy::BulkOptions::new();
/// let plan = client.plan_invites(4, [1, 2, 2, 3], &options).await?;
/// println!(
///     "{} distinct, {} already invited, {} to send in {} request(s)",
///     plan.distinct(),
///     plan.already_invited(),
///     plan.to_send(),
///     plan.requests(100)
/// );
/// use futures::TryStreamExt;
/// let rows: Vec<ivvy::Invitation> = client.invite_planned(plan, &options).try_collect().await?;
/// println!("{} invited", rows.iter().filter(|r| r.status().is_invited()).count());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InvitePlan {
    /// The event.
    pub event: EventId,
    /// Contacts given, repeats included.
    pub given: usize,
    pub(crate) contacts: Vec<ContactId>,
    pub(crate) already: HashSet<ContactId>,
    /// Set when the run was cancelled while it was planned: carrying the
    /// plan out then gives every contact [`Outcome::NotSent`].
    ///
    /// [`Outcome::NotSent`]: crate::Outcome::NotSent
    pub(crate) stopped: Option<Arc<Error>>,
}

impl InvitePlan {
    /// The distinct contacts, in input order.
    pub fn contacts(&self) -> &[ContactId] {
        &self.contacts
    }

    /// Distinct contacts.
    pub fn distinct(&self) -> usize {
        self.contacts.len()
    }

    /// Contacts known to be invited already: they are skipped.
    pub fn already_invited(&self) -> usize {
        self.contacts
            .iter()
            .filter(|c| self.already.contains(c))
            .count()
    }

    /// True when `contact` is known to be invited already.
    pub fn is_invited_already(&self, contact: ContactId) -> bool {
        self.already.contains(&contact)
    }

    /// Contacts to send.
    pub fn to_send(&self) -> usize {
        self.distinct() - self.already_invited()
    }

    /// Requests the sends take, at `chunk_size` contacts a request (before
    /// any retry).
    pub fn requests(&self, chunk_size: usize) -> usize {
        self.to_send().div_ceil(chunk_size.max(1))
    }

    /// True when the run was cancelled while it was planned.
    pub fn is_stopped(&self) -> bool {
        self.stopped.is_some()
    }
}

impl Client {
    /// Works out a bulk invite without sending it: checks the ids, drops
    /// repeats, and finds the contacts invited already (see
    /// [`InvitePlan`]). Costs one read of the event's invitations (none
    /// when [`BulkOptions::skip_invited`] is off, or when
    /// [`BulkOptions::already_invited`] knows every contact).
    ///
    /// A run cancelled during the read is not an error: the plan says so,
    /// and carrying it out reports every contact not sent.
    ///
    /// Rows of the event's invitations that cannot be read (skipped, each
    /// named in a warning) may be contacts of this run: a warning says how
    /// many, and the contacts not found are still sent. Holding the whole
    /// run back for rows no client can read would invite nobody; contacts
    /// an earlier run invited are best passed with
    /// [`BulkOptions::already_invited`] (the `ivvy` command's journal does
    /// this), which needs no read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// let options = ivvy::BulkOptions::for_tests();
    /// let plan = client.plan_invites(4, [1, 2, 2, 3], &options).await?;
    /// assert_eq!((plan.given, plan.distinct(), plan.to_send()), (4, 3, 3));
    /// # Ok(()) }
    /// ```
    pub async fn plan_invites(
        &self,
        event: impl IntoId<EventId>,
        contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
        options: &BulkOptions,
    ) -> Result<InvitePlan, Error> {
        options.check()?;
        let event = checked_event(event)?;
        let mut given = 0;
        let contacts = distinct_contacts(contacts.into_iter().inspect(|_| given += 1))?;
        let mut already: HashSet<ContactId> = contacts
            .iter()
            .filter(|c| options.known_invited.contains(c))
            .copied()
            .collect();
        let mut plan = InvitePlan {
            event,
            given,
            contacts,
            already: HashSet::default(),
            stopped: None,
        };
        // Contacts not known from the record are looked for on the server.
        if options.skip_invited && already.len() < plan.contacts.len() {
            let context = options.context();
            let read = self.invited_among(
                event,
                &plan.contacts,
                options.retry.clone(),
                context.reporter.clone(),
            );
            tokio::select! {
                biased;
                () = context.cancel.cancelled() => {
                    plan.stopped = Some(Arc::new(Error::Cancelled));
                }
                found = read => {
                    let found = found?;
                    if found.unreadable > 0 {
                        // The run goes on: stopping it for rows no client
                        // can read would leave everyone uninvited.
                        tracing::warn!(
                            unreadable = found.unreadable,
                            "{} of the event's invitations could not be read: their contacts, if in this run, may be invited again",
                            found.unreadable
                        );
                    }
                    already.extend(found.invited);
                }
            }
        }
        plan.already = already;
        Ok(plan)
    }
}
