//! What Gavel says in chat, within the platform's send limits.
//!
//! - Only one ingest instance speaks per bot account: the one holding the speaker lease in Redis
//!   (redundant instances see the same chat; without the lease every reply would go out twice).
//!   The speaker also consumes the chat-replies queue of bid and lot events.
//! - One send budget per bot account, in Redis, shared across instances (Twitch: 20 messages per
//!   30 s, 100 as a moderator), so a failover never doubles the rate.
//! - Replies to a person go before announcements; announcements are coalesced per channel (only
//!   the latest is worth saying); the personal queue is bounded and drops its oldest when full.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use gavel_bus::lapin::Connection;
use gavel_bus::lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use gavel_bus::lapin::types::FieldTable;
use gavel_bus::topology::Topology;
use gavel_domain::bidding::Rejection;
use gavel_domain::events::{Event, EventEnvelope, ExtensionCause};
use gavel_domain::{BidderId, LotId};
use gavel_store::PgPool;
use redis::Script;
use redis::aio::ConnectionManager;
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::source::Outgoing;

/// Takes or renews the lease: set when free, extended when ours.
const LEASE: &str = r#"
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"#;

/// Spends one message of a sliding-window budget if there is one left.
const BUDGET: &str = r#"
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"#;

const LEASE_MS: u64 = 3_000;
const RENEW_EVERY: Duration = Duration::from_millis(1_000);

#[derive(Debug, Clone)]
pub struct ReplyConfig {
    /// The bot account replies are sent as; the lease and the budget are per account.
    pub bot: String,
    /// Messages per window (Twitch: 20 per 30 s; 100 as a moderator).
    pub budget: u32,
    pub budget_window: Duration,
    /// Most personal replies waiting; the oldest are dropped beyond it.
    pub max_personal: usize,
    /// Replies and announcements on or off (an operator's switch).
    pub enabled: bool,
    /// The public site's address (`http.public_url`): a viewer whose bid is refused for want of a
    /// linked wallet is told where to get one.
    pub join_url: Option<String>,
}

/// Replies waiting for budget.
#[derive(Default)]
pub struct ReplyQueue {
    personal: Mutex<VecDeque<(String, Outgoing)>>,
    announcements: Mutex<BTreeMap<String, (String, Outgoing)>>,
    wake: Notify,
}

impl ReplyQueue {
    /// A reply to one person on `platform`.
    pub async fn personal(&self, platform: &str, line: Outgoing, max: usize) {
        let mut personal = self.personal.lock().await;
        if personal.len() >= max {
            personal.pop_front();
        }
        personal.push_back((platform.to_owned(), line));
        drop(personal);
        self.wake.notify_one();
    }

    /// An announcement; it replaces any not yet said in the same channel.
    pub async fn announce(&self, platform: &str, line: Outgoing) {
        let key = format!("{platform}:{}", line.channel);
        self.announcements.lock().await.insert(key, (platform.to_owned(), line));
        self.wake.notify_one();
    }

    async fn is_empty(&self) -> bool {
        self.personal.lock().await.is_empty() && self.announcements.lock().await.is_empty()
    }

    async fn next(&self) -> Option<(String, Outgoing)> {
        if let Some(line) = self.personal.lock().await.pop_front() {
            return Some(line);
        }
        self.announcements.lock().await.pop_first().map(|(_, line)| line)
    }

    async fn clear(&self) {
        self.personal.lock().await.clear();
        self.announcements.lock().await.clear();
    }
}

pub struct Replies {
    pub config: ReplyConfig,
    pub instance: String,
    pub namespace: String,
    pub redis: ConnectionManager,
    pub pool: PgPool,
    pub connection: Arc<Connection>,
    pub topology: Topology,
    /// Where to write lines, by platform.
    pub sinks: HashMap<String, mpsc::Sender<Outgoing>>,
    pub queue: Arc<ReplyQueue>,
    /// Whether this instance holds the speaker lease now.
    pub speaking: Arc<AtomicBool>,
}

impl Replies {
    fn lease_key(&self) -> String {
        format!("{}:speaker:{}", self.namespace, self.config.bot)
    }

    /// Holds the lease while it can, consumes events while it holds it, and sends what is queued.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let this = Arc::new(self);
        let sender = tokio::spawn(this.clone().send_queued(shutdown.clone()));
        let mut events: Option<(CancellationToken, tokio::task::JoinHandle<anyhow::Result<()>>)> = None;
        let lease = Script::new(LEASE);
        let mut was_switched_on = true;
        loop {
            let mut redis = this.redis.clone();
            let held: bool = match lease.key(this.lease_key()).arg(&this.instance).arg(LEASE_MS).invoke_async::<i64>(&mut redis).await {
                Ok(held) => held == 1,
                Err(error) => {
                    tracing::warn!(error = %error, "speaker lease unavailable: staying quiet");
                    false
                }
            };
            // The dashboard's switch: with replies off, the speaker keeps its lease but says nothing.
            let switched_on = match gavel_store::settings::chat_replies(&this.pool).await {
                Ok(on) => on,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot read the chat replies switch; keeping the last state");
                    this.speaking.load(Ordering::SeqCst)
                }
            };
            if switched_on && !was_switched_on && held {
                // Back on after being off: what happened meanwhile is old news, not replies.
                if let Err(error) = this.purge_waiting_events().await {
                    tracing::warn!(error = %error, "could not drop the events that waited while replies were off");
                }
            }
            was_switched_on = switched_on;
            let held = held && switched_on;
            let was = this.speaking.swap(held, Ordering::SeqCst);
            if held && !was {
                tracing::info!(instance = %this.instance, bot = %this.config.bot, "speaking in chat");
                let stop = shutdown.child_token();
                events = Some((stop.clone(), tokio::spawn(this.clone().consume_events(stop))));
            } else if !held && was {
                tracing::info!(instance = %this.instance, "no longer speaking in chat");
                this.queue.clear().await;
            }
            if !held && let Some((stop, task)) = events.take() {
                stop.cancel();
                let _ = task.await;
            }
            if let Some((_, task)) = &events
                && task.is_finished()
                && let Some((_, task)) = events.take()
            {
                task.await??;
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(RENEW_EVERY) => {}
            }
        }
        if let Some((stop, task)) = events.take() {
            stop.cancel();
            let _ = task.await;
        }
        sender.await??;
        Ok(())
    }

    async fn purge_waiting_events(&self) -> Result<(), gavel_bus::lapin::Error> {
        let channel = self.connection.create_channel().await?;
        let queue = self.topology.chat_replies_queue();
        channel.queue_purge(queue.as_str().into(), gavel_bus::lapin::options::QueuePurgeOptions::default()).await?;
        channel.close(200, "purged".into()).await
    }

    /// Consumes bid and lot events into replies and announcements until `stop`.
    async fn consume_events(self: Arc<Self>, stop: CancellationToken) -> anyhow::Result<()> {
        let channel = self.connection.create_channel().await?;
        channel.basic_qos(200, BasicQosOptions::default()).await?;
        let tag = format!("chat-replies-{}", self.instance);
        let mut consumer = channel
            .basic_consume(
                self.topology.chat_replies_queue().into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let mut names = Names::default();
        loop {
            let delivery = tokio::select! {
                () = stop.cancelled() => break,
                delivery = consumer.next() => delivery,
            };
            let Some(delivery) = delivery else { break };
            let delivery = delivery?;
            match serde_json::from_slice::<EventEnvelope>(&delivery.data) {
                Ok(envelope) if self.config.enabled => self.say_event(envelope.event, &mut names).await,
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "not an event; ignored"),
            }
            // Replies are best effort: acknowledged once queued, never redelivered.
            delivery.ack(BasicAckOptions::default()).await?;
        }
        channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await?;
        Ok(())
    }

    async fn say_event(&self, event: Event, names: &mut Names) {
        match event {
            Event::BidAccepted(accepted) => {
                let (platform, channel) = split_key(&accepted.channel);
                let high = format!("{} ETH", accepted.high_amount.to_eth_string());
                let text = if accepted.high_bidder == accepted.bidder {
                    format!("your bid leads: {high}")
                } else {
                    format!("your bid was accepted, but a max bid answered: {high} leads")
                };
                let reply_to = split_key(&accepted.message_id).1.to_owned();
                let line = Outgoing { channel: channel.to_owned(), text, reply_to: Some(reply_to) };
                self.queue.personal(platform, line, self.config.max_personal).await;
                if let Some(previous) = &accepted.outbid {
                    let who = names.display(&self.pool, previous).await;
                    let line =
                        Outgoing { channel: channel.to_owned(), text: format!("@{who} you were outbid: {high} leads"), reply_to: None };
                    self.queue.personal(platform, line, self.config.max_personal).await;
                }
                let leader = names.display(&self.pool, &accepted.high_bidder).await;
                let left = (accepted.ends_at - Utc::now()).num_seconds().max(0);
                let text = format!("New high bid: {high} by {leader} · {}m {:02}s left", left / 60, left % 60);
                self.queue.announce(platform, Outgoing { channel: channel.to_owned(), text, reply_to: None }).await;
            }
            Event::BidRejected(rejected) => {
                let (platform, channel) = split_key(&rejected.channel);
                let reply_to = split_key(&rejected.message_id).1.to_owned();
                let text = match (&rejected.reason, &self.config.join_url) {
                    (Rejection::NotLinked, Some(url)) => format!("bid not taken: {} · join at {url}", rejected.message),
                    _ => format!("bid not taken: {}", rejected.message),
                };
                let line = Outgoing { channel: channel.to_owned(), text, reply_to: Some(reply_to) };
                self.queue.personal(platform, line, self.config.max_personal).await;
            }
            Event::LotOpened(opened) => {
                self.announce_lot(opened.lot_id, names, format!("Lot {} is open! Bid with !bid <amount in ETH>", opened.lot_id)).await
            }
            Event::LotExtended(_) | Event::LotPaused(_) | Event::LotResumed(_) => {
                if let (Some(lot), Some(text)) = (event.lot_id(), clock_announcement(&event)) {
                    self.announce_lot(lot, names, text).await;
                }
            }
            Event::LotClosed(closed) => {
                let text = match (&closed.winner, closed.amount) {
                    (Some(winner), Some(amount)) => {
                        format!(
                            "Sold! Lot {} goes to {} for {} ETH",
                            closed.lot_id,
                            names.display(&self.pool, winner).await,
                            amount.to_eth_string()
                        )
                    }
                    _ => format!("Lot {} closed without a bid", closed.lot_id),
                };
                self.announce_lot(closed.lot_id, names, text).await;
            }
            _ => {}
        }
    }

    async fn announce_lot(&self, lot: LotId, names: &mut Names, text: String) {
        for channel in names.channels(&self.pool, lot).await {
            let (platform, channel) = split_key(&channel);
            self.queue.announce(platform, Outgoing { channel: channel.to_owned(), text: text.clone(), reply_to: None }).await;
        }
    }

    /// Sends queued lines while this instance speaks and the budget allows.
    async fn send_queued(self: Arc<Self>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let budget = Script::new(BUDGET);
        let key = format!("{}:budget:{}", self.namespace, self.config.bot);
        let window_ms = u64::try_from(self.config.budget_window.as_millis()).unwrap_or(u64::MAX);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = self.queue.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            while self.speaking.load(Ordering::SeqCst) && !self.queue.is_empty().await {
                let mut redis = self.redis.clone();
                let now = Utc::now().timestamp_millis();
                let entry = format!("{now}:{}", uuid::Uuid::new_v4().simple());
                let spent: i64 =
                    match budget.key(&key).arg(now).arg(window_ms).arg(self.config.budget).arg(entry).invoke_async(&mut redis).await {
                        Ok(spent) => spent,
                        Err(error) => {
                            tracing::warn!(error = %error, "send budget unavailable");
                            0
                        }
                    };
                if spent == 0 {
                    break;
                }
                let Some((platform, line)) = self.queue.next().await else { break };
                match self.sinks.get(&platform) {
                    Some(sink) => {
                        if sink.send(line).await.is_err() {
                            tracing::warn!(platform, "the chat source is gone; reply dropped");
                        }
                    }
                    None => tracing::debug!(platform, "no way to write to this platform; reply dropped"),
                }
            }
        }
    }
}

/// `platform:rest` split at the first colon.
fn split_key(key: &str) -> (&str, &str) {
    key.split_once(':').unwrap_or(("", key))
}

/// Display names and lot channels, cached for the speaker's lifetime.
#[derive(Default)]
struct Names {
    display: HashMap<BidderId, String>,
    channels: HashMap<LotId, Vec<String>>,
}

impl Names {
    async fn display(&mut self, pool: &PgPool, bidder: &BidderId) -> String {
        if let Some(name) = self.display.get(bidder) {
            return name.clone();
        }
        let name = match gavel_store::bidders::get(pool, bidder).await {
            Ok(Some(found)) => found.display_name,
            _ => bidder.to_string(),
        };
        self.display.insert(bidder.clone(), name.clone());
        name
    }

    async fn channels(&mut self, pool: &PgPool, lot: LotId) -> Vec<String> {
        if let Some(channels) = self.channels.get(&lot) {
            return channels.clone();
        }
        let channels = gavel_store::marathons::channels_of_lot(pool, lot).await.unwrap_or_default();
        self.channels.insert(lot, channels.clone());
        channels
    }
}

/// What chat is told when a lot's clock changes, saying who changed it: a late bid (anti-snipe) or
/// the host (an extension, a pause and its end).
fn clock_announcement(event: &Event) -> Option<String> {
    let at = |time: &chrono::DateTime<Utc>| time.format("%H:%M:%S UTC").to_string();
    Some(match event {
        Event::LotExtended(extended) => match extended.cause {
            ExtensionCause::AntiSnipe => format!("A late bid extends lot {}: it now ends at {}", extended.lot_id, at(&extended.ends_at)),
            ExtensionCause::Admin => format!("The host extended lot {}: it now ends at {}", extended.lot_id, at(&extended.ends_at)),
        },
        Event::LotPaused(paused) => {
            format!("The host paused bidding on lot {}: the clock is stopped and bids are refused until it resumes", paused.lot_id)
        }
        Event::LotResumed(resumed) => format!("Bidding on lot {} is open again: it now ends at {}", resumed.lot_id, at(&resumed.ends_at)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(channel: &str, text: &str) -> Outgoing {
        Outgoing { channel: channel.into(), text: text.into(), reply_to: None }
    }

    #[test]
    fn a_clock_change_is_said_as_what_it_is() {
        use gavel_domain::MarathonId;
        use gavel_domain::events::{LotExtended, LotPaused, LotResumed};
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let extended = |cause| {
            Event::LotExtended(LotExtended {
                lot_id: LotId(3),
                marathon_id: MarathonId(1),
                previous_ends_at: at,
                ends_at: at,
                extensions_used: 1,
                cause,
                reopened: false,
            })
        };
        let said = |event: &Event| clock_announcement(event).unwrap_or_default();
        assert_eq!(said(&extended(ExtensionCause::AntiSnipe)), "A late bid extends lot 3: it now ends at 08:00:00 UTC");
        assert_eq!(said(&extended(ExtensionCause::Admin)), "The host extended lot 3: it now ends at 08:00:00 UTC");
        let paused = Event::LotPaused(LotPaused { lot_id: LotId(3), marathon_id: MarathonId(1), paused_at: at, ends_at: at });
        assert!(said(&paused).starts_with("The host paused bidding on lot 3"));
        let resumed = Event::LotResumed(LotResumed { lot_id: LotId(3), marathon_id: MarathonId(1), previous_ends_at: at, ends_at: at });
        assert_eq!(said(&resumed), "Bidding on lot 3 is open again: it now ends at 08:00:00 UTC");
    }

    #[tokio::test]
    async fn personal_replies_go_first_and_announcements_coalesce() {
        let queue = ReplyQueue::default();
        queue.announce("twitch", line("gavel", "high bid 0.1")).await;
        queue.announce("twitch", line("gavel", "high bid 0.2")).await;
        queue.announce("twitch", line("other", "lot open")).await;
        for n in 0..4 {
            queue.personal("twitch", line("gavel", &format!("reply {n}")), 3).await;
        }
        let mut said = Vec::new();
        while let Some((_, line)) = queue.next().await {
            said.push(line.text);
        }
        // The oldest personal reply was dropped at the bound of 3; only the latest announcement
        // per channel is left.
        assert_eq!(said, ["reply 1", "reply 2", "reply 3", "high bid 0.2", "lot open"]);
    }
}
