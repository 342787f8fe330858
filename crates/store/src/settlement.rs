//! The settlement service's records: each lot's on-chain actions, every attempt made at them,
//! and the chain watcher's cursor.

use chrono::{DateTime, Utc};
use gavel_domain::events::Event;
use gavel_domain::{LotId, MarathonId, Wei};
use sqlx::PgExecutor;

use crate::{optional_wei_column, wei_text};

/// What is done to a lot on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `openLot`: mint the lot's token to the house.
    Open,
    /// `settleLot` or `settleNoSale`.
    Close,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Open => "open",
            Action::Close => "close",
        }
    }
}

/// The kinds of step recorded for an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptKind {
    /// The lot's state read from the chain before deciding what to send.
    ChainState,
    /// A signed transaction, broadcast.
    Sent,
    /// The same nonce signed again with higher fees, broadcast.
    Replaced,
    /// A receipt arrived.
    Mined,
    /// The receipt has the configured confirmations.
    Confirmed,
    /// The transaction was mined and reverted.
    Reverted,
    /// The node no longer knows the transaction and its nonce went to another one.
    Dropped,
    /// The RPC endpoint failed.
    RpcError,
    /// The winner's escrow no longer covers the amount.
    WinnerDefaulted,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::ChainState => "chain_state",
            AttemptKind::Sent => "sent",
            AttemptKind::Replaced => "replaced",
            AttemptKind::Mined => "mined",
            AttemptKind::Confirmed => "confirmed",
            AttemptKind::Reverted => "reverted",
            AttemptKind::Dropped => "dropped",
            AttemptKind::RpcError => "rpc_error",
            AttemptKind::WinnerDefaulted => "winner_defaulted",
        }
    }

    fn parse(text: &str) -> Result<Self, sqlx::Error> {
        Ok(match text {
            "chain_state" => AttemptKind::ChainState,
            "sent" => AttemptKind::Sent,
            "replaced" => AttemptKind::Replaced,
            "mined" => AttemptKind::Mined,
            "confirmed" => AttemptKind::Confirmed,
            "reverted" => AttemptKind::Reverted,
            "dropped" => AttemptKind::Dropped,
            "rpc_error" => AttemptKind::RpcError,
            "winner_defaulted" => AttemptKind::WinnerDefaulted,
            other => return Err(crate::corrupt("attempt kind", other)),
        })
    }
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(rename = "SettlementStep")]
pub struct Attempt {
    pub id: i64,
    pub lot_id: LotId,
    #[ts(type = "string")]
    pub action: &'static str,
    #[serde(serialize_with = "serialize_kind")]
    #[ts(type = "string")]
    pub kind: AttemptKind,
    pub call: Option<String>,
    pub nonce: Option<u64>,
    pub tx_hash: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    pub raw_tx: Option<Vec<u8>>,
    pub max_fee_per_gas: Option<Wei>,
    pub max_priority_fee_per_gas: Option<Wei>,
    pub block_number: Option<u64>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

fn serialize_kind<S: serde::Serializer>(kind: &AttemptKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

/// A step to record.
#[derive(Debug, Clone, Default)]
pub struct NewAttempt<'a> {
    pub call: Option<&'a str>,
    pub nonce: Option<u64>,
    pub tx_hash: Option<String>,
    pub raw_tx: Option<&'a [u8]>,
    pub max_fee_per_gas: Option<Wei>,
    pub max_priority_fee_per_gas: Option<Wei>,
    pub block_number: Option<u64>,
    pub detail: String,
}

pub async fn record(
    db: impl PgExecutor<'_>,
    lot: LotId,
    action: Action,
    kind: AttemptKind,
    step: &NewAttempt<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO settlement_attempts (lot_id, action, kind, call, nonce, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas,
                                          block_number, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::NUMERIC, $9::NUMERIC, $10, $11) RETURNING id",
    )
    .bind(lot.0)
    .bind(action.as_str())
    .bind(kind.as_str())
    .bind(step.call)
    .bind(step.nonce.map(to_i64))
    .bind(&step.tx_hash)
    .bind(step.raw_tx)
    .bind(step.max_fee_per_gas.map(wei_text))
    .bind(step.max_priority_fee_per_gas.map(wei_text))
    .bind(step.block_number.map(to_i64))
    .bind(&step.detail)
    .fetch_one(db)
    .await
}

type AttemptRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
    DateTime<Utc>,
);

/// Every step recorded for a lot (both actions when `action` is `None`), oldest first.
pub async fn attempts(db: impl PgExecutor<'_>, lot: LotId, action: Option<Action>) -> Result<Vec<Attempt>, sqlx::Error> {
    let rows: Vec<AttemptRow> = sqlx::query_as(
        "SELECT id, lot_id, action, kind, call, nonce, tx_hash, raw_tx, max_fee_per_gas::TEXT, max_priority_fee_per_gas::TEXT,
                block_number, detail, created_at
         FROM settlement_attempts WHERE lot_id = $1 AND ($2::TEXT IS NULL OR action = $2) ORDER BY id",
    )
    .bind(lot.0)
    .bind(action.map(Action::as_str))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, lot_id, action, kind, call, nonce, tx_hash, raw_tx, max_fee, priority_fee, block_number, detail, created_at)| {
            Ok(Attempt {
                id,
                lot_id: LotId(lot_id),
                action: if action == "open" { Action::Open.as_str() } else { Action::Close.as_str() },
                kind: AttemptKind::parse(&kind)?,
                call,
                nonce: nonce.map(to_u64),
                tx_hash,
                raw_tx,
                max_fee_per_gas: optional_wei_column(max_fee.as_deref())?,
                max_priority_fee_per_gas: optional_wei_column(priority_fee.as_deref())?,
                block_number: block_number.map(to_u64),
                detail,
                created_at,
            })
        })
        .collect()
}

/// A lot whose token is not yet minted on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToOpen {
    pub lot_id: LotId,
    pub token_uri: String,
    /// When the opening fell due (the start, less `open_ahead_secs`): how long it has waited.
    pub due_since: DateTime<Utc>,
}

/// Lots to open on chain: every ACTIVE or PROCESSING lot, and PENDING ones starting within
/// `ahead` of `now`, whose opening is not done. Earliest start first.
pub async fn to_open(db: impl PgExecutor<'_>, now: DateTime<Utc>, ahead_secs: i64) -> Result<Vec<ToOpen>, sqlx::Error> {
    let rows: Vec<(i64, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT l.id, l.token_uri, l.starts_at - make_interval(secs => $2) FROM lots l
         WHERE (l.state IN ('ACTIVE', 'PROCESSING') OR (l.state = 'PENDING' AND l.starts_at <= $1 + make_interval(secs => $2)))
           AND NOT EXISTS (SELECT 1 FROM chain_actions a WHERE a.lot_id = l.id AND a.action = 'open' AND a.done)
         ORDER BY l.starts_at, l.id",
    )
    .bind(now)
    .bind(ahead_secs as f64)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, token_uri, due_since)| ToOpen { lot_id: LotId(id), token_uri, due_since }).collect())
}

/// A closed lot to settle on chain: its `lot.closed` event (winner, amount, bid-log head) and
/// its marathon's no-sale policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ToClose {
    pub closed: gavel_domain::events::LotClosed,
    pub token_uri: String,
    pub burn_on_no_sale: bool,
    /// When the closing fell due (the winner made final, or the lot cancelled).
    pub due_since: DateTime<Utc>,
}

/// Lots in PROCESSING whose `lot.closed` is written and whose closing is not done.
pub async fn to_close(db: impl PgExecutor<'_>) -> Result<Vec<ToClose>, sqlx::Error> {
    let rows: Vec<(serde_json::Value, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT o.payload, m.no_sale, l.token_uri, COALESCE(l.winner_final_at, o.occurred_at) FROM lots l
         JOIN marathons m ON m.id = l.marathon_id
         JOIN outbox o ON o.lot_id = l.id AND o.event_type = 'lot.closed'
         WHERE l.state = 'PROCESSING'
           AND NOT EXISTS (SELECT 1 FROM chain_actions a WHERE a.lot_id = l.id AND a.action = 'close' AND a.done)
         ORDER BY l.ends_at, l.id",
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(payload, no_sale, token_uri, due_since)| match Event::from_parts("lot.closed", payload) {
            Ok(Event::LotClosed(closed)) => Ok(ToClose { closed, token_uri, burn_on_no_sale: no_sale == "burn", due_since }),
            Ok(other) => Err(crate::corrupt("lot.closed event", other.event_type())),
            Err(error) => Err(crate::corrupt("lot.closed event", error)),
        })
        .collect()
}

/// A cancelled lot whose token is (or may be) minted on chain: it is burned or handed to the
/// treasury as for no sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelledOnChain {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub burn_on_no_sale: bool,
    pub token_uri: String,
    /// When it was cancelled (the row's last change: a cancelled lot changes no more).
    pub cancelled_at: DateTime<Utc>,
}

/// Cancelled lots whose token was minted on chain, or whose minting was sent, and whose closing
/// is not done.
pub async fn cancelled_on_chain(db: impl PgExecutor<'_>) -> Result<Vec<CancelledOnChain>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT l.id, l.marathon_id, m.no_sale, l.token_uri, l.updated_at FROM lots l
         JOIN marathons m ON m.id = l.marathon_id
         WHERE l.state = 'CANCELLED'
           AND (EXISTS (SELECT 1 FROM chain_actions a WHERE a.lot_id = l.id AND a.action = 'open' AND a.done)
                OR EXISTS (SELECT 1 FROM settlement_attempts t WHERE t.lot_id = l.id AND t.action = 'open' AND t.kind = 'sent'))
           AND NOT EXISTS (SELECT 1 FROM chain_actions a WHERE a.lot_id = l.id AND a.action = 'close' AND a.done)
         ORDER BY l.id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, marathon, no_sale, token_uri, cancelled_at)| CancelledOnChain {
            lot_id: LotId(id),
            marathon_id: MarathonId(marathon),
            burn_on_no_sale: no_sale == "burn",
            token_uri,
            cancelled_at,
        })
        .collect())
}

/// Marks an action done by the transaction `tx_hash`, mined in `block_number`.
pub async fn finish(db: impl PgExecutor<'_>, lot: LotId, action: Action, tx_hash: &str, block_number: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chain_actions (lot_id, action, done, tx_hash, block_number) VALUES ($1, $2, true, $3, $4)
         ON CONFLICT (lot_id, action) DO UPDATE SET done = true, tx_hash = EXCLUDED.tx_hash, block_number = EXCLUDED.block_number,
                                                     updated_at = now()",
    )
    .bind(lot.0)
    .bind(action.as_str())
    .bind(tx_hash)
    .bind(to_i64(block_number))
    .execute(db)
    .await?;
    Ok(())
}

/// The last block whose logs the watcher credited for `house`, if it started.
pub async fn cursor(db: impl PgExecutor<'_>, house: &str) -> Result<Option<u64>, sqlx::Error> {
    let block: Option<i64> = sqlx::query_scalar("SELECT block_number FROM chain_cursors WHERE house = $1")
        .bind(house.to_ascii_lowercase())
        .fetch_optional(db)
        .await?;
    Ok(block.map(to_u64))
}

pub async fn set_cursor(db: impl PgExecutor<'_>, house: &str, chain_id: u64, block_number: u64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chain_cursors (house, chain_id, block_number) VALUES ($1, $2, $3)
         ON CONFLICT (house) DO UPDATE SET block_number = EXCLUDED.block_number, updated_at = now()",
    )
    .bind(house.to_ascii_lowercase())
    .bind(to_i64(chain_id))
    .bind(to_i64(block_number))
    .execute(db)
    .await?;
    Ok(())
}

/// Block numbers, nonces and chain ids fit in a BIGINT long before they could overflow it.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}
