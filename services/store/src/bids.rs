//! Bids with their decisions, and each lot's bid log (accepted amounts and voids in decision
//! order, the entries of the hash chain that goes on chain).

use chrono::{DateTime, Utc};
use gavel_domain::bidding::BidKind;
use gavel_domain::lot::HighBid;
use gavel_domain::{BidId, BidderId, LotId, Wei};
use serde::Serialize;
use sqlx::PgExecutor;

use crate::{corrupt, optional_wei_column, wei_column, wei_text};

/// A decided bid, as inserted.
#[derive(Debug, Clone)]
pub struct NewBid<'a> {
    pub idempotency_key: &'a str,
    pub lot_id: Option<LotId>,
    pub bidder: &'a BidderId,
    pub kind: BidKind,
    /// `Some((code, message))` for a rejection.
    pub rejection: Option<(&'a str, String)>,
    pub received_at: DateTime<Utc>,
    pub platform_sent_at: Option<DateTime<Utc>>,
    pub decided_at: DateTime<Utc>,
}

/// Inserts a decided bid; `None` when its idempotency key was decided before (a duplicate).
pub async fn insert(db: impl PgExecutor<'_>, bid: &NewBid<'_>) -> Result<Option<BidId>, sqlx::Error> {
    let (kind, offered) = match bid.kind {
        BidKind::Plain(amount) => ("plain", amount),
        BidKind::Max(amount) => ("max", amount),
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO bids (idempotency_key, lot_id, bidder_id, kind, offered_wei, decision, reason_code, reason,
            received_at, platform_sent_at, decided_at)
         VALUES ($1, $2, $3, $4, $5::NUMERIC, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(bid.idempotency_key)
    .bind(bid.lot_id.map(|id| id.0))
    .bind(bid.bidder.as_str())
    .bind(kind)
    .bind(wei_text(offered))
    .bind(if bid.rejection.is_some() { "REJECTED" } else { "ACCEPTED" })
    .bind(bid.rejection.as_ref().map(|(code, _)| *code))
    .bind(bid.rejection.as_ref().map(|(_, message)| message.as_str()))
    .bind(bid.received_at)
    .bind(bid.platform_sent_at)
    .bind(bid.decided_at)
    .fetch_optional(db)
    .await?;
    Ok(id.map(BidId))
}

/// A bid as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BidView {
    pub id: BidId,
    pub lot_id: Option<LotId>,
    pub bidder: String,
    pub kind: String,
    pub offered_wei: Wei,
    pub decision: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub received_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
}

type BidRow = (
    i64,
    Option<i64>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<String>,
);

// A macro rather than a const so that queries stay `&'static str` (sqlx refuses runtime-built SQL).
macro_rules! bid_columns {
    () => {
        "id, lot_id, bidder_id, kind, offered_wei::TEXT, decision, reason_code, reason, received_at, decided_at, voided_at, void_reason"
    };
}

fn bid_view(row: BidRow) -> Result<BidView, sqlx::Error> {
    let (id, lot_id, bidder, kind, offered, decision, reason_code, reason, received_at, decided_at, voided_at, void_reason) = row;
    Ok(BidView {
        id: BidId(id),
        lot_id: lot_id.map(LotId),
        bidder,
        kind,
        offered_wei: wei_column(&offered)?,
        decision,
        reason_code,
        reason,
        received_at,
        decided_at,
        voided_at,
        void_reason,
    })
}

pub async fn get(db: impl PgExecutor<'_>, id: BidId) -> Result<Option<BidView>, sqlx::Error> {
    let row: Option<BidRow> =
        sqlx::query_as(concat!("SELECT ", bid_columns!(), " FROM bids WHERE id = $1")).bind(id.0).fetch_optional(db).await?;
    row.map(bid_view).transpose()
}

pub async fn by_key(db: impl PgExecutor<'_>, idempotency_key: &str) -> Result<Option<BidView>, sqlx::Error> {
    let row: Option<BidRow> = sqlx::query_as(concat!("SELECT ", bid_columns!(), " FROM bids WHERE idempotency_key = $1"))
        .bind(idempotency_key)
        .fetch_optional(db)
        .await?;
    row.map(bid_view).transpose()
}

/// A lot's bids, newest first, `limit` at a time; `before` is the last id of the previous page.
pub async fn page_for_lot(db: impl PgExecutor<'_>, lot: LotId, before: Option<BidId>, limit: u32) -> Result<Vec<BidView>, sqlx::Error> {
    let rows: Vec<BidRow> =
        sqlx::query_as(concat!("SELECT ", bid_columns!(), " FROM bids WHERE lot_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"))
            .bind(lot.0)
            .bind(before.map_or(i64::MAX, |id| id.0))
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?;
    rows.into_iter().map(bid_view).collect()
}

/// One entry of a lot's bid log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub position: i32,
    /// 1: an accepted amount (proxy raises included); 2: a void of an earlier entry.
    pub kind: i16,
    pub bid_id: BidId,
    pub bidder: String,
    pub wallet: String,
    pub amount_wei: Wei,
    pub by_proxy: bool,
    pub received_at: DateTime<Utc>,
    pub voided: bool,
}

type LogRow = (i32, i16, i64, String, String, String, bool, DateTime<Utc>, bool);

fn log_entry((position, kind, bid_id, bidder, wallet, amount, by_proxy, received_at, voided): LogRow) -> Result<LogEntry, sqlx::Error> {
    Ok(LogEntry { position, kind, bid_id: BidId(bid_id), bidder, wallet, amount_wei: wei_column(&amount)?, by_proxy, received_at, voided })
}

/// Appends an entry at the end of the lot's log. Callers hold the lot's row lock, which is what
/// keeps positions gap-free and in decision order.
#[allow(clippy::too_many_arguments)]
pub async fn append_log(
    db: impl PgExecutor<'_>,
    lot: LotId,
    kind: i16,
    bid_id: BidId,
    bidder: &str,
    wallet: &str,
    amount: Wei,
    by_proxy: bool,
    received_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bid_log (lot_id, position, kind, bid_id, bidder_id, wallet, amount_wei, by_proxy, received_at)
         SELECT $1, COALESCE(max(position), 0) + 1, $2, $3, $4, $5, $6::NUMERIC, $7, $8 FROM bid_log WHERE lot_id = $1",
    )
    .bind(lot.0)
    .bind(kind)
    .bind(bid_id.0)
    .bind(bidder)
    .bind(wallet)
    .bind(wei_text(amount))
    .bind(by_proxy)
    .bind(received_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn log(db: impl PgExecutor<'_>, lot: LotId) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT position, kind, bid_id, bidder_id, wallet, amount_wei::TEXT, by_proxy, received_at, voided
         FROM bid_log WHERE lot_id = $1 ORDER BY position",
    )
    .bind(lot.0)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(log_entry).collect()
}

/// A place on a lot's leaderboard: a bidder's best standing amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub bidder: String,
    pub amount_wei: Wei,
}

/// The `n` best bidders of a lot by their best unvoided amount; at equal amounts the earlier
/// entry ranks first, as it does for the lead.
pub async fn leaderboard(db: impl PgExecutor<'_>, lot: LotId, n: u32) -> Result<Vec<Standing>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        // Ordered by the qualified NUMERIC column: a bare `amount_wei` would name the TEXT output.
        "SELECT best.bidder_id, best.amount_wei::TEXT FROM (
            SELECT DISTINCT ON (bidder_id) bidder_id, amount_wei, position FROM bid_log
            WHERE lot_id = $1 AND kind = 1 AND NOT voided ORDER BY bidder_id, amount_wei DESC, position) best
         ORDER BY best.amount_wei DESC, best.position LIMIT $2",
    )
    .bind(lot.0)
    .bind(i64::from(n))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|(bidder, amount)| Ok(Standing { bidder, amount_wei: wei_column(&amount)? })).collect()
}

/// Voids a bid and every log entry it caused (its own amount and any proxy raise it provoked),
/// appending a void entry for each. Returns the voided entries. Callers hold the lot's row lock
/// and have checked that the winner is not final.
pub async fn void(
    conn: &mut sqlx::PgConnection,
    lot: LotId,
    bid: BidId,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Vec<LogEntry>, sqlx::Error> {
    sqlx::query("UPDATE bids SET voided_at = $2, void_reason = $3 WHERE id = $1 AND voided_at IS NULL")
        .bind(bid.0)
        .bind(at)
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<LogRow> = sqlx::query_as(
        "UPDATE bid_log SET voided = true WHERE lot_id = $1 AND bid_id = $2 AND kind = 1 AND NOT voided
         RETURNING position, kind, bid_id, bidder_id, wallet, amount_wei::TEXT, by_proxy, received_at, voided",
    )
    .bind(lot.0)
    .bind(bid.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut voided: Vec<LogEntry> = rows.into_iter().map(log_entry).collect::<Result<_, _>>()?;
    voided.sort_by_key(|entry| entry.position);
    for entry in &voided {
        append_log(&mut *conn, lot, 2, entry.bid_id, &entry.bidder, &entry.wallet, entry.amount_wei, entry.by_proxy, entry.received_at)
            .await?;
    }
    Ok(voided)
}

/// The lead as the unvoided log gives it: the highest amount, the earlier at equal amounts,
/// with the leader's highest unvoided proxy max if it is above that amount.
pub async fn recompute_lead(db: &mut sqlx::PgConnection, lot: LotId) -> Result<Option<HighBid>, sqlx::Error> {
    let best: Option<(String, String)> = sqlx::query_as(
        "SELECT bidder_id, amount_wei::TEXT FROM bid_log WHERE lot_id = $1 AND kind = 1 AND NOT voided
         ORDER BY bid_log.amount_wei DESC, position LIMIT 1",
    )
    .bind(lot.0)
    .fetch_optional(&mut *db)
    .await?;
    let Some((bidder, amount)) = best else { return Ok(None) };
    let amount = wei_column(&amount)?;
    let max: Option<String> = sqlx::query_scalar(
        "SELECT max(offered_wei)::TEXT FROM bids
         WHERE lot_id = $1 AND bidder_id = $2 AND kind = 'max' AND decision = 'ACCEPTED' AND voided_at IS NULL",
    )
    .bind(lot.0)
    .bind(&bidder)
    .fetch_one(&mut *db)
    .await?;
    Ok(Some(HighBid {
        bidder: BidderId::parse(&bidder).map_err(|error| corrupt("bidder id", error))?,
        amount,
        proxy_max: optional_wei_column(max.as_deref())?.filter(|max| *max > amount),
    }))
}

/// Standing bids of `bidder` in `lot` (accepted, not voided), for a ban that voids them.
pub async fn standing_of(db: impl PgExecutor<'_>, lot: LotId, bidder: &BidderId) -> Result<Vec<BidId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM bids WHERE lot_id = $1 AND bidder_id = $2 AND decision = 'ACCEPTED' AND voided_at IS NULL ORDER BY id",
    )
    .bind(lot.0)
    .bind(bidder.as_str())
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(BidId).collect())
}
