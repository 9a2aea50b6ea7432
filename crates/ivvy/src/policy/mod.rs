//! What happens after a reply, and when the next request may go: decided
//! here, by pure functions, and nowhere else.
//!
//! - [`classify`]: the one decision after a failed request (retry now,
//!   check what the server holds first, leave it to the throttle, never);
//! - [`retry`] holds [`RetryPolicy`](retry::RetryPolicy), how long to wait and
//!   when to give up, and the loop that applies it to reads;
//! - [`adaptive`] holds [`AdaptiveRate`](adaptive::AdaptiveRate), the rate
//!   iVvy's quota allows, found from its 429s;
//! - [`throttle`]: the gate every call passes, which waits for that rate;
//! - [`refusal`]: a `Retry-After` as a floor for one request, or a
//!   lockout of the whole run;
//! - [`pacing`]: evenly spaced start times.
//!
//! Sending, reading and waiting are not here: they are
//! [`transport`](crate::transport)'s and the run's
//! ([`context`](crate::context)).

pub(crate) mod adaptive;
pub(crate) mod classify;
pub(crate) mod pacing;
pub(crate) mod refusal;
pub(crate) mod retry;
pub(crate) mod throttle;
