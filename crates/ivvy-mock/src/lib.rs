//! A fake iVvy server for tests and demos, stricter than a stub: it checks
//! what real iVvy checks, keeps state, and injects faults on request.
//!
//! - Handles each request in named steps (see `routes`): route, faults
//!   before, read body, verify, validate, dispatch, faults after.
//! - Routes on the path and `action`, serving `test.ping`,
//!   `event.inviteContacts`, `event.getInvitedContactList`,
//!   `event.getEventList`, `event.getEvent`, `contact.getContactList` and
//!   `contact.addOrUpdateContact` as `spec/ivvy.yaml` describes. Unknown namespace or action: 404 in iVvy's
//!   error shape; a method other than POST: 405.
//! - Verifies every request's IWS signature, Content-MD5 and date with
//!   `ivvy-iws`, the same scheme description the client signs with but
//!   none of the client's code (see [`auth`]); each failed check is a 401
//!   with its own `specificCode`.
//! - Validates bodies against the spec's schemas: a missing field is 400
//!   with 23017, a wrong one 400 with 23016 and `additionalMessages`. An
//!   empty body is read as `{}`, as iVvy does for its own SDK's ping.
//! - Applies iVvy's `filter` modifiers (`__BEGINS`, `__NOT`, `ISNULL`, ...)
//!   to listings; `start` and `perPage` default to 0 and the cap.
//! - Keeps invitations per event, counted, so tests can assert nobody was
//!   invited twice. Which ids exist is fixed (see [`state`]): events 1 to
//!   1,000,000,000; contacts 1 to 1,000,000,000 except multiples of 7.
//!   getInvitedContactList caps `perPage` at [`state::MAX_PER_PAGE`].
//!   Invitation links are `{base}/respond/{event}/{contact}/yes|no`, and
//!   opening one with GET records the answer.
//! - Keeps an [`Account`] of contacts (with external ids and emails, a few
//!   emails shared) and events (with codes) that the listings show and
//!   addOrUpdateContact adds to, counting what it adds.
//! - Injects [`Faults`]: 429s, 5xx after an invite or a contact is made, delays, error
//!   bodies with HTTP 200, HTML 502 pages, a cap on contacts per call,
//!   redirects, oversized and endless replies, endless listings, lists that
//!   lag behind writes, hostile text.
//!
//! # Testing your own code
//!
//! Start the server in your test, seed what the account already holds,
//! inject a fault, run your code against it, and assert on what iVvy would
//! have recorded:
//!
//! ```
//! use ivvy_mock::{Faults, MockConfig, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Every 2nd invite fails with a 500 after doing its work.
//! let server = MockServer::start(MockConfig::new().faults(Faults::new().fail_after_work_every(2))).await?;
//! // Contact 1 was invited to event 4 before; contact 2 has said yes.
//! server.seed_invitations(4, [1, 2]);
//! server.set_answer(4, 2, ivvy_mock::state::Answer::Yes);
//!
//! // Your code, pointed at the fake server (here: the ivvy client).
//! let client = ivvy::Client::builder()
//!     .base_url(server.base_url())
//!     .credentials(server.key(), server.secret())
//!     .build()?;
//! let options = ivvy::BulkOptions::new()
//!     .chunk_size(2)
//!     .consistency_window(std::time::Duration::ZERO);
//! let report = client.invite_many(4, [1, 2, 3, 4, 5], &options).await?;
//!
//! assert!(report.all_invited());
//! assert_eq!(server.max_invite_count(), 1, "nobody was invited twice");
//! assert_eq!(server.invitations(4).len(), 5);
//! # Ok(()) }
//! ```

// docs.rs (nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod account;
mod action;
mod actions;
mod app;
pub mod auth;
mod batches;
#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod faults;
mod filter;
mod reply;
mod routes;
pub mod schema;
mod server;
mod shapes;
pub mod state;

pub use account::{Account, AccountContact, AccountEvent, NewContact};
pub use app::Arrival;
pub use config::{
    DEFAULT_BATCH_PACE, DEFAULT_BODY_LIMIT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_KEY,
    DEFAULT_SECRET, MockConfig,
};
pub use faults::{Faults, Lockout, RateLimit};
pub use reply::Refusal;
pub use server::MockServer;
pub use shapes::ReplyShape;

/// Why a fake server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0: any).
        port: u16,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The built-in spec could not be read.
    #[error(transparent)]
    Spec(#[from] schema::SpecError),
    /// The key or secret cannot sign requests (empty, or a key with `:`).
    #[error("the fake server's credentials are not usable: {0}")]
    Credentials(#[from] ivvy_iws::SigningError),
}
