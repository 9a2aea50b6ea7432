//! The invitation operations: inviteContacts and getInvitedContactList,
//! with the invitations as the store keeps them (and as a hostile server
//! might send them).

use std::time::Instant;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{id, typed};
use crate::app::App;
use crate::filter::Filter;
use crate::reply::Refusal;
use crate::schema::INVALID_PARAMETER;
use crate::state::{self, Answer, MAX_PER_PAGE};

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

/// Invites each listed contact that exists; a contact listed twice is
/// invited twice, and counted so.
pub(super) fn invite_contacts(app: &App, value: &Value) -> Result<Value, Refusal> {
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
    let visible_at = Instant::now() + app.config.faults.list_lag.unwrap_or_default();
    let hostile = app.config.faults.hostile_text;
    let mut store = app.store();
    let results: Vec<Value> = body
        .contacts
        .iter()
        .map(|&contact| {
            if state::contact_exists(id(contact)) {
                store.invite(event, id(contact), now, visible_at);
                let link = |answer: &str| {
                    let link = format!("{}/respond/{event}/{contact}/{answer}", app.base_url);
                    if hostile { hostile::link(&link, answer) } else { link }
                };
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
    #[serde(rename = "perPage", default = "super::default_per_page")]
    per_page: u64,
    #[serde(default)]
    filter: serde_json::Map<String, Value>,
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

pub(super) fn invited_contact_list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: ListBody = typed(value)?;
    let event = id(body.event_id);
    if !state::event_exists(event) {
        return Err(unknown_event(body.event_id));
    }
    let faults = &app.config.faults;
    let mut filter = Filter::parse(&body.filter, &INVITED_FIELDS)?;
    if faults.ignore_listing_filters {
        filter = Filter::parse(&serde_json::Map::new(), &INVITED_FIELDS)?;
    }
    // A server that mixes events up lists another event's invitations,
    // saying so in each row's eventId.
    let event = match faults.lists_event {
        Some(other) => other,
        None => event,
    };
    let per_page = body.per_page.min(MAX_PER_PAGE);
    let store = app.store();
    let account = app.account();
    let now = Instant::now();
    let visible: Vec<&state::Recorded> = store
        .invitations(event)
        .iter()
        .filter(|r| r.visible(now))
        .collect();
    let as_json = |r: &&state::Recorded| {
        let known = account.contact(r.contact);
        invited_contact(event, r, known, faults.hostile_text)
    };
    // Without a filter only the page is turned into JSON: long lists are
    // paged through often.
    let matching: Vec<Value> = if filter.is_empty() {
        Vec::new()
    } else {
        visible
            .iter()
            .map(as_json)
            .filter(|item| filter.matches(item))
            .collect()
    };
    let count = if filter.is_empty() {
        visible.len()
    } else {
        matching.len()
    };
    // An endless listing: the first page again, under a total it never reaches.
    let start = if faults.endless_listing {
        0
    } else {
        usize::try_from(body.start).unwrap_or(usize::MAX).min(count)
    };
    let total = if faults.endless_listing || faults.endless_fresh_listing {
        ENDLESS_TOTAL
    } else {
        count as u64
    };
    let end = start
        .saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX))
        .min(count);
    let page: Vec<Value> = if faults.endless_fresh_listing {
        // Fresh, made-up invitations at every `start`, under a total it
        // never reaches: a listing no client can finish.
        (0..per_page.min(MAX_PER_PAGE))
            .map(|i| {
                let contact = body.start.saturating_add(i).saturating_add(1);
                json!({"eventId": event, "contactId": contact, "response": "U", "modifiedDate": "2026-01-01 00:00:00 UTC"})
            })
            .collect()
    } else if filter.is_empty() {
        visible[start..end].iter().map(as_json).collect()
    } else {
        matching[start..end].to_vec()
    };
    Ok(json!({
        "meta": { "totalResults": total, "start": body.start, "perPage": per_page, "count": page.len() },
        "results": page,
    }))
}

/// What an endless listing claims to hold.
const ENDLESS_TOTAL: u64 = 1_000_000_000_000_000;

/// An invitation as listed: the account's names and email for a contact
/// it holds, made-up ones for a contact only the id rule knows.
fn invited_contact(
    event: u64,
    r: &state::Recorded,
    known: Option<&crate::account::AccountContact>,
    hostile: bool,
) -> Value {
    if hostile {
        return hostile::invited_contact(event, r);
    }
    let (first, last, email) = match known {
        Some(c) => (c.first_name.clone(), c.last_name.clone(), c.email.clone()),
        None => (
            "Contact".to_string(),
            r.contact.to_string(),
            format!("contact{}@example.test", r.contact),
        ),
    };
    json!({
        "eventId": event,
        "contactId": r.contact,
        "firstName": first,
        "lastName": last,
        "email": email,
        // every other contact has no phone, as real records often don't
        "phone": if r.contact % 2 == 1 { json!(format!("+61 400 {:06}", r.contact % 1_000_000)) } else { Value::Null },
        "response": r.answer.letter(),
        "registrationId": if r.answer == Answer::Yes { json!(r.contact) } else { Value::Null },
        "modifiedDate": format!("{} UTC", ivvy_iws::timestamp::format(r.modified)),
    })
}

/// Text a hostile or careless server might send.
mod hostile {
    use serde_json::{Value, json};

    use crate::state::Recorded;

    /// An invitation link with a C1 control (CSI) or a bidi override in it.
    pub(super) fn link(link: &str, answer: &str) -> String {
        if answer == "yes" {
            format!("{link}\u{9b}2J")
        } else {
            format!("{link}\u{202e}")
        }
    }

    /// An invited contact whose text sets the window title, clears the
    /// screen, reverses the text and starts spreadsheet formulas.
    pub(super) fn invited_contact(event: u64, r: &Recorded) -> Value {
        json!({
            "eventId": event,
            "contactId": r.contact,
            "firstName": "Eve\u{1b}]0;owned\u{7}\u{1b}[2J",
            "lastName": "\u{202e}kcaj",
            "email": "=HYPERLINK(\"http://evil.test\")",
            "phone": "+1 555\r\n0100",
            "response": r.answer.letter(),
            "registrationId": null,
            "modifiedDate": "2025-11-24 16:00:00\u{9b}31m UTC",
        })
    }
}
