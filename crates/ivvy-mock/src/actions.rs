//! One handler per operation the fake server serves, each taking a body
//! the spec's schema has accepted; and the invitation links' own page.

// A step's error is the finished reply, built once per request: its size
// costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::filter::Filter;
use crate::reply::Refusal;
use crate::routes::App;
use crate::schema::INVALID_PARAMETER;
use crate::state::{self, Answer, MAX_PER_PAGE};

/// The operations served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Ping,
    InviteContacts,
    GetInvitedContactList,
}

impl Action {
    pub(crate) fn of(namespace: &str, action: &str) -> Option<Self> {
        match (namespace, action) {
            ("test", "ping") => Some(Action::Ping),
            ("event", "inviteContacts") => Some(Action::InviteContacts),
            ("event", "getInvitedContactList") => Some(Action::GetInvitedContactList),
            _ => None,
        }
    }
}

/// Runs the operation's handler.
pub(crate) fn dispatch(app: &App, action: Action, body: &Value) -> Result<Value, Response> {
    let reply = match action {
        Action::Ping => Ok(ping(app)),
        Action::InviteContacts => invite_contacts(app, body),
        Action::GetInvitedContactList => invited_contact_list(app, body),
    };
    reply.map_err(IntoResponse::into_response)
}

fn ping(app: &App) -> Value {
    json!({ "ack": format!("{} UTC", ivvy_iws::timestamp::format(app.config.clock.now())) })
}

/// Parses a body the schema has accepted; numbers too large for the field
/// (ids past 2^63-1) still fail here, and are reported as iVvy would.
fn typed<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, Refusal> {
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

fn unknown_event(event: i64) -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        None,
        format!("event {event} was not found"),
    )
}

/// Ids are read as `i64`, iVvy's id type, so one past 2^63-1 is refused
/// (23016) rather than served.
#[derive(Deserialize)]
struct InviteBody {
    event: i64,
    contacts: Vec<i64>,
}

/// An id the schema accepted (at least 1) as the store keeps it.
fn id(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Invites each listed contact that exists; a contact listed twice is
/// invited twice, and counted so.
fn invite_contacts(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: InviteBody = typed(value)?;
    let event = id(body.event);
    if !state::event_exists(event) {
        return Err(unknown_event(body.event));
    }
    if let Some(cap) = app.config.faults.max_contacts_per_call
        && body.contacts.len() > cap
    {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "'contacts' does not validate",
        );
        refusal.additional.push(format!(
            "at most {cap} contacts per call, got {}",
            body.contacts.len()
        ));
        return Err(refusal);
    }
    let now = app.config.clock.now();
    let mut store = app.store();
    let results: Vec<Value> = body
        .contacts
        .iter()
        .map(|&contact| {
            if state::contact_exists(id(contact)) {
                store.invite(event, id(contact), now);
                let link = |answer: &str| format!("{}/respond/{event}/{contact}/{answer}", app.base_url);
                json!({ "contact": contact, "status": true, "inviteLinkYes": link("yes"), "inviteLinkNo": link("no") })
            } else {
                json!({ "contact": contact, "status": false })
            }
        })
        .collect();
    Ok(json!({ "results": results }))
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(rename = "eventId")]
    event_id: i64,
    // iVvy's defaults: start 0; perPage the server's default (here the cap).
    #[serde(default)]
    start: u64,
    #[serde(rename = "perPage", default = "default_per_page")]
    per_page: u64,
    #[serde(default)]
    filter: serde_json::Map<String, Value>,
}

fn default_per_page() -> u64 {
    MAX_PER_PAGE
}

/// The fields of an invited contact, which a filter may name.
const INVITED_FIELDS: [&str; 9] = [
    "eventId",
    "contactId",
    "firstName",
    "lastName",
    "email",
    "phone",
    "response",
    "registrationId",
    "modifiedDate",
];

fn invited_contact_list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: ListBody = typed(value)?;
    let event = id(body.event_id);
    if !state::event_exists(event) {
        return Err(unknown_event(body.event_id));
    }
    let filter = Filter::parse(&body.filter, &INVITED_FIELDS)?;
    let per_page = body.per_page.min(MAX_PER_PAGE);
    let store = app.store();
    let matching: Vec<Value> = store
        .invitations(event)
        .iter()
        .map(|r| invited_contact(event, r))
        .filter(|item| filter.matches(item))
        .collect();
    let start = usize::try_from(body.start)
        .unwrap_or(usize::MAX)
        .min(matching.len());
    let end = start.saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX));
    let page = &matching[start..end.min(matching.len())];
    Ok(json!({
        "meta": { "totalResults": matching.len(), "start": body.start, "perPage": per_page, "count": page.len() },
        "results": page,
    }))
}

fn invited_contact(event: u64, r: &state::Recorded) -> Value {
    json!({
        "eventId": event,
        "contactId": r.contact,
        "firstName": "Contact",
        "lastName": r.contact.to_string(),
        "email": format!("contact{}@example.test", r.contact),
        // every other contact has no phone, as real records often don't
        "phone": if r.contact % 2 == 1 { json!(format!("+61 400 {:06}", r.contact % 1_000_000)) } else { Value::Null },
        "response": r.answer.letter(),
        "registrationId": if r.answer == Answer::Yes { json!(r.contact) } else { Value::Null },
        "modifiedDate": format!("{} UTC", ivvy_iws::timestamp::format(r.modified)),
    })
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
