//! People as a CRM knows them (by external id and email), found among the
//! account's contacts, added when missing, and invited, each at most once.
//!
//! - [`person`] holds [`Person`](person::Person) and everything about one
//!   person's fields (key, merge, the contact they become when added);
//! - [`matching`]: the pure rule matching a person to contacts;
//! - [`roster`]: rows as distinct people;
//! - [`options`] holds [`PeopleOptions`](options::PeopleOptions);
//! - [`resolution`]: what was found for one person;
//! - [`resolve`]: looking people up, at the least cost in requests;
//! - [`batch_read`]: the account's pages read 50 to a request;
//! - [`add`]: adding the missing, never twice;
//! - [`batch_add`]: the same adds, 200 to a request;
//! - [`plan`] holds [`PeoplePlan`](plan::PeoplePlan), the run worked out before
//!   anyone is added or invited;
//! - [`invite`]: the public calls that carry a plan out;
//! - [`answers`]: each person with their answer, for the CRM.
//!
//! Inviting the contacts found is [`bulk`](crate::bulk)'s; waits,
//! cancelling and reports are the run's [`context`](crate::context).

pub(crate) mod add;
pub(crate) mod answers;
pub(crate) mod batch_add;
pub(crate) mod batch_read;
pub(crate) mod invite;
pub(crate) mod matching;
pub(crate) mod options;
pub(crate) mod person;
pub(crate) mod plan;
pub(crate) mod resolution;
pub(crate) mod resolve;
pub(crate) mod roster;
