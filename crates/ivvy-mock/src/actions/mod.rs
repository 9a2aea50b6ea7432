//! One handler per operation the fake server serves, each taking a body
//! the spec's schema has accepted, grouped by what they serve
//! ([`contacts`], [`events`], [`invitations`], [`batch`]); what they share (the
//! operations' names, parsing, paging); and the invitation links' own
//! page.

// A step's error is the finished reply, built once per request: its size
// costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::action::Action;
use crate::app::App;
use crate::filter::Filter;
use crate::reply::Refusal;
use crate::schema::INVALID_PARAMETER;
use crate::state::{Answer, MAX_PER_PAGE};

pub(crate) mod batch;
mod contacts;
mod events;
mod invitations;

/// Runs the operation's handler, and reshapes its reply as the faults ask.
pub(crate) fn dispatch(app: &App, action: Action, body: &Value) -> Result<Value, Response> {
    let mut reply = handle(app, action, body).map_err(IntoResponse::into_response)?;
    crate::shapes::reshape(&app.config.faults.reply_shapes, &mut reply);
    Ok(reply)
}

/// The operation's handler alone (a batch job runs through it too).
pub(crate) fn handle(app: &App, action: Action, body: &Value) -> Result<Value, Refusal> {
    match action {
        Action::Ping => Ok(ping(app)),
        Action::InviteContacts => invitations::invite_contacts(app, body),
        Action::GetInvitedContactList => invitations::invited_contact_list(app, body),
        Action::GetContactList => contacts::list(app, body),
        Action::AddOrUpdateContact => contacts::add_or_update(app, body),
        Action::GetEventList => events::list(app, body),
        Action::GetEvent => events::get(app, body),
        Action::BatchRun => batch::run(app, body),
        Action::BatchProgress => batch::progress(app, body),
        Action::BatchResults => batch::results(app, body),
    }
}

fn ping(app: &App) -> Value {
    json!({ "ack": format!("{} UTC", ivvy_iws::timestamp::format(app.config.clock.now())) })
}

/// Parses a body the schema has accepted; numbers too large for the field
/// (ids past 2^63-1) still fail here, and are reported as iVvy would.
pub(crate) fn typed<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, Refusal> {
    T::deserialize(value).map_err(|e| {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "the request body does not validate",
        );
        refusal.additional.push(e.to_string());
        refusal
    })
}

/// An id the schema accepted (at least 1) as the store keeps it.
pub(crate) fn id(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn default_per_page() -> u64 {
    MAX_PER_PAGE
}

/// One page of `items` that `filter` lets through, as iVvy's collections
/// send it; `perPage` is capped at [`MAX_PER_PAGE`]. Without a filter only
/// the page is turned into JSON (long lists are paged through often).
pub(crate) fn page_of<T>(
    items: &[T],
    as_json: impl Fn(&T) -> Value,
    filter: &Filter,
    start: u64,
    per_page: u64,
) -> Value {
    let per_page = per_page.min(MAX_PER_PAGE);
    let matching: Vec<Value>;
    let (total, page): (usize, Vec<Value>) = {
        let window = |len: usize| {
            let from = usize::try_from(start).unwrap_or(usize::MAX).min(len);
            let to = from
                .saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX))
                .min(len);
            from..to
        };
        if filter.is_empty() {
            (
                items.len(),
                items[window(items.len())].iter().map(&as_json).collect(),
            )
        } else {
            matching = items
                .iter()
                .map(&as_json)
                .filter(|item| filter.matches(item))
                .collect();
            (matching.len(), matching[window(matching.len())].to_vec())
        }
    };
    json!({
        "meta": { "totalResults": total, "start": start, "perPage": per_page, "count": page.len() },
        "results": page,
    })
}

/// The paging and filter fields every listing takes, with iVvy's defaults.
#[derive(Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub(crate) start: u64,
    #[serde(rename = "perPage", default = "default_per_page")]
    pub(crate) per_page: u64,
    #[serde(default)]
    pub(crate) filter: serde_json::Map<String, Value>,
}

/// `GET /respond/{event}/{contact}/{yes|no}`: what an invitation link does.
pub(crate) fn respond(app: &App, method: &Method, rest: &str) -> Response {
    if method != Method::GET {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "invitation links are opened with GET\n",
        )
            .into_response();
    }
    let mut parts = rest.split('/');
    let parsed = (
        parts.next().and_then(|e| e.parse::<u64>().ok()),
        parts.next().and_then(|c| c.parse::<u64>().ok()),
        parts.next(),
        parts.next(),
    );
    let (Some(event), Some(contact), Some(answer @ ("yes" | "no")), None) = parsed else {
        return (StatusCode::NOT_FOUND, "no such invitation link\n").into_response();
    };
    let answer = if answer == "yes" {
        Answer::Yes
    } else {
        Answer::No
    };
    if app
        .store()
        .answer(event, contact, answer, app.config.clock.now())
    {
        (StatusCode::OK, "Thank you: your answer is recorded.\n").into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such invitation\n").into_response()
    }
}
