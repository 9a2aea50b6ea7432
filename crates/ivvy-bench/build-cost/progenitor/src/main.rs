// The same tiny program, generating its client from the spec at build time.
progenitor::generate_api!(spec = "ivvy.yaml", interface = Positional);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new("http://127.0.0.1:9");
    let body = types::InviteContactsRequest {
        event: 4.try_into()?,
        contacts: vec![1.try_into()?, 2.try_into()?, 3.try_into()?],
    };
    println!("{:?}", client.invite_contacts(&body).await.is_ok());
    Ok(())
}
