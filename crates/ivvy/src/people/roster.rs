//! A people run's rows as distinct people: [`Roster`] merges repeats of a
//! person (by [`PersonKey`]) into one, so each is looked up, added and
//! invited once, and maps each row back to its person's resolution.

use crate::ids::HashMap;
use crate::people::person::{Person, PersonKey, merge};
use crate::people::resolution::Resolution;

/// The rows and the distinct people they name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    /// Each row's key; `None` for a row with nothing to look for.
    keys: Vec<Option<PersonKey>>,
    /// The distinct people, in order of first row, repeats merged in.
    pub(crate) distinct: Vec<(PersonKey, Person)>,
    at: HashMap<PersonKey, usize>,
}

impl Roster {
    pub(crate) fn new(people: &[Person]) -> Self {
        let mut roster = Self::default();
        for person in people {
            let key = person.key();
            if let Some(key) = &key {
                match roster.at.get(key) {
                    Some(&i) => merge(&mut roster.distinct[i].1, person),
                    None => {
                        roster.at.insert(key.clone(), roster.distinct.len());
                        roster.distinct.push((key.clone(), person.clone()));
                    }
                }
            }
            roster.keys.push(key);
        }
        roster
    }

    /// Rows given.
    pub(crate) fn rows(&self) -> usize {
        self.keys.len()
    }

    /// Each row's resolution, from one per distinct person.
    pub(crate) fn per_row(&self, found: &[Resolution]) -> Vec<Resolution> {
        self.keys
            .iter()
            .map(|key| match key {
                Some(key) => found[self.at[key]].clone(),
                None => Resolution::NoIdentity,
            })
            .collect()
    }
}
