//! What the dashboard reads besides the admin API: settings, bidders, a lot's settlement
//! attempts and recent events.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gavel_domain::LotId;
use gavel_store::{audit, settings, settlement};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{Operator, Viewer};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};

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

/// `GET /api/health/system`: each dependency and each part, for the dashboard's health page.
pub async fn system_health(State(state): State<AppState>, _: Viewer) -> Result<Json<Value>, ApiError> {
    let postgres = super::probes::postgres(&state.pool).await;
    let redis = match &state.live {
        Some(live) => Some(super::probes::redis(live).await),
        None => None,
    };
    let rabbitmq = rabbitmq_queues(&state).await;
    let chain = match &state.chain {
        Some(chain) => chain_status(chain).await,
        None => json!({ "configured": false, "head": null, "signer_balance_wei": null }),
    };
    let age = |slot| crate::Heartbeats::age_ms(slot);
    let instances: Vec<Value> = gavel_store::instances::all(&state.pool)
        .await?
        .iter()
        .map(|i| json!({ "id": i.id, "last_seen_ms_ago": (Utc::now() - i.last_seen_at).num_milliseconds() }))
        .collect();
    Ok(Json(json!({
        "postgres": { "ok": postgres },
        "redis": { "ok": redis.unwrap_or(false), "configured": redis.is_some() },
        "rabbitmq": rabbitmq,
        "chain": chain,
        "services": {
            "scheduler": { "last_beat_ms_ago": age(&state.heartbeats.scheduler) },
            "engine": { "last_beat_ms_ago": age(&state.heartbeats.engine) },
            "chat_ingest": instances,
        },
    })))
}

/// The bid, dead-letter and chat-replies queues' depth and consumers (a passive declare asks
/// without creating anything).
async fn rabbitmq_queues(state: &AppState) -> Value {
    let connected = super::probes::rabbitmq(&state.connection);
    let Ok(channel) = state.connection.create_channel().await else { return json!({ "ok": false, "queues": [] }) };
    let mut queues = Vec::new();
    for name in [state.topology.bids_queue(), state.topology.dead_bids_queue(), state.topology.chat_replies_queue()] {
        match gavel_bus::topology::inspect(&channel, &name).await {
            Ok(queue) => queues.push(json!({ "name": name, "messages": queue.messages, "consumers": queue.consumers })),
            // A failed passive declare closes the channel: the rest are not asked.
            Err(_) => break,
        }
    }
    let _ = channel.close(200, "done".into()).await;
    json!({ "ok": connected, "queues": queues })
}

/// The chain's head and the signer's balance (the signer's address only: never its key).
async fn chain_status(chain: &gavel_chain::settings::ChainSettings) -> Value {
    use alloy::providers::{Provider, ProviderBuilder};
    let Ok(url) = chain.rpc_url() else { return json!({ "configured": true, "head": null, "signer_balance_wei": null }) };
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    let timeout = std::time::Duration::from_secs(3);
    let head = tokio::time::timeout(timeout, provider.get_block_number()).await.ok().and_then(Result::ok);
    let signer = chain.signer().ok().map(|signer| signer.address());
    let balance = match signer {
        Some(address) => {
            tokio::time::timeout(timeout, provider.get_balance(address)).await.ok().and_then(Result::ok).map(|b| b.to_string())
        }
        None => None,
    };
    json!({ "configured": true, "chain_id": chain.chain_id(), "head": head, "signer": signer, "signer_balance_wei": balance })
}
