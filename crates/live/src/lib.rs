//! The live state of a lot (high bid and bidder, top 3, end time, participants) and which lot is
//! current for each marathon and chat channel, cached in Redis so that the overlay and `!status`
//! read without touching PostgreSQL.
//!
//! Redis is only a cache: every read that misses rebuilds the entry from PostgreSQL and stores
//! it, so a flushed or restarted Redis costs one query per entry. The event gateway refreshes
//! entries as events arrive ([`LiveCache::refresh_lot`]); nothing else writes them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gavel_domain::lot::LotState;
use gavel_domain::{LotId, MarathonId, Wei};
use gavel_store::{PgPool, bidders, bids, lots, marathons};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

/// How many places the live state ranks.
const TOP: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("PostgreSQL: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// A bidder's standing as shown live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LiveBid {
    pub bidder: String,
    /// Display name (the bidder id if unknown).
    pub name: String,
    pub amount_wei: Wei,
    pub amount_eth: String,
}

/// One lot as shown live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LotLive {
    pub id: LotId,
    pub marathon_id: MarathonId,
    pub title: String,
    pub image_url: String,
    pub state: LotState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub extensions_used: u32,
    pub high: Option<LiveBid>,
    pub top: Vec<LiveBid>,
    pub participants: u64,
    /// An operator stopped the lot's clock then: the countdown stands at `ends_at − paused_at`.
    #[serde(default)]
    pub paused_at: Option<DateTime<Utc>>,
}

/// Which lot a marathon shows now: the latest that has started, else the next to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct MarathonLive {
    pub marathon_id: MarathonId,
    pub marathon_name: String,
    pub lot_id: Option<LotId>,
}

/// KEYS: the value, its version. ARGV: the version, the value. Sets both unless the stored
/// version is newer.
const PUT_IF_NEWER: &str = r"
local current = tonumber(redis.call('GET', KEYS[2]))
if current and current > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
";

/// Entries expire after this long, so anything a refresh missed (a gateway down while a lot
/// changed) is rebuilt from PostgreSQL within it.
const TTL_SECS: u64 = 300;

async fn live_bid(db: &mut sqlx::PgConnection, bidder: &str, amount: Wei) -> Result<LiveBid, LiveError> {
    let name = match gavel_domain::BidderId::parse(bidder) {
        Ok(id) => bidders::get(&mut *db, &id).await?.map(|b| b.display_name),
        Err(_) => None,
    };
    Ok(LiveBid {
        bidder: bidder.to_owned(),
        name: name.unwrap_or_else(|| bidder.to_owned()),
        amount_wei: amount,
        amount_eth: amount.to_eth_string(),
    })
}

#[derive(Clone)]
pub struct LiveCache {
    redis: ConnectionManager,
    pool: PgPool,
    prefix: String,
}

impl LiveCache {
    /// `prefix` namespaces the keys (the deployment's RabbitMQ namespace), so deployments and
    /// tests share a Redis.
    pub fn new(redis: ConnectionManager, pool: PgPool, prefix: &str) -> Self {
        LiveCache { redis, pool, prefix: format!("{prefix}:live") }
    }

    fn lot_key(&self, lot: LotId) -> String {
        format!("{}:lot:{}", self.prefix, lot.0)
    }

    fn marathon_key(&self, marathon: MarathonId) -> String {
        format!("{}:marathon:{}", self.prefix, marathon.0)
    }

    fn channel_key(&self, channel: &str) -> String {
        format!("{}:channel:{channel}", self.prefix)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether Redis answers.
    pub async fn ping(&self) -> bool {
        let mut redis = self.redis.clone();
        redis::cmd("PING").query_async::<String>(&mut redis).await.is_ok()
    }

    /// A lot's live state: from Redis, or rebuilt from PostgreSQL on a miss.
    pub async fn lot(&self, lot: LotId) -> Result<Option<LotLive>, LiveError> {
        if let Some(cached) = self.get::<LotLive>(&self.lot_key(lot)).await {
            return Ok(Some(cached));
        }
        self.refresh_lot(lot).await
    }

    /// A marathon's current lot, with the marathon's name.
    pub async fn marathon(&self, marathon: MarathonId) -> Result<Option<MarathonLive>, LiveError> {
        if let Some(cached) = self.get::<MarathonLive>(&self.marathon_key(marathon)).await {
            return Ok(Some(cached));
        }
        self.refresh_marathon(marathon).await
    }

    /// The lot a chat channel (`platform:channel`) bids on now.
    pub async fn lot_for_channel(&self, channel: &str) -> Result<Option<LotId>, LiveError> {
        if let Some(cached) = self.get::<Option<LotId>>(&self.channel_key(channel)).await {
            return Ok(cached);
        }
        let lot = lots::started_in_channel(&self.pool, channel, Utc::now()).await?.first().map(|(id, _)| LotId(*id));
        self.put(&self.channel_key(channel), &lot).await;
        Ok(lot)
    }

    /// Rebuilds a lot's entry from PostgreSQL and stores it; when the lot's place in its
    /// marathon may have changed (it opened, closed, was cancelled), the marathon's and its
    /// channels' pointers are rebuilt too.
    pub async fn refresh_lot(&self, lot: LotId) -> Result<Option<LotLive>, LiveError> {
        // One snapshot, so the lead, the ranking and the count agree with each other and with
        // the version they are stored under.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let Some(record) = lots::get(&mut *tx, lot).await? else { return Ok(None) };
        let version = lots::version(&mut *tx, lot).await?.unwrap_or_default();
        let standings = bids::leaderboard(&mut *tx, lot, TOP).await?;
        let mut top = Vec::with_capacity(standings.len());
        for standing in standings {
            top.push(live_bid(&mut tx, &standing.bidder, standing.amount_wei).await?);
        }
        let high = match &record.lot.high {
            Some(high) => Some(live_bid(&mut tx, high.bidder.as_str(), high.amount).await?),
            None => None,
        };
        let participants = bids::participants(&mut *tx, lot).await?;
        tx.commit().await?;
        let live = LotLive {
            id: record.lot.id,
            marathon_id: record.lot.marathon_id,
            title: format!("Day {}", record.day_index + 1),
            image_url: record.image_url.clone(),
            state: record.lot.state,
            starts_at: record.lot.starts_at,
            ends_at: record.lot.ends_at,
            extensions_used: record.lot.extensions_used,
            high,
            top,
            participants,
            paused_at: record.lot.paused_at,
        };
        self.put_versioned(&self.lot_key(lot), version, &live).await;
        Ok(Some(live))
    }

    /// Rebuilds a marathon's pointer to its current lot, and its channels' pointers.
    pub async fn refresh_marathon(&self, marathon: MarathonId) -> Result<Option<MarathonLive>, LiveError> {
        let Some(found) = marathons::get(&self.pool, marathon).await? else { return Ok(None) };
        let now = Utc::now();
        let lots = lots::for_marathon(&self.pool, marathon).await?;
        // A cancelled day run again may share its start with the cancelled lot: the new one shows
        // (the latest started, or else the next to start; at a tie, a lot not cancelled first).
        let started = lots.iter().filter(|r| r.lot.starts_at <= now).max_by_key(|r| (r.lot.starts_at, r.lot.state != LotState::Cancelled));
        let next = lots.iter().filter(|r| r.lot.starts_at > now).min_by_key(|r| (r.lot.starts_at, r.lot.state == LotState::Cancelled));
        let live =
            MarathonLive { marathon_id: marathon, marathon_name: found.config.name.clone(), lot_id: started.or(next).map(|r| r.lot.id) };
        self.put(&self.marathon_key(marathon), &live).await;
        for channel in &found.config.chat_channels {
            let lot = lots::started_in_channel(&self.pool, channel, now).await?.first().map(|(id, _)| LotId(*id));
            self.put(&self.channel_key(channel), &lot).await;
        }
        Ok(Some(live))
    }

    /// Stores a lot's state unless a newer version is there already: a refresh that read
    /// PostgreSQL before a change never overwrites one that read it after.
    async fn put_versioned<T: Serialize>(&self, key: &str, version: i64, value: &T) {
        let Ok(text) = serde_json::to_string(value) else { return };
        let mut redis = self.redis.clone();
        let script = redis::Script::new(PUT_IF_NEWER);
        let stored: redis::RedisResult<i64> =
            script.key(key).key(format!("{key}:version")).arg(version).arg(text).arg(TTL_SECS).invoke_async(&mut redis).await;
        if let Err(error) = stored {
            tracing::warn!(error = %error, "live cache unavailable; not stored");
        }
    }

    /// A cached value; a Redis failure or an unreadable value counts as a miss (PostgreSQL
    /// answers instead).
    async fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        let mut redis = self.redis.clone();
        match redis.get::<_, Option<String>>(key).await {
            Ok(Some(text)) => serde_json::from_str(&text).ok(),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(error = %error, "live cache unavailable; reading PostgreSQL");
                None
            }
        }
    }

    async fn put<T: Serialize>(&self, key: &str, value: &T) {
        self.put_for(key, value, Duration::from_secs(TTL_SECS)).await;
    }

    async fn put_for<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let mut redis = self.redis.clone();
        let Ok(text) = serde_json::to_string(value) else { return };
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        if let Err(error) = redis.pset_ex::<_, _, ()>(key, text, ttl_ms).await {
            tracing::warn!(error = %error, "live cache unavailable; not stored");
        }
    }

    /// A public API answer cached under `key` (see [`LiveCache::put_public`]); a miss when
    /// absent, expired or Redis is down.
    pub async fn get_public<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        self.get(&self.public_key(key)).await
    }

    /// Caches a public API answer for `ttl`: short-lived copies that spare PostgreSQL when many
    /// viewers ask the same thing at once, never a source of truth.
    pub async fn put_public<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        self.put_for(&self.public_key(key), value, ttl).await;
    }

    fn public_key(&self, key: &str) -> String {
        format!("{}:public:{key}", self.prefix)
    }
}
