//! A people run's rows as distinct people: [`Roster`] merges repeats of a
//! person (by [`PersonKey`]) into one, so each is looked up, added and
//! invited once, and maps each row back to its person's resolution.

use crate::ids::HashMap;
use crate::people::person::{Person, PersonKey, merge};
use crate::people::resolution::Resolution;

/// The rows and the distinct people they name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    /// Each row's person, by place in `distinct`; `None` for a row with
    /// nothing to look for. (A place, not the key: a run of 100,000 rows
    /// keeps one key a person, not three.)
    rows: Vec<Option<usize>>,
    /// The distinct people, in order of first row, repeats merged in.
    pub(crate) distinct: Vec<(PersonKey, Person)>,
}

impl Roster {
    pub(crate) fn new(people: &[Person]) -> Self {
        let mut roster = Self::default();
        let mut at: HashMap<PersonKey, usize> = HashMap::default();
        for person in people {
            let place = person.key().map(|key| match at.get(&key) {
                Some(&i) => {
                    merge(&mut roster.distinct[i].1, person);
                    i
                }
                None => {
                    let i = roster.distinct.len();
                    at.insert(key.clone(), i);
                    roster.distinct.push((key, person.clone()));
                    i
                }
            });
            roster.rows.push(place);
        }
        roster
    }

    /// Rows given.
    pub(crate) fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Each row's resolution, from one per distinct person.
    pub(crate) fn per_row(&self, found: &[Resolution]) -> Vec<Resolution> {
        self.rows
            .iter()
            .map(|place| match place {
                Some(i) => found[*i].clone(),
                None => Resolution::NoIdentity,
            })
            .collect()
    }
}
