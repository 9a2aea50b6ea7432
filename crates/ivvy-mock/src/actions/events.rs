//! `event?action=getEventList` and `event?action=getEvent` over the
//! account's events.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Paging, id, page_of, typed};
use crate::account::AccountEvent;
use crate::filter::Filter;
use crate::reply::Refusal;
use crate::routes::App;
use crate::state;

/// iVvy's specific code for an event getEvent cannot find.
const UNKNOWN_EVENT: u32 = 24097;

/// The fields of a listed event, which a filter may name.
const FIELDS: [&str; 6] = [
    "id",
    "code",
    "title",
    "startDateTime",
    "endDateTime",
    "currentStatus",
];

fn as_json(e: &AccountEvent) -> Value {
    json!({
        "id": e.id,
        "code": e.code,
        "title": e.title,
        "startDateTime": e.start,
        "endDateTime": e.end,
        "currentStatus": e.status,
    })
}

/// A page of the account's events, in id order.
pub(super) fn list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: Paging = typed(value)?;
    let filter = Filter::parse(&body.filter, &FIELDS)?;
    let account = app.account();
    Ok(page_of(
        account.events(),
        as_json,
        &filter,
        body.start,
        body.per_page,
    ))
}

#[derive(Deserialize)]
struct EventBody {
    id: i64,
}

/// One event: the account's, or for another id invitations accept, a
/// plain one named after its id (such events are not listed).
pub(super) fn get(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: EventBody = typed(value)?;
    let event = id(body.id);
    if let Some(known) = app.account().event(event) {
        return Ok(as_json(known));
    }
    if !state::event_exists(event) {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            Some(UNKNOWN_EVENT),
            format!("Unable to find event {}", body.id),
        ));
    }
    Ok(json!({ "id": event, "code": format!("EVENT{event}"), "title": format!("Event {event}") }))
}
