//! The columns of each kind of row, described once for every format.
//!
//! - [`invites`]: an invite run's row per contact;
//! - [`people`]: a people run's row per person;
//! - [`invited`]: an event's invitation with its answer;
//! - [`answers`]: a person of an export with their answer;
//! - [`events`]: an event of the account.

pub mod answers;
pub mod events;
pub mod invited;
pub mod invites;
pub mod people;
