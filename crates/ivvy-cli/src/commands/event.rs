//! Which event a command is about: `--event ID`, or `--event-code CODE`
//! found by the library's rule ([`ivvy::Client::event_by_code`]: trimmed,
//! without regard to case, never a guess between two).

use ivvy::EventId;

use crate::error::CliError;

/// The event from `--event`, or found by `--event-code` (an unknown or
/// ambiguous code is the user's to fix: exit 2, nothing sent).
pub async fn find(
    client: &ivvy::Client,
    event: Option<EventId>,
    code: Option<&str>,
) -> Result<EventId, CliError> {
    match (event, code) {
        (Some(event), _) => Ok(event),
        (None, Some(code)) => match client.event_by_code(code).await {
            Ok(event) => {
                tracing::info!(event = event.id.get(), code = %ivvy::escaped(code), "found the event");
                Ok(event.id)
            }
            Err(error @ ivvy::Error::NotFound { .. }) => Err(CliError::Input(error.to_string())),
            Err(error) => Err(error.into()),
        },
        (None, None) => Err(CliError::Input("give --event or --event-code".into())),
    }
}
