//! The reason codes of the table in [`InviteStatus`](super::InviteStatus)'s
//! documentation that are not an error's, and the words that go with the
//! reasons a person cannot be added. A leaf: the people modules take
//! their words from here.

pub(crate) const LINKS_UNKNOWN: &str = "links_unknown";
pub(crate) const REFUSED: &str = "refused";
pub(crate) const NOT_IN_ACCOUNT: &str = "not_in_account";
pub(crate) const SEVERAL_MATCH: &str = "several_match";
pub(crate) const NO_EXTERNAL_ID_OR_EMAIL: &str = "no_external_id_or_email";
pub(crate) const STOPPED: &str = "stopped";

/// Why a person cannot be added: the code, and the words.
pub(crate) const MISSING_FIELDS: (&str, &str) = (
    "missing_fields",
    "not in the account; adding a contact needs an email, a first and a last name",
);
pub(crate) const BAD_EMAIL: (&str, &str) = (
    "bad_email",
    "not in the account; the email is not an address, so it cannot be added",
);
pub(crate) const EMAIL_IN_DOUBT: (&str, &str) = (
    "email_in_doubt",
    "not added: adding a contact with this email just failed, and adding again could make a second one",
);
const CANNOT_ADD: [(&str, &str); 3] = [MISSING_FIELDS, BAD_EMAIL, EMAIL_IN_DOUBT];

/// The code of a [`Resolution::CannotAdd`](crate::Resolution::CannotAdd)'s words.
pub(crate) fn cannot_add_code(words: &str) -> &'static str {
    CANNOT_ADD
        .iter()
        .find(|(_, w)| *w == words)
        .map_or(MISSING_FIELDS.0, |(code, _)| code)
}

/// The words of a cannot-add code.
#[cfg(feature = "serde")]
pub(crate) fn cannot_add_words(code: &str) -> Option<&'static str> {
    CANNOT_ADD.iter().find(|(c, _)| *c == code).map(|(_, w)| *w)
}
