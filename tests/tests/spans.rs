//! Tracing spans: one per call (operation, event, contacts, attempt, HTTP
//! status, duration), one per bulk run and one per chunk; never a secret
//! or a signature in any field.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ivvy::BulkOptions;
use ivvy_mock::{Faults, MockConfig, MockServer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A span's name and its fields as text.
type Seen = (String, BTreeMap<String, String>);

/// Every span seen, by id.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<BTreeMap<u64, Seen>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.0.lock().expect("lock");
        spans.insert(id.into_u64(), (attrs.metadata().name().to_string(), fields));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().expect("lock");
        if let Some((_, fields)) = spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

#[tokio::test]
async fn calls_runs_and_chunks_have_spans_without_secrets() {
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let secret = "span-test-secret-value";
    let server = MockServer::start(
        MockConfig::new()
            .credentials("span-key", secret)
            .faults(Faults::new()),
    )
    .await
    .expect("server starts");
    let client = server.client_builder().build().expect("client");
    client.ping().await.expect("pings");
    let options = BulkOptions::new().chunk_size(2);
    client
        .invite_many(4, [1, 2, 3], &options)
        .await
        .expect("runs");

    let seen: Vec<Seen> = spans.0.lock().expect("lock").values().cloned().collect();
    let calls: Vec<&BTreeMap<String, String>> = seen
        .iter()
        .filter(|(name, _)| name == "ivvy.call")
        .map(|(_, fields)| fields)
        .collect();
    let invite = calls
        .iter()
        .find(|f| f.get("operation").map(String::as_str) == Some("inviteContacts"))
        .expect("an inviteContacts call span");
    assert_eq!(
        invite.get("event").map(String::as_str),
        Some("4"),
        "{invite:?}"
    );
    assert_eq!(
        invite.get("contacts").map(String::as_str),
        Some("2"),
        "{invite:?}"
    );
    assert_eq!(
        invite.get("attempt").map(String::as_str),
        Some("1"),
        "{invite:?}"
    );
    assert_eq!(
        invite.get("status").map(String::as_str),
        Some("200"),
        "{invite:?}"
    );
    assert!(invite.contains_key("duration_ms"), "{invite:?}");
    assert!(
        calls
            .iter()
            .any(|f| f.get("operation").map(String::as_str) == Some("ping"))
    );
    assert!(
        calls
            .iter()
            .any(|f| f.get("operation").map(String::as_str) == Some("getInvitedContactList"))
    );
    assert!(seen.iter().any(|(name, f)| name == "ivvy.invite_many"
        && f.get("contacts").map(String::as_str) == Some("3")));
    assert_eq!(
        seen.iter().filter(|(name, _)| name == "ivvy.chunk").count(),
        2
    );

    // No secret, and no 40-hex signature, in any field of any span.
    for (name, fields) in &seen {
        for (field, value) in fields {
            assert!(!value.contains(secret), "{name}.{field} = {value}");
            let hex_run = value
                .split(|c: char| !c.is_ascii_hexdigit())
                .any(|run| run.len() >= 40);
            assert!(!hex_run, "{name}.{field} looks like a signature: {value}");
        }
    }
}
