//! The admin REST API (JSON over HTTP). Viewers read, operators moderate, admins configure;
//! every mutation is audited. Routes are listed here, in one place.

mod auth;
mod error;
mod lots;
mod marathons;
mod moderation;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use gavel_store::PgPool;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Bodies are small JSON documents; anything larger is refused before it is read.
const MAX_BODY_BYTES: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Wakes the scheduler when a lot's times change.
    pub wake_scheduler: Arc<Notify>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api/marathons", get(marathons::list).post(marathons::create))
        .route("/api/marathons/{id}", get(marathons::get))
        .route("/api/marathons/{id}/lots", post(marathons::add_lot))
        .route("/api/lots/{id}", get(lots::get).patch(lots::edit))
        .route("/api/lots/{id}/bids", get(lots::bids_page))
        .route("/api/lots/{id}/leaderboard", get(lots::leaderboard))
        .route("/api/lots/{id}/extend", post(lots::extend))
        .route("/api/lots/{id}/cancel", post(lots::cancel))
        .route("/api/bids/{id}/void", post(moderation::void_bid))
        .route("/api/bidders/{id}", get(moderation::get_bidder))
        .route("/api/bidders/{id}/ban", post(moderation::ban))
        .route("/api/bidders/{id}/unban", post(moderation::unban))
        .route("/api/bidding", get(moderation::status))
        .route("/api/bidding/pause", post(moderation::pause))
        .route("/api/bidding/resume", post(moderation::resume))
        .route("/api/public/lots/{id}/bid-log", get(lots::public_bid_log))
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness: the process answers.
async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

/// Readiness: the dependencies answer.
async fn ready(State(state): State<AppState>) -> (StatusCode, axum::Json<Value>) {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, axum::Json(json!({ "status": "ready", "postgres": "ok" }))),
        Err(error) => {
            tracing::warn!(error = %error, "readiness: PostgreSQL unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "not_ready", "postgres": "unreachable" })))
        }
    }
}
