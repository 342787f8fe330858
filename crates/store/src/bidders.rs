//! Bidders (chat identities and their wallets) and the escrow ledger their bidding power is
//! computed from.

use std::collections::HashMap;

use gavel_domain::link::CommittedDeposit;
use gavel_domain::{BidderId, LotId, Wei};
use sqlx::PgExecutor;

use crate::{corrupt, wei_column, wei_text};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, ts_rs::TS)]
pub struct Bidder {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub wallet: Option<String>,
    pub banned: bool,
    pub ban_reason: Option<String>,
}

/// Binds a bidder to a wallet if neither is bound yet; returns whether it bound. Two identities
/// racing for one wallet: the loser gets `false`, as if it had come second.
pub async fn bind_wallet(db: impl PgExecutor<'_>, id: &BidderId, wallet: &str) -> Result<bool, sqlx::Error> {
    let bound = sqlx::query(
        "UPDATE bidders SET wallet = $2, updated_at = now()
         WHERE id = $1 AND wallet IS NULL AND NOT EXISTS (SELECT 1 FROM bidders WHERE wallet = $2)",
    )
    .bind(id.as_str())
    .bind(wallet.to_ascii_lowercase())
    .execute(db)
    .await;
    match bound {
        Ok(done) => Ok(done.rows_affected() == 1),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}

/// The deposits a `!link` typed by `bidder` may bind, in the order they were credited: all that
/// carry a commitment, less those an admin's unlink of this bidder from that wallet ruled out
/// (credited before it). A wallet bound to another bidder stays a candidate, so that the reply
/// can say it is taken. The caller finds, among them, the wallet whose own
/// deposit carries the commitment computed for it ([`gavel_domain::link::resolve_link`]).
pub async fn link_candidates(db: impl PgExecutor<'_>, bidder: &BidderId) -> Result<Vec<CommittedDeposit>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.wallet, e.commitment FROM escrow_ledger e
         WHERE e.kind = 'deposit' AND e.commitment IS NOT NULL AND e.commitment <> $2
           AND NOT EXISTS (SELECT 1 FROM bidder_unlinks u WHERE u.bidder_id = $1 AND u.wallet = e.wallet AND e.id <= u.ledger_horizon)
         ORDER BY e.id",
    )
    .bind(bidder.as_str())
    // A top-up carries the zero commitment: it links nothing, so it is not hashed against.
    .bind(format!("{:#x}", gavel_domain::link::TOP_UP))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(wallet, commitment)| {
            Ok(CommittedDeposit {
                wallet: wallet.parse().map_err(|error| corrupt("ledger wallet", error))?,
                commitment: commitment.parse().map_err(|error| corrupt("ledger commitment", error))?,
            })
        })
        .collect()
}

/// Unbinds `bidder` from its wallet, recording why and which of the wallet's deposits can no
/// longer bind it. Returns the wallet it was bound to, `None` if it was not bound. The caller
/// checks the bidder may be unlinked and writes the audit entry in the same transaction.
pub async fn unbind_wallet(db: &mut sqlx::PgConnection, bidder: &BidderId, reason: &str, by: i64) -> Result<Option<String>, sqlx::Error> {
    let wallet: Option<String> = sqlx::query_scalar(
        "UPDATE bidders b SET wallet = NULL, updated_at = now() FROM bidders old
         WHERE b.id = $1 AND old.id = b.id AND b.wallet IS NOT NULL RETURNING old.wallet",
    )
    .bind(bidder.as_str())
    .fetch_optional(&mut *db)
    .await?;
    if let Some(wallet) = &wallet {
        sqlx::query(
            "INSERT INTO bidder_unlinks (bidder_id, wallet, ledger_horizon, reason, unlinked_by)
             VALUES ($1, $2, (SELECT COALESCE(max(id), 0) FROM escrow_ledger), $3, $4)",
        )
        .bind(bidder.as_str())
        .bind(wallet)
        .bind(reason)
        .bind(by)
        .execute(&mut *db)
        .await?;
    }
    Ok(wallet)
}

/// The bidder, its row locked until the transaction ends: the lock a bid decision takes
/// ([`lock_holdings`]), so no lead can start while the caller acts on what it read.
pub async fn lock(db: impl PgExecutor<'_>, id: &BidderId) -> Result<Option<Bidder>, sqlx::Error> {
    sqlx::query_as("SELECT id, login, display_name, wallet, banned, ban_reason FROM bidders WHERE id = $1 FOR UPDATE")
        .bind(id.as_str())
        .fetch_optional(db)
        .await
}

pub async fn get(db: impl PgExecutor<'_>, id: &BidderId) -> Result<Option<Bidder>, sqlx::Error> {
    sqlx::query_as("SELECT id, login, display_name, wallet, banned, ban_reason FROM bidders WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(db)
        .await
}

/// Bans or unbans; returns the bidder as it is afterwards, `None` if unknown. Callers compare
/// with the bidder as it was to tell whether anything changed.
pub async fn set_banned(db: impl PgExecutor<'_>, id: &BidderId, banned: bool, reason: Option<&str>) -> Result<Option<Bidder>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE bidders SET banned = $2, ban_reason = $3, updated_at = now() WHERE id = $1
         RETURNING id, login, display_name, wallet, banned, ban_reason",
    )
    .bind(id.as_str())
    .bind(banned)
    .bind(reason)
    .fetch_optional(db)
    .await
}

/// How one ledger row moves a wallet's free escrow: a deposit adds; a withdrawal request and a
/// settlement payment subtract; a completed withdrawal gives back what was requested but not
/// paid (the house pays at most the escrow left, and a settlement may have drawn on it). A macro so
/// that queries stay `&'static str`.
macro_rules! escrow_change {
    () => {
        "CASE e.kind WHEN 'deposit' THEN e.amount_wei
                     WHEN 'withdrawal_completed' THEN e.requested_wei - e.amount_wei
                     ELSE -e.amount_wei END"
    };
}

/// A bidder as the dashboard lists them: with escrow (deposits less payments and completed
/// withdrawals) and bidding power.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct BidderSummary {
    #[serde(flatten)]
    pub bidder: Bidder,
    pub escrow_wei: Wei,
    pub power_wei: Wei,
}

/// Bidders by id, after `after`, at most `limit`.
pub async fn list(db: impl PgExecutor<'_>, after: Option<&str>, limit: u32) -> Result<Vec<BidderSummary>, sqlx::Error> {
    type Row = (String, String, String, Option<String>, bool, Option<String>, String, String);
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT b.id, b.login, b.display_name, b.wallet, b.banned, b.ban_reason,
                GREATEST(0, COALESCE((SELECT sum(",
        escrow_held!(),
        ") FROM escrow_ledger e WHERE e.wallet = b.wallet), 0))::TEXT,
                GREATEST(0, COALESCE((SELECT sum(",
        escrow_change!(),
        ") FROM escrow_ledger e WHERE e.wallet = b.wallet), 0)
                  - COALESCE((SELECT sum(l.high_amount_wei) FROM lots l WHERE l.high_bidder = b.id AND l.state IN ('ACTIVE', 'PROCESSING')), 0))::TEXT
         FROM bidders b WHERE ($1::TEXT IS NULL OR b.id > $1) ORDER BY b.id LIMIT $2"
    ))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, login, display_name, wallet, banned, ban_reason, escrow, power)| {
            let bidder = Bidder { id, login, display_name, wallet, banned, ban_reason };
            Ok(BidderSummary { bidder, escrow_wei: wei_column(&escrow)?, power_wei: wei_column(&power)? })
        })
        .collect()
}

/// What a linked bidder holds: their wallet, whether they are banned, and their escrow less
/// pending withdrawals (see `escrow_change`), floored at zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holdings {
    pub wallet: String,
    pub banned: bool,
    pub escrow_free: Wei,
}

/// The holdings of the linked bidders among `ids`, with their rows locked until the transaction
/// ends, so a decision and a ledger credit about the same bidder never interleave.
pub async fn lock_holdings(db: impl PgExecutor<'_>, ids: &[&str]) -> Result<HashMap<BidderId, Holdings>, sqlx::Error> {
    let rows: Vec<(String, String, bool, String)> = sqlx::query_as(concat!(
        "WITH locked AS (SELECT id, wallet, banned FROM bidders WHERE id = ANY($1) AND wallet IS NOT NULL ORDER BY id FOR UPDATE)
             SELECT locked.id, locked.wallet, locked.banned, GREATEST(0, COALESCE(sum(",
        escrow_change!(),
        "), 0))::TEXT
             FROM locked LEFT JOIN escrow_ledger e ON e.wallet = locked.wallet
             GROUP BY locked.id, locked.wallet, locked.banned"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, wallet, banned, free)| {
            let id = BidderId::parse(&id).map_err(|error| corrupt("bidder id", error))?;
            Ok((id, Holdings { wallet, banned, escrow_free: wei_column(&free)? }))
        })
        .collect()
}

/// A linked bidder's bidding power now: escrow less pending withdrawals, less what they lead
/// with in lots not completed, floored at zero. `None` when no wallet is bound. Reads only.
pub async fn power(db: impl PgExecutor<'_>, id: &BidderId) -> Result<Option<Wei>, sqlx::Error> {
    let power: Option<String> = sqlx::query_scalar(
        concat!(
            "SELECT GREATEST(0, COALESCE((SELECT sum(",
            escrow_change!(),
            ") FROM escrow_ledger e WHERE e.wallet = b.wallet), 0)
              - COALESCE((SELECT sum(l.high_amount_wei) FROM lots l WHERE l.high_bidder = b.id AND l.state IN ('ACTIVE', 'PROCESSING')), 0))::TEXT
             FROM bidders b WHERE b.id = $1 AND b.wallet IS NOT NULL"
        ),
    )
    .bind(id.as_str())
    .fetch_optional(db)
    .await?;
    power.as_deref().map(wei_column).transpose()
}

/// What each of `ids` leads with in lots not yet completed (ACTIVE or PROCESSING): bidding power
/// is escrow less these.
pub async fn open_leads(db: impl PgExecutor<'_>, ids: &[&str]) -> Result<Vec<(BidderId, LotId, Wei)>, sqlx::Error> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT high_bidder, id, high_amount_wei::TEXT FROM lots WHERE high_bidder = ANY($1) AND state IN ('ACTIVE', 'PROCESSING')",
    )
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(bidder, lot, amount)| {
            Ok((BidderId::parse(&bidder).map_err(|error| corrupt("bidder id", error))?, LotId(lot), wei_column(&amount)?))
        })
        .collect()
}

/// Records chat identities as last seen (logins and display names change; ids never do).
pub async fn upsert_many(db: impl PgExecutor<'_>, ids: &[&str], logins: &[&str], display_names: &[&str]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bidders (id, login, display_name) SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[])
         ON CONFLICT (id) DO UPDATE SET login = EXCLUDED.login, display_name = EXCLUDED.display_name, updated_at = now()
         WHERE bidders.login IS DISTINCT FROM EXCLUDED.login OR bidders.display_name IS DISTINCT FROM EXCLUDED.display_name",
    )
    .bind(ids)
    .bind(logins)
    .bind(display_names)
    .execute(db)
    .await?;
    Ok(())
}

/// The kinds of on-chain log that move a wallet's escrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Deposit,
    WithdrawalRequested,
    /// The entry's amount is what was paid; `requested` what the completed request asked.
    WithdrawalCompleted {
        requested: Wei,
    },
    /// The winner's payment for `lot`: one per lot, even if a reorg re-mines it elsewhere.
    SettlementPayment {
        lot: LotId,
    },
}

impl LedgerKind {
    fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Deposit => "deposit",
            LedgerKind::WithdrawalRequested => "withdrawal_requested",
            LedgerKind::WithdrawalCompleted { .. } => "withdrawal_completed",
            LedgerKind::SettlementPayment { .. } => "settlement_payment",
        }
    }
}
pub(crate) use escrow_change;

/// How one ledger row moves a wallet's escrow, the money the house holds for it: what
/// [`escrow_change`] counts less pending withdrawal requests (they stay in escrow until paid).
macro_rules! escrow_held {
    () => {
        "CASE e.kind WHEN 'deposit' THEN e.amount_wei WHEN 'withdrawal_requested' THEN 0 ELSE -e.amount_wei END"
    };
}
pub(crate) use escrow_held;

#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub wallet: String,
    pub kind: LedgerKind,
    pub amount: Wei,
    pub commitment: Option<String>,
    pub tx_hash: String,
    pub log_index: u64,
    pub block_number: u64,
}

/// Locks the bidder rows of `wallets` in id order, as a bid decision locks them, so a decision
/// sees a wallet's ledger either before or after a credit and the two never deadlock. Call it
/// before crediting, in the same transaction.
pub async fn lock_wallets(db: impl PgExecutor<'_>, wallets: &[String]) -> Result<(), sqlx::Error> {
    let wallets: Vec<String> = wallets.iter().map(|w| w.to_ascii_lowercase()).collect();
    sqlx::query("SELECT 1 FROM bidders WHERE wallet = ANY($1) ORDER BY id FOR UPDATE").bind(&wallets).execute(db).await?;
    Ok(())
}

/// Credits one chain log, once: a log already credited (same transaction hash and log index),
/// or a second payment for the same lot, is ignored. Returns whether it was new. Only the chain
/// watcher (and the settlement service, for its own settlement's log) calls this, after
/// [`lock_wallets`].
pub async fn credit(db: impl PgExecutor<'_>, entry: &LedgerEntry) -> Result<bool, sqlx::Error> {
    let (requested, lot) = match entry.kind {
        LedgerKind::WithdrawalCompleted { requested } => (Some(wei_text(requested)), None),
        LedgerKind::SettlementPayment { lot } => (None, Some(lot.0)),
        LedgerKind::Deposit | LedgerKind::WithdrawalRequested => (None, None),
    };
    let inserted = sqlx::query(
        "INSERT INTO escrow_ledger (wallet, kind, amount_wei, commitment, tx_hash, log_index, block_number, requested_wei, lot_id)
         VALUES ($1, $2, $3::NUMERIC, $4, $5, $6, $7, $8::NUMERIC, $9) ON CONFLICT DO NOTHING",
    )
    .bind(entry.wallet.to_ascii_lowercase())
    .bind(entry.kind.as_str())
    .bind(wei_text(entry.amount))
    .bind(&entry.commitment)
    .bind(entry.tx_hash.to_ascii_lowercase())
    .bind(i64::try_from(entry.log_index).unwrap_or(i64::MAX))
    .bind(i64::try_from(entry.block_number).unwrap_or(i64::MAX))
    .bind(requested)
    .bind(lot)
    .execute(db)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
