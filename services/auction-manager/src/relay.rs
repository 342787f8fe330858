//! The outbox relay: publishes committed events to the events exchange, in order, with
//! confirms, numbering them (`seq`) as it goes.
//!
//! It wakes when events commit (in this process through a `Notify`, from other processes
//! through PostgreSQL's `NOTIFY gavel_outbox`), so events leave right after their commit, with
//! a slow timer only as a safety net. Numbers are given under an advisory lock and committed
//! before publishing, so a number never changes or repeats: a relay that dies after publishing
//! but before marking the rows sends them again with the same `id` and `seq`, and consumers
//! deduplicate by `id`.

use std::sync::Arc;
use std::time::Duration;

use gavel_bus::lapin::Connection;
use gavel_bus::publish::{ConfirmedPublisher, Outgoing};
use gavel_bus::topology::Topology;
use gavel_store::{PgPool, outbox};
use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::telemetry;

/// Most events published per transaction.
const BATCH: i64 = 1_000;
/// Arbitrary constant naming the relay's advisory lock.
const RELAY_LOCK: i64 = 0x6761_7665_6c5f_7231;
const SAFETY_NET: Duration = Duration::from_secs(1);

pub struct Relay {
    pub pool: PgPool,
    pub topology: Topology,
    pub connection: Arc<Connection>,
    pub wake: Arc<Notify>,
}

impl Relay {
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut publisher = ConfirmedPublisher::open(&self.connection).await?;
        self.topology.declare(publisher.channel()).await?;
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(outbox::NOTIFY_CHANNEL).await?;
        tracing::info!(exchange = %self.topology.events_exchange(), "outbox relay started");
        // The backlog is counted on a timer of its own: publishing may loop for as long as events
        // keep coming, or block while the broker blocks publishers, which is when it must show.
        let watching = shutdown.child_token();
        let _stop_watching = watching.clone().drop_guard();
        tokio::spawn(watch_backlog(self.pool.clone(), watching));
        let mut delay = Duration::from_millis(100);
        loop {
            match self.publish_pending(&publisher).await {
                Ok(()) => delay = Duration::from_millis(100),
                Err(error) => {
                    if !publisher.channel().status().connected() {
                        // The channel broke; a dead connection is fatal and ends the process.
                        publisher = ConfirmedPublisher::open(&self.connection).await?;
                    }
                    tracing::warn!(
                        error = format!("{error:#}"),
                        retry_in_ms = delay.as_millis() as u64,
                        "relay could not publish; retrying"
                    );
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(delay) => {}
                    }
                    delay = (delay * 2).min(Duration::from_secs(5));
                    continue;
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                notification = listener.recv() => {
                    if let Err(error) = notification {
                        tracing::warn!(error = %error, "outbox notifications interrupted; reconnecting");
                    }
                }
                () = tokio::time::sleep(SAFETY_NET) => {}
            }
        }
        tracing::info!("outbox relay stopped");
        Ok(())
    }

    /// Publishes until nothing is left to publish: numbered events first (left over from a relay
    /// that stopped between numbering and marking them), then the next ones, numbered and
    /// committed before they are published.
    async fn publish_pending(&self, publisher: &ConfirmedPublisher) -> anyhow::Result<()> {
        loop {
            let mut envelopes = outbox::numbered_unpublished(&self.pool, BATCH).await?;
            if envelopes.is_empty() {
                let mut tx = self.pool.begin().await?;
                let leader: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(RELAY_LOCK).fetch_one(&mut *tx).await?;
                if !leader {
                    return Ok(());
                }
                let numbered = outbox::number_next(&mut tx, BATCH).await?;
                tx.commit().await?;
                if numbered == 0 {
                    return Ok(());
                }
                envelopes = outbox::numbered_unpublished(&self.pool, BATCH).await?;
            }
            let bodies: Vec<(String, Vec<u8>, &'static str)> = envelopes
                .iter()
                .map(|envelope| Ok((envelope.id.to_string(), serde_json::to_vec(envelope)?, envelope.event.event_type())))
                .collect::<Result<_, serde_json::Error>>()?;
            let outgoing: Vec<Outgoing<'_>> =
                bodies.iter().map(|(id, body, event_type)| Outgoing { routing_key: event_type, payload: body, message_id: id }).collect();
            let began = std::time::Instant::now();
            publisher.publish_all(&self.topology.events_exchange(), &outgoing).await?;
            crate::failpoint("publish").await;
            let seqs: Vec<i64> = envelopes.iter().map(|envelope| envelope.seq).collect();
            outbox::mark_published(&self.pool, &seqs).await?;
            tracing::debug!(events = envelopes.len(), publish_ms = began.elapsed().as_millis() as u64, "events published");
        }
    }
}

/// Counts the outbox rows not yet published every [`telemetry::GAUGE_EVERY`] until `shutdown`.
/// A failed count leaves the gauge at its last value (PostgreSQL being down shows on `/ready`).
async fn watch_backlog(pool: PgPool, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(telemetry::GAUGE_EVERY);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        match outbox::backlog(&pool).await {
            Ok(count) => metrics::gauge!(telemetry::OUTBOX_BACKLOG).set(count as f64),
            Err(error) => tracing::debug!(error = %error, "could not count the outbox backlog"),
        }
    }
}
