//! The live side: one consumer per gateway instance reads the events exchange and broadcasts
//! each event once, in `seq` order, to every connected client.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use gavel_bus::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use gavel_bus::lapin::types::FieldTable;
use gavel_domain::events::{Event, EventEnvelope};
use gavel_domain::{LotId, MarathonId};
use gavel_live::LiveCache;
use tokio::sync::{Mutex, broadcast};
use tokio_util::sync::CancellationToken;

use crate::Gateway;

/// How often marked lots are rebuilt in the live cache.
const REFRESH_EVERY: Duration = Duration::from_millis(100);

/// An event as it goes out: with its JSON rendered once, not once per client.
#[derive(Debug)]
pub struct Published {
    pub envelope: EventEnvelope,
    pub json: String,
    /// The JSON public streams send instead, when the event's public form differs.
    pub public_json: Option<String>,
}

impl Published {
    pub fn new(envelope: EventEnvelope) -> Self {
        // Serialising these plain structs cannot fail.
        let json = serde_json::to_string(&envelope).unwrap_or_default();
        let public_json = envelope
            .event
            .public_form()
            .map(|event| serde_json::to_string(&EventEnvelope { event, ..envelope.clone() }).unwrap_or_default());
        Published { envelope, json, public_json }
    }
}

pub struct Hub {
    sender: broadcast::Sender<Arc<Published>>,
    /// The highest `seq` broadcast: a redelivered or republished event is not sent twice.
    last_seq: AtomicI64,
}

impl Hub {
    pub fn new(client_buffer: usize) -> Self {
        let (sender, _) = broadcast::channel(client_buffer.max(1));
        Hub { sender, last_seq: AtomicI64::new(0) }
    }

    /// A client's view of the live events from now on, through its bounded buffer.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.sender.subscribe()
    }

    /// The highest `seq` broadcast so far.
    pub fn last_seq(&self) -> i64 {
        self.last_seq.load(Ordering::SeqCst)
    }

    pub fn clients(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Broadcasts an event unless one with its `seq` (or later) went out already.
    pub fn publish(&self, event: Arc<Published>) -> bool {
        if self.last_seq.fetch_max(event.envelope.seq, Ordering::SeqCst) >= event.envelope.seq {
            return false;
        }
        // No receiver is not an error: nobody is watching.
        let _ = self.sender.send(event);
        true
    }
}

/// Lots (and marathons) whose live state is stale.
#[derive(Default)]
pub struct DirtyLots {
    lots: Mutex<BTreeSet<LotId>>,
    marathons: Mutex<BTreeSet<MarathonId>>,
}

impl DirtyLots {
    async fn mark(&self, event: &Event) {
        if let Some(lot) = event.lot_id() {
            self.lots.lock().await.insert(lot);
        }
        // A lot that opens, ends, closes or is cancelled may change which lot its marathon shows.
        let marathon = match event {
            Event::LotOpened(e) => Some(e.marathon_id),
            Event::LotProcessing(e) => Some(e.marathon_id),
            Event::LotClosed(e) => Some(e.marathon_id),
            Event::LotCompleted(e) => Some(e.marathon_id),
            Event::LotCancelled(e) => Some(e.marathon_id),
            _ => None,
        };
        if let Some(marathon) = marathon {
            self.marathons.lock().await.insert(marathon);
        }
    }
}

/// Reads the events exchange through this instance's own queue until `shutdown`.
pub async fn consume(gateway: Gateway, dirty: Arc<DirtyLots>, shutdown: CancellationToken) -> anyhow::Result<()> {
    let topology = &gateway.config().topology;
    let channel = gateway.connection().create_channel().await?;
    channel.basic_qos(1000, BasicQosOptions::default()).await?;
    topology.declare_events_exchange(&channel).await?;
    let queue = format!("{}.gateway.{}", topology.namespace(), uuid::Uuid::new_v4().simple());
    // Exclusive: the queue lives and dies with this connection, so a gateway that goes away
    // leaves nothing behind.
    let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(queue.as_str().into(), options, FieldTable::default()).await?;
    channel
        .queue_bind(
            queue.as_str().into(),
            topology.events_exchange().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut consumer =
        channel.basic_consume(queue.as_str().into(), "gateway".into(), BasicConsumeOptions::default(), FieldTable::default()).await?;
    tracing::info!(queue, "event gateway consuming");
    loop {
        let delivery = tokio::select! {
            () = shutdown.cancelled() => break,
            delivery = consumer.next() => delivery,
        };
        let Some(delivery) = delivery else { anyhow::bail!("the events consumer stopped") };
        let delivery = delivery?;
        match serde_json::from_slice::<EventEnvelope>(&delivery.data) {
            Ok(envelope) => {
                dirty.mark(&envelope.event).await;
                let event = Arc::new(Published::new(envelope));
                // History first: a client that subscribes after the broadcast finds it there.
                if let Err(error) = gateway.history.append(&event).await {
                    tracing::warn!(error = %error, "event history unavailable; replay will read PostgreSQL");
                }
                gateway.hub.publish(event);
            }
            Err(error) => tracing::warn!(error = %error, "not an event; ignored"),
        }
        delivery.ack(BasicAckOptions::default()).await?;
    }
    // Exclusive queues go with their connection; one that outlives this gateway (a shared
    // connection, as in tests) is deleted here.
    channel.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await?;
    Ok(())
}

/// Rebuilds the marked lots' and marathons' live state until `shutdown`; first every
/// marathon's, since a lot may have changed while no gateway ran.
pub async fn refresh_live(live: LiveCache, dirty: Arc<DirtyLots>, shutdown: CancellationToken) {
    match gavel_store::marathons::list(live.pool()).await {
        Ok(marathons) => {
            for marathon in marathons {
                if let Ok(Some(current)) = live.refresh_marathon(marathon.id).await
                    && let Some(lot) = current.lot_id
                {
                    dirty.lots.lock().await.insert(lot);
                }
            }
        }
        Err(error) => tracing::warn!(error = %error, "live state not rebuilt at start"),
    }
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(REFRESH_EVERY) => {}
        }
        let lots = std::mem::take(&mut *dirty.lots.lock().await);
        let marathons = std::mem::take(&mut *dirty.marathons.lock().await);
        for lot in lots {
            if let Err(error) = live.refresh_lot(lot).await {
                tracing::warn!(lot_id = lot.0, error = %error, "live state not refreshed");
            }
        }
        for marathon in marathons {
            if let Err(error) = live.refresh_marathon(marathon).await {
                tracing::warn!(marathon_id = marathon.0, error = %error, "live state not refreshed");
            }
        }
    }
}
