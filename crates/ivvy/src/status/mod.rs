//! Where a row of an invite run stands, in one word ([`InviteStatus`]),
//! and the machine-readable reason codes beside it. The words and codes
//! are documented here, once; the library's serde output and the `ivvy`
//! command's JSON, NDJSON and CSV all use them. The `status` and `reason`
//! methods of [`Outcome`], [`Invitation`], [`Resolution`] and
//! [`PersonInvitation`] are here too, so the rule is read in one place.

use crate::operations::invite::{Invitation, Outcome};
use crate::people::invite::PersonInvitation;
use crate::people::resolution::Resolution;

/// Where one row of an invite run stands: one word for a contact's row
/// ([`Invitation::status`](crate::Invitation::status)) and a person's row
/// ([`PersonInvitation::status`](crate::PersonInvitation::status)). With
/// the `serde` feature it is the code.
///
/// | code | the contact is invited | meaning |
/// |---|---|---|
/// | `invited` | yes | invited by this run |
/// | `already_invited` | yes | invited before this run; nothing sent for it |
/// | `added_and_invited` | yes | added as a contact by this run, then invited |
/// | `not_invited` | no | iVvy answered that it did not invite the contact |
/// | `not_found` | no | no contact has the person's external id or email |
/// | `ambiguous` | no | several contacts could be the person; none chosen |
/// | `cannot_add` | no | not in the account, and cannot be added |
/// | `no_identity` | no | the row has neither an external id nor an email |
/// | `failed` | no | a request failed; nothing was done for the row |
/// | `unknown` | maybe | a request's fate is not known |
/// | `not_sent` | no | the run stopped before the row's request |
///
/// The `reason` beside it ([`Invitation::reason`](crate::Invitation::reason),
/// [`PersonInvitation::reason`](crate::PersonInvitation::reason)) is one of:
///
/// | reason | with | meaning |
/// |---|---|---|
/// | `links_unknown` | `invited`, `added_and_invited`, `already_invited` | invited, but the answer links are not known |
/// | `refused` | `not_invited` | iVvy's reply said the contact was not invited |
/// | `not_in_account` | `not_found` | |
/// | `several_match` | `ambiguous` | the contacts are the row's `candidates` |
/// | `missing_fields` | `cannot_add` | adding needs an email, a first and a last name |
/// | `bad_email` | `cannot_add` | the email is not an address |
/// | `email_in_doubt` | `cannot_add` | an add with this email just failed; another could make a second contact |
/// | `no_external_id_or_email` | `no_identity` | |
/// | `stopped` | `not_sent` | the run stopped before inviting the contact |
/// | an [`Error::code`](crate::Error::code) | `failed`, `unknown`, `not_sent` | the error's kind: `timeout`, `api`, `cancelled`, `retry_budget_spent`, `batch_unfinished`, … |
///
/// Beside both, the row's `note` (or `error`) says the same in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum InviteStatus {
    /// Invited by this run.
    Invited,
    /// Invited before this run; nothing sent for it.
    AlreadyInvited,
    /// Added as a contact by this run, then invited.
    AddedAndInvited,
    /// iVvy answered that it did not invite the contact.
    NotInvited,
    /// No contact has the person's external id or email.
    NotFound,
    /// Several contacts could be the person; none was chosen.
    Ambiguous,
    /// Not in the account, and cannot be added.
    CannotAdd,
    /// Neither an external id nor an email.
    NoIdentity,
    /// A request failed; nothing was done for the row.
    Failed,
    /// A request's fate is not known.
    Unknown,
    /// The run stopped before the row's request.
    NotSent,
}

/// Every status, in the order of the table above.
pub const STATUSES: [InviteStatus; 11] = [
    InviteStatus::Invited,
    InviteStatus::AlreadyInvited,
    InviteStatus::AddedAndInvited,
    InviteStatus::NotInvited,
    InviteStatus::NotFound,
    InviteStatus::Ambiguous,
    InviteStatus::CannotAdd,
    InviteStatus::NoIdentity,
    InviteStatus::Failed,
    InviteStatus::Unknown,
    InviteStatus::NotSent,
];

impl InviteStatus {
    /// The code, as the table in the type's documentation gives it.
    pub fn code(self) -> &'static str {
        match self {
            InviteStatus::Invited => "invited",
            InviteStatus::AlreadyInvited => "already_invited",
            InviteStatus::AddedAndInvited => "added_and_invited",
            InviteStatus::NotInvited => "not_invited",
            InviteStatus::NotFound => "not_found",
            InviteStatus::Ambiguous => "ambiguous",
            InviteStatus::CannotAdd => "cannot_add",
            InviteStatus::NoIdentity => "no_identity",
            InviteStatus::Failed => "failed",
            InviteStatus::Unknown => "unknown",
            InviteStatus::NotSent => "not_sent",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        STATUSES.into_iter().find(|s| s.code() == code)
    }

    /// True when the contact is known to be invited (now or before).
    pub fn is_invited(self) -> bool {
        matches!(
            self,
            InviteStatus::Invited | InviteStatus::AlreadyInvited | InviteStatus::AddedAndInvited
        )
    }
}

impl std::fmt::Display for InviteStatus {
    /// The [`code`](Self::code).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}

pub(crate) mod reason;

impl Outcome {
    /// The outcome's [`InviteStatus`]: `invited`, `already_invited`,
    /// `not_invited`, `failed`, `unknown` or `not_sent`.
    pub fn status(&self) -> InviteStatus {
        match self {
            Outcome::Invited(_) | Outcome::InvitedLinksUnknown => InviteStatus::Invited,
            Outcome::AlreadyInvited => InviteStatus::AlreadyInvited,
            Outcome::NotInvited => InviteStatus::NotInvited,
            Outcome::Failed(_) => InviteStatus::Failed,
            Outcome::Unknown(_) => InviteStatus::Unknown,
            Outcome::NotSent(_) => InviteStatus::NotSent,
        }
    }

    /// The reason code beside the status (see [`InviteStatus`]); `None`
    /// for an invitation with its links.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Invited(_) => None,
            Outcome::InvitedLinksUnknown | Outcome::AlreadyInvited => Some(reason::LINKS_UNKNOWN),
            Outcome::NotInvited => Some(reason::REFUSED),
            Outcome::Failed(e) | Outcome::Unknown(e) | Outcome::NotSent(e) => Some(e.code()),
        }
    }
}

impl Invitation {
    /// The contact's [`InviteStatus`].
    pub fn status(&self) -> InviteStatus {
        self.outcome.status()
    }

    /// The reason code beside the status (see [`InviteStatus`]).
    pub fn reason(&self) -> Option<&str> {
        self.outcome.reason()
    }
}

impl Resolution {
    /// The status of a person for whom there is no contact to invite;
    /// `None` when there is one (the invitation then decides).
    pub fn status(&self) -> Option<InviteStatus> {
        match self {
            Resolution::Found(_) | Resolution::Created(_) => None,
            Resolution::Ambiguous(_) => Some(InviteStatus::Ambiguous),
            Resolution::NotFound => Some(InviteStatus::NotFound),
            Resolution::CannotAdd(_) => Some(InviteStatus::CannotAdd),
            Resolution::NoIdentity => Some(InviteStatus::NoIdentity),
            Resolution::Failed(_) => Some(InviteStatus::Failed),
            Resolution::NotSent(_) => Some(InviteStatus::NotSent),
        }
    }

    /// The reason code beside that status (see [`InviteStatus`]).
    pub fn reason_code(&self) -> Option<&str> {
        match self {
            Resolution::Found(_) | Resolution::Created(_) => None,
            Resolution::Ambiguous(_) => Some(reason::SEVERAL_MATCH),
            Resolution::NotFound => Some(reason::NOT_IN_ACCOUNT),
            Resolution::CannotAdd(words) => Some(reason::cannot_add_code(words)),
            Resolution::NoIdentity => Some(reason::NO_EXTERNAL_ID_OR_EMAIL),
            Resolution::Failed(e) | Resolution::NotSent(e) => Some(e.code()),
        }
    }
}

impl PersonInvitation {
    /// The person's [`InviteStatus`]: what was found, and what became of
    /// the invitation.
    pub fn status(&self) -> InviteStatus {
        if let Some(status) = self.resolution.status() {
            return status;
        }
        match &self.outcome {
            Some(outcome)
                if self.resolution.created() && outcome.status() == InviteStatus::Invited =>
            {
                InviteStatus::AddedAndInvited
            }
            Some(outcome) => outcome.status(),
            None => InviteStatus::NotSent,
        }
    }

    /// The reason code beside the status (see [`InviteStatus`]).
    pub fn reason(&self) -> Option<&str> {
        if self.resolution.status().is_some() {
            return self.resolution.reason_code();
        }
        match &self.outcome {
            Some(outcome) => outcome.reason(),
            None => Some(reason::STOPPED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_its_serde_word() {
        for status in STATUSES {
            assert_eq!(InviteStatus::from_code(status.code()), Some(status));
            assert_eq!(status.to_string(), status.code());
            #[cfg(feature = "serde")]
            assert_eq!(
                serde_json::to_value(status).expect("serializes"),
                serde_json::Value::from(status.code())
            );
        }
        assert_eq!(InviteStatus::from_code("Invited"), None);
    }

    #[test]
    fn the_table_documents_every_code() {
        let doc = include_str!("mod.rs");
        for status in STATUSES {
            assert!(
                doc.contains(&format!("/// | `{}` |", status.code())),
                "{status} is not in the table"
            );
        }
    }
}
