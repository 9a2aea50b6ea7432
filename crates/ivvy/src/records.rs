//! How an invite run's rows are written and read back with the `serde`
//! feature: flat records with the [`InviteStatus`] code and the reason
//! code (see [`status`](crate::status)), the answer links and the error's
//! message. A row read back is the row written: an error comes back as
//! [`Error::Reported`] (its code and message), or [`Error::Cancelled`].
//!
//! - [`Outcome`]: `{"status", "reason", "inviteLinkYes", "inviteLinkNo",
//!   "error", "note"}` (each left out when empty);
//! - [`Invitation`]: `"contact"` and the outcome's fields;
//! - [`Resolution`]: `"contact"`, `"created"`, `"candidates"`, and for a
//!   person without a contact `"status"`, `"reason"` and `"error"`;
//! - [`PersonInvitation`]: the person's fields (`externalId`, `email`,
//!   `firstName`, `lastName`), `"contact"`, `"created"`, `"candidates"`
//!   and the outcome's fields.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::error::Error;
use crate::ids::ContactId;
use crate::operations::invite::{Invitation, InviteLinks, Outcome};
use crate::people::invite::PersonInvitation;
use crate::people::person::Person;
use crate::people::resolution::Resolution;
use crate::status::{InviteStatus, reason};

/// The fields every row shares.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    status: InviteStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_link_yes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invite_link_no: Option<String>,
    /// The error's own message (failed, unknown, not sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The row in words; written for people, never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl Fields {
    fn new(status: InviteStatus, reason: Option<&str>, note: Option<String>) -> Self {
        Self {
            status,
            reason: reason.map(str::to_string),
            invite_link_yes: None,
            invite_link_no: None,
            error: None,
            note,
        }
    }

    fn of_outcome(outcome: &Outcome) -> Self {
        let mut fields = Self::new(outcome.status(), outcome.reason(), outcome.note());
        if let Some(links) = outcome.links() {
            fields.invite_link_yes = Some(links.yes().to_string());
            fields.invite_link_no = Some(links.no().to_string());
        }
        fields.error = outcome.error().map(ToString::to_string);
        fields
    }

    /// The error the fields describe.
    fn error(&self) -> Arc<Error> {
        Arc::new(Error::reported(
            self.reason.as_deref().unwrap_or("reported"),
            self.error.as_deref().unwrap_or_default(),
        ))
    }

    fn links(&self) -> Result<Option<InviteLinks>, String> {
        match (&self.invite_link_yes, &self.invite_link_no) {
            (None, None) => Ok(None),
            (Some(yes), Some(no)) => InviteLinks::new(yes.clone(), no.clone())
                .map(Some)
                .ok_or_else(|| "the links are not absolute http(s) URLs".to_string()),
            _ => Err("inviteLinkYes and inviteLinkNo come together".into()),
        }
    }

    /// The outcome the fields describe; `None` for a row the run stopped
    /// before inviting.
    fn outcome(&self) -> Result<Option<Outcome>, String> {
        Ok(Some(match self.status {
            InviteStatus::Invited | InviteStatus::AddedAndInvited => match self.links()? {
                Some(links) => Outcome::Invited(links),
                None => Outcome::InvitedLinksUnknown,
            },
            InviteStatus::AlreadyInvited => Outcome::AlreadyInvited,
            InviteStatus::NotInvited => Outcome::NotInvited,
            InviteStatus::Failed => Outcome::Failed(self.error()),
            InviteStatus::Unknown => Outcome::Unknown(self.error()),
            InviteStatus::NotSent if self.reason.as_deref() == Some(reason::STOPPED) => {
                return Ok(None);
            }
            InviteStatus::NotSent => Outcome::NotSent(self.error()),
            other => return Err(format!("status {other} has no invitation")),
        }))
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Fields::of_outcome(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::deserialize(d)?
            .outcome()
            .and_then(|o| o.ok_or_else(|| "a stopped row has no outcome".into()))
            .map_err(de::Error::custom)
    }
}

#[derive(Serialize, Deserialize)]
struct InvitationRecord {
    contact: ContactId,
    #[serde(flatten)]
    fields: Fields,
}

impl Serialize for Invitation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        InvitationRecord {
            contact: self.contact,
            fields: Fields::of_outcome(&self.outcome),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Invitation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let record = InvitationRecord::deserialize(d)?;
        let outcome = record
            .fields
            .outcome()
            .and_then(|o| o.ok_or_else(|| "a stopped row has no outcome".into()))
            .map_err(de::Error::custom)?;
        Ok(Invitation {
            contact: record.contact,
            outcome,
        })
    }
}

/// What was found for a person, as a record's fields.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<ContactId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    created: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    candidates: Vec<ContactId>,
}

impl Found {
    fn of(resolution: &Resolution) -> Self {
        Self {
            contact: resolution.contact(),
            created: resolution.created(),
            candidates: match resolution {
                Resolution::Ambiguous(ids) => ids.clone(),
                _ => Vec::new(),
            },
        }
    }

    /// The resolution, given the row's fields.
    fn resolution(&self, fields: &Fields) -> Result<Resolution, String> {
        Ok(match fields.status {
            InviteStatus::NotFound => Resolution::NotFound,
            InviteStatus::Ambiguous => Resolution::Ambiguous(self.candidates.clone()),
            InviteStatus::CannotAdd => Resolution::CannotAdd(
                fields
                    .reason
                    .as_deref()
                    .and_then(reason::cannot_add_words)
                    .ok_or("cannot_add needs its reason code")?,
            ),
            InviteStatus::NoIdentity => Resolution::NoIdentity,
            InviteStatus::Failed if self.contact.is_none() => Resolution::Failed(fields.error()),
            InviteStatus::NotSent if self.contact.is_none() => Resolution::NotSent(fields.error()),
            status => {
                let contact = self
                    .contact
                    .ok_or_else(|| format!("status {status} needs a contact"))?;
                if self.created {
                    Resolution::Created(contact)
                } else {
                    Resolution::Found(contact)
                }
            }
        })
    }
}

#[derive(Serialize, Deserialize)]
struct ResolutionRecord {
    #[serde(flatten)]
    found: Found,
    /// None for a contact found or added: its invitation has the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<InviteStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Serialize for Resolution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ResolutionRecord {
            found: Found::of(self),
            status: self.status(),
            reason: self.reason_code().map(str::to_string),
            error: match self {
                Resolution::Failed(e) | Resolution::NotSent(e) => Some(e.to_string()),
                _ => None,
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Resolution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let record = ResolutionRecord::deserialize(d)?;
        let mut fields = Fields::new(
            // With a contact, any status of an invitation reads it back.
            record.status.unwrap_or(InviteStatus::Invited),
            record.reason.as_deref(),
            None,
        );
        fields.error = record.error;
        record.found.resolution(&fields).map_err(de::Error::custom)
    }
}

#[derive(Serialize, Deserialize)]
struct PersonRecord {
    #[serde(flatten)]
    person: Person,
    #[serde(flatten)]
    found: Found,
    #[serde(flatten)]
    fields: Fields,
}

impl Serialize for PersonInvitation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields = match &self.outcome {
            Some(outcome) if self.resolution.status().is_none() => Fields::of_outcome(outcome),
            _ => Fields::new(self.status(), self.reason(), None),
        };
        fields.status = self.status();
        fields.note = self.note();
        if let Resolution::Failed(e) | Resolution::NotSent(e) = &self.resolution {
            fields.error = Some(e.to_string());
        }
        PersonRecord {
            person: self.person.clone(),
            found: Found::of(&self.resolution),
            fields,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for PersonInvitation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let record = PersonRecord::deserialize(d)?;
        let resolution = record
            .found
            .resolution(&record.fields)
            .map_err(de::Error::custom)?;
        let outcome = match resolution {
            Resolution::Found(_) | Resolution::Created(_) => {
                record.fields.outcome().map_err(de::Error::custom)?
            }
            _ => None,
        };
        Ok(PersonInvitation {
            person: record.person,
            resolution,
            outcome,
        })
    }
}
