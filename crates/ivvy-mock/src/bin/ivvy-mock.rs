//! `ivvy-mock --port N [--key K --secret S] [faults]`: a fake iVvy server.

use std::process::ExitCode;

use clap::Parser;
use ivvy_mock::MockServer;
use ivvy_mock::cli::{MockArgs, print_env};

/// A fake iVvy server on 127.0.0.1 that verifies signatures and keeps state.
#[derive(Debug, Parser)]
#[command(name = "ivvy-mock", version)]
struct Args {
    #[command(flatten)]
    mock: MockArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let server = match MockServer::start(args.mock.config()).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("ivvy-mock: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Serving goes on when nobody reads the lines (stdout closed early).
    if let Err(error) = print_env(&server, &mut std::io::stdout().lock()) {
        eprintln!("ivvy-mock: could not print the server's address: {error}");
    }
    server.run_until_ctrl_c().await;
    ExitCode::SUCCESS
}
