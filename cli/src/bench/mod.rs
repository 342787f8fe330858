//! `gavel bench pipeline`: measures the whole bidding pipeline on this machine, with nothing but
//! the local PostgreSQL, Redis and RabbitMQ, and leaves nothing behind.
//!
//! It starts a sandboxed Gavel (its own database and namespace) whose chat-ingest reads a local
//! Twitch-protocol server, which the benchmark drives as N viewers bidding. A bid's latency runs
//! from the chat message being sent to its `bid.accepted`/`bid.rejected` event being seen on the
//! events exchange. Two phases: a fixed offered rate (latency), then an open throttle (the most
//! decided bids per second). In the same run it measures the broker alone (publish with confirms,
//! consume with manual ack, 100-byte persistent messages, the bids queue's type): the ratio of
//! the two says how much of the broker's capacity the pipeline turns into decisions. The last
//! line printed is one JSON object; the exit status is non-zero if any bid was lost or doubled.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use futures_util::StreamExt;
use gavel_auction_manager::engine::EngineConfig;
use gavel_bus::lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use gavel_bus::lapin::types::FieldTable;
use gavel_bus::lapin::{BasicProperties, Connection};
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::events::{Event, EventEnvelope};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::config::Settings;
use crate::sandbox::Sandbox;

pub mod sse;

#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    /// Offered rate of the latency phase, bids per second.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u32,
    /// How long the latency phase lasts, seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// Bids sent as fast as possible in the throughput phase.
    #[arg(long, default_value_t = 40_000)]
    pub burst: u32,
    /// Simulated viewers, each with a funded, linked wallet.
    #[arg(long, default_value_t = 500)]
    pub viewers: u32,
    /// Messages of the broker-only baseline.
    #[arg(long, default_value_t = 100_000)]
    pub broker_messages: u32,
}

#[derive(Debug, Serialize)]
pub struct PipelineReport {
    pub rate: u32,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub bids_per_sec: f64,
    pub broker_msgs_per_sec: f64,
    pub ratio: f64,
    pub sent: u64,
    pub decided: u64,
    pub lost: u64,
    pub duplicates: u64,
}

const CHANNEL: &str = "bench";

/// What the event listener saw: when each message id was decided, and how often.
#[derive(Default)]
struct Seen {
    decided_at: HashMap<String, Instant>,
    duplicates: u64,
}

pub async fn pipeline(settings: &Settings, args: &PipelineArgs) -> anyhow::Result<PipelineReport> {
    let mut sandbox = Sandbox::create(settings).await?;
    let outcome = run_pipeline(&mut sandbox, settings, args).await;
    let stopped = sandbox.stop().await;
    let report = outcome?;
    stopped?;
    Ok(report)
}

async fn run_pipeline(sandbox: &mut Sandbox, settings: &Settings, args: &PipelineArgs) -> anyhow::Result<PipelineReport> {
    let twitch = LocalTwitchServer::start().await?;
    let start = Utc::now() + chrono::Duration::seconds(2);
    sandbox.seed_lot(&format!("twitch:{CHANNEL}"), start, start + chrono::Duration::hours(2), (0, 0)).await?;
    let seeded = sandbox.seed_viewers("twitch", args.viewers, gavel_domain::Wei::from(10u128.pow(24))).await?;
    let viewers: Vec<Viewer> = seeded.iter().map(|v| Viewer::new(&v.user_id, &v.login, &v.login)).collect();
    sandbox.start_auction_manager(EngineConfig::default()).await?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = listen(&sandbox.connection, &sandbox.topology.events_exchange(), seen.clone()).await?;
    let source = crate::twitch::local_source(twitch.addr(), CHANNEL);
    sandbox.start_chat_ingest(sandbox.ingest_config("bench-ingest"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.context("chat-ingest never joined the chat")?;
    tokio::time::sleep((start - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200)).await;

    let mut amount: u128 = 1_000_000_000;
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let mut next = |viewer: usize| {
        amount += 1;
        (viewer % viewers.len(), format!("!bid 0.{amount:018}"))
    };

    // Phase 1: a fixed offered rate, for latency.
    eprintln!("bench: {} bids/s for {} s", args.rate, args.seconds);
    let phase_one = u64::from(args.rate) * u64::from(args.seconds);
    let began = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut count: u64 = 0;
    while count < phase_one {
        tick.tick().await;
        let due = (began.elapsed().as_secs_f64() * f64::from(args.rate)) as u64;
        while count < due.min(phase_one) {
            let (viewer, text) = next(count as usize);
            let id = twitch.say(CHANNEL, &viewers[viewer], &text).await;
            sent.insert(format!("twitch:{id}"), Instant::now());
            count += 1;
        }
    }
    wait_for(&seen, sent.len(), Duration::from_secs(60)).await;
    let mut latencies: Vec<f64> = {
        let seen = seen.lock().await;
        sent.iter().filter_map(|(id, at)| seen.decided_at.get(id).map(|done| done.duration_since(*at).as_secs_f64() * 1_000.0)).collect()
    };
    latencies.sort_by(f64::total_cmp);

    // Phase 2: an open throttle, for throughput.
    eprintln!("bench: {} bids as fast as they go", args.burst);
    let burst_began = Instant::now();
    let mut burst_ids = Vec::with_capacity(args.burst as usize);
    for n in 0..args.burst {
        let (viewer, text) = next(n as usize);
        let id = twitch.say(CHANNEL, &viewers[viewer], &text).await;
        let key = format!("twitch:{id}");
        sent.insert(key.clone(), Instant::now());
        burst_ids.push(key);
    }
    wait_for(&seen, sent.len(), Duration::from_secs(120)).await;
    let bids_per_sec = {
        let seen = seen.lock().await;
        let last = burst_ids.iter().filter_map(|id| seen.decided_at.get(id)).max().copied();
        last.map_or(0.0, |last| f64::from(args.burst) / last.duration_since(burst_began).as_secs_f64())
    };
    listener.abort();

    eprintln!("bench: the broker alone, {} messages", args.broker_messages);
    let broker_msgs_per_sec = broker_baseline(settings, sandbox, args.broker_messages).await?;
    let seen = seen.lock().await;
    let decided = sent.keys().filter(|id| seen.decided_at.contains_key(*id)).count() as u64;
    let percentile = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Ok(PipelineReport {
        rate: args.rate,
        p50_ms: round(percentile(0.50)),
        p99_ms: round(percentile(0.99)),
        bids_per_sec: round(bids_per_sec),
        broker_msgs_per_sec: round(broker_msgs_per_sec),
        ratio: (bids_per_sec / broker_msgs_per_sec * 1_000.0).round() / 1_000.0,
        sent: sent.len() as u64,
        decided,
        lost: sent.len() as u64 - decided,
        duplicates: seen.duplicates,
    })
}

/// Records every bid decision event, by message id, as it arrives.
async fn listen(connection: &Connection, exchange: &str, seen: Arc<Mutex<Seen>>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let channel = connection.create_channel().await?;
    let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), options, FieldTable::default()).await?;
    for key in ["bid.accepted", "bid.rejected"] {
        channel.queue_bind(queue.name().clone(), exchange.into(), key.into(), QueueBindOptions::default(), FieldTable::default()).await?;
    }
    let consume = BasicConsumeOptions { no_ack: true, ..Default::default() };
    let mut consumer = channel.basic_consume(queue.name().clone(), "bench".into(), consume, FieldTable::default()).await?;
    Ok(tokio::spawn(async move {
        let _channel = channel;
        let mut event_ids = std::collections::HashSet::new();
        while let Some(Ok(delivery)) = consumer.next().await {
            let Ok(envelope) = serde_json::from_slice::<EventEnvelope>(&delivery.data) else { continue };
            let message_id = match envelope.event {
                Event::BidAccepted(event) => event.message_id,
                Event::BidRejected(event) => event.message_id,
                _ => continue,
            };
            if !event_ids.insert(envelope.id) {
                continue;
            }
            let mut seen = seen.lock().await;
            if seen.decided_at.insert(message_id, Instant::now()).is_some() {
                seen.duplicates += 1;
            }
        }
    }))
}

async fn wait_for(seen: &Mutex<Seen>, expected: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    while seen.lock().await.decided_at.len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The broker alone: publish with confirms and consume with manual ack, concurrently, on a
/// quorum queue (the bids queue's type), 100-byte persistent messages.
async fn broker_baseline(settings: &Settings, sandbox: &Sandbox, messages: u32) -> anyhow::Result<f64> {
    use secrecy::ExposeSecret;
    let connection = gavel_bus::connect(settings.rabbitmq.url.expose_secret(), "gavel bench baseline").await?;
    let queue = format!("{}.baseline", sandbox.topology.namespace());
    let publisher = connection.create_channel().await?;
    publisher
        .queue_declare(queue.as_str().into(), QueueDeclareOptions { durable: true, ..Default::default() }, sandbox.topology.quorum(&[]))
        .await?;
    publisher.confirm_select(ConfirmSelectOptions::default()).await?;
    let consumer_channel = connection.create_channel().await?;
    consumer_channel.basic_qos(1_000, BasicQosOptions::default()).await?;
    let mut consumer = consumer_channel
        .basic_consume(queue.as_str().into(), "baseline".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    let began = Instant::now();
    let consuming = tokio::spawn(async move {
        let mut received = 0u32;
        while received < messages {
            match consumer.next().await {
                Some(Ok(delivery)) => {
                    if delivery.ack(BasicAckOptions::default()).await.is_err() {
                        break;
                    }
                    received += 1;
                }
                _ => break,
            }
        }
        (received, Instant::now())
    });
    let payload = [b'x'; 100];
    let mut pending = Vec::with_capacity(1_000);
    for _ in 0..messages {
        let properties = BasicProperties::default().with_delivery_mode(2);
        pending
            .push(publisher.basic_publish("".into(), queue.as_str().into(), BasicPublishOptions::default(), &payload, properties).await?);
        if pending.len() == 1_000 {
            futures_util::future::try_join_all(pending.drain(..)).await?;
        }
    }
    futures_util::future::try_join_all(pending.drain(..)).await?;
    let (received, finished) =
        tokio::time::timeout(Duration::from_secs(120), consuming).await.context("the baseline consumer stalled")??;
    // Cancel the consumer before the queue goes, or the broker cancels it under our feet.
    consumer_channel.basic_cancel("baseline".into(), BasicCancelOptions::default()).await?;
    publisher.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await?;
    anyhow::ensure!(received == messages, "the baseline consumer got {received} of {messages}");
    Ok(f64::from(messages) / finished.duration_since(began).as_secs_f64())
}
