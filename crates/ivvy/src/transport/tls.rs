//! HTTPS for the client's own reqwest client: a rustls configuration with
//! the crypto provider the features choose (ring by default, aws-lc-rs with
//! `tls-aws-lc`) and the platform's certificate verifier (what reqwest's
//! own rustls default uses: the operating system's trust store), handed to
//! that one reqwest client. Nothing process-wide is set: no default rustls
//! provider is installed, so other TLS clients in the program are left as
//! they were.

use crate::error::Error;

/// A `reqwest` client builder set up for HTTPS as `ivvy` sets up its own:
/// rustls with ring (or aws-lc-rs, with the `tls-aws-lc` feature) and the
/// platform's certificate verifier, with nothing installed process-wide.
/// Use it for your own client ([`ClientBuilder::http_client`]) or for any
/// other request in a program that builds `ivvy` with its default features:
/// reqwest there has no crypto provider of its own, so
/// `reqwest::Client::new()` would panic.
///
/// [`ClientBuilder::http_client`]: crate::ClientBuilder::http_client
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let http = ivvy::http_client_builder()?
///     .redirect(ivvy::http::redirect::Policy::none())
///     .build()?;
/// let client = ivvy::Client::builder()
///     .region(ivvy::Region::Au)
///     .credentials("my-key", "my-secret")
///     .http_client(http)
///     .build()?;
/// # let _ = client;
/// # Ok(()) }
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    let builder = reqwest::Client::builder();
    #[cfg(any(feature = "tls-ring", feature = "tls-aws-lc"))]
    let builder = builder.tls_backend_preconfigured(rustls_config()?);
    Ok(builder)
}

/// The provider the features choose; aws-lc-rs when both are on (it is the
/// one asked for by name).
#[cfg(any(feature = "tls-ring", feature = "tls-aws-lc"))]
fn provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "tls-aws-lc")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(not(feature = "tls-aws-lc"))]
    {
        rustls::crypto::ring::default_provider()
    }
}

#[cfg(any(feature = "tls-ring", feature = "tls-aws-lc"))]
fn rustls_config() -> Result<rustls::ClientConfig, Error> {
    use std::sync::Arc;

    let problem = |e: rustls::Error| Error::Config {
        problem: format!("HTTPS could not be set up: {e}"),
        source: Some(Box::new(e)),
    };
    let provider = Arc::new(provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(problem)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(problem)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // HTTP/1.1 only, as reqwest offers without its http2 feature.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A plain client for this crate's unit tests.
#[cfg(test)]
pub(crate) fn test_client() -> reqwest::Client {
    http_client_builder()
        .and_then(|b| b.build().map_err(|e| Error::config(e.to_string())))
        .expect("the test HTTP client builds")
}
