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

impl Filter {
    /// Whether a listed row belongs: every field of the filter without a
    /// modifier (`__BEGINS` and the like are iVvy's to apply) must have the
    /// value asked for, trimmed and without regard to case (`ISNULL`: no
    /// value). `field` gives the row's value of a field, `None` for a field
    /// this check does not know (not checked). Why not, when not.
    pub(crate) fn admits(
        &self,
        field: impl Fn(&str) -> Option<Option<String>>,
    ) -> Result<(), String> {
        for (key, wanted) in &self.fields {
            if key.contains("__") {
                continue;
            }
            let Some(have) = field(key) else { continue };
            let have = have.unwrap_or_default();
            let matches = if wanted == "ISNULL" {
                have.trim().is_empty()
            } else {
                have.trim().eq_ignore_ascii_case(wanted.trim())
            };
            if !matches {
                return Err(format!(
                    "{key} is {:?}, not {:?} as the filter asked",
                    crate::transport::excerpt::escaped(&have),
                    crate::transport::excerpt::escaped(wanted)
                ));
            }
        }
        Ok(())
    }

    /// The rows of `rows` that the filter admits; the others are dropped
    /// with a warning (iVvy ignored or misapplied the filter), never
    /// trusted.
    pub(crate) fn keep<T, S>(
        self,
        kind: &'static str,
        rows: S,
        field: fn(&T, &str) -> Option<Option<String>>,
    ) -> impl futures::Stream<Item = Result<T, crate::error::Error>> + Send + 'static
    where
        T: Send + 'static,
        S: futures::Stream<Item = Result<T, crate::error::Error>> + Send + 'static,
    {
        use futures::TryStreamExt;
        rows.try_filter(move |row| {
            let admitted = self.admits(|key| field(row, key));
            if let Err(why) = &admitted {
                tracing::warn!(kind, "dropped a row the filter should have kept out: {why}");
            }
            std::future::ready(admitted.is_ok())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_against_the_filters_plain_fields() {
        let filter = Filter::new()
            .field("email", "Ann@X.test")
            .field("code__BEGINS", "LA")
            .field("externalId", "ISNULL");
        let row = |email: &str, external: Option<&str>| {
            let (email, external) = (email.to_string(), external.map(String::from));
            move |key: &str| match key {
                "email" => Some(Some(email.clone())),
                "externalId" => Some(external.clone()),
                _ => None,
            }
        };
        assert!(filter.admits(row(" ann@x.test", None)).is_ok());
        assert!(filter.admits(row("bob@x.test", None)).is_err());
        assert!(filter.admits(row("ann@x.test", Some("CRM-1"))).is_err());
    }
}
