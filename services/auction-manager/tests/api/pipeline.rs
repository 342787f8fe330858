//! Bids through RabbitMQ into the running engine: ordering by received time across ingest
//! instances (watermarks), the winner made final with its bid-log head, poison messages.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use gavel_bus::lapin::options::{BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use gavel_bus::lapin::types::FieldTable;
use gavel_bus::lapin::{Channel, Connection, Consumer};
use gavel_bus::messages::{BidCommand, BidsQueueMessage, Watermark};
use gavel_bus::publish::{ConfirmedPublisher, Outgoing};
use gavel_bus::topology::BID_ROUTING_KEY;
use gavel_domain::bid_log::{self, ChainEntry, EntryKind};
use gavel_domain::bidding::BidKind;
use gavel_domain::events::{Event, EventEnvelope};
use gavel_domain::{BidderId, LotId, Wei};
use serde_json::json;

use crate::helpers::{ETH, RABBITMQ_URL, TestApp, now};

struct Bus {
    publisher: ConfirmedPublisher,
    events: Consumer,
    _channel: Channel,
    _connection: Connection,
}

/// A publisher on the test's commands exchange and a consumer of every event.
async fn bus(app: &TestApp) -> Bus {
    let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test").await.expect("RabbitMQ");
    let publisher = ConfirmedPublisher::open(&connection).await.expect("publisher");
    let channel = connection.create_channel().await.expect("channel");
    let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), options, FieldTable::default()).await.expect("queue");
    channel
        .queue_bind(
            queue.name().clone(),
            app.topology.events_exchange().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind");
    let events = channel
        .basic_consume(queue.name().clone(), "test".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await
        .expect("consume");
    Bus { publisher, events, _channel: channel, _connection: connection }
}

impl Bus {
    async fn send(&self, app: &TestApp, messages: &[BidsQueueMessage]) {
        let bodies: Vec<Vec<u8>> = messages.iter().map(BidsQueueMessage::to_json).collect();
        self.send_raw(app, &bodies).await;
    }

    async fn send_raw(&self, app: &TestApp, bodies: &[Vec<u8>]) {
        let outgoing: Vec<Outgoing<'_>> =
            bodies.iter().map(|body| Outgoing { routing_key: BID_ROUTING_KEY, payload: body, message_id: "test" }).collect();
        self.publisher.publish_all(&app.topology.commands_exchange(), &outgoing).await.expect("confirmed");
    }

    /// The next event of `event_type`, skipping others (bounded wait).
    async fn next(&mut self, event_type: &str) -> EventEnvelope {
        let wait = async {
            loop {
                let delivery = self.events.next().await.expect("events").expect("delivery");
                delivery.ack(BasicAckOptions::default()).await.expect("ack");
                let envelope: EventEnvelope = serde_json::from_slice(&delivery.data).expect("an envelope");
                if envelope.event.event_type() == event_type {
                    return envelope;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(15), wait).await.unwrap_or_else(|_| panic!("no {event_type} event"))
    }
}

async fn funded(app: &TestApp, user: u32) -> BidderId {
    let id = BidderId::parse(&format!("twitch:{user}")).expect("id");
    let login = format!("viewer{user}");
    gavel_store::bidders::upsert_many(&app.pool, &[id.as_str()], &[login.as_str()], &[login.as_str()]).await.expect("upsert");
    let wallet = format!("0x{user:040x}");
    gavel_store::bidders::bind_wallet(&app.pool, &id, &wallet).await.expect("bind");
    let entry = gavel_store::bidders::LedgerEntry {
        wallet,
        kind: gavel_store::bidders::LedgerKind::Deposit,
        amount: Wei::from(10 * ETH),
        commitment: None,
        tx_hash: format!("0x{user:064x}"),
        log_index: 0,
        block_number: 1,
    };
    gavel_store::bidders::credit(&app.pool, &entry).await.expect("credit");
    id
}

fn bid(instance: &str, key: &str, bidder: &BidderId, milli_eth: u128, received_at: DateTime<Utc>) -> BidsQueueMessage {
    BidsQueueMessage::Bid(BidCommand {
        message_id: format!("twitch:{key}"),
        instance: instance.into(),
        channel: "twitch:gavel".into(),
        bidder: bidder.clone(),
        login: "viewer".into(),
        display_name: "Viewer".into(),
        kind: BidKind::Plain(Wei::from(milli_eth * ETH / 1000)),
        received_at,
        platform_sent_at: None,
    })
}

fn watermark(instance: &str, up_to: DateTime<Utc>) -> BidsQueueMessage {
    BidsQueueMessage::Watermark(Watermark { instance: instance.into(), up_to })
}

/// A lot of a few seconds that opens now.
async fn live_lot(app: &TestApp, seconds: i64) -> (i64, DateTime<Utc>, DateTime<Utc>) {
    let marathon = app.marathon(json!({ "anti_snipe_window_secs": 0, "lot_duration_secs": 60 })).await;
    let start = now() + chrono::Duration::milliseconds(300);
    let end = start + chrono::Duration::seconds(seconds);
    let lot = app.lot(marathon, 0, start, end).await;
    tokio::time::sleep((start - Utc::now()).to_std().unwrap_or_default()).await;
    (lot, start, end)
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn bids_are_decided_in_received_order_across_instances_and_the_lot_closes(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut bus = bus(&app).await;
    let (alice, bob) = (funded(&app, 1).await, funded(&app, 2).await);
    let (lot, start, end) = live_lot(&app, 2).await;
    let at = |ms: i64| start + chrono::Duration::milliseconds(ms);

    // Both instances are live; b's bid reaches the queue first, though a received its bid earlier.
    bus.send(&app, &[watermark("a", at(50)), watermark("b", at(50))]).await;
    bus.send(&app, &[bid("b", "b1", &bob, 20, at(200)), watermark("b", at(250))]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let decided: i64 = sqlx::query_scalar("SELECT count(*) FROM bids").fetch_one(&app.pool).await.expect("count");
    assert_eq!(decided, 0, "b's bid waits until a's watermark passes it");
    bus.send(&app, &[bid("a", "a1", &alice, 10, at(100)), watermark("a", at(300))]).await;
    let first = bus.next("bid.accepted").await;
    let Event::BidAccepted(first) = first.event else { unreachable!() };
    assert_eq!(first.bidder, alice, "alice received first, decided first");
    let Event::BidAccepted(second) = bus.next("bid.accepted").await.event else { unreachable!() };
    assert_eq!(second.bidder, bob);

    // Both instances pass the end: the winner is final.
    tokio::time::sleep((end - Utc::now()).to_std().unwrap_or_default()).await;
    let late = end + chrono::Duration::milliseconds(1);
    bus.send(&app, &[bid("a", "a2", &alice, 50, late), watermark("a", late), watermark("b", late)]).await;
    // The late bid is decided in the batch that closes the lot, before the close.
    let Event::BidRejected(rejected) = bus.next("bid.rejected").await.event else { unreachable!() };
    assert_eq!(rejected.reason.code(), "late", "received after the end");
    let closed = bus.next("lot.closed").await;
    let Event::LotClosed(closed) = closed.event else { unreachable!() };
    assert_eq!((closed.lot_id, closed.winner.as_ref(), closed.amount), (LotId(lot), Some(&bob), Some(Wei::from(20 * ETH / 1000))));

    // The head on the event is the chain over the public log.
    let entries = gavel_store::bids::log(&app.pool, LotId(lot)).await.expect("log");
    let bidders: Vec<BidderId> = entries.iter().map(|e| BidderId::parse(&e.bidder).expect("bidder")).collect();
    let chain = entries.iter().zip(&bidders).map(|(e, bidder)| ChainEntry {
        kind: EntryKind::Accepted,
        bidder,
        wallet: e.wallet.parse().expect("wallet"),
        amount: e.amount_wei,
        received_at_unix_millis: e.received_at.timestamp_millis() as u64,
    });
    assert_eq!(closed.bid_log_head, bid_log::head(LotId(lot), chain).to_string());
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_malformed_message_and_an_invalid_bid_are_rejected_alone(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut bus = bus(&app).await;
    let bidders = [funded(&app, 1).await, funded(&app, 2).await, funded(&app, 3).await];
    let (_, start, _) = live_lot(&app, 30).await;
    let at = |ms: i64| start + chrono::Duration::milliseconds(ms);
    let valid = |n: usize, milli: u128| bid("a", &format!("v{n}"), &bidders[n % 3], milli, at(10 + n as i64)).to_json();
    let mut bodies = vec![valid(0, 10), valid(1, 20), b"{\"type\":\"bid\",\"amount\":\"lots\"}".to_vec()];
    bodies.push(bid("a", "too-low", &bidders[2], 1, at(13)).to_json());
    // A bid PostgreSQL refuses inside the transaction (a NUL in a name; ingest strips those, but
    // the engine must survive one): its batch fails, and it alone is set aside.
    let eve = BidderId::parse("twitch:99").expect("id");
    let mut poison = bid("a", "nul", &eve, 30, at(12));
    if let BidsQueueMessage::Bid(command) = &mut poison {
        command.display_name = "Eve\u{0}".into();
    }
    bodies.push(poison.to_json());
    bodies.push(valid(3, 40));
    bodies.push(watermark("a", at(100)).to_json());
    bus.send_raw(&app, &bodies).await;
    let mut accepted = Vec::new();
    for _ in 0..3 {
        let Event::BidAccepted(event) = bus.next("bid.accepted").await.event else { unreachable!() };
        accepted.push(event.message_id);
    }
    assert_eq!(accepted, ["twitch:v0", "twitch:v1", "twitch:v3"]);
    let rejected: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT idempotency_key, reason_code FROM bids WHERE decision = 'REJECTED'")
            .fetch_all(&app.pool)
            .await
            .expect("rejected");
    assert_eq!(rejected, [("twitch:too-low".to_owned(), Some("below_minimum".to_owned()))]);
    // The malformed message and the poison bid went to the dead-letter queue, alone.
    let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test").await.expect("RabbitMQ");
    let channel = connection.create_channel().await.expect("channel");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let passive = QueueDeclareOptions { passive: true, ..Default::default() };
        let dead = channel.queue_declare(app.topology.dead_bids_queue().into(), passive, FieldTable::default()).await.expect("dead queue");
        if dead.message_count() == 2 {
            break;
        }
        assert!(dead.message_count() < 2 && tokio::time::Instant::now() < deadline, "dead letters: {}", dead.message_count());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn an_outage_of_postgres_holds_bids_and_dead_letters_none(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut bus = bus(&app).await;
    let bidders = [funded(&app, 1).await, funded(&app, 2).await];
    let (_, start, _) = live_lot(&app, 60).await;
    let at = |ms: i64| start + chrono::Duration::milliseconds(ms);
    let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&app.pool).await.expect("name");
    let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await.expect("admin");
    // The database goes away: new connections are refused and open ones cut.
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false")))
        .execute(&mut admin)
        .await
        .expect("refuse");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&database)
        .execute(&mut admin)
        .await
        .expect("cut");
    let messages: Vec<BidsQueueMessage> = (0..20)
        .map(|n| bid("a", &format!("o{n}"), &bidders[n % 2], 10 + n as u128, at(10 + n as i64)))
        .chain([watermark("a", at(100))])
        .collect();
    bus.send(&app, &messages).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true")))
        .execute(&mut admin)
        .await
        .expect("allow");
    // The first bid's decision reaches the events exchange once the database is back.
    let Event::BidAccepted(first) = bus.next("bid.accepted").await.event else { unreachable!() };
    assert_eq!(first.message_id, "twitch:o0");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM bids").fetch_one(&app.pool).await.expect("count") < 20 {
        assert!(tokio::time::Instant::now() < deadline, "every bid decided once the database is back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test").await.expect("RabbitMQ");
    let channel = connection.create_channel().await.expect("channel");
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let dead = channel.queue_declare(app.topology.dead_bids_queue().into(), passive, FieldTable::default()).await.expect("dead queue");
    assert_eq!(dead.message_count(), 0, "an outage dead-letters nothing");
}

/// A sandbox's topology expires by itself once unused, for tests that crash before deleting it;
/// the dead-letter queue, which never has a consumer, must not expire with the short delay while
/// the sandbox runs (its dead letters would be dropped, and the health page said it was missing).
#[tokio::test]
async fn an_ephemeral_topologys_dead_letters_outlive_its_short_expiry() {
    let topology = gavel_bus::topology::Topology::ephemeral(format!("test-{}", uuid::Uuid::new_v4().simple()), Duration::from_secs(1));
    let connection = gavel_bus::connect(RABBITMQ_URL, "gavel test").await.expect("RabbitMQ");
    topology.declare(&connection.create_channel().await.expect("channel")).await.expect("declare");
    let exists = |queue: String| {
        let connection = &connection;
        async move { gavel_bus::topology::inspect(&connection.create_channel().await.expect("channel"), &queue).await.is_ok() }
    };
    // The broker checks expiries on a timer of its own (seconds): wait for the work queue to go.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while exists(topology.bids_queue()).await {
        assert!(tokio::time::Instant::now() < deadline, "an unused work queue expires");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let kept = exists(topology.dead_bids_queue()).await;
    crate::helpers::delete_topology(&topology);
    assert!(kept, "the dead-letter queue is kept");
}
