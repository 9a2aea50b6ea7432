//! Reading back an event's invitations, page by page, as one stream.

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use ivvy_api::types::{GetInvitedContactListRequest, InvitationResponse};
use reqwest::StatusCode;

use crate::client::call;
use crate::invite::checked_event;
use crate::{Client, ContactId, Error, EventId, InvalidId};

/// A contact's answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// `Y`.
    Yes,
    /// `N`.
    No,
    /// `U`: not answered yet.
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

/// One invitation with the contact's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitedContact {
    /// The event.
    pub event: EventId,
    /// The contact.
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
    pub answer: Answer,
    /// The registration, once the contact has registered.
    pub registration_id: Option<i64>,
    /// When the invitation last changed, as iVvy sent it (`yyyy-mm-dd HH:mm:ss UTC`).
    pub modified: String,
}

impl InvitedContact {
    /// [`modified`](Self::modified) as a time, when it parses.
    pub fn modified_at(&self) -> Option<time::OffsetDateTime> {
        crate::timestamp::parse(&self.modified)
    }
}

struct Paging {
    client: Client,
    event: EventId,
    start: i64,
    done: bool,
}

impl Client {
    /// Every invitation to the event, with each contact's answer, as a
    /// stream. Pages are fetched as the stream is read, until iVvy's
    /// `totalResults` is reached.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let yes: Vec<_> = client
    ///     .invited_contacts(4)
    ///     .try_filter(|c| std::future::ready(c.answer == ivvy::Answer::Yes))
    ///     .try_collect()
    ///     .await?;
    /// println!("{} said yes", yes.len());
    /// # Ok(()) }
    /// ```
    pub fn invited_contacts<E>(
        &self,
        event: E,
    ) -> impl Stream<Item = Result<InvitedContact, Error>> + Send + 'static
    where
        E: TryInto<EventId>,
        E::Error: Into<InvalidId>,
    {
        let paging = checked_event(event).map(|event| Paging {
            client: self.clone(),
            event,
            start: 0,
            done: false,
        });
        let pages = match paging {
            Ok(paging) => stream::try_unfold(paging, next_page).left_stream(),
            Err(e) => stream::once(async move { Err(e) }).right_stream(),
        };
        pages
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// One page of an event's invitations.
pub(crate) struct Page {
    pub(crate) contacts: Vec<InvitedContact>,
    /// `totalResults` as this page's reply gave it.
    pub(crate) total: i64,
}

impl Client {
    /// Fetches the page of invitations that starts at `start`.
    pub(crate) async fn invitation_page(&self, event: EventId, start: i64) -> Result<Page, Error> {
        let per_page =
            std::num::NonZeroU32::new(self.shared.page_size).unwrap_or(std::num::NonZeroU32::MIN);
        let body = GetInvitedContactListRequest {
            event_id: event.non_zero(),
            start,
            per_page: per_page.into(),
            filter: serde_json::Map::new(),
        };
        let reply = call(self.shared.api.get_invited_contact_list(&body)).await?;
        let total = reply.meta.total_results;
        if reply.results.is_empty() && start < total {
            return Err(unexpected(format!(
                "iVvy reported {total} invitations but the page starting at {start} is empty"
            )));
        }
        let contacts = reply
            .results
            .into_iter()
            .map(|c| {
                let contact = ContactId::try_from(c.contact_id)
                    .map_err(|e| unexpected(format!("an invitation lists {e}")))?;
                let event = EventId::try_from(c.event_id)
                    .map_err(|e| unexpected(format!("an invitation lists {e}")))?;
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
        Ok(Page { contacts, total })
    }
}

/// The start of the page after one that began at `start` and held `got`.
pub(crate) fn next_start(start: i64, got: usize) -> i64 {
    start.saturating_add(i64::try_from(got).unwrap_or(i64::MAX))
}

async fn next_page(mut paging: Paging) -> Result<Option<(Vec<InvitedContact>, Paging)>, Error> {
    if paging.done {
        return Ok(None);
    }
    let page = paging
        .client
        .invitation_page(paging.event, paging.start)
        .await?;
    paging.start = next_start(paging.start, page.contacts.len());
    paging.done = paging.start >= page.total;
    Ok(Some((page.contacts, paging)))
}

fn unexpected(problem: String) -> Error {
    Error::UnexpectedReply {
        status: Some(StatusCode::OK),
        excerpt: String::new(),
        problem,
        source: None,
    }
}
