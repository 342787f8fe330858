//! The exchanges and queues, named under a namespace (`gavel` in production).
//!
//! ```text
//! chat-ingest ──► {ns}.commands (direct) ──bid──► {ns}.bids (quorum, single active consumer)
//!                                                   │ delivery limit exceeded
//!                                                   ▼
//!                                    {ns}.dead (fanout) ──► {ns}.bids.dead (quorum)
//! auction-manager (outbox relay) ──► {ns}.events (topic, routing key = event type)
//!                                       ├──► {ns}.chat-replies (quorum, single active consumer)
//!                                       └──► each consumer's own queue
//! ```
//!
//! Dead-lettering from a quorum queue is at-most-once unless `x-dead-letter-strategy` is
//! `at-least-once`, which in turn needs `x-overflow: reject-publish`; both are set.

use lapin::options::{ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

/// How many times a bid may be delivered before it is dead-lettered. Only crashes of the engine
/// count: an outage of PostgreSQL is waited out with the message held, never requeued.
pub const BID_DELIVERY_LIMIT: i64 = 5;
pub const BID_ROUTING_KEY: &str = "bid";
/// Events waiting for the chat speaker, at most.
pub const REPLIES_MAX_LENGTH: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    namespace: String,
    /// For tests and benchmarks: queues are deleted by the broker once unused this long, and
    /// exchanges once unbound, so even a run that crashes leaves nothing behind.
    ephemeral_after: Option<std::time::Duration>,
}

impl Topology {
    pub fn new(namespace: impl Into<String>) -> Self {
        Topology { namespace: namespace.into(), ephemeral_after: None }
    }

    /// A topology that the broker removes by itself once unused for `after`.
    pub fn ephemeral(namespace: impl Into<String>, after: std::time::Duration) -> Self {
        Topology { namespace: namespace.into(), ephemeral_after: Some(after) }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn commands_exchange(&self) -> String {
        format!("{}.commands", self.namespace)
    }

    pub fn bids_queue(&self) -> String {
        format!("{}.bids", self.namespace)
    }

    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead", self.namespace)
    }

    pub fn dead_bids_queue(&self) -> String {
        format!("{}.bids.dead", self.namespace)
    }

    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.namespace)
    }

    pub fn chat_replies_queue(&self) -> String {
        format!("{}.chat-replies", self.namespace)
    }

    /// Declares the events exchange alone, for a consumer (the event gateway) that may start
    /// before whoever declares the rest.
    pub async fn declare_events_exchange(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let durable = ExchangeDeclareOptions { durable: true, auto_delete: self.ephemeral_after.is_some(), ..Default::default() };
        channel.exchange_declare(self.events_exchange().into(), ExchangeKind::Topic, durable, FieldTable::default()).await
    }

    /// Declares everything; declaring what exists with the same arguments changes nothing.
    pub async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let durable = ExchangeDeclareOptions { durable: true, auto_delete: self.ephemeral_after.is_some(), ..Default::default() };
        channel.exchange_declare(self.commands_exchange().into(), ExchangeKind::Direct, durable, FieldTable::default()).await?;
        channel.exchange_declare(self.dead_letter_exchange().into(), ExchangeKind::Fanout, durable, FieldTable::default()).await?;
        self.declare_events_exchange(channel).await?;

        let queue = QueueDeclareOptions { durable: true, ..Default::default() };
        channel.queue_declare(self.dead_bids_queue().into(), queue, self.quorum_kept(&[], DEAD_LETTERS_KEPT)).await?;
        channel
            .queue_bind(
                self.dead_bids_queue().into(),
                self.dead_letter_exchange().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let bids_arguments = self.quorum(&[
            ("x-single-active-consumer", AMQPValue::Boolean(true)),
            ("x-delivery-limit", AMQPValue::LongLongInt(BID_DELIVERY_LIMIT)),
            ("x-dead-letter-exchange", text(&self.dead_letter_exchange())),
            ("x-dead-letter-strategy", text("at-least-once")),
            ("x-overflow", text("reject-publish")),
        ]);
        channel.queue_declare(self.bids_queue().into(), queue, bids_arguments).await?;
        channel
            .queue_bind(
                self.bids_queue().into(),
                self.commands_exchange().into(),
                BID_ROUTING_KEY.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        // Replies are worth little once stale: bounded, the oldest dropped (when no instance
        // speaks for a while, it does not come back to a backlog of old news).
        let replies_arguments = self.quorum(&[
            ("x-single-active-consumer", AMQPValue::Boolean(true)),
            ("x-max-length", AMQPValue::LongLongInt(REPLIES_MAX_LENGTH)),
            ("x-overflow", text("drop-head")),
        ]);
        channel.queue_declare(self.chat_replies_queue().into(), queue, replies_arguments).await?;
        for pattern in ["bid.#", "lot.#", "bidder.#", "bidding.#"] {
            channel
                .queue_bind(
                    self.chat_replies_queue().into(),
                    self.events_exchange().into(),
                    pattern.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// Deletes everything declared (tests and benchmarks clean up after themselves).
    pub async fn delete(&self, channel: &Channel) -> Result<(), lapin::Error> {
        for queue in [self.bids_queue(), self.dead_bids_queue(), self.chat_replies_queue()] {
            channel.queue_delete(queue.into(), QueueDeleteOptions::default()).await?;
        }
        for exchange in [self.commands_exchange(), self.dead_letter_exchange(), self.events_exchange()] {
            channel.exchange_delete(exchange.into(), ExchangeDeleteOptions::default()).await?;
        }
        Ok(())
    }
}

/// What a queue holds now: messages ready for delivery, and its consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub messages: u32,
    pub consumers: u32,
}

/// Asks the broker about `queue` with a passive declare, which creates nothing. A failed one
/// (the queue does not exist) closes the channel, as AMQP has it.
pub async fn inspect(channel: &Channel, queue: &str) -> Result<QueueStats, lapin::Error> {
    let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
    let declared = channel.queue_declare(queue.into(), options, FieldTable::default()).await?;
    Ok(QueueStats { messages: declared.message_count(), consumers: declared.consumer_count() })
}

/// Dead letters wait for a person, so their queue never has a consumer, and the broker counts a
/// queue without one as unused: an ephemeral topology's short expiry would delete it while the
/// namespace is in use (a demo, a long test), and dead letters with it. It is kept a day at least.
const DEAD_LETTERS_KEPT: std::time::Duration = std::time::Duration::from_secs(86_400);

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

impl Topology {
    /// Arguments of a quorum queue, with the expiry of an ephemeral topology.
    pub fn quorum(&self, extra: &[(&str, AMQPValue)]) -> FieldTable {
        self.quorum_kept(extra, std::time::Duration::ZERO)
    }

    /// As `quorum`, an ephemeral topology's expiry at least `kept`.
    fn quorum_kept(&self, extra: &[(&str, AMQPValue)], kept: std::time::Duration) -> FieldTable {
        let mut table = FieldTable::default();
        table.insert(ShortString::from("x-queue-type"), text("quorum"));
        if let Some(after) = self.ephemeral_after {
            let millis = i64::try_from(after.max(kept).as_millis()).unwrap_or(i64::MAX);
            table.insert(ShortString::from("x-expires"), AMQPValue::LongLongInt(millis));
        }
        for (key, value) in extra {
            table.insert(ShortString::from(*key), value.clone());
        }
        table
    }
}
