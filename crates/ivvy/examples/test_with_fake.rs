//! Testing your own code against the fake iVvy server: start it in the
//! test, seed what the account already holds, inject a fault, run your
//! code, and assert on what iVvy would have recorded. The README's
//! "Testing your own code" section is this file.
//!
//! ```sh
//! cargo run -p ivvy --example test_with_fake
//! ```
//!
//! In your own crate, as a dev-dependency (the `client` feature gives
//! `MockServer::client_builder` and lets the server take `ivvy`'s types):
//!
//! ```toml
//! [dev-dependencies]
//! ivvy-mock = { path = "../ivvy-rs/crates/ivvy-mock", default-features = false, features = ["client"] }
//! ```

use ivvy_mock::{Faults, MockConfig, MockServer};

/// The code under test: a service's sync, which invites the contacts its
/// CRM says should come.
async fn sync_invitations(client: &ivvy::Client, event_code: &str) -> Result<usize, ivvy::Error> {
    let event = client.event_by_code(event_code).await?;
    // Waits are for real iVvy; against the fake server they only slow
    // the test down.
    let options = ivvy::BulkOptions::for_tests().chunk_size(2);
    let report = client
        .invite_many(event.id, [1, 2, 3, 4, 5], &options)
        .await?;
    Ok(report.not_invited().count())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every 2nd invite fails with a 500 after doing its work: the
    // ambiguous case a sync must not turn into a second invitation.
    let faults = Faults::new().fail_after_work_every(2);
    let server = MockServer::start(MockConfig::new().faults(faults)).await?;
    let launch = server.event_id("LAUNCH26").expect("a sample event");
    assert_eq!(launch, ivvy_mock::account::LAUNCH26);
    // Contact 1 was invited before; contact 2 has said yes.
    server.seed_invitations(launch, [1, 2]);
    server.set_answer(launch, 2, ivvy::Answer::Yes);

    let client = server.client_builder().build()?;
    let missing = sync_invitations(&client, "LAUNCH26").await?;

    assert_eq!(missing, 0, "everyone is invited");
    assert_eq!(server.max_invite_count(), 1, "nobody was invited twice");
    assert_eq!(server.invitations(launch).len(), 5);
    let answered: Vec<_> = server
        .invitations(launch)
        .into_iter()
        .filter(|i| i.answer == ivvy_mock::state::Answer::Yes)
        .map(|i| i.contact)
        .collect();
    assert_eq!(answered, [2], "the seeded answer is kept");
    server.stop().await;
    println!("ok: 5 invited once each, through every 2nd invite failing after its work");
    Ok(())
}
