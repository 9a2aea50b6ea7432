//! Thin typed calls, one per iVvy operation or listing: they check their
//! input, build the generated request, send it through
//! [`transport`](crate::transport) and turn the reply into this crate's
//! types. No retries of writes, no orchestration: a long list is
//! [`bulk`](crate::bulk)'s, people are [`people`](crate::people)'s.
//!
//! - [`contacts`]: the account's contacts, and adding one;
//! - [`events`]: the account's events, by id and by code;
//! - [`invitations`]: an event's invitations and their answers;
//! - [`changes`]: which of them changed since an earlier read;
//! - [`invite`]: one inviteContacts request, matched back to its contacts;
//! - [`ping`]: the credential check;
//! - [`batch`]: the batch namespace (queue jobs, progress, results);
//! - [`checks`]: the checks every operation makes of the ids it is given;
//! - [`filter`]: a listing's `filter`;
//! - [`loose`]: replies read as leniently as iVvy's own SDKs read them,
//!   a listing's rows one at a time.

pub(crate) mod batch;
pub(crate) mod changes;
pub(crate) mod checks;
pub(crate) mod contacts;
pub(crate) mod events;
pub(crate) mod filter;
pub(crate) mod invitations;
pub(crate) mod invite;
pub(crate) mod loose;
pub(crate) mod ping;
