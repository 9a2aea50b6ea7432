//! iVvy's `filter` for a listing, [`Filter`]: which result fields must
//! have which values. Sent as the request's `filter` object.

/// iVvy's `filter` for a listing: result fields and the value each must
/// have. A key may end with one of iVvy's modifiers (`__BEGINS`,
/// `__CONTAINS`, `__NOT`, ...); the value `ISNULL` matches an empty field.
///
/// ```
/// let filter = ivvy::Filter::new().field("externalId", "CRM-00001");
/// assert_eq!(filter.get("externalId"), Some("CRM-00001"));
/// let none = ivvy::Filter::new();
/// assert!(none.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Filter {
    fields: Vec<(String, String)>,
}

impl Filter {
    /// No filter: every result.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` (a field, optionally with a modifier) with its value;
    /// a key given twice keeps the last value.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.fields.retain(|(k, _)| *k != key);
        self.fields.push((key, value.into()));
        self
    }

    /// The value for `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The filter as the request's JSON object.
    pub(crate) fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect()
    }
}
