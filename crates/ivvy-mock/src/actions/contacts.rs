//! `contact?action=getContactList` and `contact?action=addOrUpdateContact`
//! over the account's contacts.

use std::time::Instant;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Paging, id, page_of, typed};
use crate::account::{AccountContact, NewContact, is_email};
use crate::app::App;
use crate::filter::Filter;
use crate::reply::Refusal;
use crate::schema::{INVALID_PARAMETER, MISSING_PARAMETER};

/// The fields of a listed contact, which a filter may name.
const FIELDS: [&str; 7] = [
    "id",
    "firstName",
    "lastName",
    "email",
    "phone",
    "externalId",
    "modifiedDate",
];

fn as_json(c: &AccountContact, hostile: bool) -> Value {
    if hostile {
        return json!({
            "id": c.id,
            "firstName": "Eve\u{1b}]0;owned\u{7}",
            "lastName": "\u{202e}kcaj",
            "email": "=HYPERLINK(\"http://evil.test\")",
            "phone": "+1 555\r\n0100",
            "externalId": c.external_id.as_ref().map(|e| format!("{e}\u{9b}2J")),
            "modifiedDate": null,
        });
    }
    json!({
        "id": c.id,
        "firstName": c.first_name,
        "lastName": c.last_name,
        "email": c.email,
        "phone": null,
        "externalId": c.external_id,
        "modifiedDate": format!("{} UTC", ivvy_iws::timestamp::format(c.modified)),
    })
}

/// Filters iVvy's page documents that name no result field: the modified
/// date's bounds (compared as text, which orders iVvy's timestamps), and
/// venue, venue group and company, which no contact here has.
const EXTRA_FILTERS: [&str; 5] = [
    "fromModifiedDate",
    "toModifiedDate",
    "venueId",
    "venueGroupId",
    "companyId",
];

/// A page of the contacts listings show now, in id order.
pub(super) fn list(app: &App, value: &Value) -> Result<Value, Refusal> {
    let mut body: Paging = typed(value)?;
    let extra: Vec<(String, Value)> = EXTRA_FILTERS
        .iter()
        .filter_map(|key| body.filter.remove(*key).map(|v| (key.to_string(), v)))
        .collect();
    let filter = if app.config.faults.ignore_contact_filters {
        Filter::default()
    } else {
        Filter::parse(&body.filter, &FIELDS)?
    };
    let now = Instant::now();
    let account = app.account();
    let visible: Vec<&AccountContact> = account
        .contacts()
        .iter()
        .filter(|c| c.visible(now) && meets_extra(c, &extra))
        .collect();
    let hostile = app.config.faults.hostile_text;
    Ok(page_of(
        &visible,
        |c| as_json(c, hostile),
        &filter,
        body.start,
        body.per_page,
    ))
}

fn meets_extra(c: &AccountContact, extra: &[(String, Value)]) -> bool {
    // Most listings name none: no date to write out for each contact.
    if extra.is_empty() {
        return true;
    }
    let modified = format!("{} UTC", ivvy_iws::timestamp::format(c.modified));
    extra.iter().all(|(key, value)| {
        let text = value.as_str().unwrap_or_default();
        match key.as_str() {
            "fromModifiedDate" => modified.as_str() >= text,
            "toModifiedDate" => modified.as_str() <= text,
            // No contact here belongs to a venue, venue group or company.
            _ => false,
        }
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactBody {
    id: Option<i64>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    external_id: Option<String>,
}

/// Adds a contact (no `id`: names and email required) or updates one.
pub(super) fn add_or_update(app: &App, value: &Value) -> Result<Value, Refusal> {
    let body: ContactBody = typed(value)?;
    if let Some(email) = &body.email
        && !is_email(email)
    {
        let mut refusal = Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(INVALID_PARAMETER),
            "'email' does not validate",
        );
        refusal.additional.push("Must be a valid email".into());
        return Err(refusal);
    }
    let mut account = app.account();
    if let Some(raw) = body.id {
        let contact = account.contact_mut(id(raw)).ok_or_else(|| {
            Refusal::new(
                StatusCode::NOT_FOUND,
                None,
                format!("contact {raw} was not found"),
            )
        })?;
        let fields = [
            (&mut contact.first_name, body.first_name),
            (&mut contact.last_name, body.last_name),
            (&mut contact.email, body.email),
        ];
        for (field, new) in fields {
            if let Some(new) = new {
                *field = new;
            }
        }
        if body.external_id.is_some() {
            contact.external_id = body.external_id;
        }
        contact.modified = app.config.clock.now();
        return Ok(json!({ "id": contact.id }));
    }
    let required = [
        ("firstName", &body.first_name),
        ("lastName", &body.last_name),
        ("email", &body.email),
    ];
    // An empty or blank value is as good as none.
    if let Some((name, _)) = required
        .iter()
        .find(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            Some(MISSING_PARAMETER),
            format!("'{name}' is required when 'id' is not given"),
        ));
    }
    let visible_at = Instant::now() + app.config.faults.list_lag.unwrap_or_default();
    let new = NewContact {
        first_name: body.first_name.unwrap_or_default(),
        last_name: body.last_name.unwrap_or_default(),
        email: body.email.unwrap_or_default(),
        external_id: body.external_id,
    };
    let id = account.create(new, app.config.clock.now(), visible_at);
    Ok(json!({ "id": id }))
}
