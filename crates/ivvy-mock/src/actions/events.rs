//! `event?action=getEventList` and `event?action=getEvent` over the
//! account's events.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Paging, id, page_of, typed};
use crate::account::AccountEvent;
use crate::app::App;
use crate::filter::Filter;
use crate::reply::Refusal;
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

fn as_json(e: &AccountEvent, hostile: bool) -> Value {
    if hostile {
        return json!({
            "id": e.id,
            "code": format!("{}\u{1b}[2J", e.code),
            "title": "\u{202e}=cmd|' /C calc'!A0",
            "startDateTime": "2026-12-01 09:00:00\u{9b}31m UTC",
            "endDateTime": null,
            "currentStatus": e.status,
        });
    }
    json!({
        "id": e.id,
        "code": e.code,
        "title": e.title,
        "startDateTime": e.start,
        "endDateTime": e.end,
        "currentStatus": e.status,
    })
}

/// A page of the account's events, in id order. Besides the result
/// fields, iVvy's page documents `afterDate` and `beforeDate` (bounds on the
/// start and end, compared as text, which orders iVvy's timestamps) and
/// `status` (a list of status codes).
pub(super) fn list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let mut body: Paging = typed(value)?;
    let after = body.filter.remove("afterDate");
    let before = body.filter.remove("beforeDate");
    let status = body.filter.remove("status");
    let filter = Filter::parse(&body.filter, &FIELDS)?;
    let account = app.account();
    let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(String::from);
    let (after, before) = (text(&after), text(&before));
    let statuses: Option<Vec<i64>> = status.map(|s| match s {
        Value::Array(list) => list.iter().filter_map(Value::as_i64).collect(),
        other => other.as_i64().into_iter().collect(),
    });
    let events: Vec<&AccountEvent> = account
        .events()
        .iter()
        .filter(|e| after.as_deref().is_none_or(|a| e.start.as_str() >= a))
        .filter(|e| before.as_deref().is_none_or(|b| e.end.as_str() <= b))
        .filter(|e| statuses.as_ref().is_none_or(|s| s.contains(&e.status)))
        .collect();
    let hostile = app.config.faults.hostile_text;
    Ok(page_of(
        &events,
        |e| as_json(e, hostile),
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
        return Ok(as_json(known, app.config.faults.hostile_text));
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
