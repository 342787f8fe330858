//! The auction-manager service: it owns the lot clock, decides bids, publishes events, and
//! serves the admin API.
//!
//! - [`scheduler`]: drives lots PENDING → ACTIVE → PROCESSING by the clock, from PostgreSQL.
//! - [`engine`]: consumes bid commands from RabbitMQ and decides them in batches, in received
//!   order across ingest instances; makes winners final (`lot.closed`).
//! - [`relay`]: publishes committed events from the outbox to RabbitMQ, in order.
//! - [`moderation`]: pause, extend, cancel, void, ban; each audited.
//! - [`api`]: the REST routes over all of the above.
//! - [`users`]: admin users, roles and API tokens.
//! - [`telemetry`]: the metrics it records (names and help texts).
//!
//! [`Application::build`] binds the port and connects; [`Application::run`] runs every part
//! until shutdown, and stops them all if one fails, so the process exits and is restarted
//! rather than running on half-alive.

pub mod api;
pub mod engine;
pub mod moderation;
pub mod relay;
pub mod scheduler;
pub mod telemetry;
pub mod users;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::Context;
use chrono::Utc;
use engine::{BidEngine, EngineConfig};
use gavel_bus::lapin::Connection;
use gavel_bus::topology::Topology;
use gavel_store::PgPool;
use relay::Relay;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the admin API listens.
    pub http_address: SocketAddr,
    pub topology: Topology,
    pub engine: EngineConfig,
    /// Whether this process also runs the outbox relay (`gavel run outbox-relay` runs it alone).
    pub with_relay: bool,
    pub web: WebConfig,
}

/// What the HTTP server serves besides the admin API.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// The built dashboard (`dashboard/dist`): `/` and `/assets/*`, and `/overlay/{id}`.
    pub dashboard_dir: Option<std::path::PathBuf>,
    /// The live-state cache, for the overlay's public endpoint.
    pub live: Option<gavel_live::LiveCache>,
    /// More routes on the same server (the event gateway's streams, same origin as the pages).
    pub extra_routes: Option<axum::Router>,
    /// The chain settings, for the health page and the viewer page's public chain facts.
    pub chain: Option<gavel_chain::settings::ChainSettings>,
    /// Where viewers reach the public pages.
    pub site: api::public::PublicSite,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("dashboard_dir", &self.dashboard_dir)
            .field("live", &self.live.is_some())
            .field("extra_routes", &self.extra_routes.is_some())
            .field("chain", &self.chain.as_ref().map(|c| c.network))
            .field("site", &self.site)
            .finish()
    }
}

/// When each background part last completed a pass (Unix milliseconds), for `/ready`: a part
/// that stopped making progress makes the service not ready, which an operator sees.
#[derive(Debug)]
pub struct Heartbeats {
    pub scheduler: AtomicI64,
    pub engine: AtomicI64,
}

impl Heartbeats {
    /// Every part counts as having beaten at start, so a fresh service is not "stalled".
    pub fn starting_now() -> Self {
        let now = Utc::now().timestamp_millis();
        Heartbeats { scheduler: AtomicI64::new(now), engine: AtomicI64::new(now) }
    }

    pub fn beat(slot: &AtomicI64) {
        slot.store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Milliseconds since the slot last beat.
    pub fn age_ms(slot: &AtomicI64) -> i64 {
        Utc::now().timestamp_millis() - slot.load(Ordering::Relaxed)
    }
}

/// Crash tests kill a process at an exact point: between the engine's commit and its acks
/// (`commit`), or between the relay's publish and marking the events published (`publish`).
/// With `GAVEL_FAILPOINT=<point>:<n>` set, the process stops for good the n-th time it passes
/// that point and says so on standard error. Unset (always, outside those tests) it does nothing.
pub(crate) async fn failpoint(point: &str) {
    static SET: std::sync::OnceLock<Option<(String, u64)>> = std::sync::OnceLock::new();
    static PASSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let set = SET.get_or_init(|| {
        let value = std::env::var("GAVEL_FAILPOINT").ok()?;
        let (name, n) = value.split_once(':')?;
        Some((name.to_owned(), n.parse().ok()?))
    });
    if let Some((name, n)) = set
        && name == point
        && PASSES.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        eprintln!("failpoint: paused after {point}");
        std::future::pending::<()>().await;
    }
}

pub struct Application {
    listener: TcpListener,
    pool: PgPool,
    connection: Arc<Connection>,
    config: Config,
}

impl Application {
    pub async fn build(config: Config, pool: PgPool, connection: Arc<Connection>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.http_address).await.with_context(|| format!("cannot listen on {}", config.http_address))?;
        let channel = connection.create_channel().await.context("RabbitMQ channel")?;
        config.topology.declare(&channel).await.context("declaring the RabbitMQ topology")?;
        Ok(Application { listener, pool, connection, config })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Runs the API, the scheduler, the bid engine and the relay until `shutdown` is cancelled
    /// or one of them fails (then the others are stopped and the failure returned).
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let wake_scheduler = Arc::new(Notify::new());
        let wake_relay = Arc::new(Notify::new());
        let heartbeats = Arc::new(Heartbeats::starting_now());
        let mut parts = JoinSet::new();
        parts.spawn(scheduler::run(self.pool.clone(), wake_scheduler.clone(), heartbeats.clone(), shutdown.clone()));
        let engine = BidEngine {
            pool: self.pool.clone(),
            topology: self.config.topology.clone(),
            config: self.config.engine.clone(),
            relay_wake: wake_relay.clone(),
        };
        let (connection, token, beats) = (self.connection.clone(), shutdown.clone(), heartbeats.clone());
        parts.spawn(async move { engine.run(&connection, beats, token).await.context("bid engine") });
        parts.spawn(engine::watch_queue_depth(self.connection.clone(), self.config.topology.clone(), shutdown.clone()));
        if self.config.with_relay {
            let relay = Relay {
                pool: self.pool.clone(),
                topology: self.config.topology.clone(),
                connection: self.connection.clone(),
                wake: wake_relay,
            };
            let token = shutdown.clone();
            parts.spawn(async move { relay.run(token).await.context("outbox relay") });
        }
        let web = self.config.web.clone();
        let state = api::AppState {
            pool: self.pool,
            live: web.live.clone(),
            chain: web.chain.clone(),
            topology: self.config.topology.clone(),
            wake_scheduler,
            heartbeats,
            connection: self.connection,
            site: web.site.clone(),
        };
        let mut app = api::router(state);
        if let Some(extra) = web.extra_routes {
            // Merged after the API's layers: a stream must not hit the request timeout.
            app = app.merge(extra);
        }
        if let Some(dir) = web.dashboard_dir {
            app = app.merge(api::pages(&dir));
        }
        tracing::info!(address = %self.listener.local_addr()?, "auction-manager listening");
        let server = axum::serve(self.listener, api::traced(app)).with_graceful_shutdown(shutdown.clone().cancelled_owned());
        parts.spawn(async move { server.await.context("the API server failed") });

        let mut failure = None;
        while let Some(finished) = parts.join_next().await {
            let outcome = finished.map_err(|panic| anyhow::anyhow!("a task panicked: {panic}")).and_then(|outcome| outcome);
            match outcome {
                Err(error) => {
                    tracing::error!(error = format!("{error:#}"), "stopping the auction-manager");
                    failure.get_or_insert(error);
                }
                // Nothing may stop on its own while the service runs.
                Ok(()) if !shutdown.is_cancelled() => {
                    failure.get_or_insert(anyhow::anyhow!("a part of the auction-manager stopped on its own"));
                }
                Ok(()) => {}
            }
            shutdown.cancel();
        }
        failure.map_or(Ok(()), Err)
    }
}
