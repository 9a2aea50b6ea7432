//! A CRM sync, end to end: people from a CRM export invited to an event
//! (found by external id or email, the missing added), then each person's
//! answer written back keyed by the CRM's own ids.
//!
//! ```sh
//! cargo run -p ivvy --example crm_sync            # against a fake iVvy
//! IVVY_REGION=au IVVY_API_KEY=… IVVY_API_SECRET=… \
//!   cargo run -p ivvy --example crm_sync -- export.csv LAUNCH26
//! ```
//!
//! Without credentials it starts the fake server, invites a small export
//! to its `LAUNCH26`, has two people answer through their links, and
//! prints the answers as CSV.

use futures::TryStreamExt;
use ivvy::{InviteStatus, PeopleOptions, Person};

/// A small export, as a CRM writes it.
const EXPORT: &str = "External ID,Email Address,First Name,Last Name
CRM-00001,,Person,1
,person2@example.test,,
NEW-1,ann.lee@example.test,Ann,Lee
,nobody@example.test,,
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fake = if std::env::var_os("IVVY_API_KEY").is_some() {
        None
    } else {
        Some(ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?)
    };
    let client = match &fake {
        Some(server) => server.client_builder().build()?,
        None => ivvy::Client::from_env()?,
    };
    let export = match args.first() {
        Some(path) => std::fs::read_to_string(path)?,
        None => EXPORT.to_string(),
    };
    let code = args.get(1).map_or("LAUNCH26", String::as_str);
    let people = read_export(&export)?;

    // 1. Invite: each person found (or added), invited once.
    let event = client.event_by_code(code).await?;
    let options = PeopleOptions::new().create_missing(true);
    let mut rows = std::pin::pin!(client.invite_people_each(event.id, people.clone(), &options));
    let mut links = Vec::new();
    while let Some(row) = rows.try_next().await? {
        eprintln!(
            "{:<12} {:<22} {:<18} {}",
            row.person.external_id.as_deref().unwrap_or("-"),
            row.person.email.as_deref().unwrap_or("-"),
            row.status(),
            row.reason().unwrap_or("")
        );
        if row.status() != InviteStatus::Invited && row.status() != InviteStatus::AddedAndInvited {
            continue;
        }
        if let Some(found) = row.outcome.as_ref().and_then(|o| o.links()) {
            links.push(found.clone());
        }
    }

    // 2. On the fake server, the first two invited answer by their links.
    if fake.is_some() {
        let http = ivvy::http_client_builder()?.build()?;
        for (link, yes) in links.iter().zip([true, false]) {
            let url = if yes { link.yes() } else { link.no() };
            http.get(url).send().await?.error_for_status()?;
        }
    }

    // 3. The answers, back to the CRM by its own ids, as CSV on stdout.
    let mut out = csv::Writer::from_writer(std::io::stdout());
    out.write_record([
        "externalId",
        "email",
        "contact",
        "response",
        "status",
        "modifiedDate",
        "reason",
    ])?;
    let mut answers = std::pin::pin!(client.answers(event.id, people, &PeopleOptions::new()));
    while let Some(answer) = answers.try_next().await? {
        out.write_record([
            answer.external_id.unwrap_or_default(),
            answer.email.unwrap_or_default(),
            answer.contact.map(|c| c.to_string()).unwrap_or_default(),
            answer
                .answer
                .map(|a| a.letter().to_string())
                .unwrap_or_default(),
            answer.status.code().to_string(),
            answer.modified.unwrap_or_default(),
            answer.reason.unwrap_or_default(),
        ])?;
    }
    out.flush()?;
    if let Some(server) = fake {
        server.stop().await;
    }
    Ok(())
}

/// The export's rows as people: the columns are read by header name.
fn read_export(text: &str) -> Result<Vec<Person>, csv::Error> {
    #[derive(serde::Deserialize)]
    struct Row {
        #[serde(rename = "External ID")]
        external_id: Option<String>,
        #[serde(rename = "Email Address")]
        email: Option<String>,
        #[serde(rename = "First Name")]
        first_name: Option<String>,
        #[serde(rename = "Last Name")]
        last_name: Option<String>,
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .deserialize::<Row>()
        .map(|row| {
            let row = row?;
            let mut person = Person::default();
            person.external_id = row.external_id.filter(|v| !v.is_empty());
            person.email = row.email.filter(|v| !v.is_empty());
            person.first_name = row.first_name.filter(|v| !v.is_empty());
            person.last_name = row.last_name.filter(|v| !v.is_empty());
            Ok(person)
        })
        .collect()
}
