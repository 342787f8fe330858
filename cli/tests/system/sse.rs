//! The event gateway's Server-Sent Events: replay on reconnect (from Redis, and from PostgreSQL
//! after Redis is flushed), a slow client dropped with `resync` while others lose nothing, the live
//! state rebuilt after Redis is flushed, and the clients gauge following clients as they come and go.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use gavel::sandbox::Sandbox;
use gavel_auction_manager::engine::EngineConfig;
use gavel_auction_manager::users::{Role, create_user};
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::Wei;
use gavel_domain::events::EventEnvelope;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{eventually, settings};

/// One SSE message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    id: Option<i64>,
    event: String,
    data: String,
}

/// A streaming SSE client over reqwest, parsing messages as they arrive.
struct Client {
    response: reqwest::Response,
    buffer: String,
}

impl Client {
    async fn connect(url: &str, token: Option<&str>, last_event_id: Option<i64>) -> Client {
        let mut request = reqwest::Client::new().get(url).header("accept", "text/event-stream");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last.to_string());
        }
        let response = request.send().await.expect("connect");
        assert_eq!(response.status(), 200, "the stream opens");
        Client { response, buffer: String::new() }
    }

    /// The next message (comments skipped), waiting at most `limit`; `None` at the end of the
    /// stream or on timeout.
    async fn next(&mut self, limit: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut message = Message { id: None, event: "message".into(), data: String::new() };
                let mut any = false;
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        message.id = value.trim().parse().ok();
                        any = true;
                    } else if let Some(value) = line.strip_prefix("event:") {
                        message.event = value.trim().to_owned();
                        any = true;
                    } else if let Some(value) = line.strip_prefix("data:") {
                        message.data.push_str(value.trim_start());
                        any = true;
                    }
                }
                if any {
                    return Some(message);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn take(&mut self, n: usize) -> Vec<Message> {
        let mut messages = Vec::with_capacity(n);
        while messages.len() < n {
            match self.next(Duration::from_secs(15)).await {
                Some(message) => messages.push(message),
                None => break,
            }
        }
        messages
    }
}

/// A sandbox on its own Redis database, so the test may flush it (FLUSHDB) without touching
/// other tests' keys.
async fn sandbox_on_redis_db(db: u8) -> Sandbox {
    let mut settings = settings();
    settings.redis.url = format!("redis://127.0.0.1:6379/{db}").into();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    Sandbox::create(&settings).await.expect("sandbox")
}

async fn flushdb(sandbox: &Sandbox) {
    let mut redis = sandbox.redis.clone();
    let _: () = redis::cmd("FLUSHDB").query_async(&mut redis).await.expect("FLUSHDB");
}

/// Flips maintenance mode `times` times, each flip one event.
async fn toggle(client: &reqwest::Client, api: SocketAddr, token: &str, times: usize) {
    for _ in 0..times {
        let status: serde_json::Value =
            client.get(format!("http://{api}/api/bidding")).bearer_auth(token).send().await.expect("status").json().await.expect("json");
        let action = if status["bidding_paused"] == true { "resume" } else { "pause" };
        let response = client.post(format!("http://{api}/api/bidding/{action}")).bearer_auth(token).send().await.expect("toggle");
        assert!(response.status().is_success(), "{action}: {}", response.status());
    }
}

/// An accepted bid on `lot` handed to the gateway's clients as its consumer would, straight to the
/// broadcast.
fn publish_accepted(gateway: &gavel_event_gateway::Gateway, lot: i64, seq: i64) {
    let event = gavel::bench::sse::accepted(lot, seq);
    gateway.hub.publish(std::sync::Arc::new(gavel_event_gateway::hub::Published::new(event)));
}

fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().filter_map(|m| m.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_client_gets_exactly_what_it_missed_from_redis_or_after_a_flush_from_postgres() {
    let mut sandbox = sandbox_on_redis_db(9).await;
    let api = sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let admin = create_user(&sandbox.pool, "ada", Role::Admin, "a long password").await.expect("admin");
    let http = reqwest::Client::new();
    let url = format!("http://{api}/api/events/stream");

    let refused = http.get(&url).send().await.expect("request");
    assert_eq!(refused.status(), 401, "the all-events stream needs a login");

    let mut client = Client::connect(&url, Some(&admin.token), None).await;
    toggle(&http, api, &admin.token, 2).await;
    let first = client.take(2).await;
    assert_eq!(first.iter().map(|m| m.event.as_str()).collect::<Vec<_>>(), ["bidding.paused", "bidding.resumed"]);
    let last = seqs(&first)[1];
    drop(client);

    // Away: three events happen; back with Last-Event-ID, it gets exactly those, then live ones.
    toggle(&http, api, &admin.token, 3).await;
    let mut client = Client::connect(&url, Some(&admin.token), Some(last)).await;
    let missed = client.take(3).await;
    assert_eq!(seqs(&missed), vec![last + 1, last + 2, last + 3], "exactly the missed events, in order");
    toggle(&http, api, &admin.token, 1).await;
    let live = client.take(1).await;
    assert_eq!(seqs(&live), vec![last + 4], "then the live ones, none twice");
    drop(client);

    // Away again, and Redis loses everything meanwhile: the outbox answers.
    let last = last + 4;
    toggle(&http, api, &admin.token, 2).await;
    eventually(Duration::from_secs(10), "the gateway to have seen them", || async {
        let mut redis = sandbox.redis.clone();
        let highest: Vec<(String, i64)> = redis::cmd("ZRANGE")
            .arg(format!("{}:events", sandbox.topology.namespace()))
            .arg(-1)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut redis)
            .await
            .unwrap_or_default();
        highest.first().is_some_and(|(_, seq)| *seq == last + 2)
    })
    .await;
    flushdb(&sandbox).await;
    let mut client = Client::connect(&url, Some(&admin.token), Some(last)).await;
    let missed = client.take(2).await;
    assert_eq!(seqs(&missed), vec![last + 1, last + 2], "exactly the missed events after FLUSHDB");
    assert!(missed.iter().all(|m| serde_json::from_str::<EventEnvelope>(&m.data).is_ok()), "each data is the event's envelope");
    drop(client);
    flushdb(&sandbox).await;
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_told_to_resync_and_dropped_while_a_fast_one_loses_nothing() {
    let sandbox = crate::support::sandbox().await;
    let mut config = gavel_event_gateway::Config::new(sandbox.topology.clone());
    config.client_buffer = 64;
    let gateway = sandbox.gateway(config);
    let (address, server) = serve(&gateway).await;
    let lot = 7;
    let url = format!("http://{address}/api/public/lots/{lot}/events");

    // The slow client: a socket with a tiny receive window that never reads.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(2048).expect("small buffer");
    let mut slow = socket.connect(address).await.expect("connect");
    let request = format!("GET /api/public/lots/{lot}/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n");
    slow.write_all(request.as_bytes()).await.expect("request");
    let mut fast = Client::connect(&url, None, None).await;
    eventually(Duration::from_secs(5), "both clients subscribed", || std::future::ready(gateway.hub.clients() == 2)).await;

    // The lot's accepted bids, handed to the gateway as its consumer would (straight to the
    // broadcast, so thousands go out in an instant).
    // Published in steps of 48 that the fast client keeps up with, while the slow one, reading
    // nothing, falls further behind than its buffer of 64.
    // Far more than the kernel's socket buffers hold, so the slow client's stream really stalls.
    let total = 20_000;
    let read = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let reader = {
        let read = read.clone();
        tokio::spawn(async move {
            let mut messages = Vec::with_capacity(total);
            while messages.len() < total {
                let Some(message) = fast.next(Duration::from_secs(15)).await else { break };
                messages.push(message);
                read.store(messages.len(), std::sync::atomic::Ordering::SeqCst);
            }
            messages
        })
    };
    for seq in 1..=total as i64 {
        publish_accepted(&gateway, lot, seq);
        if seq % 48 == 0 {
            let published = usize::try_from(seq).unwrap_or(usize::MAX);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while read.load(std::sync::atomic::Ordering::SeqCst) < published {
                assert!(tokio::time::Instant::now() < deadline, "the fast client fell behind");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    let received = reader.await.expect("fast reader");
    assert_eq!(seqs(&received), (1..=total as i64).collect::<Vec<_>>(), "the fast client got every event, in order");

    // The slow client, read at last: some events, then `resync`, then the end of the stream.
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 65536];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    // Read until the resync arrives (the connection itself may stay open for the next request).
    while !String::from_utf8_lossy(&bytes).contains("event: resync") {
        match tokio::time::timeout_at(deadline, slow.read(&mut chunk)).await {
            Ok(Ok(read)) if read > 0 => bytes.extend_from_slice(&chunk[..read]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("event: resync"), "the slow client is told to resync");
    assert!(text.matches("event: bid.accepted").count() < total, "and did not get everything");
    eventually(Duration::from_secs(5), "the slow client dropped", || std::future::ready(gateway.hub.clients() == 0)).await;
    server.abort();
    sandbox.stop().await.expect("stop");
}

/// `gavel_sse_clients` counts a client while it is connected and uncounts it once it has hung up.
/// The process's recorder is shared by every test, so this one runs on a single thread with a
/// recorder of its own: the server's connection tasks run there too, and only its clients count.
#[tokio::test(flavor = "current_thread")]
async fn the_sse_clients_gauge_counts_clients_while_they_are_connected() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    let _local = metrics::set_default_local_recorder(&recorder);
    let sandbox = crate::support::sandbox().await;
    let gateway = sandbox.gateway(gavel_event_gateway::Config::new(sandbox.topology.clone()));
    let (address, server) = serve(&gateway).await;
    let lot = 7;
    let lot_clients = || crate::metrics::value(&crate::metrics::samples(&metrics.render()), "gavel_sse_clients", &[("stream", "lot")]);
    // The server learns that a client hung up when it next writes to it (an event, or the 15 s
    // heartbeat), so the lot's events are published until the count falls.
    let uncounted_after_writes = async |expected: f64, what: &str| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while lot_clients() != expected {
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
            publish_accepted(&gateway, lot, gateway.hub.last_seq() + 1);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };

    // The first client hangs up as a closed browser tab does: its socket closes.
    let mut first = tokio::net::TcpStream::connect(address).await.expect("connect");
    let request = format!("GET /api/public/lots/{lot}/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n");
    first.write_all(request.as_bytes()).await.expect("request");
    let mut head = [0u8; 1024];
    let read = first.read(&mut head).await.expect("response head");
    assert!(String::from_utf8_lossy(&head[..read]).starts_with("HTTP/1.1 200"), "the first stream opens");
    let mut second = Client::connect(&format!("http://{address}/api/public/lots/{lot}/events"), None, None).await;
    assert_eq!(lot_clients(), 2.0, "both clients are counted once their streams open");

    drop(first);
    uncounted_after_writes(1.0, "the first client to be uncounted").await;
    assert!(second.next(Duration::from_secs(5)).await.is_some_and(|message| message.event == "bid.accepted"), "the second still reads");
    drop(second);
    uncounted_after_writes(0.0, "no client to be counted").await;
    server.abort();
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_redis_is_flushed_the_live_state_is_rebuilt_from_postgres() {
    let mut sandbox = sandbox_on_redis_db(10).await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let seeded = sandbox.seed_viewers("twitch", 2, Wei::from(1_000_000_000_000_000_000u128)).await.expect("viewers");
    let api = sandbox.start_auction_manager(EngineConfig::default()).await.expect("auction-manager");
    let source = gavel::twitch::local_source(twitch.addr(), "gavel");
    sandbox.start_chat_ingest(sandbox.ingest_config("ingest-a"), vec![source], None);
    tokio::time::timeout(Duration::from_secs(20), twitch.wait_for_joins(1)).await.expect("joined");
    let start = Utc::now() + chrono::Duration::milliseconds(500);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(60), (0, 0)).await.expect("lot");
    let marathon = gavel_store::lots::get(&sandbox.pool, lot).await.expect("lot").expect("lot").lot.marathon_id;
    tokio::time::sleep((start - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200)).await;
    let [alice, bob] = [0, 1].map(|i| Viewer::new(&seeded[i].user_id, &seeded[i].login, ["Alice", "Bob"][i]));
    twitch.say("gavel", &alice, "!bid 0.01").await;
    twitch.say("gavel", &bob, "!bid 0.02").await;

    let live_url = format!("http://{api}/api/public/marathons/{}/live", marathon.0);
    let high = || async {
        let body: serde_json::Value = reqwest::get(&live_url).await.expect("live").json().await.expect("json");
        (body["lot"]["high"]["amount_eth"].as_str().map(str::to_owned), body["lot"]["participants"].as_u64())
    };
    eventually(Duration::from_secs(20), "the live state to show Bob's bid", || async { high().await == (Some("0.02".into()), Some(2)) })
        .await;

    flushdb(&sandbox).await;
    assert_eq!(high().await, (Some("0.02".into()), Some(2)), "rebuilt from PostgreSQL after FLUSHDB");
    let mut redis = sandbox.redis.clone();
    let cached: Option<String> =
        redis::cmd("GET").arg(format!("{}:live:lot:{}", sandbox.topology.namespace(), lot.0)).query_async(&mut redis).await.expect("get");
    assert!(cached.is_some_and(|json| json.contains("20000000000000000")), "and stored again");

    flushdb(&sandbox).await;
    // Asked again if no answer comes within 5 s (the speaker lease may still be being taken).
    let mut reply = None;
    for _ in 0..6 {
        let asked = twitch.say("gavel", &alice, "!status").await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while reply.is_none() && tokio::time::Instant::now() < deadline {
            reply = twitch.sent().into_iter().find(|line| line.reply_to.as_deref() == Some(asked.as_str())).map(|line| line.text);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        if reply.is_some() {
            break;
        }
    }
    let reply = reply.unwrap_or_default();
    assert!(reply.contains("high bid 0.02 ETH by Bob"), "!status after FLUSHDB: {reply}");
    flushdb(&sandbox).await;
    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lots_public_stream_carries_a_void_without_the_operators_reason() {
    let sandbox = crate::support::sandbox().await;
    let gateway = sandbox.gateway(gavel_event_gateway::Config::new(sandbox.topology.clone()));
    let (address, server) = serve(&gateway).await;
    let lot = 7;
    let mut viewer = Client::connect(&format!("http://{address}/api/public/lots/{lot}/events"), None, None).await;
    eventually(Duration::from_secs(5), "the viewer subscribed", || std::future::ready(gateway.hub.clients() == 1)).await;

    let voided = gavel_domain::events::BidVoided {
        lot_id: gavel_domain::LotId(lot),
        bid_id: gavel_domain::BidId(3),
        bidder: gavel_domain::BidderId::parse("twitch:1").expect("id"),
        amount: Some(gavel_domain::Wei::from(20_000_000_000_000_000u128)),
        reason: "asked by the streamer in whispers".into(),
        high_bidder: None,
        high_amount: None,
    };
    let envelope = gavel_domain::events::EventEnvelope {
        id: uuid::Uuid::new_v4(),
        seq: 1,
        occurred_at: chrono::Utc::now(),
        event: gavel_domain::events::Event::BidVoided(voided),
    };
    let published = gavel_event_gateway::hub::Published::new(envelope);
    assert!(published.json.contains("in whispers"), "the operators' stream keeps the reason");
    gateway.hub.publish(std::sync::Arc::new(published));

    let message = viewer.next(Duration::from_secs(10)).await.expect("the void on the public stream");
    assert_eq!(message.event, "bid.voided");
    assert!(message.data.contains("\"amount\":\"20000000000000000\"") && !message.data.contains("whispers"), "{}", message.data);
    server.abort();
    sandbox.stop().await.expect("stop");
}

/// The gateway's routes on a port of their own; the task to abort when the test ends.
async fn serve(gateway: &gavel_event_gateway::Gateway) -> (std::net::SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let address = listener.local_addr().expect("address");
    (address, tokio::spawn(axum::serve(listener, gateway.router()).into_future()))
}
