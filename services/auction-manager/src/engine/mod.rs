//! The bid engine: consumes bid commands from RabbitMQ and decides them in batches.
//!
//! Order and lag fairness: a bid is decided once every live ingest instance's watermark has
//! passed the time it was received ([`instances`]), so bids are decided in the order Gavel
//! received them whichever instance received them, and a bid that reached Gavel before a lot's
//! end counts even if it was still queued when the lot entered PROCESSING. When the watermarks
//! pass a lot's end and no earlier bid waits, the winner is final (`lot.closed`).
//!
//! Durability: messages are acknowledged only after the transaction holding their decisions
//! commits, so a crash loses nothing (a redelivered bid is recognised by its message id). A
//! PostgreSQL outage holds the batch and retries it, consuming nothing meanwhile and never
//! requeueing, so no valid bid spends its delivery limit and is dead-lettered for an outage.
//! A message that is not a bid command at all is rejected alone to the dead-letter queue.
//!
//! The prefetch exceeds the batch, so watermarks queued behind bids that wait are still read.

mod batch;
pub(crate) mod book;
mod instances;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
pub use batch::{Outcome, close_lots, decide_batch};
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::{FutureExt, StreamExt};
use gavel_bus::lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, BasicRejectOptions};
use gavel_bus::lapin::types::FieldTable;
use gavel_bus::lapin::{Acker, Connection};
use gavel_bus::messages::{BidCommand, BidsQueueMessage};
use gavel_bus::topology::Topology;
use gavel_domain::bidding::Decision;
use gavel_store::{PgPool, instances as stored_instances};
pub use instances::{Horizon, Instances};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{Heartbeats, telemetry};

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Most bids decided in one transaction.
    pub batch_max: usize,
    /// Most unacknowledged messages held; must exceed `batch_max` (see the module docs).
    pub prefetch: u16,
    /// An ingest instance silent for this long no longer holds decisions back.
    pub instance_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { batch_max: 500, prefetch: 5_000, instance_timeout: Duration::from_secs(3) }
    }
}

/// Decides `commands` and closes what the horizon allows, in one transaction: what the engine
/// does with each batch, callable directly by tests and tools.
pub async fn decide_now(pool: &PgPool, commands: &[BidCommand], now: DateTime<Utc>) -> Result<Vec<(String, Outcome)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let outcomes = decide_batch(&mut tx, commands, now).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// A bid waiting for the watermarks, keyed so that iteration follows received order.
type HeldKey = (DateTime<Utc>, String, String);

struct Held {
    command: BidCommand,
    acker: Acker,
}

pub struct BidEngine {
    pub pool: PgPool,
    pub topology: Topology,
    pub config: EngineConfig,
    /// Woken after each commit, so events leave at once.
    pub relay_wake: Arc<Notify>,
}

impl BidEngine {
    pub async fn run(self, connection: &Connection, heartbeats: Arc<Heartbeats>, shutdown: CancellationToken) -> anyhow::Result<()> {
        anyhow::ensure!(usize::from(self.config.prefetch) > self.config.batch_max, "engine prefetch must exceed its batch");
        let channel = connection.create_channel().await.context("engine channel")?;
        channel.basic_qos(self.config.prefetch, BasicQosOptions::default()).await.context("engine prefetch")?;
        let mut consumer = channel
            .basic_consume(
                self.topology.bids_queue().into(),
                "auction-manager".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .context("consuming bids")?;
        let timeout = TimeDelta::from_std(self.config.instance_timeout).unwrap_or(TimeDelta::seconds(3));
        let stored = stored_instances::all(&self.pool).await.context("loading ingest instances")?;
        let mut state = State {
            instances: Instances::resume(stored, timeout, Utc::now()),
            persisted_at: std::time::Instant::now(),
            held: BTreeMap::new(),
            watermark_acks: Vec::new(),
        };
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tracing::info!(queue = %self.topology.bids_queue(), "bid engine started");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                delivery = consumer.next() => {
                    let delivery = delivery.context("the bids consumer ended")?.context("receiving a bid")?;
                    state.receive(delivery).await;
                }
                _ = tick.tick() => {}
            }
            while let Some(delivery) = consumer.next().now_or_never().flatten() {
                state.receive(delivery.context("receiving a bid")?).await;
            }
            if !self.decide_ready(&mut state, &shutdown).await? {
                break;
            }
            Heartbeats::beat(&heartbeats.engine);
        }
        tracing::info!("bid engine stopped");
        Ok(())
    }

    /// Decides every held bid the horizon covers, batch by batch. Returns false on shutdown.
    async fn decide_ready(&self, state: &mut State, shutdown: &CancellationToken) -> anyhow::Result<bool> {
        loop {
            let now = Utc::now();
            let horizon = state.instances.horizon(now);
            let ready: Vec<HeldKey> =
                state.held.keys().take_while(|key| horizon.covers(key.0)).take(self.config.batch_max).cloned().collect();
            let earliest_waiting = state.held.keys().nth(ready.len()).map(|key| key.0);
            let commands: Vec<BidCommand> = ready.iter().filter_map(|key| state.held.get(key)).map(|held| held.command.clone()).collect();
            // Stored watermarks only serve a restart, which resumes from whatever was stored (an
            // older one just holds decisions back a little longer): no need to write every batch.
            let mut changed = if state.persisted_at.elapsed() >= PERSIST_INSTANCES_EVERY {
                state.persisted_at = std::time::Instant::now();
                state.instances.take_changed()
            } else {
                Vec::new()
            };
            // A stored watermark must not pass a bid still held: after a crash the engine would
            // resume past bids it has not decided.
            if let Some(waiting) = earliest_waiting {
                for instance in &mut changed {
                    instance.watermark = instance.watermark.min(waiting - TimeDelta::microseconds(1));
                }
            }
            let began = Utc::now();
            let committed = match self.commit(&commands, &changed, horizon, earliest_waiting, shutdown).await {
                Ok(committed) => committed,
                Err(error) => {
                    tracing::error!(error = format!("{error:#}"), bids = commands.len(), "a batch failed: deciding its bids one by one");
                    self.isolate_poison(state, &ready, shutdown).await?;
                    state.instances.excuse_pause(began, Utc::now());
                    continue;
                }
            };
            let Some(committed) = committed else {
                return Ok(false);
            };
            state.instances.excuse_pause(began, Utc::now());
            let decided = committed.outcomes.len();
            if decided > 0 {
                crate::failpoint("commit").await;
            }
            for key in &ready {
                if let Some(held) = state.held.remove(key) {
                    acknowledge(&held.acker).await;
                }
            }
            for acker in state.watermark_acks.drain(..) {
                acknowledge(&acker).await;
            }
            if decided > 0 || !committed.closed.is_empty() {
                self.relay_wake.notify_one();
            }
            // Logged and counted once the acks and the relay's wake-up are on their way: they
            // wait on nothing here.
            observe_decisions(&commands, &committed);
            for lot in &committed.closed {
                tracing::info!(lot_id = lot.0, "lot closed: winner final");
            }
            if ready.len() < self.config.batch_max {
                return Ok(true);
            }
        }
    }

    /// After a batch failed for a reason other than an outage: commits its bids one at a time. A
    /// bid that fails alone while others pass is poison and goes to the dead-letter queue by
    /// itself; if none passes, the fault is not in the bids (a bug, the schema): they stay held
    /// and are tried again after a pause, and the stalled engine shows on `/ready`.
    async fn isolate_poison(&self, state: &mut State, ready: &[HeldKey], shutdown: &CancellationToken) -> anyhow::Result<()> {
        let mut failed = Vec::new();
        let mut passed = Vec::new();
        for key in ready {
            let Some(held) = state.held.get(key) else { continue };
            match self.commit(std::slice::from_ref(&held.command), &[], Horizon::Nothing, None, shutdown).await {
                Ok(Some(committed)) => {
                    if let Some(held) = state.held.remove(key) {
                        acknowledge(&held.acker).await;
                        passed.push((held.command, committed));
                    }
                }
                Ok(None) => {
                    // Shutting down: what did commit is still counted.
                    for (command, committed) in &passed {
                        observe_decisions(std::slice::from_ref(command), committed);
                    }
                    return Ok(());
                }
                Err(error) => failed.push((key.clone(), error)),
            }
        }
        if passed.is_empty() && !failed.is_empty() {
            tracing::error!(bids = failed.len(), "every bid of the batch fails alone: holding them and retrying");
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            return Ok(());
        }
        for (key, error) in failed {
            if let Some(held) = state.held.remove(&key) {
                tracing::error!(error = format!("{error:#}"), message_id = %held.command.message_id, "poison bid: dead-lettered alone");
                if let Err(error) = held.acker.reject(BasicRejectOptions { requeue: false }).await {
                    tracing::warn!(error = %error, "could not dead-letter a poison bid");
                }
            }
        }
        self.relay_wake.notify_one();
        for (command, committed) in &passed {
            observe_decisions(std::slice::from_ref(command), committed);
        }
        Ok(())
    }

    /// Commits one batch, retrying in place while PostgreSQL is unreachable. `None` on shutdown.
    async fn commit(
        &self,
        commands: &[BidCommand],
        changed: &[stored_instances::IngestInstance],
        horizon: Horizon,
        earliest_waiting: Option<DateTime<Utc>>,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Option<Committed>> {
        let mut delay = Duration::from_millis(100);
        loop {
            let attempt = async {
                let now = Utc::now();
                // Not getting a connection at all is an outage, whatever the server said.
                let mut tx = self.pool.begin().await.map_err(|error| (true, error))?;
                let decided = async {
                    let outcomes = decide_batch(&mut tx, commands, now).await?;
                    stored_instances::save(&mut *tx, changed).await?;
                    let closed = close_lots(&mut tx, horizon, earliest_waiting, now).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>((outcomes, closed))
                };
                decided.await.map_err(|error| (is_transient(&error), error))
            };
            let began = std::time::Instant::now();
            match attempt.await {
                Ok((outcomes, closed)) => {
                    tracing::debug!(bids = commands.len(), held_ms = began.elapsed().as_millis() as u64, "batch committed");
                    return Ok(Some(Committed { outcomes, closed, at: Utc::now() }));
                }
                Err((true, error)) => {
                    tracing::warn!(error = %error, retry_in_ms = delay.as_millis() as u64, "PostgreSQL unavailable: holding the batch");
                    tokio::select! {
                        () = shutdown.cancelled() => return Ok(None),
                        () = tokio::time::sleep(delay) => {}
                    }
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err((false, error)) => return Err(error).context("deciding a batch"),
            }
        }
    }
}

/// What one committed transaction decided and closed, and when it committed.
struct Committed {
    outcomes: Vec<(String, Outcome)>,
    closed: Vec<gavel_domain::LotId>,
    at: DateTime<Utc>,
}

/// Logs, counts and times committed decisions (never those of a batch rolled back), each from
/// its receipt stamp at ingest. The log line carries the chat message's id, as ingest's did.
fn observe_decisions(commands: &[BidCommand], committed: &Committed) {
    let received = first_received(commands);
    for (message_id, outcome) in &committed.outcomes {
        let (label, reason) = match outcome {
            Outcome::Duplicate => ("duplicate", "none"),
            Outcome::Decided { decision: Decision::Accepted(_), .. } => ("accepted", "none"),
            Outcome::Decided { decision: Decision::Rejected(rejection), .. } => ("rejected", rejection.code()),
        };
        metrics::counter!(telemetry::BIDS, "outcome" => label, "reason" => reason).increment(1);
        let Outcome::Decided { bid_id, decision } = outcome else {
            tracing::debug!(message_id = %message_id, outcome = label, "bid already decided: duplicate ignored");
            continue;
        };
        let lot_id = match decision {
            Decision::Accepted(acceptance) => Some(acceptance.lot.id.0),
            Decision::Rejected(_) => None,
        };
        // A duplicate was decided (and timed) when it first came.
        let received_at = received.get(message_id.as_str()).copied();
        if let Some(received_at) = received_at {
            // Zero rather than negative if the ingest host's clock runs ahead of this one.
            metrics::histogram!(telemetry::BID_DECISION_SECONDS).record((committed.at - received_at).to_std().unwrap_or_default());
        }
        tracing::info!(
            message_id = %message_id,
            bid_id = bid_id.0,
            lot_id,
            outcome = label,
            reason,
            received_at = received_at.map(tracing::field::display),
            "bid decided"
        );
    }
}

/// Each message's receipt stamp. Both copies of a message heard by redundant ingest instances
/// may share a batch, in received order: the first copy's stamp is the one the bid waited from.
fn first_received(commands: &[BidCommand]) -> HashMap<&str, DateTime<Utc>> {
    let mut received = HashMap::new();
    for command in commands {
        received.entry(command.message_id.as_str()).or_insert(command.received_at);
    }
    received
}

/// Polls the bids queue's depth every [`telemetry::GAUGE_EVERY`] until `shutdown` (and zeroes the
/// queue lag when nothing waits), on a channel of its own (a failed inspection closes its channel, and the next poll opens another).
pub async fn watch_queue_depth(connection: Arc<Connection>, topology: Topology, shutdown: CancellationToken) -> anyhow::Result<()> {
    let queue = topology.bids_queue();
    let mut channel = None;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(telemetry::GAUGE_EVERY) => {}
        }
        if !channel.as_ref().is_some_and(|c: &gavel_bus::lapin::Channel| c.status().connected()) {
            channel = connection.create_channel().await.ok();
        }
        let Some(open) = &channel else { continue };
        // A broker that cannot answer shows on /ready; the gauge keeps its last value meanwhile.
        match gavel_bus::topology::inspect(open, &queue).await {
            Ok(stats) => {
                metrics::gauge!(telemetry::BID_QUEUE_DEPTH, "queue" => queue.clone()).set(stats.messages);
                // The lag is otherwise set only when a bid is consumed: after a burst it would stay
                // high through the quiet that follows, and its alert would never clear.
                if stats.messages == 0 {
                    metrics::gauge!(telemetry::BID_QUEUE_LAG_SECONDS).set(0.0);
                }
            }
            Err(error) => tracing::debug!(error = %error, "could not read the bids queue's depth"),
        }
    }
}

/// How often the ingest instances' watermarks are written to PostgreSQL.
const PERSIST_INSTANCES_EVERY: Duration = Duration::from_millis(500);

struct State {
    instances: Instances,
    persisted_at: std::time::Instant,
    held: BTreeMap<HeldKey, Held>,
    watermark_acks: Vec<Acker>,
}

impl State {
    async fn receive(&mut self, delivery: gavel_bus::lapin::message::Delivery) {
        let now = Utc::now();
        match BidsQueueMessage::from_json(&delivery.data) {
            Ok(BidsQueueMessage::Bid(command)) => {
                self.instances.observe_bid(&command.instance, now);
                metrics::gauge!(telemetry::BID_QUEUE_LAG_SECONDS).set((now - command.received_at).to_std().unwrap_or_default());
                let key = (command.received_at, command.instance.clone(), command.message_id.clone());
                match self.held.entry(key) {
                    // The same message published again after a failed confirm: one copy is enough.
                    std::collections::btree_map::Entry::Occupied(_) => acknowledge(&delivery.acker).await,
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(Held { command, acker: delivery.acker });
                    }
                }
            }
            Ok(BidsQueueMessage::Watermark(watermark)) => {
                self.instances.observe_watermark(&watermark.instance, watermark.up_to, now);
                self.watermark_acks.push(delivery.acker);
            }
            Err(error) => {
                tracing::warn!(error = %error, "not a bid command: dead-lettering it");
                if let Err(error) = delivery.acker.reject(BasicRejectOptions { requeue: false }).await {
                    tracing::warn!(error = %error, "could not reject a malformed message");
                }
            }
        }
    }
}

/// An ack that fails (the channel closed) is harmless: the message comes back and is
/// recognised as decided.
async fn acknowledge(acker: &Acker) {
    if let Err(error) = acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %error, "ack failed; the message will be redelivered and deduplicated");
    }
}

/// Whether an error means PostgreSQL is unreachable or busy (wait and retry), rather than
/// something about the batch itself (fail, so the messages come back and, if they keep failing,
/// are dead-lettered).
fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Connection exceptions, operator intervention (shutdown), resources, serialization/deadlock.
            ["08", "57", "53"].iter().any(|class| code.starts_with(class)) || code == "40001" || code == "40P01"
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use gavel_domain::bidding::BidKind;
    use gavel_domain::{BidderId, Wei};

    use super::*;

    fn copy(instance: &str, received_at: DateTime<Utc>) -> BidCommand {
        BidCommand {
            message_id: "twitch:m1".into(),
            instance: instance.into(),
            channel: "twitch:gavel".into(),
            bidder: BidderId::parse("twitch:1").expect("a valid bidder"),
            login: "viewer".into(),
            display_name: "Viewer".into(),
            kind: BidKind::Plain(Wei::from(1_000_u128)),
            received_at,
            platform_sent_at: None,
        }
    }

    #[test]
    fn a_message_heard_twice_is_timed_from_its_first_copy() {
        let first = Utc::now();
        let later = first + TimeDelta::milliseconds(300);
        let commands = [copy("ingest-a", first), copy("ingest-b", later)];
        let received = first_received(&commands);
        assert_eq!(received.len(), 1);
        assert_eq!(received.get("twitch:m1"), Some(&first));
    }
}
