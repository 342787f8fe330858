//! What the public viewer page reads: a marathon's lots as anyone may see them, and a wallet's
//! standing (escrow, leads, wins). Only what is public anyway (on chain, or on the stream): no
//! rejections, no moderation reasons, no secrets.

use chrono::{DateTime, Utc};
use gavel_domain::lot::LotState;
use gavel_domain::{LotId, MarathonId, Wei};
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

use crate::bidders::{escrow_change, escrow_held};
use crate::{corrupt, optional_wei_column, wei_column};

/// The lead of a lot as viewers see it: the leader's display name, not their id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicBid {
    pub name: String,
    pub amount_wei: Wei,
}

/// One day of a marathon, as the schedule and the past lots show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicLot {
    pub id: LotId,
    pub day_index: i32,
    /// The lot id is the token id: said twice so that the page need not know it.
    pub token_id: LotId,
    pub token_uri: String,
    pub image_url: String,
    pub state: LotState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub extensions_used: i32,
    pub high: Option<PublicBid>,
    /// The wallet that paid and received the token, once settled with a sale.
    pub buyer: Option<String>,
    /// The transaction that closed the lot on chain (a sale or no sale), once confirmed.
    pub settle_tx: Option<String>,
}

/// Lots of `marathon` with a day index above `after_day`, in day order, at most `limit`.
pub async fn marathon_lots(
    db: impl PgExecutor<'_>,
    marathon: MarathonId,
    after_day: i32,
    limit: u32,
) -> Result<Vec<PublicLot>, sqlx::Error> {
    type Row = (
        i64,
        i32,
        String,
        String,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
        i32,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT l.id, l.day_index, l.token_uri, l.image_url, l.state, l.starts_at, l.ends_at, l.extensions_used,
                b.display_name, l.high_amount_wei::TEXT,
                (SELECT e.wallet FROM escrow_ledger e WHERE e.kind = 'settlement_payment' AND e.lot_id = l.id),
                (SELECT c.tx_hash FROM chain_actions c WHERE c.lot_id = l.id AND c.action = 'close' AND c.done)
         FROM lots l LEFT JOIN bidders b ON b.id = l.high_bidder
         WHERE l.marathon_id = $1 AND l.day_index > $2 ORDER BY l.day_index LIMIT $3",
    )
    .bind(marathon.0)
    .bind(after_day)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, day_index, token_uri, image_url, state, starts_at, ends_at, extensions_used, name, high, buyer, settle_tx)| {
            let high = match (name, optional_wei_column(high.as_deref())?) {
                (Some(name), Some(amount_wei)) => Some(PublicBid { name, amount_wei }),
                _ => None,
            };
            Ok(PublicLot {
                id: LotId(id),
                day_index,
                token_id: LotId(id),
                token_uri,
                image_url,
                state: state.parse().map_err(|error| corrupt("lot state", error))?,
                starts_at,
                ends_at,
                extensions_used,
                high,
                buyer,
                settle_tx,
            })
        })
        .collect()
}

/// The chat identity bound to a wallet, as the page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicBidder {
    /// `platform:user_id`.
    pub id: String,
    /// `platform:login`, lower case: what the viewer typed on the page.
    pub handle: String,
    pub display_name: String,
}

/// A lot a wallet leads or has won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WalletLot {
    pub lot_id: LotId,
    pub marathon_id: MarathonId,
    pub token_id: LotId,
    pub state: LotState,
    pub amount_wei: Wei,
    pub settle_tx: Option<String>,
}

/// A credited deposit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WalletDeposit {
    pub tx_hash: String,
    pub block_number: i64,
    pub amount_wei: Wei,
}

/// A wallet's standing as Gavel's chain watcher has credited it (below the reorg-safe depth).
/// Bidding power is escrow less pending withdrawals less what is committed to lots not yet
/// completed (leads, and wins awaiting settlement), floored at zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PublicWallet {
    pub wallet: String,
    pub bidder: Option<PublicBidder>,
    pub escrow_wei: Wei,
    pub pending_withdrawal_wei: Wei,
    pub committed_wei: Wei,
    pub power_wei: Wei,
    /// Lots the wallet's bidder leads while bidding may still change the outcome.
    pub leads: Vec<WalletLot>,
    /// Lots whose winner is final and is this wallet's bidder, or that were sold to this wallet.
    pub won: Vec<WalletLot>,
    /// The latest credited deposits, newest first.
    pub deposits: Vec<WalletDeposit>,
}

/// How many deposits a wallet's view lists.
const RECENT_DEPOSITS: i64 = 20;
/// How many lots a wallet's view lists in each of leads and wins.
const MAX_WALLET_LOTS: i64 = 100;

/// The standing of `wallet` (lower-case `0x` hex).
pub async fn wallet(db: &crate::PgPool, wallet: &str) -> Result<PublicWallet, sqlx::Error> {
    let wallet = wallet.to_ascii_lowercase();
    let bidder: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, login, display_name FROM bidders WHERE wallet = $1").bind(&wallet).fetch_optional(db).await?;
    // Escrow held, and escrow free of pending withdrawal requests: the requests are the difference.
    let (held, free): (String, String) = sqlx::query_as(concat!(
        "SELECT COALESCE(sum(",
        escrow_held!(),
        "), 0)::TEXT, COALESCE(sum(",
        escrow_change!(),
        "), 0)::TEXT FROM escrow_ledger e WHERE e.wallet = $1"
    ))
    .bind(&wallet)
    .fetch_one(db)
    .await?;
    type LotRow = (i64, i64, String, String, Option<String>, bool);
    // A lot the bidder leads (`false`) or has won (`true`): leads are open to bidding, wins have a
    // final winner; a lot sold to this wallet counts as won whoever led it.
    let lots: Vec<LotRow> = sqlx::query_as(
        "SELECT l.id, l.marathon_id, l.state, COALESCE(p.amount_wei, l.high_amount_wei)::TEXT,
                (SELECT c.tx_hash FROM chain_actions c WHERE c.lot_id = l.id AND c.action = 'close' AND c.done),
                (l.winner_final_at IS NOT NULL OR p.lot_id IS NOT NULL)
         FROM lots l LEFT JOIN escrow_ledger p ON p.kind = 'settlement_payment' AND p.lot_id = l.id AND p.wallet = $1
         WHERE p.lot_id IS NOT NULL
            OR (l.high_bidder = $2 AND l.state IN ('ACTIVE', 'PROCESSING'))
         ORDER BY l.id DESC LIMIT $3",
    )
    .bind(&wallet)
    .bind(bidder.as_ref().map(|(id, ..)| id.as_str()))
    .bind(MAX_WALLET_LOTS * 2)
    .fetch_all(db)
    .await?;
    let deposits: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT tx_hash, block_number, amount_wei::TEXT FROM escrow_ledger WHERE wallet = $1 AND kind = 'deposit' ORDER BY id DESC LIMIT $2",
    )
    .bind(&wallet)
    .bind(RECENT_DEPOSITS)
    .fetch_all(db)
    .await?;

    let (mut leads, mut won, mut committed) = (Vec::new(), Vec::new(), Wei::ZERO);
    for (lot, marathon, state, amount, settle_tx, final_winner) in lots {
        let state: LotState = state.parse().map_err(|error| corrupt("lot state", error))?;
        let amount_wei = wei_column(&amount)?;
        if state != LotState::Completed {
            committed = committed.saturating_add(amount_wei);
        }
        let entry = WalletLot { lot_id: LotId(lot), marathon_id: MarathonId(marathon), token_id: LotId(lot), state, amount_wei, settle_tx };
        if final_winner { won.push(entry) } else { leads.push(entry) }
    }
    let (escrow_wei, free) = (wei_column(&held)?, wei_column(&free)?);
    let pending_withdrawal_wei = escrow_wei.saturating_sub(free);
    let power_wei = escrow_wei.saturating_sub(pending_withdrawal_wei).saturating_sub(committed);
    Ok(PublicWallet {
        bidder: bidder.map(|(id, login, display_name)| {
            let platform = id.split_once(':').map_or("", |(platform, _)| platform);
            PublicBidder { handle: gavel_domain::link::handle(platform, &login), id, display_name }
        }),
        wallet,
        escrow_wei,
        pending_withdrawal_wei,
        committed_wei: committed,
        power_wei,
        leads,
        won,
        deposits: deposits
            .into_iter()
            .map(|(tx_hash, block_number, amount)| Ok(WalletDeposit { tx_hash, block_number, amount_wei: wei_column(&amount)? }))
            .collect::<Result<_, sqlx::Error>>()?,
    })
}
