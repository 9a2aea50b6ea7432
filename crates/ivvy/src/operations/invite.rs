//! Inviting contacts to an event in one request: checking the ids, the
//! request itself, and matching the reply back to the contacts sent
//! ([`Invitation`], [`Outcome`], [`InviteLinks`]).

use std::sync::Arc;

use ivvy_api::types::{InviteContactsReply, InviteContactsRequest};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::ids::{ContactId, EventId, HashMap, IntoId};
use crate::operations::checks::{checked_event, distinct_contacts};
use crate::operations::loose;
use crate::transport::call::CallInfo;

/// The links a contact follows to answer an invitation.
///
/// Kept as the text iVvy sent, checked to be absolute `http(s)` URLs; parse
/// one into a [`Url`] when you need its parts. (Parsing every link of a long
/// run up front was the largest cost of a bulk invite, and most links only
/// go into an email as text.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InviteLinks {
    yes: String,
    no: String,
}

// Read back through the same check as a reply's links.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for InviteLinks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            yes: String,
            no: String,
        }
        let raw = Raw::deserialize(d)?;
        InviteLinks::new(raw.yes, raw.no).ok_or_else(|| {
            serde::de::Error::custom(
                "the links are not absolute http(s) URLs without control characters",
            )
        })
    }
}

impl InviteLinks {
    /// Checks that both links look like absolute `http(s)` URLs.
    pub fn new(yes: String, no: String) -> Option<Self> {
        (looks_like_url(&yes) && looks_like_url(&no)).then_some(Self { yes, no })
    }

    /// The link that answers yes.
    pub fn yes(&self) -> &str {
        &self.yes
    }

    /// The link that answers no.
    pub fn no(&self) -> &str {
        &self.no
    }

    /// The yes link, parsed.
    pub fn yes_url(&self) -> Result<Url, url::ParseError> {
        Url::parse(&self.yes)
    }

    /// The no link, parsed.
    pub fn no_url(&self) -> Result<Url, url::ParseError> {
        Url::parse(&self.no)
    }
}

/// An absolute http(s) URL with a host and no spaces, control characters
/// or bidi marks (a link that could rewrite a terminal or hide its target
/// is unusable). Runs for every link of a bulk run, so ASCII links take a
/// branch-free pass and only others are read as characters.
fn looks_like_url(link: &str) -> bool {
    let after = |scheme: &str| {
        link.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &link.as_bytes()[scheme.len()..])
    };
    let Some(rest) = after("https://").or_else(|| after("http://")) else {
        return false;
    };
    let has_host = rest
        .first()
        .is_some_and(|b| !matches!(b, b'/' | b'?' | b'#'));
    let ascii_clean = link
        .bytes()
        .fold(true, |ok, b| ok & (b > b' ') & (b < 0x7f));
    let clean = ascii_clean
        || link
            .chars()
            .all(|c| !c.is_whitespace() && !crate::transport::excerpt::is_unsafe_char(c));
    has_host && clean
}

/// What became of one contact.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// iVvy invited the contact and gave the answer links.
    Invited(InviteLinks),
    /// The contact was already invited before this run (found among the
    /// event's invitations); nothing was sent for it.
    AlreadyInvited,
    /// The contact is invited, but the links are not known: iVvy's reply
    /// lacked them, or the invitation was found while reconciling after a
    /// failed request.
    InvitedLinksUnknown,
    /// iVvy did not invite the contact (for example, no such contact).
    NotInvited,
    /// The request for this contact failed; the contact was not invited.
    Failed(Arc<Error>),
    /// Whether the contact was invited is not known: its request was in
    /// flight when the work was cancelled, or could not be reconciled.
    Unknown(Arc<Error>),
    /// Never sent: the run stopped first (interrupted, or its retry budget
    /// spent). The contact is not invited by this run.
    NotSent(Arc<Error>),
}

impl Outcome {
    /// True when the contact is known to be invited.
    pub fn is_invited(&self) -> bool {
        matches!(
            self,
            Outcome::Invited(_) | Outcome::InvitedLinksUnknown | Outcome::AlreadyInvited
        )
    }

    /// The error, for [`Outcome::Failed`], [`Outcome::Unknown`] and
    /// [`Outcome::NotSent`].
    pub fn error(&self) -> Option<&Error> {
        match self {
            Outcome::Failed(e) | Outcome::Unknown(e) | Outcome::NotSent(e) => Some(e),
            _ => None,
        }
    }

    /// The answer links, when known.
    pub fn links(&self) -> Option<&InviteLinks> {
        match self {
            Outcome::Invited(links) => Some(links),
            _ => None,
        }
    }

    /// The outcome in words, for people: `invited`, `already invited`,
    /// `not invited`, `failed`, `unknown` or `not sent`. Programs use
    /// [`status`](Self::status), whose codes are stable.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Invited(_) | Outcome::InvitedLinksUnknown => "invited",
            Outcome::AlreadyInvited => "already invited",
            Outcome::NotInvited => "not invited",
            Outcome::Failed(_) => "failed",
            Outcome::Unknown(_) => "unknown",
            Outcome::NotSent(_) => "not sent",
        }
    }

    /// What a reader should know beside the outcome: why there are no
    /// links, or why the contact is not invited or its fate unknown.
    pub fn note(&self) -> Option<String> {
        match self {
            Outcome::AlreadyInvited => {
                Some("already invited before this run; links not known".into())
            }
            Outcome::InvitedLinksUnknown => Some("invited; links not known".into()),
            Outcome::Failed(e) => Some(e.to_string()),
            Outcome::Unknown(e) => Some(format!("outcome unknown: {e}")),
            Outcome::NotSent(e) => Some(match **e {
                Error::Cancelled => "not sent: interrupted".to_string(),
                ref other => format!("not sent: {other}"),
            }),
            Outcome::Invited(_) | Outcome::NotInvited => None,
        }
    }
}

/// One contact's outcome.
///
/// With the `serde` feature it is a flat record, as the `ivvy` command
/// prints it: `{"contact": 1, "status": "invited", "inviteLinkYes": "...",
/// "inviteLinkNo": "..."}`, with the `reason` code, the `error`'s message
/// and a `note` in words when there are any (see
/// [`InviteStatus`](crate::InviteStatus) for the words).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Invitation {
    /// The contact.
    pub contact: ContactId,
    /// What became of it.
    pub outcome: Outcome,
}

impl Invitation {
    /// The contact's invitation with this outcome (as a record of an
    /// earlier run reads back, say).
    pub fn new(contact: ContactId, outcome: Outcome) -> Self {
        Self { contact, outcome }
    }
}

/// One invite request's results matched to the contacts sent.
#[derive(Debug)]
pub(crate) struct Matched {
    /// One per contact sent, in order: its outcome, when the reply gave one.
    pub(crate) outcomes: Vec<Option<Outcome>>,
    /// Results for contacts not sent, or listed twice (0 for one whose id
    /// cannot be read).
    pub(crate) unexpected: Vec<i64>,
}

impl Matched {
    /// The contacts sent that got no result.
    pub(crate) fn missing(&self, sent: &[ContactId]) -> Vec<ContactId> {
        sent.iter()
            .zip(&self.outcomes)
            .filter(|(_, o)| o.is_none())
            .map(|(c, _)| *c)
            .collect()
    }

    /// The mismatch, when the reply does not give every contact sent
    /// exactly one result: said, never dropped silently.
    pub(crate) fn mismatch(&self, sent: &[ContactId]) -> Option<Error> {
        let missing = self.missing(sent);
        (!missing.is_empty() || !self.unexpected.is_empty()).then(|| Error::ReplyMismatch {
            missing,
            unexpected: self.unexpected.clone(),
        })
    }
}

/// Pairs each sent contact with its result, by contact id (in order when
/// the reply keeps it). A result for a contact not sent, or a second one,
/// is set aside as unexpected; a contact without a result has none. The
/// results that do match keep their links whatever the others do.
pub(crate) fn match_results(sent: &[ContactId], reply: InviteContactsReply) -> Matched {
    let contact_of = |r: &ivvy_api::types::InviteResult| {
        r.contact
            .as_ref()
            .and_then(loose::integer)
            .and_then(|n| u64::try_from(n).ok())
    };
    // iVvy answers in the order it was asked: check that first, and fall
    // back to matching by id only when the order differs.
    let in_order = reply.results.len() == sent.len()
        && reply
            .results
            .iter()
            .zip(sent)
            .all(|(r, c)| contact_of(r) == Some(c.get()));
    if in_order {
        return Matched {
            outcomes: reply
                .results
                .into_iter()
                .map(|r| Some(outcome_of(r.status, r.invite_link_yes, r.invite_link_no)))
                .collect(),
            unexpected: Vec::new(),
        };
    }
    let position: HashMap<u64, usize> =
        sent.iter().enumerate().map(|(i, c)| (c.get(), i)).collect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; sent.len()];
    let mut unexpected = Vec::new();
    for result in reply.results {
        let id = contact_of(&result);
        let slot = id
            .and_then(|id| position.get(&id))
            .map(|&i| &mut outcomes[i]);
        match slot {
            Some(slot @ None) => {
                *slot = Some(outcome_of(
                    result.status,
                    result.invite_link_yes,
                    result.invite_link_no,
                ));
            }
            // not sent, or listed twice
            _ => unexpected.push(id.and_then(|id| i64::try_from(id).ok()).unwrap_or(0)),
        }
    }
    Matched {
        outcomes,
        unexpected,
    }
}

fn outcome_of(invited: bool, yes: Option<String>, no: Option<String>) -> Outcome {
    if !invited {
        return Outcome::NotInvited;
    }
    match yes.zip(no).and_then(|(yes, no)| InviteLinks::new(yes, no)) {
        Some(links) => Outcome::Invited(links),
        None => {
            tracing::warn!("iVvy invited a contact but gave no usable answer links");
            Outcome::InvitedLinksUnknown
        }
    }
}

impl Client {
    /// Invites contacts to an event in one request.
    ///
    /// Ids are checked before anything is sent (event and contacts from 1,
    /// at least one contact) and repeated contacts are sent once. Returns one
    /// [`Invitation`] per distinct contact, in the order given. A contact
    /// the reply leaves out is [`Outcome::Unknown`] (with
    /// [`Error::ReplyMismatch`]); the others keep their results and links
    /// (a result for a contact not sent is set aside, with a warning). For
    /// long lists use [`invite_many`](Client::invite_many), which splits,
    /// retries, checks what a mismatch leaves in doubt, and never invites a
    /// contact twice.
    ///
    /// ```no_run
    /// # async fn run(client: ivvy::Client) -> Result<(), ivvy::Error> {
    /// for invitation in client.invite_contacts(4, [1, 2, 3]).await? {
    ///     match invitation.outcome.links() {
    ///         Some(links) => println!("{}: yes {}", invitation.contact, links.yes()),
    ///         None => println!("{}: {}", invitation.contact, invitation.outcome.word()),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn invite_contacts(
        &self,
        event: impl IntoId<EventId>,
        contacts: impl IntoIterator<Item = impl IntoId<ContactId>>,
    ) -> Result<Vec<Invitation>, Error> {
        let event = checked_event(event)?;
        let contacts = distinct_contacts(contacts)?;
        let matched = self.send_invites(event, &contacts, 1).await?;
        // A contact the reply left out may or may not be invited: said so,
        // with the mismatch; the others keep their results.
        let mismatch = matched.mismatch(&contacts).map(Arc::new);
        if let Some(mismatch) = &mismatch {
            tracing::warn!(%mismatch, "the results that match are kept");
        }
        Ok(contacts
            .into_iter()
            .zip(matched.outcomes)
            .map(|(contact, outcome)| Invitation {
                contact,
                outcome: outcome.unwrap_or_else(|| {
                    Outcome::Unknown(
                        mismatch
                            .clone()
                            .unwrap_or_else(|| Arc::new(Error::Cancelled)),
                    )
                }),
            })
            .collect())
    }

    /// One inviteContacts request for checked, distinct contacts; the
    /// results matched to them. `attempt` is for its tracing span.
    pub(crate) async fn send_invites(
        &self,
        event: EventId,
        contacts: &[ContactId],
        attempt: u32,
    ) -> Result<Matched, Error> {
        let body = InviteContactsRequest {
            event: event.non_zero(),
            contacts: contacts.iter().map(|c| c.non_zero()).collect(),
        };
        let info = CallInfo::new("inviteContacts", attempt)
            .event(event)
            .contacts(contacts.len());
        let reply = self
            .call(info, || self.shared.api.invite_contacts(&body))
            .await?;
        Ok(match_results(contacts, reply))
    }
}

#[cfg(test)]
mod tests {
    use ivvy_api::types::InviteResult;

    use super::*;

    fn ids(ids: &[u64]) -> Vec<ContactId> {
        ids.iter()
            .map(|&i| ContactId::new(i).expect("valid"))
            .collect()
    }

    fn result(contact: i64, status: bool) -> InviteResult {
        InviteResult {
            contact: Some(ivvy_api::types::LooseInteger::Int64(contact)),
            status,
            invite_link_yes: status.then(|| format!("https://x.test/{contact}/yes")),
            invite_link_no: status.then(|| format!("https://x.test/{contact}/no")),
        }
    }

    #[test]
    fn duplicates_are_dropped_keeping_first_position() {
        let got = distinct_contacts([3, 1, 3, 2, 1]).expect("valid");
        assert_eq!(got, ids(&[3, 1, 2]));
    }

    #[test]
    fn long_lists_with_repeats_keep_first_positions() {
        let input: Vec<i64> = (1..=100).chain(1..=100).chain([500, 1]).collect();
        let got = distinct_contacts(input).expect("valid");
        let expected: Vec<u64> = (1..=100).chain([500]).collect();
        assert_eq!(got.iter().map(|c| c.get()).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn bad_ids_and_empty_lists_are_named() {
        let e = distinct_contacts([1_i64, 2, 0]).expect_err("zero");
        assert_eq!(
            e.to_string(),
            "invalid input: contacts[2]: 0 is not a valid contact id: ids are whole numbers from 1 to 9223372036854775807"
        );
        let e = distinct_contacts(Vec::<i64>::new()).expect_err("empty");
        assert_eq!(
            e.to_string(),
            "invalid input: contacts: the list is empty; give at least one contact"
        );
        let e = checked_event(-4_i64).expect_err("negative");
        assert!(
            e.to_string()
                .starts_with("invalid input: event: -4 is not a valid event id"),
            "{e}"
        );
    }

    #[test]
    fn results_are_matched_by_contact_not_by_position() {
        let reply = InviteContactsReply {
            results: vec![result(2, false), result(1, true)],
        };
        let matched = match_results(&ids(&[1, 2]), reply);
        assert!(matched.mismatch(&ids(&[1, 2])).is_none());
        let outcomes = matched.outcomes;
        assert!(
            matches!(&outcomes[0], Some(Outcome::Invited(l)) if l.yes() == "https://x.test/1/yes")
        );
        assert!(matches!(outcomes[1], Some(Outcome::NotInvited)));
    }

    #[test]
    fn missing_extra_and_repeated_results_are_said_and_the_rest_keep_their_links() {
        let reply = InviteContactsReply {
            results: vec![
                result(1, true),
                result(1, true),
                result(9, true),
                InviteResult {
                    contact: Some(ivvy_api::types::LooseInteger::String("x".into())),
                    status: true,
                    invite_link_yes: None,
                    invite_link_no: None,
                },
            ],
        };
        let matched = match_results(&ids(&[1, 2]), reply);
        assert!(
            matches!(&matched.outcomes[0], Some(Outcome::Invited(l)) if l.yes() == "https://x.test/1/yes")
        );
        assert!(matched.outcomes[1].is_none());
        match matched.mismatch(&ids(&[1, 2])) {
            Some(Error::ReplyMismatch {
                missing,
                unexpected,
            }) => {
                assert_eq!(missing, ids(&[2]));
                assert_eq!(unexpected, vec![1, 9, 0]);
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        // A result given as a string of digits is that contact's.
        let reply = InviteContactsReply {
            results: vec![InviteResult {
                contact: Some(ivvy_api::types::LooseInteger::String("2".into())),
                ..result(2, false)
            }],
        };
        assert!(
            match_results(&ids(&[2]), reply)
                .mismatch(&ids(&[2]))
                .is_none()
        );
    }

    #[test]
    fn links_are_checked_and_parse_on_demand() {
        let links = InviteLinks::new("https://a.test/y?t=1".into(), "HTTP://a.test/n".into())
            .expect("valid");
        assert!(
            InviteLinks::new("https://bücher.test/ja".into(), "https://a.test/n".into()).is_some()
        );
        assert_eq!(
            links.yes_url().map(|u| u.host_str().map(str::to_string)),
            Ok(Some("a.test".into()))
        );
        for bad in [
            "",
            "a.test/y",
            "https://",
            "https:///path",
            "https://a.test/with space",
            "ftp://a.test/y",
            "mailto:x@a.test",
            "https://a.test/y\u{9b}2J",
            "https://a.test/y\u{202e}",
            "https://a.test/y\u{1b}[2J",
            "https://a.test/\u{a0}",
        ] {
            assert_eq!(
                InviteLinks::new(bad.into(), "https://a.test/n".into()),
                None,
                "{bad:?}"
            );
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn invitations_serialize_as_flat_records_with_the_status_code() {
        let links =
            InviteLinks::new("https://a.test/y".into(), "https://a.test/n".into()).expect("valid");
        let cases = [
            (
                Outcome::Invited(links.clone()),
                r#"{"contact":1,"status":"invited","inviteLinkYes":"https://a.test/y","inviteLinkNo":"https://a.test/n"}"#,
            ),
            (
                Outcome::NotInvited,
                r#"{"contact":1,"status":"not_invited","reason":"refused"}"#,
            ),
            (
                Outcome::AlreadyInvited,
                r#"{"contact":1,"status":"already_invited","reason":"links_unknown","note":"already invited before this run; links not known"}"#,
            ),
            (
                Outcome::Failed(Arc::new(Error::Cancelled)),
                r#"{"contact":1,"status":"failed","reason":"cancelled","error":"cancelled before the request finished","note":"cancelled before the request finished"}"#,
            ),
        ];
        for (outcome, json) in cases {
            let invitation = Invitation {
                contact: ContactId::new(1).expect("valid"),
                outcome,
            };
            assert_eq!(
                serde_json::to_string(&invitation).expect("serializes"),
                json
            );
            let back: Invitation = serde_json::from_str(json).expect("reads back");
            assert_eq!(serde_json::to_string(&back).expect("serializes"), json);
        }
        let back: InviteLinks =
            serde_json::from_str(r#"{"yes":"https://a.test/y","no":"https://a.test/n"}"#)
                .expect("reads");
        assert_eq!(back, links);
        assert!(serde_json::from_str::<InviteLinks>(r#"{"yes":"x","no":"y"}"#).is_err());
        assert!(serde_json::from_str::<ContactId>("0").is_err());
    }

    #[test]
    fn invited_without_usable_links_is_still_invited() {
        let mut r = result(1, true);
        r.invite_link_no = Some("not a url".into());
        let outcomes = match_results(&ids(&[1]), InviteContactsReply { results: vec![r] }).outcomes;
        assert!(matches!(outcomes[0], Some(Outcome::InvitedLinksUnknown)));
    }
}
