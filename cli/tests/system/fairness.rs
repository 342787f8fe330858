//! Lag fairness and order, with the engine held back until after the end: bids are decided by
//! when Gavel received them, not by when they reach the engine.
//!
//! Two real ingest instances read the chat; the test is a third instance that received one bid
//! inside the anti-snipe window but publishes it late, behind bids received after it. When the
//! engine starts, the anti-snipe bid is decided first and extends the end, so a bid received
//! after the old end but before the new one counts, and one received after the new end is late.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use gavel_bus::messages::{BidCommand, BidsQueueMessage, Watermark};
use gavel_bus::publish::{ConfirmedPublisher, Outgoing};
use gavel_bus::topology::BID_ROUTING_KEY;
use gavel_domain::BidderId;
use gavel_domain::Wei;
use gavel_domain::bidding::BidKind;

use crate::crash::{CHANNEL, Cluster};
use crate::support::eventually;

/// The test's own ingest instance: it publishes what it "received" when it chooses.
struct LateInstance<'a> {
    cluster: &'a Cluster,
    publisher: ConfirmedPublisher,
}

impl LateInstance<'_> {
    async fn send(&self, message: BidsQueueMessage) {
        let body = message.to_json();
        let outgoing = [Outgoing { routing_key: BID_ROUTING_KEY, payload: &body, message_id: "late-instance" }];
        self.publisher.publish_all(&self.cluster.sandbox.topology.commands_exchange(), &outgoing).await.expect("confirmed");
    }

    async fn watermark(&self, up_to: DateTime<Utc>) {
        self.send(BidsQueueMessage::Watermark(Watermark { instance: "late-instance".into(), up_to })).await;
    }
}

async fn sleep_until(at: DateTime<Utc>) {
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bids_are_judged_by_when_gavel_received_them() {
    let start = Utc::now().trunc_subsecs(3) + chrono::Duration::seconds(4);
    let end = start + chrono::Duration::seconds(6);
    // Anti-snipe: a bid in the last 2 s moves the end to 3 s after it.
    let cluster = Cluster::with_lot(start, end, (2, 3)).await;
    let late =
        LateInstance { cluster: &cluster, publisher: ConfirmedPublisher::open(&cluster.sandbox.connection).await.expect("publisher") };
    late.watermark(start - chrono::Duration::seconds(1)).await;
    let _relay = cluster.spawn(&["outbox-relay"], &[]);
    let _a = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-a")]);
    let _b = cluster.spawn(&["chat-ingest"], &[("GAVEL__CHAT__INSTANCE", "ingest-b")]);
    tokio::time::timeout(Duration::from_secs(30), cluster.twitch.wait_for_joins(2)).await.expect("both instances joined");
    sleep_until(start + chrono::Duration::milliseconds(200)).await;

    // 150 ordinary bids while the lot is open; no engine runs, so they queue.
    let viewer = |i: usize| &cluster.viewers[i % cluster.viewers.len()];
    for i in 0..150 {
        cluster.twitch.say(CHANNEL, viewer(i), &format!("!bid 0.{:018}", 1_000 + i)).await;
    }
    // The late instance receives a bid inside the anti-snipe window…
    sleep_until(end - chrono::Duration::seconds(1)).await;
    let snipe_received = Utc::now().trunc_subsecs(6);
    let snipe = BidCommand {
        message_id: "twitch:snipe".into(),
        instance: "late-instance".into(),
        channel: format!("twitch:{CHANNEL}"),
        bidder: BidderId::parse("twitch:25").expect("id"),
        login: "viewer25".into(),
        display_name: "viewer25".into(),
        kind: BidKind::Plain(Wei::from(5_000u128)),
        received_at: snipe_received,
        platform_sent_at: None,
    };
    // …then the real instances receive later bids, which reach the queue first.
    sleep_until(end - chrono::Duration::milliseconds(500)).await;
    let ahead = cluster.twitch.say(CHANNEL, viewer(1), "!bid 0.000000000000006000").await;
    sleep_until(end + chrono::Duration::seconds(1)).await;
    let after_old_end = cluster.twitch.say(CHANNEL, viewer(2), "!bid 0.000000000000007000").await;
    let new_end = snipe_received + chrono::Duration::seconds(3);
    // That bid is inside the new window too, so it extends the end once more (to about end + 4 s).
    sleep_until(end + chrono::Duration::milliseconds(4_600)).await;
    let too_late = cluster.twitch.say(CHANNEL, viewer(3), "!bid 0.000000000000008000").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    late.send(BidsQueueMessage::Bid(snipe)).await;
    late.watermark(Utc::now()).await;

    let pool = cluster.sandbox.pool.clone();
    let decided_before: i64 = sqlx::query_scalar("SELECT count(*) FROM bids").fetch_one(&pool).await.expect("count");
    assert_eq!(decided_before, 0, "nothing decided while the engine is held back");
    let queued = {
        let channel = cluster.sandbox.connection.create_channel().await.expect("channel");
        let passive = gavel_bus::lapin::options::QueueDeclareOptions { passive: true, ..Default::default() };
        channel
            .queue_declare(cluster.sandbox.topology.bids_queue().into(), passive, Default::default())
            .await
            .expect("queue")
            .message_count()
    };
    assert!(queued >= 100, "at least 100 bids still queued at the end: {queued}");

    // The engine starts long after the end.
    let _manager = cluster.spawn(&["auction-manager"], &[]);
    let lot = cluster.lot;
    eventually(Duration::from_secs(60), "the lot to close", || {
        let pool = pool.clone();
        async move { gavel_store::lots::get(&pool, lot).await.ok().flatten().is_some_and(|r| r.lot.winner_final_at.is_some()) }
    })
    .await;

    let decision = |key: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<String>)>("SELECT decision, reason_code FROM bids WHERE idempotency_key = $1")
                .bind(key)
                .fetch_one(&pool)
                .await
                .expect("decided")
        }
    };
    assert_eq!(decision("twitch:snipe".into()).await, ("ACCEPTED".into(), None), "the anti-snipe bid counts");
    assert_eq!(decision(format!("twitch:{ahead}")).await, ("ACCEPTED".into(), None), "decided after the earlier-received snipe");
    assert_eq!(decision(format!("twitch:{after_old_end}")).await, ("ACCEPTED".into(), None), "received before the extended end");
    assert_eq!(decision(format!("twitch:{too_late}")).await, ("REJECTED".into(), Some("late".into())), "received after the extended end");
    let extended: Vec<serde_json::Value> = sqlx::query_scalar("SELECT payload FROM outbox WHERE event_type = 'lot.extended' ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("extended");
    assert_eq!(extended.len(), 2, "the snipe, then the bid after the old end: {extended:?}");
    assert_eq!(extended[0]["ends_at"].as_str().and_then(|s| s.parse::<DateTime<Utc>>().ok()), Some(new_end), "the snipe extended first");
    let final_end = gavel_store::lots::get(&pool, lot).await.expect("lot").expect("lot").lot.ends_at;

    // Every bid received before the (extended) end was decided before lot.closed was written.
    let (closed_at,): (i64,) =
        sqlx::query_as("SELECT id FROM outbox WHERE event_type = 'lot.closed'").fetch_one(&pool).await.expect("closed");
    let decided_after: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE event_type IN ('bid.accepted', 'bid.rejected') AND id > $1
           AND (payload->>'received_at')::timestamptz < $2",
    )
    .bind(closed_at)
    .bind(final_end)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(decided_after, 0, "no bid received before the end was decided after lot.closed");
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM bids").fetch_one(&pool).await.expect("count");
    assert_eq!(total, 150 + 4, "every bid decided once");
    cluster.finish().await;
}
