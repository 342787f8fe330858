//! Every class of bad input gets a 4xx whose JSON body names the field and the problem.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, marathon_spec};

async fn rejected_marathon(app: &TestApp, overrides: Value) -> (StatusCode, Value) {
    app.post("/api/marathons", &app.admin, marathon_spec(overrides)).await
}

fn assert_field(status: StatusCode, body: &Value, field: &str, says: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_field", "{body}");
    assert_eq!(body["field"], field, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "message {message:?} should say {says:?}");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn unknown_fields_are_named(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, body) = rejected_marathon(&app, json!({ "reserve_eth": "0.1" })).await;
    assert_field(status, &body, "reserve_eth", "unknown field");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn amounts_must_be_whole_non_negative_wei_strings(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let cases = [
        (json!({ "reserve_wei": "-5" }), "reserve_wei", "negative"),
        (json!({ "reserve_wei": "1.5" }), "reserve_wei", "wei has no fractions"),
        (json!({ "reserve_wei": "1e3" }), "reserve_wei", "scientific notation"),
        (json!({ "min_increment_wei": "0x10" }), "min_increment_wei", "hex"),
        (json!({ "reserve_wei": 1000 }), "reserve_wei", "decimal string"),
        (json!({ "reserve_wei": "9".repeat(80) }), "reserve_wei", "256 bits"),
        (json!({ "min_increment_wei": "0" }), "min_increment_wei", "at least 1 wei"),
    ];
    for (overrides, field, says) in cases {
        let (status, body) = rejected_marathon(&app, overrides).await;
        assert_field(status, &body, field, says);
    }
    let (_, list) = app.get("/api/marathons", &app.viewer).await;
    assert_eq!(list, json!([]), "nothing was created by a refused request");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn configuration_rules_are_checked(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, body) = rejected_marathon(&app, json!({ "time_zone": "Mars/Olympus_Mons" })).await;
    assert_field(status, &body, "time_zone", "unknown time zone");
    let (status, body) = rejected_marathon(&app, json!({ "days": 0 })).await;
    assert_field(status, &body, "days", "between 1 and 366");
    let (status, body) = rejected_marathon(&app, json!({ "days": -1 })).await;
    assert_field(status, &body, "days", "a whole number from 0");
    let (status, body) = rejected_marathon(&app, json!({ "opening_time": "25:00" })).await;
    assert_field(status, &body, "opening_time", "input");
    let (status, body) = rejected_marathon(&app, json!({ "anti_snipe_window_secs": 7200 })).await;
    assert_field(status, &body, "anti_snipe_window_secs", "longer than the lot");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_lot_cannot_end_before_it_starts(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let body = json!({ "day_index": 0, "token_uri": "ipfs://a", "image_url": "https://a/b.png",
                       "starts_at": "2030-01-01T20:00:00Z", "ends_at": "2030-01-01T19:00:00Z" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, body).await;
    assert_field(status, &body, "ends_at", "after starts_at");
    let body = json!({ "day_index": 0, "token_uri": "ipfs://a", "image_url": "https://a/b.png",
                       "starts_at": "2020-01-01T20:00:00Z", "ends_at": "2099-01-01T19:00:00Z" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, body).await;
    assert_field(status, &body, "starts_at", "in the future");
    let body = json!({ "day_index": 0, "token_uri": "ipfs://a", "image_url": "https://a/b.png", "starts_at": "+262142-12-31T23:59:00Z" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, body).await;
    assert!(status.is_client_error(), "a date at the calendar's end is refused, not a panic: {status} {body}");
    let first = json!({ "day_index": 0, "token_uri": "ipfs://a", "image_url": "https://a/b.png", "starts_at": "2030-01-01T20:00:00Z", "ends_at": "2030-01-01T21:00:00Z" });
    assert_eq!(app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, first).await.0, StatusCode::CREATED);
    let overlapping = json!({ "day_index": 1, "token_uri": "ipfs://a", "image_url": "https://a/b.png", "starts_at": "2030-01-01T20:30:00Z", "ends_at": "2030-01-01T22:00:00Z" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, overlapping).await;
    assert_eq!(status, StatusCode::CONFLICT, "one lot at a time: {body}");
    let body = json!({ "day_index": 7, "token_uri": "ipfs://a", "image_url": "https://a/b.png" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, body).await;
    assert_field(status, &body, "day_index", "below the marathon's 7 days");
    let body = json!({ "day_index": 0, "token_uri": "javascript:alert(1)", "image_url": "https://a/b.png" });
    let (status, body) = app.post(&format!("/api/marathons/{marathon}/lots"), &app.admin, body).await;
    assert_field(status, &body, "token_uri", "ipfs://");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn mutations_need_a_token_with_the_right_role(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, body) = app.request(Method::POST, "/api/marathons", None, Some(marathon_spec(json!({})))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthenticated");
    assert_eq!(body["message"], "log in, or send an API token as `Authorization: Bearer <token>`");
    let (status, body) = app.request(Method::POST, "/api/marathons", Some("gvl_not_a_token"), Some(marathon_spec(json!({})))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let (status, body) = app.post("/api/marathons", &app.viewer, json!({ "nonsense": true })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the role is checked before the body: {body}");
    let (status, body) = app.post("/api/marathons", &app.viewer, marathon_spec(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["message"], "this needs the admin role");
    let (status, body) = app.post("/api/marathons", &app.operator, marathon_spec(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "operators moderate, admins configure: {body}");
    let (status, body) = app.post("/api/bidding/pause", &app.viewer, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["message"], "this needs the operator role");
    let (status, _) = app.request(Method::GET, "/api/marathons", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "reads need a token too");
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn malformed_requests_get_json_errors(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/marathons", app.address))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "malformed_json");
    let (status, body) = app.get("/api/lots/abc", &app.viewer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "id");
    let (status, body) = app.get("/api/lots/1/bids?limit=0", &app.viewer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app.get("/api/lots/999", &app.viewer).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, body) = app.get("/api/nothing-here", &app.viewer).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let huge = "x".repeat(100 * 1024);
    let (status, body) = app.post("/api/marathons", &app.admin, json!({ "name": huge })).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")));
    let (status, body) = app.request(Method::DELETE, "/api/marathons", Some(&app.admin), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
}
