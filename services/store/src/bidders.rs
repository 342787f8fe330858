//! Bidders (chat identities and their wallets) and the escrow ledger their bidding power is
//! computed from.

use gavel_domain::bidding::BidderStanding;
use gavel_domain::{BidderId, LotId, Wei};
use sqlx::PgExecutor;

use crate::{wei_column, wei_text};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Bidder {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub wallet: Option<String>,
    pub banned: bool,
    pub ban_reason: Option<String>,
}

/// Records a chat identity as last seen (its login and display name may change; its id never does).
pub async fn upsert(db: impl PgExecutor<'_>, id: &BidderId, login: &str, display_name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bidders (id, login, display_name) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET login = EXCLUDED.login, display_name = EXCLUDED.display_name, updated_at = now()",
    )
    .bind(id.as_str())
    .bind(login)
    .bind(display_name)
    .execute(db)
    .await?;
    Ok(())
}

/// Binds a bidder to a wallet if neither is bound yet; returns whether it bound.
pub async fn bind_wallet(db: impl PgExecutor<'_>, id: &BidderId, wallet: &str) -> Result<bool, sqlx::Error> {
    let bound = sqlx::query(
        "UPDATE bidders SET wallet = $2, updated_at = now()
         WHERE id = $1 AND wallet IS NULL AND NOT EXISTS (SELECT 1 FROM bidders WHERE wallet = $2)",
    )
    .bind(id.as_str())
    .bind(wallet.to_ascii_lowercase())
    .execute(db)
    .await?
    .rows_affected();
    Ok(bound == 1)
}

pub async fn get(db: impl PgExecutor<'_>, id: &BidderId) -> Result<Option<Bidder>, sqlx::Error> {
    sqlx::query_as("SELECT id, login, display_name, wallet, banned, ban_reason FROM bidders WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(db)
        .await
}

/// Bans or unbans; returns the bidder as it is afterwards, `None` if unknown.
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

/// A bidder's standing in one lot, with the wallet their bids are recorded against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotStanding {
    pub wallet: String,
    pub standing: BidderStanding,
}

/// What `bidder` can bid with in `lot`: deposits − settled payments − withdrawal requests
/// (escrow less pending withdrawals; completed withdrawals cancel out) − what they lead with in
/// other lots not yet completed, floored at zero. `None` when no wallet is bound.
pub async fn standing_in_lot(db: impl PgExecutor<'_>, bidder: &BidderId, lot: LotId) -> Result<Option<LotStanding>, sqlx::Error> {
    let row: Option<(String, bool, String)> = sqlx::query_as(
        "SELECT b.wallet, b.banned, GREATEST(0,
            COALESCE((SELECT sum(CASE e.kind WHEN 'deposit' THEN e.amount_wei
                                             WHEN 'withdrawal_completed' THEN 0
                                             ELSE -e.amount_wei END)
                      FROM escrow_ledger e WHERE e.wallet = b.wallet), 0)
          - COALESCE((SELECT sum(l.high_amount_wei) FROM lots l
                      WHERE l.high_bidder = b.id AND l.state IN ('ACTIVE', 'PROCESSING') AND l.id <> $2), 0))::TEXT
         FROM bidders b WHERE b.id = $1 AND b.wallet IS NOT NULL",
    )
    .bind(bidder.as_str())
    .bind(lot.0)
    .fetch_optional(db)
    .await?;
    row.map(|(wallet, banned, funds)| Ok(LotStanding { wallet, standing: BidderStanding { banned, funds: wei_column(&funds)? } }))
        .transpose()
}

/// The kinds of on-chain log that move a wallet's escrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Deposit,
    WithdrawalRequested,
    WithdrawalCompleted,
    SettlementPayment,
}

impl LedgerKind {
    fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Deposit => "deposit",
            LedgerKind::WithdrawalRequested => "withdrawal_requested",
            LedgerKind::WithdrawalCompleted => "withdrawal_completed",
            LedgerKind::SettlementPayment => "settlement_payment",
        }
    }
}

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

/// Credits one chain log, once: a log already credited (same transaction hash and log index)
/// is ignored. Returns whether it was new. Only the chain watcher calls this.
pub async fn credit(db: impl PgExecutor<'_>, entry: &LedgerEntry) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO escrow_ledger (wallet, kind, amount_wei, commitment, tx_hash, log_index, block_number)
         VALUES ($1, $2, $3::NUMERIC, $4, $5, $6, $7) ON CONFLICT (tx_hash, log_index) DO NOTHING",
    )
    .bind(entry.wallet.to_ascii_lowercase())
    .bind(entry.kind.as_str())
    .bind(wei_text(entry.amount))
    .bind(&entry.commitment)
    .bind(entry.tx_hash.to_ascii_lowercase())
    .bind(i64::try_from(entry.log_index).unwrap_or(i64::MAX))
    .bind(i64::try_from(entry.block_number).unwrap_or(i64::MAX))
    .execute(db)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
