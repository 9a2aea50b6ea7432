//! The checks every operation makes of the ids it is given, before
//! anything is sent: the event, and a list of contacts without repeats.

use crate::error::Error;
use crate::ids::{ContactId, EventId, HashSet, IntoId};

/// Checks the event id.
pub(crate) fn checked_event(event: impl IntoId<EventId>) -> Result<EventId, Error> {
    event
        .into_id()
        .map_err(|e| Error::invalid("event", e.to_string()))
}

/// Checks every contact id, keeping repeats (a plan counts them as given).
pub(crate) fn contact_ids(
    contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
) -> Result<Vec<ContactId>, Error> {
    contacts
        .into_iter()
        .enumerate()
        .map(|(index, contact)| {
            contact
                .into_id()
                .map_err(|e| Error::invalid(format!("contacts[{index}]"), e.to_string()))
        })
        .collect()
}

/// Checks every contact id and drops repeats, keeping each id's first
/// position, so a contact is never sent twice.
pub(crate) fn distinct_contacts(
    contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
) -> Result<Vec<ContactId>, Error> {
    // Short lists are checked for repeats by scanning; a set pays off later.
    const SCAN_UP_TO: usize = 32;
    let contacts = contacts.into_iter();
    let mut seen = HashSet::default();
    let mut distinct = Vec::with_capacity(contacts.size_hint().0);
    for (index, contact) in contacts.enumerate() {
        let contact = contact
            .into_id()
            .map_err(|e| Error::invalid(format!("contacts[{index}]"), e.to_string()))?;
        let repeated = if distinct.len() < SCAN_UP_TO {
            distinct.contains(&contact)
        } else {
            if seen.is_empty() {
                seen.extend(distinct.iter().copied());
            }
            !seen.insert(contact)
        };
        if !repeated {
            distinct.push(contact);
        }
    }
    if distinct.is_empty() {
        return Err(Error::invalid(
            "contacts",
            "the list is empty; give at least one contact",
        ));
    }
    Ok(distinct)
}
