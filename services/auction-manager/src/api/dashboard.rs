//! What the dashboard and the overlay read besides the admin API: the public live state of a
//! marathon's current lot (from the live cache), settings, bidders, a lot's settlement
//! attempts and recent events.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gavel_domain::{LotId, MarathonId};
use gavel_store::{audit, settings, settlement};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{Operator, Viewer};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// `GET /api/public/marathons/{id}/live`: what the overlay shows. Read from Redis; rebuilt from
/// PostgreSQL when Redis does not have it.
pub async fn marathon_live(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<Value>, ApiError> {
    let live = state.live.as_ref().ok_or(ApiError::NotFound("live state (no Redis configured)"))?;
    let marathon =
        live.marathon(MarathonId(id)).await.map_err(|error| ApiError::Internal(error.into()))?.ok_or(ApiError::NotFound("marathon"))?;
    let lot = match marathon.lot_id {
        Some(lot) => live.lot(lot).await.map_err(|error| ApiError::Internal(error.into()))?,
        None => None,
    };
    Ok(Json(json!({
        "marathon_id": marathon.marathon_id,
        "marathon_name": marathon.marathon_name,
        "lot": lot,
        "server_time": Utc::now(),
    })))
}

pub async fn get_settings(State(state): State<AppState>, _: Viewer) -> Result<Json<Value>, ApiError> {
    let paused = settings::bidding_paused(&state.pool).await?;
    let replies = settings::chat_replies(&state.pool).await?;
    Ok(Json(json!({ "bidding_paused": paused, "chat_replies": replies })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    enabled: bool,
}

/// `POST /api/settings/chat-replies`: Gavel's chat replies on or off.
pub async fn set_chat_replies(
    State(state): State<AppState>,
    Operator(caller): Operator,
    ApiJson(switch): ApiJson<Switch>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.pool.begin().await?;
    if settings::set_chat_replies(&mut *tx, switch.enabled).await? {
        audit::record(&mut *tx, caller.user.id, "chat_replies.set", "settings", json!({ "enabled": switch.enabled })).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({ "chat_replies": switch.enabled })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiddersQuery {
    limit: Option<u32>,
    after: Option<String>,
}

/// `GET /api/bidders`: bidders with their escrow and bidding power, by id.
pub async fn list_bidders(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<BiddersQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let bidders = gavel_store::bidders::list(&state.pool, query.after.as_deref(), limit).await?;
    Ok(Json(json!({ "bidders": bidders })))
}

/// `GET /api/lots/{id}/settlement`: every recorded settlement step of a lot.
pub async fn lot_settlement(State(state): State<AppState>, _: Viewer, ApiPath(id): ApiPath<i64>) -> Result<Json<Value>, ApiError> {
    let attempts = settlement::attempts(&state.pool, LotId(id), None).await?;
    Ok(Json(json!({ "attempts": attempts })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(rename = "type")]
    event_type: Option<String>,
    lot_id: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/events/recent`: published events, newest first, filtered by type and lot.
pub async fn recent_events(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let events = gavel_store::outbox::recent(&state.pool, query.event_type.as_deref(), query.lot_id, limit).await?;
    Ok(Json(json!({ "events": events })))
}
