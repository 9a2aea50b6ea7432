//! What a people run would do, worked out before anything is added or
//! sent: [`PeoplePlan`], its [`PeopleCounts`], and
//! [`Client::plan_people`]. The same plan serves a dry run, a question
//! before a large run, and the run itself
//! ([`Client::invite_people_planned`]), so the account is read once.

use std::sync::Arc;

use crate::bulk::plan::InvitePlan;
use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};
use crate::operations::checks::checked_event;
use crate::people::options::PeopleOptions;
use crate::people::person::{Person, PersonKey};
use crate::people::resolution::Resolution;
use crate::people::roster::Roster;

/// A people run worked out: each person looked up (nobody added yet), and
/// the contacts found that are invited already.
///
/// ```no_run
/// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
/// use ivvy::{PeopleOptions, Person};
/// let people = vec![
///     Person::by_external_id("CRM-00001"),
///     Person::by_email("new@example.com").named("New", "Person"),
/// ];
/// let options = PeopleOptions::new().create_missing(true);
/// let plan = client.plan_people(4, people, &options).await?;
/// let counts = plan.counts();
/// println!("{} found, {} to add, {} to send", counts.found, counts.to_add, counts.to_send);
/// use futures::TryStreamExt;
/// let rows: Vec<_> = client.invite_people_planned(plan, &options).try_collect().await?;
/// println!("{} invited", rows.iter().filter(|r| r.status().is_invited()).count());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PeoplePlan {
    /// The event.
    pub event: EventId,
    pub(crate) people: Vec<Person>,
    pub(crate) roster: Roster,
    /// One per distinct person, before anyone is added.
    pub(crate) found: Vec<Resolution>,
    /// The found contacts, and which of them are invited already.
    pub(crate) invites: InvitePlan,
    pub(crate) create_missing: bool,
}

/// A [`PeoplePlan`] in numbers. People are counted once each by
/// [`Person::key`]; a row with nothing to look for counts as one person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PeopleCounts {
    /// Rows given.
    pub rows: usize,
    /// Distinct people.
    pub people: usize,
    /// Found in the account (or among earlier runs' adds).
    pub found: usize,
    /// More than one contact could be them.
    pub ambiguous: usize,
    /// Not in the account, and not to be added (adding was not asked for,
    /// or there is nothing to look for).
    pub not_found: usize,
    /// Not in the account, to be added and invited.
    pub to_add: usize,
    /// Not in the account, and cannot be added (no names, no address).
    pub cannot_add: usize,
    /// Not looked up: the lookup failed, or the run was cancelled.
    pub failed: usize,
    /// Contacts found, one per row that found one (repeats included).
    pub contacts_given: usize,
    /// Distinct contacts found.
    pub contacts: usize,
    /// Of those, invited already: skipped.
    pub already_invited: usize,
    /// Contacts to invite: found and not invited yet, plus those to add.
    pub to_send: usize,
}

impl PeoplePlan {
    /// Each row as given, with what was found for its person (before
    /// anyone is added).
    pub fn rows(&self) -> impl Iterator<Item = (&Person, Resolution)> + '_ {
        self.people.iter().zip(self.roster.per_row(&self.found))
    }

    /// The found contacts' invite plan.
    pub fn invites(&self) -> &InvitePlan {
        &self.invites
    }

    /// The plan in numbers.
    pub fn counts(&self) -> PeopleCounts {
        let mut counts = PeopleCounts {
            rows: self.people.len(),
            contacts: self.invites.distinct(),
            already_invited: self.invites.already_invited(),
            ..PeopleCounts::default()
        };
        let mut seen: HashSet<PersonKey> = HashSet::default();
        for (person, resolution) in self.rows() {
            if resolution.contact().is_some() {
                counts.contacts_given += 1;
            }
            // A repeat of a person is the same person: counted once.
            if let Some(key) = person.key()
                && !seen.insert(key)
            {
                continue;
            }
            counts.people += 1;
            let slot = match resolution {
                Resolution::Found(_) | Resolution::Created(_) => &mut counts.found,
                Resolution::Ambiguous(_) => &mut counts.ambiguous,
                Resolution::NotFound if self.create_missing && person.can_be_added() => {
                    &mut counts.to_add
                }
                Resolution::NotFound if self.create_missing => &mut counts.cannot_add,
                Resolution::NotFound | Resolution::NoIdentity => &mut counts.not_found,
                Resolution::CannotAdd(_) => &mut counts.cannot_add,
                Resolution::Failed(_) | Resolution::NotSent(_) => &mut counts.failed,
            };
            *slot += 1;
        }
        counts.to_send = counts.contacts - counts.already_invited + counts.to_add;
        counts
    }

    /// True when the run was cancelled while it was planned.
    pub fn is_stopped(&self) -> bool {
        self.invites.is_stopped()
    }
}

impl Client {
    /// Works out a people run without adding or inviting anyone. With
    /// [`create_missing`](PeopleOptions::create_missing) it first checks
    /// that the event exists (one getEvent), so no contact is added for an
    /// event that does not ([`Error::NotFound`]). Then it finds
    /// each person (see [`resolve_people`](Self::resolve_people) for the
    /// cost of reading the account), matches those not found against
    /// [`PeopleOptions::added_earlier`], and reads the event's invitations
    /// once for the contacts found (see [`plan_invites`](Self::plan_invites)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// use ivvy::{PeopleOptions, Person};
    /// let people = [Person::by_external_id("CRM-00001"), Person::by_email("new@example.com").named("New", "Person")];
    /// let options = PeopleOptions::new().create_missing(true);
    /// let counts = client.plan_people(1, people, &options).await?.counts();
    /// assert_eq!((counts.found, counts.to_add), (1, 1));
    /// # Ok(()) }
    /// ```
    pub async fn plan_people(
        &self,
        event: impl IntoId<EventId>,
        people: impl IntoIterator<Item = Person>,
        options: &PeopleOptions,
    ) -> Result<PeoplePlan, Error> {
        options.bulk.check()?;
        let event = checked_event(event)?;
        if options.create_missing {
            // Checked before anyone is added: adds for an event that does
            // not exist would leave contacts behind for nothing.
            self.event(event).await.map_err(|e| match e.status() {
                Some(reqwest::StatusCode::NOT_FOUND) => Error::NotFound {
                    what: format!("no event has the id {event}"),
                },
                _ => e,
            })?;
        }
        let people: Vec<Person> = people.into_iter().collect();
        let roster = Roster::new(&people);
        let context = options.bulk.context();
        let found = self.find_people(&roster, options, &context).await?;
        let contacts: Vec<ContactId> = found.iter().filter_map(Resolution::contact).collect();
        let invites = if contacts.is_empty() {
            InvitePlan {
                event,
                given: 0,
                contacts: Vec::new(),
                already: HashSet::default(),
                stopped: context.is_cancelled().then(|| Arc::new(Error::Cancelled)),
            }
        } else {
            self.plan_invites(event, contacts, &options.bulk).await?
        };
        Ok(PeoplePlan {
            event,
            people,
            roster,
            found,
            invites,
            create_missing: options.create_missing,
        })
    }
}
