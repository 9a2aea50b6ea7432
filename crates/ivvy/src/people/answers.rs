//! Each person of a CRM export with their answer, for writing back to the
//! CRM: [`Client::answers`], its row [`PersonAnswer`] and the row's
//! [`AnswerStatus`]. Nobody is added or invited here: people are looked up
//! as [`resolve`](super::resolve) does, and the event's invitations are
//! read once.

use std::collections::HashMap;
use std::time::SystemTime;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::client::Client;
use crate::context::RunContext;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};
use crate::operations::changes::{Stamp, Stamped};
use crate::operations::checks::checked_event;
use crate::operations::invitations::{Answer, InvitedContact};
use crate::people::options::PeopleOptions;
use crate::people::person::Person;
use crate::people::resolution::Resolution;
use crate::people::roster::Roster;

/// Where a person of the export stands with the event, as one word. The
/// words are the same in the library (with the `serde` feature), in the
/// CLI's JSON, NDJSON and CSV, and from [`code`](Self::code):
///
/// | code | meaning |
/// |---|---|
/// | `invited` | invited; the row has the answer |
/// | `not_invited` | a contact of the account, not invited to the event |
/// | `not_found` | no contact has the external id or the email |
/// | `ambiguous` | several contacts could be the person (listed in `candidates`); none was chosen |
/// | `no_identity` | the row has neither an external id nor an email |
/// | `failed` | the lookup failed, or the invitations could not all be read (the reason says which) |
/// | `not_sent` | not looked up: the run was cancelled first |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum AnswerStatus {
    /// Invited; the row has the answer.
    Invited,
    /// A contact of the account, not invited to the event.
    NotInvited,
    /// No contact has the external id or the email.
    NotFound,
    /// Several contacts could be the person; none was chosen.
    Ambiguous,
    /// Neither an external id nor an email to look for.
    NoIdentity,
    /// The lookup failed, or the invitations could not all be read.
    Failed,
    /// Not looked up: the run was cancelled first.
    NotSent,
}

impl AnswerStatus {
    /// The status's code, as the table in the type's documentation gives
    /// it.
    pub fn code(self) -> &'static str {
        match self {
            AnswerStatus::Invited => "invited",
            AnswerStatus::NotInvited => "not_invited",
            AnswerStatus::NotFound => "not_found",
            AnswerStatus::Ambiguous => "ambiguous",
            AnswerStatus::NoIdentity => "no_identity",
            AnswerStatus::Failed => "failed",
            AnswerStatus::NotSent => "not_sent",
        }
    }
}

impl std::fmt::Display for AnswerStatus {
    /// The [`code`](Self::code).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}

/// One person of the export with their answer: who the person is (as the
/// export gave them), the contact found, the invitation's answer, when it
/// last changed and the registration, or why there is none.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct PersonAnswer {
    /// The external id, as the export gave it.
    pub external_id: Option<String>,
    /// The email, as the export gave it.
    pub email: Option<String>,
    /// The contact found.
    pub contact: Option<ContactId>,
    /// Where the person stands.
    pub status: AnswerStatus,
    /// The answer (when invited).
    #[cfg_attr(feature = "serde", serde(rename = "response"))]
    pub answer: Option<Answer>,
    /// When the invitation last changed, as iVvy sent it (`modifiedDate`).
    #[cfg_attr(feature = "serde", serde(rename = "modifiedDate"))]
    pub modified: Option<String>,
    /// The registration, once the contact has registered.
    pub registration_id: Option<i64>,
    /// With [`AnswerStatus::Ambiguous`]: the contacts that could be the
    /// person.
    #[cfg_attr(feature = "serde", serde(default))]
    pub candidates: Vec<ContactId>,
    /// Why there is no answer, in words (none when invited).
    pub reason: Option<String>,
}

impl PersonAnswer {
    /// [`modified`](Self::modified) as a time, when there is one and it
    /// parses.
    pub fn modified_at(&self) -> Option<SystemTime> {
        self.modified
            .as_deref()
            .and_then(ivvy_iws::timestamp::parse)
    }

    fn new(person: &Person, contact: Option<ContactId>, status: AnswerStatus) -> Self {
        Self {
            external_id: person.external_id.clone(),
            email: person.email.clone(),
            contact,
            status,
            answer: None,
            modified: None,
            registration_id: None,
            candidates: Vec::new(),
            reason: None,
        }
    }

    fn because(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
}

impl Stamped for PersonAnswer {
    fn stamp(&self) -> Option<Stamp<'_>> {
        Some(Stamp {
            contact: self.contact?,
            modified: self.modified.as_deref()?,
            answer: self.answer.as_ref()?,
            registration_id: self.registration_id,
        })
    }
}

/// The row of one person, from their resolution and the invitations read.
fn row_of(person: &Person, resolution: &Resolution, invitations: &Invitations) -> PersonAnswer {
    let reason = resolution.reason();
    match resolution {
        Resolution::Found(contact) | Resolution::Created(contact) => {
            match invitations.by_contact.get(contact) {
                Some(invitation) => {
                    let mut row = PersonAnswer::new(person, Some(*contact), AnswerStatus::Invited);
                    row.answer = Some(invitation.answer.clone());
                    row.modified = Some(invitation.modified.clone());
                    row.registration_id = invitation.registration_id;
                    row
                }
                None if invitations.unreadable > 0 => {
                    PersonAnswer::new(person, Some(*contact), AnswerStatus::Failed).because(Some(
                        format!(
                            "not listed as invited, but {} rows of the event's invitations could not be read; it may be one of them",
                            invitations.unreadable
                        ),
                    ))
                }
                None => PersonAnswer::new(person, Some(*contact), AnswerStatus::NotInvited)
                    .because(Some("not invited to the event".into())),
            }
        }
        Resolution::Ambiguous(ids) => {
            let mut row = PersonAnswer::new(person, None, AnswerStatus::Ambiguous).because(reason);
            row.candidates.clone_from(ids);
            row
        }
        Resolution::NotFound | Resolution::CannotAdd(_) => {
            PersonAnswer::new(person, None, AnswerStatus::NotFound)
                .because(Some("not in the account".into()))
        }
        Resolution::NoIdentity => {
            PersonAnswer::new(person, None, AnswerStatus::NoIdentity).because(reason)
        }
        Resolution::Failed(_) => {
            PersonAnswer::new(person, None, AnswerStatus::Failed).because(reason)
        }
        Resolution::NotSent(_) => {
            PersonAnswer::new(person, None, AnswerStatus::NotSent).because(reason)
        }
    }
}

/// The event's invitations of the contacts asked about.
#[derive(Default)]
struct Invitations {
    by_contact: HashMap<ContactId, InvitedContact>,
    /// Rows that could not be read.
    unreadable: usize,
}

impl Client {
    /// Each person with their answer to the event, one row per person in
    /// input order (repeats of a person share one lookup), for writing
    /// answers back to a CRM keyed by its own ids. Adds nobody and invites
    /// nobody ([`PeopleOptions::create_missing`] is not used).
    ///
    /// Costs the people lookup of [`resolve_people`](Self::resolve_people)
    /// (at most the account's pages, *P*, and otherwise the first page
    /// plus one or two lookups a distinct person), plus one read of the
    /// event's invitations (*I* / 100 pages for *I* invitations), plus
    /// retries. The rows come once both are done; a lookup that fails
    /// gives that person's row [`AnswerStatus::Failed`], while a listing
    /// that cannot be read ends the stream with its error.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// use ivvy::{AnswerStatus, PeopleOptions, Person};
    /// let people = vec![
    ///     Person::by_external_id("CRM-00001"),
    ///     Person::by_email("ann@example.com"),
    /// ];
    /// let mut rows = std::pin::pin!(client.answers(4, people, &PeopleOptions::new()));
    /// while let Some(row) = rows.try_next().await? {
    ///     match row.status {
    ///         AnswerStatus::Invited => println!("{:?}: {:?}", row.external_id, row.answer),
    ///         other => println!("{:?}: {other} ({:?})", row.external_id, row.reason),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn answers(
        &self,
        event: impl IntoId<EventId>,
        people: impl IntoIterator<Item = Person>,
        options: &PeopleOptions,
    ) -> impl Stream<Item = Result<PersonAnswer, Error>> + Send + 'static {
        let client = self.clone();
        let people: Vec<Person> = people.into_iter().collect();
        let options = options.clone();
        let event = checked_event(event);
        stream::once(async move {
            let event = event?;
            let rows = client.answer_rows(event, people, options).await?;
            Ok::<_, Error>(stream::iter(rows.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }

    async fn answer_rows(
        &self,
        event: EventId,
        people: Vec<Person>,
        options: PeopleOptions,
    ) -> Result<Vec<PersonAnswer>, Error> {
        options.bulk.check()?;
        let roster = Roster::new(&people);
        let context = options.bulk.context();
        let found = self.find_people(&roster, &options, &context).await?;
        let resolutions = roster.per_row(&found);
        let wanted: HashSet<ContactId> =
            resolutions.iter().filter_map(Resolution::contact).collect();
        let invitations = if wanted.is_empty() || context.is_cancelled() {
            Invitations::default()
        } else {
            self.invitations_of(event, &wanted, &context).await?
        };
        Ok(people
            .iter()
            .zip(&resolutions)
            .map(|(person, resolution)| row_of(person, resolution, &invitations))
            .collect())
    }

    /// The event's invitations of `wanted`, read once under the run's
    /// retry policy, with its waits reported.
    async fn invitations_of(
        &self,
        event: EventId,
        wanted: &HashSet<ContactId>,
        context: &RunContext,
    ) -> Result<Invitations, Error> {
        let mut by_contact = HashMap::new();
        let unreadable = self
            .each_invitation(
                event,
                context.retry.clone(),
                context.reporter.clone(),
                |row| {
                    if wanted.contains(&row.contact) {
                        by_contact.insert(row.contact, row);
                    }
                },
            )
            .await?;
        Ok(Invitations {
            by_contact,
            unreadable,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn invitation(contact: u64, answer: Answer) -> InvitedContact {
        InvitedContact {
            event: EventId::new(1).expect("id"),
            contact: ContactId::new(contact).expect("id"),
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            answer,
            registration_id: Some(5),
            modified: "2026-11-29 10:00:00 UTC".into(),
        }
    }

    fn id(n: u64) -> ContactId {
        ContactId::new(n).expect("id")
    }

    #[test]
    fn each_resolution_gives_its_status() {
        let mut invitations = Invitations::default();
        invitations
            .by_contact
            .insert(id(1), invitation(1, Answer::No));
        let person = Person::by_external_id("CRM-1");
        let cases = [
            (Resolution::Found(id(1)), AnswerStatus::Invited),
            (Resolution::Found(id(2)), AnswerStatus::NotInvited),
            (
                Resolution::Ambiguous(vec![id(3), id(4)]),
                AnswerStatus::Ambiguous,
            ),
            (Resolution::NotFound, AnswerStatus::NotFound),
            (Resolution::NoIdentity, AnswerStatus::NoIdentity),
            (
                Resolution::Failed(Arc::new(Error::Cancelled)),
                AnswerStatus::Failed,
            ),
            (
                Resolution::NotSent(Arc::new(Error::Cancelled)),
                AnswerStatus::NotSent,
            ),
        ];
        for (resolution, status) in cases {
            let row = row_of(&person, &resolution, &invitations);
            assert_eq!(row.status, status, "{resolution:?}");
            assert_eq!(row.external_id.as_deref(), Some("CRM-1"));
            assert_eq!(
                row.reason.is_none(),
                status == AnswerStatus::Invited,
                "{row:?}"
            );
        }
        let invited = row_of(&person, &Resolution::Found(id(1)), &invitations);
        assert_eq!(invited.answer, Some(Answer::No));
        assert_eq!(invited.registration_id, Some(5));
        assert!(invited.modified_at().is_some());
        let ambiguous = row_of(
            &person,
            &Resolution::Ambiguous(vec![id(3), id(4)]),
            &invitations,
        );
        assert_eq!(ambiguous.candidates, [id(3), id(4)]);
    }

    #[test]
    fn a_contact_missing_from_a_listing_with_unreadable_rows_is_not_called_uninvited() {
        let invitations = Invitations {
            unreadable: 2,
            ..Invitations::default()
        };
        let row = row_of(
            &Person::by_email("a@example.test"),
            &Resolution::Found(id(9)),
            &invitations,
        );
        assert_eq!(row.status, AnswerStatus::Failed);
        assert!(
            row.reason.as_deref().is_some_and(|r| r.contains("2 rows")),
            "{row:?}"
        );
    }

    #[test]
    fn the_codes_are_the_serde_words() {
        for status in [
            AnswerStatus::Invited,
            AnswerStatus::NotInvited,
            AnswerStatus::NotFound,
            AnswerStatus::Ambiguous,
            AnswerStatus::NoIdentity,
            AnswerStatus::Failed,
            AnswerStatus::NotSent,
        ] {
            assert_eq!(status.to_string(), status.code());
            #[cfg(feature = "serde")]
            assert_eq!(
                serde_json::to_value(status).expect("serializes"),
                serde_json::Value::from(status.code())
            );
        }
    }
}
