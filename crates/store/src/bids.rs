//! Bids with their decisions, and each lot's bid log (accepted amounts and voids in decision
//! order, the entries of the hash chain that goes on chain).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use gavel_domain::bid_log::EntryKind;
use gavel_domain::bidding::BidKind;
use gavel_domain::lot::HighBid;
use gavel_domain::{BidId, BidderId, LotId, Wei};
use serde::Serialize;
use sqlx::PgExecutor;

use crate::{corrupt, wei_column, wei_text};

/// A decided bid, as inserted.
#[derive(Debug, Clone)]
pub struct NewBid<'a> {
    /// Reserved with [`reserve_ids`], so log entries can name the bid before it is inserted.
    pub id: BidId,
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

/// The keys among `keys` that were decided before.
pub async fn decided_keys(db: impl PgExecutor<'_>, keys: &[&str]) -> Result<HashSet<String>, sqlx::Error> {
    // A join rather than `= ANY($1)`: with the array a parameter, PostgreSQL scanned the table and
    // compared each row with every key (measured: 135 ms a batch at 20,000 bids, the engine's
    // bottleneck); the join probes the unique index once per key.
    let found: Vec<String> =
        sqlx::query_scalar("SELECT b.idempotency_key FROM UNNEST($1::TEXT[]) AS k(key) JOIN bids b ON b.idempotency_key = k.key")
            .bind(keys)
            .fetch_all(db)
            .await?;
    Ok(found.into_iter().collect())
}

/// Reserves `n` bid ids, in increasing order.
pub async fn reserve_ids(db: impl PgExecutor<'_>, n: usize) -> Result<Vec<BidId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('bids', 'id')) FROM generate_series(1, $1) ORDER BY 1")
        .bind(i64::try_from(n).unwrap_or(i64::MAX))
        .fetch_all(db)
        .await?;
    Ok(ids.into_iter().map(BidId).collect())
}

/// Inserts decided bids in one statement. Callers have checked with [`decided_keys`] that no key
/// was decided before; one engine decides at a time (the bids queue has a single active
/// consumer), and a key decided meanwhile anyway is a unique violation that fails the batch.
pub async fn insert_many(db: impl PgExecutor<'_>, bids: &[NewBid<'_>]) -> Result<(), sqlx::Error> {
    if bids.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = bids.iter().map(|b| b.id.0).collect();
    let keys: Vec<&str> = bids.iter().map(|b| b.idempotency_key).collect();
    let lots: Vec<Option<i64>> = bids.iter().map(|b| b.lot_id.map(|id| id.0)).collect();
    let bidders: Vec<&str> = bids.iter().map(|b| b.bidder.as_str()).collect();
    let kinds: Vec<&str> = bids.iter().map(|b| if matches!(b.kind, BidKind::Max(_)) { "max" } else { "plain" }).collect();
    let offered: Vec<String> = bids
        .iter()
        .map(|b| match b.kind {
            BidKind::Plain(amount) | BidKind::Max(amount) => wei_text(amount),
        })
        .collect();
    let decisions: Vec<&str> = bids.iter().map(|b| if b.rejection.is_some() { "REJECTED" } else { "ACCEPTED" }).collect();
    let codes: Vec<Option<&str>> = bids.iter().map(|b| b.rejection.as_ref().map(|(code, _)| *code)).collect();
    let reasons: Vec<Option<&str>> = bids.iter().map(|b| b.rejection.as_ref().map(|(_, message)| message.as_str())).collect();
    let received: Vec<DateTime<Utc>> = bids.iter().map(|b| b.received_at).collect();
    let sent: Vec<Option<DateTime<Utc>>> = bids.iter().map(|b| b.platform_sent_at).collect();
    let decided: Vec<DateTime<Utc>> = bids.iter().map(|b| b.decided_at).collect();
    sqlx::query(
        "INSERT INTO bids (id, idempotency_key, lot_id, bidder_id, kind, offered_wei, decision, reason_code, reason,
            received_at, platform_sent_at, decided_at)
         SELECT i, k, l, b, t, o::NUMERIC, d, c, r, ra, ps, da
         FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[],
                     $10::TIMESTAMPTZ[], $11::TIMESTAMPTZ[], $12::TIMESTAMPTZ[]) AS n(i, k, l, b, t, o, d, c, r, ra, ps, da)",
    )
    .bind(&ids)
    .bind(&keys)
    .bind(&lots)
    .bind(&bidders)
    .bind(&kinds)
    .bind(&offered)
    .bind(&decisions)
    .bind(&codes)
    .bind(&reasons)
    .bind(&received)
    .bind(&sent)
    .bind(&decided)
    .execute(db)
    .await?;
    Ok(())
}

/// A bid as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "Bid")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "BidLogEntry")]
pub struct LogEntry {
    pub position: i32,
    /// 1: an accepted amount (proxy raises included); 2: a void of an earlier entry; 3: its
    /// reinstatement (the void undone while the lot was open).
    pub kind: i16,
    pub bid_id: BidId,
    pub bidder: String,
    pub wallet: String,
    pub amount_wei: Wei,
    pub by_proxy: bool,
    pub received_at: DateTime<Utc>,
    /// `received_at` in Unix milliseconds, as the hash chain covers it (a browser recomputes the
    /// chain from these without parsing dates).
    pub received_at_ms: i64,
    pub voided: bool,
}

impl LogEntry {
    /// The fields the hash chain covers.
    pub fn published(&self) -> gavel_domain::bid_log::PublishedEntry<'_> {
        gavel_domain::bid_log::PublishedEntry {
            kind: self.kind,
            bidder: &self.bidder,
            wallet: &self.wallet,
            amount: self.amount_wei,
            received_at: self.received_at,
        }
    }
}

type LogRow = (i32, i16, i64, String, String, String, bool, DateTime<Utc>, bool);

fn log_entry((position, kind, bid_id, bidder, wallet, amount, by_proxy, received_at, voided): LogRow) -> Result<LogEntry, sqlx::Error> {
    Ok(LogEntry {
        position,
        kind,
        bid_id: BidId(bid_id),
        bidder,
        wallet,
        amount_wei: wei_column(&amount)?,
        by_proxy,
        received_at_ms: received_at.timestamp_millis(),
        received_at,
        voided,
    })
}

/// An entry to append to a lot's log.
#[derive(Debug, Clone)]
pub struct NewLogEntry {
    pub lot: LotId,
    pub kind: EntryKind,
    /// The bid whose amount this is (for a proxy's raise, the proxy's max bid).
    pub bid_id: BidId,
    /// The bid whose decision wrote the entry.
    pub caused_by: BidId,
    pub bidder: String,
    pub wallet: String,
    pub amount: Wei,
    pub by_proxy: bool,
    pub received_at: DateTime<Utc>,
}

/// Appends entries at the end of their lots' logs, in the order given. Callers hold the lots'
/// row locks, which keeps positions gap-free and in decision order.
pub async fn append_log(db: &mut sqlx::PgConnection, entries: &[NewLogEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let lot_ids: Vec<i64> = entries.iter().map(|e| e.lot.0).collect();
    let next: Vec<(i64, i32)> = sqlx::query_as("SELECT lot_id, max(position) FROM bid_log WHERE lot_id = ANY($1) GROUP BY lot_id")
        .bind(&lot_ids)
        .fetch_all(&mut *db)
        .await?;
    let mut last: HashMap<i64, i32> = next.into_iter().collect();
    let positions: Vec<i32> = entries
        .iter()
        .map(|e| {
            let position = last.entry(e.lot.0).or_insert(0);
            *position += 1;
            *position
        })
        .collect();
    let kinds: Vec<i16> = entries.iter().map(|e| e.kind as i16).collect();
    let bid_ids: Vec<i64> = entries.iter().map(|e| e.bid_id.0).collect();
    let causes: Vec<i64> = entries.iter().map(|e| e.caused_by.0).collect();
    let bidders: Vec<&str> = entries.iter().map(|e| e.bidder.as_str()).collect();
    let wallets: Vec<&str> = entries.iter().map(|e| e.wallet.as_str()).collect();
    let amounts: Vec<String> = entries.iter().map(|e| wei_text(e.amount)).collect();
    let proxies: Vec<bool> = entries.iter().map(|e| e.by_proxy).collect();
    let received: Vec<DateTime<Utc>> = entries.iter().map(|e| e.received_at).collect();
    sqlx::query(
        "INSERT INTO bid_log (lot_id, position, kind, bid_id, caused_by_bid_id, bidder_id, wallet, amount_wei, by_proxy, received_at)
         SELECT l, p, k, b, c, who, w, a::NUMERIC, x, r
         FROM UNNEST($1::BIGINT[], $2::INT[], $3::SMALLINT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[], $8::TEXT[],
                     $9::BOOL[], $10::TIMESTAMPTZ[]) AS n(l, p, k, b, c, who, w, a, x, r)",
    )
    .bind(&lot_ids)
    .bind(&positions)
    .bind(&kinds)
    .bind(&bid_ids)
    .bind(&causes)
    .bind(&bidders)
    .bind(&wallets)
    .bind(&amounts)
    .bind(&proxies)
    .bind(&received)
    .execute(&mut *db)
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

/// The bid behind `wallet`'s last standing amount in a lot's log (after a sale: the bid that won
/// it; for a proxy's raise, the proxy's bid), with its chat message id.
pub async fn standing_bid_of_wallet(db: impl PgExecutor<'_>, lot: LotId, wallet: &str) -> Result<Option<(BidId, String)>, sqlx::Error> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT l.bid_id, b.idempotency_key FROM bid_log l JOIN bids b ON b.id = l.bid_id
         WHERE l.lot_id = $1 AND l.kind = 1 AND NOT l.voided AND lower(l.wallet) = lower($2)
         ORDER BY l.position DESC LIMIT 1",
    )
    .bind(lot.0)
    .bind(wallet)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, key)| (BidId(id), key)))
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

/// How many bidders have a standing (accepted, not voided) amount in the lot's log: the bidders
/// the top 3 is drawn from, so that a lot whose bids were all voided has none.
pub async fn participants(db: impl PgExecutor<'_>, lot: LotId) -> Result<u64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar("SELECT count(DISTINCT bidder_id) FROM bid_log WHERE lot_id = $1 AND kind = 1 AND NOT voided")
        .bind(lot.0)
        .fetch_one(db)
        .await?;
    Ok(u64::try_from(count).unwrap_or_default())
}

/// Voids a bid and every log entry it owns or caused (its own amount, its proxy's raises that
/// no other max bid of the bidder covers, and the raises it provoked), appending a void entry
/// for each. Returns the voided entries, none
/// for a bid that only raised its bidder's max. Callers hold the lot's row lock and have
/// checked that the winner is not final.
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
    // A proxy's raises that another of the bidder's max bids also covers pass to the smallest
    // such bid: the bidder's proxy would have made them anyway. Only uncovered ones are voided.
    sqlx::query(
        "WITH heir AS (
            SELECT bl.position, (SELECT b.id FROM bids b
                                 WHERE b.lot_id = bl.lot_id AND b.bidder_id = bl.bidder_id AND b.kind = 'max'
                                   AND b.decision = 'ACCEPTED' AND b.voided_at IS NULL AND b.offered_wei >= bl.amount_wei
                                 ORDER BY b.offered_wei, b.id LIMIT 1) AS bid_id
            FROM bid_log bl
            WHERE bl.lot_id = $1 AND bl.bid_id = $2 AND bl.caused_by_bid_id <> $2 AND bl.kind = 1 AND NOT bl.voided)
         UPDATE bid_log SET bid_id = heir.bid_id FROM heir
         WHERE bid_log.lot_id = $1 AND bid_log.position = heir.position AND heir.bid_id IS NOT NULL",
    )
    .bind(lot.0)
    .bind(bid.0)
    .execute(&mut *conn)
    .await?;
    let rows: Vec<LogRow> = sqlx::query_as(
        "UPDATE bid_log SET voided = true, voided_by_bid_id = $2
         WHERE lot_id = $1 AND (bid_id = $2 OR caused_by_bid_id = $2) AND kind = 1 AND NOT voided
         RETURNING position, kind, bid_id, bidder_id, wallet, amount_wei::TEXT, by_proxy, received_at, voided",
    )
    .bind(lot.0)
    .bind(bid.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut voided: Vec<LogEntry> = rows.into_iter().map(log_entry).collect::<Result<_, _>>()?;
    voided.sort_by_key(|entry| entry.position);
    append_log(conn, &echoes(lot, EntryKind::Void, bid, &voided)).await?;
    Ok(voided)
}

/// Undoes the void of `bid`: the bid stands again, and so does every log entry its void voided
/// whose other bid stands too, each with a reinstatement entry appended to the chain. Returns the reinstated entries. Callers
/// hold the lot's row lock, have checked the winner is not final, and recompute the lead.
pub async fn reinstate(conn: &mut sqlx::PgConnection, lot: LotId, bid: BidId) -> Result<Vec<LogEntry>, sqlx::Error> {
    sqlx::query("UPDATE bids SET voided_at = NULL, void_reason = NULL WHERE id = $1 AND voided_at IS NOT NULL")
        .bind(bid.0)
        .execute(&mut *conn)
        .await?;
    // An entry stands again only if both its bids do: a proxy's raise whose max bid, or whose
    // cause, is still void stays void, now on that bid's account (undoing that void restores it).
    let rows: Vec<LogRow> = sqlx::query_as(
        "UPDATE bid_log bl SET voided = false, voided_by_bid_id = NULL
         WHERE bl.lot_id = $1 AND bl.voided_by_bid_id = $2 AND bl.kind = 1 AND bl.voided
           AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.id IN (bl.bid_id, bl.caused_by_bid_id) AND b.voided_at IS NOT NULL)
         RETURNING position, kind, bid_id, bidder_id, wallet, amount_wei::TEXT, by_proxy, received_at, voided",
    )
    .bind(lot.0)
    .bind(bid.0)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE bid_log bl SET voided_by_bid_id = (SELECT b.id FROM bids b WHERE b.id IN (bl.bid_id, bl.caused_by_bid_id)
                                                       AND b.voided_at IS NOT NULL ORDER BY b.id LIMIT 1)
         WHERE bl.lot_id = $1 AND bl.voided_by_bid_id = $2 AND bl.kind = 1 AND bl.voided",
    )
    .bind(lot.0)
    .bind(bid.0)
    .execute(&mut *conn)
    .await?;
    let mut reinstated: Vec<LogEntry> = rows.into_iter().map(log_entry).collect::<Result<_, _>>()?;
    reinstated.sort_by_key(|entry| entry.position);
    append_log(conn, &echoes(lot, EntryKind::Reinstated, bid, &reinstated)).await?;
    Ok(reinstated)
}

/// The entries that void or reinstate `entries`, caused by `bid`: each carries the fields of the
/// entry it names, as the hash chain requires.
fn echoes(lot: LotId, kind: EntryKind, bid: BidId, entries: &[LogEntry]) -> Vec<NewLogEntry> {
    entries
        .iter()
        .map(|entry| NewLogEntry {
            lot,
            kind,
            bid_id: entry.bid_id,
            caused_by: bid,
            bidder: entry.bidder.clone(),
            wallet: entry.wallet.clone(),
            amount: entry.amount_wei,
            by_proxy: entry.by_proxy,
            received_at: entry.received_at,
        })
        .collect()
}

/// Whether the lot's log took an accepted amount after the latest void of `bid` (by position:
/// decision order, whatever the clocks say). False when that void voided no entry.
pub async fn accepted_since_void(db: impl PgExecutor<'_>, lot: LotId, bid: BidId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM bid_log a WHERE a.lot_id = $1 AND a.kind = 1
                          AND a.position > (SELECT max(v.position) FROM bid_log v WHERE v.lot_id = $1 AND v.kind = 2 AND v.caused_by_bid_id = $2))",
    )
    .bind(lot.0)
    .bind(bid.0)
    .fetch_one(db)
    .await
}

/// A lead as recomputed from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecomputedLead {
    pub high: HighBid,
    /// The max bid behind the leader's proxy, if any.
    pub proxy_bid: Option<BidId>,
}

/// The lead as the unvoided log gives it: the highest amount, the earlier entry at equal
/// amounts, with the leader's highest unvoided max bid as their proxy if it is above that amount.
pub async fn recompute_lead(db: &mut sqlx::PgConnection, lot: LotId) -> Result<Option<RecomputedLead>, sqlx::Error> {
    let best: Option<(String, String)> = sqlx::query_as(
        "SELECT bidder_id, amount_wei::TEXT FROM bid_log WHERE lot_id = $1 AND kind = 1 AND NOT voided
         ORDER BY bid_log.amount_wei DESC, position LIMIT 1",
    )
    .bind(lot.0)
    .fetch_optional(&mut *db)
    .await?;
    let Some((bidder, amount)) = best else { return Ok(None) };
    let amount = wei_column(&amount)?;
    let proxy: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, offered_wei::TEXT FROM bids
         WHERE lot_id = $1 AND bidder_id = $2 AND kind = 'max' AND decision = 'ACCEPTED' AND voided_at IS NULL
         ORDER BY bids.offered_wei DESC, id LIMIT 1",
    )
    .bind(lot.0)
    .bind(&bidder)
    .fetch_optional(&mut *db)
    .await?;
    let proxy = match proxy {
        Some((id, max)) => Some((BidId(id), wei_column(&max)?)).filter(|(_, max)| *max > amount),
        None => None,
    };
    Ok(Some(RecomputedLead {
        high: HighBid {
            bidder: BidderId::parse(&bidder).map_err(|error| corrupt("bidder id", error))?,
            amount,
            proxy_max: proxy.map(|(_, max)| max),
        },
        proxy_bid: proxy.map(|(id, _)| id),
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
