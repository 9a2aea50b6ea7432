//! `ivvy demo`: the whole flow on a built-in fake server, no credentials:
//! events by code, people from a small CRM export found, added and
//! invited, answers read back, a rerun that repeats nothing, and the
//! export's answers keyed by the CRM's own ids, as a CRM imports them.

use futures::TryStreamExt;
use ivvy::{BulkOptions, PeopleOptions, PersonInvitation};
use ivvy_mock::{MockConfig, MockServer};

use crate::error::CliError;
use crate::output::Format;
use crate::output::Formulas;
use crate::output::ResultWriter;
use crate::output::rows::answers::Answers;
use crate::output::rows::events::Events;
use crate::output::rows::invited::Invited;
use crate::output::rows::people::{People, PersonRow};

const CODE: &str = "LAUNCH26";

/// A CRM export: one person by external id, one by email, one whose email
/// two contacts share, one to add, and one unknown who cannot be added.
const EXPORT: &str = "externalId,email,firstName,lastName
CRM-00001,,Person,1
,person2@example.test,,
,person99@example.test,,
NEW-1,ann.lee@example.test,Ann,Lee
,nobody@example.test,,
";

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

    println!("\nThe account's events:");
    let events: Vec<ivvy::Event> = client.events(ivvy::Filter::new()).try_collect().await?;
    let mut table =
        ResultWriter::<_, Events>::start(std::io::stdout(), Format::Table, Formulas::Guard, None)?;
    table.write(events.iter())?;
    table.finish()?;

    let event = client.event_by_code(CODE).await?;
    println!(
        "\nInviting people from a CRM export to {CODE} (event {}):\n\n{EXPORT}",
        event.id
    );
    let export = crate::export::read_people("the export", EXPORT.as_bytes(), &Default::default())?;
    let people: Vec<ivvy::Person> = export.people.into_iter().map(|(_, p)| p).collect();
    let options = PeopleOptions::new()
        .create_missing(true)
        .bulk(BulkOptions::new());
    let report = client
        .invite_people(event.id, people.clone(), &options)
        .await?;
    table_of_people(event.id.get(), &report.rows)?;

    // Answer as contacts would, by opening their links.
    let http = ivvy::http_client_builder()?
        .build()
        .map_err(|e| CliError::Failed(format!("cannot build an HTTP client: {e}")))?;
    let invited: Vec<&ivvy::InviteLinks> = report
        .rows
        .iter()
        .filter_map(|row| row.outcome.as_ref()?.links())
        .collect();
    for (links, pick_yes) in invited.iter().zip([true, false]) {
        let link = if pick_yes { links.yes() } else { links.no() };
        http.get(link)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| CliError::Failed(format!("could not open {link}: {e}")))?;
    }
    println!(
        "\nThe first invited opened the yes link, the second the no link. The invitations now:"
    );
    let answers: Vec<ivvy::InvitedContact> = client
        .invited_contacts(event.id, None)
        .try_collect()
        .await?;
    let mut table = ResultWriter::<_, Invited>::start(
        std::io::stdout(),
        Format::Table,
        Formulas::Guard,
        Some(event.id.get()),
    )?;
    table.write(&answers)?;
    table.finish()?;

    println!("\nRunning the same invite again: Ann Lee is found, and nobody is invited again.");
    let again = client
        .invite_people(event.id, people.clone(), &options)
        .await?;
    table_of_people(event.id.get(), &again.rows)?;
    println!(
        "\nContacts added: {} (once). Contacts invited twice: {}.",
        server.created_count(),
        usize::from(server.max_invite_count() > 1)
    );

    println!(
        "\nThe export's answers, back to the CRM by its own ids \
         (ivvy invited --people FILE --output csv):"
    );
    let rows: Vec<ivvy::PersonAnswer> = client
        .answers(event.id, people, &PeopleOptions::new())
        .try_collect()
        .await?;
    let mut csv = ResultWriter::<_, Answers>::start(
        std::io::stdout(),
        Format::Csv,
        Formulas::Guard,
        Some(event.id.get()),
    )?;
    csv.write(&rows)?;
    csv.finish()?;
    server.stop().await;
    Ok(())
}

fn table_of_people(event: u64, rows: &[PersonInvitation]) -> Result<(), CliError> {
    let invitations: Vec<Option<ivvy::Invitation>> =
        rows.iter().map(PersonInvitation::invitation).collect();
    let mut table = ResultWriter::<_, People>::start(
        std::io::stdout(),
        Format::Table,
        Formulas::Guard,
        Some(event),
    )?;
    table.write(
        rows.iter()
            .zip(&invitations)
            .map(|(row, i)| PersonRow::new(row, i.as_ref(), &|_| None)),
    )?;
    table.finish()
}
