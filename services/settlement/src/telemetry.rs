//! The settlement service's metrics (see `docs/metrics.md`): names, help texts, and the gauges
//! refreshed on a timer of their own, so they stay current while the settler waits on one lot
//! (an RPC outage is exactly when "settlement stuck" must show).

use std::time::Duration;

use alloy::primitives::Address;
use alloy::providers::Provider;
use chrono::{DateTime, Utc};
use gavel_domain::Wei;
use gavel_store::settlement::{Action, AttemptKind};
use gavel_store::{PgPool, heartbeats, settlement};
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use tokio_util::sync::CancellationToken;

use crate::chain::{Chain, call};

/// Attempts recorded, by `action` (`open`, `close`) and `kind` (as stored: `sent`, `confirmed`…).
pub const ATTEMPTS: &str = "gavel_settlement_attempts_total";
/// First broadcast of an action → its confirmation, by `action`.
pub const CONFIRMATION_SECONDS: &str = "gavel_settlement_confirmation_seconds";
/// Jobs waiting on chain: a lot's opening or its closing (one lot may have both).
pub const PENDING_JOBS: &str = "gavel_settlement_pending_jobs";
/// How long the oldest of them has waited since its action fell due.
pub const OLDEST_PENDING_SECONDS: &str = "gavel_settlement_oldest_pending_seconds";
/// The signer's balance, in wei.
pub const SIGNER_BALANCE_WEI: &str = "gavel_signer_balance_wei";
/// The chain's latest block number.
pub const CHAIN_HEAD_BLOCK: &str = "gavel_chain_head_block";

/// How often the gauges are refreshed: a few cheap calls (two queries, two RPC reads).
const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// Registers the help texts (call once the recorder is installed).
pub fn describe() {
    describe_counter!(ATTEMPTS, Unit::Count, "Settlement attempts recorded, by action (open, close) and kind (sent, mined, confirmed…)");
    describe_histogram!(CONFIRMATION_SECONDS, Unit::Seconds, "From an action's first broadcast to its confirmation, by action");
    describe_gauge!(PENDING_JOBS, Unit::Count, "Settlement jobs (an opening or a closing) waiting to be done on chain");
    describe_gauge!(OLDEST_PENDING_SECONDS, Unit::Seconds, "How long the oldest waiting job has waited since its action fell due");
    describe_gauge!(SIGNER_BALANCE_WEI, "The signer's balance in wei (a float: for watching and alerting only)");
    describe_gauge!(CHAIN_HEAD_BLOCK, Unit::Count, "The chain's latest block number, as the settlement service reads it");
}

/// Makes the failures alerts watch with `increase()` exist at 0: a series that first appears at
/// 1 shows no increase, and the first winner default after a restart would pass unseen. Call it
/// before the settler starts, so it is the first to touch them.
pub fn register_failure_counters() {
    for action in [Action::Open, Action::Close] {
        for kind in [AttemptKind::Reverted, AttemptKind::Dropped, AttemptKind::RpcError, AttemptKind::WinnerDefaulted] {
            metrics::counter!(ATTEMPTS, "action" => action.as_str(), "kind" => kind.as_str()).increment(0);
        }
    }
}

/// Refreshes the gauges until `shutdown`. A failed read leaves the gauge at its last value (a
/// chain head that stops moving is itself the alarm).
pub async fn refresh(pool: PgPool, chain: Chain, signer: Address, open_ahead_secs: i64, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(REFRESH_EVERY);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = Utc::now();
        match pending(&pool, now, open_ahead_secs).await {
            Ok((jobs, oldest)) => {
                metrics::gauge!(PENDING_JOBS).set(jobs as f64);
                let waited = oldest.map(|due| (now - due).to_std().unwrap_or_default()).unwrap_or_default();
                metrics::gauge!(OLDEST_PENDING_SECONDS).set(waited);
            }
            Err(error) => tracing::debug!(error = %error, "could not count the pending settlement jobs"),
        }
        let head = chain.head().await.ok();
        if let Some(head) = head {
            metrics::gauge!(CHAIN_HEAD_BLOCK).set(head as f64);
        }
        let balance = call(chain.provider.get_balance(signer)).await.ok();
        if let Some(balance) = balance {
            // Observational only: a float loses wei below ~2^-53 of the balance, which a gauge
            // watched for "running low" does not care about. Nothing reads money back from it.
            metrics::gauge!(SIGNER_BALANCE_WEI).set(f64::from(balance));
        }
        let report = heartbeats::ChainReport { chain_id: chain.chain_id, head, signer, signer_balance_wei: balance.map(Wei::from) };
        if let Err(error) = heartbeats::beat(&pool, heartbeats::SETTLEMENT, &report).await {
            tracing::debug!(error = %error, "could not record the settlement service's heartbeat");
        }
    }
}

/// The jobs the settler has to do (lots to open, to close, cancelled ones to close; as it lists
/// them), and the earliest time one of
/// them fell due.
async fn pending(pool: &PgPool, now: DateTime<Utc>, open_ahead_secs: i64) -> Result<(usize, Option<DateTime<Utc>>), sqlx::Error> {
    let opens = settlement::to_open(pool, now, open_ahead_secs).await?;
    let closes = settlement::to_close(pool).await?;
    let cancelled = settlement::cancelled_on_chain(pool).await?;
    let due = opens.iter().map(|o| o.due_since).chain(closes.iter().map(|c| c.due_since)).chain(cancelled.iter().map(|c| c.cancelled_at));
    Ok((opens.len() + closes.len() + cancelled.len(), due.min()))
}
