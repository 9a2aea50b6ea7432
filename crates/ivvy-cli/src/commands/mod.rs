//! One module per command.

#[cfg(feature = "mock")]
pub mod demo;
pub mod event;
pub mod events;
pub mod invite;
pub mod invited;
#[cfg(feature = "mock")]
pub mod mock;
pub mod ping;

use crate::args::Connection;
use crate::error::CliError;

/// Builds the client from flags and environment (clap has merged both).
pub fn client(connection: &Connection) -> Result<ivvy::Client, CliError> {
    let mut builder = ivvy::Client::builder();
    if let Some(url) = &connection.base_url {
        builder = builder.base_url(url);
    }
    if let Some(region) = connection.region {
        builder = builder.region(region.into());
    }
    match (&connection.api_key, &connection.api_secret) {
        (Some(key), Some(secret)) => builder = builder.credentials(key, secret),
        (None, None) => {}
        _ => {
            return Err(CliError::Input(
                "give both the API key and the API secret (IVVY_API_KEY and IVVY_API_SECRET)"
                    .into(),
            ));
        }
    }
    if connection.no_adaptive_rate {
        builder = builder.adaptive_rate(None);
    }
    if connection.quota_counts_requests {
        builder = builder.quota_counts_jobs(false);
    }
    if let Some(rate) = connection.max_rps {
        builder = builder.max_requests_per_second(rate);
    }
    if let Some(rows) = connection.max_listing_rows {
        builder = builder.max_listing_rows(rows);
    }
    if let Some(secs) = connection.timeout {
        builder = builder.timeout(std::time::Duration::from_secs(secs));
    }
    let client = builder.build()?;
    tracing::info!(base_url = client.base_url(), "using iVvy");
    Ok(client)
}
