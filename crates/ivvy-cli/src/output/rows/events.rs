//! An event of the account, in iVvy's own field names (getEventList's);
//! the table shows its status in words.

use ivvy::Event;

use crate::output::table::{Cell, Column, Kind};

/// The rows of an events listing.
pub struct Events;

impl Kind for Events {
    type Row<'a> = &'a Event;

    fn columns<'a>() -> Vec<Column<&'a Event>> {
        vec![
            Column::both("id", "ID", 11, |e| Cell::Number(e.id.get())),
            Column::both("code", "CODE", 14, |e| Cell::Text(e.code.clone())),
            Column::data("title", |e| Cell::Text(e.title.clone())),
            Column::both("startDateTime", "START", 24, |e| {
                Cell::text(e.start.as_deref())
            }),
            Column::data("endDateTime", |e| Cell::text(e.end.as_deref())),
            Column::data("currentStatus", |e| {
                e.status
                    .and_then(|s| u64::try_from(s).ok())
                    .map_or(Cell::Empty, Cell::Number)
            }),
            Column::shown("STATUS", 9, |e| Cell::Text(e.status_word())),
            Column::shown("TITLE", 0, |e| Cell::Text(e.title.clone())),
        ]
    }
}
