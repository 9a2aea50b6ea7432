//! A signed, typed client for iVvy's event API.
//!
//! Every request is signed (IWS HMAC-SHA1) from the exact bytes that go on
//! the wire. Ids are checked and repeats dropped before anything is sent,
//! and every reply is matched back to the contacts that were sent.
//!
//! ```no_run
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), ivvy::Error> {
//! // IVVY_API_KEY, IVVY_API_SECRET, and IVVY_REGION (au|us|uk) or IVVY_BASE_URL
//! let client = ivvy::Client::from_env()?;
//!
//! // 1. Check the credentials; iVvy answers with its clock.
//! let server_time = client.ping().await?;
//! println!("iVvy's time: {server_time:?}");
//!
//! // 2. Invite contacts 1, 2 and 3 to event 4.
//! for invitation in client.invite_contacts(4, [1, 2, 3]).await? {
//!     match invitation.outcome.links() {
//!         Some(links) => println!("{} invited: yes {}", invitation.contact, links.yes()),
//!         None => println!("{}: {:?}", invitation.contact, invitation.outcome),
//!     }
//! }
//!
//! // 3. Read back who answered what.
//! let mut invited = std::pin::pin!(client.invited_contacts(4, None));
//! while let Some(contact) = invited.try_next().await? {
//!     println!("{} answered {:?}", contact.contact, contact.answer);
//! }
//! # Ok(()) }
//! ```
//!
//! For thousands of contacts, [`Client::invite_many`] splits the list into
//! requests, sends several at once, retries what is safe to retry, and
//! never invites a contact twice.

mod bulk;
mod client;
mod context;
mod error;
mod ids;
mod operations;
mod people;
mod policy;
mod region;
mod transport;

pub use bulk::options::{
    BulkOptions, DEFAULT_CONSISTENCY_WINDOW, DEFAULT_DRAIN_TIME, DEFAULT_RETRY_BUDGET,
};
pub use bulk::plan::InvitePlan;
pub use bulk::report::{BulkReport, BulkSummary};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_REPLY_BYTES, DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
};
pub use context::{Progress, Wait};
pub use error::{ApiError, ApiErrorKind, Code, Error};
pub use ids::{ContactId, EventId, IntoId, InvalidId};
/// The wall clock that dates requests, from `ivvy-iws` (shared with the
/// fake server, so tests can drive both with one [`ManualClock`]).
pub use ivvy_iws::{Clock, ManualClock, SystemClock};
pub use operations::contacts::{Contact, NewContact};
pub use operations::events::Event;
pub use operations::filter::Filter;
pub use operations::invitations::{Answer, InvitedContact};
pub use operations::invite::{Invitation, InviteLinks, Outcome};
pub use people::invite::{PeopleReport, PersonInvitation};
pub use people::matching::Match;
pub use people::options::{AddStep, PeopleOptions};
pub use people::person::{Person, PersonKey, is_email};
pub use people::plan::{PeopleCounts, PeoplePlan};
pub use people::resolve::Resolution;
pub use policy::adaptive::AdaptiveRate;
pub use policy::retry::RetryPolicy;
pub use region::{Region, UnknownRegion};
/// The HTTP client, re-exported for [`ClientBuilder::http_client`] and for
/// the `reqwest::Error` sources of [`Error`]: build yours with this one so
/// the versions match.
pub use reqwest;
/// The HTTP status type in [`Error`] and [`ApiError`], re-exported so a
/// caller needs no `http` dependency of its own to match on it.
pub use reqwest::StatusCode;
/// Cancels a running [`Client::invite_many`] (see [`BulkOptions::cancel_on`]).
pub use tokio_util::sync::CancellationToken;
pub use transport::excerpt::{escaped, is_unsafe_char};
pub use transport::tls::http_client_builder;
