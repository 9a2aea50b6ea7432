//! The account's contacts and events: the [`Contact`], [`Event`] and
//! [`Filter`] types, the listings [`Client::contacts`] and
//! [`Client::events`], [`Client::event_by_code`], [`Client::event`] and
//! the single call [`Client::add_contact`]. Paging is `paging`'s; matching
//! people to contacts is `people`'s.

use futures::stream::{Stream, TryStreamExt};
use ivvy_api::types::{
    AddOrUpdateContactRequest, GetContactListRequest, GetEventListRequest, GetEventRequest,
};
use reqwest::StatusCode;

use crate::call::CallInfo;
use crate::ids::IntoId;
use crate::invite::checked_event;
use crate::paging::{Listed, Page, walk};
use crate::retry::read_may_retry;
use crate::{Client, ContactId, Error, EventId, RetryPolicy};

/// iVvy's `filter` for a listing: result fields and the value each must
/// have. A key may end with one of iVvy's modifiers (`__BEGINS`,
/// `__CONTAINS`, `__NOT`, ...); the value `ISNULL` matches an empty field.
///
/// ```
/// let filter = ivvy::Filter::new().field("externalId", "CRM-00001");
/// assert_eq!(filter.get("externalId"), Some("CRM-00001"));
/// let none = ivvy::Filter::new();
/// assert!(none.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Filter {
    fields: Vec<(String, String)>,
}

impl Filter {
    /// No filter: every result.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` (a field, optionally with a modifier) with its value;
    /// a key given twice keeps the last value.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.fields.retain(|(k, _)| *k != key);
        self.fields.push((key, value.into()));
        self
    }

    /// The value for `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect()
    }
}

/// A contact of the account, as getContactList lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct Contact {
    /// The contact's id.
    pub id: ContactId,
    /// The id in another system (a CRM's), when set.
    pub external_id: Option<String>,
    /// The email, in the case it was stored.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

impl Contact {
    /// A contact with this id and no other field set, for building one
    /// from a record kept elsewhere ([`PeopleOptions::added_earlier`]).
    ///
    /// [`PeopleOptions::added_earlier`]: crate::PeopleOptions::added_earlier
    ///
    /// ```
    /// let id = ivvy::ContactId::new(17)?;
    /// let mut contact = ivvy::Contact::new(id);
    /// contact.external_id = Some("CRM-17".into());
    /// assert_eq!(contact.id.get(), 17);
    /// # Ok::<(), ivvy::InvalidId>(())
    /// ```
    pub fn new(id: ContactId) -> Self {
        Self {
            id,
            external_id: None,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
        }
    }
}

impl Listed for Contact {
    const KIND: &'static str = "contacts";
    fn id(&self) -> u64 {
        self.id.get()
    }
}

/// An event of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct Event {
    /// The event's id.
    pub id: EventId,
    /// Its code (as in its website's address); empty when iVvy sent none.
    pub code: String,
    /// Its title; empty when iVvy sent none.
    pub title: String,
    /// The start, `yyyy-mm-dd HH:mm:ss UTC`, as iVvy sent it.
    pub start: Option<String>,
    /// The end, as iVvy sent it.
    pub end: Option<String>,
    /// iVvy's status code: 0 draft, 1 closed, 3 launched.
    pub status: Option<i64>,
}

impl Event {
    /// The status in words: "draft", "closed", "launched", or the code.
    pub fn status_word(&self) -> String {
        match self.status {
            Some(0) => "draft".into(),
            Some(1) => "closed".into(),
            Some(3) => "launched".into(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
}

impl Listed for Event {
    const KIND: &'static str = "events";
    fn id(&self) -> u64 {
        self.id.get()
    }
}

/// What a new contact is given: iVvy requires names and an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// The id in another system, if any.
    pub external_id: Option<String>,
}

impl Client {
    /// Every contact of the account that `filter` lets through, in id order,
    /// as a stream: pages are fetched as it is read, each retried like every
    /// read.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let filter = ivvy::Filter::new().field("externalId", "CRM-00001");
    /// let found: Vec<ivvy::Contact> = client.contacts(filter).try_collect().await?;
    /// println!("{} contact(s) with that external id", found.len());
    /// # Ok(()) }
    /// ```
    pub fn contacts(
        &self,
        filter: Filter,
    ) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        self.contacts_with(filter, self.shared.retry.clone())
    }

    /// [`contacts`](Self::contacts), each page retried under `policy`.
    pub(crate) fn contacts_with(
        &self,
        filter: Filter,
        policy: RetryPolicy,
    ) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        let client = self.clone();
        let filter = filter.to_json();
        walk(policy, move |start, attempt| {
            let client = client.clone();
            let filter = filter.clone();
            async move { client.contact_page(filter, start, attempt).await }
        })
    }

    pub(crate) async fn contact_page(
        &self,
        filter: serde_json::Map<String, serde_json::Value>,
        start: u64,
        attempt: u32,
    ) -> Result<Page<Contact>, Error> {
        let body = GetContactListRequest {
            start: Some(i64::try_from(start).unwrap_or(i64::MAX)),
            per_page: Some(self.shared.page_size.into()),
            filter,
        };
        let info = CallInfo::new("getContactList", attempt);
        let reply = self
            .call(info, self.shared.api.get_contact_list(&body))
            .await?;
        let items = reply
            .results
            .into_iter()
            .map(|c| {
                Ok(Contact {
                    id: ContactId::try_from(c.id)
                        .map_err(|e| unexpected(format!("a contact listed has {e}")))?,
                    external_id: c.external_id,
                    email: c.email,
                    first_name: c.first_name,
                    last_name: c.last_name,
                    phone: c.phone,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Page {
            items,
            total: u64::try_from(reply.meta.total_results).unwrap_or(0),
        })
    }

    /// Every event of the account that `filter` lets through, in the
    /// server's order, as a stream (pages retried like every read).
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let events: Vec<ivvy::Event> = client.events(ivvy::Filter::new()).try_collect().await?;
    /// for event in events {
    ///     println!("{} {} {}", event.id, event.code, event.title);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(
        &self,
        filter: Filter,
    ) -> impl Stream<Item = Result<Event, Error>> + Send + 'static {
        let client = self.clone();
        let filter = filter.to_json();
        walk(self.shared.retry.clone(), move |start, attempt| {
            let client = client.clone();
            let filter = filter.clone();
            async move { client.event_page(filter, start, attempt).await }
        })
    }

    async fn event_page(
        &self,
        filter: serde_json::Map<String, serde_json::Value>,
        start: u64,
        attempt: u32,
    ) -> Result<Page<Event>, Error> {
        let body = GetEventListRequest {
            start: Some(i64::try_from(start).unwrap_or(i64::MAX)),
            per_page: Some(self.shared.page_size.into()),
            filter,
        };
        let info = CallInfo::new("getEventList", attempt);
        let reply = self
            .call(info, self.shared.api.get_event_list(&body))
            .await?;
        let items = reply
            .results
            .into_iter()
            .map(event_from)
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Page {
            items,
            total: u64::try_from(reply.meta.total_results).unwrap_or(0),
        })
    }

    /// The event whose code is `code` (trimmed, compared without regard to
    /// case, as iVvy's event addresses are). No such event is
    /// [`Error::NotFound`]; two are an error too, naming their ids: an
    /// event is never guessed.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// let event = client.event_by_code("LAUNCH26").await?;
    /// println!("{} is event {}", event.title, event.id);
    /// # Ok(()) }
    /// ```
    pub async fn event_by_code(&self, code: &str) -> Result<Event, Error> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid("event code", "is empty"));
        }
        // The server's filter is a first cut; the code is checked here.
        let found: Vec<Event> = self
            .events(Filter::new().field("code", code))
            .try_filter(|e| {
                std::future::ready(!e.code.is_empty() && e.code.trim().eq_ignore_ascii_case(code))
            })
            .try_collect()
            .await?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::NotFound {
                what: format!("no event has the code \"{}\"", crate::escaped(code)),
            }),
            many => Err(Error::NotFound {
                what: format!(
                    "{} events have the code \"{}\" (ids {}); use the event id",
                    many.len(),
                    crate::escaped(code),
                    many.iter()
                        .map(|e| e.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// The event with this id (getEvent), retried like every read.
    pub async fn event(&self, event: impl IntoId<EventId>) -> Result<Event, Error> {
        let event = checked_event(event)?;
        let body = GetEventRequest {
            id: event.non_zero(),
        };
        let mut rng = self.shared.retry.rng(0xe7e7);
        let reply = self
            .shared
            .retry
            .run(&mut rng, read_may_retry, |attempt| {
                let info = CallInfo::new("getEvent", attempt).event(event);
                self.call(info, self.shared.api.get_event(&body))
            })
            .await?;
        event_from(reply)
    }

    /// Adds one contact (addOrUpdateContact without an id) and returns its
    /// id. Sent once, never retried: adding is not idempotent, so after an
    /// error that [is ambiguous](Error::is_ambiguous) look the contact up
    /// before adding it again ([`Client::resolve_people`] does this).
    pub async fn add_contact(&self, contact: &NewContact) -> Result<ContactId, Error> {
        self.add_contact_attempt(contact, 1).await
    }

    pub(crate) async fn add_contact_attempt(
        &self,
        contact: &NewContact,
        attempt: u32,
    ) -> Result<ContactId, Error> {
        let body = AddOrUpdateContactRequest {
            id: None,
            external_id: contact.external_id.clone(),
            first_name: Some(contact.first_name.clone()),
            last_name: Some(contact.last_name.clone()),
            email: Some(contact.email.clone()),
            phone: None,
            // An add is an add: the person was looked for first.
            update_if_exists: Some(false),
        };
        let info = CallInfo::new("addOrUpdateContact", attempt);
        let reply = self
            .call(info, self.shared.api.add_or_update_contact(&body))
            .await?;
        if reply.success == Some(false) {
            // A clear refusal: nothing was added, so it is not in doubt.
            return Err(Error::invalid(
                "contact",
                format!(
                    "iVvy did not add it: {}",
                    crate::escaped(reply.message.as_deref().unwrap_or("no reason given"))
                ),
            ));
        }
        ContactId::try_from(reply.id).map_err(|e| unexpected(format!("the new contact has {e}")))
    }
}

fn event_from(e: ivvy_api::types::Event) -> Result<Event, Error> {
    Ok(Event {
        id: EventId::try_from(e.id).map_err(|err| unexpected(format!("an event has {err}")))?,
        code: e.code.unwrap_or_default(),
        title: e.title.unwrap_or_default(),
        start: e.start_date_time,
        end: e.end_date_time,
        status: e.current_status,
    })
}

fn unexpected(problem: String) -> Error {
    Error::UnexpectedReply {
        status: Some(StatusCode::OK),
        excerpt: String::new(),
        problem,
        source: None,
    }
}
