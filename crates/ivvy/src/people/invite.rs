//! Inviting people as a CRM knows them: [`Client::invite_people`],
//! [`Client::invite_people_each`] and [`Client::invite_people_planned`]
//! carry out a [`PeoplePlan`]: the missing are added (when asked), then
//! the contacts are invited as a bulk run. The result is one
//! [`PersonInvitation`] per person, in input order; a contact two people
//! resolve to is invited once, and both rows show its outcome.

use futures::Stream;

use crate::bulk::plan::InvitePlan;
use crate::bulk::report::BulkSummary;
use crate::bulk::rows::rows_of;
use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashMap, IntoId};
use crate::operations::checks::checked_event;
use crate::operations::invite::{Invitation, Outcome};
use crate::people::options::PeopleOptions;
use crate::people::person::Person;
use crate::people::plan::PeoplePlan;
use crate::people::resolution::Resolution;

/// One person's row: who they are, what was found, and the invitation;
/// [`status`](Self::status) and [`reason`](Self::reason) say where it
/// stands in one word and one code (see [`InviteStatus`](crate::InviteStatus)).
///
/// With the `serde` feature it is one flat record: the person's fields
/// (`externalId`, `email`, `firstName`, `lastName`), `contact`, `created`,
/// `candidates` (when ambiguous), `status`, `reason`, the links
/// (`inviteLinkYes`, `inviteLinkNo`), `error` (the error's message) and
/// `note` (the row in words); read back, it is the row written.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PersonInvitation {
    /// The person as given.
    pub person: Person,
    /// What was found (or added) for them.
    pub resolution: Resolution,
    /// Their contact's invitation; `None` when there is no contact.
    pub outcome: Option<Outcome>,
}

impl PersonInvitation {
    /// The contact, when one was found or added.
    pub fn contact(&self) -> Option<ContactId> {
        self.resolution.contact()
    }

    /// True when the contact is known to be invited (now or before).
    pub fn is_invited(&self) -> bool {
        self.outcome.as_ref().is_some_and(Outcome::is_invited)
    }

    /// Why the person is not invited, or what to know about the
    /// invitation, in words.
    pub fn note(&self) -> Option<String> {
        match (&self.outcome, self.resolution.reason()) {
            (_, Some(reason)) => Some(reason),
            (Some(outcome), None) => outcome.note(),
            (None, None) => Some("not invited: the run stopped before inviting".into()),
        }
    }

    /// The row as an [`Invitation`], when there is a contact.
    pub fn invitation(&self) -> Option<Invitation> {
        Some(Invitation {
            contact: self.contact()?,
            outcome: self.outcome.clone()?,
        })
    }
}

/// The rows of [`Client::invite_people`]. With the `serde` feature:
/// `{"event": 4, "rows": [...]}`, each row as [`PersonInvitation`] says.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PeopleReport {
    /// The event.
    pub event: EventId,
    /// One per person given, in order.
    pub rows: Vec<PersonInvitation>,
}

impl PeopleReport {
    /// True when every person is invited (now or before).
    pub fn all_invited(&self) -> bool {
        self.rows.iter().all(PersonInvitation::is_invited)
    }

    /// The rows of people not known to be invited.
    pub fn not_invited(&self) -> impl Iterator<Item = &PersonInvitation> {
        self.rows.iter().filter(|row| !row.is_invited())
    }
}

impl Client {
    /// Finds each person (adding the missing ones, with
    /// [`create_missing`](PeopleOptions::create_missing)), then invites
    /// their contacts to the event, each at most once. See
    /// [`resolve_people`](Self::resolve_people) for how people are matched
    /// and [`invite_many`](Self::invite_many) for how invites are sent.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use ivvy::{PeopleOptions, Person};
    /// let event = client.event_by_code("LAUNCH26").await?;
    /// let people = vec![
    ///     Person::by_external_id("CRM-00001"),
    ///     Person::by_email("ann@example.com").named("Ann", "Lee"),
    /// ];
    /// let options = PeopleOptions::new().create_missing(true);
    /// let report = client.invite_people(event.id, people, &options).await?;
    /// for row in report.not_invited() {
    ///     eprintln!("{:?}: {}", row.person, row.note().unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn invite_people(
        &self,
        event: impl IntoId<EventId>,
        people: impl IntoIterator<Item = Person>,
        options: &PeopleOptions,
    ) -> Result<PeopleReport, Error> {
        let event = checked_event(event)?;
        let plan = self.plan_people(event, people, options).await?;
        let mut rows = Vec::new();
        self.run_people_plan(plan, options, &mut |batch| rows.extend(batch))
            .await?;
        Ok(PeopleReport { event, rows })
    }

    /// [`invite_people`](Self::invite_people), as a stream of rows in
    /// input order, each as soon as its invitation (and those before it)
    /// has settled. Bad input, or a lookup of the account that fails, is
    /// the stream's one item (an `Err`). The run advances as the stream is
    /// read, and stops when it is dropped.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// use ivvy::{PeopleOptions, Person};
    /// let people = vec![Person::by_external_id("CRM-00001")];
    /// let mut rows = std::pin::pin!(client.invite_people_each(4, people, &PeopleOptions::new()));
    /// while let Some(row) = rows.try_next().await? {
    ///     println!("{:?}: {} {:?}", row.person.external_id, row.status(), row.reason());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn invite_people_each(
        &self,
        event: impl IntoId<EventId>,
        people: impl IntoIterator<Item = Person>,
        options: &PeopleOptions,
    ) -> impl Stream<Item = Result<PersonInvitation, Error>> + Send + 'static {
        let event = checked_event(event);
        let people: Vec<Person> = people.into_iter().collect();
        let client = self.clone();
        let options = options.clone();
        rows_of(move |mut each| async move {
            let plan = client.plan_people(event?, people, &options).await?;
            client.run_people_plan(plan, &options, &mut each).await
        })
    }

    /// Carries out a plan made by [`plan_people`](Self::plan_people), as
    /// [`invite_people_each`](Self::invite_people_each) does (a stream of
    /// rows in input order), without looking anyone up or reading the
    /// event's invitations again: the missing are added (with
    /// [`create_missing`](PeopleOptions::create_missing)), then every
    /// contact not invited already is invited.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// use ivvy::{PeopleOptions, Person};
    /// let options = PeopleOptions::new().create_missing(true);
    /// let people = vec![Person::by_email("ann@example.com").named("Ann", "Lee")];
    /// let plan = client.plan_people(4, people, &options).await?;
    /// eprintln!("{} to add", plan.counts().to_add);
    /// let rows: Vec<_> = client.invite_people_planned(plan, &options).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn invite_people_planned(
        &self,
        plan: PeoplePlan,
        options: &PeopleOptions,
    ) -> impl Stream<Item = Result<PersonInvitation, Error>> + Send + 'static {
        let client = self.clone();
        let options = options.clone();
        rows_of(
            move |mut each| async move { client.run_people_plan(plan, &options, &mut each).await },
        )
    }

    /// Carries out `plan`, handing rows to `each` in input order.
    pub(crate) async fn run_people_plan(
        &self,
        plan: PeoplePlan,
        options: &PeopleOptions,
        each: &mut (dyn FnMut(Vec<PersonInvitation>) + Send),
    ) -> Result<BulkSummary, Error> {
        options.bulk.check()?;
        let PeoplePlan {
            event,
            people,
            roster,
            found,
            invites,
            ..
        } = plan;
        let found = if options.create_missing {
            let context = options.bulk.context();
            self.add_missing(&roster.distinct, found, options, &context)
                .await
        } else {
            found
        };
        let resolutions = roster.per_row(&found);
        let mut contacts: Vec<ContactId> = Vec::new();
        let mut listed = crate::ids::HashSet::default();
        for contact in found.iter().filter_map(Resolution::contact) {
            if listed.insert(contact) {
                contacts.push(contact);
            }
        }
        let mut rows = Rows {
            people: people.into_iter().zip(resolutions).map(Some).collect(),
            next: 0,
            settled: HashMap::default(),
        };
        each(rows.ready());
        if contacts.is_empty() {
            // Nobody found or added: every row is out, nothing to invite.
            each(rows.rest());
            return Ok(BulkSummary::default());
        }
        // Contacts added now are new: the plan's read covers the rest.
        let plan = InvitePlan {
            event,
            given: contacts.len(),
            contacts,
            already: invites.already,
            stopped: invites.stopped,
        };
        let summary = self
            .run_plan(plan, &options.bulk, &mut |batch| {
                rows.settle(batch);
                let ready = rows.ready();
                if !ready.is_empty() {
                    each(ready);
                }
            })
            .await;
        if summary.is_err() {
            // Nothing was invited; who was found or added is still told.
            each(rows.rest());
        }
        summary
    }
}

/// People waiting for their contact's outcome, handed over in order.
struct Rows {
    people: Vec<Option<(Person, Resolution)>>,
    next: usize,
    settled: HashMap<ContactId, Outcome>,
}

impl Rows {
    fn settle(&mut self, batch: Vec<Invitation>) {
        for invitation in batch {
            self.settled.insert(invitation.contact, invitation.outcome);
        }
    }

    /// Every row not handed out yet, without an invitation.
    fn rest(&mut self) -> Vec<PersonInvitation> {
        let rest = self.people[self.next..]
            .iter_mut()
            .filter_map(Option::take)
            .map(|(person, resolution)| PersonInvitation {
                person,
                resolution,
                outcome: None,
            })
            .collect();
        self.next = self.people.len();
        rest
    }

    /// The rows from `next` on whose outcome is known (or who have no
    /// contact), up to the first still waiting.
    fn ready(&mut self) -> Vec<PersonInvitation> {
        let mut ready = Vec::new();
        while let Some(slot) = self.people.get_mut(self.next) {
            let outcome = match slot.as_ref().and_then(|(_, r)| r.contact()) {
                Some(contact) => match self.settled.get(&contact) {
                    Some(outcome) => Some(outcome.clone()),
                    None => break,
                },
                None => None,
            };
            if let Some((person, resolution)) = slot.take() {
                ready.push(PersonInvitation {
                    person,
                    resolution,
                    outcome,
                });
            }
            self.next += 1;
        }
        ready
    }
}
