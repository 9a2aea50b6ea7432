//! `ivvy demo`: the whole flow on a built-in fake server, no credentials.

use std::collections::HashMap;

use futures::TryStreamExt;
use ivvy::BulkOptions;
use ivvy_mock::{MockConfig, MockServer};

use crate::args::Format;
use crate::error::CliError;
use crate::results::{InviteRow, Invited, Invites, ResultWriter};

const EVENT: i64 = 4;
/// Contacts 1, 2 and 3 exist on the fake server; 7 does not.
const CONTACTS: [i64; 4] = [1, 2, 3, 7];

pub async fn run() -> Result<(), CliError> {
    let server = MockServer::start(MockConfig::new()).await?;
    let client = server.client_builder().build()?;
    println!(
        "Started a fake iVvy server at {} (it checks signatures like iVvy).",
        server.base_url()
    );

    let server_time = client.ping().await?;
    println!(
        "ping: credentials accepted; iVvy's time is {} UTC",
        ivvy_iws::timestamp::format(server_time)
    );

    println!("\nInviting contacts 1, 2, 3 and 7 (7 does not exist) to event {EVENT}:");
    let report = client
        .invite_many(EVENT, CONTACTS, &BulkOptions::new())
        .await?;
    let no_earlier = HashMap::new();
    table_of_invitations(&report.invitations, &no_earlier)?;

    // Answer as contacts would, by opening their links.
    let http = reqwest::Client::new();
    for (invitation, pick_yes) in report.invitations.iter().zip([true, false]) {
        if let Some(links) = invitation.outcome.links() {
            let link = if pick_yes { links.yes() } else { links.no() };
            http.get(link)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| CliError::Failed(format!("could not open {link}: {e}")))?;
        }
    }
    println!("\nContact 1 opened its yes link, contact 2 its no link. The invitations now:");
    let invited: Vec<ivvy::InvitedContact> =
        client.invited_contacts(EVENT, None).try_collect().await?;
    let mut table =
        ResultWriter::<_, Invited>::start(std::io::stdout(), Format::Table, EVENT as u64)?;
    table.write(&invited)?;
    table.finish()?;

    println!(
        "\nRunning the same invite again sends only contact 7: the others are already invited."
    );
    let again = client
        .invite_many(EVENT, CONTACTS, &BulkOptions::new())
        .await?;
    table_of_invitations(&again.invitations, &no_earlier)?;
    let twice = (1..=3)
        .filter(|&c| server.invite_count(EVENT as u64, c) > 1)
        .count();
    println!("\nContacts invited twice: {twice}.");
    server.stop().await;
    Ok(())
}

fn table_of_invitations(
    invitations: &[ivvy::Invitation],
    earlier: &HashMap<u64, ivvy::InviteLinks>,
) -> Result<(), CliError> {
    let mut table =
        ResultWriter::<_, Invites>::start(std::io::stdout(), Format::Table, EVENT as u64)?;
    table.write(invitations.iter().map(|i| InviteRow::new(i, earlier)))?;
    table.finish()
}
