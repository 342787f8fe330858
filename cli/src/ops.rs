//! The operations endpoints of a process without the admin API: `/health` (the process answers),
//! `/ready` (its dependencies answer) and `/metrics`. A gateway running alone serves them beside
//! its streams; chat-ingest, the outbox relay or settlement alone serve them at `ops.address`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use gavel_bus::lapin::Connection;
use gavel_live::LiveCache;
use gavel_store::PgPool;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// A dependency that does not answer within this is reported as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What the process depends on, for `/ready`.
#[derive(Clone)]
pub struct Dependencies {
    pub pool: PgPool,
    pub rabbitmq: Arc<Connection>,
    /// Redis, when a service of the process uses it (the gateway, chat-ingest).
    pub redis: Option<LiveCache>,
}

pub fn router(dependencies: Dependencies) -> Router {
    let checks = Router::new().route("/health", get(health)).route("/ready", get(ready)).with_state(dependencies);
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

async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

async fn ready(State(dependencies): State<Dependencies>) -> (StatusCode, axum::Json<Value>) {
    let postgres = match tokio::time::timeout(CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(&dependencies.pool)).await {
        Ok(Ok(_)) => "ok",
        _ => "unreachable",
    };
    let rabbitmq = if dependencies.rabbitmq.status().connected() { "ok" } else { "disconnected" };
    let redis = match &dependencies.redis {
        Some(live) => match tokio::time::timeout(CHECK_TIMEOUT, live.ping()).await {
            Ok(true) => Some("ok"),
            _ => Some("unreachable"),
        },
        None => None,
    };
    let all_ok = [Some(postgres), Some(rabbitmq), redis].into_iter().flatten().all(|status| status == "ok");
    let status = if all_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut body = json!({ "status": if all_ok { "ready" } else { "not_ready" }, "postgres": postgres, "rabbitmq": rabbitmq });
    if let Some(redis) = redis {
        body["redis"] = json!(redis);
    }
    (status, axum::Json(body))
}
