//! What was found for one person, [`Resolution`], and how a match or a
//! cancel becomes one.

use std::sync::Arc;

use crate::error::Error;
use crate::ids::ContactId;
use crate::people::matching::Match;

/// What was found for one person.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Resolution {
    /// This contact of the account.
    Found(ContactId),
    /// Added as this contact by this run.
    Created(ContactId),
    /// Several contacts could be the person (listed); none was chosen.
    Ambiguous(Vec<ContactId>),
    /// Not in the account (and adding was not asked for).
    NotFound,
    /// Not in the account, and cannot be added: why.
    CannotAdd(&'static str),
    /// Neither an external id nor an email to look for.
    NoIdentity,
    /// Looking up or adding failed.
    Failed(Arc<Error>),
    /// Not looked up or not added: the run was cancelled first.
    NotSent(Arc<Error>),
}

impl Resolution {
    /// The contact, when there is exactly one.
    pub fn contact(&self) -> Option<ContactId> {
        match self {
            Resolution::Found(id) | Resolution::Created(id) => Some(*id),
            _ => None,
        }
    }

    /// True when this run added the contact.
    pub fn created(&self) -> bool {
        matches!(self, Resolution::Created(_))
    }

    /// Why there is no contact, in words; `None` when there is one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Resolution::Found(_) | Resolution::Created(_) => None,
            Resolution::Ambiguous(ids) => Some(format!(
                "ambiguous: contacts {} all match; fix the data or give an external id",
                ids.iter()
                    .map(ContactId::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Resolution::NotFound => Some("not in the account".into()),
            Resolution::CannotAdd(why) => Some((*why).into()),
            Resolution::NoIdentity => Some("no external id or email to look for".into()),
            Resolution::Failed(e) => Some(e.to_string()),
            Resolution::NotSent(e) => Some(match **e {
                Error::Cancelled => "not looked up: interrupted".into(),
                ref other => format!("not looked up: {other}"),
            }),
        }
    }
}

/// The resolution a match gives.
pub(crate) fn resolution_of(m: Match) -> Resolution {
    match m {
        Match::Found(id) => Resolution::Found(id),
        Match::Ambiguous(ids) => Resolution::Ambiguous(ids),
        Match::NotFound => Resolution::NotFound,
    }
}

/// Not looked up or added: the run was cancelled.
pub(crate) fn not_sent() -> Resolution {
    Resolution::NotSent(Arc::new(Error::Cancelled))
}
