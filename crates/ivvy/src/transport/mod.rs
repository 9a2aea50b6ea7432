//! One request on the wire: the gate, the span and the mapping of its
//! result to this crate's [`Error`](crate::error::Error) ([`call`]); the
//! IWS signature ([`signing`]) dated by a clock corrected for skew
//! ([`skew`]); the HTTP client, its TLS ([`tls`]) and its proxy ([`proxy`]);
//! server text made safe to show ([`excerpt`]); and one walk through a
//! paged listing ([`paging`]).
//!
//! What a call means (which operation, which types) is
//! [`operations`](crate::operations)'; whether to send it again is
//! [`policy`](crate::policy)'s.

pub(crate) mod call;
pub(crate) mod excerpt;
pub(crate) mod paging;
pub(crate) mod proxy;
pub(crate) mod signing;
pub(crate) mod skew;
pub(crate) mod tls;
