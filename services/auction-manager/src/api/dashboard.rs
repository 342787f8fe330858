//! What the dashboard reads besides the admin API: settings, bidders, a lot's settlement
//! attempts and recent events.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gavel_domain::events::EventEnvelope;
use gavel_domain::{LotId, Wei};
use gavel_store::bidders::BidderSummary;
use gavel_store::{audit, settings, settlement};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::auth::{Operator, Viewer};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};

/// The operators' switches.
#[derive(Serialize, ts_rs::TS)]
pub struct Settings {
    bidding_paused: bool,
    chat_replies: bool,
}

pub async fn get_settings(State(state): State<AppState>, _: Viewer) -> Result<Json<Settings>, ApiError> {
    let bidding_paused = settings::bidding_paused(&state.pool).await?;
    let chat_replies = settings::chat_replies(&state.pool).await?;
    Ok(Json(Settings { bidding_paused, chat_replies }))
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
) -> Result<Json<ChatReplies>, ApiError> {
    let mut tx = state.pool.begin().await?;
    if settings::set_chat_replies(&mut *tx, switch.enabled).await? {
        audit::record(&mut *tx, caller.user.id, "chat_replies.set", "settings", json!({ "enabled": switch.enabled })).await?;
    }
    tx.commit().await?;
    Ok(Json(ChatReplies { chat_replies: switch.enabled }))
}

#[derive(Serialize, ts_rs::TS)]
pub struct ChatReplies {
    chat_replies: bool,
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
) -> Result<Json<BidderList>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let bidders = gavel_store::bidders::list(&state.pool, query.after.as_deref(), limit).await?;
    Ok(Json(BidderList { bidders }))
}

#[derive(Serialize, ts_rs::TS)]
pub struct BidderList {
    bidders: Vec<BidderSummary>,
}

/// `GET /api/lots/{id}/settlement`: every recorded settlement step of a lot.
pub async fn lot_settlement(
    State(state): State<AppState>,
    _: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SettlementAttempts>, ApiError> {
    let attempts = settlement::attempts(&state.pool, LotId(id), None).await?;
    Ok(Json(SettlementAttempts { attempts }))
}

#[derive(Serialize, ts_rs::TS)]
pub struct SettlementAttempts {
    attempts: Vec<settlement::Attempt>,
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
) -> Result<Json<RecentEvents>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let events = gavel_store::outbox::recent(&state.pool, query.event_type.as_deref(), query.lot_id, limit).await?;
    Ok(Json(RecentEvents { events }))
}

#[derive(Serialize, ts_rs::TS)]
pub struct RecentEvents {
    events: Vec<EventEnvelope>,
}

/// `GET /api/health/system`: each dependency and each part, for the dashboard's health page.
#[derive(Serialize, ts_rs::TS)]
pub struct SystemHealth {
    postgres: Reachable,
    redis: RedisHealth,
    rabbitmq: RabbitMqHealth,
    chain: ChainHealth,
    services: ServicesHealth,
}

#[derive(Serialize, ts_rs::TS)]
pub struct Reachable {
    ok: bool,
}

#[derive(Serialize, ts_rs::TS)]
pub struct RedisHealth {
    ok: bool,
    configured: bool,
}

#[derive(Serialize, ts_rs::TS)]
pub struct RabbitMqHealth {
    ok: bool,
    queues: Vec<QueueHealth>,
}

#[derive(Serialize, ts_rs::TS)]
pub struct QueueHealth {
    name: String,
    messages: u32,
    consumers: u32,
}

/// The chain's head and the signer's balance (the signer's address only: never its key).
#[derive(Serialize, ts_rs::TS)]
pub struct ChainHealth {
    configured: bool,
    chain_id: Option<u64>,
    head: Option<u64>,
    #[ts(type = "string | null")]
    signer: Option<alloy::primitives::Address>,
    signer_balance_wei: Option<Wei>,
}

#[derive(Serialize, ts_rs::TS)]
pub struct ServicesHealth {
    scheduler: Beat,
    engine: Beat,
    chat_ingest: Vec<IngestInstance>,
}

#[derive(Serialize, ts_rs::TS)]
pub struct Beat {
    last_beat_ms_ago: i64,
}

#[derive(Serialize, ts_rs::TS)]
pub struct IngestInstance {
    id: String,
    last_seen_ms_ago: i64,
}

pub async fn system_health(State(state): State<AppState>, _: Viewer) -> Result<Json<SystemHealth>, ApiError> {
    let postgres = super::probes::postgres(&state.pool).await;
    let redis = match &state.live {
        Some(live) => Some(super::probes::redis(live).await),
        None => None,
    };
    let rabbitmq = rabbitmq_queues(&state).await;
    let chain = match &state.chain {
        Some(chain) => chain_status(chain).await,
        None => ChainHealth { configured: false, chain_id: None, head: None, signer: None, signer_balance_wei: None },
    };
    let age = |slot| crate::Heartbeats::age_ms(slot);
    let chat_ingest = gavel_store::instances::all(&state.pool)
        .await?
        .into_iter()
        .map(|i| IngestInstance { last_seen_ms_ago: (Utc::now() - i.last_seen_at).num_milliseconds(), id: i.id })
        .collect();
    Ok(Json(SystemHealth {
        postgres: Reachable { ok: postgres },
        redis: RedisHealth { ok: redis.unwrap_or(false), configured: redis.is_some() },
        rabbitmq,
        chain,
        services: ServicesHealth {
            scheduler: Beat { last_beat_ms_ago: age(&state.heartbeats.scheduler) },
            engine: Beat { last_beat_ms_ago: age(&state.heartbeats.engine) },
            chat_ingest,
        },
    }))
}

/// The bid, dead-letter and chat-replies queues' depth and consumers (a passive declare asks
/// without creating anything).
async fn rabbitmq_queues(state: &AppState) -> RabbitMqHealth {
    let connected = super::probes::rabbitmq(&state.connection);
    let Ok(channel) = state.connection.create_channel().await else { return RabbitMqHealth { ok: false, queues: Vec::new() } };
    let mut queues = Vec::new();
    for name in [state.topology.bids_queue(), state.topology.dead_bids_queue(), state.topology.chat_replies_queue()] {
        match gavel_bus::topology::inspect(&channel, &name).await {
            Ok(queue) => queues.push(QueueHealth { name, messages: queue.messages, consumers: queue.consumers }),
            // A failed passive declare closes the channel: the rest are not asked.
            Err(_) => break,
        }
    }
    let _ = channel.close(200, "done".into()).await;
    RabbitMqHealth { ok: connected, queues }
}

async fn chain_status(chain: &gavel_chain::settings::ChainSettings) -> ChainHealth {
    use alloy::providers::{Provider, ProviderBuilder};
    let chain_id = Some(chain.chain_id());
    let Ok(url) = chain.rpc_url() else {
        return ChainHealth { configured: true, chain_id, head: None, signer: None, signer_balance_wei: None };
    };
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    let timeout = std::time::Duration::from_secs(3);
    let head = tokio::time::timeout(timeout, provider.get_block_number()).await.ok().and_then(Result::ok);
    let signer = chain.signer().ok().map(|signer| signer.address());
    let signer_balance_wei = match signer {
        Some(address) => tokio::time::timeout(timeout, provider.get_balance(address)).await.ok().and_then(Result::ok).map(Wei::from),
        None => None,
    };
    ChainHealth { configured: true, chain_id, head, signer, signer_balance_wei }
}
