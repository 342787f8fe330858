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
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
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

    // The clients live in a child process (`gavel bench sse-clients`): each client costs a
    // descriptor on both ends, and one process would need twice the usual hard limit.
    let events = u64::from(args.rate) * u64::from(args.seconds);
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "sse-clients", "--address", &address.to_string(), "--clients", &args.clients.to_string()])
        .args(["--events", &events.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the clients (gavel bench sse-clients)")?;
    let stdin = child.stdin.take().context("the clients' stdin")?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("the clients' stdout")?).lines();
    let connected = match lines.next_line().await?.as_deref().and_then(|line| line.strip_prefix("CONNECTED ")) {
        Some(count) => count.trim().parse::<usize>().context("the clients' count")?,
        None => anyhow::bail!("the clients process stopped before connecting"),
    };
    // Subscribed: the gateway sees them.
    let mut last = (0, Instant::now());
    while gateway.hub.clients() < connected && last.1.elapsed() < Duration::from_secs(3) {
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
        // `occurred_at` is the publish time: the clients time each delivery against it.
        let envelope = accepted(LOT, seq);
        let payload = serde_json::to_vec(&envelope)?;
        let message_id = envelope.id.to_string();
        let outgoing = Outgoing { routing_key: "bid.accepted", payload: &payload, message_id: &message_id };
        publisher.publish_all(&exchange, std::slice::from_ref(&outgoing)).await?;
        let next = start + interval * u32::try_from(seq).unwrap_or(u32::MAX);
        tokio::time::sleep_until(next.into()).await;
    }
    // The clients stop once every delivery is made or none comes for 5 s, and report.
    drop(stdin);
    let report = tokio::time::timeout(Duration::from_secs(120), lines.next_line()).await.context("the clients did not report")??;
    let clients_report: ClientsReport = serde_json::from_str(report.as_deref().unwrap_or_default()).context("the clients' report")?;
    let _ = child.wait().await;
    shutdown.cancel();
    let _ = server.await;
    let _ = consumer.await;

    let mut counts = vec![0u64; BUCKETS];
    for (ms, count) in clients_report.histogram {
        counts[ms.min(BUCKETS - 1)] += count;
    }
    let delivered = clients_report.delivered;
    Ok(SseReport {
        clients: subscribed.min(clients_report.connected),
        events,
        delivered,
        p50_ms: percentile(&counts, 0.50),
        p99_ms: percentile(&counts, 0.99),
        lost: (events * u64::try_from(args.clients).unwrap_or(u64::MAX)).saturating_sub(delivered),
    })
}

/// What the clients process reports on its last line.
#[derive(Debug, Serialize, serde::Deserialize)]
struct ClientsReport {
    connected: usize,
    delivered: u64,
    /// (milliseconds, deliveries), the buckets that are not empty.
    histogram: Vec<(usize, u64)>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SseClientsArgs {
    #[arg(long)]
    pub address: SocketAddr,
    #[arg(long)]
    pub clients: usize,
    /// Deliveries each client expects.
    #[arg(long)]
    pub events: u64,
}

/// `gavel bench sse-clients`, started by `gavel bench sse`: connects the clients, prints
/// `CONNECTED <n>`, reads until every delivery is made (or none comes for 5 s) once standard
/// input closes, then prints its [`ClientsReport`] as one JSON line.
pub async fn clients(args: &SseClientsArgs) -> anyhow::Result<()> {
    raise_open_file_limit();
    let histogram: Arc<Vec<AtomicU64>> = Arc::new((0..BUCKETS).map(|_| AtomicU64::new(0)).collect());
    let delivered = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    let stop = tokio_util::sync::CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.clients {
        let (histogram, delivered, connected, stop) = (histogram.clone(), delivered.clone(), connected.clone(), stop.clone());
        let address = args.address;
        tasks.spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                _ = client(address, histogram, delivered, connected) => {}
            }
        });
        // Connecting thousands at once overflows the listen backlog; a short pause spreads them.
        if n % 500 == 499 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut last = (0, Instant::now());
    while connected.load(Ordering::SeqCst) < args.clients && last.1.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = connected.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        }
    }
    let count = connected.load(Ordering::SeqCst);
    println!("CONNECTED {count}");
    // Standard input closes when the publisher is done.
    let _ = tokio::task::spawn_blocking(|| std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())).await;
    let expected = args.events * u64::try_from(count).unwrap_or(u64::MAX);
    let mut last = (delivered.load(Ordering::SeqCst), Instant::now());
    while delivered.load(Ordering::SeqCst) < expected && last.1.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = delivered.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        }
    }
    stop.cancel();
    tasks.shutdown().await;
    let histogram = histogram.iter().enumerate().map(|(ms, c)| (ms, c.load(Ordering::Relaxed))).filter(|(_, c)| *c > 0).collect();
    let report = ClientsReport { connected: count, delivered: delivered.load(Ordering::SeqCst), histogram };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// One client: a raw HTTP/1.1 request, then the stream read line by line; each `data:` line is a
/// delivery, timed from its event's `occurred_at` (the publish time; one machine, one clock).
async fn client(
    address: SocketAddr,
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
    const MARK: &[u8] = b"\"occurred_at\":\"";
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Ok(());
        }
        let now = Utc::now();
        pending.extend_from_slice(&buffer[..read]);
        let mut consumed = 0;
        while let Some(end) = pending[consumed..].iter().position(|b| *b == b'\n') {
            let line = &pending[consumed..consumed + end];
            consumed += end + 1;
            if !line.starts_with(b"data:") {
                continue;
            }
            // The stamp alone is read, not the whole JSON: ten thousand clients parse a lot.
            let stamp = line.windows(MARK.len()).position(|w| w == MARK).and_then(|at| {
                let rest = &line[at + MARK.len()..];
                let close = rest.iter().position(|b| *b == b'"')?;
                let text = std::str::from_utf8(&rest[..close]).ok()?;
                chrono::DateTime::parse_from_rfc3339(text).ok()
            });
            if let Some(sent) = stamp {
                let ms = usize::try_from((now - sent.with_timezone(&Utc)).num_milliseconds().max(0)).unwrap_or(usize::MAX).min(BUCKETS - 1);
                histogram[ms].fetch_add(1, Ordering::Relaxed);
            }
            delivered.fetch_add(1, Ordering::Relaxed);
        }
        pending.drain(..consumed);
    }
}

/// A made-up accepted bid on `lot`, numbered `seq` and stamped now: load for the gateway (the SSE
/// tests use it too).
pub fn accepted(lot: i64, seq: i64) -> EventEnvelope {
    let bidder = BidderId::parse("bench:1").unwrap_or_else(|_| unreachable!("a valid bidder id"));
    let bid = BidAccepted {
        message_id: format!("bench:{seq}"),
        channel: "bench:gavel".into(),
        lot_id: LotId(lot),
        bid_id: BidId(seq),
        bidder: bidder.clone(),
        max_bid: false,
        amount: Some(Wei::from(1000u128)),
        high_bidder: bidder,
        high_amount: Wei::from(1000u128),
        outbid: None,
        ends_at: Utc::now(),
        received_at: Utc::now(),
    };
    EventEnvelope { id: uuid::Uuid::new_v4(), seq, occurred_at: Utc::now(), event: Event::BidAccepted(bid) }
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
