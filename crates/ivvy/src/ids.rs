//! Typed identifiers. They accept plain integers, and refuse ids that iVvy
//! can never hold (zero, negative, or beyond `i64::MAX`), before anything is
//! sent.

use std::convert::Infallible;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

/// Sets and maps of the caller's ids, with a fast hash: these keys come
/// from the caller's own list, not from a server, and long lists are hashed
/// 100,000 at a time. (Ids a server sends are kept in std's sets.)
pub(crate) type HashSet<T> = rustc_hash::FxHashSet<T>;
pub(crate) type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// An id that is not a valid iVvy id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value} is not a valid {kind} id: ids are whole numbers from 1 to {max}", max = i64::MAX)]
pub struct InvalidId {
    /// "event" or "contact".
    pub kind: &'static str,
    /// The value as given.
    pub value: String,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize), serde(transparent))]
        pub struct $name(NonZeroU64);

        // Read back as checked, so a file cannot hold an id iVvy could not.
        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = u64::deserialize(d)?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            /// The id, checked: from 1 to `i64::MAX`.
            pub fn new(value: u64) -> Result<Self, InvalidId> {
                match NonZeroU64::new(value) {
                    Some(id) if value <= i64::MAX as u64 => Ok(Self(id)),
                    _ => Err(InvalidId { kind: $kind, value: value.to_string() }),
                }
            }

            /// The id as a number.
            pub fn get(self) -> u64 {
                self.0.get()
            }

            pub(crate) fn non_zero(self) -> NonZeroU64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        // Every common integer type converts, checked. A plain literal
        // (`invite_contacts(4, [1, 2])`) falls back to i32, which is one
        // of them, so it needs no annotation.
        impl TryFrom<i64> for $name {
            type Error = InvalidId;
            fn try_from(value: i64) -> Result<Self, InvalidId> {
                u64::try_from(value)
                    .map_err(|_| InvalidId { kind: $kind, value: value.to_string() })
                    .and_then(Self::new)
            }
        }

        impl TryFrom<i32> for $name {
            type Error = InvalidId;
            fn try_from(value: i32) -> Result<Self, InvalidId> {
                Self::try_from(i64::from(value))
            }
        }

        impl TryFrom<u64> for $name {
            type Error = InvalidId;
            fn try_from(value: u64) -> Result<Self, InvalidId> {
                Self::new(value)
            }
        }

        impl TryFrom<u32> for $name {
            type Error = InvalidId;
            fn try_from(value: u32) -> Result<Self, InvalidId> {
                Self::new(u64::from(value))
            }
        }

        impl TryFrom<usize> for $name {
            type Error = InvalidId;
            fn try_from(value: usize) -> Result<Self, InvalidId> {
                u64::try_from(value)
                    .map_err(|_| InvalidId { kind: $kind, value: value.to_string() })
                    .and_then(Self::new)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.get()
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, InvalidId> {
                let invalid = || InvalidId { kind: $kind, value: format!("{text:?}") };
                let trimmed = text.trim();
                // u64 parsing accepts a leading '+'; an id is digits only.
                if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                let value: u64 = trimmed.parse().map_err(|_| invalid())?;
                Self::new(value).map_err(|_| invalid())
            }
        }
    };
}

id_type!(
    /// An iVvy event id.
    ///
    /// ```
    /// use ivvy::EventId;
    /// assert_eq!(EventId::try_from(4_i64).unwrap().get(), 4);
    /// assert_eq!(EventId::try_from(4_u64).unwrap().get(), 4);
    /// assert!(EventId::try_from(0_i32).is_err());
    /// assert!(EventId::try_from(-1_i64).is_err());
    /// assert!(EventId::try_from(u64::MAX).is_err());
    /// assert!("12".parse::<EventId>().is_ok());
    /// ```
    EventId,
    "event"
);
id_type!(
    /// An iVvy contact id.
    ContactId,
    "contact"
);

/// A value that can become an id of type `T`: an integer (checked), or the
/// id itself. Methods take `impl IntoId<EventId>` so plain literals work
/// (`invite_contacts(4, [1, 2, 3])`) and the bound is written once.
pub trait IntoId<T> {
    /// The id, checked.
    fn into_id(self) -> Result<T, InvalidId>;
}

impl<T, U> IntoId<T> for U
where
    U: TryInto<T>,
    U::Error: Into<InvalidId>,
{
    fn into_id(self) -> Result<T, InvalidId> {
        self.try_into().map_err(Into::into)
    }
}

/// Lets `TryInto<EventId>` bounds accept an `EventId` as well as integers.
impl From<Infallible> for InvalidId {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_integers() {
        assert_eq!(ContactId::try_from(7_i64).map(ContactId::get), Ok(7));
        assert_eq!(ContactId::new(1).map(ContactId::get), Ok(1));
        assert_eq!(
            ContactId::try_from(i64::MAX).map(ContactId::get),
            Ok(i64::MAX as u64)
        );
    }

    #[test]
    fn every_common_integer_type_converts_and_literals_need_no_annotation() {
        fn ids(list: impl IntoIterator<Item = impl IntoId<ContactId>>) -> Vec<u64> {
            list.into_iter()
                .map(|c| c.into_id().map(ContactId::get).expect("valid"))
                .collect()
        }
        assert_eq!(ids(vec![1_u64, 2]), [1, 2]);
        assert_eq!(ids([3_i64, 4]), [3, 4]);
        assert_eq!(ids([5_u32]), [5]);
        assert_eq!(ids([6_usize]), [6]);
        assert_eq!(ids([7]), [7], "a plain literal");
        assert_eq!(ids([ContactId::new(8).expect("valid")]), [8]);
        assert!(IntoId::<ContactId>::into_id(-1_i32).is_err());
        assert!(IntoId::<ContactId>::into_id(u64::MAX).is_err());
    }

    #[test]
    fn refuses_zero_negative_and_too_large() {
        for bad in [
            ContactId::new(0),
            ContactId::try_from(-3_i64),
            ContactId::new(u64::MAX),
        ] {
            let err = bad.expect_err("must be refused");
            assert_eq!(err.kind, "contact");
        }
        assert_eq!(
            EventId::try_from(0_i64).expect_err("zero").to_string(),
            "0 is not a valid event id: ids are whole numbers from 1 to 9223372036854775807"
        );
    }

    #[test]
    fn parses_digits_only() {
        assert_eq!("42".parse::<ContactId>().map(ContactId::get), Ok(42));
        assert_eq!(" 42 ".parse::<ContactId>().map(ContactId::get), Ok(42));
        for bad in ["", "+4", "-4", "4.0", "0", "abc", "99999999999999999999"] {
            assert!(bad.parse::<ContactId>().is_err(), "{bad:?} must be refused");
        }
    }
}
