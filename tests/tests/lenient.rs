//! Replies as real iVvy may send them, beside the spec's plainest reading
//! (the fake server's `ReplyShape`s): ids as strings, text as numbers,
//! answer letters in another case or unknown, nulls, rows without ids.
//! Against each, an invite run and a people run complete, and invite
//! nobody twice.

use std::time::Duration;

use futures::TryStreamExt;
use ivvy::{Answer, BulkOptions, PeopleOptions, Person};
use ivvy_mock::{Account, Faults, MockConfig, MockServer, NewContact, ReplyShape};

const EVENT: u64 = 2;

fn event() -> ivvy::EventId {
    ivvy::EventId::new(EVENT).expect("valid")
}

fn contacts(ids: impl IntoIterator<Item = u64>) -> Vec<ivvy::ContactId> {
    ids.into_iter()
        .map(|id| ivvy::ContactId::new(id).expect("valid"))
        .collect()
}

/// An account of 300 generated contacts plus three whose external ids are
/// digits (as a CRM's numeric keys are); returns the server and those
/// three contacts' ids.
async fn start(shape: ReplyShape) -> (MockServer, Vec<(String, u64)>) {
    let mut account = Account::generated(300);
    let numeric: Vec<(String, u64)> = ["12", "4711", "90210"]
        .into_iter()
        .map(|external| {
            let id = account.seed_contact(NewContact {
                first_name: "Numeric".into(),
                last_name: external.into(),
                email: format!("numeric{external}@example.test"),
                external_id: Some(external.into()),
            });
            (external.to_string(), id)
        })
        .collect();
    let config = MockConfig::new()
        .account(account)
        .faults(Faults::new().reply_shape(shape));
    let server = MockServer::start(config).await.expect("server starts");
    // Earlier invitations the already-invited read lists (those of
    // 200..240 that exist), so that a page has a tenth row.
    server.seed_invitations(EVENT, 200..240);
    (server, numeric)
}

fn options() -> BulkOptions {
    BulkOptions::new()
        .backoff(Duration::from_millis(1), Duration::from_millis(10))
        .consistency_window(Duration::ZERO)
}

const SHAPES: [ReplyShape; 5] = [
    ReplyShape::IdsAsStrings,
    ReplyShape::TextAsNumbers,
    ReplyShape::OddAnswers,
    ReplyShape::Nulls,
    ReplyShape::RowsWithoutIds,
];

#[tokio::test]
async fn an_invite_run_completes_against_every_shape_and_invites_nobody_twice() {
    for shape in SHAPES {
        let (server, _) = start(shape).await;
        let client = server.client_builder().build().expect("client");
        // 1 to 30, and 200 to 209 invited before.
        let report = client
            .invite_many(event(), contacts((1..=30).chain(200..210)), &options())
            .await
            .unwrap_or_else(|e| panic!("{shape:?}: {e}"));
        for invitation in &report.invitations {
            let contact = invitation.contact.get();
            let exists = !contact.is_multiple_of(7);
            // A contact whose result came without its id, when the
            // invitations cannot all be read either, is in doubt: said
            // unknown, never sent again.
            let in_doubt = matches!(invitation.outcome, ivvy::Outcome::Unknown(_))
                && shape == ReplyShape::RowsWithoutIds;
            assert_eq!(
                invitation.outcome.is_invited() || in_doubt,
                exists,
                "{shape:?}: {contact}: {:?}",
                invitation.outcome
            );
        }
        assert_eq!(server.max_invite_count(), 1, "{shape:?}");
        // The earlier invitations of the run's contacts were read as such
        // (the rows no client can read are of contacts 211 and later).
        let already = report
            .invitations
            .iter()
            .filter(|i| matches!(i.outcome, ivvy::Outcome::AlreadyInvited))
            .count();
        let seeded = server
            .invitations(EVENT)
            .iter()
            .filter(|r| (200..210).contains(&r.contact))
            .count();
        assert_eq!(already, seeded, "{shape:?}");
        // An invite result without its contact loses only its own links
        // (that contact is checked: found invited, or in doubt when rows
        // of the listing cannot be read either); the others keep theirs.
        // The one request's results are in the order sent: every tenth
        // of those contacts that exist comes without its id.
        let sent: Vec<u64> = report
            .invitations
            .iter()
            .filter(|i| !matches!(i.outcome, ivvy::Outcome::AlreadyInvited))
            .map(|i| i.contact.get())
            .collect();
        let links_unknown = report
            .invitations
            .iter()
            .filter(|i| {
                matches!(
                    i.outcome,
                    ivvy::Outcome::InvitedLinksUnknown | ivvy::Outcome::Unknown(_)
                )
            })
            .count();
        let without_ids = match shape {
            ReplyShape::RowsWithoutIds => sent
                .iter()
                .enumerate()
                .filter(|(i, c)| i % 10 == 9 && !c.is_multiple_of(7))
                .count(),
            _ => 0,
        };
        assert!(without_ids > 0 || shape != ReplyShape::RowsWithoutIds);
        assert_eq!(
            links_unknown,
            without_ids,
            "{shape:?}: {:?}",
            report
                .invitations
                .iter()
                .map(|i| (i.contact.get(), i.outcome.word()))
                .collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_people_run_completes_against_every_shape_and_numeric_ids_match_as_text() {
    for shape in SHAPES {
        let (server, numeric) = start(shape).await;
        let client = server.client_builder().build().expect("client");
        let mut people: Vec<Person> = numeric
            .iter()
            .map(|(external, _)| Person::by_external_id(external.clone()))
            .collect();
        people.push(Person::by_external_id("CRM-00001"));
        people.push(Person::by_email("person2@example.test"));
        people.push(Person::by_email("new.one@example.test").named("New", "One"));
        let options = PeopleOptions::new().create_missing(true).bulk(options());
        let report = client
            .invite_people(event(), people, &options)
            .await
            .unwrap_or_else(|e| panic!("{shape:?}: {e}"));
        // With rows of the account that no client can read, a person not
        // found may be one of them: not added (never twice), and said so.
        let unreadable = shape == ReplyShape::RowsWithoutIds;
        let not_invited: Vec<_> = report.not_invited().collect();
        if unreadable {
            assert_eq!(not_invited.len(), 1, "{shape:?}: {not_invited:?}");
            assert!(
                not_invited[0]
                    .note()
                    .is_some_and(|n| n.contains("could not be read")),
                "{not_invited:?}"
            );
        } else {
            assert!(not_invited.is_empty(), "{shape:?}: {not_invited:?}");
        }
        for ((_, id), row) in numeric.iter().zip(&report.rows) {
            assert_eq!(row.contact().map(|c| c.get()), Some(*id), "{shape:?}");
        }
        assert_eq!(server.created_count(), u64::from(!unreadable), "{shape:?}");
        assert_eq!(server.max_invite_count(), 1, "{shape:?}");
    }
}

/// An event whose invitations hold an answer iVvy may add: it still takes
/// invites, and lists the answer as it came.
#[tokio::test]
async fn an_unknown_answer_is_listed_as_it_came_and_the_event_still_takes_invites() {
    let (server, _) = start(ReplyShape::OddAnswers).await;
    let client = server.client_builder().build().expect("client");
    let listed: Vec<ivvy::InvitedContact> = client
        .invited_contacts(event(), None)
        .try_collect()
        .await
        .expect("the listing reads");
    assert_eq!(listed.len(), server.invitations(EVENT).len());
    // Contacts yet to answer whose id is a multiple of 5 answer "M".
    for invitation in &listed {
        let want = if invitation.contact.get().is_multiple_of(5) {
            Answer::Other("M".into())
        } else {
            Answer::Undecided
        };
        assert_eq!(invitation.answer, want, "{}", invitation.contact);
    }
    let report = client
        .invite_many(event(), contacts([1, 2, 3]), &options())
        .await
        .expect("the run ends");
    assert!(report.all_invited());
}

/// Rows that cannot be read are skipped one by one: the rest of the
/// listing is read, and its length still adds up.
#[tokio::test]
async fn rows_without_ids_are_skipped_and_the_rest_read() {
    let (server, _) = start(ReplyShape::RowsWithoutIds).await;
    let client = server
        .client_builder()
        .page_size(20)
        .build()
        .expect("client");
    let listed: Vec<ivvy::InvitedContact> = client
        .invited_contacts(event(), None)
        .try_collect()
        .await
        .expect("the listing reads");
    // Pages of 20: the tenth and twentieth row of each are unreadable.
    let total = server.invitations(EVENT).len();
    let unreadable = (0..total).filter(|i| (i % 20) % 10 == 9).count();
    assert!(unreadable >= 3);
    assert_eq!(listed.len(), total - unreadable);
}

/// A server that lists another event's invitations when asked for this
/// one: its rows are dropped (each says its eventId), never taken as this
/// event's, so the contacts are invited, once.
#[tokio::test]
async fn another_events_rows_are_never_taken_for_this_ones() {
    let mut faults = Faults::new();
    faults.lists_event = Some(1);
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    server.seed_invitations(1, [1, 2, 3]);
    let client = server.client_builder().build().expect("client");
    let report = client
        .invite_many(event(), contacts([1, 2, 3]), &options())
        .await
        .expect("the run ends");
    for invitation in &report.invitations {
        assert!(
            matches!(invitation.outcome, ivvy::Outcome::Invited(_)),
            "{}: {:?}",
            invitation.contact,
            invitation.outcome
        );
        assert_eq!(server.invite_count(EVENT, invitation.contact.get()), 1);
    }
}

/// A server that ignores the answer filter: the rows with another answer
/// are dropped, so `--answer yes` lists only yeses.
#[tokio::test]
async fn rows_a_filter_should_have_kept_out_are_dropped() {
    let mut faults = Faults::new();
    faults.ignore_listing_filters = true;
    let server = MockServer::start(MockConfig::new().faults(faults))
        .await
        .expect("server starts");
    server.seed_invitations(EVENT, [1, 2, 3]);
    server.set_answer(EVENT, 2, ivvy_mock::state::Answer::Yes);
    let client = server.client_builder().build().expect("client");
    let yes: Vec<ivvy::InvitedContact> = client
        .invited_contacts(event(), Some(Answer::Yes))
        .try_collect()
        .await
        .expect("the listing reads");
    let contacts: Vec<u64> = yes.iter().map(|i| i.contact.get()).collect();
    assert_eq!(contacts, [2]);
}
