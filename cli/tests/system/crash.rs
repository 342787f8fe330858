//! Crash tests: `gavel` processes killed (SIGKILL) in the middle of a stream of bids typed in
//! chat. In each, every bid sent is decided exactly once, every event is delivered, and the
//! decisions and winner equal those of the crash-free run of the same bid script. Both are
//! compared with the domain's own decisions over the script in the order it was typed (the order
//! Gavel received it), so the crash runs equal the crash-free one.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use gavel::sandbox::Sandbox;
use gavel_bus::lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use gavel_bus::lapin::types::FieldTable;
use gavel_bus::topology::Topology;
use gavel_chat_ingest::sources::twitch::local_server::{LocalTwitchServer, Viewer};
use gavel_domain::bidding::{Bid, BidKind, BidderStanding, Decision, DecisionContext, Standings, decide_bid};
use gavel_domain::events::EventEnvelope;
use gavel_domain::lot::{Lot, LotState};
use gavel_domain::marathon::{AntiSnipe, BidRules};
use gavel_domain::{BidderId, LotId, MarathonId, Wei};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Notify};

use crate::support::{eventually, sandbox};

pub const CHANNEL: &str = "crash";
const VIEWERS: u32 = 50;
const BIDS: usize = 600;

pub struct Cluster {
    pub sandbox: Sandbox,
    pub twitch: LocalTwitchServer,
    pub lot: LotId,
    pub start: DateTime<Utc>,
    pub viewers: Vec<Viewer>,
    env: Vec<(String, String)>,
    /// Every event id seen on the events exchange.
    pub events: Arc<Mutex<HashSet<uuid::Uuid>>>,
    _consumer: tokio::task::JoinHandle<()>,
    /// Every process started, killed before the sandbox goes (a live one could declare its
    /// topology again after the sandbox deleted it).
    pids: std::sync::Mutex<Vec<u32>>,
}

impl Cluster {
    async fn new() -> Cluster {
        let start = Utc::now() + chrono::Duration::seconds(3);
        Cluster::with_lot(start, start + chrono::Duration::minutes(10), (0, 0)).await
    }

    /// A cluster whose lot runs from `start` to `end` with an anti-snipe window and extension.
    pub async fn with_lot(start: DateTime<Utc>, end: DateTime<Utc>, anti_snipe_secs: (u32, u32)) -> Cluster {
        let sandbox = sandbox().await;
        let twitch = LocalTwitchServer::start().await.expect("twitch");
        let lot = sandbox.seed_lot(&format!("twitch:{CHANNEL}"), start, end, anti_snipe_secs).await.expect("lot");
        let seeded = sandbox.seed_viewers("twitch", VIEWERS, Wei::from(10u128.pow(24))).await.expect("viewers");
        let viewers = seeded.iter().map(|v| Viewer::new(&v.user_id, &v.login, &v.login)).collect();
        let namespace = sandbox.topology.namespace().to_owned();
        let address = twitch.addr();
        let env = [
            ("GAVEL__DATABASE__URL", sandbox.database_url.clone()),
            ("GAVEL__RABBITMQ__NAMESPACE", namespace.clone()),
            ("GAVEL__HTTP__ADDRESS", "127.0.0.1:0".into()),
            // Processes without the API serve their operations endpoints there: one port each.
            ("GAVEL__OPS__ADDRESS", "127.0.0.1:0".into()),
            ("GAVEL__LOG__FORMAT", "json".into()),
            ("GAVEL__LOG__FILTER", "warn".into()),
            ("GAVEL__ENGINE__INSTANCE_TIMEOUT_MS", "2000".into()),
            ("GAVEL__CHAT__RATE_LIMIT", "1000000".into()),
            ("GAVEL__CHAT__REPLIES__ENABLED", "false".into()),
            ("GAVEL__CHAT__TWITCH__HOST", address.ip().to_string()),
            ("GAVEL__CHAT__TWITCH__PORT", address.port().to_string()),
            ("GAVEL__CHAT__TWITCH__TLS", "false".into()),
            ("GAVEL__CHAT__TWITCH__BOT_LOGIN", "gavelbot".into()),
            ("GAVEL__CHAT__TWITCH__CHANNELS", format!("[\"{CHANNEL}\"]")),
            ("GAVEL__CHAT__TWITCH__TOKEN_URL", "http://127.0.0.1:9/unused".into()),
            ("GAVEL__CHAT__TWITCH__CLIENT_ID", "local".into()),
            ("GAVEL__CHAT__TWITCH__CLIENT_SECRET", "".into()),
            ("GAVEL__CHAT__TWITCH__ACCESS_TOKEN", "local".into()),
            ("GAVEL__CHAT__TWITCH__REFRESH_TOKEN", "".into()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        // The production topology, declared first, so the test sees every event from the start.
        let channel = sandbox.connection.create_channel().await.expect("channel");
        Topology::new(&namespace).declare(&channel).await.expect("topology");
        let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
        let queue = channel.queue_declare("".into(), options, FieldTable::default()).await.expect("queue");
        channel
            .queue_bind(
                queue.name().clone(),
                sandbox.topology.events_exchange().into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind");
        let consume = BasicConsumeOptions { no_ack: true, ..Default::default() };
        let mut consumer =
            channel.basic_consume(queue.name().clone(), "crash-test".into(), consume, FieldTable::default()).await.expect("consume");
        let events = Arc::new(Mutex::new(HashSet::new()));
        let seen = events.clone();
        let consumer = tokio::spawn(async move {
            let _channel = channel;
            while let Some(Ok(delivery)) = consumer.next().await {
                if let Ok(envelope) = serde_json::from_slice::<EventEnvelope>(&delivery.data) {
                    seen.lock().await.insert(envelope.id);
                }
            }
        });
        Cluster { sandbox, twitch, lot, start, viewers, env, events, _consumer: consumer, pids: std::sync::Mutex::new(Vec::new()) }
    }

    pub fn spawn(&self, services: &[&str], extra: &[(&str, &str)]) -> Child {
        self.spawn_watched(services, extra, None)
    }

    /// Starts `gavel run <services>`, forwarding its log lines; `paused` is notified when the
    /// process reports its failpoint.
    fn spawn_watched(&self, services: &[&str], extra: &[(&str, &str)], paused: Option<Arc<Notify>>) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gavel"));
        command.arg("run").args(services).envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command.envs(extra.iter().copied()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = command.spawn().expect("gavel run");
        self.pids.lock().unwrap_or_else(|p| p.into_inner()).extend(child.id());
        let stderr = child.stderr.take().expect("stderr");
        let name = services.join("+");
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("failpoint: paused after")
                    && let Some(paused) = &paused
                {
                    paused.notify_one();
                }
                eprintln!("[{name}] {line}");
            }
        });
        child
    }

    pub async fn wait_until_open(&self, joins: usize) {
        tokio::time::timeout(Duration::from_secs(30), self.twitch.wait_for_joins(joins)).await.expect("ingest joined the chat");
        let pool = self.sandbox.pool.clone();
        let lot = self.lot;
        eventually(Duration::from_secs(30), "the lot to open", || {
            let pool = pool.clone();
            async move { gavel_store::lots::get(&pool, lot).await.ok().flatten().is_some_and(|r| r.lot.state == LotState::Active) }
        })
        .await;
    }

    /// Types bids `range` of the script in chat; returns their message keys in order.
    async fn type_bids(&self, range: std::ops::Range<usize>) -> Vec<String> {
        let mut keys = Vec::with_capacity(range.len());
        for i in range {
            let id = self.twitch.say(CHANNEL, &self.viewers[script(i).0], &script_text(i)).await;
            keys.push(format!("twitch:{id}"));
        }
        keys
    }

    async fn wait_decided(&self, count: usize) {
        let pool = self.sandbox.pool.clone();
        eventually(Duration::from_secs(60), &format!("{count} decisions"), || {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM bids").fetch_one(&pool).await.unwrap_or(0) >= count as i64 }
        })
        .await;
    }

    /// Every bid decided once, as the crash-free run decides it; every event delivered.
    async fn check(self, keys: &[String]) {
        let pool = &self.sandbox.pool;
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT idempotency_key, decision, reason_code FROM bids").fetch_all(pool).await.expect("bids");
        assert_eq!(rows.len(), keys.len(), "each bid sent is decided exactly once");
        let decided: HashMap<String, (String, Option<String>)> =
            rows.into_iter().map(|(key, decision, code)| (key, (decision, code))).collect();
        let (expected, winner) = crash_free_run(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let got = decided.get(key).unwrap_or_else(|| panic!("bid {i} ({key}) was never decided"));
            assert_eq!((got.0.as_str(), got.1.as_deref()), (expected[i].0, expected[i].1), "bid {i} decided as in the crash-free run");
        }
        let record = gavel_store::lots::get(pool, self.lot).await.expect("lot").expect("lot");
        assert_eq!(record.lot.high.map(|h| (h.bidder, h.amount)), winner, "the same winner as the crash-free run");

        let outbox: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT event_id FROM outbox").fetch_all(pool).await.expect("outbox");
        let pool_for_seq = pool.clone();
        eventually(Duration::from_secs(30), "every event numbered 1..n without a gap", || {
            let pool = pool_for_seq.clone();
            async move {
                let (count, numbered, max): (i64, i64, Option<i64>) =
                    sqlx::query_as("SELECT count(*), count(seq), max(seq) FROM outbox").fetch_one(&pool).await.expect("seq");
                count == numbered && max == Some(count)
            }
        })
        .await;
        let events = self.events.clone();
        eventually(Duration::from_secs(30), "every event delivered", || {
            let events = events.clone();
            let outbox = outbox.clone();
            async move {
                let seen = events.lock().await;
                outbox.iter().all(|id| seen.contains(id))
            }
        })
        .await;
        self.finish().await;
    }

    /// Kills every process started, then removes the sandbox.
    pub async fn finish(self) {
        let pids = std::mem::take(&mut *self.pids.lock().unwrap_or_else(|p| p.into_inner()));
        for pid in pids {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status().await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.sandbox.stop().await.expect("stop");
    }
}

/// Bid `i` of the script: mostly a rise over the last, but every 7th is too low and every 11th
/// comes from the viewer who just bid (who may lead), so the decisions depend on the order.
fn script(i: usize) -> (usize, u128) {
    let viewer = if i.is_multiple_of(11) && i > 0 { (i - 1) % VIEWERS as usize } else { i % VIEWERS as usize };
    let amount = if i % 7 == 3 { 1_000_000 + i as u128 - 5 } else { 1_000_000 + i as u128 };
    (viewer, amount)
}

fn script_text(i: usize) -> String {
    format!("!bid 0.{:018}", script(i).1)
}

/// The script decided by the domain alone, in typed order: each decision (and rejection code),
/// and the final lead.
/// A decision as stored: `ACCEPTED` or `REJECTED`, with the rejection's code.
type StoredDecision = (&'static str, Option<&'static str>);

fn crash_free_run(bids: usize) -> (Vec<StoredDecision>, Option<(BidderId, Wei)>) {
    struct Rich;
    impl Standings for Rich {
        fn standing(&self, _: &BidderId) -> Option<BidderStanding> {
            Some(BidderStanding { banned: false, funds: Wei::from(10u128.pow(24)) })
        }
    }
    let rules = BidRules {
        reserve: Wei::from(1u128),
        increment_bps: 0,
        min_increment: Wei::from(1u128),
        anti_snipe: AntiSnipe { window: chrono::TimeDelta::zero(), extension: chrono::TimeDelta::zero(), max_extensions: 0 },
        allow_self_outbid: false,
    };
    let start: DateTime<Utc> = Utc::now();
    let mut lot = Lot {
        id: LotId(1),
        marathon_id: MarathonId(1),
        state: LotState::Active,
        starts_at: start,
        ends_at: start + chrono::Duration::hours(1),
        extensions_used: 0,
        high: None,
        winner_final_at: None,
        paused_at: None,
        last_pause: None,
    };
    let mut decisions = Vec::with_capacity(bids);
    for i in 0..bids {
        let (viewer, amount) = script(i);
        let bidder = BidderId::parse(&format!("twitch:{}", viewer + 1)).expect("id");
        let bid = Bid { bidder, kind: BidKind::Plain(Wei::from(amount)), received_at: start + chrono::Duration::milliseconds(i as i64) };
        let ctx = DecisionContext { rules: &rules, paused: false, standings: &Rich, now: bid.received_at };
        match decide_bid(&lot, &bid, &ctx) {
            Decision::Accepted(acceptance) => {
                lot = acceptance.lot;
                decisions.push(("ACCEPTED", None));
            }
            Decision::Rejected(rejection) => decisions.push(("REJECTED", Some(rejection.code()))),
        }
    }
    let rejected = decisions.iter().filter(|(decision, _)| *decision == "REJECTED").count();
    assert!(rejected > bids / 10 && rejected < bids / 2, "the script mixes accepted and rejected bids: {rejected} rejected");
    (decisions, lot.high.map(|h| (h.bidder, h.amount)))
}

/// The same script through the same processes with nothing killed decides as the domain does:
/// so the crash runs below, compared with the domain, equal the crash-free run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crash_free_run_decides_as_the_domain_does() {
    let cluster = Cluster::new().await;
    let _manager = cluster.spawn(&["auction-manager", "outbox-relay"], &[]);
    let _ingest = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-a")]);
    cluster.wait_until_open(1).await;
    let keys = cluster.type_bids(0..BIDS).await;
    cluster.wait_decided(BIDS).await;
    cluster.check(&keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_killed_between_commit_and_ack_loses_and_doubles_nothing() {
    let cluster = Cluster::new().await;
    let _relay = cluster.spawn(&["outbox-relay"], &[]);
    let _ingest = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-a")]);
    let paused = Arc::new(Notify::new());
    // Paused at its first commit, the engine has acknowledged nothing: all 600 bids are in flight
    // (its first batch committed but unacknowledged, the rest queued) when it is killed.
    let engine = cluster.spawn_watched(&["auction-manager"], &[("GAVEL_FAILPOINT", "commit:1")], Some(paused.clone()));
    cluster.wait_until_open(1).await;
    let keys = cluster.type_bids(0..BIDS).await;
    tokio::time::timeout(Duration::from_secs(60), paused.notified()).await.expect("the engine reached its failpoint");
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM bids").fetch_one(&cluster.sandbox.pool).await.expect("count");
    assert!(before > 0, "killed after a commit, before its ack");
    kill(engine).await;
    let _engine = cluster.spawn(&["auction-manager"], &[]);
    cluster.wait_decided(BIDS).await;
    cluster.check(&keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_two_ingest_instances_killed_loses_nothing() {
    let cluster = Cluster::new().await;
    let _relay = cluster.spawn(&["outbox-relay"], &[]);
    let _a = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-a")]);
    let b = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-b")]);
    tokio::time::timeout(Duration::from_secs(30), cluster.twitch.wait_for_joins(2)).await.expect("both instances joined");
    tokio::time::sleep((cluster.start - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200)).await;
    // No engine yet: every bid typed is in flight when b dies.
    let mut keys = cluster.type_bids(0..BIDS / 2).await;
    kill(b).await;
    keys.extend(cluster.type_bids(BIDS / 2..BIDS).await);
    let pool = cluster.sandbox.pool.clone();
    let channel = cluster.sandbox.connection.create_channel().await.expect("channel");
    let queue = cluster.sandbox.topology.bids_queue();
    eventually(Duration::from_secs(30), "the bids queued", || {
        let (channel, queue) = (channel.clone(), queue.clone());
        async move {
            let passive = QueueDeclareOptions { passive: true, ..Default::default() };
            channel
                .queue_declare(queue.as_str().into(), passive, FieldTable::default())
                .await
                .map(|q| q.message_count() >= 500)
                .unwrap_or(false)
        }
    })
    .await;
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM bids").fetch_one(&pool).await.expect("count"), 0, "nothing decided yet");
    let _manager = cluster.spawn(&["auction-manager"], &[]);
    cluster.wait_decided(BIDS).await;
    cluster.check(&keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_killed_delivers_every_event() {
    let cluster = Cluster::new().await;
    let _manager = cluster.spawn(&["auction-manager"], &[]);
    let _ingest = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-a")]);
    cluster.wait_until_open(1).await;
    // No relay yet: every bid is decided, its events wait in the outbox.
    let keys = cluster.type_bids(0..BIDS).await;
    cluster.wait_decided(BIDS).await;
    // Paused after its first publish, before marking anything published: every bid's events are
    // in flight when it is killed.
    let paused = Arc::new(Notify::new());
    let relay = cluster.spawn_watched(&["outbox-relay"], &[("GAVEL_FAILPOINT", "publish:1")], Some(paused.clone()));
    tokio::time::timeout(Duration::from_secs(60), paused.notified()).await.expect("the relay reached its failpoint");
    kill(relay).await;
    let unpublished: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event_type LIKE 'bid.%' AND published_at IS NULL")
        .fetch_one(&cluster.sandbox.pool)
        .await
        .expect("count");
    assert!(unpublished >= 500, "at least 500 bids' events in flight when the relay dies: {unpublished}");
    let _relay = cluster.spawn(&["outbox-relay"], &[]);
    cluster.check(&keys).await;
}

pub async fn kill(mut child: Child) {
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.expect("wait");
    assert!(status.code().is_none(), "killed by a signal: {status:?}");
}
