//! Which invitations changed since an earlier read: [`HighWaterMark`], the
//! pure rule a listing's rows are kept or dropped by, and [`Stamp`], what
//! it compares (the contact, iVvy's `modifiedDate`, the answer and the
//! registration). Reading the listing is
//! [`invitations`](super::invitations)'s; keeping the mark between runs is
//! the caller's.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ids::ContactId;
use crate::operations::invitations::{Answer, InvitedContact};

/// What a change of an invitation is judged by: the contact, iVvy's
/// `modifiedDate`, the answer and the registration.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// The contact invited.
    pub contact: ContactId,
    /// `modifiedDate` as iVvy sent it.
    pub modified: &'a str,
    /// The answer.
    pub answer: &'a Answer,
    /// The registration, once there is one.
    pub registration_id: Option<i64>,
}

/// A row that may carry an invitation's [`Stamp`]: [`InvitedContact`], and
/// [`PersonAnswer`](crate::PersonAnswer) (which has none when the person
/// has no invitation).
pub trait Stamped {
    /// The invitation's stamp, when there is an invitation.
    fn stamp(&self) -> Option<Stamp<'_>>;
}

impl Stamped for InvitedContact {
    fn stamp(&self) -> Option<Stamp<'_>> {
        Some(Stamp {
            contact: self.contact,
            modified: &self.modified,
            answer: &self.answer,
            registration_id: self.registration_id,
        })
    }
}

/// Which invitations are new or changed since an earlier read.
///
/// iVvy's `modifiedDate` has whole seconds, so a time alone cannot tell a
/// row changed in the very second an earlier read ended from one that
/// read already saw. The rule, in full:
///
/// - [`since(t)`](Self::since) keeps every row modified at or after `t`
///   (inclusive, to the second);
/// - a mark built by [`observe`](Self::observe) and
///   [`finish`](Self::finish) holds the newest `modifiedDate` seen (*M*)
///   and the stamp (contact, `modifiedDate`, answer, registration) of
///   every row seen modified at or after *M* − *R*, where *R* is
///   [`LOOKBACK`](Self::LOOKBACK) plus the read's length. It keeps a row
///   modified at or after *M* − *R* whose stamp it does not hold: new
///   rows, rows changed in the same second as *M*, and rows changed while
///   the read went on are kept; rows seen as they are now are not;
/// - a row without an invitation is never kept, and a row whose
///   `modifiedDate` cannot be read is always kept (it cannot be shown to
///   be old);
/// - [`new`](Self::new) (nothing seen) keeps every invitation.
///
/// With the `serde` feature it is saved and read back as JSON.
///
/// ```
/// use ivvy::{HighWaterMark, Stamped};
/// # fn rows() -> Vec<ivvy::InvitedContact> { Vec::new() }
/// let earlier = HighWaterMark::new(); // or the mark saved by the last run
/// let mut next = earlier.clone();
/// let started = std::time::Instant::now();
/// for row in rows() {
///     next.observe(&row);
///     if earlier.admits(&row) {
///         println!("changed: contact {}", row.contact);
///     }
/// }
/// next.finish(started.elapsed());
/// // Save `next` once every changed row has been handled.
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
pub struct HighWaterMark {
    /// The newest `modifiedDate` seen, as seconds since the Unix epoch.
    #[cfg_attr(feature = "serde", serde(default))]
    mark: Option<u64>,
    /// Rows modified before `mark - lookback` are old.
    #[cfg_attr(feature = "serde", serde(default))]
    lookback_secs: u64,
    /// The stamps of rows seen at or after `mark - lookback`.
    #[cfg_attr(feature = "serde", serde(default))]
    seen: BTreeSet<Seen>,
}

/// A row's stamp as the mark keeps it; ordered by time first, so the old
/// ones are split off at once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "camelCase")
)]
struct Seen {
    modified: u64,
    contact: u64,
    response: String,
    #[cfg_attr(feature = "serde", serde(default))]
    registration_id: Option<i64>,
}

impl HighWaterMark {
    /// How far before the mark rows are remembered: a change that iVvy's
    /// listing shows late, with a `modifiedDate` up to this much before
    /// the newest row an earlier read saw, is still found. A minute is ten
    /// times the default consistency window.
    pub const LOOKBACK: Duration = Duration::from_secs(60);

    /// Nothing seen yet: every invitation is kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the invitations modified at or after `time` (to the second).
    pub fn since(time: SystemTime) -> Self {
        Self {
            mark: Some(seconds(time)),
            lookback_secs: 0,
            seen: BTreeSet::new(),
        }
    }

    /// The newest `modifiedDate` seen, or the time given to
    /// [`since`](Self::since); `None` when nothing was.
    pub fn mark(&self) -> Option<SystemTime> {
        self.mark.map(|s| UNIX_EPOCH + Duration::from_secs(s))
    }

    /// True when the row is new or changed by this mark's rule (see the
    /// type's documentation).
    pub fn admits(&self, row: &impl Stamped) -> bool {
        let Some(stamp) = row.stamp() else {
            return false;
        };
        let Some(modified) = ivvy_iws::timestamp::parse(stamp.modified) else {
            return true;
        };
        let Some(mark) = self.mark else {
            return true;
        };
        let modified = seconds(modified);
        modified >= mark.saturating_sub(self.lookback_secs)
            && !self.seen.contains(&seen(modified, &stamp))
    }

    /// Takes the row into the mark, as seen: a mark built by observing
    /// every row of a read, then [`finish`](Self::finish)ed, keeps in the
    /// next read only what changed.
    pub fn observe(&mut self, row: &impl Stamped) {
        let Some(stamp) = row.stamp() else { return };
        let Some(modified) = ivvy_iws::timestamp::parse(stamp.modified) else {
            return;
        };
        let modified = seconds(modified);
        self.mark = Some(self.mark.map_or(modified, |m| m.max(modified)));
        // Kept until `finish`: how far back to remember depends on how
        // long the read took.
        self.seen.insert(seen(modified, &stamp));
    }

    /// Ends the read that [`observe`](Self::observe)d every row: the mark
    /// remembers [`LOOKBACK`](Self::LOOKBACK) plus the read's own length
    /// before its newest row. A row changed while the read went on (after
    /// its page was read) has a `modifiedDate` no older than the read's
    /// start, so it is within that reach of the newest row, and the next
    /// read keeps it. Stamps beyond it are forgotten.
    pub fn finish(&mut self, read_took: Duration) {
        self.lookback_secs = Self::LOOKBACK
            .saturating_add(read_took)
            .as_secs()
            .saturating_add(1);
        let Some(mark) = self.mark else { return };
        let floor = mark.saturating_sub(self.lookback_secs);
        if self.seen.first().is_some_and(|s| s.modified < floor) {
            self.seen = self.seen.split_off(&Seen {
                modified: floor,
                contact: 0,
                response: String::new(),
                registration_id: None,
            });
        }
    }

    /// How many stamps the mark holds (those within
    /// [`LOOKBACK`](Self::LOOKBACK) of it).
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }
}

fn seen(modified: u64, stamp: &Stamp<'_>) -> Seen {
    Seen {
        modified,
        contact: stamp.contact.get(),
        response: stamp.answer.letter().to_string(),
        registration_id: stamp.registration_id,
    }
}

/// Whole seconds since the epoch; 0 for a time before it.
fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        contact: u64,
        modified: &'static str,
        answer: Answer,
        registration: Option<i64>,
    }

    impl Stamped for Row {
        fn stamp(&self) -> Option<Stamp<'_>> {
            Some(Stamp {
                contact: ContactId::new(self.contact).expect("id"),
                modified: self.modified,
                answer: &self.answer,
                registration_id: self.registration,
            })
        }
    }

    fn row(contact: u64, modified: &'static str, answer: Answer) -> Row {
        Row {
            contact,
            modified,
            answer,
            registration: None,
        }
    }

    fn kept(mark: &HighWaterMark, rows: &[Row]) -> Vec<u64> {
        rows.iter()
            .filter(|r| mark.admits(*r))
            .map(|r| r.contact)
            .collect()
    }

    fn after(rows: &[Row]) -> HighWaterMark {
        let mut mark = HighWaterMark::new();
        for r in rows {
            mark.observe(r);
        }
        mark.finish(Duration::ZERO);
        mark
    }

    #[test]
    fn since_a_time_keeps_that_second_and_later() {
        let rows = [
            row(1, "2026-11-29 10:00:00 UTC", Answer::Yes),
            row(2, "2026-11-29 10:00:01", Answer::Yes),
            row(3, "2026-11-29 09:59:59", Answer::Yes),
        ];
        let at = ivvy_iws::timestamp::parse("2026-11-29 10:00:00").expect("time");
        assert_eq!(kept(&HighWaterMark::since(at), &rows), [1, 2]);
        assert_eq!(kept(&HighWaterMark::new(), &rows), [1, 2, 3]);
    }

    #[test]
    fn a_change_in_the_marks_own_second_is_kept_and_a_seen_row_is_not() {
        let first = [
            row(1, "2026-11-29 10:00:00", Answer::Yes),
            row(2, "2026-11-29 10:00:05", Answer::Undecided),
        ];
        let mark = after(&first);
        assert_eq!(
            mark.mark(),
            ivvy_iws::timestamp::parse("2026-11-29 10:00:05")
        );
        let second = [
            row(1, "2026-11-29 10:00:00", Answer::Yes),
            // Answered in the same second as the mark.
            row(2, "2026-11-29 10:00:05", Answer::No),
            // Invited in that second too, listed only now.
            row(3, "2026-11-29 10:00:05", Answer::Undecided),
            row(4, "2026-11-29 10:00:06", Answer::Undecided),
        ];
        assert_eq!(kept(&mark, &second), [2, 3, 4]);
        let mut registered = row(1, "2026-11-29 10:00:00", Answer::Yes);
        registered.registration = Some(9);
        assert!(mark.admits(&registered), "a registration is a change");
    }

    #[test]
    fn rows_older_than_the_lookback_are_old_and_forgotten() {
        let mark = after(&[
            row(1, "2026-11-29 10:00:00", Answer::Yes),
            row(2, "2026-11-29 10:05:00", Answer::Yes),
        ]);
        assert_eq!(mark.remembered(), 1, "the 10:00 stamp is past the lookback");
        let late = [
            // Listed late, within the lookback (61 s): kept.
            row(3, "2026-11-29 10:04:30", Answer::Yes),
            // Changed before the lookback: old.
            row(4, "2026-11-29 10:03:58", Answer::Yes),
        ];
        assert_eq!(kept(&mark, &late), [3]);
    }

    #[test]
    fn a_row_changed_during_a_long_read_is_kept_next_time() {
        // A read of 5 minutes: row 1 read at its start, then changed, while
        // later pages showed rows modified up to 4 minutes later.
        let mut mark = HighWaterMark::new();
        mark.observe(&row(1, "2026-11-29 10:00:00", Answer::Undecided));
        mark.observe(&row(2, "2026-11-29 10:04:00", Answer::Yes));
        mark.finish(Duration::from_secs(300));
        let changed = row(1, "2026-11-29 10:00:05", Answer::No);
        assert!(mark.admits(&changed));
    }

    #[test]
    fn an_unreadable_date_is_kept_and_never_moves_the_mark() {
        let mark = after(&[row(1, "2026-11-29 10:00:00", Answer::Yes)]);
        let odd = row(2, "yesterday", Answer::Yes);
        assert!(mark.admits(&odd));
        let mut next = mark.clone();
        next.observe(&odd);
        assert_eq!(next, mark);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_mark_reads_back_as_it_was_saved() {
        let mark = after(&[
            row(1, "2026-11-29 10:00:00", Answer::Yes),
            row(2, "2026-11-29 10:00:00", Answer::Other("M".into())),
        ]);
        let json = serde_json::to_string(&mark).expect("serializes");
        let back: HighWaterMark = serde_json::from_str(&json).expect("reads");
        assert_eq!(back, mark);
    }
}
