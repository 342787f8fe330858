//! The operations endpoints of a process without the admin API: `/health` (the process answers),
//! `/ready` (its dependencies answer) and `/metrics`. A gateway running alone serves them beside
//! its streams; chat-ingest, the outbox relay or settlement alone serve them at `ops.address`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use gavel_auction_manager::api::probes;
use gavel_bus::lapin::Connection;
use gavel_live::LiveCache;
use gavel_store::PgPool;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// What the process depends on, for `/ready`.
#[derive(Clone)]
pub struct Dependencies {
    pub pool: PgPool,
    pub rabbitmq: Arc<Connection>,
    /// Redis, when a service of the process uses it (the gateway, chat-ingest).
    pub redis: Option<LiveCache>,
}

pub fn router(dependencies: Dependencies) -> Router {
    let checks = Router::new().route("/health", get(probes::health)).route("/ready", get(ready)).with_state(dependencies);
    checks.merge(crate::telemetry::router())
}

/// Serves `router` at `address` until `shutdown`.
pub async fn serve(address: SocketAddr, router: Router, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
    tracing::info!(address = %address, "operations endpoints listening (/health, /ready, /metrics)");
    axum::serve(listener, gavel_auction_manager::api::traced(router))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .context("the operations server failed")
}

async fn ready(State(dependencies): State<Dependencies>) -> (StatusCode, axum::Json<Value>) {
    let mut checks = vec![
        probes::Check::new("postgres", probes::postgres(&dependencies.pool).await, "unreachable"),
        probes::Check::new("rabbitmq", probes::rabbitmq(&dependencies.rabbitmq), "disconnected"),
    ];
    if let Some(live) = &dependencies.redis {
        checks.push(probes::Check::new("redis", probes::redis(live).await, "unreachable"));
    }
    probes::readiness(checks)
}
