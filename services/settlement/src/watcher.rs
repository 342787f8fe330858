//! Credits the house's logs to the escrow ledger, so bidding power follows the chain.
//!
//! Logs are read from the block after the cursor up to `reorg_depth` blocks below the head:
//! a log is credited only once that many blocks are on top of it, so a reorg shallower than the
//! depth never credits a log that then disappears. Each log is credited once (its transaction
//! hash and log index are unique in the ledger) in the transaction that moves the cursor, so a
//! crash re-reads at most one range and credits nothing twice.

use alloy::primitives::Address;
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::SolEvent;
use chrono::Utc;
use gavel_chain::bindings::AuctionHouse::{Deposited, LotSettled, WithdrawalRequested, Withdrawn};
use gavel_chain::settings::ChainSettings;
use gavel_domain::events::{DepositCredited, Event};
use gavel_domain::{LotId, Wei};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use gavel_store::{PgPool, outbox, settlement};
use tokio_util::sync::CancellationToken;

use crate::chain::{Chain, RpcError, call};

pub struct Watcher {
    pool: PgPool,
    chain: Chain,
    start_block: u64,
    reorg_depth: u64,
    max_log_range: u64,
    poll_interval: std::time::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("RPC: {0}")]
    Rpc(#[from] RpcError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Watcher {
    pub fn new(pool: PgPool, chain: Chain, settings: &ChainSettings) -> Self {
        Watcher {
            pool,
            chain,
            start_block: settings.start_block,
            reorg_depth: settings.reorg_depth,
            max_log_range: settings.max_log_range.max(1),
            poll_interval: settings.poll_interval(),
        }
    }

    pub async fn run(&self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut failing = false;
        while !shutdown.is_cancelled() {
            let caught_up = match self.pass().await {
                Ok(caught_up) => {
                    if std::mem::take(&mut failing) {
                        tracing::info!("chain watcher reading again");
                    }
                    caught_up
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(error = %error, "chain watcher cannot read; retrying");
                    }
                    failing = true;
                    true
                }
            };
            if caught_up {
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = tokio::time::sleep(self.poll_interval) => {}
                }
            }
        }
        Ok(())
    }

    /// Credits the next range of final blocks; returns whether it has caught up with them.
    pub async fn pass(&self) -> Result<bool, WatchError> {
        let house = self.chain.house_address();
        let head = self.chain.head().await?;
        let Some(safe) = head.checked_sub(self.reorg_depth) else { return Ok(true) };
        let from = match settlement::cursor(&self.pool, &house.to_string()).await? {
            Some(done) => done + 1,
            None => self.start_block,
        };
        if from > safe {
            return Ok(true);
        }
        let to = safe.min(from.saturating_add(self.max_log_range - 1));
        let filter = Filter::new()
            .address(house)
            .event_signature(vec![
                Deposited::SIGNATURE_HASH,
                WithdrawalRequested::SIGNATURE_HASH,
                Withdrawn::SIGNATURE_HASH,
                LotSettled::SIGNATURE_HASH,
            ])
            .from_block(from)
            .to_block(to);
        let mut logs = call(self.chain.provider.get_logs(&filter)).await?;
        logs.sort_by_key(|log| (log.block_number, log.log_index));
        let mut entries = Vec::with_capacity(logs.len());
        for log in &logs {
            match ledger_entry(log) {
                Some(entry) => entries.push(entry),
                None => tracing::warn!(tx = ?log.transaction_hash, "a house log Gavel cannot read; skipped"),
            }
        }
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        let wallets: Vec<String> = entries.iter().map(|(entry, _)| entry.wallet.clone()).collect();
        bidders::lock_wallets(&mut *tx, &wallets).await?;
        let mut credited = 0;
        for (entry, event) in entries {
            if bidders::credit(&mut *tx, &entry).await? {
                credited += 1;
                if let Some(event) = event {
                    outbox::append(&mut *tx, &event, now).await?;
                }
            }
        }
        settlement::set_cursor(&mut *tx, &house.to_string(), self.chain.chain_id, to).await?;
        tx.commit().await?;
        if credited > 0 {
            tracing::info!(from, to, credited, "chain logs credited");
        }
        Ok(to == safe)
    }
}

/// The ledger entry for a house log, and the event to announce it with (deposits only).
fn ledger_entry(log: &Log) -> Option<(LedgerEntry, Option<Event>)> {
    let tx_hash = log.transaction_hash?.to_string();
    let log_index = log.log_index?;
    let block_number = log.block_number?;
    let entry = |wallet: Address, kind, amount, commitment| LedgerEntry {
        wallet: wallet.to_string(),
        kind,
        amount: Wei::from(amount),
        commitment,
        tx_hash: tx_hash.clone(),
        log_index,
        block_number,
    };
    let topic = *log.topic0()?;
    if topic == Deposited::SIGNATURE_HASH {
        let deposit = log.log_decode::<Deposited>().ok()?.inner.data;
        let event = Event::DepositCredited(DepositCredited {
            wallet: deposit.wallet,
            amount: Wei::from(deposit.amount),
            tx_hash: tx_hash.clone(),
            log_index,
        });
        Some((entry(deposit.wallet, LedgerKind::Deposit, deposit.amount, Some(deposit.commitment.to_string())), Some(event)))
    } else if topic == WithdrawalRequested::SIGNATURE_HASH {
        let request = log.log_decode::<WithdrawalRequested>().ok()?.inner.data;
        Some((entry(request.wallet, LedgerKind::WithdrawalRequested, request.amount, None), None))
    } else if topic == Withdrawn::SIGNATURE_HASH {
        let withdrawn = log.log_decode::<Withdrawn>().ok()?.inner.data;
        let kind = LedgerKind::WithdrawalCompleted { requested: Wei::from(withdrawn.requested) };
        Some((entry(withdrawn.wallet, kind, withdrawn.paid, None), None))
    } else if topic == LotSettled::SIGNATURE_HASH {
        let settled = log.log_decode::<LotSettled>().ok()?.inner.data;
        // Lot ids are database ids; a larger one is no lot of Gavel's.
        let lot = LotId(i64::try_from(settled.lotId).ok()?);
        Some((entry(settled.winner, LedgerKind::SettlementPayment { lot }, settled.amount, None), None))
    } else {
        None
    }
}
