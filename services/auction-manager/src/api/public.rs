//! The public API: what the stream overlay and the viewer page (`/m/{marathon}`) read, with no
//! login. Read-only, bounded (pages and limits) and cached in Redis for a moment, so a crowd of
//! viewers arriving from the stream costs PostgreSQL one query per key and second. It shows only
//! what is public anyway, on chain or on the stream: no rejections of others, no moderation
//! reasons, no secrets (the chain's private RPC URL least of all).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use gavel_domain::marathon::BidRules;
use gavel_domain::{MarathonId, Wei};
use gavel_live::LotLive;
use gavel_store::viewers::{self, PublicLot, PublicWallet};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiPath, ApiQuery};

/// Where viewers find Gavel: the settings the public pages and chat replies name.
#[derive(Debug, Clone)]
pub struct PublicSite {
    /// The address viewers reach (`http.public_url`), e.g. `https://gavel.example`.
    pub public_url: Option<url::Url>,
    /// Where `ipfs://` token metadata is fetched from (`http.ipfs_gateway`).
    pub ipfs_gateway: url::Url,
}

impl Default for PublicSite {
    fn default() -> Self {
        PublicSite { public_url: None, ipfs_gateway: url::Url::parse(DEFAULT_IPFS_GATEWAY).expect("a URL") }
    }
}

/// A public gateway: most wallets' and explorers' default.
pub const DEFAULT_IPFS_GATEWAY: &str = "https://ipfs.io/ipfs/";

impl PublicSite {
    /// The public site's address without a trailing slash, as chat names it.
    pub fn home(&self) -> Option<String> {
        self.public_url.as_ref().map(|url| url.as_str().trim_end_matches('/').to_owned())
    }

    /// The viewer page of `marathon` on the public site.
    fn marathon_page(&self, marathon: MarathonId) -> Option<String> {
        self.home().map(|home| format!("{home}/m/{}", marathon.0))
    }
}

/// How long a public answer may be served from Redis: a viewer sees a bid within this plus the
/// live stream's own push.
const CACHED_FOR: Duration = Duration::from_secs(2);
const DEFAULT_LOTS: u32 = 50;
const MAX_LOTS: u32 = 100;

/// The rules a viewer needs to place a bid: the minimum next bid is computed from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "BidRules")]
pub struct PublicRules {
    pub reserve_wei: Wei,
    pub increment_bps: u32,
    pub min_increment_wei: Wei,
    pub anti_snipe_window_secs: i64,
    pub anti_snipe_extension_secs: i64,
}

impl From<&BidRules> for PublicRules {
    fn from(rules: &BidRules) -> Self {
        PublicRules {
            reserve_wei: rules.reserve,
            increment_bps: rules.increment_bps,
            min_increment_wei: rules.min_increment,
            anti_snipe_window_secs: rules.anti_snipe.window.num_seconds(),
            anti_snipe_extension_secs: rules.anti_snipe.extension.num_seconds(),
        }
    }
}

/// A chat channel the marathon takes bids from, with what a viewer types as their login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicChannel {
    pub platform: String,
    pub channel: String,
    pub platform_name: String,
    pub login_hint: String,
}

impl PublicChannel {
    /// `platform:channel` as a marathon lists it.
    fn parse(listed: &str) -> Option<Self> {
        let (platform, channel) = listed.split_once(':')?;
        let (platform_name, login_hint) = match platform {
            "twitch" => ("Twitch", "your Twitch login: the name in your channel's address, twitch.tv/<login>"),
            "youtube" => ("YouTube", "your YouTube handle, without the @"),
            "x" => ("X", "your X username, without the @"),
            "kick" => ("Kick", "your Kick username"),
            "sim" => ("Simulator", "the simulated viewer's login"),
            _ => ("Chat", "your login on that platform"),
        };
        Some(PublicChannel {
            platform: platform.to_owned(),
            channel: channel.to_owned(),
            platform_name: platform_name.to_owned(),
            login_hint: login_hint.to_owned(),
        })
    }
}

/// `GET /api/public/marathons/{id}`: the marathon and a page of its lots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicMarathon {
    pub id: MarathonId,
    pub name: String,
    pub time_zone: String,
    pub first_day: String,
    pub days: u32,
    pub rules: PublicRules,
    pub channels: Vec<PublicChannel>,
    /// Where viewers reach this page (`http.public_url`), for sharing.
    pub public_url: Option<String>,
    pub show_join_qr: bool,
    pub lots: Vec<PublicLot>,
    /// Ask again with `after_day` = this for the next page; `None` on the last.
    pub next_after_day: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LotsPage {
    after_day: Option<i32>,
    limit: Option<u32>,
}

pub async fn marathon(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<LotsPage>,
) -> Result<Json<PublicMarathon>, ApiError> {
    let limit = page.limit.unwrap_or(DEFAULT_LOTS);
    if !(1..=MAX_LOTS).contains(&limit) {
        return Err(ApiError::field("limit", format!("between 1 and {MAX_LOTS}")));
    }
    let after_day = page.after_day.unwrap_or(-1);
    let key = format!("marathon:{id}:{after_day}:{limit}");
    let answer = cached(&state, &key, || async {
        let marathon = gavel_store::marathons::get(&state.pool, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
        let lots = viewers::marathon_lots(&state.pool, marathon.id, after_day, limit).await?;
        let next_after_day = (lots.len() == limit as usize).then(|| lots.last().map(|lot| lot.day_index)).flatten();
        let config = &marathon.config;
        Ok(PublicMarathon {
            id: marathon.id,
            name: config.name.clone(),
            time_zone: config.time_zone.name().to_owned(),
            first_day: config.first_day.to_string(),
            days: config.days,
            rules: PublicRules::from(&config.rules),
            channels: config.chat_channels.iter().filter_map(|listed| PublicChannel::parse(listed)).collect(),
            public_url: state.site.marathon_page(marathon.id),
            show_join_qr: config.show_join_qr,
            lots,
            next_after_day,
        })
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /api/public/marathons/{id}/live`: the marathon's current lot, as the overlay and the
/// viewer page show it live. The lot comes from the live cache (Redis, rebuilt from PostgreSQL).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PublicLive {
    pub marathon_id: MarathonId,
    pub marathon_name: String,
    pub lot: Option<LotLive>,
    pub server_time: DateTime<Utc>,
    pub rules: PublicRules,
    pub public_url: Option<String>,
    pub show_join_qr: bool,
    /// All bidding is paused (maintenance mode); the lot's own pause is `lot.paused_at`.
    pub bidding_paused: bool,
}

pub async fn marathon_live(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<PublicLive>, ApiError> {
    let live = state.live.as_ref().ok_or(ApiError::NotFound("live state (no Redis configured)"))?;
    let current =
        live.marathon(MarathonId(id)).await.map_err(|error| ApiError::Internal(error.into()))?.ok_or(ApiError::NotFound("marathon"))?;
    let lot = match current.lot_id {
        Some(lot) => live.lot(lot).await.map_err(|error| ApiError::Internal(error.into()))?,
        None => None,
    };
    let settings = cached(&state, &format!("marathon:{id}:settings"), || async {
        let marathon = gavel_store::marathons::get(&state.pool, MarathonId(id)).await?.ok_or(ApiError::NotFound("marathon"))?;
        let paused = gavel_store::settings::bidding_paused(&state.pool).await?;
        Ok((PublicRules::from(&marathon.config.rules), marathon.config.show_join_qr, paused))
    })
    .await?;
    Ok(Json(PublicLive {
        marathon_id: current.marathon_id,
        marathon_name: current.marathon_name,
        lot,
        server_time: Utc::now(),
        rules: settings.0,
        public_url: state.site.marathon_page(MarathonId(id)),
        show_join_qr: settings.1,
        bidding_paused: settings.2,
    }))
}

/// `GET /api/public/chain`: the facts a browser wallet needs to deposit. Never the configured
/// `chain.rpc_url`, which may carry a provider's key: the public endpoint instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PublicChain {
    pub chain_id: u64,
    pub name: String,
    pub auction_house: String,
    pub explorer_url: Option<String>,
    pub public_rpc_url: String,
    pub reorg_depth: u64,
    /// Where `ipfs://` token metadata and images are fetched from.
    pub ipfs_gateway: String,
}

pub async fn chain(State(state): State<AppState>) -> Result<Json<PublicChain>, ApiError> {
    let chain = state.chain.as_ref().ok_or(ApiError::NotFound("chain (none configured)"))?;
    let house = chain.auction_house.ok_or(ApiError::NotFound("auction house (none configured)"))?;
    Ok(Json(PublicChain {
        chain_id: chain.network.chain_id(),
        name: chain.network.display_name().to_owned(),
        auction_house: format!("{house:#x}"),
        explorer_url: chain.explorer_url().map(|url| url.as_str().trim_end_matches('/').to_owned()),
        public_rpc_url: chain.public_rpc_url().as_str().to_owned(),
        reorg_depth: chain.reorg_depth,
        ipfs_gateway: state.site.ipfs_gateway.as_str().to_owned(),
    }))
}

/// `GET /api/public/wallets/{address}`: a wallet's escrow, bidding power, leads and wins, and
/// the chat identity it is linked to.
pub async fn wallet(State(state): State<AppState>, ApiPath(address): ApiPath<String>) -> Result<Json<PublicWallet>, ApiError> {
    let wallet: alloy::primitives::Address =
        address.parse().map_err(|_| ApiError::field("address", "a wallet address: 0x and 40 hexadecimal digits"))?;
    let wallet = format!("{wallet:#x}");
    let answer = cached(&state, &format!("wallet:{wallet}"), || async { Ok(viewers::wallet(&state.pool, &wallet).await?) }).await?;
    Ok(Json(answer))
}

/// Reads `key` from the public cache, or computes it and stores it for [`CACHED_FOR`]. Without
/// Redis, or when Redis fails, the answer is computed each time: the cache only spares PostgreSQL.
async fn cached<T, F, Fut>(state: &AppState, key: &str, compute: F) -> Result<T, ApiError>
where
    T: Serialize + for<'de> Deserialize<'de>,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    if let Some(cache) = &state.live
        && let Some(hit) = cache.get_public(key).await
    {
        return Ok(hit);
    }
    let answer = compute().await?;
    if let Some(cache) = &state.live {
        cache.put_public(key, &answer, CACHED_FOR).await;
    }
    Ok(answer)
}
