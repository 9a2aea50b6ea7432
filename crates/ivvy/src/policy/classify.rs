//! The one decision after a failed request: from the error and whether
//! the request may be repeated, what happens next ([`Next`]). The facts
//! it decides from are the error's own ([`Error::is_retryable`]: nothing
//! was done; [`Error::is_ambiguous`]: it may have been done). Every caller
//! (reads, adds, invites, the quota's gate) asks here; none decides on its
//! own. How long to wait, and when to give up, is [`RetryPolicy`]'s.
//!
//! [`RetryPolicy`]: crate::policy::retry::RetryPolicy
//!
//! The rules:
//! - a request refused before any work was done (a 429, a 5xx on a read, a
//!   connection never made) is sent again ([`Next::Retry`]);
//! - a request that is not idempotent (an invite, an add) whose fate is
//!   unknown (a 5xx, a timeout, a broken connection, a reply that cannot be
//!   matched) is never sent again blindly: what the server holds is checked
//!   first ([`Next::CheckFirst`]);
//! - a read whose reply was lost (a timeout, a broken connection) repeats
//!   no work, so it is sent again;
//! - a 429 to a request that the throttle paces is sent again when the
//!   throttle allows ([`Next::Paced`]), once its `Retry-After` (a floor,
//!   see `policy::refusal`) has passed;
//! - everything else would fail the same way again ([`Next::Never`]).

use reqwest::StatusCode;

use crate::error::Error;

/// Whether sending a request twice could do its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Request {
    /// A read: repeating it changes nothing.
    Read,
    /// An invite or an add: repeating it may do it twice.
    Write,
}

/// Whether the client's throttle paces the request's refusals (the
/// adaptive rate is on, and the caller leaves the re-send to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pacing {
    /// A 429 is sent again when the throttle allows.
    ByThrottle,
    /// A 429 waits its `Retry-After` (or the back-off).
    None,
}

/// What follows a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send it again after the retry policy's wait.
    Retry,
    /// Its fate is unknown: check what the server holds, after the
    /// consistency window, before anything is sent again.
    CheckFirst,
    /// Send it again when the throttle allows.
    Paced,
    /// Do not send it again.
    Never,
}

/// The decision (see the module documentation for the rules).
pub(crate) fn classify(error: &Error, request: Request, pacing: Pacing) -> Next {
    match request {
        Request::Write if error.is_ambiguous() => Next::CheckFirst,
        _ if error.is_retryable() => {
            if pacing == Pacing::ByThrottle && refused(error) {
                Next::Paced
            } else {
                Next::Retry
            }
        }
        Request::Read if matches!(error, Error::Timeout { .. } | Error::Transport { .. }) => {
            Next::Retry
        }
        _ => Next::Never,
    }
}

/// True for a read that may be sent again ([`classify`] for a read).
pub(crate) fn read_may_retry(error: &Error) -> bool {
    classify(error, Request::Read, Pacing::None) != Next::Never
}

/// A refusal that uses none of a request's attempts: a 429, or a 503 that
/// says how long to wait (see `policy::refusal`).
pub(crate) fn is_refusal(error: &Error) -> bool {
    refused(error)
        || (error.status() == Some(StatusCode::SERVICE_UNAVAILABLE) && retry_after(error).is_some())
}

/// The server's `Retry-After`, when the reply gave one.
pub(crate) fn retry_after(error: &Error) -> Option<std::time::Duration> {
    error.api().and_then(|api| api.retry_after)
}

/// A 429, whether iVvy sent it as the status or in a 200's body.
pub(crate) fn refused(error: &Error) -> bool {
    error.status() == Some(StatusCode::TOO_MANY_REQUESTS)
        || error.api().is_some_and(|api| api.effective_status() == 429)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> Error {
        Error::api_for_tests(status, None)
    }

    fn mismatch() -> Error {
        Error::ReplyMismatch {
            missing: Vec::new(),
            unexpected: vec![1],
        }
    }

    fn unexpected(status: Option<u16>) -> Error {
        Error::UnexpectedReply {
            status: status.map(|s| StatusCode::from_u16(s).expect("status")),
            problem: String::new(),
            excerpt: String::new(),
            source: None,
        }
    }

    #[test]
    fn a_write_whose_fate_is_unknown_is_checked_first() {
        for error in [api(500), api(503), mismatch(), unexpected(Some(200))] {
            assert_eq!(
                classify(&error, Request::Write, Pacing::None),
                Next::CheckFirst,
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_read_is_sent_again_after_a_5xx_but_not_after_a_reply_it_cannot_use() {
        assert_eq!(
            classify(&api(500), Request::Read, Pacing::None),
            Next::Retry
        );
        for error in [mismatch(), unexpected(Some(200)), api(400), api(401)] {
            assert_eq!(
                classify(&error, Request::Read, Pacing::None),
                Next::Never,
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_429_is_paced_only_where_the_throttle_paces() {
        for request in [Request::Read, Request::Write] {
            assert_eq!(classify(&api(429), request, Pacing::None), Next::Retry);
            assert_eq!(
                classify(&api(429), request, Pacing::ByThrottle),
                Next::Paced
            );
        }
        // A 5xx is not a refusal, so the throttle does not pace it.
        assert_eq!(
            classify(&api(503), Request::Read, Pacing::ByThrottle),
            Next::Retry
        );
        assert_eq!(
            classify(&unexpected(Some(429)), Request::Write, Pacing::ByThrottle),
            Next::Paced
        );
    }

    #[test]
    fn a_refusal_of_the_request_is_never_repeated() {
        for request in [Request::Read, Request::Write] {
            for error in [api(400), api(401), api(404), Error::Cancelled] {
                assert_eq!(classify(&error, request, Pacing::ByThrottle), Next::Never);
            }
        }
    }
}
