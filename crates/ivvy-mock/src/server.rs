//! Starting, reading and stopping a fake server: [`MockServer`].

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::account::Account;
use crate::action::Action;
use crate::app::{App, Arrival};
use crate::routes::handle;
use crate::schema::Operations;
use crate::state::{Answer, Id, Recorded, Store};
use crate::{MockConfig, MockError};

/// A running fake iVvy server on 127.0.0.1. Stops when dropped.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Binds 127.0.0.1 on the configured port and starts serving.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// assert!(server.base_url().starts_with("http://127.0.0.1:"));
    /// assert_eq!(server.request_count(), 0);
    /// server.stop().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: MockConfig) -> Result<Self, MockError> {
        let operations = Operations::from_spec()?;
        let credentials = ivvy_iws::Credentials::new(config.key.clone(), config.secret.clone())?;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
            .await
            .map_err(|source| MockError::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind {
            port: config.port,
            source,
        })?;
        let account = config.account.clone();
        let app = Arc::new(App {
            config,
            credentials,
            operations,
            store: Mutex::new(Store::default()),
            account: Mutex::new(account),
            per_action: Default::default(),
            create_calls: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            arrivals: Mutex::new(Vec::new()),
            refused: AtomicU64::new(0),
            bucket: Mutex::new(None),
            closed_until: Mutex::new(None),
            lockout_hits: AtomicU64::new(0),
            invite_calls: AtomicU64::new(0),
            batches: Mutex::new(Default::default()),
            batch_runs: AtomicU64::new(0),
            batch_runner: Mutex::new(()),
            base_url: format!("http://{addr}"),
        });
        let router = axum::Router::new().fallback(handle).with_state(app.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let timeout = app.config.header_read_timeout;
        let task = tokio::spawn(accept_loop(listener, router, timeout, stopped));
        Ok(Self {
            addr,
            app,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The API key it accepts.
    pub fn key(&self) -> &str {
        &self.app.config.key
    }

    /// The secret that goes with [`key`](Self::key).
    pub fn secret(&self) -> &str {
        &self.app.config.secret
    }

    /// A client builder pointed at this server with its credentials (with
    /// the `client` feature).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// let client = server.client_builder().build()?;
    /// let invited = client.invite_contacts(4, [1, 2, 7]).await?;
    /// assert!(invited[0].outcome.is_invited());
    /// assert!(!invited[2].outcome.is_invited()); // contact 7 does not exist
    /// assert_eq!(server.invite_count(4, 1), 1);
    /// server.stop().await;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "client")]
    pub fn client_builder(&self) -> ivvy::ClientBuilder {
        ivvy::Client::builder()
            .base_url(self.base_url())
            .credentials(self.key(), self.secret())
    }

    /// API requests received so far (paths under `/api/`, POST, known action).
    pub fn request_count(&self) -> u64 {
        self.app.requests.load(Ordering::Relaxed)
    }

    /// Every API request's arrival in order (the first 100,000): how many
    /// were in flight, and how many the quota had refused before it.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.app
            .arrivals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// API requests refused by [`Faults::rate_limit`](crate::Faults::rate_limit).
    /// Requests that arrived while a lockout ([`Faults::lockout`]) held,
    /// after the one that began it: requests a client sent into a closed
    /// door.
    ///
    /// [`Faults::lockout`]: crate::Faults::lockout
    pub fn lockout_hits(&self) -> u64 {
        self.app.lockout_hits.load(Ordering::Relaxed)
    }

    pub fn refused_count(&self) -> u64 {
        self.app.refused.load(Ordering::Relaxed)
    }

    /// API requests received so far for one operation, e.g.
    /// `("contact", "getContactList")`; 0 for one not served.
    pub fn request_count_of(&self, namespace: &str, action: &str) -> u64 {
        Action::of(namespace, action).map_or(0, |a| {
            self.app.per_action[a.index()].load(Ordering::Relaxed)
        })
    }

    /// The account as it stands: its contacts (those addOrUpdateContact
    /// added too) and events.
    pub fn account(&self) -> Account {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.account().clone()
    }

    /// Batch jobs run so far (each a call of another action, inside a
    /// `batch?action=run`), every batch together.
    pub fn batch_jobs_run(&self) -> u64 {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.batches().jobs_run
    }

    /// How many contacts addOrUpdateContact has added.
    pub fn created_count(&self) -> u64 {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.account().created()
    }

    /// How many times the contact was invited to the event.
    pub fn invite_count(&self, event: impl Id, contact: impl Id) -> u32 {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.store().count(event.id(), contact.id())
    }

    /// The most times any contact was invited to any event (1 when nobody
    /// was invited twice, 0 when nobody was invited).
    pub fn max_invite_count(&self) -> u32 {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.store().max_count()
    }

    /// The event's invitations, in the order first made.
    pub fn invitations(&self, event: impl Id) -> Vec<Recorded> {
        crate::actions::batch::catch_up(&self.app, std::time::Instant::now());
        self.app.store().invitations(event.id()).to_vec()
    }

    /// Records invitations as if made before the test: the code under test
    /// then finds these contacts already invited. Returns how many of them
    /// exist (multiples of 7 do not; see [`state`](crate::state)).
    pub fn seed_invitations(
        &self,
        event: impl Id,
        contacts: impl IntoIterator<Item = impl Id>,
    ) -> usize {
        let now = self.app.config.clock.now();
        let visible = std::time::Instant::now();
        let event = event.id();
        let mut store = self.app.store();
        contacts
            .into_iter()
            .map(Id::id)
            .filter(|&c| crate::state::contact_exists(c))
            .map(|c| store.invite(event, c, now, visible))
            .count()
    }

    /// Records an answer, as following an invitation link does; false
    /// when the contact has no invitation to the event. With the `client`
    /// feature the answer may be an `ivvy::Answer`.
    pub fn set_answer(&self, event: impl Id, contact: impl Id, answer: impl Into<Answer>) -> bool {
        self.app.store().answer(
            event.id(),
            contact.id(),
            answer.into(),
            self.app.config.clock.now(),
        )
    }

    /// The id of the account's event with this code (trimmed, without
    /// regard to case), as `ivvy events` would find it; `None` when no
    /// event, or more than one, has it. The sample events are also
    /// [`account::LAUNCH26`](crate::account::LAUNCH26) and its neighbours.
    pub fn event_id(&self, code: &str) -> Option<u64> {
        let code = code.trim();
        let account = self.app.account();
        let mut found = account
            .events()
            .iter()
            .filter(|e| e.code.trim().eq_ignore_ascii_case(code))
            .map(|e| e.id);
        match (found.next(), found.next()) {
            (Some(id), None) => Some(id),
            _ => None,
        }
    }

    /// Serves until Ctrl-C, then stops.
    pub async fn run_until_ctrl_c(self) {
        let _ = tokio::signal::ctrl_c().await;
        self.stop().await;
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Accepts connections until `stopped`, then lets the open ones finish.
/// Written out (rather than `axum::serve`) for the header-read timeout.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
    stopped: oneshot::Receiver<()>,
) {
    // Dropped at stop: every connection then finishes gracefully.
    let (closing, _) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "could not accept a connection");
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let mut closed = closing.subscribe();
        connections.spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = closed.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    drop(closing);
    while connections.join_next().await.is_some() {}
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
