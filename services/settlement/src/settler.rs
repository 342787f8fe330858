//! Opens and closes lots on chain, one transaction at a time, from what PostgreSQL and the chain
//! say now.
//!
//! Each step re-derives where an action stands: the lot's on-chain state first (recorded once
//! per drive, so the record shows it was read before anything was sent again), then the
//! recorded transactions. A transaction is recorded, raw bytes included, before it is broadcast:
//! a restart finds it and rebroadcasts the very same bytes, or waits for it, instead of signing
//! a second settlement. An unmined transaction is signed again at the same nonce with higher
//! fees after `replace_after_blocks`; a nonce taken by something else ends the attempt, and the
//! next step starts afresh from the chain.

use alloy::consensus::TxEnvelope;
use alloy::eips::eip2718::{Decodable2718, Encodable2718};
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, TransactionReceipt, TransactionRequest};
use alloy::sol_types::SolEvent;
use chrono::Utc;
use gavel_chain::bindings::AuctionHouse::{LotNoSale, LotOpened, LotSettled};
use gavel_chain::bindings::LotStatus;
use gavel_chain::settings::{ChainSettings, OnWinnerDefault};
use gavel_chain::{HouseRevert, house_revert};
use gavel_domain::bid_log::head_of_published;
use gavel_domain::events::{Event, LotClosed, LotCompleted, SettlementAttempt};
use gavel_domain::lot::{LotState, LotTransition};
use gavel_domain::{BidderId, LotId, Wei};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use gavel_store::settlement::{self, Action, Attempt, AttemptKind, NewAttempt, ToClose, ToOpen};
use gavel_store::{PgPool, bids, lots, outbox};
use tokio_util::sync::CancellationToken;

use crate::chain::{Chain, NonceManager, RPC_TIMEOUT, RpcError, call};
use crate::telemetry;

/// How many of a lot's best bidders are considered when the winner defaults.
const RUNNER_UP_DEPTH: u32 = 20;

/// One lot's on-chain action.
#[derive(Debug, Clone)]
enum Job {
    Open(ToOpen),
    Close(ToClose),
}

impl Job {
    fn lot(&self) -> LotId {
        match self {
            Job::Open(open) => open.lot_id,
            Job::Close(close) => close.closed.lot_id,
        }
    }

    fn action(&self) -> Action {
        match self {
            Job::Open(_) => Action::Open,
            Job::Close(_) => Action::Close,
        }
    }
}

/// The contract call a job sends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Open { uri: String },
    Settle { winner: Address, amount: U256, head: B256 },
    NoSale { burn: bool, head: B256 },
}

impl Call {
    fn name(&self) -> &'static str {
        match self {
            Call::Open { .. } => "openLot",
            Call::Settle { .. } => "settleLot",
            Call::NoSale { .. } => "settleNoSale",
        }
    }
}

/// Where a step left its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    Done,
    Waiting,
    /// A close found the lot not opened on chain: open it first.
    NeedsOpen,
}

#[derive(Debug, thiserror::Error)]
enum PassError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The connection holding the signer's lock failed: the lock may be gone.
    #[error("the signer's lock connection failed: {0}")]
    LostLease(sqlx::Error),
}

#[derive(Debug, thiserror::Error)]
enum StepError {
    /// Nothing can be sent until an operator acts or conditions change (the fee cap).
    #[error("{0}")]
    Blocked(String),
    #[error("RPC: {0}")]
    Rpc(#[from] RpcError),
    /// The call, estimated now, would revert with the house's error.
    #[error("the call would revert: {0}")]
    WouldRevert(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a broadcast came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Broadcast {
    Accepted,
    Refused(String),
}

enum Estimate {
    Gas(u64),
    AlreadyDone,
    Reverts(String),
}

/// The transaction that did an action on chain, and the settlement log in it for a sale.
struct Proof {
    tx_hash: B256,
    block: u64,
    sale: Option<(Address, U256, u64)>,
    nonce: Option<u64>,
}

pub struct Settler {
    pool: PgPool,
    /// The connection holding this signer's advisory lock, once taken.
    lease: Option<sqlx::PgConnection>,
    chain: Chain,
    settings: ChainSettings,
    wallet: EthereumWallet,
    signer: Address,
    nonces: NonceManager,
}

impl Settler {
    pub fn new(pool: PgPool, chain: Chain, settings: ChainSettings) -> anyhow::Result<Self> {
        let signer = settings.signer()?;
        let address = signer.address();
        let wallet = EthereumWallet::from(signer);
        Ok(Settler { pool, lease: None, chain, settings, wallet, signer: address, nonces: NonceManager::new(address) })
    }

    pub async fn run(mut self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Some(lease) = self.lease(&shutdown).await? else { return Ok(()) };
        self.lease = Some(lease);
        tracing::info!(signer = %self.signer, house = %self.chain.house_address(), chain_id = self.chain.chain_id, "settlement started");
        while !shutdown.is_cancelled() {
            match self.pass(&shutdown).await {
                Ok(()) => {}
                Err(PassError::LostLease(error)) => {
                    anyhow::bail!(
                        "lost the connection that holds this signer's settlement lock ({error}); stopping so the supervisor restarts"
                    )
                }
                Err(PassError::Db(error)) => tracing::warn!(error = %error, "settlement pass failed; retrying"),
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(self.settings.poll_interval()) => {}
            }
        }
        tracing::info!("settlement stopped");
        Ok(())
    }

    /// One settler per signer, across processes: a session advisory lock on the signer, held
    /// on its own connection for as long as this settler runs (PostgreSQL releases it when the
    /// process dies). A second process stands by until it is free. `None` on shutdown.
    async fn lease(&self, shutdown: &CancellationToken) -> anyhow::Result<Option<sqlx::PgConnection>> {
        let key = format!("gavel-settlement:{:#x}", self.signer);
        let mut waiting = false;
        loop {
            // Detached from the pool, so the lock goes with the connection instead of back into it.
            let mut connection = self.pool.acquire().await?.detach();
            let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))").bind(&key).fetch_one(&mut connection).await?;
            if held {
                return Ok(Some(connection));
            }
            if !std::mem::replace(&mut waiting, true) {
                tracing::info!(signer = %self.signer, "another settlement process holds this signer; standing by");
            }
            drop(connection);
            tokio::select! {
                () = shutdown.cancelled() => return Ok(None),
                () = tokio::time::sleep(self.settings.poll_interval()) => {}
            }
        }
    }

    /// The lock lives on the lease connection: without it another process may be signing, so
    /// it is checked before every step.
    async fn check_lease(&mut self) -> Result<(), PassError> {
        let Some(lease) = self.lease.as_mut() else { return Err(PassError::LostLease(sqlx::Error::PoolClosed)) };
        sqlx::query("SELECT 1").execute(lease).await.map_err(PassError::LostLease)?;
        Ok(())
    }

    /// Drives every due opening, then every due closing, to done.
    async fn pass(&mut self, shutdown: &CancellationToken) -> Result<(), PassError> {
        let ahead = i64::try_from(self.settings.open_ahead_secs).unwrap_or(i64::MAX);
        for open in settlement::to_open(&self.pool, Utc::now(), ahead).await? {
            self.drive(&Job::Open(open), shutdown).await?;
        }
        let mut closes = settlement::to_close(&self.pool).await?;
        for cancelled in settlement::cancelled_on_chain(&self.pool).await? {
            // A cancelled lot sells to nobody; its log, voids included, still goes on chain.
            let lot_id = cancelled.lot_id;
            let entries = bids::log(&self.pool, lot_id).await?;
            let published = entries.iter().map(bids::LogEntry::published);
            let head = head_of_published(lot_id, published).map_err(|error| sqlx::Error::Decode(error.into()))?;
            let closed =
                LotClosed { lot_id, marathon_id: cancelled.marathon_id, winner: None, amount: None, bid_log_head: head.to_string() };
            let (token_uri, burn_on_no_sale, due_since) = (cancelled.token_uri, cancelled.burn_on_no_sale, cancelled.cancelled_at);
            closes.push(ToClose { closed, token_uri, burn_on_no_sale, due_since });
        }
        for close in closes {
            if self.drive(&Job::Close(close.clone()), shutdown).await? == Progress::NeedsOpen {
                let open = ToOpen { lot_id: close.closed.lot_id, token_uri: close.token_uri.clone(), due_since: close.due_since };
                if self.drive(&Job::Open(open), shutdown).await? == Progress::Done {
                    self.drive(&Job::Close(close), shutdown).await?;
                }
            }
        }
        Ok(())
    }

    /// Steps a job until it is done (or needs its lot opened), riding out RPC failures: the
    /// first failure of a streak is logged and recorded, and after it the lot's on-chain state
    /// is read and recorded again before anything is sent.
    async fn drive(&mut self, job: &Job, shutdown: &CancellationToken) -> Result<Progress, PassError> {
        let (lot, action) = (job.lot(), job.action());
        // The kind of the failure streak under way: each new kind is logged and recorded once.
        let mut failing: Option<std::mem::Discriminant<StepError>> = None;
        let mut state_recorded = false;
        while !shutdown.is_cancelled() {
            self.check_lease().await?;
            match self.step(job, &mut state_recorded).await {
                Ok(progress) => {
                    if failing.take().is_some() {
                        tracing::info!(lot_id = lot.0, action = action.as_str(), "settlement proceeding again");
                    }
                    if progress != Progress::Waiting {
                        return Ok(progress);
                    }
                }
                Err(StepError::Db(error)) => return Err(PassError::Db(error)),
                Err(error) => {
                    let kind = std::mem::discriminant(&error);
                    if failing != Some(kind) {
                        match &error {
                            StepError::Rpc(_) => {
                                tracing::warn!(lot_id = lot.0, action = action.as_str(), error = %error, "RPC endpoint failing; retrying until it is back")
                            }
                            _ => {
                                tracing::error!(alert = "settlement_blocked", lot_id = lot.0, action = action.as_str(), error = %error, "settlement cannot proceed; retrying")
                            }
                        }
                        let detail = error.to_string();
                        settlement::record(&self.pool, lot, action, AttemptKind::RpcError, &NewAttempt { detail, ..Default::default() })
                            .await?;
                        count_attempt(action, AttemptKind::RpcError);
                        // After the failure, the chain is read (and recorded) again first.
                        state_recorded = false;
                    }
                    failing = Some(kind);
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(self.settings.poll_interval()) => {}
            }
        }
        Ok(Progress::Waiting)
    }

    async fn step(&mut self, job: &Job, state_recorded: &mut bool) -> Result<Progress, StepError> {
        let (lot, action) = (job.lot(), job.action());
        let on_chain = self.lot_status(lot).await?;
        if !*state_recorded {
            let detail = format!("on chain the lot is {on_chain:?}");
            settlement::record(&self.pool, lot, action, AttemptKind::ChainState, &NewAttempt { detail, ..Default::default() }).await?;
            count_attempt(action, AttemptKind::ChainState);
            *state_recorded = true;
        }
        let attempts = settlement::attempts(&self.pool, lot, Some(action)).await?;
        let reached = match action {
            Action::Open => on_chain != LotStatus::None,
            Action::Close => on_chain.is_closed(),
        };
        if reached {
            return self.confirm(job, &attempts).await;
        }
        if action == Action::Close && on_chain == LotStatus::None {
            return Ok(Progress::NeedsOpen);
        }
        let in_flight = in_flight(&attempts);
        if let Some(last) = in_flight.last() {
            return self.follow(job, &in_flight, last).await;
        }
        let call = self.decide(job).await?;
        self.send(job, &call, None).await
    }

    /// Follows the transactions in flight for a job (one nonce, each fee level signed for it).
    async fn follow(&mut self, job: &Job, in_flight: &[&Attempt], last: &Attempt) -> Result<Progress, StepError> {
        let (lot, action) = (job.lot(), job.action());
        for attempt in in_flight.iter().rev() {
            let Some(hash) = attempt.tx_hash.as_deref().and_then(|hash| hash.parse::<B256>().ok()) else { continue };
            if let Some(receipt) = call(self.chain.provider.get_transaction_receipt(hash)).await? {
                if !receipt.status() {
                    let detail = format!("{} reverted in block {}", attempt.call.as_deref().unwrap_or("transaction"), block_of(&receipt));
                    tracing::error!(lot_id = lot.0, action = action.as_str(), tx = %hash, "settlement transaction reverted");
                    self.record_tx(lot, action, AttemptKind::Reverted, attempt, Some(block_of(&receipt)), detail).await?;
                }
                // Mined: the next step reads the new on-chain state (or sends afresh after a revert).
                return Ok(Progress::Waiting);
            }
        }
        let nonce = last.nonce.unwrap_or_default();
        let mined_nonce = call(self.chain.provider.get_transaction_count(self.signer).latest()).await?;
        if mined_nonce > nonce {
            let detail = format!("nonce {nonce} was used by another transaction; none of this action's was mined");
            tracing::warn!(lot_id = lot.0, action = action.as_str(), nonce, "settlement transaction dropped");
            self.nonces.reset();
            self.record_tx(lot, action, AttemptKind::Dropped, last, None, detail).await?;
            return Ok(Progress::Waiting);
        }
        let hash = last.tx_hash.as_deref().and_then(|hash| hash.parse::<B256>().ok()).unwrap_or_default();
        if call(self.chain.provider.get_transaction_by_hash(hash)).await?.is_none() {
            // Recorded but not (or no longer) in the node's pool (some endpoints forward to a
            // sequencer and keep nothing): the same bytes, again.
            tracing::info!(lot_id = lot.0, action = action.as_str(), tx = %hash, "rebroadcasting the recorded transaction");
            let refusal = match self.broadcast(last.raw_tx.as_deref().unwrap_or_default()).await? {
                Broadcast::Accepted => None,
                // Its fees are now too low: signed again higher.
                Broadcast::Refused(reason) if fee_too_low(&reason) => return self.replace(job, last).await,
                Broadcast::Refused(reason) => Some(reason),
            };
            if let Some(reason) = refusal {
                if !self.waited_out(last).await? {
                    return Err(StepError::Rpc(RpcError::new(format!("the node refuses transaction {hash}: {reason}"))));
                }
                return self.replace(job, last).await;
            }
        }
        if self.waited_out(last).await? {
            return self.replace(job, last).await;
        }
        Ok(Progress::Waiting)
    }

    /// Whether `replace_after_blocks` have gone by since `last` was signed.
    async fn waited_out(&self, last: &Attempt) -> Result<bool, StepError> {
        let head = self.chain.head().await?;
        Ok(head >= last.block_number.unwrap_or(head).saturating_add(self.settings.replace_after_blocks))
    }

    /// Signs `last`'s call again at its nonce with higher fees. If that call would now revert (the
    /// winner's escrow went while it waited, say), the close is decided again and the nonce
    /// carries the new decision.
    async fn replace(&mut self, job: &Job, last: &Attempt) -> Result<Progress, StepError> {
        let stuck_call = self.decode_call(last)?;
        match self.send(job, &stuck_call, Some(last)).await {
            Err(StepError::WouldRevert(reason)) => {
                tracing::warn!(lot_id = job.lot().0, reason = %reason, "the waiting transaction would now revert; deciding again");
                let fresh = self.decide(job).await?;
                self.send(job, &fresh, Some(last)).await
            }
            other => other,
        }
    }

    /// What a close sends: a sale to the winner if their escrow covers the amount; otherwise an
    /// alert, then the runner-up or no sale as configured.
    async fn decide(&self, job: &Job) -> Result<Call, StepError> {
        let close = match job {
            Job::Open(open) => return Ok(Call::Open { uri: open.token_uri.clone() }),
            Job::Close(close) => close,
        };
        let lot = close.closed.lot_id;
        let head: B256 =
            close.closed.bid_log_head.parse().map_err(|error| {
                sqlx::Error::Decode(format!("lot {lot}'s bid-log head '{}': {error}", close.closed.bid_log_head).into())
            })?;
        let no_sale = Call::NoSale { burn: close.burn_on_no_sale, head };
        let (Some(winner), Some(amount)) = (&close.closed.winner, close.closed.amount) else { return Ok(no_sale) };
        if let Some(wallet) = self.covering_wallet(winner, amount, false).await? {
            return Ok(Call::Settle { winner: wallet, amount: amount.as_u256(), head });
        }
        // Alerted once per lot: a close decided again (a replacement whose call would revert) finds it.
        let alerted =
            settlement::attempts(&self.pool, lot, Some(Action::Close)).await?.iter().any(|a| a.kind == AttemptKind::WinnerDefaulted);
        if !alerted {
            let detail = format!("winner {winner}'s escrow no longer covers {} ETH", amount.to_eth_string());
            tracing::error!(alert = "winner_defaulted", lot_id = lot.0, bidder = %winner, "{detail}");
            settlement::record(&self.pool, lot, Action::Close, AttemptKind::WinnerDefaulted, &NewAttempt { detail, ..Default::default() })
                .await?;
            count_attempt(Action::Close, AttemptKind::WinnerDefaulted);
        }
        if self.settings.on_winner_default == OnWinnerDefault::RunnerUp {
            for standing in bids::leaderboard(&self.pool, lot, RUNNER_UP_DEPTH).await? {
                let Ok(bidder) = BidderId::parse(&standing.bidder) else { continue };
                if &bidder == winner {
                    continue;
                }
                if let Some(wallet) = self.covering_wallet(&bidder, standing.amount_wei, true).await? {
                    tracing::warn!(lot_id = lot.0, bidder = %bidder, amount = %standing.amount_wei.to_eth_string(), "selling to the runner-up");
                    return Ok(Call::Settle { winner: wallet, amount: standing.amount_wei.as_u256(), head });
                }
            }
        }
        Ok(no_sale)
    }

    /// The bidder's wallet, if its escrow on chain covers `amount` (and, with `skip_banned`, if
    /// the bidder is not banned: a runner-up must still be allowed to bid; a final winner stays one).
    async fn covering_wallet(&self, bidder: &BidderId, amount: Wei, skip_banned: bool) -> Result<Option<Address>, StepError> {
        let Some(found) = bidders::get(&self.pool, bidder).await? else { return Ok(None) };
        if skip_banned && found.banned {
            return Ok(None);
        }
        let Some(wallet) = found.wallet.and_then(|w| w.parse::<Address>().ok()) else { return Ok(None) };
        let escrow = call(self.chain.house.escrowOf(wallet).call()).await?;
        Ok((escrow >= amount.as_u256()).then_some(wallet))
    }

    /// Signs `call` (at a new nonce, or at `replacing`'s with higher fees), records it, then
    /// broadcasts it.
    async fn send(&mut self, job: &Job, call_to_send: &Call, replacing: Option<&Attempt>) -> Result<Progress, StepError> {
        let (lot, action) = (job.lot(), job.action());
        let mut request = self.request(lot, call_to_send).from(self.signer).with_chain_id(self.chain.chain_id);
        let estimate = call(self.chain.provider.estimate_eip1559_fees()).await?;
        let (mut max_fee, mut tip) = (estimate.max_fee_per_gas, estimate.max_priority_fee_per_gas);
        if let Some(previous) = replacing {
            // A replacement must raise both fees by at least 10%; 12.5% clears every node's rule.
            max_fee = max_fee.max(bump(previous.max_fee_per_gas));
            tip = tip.max(bump(previous.max_priority_fee_per_gas)).min(max_fee);
        }
        let cap = u128::from(self.settings.max_fee_per_gas_wei);
        if max_fee > cap {
            return Err(StepError::Blocked(format!("the fees needed ({max_fee} wei per gas) exceed chain.max_fee_per_gas_wei ({cap})")));
        }
        request = request.max_fee_per_gas(max_fee).max_priority_fee_per_gas(tip);
        let gas = match self.estimate_gas(&request).await? {
            Estimate::Gas(gas) => gas,
            // Done on chain since the state was read (a transaction of ours just mined): the
            // next step reads it.
            Estimate::AlreadyDone => return Ok(Progress::Waiting),
            Estimate::Reverts(reason) => return Err(StepError::WouldRevert(reason)),
        };
        let nonce = match replacing.and_then(|previous| previous.nonce) {
            Some(nonce) => nonce,
            None => self.nonces.next(&self.chain).await?,
        };
        let request = request.gas_limit(gas).nonce(nonce);
        let envelope: TxEnvelope = request.build(&self.wallet).await.map_err(RpcError::new)?;
        let raw = envelope.encoded_2718();
        let hash = *envelope.tx_hash();
        let head = self.chain.head().await?;
        let kind = if replacing.is_some() { AttemptKind::Replaced } else { AttemptKind::Sent };
        let detail = match call_to_send {
            Call::Open { uri } => format!("openLot({lot}, {uri})"),
            Call::Settle { winner, amount, head } => format!("settleLot({lot}, {winner}, {amount} wei, {head})"),
            Call::NoSale { burn, head } => format!("settleNoSale({lot}, burn={burn}, {head})"),
        };
        let step = NewAttempt {
            call: Some(call_to_send.name()),
            nonce: Some(nonce),
            tx_hash: Some(hash.to_string()),
            raw_tx: Some(&raw),
            max_fee_per_gas: Some(Wei::from(max_fee)),
            max_priority_fee_per_gas: Some(Wei::from(tip)),
            block_number: Some(head),
            detail,
        };
        let mut tx = self.pool.begin().await?;
        settlement::record(&mut *tx, lot, action, kind, &step).await?;
        let event = SettlementAttempt { lot_id: lot, tx_hash: hash.to_string(), nonce, status: kind.as_str().to_owned() };
        outbox::append(&mut *tx, &Event::SettlementAttempt(event), Utc::now()).await?;
        tx.commit().await?;
        count_attempt(action, kind);
        match self.broadcast(&raw).await? {
            Broadcast::Accepted => {
                tracing::info!(lot_id = lot.0, call = call_to_send.name(), tx = %hash, nonce, max_fee, tip, replaced = replacing.is_some(), "transaction sent");
            }
            // Recorded all the same: the next step finds it unknown to the node and signs it again.
            Broadcast::Refused(reason) => {
                tracing::warn!(lot_id = lot.0, call = call_to_send.name(), tx = %hash, nonce, reason, "the node refused the transaction");
            }
        }
        Ok(Progress::Waiting)
    }

    fn request(&self, lot: LotId, call_to_send: &Call) -> TransactionRequest {
        let id = U256::from(lot.0.unsigned_abs());
        let house = &self.chain.house;
        match call_to_send {
            Call::Open { uri } => house.openLot(id, uri.clone()).into_transaction_request(),
            Call::Settle { winner, amount, head } => house.settleLot(id, *winner, *amount, *head).into_transaction_request(),
            Call::NoSale { burn, head } => house.settleNoSale(id, *burn, *head).into_transaction_request(),
        }
    }

    /// The gas a call needs, with headroom; a call that would revert is an error naming the
    /// house's reason, unless the reason is that the action is already done.
    async fn estimate_gas(&self, request: &TransactionRequest) -> Result<Estimate, RpcError> {
        match tokio::time::timeout(RPC_TIMEOUT, self.chain.provider.estimate_gas(request.clone())).await {
            Ok(Ok(gas)) => Ok(Estimate::Gas(gas.saturating_mul(6) / 5 + 10_000)),
            Ok(Err(error)) => match house_revert(&error) {
                Some(HouseRevert::LotAlreadyOpened(_) | HouseRevert::LotAlreadySettled(_)) => Ok(Estimate::AlreadyDone),
                Some(revert) => Ok(Estimate::Reverts(format!("{revert:?}"))),
                None => Err(RpcError::new(format!("gas estimate failed: {error}"))),
            },
            Err(_) => Err(RpcError::new(format!("no answer within {} s", RPC_TIMEOUT.as_secs()))),
        }
    }

    /// Sends raw bytes. A node that already has them, or has mined them, counts as accepted; a
    /// node that answers with a refusal (fees under the base fee, an underpriced replacement)
    /// is [`Broadcast::Refused`]; an unreachable one is an error.
    async fn broadcast(&mut self, raw: &[u8]) -> Result<Broadcast, StepError> {
        let error = match tokio::time::timeout(RPC_TIMEOUT, self.chain.provider.send_raw_transaction(raw)).await {
            Ok(Ok(_)) => return Ok(Broadcast::Accepted),
            Ok(Err(error)) => error,
            Err(_) => return Err(StepError::Rpc(RpcError::new(format!("no answer within {} s", RPC_TIMEOUT.as_secs())))),
        };
        let Some(refusal) = error.as_error_resp() else { return Err(StepError::Rpc(RpcError::new(error))) };
        let message = refusal.message.to_lowercase();
        if message.contains("already known") || message.contains("already imported") {
            return Ok(Broadcast::Accepted);
        }
        if message.contains("nonce too low") {
            // Mined already, or the nonce went elsewhere: the next step tells which.
            self.nonces.reset();
            return Ok(Broadcast::Accepted);
        }
        Ok(Broadcast::Refused(refusal.message.to_string()))
    }

    /// The call a recorded transaction made, to sign it again with higher fees.
    fn decode_call(&self, attempt: &Attempt) -> Result<Call, StepError> {
        let invalid =
            || StepError::Db(sqlx::Error::Decode(format!("settlement attempt {} has no usable raw transaction", attempt.id).into()));
        let raw = attempt.raw_tx.as_deref().ok_or_else(invalid)?;
        let envelope = TxEnvelope::decode_2718(&mut &raw[..]).map_err(|_| invalid())?;
        let input: &Bytes = match &envelope {
            TxEnvelope::Eip1559(signed) => &signed.tx().input,
            _ => return Err(invalid()),
        };
        use alloy::sol_types::SolCall;
        use gavel_chain::bindings::AuctionHouse::{openLotCall, settleLotCall, settleNoSaleCall};
        if let Ok(open) = openLotCall::abi_decode(input) {
            return Ok(Call::Open { uri: open.tokenURI });
        }
        if let Ok(settle) = settleLotCall::abi_decode(input) {
            return Ok(Call::Settle { winner: settle.winner, amount: settle.amount, head: settle.bidLogHash_ });
        }
        if let Ok(no_sale) = settleNoSaleCall::abi_decode(input) {
            return Ok(Call::NoSale { burn: no_sale.burn, head: no_sale.bidLogHash_ });
        }
        Err(invalid())
    }

    /// The action is done on chain: find the transaction, wait for its confirmations, then mark
    /// the action done (and a closed lot COMPLETED, with the winner's payment in the ledger).
    async fn confirm(&mut self, job: &Job, attempts: &[Attempt]) -> Result<Progress, StepError> {
        let (lot, action) = (job.lot(), job.action());
        let Some(proof) = self.proof(job, attempts).await? else { return Ok(Progress::Waiting) };
        let head = self.chain.head().await?;
        let confirmations = head.saturating_sub(proof.block) + 1;
        let hash = proof.tx_hash.to_string();
        // A lot completes (and its payment enters the ledger) no earlier than the watcher would
        // credit a log of that block: as final as a credited deposit. An opening needs no more
        // than the configured confirmations.
        let needed = match action {
            Action::Open => self.settings.confirmations.max(1),
            Action::Close => self.settings.confirmations.max(self.settings.reorg_depth + 1),
        };
        if confirmations < needed {
            let mined_recorded = attempts.iter().any(|a| a.kind == AttemptKind::Mined && a.tx_hash.as_deref() == Some(hash.as_str()));
            if !mined_recorded {
                let step = NewAttempt {
                    tx_hash: Some(hash),
                    nonce: proof.nonce,
                    block_number: Some(proof.block),
                    detail: format!("mined in block {}", proof.block),
                    ..Default::default()
                };
                settlement::record(&self.pool, lot, action, AttemptKind::Mined, &step).await?;
                count_attempt(action, AttemptKind::Mined);
            }
            return Ok(Progress::Waiting);
        }
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        if action == Action::Close {
            if let Some(mut record) = lots::lock(&mut *tx, lot).await?
                && record.lot.state == LotState::Processing
            {
                record.lot.transition(LotTransition::Complete).map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
                lots::save(&mut *tx, &record).await?;
                let completed = LotCompleted {
                    lot_id: lot,
                    marathon_id: record.lot.marathon_id,
                    tx_hash: hash.clone(),
                    buyer: proof.sale.map(|(wallet, _, _)| wallet),
                    amount: proof.sale.map(|(_, amount, _)| Wei::from(amount)),
                };
                outbox::append(&mut *tx, &Event::LotCompleted(completed), now).await?;
            }
            if let Some((wallet, amount, log_index)) = proof.sale {
                // The watcher credits this same log later; the ledger keeps it once. Crediting it
                // here closes the gap where a COMPLETED lot no longer holds the winner's power
                // but the payment is not yet debited.
                bidders::lock_wallets(&mut *tx, &[wallet.to_string()]).await?;
                let entry = LedgerEntry {
                    wallet: wallet.to_string(),
                    kind: LedgerKind::SettlementPayment { lot },
                    amount: Wei::from(amount),
                    commitment: None,
                    tx_hash: hash.clone(),
                    log_index,
                    block_number: proof.block,
                };
                bidders::credit(&mut *tx, &entry).await?;
            }
        }
        settlement::finish(&mut *tx, lot, action, &hash, proof.block).await?;
        let step = NewAttempt {
            tx_hash: Some(hash.clone()),
            nonce: proof.nonce,
            block_number: Some(proof.block),
            detail: format!("{confirmations} confirmation(s)"),
            ..Default::default()
        };
        settlement::record(&mut *tx, lot, action, AttemptKind::Confirmed, &step).await?;
        if let Some(nonce) = proof.nonce {
            let event = SettlementAttempt { lot_id: lot, tx_hash: hash.clone(), nonce, status: AttemptKind::Confirmed.as_str().to_owned() };
            outbox::append(&mut *tx, &Event::SettlementAttempt(event), now).await?;
        }
        tx.commit().await?;
        count_attempt(action, AttemptKind::Confirmed);
        // From our first broadcast; an action done by a transaction sent from elsewhere is not timed.
        if let Some(first) = attempts.iter().find(|a| a.kind == AttemptKind::Sent) {
            metrics::histogram!(telemetry::CONFIRMATION_SECONDS, "action" => action.as_str())
                .record((Utc::now() - first.created_at).to_std().unwrap_or_default());
        }
        // A sale names the bid that won, by the chat message id the bid carried since ingest.
        // Only for the log: a failed read must not undo a confirmation already committed.
        let winning = match (action, proof.sale) {
            (Action::Close, Some((wallet, _, _))) => {
                bids::standing_bid_of_wallet(&self.pool, lot, &wallet.to_string()).await.ok().flatten()
            }
            _ => None,
        };
        tracing::info!(
            lot_id = lot.0,
            action = action.as_str(),
            tx = %hash,
            block = proof.block,
            bid_id = winning.as_ref().map(|(bid, _)| bid.0),
            message_id = winning.as_ref().map(|(_, message)| message.as_str()),
            "confirmed on chain"
        );
        Ok(Progress::Done)
    }

    /// The transaction that did the job: one of ours with a successful receipt, or else the
    /// house's own log of it (a transaction sent from elsewhere, or records lost).
    async fn proof(&self, job: &Job, attempts: &[Attempt]) -> Result<Option<Proof>, StepError> {
        for attempt in attempts.iter().rev().filter(|a| matches!(a.kind, AttemptKind::Sent | AttemptKind::Replaced)) {
            let Some(hash) = attempt.tx_hash.as_deref().and_then(|hash| hash.parse::<B256>().ok()) else { continue };
            if let Some(receipt) = call(self.chain.provider.get_transaction_receipt(hash)).await?
                && receipt.status()
            {
                let sale = receipt.inner.logs().iter().find_map(|log| {
                    let decoded = log.log_decode::<LotSettled>().ok()?;
                    Some((decoded.inner.data.winner, decoded.inner.data.amount, log.log_index?))
                });
                return Ok(Some(Proof { tx_hash: hash, block: block_of(&receipt), sale, nonce: attempt.nonce }));
            }
        }
        // Our attempts say from which block on to look; without any, from the house's deployment.
        let from = attempts.iter().filter(|a| a.raw_tx.is_some()).filter_map(|a| a.block_number).min().unwrap_or(self.settings.start_block);
        let signature = match job {
            Job::Open(_) => vec![LotOpened::SIGNATURE_HASH],
            Job::Close(_) => vec![LotSettled::SIGNATURE_HASH, LotNoSale::SIGNATURE_HASH],
        };
        // In ranges of `max_log_range` blocks, as public endpoints require.
        let head = self.chain.head().await?;
        let mut start = from;
        while start <= head {
            let end = head.min(start.saturating_add(self.settings.max_log_range.max(1) - 1));
            let filter = Filter::new()
                .address(self.chain.house_address())
                .event_signature(signature.clone())
                .topic1(B256::from(U256::from(job.lot().0.unsigned_abs())))
                .from_block(start)
                .to_block(end);
            let logs = call(self.chain.provider.get_logs(&filter)).await?;
            let found = logs.iter().find_map(|log| {
                let sale = match log.log_decode::<LotSettled>() {
                    Ok(decoded) => Some((decoded.inner.data.winner, decoded.inner.data.amount, log.log_index?)),
                    Err(_) => None,
                };
                Some(Proof { tx_hash: log.transaction_hash?, block: log.block_number?, sale, nonce: None })
            });
            if found.is_some() {
                return Ok(found);
            }
            start = end + 1;
        }
        Ok(None)
    }

    async fn lot_status(&self, lot: LotId) -> Result<LotStatus, StepError> {
        let on_chain = call(self.chain.house.lotOf(U256::from(lot.0.unsigned_abs())).call()).await?;
        LotStatus::from_abi(on_chain.status)
            .ok_or_else(|| StepError::Rpc(RpcError::new(format!("the house reports lot status {}", on_chain.status))))
    }

    async fn record_tx(
        &self,
        lot: LotId,
        action: Action,
        kind: AttemptKind,
        of: &Attempt,
        block: Option<u64>,
        detail: String,
    ) -> Result<(), StepError> {
        let step = NewAttempt {
            call: of.call.as_deref(),
            nonce: of.nonce,
            tx_hash: of.tx_hash.clone(),
            block_number: block,
            detail,
            ..Default::default()
        };
        let mut tx = self.pool.begin().await?;
        settlement::record(&mut *tx, lot, action, kind, &step).await?;
        if let (Some(tx_hash), Some(nonce)) = (&of.tx_hash, of.nonce) {
            let event = SettlementAttempt { lot_id: lot, tx_hash: tx_hash.clone(), nonce, status: kind.as_str().to_owned() };
            outbox::append(&mut *tx, &Event::SettlementAttempt(event), Utc::now()).await?;
        }
        tx.commit().await?;
        count_attempt(action, kind);
        Ok(())
    }
}

/// Counts a recorded attempt, once it is stored (committed, where it is part of a transaction).
fn count_attempt(action: Action, kind: AttemptKind) {
    metrics::counter!(telemetry::ATTEMPTS, "action" => action.as_str(), "kind" => kind.as_str()).increment(1);
}

/// The transactions of the current try: those sent since the last one that reverted or was
/// dropped.
fn in_flight(attempts: &[Attempt]) -> Vec<&Attempt> {
    let start = attempts.iter().rposition(|a| matches!(a.kind, AttemptKind::Reverted | AttemptKind::Dropped)).map_or(0, |i| i + 1);
    attempts[start..].iter().filter(|a| matches!(a.kind, AttemptKind::Sent | AttemptKind::Replaced)).collect()
}

/// Whether a node's refusal says the fees are too low (under the base fee, an underpriced
/// replacement): signing again higher helps. Other refusals (no funds for gas) it would not.
fn fee_too_low(reason: &str) -> bool {
    let reason = reason.to_lowercase();
    // A fee above the node's own cap is the opposite problem: raising it would not help.
    if reason.contains("exceeds the configured cap") {
        return false;
    }
    ["underpriced", "fee too low", "less than block base fee", "below minimum", "tip cap", "fee cap"]
        .iter()
        .any(|words| reason.contains(words))
}

/// A fee raised by 12.5%, rounded up.
fn bump(previous: Option<Wei>) -> u128 {
    let previous = previous.map(|fee| u128::try_from(fee.as_u256()).unwrap_or(u128::MAX)).unwrap_or_default();
    previous.saturating_add(previous.div_ceil(8))
}

fn block_of(receipt: &TransactionReceipt) -> u64 {
    receipt.block_number.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacement_raises_a_fee_by_an_eighth_rounded_up() {
        assert_eq!(bump(Some(Wei::from(8u128))), 9);
        assert_eq!(bump(Some(Wei::from(9u128))), 11);
        assert_eq!(bump(None), 0);
    }

    #[test]
    fn only_refusals_about_low_fees_lead_to_higher_fees() {
        for low in [
            "replacement transaction underpriced",
            "max fee per gas less than block base fee",
            "transaction gas price below minimum: gas tip cap 1, minimum needed 2",
            "fee too low",
        ] {
            assert!(fee_too_low(low), "{low}");
        }
        for other in
            ["insufficient funds for gas * price + value", "tx fee (2.00 ether) exceeds the configured cap (1.00 ether)", "nonce too high"]
        {
            assert!(!fee_too_low(other), "{other}");
        }
    }

    #[test]
    fn a_dropped_or_reverted_transaction_ends_the_try() {
        let attempt = |id, kind| Attempt {
            id,
            lot_id: LotId(1),
            action: "close",
            kind,
            call: None,
            nonce: Some(1),
            tx_hash: None,
            raw_tx: None,
            max_fee_per_gas: None,
            max_priority_fee_per_gas: None,
            block_number: None,
            detail: String::new(),
            created_at: Utc::now(),
        };
        let attempts = [
            attempt(1, AttemptKind::ChainState),
            attempt(2, AttemptKind::Sent),
            attempt(3, AttemptKind::Dropped),
            attempt(4, AttemptKind::Sent),
            attempt(5, AttemptKind::Replaced),
        ];
        assert_eq!(in_flight(&attempts).iter().map(|a| a.id).collect::<Vec<_>>(), vec![4, 5]);
        assert!(in_flight(&attempts[..3]).is_empty());
    }
}
