//! The account's contacts: [`Contact`], the listing [`Client::contacts`],
//! and the single call [`Client::add_contact`] with its [`NewContact`].
//! Paging is [`paging`](crate::transport::paging)'s; matching people to
//! contacts is [`people`](crate::people)'s.

use futures::stream::Stream;
use ivvy_api::types::{
    AddOrUpdateContactReply, AddOrUpdateContactRequest, ContactRow, GetContactListReply,
    GetContactListRequest,
};

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::ids::ContactId;
use crate::operations::filter::Filter;
use crate::operations::loose;
use crate::policy::retry::RetryPolicy;
use crate::transport::call::CallInfo;
use crate::transport::paging::{Listed, Page, walk};

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

/// What a new contact is given: iVvy requires names and an email.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl NewContact {
    /// A new contact with these names and email, and no external id.
    ///
    /// ```
    /// let ann = ivvy::NewContact::new("Ann", "Lee", "ann@example.com").external_id("CRM-1");
    /// assert_eq!(ann.external_id.as_deref(), Some("CRM-1"));
    /// ```
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        Self {
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            external_id: None,
        }
    }

    /// Sets the id in another system.
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }
}

impl Client {
    /// Every contact of the account that `filter` lets through, in id order,
    /// as a stream: pages are fetched as it is read, each retried like every
    /// read. Each row is checked against the filter's plain fields (trimmed,
    /// without regard to case): a row iVvy should have kept out is dropped
    /// with a warning, never passed on.
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
        let rows = self.contacts_with(
            filter.clone(),
            self.shared.retry.clone(),
            Reporter::default(),
        );
        filter.keep("contacts", rows, contact_field)
    }

    /// [`contacts`](Self::contacts), each page retried under `policy` with
    /// its waits told to `reporter`.
    pub(crate) fn contacts_with(
        &self,
        filter: Filter,
        policy: RetryPolicy,
        reporter: Reporter,
    ) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        let client = self.clone();
        let filter = filter.to_json();
        walk(
            policy,
            reporter,
            self.shared.listing,
            move |start, attempt| {
                let client = client.clone();
                let filter = filter.clone();
                async move { client.contact_page(filter, start, attempt).await }
            },
        )
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
            .call(info, || self.shared.api.get_contact_list(&body))
            .await?;
        contact_page_of(reply, start)
    }

    /// Adds one contact (addOrUpdateContact without an id) and returns its
    /// id. Sent once, never retried: adding is not idempotent, so after an
    /// error that [is ambiguous](Error::is_ambiguous) look the contact up
    /// before adding it again ([`Client::resolve_people`] does this).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// let new = ivvy::NewContact::new("Ann", "Lee", "ann.lee@example.com").external_id("CRM-9");
    /// let id = client.add_contact(&new).await?;
    /// println!("added as contact {id}");
    /// # Ok(()) }
    /// ```
    pub async fn add_contact(&self, contact: &NewContact) -> Result<ContactId, Error> {
        self.add_contact_attempt(contact, 1).await
    }

    pub(crate) async fn add_contact_attempt(
        &self,
        contact: &NewContact,
        attempt: u32,
    ) -> Result<ContactId, Error> {
        let body = contact.to_request();
        let info = CallInfo::new("addOrUpdateContact", attempt);
        let reply = self
            .call(info, || self.shared.api.add_or_update_contact(&body))
            .await?;
        added_id(&reply)
    }
}

impl NewContact {
    /// The addOrUpdateContact request that adds it.
    pub(crate) fn to_request(&self) -> AddOrUpdateContactRequest {
        AddOrUpdateContactRequest {
            id: None,
            external_id: self.external_id.clone(),
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            email: Some(self.email.clone()),
            phone: None,
            // An add is an add: the person was looked for first.
            update_if_exists: Some(false),
        }
    }
}

/// The id an add's reply gives; a reply with `success: false` is a clear
/// refusal (nothing was added, so nothing is in doubt).
pub(crate) fn added_id(reply: &AddOrUpdateContactReply) -> Result<ContactId, Error> {
    if reply.success == Some(false) {
        return Err(Error::invalid(
            "contact",
            format!(
                "iVvy did not add it: {}",
                crate::transport::excerpt::escaped(
                    reply.message.as_deref().unwrap_or("no reason given")
                )
            ),
        ));
    }
    loose::id(Some(&reply.id), "id")
        .map_err(|e| Error::unusable_reply(format!("the new contact's {e}")))
}

/// A page of contacts read from getContactList's reply to a request that
/// started at `start`, row by row (a row that cannot be read is skipped
/// and counted).
pub(crate) fn contact_page_of(
    reply: GetContactListReply,
    start: u64,
) -> Result<Page<Contact>, Error> {
    let read = loose::rows("contacts", start, reply.results, |row| {
        let ContactRow {
            subtype_0: Some(c), ..
        } = row
        else {
            return Err(loose::unreadable(row.subtype_1.as_deref()));
        };
        Ok(Contact {
            id: loose::id(c.id.as_ref(), "id")?,
            external_id: loose::text(c.external_id),
            email: loose::text(c.email),
            first_name: loose::text(c.first_name),
            last_name: loose::text(c.last_name),
            phone: loose::text(c.phone),
        })
    });
    Ok(Page {
        items: read.items,
        skipped: read.skipped,
        total: loose::count(&reply.meta.total_results, "totalResults")?,
    })
}

/// A contact's value of a filter field this client can check.
fn contact_field(contact: &Contact, key: &str) -> Option<Option<String>> {
    let text = |v: &Option<String>| Some(v.clone());
    match key {
        "id" => Some(Some(contact.id.to_string())),
        "externalId" => text(&contact.external_id),
        "email" => text(&contact.email),
        "firstName" => text(&contact.first_name),
        "lastName" => text(&contact.last_name),
        "phone" => text(&contact.phone),
        _ => None,
    }
}
