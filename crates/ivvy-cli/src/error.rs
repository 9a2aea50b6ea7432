//! The command's one error type, and the exit code of each kind.

use std::process::ExitCode;

/// What can stop a command, with the exit code it leads to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Usage or input error: nothing was sent (exit 2).
    #[error("{0}")]
    Input(String),
    /// Some contacts were not invited; the output says which (exit 3).
    #[error("{0}")]
    NotAllInvited(String),
    /// Anything else: authentication, server, network (exit 1).
    #[error("{}", ivvy_text(.0))]
    Ivvy(ivvy::Error),
    /// Requests for some contacts failed; the output says which (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Writing the output failed (exit 1).
    #[error("cannot write the output: {0}")]
    Output(String),
    /// Standard output was closed by its reader (`| head`): quiet, exit 0.
    #[error("standard output was closed")]
    BrokenPipe,
    /// A signal stopped the run after every contact got its row (exit 130
    /// or 143).
    #[error("interrupted")]
    Interrupted(crate::signals::Signal),
    /// The fake server could not start (exit 1).
    #[cfg(feature = "mock")]
    #[error(transparent)]
    Mock(#[from] ivvy_mock::MockError),
}

/// The library's message, with what to try when iVvy refused the
/// credentials or the signature.
fn ivvy_text(error: &ivvy::Error) -> String {
    let refused = error
        .status()
        .is_some_and(|s| s == ivvy::StatusCode::UNAUTHORIZED || s == ivvy::StatusCode::FORBIDDEN);
    if refused {
        format!(
            "{error}. Check IVVY_API_KEY and IVVY_API_SECRET (the secret signs every request); `ivvy ping` checks them"
        )
    } else {
        error.to_string()
    }
}

impl From<ivvy::Error> for CliError {
    fn from(error: ivvy::Error) -> Self {
        match error {
            // Refused before anything was sent: the user's to fix.
            ivvy::Error::InvalidInput { .. } | ivvy::Error::Config { .. } => {
                CliError::Input(error.to_string())
            }
            other => CliError::Ivvy(other),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Output(error.to_string())
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(error: serde_json::Error) -> Self {
        match error.io_error_kind() {
            Some(kind) => std::io::Error::from(kind).into(),
            None => CliError::Output(error.to_string()),
        }
    }
}

impl From<csv::Error> for CliError {
    fn from(error: csv::Error) -> Self {
        match error.into_kind() {
            csv::ErrorKind::Io(io) => io.into(),
            other => CliError::Output(format!("{other:?}")),
        }
    }
}

impl CliError {
    /// True when the reader of standard output went away.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::BrokenPipe)
    }

    /// 2 for usage and input, 3 for contacts not invited, 1 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Input(_) => 2,
            CliError::NotAllInvited(_) => 3,
            CliError::Ivvy(_) | CliError::Failed(_) | CliError::Output(_) => 1,
            CliError::BrokenPipe => 0,
            CliError::Interrupted(signal) => signal.exit_code(),
            #[cfg(feature = "mock")]
            CliError::Mock(_) => 1,
        })
    }
}
