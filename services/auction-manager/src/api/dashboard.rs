//! What the dashboard reads besides the admin API: settings, bidders, a lot's settlement
//! attempts and recent events.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use gavel_domain::events::EventEnvelope;
use gavel_domain::{LotId, Wei};
use gavel_store::bidders::BidderSummary;
use gavel_store::{audit, heartbeats, settings, settlement};
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
    bidder: Option<String>,
    before_seq: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/events/recent`: published events, newest first, filtered by type, lot and bidder,
/// a page at a time (`before_seq` from the previous page's `next_before_seq`).
pub async fn recent_events(
    State(state): State<AppState>,
    _: Viewer,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<RecentEvents>, ApiError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let filter = gavel_store::outbox::EventFilter {
        event_type: query.event_type.as_deref().filter(|text| !text.is_empty()),
        lot_id: query.lot_id,
        bidder: query.bidder.as_deref(),
        before_seq: query.before_seq,
    };
    let events = gavel_store::outbox::recent(&state.pool, filter, limit).await?;
    let next_before_seq = (events.len() == limit as usize).then(|| events.last().map(|event| event.seq)).flatten();
    Ok(Json(RecentEvents { events, next_before_seq }))
}

#[derive(Serialize, ts_rs::TS)]
pub struct RecentEvents {
    events: Vec<EventEnvelope>,
    /// Pass as `before_seq` for the next (older) page; absent on the last page.
    next_before_seq: Option<i64>,
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
    /// The broker does not have the queue (never declared, or expired): its counts are zero.
    missing: bool,
}

/// The chain's head and the signer's balance (the signer's address only: never its key), as this
/// process reads them with its own `[chain]` section, or else as the settlement service last
/// reported them.
#[derive(Serialize, ts_rs::TS)]
pub struct ChainHealth {
    configured: bool,
    reported_by: Option<ChainReporter>,
    chain_id: Option<u64>,
    head: Option<u64>,
    #[ts(type = "string | null")]
    signer: Option<alloy::primitives::Address>,
    signer_balance_wei: Option<Wei>,
}

/// Who read the chain facts shown.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum ChainReporter {
    AuctionManager,
    Settlement,
}

#[derive(Serialize, ts_rs::TS)]
pub struct ServicesHealth {
    scheduler: Beat,
    engine: Beat,
    chat_ingest: Vec<IngestInstance>,
    /// The settlement service's last heartbeat; none if it never ran against this database.
    settlement: Option<Beat>,
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
    let settlement = heartbeats::last::<heartbeats::ChainReport>(&state.pool, heartbeats::SETTLEMENT).await?;
    let chain = match (&state.chain, &settlement) {
        (Some(chain), _) => chain_status(chain).await,
        (None, Some((_, report))) => ChainHealth {
            configured: true,
            reported_by: Some(ChainReporter::Settlement),
            chain_id: Some(report.chain_id),
            head: report.head,
            signer: Some(report.signer),
            signer_balance_wei: report.signer_balance_wei,
        },
        (None, None) => {
            ChainHealth { configured: false, reported_by: None, chain_id: None, head: None, signer: None, signer_balance_wei: None }
        }
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
            settlement: settlement.map(|(at, _)| Beat { last_beat_ms_ago: (Utc::now() - at).num_milliseconds() }),
        },
    }))
}

/// The bid, dead-letter and chat-replies queues' depth and consumers (a passive declare asks
/// without creating anything); a queue the broker lacks is said to be missing.
async fn rabbitmq_queues(state: &AppState) -> RabbitMqHealth {
    let connected = super::probes::rabbitmq(&state.connection);
    let mut queues = Vec::new();
    let mut channel = None;
    for name in [state.topology.bids_queue(), state.topology.dead_bids_queue(), state.topology.chat_replies_queue()] {
        // A failed passive declare closes its channel: the next queue gets a new one.
        let open = match channel.take() {
            Some(open) => open,
            None => match state.connection.create_channel().await {
                Ok(open) => open,
                Err(_) => return RabbitMqHealth { ok: false, queues },
            },
        };
        match gavel_bus::topology::inspect(&open, &name).await {
            Ok(queue) => {
                queues.push(QueueHealth { name, messages: queue.messages, consumers: queue.consumers, missing: false });
                channel = Some(open);
            }
            Err(_) => queues.push(QueueHealth { name, messages: 0, consumers: 0, missing: true }),
        }
    }
    if let Some(open) = channel {
        let _ = open.close(200, "done".into()).await;
    }
    RabbitMqHealth { ok: connected, queues }
}

async fn chain_status(chain: &gavel_chain::settings::ChainSettings) -> ChainHealth {
    use alloy::providers::{Provider, ProviderBuilder};
    let chain_id = Some(chain.chain_id());
    let Ok(url) = chain.rpc_url() else {
        return ChainHealth {
            configured: true,
            reported_by: Some(ChainReporter::AuctionManager),
            chain_id,
            head: None,
            signer: None,
            signer_balance_wei: None,
        };
    };
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url);
    let timeout = std::time::Duration::from_secs(3);
    let head = tokio::time::timeout(timeout, provider.get_block_number()).await.ok().and_then(Result::ok);
    let signer = chain.signer().ok().map(|signer| signer.address());
    let signer_balance_wei = match signer {
        Some(address) => tokio::time::timeout(timeout, provider.get_balance(address)).await.ok().and_then(Result::ok).map(Wei::from),
        None => None,
    };
    ChainHealth { configured: true, reported_by: Some(ChainReporter::AuctionManager), chain_id, head, signer, signer_balance_wei }
}
