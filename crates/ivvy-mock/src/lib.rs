//! A fake iVvy server for tests and demos, stricter than a stub: it checks
//! what real iVvy checks, keeps state, and injects faults on request.
//!
//! - Routes on the path and `action`, serving `test.ping`,
//!   `event.inviteContacts` and `event.getInvitedContactList` as
//!   `spec/ivvy.yaml` describes. Unknown namespace or action: 404 in iVvy's
//!   error shape; a method other than POST: 405.
//! - Verifies every request's IWS signature, Content-MD5 and date (see
//!   [`auth`]); each failed check is a 401 with its own `specificCode`.
//! - Validates bodies against the spec's schemas: a missing field is 400
//!   with 23017, a wrong one 400 with 23016 and `additionalMessages`.
//! - Keeps invitations per event, counted, so tests can assert nobody was
//!   invited twice. Which ids exist is fixed (see [`state`]): events 1 to
//!   1,000,000; contacts 1 to 1,000,000,000 except multiples of 7.
//!   getInvitedContactList caps `perPage` at [`state::MAX_PER_PAGE`].
//!   Invitation links are `{base}/respond/{event}/{contact}/yes|no`, and
//!   opening one with GET records the answer.
//! - Injects [`Faults`]: 429s, 5xx after the work is done, delays, error
//!   bodies with HTTP 200, HTML 502 pages, a cap on contacts per call.

pub mod auth;
mod config;
mod faults;
mod reply;
mod routes;
pub mod schema;
mod server;
pub mod state;

pub use config::{DEFAULT_BODY_LIMIT, DEFAULT_KEY, DEFAULT_SECRET, MockConfig};
pub use faults::Faults;
pub use reply::Refusal;
pub use server::MockServer;

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
}
