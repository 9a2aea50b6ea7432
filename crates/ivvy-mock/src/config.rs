//! How a fake server is set up: [`MockConfig`] and its defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ivvy_iws::{Clock, SystemClock};

use crate::Faults;
use crate::account::Account;

/// The API key a fake server accepts unless told otherwise.
pub const DEFAULT_KEY: &str = "test-key";
/// The secret that goes with [`DEFAULT_KEY`].
pub const DEFAULT_SECRET: &str = "test-secret";
/// Largest request body accepted, in bytes.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// How long a client may take to send a request's headers before the
/// connection is closed (a half-sent request is not held open).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings for [`MockServer::start`](crate::MockServer::start).
#[derive(Clone)]
#[must_use]
pub struct MockConfig {
    pub(crate) port: u16,
    pub(crate) key: String,
    pub(crate) secret: String,
    pub(crate) faults: Faults,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) body_limit: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) account: Account,
    pub(crate) batch_pace: Duration,
}

/// How long a batch job takes the fake server, by default: 1 ms.
pub const DEFAULT_BATCH_PACE: Duration = Duration::from_millis(1);

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            port: 0,
            key: DEFAULT_KEY.into(),
            secret: DEFAULT_SECRET.into(),
            faults: Faults::default(),
            clock: Arc::new(SystemClock),
            body_limit: DEFAULT_BODY_LIMIT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            account: Account::sample(),
            batch_pace: DEFAULT_BATCH_PACE,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("port", &self.port)
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .field("faults", &self.faults)
            .field("clock", &self.clock)
            .field("body_limit", &self.body_limit)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("contacts", &self.account.contacts().len())
            .field("events", &self.account.events().len())
            .field("batch_pace", &self.batch_pace)
            .finish()
    }
}

impl MockConfig {
    /// An ephemeral port on 127.0.0.1, the default credentials, no faults,
    /// and the sample account ([`Account::sample`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on this port of 127.0.0.1 (0 picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accept this key and secret instead of the defaults.
    pub fn credentials(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.key = key.into();
        self.secret = secret.into();
        self
    }

    /// Inject these faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// How long each batch job takes (default [`DEFAULT_BATCH_PACE`]): a
    /// batch's jobs run one after another at this pace, in the background
    /// of the requests that follow.
    pub fn batch_pace(mut self, pace: Duration) -> Self {
        self.batch_pace = pace;
        self
    }

    /// The server's clock, against which request dates are checked.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Largest request body accepted, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long a client may take to send a request's headers (default
    /// 30 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The account's contacts and events (default [`Account::sample`]).
    pub fn account(mut self, account: Account) -> Self {
        self.account = account;
        self
    }
}
