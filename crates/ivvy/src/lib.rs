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
mod call;
mod client;
mod directory;
mod error;
mod excerpt;
mod ids;
mod invitations;
mod invite;
mod invite_people;
mod pacing;
mod paging;
mod people;
mod region;
mod resolve;
mod retry;
mod signing;
mod throttle;
mod tls;

pub use bulk::{
    BulkOptions, BulkReport, BulkSummary, DEFAULT_CONSISTENCY_WINDOW, DEFAULT_DRAIN_TIME,
    DEFAULT_RETRY_BUDGET, Progress, Wait,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_REPLY_BYTES, DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
};
pub use directory::{Contact, Event, Filter, NewContact};
pub use error::{ApiError, ApiErrorKind, Code, Error};
pub use excerpt::{escaped, is_unsafe_char};
pub use ids::{ContactId, EventId, IntoId, InvalidId};
pub use invitations::{Answer, InvitedContact};
pub use invite::{Invitation, InviteLinks, Outcome};
pub use invite_people::{PeopleReport, PersonInvitation};
/// The wall clock that dates requests, from `ivvy-iws` (shared with the
/// fake server, so tests can drive both with one [`ManualClock`]).
pub use ivvy_iws::{Clock, ManualClock, SystemClock};
pub use people::{Match, Person, PersonKey, is_email};
pub use region::{Region, UnknownRegion};
/// The HTTP client, re-exported for [`ClientBuilder::http_client`] and for
/// the `reqwest::Error` sources of [`Error`]: build yours with this one so
/// the versions match.
pub use reqwest;
/// The HTTP status type in [`Error`] and [`ApiError`], re-exported so a
/// caller needs no `http` dependency of its own to match on it.
pub use reqwest::StatusCode;
pub use resolve::{AddStep, PeopleOptions, Resolution};
pub use retry::RetryPolicy;
pub use throttle::AdaptiveRate;
pub use tls::http_client_builder;
/// Cancels a running [`Client::invite_many`] (see [`BulkOptions::cancel_on`]).
pub use tokio_util::sync::CancellationToken;
