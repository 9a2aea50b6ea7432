//! The shape of every iVvy call's path: `/api/{version}/{namespace}?action={action}`.
//!
//! One parser for the client (the version it signs), the fake server (its
//! routing) and the code generator (its check of the spec's path keys).

use std::fmt;

/// A call's path and query, e.g. `/api/1.0/event?action=inviteContacts`.
///
/// ```
/// let path = ivvy_iws::RpcPath::parse("/api/1.0/event?action=inviteContacts")?;
/// assert_eq!((path.version, path.namespace, path.action), ("1.0", "event", "inviteContacts"));
/// assert_eq!(path.to_string(), "/api/1.0/event?action=inviteContacts");
/// # Ok::<(), ivvy_iws::PathError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcPath<'a> {
    /// `1.0`: digits separated by dots.
    pub version: &'a str,
    /// The namespace, e.g. `event`: ASCII letters and digits.
    pub namespace: &'a str,
    /// The action, e.g. `inviteContacts`: ASCII letters and digits.
    pub action: &'a str,
}

/// Why a path is not of the form `/api/{version}/{namespace}?action={action}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathError {
    /// There is no query, or it has no `action=` parameter.
    NoAction,
    /// The `action` parameter is empty or not a plain word.
    BadAction(String),
    /// The part before the query is not `/api/{version}/{namespace}`.
    BadRoute,
    /// The version is not digits separated by dots.
    BadVersion(String),
    /// The namespace is empty or not a plain word.
    BadNamespace(String),
    /// The query has more than `action=` (only [`RpcPath::parse_exact`]
    /// refuses this).
    NotExact,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("is not of the form /api/{version}/{namespace}?action={action}: ")?;
        match self {
            PathError::NoAction => f.write_str("no ?action="),
            PathError::BadAction(action) => write!(f, "`{action}` is not an action name"),
            PathError::BadRoute => f.write_str("the route must be /api/{version}/{namespace}"),
            PathError::BadVersion(version) => {
                write!(f, "`{version}` is not a version such as 1.0")
            }
            PathError::BadNamespace(namespace) => {
                write!(f, "`{namespace}` is not a namespace name")
            }
            PathError::NotExact => f.write_str("the query must be exactly action={action}"),
        }
    }
}

impl std::error::Error for PathError {}

impl<'a> RpcPath<'a> {
    /// Parses a path and query as sent. Other query parameters may stand
    /// beside `action`; [`Display`](fmt::Display) gives the canonical form
    /// with `action` alone.
    pub fn parse(path_and_query: &'a str) -> Result<Self, PathError> {
        let (route, query) = path_and_query.split_once('?').ok_or(PathError::NoAction)?;
        let action = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("action="))
            .ok_or(PathError::NoAction)?;
        if !is_word(action) {
            return Err(PathError::BadAction(action.to_string()));
        }
        let mut segments = route.split('/');
        let (Some(""), Some("api"), Some(version), Some(namespace), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(PathError::BadRoute);
        };
        let version_ok = version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
        if !version_ok {
            return Err(PathError::BadVersion(version.to_string()));
        }
        if !is_word(namespace) {
            return Err(PathError::BadNamespace(namespace.to_string()));
        }
        Ok(Self {
            version,
            namespace,
            action,
        })
    }
}

impl<'a> RpcPath<'a> {
    /// Parses a path written in the canonical form only, as a spec's path
    /// keys are: `action` is the query's one parameter.
    pub fn parse_exact(path: &'a str) -> Result<Self, PathError> {
        let parsed = Self::parse(path)?;
        if parsed.to_string() == path {
            Ok(parsed)
        } else {
            Err(PathError::NotExact)
        }
    }
}

impl fmt::Display for RpcPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/api/{}/{}?action={}",
            self.version, self.namespace, self.action
        )
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_and_tolerates_other_parameters() {
        let path = RpcPath::parse("/api/1.0/test?x=1&action=ping").expect("parses");
        assert_eq!(path.namespace, "test");
        assert_eq!(path.action, "ping");
        assert_eq!(path.to_string(), "/api/1.0/test?action=ping");
        assert_eq!(
            RpcPath::parse_exact("/api/1.0/test?x=1&action=ping"),
            Err(PathError::NotExact)
        );
        assert!(RpcPath::parse_exact("/api/1.0/test?action=ping").is_ok());
    }

    #[test]
    fn names_what_is_wrong() {
        let cases = [
            ("/api/1.0/test", PathError::NoAction),
            ("/api/1.0/test?other=1", PathError::NoAction),
            ("/api/1.0/test?action=", PathError::BadAction(String::new())),
            (
                "/api/1.0/test?action=a_b",
                PathError::BadAction("a_b".into()),
            ),
            ("/api/1.0/test/extra?action=ping", PathError::BadRoute),
            ("/v1/test?action=ping", PathError::BadRoute),
            (
                "/api/v1/test?action=ping",
                PathError::BadVersion("v1".into()),
            ),
            (
                "/api/1./test?action=ping",
                PathError::BadVersion("1.".into()),
            ),
            (
                "/api/1.0/?action=ping",
                PathError::BadNamespace(String::new()),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(RpcPath::parse(path), Err(expected), "{path}");
        }
        assert_eq!(
            PathError::BadVersion("v1".into()).to_string(),
            "is not of the form /api/{version}/{namespace}?action={action}: `v1` is not a version such as 1.0"
        );
    }
}
