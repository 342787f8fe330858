//! The admin REST API (JSON over HTTP). Viewers read, operators moderate, admins configure;
//! every mutation is audited. Routes are listed here, in one place.

pub mod auth;
mod dashboard;
mod error;
mod lots;
mod marathons;
mod moderation;
pub mod probes;
pub mod public;
mod session;
#[cfg(test)]
mod typescript;
mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gavel_bus::lapin::Connection;
use gavel_store::PgPool;
use serde_json::Value;
use tokio::sync::Notify;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::Heartbeats;

/// Bodies are small JSON documents; anything larger is refused before it is read.
const MAX_BODY_BYTES: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// The live-state cache, when Redis is configured (the overlay's public endpoint reads it).
    pub live: Option<gavel_live::LiveCache>,
    /// The chain, for the health page (head, signer balance).
    pub chain: Option<gavel_chain::settings::ChainSettings>,
    pub topology: gavel_bus::topology::Topology,
    /// Wakes the scheduler when a lot's times change.
    pub wake_scheduler: Arc<Notify>,
    pub heartbeats: Arc<Heartbeats>,
    pub connection: Arc<Connection>,
    /// Where viewers reach the public pages, and the IPFS gateway they read metadata through.
    pub site: public::PublicSite,
}

/// A background part silent for longer than this is reported as stalled.
const STALLED_AFTER_MS: i64 = 5_000;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(probes::health))
        .route("/ready", get(ready))
        .route("/api/marathons", get(marathons::list).post(marathons::create))
        .route("/api/marathons/{id}", get(marathons::get).patch(marathons::edit).delete(marathons::delete))
        .route("/api/marathons/{id}/lots", post(marathons::add_lot))
        .route("/api/lots/{id}", get(lots::get).patch(lots::edit))
        .route("/api/lots/{id}/bids", get(lots::bids_page))
        .route("/api/lots/{id}/leaderboard", get(lots::leaderboard))
        .route("/api/lots/{id}/extend", post(lots::extend))
        .route("/api/lots/{id}/cancel", post(lots::cancel))
        .route("/api/lots/{id}/pause", post(lots::pause))
        .route("/api/lots/{id}/resume", post(lots::resume))
        .route("/api/lots/{id}/audit", get(lots::audit_trail))
        .route("/api/bids/{id}/void", post(moderation::void_bid))
        .route("/api/bids/{id}/reinstate", post(moderation::reinstate_bid))
        .route("/api/bidders/{id}", get(moderation::get_bidder))
        .route("/api/bidders/{id}/ban", post(moderation::ban))
        .route("/api/bidders/{id}/unban", post(moderation::unban))
        .route("/api/bidders/{id}/unlink", post(moderation::unlink))
        .route("/api/bidding", get(moderation::status))
        .route("/api/bidding/pause", post(moderation::pause))
        .route("/api/bidding/resume", post(moderation::resume))
        .route("/api/public/lots/{id}/bid-log", get(lots::public_bid_log))
        .route("/api/public/marathons/{id}", get(public::marathon))
        .route("/api/public/marathons/{id}/live", get(public::marathon_live))
        .route("/api/public/chain", get(public::chain))
        .route("/api/public/wallets/{address}", get(public::wallet))
        .route("/api/session", get(session::current).post(session::login).delete(session::logout))
        .route("/api/settings", get(dashboard::get_settings))
        .route("/api/settings/chat-replies", post(dashboard::set_chat_replies))
        .route("/api/bidders", get(dashboard::list_bidders))
        .route("/api/lots/{id}/settlement", get(dashboard::lot_settlement))
        .route("/api/events/recent", get(dashboard::recent_events))
        .route("/api/health/system", get(dashboard::system_health))
        .route("/api/{*rest}", axum::routing::any(|| async { ApiError::NotFound("route") }))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(state)
}

/// Request ids and a span per request, for every route of a server: `x-request-id` is taken from
/// the caller (a proxy that set one) when it is fit to keep, else made (a UUID), carried by every
/// log line of the request through its span, and returned on the response, so a report quoting it
/// finds the logs.
pub fn traced(router: Router) -> Router {
    // Outermost last: an unfit id is dropped, so one is made, before the span is made and the id
    // copied onto the response.
    router
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unfit_request_id))
}

/// Removes the caller's `x-request-id` unless it is one value of 1–64 characters from
/// `[A-Za-z0-9._-]`: it lands in every log line and span of the request, so it must not be able
/// to forge a line, carry a secret or bloat them.
async fn drop_unfit_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let mut values = request.headers().get_all(X_REQUEST_ID).iter();
    let fit = match (values.next(), values.next()) {
        (Some(id), None) => {
            (1..=64).contains(&id.len()) && id.as_bytes().iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        }
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !fit {
        request.headers_mut().remove(X_REQUEST_ID);
    }
    request
}

const X_REQUEST_ID: &str = "x-request-id";

/// The path without the query string: a query could carry what logs should not.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get(X_REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id = id)
}

/// The built dashboard: `/overlay/{marathon}` is the overlay page, `/m/{marathon}` the public
/// viewer page, anything else not an API route
/// a file of the build, or the dashboard's `index.html` (its routes live in the URL's hash).
pub fn pages(dir: &std::path::Path) -> Router {
    use tower_http::services::{ServeDir, ServeFile};
    let overlay = ServeFile::new(dir.join("overlay.html"));
    let viewer = ServeFile::new(dir.join("viewer.html"));
    Router::new()
        .route_service("/overlay/{marathon}", overlay)
        .route_service("/m/{marathon}", viewer)
        .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))))
}

/// Readiness: the dependencies answer and the background parts make progress.
async fn ready(State(state): State<AppState>) -> (StatusCode, axum::Json<Value>) {
    let progress = |slot| Heartbeats::age_ms(slot) <= STALLED_AFTER_MS;
    probes::readiness([
        probes::Check::new("postgres", probes::postgres(&state.pool).await, "unreachable"),
        probes::Check::new("rabbitmq", probes::rabbitmq(&state.connection), "disconnected"),
        probes::Check::new("scheduler", progress(&state.heartbeats.scheduler), "stalled"),
        probes::Check::new("engine", progress(&state.heartbeats.engine), "stalled"),
    ])
}

/// Responses the framework makes itself (405, 413, a timeout) get the same JSON shape as ours.
async fn json_errors(response: Response) -> Response {
    let is_json = response.headers().get(CONTENT_TYPE).is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    let status = response.status();
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this path does not take that method"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the body is larger than 64 KiB"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "Gavel took too long to answer; try again"),
        _ => ("error", "the request failed"),
    };
    (status, axum::Json(error::ErrorBody { error: code.to_owned(), message: message.to_owned(), field: None })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn kept(id: &[u8]) -> Option<Vec<u8>> {
        let request = axum::http::Request::builder()
            .header(X_REQUEST_ID, axum::http::HeaderValue::from_bytes(id).expect("a header value"))
            .body(axum::body::Body::empty())
            .expect("a request");
        drop_unfit_request_id(request).await.headers().get(X_REQUEST_ID).map(|value| value.as_bytes().to_vec())
    }

    #[tokio::test]
    async fn a_fit_request_id_is_kept() {
        for id in ["a", "from-the-proxy_42.7", &"x".repeat(64)] {
            assert_eq!(kept(id.as_bytes()).await.as_deref(), Some(id.as_bytes()), "{id}");
        }
    }

    #[tokio::test]
    async fn an_unfit_request_id_is_dropped_so_one_is_made() {
        let long = "x".repeat(65);
        for id in ["", "has space", "line\tbreak", "a/b", "token=secret", "é", long.as_str()] {
            assert_eq!(kept(id.as_bytes()).await, None, "{id:?}");
        }
        let twice = axum::http::Request::builder()
            .header(X_REQUEST_ID, "one")
            .header(X_REQUEST_ID, "two")
            .body(axum::body::Body::empty())
            .expect("a request");
        assert!(drop_unfit_request_id(twice).await.headers().get(X_REQUEST_ID).is_none());
    }
}
