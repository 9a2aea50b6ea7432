//! `ivvy-mock --port N [--key K --secret S] [faults]`: a fake iVvy server.

use std::process::ExitCode;

use clap::Parser;
use ivvy_mock::cli::{MockArgs, serve};

/// A fake iVvy server on 127.0.0.1 that verifies signatures and keeps state.
#[derive(Debug, Parser)]
#[command(name = "ivvy-mock", version)]
struct Args {
    #[command(flatten)]
    mock: MockArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve(&Args::parse().mock).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ivvy-mock: {error}");
            ExitCode::FAILURE
        }
    }
}
