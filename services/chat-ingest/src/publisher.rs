//! Received bids, stamped and published to the bids queue with confirms, each batch followed by
//! a watermark.
//!
//! The stamp is Gavel's received time, which every bid is judged by. It is reserved as soon as a
//! message is taken from its source, before anything is awaited (the rate limit, other
//! commands), and stamps strictly increase. The publisher's watermark `W` is a fresh stamp, or,
//! while some stamps are reserved but their bids not queued yet, just below the earliest of
//! them: so every bid stamped before `W` is in what it took. Once those bids are confirmed by the broker it publishes the watermark `W`: the
//! engine may then decide everything this instance received before `W`. With no bids, a
//! heartbeat watermark still goes out, so an idle instance never holds the engine back.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use gavel_bus::lapin::Connection;
use gavel_bus::messages::{BidCommand, BidsQueueMessage, Watermark};
use gavel_bus::publish::{ConfirmedPublisher, Outgoing};
use gavel_bus::topology::{BID_ROUTING_KEY, Topology};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Bids waiting to be published, and the last stamp given.
pub struct BidQueue {
    state: Mutex<QueueState>,
    wake: Notify,
}

struct QueueState {
    last_stamp: DateTime<Utc>,
    pending: Vec<BidCommand>,
    /// Stamps given to messages not queued (nor released) yet.
    reserved: BTreeSet<DateTime<Utc>>,
}

impl Default for BidQueue {
    fn default() -> Self {
        let state = QueueState { last_stamp: DateTime::<Utc>::MIN_UTC, pending: Vec::new(), reserved: BTreeSet::new() };
        BidQueue { state: Mutex::new(state), wake: Notify::new() }
    }
}

impl QueueState {
    /// Now, at microseconds (what PostgreSQL keeps), strictly after the last stamp.
    fn next_stamp(&mut self) -> DateTime<Utc> {
        let stamp = Utc::now().trunc_subsecs(6).max(self.last_stamp + TimeDelta::microseconds(1));
        self.last_stamp = stamp;
        stamp
    }
}

impl BidQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The received time of a message just taken from its source. Queue its bid with
    /// [`BidQueue::fulfil`], or [`BidQueue::release`] the stamp if it is not a bid; reservations
    /// are settled in the order they were made.
    pub fn reserve(&self) -> DateTime<Utc> {
        let mut state = self.state();
        let stamp = state.next_stamp();
        state.reserved.insert(stamp);
        stamp
    }

    /// Queues the bid received at `stamp`.
    pub fn fulfil(&self, stamp: DateTime<Utc>, command: BidCommand) {
        {
            let mut state = self.state();
            state.reserved.remove(&stamp);
            state.pending.push(command);
        }
        self.wake.notify_one();
    }

    /// The message received at `stamp` will not be a bid.
    pub fn release(&self, stamp: DateTime<Utc>) {
        self.state().reserved.remove(&stamp);
    }

    /// Takes every queued bid and a watermark that covers all of them and no bid still to come.
    fn take(&self) -> (Vec<BidCommand>, DateTime<Utc>) {
        let mut state = self.state();
        let watermark = match state.reserved.first() {
            Some(earliest) => *earliest - TimeDelta::microseconds(1),
            None => state.next_stamp(),
        };
        (std::mem::take(&mut state.pending), watermark)
    }
}

/// Publishes queued bids and watermarks until shutdown, then publishes what is left.
pub struct Publisher {
    pub queue: Arc<BidQueue>,
    pub connection: Arc<Connection>,
    pub topology: Topology,
    pub instance: String,
    /// How often an idle instance says it is alive (its watermark moves on).
    pub heartbeat: Duration,
}

impl Publisher {
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut publisher = ConfirmedPublisher::open(&self.connection).await?;
        loop {
            let stopping = tokio::select! {
                () = shutdown.cancelled() => true,
                () = self.queue.wake.notified() => false,
                () = tokio::time::sleep(self.heartbeat) => false,
            };
            let (bids, watermark) = self.queue.take();
            let mut messages: Vec<BidsQueueMessage> = bids.into_iter().map(BidsQueueMessage::Bid).collect();
            messages.push(BidsQueueMessage::Watermark(Watermark { instance: self.instance.clone(), up_to: watermark }));
            self.publish_until_confirmed(&mut publisher, &messages, &shutdown).await?;
            if stopping {
                tracing::info!(instance = %self.instance, "bid publisher stopped");
                return Ok(());
            }
        }
    }

    /// Bids before their watermark, in one confirmed batch (the watermark goes out only if every
    /// bid before it was confirmed). A failed batch is published again: the engine deduplicates
    /// by message id.
    async fn publish_until_confirmed(
        &self,
        publisher: &mut ConfirmedPublisher,
        messages: &[BidsQueueMessage],
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let bodies: Vec<Vec<u8>> = messages.iter().map(BidsQueueMessage::to_json).collect();
        let ids: Vec<String> = messages
            .iter()
            .map(|message| match message {
                BidsQueueMessage::Bid(bid) => bid.message_id.clone(),
                BidsQueueMessage::Watermark(watermark) => {
                    format!("watermark:{}:{}", watermark.instance, watermark.up_to.timestamp_micros())
                }
            })
            .collect();
        let (bids, watermark) = bodies.split_at(bodies.len().saturating_sub(1));
        let exchange = self.topology.commands_exchange();
        let mut delay = Duration::from_millis(50);
        let mut attempts_while_stopping = 0;
        loop {
            let bid_messages: Vec<Outgoing<'_>> =
                bids.iter().zip(&ids).map(|(body, id)| Outgoing { routing_key: BID_ROUTING_KEY, payload: body, message_id: id }).collect();
            let watermark_message: Vec<Outgoing<'_>> = watermark
                .iter()
                .zip(ids.iter().skip(bids.len()))
                .map(|(body, id)| Outgoing { routing_key: BID_ROUTING_KEY, payload: body, message_id: id })
                .collect();
            let attempt = async {
                publisher.publish_all(&exchange, &bid_messages).await?;
                publisher.publish_all(&exchange, &watermark_message).await
            };
            let began = std::time::Instant::now();
            match attempt.await {
                Ok(()) => {
                    tracing::debug!(bids = bids.len(), confirm_ms = began.elapsed().as_millis() as u64, "bids confirmed");
                    // Each bid's message id is its id from here to settlement: the engine's
                    // decision and the settlement of the lot it wins log the same one. At debug:
                    // one line per bid on the hot path; the engine's decision carries the trail.
                    for message in messages {
                        if let BidsQueueMessage::Bid(bid) = message {
                            tracing::debug!(message_id = %bid.message_id, bidder = %bid.bidder, channel = %bid.channel, received_at = %bid.received_at, "bid published");
                        }
                    }
                    return Ok(());
                }
                Err(error) => {
                    tracing::warn!(error = %error, bids = bids.len(), retry_in_ms = delay.as_millis() as u64, "bids not confirmed; publishing them again");
                    if shutdown.is_cancelled() {
                        attempts_while_stopping += 1;
                        if attempts_while_stopping > 10 {
                            anyhow::bail!("shutting down with {} bids unconfirmed: {error}", bids.len());
                        }
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    if !publisher.channel().status().connected() {
                        match ConfirmedPublisher::open(&self.connection).await {
                            Ok(reopened) => *publisher = reopened,
                            // The bids stay in hand; the next attempt tries again.
                            Err(error) => tracing::warn!(error = %error, "cannot reopen the publishing channel yet"),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use gavel_domain::BidderId;
    use gavel_domain::bidding::BidKind;

    use super::*;

    fn command(received_at: DateTime<Utc>) -> BidCommand {
        BidCommand {
            message_id: format!("twitch:{}", received_at.timestamp_micros()),
            instance: "a".into(),
            channel: "twitch:gavel".into(),
            bidder: BidderId::parse("twitch:1").unwrap(),
            login: "a".into(),
            display_name: "A".into(),
            kind: BidKind::Plain(gavel_domain::Wei::from(1u128)),
            received_at,
            platform_sent_at: None,
        }
    }

    #[test]
    fn stamps_increase_and_a_watermark_covers_exactly_what_was_taken() {
        let queue = BidQueue::default();
        let stamps: Vec<_> = (0..1000).map(|_| queue.reserve()).collect();
        assert!(stamps.windows(2).all(|pair| pair[0] < pair[1]), "strictly increasing, even within a microsecond");
        assert!(stamps.iter().all(|stamp| stamp.timestamp_subsec_nanos() % 1_000 == 0), "microsecond precision");
        // Half are queued; the watermark stays below the first stamp still reserved.
        for stamp in &stamps[..500] {
            queue.fulfil(*stamp, command(*stamp));
        }
        let (taken, watermark) = queue.take();
        assert_eq!(taken.len(), 500);
        assert!(taken.iter().all(|bid| bid.received_at <= watermark));
        assert!(watermark < stamps[500], "a bid stamped but not queued yet is not covered");
        for stamp in &stamps[500..] {
            queue.release(*stamp);
        }
        let (taken, watermark) = queue.take();
        assert!(taken.is_empty() && watermark > stamps[999], "with nothing reserved the watermark moves on");
        assert!(queue.reserve() > watermark, "a message taken after the watermark is stamped after it");
    }
}
