// A tiny program that talks to iVvy through the `ivvy` crate.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ivvy::Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials("key", "secret")
        .build()?;
    println!("{:?}", client.invite_contacts(4, [1, 2, 3]).await.is_ok());
    Ok(())
}
