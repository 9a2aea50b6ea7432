//! The client, [`Client`]: what every call shares (its generated client,
//! clock, retry policy, throttle, listing limits, proxy and skew) and the
//! defaults of its settings. Building one is
//! [`builder`](crate::builder)'s; each operation lives in its own module.

use std::sync::Arc;

use ivvy_iws::Clock;

use crate::policy::retry::RetryPolicy;
use crate::policy::throttle::Throttle;
use crate::transport::paging::ListingLimits;
use crate::transport::skew::SkewedClock;

/// A signed client for iVvy's API. Cheap to clone; clones share one
/// connection pool and can be used from many tasks at once.
///
/// ```
/// # fn main() -> Result<(), ivvy::Error> {
/// let client = ivvy::Client::builder()
///     .region(ivvy::Region::Au)
///     .credentials("my-key", "my-secret")
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.ap-southeast-2.ivvy.com");
/// // the secret never shows in Debug output
/// assert!(!format!("{client:?}").contains("my-secret"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) api: ivvy_api::Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) page_size: u32,
    /// How reads (ping, every page of a listing) are retried.
    pub(crate) retry: RetryPolicy,
    /// The gate every request passes: the quota's rate, found or set.
    pub(crate) throttle: Throttle,
    /// How long a listing may be.
    pub(crate) listing: ListingLimits,
    /// The proxy requests go through, shown without credentials.
    pub(crate) proxy: Option<String>,
    /// The clock requests are dated by, corrected for skew.
    pub(crate) skew: Arc<SkewedClock>,
}

impl Client {
    /// The base URL requests go to, without a trailing slash.
    ///
    /// ```
    /// let client = ivvy::Client::builder()
    ///     .region(ivvy::Region::Au)
    ///     .credentials("key", "secret")
    ///     .build()?;
    /// assert_eq!(client.base_url(), "https://api.ap-southeast-2.ivvy.com");
    /// # Ok::<(), ivvy::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        // the generated client keeps it
        ivvy_api::ClientInfo::baseurl(&self.shared.api)
    }

    /// The clock that dates requests ([`ClientBuilder::clock`](crate::ClientBuilder::clock)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ivvy::Clock;
    /// let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_000_000);
    /// let client = ivvy::Client::builder()
    ///     .base_url("http://127.0.0.1:9")
    ///     .credentials("key", "secret")
    ///     .clock(Arc::new(ivvy::ManualClock::new(at)))
    ///     .build()?;
    /// assert_eq!(client.clock().now(), at);
    /// # Ok::<(), ivvy::Error>(())
    /// ```
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }
}
