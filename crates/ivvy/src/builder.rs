//! Building a [`Client`]: [`ClientBuilder`], its settings and their
//! defaults, and the checks a configuration passes before anything is
//! sent (a base URL in clear text goes only to loopback).

use std::sync::Arc;
use std::time::Duration;

use ivvy_iws::Credentials;
use ivvy_iws::{Clock, SystemClock};

use crate::client::{Client, Shared};
use crate::error::Error;
use crate::policy::adaptive::AdaptiveRate;
use crate::policy::retry::RetryPolicy;
use crate::policy::throttle::Throttle;
use crate::region::Region;
use crate::transport::paging::ListingLimits;
use crate::transport::proxy::{self, is_loopback};
use crate::transport::signing::{Hooks, Signer};
use crate::transport::skew::SkewedClock;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, reply included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of invitations fetched per page when listing.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Default largest reply body read: 4 MiB, room for an inviteContacts
/// reply of about 20,000 contacts.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 4 << 20;
/// Default [`ClientBuilder::max_listing_rows`]: 10,000,000 rows.
pub const DEFAULT_MAX_LISTING_ROWS: u64 = 10_000_000;
/// Default [`ClientBuilder::max_listing_time`]: 1 hour.
pub const DEFAULT_MAX_LISTING_TIME: Duration = Duration::from_secs(3_600);

/// Builds a [`Client`]. Needs credentials and a region or base URL.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    region: Option<Region>,
    credentials: Option<(String, secrecy::SecretString)>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    user_agent: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    page_size: Option<u32>,
    max_reply_bytes: Option<usize>,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    max_requests_per_second: Option<f64>,
    adaptive_rate: Option<Option<AdaptiveRate>>,
    quota_counts_jobs: Option<bool>,
    max_listing_rows: Option<u64>,
    max_listing_time: Option<Duration>,
    correct_clock_skew: Option<bool>,
}

impl ClientBuilder {
    /// Talk to the region's iVvy servers.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Talk to this base URL instead (a fake server, a proxy). `http://` is
    /// accepted only for loopback hosts, so credentials never travel in
    /// clear text by mistake. Takes precedence over [`region`](Self::region).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key and secret to sign requests with.
    pub fn credentials(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials = Some((key.into(), secrecy::SecretString::from(secret.into())));
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole request, reply included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header (default `ivvy-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Where request dates come from (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Invitations fetched per page when listing (default 100).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// The largest reply body read, in bytes (default
    /// [`DEFAULT_MAX_REPLY_BYTES`]). A longer reply fails the call with
    /// [`Error::ReplyTooLarge`] once the limit is reached, without reading
    /// the rest.
    pub fn max_reply_bytes(mut self, bytes: usize) -> Self {
        self.max_reply_bytes = Some(bytes);
        self
    }

    /// Sends at most this many requests a second, evenly spaced, across
    /// every task using this client (and its clones): for an account whose
    /// quota you know, set it at or just below the quota, so requests are
    /// never refused for it from the first. Unset (the default), the client
    /// finds the rate from iVvy's 429s ([`AdaptiveRate`]). A batch counts
    /// as its jobs (holding the next request back at most 60 s more than
    /// one request) unless [`quota_counts_jobs`](Self::quota_counts_jobs)
    /// is off.
    pub fn max_requests_per_second(mut self, rate: f64) -> Self {
        self.max_requests_per_second = Some(rate);
        self
    }

    /// Whether each job of a batch counts against the account's quota as
    /// a request (default `true`). iVvy's pages do not say; counting them
    /// is the side that, once the rate is known and while the quota stays
    /// put, is refused for it only as the rate probes upward (6 of 171
    /// requests in `cargo xtask bench batch`). The throttle (the
    /// [`AdaptiveRate`] rules, and [`max_requests_per_second`](Self::max_requests_per_second))
    /// then paces a batch of N jobs as N requests: the request after it
    /// waits N gaps (at most 60 s more than one), and its jobs count in
    /// the measured rate once a later request succeeds (so the quota had
    /// taken them). Set `false` for an
    /// account whose quota counts a batch as one request: paced by jobs,
    /// batches there leave some of the quota unused. One batch at a time,
    /// each with a read of its progress and of its results, against a
    /// simulated quota of 50 requests a second whose `Retry-After` is whole
    /// seconds, sent 23% of the requests the quota allowed in a minute,
    /// where pacing by requests sent 46% (see the `policy::adaptive`
    /// tests). On by default, a
    /// [`max_requests_per_second`](Self::max_requests_per_second) ceiling
    /// also counts a batch as its jobs.
    pub fn quota_counts_jobs(mut self, counts: bool) -> Self {
        self.quota_counts_jobs = Some(counts);
        self
    }

    /// How the client finds the account's request rate from its 429s
    /// (default [`AdaptiveRate::new`]); `None` turns it off, so requests go
    /// as fast as the caller sends them (within
    /// [`max_requests_per_second`](Self::max_requests_per_second), if set)
    /// and a 429 is only retried after its `Retry-After`.
    pub fn adaptive_rate(mut self, policy: Option<AdaptiveRate>) -> Self {
        self.adaptive_rate = Some(policy);
        self
    }

    /// The most rows a listing may have before it ends with an error
    /// (default 10,000,000): a server that never ends a listing cannot
    /// keep a run reading for ever. Memory does not grow with it: a
    /// listing remembers one page. Raise it for an event of more.
    pub fn max_listing_rows(mut self, rows: u64) -> Self {
        self.max_listing_rows = Some(rows);
        self
    }

    /// The longest a listing may take before it ends with an error
    /// (default 1 hour).
    pub fn max_listing_time(mut self, time: Duration) -> Self {
        self.max_listing_time = Some(time);
        self
    }

    /// Whether to correct for this machine's clock when iVvy refuses a
    /// request as too far from its own time (default on): the client then
    /// dates requests by iVvy's time, from the refusal's `Date` header,
    /// and sends the refused request once more (see `transport::skew`).
    pub fn correct_clock_skew(mut self, correct: bool) -> Self {
        self.correct_clock_skew = Some(correct);
        self
    }

    /// Sends requests with your own HTTP client: a proxy, corporate CA
    /// roots, connection-pool settings. Start from
    /// [`http_client_builder`](crate::http_client_builder), which sets up
    /// HTTPS as this crate does (a plain `reqwest::Client::new()` panics when
    /// reqwest has no crypto provider of its own, as with the default
    /// features). Its timeouts, user agent and TLS
    /// settings are then yours ([`timeout`](Self::timeout),
    /// [`connect_timeout`](Self::connect_timeout) and
    /// [`user_agent`](Self::user_agent) are not applied). Requests are
    /// still signed, replies still capped; a redirect is an error either
    /// way, but build the client with `redirect::Policy::none()` so it never
    /// carries a signed request to another host in the first place.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ivvy::http;
    /// let http = ivvy::http_client_builder()?
    ///     .proxy(http::Proxy::https("http://proxy.internal:3128")?)
    ///     .redirect(http::redirect::Policy::none())
    ///     .timeout(std::time::Duration::from_secs(20))
    ///     .build()?;
    /// let client = ivvy::Client::builder()
    ///     .region(ivvy::Region::Au)
    ///     .credentials("my-key", "my-secret")
    ///     .http_client(http)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How reads (`ping`, each page of a listing) are retried (default
    /// [`RetryPolicy::new`]). Invites take theirs from
    /// [`BulkOptions`](crate::BulkOptions).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Fills what is not set yet from `IVVY_API_KEY`, `IVVY_API_SECRET`, and
    /// `IVVY_BASE_URL` or `IVVY_REGION`.
    pub fn env(self) -> Result<Self, Error> {
        self.lookup(|name| std::env::var(name).ok())
    }

    /// [`env`](Self::env) with another source of variables, for tests.
    pub fn lookup(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        if self.base_url.is_none() {
            self.base_url = var("IVVY_BASE_URL");
        }
        if self.region.is_none()
            && let Some(region) = var("IVVY_REGION")
        {
            self.region = Some(region.parse().map_err(|e| Error::Config {
                problem: format!("IVVY_REGION: {e}"),
                source: Some(Box::new(e)),
            })?);
        }
        if self.credentials.is_none()
            && let (Some(key), Some(secret)) = (var("IVVY_API_KEY"), var("IVVY_API_SECRET"))
        {
            self = self.credentials(key, secret);
        }
        Ok(self)
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        use secrecy::ExposeSecret;

        let base_url = match (self.base_url, self.region) {
            (Some(url), _) => checked_base_url(&url)?,
            (None, Some(region)) => region.base_url().to_string(),
            (None, None) => {
                return Err(Error::config(
                    "no region or base URL: set one (IVVY_REGION=au|us|uk or IVVY_BASE_URL)",
                ));
            }
        };
        // Built without TLS (neither tls feature), HTTPS cannot work.
        #[cfg(not(any(feature = "tls-ring", feature = "tls-aws-lc")))]
        if base_url.starts_with("https://") {
            return Err(Error::config(
                "ivvy was built without TLS; enable its tls-ring or tls-aws-lc feature for HTTPS",
            ));
        }
        let (key, secret) = self.credentials.ok_or_else(|| {
            Error::config("no API key and secret: set them (IVVY_API_KEY and IVVY_API_SECRET)")
        })?;
        let credentials =
            Credentials::new(key, secret.expose_secret()).map_err(|e| Error::Config {
                problem: e.to_string(),
                source: Some(Box::new(e)),
            })?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 {
            return Err(Error::config("the page size must be at least 1"));
        }
        let max_reply_bytes = self.max_reply_bytes.unwrap_or(DEFAULT_MAX_REPLY_BYTES);
        if max_reply_bytes == 0 {
            return Err(Error::config(
                "the reply size limit must be at least 1 byte",
            ));
        }
        let retry = self.retry.unwrap_or_default();
        retry.check()?;
        let ceiling = match self.max_requests_per_second {
            Some(rate) if rate.is_finite() && rate >= 0.001 => Some(rate),
            Some(rate) => {
                return Err(Error::config(format!(
                    "the request rate must be a number of at least 0.001 a second, not {rate}"
                )));
            }
            None => None,
        };

        let loopback = url::Url::parse(&base_url).is_ok_and(|u| proxy::is_loopback(&u));
        // A client the caller built has its own proxies: not guessed at.
        let proxy = match (&self.http, url::Url::parse(&base_url)) {
            (None, Ok(url)) => proxy::for_base_url(&url, |name| std::env::var(name).ok()),
            _ => None,
        };
        let http = match self.http {
            Some(http) => http,
            None => {
                let builder = crate::transport::tls::http_client_builder()?;
                // Signed requests to a local server never go to a proxy.
                let builder = if loopback {
                    builder.no_proxy()
                } else {
                    builder
                };
                builder
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    // A redirect would carry the signed request to another
                    // host; a 3xx comes back as an error instead.
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(self.user_agent.unwrap_or_else(|| {
                        concat!("ivvy-rs/", env!("CARGO_PKG_VERSION")).to_string()
                    }))
                    .build()
                    .map_err(|e| Error::Config {
                        problem: "the HTTP client could not be built".into(),
                        source: Some(Box::new(e)),
                    })?
            }
        };
        let skew = Arc::new(SkewedClock::new(
            clock.clone(),
            self.correct_clock_skew.unwrap_or(true),
        ));
        let hooks = Hooks {
            signer: Signer::new(credentials, skew.clone()),
            max_reply_bytes,
        };
        let api = ivvy_api::Client::new_with_client(&base_url, http, Arc::new(hooks));
        Ok(Client {
            shared: Arc::new(Shared {
                api,
                clock,
                page_size,
                retry,
                throttle: Throttle::new(
                    self.adaptive_rate
                        .unwrap_or_else(|| Some(AdaptiveRate::new())),
                    ceiling,
                    self.quota_counts_jobs.unwrap_or(true),
                ),
                listing: ListingLimits {
                    rows: self.max_listing_rows.unwrap_or(DEFAULT_MAX_LISTING_ROWS),
                    time: self.max_listing_time.unwrap_or(DEFAULT_MAX_LISTING_TIME),
                },
                proxy,
                skew,
            }),
        })
    }
}

/// Parses a base URL, refusing clear text to anything but loopback.
fn checked_base_url(text: &str) -> Result<String, Error> {
    // A URL with user info may hold a password: it is never echoed.
    let shown = if text.contains('@') {
        "(not shown: it has an @)".into()
    } else {
        format!("{:?}", crate::transport::excerpt::escaped(text))
    };
    let url = url::Url::parse(text.trim()).map_err(|e| Error::Config {
        problem: format!("the base URL {shown} is not a URL: {e}"),
        source: Some(Box::new(e)),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL has a user name or password in it; give the API key and secret \
             as credentials (IVVY_API_KEY and IVVY_API_SECRET) instead",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::config(format!(
                "the base URL {shown} is plain http to a host that is not loopback; \
                 use https so the credentials are not sent in clear text"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the base URL {shown} has scheme {other:?}; expected https"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the base URL {shown} must not have a query or fragment"
        )));
    }
    // The generated calls append `/api/1.0/...` to the base URL as it is.
    Ok(url.as_str().trim_end_matches('/').to_string())
}

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// let client = ivvy::Client::builder()
    ///     .region(ivvy::Region::Us)
    ///     .credentials("my-key", "my-secret")
    ///     .timeout(std::time::Duration::from_secs(20))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ivvy::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `IVVY_API_KEY`, `IVVY_API_SECRET`, and
    /// `IVVY_BASE_URL` or `IVVY_REGION`; a clear [`Error::Config`] naming
    /// what is missing otherwise.
    ///
    /// ```no_run
    /// // IVVY_REGION=au IVVY_API_KEY=... IVVY_API_SECRET=... in the environment
    /// let client = ivvy::Client::from_env()?;
    /// # let _ = client;
    /// # Ok::<(), ivvy::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().env()?.build()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn build(url: &str) -> Result<Client, Error> {
        Client::builder()
            .base_url(url)
            .credentials("k", "s")
            .build()
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9",
            "http://localhost:1/",
        ] {
            assert!(build(ok).is_ok(), "{ok} should be accepted");
        }
        let err = build("http://api.ap-southeast-2.ivvy.com").expect_err("clear text");
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(build("ftp://127.0.0.1").is_err());
        assert!(build("not a url").is_err());
        assert!(build("https://example.com/?x=1").is_err());
    }

    #[test]
    fn trailing_slash_is_dropped() {
        assert_eq!(
            build("http://127.0.0.1:8080/").expect("valid").base_url(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn region_or_url_and_credentials_are_required() {
        let e = Client::builder()
            .credentials("k", "s")
            .build()
            .expect_err("no region");
        assert!(e.to_string().contains("no region or base URL"), "{e}");
        let e = Client::builder()
            .region(Region::Us)
            .build()
            .expect_err("no credentials");
        assert!(e.to_string().contains("no API key and secret"), "{e}");
    }

    #[test]
    fn environment_fills_the_gaps() {
        let vars: HashMap<&str, &str> = [
            ("IVVY_API_KEY", "env-key"),
            ("IVVY_API_SECRET", "env-secret"),
            ("IVVY_REGION", "uk"),
        ]
        .into();
        let client = Client::builder()
            .lookup(|name| vars.get(name).map(|v| v.to_string()))
            .and_then(ClientBuilder::build)
            .expect("configured from the variables");
        assert_eq!(client.base_url(), Region::Uk.base_url());
        assert!(!format!("{client:?}").contains("env-secret"));

        let e = Client::builder()
            .lookup(|name| (name == "IVVY_REGION").then(|| "mars".to_string()))
            .expect_err("bad region");
        assert_eq!(
            e.to_string(),
            "invalid configuration: IVVY_REGION: unknown region \"mars\": expected au, us or uk"
        );
    }
}
