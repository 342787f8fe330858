//! The chat-ingest service: chat in, bid commands out, replies back.
//!
//! - [`source`]: the trait every chat source implements; [`sources`]: Twitch IRC, a signed
//!   webhook, a simulator.
//! - [`command`]: chat text parsed into a typed command (or ignored).
//! - [`rate_limit`]: the per-user limit, in Redis, counted once per message across instances.
//! - [`publisher`]: received bids stamped, published with confirms, followed by watermarks.
//! - [`replies`]: what Gavel says in chat, by one speaker, within the platform's limits.
//! - [`telemetry`]: the metrics it records.
//!
//! Two instances may watch the same channels for redundancy: chat platforms do not redeliver,
//! so one instance's crash would otherwise lose what was typed meanwhile. Both publish every
//! bid; the engine decides each message id once.

pub mod command;
pub mod publisher;
pub mod rate_limit;
pub mod replies;
pub mod source;
pub mod sources;
pub mod telemetry;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use command::{ChatCommand, CommandError};
use gavel_bus::lapin::Connection;
use gavel_bus::messages::BidCommand;
use gavel_bus::topology::Topology;
use gavel_domain::link;
use gavel_store::bidders::Bidder;
use gavel_store::{PgPool, bidders};
use publisher::{BidQueue, Publisher};
use rate_limit::{RateLimiter, Verdict};
use redis::aio::ConnectionManager;
use replies::{Replies, ReplyConfig, ReplyQueue};
use source::{ChatMessage, ChatSource, Outgoing, SourceContext};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct Config {
    /// This instance's name, unique among ingest instances (the engine tracks each one's watermark).
    pub instance: String,
    pub topology: Topology,
    /// How often an idle instance publishes a watermark.
    pub heartbeat: Duration,
    pub rate_limit: u32,
    pub rate_window: Duration,
    pub replies: ReplyConfig,
}

const HELP: &str = "!bid 0.05 bids 0.05 ETH · !bid max 0.5 bids automatically up to 0.5 · !status shows the lot · !balance shows your bidding power · !link <secret> links the wallet you deposited from";

/// Most chat messages handled in one pass (one Redis round trip).
const BURST: usize = 512;

pub struct ChatIngest {
    pub config: Config,
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub connection: Arc<Connection>,
}

impl ChatIngest {
    /// Runs the sources, the handler, the publisher and the replies until shutdown or until one
    /// of them fails (then all stop and the failure is returned).
    pub async fn run(self, sources: Vec<Box<dyn ChatSource>>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let channel = self.connection.create_channel().await.context("RabbitMQ channel")?;
        self.config.topology.declare(&channel).await.context("declaring the RabbitMQ topology")?;
        let (messages_tx, messages_rx) = mpsc::channel(10_000);
        let mut parts = JoinSet::new();
        let mut sinks = HashMap::new();
        for source in sources {
            let (outgoing_tx, outgoing_rx) = mpsc::channel(100);
            sinks.insert(source.platform().to_owned(), outgoing_tx);
            let context = SourceContext { messages: messages_tx.clone(), outgoing: outgoing_rx, shutdown: shutdown.clone() };
            parts.spawn(source.run(context));
        }
        drop(messages_tx);
        let queue = Arc::new(BidQueue::default());
        let replies_queue = Arc::new(ReplyQueue::default());
        let speaking = Arc::new(AtomicBool::new(false));
        let namespace = self.config.topology.namespace().to_owned();
        let limiter = RateLimiter::new(self.redis.clone(), &namespace, self.config.rate_limit, self.config.rate_window);
        let publisher = Publisher {
            queue: queue.clone(),
            connection: self.connection.clone(),
            topology: self.config.topology.clone(),
            instance: self.config.instance.clone(),
            heartbeat: self.config.heartbeat,
        };
        // The publisher drains what the handler queued before it stops, so it stops last.
        let publisher_stop = CancellationToken::new();
        let publisher_task = tokio::spawn(publisher.run(publisher_stop.clone()));
        let replies = Replies {
            config: self.config.replies.clone(),
            instance: self.config.instance.clone(),
            namespace,
            redis: self.redis.clone(),
            pool: self.pool.clone(),
            connection: self.connection.clone(),
            topology: self.config.topology.clone(),
            sinks,
            queue: replies_queue.clone(),
            speaking: speaking.clone(),
        };
        parts.spawn(replies.run(shutdown.clone()));
        let live = gavel_live::LiveCache::new(self.redis.clone(), self.pool.clone(), self.config.topology.namespace());
        let handler =
            Handler { config: self.config.clone(), pool: self.pool.clone(), live, limiter, queue, replies: replies_queue, speaking };
        parts.spawn(handler.run(messages_rx, shutdown.clone()));
        tracing::info!(instance = %self.config.instance, "chat-ingest started");

        let mut failure = None;
        while let Some(finished) = parts.join_next().await {
            let outcome = finished.map_err(|panic| anyhow::anyhow!("a task panicked: {panic}")).and_then(|outcome| outcome);
            if let Err(error) = outcome {
                tracing::error!(error = format!("{error:#}"), "stopping chat-ingest");
                failure.get_or_insert(error);
            }
            shutdown.cancel();
        }
        publisher_stop.cancel();
        publisher_task.await.context("the bid publisher panicked")?.context("bid publisher")?;
        failure.map_or(Ok(()), Err)
    }
}

struct Handler {
    config: Config,
    pool: PgPool,
    live: gavel_live::LiveCache,
    limiter: RateLimiter,
    queue: Arc<BidQueue>,
    replies: Arc<ReplyQueue>,
    speaking: Arc<AtomicBool>,
}

impl Handler {
    async fn run(self, mut messages: mpsc::Receiver<ChatMessage>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut burst = Vec::with_capacity(BURST);
        loop {
            let received = tokio::select! {
                () = shutdown.cancelled() => 0,
                received = messages.recv_many(&mut burst, BURST) => received,
            };
            if received == 0 {
                // Shut down, or every source has stopped (or none is configured): nothing more
                // will arrive, but the instance stays up (replies, watermarks) until shutdown.
                shutdown.cancelled().await;
                return Ok(());
            }
            self.handle(std::mem::take(&mut burst)).await;
        }
    }

    async fn handle(&self, burst: Vec<ChatMessage>) {
        count_heard(&burst);
        let commands: Vec<(ChatMessage, Result<ChatCommand, CommandError>)> =
            burst.into_iter().filter_map(|message| ChatCommand::parse(&message.text).map(|command| (message, command))).collect();
        // Received now: stamped before anything below is awaited, in the order they arrived.
        let stamps: Vec<Option<chrono::DateTime<Utc>>> =
            commands.iter().map(|(_, command)| matches!(command, Ok(ChatCommand::Bid(_))).then(|| self.queue.reserve())).collect();
        let keys: Vec<(String, String)> = commands.iter().map(|(m, _)| (format!("{}:{}", m.platform, m.user_id), m.key())).collect();
        let pairs: Vec<(&str, &str)> = keys.iter().map(|(user, message)| (user.as_str(), message.as_str())).collect();
        let verdicts = match self.limiter.check(&pairs).await {
            Ok(verdicts) => verdicts,
            Err(error) => {
                // Redis down must not lose bids: without it, nobody is limited.
                tracing::warn!(error = %error, "rate limit unavailable; letting commands through");
                vec![Verdict::Allowed; commands.len()]
            }
        };
        for (((message, command), verdict), stamp) in commands.into_iter().zip(verdicts).zip(stamps) {
            // Every reserved stamp is settled here, in order: queued with its bid, or released.
            let bid_stamp = match (&verdict, &command, stamp) {
                (Verdict::Allowed, Ok(ChatCommand::Bid(_)), Some(stamp)) => Some(stamp),
                (_, _, Some(stamp)) => {
                    self.queue.release(stamp);
                    None
                }
                _ => None,
            };
            match (verdict, command) {
                (Verdict::Limited, _) => {}
                (Verdict::JustLimited, _) => {
                    let text = format!("slow down: at most {} commands per {} s", self.limiter.limit, self.limiter.window.as_secs());
                    self.reply(&message, text).await;
                }
                (Verdict::Allowed, Ok(ChatCommand::Bid(kind))) => {
                    let queued = bid_stamp.is_some_and(|stamp| self.queue_bid(&message, kind, stamp));
                    if !queued {
                        self.reply(&message, "bid not taken: Gavel cannot use your user id".into()).await;
                    }
                }
                (Verdict::Allowed, Ok(ChatCommand::Help)) => self.reply(&message, HELP.to_owned()).await,
                (Verdict::Allowed, Ok(ChatCommand::Status)) => {
                    let text = self.status(&message).await;
                    self.reply(&message, text).await;
                }
                (Verdict::Allowed, Ok(ChatCommand::Balance)) => {
                    let text = self.balance(&message).await;
                    self.reply(&message, text).await;
                }
                (Verdict::Allowed, Ok(ChatCommand::Link(secret))) => {
                    let text = self.link(&message, &secret).await;
                    self.reply(&message, text).await;
                }
                (Verdict::Allowed, Err(reason)) => self.reply(&message, reason.reply()).await,
            }
        }
    }

    /// Queues a bid received at `received_at` (a reserved stamp, settled here either way); false
    /// when the platform's user id cannot name a bidder.
    fn queue_bid(&self, message: &ChatMessage, kind: gavel_domain::bidding::BidKind, received_at: chrono::DateTime<Utc>) -> bool {
        let Ok(bidder) = message.bidder() else {
            tracing::warn!(platform = %message.platform, "a user id Gavel cannot use; bid refused");
            self.queue.release(received_at);
            return false;
        };
        let command = BidCommand {
            message_id: message.key(),
            instance: self.config.instance.clone(),
            channel: message.channel_key(),
            bidder,
            login: printable(&message.login),
            display_name: printable(&message.display_name),
            kind,
            received_at,
            platform_sent_at: message.sent_at,
        };
        self.queue.fulfil(received_at, command);
        true
    }

    /// Only the speaking instance answers, so redundant instances do not answer twice.
    async fn reply(&self, message: &ChatMessage, text: String) {
        if self.config.replies.enabled && self.speaking.load(Ordering::SeqCst) {
            let line = Outgoing { channel: message.channel.clone(), text, reply_to: Some(message.message_id.clone()) };
            self.replies.personal(&message.platform, line, self.config.replies.max_personal).await;
        }
    }

    /// `!status`, from the live cache (Redis; rebuilt from PostgreSQL on a miss).
    async fn status(&self, message: &ChatMessage) -> String {
        let lot = match self.live.lot_for_channel(&message.channel_key()).await {
            Ok(Some(lot)) => self.live.lot(lot).await,
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        let lot = match lot {
            Ok(Some(lot)) => lot,
            Ok(None) => return "no lot is open right now".into(),
            Err(error) => {
                tracing::warn!(error = %error, "could not answer !status");
                return "Gavel can't answer that right now, try again in a moment".into();
            }
        };
        let high = match &lot.high {
            Some(high) => format!("high bid {} ETH by {}", high.amount_eth, high.name),
            None => "no bid yet".into(),
        };
        let left = (lot.ends_at - Utc::now()).num_seconds();
        match lot.state {
            gavel_domain::lot::LotState::Active if left > 0 => format!("lot {}: {high} · {}m {:02}s left", lot.id, left / 60, left % 60),
            state => format!("lot {} is {}: {high}", lot.id, state.as_str().to_lowercase()),
        }
    }

    async fn balance(&self, message: &ChatMessage) -> String {
        let Ok(bidder) = message.bidder() else {
            return "Gavel cannot read your user id".into();
        };
        match bidders::power(&self.pool, &bidder).await {
            Ok(Some(power)) => format!("your bidding power is {} ETH", power.to_eth_string()),
            Ok(None) => "link your wallet first: deposit on the auction house, then type !link <secret>".into(),
            Err(error) => unavailable(error),
        }
    }

    /// `!link <secret>`: binds the identity that typed it to the wallet whose own deposit carries
    /// the commitment of (its handle, the secret, that wallet). Idempotent, so redundant instances
    /// handling the same message agree; the reply is read back from what is stored.
    async fn link(&self, message: &ChatMessage, secret: &str) -> String {
        let Ok(bidder) = message.bidder() else {
            return "Gavel cannot read your user id".into();
        };
        let handle = link::handle(&message.platform, &message.login);
        let candidates = match bidders::link_candidates(&self.pool, &bidder).await {
            Ok(candidates) => candidates,
            Err(error) => return unavailable(error),
        };
        let Some(wallet) = link::resolve_link(&handle, secret, &candidates) else {
            return format!(
                "not linked: no deposit for {handle} with that secret from a wallet of its own yet (a deposit counts once its block is final: try again in a minute)"
            );
        };
        let wallet = format!("{wallet:#x}");
        let (login, display_name) = (printable(&message.login), printable(&message.display_name));
        if let Err(error) = bidders::upsert_many(&self.pool, &[bidder.as_str()], &[login.as_str()], &[display_name.as_str()]).await {
            return unavailable(error);
        }
        if let Err(error) = bidders::bind_wallet(&self.pool, &bidder, &wallet).await {
            return unavailable(error);
        }
        match bidders::get(&self.pool, &bidder).await {
            Ok(Some(stored)) if stored.wallet.as_deref() == Some(wallet.as_str()) => match bidders::power(&self.pool, &bidder).await {
                Ok(power) => {
                    tracing::info!(bidder = %bidder, wallet = %wallet, "identity linked");
                    format!("linked to {}: your bidding power is {} ETH", short(&wallet), power.unwrap_or_default().to_eth_string())
                }
                Err(error) => unavailable(error),
            },
            Ok(Some(Bidder { wallet: Some(other), .. })) => {
                format!("not linked: you are already linked to {} (one wallet per viewer)", short(&other))
            }
            Ok(_) => "not linked: that wallet is already linked to another viewer".into(),
            Err(error) => unavailable(error),
        }
    }
}

/// Counts a burst's messages per platform, one counter update per platform rather than per message.
fn count_heard(burst: &[ChatMessage]) {
    let mut per_platform: HashMap<&str, u64> = HashMap::new();
    for message in burst {
        *per_platform.entry(message.platform.as_str()).or_default() += 1;
    }
    for (platform, count) in per_platform {
        metrics::counter!(telemetry::CHAT_MESSAGES, "source" => platform.to_owned()).increment(count);
    }
}

/// `0x1234…abcd`: enough of an address to recognise it in chat.
fn short(address: &str) -> String {
    match (address.get(..6), address.get(address.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if address.len() > 12 => format!("{head}…{tail}"),
        _ => address.to_owned(),
    }
}

/// A name without control characters (a NUL cannot even be stored), at most 100 characters.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

fn unavailable(error: sqlx::Error) -> String {
    tracing::warn!(error = %error, "could not answer a chat command");
    "Gavel can't answer that right now, try again in a moment".into()
}
