//! What a column of output is ([`Column`]) and what a cell holds
//! ([`Cell`]); [`Kind`] names the columns of one kind of row, once, for
//! every format.

/// A cell's value, typed so that JSON gets numbers and booleans, not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text, as the server or the input gave it.
    Text(String),
    /// A whole number (ids).
    Number(u64),
    /// A yes or no.
    Bool(bool),
    /// Nothing: left out of JSON, an empty CSV cell, a blank in a table.
    Empty,
}

impl Cell {
    /// Text when there is some.
    pub fn text(value: Option<&str>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    /// The cell as a table or CSV shows it, before escaping.
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// The cell as JSON.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(text) => text.as_str().into(),
            Cell::Number(n) => (*n).into(),
            Cell::Bool(b) => (*b).into(),
            Cell::Empty => serde_json::Value::Null,
        }
    }
}

/// One column of a kind of row.
pub struct Column<R> {
    /// Its name in JSON, NDJSON and CSV; `None` for a column only a table
    /// shows (a field in words, or two fields in one).
    pub name: Option<&'static str>,
    /// Its title and width in a table (0 for the last, unbounded);
    /// `None` for a column a table leaves out.
    pub table: Option<(&'static str, usize)>,
    /// Its cell for a row.
    pub cell: fn(&R) -> Cell,
}

impl<R> Column<R> {
    /// A field in every format.
    pub fn both(
        name: &'static str,
        title: &'static str,
        width: usize,
        cell: fn(&R) -> Cell,
    ) -> Self {
        Self {
            name: Some(name),
            table: Some((title, width)),
            cell,
        }
    }

    /// A field of JSON, NDJSON and CSV that a table leaves out.
    pub fn data(name: &'static str, cell: fn(&R) -> Cell) -> Self {
        Self {
            name: Some(name),
            table: None,
            cell,
        }
    }

    /// A column only a table shows.
    pub fn shown(title: &'static str, width: usize, cell: fn(&R) -> Cell) -> Self {
        Self {
            name: None,
            table: Some((title, width)),
            cell,
        }
    }
}

/// A kind of row: the row type and its columns, in order.
pub trait Kind {
    /// One row, borrowing what it shows.
    type Row<'a>;
    /// The columns, in the order JSON, CSV and the table give them.
    fn columns<'a>() -> Vec<Column<Self::Row<'a>>>;
}
