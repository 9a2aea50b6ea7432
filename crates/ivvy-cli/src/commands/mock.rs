//! `ivvy mock`: the fake iVvy server in the foreground, with the same flags
//! as the `ivvy-mock` binary.

use ivvy_mock::cli::{MockArgs, serve};

use crate::error::CliError;

pub async fn run(args: &MockArgs) -> Result<(), CliError> {
    Ok(serve(args).await?)
}
