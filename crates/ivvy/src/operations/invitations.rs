//! An event's invitations read back, with each contact's answer: the
//! [`InvitedContact`] and [`Answer`] types and [`Client::invited_contacts`].
//! Paging itself is [`paging`](crate::transport::paging)'s.

use std::time::SystemTime;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use ivvy_api::types::{GetInvitedContactListRequest, InvitationResponse};

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};
use crate::operations::checks::checked_event;
use crate::policy::retry::RetryPolicy;
use crate::transport::call::CallInfo;
use crate::transport::paging::{Listed, Page, walk};

/// A contact's answer to an invitation. With the `serde` feature it is
/// iVvy's letter, `"Y"`, `"N"` or `"U"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Answer {
    /// `Y`.
    #[cfg_attr(feature = "serde", serde(rename = "Y"))]
    Yes,
    /// `N`.
    #[cfg_attr(feature = "serde", serde(rename = "N"))]
    No,
    /// `U`: not answered yet.
    #[cfg_attr(feature = "serde", serde(rename = "U"))]
    Undecided,
}

impl Answer {
    /// iVvy's letter for the answer: `Y`, `N` or `U`.
    pub fn letter(self) -> &'static str {
        match self {
            Answer::Yes => "Y",
            Answer::No => "N",
            Answer::Undecided => "U",
        }
    }
}

impl From<InvitationResponse> for Answer {
    fn from(response: InvitationResponse) -> Self {
        match response {
            InvitationResponse::Y => Answer::Yes,
            InvitationResponse::N => Answer::No,
            InvitationResponse::U => Answer::Undecided,
        }
    }
}

/// One invitation with the contact's answer. With the `serde` feature it
/// uses getInvitedContactList's own field names (`eventId`, `contactId`,
/// `response`, `modifiedDate`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct InvitedContact {
    /// The event.
    #[cfg_attr(feature = "serde", serde(rename = "eventId"))]
    pub event: EventId,
    /// The contact.
    #[cfg_attr(feature = "serde", serde(rename = "contactId"))]
    pub contact: ContactId,
    /// First name, when iVvy has one.
    pub first_name: Option<String>,
    /// Last name, when iVvy has one.
    pub last_name: Option<String>,
    /// Email, when iVvy has one.
    pub email: Option<String>,
    /// Phone, when iVvy has one.
    pub phone: Option<String>,
    /// The answer so far.
    #[cfg_attr(feature = "serde", serde(rename = "response"))]
    pub answer: Answer,
    /// The registration, once the contact has registered.
    pub registration_id: Option<i64>,
    /// When the invitation last changed, as iVvy sent it (`yyyy-mm-dd HH:mm:ss UTC`).
    #[cfg_attr(feature = "serde", serde(rename = "modifiedDate"))]
    pub modified: String,
}

impl InvitedContact {
    /// [`modified`](Self::modified) as a time, when it parses.
    pub fn modified_at(&self) -> Option<SystemTime> {
        ivvy_iws::timestamp::parse(&self.modified)
    }
}

impl Listed for InvitedContact {
    const KIND: &'static str = "invitations";
    fn id(&self) -> u64 {
        self.contact.get()
    }
}

impl Client {
    /// Every invitation to the event, with each contact's answer, as a
    /// stream; with `answer`, only the invitations with that answer (iVvy
    /// filters them). Pages are fetched as the stream is read, each retried
    /// on its own, until iVvy's `totalResults` is reached; a listing that
    /// does not end (empty or repeated pages) ends with an error.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let yes: Vec<_> = client
    ///     .invited_contacts(4, Some(ivvy::Answer::Yes))
    ///     .try_collect()
    ///     .await?;
    /// println!("{} said yes", yes.len());
    /// # Ok(()) }
    /// ```
    pub fn invited_contacts(
        &self,
        event: impl IntoId<EventId>,
        answer: Option<Answer>,
    ) -> impl Stream<Item = Result<InvitedContact, Error>> + Send + 'static {
        match checked_event(event) {
            Ok(event) => self
                .invitations_with(
                    event,
                    answer,
                    self.shared.retry.clone(),
                    Reporter::default(),
                )
                .left_stream(),
            Err(e) => stream::once(async move { Err(e) }).right_stream(),
        }
    }

    /// The event's invitations (those with `answer`, when given), each page
    /// retried under `policy` (a bulk run reads with its own) and its waits
    /// told to `reporter`.
    pub(crate) fn invitations_with(
        &self,
        event: EventId,
        answer: Option<Answer>,
        policy: RetryPolicy,
        reporter: Reporter,
    ) -> impl Stream<Item = Result<InvitedContact, Error>> + Send + 'static {
        let client = self.clone();
        walk(policy, reporter, move |start, attempt| {
            let client = client.clone();
            async move { client.invitation_page(event, answer, start, attempt).await }
        })
    }

    /// Which of `contacts` the event's invitations hold. The set of
    /// contacts to look for is built only once the event turns out to have
    /// any.
    pub(crate) async fn invited_among(
        &self,
        event: EventId,
        contacts: &[ContactId],
        policy: RetryPolicy,
        reporter: Reporter,
    ) -> Result<HashSet<ContactId>, Error> {
        let mut wanted: Option<HashSet<ContactId>> = None;
        let mut found = HashSet::default();
        let mut invited = std::pin::pin!(self.invitations_with(event, None, policy, reporter));
        while let Some(invitation) = invited.try_next().await? {
            let wanted = wanted.get_or_insert_with(|| contacts.iter().copied().collect());
            if wanted.contains(&invitation.contact) {
                found.insert(invitation.contact);
            }
        }
        Ok(found)
    }

    /// Fetches the page of invitations that starts at `start`.
    async fn invitation_page(
        &self,
        event: EventId,
        answer: Option<Answer>,
        start: u64,
        attempt: u32,
    ) -> Result<Page<InvitedContact>, Error> {
        let mut filter = serde_json::Map::new();
        if let Some(answer) = answer {
            filter.insert("response".into(), answer.letter().into());
        }
        let body = GetInvitedContactListRequest {
            event_id: event.non_zero(),
            start: Some(i64::try_from(start).unwrap_or(i64::MAX)),
            per_page: Some(self.shared.page_size.into()),
            filter,
        };
        let info = CallInfo::new("getInvitedContactList", attempt).event(event);
        let reply = self
            .call(info, self.shared.api.get_invited_contact_list(&body))
            .await?;
        let total = u64::try_from(reply.meta.total_results).unwrap_or(0);
        let items = reply
            .results
            .into_iter()
            .map(|c| {
                let contact = ContactId::try_from(c.contact_id)
                    .map_err(|e| Error::unusable_reply(format!("an invitation lists {e}")))?;
                let event = EventId::try_from(c.event_id)
                    .map_err(|e| Error::unusable_reply(format!("an invitation lists {e}")))?;
                Ok(InvitedContact {
                    event,
                    contact,
                    first_name: c.first_name,
                    last_name: c.last_name,
                    email: c.email,
                    phone: c.phone,
                    answer: c.response.into(),
                    registration_id: c.registration_id,
                    modified: c.modified_date,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Page { items, total })
    }
}
