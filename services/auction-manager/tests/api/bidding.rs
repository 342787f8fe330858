//! Bids decided and recorded through the engine's decision step, then moderated through the
//! API: leaderboard, history, bid log, pause, void, ban, extend, cancel.

use chrono::{DateTime, Duration, Utc};
use gavel_auction_manager::engine::{Outcome, decide_now};
use gavel_auction_manager::scheduler::advance_due_lots;
use gavel_bus::messages::BidCommand;
use gavel_domain::bidding::{BidKind, Decision, Rejection};
use gavel_domain::{BidderId, Wei};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ETH, TestApp, now};

pub(crate) fn eth(hundredths: u128) -> Wei {
    Wei::from(hundredths * ETH / 100)
}

/// A bidder with a bound wallet and a deposit credited the way the chain watcher will.
pub(crate) async fn funded_bidder(app: &TestApp, user: u32, deposit: Wei) -> BidderId {
    let id = BidderId::parse(&format!("twitch:{user}")).expect("id");
    let login = format!("viewer{user}");
    bidders::upsert_many(&app.pool, &[id.as_str()], &[login.as_str()], &[login.as_str()]).await.expect("upsert");
    let wallet = format!("0x{user:040x}");
    assert!(bidders::bind_wallet(&app.pool, &id, &wallet).await.expect("bind"));
    let entry = LedgerEntry {
        wallet,
        kind: LedgerKind::Deposit,
        amount: deposit,
        commitment: None,
        tx_hash: format!("0x{user:064x}"),
        log_index: 0,
        block_number: 1,
    };
    assert!(bidders::credit(&app.pool, &entry).await.expect("credit"));
    assert!(!bidders::credit(&app.pool, &entry).await.expect("credit"), "a log is credited once");
    id
}

pub(crate) struct Open {
    pub app: TestApp,
    pub lot: i64,
    pub start: DateTime<Utc>,
}

/// A running app with one lot of channel `twitch:gavel` opened (time controlled: at `start`).
pub(crate) async fn open_lot(pool: sqlx::PgPool) -> Open {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    let lot = app.lot(marathon, 0, start, start + Duration::hours(1)).await;
    advance_due_lots(&app.pool, start).await.expect("open");
    Open { app, lot, start }
}

fn command(key: &str, bidder: &BidderId, kind: BidKind, received_at: DateTime<Utc>) -> BidCommand {
    BidCommand {
        message_id: format!("twitch:{key}"),
        instance: "test-ingest".into(),
        channel: "twitch:gavel".into(),
        bidder: bidder.clone(),
        login: "viewer".into(),
        display_name: "Viewer".into(),
        kind,
        received_at,
        platform_sent_at: None,
    }
}

pub(crate) async fn bid(open: &Open, key: &str, bidder: &BidderId, kind: BidKind, secs: i64) -> Outcome {
    let received_at = open.start + Duration::seconds(secs);
    let mut outcomes = decide_now(&open.app.pool, &[command(key, bidder, kind, received_at)], received_at).await.expect("decided");
    outcomes.pop().map(|(_, outcome)| outcome).expect("an outcome")
}

fn decision(outcome: Outcome) -> Decision {
    match outcome {
        Outcome::Decided { decision, .. } => decision,
        Outcome::Duplicate => panic!("duplicate"),
    }
}

fn bid_id(outcome: &Outcome) -> i64 {
    match outcome {
        Outcome::Decided { bid_id, .. } => bid_id.0,
        Outcome::Duplicate => panic!("duplicate"),
    }
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn bids_are_decided_once_and_shown_in_order(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob, carol) =
        (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await, funded_bidder(app, 3, eth(5)).await);
    assert!(matches!(decision(bid(&open, "m1", &alice, BidKind::Plain(eth(5)), 1).await), Decision::Accepted(_)));
    assert_eq!(bid(&open, "m1", &alice, BidKind::Plain(eth(5)), 1).await, Outcome::Duplicate, "the same message twice is one bid");
    assert_eq!(
        decision(bid(&open, "m2", &bob, BidKind::Plain(eth(5)), 2).await),
        Decision::Rejected(Rejection::BelowMinimum { minimum: Wei::from(525 * ETH / 10_000) })
    );
    assert!(matches!(decision(bid(&open, "m3", &bob, BidKind::Plain(eth(10)), 3).await), Decision::Accepted(_)));
    assert_eq!(
        decision(bid(&open, "m4", &carol, BidKind::Plain(eth(20)), 4).await),
        Decision::Rejected(Rejection::InsufficientPower { power: eth(5) })
    );
    let unlinked = BidderId::parse("twitch:999").expect("id");
    assert_eq!(decision(bid(&open, "m5", &unlinked, BidKind::Plain(eth(50)), 5).await), Decision::Rejected(Rejection::NotLinked));

    let mut elsewhere = command("m6", &alice, BidKind::Plain(eth(50)), open.start);
    elsewhere.channel = "twitch:nobody".into();
    let outcomes = decide_now(&app.pool, &[elsewhere.clone(), elsewhere.clone()], open.start).await.expect("decided");
    assert!(
        matches!(&outcomes[..], [(_, Outcome::Duplicate), (_, Outcome::Decided { decision: Decision::Rejected(Rejection::NoLot), .. })]),
        "{outcomes:?}"
    );
    assert_eq!(decide_now(&app.pool, &[elsewhere], open.start).await.expect("decided")[0].1, Outcome::Duplicate);

    let (status, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lot["high_bid"], json!({ "bidder": "twitch:2", "amount": { "wei": "100000000000000000", "eth": "0.1" } }));
    assert_eq!(
        lot["top"].as_array().map(|top| top.iter().map(|s| s["bidder"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("twitch:2"), json!("twitch:1")])
    );
    let (_, board) = app.get(&format!("/api/lots/{}/leaderboard", open.lot), &app.viewer).await;
    assert_eq!(board, lot["top"]);

    // History pages newest first.
    let (_, page) = app.get(&format!("/api/lots/{}/bids?limit=3", open.lot), &app.viewer).await;
    let keys: Vec<_> = page["bids"].as_array().expect("bids").iter().map(|b| b["decision"].clone()).collect();
    assert_eq!(keys, [json!("REJECTED"), json!("REJECTED"), json!("ACCEPTED")]);
    let before = page["next_before"].as_i64().expect("more pages");
    let (_, rest) = app.get(&format!("/api/lots/{}/bids?limit=3&before={before}", open.lot), &app.viewer).await;
    assert_eq!(rest["bids"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest["bids"][1]["reason"], json!(null));
    assert_eq!(rest["bids"][0]["reason"], "the next bid must be at least 0.0525 ETH");

    // The public bid log needs no token and holds only accepted amounts, in order.
    let (status, log) = app.request(reqwest::Method::GET, &format!("/api/public/lots/{}/bid-log", open.lot), None, None).await;
    assert_eq!(status, StatusCode::OK);
    let amounts: Vec<_> =
        log["entries"].as_array().expect("entries").iter().map(|e| (e["bidder"].clone(), e["amount_wei"].clone())).collect();
    assert_eq!(amounts, [(json!("twitch:1"), json!("50000000000000000")), (json!("twitch:2"), json!("100000000000000000"))]);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_void_recomputes_the_lead_until_the_winner_is_final(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob, carol) =
        (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await, funded_bidder(app, 3, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    bid(&open, "c1", &carol, BidKind::Plain(eth(10)), 1).await;
    let fat_finger = bid_id(&bid(&open, "b1", &bob, BidKind::Plain(eth(90)), 2).await);

    let (status, _) = app.post(&format!("/api/bids/{fat_finger}/void"), &app.viewer, json!({ "reason": "typo" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.post(&format!("/api/bids/{fat_finger}/void"), &app.operator, json!({ "reason": "meant 0.09" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 0.1 ETH leads 0.05 ETH: amounts compare as numbers, not as text.
    assert_eq!(body["high_bidder"], "twitch:3");
    assert_eq!(body["high_amount"], "100000000000000000");
    let (status, _) = app.post(&format!("/api/bids/{fat_finger}/void"), &app.operator, json!({ "reason": "again" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "a void happens once");

    let (_, log) = app.request(reqwest::Method::GET, &format!("/api/public/lots/{}/bid-log", open.lot), None, None).await;
    let kinds: Vec<_> = log["entries"].as_array().expect("entries").iter().map(|e| (e["kind"].clone(), e["voided"].clone())).collect();
    assert_eq!(
        kinds,
        [(json!(1), json!(false)), (json!(1), json!(false)), (json!(1), json!(true)), (json!(2), json!(false))],
        "the void is appended, history kept"
    );
    // Bob's power is back: he can bid again from the recomputed lead.
    assert!(matches!(decision(bid(&open, "b2", &bob, BidKind::Plain(eth(11)), 3).await), Decision::Accepted(_)));

    sqlx::query("UPDATE lots SET state = 'PROCESSING', winner_final_at = now() WHERE id = $1")
        .bind(open.lot)
        .execute(&app.pool)
        .await
        .expect("finalise");
    let last = bid_id(&bid(&open, "a9", &alice, BidKind::Plain(eth(1)), 4).await);
    let accepted: i64 =
        sqlx::query_scalar("SELECT id FROM bids WHERE idempotency_key = 'twitch:b2'").fetch_one(&app.pool).await.expect("b2");
    let (status, body) = app.post(&format!("/api/bids/{accepted}/void"), &app.operator, json!({ "reason": "too late" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("winner is final"));
    let (status, _) =
        app.post(&format!("/api/bids/{last}/void"), &app.operator, json!({ "reason": "rejected bids are not voidable" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_ban_rejects_new_bids_and_can_void_standing_ones(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    bid(&open, "b1", &bob, BidKind::Max(eth(50)), 2).await;
    let (status, body) =
        app.post("/api/bidders/twitch:2/ban", &app.operator, json!({ "reason": "shill bidding", "void_standing_bids": true })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bidder"]["banned"], true);
    assert_eq!(body["voided_bids"].as_array().map(Vec::len), Some(1));
    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(lot["high_bid"]["bidder"], "twitch:1", "the lead falls back to alice");
    assert_eq!(decision(bid(&open, "b2", &bob, BidKind::Plain(eth(60)), 3).await), Decision::Rejected(Rejection::Banned));

    let (status, body) = app.post("/api/bidders/twitch:2/unban", &app.operator, json!({})).await;
    assert_eq!((status, body["bidder"]["banned"].as_bool(), body["changed"].as_bool()), (StatusCode::OK, Some(false), Some(true)));
    assert!(matches!(decision(bid(&open, "b3", &bob, BidKind::Plain(eth(60)), 4).await), Decision::Accepted(_)));
    let (status, _) = app.post("/api/bidders/twitch:404/ban", &app.operator, json!({ "reason": "x" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.post("/api/bidders/not-an-id/ban", &app.operator, json!({ "reason": "x" })).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bidder_id")));
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn pause_extend_and_cancel(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let alice = funded_bidder(app, 1, eth(100)).await;
    let (status, body) = app.post("/api/bidding/pause", &app.operator, json!({})).await;
    assert_eq!((status, body["changed"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(decision(bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await), Decision::Rejected(Rejection::Paused));
    let (_, body) = app.post("/api/bidding/resume", &app.operator, json!({})).await;
    assert_eq!(body["bidding_paused"], false);
    assert!(matches!(decision(bid(&open, "a2", &alice, BidKind::Plain(eth(5)), 2).await), Decision::Accepted(_)));

    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    let later = open.start + Duration::hours(2);
    let (status, body) = app.post(&format!("/api/lots/{}/extend", open.lot), &app.operator, json!({ "ends_at": later })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["ends_at"], lot["ends_at"]);
    let (status, _) = app.post(&format!("/api/lots/{}/extend", open.lot), &app.operator, json!({ "ends_at": open.start })).await;
    assert_eq!(status, StatusCode::CONFLICT, "an extension never moves the end earlier");

    let (status, _) = app.post(&format!("/api/lots/{}/cancel", open.lot), &app.operator, json!({ "reason": "stream down" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "cancelling is an admin's call");
    let (status, body) = app.post(&format!("/api/lots/{}/cancel", open.lot), &app.admin, json!({ "reason": "stream down" })).await;
    assert_eq!((status, body["state"].as_str()), (StatusCode::OK, Some("CANCELLED")));
    let (status, body) = app.post(&format!("/api/lots/{}/cancel", open.lot), &app.admin, json!({ "reason": "again" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(decision(bid(&open, "a3", &alice, BidKind::Plain(eth(50)), 3).await), Decision::Rejected(Rejection::LotOver));

    let types: Vec<String> =
        gavel_store::outbox::for_lot(&app.pool, open.lot).await.expect("events").iter().map(|e| e.event.event_type().to_owned()).collect();
    assert_eq!(types, ["lot.opened", "bid.rejected", "bid.accepted", "lot.extended", "lot.cancelled", "bid.rejected"]);
    let audit = gavel_store::audit::for_target(&app.pool, &format!("lot:{}", open.lot)).await.expect("audit");
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["lot.create", "lot.extend", "lot.cancel"]);
    let pauses = gavel_store::audit::for_target(&app.pool, "bidding").await.expect("audit");
    assert_eq!(pauses.len(), 2);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn voiding_a_proxy_voids_its_raises_and_a_max_raise_can_be_voided(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    let proxy = bid_id(&bid(&open, "a1", &alice, BidKind::Max(eth(50)), 1).await);
    let raise = bid_id(&bid(&open, "a2", &alice, BidKind::Max(eth(80)), 2).await);
    let answered = bid(&open, "b1", &bob, BidKind::Plain(eth(20)), 3).await;
    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(lot["high_bid"]["bidder"], "twitch:1", "alice's proxy answered bob: {answered:?} {lot}");

    // The max raise holds no log entry; voiding it withdraws the raise and keeps the lead.
    let (status, body) = app.post(&format!("/api/bids/{raise}/void"), &app.operator, json!({ "reason": "meant 8" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["high_bidder"], "twitch:1");
    // Voiding the proxy itself voids its opening amount and the raise it made against bob.
    let (status, body) = app.post(&format!("/api/bids/{proxy}/void"), &app.operator, json!({ "reason": "shill" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["high_bidder"].as_str(), body["high_amount"].as_str()), (Some("twitch:2"), Some("200000000000000000")));
    let (_, log) = app.request(reqwest::Method::GET, &format!("/api/public/lots/{}/bid-log", open.lot), None, None).await;
    let standing: Vec<_> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == 1 && e["voided"] == false)
        .map(|e| e["bidder"].clone())
        .collect();
    assert_eq!(standing, [json!("twitch:2")]);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn banning_a_proxy_bidder_hands_the_lead_back(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Max(eth(50)), 1).await;
    bid(&open, "a2", &alice, BidKind::Max(eth(60)), 2).await;
    bid(&open, "b1", &bob, BidKind::Plain(eth(20)), 3).await;
    let (status, body) =
        app.post("/api/bidders/twitch:1/ban", &app.operator, json!({ "reason": "shill", "void_standing_bids": true })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["voided_bids"].as_array().map(Vec::len), Some(2));
    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(lot["high_bid"]["bidder"], "twitch:2", "the banned proxy's raise is gone: {lot}");
    let (status, body) = app.post("/api/bidders/twitch:2/unban", &app.operator, json!({})).await;
    assert_eq!((status, body["changed"].as_bool()), (StatusCode::OK, Some(false)), "unbanning someone not banned changes nothing");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn at_a_tie_the_earlier_bidder_leads_everywhere(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob, carol) =
        (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await, funded_bidder(app, 3, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Max(eth(50)), 1).await;
    bid(&open, "b1", &bob, BidKind::Plain(eth(50)), 2).await;
    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(lot["high_bid"]["bidder"], "twitch:1");
    assert_eq!(lot["top"][0]["bidder"], "twitch:1", "the leaderboard agrees with the lead: {lot}");
    // An unrelated void recomputes the lead from the log: still alice.
    let carols = bid_id(&bid(&open, "c1", &carol, BidKind::Plain(eth(60)), 3).await);
    let (_, body) = app.post(&format!("/api/bids/{carols}/void"), &app.operator, json!({ "reason": "test" })).await;
    assert_eq!(body["high_bidder"], "twitch:1", "{body}");
}
