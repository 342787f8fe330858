//! Bids decided and recorded through the engine's decision step, then moderated through the
//! API: leaderboard, history, bid log, pause, void, ban, extend, cancel.

use chrono::{DateTime, Duration, Utc};
use gavel_auction_manager::engine::{PlaceBid, Placed, place_bid};
use gavel_auction_manager::scheduler::advance_due_lots;
use gavel_domain::bidding::{BidKind, Decision, Rejection};
use gavel_domain::{BidderId, LotId, Wei};
use gavel_store::bidders::{self, LedgerEntry, LedgerKind};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ETH, TestApp, now};

fn eth(hundredths: u128) -> Wei {
    Wei::from(hundredths * ETH / 100)
}

/// A bidder with a bound wallet and a deposit credited the way the chain watcher will.
async fn funded_bidder(app: &TestApp, user: u32, deposit: Wei) -> BidderId {
    let id = BidderId::parse(&format!("twitch:{user}")).expect("id");
    bidders::upsert(&app.pool, &id, &format!("viewer{user}"), &format!("Viewer{user}")).await.expect("upsert");
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

struct Open {
    app: TestApp,
    lot: i64,
    start: DateTime<Utc>,
}

/// A running app with one lot opened (time controlled: it opened at `start`).
async fn open_lot(pool: sqlx::PgPool) -> Open {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    let lot = app.lot(marathon, 0, start, start + Duration::hours(1)).await;
    advance_due_lots(&app.pool, start).await.expect("open");
    Open { app, lot, start }
}

async fn bid(open: &Open, key: &str, bidder: &BidderId, kind: BidKind, secs: i64) -> Placed {
    let received_at = open.start + Duration::seconds(secs);
    let command = PlaceBid {
        idempotency_key: key.into(),
        lot_id: LotId(open.lot),
        bidder: bidder.clone(),
        kind,
        received_at,
        platform_sent_at: None,
    };
    place_bid(&open.app.pool, &command, received_at).await.expect("decided")
}

fn decision(placed: Placed) -> Decision {
    match placed {
        Placed::Decided { decision, .. } => decision,
        Placed::Duplicate(bid) => panic!("duplicate of {bid:?}"),
    }
}

fn bid_id(placed: &Placed) -> i64 {
    match placed {
        Placed::Decided { bid_id, .. } => bid_id.0,
        Placed::Duplicate(bid) => bid.id.0,
    }
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn bids_are_decided_once_and_shown_in_order(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob, carol) =
        (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await, funded_bidder(app, 3, eth(5)).await);
    assert!(matches!(decision(bid(&open, "m1", &alice, BidKind::Plain(eth(5)), 1).await), Decision::Accepted(_)));
    assert!(matches!(bid(&open, "m1", &alice, BidKind::Plain(eth(5)), 1).await, Placed::Duplicate(_)), "the same message twice is one bid");
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

    let nowhere = PlaceBid {
        idempotency_key: "m6".into(),
        lot_id: LotId(9_999),
        bidder: alice.clone(),
        kind: BidKind::Plain(eth(50)),
        received_at: open.start,
        platform_sent_at: None,
    };
    assert_eq!(
        decision(place_bid(&app.pool, &nowhere, open.start).await.expect("decided")),
        Decision::Rejected(Rejection::NotOpen),
        "a bid for no lot is still decided"
    );
    assert!(matches!(place_bid(&app.pool, &nowhere, open.start).await.expect("decided"), Placed::Duplicate(_)));

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
    let accepted: i64 = sqlx::query_scalar("SELECT id FROM bids WHERE idempotency_key = 'b2'").fetch_one(&app.pool).await.expect("b2");
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
    assert_eq!((status, body["banned"].as_bool()), (StatusCode::OK, Some(false)));
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
