//! A signed, typed client for iVvy's event API.
//!
//! Every request is signed (IWS HMAC-SHA1) from the exact bytes that go on
//! the wire. Ids are checked and repeats dropped before anything is sent,
//! every reply is matched back to what was sent, and no contact is invited
//! (or added) twice.
//!
//! The usual path: people from a CRM export, found by external id or
//! email, the missing ones added, everyone invited once, then their
//! answers read back.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use ivvy::{PeopleOptions, Person};
//!
//! # async fn run() -> Result<(), ivvy::Error> {
//! // IVVY_API_KEY, IVVY_API_SECRET, and IVVY_REGION (au|us|uk) or IVVY_BASE_URL
//! let client = ivvy::Client::from_env()?;
//! let event = client.event_by_code("LAUNCH26").await?;
//!
//! let people = vec![
//!     Person::by_external_id("CRM-00001"),
//!     Person::by_email("ann@example.com").named("Ann", "Lee"),
//! ];
//! let options = PeopleOptions::new().create_missing(true);
//! let report = client.invite_people(event.id, people, &options).await?;
//! for row in &report.rows {
//!     println!("{:?}: {}", row.person.external_id, row.note().unwrap_or_default());
//! }
//!
//! // Who answered what.
//! let mut invited = std::pin::pin!(client.invited_contacts(event.id, None));
//! while let Some(contact) = invited.try_next().await? {
//!     println!("{} answered {:?}", contact.contact, contact.answer);
//! }
//! # Ok(()) }
//! ```
//!
//! With contact ids instead, [`Client::invite_many`] splits the list into
//! requests, sends several at once, retries what is safe to retry, and
//! never invites a contact twice. [`Client::plan_invites`] and
//! [`Client::plan_people`] work a run out before anything is sent, for a
//! dry run or a question, and the run then carries that plan out.
//!
//! # How the crate is laid out
//!
//! Each folder is one role; a module imports a name from the module that
//! defines it.
//!
//! - `transport`: one request on the wire (the throttle's gate, the span
//!   and the mapping of a result to [`Error`]; signing, TLS, excerpts of
//!   server text; one walk through a paged listing).
//! - `policy`: what happens after a reply, decided by pure functions:
//!   `classify` (retry now, check first, leave it to the throttle, never),
//!   [`RetryPolicy`], [`AdaptiveRate`] and the throttle.
//! - `operations`: thin typed calls, one per iVvy operation (contacts,
//!   events, invitations, invite).
//! - `bulk`: a long list invited: [`BulkOptions`], the plan, the run (a
//!   struct holding its state), one chunk, the in-order release, the
//!   report, and the *sender seam* (`bulk::sender::Sender`), the one place
//!   a chunk is sent and an unclear send is checked.
//! - `people`: [`Person`] and its fields, the matching rule, resolving
//!   (the account read at the least cost), adding, the plan, inviting.
//! - `context`: what a run carries (retries, cancelling, [`Progress`] and
//!   [`Wait`] reports, the consistency window), and the one sleep every
//!   wait goes through.
//! - `status`: one word for where a row stands ([`InviteStatus`]) and the
//!   reason codes beside it, documented once; `records`: the serde shapes
//!   of the rows (with the `serde` feature).
//! - `error`, `ids`, `region`, `client`, `builder`: the vocabulary and
//!   the entry point.
//!
//! Where a new capability goes:
//!
//! - **Inviting through another iVvy endpoint** (such as the batch
//!   namespace): its calls go in `operations` (spec first, then a thin
//!   typed call), and the sending is a new implementation of
//!   `bulk::sender::Sender` (send a chunk; say which of its contacts the
//!   event holds). The run, its retries and its exactly-once rule stay as
//!   they are; which failures may be retried stays `policy::classify`'s.
//! - **A new column of a person** (a phone, say): a field of [`Person`] in
//!   `people/person.rs`, which alone says how a repeat fills it in
//!   (`merge`) and what the new contact sends (`to_new_contact`); the CLI
//!   reads it from an export through its `export::fields` table and
//!   writes it through one column of its people rows.

// docs.rs (nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod bulk;
mod client;
mod context;
mod error;
mod ids;
mod operations;
mod people;
mod policy;
#[cfg(feature = "serde")]
mod records;
mod region;
mod status;
mod transport;

pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_LISTING_ROWS, DEFAULT_MAX_LISTING_TIME,
    DEFAULT_MAX_REPLY_BYTES, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT,
};
pub use bulk::options::{
    BulkOptions, DEFAULT_CONSISTENCY_WINDOW, DEFAULT_DRAIN_TIME, DEFAULT_RETRY_BUDGET,
    INVITE_JOBS_A_BATCH,
};
pub use bulk::plan::InvitePlan;
pub use bulk::report::{BulkReport, BulkSummary};
pub use client::Client;
pub use context::{Progress, Wait};
pub use error::{ApiError, ApiErrorKind, Code, Error};
pub use ids::{ContactId, EventId, IntoId, InvalidId};
/// The wall clock that dates requests, from `ivvy-iws` (shared with the
/// fake server, so tests can drive both with one [`ManualClock`]).
pub use ivvy_iws::{Clock, ManualClock, SystemClock};
pub use operations::changes::{HighWaterMark, Stamp, Stamped};
pub use operations::contacts::{Contact, NewContact};
pub use operations::events::Event;
pub use operations::filter::Filter;
pub use operations::invitations::{Answer, InvitedContact, SkippedRows, UnknownAnswer};
pub use operations::invite::{Invitation, InviteLinks, Outcome};
pub use people::answers::{AnswerStatus, PersonAnswer};
pub use people::invite::{PeopleReport, PersonInvitation};
pub use people::matching::Match;
pub use people::options::{AddStep, PeopleOptions};
pub use people::person::{Person, PersonKey, is_email};
pub use people::plan::{PeopleCounts, PeoplePlan};
pub use people::resolution::Resolution;
pub use policy::adaptive::AdaptiveRate;
pub use policy::retry::RetryPolicy;
pub use region::{Region, UnknownRegion};
/// What configuring your own HTTP client for `ivvy` takes from reqwest
/// ([`ClientBuilder::http_client`]): a proxy, a redirect policy, a
/// certificate, and the `reqwest::Error` sources of [`Error`]. Nothing here
/// builds a client, so nothing here can panic for want of a crypto
/// provider: the client is built from [`http_client_builder`], which sets
/// one up. (The whole `reqwest` crate was re-exported before; its
/// `Client::new()` panics in a build with `ivvy`'s default features.)
pub mod http {
    pub use reqwest::{Certificate, Error, Proxy, redirect};
}
/// The HTTP status type in [`Error`] and [`ApiError`], re-exported so a
/// caller needs no `http` dependency of its own to match on it.
pub use reqwest::StatusCode;
pub use status::InviteStatus;
/// Cancels a running [`Client::invite_many`] (see [`BulkOptions::cancel_on`]).
pub use tokio_util::sync::CancellationToken;
pub use transport::excerpt::{escaped, is_unsafe_char};
pub use transport::tls::http_client_builder;
