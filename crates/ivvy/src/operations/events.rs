//! The account's events: [`Event`], the listing [`Client::events`],
//! [`Client::event_by_code`] and [`Client::event`].

use futures::stream::{Stream, TryStreamExt};
use ivvy_api::types::{EventRow, GetEventListRequest, GetEventRequest};

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::ids::{EventId, IntoId};
use crate::operations::checks::checked_event;
use crate::operations::filter::Filter;
use crate::operations::loose;
use crate::transport::call::CallInfo;
use crate::transport::paging::{Listed, Page, walk};

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

impl Client {
    /// Every event of the account that `filter` lets through, in the
    /// server's order, as a stream (pages retried like every read). Rows
    /// are checked against the filter's plain fields, as
    /// [`contacts`](Self::contacts)' are.
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
        let json = filter.to_json();
        let rows = walk(
            self.shared.retry.clone(),
            Reporter::default(),
            self.shared.listing,
            move |start, attempt| {
                let client = client.clone();
                let json = json.clone();
                async move { client.event_page(json, start, attempt).await }
            },
        );
        filter.keep("events", rows, event_field)
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
            .call(info, || self.shared.api.get_event_list(&body))
            .await?;
        let read = loose::rows("events", start, reply.results, |row| match row {
            EventRow {
                subtype_0: Some(e), ..
            } => event_from(e),
            EventRow { subtype_1, .. } => Err(loose::unreadable(subtype_1.as_deref())),
        });
        Ok(Page {
            items: read.items,
            skipped: read.skipped,
            total: loose::count(&reply.meta.total_results, "totalResults")?,
        })
    }

    /// The event whose code is `code` (trimmed, compared without regard to
    /// case, as iVvy's event addresses are). No such event is
    /// [`Error::NotFound`]; two are an error too, naming their ids, however
    /// the code is typed: an event is never guessed. Reads every event of
    /// the account (one request per 100 events), since how iVvy's `code`
    /// filter treats case is not documented.
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
        // Every event is read and the code compared here: a server filter
        // that compares case would find `EV1` and not `ev1`, and the rule
        // would then depend on how the code was typed.
        let found: Vec<Event> = self
            .events(Filter::new())
            .try_filter(|e| {
                std::future::ready(!e.code.is_empty() && e.code.trim().eq_ignore_ascii_case(code))
            })
            .try_collect()
            .await?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::NotFound {
                what: format!(
                    "no event has the code \"{}\"",
                    crate::transport::excerpt::escaped(code)
                ),
            }),
            many => Err(Error::NotFound {
                what: format!(
                    "{} events have the code \"{}\" (ids {}); use the event id",
                    many.len(),
                    crate::transport::excerpt::escaped(code),
                    many.iter()
                        .map(|e| e.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// The event with this id (getEvent), retried like every read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// let event = client.event(1).await?;
    /// assert_eq!(event.code, "LAUNCH26");
    /// # Ok(()) }
    /// ```
    pub async fn event(&self, event: impl IntoId<EventId>) -> Result<Event, Error> {
        let event = checked_event(event)?;
        let body = GetEventRequest {
            id: event.non_zero(),
        };
        let reply = self
            .read(
                &self.shared.retry,
                0xe7e7,
                &Reporter::default(),
                |attempt| {
                    let info = CallInfo::new("getEvent", attempt).event(event);
                    self.call(info, || self.shared.api.get_event(&body))
                },
            )
            .await?;
        event_from(reply).map_err(|e| Error::unusable_reply(format!("the event's {e}")))
    }
}

/// An event from its row; why not, when it cannot be read.
fn event_from(e: ivvy_api::types::Event) -> Result<Event, String> {
    Ok(Event {
        id: loose::id(e.id.as_ref(), "id")?,
        code: loose::text(e.code).unwrap_or_default(),
        title: loose::text(e.title).unwrap_or_default(),
        start: e.start_date_time,
        end: e.end_date_time,
        status: e.current_status.as_ref().and_then(loose::integer),
    })
}

/// An event's value of a filter field this client can check.
fn event_field(event: &Event, key: &str) -> Option<Option<String>> {
    match key {
        "id" => Some(Some(event.id.to_string())),
        "code" => Some(Some(event.code.clone())),
        "title" => Some(Some(event.title.clone())),
        _ => None,
    }
}
