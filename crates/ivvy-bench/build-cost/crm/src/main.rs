//! A small CRM sync on `ivvy`: people from a CSV export, invited, each
//! row written back as JSON (ivvy with serde, tokio and csv).
#[derive(serde::Deserialize)]
struct Row {
    #[serde(rename = "External ID")]
    external_id: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ivvy::Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials("key", "secret")
        .build()?;
    let mut reader = csv::Reader::from_reader("External ID\nCRM-1\n".as_bytes());
    let people: Vec<ivvy::Person> = reader
        .deserialize::<Row>()
        .filter_map(Result::ok)
        .map(|row| ivvy::Person::by_external_id(row.external_id))
        .collect();
    let options = ivvy::PeopleOptions::new();
    if let Ok(report) = client.invite_people(4, people, &options).await {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}
