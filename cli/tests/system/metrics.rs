//! `/metrics` after a small run: a deposit linked in chat, an accepted and a rejected bid, one
//! SSE client, the lot settled on anvil. Every metric of `docs/metrics.md` is there, with the
//! type dashboards expect, and the counts this test's own actions guarantee are non-zero (the
//! recorder is shared by every test in this process, so nothing is asserted exactly).

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::link;
use secrecy::ExposeSecret;

use crate::chain::{MILLI_ETH, TestChain};
use crate::settlement::{ask, deposits_credited, sleep_until, start_bidding, wait_completed};
use crate::support::{eventually, sandbox, settings};

const WAIT: Duration = Duration::from_secs(60);

/// Every metric and its Prometheus type.
const METRICS: &[(&str, &str)] = &[
    ("gavel_bids_total", "counter"),
    ("gavel_bid_decision_seconds", "histogram"),
    ("gavel_bid_queue_depth", "gauge"),
    ("gavel_bid_queue_lag_seconds", "gauge"),
    ("gavel_outbox_backlog", "gauge"),
    ("gavel_sse_clients", "gauge"),
    ("gavel_settlement_attempts_total", "counter"),
    ("gavel_settlement_confirmation_seconds", "histogram"),
    ("gavel_settlement_pending_jobs", "gauge"),
    ("gavel_settlement_oldest_pending_seconds", "gauge"),
    ("gavel_signer_balance_wei", "gauge"),
    ("gavel_chain_head_block", "gauge"),
    ("gavel_chat_messages_total", "counter"),
    ("gavel_lots_active", "gauge"),
];

/// One sample line of the text format: name, labels, value.
#[derive(Debug)]
pub(crate) struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

pub(crate) fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key.to_owned(), value.trim_matches('"').to_owned()))
                .collect();
            Some(Sample { name: name.to_owned(), labels, value: value.parse().ok()? })
        })
        .collect()
}

/// The sum of `name`'s series carrying every label of `with`.
pub(crate) fn value(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name && with.iter().all(|(key, value)| s.labels.get(*key).map(String::as_str) == Some(*value)))
        .map(|s| s.value)
        .sum()
}

async fn scrape(api: SocketAddr) -> String {
    let response = reqwest::get(format!("http://{api}/metrics")).await.expect("GET /metrics");
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.expect("body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_a_small_run_from_chat_to_settlement() {
    let mut sandbox = sandbox().await;
    let chain = TestChain::start().await;
    let twitch = LocalTwitchServer::start().await.expect("twitch");
    let pool = sandbox.pool.clone();
    let chain_settings = chain.settings(&chain.endpoint());

    chain.deposit(1, &link::handle("twitch", "alice"), "s", 100 * MILLI_ETH).await.expect("deposit");
    sandbox.start_settlement(chain_settings.clone(), None);
    eventually(WAIT, "the deposit credited", || async { deposits_credited(&pool).await == 1 }).await;
    let api = start_bidding(&mut sandbox, &twitch).await;
    let alice = Viewer::new("1", "alice", "Alice");
    assert!(ask(&twitch, &alice, "!link s").await.contains("your bidding power is 0.1 ETH"));

    let start = Utc::now() + chrono::Duration::seconds(1);
    let lot = sandbox.seed_lot("twitch:gavel", start, start + chrono::Duration::seconds(3), (0, 0)).await.expect("lot");
    // An overlay watching the lot, connected for the whole run.
    let stream = reqwest::get(format!("http://{api}/api/public/lots/{lot}/events")).await.expect("SSE");
    assert_eq!(stream.status(), 200);
    let while_connected = samples(&scrape(api).await);
    assert!(value(&while_connected, "gavel_sse_clients", &[("stream", "lot")]) >= 1.0, "the connected client is counted");

    sleep_until(start + chrono::Duration::milliseconds(200)).await;
    // Accepted, then refused: Alice already leads and may not outbid herself.
    twitch.say("gavel", &alice, "!bid 0.04").await;
    twitch.say("gavel", &alice, "!bid 0.05").await;
    wait_completed(&pool, lot).await;
    drop(stream);

    let text = scrape(api).await;
    for (name, kind) in METRICS {
        assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name} is a {kind} on /metrics:\n{text}");
    }
    let all = samples(&text);
    assert!(value(&all, "gavel_bids_total", &[("outcome", "accepted"), ("reason", "none")]) >= 1.0);
    assert!(value(&all, "gavel_bids_total", &[("outcome", "rejected"), ("reason", "already_leading")]) >= 1.0);
    assert!(value(&all, "gavel_bid_decision_seconds_count", &[]) >= 2.0);
    assert!(value(&all, "gavel_bid_decision_seconds_bucket", &[("le", "+Inf")]) >= 2.0, "buckets rendered");
    assert!(value(&all, "gavel_chat_messages_total", &[("source", "twitch")]) >= 3.0, "!link and two bids heard");
    assert!(value(&all, "gavel_settlement_attempts_total", &[("action", "close"), ("kind", "confirmed")]) >= 1.0);
    assert!(value(&all, "gavel_settlement_attempts_total", &[("action", "open"), ("kind", "sent")]) >= 1.0);
    assert!(value(&all, "gavel_settlement_confirmation_seconds_count", &[("action", "close")]) >= 1.0);
    assert!(value(&all, "gavel_signer_balance_wei", &[]) > 0.0, "anvil's operator has ether");

    // Nothing secret: no connection URL, no signer key.
    let local = settings();
    for secret in [local.database.url.expose_secret(), local.rabbitmq.url.expose_secret(), local.redis.url.expose_secret()] {
        assert!(!text.contains(secret), "a connection URL on /metrics");
    }
    let key = chain_settings.signer_key.as_ref().map(|key| key.expose_secret().trim_start_matches("0x").to_owned()).unwrap_or_default();
    assert!(!key.is_empty() && !text.contains(&key), "the signer key on /metrics");

    sandbox.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_endpoints_answer_for_a_process_without_the_api() {
    let sandbox = sandbox().await;
    let live = gavel_live::LiveCache::new(sandbox.redis.clone(), sandbox.pool.clone(), sandbox.topology.namespace());
    let dependencies = gavel::ops::Dependencies { pool: sandbox.pool.clone(), rabbitmq: sandbox.connection.clone(), redis: Some(live) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let stop = sandbox.child_token();
    let server =
        tokio::spawn(axum::serve(listener, gavel::ops::router(dependencies)).with_graceful_shutdown(stop.cancelled_owned()).into_future());

    let get = |path: &'static str| async move { reqwest::get(format!("http://{address}{path}")).await.expect(path) };
    assert_eq!(get("/health").await.status(), 200);
    let ready = get("/ready").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ready", "postgres": "ok", "rabbitmq": "ok", "redis": "ok" }));
    let metrics = get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    let content_type = metrics.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "Prometheus's text format: {content_type}");

    sandbox.stop().await.expect("stop");
    server.await.expect("server task").expect("server");
}
