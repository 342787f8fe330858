//! `gavel bench sse`: the event gateway's fan-out. It starts a sandboxed gateway (its own
//! database, RabbitMQ namespace and Redis prefix), opens N clients on one lot's public stream,
//! publishes that lot's events to the events exchange at a fixed rate, as the outbox relay does,
//! and measures each delivery from publish to the client reading it. The last line printed is
//! one JSON object.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use gavel_bus::publish::{ConfirmedPublisher, Outgoing};
use gavel_domain::events::{BidAccepted, Event, EventEnvelope};
use gavel_domain::{BidId, BidderId, LotId, Wei};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::Settings;
use crate::sandbox::Sandbox;

#[derive(Debug, Clone, clap::Args)]
pub struct SseArgs {
    /// Concurrent SSE clients on one lot's public stream.
    #[arg(long, default_value_t = 10_000)]
    pub clients: usize,
    /// Events published per second.
    #[arg(long, default_value_t = 10)]
    pub rate: u32,
    /// How long events are published, seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

#[derive(Debug, Serialize)]
pub struct SseReport {
    pub clients: usize,
    pub events: u64,
    pub delivered: u64,
    pub p50_ms: u64,
    pub p99_ms: u64,
    pub lost: u64,
}

const LOT: i64 = 1;
/// Latency histogram: one bucket per millisecond up to a minute.
const BUCKETS: usize = 60_000;

pub async fn sse(settings: &Settings, args: &SseArgs) -> anyhow::Result<SseReport> {
    raise_open_file_limit();
    let sandbox = Sandbox::create(settings).await?;
    let outcome = run(&sandbox, args).await;
    let stopped = sandbox.stop().await;
    let report = outcome?;
    stopped?;
    Ok(report)
}

async fn run(sandbox: &Sandbox, args: &SseArgs) -> anyhow::Result<SseReport> {
    let mut config = gavel_event_gateway::Config::new(sandbox.topology.clone());
    // A second of events at the highest rate fits every client's buffer.
    config.client_buffer = config.client_buffer.max(usize::try_from(args.rate).unwrap_or(usize::MAX) * 2);
    let gateway = sandbox.gateway(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = sandbox.child_token();
    let server =
        tokio::spawn(axum::serve(listener, gateway.router()).with_graceful_shutdown(shutdown.clone().cancelled_owned()).into_future());
    let consumer = tokio::spawn(gateway.clone().run(shutdown.clone()));

    // The clients, connected before anything is published. Publish times are kept per seq in
    // atomics (microseconds since `epoch`), so ten thousand readers never take a lock.
    let events = u64::from(args.rate) * u64::from(args.seconds);
    let epoch = Instant::now();
    let published: Arc<Vec<AtomicU64>> = Arc::new((0..=events).map(|_| AtomicU64::new(0)).collect());
    let histogram: Arc<Vec<AtomicU64>> = Arc::new((0..BUCKETS).map(|_| AtomicU64::new(0)).collect());
    let delivered = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..args.clients {
        let (published, histogram, delivered, connected) = (published.clone(), histogram.clone(), delivered.clone(), connected.clone());
        let stop = shutdown.clone();
        clients.spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                _ = client(address, epoch, published, histogram, delivered, connected) => {}
            }
        });
        // Connecting thousands at once overflows the listen backlog; a short pause spreads them.
        if clients.len() % 500 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // All subscribed, or no progress for 3 s (a client that could not connect stays lost).
    let mut last = (0, Instant::now());
    while gateway.hub.clients() < args.clients && last.1.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if gateway.hub.clients() != last.0 {
            last = (gateway.hub.clients(), Instant::now());
        }
    }
    let subscribed = gateway.hub.clients();
    tracing::info!(subscribed, "SSE clients connected");

    let publisher = ConfirmedPublisher::open(sandbox.connection.as_ref()).await?;
    let exchange = sandbox.topology.events_exchange();
    let interval = Duration::from_secs(1) / args.rate.max(1);
    let start = Instant::now();
    for seq in 1..=events {
        let seq = i64::try_from(seq).context("too many events")?;
        let envelope = EventEnvelope { id: uuid::Uuid::new_v4(), seq, occurred_at: Utc::now(), event: Event::BidAccepted(accepted(seq)) };
        let payload = serde_json::to_vec(&envelope)?;
        let message_id = envelope.id.to_string();
        let slot = usize::try_from(seq).unwrap_or(usize::MAX);
        published[slot].store(micros_since(epoch), Ordering::SeqCst);
        let outgoing = Outgoing { routing_key: "bid.accepted", payload: &payload, message_id: &message_id };
        publisher.publish_all(&exchange, std::slice::from_ref(&outgoing)).await?;
        let next = start + interval * u32::try_from(seq).unwrap_or(u32::MAX);
        tokio::time::sleep_until(next.into()).await;
    }
    // Drained: every delivery made, or a few seconds without progress.
    let expected = events * u64::try_from(subscribed).unwrap_or(u64::MAX);
    let mut last = (delivered.load(Ordering::SeqCst), Instant::now());
    while delivered.load(Ordering::SeqCst) < expected && last.1.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = delivered.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        }
    }
    shutdown.cancel();
    clients.shutdown().await;
    let _ = server.await;
    let _ = consumer.await;

    let delivered = delivered.load(Ordering::SeqCst);
    let counts: Vec<u64> = histogram.iter().map(|bucket| bucket.load(Ordering::Relaxed)).collect();
    Ok(SseReport {
        clients: subscribed,
        events,
        delivered,
        p50_ms: percentile(&counts, 0.50),
        p99_ms: percentile(&counts, 0.99),
        lost: (events * u64::try_from(args.clients).unwrap_or(u64::MAX)).saturating_sub(delivered),
    })
}

/// One client: a raw HTTP/1.1 request, then `id:` lines read off the stream; each is a
/// delivery, timed against when its event was published.
async fn client(
    address: SocketAddr,
    epoch: Instant,
    published: Arc<Vec<AtomicU64>>,
    histogram: Arc<Vec<AtomicU64>>,
    delivered: Arc<AtomicU64>,
    connected: Arc<AtomicUsize>,
) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect(address).await?;
    let request = format!("GET /api/public/lots/{LOT}/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    connected.fetch_add(1, Ordering::Relaxed);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut pending = Vec::new();
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(());
        }
        let now = micros_since(epoch);
        pending.extend_from_slice(&buffer[..read]);
        let mut consumed = 0;
        while let Some(end) = pending[consumed..].iter().position(|b| *b == b'\n') {
            let line = &pending[consumed..consumed + end];
            consumed += end + 1;
            let Some(id) = line.strip_prefix(b"id: ").or_else(|| line.strip_prefix(b"id:")) else { continue };
            let Some(seq) = std::str::from_utf8(id).ok().and_then(|text| text.trim().parse::<usize>().ok()) else { continue };
            let sent = published.get(seq).map_or(0, |slot| slot.load(Ordering::SeqCst));
            if sent > 0 {
                let ms = usize::try_from(now.saturating_sub(sent) / 1000).unwrap_or(usize::MAX).min(BUCKETS - 1);
                histogram[ms].fetch_add(1, Ordering::Relaxed);
            }
            delivered.fetch_add(1, Ordering::Relaxed);
        }
        pending.drain(..consumed);
    }
}

fn micros_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn accepted(seq: i64) -> BidAccepted {
    let bidder = BidderId::parse("bench:1").unwrap_or_else(|_| unreachable!("a valid bidder id"));
    BidAccepted {
        message_id: format!("bench:{seq}"),
        channel: "bench:gavel".into(),
        lot_id: LotId(LOT),
        bid_id: BidId(seq),
        bidder: bidder.clone(),
        max_bid: false,
        amount: Some(Wei::from(1000u128)),
        high_bidder: bidder,
        high_amount: Wei::from(1000u128),
        outbid: None,
        ends_at: Utc::now(),
        received_at: Utc::now(),
    }
}

fn percentile(counts: &[u64], quantile: f64) -> u64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0;
    }
    // The rank is a count of deliveries, not money: a float is fine here.
    let rank = ((total as f64) * quantile).ceil() as u64;
    let mut seen = 0;
    for (ms, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank.max(1) {
            return u64::try_from(ms).unwrap_or(u64::MAX);
        }
    }
    u64::try_from(counts.len()).unwrap_or(u64::MAX)
}

/// Each client costs two descriptors here (its socket and the gateway's end), more than the
/// usual limits: raised to `WANTED` (root may raise the hard limit too), else to the hard limit.
fn raise_open_file_limit() {
    const WANTED: libc::rlim_t = 65_536;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write the struct passed; no other memory is touched.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let wanted = libc::rlimit { rlim_cur: WANTED.max(limit.rlim_cur), rlim_max: WANTED.max(limit.rlim_max) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                tracing::warn!("could not raise the open-file limit");
            }
        }
    }
}
