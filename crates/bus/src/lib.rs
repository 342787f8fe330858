//! RabbitMQ as Gavel uses it: one place for the topology, the messages that cross it, and
//! publishing with confirms.
//!
//! - [`topology`]: exchanges and queues, declared idempotently by every service at start, under a
//!   namespace (so tests and benchmarks each get their own and delete it afterwards).
//! - [`messages`]: what travels on the bids queue (bid commands and ingest watermarks).
//! - [`publish`]: publishing that waits for the broker's confirm, so nothing is dropped silently.

pub mod messages;
pub mod publish;
pub mod topology;

use std::time::Duration;

pub use lapin;
use lapin::{Connection, ConnectionProperties};

/// Connects to RabbitMQ. The URL may hold a password: errors never include it.
pub async fn connect(url: &str, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(url, properties).await
}

/// Connects, retrying with backoff until it succeeds: a service waits for its broker rather
/// than dying while the broker restarts.
pub async fn connect_with_retry(url: &str, name: &str) -> Connection {
    let mut delay = Duration::from_millis(100);
    loop {
        match connect(url, name).await {
            Ok(connection) => return connection,
            Err(error) => {
                tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "RabbitMQ unreachable");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
