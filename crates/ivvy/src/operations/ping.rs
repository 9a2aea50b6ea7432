//! The credential check, [`Client::ping`]: test.ping, which answers with
//! iVvy's clock.

use std::time::SystemTime;

use reqwest::StatusCode;

use crate::client::Client;
use crate::context::Reporter;
use crate::error::Error;
use crate::transport::call::CallInfo;
use crate::transport::excerpt::body_excerpt;

impl Client {
    /// Checks the credentials; returns iVvy's clock. Retried like every
    /// read (see [`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = ivvy_mock::MockServer::start(ivvy_mock::MockConfig::new()).await?;
    /// # let client = server.client_builder().build()?;
    /// use ivvy::Clock;
    /// let server_time = client.ping().await?;
    /// let offset = ivvy::SystemClock.now().duration_since(server_time).unwrap_or_default();
    /// println!("iVvy's clock is {} s behind ours", offset.as_secs());
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<SystemTime, Error> {
        let body = ivvy_api::types::PingRequest(serde_json::Map::new());
        let reply = self
            .read(
                &self.shared.retry,
                0x9196,
                &Reporter::default(),
                |attempt| {
                    self.call(CallInfo::new("ping", attempt), || {
                        self.shared.api.ping(&body)
                    })
                },
            )
            .await?;
        ivvy_iws::timestamp::parse(&reply.ack).ok_or_else(|| Error::UnexpectedReply {
            status: Some(StatusCode::OK),
            problem: "the ping reply's `ack` is not a timestamp (yyyy-mm-dd HH:mm:ss UTC)".into(),
            excerpt: body_excerpt(reply.ack.as_bytes()),
            source: None,
        })
    }
}
