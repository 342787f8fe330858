//! The event gateway: Gavel's events to browsers over Server-Sent Events.
//!
//! Each gateway instance reads the events exchange through a queue of its own (exclusive, gone
//! with the instance), so any number of them can run. Every event goes out with `id:` = its
//! `seq`. A client reconnecting with `Last-Event-ID` first gets what it missed, from the recent
//! history in Redis or, when Redis does not reach back that far (or was flushed), from
//! PostgreSQL's outbox, then the live events, without a gap or a repeat. Each client reads
//! through a bounded buffer: a client that falls a whole buffer behind is sent `resync` and
//! dropped, and the others never wait for it. Comments every 15 s keep idle streams open
//! through proxies.
//!
//! - [`hub`]: the broadcast of live events and the consumer that feeds it.
//! - [`history`]: recent events in Redis.
//! - [`stream`]: the SSE routes.
//! - [`telemetry`]: the metrics it records.
//!
//! The gateway also keeps the live-state cache ([`gavel_live`]) current: each event marks its
//! lot, and the marked lots are rebuilt from PostgreSQL a few times a second.

pub mod history;
pub mod hub;
pub mod stream;
pub mod telemetry;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::HeaderMap;
use gavel_bus::lapin::Connection;
use gavel_bus::topology::Topology;
use gavel_live::LiveCache;
use gavel_store::PgPool;
use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;

/// Decides whether a request may read the all-events stream (a valid session or API token).
/// The caller supplies it, so the gateway needs no knowledge of users.
pub type Authorizer = Arc<dyn Fn(HeaderMap) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct Config {
    pub topology: Topology,
    /// Events a client may fall behind before it is told to resync.
    pub client_buffer: usize,
    /// Most events replayed to a reconnecting client; more missed means resync.
    pub max_replay: usize,
    /// Recent events kept in Redis.
    pub history_len: usize,
}

impl Config {
    pub fn new(topology: Topology) -> Self {
        Config { topology, client_buffer: 1024, max_replay: 10_000, history_len: 10_000 }
    }
}

/// A running gateway: its router serves the streams while [`Gateway::run`] feeds them.
#[derive(Clone)]
pub struct Gateway {
    pub hub: Arc<hub::Hub>,
    pub history: history::History,
    pub live: LiveCache,
    pub pool: PgPool,
    pub authorize: Authorizer,
    config: Config,
    connection: Arc<Connection>,
}

impl Gateway {
    pub fn new(config: Config, pool: PgPool, redis: ConnectionManager, connection: Arc<Connection>, authorize: Authorizer) -> Self {
        let namespace = config.topology.namespace().to_owned();
        Gateway {
            hub: Arc::new(hub::Hub::new(config.client_buffer)),
            history: history::History::new(redis.clone(), &namespace, config.history_len),
            live: LiveCache::new(redis, pool.clone(), &namespace),
            pool,
            authorize,
            config,
            connection,
        }
    }

    /// The SSE routes, to serve alone or beside the admin API.
    pub fn router(&self) -> axum::Router {
        stream::router(self.clone())
    }

    /// Consumes events and keeps the live cache current until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let dirty = Arc::new(hub::DirtyLots::default());
        let refresher = tokio::spawn(hub::refresh_live(self.live.clone(), dirty.clone(), shutdown.clone()));
        let consumed = hub::consume(self.clone(), dirty, shutdown.clone()).await;
        shutdown.cancel();
        let _ = refresher.await;
        consumed
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.connection
    }
}
