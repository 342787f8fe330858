//! What the operator's console asks of the API on a live show: a lot paused alone, voids and
//! bans with void undone while the lot is open, the lot's audit trail, a cancelled day run again,
//! a marathon rescheduled or deleted before anything happened in it, the rules that catch typing
//! slips, the event log searched by bidder and paged, and the chain as the settlement service
//! reports it.

use chrono::{Duration, Utc};
use gavel_auction_manager::scheduler::advance_due_lots;
use gavel_domain::bidding::BidKind;
use gavel_domain::{LotId, Wei};
use gavel_store::{bidders, bids, heartbeats, outbox};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::bidding::{bid, eth, funded_bidder, open_lot};
use crate::helpers::{TestApp, now};

fn high(lot: &Value) -> (Option<&str>, Option<&str>) {
    (lot["high_bid"]["bidder"].as_str(), lot["high_bid"]["amount"]["wei"].as_str())
}

async fn audit_actions(app: &TestApp, lot: i64) -> Vec<(String, String)> {
    let (status, trail) = app.get(&format!("/api/lots/{lot}/audit"), &app.viewer).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    trail["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (entry["action"].as_str().unwrap_or_default().to_owned(), entry["username"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_lot_paused_alone_refuses_bids_does_not_end_and_gets_its_time_back(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let alice = funded_bidder(app, 1, eth(100)).await;
    let path = |action: &str| format!("/api/lots/{}/{action}", open.lot);
    let (status, _) = app.post(&path("pause"), &app.viewer, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, paused) = app.post(&path("pause"), &app.operator, json!({ "reason": "stream dropped" })).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert!(paused["paused_at"].is_string(), "{paused}");
    let (status, body) = app.request(Method::POST, &path("pause"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "paused once: {body}");

    // Bids received during the pause are refused as paused, with their amount on the event.
    let outcome = bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    assert!(format!("{outcome:?}").contains("Paused"), "{outcome:?}");
    let rejected = outbox::for_lot(&app.pool, open.lot).await.expect("events").into_iter().rev().find_map(|stored| match stored.event {
        gavel_domain::events::Event::BidRejected(rejected) => Some(rejected),
        _ => None,
    });
    assert_eq!(rejected.and_then(|rejected| rejected.amount), Some(eth(5)), "bid.rejected carries the amount offered");

    // The clock does not close a paused lot, even past its end.
    advance_due_lots(&app.pool, open.start + Duration::hours(2)).await.expect("clock");
    let (_, lot) = app.get(&format!("/api/lots/{}", open.lot), &app.viewer).await;
    assert_eq!(lot["state"], "ACTIVE");

    let moved = |value: &Value| value.as_str().and_then(|text| text.parse::<chrono::DateTime<chrono::Utc>>().ok()).expect("a time");
    // A pause longer than the time that was left: the end lies in the past, and +1 min still
    // moves it later (the clock stands still, so "in the future" does not apply).
    let past = now() - Duration::minutes(5);
    sqlx::query("UPDATE lots SET starts_at = $2 - interval '1 hour', ends_at = $2, paused_at = $2 - interval '10 seconds' WHERE id = $1")
        .bind(open.lot)
        .bind(past)
        .execute(&app.pool)
        .await
        .expect("a long pause");
    let (status, body) = app.post(&path("extend"), &app.operator, json!({ "by_secs": 60 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(moved(&body["ends_at"]), past + Duration::minutes(1), "+1 min counts from the end as it stands: {body}");
    for wrong in [json!({ "by_secs": 0 }), json!({ "by_secs": 60, "ends_at": past }), json!({})] {
        let (status, body) = app.post(&path("extend"), &app.operator, wrong.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}: {body}");
    }

    // No body at all is a resume as much as an empty one.
    let (status, resumed) = app.request(Method::POST, &path("resume"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["paused_at"], Value::Null);
    assert!(moved(&resumed["ends_at"]) > Utc::now(), "the time left is given back: {resumed}");
    let (status, _) = app.request(Method::POST, &path("resume"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "only a paused lot resumes");

    let types: Vec<String> =
        outbox::for_lot(&app.pool, open.lot).await.expect("events").iter().map(|e| e.event.event_type().to_owned()).collect();
    assert_eq!(types, ["lot.opened", "lot.paused", "bid.rejected", "lot.extended", "lot.resumed"]);
    let trail = audit_actions(app, open.lot).await;
    let otto = |action: &str| (action.to_owned(), "otto".to_owned());
    assert_eq!(trail[..3], [otto("lot.resume"), otto("lot.extend"), otto("lot.pause")]);
    let (_, full) = app.get(&format!("/api/lots/{}/audit", open.lot), &app.viewer).await;
    assert_eq!(full["entries"][2]["details"]["reason"], "stream dropped");

    // A dispute on air: paused, then cancelled.
    let (status, _) = app.post(&path("pause"), &app.operator, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, cancelled) = app.post(&path("cancel"), &app.admin, json!({ "reason": "disputed" })).await;
    assert_eq!(status, StatusCode::OK, "a paused lot can be cancelled: {cancelled}");
    assert_eq!((cancelled["state"].as_str(), &cancelled["paused_at"]), (Some("CANCELLED"), &Value::Null));

    // The trail ends with the lot: a pause of all bidding afterwards is another lot's business.
    for action in ["pause", "resume"] {
        let (status, _) = app.post(&format!("/api/bidding/{action}"), &app.operator, json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let trail = audit_actions(app, open.lot).await;
    assert_eq!(trail.first().map(|(action, _)| action.as_str()), Some("lot.cancel"), "{trail:?}");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_max_bids_ceiling_stays_off_its_void(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let alice = funded_bidder(app, 1, eth(100)).await;
    bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    // Leading, Alice raises her ceiling: no amount enters the log, and the ceiling is private.
    let raise = match bid(&open, "a2", &alice, BidKind::Max(eth(50)), 2).await {
        gavel_auction_manager::engine::Outcome::Decided { bid_id, .. } => bid_id.0,
        other => panic!("{other:?}"),
    };
    let (status, voided) = app.post(&format!("/api/bids/{raise}/void"), &app.operator, json!({ "reason": "typo" })).await;
    assert_eq!(status, StatusCode::OK, "{voided}");
    assert_eq!(voided["amount"], Value::Null, "the ceiling would reach public streams: {voided}");
    let (status, reinstated) = app.request(Method::POST, &format!("/api/bids/{raise}/reinstate"), Some(&app.operator), None).await;
    assert_eq!((status, &reinstated["amount"]), (StatusCode::OK, &Value::Null), "{reinstated}");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_void_and_a_ban_with_void_are_undone_while_the_lot_is_open(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    let bob_bid = match bid(&open, "b1", &bob, BidKind::Plain(eth(10)), 2).await {
        gavel_auction_manager::engine::Outcome::Decided { bid_id, .. } => bid_id.0,
        other => panic!("{other:?}"),
    };
    let lot_path = format!("/api/lots/{}", open.lot);
    let bob_leads = (Some("twitch:2"), Some("100000000000000000"));
    let alice_leads = (Some("twitch:1"), Some("50000000000000000"));

    let (status, _) = app.post(&format!("/api/bids/{bob_bid}/void"), &app.operator, json!({ "reason": "fat finger" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(high(&app.get(&lot_path, &app.viewer).await.1), alice_leads);
    let (status, _) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.viewer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["high_bidder"].as_str(), body["high_amount"].as_str()), bob_leads);
    assert_eq!(high(&app.get(&lot_path, &app.viewer).await.1), bob_leads, "the undo restores the lead");
    let (status, _) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a bid that stands cannot be reinstated");

    // The log only grows: the void and its undo are both in the hash chain.
    let log = bids::log(&app.pool, LotId(open.lot)).await.expect("log");
    assert_eq!(log.iter().map(|entry| (entry.kind, entry.voided)).collect::<Vec<_>>(), [(1, false), (1, false), (2, false), (3, false)]);
    let head = gavel_domain::bid_log::head_of_published(LotId(open.lot), log.iter().map(|entry| entry.published()));
    assert!(head.is_ok(), "a reinstatement is a link of the chain: {head:?}");

    // A ban that voided Bob's bid, undone: unbanned and the bid standing again, in one step.
    let (status, banned) =
        app.post("/api/bidders/twitch:2/ban", &app.operator, json!({ "reason": "shill", "void_standing_bids": true })).await;
    assert_eq!(status, StatusCode::OK, "{banned}");
    assert_eq!(banned["voided_bids"], json!([bob_bid]));
    assert_eq!(high(&app.get(&lot_path, &app.viewer).await.1), alice_leads);
    let (status, body) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a banned bidder's bid stays void: {body}");
    let (status, body) = app.post("/api/bidders/twitch:1/unban", &app.operator, json!({ "reinstate_bids": [bob_bid] })).await;
    assert_eq!(status, StatusCode::CONFLICT, "only the bidder's own bids: {body}");
    let (status, body) = app.post("/api/bidders/twitch:2/unban", &app.operator, json!({ "reinstate_bids": [bob_bid] })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["bidder"]["banned"].as_bool(), body["changed"].as_bool()), (Some(false), Some(true)));
    assert_eq!(body["reinstated_bids"], json!([bob_bid]));
    assert_eq!(high(&app.get(&lot_path, &app.viewer).await.1), bob_leads);

    let trail: Vec<String> = audit_actions(app, open.lot).await.into_iter().map(|(action, _)| action).collect();
    assert_eq!(trail, ["bidder.unban", "bidder.ban", "bid.reinstate", "bid.void", "lot.create"]);
    let (_, log) = app.request(Method::GET, &format!("/api/public/lots/{}/bid-log", open.lot), None, None).await;
    assert!(log["entries"].as_array().is_some_and(|entries| entries.iter().any(|entry| entry["kind"] == 3)), "{log}");

    // An undo only while the bidder can still pay: Bob asked to withdraw most of his escrow since.
    let (status, _) = app.post(&format!("/api/bids/{bob_bid}/void"), &app.operator, json!({ "reason": "fat finger" })).await;
    assert_eq!(status, StatusCode::OK);
    let withdrawal = bidders::LedgerEntry {
        wallet: format!("0x{:040x}", 2),
        kind: bidders::LedgerKind::WithdrawalRequested,
        amount: eth(95),
        commitment: None,
        tx_hash: format!("0x{:064x}", 0xdead),
        log_index: 0,
        block_number: 2,
    };
    assert!(bidders::credit(&app.pool, &withdrawal).await.expect("credit"));
    let (status, body) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("no longer covers"), "{body}");
    assert_eq!(high(&app.get(&lot_path, &app.viewer).await.1), alice_leads, "the refused undo changed nothing");

    // An undo only while nothing was accepted since the void: a later bid's contest stands.
    let carol = funded_bidder(app, 3, eth(100)).await;
    bid(&open, "c1", &carol, BidKind::Plain(eth(8)), 3).await;
    let (status, body) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("accepted a bid since"), "{body}");

    // Once the winner is final, voids are for good.
    sqlx::query("UPDATE lots SET state = 'PROCESSING', winner_final_at = now() WHERE id = $1")
        .bind(open.lot)
        .execute(&app.pool)
        .await
        .expect("finalise");
    let (status, body) = app.request(Method::POST, &format!("/api/bids/{bob_bid}/reinstate"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("winner is final"), "{body}");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_lot_whose_bids_were_all_voided_has_no_participants(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    bid(&open, "a1", &alice, BidKind::Plain(eth(5)), 1).await;
    bid(&open, "b1", &bob, BidKind::Plain(eth(10)), 2).await;
    assert_eq!(bids::participants(&app.pool, LotId(open.lot)).await.expect("count"), 2);
    for bidder in ["twitch:1", "twitch:2"] {
        let (status, _) =
            app.post(&format!("/api/bidders/{bidder}/ban"), &app.operator, json!({ "reason": "test", "void_standing_bids": true })).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(bids::participants(&app.pool, LotId(open.lot)).await.expect("count"), 0, "no bidder stands beside 'no bids yet'");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_cancelled_day_can_be_run_again(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    let first = app.lot(marathon, 0, start, start + Duration::hours(1)).await;
    let lot = json!({ "day_index": 0, "token_uri": "ipfs://again", "image_url": "https://img.example/again.png",
                      "starts_at": start, "ends_at": start + Duration::hours(1) });
    let later = json!({ "day_index": 0, "token_uri": "ipfs://again", "image_url": "https://img.example/again.png",
                        "starts_at": start + Duration::hours(2), "ends_at": start + Duration::hours(3) });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, later).await;
    assert_eq!(status, StatusCode::CONFLICT, "one lot a day: {body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("day 1"), "days are counted from 1 for people: {body}");
    let (status, _) = app.post(&format!("/api/lots/{first}/cancel"), &app.admin, json!({ "reason": "artist withdrew" })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, lot.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_ne!(body["id"].as_i64(), Some(first), "a new lot, and a new token");
    let (status, _) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, lot).await;
    assert_eq!(status, StatusCode::CONFLICT, "still one lot a day among those not cancelled");
    // Both start together: the channel's bids go to the new lot, not the cancelled one.
    let started = gavel_store::lots::started_in_channel(&app.pool, "twitch:gavel", start).await.expect("lots");
    assert_eq!(started.first().map(|(id, _)| *id), body["id"].as_i64());
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn typing_slips_in_a_marathon_are_refused_at_their_field(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let slips = [
        (json!({ "first_day": "2020-01-01" }), "first_day", "today"),
        (json!({ "chat_channels": ["gavel"] }), "chat_channels", "twitch:gavel"),
        (json!({ "anti_snipe_extension_secs": 0 }), "anti_snipe_extension_secs", "window"),
    ];
    for (slip, field, says) in slips {
        let (status, body) = app.post("/api/marathons", &app.admin, crate::helpers::marathon_spec(slip.clone())).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{slip}: {body}");
        assert!(body["message"].as_str().unwrap_or_default().contains(says), "{slip}: {body}");
    }
    let off = crate::helpers::marathon_spec(json!({ "anti_snipe_window_secs": 0, "anti_snipe_extension_secs": 0 }));
    let (status, body) = app.post("/api/marathons", &app.admin, off).await;
    assert_eq!(status, StatusCode::CREATED, "anti-snipe off is a window of 0: {body}");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_marathon_is_rescheduled_or_deleted_only_before_a_lot_opens(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let (status, lot) = app
        .post(
            &format!("/api/marathons/{marathon}/lots"),
            &app.admin,
            json!({ "day_index": 1, "token_uri": "ipfs://a", "image_url": "https://a.example/a.png" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lot}");
    assert_eq!(lot["starts_at"], "2030-01-02T19:00:00Z", "20:00 in Paris on day 2");
    let edit = json!({ "first_day": "2030-02-01", "time_zone": "UTC", "opening_time": "18:30:00" });
    let (status, body) = app.request(Method::PATCH, &format!("/api/marathons/{marathon}"), Some(&app.admin), Some(edit)).await;
    assert_eq!(
        (status, body["time_zone"].as_str(), body["first_day"].as_str()),
        (StatusCode::OK, Some("UTC"), Some("2030-02-01")),
        "{body}"
    );
    let (_, moved) = app.get(&format!("/api/lots/{}", lot["id"]), &app.viewer).await;
    assert_eq!(moved["starts_at"], "2030-02-02T18:30:00Z", "the pending lot moves with the schedule");
    // Two lots moved a day later: day 1 lands on day 2's old window, no overlap once both moved.
    let (status, second) = app
        .post(
            &format!("/api/marathons/{marathon}/lots"),
            &app.admin,
            json!({ "day_index": 2, "token_uri": "ipfs://b", "image_url": "https://a.example/b.png" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let (status, body) = app
        .request(Method::PATCH, &format!("/api/marathons/{marathon}"), Some(&app.admin), Some(json!({ "first_day": "2030-02-02" })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, second) = app.get(&format!("/api/lots/{}", second["id"]), &app.viewer).await;
    assert_eq!(second["starts_at"], "2030-02-04T18:30:00Z");
    let (status, body) = app
        .request(Method::PATCH, &format!("/api/marathons/{marathon}"), Some(&app.admin), Some(json!({ "first_day": "2020-01-01" })))
        .await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("first_day")));

    let (status, _) = app.request(Method::DELETE, &format!("/api/marathons/{marathon}"), Some(&app.operator), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.request(Method::DELETE, &format!("/api/marathons/{marathon}"), Some(&app.admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/api/marathons/{marathon}"), &app.viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Once a lot has opened, the schedule is as announced and the marathon stays for the record.
    let running = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    app.lot(running, 0, start, start + Duration::hours(1)).await;
    advance_due_lots(&app.pool, start).await.expect("open");
    let (status, body) =
        app.request(Method::PATCH, &format!("/api/marathons/{running}"), Some(&app.admin), Some(json!({ "time_zone": "UTC" }))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app.request(Method::DELETE, &format!("/api/marathons/{running}"), Some(&app.admin), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn the_event_log_is_searched_by_bidder_and_paged(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app = &open.app;
    let (alice, bob) = (funded_bidder(app, 1, eth(100)).await, funded_bidder(app, 2, eth(100)).await);
    for (i, (bidder, amount)) in [(&alice, 5), (&bob, 10), (&alice, 20)].into_iter().enumerate() {
        bid(&open, &format!("m{i}"), bidder, BidKind::Plain(eth(amount)), i as i64 + 1).await;
    }
    // The relay numbers events as it publishes them; only numbered events are listed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let all = loop {
        let (_, page) = app.get("/api/events/recent", &app.viewer).await;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= 4 {
            break events;
        }
        assert!(std::time::Instant::now() < deadline, "events were never published: {page}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(all.len(), 4, "lot.opened and three bids");
    let wei = |amount| serde_json::to_value(eth(amount)).expect("wei");
    // The events naming twitch:1, newest first, one a page.
    let (_, first) = app.get("/api/events/recent?bidder=twitch:1&limit=1", &app.viewer).await;
    assert_eq!(first["events"][0]["payload"]["amount"], wei(20), "{first}");
    let next = first["next_before_seq"].as_i64().expect("an older page");
    let (_, second) = app.get(&format!("/api/events/recent?bidder=twitch:1&limit=1&before_seq={next}"), &app.viewer).await;
    // Bob's bid names Alice too: she was outbid.
    assert_eq!(second["events"][0]["payload"]["amount"], wei(10), "{second}");
    assert_eq!(second["events"][0]["payload"]["outbid"], "twitch:1", "{second}");
    // By name, any case (the engine named them all "Viewer").
    let (_, named) = app.get("/api/events/recent?bidder=VIEWER", &app.viewer).await;
    assert_eq!(named["events"].as_array().map(Vec::len), Some(3), "{named}");
    let (_, none) = app.get("/api/events/recent?bidder=nobody", &app.viewer).await;
    assert_eq!(none["events"], json!([]));
    assert_eq!(none["next_before_seq"], Value::Null);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn the_health_page_shows_the_chain_the_settlement_service_reports(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, health) = app.get("/api/health/system", &app.viewer).await;
    assert_eq!((health["chain"]["configured"].as_bool(), &health["services"]["settlement"]), (Some(false), &Value::Null), "{health}");
    let report = heartbeats::ChainReport {
        chain_id: 31337,
        head: Some(42),
        signer: alloy::primitives::Address::with_last_byte(1),
        signer_balance_wei: Some(Wei::from(7u128)),
    };
    heartbeats::beat(&app.pool, heartbeats::SETTLEMENT, &report).await.expect("beat");
    let (_, health) = app.get("/api/health/system", &app.viewer).await;
    let chain = &health["chain"];
    assert_eq!(
        (chain["configured"].as_bool(), chain["reported_by"].as_str(), chain["head"].as_u64(), chain["signer_balance_wei"].as_str()),
        (Some(true), Some("settlement"), Some(42), Some("7")),
        "{health}"
    );
    assert!(health["services"]["settlement"]["last_beat_ms_ago"].as_i64().is_some_and(|ago| (0..5_000).contains(&ago)), "{health}");
}
