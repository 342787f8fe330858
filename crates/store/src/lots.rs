//! Lots: their schedule, state and current lead.

use chrono::{DateTime, Utc};
use gavel_domain::lot::{HighBid, Lot};
use gavel_domain::{BidId, BidderId, LotId, MarathonId};
use sqlx::PgExecutor;

use crate::{corrupt, optional_wei_column, wei_text};

/// A lot with what the admin gave for it besides its bidding state.
#[derive(Debug, Clone)]
pub struct LotRecord {
    pub lot: Lot,
    pub day_index: u32,
    pub token_uri: String,
    pub image_url: String,
    pub cancel_reason: Option<String>,
    /// The max bid behind the leader's proxy: its defending raises belong to it.
    pub proxy_bid: Option<BidId>,
}

// A macro rather than a const so that queries stay `&'static str` (sqlx refuses runtime-built SQL).
macro_rules! lot_columns {
    () => {
        "id, marathon_id, day_index, token_uri, image_url, state, starts_at, ends_at, extensions_used,
    high_bidder, high_amount_wei::TEXT, high_proxy_max_wei::TEXT, winner_final_at, cancel_reason, high_proxy_bid_id, paused_at,
    last_pause_from, last_pause_until"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    marathon_id: i64,
    day_index: i32,
    token_uri: String,
    image_url: String,
    state: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    extensions_used: i32,
    high_bidder: Option<String>,
    high_amount_wei: Option<String>,
    high_proxy_max_wei: Option<String>,
    winner_final_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    high_proxy_bid_id: Option<i64>,
    paused_at: Option<DateTime<Utc>>,
    last_pause_from: Option<DateTime<Utc>>,
    last_pause_until: Option<DateTime<Utc>>,
}

impl TryFrom<Row> for LotRecord {
    type Error = sqlx::Error;
    fn try_from(row: Row) -> Result<Self, Self::Error> {
        let high = match (row.high_bidder, optional_wei_column(row.high_amount_wei.as_deref())?) {
            (Some(bidder), Some(amount)) => Some(HighBid {
                bidder: BidderId::parse(&bidder).map_err(|error| corrupt("high bidder", error))?,
                amount,
                proxy_max: optional_wei_column(row.high_proxy_max_wei.as_deref())?,
            }),
            _ => None,
        };
        Ok(LotRecord {
            lot: Lot {
                id: LotId(row.id),
                marathon_id: MarathonId(row.marathon_id),
                state: row.state.parse().map_err(|error| corrupt("lot state", error))?,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                extensions_used: u32::try_from(row.extensions_used).map_err(|error| corrupt("extensions", error))?,
                high,
                winner_final_at: row.winner_final_at,
                paused_at: row.paused_at,
                last_pause: row.last_pause_from.zip(row.last_pause_until),
            },
            day_index: u32::try_from(row.day_index).map_err(|error| corrupt("day index", error))?,
            token_uri: row.token_uri,
            image_url: row.image_url,
            cancel_reason: row.cancel_reason,
            proxy_bid: row.high_proxy_bid_id.map(BidId),
        })
    }
}

/// What an admin gives for a new lot; its times come from the marathon's schedule unless set.
#[derive(Debug, Clone)]
pub struct NewLot {
    pub marathon_id: MarathonId,
    pub day_index: u32,
    pub token_uri: String,
    pub image_url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Inserts a lot; `None` when its marathon already has a lot on that day that is not cancelled.
pub async fn insert(db: impl PgExecutor<'_>, lot: &NewLot) -> Result<Option<LotId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO lots (marathon_id, day_index, token_uri, image_url, starts_at, ends_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (marathon_id, day_index) WHERE state <> 'CANCELLED' DO NOTHING RETURNING id",
    )
    .bind(lot.marathon_id.0)
    .bind(i32::try_from(lot.day_index).unwrap_or(i32::MAX))
    .bind(&lot.token_uri)
    .bind(&lot.image_url)
    .bind(lot.starts_at)
    .bind(lot.ends_at)
    .fetch_optional(db)
    .await?;
    Ok(id.map(LotId))
}

pub async fn get(db: impl PgExecutor<'_>, id: LotId) -> Result<Option<LotRecord>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as(concat!("SELECT ", lot_columns!(), " FROM lots WHERE id = $1")).bind(id.0).fetch_optional(db).await?;
    row.map(LotRecord::try_from).transpose()
}

/// Reads a lot and locks its row until the transaction ends: every change to a lot goes through here.
pub async fn lock(db: impl PgExecutor<'_>, id: LotId) -> Result<Option<LotRecord>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as(concat!("SELECT ", lot_columns!(), " FROM lots WHERE id = $1 FOR UPDATE")).bind(id.0).fetch_optional(db).await?;
    row.map(LotRecord::try_from).transpose()
}

pub async fn for_marathon(db: impl PgExecutor<'_>, marathon_id: MarathonId) -> Result<Vec<LotRecord>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!("SELECT ", lot_columns!(), " FROM lots WHERE marathon_id = $1 ORDER BY day_index"))
        .bind(marathon_id.0)
        .fetch_all(db)
        .await?;
    rows.into_iter().map(LotRecord::try_from).collect()
}

/// Lots whose scheduled transition is due at `now` (pending past their start, active past their
/// end), locked; rows another transaction holds are skipped, not waited for.
pub async fn lock_due(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> Result<Vec<LotRecord>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        lot_columns!(),
        " FROM lots
         WHERE (state = 'PENDING' AND starts_at <= $1) OR (state = 'ACTIVE' AND ends_at <= $1 AND paused_at IS NULL)
         ORDER BY starts_at, id FOR UPDATE SKIP LOCKED"
    ))
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(LotRecord::try_from).collect()
}

/// The next instant at which a scheduled transition falls due.
pub async fn next_due_at(db: impl PgExecutor<'_>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT min(due) FROM (
            (SELECT min(starts_at) AS due FROM lots WHERE state = 'PENDING')
            UNION ALL (SELECT min(ends_at) FROM lots WHERE state = 'ACTIVE' AND paused_at IS NULL)) AS due_times",
    )
    .fetch_one(db)
    .await
}

/// How many lots are ACTIVE (bidding open) now.
pub async fn active_count(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM lots WHERE state = 'ACTIVE'").fetch_one(db).await
}

/// Writes the lot's mutable fields: state, end, extensions and lead. Callers hold the row lock.
pub async fn save(db: impl PgExecutor<'_>, record: &LotRecord) -> Result<(), sqlx::Error> {
    let lot = &record.lot;
    let high = lot.high.as_ref();
    sqlx::query(
        "UPDATE lots SET state = $2, ends_at = $3, extensions_used = $4, high_bidder = $5, high_amount_wei = $6::NUMERIC,
            high_proxy_max_wei = $7::NUMERIC, high_proxy_bid_id = $8, winner_final_at = $9, paused_at = $10,
            last_pause_from = $11, last_pause_until = $12, updated_at = clock_timestamp()
         WHERE id = $1",
    )
    .bind(lot.id.0)
    .bind(lot.state.as_str())
    .bind(lot.ends_at)
    .bind(i32::try_from(lot.extensions_used).unwrap_or(i32::MAX))
    .bind(high.map(|h| h.bidder.as_str()))
    .bind(high.map(|h| wei_text(h.amount)))
    .bind(high.and_then(|h| h.proxy_max).map(wei_text))
    .bind(record.proxy_bid.filter(|_| high.is_some_and(|h| h.proxy_max.is_some())).map(|id| id.0))
    .bind(lot.winner_final_at)
    .bind(lot.paused_at)
    .bind(lot.last_pause.map(|(from, _)| from))
    .bind(lot.last_pause.map(|(_, until)| until))
    .execute(db)
    .await?;
    Ok(())
}

/// Locks several lots, in id order (the order every multi-lot transaction takes, so two never
/// deadlock), and returns them by id.
pub async fn lock_many(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<LotRecord>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!("SELECT ", lot_columns!(), " FROM lots WHERE id = ANY($1) ORDER BY id FOR UPDATE"))
        .bind(ids)
        .fetch_all(db)
        .await?;
    rows.into_iter().map(LotRecord::try_from).collect()
}

/// The ids of the lots of marathons bidding in `channel` that started by `up_to`, latest first:
/// a bid in that channel is for the latest one that had started when it was received. At the same
/// start a lot not cancelled comes first (a cancelled day run again at its scheduled time).
pub async fn started_in_channel(
    db: impl PgExecutor<'_>,
    channel: &str,
    up_to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.starts_at FROM lots l JOIN marathons m ON m.id = l.marathon_id
         WHERE $1 = ANY(m.chat_channels) AND l.starts_at <= $2
         ORDER BY l.starts_at DESC, (l.state <> 'CANCELLED') DESC, l.id DESC LIMIT 2",
    )
    .bind(channel)
    .bind(up_to)
    .fetch_all(db)
    .await
}

/// A lot's version: when its row last changed, in microseconds. Saves stamp it with the clock
/// while holding the row's lock, so a later version is a later state.
pub async fn version(db: impl PgExecutor<'_>, id: LotId) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT (extract(epoch FROM updated_at) * 1000000)::BIGINT FROM lots WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db)
        .await
}

/// PROCESSING lots whose winner is not final yet, ended by `horizon`.
pub async fn lock_closable(db: impl PgExecutor<'_>, horizon: DateTime<Utc>) -> Result<Vec<LotRecord>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        lot_columns!(),
        " FROM lots WHERE state = 'PROCESSING' AND winner_final_at IS NULL AND ends_at <= $1 ORDER BY id FOR UPDATE"
    ))
    .bind(horizon)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(LotRecord::try_from).collect()
}

/// Edits what an admin may change before the lot opens. Callers hold the row lock and have
/// checked the state.
pub async fn edit_pending(db: impl PgExecutor<'_>, record: &LotRecord) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lots SET token_uri = $2, image_url = $3, starts_at = $4, ends_at = $5, updated_at = clock_timestamp() WHERE id = $1 AND state = 'PENDING'")
        .bind(record.lot.id.0)
        .bind(&record.token_uri)
        .bind(&record.image_url)
        .bind(record.lot.starts_at)
        .bind(record.lot.ends_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_cancel_reason(db: impl PgExecutor<'_>, id: LotId, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lots SET cancel_reason = $2 WHERE id = $1").bind(id.0).bind(reason).execute(db).await?;
    Ok(())
}

/// Another lot of the marathon (not cancelled) whose window overlaps `[starts_at, ends_at)`.
pub async fn overlapping(
    db: impl PgExecutor<'_>,
    marathon_id: MarathonId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<LotId>,
) -> Result<Option<LotId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM lots WHERE marathon_id = $1 AND state <> 'CANCELLED' AND id <> $4 AND starts_at < $3 AND ends_at > $2
         ORDER BY starts_at LIMIT 1",
    )
    .bind(marathon_id.0)
    .bind(starts_at)
    .bind(ends_at)
    .bind(except.map_or(0, |id| id.0))
    .fetch_optional(db)
    .await?;
    Ok(id.map(LotId))
}

/// Lots in which `bidder` has standing (accepted, unvoided) bids that can still be voided:
/// open, or processing before the winner is final.
pub async fn with_voidable_bids_of(db: impl PgExecutor<'_>, bidder: &BidderId) -> Result<Vec<LotId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT l.id FROM lots l JOIN bid_log b ON b.lot_id = l.id
         WHERE b.bidder_id = $1 AND b.kind = 1 AND NOT b.voided
           AND l.state IN ('ACTIVE', 'PROCESSING') AND l.winner_final_at IS NULL
         ORDER BY l.id",
    )
    .bind(bidder.as_str())
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(LotId).collect())
}
