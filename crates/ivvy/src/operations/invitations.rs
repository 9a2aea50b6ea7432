//! An event's invitations read back, with each contact's answer: the
//! [`InvitedContact`] and [`Answer`] types and [`Client::invited_contacts`].
//! Paging itself is [`paging`](crate::transport::paging)'s.

use std::time::SystemTime;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use ivvy_api::types::{GetInvitedContactListRequest, InvitedContactRow};

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};
use crate::operations::checks::checked_event;
use crate::operations::loose;
use crate::policy::retry::RetryPolicy;
use crate::transport::call::CallInfo;
use crate::transport::paging::{Listed, Page, walk};

/// A contact's answer to an invitation: iVvy's letter, `Y`, `N` or `U`,
/// read without regard to case; a letter iVvy may add later is kept as it
/// came ([`Answer::Other`]), never refused. A missing or empty answer is
/// read as `U` (no answer yet). With the `serde` feature it is the letter.
///
/// ```
/// use ivvy::Answer;
/// assert_eq!("yes".parse::<Answer>(), Ok(Answer::Yes));
/// assert_eq!("N".parse::<Answer>(), Ok(Answer::No));
/// assert_eq!(Answer::Undecided.to_string(), "U");
/// assert_eq!(Answer::from_letter(" y "), Answer::Yes);
/// assert_eq!(Answer::from_letter("M"), Answer::Other("M".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Answer {
    /// `Y`.
    Yes,
    /// `N`.
    No,
    /// `U`: not answered yet.
    Undecided,
    /// Another answer, as iVvy sent it (trimmed).
    Other(String),
}

impl Answer {
    /// iVvy's letter for the answer: `Y`, `N`, `U`, or another as it came.
    pub fn letter(&self) -> &str {
        match self {
            Answer::Yes => "Y",
            Answer::No => "N",
            Answer::Undecided => "U",
            Answer::Other(text) => text,
        }
    }

    /// The answer in words: `yes`, `no`, `undecided`, or another as it came.
    pub fn word(&self) -> &str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Undecided => "undecided",
            Answer::Other(text) => text,
        }
    }

    /// The answer iVvy's letter stands for (trimmed, any case); empty is
    /// `U`; another letter is kept as [`Answer::Other`].
    pub fn from_letter(letter: &str) -> Self {
        let letter = letter.trim();
        match letter.to_ascii_uppercase().as_str() {
            "Y" => Answer::Yes,
            "N" => Answer::No,
            "U" | "" => Answer::Undecided,
            _ => Answer::Other(letter.to_string()),
        }
    }
}

impl std::fmt::Display for Answer {
    /// The letter, as iVvy writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.letter())
    }
}

/// An answer that is not one of iVvy's (`--answer maybe`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown answer {0:?}: give yes, no or undecided (or Y, N, U)")]
pub struct UnknownAnswer(pub String);

impl std::str::FromStr for Answer {
    type Err = UnknownAnswer;

    /// `yes`, `no`, `undecided` or `Y`, `N`, `U`, in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => Ok(Answer::Yes),
            "n" | "no" => Ok(Answer::No),
            "u" | "undecided" => Ok(Answer::Undecided),
            _ => Err(UnknownAnswer(text.to_string())),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let letter = Option::<String>::deserialize(d)?;
        Ok(Answer::from_letter(letter.as_deref().unwrap_or_default()))
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
#[non_exhaustive]
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

/// How many rows of a listing could not be read and were skipped, as
/// [`Client::invited_contacts_counted`] counts them.
#[derive(Debug, Clone, Default)]
pub struct SkippedRows(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl SkippedRows {
    /// The rows skipped so far (all of them, once the stream has ended).
    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a read of an event's invitations found among some contacts.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Those listed as invited.
    pub(crate) invited: HashSet<ContactId>,
    /// Rows that could not be read: when any, a contact not found may still
    /// be invited.
    pub(crate) unreadable: usize,
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
    ///
    /// Only what changed since a time (or since an earlier read: see
    /// [`HighWaterMark`](crate::HighWaterMark)):
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::{TryStreamExt, future};
    /// let since = ivvy::HighWaterMark::since(std::time::SystemTime::now());
    /// let changed: Vec<_> = client
    ///     .invited_contacts(4, None)
    ///     .try_filter(|row| future::ready(since.admits(row)))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn invited_contacts(
        &self,
        event: impl IntoId<EventId>,
        answer: Option<Answer>,
    ) -> impl Stream<Item = Result<InvitedContact, Error>> + Send + 'static {
        self.invited_contacts_counted(event, answer).0
    }

    /// [`invited_contacts`](Self::invited_contacts), with a count of the
    /// rows that could not be read and were skipped (each named in a
    /// warning), final once the stream has ended. For a reader that must
    /// not take a listing with holes for a whole one: `ivvy invited
    /// --since last` keeps its mark where it was when any row was skipped,
    /// since a skipped row may be one that changed.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// use futures::TryStreamExt;
    /// let (rows, skipped) = client.invited_contacts_counted(4, None);
    /// let rows: Vec<_> = rows.try_collect().await?;
    /// if skipped.get() > 0 {
    ///     eprintln!("{} rows could not be read", skipped.get());
    /// }
    /// # let _ = rows;
    /// # Ok(()) }
    /// ```
    pub fn invited_contacts_counted(
        &self,
        event: impl IntoId<EventId>,
        answer: Option<Answer>,
    ) -> (
        impl Stream<Item = Result<InvitedContact, Error>> + Send + 'static,
        SkippedRows,
    ) {
        let (reporter, count) = Reporter::default().counting_skips();
        let rows = match checked_event(event) {
            Ok(event) => self
                .invitations_with(event, answer, self.shared.retry.clone(), reporter)
                .left_stream(),
            Err(e) => stream::once(async move { Err(e) }).right_stream(),
        };
        (rows, SkippedRows(count))
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
        walk(
            policy,
            reporter,
            self.shared.listing,
            move |start, attempt| {
                let client = client.clone();
                let answer = answer.clone();
                async move { client.invitation_page(event, answer, start, attempt).await }
            },
        )
    }

    /// Which of `contacts` the event's invitations hold, and whether every
    /// row could be read (when not, a contact not found may still be
    /// invited). The set of contacts to look for is built only once the
    /// event turns out to have any.
    pub(crate) async fn invited_among(
        &self,
        event: EventId,
        contacts: &[ContactId],
        policy: RetryPolicy,
        reporter: Reporter,
    ) -> Result<Found, Error> {
        let mut wanted: Option<HashSet<ContactId>> = None;
        let mut found = HashSet::default();
        let unreadable = self
            .each_invitation(event, policy, reporter, |invitation| {
                let wanted = wanted.get_or_insert_with(|| contacts.iter().copied().collect());
                if wanted.contains(&invitation.contact) {
                    found.insert(invitation.contact);
                }
            })
            .await?;
        Ok(Found {
            invited: found,
            unreadable,
        })
    }

    /// Reads every invitation of the event once, each page retried under
    /// `policy` with its waits told to `reporter`, handing each row to
    /// `each`; the number of rows that could not be read.
    pub(crate) async fn each_invitation(
        &self,
        event: EventId,
        policy: RetryPolicy,
        reporter: Reporter,
        mut each: impl FnMut(InvitedContact),
    ) -> Result<usize, Error> {
        let (reporter, skipped) = reporter.counting_skips();
        let mut invited = std::pin::pin!(self.invitations_with(event, None, policy, reporter));
        while let Some(invitation) = invited.try_next().await? {
            each(invitation);
        }
        Ok(skipped.load(std::sync::atomic::Ordering::Relaxed))
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
        if let Some(answer) = &answer {
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
            .call(info, || self.shared.api.get_invited_contact_list(&body))
            .await?;
        let total = loose::count(&reply.meta.total_results, "totalResults")?;
        // Each row is read on its own, and checked against what was asked:
        // a row of another event, or with another answer than the one
        // filtered for, does not belong, and is never trusted.
        let read = loose::rows("invitations", start, reply.results, |row| {
            let InvitedContactRow {
                subtype_0: Some(row),
                ..
            } = row
            else {
                return Err(loose::unreadable(row.subtype_1.as_deref()));
            };
            let contact: ContactId = loose::id(row.contact_id.as_ref(), "contactId")?;
            let listed: EventId = match row.event_id.as_ref() {
                Some(listed) => loose::id(Some(listed), "eventId")?,
                None => event,
            };
            if listed != event {
                return Err(format!(
                    "contact {contact}'s invitation is to event {listed}, not {event}"
                ));
            }
            let got = Answer::from_letter(row.response.as_deref().unwrap_or_default());
            if let Some(wanted) = answer.as_ref().filter(|wanted| **wanted != got) {
                return Err(format!(
                    "contact {contact} answered {got}, not {wanted} as asked (the filter was not applied)"
                ));
            }
            Ok(InvitedContact {
                event,
                contact,
                first_name: loose::text(row.first_name),
                last_name: loose::text(row.last_name),
                email: loose::text(row.email),
                phone: loose::text(row.phone),
                answer: got,
                registration_id: row.registration_id.as_ref().and_then(loose::integer),
                modified: row.modified_date.unwrap_or_default(),
            })
        });
        Ok(Page {
            items: read.items,
            skipped: read.skipped,
            total,
        })
    }
}
