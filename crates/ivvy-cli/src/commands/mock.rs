//! `ivvy mock`: the fake iVvy server in the foreground, with the same flags
//! as the `ivvy-mock` binary.

use ivvy_mock::MockServer;
use ivvy_mock::cli::{MockArgs, print_env};

use crate::error::CliError;

pub async fn run(args: &MockArgs) -> Result<(), CliError> {
    let server = MockServer::start(args.config()).await?;
    // Serving goes on when nobody reads the lines (stdout closed early).
    if let Err(error) = print_env(&server, &mut std::io::stdout().lock()) {
        tracing::warn!(%error, "could not print the server's address");
    }
    server.run_until_ctrl_c().await;
    Ok(())
}
