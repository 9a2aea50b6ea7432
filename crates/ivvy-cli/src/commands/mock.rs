//! `ivvy mock`: the fake iVvy server in the foreground.

use ivvy_mock::{MockConfig, MockServer};

use crate::args::MockArgs;
use crate::error::CliError;

pub async fn run(args: &MockArgs) -> Result<(), CliError> {
    let server = MockServer::start(MockConfig::new().port(args.port)).await?;
    println!("fake iVvy server listening on {}", server.base_url());
    println!("export IVVY_BASE_URL={}", server.base_url());
    println!("export IVVY_API_KEY={}", server.key());
    println!("export IVVY_API_SECRET={}", server.secret());
    println!("(test credentials of the fake server; press Ctrl-C to stop)");
    server.run_until_ctrl_c().await;
    Ok(())
}
