//! The public API the viewer page reads without a login: a marathon's lots in pages, a wallet's
//! standing, the chain facts; and the admin's unlink of a bidder from a wallet.

use chrono::Duration;
use gavel_domain::bidding::BidKind;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::bidding::{bid, eth, funded_bidder, open_lot};
use crate::helpers::{TestApp, now};

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_marathons_lots_are_public_in_pages_with_its_rules(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({ "chat_channels": ["twitch:gavel", "sim:demo"] })).await;
    let start = now() + Duration::days(30);
    for day in 0..3 {
        app.lot(marathon, day, start + Duration::days(day.into()), start + Duration::days(day.into()) + Duration::hours(1)).await;
    }

    let (status, first) = app.request(Method::GET, &format!("/api/public/marathons/{marathon}?limit=2"), None, None).await;
    assert_eq!(status, StatusCode::OK, "no login needed: {first}");
    assert_eq!(first["lots"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["next_after_day"], 1);
    assert_eq!(first["rules"]["reserve_wei"], "10000000000000000");
    assert_eq!(first["rules"]["increment_bps"], 500);
    assert_eq!(first["channels"][0]["platform"], "twitch");
    assert_eq!(first["channels"][1]["platform"], "sim");
    assert_eq!(first["lots"][0]["state"], "PENDING");
    assert_eq!(first["lots"][0]["token_id"], first["lots"][0]["id"]);
    assert_eq!(first["public_url"], serde_json::Value::Null, "no http.public_url configured");
    assert_eq!(first["show_join_qr"], false);

    // The admin asks the overlay for the join QR code: a marathon setting, audited like the rest.
    let (status, edited) =
        app.request(Method::PATCH, &format!("/api/marathons/{marathon}"), Some(&app.admin), Some(json!({ "show_join_qr": true }))).await;
    assert_eq!((status, edited["show_join_qr"].clone()), (StatusCode::OK, json!(true)), "{edited}");
    let (status, _) = app
        .request(Method::PATCH, &format!("/api/marathons/{marathon}"), Some(&app.operator), Some(json!({ "show_join_qr": false })))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, shown) = app.request(Method::GET, &format!("/api/public/marathons/{marathon}?limit=3"), None, None).await;
    assert_eq!(shown["show_join_qr"], true);

    let (_, rest) = app.request(Method::GET, &format!("/api/public/marathons/{marathon}?limit=2&after_day=1"), None, None).await;
    assert_eq!(rest["lots"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["lots"][0]["day_index"], 2);
    assert_eq!(rest["next_after_day"], serde_json::Value::Null);

    for bad in ["limit=0", "limit=101", "limit=x", "after=1"] {
        let (status, body) = app.request(Method::GET, &format!("/api/public/marathons/{marathon}?{bad}"), None, None).await;
        assert!(status.is_client_error(), "{bad}: {status} {body}");
    }
    let (status, _) = app.request(Method::GET, "/api/public/marathons/999999", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.request(Method::GET, "/api/public/chain", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no chain configured");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_wallets_standing_shows_escrow_leads_power_and_its_bidder_and_nothing_private(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let alice = funded_bidder(&open.app, 1, eth(10)).await;
    let wallet = format!("0x{:040x}", 1);
    bid(&open, "m1", &alice, BidKind::Plain(eth(3)), 1).await;

    // Any case of the address: it is one wallet.
    let (status, view) =
        open.app.request(Method::GET, &format!("/api/public/wallets/{}", wallet.to_uppercase().replacen("0X", "0x", 1)), None, None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["wallet"], wallet);
    assert_eq!(view["bidder"]["id"], "twitch:1");
    let login: String =
        sqlx::query_scalar("SELECT login FROM bidders WHERE id = 'twitch:1'").fetch_one(&open.app.pool).await.expect("login");
    assert_eq!(view["bidder"]["handle"], format!("twitch:{login}"), "the handle is of the login last seen");
    assert_eq!(view["escrow_wei"], eth(10).as_u256().to_string());
    assert_eq!(view["pending_withdrawal_wei"], "0");
    assert_eq!(view["committed_wei"], eth(3).as_u256().to_string());
    assert_eq!(view["power_wei"], eth(7).as_u256().to_string());
    assert_eq!(view["leads"][0]["lot_id"], open.lot);
    assert_eq!(view["won"].as_array().map(Vec::len), Some(0));
    assert_eq!(view["deposits"].as_array().map(Vec::len), Some(1));
    let text = view.to_string();
    for private in ["ban", "reason", "secret", "rejected"] {
        assert!(!text.contains(private), "{private} in {text}");
    }

    let (status, stranger) = open.app.request(Method::GET, &format!("/api/public/wallets/0x{:040x}", 9), None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((stranger["bidder"].clone(), stranger["power_wei"].clone()), (serde_json::Value::Null, json!("0")));
    for bad in ["0x12", "alice", "0xZZ00000000000000000000000000000000000000"] {
        let (status, body) = open.app.request(Method::GET, &format!("/api/public/wallets/{bad}"), None, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn an_admin_unlinks_a_bidder_only_when_nothing_open_rests_on_the_wallet(pool: sqlx::PgPool) {
    let open = open_lot(pool).await;
    let app: &TestApp = &open.app;
    let alice = funded_bidder(app, 1, eth(10)).await;
    bid(&open, "m1", &alice, BidKind::Plain(eth(3)), 1).await;
    let path = "/api/bidders/twitch:1/unlink";

    let (status, _) = app.post(path, &app.operator, json!({ "reason": "lost wallet" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an admin's action");
    let (status, body) = app.post(path, &app.admin, json!({ "reason": "lost wallet" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(&format!("lot {}", open.lot))), "{body}");
    let (status, body) = app.post(path, &app.admin, json!({ "reason": "" })).await;
    assert!(status.is_client_error(), "a reason is needed: {body}");

    // Once the lot is completed, nothing rests on the wallet.
    sqlx::query("UPDATE lots SET state = 'COMPLETED' WHERE id = $1").bind(open.lot).execute(&app.pool).await.expect("complete");
    let (status, body) = app.post(path, &app.admin, json!({ "reason": "lost wallet" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["wallet"], serde_json::Value::Null);
    let entries = gavel_store::audit::for_target(&app.pool, "bidder:twitch:1").await.expect("audit");
    let unlink = entries.iter().find(|entry| entry.action == "bidder.unlink").expect("audited");
    assert_eq!(unlink.details["reason"], "lost wallet");
    assert_eq!(unlink.details["wallet"], format!("0x{:040x}", 1));

    let (status, body) = app.post(path, &app.admin, json!({ "reason": "again" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "not linked any more: {body}");
}
