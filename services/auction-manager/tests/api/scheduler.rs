//! The scheduler with time under the test's control: each transition and its event happen
//! exactly once, at the scheduled instant or, when that has passed, at the first pass after.

use chrono::{DateTime, Duration, Utc};
use gavel_auction_manager::scheduler::{Transitioned, advance_due_lots};
use gavel_domain::LotId;
use gavel_domain::events::Event;
use gavel_domain::lot::LotState;
use serde_json::json;

use crate::helpers::{TestApp, now};

async fn events(app: &TestApp, lot: i64) -> Vec<(String, DateTime<Utc>)> {
    gavel_store::outbox::for_lot(&app.pool, lot)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.event.event_type().to_owned(), e.occurred_at))
        .collect()
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn transitions_happen_once_at_their_instant(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    let end = start + Duration::minutes(10);
    let lot = app.lot(marathon, 0, start, end).await;
    let step = |lot, to| Transitioned { lot_id: LotId(lot), to };

    assert_eq!(advance_due_lots(&app.pool, start - Duration::milliseconds(1)).await.expect("pass"), []);
    assert_eq!(advance_due_lots(&app.pool, start).await.expect("pass"), [step(lot, LotState::Active)]);
    assert_eq!(advance_due_lots(&app.pool, start).await.expect("pass"), [], "a second pass at the same instant does nothing");
    assert_eq!(advance_due_lots(&app.pool, end - Duration::milliseconds(1)).await.expect("pass"), []);
    assert_eq!(advance_due_lots(&app.pool, end).await.expect("pass"), [step(lot, LotState::Processing)]);
    assert_eq!(advance_due_lots(&app.pool, end + Duration::hours(1)).await.expect("pass"), [], "PROCESSING waits for lot.closed");
    assert_eq!(events(&app, lot).await, [("lot.opened".to_owned(), start), ("lot.processing".to_owned(), end)]);
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn a_lot_missed_entirely_while_down_opens_and_closes_at_once(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::days(30);
    let first = app.lot(marathon, 0, start, start + Duration::minutes(10)).await;
    let second = app.lot(marathon, 1, start + Duration::days(1), start + Duration::days(1) + Duration::minutes(10)).await;
    // The process was down from before the first lot until an hour after it ended.
    let restart = start + Duration::minutes(70);
    let done = advance_due_lots(&app.pool, restart).await.expect("pass");
    assert_eq!(done.len(), 2, "{done:?}");
    assert_eq!(events(&app, first).await, [("lot.opened".to_owned(), restart), ("lot.processing".to_owned(), restart)]);
    assert_eq!(events(&app, second).await, [], "the next day's lot is untouched");
    let stored = gavel_store::outbox::for_lot(&app.pool, first).await.expect("events");
    match &stored[0].event {
        Event::LotOpened(opened) => assert_eq!(opened.starts_at, start, "the event keeps the scheduled start"),
        other => panic!("unexpected {other:?}"),
    }
}

#[sqlx::test(migrator = "gavel_store::MIGRATOR")]
async fn the_running_scheduler_opens_and_closes_lots_on_time(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let marathon = app.marathon(json!({})).await;
    let start = now() + Duration::milliseconds(300);
    let end = start + Duration::milliseconds(400);
    let lot = app.lot(marathon, 0, start, end).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, body) = app.get(&format!("/api/lots/{lot}"), &app.viewer).await;
        if body["state"] == "PROCESSING" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the lot never reached PROCESSING: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let seen: Vec<_> = events(&app, lot).await.into_iter().take(2).collect();
    assert_eq!(seen.iter().map(|(kind, _)| kind.as_str()).collect::<Vec<_>>(), ["lot.opened", "lot.processing"]);
    // Never early; late by at most a scheduler pass on a loaded 2-core machine.
    let on_time = |at: DateTime<Utc>, due: DateTime<Utc>| at >= due && at <= due + Duration::seconds(1);
    assert!(on_time(seen[0].1, start) && on_time(seen[1].1, end), "on time: {seen:?}, due {start} and {end}");
}
