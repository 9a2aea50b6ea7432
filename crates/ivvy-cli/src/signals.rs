//! SIGINT and SIGTERM during a run: the first stops it cleanly (no new
//! requests, those under way settle, every contact gets its row), the
//! second exits at once. The exit code then says which signal it was.

use std::sync::{Arc, Mutex};

use ivvy::CancellationToken;

/// A signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C: exit 130.
    Interrupt,
    /// `kill`: exit 143.
    Terminate,
}

impl Signal {
    /// 128 plus the signal number, as shells report it.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Listens for SIGINT and SIGTERM while it lives.
#[derive(Debug)]
pub struct Interrupts {
    token: CancellationToken,
    received: Arc<Mutex<Option<Signal>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Interrupts {
    /// Starts listening.
    pub fn listen() -> Self {
        let token = CancellationToken::new();
        let received: Arc<Mutex<Option<Signal>>> = Arc::default();
        let task = tokio::spawn(watch(token.clone(), received.clone()));
        Self {
            token,
            received,
            task,
        }
    }

    /// Cancelled at the first signal.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// The first signal, if one came.
    pub fn received(&self) -> Option<Signal> {
        *self.received.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn watch(token: CancellationToken, received: Arc<Mutex<Option<Signal>>>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for signals; Ctrl-C will end the run at once");
        return;
    };
    let mut next = async || {
        tokio::select! {
            _ = interrupt.recv() => Signal::Interrupt,
            _ = terminate.recv() => Signal::Terminate,
        }
    };
    let first = next().await;
    *received.lock().unwrap_or_else(|p| p.into_inner()) = Some(first);
    eprintln!(
        "ivvy: {}: sending nothing more; requests under way get up to {} s, then every contact is reported (send it again to quit at once)",
        first.name(),
        ivvy::DEFAULT_DRAIN_TIME.as_secs()
    );
    token.cancel();
    let second = next().await;
    eprintln!("ivvy: {}: quitting now", second.name());
    std::process::exit(i32::from(second.exit_code()));
}
