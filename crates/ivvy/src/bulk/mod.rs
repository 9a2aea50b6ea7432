//! Inviting long lists: split into chunks, sent several at once, retried
//! where that is safe, checked against the event's invitations where a
//! send's fate is unknown, and released in input order, so no contact is
//! invited twice and every contact gets an outcome.
//!
//! - [`options`] holds [`BulkOptions`](options::BulkOptions), what users tune;
//! - [`plan`] holds [`InvitePlan`](plan::InvitePlan), the run worked out before
//!   anything is sent (for a dry run, a question, and the run itself);
//! - [`invite`]: the public calls;
//! - [`run`]: the run itself, a struct holding its state, which schedules
//!   the chunks and settles a stopped run;
//! - [`chunk`]: one chunk's state machine, and [`track`], where it
//!   stands;
//! - [`sender`]: the seam through which a chunk is sent and an unclear
//!   send is checked; a new way of sending is a new [`sender::Sender`]:
//!   [`batch`] is the second, through iVvy's batch namespace;
//! - [`release`]: outcomes handed over in input order;
//! - [`report`]: the counts and the report;
//! - [`rows`]: a run's rows as a stream.
//!
//! When to retry is [`policy`](crate::policy)'s; waits, cancelling and
//! reports are the run's [`context`](crate::context).

pub(crate) mod batch;
pub(crate) mod chunk;
pub(crate) mod invite;
pub(crate) mod options;
pub(crate) mod plan;
pub(crate) mod release;
pub(crate) mod report;
pub(crate) mod rows;
pub(crate) mod run;
pub(crate) mod sender;
pub(crate) mod track;
