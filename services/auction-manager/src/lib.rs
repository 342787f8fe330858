//! The auction-manager service: it owns the lot clock and serves the admin API.
//!
//! - [`scheduler`]: drives lots PENDING → ACTIVE → PROCESSING by the clock, from PostgreSQL.
//! - [`engine`]: decides a bid command and records it with its lot update and events.
//! - [`moderation`]: pause, extend, cancel, void, ban; each audited.
//! - [`api`]: the REST routes over all of the above.
//! - [`users`]: admin users, roles and API tokens.
//!
//! [`Application::build`] binds the port and [`Application::run`] serves until shutdown, so
//! tests start the real service on port 0.

pub mod api;
pub mod engine;
pub mod moderation;
pub mod scheduler;
pub mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use gavel_store::PgPool;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the admin API listens.
    pub http_address: SocketAddr,
}

pub struct Application {
    listener: TcpListener,
    pool: PgPool,
}

impl Application {
    pub async fn build(config: &Config, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.http_address).await.with_context(|| format!("cannot listen on {}", config.http_address))?;
        Ok(Application { listener, pool })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves the API and runs the scheduler until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let wake = Arc::new(Notify::new());
        let scheduler = tokio::spawn(scheduler::run(self.pool.clone(), wake.clone(), shutdown.clone()));
        let app = api::router(api::AppState { pool: self.pool, wake_scheduler: wake });
        tracing::info!(address = %self.listener.local_addr()?, "auction-manager listening");
        let server = axum::serve(self.listener, app).with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let served = server.await.context("the API server failed");
        shutdown.cancel();
        scheduler.await.context("the scheduler task panicked")?;
        served
    }
}
