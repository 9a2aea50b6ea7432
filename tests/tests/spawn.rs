//! Every public async operation of `ivvy` can be spawned on a
//! multi-threaded runtime with owned inputs, as a service (a background
//! job, a web handler, a queue worker) spawns it. This file does not build
//! if one cannot; run, each spawned operation also succeeds.

use futures::TryStreamExt;
use ivvy::{BulkOptions, Filter, NewContact, PeopleOptions, Person};
use ivvy_mock::{MockConfig, MockServer};

type Spawned = tokio::task::JoinHandle<Result<(), ivvy::Error>>;

fn bulk() -> BulkOptions {
    BulkOptions::new()
}

/// Finding people, and adding the missing.
fn add() -> PeopleOptions {
    PeopleOptions::new().create_missing(true)
}

/// Finding people only.
fn find() -> PeopleOptions {
    PeopleOptions::new()
}

fn people() -> Vec<Person> {
    vec![
        Person::by_external_id("CRM-00001"),
        Person::by_email("spawned@example.test").named("Spawned", "Person"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_operation_can_be_spawned() {
    let server = MockServer::start(MockConfig::new())
        .await
        .expect("server starts");
    let client = server.client_builder().build().expect("client");
    let mut spawned: Vec<(&str, Spawned)> = Vec::new();
    macro_rules! spawn {
        ($name:literal, |$c:ident| $body:expr) => {{
            let $c = client.clone();
            spawned.push(($name, tokio::spawn(async move { $body })));
        }};
    }
    spawn!("ping", |c| c.ping().await.map(drop));
    spawn!("event", |c| c.event(1).await.map(drop));
    spawn!("event_by_code", |c| c
        .event_by_code("LAUNCH26")
        .await
        .map(drop));
    spawn!("add_contact", |c| {
        let new = NewContact::new("New", "Contact", "new.contact@example.test");
        c.add_contact(&new).await.map(drop)
    });
    spawn!("invite_contacts", |c| c
        .invite_contacts(1, [1, 2])
        .await
        .map(drop));
    spawn!("invite_many", |c| c
        .invite_many(2, [1, 2], &bulk())
        .await
        .map(drop));
    spawn!("invite_each", |c| c
        .invite_each(3, [1, 2], &bulk())
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    spawn!("plan_invites + invite_planned", |c| {
        let plan = c.plan_invites(4, [1, 2], &bulk()).await?;
        c.invite_planned(plan, &bulk())
            .try_collect::<Vec<_>>()
            .await
            .map(drop)
    });
    spawn!("resolve_people", |c| c
        .resolve_people(people(), &find())
        .await
        .map(drop));
    spawn!("invite_people", |c| c
        .invite_people(5, people(), &add())
        .await
        .map(drop));
    spawn!("invite_people_each", |c| c
        .invite_people_each(6, people(), &find())
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    spawn!("plan_people + invite_people_planned", |c| {
        let plan = c.plan_people(7, people(), &find()).await?;
        c.invite_people_planned(plan, &find())
            .try_collect::<Vec<_>>()
            .await
            .map(drop)
    });
    spawn!("batch_invitations", |c| {
        let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = ids.clone();
        let options = bulk()
            .batch(true)
            .on_batch(move |_, id, _| seen.lock().expect("lock").push(id.to_string()));
        c.invite_many(9, [1, 2], &options).await?;
        let id = ids.lock().expect("lock")[0].clone();
        c.batch_invitations(&id, &options).await.map(drop)
    });
    spawn!("answers", |c| c
        .answers(8, people(), &find())
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    spawn!("contacts", |c| c
        .contacts(Filter::new())
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    spawn!("events", |c| c
        .events(Filter::new())
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    spawn!("invited_contacts", |c| c
        .invited_contacts(1, None)
        .try_collect::<Vec<_>>()
        .await
        .map(drop));
    for (name, handle) in spawned {
        let result = handle
            .await
            .unwrap_or_else(|e| panic!("{name} panicked: {e}"));
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}
