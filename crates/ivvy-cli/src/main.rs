//! `ivvy`: invite contacts to iVvy events and follow their answers.

mod args;
mod commands;
mod contacts;
mod error;
mod export;
mod output;
mod run_state;
mod signals;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::args::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ivvy: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // A read of standard input a signal cut short may still be waiting:
    // it must not hold the exit.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed stdout (`| head`) ends the program quietly.
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            if !matches!(error, CliError::Interrupted(_)) {
                eprintln!("ivvy: {error}");
            }
            error.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Ping => commands::ping::run(&commands::client(&cli.connection)?).await,
        Command::Invite(args) => {
            let client = commands::client(&cli.connection)?;
            let key = cli.connection.api_key.as_deref().unwrap_or_default();
            commands::invite::run(&client, args, key).await
        }
        Command::Invited(args) => {
            let client = commands::client(&cli.connection)?;
            let key = cli.connection.api_key.as_deref().unwrap_or_default();
            commands::invited::run(&client, args, key).await
        }
        Command::Events(args) => {
            commands::events::run(&commands::client(&cli.connection)?, args).await
        }
        #[cfg(feature = "mock")]
        Command::Mock(args) => commands::mock::run(&args.server).await,
        #[cfg(feature = "mock")]
        Command::Demo(_) => commands::demo::run().await,
        Command::Completions { shell } => {
            // Written whole, so a closed stdout is an error, not a panic.
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "ivvy", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            Ok(())
        }
        Command::Manpage => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command).render(&mut std::io::stdout())?;
            Ok(())
        }
    }
}

/// `-v` logs this tool's progress, `-vv` every request; RUST_LOG, when set,
/// decides instead. Nothing logged carries the secret or a signature.
fn init_tracing(verbose: u8) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(match verbose {
            0 => "warn",
            1 => "warn,ivvy=info,ivvy_cli=info",
            _ => "info,ivvy=debug,ivvy_cli=debug,ivvy_mock=debug,reqwest=debug",
        })
    });
    // Colour only for a person at a terminal who has not asked for none.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_env_filter(filter)
        .init();
}
